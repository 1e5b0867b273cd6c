//! OAuth 2.1 for MCP: discovery metadata (RFC 8414, RFC 9728), the authorization-code flow with
//! PKCE S256 and a login page, client credentials, and token revocation (RFC 7009).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, FromRequest, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use base64::Engine;
use serde_json::json;

use crate::auth::tokens::{self, Claims, TokenKind};
use crate::clients;
use crate::config::ClientSpec;
use crate::fsutil::random_token;
use crate::http::bearer::{base_url, blocked_response, client_ip, record_failure};
use crate::state::{AppState, AuthCode};

const CODE_LIFETIME: i64 = 60;

pub async fn authorization_server_metadata(req: Request) -> Json<serde_json::Value> {
    let base = base_url(&req);
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "revocation_endpoint": format!("{base}/revoke"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
    }))
}

pub async fn protected_resource_metadata(State(state): State<Arc<AppState>>, req: Request) -> Json<serde_json::Value> {
    let base = base_url(&req);
    Json(json!({
        "resource": format!("{base}{}", state.config.get("MCP_SERVER_URL_PATH")),
        "authorization_servers": [base],
        "bearer_methods_supported": ["header"],
        "resource_name": state.config.get("MCP_SERVER_NAME"),
    }))
}

fn oauth_error(status: StatusCode, error: &str, description: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description.into()})),
    )
        .into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn oauth_client<'a>(state: &'a AppState, id: &str) -> Option<&'a ClientSpec> {
    state.config.auth_mode.allows_oauth().then_some(())?;
    state
        .config
        .clients
        .iter()
        .find(|c| c.name == id && c.mode.allows_oauth())
}

/// Exact match, or a `*` wildcard standing for any run of characters.
pub fn uri_matches(pattern: &str, uri: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == uri,
        Some((head, tail)) => {
            uri.len() >= head.len() + tail.len()
                && uri.starts_with(head)
                && uri.ends_with(tail)
                // The wildcard stands for a port or a path segment, never for `@`, `/`, `?` or `#`
                // (which could move the redirect to another host).
                && !uri[head.len()..uri.len() - tail.len()].contains(['/', '@', '?', '#', '\\'])
        }
    }
}

/// Checks the redirect URI before any redirect happens.
fn check_redirect(state: &AppState, client: &str, uri: &str) -> Result<(), String> {
    let parsed = url::Url::parse(uri).map_err(|_| format!("redirect_uri '{uri}' is not an absolute URL"))?;
    if parsed.fragment().is_some() {
        return Err("redirect_uri must not have a fragment".into());
    }
    let registered = state.config.redirect_uris.get(client).map(Vec::as_slice).unwrap_or(&[]);
    if registered.iter().any(|p| uri_matches(p, uri)) {
        return Ok(());
    }
    if state.config.get("AUTH_OAUTH_REDIRECT_URI_ENFORCEMENT") == "strict" {
        return Err(format!(
            "redirect_uri '{uri}' is not registered for client '{client}' in AUTH_OAUTH_REDIRECT_URIS"
        ));
    }
    state.audit.event(
        "redirect_uri_unregistered",
        json!({"client": client, "redirect_uri": uri}),
    );
    tracing::warn!("client {client} used unregistered redirect_uri {uri} (enforcement off)");
    Ok(())
}

/// The authorization request's parameters, validated before the login page is shown.
fn validate_authorize(state: &AppState, p: &HashMap<String, String>) -> Result<(), (StatusCode, String)> {
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    let client = get("client_id");
    if oauth_client(state, client).is_none() {
        return Err((
            StatusCode::BAD_REQUEST,
            format!("unknown client_id '{client}' (or the client does not use OAuth)"),
        ));
    }
    check_redirect(state, client, get("redirect_uri")).map_err(|e| (StatusCode::BAD_REQUEST, e))?;
    if get("response_type") != "code" {
        return Err((StatusCode::BAD_REQUEST, "response_type must be 'code'".into()));
    }
    if get("code_challenge").is_empty() {
        return Err((
            StatusCode::BAD_REQUEST,
            "PKCE is required: code_challenge is missing".into(),
        ));
    }
    if get("code_challenge_method") != "S256" {
        return Err((
            StatusCode::BAD_REQUEST,
            "PKCE code_challenge_method must be S256 ('plain' is refused)".into(),
        ));
    }
    Ok(())
}

fn page(title: &str, body: &str, status: StatusCode) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>body{{font-family:sans-serif;max-width:28rem;margin:4rem auto;color:#1d2733}}h1{{font-size:1.4rem}}label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.5rem;box-sizing:border-box}}button{{margin-top:1rem;padding:.6rem 1.2rem;background:#0d6efd;color:#fff;border:0;border-radius:4px}}.error{{color:#b00020}}</style></head><body>{body}</body></html>",
        t = html_escape(title)
    );
    (status, Html(html)).into_response()
}

fn login_form(p: &HashMap<String, String>, error: Option<&str>, status: StatusCode) -> Response {
    let hidden: String = [
        "response_type",
        "redirect_uri",
        "code_challenge",
        "code_challenge_method",
        "state",
        "resource",
        "scope",
    ]
    .iter()
    .filter_map(|k| {
        p.get(*k)
            .map(|v| format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">", html_escape(v)))
    })
    .collect();
    let client = html_escape(p.get("client_id").map(String::as_str).unwrap_or(""));
    let err = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", html_escape(e)))
        .unwrap_or_default();
    page(
        "ai-bridge sign-in",
        &format!(
            "<h1>Authorize access to ai-bridge</h1>{err}<form method=\"post\" action=\"/authorize\">{hidden}<label for=\"client_id\">Client ID</label><input id=\"client_id\" name=\"client_id\" value=\"{client}\" autocomplete=\"username\"><label for=\"client_secret\">Client secret</label><input id=\"client_secret\" name=\"client_secret\" type=\"password\" autocomplete=\"current-password\"><button type=\"submit\">Authorize</button></form>"
        ),
        status,
    )
}

pub async fn authorize_page(State(state): State<Arc<AppState>>, Query(p): Query<HashMap<String, String>>) -> Response {
    if let Err((status, msg)) = validate_authorize(&state, &p) {
        return page(
            "Authorization error",
            &format!(
                "<h1>Authorization error</h1><p class=\"error\">{}</p>",
                html_escape(&msg)
            ),
            status,
        );
    }
    login_form(&p, None, StatusCode::OK)
}

pub async fn authorize_submit(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let ip = client_ip(&req);
    if let Some(retry) = state.guard.blocked(ip) {
        return blocked_response(&state, ip, retry);
    }
    let Ok(Form(p)) = Form::<HashMap<String, String>>::from_request(req, &()).await else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "expected a form body");
    };
    if let Err((status, msg)) = validate_authorize(&state, &p) {
        return page(
            "Authorization error",
            &format!(
                "<h1>Authorization error</h1><p class=\"error\">{}</p>",
                html_escape(&msg)
            ),
            status,
        );
    }
    let get = |k: &str| p.get(k).cloned().unwrap_or_default();
    let client = get("client_id");
    if !clients::check_secret(&state.config, &client, &get("client_secret")) {
        record_failure(&state, ip, "authorize", &format!("wrong secret for client '{client}'"));
        return login_form(&p, Some("Wrong client ID or secret."), StatusCode::UNAUTHORIZED);
    }
    let code = random_token();
    state.codes.lock().unwrap_or_else(|e| e.into_inner()).insert(
        code.clone(),
        AuthCode {
            client: client.clone(),
            redirect_uri: get("redirect_uri"),
            challenge: get("code_challenge"),
            resource: p.get("resource").cloned(),
            expires: tokens::now() + CODE_LIFETIME,
            used: false,
        },
    );
    state
        .audit
        .event("oauth_code_issued", json!({"client": client, "ip": ip.to_string()}));
    let mut target = url::Url::parse(&get("redirect_uri")).expect("validated");
    target.query_pairs_mut().append_pair("code", &code);
    if let Some(s) = p.get("state") {
        target.query_pairs_mut().append_pair("state", s);
    }
    Redirect::to(target.as_str()).into_response()
}

fn pkce_s256(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Client credentials from HTTP Basic or the form.
fn client_credentials(headers: &HeaderMap, form: &HashMap<String, String>) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Basic "))
    {
        let decoded = base64::engine::general_purpose::STANDARD.decode(basic.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (id, secret) = text.split_once(':')?;
        let id = url::form_urlencoded::parse(format!("a={id}").as_bytes())
            .next()?
            .1
            .to_string();
        let secret = url::form_urlencoded::parse(format!("a={secret}").as_bytes())
            .next()?
            .1
            .to_string();
        return Some((id, secret));
    }
    Some((form.get("client_id")?.clone(), form.get("client_secret")?.clone()))
}

fn access_token(state: &AppState, spec: &ClientSpec, code: Option<String>) -> Result<(String, Claims), Box<Response>> {
    let iat = tokens::now();
    let claims = Claims {
        sub: spec.subject.clone(),
        iss: state.config.get("AUTH_ISSUER").to_string(),
        aud: state.config.get("AUTH_AUDIENCE").to_string(),
        iat,
        exp: iat + state.config.int("AUTH_OAUTH_TOKEN_EXPIRY_SECONDS") as i64,
        jti: uuid::Uuid::new_v4().to_string(),
        client_id: spec.name.clone(),
        profile: spec.profile.clone(),
        kind: TokenKind::Oauth2,
        code,
    };
    tokens::issue(&state.keys, &claims).map(|t| (t, claims)).map_err(|e| {
        Box::new(oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            e.to_string(),
        ))
    })
}

fn token_response(state: &AppState, token: &str) -> Response {
    Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": state.config.int("AUTH_OAUTH_TOKEN_EXPIRY_SECONDS"),
    }))
    .into_response()
}

pub async fn token(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let ip = client_ip(&req);
    if let Some(retry) = state.guard.blocked(ip) {
        return blocked_response(&state, ip, retry);
    }
    let headers = req.headers().clone();
    let Ok(Form(form)) = Form::<HashMap<String, String>>::from_request(req, &()).await else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "expected application/x-www-form-urlencoded",
        );
    };
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    match get("grant_type").as_str() {
        "authorization_code" => {
            let code = get("code");
            let entry = {
                let mut codes = state.codes.lock().unwrap_or_else(|e| e.into_inner());
                let now = tokens::now();
                codes.retain(|_, c| c.expires > now - 600);
                match codes.get_mut(&code) {
                    Some(c) if c.used => Err(true),
                    Some(c) => {
                        c.used = true;
                        Ok(c.clone())
                    }
                    None => Err(false),
                }
            };
            let entry = match entry {
                Ok(e) => e,
                Err(replayed) => {
                    if replayed {
                        let issued = state
                            .issued_from_code
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .remove(&code)
                            .unwrap_or_default();
                        for (jti, exp) in &issued {
                            let _ = state.revocations.revoke(jti, *exp);
                        }
                        state.audit.event(
                            "oauth_code_replay",
                            json!({"ip": ip.to_string(), "revoked_tokens": issued.len()}),
                        );
                    }
                    record_failure(
                        &state,
                        ip,
                        "token",
                        if replayed {
                            "authorization code replayed"
                        } else {
                            "unknown authorization code"
                        },
                    );
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        if replayed {
                            "authorization code already used; tokens issued from it are revoked"
                        } else {
                            "unknown or expired authorization code"
                        },
                    );
                }
            };
            let fail = |reason: &str| {
                record_failure(&state, ip, "token", reason);
                oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", reason.to_string())
            };
            if entry.expires < tokens::now() {
                return fail("authorization code expired");
            }
            if form.get("client_id").is_some_and(|c| *c != entry.client) {
                return fail("authorization code was issued to another client");
            }
            if form.get("resource").is_some_and(|r| Some(r) != entry.resource.as_ref()) {
                return fail("resource does not match the authorization request");
            }
            if get("redirect_uri") != entry.redirect_uri {
                return fail("redirect_uri does not match the authorization request");
            }
            let verifier = get("code_verifier");
            if verifier.len() < 43 || pkce_s256(&verifier) != entry.challenge {
                return fail("PKCE code_verifier does not match the code_challenge");
            }
            let Some(spec) = oauth_client(&state, &entry.client).cloned() else {
                return fail("client is no longer configured for OAuth");
            };
            let (t, claims) = match access_token(&state, &spec, Some(code.clone())) {
                Ok(x) => x,
                Err(r) => return *r,
            };
            state
                .issued_from_code
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(code)
                .or_default()
                .push((claims.jti, claims.exp));
            state.audit.event(
                "oauth_token_issued",
                json!({"client": spec.name, "grant": "authorization_code", "ip": ip.to_string()}),
            );
            token_response(&state, &t)
        }
        "client_credentials" => {
            let Some((id, secret)) = client_credentials(&headers, &form) else {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "client credentials are required (HTTP Basic or form)",
                );
            };
            let spec = oauth_client(&state, &id).cloned();
            match spec {
                Some(spec) if clients::check_secret(&state.config, &id, &secret) => {
                    let (t, _) = match access_token(&state, &spec, None) {
                        Ok(x) => x,
                        Err(r) => return *r,
                    };
                    state.audit.event(
                        "oauth_token_issued",
                        json!({"client": spec.name, "grant": "client_credentials", "ip": ip.to_string()}),
                    );
                    token_response(&state, &t)
                }
                _ => {
                    record_failure(&state, ip, "token", &format!("wrong client credentials for '{id}'"));
                    oauth_error(
                        StatusCode::UNAUTHORIZED,
                        "invalid_client",
                        "wrong client_id or client_secret",
                    )
                }
            }
        }
        other => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("grant_type '{other}' is not supported"),
        ),
    }
}

/// RFC 7009: the token in the form (or the bearer) is revoked when it is ours; always 200.
pub async fn revoke(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let bearer = crate::http::bearer::bearer(&req);
    let form = Form::<HashMap<String, String>>::from_request(req, &())
        .await
        .map(|f| f.0)
        .unwrap_or_default();
    let token = form.get("token").cloned().or(bearer);
    if let Some(t) = token {
        if let Ok(c) = tokens::verify(
            &state.keys,
            &t,
            state.config.get("AUTH_ISSUER"),
            state.config.get("AUTH_AUDIENCE"),
        ) {
            if let Err(e) = state.revocations.revoke(&c.jti, c.exp) {
                tracing::error!("cannot persist revocation: {e}");
                return oauth_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "revocation could not be stored",
                );
            }
            state
                .audit
                .event("token_revoked", json!({"client": c.client_id, "jti": c.jti}));
        }
    }
    StatusCode::OK.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_patterns_match_exactly_or_by_wildcard() {
        assert!(uri_matches(
            "http://127.0.0.1:*/callback",
            "http://127.0.0.1:33418/callback"
        ));
        assert!(!uri_matches(
            "http://127.0.0.1:*/callback",
            "http://127.0.0.1:33418/callback/../evil"
        ));
        assert!(uri_matches("https://app.example.com/cb", "https://app.example.com/cb"));
        assert!(!uri_matches(
            "https://app.example.com/cb",
            "https://app.example.com/cb2"
        ));
        assert!(!uri_matches(
            "http://127.0.0.1:*/callback",
            "http://127.0.0.1:80@evil.example/callback"
        ));
    }

    #[test]
    fn pkce_s256_matches_an_independent_sha256() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU2p1r7wW1gXoJlXk7U"),
            "HuDv88-13j6iwzJeFypKE1InhWWl5k0eKy-O2Nr7fDQ"
        );
    }
}

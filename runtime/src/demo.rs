//! `ai-bridge demo`: a throwaway installation (its own .env, keys and a demo client), uc-sim in
//! process, and the MCP server on a local port; prints what an MCP client needs to connect.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::fsutil::write_atomic;
use crate::serve::{self, StartError};

pub struct Demo {
    pub installation: PathBuf,
    pub endpoint: String,
    pub token: String,
    pub ca_file: PathBuf,
    pub server: serve::Running,
    pub simulator: uc_sim::Running,
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Sets up and starts everything under `root` (created if needed; it must hold no `.env`).
pub async fn start(root: &Path, port: Option<u16>) -> Result<Demo, StartError> {
    let io = |e: std::io::Error| StartError::Listen {
        addr: root.display().to_string(),
        message: e.to_string(),
    };
    if root.join(".env").exists() {
        return Err(StartError::Listen {
            addr: root.display().to_string(),
            message: "this directory already holds an installation (.env); the demo needs an empty or new directory"
                .into(),
        });
    }
    std::fs::create_dir_all(root).map_err(io)?;
    let simulator = uc_sim::start(uc_sim::SimConfig::default(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .map_err(io)?;
    let port = match port {
        Some(p) => p,
        None => free_port().map_err(io)?,
    };
    // The simulator's self-signed certificate is trusted explicitly; verification stays on.
    write_atomic(
        &root.join("secrets/uc-sim-ca.pem"),
        simulator.cert_pem.as_bytes(),
        false,
    )
    .map_err(io)?;
    let env = format!(
        "# Throwaway installation made by `ai-bridge demo`.\nMCP_SERVER_HOST=127.0.0.1\nMCP_SERVER_PORT={port}\nAUTH_RSA_KEY_SIZE=2048\n\
         AUTH_CLIENTS=demo:demo-user:admin\nLOGGING_CONSOLE_ENABLED=0\nSERVER_CUCM_SSL_CA_BUNDLE=./secrets/uc-sim-ca.pem\n\
         SERVER_IMP_SSL_CA_BUNDLE=./secrets/uc-sim-ca.pem\nSERVER_CUC_SSL_CA_BUNDLE=./secrets/uc-sim-ca.pem\nSERVER_CUCM_PHONE_HTTP_PORT={}\n",
        simulator.phones.first().map_or(80, |p| p.addr.port())
    );
    write_atomic(&root.join(".env"), env.as_bytes(), false).map_err(io)?;
    let server = serve::start(root).await?;
    // The simulator's logins, stored encrypted for the demo client (as `cucm_store_credentials`
    // would), and its addresses beside them for people reading the installation.
    let host = simulator.addr.to_string();
    let mut store = crate::credentials::CredentialStore::open(&server.state.config, "demo")
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    let cfg = &simulator.sim.config;
    // The CLI listens on its own port: its login is stored under that address.
    let ssh_host = simulator.ssh.addr.to_string();
    let imp_host = simulator.imp_addr.to_string();
    for (target, kind, user, password) in [
        (&host, crate::credentials::Kind::Axl, &cfg.username, &cfg.password),
        (&imp_host, crate::credentials::Kind::Axl, &cfg.username, &cfg.password),
        (
            &ssh_host,
            crate::credentials::Kind::Os,
            &cfg.os_username,
            &cfg.os_password,
        ),
        (
            &host,
            crate::credentials::Kind::Phone,
            &cfg.phone_username,
            &cfg.phone_password,
        ),
        (&host, crate::credentials::Kind::Cupi, &cfg.username, &cfg.password),
    ] {
        store
            .put(
                target,
                kind,
                crate::credentials::Credential {
                    username: user.clone(),
                    password: password.clone(),
                },
            )
            .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    }
    let sim_info = json!({
        "host": host,
        "axl_url": format!("{}/axl/", simulator.base_url()),
        "ris_url": format!("{}/realtimeservice2/services/RISService70", simulator.base_url()),
        "cupi_url": format!("{}/vmrest/", simulator.base_url()),
        "imp_host": imp_host,
        "imp_axl_url": format!("{}{}", simulator.imp_base_url(), cisco_uc::imp::ENDPOINT_PATH),
        "ssh": {"address": simulator.ssh.addr.to_string(), "host_key": simulator.ssh.public_key, "fingerprint": simulator.ssh.fingerprint},
        "phones": simulator.phones.iter().map(|p| json!({"name": p.name, "model": p.model, "address": p.addr.to_string()})).collect::<Vec<_>>(),
        "certificate": simulator.cert_pem,
    });
    let info = root.join("clients/demo/custom/simulator.json");
    write_atomic(
        &info,
        serde_json::to_string_pretty(&sim_info).unwrap_or_default().as_bytes(),
        false,
    )
    .map_err(io)?;
    let token = std::fs::read_to_string(root.join("clients/demo/secrets/.token"))
        .map_err(io)?
        .trim()
        .to_string();
    Ok(Demo {
        installation: root.to_path_buf(),
        endpoint: format!(
            "https://127.0.0.1:{port}{}",
            server.state.config.get("MCP_SERVER_URL_PATH")
        ),
        token,
        ca_file: root.join("secrets/server.crt"),
        server,
        simulator,
    })
}

impl Demo {
    /// What to paste into MCP clients.
    pub fn banner(&self) -> String {
        let claude = json!({"mcpServers": {"ai-bridge-demo": {"command": "npx", "args": ["-y", "mcp-remote", &self.endpoint, "--header", format!("Authorization: Bearer {}", self.token)],
            "env": {"NODE_EXTRA_CA_CERTS": self.ca_file.display().to_string()}}}});
        let vscode = json!({"servers": {"ai-bridge-demo": {"type": "http", "url": &self.endpoint, "headers": {"Authorization": format!("Bearer {}", self.token)}}}});
        let opencode = json!({"mcp": {"ai-bridge-demo": {"type": "remote", "url": &self.endpoint, "headers": {"Authorization": format!("Bearer {}", self.token)}}}});
        format!(
            "ai-bridge demo is running (Ctrl-C stops it).\n\n\
             MCP endpoint: {endpoint}\n\
             Bearer token: {token}\n\
             CA certificate: {ca}\n\
             Installation: {root}\n\
             Simulated CUCM: {sim} (AXL {versions}, RIS, CUPI; credentials stored for the demo client)\n\
             Simulated IM and Presence: {imp} (AXL {imp_versions}; credentials stored)\n\
             Simulated CLI (SSH): {ssh} (host key {fingerprint}; trust it once with cucm_os_trust_fingerprint)\n\
             Simulated phones: {phones}\n\n\
             Claude Desktop (claude_desktop_config.json):\n{claude}\n\n\
             VS Code (.vscode/mcp.json; trust the CA certificate first):\n{vscode}\n\n\
             OpenCode (opencode.json):\n{opencode}\n\n\
             curl:\n  curl --cacert {ca} -H 'Authorization: Bearer {token}' -H 'Accept: application/json, text/event-stream' \\\n    -H 'Content-Type: application/json' {endpoint} \\\n    -d '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{{}},\"clientInfo\":{{\"name\":\"curl\",\"version\":\"1\"}}}}}}'\n",
            endpoint = self.endpoint,
            token = self.token,
            ca = self.ca_file.display(),
            root = self.installation.display(),
            sim = self.simulator.base_url(),
            versions = cisco_uc::axl::VERSIONS.join(", "),
            imp = self.simulator.imp_addr,
            imp_versions = cisco_uc::imp::VERSIONS.join(", "),
            ssh = self.simulator.ssh.addr,
            fingerprint = self.simulator.ssh.fingerprint,
            phones = self.simulator.phones.iter().map(|p| format!("{} {} at {}", p.name, p.model, p.addr)).collect::<Vec<_>>().join(", "),
            claude = serde_json::to_string_pretty(&claude).unwrap_or_default(),
            vscode = serde_json::to_string_pretty(&vscode).unwrap_or_default(),
            opencode = serde_json::to_string_pretty(&opencode).unwrap_or_default(),
        )
    }

    pub async fn stop(self) {
        self.server.shutdown.cancel();
        let _ = self.server.done.await;
        self.simulator.shutdown();
    }
}

//! tools/call round trips on `bridge_whoami` over HTTPS with 8 concurrent MCP sessions:
//! throughput and p50/p99 latency. `cargo bench -p ai-bridge --bench whoami`

use std::time::{Duration, Instant};

use serde_json::json;

const CLIENTS: usize = 8;
const CALLS_PER_CLIENT: usize = 500;

async fn session(http: &reqwest::Client, url: &str, token: &str) -> String {
    let r = http
        .post(url)
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}))
        .send()
        .await
        .unwrap();
    let id = r.headers()["mcp-session-id"].to_str().unwrap().to_string();
    r.text().await.unwrap();
    http.post(url)
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &id)
        .json(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .send()
        .await
        .unwrap();
    id
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // The admin profile's common limit (60 a minute) would stop the bench after 60 calls:
    // a custom profile lifts it, and leaves the gate itself in the measured path.
    let mut profile: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../profiles/_default/admin.json")).unwrap(),
    )
    .unwrap();
    profile["common"]["report"]["rate_limit"] = json!(100_000);
    std::fs::create_dir_all(dir.path().join("profiles")).unwrap();
    std::fs::write(dir.path().join("profiles/bench.json"), profile.to_string()).unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!("MCP_SERVER_HOST=127.0.0.1\nMCP_SERVER_PORT={port}\nAUTH_RSA_KEY_SIZE=2048\nAUTH_CLIENTS=bench:b:bench\nLOGGING_CONSOLE_ENABLED=0\nLOGGING_LEVEL=warning\n"),
    )
    .unwrap();
    let running = ai_bridge::serve::start(dir.path()).await.unwrap();
    let token = std::fs::read_to_string(dir.path().join("clients/bench/secrets/.token")).unwrap();
    let ca = reqwest::Certificate::from_pem(&std::fs::read(dir.path().join("secrets/server.crt")).unwrap()).unwrap();
    let url = format!("https://127.0.0.1:{port}/mcp");

    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (url, token, ca) = (url.clone(), token.clone(), ca.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().add_root_certificate(ca).build().unwrap();
            let id = session(&http, &url, &token).await;
            let mut latencies = Vec::with_capacity(CALLS_PER_CLIENT);
            for i in 0..CALLS_PER_CLIENT {
                let t = Instant::now();
                let body = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("accept", "application/json, text/event-stream")
                    .header("mcp-session-id", &id)
                    .json(&json!({"jsonrpc": "2.0", "id": i + 1, "method": "tools/call", "params": {"name": "bridge_whoami", "arguments": {}}}))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                assert!(body.contains("\"client\""), "{body}");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all: Vec<Duration> = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let wall = started.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    println!(
        "bridge_whoami over HTTPS, {CLIENTS} concurrent sessions, {} calls: {:.0} calls/s, p50 {:.2} ms, p99 {:.2} ms",
        all.len(),
        all.len() as f64 / wall.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3
    );
    running.shutdown.cancel();
}

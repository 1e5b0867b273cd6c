//! Shared by the end-to-end tests: one MCP session of the official Python SDK
//! (tests/e2e/mcp_calls.py) running a list of tool calls, and result helpers.
#![allow(dead_code)]

pub mod sshd;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

pub struct Session {
    pub tools: Vec<String>,
    pub schemas: Value,
    pub results: Vec<Value>,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `steps` ([{tool, args}]) in order in one MCP session with this bearer token.
pub async fn mcp_session(base: &str, ca: &str, token: &str, steps: Value) -> Session {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/mcp_calls.py");
    let args = [base.to_string(), ca.to_string(), token.to_string()];
    let input = serde_json::to_vec(&steps).unwrap();
    let out = tokio::task::spawn_blocking(move || {
        let mut child = Command::new("python3")
            .arg(script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 must be installed");
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), &input).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named"),
        "install the Python MCP SDK: pip install mcp\n{stderr}"
    );
    assert!(out.status.success(), "python client failed:\n{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    Session {
        tools: v["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect(),
        schemas: v["schemas"].clone(),
        results: v["results"].as_array().unwrap().clone(),
    }
}

pub fn call(tool: &str, args: Value) -> Value {
    json!({"tool": tool, "args": args})
}

/// The structured result of a successful call.
pub fn ok(r: &Value) -> &Value {
    assert_eq!(r["is_error"], false, "expected success: {r}");
    &r["structured"]
}

/// The text of a tool error.
pub fn err(r: &Value) -> String {
    assert_eq!(r["is_error"], true, "expected a tool error: {r}");
    r["text"].as_str().unwrap().to_string()
}

//! `ai-bridge demo` as a user runs it: start the binary, read the printed endpoint, token and
//! CA, connect the Python MCP SDK with them, list tools and call one, then stop with SIGINT.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_demo_prints_what_a_client_needs_and_serves_it() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ai-bridge"))
        .arg("demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut endpoint, mut token, mut ca, mut installation, mut sim, mut ssh, mut phone) =
        (None, None, None, None, None, None, None);
    let mut imp = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(v) = line.strip_prefix("MCP endpoint: ") {
            endpoint = Some(v.to_string());
        } else if let Some(v) = line.strip_prefix("Bearer token: ") {
            token = Some(v.to_string());
        } else if let Some(v) = line.strip_prefix("CA certificate: ") {
            ca = Some(v.to_string());
        } else if let Some(v) = line.strip_prefix("Installation: ") {
            installation = Some(v.to_string());
        } else if let Some(v) = line.strip_prefix("Simulated CUCM: https://") {
            sim = v.split_whitespace().next().map(str::to_string);
        } else if let Some(v) = line.strip_prefix("Simulated IM and Presence: ") {
            imp = v.split_whitespace().next().map(str::to_string);
        } else if let Some(v) = line.strip_prefix("Simulated CLI (SSH): ") {
            let mut words = v.split_whitespace();
            let addr = words.next().map(str::to_string);
            let fp = words.nth(2).map(|f| f.trim_end_matches(';').to_string());
            ssh = addr.zip(fp);
        } else if let Some(v) = line.strip_prefix("Simulated phones: ") {
            phone = v.split_whitespace().next().map(str::to_string);
        } else if line.starts_with("curl:") {
            break;
        }
    }
    let (endpoint, token, ca, installation, sim) = (
        endpoint.unwrap(),
        token.unwrap(),
        ca.unwrap(),
        installation.unwrap(),
        sim.unwrap(),
    );
    let (ssh, fingerprint) = ssh.unwrap();
    let phone = phone.unwrap();
    let imp = imp.unwrap();
    let base = endpoint.strip_suffix("/mcp").unwrap().to_string();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/mcp_client.py");
    let out = Command::new("python3")
        .arg(script)
        .args([&base, &ca, "jwt", &token])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "python client: {stderr}");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        r["tools"].as_array().unwrap().iter().any(|t| t == "bridge_whoami"),
        "{r}"
    );
    assert_eq!(r["whoami"]["client"], "demo");
    assert!(std::path::Path::new(&installation)
        .join("clients/demo/custom/simulator.json")
        .is_file());

    // The CUCM tools work against the simulator out of the box (credentials stored, CA trusted).
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/mcp_calls.py");
    let mut child_py = Command::new("python3")
        .arg(script)
        .args([&base, &ca, &token])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let steps = serde_json::json!([
        {"tool": "cucm_get_version", "args": {"host": sim}},
        {"tool": "cucm_risport_query", "args": {"host": sim, "max_devices": 5}},
        {"tool": "cucm_os_trust_fingerprint", "args": {"host": ssh, "fingerprint": fingerprint, "action": "trust"}},
        {"tool": "cucm_os_run_command", "args": {"host": ssh, "command": "utils service list"}},
        {"tool": "phone_screenshot", "args": {"host": sim, "device": phone}},
        {"tool": "imp_get_version", "args": {"host": imp}},
    ]);
    std::io::Write::write_all(&mut child_py.stdin.take().unwrap(), steps.to_string().as_bytes()).unwrap();
    let out = child_py.wait_with_output().unwrap();
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["results"][0]["is_error"], false, "{r}");
    assert!(
        r["results"][0]["structured"]["version"]
            .as_str()
            .unwrap()
            .starts_with("15.0"),
        "{r}"
    );
    assert_eq!(r["results"][1]["structured"]["count"], 5, "{r}");
    assert_eq!(r["results"][2]["is_error"], false, "{r}");
    let services = r["results"][3]["structured"]["output"].as_str().unwrap_or_default();
    assert!(
        services.contains("[STARTED]") && !services.contains("Press <enter>"),
        "{r}"
    );
    assert_eq!(r["results"][4]["images"][0]["mime"], "image/png", "{}", r["results"][4]);
    assert_eq!(
        r["results"][5]["structured"]["axl_schema"], "15.0",
        "{}",
        r["results"][5]
    );

    assert!(Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(rest.iter().any(|l| l.contains("stopping the demo")), "{rest:?}");
    assert!(
        !std::path::Path::new(&installation).exists(),
        "the throwaway installation is removed"
    );
}

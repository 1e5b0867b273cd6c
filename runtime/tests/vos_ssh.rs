//! The platform CLI tools against a real OpenSSH sshd on 127.0.0.1 (its own config, host key
//! and port), whose login user's ForceCommand is tests/e2e/vos_cli.py, a VOS CLI emulation:
//! host-key trust, unknown/changed keys, password and keyboard-interactive logins, both
//! pagers, Continue questions, timeouts, session reuse, and RBAC refusals before any connection.
//! Needs root (it creates the login user) and openssh-server (`.ci/run` installs it).

mod common;

use std::path::{Path, PathBuf};

use common::sshd::{ensure_user, host_key, Sshd};
use common::{call, err, free_port, mcp_session, ok};
use serde_json::{json, Value};

const USER: &str = "aibridge-vos";
const PASSWORD: &str = "Vos-Test-Pa55";

/// A test profile with room for many CLI calls a minute (the shipped admin allows 5).
const CLI_PROFILE: &str = r#"{
  "description": "CLI tests",
  "product_scope": ["cucm", "imp"],
  "cucm": {
    "ssh": {"rate_limit": 100, "allowed_prefixes": ["show", "utils", "file"]},
    "credentials": {"allowed_actions": ["store", "update", "delete", "trust_host_key"]}
  },
  "imp": {
    "credentials": {"allowed_actions": ["store"]}
  },
  "common": {"report": {"rate_limit": 100}}
}"#;

/// A VOS-like sshd: the login user's ForceCommand is the CLI emulation.
fn vos_sshd(dir: &Path, port: u16, key: &Path, kbd_only: bool, name: &str) -> Sshd {
    let emulator = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/vos_cli.py");
    let extra = format!(
        "PasswordAuthentication {}\nKbdInteractiveAuthentication yes\nPubkeyAuthentication no\nForceCommand /usr/bin/python3 {}\n",
        if kbd_only { "no" } else { "yes" },
        emulator.display()
    );
    Sshd::start(dir, port, key, USER, &extra, name)
}

fn run(host: &str, command: &str) -> Value {
    call("cucm_os_run_command", json!({"host": host, "command": command}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vos_cli_over_real_sshd_with_host_key_pinning_pagers_questions_timeouts_and_rbac() {
    ensure_user(USER, PASSWORD, Path::new("/nonexistent"));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("install");
    std::fs::create_dir_all(root.join("profiles")).unwrap();
    std::fs::write(root.join("profiles/cli.json"), CLI_PROFILE).unwrap();
    let port = free_port();
    std::fs::write(
        root.join(".env"),
        format!(
            "MCP_SERVER_HOST=127.0.0.1\nMCP_SERVER_PORT={port}\nAUTH_RSA_KEY_SIZE=2048\n\
             AUTH_CLIENTS=cli:carol:cli,op:oscar:operator,aud:ursula:auditor\nLOGGING_CONSOLE_ENABLED=0\n\
             SERVER_CUCM_SSH_TIMEOUT=4\n"
        ),
    )
    .unwrap();
    let running = ai_bridge::serve::start(&root).await.unwrap();
    let base = format!("https://127.0.0.1:{port}");
    let ca = root.join("secrets/server.crt").display().to_string();
    let token = |c: &str| {
        std::fs::read_to_string(root.join(format!("clients/{c}/secrets/.token")))
            .unwrap()
            .trim()
            .to_string()
    };
    let (cli, op, aud) = (token("cli"), token("op"), token("aud"));

    let ssh_port = free_port();
    let h = format!("127.0.0.1:{ssh_port}");
    let (key1, fp1) = host_key(dir.path(), "host_key_1");
    let sshd = vos_sshd(dir.path(), ssh_port, &key1, false, "a");

    // First contact: the key is unknown; a wrong fingerprint trusts nothing; the right one does.
    let s = mcp_session(
        &base,
        &ca,
        &cli,
        json!([
            call("cucm_os_store_credentials", json!({"host": h, "username": USER, "password": PASSWORD})),
            run(&h, "show version active"),
            call("cucm_os_trust_fingerprint", json!({"host": h, "fingerprint": "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "action": "trust"})),
            run(&h, "show version active"),
        ]),
    )
    .await;
    let r = &s.results;
    ok(&r[0]);
    let unknown = err(&r[1]);
    assert!(
        unknown.contains("not trusted yet") && unknown.contains(&fp1),
        "{unknown}"
    );
    assert!(unknown.contains("cucm_os_trust_fingerprint"), "{unknown}");
    assert!(err(&r[2]).contains("nothing was trusted"));
    assert!(
        err(&r[3]).contains("not trusted yet"),
        "a wrong fingerprint trusted nothing"
    );
    let s = mcp_session(
        &base,
        &ca,
        &cli,
        json!([
            call(
                "cucm_os_trust_fingerprint",
                json!({"host": h, "fingerprint": fp1, "action": "trust"})
            ),
            run(&h, "show version active"),
            run(&h, "utils service list"),
            run(&h, "file view activelog syslog/messages"),
            run(&h, "utils system restart"),
            call(
                "cucm_os_run_command",
                json!({"host": h, "command": "utils system restart", "confirm": true})
            ),
            run(&h, "show status"),
            run(&h, "show nosuchthing"),
            run(&h, "show slow"),
            run(&h, "show version active"),
            run(&h, "show version active"),
        ]),
    )
    .await;
    let r = &s.results;
    assert_eq!(ok(&r[0])["fingerprint"], fp1.as_str());
    let known = std::fs::read_to_string(root.join("secrets/ssh_known_hosts")).unwrap();
    assert!(
        known
            .trim_start()
            .starts_with(&format!("[127.0.0.1]:{ssh_port} ssh-ed25519 ")),
        "{known}"
    );
    let version = ok(&r[1]);
    let text = version["output"].as_str().unwrap();
    assert!(text.starts_with("Active Master Version: 15.0.1.12900-234"), "{text:?}");
    assert!(
        !text.contains("admin:") && !text.contains("show version active"),
        "{text:?}"
    );
    assert_eq!(version["session_reused"], false);
    // Pager 1: 30 services over 3 pages, nothing of the pager left.
    let services = ok(&r[2]);
    let text = services["output"].as_str().unwrap();
    assert_eq!(text.matches("[STARTED]").count(), 30, "{text}");
    assert!(
        !text.contains("Press <enter>") && text.ends_with("Commands Executed Successfully"),
        "{text:?}"
    );
    assert_eq!(services["pages"], 2);
    assert_eq!(services["session_reused"], true, "the session is reused");
    // Pager 2: 45 lines in pages of 20.
    let log = ok(&r[3]);
    let text = log["output"].as_str().unwrap();
    for i in [1, 20, 21, 45] {
        assert!(
            text.contains(&format!("syslog line {i}\n")) || text.ends_with(&format!("syslog line {i}")),
            "{i}: {text}"
        );
    }
    assert!(!text.contains("options:"), "{text}");
    assert_eq!(log["pages"], 3);
    // Continue (y/n)? answered n, unless confirmed.
    let no = ok(&r[4]);
    assert!(no["output"].as_str().unwrap().contains("Restart cancelled"), "{no}");
    assert_eq!(no["questions"], json!(["Continue (y/n)? -> answered 'n'"]));
    let yes = ok(&r[5]);
    assert!(yes["output"].as_str().unwrap().contains("being Restarted"), "{yes}");
    let status = ok(&r[6])["output"].as_str().unwrap().to_string();
    assert!(
        status.contains("Host Name      : cucm-pub") && !status.contains('\x1b'),
        "{status:?}"
    );
    assert!(ok(&r[7])["output"]
        .as_str()
        .unwrap()
        .contains("No valid command entered"));
    // The timeout closes the session and says how much arrived; the next call opens a new one.
    let slow = err(&r[8]);
    assert!(slow.contains("within 4 s") && slow.contains("collecting..."), "{slow}");
    assert_eq!(ok(&r[9])["session_reused"], false);
    assert_eq!(ok(&r[10])["session_reused"], true);

    // RBAC: refused before any connection (the sshd log shows no new login).
    let logins_before = sshd.log().matches("Accepted").count();
    let s = mcp_session(
        &base,
        &ca,
        &op,
        json!([
            call(
                "cucm_os_store_credentials",
                json!({"host": h, "username": USER, "password": PASSWORD})
            ),
            run(&h, "showx version"),
            run(&h, "show version\nutils system restart"),
            run(&h, "show version; x"),
            run(&h, "show \u{1b}[2J version"),
            run(&h, "show version \\"),
        ]),
    )
    .await;
    assert!(
        !s.tools.contains(&"cucm_os_trust_fingerprint".to_string()),
        "{:?}",
        s.tools
    );
    assert!(s.tools.contains(&"cucm_os_run_command".to_string()));
    ok(&s.results[0]);
    for r in &s.results[1..] {
        let e = err(r);
        assert!(e.starts_with("ProfilePermissionError"), "{e}");
    }
    let s = mcp_session(&base, &ca, &aud, json!([run(&h, "utils system restart")])).await;
    let e = err(&s.results[0]);
    assert!(
        e.starts_with("ProfilePermissionError") && e.contains("not an allowed cucm CLI command"),
        "{e}"
    );
    assert_eq!(
        sshd.log().matches("Accepted").count(),
        logins_before,
        "no login for refused commands"
    );
    sshd.stop();

    // Keyboard-interactive only (password authentication off), same host key.
    let sshd = vos_sshd(dir.path(), ssh_port, &key1, true, "b");
    let s = mcp_session(&base, &ca, &cli, json!([run(&h, "utils dbreplication runtimestate")])).await;
    let out = ok(&s.results[0]);
    assert!(out["output"].as_str().unwrap().contains("ALL RUNNING"), "{out}");
    assert!(sshd.log().contains("Accepted keyboard-interactive"), "{}", sshd.log());
    sshd.stop();

    // A changed host key is refused, always, with both fingerprints, and audited.
    let (key2, fp2) = host_key(dir.path(), "host_key_2");
    let sshd = vos_sshd(dir.path(), ssh_port, &key2, false, "c");
    let s = mcp_session(
        &base,
        &ca,
        &cli,
        json!([
            run(&h, "show version active"),
            call(
                "cucm_os_trust_fingerprint",
                json!({"host": h, "fingerprint": fp2, "action": "trust"})
            ),
        ]),
    )
    .await;
    let changed = err(&s.results[0]);
    assert!(
        changed.contains("REFUSED") && changed.contains(&fp1) && changed.contains(&fp2),
        "{changed}"
    );
    assert!(
        err(&s.results[1]).contains("has changed"),
        "trusting over a changed key is refused too"
    );
    let audit = std::fs::read_to_string(root.join("logs/audit.log")).unwrap();
    assert!(audit.contains("ssh_host_key_mismatch") && audit.contains("man-in-the-middle"));
    assert!(!audit.contains(PASSWORD));
    assert!(
        !sshd.log().contains("Accepted"),
        "no credentials were sent to the changed host"
    );
    sshd.stop();
    running.shutdown.cancel();
}

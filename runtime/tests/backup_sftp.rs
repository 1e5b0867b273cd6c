//! Backup export to a real OpenSSH sshd with internal-sftp on 127.0.0.1: key and encrypted
//! password logins, `[host]:port` and hashed known_hosts entries, remote retention that only
//! touches ai-bridge's files, and unknown or changed host keys refused before any credential
//! is sent (the sshd log shows no authentication attempt). Needs root and openssh-server.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::free_port;
use common::sshd::{ensure_user, host_key, Sshd};

const USER: &str = "aibridge-sftp";
const PASSWORD: &str = "Sftp-Test-Pa55";

fn run(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ai-bridge"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn set_env(root: &Path, key: &str, value: &str) {
    let path = root.join(".env");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with(&format!("{key}=")))
        .map(str::to_string)
        .collect();
    lines.push(format!("{key}={value}"));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

fn chown(path: &Path) {
    assert!(Command::new("chown").arg(USER).arg(path).status().unwrap().success());
}

fn sftp_sshd(dir: &Path, port: u16, key: &Path, name: &str) -> Sshd {
    let extra = format!(
        "PasswordAuthentication yes\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
         AuthorizedKeysFile {}/authorized_keys\nSubsystem sftp internal-sftp\nForceCommand internal-sftp\n",
        dir.display()
    );
    Sshd::start(dir, port, key, USER, &extra, name)
}

fn keyscan(port: u16) -> String {
    let o = Command::new("ssh-keyscan")
        .args(["-p", &port.to_string(), "-t", "ed25519", "127.0.0.1"])
        .stderr(Stdio::null())
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        lines.starts_with(&format!("[127.0.0.1]:{port} ssh-ed25519 ")),
        "{lines}"
    );
    lines
}

fn remote_names(remote: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(remote)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

fn no_auth_attempt(log: &str) -> bool {
    !log.contains("Accepted")
        && !log.contains("Failed")
        && !log.contains("authenticating user")
        && !log.contains("Postponed")
}

#[test]
fn sftp_export_by_key_and_encrypted_password_with_pinned_host_keys_and_remote_retention() {
    let dir = tempfile::tempdir().unwrap();
    // The login user must reach its upload directory inside the temporary directory.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    ensure_user(USER, PASSWORD, &home);
    chown(&home);
    let remote = home.join("backups");

    // The installation: keys, .env and something to back up.
    let root = dir.path().join("install");
    std::fs::create_dir_all(root.join("secrets")).unwrap();
    let (private, public) = ai_bridge::keys::generate(2048).unwrap();
    std::fs::write(root.join("secrets/rsa_private.pem"), private).unwrap();
    std::fs::write(root.join("secrets/rsa_public.pem"), public).unwrap();
    std::fs::write(root.join("notes.txt"), "installation data").unwrap();
    let client_key = dir.path().join("client_key");
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&client_key)
        .status()
        .unwrap()
        .success());
    std::fs::copy(client_key.with_extension("pub"), dir.path().join("authorized_keys")).unwrap();
    let port = free_port();
    std::fs::write(
        root.join(".env"),
        format!(
            "AUTH_RSA_KEY_SIZE=2048\nLOGGING_CONSOLE_ENABLED=0\nBACKUP_SFTP_HOST=127.0.0.1\nBACKUP_SFTP_PORT={port}\n\
             BACKUP_SFTP_USER={USER}\nBACKUP_SFTP_KEY_FILE={}\nBACKUP_SFTP_REMOTE_PATH={}\nBACKUP_SFTP_RETENTION=2\n",
            client_key.display(),
            remote.display()
        ),
    )
    .unwrap();
    let (key1, fp1) = host_key(dir.path(), "host_key_1");
    let known_hosts = root.join("secrets/sftp_known_hosts");

    // Unknown host: no known_hosts file at all, then a file without the host.
    let sshd = sftp_sshd(dir.path(), port, &key1, "unknown");
    let o = run(&root, &["backup", "create"]);
    assert!(!o.status.success(), "{}", text(&o));
    let msg = text(&o);
    assert!(
        msg.contains("does not exist") && msg.contains(&fp1) && msg.contains("was created"),
        "{msg}"
    );
    std::fs::write(
        &known_hosts,
        "[otherhost]:22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ\n",
    )
    .unwrap();
    let o = run(&root, &["backup", "create"]);
    assert!(
        text(&o).contains("has no entry") && text(&o).contains(&fp1),
        "{}",
        text(&o)
    );
    assert!(
        no_auth_attempt(&sshd.log()),
        "credentials were offered to an unknown host:\n{}",
        sshd.log()
    );
    assert!(!remote.exists());

    // Pinned by a [host]:port line: uploads by key.
    std::fs::write(&known_hosts, keyscan(port)).unwrap();
    let o = run(&root, &["backup", "create"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(sshd.log().contains("Accepted publickey"), "{}", sshd.log());
    let names = remote_names(&remote);
    assert_eq!(names.len(), 2, "{names:?}");
    let local = root.join("backups");
    for n in &names {
        assert_eq!(
            std::fs::read(remote.join(n)).unwrap(),
            std::fs::read(local.join(n)).unwrap(),
            "{n}"
        );
    }
    // Files that are not ai-bridge's are never deleted by retention.
    std::fs::write(remote.join("notes.txt"), "mine").unwrap();
    std::fs::write(remote.join("ai-bridge-backup-manual.tar"), "mine").unwrap();
    chown(&remote.join("notes.txt"));
    for _ in 0..2 {
        std::thread::sleep(std::time::Duration::from_millis(5));
        let o = run(&root, &["backup", "create"]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let names = remote_names(&remote);
    let ours: Vec<&String> = names.iter().filter(|n| n.ends_with(".aibk")).collect();
    assert_eq!(ours.len(), 2, "remote retention keeps 2: {names:?}");
    assert!(names.contains(&"notes.txt".to_string()) && names.contains(&"ai-bridge-backup-manual.tar".to_string()));
    assert!(!names.iter().any(|n| n.ends_with(".part")), "{names:?}");
    let mut local_names: Vec<String> = std::fs::read_dir(&local)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".aibk"))
        .collect();
    local_names.sort();
    assert_eq!(
        ours.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        local_names[local_names.len() - 2..]
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
    );

    // By encrypted password, pinned by a hashed entry.
    let mut child = Command::new(env!("CARGO_BIN_EXE_ai-bridge"))
        .arg("--root")
        .arg(&root)
        .arg("encrypt-sftp-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), format!("{PASSWORD}\n").as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    set_env(&root, "BACKUP_SFTP_AUTH", "password");
    assert!(Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&known_hosts)
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .unwrap()
        .success());
    assert!(std::fs::read_to_string(&known_hosts).unwrap().starts_with("|1|"));
    let o = run(&root, &["backup", "create"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(sshd.log().contains("Accepted password"), "{}", sshd.log());
    let audit = std::fs::read_to_string(root.join("logs/audit.log")).unwrap();
    assert!(audit.contains("backup_exported") && !audit.contains(PASSWORD));
    sshd.stop();

    // A changed host key: refused before any credential is sent.
    let (key2, fp2) = host_key(dir.path(), "host_key_2");
    let sshd = sftp_sshd(dir.path(), port, &key2, "changed");
    let o = run(&root, &["backup", "create"]);
    let msg = text(&o);
    assert!(
        !o.status.success() && msg.contains("REFUSED") && msg.contains(&fp1) && msg.contains(&fp2),
        "{msg}"
    );
    assert!(no_auth_attempt(&sshd.log()), "{}", sshd.log());
    sshd.stop();
}

//! `ai-bridge backup ...` as an operator runs it: round trip into a new directory with an
//! identical tree, tampering of every part of the file (with and without a matching sidecar),
//! a SIGKILL mid-way, retention, a wrong private key, restore refusals, and
//! `encrypt-sftp-password`.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ai-bridge"))
}

fn run(root: &Path, args: &[&str]) -> Output {
    bin().arg("--root").arg(root).args(args).output().unwrap()
}

fn verify(root: &Path, archive: &Path) -> Output {
    run(root, &["backup", "verify", archive.to_str().unwrap()])
}

fn restore(root: &Path, archive: &Path, target: &Path, force: bool) -> Output {
    let mut args = vec![
        "backup",
        "restore",
        archive.to_str().unwrap(),
        "--target",
        target.to_str().unwrap(),
    ];
    if force {
        args.push("--force");
    }
    run(root, &args)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// An installation: .env, a key pair, and files of every kind worth keeping.
fn installation(dir: &Path, extra_env: &str) -> PathBuf {
    let root = dir.join("install");
    std::fs::create_dir_all(root.join("secrets")).unwrap();
    let (private, public) = ai_bridge::keys::generate(2048).unwrap();
    std::fs::write(root.join("secrets/rsa_private.pem"), private).unwrap();
    std::fs::set_permissions(
        root.join("secrets/rsa_private.pem"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    std::fs::write(root.join("secrets/rsa_public.pem"), public).unwrap();
    std::fs::write(
        root.join(".env"),
        format!("# test installation\nAUTH_RSA_KEY_SIZE=2048\nLOGGING_CONSOLE_ENABLED=0\n{extra_env}"),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("clients/claude/secrets")).unwrap();
    std::fs::write(root.join("clients/claude/secrets/.token"), "eyJ.token").unwrap();
    std::fs::set_permissions(
        root.join("clients/claude/secrets/.token"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("clients/claude/reports/empty")).unwrap();
    std::fs::write(root.join("run.sh"), "#!/bin/sh\necho hi\n").unwrap();
    std::fs::set_permissions(root.join("run.sh"), std::fs::Permissions::from_mode(0o750)).unwrap();
    std::os::unix::fs::symlink("secrets/rsa_public.pem", root.join("public.pem")).unwrap();
    // 3 MB that does not compress, so the archive spans many chunks.
    let mut big = vec![0u8; 3 << 20];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for b in big.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(root.join("clients/claude/reports/big.bin"), big).unwrap();
    // Excluded by default.
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(root.join(".git/HEAD"), "ref").unwrap();
    std::fs::create_dir_all(root.join("__pycache__")).unwrap();
    std::fs::write(root.join("__pycache__/x.pyc"), "x").unwrap();
    root
}

/// Relative path -> (kind, mode, contents or link target), for comparing trees.
fn tree(root: &Path) -> BTreeMap<String, (char, u32, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            let m = std::fs::symlink_metadata(&p).unwrap();
            let mode = m.permissions().mode() & 0o7777;
            if m.file_type().is_symlink() {
                out.insert(
                    rel,
                    (
                        'l',
                        0,
                        std::fs::read_link(&p).unwrap().display().to_string().into_bytes(),
                    ),
                );
            } else if m.is_dir() {
                out.insert(rel, ('d', mode, Vec::new()));
                stack.push(p);
            } else {
                out.insert(rel, ('f', mode, std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

fn archives(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root.join("backups"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "aibk"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn create(root: &Path) -> PathBuf {
    let before = archives(root);
    let o = run(root, &["backup", "create"]);
    assert!(o.status.success(), "{}", text(&o));
    let after = archives(root);
    after.into_iter().find(|a| !before.contains(a)).expect("a new archive")
}

fn sidecar(p: &Path) -> PathBuf {
    PathBuf::from(format!("{}.sha512", p.display()))
}

fn sha512_line(data: &[u8], name: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, data);
    let hex: String = d.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}  {name}\n")
}

#[test]
fn round_trip_restores_an_identical_tree_and_refuses_live_targets() {
    let dir = tempfile::tempdir().unwrap();
    let root = installation(dir.path(), "");
    let archive = create(&root);
    // The sidecar is sha512sum's own format.
    let check = Command::new("sha512sum")
        .arg("-c")
        .arg(sidecar(&archive).file_name().unwrap())
        .current_dir(archive.parent().unwrap())
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", text(&check));
    let listed = run(&root, &["backup", "list"]);
    assert!(text(&listed).contains("complete"), "{}", text(&listed));
    let verified = verify(&root, &archive);
    assert!(
        verified.status.success() && text(&verified).contains("OK"),
        "{}",
        text(&verified)
    );

    let target = dir.path().join("restored");
    let o = restore(&root, &archive, &target, false);
    assert!(o.status.success(), "{}", text(&o));
    let mut expected = tree(&root);
    expected.retain(|k, _| {
        !k.starts_with(".git") && !k.starts_with("__pycache__") && !k.starts_with("backups") && !k.starts_with("logs")
    });
    let mut got = tree(&target);
    got.retain(|k, _| !k.starts_with("logs"));
    assert_eq!(got.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    assert_eq!(got, expected, "contents, modes and links are identical");
    assert!(!target.join(".git").exists() && !target.join("backups").exists());

    // A non-empty target is refused without --force, and nothing is written.
    let o = restore(&root, &archive, &target, false);
    assert!(!o.status.success() && text(&o).contains("not empty"), "{}", text(&o));
    std::fs::write(target.join("marker"), "old").unwrap();
    let o = restore(&root, &archive, &target, true);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!target.join("marker").exists());
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("restored.replaced-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert!(aside[0].path().join("marker").is_file(), "the old files are kept aside");
    let audit = std::fs::read_to_string(root.join("logs/audit.log")).unwrap();
    assert!(audit.contains("backup_created") && audit.contains("backup_restored"));
}

#[test]
fn every_kind_of_tampering_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let root = installation(dir.path(), "");
    let archive = create(&root);
    let good = std::fs::read(&archive).unwrap();
    let good_sidecar = std::fs::read_to_string(sidecar(&archive)).unwrap();
    let name = archive.file_name().unwrap().to_str().unwrap().to_string();
    let header = 8 + 1 + 32 + 2 + 256 + 4;
    let full = 64 * 1024 + 16;
    let chunk = |i: usize| header + i * full;
    let chunks = (good.len() - header).div_ceil(full);
    assert!(chunks >= 4, "{chunks} chunks");
    let flip = |at: usize| {
        let mut b = good.clone();
        b[at] ^= 0x20;
        b
    };
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("magic", flip(1)),
        ("version", flip(8)),
        ("key id", flip(20)),
        ("wrapped key", flip(100)),
        ("chunk size", flip(header - 2)),
        ("chunk body", flip(chunk(1) + 500)),
        ("chunk tag", flip(chunk(2) - 3)),
        ("last chunk", flip(good.len() - 20)),
        ("truncated at a chunk boundary", good[..chunk(2)].to_vec()),
        ("truncated mid-chunk", good[..chunk(2) + 77].to_vec()),
        ("header only", good[..header].to_vec()),
    ];
    let mut dropped = good[..chunk(1)].to_vec();
    dropped.extend_from_slice(&good[chunk(2)..]);
    cases.push(("dropped chunk", dropped));
    let mut swapped = good[..chunk(1)].to_vec();
    swapped.extend_from_slice(&good[chunk(2)..chunk(3)]);
    swapped.extend_from_slice(&good[chunk(1)..chunk(2)]);
    swapped.extend_from_slice(&good[chunk(3)..]);
    cases.push(("swapped chunks", swapped));

    for (i, (what, bytes)) in cases.iter().enumerate() {
        for with_matching_sidecar in [false, true] {
            std::fs::write(&archive, bytes).unwrap();
            let side = if with_matching_sidecar {
                sha512_line(bytes, &name)
            } else {
                good_sidecar.clone()
            };
            std::fs::write(sidecar(&archive), side).unwrap();
            let o = verify(&root, &archive);
            assert!(!o.status.success(), "{what}: verify accepted it");
            let msg = text(&o);
            if !with_matching_sidecar {
                assert!(msg.contains("SHA-512 mismatch"), "{what}: {msg}");
            }
            let target = dir.path().join(format!("t{i}-{with_matching_sidecar}"));
            let o = restore(&root, &archive, &target, false);
            assert!(!o.status.success(), "{what}: restore accepted it");
            assert!(!target.exists(), "{what}: restore wrote {}", target.display());
        }
    }
    // A tampered sidecar, a missing one.
    std::fs::write(&archive, &good).unwrap();
    let mut side = good_sidecar.clone().into_bytes();
    side[5] = if side[5] == b'0' { b'1' } else { b'0' };
    std::fs::write(sidecar(&archive), side).unwrap();
    assert!(text(&verify(&root, &archive)).contains("SHA-512 mismatch"));
    std::fs::remove_file(sidecar(&archive)).unwrap();
    assert!(text(&verify(&root, &archive)).contains("sidecar is missing"));
    std::fs::write(sidecar(&archive), &good_sidecar).unwrap();
    assert!(verify(&root, &archive).status.success());
    // Nothing was left behind by the refused restores.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("restoring"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Another server's private key fails cleanly.
    let (private, public) = ai_bridge::keys::generate(2048).unwrap();
    std::fs::write(root.join("secrets/rsa_private.pem"), private).unwrap();
    std::fs::write(root.join("secrets/rsa_public.pem"), public).unwrap();
    let o = verify(&root, &archive);
    assert!(!o.status.success() && text(&o).contains("another key"), "{}", text(&o));
}

#[test]
fn retention_keeps_exactly_n_and_a_killed_backup_leaves_nothing_complete() {
    let dir = tempfile::tempdir().unwrap();
    let root = installation(dir.path(), "BACKUP_RETENTION=2\n");
    let mut made = Vec::new();
    for _ in 0..4 {
        made.push(create(&root));
        std::thread::sleep(Duration::from_millis(5));
    }
    let left = archives(&root);
    assert_eq!(left, made[2..].to_vec(), "the newest two remain");
    for a in &made[..2] {
        assert!(!sidecar(a).exists(), "its sidecar went with it");
    }

    // 150 MB more that does not compress: slow enough to kill mid-way.
    let big = root.join("clients/claude/reports/huge.bin");
    let mut f = std::fs::File::create(&big).unwrap();
    let mut x: u64 = 12345;
    let mut buf = vec![0u8; 1 << 20];
    for _ in 0..150 {
        for b in buf.iter_mut() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            *b = (x >> 33) as u8;
        }
        std::io::Write::write_all(&mut f, &buf).unwrap();
    }
    drop(f);
    let mut child = bin()
        .arg("--root")
        .arg(&root)
        .args(["backup", "create"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let partial_seen = (0..400).any(|_| {
        std::thread::sleep(Duration::from_millis(25));
        std::fs::read_dir(root.join("backups")).unwrap().flatten().any(|e| {
            let n = e.file_name().to_string_lossy().to_string();
            n.ends_with(".partial") && e.metadata().map(|m| m.len() > 1 << 20).unwrap_or(false)
        })
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(partial_seen, "the backup was still running when killed");
    assert_eq!(
        archives(&root),
        made[2..].to_vec(),
        "no complete-looking archive appeared"
    );
    let listed = text(&run(&root, &["backup", "list"]));
    assert_eq!(listed.matches(".aibk").count(), 2, "{listed}");
    for a in &made[2..] {
        assert!(verify(&root, a).status.success());
    }
}

#[test]
fn the_sftp_password_is_encrypted_into_env_in_place_and_verifiable() {
    let dir = tempfile::tempdir().unwrap();
    let root = installation(dir.path(), "# SFTP\nBACKUP_SFTP_HOST=backup.example.com\n# keep me\n");
    let before = std::fs::read_to_string(root.join(".env")).unwrap();
    let mut child = bin()
        .arg("--root")
        .arg(&root)
        .arg("encrypt-sftp-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"Sftp-Pa55 word\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("Sftp-Pa55"));
    let after = std::fs::read_to_string(root.join(".env")).unwrap();
    assert!(
        after.starts_with(&before),
        "comments, order and keys are kept:\n{after}"
    );
    let token = after
        .lines()
        .find_map(|l| l.strip_prefix("BACKUP_SFTP_PASSWORD_ENC="))
        .unwrap()
        .to_string();
    assert!(!token.contains("Sftp-Pa55"));
    let o = run(&root, &["encrypt-sftp-password", "--verify", &token]);
    assert!(
        o.status.success() && text(&o).contains("valid") && !text(&o).contains("Sftp-Pa55"),
        "{}",
        text(&o)
    );
    let o = run(&root, &["encrypt-sftp-password", "--verify", "rsa-oaep-sha512:AAAA"]);
    assert!(!o.status.success(), "{}", text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_catches_up_a_missed_backup_once_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let root = installation(
        dir.path(),
        &format!("MCP_SERVER_HOST=127.0.0.1\nMCP_SERVER_PORT={port}\nBACKUP_ENABLED=1\nBACKUP_INTERVAL_HOURS=24\n"),
    );
    let running = ai_bridge::serve::start(&root).await.unwrap();
    let mut made = Vec::new();
    for _ in 0..100 {
        made = archives(&root).into_iter().filter(|a| sidecar(a).exists()).collect();
        if !made.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(made.len(), 1, "never backed up: one run at start-up");
    running.shutdown.cancel();
    let _ = running.done.await;
    // A recent archive: a restart does not back up again.
    let running = ai_bridge::serve::start(&root).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(archives(&root).len(), 1, "the last run is recent: nothing to catch up");
    running.shutdown.cancel();
    let audit = std::fs::read_to_string(root.join("logs/audit.log")).unwrap();
    assert_eq!(audit.matches("backup_created").count(), 1);
}

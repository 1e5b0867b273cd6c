//! A real OpenSSH sshd on 127.0.0.1 for the SSH and SFTP tests: its own config, host key,
//! port and log, and a local login user with a password. Needs root and openssh-server.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Creates (once) the local user and sets its password and home.
pub fn ensure_user(user: &str, password: &str, home: &Path) {
    let uid = Command::new("id").arg("-u").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&uid.stdout).trim(),
        "0",
        "the SSH tests run sshd and create the login user {user}: run them as root (CI does)"
    );
    assert!(
        Path::new("/usr/sbin/sshd").exists(),
        "install openssh-server (apt-get install openssh-server; .ci/run does)"
    );
    let exists = Command::new("id").arg(user).output().unwrap().status.success();
    if !exists {
        let s = Command::new("useradd")
            .args(["-M", "-s", "/bin/sh", "-d"])
            .arg(home)
            .arg(user)
            .status()
            .unwrap();
        assert!(s.success(), "useradd {user}");
    } else {
        let _ = Command::new("usermod").arg("-d").arg(home).arg(user).status();
    }
    let mut chpasswd = Command::new("chpasswd").stdin(Stdio::piped()).spawn().unwrap();
    std::io::Write::write_all(
        &mut chpasswd.stdin.take().unwrap(),
        format!("{user}:{password}\n").as_bytes(),
    )
    .unwrap();
    assert!(chpasswd.wait().unwrap().success());
    std::fs::create_dir_all("/run/sshd").unwrap();
}

/// An ed25519 host key and its SHA-256 fingerprint.
pub fn host_key(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let s = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(s.success());
    let fp = Command::new("ssh-keygen")
        .args(["-l", "-E", "sha256", "-f"])
        .arg(path.with_extension("pub"))
        .output()
        .unwrap();
    let fp = String::from_utf8_lossy(&fp.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    (path, fp)
}

pub struct Sshd {
    child: Child,
    log: PathBuf,
    user: String,
}

impl Sshd {
    /// Starts sshd for `user` with this host key and extra configuration lines.
    pub fn start(dir: &Path, port: u16, host_key: &Path, user: &str, extra: &str, name: &str) -> Sshd {
        let config = dir.join(format!("sshd_{name}.conf"));
        let log = dir.join(format!("sshd_{name}.log"));
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}/sshd_{name}.pid\nUsePAM yes\n\
                 PermitRootLogin no\nAllowUsers {user}\nStrictModes no\nPrintMotd no\nPrintLastLog no\n\
                 LogLevel VERBOSE\n{extra}",
                host_key.display(),
                dir.display(),
            ),
        )
        .unwrap();
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        // Owned at once, so a failed start still stops the process (Drop).
        let sshd = Sshd {
            child,
            log,
            user: user.to_string(),
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return sshd;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("sshd did not start: {}", sshd.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn stop(self) {
        drop(self);
        std::thread::sleep(Duration::from_millis(200));
    }
}

impl Drop for Sshd {
    /// Stops the listener and every session of the test user (their processes outlive it).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new("pkill").args(["-KILL", "-u", &self.user]).status();
    }
}

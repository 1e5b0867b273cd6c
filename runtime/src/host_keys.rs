//! SSH host keys pinned in OpenSSH known_hosts files (plain, `[host]:port` and hashed
//! entries), shared by the platform CLI and the SFTP backup export. The check runs inside the
//! SSH handshake, so a refused key ends the connection before any credential is sent.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use russh::client;
use russh::keys::{HashAlg, PublicKey, PublicKeyOrCertificate};

pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// What a host key check found.
#[derive(Debug, Clone)]
pub enum KeyVerdict {
    Trusted,
    Unknown(PublicKey),
    Changed { trusted: PublicKey, presented: PublicKey },
    Error(String),
}

/// Checks a host's key against a known_hosts file (a missing file knows no host): any recorded
/// key for the host that is not the presented one counts as a change, whatever its algorithm.
pub fn check(known_hosts: &Path, host: &str, port: u16, presented: &PublicKey) -> KeyVerdict {
    match russh::keys::known_hosts::known_host_keys_path(host, port, known_hosts) {
        Ok(keys) if keys.is_empty() => KeyVerdict::Unknown(presented.clone()),
        Ok(keys) if keys.iter().any(|(_, k)| k == presented) => KeyVerdict::Trusted,
        Ok(keys) => KeyVerdict::Changed {
            trusted: keys[0].1.clone(),
            presented: presented.clone(),
        },
        Err(e) => KeyVerdict::Error(e.to_string()),
    }
}

/// Records a trusted key (`[host]:port key` lines, as OpenSSH writes them); the file is 0600.
pub fn trust(known_hosts: &Path, host: &str, port: u16, key: &PublicKey) -> Result<(), String> {
    russh::keys::known_hosts::learn_known_hosts_path(host, port, key, known_hosts)
        .map_err(|e| format!("{}: {e}", known_hosts.display()))?;
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(known_hosts, std::fs::Permissions::from_mode(0o600));
    Ok(())
}

/// The russh client handler that checks the server's key and keeps the verdict for the caller.
pub struct Pinned {
    known_hosts: PathBuf,
    host: String,
    port: u16,
    verdict: Arc<Mutex<Option<KeyVerdict>>>,
}

impl Pinned {
    /// The handler and where its verdict will be.
    pub fn new(known_hosts: &Path, host: &str, port: u16) -> (Pinned, Arc<Mutex<Option<KeyVerdict>>>) {
        let verdict = Arc::new(Mutex::new(None));
        (
            Pinned {
                known_hosts: known_hosts.to_path_buf(),
                host: host.to_string(),
                port,
                verdict: verdict.clone(),
            },
            verdict,
        )
    }
}

/// The verdict a handshake left (None when no key was seen).
pub fn take(verdict: &Mutex<Option<KeyVerdict>>) -> Option<KeyVerdict> {
    verdict.lock().unwrap_or_else(|e| e.into_inner()).take()
}

impl client::Handler for Pinned {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let presented = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            PublicKeyOrCertificate::Certificate(c) => PublicKey::from(c.public_key().clone()),
        };
        let verdict = check(&self.known_hosts, &self.host, self.port, &presented);
        let ok = matches!(verdict, KeyVerdict::Trusted);
        *self.verdict.lock().unwrap_or_else(|e| e.into_inner()) = Some(verdict);
        Ok(ok)
    }
}

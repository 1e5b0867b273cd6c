//! Export of an archive and its sidecar to SFTP. The server's host key must match an entry of
//! BACKUP_SFTP_KNOWN_HOSTS before any credential is sent; files go up under a temporary name
//! and are renamed; remote retention only ever deletes files this tool names.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use russh::client::{self, Handle};
use russh::keys::PrivateKeyWithHashAlg;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::format::Opener;
use super::{BackupError, PREFIX, SUFFIX};
use crate::config::Config;
use crate::host_keys::{self, KeyVerdict, Pinned};

#[derive(Debug, Clone)]
pub enum SftpAuth {
    Key(PathBuf),
    /// BACKUP_SFTP_PASSWORD_ENC, decrypted with the server's private key when used.
    Password(String),
}

#[derive(Debug, Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub auth: SftpAuth,
    pub remote_dir: String,
    pub known_hosts: PathBuf,
    pub retention: usize,
    pub timeout: Duration,
}

impl Target {
    /// The SFTP target from `.env`, or None when BACKUP_SFTP_HOST is empty.
    pub fn from_config(config: &Config) -> Result<Option<Target>, BackupError> {
        let host = config.get("BACKUP_SFTP_HOST").trim().to_string();
        if host.is_empty() {
            return Ok(None);
        }
        let user = config.get("BACKUP_SFTP_USER").trim().to_string();
        if user.is_empty() {
            return Err(BackupError::Config(
                "BACKUP_SFTP_USER is required when BACKUP_SFTP_HOST is set".into(),
            ));
        }
        let auth = match config.get("BACKUP_SFTP_AUTH") {
            "password" => {
                let token = config.get("BACKUP_SFTP_PASSWORD_ENC").trim().to_string();
                if token.is_empty() {
                    return Err(BackupError::Config(
                        "BACKUP_SFTP_AUTH=password needs BACKUP_SFTP_PASSWORD_ENC (run `ai-bridge encrypt-sftp-password`)".into(),
                    ));
                }
                SftpAuth::Password(token)
            }
            _ => match config.optional_path("BACKUP_SFTP_KEY_FILE") {
                Some(p) => SftpAuth::Key(p),
                None => {
                    return Err(BackupError::Config(
                        "BACKUP_SFTP_AUTH=key needs BACKUP_SFTP_KEY_FILE (an OpenSSH private key)".into(),
                    ))
                }
            },
        };
        Ok(Some(Target {
            host,
            port: config.int("BACKUP_SFTP_PORT") as u16,
            user,
            auth,
            remote_dir: config.get("BACKUP_SFTP_REMOTE_PATH").trim_end_matches('/').to_string(),
            known_hosts: config.path("BACKUP_SFTP_KNOWN_HOSTS"),
            retention: config.int("BACKUP_SFTP_RETENTION") as usize,
            timeout: Duration::from_secs(config.int("BACKUP_SFTP_TIMEOUT")),
        }))
    }
}

fn sftp_err(what: &str) -> impl Fn(russh_sftp::client::error::Error) -> BackupError + '_ {
    move |e| BackupError::Sftp(format!("{what}: {e}"))
}

/// Connects, checks the host key (before any credential is sent) and logs in.
async fn connect(t: &Target, opener: Option<&Opener>) -> Result<Handle<Pinned>, BackupError> {
    let (handler, verdict) = Pinned::new(&t.known_hosts, &t.host, t.port);
    let config = Arc::new(client::Config::default());
    let connected = tokio::time::timeout(t.timeout, client::connect(config, (t.host.as_str(), t.port), handler)).await;
    let where_ = format!("{}:{}", t.host, t.port);
    match host_keys::take(&verdict) {
        Some(KeyVerdict::Trusted) => {}
        Some(KeyVerdict::Unknown(key)) => {
            let why = if t.known_hosts.is_file() {
                format!("has no entry for {where_}")
            } else {
                "does not exist".to_string()
            };
            return Err(BackupError::Sftp(format!(
                "host key of {where_} not verified: BACKUP_SFTP_KNOWN_HOSTS ({}) {why}; the server presented {}. Add its line (ssh-keyscan -p {} {}) after checking the fingerprint; nothing was sent",
                t.known_hosts.display(),
                host_keys::fingerprint(&key),
                t.port,
                t.host
            )));
        }
        Some(KeyVerdict::Changed { trusted, presented }) => {
            return Err(BackupError::Sftp(format!(
                "REFUSED: the host key of {where_} does not match BACKUP_SFTP_KNOWN_HOSTS (known {}, presented {}); possible man-in-the-middle; nothing was sent",
                host_keys::fingerprint(&trusted),
                host_keys::fingerprint(&presented)
            )));
        }
        Some(KeyVerdict::Error(e)) => {
            return Err(BackupError::Sftp(format!("{}: {e}", t.known_hosts.display())));
        }
        None => {}
    }
    let mut handle = match connected {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => return Err(BackupError::Sftp(format!("cannot connect to {where_}: {e}"))),
        Err(_) => {
            return Err(BackupError::Sftp(format!(
                "{where_}: no SSH handshake within {:?}",
                t.timeout
            )))
        }
    };
    let fail = |e: russh::Error| BackupError::Sftp(format!("{where_}: {e}"));
    let ok = match &t.auth {
        SftpAuth::Key(path) => {
            let key = russh::keys::load_secret_key(path, None)
                .map_err(|e| BackupError::Config(format!("BACKUP_SFTP_KEY_FILE {}: {e}", path.display())))?;
            let hash = handle.best_supported_rsa_hash().await.map_err(fail)?.flatten();
            handle
                .authenticate_publickey(t.user.clone(), PrivateKeyWithHashAlg::new(Arc::new(key), hash))
                .await
                .map_err(fail)?
                .success()
        }
        SftpAuth::Password(token) => {
            let opener = opener.ok_or_else(|| {
                BackupError::Config("the private key is needed to use BACKUP_SFTP_PASSWORD_ENC".into())
            })?;
            let password = super::password::decrypt(opener, token)?;
            handle
                .authenticate_password(t.user.clone(), password)
                .await
                .map_err(fail)?
                .success()
        }
    };
    if !ok {
        return Err(BackupError::Sftp(format!(
            "{where_}: authentication as '{}' failed",
            t.user
        )));
    }
    Ok(handle)
}

/// Whether a remote file name is one this tool made (retention deletes nothing else).
pub fn is_ours(name: &str) -> bool {
    let base = name.strip_suffix(".sha512").unwrap_or(name);
    base.starts_with(PREFIX)
        && base.ends_with(SUFFIX)
        && base[PREFIX.len()..base.len() - SUFFIX.len()]
            .chars()
            .all(|c| c.is_ascii_alphanumeric())
}

/// What an export did.
#[derive(Debug, Clone)]
pub struct Exported {
    pub uploaded: Vec<String>,
    pub deleted: Vec<String>,
}

/// Uploads the archive and its sidecar, then applies BACKUP_SFTP_RETENTION.
pub async fn export(t: &Target, archive: &Path, opener: Option<&Opener>) -> Result<Exported, BackupError> {
    let handle = connect(t, opener).await?;
    let channel = handle
        .channel_open_session()
        .await
        .map_err(|e| BackupError::Sftp(e.to_string()))?;
    channel
        .request_subsystem(true, "sftp")
        .await
        .map_err(|e| BackupError::Sftp(e.to_string()))?;
    let sftp = russh_sftp::client::SftpSession::new(channel.into_stream())
        .await
        .map_err(sftp_err("starting SFTP"))?;
    sftp.set_timeout(t.timeout.as_secs().max(1));
    let dir = if t.remote_dir.is_empty() {
        ".".to_string()
    } else {
        t.remote_dir.clone()
    };
    if !sftp.try_exists(dir.clone()).await.map_err(sftp_err(&dir))? {
        sftp.create_dir(dir.clone()).await.map_err(sftp_err(&dir))?;
    }
    let mut uploaded = Vec::new();
    for local in [super::sidecar_of(archive), archive.to_path_buf()] {
        let name = local
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| BackupError::Sftp("archive name".into()))?
            .to_string();
        let remote = format!("{dir}/{name}");
        let partial = format!("{dir}/.{name}.part");
        let mut file = sftp.create(partial.clone()).await.map_err(sftp_err(&partial))?;
        let mut src = tokio::fs::File::open(&local).await.map_err(|e| BackupError::Io {
            path: local.display().to_string(),
            source: e,
        })?;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = src.read(&mut buf).await.map_err(|e| BackupError::Io {
                path: local.display().to_string(),
                source: e,
            })?;
            if n == 0 {
                break;
            }
            file.write_all(&buf[..n])
                .await
                .map_err(|e| BackupError::Sftp(format!("{partial}: {e}")))?;
        }
        file.shutdown()
            .await
            .map_err(|e| BackupError::Sftp(format!("{partial}: {e}")))?;
        if sftp.try_exists(remote.clone()).await.unwrap_or(false) {
            let _ = sftp.remove_file(remote.clone()).await;
        }
        sftp.rename(partial.clone(), remote.clone())
            .await
            .map_err(sftp_err(&remote))?;
        uploaded.push(remote);
    }
    // Remote retention: the newest archives this tool made, with their sidecars.
    let mut ours: Vec<String> = sftp
        .read_dir(dir.clone())
        .await
        .map_err(sftp_err(&dir))?
        .map(|e| e.file_name())
        .filter(|n| is_ours(n) && !n.ends_with(".sha512"))
        .collect();
    ours.sort();
    let mut deleted = Vec::new();
    let excess = ours.len().saturating_sub(t.retention.max(1));
    for old in ours.into_iter().take(excess) {
        for name in [old.clone(), format!("{old}.sha512")] {
            let path = format!("{dir}/{name}");
            if sftp.remove_file(path.clone()).await.is_ok() {
                deleted.push(path);
            }
        }
    }
    let _ = sftp.close().await;
    Ok(Exported { uploaded, deleted })
}

#[cfg(test)]
mod tests {
    #[test]
    fn retention_only_touches_our_names() {
        assert!(super::is_ours("ai-bridge-backup-20261203T101010123Z.aibk"));
        assert!(super::is_ours("ai-bridge-backup-20261203T101010123Z.aibk.sha512"));
        for other in [
            "notes.txt",
            "ai-bridge-backup-x.tar",
            ".ai-bridge-backup-20261203T101010123Z.aibk.part",
            "ai-bridge-backup-../x.aibk",
            "other-ai-bridge-backup-1.aibk",
        ] {
            assert!(!super::is_ours(other), "{other}");
        }
    }
}

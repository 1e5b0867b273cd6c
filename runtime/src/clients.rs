//! Client directories, kept in step with AUTH_CLIENTS at start-up:
//! `clients/<name>/secrets/{.uuid,.token,.secret,.secret_hash}`, `reports/`, `custom/`.
//! A removed client's directory is purged; a static JWT is re-issued whenever it no longer
//! verifies or its claims no longer match the configuration.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::auth::tokens::{self, Claims, TokenKind};
use crate::config::{ClientSpec, Config};
use crate::fsutil::{random_token, write_atomic};
use crate::keys::ServerKeys;
use crate::logging::Audit;

/// bcrypt cost for client secrets: about 50 ms per check on this class of machine.
pub const BCRYPT_COST: u32 = 10;

#[derive(Debug, thiserror::Error)]
#[error("client {client}: {path}: {message}")]
pub struct ClientError {
    pub client: String,
    pub path: PathBuf,
    pub message: String,
}

/// What start-up did for one client, for the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub client: String,
    pub token_issued: bool,
    /// The new OAuth secret, shown once.
    pub new_secret: Option<String>,
}

pub fn client_dir(config: &Config, name: &str) -> PathBuf {
    config.path("CLIENTS_DIR").join(name)
}

pub fn secrets_dir(config: &Config, name: &str) -> PathBuf {
    client_dir(config, name).join("secrets")
}

/// Builds the claims a client's static token must carry now.
pub fn static_claims(config: &Config, spec: &ClientSpec) -> Claims {
    let iat = tokens::now();
    Claims {
        sub: spec.subject.clone(),
        iss: config.get("AUTH_ISSUER").to_string(),
        aud: config.get("AUTH_AUDIENCE").to_string(),
        iat,
        exp: iat + config.int("AUTH_TOKEN_EXPIRY_DAYS") as i64 * 86400,
        jti: uuid::Uuid::new_v4().to_string(),
        client_id: spec.name.clone(),
        profile: spec.profile.clone(),
        kind: TokenKind::Jwt,
        code: None,
    }
}

fn still_good(config: &Config, keys: &ServerKeys, spec: &ClientSpec, token: &str) -> bool {
    match tokens::verify(
        keys,
        token.trim(),
        config.get("AUTH_ISSUER"),
        config.get("AUTH_AUDIENCE"),
    ) {
        Ok(c) => {
            c.sub == spec.subject && c.profile == spec.profile && c.client_id == spec.name && c.kind == TokenKind::Jwt
        }
        Err(_) => false,
    }
}

pub fn sync(config: &Config, keys: &ServerKeys, audit: &Audit) -> Result<Vec<SyncReport>, ClientError> {
    let mut reports = Vec::new();
    for spec in &config.clients {
        let err = |path: &Path, e: std::io::Error| ClientError {
            client: spec.name.clone(),
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let dir = client_dir(config, &spec.name);
        let secrets = secrets_dir(config, &spec.name);
        for d in [secrets.clone(), dir.join("reports"), dir.join("custom")] {
            std::fs::create_dir_all(&d).map_err(|e| err(&d, e))?;
        }
        let uuid_path = secrets.join(".uuid");
        if !uuid_path.exists() {
            write_atomic(&uuid_path, uuid::Uuid::new_v4().to_string().as_bytes(), true)
                .map_err(|e| err(&uuid_path, e))?;
        }
        let mut report = SyncReport {
            client: spec.name.clone(),
            token_issued: false,
            new_secret: None,
        };
        let token_path = secrets.join(".token");
        if spec.mode.allows_jwt() {
            let current = std::fs::read_to_string(&token_path).unwrap_or_default();
            if !still_good(config, keys, spec, &current) {
                let token = tokens::issue(keys, &static_claims(config, spec))
                    .map_err(|e| err(&token_path, std::io::Error::other(e.to_string())))?;
                write_atomic(&token_path, token.as_bytes(), true).map_err(|e| err(&token_path, e))?;
                report.token_issued = true;
                audit.event("token_issued", json!({"client": spec.name, "profile": spec.profile}));
            }
        } else if token_path.exists() {
            std::fs::remove_file(&token_path).map_err(|e| err(&token_path, e))?;
        }
        let hash_path = secrets.join(".secret_hash");
        if spec.mode.allows_oauth() && !hash_path.exists() {
            let secret = random_token();
            let hash = bcrypt::hash(&secret, BCRYPT_COST)
                .map_err(|e| err(&hash_path, std::io::Error::other(e.to_string())))?;
            let secret_path = secrets.join(".secret");
            write_atomic(&secret_path, secret.as_bytes(), true).map_err(|e| err(&secret_path, e))?;
            write_atomic(&hash_path, hash.as_bytes(), true).map_err(|e| err(&hash_path, e))?;
            audit.event("secret_issued", json!({"client": spec.name}));
            report.new_secret = Some(secret);
        }
        reports.push(report);
    }
    purge_removed(config, audit)?;
    Ok(reports)
}

/// Deletes the directories of clients no longer in AUTH_CLIENTS.
fn purge_removed(config: &Config, audit: &Audit) -> Result<(), ClientError> {
    let root = config.path("CLIENTS_DIR");
    let Ok(entries) = std::fs::read_dir(&root) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if e.path().is_dir() && !config.clients.iter().any(|c| c.name == name) {
            std::fs::remove_dir_all(e.path()).map_err(|err| ClientError {
                client: name.clone(),
                path: e.path(),
                message: err.to_string(),
            })?;
            audit.event("client_purged", json!({"client": name}));
            tracing::warn!("client {name} is no longer in AUTH_CLIENTS: its directory was purged");
        }
    }
    Ok(())
}

/// Checks an OAuth client secret against the stored bcrypt hash (constant time in bcrypt),
/// and deletes the plaintext `.secret` after the first success.
pub fn check_secret(config: &Config, client: &str, secret: &str) -> bool {
    let secrets = secrets_dir(config, client);
    let Ok(hash) = std::fs::read_to_string(secrets.join(".secret_hash")) else {
        return false;
    };
    let ok = bcrypt::verify(secret, hash.trim()).unwrap_or(false);
    if ok {
        let _ = std::fs::remove_file(secrets.join(".secret"));
    }
    ok
}

//! Per-client credentials for Cisco hosts, encrypted at rest (AES-256-GCM). Each client's key
//! is derived (HKDF-SHA256) from a server secret kept in CRYPTO_SECRETS_DIR and the client's
//! `.uuid`, so the encrypted file alone, or copied to another client, reveals nothing.
//! Passwords never leave this module except to the connection that needs them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::hkdf;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::fsutil::write_atomic;

/// Which login a credential is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The AXL / RIS API user (HTTPS).
    Axl,
    /// The platform CLI user (SSH).
    Os,
    /// The HTTP user associated with the phones.
    Phone,
    /// Unity Connection's CUPI user.
    Cupi,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error(
        "the credentials file of client {0} cannot be decrypted (wrong server secret or client id, or a damaged file)"
    )]
    Decrypt(String),
}

type Hosts = BTreeMap<String, BTreeMap<Kind, Credential>>;

/// One client's credentials.
pub struct CredentialStore {
    client: String,
    path: PathBuf,
    key: LessSafeKey,
    hosts: Hosts,
}

impl std::fmt::Debug for CredentialStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialStore").field("client", &self.client).finish()
    }
}

struct Len32;

impl hkdf::KeyType for Len32 {
    fn len(&self) -> usize {
        32
    }
}

fn io(path: &std::path::Path, e: impl std::fmt::Display) -> CredentialError {
    CredentialError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// The server secret, created (32 random bytes, 0600) on first use.
fn server_secret(config: &Config) -> Result<Vec<u8>, CredentialError> {
    let path = config.path("CRYPTO_SECRETS_DIR").join("credentials.key");
    if let Ok(bytes) = std::fs::read(&path) {
        if bytes.len() == 32 {
            return Ok(bytes);
        }
        return Err(io(&path, "expected 32 bytes"));
    }
    let mut secret = vec![0u8; 32];
    SystemRandom::new()
        .fill(&mut secret)
        .map_err(|_| io(&path, "no random source"))?;
    write_atomic(&path, &secret, true).map_err(|e| io(&path, e))?;
    Ok(secret)
}

impl CredentialStore {
    pub fn open(config: &Config, client: &str) -> Result<Self, CredentialError> {
        let secrets = crate::clients::secrets_dir(config, client);
        let uuid_path = secrets.join(".uuid");
        let client_id = std::fs::read(&uuid_path).map_err(|e| io(&uuid_path, e))?;
        let secret = server_secret(config)?;
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &client_id).extract(&secret);
        let mut key_bytes = [0u8; 32];
        prk.expand(&[b"ai-bridge credentials v1"], Len32)
            .and_then(|okm| okm.fill(&mut key_bytes))
            .map_err(|_| CredentialError::Decrypt(client.into()))?;
        let key = LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &key_bytes).map_err(|_| CredentialError::Decrypt(client.into()))?,
        );
        let path = secrets.join("credentials.enc");
        let mut store = CredentialStore {
            client: client.into(),
            path,
            key,
            hosts: Hosts::new(),
        };
        if let Ok(sealed) = std::fs::read(&store.path) {
            store.hosts = store.decrypt(sealed)?;
        }
        Ok(store)
    }

    fn decrypt(&self, mut sealed: Vec<u8>) -> Result<Hosts, CredentialError> {
        if sealed.len() < NONCE_LEN + 16 {
            return Err(CredentialError::Decrypt(self.client.clone()));
        }
        let nonce = Nonce::try_assume_unique_for_key(&sealed[..NONCE_LEN])
            .map_err(|_| CredentialError::Decrypt(self.client.clone()))?;
        let body = &mut sealed[NONCE_LEN..];
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(self.client.as_bytes()), body)
            .map_err(|_| CredentialError::Decrypt(self.client.clone()))?;
        serde_json::from_slice(plain).map_err(|_| CredentialError::Decrypt(self.client.clone()))
    }

    fn save(&self) -> Result<(), CredentialError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| io(&self.path, "no random source"))?;
        let mut data = serde_json::to_vec(&self.hosts).map_err(|e| io(&self.path, e))?;
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(self.client.as_bytes()),
                &mut data,
            )
            .map_err(|_| io(&self.path, "encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        write_atomic(&self.path, &out, true).map_err(|e| io(&self.path, e))
    }

    pub fn get(&self, host: &str, kind: Kind) -> Option<&Credential> {
        self.hosts.get(&host.to_ascii_lowercase())?.get(&kind)
    }

    pub fn put(&mut self, host: &str, kind: Kind, credential: Credential) -> Result<(), CredentialError> {
        self.hosts
            .entry(host.to_ascii_lowercase())
            .or_default()
            .insert(kind, credential);
        self.save()
    }

    /// Whether there was something to delete.
    pub fn delete(&mut self, host: &str, kind: Kind) -> Result<bool, CredentialError> {
        let host = host.to_ascii_lowercase();
        let removed = self.hosts.get_mut(&host).is_some_and(|k| k.remove(&kind).is_some());
        if self.hosts.get(&host).is_some_and(BTreeMap::is_empty) {
            self.hosts.remove(&host);
        }
        if removed {
            self.save()?;
        }
        Ok(removed)
    }

    /// Hosts and the kinds stored for each; never the secrets.
    pub fn list(&self) -> Vec<(String, Vec<Kind>)> {
        self.hosts
            .iter()
            .map(|(h, k)| (h.clone(), k.keys().copied().collect()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn installation() -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::from_pairs(
            dir.path(),
            ".env",
            "",
            vec![("AUTH_CLIENTS".into(), "a:s:admin,b:t:operator".into())],
        )
        .unwrap();
        for c in ["a", "b"] {
            let s = crate::clients::secrets_dir(&config, c);
            std::fs::create_dir_all(&s).unwrap();
            std::fs::write(s.join(".uuid"), uuid::Uuid::new_v4().to_string()).unwrap();
        }
        (dir, config)
    }

    #[test]
    fn credentials_round_trip_encrypted_and_bound_to_their_client() {
        let (_dir, config) = installation();
        let mut a = CredentialStore::open(&config, "a").unwrap();
        a.put(
            "CUCM.example.com",
            Kind::Axl,
            Credential {
                username: "axl".into(),
                password: "s3cret-Pa55".into(),
            },
        )
        .unwrap();
        a.put(
            "cucm.example.com",
            Kind::Os,
            Credential {
                username: "admin".into(),
                password: "os-Pa55".into(),
            },
        )
        .unwrap();
        let again = CredentialStore::open(&config, "a").unwrap();
        assert_eq!(
            again.get("cucm.example.com", Kind::Axl).unwrap().password,
            "s3cret-Pa55"
        );
        assert_eq!(
            again.list(),
            vec![("cucm.example.com".to_string(), vec![Kind::Axl, Kind::Os])]
        );
        let file = crate::clients::secrets_dir(&config, "a").join("credentials.enc");
        let raw = std::fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&raw).contains("s3cret"),
            "nothing readable at rest"
        );
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        // Another client's key cannot read it, nor can a different server secret.
        std::fs::copy(&file, crate::clients::secrets_dir(&config, "b").join("credentials.enc")).unwrap();
        assert!(matches!(
            CredentialStore::open(&config, "b"),
            Err(CredentialError::Decrypt(_))
        ));
        std::fs::write(config.path("CRYPTO_SECRETS_DIR").join("credentials.key"), [7u8; 32]).unwrap();
        assert!(matches!(
            CredentialStore::open(&config, "a"),
            Err(CredentialError::Decrypt(_))
        ));
        assert!(!format!("{:?}", again.get("cucm.example.com", Kind::Axl).unwrap()).contains("s3cret"));
    }

    #[test]
    fn delete_removes_one_kind() {
        let (_dir, config) = installation();
        let mut a = CredentialStore::open(&config, "a").unwrap();
        a.put(
            "h",
            Kind::Axl,
            Credential {
                username: "u".into(),
                password: "p".into(),
            },
        )
        .unwrap();
        a.put(
            "h",
            Kind::Phone,
            Credential {
                username: "u".into(),
                password: "p".into(),
            },
        )
        .unwrap();
        assert!(a.delete("h", Kind::Axl).unwrap());
        assert!(!a.delete("h", Kind::Axl).unwrap());
        assert_eq!(
            CredentialStore::open(&config, "a").unwrap().list(),
            vec![("h".to_string(), vec![Kind::Phone])]
        );
    }
}

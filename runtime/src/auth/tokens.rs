//! RS256 tokens: issuing (static client JWTs and OAuth access tokens) and verifying with the
//! algorithm pinned, plus the persistent revocation list.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::fsutil::write_atomic;
use crate::keys::ServerKeys;

/// How a token was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Jwt,
    Oauth2,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub client_id: String,
    pub profile: String,
    pub kind: TokenKind,
    /// The authorization code a token came from (to revoke it on code replay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub fn issue(keys: &ServerKeys, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &keys.encoding)
}

/// Verifies signature (RS256 only), expiry, issuer and audience.
pub fn verify(keys: &ServerKeys, token: &str, issuer: &str, audience: &str) -> Result<Claims, String> {
    let mut v = Validation::new(Algorithm::RS256);
    v.algorithms = vec![Algorithm::RS256];
    v.set_issuer(&[issuer]);
    v.set_audience(&[audience]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = 5;
    jsonwebtoken::decode::<Claims>(token, &keys.decoding, &v)
        .map(|d| d.claims)
        .map_err(|e| e.to_string())
}

/// Revoked token ids with their expiry, persisted so revocation survives restarts.
#[derive(Debug)]
pub struct Revocations {
    path: PathBuf,
    revoked: Mutex<HashMap<String, i64>>,
}

impl Revocations {
    pub fn load(path: PathBuf) -> Revocations {
        let revoked = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Revocations {
            path,
            revoked: Mutex::new(revoked),
        }
    }

    pub fn is_revoked(&self, jti: &str) -> bool {
        self.revoked.lock().unwrap_or_else(|e| e.into_inner()).contains_key(jti)
    }

    pub fn revoke(&self, jti: &str, exp: i64) -> std::io::Result<()> {
        let mut map = self.revoked.lock().unwrap_or_else(|e| e.into_inner());
        let t = now();
        map.retain(|_, e| *e > t);
        map.insert(jti.to_string(), exp);
        write_atomic(
            &self.path,
            serde_json::to_string(&*map).unwrap_or_default().as_bytes(),
            true,
        )
    }
}

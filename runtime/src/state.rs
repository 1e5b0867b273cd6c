//! Everything the HTTP layer and the tools share, built once at start-up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::auth::guard::FailureGuard;
use crate::auth::tokens::{Revocations, TokenKind};
use crate::config::Config;
use crate::cucm::Cisco;
use crate::keys::ServerKeys;
use crate::limits::RateLimiter;
use crate::logging::Audit;
use crate::profile_store::ProfileStore;

/// The authenticated caller of a request, put in the request extensions by the auth layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthedClient {
    pub name: String,
    pub subject: String,
    pub profile: String,
    pub kind: TokenKind,
    pub jti: String,
}

/// A pending OAuth authorization code (single use, 60 s).
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub resource: Option<String>,
    pub expires: i64,
    pub used: bool,
}

#[derive(Debug)]
pub struct AppState {
    pub config: Config,
    pub keys: ServerKeys,
    pub audit: Audit,
    pub revocations: Revocations,
    pub guard: FailureGuard,
    pub codes: Mutex<HashMap<String, AuthCode>>,
    /// Access tokens issued from each code: revoked if the code is replayed.
    pub issued_from_code: Mutex<HashMap<String, Vec<(String, i64)>>>,
    pub profiles: Arc<ProfileStore>,
    pub limits: RateLimiter,
    /// CUCM sessions and known host versions.
    pub cisco: Cisco,
    /// Serialises credential changes (read-modify-write of one encrypted file per client).
    pub credentials_lock: tokio::sync::Mutex<()>,
    /// Idle platform CLI sessions and host keys waiting for an admin's decision.
    pub cli: crate::vos_cli::SessionPool,
}

impl AppState {
    pub fn new(config: Config, keys: ServerKeys, audit: Audit, profiles: Arc<ProfileStore>) -> AppState {
        let guard = FailureGuard::new(
            config.int("AUTH_FAIL_LIMIT"),
            config.int("AUTH_FAIL_WINDOW_SECONDS"),
            config.int("AUTH_BLACKLIST_DURATION_SECONDS"),
        );
        let revocations = Revocations::load(config.path("CRYPTO_SECRETS_DIR").join("revoked_tokens.json"));
        AppState {
            config,
            keys,
            audit,
            revocations,
            guard,
            codes: Mutex::new(HashMap::new()),
            issued_from_code: Mutex::new(HashMap::new()),
            profiles,
            limits: RateLimiter::default(),
            cisco: Cisco::default(),
            credentials_lock: tokio::sync::Mutex::new(()),
            cli: crate::vos_cli::SessionPool::default(),
        }
    }
}

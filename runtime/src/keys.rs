//! The server's RSA key pair: JWT signing (RS256) and, later, backup key wrapping.
//! Generated with aws-lc-rs at AUTH_RSA_KEY_SIZE when absent; the private key is mode 0600.

use std::path::Path;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use jsonwebtoken::{DecodingKey, EncodingKey};

use crate::config::Config;
use crate::fsutil::{pem, write_atomic};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{0} exists but {1} does not: restore the missing key file or remove both to generate a new pair")]
    HalfPair(String, String),
    #[error("cannot read or write {path}: {message}")]
    Io { path: String, message: String },
    #[error("{path} is not a usable RSA key: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Clone)]
pub struct ServerKeys {
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    pub public_pem: String,
    pub private_pem: String,
}

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKeys { .. }")
    }
}

fn io(path: &Path, e: impl std::fmt::Display) -> KeyError {
    KeyError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Generates a PEM pair (PKCS#8 private, SPKI public).
pub fn generate(bits: u64) -> Result<(String, String), KeyError> {
    let size = match bits {
        2048 => KeySize::Rsa2048,
        3072 => KeySize::Rsa3072,
        _ => KeySize::Rsa4096,
    };
    let invalid = |m: &str| KeyError::Invalid {
        path: "(generated)".into(),
        message: m.into(),
    };
    let pair = RsaKeyPair::generate(size).map_err(|_| invalid("RSA key generation failed"))?;
    let private: Pkcs8V1Der = pair.as_der().map_err(|_| invalid("PKCS#8 encoding failed"))?;
    let public: PublicKeyX509Der = pair
        .public_key()
        .as_der()
        .map_err(|_| invalid("SPKI encoding failed"))?;
    Ok((pem("PRIVATE KEY", private.as_ref()), pem("PUBLIC KEY", public.as_ref())))
}

/// Loads the pair, generating it when both files are absent.
pub fn ensure(config: &Config) -> Result<(ServerKeys, bool), KeyError> {
    let private_path = config.path("AUTH_RSA_PRIVATE_KEY_FILE");
    let public_path = config.path("AUTH_RSA_PUBLIC_KEY_FILE");
    let generated = match (private_path.exists(), public_path.exists()) {
        (true, true) => false,
        (false, false) => {
            let (private, public) = generate(config.int("AUTH_RSA_KEY_SIZE"))?;
            write_atomic(&private_path, private.as_bytes(), true).map_err(|e| io(&private_path, e))?;
            write_atomic(&public_path, public.as_bytes(), false).map_err(|e| io(&public_path, e))?;
            true
        }
        (true, false) => {
            return Err(KeyError::HalfPair(
                private_path.display().to_string(),
                public_path.display().to_string(),
            ))
        }
        (false, true) => {
            return Err(KeyError::HalfPair(
                public_path.display().to_string(),
                private_path.display().to_string(),
            ))
        }
    };
    let private_pem = std::fs::read_to_string(&private_path).map_err(|e| io(&private_path, e))?;
    let public_pem = std::fs::read_to_string(&public_path).map_err(|e| io(&public_path, e))?;
    let encoding = EncodingKey::from_rsa_pem(private_pem.as_bytes()).map_err(|e| KeyError::Invalid {
        path: private_path.display().to_string(),
        message: e.to_string(),
    })?;
    let decoding = DecodingKey::from_rsa_pem(public_pem.as_bytes()).map_err(|e| KeyError::Invalid {
        path: public_path.display().to_string(),
        message: e.to_string(),
    })?;
    Ok((
        ServerKeys {
            encoding,
            decoding,
            public_pem,
            private_pem,
        },
        generated,
    ))
}

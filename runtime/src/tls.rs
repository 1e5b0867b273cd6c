//! The server certificate: CA-signed when configured (or a non-self-issued pair in secrets/),
//! else a self-signed one whose SANs are MCP_SERVER_SECURITY_ALLOWED_HOSTS' hosts, renewed when
//! less than half of its validity remains (checked at start-up and daily).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::crypto::aws_lc_rs as provider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::config::Config;
use crate::fsutil::write_atomic;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("certificate generation failed: {0}")]
    Generate(String),
    #[error("TLS configuration: {0}")]
    Rustls(String),
}

const SELF_SIGNED_DAYS: i64 = 365;

fn file_err(path: &Path, e: impl std::fmt::Display) -> TlsError {
    TlsError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Facts about a PEM certificate that decide what to do with it.
#[derive(Debug, Clone, Copy)]
pub struct CertFacts {
    pub self_issued: bool,
    pub not_before: i64,
    pub not_after: i64,
}

pub fn facts(pem: &[u8]) -> Option<CertFacts> {
    let (_, p) = x509_parser::pem::parse_x509_pem(pem).ok()?;
    let cert = p.parse_x509().ok()?;
    Some(CertFacts {
        self_issued: cert.issuer() == cert.subject(),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
    })
}

/// Less than half of the validity left (or already expired).
pub fn needs_renewal(f: &CertFacts, now: i64) -> bool {
    let half = (f.not_after - f.not_before) / 2;
    f.not_after - now < half
}

/// Host names and IPs for the SANs: ports and `*` stripped.
pub fn san_hosts(allowed_hosts: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for h in allowed_hosts {
        let host = if let Some(rest) = h.strip_prefix('[') {
            rest.split(']').next().unwrap_or("").to_string()
        } else if h.matches(':').count() > 1 {
            h.clone()
        } else {
            h.split(':').next().unwrap_or("").to_string()
        };
        let host = host.trim().trim_start_matches("*.").to_string();
        if !host.is_empty() && host != "*" && !out.contains(&host) {
            out.push(host);
        }
    }
    if out.is_empty() {
        out.push("localhost".into());
    }
    out
}

/// Writes a fresh self-signed certificate and key.
pub fn generate_self_signed(hosts: &[String], cert_path: &Path, key_path: &Path) -> Result<(), TlsError> {
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, hosts[0].clone());
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "ai-bridge self-signed");
    for h in hosts {
        let san = match h.parse::<IpAddr>() {
            Ok(ip) => rcgen::SanType::IpAddress(ip),
            Err(_) => rcgen::SanType::DnsName(
                h.clone()
                    .try_into()
                    .map_err(|e| TlsError::Generate(format!("{h}: {e}")))?,
            ),
        };
        params.subject_alt_names.push(san);
    }
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::minutes(5);
    params.not_after = now + time::Duration::days(SELF_SIGNED_DAYS);
    let key = rcgen::KeyPair::generate().map_err(|e| TlsError::Generate(e.to_string()))?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| TlsError::Generate(e.to_string()))?;
    write_atomic(key_path, key.serialize_pem().as_bytes(), true).map_err(|e| file_err(key_path, e))?;
    write_atomic(cert_path, cert.pem().as_bytes(), false).map_err(|e| file_err(cert_path, e))?;
    Ok(())
}

/// Which certificate files serve, after making sure they exist and are fresh.
#[derive(Debug, Clone)]
pub struct CertSource {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub self_signed: bool,
    hosts: Vec<String>,
}

impl CertSource {
    /// Decides the source and (re)generates a self-signed certificate when needed.
    /// Returns whether a new certificate was written.
    pub fn prepare(config: &Config) -> Result<(CertSource, bool), TlsError> {
        if let (Some(cert), Some(key)) = (
            config.optional_path("TLS_CA_SIGNED_CERT_FILE"),
            config.optional_path("TLS_CA_SIGNED_KEY_FILE"),
        ) {
            for p in [&cert, &key] {
                if !p.is_file() {
                    return Err(file_err(p, "configured TLS file does not exist"));
                }
            }
            return Ok((
                CertSource {
                    cert,
                    key,
                    self_signed: false,
                    hosts: Vec::new(),
                },
                false,
            ));
        }
        let secrets = config.path("CRYPTO_SECRETS_DIR");
        let source = CertSource {
            cert: secrets.join("server.crt"),
            key: secrets.join("server.key"),
            self_signed: true,
            hosts: san_hosts(&config.allowed_hosts),
        };
        if source.cert.is_file() && source.key.is_file() {
            let pem = std::fs::read(&source.cert).map_err(|e| file_err(&source.cert, e))?;
            if let Some(f) = facts(&pem) {
                if !f.self_issued {
                    return Ok((
                        CertSource {
                            self_signed: false,
                            ..source
                        },
                        false,
                    ));
                }
            }
        }
        let renewed = source.renew_if_needed()?;
        Ok((source, renewed))
    }

    /// For a self-signed source: regenerate when missing, unreadable or past half-life.
    pub fn renew_if_needed(&self) -> Result<bool, TlsError> {
        if !self.self_signed {
            return Ok(false);
        }
        let fresh = std::fs::read(&self.cert)
            .ok()
            .and_then(|pem| facts(&pem))
            .is_some_and(|f| !needs_renewal(&f, time::OffsetDateTime::now_utc().unix_timestamp()))
            && self.key.is_file();
        if fresh {
            return Ok(false);
        }
        generate_self_signed(&self.hosts, &self.cert, &self.key)?;
        Ok(true)
    }

    pub fn load(&self) -> Result<Arc<CertifiedKey>, TlsError> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&self.cert)
            .map_err(|e| file_err(&self.cert, e))?
            .collect::<Result<_, _>>()
            .map_err(|e| file_err(&self.cert, e))?;
        if certs.is_empty() {
            return Err(file_err(&self.cert, "no certificate in file"));
        }
        let key = PrivateKeyDer::from_pem_file(&self.key).map_err(|e| file_err(&self.key, e))?;
        let signing = provider::sign::any_supported_type(&key).map_err(|e| file_err(&self.key, e))?;
        Ok(Arc::new(CertifiedKey::new(certs, signing)))
    }
}

/// Serves the current certificate; swapped in place when it is renewed.
#[derive(Debug)]
pub struct Resolver(RwLock<Arc<CertifiedKey>>);

impl Resolver {
    pub fn new(key: Arc<CertifiedKey>) -> Arc<Self> {
        Arc::new(Resolver(RwLock::new(key)))
    }
    pub fn replace(&self, key: Arc<CertifiedKey>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = key;
    }
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().unwrap_or_else(|e| e.into_inner()).clone())
    }
}

pub fn server_config(resolver: Arc<Resolver>) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(provider::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Rustls(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sans_come_from_allowed_hosts_without_ports() {
        let hosts = ["localhost:*", "127.0.0.1:*", "mcp.domain.com:8443", "*", "[::1]:*"].map(String::from);
        assert_eq!(san_hosts(&hosts), ["localhost", "127.0.0.1", "mcp.domain.com", "::1"]);
    }

    #[test]
    fn self_signed_certificates_are_generated_and_renewed_at_half_life() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("server.crt"), dir.path().join("server.key"));
        generate_self_signed(&["localhost".into(), "127.0.0.1".into()], &cert, &key).unwrap();
        let f = facts(&std::fs::read(&cert).unwrap()).unwrap();
        assert!(f.self_issued);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        assert!(!needs_renewal(&f, now));
        assert!(needs_renewal(&f, now + 200 * 86400), "past half of 365 days");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[cfg(test)]
mod ca_tests {
    use super::*;

    #[test]
    fn a_ca_signed_pair_in_secrets_is_used_as_is() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = dir.path().join("secrets");
        std::fs::create_dir_all(&secrets).unwrap();
        let mut ca_params = rcgen::CertificateParams::new(vec![]).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Test CA");
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let mut leaf_params = rcgen::CertificateParams::new(vec!["mcp.example.com".into()]).unwrap();
        leaf_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "mcp.example.com");
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
        std::fs::write(secrets.join("server.crt"), leaf.pem() + &ca.pem()).unwrap();
        std::fs::write(secrets.join("server.key"), leaf_key.serialize_pem()).unwrap();
        let config = crate::config::Config::from_pairs(dir.path(), ".env", "", vec![]).unwrap();
        let (source, renewed) = CertSource::prepare(&config).unwrap();
        assert!(!source.self_signed && !renewed);
        assert_eq!(
            std::fs::read_to_string(secrets.join("server.crt")).unwrap(),
            leaf.pem() + &ca.pem(),
            "left untouched"
        );
        source.load().unwrap();
    }
}

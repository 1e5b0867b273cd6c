//! Talking to CUCM for the tools: endpoints from host names, one SOAP session per client,
//! host and service (kept for JSESSIONIDSSO reuse, never shared between clients), each
//! host's version and the compiled AXL schema that fits it, throttling retries and paging.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Map, Value as Json};
use uc_wire::{ClientConfig, Error as WireError, OperationDescriptor, SoapClient};

use crate::config::Config;
use crate::credentials::Credential;

pub const AXL_PATH: &str = "/axl/";
pub const RIS_PATH: &str = "/realtimeservice2/services/RISService70";

/// Why a CUCM call failed, in words an agent can act on.
#[derive(Debug, thiserror::Error)]
pub enum CucmError {
    #[error("host '{0}' is not a host name, IPv4 address or [IPv6] address with an optional :port")]
    BadHost(String),
    #[error("{0}")]
    Config(String),
    #[error("CUCM {host} runs {version}, older than every compiled AXL schema (oldest {oldest})")]
    TooOld {
        host: String,
        version: String,
        oldest: &'static str,
    },
    #[error("could not read the version of {host}: {message}")]
    Version { host: String, message: String },
    #[error("{host}: the request is too large for AXL: {message}. Ask for fewer rows (max_rows, skip/first) or narrow the search criteria")]
    TooLarge { host: String, message: String },
    #[error("{host}: AXL is still throttling after {attempts} attempts: {message}. Wait a minute and retry, or send fewer requests")]
    StillThrottled {
        host: String,
        attempts: u32,
        message: String,
    },
    #[error("{host}: {source}")]
    Wire {
        host: String,
        #[source]
        source: WireError,
    },
}

#[derive(Debug, Default)]
pub struct Cisco {
    /// Host (lower case) -> the version getCCMVersion reported.
    versions: Mutex<HashMap<String, String>>,
    sessions: Mutex<HashMap<SessionKey, (u64, SoapClient)>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SessionKey {
    client: String,
    host: String,
    path: &'static str,
}

fn fingerprint(c: &Credential) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    c.username.hash(&mut h);
    c.password.hash(&mut h);
    h.finish()
}

/// `host`, `host:port`, `1.2.3.4:port` or `[v6]:port`; no scheme, path or user info.
pub fn base_url(config: &Config, host: &str) -> Result<String, CucmError> {
    https_base(host, config.get("SERVER_CUCM_AXL_PORT"))
}

/// `https://host:port` from a host with or without its port.
pub fn https_base(host: &str, default_port: &str) -> Result<String, CucmError> {
    let ok = !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !ok {
        return Err(CucmError::BadHost(host.into()));
    }
    let has_port = match host.rsplit_once(':') {
        Some((h, p)) => !p.is_empty() && p.parse::<u16>().is_ok() && (!h.contains(':') || h.ends_with(']')),
        None => false,
    };
    if has_port {
        Ok(format!("https://{host}"))
    } else if host.contains(':') && !host.starts_with('[') {
        Err(CucmError::BadHost(host.into()))
    } else {
        Ok(format!("https://{host}:{default_port}"))
    }
}

/// The compiled AXL schema for a CUCM version: the newest one not newer than it.
pub fn schema_for(host: &str, version: &str) -> Result<&'static str, CucmError> {
    let parse = |v: &str| -> Option<(u32, u32)> {
        let mut it = v.split(['.', '(']);
        Some((it.next()?.trim().parse().ok()?, it.next()?.trim().parse().ok()?))
    };
    let Some(host_v) = parse(version) else {
        return Err(CucmError::Version {
            host: host.into(),
            message: format!("'{version}' is not a version number"),
        });
    };
    cisco_uc::axl::VERSIONS
        .iter()
        .rev()
        .find(|v| parse(v).is_some_and(|c| c <= host_v))
        .copied()
        .ok_or(CucmError::TooOld {
            host: host.into(),
            version: version.into(),
            oldest: cisco_uc::axl::VERSIONS.first().copied().unwrap_or("none"),
        })
}

pub fn client_config(config: &Config, base: String, credential: &Credential) -> Result<ClientConfig, CucmError> {
    product_client_config(config, "CUCM", "SERVER_CUCM_AXL_TIMEOUT", base, credential)
}

/// Timeouts and TLS trust from SERVER_<PRODUCT>_SSL_VERIFY and SERVER_<PRODUCT>_SSL_CA_BUNDLE.
pub fn product_client_config(
    config: &Config,
    product: &str,
    timeout_key: &str,
    base: String,
    credential: &Credential,
) -> Result<ClientConfig, CucmError> {
    let mut c = ClientConfig::new(base, &credential.username, &credential.password);
    c.read_timeout = Duration::from_secs(config.int(timeout_key));
    c.connect_timeout = c.read_timeout.min(Duration::from_secs(10));
    c.accept_invalid_certs = !config.flag(&format!("SERVER_{product}_SSL_VERIFY"));
    let bundle = format!("SERVER_{product}_SSL_CA_BUNDLE");
    if let Some(path) = config.optional_path(&bundle) {
        c.ca_bundle_pem =
            Some(std::fs::read(&path).map_err(|e| CucmError::Config(format!("{bundle} {}: {e}", path.display())))?);
    }
    Ok(c)
}

impl Cisco {
    pub fn known_version(&self, host: &str) -> Option<String> {
        self.versions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&host.to_ascii_lowercase())
            .cloned()
    }

    /// The session for this client, host and service, created (or replaced when the
    /// credentials changed) on demand.
    pub fn session(
        &self,
        config: &Config,
        client: &str,
        host: &str,
        path: &'static str,
        credential: &Credential,
    ) -> Result<SoapClient, CucmError> {
        self.session_with(client, host, path, credential, || {
            client_config(config, base_url(config, host)?, credential)
        })
    }

    /// As [`Cisco::session`], for any service: `make` builds the client configuration.
    pub fn session_with(
        &self,
        client: &str,
        host: &str,
        path: &'static str,
        credential: &Credential,
        make: impl FnOnce() -> Result<ClientConfig, CucmError>,
    ) -> Result<SoapClient, CucmError> {
        let key = SessionKey {
            client: client.into(),
            host: host.to_ascii_lowercase(),
            path,
        };
        let fp = fingerprint(credential);
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((f, c)) = sessions.get(&key) {
            if *f == fp {
                return Ok(c.clone());
            }
        }
        let cfg = make()?;
        let c = SoapClient::new(&cfg, path).map_err(|e| CucmError::Config(e.to_string()))?;
        sessions.insert(key, (fp, c.clone()));
        Ok(c)
    }

    /// Drops a client's sessions to a host (its credentials changed or were deleted).
    pub fn forget(&self, client: &str, host: &str) {
        let host = host.to_ascii_lowercase();
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|k, _| !(k.client == client && k.host == host));
    }

    /// Asks the host for its version (getCCMVersion in the oldest compiled schema, which
    /// every newer CUCM accepts) and remembers it.
    pub async fn fetch_version(
        &self,
        config: &Config,
        client: &str,
        host: &str,
        credential: &Credential,
    ) -> Result<String, CucmError> {
        let oldest = cisco_uc::axl::VERSIONS.first().copied().unwrap_or("15.0");
        let op = cisco_uc::axl::operations(oldest)
            .and_then(|ops| ops.iter().copied().find(|o| o.name == "getCCMVersion"))
            .ok_or_else(|| CucmError::Config("no compiled AXL schema has getCCMVersion".into()))?;
        let session = self.session(config, client, host, AXL_PATH, credential)?;
        let request = uc_wire::json::from_json(op.request, &json!({})).map_err(|e| CucmError::Wire {
            host: host.into(),
            source: e.into(),
        })?;
        let value = call_with_retries(config, &session, host, op, request).await?;
        let out = uc_wire::json::to_json(op.response, &value);
        let version = out
            .pointer("/return/componentVersion/version")
            .and_then(Json::as_str)
            .ok_or_else(|| CucmError::Version {
                host: host.into(),
                message: format!("getCCMVersion answered without a version: {out}"),
            })?
            .to_string();
        self.versions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(host.to_ascii_lowercase(), version.clone());
        Ok(version)
    }
}

fn too_large(e: &WireError) -> Option<String> {
    match e {
        WireError::Fault(f) => {
            let m = f.axlmessage.as_deref().unwrap_or(&f.faultstring);
            m.contains("Query request too large").then(|| m.to_string())
        }
        _ => None,
    }
}

/// One call; AXL throttling (HTTP 503, the memory-allocation fault) is retried with
/// exponential backoff (or the server's Retry-After) up to SERVER_CUCM_AXL_RETRIES times.
pub async fn call_with_retries(
    config: &Config,
    session: &SoapClient,
    host: &str,
    op: &'static OperationDescriptor,
    request: uc_wire::Value,
) -> Result<uc_wire::Value, CucmError> {
    let retries = config.int("SERVER_CUCM_AXL_RETRIES") as u32;
    let mut attempt = 0;
    loop {
        let e = match session.call(op, request.clone()).await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let throttled = e.is_throttling();
        if let Some(message) = too_large(&e) {
            return Err(CucmError::TooLarge {
                host: host.into(),
                message,
            });
        }
        if !throttled {
            return Err(CucmError::Wire {
                host: host.into(),
                source: e,
            });
        }
        if attempt >= retries {
            return Err(CucmError::StillThrottled {
                host: host.into(),
                attempts: attempt + 1,
                message: e.to_string(),
            });
        }
        let wait = match e {
            WireError::Throttled { retry_after: Some(s) } => Duration::from_secs(s.min(30)),
            _ => Duration::from_millis(500 << attempt.min(6)),
        };
        tracing::info!("{host}: {} throttled; retrying in {wait:?}", op.name);
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

/// Whether a list operation pages with `skip`/`first`.
pub fn pages(op: &'static OperationDescriptor) -> bool {
    op.request
        .struct_parts()
        .is_some_and(|(_, _, fields)| ["skip", "first"].iter().all(|n| fields.iter().any(|f| f.name == *n)))
}

/// Appends one page's `return` lists to the accumulated response; returns the rows it had.
pub fn merge_page(total: &mut Json, page: Json) -> usize {
    let rows_in = |ret: &Json| -> usize {
        ret.as_object()
            .map(|m| {
                m.values()
                    .map(|v| v.as_array().map_or(usize::from(v.is_object()), Vec::len))
                    .sum()
            })
            .unwrap_or(0)
    };
    let page_ret = page.get("return").cloned().unwrap_or(Json::Null);
    let rows = rows_in(&page_ret);
    if total.is_null() {
        *total = page;
        return rows;
    }
    let Some(Json::Object(acc)) = total.get_mut("return") else {
        *total = page;
        return rows;
    };
    if let Json::Object(m) = page_ret {
        for (k, v) in m {
            let items = match v {
                Json::Array(a) => a,
                other => vec![other],
            };
            match acc.get_mut(&k) {
                Some(Json::Array(a)) => a.extend(items),
                Some(single) => {
                    let first = single.take();
                    *single = Json::Array(std::iter::once(first).chain(items).collect());
                }
                None => {
                    acc.insert(k, Json::Array(items));
                }
            }
        }
    }
    rows
}

/// `{"skip": .., "first": ..}` set in a copy of the arguments.
pub fn with_page(args: &Json, skip: u64, first: u64) -> Json {
    let mut m = args.as_object().cloned().unwrap_or_else(Map::new);
    m.insert("skip".into(), json!(skip));
    m.insert("first".into(), json!(first));
    Json::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_map_to_the_newest_schema_not_newer_than_the_host() {
        let newest = cisco_uc::axl::VERSIONS.last().unwrap();
        assert_eq!(schema_for("h", "99.0.1.10000(1)").unwrap(), *newest);
        assert!(matches!(schema_for("h", "8.5.1"), Err(CucmError::TooOld { .. })));
        assert!(schema_for("h", "garbage").is_err());
        for v in cisco_uc::axl::VERSIONS {
            assert_eq!(schema_for("h", &format!("{v}.1.12900(234)")).unwrap(), *v);
        }
    }

    #[test]
    fn hosts_become_https_endpoints() {
        let config = Config::from_pairs(std::path::Path::new("/x"), ".env", "", Vec::new()).unwrap();
        assert_eq!(
            base_url(&config, "cucm.example.com").unwrap(),
            "https://cucm.example.com:8443"
        );
        assert_eq!(base_url(&config, "10.0.0.1:9443").unwrap(), "https://10.0.0.1:9443");
        assert_eq!(base_url(&config, "[::1]:9443").unwrap(), "https://[::1]:9443");
        for bad in ["", "https://x", "a/b", "user@host", "a b", "::1"] {
            assert!(base_url(&config, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pages_merge_their_rows() {
        let mut total = Json::Null;
        assert_eq!(
            merge_page(&mut total, json!({"return": {"phone": [{"name": "a"}, {"name": "b"}]}})),
            2
        );
        assert_eq!(merge_page(&mut total, json!({"return": {"phone": {"name": "c"}}})), 1);
        assert_eq!(merge_page(&mut total, json!({"return": {}})), 0);
        assert_eq!(total["return"]["phone"].as_array().unwrap().len(), 3);
    }
}

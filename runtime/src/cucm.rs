//! Talking to CUCM and IM and Presence for the tools: endpoints from host names, one SOAP
//! session per client, host and service (kept for JSESSIONIDSSO reuse, never shared between
//! clients), each host's version and the compiled AXL schema that fits it, throttling retries
//! and paging. Both products speak AXL; [`AxlProduct`] says which compiled toolkits and which
//! `SERVER_<PRODUCT>_*` settings apply.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Map, Value as Json};
use uc_wire::{ClientConfig, Error as WireError, OperationDescriptor, SoapClient};

use crate::config::Config;
use crate::credentials::Credential;

pub const RIS_PATH: &str = "/realtimeservice2/services/RISService70";

/// A product that speaks AXL, with its compiled toolkits and configuration keys.
#[derive(Debug)]
pub struct AxlProduct {
    /// The profile section and tool prefix: `cucm`, `imp`.
    pub product: &'static str,
    /// For people: `CUCM`, `IM and Presence`.
    pub label: &'static str,
    /// `SERVER_<env>_AXL_PORT`, `SERVER_<env>_SSL_VERIFY`, ...
    pub env: &'static str,
    /// Compiled schema versions, oldest first.
    pub versions: &'static [&'static str],
    pub operations: fn(&str) -> Option<&'static [&'static OperationDescriptor]>,
    /// The service path on the host.
    pub path: &'static str,
}

pub static CUCM: AxlProduct = AxlProduct {
    product: "cucm",
    label: "CUCM",
    env: "CUCM",
    versions: cisco_uc::axl::VERSIONS,
    operations: cisco_uc::axl::operations,
    path: cisco_uc::axl::ENDPOINT_PATH,
};

pub static IMP: AxlProduct = AxlProduct {
    product: "imp",
    label: "IM and Presence",
    env: "IMP",
    versions: cisco_uc::imp::VERSIONS,
    operations: cisco_uc::imp::operations,
    path: cisco_uc::imp::ENDPOINT_PATH,
};

impl AxlProduct {
    /// `SERVER_<env>_<suffix>`.
    pub fn key(&self, suffix: &str) -> String {
        format!("SERVER_{}_{suffix}", self.env)
    }

    pub fn newest(&self) -> Option<&'static str> {
        self.versions.last().copied()
    }

    pub fn find(&self, version: &str, name: &str) -> Option<&'static OperationDescriptor> {
        (self.operations)(version)?.iter().copied().find(|o| o.name == name)
    }

    pub fn base_url(&self, config: &Config, host: &str) -> Result<String, CucmError> {
        https_base(host, config.get(&self.key("AXL_PORT")))
    }

    pub fn client_config(
        &self,
        config: &Config,
        base: String,
        credential: &Credential,
    ) -> Result<ClientConfig, CucmError> {
        product_client_config(config, self.env, &self.key("AXL_TIMEOUT"), base, credential)
    }

    /// The compiled schema for a host's version: the newest one not newer than it.
    pub fn schema_for(&self, host: &str, version: &str) -> Result<&'static str, CucmError> {
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
        self.versions
            .iter()
            .rev()
            .find(|v| parse(v).is_some_and(|c| c <= host_v))
            .copied()
            .ok_or(CucmError::TooOld {
                product: self.label,
                host: host.into(),
                version: version.into(),
                oldest: self.versions.first().copied().unwrap_or("none"),
            })
    }
}

/// Why a CUCM call failed, in words an agent can act on.
#[derive(Debug, thiserror::Error)]
pub enum CucmError {
    #[error("host '{0}' is not a host name, IPv4 address or [IPv6] address with an optional :port")]
    BadHost(String),
    #[error("{0}")]
    Config(String),
    #[error("{product} {host} runs {version}, older than every compiled AXL schema (oldest {oldest})")]
    TooOld {
        product: &'static str,
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

/// The CUCM AXL and RisPort endpoint of a host: `host`, `host:port`, `1.2.3.4:port` or
/// `[v6]:port`; no scheme, path or user info.
pub fn base_url(config: &Config, host: &str) -> Result<String, CucmError> {
    CUCM.base_url(config, host)
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

    /// The session for this client, host and service of a product, created (or replaced when
    /// the credentials changed) on demand.
    pub fn session(
        &self,
        product: &AxlProduct,
        config: &Config,
        client: &str,
        host: &str,
        path: &'static str,
        credential: &Credential,
    ) -> Result<SoapClient, CucmError> {
        self.session_with(client, host, path, credential, || {
            product.client_config(config, product.base_url(config, host)?, credential)
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
    /// every newer release accepts) and remembers it.
    pub async fn fetch_version(
        &self,
        product: &AxlProduct,
        config: &Config,
        client: &str,
        host: &str,
        credential: &Credential,
    ) -> Result<String, CucmError> {
        let op = product
            .versions
            .first()
            .and_then(|oldest| product.find(oldest, "getCCMVersion"))
            .ok_or_else(|| CucmError::Config(format!("no compiled {} AXL schema has getCCMVersion", product.label)))?;
        let session = self.session(product, config, client, host, product.path, credential)?;
        let request = uc_wire::json::from_json(op.request, &json!({})).map_err(|e| CucmError::Wire {
            host: host.into(),
            source: e.into(),
        })?;
        let value = call_with_retries(product, config, &session, host, op, request).await?;
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
/// exponential backoff (or the server's Retry-After) up to SERVER_<PRODUCT>_AXL_RETRIES times.
pub async fn call_with_retries(
    product: &AxlProduct,
    config: &Config,
    session: &SoapClient,
    host: &str,
    op: &'static OperationDescriptor,
    request: uc_wire::Value,
) -> Result<uc_wire::Value, CucmError> {
    let retries = config.int(&product.key("AXL_RETRIES")) as u32;
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
        for p in [&CUCM, &IMP] {
            let newest = p.versions.last().unwrap();
            assert_eq!(p.schema_for("h", "99.0.1.10000(1)").unwrap(), *newest);
            assert!(matches!(p.schema_for("h", "8.5.1"), Err(CucmError::TooOld { .. })));
            assert!(p.schema_for("h", "garbage").is_err());
            for v in p.versions {
                assert_eq!(p.schema_for("h", &format!("{v}.1.12900(234)")).unwrap(), *v);
            }
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

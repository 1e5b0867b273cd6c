//! The installation's `.env`: every key with its default, parsed without touching the process
//! environment (dotenvy's iterator), validated in one place. A wrong value stops start-up with
//! the key, its line and what is allowed; an unknown key is a warning.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// What a key accepts.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Int { min: u64, max: u64 },
    Flag,
    Choice(&'static [&'static str]),
    UrlPath,
    JsonMap,
}

struct Spec {
    key: &'static str,
    default: &'static str,
    kind: Kind,
}

const fn spec(key: &'static str, default: &'static str, kind: Kind) -> Spec {
    Spec { key, default, kind }
}

const U16: Kind = Kind::Int { min: 1, max: 65535 };
const POSITIVE: Kind = Kind::Int {
    min: 1,
    max: u32::MAX as u64,
};

/// Every configuration key of the product, with its default. `.env.example` lists the same.
const SPECS: &[Spec] = &[
    spec("MCP_SERVER_NAME", "ai-bridge", Kind::Text),
    spec(
        "MCP_SERVER_INSTRUCTIONS",
        "Cisco Unified Communications tools. Every call is checked against your profile and audited.",
        Kind::Text,
    ),
    spec(
        "MCP_SERVER_TRANSPORT",
        "streamable-http",
        Kind::Choice(&["streamable-http"]),
    ),
    spec("MCP_SERVER_HOST", "0.0.0.0", Kind::Text),
    spec("MCP_SERVER_PORT", "8443", U16),
    spec("MCP_SERVER_URL_PATH", "/mcp", Kind::UrlPath),
    spec("AUTH_RSA_PUBLIC_KEY_FILE", "./secrets/rsa_public.pem", Kind::Text),
    spec("AUTH_RSA_PRIVATE_KEY_FILE", "./secrets/rsa_private.pem", Kind::Text),
    spec("AUTH_ISSUER", "ai-bridge", Kind::Text),
    spec("AUTH_AUDIENCE", "mcp-clients", Kind::Text),
    spec("AUTH_CLIENTS", "", Kind::Text),
    spec("CRYPTO_SECRETS_DIR", "./secrets/", Kind::Text),
    spec("AUTH_MODE", "jwt", Kind::Choice(&["jwt", "oauth2", "jwt+oauth2"])),
    spec("AUTH_RSA_KEY_SIZE", "4096", Kind::Choice(&["2048", "3072", "4096"])),
    spec("AUTH_TOKEN_EXPIRY_DAYS", "365", Kind::Int { min: 1, max: 3650 }),
    spec(
        "AUTH_OAUTH_TOKEN_EXPIRY_SECONDS",
        "3600",
        Kind::Int {
            min: 60,
            max: 86400 * 30,
        },
    ),
    spec("AUTH_FAIL_LIMIT", "10", POSITIVE),
    spec("AUTH_FAIL_WINDOW_SECONDS", "300", POSITIVE),
    spec("AUTH_BLACKLIST_DURATION_SECONDS", "900", POSITIVE),
    spec("AUTH_OAUTH_REDIRECT_URIS", "{}", Kind::JsonMap),
    spec(
        "AUTH_OAUTH_REDIRECT_URI_ENFORCEMENT",
        "strict",
        Kind::Choice(&["off", "strict"]),
    ),
    spec("CLIENTS_DIR", "./clients/", Kind::Text),
    spec(
        "LOGGING_LEVEL",
        "info",
        Kind::Choice(&["debug", "info", "warning", "error", "critical"]),
    ),
    spec("LOGGING_DIR", "./logs/", Kind::Text),
    spec(
        "LOGGING_ROTATE_SIZE",
        "5000000",
        Kind::Int {
            min: 10_000,
            max: u32::MAX as u64,
        },
    ),
    spec("LOGGING_ROTATE_FILES", "3", Kind::Int { min: 1, max: 100 }),
    spec("LOGGING_CONSOLE_ENABLED", "1", Kind::Flag),
    spec("MCP_SERVER_SECURITY_TRANSPORT_ENABLED", "1", Kind::Flag),
    spec(
        "MCP_SERVER_SECURITY_ALLOWED_HOSTS",
        "localhost:*,127.0.0.1:*,mcp.domain.com:*",
        Kind::Text,
    ),
    spec("MCP_SERVER_SECURITY_ALLOWED_ORIGINS", "", Kind::Text),
    spec("TLS_CA_SIGNED_CERT_FILE", "", Kind::Text),
    spec("TLS_CA_SIGNED_KEY_FILE", "", Kind::Text),
    spec("PROFILES_DIR", "./profiles/", Kind::Text),
    spec("PROFILE_SCHEMA_STRICT", "1", Kind::Flag),
    spec("PROFILE_DEFAULT_RATE_LIMIT", "30", Kind::Int { min: 1, max: 100_000 }),
    spec("MCP_TYPED_TOOLS", "", Kind::Text),
    spec("SERVER_CUCM_AXL_PORT", "8443", U16),
    spec("SERVER_CUCM_AXL_TIMEOUT", "30", Kind::Int { min: 1, max: 3600 }),
    spec("SERVER_CUCM_AXL_RETRIES", "3", Kind::Int { min: 0, max: 10 }),
    spec("SERVER_CUCM_AXL_PAGE_SIZE", "500", Kind::Int { min: 1, max: 100_000 }),
    spec("SERVER_CUCM_SSL_VERIFY", "1", Kind::Flag),
    spec("SERVER_CUCM_SSL_CA_BUNDLE", "", Kind::Text),
    spec("SERVER_IMP_AXL_PORT", "8443", U16),
    spec("SERVER_IMP_AXL_TIMEOUT", "30", Kind::Int { min: 1, max: 3600 }),
    spec("SERVER_IMP_AXL_RETRIES", "3", Kind::Int { min: 0, max: 10 }),
    spec("SERVER_IMP_AXL_PAGE_SIZE", "500", Kind::Int { min: 1, max: 100_000 }),
    spec("SERVER_IMP_SSL_VERIFY", "1", Kind::Flag),
    spec("SERVER_IMP_SSL_CA_BUNDLE", "", Kind::Text),
    spec("SERVER_CUC_CUPI_PORT", "8443", U16),
    spec("SERVER_CUC_CUPI_TIMEOUT", "30", Kind::Int { min: 1, max: 3600 }),
    spec("SERVER_CUC_CUPI_PAGE_SIZE", "100", Kind::Int { min: 1, max: 2000 }),
    spec("SERVER_CUC_SSL_VERIFY", "1", Kind::Flag),
    spec("SERVER_CUC_SSL_CA_BUNDLE", "", Kind::Text),
    spec("SERVER_CUCM_SSH_PORT", "22", U16),
    spec("SERVER_CUCM_SSH_TIMEOUT", "30", Kind::Int { min: 1, max: 3600 }),
    spec("SERVER_CUCM_SSH_TERM", "dumb", Kind::Text),
    spec("SERVER_CUCM_SSH_TERM_WIDTH", "220", Kind::Int { min: 40, max: 1000 }),
    spec("SERVER_CUCM_SSH_TERM_HEIGHT", "50", Kind::Int { min: 10, max: 1000 }),
    spec("SERVER_IMP_SSH_PORT", "22", U16),
    spec("SERVER_IMP_SSH_TIMEOUT", "120", Kind::Int { min: 1, max: 3600 }),
    spec("SERVER_IMP_SSH_TERM", "dumb", Kind::Text),
    spec("SERVER_IMP_SSH_TERM_WIDTH", "220", Kind::Int { min: 40, max: 1000 }),
    spec("SERVER_IMP_SSH_TERM_HEIGHT", "50", Kind::Int { min: 10, max: 1000 }),
    spec("SERVER_CUC_SSH_PORT", "22", U16),
    spec("SERVER_CUC_SSH_TIMEOUT", "60", Kind::Int { min: 1, max: 3600 }),
    spec("SERVER_CUC_SSH_TERM", "dumb", Kind::Text),
    spec("SERVER_CUC_SSH_TERM_WIDTH", "220", Kind::Int { min: 40, max: 1000 }),
    spec("SERVER_CUC_SSH_TERM_HEIGHT", "50", Kind::Int { min: 10, max: 1000 }),
    spec("SERVER_SSH_IDLE_SECONDS", "60", Kind::Int { min: 0, max: 3600 }),
    spec(
        "SERVER_CUCM_PHONE_SCREENSHOT_TIMEOUT",
        "10",
        Kind::Int { min: 1, max: 300 },
    ),
    spec("SERVER_CUCM_PHONE_HTTP_PORT", "80", U16),
    spec("SERVER_CUCM_PHONE_HTTPS_PORT", "443", U16),
    spec("BACKUP_ENABLED", "0", Kind::Flag),
    spec("BACKUP_DIR", "./backups/", Kind::Text),
    spec("BACKUP_INTERVAL_HOURS", "24", Kind::Int { min: 1, max: 8760 }),
    spec("BACKUP_RETENTION", "7", Kind::Int { min: 1, max: 10_000 }),
    spec("BACKUP_EXCLUDE_DIRS", "./backups/,./.git/,./__pycache__/", Kind::Text),
    spec("BACKUP_SFTP_HOST", "", Kind::Text),
    spec("BACKUP_SFTP_PORT", "22", U16),
    spec("BACKUP_SFTP_USER", "", Kind::Text),
    spec("BACKUP_SFTP_AUTH", "key", Kind::Choice(&["key", "password"])),
    spec("BACKUP_SFTP_KEY_FILE", "", Kind::Text),
    spec("BACKUP_SFTP_PASSWORD_ENC", "", Kind::Text),
    spec("BACKUP_SFTP_REMOTE_PATH", "ai-bridge-backups", Kind::Text),
    spec("BACKUP_SFTP_KNOWN_HOSTS", "./secrets/sftp_known_hosts", Kind::Text),
    spec("BACKUP_SFTP_RETENTION", "14", Kind::Int { min: 1, max: 10_000 }),
    spec("BACKUP_SFTP_TIMEOUT", "30", Kind::Int { min: 1, max: 3600 }),
    spec("PROJECT_NAME", "ai-bridge", Kind::Text),
    spec("PROJECT_CREATOR", "", Kind::Text),
    spec("PROJECT_VERSION", env!("CARGO_PKG_VERSION"), Kind::Text),
];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{file} line {line}: {key}={value:?} is not valid: {reason}")]
    Invalid {
        file: String,
        line: usize,
        key: String,
        value: String,
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    Jwt,
    OAuth2,
    Both,
}

impl AuthMode {
    fn parse(s: &str) -> Option<AuthMode> {
        match s {
            "jwt" => Some(AuthMode::Jwt),
            "oauth2" => Some(AuthMode::OAuth2),
            "jwt+oauth2" => Some(AuthMode::Both),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::Jwt => "jwt",
            AuthMode::OAuth2 => "oauth2",
            AuthMode::Both => "jwt+oauth2",
        }
    }
    pub fn allows_jwt(self) -> bool {
        matches!(self, AuthMode::Jwt | AuthMode::Both)
    }
    pub fn allows_oauth(self) -> bool {
        matches!(self, AuthMode::OAuth2 | AuthMode::Both)
    }
}

/// One entry of AUTH_CLIENTS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSpec {
    pub name: String,
    pub subject: String,
    pub profile: String,
    pub mode: AuthMode,
}

/// The validated configuration. Paths are absolute (relative ones resolved against the root).
#[derive(Debug, Clone)]
pub struct Config {
    pub root: PathBuf,
    values: HashMap<&'static str, String>,
    pub auth_mode: AuthMode,
    pub clients: Vec<ClientSpec>,
    pub redirect_uris: BTreeMap<String, Vec<String>>,
    pub allowed_hosts: Vec<String>,
    pub allowed_origins: Vec<String>,
    /// Keys present in `.env` that no part of the product knows.
    pub unknown_keys: Vec<(String, usize)>,
}

impl Config {
    pub fn get(&self, key: &str) -> &str {
        self.values
            .get(key)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{key} is not a configuration key"))
    }
    pub fn int(&self, key: &str) -> u64 {
        self.get(key)
            .parse()
            .unwrap_or_else(|_| panic!("{key} was validated as a number"))
    }
    pub fn flag(&self, key: &str) -> bool {
        self.get(key) == "1"
    }
    /// A path key, resolved against the installation root.
    pub fn path(&self, key: &str) -> PathBuf {
        let p = Path::new(self.get(key));
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.root.join(p)
        }
    }
    pub fn optional_path(&self, key: &str) -> Option<PathBuf> {
        (!self.get(key).is_empty()).then(|| self.path(key))
    }

    /// Loads `<root>/.env` (a missing file means all defaults).
    pub fn load(root: &Path) -> Result<Config, ConfigError> {
        let file = root.join(".env");
        let (pairs, text) = if file.exists() {
            let text = std::fs::read_to_string(&file).map_err(|e| ConfigError::Read {
                path: file.clone(),
                message: e.to_string(),
            })?;
            let iter = dotenvy::from_path_iter(&file).map_err(|e| ConfigError::Read {
                path: file.clone(),
                message: e.to_string(),
            })?;
            let mut pairs = Vec::new();
            for item in iter {
                pairs.push(item.map_err(|e| ConfigError::Read {
                    path: file.clone(),
                    message: e.to_string(),
                })?);
            }
            (pairs, text)
        } else {
            (Vec::new(), String::new())
        };
        Config::from_pairs(root, &file.display().to_string(), &text, pairs)
    }

    /// Validates key/value pairs; `text` is the file, for line numbers.
    pub fn from_pairs(
        root: &Path,
        file: &str,
        text: &str,
        pairs: Vec<(String, String)>,
    ) -> Result<Config, ConfigError> {
        let line_of = |key: &str| -> usize {
            text.lines()
                .position(|l| {
                    let l = l.trim_start();
                    let l = l.strip_prefix("export ").unwrap_or(l).trim_start();
                    l.strip_prefix(key)
                        .is_some_and(|rest| rest.trim_start().starts_with('='))
                })
                .map_or(0, |i| i + 1)
        };
        let invalid = |key: &str, value: &str, reason: String| ConfigError::Invalid {
            file: file.to_string(),
            line: line_of(key),
            key: key.to_string(),
            value: value.to_string(),
            reason,
        };
        let mut values: HashMap<&'static str, String> = SPECS.iter().map(|s| (s.key, s.default.to_string())).collect();
        let mut unknown_keys = Vec::new();
        for (key, value) in pairs {
            let Some(spec) = SPECS.iter().find(|s| s.key == key) else {
                unknown_keys.push((key.clone(), line_of(&key)));
                continue;
            };
            let value = value.trim().to_string();
            if let Err(reason) = check(spec.kind, &value) {
                return Err(invalid(spec.key, &value, reason));
            }
            values.insert(spec.key, value);
        }
        let auth_mode = AuthMode::parse(&values["AUTH_MODE"]).expect("validated");
        let clients = parse_clients(&values["AUTH_CLIENTS"], auth_mode)
            .map_err(|r| invalid("AUTH_CLIENTS", &values["AUTH_CLIENTS"], r))?;
        let redirect_uris: BTreeMap<String, Vec<String>> = serde_json::from_str(&values["AUTH_OAUTH_REDIRECT_URIS"])
            .map_err(|e| {
                invalid(
                    "AUTH_OAUTH_REDIRECT_URIS",
                    &values["AUTH_OAUTH_REDIRECT_URIS"],
                    format!("expected {{\"client\": [\"uri\", ...]}}: {e}"),
                )
            })?;
        let list = |k: &str| -> Vec<String> {
            values[k]
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let allowed_hosts = list("MCP_SERVER_SECURITY_ALLOWED_HOSTS");
        let allowed_origins = list("MCP_SERVER_SECURITY_ALLOWED_ORIGINS");
        let cert = values["TLS_CA_SIGNED_CERT_FILE"].is_empty();
        let key = values["TLS_CA_SIGNED_KEY_FILE"].is_empty();
        if cert != key {
            return Err(invalid(
                "TLS_CA_SIGNED_KEY_FILE",
                &values["TLS_CA_SIGNED_KEY_FILE"],
                "set both TLS_CA_SIGNED_CERT_FILE and TLS_CA_SIGNED_KEY_FILE, or neither".into(),
            ));
        }
        Ok(Config {
            root: root.to_path_buf(),
            values,
            auth_mode,
            clients,
            redirect_uris,
            allowed_hosts,
            allowed_origins,
            unknown_keys,
        })
    }

    /// Every key with its default, for `.env.example` checks and documentation.
    pub fn keys() -> impl Iterator<Item = (&'static str, &'static str)> {
        SPECS.iter().map(|s| (s.key, s.default))
    }
}

fn check(kind: Kind, value: &str) -> Result<(), String> {
    match kind {
        Kind::Text => Ok(()),
        Kind::Int { min, max } => match value.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(()),
            Ok(_) => Err(format!("allowed: a whole number from {min} to {max}")),
            Err(_) => Err(format!("not a number; allowed: a whole number from {min} to {max}")),
        },
        Kind::Flag => match value {
            "0" | "1" => Ok(()),
            _ => Err("allowed: 0 or 1".into()),
        },
        Kind::Choice(options) => {
            if options.contains(&value) {
                Ok(())
            } else {
                Err(format!("allowed: {}", options.join(", ")))
            }
        }
        Kind::UrlPath => {
            if value.starts_with('/') && !value.contains(char::is_whitespace) && !value.contains("..") {
                Ok(())
            } else {
                Err("allowed: an absolute URL path such as /mcp".into())
            }
        }
        Kind::JsonMap => match serde_json::from_str::<serde_json::Value>(value) {
            Ok(serde_json::Value::Object(_)) => Ok(()),
            _ => Err("allowed: a JSON object {\"client\": [\"https://...\", ...]}".into()),
        },
    }
}

fn parse_clients(raw: &str, mode: AuthMode) -> Result<Vec<ClientSpec>, String> {
    let mut out: Vec<ClientSpec> = Vec::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let fields: Vec<&str> = entry.split(':').collect();
        let (name, subject, profile, client_mode) = match (fields.as_slice(), mode) {
            ([n, s, p], AuthMode::Both) => (*n, *s, *p, AuthMode::Both),
            ([n, s, p], m) => (*n, *s, *p, m),
            ([n, s, p, m], AuthMode::Both) => {
                let m = AuthMode::parse(m).ok_or_else(|| format!("client '{n}': auth mode '{m}'; allowed: jwt, oauth2, jwt+oauth2"))?;
                (*n, *s, *p, m)
            }
            ([n, _, _, _], m) => {
                return Err(format!("client '{n}' has 4 fields, but a fourth (auth mode) is only allowed when AUTH_MODE=jwt+oauth2 (it is {})", m.as_str()))
            }
            _ => return Err(format!("'{entry}': expected name:subject:profile (or name:subject:profile:auth_mode with AUTH_MODE=jwt+oauth2)")),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("client name '{name}': use letters, digits and hyphens"));
        }
        if subject.is_empty() || profile.is_empty() {
            return Err(format!("client '{name}': subject and profile must not be empty"));
        }
        if out.iter().any(|c| c.name == name) {
            return Err(format!("client '{name}' is listed twice"));
        }
        out.push(ClientSpec {
            name: name.into(),
            subject: subject.into(),
            profile: profile.into(),
            mode: client_mode,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), text).unwrap();
        Config::load(dir.path())
    }

    #[test]
    fn defaults_apply_and_env_file_values_win_over_the_process_environment() {
        std::env::set_var("AUTH_ISSUER", "from-process-env");
        let c = load("# comment\nAUTH_ISSUER=from-dotenv\n").unwrap();
        assert_eq!(c.get("AUTH_ISSUER"), "from-dotenv");
        assert_eq!(c.get("MCP_SERVER_PORT"), "8443");
        assert_eq!(c.auth_mode, AuthMode::Jwt);
        let c = load("").unwrap();
        assert_eq!(c.get("AUTH_ISSUER"), "ai-bridge", "the process environment is ignored");
    }

    #[test]
    fn wrong_values_name_the_key_line_and_what_is_allowed() {
        let e = load("MCP_SERVER_PORT=8443\nAUTH_RSA_KEY_SIZE=1024\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2: AUTH_RSA_KEY_SIZE=\"1024\""), "{e}");
        assert!(e.contains("allowed: 2048, 3072, 4096"), "{e}");
        let e = load("AUTH_MODE=saml\n").unwrap_err().to_string();
        assert!(e.contains("allowed: jwt, oauth2, jwt+oauth2"), "{e}");
        let e = load("\n\nMCP_SERVER_PORT=eighty\n").unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("not a number"), "{e}");
        let e = load("AUTH_CLIENTS=a:s:admin:jwt\n").unwrap_err().to_string();
        assert!(e.contains("only allowed when AUTH_MODE=jwt+oauth2"), "{e}");
        let e = load("AUTH_CLIENTS=a:s:admin,a:t:operator\n").unwrap_err().to_string();
        assert!(e.contains("listed twice"), "{e}");
        let e = load("AUTH_CLIENTS=bad_name:s:admin\n").unwrap_err().to_string();
        assert!(e.contains("letters, digits and hyphens"), "{e}");
    }

    #[test]
    fn env_example_lists_every_key_with_its_default_and_parses() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../.env.example")).unwrap();
        for (key, default) in Config::keys() {
            let line = text
                .lines()
                .find(|l| l.starts_with(&format!("{key}=")))
                .unwrap_or_else(|| panic!("{key} missing"));
            let value = line[key.len() + 1..].trim_matches('"');
            if key != "PROJECT_VERSION" {
                assert_eq!(value, default, "{key}");
            }
        }
        load(&text).unwrap();
    }

    #[test]
    fn clients_parse_per_mode_and_unknown_keys_are_collected() {
        let c = load("AUTH_MODE=jwt+oauth2\nAUTH_CLIENTS=\"claude:alice:admin:jwt, ci-bot:bot:auditor:oauth2,both:b:operator\"\nFOO=bar\n").unwrap();
        assert_eq!(c.clients.len(), 3);
        assert_eq!(c.clients[0].mode, AuthMode::Jwt);
        assert_eq!(c.clients[1].mode, AuthMode::OAuth2);
        assert_eq!(c.clients[2].mode, AuthMode::Both);
        assert_eq!(c.unknown_keys, vec![("FOO".to_string(), 3)]);
    }
}

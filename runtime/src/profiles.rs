//! RBAC profiles (`profiles/<name>.json`): what a client may call, per product, and its rate
//! limits. Loading validates every key and type (strict: errors with the file, JSON path and
//! reason; lenient: warnings). Matching denies by default. Loading from disk and hot reload
//! live in `profile_store`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    pub rate_limit: Option<u32>,
    pub allowed_prefixes: Vec<String>,
    pub allowed_exact: Vec<String>,
    pub allowed_device_classes: Vec<String>,
    pub allowed_statuses: Vec<String>,
    /// `credentials` section: `store`, `update`, `delete` (listing is always allowed).
    pub allowed_actions: Vec<String>,
    pub screenshot: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub product_scope: Vec<String>,
    /// product -> section name (`axl`, `ris`, `ssh`, `cupi`, `phone`) -> rules
    pub products: BTreeMap<String, BTreeMap<String, Section>>,
    pub report_rate_limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {path}: {reason}")]
pub struct ProfileProblem {
    pub file: String,
    pub path: String,
    pub reason: String,
}

const PRODUCTS: [&str; 3] = ["cucm", "imp", "cuc"];
const SECTIONS: [&str; 6] = ["axl", "ris", "ssh", "cupi", "phone", "credentials"];
/// `trust_host_key`: deciding on an SSH host key the first time a host is seen.
const CREDENTIAL_ACTIONS: [&str; 4] = ["store", "update", "delete", "trust_host_key"];

fn strings(v: &Value, file: &str, path: &str, problems: &mut Vec<ProfileProblem>) -> Vec<String> {
    match v.as_array() {
        Some(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, x)| match x.as_str() {
                Some(s) => Some(s.to_string()),
                None => {
                    problems.push(ProfileProblem {
                        file: file.into(),
                        path: format!("{path}[{i}]"),
                        reason: "expected a string".into(),
                    });
                    None
                }
            })
            .collect(),
        None => {
            problems.push(ProfileProblem {
                file: file.into(),
                path: path.into(),
                reason: "expected an array of strings".into(),
            });
            Vec::new()
        }
    }
}

fn section(v: &Value, file: &str, path: &str, problems: &mut Vec<ProfileProblem>) -> Section {
    let mut s = Section::default();
    let Some(obj) = v.as_object() else {
        problems.push(ProfileProblem {
            file: file.into(),
            path: path.into(),
            reason: "expected an object".into(),
        });
        return s;
    };
    for (k, v) in obj {
        let here = format!("{path}.{k}");
        match k.as_str() {
            "rate_limit" => match v.as_u64() {
                Some(n) if RATE_LIMITS.contains(&n) => s.rate_limit = Some(n as u32),
                _ => problems.push(ProfileProblem {
                    file: file.into(),
                    path: here,
                    reason: "expected a whole number of requests per minute (1-100000)".into(),
                }),
            },
            "allowed_prefixes" => s.allowed_prefixes = strings(v, file, &here, problems),
            "allowed_exact" => s.allowed_exact = strings(v, file, &here, problems),
            "allowed_device_classes" => s.allowed_device_classes = strings(v, file, &here, problems),
            "allowed_statuses" => s.allowed_statuses = strings(v, file, &here, problems),
            "allowed_actions" => {
                s.allowed_actions = strings(v, file, &here, problems);
                for (i, a) in s.allowed_actions.iter().enumerate() {
                    if !CREDENTIAL_ACTIONS.contains(&a.as_str()) {
                        problems.push(ProfileProblem {
                            file: file.into(),
                            path: format!("{here}[{i}]"),
                            reason: format!("unknown action '{a}'; allowed: {}", CREDENTIAL_ACTIONS.join(", ")),
                        });
                    }
                }
            }
            "screenshot" => match v.as_bool() {
                Some(b) => s.screenshot = b,
                None => problems.push(ProfileProblem {
                    file: file.into(),
                    path: here,
                    reason: "expected true or false".into(),
                }),
            },
            other => problems.push(ProfileProblem {
                file: file.into(),
                path: here,
                reason: format!("unknown key '{other}'"),
            }),
        }
    }
    s
}

/// Requests per minute a profile may set, for every category (0 would deny silently).
const RATE_LIMITS: std::ops::RangeInclusive<u64> = 1..=100_000;

/// Parses one profile; every problem is reported (strict callers refuse on any).
pub fn parse(name: &str, file: &str, text: &str) -> (Profile, Vec<ProfileProblem>) {
    let mut problems = Vec::new();
    let mut p = Profile {
        name: name.into(),
        ..Default::default()
    };
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            problems.push(ProfileProblem {
                file: file.into(),
                path: "$".into(),
                reason: format!("not valid JSON: {e}"),
            });
            return (p, problems);
        }
    };
    let Some(obj) = v.as_object() else {
        problems.push(ProfileProblem {
            file: file.into(),
            path: "$".into(),
            reason: "expected an object".into(),
        });
        return (p, problems);
    };
    for (k, v) in obj {
        let here = format!("$.{k}");
        match k.as_str() {
            "description" => match v.as_str() {
                Some(d) => p.description = d.into(),
                None => problems.push(ProfileProblem {
                    file: file.into(),
                    path: here,
                    reason: "expected a string".into(),
                }),
            },
            "product_scope" => {
                p.product_scope = strings(v, file, &here, &mut problems);
                for (i, prod) in p.product_scope.iter().enumerate() {
                    if !PRODUCTS.contains(&prod.as_str()) {
                        problems.push(ProfileProblem {
                            file: file.into(),
                            path: format!("{here}[{i}]"),
                            reason: format!("unknown product '{prod}'; allowed: cucm, imp, cuc"),
                        });
                    }
                }
            }
            "common" => match v
                .get("report")
                .and_then(|r| r.get("rate_limit"))
                .and_then(Value::as_u64)
            {
                Some(n) if RATE_LIMITS.contains(&n) && v.as_object().is_some_and(|o| o.len() == 1) => {
                    p.report_rate_limit = Some(n as u32)
                }
                _ => problems.push(ProfileProblem {
                    file: file.into(),
                    path: here,
                    reason: "expected {\"report\": {\"rate_limit\": N}} with N from 1 to 100000".into(),
                }),
            },
            prod if PRODUCTS.contains(&prod) => {
                let Some(sections) = v.as_object() else {
                    problems.push(ProfileProblem {
                        file: file.into(),
                        path: here,
                        reason: "expected an object".into(),
                    });
                    continue;
                };
                let entry = p.products.entry(prod.to_string()).or_default();
                for (sname, sv) in sections {
                    let spath = format!("{here}.{sname}");
                    if SECTIONS.contains(&sname.as_str()) {
                        entry.insert(sname.clone(), section(sv, file, &spath, &mut problems));
                    } else {
                        problems.push(ProfileProblem {
                            file: file.into(),
                            path: spath,
                            reason: format!("unknown section '{sname}'; allowed: {}", SECTIONS.join(", ")),
                        });
                    }
                }
            }
            other => problems.push(ProfileProblem {
                file: file.into(),
                path: here,
                reason: format!("unknown key '{other}'"),
            }),
        }
    }
    (p, problems)
}

/// The default profiles shipped in the binary (the repository's `profiles/_default/`).
pub const SHIPPED: [(&str, &str); 3] = [
    ("admin.json", include_str!("../../profiles/_default/admin.json")),
    ("operator.json", include_str!("../../profiles/_default/operator.json")),
    ("auditor.json", include_str!("../../profiles/_default/auditor.json")),
];

/// Writes the shipped defaults to `profiles/_default/` (refreshed on every start), then
/// copies each `_default/*.json` into `profiles/` where no profile of that name exists yet.
pub fn install_shipped_defaults(profiles_dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let defaults = profiles_dir.join("_default");
    std::fs::create_dir_all(&defaults)?;
    for (name, text) in SHIPPED {
        crate::fsutil::write_atomic(&defaults.join(name), text.as_bytes(), false)?;
    }
    install_defaults(profiles_dir)
}

/// Copies `profiles/_default/*.json` into `profiles/` where no profile of that name exists yet.
pub fn install_defaults(profiles_dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let defaults = profiles_dir.join("_default");
    let mut copied = Vec::new();
    let Ok(entries) = std::fs::read_dir(&defaults) else {
        return Ok(copied);
    };
    for e in entries.flatten() {
        let target = profiles_dir.join(e.file_name());
        if e.path().extension().is_some_and(|x| x == "json") && !target.exists() {
            std::fs::copy(e.path(), &target)?;
            copied.push(target);
        }
    }
    Ok(copied)
}

impl Profile {
    fn section(&self, product: &str, name: &str) -> Option<&Section> {
        if !self.product_scope.iter().any(|p| p == product) {
            return None;
        }
        self.products.get(product)?.get(name)
    }

    /// An AXL operation: an exact name, or one starting with an allowed prefix. Case matters:
    /// `GetPhone` is not `getPhone`.
    pub fn allows_axl(&self, product: &str, operation: &str) -> bool {
        self.section(product, "axl").is_some_and(|s| {
            s.allowed_exact.iter().any(|e| e == operation)
                || s.allowed_prefixes
                    .iter()
                    .any(|p| !p.is_empty() && operation.starts_with(p.as_str()))
        })
    }

    /// A CLI command: one line of printable text without shell-like separators, equal to an
    /// allowed prefix or starting with it followed by a space (`showx` is not `show`).
    pub fn allows_ssh(&self, product: &str, command: &str) -> Result<(), String> {
        if command.is_empty() || command.chars().any(|c| c.is_control()) {
            return Err("the command must be one line of printable characters".into());
        }
        if command.ends_with('\\') || command.contains([';', '|', '&', '`', '$', '>', '<']) {
            return Err("the command contains a separator or continuation (; | & ` $ > < or a trailing \\)".into());
        }
        let Some(s) = self.section(product, "ssh") else {
            return Err(format!("the profile allows no {product} CLI commands"));
        };
        let cmd = command.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.allowed_prefixes
            .iter()
            .any(|p| cmd == *p || cmd.starts_with(&format!("{p} ")))
        {
            Ok(())
        } else {
            Err(format!("'{cmd}' is not an allowed {product} CLI command"))
        }
    }

    /// A RIS query's device class and status. A profile filter that is absent or empty
    /// allows every value; a query without a value asks for `Any`.
    pub fn allows_ris(&self, product: &str, device_class: Option<&str>, status: Option<&str>) -> bool {
        let Some(s) = self.section(product, "ris") else {
            return false;
        };
        let ok = |allowed: &[String], v: Option<&str>| match v {
            _ if allowed.is_empty() => true,
            None => allowed.iter().any(|a| a == "Any"),
            Some(v) => allowed.iter().any(|a| a == "Any" || a.eq_ignore_ascii_case(v)),
        };
        ok(&s.allowed_device_classes, device_class) && ok(&s.allowed_statuses, status)
    }

    /// Storing, updating or deleting this product's credentials.
    pub fn allows_credentials(&self, product: &str, action: &str) -> bool {
        self.section(product, "credentials")
            .is_some_and(|s| s.allowed_actions.iter().any(|a| a == action))
    }

    /// Whether the profile has this section for the product (and the product in scope).
    pub fn has_section(&self, product: &str, name: &str) -> bool {
        self.section(product, name).is_some()
    }

    /// The requests per minute for a product's section (`None` when the section is absent).
    pub fn rate_limit(&self, product: &str, name: &str) -> Option<Option<u32>> {
        self.section(product, name).map(|s| s.rate_limit)
    }

    pub fn allows_screenshot(&self, product: &str) -> bool {
        self.section(product, "phone").is_some_and(|s| s.screenshot)
    }

    /// A CUPI request: `<METHOD> <path>` (method in capitals) on the normalised path, which
    /// must not hide `..`, encoded dots or slashes, or backslashes.
    pub fn allows_cupi(&self, method: &str, path: &str) -> Result<(), String> {
        let normal = normalise_path(path)?;
        if method.is_empty() || method != method.to_ascii_uppercase() {
            return Err(format!(
                "method '{method}' must be GET, POST, PUT or DELETE in capitals"
            ));
        }
        let Some(s) = self.section("cuc", "cupi") else {
            return Err("the profile allows no CUPI requests".into());
        };
        let request = format!("{method} {normal}");
        let allowed = s.allowed_prefixes.iter().any(|p| {
            request == *p
                || (request.starts_with(p.as_str()) && (p.ends_with('/') || request[p.len()..].starts_with(['/', '?'])))
        });
        if allowed {
            Ok(())
        } else {
            Err(format!("'{request}' is not allowed by the profile"))
        }
    }
}

/// Decodes once and refuses paths that try to escape or disguise themselves.
pub fn normalise_path(path: &str) -> Result<String, String> {
    let lower = path.to_ascii_lowercase();
    if lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c") || path.contains('\\') {
        return Err(format!("path '{path}' contains encoded dots, slashes or backslashes"));
    }
    if !path.starts_with('/') {
        return Err(format!("path '{path}' must start with /"));
    }
    let (p, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    if p.split('/').any(|seg| seg == ".." || seg == ".") || p.contains("//") {
        return Err(format!("path '{path}' contains . or .. segments"));
    }
    Ok(match query {
        Some(q) => format!("{p}?{q}"),
        None => p.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default(name: &str) -> Profile {
        let file = format!("{}/../profiles/_default/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let (p, problems) = parse(name, &file, &std::fs::read_to_string(&file).unwrap());
        assert!(problems.is_empty(), "{problems:?}");
        p
    }

    #[test]
    fn default_profiles_follow_the_table() {
        let (admin, operator, auditor) = (default("admin"), default("operator"), default("auditor"));
        assert!(admin.allows_axl("cucm", "executeSQLUpdate") && admin.allows_axl("cucm", "doLdapSync"));
        assert!(!operator.allows_axl("cucm", "executeSQLUpdate") && operator.allows_axl("cucm", "updatePhone"));
        assert!(!operator.allows_axl("cucm", "updateLine") && operator.allows_axl("cucm", "executeSQLQuery"));
        assert!(!auditor.allows_axl("cucm", "addPhone") && auditor.allows_axl("cucm", "listPhone"));
        assert!(!auditor.allows_axl("cucm", "GetPhone"), "case matters");
        assert!(operator.allows_ssh("cucm", "show version active").is_ok());
        assert!(operator.allows_ssh("cucm", "utils service list").is_err());
        assert!(auditor.allows_ssh("cucm", "utils service list").is_ok());
        assert!(auditor.allows_ssh("cucm", "utils system restart").is_err());
        assert!(
            operator.allows_ris("cucm", Some("Phone"), Some("Registered"))
                && !operator.allows_ris("cucm", Some("Gateway"), None)
        );
        assert!(
            auditor.allows_cupi("GET", "/vmrest/users").is_ok()
                && auditor.allows_cupi("PUT", "/vmrest/users/1").is_err()
        );
        assert!(
            operator.allows_cupi("PUT", "/vmrest/users/abc").is_ok()
                && operator.allows_cupi("PUT", "/vmrest/usersx").is_err()
        );
        assert_eq!(
            (
                admin.section("cucm", "axl").unwrap().rate_limit,
                admin.section("cucm", "ssh").unwrap().rate_limit
            ),
            (Some(60), Some(5))
        );
        assert_eq!(auditor.section("cucm", "phone").unwrap().rate_limit, Some(5));
    }

    #[test]
    fn ssh_commands_are_checked_at_word_boundaries_and_for_tricks() {
        let op = default("operator");
        for bad in [
            "showx",
            "show version\nutils system restart",
            "show version; x",
            "show \u{1b}[2J",
            "show version \\",
            "",
        ] {
            assert!(op.allows_ssh("cucm", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cupi_paths_are_normalised_before_matching() {
        let auditor = default("auditor");
        assert!(auditor.allows_cupi("GET", "/vmrest/users").is_ok());
        for (m, p) in [
            ("GET", "/vmrest/../vmrest/users"),
            ("get", "/vmrest/users"),
            ("GET", "/vmrest/%2e%2e/x"),
            ("GET", "/vmrest//users"),
            ("GET", "/vmrest\\users"),
        ] {
            assert!(auditor.allows_cupi(m, p).is_err(), "{m} {p}");
        }
    }

    #[test]
    fn strict_parsing_names_file_path_and_reason() {
        let (_, problems) = parse(
            "x",
            "profiles/x.json",
            r#"{"description": 3, "cucm": {"axl": {"rate_limit": "fast", "allowed_prefixes": ["get", 7]}, "sshh": {}}, "colour": "red"}"#,
        );
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(
            text.contains(&"profiles/x.json: $.description: expected a string".to_string()),
            "{text:?}"
        );
        assert!(text
            .iter()
            .any(|t| t.contains("$.cucm.axl.rate_limit: expected a whole number")));
        assert!(text
            .iter()
            .any(|t| t.contains("$.cucm.axl.allowed_prefixes[1]: expected a string")));
        assert!(text.iter().any(|t| t.contains("$.cucm.sshh: unknown section 'sshh'")));
        assert!(text.iter().any(|t| t.contains("$.colour: unknown key 'colour'")));
        // A zero limit would silently deny everything: refused like the per-product ones.
        let (_, problems) = parse("y", "profiles/y.json", r#"{"common": {"report": {"rate_limit": 0}}}"#);
        assert!(
            problems[0]
                .to_string()
                .contains("$.common: expected {\"report\": {\"rate_limit\": N}} with N from 1"),
            "{problems:?}"
        );
    }

    #[test]
    fn defaults_are_copied_without_overwriting_custom_profiles() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("_default")).unwrap();
        std::fs::write(dir.path().join("_default/admin.json"), "{}").unwrap();
        std::fs::write(dir.path().join("_default/auditor.json"), "{}").unwrap();
        std::fs::write(dir.path().join("admin.json"), "{\"description\": \"custom\"}").unwrap();
        let copied = install_defaults(dir.path()).unwrap();
        assert_eq!(copied, vec![dir.path().join("auditor.json")]);
        assert!(std::fs::read_to_string(dir.path().join("admin.json"))
            .unwrap()
            .contains("custom"));
    }
}

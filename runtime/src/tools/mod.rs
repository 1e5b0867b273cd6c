//! The MCP tools. Each [`ToolDef`] says which profile permission makes it visible
//! ([`Access`]) and which rate-limit budget it spends ([`Limit`]); `mcp.rs` checks both,
//! in one place, before a handler runs, and audits every call.

pub mod axl;
pub mod bridge;
pub mod credentials;
pub mod cupi;
pub mod phone;
pub mod ris;
pub mod ssh;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::config::Config;
use crate::limits::Category;
use crate::profiles::Profile;
use crate::state::{AppState, AuthedClient};

/// What a handler sees: the server, the caller and the caller's profile at call time.
#[derive(Clone)]
pub struct Ctx {
    pub state: Arc<AppState>,
    pub client: AuthedClient,
    pub profile: Arc<Profile>,
}

/// A failed tool call; the text goes back to the agent as the tool's error result.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("ProfilePermissionError: {0}")]
    Permission(String),
    #[error("RateLimitError: the {category} limit of {limit} requests per minute for this client is reached; retry in {wait} s")]
    RateLimited {
        category: &'static str,
        limit: u32,
        wait: u64,
    },
    #[error("InvalidArguments: {0}")]
    InvalidArguments(String),
    #[error("{0}")]
    Failed(String),
}

impl ToolError {
    /// The outcome word in audit.log.
    pub fn outcome(&self) -> &'static str {
        match self {
            ToolError::Permission(_) => "denied",
            ToolError::RateLimited { .. } => "rate_limited",
            ToolError::InvalidArguments(_) => "invalid_arguments",
            ToolError::Failed(_) => "error",
        }
    }
}

impl From<crate::cucm::CucmError> for ToolError {
    fn from(e: crate::cucm::CucmError) -> Self {
        ToolError::Failed(e.to_string())
    }
}

impl From<crate::credentials::CredentialError> for ToolError {
    fn from(e: crate::credentials::CredentialError) -> Self {
        ToolError::Failed(e.to_string())
    }
}

/// The permission a tool needs; without it the tool is not listed and a call is refused.
#[derive(Debug, Clone)]
pub enum Access {
    Anyone,
    /// A credentials action (`store`, `update`, `delete`) for a product.
    Credentials {
        product: &'static str,
        action: &'static str,
    },
    /// Some AXL operation of the product (the operation itself is checked per call).
    Axl {
        product: &'static str,
    },
    /// One AXL operation (a typed tool).
    AxlOperation {
        product: &'static str,
        operation: &'static str,
    },
    Ris {
        product: &'static str,
    },
    /// The product's platform CLI (the command itself is checked per call).
    Ssh {
        product: &'static str,
    },
    Screenshot {
        product: &'static str,
    },
    /// Some CUPI method and path (each request is checked per call).
    Cupi {
        product: &'static str,
    },
}

impl Access {
    pub fn check(&self, p: &Profile) -> Result<(), String> {
        let ok = match self {
            Access::Anyone => true,
            Access::Credentials { product, action } => p.allows_credentials(product, action),
            Access::Axl { product } => p.has_section(product, "axl"),
            Access::AxlOperation { product, operation } => p.allows_axl(product, operation),
            Access::Ris { product } => p.has_section(product, "ris"),
            Access::Ssh { product } => p.has_section(product, "ssh"),
            Access::Screenshot { product } => p.allows_screenshot(product),
            Access::Cupi { product } => p.has_section(product, "cupi"),
        };
        if ok {
            return Ok(());
        }
        Err(match self {
            Access::Anyone => unreachable!("always allowed"),
            Access::Credentials { product, action } => {
                format!("profile '{}' may not {action} {product} credentials", p.name)
            }
            Access::Axl { product } => format!("profile '{}' allows no {product} AXL operations", p.name),
            Access::AxlOperation { product, operation } => {
                format!(
                    "profile '{}' does not allow the {product} AXL operation '{operation}'",
                    p.name
                )
            }
            Access::Ris { product } => format!("profile '{}' allows no {product} RIS queries", p.name),
            Access::Ssh { product } => format!("profile '{}' allows no {product} CLI commands", p.name),
            Access::Screenshot { product } => format!("profile '{}' allows no phone screenshots via {product}", p.name),
            Access::Cupi { product } => format!("profile '{}' allows no {product} CUPI requests", p.name),
        })
    }
}

/// The budget a call spends.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    /// A product section's `rate_limit` (AXL, RIS, SSH, Phone, CUPI).
    Product(&'static str, Category),
    /// `common.report.rate_limit`: tools that do not reach a Cisco host.
    Common,
}

impl Limit {
    /// (budget key product, category, requests per minute) for this profile.
    pub fn resolve(self, p: &Profile, config: &Config) -> (&'static str, Category, u32) {
        let default = config.int("PROFILE_DEFAULT_RATE_LIMIT") as u32;
        match self {
            Limit::Product(product, category) => {
                let section = match category {
                    Category::Axl => "axl",
                    Category::Ssh => "ssh",
                    Category::Ris => "ris",
                    Category::Phone => "phone",
                    Category::Cupi => "cupi",
                    Category::Common => "",
                };
                let n = p.rate_limit(product, section).flatten().unwrap_or(default);
                (product, category, n)
            }
            Limit::Common => ("", Category::Common, p.report_rate_limit.unwrap_or(default)),
        }
    }
}

/// An image returned beside the structured result (MCP image content).
#[derive(Debug, Clone)]
pub struct Image {
    pub mime: &'static str,
    pub data: Vec<u8>,
}

/// What a tool returns: the structured result, and images for tools that show something.
#[derive(Debug, Clone)]
pub struct ToolOutput {
    pub value: Value,
    pub images: Vec<Image>,
}

pub type ToolFuture = Pin<Box<dyn Future<Output = Result<ToolOutput, ToolError>> + Send>>;
type Handler = Arc<dyn Fn(Ctx, Map<String, Value>) -> ToolFuture + Send + Sync>;

/// One tool: its MCP description, who may use it, what it costs, and what runs it.
#[derive(Clone)]
pub struct ToolDef {
    pub name: String,
    pub description: String,
    pub input_schema: Value,
    pub access: Access,
    pub limit: Limit,
    /// For typed tools: the AXL operation, written to audit.log.
    pub operation: Option<&'static str>,
    pub(crate) handler: Handler,
}

impl ToolDef {
    pub fn new<F, Fut>(
        name: impl Into<String>,
        description: impl Into<String>,
        input_schema: Value,
        access: Access,
        limit: Limit,
        f: F,
    ) -> Self
    where
        F: Fn(Ctx, Map<String, Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, ToolError>> + Send + 'static,
    {
        ToolDef::with_images(name, description, input_schema, access, limit, move |c, a| {
            let fut = f(c, a);
            async move {
                fut.await.map(|value| ToolOutput {
                    value,
                    images: Vec::new(),
                })
            }
        })
    }

    /// A tool whose handler also returns images.
    pub fn with_images<F, Fut>(
        name: impl Into<String>,
        description: impl Into<String>,
        input_schema: Value,
        access: Access,
        limit: Limit,
        f: F,
    ) -> Self
    where
        F: Fn(Ctx, Map<String, Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ToolOutput, ToolError>> + Send + 'static,
    {
        ToolDef {
            name: name.into(),
            description: description.into(),
            input_schema,
            access,
            limit,
            operation: None,
            handler: Arc::new(move |c, a| Box::pin(f(c, a))),
        }
    }
}

/// Every tool of this installation (typed AXL tools from MCP_TYPED_TOOLS included).
pub fn all(config: &Config) -> Result<Vec<ToolDef>, String> {
    let mut tools = bridge::tools();
    tools.extend(credentials::tools());
    tools.extend(axl::tools());
    tools.extend(ris::tools());
    tools.extend(ssh::tools());
    tools.extend(phone::tools());
    tools.extend(cupi::tools());
    tools.extend(axl::typed_tools(config.get("MCP_TYPED_TOOLS"))?);
    Ok(tools)
}

/// A required string argument.
pub fn text_arg(args: &Map<String, Value>, key: &str) -> Result<String, ToolError> {
    match args.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Some(Value::String(_)) | None | Some(Value::Null) => Err(ToolError::InvalidArguments(format!(
            "$.{key}: required (a non-empty string)"
        ))),
        Some(_) => Err(ToolError::InvalidArguments(format!("$.{key}: expected a string"))),
    }
}

/// An optional string argument.
pub fn opt_text_arg(args: &Map<String, Value>, key: &str) -> Result<Option<String>, ToolError> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => text_arg(args, key).map(Some),
    }
}

/// An optional whole-number argument within bounds.
pub fn opt_int_arg(args: &Map<String, Value>, key: &str, min: u64, max: u64) -> Result<Option<u64>, ToolError> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ToolError::InvalidArguments(format!(
                "$.{key}: expected a whole number from {min} to {max}"
            ))),
        },
    }
}

/// Refuses argument keys the tool does not know (typos must not be silently ignored).
pub fn only_keys(args: &Map<String, Value>, allowed: &[&str]) -> Result<(), ToolError> {
    let unknown: Vec<&str> = args
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(ToolError::InvalidArguments(format!(
            "unknown argument(s) {}; expected: {}",
            unknown.join(", "),
            allowed.join(", ")
        )))
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port` (no scheme, user or path) -> (host, port).
pub fn split_host(host: &str, default_port: u16) -> Result<(String, u16), ToolError> {
    let bad = || {
        ToolError::InvalidArguments(format!(
            "$.host: '{host}' is not a host name, IPv4 address or [IPv6] address with an optional :port"
        ))
    };
    if host.is_empty()
        || host.len() > 255
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    {
        return Err(bad());
    }
    if let Some(rest) = host.strip_prefix('[') {
        let (addr, after) = rest.split_once(']').ok_or_else(bad)?;
        let port = match after {
            "" => default_port,
            p => p.strip_prefix(':').and_then(|p| p.parse().ok()).ok_or_else(bad)?,
        };
        return Ok((addr.to_ascii_lowercase(), port));
    }
    match host.split_once(':') {
        None => Ok((host.to_ascii_lowercase(), default_port)),
        Some((h, p)) if !h.is_empty() && !p.contains(':') => {
            Ok((h.to_ascii_lowercase(), p.parse().map_err(|_| bad())?))
        }
        _ => Err(bad()),
    }
}

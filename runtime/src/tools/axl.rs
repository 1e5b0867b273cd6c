//! AXL tools, for CUCM (`cucm_*`) and IM and Presence (`imp_*`) alike: the host's version, a
//! connectivity check, the operations a profile allows with their typed schemas, and calls with
//! arguments validated against the typed request before anything is sent. Optional typed tools
//! (MCP_TYPED_TOOLS) expose single CUCM operations.

use std::time::Duration;

use serde_json::{json, Map, Value};
use uc_wire::OperationDescriptor;

use super::{only_keys, opt_int_arg, opt_text_arg, text_arg, Access, Ctx, Limit, ToolDef, ToolError};
use crate::credentials::{Credential, CredentialStore, Kind};
use crate::cucm::{self, AxlProduct, CUCM, IMP};
use crate::limits::Category;

const MAX_ROWS: u64 = 100_000;

/// The newest compiled schema of the product, else an error saying none was compiled.
fn newest(p: &AxlProduct) -> Result<&'static str, ToolError> {
    p.newest().ok_or_else(|| {
        ToolError::Failed(format!(
            "no {} AXL toolkit was compiled into this build (schemas/{}/<version>/)",
            p.label,
            if p.product == "cucm" { "axl" } else { p.product }
        ))
    })
}

/// The operation in some compiled version, else an error suggesting near names.
fn known(p: &AxlProduct, name: &str) -> Result<(), ToolError> {
    if p.versions.iter().any(|v| p.find(v, name).is_some()) {
        return Ok(());
    }
    let lower = name.to_ascii_lowercase();
    let near: Vec<&str> = (p.operations)(newest(p)?)
        .unwrap_or(&[])
        .iter()
        .filter(|o| o.name.to_ascii_lowercase() == lower)
        .map(|o| o.name)
        .collect();
    Err(ToolError::InvalidArguments(if near.is_empty() {
        format!(
            "unknown {} AXL operation '{name}' ({}_list_axl_operations lists them)",
            p.label, p.product
        )
    } else {
        format!(
            "unknown AXL operation '{name}'; names are case-sensitive: did you mean '{}'?",
            near.join("', '")
        )
    }))
}

fn credential(p: &AxlProduct, ctx: &Ctx, host: &str) -> Result<Credential, ToolError> {
    let store = CredentialStore::open(&ctx.state.config, &ctx.client.name)?;
    store.get(host, Kind::Axl).cloned().ok_or_else(|| {
        ToolError::Failed(format!(
            "no AXL credentials are stored for {host}; store them with {}_store_credentials",
            p.product
        ))
    })
}

/// (host version, compiled schema version) for a host, asking it when not known yet.
async fn host_schema(
    p: &AxlProduct,
    ctx: &Ctx,
    host: &str,
    cred: &Credential,
) -> Result<(String, &'static str), ToolError> {
    let full = match ctx.state.cisco.known_version(host) {
        Some(v) => v,
        None => {
            ctx.state
                .cisco
                .fetch_version(p, &ctx.state.config, &ctx.client.name, host, cred)
                .await?
        }
    };
    let schema = p.schema_for(host, &full)?;
    Ok((full, schema))
}

/// The schema for a host whose version is known, else the newest compiled one.
fn schema_of(p: &AxlProduct, ctx: &Ctx, host: Option<String>) -> Result<(&'static str, Option<String>), ToolError> {
    match host.and_then(|h| ctx.state.cisco.known_version(&h).map(|full| (h, full))) {
        Some((h, full)) => Ok((p.schema_for(&h, &full)?, Some(full))),
        None => Ok((newest(p)?, None)),
    }
}

/// Validates and sends one AXL operation (paging list operations when asked for more rows).
pub async fn run(
    p: &'static AxlProduct,
    ctx: &Ctx,
    host: &str,
    operation: &str,
    arguments: &Value,
    max_rows: Option<u64>,
) -> Result<Value, ToolError> {
    // Operation names are public (the WSDL), so an unknown one is reported as such first.
    known(p, operation)?;
    if !ctx.profile.allows_axl(p.product, operation) {
        return Err(ToolError::Permission(format!(
            "profile '{}' does not allow the {} AXL operation '{operation}'",
            ctx.profile.name, p.product
        )));
    }
    if !arguments.is_object() {
        return Err(ToolError::InvalidArguments("$.arguments: expected an object".into()));
    }
    let cred = credential(p, ctx, host)?;
    let (full, schema) = host_schema(p, ctx, host, &cred).await?;
    let op = p.find(schema, operation).ok_or_else(|| {
        ToolError::Failed(format!(
            "'{operation}' is not part of AXL {schema}, the schema used for {host} ({} {full})",
            p.label
        ))
    })?;
    let request = uc_wire::json::from_json(op.request, arguments)
        .map_err(|e| ToolError::InvalidArguments(format!("{operation} arguments: {e}")))?;
    let session = ctx
        .state
        .cisco
        .session(p, &ctx.state.config, &ctx.client.name, host, p.path, &cred)?;
    let config = &ctx.state.config;
    let mut out =
        json!({"host": host, format!("{}_version", p.product): full, "axl_version": schema, "operation": operation});
    match max_rows {
        Some(max) if cucm::pages(op) => {
            let page_size = config.int(&p.key("AXL_PAGE_SIZE"));
            let mut skip = arguments.get("skip").and_then(Value::as_u64).unwrap_or(0);
            let mut total = Value::Null;
            let (mut rows, mut pages) = (0u64, 0u64);
            while rows < max {
                let first = page_size.min(max - rows);
                let page_args = cucm::with_page(arguments, skip, first);
                let request = uc_wire::json::from_json(op.request, &page_args)
                    .map_err(|e| ToolError::InvalidArguments(format!("{operation} arguments: {e}")))?;
                let value = cucm::call_with_retries(p, config, &session, host, op, request).await?;
                let got = cucm::merge_page(&mut total, uc_wire::json::to_json(op.response, &value)) as u64;
                rows += got;
                skip += got;
                pages += 1;
                if got < first {
                    break;
                }
            }
            out["response"] = total;
            out["rows"] = json!(rows);
            out["pages"] = json!(pages);
            out["complete"] = json!(rows < max);
        }
        _ => {
            let value = cucm::call_with_retries(p, config, &session, host, op, request).await?;
            out["response"] = uc_wire::json::to_json(op.response, &value);
        }
    }
    Ok(out)
}

fn host_property(p: &AxlProduct) -> Value {
    json!({"type": "string", "description": format!("{} host name or address, optionally with :port", p.label)})
}

/// A typed tool's schema: `host` plus `arguments` of the operation's request type.
fn typed_schema(op: &'static OperationDescriptor) -> Value {
    let mut request = op.input_schema().clone();
    let defs = request.as_object_mut().and_then(|m| {
        m.remove("$schema");
        m.remove("$defs")
    });
    let mut root = json!({
        "$schema": uc_wire::json_schema::DIALECT,
        "type": "object",
        "properties": {"host": host_property(&CUCM), "arguments": request},
        "required": ["host", "arguments"],
        "additionalProperties": false,
    });
    if let Some(d) = defs {
        root["$defs"] = d;
    }
    root
}

/// One tool per operation named in MCP_TYPED_TOOLS (comma-separated), with its typed schema.
pub fn typed_tools(list: &str) -> Result<Vec<ToolDef>, String> {
    let mut tools = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let version = CUCM.newest().unwrap_or("none");
        let Some(op) = CUCM.find(version, name) else {
            return Err(format!(
                "MCP_TYPED_TOOLS: '{name}' is not an AXL {version} operation (names are case-sensitive)"
            ));
        };
        let mut tool = ToolDef::new(
            format!("cucm_axl_{name}"),
            format!(
                "AXL {name} ({}): {}",
                op.effect.as_str(),
                if op.doc.is_empty() {
                    "see the AXL reference"
                } else {
                    op.doc
                }
            ),
            typed_schema(op),
            Access::AxlOperation {
                product: CUCM.product,
                operation: op.name,
            },
            Limit::Product(CUCM.product, Category::Axl),
            move |ctx, args| async move {
                only_keys(&args, &["host", "arguments"])?;
                let host = text_arg(&args, "host")?;
                let arguments = args.get("arguments").cloned().unwrap_or_else(|| json!({}));
                run(&CUCM, &ctx, &host, op.name, &arguments, None).await
            },
        );
        tool.operation = Some(op.name);
        tools.push(tool);
    }
    Ok(tools)
}

async fn check_connectivity(p: &'static AxlProduct, ctx: Ctx, args: Map<String, Value>) -> Result<Value, ToolError> {
    only_keys(&args, &["host"])?;
    let host = text_arg(&args, "host")?;
    let config = &ctx.state.config;
    let base = p.base_url(config, &host)?;
    let authority = base.trim_start_matches("https://").to_string();
    let timeout = Duration::from_secs(config.int(&p.key("AXL_TIMEOUT")).min(15));
    let mut steps = Vec::new();
    let fail = |steps: &mut Vec<Value>, step: &str, message: String| {
        steps.push(json!({"step": step, "ok": false, "message": message}));
        json!({"host": host, "reachable": false, "failed_step": step, "steps": steps})
    };
    // DNS
    let addrs: Vec<std::net::SocketAddr> =
        match tokio::time::timeout(timeout, tokio::net::lookup_host(authority.clone())).await {
            Ok(Ok(a)) => a.collect(),
            Ok(Err(e)) => return Ok(fail(&mut steps, "dns", format!("{authority}: {e}"))),
            Err(_) => return Ok(fail(&mut steps, "dns", format!("no answer within {timeout:?}"))),
        };
    steps
        .push(json!({"step": "dns", "ok": true, "addresses": addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>()}));
    // TCP
    let Some(addr) = addrs.first() else {
        return Ok(fail(&mut steps, "dns", "no address".into()));
    };
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
        Ok(Ok(_)) => steps.push(json!({"step": "tcp", "ok": true, "address": addr.to_string()})),
        Ok(Err(e)) => return Ok(fail(&mut steps, "tcp", format!("{addr}: {e}"))),
        Err(_) => {
            return Ok(fail(
                &mut steps,
                "tcp",
                format!("{addr}: no connection within {timeout:?}"),
            ))
        }
    }
    // TLS, with the same verification the AXL client uses
    let anonymous = Credential {
        username: String::new(),
        password: String::new(),
    };
    let tls_config = p.client_config(config, base.clone(), &anonymous)?;
    match probe_tls(&tls_config, p.path).await {
        Ok(status) => steps.push(json!({"step": "tls", "ok": true, "http_status": status})),
        Err(message) => return Ok(fail(&mut steps, "tls", message)),
    }
    // AXL authentication and version
    let cred = match CredentialStore::open(config, &ctx.client.name)?.get(&host, Kind::Axl) {
        Some(c) => c.clone(),
        None => {
            return Ok(fail(
                &mut steps,
                "axl_auth",
                format!(
                    "no AXL credentials are stored for {host}; store them with {}_store_credentials",
                    p.product
                ),
            ))
        }
    };
    match ctx
        .state
        .cisco
        .fetch_version(p, config, &ctx.client.name, &host, &cred)
        .await
    {
        Ok(version) => steps.push(json!({"step": "axl_auth", "ok": true, "version": version})),
        Err(e) => return Ok(fail(&mut steps, "axl_auth", e.to_string())),
    }
    Ok(json!({"host": host, "reachable": true, "steps": steps}))
}

/// A TLS handshake and one unauthenticated HTTPS request; the status is whatever CUCM answers.
async fn probe_tls(c: &uc_wire::ClientConfig, path: &str) -> Result<u16, String> {
    let mut b = reqwest::Client::builder()
        .connect_timeout(c.connect_timeout)
        .timeout(c.connect_timeout)
        .tls_danger_accept_invalid_certs(c.accept_invalid_certs);
    if let Some(pem) = &c.ca_bundle_pem {
        for cert in reqwest::Certificate::from_pem_bundle(pem).map_err(|e| e.to_string())? {
            b = b.add_root_certificate(cert);
        }
    }
    let client = b.build().map_err(|e| e.to_string())?;
    match client.get(format!("{}{path}", c.base_url)).send().await {
        Ok(r) => Ok(r.status().as_u16()),
        Err(e) => Err(uc_wire::error_chain(&e)),
    }
}

fn list_operations(p: &AxlProduct, ctx: &Ctx, args: &Map<String, Value>) -> Result<Value, ToolError> {
    only_keys(args, &["host", "filter", "effect"])?;
    let filter = opt_text_arg(args, "filter")?.map(|f| f.to_ascii_lowercase());
    let effect = opt_text_arg(args, "effect")?;
    if let Some(e) = &effect {
        if e != "read" && e != "write" {
            return Err(ToolError::InvalidArguments(
                "$.effect: expected 'read' or 'write'".into(),
            ));
        }
    }
    let (version, host_version) = schema_of(p, ctx, opt_text_arg(args, "host")?)?;
    let ops: Vec<Value> = (p.operations)(version)
        .unwrap_or(&[])
        .iter()
        .filter(|o| ctx.profile.allows_axl(p.product, o.name))
        .filter(|o| effect.as_deref().is_none_or(|e| o.effect.as_str() == e))
        .filter(|o| {
            filter
                .as_deref()
                .is_none_or(|f| o.name.to_ascii_lowercase().contains(f))
        })
        .map(|o| json!({"name": o.name, "effect": o.effect.as_str()}))
        .collect();
    Ok(
        json!({"axl_version": version, format!("{}_version", p.product): host_version, "count": ops.len(), "operations": ops}),
    )
}

fn describe(p: &AxlProduct, ctx: &Ctx, args: &Map<String, Value>) -> Result<Value, ToolError> {
    only_keys(args, &["operation", "host"])?;
    let name = text_arg(args, "operation")?;
    if !ctx.profile.allows_axl(p.product, &name) {
        return Err(ToolError::Permission(format!(
            "profile '{}' does not allow the {} AXL operation '{name}'",
            ctx.profile.name, p.product
        )));
    }
    known(p, &name)?;
    let (version, _) = schema_of(p, ctx, opt_text_arg(args, "host")?)?;
    let op = p
        .find(version, &name)
        .ok_or_else(|| ToolError::Failed(format!("'{name}' is not part of AXL {version}")))?;
    Ok(json!({
        "operation": op.name,
        "axl_version": version,
        "effect": op.effect.as_str(),
        "documentation": op.doc,
        "request_type": op.request.name,
        "response_type": op.response.name,
        "pages_with_skip_first": cucm::pages(op),
        "input_schema": op.input_schema(),
    }))
}

/// The CUCM and the IM and Presence AXL tools.
pub fn tools() -> Vec<ToolDef> {
    let mut tools = product_tools(&CUCM);
    tools.extend(product_tools(&IMP));
    tools
}

fn product_tools(p: &'static AxlProduct) -> Vec<ToolDef> {
    let host_only = json!({"type": "object", "properties": {"host": host_property(p)}, "required": ["host"], "additionalProperties": false});
    let (prefix, label) = (p.product, p.label);
    let limit = Limit::Product(p.product, Category::Axl);
    let access = Access::Axl { product: p.product };
    vec![
        ToolDef::new(
            format!("{prefix}_get_version"),
            format!("The {label} version of a host (AXL getCCMVersion); remembered to pick the matching AXL schema."),
            host_only.clone(),
            Access::AxlOperation {
                product: p.product,
                operation: "getCCMVersion",
            },
            limit,
            move |ctx, args| async move {
                only_keys(&args, &["host"])?;
                let host = text_arg(&args, "host")?;
                let cred = credential(p, &ctx, &host)?;
                let full = ctx
                    .state
                    .cisco
                    .fetch_version(p, &ctx.state.config, &ctx.client.name, &host, &cred)
                    .await?;
                let schema = p.schema_for(&host, &full)?;
                Ok(json!({"host": host, "version": full, "axl_schema": schema}))
            },
        ),
        ToolDef::new(
            format!("{prefix}_check_connectivity"),
            format!("Checks a {label} host step by step (DNS, TCP, TLS, AXL authentication) and says which step failed and why."),
            host_only,
            access.clone(),
            limit,
            move |ctx, args| check_connectivity(p, ctx, args),
        ),
        ToolDef::new(
            format!("{prefix}_list_axl_operations"),
            format!("The {label} AXL operations your profile allows, for the host's version (or the newest compiled one); filter by substring and by effect (read or write)."),
            json!({"type": "object", "properties": {
                "host": host_property(p),
                "filter": {"type": "string", "description": "case-insensitive substring of the operation name"},
                "effect": {"type": "string", "enum": ["read", "write"]},
            }, "additionalProperties": false}),
            access.clone(),
            Limit::Common,
            move |ctx, args| async move { list_operations(p, &ctx, &args) },
        ),
        ToolDef::new(
            format!("{prefix}_describe_axl_operation"),
            format!("The typed input schema (JSON Schema 2020-12) and documentation of one {label} AXL operation for the host's version."),
            json!({"type": "object", "properties": {
                "operation": {"type": "string", "description": "exact, case-sensitive name, e.g. getPhone"},
                "host": host_property(p),
            }, "required": ["operation"], "additionalProperties": false}),
            access.clone(),
            Limit::Common,
            move |ctx, args| async move { describe(p, &ctx, &args) },
        ),
        ToolDef::new(
            format!("{prefix}_axl_call"),
            format!("Calls one {label} AXL operation. The arguments are checked against the operation's typed request (see {prefix}_describe_axl_operation) before anything is sent; the typed response comes back as JSON. For list operations, max_rows pages with skip/first."),
            json!({"type": "object", "properties": {
                "host": host_property(p),
                "operation": {"type": "string", "description": "exact, case-sensitive AXL operation name"},
                "arguments": {"type": "object", "description": "the request, as in the operation's input schema"},
                "max_rows": {"type": "integer", "minimum": 1, "maximum": MAX_ROWS, "description": "list operations: fetch up to this many rows, page by page"},
            }, "required": ["host", "operation", "arguments"], "additionalProperties": false}),
            access,
            limit,
            move |ctx, args| async move {
                only_keys(&args, &["host", "operation", "arguments", "max_rows"])?;
                let host = text_arg(&args, "host")?;
                let operation = text_arg(&args, "operation")?;
                let max_rows = opt_int_arg(&args, "max_rows", 1, MAX_ROWS)?;
                let arguments = args.get("arguments").cloned().unwrap_or_else(|| json!({}));
                run(p, &ctx, &host, &operation, &arguments, max_rows).await
            },
        ),
    ]
}

//! Unity Connection tools over CUPI: the version, the typed operations the profile allows
//! (generated from schemas/cupi), typed calls with validated arguments and paging to the end,
//! and a raw request for resources not described yet, filtered by the same method and path
//! prefixes on the normalised path.

use serde_json::{json, Map, Value};
use uc_wire::{Binding, OperationDescriptor};

use super::{only_keys, opt_int_arg, opt_text_arg, text_arg, Access, Ctx, Limit, ToolDef, ToolError};
use crate::credentials::{Credential, CredentialStore, Kind};
use crate::cucm::{self, CucmError};
use crate::limits::Category;

const PRODUCT: &str = "cuc";

fn operations() -> &'static [&'static OperationDescriptor] {
    cisco_uc::cupi::OPERATIONS
}

fn route(op: &OperationDescriptor) -> (&'static str, &'static str) {
    match op.binding {
        Binding::Http { method, path } => (method, path),
        Binding::Soap { .. } => ("POST", ""),
    }
}

fn find(name: &str) -> Result<&'static OperationDescriptor, ToolError> {
    if let Some(op) = operations().iter().copied().find(|o| o.name == name) {
        return Ok(op);
    }
    let near: Vec<&str> = operations()
        .iter()
        .filter(|o| o.name.eq_ignore_ascii_case(name))
        .map(|o| o.name)
        .collect();
    Err(ToolError::InvalidArguments(if near.is_empty() {
        format!(
            "unknown CUPI operation '{name}' (cuc_list_cupi_operations lists them; cuc_cupi_request reaches the rest)"
        )
    } else {
        format!(
            "unknown CUPI operation '{name}'; names are case-sensitive: did you mean '{}'?",
            near.join("', '")
        )
    }))
}

fn allowed(ctx: &Ctx, method: &str, path: &str) -> Result<(), ToolError> {
    ctx.profile
        .allows_cupi(method, path)
        .map_err(|why| ToolError::Permission(format!("profile '{}' refuses {method} {path}: {why}", ctx.profile.name)))
}

fn credential(ctx: &Ctx, host: &str) -> Result<Credential, ToolError> {
    CredentialStore::open(&ctx.state.config, &ctx.client.name)?
        .get(host, Kind::Cupi)
        .cloned()
        .ok_or_else(|| {
            ToolError::Failed(format!(
                "no CUPI credentials are stored for {host}; store them with cuc_store_credentials"
            ))
        })
}

fn client_config(ctx: &Ctx, host: &str, cred: &Credential) -> Result<uc_wire::ClientConfig, CucmError> {
    let config = &ctx.state.config;
    let base = cucm::https_base(host, config.get("SERVER_CUC_CUPI_PORT"))?;
    cucm::product_client_config(config, "CUC", "SERVER_CUC_CUPI_TIMEOUT", base, cred)
}

fn session(ctx: &Ctx, host: &str, cred: &Credential) -> Result<uc_wire::SoapClient, ToolError> {
    Ok(ctx
        .state
        .cisco
        .session_with(&ctx.client.name, host, "", cred, || client_config(ctx, host, cred))?)
}

fn wire_error(host: &str, e: uc_wire::Error) -> ToolError {
    ToolError::Failed(format!("{host}: {e}"))
}

/// Calls one typed operation; with `all_pages`, a list is read page by page to the end.
async fn call(
    ctx: &Ctx,
    host: &str,
    op: &'static OperationDescriptor,
    arguments: &Value,
    all_pages: bool,
    max_pages: u64,
) -> Result<Value, ToolError> {
    let (method, path) = route(op);
    allowed(ctx, method, path)?;
    if !arguments.is_object() {
        return Err(ToolError::InvalidArguments("$.arguments: expected an object".into()));
    }
    let request = uc_wire::json::from_json(op.request, arguments)
        .map_err(|e| ToolError::InvalidArguments(format!("{} arguments: {e}", op.name)))?;
    let cred = credential(ctx, host)?;
    let client = session(ctx, host, &cred)?;
    let pages_query = op
        .request
        .struct_parts()
        .is_some_and(|(_, _, f)| f.iter().any(|f| f.name == "pageNumber"));
    if !(all_pages && pages_query) {
        let value = client.call(op, request).await.map_err(|e| wire_error(host, e))?;
        return Ok(
            json!({"host": host, "operation": op.name, "response": uc_wire::json::to_json(op.response, &value)}),
        );
    }
    let per_page = arguments
        .get("rowsPerPage")
        .and_then(Value::as_u64)
        .unwrap_or(ctx.state.config.int("SERVER_CUC_CUPI_PAGE_SIZE"));
    let mut merged = Map::new();
    let mut pages = 0u64;
    let mut complete = false;
    while pages < max_pages {
        let mut args = arguments.as_object().cloned().unwrap_or_default();
        args.insert("rowsPerPage".into(), json!(per_page));
        args.insert("pageNumber".into(), json!(pages + 1));
        let request = uc_wire::json::from_json(op.request, &Value::Object(args))
            .map_err(|e| ToolError::InvalidArguments(format!("{} arguments: {e}", op.name)))?;
        let value = client.call(op, request).await.map_err(|e| wire_error(host, e))?;
        pages += 1;
        let page = uc_wire::json::to_json(op.response, &value);
        let mut rows = 0u64;
        if let Value::Object(m) = page {
            for (k, v) in m {
                match (merged.get_mut(&k), v) {
                    (Some(Value::Array(acc)), Value::Array(items)) => {
                        rows += items.len() as u64;
                        acc.extend(items);
                    }
                    (_, Value::Array(items)) => {
                        rows += items.len() as u64;
                        merged.insert(k, Value::Array(items));
                    }
                    (_, other) => {
                        merged.insert(k, other);
                    }
                }
            }
        }
        if rows < per_page {
            complete = true;
            break;
        }
    }
    Ok(
        json!({"host": host, "operation": op.name, "pages": pages, "complete": complete, "response": Value::Object(merged)}),
    )
}

fn host_property() -> Value {
    json!({"type": "string", "description": "Unity Connection host name or address, optionally with :port"})
}

async fn raw_request(ctx: Ctx, args: Map<String, Value>) -> Result<Value, ToolError> {
    only_keys(&args, &["host", "method", "path", "query", "body"])?;
    let host = text_arg(&args, "host")?;
    let method = text_arg(&args, "method")?;
    let path = match args.get("path") {
        Some(Value::String(p)) => p.clone(),
        _ => return Err(ToolError::InvalidArguments("$.path: required (a string)".into())),
    };
    // Method case, `..`, encoded dots and slashes are all judged on what was given.
    allowed(&ctx, &method, &path)?;
    if !path.starts_with("/vmrest/") || path.contains('?') || path.contains('#') {
        return Err(ToolError::InvalidArguments(
            "$.path: a path under /vmrest/ without ? or # (give query parameters in $.query)".into(),
        ));
    }
    let mut query = Vec::new();
    match args.get("query") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(_) | Value::Bool(_) => v.to_string(),
                    _ => {
                        return Err(ToolError::InvalidArguments(format!(
                            "$.query.{k}: expected a string, number or boolean"
                        )))
                    }
                };
                query.push((k.clone(), text));
            }
        }
        Some(_) => return Err(ToolError::InvalidArguments("$.query: expected an object".into())),
    }
    let body = match args.get("body") {
        None | Some(Value::Null) => None,
        Some(b @ Value::Object(_)) if method == "POST" || method == "PUT" => Some(b.clone()),
        Some(_) => {
            return Err(ToolError::InvalidArguments(
                "$.body: an object, for POST and PUT only".into(),
            ))
        }
    };
    let cred = credential(&ctx, &host)?;
    let cfg = client_config(&ctx, &host, &cred)?;
    let mut builder = reqwest::Client::builder()
        .connect_timeout(cfg.connect_timeout)
        .timeout(cfg.read_timeout)
        .tls_danger_accept_invalid_certs(cfg.accept_invalid_certs);
    if let Some(pem) = &cfg.ca_bundle_pem {
        for c in reqwest::Certificate::from_pem_bundle(pem).map_err(|e| ToolError::Failed(e.to_string()))? {
            builder = builder.add_root_certificate(c);
        }
    }
    let http = builder.build().map_err(|e| ToolError::Failed(e.to_string()))?;
    let url = format!("{}{path}{}", cfg.base_url, uc_wire::rest::query_string(&query));
    let m = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| ToolError::InvalidArguments(e.to_string()))?;
    let mut req = http
        .request(m, url)
        .basic_auth(&cred.username, Some(&cred.password))
        .header("Accept", "application/json");
    if let Some(b) = &body {
        req = req
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(b).unwrap_or_default());
    }
    let r = req
        .send()
        .await
        .map_err(|e| ToolError::Failed(format!("{host}: {}", uc_wire::error_chain(&e))))?;
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = r.text().await.map_err(|e| ToolError::Failed(format!("{host}: {e}")))?;
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if status >= 400 {
        let e = body.pointer("/errors");
        let msg = e
            .and_then(|e| e.get("message").or_else(|| e.pointer("/0/message")))
            .and_then(Value::as_str)
            .unwrap_or("");
        let code = e
            .and_then(|e| e.get("code").or_else(|| e.pointer("/0/code")))
            .and_then(Value::as_str)
            .unwrap_or("");
        return Err(ToolError::Failed(format!(
            "{host}: {method} {path}: HTTP {status}: {code}: {msg}"
        )));
    }
    Ok(json!({"host": host, "method": method, "path": path, "status": status, "location": location, "body": body}))
}

pub fn tools() -> Vec<ToolDef> {
    let host_only = json!({"type": "object", "properties": {"host": host_property()}, "required": ["host"], "additionalProperties": false});
    vec![
        ToolDef::new(
            "cuc_get_version",
            "The Unity Connection version of a host (GET /vmrest/version).",
            host_only,
            Access::Cupi { product: PRODUCT },
            Limit::Product(PRODUCT, Category::Cupi),
            |ctx, args| async move {
                only_keys(&args, &["host"])?;
                let host = text_arg(&args, "host")?;
                let op = find("getVersion")?;
                let out = call(&ctx, &host, op, &json!({}), false, 1).await?;
                Ok(json!({"host": host, "version": out["response"]["version"], "product": out["response"]["name"]}))
            },
        ),
        ToolDef::new(
            "cuc_list_cupi_operations",
            "The typed CUPI operations your profile allows, with their method and path; filter by substring and by method.",
            json!({"type": "object", "properties": {
                "filter": {"type": "string", "description": "case-insensitive substring of the name or path"},
                "method": {"type": "string", "enum": ["GET", "POST", "PUT", "DELETE"]},
            }, "additionalProperties": false}),
            Access::Cupi { product: PRODUCT },
            Limit::Common,
            |ctx, args| async move {
                only_keys(&args, &["filter", "method"])?;
                let filter = opt_text_arg(&args, "filter")?.map(|f| f.to_ascii_lowercase());
                let method = opt_text_arg(&args, "method")?;
                let ops: Vec<Value> = operations()
                    .iter()
                    .filter(|o| {
                        let (m, p) = route(o);
                        ctx.profile.allows_cupi(m, p).is_ok()
                            && method.as_deref().is_none_or(|x| x == m)
                            && filter.as_deref().is_none_or(|f| {
                                o.name.to_ascii_lowercase().contains(f) || p.to_ascii_lowercase().contains(f)
                            })
                    })
                    .map(|o| {
                        let (m, p) = route(o);
                        json!({"name": o.name, "method": m, "path": p, "effect": o.effect.as_str()})
                    })
                    .collect();
                Ok(json!({"count": ops.len(), "operations": ops}))
            },
        ),
        ToolDef::new(
            "cuc_describe_cupi_operation",
            "The typed input schema (JSON Schema 2020-12: path parameters, query parameters, body) and documentation of one CUPI operation.",
            json!({"type": "object", "properties": {
                "operation": {"type": "string", "description": "exact, case-sensitive name, e.g. listUsers"},
            }, "required": ["operation"], "additionalProperties": false}),
            Access::Cupi { product: PRODUCT },
            Limit::Common,
            |ctx, args| async move {
                only_keys(&args, &["operation"])?;
                let op = find(&text_arg(&args, "operation")?)?;
                let (m, p) = route(op);
                allowed(&ctx, m, p)?;
                Ok(json!({"operation": op.name, "method": m, "path": p, "rbac_name": op.rbac_name,
                          "effect": op.effect.as_str(), "documentation": op.doc, "input_schema": op.input_schema()}))
            },
        ),
        ToolDef::new(
            "cuc_cupi_call",
            "Calls one typed CUPI operation: the arguments (path parameters, query parameters, body) are checked against its schema before anything is sent; CUPI's text values come back typed. all_pages reads a list page by page to the end (up to max_pages).",
            json!({"type": "object", "properties": {
                "host": host_property(),
                "operation": {"type": "string", "description": "exact, case-sensitive CUPI operation name"},
                "arguments": {"type": "object", "description": "as in the operation's input schema"},
                "all_pages": {"type": "boolean", "description": "list operations: follow pageNumber to the end"},
                "max_pages": {"type": "integer", "minimum": 1, "maximum": 1000, "description": "with all_pages (default 100)"},
            }, "required": ["host", "operation"], "additionalProperties": false}),
            Access::Cupi { product: PRODUCT },
            Limit::Product(PRODUCT, Category::Cupi),
            |ctx, args| async move {
                only_keys(&args, &["host", "operation", "arguments", "all_pages", "max_pages"])?;
                let host = text_arg(&args, "host")?;
                let op = find(&text_arg(&args, "operation")?)?;
                let arguments = args.get("arguments").cloned().unwrap_or_else(|| json!({}));
                let all_pages = match args.get("all_pages") {
                    None | Some(Value::Null) => false,
                    Some(Value::Bool(b)) => *b,
                    Some(_) => return Err(ToolError::InvalidArguments("$.all_pages: expected true or false".into())),
                };
                let max_pages = opt_int_arg(&args, "max_pages", 1, 1000)?.unwrap_or(100);
                call(&ctx, &host, op, &arguments, all_pages, max_pages).await
            },
        ),
        ToolDef::new(
            "cuc_cupi_request",
            "A raw CUPI request (method, path under /vmrest/, query, JSON body) for resources the typed operations do not cover yet; allowed only where your profile's method and path prefixes allow it, judged on the normalised path.",
            json!({"type": "object", "properties": {
                "host": host_property(),
                "method": {"type": "string", "enum": ["GET", "POST", "PUT", "DELETE"]},
                "path": {"type": "string", "description": "e.g. /vmrest/users/{id}/alternateextensions"},
                "query": {"type": "object", "description": "query parameters"},
                "body": {"type": "object", "description": "JSON body (POST, PUT)"},
            }, "required": ["host", "method", "path"], "additionalProperties": false}),
            Access::Cupi { product: PRODUCT },
            Limit::Product(PRODUCT, Category::Cupi),
            raw_request,
        ),
    ]
}

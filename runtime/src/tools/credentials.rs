//! Credential tools: store, update and delete a host's login per kind (AXL API user, OS CLI
//! user), list what is stored. Passwords go into the encrypted store and nowhere else: not
//! in results, errors or audit lines.

use serde_json::{json, Map, Value};

use super::{only_keys, text_arg, Access, Ctx, Limit, ToolDef, ToolError};
use crate::credentials::{Credential, CredentialStore, Kind};

fn host_schema() -> Value {
    json!({"type": "string", "description": "host name or address, optionally with :port"})
}

fn store_schema(what: &str) -> Value {
    json!({
        "type": "object",
        "properties": {
            "host": host_schema(),
            "username": {"type": "string", "description": format!("the {what} user name")},
            "password": {"type": "string", "description": "stored encrypted; never returned or logged"},
        },
        "required": ["host", "username", "password"],
        "additionalProperties": false,
    })
}

fn host_only_schema() -> Value {
    json!({"type": "object", "properties": {"host": host_schema()}, "required": ["host"], "additionalProperties": false})
}

fn credential_from(
    config: &crate::config::Config,
    args: &Map<String, Value>,
) -> Result<(String, Credential), ToolError> {
    only_keys(args, &["host", "username", "password"])?;
    let host = text_arg(args, "host")?;
    crate::cucm::base_url(config, &host)?;
    let username = text_arg(args, "username")?;
    let password = match args.get("password") {
        Some(Value::String(p)) if !p.is_empty() => p.clone(),
        _ => {
            return Err(ToolError::InvalidArguments(
                "$.password: required (a non-empty string)".into(),
            ))
        }
    };
    if username.chars().chain(password.chars()).any(char::is_control) {
        return Err(ToolError::InvalidArguments(
            "the user name and password must not contain control characters".into(),
        ));
    }
    Ok((host.to_ascii_lowercase(), Credential { username, password }))
}

#[derive(Clone, Copy)]
enum Action {
    Store,
    Update,
    Delete,
}

async fn change(ctx: Ctx, args: Map<String, Value>, kind: Kind, action: Action) -> Result<Value, ToolError> {
    let _guard = ctx.state.credentials_lock.lock().await;
    let mut store = CredentialStore::open(&ctx.state.config, &ctx.client.name)?;
    let label = match kind {
        Kind::Axl => "AXL",
        Kind::Os => "OS",
        Kind::Phone => "phone",
        Kind::Cupi => "CUPI",
    };
    let result = match action {
        Action::Store | Action::Update => {
            let (host, credential) = credential_from(&ctx.state.config, &args)?;
            let exists = store.get(&host, kind).is_some();
            match (action, exists) {
                (Action::Store, true) => {
                    return Err(ToolError::Failed(format!(
                        "{label} credentials for {host} are already stored; use the update tool to change them"
                    )))
                }
                (Action::Update, false) => {
                    return Err(ToolError::Failed(format!(
                        "no {label} credentials are stored for {host}; use the store tool first"
                    )))
                }
                _ => {}
            }
            let username = credential.username.clone();
            store.put(&host, kind, credential)?;
            ctx.state.cisco.forget(&ctx.client.name, &host);
            ctx.state.cli.forget(&ctx.client.name, &host);
            json!({"host": host, "kind": kind, "username": username, "stored": true})
        }
        Action::Delete => {
            only_keys(&args, &["host"])?;
            let host = text_arg(&args, "host")?.to_ascii_lowercase();
            if !store.delete(&host, kind)? {
                return Err(ToolError::Failed(format!(
                    "no {label} credentials are stored for {host}"
                )));
            }
            ctx.state.cisco.forget(&ctx.client.name, &host);
            ctx.state.cli.forget(&ctx.client.name, &host);
            json!({"host": host, "kind": kind, "deleted": true})
        }
    };
    Ok(result)
}

pub fn tools() -> Vec<ToolDef> {
    let mut tools = Vec::new();
    for (prefix, product, kind, what, target) in [
        ("cucm", "cucm", Kind::Axl, "AXL API (HTTPS)", "a CUCM host"),
        ("cucm_os", "cucm", Kind::Os, "platform CLI (SSH)", "a CUCM host"),
        ("imp", "imp", Kind::Axl, "AXL API (HTTPS)", "an IM and Presence host"),
        (
            "imp_os",
            "imp",
            Kind::Os,
            "platform CLI (SSH)",
            "an IM and Presence host",
        ),
        ("cuc", "cuc", Kind::Cupi, "CUPI (REST API)", "a Unity Connection host"),
        (
            "cuc_os",
            "cuc",
            Kind::Os,
            "platform CLI (SSH)",
            "a Unity Connection host",
        ),
        (
            "phone",
            "cucm",
            Kind::Phone,
            "phone web (HTTP) user associated with the phones",
            "the phones registered to a CUCM host (give the CUCM host)",
        ),
    ] {
        for (verb, action, access) in [
            ("store", Action::Store, "store"),
            ("update", Action::Update, "update"),
            ("delete", Action::Delete, "delete"),
        ] {
            let description = match action {
                Action::Store => format!("Store the {what} login for {target}, encrypted at rest."),
                Action::Update => format!("Replace the stored {what} login for {target}."),
                Action::Delete => format!("Delete the stored {what} login for {target}."),
            };
            let schema = match action {
                Action::Delete => host_only_schema(),
                _ => store_schema(what),
            };
            tools.push(ToolDef::new(
                format!("{prefix}_{verb}_credentials"),
                description,
                schema,
                Access::Credentials {
                    product,
                    action: access,
                },
                Limit::Common,
                move |ctx, args| change(ctx, args, kind, action),
            ));
        }
    }
    // One list per product, all showing the same store: a client's logins for every host.
    for product in ["cucm", "imp", "cuc"] {
        tools.push(ToolDef::new(
            format!("{product}_list_credentials"),
            "The hosts you have stored credentials for and which kinds (axl, os, phone, cupi); never the secrets.",
            json!({"type": "object", "properties": {}, "additionalProperties": false}),
            Access::Anyone,
            Limit::Common,
            list_credentials,
        ));
    }
    tools
}

async fn list_credentials(ctx: Ctx, args: Map<String, Value>) -> Result<Value, ToolError> {
    only_keys(&args, &[])?;
    let store = CredentialStore::open(&ctx.state.config, &ctx.client.name)?;
    let hosts: Vec<Value> = store
        .list()
        .into_iter()
        .map(|(host, kinds)| {
            let version = ctx.state.cisco.known_version(&host);
            json!({"host": host, "kinds": kinds, "version": version})
        })
        .collect();
    Ok(json!({"hosts": hosts}))
}

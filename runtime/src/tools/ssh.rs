//! Platform CLI tools for CUCM, IM and Presence and Unity Connection: one command per call,
//! checked against the profile's SSH prefixes before any connection, and the host-key
//! decision for hosts seen for the first time.

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::{only_keys, split_host, text_arg, Access, Ctx, Limit, ToolDef, ToolError};
use crate::config::Config;
use crate::credentials::{CredentialStore, Kind};
use crate::limits::Category;
use crate::vos_cli::{self, CliError, CliSession, Target};

const PRODUCTS: [(&str, &str); 3] = [
    ("cucm", "CUCM"),
    ("imp", "IM and Presence"),
    ("cuc", "Unity Connection"),
];

fn target(config: &Config, product: &'static str, host: &str) -> Result<Target, ToolError> {
    let p = product.to_ascii_uppercase();
    let key = |k: &str| format!("SERVER_{p}_SSH_{k}");
    let (host, port) = split_host(host, config.int(&key("PORT")) as u16)?;
    Ok(Target {
        product,
        host,
        port,
        term: config.get(&key("TERM")).to_string(),
        width: config.int(&key("TERM_WIDTH")) as u32,
        height: config.int(&key("TERM_HEIGHT")) as u32,
        timeout: Duration::from_secs(config.int(&key("TIMEOUT"))),
        known_hosts: known_hosts(config),
    })
}

pub fn known_hosts(config: &Config) -> std::path::PathBuf {
    config.path("CRYPTO_SECRETS_DIR").join("ssh_known_hosts")
}

/// Turns CLI errors into tool errors, remembering unknown keys and auditing changed ones.
fn cli_error(ctx: &Ctx, target: &Target, e: CliError) -> ToolError {
    match &e {
        CliError::UnknownHostKey { key, .. } => {
            ctx.state
                .cli
                .pending_keys
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert((target.host.clone(), target.port), (**key).clone());
        }
        CliError::HostKeyChanged { trusted, presented, .. } => {
            tracing::warn!(
                "SSH host key of {}:{} changed ({trusted} -> {presented}): refused",
                target.host,
                target.port
            );
            ctx.state.audit.event(
                "ssh_host_key_mismatch",
                json!({"warning": "possible man-in-the-middle", "client": ctx.client.name, "product": target.product,
                       "host": target.host, "port": target.port, "trusted": trusted, "presented": presented}),
            );
        }
        _ => {}
    }
    ToolError::Failed(e.to_string())
}

async fn run_command(ctx: Ctx, args: Map<String, Value>, product: &'static str) -> Result<Value, ToolError> {
    only_keys(&args, &["host", "command", "confirm"])?;
    let host_arg = text_arg(&args, "host")?;
    // The command as given, untrimmed: a trailing `\` or newline must be seen by the check.
    let command = match args.get("command") {
        Some(Value::String(c)) => c.clone(),
        _ => return Err(ToolError::InvalidArguments("$.command: required (a string)".into())),
    };
    ctx.profile
        .allows_ssh(product, &command)
        .map_err(|why| ToolError::Permission(format!("profile '{}' refuses the command: {why}", ctx.profile.name)))?;
    let command = command.split_whitespace().collect::<Vec<_>>().join(" ");
    let confirm = match args.get("confirm") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ToolError::InvalidArguments("$.confirm: expected true or false".into())),
    };
    let config = &ctx.state.config;
    let target = target(config, product, &host_arg)?;
    let cred = CredentialStore::open(config, &ctx.client.name)?
        .get(&host_arg.to_ascii_lowercase(), Kind::Os)
        .cloned()
        .ok_or_else(|| {
            ToolError::Failed(format!(
                "no OS (CLI) credentials are stored for {host_arg}; store them with {product}_os_store_credentials"
            ))
        })?;
    let idle = Duration::from_secs(config.int("SERVER_SSH_IDLE_SECONDS"));
    let (mut session, reused) = match ctx.state.cli.take(&ctx.client.name, product, &host_arg, idle) {
        Some(s) => (s, true),
        None => (
            CliSession::open(&target, &cred)
                .await
                .map_err(|e| cli_error(&ctx, &target, e))?,
            false,
        ),
    };
    // A failed command drops its session (it may be mid-output); a good one is kept for reuse.
    let out = match session.run(&command, confirm, target.timeout).await {
        // The server closed an idle session: the command never reached a shell, so it is
        // sent once more on a fresh session.
        Err(CliError::Closed { .. }) if reused => {
            session = CliSession::open(&target, &cred)
                .await
                .map_err(|e| cli_error(&ctx, &target, e))?;
            session.run(&command, confirm, target.timeout).await
        }
        other => other,
    }
    .map_err(|e| cli_error(&ctx, &target, e))?;
    if !idle.is_zero() {
        ctx.state.cli.put_back(&ctx.client.name, product, &host_arg, session);
    }
    Ok(json!({
        "host": host_arg,
        "command": command,
        "output": out.output,
        "pages": out.pages,
        "questions": out.questions,
        "truncated": out.truncated,
        "session_reused": reused,
    }))
}

async fn trust(ctx: Ctx, args: Map<String, Value>, product: &'static str) -> Result<Value, ToolError> {
    only_keys(&args, &["host", "fingerprint", "action"])?;
    let host_arg = text_arg(&args, "host")?;
    let given = text_arg(&args, "fingerprint")?;
    let action = text_arg(&args, "action")?;
    if action != "trust" && action != "reject" {
        return Err(ToolError::InvalidArguments(
            "$.action: expected 'trust' or 'reject'".into(),
        ));
    }
    let target = target(&ctx.state.config, product, &host_arg)?;
    let _guard = ctx.state.credentials_lock.lock().await;
    let key_id = (target.host.clone(), target.port);
    let pending = ctx
        .state
        .cli
        .pending_keys
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&key_id);
    let key = match pending {
        Some(k) => k,
        None => vos_cli::fetch_host_key(&target)
            .await
            .map_err(|e| cli_error(&ctx, &target, e))?,
    };
    let presented = vos_cli::fingerprint(&key);
    let normalised = if given.starts_with("SHA256:") {
        given.clone()
    } else {
        format!("SHA256:{given}")
    };
    if normalised != presented {
        return Err(ToolError::Failed(format!(
            "{}:{} presents {presented}, not {given}; nothing was {}",
            target.host,
            target.port,
            if action == "trust" { "trusted" } else { "rejected" }
        )));
    }
    let event = if action == "trust" {
        crate::host_keys::trust(&target.known_hosts, &target.host, target.port, &key).map_err(ToolError::Failed)?;
        "ssh_host_key_trusted"
    } else {
        "ssh_host_key_rejected"
    };
    ctx.state.audit.event(
        event,
        json!({"client": ctx.client.name, "product": product, "host": target.host, "port": target.port, "fingerprint": presented}),
    );
    Ok(
        json!({"host": target.host, "port": target.port, "fingerprint": presented, "action": action,
              "known_hosts": target.known_hosts.display().to_string()}),
    )
}

pub fn tools() -> Vec<ToolDef> {
    let mut tools = Vec::new();
    for (product, label) in PRODUCTS {
        tools.push(ToolDef::new(
            format!("{product}_os_run_command"),
            format!(
                "Runs one {label} platform CLI command over SSH (e.g. `show status`, `utils dbreplication runtimestate`) and returns its output, reading every pager page. A `Continue (y/n)?` question is answered n unless confirm is true; the output says what was asked. Only commands your profile allows; one printable line."
            ),
            json!({"type": "object", "properties": {
                "host": {"type": "string", "description": format!("{label} host name or address, optionally with :port")},
                "command": {"type": "string", "description": "one CLI command, e.g. show version active"},
                "confirm": {"type": "boolean", "description": "answer y to Continue (y/n)? questions (default false)"},
            }, "required": ["host", "command"], "additionalProperties": false}),
            Access::Ssh { product },
            Limit::Product(product, Category::Ssh),
            move |ctx, args| run_command(ctx, args, product),
        ));
        tools.push(ToolDef::new(
            format!("{product}_os_trust_fingerprint"),
            format!(
                "Decides on the SSH host key of a {label} host seen for the first time: trust (recorded in the installation's known_hosts) or reject. The fingerprint must be the SHA-256 one the refused connection reported."
            ),
            json!({"type": "object", "properties": {
                "host": {"type": "string", "description": format!("{label} host name or address, optionally with :port")},
                "fingerprint": {"type": "string", "description": "SHA256:... as reported"},
                "action": {"type": "string", "enum": ["trust", "reject"]},
            }, "required": ["host", "fingerprint", "action"], "additionalProperties": false}),
            Access::Credentials {
                product,
                action: "trust_host_key",
            },
            Limit::Product(product, Category::Ssh),
            move |ctx, args| trust(ctx, args, product),
        ));
    }
    tools
}

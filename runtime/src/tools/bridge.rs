//! Tools about ai-bridge itself.

use serde_json::json;

use super::{Access, Limit, ToolDef};

pub fn tools() -> Vec<ToolDef> {
    vec![ToolDef::new(
        "bridge_whoami",
        "Who you are to ai-bridge: client name, profile, authentication mode and server version.",
        json!({"type": "object", "properties": {}, "additionalProperties": false}),
        Access::Anyone,
        Limit::Common,
        |ctx, _args| async move {
            Ok(json!({
                "client": ctx.client.name,
                "subject": ctx.client.subject,
                "profile": ctx.client.profile,
                "profile_description": ctx.profile.description,
                "products": ctx.profile.product_scope,
                "auth_mode": ctx.client.kind,
                "server": ctx.state.config.get("MCP_SERVER_NAME"),
                "server_version": env!("CARGO_PKG_VERSION"),
            }))
        },
    )]
}

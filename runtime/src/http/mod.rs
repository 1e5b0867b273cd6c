//! The HTTP surface: health, OAuth discovery and endpoints, and the MCP endpoint behind the
//! bearer layer; DNS-rebinding checks in front of everything.

pub mod bearer;
pub mod security;

use std::sync::Arc;

use axum::middleware;
use axum::routing::{get, post};
use axum::{Json, Router};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;

use crate::auth::oauth;
use crate::mcp::Bridge;
use crate::state::AppState;
use crate::tools::ToolDef;

async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

/// Builds the application. `cancel` stops the MCP sessions on shutdown.
pub fn router(state: Arc<AppState>, tools: Vec<ToolDef>, cancel: tokio_util::sync::CancellationToken) -> Router {
    let bridge = Bridge::new(state.clone(), Arc::new(tools));
    let mut mcp_config = StreamableHttpServerConfig::default().disable_allowed_hosts();
    mcp_config.cancellation_token = cancel;
    let mcp = StreamableHttpService::new(
        move || Ok(bridge.clone()),
        Arc::new(LocalSessionManager::default()),
        mcp_config,
    );
    let path = state.config.get("MCP_SERVER_URL_PATH").to_string();
    let protected = Router::new()
        .nest_service(&path, mcp)
        .route_layer(middleware::from_fn_with_state(state.clone(), bearer::require));
    Router::new()
        .route("/health", get(health))
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::authorization_server_metadata),
        )
        .route(
            "/.well-known/oauth-protected-resource",
            get(oauth::protected_resource_metadata),
        )
        .route(
            &format!("/.well-known/oauth-protected-resource{path}"),
            get(oauth::protected_resource_metadata),
        )
        .route("/authorize", get(oauth::authorize_page).post(oauth::authorize_submit))
        .route("/token", post(oauth::token))
        .route("/revoke", post(oauth::revoke))
        .merge(protected)
        .layer(middleware::from_fn_with_state(state.clone(), security::check))
        .with_state(state)
}

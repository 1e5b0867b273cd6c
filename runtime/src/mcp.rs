//! The MCP side: a tool registry served through rmcp's streamable HTTP transport. Each call
//! sees the authenticated client (put in the request by the bearer layer) and is audited.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{json, Map, Value};

use crate::state::{AppState, AuthedClient};

pub type ToolFuture = Pin<Box<dyn Future<Output = Result<Value, String>> + Send>>;
type Handler = Arc<dyn Fn(Arc<AppState>, AuthedClient, Map<String, Value>) -> ToolFuture + Send + Sync>;

/// One tool: its MCP description and what runs it.
#[derive(Clone)]
pub struct ToolDef {
    pub name: &'static str,
    pub description: &'static str,
    pub input_schema: Value,
    handler: Handler,
}

impl ToolDef {
    pub fn new<F, Fut>(name: &'static str, description: &'static str, input_schema: Value, f: F) -> Self
    where
        F: Fn(Arc<AppState>, AuthedClient, Map<String, Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, String>> + Send + 'static,
    {
        ToolDef {
            name,
            description,
            input_schema,
            handler: Arc::new(move |s, c, a| Box::pin(f(s, c, a))),
        }
    }

    fn to_mcp(&self) -> Tool {
        let schema = match &self.input_schema {
            Value::Object(m) => m.clone(),
            _ => Map::new(),
        };
        Tool::new(self.name, self.description, Arc::new(schema))
    }
}

/// The tools every installation has.
pub fn builtin_tools() -> Vec<ToolDef> {
    vec![ToolDef::new(
        "bridge_whoami",
        "Who you are to ai-bridge: client name, profile, authentication mode and server version.",
        json!({"type": "object", "properties": {}, "additionalProperties": false}),
        |state, client, _args| async move {
            Ok(json!({
                "client": client.name,
                "subject": client.subject,
                "profile": client.profile,
                "auth_mode": client.kind,
                "server": state.config.get("MCP_SERVER_NAME"),
                "server_version": env!("CARGO_PKG_VERSION"),
            }))
        },
    )]
}

#[derive(Clone)]
pub struct Bridge {
    state: Arc<AppState>,
    tools: Arc<Vec<ToolDef>>,
}

impl Bridge {
    pub fn new(state: Arc<AppState>, tools: Vec<ToolDef>) -> Self {
        Bridge {
            state,
            tools: Arc::new(tools),
        }
    }
}

fn caller(ctx: &RequestContext<RoleServer>) -> Result<AuthedClient, ErrorData> {
    ctx.extensions
        .get::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<AuthedClient>())
        .cloned()
        .ok_or_else(|| ErrorData::invalid_request("request is not authenticated", None))
}

impl ServerHandler for Bridge {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                self.state.config.get("MCP_SERVER_NAME"),
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(self.state.config.get("MCP_SERVER_INSTRUCTIONS"))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        caller(&context)?;
        Ok(ListToolsResult::with_all_items(
            self.tools.iter().map(ToolDef::to_mcp).collect(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let client = caller(&context)?;
        let started = Instant::now();
        let Some(tool) = self.tools.iter().find(|t| t.name == request.name) else {
            return Err(ErrorData::invalid_params(
                format!("unknown tool '{}'", request.name),
                None,
            ));
        };
        let outcome = (tool.handler)(
            self.state.clone(),
            client.clone(),
            request.arguments.unwrap_or_default(),
        )
        .await;
        self.state.audit.event(
            "tool_call",
            json!({
                "client": client.name,
                "tool": tool.name,
                "outcome": if outcome.is_ok() { "ok" } else { "error" },
                "duration_ms": started.elapsed().as_millis() as u64,
            }),
        );
        let result = match outcome {
            Ok(value) => {
                let text = serde_json::to_string_pretty(&value).unwrap_or_default();
                let mut r = CallToolResult::success(vec![ContentBlock::text(text)]);
                r.structured_content = Some(value);
                r
            }
            Err(message) => CallToolResult::error(vec![ContentBlock::text(message)]),
        };
        Ok(result.into())
    }
}

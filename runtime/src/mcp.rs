//! The MCP side: the tool registry served through rmcp's streamable HTTP transport. Every call
//! passes through [`Bridge::call_tool`]: the caller's profile decides what is listed and what
//! may run, the rate limit is taken before the handler touches the network, and one audit.log
//! line records the call.

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
use base64::Engine;

use crate::tools::{Ctx, ToolDef, ToolError, ToolOutput};

fn to_mcp(tool: &ToolDef) -> Tool {
    let schema = match &tool.input_schema {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    Tool::new(tool.name.clone(), tool.description.clone(), Arc::new(schema))
}

#[derive(Clone)]
pub struct Bridge {
    state: Arc<AppState>,
    tools: Arc<Vec<ToolDef>>,
}

impl Bridge {
    pub fn new(state: Arc<AppState>, tools: Arc<Vec<ToolDef>>) -> Self {
        Bridge { state, tools }
    }
}

fn caller(ctx: &RequestContext<RoleServer>) -> Result<AuthedClient, ErrorData> {
    ctx.extensions
        .get::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<AuthedClient>())
        .cloned()
        .ok_or_else(|| ErrorData::invalid_request("request is not authenticated", None))
}

impl Bridge {
    /// Checks the profile and the rate limit, then runs the handler.
    async fn run(
        &self,
        tool: &ToolDef,
        client: &AuthedClient,
        args: Map<String, Value>,
    ) -> Result<ToolOutput, ToolError> {
        let Some(profile) = self.state.profiles.get(&client.profile) else {
            return Err(ToolError::Permission(format!(
                "profile '{}' of client '{}' is not loaded (missing or invalid file in PROFILES_DIR): no access",
                client.profile, client.name
            )));
        };
        tool.access
            .check(&profile)
            .map_err(|why| ToolError::Permission(format!("{why}; the tool {} is not available to you", tool.name)))?;
        let (product, category, per_minute) = tool.limit.resolve(&profile, &self.state.config);
        self.state
            .limits
            .take(&client.name, product, category, per_minute)
            .map_err(|wait| ToolError::RateLimited {
                category: category.as_str(),
                limit: per_minute,
                wait,
            })?;
        let ctx = Ctx {
            state: self.state.clone(),
            client: client.clone(),
            profile,
        };
        (tool.handler)(ctx, args).await
    }
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
        let client = caller(&context)?;
        let profile = self.state.profiles.get(&client.profile);
        let visible = self
            .tools
            .iter()
            .filter(|t| match &profile {
                Some(p) => t.access.check(p).is_ok(),
                None => t.name == "bridge_whoami",
            })
            .map(to_mcp)
            .collect();
        Ok(ListToolsResult::with_all_items(visible))
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
        let args = request.arguments.unwrap_or_default();
        // Only these argument values reach audit.log; passwords and request bodies never do.
        let text = |k: &str| args.get(k).and_then(Value::as_str).map(str::to_string);
        let host = text("host");
        let operation = text("operation").or_else(|| tool.operation.map(str::to_string));
        let outcome = self.run(tool, &client, args).await;
        let mut line = json!({
            "client": client.name,
            "profile": client.profile,
            "tool": tool.name,
            "host": host,
            "operation": operation,
            "outcome": match &outcome { Ok(_) => "ok", Err(e) => e.outcome() },
            "duration_ms": started.elapsed().as_millis() as u64,
        });
        if let Err(ToolError::Permission(why)) = &outcome {
            line["denied"] = json!(why);
        }
        self.state.audit.event("tool_call", line);
        let result = match outcome {
            Ok(ToolOutput { value, images }) => {
                let text = serde_json::to_string_pretty(&value).unwrap_or_default();
                let mut content = vec![ContentBlock::text(text)];
                for image in images {
                    content.push(ContentBlock::image(
                        base64::engine::general_purpose::STANDARD.encode(&image.data),
                        image.mime,
                    ));
                }
                let mut r = CallToolResult::success(content);
                r.structured_content = Some(value);
                r
            }
            Err(e) => CallToolResult::error(vec![ContentBlock::text(e.to_string())]),
        };
        Ok(result.into())
    }
}

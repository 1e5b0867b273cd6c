//! ai-bridge: the MCP server. Start-up order, transport security, authentication (static RS256
//! JWTs and OAuth 2.1) and the tool registry; the Cisco tools plug into [`mcp::ToolDef`].

pub mod auth;
pub mod clients;
pub mod config;
pub mod credentials;
pub mod demo;
pub mod fsutil;
pub mod http;
pub mod keys;
pub mod logging;
pub mod mcp;
pub mod profiles;
pub mod serve;
pub mod state;
pub mod tls;

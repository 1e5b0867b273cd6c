//! ai-bridge: the MCP server. Start-up order, transport security, authentication (static RS256
//! JWTs and OAuth 2.1), RBAC profiles and rate limits, and the tools ([`tools::ToolDef`]).

pub mod auth;
pub mod backup;
pub mod clients;
pub mod config;
pub mod credentials;
pub mod cucm;
pub mod demo;
pub mod fsutil;
pub mod host_keys;
pub mod http;
pub mod keys;
pub mod limits;
pub mod logging;
pub mod mcp;
pub mod profile_store;
pub mod profiles;
pub mod serve;
pub mod state;
pub mod tls;
pub mod tools;
pub mod vos_cli;

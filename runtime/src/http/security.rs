//! DNS-rebinding protection: the Host header must name an allowed host (`*` matches any port)
//! and an Origin header, when present, an allowed origin. 421 / 403 with a JSON body, audited.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::AppState;

/// `pattern` is `host`, `host:port` or `host:*`.
pub fn host_allowed(host: &str, patterns: &[String]) -> bool {
    let (h, p) = split_host_port(host);
    patterns.iter().any(|pat| {
        let (ph, pp) = split_host_port(pat);
        (ph == "*" || ph.eq_ignore_ascii_case(h)) && (pp == Some("*") || pp.is_none() || pp == p)
    })
}

fn split_host_port(s: &str) -> (&str, Option<&str>) {
    if let Some(rest) = s.strip_prefix('[') {
        let (h, tail) = rest.split_once(']').unwrap_or((rest, ""));
        return (h, tail.strip_prefix(':'));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, Some(p)),
        _ => (s, None),
    }
}

/// An origin (`scheme://host[:port]`) is allowed when listed exactly, or when its host is an
/// allowed host (the server's own pages and local tools).
pub fn origin_allowed(origin: &str, origins: &[String], hosts: &[String]) -> bool {
    if origins.iter().any(|o| o == origin || o == "*") {
        return true;
    }
    match url::Url::parse(origin) {
        Ok(u) => {
            let host = match (u.host_str(), u.port_or_known_default()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_string(),
                _ => return false,
            };
            origins.is_empty() && host_allowed(&host, hosts)
        }
        Err(_) => false,
    }
}

/// The authority the client addressed: the Host header (HTTP/1.1) or the URI's (HTTP/2).
pub fn request_host(req: &Request) -> Option<String> {
    req.headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
}

fn refuse(state: &AppState, status: StatusCode, error: &str, detail: String) -> Response {
    state.audit.event(
        "transport_security_refused",
        json!({"status": status.as_u16(), "error": error, "detail": detail}),
    );
    (status, axum::Json(json!({"error": error, "error_description": detail}))).into_response()
}

pub async fn check(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if !state.config.flag("MCP_SERVER_SECURITY_TRANSPORT_ENABLED") {
        return next.run(req).await;
    }
    let host = request_host(&req).unwrap_or_default();
    if !host_allowed(&host, &state.config.allowed_hosts) {
        return refuse(
            &state,
            StatusCode::MISDIRECTED_REQUEST,
            "host_not_allowed",
            format!("Host '{host}' is not in MCP_SERVER_SECURITY_ALLOWED_HOSTS"),
        );
    }
    if let Some(origin) = req.headers().get(http::header::ORIGIN).and_then(|o| o.to_str().ok()) {
        if !origin_allowed(origin, &state.config.allowed_origins, &state.config.allowed_hosts) {
            return refuse(
                &state,
                StatusCode::FORBIDDEN,
                "origin_not_allowed",
                format!("Origin '{origin}' is not allowed"),
            );
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_with_port_wildcards() {
        let allowed = ["localhost:*", "127.0.0.1:*", "mcp.domain.com:8443"].map(String::from);
        assert!(host_allowed("localhost:8443", &allowed));
        assert!(host_allowed("127.0.0.1:1", &allowed));
        assert!(host_allowed("mcp.domain.com:8443", &allowed));
        assert!(!host_allowed("mcp.domain.com:9000", &allowed));
        assert!(!host_allowed("evil.example:8443", &allowed));
        assert!(!host_allowed("localhost.evil.example:8443", &allowed));
    }

    #[test]
    fn origins_are_listed_or_fall_back_to_allowed_hosts() {
        let hosts = ["localhost:*".to_string()];
        assert!(origin_allowed("https://localhost:8443", &[], &hosts));
        assert!(!origin_allowed("https://evil.example", &[], &hosts));
        let origins = ["https://app.example.com".to_string()];
        assert!(origin_allowed("https://app.example.com", &origins, &hosts));
        assert!(!origin_allowed("https://localhost:8443", &origins, &hosts));
    }
}

//! One error type for every generated client call; each failure mode is its own variant so
//! callers (and the MCP server) can react to it without parsing strings.

use crate::json::JsonErrors;
use crate::value::ShapeError;
use crate::xml::{DecodeError, EncodeError, XmlError};

/// A SOAP fault; for AXL, the `axlError` detail is decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub operation: &'static str,
    pub faultcode: String,
    pub faultstring: String,
    pub axlcode: Option<i64>,
    pub axlmessage: Option<String>,
    pub request: Option<String>,
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.axlcode, &self.axlmessage) {
            (Some(code), Some(msg)) => write!(f, "{} failed: AXL error {code}: {msg}", self.operation),
            _ => write!(
                f,
                "{} failed: SOAP fault {}: {}",
                self.operation, self.faultcode, self.faultstring
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("authentication failed (HTTP 401): check the API user's name, password and role")]
    Unauthorized,
    #[error("the server does not support this schema version (HTTP 599): {0}")]
    VersionNotSupported(String),
    #[error("the server is throttling requests (HTTP 503){}", .retry_after.map(|s| format!("; retry after {s} s")).unwrap_or_default())]
    Throttled { retry_after: Option<u64> },
    #[error("the server answered HTTP {status} with an HTML page instead of SOAP: {title}")]
    HtmlPage { status: u16, title: String },
    #[error("unexpected HTTP {status}: {excerpt}")]
    Http { status: u16, excerpt: String },
    #[error("{0}")]
    Fault(Box<Fault>),
    #[error("the response body is truncated")]
    Truncated,
    #[error("the response is not valid XML: {0}")]
    Malformed(XmlError),
    #[error("the response is not a SOAP envelope: {0}")]
    NotSoap(String),
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error(transparent)]
    Encode(#[from] EncodeError),
    #[error(transparent)]
    InvalidArguments(#[from] JsonErrors),
    #[error(transparent)]
    Shape(#[from] ShapeError),
    #[error("request timed out: {0}")]
    Timeout(String),
    #[error("cannot reach the server: {0}")]
    Connect(String),
    #[error("HTTP transport error: {0}")]
    Transport(String),
    #[error("client configuration: {0}")]
    Config(String),
    #[error("call refused before sending: {0}")]
    Refused(String),
    /// A REST API's own error answer (CUPI: `{"errors": {"code": ..., "message": ...}}`).
    #[error("HTTP {status}: {code}: {message}")]
    Rest { status: u16, code: String, message: String },
    #[error("the answer does not have the declared shape: {0}")]
    ResponseShape(JsonErrors),
}

impl Error {
    /// A throttling answer worth retrying (HTTP 503, or AXL's memory allocation fault).
    pub fn is_throttling(&self) -> bool {
        match self {
            Error::Throttled { .. } => true,
            Error::Fault(f) => {
                let text = f.axlmessage.as_deref().unwrap_or(&f.faultstring);
                text.contains("Maximum AXL Memory Allocation Consumed") || text.contains("exceeds the allowed rate")
            }
            _ => false,
        }
    }
}

impl From<XmlError> for Error {
    fn from(e: XmlError) -> Self {
        match e {
            XmlError::Truncated => Error::Truncated,
            other => Error::Malformed(other),
        }
    }
}

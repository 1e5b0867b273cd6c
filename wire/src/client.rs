//! The HTTP side of a SOAP client: TLS, basic auth, the session cookie, timeouts, status
//! mapping, and the one hook every generated call passes through.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::schema::OperationDescriptor;
use crate::soap;
use crate::value::{Value, Wire};

/// Connection settings for one server.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://host:8443` (the client adds the service path).
    pub base_url: String,
    pub username: String,
    pub password: String,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    /// Extra trusted CA certificates (PEM bundle).
    pub ca_bundle_pem: Option<Vec<u8>>,
    /// Turns certificate verification off. Only when the caller explicitly asks.
    pub accept_invalid_certs: bool,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, username: impl Into<String>, password: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            username: username.into(),
            password: password.into(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            ca_bundle_pem: None,
            accept_invalid_certs: false,
        }
    }
}

/// Called around every operation: the single place for authorisation, limits and audit.
pub trait CallHook: Send + Sync {
    /// Refuse the call (nothing is sent) by returning an error message.
    fn before(&self, _op: &'static OperationDescriptor) -> Result<(), String> {
        Ok(())
    }
    fn after(&self, _op: &'static OperationDescriptor, _outcome: Result<(), &Error>, _elapsed: Duration) {}
}

/// A SOAP endpoint: one HTTP client (with its cookie jar) per endpoint.
#[derive(Clone)]
pub struct SoapClient {
    http: reqwest::Client,
    url: String,
    username: String,
    password: String,
    hook: Option<Arc<dyn CallHook>>,
}

impl std::fmt::Debug for SoapClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoapClient")
            .field("url", &self.url)
            .field("username", &self.username)
            .finish()
    }
}

/// A call whose generic value is turned into the typed response when it completes.
/// One small `poll` per response type, instead of one async state machine per operation.
pub struct TypedCall<'a, R> {
    inner: Pin<Box<dyn Future<Output = Result<Value, Error>> + Send + 'a>>,
    _out: PhantomData<fn() -> R>,
}

impl<R: Wire> Future for TypedCall<'_, R> {
    type Output = Result<R, Error>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner
            .as_mut()
            .poll(cx)
            .map(|r| r.and_then(|v| R::from_value(v).map_err(Error::Shape)))
    }
}

impl SoapClient {
    /// `path` is the service path, e.g. `/axl/`.
    pub fn new(config: &ClientConfig, path: &str) -> Result<Self, Error> {
        let mut builder = reqwest::Client::builder()
            .cookie_store(true)
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .tls_danger_accept_invalid_certs(config.accept_invalid_certs);
        if let Some(pem) = &config.ca_bundle_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| Error::Config(format!("CA bundle is not valid PEM: {e}")))?;
            if certs.is_empty() {
                return Err(Error::Config("CA bundle holds no certificate".into()));
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        let http = builder.build().map_err(|e| Error::Config(e.to_string()))?;
        Ok(SoapClient {
            http,
            url: format!("{}{}", config.base_url, path),
            username: config.username.clone(),
            password: config.password.clone(),
            hook: None,
        })
    }

    pub fn set_hook(&mut self, hook: Arc<dyn CallHook>) {
        self.hook = Some(hook);
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends a generic value; the response comes back as a generic value.
    pub fn call<'a>(
        &'a self,
        op: &'static OperationDescriptor,
        request: Value,
    ) -> Pin<Box<dyn Future<Output = Result<Value, Error>> + Send + 'a>> {
        Box::pin(self.call_value(op, request))
    }

    /// Sends a value and converts the response to `R` (generated methods use this).
    pub fn typed<'a, R: Wire>(&'a self, op: &'static OperationDescriptor, request: Value) -> TypedCall<'a, R> {
        TypedCall {
            inner: self.call(op, request),
            _out: PhantomData,
        }
    }

    async fn call_value(&self, op: &'static OperationDescriptor, request: Value) -> Result<Value, Error> {
        if let Some(h) = &self.hook {
            h.before(op).map_err(Error::Refused)?;
        }
        let started = Instant::now();
        let result = self.exchange(op, request).await;
        if let Some(h) = &self.hook {
            h.after(op, result.as_ref().map(|_| ()), started.elapsed());
        }
        result
    }

    async fn exchange(&self, op: &'static OperationDescriptor, request: Value) -> Result<Value, Error> {
        if let crate::schema::Binding::Http { .. } = op.binding {
            return self.exchange_rest(op, request).await;
        }
        let envelope = soap::request_envelope(op, &request)?;
        let response = self
            .http
            .post(&self.url)
            .basic_auth(&self.username, Some(&self.password))
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", soap::soap_action(op)?)
            .body(envelope)
            .send()
            .await
            .map_err(transport_error)?;
        let (status, retry_after, body) = read_response(response, "retry-after").await?;
        let retry_after = retry_after.and_then(|v| v.trim().parse().ok());
        interpret(op, status, retry_after, &body)
    }
}

impl SoapClient {
    /// A REST operation: path and query from the request, JSON in and out.
    async fn exchange_rest(&self, op: &'static OperationDescriptor, request: Value) -> Result<Value, Error> {
        let r = crate::rest::build(op, &request)?;
        let url = format!(
            "{}{}{}",
            self.url.trim_end_matches('/'),
            r.path,
            crate::rest::query_string(&r.query)
        );
        let method = reqwest::Method::from_bytes(r.method.as_bytes()).map_err(|e| Error::Config(e.to_string()))?;
        let mut builder = self
            .http
            .request(method, url)
            .basic_auth(&self.username, Some(&self.password))
            .header("Accept", "application/json");
        if let Some(body) = &r.body {
            builder = builder
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(body).map_err(|e| Error::Config(e.to_string()))?);
        }
        let response = builder.send().await.map_err(transport_error)?;
        let (status, location, body) = read_response(response, "location").await?;
        crate::rest::read(op, status, location.as_deref(), &body)
    }
}

/// Maps an HTTP answer to the response value or the matching error.
pub fn interpret(
    op: &'static OperationDescriptor,
    status: u16,
    retry_after: Option<u64>,
    body: &str,
) -> Result<Value, Error> {
    match status {
        200..=299 => {}
        401 => return Err(Error::Unauthorized),
        599 => return Err(Error::VersionNotSupported(excerpt(body))),
        503 => {
            if let Some(f) = soap::fault_in(op, body) {
                return Err(Error::Fault(Box::new(f)));
            }
            return Err(Error::Throttled { retry_after });
        }
        _ => {
            if let Some(f) = soap::fault_in(op, body) {
                return Err(Error::Fault(Box::new(f)));
            }
            if let Some(title) = html_page(body) {
                return Err(Error::HtmlPage { status, title });
            }
            return Err(Error::Http {
                status,
                excerpt: excerpt(body),
            });
        }
    }
    if let Some(title) = html_page(body) {
        return Err(Error::HtmlPage { status, title });
    }
    soap::read_response(op, body)
}

fn html_page(body: &str) -> Option<String> {
    let head = body.trim_start().get(..15).unwrap_or("").to_ascii_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<html") {
        Some(soap::html_title(body).unwrap_or_else(|| "(untitled page)".into()))
    } else {
        None
    }
}

fn excerpt(body: &str) -> String {
    let text: String = body.chars().take(200).collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An error and all its sources, `a: b: c` (TLS and DNS causes hide in the sources).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

/// Status, one header the caller needs, and the whole body (a body cut short is an error).
async fn read_response(response: reqwest::Response, header: &str) -> Result<(u16, Option<String>, String), Error> {
    let status = response.status().as_u16();
    let value = response
        .headers()
        .get(header)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = response.text().await.map_err(|e| {
        if e.is_timeout() {
            Error::Timeout(e.to_string())
        } else {
            Error::Truncated
        }
    })?;
    Ok((status, value, body))
}

fn transport_error(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::Timeout(e.to_string())
    } else if e.is_connect() {
        Error::Connect(error_chain(&e))
    } else {
        Error::Transport(e.to_string())
    }
}

/// The part of every generated service client that does not depend on its operations: the
/// struct, construction, the hook, and operation lookup. Generated code adds one method per
/// operation in its own `impl` block.
#[macro_export]
macro_rules! service_client {
    ($name:ident, $doc:expr, $path:expr, $operations:expr) => {
        #[doc = $doc]
        #[derive(Debug, Clone)]
        pub struct $name {
            inner: $crate::SoapClient,
        }

        impl $name {
            pub fn new(config: &$crate::ClientConfig) -> Result<Self, $crate::Error> {
                Ok(Self {
                    inner: $crate::SoapClient::new(config, $path)?,
                })
            }
            /// Routes every call through `hook` (authorisation, limits, audit).
            pub fn with_hook(mut self, hook: std::sync::Arc<dyn $crate::CallHook>) -> Self {
                self.inner.set_hook(hook);
                self
            }
            pub fn inner(&self) -> &$crate::SoapClient {
                &self.inner
            }
            /// Every operation of this service, in schema order.
            pub fn operations() -> &'static [&'static $crate::OperationDescriptor] {
                $operations
            }
            pub fn operation(name: &str) -> Option<&'static $crate::OperationDescriptor> {
                $operations.iter().copied().find(|o| o.name == name)
            }
        }
    };
}

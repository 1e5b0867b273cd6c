//! uc-sim: a Cisco UC simulator for tests and for `ai-bridge demo`. AXL is served from the
//! same descriptors the code generator produces (every compiled version), RIS from the phone
//! store; both over HTTPS with a self-signed certificate, HTTP basic auth and the
//! `JSESSIONIDSSO` cookie, as a CUCM does.

pub mod axl;
pub mod cupi;
pub mod image;
pub mod phones;
pub mod ris;
pub mod seed;
pub mod sql;
pub mod ssh;
pub mod store;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::Engine;

use crate::store::Store;

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub phones: usize,
    pub username: String,
    pub password: String,
    /// "Query request too large" past this many bytes of response.
    pub max_response_bytes: usize,
    /// RisPort70's rate limit.
    pub ris_rate_per_minute: u32,
    pub version_string: String,
    /// What the IM and Presence listener's getCCMVersion answers.
    pub imp_version_string: String,
    /// How many phones get a web server (screenshots), and its credentials.
    pub phone_servers: usize,
    pub phone_username: String,
    pub phone_password: String,
    /// The platform (OS) CLI administrator.
    pub os_username: String,
    pub os_password: String,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 42,
            phones: 500,
            username: "axladmin".into(),
            password: "sim-password".into(),
            max_response_bytes: 8 * 1024 * 1024,
            ris_rate_per_minute: 15,
            version_string: "15.0.1.12900(234)".into(),
            imp_version_string: "15.0.1.12900(18)".into(),
            phone_servers: 3,
            phone_username: "phoneuser".into(),
            phone_password: "phone-password".into(),
            os_username: "administrator".into(),
            os_password: "os-password".into(),
        }
    }
}

/// How the throttle answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    /// HTTP 503.
    ServiceUnavailable,
    /// The "Maximum AXL Memory Allocation Consumed" fault.
    MemoryFault,
}

#[derive(Debug)]
pub struct Sim {
    pub config: SimConfig,
    pub store: Mutex<Store>,
    throttle: Mutex<Option<(u32, Throttle)>>,
    pub ris_calls: Mutex<VecDeque<Instant>>,
    pub cupi: Mutex<cupi::Cupi>,
    session: String,
}

impl Sim {
    pub fn new(config: SimConfig) -> Arc<Sim> {
        let mut store = Store::default();
        seed::populate(&mut store, config.seed, config.phones);
        let session = format!("{:032X}", config.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let vm_users: Vec<(String, String, String)> = store
            .tables
            .get("User")
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .take(20)
            .map(|u| {
                let t = |n: &str| u.child_text(n).unwrap_or("").to_string();
                (t("userid"), t("firstName"), t("lastName"))
            })
            .collect();
        let cupi = Mutex::new(cupi::Cupi::seed(&vm_users));
        Arc::new(Sim {
            config,
            store: Mutex::new(store),
            throttle: Mutex::new(None),
            ris_calls: Mutex::new(VecDeque::new()),
            cupi,
            session,
        })
    }

    /// The next `n` AXL requests are throttled.
    pub fn throttle_next(&self, n: u32, how: Throttle) {
        *self.throttle.lock().unwrap_or_else(|e| e.into_inner()) = Some((n, how));
    }

    fn take_throttle(&self) -> Option<Response> {
        let mut t = self.throttle.lock().unwrap_or_else(|e| e.into_inner());
        let (n, how) = (*t)?;
        *t = if n > 1 { Some((n - 1, how)) } else { None };
        Some(match how {
            Throttle::ServiceUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                [("retry-after", "1")],
                "Service Unavailable",
            )
                .into_response(),
            Throttle::MemoryFault => axl::fault(-1, "Maximum AXL Memory Allocation Consumed", ""),
        })
    }

    /// HTTP basic auth as CUCM checks it: 401 with an HTML page when wrong.
    fn check_auth(&self, headers: &HeaderMap) -> Option<Response> {
        let expected = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.config.username, self.config.password));
        let given = headers
            .get("authorization")
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Basic "));
        let cookie_ok = headers.get("cookie").and_then(|c| c.to_str().ok()).is_some_and(|c| {
            c.split(';')
                .any(|p| p.trim() == format!("JSESSIONIDSSO={}", self.session))
        });
        if given == Some(expected.as_str()) || (given.is_none() && cookie_ok) {
            return None;
        }
        Some(
            (
                StatusCode::UNAUTHORIZED,
                [("content-type", "text/html"), ("www-authenticate", "Basic realm=\"Cisco Unified Communications Manager\"")],
                "<html><head><title>401 Unauthorized</title></head><body><h1>HTTP Status 401 - Unauthorized</h1></body></html>",
            )
                .into_response(),
        )
    }
}

async fn with_session(sim: Arc<Sim>, req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let had = req
        .headers()
        .get("cookie")
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.contains("JSESSIONIDSSO="));
    let mut res = next.run(req).await;
    if !had && res.status() != StatusCode::UNAUTHORIZED {
        if let Ok(v) = format!("JSESSIONIDSSO={}; Path=/; Secure; HttpOnly", sim.session).parse() {
            res.headers_mut().insert("set-cookie", v);
        }
    }
    res
}

pub fn router(sim: Arc<Sim>) -> Router {
    let s = sim.clone();
    Router::new()
        .route("/axl/", post(axl::handle))
        .route("/axl", post(axl::handle))
        .route("/realtimeservice2/services/RISService70", post(ris::handle))
        .route("/vmrest/{*path}", axum::routing::any(cupi::handle))
        .layer(axum::middleware::from_fn(move |req, next| {
            with_session(s.clone(), req, next)
        }))
        .with_state(sim)
}

/// An IM and Presence node: its AXL toolkit on the same store, behind the same session layer.
pub fn imp_router(sim: Arc<Sim>) -> Router {
    let s = sim.clone();
    let path = cisco_uc::imp::ENDPOINT_PATH;
    Router::new()
        .route(path, post(axl::handle_imp))
        .route(path.trim_end_matches('/'), post(axl::handle_imp))
        .layer(axum::middleware::from_fn(move |req, next| {
            with_session(s.clone(), req, next)
        }))
        .with_state(sim)
}

/// A running simulator.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    /// The IM and Presence node (HTTPS, the same certificate and logins).
    pub imp_addr: SocketAddr,
    pub sim: Arc<Sim>,
    /// The self-signed certificate, for clients to trust.
    pub cert_pem: String,
    /// Phones with a web server.
    pub phones: Vec<phones::PhoneServer>,
    /// The CUCM-like CLI over SSH.
    pub ssh: ssh::SshCli,
    handles: Vec<axum_server::Handle<SocketAddr>>,
}

impl Running {
    pub fn base_url(&self) -> String {
        format!("https://{}", self.addr)
    }
    pub fn imp_base_url(&self) -> String {
        format!("https://{}", self.imp_addr)
    }
    pub fn shutdown(&self) {
        self.ssh.shutdown();
        for h in &self.handles {
            h.graceful_shutdown(Some(std::time::Duration::from_secs(2)));
        }
    }
}

/// Starts the simulator on `addr` (port 0 picks one) over HTTPS.
pub async fn start(config: SimConfig, addr: SocketAddr) -> std::io::Result<Running> {
    let key = rcgen::KeyPair::generate().map_err(std::io::Error::other)?;
    let params =
        rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).map_err(std::io::Error::other)?;
    let cert = params.self_signed(&key).map_err(std::io::Error::other)?;
    let cert_pem = cert.pem();
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem(
        cert_pem.clone().into_bytes(),
        key.serialize_pem().into_bytes(),
    )
    .await?;
    let sim = Sim::new(config);
    // One phone of each kind of screen first, so both image formats are served.
    let devices: Vec<(String, String)> = {
        let store = sim.store.lock().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<(String, String)> = store
            .tables
            .get("Phone")
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|p| {
                (
                    p.child_text("name").unwrap_or("").to_string(),
                    p.child_text("model").unwrap_or("").to_string(),
                )
            })
            .collect();
        // Stable: BMP models first, then PNG ones, each in store order; then alternate.
        let (bmp, png): (Vec<_>, Vec<_>) = all.drain(..).partition(|(_, m)| phones::uses_bmp(m));
        let mut chosen = Vec::new();
        let (mut b, mut p) = (bmp.into_iter(), png.into_iter());
        while chosen.len() < sim.config.phone_servers {
            match (b.next(), p.next()) {
                (None, None) => break,
                (x, y) => chosen.extend(x.into_iter().chain(y)),
            }
        }
        chosen.truncate(sim.config.phone_servers);
        chosen
    };
    let ssh = ssh::start(
        sim.config.seed,
        &sim.config.os_username,
        &sim.config.os_password,
        &sim.config.version_string,
    )
    .await?;
    let phone_servers = phones::start(&devices, &sim.config.phone_username, &sim.config.phone_password).await?;
    {
        // Phones with a web server are registered at their server's address, so a client that
        // resolves a device name through RIS reaches it.
        let mut store = sim.store.lock().unwrap_or_else(|e| e.into_inner());
        for p in &phone_servers {
            if let Some(r) = store.registrations.get_mut(&p.name) {
                r.status = "Registered";
                r.ip = p.addr.ip().to_string();
            }
        }
    }
    let (addr, cucm) = serve_https(addr, tls.clone(), router(sim.clone()))?;
    // The IM&P node listens beside it, on the same IP, any free port.
    let (imp_addr, imp) = serve_https(SocketAddr::new(addr.ip(), 0), tls, imp_router(sim.clone()))?;
    Ok(Running {
        addr,
        imp_addr,
        sim,
        cert_pem,
        phones: phone_servers,
        ssh,
        handles: vec![cucm, imp],
    })
}

fn serve_https(
    addr: SocketAddr,
    tls: axum_server::tls_rustls::RustlsConfig,
    app: Router,
) -> std::io::Result<(SocketAddr, axum_server::Handle<SocketAddr>)> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let handle = axum_server::Handle::new();
    let server = axum_server::from_tcp_rustls(listener, tls)?.handle(handle.clone());
    tokio::spawn(async move {
        let _ = server.serve(app.into_make_service()).await;
    });
    Ok((addr, handle))
}

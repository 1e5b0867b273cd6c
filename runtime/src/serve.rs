//! Start-up in the documented order (configuration, logging, TLS certificate, RSA keys,
//! clients) and the HTTPS server with graceful shutdown on SIGTERM/SIGINT.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::config::Config;
use crate::logging::{self, Audit};
use crate::profile_store::ProfileStore;
use crate::state::AppState;
use crate::{clients, http, keys, tls};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("logging: {0}")]
    Logging(std::io::Error),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error(transparent)]
    Keys(#[from] keys::KeyError),
    #[error(transparent)]
    Clients(#[from] clients::ClientError),
    #[error("profiles: {0}")]
    Profiles(String),
    #[error("tools: {0}")]
    Tools(String),
    #[error("cannot listen on {addr}: {message}")]
    Listen { addr: String, message: String },
}

/// A running server.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    pub shutdown: CancellationToken,
    pub done: tokio::task::JoinHandle<()>,
    /// Secrets created at this start-up (shown once).
    pub new_secrets: Vec<(String, String)>,
}

/// Runs start-up and begins serving.
pub async fn start(root: &Path) -> Result<Running, StartError> {
    let config = Config::load(root)?;
    logging::init(&config).map_err(StartError::Logging)?;
    for (key, line) in &config.unknown_keys {
        tracing::warn!(".env line {line}: unknown key {key} is ignored");
    }
    let audit = Audit::open(&config).map_err(StartError::Logging)?;
    let (source, renewed) = tls::CertSource::prepare(&config)?;
    if renewed {
        tracing::info!("generated a self-signed certificate at {}", source.cert.display());
    }
    let resolver = tls::Resolver::new(source.load()?);
    let tls_config = tls::server_config(resolver.clone())?;
    let (server_keys, generated) = keys::ensure(&config)?;
    if generated {
        tracing::info!("generated a {}-bit RSA key pair", config.get("AUTH_RSA_KEY_SIZE"));
    }
    let reports = clients::sync(&config, &server_keys, &audit)?;
    let new_secrets: Vec<(String, String)> = reports
        .iter()
        .filter_map(|r| r.new_secret.clone().map(|s| (r.client.clone(), s)))
        .collect();

    let profiles = Arc::new(
        ProfileStore::open(&config, &audit)
            .map_err(|e| StartError::Profiles(format!("{}: {e}", config.path("PROFILES_DIR").display())))?,
    );
    profiles
        .watch(audit.clone())
        .map_err(|e| StartError::Profiles(format!("cannot watch {}: {e}", config.path("PROFILES_DIR").display())))?;
    let tools = crate::tools::all(&config).map_err(StartError::Tools)?;

    let addr_text = format!("{}:{}", config.get("MCP_SERVER_HOST"), config.get("MCP_SERVER_PORT"));
    let listener = TcpListener::bind(&addr_text).await.map_err(|e| StartError::Listen {
        addr: addr_text.clone(),
        message: e.to_string(),
    })?;
    let addr = listener.local_addr().map_err(|e| StartError::Listen {
        addr: addr_text,
        message: e.to_string(),
    })?;

    let state = Arc::new(AppState::new(config, server_keys, audit, profiles));
    let shutdown = CancellationToken::new();
    let app = http::router(state.clone(), tools, shutdown.child_token());

    tokio::spawn(renew_daily(source, resolver, shutdown.clone()));
    if state.config.flag("BACKUP_ENABLED") {
        tokio::spawn(crate::backup::schedule::run(
            state.config.clone(),
            state.audit.clone(),
            shutdown.clone(),
        ));
    }
    let done = tokio::spawn(accept_loop(
        listener,
        TlsAcceptor::from(tls_config),
        app,
        shutdown.clone(),
    ));
    tracing::info!(
        "serving MCP on https://{addr}{}",
        state.config.get("MCP_SERVER_URL_PATH")
    );
    Ok(Running {
        addr,
        state,
        shutdown,
        done,
        new_secrets,
    })
}

async fn renew_daily(source: tls::CertSource, resolver: Arc<tls::Resolver>, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(86400)) => {}
            _ = stop.cancelled() => return,
        }
        match source
            .renew_if_needed()
            .and_then(|renewed| if renewed { source.load().map(Some) } else { Ok(None) })
        {
            Ok(Some(key)) => {
                resolver.replace(key);
                tracing::info!("renewed the self-signed certificate");
            }
            Ok(None) => {}
            Err(e) => tracing::error!("certificate renewal failed: {e}"),
        }
    }
}

async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, app: axum::Router, stop: CancellationToken) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    continue;
                }
            },
            _ = stop.cancelled() => break,
        };
        // Small SSE frames must not wait for delayed ACKs (Nagle adds ~40 ms per call otherwise).
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let app = app.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::debug!("TLS handshake with {peer} failed: {e}");
                    return;
                }
                Err(_) => return,
            };
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(req.map(axum::body::Body::new))
            });
            let builder = auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(tls), service);
            if let Err(e) = watcher.watch(conn.into_owned()).await {
                tracing::debug!("connection from {peer}: {e}");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 10 s; closing them");
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

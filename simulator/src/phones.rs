//! A few simulated phone web servers: `GET /CGI/Screenshot` with HTTP basic auth returns the
//! phone's screen (PNG for 88xx/99xx, BMP for the older 78xx/79xx) showing its device name.

use std::net::SocketAddr;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;

use crate::image::Canvas;

/// One phone's web server.
#[derive(Debug, Clone)]
pub struct PhoneServer {
    pub name: String,
    pub model: String,
    pub addr: SocketAddr,
}

#[derive(Debug, Clone)]
struct Phone {
    name: String,
    model: String,
    auth: String,
}

/// Whether the model answers with a BMP (older phones) rather than a PNG.
pub fn uses_bmp(model: &str) -> bool {
    model.contains(" 78") || model.contains(" 79")
}

pub fn screen(name: &str, model: &str) -> (Vec<u8>, &'static str) {
    let (w, h) = if uses_bmp(model) { (396, 162) } else { (800, 480) };
    let mut c = Canvas::new(w, h, [232, 238, 244]);
    for x in 0..w {
        for y in 0..28 {
            c.pixels[y * w + x] = [24, 54, 92];
        }
    }
    c.text(8, 7, model, 2, [255, 255, 255]);
    c.text(16, h / 2 - 14, name, 4, [20, 20, 20]);
    if uses_bmp(model) {
        (c.bmp(), "image/bmp")
    } else {
        (c.png(), "image/png")
    }
}

async fn screenshot(State(phone): State<Phone>, headers: HeaderMap) -> Response {
    let given = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Basic "));
    if given != Some(phone.auth.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            [("www-authenticate", "Basic realm=\"user\"")],
            "<html><body>401 Unauthorized</body></html>",
        )
            .into_response();
    }
    let (bytes, kind) = screen(&phone.name, &phone.model);
    (StatusCode::OK, [("content-type", kind)], bytes).into_response()
}

/// Binds one listener per phone on 127.0.0.2, 127.0.0.3, ... (all of 127/8 is loopback on
/// Linux), sharing one port, so RIS can report each phone's own IP as a real phone would.
async fn bind_phones(count: usize) -> std::io::Result<Vec<tokio::net::TcpListener>> {
    let mut last_error = None;
    for _ in 0..20 {
        let first = tokio::net::TcpListener::bind("127.0.0.2:0").await?;
        let port = first.local_addr()?.port();
        let mut listeners = vec![first];
        for i in 1..count {
            match tokio::net::TcpListener::bind((std::net::Ipv4Addr::new(127, 0, 0, 2 + i as u8), port)).await {
                Ok(l) => listeners.push(l),
                Err(e) => {
                    last_error = Some(e);
                    break;
                }
            }
        }
        if listeners.len() == count {
            return Ok(listeners);
        }
    }
    Err(last_error.unwrap_or_else(|| std::io::Error::other("no shared port for the phone servers")))
}

/// Starts one server per `(name, model)` on its own loopback address.
pub async fn start(devices: &[(String, String)], user: &str, password: &str) -> std::io::Result<Vec<PhoneServer>> {
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let mut out = Vec::new();
    let listeners = if devices.is_empty() {
        Vec::new()
    } else {
        bind_phones(devices.len().min(250)).await?
    };
    for ((name, model), listener) in devices.iter().zip(listeners) {
        let addr = listener.local_addr()?;
        let phone = Phone {
            name: name.clone(),
            model: model.clone(),
            auth: auth.clone(),
        };
        let app = Router::new()
            .route("/CGI/Screenshot", get(screenshot))
            .with_state(phone);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        out.push(PhoneServer {
            name: name.clone(),
            model: model.clone(),
            addr,
        });
    }
    Ok(out)
}

//! `phone_screenshot`: a phone's screen as PNG. The device name is resolved to its IP through
//! RisPort on the given CUCM (or an address is given directly); the phone's web server is
//! asked with the phone user stored for that CUCM.
//!
//! Certificate verification is off for phone connections only: phone certificates are
//! self-signed and named after the MAC address, so strict X.509 validation always fails.
//! Every other connection (CUCM, Unity Connection, SFTP) keeps verification on.

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::ris::{select_devices, Selection};
use super::{only_keys, opt_text_arg, split_host, text_arg, Access, Ctx, Image, Limit, ToolDef, ToolError, ToolOutput};
use crate::credentials::{Credential, CredentialStore, Kind};
use crate::limits::Category;

const PRODUCT: &str = "cucm";

/// A device name as CUCM allows it (SEP + MAC, or other device names): no spaces or wildcards.
fn valid_device_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The phone's IP from RisPort (a registered device first), and its status.
async fn resolve(ctx: &Ctx, host: &str, device: &str) -> Result<(String, String), ToolError> {
    let found = select_devices(
        ctx,
        host,
        &Selection {
            class: "Phone".into(),
            status: "Any".into(),
            select_by: "Name".into(),
            items: vec![device.to_string()],
            max_devices: 10,
            max_pages: 1,
        },
    )
    .await?;
    let devices = found["devices"].as_array().cloned().unwrap_or_default();
    let matching: Vec<&Value> = devices
        .iter()
        .filter(|d| d["Name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(device)))
        .collect();
    let best = matching
        .iter()
        .find(|d| d["Status"] == "Registered")
        .or_else(|| matching.first())
        .ok_or_else(|| {
            ToolError::Failed(format!(
                "{device} is not known to RisPort on {host} (not registered to any node)"
            ))
        })?;
    let status = best["Status"].as_str().unwrap_or("Unknown").to_string();
    let ip = best
        .pointer("/IPAddress/item/0/IP")
        .or_else(|| best.pointer("/IPAddress/item/IP"))
        .and_then(Value::as_str)
        .filter(|ip| !ip.is_empty())
        .ok_or_else(|| ToolError::Failed(format!("{device} has no IP address in RisPort (status {status})")))?;
    if status != "Registered" {
        return Err(ToolError::Failed(format!(
            "{device} is {status} on {host}, not registered: it cannot be asked for a screenshot"
        )));
    }
    Ok((ip.to_string(), status))
}

enum Fetch {
    Image(Vec<u8>, String),
    NotFound,
    /// Connection refused or reset: the phone may only listen on HTTPS.
    Unreachable(String),
}

async fn fetch(client: &reqwest::Client, url: &str, cred: &Credential, timeout: u64) -> Result<Fetch, ToolError> {
    let r = match client
        .get(url)
        .basic_auth(&cred.username, Some(&cred.password))
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) if e.is_timeout() => {
            return Err(ToolError::Failed(format!(
                "{url}: the phone did not answer within {timeout} s"
            )))
        }
        Err(e) => return Ok(Fetch::Unreachable(uc_wire::error_chain(&e))),
    };
    match r.status().as_u16() {
        200 => {
            let kind = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let bytes = r.bytes().await.map_err(|e| {
                ToolError::Failed(if e.is_timeout() {
                    format!("{url}: the phone did not finish sending within {timeout} s")
                } else {
                    format!("{url}: {}", uc_wire::error_chain(&e))
                })
            })?;
            Ok(Fetch::Image(bytes.to_vec(), kind))
        }
        401 | 403 => Err(ToolError::Failed(format!(
            "{url}: the phone refused the login of '{}' (HTTP {}): check the phone user stored with phone_store_credentials and that it is associated with this device in CUCM",
            cred.username,
            r.status().as_u16()
        ))),
        404 => Ok(Fetch::NotFound),
        s => Err(ToolError::Failed(format!("{url}: unexpected HTTP {s}"))),
    }
}

const RECOMPRESS_ABOVE: usize = 256 * 1024;

/// PNG as is (recompressed when large); BMP (older phones) converted to PNG.
fn to_png(bytes: Vec<u8>) -> Result<(Vec<u8>, u32, u32, bool), ToolError> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
            .map_err(|e| ToolError::Failed(format!("the phone sent a broken PNG: {e}")))?;
        if bytes.len() <= RECOMPRESS_ABOVE {
            return Ok((bytes, img.width(), img.height(), false));
        }
        // Some firmware sends barely compressed PNGs; MCP clients cap message sizes (1 MB).
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(|e| ToolError::Failed(format!("recompressing the PNG: {e}")))?;
        return Ok((png, img.width(), img.height(), false));
    }
    if bytes.starts_with(b"BM") {
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Bmp)
            .map_err(|e| ToolError::Failed(format!("the phone sent a broken BMP: {e}")))?;
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(|e| ToolError::Failed(format!("converting the BMP to PNG: {e}")))?;
        return Ok((png, img.width(), img.height(), true));
    }
    Err(ToolError::Failed(format!(
        "the phone answered with something that is neither PNG nor BMP ({} bytes)",
        bytes.len()
    )))
}

async fn screenshot(ctx: Ctx, args: Map<String, Value>) -> Result<ToolOutput, ToolError> {
    only_keys(&args, &["host", "device", "address"])?;
    let host = text_arg(&args, "host")?;
    let device = opt_text_arg(&args, "device")?;
    let address = opt_text_arg(&args, "address")?;
    let config = &ctx.state.config;
    let cred = CredentialStore::open(config, &ctx.client.name)?
        .get(&host, Kind::Phone)
        .cloned()
        .ok_or_else(|| {
            ToolError::Failed(format!(
                "no phone credentials are stored for {host}; store the phones' web user with phone_store_credentials"
            ))
        })?;
    let http_port = config.int("SERVER_CUCM_PHONE_HTTP_PORT") as u16;
    let (label, ip, port_given) = match (&device, &address) {
        (Some(d), None) => {
            if !valid_device_name(d) {
                return Err(ToolError::InvalidArguments(format!(
                    "$.device: '{d}' is not a device name"
                )));
            }
            let (ip, _) = resolve(&ctx, &host, d).await?;
            (d.clone(), ip, None)
        }
        (None, Some(a)) => {
            let (ip, port) = split_host(a, http_port)?;
            let given = a.contains("]:") || (a.matches(':').count() == 1);
            (a.clone(), ip, given.then_some(port))
        }
        _ => {
            return Err(ToolError::InvalidArguments(
                "give exactly one of $.device (resolved through RisPort) or $.address".into(),
            ))
        }
    };
    let timeout = config.int("SERVER_CUCM_PHONE_SCREENSHOT_TIMEOUT");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(timeout))
        .connect_timeout(Duration::from_secs(timeout))
        // Phone certificates are MAC-named and self-signed: see the module comment.
        .tls_danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .map_err(|e| ToolError::Failed(e.to_string()))?;
    let host_part = if ip.contains(':') {
        format!("[{ip}]")
    } else {
        ip.clone()
    };
    let http = format!("http://{host_part}:{}", port_given.unwrap_or(http_port));
    let https = format!(
        "https://{host_part}:{}",
        port_given.unwrap_or(config.int("SERVER_CUCM_PHONE_HTTPS_PORT") as u16)
    );
    // /CGI/Screenshot on HTTP first; /CGI/lcd.bmp where that is missing (older models);
    // HTTPS where HTTP is closed (models with web access on HTTPS only).
    let mut tried = Vec::new();
    let mut got = None;
    let mut http_closed = false;
    for (url, on_http) in [
        (format!("{http}/CGI/Screenshot"), true),
        (format!("{http}/CGI/lcd.bmp"), true),
        (format!("{https}/CGI/Screenshot"), false),
    ] {
        if on_http && http_closed {
            continue;
        }
        match fetch(&client, &url, &cred, timeout).await? {
            Fetch::Image(bytes, kind) => {
                got = Some((url, bytes, kind));
                break;
            }
            Fetch::NotFound => tried.push(format!("{url}: HTTP 404")),
            Fetch::Unreachable(why) => {
                http_closed |= on_http;
                tried.push(format!("{url}: {why}"));
            }
        }
    }
    let Some((url, bytes, content_type)) = got else {
        return Err(ToolError::Failed(format!(
            "no screenshot from {label}: {}",
            tried.join("; ")
        )));
    };
    let (png, width, height, converted) = to_png(bytes)?;
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    Ok(ToolOutput {
        value: json!({
            "device": device, "address": ip, "url": url, "time": now, "width": width, "height": height,
            "phone_content_type": content_type, "converted_from_bmp": converted, "png_bytes": png.len(),
            "summary": format!("Screenshot of {label} ({ip}) at {now}, {width}x{height}{}", if converted { ", converted from BMP" } else { "" }),
        }),
        images: vec![Image {
            mime: "image/png",
            data: png,
        }],
    })
}

pub fn tools() -> Vec<ToolDef> {
    vec![ToolDef::with_images(
        "phone_screenshot",
        "A Cisco IP phone's current screen as a PNG image. Give the CUCM host and either the device name (resolved to its IP through RisPort) or the phone's address. Uses the phone web user stored with phone_store_credentials for that CUCM.",
        json!({"type": "object", "properties": {
            "host": {"type": "string", "description": "the CUCM host the phone is registered to"},
            "device": {"type": "string", "description": "device name, e.g. SEP001122334455"},
            "address": {"type": "string", "description": "the phone's IP address (optionally :port), instead of device"},
        }, "required": ["host"], "additionalProperties": false}),
        Access::Screenshot { product: PRODUCT },
        Limit::Product(PRODUCT, Category::Phone),
        screenshot,
    )]
}

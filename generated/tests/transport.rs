//! The HTTP side against a real server on loopback: headers, basic auth, the session
//! cookie, the hook, timeouts and unreachable hosts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use cisco_uc::axl::v15_0 as axl;
use uc_wire::{CallHook, ClientConfig, Error, OperationDescriptor};

#[derive(Default)]
struct Seen {
    requests: Vec<(HeaderMap, String)>,
}

const VERSION_BODY: &str = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><ns:getCCMVersionResponse xmlns:ns=\"http://www.cisco.com/AXL/API/15.0\"><return><componentVersion><version>15.0.1.10000(1)</version></componentVersion></return></ns:getCCMVersionResponse></soapenv:Body></soapenv:Envelope>";

async fn serve(delay: Duration) -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let state = seen.clone();
    let app = Router::new().route(
        "/axl/",
        post(move |headers: HeaderMap, body: String| {
            let state = state.clone();
            async move {
                tokio::time::sleep(delay).await;
                let first = {
                    let mut s = state.lock().unwrap();
                    s.requests.push((headers.clone(), body));
                    s.requests.len() == 1
                };
                // Basic auth "axl:secret".
                if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Basic YXhsOnNlY3JldA==") {
                    return (
                        StatusCode::UNAUTHORIZED,
                        HeaderMap::new(),
                        "<html><title>401</title></html>".to_string(),
                    )
                        .into_response();
                }
                let mut out = HeaderMap::new();
                if first {
                    out.insert("set-cookie", "JSESSIONIDSSO=ABC123; Path=/".parse().unwrap());
                }
                out.insert("content-type", "text/xml".parse().unwrap());
                (StatusCode::OK, out, VERSION_BODY.to_string()).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn calls_send_soap_action_auth_and_reuse_the_session_cookie() {
    let (url, seen) = serve(Duration::ZERO).await;
    let client = axl::AxlClient::new(&ClientConfig::new(&url, "axl", "secret")).unwrap();
    let r1 = client.get_ccm_version(Default::default()).await.unwrap();
    assert_eq!(r1.r#return.component_version.version, "15.0.1.10000(1)");
    client.get_ccm_version(Default::default()).await.unwrap();
    let seen = seen.lock().unwrap();
    let (h1, body) = &seen.requests[0];
    assert_eq!(h1["soapaction"], "\"CUCM:DB ver=15.0 getCCMVersion\"");
    assert!(h1["content-type"].to_str().unwrap().starts_with("text/xml"));
    assert!(
        body.contains("<ns:getCCMVersion xmlns:ns=\"http://www.cisco.com/AXL/API/15.0\""),
        "{body}"
    );
    assert!(h1.get("cookie").is_none());
    let (h2, _) = &seen.requests[1];
    assert_eq!(h2["cookie"], "JSESSIONIDSSO=ABC123");
}

#[tokio::test]
async fn wrong_password_is_unauthorized() {
    let (url, _) = serve(Duration::ZERO).await;
    let client = axl::AxlClient::new(&ClientConfig::new(&url, "axl", "wrong")).unwrap();
    assert!(matches!(
        client.get_ccm_version(Default::default()).await,
        Err(Error::Unauthorized)
    ));
}

struct CountingHook {
    before: AtomicUsize,
    after: AtomicUsize,
    deny: bool,
}

impl CallHook for CountingHook {
    fn before(&self, op: &'static OperationDescriptor) -> Result<(), String> {
        self.before.fetch_add(1, Ordering::SeqCst);
        assert_eq!(op.name, "getCCMVersion");
        if self.deny {
            Err(format!("{} is not in the profile", op.rbac_name))
        } else {
            Ok(())
        }
    }
    fn after(&self, _op: &'static OperationDescriptor, outcome: Result<(), &Error>, _elapsed: Duration) {
        assert!(outcome.is_ok());
        self.after.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn every_call_passes_through_the_hook() {
    let (url, seen) = serve(Duration::ZERO).await;
    let hook = Arc::new(CountingHook {
        before: AtomicUsize::new(0),
        after: AtomicUsize::new(0),
        deny: false,
    });
    let client = axl::AxlClient::new(&ClientConfig::new(&url, "axl", "secret"))
        .unwrap()
        .with_hook(hook.clone());
    client.get_ccm_version(Default::default()).await.unwrap();
    assert_eq!(
        (hook.before.load(Ordering::SeqCst), hook.after.load(Ordering::SeqCst)),
        (1, 1)
    );

    let deny = Arc::new(CountingHook {
        before: AtomicUsize::new(0),
        after: AtomicUsize::new(0),
        deny: true,
    });
    let client = axl::AxlClient::new(&ClientConfig::new(&url, "axl", "secret"))
        .unwrap()
        .with_hook(deny.clone());
    let err = client.get_ccm_version(Default::default()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Refused(m) if m.contains("getCCMVersion is not in the profile")),
        "{err}"
    );
    assert_eq!(seen.lock().unwrap().requests.len(), 1, "a refused call sends nothing");
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let (url, _) = serve(Duration::from_secs(5)).await;
    let mut config = ClientConfig::new(&url, "axl", "secret");
    config.read_timeout = Duration::from_millis(300);
    let client = axl::AxlClient::new(&config).unwrap();
    let err = client.get_ccm_version(Default::default()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = axl::AxlClient::new(&ClientConfig::new(format!("http://{addr}"), "axl", "secret")).unwrap();
    let err = client.get_ccm_version(Default::default()).await.unwrap_err();
    assert!(matches!(err, Error::Connect(_)), "{err:?}");
}

#[test]
fn a_bad_ca_bundle_is_a_configuration_error() {
    let mut config = ClientConfig::new("https://cucm.example.com:8443", "axl", "secret");
    config.ca_bundle_pem = Some(b"not a certificate".to_vec());
    assert!(matches!(axl::AxlClient::new(&config), Err(Error::Config(_))));
}

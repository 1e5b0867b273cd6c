//! RisPort70 on `POST /realtimeservice2/services/RISService70`: selectCmDevice and
//! selectCmDeviceExt over the phone store, MaxReturnedDevices (at most 1000) with StateInfo
//! paging, and the real rate-control fault past the per-minute limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use uc_wire::xml::{self, Element};

use crate::axl::{envelope, xml_response};
use crate::seed::{leaf, node, MODELS};
use crate::store::like;
use crate::Sim;

pub const RIS_NS: &str = "http://schemas.cisco.com/ast/soap";
pub const RATE_FAULT: &str = "AxisFault: Exceeded allowed rate for Reatime information. Current allowed rate for realtime information is {limit} requests per minute.Exceeded allowed rate for Reatime information. Current allowed rate for realtime information is {limit} requests per minute.";

fn soap_fault(message: &str) -> Response {
    let mut m = String::new();
    xml::escape_into(&mut m, message);
    xml_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        envelope(&format!("<soapenv:Fault><faultcode>soapenv:Server.generalException</faultcode><faultstring>{m}</faultstring></soapenv:Fault>")),
    )
}

/// The offset a previous page's StateInfo asks to continue from.
fn offset_of(state_info: &str) -> usize {
    state_info
        .split("StateId=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

pub async fn handle(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = sim.check_auth(&headers) {
        return r;
    }
    {
        let mut calls = sim.ris_calls.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        calls.retain(|t| now.duration_since(*t) < Duration::from_secs(60));
        if calls.len() >= sim.config.ris_rate_per_minute as usize {
            return soap_fault(&RATE_FAULT.replace("{limit}", &sim.config.ris_rate_per_minute.to_string()));
        }
        calls.push_back(now);
    }
    let body = String::from_utf8_lossy(&body).to_string();
    let root = match xml::parse(&body) {
        Ok(r) => r,
        Err(e) => return soap_fault(&format!("Malformed request: {e}")),
    };
    let Some(req) = root.child("Body").and_then(|b| b.children.first()) else {
        return soap_fault("no SOAP Body content");
    };
    let Some(op) = cisco_uc::ris::OPERATIONS.iter().copied().find(|o| o.name == req.name) else {
        return soap_fault(&format!("No such operation '{}'", req.name));
    };
    if let Err(e) = xml::decode_struct(op.request, req, "") {
        return soap_fault(&format!("Invalid request: {e}"));
    }
    if op.name == "selectCtiItem" {
        return respond(
            op,
            &node(
                "selectCtiItemResponse",
                vec![node(
                    "selectCtiItemReturn",
                    vec![
                        node("SelectCtiItemResult", vec![leaf("TotalItemsFound", "0")]),
                        leaf("StateInfo", ""),
                    ],
                )],
            ),
        );
    }
    let criteria = req.child("CmSelectionCriteria").cloned().unwrap_or_default();
    let text = |n: &str| {
        criteria
            .child(n)
            .filter(|c| !c.nil)
            .map(|c| c.text.trim().to_string())
            .unwrap_or_default()
    };
    let max = text("MaxReturnedDevices")
        .parse::<usize>()
        .unwrap_or(1000)
        .clamp(1, 1000);
    let class = text("DeviceClass");
    let status = text("Status");
    let items: Vec<String> = criteria
        .child("SelectItems")
        .map(|s| {
            s.children
                .iter()
                .filter_map(|i| i.child("Item").map(|x| x.text.trim().replace('*', "%")))
                .collect()
        })
        .unwrap_or_default();
    let start = offset_of(req.child("StateInfo").map(|s| s.text.as_str()).unwrap_or(""));

    let store = sim.store.lock().unwrap_or_else(|e| e.into_inner());
    let mut matched = Vec::new();
    for phone in store.tables.get("Phone").map(Vec::as_slice).unwrap_or(&[]) {
        let name = phone.child_text("name").unwrap_or("");
        let Some(reg) = store.registrations.get(name) else {
            continue;
        };
        let class_ok = class.is_empty() || class.eq_ignore_ascii_case("Any") || class.eq_ignore_ascii_case("Phone");
        let status_ok =
            status.is_empty() || status.eq_ignore_ascii_case("Any") || status.eq_ignore_ascii_case(reg.status);
        let item_ok = items.is_empty() || items.iter().any(|p| p.is_empty() || like(p, name));
        if class_ok && status_ok && item_ok {
            matched.push((phone, reg));
        }
    }
    let total = matched.len();
    let page: Vec<_> = matched.into_iter().skip(start).take(max).collect();
    let next = start + page.len();
    let mut by_node: Vec<(String, Vec<Element>)> = Vec::new();
    for (phone, reg) in page {
        let model = phone.child_text("model").unwrap_or("");
        let number = MODELS.iter().find(|m| m.0 == model).map(|m| m.1).unwrap_or(0);
        let dn = phone
            .element
            .child("lines")
            .and_then(|l| l.find("pattern"))
            .map(|p| p.text.clone())
            .unwrap_or_default();
        let device = node(
            "item",
            vec![
                leaf("Name", phone.child_text("name").unwrap_or("")),
                leaf("DirNumber", &format!("{dn}-{}", reg.status)),
                leaf("DeviceClass", "Phone"),
                leaf("Model", &number.to_string()),
                leaf("Product", &number.to_string()),
                leaf("BoxProduct", "0"),
                leaf("Httpd", "Yes"),
                leaf("RegistrationAttempts", "0"),
                leaf("IsCtiControllable", "true"),
                leaf("LoginUserId", phone.child_text("ownerUserName").unwrap_or("")),
                leaf("Status", reg.status),
                leaf("StatusReason", "0"),
                leaf("PerfMonObject", "2"),
                leaf("DChannel", "0"),
                leaf("Description", phone.child_text("description").unwrap_or("")),
                leaf("TimeStamp", &reg.timestamp.to_string()),
                leaf("Protocol", phone.child_text("protocol").unwrap_or("SIP")),
                leaf("NumOfLines", "1"),
                leaf("ActiveLoadID", "sip88xx.14-2-1-0001-14"),
                leaf("DownloadStatus", "Successful"),
                node(
                    "IPAddress",
                    vec![node(
                        "item",
                        vec![
                            leaf("IP", &reg.ip),
                            leaf("IPAddrType", "ipv4"),
                            leaf("Attribute", "Unknown"),
                        ],
                    )],
                ),
            ],
        );
        match by_node.iter_mut().find(|(n, _)| *n == reg.node) {
            Some((_, list)) => list.push(device),
            None => by_node.push((reg.node.clone(), vec![device])),
        }
    }
    let nodes: Vec<Element> = by_node
        .into_iter()
        .map(|(n, devices)| {
            node(
                "item",
                vec![
                    leaf("ReturnCode", "Ok"),
                    leaf("Name", &n),
                    leaf("NoChange", "false"),
                    node("CmDevices", devices),
                ],
            )
        })
        .collect();
    let state_info = format!("<StateInfo><Node Name=\"cucm-pub\" SubsystemStartTime=\"1700000000\" StateId=\"{next}\" TotalItemsFound=\"{total}\" TableInstance=\"1\"/></StateInfo>");
    let response = node(
        "selectCmDeviceResponse",
        vec![node(
            "selectCmDeviceReturn",
            vec![
                node(
                    "SelectCmDeviceResult",
                    vec![leaf("TotalDevicesFound", &total.to_string()), node("CmNodes", nodes)],
                ),
                leaf("StateInfo", &state_info),
            ],
        )],
    );
    respond(op, &response)
}

/// Normalises an approximate response through the compiled response type, then encodes it.
fn respond(op: &'static uc_wire::OperationDescriptor, response: &Element) -> Response {
    let value = match xml::decode_struct(op.response, response, "") {
        Ok(v) => v,
        Err(e) => return soap_fault(&format!("simulator response does not fit the schema: {e}")),
    };
    let element = match op.binding {
        uc_wire::Binding::Soap { response_element, .. } => response_element,
        uc_wire::Binding::Http { .. } => "",
    };
    let mut out = String::new();
    let open = format!("{element} xmlns=\"{RIS_NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"");
    if let Err(e) = xml::encode_body(&mut out, op.response, &value, &open) {
        return soap_fault(&format!("simulator could not encode: {e}"));
    }
    xml_response(StatusCode::OK, envelope(&out))
}

//! AXL on `POST /axl/`, for CUCM and (on its own listener) IM and Presence: requests are
//! checked against the schema of the version they name (SOAPAction and namespace must agree;
//! an unknown version gets HTTP 599), then served by operation family from the store.
//! Responses are normalised through the response type's descriptor, so what goes out has the
//! shape the schema declares.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use uc_wire::schema::{FieldType, OperationDescriptor, TypeDesc, TypeKind};
use uc_wire::xml::{self, Element};
use uc_wire::{AnyElement, Value};

use crate::store::{like, Lookup};
use crate::{sql, Sim};

pub const NAMESPACE_PREFIX: &str = "http://www.cisco.com/AXL/API/";

/// Which compiled AXL toolkit a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toolkit {
    Cucm,
    /// IM and Presence's own AXL.
    Imp,
}

impl Toolkit {
    fn operations(self, version: &str) -> Option<&'static [&'static OperationDescriptor]> {
        match self {
            Toolkit::Cucm => cisco_uc::axl::operations(version),
            Toolkit::Imp => cisco_uc::imp::operations(version),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Toolkit::Cucm => "AXL",
            Toolkit::Imp => "IM and Presence AXL",
        }
    }

    fn version_string(self, sim: &Sim) -> &str {
        match self {
            Toolkit::Cucm => &sim.config.version_string,
            Toolkit::Imp => &sim.config.imp_version_string,
        }
    }
}

pub fn envelope(body: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>")
}

fn escape(s: &str) -> String {
    let mut out = String::new();
    xml::escape_into(&mut out, s);
    out
}

/// A SOAP fault with AXL's `axlError` detail, HTTP 500.
pub fn fault(code: i64, message: &str, request: &str) -> Response {
    let body = envelope(&format!(
        "<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>{m}</faultstring><detail><axlError><axlcode>{code}</axlcode><axlmessage>{m}</axlmessage><request>{r}</request></axlError></detail></soapenv:Fault>",
        m = escape(message),
        r = escape(request)
    ));
    xml_response(StatusCode::INTERNAL_SERVER_ERROR, body)
}

pub fn xml_response(status: StatusCode, body: String) -> Response {
    (status, [("content-type", "text/xml; charset=utf-8")], body).into_response()
}

/// The entity an operation works on: `getPhone` -> `Phone`.
fn verb_and_entity(op: &str) -> (&str, &str) {
    let split = op.find(|c: char| c.is_ascii_uppercase()).unwrap_or(op.len());
    (&op[..split], &op[split..])
}

/// Sets the value at a path of element names (through nested structs) inside `v` of type `ty`.
fn set_path(ty: &'static TypeDesc, v: &mut Value, path: &[&str], new: Value) -> bool {
    let (TypeKind::Struct { attrs, text, fields }, Value::Struct(members)) = (&ty.kind, v) else {
        return false;
    };
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let offset = attrs.len() + usize::from(text.is_some());
    for (i, f) in fields.iter().enumerate() {
        if f.name != *first {
            continue;
        }
        let slot = &mut members[offset + i];
        if rest.is_empty() {
            *slot = new;
            return true;
        }
        if let FieldType::Type(t) = f.ty {
            if matches!(slot, Value::Absent) {
                *slot = uc_wire::sample::minimal(t);
            }
            return set_path(t, slot, rest, new);
        }
    }
    false
}

/// The type of `return/<child>` in a response, and whether it is a list.
fn return_child(ty: &'static TypeDesc) -> Option<(&'static str, &'static TypeDesc, bool)> {
    let (_, _, fields) = ty.struct_parts()?;
    let ret = fields.iter().find(|f| f.name == "return")?;
    let FieldType::Type(rt) = ret.ty else { return None };
    let (_, _, inner) = rt.struct_parts()?;
    let child = inner.first()?;
    match child.ty {
        FieldType::Type(t) => Some((child.name, t, child.is_list())),
        _ => None,
    }
}

/// Keeps the children named in `returnedTags` (all of them when it names none).
fn filter_tags(el: &Element, tags: Option<&Element>) -> Element {
    let mut out = el.clone();
    if let Some(tags) = tags.filter(|t| !t.children.is_empty()) {
        out.children.retain(|c| tags.child(&c.name).is_some());
    }
    out
}

/// Decodes a stored element through a response type (dropping what that type lacks).
fn through(ty: &'static TypeDesc, el: &Element) -> Result<Value, String> {
    xml::decode_struct(ty, el, "").map_err(|e| e.to_string())
}

fn lookup(req: &Element) -> Option<Lookup> {
    if let Some(u) = req.child("uuid") {
        return Some(Lookup::Uuid(u.text.trim().to_string()));
    }
    for key in ["name", "userid"] {
        if let Some(n) = req.child(key) {
            return Some(Lookup::Key(n.text.trim().to_string()));
        }
    }
    req.child("pattern").map(|p| {
        let partition = req.child("routePartitionName").map(|c| c.text.trim()).unwrap_or("");
        Lookup::Key(format!("{}/{}", p.text.trim(), partition))
    })
}

/// An AXL error raised while serving; becomes a SOAP fault naming the operation.
#[derive(Debug)]
struct AxlFault {
    code: i64,
    message: String,
}

impl AxlFault {
    fn new(code: i64, message: impl Into<String>) -> Self {
        AxlFault {
            code,
            message: message.into(),
        }
    }
}

fn not_found(entity: &str) -> AxlFault {
    AxlFault::new(5007, format!("Item not valid: The specified {entity} was not found"))
}

/// Parses `"CUCM:DB ver=15.0 getPhone"` (any `<product>:DB` prefix).
fn soap_action(headers: &HeaderMap) -> Option<(String, String)> {
    let raw = headers
        .get("soapaction")?
        .to_str()
        .ok()?
        .trim()
        .trim_matches('"')
        .to_string();
    let rest = raw.split_once(":DB ver=")?.1;
    let (ver, op) = rest.split_once(' ')?;
    Some((ver.to_string(), op.trim().to_string()))
}

fn namespace_version(body: &str) -> Option<String> {
    let at = body.find(NAMESPACE_PREFIX)? + NAMESPACE_PREFIX.len();
    let end = body[at..].find(['"', '\''])?;
    Some(body[at..at + end].to_string())
}

/// CUCM's AXL.
pub async fn handle(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes) -> Response {
    serve_soap(&sim, Toolkit::Cucm, &headers, &body)
}

/// IM and Presence's AXL.
pub async fn handle_imp(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes) -> Response {
    serve_soap(&sim, Toolkit::Imp, &headers, &body)
}

fn serve_soap(sim: &Sim, toolkit: Toolkit, headers: &HeaderMap, body: &[u8]) -> Response {
    if let Some(r) = sim.check_auth(headers) {
        return r;
    }
    if let Some(r) = sim.take_throttle() {
        return r;
    }
    let body = String::from_utf8_lossy(body).to_string();
    let Some(ns_version) = namespace_version(&body) else {
        return fault(
            -1,
            "The request has no AXL namespace (http://www.cisco.com/AXL/API/<version>)",
            "",
        );
    };
    if let Some((action_version, _)) = soap_action(headers) {
        if action_version != ns_version {
            return fault(
                -1,
                &format!(
                    "SOAPAction version {action_version} does not match the request namespace version {ns_version}"
                ),
                "",
            );
        }
    }
    let Some(ops) = toolkit.operations(&ns_version) else {
        return (
            StatusCode::from_u16(599).expect("599"),
            format!("{} schema version {ns_version} is not supported", toolkit.label()),
        )
            .into_response();
    };
    let root = match xml::parse(&body) {
        Ok(r) => r,
        Err(e) => return fault(-1, &format!("Malformed request: {e}"), ""),
    };
    let Some(req) = root.child("Body").and_then(|b| b.children.first()) else {
        return fault(-1, "The request has no SOAP Body content", "");
    };
    let Some(op) = ops.iter().copied().find(|o| o.name == req.name) else {
        return fault(
            -1,
            &format!("Operation {} is not part of {} {ns_version}", req.name, toolkit.label()),
            &req.name,
        );
    };
    if let Some((_, action_op)) = soap_action(headers) {
        if action_op != op.name {
            return fault(
                -1,
                &format!("SOAPAction names {action_op} but the body is {}", op.name),
                op.name,
            );
        }
    }
    if let Err(e) =
        xml::check_known_elements(op.request, req, "").and_then(|_| xml::decode_struct(op.request, req, "").map(|_| ()))
    {
        return fault(-1, &format!("Invalid request for {}: {e}", op.name), op.name);
    }
    let result = serve(sim, toolkit, op, req);
    match result {
        Ok(value) => {
            let mut out = String::new();
            let open = format!(
                "ns:{} xmlns:ns=\"{NAMESPACE_PREFIX}{ns_version}\"",
                response_element(op)
            );
            if let Err(e) = xml::encode_body(&mut out, op.response, &value, &open) {
                return fault(-1, &format!("simulator could not encode the response: {e}"), op.name);
            }
            if out.len() > sim.config.max_response_bytes {
                return fault(
                    -1,
                    &format!(
                        "Query request too large. Total rows matched: {} rows. Suggestive Row Fetch: less than {} rows",
                        out.matches("</row>").count().max(1),
                        sim.config.max_response_bytes / 400
                    ),
                    op.name,
                );
            }
            xml_response(StatusCode::OK, envelope(&out))
        }
        Err(f) => fault(f.code, &f.message, op.name),
    }
}

fn response_element(op: &OperationDescriptor) -> &'static str {
    match op.binding {
        uc_wire::Binding::Soap { response_element, .. } => response_element,
        uc_wire::Binding::Http { .. } => "",
    }
}

fn serve(sim: &Sim, toolkit: Toolkit, op: &'static OperationDescriptor, req: &Element) -> Result<Value, AxlFault> {
    let (verb, entity) = verb_and_entity(op.name);
    let mut value = uc_wire::sample::minimal(op.response);
    let internal = |e: String| AxlFault::new(-1, e);
    match (verb, entity) {
        ("get", "CCMVersion") => {
            set_path(
                op.response,
                &mut value,
                &["return", "componentVersion", "version"],
                Value::Str(toolkit.version_string(sim).to_string()),
            );
        }
        ("executeSQLQuery", _) | ("execute", "SQLQuery") => {
            let sql = req.child("sql").map(|s| s.text.as_str()).unwrap_or("");
            let store = sim.store.lock().unwrap_or_else(|e| e.into_inner());
            let rows = sql::query(&store, sql).map_err(|m| AxlFault::new(-1, m))?;
            let rows: Vec<Value> = rows
                .into_iter()
                .map(|r| {
                    let children = r.into_iter().map(|(c, v)| AnyElement::leaf(c, v)).collect();
                    Value::Any(vec![AnyElement {
                        name: "row".into(),
                        children,
                        ..Default::default()
                    }])
                })
                .collect();
            set_path(op.response, &mut value, &["return", "row"], Value::List(rows));
        }
        ("execute", "SQLUpdate") => {
            let sql = req.child("sql").map(|s| s.text.as_str()).unwrap_or("");
            let mut store = sim.store.lock().unwrap_or_else(|e| e.into_inner());
            let n = sql::update(&mut store, sql).map_err(|m| AxlFault::new(-1, m))?;
            set_path(op.response, &mut value, &["return", "rowsUpdated"], Value::UInt(n));
        }
        ("add", _) => {
            let object = req
                .children
                .iter()
                .find(|c| !c.children.is_empty())
                .or_else(|| req.children.first())
                .cloned()
                .ok_or_else(|| AxlFault::new(-1, "nothing to add"))?;
            let mut store = sim.store.lock().unwrap_or_else(|e| e.into_inner());
            let uuid = store.insert(entity, object, sim.config.seed).map_err(|key| {
                AxlFault::new(-239, format!("Could not insert new row - duplicate value in a UNIQUE INDEX column (Unique Index:{entity} {key})."))
            })?;
            set_path(op.response, &mut value, &["return"], Value::Str(uuid));
        }
        ("update", _) => {
            let by = lookup(req).ok_or_else(|| AxlFault::new(-1, "name or uuid is required"))?;
            let mut store = sim.store.lock().unwrap_or_else(|e| e.into_inner());
            let i = store.find(entity, &by).ok_or_else(|| not_found(entity))?;
            let object = &mut store.table(entity)[i];
            for c in &req.children {
                match c.name.as_str() {
                    "uuid" | "name" | "userid" => {}
                    "newName" => set_child(&mut object.element, "name", c),
                    "newPattern" => set_child(&mut object.element, "pattern", c),
                    _ => set_child(&mut object.element, &c.name, c),
                }
            }
            let uuid = object.uuid.clone();
            set_path(op.response, &mut value, &["return"], Value::Str(uuid));
        }
        ("remove", _) => {
            let by = lookup(req).ok_or_else(|| AxlFault::new(-1, "name or uuid is required"))?;
            let mut store = sim.store.lock().unwrap_or_else(|e| e.into_inner());
            let i = store.find(entity, &by).ok_or_else(|| not_found(entity))?;
            let removed = store.table(entity).remove(i);
            set_path(op.response, &mut value, &["return"], Value::Str(removed.uuid));
        }
        ("get", _) => {
            let (child, ty, _) =
                return_child(op.response).ok_or_else(|| internal(format!("{} has no return element", op.name)))?;
            let by = lookup(req).ok_or_else(|| AxlFault::new(-1, "name or uuid is required"))?;
            let store = sim.store.lock().unwrap_or_else(|e| e.into_inner());
            let i = store.find(entity, &by).ok_or_else(|| not_found(entity))?;
            let el = filter_tags(&store.tables[entity][i].element, req.child("returnedTags"));
            let v = through(ty, &el).map_err(internal)?;
            set_path(op.response, &mut value, &["return", child], v);
        }
        ("list", _) => {
            let (child, ty, _) =
                return_child(op.response).ok_or_else(|| internal(format!("{} has no return element", op.name)))?;
            let criteria = req.child("searchCriteria");
            let skip = req
                .child("skip")
                .and_then(|s| s.text.trim().parse().ok())
                .unwrap_or(0usize);
            let first = req
                .child("first")
                .and_then(|s| s.text.trim().parse().ok())
                .unwrap_or(usize::MAX);
            let store = sim.store.lock().unwrap_or_else(|e| e.into_inner());
            let mut rows = Vec::new();
            for o in store.tables.get(entity).map(Vec::as_slice).unwrap_or(&[]) {
                let ok = criteria.is_none_or(|c| {
                    c.children
                        .iter()
                        .all(|k| like(k.text.trim(), o.child_text(&k.name).unwrap_or("")))
                });
                if ok {
                    rows.push(o);
                }
            }
            let mut out = Vec::new();
            for o in rows.into_iter().skip(skip).take(first) {
                out.push(through(ty, &filter_tags(&o.element, req.child("returnedTags"))).map_err(internal)?);
            }
            set_path(op.response, &mut value, &["return", child], Value::List(out));
        }
        _ => {}
    }
    Ok(value)
}

fn set_child(el: &mut Element, name: &str, from: &Element) {
    let mut c = from.clone();
    c.name = name.to_string();
    match el.children.iter_mut().find(|x| x.name == name) {
        Some(slot) => *slot = c,
        None => el.children.push(c),
    }
}

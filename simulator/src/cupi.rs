//! Unity Connection's CUPI under `/vmrest/`: users, call handlers and distribution lists in
//! JSON (`Accept: application/json`) or XML, `rowsPerPage`/`pageNumber` paging with `@total`,
//! a one-item page given as an object (as real CUPI does), `query=(field is value)`, POST 201
//! with the new URI, PUT 204, DELETE 204, and errors as `{"errors":{"code":..,"message":..}}`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::Sim;

pub type Record = BTreeMap<String, String>;

/// (collection path, collection element, item element)
const RESOURCES: [(&str, &str, &str); 3] = [
    ("users", "Users", "User"),
    ("handlers/callhandlers", "Callhandlers", "Callhandler"),
    ("distributionlists", "DistributionLists", "DistributionList"),
];

#[derive(Debug, Default)]
pub struct Cupi {
    pub tables: BTreeMap<&'static str, Vec<Record>>,
    next: u64,
}

impl Cupi {
    fn object_id(&mut self) -> String {
        self.next += 1;
        let n = self.next.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            (n >> 32) as u32,
            (n >> 16) as u16,
            n as u16,
            self.next as u16,
            n & 0xFFFF_FFFF_FFFF
        )
    }

    pub fn add(&mut self, resource: &'static str, mut r: Record) -> String {
        let id = self.object_id();
        r.insert("ObjectId".into(), id.clone());
        self.tables.entry(resource).or_default().push(r);
        id
    }

    pub fn seed(users: &[(String, String, String)]) -> Cupi {
        let mut c = Cupi::default();
        for (i, (alias, first, last)) in users.iter().enumerate() {
            let rec: Record = [
                ("Alias", alias.clone()),
                ("FirstName", first.clone()),
                ("LastName", last.clone()),
                ("DisplayName", format!("{first} {last}")),
                ("DtmfAccessId", format!("{}", 1000 + i)),
                ("IsVmEnrolled", "false".into()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            c.add("users", rec);
        }
        for (name, ext) in [
            ("Opening Greeting", "8000"),
            ("Goodbye", "8001"),
            ("Operator", "0"),
            ("Sales", "8100"),
            ("Support", "8200"),
        ] {
            c.add(
                "handlers/callhandlers",
                [
                    ("DisplayName".to_string(), name.to_string()),
                    ("DtmfAccessId".into(), ext.into()),
                    ("IsPrimary".into(), "false".into()),
                ]
                .into(),
            );
        }
        for (name, alias) in [
            ("All Voice Mail Users", "allvoicemailusers"),
            ("Sales Team", "sales"),
            ("Support Team", "support"),
        ] {
            c.add(
                "distributionlists",
                [
                    ("DisplayName".to_string(), name.to_string()),
                    ("Alias".into(), alias.into()),
                ]
                .into(),
            );
        }
        c
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"errors": {"code": code, "message": message}})),
    )
        .into_response()
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get("accept")
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("json"))
}

fn record_json(r: &Record) -> Value {
    Value::Object(r.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

fn record_xml(tag: &str, r: &Record) -> String {
    let mut out = format!("<{tag}>");
    for (k, v) in r {
        out.push_str(&format!("<{k}>"));
        uc_wire::xml::escape_into(&mut out, v);
        out.push_str(&format!("</{k}>"));
    }
    out.push_str(&format!("</{tag}>"));
    out
}

/// `(Field is value)` or `(Field startswith value)`.
fn matches_query(r: &Record, q: &str) -> Result<bool, String> {
    let inner = q.trim().trim_start_matches('(').trim_end_matches(')');
    let parts: Vec<&str> = inner.splitn(3, ' ').collect();
    let [field, op, value] = parts.as_slice() else {
        return Err(format!("query '{q}' must be (field is value)"));
    };
    let actual = r.get(*field).map(String::as_str).unwrap_or("");
    match op.to_ascii_lowercase().as_str() {
        "is" => Ok(actual.eq_ignore_ascii_case(value)),
        "startswith" => Ok(actual.to_lowercase().starts_with(&value.to_lowercase())),
        other => Err(format!("query operator '{other}' is not supported")),
    }
}

fn resource(path: &str) -> Option<(&'static str, &'static str, &'static str, Option<String>)> {
    for (res, coll, item) in RESOURCES {
        if path == res {
            return Some((res, coll, item, None));
        }
        if let Some(id) = path.strip_prefix(res).and_then(|r| r.strip_prefix('/')) {
            if !id.is_empty() && !id.contains('/') {
                return Some((res, coll, item, Some(id.to_string())));
            }
        }
    }
    None
}

/// A JSON object body as field strings (CUPI takes every value as text); the error is a message.
fn body_fields(body: &[u8]) -> Result<Record, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let Value::Object(m) = v else {
        return Err("body must be a JSON object".into());
    };
    Ok(m.into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect())
}

pub async fn handle(
    State(sim): State<Arc<Sim>>,
    method: Method,
    Path(path): Path<String>,
    Query(params): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = sim.check_auth(&headers) {
        return r;
    }
    if path == "version" {
        return axum::Json(json!({"name": "Cisco Unity Connection", "version": "15.0.1.10000-1"})).into_response();
    }
    let Some((res, coll, item, id)) = resource(&path) else {
        return error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("no resource /vmrest/{path}"),
        );
    };
    let mut cupi = sim.cupi.lock().unwrap_or_else(|e| e.into_inner());
    let table = cupi.tables.entry(res).or_default();
    match (method.as_str(), id) {
        ("GET", None) => {
            let mut rows: Vec<&Record> = Vec::new();
            for r in table.iter() {
                match params.get("query").map(|q| matches_query(r, q)) {
                    Some(Err(m)) => return error(StatusCode::BAD_REQUEST, "INVALID_PARAMETER", &m),
                    Some(Ok(false)) => {}
                    _ => rows.push(r),
                }
            }
            let total = rows.len();
            let per = params
                .get("rowsPerPage")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(total.max(1));
            let page = params
                .get("pageNumber")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(1)
                .max(1);
            let shown: Vec<&Record> = rows.into_iter().skip((page - 1) * per).take(per).collect();
            if wants_json(&headers) {
                let mut m = Map::new();
                m.insert("@total".into(), Value::String(total.to_string()));
                match shown.as_slice() {
                    [] => {}
                    [one] => {
                        m.insert(item.into(), record_json(one));
                    }
                    many => {
                        m.insert(item.into(), Value::Array(many.iter().map(|r| record_json(r)).collect()));
                    }
                }
                axum::Json(Value::Object(m)).into_response()
            } else {
                let inner: String = shown.iter().map(|r| record_xml(item, r)).collect();
                (
                    [("content-type", "application/xml")],
                    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><{coll} total=\"{total}\">{inner}</{coll}>"),
                )
                    .into_response()
            }
        }
        ("GET", Some(id)) => match table.iter().find(|r| r.get("ObjectId") == Some(&id)) {
            Some(r) if wants_json(&headers) => axum::Json(record_json(r)).into_response(),
            Some(r) => ([("content-type", "application/xml")], record_xml(item, r)).into_response(),
            None => error(StatusCode::NOT_FOUND, "NOT_FOUND", &format!("{item} {id} not found")),
        },
        ("POST", None) => {
            let fields = match body_fields(&body) {
                Ok(f) => f,
                Err(m) => return error(StatusCode::BAD_REQUEST, "INVALID_PARAMETER", &m),
            };
            let key = if res == "handlers/callhandlers" {
                "DisplayName"
            } else {
                "Alias"
            };
            let Some(k) = fields.get(key).filter(|v| !v.is_empty()) else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "MISSING_PARAMETER",
                    &format!("{key} is required"),
                );
            };
            if res == "users" && !params.contains_key("templateAlias") {
                return error(
                    StatusCode::BAD_REQUEST,
                    "MISSING_PARAMETER",
                    "templateAlias is required to create a user",
                );
            }
            if table.iter().any(|r| r.get(key) == Some(k)) {
                return error(
                    StatusCode::BAD_REQUEST,
                    "DUPLICATE_OBJECT",
                    &format!("{item} with {key} {k} already exists"),
                );
            }
            drop(cupi);
            let id = sim.cupi.lock().unwrap_or_else(|e| e.into_inner()).add(res, fields);
            let uri = format!("/vmrest/{res}/{id}");
            (StatusCode::CREATED, [("location", uri.clone())], uri).into_response()
        }
        ("PUT", Some(id)) => {
            let fields = match body_fields(&body) {
                Ok(f) => f,
                Err(m) => return error(StatusCode::BAD_REQUEST, "INVALID_PARAMETER", &m),
            };
            match table.iter_mut().find(|r| r.get("ObjectId") == Some(&id)) {
                Some(r) => {
                    for (k, v) in fields {
                        if k != "ObjectId" {
                            r.insert(k, v);
                        }
                    }
                    StatusCode::NO_CONTENT.into_response()
                }
                None => error(StatusCode::NOT_FOUND, "NOT_FOUND", &format!("{item} {id} not found")),
            }
        }
        ("DELETE", Some(id)) => {
            let before = table.len();
            table.retain(|r| r.get("ObjectId") != Some(&id));
            if table.len() < before {
                StatusCode::NO_CONTENT.into_response()
            } else {
                error(StatusCode::NOT_FOUND, "NOT_FOUND", &format!("{item} {id} not found"))
            }
        }
        (m, _) => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            &format!("{m} is not supported on /vmrest/{path}"),
        ),
    }
}

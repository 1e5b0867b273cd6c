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

/// A resource family: collection path (`*` for a parent's id), collection and item elements,
/// the field that must be unique on POST (empty: none), and the field an item is addressed by.
struct Resource {
    path: &'static str,
    collection: &'static str,
    item: &'static str,
    unique: &'static str,
    id_field: &'static str,
}

const fn res(
    path: &'static str,
    collection: &'static str,
    item: &'static str,
    unique: &'static str,
    id_field: &'static str,
) -> Resource {
    Resource {
        path,
        collection,
        item,
        unique,
        id_field,
    }
}

const RESOURCES: [Resource; 11] = [
    res("users", "Users", "User", "Alias", "ObjectId"),
    res("usertemplates", "UserTemplates", "UserTemplate", "Alias", "ObjectId"),
    res(
        "handlers/callhandlers",
        "Callhandlers",
        "Callhandler",
        "DisplayName",
        "ObjectId",
    ),
    res(
        "handlers/callhandlers/*/transferoptions",
        "TransferOptions",
        "TransferOption",
        "TransferOptionType",
        "TransferOptionType",
    ),
    res(
        "handlers/callhandlers/*/greetings",
        "Greetings",
        "Greeting",
        "GreetingType",
        "GreetingType",
    ),
    res(
        "distributionlists",
        "DistributionLists",
        "DistributionList",
        "Alias",
        "ObjectId",
    ),
    res(
        "distributionlists/*/distributionlistmembers",
        "DistributionListMembers",
        "DistributionListMember",
        "MemberObjectId",
        "ObjectId",
    ),
    res("contacts", "Contacts", "Contact", "Alias", "ObjectId"),
    res("partitions", "Partitions", "Partition", "Name", "ObjectId"),
    res("searchspaces", "SearchSpaces", "SearchSpace", "Name", "ObjectId"),
    res("coses", "Coses", "Cos", "DisplayName", "ObjectId"),
];

/// Records per concrete collection path (`handlers/callhandlers/<id>/greetings`).
#[derive(Debug, Default)]
pub struct Cupi {
    pub tables: BTreeMap<String, Vec<Record>>,
    next: u64,
}

fn record(pairs: &[(&str, &str)]) -> Record {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
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

    pub fn add(&mut self, collection: &str, mut r: Record) -> String {
        let id = self.object_id();
        r.entry("ObjectId".into()).or_insert_with(|| id.clone());
        self.tables.entry(collection.to_string()).or_default().push(r);
        id
    }

    fn find(&self, collection: &str, field: &str, value: &str) -> Option<&Record> {
        self.tables
            .get(collection)?
            .iter()
            .find(|r| r.get(field).map(String::as_str) == Some(value))
    }

    /// A new call handler's transfer rules and greetings, as Unity Connection makes them.
    fn add_handler_children(&mut self, handler: &str) {
        for (t, enabled) in [("Standard", "true"), ("Alternate", "false"), ("Off Hours", "false")] {
            self.add(
                &format!("handlers/callhandlers/{handler}/transferoptions"),
                record(&[
                    ("TransferOptionType", t),
                    ("Action", "0"),
                    ("Enabled", enabled),
                    ("Extension", ""),
                    ("TimeExpires", ""),
                ]),
            );
        }
        for g in [
            "Standard",
            "Alternate",
            "Busy",
            "Closed",
            "Holiday",
            "Internal",
            "Error",
        ] {
            let enabled = if g == "Standard" || g == "Error" {
                "true"
            } else {
                "false"
            };
            self.add(
                &format!("handlers/callhandlers/{handler}/greetings"),
                record(&[
                    ("GreetingType", g),
                    ("Enabled", enabled),
                    ("PlayWhat", "0"),
                    ("TimeExpires", ""),
                ]),
            );
        }
    }

    pub fn seed(users: &[(String, String, String)]) -> Cupi {
        let mut c = Cupi::default();
        let cos = c.add(
            "coses",
            record(&[
                ("DisplayName", "Voice Mail User COS"),
                ("MaxMsgLength", "300"),
                ("CanRecordName", "true"),
                ("MovetoDeleteFolder", "true"),
            ]),
        );
        c.add(
            "coses",
            record(&[
                ("DisplayName", "System"),
                ("MaxMsgLength", "1200"),
                ("CanRecordName", "true"),
                ("MovetoDeleteFolder", "false"),
            ]),
        );
        let partition = c.add(
            "partitions",
            record(&[("Name", "cuc-pub Partition"), ("Description", "the default partition")]),
        );
        c.add(
            "searchspaces",
            record(&[
                ("Name", "cuc-pub Search Space"),
                ("Description", "the default search space"),
            ]),
        );
        c.add(
            "usertemplates",
            record(&[
                ("Alias", "voicemailusertemplate"),
                ("DisplayName", "Voice Mail User Template"),
                ("CosObjectId", &cos),
            ]),
        );
        c.add(
            "usertemplates",
            record(&[
                ("Alias", "adminusertemplate"),
                ("DisplayName", "Administrator Template"),
                ("CosObjectId", &cos),
            ]),
        );
        let mut user_ids = Vec::new();
        for (i, (alias, first, last)) in users.iter().enumerate() {
            let ext = format!("{}", 1000 + i);
            let rec = record(&[
                ("Alias", alias),
                ("FirstName", first),
                ("LastName", last),
                ("DisplayName", &format!("{first} {last}")),
                ("DtmfAccessId", &ext),
                ("IsVmEnrolled", if i % 3 == 0 { "true" } else { "false" }),
                ("CosObjectId", &cos),
                ("PartitionObjectId", &partition),
                ("ListInDirectory", "true"),
                ("TimeZone", "4"),
            ]);
            user_ids.push((c.add("users", rec), alias.clone(), format!("{first} {last}")));
        }
        for (name, ext) in [
            ("Opening Greeting", "8000"),
            ("Goodbye", "8001"),
            ("Operator", "0"),
            ("Sales", "8100"),
            ("Support", "8200"),
        ] {
            let id = c.add(
                "handlers/callhandlers",
                record(&[
                    ("DisplayName", name),
                    ("DtmfAccessId", ext),
                    ("IsPrimary", "false"),
                    ("PartitionObjectId", &partition),
                    ("Language", "1033"),
                    ("TimeZone", "4"),
                ]),
            );
            c.add_handler_children(&id);
        }
        for (name, alias) in [
            ("All Voice Mail Users", "allvoicemailusers"),
            ("Sales Team", "sales"),
            ("Support Team", "support"),
        ] {
            let dl = c.add("distributionlists", record(&[("DisplayName", name), ("Alias", alias)]));
            let members: &[(String, String, String)] = if alias == "allvoicemailusers" {
                &user_ids
            } else {
                &user_ids[..user_ids.len().min(2)]
            };
            for (uid, ualias, uname) in members {
                c.add(
                    &format!("distributionlists/{dl}/distributionlistmembers"),
                    record(&[
                        ("MemberObjectId", uid),
                        ("MemberUserObjectId", uid),
                        ("Alias", ualias),
                        ("DisplayName", uname),
                    ]),
                );
            }
        }
        for (alias, first, last) in [("jdoe-ext", "Jane", "Doe"), ("plumber", "Joe", "Plumber")] {
            c.add(
                "contacts",
                record(&[
                    ("Alias", alias),
                    ("FirstName", first),
                    ("LastName", last),
                    ("DisplayName", &format!("{first} {last}")),
                ]),
            );
        }
        c
    }
}

/// The resource a path names: (family, concrete collection path, parent id, item id).
fn resource(path: &str) -> Option<(&'static Resource, String, Option<String>, Option<String>)> {
    let segs: Vec<&str> = path.split('/').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return None;
    }
    for r in &RESOURCES {
        let tpl: Vec<&str> = r.path.split('/').collect();
        if segs.len() != tpl.len() && segs.len() != tpl.len() + 1 {
            continue;
        }
        let mut parent = None;
        let fits = tpl.iter().zip(&segs).all(|(t, s)| {
            if *t == "*" {
                parent = Some(s.to_string());
                true
            } else {
                t == s
            }
        });
        if fits {
            let collection = segs[..tpl.len()].join("/");
            let id = segs.get(tpl.len()).map(|s| s.to_string());
            return Some((r, collection, parent, id));
        }
    }
    None
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
    let Some((family, collection, parent, id)) = resource(&path) else {
        return error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("no resource /vmrest/{path}"),
        );
    };
    let (coll, item) = (family.collection, family.item);
    let mut cupi = sim.cupi.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(parent) = &parent {
        let parent_collection = collection.rsplitn(3, '/').nth(2).unwrap_or("").to_string();
        if cupi.find(&parent_collection, "ObjectId", parent).is_none() {
            return error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                &format!("/vmrest/{parent_collection}/{parent} not found"),
            );
        }
    }
    match (method.as_str(), id) {
        ("GET", None) => {
            let empty = Vec::new();
            let table = cupi.tables.get(&collection).unwrap_or(&empty);
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
                .unwrap_or(total.max(1))
                .max(1);
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
        ("GET", Some(id)) => match cupi.find(&collection, family.id_field, &id) {
            Some(r) if wants_json(&headers) => axum::Json(record_json(r)).into_response(),
            Some(r) => ([("content-type", "application/xml")], record_xml(item, r)).into_response(),
            None => error(StatusCode::NOT_FOUND, "NOT_FOUND", &format!("{item} {id} not found")),
        },
        ("POST", None) if family.id_field == "ObjectId" => {
            let mut fields = match body_fields(&body) {
                Ok(f) => f,
                Err(m) => return error(StatusCode::BAD_REQUEST, "INVALID_PARAMETER", &m),
            };
            if item == "DistributionListMember" {
                let member = fields
                    .get("MemberUserObjectId")
                    .or_else(|| fields.get("MemberDistributionListObjectId"))
                    .cloned()
                    .unwrap_or_default();
                let Some(found) = cupi
                    .find("users", "ObjectId", &member)
                    .or_else(|| cupi.find("distributionlists", "ObjectId", &member))
                    .cloned()
                else {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "INVALID_PARAMETER",
                        &format!("no user or list {member}"),
                    );
                };
                fields.insert("MemberObjectId".into(), member);
                for k in ["Alias", "DisplayName"] {
                    fields.insert(k.into(), found.get(k).cloned().unwrap_or_default());
                }
            }
            let key = family.unique;
            let Some(k) = fields.get(key).filter(|v| !v.is_empty()).cloned() else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "MISSING_PARAMETER",
                    &format!("{key} is required"),
                );
            };
            if item == "User" {
                let Some(template) = params.get("templateAlias") else {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "MISSING_PARAMETER",
                        "templateAlias is required to create a user",
                    );
                };
                let Some(t) = cupi.find("usertemplates", "Alias", template).cloned() else {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "INVALID_PARAMETER",
                        &format!("no user template {template}"),
                    );
                };
                fields
                    .entry("CosObjectId".into())
                    .or_insert_with(|| t.get("CosObjectId").cloned().unwrap_or_default());
                fields.entry("IsVmEnrolled".into()).or_insert_with(|| "false".into());
            }
            if cupi.find(&collection, key, &k).is_some() {
                return error(
                    StatusCode::BAD_REQUEST,
                    "DUPLICATE_OBJECT",
                    &format!("{item} with {key} {k} already exists"),
                );
            }
            let id = cupi.add(&collection, fields);
            if item == "Callhandler" {
                cupi.add_handler_children(&id);
            }
            let uri = format!("/vmrest/{collection}/{id}");
            (StatusCode::CREATED, [("location", uri.clone())], uri).into_response()
        }
        ("PUT", Some(id)) => {
            let fields = match body_fields(&body) {
                Ok(f) => f,
                Err(m) => return error(StatusCode::BAD_REQUEST, "INVALID_PARAMETER", &m),
            };
            let id_field = family.id_field;
            match cupi
                .tables
                .get_mut(&collection)
                .and_then(|t| t.iter_mut().find(|r| r.get(id_field) == Some(&id)))
            {
                Some(r) => {
                    for (k, v) in fields {
                        if k != "ObjectId" && k != id_field {
                            r.insert(k, v);
                        }
                    }
                    StatusCode::NO_CONTENT.into_response()
                }
                None => error(StatusCode::NOT_FOUND, "NOT_FOUND", &format!("{item} {id} not found")),
            }
        }
        ("DELETE", Some(id)) if family.id_field == "ObjectId" => {
            let table = cupi.tables.entry(collection.clone()).or_default();
            let before = table.len();
            table.retain(|r| r.get("ObjectId") != Some(&id));
            if table.len() < before {
                let prefix = format!("{collection}/{id}/");
                cupi.tables.retain(|k, _| !k.starts_with(&prefix));
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

//! REST operations (CUPI): a request value split into path parameters, query parameters and a
//! JSON body, and an answer read into the response type, coping with CUPI's JSON habits:
//! every value a string, a one-item collection as an object, `@total` as text, 201 with a
//! Location, 204 with nothing, and errors as `{"errors": {"code": ..., "message": ...}}`.

use serde_json::{Map, Value as Json};

use crate::error::Error;
use crate::json::{from_json, to_json};
use crate::schema::{Binding, FieldType, OperationDescriptor, ScalarKind, TypeDesc, TypeKind};
use crate::value::Value;

/// What goes on the wire for one call.
#[derive(Debug, Clone, PartialEq)]
pub struct RestRequest {
    pub method: &'static str,
    /// The path with its parameters filled in and percent-encoded.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Json>,
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// CUPI takes every value as text.
fn as_text(v: &Json) -> Json {
    match v {
        Json::Bool(b) => Json::String(b.to_string()),
        Json::Number(n) => Json::String(n.to_string()),
        Json::Array(a) => Json::Array(a.iter().map(as_text).collect()),
        Json::Object(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), as_text(v))).collect()),
        other => other.clone(),
    }
}

fn scalar_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Splits a request value by the operation's path template.
pub fn build(op: &'static OperationDescriptor, request: &Value) -> Result<RestRequest, Error> {
    let Binding::Http { method, path } = op.binding else {
        return Err(Error::Config(format!("{} is not a REST operation", op.name)));
    };
    let mut fields = match to_json(op.request, request) {
        Json::Object(m) => m,
        _ => Map::new(),
    };
    let mut filled = String::with_capacity(path.len() + 40);
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map(|c| open + c).unwrap_or(rest.len());
        let name = &rest[open + 1..close];
        let value = fields.remove(name).map(|v| scalar_text(&v)).unwrap_or_default();
        // Ids are GUIDs and names like `Off Hours`: nothing that could change the path.
        if value.is_empty()
            || value == "."
            || value == ".."
            || value.contains(['/', '\\', '?', '#', '%'])
            || value.chars().any(char::is_control)
        {
            return Err(Error::Refused(format!(
                "path parameter {name} = '{value}' is empty or holds '/', '\\\\', '?', '#', '%', '.' or '..'"
            )));
        }
        filled.push_str(&rest[..open]);
        filled.push_str(&encode(&value));
        rest = &rest[(close + 1).min(rest.len())..];
    }
    filled.push_str(rest);
    let body = fields.remove("body").map(|b| as_text(&b));
    let query = fields
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k, scalar_text(&v)))
        .collect();
    Ok(RestRequest {
        method,
        path: filled,
        query,
        body,
    })
}

/// `?a=1&b=x%20y` for the query pairs (empty when there are none).
pub fn query_string(query: &[(String, String)]) -> String {
    if query.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("?{}", pairs.join("&"))
}

/// A CUPI JSON value reshaped to the declared type: text to numbers and booleans, a single
/// object to a one-item list, unknown keys dropped (CUPI sends far more than is described).
pub fn conform(ty: &'static TypeDesc, json: Json) -> Json {
    let TypeKind::Struct { fields, .. } = &ty.kind else {
        return json;
    };
    let Json::Object(mut m) = json else {
        return Json::Object(Map::new());
    };
    let mut out = Map::new();
    for f in fields.iter() {
        let Some(v) = m.remove(f.name) else { continue };
        let one = |v: Json| -> Json {
            match f.ty {
                FieldType::Scalar(s) => match (s.kind, &v) {
                    (ScalarKind::Int | ScalarKind::UInt, Json::String(t)) => {
                        t.trim().parse::<i64>().map(Json::from).unwrap_or(v)
                    }
                    (ScalarKind::Float, Json::String(t)) => t.trim().parse::<f64>().map(Json::from).unwrap_or(v),
                    (ScalarKind::Bool | ScalarKind::AxlBool, Json::String(t)) => match t.trim() {
                        "true" | "1" => Json::Bool(true),
                        "false" | "0" => Json::Bool(false),
                        _ => v,
                    },
                    (ScalarKind::String, Json::Number(n)) => Json::String(n.to_string()),
                    (ScalarKind::String, Json::Bool(b)) => Json::String(b.to_string()),
                    _ => v,
                },
                FieldType::Type(t) => conform(t, v),
                _ => v,
            }
        };
        let v = if f.max > 1 {
            match v {
                Json::Array(items) => Json::Array(items.into_iter().map(one).collect()),
                Json::Null => Json::Array(Vec::new()),
                single => Json::Array(vec![one(single)]),
            }
        } else {
            one(v)
        };
        out.insert(f.name.to_string(), v);
    }
    Json::Object(out)
}

fn excerpt(body: &str) -> String {
    let text: String = body.chars().take(200).collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads an answer into the operation's response value.
pub fn read(op: &'static OperationDescriptor, status: u16, location: Option<&str>, body: &str) -> Result<Value, Error> {
    match status {
        401 => return Err(Error::Unauthorized),
        200..=299 => {}
        _ => {
            let parsed: Option<Json> = serde_json::from_str(body).ok();
            let errors = parsed.as_ref().and_then(|j| j.get("errors"));
            // CUPI sends one error object, or a list of them.
            let first = match errors {
                Some(Json::Array(a)) => a.first(),
                other => other,
            };
            if let Some(e) = first {
                return Err(Error::Rest {
                    status,
                    code: e.get("code").map(scalar_text).unwrap_or_default(),
                    message: e.get("message").map(scalar_text).unwrap_or_default(),
                });
            }
            return Err(Error::Http {
                status,
                excerpt: excerpt(body),
            });
        }
    }
    let json = if status == 201 {
        let uri = location.map(str::to_string).unwrap_or_else(|| body.trim().to_string());
        let id = uri.rsplit('/').next().unwrap_or("").to_string();
        serde_json::json!({"uri": uri, "ObjectId": id})
    } else if body.trim().is_empty() {
        Json::Object(Map::new())
    } else {
        let parsed: Json =
            serde_json::from_str(body).map_err(|e| Error::NotSoap(format!("the answer is not JSON: {e}")))?;
        conform(op.response, parsed)
    };
    from_json(op.response, &json).map_err(Error::ResponseShape)
}

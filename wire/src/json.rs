//! JSON <-> [`Value`], driven by the descriptors. Field names are the schema's element
//! names, so the JSON an agent writes matches the tool schema and the AXL documentation.
//! Choices and inline groups are flattened into the parent object, as in XML.

use serde_json::{Map, Number, Value as Json};

use crate::schema::{AttrDesc, FieldDesc, FieldType, Scalar, ScalarKind, TypeDesc, TypeKind};
use crate::value::{AnyElement, Value};

/// One problem in the JSON input, with the JSON path (`$.phone.lines.line[0].index`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonProblem {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem found, not just the first: an agent fixes them in one go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid arguments: {}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
pub struct JsonErrors(pub Vec<JsonProblem>);

/// Builds a value of `ty` from JSON, checking required fields, types, enums and facets.
pub fn from_json(ty: &'static TypeDesc, json: &Json) -> Result<Value, JsonErrors> {
    let mut problems = Vec::new();
    let v = decode_type(ty, json, "$", &mut problems);
    if problems.is_empty() {
        Ok(v)
    } else {
        Err(JsonErrors(problems))
    }
}

/// Writes a value of `ty` as JSON.
pub fn to_json(ty: &'static TypeDesc, v: &Value) -> Json {
    encode_type(ty, v)
}

fn problem(problems: &mut Vec<JsonProblem>, path: &str, message: impl Into<String>) {
    problems.push(JsonProblem {
        path: path.to_string(),
        message: message.into(),
    });
}

fn key_path(path: &str, key: &str) -> String {
    format!("{path}.{key}")
}

const TEXT_KEY: &str = "_value";

fn decode_type(t: &'static TypeDesc, json: &Json, path: &str, problems: &mut Vec<JsonProblem>) -> Value {
    match t.kind {
        TypeKind::Enum { .. } => decode_scalar(FieldType::Type(t), json, path, problems),
        TypeKind::Struct { attrs, text, fields } => {
            // Simple content with optional attributes may be given as the bare text.
            if let (Some(s), false) = (text, json.is_object()) {
                let mut members: Vec<Value> = attrs
                    .iter()
                    .map(|a| {
                        if a.required {
                            problem(
                                problems,
                                path,
                                format!("attribute {} is required: use an object", a.json),
                            );
                        }
                        Value::Absent
                    })
                    .collect();
                members.push(decode_scalar(FieldType::Scalar(s), json, path, problems));
                fields.iter().for_each(|_| members.push(Value::Absent));
                return Value::Struct(members);
            }
            let Some(obj) = json.as_object() else {
                problem(problems, path, format!("expected an object ({})", t.name));
                return Value::Absent;
            };
            let mut seen: Vec<&str> = Vec::new();
            let mut members = Vec::with_capacity(attrs.len() + fields.len() + 1);
            for a in attrs {
                members.push(decode_attr(a, obj, path, &mut seen, problems));
            }
            if let Some(s) = text {
                seen.push(TEXT_KEY);
                members.push(match obj.get(TEXT_KEY) {
                    Some(j) => decode_scalar(FieldType::Scalar(s), j, &key_path(path, TEXT_KEY), problems),
                    None => Value::Str(String::new()),
                });
            }
            for f in fields {
                members.push(decode_field(f, obj, path, &mut seen, problems));
            }
            for k in obj.keys() {
                if !seen.contains(&k.as_str()) {
                    let mut allowed: Vec<&str> = attrs.iter().map(|a| a.json).collect();
                    fields.iter().for_each(|f| json_names(f, &mut allowed));
                    problem(
                        problems,
                        &key_path(path, k),
                        format!("unknown field for {}; expected one of: {}", t.name, allowed.join(", ")),
                    );
                }
            }
            Value::Struct(members)
        }
        TypeKind::Choice { .. } => {
            let Some(obj) = json.as_object() else {
                problem(problems, path, format!("expected an object ({})", t.name));
                return Value::Absent;
            };
            let mut seen = Vec::new();
            decode_group(FieldType::Type(t), obj, path, &mut seen, problems, true)
        }
    }
}

fn json_names(f: &'static FieldDesc, out: &mut Vec<&'static str>) {
    if !f.is_group() {
        out.push(f.name);
        return;
    }
    match f.ty {
        FieldType::Type(t) => match t.kind {
            TypeKind::Choice { variants } => variants.iter().for_each(|v| json_names(v, out)),
            TypeKind::Struct { fields, .. } => fields.iter().for_each(|v| json_names(v, out)),
            TypeKind::Enum { .. } => {}
        },
        FieldType::AnyElements => out.push(ANY_KEY),
        _ => {}
    }
}

const ANY_KEY: &str = "_any";

fn decode_attr(
    a: &'static AttrDesc,
    obj: &Map<String, Json>,
    path: &str,
    seen: &mut Vec<&'static str>,
    problems: &mut Vec<JsonProblem>,
) -> Value {
    seen.push(a.json);
    match obj.get(a.json) {
        None | Some(Json::Null) => {
            if a.required {
                problem(problems, &key_path(path, a.json), "required attribute is missing");
            }
            Value::Absent
        }
        Some(j) => decode_scalar(a.ty, j, &key_path(path, a.json), problems),
    }
}

fn decode_field(
    f: &'static FieldDesc,
    obj: &Map<String, Json>,
    path: &str,
    seen: &mut Vec<&'static str>,
    problems: &mut Vec<JsonProblem>,
) -> Value {
    if f.is_group() {
        return decode_group(f.ty, obj, path, seen, problems, f.min > 0);
    }
    seen.push(f.name);
    let here = key_path(path, f.name);
    match obj.get(f.name) {
        // A required element that may be nil is sent as nil when not given.
        None if f.min > 0 && f.nillable && !f.is_list() => Value::Nil,
        None => {
            if f.min > 0 {
                problem(problems, &here, "required field is missing");
            }
            if f.is_list() {
                Value::List(Vec::new())
            } else {
                Value::Absent
            }
        }
        Some(Json::Null) if f.nillable => Value::Nil,
        Some(Json::Null) => {
            if f.min > 0 {
                problem(
                    problems,
                    &here,
                    "required field is null (the schema does not allow nil here)",
                );
            }
            Value::Absent
        }
        Some(j) if f.is_list() => {
            let items: Vec<&Json> = match j {
                Json::Array(a) => a.iter().collect(),
                single => vec![single],
            };
            if (items.len() as u64) < f.min as u64 {
                problem(problems, &here, format!("at least {} item(s) required", f.min));
            }
            if f.max != crate::schema::UNBOUNDED && items.len() as u64 > f.max as u64 {
                problem(problems, &here, format!("at most {} item(s) allowed", f.max));
            }
            Value::List(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, j)| decode_single(f, j, &format!("{here}[{i}]"), problems))
                    .collect(),
            )
        }
        Some(j) => decode_single(f, j, &here, problems),
    }
}

fn decode_single(f: &'static FieldDesc, j: &Json, path: &str, problems: &mut Vec<JsonProblem>) -> Value {
    if j.is_null() && f.nillable {
        return Value::Nil;
    }
    match f.ty {
        FieldType::Scalar(_) => decode_scalar(f.ty, j, path, problems),
        FieldType::Type(t) => decode_type(t, j, path, problems),
        FieldType::AnyType => Value::Any(vec![any_from_json(f.name, j)]),
        FieldType::AnyElements => Value::Any(Vec::new()),
    }
}

fn decode_group(
    ty: FieldType,
    obj: &Map<String, Json>,
    path: &str,
    seen: &mut Vec<&'static str>,
    problems: &mut Vec<JsonProblem>,
    required: bool,
) -> Value {
    match ty {
        FieldType::AnyElements => {
            seen.push(ANY_KEY);
            match obj.get(ANY_KEY) {
                Some(Json::Object(m)) => Value::Any(m.iter().flat_map(|(k, v)| any_items(k, v)).collect()),
                Some(_) => {
                    problem(problems, &key_path(path, ANY_KEY), "expected an object of elements");
                    Value::Any(Vec::new())
                }
                None => Value::Any(Vec::new()),
            }
        }
        FieldType::Type(t) => match t.kind {
            TypeKind::Choice { variants } => {
                let mut chosen = Vec::new();
                let mut all = Vec::new();
                for (i, v) in variants.iter().enumerate() {
                    let mut names = Vec::new();
                    json_names(v, &mut names);
                    if names.iter().any(|n| obj.contains_key(*n)) {
                        chosen.push(i);
                    }
                    all.extend(names);
                }
                match chosen.as_slice() {
                    [] => {
                        if required {
                            problem(problems, path, format!("one of {} is required", all.join(", ")));
                        }
                        all.iter().for_each(|n| seen.push(n));
                        Value::Absent
                    }
                    [i] => {
                        let inner = decode_field(&variants[*i], obj, path, seen, problems);
                        all.iter().for_each(|n| seen.push(n));
                        Value::Choice(*i as u32, Box::new(inner))
                    }
                    many => {
                        let mut given = Vec::new();
                        for i in many {
                            json_names(&variants[*i], &mut given);
                        }
                        given.retain(|n| obj.contains_key(*n));
                        problem(
                            problems,
                            path,
                            format!("give only one of {} (found {})", all.join(", "), given.join(", ")),
                        );
                        all.iter().for_each(|n| seen.push(n));
                        Value::Absent
                    }
                }
            }
            TypeKind::Struct { fields, .. } => Value::Struct(
                fields
                    .iter()
                    .map(|f| decode_field(f, obj, path, seen, problems))
                    .collect(),
            ),
            TypeKind::Enum { .. } => Value::Absent,
        },
        _ => Value::Absent,
    }
}

fn scalar_text(j: &Json) -> Option<String> {
    match j {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Checks one simple value against its kind and facets.
pub fn check_scalar(s: Scalar, text: &str) -> Result<Value, String> {
    let v = crate::xml::parse_scalar(s, text)?;
    if let Some(max) = s.max_len {
        if text.chars().count() > max as usize {
            return Err(format!("longer than {max} characters"));
        }
    }
    if let Some(min) = s.min_len {
        if text.chars().count() < min as usize {
            return Err(format!("shorter than {min} characters"));
        }
    }
    let n = match v {
        Value::Int(i) => Some(i as i128),
        Value::UInt(u) => Some(u as i128),
        Value::XInt(Some(i)) => Some(i as i128),
        _ => None,
    };
    if let Some(n) = n {
        if let Some(min) = s.min {
            if n < min as i128 {
                return Err(format!("must be at least {min}"));
            }
        }
        if let Some(max) = s.max {
            if n > max as i128 {
                return Err(format!("must be at most {max}"));
            }
        }
    }
    match s.kind {
        ScalarKind::Literals(values) if !values.contains(&text) => Err(format!(
            "must be one of {}",
            values.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", ")
        )),
        ScalarKind::Union(members) if !members.iter().any(|m| check_scalar(*m, text).is_ok()) => {
            Err("matches none of the union's member types".to_string())
        }
        _ => Ok(v),
    }
}

fn decode_scalar(ty: FieldType, j: &Json, path: &str, problems: &mut Vec<JsonProblem>) -> Value {
    let Some(text) = scalar_text(j) else {
        problem(problems, path, "expected a string, number or boolean");
        return Value::Absent;
    };
    match ty {
        FieldType::Scalar(s) => match check_scalar(s, &text) {
            Ok(v) => v,
            Err(m) => {
                problem(problems, path, m);
                Value::Absent
            }
        },
        FieldType::Type(TypeDesc {
            kind: TypeKind::Enum { values, open },
            ..
        }) => match values.iter().position(|v| *v == text) {
            Some(i) => Value::Enum(i as u32),
            None if *open => Value::Str(text),
            None => {
                let mut shown: Vec<String> = values.iter().take(12).map(|v| format!("'{v}'")).collect();
                if values.len() > 12 {
                    shown.push(format!("... ({} values)", values.len()));
                }
                problem(
                    problems,
                    path,
                    format!("'{text}' is not allowed; expected one of {}", shown.join(", ")),
                );
                Value::Absent
            }
        },
        _ => {
            problem(problems, path, "expected a simple value");
            Value::Absent
        }
    }
}

fn any_items(name: &str, j: &Json) -> Vec<AnyElement> {
    match j {
        Json::Array(items) => items.iter().map(|i| any_from_json(name, i)).collect(),
        other => vec![any_from_json(name, other)],
    }
}

fn any_from_json(name: &str, j: &Json) -> AnyElement {
    match j {
        Json::Object(m) => AnyElement {
            name: name.to_string(),
            children: m.iter().flat_map(|(k, v)| any_items(k, v)).collect(),
            ..Default::default()
        },
        Json::Null => AnyElement {
            name: name.to_string(),
            ..Default::default()
        },
        other => AnyElement::leaf(name, scalar_text(other).unwrap_or_default()),
    }
}

/// anyType content as JSON: an object of child name to text (or nested object); a repeated
/// name becomes an array. Order is kept (serde_json's `preserve_order`).
pub fn any_to_json(e: &AnyElement) -> Json {
    if e.children.is_empty() {
        return Json::String(e.text.clone());
    }
    let mut m = Map::new();
    for c in &e.children {
        let v = any_to_json(c);
        match m.get_mut(&c.name) {
            Some(Json::Array(a)) => a.push(v),
            Some(existing) => {
                let first = existing.take();
                *existing = Json::Array(vec![first, v]);
            }
            None => {
                m.insert(c.name.clone(), v);
            }
        }
    }
    Json::Object(m)
}

fn encode_type(t: &'static TypeDesc, v: &Value) -> Json {
    match (&t.kind, v) {
        (TypeKind::Struct { attrs, text, fields }, Value::Struct(members)) => {
            let has_attrs = attrs.iter().zip(members).any(|(_, v)| !matches!(v, Value::Absent));
            if let (Some(_), false, true) = (text, has_attrs, fields.is_empty()) {
                return encode_scalar(members.get(attrs.len()).unwrap_or(&Value::Absent), FieldType::Type(t));
            }
            let mut m = Map::new();
            for (a, v) in attrs.iter().zip(members) {
                if !matches!(v, Value::Absent) {
                    m.insert(a.json.to_string(), encode_scalar(v, a.ty));
                }
            }
            let mut idx = attrs.len();
            if text.is_some() {
                if let Some(v) = members.get(idx) {
                    m.insert(TEXT_KEY.to_string(), encode_scalar(v, FieldType::Type(t)));
                }
                idx += 1;
            }
            for f in fields.iter() {
                encode_field(f, members.get(idx).unwrap_or(&Value::Absent), &mut m);
                idx += 1;
            }
            Json::Object(m)
        }
        (TypeKind::Choice { .. }, _) => {
            let mut m = Map::new();
            encode_group(FieldType::Type(t), v, &mut m);
            Json::Object(m)
        }
        (TypeKind::Enum { .. }, v) => encode_scalar(v, FieldType::Type(t)),
        (_, Value::Nil) => Json::Null,
        _ => Json::Null,
    }
}

fn encode_field(f: &'static FieldDesc, v: &Value, m: &mut Map<String, Json>) {
    if f.is_group() {
        encode_group(f.ty, v, m);
        return;
    }
    let j = match v {
        Value::Absent => return,
        Value::List(items) => Json::Array(items.iter().map(|i| encode_single(f, i)).collect()),
        other => encode_single(f, other),
    };
    m.insert(f.name.to_string(), j);
}

fn encode_single(f: &'static FieldDesc, v: &Value) -> Json {
    match (f.ty, v) {
        (_, Value::Nil) => Json::Null,
        (FieldType::Type(t), v) => encode_type(t, v),
        (FieldType::AnyType, Value::Any(items)) => items.first().map(any_to_json).unwrap_or(Json::Null),
        (ty, v) => encode_scalar(v, ty),
    }
}

fn encode_group(ty: FieldType, v: &Value, m: &mut Map<String, Json>) {
    match (ty, v) {
        (FieldType::AnyElements, Value::Any(items)) if !items.is_empty() => {
            let holder = AnyElement {
                children: items.clone(),
                ..Default::default()
            };
            m.insert(ANY_KEY.to_string(), any_to_json(&holder));
        }
        (
            FieldType::Type(TypeDesc {
                kind: TypeKind::Choice { variants },
                ..
            }),
            Value::Choice(i, inner),
        ) => {
            if let Some(f) = variants.get(*i as usize) {
                encode_field(f, inner, m);
            }
        }
        (
            FieldType::Type(TypeDesc {
                kind: TypeKind::Struct { fields, .. },
                ..
            }),
            Value::Struct(members),
        ) => {
            for (f, v) in fields.iter().zip(members) {
                encode_field(f, v, m);
            }
        }
        _ => {}
    }
}

fn encode_scalar(v: &Value, ty: FieldType) -> Json {
    match v {
        Value::Str(s) => Json::String(s.clone()),
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::Number((*i).into()),
        Value::UInt(u) => Json::Number((*u).into()),
        Value::Float(f) => Number::from_f64(*f).map(Json::Number).unwrap_or(Json::Null),
        Value::XInt(Some(i)) => Json::Number((*i).into()),
        Value::XInt(None) => Json::String(String::new()),
        Value::Enum(i) => match ty {
            FieldType::Type(TypeDesc {
                kind: TypeKind::Enum { values, .. },
                ..
            }) => values
                .get(*i as usize)
                .map(|s| Json::String(s.to_string()))
                .unwrap_or(Json::Null),
            _ => Json::Null,
        },
        _ => Json::Null,
    }
}

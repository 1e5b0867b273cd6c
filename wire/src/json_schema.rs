//! JSON Schema (2020-12) of an operation's request, derived from the descriptor tables.
//!
//! It describes exactly the JSON that [`crate::json::from_json`] accepts: element names as
//! keys, choices and inline groups flattened into the parent object (with `oneOf` saying which
//! keys exclude each other), lists as arrays, enums as `enum` (open enums also take any other
//! string), named types once under `$defs`. Built on first use per operation and cached in the
//! operation's descriptor, so a server pays only for the operations agents ask about.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{json, Map, Value as Json};

use crate::schema::{AttrDesc, FieldDesc, FieldType, OperationDescriptor, Scalar, ScalarKind, TypeDesc, TypeKind};

pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// A lazily built schema, kept in each static operation descriptor.
#[derive(Debug)]
pub struct SchemaCache(OnceLock<Json>);

impl SchemaCache {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        SchemaCache(OnceLock::new())
    }
}

impl OperationDescriptor {
    /// The JSON Schema of this operation's arguments (the request), built once.
    pub fn input_schema(&'static self) -> &'static Json {
        self.input_schema
            .0
            .get_or_init(|| request_schema(self.request, self.doc))
    }
}

/// The schema of a whole request object of type `ty`.
pub fn request_schema(ty: &'static TypeDesc, doc: &str) -> Json {
    let mut b = Builder::default();
    let mut root = b.object(ty);
    if let Json::Object(m) = &mut root {
        m.insert("$schema".into(), json!(DIALECT));
        m.insert("title".into(), json!(ty.name));
        if !doc.is_empty() {
            m.insert("description".into(), json!(doc));
        }
        if !b.defs.is_empty() {
            let defs: Map<String, Json> = b.defs.into_iter().map(|(k, v)| (k, v.unwrap_or(Json::Null))).collect();
            m.insert("$defs".into(), Json::Object(defs));
        }
    }
    root
}

#[derive(Default)]
struct Builder {
    /// Type name -> schema (`None` while being built, which is how recursion terminates).
    defs: BTreeMap<String, Option<Json>>,
}

fn described(mut s: Json, doc: &str) -> Json {
    if !doc.is_empty() {
        if let Json::Object(m) = &mut s {
            m.insert("description".into(), json!(doc));
        }
    }
    s
}

impl Builder {
    /// An inline object schema for a struct (or the bare-text form of simple content).
    fn object(&mut self, t: &'static TypeDesc) -> Json {
        match t.kind {
            TypeKind::Struct { attrs, text, fields } => {
                let mut props = Map::new();
                let mut required = Vec::new();
                let mut one_ofs = Vec::new();
                for a in attrs {
                    self.attr(a, &mut props, &mut required);
                }
                if let Some(s) = text {
                    props.insert("_value".into(), scalar(s));
                }
                for f in fields {
                    self.field(f, &mut props, &mut required, &mut one_ofs);
                }
                let mut obj = json!({"type": "object", "properties": props, "additionalProperties": false});
                if !required.is_empty() {
                    obj["required"] = json!(required);
                }
                attach_one_ofs(&mut obj, one_ofs);
                match text {
                    // Simple content may also be given as the bare text when no attribute is required.
                    Some(s) if !attrs.iter().any(|a| a.required) && fields.is_empty() => {
                        json!({"anyOf": [scalar(s), obj]})
                    }
                    _ => obj,
                }
            }
            TypeKind::Choice { .. } => {
                let mut props = Map::new();
                let mut required = Vec::new();
                let mut one_ofs = Vec::new();
                let whole = FieldDesc::new("", FieldType::Type(t), 1, 1);
                self.field(&whole, &mut props, &mut required, &mut one_ofs);
                let mut obj = json!({"type": "object", "properties": props, "additionalProperties": false});
                attach_one_ofs(&mut obj, one_ofs);
                obj
            }
            TypeKind::Enum { .. } => enum_schema(t),
        }
    }

    /// A reference to a named type, defining it on first use.
    fn reference(&mut self, t: &'static TypeDesc) -> Json {
        if !self.defs.contains_key(t.name) {
            self.defs.insert(t.name.to_string(), None);
            let s = described(self.object(t), t.doc);
            self.defs.insert(t.name.to_string(), Some(s));
        }
        json!({"$ref": format!("#/$defs/{}", t.name)})
    }

    fn attr(&mut self, a: &'static AttrDesc, props: &mut Map<String, Json>, required: &mut Vec<String>) {
        let s = match a.ty {
            FieldType::Scalar(s) => scalar(s),
            FieldType::Type(t) => self.reference(t),
            _ => json!({"type": "string"}),
        };
        props.insert(a.json.to_string(), described(s, "XML attribute"));
        if a.required {
            required.push(a.json.to_string());
        }
    }

    fn field(
        &mut self,
        f: &FieldDesc,
        props: &mut Map<String, Json>,
        required: &mut Vec<String>,
        one_ofs: &mut Vec<Json>,
    ) {
        if f.is_group() {
            self.group(f, props, required, one_ofs);
            return;
        }
        let mut item = match f.ty {
            FieldType::Scalar(s) => scalar(s),
            FieldType::Type(t) => match t.kind {
                TypeKind::Enum { .. } => self.reference(t),
                TypeKind::Struct { fields, attrs, .. } if fields.is_empty() && attrs.is_empty() => self.object(t),
                _ => self.reference(t),
            },
            FieldType::AnyType => json!({"description": "any content: an object of child elements"}),
            FieldType::AnyElements => json!({"type": "object"}),
        };
        if f.nillable {
            item = json!({"anyOf": [item, {"type": "null"}]});
        }
        let mut s = if f.is_list() {
            let mut a = json!({"type": "array", "items": item});
            if f.min > 0 {
                a["minItems"] = json!(f.min);
            }
            if f.max != crate::schema::UNBOUNDED {
                a["maxItems"] = json!(f.max);
            }
            a
        } else {
            item
        };
        if let (Some(d), Json::Object(m)) = (f.default, &mut s) {
            m.insert("default".into(), json!(d));
        }
        props.insert(f.name.to_string(), described(s, f.doc));
        // A required nillable element is sent as nil when left out, so it need not be given.
        if f.min > 0 && (!f.nillable || f.is_list()) {
            required.push(f.name.to_string());
        }
    }

    /// A choice or inline sequence: its keys live in the parent object.
    fn group(
        &mut self,
        f: &FieldDesc,
        props: &mut Map<String, Json>,
        required: &mut Vec<String>,
        one_ofs: &mut Vec<Json>,
    ) {
        let FieldType::Type(t) = f.ty else {
            if let FieldType::AnyElements = f.ty {
                props.insert(
                    "_any".into(),
                    json!({"type": "object", "description": "foreign elements: name -> content"}),
                );
            }
            return;
        };
        match t.kind {
            TypeKind::Choice { variants } => {
                let mut alternatives = Vec::new();
                for v in variants {
                    let mut vreq = Vec::new();
                    let mut vprops = Map::new();
                    self.field(v, &mut vprops, &mut vreq, one_ofs);
                    let keys: Vec<String> = vprops.keys().cloned().collect();
                    props.extend(vprops);
                    // Each alternative: its own required keys, and none of the other alternatives' keys.
                    alternatives.push((keys, vreq));
                }
                let all: Vec<String> = alternatives.iter().flat_map(|(k, _)| k.clone()).collect();
                let mut options: Vec<Json> = alternatives
                    .iter()
                    .map(|(keys, vreq)| {
                        let others: Vec<Json> = all
                            .iter()
                            .filter(|k| !keys.contains(k))
                            .map(|k| json!({"required": [k]}))
                            .collect();
                        let mut o = Map::new();
                        // An alternative is chosen by giving any of its keys; its own required keys then apply.
                        let present = if vreq.is_empty() { keys.clone() } else { vreq.clone() };
                        o.insert(
                            "anyOf".into(),
                            Json::Array(present.iter().map(|k| json!({"required": [k]})).collect()),
                        );
                        if !vreq.is_empty() {
                            o.insert("required".into(), json!(vreq));
                        }
                        if !others.is_empty() {
                            o.insert("not".into(), json!({"anyOf": others}));
                        }
                        Json::Object(o)
                    })
                    .collect();
                if f.min == 0 {
                    // Optional: none of the keys at all is fine too.
                    let none: Vec<Json> = all.iter().map(|k| json!({"required": [k]})).collect();
                    options.push(json!({"not": {"anyOf": none}}));
                }
                one_ofs.push(json!({"oneOf": options}));
            }
            TypeKind::Struct { fields, .. } => {
                for inner in fields {
                    self.field(inner, props, required, one_ofs);
                }
            }
            TypeKind::Enum { .. } => {}
        }
    }
}

fn attach_one_ofs(obj: &mut Json, one_ofs: Vec<Json>) {
    match one_ofs.len() {
        0 => {}
        1 => {
            if let (Json::Object(m), Some(Json::Object(c))) = (obj, one_ofs.into_iter().next()) {
                m.extend(c);
            }
        }
        _ => obj["allOf"] = Json::Array(one_ofs),
    }
}

fn enum_schema(t: &'static TypeDesc) -> Json {
    let TypeKind::Enum { values, open } = t.kind else {
        return json!({"type": "string"});
    };
    let closed = json!({"type": "string", "enum": values});
    if open {
        // Cisco adds values between releases: any other string is passed through.
        json!({"anyOf": [closed, {"type": "string", "description": "a value newer than this schema"}]})
    } else {
        closed
    }
}

fn scalar(s: Scalar) -> Json {
    let mut j = match s.kind {
        ScalarKind::String => json!({"type": "string"}),
        ScalarKind::Bool => json!({"type": "boolean"}),
        ScalarKind::AxlBool => json!({"type": ["boolean", "string"], "enum": [true, false, "true", "false", "t", "f"]}),
        ScalarKind::Int => json!({"type": "integer"}),
        ScalarKind::UInt => json!({"type": "integer", "minimum": 0}),
        ScalarKind::Float => json!({"type": "number"}),
        ScalarKind::XInteger => json!({"anyOf": [{"type": "integer"}, {"const": ""}]}),
        ScalarKind::Union(_) => json!({"type": "string"}),
        ScalarKind::Literals(values) => json!({"type": "string", "enum": values}),
    };
    if let Json::Object(m) = &mut j {
        if let Some(v) = s.min_len {
            m.insert("minLength".into(), json!(v));
        }
        if let Some(v) = s.max_len {
            m.insert("maxLength".into(), json!(v));
        }
        if matches!(s.kind, ScalarKind::Int | ScalarKind::UInt) {
            if let Some(v) = s.min {
                m.insert("minimum".into(), json!(v));
            }
            if let Some(v) = s.max {
                m.insert("maximum".into(), json!(v));
            }
        }
        // XSD patterns are not ECMA-262 regexes: documented, not enforced by the schema.
        if let Some(p) = s.pattern {
            m.insert("description".into(), json!(format!("XSD pattern: {p}")));
        }
    }
    j
}

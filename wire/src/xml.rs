//! XML on the wire: a small DOM parsed with quick-xml, and the descriptor-driven encoder and
//! decoder between XML and [`Value`]. Names are matched by local name: servers differ in
//! prefixes, and AXL qualifies only the wrapper element.

use std::fmt::Write as _;

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::schema::{FieldDesc, FieldType, Scalar, ScalarKind, TypeDesc, TypeKind};
use crate::value::{AnyElement, Value};

/// A parsed element: local name, attributes by local name, text and children.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub nil: bool,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    /// Depth-first search for the first descendant (or self) with this name.
    pub fn find(&self, name: &str) -> Option<&Element> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("malformed XML at byte {position}: {message}")]
    Malformed { position: u64, message: String },
    #[error("XML ends before the document is complete (truncated body?)")]
    Truncated,
    #[error("XML document has no root element")]
    Empty,
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Parses a whole document into its root element.
pub fn parse(input: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(input);
    let mut stack: Vec<Element> = Vec::new();
    let malformed = |reader: &Reader<&[u8]>, e: &dyn std::fmt::Display| XmlError::Malformed {
        position: reader.error_position(),
        message: e.to_string(),
    };
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                if stack.is_empty() {
                    return Err(malformed(&reader, &e));
                }
                // A syntax error at the very end (an unclosed tag or comment) is a cut-off body.
                let at_end = reader.buffer_position() as usize >= input.len();
                if at_end && matches!(e, quick_xml::Error::Syntax(_)) {
                    return Err(XmlError::Truncated);
                }
                return Err(malformed(&reader, &e));
            }
        };
        match event {
            Event::Start(e) => {
                let el = open_element(&e).map_err(|m| malformed(&reader, &m))?;
                stack.push(el);
            }
            Event::Empty(e) => {
                let el = open_element(&e).map_err(|m| malformed(&reader, &m))?;
                if let Some(done) = close(&mut stack, el) {
                    return Ok(done);
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| malformed(&reader, &"unexpected end tag"))?;
                if let Some(done) = close(&mut stack, el) {
                    return Ok(done);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = r.xml10_content();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| malformed(&reader, &format!("unknown entity &{name};")))?
                            .to_string()
                    }
                    Err(e) => return Err(malformed(&reader, &e)),
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => {
                return Err(if stack.is_empty() {
                    XmlError::Empty
                } else {
                    XmlError::Truncated
                });
            }
            _ => {}
        }
    }
}

fn open_element(e: &quick_xml::events::BytesStart<'_>) -> Result<Element, String> {
    let mut el = Element {
        name: local(e.name().into_inner()).to_string(),
        ..Default::default()
    };
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let key = a.key.into_inner();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?
            .into_owned();
        let name = local(key);
        if name == "nil" && key.contains(':') {
            el.nil = value == "true" || value == "1";
            continue;
        }
        el.attrs.push((name.to_string(), value));
    }
    Ok(el)
}

fn close(stack: &mut [Element], el: Element) -> Option<Element> {
    match stack.last_mut() {
        Some(parent) => {
            parent.children.push(el);
            None
        }
        None => Some(el),
    }
}

// ---------------------------------------------------------------------------------------
// Encoding

/// Escapes text for element content and attribute values.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot encode {path}: {message}")]
pub struct EncodeError {
    pub path: String,
    pub message: String,
}

fn enc_err(path: &str, message: impl Into<String>) -> EncodeError {
    EncodeError {
        path: path.to_string(),
        message: message.into(),
    }
}

/// Writes the children (attributes go on `open_tag`) of a struct value into `out`.
/// The caller writes the wrapper element itself (the namespace-qualified operation element).
pub fn encode_body(out: &mut String, ty: &'static TypeDesc, value: &Value, open_tag: &str) -> Result<(), EncodeError> {
    let path = format!("/{open_tag}");
    let (attrs, text, fields) = ty
        .struct_parts()
        .ok_or_else(|| enc_err(&path, "operation body must be a complex type"))?;
    let Value::Struct(members) = value else {
        return Err(enc_err(&path, format!("expected a {} value", ty.name)));
    };
    out.push('<');
    out.push_str(open_tag);
    write_attrs(out, attrs, members, &path)?;
    out.push('>');
    write_content(out, text, fields, attrs.len(), members, &path)?;
    out.push_str("</");
    out.push_str(open_tag.split_whitespace().next().unwrap_or(open_tag));
    out.push('>');
    Ok(())
}

fn write_attrs(
    out: &mut String,
    attrs: &[crate::schema::AttrDesc],
    members: &[Value],
    path: &str,
) -> Result<(), EncodeError> {
    for (a, v) in attrs.iter().zip(members) {
        if matches!(v, Value::Absent | Value::Nil) {
            if a.required {
                return Err(enc_err(path, format!("required attribute {} missing", a.name)));
            }
            continue;
        }
        out.push(' ');
        out.push_str(a.name);
        out.push_str("=\"");
        write_scalar_text(out, a.ty, v, path)?;
        out.push('"');
    }
    Ok(())
}

fn write_content(
    out: &mut String,
    text: Option<Scalar>,
    fields: &'static [FieldDesc],
    offset: usize,
    members: &[Value],
    path: &str,
) -> Result<(), EncodeError> {
    let mut idx = offset;
    if let Some(s) = text {
        let v = members.get(idx).unwrap_or(&Value::Absent);
        if !matches!(v, Value::Absent) {
            write_scalar_text(out, FieldType::Scalar(s), v, path)?;
        }
        idx += 1;
    }
    for f in fields {
        let v = members.get(idx).unwrap_or(&Value::Absent);
        idx += 1;
        write_field(out, f, v, path)?;
    }
    Ok(())
}

fn write_field(out: &mut String, f: &'static FieldDesc, v: &Value, path: &str) -> Result<(), EncodeError> {
    match v {
        Value::Absent if f.min > 0 && !f.is_group() && f.nillable => write_one(out, f, &Value::Nil, path),
        Value::Absent => {
            if f.min > 0 && !f.is_group() {
                return Err(enc_err(path, format!("required element {} missing", f.name)));
            }
            Ok(())
        }
        Value::List(items) if f.is_list() => {
            for item in items {
                write_one(out, f, item, path)?;
            }
            Ok(())
        }
        other => write_one(out, f, other, path),
    }
}

fn write_one(out: &mut String, f: &'static FieldDesc, v: &Value, path: &str) -> Result<(), EncodeError> {
    if f.is_group() {
        return write_group(out, f.ty, v, path);
    }
    let here = format!("{path}/{}", f.name);
    if matches!(v, Value::Nil) || (matches!(v, Value::Absent) && f.nillable) {
        let _ = write!(out, "<{} xsi:nil=\"true\"/>", f.name);
        return Ok(());
    }
    match f.ty {
        FieldType::Scalar(_) => {
            out.push('<');
            out.push_str(f.name);
            out.push('>');
            write_scalar_text(out, f.ty, v, &here)?;
        }
        FieldType::Type(t) => match t.kind {
            TypeKind::Enum { .. } => {
                out.push('<');
                out.push_str(f.name);
                out.push('>');
                write_scalar_text(out, f.ty, v, &here)?;
            }
            TypeKind::Struct { attrs, text, fields } => {
                let Value::Struct(members) = v else {
                    return Err(enc_err(&here, format!("expected a {} value", t.name)));
                };
                out.push('<');
                out.push_str(f.name);
                write_attrs(out, attrs, members, &here)?;
                out.push('>');
                write_content(out, text, fields, attrs.len(), members, &here)?;
            }
            TypeKind::Choice { .. } => {
                out.push('<');
                out.push_str(f.name);
                out.push('>');
                write_group(out, f.ty, v, &here)?;
            }
        },
        FieldType::AnyType => {
            let Value::Any(items) = v else {
                return Err(enc_err(&here, "expected anyType content"));
            };
            out.push('<');
            out.push_str(f.name);
            out.push('>');
            for item in items {
                for c in &item.children {
                    write_any(out, c);
                }
                escape_into(out, &item.text);
            }
        }
        FieldType::AnyElements => unreachable!("xsd:any is always a group"),
    }
    out.push_str("</");
    out.push_str(f.name);
    out.push('>');
    Ok(())
}

fn write_group(out: &mut String, ty: FieldType, v: &Value, path: &str) -> Result<(), EncodeError> {
    match ty {
        FieldType::AnyElements => {
            if let Value::Any(items) = v {
                items.iter().for_each(|e| write_any(out, e));
            }
            Ok(())
        }
        FieldType::Type(t) => match t.kind {
            TypeKind::Choice { variants } => {
                let Value::Choice(i, inner) = v else {
                    return Err(enc_err(path, format!("expected a choice of {}", t.name)));
                };
                let f = variants
                    .get(*i as usize)
                    .ok_or_else(|| enc_err(path, format!("choice {} has no variant {i}", t.name)))?;
                write_field(out, f, inner, path)
            }
            TypeKind::Struct { attrs, text, fields } => {
                let Value::Struct(members) = v else {
                    return Err(enc_err(path, format!("expected a {} value", t.name)));
                };
                write_content(out, text, fields, attrs.len(), members, path)
            }
            TypeKind::Enum { .. } => Err(enc_err(path, "an enumeration cannot be a group")),
        },
        _ => Err(enc_err(path, "not a group")),
    }
}

fn write_any(out: &mut String, e: &AnyElement) {
    out.push('<');
    out.push_str(&e.name);
    for (k, v) in &e.attrs {
        let _ = write!(out, " {k}=\"");
        escape_into(out, v);
        out.push('"');
    }
    out.push('>');
    escape_into(out, &e.text);
    e.children.iter().for_each(|c| write_any(out, c));
    out.push_str("</");
    out.push_str(&e.name);
    out.push('>');
}

fn write_scalar_text(out: &mut String, ty: FieldType, v: &Value, path: &str) -> Result<(), EncodeError> {
    match (ty, v) {
        (_, Value::Str(s)) => escape_into(out, s),
        (_, Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        (_, Value::Int(i)) => {
            let _ = write!(out, "{i}");
        }
        (_, Value::UInt(i)) => {
            let _ = write!(out, "{i}");
        }
        (_, Value::Float(f)) => {
            let _ = write!(out, "{f}");
        }
        (_, Value::XInt(Some(i))) => {
            let _ = write!(out, "{i}");
        }
        (_, Value::XInt(None)) => {}
        (
            FieldType::Type(TypeDesc {
                kind: TypeKind::Enum { values, .. },
                name,
                ..
            }),
            Value::Enum(i),
        ) => {
            let s = values
                .get(*i as usize)
                .ok_or_else(|| enc_err(path, format!("{name} has no value number {i}")))?;
            escape_into(out, s);
        }
        (_, other) => return Err(enc_err(path, format!("expected text, found {other:?}"))),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Decoding

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot decode {path}: {message}")]
pub struct DecodeError {
    pub path: String,
    pub message: String,
}

fn dec_err(path: &str, message: impl Into<String>) -> DecodeError {
    DecodeError {
        path: path.to_string(),
        message: message.into(),
    }
}

/// Where the decoder is, rendered only when an error needs it (building a string per field
/// would cost more than decoding).
#[derive(Clone, Copy)]
struct At<'a> {
    parent: Option<&'a At<'a>>,
    name: &'a str,
    index: Option<usize>,
}

impl<'a> At<'a> {
    fn root(name: &'a str) -> Self {
        At {
            parent: None,
            name,
            index: None,
        }
    }
    fn child(&'a self, name: &'a str) -> At<'a> {
        At {
            parent: Some(self),
            name,
            index: None,
        }
    }
    fn item(&'a self, index: usize) -> At<'a> {
        At {
            parent: self.parent,
            name: self.name,
            index: Some(index),
        }
    }
    fn render(&self) -> String {
        let mut s = self.parent.map(At::render).unwrap_or_default();
        if self.parent.is_some() {
            s.push('/');
        }
        s.push_str(self.name);
        if let Some(i) = self.index {
            s.push_str(&format!("[{i}]"));
        }
        s
    }
    fn err(&self, message: impl Into<String>) -> DecodeError {
        dec_err(&self.render(), message)
    }
}

/// Decodes an element whose content is described by a struct type (an operation response).
pub fn decode_struct(ty: &'static TypeDesc, el: &Element, path: &str) -> Result<Value, DecodeError> {
    decode_type(ty, el, &At::root(path))
}

fn decode_type(t: &'static TypeDesc, el: &Element, path: &At<'_>) -> Result<Value, DecodeError> {
    match t.kind {
        TypeKind::Struct { attrs, text, fields } => {
            let mut members = Vec::with_capacity(attrs.len() + fields.len() + 1);
            for a in attrs {
                match el.attr(a.name) {
                    Some(raw) => members.push(
                        decode_scalar_text(a.ty, raw, "")
                            .map_err(|e| path.child(a.name).err(format!("attribute: {}", e.message)))?,
                    ),
                    None => members.push(Value::Absent),
                }
            }
            if let Some(s) = text {
                members.push(decode_scalar_text(FieldType::Scalar(s), &el.text, "").map_err(|e| path.err(e.message))?);
            }
            let mut children = Children::new(&el.children);
            for f in fields {
                members.push(decode_field(f, &mut children, path)?);
            }
            Ok(Value::Struct(members))
        }
        TypeKind::Enum { .. } => decode_scalar_text(FieldType::Type(t), &el.text, "").map_err(|e| path.err(e.message)),
        TypeKind::Choice { .. } => {
            let mut children = Children::new(&el.children);
            decode_group(FieldType::Type(t), &mut children, path, true)
        }
    }
}

/// An element's children indexed by name (sorted), with the ones already consumed: each field
/// finds its elements by binary search instead of scanning every child.
struct Children<'a> {
    els: &'a [Element],
    by_name: Vec<(&'a str, usize)>,
    used: Vec<bool>,
}

impl<'a> Children<'a> {
    fn new(els: &'a [Element]) -> Self {
        let mut by_name: Vec<(&str, usize)> = els.iter().enumerate().map(|(i, e)| (e.name.as_str(), i)).collect();
        by_name.sort_unstable();
        Children {
            els,
            by_name,
            used: vec![false; els.len()],
        }
    }

    /// Unused children named `name`, in document order.
    fn named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = usize> + 's {
        let start = self.by_name.partition_point(|(n, _)| *n < name);
        self.by_name[start..]
            .iter()
            .take_while(move |(n, _)| *n == name)
            .map(|(_, i)| *i)
            .filter(|i| !self.used[*i])
    }
}

/// The element names that can start (or appear in) a field: used to pick a choice's variant.
fn names_of(f: &'static FieldDesc, out: &mut Vec<&'static str>) {
    if !f.is_group() {
        out.push(f.name);
        return;
    }
    if let FieldType::Type(t) = f.ty {
        match t.kind {
            TypeKind::Choice { variants } => variants.iter().for_each(|v| names_of(v, out)),
            TypeKind::Struct { fields, .. } => fields.iter().for_each(|v| names_of(v, out)),
            TypeKind::Enum { .. } => {}
        }
    }
}

fn decode_field(f: &'static FieldDesc, children: &mut Children<'_>, path: &At<'_>) -> Result<Value, DecodeError> {
    if f.is_group() {
        return decode_group(f.ty, children, path, f.min > 0);
    }
    let found: Vec<usize> = if f.is_list() {
        children.named(f.name).collect()
    } else {
        children.named(f.name).take(1).collect()
    };
    for &i in &found {
        children.used[i] = true;
    }
    let here = path.child(f.name);
    if f.is_list() {
        let mut items = Vec::with_capacity(found.len());
        for (n, i) in found.into_iter().enumerate() {
            items.push(decode_element(f, &children.els[i], &here.item(n))?);
        }
        return Ok(Value::List(items));
    }
    match found.first() {
        Some(&i) => decode_element(f, &children.els[i], &here),
        None if f.min == 0 => Ok(Value::Absent),
        // Servers leave out nil elements they consider empty.
        None if f.nillable => Ok(Value::Nil),
        None => Err(here.err("required element is missing")),
    }
}

fn decode_group(
    ty: FieldType,
    children: &mut Children<'_>,
    path: &At<'_>,
    required: bool,
) -> Result<Value, DecodeError> {
    match ty {
        FieldType::AnyElements => {
            let mut items = Vec::new();
            for (i, c) in children.els.iter().enumerate() {
                if !children.used[i] {
                    children.used[i] = true;
                    items.push(to_any(c));
                }
            }
            Ok(Value::Any(items))
        }
        FieldType::Type(t) => match t.kind {
            TypeKind::Choice { variants } => {
                for (vi, v) in variants.iter().enumerate() {
                    let mut names = Vec::new();
                    names_of(v, &mut names);
                    let present = names.iter().any(|n| children.named(n).next().is_some());
                    if present {
                        let inner = decode_field(v, children, path)?;
                        return Ok(Value::Choice(vi as u32, Box::new(inner)));
                    }
                }
                if required {
                    let mut names = Vec::new();
                    variants.iter().for_each(|v| names_of(v, &mut names));
                    return Err(path.err(format!("one of {} is required", names.join(", "))));
                }
                Ok(Value::Absent)
            }
            TypeKind::Struct { fields, .. } => {
                let mut members = Vec::with_capacity(fields.len());
                for f in fields {
                    members.push(decode_field(f, children, path)?);
                }
                Ok(Value::Struct(members))
            }
            TypeKind::Enum { .. } => Err(path.err("an enumeration cannot be a group")),
        },
        _ => Err(path.err("not a group")),
    }
}

fn decode_element(f: &'static FieldDesc, el: &Element, path: &At<'_>) -> Result<Value, DecodeError> {
    if el.nil {
        // CUCM sends `xsi:nil="true" uuid=""` for unset references even where the schema does
        // not declare the element nillable: an optional one then reads as absent.
        if f.nillable {
            return Ok(Value::Nil);
        }
        if f.min == 0 && !f.is_list() {
            return Ok(Value::Absent);
        }
    }
    match f.ty {
        FieldType::Scalar(_) => decode_scalar_text(f.ty, &el.text, "").map_err(|e| path.err(e.message)),
        FieldType::Type(t) => decode_type(t, el, path),
        FieldType::AnyType => Ok(Value::Any(vec![to_any(el)])),
        FieldType::AnyElements => Err(path.err("xsd:any is always a group")),
    }
}

fn to_any(el: &Element) -> AnyElement {
    AnyElement {
        name: el.name.clone(),
        attrs: el.attrs.clone(),
        text: if el.children.is_empty() {
            el.text.clone()
        } else {
            el.text.trim().to_string()
        },
        children: el.children.iter().map(to_any).collect(),
    }
}

/// Parses one simple value. Decoding is lenient where servers are (AXL booleans, blanks
/// around numbers, an empty XInteger) and strict where a wrong value would mislead.
pub fn decode_scalar_text(ty: FieldType, raw: &str, path: &str) -> Result<Value, DecodeError> {
    match ty {
        FieldType::Scalar(s) => parse_scalar(s, raw).map_err(|m| dec_err(path, m)),
        FieldType::Type(TypeDesc {
            kind: TypeKind::Enum { values, open },
            name,
            ..
        }) => match values.iter().position(|v| *v == raw) {
            Some(i) => Ok(Value::Enum(i as u32)),
            None if *open => Ok(Value::Str(raw.to_string())),
            None => Err(dec_err(path, format!("'{raw}' is not a value of {name}"))),
        },
        _ => Err(dec_err(path, "expected a simple type")),
    }
}

/// Parses text per the scalar kind (facets are checked by the JSON validator, not here).
pub fn parse_scalar(s: Scalar, raw: &str) -> Result<Value, String> {
    let t = raw.trim();
    match s.kind {
        ScalarKind::String | ScalarKind::Union(_) | ScalarKind::Literals(_) => Ok(Value::Str(raw.to_string())),
        ScalarKind::Bool | ScalarKind::AxlBool => match t {
            "true" | "t" | "1" => Ok(Value::Bool(true)),
            "false" | "f" | "0" => Ok(Value::Bool(false)),
            _ => Err(format!("'{raw}' is not a boolean")),
        },
        ScalarKind::Int => t
            .parse()
            .map(Value::Int)
            .map_err(|_| format!("'{raw}' is not an integer")),
        ScalarKind::UInt => t
            .parse()
            .map(Value::UInt)
            .map_err(|_| format!("'{raw}' is not a non-negative integer")),
        ScalarKind::Float => t
            .parse()
            .map(Value::Float)
            .map_err(|_| format!("'{raw}' is not a number")),
        ScalarKind::XInteger => {
            if t.is_empty() {
                Ok(Value::XInt(None))
            } else {
                t.parse()
                    .map(|i| Value::XInt(Some(i)))
                    .map_err(|_| format!("'{raw}' is not an integer or empty"))
            }
        }
    }
}

/// Finds the element field named `name` among `fields`, looking into groups.
fn field_named(fields: &'static [FieldDesc], name: &str) -> Option<&'static FieldDesc> {
    for f in fields {
        if !f.is_group() {
            if f.name == name {
                return Some(f);
            }
            continue;
        }
        if let FieldType::Type(t) = f.ty {
            let inner = match t.kind {
                TypeKind::Choice { variants } => variants,
                TypeKind::Struct { fields, .. } => fields,
                TypeKind::Enum { .. } => continue,
            };
            if let Some(found) = field_named(inner, name) {
                return Some(found);
            }
        }
    }
    None
}

fn accepts_any(fields: &'static [FieldDesc]) -> bool {
    fields.iter().any(|f| matches!(f.ty, FieldType::AnyElements))
}

/// Strict schema check on top of decoding: every child element must be declared (a server
/// such as the simulator refuses what CUCM would refuse; the clients stay lenient).
pub fn check_known_elements(ty: &'static TypeDesc, el: &Element, path: &str) -> Result<(), DecodeError> {
    let TypeKind::Struct { fields, .. } = ty.kind else {
        return Ok(());
    };
    for c in &el.children {
        let here = format!("{path}/{}", c.name);
        match field_named(fields, &c.name) {
            Some(f) => {
                if let FieldType::Type(t) = f.ty {
                    if !c.nil {
                        check_known_elements(t, c, &here)?;
                    }
                }
            }
            None if accepts_any(fields) => {}
            None => {
                return Err(dec_err(
                    &here,
                    format!("element <{}> is not declared in {}", c.name, ty.name),
                ));
            }
        }
    }
    Ok(())
}

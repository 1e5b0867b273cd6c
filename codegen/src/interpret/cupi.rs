//! The CUPI description to the IR: the same services, operations and types as AXL, with HTTP
//! bindings. Every reference is checked here, and a mistake names the file and line.
//!
//! Each operation gets a request type `<Operation>Req` holding its path parameters, its
//! query parameters and, for POST and PUT, a `body` field; the transport sends each part
//! where it belongs. `Created` (POST: the new object's URI and id) and `Empty` (PUT, DELETE)
//! are built in.

use std::collections::{HashMap, HashSet};

use super::{pascal, InterpretError};
use crate::ir::{
    Binding, Effect, Field, FieldTy, Operation, Scalar, ScalarKind, Service, TypeDef, TypeKind, UNBOUNDED,
};
use crate::parse::cupi::{CupiDescription, RawField};

const BUILT_IN: [&str; 2] = ["Created", "Empty"];
const METHODS: [&str; 4] = ["GET", "POST", "PUT", "DELETE"];

fn err(d: &CupiDescription, line: usize, message: String) -> InterpretError {
    InterpretError::Description {
        file: d.file.clone(),
        line,
        message,
    }
}

struct Types<'d> {
    d: &'d CupiDescription,
    ids: HashMap<String, usize>,
}

impl Types<'_> {
    fn field_ty(&self, f: &RawField) -> Result<(FieldTy, bool), InterpretError> {
        let (inner, list) = match f.ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            Some(t) => (t, true),
            None => (f.ty.as_str(), false),
        };
        let ty = match inner {
            "string" => FieldTy::Scalar(Scalar::of(ScalarKind::String)),
            "int" => FieldTy::Scalar(Scalar::of(ScalarKind::Int)),
            "bool" => FieldTy::Scalar(Scalar::of(ScalarKind::Bool)),
            name => match self.ids.get(name) {
                Some(id) => FieldTy::Type(*id),
                None => {
                    return Err(err(
                        self.d,
                        f.line,
                        format!(
                            "field '{}': unknown type '{}' (expected string, int, bool, [type] or one of the declared types)",
                            f.name, f.ty
                        ),
                    ))
                }
            },
        };
        Ok((ty, list))
    }

    fn field(&self, f: &RawField) -> Result<Field, InterpretError> {
        let (ty, list) = self.field_ty(f)?;
        Ok(Field {
            xml_name: f.name.clone(),
            rust_name: String::new(),
            ty,
            min: u32::from(f.required),
            max: if list { UNBOUNDED } else { 1 },
            nillable: false,
            default: None,
            doc: f.doc.clone(),
            boxed: false,
        })
    }

    fn fields(&self, raw: &[RawField], owner: &str) -> Result<Vec<Field>, InterpretError> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for f in raw {
            if !seen.insert(f.name.as_str()) {
                return Err(err(
                    self.d,
                    f.line,
                    format!("{owner}: field '{}' is declared twice", f.name),
                ));
            }
            out.push(self.field(f)?);
        }
        Ok(out)
    }
}

fn strukt(name: &str, doc: &str, origin: String, fields: Vec<Field>) -> TypeDef {
    TypeDef {
        name: name.into(),
        origin,
        doc: doc.into(),
        kind: TypeKind::Struct {
            attrs: Vec::new(),
            text: None,
            fields,
        },
    }
}

/// `{name}` placeholders of a path template.
fn placeholders(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|p| p.split_once('}').map(|(name, _)| name))
        .collect()
}

pub fn interpret(d: &CupiDescription) -> Result<Service, InterpretError> {
    // Origins (in generated docs) name the file only, so output does not depend on checkouts.
    let file = std::path::Path::new(&d.file)
        .file_name()
        .map_or(d.file.clone(), |n| n.to_string_lossy().to_string());
    let mut ids = HashMap::new();
    let mut types: Vec<TypeDef> = Vec::new();
    for b in BUILT_IN {
        ids.insert(b.to_string(), types.len());
        types.push(strukt(b, "", format!("{file}: built in"), Vec::new()));
    }
    for t in &d.types {
        if BUILT_IN.contains(&t.name.as_str()) {
            return Err(err(
                d,
                t.line,
                format!("type '{}' is built in and cannot be declared", t.name),
            ));
        }
        ids.insert(t.name.clone(), types.len());
        types.push(strukt(&t.name, &t.doc, format!("{file}: type {}", t.name), Vec::new()));
    }
    let resolver = Types { d, ids };
    for t in &d.types {
        let fields = resolver.fields(&t.fields, &t.name)?;
        if let TypeKind::Struct { fields: slot, .. } = &mut types[resolver.ids[&t.name]].kind {
            *slot = fields;
        }
    }
    // The built-ins' fields: the new object's URI (Location) and its id.
    let text = |name: &str, doc: &str| Field {
        xml_name: name.into(),
        rust_name: String::new(),
        ty: FieldTy::Scalar(Scalar::of(ScalarKind::String)),
        min: 1,
        max: 1,
        nillable: false,
        default: None,
        doc: doc.into(),
        boxed: false,
    };
    if let TypeKind::Struct { fields, .. } = &mut types[0].kind {
        *fields = vec![
            text("uri", "the new object's URI (the Location header)"),
            text("ObjectId", "the new object's id (the URI's last segment)"),
        ];
    }

    let mut operations = Vec::new();
    let mut seen_routes = HashMap::new();
    for o in &d.operations {
        if !METHODS.contains(&o.method.as_str()) {
            return Err(err(
                d,
                o.line,
                format!(
                    "operation '{}': method '{}' is not one of {}",
                    o.name,
                    o.method,
                    METHODS.join(", ")
                ),
            ));
        }
        if !o.path.starts_with("/vmrest/") {
            return Err(err(
                d,
                o.line,
                format!("operation '{}': the path must start with /vmrest/", o.name),
            ));
        }
        if let Some(first) = seen_routes.insert(format!("{} {}", o.method, o.path), &o.name) {
            return Err(err(
                d,
                o.line,
                format!(
                    "operation '{}': {} {} is already operation '{first}'",
                    o.name, o.method, o.path
                ),
            ));
        }
        let declared: HashSet<&str> = o.params.iter().map(|p| p.name.as_str()).collect();
        for p in placeholders(&o.path) {
            if !declared.contains(p) {
                return Err(err(
                    d,
                    o.line,
                    format!(
                        "operation '{}': path parameter {{{p}}} is not declared in params",
                        o.name
                    ),
                ));
            }
        }
        let used: HashSet<&str> = placeholders(&o.path).into_iter().collect();
        for p in &o.params {
            if !used.contains(p.name.as_str()) {
                return Err(err(
                    d,
                    p.line,
                    format!(
                        "operation '{}': parameter '{}' does not appear in the path {}",
                        o.name, p.name, o.path
                    ),
                ));
            }
            if p.ty != "string" {
                return Err(err(d, p.line, format!("path parameter '{}' must be a string", p.name)));
            }
        }
        let mut fields = resolver.fields(&o.params, &o.name)?;
        for f in &mut fields {
            f.min = 1;
        }
        let query = resolver.fields(&o.query, &o.name)?;
        for q in &query {
            if fields.iter().any(|f| f.xml_name == q.xml_name) || q.xml_name == "body" {
                return Err(err(
                    d,
                    o.line,
                    format!(
                        "operation '{}': '{}' is both a path and a query parameter",
                        o.name, q.xml_name
                    ),
                ));
            }
        }
        fields.extend(query);
        match (&o.body, o.method.as_str()) {
            (Some((body, line)), "POST" | "PUT") => {
                let (ty, list) = resolver.field_ty(&RawField {
                    name: "body".into(),
                    ty: body.clone(),
                    required: true,
                    doc: String::new(),
                    line: *line,
                })?;
                if list || matches!(ty, FieldTy::Scalar(_)) {
                    return Err(err(
                        d,
                        *line,
                        format!("operation '{}': the body must be a declared type", o.name),
                    ));
                }
                fields.push(Field {
                    xml_name: "body".into(),
                    rust_name: String::new(),
                    ty,
                    min: 1,
                    max: 1,
                    nillable: false,
                    default: None,
                    doc: "the JSON body".into(),
                    boxed: false,
                });
            }
            (Some((_, line)), m) => {
                return Err(err(
                    d,
                    *line,
                    format!("operation '{}': a {m} request has no body", o.name),
                ));
            }
            (None, _) => {}
        }
        let request = types.len();
        let req_name = format!("{}Req", pascal(&o.name));
        if resolver.ids.contains_key(&req_name) {
            return Err(err(
                d,
                o.line,
                format!(
                    "operation '{}': its request type {req_name} clashes with a declared type",
                    o.name
                ),
            ));
        }
        types.push(strukt(
            &req_name,
            &o.doc,
            format!("{file}: operation {}", o.name),
            fields,
        ));
        let response = *resolver.ids.get(&o.response.0).ok_or_else(|| {
            err(
                d,
                o.response.1,
                format!("operation '{}': unknown response type '{}'", o.name, o.response.0),
            )
        })?;
        operations.push(Operation {
            name: o.name.clone(),
            rust_name: String::new(),
            effect: if o.method == "GET" { Effect::Read } else { Effect::Write },
            binding: Binding::Http {
                method: o.method.clone(),
                path: o.path.clone(),
            },
            request,
            response,
            doc: o.doc.clone(),
        });
    }
    Ok(Service {
        product: "cupi".into(),
        version: String::new(),
        module: String::new(),
        namespace: String::new(),
        qualified: false,
        endpoint_path: String::new(),
        operations,
        types,
    })
}

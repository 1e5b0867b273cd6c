//! Stage 2, interpretation: the raw XSD/WSDL model becomes IR types and operations.
//! Every construct is mapped or rejected with an error naming where it is; nothing is dropped.

pub mod cupi;
mod names;
mod simple;

use std::collections::{HashMap, HashSet};

use crate::ir::{Attr, Binding, Effect, Field, FieldTy, Operation, Scalar, Service, TypeDef, TypeId, TypeKind};
use crate::parse::wsdl::Wsdl;
use crate::parse::xsd::{self, ComplexType, Content, Particle, Schema, SimpleType, TypeRef};
pub use names::{ident_text, pascal, snake};
use simple::Shape;

#[derive(Debug, thiserror::Error)]
pub enum InterpretError {
    #[error("{origin}: {message}")]
    Unsupported { origin: String, message: String },
    #[error("{origin}: unknown type '{name}'")]
    UnknownType { origin: String, name: String },
    #[error("operation {operation}: element '{element}' is not declared in any schema")]
    UnknownElement { operation: String, element: String },
    /// A mistake in a REST description (CUPI), with its line.
    #[error("{file}:{line}: {message}")]
    Description { file: String, line: usize, message: String },
}

fn unsupported(origin: &str, message: impl Into<String>) -> InterpretError {
    InterpretError::Unsupported {
        origin: origin.to_string(),
        message: message.into(),
    }
}

/// What the service is, besides what the WSDL says.
#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub product: String,
    pub version: String,
    pub module: String,
    pub endpoint_path: String,
}

struct Interpreter<'a> {
    complex: HashMap<&'a str, (&'a ComplexType, &'a Schema)>,
    simple: HashMap<&'a str, (&'a SimpleType, &'a Schema)>,
    elements: HashMap<&'a str, (&'a xsd::Element, &'a Schema)>,
    types: Vec<TypeDef>,
    named_complex: HashMap<String, TypeId>,
    named_enums: HashMap<String, TypeId>,
    in_progress: HashSet<TypeId>,
    shapes: HashMap<String, Shape>,
    used_names: HashSet<String>,
    complete: HashSet<TypeId>,
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

pub fn interpret(wsdl: &Wsdl, info: ServiceInfo) -> Result<Service, InterpretError> {
    let mut it = Interpreter {
        complex: HashMap::new(),
        simple: HashMap::new(),
        elements: HashMap::new(),
        types: Vec::new(),
        named_complex: HashMap::new(),
        named_enums: HashMap::new(),
        in_progress: HashSet::new(),
        shapes: HashMap::new(),
        used_names: HashSet::new(),
        complete: HashSet::new(),
    };
    for s in &wsdl.schemas {
        for c in &s.complex_types {
            if let Some(n) = &c.name {
                it.complex.insert(n, (c, s));
            }
        }
        for st in &s.simple_types {
            if let Some(n) = &st.name {
                it.simple.insert(n, (st, s));
            }
        }
        for e in &s.elements {
            it.elements.insert(&e.name, (e, s));
        }
    }
    let main_schema = wsdl
        .operations
        .first()
        .and_then(|op| it.elements.get(op.input_element.as_str()).map(|(_, s)| *s))
        .or(wsdl.schemas.first());
    let mut operations = Vec::new();
    for op in &wsdl.operations {
        let request = it.element_type(&op.input_element, &op.name)?;
        let response = it.element_type(&op.output_element, &op.name)?;
        let doc = if op.doc.is_empty() {
            it.elements
                .get(op.input_element.as_str())
                .map(|(e, _)| e.doc.clone())
                .unwrap_or_default()
        } else {
            op.doc.clone()
        };
        operations.push(Operation {
            name: op.name.clone(),
            rust_name: String::new(),
            effect: Effect::Write,
            binding: Binding::Soap {
                action: op.soap_action.clone(),
                request_element: op.input_element.clone(),
                response_element: op.output_element.clone(),
            },
            request,
            response,
            doc,
        });
    }
    Ok(Service {
        product: info.product,
        version: info.version,
        module: info.module,
        namespace: main_schema.map(|s| s.target_ns.clone()).unwrap_or_default(),
        qualified: main_schema.is_some_and(|s| s.qualified),
        endpoint_path: info.endpoint_path,
        operations,
        types: it.types,
    })
}

impl<'a> Interpreter<'a> {
    fn unique_name(&mut self, wanted: &str) -> String {
        let base = pascal(wanted);
        let mut name = base.clone();
        let mut n = 2;
        while self.used_names.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.used_names.insert(name.clone());
        name
    }

    fn push(&mut self, name: String, origin: String, doc: String) -> TypeId {
        self.types.push(TypeDef {
            name,
            origin,
            doc,
            kind: TypeKind::Struct {
                attrs: Vec::new(),
                text: None,
                fields: Vec::new(),
            },
        });
        self.types.len() - 1
    }

    /// The type of a top-level element used as an operation's request or response.
    fn element_type(&mut self, element: &str, operation: &str) -> Result<TypeId, InterpretError> {
        let (el, schema) = *self
            .elements
            .get(element)
            .ok_or_else(|| InterpretError::UnknownElement {
                operation: operation.into(),
                element: element.into(),
            })?;
        let origin = format!("{}: element {}", file_name(&schema.file), el.name);
        match (&el.inline_complex, &el.type_ref) {
            (Some(ct), _) => {
                let key = format!("element:{}", el.name);
                if let Some(id) = self.named_complex.get(&key) {
                    return Ok(*id);
                }
                let id = self.complex_type(ct, &el.name, origin)?;
                self.named_complex.insert(key, id);
                Ok(id)
            }
            (None, Some(TypeRef::Named(n))) => self.named_complex_type(n, &origin),
            _ => Err(unsupported(&origin, "an operation element must have a complex type")),
        }
    }

    fn named_complex_type(&mut self, name: &str, origin: &str) -> Result<TypeId, InterpretError> {
        if let Some(id) = self.named_complex.get(name) {
            return Ok(*id);
        }
        let (ct, schema) = *self.complex.get(name).ok_or_else(|| InterpretError::UnknownType {
            origin: origin.into(),
            name: name.into(),
        })?;
        let origin = format!("{}: complexType {}", file_name(&schema.file), name);
        let id = self.complex_type(ct, name, origin)?;
        self.named_complex.insert(name.to_string(), id);
        Ok(id)
    }

    fn complex_type(&mut self, ct: &'a ComplexType, wanted: &str, origin: String) -> Result<TypeId, InterpretError> {
        let name = self.unique_name(wanted);
        let id = self.push(name.clone(), origin.clone(), ct.doc.clone());
        if let Some(n) = &ct.name {
            self.named_complex.insert(n.clone(), id);
        }
        self.in_progress.insert(id);
        let mut attrs = Vec::new();
        let mut text = None;
        let mut fields = Vec::new();
        match &ct.content {
            Content::Empty => {}
            Content::Particle(p) => fields = self.particle_fields(p, &name, &origin, false)?,
            Content::Restriction { particle } => {
                if let Some(p) = particle {
                    fields = self.particle_fields(p, &name, &origin, false)?;
                }
            }
            Content::Extension { base, particle } => {
                match base {
                    TypeRef::Named(b) => {
                        let base_id = self.named_complex_type(b, &origin)?;
                        if self.in_progress.contains(&base_id) {
                            return Err(unsupported(&origin, format!("extension of {b} is circular")));
                        }
                        if let TypeKind::Struct {
                            attrs: a,
                            text: t,
                            fields: f,
                        } = &self.types[base_id].kind
                        {
                            attrs.extend(a.iter().cloned());
                            text = t.clone();
                            fields.extend(f.iter().cloned());
                        }
                    }
                    TypeRef::Builtin(b) if b == "anyType" => {}
                    TypeRef::Builtin(b) => {
                        return Err(unsupported(&origin, format!("complexContent extension of xsd:{b}")))
                    }
                }
                if let Some(p) = particle {
                    fields.extend(self.particle_fields(p, &name, &origin, false)?);
                }
            }
            Content::Simple { base } => {
                let (t, base_attrs) = self.simple_content(base, &origin)?;
                text = Some(t);
                attrs.extend(base_attrs);
            }
        }
        for a in &ct.attrs {
            let ty = match (&a.inline_simple, &a.type_ref) {
                (Some(st), _) => {
                    let shape = self.shape_of(st, &origin)?;
                    self.materialize(shape, &format!("{name}{}", pascal(&a.name)))
                }
                (None, Some(r)) => self.simple_ref(r, &format!("{origin}/@{}", a.name))?,
                (None, None) => FieldTy::Scalar(Scalar::of(crate::ir::ScalarKind::String)),
            };
            attrs.retain(|x: &Attr| x.name != a.name);
            attrs.push(Attr {
                name: a.name.clone(),
                json: a.name.clone(),
                rust_name: String::new(),
                ty,
                required: a.required,
            });
        }
        self.types[id].kind = TypeKind::Struct { attrs, text, fields };
        self.in_progress.remove(&id);
        self.complete.insert(id);
        Ok(id)
    }

    /// The text type and inherited attributes of `simpleContent` derived from `base`.
    fn simple_content(&mut self, base: &TypeRef, origin: &str) -> Result<(Scalar, Vec<Attr>), InterpretError> {
        if let TypeRef::Named(n) = base {
            if self.complex.contains_key(n.as_str()) {
                let id = self.named_complex_type(n, origin)?;
                if let TypeKind::Struct {
                    attrs,
                    text: Some(t),
                    fields,
                } = &self.types[id].kind
                {
                    if fields.is_empty() {
                        return Ok((t.clone(), attrs.clone()));
                    }
                }
                return Err(unsupported(
                    origin,
                    format!("simpleContent based on {n}, which has no simple content"),
                ));
            }
        }
        let shape = match base {
            TypeRef::Builtin(b) => Shape::Scalar(
                simple::builtin(b).ok_or_else(|| unsupported(origin, format!("unknown builtin xsd:{b}")))?,
            ),
            TypeRef::Named(n) => self.named_shape(n, origin)?,
        };
        Ok((shape.into_scalar(), Vec::new()))
    }

    fn particle_fields(
        &mut self,
        p: &'a Particle,
        ctx: &str,
        origin: &str,
        optional: bool,
    ) -> Result<Vec<Field>, InterpretError> {
        match p {
            Particle::Element(e) => Ok(vec![self.element_field(e, ctx, origin, optional)?]),
            Particle::Sequence { min, max, items, line } => {
                if *max > 1 {
                    return Err(unsupported(
                        &format!("{origin} (line {line})"),
                        "a repeated sequence (maxOccurs > 1) cannot be mapped",
                    ));
                }
                let mut out = Vec::new();
                for item in items {
                    out.extend(self.particle_fields(item, ctx, origin, optional || *min == 0)?);
                }
                Ok(out)
            }
            Particle::Choice { .. } => Ok(vec![self.choice_field(p, ctx, origin, optional)?]),
            Particle::Any { .. } => Ok(vec![any_field()]),
        }
    }

    fn choice_field(
        &mut self,
        p: &'a Particle,
        ctx: &str,
        origin: &str,
        optional: bool,
    ) -> Result<Field, InterpretError> {
        let Particle::Choice { min, max, items, line } = p else {
            unreachable!()
        };
        let here = format!("{origin}/choice (line {line})");
        if *max > 1 {
            return Err(unsupported(&here, "a repeated choice (maxOccurs > 1) cannot be mapped"));
        }
        let labels: Vec<String> = items.iter().map(label).collect();
        let wanted = if labels.len() <= 3 {
            format!(
                "{ctx}{}",
                labels.iter().map(|l| pascal(l)).collect::<Vec<_>>().join("Or")
            )
        } else {
            format!("{ctx}Choice")
        };
        let name = self.unique_name(&wanted);
        let id = self.push(name.clone(), here.clone(), String::new());
        let mut variants = Vec::new();
        let mut can_be_empty = *min == 0 || optional;
        for (item, lab) in items.iter().zip(&labels) {
            let v = match item {
                Particle::Element(e) => self.element_field(e, &name, &here, false)?,
                Particle::Sequence {
                    min: smin,
                    max: smax,
                    items: _,
                    line: sline,
                } => {
                    if *smax > 1 {
                        return Err(unsupported(
                            &format!("{here}/sequence (line {sline})"),
                            "a repeated sequence cannot be mapped",
                        ));
                    }
                    let seq_name = self.unique_name(&format!("{name}{}Group", pascal(lab)));
                    let seq_origin = format!("{here}/sequence (line {sline})");
                    let sid = self.push(seq_name.clone(), seq_origin.clone(), String::new());
                    let fields = self.particle_fields(item, &seq_name, &seq_origin, false)?;
                    if fields.iter().all(|f| f.min == 0) {
                        can_be_empty = true;
                    }
                    self.types[sid].kind = TypeKind::Struct {
                        attrs: Vec::new(),
                        text: None,
                        fields,
                    };
                    Field {
                        min: *smin,
                        ..group_field(sid, &format!("{lab}_group"))
                    }
                }
                Particle::Choice { .. } => self.choice_field(item, &name, &here, false)?,
                Particle::Any { .. } => any_field(),
            };
            if v.min == 0 {
                can_be_empty = true;
            }
            variants.push(v);
        }
        self.types[id].kind = TypeKind::Choice { variants };
        let rust = if labels.len() <= 3 {
            labels.iter().map(|l| snake(l)).collect::<Vec<_>>().join("_or_")
        } else {
            "choice".into()
        };
        Ok(Field {
            min: if can_be_empty { 0 } else { 1 },
            ..group_field(id, &rust)
        })
    }

    fn element_field(
        &mut self,
        e: &'a xsd::Element,
        ctx: &str,
        origin: &str,
        optional: bool,
    ) -> Result<Field, InterpretError> {
        let here = format!("{origin}/{}", e.name);
        let ty = if let Some(ct) = &e.inline_complex {
            FieldTy::Type(self.complex_type(ct, &format!("{ctx}{}", pascal(&e.name)), here.clone())?)
        } else if let Some(st) = &e.inline_simple {
            let shape = self.shape_of(st, &here)?;
            self.materialize(shape, &format!("{ctx}{}", pascal(&e.name)))
        } else {
            match &e.type_ref {
                None => FieldTy::AnyType,
                Some(TypeRef::Builtin(b)) if b == "anyType" => FieldTy::AnyType,
                Some(TypeRef::Named(n)) if self.complex.contains_key(n.as_str()) => {
                    FieldTy::Type(self.named_complex_type(n, &here)?)
                }
                Some(r) => self.simple_ref(r, &here)?,
            }
        };
        Ok(Field {
            xml_name: e.name.clone(),
            rust_name: snake(&e.name),
            ty,
            min: if optional { 0 } else { e.min },
            max: e.max,
            nillable: e.nillable,
            default: e.default.clone(),
            doc: e.doc.clone(),
            boxed: false,
        })
    }

    fn simple_ref(&mut self, r: &TypeRef, origin: &str) -> Result<FieldTy, InterpretError> {
        match r {
            TypeRef::Builtin(b) => simple::builtin(b)
                .map(FieldTy::Scalar)
                .ok_or_else(|| unsupported(origin, format!("unknown builtin type xsd:{b}"))),
            TypeRef::Named(n) => {
                let shape = self.named_shape(n, origin)?;
                Ok(self.materialize(shape, n))
            }
        }
    }

    fn named_shape(&mut self, name: &str, origin: &str) -> Result<Shape, InterpretError> {
        if let Some(s) = self.shapes.get(name) {
            return Ok(s.clone());
        }
        let (st, _) = *self.simple.get(name).ok_or_else(|| InterpretError::UnknownType {
            origin: origin.into(),
            name: name.into(),
        })?;
        let shape = self.shape_of(st, origin)?;
        self.shapes.insert(name.to_string(), shape.clone());
        Ok(shape)
    }

    /// Turns a shape into a field type: enumerations become (memoised) enum types.
    fn materialize(&mut self, shape: Shape, name: &str) -> FieldTy {
        match shape {
            Shape::Scalar(s) => FieldTy::Scalar(s),
            Shape::Enum { values, open } => {
                if let Some(id) = self.named_enums.get(name) {
                    return FieldTy::Type(*id);
                }
                let rust = self.unique_name(name);
                let id = self.push(rust, format!("simpleType {name}"), String::new());
                let values = values
                    .into_iter()
                    .map(|value| crate::ir::EnumValue {
                        value,
                        rust_name: String::new(),
                    })
                    .collect();
                self.types[id].kind = TypeKind::Enum { values, open };
                self.named_enums.insert(name.to_string(), id);
                FieldTy::Type(id)
            }
        }
    }
}

fn label(p: &Particle) -> String {
    match p {
        Particle::Element(e) => e.name.clone(),
        Particle::Sequence { items, .. } | Particle::Choice { items, .. } => {
            items.first().map(label).unwrap_or_else(|| "empty".into())
        }
        Particle::Any { .. } => "any".into(),
    }
}

fn group_field(id: TypeId, rust: &str) -> Field {
    Field {
        xml_name: String::new(),
        rust_name: snake(rust),
        ty: FieldTy::Type(id),
        min: 1,
        max: 1,
        nillable: false,
        default: None,
        doc: String::new(),
        boxed: false,
    }
}

fn any_field() -> Field {
    Field {
        xml_name: String::new(),
        rust_name: "any".into(),
        ty: FieldTy::AnyElements,
        min: 0,
        max: 1,
        nillable: false,
        default: None,
        doc: String::new(),
        boxed: false,
    }
}

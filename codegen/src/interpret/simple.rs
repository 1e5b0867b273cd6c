//! Simple types: builtins, restrictions with facets, enumerations, and the union patterns
//! AXL uses (open enums, `XInteger`), reduced to a `Shape` before any Rust type exists.

use super::{unsupported, InterpretError, Interpreter};
use crate::ir::{Scalar, ScalarKind};
use crate::parse::xsd::{Facets, SimpleKind, SimpleType, TypeRef};

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Scalar(Scalar),
    Enum { values: Vec<String>, open: bool },
}

impl Shape {
    /// As text only (simple content): a closed enumeration keeps its values as literals.
    pub fn into_scalar(self) -> Scalar {
        match self {
            Shape::Scalar(s) => s,
            Shape::Enum { open: true, .. } => Scalar::of(ScalarKind::String),
            Shape::Enum { values, open: false } => Scalar::of(ScalarKind::Literals(values)),
        }
    }
}

/// The XSD builtins by local name.
pub fn builtin(name: &str) -> Option<Scalar> {
    let kind = match name {
        "string" | "normalizedString" | "token" | "Name" | "NCName" | "NMTOKEN" | "NMTOKENS" | "anyURI" | "QName"
        | "ID" | "IDREF" | "language" | "date" | "dateTime" | "time" | "duration" | "base64Binary" | "hexBinary"
        | "gYear" | "gYearMonth" | "gMonth" | "gMonthDay" | "gDay" | "anySimpleType" => ScalarKind::String,
        "boolean" => ScalarKind::Bool,
        "int" | "integer" | "long" | "short" | "byte" | "negativeInteger" | "nonPositiveInteger" => ScalarKind::Int,
        "unsignedInt" | "unsignedLong" | "unsignedShort" | "unsignedByte" | "nonNegativeInteger" => ScalarKind::UInt,
        "positiveInteger" => {
            return Some(Scalar {
                min: Some(1),
                ..Scalar::of(ScalarKind::UInt)
            })
        }
        "float" | "double" | "decimal" => ScalarKind::Float,
        _ => return None,
    };
    let mut s = Scalar::of(kind);
    match name {
        "short" => (s.min, s.max) = (Some(i16::MIN as i64), Some(i16::MAX as i64)),
        "byte" => (s.min, s.max) = (Some(i8::MIN as i64), Some(i8::MAX as i64)),
        "int" => (s.min, s.max) = (Some(i32::MIN as i64), Some(i32::MAX as i64)),
        "unsignedInt" => s.max = Some(u32::MAX as i64),
        "unsignedShort" => s.max = Some(u16::MAX as i64),
        "unsignedByte" => s.max = Some(u8::MAX as i64),
        _ => {}
    }
    Some(s)
}

const AXL_BOOLEAN_PATTERN: &str = "(t)|(f)|(true)|(false)|(0)|(1)";

fn merge(mut s: Scalar, f: &Facets) -> Scalar {
    s.min_len = f.min_len.or(s.min_len);
    s.max_len = f.max_len.or(s.max_len);
    s.min = f.min.or(s.min);
    s.max = f.max.or(s.max);
    s.pattern = f.pattern.clone().or(s.pattern);
    s
}

fn is_plain_string(s: &Scalar) -> bool {
    s.kind == ScalarKind::String && s.pattern.is_none() && s.max_len.is_none() && s.min_len.is_none()
}

impl Interpreter<'_> {
    pub(super) fn shape_of(&mut self, st: &SimpleType, origin: &str) -> Result<Shape, InterpretError> {
        let here = match &st.name {
            Some(n) => format!("{origin}/simpleType {n}"),
            None => format!("{origin}/simpleType (line {})", st.line),
        };
        match &st.kind {
            SimpleKind::List => Ok(Shape::Scalar(Scalar::of(ScalarKind::String))),
            SimpleKind::Restriction {
                base,
                inline_base,
                facets,
            } => {
                if !facets.enumeration.is_empty() {
                    return Ok(Shape::Enum {
                        values: facets.enumeration.clone(),
                        open: false,
                    });
                }
                if facets.pattern.as_deref() == Some(AXL_BOOLEAN_PATTERN) {
                    return Ok(Shape::Scalar(Scalar::of(ScalarKind::AxlBool)));
                }
                let base_shape = match (base, inline_base) {
                    (Some(TypeRef::Builtin(b)), _) => {
                        Shape::Scalar(builtin(b).ok_or_else(|| unsupported(&here, format!("unknown builtin xsd:{b}")))?)
                    }
                    (Some(TypeRef::Named(n)), _) => self.named_shape(n, &here)?,
                    (None, Some(inline)) => self.shape_of(inline, &here)?,
                    (None, None) => return Err(unsupported(&here, "restriction without a base")),
                };
                Ok(match base_shape {
                    Shape::Scalar(s) => Shape::Scalar(merge(s, facets)),
                    enumeration => enumeration,
                })
            }
            SimpleKind::Union { members, inline } => {
                let mut shapes = Vec::new();
                for m in members {
                    shapes.push(match m {
                        TypeRef::Builtin(b) => Shape::Scalar(
                            builtin(b).ok_or_else(|| unsupported(&here, format!("unknown builtin xsd:{b}")))?,
                        ),
                        TypeRef::Named(n) => self.named_shape(n, &here)?,
                    });
                }
                for i in inline {
                    shapes.push(self.shape_of(i, &here)?);
                }
                Ok(union_shape(shapes))
            }
        }
    }
}

/// AXL's unions: enum + any string = open enum; integer + "" = XInteger; others stay unions.
fn union_shape(shapes: Vec<Shape>) -> Shape {
    let mut values: Vec<String> = Vec::new();
    let mut any_string = false;
    let mut integer = false;
    let mut others = Vec::new();
    for s in &shapes {
        match s {
            Shape::Enum { values: v, open } => {
                any_string |= *open;
                for x in v {
                    if !values.contains(x) {
                        values.push(x.clone());
                    }
                }
            }
            Shape::Scalar(sc) if is_plain_string(sc) => any_string = true,
            Shape::Scalar(sc)
                if matches!(sc.kind, ScalarKind::Int | ScalarKind::UInt) && sc.min.is_none() && sc.max.is_none() =>
            {
                integer = true;
                others.push(sc.clone());
            }
            Shape::Scalar(sc) => others.push(sc.clone()),
        }
    }
    if any_string && !values.is_empty() {
        return Shape::Enum { values, open: true };
    }
    if any_string {
        return Shape::Scalar(Scalar::of(ScalarKind::String));
    }
    if integer && others.len() == 1 && values == [String::new()] {
        return Shape::Scalar(Scalar::of(ScalarKind::XInteger));
    }
    let mut members = others;
    if !values.is_empty() {
        members.push(Scalar::of(ScalarKind::Literals(values)));
    }
    Shape::Scalar(Scalar::of(ScalarKind::Union(members)))
}

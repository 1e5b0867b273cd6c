//! Values built from descriptors alone: the minimal valid request of an operation (used to
//! validate every generated request against the real XSD) and seeded random valid values
//! (round-trip property tests, simulator seed data).

use crate::schema::{FieldDesc, FieldType, Scalar, ScalarKind, TypeDesc, TypeKind, UNBOUNDED};
use crate::value::{AnyElement, Value};

/// A sample text that satisfies the facets the AXL and RIS schemas use.
pub fn sample_text(s: &Scalar) -> String {
    let base = match s.pattern {
        Some(p) if p.contains("{12}") => "0123456789ab".to_string(),
        Some(p) if p.starts_with("(t)") || p.starts_with("(true)") => "true".to_string(),
        Some(p) if p.contains(r"\{") => "{12345678-90AB-CDEF-1234-567890ABCDEF}".to_string(),
        Some(p) if p.contains(r"\d") => "1234".to_string(),
        _ => "sample".to_string(),
    };
    match s.max_len {
        Some(m) if (m as usize) < base.len() => base.chars().take(m as usize).collect(),
        _ => base,
    }
}

fn scalar_value(s: &Scalar) -> Value {
    let lo = s.min.unwrap_or(1).max(match s.kind {
        ScalarKind::UInt => 0,
        _ => i64::MIN,
    });
    let n = if s.min.is_none() && s.max.is_none_or(|m| m >= 1) {
        1
    } else {
        lo
    };
    match s.kind {
        ScalarKind::String => Value::Str(sample_text(s)),
        ScalarKind::Bool | ScalarKind::AxlBool => Value::Bool(true),
        ScalarKind::Int => Value::Int(n),
        ScalarKind::UInt => Value::UInt(n.max(1) as u64),
        ScalarKind::Float => Value::Float(1.5),
        ScalarKind::XInteger => Value::XInt(Some(n)),
        ScalarKind::Literals(values) => Value::Str(values.first().copied().unwrap_or("").to_string()),
        ScalarKind::Union(members) => match members.first().map(scalar_value) {
            Some(Value::Str(s)) => Value::Str(s),
            Some(Value::Int(i)) | Some(Value::XInt(Some(i))) => Value::Str(i.to_string()),
            Some(Value::UInt(u)) => Value::Str(u.to_string()),
            Some(Value::Bool(b)) => Value::Str(b.to_string()),
            _ => Value::Str(String::new()),
        },
    }
}

/// The smallest valid value of a type: required members only, first choice variants.
pub fn minimal(t: &'static TypeDesc) -> Value {
    match t.kind {
        TypeKind::Enum { .. } => Value::Enum(0),
        TypeKind::Struct { attrs, text, fields } => {
            let mut m: Vec<Value> = attrs
                .iter()
                .map(|a| if a.required { minimal_of(a.ty) } else { Value::Absent })
                .collect();
            if let Some(s) = text {
                m.push(scalar_value(&s));
            }
            m.extend(fields.iter().map(minimal_field));
            Value::Struct(m)
        }
        TypeKind::Choice { variants } => Value::Choice(0, Box::new(minimal_one(&variants[0]))),
    }
}

fn minimal_of(ty: FieldType) -> Value {
    match ty {
        FieldType::Scalar(s) => scalar_value(&s),
        FieldType::Type(t) => minimal(t),
        FieldType::AnyType => Value::Any(vec![AnyElement::default()]),
        FieldType::AnyElements => Value::Any(Vec::new()),
    }
}

fn minimal_one(f: &'static FieldDesc) -> Value {
    let v = minimal_of(f.ty);
    if f.is_list() {
        Value::List((0..f.min.max(1)).map(|_| v.clone()).collect())
    } else {
        v
    }
}

fn minimal_field(f: &'static FieldDesc) -> Value {
    if f.min == 0 {
        return if f.is_list() {
            Value::List(Vec::new())
        } else {
            Value::Absent
        };
    }
    if f.is_list() {
        return Value::List((0..f.min).map(|_| minimal_of(f.ty)).collect());
    }
    minimal_of(f.ty)
}

/// A small deterministic generator (xorshift64*), so tests need no extra dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const TRICKY: &[&str] = &["a&b", "<tag>", "quote\"s", "Zürich ☎", "it's", "plain", "x y"];

fn random_text(rng: &mut Rng, s: &Scalar) -> String {
    if s.pattern.is_some() {
        return sample_text(s);
    }
    let mut t = TRICKY[rng.below(TRICKY.len() as u64) as usize].to_string();
    t.push_str(&rng.below(1000).to_string());
    match s.max_len {
        Some(m) => t.chars().take(m as usize).collect(),
        None => t,
    }
}

fn random_scalar(rng: &mut Rng, s: &Scalar) -> Value {
    let lo = s.min.unwrap_or(0);
    let hi = s.max.unwrap_or(lo + 100_000);
    let n = lo + rng.below((hi - lo + 1) as u64) as i64;
    match s.kind {
        ScalarKind::String => Value::Str(random_text(rng, s)),
        ScalarKind::Bool | ScalarKind::AxlBool => Value::Bool(rng.chance(50)),
        ScalarKind::Int => Value::Int(if s.min.is_none() && rng.chance(30) { -n } else { n }),
        ScalarKind::UInt => Value::UInt(n.max(0) as u64),
        ScalarKind::Float => Value::Float(n as f64 / 4.0),
        ScalarKind::XInteger => Value::XInt(if rng.chance(20) { None } else { Some(n) }),
        _ => scalar_value(s),
    }
}

/// A random valid value; below `depth` 0 only required members are filled.
pub fn random(rng: &mut Rng, t: &'static TypeDesc, depth: u32) -> Value {
    match t.kind {
        TypeKind::Enum { values, open } => {
            if open && rng.chance(20) {
                Value::Str(format!("custom-{}", rng.below(100)))
            } else {
                Value::Enum(rng.below(values.len() as u64) as u32)
            }
        }
        TypeKind::Struct { attrs, text, fields } => {
            let mut m: Vec<Value> = attrs
                .iter()
                .map(|a| {
                    if a.required || rng.chance(50) {
                        random_of(rng, a.ty, depth)
                    } else {
                        Value::Absent
                    }
                })
                .collect();
            if let Some(s) = text {
                m.push(random_scalar(rng, &s));
            }
            for f in fields {
                m.push(random_field(rng, f, depth));
            }
            Value::Struct(m)
        }
        TypeKind::Choice { variants } => {
            let i = rng.below(variants.len() as u64) as usize;
            let mut v = random_present(rng, &variants[i], depth);
            // A chosen group with nothing in it is not on the wire at all: fill its first member,
            // so that the value has one encoding and one decoding.
            if let (FieldType::Type(g), Value::Struct(members), true) = (variants[i].ty, &mut v, variants[i].is_group())
            {
                if let (TypeKind::Struct { fields, .. }, true) = (&g.kind, members.iter().all(is_empty)) {
                    if let (Some(f), Some(slot)) = (fields.first(), members.first_mut()) {
                        *slot = random_present(rng, f, depth);
                    }
                }
            }
            Value::Choice(i as u32, Box::new(v))
        }
    }
}

/// Whether a value writes nothing to XML.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Absent => true,
        Value::List(items) => items.is_empty(),
        Value::Any(items) => items.is_empty(),
        Value::Struct(members) => members.iter().all(is_empty),
        _ => false,
    }
}

fn random_of(rng: &mut Rng, ty: FieldType, depth: u32) -> Value {
    match ty {
        FieldType::Scalar(s) => random_scalar(rng, &s),
        FieldType::Type(t) => random(rng, t, depth.saturating_sub(1)),
        FieldType::AnyType => {
            let cols = (0..rng.below(3) + 1)
                .map(|i| AnyElement::leaf(format!("col{i}"), format!("v{}", rng.below(99))))
                .collect();
            Value::Any(vec![AnyElement {
                children: cols,
                ..Default::default()
            }])
        }
        FieldType::AnyElements => Value::Any(
            (0..rng.below(3))
                .map(|i| AnyElement::leaf(format!("e{i}"), "x"))
                .collect(),
        ),
    }
}

fn random_present(rng: &mut Rng, f: &'static FieldDesc, depth: u32) -> Value {
    if f.is_list() {
        let max = if f.max == UNBOUNDED {
            f.min + 3
        } else {
            f.max.min(f.min + 3)
        };
        let n = f.min.max(1) + rng.below((max - f.min.max(1)) as u64 + 1) as u32;
        return Value::List((0..n).map(|_| random_item(rng, f, depth)).collect());
    }
    random_item(rng, f, depth)
}

fn random_item(rng: &mut Rng, f: &'static FieldDesc, depth: u32) -> Value {
    if f.nillable && rng.chance(10) {
        Value::Nil
    } else {
        random_of(rng, f.ty, depth)
    }
}

fn random_field(rng: &mut Rng, f: &'static FieldDesc, depth: u32) -> Value {
    let wanted = f.min > 0 || (depth > 0 && rng.chance(50));
    if !wanted {
        return if f.is_list() {
            Value::List(Vec::new())
        } else {
            Value::Absent
        };
    }
    random_present(rng, f, depth)
}

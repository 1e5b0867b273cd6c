//! Versions of one product share most types. A type is shared when its own definition is
//! identical and everything it refers to is shared too (a greatest fixpoint, so cycles are
//! fine). Shared types are generated once, in the oldest version that has them.

use std::collections::HashMap;

use crate::ir::{Field, FieldTy, Service, TypeDef, TypeKind};

/// For each service and type: `Some(s)` when service `s` (an earlier one) defines it.
pub type Sharing = Vec<Vec<Option<usize>>>;

/// The type with references replaced by names, so definitions compare across services.
fn shallow(service: &Service, t: &TypeDef) -> String {
    let name = |f: &FieldTy| match f {
        FieldTy::Type(id) => format!("T({})", service.types[*id].name),
        other => format!("{other:?}"),
    };
    let fields = |fs: &[Field]| {
        fs.iter()
            .map(|f| {
                format!(
                    "{}|{}|{}|{}|{}|{}|{:?}|{}|{}",
                    f.xml_name,
                    f.rust_name,
                    name(&f.ty),
                    f.min,
                    f.max,
                    f.nillable,
                    f.default,
                    f.boxed,
                    f.doc
                )
            })
            .collect::<Vec<_>>()
            .join(";")
    };
    match &t.kind {
        TypeKind::Struct {
            attrs,
            text,
            fields: fs,
        } => format!(
            "S[{}][{:?}][{}]{}",
            attrs
                .iter()
                .map(|a| format!("{}|{}|{}|{}|{}", a.name, a.json, a.rust_name, name(&a.ty), a.required))
                .collect::<Vec<_>>()
                .join(";"),
            text,
            fields(fs),
            t.doc
        ),
        TypeKind::Choice { variants } => format!("C[{}]", fields(variants)),
        TypeKind::Enum { values, open } => format!("E{open}{values:?}"),
    }
}

fn refs(t: &TypeDef) -> Vec<usize> {
    let fs = match &t.kind {
        TypeKind::Struct { attrs, fields, .. } => {
            let mut v: Vec<usize> = attrs
                .iter()
                .filter_map(|a| if let FieldTy::Type(i) = a.ty { Some(i) } else { None })
                .collect();
            v.extend(
                fields
                    .iter()
                    .filter_map(|f| if let FieldTy::Type(i) = f.ty { Some(i) } else { None }),
            );
            return v;
        }
        TypeKind::Choice { variants } => variants,
        TypeKind::Enum { .. } => return Vec::new(),
    };
    fs.iter()
        .filter_map(|f| if let FieldTy::Type(i) = f.ty { Some(i) } else { None })
        .collect()
}

/// Computes the sharing of `services` (all of one product, oldest first).
pub fn compute(services: &[Service]) -> Sharing {
    let mut sharing: Sharing = services.iter().map(|s| vec![None; s.types.len()]).collect();
    for later in 1..services.len() {
        let b = &services[later];
        for earlier in (0..later).rev() {
            let a = &services[earlier];
            let by_name: HashMap<&str, usize> = a.types.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
            // Candidate pairs: same name and same shallow definition.
            let mut same: Vec<Option<usize>> = b
                .types
                .iter()
                .map(|t| {
                    by_name
                        .get(t.name.as_str())
                        .copied()
                        .filter(|&i| shallow(a, &a.types[i]) == shallow(b, t))
                })
                .collect();
            // Drop pairs whose references are not shared, until nothing changes.
            loop {
                let mut changed = false;
                for i in 0..b.types.len() {
                    if same[i].is_some() && refs(&b.types[i]).iter().any(|r| same[*r].is_none()) {
                        same[i] = None;
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
            for i in 0..b.types.len() {
                if sharing[later][i].is_none() {
                    if let Some(ai) = same[i] {
                        // Point at whoever really defines it.
                        sharing[later][i] = Some(sharing[earlier][ai].unwrap_or(earlier));
                    }
                }
            }
        }
    }
    sharing
}

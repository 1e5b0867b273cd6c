//! Maintainer reports: counts per kind (`stats`) and what changed between two toolkits (`diff`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::ir::{Effect, FieldTy, Service, TypeKind};

pub fn stats(s: &Service) -> String {
    let mut out = String::new();
    let reads = s.operations.iter().filter(|o| o.effect == Effect::Read).count();
    let _ = writeln!(out, "{} {}", s.product, s.version);
    let _ = writeln!(
        out,
        "  operations: {} ({} read, {} write)",
        s.operations.len(),
        reads,
        s.operations.len() - reads
    );
    let mut verbs: BTreeMap<String, usize> = BTreeMap::new();
    for o in &s.operations {
        let verb: String = o.name.chars().take_while(|c| c.is_ascii_lowercase()).collect();
        *verbs.entry(verb).or_default() += 1;
    }
    let _ = writeln!(
        out,
        "  by verb: {}",
        verbs
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let (mut structs, mut choices, mut open, mut closed, mut fields, mut attrs, mut widest, mut values) =
        (0, 0, 0, 0, 0, 0, 0, 0);
    let (mut any, mut nillable, mut lists) = (0, 0, 0);
    for t in &s.types {
        match &t.kind {
            TypeKind::Struct {
                attrs: a, fields: f, ..
            } => {
                structs += 1;
                fields += f.len();
                attrs += a.len();
                widest = widest.max(f.len());
                any += f
                    .iter()
                    .filter(|f| matches!(f.ty, FieldTy::AnyType | FieldTy::AnyElements))
                    .count();
                nillable += f.iter().filter(|f| f.nillable).count();
                lists += f.iter().filter(|f| f.is_list()).count();
            }
            TypeKind::Choice { .. } => choices += 1,
            TypeKind::Enum { values: v, open: o } => {
                values += v.len();
                if *o {
                    open += 1
                } else {
                    closed += 1
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "  types: {} ({structs} structs, {choices} choices, {closed} closed enums, {open} open enums)",
        s.types.len()
    );
    let _ = writeln!(out, "  struct fields: {fields} ({lists} lists, {nillable} nillable, {any} any), attributes: {attrs}, widest struct: {widest} fields");
    let _ = writeln!(out, "  enum values: {values}");
    out
}

/// A type's definition with references by name, for comparing versions.
fn signature(s: &Service, id: usize) -> String {
    let t = &s.types[id];
    let name = |f: &FieldTy| match f {
        FieldTy::Type(i) => s.types[*i].name.clone(),
        other => format!("{other:?}"),
    };
    match &t.kind {
        TypeKind::Struct { attrs, text, fields } => format!(
            "attrs [{}] text {:?} fields [{}]",
            attrs
                .iter()
                .map(|a| format!("{}:{}", a.name, name(&a.ty)))
                .collect::<Vec<_>>()
                .join(", "),
            text.as_ref().map(|t| format!("{:?}", t.kind)),
            fields
                .iter()
                .map(|f| format!("{}:{}[{},{}]", f.xml_name, name(&f.ty), f.min, f.max))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeKind::Choice { variants } => format!(
            "choice [{}]",
            variants
                .iter()
                .map(|f| format!("{}:{}", f.xml_name, name(&f.ty)))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        TypeKind::Enum { values, open } => format!(
            "{} enum [{}]",
            if *open { "open" } else { "closed" },
            values.iter().map(|v| v.value.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

pub fn diff(old: &Service, new: &Service) -> String {
    let mut out = String::new();
    let old_ops: BTreeMap<&str, usize> = old
        .operations
        .iter()
        .enumerate()
        .map(|(i, o)| (o.name.as_str(), i))
        .collect();
    let new_ops: BTreeMap<&str, usize> = new
        .operations
        .iter()
        .enumerate()
        .map(|(i, o)| (o.name.as_str(), i))
        .collect();
    let added: Vec<&str> = new_ops.keys().filter(|k| !old_ops.contains_key(*k)).copied().collect();
    let removed: Vec<&str> = old_ops.keys().filter(|k| !new_ops.contains_key(*k)).copied().collect();
    let _ = writeln!(out, "{} {} -> {}", new.product, old.version, new.version);
    let _ = writeln!(out, "operations added ({}):", added.len());
    for a in &added {
        let _ = writeln!(out, "  + {a}");
    }
    let _ = writeln!(out, "operations removed ({}):", removed.len());
    for a in &removed {
        let _ = writeln!(out, "  - {a}");
    }
    let old_types: BTreeMap<&str, usize> = old
        .types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let new_types: BTreeMap<&str, usize> = new
        .types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let mut changed = Vec::new();
    for (name, &ni) in &new_types {
        if let Some(&oi) = old_types.get(name) {
            if let (TypeKind::Enum { values: a, .. }, TypeKind::Enum { values: b, .. }) =
                (&old.types[oi].kind, &new.types[ni].kind)
            {
                let added: Vec<&str> = b
                    .iter()
                    .filter(|v| !a.iter().any(|x| x.value == v.value))
                    .map(|v| v.value.as_str())
                    .collect();
                let removed: Vec<&str> = a
                    .iter()
                    .filter(|v| !b.iter().any(|x| x.value == v.value))
                    .map(|v| v.value.as_str())
                    .collect();
                if !added.is_empty() || !removed.is_empty() {
                    changed.push((
                        name,
                        format!("enum values removed: {removed:?}"),
                        format!("enum values added: {added:?}"),
                    ));
                }
                continue;
            }
            let (a, b) = (signature(old, oi), signature(new, ni));
            if a != b {
                changed.push((name, a, b));
            }
        }
    }
    let t_added: Vec<&&str> = new_types.keys().filter(|k| !old_types.contains_key(*k)).collect();
    let t_removed: Vec<&&str> = old_types.keys().filter(|k| !new_types.contains_key(*k)).collect();
    let _ = writeln!(
        out,
        "types added ({}): {}",
        t_added.len(),
        t_added.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(
        out,
        "types removed ({}): {}",
        t_removed.len(),
        t_removed.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(out, "types changed ({}):", changed.len());
    for (name, a, b) in changed {
        let _ = writeln!(
            out,
            "  ~ {name}\n      old: {}\n      new: {}",
            shorten(&a),
            shorten(&b)
        );
    }
    out
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 400 {
        format!("{}...", s.chars().take(400).collect::<String>())
    } else {
        s.to_string()
    }
}

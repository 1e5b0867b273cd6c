//! Unique Rust names: fields and attributes per struct, variants per enum and choice,
//! methods per service; and JSON keys for attributes that share a name with an element.

use std::collections::HashSet;

use crate::interpret::{pascal, snake};
use crate::ir::{FieldTy, Service, TypeKind};

fn unique(used: &mut HashSet<String>, wanted: String) -> String {
    let mut name = wanted.clone();
    let mut n = 2;
    while !used.insert(name.clone()) {
        name = format!("{wanted}_{n}");
        n += 1;
    }
    name
}

/// The element names a struct shows in JSON, including flattened groups.
fn json_names(service: &Service, fields: &[crate::ir::Field], out: &mut HashSet<String>) {
    for f in fields {
        if !f.is_group() {
            out.insert(f.xml_name.clone());
        } else if let FieldTy::Type(id) = f.ty {
            match &service.types[id].kind {
                TypeKind::Struct { fields, .. } => json_names(service, fields, out),
                TypeKind::Choice { variants } => json_names(service, variants, out),
                TypeKind::Enum { .. } => {}
            }
        }
    }
}

pub fn run(service: &mut Service) {
    for id in 0..service.types.len() {
        let mut element_names = HashSet::new();
        if let TypeKind::Struct { fields, .. } = &service.types[id].kind {
            json_names(service, fields, &mut element_names);
        }
        match &mut service.types[id].kind {
            TypeKind::Struct { attrs, text, fields } => {
                let mut used = HashSet::new();
                if text.is_some() {
                    used.insert("value".to_string());
                }
                for a in attrs.iter_mut() {
                    a.rust_name = unique(&mut used, snake(&a.name));
                    if element_names.contains(&a.name) || a.name == "_value" {
                        a.json = format!("@{}", a.name);
                    }
                }
                for f in fields.iter_mut() {
                    let wanted = if f.rust_name.is_empty() {
                        snake(&f.xml_name)
                    } else {
                        f.rust_name.clone()
                    };
                    f.rust_name = unique(&mut used, wanted);
                }
            }
            TypeKind::Choice { variants } => {
                let mut used = HashSet::new();
                for v in variants.iter_mut() {
                    let label = if v.xml_name.is_empty() {
                        v.rust_name.clone()
                    } else {
                        v.xml_name.clone()
                    };
                    v.rust_name = unique(&mut used, pascal(&label));
                }
            }
            TypeKind::Enum { values, open } => {
                let mut used = HashSet::new();
                if *open {
                    used.insert("Other".to_string());
                }
                for v in values.iter_mut() {
                    v.rust_name = unique(&mut used, pascal(&v.value));
                }
            }
        }
    }
    let mut used = HashSet::new();
    for name in ["new", "with_hook", "operations", "operation", "inner", "call_json"] {
        used.insert(name.to_string());
    }
    for op in &mut service.operations {
        op.rust_name = unique(&mut used, snake(&op.name));
    }
}

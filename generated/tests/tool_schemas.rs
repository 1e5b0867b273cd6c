//! The MCP tool input schemas derived for every operation: valid JSON Schema 2020-12, and
//! they agree with the JSON decoder: random valid requests written as JSON pass the schema,
//! requests the decoder refuses (a missing required field, an unknown key, a wrong type, a
//! value outside a closed enum) fail it.

use std::time::Instant;

use serde_json::{json, Value as Json};
use uc_wire::sample::{random, Rng};
use uc_wire::schema::{FieldType, TypeKind};
use uc_wire::{json as wire_json, OperationDescriptor};

fn all_operations() -> Vec<&'static OperationDescriptor> {
    let mut ops: Vec<&'static OperationDescriptor> = Vec::new();
    for v in cisco_uc::axl::VERSIONS {
        ops.extend(cisco_uc::axl::operations(v).unwrap().iter().copied());
    }
    ops.extend(cisco_uc::ris::OPERATIONS.iter().copied());
    ops
}

fn validator(op: &'static OperationDescriptor) -> jsonschema::Validator {
    let schema = op.input_schema();
    assert_eq!(schema["$schema"], json!(uc_wire::json_schema::DIALECT));
    jsonschema::draft202012::meta::validate(schema).unwrap_or_else(|e| panic!("{}: not a valid schema: {e}", op.name));
    jsonschema::draft202012::new(schema).unwrap_or_else(|e| panic!("{}: schema does not compile: {e}", op.name))
}

#[test]
fn every_schema_is_valid_and_accepts_what_the_decoder_accepts() {
    let ops = all_operations();
    let mut checked = 0;
    for &op in &ops {
        let v = validator(op);
        for seed in 0..3u64 {
            let mut rng = Rng::new(seed * 31 + op.name.len() as u64);
            let request = random(&mut rng, op.request, 4);
            let j = wire_json::to_json(op.request, &request);
            wire_json::from_json(op.request, &j).unwrap_or_else(|e| panic!("{}: decoder refuses: {e}", op.name));
            if let Some(e) = v.iter_errors(&j).next() {
                panic!(
                    "{} seed {seed}: schema refuses a valid request at {}: {e}\n{j:#}",
                    op.name,
                    e.instance_path()
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, ops.len() * 3);
}

#[test]
fn schemas_refuse_what_the_decoder_refuses() {
    let mut refused = 0;
    for op in all_operations() {
        let TypeKind::Struct { fields, .. } = op.request.kind else {
            continue;
        };
        let v = validator(op);
        let base = wire_json::to_json(op.request, &uc_wire::sample::minimal(op.request));
        // An unknown key.
        let mut extra = base.clone();
        extra["noSuchField"] = json!(1);
        assert!(wire_json::from_json(op.request, &extra).is_err());
        assert!(!v.is_valid(&extra), "{}: schema accepts an unknown key", op.name);
        // A missing required, non-nillable element.
        if let Some(f) = fields.iter().find(|f| !f.is_group() && f.min > 0 && !f.nillable) {
            let mut missing = base.clone();
            missing.as_object_mut().unwrap().remove(f.name);
            assert!(wire_json::from_json(op.request, &missing).is_err(), "{}", op.name);
            assert!(
                !v.is_valid(&missing),
                "{}: schema accepts a request without {}",
                op.name,
                f.name
            );
            refused += 1;
        }
        // A closed enum given a value outside it.
        for f in fields.iter().filter(|f| !f.is_group() && !f.is_list()) {
            if let FieldType::Type(t) = f.ty {
                if let TypeKind::Enum { open: false, .. } = t.kind {
                    let mut bad = base.clone();
                    bad[f.name] = json!("certainly-not-a-value");
                    assert!(wire_json::from_json(op.request, &bad).is_err());
                    assert!(!v.is_valid(&bad), "{}: schema accepts a bad enum value", op.name);
                    refused += 1;
                }
            }
        }
    }
    assert!(refused > 0, "no refusal checked");
}

#[test]
fn choice_keys_exclude_each_other() {
    // getPhone: name | uuid (a required choice).
    let op = cisco_uc::axl::operations(cisco_uc::axl::VERSIONS[0])
        .unwrap()
        .iter()
        .copied()
        .find(|o| o.name == "getPhone")
        .expect("getPhone");
    let v = validator(op);
    assert!(v.is_valid(&json!({"name": "SEP001122334455"})));
    assert!(v.is_valid(&json!({"uuid": "{00000000-0000-0000-0000-000000000001}"})));
    assert!(!v.is_valid(&json!({"name": "SEP001122334455", "uuid": "{x}"})));
    assert!(!v.is_valid(&json!({})));
    let s = op.input_schema();
    assert_eq!(s["title"], json!(op.request.name));
    assert!(std::ptr::eq(s, op.input_schema()), "the schema is cached");
}

#[test]
fn all_schemas_of_one_version_build_quickly() {
    let version = cisco_uc::axl::VERSIONS.last().unwrap();
    let ops = cisco_uc::axl::operations(version).unwrap();
    let started = Instant::now();
    let total: usize = ops
        .iter()
        .map(|o| uc_wire::json_schema::request_schema(o.request, o.doc).to_string().len())
        .sum();
    // Printed for the README's performance section (a debug build, uncached: the worst case).
    eprintln!(
        "{} schemas for AXL {version}: {total} bytes in {:?}",
        ops.len(),
        started.elapsed()
    );
    let _: Json = json!(total);
}

//! Every operation's minimal request, built from the IR alone and serialised by the same
//! code the clients use, must validate against the real XSD (xmllint, libxml2-utils).

use std::path::{Path, PathBuf};
use std::process::Command;

use uc_wire::sample;
use uc_wire::soap::request_body;
use uc_wire::OperationDescriptor;

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("UC_SCHEMAS_DIR_USED"))
}

/// Writes one file per operation and runs xmllint once over all of them.
fn validate_all(ops: &[&'static OperationDescriptor], xsd: &Path) -> (usize, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for op in ops {
        let value = sample::minimal(op.request);
        let body = request_body(op, &value).unwrap_or_else(|e| panic!("{}: {e}", op.name));
        let path = dir.path().join(format!("{}.xml", op.name));
        std::fs::write(&path, body).unwrap();
        files.push(path);
    }
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .args(&files)
        .output()
        .expect("xmllint must be installed (Debian package libxml2-utils)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let validated = stderr.lines().filter(|l| l.ends_with(" validates")).count();
    let failures: Vec<String> = stderr
        .lines()
        .filter(|l| !l.ends_with(" validates"))
        .map(str::to_string)
        .collect();
    (validated, failures)
}

#[test]
fn every_axl_request_validates_against_axlsoap_xsd() {
    assert!(!cisco_uc::axl::VERSIONS.is_empty(), "no AXL version was compiled");
    for version in cisco_uc::axl::VERSIONS {
        let ops = cisco_uc::axl::operations(version).unwrap();
        let xsd = schemas_dir().join("axl").join(version).join("AXLSoap.xsd");
        let (validated, failures) = validate_all(ops, &xsd);
        println!(
            "AXL {version}: {validated} of {} minimal requests validate against {}",
            ops.len(),
            xsd.display()
        );
        assert!(
            failures.is_empty(),
            "xmllint problems:\n{}",
            failures.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
        );
        assert_eq!(validated, ops.len());
    }
}

#[test]
fn every_im_and_presence_request_validates_against_its_axlsoap_xsd() {
    assert!(
        !cisco_uc::imp::VERSIONS.is_empty(),
        "no IM and Presence toolkit was compiled"
    );
    for version in cisco_uc::imp::VERSIONS {
        let ops = cisco_uc::imp::operations(version).unwrap();
        let xsd = PathBuf::from(env!("UC_IMP_SCHEMAS_DIR_USED"))
            .join("imp")
            .join(version)
            .join("AXLSoap.xsd");
        let (validated, failures) = validate_all(ops, &xsd);
        assert!(failures.is_empty(), "xmllint problems:\n{}", failures.join("\n"));
        assert_eq!(validated, ops.len());
    }
}

/// RIS carries its schema inside the WSDL: cut it out with the prefixes it uses.
fn ris_xsd(dir: &Path) -> PathBuf {
    let wsdl = std::fs::read_to_string(schemas_dir().join("ris/RISService70.wsdl")).unwrap();
    let start = wsdl.find("<schema").expect("schema in WSDL");
    let end = wsdl.rfind("</schema>").expect("end of schema") + "</schema>".len();
    let schema = wsdl[start..end].replacen(
        "<schema",
        "<schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:tns=\"http://schemas.cisco.com/ast/soap\"",
        1,
    );
    let path = dir.join("ris.xsd");
    std::fs::write(&path, schema).unwrap();
    path
}

#[test]
fn every_ris_request_validates_against_the_wsdl_schema() {
    const {
        assert!(
            cisco_uc::ris::AVAILABLE,
            "RISService70.wsdl was not found at build time"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let xsd = ris_xsd(dir.path());
    let ops = cisco_uc::ris::OPERATIONS;
    let (validated, failures) = validate_all(ops, &xsd);
    println!("RIS: {validated} of {} minimal requests validate", ops.len());
    assert!(failures.is_empty(), "xmllint problems:\n{}", failures.join("\n"));
    assert_eq!(validated, ops.len());
}

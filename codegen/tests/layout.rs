//! The schemas directory layout: which toolkits are found where, and what falls back to the
//! workspace's own `schemas/` (the CUPI description, the IM and Presence sample).

use std::path::{Path, PathBuf};

fn workspace_schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

#[test]
fn the_workspace_samples_give_axl_imp_ris_and_cupi() {
    let loaded = uc_codegen::load_dir(&workspace_schemas()).unwrap();
    assert_eq!(loaded.axl.len(), 1);
    let imp = &loaded.imp[0];
    assert_eq!(
        (imp.product.as_str(), imp.version.as_str(), imp.module.as_str()),
        ("imp", "15.0", "v15_0")
    );
    assert_eq!(imp.endpoint_path, "/axl/", "from the WSDL's soap:address");
    let names: Vec<&str> = imp.operations.iter().map(|o| o.name.as_str()).collect();
    assert!(
        names.contains(&"getCCMVersion") && names.contains(&"listPresenceGateway"),
        "{names:?}"
    );
    assert!(loaded.ris.is_some() && loaded.cupi.is_some());
    let files = uc_codegen::render_all(&loaded, false).unwrap();
    let imp_mod = &files.iter().find(|(n, _)| n == "imp.rs").unwrap().1;
    assert!(imp_mod.contains("pub mod v15_0") && imp_mod.contains("ENDPOINT_PATH: &str = \"/axl/\""));
}

#[test]
fn a_toolkits_directory_without_imp_or_cupi_takes_them_from_the_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let axl = dir.path().join("axl/15.0");
    std::fs::create_dir_all(&axl).unwrap();
    for f in ["AXLAPI.wsdl", "AXLSoap.xsd"] {
        std::fs::copy(workspace_schemas().join("axl/15.0").join(f), axl.join(f)).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let inputs = uc_codegen::generate_with_fallback(dir.path(), Some(&workspace_schemas()), out.path(), false).unwrap();
    assert!(inputs.iter().any(|p| p.ends_with("imp/15.0/AXLSoap.xsd")), "{inputs:?}");
    assert!(inputs.iter().any(|p| p.ends_with("cupi/cupi.toml")));
    assert!(out.path().join("imp_v15_0.rs").is_file());
    // Without a fallback the IM&P family is empty but still a module the crate can include.
    let bare = tempfile::tempdir().unwrap();
    uc_codegen::generate(dir.path(), bare.path(), false).unwrap();
    let imp = std::fs::read_to_string(bare.path().join("imp.rs")).unwrap();
    assert!(imp.contains("VERSIONS: &[&str] = &[]"), "{imp}");
}

#[test]
fn an_imp_version_directory_without_its_wsdl_is_skipped_and_a_broken_one_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("imp/14.0")).unwrap();
    assert!(uc_codegen::load_dir(dir.path()).unwrap().imp.is_empty());
    let broken = dir.path().join("imp/15.0");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("AXLAPI.wsdl"), "<definitions").unwrap();
    let e = uc_codegen::load_dir(dir.path()).unwrap_err().to_string();
    assert!(e.contains("imp/15.0/AXLAPI.wsdl"), "{e}");
}

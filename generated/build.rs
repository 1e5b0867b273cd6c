//! Generates the typed clients into OUT_DIR from the schemas directory: `UC_SCHEMAS_DIR`
//! when set, else the workspace's `schemas/` (project-written samples).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=UC_SCHEMAS_DIR");
    println!("cargo:rerun-if-env-changed=UC_CODEGEN_RAW");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let schemas = match std::env::var_os("UC_SCHEMAS_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            // Relative paths are taken from the workspace root, where cargo is usually run.
            if dir.is_relative() {
                manifest.join("..").join(dir)
            } else {
                dir
            }
        }
        None => manifest.join("../schemas"),
    };
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    // Formatting makes the output readable for people reading OUT_DIR; UC_CODEGEN_RAW=1 skips it.
    let pretty = std::env::var("UC_CODEGEN_RAW").map_or(true, |v| v != "1");
    println!("cargo:rerun-if-changed={}", schemas.join("axl").display());
    println!("cargo:rerun-if-changed={}", schemas.join("imp").display());
    println!("cargo:rerun-if-changed={}", schemas.join("ris").display());
    // Tests validate generated requests against the very schemas the clients came from.
    println!("cargo:rustc-env=UC_SCHEMAS_DIR_USED={}", schemas.display());
    // The CUPI description is ai-bridge's own, and the IM&P sample keeps that path built: when
    // UC_SCHEMAS_DIR holds only Cisco's CUCM toolkits, they come from the workspace's schemas/.
    let own = manifest.join("../schemas");
    println!("cargo:rerun-if-changed={}", own.join("cupi").display());
    println!("cargo:rerun-if-changed={}", own.join("imp").display());
    let imp_from = if schemas.join("imp").is_dir() { &schemas } else { &own };
    println!("cargo:rustc-env=UC_IMP_SCHEMAS_DIR_USED={}", imp_from.display());
    match uc_codegen::generate_with_fallback(&schemas, Some(&own), &out, pretty) {
        Ok(inputs) => {
            for f in inputs {
                println!("cargo:rerun-if-changed={}", f.display());
            }
        }
        Err(e) => {
            eprintln!("error: code generation from {} failed: {e}", schemas.display());
            std::process::exit(1);
        }
    }
}

//! uc-codegen: Cisco UC schemas to typed Rust clients.
//!
//! The pipeline, one module per stage, each with its own error type:
//! [`parse`] (WSDL/XSD files to raw models) -> [`interpret`] (raw models to the [`ir`]) ->
//! [`passes`] (effects, names, boxing, sharing across versions) -> [`render`] (Rust source).
//! `cisco-uc`'s build script calls [`generate`]; the `uc-codegen` binary offers `stats`,
//! `diff` and `generate` to maintainers.

pub mod interpret;
pub mod ir;
pub mod parse;
pub mod passes;
pub mod render;
pub mod report;

use std::path::{Path, PathBuf};

use interpret::ServiceInfo;
use ir::Service;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Parse(#[from] parse::ParseError),
    #[error(transparent)]
    Interpret(#[from] interpret::InterpretError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error("{path}: {message}")]
    Layout { path: PathBuf, message: String },
}

/// The services of one schemas directory, and every file read to build them.
#[derive(Debug, Default)]
pub struct Loaded {
    /// AXL versions, oldest first.
    pub axl: Vec<Service>,
    /// IM and Presence AXL versions (the IM&P node's own toolkit), oldest first.
    pub imp: Vec<Service>,
    pub ris: Option<Service>,
    /// Unity Connection's REST API, from ai-bridge's own description.
    pub cupi: Option<Service>,
    pub inputs: Vec<PathBuf>,
}

/// `15.0` -> `v15_0`.
pub fn version_module(version: &str) -> String {
    let clean: String = version
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("v{clean}")
}

fn version_key(v: &str) -> Vec<u64> {
    v.split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Reads one WSDL and runs the interpreter and passes.
pub fn load_service(wsdl_path: &Path, info: ServiceInfo) -> Result<(Service, Vec<PathBuf>), Error> {
    let wsdl = parse::wsdl::read_wsdl(wsdl_path)?;
    let mut service = interpret::interpret(&wsdl, info)?;
    passes::run_all(&mut service);
    Ok((service, wsdl.files_read))
}

/// The AXL toolkit of one version directory (`axl/15.0/AXLAPI.wsdl`).
pub fn load_axl_version(dir: &Path) -> Result<(Service, Vec<PathBuf>), Error> {
    load_axl_toolkit(dir, "axl")
}

/// An AXL-style toolkit of one version directory, for `axl` (CUCM) or `imp` (IM and Presence).
/// The service path is the WSDL's `soap:address` path when it has one, else `/axl/`.
pub fn load_axl_toolkit(dir: &Path, product: &str) -> Result<(Service, Vec<PathBuf>), Error> {
    let version = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::Layout {
            path: dir.into(),
            message: "not a version directory".into(),
        })?
        .to_string();
    let wsdl = dir.join("AXLAPI.wsdl");
    if !wsdl.is_file() {
        return Err(Error::Layout {
            path: dir.into(),
            message: "no AXLAPI.wsdl in this AXL version directory".into(),
        });
    }
    let parsed = parse::wsdl::read_wsdl(&wsdl)?;
    let endpoint_path = parsed
        .address
        .as_deref()
        .and_then(address_path)
        .unwrap_or_else(|| "/axl/".into());
    let mut service = interpret::interpret(
        &parsed,
        ServiceInfo {
            product: product.into(),
            module: version_module(&version),
            version,
            endpoint_path,
        },
    )?;
    passes::run_all(&mut service);
    Ok((service, parsed.files_read))
}

/// The path of a `soap:address` URL (`https://CCMSERVERNAME:8443/axl/` -> `/axl/`).
fn address_path(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let path = &rest[rest.find('/')?..];
    (path.len() > 1).then(|| path.to_string())
}

/// Every `<product>/<version>/AXLAPI.wsdl` under `schemas`, oldest version first, and the
/// files read for them.
fn load_axl_family(schemas: &Path, product: &str) -> Result<(Vec<Service>, Vec<PathBuf>), Error> {
    let root = schemas.join(product);
    let (mut services, mut inputs) = (Vec::new(), Vec::new());
    if !root.is_dir() {
        return Ok((services, inputs));
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .map_err(|e| Error::Layout {
            path: root.clone(),
            message: e.to_string(),
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("AXLAPI.wsdl").is_file())
        .collect();
    dirs.sort_by_key(|d| version_key(&d.file_name().unwrap_or_default().to_string_lossy()));
    for d in dirs {
        let (s, files) = load_axl_toolkit(&d, product)?;
        services.push(s);
        inputs.extend(files);
    }
    Ok((services, inputs))
}

/// The CUPI description file: `cupi/cupi.toml`.
pub fn load_cupi(path: &Path) -> Result<Service, Error> {
    let description = parse::cupi::read(path)?;
    let mut service = interpret::cupi::interpret(&description)?;
    passes::run_all(&mut service);
    Ok(service)
}

/// Loads everything under a schemas directory: `axl/<version>/`, `imp/<version>/`,
/// `ris/RISService70.wsdl`, `cupi/cupi.toml`.
pub fn load_dir(schemas: &Path) -> Result<Loaded, Error> {
    let (axl, mut inputs) = load_axl_family(schemas, "axl")?;
    let (imp, imp_inputs) = load_axl_family(schemas, "imp")?;
    inputs.extend(imp_inputs);
    let mut loaded = Loaded {
        axl,
        imp,
        inputs,
        ..Loaded::default()
    };
    let ris = schemas.join("ris").join("RISService70.wsdl");
    if ris.is_file() {
        let (s, files) = load_service(
            &ris,
            ServiceInfo {
                product: "ris".into(),
                version: String::new(),
                module: String::new(),
                endpoint_path: "/realtimeservice2/services/RISService70".into(),
            },
        )?;
        loaded.ris = Some(s);
        loaded.inputs.extend(files);
    }
    let cupi = schemas.join("cupi").join("cupi.toml");
    if cupi.is_file() {
        loaded.cupi = Some(load_cupi(&cupi)?);
        loaded.inputs.push(cupi);
    }
    Ok(loaded)
}

/// Generated source files (name, content) for a loaded schemas directory.
pub fn render_all(loaded: &Loaded, pretty: bool) -> Result<Vec<(String, String)>, Error> {
    let mut files = Vec::new();
    render_axl_family(&loaded.axl, "axl", "AXL", pretty, &mut files)?;
    render_axl_family(&loaded.imp, "imp", "IM and Presence AXL", pretty, &mut files)?;
    let mut ris = String::new();
    if let Some(s) = &loaded.ris {
        files.push(("ris_service.rs".into(), render::render_service(s, &[], pretty)?));
        ris.push_str("#[allow(clippy::all, non_camel_case_types, non_snake_case, non_upper_case_globals, dead_code, unused_imports, missing_docs)]\nmod service { include!(concat!(env!(\"OUT_DIR\"), \"/ris_service.rs\")); }\npub use service::*;\n/// Whether RISService70.wsdl was found at build time.\npub const AVAILABLE: bool = true;\n");
    } else {
        ris.push_str("/// Whether RISService70.wsdl was found at build time.\npub const AVAILABLE: bool = false;\n");
    }
    files.push(("ris.rs".into(), ris));
    let mut cupi = String::new();
    if let Some(s) = &loaded.cupi {
        files.push(("cupi_service.rs".into(), render::render_service(s, &[], pretty)?));
        cupi.push_str("#[allow(clippy::all, non_camel_case_types, non_snake_case, non_upper_case_globals, dead_code, unused_imports, missing_docs)]\nmod service { include!(concat!(env!(\"OUT_DIR\"), \"/cupi_service.rs\")); }\npub use service::*;\n/// Whether the CUPI description was found at build time.\npub const AVAILABLE: bool = true;\n");
    } else {
        cupi.push_str("/// Whether the CUPI description was found at build time.\npub const AVAILABLE: bool = false;\npub static OPERATIONS: &[&uc_wire::OperationDescriptor] = &[];\n");
    }
    files.push(("cupi.rs".into(), cupi));
    Ok(files)
}

/// `<family>.rs` (one module per version, `VERSIONS`, `operations()`) and one file per version.
/// Types identical across the family's versions are generated once and re-exported.
fn render_axl_family(
    services: &[Service],
    family: &str,
    label: &str,
    pretty: bool,
    files: &mut Vec<(String, String)>,
) -> Result<(), Error> {
    let sharing = passes::share_across_versions::compute(services);
    let mut mods = String::new();
    let mut versions = Vec::new();
    let mut arms = String::new();
    for (i, s) in services.iter().enumerate() {
        let shared: Vec<Option<String>> = sharing[i]
            .iter()
            .map(|d| d.map(|d| services[d].module.clone()))
            .collect();
        let file = format!("{family}_{}.rs", s.module);
        files.push((file.clone(), render::render_service(s, &shared, pretty)?));
        mods.push_str(&format!(
            "#[doc = \"{label} {v}.\"]\n#[allow(clippy::all, non_camel_case_types, non_snake_case, non_upper_case_globals, dead_code, unused_imports, missing_docs)]\npub mod {m} {{ include!(concat!(env!(\"OUT_DIR\"), \"/{file}\")); }}\n",
            v = s.version,
            m = s.module
        ));
        versions.push(format!("{:?}", s.version));
        arms.push_str(&format!("        {:?} => Some({}::OPERATIONS),\n", s.version, s.module));
    }
    let path = services.last().map_or("/axl/", |s| s.endpoint_path.as_str());
    mods.push_str(&format!(
        "/// The service path on the host (the newest version's).\npub const ENDPOINT_PATH: &str = {path:?};\n/// The {label} versions compiled in, oldest first.\npub const VERSIONS: &[&str] = &[{}];\n\n/// The operations of one compiled version.\npub fn operations(version: &str) -> Option<&'static [&'static uc_wire::OperationDescriptor]> {{\n    match version {{\n{arms}        _ => None,\n    }}\n}}\n",
        versions.join(", ")
    ));
    files.push((format!("{family}.rs"), mods));
    Ok(())
}

/// Loads, renders and writes every file into `out_dir`; returns the input files read.
/// Each file is written to a temporary name and renamed, so a failed run leaves no half file.
pub fn generate(schemas: &Path, out_dir: &Path, pretty: bool) -> Result<Vec<PathBuf>, Error> {
    generate_with_fallback(schemas, None, out_dir, pretty)
}

/// As [`generate`]; ai-bridge's own descriptions (CUPI) and the project-written IM and Presence
/// sample come from `fallback` when `schemas` (a directory of Cisco toolkits) has none.
pub fn generate_with_fallback(
    schemas: &Path,
    fallback: Option<&Path>,
    out_dir: &Path,
    pretty: bool,
) -> Result<Vec<PathBuf>, Error> {
    let mut loaded = load_dir(schemas)?;
    if loaded.cupi.is_none() {
        if let Some(path) = fallback
            .map(|f| f.join("cupi").join("cupi.toml"))
            .filter(|p| p.is_file())
        {
            loaded.cupi = Some(load_cupi(&path)?);
            loaded.inputs.push(path);
        }
    }
    if loaded.imp.is_empty() {
        if let Some(f) = fallback {
            let (imp, inputs) = load_axl_family(f, "imp")?;
            loaded.imp = imp;
            loaded.inputs.extend(inputs);
        }
    }
    let files = render_all(&loaded, pretty)?;
    for (name, content) in files {
        let path = out_dir.join(&name);
        let tmp = out_dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, content)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|e| Error::Layout {
                path: path.clone(),
                message: e.to_string(),
            })?;
    }
    Ok(loaded.inputs)
}

//! WSDL 1.1 (document/literal): messages, port type operations, SOAP binding actions, and
//! the schemas it carries inline or imports (resolved relative to the WSDL file).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::dom::{parse_document, Node};
use super::xsd::{read_schema, Schema};
use super::{read, ParseError};

#[derive(Debug, Clone)]
pub struct Wsdl {
    pub file: String,
    /// Every file read, for the build's rerun-if-changed.
    pub files_read: Vec<PathBuf>,
    pub schemas: Vec<Schema>,
    pub operations: Vec<Operation>,
    pub address: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub name: String,
    pub input_element: String,
    pub output_element: String,
    pub soap_action: String,
    pub doc: String,
    pub line: usize,
}

pub fn read_wsdl(path: &Path) -> Result<Wsdl, ParseError> {
    let file = path.display().to_string();
    let text = read(path)?;
    let doc = parse_document(&file, &text)?;
    let root = &doc.root;
    let err = |node: &Node, message: String| ParseError::Schema {
        file: file.clone(),
        line: node.line,
        message,
    };
    if root.name != "definitions" {
        return Err(err(
            root,
            format!("<{}> is not a WSDL <definitions> document", root.name),
        ));
    }
    let mut wsdl = Wsdl {
        file: file.clone(),
        files_read: vec![path.to_path_buf()],
        schemas: Vec::new(),
        operations: Vec::new(),
        address: None,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    for imp in root.children_named("import") {
        let loc = imp
            .attr("location")
            .ok_or_else(|| err(imp, "WSDL import without location".into()))?;
        read_xsd_file(&dir.join(loc), &mut wsdl)?;
    }
    if let Some(types) = root.child("types") {
        for s in types.children_named("schema") {
            for inc in s.children.iter().filter(|c| c.name == "import" || c.name == "include") {
                if let Some(loc) = inc.attr("schemaLocation") {
                    read_xsd_file(&dir.join(loc), &mut wsdl)?;
                }
            }
            wsdl.schemas.push(read_schema(&doc, s, &file)?);
        }
    }
    let messages: HashMap<&str, &str> = root
        .children_named("message")
        .filter_map(|m| {
            let part = m.child("part")?;
            Some((m.attr("name")?, part.attr("element")?))
        })
        .collect();
    let local = |q: &str| q.rsplit(':').next().unwrap_or(q).to_string();
    let mut actions: HashMap<String, String> = HashMap::new();
    for b in root.children_named("binding") {
        for op in b.children_named("operation") {
            if let (Some(name), Some(action)) = (
                op.attr("name"),
                op.child("operation").and_then(|o| o.attr("soapAction")),
            ) {
                actions.insert(name.to_string(), action.to_string());
            }
        }
    }
    for pt in root.children_named("portType") {
        for op in pt.children_named("operation") {
            let name = op
                .attr("name")
                .ok_or_else(|| err(op, "operation without a name".into()))?;
            let element_of = |dir: &str| -> Result<String, ParseError> {
                let msg = op
                    .child(dir)
                    .and_then(|i| i.attr("message"))
                    .ok_or_else(|| err(op, format!("operation {name} has no {dir} message")))?;
                messages
                    .get(local(msg).as_str())
                    .map(|e| local(e))
                    .ok_or_else(|| err(op, format!("operation {name}: message {msg} has no element part")))
            };
            wsdl.operations.push(Operation {
                name: name.to_string(),
                input_element: element_of("input")?,
                output_element: element_of("output")?,
                soap_action: actions.get(name).cloned().unwrap_or_default(),
                doc: op
                    .child("documentation")
                    .map(|d| d.text.trim().to_string())
                    .unwrap_or_default(),
                line: op.line,
            });
        }
    }
    wsdl.address = root
        .children_named("service")
        .flat_map(|s| s.children_named("port"))
        .flat_map(|p| p.children_named("address"))
        .find_map(|a| a.attr("location").map(str::to_string));
    Ok(wsdl)
}

fn read_xsd_file(path: &Path, wsdl: &mut Wsdl) -> Result<(), ParseError> {
    if wsdl.files_read.iter().any(|p| p == path) {
        return Ok(());
    }
    let file = path.display().to_string();
    let text = read(path)?;
    let doc = parse_document(&file, &text)?;
    wsdl.files_read.push(path.to_path_buf());
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    for inc in doc
        .root
        .children
        .iter()
        .filter(|c| c.name == "import" || c.name == "include")
    {
        if let Some(loc) = inc.attr("schemaLocation") {
            read_xsd_file(&dir.join(loc), wsdl)?;
        }
    }
    wsdl.schemas.push(read_schema(&doc, &doc.root, &file)?);
    Ok(())
}

//! Stage 1, parsing: WSDL 1.1 and XSD files into raw models that mirror the documents.
//! Imports and includes are followed relative to the importing file.

pub mod cupi;
pub mod dom;
pub mod wsdl;
pub mod xsd;

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{file}:{line}: malformed XML: {message}")]
    Xml { file: String, line: usize, message: String },
    #[error("{file}:{line}: {message}")]
    Schema { file: String, line: usize, message: String },
}

pub fn read(path: &std::path::Path) -> Result<String, ParseError> {
    std::fs::read_to_string(path).map_err(|source| ParseError::Io {
        path: path.to_path_buf(),
        source,
    })
}

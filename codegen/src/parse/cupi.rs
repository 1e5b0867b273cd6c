//! The CUPI description (`schemas/cupi/cupi.toml`): Cisco publishes no machine-readable
//! description of Unity Connection's REST API, so ai-bridge keeps its own. This stage reads
//! the TOML into a raw model that remembers the line of every field and reference; the
//! interpreter checks it. The format is documented in `schemas/cupi/README.md`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::ParseError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    types: BTreeMap<String, Spanned<TypeTable>>,
    #[serde(default)]
    operations: BTreeMap<String, Spanned<OpTable>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeTable {
    #[serde(default)]
    doc: String,
    fields: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpTable {
    method: Spanned<String>,
    path: Spanned<String>,
    #[serde(default)]
    doc: String,
    #[serde(default)]
    params: Option<Spanned<String>>,
    #[serde(default)]
    query: Option<Spanned<String>>,
    #[serde(default)]
    body: Option<Spanned<String>>,
    response: Spanned<String>,
}

/// One `name type[!] [doc]` line.
#[derive(Debug, Clone, PartialEq)]
pub struct RawField {
    pub name: String,
    /// `string`, `int`, `bool`, a declared type, or `[T]` for a list.
    pub ty: String,
    pub required: bool,
    pub doc: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RawType {
    pub name: String,
    pub doc: String,
    pub fields: Vec<RawField>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RawOperation {
    pub name: String,
    pub method: String,
    pub path: String,
    pub doc: String,
    pub params: Vec<RawField>,
    pub query: Vec<RawField>,
    /// The body type and its line.
    pub body: Option<(String, usize)>,
    pub response: (String, usize),
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CupiDescription {
    pub file: String,
    pub types: Vec<RawType>,
    pub operations: Vec<RawOperation>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The lines of a `fields`/`params`/`query` block, each with its line in the file.
fn fields(text: &str, block: &Spanned<String>, file: &str) -> Result<Vec<RawField>, ParseError> {
    // A multi-line string starts on the line after its opening quotes.
    let opening = line_of(text, block.span().start);
    let skip_first =
        text[block.span().start..].starts_with("\"\"\"\n") || text[block.span().start..].starts_with("'''\n");
    let mut out = Vec::new();
    for (i, raw) in block.get_ref().lines().enumerate() {
        let line = opening + i + usize::from(skip_first);
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let mut words = content.split_whitespace();
        let (Some(name), Some(ty)) = (words.next(), words.next()) else {
            return Err(ParseError::Schema {
                file: file.into(),
                line,
                message: format!("'{content}': expected `name type` (type: string, int, bool, a declared type or [type]; `!` marks required)"),
            });
        };
        let (ty, required) = match ty.strip_suffix('!') {
            Some(t) => (t, true),
            None => (ty, false),
        };
        out.push(RawField {
            name: name.to_string(),
            ty: ty.to_string(),
            required,
            doc: words.collect::<Vec<_>>().join(" "),
            line,
        });
    }
    Ok(out)
}

pub fn parse(text: &str, file: &str) -> Result<CupiDescription, ParseError> {
    let parsed: File = toml::from_str(text).map_err(|e| ParseError::Schema {
        file: file.into(),
        line: e.span().map_or(1, |s| line_of(text, s.start)),
        message: e.message().to_string(),
    })?;
    let mut types = Vec::new();
    for (name, t) in &parsed.types {
        types.push(RawType {
            name: name.clone(),
            doc: t.get_ref().doc.clone(),
            fields: fields(text, &t.get_ref().fields, file)?,
            line: line_of(text, t.span().start),
        });
    }
    let mut operations = Vec::new();
    for (name, o) in &parsed.operations {
        let op = o.get_ref();
        let block = |b: &Option<Spanned<String>>| -> Result<Vec<RawField>, ParseError> {
            match b {
                Some(b) => fields(text, b, file),
                None => Ok(Vec::new()),
            }
        };
        operations.push(RawOperation {
            name: name.clone(),
            method: op.method.get_ref().clone(),
            path: op.path.get_ref().clone(),
            doc: op.doc.clone(),
            params: block(&op.params)?,
            query: block(&op.query)?,
            body: op
                .body
                .as_ref()
                .map(|b| (b.get_ref().clone(), line_of(text, b.span().start))),
            response: (op.response.get_ref().clone(), line_of(text, op.response.span().start)),
            line: line_of(text, o.span().start),
        });
    }
    Ok(CupiDescription {
        file: file.into(),
        types,
        operations,
    })
}

pub fn read(path: &Path) -> Result<CupiDescription, ParseError> {
    let text = super::read(path)?;
    parse(&text, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_remember_their_lines() {
        let text =
            "[types.User]\ndoc = \"a user\"\nfields = \"\"\"\nObjectId string\n\nAlias string! login name\n\"\"\"\n";
        let d = parse(text, "cupi.toml").unwrap();
        let f = &d.types[0].fields;
        assert_eq!((f[0].name.as_str(), f[0].line), ("ObjectId", 4));
        assert_eq!(
            (f[1].name.as_str(), f[1].required, f[1].doc.as_str(), f[1].line),
            ("Alias", true, "login name", 6)
        );
    }

    #[test]
    fn toml_errors_name_the_line() {
        let e = parse("[types.User]\nfields = \"x\"\nbogus = 1\n", "cupi.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("cupi.toml:3:") && e.contains("bogus"), "{e}");
    }
}

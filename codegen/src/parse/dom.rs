//! A schema file as a tree of elements with raw qualified names and the namespace prefixes
//! declared anywhere in the file (Cisco's files use one consistent prefix set per file).

use std::collections::HashMap;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::ParseError;

#[derive(Debug, Clone, Default)]
pub struct Node {
    /// The local name (`element`, `complexType`, ...).
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
    /// 1-based line of the start tag, for error messages.
    pub line: usize,
}

impl Node {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct Document {
    pub root: Node,
    pub prefixes: HashMap<String, String>,
}

impl Document {
    /// Resolves `prefix:local` to (namespace, local); an unprefixed name takes the default namespace.
    pub fn resolve<'a>(&'a self, qname: &'a str) -> (&'a str, &'a str) {
        match qname.split_once(':') {
            Some((p, l)) => (self.prefixes.get(p).map(String::as_str).unwrap_or(""), l),
            None => (self.prefixes.get("").map(String::as_str).unwrap_or(""), qname),
        }
    }
}

pub fn parse_document(file: &str, text: &str) -> Result<Document, ParseError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Node> = Vec::new();
    let mut prefixes = HashMap::new();
    // Lines are counted incrementally: positions only move forward.
    let mut counted = (0usize, 1usize);
    let mut line_of = move |pos: usize| {
        let pos = pos.min(text.len());
        if pos >= counted.0 {
            counted.1 += text.as_bytes()[counted.0..pos].iter().filter(|b| **b == b'\n').count();
            counted.0 = pos;
        }
        counted.1
    };
    loop {
        let pos = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| ParseError::Xml {
            file: file.to_string(),
            line: line_of(reader.error_position() as usize),
            message: e.to_string(),
        })?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let raw = e.name().into_inner().to_string();
                let mut node = Node {
                    name: raw.rsplit(':').next().unwrap_or(&raw).to_string(),
                    line: line_of(pos),
                    ..Default::default()
                };
                for a in e.attributes() {
                    let a = a.map_err(|err| ParseError::Xml {
                        file: file.to_string(),
                        line: node.line,
                        message: err.to_string(),
                    })?;
                    let key = a.key.into_inner().to_string();
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.into_owned())
                        .unwrap_or_else(|_| a.value.to_string());
                    if key == "xmlns" {
                        prefixes.entry(String::new()).or_insert(value);
                    } else if let Some(p) = key.strip_prefix("xmlns:") {
                        prefixes.entry(p.to_string()).or_insert(value);
                    } else {
                        node.attrs.push((key, value));
                    }
                }
                if matches!(event, Event::Empty(_)) {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(node),
                        None => return Ok(Document { root: node, prefixes }),
                    }
                } else {
                    stack.push(node);
                }
            }
            Event::End(_) => {
                let node = stack.pop().ok_or_else(|| ParseError::Xml {
                    file: file.to_string(),
                    line: line_of(pos),
                    message: "unbalanced end tag".into(),
                })?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Ok(Document { root: node, prefixes }),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        top.text.push(c);
                    } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r.xml10_content()) {
                        top.text.push_str(s);
                    }
                }
            }
            Event::Eof => {
                return Err(ParseError::Xml {
                    file: file.to_string(),
                    line: line_of(text.len()),
                    message: "unexpected end of file".into(),
                })
            }
            _ => {}
        }
    }
}

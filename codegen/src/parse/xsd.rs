//! The raw XSD model: what the schema says, with qualified names resolved to local names in
//! either the XML Schema namespace (`Builtin`) or the target namespace (`Named`).

use super::dom::{Document, Node};
use super::ParseError;

pub const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";

/// A reference to a type by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeRef {
    Builtin(String),
    Named(String),
}

#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub file: String,
    pub target_ns: String,
    pub qualified: bool,
    pub elements: Vec<Element>,
    pub complex_types: Vec<ComplexType>,
    pub simple_types: Vec<SimpleType>,
}

#[derive(Debug, Clone)]
pub struct Element {
    pub name: String,
    pub type_ref: Option<TypeRef>,
    pub inline_complex: Option<Box<ComplexType>>,
    pub inline_simple: Option<Box<SimpleType>>,
    pub min: u32,
    pub max: u32,
    pub nillable: bool,
    pub default: Option<String>,
    pub doc: String,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct ComplexType {
    pub name: Option<String>,
    pub content: Content,
    pub attrs: Vec<Attribute>,
    pub doc: String,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub enum Content {
    Empty,
    Particle(Particle),
    /// complexContent/extension: the base's content, then the particle.
    Extension {
        base: TypeRef,
        particle: Option<Particle>,
    },
    /// complexContent/restriction: the particle replaces the base content.
    Restriction {
        particle: Option<Particle>,
    },
    /// simpleContent/extension (or restriction): text of `base` plus attributes.
    Simple {
        base: TypeRef,
    },
}

#[derive(Debug, Clone)]
pub enum Particle {
    Sequence {
        min: u32,
        max: u32,
        items: Vec<Particle>,
        line: usize,
    },
    Choice {
        min: u32,
        max: u32,
        items: Vec<Particle>,
        line: usize,
    },
    Element(Element),
    Any {
        min: u32,
        max: u32,
    },
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub type_ref: Option<TypeRef>,
    pub inline_simple: Option<SimpleType>,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct SimpleType {
    pub name: Option<String>,
    pub kind: SimpleKind,
    pub doc: String,
    pub line: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Facets {
    pub enumeration: Vec<String>,
    pub pattern: Option<String>,
    pub min_len: Option<u32>,
    pub max_len: Option<u32>,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

#[derive(Debug, Clone)]
pub enum SimpleKind {
    Restriction {
        base: Option<TypeRef>,
        inline_base: Option<Box<SimpleType>>,
        facets: Facets,
    },
    Union {
        members: Vec<TypeRef>,
        inline: Vec<SimpleType>,
    },
    List,
}

pub const UNBOUNDED: u32 = u32::MAX;

struct Ctx<'a> {
    doc: &'a Document,
    file: &'a str,
}

impl Ctx<'_> {
    fn err(&self, node: &Node, message: impl Into<String>) -> ParseError {
        ParseError::Schema {
            file: self.file.to_string(),
            line: node.line,
            message: message.into(),
        }
    }

    fn type_ref(&self, qname: &str) -> TypeRef {
        let (ns, local) = self.doc.resolve(qname);
        if ns == XSD_NS {
            TypeRef::Builtin(local.to_string())
        } else {
            TypeRef::Named(local.to_string())
        }
    }

    fn occurs(&self, node: &Node) -> Result<(u32, u32), ParseError> {
        let num = |name: &str, default: u32| -> Result<u32, ParseError> {
            match node.attr(name) {
                None => Ok(default),
                Some("unbounded") => Ok(UNBOUNDED),
                Some(v) => v
                    .parse()
                    .map_err(|_| self.err(node, format!("{name}=\"{v}\" is not a number"))),
            }
        };
        Ok((num("minOccurs", 1)?, num("maxOccurs", 1)?))
    }
}

fn doc_of(node: &Node) -> String {
    node.child("annotation")
        .into_iter()
        .flat_map(|a| a.children_named("documentation"))
        .map(|d| d.text.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads one `<schema>` element (standalone XSD or inside WSDL `<types>`).
pub fn read_schema(doc: &Document, schema: &Node, file: &str) -> Result<Schema, ParseError> {
    let ctx = Ctx { doc, file };
    let mut out = Schema {
        file: file.to_string(),
        target_ns: schema.attr("targetNamespace").unwrap_or("").to_string(),
        qualified: schema.attr("elementFormDefault") == Some("qualified"),
        ..Default::default()
    };
    for child in &schema.children {
        match child.name.as_str() {
            "element" => out.elements.push(element(&ctx, child)?),
            "complexType" => out.complex_types.push(complex(&ctx, child)?),
            "simpleType" => out.simple_types.push(simple(&ctx, child)?),
            "annotation" | "import" | "include" => {}
            other => return Err(ctx.err(child, format!("unsupported top-level schema construct <{other}>"))),
        }
    }
    Ok(out)
}

fn element(ctx: &Ctx, node: &Node) -> Result<Element, ParseError> {
    let name = match (node.attr("name"), node.attr("ref")) {
        (Some(n), _) => n.to_string(),
        (None, Some(_)) => return Err(ctx.err(node, "element references (ref=) are not supported")),
        (None, None) => return Err(ctx.err(node, "element without a name")),
    };
    let (min, max) = ctx.occurs(node)?;
    let mut el = Element {
        name,
        type_ref: node.attr("type").map(|t| ctx.type_ref(t)),
        inline_complex: None,
        inline_simple: None,
        min,
        max,
        nillable: node.attr("nillable") == Some("true"),
        default: node.attr("default").map(str::to_string),
        doc: doc_of(node),
        line: node.line,
    };
    for c in &node.children {
        match c.name.as_str() {
            "complexType" => el.inline_complex = Some(Box::new(complex(ctx, c)?)),
            "simpleType" => el.inline_simple = Some(Box::new(simple(ctx, c)?)),
            "annotation" => {}
            other => return Err(ctx.err(c, format!("unsupported construct <{other}> in element {}", el.name))),
        }
    }
    Ok(el)
}

fn complex(ctx: &Ctx, node: &Node) -> Result<ComplexType, ParseError> {
    let mut ct = ComplexType {
        name: node.attr("name").map(str::to_string),
        content: Content::Empty,
        attrs: Vec::new(),
        doc: doc_of(node),
        line: node.line,
    };
    if node.attr("mixed") == Some("true") {
        return Err(ctx.err(node, "mixed content is not supported"));
    }
    for c in &node.children {
        match c.name.as_str() {
            "sequence" | "choice" | "all" => ct.content = Content::Particle(particle(ctx, c)?),
            "attribute" => ct.attrs.push(attribute(ctx, c)?),
            "complexContent" => {
                let (kind, body) = derivation(ctx, c)?;
                let mut part = None;
                for d in &body.children {
                    match d.name.as_str() {
                        "sequence" | "choice" | "all" => part = Some(particle(ctx, d)?),
                        "attribute" => ct.attrs.push(attribute(ctx, d)?),
                        "annotation" => {}
                        other => return Err(ctx.err(d, format!("unsupported construct <{other}> in complexContent"))),
                    }
                }
                ct.content = if kind == "extension" {
                    let base = body
                        .attr("base")
                        .ok_or_else(|| ctx.err(body, "extension without base"))?;
                    Content::Extension {
                        base: ctx.type_ref(base),
                        particle: part,
                    }
                } else {
                    Content::Restriction { particle: part }
                };
            }
            "simpleContent" => {
                let (_, body) = derivation(ctx, c)?;
                let base = body
                    .attr("base")
                    .ok_or_else(|| ctx.err(body, "simpleContent without base"))?;
                for d in &body.children {
                    match d.name.as_str() {
                        "attribute" => ct.attrs.push(attribute(ctx, d)?),
                        "annotation" => {}
                        other => return Err(ctx.err(d, format!("unsupported construct <{other}> in simpleContent"))),
                    }
                }
                ct.content = Content::Simple {
                    base: ctx.type_ref(base),
                };
            }
            "annotation" => {}
            other => return Err(ctx.err(c, format!("unsupported construct <{other}> in complexType"))),
        }
    }
    Ok(ct)
}

fn derivation<'n>(ctx: &Ctx, node: &'n Node) -> Result<(&'n str, &'n Node), ParseError> {
    node.children
        .iter()
        .find(|c| c.name == "extension" || c.name == "restriction")
        .map(|c| (c.name.as_str(), c))
        .ok_or_else(|| ctx.err(node, "expected <extension> or <restriction>"))
}

fn particle(ctx: &Ctx, node: &Node) -> Result<Particle, ParseError> {
    let (min, max) = ctx.occurs(node)?;
    match node.name.as_str() {
        "element" => Ok(Particle::Element(element(ctx, node)?)),
        "any" => Ok(Particle::Any { min, max }),
        "sequence" | "choice" | "all" => {
            let mut items = Vec::new();
            for c in &node.children {
                if c.name != "annotation" {
                    items.push(particle(ctx, c)?);
                }
            }
            Ok(if node.name == "choice" {
                Particle::Choice {
                    min,
                    max,
                    items,
                    line: node.line,
                }
            } else {
                Particle::Sequence {
                    min,
                    max,
                    items,
                    line: node.line,
                }
            })
        }
        other => Err(ctx.err(node, format!("unsupported particle <{other}>"))),
    }
}

fn attribute(ctx: &Ctx, node: &Node) -> Result<Attribute, ParseError> {
    let name = node
        .attr("name")
        .ok_or_else(|| ctx.err(node, "attribute without a name (ref= is not supported)"))?;
    Ok(Attribute {
        name: name.to_string(),
        type_ref: node.attr("type").map(|t| ctx.type_ref(t)),
        inline_simple: node.child("simpleType").map(|s| simple(ctx, s)).transpose()?,
        required: node.attr("use") == Some("required"),
    })
}

fn simple(ctx: &Ctx, node: &Node) -> Result<SimpleType, ParseError> {
    let mut st = SimpleType {
        name: node.attr("name").map(str::to_string),
        kind: SimpleKind::List,
        doc: doc_of(node),
        line: node.line,
    };
    for c in &node.children {
        match c.name.as_str() {
            "restriction" => {
                let mut facets = Facets::default();
                let mut inline_base = None;
                for f in &c.children {
                    let value = f.attr("value").unwrap_or("");
                    let num = |v: &str| {
                        v.parse::<i64>()
                            .map_err(|_| ctx.err(f, format!("facet value '{v}' is not a number")))
                    };
                    match f.name.as_str() {
                        "enumeration" => facets.enumeration.push(value.to_string()),
                        "pattern" => facets.pattern = Some(value.to_string()),
                        "maxLength" => facets.max_len = Some(num(value)? as u32),
                        "minLength" => facets.min_len = Some(num(value)? as u32),
                        "length" => {
                            facets.min_len = Some(num(value)? as u32);
                            facets.max_len = facets.min_len;
                        }
                        "minInclusive" => facets.min = Some(num(value)?),
                        "maxInclusive" => facets.max = Some(num(value)?),
                        "minExclusive" => facets.min = Some(num(value)? + 1),
                        "maxExclusive" => facets.max = Some(num(value)? - 1),
                        "simpleType" => inline_base = Some(Box::new(simple(ctx, f)?)),
                        "annotation" | "whiteSpace" | "totalDigits" | "fractionDigits" => {}
                        other => return Err(ctx.err(f, format!("unsupported facet <{other}>"))),
                    }
                }
                st.kind = SimpleKind::Restriction {
                    base: c.attr("base").map(|b| ctx.type_ref(b)),
                    inline_base,
                    facets,
                };
            }
            "union" => {
                let members = c
                    .attr("memberTypes")
                    .unwrap_or("")
                    .split_whitespace()
                    .map(|m| ctx.type_ref(m))
                    .collect();
                let inline = c
                    .children_named("simpleType")
                    .map(|s| simple(ctx, s))
                    .collect::<Result<_, _>>()?;
                st.kind = SimpleKind::Union { members, inline };
            }
            "list" => st.kind = SimpleKind::List,
            "annotation" => {}
            other => return Err(ctx.err(c, format!("unsupported construct <{other}> in simpleType"))),
        }
    }
    Ok(st)
}

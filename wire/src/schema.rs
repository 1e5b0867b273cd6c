//! Static descriptors: the runtime form of the code generator's IR.
//!
//! Generated code emits one `TypeDesc` per schema type and one `OperationDescriptor` per
//! operation; the XML and JSON codecs, the sample builders and the server all walk these
//! tables instead of carrying per-type (de)serialisation code, which keeps compile time low.

/// Whether an operation only reads or also changes the remote system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    Read,
    Write,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Read => "read",
            Effect::Write => "write",
        }
    }
}

/// How an operation travels on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// Document/literal SOAP: one wrapper element in `namespace`.
    Soap {
        action: &'static str,
        request_element: &'static str,
        response_element: &'static str,
        namespace: &'static str,
        /// `elementFormDefault="qualified"`: children live in the namespace too.
        qualified: bool,
    },
    /// REST: method and path template (`/vmrest/users/{objectId}`).
    Http { method: &'static str, path: &'static str },
}

/// Everything known statically about one generated operation.
#[derive(Debug)]
pub struct OperationDescriptor {
    pub product: &'static str,
    pub version: &'static str,
    pub name: &'static str,
    /// The name RBAC profiles match against (`getPhone`, `GET /vmrest/users`).
    pub rbac_name: &'static str,
    pub effect: Effect,
    pub binding: Binding,
    pub request: &'static TypeDesc,
    pub response: &'static TypeDesc,
    pub doc: &'static str,
    /// The request's JSON Schema, built on first use ([`OperationDescriptor::input_schema`]).
    pub input_schema: crate::json_schema::SchemaCache,
}

impl OperationDescriptor {
    pub fn request_type_name(&self) -> &'static str {
        self.request.name
    }
    pub fn response_type_name(&self) -> &'static str {
        self.response.name
    }
}

/// One named (or generator-named anonymous) schema type.
#[derive(Debug)]
pub struct TypeDesc {
    /// The Rust type name.
    pub name: &'static str,
    /// Where the type comes from in the schema, for error messages.
    pub xsd: &'static str,
    pub doc: &'static str,
    pub kind: TypeKind,
}

#[derive(Debug)]
pub enum TypeKind {
    /// A complex type. Value layout: attributes, then the text (simple content), then fields.
    Struct {
        attrs: &'static [AttrDesc],
        text: Option<Scalar>,
        fields: &'static [FieldDesc],
    },
    /// An anonymous `xsd:choice`: exactly one variant is present.
    Choice { variants: &'static [FieldDesc] },
    /// An enumeration; an open one also keeps any other string.
    Enum {
        values: &'static [&'static str],
        open: bool,
    },
}

impl TypeDesc {
    pub fn struct_parts(&self) -> Option<(&'static [AttrDesc], Option<Scalar>, &'static [FieldDesc])> {
        match self.kind {
            TypeKind::Struct { attrs, text, fields } => Some((attrs, text, fields)),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub struct AttrDesc {
    pub name: &'static str,
    /// The JSON key: the name, or `@name` where an element of the same type has that name.
    pub json: &'static str,
    pub ty: FieldType,
    pub required: bool,
}

/// Unbounded `maxOccurs`.
pub const UNBOUNDED: u32 = u32::MAX;

#[derive(Debug)]
pub struct FieldDesc {
    /// The XML element name (empty for a group: a choice or `xsd:any` has no wrapper).
    pub name: &'static str,
    pub ty: FieldType,
    pub min: u32,
    pub max: u32,
    pub nillable: bool,
    pub default: Option<&'static str>,
    pub doc: &'static str,
}

impl FieldDesc {
    /// A group has no wrapper element: a choice, an inline sequence (a choice variant) or `xsd:any`.
    pub fn is_group(&self) -> bool {
        self.name.is_empty()
    }
    pub fn is_list(&self) -> bool {
        self.max > 1
    }
}

#[derive(Debug, Clone, Copy)]
pub enum FieldType {
    Scalar(Scalar),
    Type(&'static TypeDesc),
    /// `xsd:anyType` content: an element whose children are kept as generic elements.
    AnyType,
    /// `xsd:any`: any number of foreign elements in place.
    AnyElements,
}

/// A simple type with the facets the codecs check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scalar {
    pub kind: ScalarKind,
    pub min_len: Option<u32>,
    pub max_len: Option<u32>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// An XSD pattern, kept for documentation and sample building.
    pub pattern: Option<&'static str>,
}

impl Scalar {
    pub const fn of(kind: ScalarKind) -> Scalar {
        Scalar {
            kind,
            min_len: None,
            max_len: None,
            min: None,
            max: None,
            pattern: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    String,
    /// `xsd:boolean`.
    Bool,
    /// AXL's own `boolean`: t/f/true/false/0/1 on input, true/false on output.
    AxlBool,
    Int,
    UInt,
    Float,
    /// AXL's `XInteger`: an integer or the empty string.
    XInteger,
    /// A union that is neither an open enum nor XInteger: kept as text, checked against members.
    Union(&'static [Scalar]),
    /// A set of literal strings inside a union member.
    Literals(&'static [&'static str]),
}

// Short constructors keep the generated descriptor tables small.
impl FieldDesc {
    pub const fn new(name: &'static str, ty: FieldType, min: u32, max: u32) -> Self {
        FieldDesc {
            name,
            ty,
            min,
            max,
            nillable: false,
            default: None,
            doc: "",
        }
    }
    pub const fn nillable(mut self) -> Self {
        self.nillable = true;
        self
    }
    pub const fn default_value(mut self, d: &'static str) -> Self {
        self.default = Some(d);
        self
    }
    pub const fn doc(mut self, d: &'static str) -> Self {
        self.doc = d;
        self
    }
}

impl AttrDesc {
    pub const fn new(name: &'static str, json: &'static str, ty: FieldType, required: bool) -> Self {
        AttrDesc {
            name,
            json,
            ty,
            required,
        }
    }
}

impl Scalar {
    pub const fn len(mut self, min: Option<u32>, max: Option<u32>) -> Self {
        self.min_len = min;
        self.max_len = max;
        self
    }
    pub const fn range(mut self, min: Option<i64>, max: Option<i64>) -> Self {
        self.min = min;
        self.max = max;
        self
    }
    pub const fn pattern(mut self, p: &'static str) -> Self {
        self.pattern = Some(p);
        self
    }
}

//! The IR: the contract between the stages. One `Service` per product and version, with
//! operations (SOAP or REST binding) and a flat, index-addressed list of types.

pub type TypeId = usize;
pub const UNBOUNDED: u32 = u32::MAX;

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// `axl`, `ris`, `imp`, `cupi`.
    pub product: String,
    /// As the toolkit directory names it (`15.0`); empty for unversioned services.
    pub version: String,
    /// The Rust module (`v15_0`).
    pub module: String,
    pub namespace: String,
    /// `elementFormDefault="qualified"`.
    pub qualified: bool,
    /// The HTTP path of the service (`/axl/`).
    pub endpoint_path: String,
    pub operations: Vec<Operation>,
    pub types: Vec<TypeDef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Read,
    Write,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Binding {
    Soap {
        action: String,
        request_element: String,
        response_element: String,
    },
    Http {
        method: String,
        path: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub name: String,
    /// Rust method name (set by the naming pass).
    pub rust_name: String,
    pub effect: Effect,
    pub binding: Binding,
    pub request: TypeId,
    pub response: TypeId,
    pub doc: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The Rust type name (unique within the service after the naming pass).
    pub name: String,
    /// Where the type comes from, for messages: `AXLSoap.xsd: complexType GetPhoneReq/choice`.
    pub origin: String,
    pub doc: String,
    pub kind: TypeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct {
        attrs: Vec<Attr>,
        text: Option<Scalar>,
        fields: Vec<Field>,
    },
    Choice {
        variants: Vec<Field>,
    },
    Enum {
        values: Vec<EnumValue>,
        open: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    pub value: String,
    /// Rust variant name (set by the naming pass).
    pub rust_name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    pub name: String,
    pub json: String,
    pub rust_name: String,
    pub ty: FieldTy,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The element name; empty for a group (choice, inline sequence, `xsd:any`).
    pub xml_name: String,
    pub rust_name: String,
    pub ty: FieldTy,
    pub min: u32,
    pub max: u32,
    pub nillable: bool,
    pub default: Option<String>,
    pub doc: String,
    /// Boxed to break a type cycle (set by the boxing pass).
    pub boxed: bool,
}

impl Field {
    pub fn is_group(&self) -> bool {
        self.xml_name.is_empty()
    }
    pub fn is_list(&self) -> bool {
        self.max > 1
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldTy {
    Scalar(Scalar),
    Type(TypeId),
    AnyType,
    AnyElements,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scalar {
    pub kind: ScalarKind,
    pub min_len: Option<u32>,
    pub max_len: Option<u32>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub pattern: Option<String>,
}

impl Scalar {
    pub fn of(kind: ScalarKind) -> Scalar {
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

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScalarKind {
    String,
    Bool,
    AxlBool,
    Int,
    UInt,
    Float,
    XInteger,
    Union(Vec<Scalar>),
    Literals(Vec<String>),
}

//! The generic value tree every codec works on, and the traits that connect it to the
//! generated typed structs. A `Value::Struct` is positional: attributes, text, then fields,
//! in the order of its `TypeDesc`.

use crate::schema::TypeDesc;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An optional element or attribute that is not there.
    Absent,
    /// `xsi:nil="true"`.
    Nil,
    Str(String),
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    XInt(Option<i64>),
    /// A known enumeration value, by its index in the `TypeDesc`.
    Enum(u32),
    /// Positional members of a complex type.
    Struct(Vec<Value>),
    List(Vec<Value>),
    /// The chosen variant of a choice and its value.
    Choice(u32, Box<Value>),
    Any(Vec<AnyElement>),
}

/// An element kept as-is: `xsd:any` content and `xsd:anyType` children (executeSQLQuery rows).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnyElement {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<AnyElement>,
}

impl AnyElement {
    /// A leaf column: `<name>value</name>`.
    pub fn leaf(name: impl Into<String>, text: impl Into<String>) -> Self {
        AnyElement {
            name: name.into(),
            text: text.into(),
            ..Default::default()
        }
    }
    /// The child elements as (name, text) pairs, in order: a SQL row's columns.
    pub fn columns(&self) -> impl Iterator<Item = (&str, &str)> {
        self.children.iter().map(|c| (c.name.as_str(), c.text.as_str()))
    }
    /// The text of the first child with this name.
    pub fn column(&self, name: &str) -> Option<&str> {
        self.children.iter().find(|c| c.name == name).map(|c| c.text.as_str())
    }
}

/// The content of an `xsd:anyType` element.
pub type AnyContent = AnyElement;

/// An element that may be sent or received as `xsi:nil="true"`.
#[derive(Debug, Clone, PartialEq)]
pub enum Nillable<T> {
    Nil,
    Value(T),
}

impl<T: Default> Default for Nillable<T> {
    fn default() -> Self {
        Nillable::Value(T::default())
    }
}

impl<T> Nillable<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Nillable::Nil => None,
            Nillable::Value(v) => Some(v),
        }
    }
    pub fn into_option(self) -> Option<T> {
        match self {
            Nillable::Nil => None,
            Nillable::Value(v) => Some(v),
        }
    }
}

impl<T> From<T> for Nillable<T> {
    fn from(v: T) -> Self {
        Nillable::Value(v)
    }
}

/// AXL's `XInteger`: an integer, or the empty string (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct XInteger(pub Option<i64>);

impl From<i64> for XInteger {
    fn from(v: i64) -> Self {
        XInteger(Some(v))
    }
}

/// The value tree did not have the shape the typed struct expects. Values produced by the
/// descriptor-driven decoders always fit, so this signals a bug or a hand-built `Value`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("value does not fit {expected}: found {found}")]
pub struct ShapeError {
    pub expected: &'static str,
    pub found: String,
}

impl ShapeError {
    pub fn new(expected: &'static str, found: &Value) -> Self {
        let mut found = format!("{found:?}");
        found.truncate(80);
        ShapeError { expected, found }
    }
}

/// Conversion between a Rust value and the generic tree.
pub trait Wire: Sized {
    fn into_value(self) -> Value;
    fn from_value(v: Value) -> Result<Self, ShapeError>;
}

/// A generated type: its descriptor and its conversions.
pub trait Typed: Wire {
    const DESC: &'static TypeDesc;
}

/// Takes the next positional member of a struct value (generated code calls this per field).
#[inline]
pub fn take<T: Wire>(it: &mut std::vec::IntoIter<Value>) -> Result<T, ShapeError> {
    T::from_value(it.next().unwrap_or(Value::Absent))
}

/// Opens a struct value into its members.
#[inline]
pub fn members(v: Value, expected: &'static str) -> Result<std::vec::IntoIter<Value>, ShapeError> {
    match v {
        Value::Struct(m) => Ok(m.into_iter()),
        other => Err(ShapeError::new(expected, &other)),
    }
}

/// Splits an enum value into a known index or the other string (open enums).
#[inline]
pub fn enum_parts(v: Value, expected: &'static str) -> Result<Result<u32, String>, ShapeError> {
    match v {
        Value::Enum(i) => Ok(Ok(i)),
        Value::Str(s) => Ok(Err(s)),
        other => Err(ShapeError::new(expected, &other)),
    }
}

/// Splits a choice value into the variant index and its value.
#[inline]
pub fn choice_parts(v: Value, expected: &'static str) -> Result<(u32, Value), ShapeError> {
    match v {
        Value::Choice(i, b) => Ok((i, *b)),
        other => Err(ShapeError::new(expected, &other)),
    }
}

impl Wire for String {
    fn into_value(self) -> Value {
        Value::Str(self)
    }
    fn from_value(v: Value) -> Result<Self, ShapeError> {
        match v {
            Value::Str(s) => Ok(s),
            other => Err(ShapeError::new("string", &other)),
        }
    }
}

impl Wire for bool {
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
    fn from_value(v: Value) -> Result<Self, ShapeError> {
        match v {
            Value::Bool(b) => Ok(b),
            other => Err(ShapeError::new("boolean", &other)),
        }
    }
}

impl Wire for i64 {
    fn into_value(self) -> Value {
        Value::Int(self)
    }
    fn from_value(v: Value) -> Result<Self, ShapeError> {
        match v {
            Value::Int(i) => Ok(i),
            other => Err(ShapeError::new("integer", &other)),
        }
    }
}

impl Wire for u64 {
    fn into_value(self) -> Value {
        Value::UInt(self)
    }
    fn from_value(v: Value) -> Result<Self, ShapeError> {
        match v {
            Value::UInt(i) => Ok(i),
            other => Err(ShapeError::new("unsigned integer", &other)),
        }
    }
}

impl Wire for f64 {
    fn into_value(self) -> Value {
        Value::Float(self)
    }
    fn from_value(v: Value) -> Result<Self, ShapeError> {
        match v {
            Value::Float(f) => Ok(f),
            other => Err(ShapeError::new("number", &other)),
        }
    }
}

impl Wire for XInteger {
    fn into_value(self) -> Value {
        Value::XInt(self.0)
    }
    fn from_value(v: Value) -> Result<Self, ShapeError> {
        match v {
            Value::XInt(i) => Ok(XInteger(i)),
            other => Err(ShapeError::new("XInteger", &other)),
        }
    }
}

impl Wire for AnyElement {
    fn into_value(self) -> Value {
        Value::Any(vec![self])
    }
    fn from_value(v: Value) -> Result<Self, ShapeError> {
        match v {
            Value::Any(mut a) if a.len() == 1 => Ok(a.remove(0)),
            other => Err(ShapeError::new("anyType element", &other)),
        }
    }
}

/// `xsd:any` content in place.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnyElements(pub Vec<AnyElement>);

impl Wire for AnyElements {
    fn into_value(self) -> Value {
        Value::Any(self.0)
    }
    fn from_value(v: Value) -> Result<Self, ShapeError> {
        match v {
            Value::Any(a) => Ok(AnyElements(a)),
            Value::Absent => Ok(AnyElements(Vec::new())),
            other => Err(ShapeError::new("any elements", &other)),
        }
    }
}

impl<T: Wire> Wire for Option<T> {
    fn into_value(self) -> Value {
        match self {
            Some(v) => v.into_value(),
            None => Value::Absent,
        }
    }
    fn from_value(v: Value) -> Result<Self, ShapeError> {
        match v {
            Value::Absent => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

impl<T: Wire> Wire for Nillable<T> {
    fn into_value(self) -> Value {
        match self {
            Nillable::Nil => Value::Nil,
            Nillable::Value(v) => v.into_value(),
        }
    }
    fn from_value(v: Value) -> Result<Self, ShapeError> {
        match v {
            Value::Nil => Ok(Nillable::Nil),
            other => T::from_value(other).map(Nillable::Value),
        }
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn into_value(self) -> Value {
        Value::List(self.into_iter().map(Wire::into_value).collect())
    }
    fn from_value(v: Value) -> Result<Self, ShapeError> {
        match v {
            Value::List(items) => items.into_iter().map(T::from_value).collect(),
            Value::Absent => Ok(Vec::new()),
            other => Err(ShapeError::new("list", &other)),
        }
    }
}

impl<T: Wire> Wire for Box<T> {
    fn into_value(self) -> Value {
        (*self).into_value()
    }
    fn from_value(v: Value) -> Result<Self, ShapeError> {
        T::from_value(v).map(Box::new)
    }
}

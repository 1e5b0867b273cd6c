//! Runtime support for the generated Cisco UC clients (`cisco-uc`): static descriptors,
//! the generic value tree, XML and JSON codecs, SOAP envelopes and the HTTP transport.
//!
//! Kept apart from `cisco-uc` so that changing it never regenerates the clients, and so that
//! the generated code stays small: it holds tables and thin conversions, all behaviour is here.

pub mod client;
pub mod error;
pub mod json;
pub mod json_schema;
pub mod rest;
pub mod sample;
pub mod schema;
pub mod soap;
pub mod value;
pub mod xml;

pub use client::{error_chain, CallHook, ClientConfig, SoapClient, TypedCall};
pub use error::{Error, Fault};
pub use schema::{Binding, Effect, OperationDescriptor, TypeDesc};
pub use value::{AnyContent, AnyElement, AnyElements, Nillable, Typed, Value, Wire, XInteger};

//! uc-macros: proc macros for ai-bridge. Thin by design: each entry point parses its input
//! into a small AST that keeps spans and delegates to an `expand` returning `syn::Result`,
//! turned into `compile_error!` on failure.
//!
//! - `operations! { ... }` (used by the generated clients): per operation its static
//!   descriptor with the RBAC operation name derived and checked at compile time, its MCP tool
//!   input schema (JSON Schema 2020-12, built from the request type on first use and cached),
//!   and the typed client method.
//! - `#[derive(RbacOperation)]`: a hand-written tool type's RBAC operation name (the
//!   `operation` attribute, else the type name in lowerCamelCase).

mod operations;
mod rbac;

use proc_macro::TokenStream;

#[proc_macro]
pub fn operations(input: TokenStream) -> TokenStream {
    let service = syn::parse_macro_input!(input as operations::Service);
    operations::expand(service)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

#[proc_macro_derive(RbacOperation, attributes(rbac))]
pub fn derive_rbac_operation(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    rbac::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

//! uc-macros: proc macros for ai-bridge. Thin by design: `lib.rs` parses and delegates to
//! `expand`, which returns `syn::Result`, turned into `compile_error!` on failure.
//!
//! `#[derive(RbacOperation)]` gives a tool type its RBAC operation name (the `operation`
//! attribute, else the type name in lowerCamelCase), checked at compile time. The MCP tool
//! schemas for generated operations come in the tools issue.

mod rbac;

use proc_macro::TokenStream;

#[proc_macro_derive(RbacOperation, attributes(rbac))]
pub fn derive_rbac_operation(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    rbac::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

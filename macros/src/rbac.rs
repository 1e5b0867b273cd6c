//! `#[derive(RbacOperation)]`: `#[rbac(operation = "getPhone")]`, or the type name with a
//! lower-case first letter.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, LitStr};

pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut operation: Option<LitStr> = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("rbac")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("operation") {
                let value: LitStr = meta.value()?.parse()?;
                if value.value().trim().is_empty() || value.value().chars().any(char::is_control) {
                    return Err(syn::Error::new(
                        value.span(),
                        "the RBAC operation name must be non-empty printable text",
                    ));
                }
                operation = Some(value);
                Ok(())
            } else {
                Err(meta.error("unknown rbac attribute; expected `operation = \"...\"`"))
            }
        })?;
    }
    let name = &input.ident;
    let op = match operation {
        Some(lit) => lit.value(),
        None => {
            let s = name.to_string();
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_lowercase().chain(c).collect())
                .unwrap_or_default()
        }
    };
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics #name #ty_generics #where_clause {
            /// The name RBAC profiles match this operation against.
            pub const RBAC_OPERATION: &'static str = #op;
        }
    })
}

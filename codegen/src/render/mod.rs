//! Stage 4, rendering: IR to Rust tokens (quote), formatted with prettyplease.
//!
//! The generated code is shaped for compile speed: plain structs and enums, static
//! descriptor tables, and one small `into_value`/`from_value` pair per type. All XML and
//! JSON work happens in uc-wire's generic, descriptor-driven codecs, compiled once.

mod descriptors;
mod types;

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::interpret::{ident_text, pascal};
use crate::ir::{Binding, Effect, Service};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("generated code for {module} does not parse: {message}")]
    Unparsable { module: String, message: String },
}

pub(crate) fn ident(name: &str) -> Ident {
    let text = ident_text(name);
    match text.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(&text, Span::call_site()),
    }
}

/// Renders one service module's content. `shared[i]` names the module that defines type `i`
/// when it is re-exported instead of generated again.
pub fn render_service(service: &Service, shared: &[Option<String>], pretty: bool) -> Result<String, RenderError> {
    let mut scalars = descriptors::ScalarTable::default();
    let mut items = TokenStream::new();
    let mut reexports: BTreeMap<&str, Vec<Ident>> = BTreeMap::new();
    for (id, t) in service.types.iter().enumerate() {
        if let Some(module) = shared.get(id).and_then(|s| s.as_deref()) {
            let list = reexports.entry(module).or_default();
            list.push(ident(&t.name));
            list.push(ident(&format!("D_{}", t.name)));
            continue;
        }
        items.extend(types::render_type(service, t));
        items.extend(descriptors::render_type_desc(service, t, &mut scalars));
    }
    let uses = reexports.iter().map(|(m, names)| {
        let m = ident(m);
        quote! { pub use super::#m::{#(#names),*}; }
    });
    let scalar_consts = scalars.render();
    let ops = render_operations(service);
    let file = quote! {
        use uc_wire::schema::{AttrDesc, FieldDesc, FieldType, Scalar, ScalarKind, TypeDesc, TypeKind, UNBOUNDED};
        use uc_wire::value::{choice_parts, enum_parts, members, take, ShapeError, Value, Wire};
        use uc_wire::{AnyElement, AnyElements, Nillable, Typed, XInteger};
        #(#uses)*
        #scalar_consts
        #items
        #ops
    };
    if !pretty {
        return Ok(file.to_string());
    }
    let parsed: syn::File = syn::parse2(file).map_err(|e| RenderError::Unparsable {
        module: format!("{}::{}", service.product, service.module),
        message: e.to_string(),
    })?;
    Ok(prettyplease::unparse(&parsed))
}

fn render_operations(service: &Service) -> TokenStream {
    let product = &service.product;
    let version = &service.version;
    let ns = &service.namespace;
    let qualified = service.qualified;
    let mut entries = TokenStream::new();
    for op in &service.operations {
        let name = &op.name;
        let effect = match op.effect {
            Effect::Read => quote!(read),
            Effect::Write => quote!(write),
        };
        let binding = match &op.binding {
            Binding::Soap {
                action,
                request_element,
                response_element,
            } => quote!(soap(#action, #request_element, #response_element)),
            Binding::Http { method, path } => quote!(http(#method, #path)),
        };
        let req_ty = ident(&service.types[op.request].name);
        let res_ty = ident(&service.types[op.response].name);
        let method = ident(&op.rust_name);
        let doc = (!op.doc.is_empty()).then(|| {
            let d = &op.doc;
            quote!(#[doc = #d])
        });
        entries.extend(quote! {
            #doc
            #effect #name fn #method(#req_ty) -> #res_ty = #binding;
        });
    }
    let client = ident(&format!("{}Client", pascal(product)));
    let path = &service.endpoint_path;
    let client_doc = format!(
        "Typed {} client{}: one method per operation.",
        product.to_uppercase(),
        if version.is_empty() {
            String::new()
        } else {
            format!(" for version {version}")
        }
    );
    // Descriptors (with RBAC names and cached tool schemas) and client methods come from the
    // uc-macros proc macro, so the rules for them live in one place.
    quote! {
        pub const PRODUCT: &str = #product;
        pub const VERSION: &str = #version;
        pub const NAMESPACE: &str = #ns;
        const QUALIFIED: bool = #qualified;
        /// The service path on the server.
        pub const ENDPOINT_PATH: &str = #path;

        uc_macros::operations! {
            client #client, #client_doc;
            #entries
        }
    }
}

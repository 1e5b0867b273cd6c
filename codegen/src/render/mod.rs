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
    let mut statics = TokenStream::new();
    let mut refs = Vec::new();
    let mut methods = TokenStream::new();
    for op in &service.operations {
        let stat = ident(&format!("O_{}", op.rust_name));
        let name = &op.name;
        let rbac = &op.rbac_name;
        let effect = match op.effect {
            Effect::Read => quote!(uc_wire::Effect::Read),
            Effect::Write => quote!(uc_wire::Effect::Write),
        };
        let binding = match &op.binding {
            Binding::Soap {
                action,
                request_element,
                response_element,
            } => quote! {
                uc_wire::Binding::Soap { action: #action, request_element: #request_element, response_element: #response_element, namespace: NAMESPACE, qualified: QUALIFIED }
            },
            Binding::Http { method, path } => quote!(uc_wire::Binding::Http { method: #method, path: #path }),
        };
        let req_desc = ident(&format!("D_{}", service.types[op.request].name));
        let res_desc = ident(&format!("D_{}", service.types[op.response].name));
        let req_ty = ident(&service.types[op.request].name);
        let res_ty = ident(&service.types[op.response].name);
        let doc = &op.doc;
        statics.extend(quote! {
            pub static #stat: uc_wire::OperationDescriptor = uc_wire::OperationDescriptor {
                product: PRODUCT, version: VERSION, name: #name, rbac_name: #rbac, effect: #effect,
                binding: #binding, request: &#req_desc, response: &#res_desc, doc: #doc,
            };
        });
        refs.push(stat.clone());
        let method = ident(&op.rust_name);
        let method_doc = if doc.is_empty() {
            format!("`{name}`")
        } else {
            format!("`{name}`: {doc}")
        };
        methods.extend(quote! {
            #[doc = #method_doc]
            pub fn #method(&self, request: #req_ty) -> uc_wire::TypedCall<'_, #res_ty> {
                self.inner.typed(&#stat, request.into_value())
            }
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
    quote! {
        pub const PRODUCT: &str = #product;
        pub const VERSION: &str = #version;
        pub const NAMESPACE: &str = #ns;
        const QUALIFIED: bool = #qualified;
        /// The service path on the server.
        pub const ENDPOINT_PATH: &str = #path;
        #statics
        /// Every operation of this service, in schema order.
        pub static OPERATIONS: &[&uc_wire::OperationDescriptor] = &[#(&#refs),*];

        uc_wire::service_client!(#client, #client_doc, ENDPOINT_PATH, OPERATIONS);

        impl #client {
            #methods
        }
    }
}

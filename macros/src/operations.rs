//! `operations! { ... }`: a service's operation table, client methods, RBAC names and tool
//! schemas, from one compact list the code generator writes.
//!
//! ```text
//! operations! {
//!     client AxlClient, "Typed AXL client";
//!     /// Doc text.
//!     read "getPhone" fn get_phone(GetPhoneReq) -> GetPhoneRes = soap("CUCM:DB ver=15.0 getPhone", "getPhone", "getPhoneResponse");
//!     write "POST /vmrest/users" fn add_user(AddUserReq) -> AddUserRes = http("POST", "/vmrest/users");
//! }
//! ```
//! The module must define `PRODUCT`, `VERSION`, `NAMESPACE`, `QUALIFIED` and `ENDPOINT_PATH`.
//! Each operation becomes a static `O_<method>` descriptor whose RBAC name is derived here
//! (the SOAP operation name, or `<METHOD> <path>` for REST) and whose JSON Schema is built
//! from the request type's descriptor on first use and cached.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Ident, LitStr, Token, Type};

/// The parsed macro input; every piece keeps its span for error messages.
pub struct Service {
    client: Ident,
    doc: LitStr,
    operations: Vec<Operation>,
}

struct Operation {
    docs: Vec<Attribute>,
    effect: Ident,
    name: LitStr,
    method: Ident,
    request: Type,
    response: Type,
    binding: Binding,
}

enum Binding {
    Soap {
        action: LitStr,
        request_element: LitStr,
        response_element: LitStr,
    },
    Http {
        method: LitStr,
        path: LitStr,
    },
}

impl Parse for Service {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let kw: Ident = input.parse()?;
        if kw != "client" {
            return Err(syn::Error::new(kw.span(), "expected `client <Name>, \"<doc>\";` first"));
        }
        let client: Ident = input.parse()?;
        input.parse::<Token![,]>()?;
        let doc: LitStr = input.parse()?;
        input.parse::<Token![;]>()?;
        let mut operations = Vec::new();
        while !input.is_empty() {
            operations.push(input.parse()?);
        }
        Ok(Service {
            client,
            doc,
            operations,
        })
    }
}

impl Parse for Operation {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let docs = input.call(Attribute::parse_outer)?;
        if let Some(bad) = docs.iter().find(|a| !a.path().is_ident("doc")) {
            return Err(syn::Error::new_spanned(
                bad,
                "only doc comments are allowed on an operation",
            ));
        }
        let effect: Ident = input.parse()?;
        if effect != "read" && effect != "write" {
            return Err(syn::Error::new(
                effect.span(),
                format!("unknown effect `{effect}`; expected `read` or `write`"),
            ));
        }
        let name: LitStr = input.parse()?;
        input.parse::<Token![fn]>()?;
        let method: Ident = input.parse()?;
        let args;
        syn::parenthesized!(args in input);
        let request: Type = args.parse()?;
        if !args.is_empty() {
            return Err(args.error("an operation takes exactly one request type"));
        }
        input.parse::<Token![->]>()?;
        let response: Type = input.parse()?;
        input.parse::<Token![=]>()?;
        let kind: Ident = input.parse()?;
        let content;
        syn::parenthesized!(content in input);
        let strings = content.parse_terminated(<LitStr as Parse>::parse, Token![,])?;
        let strings: Vec<LitStr> = strings.into_iter().collect();
        let binding = match (kind.to_string().as_str(), strings.as_slice()) {
            ("soap", [a, q, r]) => Binding::Soap {
                action: a.clone(),
                request_element: q.clone(),
                response_element: r.clone(),
            },
            ("soap", _) => {
                return Err(syn::Error::new(
                    kind.span(),
                    "soap(...) takes the SOAPAction, the request element and the response element",
                ))
            }
            ("http", [m, p]) => Binding::Http {
                method: m.clone(),
                path: p.clone(),
            },
            ("http", _) => {
                return Err(syn::Error::new(
                    kind.span(),
                    "http(...) takes the method and the path template",
                ))
            }
            (other, _) => {
                return Err(syn::Error::new(
                    kind.span(),
                    format!("unknown binding `{other}`; expected `soap(...)` or `http(...)`"),
                ))
            }
        };
        input.parse::<Token![;]>()?;
        Ok(Operation {
            docs,
            effect,
            name,
            method,
            request,
            response,
            binding,
        })
    }
}

const HTTP_METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

/// A path template: starts with `/`, `{param}` placeholders are identifiers, braces balance.
fn check_path(path: &LitStr) -> syn::Result<()> {
    let p = path.value();
    if !p.starts_with('/') {
        return Err(syn::Error::new(path.span(), "the path must start with `/`"));
    }
    let mut rest = p.as_str();
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return Err(syn::Error::new(path.span(), "`}` without a matching `{` in the path"));
        }
        let Some(close) = rest[open..].find('}') else {
            return Err(syn::Error::new(path.span(), "`{` without a matching `}` in the path"));
        };
        let param = &rest[open + 1..open + close];
        if param.is_empty() || !param.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(syn::Error::new(
                path.span(),
                format!("path parameter `{{{param}}}` must be a non-empty name of letters, digits or `_`"),
            ));
        }
        rest = &rest[open + close + 1..];
    }
    Ok(())
}

impl Operation {
    /// The name RBAC profiles match: the operation for SOAP, `<METHOD> <path>` for REST.
    fn rbac_name(&self) -> syn::Result<String> {
        let name = self.name.value();
        if name.trim().is_empty() || name.chars().any(char::is_control) {
            return Err(syn::Error::new(
                self.name.span(),
                "the operation name must be non-empty printable text",
            ));
        }
        match &self.binding {
            Binding::Soap { action, .. } => {
                if action.value().trim().is_empty() {
                    return Err(syn::Error::new(action.span(), "the SOAPAction must not be empty"));
                }
                if name.contains(char::is_whitespace) {
                    return Err(syn::Error::new(self.name.span(), "a SOAP operation name has no spaces"));
                }
                Ok(name)
            }
            Binding::Http { method, path } => {
                let m = method.value();
                if !HTTP_METHODS.contains(&m.as_str()) {
                    return Err(syn::Error::new(
                        method.span(),
                        format!("unknown HTTP method `{m}`; expected one of {}", HTTP_METHODS.join(", ")),
                    ));
                }
                check_path(path)?;
                Ok(format!("{m} {}", path.value()))
            }
        }
    }
}

pub fn expand(service: Service) -> syn::Result<TokenStream> {
    let mut seen_names: HashMap<String, Span> = HashMap::new();
    let mut seen_methods: HashMap<String, Span> = HashMap::new();
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let mut statics = TokenStream::new();
    let mut methods = TokenStream::new();
    let mut refs = Vec::new();
    for op in &service.operations {
        let rbac = match op.rbac_name() {
            Ok(r) => r,
            Err(e) => {
                push(e);
                continue;
            }
        };
        if let Some(first) = seen_names.insert(op.name.value(), op.name.span()) {
            let mut e = syn::Error::new(
                op.name.span(),
                format!("operation `{}` is listed twice", op.name.value()),
            );
            e.combine(syn::Error::new(first, "first listed here"));
            push(e);
            continue;
        }
        if seen_methods.insert(op.method.to_string(), op.method.span()).is_some() {
            push(syn::Error::new(
                op.method.span(),
                format!("method `{}` is used by two operations", op.method),
            ));
            continue;
        }
        let stat = format_ident!("O_{}", op.method.to_string().trim_start_matches("r#"));
        let name = &op.name;
        let effect = if op.effect == "read" {
            quote!(::uc_wire::Effect::Read)
        } else {
            quote!(::uc_wire::Effect::Write)
        };
        let binding = match &op.binding {
            Binding::Soap {
                action,
                request_element,
                response_element,
            } => quote! {
                ::uc_wire::Binding::Soap { action: #action, request_element: #request_element,
                    response_element: #response_element, namespace: NAMESPACE, qualified: QUALIFIED }
            },
            Binding::Http { method, path } => quote!(::uc_wire::Binding::Http { method: #method, path: #path }),
        };
        let (req, res) = (&op.request, &op.response);
        let doc_text: String = op
            .docs
            .iter()
            .filter_map(|a| match &a.meta {
                syn::Meta::NameValue(nv) => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s), ..
                    }) => Some(s.value().trim().to_string()),
                    _ => None,
                },
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(" ");
        statics.extend(quote! {
            pub static #stat: ::uc_wire::OperationDescriptor = ::uc_wire::OperationDescriptor {
                product: PRODUCT, version: VERSION, name: #name, rbac_name: #rbac, effect: #effect,
                binding: #binding, request: <#req as ::uc_wire::Typed>::DESC,
                response: <#res as ::uc_wire::Typed>::DESC, doc: #doc_text,
                input_schema: ::uc_wire::json_schema::SchemaCache::new(),
            };
        });
        refs.push(stat.clone());
        let method = &op.method;
        let docs = &op.docs;
        let title = format!("`{}`", name.value());
        let title_doc = if docs.is_empty() {
            quote!(#[doc = #title])
        } else {
            quote!(#[doc = #title] #[doc = ""] #(#docs)*)
        };
        methods.extend(quote! {
            #title_doc
            pub fn #method(&self, request: #req) -> ::uc_wire::TypedCall<'_, #res> {
                self.inner.typed(&#stat, ::uc_wire::Wire::into_value(request))
            }
        });
    }
    if let Some(e) = errors {
        return Err(e);
    }
    let client = &service.client;
    let doc = &service.doc;
    Ok(quote! {
        #statics
        /// Every operation of this service, in schema order.
        pub static OPERATIONS: &[&::uc_wire::OperationDescriptor] = &[#(&#refs),*];

        ::uc_wire::service_client!(#client, #doc, ENDPOINT_PATH, OPERATIONS);

        impl #client {
            #methods
        }
    })
}

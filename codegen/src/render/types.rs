//! Rust items for IR types: structs, choice enums, enumerations, and their `Wire` glue.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use crate::ir::{Field, FieldTy, ScalarKind, Service, TypeDef, TypeKind};

/// The Rust type of one value of a field (before Option/Vec).
fn base_type(service: &Service, f: &FieldTy) -> TokenStream {
    match f {
        FieldTy::Scalar(s) => match s.kind {
            ScalarKind::String | ScalarKind::Union(_) | ScalarKind::Literals(_) => quote!(String),
            ScalarKind::Bool | ScalarKind::AxlBool => quote!(bool),
            ScalarKind::Int => quote!(i64),
            ScalarKind::UInt => quote!(u64),
            ScalarKind::Float => quote!(f64),
            ScalarKind::XInteger => quote!(XInteger),
        },
        FieldTy::Type(id) => {
            let n = ident(&service.types[*id].name);
            quote!(#n)
        }
        FieldTy::AnyType => quote!(AnyElement),
        FieldTy::AnyElements => quote!(AnyElements),
    }
}

/// The Rust type of a field: Box for cycles, Nillable, then Vec or Option by occurrence.
pub fn field_type(service: &Service, f: &Field) -> TokenStream {
    let mut t = base_type(service, &f.ty);
    if matches!(f.ty, FieldTy::AnyElements) {
        return t;
    }
    if f.boxed {
        t = quote!(Box<#t>);
    }
    if f.nillable {
        t = quote!(Nillable<#t>);
    }
    if f.is_list() {
        quote!(Vec<#t>)
    } else if f.min == 0 {
        quote!(Option<#t>)
    } else {
        t
    }
}

fn doc_attr(doc: &str) -> TokenStream {
    if doc.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[doc = #doc])
    }
}

pub fn render_type(service: &Service, t: &TypeDef) -> TokenStream {
    let name = ident(&t.name);
    let name_str = &t.name;
    let desc = ident(&format!("D_{}", t.name));
    let doc = doc_attr(&if t.doc.is_empty() {
        format!("`{}`", t.origin)
    } else {
        format!("{}\n\n`{}`", t.doc, t.origin)
    });
    let typed = quote! { impl Typed for #name { const DESC: &'static uc_wire::TypeDesc = &#desc; } };
    match &t.kind {
        TypeKind::Struct { attrs, text, fields } => {
            let mut decls = Vec::new();
            let mut names = Vec::new();
            for a in attrs {
                let n = ident(&a.rust_name);
                let ty = base_type(service, &a.ty);
                let ty = if a.required { ty } else { quote!(Option<#ty>) };
                let d = doc_attr(&format!("Attribute `{}`.", a.name));
                decls.push(quote!(#d pub #n: #ty));
                names.push(n);
            }
            if let Some(s) = text {
                let ty = base_type(service, &FieldTy::Scalar(s.clone()));
                decls.push(quote!(#[doc = "The element's text."] pub value: #ty));
                names.push(ident("value"));
            }
            for f in fields {
                let n = ident(&f.rust_name);
                let ty = field_type(service, f);
                let d = doc_attr(&field_doc(f));
                decls.push(quote!(#d pub #n: #ty));
                names.push(n);
            }
            quote! {
                #doc
                #[derive(Debug, Clone, PartialEq, Default)]
                pub struct #name { #(#decls,)* }
                impl Wire for #name {
                    fn into_value(self) -> Value { Value::Struct(vec![#(self.#names.into_value()),*]) }
                    fn from_value(v: Value) -> Result<Self, ShapeError> {
                        let mut m = members(v, #name_str)?;
                        let _ = &mut m;
                        Ok(Self { #(#names: take(&mut m)?,)* })
                    }
                }
                #typed
            }
        }
        TypeKind::Choice { variants } => {
            let mut decls = Vec::new();
            let mut into = Vec::new();
            let mut from = Vec::new();
            for (i, v) in variants.iter().enumerate() {
                let vn = ident(&v.rust_name);
                let ty = field_type(service, v);
                let d = doc_attr(&field_doc(v));
                let i = i as u32;
                decls.push(quote!(#d #vn(#ty)));
                into.push(quote!(#name::#vn(x) => Value::Choice(#i, Box::new(x.into_value()))));
                from.push(quote!(#i => Ok(#name::#vn(Wire::from_value(inner)?))));
            }
            let first = ident(&variants[0].rust_name);
            quote! {
                #doc
                #[derive(Debug, Clone, PartialEq)]
                pub enum #name { #(#decls,)* }
                impl Default for #name { fn default() -> Self { #name::#first(Default::default()) } }
                impl Wire for #name {
                    fn into_value(self) -> Value { match self { #(#into,)* } }
                    fn from_value(v: Value) -> Result<Self, ShapeError> {
                        let (i, inner) = choice_parts(v, #name_str)?;
                        match i { #(#from,)* _ => Err(ShapeError::new(#name_str, &Value::Choice(i, Box::new(inner)))) }
                    }
                }
                #typed
            }
        }
        TypeKind::Enum { values, open } => {
            let variants: Vec<_> = values.iter().map(|v| ident(&v.rust_name)).collect();
            let docs: Vec<_> = values.iter().map(|v| format!("`{}`", v.value)).collect();
            let first = &variants[0];
            let rest = &variants[1..];
            let rest_docs = &docs[1..];
            let first_doc = &docs[0];
            if *open {
                let idx: Vec<u32> = (0..values.len() as u32).collect();
                quote! {
                    #doc
                    #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
                    pub enum #name { #[doc = #first_doc] #[default] #first, #(#[doc = #rest_docs] #rest,)* /// Any other value (the schema's enumeration is open).
                    Other(String) }
                    impl Wire for #name {
                        fn into_value(self) -> Value { match self { #(#name::#variants => Value::Enum(#idx),)* #name::Other(s) => Value::Str(s) } }
                        fn from_value(v: Value) -> Result<Self, ShapeError> {
                            match enum_parts(v, #name_str)? {
                                #(Ok(#idx) => Ok(#name::#variants),)*
                                Ok(i) => Err(ShapeError::new(#name_str, &Value::Enum(i))),
                                Err(s) => Ok(#name::Other(s)),
                            }
                        }
                    }
                    #typed
                }
            } else {
                quote! {
                    #doc
                    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
                    pub enum #name { #[doc = #first_doc] #[default] #first, #(#[doc = #rest_docs] #rest,)* }
                    impl #name { const ALL: &'static [#name] = &[#(#name::#variants),*]; }
                    impl Wire for #name {
                        fn into_value(self) -> Value { Value::Enum(self as u32) }
                        fn from_value(v: Value) -> Result<Self, ShapeError> {
                            match enum_parts(v, #name_str)? {
                                Ok(i) => #name::ALL.get(i as usize).copied().ok_or(ShapeError::new(#name_str, &Value::Enum(i))),
                                Err(s) => Err(ShapeError::new(#name_str, &Value::Str(s))),
                            }
                        }
                    }
                    #typed
                }
            }
        }
    }
}

fn field_doc(f: &Field) -> String {
    let mut parts = Vec::new();
    if !f.doc.is_empty() {
        parts.push(f.doc.clone());
    }
    if !f.xml_name.is_empty() {
        parts.push(format!("Element `{}`.", f.xml_name));
    }
    if let Some(d) = &f.default {
        parts.push(format!("Default: `{d}`."));
    }
    parts.join("\n\n")
}

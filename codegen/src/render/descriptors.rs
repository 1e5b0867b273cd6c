//! Static descriptor tables (`D_<Type>`), with scalars shared as module constants.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use crate::ir::{Field, FieldTy, Scalar, ScalarKind, Service, TypeDef, TypeKind, UNBOUNDED};

/// Deduplicates scalars into `const S<n>: Scalar` items.
#[derive(Default)]
pub struct ScalarTable {
    ids: HashMap<Scalar, usize>,
    items: Vec<TokenStream>,
}

impl ScalarTable {
    pub fn get(&mut self, s: &Scalar) -> TokenStream {
        if let Some(id) = self.ids.get(s) {
            let n = ident(&format!("S{id}"));
            return quote!(#n);
        }
        let kind = match &s.kind {
            ScalarKind::String => quote!(ScalarKind::String),
            ScalarKind::Bool => quote!(ScalarKind::Bool),
            ScalarKind::AxlBool => quote!(ScalarKind::AxlBool),
            ScalarKind::Int => quote!(ScalarKind::Int),
            ScalarKind::UInt => quote!(ScalarKind::UInt),
            ScalarKind::Float => quote!(ScalarKind::Float),
            ScalarKind::XInteger => quote!(ScalarKind::XInteger),
            ScalarKind::Union(members) => {
                let m: Vec<_> = members.iter().map(|m| self.get(m)).collect();
                quote!(ScalarKind::Union(&[#(#m),*]))
            }
            ScalarKind::Literals(values) => quote!(ScalarKind::Literals(&[#(#values),*])),
        };
        let mut expr = quote!(Scalar::of(#kind));
        if s.min_len.is_some() || s.max_len.is_some() {
            let (a, b) = (opt_u32(s.min_len), opt_u32(s.max_len));
            expr = quote!(#expr.len(#a, #b));
        }
        if s.min.is_some() || s.max.is_some() {
            let (a, b) = (opt_i64(s.min), opt_i64(s.max));
            expr = quote!(#expr.range(#a, #b));
        }
        if let Some(p) = &s.pattern {
            expr = quote!(#expr.pattern(#p));
        }
        let id = self.items.len();
        let n = ident(&format!("S{id}"));
        self.items.push(quote!(const #n: Scalar = #expr;));
        self.ids.insert(s.clone(), id);
        quote!(#n)
    }

    pub fn render(&self) -> TokenStream {
        let items = &self.items;
        quote!(#(#items)*)
    }
}

fn opt_u32(v: Option<u32>) -> TokenStream {
    match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

fn opt_i64(v: Option<i64>) -> TokenStream {
    match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

fn field_type(service: &Service, ty: &FieldTy, scalars: &mut ScalarTable) -> TokenStream {
    match ty {
        FieldTy::Scalar(s) => {
            let s = scalars.get(s);
            quote!(FieldType::Scalar(#s))
        }
        FieldTy::Type(id) => {
            let d = ident(&format!("D_{}", service.types[*id].name));
            quote!(FieldType::Type(&#d))
        }
        FieldTy::AnyType => quote!(FieldType::AnyType),
        FieldTy::AnyElements => quote!(FieldType::AnyElements),
    }
}

fn field_desc(service: &Service, f: &Field, scalars: &mut ScalarTable) -> TokenStream {
    let name = &f.xml_name;
    let ty = field_type(service, &f.ty, scalars);
    let min = f.min;
    let max = if f.max == UNBOUNDED {
        quote!(UNBOUNDED)
    } else {
        let m = f.max;
        quote!(#m)
    };
    let mut expr = quote!(FieldDesc::new(#name, #ty, #min, #max));
    if f.nillable {
        expr = quote!(#expr.nillable());
    }
    if let Some(d) = &f.default {
        expr = quote!(#expr.default_value(#d));
    }
    if !f.doc.is_empty() {
        let d = &f.doc;
        expr = quote!(#expr.doc(#d));
    }
    expr
}

pub fn render_type_desc(service: &Service, t: &TypeDef, scalars: &mut ScalarTable) -> TokenStream {
    let desc = ident(&format!("D_{}", t.name));
    let name = &t.name;
    let origin = &t.origin;
    let doc = &t.doc;
    let kind = match &t.kind {
        TypeKind::Struct { attrs, text, fields } => {
            let a: Vec<_> = attrs
                .iter()
                .map(|a| {
                    let (n, j, r) = (&a.name, &a.json, a.required);
                    let ty = field_type(service, &a.ty, scalars);
                    quote!(AttrDesc::new(#n, #j, #ty, #r))
                })
                .collect();
            let text = match text {
                Some(s) => {
                    let s = scalars.get(s);
                    quote!(Some(#s))
                }
                None => quote!(None),
            };
            let f: Vec<_> = fields.iter().map(|f| field_desc(service, f, scalars)).collect();
            quote!(TypeKind::Struct { attrs: &[#(#a),*], text: #text, fields: &[#(#f),*] })
        }
        TypeKind::Choice { variants } => {
            let v: Vec<_> = variants.iter().map(|f| field_desc(service, f, scalars)).collect();
            quote!(TypeKind::Choice { variants: &[#(#v),*] })
        }
        TypeKind::Enum { values, open } => {
            let v: Vec<_> = values.iter().map(|v| &v.value).collect();
            quote!(TypeKind::Enum { values: &[#(#v),*], open: #open })
        }
    };
    quote! {
        pub static #desc: TypeDesc = TypeDesc { name: #name, xsd: #origin, doc: #doc, kind: #kind };
    }
}

//! Stage 3, passes over the IR, one file each, run in this order by [`run_all`].

pub mod assign_rust_names;
pub mod box_recursive_fields;
pub mod derive_effect;
pub mod share_across_versions;

use crate::ir::Service;

pub fn run_all(service: &mut Service) {
    derive_effect::run(service);
    assign_rust_names::run(service);
    box_recursive_fields::run(service);
}

//! Read or write, from the operation name's verb. Unknown verbs count as writes, so a new
//! kind of operation is never mistaken for a harmless one.

use crate::ir::{Effect, Service};

/// Verbs whose operations only read. `executeSQLQuery` reads; `executeSQLUpdate` writes.
const READ_PREFIXES: &[&str] = &["get", "list", "select", "search", "executeSQLQuery", "query", "check"];

pub fn effect_of(name: &str) -> Effect {
    let reads = READ_PREFIXES.iter().any(|p| {
        name.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_uppercase()) || p.len() > 6)
    });
    if reads && !name.starts_with("executeSQLUpdate") {
        Effect::Read
    } else {
        Effect::Write
    }
}

pub fn run(service: &mut Service) {
    for op in &mut service.operations {
        if matches!(op.binding, crate::ir::Binding::Soap { .. }) {
            op.effect = effect_of(&op.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_map_to_effects() {
        assert_eq!(effect_of("getPhone"), Effect::Read);
        assert_eq!(effect_of("listPhone"), Effect::Read);
        assert_eq!(effect_of("executeSQLQuery"), Effect::Read);
        assert_eq!(effect_of("executeSQLUpdate"), Effect::Write);
        assert_eq!(effect_of("selectCmDevice"), Effect::Read);
        assert_eq!(effect_of("addPhone"), Effect::Write);
        assert_eq!(effect_of("doLdapSync"), Effect::Write);
        assert_eq!(effect_of("getter"), Effect::Write);
        assert_eq!(effect_of("wipePhone"), Effect::Write);
    }
}

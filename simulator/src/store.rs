//! The simulator's database: AXL objects kept as XML element trees per entity (`Phone`,
//! `Line`, `User`, ...), in the shape `add*` requests give them, plus device registration
//! state for RIS.

use std::collections::BTreeMap;

use uc_wire::xml::Element;

/// One stored object: its `{UPPERCASE-UUID}` and element (`<phone uuid=...>...</phone>`).
#[derive(Debug, Clone)]
pub struct Object {
    pub uuid: String,
    pub element: Element,
}

impl Object {
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.element.child(name).map(|c| c.text.as_str())
    }
}

/// Registration state of a device, as RIS reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub status: &'static str,
    pub node: String,
    pub ip: String,
    pub timestamp: u64,
}

#[derive(Debug, Default)]
pub struct Store {
    pub tables: BTreeMap<String, Vec<Object>>,
    pub registrations: BTreeMap<String, Registration>,
    next_id: u64,
}

/// The element that identifies an object of an entity: `name` for most, `userid` for users,
/// `pattern` (with its partition) for lines.
pub fn key_of(element: &Element) -> String {
    if let Some(u) = element.child("userid") {
        return u.text.clone();
    }
    if let Some(p) = element.child("pattern") {
        let partition = element
            .child("routePartitionName")
            .map(|c| c.text.as_str())
            .unwrap_or("");
        return format!("{}/{}", p.text, partition);
    }
    element.child("name").map(|c| c.text.clone()).unwrap_or_default()
}

impl Store {
    /// CUCM-style id: `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`, deterministic per store.
    pub fn new_uuid(&mut self, seed: u64) -> String {
        self.next_id += 1;
        let n = self.next_id ^ seed.rotate_left(17);
        let a = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let b = a.rotate_left(29) ^ 0xD1B5_4A32_D192_ED03;
        format!(
            "{{{:08X}-{:04X}-{:04X}-{:04X}-{:012X}}}",
            (a >> 32) as u32,
            (a >> 16) as u16,
            a as u16,
            (b >> 48) as u16,
            b & 0xFFFF_FFFF_FFFF
        )
    }

    pub fn table(&mut self, entity: &str) -> &mut Vec<Object> {
        self.tables.entry(entity.to_string()).or_default()
    }

    pub fn find(&self, entity: &str, by: &Lookup) -> Option<usize> {
        let table = self.tables.get(entity)?;
        table.iter().position(|o| match by {
            Lookup::Uuid(u) => o.uuid.eq_ignore_ascii_case(u),
            Lookup::Key(k) => key_of(&o.element).eq_ignore_ascii_case(k),
        })
    }

    pub fn insert(&mut self, entity: &str, mut element: Element, seed: u64) -> Result<String, String> {
        let key = key_of(&element);
        if self.find(entity, &Lookup::Key(key.clone())).is_some() {
            return Err(key);
        }
        let uuid = self.new_uuid(seed);
        element.attrs.retain(|(k, _)| k != "uuid");
        element.attrs.push(("uuid".into(), uuid.clone()));
        self.table(entity).push(Object {
            uuid: uuid.clone(),
            element,
        });
        Ok(uuid)
    }
}

/// How a request names an object.
#[derive(Debug, Clone)]
pub enum Lookup {
    Uuid(String),
    Key(String),
}

/// `%` (any run) and `_` (one character) as in AXL search criteria; case-insensitive.
pub fn like(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('%'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some('_'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_matches_axl_wildcards() {
        assert!(like("SEP%", "SEP001122334455"));
        assert!(like("%lobby%", "Main Lobby phone"));
        assert!(like("SEP00112233445_", "SEP001122334455"));
        assert!(!like("SEP%", "CSFjdoe"));
        assert!(like("%", ""));
    }

    #[test]
    fn uuids_look_like_cucm_ones_and_are_unique() {
        let mut s = Store::default();
        let a = s.new_uuid(1);
        let b = s.new_uuid(1);
        assert_ne!(a, b);
        assert_eq!(a.len(), 38);
        assert!(
            a.starts_with('{')
                && a.ends_with('}')
                && a[1..37]
                    .chars()
                    .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
        );
    }
}

//! Identifier cleaning: schema names to Rust type, field and variant names.

/// `getPhone` -> `GetPhone`, `Etc/GMT+0` -> `EtcGmtPlus0`; keeps inner capitals of one word.
pub fn pascal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut upper_next = true;
    for c in s.chars() {
        if c == '+' {
            out.push_str("Plus");
            upper_next = true;
        } else if c.is_ascii_alphanumeric() {
            if upper_next {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper_next = false;
        } else {
            upper_next = true;
        }
    }
    if out.is_empty() {
        out.push_str("Empty");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// `returnedTags` -> `returned_tags`, `URL` -> `url`, `isDND` -> `is_dnd`.
pub fn snake(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() {
                let prev = i.checked_sub(1).map(|j| chars[j]);
                let next = chars.get(i + 1);
                let boundary = match prev {
                    Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                    Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                    _ => false,
                };
                if boundary && !out.is_empty() && !out.ends_with('_') {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() {
        return "field".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("n{out}");
    }
    out
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait",
    "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// A name usable as a Rust identifier token: keywords become raw (`r#type`); the few that
/// cannot be raw get a trailing underscore.
pub fn ident_text(name: &str) -> String {
    match name {
        "self" | "Self" | "super" | "crate" | "_" => format!("{name}_"),
        n if KEYWORDS.contains(&n) => format!("r#{n}"),
        n => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_cleans_values_that_are_not_identifiers() {
        assert_eq!(pascal("getPhone"), "GetPhone");
        assert_eq!(pascal("Etc/GMT+0"), "EtcGMTPlus0");
        assert_eq!(pascal("Etc/GMT-0"), "EtcGMT0");
        assert_eq!(pascal("802.11"), "V80211");
        assert_eq!(pascal(""), "Empty");
    }

    #[test]
    fn snake_splits_words_and_acronyms() {
        assert_eq!(snake("returnedTags"), "returned_tags");
        assert_eq!(snake("URL"), "url");
        assert_eq!(snake("isDNDEnabled"), "is_dnd_enabled");
        assert_eq!(snake("MaxReturnedDevices"), "max_returned_devices");
        assert_eq!(snake("e164Mask"), "e164_mask");
        assert_eq!(ident_text("type"), "r#type");
        assert_eq!(ident_text("self"), "self_");
    }
}

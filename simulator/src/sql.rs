//! A small SQL dialect over the stored objects, enough for the typical AXL
//! executeSQLQuery/executeSQLUpdate statements on `device`, `numplan` and `enduser`:
//! `select a, b from t [where c = 'x' | c like 'x%' [and ...]] [order by c]`,
//! `update t set c = 'x'[, ...] where ...`.

use crate::store::{like, Object, Store};

/// table -> (entity in the store, [(column, element child)])
fn table(name: &str) -> Option<(&'static str, &'static [(&'static str, &'static str)])> {
    Some(match name {
        "device" => (
            "Phone",
            &[
                ("name", "name"),
                ("description", "description"),
                ("model", "model"),
                ("protocol", "protocol"),
                ("devicepool", "devicePoolName"),
            ],
        ),
        "numplan" => (
            "Line",
            &[
                ("dnorpattern", "pattern"),
                ("description", "description"),
                ("alertingname", "alertingName"),
                ("routepartition", "routePartitionName"),
            ],
        ),
        "enduser" => (
            "User",
            &[
                ("userid", "userid"),
                ("firstname", "firstName"),
                ("lastname", "lastName"),
                ("mailid", "mailid"),
                ("department", "department"),
                ("telephonenumber", "telephoneNumber"),
            ],
        ),
        _ => return None,
    })
}

/// One result row: columns in select order.
pub type Row = Vec<(String, String)>;

#[derive(Debug, Clone, PartialEq)]
enum Cond {
    Eq(String, String),
    Like(String, String),
}

fn tokens(sql: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '\'' {
            chars.next();
            let mut s = String::from("'");
            loop {
                match chars.next() {
                    Some('\'') if chars.peek() == Some(&'\'') => {
                        chars.next();
                        s.push('\'');
                    }
                    Some('\'') => break,
                    Some(ch) => s.push(ch),
                    None => return Err("unterminated string literal".into()),
                }
            }
            out.push(s);
        } else if c == ',' || c == '=' || c == '*' {
            out.push(c.to_string());
            chars.next();
        } else {
            let mut s = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_alphanumeric() || ch == '_' || ch == '.' {
                    s.push(ch);
                    chars.next();
                } else {
                    break;
                }
            }
            if s.is_empty() {
                return Err(format!("unexpected character '{c}'"));
            }
            out.push(s.to_lowercase());
        }
    }
    Ok(out)
}

fn literal(t: Option<&String>) -> Result<String, String> {
    match t {
        Some(s) if s.starts_with('\'') => Ok(s[1..].to_string()),
        other => Err(format!("expected a quoted value, found {other:?}")),
    }
}

fn conditions(t: &[String]) -> Result<(Vec<Cond>, usize), String> {
    let mut conds = Vec::new();
    let mut i = 0;
    while i + 2 < t.len() + 1 && i < t.len() {
        if t[i] == "order" {
            break;
        }
        let col = t[i].rsplit('.').next().unwrap_or(&t[i]).to_string();
        let op = t.get(i + 1).ok_or("incomplete condition")?;
        let value = literal(t.get(i + 2))?;
        conds.push(match op.as_str() {
            "=" => Cond::Eq(col, value),
            "like" => Cond::Like(col, value),
            other => return Err(format!("unsupported operator '{other}'")),
        });
        i += 3;
        if t.get(i).map(String::as_str) == Some("and") {
            i += 1;
        }
    }
    Ok((conds, i))
}

fn value_of(o: &Object, cols: &[(&str, &str)], col: &str) -> Option<String> {
    if col == "pkid" {
        return Some(o.uuid.trim_matches(|c| c == '{' || c == '}').to_lowercase());
    }
    cols.iter()
        .find(|(c, _)| *c == col)
        .map(|(_, child)| o.child_text(child).unwrap_or("").to_string())
}

fn matches(o: &Object, cols: &[(&str, &str)], conds: &[Cond]) -> Result<bool, String> {
    for c in conds {
        let (col, pat, is_like) = match c {
            Cond::Eq(c, v) => (c, v, false),
            Cond::Like(c, v) => (c, v, true),
        };
        let v = value_of(o, cols, col)
            .ok_or_else(|| format!("Column ({col}) not found in any table in the query (or SLV is undefined)."))?;
        let ok = if is_like {
            like(pat, &v)
        } else {
            v.eq_ignore_ascii_case(pat)
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

pub fn query(store: &Store, sql: &str) -> Result<Vec<Row>, String> {
    let t = tokens(sql)?;
    if t.first().map(String::as_str) != Some("select") {
        return Err("executeSQLQuery accepts only select statements".into());
    }
    let from = t
        .iter()
        .position(|x| x == "from")
        .ok_or("A syntax error has occurred.")?;
    let cols_tok: Vec<&String> = t[1..from].iter().filter(|x| *x != ",").collect();
    let name = t.get(from + 1).ok_or("A syntax error has occurred.")?;
    let (entity, cols) = table(name).ok_or_else(|| format!("The specified table ({name}) is not in the database."))?;
    let selected: Vec<String> = if cols_tok.len() == 1 && cols_tok[0] == "*" {
        std::iter::once("pkid".to_string())
            .chain(cols.iter().map(|(c, _)| c.to_string()))
            .collect()
    } else {
        cols_tok
            .iter()
            .map(|c| c.rsplit('.').next().unwrap_or(c).to_string())
            .collect()
    };
    let mut rest = &t[from + 2..];
    let mut conds = Vec::new();
    if rest.first().map(String::as_str) == Some("where") {
        let (c, used) = conditions(&rest[1..])?;
        conds = c;
        rest = &rest[1 + used..];
    }
    let order = match rest {
        [o, b, col, ..] if o == "order" && b == "by" => Some(col.clone()),
        [] => None,
        other => return Err(format!("A syntax error has occurred near '{}'.", other.join(" "))),
    };
    let mut rows = Vec::new();
    for o in store.tables.get(entity).map(Vec::as_slice).unwrap_or(&[]) {
        if matches(o, cols, &conds)? {
            let mut row = Vec::new();
            for c in &selected {
                let v = value_of(o, cols, c).ok_or_else(|| {
                    format!("Column ({c}) not found in any table in the query (or SLV is undefined).")
                })?;
                row.push((c.clone(), v));
            }
            rows.push(row);
        }
    }
    if let Some(col) = order {
        let idx = selected
            .iter()
            .position(|c| *c == col)
            .ok_or_else(|| format!("order by column {col} is not selected"))?;
        rows.sort_by(|a, b| a[idx].1.cmp(&b[idx].1));
    }
    Ok(rows)
}

pub fn update(store: &mut Store, sql: &str) -> Result<u64, String> {
    let t = tokens(sql)?;
    if t.first().map(String::as_str) != Some("update") {
        return Err("executeSQLUpdate accepts update statements".into());
    }
    let name = t.get(1).ok_or("A syntax error has occurred.")?;
    let (entity, cols) = table(name).ok_or_else(|| format!("The specified table ({name}) is not in the database."))?;
    if t.get(2).map(String::as_str) != Some("set") {
        return Err("A syntax error has occurred.".into());
    }
    let where_at = t
        .iter()
        .position(|x| x == "where")
        .ok_or("updates without a where clause are refused")?;
    let mut sets = Vec::new();
    let mut i = 3;
    while i < where_at {
        let col = t[i].clone();
        if t.get(i + 1).map(String::as_str) != Some("=") {
            return Err("A syntax error has occurred.".into());
        }
        let child = cols
            .iter()
            .find(|(c, _)| *c == col)
            .map(|(_, e)| *e)
            .ok_or_else(|| format!("Column ({col}) not found in any table in the query (or SLV is undefined)."))?;
        sets.push((child, literal(t.get(i + 2))?));
        i += 3;
        if t.get(i).map(String::as_str) == Some(",") {
            i += 1;
        }
    }
    let (conds, _) = conditions(&t[where_at + 1..])?;
    let mut n = 0;
    for o in store.tables.get_mut(entity).map(Vec::as_mut_slice).unwrap_or(&mut []) {
        if matches(o, cols, &conds)? {
            for (child, value) in &sets {
                match o.element.children.iter_mut().find(|c| c.name == *child) {
                    Some(c) => c.text = value.clone(),
                    None => o.element.children.push(crate::seed::leaf(child, value)),
                }
            }
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_where_like_order_and_update() {
        let mut store = Store::default();
        crate::seed::populate(&mut store, 1, 20);
        let rows = query(
            &store,
            "select name, description from device where name like 'SEP%' order by name",
        )
        .unwrap();
        assert_eq!(rows.len(), 20);
        assert_eq!(rows[0][0].0, "name");
        assert!(rows.windows(2).all(|w| w[0][0].1 <= w[1][0].1));
        let first = rows[0][0].1.clone();
        assert_eq!(
            update(
                &mut store,
                &format!("update device set description = 'It''s new' where name = '{first}'")
            )
            .unwrap(),
            1
        );
        let rows = query(
            &store,
            &format!("select device.description from device where device.name = '{first}'"),
        )
        .unwrap();
        assert_eq!(rows[0][0].1, "It's new");
        assert!(query(&store, "select x from nosuch")
            .unwrap_err()
            .contains("not in the database"));
        assert!(query(&store, "select nosuch from device")
            .unwrap_err()
            .contains("Column (nosuch)"));
    }
}

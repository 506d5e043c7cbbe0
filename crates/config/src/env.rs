//! Environment overrides: `TRIBUTARY_<SECTION>__<KEY>=value`.
//!
//! Names are case-insensitive and `__` separates path segments. The arrays of
//! tables are addressed by entry name (`TRIBUTARY_CHAIN__BSC__RPC`; `-` in a
//! name matches `_`) or by zero-based index (`TRIBUTARY_CHAIN__0__RPC`).
//! Variables that start with `TRIBUTARY_` but contain no `__` (such as a CLI's
//! `TRIBUTARY_CONFIG`) are not overrides and are ignored.

use std::str::FromStr;

use toml::de::DeValue;

use crate::model::ContractKind;
use crate::read::Ctx;
use crate::schema::{self, Shape};
use crate::templates;
use crate::tree::{Entry, Node, Origin, Value};

const PREFIX: &str = "TRIBUTARY_";

/// Applies every override in `env` to `root`, recording a problem (naming the
/// variable) for each one that names no existing key.
pub(crate) fn apply(ctx: &mut Ctx, root: &mut Node, env: &[(String, String)]) {
    let mut overrides: Vec<(&str, Vec<String>, &str)> = env
        .iter()
        .filter_map(|(name, value)| {
            let head = name.get(..PREFIX.len())?;
            let rest = name.get(PREFIX.len()..)?;
            (head.eq_ignore_ascii_case(PREFIX) && rest.contains("__")).then(|| {
                let segments = rest.split("__").map(str::to_ascii_lowercase).collect();
                (name.as_str(), segments, value.as_str())
            })
        })
        .collect();
    overrides.sort_by(|a, b| a.0.cmp(b.0));
    for (name, segments, value) in overrides {
        if let Err(message) = apply_one(root, name, &segments, value) {
            ctx.error(&Origin::Env(name.to_owned()), segments.join("."), message);
        }
    }
}

fn apply_one(root: &mut Node, var: &str, segments: &[String], raw: &str) -> Result<(), String> {
    if segments.iter().any(String::is_empty) {
        return Err("malformed override name: empty segment between `__`".into());
    }
    let (section, rest) = segments
        .split_first()
        .ok_or_else(|| "malformed override name".to_owned())?;
    let (table, rest): (&mut Node, &[String]) = match section.as_str() {
        "database" | "api" | "cache" => (child_table(root, section, var)?, rest),
        "chain" | "contract" => {
            let (selector, rest) = rest
                .split_first()
                .ok_or_else(|| format!("name a {section} (by name or index) and a key"))?;
            (select_entry(root, section, selector)?, rest)
        }
        other => {
            return Err(format!(
                "unknown section \"{other}\"; expected one of: {}",
                schema::ROOT.join(", ")
            ));
        }
    };
    let Some((key, sub)) = rest.split_first() else {
        return Err(format!("name a key of [{section}]"));
    };
    let shape = schema::shape(section, key).ok_or_else(|| {
        format!(
            "unknown key \"{key}\" in [{section}]; expected one of: {}",
            schema::keys(section).join(", ")
        )
    })?;
    match (shape, sub) {
        (_, []) => {
            set(table, key, value(shape, raw, var), var);
            Ok(())
        }
        (Shape::Table(keys), [sub_key]) => {
            if !keys.contains(&sub_key.as_str()) {
                return Err(format!(
                    "unknown key \"{sub_key}\" in {key}; expected one of: {}",
                    keys.join(", ")
                ));
            }
            let inner = child_table(table, key, var)?;
            set(inner, sub_key, value(Shape::Str, raw, var), var);
            Ok(())
        }
        (Shape::Events, [role]) => {
            let role = canonical_role(table, role);
            let inner = child_table(table, key, var)?;
            // A signature or an ABI event name stays a string; `false` switches an optional role off.
            set(inner, &role, value(Shape::Scalar, raw, var), var);
            Ok(())
        }
        _ => Err(format!("\"{key}\" takes no sub-keys here")),
    }
}

/// The table `key` of `node`, created (as coming from `var`) when missing.
fn child_table<'a>(node: &'a mut Node, key: &str, var: &str) -> Result<&'a mut Node, String> {
    let Value::Table(entries) = &mut node.value else {
        return Err("the enclosing value is not a table".into());
    };
    let i = match entries.iter().position(|e| e.key == key) {
        Some(i) => i,
        None => {
            entries.push(Entry {
                key: key.to_owned(),
                key_origin: Origin::Env(var.to_owned()),
                node: Node {
                    value: Value::Table(Vec::new()),
                    origin: Origin::Env(var.to_owned()),
                },
            });
            entries.len() - 1
        }
    };
    let child = &mut entries[i].node;
    if matches!(child.value, Value::Table(_)) {
        Ok(child)
    } else {
        Err(format!("\"{key}\" in the file is not a table"))
    }
}

/// The `[[section]]` entry selected by index or by (case-insensitive) name.
fn select_entry<'a>(
    root: &'a mut Node,
    section: &str,
    selector: &str,
) -> Result<&'a mut Node, String> {
    let Some(Node {
        value: Value::Array(items),
        ..
    }) = root_entry(root, section)
    else {
        return Err(format!("the file has no [[{section}]] entries to override"));
    };
    let by_name = |n: &Node| {
        n.get("name")
            .and_then(Node::as_str)
            .is_some_and(|name| name.replace('-', "_").eq_ignore_ascii_case(selector))
    };
    let index = match selector.parse::<usize>() {
        Ok(i) if i < items.len() => i,
        Ok(i) => {
            return Err(format!(
                "no {section}[{i}]: the file has {} [[{section}]] entries",
                items.len()
            ));
        }
        Err(_) => items.iter().position(by_name).ok_or_else(|| {
            let names: Vec<&str> = items
                .iter()
                .filter_map(|n| n.get("name").and_then(Node::as_str))
                .collect();
            format!(
                "no {section} named \"{selector}\" (configured: {})",
                names.join(", ")
            )
        })?,
    };
    let item = &mut items[index];
    if matches!(item.value, Value::Table(_)) {
        Ok(item)
    } else {
        Err(format!("{section}[{index}] is not a table"))
    }
}

fn root_entry<'a>(root: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    match &mut root.value {
        Value::Table(entries) => entries
            .iter_mut()
            .find(|e| e.key == key)
            .map(|e| &mut e.node),
        _ => None,
    }
}

/// The role name of the contract's kind that matches `segment` ignoring case;
/// the segment itself when there is none (validation then reports it).
fn canonical_role(contract: &Node, segment: &str) -> String {
    let kind = contract
        .get("kind")
        .and_then(Node::as_str)
        .and_then(|k| ContractKind::from_str(k).ok());
    kind.and_then(|kind| {
        templates::roles(kind)
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(segment))
    })
    .map_or_else(|| segment.to_owned(), |r| r.name.to_owned())
}

/// Sets `key` of the table `node` to `value`, replacing any existing entry.
fn set(node: &mut Node, key: &str, value: Node, var: &str) {
    if let Value::Table(entries) = &mut node.value {
        let entry = Entry {
            key: key.to_owned(),
            key_origin: Origin::Env(var.to_owned()),
            node: value,
        };
        match entries.iter_mut().find(|e| e.key == key) {
            Some(existing) => *existing = entry,
            None => entries.push(entry),
        }
    }
}

/// The value of an override: parsed as TOML where `shape` allows, else the raw text.
fn value(shape: Shape, raw: &str, var: &str) -> Node {
    let origin_of = |_| Origin::Env(var.to_owned());
    let trimmed = raw.trim();
    let try_toml = match shape {
        Shape::Str => trimmed.starts_with('"') || trimmed.starts_with('\''),
        Shape::Scalar => true,
        Shape::List => trimmed.starts_with('['),
        Shape::Table(_) => trimmed.starts_with('{'),
        Shape::Events => trimmed.starts_with('[') || trimmed.starts_with('{'),
    };
    let parsed = try_toml.then(|| DeValue::parse(trimmed).ok()).flatten();
    match parsed {
        Some(parsed) if shape != Shape::Str || parsed.get_ref().is_str() => {
            Node::from_de(&parsed, &origin_of)
        }
        _ => Node {
            value: Value::String(raw.to_owned()),
            origin: Origin::Env(var.to_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(shape: Shape, raw: &str) -> Value {
        value(shape, raw, "TRIBUTARY_X__Y").value
    }

    #[test]
    fn values_are_parsed_as_the_key_expects() {
        assert!(matches!(parsed(Shape::Scalar, "12"), Value::Integer(12)));
        assert!(matches!(
            parsed(Shape::Scalar, "false"),
            Value::Boolean(false)
        ));
        assert!(matches!(
            parsed(Shape::Scalar, "event A(uint256 x)"),
            Value::String(_)
        ));
        // An address is hex digits after 0x: never read as a TOML integer.
        let address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
        assert!(matches!(parsed(Shape::List, address), Value::String(ref s) if s == address));
        assert!(
            matches!(parsed(Shape::List, "[\"a\", \"b\"]"), Value::Array(ref a) if a.len() == 2)
        );
        // A string key stays a string even when it looks like a number or is quoted.
        assert!(matches!(parsed(Shape::Str, "8080"), Value::String(ref s) if s == "8080"));
        assert!(matches!(parsed(Shape::Str, "\"quoted\""), Value::String(ref s) if s == "quoted"));
        assert!(
            matches!(parsed(Shape::Table(&[]), "{ a = \"b\" }"), Value::Table(ref t) if t.len() == 1)
        );
    }

    #[test]
    fn every_value_of_an_override_comes_from_its_variable() {
        let node = value(Shape::List, "[\"a\"]", "TRIBUTARY_CHAIN__0__RPC");
        let Value::Array(items) = &node.value else {
            panic!("expected an array: {node:?}");
        };
        let env = Origin::Env("TRIBUTARY_CHAIN__0__RPC".into());
        assert_eq!(node.origin, env);
        assert_eq!(items[0].origin, env);
    }
}

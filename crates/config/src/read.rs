//! Typed reading of the [`Node`] tree that records every problem instead of
//! stopping at the first.

use std::path::{Path, PathBuf};

use crate::error::ConfigError;
use crate::tree::{Entry, LineIndex, Node, Origin, Value};

/// The state of one load: the file, its text positions and the problems found.
pub(crate) struct Ctx {
    /// The configuration file as the caller named it (for messages).
    pub file: PathBuf,
    /// The absolute directory relative paths in the file are resolved against.
    pub dir: PathBuf,
    lines: LineIndex,
    /// Every problem found so far.
    pub errors: Vec<ConfigError>,
}

impl Ctx {
    /// A fresh context for `text`, read from `file`.
    pub fn new(file: &Path, text: &str) -> Self {
        let parent = file.parent().unwrap_or(Path::new(""));
        let dir = std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf());
        Self {
            file: file.to_path_buf(),
            dir,
            lines: LineIndex::new(text),
            errors: Vec::new(),
        }
    }

    /// Records a problem with the value or key at `origin`.
    pub fn error(&mut self, origin: &Origin, key: impl Into<String>, message: impl Into<String>) {
        let (line, column, source_env) = match origin {
            Origin::File(span) => {
                let (line, column) = self.lines.position(span.start);
                (Some(line), Some(column), None)
            }
            Origin::Env(var) => (None, None, Some(var.clone())),
        };
        self.errors.push(ConfigError {
            file: self.file.clone(),
            line,
            column,
            key: key.into(),
            message: message.into(),
            source_env,
        });
    }

    fn type_error(&mut self, key: &str, node: &Node, expected: &str) {
        let message = format!("expected {expected}, found {}", node.value.type_name());
        self.error(&node.origin, key, message);
    }

    /// `node` as a string.
    pub fn string<'a>(&mut self, key: &str, node: &'a Node) -> Option<&'a str> {
        match &node.value {
            Value::String(s) => Some(s),
            _ => {
                self.type_error(key, node, "a string");
                None
            }
        }
    }

    /// `node` as a non-negative integer.
    pub fn uint(&mut self, key: &str, node: &Node) -> Option<u64> {
        match node.value {
            Value::Integer(i) => match u64::try_from(i) {
                Ok(v) => Some(v),
                Err(_) if i < 0 => {
                    self.error(
                        &node.origin,
                        key,
                        format!("must not be negative, found {i}"),
                    );
                    None
                }
                Err(_) => {
                    self.error(&node.origin, key, format!("{i} is out of range"));
                    None
                }
            },
            _ => {
                self.type_error(key, node, "a non-negative integer");
                None
            }
        }
    }

    /// `node` as a boolean.
    pub fn boolean(&mut self, key: &str, node: &Node) -> Option<bool> {
        match node.value {
            Value::Boolean(b) => Some(b),
            _ => {
                self.type_error(key, node, "a boolean");
                None
            }
        }
    }

    /// `node` as an array.
    pub fn array<'a>(&mut self, key: &str, node: &'a Node) -> Option<&'a [Node]> {
        match &node.value {
            Value::Array(items) => Some(items),
            _ => {
                self.type_error(key, node, "an array");
                None
            }
        }
    }

    /// `node` as a list of strings, each with its own key (`key[i]`); a single
    /// string is accepted as a list of one when `allow_single`.
    pub fn strings<'a>(
        &mut self,
        key: &str,
        node: &'a Node,
        allow_single: bool,
    ) -> Option<Vec<(String, &'a str, &'a Node)>> {
        match &node.value {
            Value::String(s) if allow_single => Some(vec![(key.to_owned(), s.as_str(), node)]),
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    let item_key = format!("{key}[{i}]");
                    match self.string(&item_key, item) {
                        Some(s) => out.push((item_key, s, item)),
                        None => ok = false,
                    }
                }
                ok.then_some(out)
            }
            _ => {
                let expected = if allow_single {
                    "a string or an array of strings"
                } else {
                    "an array of strings"
                };
                self.type_error(key, node, expected);
                None
            }
        }
    }

    /// `node` as a table whose keys must be among `known`.
    pub fn table<'a>(
        &mut self,
        key: &str,
        node: &'a Node,
        known: &'static [&'static str],
    ) -> Option<Fields<'a>> {
        match &node.value {
            Value::Table(entries) => Some(Fields {
                path: key.to_owned(),
                origin: &node.origin,
                entries,
                known,
                used: vec![false; entries.len()],
            }),
            _ => {
                self.type_error(key, node, "a table");
                None
            }
        }
    }
}

/// The keys of one table being read; reports keys nobody asked for.
pub(crate) struct Fields<'a> {
    /// The table's own key path (empty for the root).
    pub path: String,
    /// Where the table starts (used for missing keys).
    pub origin: &'a Origin,
    entries: &'a [Entry],
    known: &'static [&'static str],
    used: Vec<bool>,
}

impl<'a> Fields<'a> {
    /// The full path of `key` inside this table.
    pub fn key(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The value of `key`, if present.
    pub fn get(&mut self, key: &str) -> Option<&'a Node> {
        debug_assert!(self.known.contains(&key), "{key} is not a known key");
        let entries = self.entries;
        let i = entries.iter().position(|e| e.key == key)?;
        self.used[i] = true;
        Some(&entries[i].node)
    }

    /// The value of `key`, recording a problem when it is missing.
    pub fn required(&mut self, ctx: &mut Ctx, key: &str) -> Option<&'a Node> {
        let node = self.get(key);
        if node.is_none() {
            ctx.error(self.origin, self.key(key), "missing required key");
        }
        node
    }

    /// Reports every key that was not read as unknown.
    pub fn finish(self, ctx: &mut Ctx) {
        for (entry, used) in self.entries.iter().zip(&self.used) {
            if !used {
                let message = format!(
                    "unknown key \"{}\"; expected one of: {}",
                    entry.key,
                    self.known.join(", ")
                );
                ctx.error(&entry.key_origin, self.key(&entry.key), message);
            }
        }
    }
}

//! An owned TOML tree whose every value remembers where it came from: a byte
//! span of the file, or an environment variable that overrode it.

use std::ops::Range;

use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

/// Where a value (or a key) came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A byte range of the configuration file.
    File(Range<usize>),
    /// An environment variable (its name) that set or replaced the value.
    Env(String),
}

/// A value with its origin.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub value: Value,
    pub origin: Origin,
}

/// A TOML value.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    String(String),
    /// TOML integers are i64; kept wider so that out-of-range literals still
    /// produce a range error rather than a panic.
    Integer(i128),
    /// No setting takes a float or a datetime: only their type matters.
    Float,
    Boolean(bool),
    Datetime,
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

/// One `key = value` of a table.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: String,
    pub key_origin: Origin,
    pub node: Node,
}

impl Value {
    /// The TOML name of this value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float => "a float",
            Value::Boolean(_) => "a boolean",
            Value::Datetime => "a datetime",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

impl Node {
    /// The entry named `key` when this node is a table.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Table(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.node),
            _ => None,
        }
    }

    /// The string value of this node, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Converts a parsed TOML value into an owned node; every origin inside is
    /// `origin_of(span)`.
    pub fn from_de(
        value: &Spanned<DeValue<'_>>,
        origin_of: &impl Fn(Range<usize>) -> Origin,
    ) -> Node {
        let converted = match value.get_ref() {
            DeValue::String(s) => Value::String(s.to_string()),
            DeValue::Integer(i) => Value::Integer(
                i128::from_str_radix(&i.as_str().replace('_', ""), i.radix()).unwrap_or(i128::MAX),
            ),
            DeValue::Float(_) => Value::Float,
            DeValue::Boolean(b) => Value::Boolean(*b),
            DeValue::Datetime(_) => Value::Datetime,
            DeValue::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| Node::from_de(item, origin_of))
                    .collect(),
            ),
            DeValue::Table(table) => Value::Table(table_entries(table, origin_of)),
        };
        Node {
            value: converted,
            origin: origin_of(value.span()),
        }
    }

    /// Converts a parsed TOML document into an owned root node.
    pub fn from_document(table: &Spanned<DeTable<'_>>) -> Node {
        let origin_of = |span: Range<usize>| Origin::File(span);
        Node {
            value: Value::Table(table_entries(table.get_ref(), &origin_of)),
            origin: Origin::File(table.span()),
        }
    }
}

fn table_entries(table: &DeTable<'_>, origin_of: &impl Fn(Range<usize>) -> Origin) -> Vec<Entry> {
    let mut entries: Vec<Entry> = table
        .iter()
        .map(|(key, value)| Entry {
            key: key.get_ref().to_string(),
            key_origin: origin_of(key.span()),
            node: Node::from_de(value, origin_of),
        })
        .collect();
    // Keep the order of the file so that errors come out top to bottom.
    entries.sort_by_key(|e| match &e.key_origin {
        Origin::File(span) => span.start,
        Origin::Env(_) => usize::MAX,
    });
    entries
}

/// Maps byte offsets of a text to 1-based line and column (in characters).
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    text: String,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
        }
    }

    /// The 1-based line and column of byte `offset` (clamped to the text).
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_in_characters() {
        let index = LineIndex::new("a = 1\nbé = 2\n");
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(6), (2, 1));
        // 'é' is two bytes: the '=' after "bé " is the 4th character.
        assert_eq!(index.position(10), (2, 4));
        assert_eq!(index.position(1000), (3, 1));
    }

    #[test]
    fn converts_a_document_keeping_spans() {
        let text = "[api]\nlisten = \"x\"\n";
        let doc = DeTable::parse(text).expect("valid toml");
        let root = Node::from_document(&doc);
        let listen = root.get("api").and_then(|api| api.get("listen"));
        let Some(Node {
            value: Value::String(s),
            origin: Origin::File(span),
        }) = listen
        else {
            panic!("listen should be a string from the file: {listen:?}");
        };
        assert_eq!(s, "x");
        assert_eq!(&text[span.clone()], "\"x\"");
    }
}

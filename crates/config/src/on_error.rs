//! `[[chain]] on_error`: what the indexer does with a log it cannot handle.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What happens to a configured log that fails to decode or to project.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Record the log as a dead letter (in the same commit) and keep indexing.
    #[default]
    DeadLetter,
    /// Stop the chain with an error; nothing of the failing batch is written.
    Halt,
}

impl OnError {
    /// Every policy, in documentation order.
    pub const ALL: [OnError; 2] = [OnError::DeadLetter, OnError::Halt];

    /// The name used in `tributary.toml`, e.g. `dead_letter`.
    pub fn as_str(self) -> &'static str {
        match self {
            OnError::DeadLetter => "dead_letter",
            OnError::Halt => "halt",
        }
    }
}

impl fmt::Display for OnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An `on_error` value that is not one of [`OnError::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown on_error \"{name}\"; expected one of: {}", policy_names())]
pub struct UnknownOnError {
    /// The name that was given.
    pub name: String,
}

/// The names of every policy, comma separated.
fn policy_names() -> String {
    OnError::ALL.map(OnError::as_str).join(", ")
}

impl FromStr for OnError {
    type Err = UnknownOnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OnError::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownOnError { name: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_str_and_serde() {
        for policy in OnError::ALL {
            assert_eq!(policy.as_str().parse::<OnError>(), Ok(policy));
            let json = serde_json::to_string(&policy).expect("serializes");
            assert_eq!(json, format!("\"{}\"", policy.as_str()));
        }
        assert_eq!(OnError::default(), OnError::DeadLetter);
        let err = "stop".parse::<OnError>().expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "unknown on_error \"stop\"; expected one of: dead_letter, halt"
        );
    }
}

//! Exit codes: 2 for bad config or usage, 1 for everything else.

use std::fmt;

/// A failure caused by what the user gave us (config, arguments): exit 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The process exit code for an error.
pub fn code_of(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<UsageError>().is_some()
        || e.downcast_ref::<tributary_config::ConfigErrors>().is_some()
    {
        2
    } else {
        1
    }
}

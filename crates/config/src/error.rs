//! Configuration errors: every problem found in one load, each with its place.

use std::fmt;
use std::path::PathBuf;

/// One problem in a configuration: where it is and what is wrong.
///
/// Displayed as `tributary.toml:12:5: contract[1].address: invalid address "0x12": ...`;
/// when the bad value came from an environment override, the variable is named
/// instead of a line: `tributary.toml: chain[0].rpc[0]: ... (from environment
/// variable TRIBUTARY_CHAIN__BSC__RPC)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The configuration file the problem belongs to.
    pub file: PathBuf,
    /// 1-based line of the offending text, when it came from the file.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the offending text, when it came from the file.
    pub column: Option<usize>,
    /// Path of the offending key, e.g. `contract[1].address` or `chain[0].rpc[1]`;
    /// empty for problems that concern no key (syntax errors, unreadable file).
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// The environment variable the bad value came from, if any.
    pub source_env: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        f.write_str(": ")?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)?;
        if let Some(var) = &self.source_env {
            write!(f, " (from environment variable {var})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found while loading a configuration (never empty when returned
/// as an error). Displayed one problem per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    /// The problems, in the order they were found.
    pub fn errors(&self) -> &[ConfigError] {
        &self.0
    }

    /// The problem reported for `key`, if any (handy in tests and tools).
    pub fn for_key(&self, key: &str) -> Option<&ConfigError> {
        self.0.iter().find(|e| e.key == key)
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl From<ConfigError> for ConfigErrors {
    fn from(error: ConfigError) -> Self {
        Self(vec![error])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(line: Option<usize>, env: Option<&str>) -> ConfigError {
        ConfigError {
            file: PathBuf::from("tributary.toml"),
            line,
            column: line.map(|_| 5),
            key: "contract[1].address".into(),
            message: "invalid address \"0x12\"".into(),
            source_env: env.map(str::to_owned),
        }
    }

    #[test]
    fn displays_file_line_column_and_key() {
        assert_eq!(
            error(Some(12), None).to_string(),
            "tributary.toml:12:5: contract[1].address: invalid address \"0x12\""
        );
    }

    #[test]
    fn displays_the_environment_variable() {
        assert_eq!(
            error(None, Some("TRIBUTARY_CONTRACT__0__ADDRESS")).to_string(),
            "tributary.toml: contract[1].address: invalid address \"0x12\" \
             (from environment variable TRIBUTARY_CONTRACT__0__ADDRESS)"
        );
    }

    #[test]
    fn lists_one_problem_per_line() {
        let errors = ConfigErrors(vec![error(Some(1), None), error(Some(2), None)]);
        assert_eq!(errors.to_string().lines().count(), 2);
    }
}

//! Errors of the pay phase: a scheme that cannot be paid as described.

use std::fmt;

/// A problem with a scheme's payment description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayError {
    /// What is wrong (lowercase, user input in backticks).
    pub message: String,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
}

impl PayError {
    pub(crate) fn new(message: String) -> PayError {
        PayError { message, help: None }
    }

    pub(crate) fn help(mut self, help: &str) -> PayError {
        self.help = Some(help.to_string());
        self
    }
}

impl fmt::Display for PayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PayError {}

/// A scheme failed validation: every problem found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayErrors(pub Vec<PayError>);

impl fmt::Display for PayErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PayErrors {}

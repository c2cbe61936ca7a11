//! Errors of the pay phase: a scheme that cannot be paid as described.

use crate::diag::{Code, Diagnostic, Location, Severity};

/// A problem with a scheme's payment description.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", help_suffix(.help))]
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

fn help_suffix(help: &Option<String>) -> String {
    help.as_ref().map(|h| format!("\n  help: {h}")).unwrap_or_default()
}

/// A scheme failed validation: every problem found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", lines(.0))]
pub struct PayErrors(pub Vec<PayError>);

/// Every error, one after the other on its own lines.
fn lines(errors: &[PayError]) -> String {
    errors.iter().map(PayError::to_string).collect::<Vec<_>>().join("\n")
}

impl From<&PayError> for Diagnostic {
    /// A `pay` error; a scheme's payment description has no place in a file.
    fn from(e: &PayError) -> Diagnostic {
        Diagnostic::at(Severity::Error, Code::Pay, Location::None, e.message.clone())
            .with_optional_help(e.help.clone())
    }
}

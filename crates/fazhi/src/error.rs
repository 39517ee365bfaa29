//! The CLI's one error type: a message for a person and the process exit code.
//!
//! Exit codes: 0 success, 1 a well-formed question whose answer is "no"/"not found"
//! (for example `org resolve` of an unknown name), 2 bad input (nothing was changed),
//! 3 an operational failure (database unreachable, I/O error).

use std::fmt;

#[derive(Debug)]
pub struct CliError {
    pub exit: u8,
    pub message: String,
}

impl CliError {
    /// Bad input from the user: exit code 2, nothing was changed.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            exit: 2,
            message: message.into(),
        }
    }
    /// A well-formed request with a negative answer: exit code 1.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            exit: 1,
            message: message.into(),
        }
    }
    /// The system failed (database, file system): exit code 3.
    pub fn failure(message: impl Into<String>) -> Self {
        Self {
            exit: 3,
            message: message.into(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

pub type CliResult = Result<(), CliError>;

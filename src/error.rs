//! Input the tool cannot work with, typed: each says, on one line, which value or file is wrong and what
//! was expected, and ends the run with exit code 2. None ever holds a secret's value.

use std::path::PathBuf;

use crate::exit::ExitCode;

#[derive(Debug)]
pub enum InputError {
    /// A value (of a flag, or of the environment) is not of the form it takes.
    Value { what: String, value: String, expected: String },
    /// A file or standard input could not be read.
    Unreadable { what: &'static str, path: Option<PathBuf>, cause: String },
    /// A file the run was asked to write could not be written (nothing was left half-written).
    Unwritable { what: &'static str, path: PathBuf, cause: String },
    /// A file was read but is not what it should be.
    Malformed { what: &'static str, path: PathBuf, problem: String },
    /// Something the run needs was not given.
    Missing { what: &'static str, how: String },
    /// Flags that do not go together as given, said in full.
    Combination(String),
    /// A name the tool does not know (a check ID), with the nearest it knows.
    Unknown { what: String, value: String, kind: &'static str, nearest: Vec<String>, list: &'static str },
}

impl InputError {
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::Usage
    }

    pub fn value(what: impl Into<String>, value: impl Into<String>, expected: impl Into<String>) -> Self {
        InputError::Value { what: what.into(), value: value.into(), expected: expected.into() }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::Value { what, value, expected } => write!(f, "{what} '{value}' is not {expected}"),
            InputError::Unreadable { what, path: Some(path), cause } => {
                write!(f, "cannot read the {what} {}: {cause}", path.display())
            }
            InputError::Unreadable { what, path: None, cause } => write!(f, "cannot read the {what}: {cause}"),
            InputError::Unwritable { what, path, cause } => {
                write!(f, "cannot write the {what} {}: {cause}", path.display())
            }
            InputError::Malformed { what, path, problem } => write!(f, "the {what} {} {problem}", path.display()),
            InputError::Missing { what, how } => write!(f, "no {what}: {how}"),
            InputError::Combination(problem) => f.write_str(problem),
            InputError::Unknown { what, value, kind, nearest, list } => {
                write!(f, "{what} '{value}' is not {kind}; ")?;
                match nearest.as_slice() {
                    [] => write!(f, "`{list}` lists them"),
                    [one] => write!(f, "did you mean {one}?"),
                    several => write!(f, "did you mean {}?", several.join(" or ")),
                }
            }
        }
    }
}

impl std::error::Error for InputError {}

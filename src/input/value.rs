//! What a reader can say about a setting's value without running anything:
//! known, known unless an environment variable says otherwise, or set but
//! unknown; and which file or command-line word set it.

use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub enum Value<T> {
    Known(T),
    /// `os.environ.get("VAR", default)` and its kin: `default` unless `VAR`
    /// is set where the program runs.
    EnvDefault {
        var: String,
        default: T,
    },
    /// Set, by code or input stackc does not evaluate.
    Dynamic,
}

impl<T> Value<T> {
    /// Converts the known value (or the default); a conversion that fails
    /// leaves the value unknown.
    pub fn and_then<U>(self, convert: impl FnOnce(T) -> Option<U>) -> Value<U> {
        match self {
            Value::Known(value) => convert(value).map_or(Value::Dynamic, Value::Known),
            Value::EnvDefault { var, default } => {
                convert(default).map_or(Value::Dynamic, |default| Value::EnvDefault { var, default })
            }
            Value::Dynamic => Value::Dynamic,
        }
    }

    /// The value when no environment variable changes it.
    pub fn unless_overridden(&self) -> Option<&T> {
        match self {
            Value::Known(value) | Value::EnvDefault { default: value, .. } => Some(value),
            Value::Dynamic => None,
        }
    }
}

/// Where an effective setting came from, so a diagnostic can point there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Nothing set it: the program's own default.
    Default,
    /// A line of a config file: the span is in that file.
    ConfigFile { span: Span },
    /// A word of the command line read from an environment variable
    /// (`GUNICORN_CMD_ARGS`): index into its words.
    EnvArgs { word: usize },
    /// A word of the command line: index into its words.
    CommandLine { word: usize },
}

/// A setting's effective value and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Sourced<T> {
    pub value: Value<T>,
    pub origin: Origin,
}

impl<T> Sourced<T> {
    pub fn new(value: Value<T>, origin: Origin) -> Self {
        Sourced { value, origin }
    }

    /// A program's default that no variable changes.
    pub fn default(value: T) -> Self {
        Sourced::new(Value::Known(value), Origin::Default)
    }
}

//! What a container's environment holds: the spec's `env`, its env files
//! and its own image's ENV, in the order compose and Docker apply them.

use super::{Service, Stack};
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

/// What a container gets for one variable, looked up as compose and Docker
/// decide it: the spec's `env`, else the last env file that sets it, else
/// the app's own Dockerfile's ENV.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvValue {
    /// A plain value, with the place that sets it.
    Set(String, EnvOrigin),
    /// Nothing sets it: the image's default applies.
    Unset,
    /// Something the spec cannot see decides it: an env file that was not
    /// read, a `KEY` alone or a `$VAR` compose fills in, a Dockerfile ARG.
    Unknown,
}

/// Where a variable's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvOrigin {
    Spec(Span),
    EnvFile(FileId, Span),
    Image,
}

impl EnvValue {
    /// The value, when the spec's files decide it.
    pub fn known(&self) -> Option<&str> {
        match self {
            EnvValue::Set(value, _) => Some(value),
            EnvValue::Unset | EnvValue::Unknown => None,
        }
    }

    /// The value, or `default` when nothing sets it; `None` when unknown.
    pub fn or_default<'a>(&'a self, default: &'a str) -> Option<&'a str> {
        match self {
            EnvValue::Set(value, _) => Some(value),
            EnvValue::Unset => Some(default),
            EnvValue::Unknown => None,
        }
    }

    /// A label at the place that sets the value, when it is in a file.
    pub fn label(&self, diagnostic: Diagnostic, message: impl Into<String>) -> Diagnostic {
        match self {
            EnvValue::Set(_, EnvOrigin::Spec(span)) => diagnostic.secondary(*span, message),
            EnvValue::Set(_, EnvOrigin::EnvFile(file, span)) => diagnostic.secondary_in(*file, *span, message),
            _ => diagnostic,
        }
    }
}

impl Stack {
    /// The value `service`'s containers get for `name`: see [`EnvValue`].
    pub fn env_value(&self, service: &Service, name: &str) -> EnvValue {
        self.env_value_filling(service, name, false)
    }

    /// [`Stack::env_value`], but an env file's value that compose fills
    /// from the host (`POSTGRES_PASSWORD=${PG_PASSWORD:-postgres}`) is what
    /// it fills in where the host sets none of its variables, when every
    /// one has a default.
    pub fn env_value_with_defaults(&self, service: &Service, name: &str) -> EnvValue {
        self.env_value_filling(service, name, true)
    }

    fn env_value_filling(&self, service: &Service, name: &str, defaults: bool) -> EnvValue {
        if let Some(var) = service.env.iter().find(|v| v.name.value == name) {
            return EnvValue::Set(var.value.value.clone(), EnvOrigin::Spec(var.value.span));
        }
        // Compose applies env files in order, so the last one that sets it wins.
        for env_file in service.env_files.iter().rev() {
            let Some(file) = self.inputs.env_file(&env_file.path.value) else {
                // An `optional` file that is not there (a developer's local
                // overrides) is one compose skips here too; one not read
                // for another reason may set anything.
                if self.inputs.read && env_file.optional.is_some() {
                    continue;
                }
                return EnvValue::Unknown;
            };
            let Some(entry) = file.vars.get(name) else {
                continue;
            };
            let origin = EnvOrigin::EnvFile(file.file, entry.span);
            return match &entry.value {
                Some(value) if !entry.interpolates => EnvValue::Set(value.value.clone(), origin),
                Some(value) if defaults => crate::input::env_file::filled_with_defaults(&value.value)
                    .map_or(EnvValue::Unknown, |filled| EnvValue::Set(filled, origin)),
                _ => EnvValue::Unknown,
            };
        }
        let Some(image) = self.own_image(service) else {
            return EnvValue::Unset;
        };
        match image.facts().map(|facts| facts.env(name)) {
            Some(None) => EnvValue::Unset,
            Some(Some(var)) => var.value.known().map_or(EnvValue::Unknown, |value| {
                EnvValue::Set(value.clone(), EnvOrigin::Image)
            }),
            None => EnvValue::Unknown,
        }
    }
}

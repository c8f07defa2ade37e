//! What the user asked of each rule: a severity, or off. The last step of
//! linting maps every finding through it, so rules never know about
//! `stackc.toml` or the command line.

use std::collections::BTreeMap;

use super::{registry, RuleMeta};
use crate::diagnostic::{Diagnostic, Severity};

/// A rule's configured level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

impl Level {
    pub fn parse(word: &str) -> Option<Level> {
        Some(match word {
            "off" => Level::Off,
            "info" => Level::On(Severity::Info),
            "warning" => Level::On(Severity::Warning),
            "error" => Level::On(Severity::Error),
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::On(severity) => severity.as_str(),
        }
    }
}

/// Levels for some rules; the others keep their default severity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    levels: BTreeMap<&'static str, Level>,
}

impl Policy {
    pub fn set(&mut self, rule: &'static RuleMeta, level: Level) {
        self.levels.insert(rule.name, level);
    }

    /// The rules this policy sets, by name.
    pub fn levels(&self) -> impl Iterator<Item = (&'static str, Level)> + '_ {
        self.levels.iter().map(|(name, level)| (*name, *level))
    }

    /// This policy with `over`'s settings replacing its own (the command
    /// line over `stackc.toml`).
    pub fn overridden_by(&self, over: &Policy) -> Policy {
        let mut levels = self.levels.clone();
        levels.extend(over.levels.iter().map(|(name, level)| (*name, *level)));
        Policy { levels }
    }

    /// Gives each rule's finding its configured severity, and drops the
    /// findings of rules that are off. Codes that are not rules (spec
    /// errors, suppression warnings) pass unchanged: they cannot be allowed.
    pub fn apply(&self, findings: Vec<Diagnostic>) -> Vec<Diagnostic> {
        findings
            .into_iter()
            .filter_map(|mut finding| {
                if registry::find(finding.code).is_none() {
                    return Some(finding);
                }
                match self.levels.get(finding.code) {
                    None => Some(finding),
                    Some(Level::Off) => None,
                    Some(Level::On(severity)) => {
                        finding.severity = *severity;
                        Some(finding)
                    }
                }
            })
            .collect()
    }
}

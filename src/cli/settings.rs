//! Each spec's lint settings: the nearest `stackc.toml` at or above the
//! spec's folder, overridden by `--allow` and `--deny`. Each folder is
//! searched, and each file read, once per run.
//!
//! The search stops at the root of the repository the spec is in (the
//! nearest folder holding `.git`, a folder or a file); a spec in no
//! repository reads only the `stackc.toml` beside it. A `stackc.toml` can
//! let an insecure stack build, so one in a shared or unrelated folder
//! above the project (`/tmp`, a home folder) must never apply unseen; and
//! a run whose file turns error-level rules off or down says so on stderr.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{read_spec, Failure};
use crate::config::{self, Config};
use crate::diagnostic::{Diagnostic, Severity};
use crate::input::fs;
use crate::lint::policy::{Level, Policy};
use crate::lint::{registry, suppress};
use crate::source::SourceFile;

/// `--allow` and `--deny` as a policy; a name that is no rule is bad input.
pub fn from_command_line(allow: &[String], deny: &[String]) -> Result<Policy, Failure> {
    let mut policy = Policy::default();
    for (names, level) in [(allow, Level::Off), (deny, Level::On(Severity::Error))] {
        for name in names {
            if allow.contains(name) && deny.contains(name) {
                return Err(Failure::new(format!("`{name}` is both allowed and denied")));
            }
            let meta = registry::find(name).ok_or_else(|| Failure {
                message: format!("`{name}` is not a lint rule"),
                help: Some(suppress::unknown_rule_help(name)),
            })?;
            policy.set(meta, level);
        }
    }
    Ok(policy)
}

/// What applies to one spec.
pub struct Settings {
    pub policy: Policy,
    pub fail_on: Option<Severity>,
}

/// A `stackc.toml` as read: its settings, or its problems.
enum Loaded {
    Good(Config),
    Broken(SourceFile, Vec<Diagnostic>),
    Unreadable,
}

pub struct Finder {
    command_line: Policy,
    /// Folder -> the config file that governs it.
    nearest: HashMap<PathBuf, Option<PathBuf>>,
    loaded: HashMap<PathBuf, Loaded>,
}

impl Finder {
    pub fn new(command_line: Policy) -> Self {
        Finder {
            command_line,
            nearest: HashMap::new(),
            loaded: HashMap::new(),
        }
    }

    /// The settings for `spec`, or `None` when its `stackc.toml` is broken
    /// (reported by [`Finder::broken`]) or unreadable (reported here).
    pub fn settings(&mut self, spec: &Path) -> Option<Settings> {
        let Some(file) = self.config_file(spec) else {
            return Some(Settings {
                policy: self.command_line.clone(),
                fail_on: None,
            });
        };
        let command_line = &self.command_line;
        let loaded = self.loaded.entry(file.clone()).or_insert_with(|| {
            let loaded = load(&file);
            if let Loaded::Good(config) = &loaded {
                announce_lowered_errors(&file, config, command_line);
            }
            loaded
        });
        match loaded {
            Loaded::Good(config) => Some(Settings {
                policy: config.policy.overridden_by(&self.command_line),
                fail_on: config.fail_on,
            }),
            Loaded::Broken(..) | Loaded::Unreadable => None,
        }
    }

    /// Every broken `stackc.toml` met so far, with its problems.
    pub fn broken(&self) -> Vec<(&SourceFile, &[Diagnostic])> {
        let mut broken: Vec<_> = self
            .loaded
            .values()
            .filter_map(|loaded| match loaded {
                Loaded::Broken(file, problems) => Some((file, problems.as_slice())),
                _ => None,
            })
            .collect();
        broken.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        broken
    }

    /// The nearest `stackc.toml` at or above the spec's folder, within its
    /// repository (see the module's doc).
    pub fn config_file(&mut self, spec: &Path) -> Option<PathBuf> {
        let folder = std::path::absolute(spec).ok()?.parent()?.to_path_buf();
        if let Some(known) = self.nearest.get(&folder) {
            return known.clone();
        }
        let found = config::nearest(&folder);
        self.nearest.insert(folder, found.clone());
        found
    }

    /// Writes the command line's levels into each spec's `stackc.toml`
    /// (the nearest one, or a new one beside the spec), keeping what the
    /// files already say, comments included.
    pub fn save(&mut self, specs: &[PathBuf]) -> Result<(), Failure> {
        if self.command_line.levels().next().is_none() {
            return Err(Failure::new("--save needs --allow RULE or --deny RULE to save"));
        }
        let mut targets: Vec<PathBuf> = Vec::new();
        for spec in specs {
            let target = match self.config_file(spec) {
                Some(file) => file,
                None => std::path::absolute(spec)
                    .map_err(|e| Failure::new(format!("{}: {e}", spec.display())))?
                    .with_file_name(config::FILE_NAME),
            };
            if !targets.contains(&target) {
                targets.push(target);
            }
        }
        for target in targets {
            let text = match fs::read_text(&target, fs::MAX_FILE_BYTES) {
                Ok(text) => text,
                Err(fs::ReadError::Missing) => String::new(),
                Err(e) => return Err(Failure::new(format!("cannot read {}: {e}", shown(&target)))),
            };
            let edited = config::with_levels(&text, &self.command_line).map_err(|e| Failure {
                message: format!("cannot edit {}: {e}", shown(&target)),
                help: Some("fix the file by hand, or run without --save".to_string()),
            })?;
            crate::write::replace_file(&target, edited.as_bytes())
                .map_err(|e| Failure::new(format!("cannot write {}: {e}", shown(&target))))?;
            let levels: Vec<String> = self
                .command_line
                .levels()
                .map(|(name, level)| format!("{name} = \"{}\"", level.as_str()))
                .collect();
            super::output::status(&format!("stackc: saved {} in {}", levels.join(", "), shown(&target)));
            self.loaded.remove(&target);
        }
        self.nearest.clear();
        Ok(())
    }
}

/// One line on stderr, whatever the format (stdout stays the report's),
/// naming the error-level rules `file` turns off or down that the command
/// line does not set again.
fn announce_lowered_errors(file: &Path, config: &Config, command_line: &Policy) {
    let lowered: Vec<String> = config
        .lowered_errors()
        .into_iter()
        .filter(|(name, _)| command_line.levels().all(|(set, _)| set != *name))
        .map(|(name, level)| format!("{name} ({})", level.as_str()))
        .collect();
    if !lowered.is_empty() {
        super::output::stderr(&format!(
            "stackc: {} lowers error-level rules: {}\n",
            shown(file),
            lowered.join(", ")
        ));
    }
}

fn load(file: &Path) -> Loaded {
    let mut source = match read_spec(file) {
        Ok(source) => source,
        Err(failure) => {
            super::print_failure(&failure);
            return Loaded::Unreadable;
        }
    };
    source.name = shown(file);
    match config::parse(&source) {
        Ok(config) => Loaded::Good(config),
        Err(problems) => Loaded::Broken(source, problems),
    }
}

/// A path as short as it can be shown: relative to the current folder when
/// it is below it.
pub fn shown(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    relative.unwrap_or_else(|| path.to_path_buf()).display().to_string()
}

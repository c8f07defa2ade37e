//! A server's command line read the way Python's argparse and click read
//! it: `-x VALUE`, `-xVALUE`, `-x=VALUE`, clusters of short flags (`-Dw4`),
//! `--name VALUE`, `--name=VALUE`, `--` before positionals.
//!
//! Each server's table names the options whose values matter and every
//! option that takes no value; any other option is taken to take one, so
//! a positional (the app) is never mistaken for an option's value as long
//! as the flag list is complete. Long options are matched by full name
//! only: argparse's abbreviations (`--work 4`) are not recognized.

/// The value of an option given as `-o VALUE`, `-oVALUE`, `--option VALUE`
/// or `--option=VALUE`.
pub fn option_value<'a>(words: &'a [String], short: &str, long: &str) -> Option<&'a str> {
    words.iter().enumerate().find_map(|(i, word)| {
        let next = || words.get(i + 1).map(String::as_str);
        if word == short || word == long {
            next()
        } else if let Some(value) = word.strip_prefix(long).and_then(|w| w.strip_prefix('=')) {
            Some(value)
        } else if !short.is_empty() && word.starts_with(short) && !word.starts_with("--") {
            Some(&word[short.len()..])
        } else {
            None
        }
    })
}

/// One option a server reads.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub short: Option<char>,
    pub long: &'static str,
    /// The setting it sets, as the server's docs name it (`worker_class`).
    pub setting: &'static str,
    pub arity: Arity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arity {
    Flag,
    Value,
    /// A value only when the next word is one of these (`--proxy-protocol [MODE]`).
    Optional(&'static [&'static str]),
}

pub const fn value(short: Option<char>, long: &'static str, setting: &'static str) -> Spec {
    Spec {
        short,
        long,
        setting,
        arity: Arity::Value,
    }
}

pub const fn flag(short: Option<char>, long: &'static str, setting: &'static str) -> Spec {
    Spec {
        short,
        long,
        setting,
        arity: Arity::Flag,
    }
}

/// A value and the index of the word that gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg<T> {
    pub value: T,
    pub word: usize,
}

/// An option given: its setting (or the option itself when the table does
/// not know it), its value (`None` for a flag) and the option's word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Given {
    pub setting: String,
    pub value: Option<String>,
    pub word: usize,
}

/// What the server would refuse, by word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgProblem {
    pub word: usize,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// In the order given; a setting given twice appears twice.
    pub options: Vec<Given>,
    pub positionals: Vec<Arg<String>>,
    pub problems: Vec<ArgProblem>,
}

impl Parsed {
    /// The last value given for `setting`: the one the server keeps.
    pub fn get(&self, setting: &str) -> Option<&Given> {
        self.options.iter().rev().find(|o| o.setting == setting)
    }

    /// Every value given for `setting`, for options that add up (`--bind`).
    pub fn all<'a>(&'a self, setting: &'a str) -> impl Iterator<Item = &'a Given> + 'a {
        self.options.iter().filter(move |o| o.setting == setting)
    }
}

/// Reads `words[first..]`; every index in the result is into `words`.
pub fn parse(words: &[String], first: usize, specs: &[Spec]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut i = first;
    let mut only_positionals = false;
    while let Some(word) = words.get(i) {
        let at = i;
        i += 1;
        if only_positionals || word == "-" || !word.starts_with('-') {
            parsed.positionals.push(Arg {
                value: word.clone(),
                word: at,
            });
            continue;
        }
        if word == "--" {
            only_positionals = true;
            continue;
        }
        if let Some(long) = word.strip_prefix("--") {
            let (name, attached) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (long, None),
            };
            let spec = specs.iter().find(|s| s.long.strip_prefix("--") == Some(name));
            let setting = spec.map_or_else(|| format!("--{name}"), |s| s.setting.to_string());
            let arity = spec.map_or(Arity::Value, |s| s.arity);
            take_value(words, &mut i, at, setting, arity, attached, &mut parsed);
            continue;
        }
        // A cluster of short options: flags, then at most one that takes
        // the rest of the word (or the next word) as its value.
        for (offset, short) in word[1..].char_indices() {
            let spec = specs.iter().find(|s| s.short == Some(short));
            let setting = spec.map_or_else(|| format!("-{short}"), |s| s.setting.to_string());
            let arity = spec.map_or(Arity::Value, |s| s.arity);
            let rest = &word[1 + offset + short.len_utf8()..];
            if arity == Arity::Flag {
                parsed.options.push(Given {
                    setting,
                    value: None,
                    word: at,
                });
                continue;
            }
            let attached = (!rest.is_empty()).then(|| rest.strip_prefix('=').unwrap_or(rest).to_string());
            take_value(words, &mut i, at, setting, arity, attached, &mut parsed);
            break;
        }
    }
    parsed
}

/// Records an option with its value: the one attached to its word, else
/// the next word (which `i` then skips).
fn take_value(
    words: &[String],
    i: &mut usize,
    at: usize,
    setting: String,
    arity: Arity,
    attached: Option<String>,
    parsed: &mut Parsed,
) {
    let value = match (arity, attached) {
        (Arity::Flag, Some(_)) => {
            parsed.problems.push(ArgProblem {
                word: at,
                message: format!("`{}` takes no value", words[at]),
            });
            return;
        }
        (Arity::Flag, None) => None,
        (_, Some(value)) => Some(value),
        (Arity::Optional(values), None) => {
            let next = words.get(*i).filter(|w| values.contains(&w.as_str()));
            *i += usize::from(next.is_some());
            next.cloned()
        }
        (Arity::Value, None) => match words.get(*i) {
            Some(next) => {
                *i += 1;
                Some(next.clone())
            }
            None => {
                parsed.problems.push(ArgProblem {
                    word: at,
                    message: format!("`{}` needs a value", words[at]),
                });
                return;
            }
        },
    };
    parsed.options.push(Given {
        setting,
        value,
        word: at,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[Spec] = &[
        value(Some('b'), "--bind", "bind"),
        value(Some('w'), "--workers", "workers"),
        flag(Some('D'), "--daemon", "daemon"),
        flag(None, "--reload", "reload"),
        Spec {
            short: None,
            long: "--proxy-protocol",
            setting: "proxy_protocol",
            arity: Arity::Optional(&["v1", "v2"]),
        },
    ];

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    fn given(parsed: &Parsed) -> Vec<(&str, Option<&str>, usize)> {
        parsed
            .options
            .iter()
            .map(|o| (o.setting.as_str(), o.value.as_deref(), o.word))
            .collect()
    }

    #[test]
    fn every_option_spelling() {
        let argv = words(
            "gunicorn -b :1 -b=:2 -b:3 --bind :4 --bind=:5 -Dw4 --reload --proxy-protocol app:app --log-level debug",
        );
        let parsed = parse(&argv, 1, SPECS);
        assert_eq!(
            given(&parsed),
            [
                ("bind", Some(":1"), 1),
                ("bind", Some(":2"), 3),
                ("bind", Some(":3"), 4),
                ("bind", Some(":4"), 5),
                ("bind", Some(":5"), 7),
                ("daemon", None, 8),
                ("workers", Some("4"), 8),
                ("reload", None, 9),
                ("proxy_protocol", None, 10),
                ("--log-level", Some("debug"), 12),
            ]
        );
        assert_eq!(
            parsed.positionals,
            [Arg {
                value: "app:app".into(),
                word: 11
            }]
        );
        assert_eq!(parsed.get("workers").unwrap().value.as_deref(), Some("4"));
        assert_eq!(parsed.all("bind").count(), 5);
    }

    #[test]
    fn positionals_after_double_dash_and_problems() {
        let argv = words("--proxy-protocol v2 -- -app --reload=yes -w");
        let parsed = parse(&argv, 0, SPECS);
        assert_eq!(given(&parsed), [("proxy_protocol", Some("v2"), 0)]);
        let positionals: Vec<_> = parsed.positionals.iter().map(|p| p.value.as_str()).collect();
        assert_eq!(positionals, ["-app", "--reload=yes", "-w"]);
        let parsed = parse(&words("--reload=yes -w"), 0, SPECS);
        let problems: Vec<_> = parsed.problems.iter().map(|p| (p.word, p.message.as_str())).collect();
        assert_eq!(
            problems,
            [(0, "`--reload=yes` takes no value"), (1, "`-w` needs a value")]
        );
    }

    #[test]
    fn never_panics_on_mutated_words() {
        for line in crate::input::mutate::mutations("gunicorn -b 0.0.0.0:8000 -w4 -Dé --bind=[::]:1 -- x", 2000) {
            let argv: Vec<String> = line.split(' ').map(str::to_string).collect();
            let parsed = parse(&argv, 0, SPECS);
            assert!(parsed.options.iter().all(|o| o.word < argv.len()));
        }
    }
}

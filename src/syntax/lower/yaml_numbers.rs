//! Plain YAML scalars that compose reads as another value than stackc.
//!
//! A raw `compose KEY = VALUE` is read by stackc as YAML 1.2 (serde-saphyr)
//! and written into compose.yaml as the value it read, in a spelling every
//! reader agrees on. compose reads the user's own text with go-yaml v3,
//! which also keeps YAML 1.1's numbers: `010` is 8 (octal), `1_000` is
//! 1000, `0b10` is 2, `08` is the float 8. Where the two readings of a
//! scalar differ, stackc's would silently change what the value means to
//! compose, so lowering refuses it and names both readings.
//!
//! [`compose_reading`] follows go-yaml v3's `resolve` for untagged plain
//! scalars; docker compose v5.6.1's readings of the cases in the tests
//! were checked with `docker compose config`.

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

/// What a plain scalar means to one reader.
#[derive(Clone, Debug, PartialEq)]
pub enum Reading {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Text,
}

impl std::fmt::Display for Reading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reading::Null => f.write_str("null"),
            Reading::Bool(b) => write!(f, "{b}"),
            Reading::Int(n) => write!(f, "the integer {n}"),
            Reading::Float(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 => {
                write!(f, "the float {x:.1}")
            }
            Reading::Float(x) => write!(f, "the float {x}"),
            Reading::Text => f.write_str("text"),
        }
    }
}

/// The reading as a plain scalar every reader takes the same way, for a
/// suggestion; `None` for text.
pub fn plain_spelling(reading: &Reading) -> Option<String> {
    match reading {
        Reading::Null => Some("null".to_string()),
        Reading::Bool(b) => Some(b.to_string()),
        Reading::Int(n) => Some(n.to_string()),
        Reading::Float(x) if x.is_finite() => Some(format!("{x:?}")),
        Reading::Float(_) | Reading::Text => None,
    }
}

/// A scalar the two readers disagree on.
#[derive(Debug, PartialEq)]
pub struct Disagreement {
    pub text: String,
    pub compose: Reading,
    pub stackc: Reading,
}

/// The first plain scalar of `yaml` that compose and stackc read
/// differently, if any. `yaml` has already been read by stackc.
pub fn disagreement(yaml: &str, read: impl Fn(&str) -> Option<serde_json::Value>) -> Option<Disagreement> {
    for event in Parser::new_from_str(yaml) {
        let Ok((Event::Scalar(text, ScalarStyle::Plain, _, None), _)) = event else {
            continue;
        };
        let compose = compose_reading(&text);
        // Words that are text to both need no second reading.
        if compose == Reading::Text && !text.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c)) {
            continue;
        }
        let stackc = match read(&text) {
            Some(serde_json::Value::Null) => Reading::Null,
            Some(serde_json::Value::Bool(b)) => Reading::Bool(b),
            Some(serde_json::Value::Number(n)) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Reading::Int(i.into()),
                (_, Some(u), _) => Reading::Int(u.into()),
                (_, _, Some(x)) => Reading::Float(x),
                _ => Reading::Text,
            },
            _ => Reading::Text,
        };
        let same = match (&compose, &stackc) {
            (Reading::Float(a), Reading::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (a, b) => a == b,
        };
        if !same {
            return Some(Disagreement {
                text: text.into_owned(),
                compose,
                stackc,
            });
        }
    }
    None
}

/// How go-yaml v3 (compose's YAML reader) resolves an untagged plain
/// scalar.
pub fn compose_reading(text: &str) -> Reading {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Reading::Null,
        "true" | "True" | "TRUE" => return Reading::Bool(true),
        "false" | "False" | "FALSE" => return Reading::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Reading::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Reading::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Reading::Float(f64::NAN),
        _ => {}
    }
    match text.as_bytes()[0] {
        b'.' => go_float(text).map_or(Reading::Text, Reading::Float),
        b'0'..=b'9' | b'+' | b'-' => {
            // go-yaml drops every `_` first (YAML 1.1's digit separator).
            let plain = text.replace('_', "");
            if let Some(n) = go_int(&plain) {
                return Reading::Int(n);
            }
            if is_yaml_style_float(&plain) {
                if let Some(x) = go_float(&plain) {
                    return Reading::Float(x);
                }
            }
            // YAML 1.2's `0b` and `0o`, also when Go's own prefixes failed.
            let (negative, digits) = match plain.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, plain.as_str()),
            };
            let radix = match digits.get(..2) {
                Some("0b") => 2,
                Some("0o") => 8,
                _ => return Reading::Text,
            };
            match i64::from_str_radix(&digits[2..], radix) {
                Ok(n) if !digits[2..].starts_with(['+', '-']) => {
                    Reading::Int(if negative { -i128::from(n) } else { i128::from(n) })
                }
                _ => Reading::Text,
            }
        }
        _ => Reading::Text,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)`: an
/// optional sign, then `0b`, `0o`, `0x` (either case) or a leading `0`
/// (octal) choose the base.
fn go_int(s: &str) -> Option<i128> {
    let (negative, unsigned) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = unsigned.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    let value = if negative {
        -i128::from(magnitude)
    } else {
        i128::from(magnitude)
    };
    // ParseInt's range, or ParseUint's for an unsigned text.
    let fits = i64::try_from(value).is_ok() || (!negative && s.as_bytes()[0] != b'+');
    fits.then_some(value)
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) => (&s[..at], Some(&s[at + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => digits(fraction),
        Some((whole, fraction)) => digits(whole) && (fraction.is_empty() || digits(fraction)),
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)))
}

/// Go's `strconv.ParseFloat(s, 64)` on a decimal text: out of range is an
/// error there, so text to go-yaml.
fn go_float(s: &str) -> Option<f64> {
    if !is_yaml_style_float(s) {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docker compose v5.6.1 (`config --format json`) on `x-n: TEXT`.
    #[test]
    fn reads_plain_scalars_as_compose_does() {
        let int = |n: i128| Reading::Int(n);
        let float = |x: f64| Reading::Float(x);
        let cases = [
            ("010", int(8)),
            ("0o10", int(8)),
            ("0O10", int(8)),
            ("0x10", int(16)),
            ("0X10", int(16)),
            ("+0x10", int(16)),
            ("-0x10", int(-16)),
            ("1_000", int(1000)),
            ("08", float(8.0)),
            ("09.5", float(9.5)),
            ("0b10", int(2)),
            ("0b_1", int(1)),
            ("+1", int(1)),
            (".5", float(0.5)),
            ("+.5", float(0.5)),
            ("1e3", float(1000.0)),
            ("1E3", float(1000.0)),
            ("1.0e+3", float(1000.0)),
            ("1e-3", float(0.001)),
            ("-010", int(-8)),
            ("00", int(0)),
            ("0", int(0)),
            ("-0", int(0)),
            ("0_1", int(1)),
            ("1__0", int(10)),
            ("0x_1", int(1)),
            ("1_", int(1)),
            ("0.1_0", float(0.1)),
            ("1_0.5", float(10.5)),
            ("0.5e1_0", float(5e9)),
            ("0777", int(511)),
            ("99999999999999999999", float(1e20)),
            ("0.0", float(0.0)),
            ("1.", float(1.0)),
            ("-0o7", int(-7)),
            ("0o_7", int(7)),
            ("1:20", Reading::Text),
            ("0x1p3", Reading::Text),
            ("0o8", Reading::Text),
            ("_1", Reading::Text),
            ("1e400", Reading::Text),
            ("on", Reading::Text),
            ("True", Reading::Bool(true)),
            ("~", Reading::Null),
        ];
        for (text, expected) in cases {
            assert_eq!(compose_reading(text), expected, "{text}");
        }
    }

    /// Where serde-saphyr (YAML 1.2, as lowering reads raw values) and
    /// compose part ways: leading zeros, and `_` where YAML 1.2 has none.
    #[test]
    fn finds_the_scalars_the_readers_disagree_on() {
        let options = serde_saphyr::options! { strict_booleans: true, legacy_octal_numbers: false };
        let read = |yaml: &str| serde_saphyr::from_str_with_options(yaml, options.clone()).ok();
        let disagree = |yaml: &str| disagreement(yaml, read).map(|d| d.text);
        for yaml in [
            "010", "-010", "00", "0777", "0_1", "0b_1", "0o_7", "1_", "0.1_0", "1_0.5",
        ] {
            assert_eq!(disagree(yaml).as_deref(), Some(yaml));
        }
        for yaml in [
            "0",
            "10",
            "-5",
            "1.5",
            "0x10",
            "0o10",
            "0b10",
            "1_000",
            "1e3",
            ".5",
            "08",
            "1.",
            "on",
            "'010'",
            "!!str 010",
        ] {
            assert_eq!(disagree(yaml), None, "{yaml}");
        }
        assert_eq!(disagree("{a: [1, 010]}").as_deref(), Some("010"));
        assert_eq!(disagree("{010: a}").as_deref(), Some("010"));
        let found = disagreement("010", read).unwrap();
        assert_eq!(
            format!("{} / {}", found.compose, found.stackc),
            "the integer 8 / the float 10.0"
        );
    }
}

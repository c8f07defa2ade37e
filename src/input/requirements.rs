//! pip requirements files: `requirements.txt` and every file it names with
//! `-r` or `-c`, read the way pip reads them, so an image build can copy all
//! of them before `pip install` and a missing one is reported on its line.
//!
//! What is read, as pip's own `req_file.py` does:
//! - comments (`#` at a line's start or after whitespace), blank lines, and
//!   line continuations (a line ending in `\`, unless it is a comment);
//! - a line is split where its first word starting with `-` begins: the
//!   words before are a requirement, the rest are options (split like a
//!   shell does, then read like pip's option parser, long options by any
//!   unambiguous prefix);
//! - `-r`/`--requirement` and `-c`/`--constraint` in every spelling
//!   (`-r FILE`, `-rFILE`, `--requirement FILE`, `--requirement=FILE`);
//! - what needs files from the build context: `-e`/`--editable` local
//!   projects, local wheels, archives and folders, `-f`/`--find-links`
//!   folders;
//! - named requirements (PEP 508: name, extras, version specifiers,
//!   `name @ URL`, environment markers), their `--hash` options, and index
//!   URLs.
//!
//! What is deliberately not read: versions are not checked against PEP 440
//! beyond their operator, markers are not evaluated, and `${VAR}` is not
//! expanded (pip fills it from the environment when it runs: a file name
//! that uses one is reported as unknown). A requirement line's
//! per-requirement options other than `--hash` are accepted and ignored.

use std::collections::HashMap;
use std::fmt::Display;

use super::problem::Problem;
use crate::source::{Span, Spanned};

/// How pip reads an included file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncludeKind {
    /// `-r`: its requirements are installed.
    Requirement,
    /// `-c`: its lines only constrain versions; nothing in it is installed
    /// unless something else requires it.
    Constraint,
}

/// A `-r FILE` or `-c FILE` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Include {
    pub kind: IncludeKind,
    /// The file as written, relative to the including file's folder.
    pub path: Spanned<String>,
    /// The whole option line.
    pub span: Span,
}

impl Include {
    /// `http:`, `https:` or `file:`: pip fetches it, no folder holds it.
    pub fn is_url(&self) -> bool {
        has_scheme(&self.path.value)
    }
}

/// What a path in the file is, which decides where pip looks for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalKind {
    /// `-e ./libs/x` or `-e .`: the project's source, installed in place.
    Editable,
    /// A wheel, archive or project folder given as a requirement.
    Project,
    /// `-f ./wheels`: a folder pip searches for distributions.
    FindLinks,
}

/// A path on the local disk that pip needs while it installs.
///
/// pip resolves editables and projects against its working directory, not
/// against this file's folder; find-links against this file's folder when
/// the path exists there, else against the working directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalPath {
    pub kind: LocalKind,
    pub path: Spanned<String>,
}

/// A named requirement: `Django==5.0.9`, `psycopg[c]>=3.1; python_version >= "3.10"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// The name normalized as PEP 503 does (`Django_Filter` -> `django-filter`),
    /// with the span of the name as written.
    pub name: Spanned<String>,
    /// The version specifiers or `@ URL`, as written: `==5.0.9`, `>=4.2,<5`.
    pub spec: String,
    /// The environment marker after `;`, as written.
    pub marker: Option<String>,
    /// Exactly one version: `==X` without a wildcard, or `===X`.
    pub pinned: bool,
    /// The line has at least one `--hash`.
    pub hashed: bool,
    /// The requirement, without its options.
    pub span: Span,
}

/// One requirements file, read on its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequirementsFile {
    pub includes: Vec<Include>,
    pub local_paths: Vec<LocalPath>,
    pub packages: Vec<Package>,
    /// `--index-url` and `--extra-index-url` values: where pip downloads
    /// from (and, when they hold a password, a secret baked into a layer).
    pub index_urls: Vec<Spanned<String>>,
    pub problems: Vec<Problem>,
}

/// Reads one requirements file's text.
pub fn parse(text: &str) -> RequirementsFile {
    let mut file = RequirementsFile::default();
    for line in logical_lines(text) {
        read_line(&line, &mut file);
    }
    file
}

/// A line as pip sees it after joining continuations and removing the
/// comment, with the way back to the file's offsets.
struct Line {
    text: String,
    /// `(offset in text, offset in the file, length)` of each joined piece.
    pieces: Vec<(usize, usize, usize)>,
}

impl Line {
    /// The file offset of an offset into the joined line.
    fn file_offset(&self, at: usize) -> usize {
        let piece = self
            .pieces
            .partition_point(|&(start, _, _)| start <= at)
            .saturating_sub(1);
        let (start, file_start, len) = self.pieces[piece];
        file_start + (at - start).min(len)
    }

    fn span(&self, start: usize, end: usize) -> Span {
        let (start, end) = (self.file_offset(start), self.file_offset(end));
        Span::new(start, end.max(start))
    }
}

/// pip's preprocessing: continuations joined (a comment line ends them),
/// comments cut, surrounding whitespace trimmed, empty lines dropped.
fn logical_lines(text: &str) -> Vec<Line> {
    let body_start = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let mut lines = Vec::new();
    let mut pending: Option<Line> = None;
    let mut at = body_start;
    for raw in text[body_start..].split_inclusive('\n') {
        let start = at;
        at += raw.len();
        let content = raw.strip_suffix('\n').unwrap_or(raw);
        let content = content.strip_suffix('\r').unwrap_or(content);
        let is_comment = content.trim_start().starts_with('#');
        let continues = content.ends_with('\\') && !is_comment;
        let piece = if continues {
            // pip strips backslashes from both ends of a continued line.
            let lead = content.len() - content.trim_start_matches('\\').len();
            let kept = content.trim_matches('\\');
            (start + lead, kept)
        } else if is_comment {
            (start, "")
        } else {
            (start, content)
        };
        let line = pending.get_or_insert_with(|| Line {
            text: String::new(),
            pieces: Vec::new(),
        });
        line.pieces.push((line.text.len(), piece.0, piece.1.len()));
        line.text.push_str(piece.1);
        if !continues {
            lines.extend(pending.take().and_then(finish_line));
        }
    }
    lines.extend(pending.take().and_then(finish_line));
    lines
}

/// Cuts the comment and trims; `None` for a line left empty.
fn finish_line(mut line: Line) -> Option<Line> {
    let comment = line
        .text
        .char_indices()
        .find(|&(i, c)| c == '#' && (i == 0 || line.text[..i].chars().next_back().is_some_and(char::is_whitespace)));
    if let Some((i, _)) = comment {
        line.text.truncate(i);
    }
    let trimmed_end = line.text.trim_end().len();
    line.text.truncate(trimmed_end);
    let lead = line.text.len() - line.text.trim_start().len();
    if line.text.is_empty() {
        return None;
    }
    if lead > 0 {
        let start = line.file_offset(lead);
        line.text.replace_range(..lead, "");
        // Re-anchor the pieces on the trimmed text.
        line.pieces = line
            .pieces
            .iter()
            .filter_map(|&(s, f, len)| {
                let end = s + len;
                (end > lead).then(|| {
                    let cut = lead.saturating_sub(s);
                    (s + cut - lead, f + cut, len - cut)
                })
            })
            .collect();
        if line.pieces.is_empty() {
            line.pieces.push((0, start, line.text.len()));
        }
    }
    Some(line)
}

/// pip's options a requirements file may hold, by long name.
struct Opt {
    long: &'static str,
    short: Option<char>,
    takes_value: bool,
}

const OPTIONS: &[Opt] = &[
    opt("--requirement", Some('r'), true),
    opt("--constraint", Some('c'), true),
    opt("--editable", Some('e'), true),
    opt("--index-url", Some('i'), true),
    opt("--pypi-url", None, true),
    opt("--extra-index-url", None, true),
    opt("--no-index", None, false),
    opt("--find-links", Some('f'), true),
    opt("--no-binary", None, true),
    opt("--only-binary", None, true),
    opt("--prefer-binary", None, false),
    opt("--require-hashes", None, false),
    opt("--pre", None, false),
    opt("--trusted-host", None, true),
    opt("--use-feature", None, true),
    // Options of the requirement on the same line.
    opt("--hash", None, true),
    opt("--global-option", None, true),
    opt("--config-settings", Some('C'), true),
];

const fn opt(long: &'static str, short: Option<char>, takes_value: bool) -> Opt {
    Opt {
        long,
        short,
        takes_value,
    }
}

/// An option as given on a line: its long name and its value.
struct Given {
    long: &'static str,
    value: Option<Word>,
    /// The option's own word, for problems.
    span: Span,
}

fn read_line(line: &Line, file: &mut RequirementsFile) {
    let text = line.text.as_str();
    // pip splits on single spaces: the requirement ends at the first word
    // that starts with `-`.
    let mut options_at = text.len();
    let mut at = 0;
    for word in text.split(' ') {
        if word.starts_with('-') {
            options_at = at;
            break;
        }
        at += word.len() + 1;
    }
    let requirement = text[..options_at].trim_end();
    let options = read_options(line, options_at, file);

    if !requirement.is_empty() {
        let hashed = options.iter().any(|o| o.long == "--hash");
        for option in options
            .iter()
            .filter(|o| !matches!(o.long, "--hash" | "--global-option" | "--config-settings"))
        {
            file.problems.push(Problem::warning(
                option.span,
                format!(
                    "pip ignores `{}` on a requirement's line: give it a line of its own",
                    option.long
                ),
            ));
        }
        read_requirement(line, requirement, hashed, file);
        return;
    }

    // pip follows the first `-r` of a line, else its first `-c`.
    let is_include = |o: &&Given| matches!(o.long, "--requirement" | "--constraint");
    let followed = options
        .iter()
        .find(|o| o.long == "--requirement")
        .or_else(|| options.iter().find(is_include));
    for ignored in options
        .iter()
        .filter(is_include)
        .filter(|o| !followed.is_some_and(|f| std::ptr::eq(*o, f)))
    {
        file.problems.push(Problem::warning(
            ignored.span,
            "pip follows one `-r` or `-c` per line (the first `-r`): give each its own line",
        ));
    }
    if let Some(Given {
        long,
        value: Some(path),
        ..
    }) = followed
    {
        let kind = if *long == "--requirement" {
            IncludeKind::Requirement
        } else {
            IncludeKind::Constraint
        };
        file.includes.push(Include {
            kind,
            path: path.spanned(),
            span: line.span(0, text.len()),
        });
    }
    for option in &options {
        let Some(value) = &option.value else { continue };
        match option.long {
            "--editable" if !looks_remote(&value.text) => file.local_paths.push(LocalPath {
                kind: LocalKind::Editable,
                path: value.spanned(),
            }),
            "--find-links" if !has_scheme(&value.text) => file.local_paths.push(LocalPath {
                kind: LocalKind::FindLinks,
                path: value.spanned(),
            }),
            "--index-url" | "--pypi-url" | "--extra-index-url" => file.index_urls.push(value.spanned()),
            "--hash" => file.problems.push(Problem::warning(
                option.span,
                "`--hash` without a requirement on its line: pip ignores it",
            )),
            _ => {}
        }
    }
}

/// A word of the options, unquoted, with its span in the file.
struct Word {
    text: String,
    span: Span,
}

impl Word {
    fn spanned(&self) -> Spanned<String> {
        Spanned::new(self.text.clone(), self.span)
    }
}

/// Splits the options part like Python's `shlex.split` and reads each
/// option as pip's `optparse` parser does.
fn read_options(line: &Line, from: usize, file: &mut RequirementsFile) -> Vec<Given> {
    // pip's option parser stops the line at its first error.
    let words = match shell_words(&line.text[from..]) {
        Ok(words) => words,
        Err(at) => {
            file.problems.push(Problem::error(
                line.span(from + at, line.text.len()),
                "a quote that does not close: pip cannot read this line",
            ));
            return Vec::new();
        }
    };
    let mut given = Vec::new();
    let mut words = words
        .into_iter()
        .map(|(start, end, text)| (from + start, from + end, text));
    while let Some((start, end, text)) = words.next() {
        let word = Word {
            span: line.span(start, end),
            text,
        };
        let (opt, attached) = if let Some(long) = word.text.strip_prefix("--") {
            if long.is_empty() {
                // `--` ends the options; what follows is ignored.
                for (start, end, text) in words.by_ref() {
                    file.problems.push(Problem::warning(
                        line.span(start, end),
                        format!("pip ignores `{text}` here"),
                    ));
                }
                break;
            }
            let (name, value) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (long, None),
            };
            match long_option(name, word.span) {
                Ok(opt) => (opt, value),
                Err(problem) => {
                    file.problems.push(problem);
                    break;
                }
            }
        } else if let Some(rest) = word.text.strip_prefix('-').filter(|r| !r.is_empty()) {
            let mut chars = rest.chars();
            let short = chars.next().unwrap_or_default();
            match OPTIONS.iter().find(|o| o.short == Some(short)) {
                Some(opt) => (opt, Some(chars.as_str().to_string()).filter(|v| !v.is_empty())),
                None => {
                    file.problems.push(Problem::warning(
                        word.span,
                        format!("`-{short}` is not an option stackc knows pip to read in a requirements file"),
                    ));
                    break;
                }
            }
        } else {
            file.problems.push(Problem::warning(
                word.span,
                format!("pip ignores `{}`: one requirement or option set per line", word.text),
            ));
            continue;
        };
        let value = match (opt.takes_value, attached) {
            (false, Some(_)) => {
                file.problems
                    .push(Problem::error(word.span, format!("`{}` takes no value", opt.long)));
                break;
            }
            (false, None) => None,
            (true, Some(value)) => {
                // The value is the end of the word, after `-r` or `--name=`
                // as written; when quotes hide that, the whole word.
                let raw = &line.text[start..end];
                let prefix = raw
                    .len()
                    .checked_sub(value.len())
                    .filter(|&p| raw.get(p..) == Some(value.as_str()));
                let span = prefix.map_or(word.span, |p| line.span(start + p, end));
                Some(Word { text: value, span })
            }
            (true, None) => match words.next() {
                Some((start, end, text)) => Some(Word {
                    span: line.span(start, end),
                    text,
                }),
                None => {
                    file.problems
                        .push(Problem::error(word.span, format!("`{}` needs a value", opt.long)));
                    continue;
                }
            },
        };
        given.push(Given {
            long: opt.long,
            value,
            span: word.span,
        });
    }
    given
}

/// A long option by its full name or, as `optparse` allows, any prefix
/// that names only one. An ambiguous prefix is an error, as in pip; an
/// unknown name only a warning, since pip grows options.
fn long_option(name: &str, span: Span) -> Result<&'static Opt, Problem> {
    let full = format!("--{name}");
    if let Some(exact) = OPTIONS.iter().find(|o| o.long == full) {
        return Ok(exact);
    }
    let mut matches = OPTIONS.iter().filter(|o| o.long.starts_with(&full));
    match (matches.next(), matches.next()) {
        (Some(only), None) => Ok(only),
        (Some(a), Some(b)) => Err(Problem::error(
            span,
            format!("`{full}` is ambiguous: it starts `{}` and `{}`", a.long, b.long),
        )),
        _ => Err(Problem::warning(
            span,
            format!("`{full}` is not an option stackc knows pip to read in a requirements file"),
        )),
    }
}

/// Python's `shlex.split` (POSIX mode, no comments): each word's start
/// and end in `text` and its unquoted value; `Err` at an unclosed quote.
fn shell_words(text: &str) -> Result<Vec<(usize, usize, String)>, usize> {
    let mut words = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut value = String::new();
        let mut end = start;
        while let Some(&(i, c)) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            end = i + c.len_utf8();
            match c {
                '\'' => loop {
                    match chars.next() {
                        Some((j, '\'')) => {
                            end = j + 1;
                            break;
                        }
                        Some((_, c)) => value.push(c),
                        None => return Err(i),
                    }
                },
                '"' => loop {
                    match chars.next() {
                        Some((j, '"')) => {
                            end = j + 1;
                            break;
                        }
                        Some((_, '\\')) => match chars.next() {
                            Some((_, c @ ('"' | '\\' | '$' | '`'))) => value.push(c),
                            Some((_, '\n')) => {}
                            Some((_, c)) => {
                                value.push('\\');
                                value.push(c);
                            }
                            None => return Err(i),
                        },
                        Some((_, c)) => value.push(c),
                        None => return Err(i),
                    }
                },
                '\\' => {
                    if let Some((j, c)) = chars.next() {
                        end = j + c.len_utf8();
                        value.push(c);
                    }
                }
                c => value.push(c),
            }
        }
        words.push((start, end, value));
    }
    Ok(words)
}

/// Reads the requirement part of a line: a path, a URL, or a named
/// requirement.
fn read_requirement(line: &Line, requirement: &str, hashed: bool, file: &mut RequirementsFile) {
    let span = line.span(0, requirement.len());
    // Paths and URLs carry their marker after `; `, as pip splits them.
    let location = requirement.split_once("; ").map_or(requirement, |(l, _)| l).trim_end();
    if looks_remote(location) {
        return;
    }
    if looks_like_path(location) {
        file.local_paths.push(LocalPath {
            kind: LocalKind::Project,
            path: Spanned::new(location.to_string(), line.span(0, location.len())),
        });
        return;
    }
    match named_requirement(requirement) {
        Ok(parts) => file.packages.push(Package {
            name: Spanned::new(normalize_name(parts.name), line.span(0, parts.name.len())),
            pinned: is_pinned(parts.spec),
            spec: parts.spec.to_string(),
            marker: parts.marker.map(str::to_string),
            hashed,
            span,
        }),
        Err(why) => file
            .problems
            .push(Problem::error(span, format!("pip cannot read this requirement: {why}"))),
    }
}

/// `http:`, `https:` or `file:` at the start, as pip tests.
fn has_scheme(text: &str) -> bool {
    let lower = text.get(..6).unwrap_or(text).to_ascii_lowercase();
    ["http:", "https:", "file:"].iter().any(|s| lower.starts_with(s))
}

/// A URL or a VCS reference (`git+https://...`): nothing in the build
/// context.
fn looks_remote(text: &str) -> bool {
    let scheme = text.split_once("://").map(|(s, _)| s);
    scheme.is_some_and(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
        || has_scheme(text)
}

/// pip's test for a path: it holds a path separator or starts with `.`;
/// a name ending like a distribution file is one too.
fn looks_like_path(text: &str) -> bool {
    const ARCHIVES: &[&str] = &[".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar"];
    let is_url_requirement = text.contains('@');
    !is_url_requirement && (text.contains('/') || text.starts_with('.') || ARCHIVES.iter().any(|a| text.ends_with(a)))
}

struct Parts<'a> {
    name: &'a str,
    spec: &'a str,
    marker: Option<&'a str>,
}

/// PEP 508's `name [extras] specifiers ; marker` (or `name @ URL`).
fn named_requirement(text: &str) -> Result<Parts<'_>, String> {
    let name_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
        .unwrap_or(text.len());
    let name = &text[..name_end];
    let valid_name =
        name.starts_with(|c: char| c.is_ascii_alphanumeric()) && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !valid_name {
        return Err(format!(
            "`{}` is not a package name",
            text.split_whitespace().next().unwrap_or(text)
        ));
    }
    let mut rest = text[name_end..].trim_start();
    if let Some(extras) = rest.strip_prefix('[') {
        let close = extras.find(']').ok_or("its `[extras]` do not close")?;
        rest = extras[close + 1..].trim_start();
    }
    let (spec, marker) = match rest.split_once(';') {
        Some((spec, marker)) => (spec.trim(), Some(marker.trim())),
        None => (rest.trim(), None),
    };
    if spec.starts_with('@') {
        return Ok(Parts {
            name,
            spec,
            marker: None,
        });
    }
    let versions = spec.strip_prefix('(').and_then(|s| s.strip_suffix(')')).unwrap_or(spec);
    for clause in versions
        .split(',')
        .map(str::trim)
        .filter(|c| !(c.is_empty() && versions.trim().is_empty()))
    {
        let op_end = clause.find(|c: char| !"<>=!~".contains(c)).unwrap_or(clause.len());
        let op = &clause[..op_end];
        if !matches!(op, "===" | "==" | "!=" | "~=" | "<=" | ">=" | "<" | ">") {
            return Err(format!("`{clause}` is not a version specifier (`==`, `>=`, `~=` ...)"));
        }
        if clause[op_end..].trim().is_empty() {
            return Err(format!("`{clause}` names no version"));
        }
    }
    Ok(Parts { name, spec, marker })
}

/// Exactly one version allowed: one `==` clause without a wildcard, or `===`.
fn is_pinned(spec: &str) -> bool {
    let versions = spec.strip_prefix('(').and_then(|s| s.strip_suffix(')')).unwrap_or(spec);
    if versions.contains(',') {
        return false;
    }
    let clause = versions.trim();
    clause.starts_with("===") || (clause.starts_with("==") && !clause.ends_with(".*"))
}

/// PEP 503: lowercase, each run of `-`, `_` and `.` one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if "-_.".contains(c) {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The most files a closure reads. A real project has a handful; the
/// bound keeps a generated tree of includes (each file up to the input
/// size limit) from costing unbounded time and memory.
pub const MAX_FILES: usize = 256;

/// Every requirements file pip reads for one `pip install -r ROOT`.
#[derive(Clone, Debug, Default)]
pub struct Closure {
    /// In the order pip first reads them, the root first; each file once.
    pub files: Vec<ClosureFile>,
    /// Why the root itself could not be read.
    pub root_error: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ClosureFile {
    /// Relative to the build context, normalized (`requirements/base.txt`).
    pub path: String,
    /// How pip first reads it: the root as requirements. (A file named
    /// by both `-c` and `-r` is listed once, with the first.)
    pub kind: IncludeKind,
    /// The include line that first brought it in; `None` for the root.
    pub included_by: Option<IncludedBy>,
    pub text: String,
    /// Its reading; its `problems` also hold the closure's findings on its
    /// include lines (a missing file, a path out of the build context, a
    /// cycle), each on the line's span in this file's text.
    pub parsed: RequirementsFile,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IncludedBy {
    /// Index of the including file in [`Closure::files`].
    pub file: usize,
    /// The include's path in that file.
    pub span: Span,
}

impl Closure {
    /// The files to copy into the build context before `pip install`.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|f| f.path.as_str())
    }
}

/// Follows `-r` and `-c` from `root` (a path relative to the build
/// context) the way pip does: depth first, in line order, each path
/// relative to the folder of the file that names it. `load` reads a
/// normalized context-relative path. Paths that leave the build context
/// are refused (a `COPY` cannot reach them), a file that includes itself
/// is reported (pip fails on it), and at most [`MAX_FILES`] are read.
pub fn closure<E: Display>(root: &str, mut load: impl FnMut(&str) -> Result<String, E>) -> Closure {
    let mut closure = Closure::default();
    let root_path = match normalize_path("", root) {
        Ok(path) => path,
        Err(why) => {
            closure.root_error = Some(why.to_string());
            return closure;
        }
    };
    match load(&root_path) {
        Ok(text) => closure
            .files
            .push(read_file(root_path.clone(), IncludeKind::Requirement, None, text)),
        Err(e) => {
            closure.root_error = Some(e.to_string());
            return closure;
        }
    }
    let mut index = HashMap::from([(root_path, 0)]);
    let mut unreadable: HashMap<String, String> = HashMap::new();
    let mut on_stack = vec![true];
    // (file, next include to follow): pip's recursion, unrolled.
    let mut stack = vec![(0usize, 0usize)];
    while let Some((file, next)) = stack.last_mut() {
        let file = *file;
        let Some(include) = closure.files[file].parsed.includes.get(*next).cloned() else {
            on_stack[file] = false;
            stack.pop();
            continue;
        };
        *next += 1;
        let folder = closure.files[file]
            .path
            .rsplit_once('/')
            .map_or("", |(folder, _)| folder);
        let found = match include_target(&include, folder) {
            Ok(None) => continue,
            Ok(Some(target)) => match (index.get(&target), unreadable.get(&target)) {
                (Some(&seen), _) if on_stack[seen] => Err(format!(
                    "`{target}` is already being read: this include makes a cycle, and pip stops on it"
                )),
                (Some(_), _) => continue,
                (None, Some(why)) => Err(format!("cannot read `{target}`: {why}")),
                (None, None) if closure.files.len() >= MAX_FILES => Err(format!(
                    "more than {MAX_FILES} requirements files: stackc stops following includes here"
                )),
                (None, None) => load(&target).map(|text| (target.clone(), text)).map_err(|e| {
                    let why = e.to_string();
                    let message = format!("cannot read `{target}`: {why}");
                    unreadable.insert(target, why);
                    message
                }),
            }
            .map_err(|message| Problem::error(include.path.span, message)),
            Err(problem) => Err(problem),
        };
        match found {
            Ok((target, text)) => {
                let by = IncludedBy {
                    file,
                    span: include.path.span,
                };
                index.insert(target.clone(), closure.files.len());
                closure.files.push(read_file(target, include.kind, Some(by), text));
                on_stack.push(true);
                stack.push((closure.files.len() - 1, 0));
            }
            Err(problem) => closure.files[file].parsed.problems.push(problem),
        }
    }
    closure
}

/// The context-relative file an include names from `folder`; `None` for a
/// URL pip downloads.
fn include_target(include: &Include, folder: &str) -> Result<Option<String>, Problem> {
    let written = include.path.as_str();
    let span = include.path.span;
    if include.is_url() {
        return if written.get(..5).is_some_and(|s| s.eq_ignore_ascii_case("file:")) {
            Err(Problem::error(
                span,
                "a `file:` URL names a file outside the build context: name it by a relative path",
            ))
        } else {
            Ok(None)
        };
    }
    if let Some(var) = env_reference(written) {
        return Err(Problem::warning(
            span,
            format!("pip fills `{var}` from its environment when it runs: stackc cannot tell which file to copy"),
        ));
    }
    normalize_path(folder, written)
        .map(Some)
        .map_err(|why| Problem::error(span, format!("`{written}`: {why}")))
}

fn read_file(path: String, kind: IncludeKind, included_by: Option<IncludedBy>, text: String) -> ClosureFile {
    ClosureFile {
        parsed: parse(&text),
        path,
        kind,
        included_by,
        text,
    }
}

/// The first `${NAME}` pip would expand (upper case, digits, `_`).
fn env_reference(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        let after = &rest[at + 2..];
        if let Some(close) = after.find('}') {
            let name = &after[..close];
            if !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            {
                return Some(&rest[at..at + close + 3]);
            }
        }
        rest = after;
    }
    None
}

/// `path` joined to `folder` (both relative to the build context) with
/// `.` and `..` resolved; an absolute path or one that climbs out of the
/// context is refused.
fn normalize_path(folder: &str, path: &str) -> Result<String, &'static str> {
    // The image is Linux: `C:x` and `\x` are file names there, not Windows paths.
    if path.starts_with('/') {
        return Err("an absolute path is outside the build context, where the image build cannot copy it from");
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in folder.split('/').chain(path.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err("climbs out of the build context, where the image build cannot copy it from");
                }
            }
            part => parts.push(part),
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    /// The text a span covers.
    fn at(text: &str, span: Span) -> &str {
        &text[span.range()]
    }

    const BASE: &str = "\
# Core
python-slugify==8.0.4  # https://github.com/un33k/python-slugify
Pillow==10.4.0  # https://github.com/python-pillow/Pillow
argon2-cffi==23.1.0
redis==5.0.8
hiredis==3.0.0
uvicorn[standard]==0.30.6  # https://github.com/encode/uvicorn

# Django
# ------------------------------------------------------------------------------
django==5.0.9  # pyup: < 5.1
django-environ==0.11.2
django_crispy_forms>=2.0,<3
djangorestframework~=3.15
";

    #[test]
    fn reads_packages_pins_and_names() {
        let file = parse(BASE);
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        let names: Vec<_> = file.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "python-slugify",
                "pillow",
                "argon2-cffi",
                "redis",
                "hiredis",
                "uvicorn",
                "django",
                "django-environ",
                "django-crispy-forms",
                "djangorestframework"
            ]
        );
        let pinned: Vec<_> = file.packages.iter().map(|p| p.pinned).collect();
        assert_eq!(pinned, [true, true, true, true, true, true, true, true, false, false]);
        let uvicorn = &file.packages[5];
        assert_eq!(at(BASE, uvicorn.name.span), "uvicorn");
        assert_eq!(at(BASE, uvicorn.span), "uvicorn[standard]==0.30.6");
        assert_eq!(uvicorn.spec, "==0.30.6");
        assert_eq!(at(BASE, file.packages[8].name.span), "django_crispy_forms");
    }

    #[test]
    fn reads_every_include_spelling() {
        let text = "-r base.txt\n--requirement ./dev.txt\n--requirement=test.txt\n-rlint.txt\n\
                    -c constraints.txt\n--constraint=c2.txt\n--requirem 'my reqs.txt'\n-r\tdocs.txt # docs\n";
        let file = parse(text);
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        let includes: Vec<_> = file
            .includes
            .iter()
            .map(|i| (i.kind, at(text, i.path.span), i.path.as_str()))
            .collect();
        use IncludeKind::*;
        assert_eq!(
            includes,
            [
                (Requirement, "base.txt", "base.txt"),
                (Requirement, "./dev.txt", "./dev.txt"),
                (Requirement, "test.txt", "test.txt"),
                (Requirement, "lint.txt", "lint.txt"),
                (Constraint, "constraints.txt", "constraints.txt"),
                (Constraint, "c2.txt", "c2.txt"),
                (Requirement, "'my reqs.txt'", "my reqs.txt"),
                (Requirement, "docs.txt", "docs.txt"),
            ]
        );
        assert_eq!(at(text, file.includes[7].span), "-r\tdocs.txt");
    }

    #[test]
    fn reads_local_paths_urls_and_indexes() {
        let text = "\
--index-url https://pypi.example.com/simple
--extra-index-url=https://user:token@private.example.com/simple
--trusted-host private.example.com
-f ./wheels
--find-links https://download.example.com/wheels
-e .
-e ./libs/payments
--editable git+https://github.com/example/lib.git#egg=lib
./wheels/internal-1.0-py3-none-any.whl
.
internal_lib-2.0.tar.gz
mylib @ git+https://github.com/example/mylib.git@v1.2
https://example.com/pkg-1.0.zip
--pre
--no-binary :all:
--only-binary=psycopg
";
        let file = parse(text);
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        let locals: Vec<_> = file
            .local_paths
            .iter()
            .map(|l| (l.kind, at(text, l.path.span)))
            .collect();
        use LocalKind::*;
        assert_eq!(
            locals,
            [
                (FindLinks, "./wheels"),
                (Editable, "."),
                (Editable, "./libs/payments"),
                (Project, "./wheels/internal-1.0-py3-none-any.whl"),
                (Project, "."),
                (Project, "internal_lib-2.0.tar.gz"),
            ]
        );
        let urls: Vec<_> = file.index_urls.iter().map(|u| u.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://pypi.example.com/simple",
                "https://user:token@private.example.com/simple"
            ]
        );
        assert_eq!(file.packages.len(), 1);
        assert_eq!(file.packages[0].name.as_str(), "mylib");
        assert_eq!(file.packages[0].spec, "@ git+https://github.com/example/mylib.git@v1.2");
        assert!(!file.packages[0].pinned);
    }

    #[test]
    fn hashes_markers_and_continuations() {
        let text = "\
django==4.2.16 \\
    --hash=sha256:1ddc333a16fc139fd253035a1606bb24261951bbc3a6ca256717fa06cc41a898 \\
    --hash=sha256:6f1616c2786c408ce86ab7e10f792b8f15742f7b7b7460243929cb371e7f1dad
    # via -r requirements.in
importlib-metadata==8.5.0 ; python_version < \"3.10\"
requests [security] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"
legacy===1.0-custom
docopt (==0.6.1)
";
        let file = parse(text);
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        let django = &file.packages[0];
        assert!(django.pinned && django.hashed);
        assert_eq!(at(text, django.span), "django==4.2.16");
        let meta = &file.packages[1];
        assert_eq!(meta.marker.as_deref(), Some("python_version < \"3.10\""));
        assert!(meta.pinned && !meta.hashed);
        assert!(!file.packages[2].pinned, "a wildcard with another clause is a range");
        assert!(file.packages[3].pinned, "`===` is an exact pin");
        assert!(file.packages[4].pinned);
        assert!(file.includes.is_empty(), "`-r` in a comment is no include");
    }

    #[test]
    fn comments_need_whitespace_before_them() {
        let text =
            "pkg @ https://example.com/p.zip#egg=pkg\n#-r hidden.txt\n  # -r hidden2.txt\n-r real.txt # -r not.txt\n";
        let file = parse(text);
        assert_eq!(file.includes.len(), 1);
        assert_eq!(file.includes[0].path.as_str(), "real.txt");
        assert_eq!(file.packages[0].spec, "@ https://example.com/p.zip#egg=pkg");
    }

    #[test]
    fn a_continued_include_keeps_spans_in_the_file() {
        let text = "-r \\\n  base.txt\r\nflask\r\n";
        let file = parse(text);
        assert_eq!(file.includes[0].path.as_str(), "base.txt");
        assert_eq!(at(text, file.includes[0].path.span), "base.txt");
        assert_eq!(at(text, file.packages[0].span), "flask");
    }

    #[test]
    fn bad_lines_are_problems() {
        let text = "django=5.0\n-r\n--nope x\n-x y\n-r 'open\n--pre=yes\nflask -r other.txt\n-r a.txt -r b.txt\n--hash=sha256:00\n-r a.txt stray\nrequests[security\npkg >=\n";
        let file = parse(text);
        let found: Vec<_> = file.problems.iter().map(|p| (p.severity, at(text, p.span))).collect();
        use Severity::*;
        assert_eq!(
            found,
            [
                (Error, "django=5.0"),
                (Error, "-r"),
                (Warning, "--nope"),
                (Warning, "-x"),
                (Error, "'open"),
                (Error, "--pre=yes"),
                (Warning, "-r"),
                (Warning, "-r"),
                (Warning, "--hash=sha256:00"),
                (Warning, "stray"),
                (Error, "requests[security"),
                (Error, "pkg >="),
            ]
        );
        assert!(file.problems[2].message.contains("not an option stackc knows"));
    }

    #[test]
    fn long_options_by_unambiguous_prefix() {
        let file = parse("--extra-index https://x.example/simple\n--no x\n");
        assert_eq!(file.index_urls.len(), 1);
        assert!(file.problems[0].message.contains("ambiguous"), "{:?}", file.problems);
    }

    #[test]
    fn names_normalize_as_pep_503() {
        assert_eq!(normalize_name("Django_Filter"), "django-filter");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_name("a-_.b"), "a-b");
    }

    /// A project laid out like cookiecutter-django's, with includes in
    /// subfolders, a diamond and a constraints file.
    fn project() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("requirements.txt", "# Heroku-style root\n-r requirements/production.txt\n"),
            (
                "requirements/production.txt",
                "# PRECAUTION: avoid production dependencies that aren't in development\n\n-r base.txt\n-c ../constraints/prod.txt\n\ngunicorn==23.0.0\npsycopg[c]==3.2.2\n",
            ),
            ("requirements/base.txt", "-r common/core.txt\ndjango==5.0.9\n"),
            ("requirements/common/core.txt", "-r ../base.txt\nredis==5.0.8\n"),
            ("constraints/prod.txt", "-r ../requirements/base.txt\nurllib3<3\n"),
        ])
    }

    fn load<'a>(
        files: &'a HashMap<&str, &str>,
        reads: &'a mut Vec<String>,
    ) -> impl FnMut(&str) -> Result<String, String> + 'a {
        move |path: &str| {
            reads.push(path.to_string());
            files
                .get(path)
                .map(|t| t.to_string())
                .ok_or_else(|| "no such file".to_string())
        }
    }

    #[test]
    fn closure_follows_includes_relative_to_the_includer() {
        let files = project();
        let mut reads = Vec::new();
        let closure = closure("./requirements.txt", load(&files, &mut reads));
        assert!(closure.root_error.is_none());
        assert_eq!(
            closure.paths().collect::<Vec<_>>(),
            [
                "requirements.txt",
                "requirements/production.txt",
                "requirements/base.txt",
                "requirements/common/core.txt",
                "constraints/prod.txt",
            ]
        );
        assert_eq!(reads.len(), 5, "each file is read once: {reads:?}");
        let kinds: Vec<_> = closure.files.iter().map(|f| f.kind).collect();
        use IncludeKind::*;
        assert_eq!(kinds, [Requirement, Requirement, Requirement, Requirement, Constraint]);
        let core = &closure.files[3];
        let by = core.included_by.unwrap();
        assert_eq!(by.file, 2);
        assert_eq!(at(&closure.files[2].text, by.span), "common/core.txt");
        // core.txt includes base.txt, which is still being read: a cycle,
        // reported on core's line. The constraints file's `-r` of the same
        // file is no cycle: base.txt was read and finished by then.
        let problems: Vec<_> = closure.files.iter().map(|f| f.parsed.problems.len()).collect();
        assert_eq!(problems, [0, 0, 0, 1, 0]);
        let cycle = &core.parsed.problems[0];
        assert_eq!(at(&core.text, cycle.span), "../base.txt");
        assert!(cycle.message.contains("cycle"));
    }

    #[test]
    fn closure_refuses_escapes_and_reports_missing_files_on_their_line() {
        let files = HashMap::from([
            (
                "requirements/local.txt",
                "-r base.txt\n-r ../../etc/passwd\n-r /etc/hosts\n-r ${REQS_DIR}/x.txt\n-r https://example.com/r.txt\n-r file:///etc/passwd\n-r ../../requirements/ok.txt\n",
            ),
        ]);
        let mut reads = Vec::new();
        let closure = closure("requirements/local.txt", load(&files, &mut reads));
        let root = &closure.files[0];
        let found: Vec<_> = root
            .parsed
            .problems
            .iter()
            .map(|p| (p.severity, at(&root.text, p.span)))
            .collect();
        use Severity::*;
        assert_eq!(
            found,
            [
                (Error, "base.txt"),
                (Error, "../../etc/passwd"),
                (Error, "/etc/hosts"),
                (Warning, "${REQS_DIR}/x.txt"),
                (Error, "file:///etc/passwd"),
                (Error, "../../requirements/ok.txt"),
            ]
        );
        assert!(root.parsed.problems[0].message.contains("requirements/base.txt"));
        assert!(root.parsed.problems[1].message.contains("climbs out"));
        assert_eq!(reads, ["requirements/local.txt", "requirements/base.txt"]);
    }

    #[test]
    fn closure_of_an_unreadable_or_escaping_root() {
        let files = HashMap::new();
        let mut reads = Vec::new();
        assert_eq!(
            closure("req.txt", load(&files, &mut reads)).root_error.as_deref(),
            Some("no such file")
        );
        let escaping = closure("../req.txt", load(&files, &mut reads));
        assert!(escaping.root_error.unwrap().contains("climbs out"));
        assert_eq!(reads, ["req.txt"]);
    }

    #[test]
    fn closure_is_bounded() {
        // A chain of generated files, each including the next.
        let mut reads = 0;
        let closure = closure("r0.txt", |path: &str| -> Result<String, String> {
            reads += 1;
            let n: usize = path[1..path.len() - 4].parse().unwrap();
            Ok(format!("-r r{}.txt\n", n + 1))
        });
        assert_eq!(closure.files.len(), MAX_FILES);
        assert_eq!(reads, MAX_FILES);
        let last = closure.files.last().unwrap();
        assert!(last.parsed.problems[0].message.contains("more than"));
    }

    #[test]
    fn a_file_including_itself_is_a_cycle() {
        let closure = closure("a.txt", |_: &str| Ok::<_, String>("-r ./a.txt\n".to_string()));
        assert_eq!(closure.files.len(), 1);
        assert!(closure.files[0].parsed.problems[0].message.contains("cycle"));
    }

    #[test]
    fn never_panics_on_mutated_inputs() {
        let seeds = [
            BASE,
            "-r \\\n base.txt\n-e ./x # c\n--hash=sha256:ab \\\n",
            "a[b]==1;c\n--req='x y' -c\"z\"\n",
        ];
        for seed in seeds {
            for text in crate::input::mutate::mutations(seed, 2000) {
                let file = parse(&text);
                for span in file
                    .problems
                    .iter()
                    .map(|p| p.span)
                    .chain(file.packages.iter().map(|p| p.span))
                {
                    assert!(text.get(span.start()..span.end()).is_some(), "{span:?} in {text:?}");
                }
                let _ = closure(
                    "r.txt",
                    |p: &str| if p == "r.txt" { Ok(text.clone()) } else { Err("missing") },
                );
            }
        }
    }
}

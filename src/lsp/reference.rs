//! What each keyword means, read from the language reference itself
//! (`docs/language.md`, built into the binary): the hover text and the
//! completion documentation are rows of its statement tables, so they say
//! what the reference says and cannot drift from it.
//!
//! A table is a statement table when its first column is a `statement`,
//! an `option` or a `probe`. A row's first cell holds the statement's
//! forms in backticks (`mount VOLUME at PATH [ro]`); the first word of each
//! form is the keyword the row is about, and the other keywords in it are
//! the ones it explains. A test checks that every keyword of the grammar is
//! in some row, so a new statement needs its row in the reference.

use std::sync::OnceLock;

/// The language reference, as written.
const LANGUAGE_MD: &str = include_str!("../../docs/language.md");

/// Where the reference is published, beside the rules page.
const PAGE_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/language.md");

/// One row of a statement table.
#[derive(Debug)]
pub struct Row {
    /// The statement's forms, as the first cell writes them in backticks.
    pub forms: Vec<String>,
    /// The first word of each form: the keywords the row is about.
    heads: Vec<String>,
    /// Every word of the forms.
    words: Vec<String>,
    /// The other cells, with their column names ("meaning", "default").
    cells: Vec<(String, String)>,
    /// The `where` cell, when the table has one: the blocks it applies in.
    places: Option<String>,
    /// The heading of the section the table is in, and its anchor.
    section: usize,
}

#[derive(Debug)]
struct Section {
    title: String,
    anchor: String,
}

pub struct Reference {
    rows: Vec<Row>,
    sections: Vec<Section>,
}

/// The reference of the crate's own `docs/language.md`, read once.
pub fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| Reference::parse(LANGUAGE_MD))
}

/// Where a keyword stands, which picks the rows about it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Place<'a> {
    /// The keyword that starts the statement the word is in.
    pub statement: Option<&'a str>,
    /// The keyword of the block the statement is in (`service`, `location`).
    pub block: Option<&'a str>,
}

impl Reference {
    fn parse(markdown: &str) -> Reference {
        let mut sections = vec![Section {
            title: "The stack spec language".to_string(),
            anchor: String::new(),
        }];
        let mut rows = Vec::new();
        let mut header: Option<Vec<String>> = None;
        let mut in_code = false;
        for line in markdown.lines() {
            if line.starts_with("```") {
                in_code = !in_code;
            }
            if in_code {
                continue;
            }
            if let Some(title) = line.strip_prefix("##").map(|t| t.trim_start_matches('#').trim()) {
                sections.push(Section {
                    title: title.to_string(),
                    anchor: anchor(title),
                });
                continue;
            }
            let Some(cells) = table_cells(line) else {
                header = None;
                continue;
            };
            match &header {
                None => header = Some(cells),
                Some(_) if cells.iter().all(|c| c.chars().all(|ch| ch == '-' || ch == ':')) => {}
                Some(columns) => {
                    if ["statement", "option", "probe"].contains(&columns[0].as_str()) {
                        rows.extend(Row::new(columns, cells, sections.len() - 1));
                    }
                }
            }
        }
        Reference { rows, sections }
    }

    /// The rows about `keyword` where it stands, best first.
    pub fn rows_for(&self, keyword: &str, place: Place) -> Vec<&Row> {
        // The statement explains its own words (`at` in `mount`); a
        // statement is explained by its block's row (`server` in an
        // `upstream`), else by its own rows.
        let context = match place.statement {
            Some(statement) if statement != keyword => Some(statement),
            _ => place.block,
        };
        let headed =
            |word: &str| -> Vec<&Row> { self.rows.iter().filter(|r| r.heads.iter().any(|h| h == word)).collect() };
        if let Some(context) = context {
            let explained: Vec<&Row> = headed(context).into_iter().filter(|r| r.mentions(keyword)).collect();
            if !explained.is_empty() {
                return explained;
            }
            // An option of the statement in a table of its own section
            // (`timeout` of `ready`, not of `gunicorn`).
            let sections: Vec<usize> = headed(context).iter().map(|r| r.section).collect();
            let beside: Vec<&Row> = headed(keyword)
                .into_iter()
                .filter(|r| sections.contains(&r.section))
                .collect();
            if !beside.is_empty() {
                return beside;
            }
        }
        let own = in_block(headed(keyword), place.block);
        if !own.is_empty() {
            return own;
        }
        if let Some(statement) = context.map(headed).filter(|rows| !rows.is_empty()) {
            return statement;
        }
        self.rows.iter().filter(|r| r.mentions(keyword)).collect()
    }

    /// Markdown about `keyword`: its rows, and a link to their section.
    pub fn describe(&self, keyword: &str, place: Place) -> Option<String> {
        let rows = self.rows_for(keyword, place);
        let first = rows.first()?;
        let mut text = String::new();
        for row in &rows {
            text.push_str(&row.markdown());
            text.push_str("\n\n");
        }
        let section = &self.sections[first.section];
        text.push_str(&format!(
            "[{}]({PAGE_URL}#{})",
            section.title.replace('`', ""),
            section.anchor
        ));
        Some(text)
    }

    /// One line for a completion item: the keyword's first form.
    pub fn form(&self, keyword: &str, place: Place) -> Option<String> {
        let rows = self.rows_for(keyword, place);
        let form = rows.first()?.forms.iter().find(|f| first_word(f) == keyword)?;
        Some(form.clone())
    }
}

/// Of rows that say where they apply, the ones for `block`; rows that do
/// not say apply anywhere.
fn in_block<'a>(rows: Vec<&'a Row>, block: Option<&str>) -> Vec<&'a Row> {
    let Some(block) = block else { return rows };
    let here: Vec<&'a Row> = rows
        .iter()
        .copied()
        .filter(|r| r.applies_in(block) == Some(true))
        .collect();
    if !here.is_empty() {
        return here;
    }
    let anywhere: Vec<&'a Row> = rows.iter().copied().filter(|r| r.places.is_none()).collect();
    if anywhere.is_empty() {
        rows
    } else {
        anywhere
    }
}

impl Row {
    /// A row whose first cell is forms in backticks; `None` for a row that
    /// describes statements in words ("and the runtime statements").
    fn new(columns: &[String], cells: Vec<String>, section: usize) -> Option<Row> {
        let first = cells.first()?;
        let forms = code_spans(first);
        let outside: String = first.split('`').step_by(2).collect();
        if forms.is_empty() || outside.chars().any(|c| c != ',' && !c.is_whitespace()) {
            return None;
        }
        let heads = forms.iter().map(|f| first_word(f).to_string()).collect();
        let words = forms.iter().flat_map(|f| words(f)).map(str::to_string).collect();
        let mut places = None;
        let mut rest = Vec::new();
        for (column, cell) in columns.iter().zip(&cells).skip(1) {
            if column == "where" {
                places = Some(cell.clone());
            } else {
                rest.push((column.clone(), cell.clone()));
            }
        }
        Some(Row {
            forms,
            heads,
            words,
            cells: rest,
            places,
            section,
        })
    }

    pub fn mentions(&self, word: &str) -> bool {
        self.words.iter().any(|w| w == word)
    }

    fn applies_in(&self, block: &str) -> Option<bool> {
        self.places.as_ref().map(|p| words(p).any(|w| w == block))
    }

    fn markdown(&self) -> String {
        let forms: Vec<String> = self.forms.iter().map(|f| format!("`{f}`")).collect();
        let mut text = format!("**{}**", forms.join(", "));
        for (column, cell) in &self.cells {
            if column == "meaning" || column == "healthy when" {
                text.push_str(&format!(": {cell}"));
            } else {
                text.push_str(&format!(" ({column}: {cell})"));
            }
        }
        if let Some(places) = &self.places {
            text.push_str(&format!(" (in: {places})"));
        }
        text
    }
}

/// The cells of a table line, `\|` kept as `|`; `None` for other lines.
fn table_cells(line: &str) -> Option<Vec<String>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().expect("one cell").push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            _ => cells.last_mut().expect("one cell").push(c),
        }
    }
    Some(cells.into_iter().map(|c| c.trim().to_string()).collect())
}

/// The text inside each pair of backticks.
fn code_spans(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .filter(|w| !w.is_empty())
}

fn first_word(form: &str) -> &str {
    words(form).next().unwrap_or("")
}

/// GitHub's anchor for a heading: lowercase, punctuation dropped, spaces
/// as `-`.
fn anchor(title: &str) -> String {
    title
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_form(keyword: &str, statement: Option<&str>, block: Option<&str>) -> String {
        let place = Place { statement, block };
        let rows = reference().rows_for(keyword, place);
        rows.first()
            .map(|r| r.forms.join(", "))
            .unwrap_or_else(|| panic!("no row for `{keyword}`"))
    }

    #[test]
    fn every_grammar_keyword_is_in_the_reference() {
        let missing: Vec<&String> = crate::syntax::keywords()
            .iter()
            .filter(|k| !reference().rows.iter().any(|r| r.mentions(k)))
            .collect();
        assert!(
            missing.is_empty(),
            "docs/language.md has no statement-table row for {missing:?}: add one, it is also the hover text"
        );
    }

    #[test]
    fn the_place_picks_the_row() {
        assert_eq!(
            first_form("at", Some("mount"), Some("service")),
            "mount VOLUME at PATH [ro|readonly]"
        );
        assert_eq!(
            first_form("server", Some("server"), Some("upstream")),
            "upstream NAME { server SERVICE:PORT [weight N] ... }"
        );
        assert_eq!(first_form("server", Some("server"), Some("proxy")), "server { ... }");
        assert_eq!(
            first_form("timeout", Some("ready"), Some("service")),
            "timeout DURATION"
        );
        assert_ne!(
            reference().rows_for(
                "timeout",
                Place {
                    statement: Some("ready"),
                    block: None
                }
            )[0]
            .section,
            reference().rows_for(
                "timeout",
                Place {
                    statement: Some("gunicorn"),
                    block: None
                }
            )[0]
            .section,
        );
        assert_eq!(first_form("image", Some("image"), Some("proxy")), "image REF");
        assert!(reference().rows_for(
            "image",
            Place {
                statement: Some("image"),
                block: Some("proxy")
            }
        )[0]
        .places
        .is_some());
        assert_eq!(
            first_form("on-failure", Some("restart"), Some("job")),
            "restart no|always|on-failure [N]|unless-stopped"
        );
    }

    #[test]
    fn descriptions_link_their_section() {
        let text = reference().describe("volume", Place::default()).unwrap();
        assert!(
            text.starts_with(
                "**`volume NAME [size SIZE] [access MODE] [class NAME] [external] [name NAME]`**: a named volume"
            ),
            "{text}"
        );
        assert!(text.ends_with("docs/language.md#top-level)"), "{text}");
        assert_eq!(
            reference().form("proxy_read_timeout", Place::default()).as_deref(),
            Some("proxy_read_timeout D")
        );
    }

    #[test]
    fn tables_split_on_unescaped_bars() {
        assert_eq!(
            table_cells("| `a\\|b` | c |").unwrap(),
            ["`a|b`".to_string(), "c".to_string()]
        );
        assert_eq!(
            anchor("What runs: `image`, `image of`, `build`"),
            "what-runs-image-image-of-build"
        );
    }
}

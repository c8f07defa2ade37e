use crate::diagnostic::Diagnostic;
use crate::ir::{Service, Stack};
use crate::lint::facts;
use crate::lint::Rule;
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags a Python or PostgreSQL version past its end of life: a
    /// `python` line in a `build` block, or a `python:` or `postgres:` image.
    ///
    /// ## Why is this bad?
    /// An end-of-life runtime gets no security fixes, and new releases of
    /// libraries stop supporting it. The seed stack builds on `python:3.9`,
    /// whose life ended on 2025-10-31; 3.10 followed in 2026-10, and
    /// PostgreSQL 14 on 2026-11-12 (devguide.python.org/versions,
    /// postgresql.org/support/versioning).
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         python 3.9
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// A supported version (test the app on it first):
    /// ```text
    ///         python 3.12
    /// ```
    pub struct EolRuntime {
        name: "eol-runtime",
        severity: Warning,
        summary: "a Python or PostgreSQL version past its end of life",
    }
}

/// The last day of support of each end-of-life version, per runtime. A
/// version below the first row ended before it; one above the last is
/// supported. Update when a version's life ends.
const PYTHON: &[((u32, u32), &str)] = &[
    ((2, 7), "2020-01-01"),
    ((3, 6), "2021-12-23"),
    ((3, 7), "2023-06-27"),
    ((3, 8), "2024-10-07"),
    ((3, 9), "2025-10-31"),
    ((3, 10), "2026-10"),
];
const POSTGRES: &[((u32, u32), &str)] = &[
    ((9, 6), "2021-11-11"),
    ((10, 0), "2022-11-10"),
    ((11, 0), "2023-11-09"),
    ((12, 0), "2024-11-21"),
    ((13, 0), "2025-11-13"),
    ((14, 0), "2026-11-12"),
];

/// When `version`'s life ended, or `None` while it is supported.
fn end_of_life(table: &[((u32, u32), &'static str)], version: (u32, u32)) -> Option<String> {
    let last = table.last()?.0;
    if version > last {
        return None;
    }
    Some(match table.iter().find(|(v, _)| *v == version) {
        Some((_, date)) => (*date).to_string(),
        None => match table.iter().find(|(v, _)| *v > version) {
            Some((_, date)) => format!("before {date}"),
            None => format!("by {}", table.last()?.1),
        },
    })
}

impl Rule for EolRuntime {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            if let Some(build) = service.build().and_then(|b| b.python()) {
                let python = build.python.value;
                let version = (u32::from(python.major), u32::from(python.minor));
                if let Some(date) = end_of_life(PYTHON, version) {
                    out.push(finding(
                        service,
                        "Python",
                        &format!("{}.{}", version.0, version.1),
                        &date,
                        build.python.span,
                        "`python 3.12`",
                    ));
                }
            }
            let Some(image) = facts::image(service) else { continue };
            let found = match facts::image_name(image) {
                "python" => facts::tag_major_minor(image)
                    .and_then(|v| end_of_life(PYTHON, v).map(|d| ("Python", format!("{}.{}", v.0, v.1), d))),
                "postgres" => facts::tag_major(image).and_then(|major| {
                    // Before 10, a major version had two numbers (9.6).
                    let version = if major < 10 {
                        facts::tag_major_minor(image).unwrap_or((major, 0))
                    } else {
                        (major, 0)
                    };
                    let shown = if major < 10 {
                        format!("{}.{}", version.0, version.1)
                    } else {
                        major.to_string()
                    };
                    end_of_life(POSTGRES, version).map(|d| ("PostgreSQL", shown, d))
                }),
                _ => None,
            };
            if let Some((runtime, version, date)) = found {
                let instead = if runtime == "Python" {
                    "`python:3.12-slim`"
                } else {
                    "PostgreSQL 17 or 18 (moving the data to a new major version takes `pg_upgrade`, or a dump and a restore)"
                };
                out.push(finding(service, runtime, &version, &date, image.text.span, instead));
            }
        }
    }
}

fn finding(service: &Service, runtime: &str, version: &str, date: &str, span: Span, instead: &str) -> Diagnostic {
    EolRuntime::META
        .diagnostic(format!(
            "`{}` runs {runtime} {version}, which is past its end of life",
            service.name.value
        ))
        .primary(span, format!("no security fixes since {date}"))
        .help(format!("move to a supported version, e.g. {instead}"))
}

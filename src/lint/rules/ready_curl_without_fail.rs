use crate::diagnostic::Diagnostic;
use crate::ir::{Probe, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a `ready cmd` check that fetches a URL with `curl` and no
    /// `--fail` (`-f`, `--fail-with-body`). A check that hands curl's
    /// output to another program (`curl -s URL | grep ok`, a `$(curl -w
    /// '%{http_code}' ...)` compared, a body written with `-o FILE` and
    /// read after), in a string or a `sh -c` list, is decided by that
    /// program and is left alone, as is `wget`, which fails on an error
    /// status by itself.
    ///
    /// ## Why is this bad?
    /// Without `--fail`, curl exits 0 for any answer the server gives, a
    /// 500 or a 404 included: the check passes as soon as the server
    /// answers at all. An app whose database is down, or that serves
    /// nothing at that path, is "ready": compose starts what waits for it,
    /// and a cluster sends it traffic (umami's compose file checks
    /// `curl http://localhost:3000/api/heartbeat`). `|| exit 1` changes
    /// nothing: curl itself succeeded.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     image ghcr.io/umami-software/umami:2.19
    ///     ready cmd "curl http://localhost:3000/api/heartbeat"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// `--fail` (with `--silent --show-error` for a quiet log), or stackc's
    /// own check, which needs no curl in the image:
    /// ```text
    ///     ready cmd "curl --fail --silent --show-error http://localhost:3000/api/heartbeat"
    /// ```
    pub struct ReadyCurlWithoutFail {
        name: "ready-curl-without-fail",
        severity: Warning,
        summary: "a readiness check whose curl passes on any HTTP answer, an error status included",
    }
}

impl Rule for ReadyCurlWithoutFail {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let Some(Probe::Cmd(argv)) = service.ready.as_ref().map(|r| &r.probe) else {
                continue;
            };
            // A pipe or a command substitution hands curl's output (its
            // `-w '%{http_code}'`) to a program that decides; so does a
            // file it writes (`-o /tmp/h && grep -q ok /tmp/h`).
            let decided_elsewhere = |line: &str| {
                let piped = outside_quotes(line).replace("||", "").contains('|');
                piped || line.contains("$(") || line.contains('`')
            };
            let script = (argv.line.as_deref()).or_else(|| crate::input::shell::inline_script(&argv.words));
            if script.is_some_and(decided_elsewhere) {
                continue;
            }
            let curls = facts::probe_programs(argv).into_iter().filter(|words| is_curl(words));
            let unchecked = |words: &Vec<String>| !fails_on_error(words) && !writes_a_file(words);
            if let Some(curl) = curls.into_iter().find(unchecked) {
                let shown = curl.join(" ");
                out.push(
                    Self::META
                        .diagnostic(format!(
                            "the readiness check of `{}` passes on any HTTP answer, an error included",
                            service.name.value
                        ))
                        .primary(argv.span, format!("`{}` exits 0 for a 500 or a 404", shorten(&shown)))
                        .help("add `--fail` (curl then exits 22 on an error status): `curl --fail --silent --show-error URL`"),
                );
            }
        }
    }
}

/// Whether a program's words run curl.
fn is_curl(words: &[String]) -> bool {
    words
        .first()
        .is_some_and(|program| program.rsplit('/').next() == Some("curl"))
}

/// Whether curl is told to fail on an HTTP error: `--fail`,
/// `--fail-with-body`, or `-f` alone or among short options (`-fsS`),
/// before any that takes a value (in `-of`, `f` is the output file).
fn fails_on_error(words: &[String]) -> bool {
    words.iter().skip(1).any(|word| {
        let short = (word.strip_prefix('-')).filter(|options| !options.starts_with('-'));
        matches!(word.as_str(), "--fail" | "--fail-with-body")
            || short.is_some_and(|options| {
                options.chars().all(|c| c.is_ascii_alphabetic())
                    && (options.chars().take_while(|c| !TAKES_A_VALUE.contains(*c))).any(|c| c == 'f')
            })
    })
}

/// curl's short options that take a value (the rest of the word, or the
/// next one).
const TAKES_A_VALUE: &str = "ACDEFHKPQTUXbcdehmorstuwxyz";

/// Whether curl writes the body to a file (`-o FILE`, `--output FILE`)
/// other than /dev/null, which the check then reads.
fn writes_a_file(words: &[String]) -> bool {
    (words.windows(2)).any(|pair| matches!(pair[0].as_str(), "-o" | "--output") && pair[1] != "/dev/null")
}

/// A script without what its quotes hold: `-H 'Accept: a|b'` is no pipe.
fn outside_quotes(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    let mut quote = None;
    for c in script.chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            (Some(_), _) => {}
            (None, _) => out.push(c),
        }
    }
    out
}

/// A command line short enough for a label.
fn shorten(line: &str) -> String {
    match line.char_indices().nth(60) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line.to_string(),
    }
}

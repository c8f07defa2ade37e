//! Hostile files rather than hostile values: empty, only comments, a BOM,
//! CRLF, tabs, 5 MB, 1,000-deep nesting, a NUL, bytes that are not UTF-8,
//! labels past column 65,535, 100,000 unclosed braces, dense `after`
//! circles, thousands of findings on one line, a language client's
//! message of 100 TB. Each gets a clear diagnostic
//! or a clean result from every entry point (check, lint, build, fmt, every
//! renderer), never a panic. The inputs that once took quadratic time run
//! under [`finishes`], so a regression fails instead of hanging, and their
//! tests assert on the work done (how much is printed), never on time.

mod support;

use std::sync::mpsc;
use std::time::Duration;

use stackc::diagnostic::Diagnostic;
use stackc::emit::Layout;
use stackc::render::{self, FileReport, HumanRenderer};
use stackc::source::SourceFile;
use stackc::Options;
use support::{stackc, text};

/// What every entry point makes of `text`: lint's diagnostics, whether
/// `build` emitted files, and `fmt`'s result.
struct Outcome {
    diagnostics: Vec<Diagnostic>,
    built: bool,
    formatted: Result<String, Vec<Diagnostic>>,
}

fn run_everything(text: &str) -> Outcome {
    let source = SourceFile::new("input.spec", text);
    let check = stackc::check(&source);
    let build = stackc::build(&source, &Layout::placeholder());
    for diagnostic in check.diagnostics.iter().chain(&build.diagnostics) {
        let span = diagnostic.primary_span().expect("every diagnostic points somewhere");
        assert!(span.end() <= text.len(), "{diagnostic:?} points past the end");
    }
    let reports = [FileReport::new(&source, &build.diagnostics)];
    for format in [render::json, render::sarif, render::github, render::short] {
        format(&reports);
    }
    let rendered = HumanRenderer::new(false, render::DEFAULT_WIDTH).render(&source, &build.diagnostics);
    assert!(!rendered.contains("kw_"), "{rendered}");
    let formatted = stackc::fmt::format(&source);
    if let Ok(formatted) = &formatted {
        let again = stackc::fmt::format(&SourceFile::new("input.spec", formatted.clone()));
        assert_eq!(again.as_ref(), Ok(formatted), "fmt is not idempotent");
    }
    Outcome {
        diagnostics: stackc::lint(&source).diagnostics,
        built: build.artifacts.is_some(),
        formatted,
    }
}

fn codes(outcome: &Outcome) -> Vec<&'static str> {
    outcome.diagnostics.iter().map(|d| d.code).collect()
}

const SMALL_STACK: &str = "stack shop\nservice cache {\n    image redis:7.4\n    ready cmd \"redis-cli ping\"\n}\n";

#[test]
fn an_empty_file_declares_nothing() {
    for text in ["", "\n\n", "   \t  \n", "\u{FEFF}"] {
        let outcome = run_everything(text);
        assert_eq!(codes(&outcome), ["empty-spec"], "{text:?}");
        assert!(!outcome.built);
        assert_eq!(outcome.formatted.unwrap(), "");
    }
}

#[test]
fn a_file_of_comments_declares_nothing() {
    let outcome = run_everything("# one\n\n   # two\r\n# three");
    assert_eq!(codes(&outcome), ["empty-spec"]);
    assert_eq!(outcome.formatted.unwrap(), "# one\n\n# two\n# three\n");
}

#[test]
fn a_bom_crlf_and_tabs_read_like_plain_text() {
    let plain = run_everything(SMALL_STACK);
    assert!(plain.built, "{:?}", plain.diagnostics);
    let messy = format!("\u{FEFF}{}", SMALL_STACK.replace('\n', "\r\n").replace("    ", "\t"));
    let outcome = run_everything(&messy);
    assert!(outcome.built, "{:?}", outcome.diagnostics);
    assert_eq!(codes(&outcome), codes(&plain));
    assert_eq!(outcome.formatted.unwrap(), SMALL_STACK);
}

#[test]
fn a_5_mb_spec_is_read_to_the_end() {
    // Every kind of line: statements, blocks, comments, long strings; few
    // diagnostics, so the time goes to reading.
    let mut text = String::from("stack big\n");
    let mut i = 0;
    while text.len() < 5 * 1024 * 1024 {
        text.push_str(&format!(
            "\n# service number {i}, with a comment long enough to take some room\n\
             service s{i} {{\n    image redis:7.4\n    env {{\n        LONG = \"{}\"\n    }}\n}}\n",
            "x".repeat(20_000)
        ));
        i += 1;
    }
    // Each entry point once: a debug build reads 5 MB slowly.
    let source = SourceFile::new("big.spec", text.clone());
    let build = stackc::build(&source, &Layout::placeholder());
    assert!(build.artifacts.is_some(), "{:?}", build.diagnostics.first());
    assert_eq!(stackc::fmt::format(&source).unwrap(), text);

    // A mistake at the very end is still found, and pointed at.
    text.push_str("volumes last\n");
    let check = stackc::check(&SourceFile::new("big.spec", text.clone()));
    assert_eq!(check.diagnostics.len(), 1, "{:?}", check.diagnostics);
    let at = check.diagnostics[0].primary_span().unwrap().start();
    assert_eq!(at, text.len() - "volumes last\n".len());
}

/// Thousands of findings in a large spec: each snippet is read from the
/// lines around it (miette alone rescans the text from the start for each,
/// which took minutes for this); past the first fifty of a kind they are
/// counted rather than drawn.
#[test]
fn thousands_of_findings_render() {
    let mut text = String::from("stack many\n");
    for i in 0..5_000 {
        text.push_str(&format!(
            "# an unused volume, number {i}{}\nvolume v{i}\n",
            " .".repeat(40)
        ));
    }
    let outcome = run_everything(&text);
    let found = outcome.diagnostics.len();
    assert!(found >= 5_000, "{found}");
    let code = outcome.diagnostics[0].code;
    assert!(outcome.diagnostics.iter().all(|d| d.code == code));
    let source = SourceFile::new("many.spec", text);
    let renderer = HumanRenderer::new(false, render::DEFAULT_WIDTH);
    let rendered = renderer.render(&source, &outcome.diagnostics);
    let counted = format!("and {} more `{code}` findings in many.spec", found - 50);
    assert!(rendered.contains(&counted), "{}", &rendered[rendered.len() - 600..]);
    let last = renderer.render(&source, &outcome.diagnostics[found - 1..]);
    assert!(last.contains("many.spec:10001:8"), "{last}");
}

#[test]
fn deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
    let depth = 1000;
    let inputs = [
        "{\n".repeat(depth),
        format!("stack a\n{}{}", "service a {\n".repeat(depth), "}\n".repeat(depth)),
        format!("stack a\nservice a {{\n    command {}\n}}\n", "[".repeat(depth)),
        format!(
            "stack a\nproxy p {{\n{}{}}}\n",
            "location / {\n".repeat(depth),
            "}\n".repeat(depth)
        ),
        "}".repeat(depth),
    ];
    for text in inputs {
        let outcome = run_everything(&text);
        assert_eq!(
            codes(&outcome).first(),
            Some(&"syntax"),
            "{:?}",
            &text[..40.min(text.len())]
        );
        assert!(outcome.diagnostics.len() <= stackc::syntax::MAX_SYNTAX_ERRORS);
        assert!(!outcome.built);
        assert!(outcome.formatted.is_err());
    }
}

#[test]
fn a_nul_byte_is_pointed_at() {
    for text in ["stack a\0\n", "\0", "stack a\nservice b {\n    image \"re\0dis\"\n}\n"] {
        let outcome = run_everything(text);
        let nul = text.find('\0').unwrap();
        assert!(
            outcome
                .diagnostics
                .iter()
                .any(|d| d.is_error() && d.primary_span().unwrap().start() <= nul),
            "{text:?}: {:?}",
            outcome.diagnostics
        );
        assert!(!outcome.built);
    }
}

#[test]
fn every_command_refuses_bytes_that_are_not_utf8() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("latin1.spec");
    std::fs::write(&spec, b"stack caf\xe9\n").unwrap();
    for command in ["check", "lint", "build", "fmt"] {
        let output = stackc().arg(command).arg(&spec).output().unwrap();
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("latin1.spec:1:10: the spec is not UTF-8 (byte 9)"),
            "{command}: {stderr}"
        );
    }
    assert_eq!(std::fs::read(&spec).unwrap(), b"stack caf\xe9\n");
}

/// A language client that claims a message of 100 TB (or of more bytes
/// than a number holds) is refused with a message, before anything is
/// allocated for it; lsp-server's own transport aborted on the first.
#[test]
fn the_language_server_refuses_a_message_no_editor_sends() {
    use std::io::Write as _;
    for length in ["99999999999999", "184467440737095516150"] {
        let mut child = stackc()
            .arg("lsp")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(format!("Content-Length: {length}\r\n\r\n{{}}").as_bytes())
            .unwrap();
        let output = finishes("lsp", move || child.wait_with_output().unwrap());
        drop(stdin);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("the client sent"), "{stderr}");
    }
}

/// Runs `work` on a thread of its own and returns its result; fails if it
/// panics, or has not finished after a generous while (a guard against
/// hangs, not a measure of speed).
fn finishes<T: Send + 'static>(what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    const GUARD: Duration = Duration::from_secs(300);
    let (tx, rx) = mpsc::channel();
    // Detached: a hung run fails the test instead of hanging it.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let _ = tx.send(work());
        })
        .expect("a thread starts");
    match rx.recv_timeout(GUARD) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what} did not finish within {GUARD:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

/// Every renderer's output for the spec's lint findings: the human one at
/// the usual width and at odd ones.
fn render_everything(name: &str, text: String) -> (Vec<Diagnostic>, Vec<String>) {
    let source = SourceFile::new(name, text);
    let diagnostics = stackc::lint(&source).diagnostics;
    let reports = [FileReport::new(&source, &diagnostics)];
    let mut rendered: Vec<String> = [render::json, render::sarif, render::github, render::short]
        .iter()
        .map(|format| format(&reports))
        .collect();
    for width in [render::DEFAULT_WIDTH, 1, 7, 33, 1000] {
        rendered.push(HumanRenderer::new(false, width).render(&source, &diagnostics));
    }
    (diagnostics, rendered)
}

/// miette pads a label with a width argument, which panics past column
/// 65,535: long lines are quoted around the label instead, so a report's
/// size does not depend on the line's length.
#[test]
fn a_label_far_along_a_line_renders() {
    for column in [70_000, 1_000_000] {
        let text = format!("stack a\nvolume v{}x\n", " ".repeat(column - "volume v".len() - 1));
        let (diagnostics, rendered) = finishes("rendering", move || render_everything("wide.spec", text));
        assert_eq!(diagnostics[0].code, "syntax");
        let human = &rendered[4];
        assert!(human.contains(&format!("[wide.spec:2:{column}]")), "{human}");
        for (width, human) in [render::DEFAULT_WIDTH, 1, 7, 33, 1000].iter().zip(&rendered[4..]) {
            assert!(human.len() < 4_000, "width {width}: {} bytes", human.len());
        }
    }
}

/// A label that covers a long line, and one on a line among long ones.
#[test]
fn labels_over_long_lines_render() {
    // A megabyte: the output's bound shows at any length (a debug build
    // takes seconds per megabyte and renderer).
    let long = "x".repeat(1_000_000);
    let inputs = [
        format!("stack a\n{long}\n"),
        format!("stack a\nservice a {{\n    image {long}\n    imgae x\n    command \"{long}\"\n}}\n"),
        format!("stack a\n# {long}\nvolumes x\n# {long}\n"),
    ];
    for text in inputs {
        let size = text.len();
        let (diagnostics, rendered) = finishes("rendering", move || render_everything("long.spec", text));
        assert!(!diagnostics.is_empty());
        let human = &rendered[4];
        assert!(
            human.len() < 8_000,
            "{} bytes of human output for {size} bytes",
            human.len()
        );
    }
}

/// `fmt` laid out unparsable text before refusing it: 20,000 unclosed `{`
/// indented 80,000 spaces deep took 1.6 GB; 100,000 did not finish.
#[test]
fn unclosed_braces_by_the_hundred_thousand_are_refused_quickly() {
    let inputs = [
        "{\n".repeat(100_000),
        "{".repeat(100_000),
        format!("stack a\n{}", "service a {\n".repeat(20_000)),
        format!("stack a\n{}", "service a {\n".repeat(100_000)),
        format!("stack a\nservice a {{\n{}", "    image x\n    env {\n".repeat(100_000)),
    ];
    for text in inputs {
        let head: String = text.chars().take(20).collect();
        let source = SourceFile::new("braces.spec", text);
        let (formatted, rendered) = finishes("fmt", move || {
            let formatted = stackc::fmt::format(&source);
            let rendered = match &formatted {
                Ok(_) => String::new(),
                Err(diagnostics) => HumanRenderer::new(false, render::DEFAULT_WIDTH).render(&source, diagnostics),
            };
            (formatted, rendered)
        });
        let diagnostics = formatted.expect_err(&head);
        assert!(diagnostics.len() <= stackc::syntax::MAX_SYNTAX_ERRORS, "{head:?}");
        assert_eq!(diagnostics[0].code, "syntax", "{head:?}");
        assert!(rendered.len() < 20_000, "{head:?}: {} bytes", rendered.len());
    }
}

/// A thousand services that each wait for the next sixty: one finding for
/// the whole tangle (it was one per edge back, each quoting every line
/// between its labels: 61 MB of output and 20 s), and a bounded report.
#[test]
fn a_dense_tangle_of_after_is_one_finding() {
    let n = 1000;
    let mut text = String::from("stack a\n");
    for i in 0..n {
        let after: Vec<String> = (1..=60).map(|k| format!("s{}", (i + k) % n)).collect();
        text.push_str(&format!(
            "service s{i} {{\n    image redis:7.4\n    ready cmd \"true\"\n    after {}\n}}\n",
            after
                .iter()
                .map(|a| format!("{a} ready"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let (diagnostics, rendered) = finishes("lint", move || render_everything("tangle.spec", text));
    let cycles: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.code == "dependency-cycle").collect();
    assert_eq!(
        cycles.len(),
        1,
        "{:?}",
        cycles.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    assert!(cycles[0].message.ends_with("(17 services)"), "{}", cycles[0].message);
    assert!(cycles[0].help.as_ref().unwrap().contains("in all, 1000 services"));
    let human = &rendered[4];
    assert!(human.len() < 20_000, "{} bytes", human.len());
}

/// A thousand findings on one line: each quotes a window of it, and after
/// the first fifty of a kind the rest are counted, not drawn (the line was
/// quoted whole a thousand times).
#[test]
fn a_thousand_findings_on_one_line_render_in_bounded_space() {
    let names: Vec<String> = (0..1000).map(|i| format!("missing_service_{i}")).collect();
    let text = format!(
        "stack a\nservice a {{\n    image redis:7.4\n    after {}\n}}\n",
        names.join(", ")
    );
    let (diagnostics, rendered) = finishes("lint", move || render_everything("line.spec", text));
    let unknown = diagnostics.iter().filter(|d| d.code == "unknown-service").count();
    assert_eq!(unknown, 1000);
    let human = &rendered[4];
    assert!(
        human.contains("and 950 more `unknown-service` findings in line.spec"),
        "{}",
        &human[human.len().saturating_sub(500)..]
    );
    assert!(human.len() < 100_000, "{} bytes", human.len());
    // Every finding is still in the formats for programs.
    assert_eq!(rendered[3].lines().count(), 1000);
}

/// A stack with one raw compose value, for the number tests.
fn raw_compose(value: &str) -> String {
    format!("stack a\nservice cache {{\n    image redis:7.4\n    compose x-n = \"{value}\"\n}}\n")
}

/// A raw number that compose (go-yaml v3) reads as another value than
/// stackc (YAML 1.2) is refused: `010` was written as `10.0`, where compose
/// reads the user's text as 8. One that both read alike is written so that
/// every YAML reader agrees.
#[test]
fn raw_numbers_mean_to_compose_what_they_mean_to_stackc() {
    for (value, reading) in [
        ("010", "compose reads `010` as the integer 8, stackc as the float 10.0"),
        (
            "[1, 0777]",
            "compose reads `0777` as the integer 511, stackc as the float 777.0",
        ),
        ("{a: 0_1}", "compose reads `0_1` as the integer 1, stackc as text"),
        ("00", "compose reads `00` as the integer 0, stackc as the float 0.0"),
    ] {
        let text = raw_compose(value);
        let check = stackc::check(&SourceFile::new("raw.spec", text.clone()));
        let [found] = check.diagnostics.as_slice() else {
            panic!("{value}: {:?}", check.diagnostics)
        };
        assert_eq!(found.code, "invalid-raw", "{value}");
        assert_eq!(found.labels[0].message, reading);
        let at = found.primary_span().unwrap();
        assert_eq!(&text[at.range()], format!("\"{value}\""));
    }
    let text = raw_compose("[0x10, 0o10, 0b10, 1_000, 1e3, .5, 08, '010']");
    let build = stackc::build(&SourceFile::new("raw.spec", text), &Layout::placeholder());
    let artifacts = build.artifacts.unwrap_or_else(|| panic!("{:?}", build.diagnostics));
    let compose = &artifacts[0].contents;
    assert!(
        compose.contains(
            "x-n:\n    - 16\n    - 8\n    - 2\n    - 1000\n    - 1000.0\n    - 0.5\n    - 8.0\n    - \"010\"\n"
        ),
        "{compose}"
    );
}

/// The nginx.conf of a proxy with one response header of `value`.
fn header_spec(value: &str) -> String {
    format!(
        "stack a\nservice web {{\n    image nginx:1.30\n}}\nproxy nginx {{\n    upstream app {{\n        server web:80\n    }}\n    \
         add_header X-Long \"{value}\"\n    location / {{\n        proxy_pass app\n    }}\n}}\n"
    )
}

/// nginx refuses a parameter of 4 KB (`nginx -t`: "too long parameter"):
/// such a value is reported on the spec as `unrepresentable`, and the
/// longest one written passes `nginx -t`.
#[test]
fn values_longer_than_nginx_reads_are_refused() {
    let spec = header_spec(&"v".repeat(5_000));
    // No lint rule runs: what is tested is what the emitters can write.
    let build = stackc::build_with(
        &SourceFile::new("long.spec", spec.clone()),
        &Layout::placeholder(),
        Options::default(),
    );
    assert!(build.artifacts.is_none());
    let [found] = build.diagnostics.as_slice() else {
        panic!("{:?}", build.diagnostics)
    };
    assert_eq!(found.code, "unrepresentable");
    let at = found.primary_span().unwrap();
    assert!(spec[at.range()].starts_with("\"vvv"));

    // The longest value written: 3,998 bytes and its quotes (a space makes
    // it quoted).
    let value = format!("v {}", "v".repeat(3_996));
    let source = SourceFile::new("long.spec", header_spec(&value));
    let build = stackc::build_with(&source, &Layout::placeholder(), Options::default());
    let artifacts = build.artifacts.unwrap_or_else(|| panic!("{:?}", build.diagnostics));
    let conf = &artifacts
        .iter()
        .find(|a| a.path == "nginx/nginx.conf")
        .unwrap()
        .contents;
    let line = conf.lines().find(|l| l.contains("add_header X-Long")).unwrap().trim();
    assert!(line.contains(&format!("\"{value}\"")), "{line}");
    let nginx = std::path::Path::new("/usr/sbin/nginx");
    assert!(nginx.exists(), "nginx is missing: run scripts/install-tools.sh");
    let tmp = tempfile::tempdir().unwrap();
    let main = tmp.path().join("main.conf");
    std::fs::write(
        &main,
        format!(
            "error_log /dev/null; pid {}/nginx.pid; events {{}}\nhttp {{ server {{ listen 8080; {line} }} }}\n",
            tmp.path().display()
        ),
    )
    .unwrap();
    let output = std::process::Command::new(nginx)
        .args(["-t", "-q", "-c"])
        .arg(&main)
        .arg("-p")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
}

/// Found by the fuzzer: a lone `\r` inside a string reached the terminal
/// raw through a human report's snippet (a terminal moves its cursor back
/// over the line there, so a report could be made to show something else).
#[test]
fn a_lone_carriage_return_never_reaches_the_terminal() {
    let fuzzed = "stack shop\n\nservice web {\n    build ./app\n    gunicorn shop.wsgi:application bind 8000 workers 3\n    \
                  env {\n        DJANGO_SECRET_KEY = \"django-insecure\rk3y-fr0m-the-tutorial\"\n   )    \
                  SENTRY_AUTH_TOKEN = \"sntrys_abc123\"\n        DATABASE_URL      = \"postgres://shop:hunter2@db:5432/shop\"\n    }\n}\n";
    for text in [fuzzed, "stack a\rvolumes x\r", "stack a\nvolume v\r\nvolumes x\r\n"] {
        let outcome = run_everything(text);
        assert!(!outcome.diagnostics.is_empty(), "{text:?}");
        let source = SourceFile::new("cr.spec", text);
        for width in [render::DEFAULT_WIDTH, 1, 7] {
            let human = HumanRenderer::new(false, width).render(&source, &outcome.diagnostics);
            assert!(!human.chars().any(|c| c.is_control() && c != '\n'), "{human:?}");
        }
    }
}

/// Two hundred thousand findings on one 1.6 MB line, in the formats for
/// programs: each finding's column is counted from a nearby point of the
/// line, not from its start (which made this quadratic: hours).
#[test]
fn findings_by_the_hundred_thousand_on_one_line_are_located_in_linear_time() {
    let n = 200_000;
    let names: Vec<String> = (0..n).map(|i| format!("u{i}")).collect();
    let text = format!(
        "stack a\nservice a {{\n    image redis:7.4\n    after {}\n}}\n",
        names.join(", ")
    );
    let last_column = "    after ".len() + names[..n - 1].iter().map(|n| n.len() + 2).sum::<usize>() + 1;
    let (short, json) = finishes("locating the findings", move || {
        let source = SourceFile::new("line.spec", text);
        let diagnostics = stackc::check(&source).diagnostics;
        let reports = [FileReport::new(&source, &diagnostics)];
        (render::short(&reports), render::json(&reports))
    });
    assert_eq!(short.lines().count(), n);
    let last = format!(
        "line.spec:4:{last_column}: error: unknown service or job `u{}` [unknown-service]",
        n - 1
    );
    assert!(short.contains(&last), "{}", short.lines().last().unwrap());
    assert!(json.len() > short.len());
}

/// A URL right after characters of several bytes (`詳細はhttps://...`, CJK
/// text has no space before a link) is read, never sliced inside one of
/// them: the URL reader behind secret detection and `database-wiring`
/// panicked on it, in `env`, as a `DATABASE_URL` and as a bare `é://`.
#[test]
fn a_url_right_after_multibyte_text_is_read() {
    for value in [
        "詳細はhttps://example.com/a",
        "é://a:b@db/x",
        "詳細はpostgres://u:p@db/shop",
    ] {
        let spec = format!(
            "stack shop\nservice cache {{\n    image redis:7.4\n    ready cmd \"redis-cli ping\"\n    env {{\n        BANNER = \"{value}\"\n        DATABASE_URL = \"{value}\"\n    }}\n}}\n"
        );
        let outcome = run_everything(&spec);
        assert!(!codes(&outcome).is_empty() || outcome.built, "{value}");
    }
}

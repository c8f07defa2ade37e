//! How long `stackc lsp` takes to answer an edit with new diagnostics: the
//! time from a `didChange` to its `publishDiagnostics`, through the real
//! server loop (in memory, without the stdio pipes), for the seed spec and
//! a generated spec of 1,000 services.
//!
//! ```sh
//! cargo run --release --example lsp_bench
//! cargo run --release --example lsp_bench -- SPEC...   # specs setting `workers 3`
//! ```
//!
//! `scripts/bench.sh` passes its generated specs; larger ones get fewer
//! edits, so a run stays around a minute.
//!
//! On a busy machine the wall-clock times mostly measure the wait for a
//! core, so the CPU time the process spent (all its threads, from Linux's
//! `/proc/self/task/*/schedstat`) is given too.

use std::path::Path;
use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use lsp_types::notification::{DidChangeTextDocument, DidOpenTextDocument, Exit, Initialized, Notification as _};
use lsp_types::request::{Initialize, Shutdown};
use lsp_types::{
    DidChangeTextDocumentParams, DidOpenTextDocumentParams, InitializeParams, Position, Range,
    TextDocumentContentChangeEvent, TextDocumentItem, Url, VersionedTextDocumentIdentifier,
};

const EDITS: usize = 200;

fn main() {
    let given: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    for path in &given {
        let path = std::path::absolute(path).expect("the current folder");
        let text = std::fs::read_to_string(&path).expect("the spec");
        report(&path.display().to_string(), &path, text, "workers 3", "workers 4");
    }
    if !given.is_empty() {
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seed = repo.join("specs/django.spec");
    let text = std::fs::read_to_string(&seed).expect("the seed spec");
    report("seed spec (specs/django.spec)", &seed, text, "workers 3", "workers 4");

    let dir = std::env::temp_dir().join(format!("stackc-lsp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let large = dir.join("large.spec");
    let text = services(1000);
    std::fs::write(&large, &text).expect("the generated spec");
    report("1,000 services", &large, text, "retries 10", "retries 11");
    std::fs::remove_dir_all(&dir).ok();
}

/// A stack of `count` services in chains of ten that wait for each other,
/// each with a volume, environment, a readiness check and limits, and a
/// proxy in front of every tenth.
fn services(count: usize) -> String {
    let mut spec = String::from("stack large\n\n");
    for i in 0..count / 10 {
        spec.push_str(&format!("volume data{i}\n"));
    }
    for i in 0..count {
        spec.push_str(&format!(
            "\nservice app{i} {{\n    image example/app:1.{i}\n    env {{\n        MODE = \"production\"\n        INDEX = \"{i}\"\n    }}\n    mount data{} at /var/lib/app\n    ready cmd \"wget -q --spider http://127.0.0.1:8000/\" every 5s timeout 3s retries 10\n    limits memory 256M cpus 0.5\n",
            i / 10
        ));
        if i % 10 != 0 {
            spec.push_str(&format!("    after app{} ready\n", i - 1));
        }
        spec.push_str("}\n");
    }
    spec.push_str("\nproxy gateway {\n    publish 8080 -> 80\n");
    for i in (0..count).step_by(10) {
        spec.push_str(&format!("    upstream u{i} {{\n        server app{i}:8000\n    }}\n"));
    }
    for i in (0..count).step_by(10) {
        spec.push_str(&format!("    location /app{i}/ {{\n        proxy_pass u{i}\n    }}\n"));
    }
    let after: Vec<String> = (0..count).step_by(10).map(|i| format!("app{i} ready")).collect();
    spec.push_str(&format!("    after {}\n}}\n", after.join(", ")));
    spec
}

/// Opens `text` as `path` in a server, then changes `from` to `to` and
/// back, `EDITS` times (fewer for a spec over 200 kB, but at least 25, so
/// the median of the largest is not one slow run), timing each answer.
fn report(title: &str, path: &Path, text: String, from: &str, to: &str) {
    let edits = (EDITS * 200_000 / text.len().max(200_000)).max(25);
    let (client, server) = Connection::memory();
    let thread = std::thread::spawn(move || stackc::lsp::serve(&server).expect("the server runs"));
    request::<Initialize>(&client, 1, InitializeParams::default());
    notify::<Initialized>(&client, lsp_types::InitializedParams {});

    let uri = Url::from_file_path(path).expect("an absolute path");
    let started = Instant::now();
    notify::<DidOpenTextDocument>(
        &client,
        DidOpenTextDocumentParams {
            text_document: TextDocumentItem::new(uri.clone(), "stackc".into(), 0, text.clone()),
        },
    );
    let findings = diagnostics(&client);
    let opened = started.elapsed();

    let at = text.find(from).expect("the text to edit");
    let line = text[..at].matches('\n').count() as u32;
    let column = (at - text[..at].rfind('\n').map_or(0, |i| i + 1)) as u32;
    let mut times = Vec::with_capacity(edits);
    let mut cpu_times = Vec::with_capacity(edits);
    for version in 1..=edits as i32 {
        let (old, new) = if version % 2 == 1 { (from, to) } else { (to, from) };
        let range = Range::new(
            Position::new(line, column),
            Position::new(line, column + old.len() as u32),
        );
        let started = Instant::now();
        let cpu_started = cpu_time();
        notify::<DidChangeTextDocument>(
            &client,
            DidChangeTextDocumentParams {
                text_document: VersionedTextDocumentIdentifier::new(uri.clone(), version),
                content_changes: vec![TextDocumentContentChangeEvent {
                    range: Some(range),
                    range_length: None,
                    text: new.to_string(),
                }],
            },
        );
        diagnostics(&client);
        times.push(started.elapsed());
        cpu_times.push(cpu_time() - cpu_started);
    }
    request::<Shutdown>(&client, 2, ());
    notify::<Exit>(&client, ());
    thread.join().expect("the server ends");

    let (analyses, analysis_cpu) = analysis_alone(path, &text, edits);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let [median, p95, max] = spread(times);
    let [cpu, cpu_p95, _] = spread(cpu_times);
    let [alone, alone_p95, _] = spread(analyses);
    let [alone_cpu, alone_cpu_p95, _] = spread(analysis_cpu);
    println!(
        "{title}: {} bytes, {} lines, {findings}; open {:.2} ms\n  \
         re-check after an edit ({edits} edits): wall median {:.2} ms, p95 {:.2} ms, max {:.2} ms; CPU median {:.2} ms, p95 {:.2} ms\n  \
         the analysis alone (`stackc lint`'s): wall median {:.2} ms, p95 {:.2} ms; CPU median {:.2} ms, p95 {:.2} ms",
        text.len(),
        text.lines().count(),
        ms(opened),
        ms(median),
        ms(p95),
        ms(max),
        ms(cpu),
        ms(cpu_p95),
        ms(alone),
        ms(alone_p95),
        ms(alone_cpu),
        ms(alone_cpu_p95),
    );
}

/// The CPU time all the process's threads have had so far.
fn cpu_time() -> Duration {
    let tasks = std::fs::read_dir("/proc/self/task").expect("Linux's /proc");
    let nanos = tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(nanos)
}

/// `stackc::analyze` as `stackc lint` runs it on the same text, timed
/// alone: wall and CPU times.
fn analysis_alone(path: &Path, text: &str, runs: usize) -> (Vec<Duration>, Vec<Duration>) {
    let folder = path.parent().expect("a folder");
    let files = stackc::input::Disk::new(folder, folder);
    let policy = stackc::lint::policy::Policy::default();
    let source = stackc::source::SourceFile::new(path.display().to_string(), text);
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            let cpu_started = cpu_time();
            let options = stackc::Options {
                policy: Some(&policy),
                files: Some(&files),
                ..stackc::Options::default()
            };
            std::hint::black_box(stackc::analyze(&source, options));
            (started.elapsed(), cpu_time() - cpu_started)
        })
        .unzip()
}

/// The median, 95th percentile and maximum.
fn spread(mut times: Vec<Duration>) -> [Duration; 3] {
    times.sort();
    [
        times[times.len() / 2],
        times[times.len() * 95 / 100],
        times[times.len() - 1],
    ]
}

fn request<R: lsp_types::request::Request>(client: &Connection, id: i32, params: R::Params) {
    let request = Request::new(RequestId::from(id), R::METHOD.to_string(), params);
    client
        .sender
        .send(Message::Request(request))
        .expect("the server listens");
    loop {
        if let Message::Response(_) = client.receiver.recv().expect("an answer") {
            return;
        }
    }
}

fn notify<N: lsp_types::notification::Notification>(client: &Connection, params: N::Params) {
    let notification = Notification::new(N::METHOD.to_string(), params);
    client
        .sender
        .send(Message::Notification(notification))
        .expect("the server listens");
}

/// Waits for the next diagnostics; their codes, counted.
fn diagnostics(client: &Connection) -> String {
    loop {
        if let Message::Notification(n) = client.receiver.recv().expect("diagnostics") {
            if n.method == lsp_types::notification::PublishDiagnostics::METHOD {
                let params: lsp_types::PublishDiagnosticsParams =
                    serde_json::from_value(n.params).expect("diagnostics");
                let mut codes = std::collections::BTreeMap::new();
                for d in &params.diagnostics {
                    if let Some(lsp_types::NumberOrString::String(code)) = &d.code {
                        *codes.entry(code.clone()).or_insert(0) += 1;
                    }
                }
                let codes: Vec<String> = codes.iter().map(|(code, n)| format!("{n} {code}")).collect();
                return format!("{} diagnostics ({})", params.diagnostics.len(), codes.join(", "));
            }
        }
    }
}

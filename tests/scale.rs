//! Large stacks stay linear: guards that time nothing. `scripts/bench.sh`
//! measures the speed; these fail when the work per service grows with
//! the stack (a lookup that scans every service, a rule that compares
//! every pair), or when a run does not end.

#[path = "../examples/gen_spec/stack.rs"]
mod generated;
mod support;

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use stackc::emit::Layout;
use stackc::input::Disk;
use stackc::lint::policy::Policy;
use stackc::source::SourceFile;

/// A generated stack written into `folder` with the files it names; its
/// findings (`stackc lint`'s, reading those files) and how many files
/// `stackc build` would write.
fn lint_and_build(services: usize, folder: &Path) -> (Vec<stackc::diagnostic::Diagnostic>, Option<usize>) {
    let generated = generated::stack(services);
    for (path, contents) in &generated.files {
        let path = folder.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    let source = SourceFile::new(folder.join("stack.spec").display().to_string(), generated.spec);
    let files = Disk::new(folder, folder);
    let policy = Policy::default();
    let options = stackc::Options {
        policy: Some(&policy),
        files: Some(&files),
        today: Some(support::today()),
        ..stackc::Options::default()
    };
    let lint = stackc::analyze(&source, options);
    let layout = Layout::new(folder.join("stack.spec"), folder.join("out"));
    let build = stackc::build_with(&source, &layout, options);
    (lint.diagnostics, build.artifacts.map(|a| a.len()))
}

/// Every name lookup of the whole pipeline (resolution, rules, emitters)
/// goes through the index's tables, which count the names they compare in
/// debug builds: a few per lookup, and a few lookups per reference. Work
/// that grows with the square of the stack shows as comparisons per
/// service growing from one size to the next.
#[cfg(debug_assertions)]
#[test]
fn name_comparisons_per_service_do_not_grow_with_the_stack() {
    let folder = tempfile::tempdir().unwrap();
    let per_service = |services: usize| {
        let before = stackc::ir::index::comparisons::so_far();
        let (findings, files) = lint_and_build(services, folder.path());
        assert!(findings.is_empty(), "{:#?}", &findings[..3.min(findings.len())]);
        assert!(files.is_some());
        (stackc::ir::index::comparisons::so_far() - before) as f64 / services as f64
    };
    let small = per_service(200);
    let large = per_service(2000);
    assert!(small > 1.0, "the lookups are not counted: {small} per service");
    assert!(
        large < small * 1.5,
        "name comparisons per service grew from {small:.1} (200 services) to {large:.1} (2,000)"
    );
}

/// The largest stack the bench generates is checked, linted and built in
/// a debug build well within the deadline (release: a fraction of a
/// second); a quadratic step would take many minutes. Fails, never hangs.
#[test]
fn ten_thousand_services_check_lint_and_build_before_a_deadline() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().to_path_buf();
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let (findings, files) = lint_and_build(10_000, &path);
        done.send((findings.len(), files)).unwrap();
    });
    let (findings, files) = finished
        .recv_timeout(Duration::from_secs(300))
        .expect("10,000 services took over five minutes: something grows faster than the stack");
    assert_eq!(findings, 0);
    // compose.yaml, a Dockerfile and its ignore file per app, the proxy's two.
    assert_eq!(files, Some(1 + 2 * 1999 + 2));
}

#[test]
fn generated_stacks_have_the_size_asked_for() {
    for services in [6, 10, 100, 1000] {
        let source = SourceFile::new("stack.spec", generated::stack(services).spec);
        let stack = stackc::check(&source).stack.expect("parses");
        assert_eq!(stack.services.len(), services);
    }
}

/// Error paths stay bounded too: every service of a large stack waiting
/// for a service that does not exist (each unknown name is compared with
/// every declared one for a suggestion, up to a budget).
#[test]
fn thousands_of_unknown_names_are_reported_before_a_deadline() {
    let mut spec = String::from("stack typos\n");
    for i in 0..3000 {
        spec.push_str(&format!(
            "service app{i} {{\n    image redis:7.4\n    after cache{i}\n}}\n"
        ));
    }
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let check = stackc::check(&SourceFile::new("typos.spec", spec));
        done.send(check.diagnostics.iter().filter(|d| d.code == "unknown-service").count())
            .unwrap();
    });
    let unknown = finished
        .recv_timeout(Duration::from_secs(300))
        .expect("3,000 unknown names took over five minutes");
    assert_eq!(unknown, 3000);
}

/// A value no output format can carry is reported once however many
/// places write it, which took a scan of every report before it:
/// quadratic in a stack with many such values (here 100,000 `ignore`
/// patterns with a control character, each its own report).
#[test]
fn a_hundred_thousand_values_no_format_carries_are_reported_before_a_deadline() {
    let mut spec = String::from(
        "stack hostile
service web {
    build ./app {
",
    );
    for line in 0..1000 {
        let patterns: Vec<String> = (0..100).map(|i| format!("\"\\u{{1}}{line}-{i}\"")).collect();
        spec.push_str(&format!("        ignore {}\n", patterns.join(" ")));
    }
    spec.push_str("    }\n    gunicorn shop.wsgi:application\n}\n");
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let check = stackc::check(&SourceFile::new("hostile.spec", spec));
        done.send(check.diagnostics.iter().filter(|d| d.code == "unrepresentable").count())
            .unwrap();
    });
    let reported = finished
        .recv_timeout(Duration::from_secs(300))
        .expect("100,000 values no format carries took over five minutes");
    assert_eq!(reported, 100_000);
}

/// The durable steps of `stackc build`, as the real binary makes them
/// (traced with strace, which scripts/install-tools.sh installs): a small
/// output gets an fsync per file and per folder; one of 64 files or more
/// gets a single syncfs instead of thousands of journal commits.
#[test]
fn a_build_syncs_each_file_of_a_small_output_and_the_file_system_once_for_a_large_one() {
    let folder = tempfile::tempdir().unwrap();
    let syncs = |services: usize| {
        let dir = folder.path().join(services.to_string());
        let generated = generated::stack(services);
        let spec = ("stack.spec", generated.spec.as_str());
        for (path, contents) in generated.files.iter().chain([&spec]) {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, contents).unwrap();
        }
        let trace = dir.join("trace");
        let out = std::process::Command::new("strace")
            .args(["-f", "-qq", "-e", "trace=fsync,fdatasync,syncfs", "-o"])
            .arg(&trace)
            .arg(support::stackc_path())
            .args(["build", "--color", "never", "stack.spec", "-o", "out"])
            .current_dir(&dir)
            .output()
            .expect("strace runs (scripts/install-tools.sh installs it)");
        assert!(out.status.success(), "{}", support::text(&out.stderr));
        let calls = std::fs::read_to_string(&trace).unwrap();
        let count = |call: &str| calls.lines().filter(|l| l.contains(&format!("{call}("))).count();
        let files = walkdir(&dir.join("out"));
        (count("fsync") + count("fdatasync"), count("syncfs"), files)
    };
    // 10 services: compose.yaml, the manifest, and a few folders of two files.
    let (fsyncs, syncfs, (files, folders)) = syncs(10);
    assert!(files < 64, "{files}");
    assert_eq!(syncfs, 0);
    // Each file, each folder of the output (its root too), and its parent.
    assert_eq!(fsyncs, files + folders + 1, "{files} files, {folders} folders");
    let (fsyncs, syncfs, (files, _)) = syncs(200);
    assert!(files >= 64, "{files}");
    assert_eq!(
        (fsyncs, syncfs),
        (1, 1),
        "only the output's parent has an fsync of its own"
    );
}

/// How many files and folders (itself included) are below `dir`.
fn walkdir(dir: &Path) -> (usize, usize) {
    let (mut files, mut folders) = (0, 1);
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            let (f, d) = walkdir(&entry.path());
            files += f;
            folders += d;
        } else {
            files += 1;
        }
    }
    (files, folders)
}

/// A check of a stack of hundreds of services finds the emitters' problems
/// beside resolution, on a thread of its own: it reports the same as a
/// small stack's check, which finds them after. A value no format carries
/// is reported; where resolution finds an error, the emitters' problems are
/// not (the error must be fixed first).
#[test]
fn a_large_check_reports_the_emitters_problems_only_without_an_error() {
    for services in [10, 400] {
        let spec = generated::stack(services).spec;
        let odd = "service odd {\n    build ./odd {\n        ignore \"\\u{1}x\"\n    }\n    gunicorn odd.wsgi:application\n}\n";
        let unrepresentable = format!("{spec}{odd}");
        let codes = |text: String| -> Vec<String> {
            let check = stackc::check(&SourceFile::new("stack.spec", text));
            check.diagnostics.into_iter().map(|d| d.code.to_string()).collect()
        };
        assert_eq!(
            codes(unrepresentable.clone()),
            ["unrepresentable"],
            "{services} services"
        );
        let unknown = unrepresentable.replace("    gunicorn odd", "    after nowhere\n    gunicorn odd");
        assert_eq!(codes(unknown), ["unknown-service"], "{services} services");
    }
}

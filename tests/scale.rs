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

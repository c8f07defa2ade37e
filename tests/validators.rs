//! The real validators (nginx -t, gixy, hadolint, docker compose config,
//! dclint) on the output of every spec in `specs/`, through
//! `scripts/validate`. A missing validator fails the suite: the script exits
//! 2 and this test reports it.

mod support;

use std::process::Command;

#[test]
fn every_spec_output_passes_every_validator() {
    let specs = support::example_specs();
    assert!(specs.len() >= 3, "specs/ should hold the example stacks");
    let mut failures = Vec::new();
    for (spec, environment) in specs
        .iter()
        .flat_map(|spec| support::environments(spec).into_iter().map(move |e| (spec, e)))
    {
        let label = match &environment {
            Some(name) => format!("{} --env {name}", spec.display()),
            None => spec.display().to_string(),
        };
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let build = support::build_environment(spec, environment.as_deref(), &out);
        assert!(build.status.success(), "{label}: {}", support::text(&build.stderr));
        let (code, report) = support::validate(&out);
        println!("== {label}\n{report}");
        assert_ne!(code, 2, "a validator is missing or could not run:\n{report}");
        // Every check must have run: one line per check, none skipped.
        assert!(report.contains("passed: all") || report.contains("FAILED"), "{report}");
        if code != 0 {
            failures.push(format!("{label}:\n{report}"));
        }
    }
    assert!(
        failures.is_empty(),
        "validators found problems:\n{}",
        failures.join("\n")
    );
}

/// Names, `depends_on` entries, ports and service keys that sort
/// differently by bytes, by lower case and by dclint's `localeCompare`
/// (`cache_a` before `cache-a`, `cache1` before `Db`, port 443 before 8080)
/// come out in the order dclint wants.
#[test]
fn sort_orders_pass_dclint() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let build = support::build(&support::repo().join("tests/fixtures/sort-order.spec"), &out);
    assert!(build.status.success(), "{}", support::text(&build.stderr));
    let (code, report) = support::validate(&out);
    assert_eq!(code, 0, "{report}");
}

/// The proxy's nginx.conf of a spec in tests/fixtures (its proxy named
/// `nginx`), built, and the whole output passed by every validator.
fn validated_nginx_conf(fixture: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let build = support::build(&support::repo().join("tests/fixtures").join(fixture), &out);
    assert!(build.status.success(), "{}", support::text(&build.stderr));
    let (code, report) = support::validate(&out);
    assert_eq!(code, 0, "{report}");
    std::fs::read_to_string(out.join("nginx/nginx.conf")).unwrap()
}

/// Locations whose action is a raw handler (`stub_status`, a `return`
/// with nginx variables, `empty_gif`, `uwsgi_pass`) pass `nginx -t` and
/// gixy as written.
#[test]
fn raw_handlers_pass_nginx_and_gixy() {
    let conf = validated_nginx_conf("raw-handlers.spec");
    for line in [
        "stub_status;",
        "return 301 https://$host/new/;",
        "empty_gif;",
        "uwsgi_pass web:8001;",
    ] {
        assert!(conf.contains(line), "{line} in {conf}");
    }
}

/// Every kind of location (exact, `^~`, prefix, case-sensitive and
/// case-insensitive regex, named), as a PHP-FPM app with cached assets
/// writes them, passes `nginx -t` and gixy; the regexes are quoted, their
/// backslashes doubled so nginx reads each back as one.
#[test]
fn every_location_kind_passes_nginx_and_gixy() {
    let conf = validated_nginx_conf("location-kinds.spec");
    for line in [
        "location = /healthz {",
        "location ^~ /static/ {",
        r#"location ~ "\\.php$" {"#,
        r#"location ~* "\\.(css|js|png|jpe?g|gif|svg|ico|woff2?)$" {"#,
        "location @app {",
        "try_files $uri $uri/ @app;",
    ] {
        assert!(conf.contains(line), "{line} in {conf}");
    }
}

/// The negative control: the seed article's hand-written files fail exactly
/// the three checks the article's mistakes should fail, so each validator
/// demonstrably reads what it is given.
#[test]
fn the_seed_files_fail_hadolint_gixy_and_dclint() {
    let (code, report) = support::validate(&support::repo().join("tests/fixtures/seed-handwritten"));
    assert_eq!(code, 1, "{report}");
    let failed: Vec<&str> = report.lines().filter(|l| l.starts_with("FAIL ")).collect();
    let failed: Vec<String> = failed
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        failed,
        [
            "FAIL gixy nginx/nginx.conf",
            "FAIL hadolint Dockerfile",
            "FAIL dclint compose.yaml"
        ],
        "{report}"
    );
    assert!(report.contains("DL3042"), "{report}");
    assert!(report.contains("version_disclosure"), "{report}");
    assert!(report.contains("no-unbound-port-interfaces"), "{report}");
    assert!(report.contains("FAILED: 3 of 6 checks"), "{report}");
}

/// The apps' own Dockerfiles in `specs/` are examples of good practice:
/// hadolint, strict as scripts/validate runs it (every rule at every
/// level, no ignore pragmas), finds nothing in any of them.
#[test]
fn the_example_apps_own_dockerfiles_pass_hadolint() {
    let mut dockerfiles = Vec::new();
    let mut pending = vec![support::repo().join("specs")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                pending.push(path);
            } else if name.starts_with("Dockerfile") && !name.ends_with(".dockerignore") {
                dockerfiles.push(path);
            }
        }
    }
    dockerfiles.sort();
    assert!(
        dockerfiles.len() >= 4,
        "specs/ holds apps with their own Dockerfiles: {dockerfiles:?}"
    );
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "{}\n").unwrap();
    let mut failures = Vec::new();
    for dockerfile in &dockerfiles {
        let output = Command::new(support::tool("venv/bin/hadolint"))
            .args([
                "--no-color",
                "--disable-ignore-pragma",
                "--failure-threshold",
                "style",
                "-c",
            ])
            .arg(config.path())
            .arg(dockerfile)
            .env_remove("HADOLINT_IGNORE")
            .output()
            .expect("hadolint runs");
        if !output.status.success() || !output.stdout.is_empty() {
            failures.push(format!("{}:\n{}", dockerfile.display(), support::text(&output.stdout)));
        }
    }
    assert!(failures.is_empty(), "hadolint found problems:\n{}", failures.join("\n"));
}

//! `stackc import` through the real binary: the seed article's own files
//! import into a spec on which lint reports the article's mistakes; every
//! stack in specs/ survives build -> import -> build with the same
//! compose.yaml and nginx.conf; drops are reported and `--strict` fails.

mod support;

use std::path::Path;

/// The generated files' first line names the spec they came from.
fn body(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.split_once('\n')
        .map(|(_, rest)| rest.to_string())
        .unwrap_or_default()
}

/// `stackc import` with stackc's own reader (`--no-compose`), whatever
/// compose binary the machine has.
fn import(args: &[&str]) -> std::process::Output {
    support::stackc()
        .args(["import", "--no-compose"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_seed_imports_and_lints_with_its_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("seed");
    std::fs::create_dir(&project).unwrap();
    let fixture = support::repo().join("tests/fixtures/seed-handwritten");
    for file in ["compose.yaml", "Dockerfile"] {
        std::fs::copy(fixture.join(file), project.join(file)).unwrap();
    }
    std::fs::create_dir(project.join("nginx")).unwrap();
    for file in ["Dockerfile", "nginx.conf"] {
        std::fs::copy(fixture.join("nginx").join(file), project.join("nginx").join(file)).unwrap();
    }
    let spec = project.join("stack.spec");
    let out = import(&[
        project.to_str().unwrap(),
        "-o",
        spec.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", support::text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report.as_array().unwrap().iter().any(|d| d["code"] == "import-secret"),
        "{report}"
    );
    let text = std::fs::read_to_string(&spec).unwrap();
    assert!(
        text.contains("secret POSTGRES_PASSWORD = db_postgres_password"),
        "the password is a secret:\n{text}"
    );
    let password_lines = text
        .lines()
        .filter(|l| l.contains("PASSWORD") && l.contains("admin"))
        .count();
    assert_eq!(password_lines, 0, "the password stays out of the spec:\n{text}");
    assert!(text.contains("# from "), "says where each part came from:\n{text}");
    let secret = project.join("secrets/db_postgres_password.txt");
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "admin");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Compose bind-mounts it with this mode: postgres (uid 999) reads it.
        assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o644);
    }
    let lint = support::stackc()
        .args(["lint", spec.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let findings: serde_json::Value = serde_json::from_slice(&lint.stdout).unwrap();
    let codes: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    for mistake in [
        "missing-readiness-wait",
        "default-credentials",
        "runs-as-root",
        "eol-runtime",
        "deps-after-source",
        "static-not-served",
    ] {
        assert!(codes.contains(&mistake), "{mistake} missing from {codes:?}");
    }
}

#[test]
fn every_example_stack_round_trips() {
    let mut compared = 0;
    for spec in support::example_specs() {
        let name = spec.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("out1");
        assert!(support::build(&spec, &first).status.success(), "{name}: first build");
        let imported = dir.path().join("stack.spec");
        let out = import(&[
            first.to_str().unwrap(),
            "-o",
            imported.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert!(
            out.status.success(),
            "{name}: {} {}",
            support::text(&out.stderr),
            support::text(&out.stdout)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let dropped = report
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "import-dropped")
            .count();
        let second = dir.path().join("out2");
        let built = support::build(&imported, &second);
        assert!(built.status.success(), "{name}: {}", support::text(&built.stderr));
        assert_eq!(
            body(&first.join("compose.yaml")),
            body(&second.join("compose.yaml")),
            "{name}: compose.yaml"
        );
        let nginx = first.join("nginx/nginx.conf");
        // A dropped directive is reported, never silent: only then may nginx.conf differ.
        if nginx.exists() && dropped == 0 {
            assert_eq!(
                body(&nginx),
                body(&second.join("nginx/nginx.conf")),
                "{name}: nginx.conf"
            );
        }
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} specs");
}

#[test]
fn a_committed_env_files_passwords_become_secrets_for_images_that_read_files() {
    let dir = tempfile::tempdir().unwrap();
    let compose = dir.path().join("compose.yaml");
    std::fs::write(
        &compose,
        "services:\n  db:\n    image: postgres:16.4\n    env_file: .env.db\n  web:\n    image: ghcr.io/acme/web:1.0\n    env_file: .dev.env\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".env.db"),
        "POSTGRES_USER=app\nPOSTGRES_PASSWORD=s3cr3t-db\n",
    )
    .unwrap();
    let key = "django-insecure-7d9f2k3j4h5g6f7d8s9a";
    std::fs::write(dir.path().join(".dev.env"), format!("DEBUG=1\nSECRET_KEY={key}\n")).unwrap();
    let spec = dir.path().join("stack.spec");
    let out = import(&[
        compose.to_str().unwrap(),
        "-o",
        spec.to_str().unwrap(),
        "--format",
        "short",
    ]);
    assert!(out.status.success(), "{}", support::text(&out.stderr));
    let report = support::text(&out.stdout);
    assert!(has_finding(&report, ".env.db:2:1", "info", "import-secret"), "{report}");
    assert!(
        report.contains(".env.db still holds the value of `POSTGRES_PASSWORD`"),
        "the original is named: {report}"
    );
    let text = std::fs::read_to_string(&spec).unwrap();
    assert!(!text.contains("s3cr3t-db") && !text.contains(key), "{text}");
    assert!(
        text.contains("secret POSTGRES_PASSWORD = db_postgres_password") && text.contains("env_file \"env/db.env\""),
        "{text}"
    );
    // The app reads SECRET_KEY itself: its env file stays as it is.
    assert!(text.contains("env_file \".dev.env\"") && !text.contains("SECRET_KEY"), "{text}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("env/db.env")).unwrap(),
        "POSTGRES_USER=app\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("secrets/db_postgres_password.txt")).unwrap(),
        "s3cr3t-db"
    );
    let check = support::stackc().arg("check").arg(&spec).output().unwrap();
    assert!(check.status.success(), "{}", support::text(&check.stderr));
}

#[test]
fn a_password_from_the_hosts_environment_is_read_from_it_as_the_image_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let compose = dir.path().join("compose.yaml");
    std::fs::write(
        &compose,
        "services:\n  db:\n    image: mysql:8.4\n    environment:\n      MYSQL_ROOT_PASSWORD: ${DB_PASSWORD}\n  web:\n    image: ghcr.io/acme/web:1.0\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n      HOME_DIR: ${HOME}\n",
    )
    .unwrap();
    let spec = dir.path().join("stack.spec");
    let out = import(&[
        compose.to_str().unwrap(),
        "-o",
        spec.to_str().unwrap(),
        "--format",
        "short",
    ]);
    assert!(out.status.success(), "{}", support::text(&out.stderr));
    let report = support::text(&out.stdout);
    for at in ["compose.yaml:5:28", "compose.yaml:9:20"] {
        assert!(has_finding(&report, at, "info", "import-secret"), "{at}: {report}");
    }
    assert!(
        has_finding(&report, "compose.yaml:10:17", "warning", "import-dropped"),
        "{report}"
    );
    let text = std::fs::read_to_string(&spec).unwrap();
    assert!(text.contains("secret db_mysql_root_password env DB_PASSWORD"), "{text}");
    assert!(text.contains("secret MYSQL_ROOT_PASSWORD = db_mysql_root_password"), "{text}");
    // The app reads DB_PASSWORD: compose fills it in from the env file.
    assert!(text.contains("env_file \"env/web.env\""), "{text}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("env/web.env")).unwrap(),
        "DB_PASSWORD=${DB_PASSWORD}\n"
    );
}

#[test]
fn strict_fails_on_a_dropped_setting_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let compose = dir.path().join("compose.yaml");
    std::fs::write(
        &compose,
        "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080\"\n",
    )
    .unwrap();
    let spec = dir.path().join("stack.spec");
    let out = import(&[
        compose.to_str().unwrap(),
        "-o",
        spec.to_str().unwrap(),
        "--strict",
        "--format",
        "short",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        has_finding(
            &support::text(&out.stdout),
            "compose.yaml:5:9",
            "warning",
            "import-dropped"
        ),
        "{}",
        support::text(&out.stdout)
    );
    assert!(!spec.exists());
    let out = import(&[compose.to_str().unwrap(), "-o", spec.to_str().unwrap()]);
    assert!(out.status.success());
    // A spec that is there is never replaced unasked.
    let again = import(&[compose.to_str().unwrap(), "-o", spec.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(support::text(&again.stderr).contains("--force"));
    let forced = import(&[compose.to_str().unwrap(), "-o", spec.to_str().unwrap(), "--force"]);
    assert!(forced.status.success());
    assert!(std::fs::read_to_string(&spec).unwrap().contains("image nginx:1.27"));
}

#[test]
fn an_alias_bomb_is_refused_with_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("x-a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let p = i - 1;
        text.push_str(&format!(
            "x-a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let compose = dir.path().join("compose.yaml");
    std::fs::write(&compose, text).unwrap();
    let spec = dir.path().join("stack.spec");
    let out = import(&[
        compose.to_str().unwrap(),
        "-o",
        spec.to_str().unwrap(),
        "--format",
        "short",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(support::text(&out.stdout).contains("import-unreadable"));
    assert!(!spec.exists());
}

/// Whether the short report has a finding at `at` (`FILE:LINE:COL`) of
/// that severity and code.
fn has_finding(report: &str, at: &str, severity: &str, code: &str) -> bool {
    (report.lines()).any(|l| l.contains(&format!("{at}: {severity}: ")) && l.ends_with(&format!("[{code}]")))
}

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

/// `stackc import SOURCE -o SPEC --format FORMAT EXTRA...`.
fn import_into(source: &Path, spec: &Path, format: &str, extra: &[&str]) -> std::process::Output {
    let (source, spec) = (source.to_str().unwrap(), spec.to_str().unwrap());
    let mut args = vec![source, "-o", spec, "--format", format];
    args.extend_from_slice(extra);
    import(&args)
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
    // The article's project has them; without them `check` refuses the
    // spec, and import exits 1 (below).
    std::fs::write(project.join("requirements.txt"), "Django==5.2.8\ngunicorn==23.0.0\n").unwrap();
    std::fs::write(project.join(".dev.env"), "DEBUG=1\n").unwrap();
    let spec = project.join("stack.spec");
    let out = import_into(&project, &spec, "json", &[]);
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
        let out = import_into(&first, &imported, "json", &[]);
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
    let key = "django-insecure-7d9f2k3j4h5g6f7d8s9a";
    let imported = import_project(
        "services:\n  db:\n    image: postgres:16.4\n    env_file: .env.db\n  web:\n    image: ghcr.io/acme/web:1.0\n    env_file: .dev.env\n",
        &[
            (".env.db", "POSTGRES_USER=app\nPOSTGRES_PASSWORD=s3cr3t-db\n"),
            (".dev.env", &format!("DEBUG=1\nSECRET_KEY={key}\n")),
        ],
        &[],
    );
    let root = imported.root();
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let report = imported.report();
    assert!(has_finding(&report, ".env.db:2:1", "info", "import-secret"), "{report}");
    assert!(
        report.contains(".env.db still holds the value of `POSTGRES_PASSWORD`"),
        "the original is named: {report}"
    );
    let text = imported.spec();
    assert!(!text.contains("s3cr3t-db") && !text.contains(key), "{text}");
    assert!(
        text.contains("secret POSTGRES_PASSWORD = db_postgres_password") && text.contains("env_file \"env/db.env\""),
        "{text}"
    );
    // The copy's note names what it lacks (it keeps every other line).
    assert!(
        text.contains("# .env.db without POSTGRES_PASSWORD, read from secret files"),
        "{text}"
    );
    // The app reads SECRET_KEY itself: its env file stays as it is.
    assert!(
        text.contains("env_file \".dev.env\"") && !text.contains("SECRET_KEY"),
        "{text}"
    );
    assert_eq!(read(root, "env/db.env"), "POSTGRES_USER=app\n");
    assert_eq!(read(root, "secrets/db_postgres_password.txt"), "s3cr3t-db");
    imported.assert_spec_checks();
}

#[test]
fn a_password_from_the_hosts_environment_is_read_from_it_as_the_image_reads_it() {
    let imported = import_project(
        "services:\n  db:\n    image: mysql:8.4\n    environment:\n      MYSQL_ROOT_PASSWORD: ${DB_PASSWORD}\n  web:\n    image: ghcr.io/acme/web:1.0\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n      HOME_DIR: ${HOME}\n",
        &[],
        &[],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let report = imported.report();
    for at in ["compose.yaml:5:28", "compose.yaml:9:20"] {
        assert!(has_finding(&report, at, "info", "import-secret"), "{at}: {report}");
    }
    assert!(
        has_finding(&report, "compose.yaml:10:17", "warning", "import-dropped"),
        "{report}"
    );
    let text = imported.spec();
    assert!(text.contains("secret db_mysql_root_password env DB_PASSWORD"), "{text}");
    assert!(
        text.contains("secret MYSQL_ROOT_PASSWORD = db_mysql_root_password"),
        "{text}"
    );
    // The app reads DB_PASSWORD: compose fills it in from the env file.
    assert!(text.contains("env_file \"env/web.env\""), "{text}");
    assert_eq!(read(imported.root(), "env/web.env"), "DB_PASSWORD=${DB_PASSWORD}\n");
}

/// `${VAR:-}` is the variable's value, `""` when the host sets none (as
/// `${VAR}`, without its warning): a password or key (by the name it is
/// given or the variable's) stays a variable, supplied where compose
/// runs, in the env file compose reads; its default is not frozen into
/// the spec, nor a password's other default.
#[test]
fn a_password_with_an_empty_or_other_default_stays_a_variable() {
    let imported = import_project(
        "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: ${PG_PASS:-}\n  web:\n    image: ghcr.io/acme/web:1.0\n    environment:\n      SECRET_KEY: ${SECRET_KEY:-}\n      SMTP_PASSWORD: ${SMTP_PASSWORD-}\n      API_TOKEN: ${API_TOKEN:-dev-token-123}\n      SENTRY_ENVIRONMENT: ${SENTRY_ENVIRONMENT:-}\n      MAIL_LOGIN: ${SMTP_PASSWORD:-}\n",
        &[],
        &[],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let (report, text) = (imported.report(), imported.spec());
    for at in [
        "compose.yaml:5:26",
        "compose.yaml:9:19",
        "compose.yaml:10:22",
        "compose.yaml:11:18",
        "compose.yaml:13:19",
    ] {
        assert!(has_finding(&report, at, "info", "import-secret"), "{at}: {report}");
    }
    for frozen in [
        "SECRET_KEY =",
        "SMTP_PASSWORD =",
        "API_TOKEN =",
        "dev-token-123",
        "POSTGRES_PASSWORD =",
        "MAIL_LOGIN =",
    ] {
        assert!(!text.contains(frozen), "{frozen}:\n{text}");
    }
    assert_eq!(
        read(imported.root(), "env/web.env"),
        "SECRET_KEY=${SECRET_KEY:-}\nSMTP_PASSWORD=${SMTP_PASSWORD-}\nAPI_TOKEN=${API_TOKEN:-dev-token-123}\nMAIL_LOGIN=${SMTP_PASSWORD:-}\n"
    );
    // Unset is allowed: not a `secret NAME env VAR`, which compose refuses unset.
    assert!(!text.contains("env PG_PASS"), "{text}");
    assert_eq!(read(imported.root(), "env/db.env"), "POSTGRES_PASSWORD=${PG_PASS:-}\n");
    // No secret: its default, empty, reported as every default is.
    assert!(text.contains("SENTRY_ENVIRONMENT = \"\""), "{text}");
    assert!(
        has_finding(&report, "compose.yaml:12:27", "info", "import-filled"),
        "{report}"
    );
}

/// A published port with a variable, in the long syntax as in the short,
/// is published on its default, reported and noted; one without a
/// default is the host's, reported as such, never as "a random port".
/// `0.0.0.0:H:C` alone publishes on IPv4 only, as Docker reads it: the
/// spec keeps the address (without one it is every interface, IPv6
/// too); the `0.0.0.0` and `[::]` pair stackc writes is every interface.
#[test]
fn an_ipv4_only_port_keeps_its_address() {
    let compose = "services:\n  web:\n    image: example/web:1.0\n    user: \"1000\"\n    ports:\n      - \"0.0.0.0:8080:8000\"\n      - \"0.0.0.0:9090:9000\"\n      - \"[::]:9090:9000\"\n      - target: 7000\n        published: 7070\n        host_ip: 0.0.0.0\n";
    let imported = import_project(compose, &[], &[]);
    let spec = imported.spec();
    assert_holds(
        &spec,
        &[
            "publish 0.0.0.0:8080 -> 8000",
            "publish 9090 -> 9000",
            "publish 0.0.0.0:7070 -> 7000",
        ],
    );
    imported.assert_spec_checks();
}

#[test]
fn ports_with_variables_are_published_on_their_defaults() {
    let imported = import_project(
        "services:\n  store:\n    image: minio/minio:RELEASE.2024-01-01T00-00-00Z\n    user: \"1000\"\n    ports:\n      - target: 9000\n        published: \"${MINIO_PORT:-9000}\"\n        host_ip: ${MINIO_IP:-127.0.0.1}\n      - \"${PORT:-8000}:8000\"\n      - target: 9001\n        published: ${CONSOLE_PORT}\n",
        &[],
        &[],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let (report, text) = (imported.report(), imported.spec());
    assert_holds(
        &text,
        &[
            "# was published ${MINIO_PORT:-9000}, host_ip ${MINIO_IP:-127.0.0.1}\n    publish 127.0.0.1:9000 -> 9000\n",
            "# was ${PORT:-8000}:8000\n    publish 8000 -> 8000\n",
        ],
    );
    assert!(!text.contains("9001"), "{text}");
    // A default is what compose runs with: filled in. A bare variable is
    // lost.
    for at in ["compose.yaml:7:20", "compose.yaml:8:18", "compose.yaml:9:9"] {
        assert!(has_finding(&report, at, "info", "import-filled"), "{at}: {report}");
    }
    assert!(
        has_finding(&report, "compose.yaml:11:20", "warning", "import-dropped"),
        "{report}"
    );
    assert!(
        report.contains("`published` is `9000`, the default of `MINIO_PORT`"),
        "{report}"
    );
    assert!(
        report.contains("`published` is filled from the host's environment"),
        "{report}"
    );
    assert!(!report.contains("random host port"), "{report}");
}

/// Raw compose keys whose variables have defaults are their defaults,
/// reported as filled in, typed as compose casts them (`read_only:
/// ${RO:-true}` is the boolean); one without a default is reported and
/// left out; a default that is a secret never reaches the spec or the
/// report.
#[test]
fn raw_keys_with_variables_are_their_defaults() {
    let compose = "services:\n  app:\n    image: busybox:1.37\n    user: \"1000\"\n    read_only: ${RO:-true}\n    cap_drop: [\"${DROP:-ALL}\"]\n    network_mode: ${NET:-bridge}\n    mem_swappiness: ${SWAP}\n    sysctls:\n      net.core.somaxconn: ${CONN:-1024}\n    extra_hosts:\n      - \"db:${DB_PASSWORD:-hunter2hunter2}\"\n";
    let imported = import_project(compose, &[], &[]);
    let (spec, report) = (imported.spec(), imported.report());
    assert_holds(
        &spec,
        &[
            "compose read_only = \"true\"",
            "compose cap_drop = \"[\\\"ALL\\\"]\"",
            "compose network_mode = \"\\\"bridge\\\"\"",
            "compose sysctls = \"{\\\"net.core.somaxconn\\\": 1024}\"",
        ],
    );
    assert!(report.contains("the default of `RO`"), "{report}");
    assert!(
        report.contains("`mem_swappiness` is filled from the host's environment"),
        "{report}"
    );
    assert!(!spec.contains("mem_swappiness") && !spec.contains("hunter2"), "{spec}");
    assert!(!report.contains("hunter2"), "{report}");
    imported.assert_spec_checks();
}

/// `network_mode: HOST` is no mode: Docker reads it as the name of a
/// network. Kept raw, as `pid: HOST` is, and refused where it is in the
/// spec, so `stackc build` does not pass it on; `host` is the mode.
#[test]
fn a_network_mode_in_capitals_is_refused_as_pid_and_ipc_are() {
    let compose = |mode: &str| {
        format!("services:\n  probe:\n    image: busybox:1.37\n    user: \"1000\"\n    network_mode: {mode}\n    pid: {mode}\n")
    };
    let imported = import_project(&compose("HOST"), &[], &[]);
    let report = imported.report();
    for key in ["pid", "network_mode"] {
        assert!(
            report.contains(&format!(
                "error: compose or Docker would refuse this `{key}` [invalid-raw]"
            )),
            "{key}: {report}"
        );
    }
    let imported = import_project(&compose("host"), &[], &[]);
    assert!(!imported.report().contains("invalid-raw"), "{}", imported.report());
}

#[test]
fn strict_fails_on_a_dropped_setting_and_writes_nothing() {
    let strict = import_project(
        "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080\"\n",
        &[],
        &["--strict"],
    );
    assert_eq!(strict.out.status.code(), Some(1));
    let report = strict.report();
    assert!(
        has_finding(&report, "compose.yaml:5:9", "warning", "import-dropped"),
        "{report}"
    );
    let (compose, spec) = (strict.root().join("compose.yaml"), strict.spec_path());
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

/// Elasticsearch's settings are variables with dots in their names: each
/// is carried into the spec, so the one that turns its security off is
/// kept (and linted) rather than dropped, and compose.yaml gets them back.
#[test]
fn variables_with_dots_in_their_names_are_carried_over() {
    let imported = import_project(
        "services:\n  search:\n    image: elasticsearch:8.15.3\n    environment:\n      - discovery.type=single-node\n      - xpack.security.enabled=false\n    ports:\n      - \"9200:9200\"\n",
        &[],
        &[],
    );
    let report = imported.report();
    assert!(!report.contains("import-dropped"), "{report}");
    assert!(report.contains("[open-data-store]"), "{report}");
    assert_holds(
        &imported.spec(),
        &[
            "discovery.type         = \"single-node\"",
            "xpack.security.enabled = \"false\"",
        ],
    );
    let built = support::stackc()
        .args([
            "build",
            "--allow",
            "open-data-store",
            "--allow",
            "internal-port-published",
            "-o",
        ])
        .arg(imported.root().join("out"))
        .arg(imported.spec_path())
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    assert_holds(
        &read(imported.root(), "out/compose.yaml"),
        &[
            "      discovery.type: single-node\n",
            "      xpack.security.enabled: \"false\"\n",
        ],
    );
}

#[test]
fn an_alias_bomb_is_refused_with_a_finding() {
    let mut text = String::from("x-a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let p = i - 1;
        text.push_str(&format!(
            "x-a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let imported = import_project(&text, &[], &[]);
    assert_eq!(imported.out.status.code(), Some(1));
    assert!(imported.report().contains("import-unreadable"));
    assert!(!imported.spec_path().exists());
}

/// A key given twice in one map is refused, as compose refuses the file
/// (go-yaml v3: "mapping key already defined"), with the finding on the
/// second: reading it as the last one wins would import a stack compose
/// never runs. A `<<` merge may still give a key again.
#[test]
fn a_key_given_twice_is_refused_as_compose_refuses_it() {
    let text = "services:\n  web:\n    image: nginx:1.27\n  web:\n    image: postgres:16.4\n";
    let imported = import_project(text, &[], &[]);
    assert_eq!(imported.out.status.code(), Some(1));
    let report = imported.report();
    assert!(report.contains("compose.yaml:4:3: error: "), "{report}");
    assert!(report.contains("given twice") && report.contains("line 2"), "{report}");
    assert!(!imported.spec_path().exists());

    let merged = "x-base: &base {image: nginx:1.27}\nservices:\n  web:\n    <<: *base\n    image: nginx:1.30\n";
    let imported = import_project(merged, &[], &[]);
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.report());
    assert!(read(imported.root(), "stack.spec").contains("image nginx:1.30"));
}

/// Whether the short report has a finding at `at` (`FILE:LINE:COL`) of
/// that severity and code.
fn has_finding(report: &str, at: &str, severity: &str, code: &str) -> bool {
    (report.lines()).any(|l| l.contains(&format!("{at}: {severity}: ")) && l.ends_with(&format!("[{code}]")))
}

/// A project folder with these files (paths `/`-separated).
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// A compose project imported with stackc's own reader: its folder and
/// what import printed.
struct Imported {
    dir: tempfile::TempDir,
    out: std::process::Output,
}

impl Imported {
    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn spec_path(&self) -> std::path::PathBuf {
        self.root().join("stack.spec")
    }

    /// `stackc check` accepts the spec import wrote.
    fn assert_spec_checks(&self) {
        let check = support::stackc().arg("check").arg(self.spec_path()).output().unwrap();
        assert!(check.status.success(), "{}", support::text(&check.stderr));
    }

    /// The spec import wrote.
    fn spec(&self) -> String {
        read(self.root(), "stack.spec")
    }

    /// Its findings, `--format short`.
    fn report(&self) -> String {
        support::text(&self.out.stdout)
    }

    fn stderr(&self) -> String {
        support::text(&self.out.stderr)
    }

    /// What `stackc lint` finds in the spec written, `--format short`.
    fn lint_findings(&self) -> String {
        let lint = support::stackc()
            .arg("lint")
            .arg(self.spec_path())
            .args(["--format", "short"])
            .output()
            .unwrap();
        support::text(&lint.stdout)
    }

    /// The report and the spec, the project's folder shown as
    /// `[project]`, for a snapshot.
    fn shown(&self) -> String {
        let both = format!("{}\n{}", self.report(), self.spec());
        both.replace(self.root().to_str().unwrap(), "[project]")
    }
}

/// Writes a project of `compose` (its compose.yaml) and `files` into a
/// new folder and imports it into `stack.spec` there (`--format short`,
/// then `extra`), run in that folder: `extra` names its files from there
/// (`--nginx proxy/default.conf`).
fn import_project(compose: &str, files: &[(&str, &str)], extra: &[&str]) -> Imported {
    let mut all = vec![("compose.yaml", compose)];
    all.extend_from_slice(files);
    let dir = project(&all);
    let root = dir.path();
    let out = support::stackc()
        .current_dir(root)
        .args(["import", "--no-compose"])
        .arg(root)
        .arg("-o")
        .arg(root.join("stack.spec"))
        .args(["--format", "short"])
        .args(extra)
        .output()
        .unwrap();
    Imported { dir, out }
}

/// Every line of `lines` is in `text`.
fn assert_holds(text: &str, lines: &[&str]) {
    for line in lines {
        assert!(text.contains(line), "{line}:\n{text}");
    }
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[cfg(unix)]
fn mode(dir: &Path, path: &str) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(dir.join(path)).unwrap().permissions().mode() & 0o777
}

/// An app that reads `API_TOKEN` itself (express, Django, a redis client)
/// still gets `API_TOKEN`: from an env file compose reads, which the
/// app's `COPY . .` build never carries into the image.
#[test]
fn app_secrets_stay_variables_in_an_env_file_no_image_carries() {
    let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    let compose = format!(
        "services:\n  app:\n    build: .\n    ports:\n      - \"127.0.0.1:3000:3000\"\n    environment:\n      API_TOKEN: \"{token}\"\n      STRIPE_SECRET_KEY: \"sk_live_51Habcdefghijklmnop\"\n"
    );
    let dockerfile = "FROM node:22.12-alpine\nWORKDIR /app\nCOPY . .\nUSER node\nCMD [\"node\", \"server.js\"]\n";
    for ignore in [Some("node_modules\n"), None] {
        let mut files = vec![("Dockerfile", dockerfile)];
        files.extend(ignore.map(|text| (".dockerignore", text)));
        let imported = import_project(&compose, &files, &[]);
        let (root, stderr) = (imported.root(), imported.stderr());
        assert!(imported.out.status.success(), "{stderr}");
        let spec = imported.spec();
        assert!(!spec.contains(token) && !spec.contains("sk_live"), "{spec}");
        assert!(
            !spec.contains("secret API_TOKEN"),
            "the app reads API_TOKEN, not API_TOKEN_FILE:\n{spec}"
        );
        assert!(spec.contains("env_file \"env/app.env\""), "{spec}");
        assert_eq!(
            read(root, "env/app.env"),
            format!("API_TOKEN={token}\nSTRIPE_SECRET_KEY=sk_live_51Habcdefghijklmnop\n"),
            "plain, as a cluster's Secret (kubectl --from-env-file) would read them too"
        );
        #[cfg(unix)]
        assert_eq!(mode(root, "env/app.env"), 0o600, "only compose reads it");
        // The build context is the project: its ignore file leaves the env file out.
        let ignore_file = read(root, ".dockerignore");
        assert!(ignore_file.ends_with("\nenv/app.env\n"), "{ignore_file}");
        assert!(ignore_file.starts_with(ignore.unwrap_or("#")), "{ignore_file}");
        let verb = if ignore.is_some() { "added to" } else { "created" };
        assert!(
            stderr.contains(&format!("{verb} ")) && stderr.contains(".dockerignore so no image carries env/app.env"),
            "{stderr}"
        );
        assert!(stderr.contains("`stackc build` accepts"), "{stderr}");
        let built = support::build(&root.join("stack.spec"), &root.join("out"));
        assert!(built.status.success(), "{}", support::text(&built.stderr));
        let yaml = read(root, "out/compose.yaml");
        assert!(
            yaml.contains("env_file") && !yaml.contains(token) && !yaml.contains("_FILE"),
            "{yaml}"
        );
    }
}

/// The database's password and the app's are one value: one secret, which
/// the images that read `VAR_FILE` share, in a file their users can read;
/// the app keeps its variable.
#[test]
fn one_value_is_one_secret_the_containers_can_read() {
    let password = "Xk3-pw-72hq-Lm9";
    let compose = format!(
        "services:\n  web:\n    image: ghcr.io/acme/web:1.0\n    environment:\n      - SQL_HOST=db\n      - SQL_USER=app\n      - SQL_DATABASE=app\n      - SQL_PASSWORD={password}\n  db:\n    image: postgres:16.4\n    environment:\n      - POSTGRES_USER=app\n      - POSTGRES_DB=app\n      - POSTGRES_PASSWORD={password}\n  mongo:\n    image: mongo:7.0\n    environment:\n      - MONGO_INITDB_ROOT_PASSWORD={password}\n"
    );
    let imported = import_project(&compose, &[], &[]);
    let root = imported.root();
    let (stdout, stderr) = (imported.report(), imported.stderr());
    assert!(imported.out.status.success(), "{stderr}");
    assert!(!stdout.contains("database-wiring"), "{stdout}");
    let spec = imported.spec();
    assert!(!spec.contains(password), "{spec}");
    assert_eq!(spec.matches(" file \"secrets/").count(), 1, "one secret:\n{spec}");
    assert_holds(
        &spec,
        &[
            "secret POSTGRES_PASSWORD = db_postgres_password",
            "secret MONGO_INITDB_ROOT_PASSWORD = db_postgres_password",
            "env_file \"env/web.env\"",
        ],
    );
    assert!(
        stdout.contains("`MONGO_INITDB_ROOT_PASSWORD` has the value of secret `db_postgres_password` already"),
        "{stdout}"
    );
    #[cfg(unix)]
    assert_eq!(mode(root, "secrets/db_postgres_password.txt"), 0o644);
    assert!(
        stderr.contains("mode 0644") && stderr.contains("host file's owner and mode"),
        "{stderr}"
    );
    let explain = support::stackc().args(["explain", "import-secret"]).output().unwrap();
    let explain = support::text(&explain.stdout);
    assert!(
        explain.contains("now reads `VAR_FILE` instead of `VAR`") && explain.contains("still reads `VAR`"),
        "{explain}"
    );
}

/// A spec `check` refuses is written all the same, its errors pointing
/// into it; a port Docker never publishes (a service only on `internal`
/// networks) is reported, not written.
#[test]
fn a_spec_with_errors_is_written_and_its_errors_point_into_it() {
    let compose = "services:\n  web:\n    image: busybox:1.37\n    user: \"1000\"\n    secrets:\n      - api_key\n  adminer:\n    image: adminer:4.8.1\n    ports:\n      - \"127.0.0.1:8081:8080\"\n    networks:\n      - backnet\nnetworks:\n  backnet:\n    internal: true\n";
    let imported = import_project(compose, &[], &[]);
    let (stdout, stderr) = (imported.report(), imported.stderr());
    assert_eq!(imported.out.status.code(), Some(1), "{stdout}{stderr}");
    let text = imported.spec();
    assert!(!text.contains("publish"), "{text}");
    assert!(
        has_finding(&stdout, "compose.yaml:9:5", "warning", "import-dropped"),
        "{stdout}"
    );
    let line = text.lines().position(|l| l.contains("secret api_key")).unwrap() + 1;
    assert!(
        has_finding(&stdout, &format!("stack.spec:{line}:12"), "error", "unknown-secret"),
        "{stdout}\n{text}"
    );
    assert!(stderr.contains("has errors (above): fix them there"), "{stderr}");
}

/// nginx's `Host $host` and upstream keep-alive (HTTP/1.1, `Connection
/// ""`) reach the app as they did; the `conf.d` folder mounted is the
/// config, not a dropped mount.
#[test]
fn the_proxys_host_and_keep_alive_are_kept() {
    let conf = "proxy/conf.d/default.conf";
    let imported = import_project(
        "services:\n  backend:\n    image: ghcr.io/acme/api:1.0\n    user: \"1000\"\n    init: true\n  proxy:\n    image: nginx:1.27-alpine\n    volumes:\n      - ./proxy/conf.d:/etc/nginx/conf.d:ro\n    ports:\n      - 1337:80\n    depends_on:\n      - backend\n",
        &[(
            conf,
            "server {\n    listen 80;\n    location / {\n        proxy_pass http://backend:8000;\n        proxy_set_header Host $host;\n        proxy_http_version 1.1;\n        proxy_set_header Connection \"\";\n    }\n}\n",
        )],
        &["--nginx", conf],
    );
    let (root, stdout, stderr) = (imported.root(), imported.report(), imported.stderr());
    assert!(imported.out.status.success(), "{stderr}");
    assert!(!stdout.contains("import-dropped"), "{stdout}");
    // Findings in compose.yaml and in the config: neither is a spec.
    assert!(stderr.contains(" in 2 files\n"), "{stderr}");
    let text = imported.spec();
    assert!(!text.contains("websocket"), "{text}");
    let built = support::build(&imported.spec_path(), &root.join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    let nginx = read(root, "out/proxy/nginx.conf");
    assert_holds(
        &nginx,
        &[
            "proxy_set_header Host $host;",
            "proxy_http_version 1.1;",
            "proxy_set_header Connection \"\";",
        ],
    );
    assert!(
        !nginx.contains("$host:1337") && !nginx.contains("$connection_upgrade;"),
        "{nginx}"
    );
}

/// An upstream's own directives (`least_conn`, `keepalive`) are kept as
/// its raw lines, not dropped: the built config pools the connections
/// again (its location speaks HTTP/1.1 with no `Connection: close`).
#[test]
fn an_upstreams_own_directives_are_kept() {
    let imported = import_project(
        "services:\n  backend:\n    image: ghcr.io/acme/api:1.0\n    user: \"1000\"\n  proxy:\n    image: nginx:1.27-alpine\n    volumes:\n      - ./nginx.conf:/etc/nginx/conf.d/default.conf:ro\n    ports:\n      - 8080:80\n",
        &[(
            "nginx.conf",
            "upstream api {\n    least_conn;\n    server backend:8000;\n    keepalive 32;\n}\nserver {\n    listen 80;\n    location / {\n        proxy_pass http://api;\n    }\n}\n",
        )],
        &["--nginx", "nginx.conf"],
    );
    let (root, stdout) = (imported.root(), imported.report());
    assert!(imported.out.status.success(), "{}", imported.stderr());
    assert!(!stdout.contains("import-dropped"), "{stdout}");
    let spec = imported.spec();
    assert_holds(
        &spec,
        &["upstream api {\n        nginx \"least_conn\"\n        server backend:8000\n        nginx \"keepalive 32\"\n    }"],
    );
    let built = support::build(&imported.spec_path(), &root.join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    assert_holds(
        &read(root, "out/proxy/nginx.conf"),
        &[
            "least_conn;",
            "keepalive 32;",
            "proxy_http_version 1.1;",
            "proxy_set_header Connection \"\";",
        ],
    );
}

/// taiga-docker's gateway: a location that serves a folder inside a
/// volume nginx mounts becomes `alias VOLUME FOLDER`, not a drop.
#[test]
fn a_folder_inside_a_served_volume_is_aliased() {
    let imported = import_project(
        "services:\n  back:\n    image: ghcr.io/acme/api:1.0\n    user: \"1000\"\n    volumes:\n      - media:/app/media\n  gateway:\n    image: nginx:1.27-alpine\n    volumes:\n      - ./gateway.conf:/etc/nginx/conf.d/default.conf:ro\n      - media:/taiga/media\n    ports:\n      - 9000:80\nvolumes:\n  media:\n",
        &[(
            "gateway.conf",
            "server {\n    listen 80;\n    location /media/exports/ {\n        alias /taiga/media/exports/;\n    }\n    location / {\n        proxy_pass http://back:8000;\n    }\n}\n",
        )],
        &["--nginx", "gateway.conf"],
    );
    let (root, stdout) = (imported.root(), imported.report());
    assert!(imported.out.status.success(), "{}", imported.stderr());
    assert!(!stdout.contains("import-dropped"), "{stdout}");
    assert_holds(&imported.spec(), &["alias media exports"]);
    let built = support::build(&imported.spec_path(), &root.join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    assert_holds(&read(root, "out/gateway/nginx.conf"), &["alias /srv/media/exports/;"]);
}

/// Two nginx services, each mounting its own config, given as two
/// `--nginx` files: each proxy is made from the one it mounts (the first
/// was every proxy's), and a third file no proxy was made from is reported.
#[test]
fn each_proxy_is_made_from_the_nginx_file_it_mounts() {
    let mount = |conf: &str| format!("./{conf}:/etc/nginx/conf.d/default.conf:ro");
    let compose = two_gateways(&mount("public.conf"), &mount("staff.conf"));
    let (shop, admin) = (proxy_to("shop"), proxy_to("admin"));
    let imported = import_project(
        &compose,
        &[("public.conf", &shop), ("staff.conf", &admin), ("extra.conf", &shop)],
        &[
            "--nginx",
            "staff.conf",
            "--nginx",
            "public.conf",
            "--nginx",
            "extra.conf",
        ],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let (spec, stdout) = (imported.spec(), imported.report());
    let (public, staff) = (proxy_block(&spec, "public"), proxy_block(&spec, "staff"));
    assert!(public.contains("shop") && !public.contains("admin"), "{spec}");
    assert!(staff.contains("admin") && !staff.contains("shop"), "{spec}");
    let unread: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("no proxy was made from it"))
        .collect();
    assert!(unread.len() == 1 && unread[0].contains("extra.conf"), "{stdout}");
}

/// Two backends (`shop`, `admin`) and two nginx services (`public` on
/// 8080, `staff` on 8081), each mounting `public_mount` or `staff_mount`.
fn two_gateways(public_mount: &str, staff_mount: &str) -> String {
    let gateway = |name: &str, mount: &str, port: u16| {
        format!(
            "  {name}:\n    image: nginx:1.27-alpine\n    volumes:\n      - {mount}\n    ports:\n      - {port}:80\n"
        )
    };
    format!(
        "services:\n  shop:\n    image: ghcr.io/acme/shop:1.0\n    user: \"1000\"\n  admin:\n    image: ghcr.io/acme/admin:1.0\n    user: \"1000\"\n{}{}",
        gateway("public", public_mount, 8080),
        gateway("staff", staff_mount, 8081)
    )
}

/// An nginx config whose one server proxies to `backend`'s port 8000.
fn proxy_to(backend: &str) -> String {
    format!("server {{\n    listen 80;\n    location / {{\n        proxy_pass http://{backend}:8000;\n    }}\n}}\n")
}

/// The text of the spec's `proxy NAME` block.
fn proxy_block(spec: &str, name: &str) -> String {
    let start = spec
        .find(&format!("proxy {name} "))
        .unwrap_or_else(|| panic!("no proxy {name}: {spec}"));
    spec[start..].split("\n}\n").next().unwrap_or_default().to_string()
}

/// full-stack-fastapi-template's database: `POSTGRES_PASSWORD` in its env
/// file and in `environment` (`${POSTGRES_PASSWORD?...}`), which wins.
/// One secret, the environment's; the env file's copy leaves the value out.
/// Two were made, and the spec's own `duplicate-variable` error stopped it.
#[test]
fn a_password_the_environment_overrides_is_one_secret() {
    let imported = import_project(
        "services:\n  db:\n    image: postgres:17.2\n    env_file:\n      - .env\n    environment:\n      - POSTGRES_PASSWORD=${POSTGRES_PASSWORD?Variable not set}\n",
        &[(".env", "POSTGRES_PASSWORD=changethis\nPOSTGRES_DB=app\n")],
        &[],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let spec = imported.spec();
    assert_eq!(spec.matches("secret POSTGRES_PASSWORD =").count(), 1, "{spec}");
    let copy = read(imported.root(), "env/db.env");
    assert!(
        !copy.contains("changethis") && copy.contains("POSTGRES_DB=app"),
        "{copy}"
    );
}

/// full-stack-fastapi-template's frontend: nginx serving the site a node
/// stage built. Its image is the app's own, kept as a service with its
/// build; a proxy (nginx and stackc's config) lost the site.
#[test]
fn an_nginx_image_built_with_a_site_stays_a_service() {
    let imported = import_project(
        "services:\n  frontend:\n    build: ./frontend\n    ports:\n      - 8080:80\n",
        &[
            (
                "frontend/Dockerfile",
                "FROM node:22.12-alpine AS build-stage\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n\nFROM nginx:1.27-alpine\nCOPY --from=build-stage /app/dist/ /usr/share/nginx/html\nCOPY ./nginx.conf /etc/nginx/conf.d/default.conf\n",
            ),
            ("frontend/nginx.conf", "server {\n    listen 80;\n    location / {\n        root /usr/share/nginx/html;\n        try_files $uri /index.html;\n    }\n}\n"),
        ],
        &[],
    );
    let spec = imported.spec();
    assert!(spec.contains("service frontend {"), "{spec}");
    assert!(spec.contains("build ./frontend"), "{spec}");
}

/// A Laravel stack's nginx hands requests to php-fpm: its `--nginx`
/// config stays with the nginx service, and the report says why, not that
/// nothing was made of it.
#[test]
fn a_given_fastcgi_config_says_why_no_proxy_was_made() {
    let imported = import_project(
        "services:\n  php:\n    image: ghcr.io/acme/shop-php:1.0\n    user: \"1000\"\n  nginx:\n    image: nginx:1.27-alpine\n    volumes:\n      - ./default.conf:/etc/nginx/conf.d/default.conf:ro\n    ports:\n      - 8080:80\n",
        &[(
            "default.conf",
            "server {\n    listen 80;\n    root /var/www/html/public;\n    location ~ \\.php$ {\n        fastcgi_pass php:9000;\n    }\n}\n",
        )],
        &["--nginx", "default.conf"],
    );
    let report = imported.report();
    assert!(report.contains("hands requests to an application gateway"), "{report}");
    assert!(!report.contains("no proxy was made from it"), "{report}");
    assert!(imported.spec().contains("service nginx {"), "{}", imported.spec());
}

/// Gitea's robots.txt answered by nginx: `\n` in a quoted string is a
/// line break to nginx, written back as `\n` (a raw line holding the line
/// break itself was refused as a control character, and import failed).
#[test]
fn a_line_break_in_a_quoted_nginx_string_is_kept_as_its_escape() {
    let imported = import_project(
        "services:\n  web:\n    image: ghcr.io/acme/web:1.0\n    user: \"1000\"\n  gateway:\n    image: nginx:1.27-alpine\n    volumes:\n      - ./gateway.conf:/etc/nginx/conf.d/default.conf:ro\n    ports:\n      - 8080:80\n",
        &[(
            "gateway.conf",
            "server {\n    listen 80;\n    location = /robots.txt {\n        return 200 \"User-agent: *\\nDisallow: /\\n\";\n    }\n    location / {\n        proxy_pass http://web:8000;\n    }\n}\n",
        )],
        &["--nginx", "gateway.conf"],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let built = support::build(&imported.spec_path(), &imported.root().join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    assert_holds(
        &read(imported.root(), "out/gateway/nginx.conf"),
        &["return 200 \"User-agent: *\\nDisallow: /\\n\";"],
    );
}

/// A certbot layout: `listen [::]:443 ssl` beside `listen 443 ssl` is one
/// listen, not a second (a `duplicate-listen` error), and is reported; the
/// certificate and key under /etc/letsencrypt are reported with how to
/// make them secrets, not left out quietly.
#[test]
fn ipv6_listens_and_certificates_outside_secrets_are_reported() {
    let imported = import_project(
        "services:\n  web:\n    image: ghcr.io/acme/web:1.0\n    user: \"1000\"\n  gateway:\n    image: nginx:1.27-alpine\n    volumes:\n      - ./gateway.conf:/etc/nginx/conf.d/default.conf:ro\n    ports:\n      - 443:443\n",
        &[(
            "gateway.conf",
            "server {\n    listen 443 ssl http2;\n    listen [::]:443 ssl;\n    ssl_certificate /etc/letsencrypt/live/shop/fullchain.pem;\n    ssl_certificate_key /etc/letsencrypt/live/shop/privkey.pem;\n    location / {\n        proxy_pass http://web:8000;\n        add_header X-Cached $upstream_cache_status;\n    }\n}\nserver {\n    listen [::]:8443 ssl ipv6only=off;\n    location / {\n        proxy_pass http://web:8000;\n    }\n}\n",
        )],
        &["--nginx", "gateway.conf"],
    );
    let (spec, report) = (imported.spec(), imported.report());
    assert_eq!(spec.matches("listen 443 tls").count(), 1, "{spec}");
    assert!(
        spec.contains("listen 8443 tls"),
        "an IPv6 listen alone is its port: {spec}"
    );
    assert!(!report.contains("duplicate-listen"), "{report}");
    let dropped: Vec<&str> = report.lines().filter(|l| l.contains("import-dropped")).collect();
    assert!(dropped.iter().any(|l| l.contains("IPv6")), "{report}");
    assert!(dropped.iter().any(|l| l.contains("`ssl_certificate`")), "{report}");
    assert!(dropped.iter().any(|l| l.contains("`ssl_certificate_key`")), "{report}");
    // Mastodon's: `http2` is said left out, and a header nginx fills in is
    // a raw line (the spec's header values are literal).
    assert!(
        dropped.iter().any(|l| l.contains("`listen` parameter `http2`")),
        "{report}"
    );
    assert!(!dropped.iter().any(|l| l.contains("ipv6only")), "{report}");
    assert!(
        spec.contains("nginx \"add_header X-Cached $upstream_cache_status\""),
        "{spec}"
    );
}

/// A healthcheck that reads the password variable (`$$VAR`) import moves
/// into a secret reads the secret's file; one it cannot rewrite (inside
/// single quotes) is reported, not left to fail quietly.
#[test]
fn a_healthcheck_reading_a_moved_password_reads_its_file() {
    let service = |name: &str, test: &str| {
        format!("  {name}:\n    image: mongo:8.0.4\n    environment:\n      MONGO_INITDB_ROOT_USERNAME: root\n      MONGO_INITDB_ROOT_PASSWORD: Mg4kqP9zL2vX\n    healthcheck:\n      test: {test}\n")
    };
    let compose = format!(
        "services:\n{}{}",
        service(
            "mongo",
            "mongosh -u root -p \"$$MONGO_INITDB_ROOT_PASSWORD\" --eval ping"
        ),
        service(
            "mongo2",
            "sh -c 'mongosh -u root -p $$MONGO_INITDB_ROOT_PASSWORD --eval ping'"
        ),
    );
    let imported = import_project(&compose, &[], &[]);
    let (spec, report) = (imported.spec(), imported.report());
    assert!(
        spec.contains("-p \\\"$(cat \\\"$MONGO_INITDB_ROOT_PASSWORD_FILE\\\")\\\""),
        "{spec}"
    );
    let left: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("which the container no longer has"))
        .collect();
    assert_eq!(left.len(), 1, "{report}");
}

/// The project's `.env` turns a profile on (`COMPOSE_PROFILES=worker`):
/// its service starts with the others, so the spec's has no `profiles`
/// (on a cluster it would run nothing); another profile's keeps it.
#[test]
fn a_profile_the_dotenv_turns_on_starts_with_the_others() {
    let imported = import_project(
        "services:\n  worker:\n    image: ghcr.io/acme/web:1.0\n    user: \"1000\"\n    profiles: [worker]\n  adminer:\n    image: ghcr.io/acme/adminer:1.0\n    user: \"1000\"\n    profiles: [debug]\n",
        &[(".env", "COMPOSE_PROFILES=worker\n")],
        &[],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let spec = imported.spec();
    assert_eq!(spec.matches("compose profiles").count(), 1, "{spec}");
    assert!(
        spec[spec.find("service adminer").unwrap()..].contains("compose profiles"),
        "{spec}"
    );
}

/// The project's `.env` names it (docker-rails-example's
/// `COMPOSE_PROJECT_NAME=hellorails`): compose names its volumes after
/// it, so the spec's stack is that name, not the folder's.
#[test]
fn the_project_name_of_the_dotenv_is_the_stacks() {
    let imported = import_project(
        "name: ignored\nservices:\n  web:\n    image: ghcr.io/acme/web:1.0\n    user: \"1000\"\n",
        &[(".env", "COMPOSE_PROJECT_NAME=hellorails\n")],
        &[],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    assert_holds(&imported.spec(), &["stack hellorails\n"]);
}

/// full-stack-fastapi-template's backend is on `traefik-public` and
/// compose's `default`, where its database is: the spec declares a
/// network for `default` and puts both on it (dropping `default` left the
/// backend on no network with the database).
#[test]
fn a_service_on_default_beside_others_still_shares_it() {
    let imported = import_project(
        "services:\n  db:\n    image: ghcr.io/acme/db:1.0\n    user: \"1000\"\n  api:\n    image: ghcr.io/acme/api:1.0\n    user: \"1000\"\n    networks:\n      - traefik-public\n      - default\nnetworks:\n  traefik-public:\n    external: true\n",
        &[],
        &[],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let spec = imported.spec();
    assert_holds(&spec, &["network default-net", "networks traefik-public, default-net"]);
    let db = &spec[spec.find("service db {").unwrap()..];
    assert!(db[..db.find("\n}").unwrap()].contains("networks default-net"), "{spec}");
    assert!(!imported.report().contains("the `default` network beside others"));
}

/// `--nginx` files inside the conf.d folders two nginx services mount,
/// each folder holding more than one config: each proxy is made from the
/// file in its own folder.
#[test]
fn a_given_config_in_a_mounted_conf_d_folder_is_that_proxys() {
    let compose = two_gateways("./a/conf.d:/etc/nginx/conf.d:ro", "./b/conf.d:/etc/nginx/conf.d:ro");
    let (shop, admin) = (proxy_to("shop"), proxy_to("admin"));
    let gzip = "gzip on;\n";
    let imported = import_project(
        &compose,
        &[
            ("a/conf.d/api.conf", &shop),
            ("a/conf.d/gzip.conf", gzip),
            ("b/conf.d/web.conf", &admin),
            ("b/conf.d/gzip.conf", gzip),
        ],
        &["--nginx", "b/conf.d/web.conf", "--nginx", "a/conf.d/api.conf"],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let spec = imported.spec();
    assert!(proxy_block(&spec, "public").contains("upstream shop"), "{spec}");
    assert!(proxy_block(&spec, "staff").contains("upstream admin"), "{spec}");
    assert!(
        !imported.report().contains("no proxy was made from it"),
        "{}",
        imported.report()
    );
}

/// `client_max_body_size` and the proxy timeouts of the `http` level
/// (cookiecutter-django's nginx.conf sets the body size there) are said in
/// each server that does not set its own, as nginx inherits them: they
/// were dropped, and uploads over nginx's 1m default refused.
#[test]
fn the_http_levels_body_size_and_timeouts_reach_each_server() {
    let imported = import_project(
        "services:\n  web:\n    image: ghcr.io/acme/shop:1.0\n    user: \"1000\"\n  gateway:\n    image: nginx:1.27-alpine\n    volumes:\n      - ./gateway.conf:/etc/nginx/nginx.conf:ro\n    ports:\n      - 8080:80\n      - 8081:81\n",
        &[(
            "gateway.conf",
            "events {}\nhttp {\n    client_max_body_size 20M;\n    proxy_read_timeout 300;\n    server {\n        listen 80;\n        location / {\n            proxy_pass http://web:8000;\n        }\n    }\n    server {\n        listen 81;\n        client_max_body_size 2m;\n        location / {\n            proxy_pass http://web:8000;\n        }\n    }\n}\n",
        )],
        &["--nginx", "gateway.conf"],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let (spec, stdout) = (imported.spec(), imported.report());
    assert!(
        !stdout.contains("client_max_body_size") && !stdout.contains("proxy_read_timeout"),
        "{stdout}"
    );
    let servers: Vec<&str> = spec.split("server {").skip(1).collect();
    assert_eq!(servers.len(), 2, "{spec}");
    assert_holds(servers[0], &["client_max_body_size 20M", "proxy_read_timeout 300s"]);
    assert_holds(servers[1], &["client_max_body_size 2M", "proxy_read_timeout 300s"]);
    assert!(!servers[1].contains("20M"), "{spec}");
    let built = support::build(&imported.spec_path(), &imported.root().join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
}

/// An `http` block with settings but no server (its servers in conf.d
/// files the config includes): the settings are reported, not lost.
#[test]
fn http_settings_no_server_says_are_reported() {
    let imported = import_project(
        "services:\n  web:\n    image: ghcr.io/acme/shop:1.0\n    user: \"1000\"\n  gateway:\n    image: nginx:1.27-alpine\n    volumes:\n      - ./gateway.conf:/etc/nginx/nginx.conf:ro\n    ports:\n      - 8080:80\n",
        &[(
            "gateway.conf",
            "events {}\nhttp {\n    client_max_body_size 50m;\n    proxy_read_timeout 1d;\n    include /etc/nginx/conf.d/*.conf;\n}\n",
        )],
        &["--nginx", "gateway.conf"],
    );
    let stdout = imported.report();
    for setting in ["client_max_body_size", "proxy_read_timeout"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.contains(setting) && l.contains("import-dropped")),
            "{setting}: {stdout}"
        );
    }
}

/// A Laravel project's tool containers (`docker compose run --rm composer
/// install`), which `docker compose up` starts once: jobs, not services
/// that stackc's default restart would run again each time they exit; so
/// is a migration behind an entrypoint script. The queue worker and the
/// SSR server (other `artisan` commands) and a `--watch` build stay
/// services.
#[test]
fn tool_containers_that_end_are_jobs() {
    let service =
        |name: &str, image: &str, run: &str| format!("  {name}:\n    image: {image}\n    user: \"1000\"\n{run}");
    let php = "ghcr.io/acme/shop-php:1.0";
    let compose = [
        service("composer", "composer:2.8", "    entrypoint: [\"composer\", \"--ignore-platform-reqs\"]\n"),
        service("npm", "node:22.12-alpine", "    entrypoint: [\"npm\"]\n"),
        service("artisan", php, "    entrypoint: [\"php\", \"/var/www/html/artisan\"]\n"),
        service("queue", php, "    command: php artisan queue:work --tries=3\n"),
        service("ssr", php, "    command: php artisan inertia:start-ssr\n"),
        service("assets", "node:22.12-alpine", "    command: npm run build -- --watch\n"),
        service(
            "migrate",
            php,
            "    entrypoint: [\"/docker-entrypoint.sh\"]\n    command: [\"php\", \"artisan\", \"migrate\", \"--force\"]\n",
        ),
    ];
    let imported = import_project(&format!("services:\n{}", compose.concat()), &[], &[]);
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let spec = imported.spec();
    assert_holds(
        &spec,
        &["job composer {", "job npm {", "job artisan {", "job migrate {"],
    );
    assert_holds(&spec, &["service queue {", "service ssr {", "service assets {"]);
}

/// A location that a raw directive answers (a status page, a redirect
/// with an nginx variable) is kept, its handler a raw line.
#[test]
fn a_location_answered_by_a_raw_handler_is_kept() {
    let imported = import_project(
        "services:\n  back:\n    image: ghcr.io/acme/api:1.0\n    user: \"1000\"\n  gateway:\n    image: nginx:1.27-alpine\n    volumes:\n      - ./gateway.conf:/etc/nginx/conf.d/default.conf:ro\n    ports:\n      - 9000:80\n",
        &[("gateway.conf", "server {\n    listen 80;\n    location = /nginx_status {\n        stub_status;\n        allow 127.0.0.1;\n        deny all;\n    }\n    location /old/ {\n        return 301 https://$host/new/;\n    }\n    location / {\n        proxy_pass http://back:8000;\n    }\n}\n")],
        &["--nginx", "gateway.conf"],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let (root, spec, stdout) = (imported.root(), imported.spec_path(), imported.report());
    assert!(!stdout.contains("import-dropped"), "{stdout}");
    assert_holds(
        &read(root, "stack.spec"),
        &["nginx \"stub_status\"", "nginx \"return 301 https://$host/new/\""],
    );
    let built = support::build(&spec, &root.join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    assert_holds(
        &read(root, "out/gateway/nginx.conf"),
        &["stub_status;", "return 301 https://$host/new/;"],
    );
}

/// Every kind of nginx location is carried over, not dropped: `^~` for
/// the static files, a case-insensitive asset regex holding `{` and `;`
/// (quoted in the spec and back in nginx.conf), a PHP regex, and a named
/// fallback that `try_files` sends to. A regex location's `alias` (which
/// nginx reads with the regex's captures) is left out with a finding.
#[test]
fn regex_prefix_first_and_named_locations_are_kept() {
    let imported = import_project(
        "services:\n  back:\n    image: ghcr.io/acme/api:1.0\n    user: \"1000\"\n    volumes:\n      - static:/app/static\n  gateway:\n    image: nginx:1.27-alpine\n    volumes:\n      - ./gateway.conf:/etc/nginx/conf.d/default.conf:ro\n      - static:/srv/static:ro\n    ports:\n      - 9000:80\nvolumes:\n  static:\n",
        &[("gateway.conf", "server {\n    listen 80;\n    root /srv/www;\n    location ^~ /static/ {\n        alias /srv/static/;\n    }\n    location ~* \"\\.(css|js|woff2?)$|^/x{2};\" {\n        expires 30d;\n        try_files $uri @back;\n    }\n    location ~ ^/media/(.+)$ {\n        alias /srv/static/$1;\n    }\n    location / {\n        try_files $uri @back;\n    }\n    location @back {\n        proxy_pass http://back:8000;\n    }\n}\n")],
        &["--nginx", "gateway.conf"],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let (root, spec, stdout) = (imported.root(), imported.spec_path(), imported.report());
    assert!(stdout.contains("in a regular expression or named location"), "{stdout}");
    assert_holds(
        &read(root, "stack.spec"),
        &[
            "location ^~ /static/ {\n        alias static\n",
            "location ~* \"\\\\.(css|js|woff2?)$|^/x{2};\" {",
            "location @back {\n        proxy_pass back\n",
        ],
    );
    assert!(
        !read(root, "stack.spec").contains("/media/"),
        "the alias was the location's only action"
    );
    let built = support::build(&spec, &root.join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    assert_holds(
        &read(root, "out/gateway/nginx.conf"),
        &[
            "location ^~ /static/ {",
            "location ~* \"\\\\.(css|js|woff2?)$|^/x{2};\" {",
            "location @back {",
        ],
    );
}

/// A modifier glued to its path (`~*\.php$`, `^~/static/`, `=/health`)
/// is one word, which nginx splits by its first characters: imported as
/// the location nginx reads, never as a prefix named `~*\.php$`.
#[test]
fn a_location_modifier_glued_to_its_path_is_read_as_nginx_reads_it() {
    let imported = import_project(
        "services:\n  back:\n    image: ghcr.io/acme/api:1.0\n    user: \"1000\"\n  gateway:\n    image: nginx:1.27-alpine\n    volumes:\n      - ./gateway.conf:/etc/nginx/conf.d/default.conf:ro\n    ports:\n      - 9000:80\n",
        &[("gateway.conf", "server {\n    listen 80;\n    location ~*\\.php$ {\n        return 404;\n    }\n    location ~\\.(css|js)$ {\n        expires 30d;\n        proxy_pass http://back:8000;\n    }\n    location ^~/static/ {\n        proxy_pass http://back:8000;\n    }\n    location =/health {\n        return 204;\n    }\n    location / {\n        proxy_pass http://back:8000;\n    }\n}\n")],
        &["--nginx", "gateway.conf"],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let (root, spec) = (imported.root(), imported.spec());
    assert_holds(
        &spec,
        &[
            "location ~* \"\\\\.php$\" {",
            "location ~ \"\\\\.(css|js)$\" {",
            "location ^~ /static/ {",
            "location = /health {",
        ],
    );
    assert!(
        !spec.contains("location \"~") && !spec.contains("location \"^~"),
        "{spec}"
    );
    let built = support::build(&imported.spec_path(), &root.join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    assert_holds(
        &read(root, "out/gateway/nginx.conf"),
        &[
            "location ~* \"\\\\.php$\" {",
            "location ^~ /static/ {",
            "location = /health {",
        ],
    );
}

/// `${TAG:-1.4}` keeps its default, reported; a watched folder's path is
/// rewritten for the spec's folder, where compose.yaml is built from.
#[test]
fn defaults_and_watched_paths_survive() {
    let dir = project(&[(
        "compose.yaml",
        "services:\n  api:\n    image: ghcr.io/acme/api:${TAG:-1.4}\n    environment:\n      LOG_LEVEL: ${LOG_LEVEL:-info}\n    develop:\n      watch:\n        - action: sync\n          path: ./web/src\n          target: /app/src\n",
    )]);
    let root = dir.path();
    let spec = root.join("deploy/stack.spec");
    std::fs::create_dir(root.join("deploy")).unwrap();
    let out = import_into(root, &spec, "short", &[]);
    let stdout = support::text(&out.stdout);
    assert!(out.status.success(), "{}", support::text(&out.stderr));
    for at in ["compose.yaml:3:12", "compose.yaml:5:18"] {
        assert!(has_finding(&stdout, at, "info", "import-filled"), "{at}: {stdout}");
    }
    let text = read(root, "deploy/stack.spec");
    assert_holds(
        &text,
        &[
            "image ghcr.io/acme/api:1.4",
            "# was ${LOG_LEVEL:-info}",
            "LOG_LEVEL = \"info\"",
            "\\\"path\\\": \\\"../web/src\\\"",
        ],
    );
}

/// Values the project's `.env` fills in under names a team gives secrets
/// (`DB_PW`, `APP_TOKEN_VALUE`), and a secret option kept in a variable
/// (`--api-key=...`), reach neither the spec nor the report: each is kept
/// in the service's env file.
#[test]
fn secrets_under_any_name_stay_out_of_the_spec_and_the_report() {
    let imported = import_project(
        "x-env: &env\n  DB_PW: ${DB_PW}\n  APP_TOKEN_VALUE: ${APP_TOKEN_VALUE}\nservices:\n  app:\n    image: ghcr.io/acme/app:1.0.0\n    user: \"1000\"\n    environment:\n      <<: *env\n      EXTRA_ARGS: \"--log-level=info --api-key=Qm7vX2pK9rTz\"\n",
        &[(".env", "DB_PW=Hv4tN8qLz2Wx\nAPP_TOKEN_VALUE=Rk5mP1sYc7Jd\n")],
        &[],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let (spec, report) = (imported.spec(), imported.report());
    for secret in ["Hv4tN8qLz2Wx", "Rk5mP1sYc7Jd", "Qm7vX2pK9rTz"] {
        assert!(
            !spec.contains(secret) && !report.contains(secret),
            "{secret}:\n{spec}\n{report}"
        );
    }
    assert_holds(&read(imported.root(), "env/app.env"), &["Qm7vX2pK9rTz"]);
}

/// compose is handed only what stackc's own reader reads too (an alias
/// bomb took compose-go gigabytes and minutes), and a compose that prints
/// without end is stopped: import says why and reads the file itself.
#[cfg(unix)]
#[test]
fn compose_cannot_hang_an_import_or_fill_its_memory() {
    use std::os::unix::fs::PermissionsExt;
    let mut bomb = String::from("x-a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let below = format!("*a{}", level - 1);
        bomb.push_str(&format!("x-a{level}: &a{level} [{}]\n", vec![below; 10].join(", ")));
    }
    bomb.push_str("services:\n  web:\n    image: busybox:1.37\n    command: *a9\n");
    let dir = project(&[
        ("bomb/compose.yaml", &bomb),
        ("endless/compose.yaml", "services:\n  web:\n    image: busybox:1.37\n"),
    ]);
    let root = dir.path();
    let compose = root.join("compose");
    std::fs::write(&compose, "#!/bin/sh\nexec yes '{\"services\": {}}'\n").unwrap();
    std::fs::set_permissions(&compose, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = |project: &str| {
        let started = std::time::Instant::now();
        let out = support::stackc()
            .arg("import")
            .arg(root.join(project))
            .arg("-o")
            .arg(root.join(project).join("stack.spec"))
            .env("STACKC_COMPOSE", &compose)
            .output()
            .unwrap();
        (out, started.elapsed())
    };
    let (out, _) = run("bomb");
    let stderr = support::text(&out.stderr);
    assert!(
        stderr.contains("not handing") && stderr.contains("expands to more than"),
        "{stderr}"
    );
    assert!(!out.status.success());
    let (out, took) = run("endless");
    let stderr = support::text(&out.stderr);
    assert!(
        stderr.contains("printed more than a compose file stackc reads"),
        "{stderr}"
    );
    assert!(out.status.success(), "{stderr}");
    assert!(took < std::time::Duration::from_secs(25), "{took:?}");
}

/// `docker` without its compose plugin is no compose: `docker-compose` is
/// tried next, and when neither works both are named.
#[cfg(unix)]
#[test]
fn without_the_compose_plugin_docker_compose_is_tried() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project(&[("compose.yaml", "services:\n  web:\n    image: busybox:1.37\n")]);
    let root = dir.path();
    let bin = root.join("bin");
    let script = |name: &str, body: &str| {
        let path = bin.join(name);
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    script("docker", "echo \"docker: unknown command: docker $1\" >&2\nexit 1");
    script(
        "docker-compose",
        "echo '{\"name\": \"resolved\", \"services\": {\"web\": {\"image\": \"busybox:1.37\"}}}'",
    );
    let run = |spec: &str| {
        support::stackc()
            .args([
                "import",
                root.to_str().unwrap(),
                "-o",
                root.join(spec).to_str().unwrap(),
            ])
            .env("PATH", &bin)
            .env_remove("STACKC_COMPOSE")
            .output()
            .unwrap()
    };
    let out = run("a.spec");
    assert!(out.status.success(), "{}", support::text(&out.stderr));
    let text = read(root, "a.spec");
    assert!(
        text.contains("stack resolved") && text.contains("as compose's own `config` resolves it"),
        "{text}"
    );
    std::fs::remove_file(bin.join("docker-compose")).unwrap();
    let out = run("b.spec");
    let stderr = support::text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("`docker compose`: not installed") && stderr.contains("`docker-compose`: not found"),
        "{stderr}"
    );
}

/// A volume whose source has a default (`${POSTGRES_DATA_DIR:-./postgres-data}`,
/// Label Studio's database), read through compose's config, which leaves
/// it a volume to fill: the default is mounted, a host folder or a named
/// volume as the short syntax reads it (it was dropped, and the database
/// lost its existing data folder).
#[test]
fn a_mount_source_with_a_default_keeps_the_default_through_compose() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  db:\n    image: postgres:16.4\n    user: postgres\n    volumes:\n      - ${POSTGRES_DATA_DIR:-./postgres-data}:/var/lib/postgresql/data\n      - ${MEDIA:-media}:/media\n      - media:/srv/${STORAGE_PATH:-.local-storage}\n      - ${UPLOAD_LOCATION}:/data\nvolumes:\n  media:\n",
        ),
        // Immich's: the path the project's `.env` gives, no default.
        (".env", "UPLOAD_LOCATION=./library\n"),
    ]);
    let root = dir.path();
    let out = support::stackc()
        .arg("import")
        .arg(root)
        .arg("-o")
        .arg(root.join("stack.spec"))
        .env("STACKC_COMPOSE", support::tool("venv/bin/docker-compose"))
        .output()
        .unwrap();
    let stderr = support::text(&out.stderr);
    assert!(!stderr.contains("a `volume` mount"), "{stderr}");
    assert_holds(
        &read(root, "stack.spec"),
        &[
            "mount ./postgres-data at /var/lib/postgresql/data",
            "mount media at /media",
            // Twenty's storage: a target with `$` kept the data off the volume.
            "mount media at /srv/.local-storage",
            "mount ./library at /data",
        ],
    );
}

/// Files outside the project (its repository) are whoever runs import's:
/// compose is not handed a project that includes or extends one (it
/// copied their settings into the spec without a word), and a Python
/// Dockerfile elsewhere, or linked from elsewhere, is not read (its lines,
/// a token among them, were copied into the spec); the build stays a path.
#[test]
fn files_outside_the_project_are_never_read_into_the_spec() {
    let dir = project(&[
        ("repo/.git/HEAD", "ref: refs/heads/main\n"),
        (
            "repo/compose.yaml",
            "include:\n  - ../outside/inc.yaml\nservices:\n  web:\n    image: ghcr.io/acme/web:1.0\n    user: \"1000\"\n    \
             extends:\n      file: ../outside/ext.yaml\n      service: base\n  a:\n    build:\n      context: ../outside\n  \
             b:\n    build:\n      context: ctx\n      dockerfile: Dockerfile.link\n",
        ),
        (
            "outside/inc.yaml",
            "services:\n  extra:\n    image: busybox:1.37\n    environment:\n      NOTE: outside-include-content-777\n",
        ),
        (
            "outside/ext.yaml",
            "services:\n  base:\n    image: busybox:1.37\n    environment:\n      NOTE2: outside-extends-content-999\n",
        ),
        (
            "outside/Dockerfile",
            "FROM python:3.12\nRUN echo outside-line-555\nCMD [\"gunicorn\", \"app.wsgi:application\"]\n",
        ),
        ("repo/ctx/app.py", ""),
    ]);
    let root = dir.path();
    std::os::unix::fs::symlink(root.join("outside/Dockerfile"), root.join("repo/ctx/Dockerfile.link")).unwrap();
    let repo = root.join("repo");
    for compose in [true, false] {
        let mut command = support::stackc();
        command.arg("import").arg(&repo).arg("-o").arg(repo.join("stack.spec"));
        match compose {
            true => command.env("STACKC_COMPOSE", support::tool("venv/bin/docker-compose")),
            false => command.arg("--no-compose"),
        };
        let out = command.output().unwrap();
        let spec = read(&repo, "stack.spec");
        let everything = format!("{spec}{}{}", support::text(&out.stdout), support::text(&out.stderr));
        for outside in [
            "outside-include-content-777",
            "outside-extends-content-999",
            "outside-line-555",
        ] {
            assert!(
                !everything.contains(outside),
                "{outside} (compose: {compose}):\n{everything}"
            );
        }
        assert!(spec.contains("build ../outside {"), "{spec}");
        if compose {
            let stderr = support::text(&out.stderr);
            assert!(
                stderr.contains("not handing") && stderr.contains("`../outside/inc.yaml`, outside the project"),
                "{stderr}"
            );
        }
    }
}

/// A Python Dockerfile of the project with a token in a line the spec
/// would carry (`ENV API_TOKEN=ghp_...`, a password on a RUN line) is not
/// rewritten: the spec would hold the secret. It stays the project's
/// Dockerfile, by path, and lint says where the secret is.
#[test]
fn a_python_dockerfile_with_a_secret_stays_a_path() {
    for line in [
        "ENV API_TOKEN=ghp_1234567890abcdefghijklmnopqrstuvwxyzAB",
        "RUN curl -u admin:Zq8vLw2pXk77aa https://files.example.com/seed.json -o seed.json",
    ] {
        let imported = import_project(
            "services:\n  web:\n    build: .\n",
            &[(
                "Dockerfile",
                &format!("FROM python:3.12\n{line}\nCMD [\"gunicorn\", \"app.wsgi:application\"]\n"),
            )],
            &[],
        );
        let spec = imported.spec();
        assert!(spec.contains("    build . {\n        file Dockerfile\n"), "{spec}");
        let everything = format!("{spec}{}{}", imported.report(), imported.stderr());
        assert!(
            !everything.contains("ghp_1234") && !everything.contains("Zq8vLw2pXk77aa"),
            "{everything}"
        );
    }
}

/// A folder's `compose.override.yaml` is merged in, as `docker compose up`
/// there merges it (docker-zulip keeps its secrets and required settings
/// in it), and said so; a compose file named is imported alone, as `-f`
/// reads it; without compose, the override is said to be left out.
#[test]
fn a_folders_override_file_is_merged_as_compose_merges_it() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  web:\n    image: ghcr.io/acme/web:1.0\n    user: \"1000\"\n    environment:\n      LOG_LEVEL: info\n",
        ),
        (
            "compose.override.yaml",
            "services:\n  web:\n    environment:\n      EXTERNAL_HOST: chat.example.com\n",
        ),
    ]);
    let root = dir.path();
    let run = |input: &Path, spec: &str, compose: bool| {
        let mut command = support::stackc();
        command.arg("import").arg(input).arg("-o").arg(root.join(spec));
        match compose {
            true => command.env("STACKC_COMPOSE", support::tool("venv/bin/docker-compose")),
            false => command.arg("--no-compose"),
        };
        let out = command.output().unwrap();
        assert!(out.status.success(), "{}", support::text(&out.stderr));
        (read(root, spec), support::text(&out.stderr))
    };
    let (merged, stderr) = run(root, "a.spec", true);
    assert_holds(&merged, &["EXTERNAL_HOST = \"chat.example.com\"", "LOG_LEVEL"]);
    assert!(stderr.contains("compose.override.yaml merged in"), "{stderr}");
    assert!(
        merged.contains("and compose.override.yaml (as compose's own `config` merges them)"),
        "{merged}"
    );
    let (alone, stderr) = run(&root.join("compose.yaml"), "b.spec", true);
    assert!(
        !alone.contains("EXTERNAL_HOST") && alone.contains("LOG_LEVEL"),
        "{alone}"
    );
    assert!(!stderr.contains("override"), "{stderr}");
    let (own, stderr) = run(root, "c.spec", false);
    assert!(!own.contains("EXTERNAL_HOST"), "{own}");
    assert!(stderr.contains("compose.override.yaml is not merged in"), "{stderr}");
}

/// The Dockerfile teams write for Django (requirements copied and
/// installed before the source, the source copied into the WORKDIR, a user
/// of their own, the source handed to it) and compose's `command` with the
/// workers: the spec says
/// each once, so `stackc build` accepts it and its image installs the
/// requirements once and creates the user once (a second `useradd` of the
/// same name fails the image build).
#[test]
fn a_django_dockerfile_and_compose_command_import_into_a_spec_that_builds() {
    let dockerfile = "FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\nWORKDIR /app\nCOPY requirements.txt /app/\nRUN pip install --upgrade pip && pip install --no-cache-dir -r requirements.txt\nCOPY . /app/\nRUN useradd -m appuser && chown -R appuser /app\nUSER appuser\nEXPOSE 8000\nCMD [\"gunicorn\", \"shop.wsgi:application\", \"--bind\", \"0.0.0.0:8000\"]\n";
    let compose = |command: &str| {
        format!("services:\n  web:\n    build: ./app\n    command: {command}\n    ports:\n      - \"127.0.0.1:8000:8000\"\n")
    };
    let gunicorn = compose("gunicorn shop.wsgi:application --bind=0.0.0.0:8000 --workers 3");
    let shell =
        compose("sh -c \"python manage.py migrate --noinput && gunicorn shop.wsgi:application --bind 0.0.0.0:8000\"");
    for (compose, command) in [
        (&gunicorn, "gunicorn shop.wsgi:application bind 8000 workers 3"),
        (&shell, "command [\"sh\", \"-c\", \"python manage.py migrate"),
    ] {
        let imported = import_project(
            compose,
            &[
                ("app/Dockerfile", dockerfile),
                ("app/requirements.txt", "Django==5.1.3\ngunicorn==23.0.0\n"),
            ],
            &[],
        );
        let root = imported.root();
        let spec = imported.spec_path();
        let (text, stderr) = (imported.spec(), imported.stderr());
        assert!(imported.out.status.success(), "{stderr}\n{text}");
        assert!(stderr.contains("`stackc build` accepts"), "{stderr}\n{text}");
        assert_holds(&text, &["    user appuser\n", command]);
        assert_eq!(text.matches("gunicorn shop").count(), 1, "{text}");
        // stackc writes every other line itself; the chown stays.
        let raw: Vec<&str> = text.lines().filter(|l| l.contains("dockerfile ")).collect();
        assert_eq!(raw, [r#"        dockerfile "RUN chown -R appuser /app""#], "{text}");
        let built = support::build(&spec, &root.join("out"));
        assert!(built.status.success(), "{}", support::text(&built.stderr));
        let image = read(root, "out/web/Dockerfile");
        assert_eq!(image.matches("pip\", \"install").count(), 1, "{image}");
        assert_eq!(image.matches("useradd").count(), 1, "{image}");
    }
}

/// A relative `WORKDIR`, which Docker starts from `/` (or the WORKDIR
/// before it): the spec says the folder Docker uses, `/app` (stackc's
/// default, so nothing) or `/srv/app`, never a relative path, which the
/// spec refuses.
#[test]
fn a_relative_workdir_imports_as_the_folder_docker_uses() {
    for (workdirs, expected) in [
        ("WORKDIR app\n", None),
        ("WORKDIR /srv\nWORKDIR app/\n", Some("/srv/app")),
    ] {
        let dockerfile = format!("FROM python:3.12-slim\n{workdirs}COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nCMD [\"gunicorn\", \"shop.wsgi:application\", \"--bind\", \"0.0.0.0:8000\"]\n");
        let imported = import_project(
            "services:\n  web:\n    build: ./app\n",
            &[
                ("app/Dockerfile", &dockerfile),
                ("app/requirements.txt", "Django==5.1.3\ngunicorn==23.0.0\n"),
            ],
            &[],
        );
        let (text, stderr) = (imported.spec(), imported.stderr());
        assert!(imported.out.status.success(), "{stderr}\n{text}");
        let workdir = text.lines().find_map(|l| l.trim().strip_prefix("workdir "));
        assert_eq!(workdir, expected, "{text}");
        assert!(!stderr.contains("invalid-path"), "{stderr}");
    }
}

/// Resource limits as compose files write them: `0` is compose's "no
/// limit" (left out), a value from the host's environment cannot be said
/// (dropped, with a finding), a number is kept. The spec parses.
#[test]
fn limits_that_say_no_limit_or_come_from_the_host_are_left_out() {
    let compose = "services:\n  web:\n    image: redis:7.4\n    deploy:\n      resources:\n        limits:\n          cpus: \"${WEB_CPUS:-0}\"\n          memory: \"0\"\n  worker:\n    image: redis:7.4\n    deploy:\n      resources:\n        limits:\n          cpus: \"0.5\"\n          memory: 256M\n          pids: 0\n";
    let imported = import_project(compose, &[], &[]);
    let (text, report) = (imported.spec(), imported.report());
    assert!(imported.out.status.success(), "{}\n{text}", imported.stderr());
    let limits: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("limits"))
        .collect();
    assert_eq!(limits, ["limits cpus 0.5 memory 256M"], "{text}");
    assert!(report.contains("a `cpus` limit the spec cannot write"), "{report}");
    imported.assert_spec_checks();
}

/// Build arguments compose fills from the host: one with a default is the
/// default (reported), one without is left out (reported); `$$` is one
/// `$`. None reaches the spec as a `${...}` that Docker would take
/// literally.
#[test]
fn build_args_from_the_host_are_their_defaults_or_left_out() {
    let compose = "services:\n  web:\n    image: x/web:1.0\n    build:\n      context: .\n      args:\n        - \"APP_UID=${UID:-1000}\"\n        - \"PRICE=5$$\"\n        - \"TOKEN=${TOKEN}\"\n";
    let imported = import_project(compose, &[("Dockerfile", "FROM busybox:1.36\nUSER 1000\n")], &[]);
    let (text, report) = (imported.spec(), imported.report());
    assert!(imported.out.status.success(), "{}\n{text}", imported.stderr());
    let args: Vec<&str> = text.lines().map(str::trim).filter(|l| l.starts_with("arg ")).collect();
    assert_eq!(args, ["arg APP_UID = \"1000\"", "arg PRICE = \"5$\""], "{text}");
    assert!(
        report.contains("`build arg APP_UID` is `1000`, the default of `UID`"),
        "{report}"
    );
    assert!(
        report.contains("`build arg TOKEN` is filled from the host's environment"),
        "{report}"
    );
}

/// A build argument whose name no Dockerfile `ARG` can have (a line
/// break in it) is reported as left out, never dropped unsaid.
#[test]
fn a_build_arg_with_a_name_docker_cannot_read_is_reported() {
    let compose = "services:\n  web:\n    image: x/web:1.0\n    build:\n      context: .\n      args:\n        \"A\\nB\": \"1\"\n        GOOD: \"2\"\n";
    let imported = import_project(compose, &[("Dockerfile", "FROM busybox:1.36\nUSER 1000\n")], &[]);
    let (text, report) = (imported.spec(), imported.report());
    assert!(text.contains("arg GOOD = \"2\"") && !text.contains("A\nB"), "{text}");
    assert!(
        has_finding(&report, "compose.yaml:7:17", "warning", "import-dropped"),
        "{report}"
    );
    assert!(report.contains("build arg \"A\\nB\""), "{report}");
}

/// A secret's `mode`, `uid` and `gid`, which compose does not apply to a
/// file secret, are reported, not dropped unsaid.
#[test]
fn a_secrets_mode_is_reported_left_out() {
    let compose = "services:\n  app:\n    image: busybox:1.37\n    user: \"1000\"\n    secrets:\n      - source: api_key\n        target: /etc/app/key\n        mode: 0400\nsecrets:\n  api_key:\n    file: ./api_key.txt\n";
    let imported = import_project(compose, &[("api_key.txt", "k3y-Xk9vQ2mPz8w\n")], &[]);
    let (spec, report) = (imported.spec(), imported.report());
    assert!(spec.contains("secret api_key at /etc/app/key"), "{spec}");
    assert!(
        has_finding(&report, "compose.yaml:8:9", "warning", "import-dropped") && report.contains("the secret's `mode`"),
        "{report}"
    );
}

/// A file the proxy's config reads itself (`auth_basic_user_file`) is
/// mounted in the spec as in compose; a mount the config never names is
/// still reported left out.
#[test]
fn a_file_the_proxys_config_reads_stays_mounted() {
    let compose = "services:\n  app:\n    image: example/app:1.0\n    user: \"1000\"\n  nginx:\n    image: nginx:1.27-alpine\n    ports: [\"8080:80\"]\n    volumes:\n      - ./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro\n      - ./htpasswd:/etc/nginx/htpasswd:ro\n      - ./other:/etc/other:ro\n";
    let config = "server {\n    listen 80;\n    location /admin/ {\n        auth_basic \"R\";\n        auth_basic_user_file /etc/nginx/htpasswd;\n        proxy_pass http://app:8000;\n    }\n}\n";
    let files = [
        ("nginx/default.conf", config),
        ("htpasswd", "admin:$apr1$x$y\n"),
        ("other/a.txt", "a\n"),
    ];
    let imported = import_project(compose, &files, &[]);
    let (spec, report) = (imported.spec(), imported.report());
    assert!(spec.contains("mount ./htpasswd at /etc/nginx/htpasswd ro"), "{spec}");
    assert!(!spec.contains("/etc/other"), "{spec}");
    assert!(
        has_finding(&report, "compose.yaml:11:9", "warning", "import-dropped"),
        "{report}"
    );
    imported.assert_spec_checks();
}

/// A proxy's nginx config that is there but too large to read is an
/// error on its service, not a proxy imported as if it had no config.
#[test]
fn a_proxy_config_too_large_to_read_is_reported() {
    let compose = "services:\n  proxy:\n    image: nginx:1.27\n    volumes:\n      - ./nginx.conf:/etc/nginx/conf.d/default.conf:ro\n";
    let large = format!("server {{\n    listen 80;\n{}}}\n", "    # padding\n".repeat(100_000));
    let imported = import_project(compose, &[("nginx.conf", &large)], &[]);
    let report = imported.report();
    assert_eq!(imported.out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("compose.yaml:3:5: error: cannot read the proxy's nginx config ")
            && report.contains("nginx.conf: larger than 1 MiB [import-unreadable]"),
        "{report}"
    );
}

/// The common layout of an nginx in front of an app: the official image
/// with a `conf.d` folder bind-mounted, no `--nginx`. Import finds the
/// config in the folder, and names it from the compose file's folder in
/// its report and from the spec's in the spec, never by this machine's
/// absolute path; the spec's own folder is made.
#[test]
fn a_mounted_conf_d_folder_is_the_proxys_config() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  api:\n    image: ghcr.io/acme/api:1.0\n    user: \"1000\"\n  nginx:\n    image: nginx:1.30-alpine\n    ports:\n      - \"8080:80\"\n    volumes:\n      - type: bind\n        source: ./nginx/conf.d\n        target: /etc/nginx/conf.d\n        read_only: true\n    depends_on:\n      - api\n",
        ),
        (
            "nginx/conf.d/api.conf",
            "server {\n    listen 80;\n    location /api/ {\n        proxy_pass http://api:8000;\n        proxy_redirect off;\n    }\n}\n",
        ),
    ]);
    let root = dir.path();
    // The spec's folder is made, as `build` makes its output folder.
    let out = support::stackc()
        .current_dir(root)
        .args([
            "import",
            "--no-compose",
            ".",
            "-o",
            "deploy/stack.spec",
            "--format",
            "short",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (support::text(&out.stdout), support::text(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(!stdout.contains("import-dropped"), "{stdout}");
    assert!(
        has_finding(&stdout, "./nginx/conf.d/api.conf:5:9", "info", "import-raw"),
        "{stdout}"
    );
    let text = read(root, "deploy/stack.spec");
    assert_holds(
        &text,
        &[
            "proxy nginx {",
            "# nginx config: ../nginx/conf.d/api.conf",
            "proxy_pass api",
        ],
    );
    assert!(!text.contains(root.to_str().unwrap()), "{text}");
}

/// A command or entrypoint compose fills from the host (here the
/// arguments of an entrypoint, `redis-server --requirepass
/// ${REDIS_PASSWORD}`) is left out whole, and the finding names the key it
/// is about and a way the spec can say it: a secret is never a word of a
/// command line, so not `secret NAME env VAR` (a Redis server's own
/// command reads it from a secret's file instead: see below).
#[test]
fn an_interpolated_command_is_dropped_with_help_a_command_can_follow() {
    let dir = project(&[(
        "compose.yaml",
        "services:\n  redis:\n    image: redis:7.4.1\n    entrypoint: [\"docker-entrypoint.sh\", \"--port\", \"${REDIS_PORT}\"]\n    command: redis-server --requirepass ${REDIS_PASSWORD} --appendonly yes\n",
    )]);
    let root = dir.path();
    let out = import_into(root, &root.join("stack.spec"), "json", &[]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dropped: Vec<(&str, &str)> = (report.as_array().unwrap().iter())
        .filter(|d| d["code"] == "import-dropped")
        .map(|d| (d["message"].as_str().unwrap(), d["help"].as_str().unwrap()))
        .collect();
    assert_eq!(dropped.len(), 2, "{report}");
    for ((message, help), key) in dropped.iter().zip(["entrypoint", "command"]) {
        assert!(message.starts_with(&format!("`{key}` is filled")), "{message}");
        assert!(
            help.starts_with("the whole command is left out") && !help.contains("env VAR"),
            "{help}"
        );
    }
    let text = read(root, "stack.spec");
    assert!(!text.contains("command") && !text.contains("entrypoint"), "{text}");
}

/// A compose file that names files outside its project (the home folder's
/// by `..`, an absolute path, or a link) gets none of them read: no
/// password of theirs is copied into the project's `secrets/`, and no line
/// of theirs is quoted in the report.
#[test]
fn files_outside_the_project_are_neither_read_nor_copied() {
    let dir = project(&[
        ("home/.env.prod", "POSTGRES_USER=app\nPOSTGRES_PASSWORD=leaked-home-password\n"),
        ("home/nginx.conf", "events {}\nhttp { server { listen 80; location / { proxy_pass http://leaked; } } }\n"),
        (
            "repo/compose.yaml",
            "services:\n  db:\n    image: postgres:16.4\n    env_file: ../home/.env.prod\n  cache:\n    image: postgres:16.4\n    env_file: linked.env\n",
        ),
    ]);
    let repo = dir.path().join("repo");
    std::fs::create_dir(repo.join(".git")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("home/.env.prod"), repo.join("linked.env")).unwrap();
    let spec = repo.join("stack.spec");
    for format in ["short", "json", "human"] {
        let out = import_into(&repo.join("compose.yaml"), &spec, format, &[]);
        let report = format!("{}{}", support::text(&out.stdout), support::text(&out.stderr));
        assert!(out.status.success(), "{report}");
        assert!(!report.contains("leaked"), "{format}: {report}");
        let text = read(&repo, "stack.spec");
        assert_holds(&text, &["env_file \"../home/.env.prod\"", "linked.env\""]);
        assert!(!repo.join("secrets").exists() && !repo.join("env").exists());
        std::fs::remove_file(&spec).unwrap();
    }
}

/// Services that build the same context and Dockerfile run one image:
/// the first plain service builds it and the others (a worker, a migrate
/// job that runs before it) are `image of` it, whichever way compose
/// spells the build; a service that names its image otherwise keeps its
/// own build.
#[test]
fn services_building_the_same_context_share_one_image() {
    let compose = "services:\n  migrate:\n    build: ./api/\n    command: [\"node\", \"migrate.js\"]\n  api:\n    build: ./api\n    ports:\n      - \"127.0.0.1:3000:3000\"\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n  worker:\n    build:\n      context: api\n      dockerfile: ./Dockerfile\n    command: [\"node\", \"worker.js\"]\n  report:\n    build: ./api\n    image: registry.example.com/report:1.0.0\n    command: [\"node\", \"report.js\"]\n";
    let imported = import_project(
        compose,
        &[(
            "api/Dockerfile",
            "FROM node:22.11-alpine\nWORKDIR /app\nCOPY . .\nUSER node\nCMD [\"node\", \"server.js\"]\n",
        )],
        &[],
    );
    let root = imported.root();
    let spec = imported.spec_path();
    let text = imported.spec();
    assert!(imported.out.status.success(), "{}\n{text}", imported.stderr());
    let block = |name: &str| {
        let start = text
            .find(&format!(" {name} {{\n"))
            .unwrap_or_else(|| panic!("{name}:\n{text}"));
        text[start..].split("\n}\n").next().unwrap().to_string()
    };
    for name in ["migrate", "worker"] {
        assert!(block(name).contains("    image of api\n"), "{name}:\n{text}");
        assert!(!block(name).contains("build"), "{name}:\n{text}");
    }
    assert!(block("api").contains("    build ./api {"), "{text}");
    assert!(block("report").contains("    build ./api {"), "{text}");
    let built = support::build(&spec, &root.join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
}

/// A Django app installed with uv (uv copied from its image, the lock
/// synced before and after the source, the `.venv` on `PATH`, Gunicorn
/// under `uv run`) imports as the `uv` statement, which writes all of
/// that itself: no raw uv lines, and no `requirements.txt` the app does
/// not have.
#[test]
fn a_uv_dockerfile_imports_as_the_uv_statement() {
    let dockerfile = "FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.5.11 /uv /uvx /bin/\nENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy\nWORKDIR /app\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --frozen --no-dev --no-install-project\nCOPY . .\nRUN uv sync --frozen --no-dev\nENV PATH=\"/app/.venv/bin:$PATH\"\nRUN useradd --create-home appuser\nUSER appuser\nCMD [\"uv\", \"run\", \"--no-sync\", \"gunicorn\", \"shop.wsgi:application\", \"--bind\", \"0.0.0.0:8000\"]\n";
    let imported = import_project(
        "services:\n  web:\n    build: ./app\n    ports:\n      - \"127.0.0.1:8000:8000\"\n",
        &[
            ("app/Dockerfile", dockerfile),
            (
                "app/pyproject.toml",
                "[project]\nname = \"shop\"\nversion = \"0.1.0\"\ndependencies = [\"django>=5.1\", \"gunicorn>=23\"]\n",
            ),
            ("app/uv.lock", "version = 1\n"),
        ],
        &[],
    );
    let root = imported.root();
    let spec = imported.spec_path();
    let (text, stderr) = (imported.spec(), imported.stderr());
    assert!(imported.out.status.success(), "{stderr}\n{text}");
    assert!(stderr.contains("`stackc build` accepts"), "{stderr}\n{text}");
    assert_holds(
        &text,
        &[
            "        python 3.12-slim\n        uv 0.5.11\n",
            "    gunicorn shop.wsgi:application bind 8000\n",
        ],
    );
    assert!(!text.contains("dockerfile "), "{text}");
    let built = support::build(&spec, &root.join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    let image = read(root, "out/web/Dockerfile");
    assert!(image.contains("ghcr.io/astral-sh/uv:0.5.11"), "{image}");
}

/// A compose file of format 1 (services at the top level, no `services:`)
/// is refused with what to change, and nothing is written: it read as a
/// spec with no service at all, and "accepted".
#[test]
fn a_compose_file_of_format_1_is_refused_with_what_to_change() {
    let dir = project(&[(
        "docker-compose.yml",
        "db:\n  image: postgres:16.4\nweb:\n  build: .\n  links:\n    - db\n",
    )]);
    let root = dir.path();
    let out = import_into(root, &root.join("stack.spec"), "json", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", support::text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = &report[0];
    assert_eq!(finding["code"], "import-unreadable", "{report:#}");
    assert_eq!(finding["line"], 1);
    assert!(finding["message"]
        .as_str()
        .unwrap()
        .contains("move them under a `services:` key"));
    assert!(!root.join("stack.spec").exists());
    // A modern file with no `services:` of its own is no format 1: its
    // extension fields hold what services share.
    let dir = project(&[(
        "compose.yaml",
        "include:\n  - ./backend/compose.yaml\nx-app: &app\n  image: ghcr.io/acme/app:1.2\n",
    )]);
    let root = dir.path();
    let out = import_into(root, &root.join("stack.spec"), "json", &[]);
    assert!(
        !support::text(&out.stdout).contains("format 1"),
        "{}",
        support::text(&out.stdout)
    );
}

/// A healthcheck left out because compose fills it from the host's
/// environment says which variables (each once, in order), and how to
/// keep it.
#[test]
fn a_healthcheck_left_out_names_the_host_variables_it_reads() {
    let dir = project(&[(
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    environment:\n      LOG: info\n    healthcheck:\n      test: [\"CMD-SHELL\", \"curl -f http://localhost:${APP_PORT}/${HEALTH_PATH:-up}/$APP_PORT\"]\n",
    )]);
    let root = dir.path();
    let out = import_into(root, &root.join("stack.spec"), "json", &[]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dropped: Vec<&serde_json::Value> = (report.as_array().unwrap().iter())
        .filter(|d| d["code"] == "import-dropped" && d["line"] == 7)
        .collect();
    let [finding] = dropped[..] else {
        panic!("one finding on the test's line: {report:#?}");
    };
    assert_eq!(
        finding["message"],
        "a healthcheck test that compose fills with `APP_PORT`, `HEALTH_PATH` from the environment it runs in"
    );
    let help = finding["help"].as_str().unwrap();
    assert!(help.contains("set them in the service's `environment`"), "{help}");
}

/// A `${VAR}` the project's `.env` sets is filled in, as compose fills
/// it: a healthcheck's `-U ${POSTGRES_USER}` and an image's `${TAG}`
/// import as the values the project runs with, each reported. A
/// password is never filled in nor repeated, whatever its name where a
/// URL's password goes (`amqp://app:${MQ_PASS}@...`): the URL goes to an
/// env file with the reference; a variable `.env` does not set is the
/// host's, and dropped.
#[test]
fn a_variable_the_projects_dotenv_sets_is_filled_in_but_never_a_password() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  api:\n    image: node:22.11-alpine\n    command: [\"node\", \"worker.js\", \"--broker\", \"${BROKER_URL}\"]\n    environment:\n      DATABASE_USER: ${POSTGRES_USER}\n      DATABASE_URL: postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD}@db/app\n      LOG_LEVEL: ${LOG_LEVEL}\n  db:\n    image: postgres:${PG_TAG:-16}\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -U ${POSTGRES_USER}\"]\n  worker:\n    image: node:22.11-alpine\n    environment:\n      BROKER: amqp://app:${MQ_PASS}@${MQ_HOST}:5672//\n",
        ),
        (
            ".env",
            "POSTGRES_USER=todo\nPOSTGRES_PASSWORD=supersecret\nPG_TAG=16.4\nBROKER_URL=amqp://app:Zq8vLw2pXk@mq:5672//\nMQ_PASS=Hk3vQ9zLw2Xp\nMQ_HOST=mq\n",
        ),
    ]);
    let root = dir.path();
    let out = import_into(root, &root.join("stack.spec"), "json", &[]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = |line: u64| -> Vec<serde_json::Value> {
        let all = report.as_array().unwrap().iter();
        all.filter(|d| d["line"] == line && d["code"].as_str().is_some_and(|c| c.starts_with("import-")))
            .cloned()
            .collect()
    };
    let says = |line: u64, field: &str, text: &str| {
        let found = findings(line);
        assert!(
            found
                .iter()
                .any(|d| d[field].as_str().unwrap_or_default().contains(text)),
            "line {line}, {field}: {text}\n{found:#?}"
        );
    };
    says(6, "message", "filled from the project's .env: `POSTGRES_USER`");
    says(6, "code", "import-filled");
    says(10, "message", "`PG_TAG`");
    says(12, "message", "`POSTGRES_USER`");
    says(7, "message", "`DATABASE_URL` moved into the env file env/api.env");
    says(8, "message", "the host's environment");
    says(16, "message", "filled from the project's .env: `MQ_HOST`");
    says(16, "message", "`BROKER` moved into the env file env/worker.env");
    // A value holding a password is no more filled in than a password.
    says(4, "message", "`command` is filled from the host's environment");
    for secret in ["supersecret", "Zq8vLw2pXk", "Hk3vQ9zLw2Xp"] {
        assert!(!support::text(&out.stdout).contains(secret), "{secret}");
        assert!(!support::text(&out.stderr).contains(secret), "{secret}");
    }
    assert_holds(
        &read(root, "env/api.env"),
        &["DATABASE_URL=postgres://todo:${POSTGRES_PASSWORD}@db/app"],
    );
    assert_holds(
        &read(root, "env/worker.env"),
        &["BROKER=amqp://app:${MQ_PASS}@mq:5672//"],
    );
    let text = read(root, "stack.spec");
    assert_holds(
        &text,
        &["DATABASE_USER = \"todo\"", "image postgres:16.4", "pg_isready -U todo"],
    );
    assert!(
        !text.contains("supersecret")
            && !text.contains("Zq8vLw2pXk")
            && !text.contains("Hk3vQ9zLw2Xp")
            && !text.contains("LOG_LEVEL"),
        "{text}"
    );
}

/// Services given the same passwords (one YAML anchor, as a Django app,
/// its Celery worker and its migrate job share) get one env file, not a
/// copy each that a changed password could miss.
#[test]
fn services_with_the_same_passwords_share_one_env_file() {
    let compose = "services:\n  web:\n    image: registry.example.com/shop:1.0.0\n    environment: &env\n      DJANGO_SECRET_KEY: \"k3y-9f8a7b6c5d4e3f2a1b0c\"\n      DATABASE_HOST: db\n  worker:\n    image: registry.example.com/shop:1.0.0\n    command: [\"celery\", \"-A\", \"shop\", \"worker\"]\n    environment: *env\n";
    let imported = import_project(compose, &[], &[]);
    let root = imported.root();
    let text = imported.spec();
    assert!(imported.out.status.success(), "{}\n{text}", imported.stderr());
    assert_eq!(text.matches("    env_file \"env/web.env\"\n").count(), 2, "{text}");
    assert!(!root.join("env/worker.env").exists(), "{text}");
    assert!(read(root, "env/web.env").contains("DJANGO_SECRET_KEY="));
}

/// A cloned repository's `secrets` folder that is a link elsewhere (to
/// `/etc/cron.d`, say) gets no secret written through it.
#[test]
fn a_secret_is_never_written_through_a_link_out_of_the_project() {
    let dir = project(&[
        ("elsewhere/keep.txt", "mine\n"),
        (
            "repo/compose.yaml",
            "services:\n  db:\n    image: postgres:16.4\n    env_file: .env.db\n",
        ),
        ("repo/.env.db", "POSTGRES_USER=app\nPOSTGRES_PASSWORD=s3cr3t-db\n"),
    ]);
    let repo = dir.path().join("repo");
    std::fs::create_dir(repo.join(".git")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("elsewhere"), repo.join("secrets")).unwrap();
    let out = import_into(&repo.join("compose.yaml"), &repo.join("stack.spec"), "short", &[]);
    let stderr = support::text(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("leads out of the project"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.path().join("elsewhere")).unwrap().collect();
    assert_eq!(left.len(), 1, "only keep.txt");
}

/// A bare `NAME` in `environment` is filled by compose from the project's
/// `.env` as `NAME=${NAME}` is (n8n-hosting's database takes its user and
/// password that way): it imports as that value, a password kept out of
/// the spec; a name `.env` does not set is still the host's, read from
/// there by the env file import writes (`TZ=${TZ}`; it was dropped).
/// A `${VAR}` of `.env` that holds a key goes to an env file as a password.
#[test]
fn a_variable_passed_through_by_name_or_holding_a_key_is_read_from_the_projects_dotenv() {
    let imported = import_project("services:\n  db:\n    image: postgres:16.4\n    environment:\n      - POSTGRES_USER\n      - POSTGRES_PASSWORD\n      - POSTGRES_DB\n      - TZ\n  web:\n    image: ghcr.io/plausible/community-edition:v2.1.3\n    environment:\n      - SECRET_KEY_BASE=${SECRET_KEY_BASE}\n", &[(
            ".env",
            "POSTGRES_USER=flows\nPOSTGRES_PASSWORD=Hx7rT2qLmZ\nPOSTGRES_DB=flows\nSECRET_KEY_BASE=Qm9yZWFsaXMtc2VjcmV0LWtleS1iYXNlLTY0\n",
        )], &[]);
    let root = imported.root();
    let report = imported.report();
    assert!(
        has_finding(&report, "compose.yaml:5:9", "info", "import-filled"),
        "{report}"
    );
    assert!(
        has_finding(&report, "compose.yaml:6:9", "info", "import-secret"),
        "{report}"
    );
    // Plausible's: the env file reads it from where compose runs, as before.
    assert!(
        has_finding(&report, "compose.yaml:8:9", "info", "import-secret"),
        "{report}"
    );
    assert_holds(&read(root, "env/db.env"), &["TZ=${TZ}"]);
    let text = imported.spec();
    assert_holds(
        &text,
        &[
            "POSTGRES_USER = \"flows\"",
            "POSTGRES_DB   = \"flows\"",
            "secret POSTGRES_PASSWORD = ",
        ],
    );
    assert!(!text.contains("Hx7rT2qLmZ") && !report.contains("Hx7rT2qLmZ"), "{text}");
    // (Not a search for "TZ" in the whole text: the temporary folder's
    // random name, in the header, may hold it.)
    assert!(!text.lines().any(|l| l.trim_start().starts_with("TZ")), "{text}");
    // `${SECRET_KEY_BASE}`, which `.env` sets to a key: left to compose to
    // fill from `.env` when it reads the env file, never dropped.
    assert!(
        has_finding(&report, "compose.yaml:12:9", "info", "import-secret"),
        "{report}"
    );
    assert_eq!(read(root, "env/web.env"), "SECRET_KEY_BASE=${SECRET_KEY_BASE}\n");
}

/// An nginx that hands PHP to php-fpm itself (`fastcgi_pass`, Nextcloud's
/// fpm example) serves the app's files with `root`, which a proxy cannot
/// say: it stays the service it is, built from its own Dockerfile with its
/// own config, not a proxy without its PHP. A SELinux label on a named
/// volume, which compose ignores, is dropped with a finding rather than
/// written as a `relabel` the spec refuses on a volume.
#[test]
fn an_nginx_that_runs_php_itself_stays_a_service_and_a_volumes_label_is_dropped() {
    let compose = "services:\n  app:\n    image: nextcloud:31.0.6-fpm-alpine\n    volumes:\n      - html:/var/www/html:z\n  web:\n    build: ./web\n    ports:\n      - 127.0.0.1:8080:80\n    volumes:\n      - html:/var/www/html:z,ro\n    depends_on:\n      - app\nvolumes:\n  html:\n";
    let conf = "events {}\nhttp {\n  upstream php-handler {\n    server app:9000;\n  }\n  server {\n    listen 80;\n    root /var/www/html;\n    location ~ \\.php(?:$|/) {\n      include fastcgi_params;\n      fastcgi_pass php-handler;\n    }\n    location / {\n      try_files $uri $uri/ /index.php$request_uri;\n    }\n  }\n}\n";
    let imported = import_project(
        compose,
        &[
            (
                "web/Dockerfile",
                "FROM nginx:1.27-alpine\nCOPY nginx.conf /etc/nginx/nginx.conf\n",
            ),
            ("web/nginx.conf", conf),
        ],
        &[],
    );
    let report = imported.report();
    let text = imported.spec();
    assert!(text.contains("service web {") && !text.contains("proxy web"), "{text}");
    assert_holds(
        &text,
        &[
            "    build ./web {\n        file Dockerfile\n    }",
            "mount html at /var/www/html ro\n",
        ],
    );
    assert!(!text.contains("relabel"), "{text}");
    assert!(
        has_finding(&report, "compose.yaml:5:9", "warning", "import-dropped"),
        "{report}"
    );
    assert!(report.contains("SELinux label `z` on a volume"), "{report}");
}

/// A short-syntax mount whose source has a defaulted variable (Airflow's
/// `${AIRFLOW_PROJ_DIR:-.}/dags:/opt/airflow/dags`) is read with the
/// default filled in, not split at the default's `:`; and a setting of a
/// YAML anchor that several services merge is reported once, not once
/// per service.
#[test]
fn a_mount_with_a_defaulted_variable_is_read_and_an_anchors_finding_is_reported_once() {
    let compose = "x-common: &common\n  image: ${IMAGE:-apache/airflow:3.0.2}\n  volumes:\n    - ${PROJ_DIR:-.}/dags:/opt/airflow/dags:ro\nservices:\n  scheduler:\n    <<: *common\n    command: scheduler\n  triggerer:\n    <<: *common\n    command: triggerer\n";
    let imported = import_project(compose, &[("dags/hello.py", "")], &[]);
    let report = imported.report();
    let text = imported.spec();
    assert_eq!(
        text.matches("    mount ./dags at /opt/airflow/dags ro\n").count(),
        2,
        "{text}"
    );
    assert_eq!(text.matches("    image apache/airflow:3.0.2\n").count(), 2, "{text}");
    for at in ["compose.yaml:2:10", "compose.yaml:4:7"] {
        let found = report.lines().filter(|l| l.contains(&format!("{at}: "))).count();
        assert_eq!(found, 1, "{at}:\n{report}");
    }
}

/// compose's older limit keys (`mem_limit`, `cpus`, `pids_limit`, as
/// mattermost/docker sets `pids_limit`) are the spec's `limits`, one
/// statement with `deploy.resources.limits`, as the spec takes it once.
#[test]
fn legacy_limit_keys_join_the_deploy_limits_in_one_statement() {
    let compose = "services:\n  db:\n    image: postgres:16.4\n    pids_limit: 100\n    mem_limit: 512m\n    deploy:\n      resources:\n        limits:\n          cpus: '0.5'\n          memory: 1G\n";
    let imported = import_project(compose, &[], &[]);
    let report = imported.report();
    let text = imported.spec();
    assert!(!report.contains("import-dropped"), "{report}");
    assert_eq!(text.matches("limits ").count(), 1, "{text}");
    assert_holds(&text, &["    limits pids 100 memory 512M cpus 0.5\n"]);
}

/// A migration compose does not restart, which nothing waits for (as
/// GlitchTip's `migrate`), is a `job`: as a `service` it would get
/// stackc's default `restart unless-stopped` and migrate again each time it
/// exits. A worker with no `restart` stays a service, and the spec builds
/// with the job run once.
#[test]
fn a_migration_compose_does_not_restart_imports_as_a_job_that_builds() {
    let compose = "services:\n  web:\n    image: glitchtip/glitchtip:v4.1.3\n    ports:\n      - \"8000:8000\"\n    restart: unless-stopped\n  worker:\n    image: glitchtip/glitchtip:v4.1.3\n    command: ./bin/run-celery-with-beat.sh\n  migrate:\n    image: glitchtip/glitchtip:v4.1.3\n    command: ./bin/run-migrate.sh\n  setup:\n    image: glitchtip/glitchtip:v4.1.3\n    command: sh -c \"python manage.py migrate && gunicorn glitchtip.wsgi\"\n";
    let imported = import_project(compose, &[], &[]);
    let root = imported.root();
    let spec = imported.spec_path();
    let text = imported.spec();
    assert!(imported.out.status.success(), "{}\n{text}", imported.stderr());
    assert_holds(
        &text,
        &[
            "job migrate {\n",
            "    run [\"./bin/run-migrate.sh\"]\n",
            "service worker {\n",
            "service setup {\n",
        ],
    );
    let built = support::build(&spec, &root.join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    let compose = read(root, "out/compose.yaml");
    let migrate = compose
        .split("  migrate:\n")
        .nth(1)
        .expect("migrate is in compose.yaml");
    let migrate = migrate.split("\n  setup:").next().unwrap();
    assert!(migrate.contains("restart: \"no\""), "{migrate}");
}

/// A network another project makes (Traefik's) keeps its `external` and
/// name, in compose's current and obsolete forms; compose's `default`
/// network with a name (wger's `wger_network`, which other projects join)
/// is a network of that name that every service compose put on `default`
/// joins; what compose ignores or the spec cannot say (an external
/// network's driver, `attachable`, a `start_interval` without a start
/// period) is reported where it is written.
#[test]
fn external_networks_and_start_intervals_are_carried_or_reported() {
    let dir = project(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox:1.37\n    user: \"1000\"\n    networks: [proxy, old, mesh]\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      start_interval: 2s\n  db:\n    image: busybox:1.37\n    user: \"1000\"\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      start_period: 1m\n      start_interval: 1s\nnetworks:\n  default:\n    name: shared\n  proxy:\n    external: true\n    name: traefik_proxy\n    driver: overlay\n  old:\n    external:\n      name: old_proxy\n  mesh:\n    driver: overlay\n    attachable: true\n",
    )]);
    let root = dir.path();
    let spec = root.join("stack.spec");
    let out = import_into(root, &spec, "short", &[]);
    let stdout = support::text(&out.stdout);
    let text = read(root, "stack.spec");
    assert_holds(
        &text,
        &[
            "network proxy external name traefik_proxy",
            "network old external name old_proxy",
            "network mesh driver overlay",
            "    ready cmd [\"true\"] every 30s timeout 30s retries 3 start 1m start_every 1s",
        ],
    );
    assert!(!text.contains("network default"), "{text}");
    assert_holds(&text, &["network shared name shared\n", "    networks shared\n"]);
    assert_eq!(
        text.matches("networks shared").count(),
        1,
        "only `db` was on `default`:\n{text}"
    );
    for at in ["compose.yaml:8:23", "compose.yaml:22:5", "compose.yaml:28:5"] {
        assert!(has_finding(&stdout, at, "warning", "import-dropped"), "{at}\n{stdout}");
    }
}

/// A secret compose writes out where a spec could only write it out too
/// (a build argument, a label, a command's line, a healthcheck's that
/// repeats no password of the container's, a raw key) is left out of the
/// spec, reported at its place without its value; a reference the
/// container fills in (`$${VAR}`) is no secret and stays. The spec lint
/// then reads has no secret in it.
#[test]
fn secrets_in_build_args_labels_and_commands_are_left_out_and_reported() {
    let npm = "npm_4d8f1b2c3a5e6f7081920a1b2c3d4e5f6a7b";
    let github = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    let compose = format!(
        "services:
  web:
    build:
      context: .
      args:
        NPM_TOKEN: {npm}
        GITHUB_TOKEN: \"$${{GITHUB_TOKEN}}\"
        NODE_ENV: production
    labels:
      - \"com.example.api-token={github}\"
      - \"traefik.enable=true\"
    command: [\"node\", \"server.js\", \"--api-key\", \"3f9a8b7c6d5e4f\"]
    logging:
      driver: loki
      options:
        loki-url: \"https://shop:Lq7-hunter2@logs.example/loki/api/v1/push\"
  pg:
    image: postgres:16.4
    healthcheck:
      test: [\"CMD-SHELL\", \"PGPASSWORD=Pg-h1dden pg_isready -U app\"]
  maria:
    image: mariadb:11.4
    healthcheck:
      test: [\"CMD-SHELL\", \"mariadb-admin ping -uroot -p$${{MARIADB_ROOT_PASSWORD}}\"]
name: shop
"
    );
    let imported = import_project(&compose, &[("Dockerfile", "FROM node:22.12-alpine\nUSER node\n")], &[]);
    let (report, spec) = (imported.report(), imported.spec());
    for at in [
        "compose.yaml:6:20",
        "compose.yaml:10:9",
        "compose.yaml:12:14",
        "compose.yaml:14:7",
        "compose.yaml:20:13",
    ] {
        assert!(has_finding(&report, at, "warning", "import-dropped"), "{at}:\n{report}");
    }
    assert_holds(
        &report,
        &[
            "build arg `NPM_TOKEN` holds a secret (an npm token): left out",
            "label `com.example.api-token` holds a secret (a GitHub token)",
            "`command` holds a secret (`--api-key`)",
            "`logging` holds a secret (a URL with a password in it)",
            "the healthcheck's command holds a secret (`PGPASSWORD=` before the program)",
        ],
    );
    let values = [npm, github, "3f9a8b7c6d5e4f", "Lq7-hunter2", "Pg-h1dden"];
    for value in values {
        assert!(!spec.contains(value), "{value}:\n{spec}");
        assert!(!report.contains(value), "{value}:\n{report}");
    }
    assert_holds(
        &spec,
        &[
            "arg GITHUB_TOKEN = \"${GITHUB_TOKEN}\"",
            "arg NODE_ENV = \"production\"",
            "traefik.enable = \"true\"",
            "ready cmd \"mariadb-admin ping -uroot -p${MARIADB_ROOT_PASSWORD}\"",
        ],
    );
    let lint = support::stackc()
        .args(["lint", "--format", "short"])
        .arg(imported.spec_path())
        .output()
        .unwrap();
    let lint = support::text(&lint.stdout);
    // It read the spec (pg has no password left to start with), and found no secret.
    assert!(
        lint.contains("[pg-password-missing]") && !lint.contains("[secret-in-"),
        "{lint}"
    );
    support::insta_settings().bind(|| insta::assert_snapshot!("import__secrets_left_out", imported.shown()));
    // The human report shows the compose file's lines: their secrets masked.
    let human = support::stackc()
        .current_dir(imported.root())
        .args(["import", "--no-compose", ".", "-o", "again.spec", "--format", "human"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let human = support::text(&human.stderr);
    assert!(human.contains("compose.yaml:6:20"), "{human}");
    for value in values {
        assert!(!human.contains(value), "{value}:\n{human}");
    }
}

/// The files import writes that hold secrets are listed in the
/// `.gitignore` beside the spec: a `.gitignore` there keeps its lines and
/// gets the missing ones once, after them; run again, import adds none.
/// One that leads out of the project is not written through.
#[test]
fn the_gitignore_beside_the_spec_gets_each_secret_file_once() {
    let compose = "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: Hx7rT2qLmZ\n  web:\n    image: ghcr.io/acme/web:1.0\n    environment:\n      API_TOKEN: ghp_abcdefghijklmnopqrstuvwxyz0123456789\n";
    let kept = "node_modules/\n/secrets/db_postgres_password.txt";
    let imported = import_project(compose, &[(".gitignore", kept)], &[]);
    let root = imported.root();
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let expected = format!("{kept}\n# written by `stackc import`: they hold secrets\nenv/web.env\n");
    assert_eq!(read(root, ".gitignore"), expected);
    assert!(
        imported.stderr().contains("added to ")
            && imported
                .stderr()
                .contains(".gitignore so no commit carries env/web.env"),
        "{}",
        imported.stderr()
    );
    let again = import_into(root, &imported.spec_path(), "short", &["--force"]);
    let stderr = support::text(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert_eq!(read(root, ".gitignore"), expected, "nothing added twice");
    assert!(stderr.contains("lists the files that hold secrets already"), "{stderr}");

    let fresh = import_project(compose, &[], &[]);
    assert_eq!(
        read(fresh.root(), ".gitignore"),
        "# written by `stackc import`: they hold secrets\nsecrets/db_postgres_password.txt\nenv/web.env\n"
    );
    assert!(fresh.stderr().contains("created "), "{}", fresh.stderr());

    let outside = project(&[("elsewhere/ignore", "mine\n"), ("repo/compose.yaml", compose)]);
    let repo = outside.path().join("repo");
    std::fs::create_dir(repo.join(".git")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("elsewhere/ignore"), repo.join(".gitignore")).unwrap();
    let out = import_into(&repo, &repo.join("stack.spec"), "short", &[]);
    let stderr = support::text(&out.stderr);
    assert!(!out.status.success() && stderr.contains(".gitignore"), "{stderr}");
    assert_eq!(read(outside.path(), "elsewhere/ignore"), "mine\n");
    assert!(!repo.join("stack.spec").exists() && !repo.join("secrets").exists());
}

/// Every file below `dir` (folders too, as `NAME/`) with its contents.
fn tree(dir: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            if path.is_dir() {
                found.push((format!("{name}/"), String::new()));
                folders.push(path);
            } else {
                found.push((name, std::fs::read_to_string(&path).unwrap_or_default()));
            }
        }
    }
    found.sort();
    found
}

/// A failed import leaves the project as it was: the ignore lines, the
/// secret and env files and the spec are written together or not at all,
/// whether the secrets folder in the way (a file) is found before anything
/// is written or the spec's path turns out to be a folder. (A secret file
/// of the project in the way is no failure: the next name is taken.)
#[test]
fn a_failed_import_leaves_the_project_as_it_was() {
    let compose = "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: Hx7rT2qLmZ\n  web:\n    build: .\n    environment:\n      API_TOKEN: ghp_abcdefghijklmnopqrstuvwxyz0123456789\n";
    let files = [
        ("compose.yaml", compose),
        ("Dockerfile", "FROM ghcr.io/acme/web:1.0\nCOPY . .\n"),
        (".gitignore", "node_modules/\n"),
        (".dockerignore", ".git\n"),
    ];
    let in_the_way = project(&files);
    let root = in_the_way.path();
    std::fs::write(root.join("secrets"), "a file, not a folder\n").unwrap();
    let before = tree(root);
    let out = import_into(root, &root.join("stack.spec"), "short", &[]);
    let stderr = support::text(&out.stderr);
    assert!(!out.status.success() && stderr.contains("secrets"), "{stderr}");
    assert_eq!(tree(root), before);

    let spec_is_a_folder = project(&files);
    let root = spec_is_a_folder.path();
    std::fs::create_dir(root.join("stack.spec")).unwrap();
    let before = tree(root);
    let out = import_into(root, &root.join("stack.spec"), "short", &["--force"]);
    let stderr = support::text(&out.stderr);
    assert!(!out.status.success() && stderr.contains("stack.spec"), "{stderr}");
    assert_eq!(tree(root), before);

    // Nothing in the way: all of them are written.
    let fine = project(&files);
    let out = import_into(fine.path(), &fine.path().join("stack.spec"), "short", &[]);
    assert!(out.status.success(), "{}", support::text(&out.stderr));
    let written: Vec<String> = tree(fine.path()).into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        written,
        [
            ".dockerignore",
            ".gitignore",
            "Dockerfile",
            "compose.yaml",
            "env/",
            "env/web.env",
            "secrets/",
            "secrets/db_postgres_password.txt",
            "stack.spec"
        ]
    );
    assert!(read(fine.path(), ".dockerignore").ends_with("\nsecrets/db_postgres_password.txt\nenv/web.env\n"));
}

/// A healthcheck that repeats a password of its service's `environment`
/// reads it where the container has it once import has kept it out of
/// the spec: the secret's file for an image that reads `VAR_FILE`, the
/// variable (from the env file) for any other; in a shell, which a value
/// in single quotes never reaches, so that one is left out.
#[test]
fn a_healthchecks_password_is_read_where_the_container_has_it() {
    let compose = r#"services:
  db:
    image: mysql:8.4
    environment:
      MYSQL_ROOT_PASSWORD: s3cr3t-root
    healthcheck:
      test: ["CMD", "mysqladmin", "ping", "-h", "localhost", "-uroot", "-ps3cr3t-root"]
  app:
    image: ghcr.io/acme/web:1.0
    environment:
      DB_PASSWORD: "app pass w0rd"
    healthcheck:
      test: ["CMD-SHELL", "curl -fsS -u \"app:app pass w0rd\" http://localhost/health"]
  worker:
    image: ghcr.io/acme/web:1.0
    environment:
      DB_PASSWORD: "app pass w0rd"
    healthcheck:
      test: ["CMD-SHELL", "curl -fsS -u 'app:app pass w0rd' http://localhost/health"]
name: shop
"#;
    let imported = import_project(compose, &[], &[]);
    let (report, spec) = (imported.report(), imported.spec());
    for at in ["compose.yaml:7:13", "compose.yaml:13:13"] {
        assert!(has_finding(&report, at, "info", "import-secret"), "{at}:\n{report}");
    }
    assert!(
        has_finding(&report, "compose.yaml:19:13", "warning", "import-dropped"),
        "{report}"
    );
    assert_holds(
        &report,
        &["the healthcheck's command held a secret (`mysqladmin -pSECRET`): it now reads it in the container"],
    );
    assert_holds(
        &spec,
        &[
            r#"ready cmd "mysqladmin ping -h localhost -uroot -p\"$(cat \"$MYSQL_ROOT_PASSWORD_FILE\")\"" every 30s"#,
            r#"ready cmd "curl -fsS -u \"app:$DB_PASSWORD\" http://localhost/health" every 30s"#,
        ],
    );
    assert_eq!(spec.matches("ready cmd").count(), 2, "{spec}");
    let built = support::build(&imported.spec_path(), &imported.root().join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    let yaml = read(imported.root(), "out/compose.yaml");
    assert_holds(
        &yaml,
        &[r#"- mysqladmin ping -h localhost -uroot -p"$$(cat "$$MYSQL_ROOT_PASSWORD_FILE")""#],
    );
    for value in ["s3cr3t-root", "app pass w0rd"] {
        assert!(
            !spec.contains(value) && !yaml.contains(value),
            "{value}:\n{spec}\n{yaml}"
        );
        assert!(!report.contains(value), "{value}:\n{report}");
    }
    support::insta_settings().bind(|| insta::assert_snapshot!("import__healthcheck_reads_password", imported.shown()));
}

/// A healthcheck's password that the container has from an env file,
/// not `environment`, is read there too; and so is a `${VAR}` compose
/// fills in from the project's `.env` when the container has the same
/// value (its `environment` says `${VAR}`, or `.env` is its env file).
/// A variable the container has not is the host's: left out.
#[test]
fn a_healthchecks_password_from_an_env_file_or_dotenv_is_read_in_the_container() {
    let compose = r#"services:
  db:
    image: mysql:8.4
    env_file: db.env
    healthcheck:
      test: ["CMD", "mysqladmin", "ping", "-uroot", "-ps3cr3t-root"]
  app:
    image: ghcr.io/acme/web:1.0
    env_file: [app.env]
    healthcheck:
      test: ["CMD-SHELL", "curl -fsS -u app:Wq8zLp3vKt http://localhost/health"]
  mirror:
    image: mysql:8.4
    environment:
      MYSQL_ROOT_PASSWORD: ${MYSQL_ROOT_PASSWORD}
    healthcheck:
      test: ["CMD-SHELL", "mysqladmin ping -uroot -p${MYSQL_ROOT_PASSWORD}"]
  cache:
    image: redis:7.4
    env_file: .env
    command: ["redis-server", "--save", ""]
    healthcheck:
      test: ["CMD", "redis-cli", "-a", "${REDIS_PASSWORD}", "ping"]
  other:
    image: mysql:8.4
    environment:
      MYSQL_ALLOW_EMPTY_PASSWORD: "yes"
    healthcheck:
      test: ["CMD-SHELL", "mysqladmin ping -p${MYSQL_ROOT_PASSWORD}"]
name: shop
"#;
    let files = [
        ("db.env", "MYSQL_ROOT_PASSWORD=s3cr3t-root\n"),
        ("app.env", "DB_PASSWORD=Wq8zLp3vKt\n"),
        (".env", "MYSQL_ROOT_PASSWORD=m1rr0r-root\nREDIS_PASSWORD=r3dis-Pass\n"),
    ];
    let imported = import_project(compose, &files, &[]);
    let (report, spec) = (imported.report(), imported.spec());
    assert_holds(
        &spec,
        &[
            r#"ready cmd "mysqladmin ping -uroot -p\"$(cat \"$MYSQL_ROOT_PASSWORD_FILE\")\"" every 30s"#,
            r#"ready cmd "curl -fsS -u app:\"$DB_PASSWORD\" http://localhost/health" every 30s"#,
            r#"ready cmd "redis-cli -a \"$REDIS_PASSWORD\" ping" every 30s"#,
        ],
    );
    assert_eq!(spec.matches("ready cmd").count(), 4, "{spec}");
    assert_eq!(
        spec.matches(r#"ready cmd "mysqladmin ping -uroot -p\"$(cat \"$MYSQL_ROOT_PASSWORD_FILE\")\"""#)
            .count(),
        2,
        "{spec}"
    );
    assert!(
        has_finding(&report, "compose.yaml:29:13", "warning", "import-dropped"),
        "{report}"
    );
    for value in ["s3cr3t-root", "Wq8zLp3vKt", "m1rr0r-root", "r3dis-Pass"] {
        assert!(
            !spec.contains(value) && !report.contains(value),
            "{value}:\n{spec}\n{report}"
        );
    }
}

/// Traefik's `basicauth.users` label holds htpasswd hashes, which a
/// dictionary cracks offline: the lines go into a secret file mounted
/// into the project's Traefik service, and the label names that file
/// (`usersfile`). Without a Traefik service to read it, the label is
/// left out.
#[test]
fn traefik_basic_auth_hashes_move_into_a_file_traefik_reads() {
    let compose = r#"services:
  traefik:
    image: traefik:v3.3
    command: ["--providers.docker=true"]
  whoami:
    image: traefik/whoami:v1.10
    labels:
      - "traefik.http.routers.whoami.middlewares=auth"
      - "traefik.http.middlewares.auth.basicauth.users=admin:$$apr1$$H6uskkkW$$IgXLP6ewTrSuBkTrqE8wj/,ops:$$2y$$05$$EaCl3bdYBnsnK1CHDAbbYuVq0ofqi1ccNlJrWKdazBXaxS0K5iuDe"
"#;
    let imported = import_project(compose, &[], &[]);
    let (spec, report) = (imported.spec(), imported.report());
    assert_holds(
        &spec,
        &[
            r#"secret whoami_basicauth_users file "secrets/whoami_basicauth_users.txt""#,
            r#"traefik.http.middlewares.auth.basicauth.usersfile = "/run/secrets/whoami_basicauth_users""#,
            "    secret whoami_basicauth_users\n}",
        ],
    );
    assert!(!spec.contains("apr1") && !spec.contains("$2y$"), "{spec}");
    assert_eq!(
        read(imported.root(), "secrets/whoami_basicauth_users.txt"),
        "admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/\nops:$2y$05$EaCl3bdYBnsnK1CHDAbbYuVq0ofqi1ccNlJrWKdazBXaxS0K5iuDe\n"
    );
    assert!(
        has_finding(&report, "compose.yaml:9:9", "info", "import-secret"),
        "{report}"
    );
    assert!(!report.contains("secret-in-compose-value"), "{report}");

    let without_traefik = compose.replace("image: traefik:v3.3", "image: caddy:2.8");
    let imported = import_project(&without_traefik, &[], &[]);
    let (spec, report) = (imported.spec(), imported.report());
    assert!(!spec.contains("basicauth") && !spec.contains("apr1"), "{spec}");
    assert!(
        has_finding(&report, "compose.yaml:9:9", "warning", "import-dropped"),
        "{report}"
    );
}

/// Compose's long `env_file` form with `required: false` (Superset's
/// `docker/.env-local` override) is the spec's `env_file ... optional`,
/// there or not, and nothing is reported dropped; the spec builds, and
/// compose.yaml says `required: false` again.
#[test]
fn an_optional_env_file_is_carried_as_optional() {
    let compose = "services:\n  web:\n    image: redis:7.4\n    env_file:\n      - path: app.env\n        required: true\n      - path: local.env\n        required: false\n      - path: extra.env\n        required: false\n";
    let imported = import_project(compose, &[("app.env", "LEVEL=info\n"), ("extra.env", "MODE=x\n")], &[]);
    let (spec, report) = (imported.spec(), imported.report());
    assert!(imported.out.status.success(), "{}\n{report}\n{spec}", imported.stderr());
    assert_holds(
        &spec,
        &[
            "env_file \"./app.env\"\n",
            r#"env_file "./local.env" optional"#,
            r#"env_file "./extra.env" optional"#,
        ],
    );
    assert!(!report.contains("import-dropped"), "{report}");
    let out = imported.root().join("out");
    let built = support::build(&imported.spec_path(), &out);
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    let yaml = read(&out, "compose.yaml");
    assert_holds(
        &yaml,
        &["- path: ../local.env\n      required: false", "- ../app.env\n"],
    );
}

/// `healthcheck: {disable: true}` and `test: ["NONE"]` turn the image's
/// own HEALTHCHECK off: both are the spec's `ready off`, not dropped.
#[test]
fn a_disabled_healthcheck_is_ready_off() {
    let compose = "services:\n  a:\n    image: redis:7.4\n    healthcheck:\n      disable: true\n  b:\n    image: redis:7.4\n    healthcheck:\n      test: [\"NONE\"]\n";
    let imported = import_project(compose, &[], &[]);
    let (spec, report) = (imported.spec(), imported.report());
    assert!(imported.out.status.success(), "{}\n{report}\n{spec}", imported.stderr());
    assert_eq!(spec.matches("ready off").count(), 2, "{spec}");
    assert!(!report.contains("healthcheck"), "{report}");
}

/// Lemmy's proxy picks its upstream at run time (`set $target ...;
/// proxy_pass $target;`), which the spec cannot say: the location is left
/// out, and the directives inside it are not reported as kept raw lines,
/// which they would be in a location the spec keeps. Why it went (the
/// `proxy_pass` to a variable) is still said.
#[test]
fn a_location_left_out_keeps_none_of_its_directives() {
    let conf = "server {\n    listen 80;\n    gzip on;\n    server_tokens off;\n    location / {\n        set $target \"http://ui:1234\";\n        proxy_pass $target;\n        rewrite ^(.+)/+$ $1 permanent;\n    }\n    location /api/ {\n        proxy_pass http://api:8536;\n        proxy_buffering off;\n    }\n}\n";
    let compose = "services:\n  api:\n    image: ghcr.io/acme/api:1.0\n  ui:\n    image: ghcr.io/acme/ui:1.0\n  proxy:\n    image: nginx:1.30-alpine\n    ports:\n      - \"8080:80\"\n    volumes:\n      - ./default.conf:/etc/nginx/conf.d/default.conf:ro\n";
    let imported = import_project(compose, &[("default.conf", conf)], &[]);
    let (report, spec) = (imported.report(), imported.spec());
    assert!(imported.out.status.success(), "{}\n{report}", imported.stderr());
    for at in ["default.conf:5:5", "default.conf:7:9"] {
        assert!(has_finding(&report, at, "warning", "import-dropped"), "{at}:\n{report}");
    }
    // The server's and the kept location's raw lines only.
    for at in ["default.conf:3:5", "default.conf:12:9"] {
        assert!(has_finding(&report, at, "info", "import-raw"), "{at}:\n{report}");
    }
    assert_eq!(report.matches("import-raw").count(), 2, "{report}");
    assert_holds(&spec, &["nginx \"gzip on\"", "nginx \"proxy_buffering off\""]);
    assert!(!spec.contains("rewrite") && !spec.contains("$target"), "{spec}");
    // stackc's nginx.conf says `server_tokens off` for every server.
    assert!(!spec.contains("server_tokens"), "{spec}");
}

/// A Django API and a Next.js frontend behind one nginx.conf with one
/// line of a module's own language (an OpenResty Lua block): that line is
/// reported where it is and why it does not read, and everything else
/// is kept (the upstreams, the server, every location, the raw lines).
#[test]
fn a_line_of_nginx_config_that_does_not_read_loses_only_that_line() {
    let conf = r#"user nginx;
worker_processes auto;

events {
    worker_connections 1024;
}

http {
    include /etc/nginx/mime.types;
    sendfile on;
    gzip on;

    upstream django {
        server api:8000;
    }

    upstream nextjs {
        server frontend:3000;
    }

    server {
        listen 80;
        server_name shop.example.com;
        client_max_body_size 20M;

        location / {
            proxy_pass http://nextjs;
        }

        location /_next/static/ {
            proxy_pass http://nextjs;
            expires 365d;
        }

        location /api/ {
            proxy_pass http://django;
            proxy_read_timeout 120;
            header_filter_by_lua_block { ngx.header["X-Served-By"] = ngx.var.hostname }
        }

        location /static/ {
            alias /var/www/static/;
        }
    }
}
"#;
    let compose = "services:\n  api:\n    image: ghcr.io/acme/shop-api:2.3.1\n    volumes:\n      - static:/app/staticfiles\n  frontend:\n    image: ghcr.io/acme/shop-web:2.3.1\n  nginx:\n    image: fabiocicerchia/nginx-lua:1.27.3-alpine3.21\n    ports:\n      - \"80:80\"\n    volumes:\n      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro\n      - static:/var/www/static:ro\nvolumes:\n  static:\n";
    let imported = import_project(compose, &[("nginx/nginx.conf", conf)], &[]);
    let (report, spec) = (imported.report(), imported.spec());
    assert!(imported.out.status.success(), "{}\n{report}", imported.stderr());
    assert_holds(
        &report,
        &["nginx/nginx.conf:38:42: warning: nginx config: this line does not read (`ngx.header[\"X-Served-By\"]` has no `;` before the `}`), so it is not in the spec"],
    );
    assert!(
        has_finding(&report, "nginx/nginx.conf:38:13", "warning", "import-dropped"),
        "{report}"
    );
    assert!(!report.contains("import-unreadable"), "{report}");
    assert_holds(
        &spec,
        &[
            "upstream django {\n        server api:8000\n    }",
            "upstream nextjs {\n        server frontend:3000\n    }",
            "server_name shop.example.com",
            "client_max_body_size 20M",
            "location / {\n        proxy_pass nextjs\n    }",
            "location /_next/static/ {\n        proxy_pass nextjs\n        nginx \"expires 365d\"\n    }",
            "location /api/ {\n        proxy_pass django\n        proxy_read_timeout 120s\n    }",
            "location /static/ {\n        alias static\n    }",
            "nginx http \"gzip on\"",
        ],
    );
    assert!(!spec.contains("header_filter") && !spec.contains("ngx."), "{spec}");
    let built = support::build(&imported.spec_path(), &imported.root().join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    assert_holds(
        &read(imported.root(), "out/nginx/nginx.conf"),
        &["location /api/ {", "proxy_read_timeout 2m;", "expires 365d;"],
    );
}

/// Chatwoot's Redis: `sh -c "redis-server --requirepass \"$REDIS_PASSWORD\""`
/// with the project's `.env` as its env file. Compose fills the variable
/// from that `.env`; the container's shell can fill it from the same file,
/// so the command is kept with the reference left to the shell (`$$` in
/// compose.yaml) and no password in the spec. Without a shell to expand
/// it, a Redis server's command reads it from a secret's file; where
/// `environment` gives the container another value, the command is left
/// out as before.
#[test]
fn a_shell_command_reading_the_dotenv_its_container_reads_is_kept() {
    let compose = "services:\n  redis:\n    image: redis:7.4\n    env_file: .env\n    command: [\"sh\", \"-c\", \"redis-server --requirepass \\\"$REDIS_PASSWORD\\\"\"]\n  cache:\n    image: redis:7.4\n    env_file: .env\n    command: redis-server --requirepass ${REDIS_PASSWORD}\n  other:\n    image: redis:7.4\n    env_file: [.env]\n    environment:\n      REDIS_PASSWORD: something-else-entirely\n    command: [\"sh\", \"-c\", \"redis-server --requirepass $REDIS_PASSWORD\"]\n";
    let imported = import_project(compose, &[(".env", "REDIS_PASSWORD=Xk4s9dLq2Vw8Zr7T\n")], &[]);
    let (report, spec) = (imported.report(), imported.spec());
    assert!(imported.out.status.success(), "{}\n{report}", imported.stderr());
    assert!(
        has_finding(&report, "compose.yaml:5:14", "info", "import-filled"),
        "{report}"
    );
    assert!(
        has_finding(&report, "compose.yaml:9:14", "info", "import-secret"),
        "{report}"
    );
    assert!(
        has_finding(&report, "compose.yaml:15:14", "warning", "import-dropped"),
        "{report}"
    );
    assert_holds(
        &spec,
        &[
            r#"command ["sh", "-c", "redis-server --requirepass \"$REDIS_PASSWORD\""]"#,
            r#"command ["sh", "-c", "exec redis-server --requirepass \"$(cat \"$REDIS_PASSWORD_FILE\")\""]"#,
        ],
    );
    assert_eq!(spec.matches("command [").count(), 2, "{spec}");
    assert!(
        !spec.contains("Xk4s9dLq2Vw8Zr7T") && !report.contains("Xk4s9dLq2Vw8Zr7T"),
        "{spec}"
    );
    // The shell runs as root: `runs-as-root` says so, allowed here.
    let built = support::stackc()
        .args(["build", "--allow", "runs-as-root"])
        .arg(imported.spec_path())
        .arg("-o")
        .arg(imported.root().join("out"))
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    let yaml = read(imported.root(), "out/compose.yaml");
    assert_holds(&yaml, &[r#"- redis-server --requirepass "$$REDIS_PASSWORD""#]);
}

/// `stackc import .` in `folder`, where compose finds no file: it fails
/// with 2, and says so on stderr.
fn import_of_a_folder_without_a_compose_file(folder: &Path) -> String {
    let out = support::stackc()
        .current_dir(folder)
        .args(["import", ".", "-o", "stack.spec"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    support::text(&out.stderr)
}

/// A folder whose compose file has a name compose does not look for
/// (Chatwoot's `docker-compose.production.yaml`): import says which file
/// to name.
#[test]
fn a_folder_without_compose_names_points_at_its_compose_file() {
    let dir = project(&[
        ("docker-compose.production.yaml", "services: {}\n"),
        ("notes.yaml", "a: 1\n"),
    ]);
    let stderr = import_of_a_folder_without_a_compose_file(dir.path());
    assert!(
        stderr.contains("name the compose file to import: `stackc import ./docker-compose.production.yaml`"),
        "{stderr}"
    );
    assert!(!stderr.contains("notes.yaml"), "{stderr}");
}

/// A compose file named like none (miniflux's `basic.yml`): found by its
/// top-level `services:` map, beside YAML that is not one (a CI file's
/// `services:` list, hidden or not) and a FIFO.
#[test]
fn a_folder_without_compose_names_points_at_a_yaml_file_of_services() {
    let dir = project(&[
        (
            "basic.yml",
            "# The basic setup.\nservices:\n  app:\n    image: miniflux/miniflux:2.2.14\n",
        ),
        ("mkdocs.yml", "site_name: docs\nnav:\n  - services: services.md\n"),
        (".gitlab-ci.yml", "services:\n  - postgres:16\n"),
        ("another.yml", "services:\n  - docker:dind\n"),
    ]);
    // Never opened for reading: a FIFO blocks its reader.
    let fifo = std::process::Command::new("mkfifo")
        .arg(dir.path().join("pipe.yml"))
        .status();
    assert!(fifo.unwrap().success());
    let stderr = import_of_a_folder_without_a_compose_file(dir.path());
    assert!(stderr.contains("`stackc import ./basic.yml`"), "{stderr}");
    for other in ["mkdocs.yml", ".gitlab-ci.yml", "another.yml"] {
        assert!(!stderr.contains(other), "{stderr}");
    }
}

/// A whole nginx.conf: what its `http` block sets beside the servers
/// (compression, a log format and the access log that uses it) is kept as
/// `nginx http` lines; an `include` (stackc's nginx.conf is the whole
/// config) and nginx's main context (`user`, stackc's) are left out, each
/// reported as what it is.
#[test]
fn http_level_directives_of_a_whole_nginx_conf_are_kept() {
    let conf = "user nginx;\nevents {\n    worker_connections 1024;\n}\nhttp {\n    log_format main '$remote_addr $request';\n    access_log /var/log/nginx/access.log main;\n    gzip on;\n    include /etc/nginx/conf.d/*.conf;\n    server_tokens on;\n    upstream app {\n        server web:8000;\n    }\n    server {\n        listen 80;\n        server_tokens off;\n        location / {\n            proxy_pass http://app;\n        }\n    }\n}\n";
    let compose = "services:\n  web:\n    image: ghcr.io/acme/web:1.0\n  proxy:\n    image: nginx:1.30\n    ports:\n      - \"8080:80\"\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n";
    let imported = import_project(compose, &[("nginx.conf", conf)], &[]);
    let (report, spec) = (imported.report(), imported.spec());
    assert!(imported.out.status.success(), "{}\n{report}", imported.stderr());
    assert_holds(
        &spec,
        &[
            r#"nginx http "log_format main \"$remote_addr $request\"""#,
            r#"nginx http "access_log /var/log/nginx/access.log main""#,
            r#"nginx http "gzip on""#,
            // The config's own `http` turns it on: the server's `off` stays.
            r#"nginx http "server_tokens on""#,
            r#"nginx "server_tokens off""#,
        ],
    );
    assert!(!spec.contains("include"), "{spec}");
    assert_holds(
        &report,
        &[
            "nginx.conf:1:1: warning: nginx `user` in nginx's main context, which stackc writes itself",
            "nginx.conf:8:5: info: nginx `gzip` is kept as a raw `nginx http` line",
            "nginx.conf:9:5: warning: nginx `include` at the http level: stackc's nginx.conf is the whole config",
        ],
    );
    let built = support::build(&imported.spec_path(), &imported.root().join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    assert_holds(&read(imported.root(), "out/proxy/nginx.conf"), &["    gzip on;"]);
}

/// authentik's compose file: the database password and the secret key
/// are required references (`${PG_PASS:?message}`), read as the variable
/// they name, so they are kept out of the spec as a plain `${PG_PASS}`
/// is (the env file keeps the `:?`, so compose still refuses to start
/// without it); the host ports are their defaults, reported as such; and
/// `driver: local`, what every plain volume gets, is nothing to report.
#[test]
fn required_passwords_defaulted_ports_and_local_volumes_are_carried() {
    let compose = r#"services:
  db:
    image: postgres:16.4
    environment:
      POSTGRES_PASSWORD: ${PG_PASS:?database password required}
    volumes:
      - database:/var/lib/postgresql/data
  server:
    image: ghcr.io/goauthentik/server:2025.2.4
    command: server
    environment:
      AUTHENTIK_SECRET_KEY: ${AUTHENTIK_SECRET_KEY:?secret key required}
      AUTHENTIK_LOG_LEVEL: ${LOG_LEVEL:-}
    ports:
      - "${COMPOSE_PORT_HTTP:-9000}:9000"
volumes:
  database:
    driver: local
"#;
    let imported = import_project(compose, &[], &[]);
    let (report, spec) = (imported.report(), imported.spec());
    assert!(imported.out.status.success(), "{}\n{report}", imported.stderr());
    assert_holds(
        &spec,
        &[
            "secret db_postgres_password env PG_PASS",
            "secret POSTGRES_PASSWORD = db_postgres_password",
            "env_file \"env/server.env\"",
            "publish 9000 -> 9000",
        ],
    );
    assert_eq!(
        read(imported.root(), "env/server.env"),
        "AUTHENTIK_SECRET_KEY=${AUTHENTIK_SECRET_KEY:?secret key required}\n"
    );
    assert_holds(
        &report,
        &[
            "compose.yaml:5:26: info: `POSTGRES_PASSWORD` is read from the variable `PG_PASS` as a secret [import-secret]",
            "compose.yaml:13:28: info: `AUTHENTIK_LOG_LEVEL` is empty, the default of `LOG_LEVEL`",
            "compose.yaml:15:9: info: `port` is `9000:9000`, the default of `COMPOSE_PORT_HTTP`",
        ],
    );
    assert!(!report.contains("driver"), "{report}");
    assert!(!report.contains("random host port"), "{report}");
    let built = support::build(&imported.spec_path(), &imported.root().join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
}

/// listmonk's compose file: the database's user, name and password are
/// all `listmonk`, and its healthcheck `pg_isready -U listmonk` names the
/// user, which stays in the spec: the check is not rewritten to put the
/// password where the user name goes.
#[test]
fn a_healthchecks_user_name_that_equals_the_password_stays_the_user_name() {
    let compose = r#"services:
  db:
    image: postgres:17.2
    environment:
      POSTGRES_USER: listmonk
      POSTGRES_PASSWORD: listmonk
      POSTGRES_DB: listmonk
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U listmonk"]
"#;
    let imported = import_project(compose, &[], &[]);
    let (report, spec) = (imported.report(), imported.spec());
    assert!(imported.out.status.success(), "{}\n{report}", imported.stderr());
    assert_holds(
        &spec,
        &[
            "secret POSTGRES_PASSWORD = db_postgres_password",
            r#"ready cmd "pg_isready -U listmonk" every 30s"#,
        ],
    );
    assert!(!spec.contains("$(cat"), "{spec}");
    assert!(!report.contains("healthcheck"), "{report}");
    // The secret file import wrote holds the user name: lint still says so.
    let lint = support::stackc()
        .current_dir(imported.root())
        .args(["lint", "--format", "short", "stack.spec"])
        .output()
        .unwrap();
    assert_holds(
        &support::text(&lint.stdout),
        &["error: `POSTGRES_PASSWORD` is set to a default password (at secrets/db_postgres_password.txt:1) [default-credentials]"],
    );
}

/// A proxy timeout in nginx's bare seconds (`proxy_read_timeout 86400`,
/// the usual setting for a websocket app such as Outline) or in days is
/// carried as the spec's duration, not dropped; one in months, which no
/// duration says, is dropped with what the statement takes.
#[test]
fn nginx_timeouts_in_bare_seconds_and_days_are_carried() {
    let conf = "server {\n    listen 80;\n    location / {\n        proxy_pass http://outline:3000;\n        proxy_read_timeout 86400;\n        proxy_send_timeout 1d;\n        proxy_connect_timeout 1M;\n    }\n}\n";
    let compose = "services:\n  outline:\n    image: outlinewiki/outline:0.82.0\n  nginx:\n    image: nginx:1.30\n    ports:\n      - \"80:80\"\n    volumes:\n      - ./outline.conf:/etc/nginx/conf.d/default.conf:ro\n";
    let imported = import_project(compose, &[("outline.conf", conf)], &[]);
    let (report, spec) = (imported.report(), imported.spec());
    assert!(imported.out.status.success(), "{}\n{report}", imported.stderr());
    assert_holds(
        &report,
        &["outline.conf:7:9: warning: nginx `proxy_connect_timeout 1M`: a time the spec's `proxy_connect_timeout` cannot say [import-dropped]"],
    );
    assert_eq!(report.matches("import-dropped").count(), 1, "{report}");
    assert_holds(&spec, &["proxy_read_timeout 86400s", "proxy_send_timeout 24h"]);
    let built = support::build(&imported.spec_path(), &imported.root().join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    assert_holds(
        &read(imported.root(), "out/nginx/nginx.conf"),
        &["proxy_read_timeout 24h;", "proxy_send_timeout 24h;"],
    );
}

/// wger's conf.d picks the scheme with an `http`-level `map`, which the
/// spec cannot hold: the header that uses the map's variable is left out
/// with it (stackc's `$scheme` applies), as nginx refuses an unknown
/// variable; one that uses another variable is kept.
#[test]
fn a_line_using_a_dropped_maps_variable_is_dropped_with_it() {
    let conf = "upstream wger {\n    server web:8000;\n}\nmap $http_x_forwarded_proto $forwarded_scheme {\n    default $http_x_forwarded_proto;\n    '' $scheme;\n}\nserver {\n    listen 80;\n    location / {\n        proxy_pass http://wger;\n        proxy_set_header X-Forwarded-Proto $forwarded_scheme;\n        proxy_set_header X-Forwarded-Host $forwarded_scheme_host;\n    }\n}\n";
    let compose = "services:\n  web:\n    image: wger/server:2.4\n  nginx:\n    image: nginx:1.30\n    ports:\n      - \"80:80\"\n    volumes:\n      - ./nginx.conf:/etc/nginx/conf.d/default.conf:ro\n";
    let imported = import_project(compose, &[("nginx.conf", conf)], &[]);
    let (report, spec) = (imported.report(), imported.spec());
    assert!(imported.out.status.success(), "{}\n{report}", imported.stderr());
    assert_holds(
        &report,
        &[
            "nginx.conf:4:1: warning: nginx `map` at the http level has no place in the spec [import-dropped]",
            "nginx.conf:12:9: warning: nginx `proxy_set_header` uses `$forwarded_scheme`, defined by a `map` the spec cannot hold [import-dropped]",
        ],
    );
    assert!(!spec.contains("$forwarded_scheme\""), "{spec}");
    assert_holds(
        &spec,
        &["nginx \"proxy_set_header X-Forwarded-Host $forwarded_scheme_host\""],
    );
    let built = support::build(&imported.spec_path(), &imported.root().join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    assert_holds(
        &read(imported.root(), "out/nginx/nginx.conf"),
        &["proxy_set_header X-Forwarded-Proto $scheme;"],
    );
}

/// Tandoor's nginx serves uploads from a host folder (`./mediafiles`) and
/// its error pages from a folder beside its config: the spec's `alias`
/// serves volumes only, so each is mounted under one folder and served by
/// a raw `root` of it, which maps every request to the same file.
#[test]
fn host_folders_the_proxy_aliases_are_mounted_and_served() {
    let conf = "server {\n  listen 80;\n  location /media/ {\n    alias /media/;\n  }\n  location / {\n    proxy_pass http://web:8080;\n    error_page 502 /errors/http502.html;\n  }\n  location /errors/ {\n    alias /etc/nginx/conf.d/errorpages/;\n    internal;\n  }\n  location /other/ {\n    alias /opt/other/;\n  }\n}\n";
    let compose = "services:\n  web:\n    image: vabene1111/recipes:1.5.19\n    volumes:\n      - ./mediafiles:/opt/recipes/mediafiles\n  nginx:\n    image: nginx:1.30\n    ports:\n      - \"80:80\"\n    volumes:\n      - ./nginx/conf.d:/etc/nginx/conf.d:ro\n      - ./mediafiles:/media:ro\n";
    let imported = import_project(
        compose,
        &[
            ("nginx/conf.d/default.conf", conf),
            ("nginx/conf.d/errorpages/http502.html", "<p>starting</p>\n"),
            ("mediafiles/a.jpg", "jpeg"),
        ],
        &[],
    );
    let (report, spec) = (imported.report(), imported.spec());
    assert!(imported.out.status.success(), "{}\n{report}", imported.stderr());
    assert_holds(
        &report,
        &[
            "default.conf:4:5: info: nginx `alias` of `/media`, a host folder mounted in the proxy, is a raw `root /var/www`, with the folder mounted at `/var/www/media` [import-raw]",
            "default.conf:11:5: info: nginx `alias` of `/etc/nginx/conf.d/errorpages`, a host folder mounted in the proxy, is a raw `root /var/www`, with the folder mounted at `/var/www/errors` [import-raw]",
            "default.conf:15:5: warning: nginx `alias` of a folder no volume or host folder mounted in the proxy holds [import-dropped]",
        ],
    );
    assert_holds(
        &spec,
        &[
            "    location /media/ {\n        nginx \"root /var/www\"\n    }",
            "    location /errors/ {\n        nginx \"root /var/www\"\n        nginx \"internal\"\n    }",
            "    mount ./nginx/conf.d/errorpages at /var/www/errors ro\n",
            "    mount ./mediafiles at /var/www/media ro\n",
        ],
    );
    assert!(!spec.contains("/other/"), "{spec}");
    let built = support::build(&imported.spec_path(), &imported.root().join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    let (code, validated) = support::validate(&imported.root().join("out"));
    assert_eq!(code, 0, "{validated}");
}

/// Weblate's compose file gives the database and the app one env file with
/// `POSTGRES_PASSWORD`; the Weblate image reads `POSTGRES_PASSWORD_FILE`
/// too, so both read the one secret and neither env file holds it.
#[test]
fn weblate_reads_the_databases_password_from_the_secret_file() {
    let compose = "services:\n  database:\n    image: postgres:18-alpine\n    env_file:\n    - ./environment\n  weblate:\n    image: weblate/weblate:5.14\n    env_file:\n    - ./environment\n";
    let environment = "POSTGRES_PASSWORD=Zq8vN3kL7wX2pR5t\nPOSTGRES_USER=weblate\nPOSTGRES_HOST=database\n";
    let imported = import_project(compose, &[("environment", environment)], &[]);
    let (report, spec) = (imported.report(), imported.spec());
    assert!(imported.out.status.success(), "{}\n{report}", imported.stderr());
    assert_eq!(
        spec.matches("secret POSTGRES_PASSWORD = database_postgres_password")
            .count(),
        2,
        "{spec}"
    );
    assert!(!spec.contains("env_file \"./environment\""), "{spec}");
    let copy = read(imported.root(), "env/database.env");
    assert!(
        !copy.contains("Zq8vN3kL7wX2pR5t") && copy.contains("POSTGRES_HOST=database"),
        "{copy}"
    );
}

/// A password the spec reads from the environment compose runs in
/// (`secret NAME env VAR`, `${VAR}` in an env file), which the project's
/// `.env` sets: compose.yaml is written into the output folder, where
/// compose looks for a `.env` of its own, so import says to pass this one.
#[test]
fn passwords_read_from_the_projects_dotenv_are_named_for_compose() {
    let compose = "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: ${PG_PASS:?database password required}\n  web:\n    image: ghcr.io/acme/web:1.0\n    environment:\n      SECRET_KEY: ${SECRET_KEY}\n      API_TOKEN: ${API_TOKEN}\n";
    let imported = import_project(
        compose,
        &[(
            ".env",
            "PG_PASS=Wq3vX9pLr2mTz8Kd\nSECRET_KEY=hN4kP8zQ2wX6vB9mR3tY7cL5\n",
        )],
        &["-q"],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    assert_holds(
        &imported.stderr(),
        &["stackc: the spec reads `PG_PASS`, `SECRET_KEY` from the environment `docker compose` runs in, as the project's .env sets them; compose reads the .env beside compose.yaml (in the output folder), not this one: pass it, `docker compose --env-file .env -f out/compose.yaml up`"],
    );
    // The host's alone, as in the compose file: nothing new to pass.
    assert!(!imported.stderr().contains("API_TOKEN"), "{}", imported.stderr());
}

/// authentik's order: `environment` (whose secret key import moves into
/// an env file of its own) before `env_file: [.env]`. The moved variables
/// come after the service's own env files, as `environment` overrode them
/// and as compose must have read `.env` to fill `${VAR}` in them.
#[test]
fn an_env_file_of_moved_passwords_comes_after_the_services_own() {
    let compose = "services:\n  server:\n    image: ghcr.io/goauthentik/server:2025.2.4\n    environment:\n      AUTHENTIK_SECRET_KEY: ${AUTHENTIK_SECRET_KEY:?secret key required}\n    env_file:\n      - .env\n";
    let imported = import_project(
        compose,
        &[(".env", "AUTHENTIK_SECRET_KEY=hN4kP8zQ2wX6vB9mR3tY7cL5\n")],
        &[],
    );
    let spec = imported.spec();
    assert!(imported.out.status.success(), "{}\n{spec}", imported.stderr());
    let own = spec.find("env_file \".env\"").expect("the service's env file");
    let moved = spec
        .find("env_file \"env/server.env\"")
        .expect("the moved passwords' env file");
    assert!(own < moved, "{spec}");
    let built = support::build(&imported.spec_path(), &imported.root().join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    assert_holds(
        &read(imported.root(), "out/compose.yaml"),
        &["    env_file:\n    - ../.env\n    - ../env/server.env\n"],
    );
}

/// A service's UDP ports are carried (`publish 3478 -> 3478/udp`); a
/// proxy's (HTTP/3's QUIC on 443/udp) are dropped and reported: stackc's
/// nginx serves HTTP over TCP, and a spec publishing one would not build.
#[test]
fn udp_ports_are_carried_but_a_proxys() {
    let conf = "proxy/conf.d/default.conf";
    let imported = import_project(
        "services:\n  turn:\n    image: coturn/coturn:4.6.3\n    user: \"65534\"\n    ports:\n      - 3478:3478/udp\n      - 3478:3478\n    expose:\n      - 5349/udp\n  backend:\n    image: ghcr.io/acme/api:1.0\n    user: \"1000\"\n  proxy:\n    image: nginx:1.27-alpine\n    volumes:\n      - ./proxy/conf.d:/etc/nginx/conf.d:ro\n    ports:\n      - 80:80\n      - 443:443/udp\n",
        &[(
            conf,
            "server {\n    listen 80;\n    location / {\n        proxy_pass http://backend:8000;\n    }\n}\n",
        )],
        &["--nginx", conf],
    );
    let (root, report) = (imported.root(), imported.report());
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let text = imported.spec();
    assert_holds(
        &text,
        &[
            "    publish 3478 -> 3478/udp\n    publish 3478 -> 3478\n    expose 5349/udp\n",
            "    publish 80 -> 80\n",
        ],
    );
    assert!(!text.contains("443"), "{text}");
    assert!(
        has_finding(&report, "compose.yaml:19:9", "warning", "import-dropped"),
        "{report}"
    );
    assert!(report.contains("a proxy's port that is not TCP"), "{report}");
    let built = support::build(&imported.spec_path(), &root.join("out"));
    assert!(built.status.success(), "{}", support::text(&built.stderr));
    let compose = read(root, "out/compose.yaml");
    assert_holds(&compose, &["- '0.0.0.0:3478:3478/udp'", "- '5349/udp'"]);
}

/// A protocol from a variable is its default, noted, as the port's other
/// fields are; one without a default is the host's to say, so the port is
/// not guessed to be TCP.
#[test]
fn a_port_protocol_from_a_variable_is_its_default_or_the_hosts() {
    let imported = import_project(
        "services:\n  turn:\n    image: coturn/coturn:4.6.3\n    user: \"65534\"\n    ports:\n      - target: 3478\n        published: \"3478\"\n        protocol: ${TURN_PROTOCOL:-udp}\n      - target: 5349\n        published: \"5349\"\n        protocol: ${TLS_PROTOCOL}\n",
        &[],
        &[],
    );
    assert!(imported.out.status.success(), "{}", imported.stderr());
    let (report, text) = (imported.report(), imported.spec());
    assert_holds(
        &text,
        &["# was protocol ${TURN_PROTOCOL:-udp}\n    publish 3478 -> 3478/udp\n"],
    );
    assert!(!text.contains("5349"), "{text}");
    assert!(
        report.contains("`protocol` is filled from the host's environment"),
        "{report}"
    );
}

/// A variable `.env` sets to nothing is filled in as compose fills it:
/// the empty string, not a null that reads as a value passed through from
/// the host (Supabase's `GOTRUE_URI_ALLOW_LIST: ${ADDITIONAL_REDIRECT_URLS}`).
#[test]
fn a_variable_dotenv_sets_to_nothing_is_the_empty_string() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  auth:\n    image: supabase/gotrue:v2.177.0\n    environment:\n      GOTRUE_URI_ALLOW_LIST: ${ADDITIONAL_REDIRECT_URLS}\n",
        ),
        (".env", "ADDITIONAL_REDIRECT_URLS=\n"),
    ]);
    let root = dir.path();
    let out = import_into(root, &root.join("stack.spec"), "short", &[]);
    let stderr = support::text(&out.stderr);
    let stdout = support::text(&out.stdout);
    assert!(!stdout.contains("passed through"), "{stdout}\n{stderr}");
    assert_holds(&read(root, "stack.spec"), &["GOTRUE_URI_ALLOW_LIST = \"\""]);
}

/// A URL with a password written in it, whose host has a default
/// (`postgres://app:hunter2@${DB_HOST:-db}/app`), and a value of several
/// URLs whose passwords are variables of `.env`: each goes to the env file
/// as written, and no password reaches the spec or the report.
#[test]
fn passwords_in_urls_with_variables_stay_out_of_the_spec_and_the_report() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: node:22.11-alpine\n    environment:\n      DATABASE_URL: postgres://app:hunter2@${DB_HOST:-db}/app\n      BROKERS: amqp://a:${MQ_A}@mq1//;amqp://b:${MQ_B}@mq2//\n",
        ),
        (".env", "MQ_A=Pq4vN8zLk2Wr\nMQ_B=Hk3vQ9zLw2Xp\n"),
    ]);
    let root = dir.path();
    let out = import_into(root, &root.join("stack.spec"), "json", &[]);
    let spec = read(root, "stack.spec");
    for secret in ["hunter2", "Pq4vN8zLk2Wr", "Hk3vQ9zLw2Xp"] {
        assert!(!support::text(&out.stdout).contains(secret), "{secret}");
        assert!(!support::text(&out.stderr).contains(secret), "{secret}");
        assert!(!spec.contains(secret), "{secret}\n{spec}");
    }
    assert_holds(
        &read(root, "env/app.env"),
        &[
            "DATABASE_URL=postgres://app:hunter2@${DB_HOST:-db}/app",
            "BROKERS=amqp://a:${MQ_A}@mq1//;amqp://b:${MQ_B}@mq2//",
        ],
    );
}

/// A built image's local name (`image: example/app:local`, which compose
/// builds and never pulls) is not carried (beside `build`, the spec's
/// `image` is a registry name to push and pull) but said: the report
/// names it and what to write instead (it was dropped quietly).
#[test]
fn a_local_name_for_a_built_image_is_reported_where_it_is_left_out() {
    let imported = import_project(
        "services:\n  app:\n    build: .\n    image: example/app:local\n",
        &[(
            "Dockerfile",
            "FROM alpine:3.22\nUSER 1000\nCMD [\"sleep\", \"infinity\"]\n",
        )],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    assert!(
        !imported.spec().lines().any(|l| l.contains("image ")),
        "{}",
        imported.spec()
    );
    assert!(
        has_finding(&imported.report(), "compose.yaml:4:12", "warning", "import-dropped"),
        "{}",
        imported.report()
    );
    assert!(
        imported.report().contains("`image example/app:local`"),
        "{}",
        imported.report()
    );
}

/// A long-syntax `type: tmpfs` volume (saleor's jaeger) is the same mount
/// as compose's `tmpfs` key, which the spec keeps raw (on a cluster, an
/// emptyDir): kept, with its size, and joined to the service's own `tmpfs`
/// list (it was dropped).
#[test]
fn a_tmpfs_volume_is_kept_as_compose_tmpfs() {
    let imported = import_project(
        "services:\n  jaeger:\n    image: jaegertracing/jaeger:2.9.0\n    volumes:\n      - type: tmpfs\n        target: /tmp\n      - type: tmpfs\n        target: /cache\n        tmpfs:\n          size: 64m\n      - type: tmpfs\n        target: /secret\n        tmpfs:\n          mode: 0700\n  cache:\n    image: redis:7.4\n    tmpfs: /run\n    volumes:\n      - type: tmpfs\n        target: /tmp\n",
        &[],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    assert_holds(
        &imported.spec(),
        &[
            r#"compose tmpfs = "[\"/tmp\", \"/cache:size=64m\"]""#,
            r#"compose tmpfs = "[\"/run\", \"/tmp\"]""#,
        ],
    );
    // A mode is reported, not written in the wrong base.
    assert!(!imported.spec().contains("/secret"), "{}", imported.spec());
    assert!(
        has_finding(&imported.report(), "compose.yaml:11:9", "warning", "import-dropped"),
        "{}",
        imported.report()
    );
}

/// Nextcloud's `/.well-known` block, as its documentation writes it:
/// exact matches nested in a prefix location that holds only a `return`
/// and locations are written at the server level, where they answer the
/// same requests (CardDAV and CalDAV discovery was dropped); the nested
/// prefix ones (`acme-challenge`), and a nested location that would
/// inherit from its outer one, are reported as such, with help a user
/// can follow.
#[test]
fn exact_locations_nested_in_a_location_are_lifted_to_the_server() {
    let conf = "server {\n    listen 80;\n    location ^~ /.well-known {\n        location = /.well-known/carddav { return 301 /remote.php/dav/; }\n        location = /.well-known/caldav  { return 301 /remote.php/dav/; }\n        location /.well-known/acme-challenge    { try_files $uri $uri/ =404; }\n        location /.well-known/pki-validation    { try_files $uri $uri/ =404; }\n        return 301 /index.php$request_uri;\n    }\n    location /static/ {\n        add_header Cache-Control public;\n        location = /static/robots.txt { return 200 \"ok\"; }\n        proxy_pass http://app:8000;\n    }\n    location / {\n        proxy_pass http://app:8000;\n    }\n}\n";
    let imported = import_project(
        "services:\n  app:\n    image: ghcr.io/example/app:1.0.0\n    expose: [\"8000\"]\n  web:\n    image: nginx:1.30\n    ports: [\"8080:80\"]\n    volumes:\n      - ./default.conf:/etc/nginx/conf.d/default.conf:ro\n",
        &[("default.conf", conf)],
        &["--nginx", "default.conf"],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    assert_holds(
        &imported.spec(),
        &[
            "    location = /.well-known/carddav {\n        return 301 \"/remote.php/dav/\"\n    }",
            "    location = /.well-known/caldav {",
        ],
    );
    assert!(!imported.spec().contains("/static/robots.txt"), "{}", imported.spec());
    let report = imported.report();
    assert!(
        has_finding(&report, "default.conf:6:9", "warning", "import-dropped"),
        "{report}"
    );
    assert!(
        has_finding(&report, "default.conf:12:9", "warning", "import-dropped"),
        "{report}"
    );
    assert!(
        report.contains("inside a location: the spec's locations are one level deep"),
        "{report}"
    );
    assert_eq!(report.matches("import-dropped").count(), 3, "{report}");
}

/// netbox-docker's layout: the project's own `env/postgres.env` is where
/// import would write its copy without the password; the copy takes
/// another name (`env/postgres_2.env`) and the project's file is left as it
/// was (import stopped with "exists with other contents").
#[test]
fn a_file_of_the_project_where_an_env_file_would_go_is_left_alone() {
    let original = "POSTGRES_USER=app\nPOSTGRES_PASSWORD=J5brHrAXFLQSif0K\n";
    let imported = import_project(
        "services:\n  postgres:\n    image: postgres:16.4\n    env_file: env/postgres.env\n",
        &[("env/postgres.env", original)],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    assert_holds(&imported.spec(), &["env_file \"env/postgres_2.env\""]);
    assert_eq!(read(imported.root(), "env/postgres.env"), original);
    assert!(!read(imported.root(), "env/postgres_2.env").contains("J5brHrAXFLQSif0K"));
}

/// A volume compose knows by another name (`name: oldapp_pgdata`) or that
/// an earlier deployment made (`external: true`) keeps that volume, and
/// its data: `volume pgdata name "oldapp_pgdata"`, `volume legacy
/// external` (the spec's volume was a new, empty `PROJECT_pgdata`). The
/// spec builds into the same compose declarations, which docker compose
/// reads.
#[test]
fn a_volume_named_or_made_elsewhere_keeps_its_data() {
    let imported = import_project(
        "services:\n  db:\n    image: redis:7.4\n    volumes:\n      - pgdata:/data\n      - legacy:/srv/legacy\nvolumes:\n  pgdata:\n    name: oldapp_pgdata\n  legacy:\n    external: true\n    name: legacy\n",
        &[],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    assert_holds(
        &imported.spec(),
        &["volume pgdata name \"oldapp_pgdata\"\n", "volume legacy external\n"],
    );
    assert!(!imported.report().contains("import-dropped"), "{}", imported.report());
    let out = imported.root().join("out");
    let build = support::build(&imported.spec_path(), &out);
    assert!(build.status.success(), "{}", support::text(&build.stderr));
    let compose = read(&out, "compose.yaml");
    assert_holds(
        &compose,
        &["volumes:\n  pgdata:\n    name: oldapp_pgdata\n  legacy:\n    external: true\n"],
    );
    let (code, report) = support::validate(&out);
    assert_eq!(code, 0, "{report}");
}

/// A project whose folder's name starts with a digit (`2fauth`) is a
/// stack of that name, as compose's project is (import wrote no `stack`
/// line and the spec did not check); a folder with no letter or digit
/// is reported with what to write.
#[test]
fn a_project_named_with_a_digit_first_is_a_stack_of_that_name() {
    let parent = tempfile::tempdir().unwrap();
    for (folder, expected) in [("2fauth", Some("stack 2fauth\n")), ("___", None)] {
        let root = parent.path().join(folder);
        std::fs::create_dir(&root).unwrap();
        std::fs::write(
            root.join("compose.yaml"),
            "services:\n  web:\n    image: nginxinc/nginx-unprivileged:1.27\n",
        )
        .unwrap();
        let out = import_into(&root, &root.join("stack.spec"), "short", &[]);
        let spec = std::fs::read_to_string(root.join("stack.spec"))
            .unwrap_or_else(|e| panic!("{folder}: {e}\n{}", support::text(&out.stderr)));
        match expected {
            Some(line) => {
                assert!(out.status.success(), "{}", support::text(&out.stderr));
                assert_holds(&spec, &[line]);
            }
            None => {
                let report = support::text(&out.stdout);
                assert!(report.contains("no project name a stack can take"), "{report}");
            }
        }
    }
}

/// awesome-compose's nginx-wsgi-flask: the build folder's nginx.conf holds
/// only `http` settings and `include conf.d/*.conf`; the server is in a
/// mounted file a start script fills with `envsubst`. The proxy is read
/// from the file with the server (it had no location: 404 for everything),
/// its `$FLASK_SERVER_ADDR` filled from the service's environment, the
/// nginx.conf's `client_max_body_size` carried into the server, and
/// `add_header Content-Type` (a second Content-Type header) written as
/// `default_type`. The nginx.conf's other `http` settings (`gzip`, a log
/// format and the access log that uses it) are raw `nginx http` lines,
/// and its main context's `pid` is reported dropped: they were left out
/// without a word. The build passes the validators.
#[test]
fn a_server_in_a_mounted_file_beside_an_http_only_nginx_conf_is_the_proxys() {
    let nginx_conf = "pid /var/run/nginx.pid;\nevents {\n    worker_connections 1024;\n}\nhttp {\n    include /etc/nginx/mime.types;\n    log_format main_ext '$remote_addr [$time_local] \"$request\" rt=$request_time';\n    access_log /dev/stdout main_ext;\n    keepalive_timeout 65;\n    gzip on;\n    client_max_body_size 8m;\n    include /etc/nginx/conf.d/*.conf;\n}\n";
    let default_conf = "server {\n    listen 80;\n    location / {\n        proxy_pass http://$FLASK_SERVER_ADDR;\n        proxy_set_header Host $host;\n    }\n    location /health-check {\n        add_header Content-Type text/plain;\n        return 200 \"success\";\n    }\n}\n";
    let imported = import_project(
        "services:\n  nginx-proxy:\n    build: nginx\n    volumes:\n      - ./nginx/default.conf:/tmp/default.conf\n    environment:\n      - FLASK_SERVER_ADDR=flask-app:8000\n    ports:\n      - \"80:80\"\n  flask-app:\n    image: ghcr.io/example/flask:1.0.0\n    expose: [\"8000\"]\n",
        &[
            ("nginx/Dockerfile", "FROM nginx:1.27-alpine\nCOPY nginx.conf /etc/nginx/nginx.conf\n"),
            ("nginx/nginx.conf", nginx_conf),
            ("nginx/default.conf", default_conf),
        ],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    let spec = imported.spec();
    assert_holds(
        &spec,
        &[
            "    upstream flask-app {\n        server flask-app:8000\n    }",
            "    client_max_body_size 8M\n",
            "    location / {\n        proxy_pass flask-app\n",
            "        nginx \"default_type text/plain\"\n",
            "    nginx http \"log_format main_ext \\\"$remote_addr [$time_local] \\\\\\\"$request\\\\\\\" rt=$request_time\\\"\"\n",
            "    nginx http \"access_log /dev/stdout main_ext\"\n",
            "    nginx http \"keepalive_timeout 65\"\n",
            "    nginx http \"gzip on\"\n",
        ],
    );
    let report = imported.report();
    assert!(
        report.contains("`$FLASK_SERVER_ADDR` filled from the service's environment"),
        "{report}"
    );
    assert!(
        report
            .lines()
            .any(|l| l.contains("nginx `pid`") && l.contains("import-dropped")),
        "{report}"
    );
    assert!(
        !report.contains("nginx `include`"),
        "the include of conf.d is the site read: {report}"
    );
    let out = imported.root().join("out");
    let build = support::build(&imported.spec_path(), &out);
    assert!(build.status.success(), "{}", support::text(&build.stderr));
    let (code, validated) = support::validate(&out);
    assert_eq!(code, 0, "{validated}");
}

/// The official image's templates: a folder mounted at
/// /etc/nginx/templates whose `default.conf.template` names
/// `${BACKEND_HOST}`, which the image fills from the environment when it
/// starts. It is the proxy's config, the variable filled (it was not read
/// at all: a bare proxy).
#[test]
fn a_template_folder_of_the_official_image_is_the_proxys_config() {
    let template = "server {\n    listen 80;\n    location /api/ {\n        proxy_pass http://${BACKEND_HOST}:${BACKEND_PORT};\n    }\n}\n";
    let imported = import_project(
        "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n    environment:\n      BACKEND_HOST: api\n      BACKEND_PORT: \"3000\"\n    volumes:\n      - ./templates:/etc/nginx/templates:ro\n  api:\n    image: ghcr.io/example/api:2.1.0\n    expose: [\"3000\"]\n",
        &[("templates/default.conf.template", template)],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    assert_holds(
        &imported.spec(),
        &[
            "proxy web {",
            "    upstream api {\n        server api:3000\n    }",
            "    location /api/ {\n        proxy_pass api\n",
        ],
    );
}

/// `redis-server --appendonly yes --requirepass ${REDIS_PASSWORD}` (the
/// password from the project's .env): a secret that reads the same
/// variable, and a command that reads the secret's file where the server
/// starts, as the image's user (the whole command was left out: Redis ran
/// with no password, and without `--appendonly`). No password in the spec
/// or the report, and lint finds neither an open data store nor a root
/// container.
#[test]
fn a_redis_password_from_the_environment_is_read_from_a_secret() {
    for command in [
        "redis-server --appendonly yes --requirepass ${REDIS_PASSWORD}",
        "[\"redis-server\", \"--appendonly\", \"yes\", \"--requirepass\", \"$REDIS_PASSWORD\"]",
    ] {
        let imported = import_project(
            &format!(
                "services:\n  cache:\n    image: redis:7.4\n    command: {command}\n    healthcheck:\n      \
                 test: [\"CMD\", \"redis-cli\", \"-a\", \"${{REDIS_PASSWORD}}\", \"ping\"]\n"
            ),
            &[(".env", "REDIS_PASSWORD=Zq8vLw2pXk77aa\n")],
            &[],
        );
        assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
        let spec = imported.spec();
        assert_holds(
            &spec,
            &[
                "secret cache_redis_password env REDIS_PASSWORD\n",
                "    secret REDIS_PASSWORD = cache_redis_password\n",
                "    user redis\n",
                r#"    command ["sh", "-c", "exec redis-server --appendonly yes --requirepass \"$(cat \"$REDIS_PASSWORD_FILE\")\""]"#,
                // Its check reads the same file (it was dropped).
                r#"    ready cmd "redis-cli -a \"$(cat \"$REDIS_PASSWORD_FILE\")\" ping""#,
            ],
        );
        let everything = format!("{spec}{}{}", imported.report(), imported.stderr());
        assert!(!everything.contains("Zq8vLw2pXk77aa"), "{everything}");
        let found = imported.lint_findings();
        assert!(
            !found.contains("open-data-store") && !found.contains("runs-as-root"),
            "{found}"
        );
    }
}

/// A password written out (`redis-server --requirepass hunter2`, with the
/// same in its healthcheck's `redis-cli -a`) moves into a secret file the
/// command and the check read where they run: the whole command was left
/// out, and Redis ran with no password at all.
#[test]
fn a_redis_password_written_out_moves_into_a_secret_file() {
    let imported = import_project(
        "services:\n  cache:\n    image: redis:7.4\n    command: redis-server --appendonly yes --requirepass Zq8vLw2pXk77aa\n    \
         healthcheck:\n      test: [\"CMD\", \"redis-cli\", \"-a\", \"Zq8vLw2pXk77aa\", \"ping\"]\n",
        &[],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    let spec = imported.spec();
    assert_holds(
        &spec,
        &[
            "secret cache_redis_password file \"secrets/cache_redis_password.txt\"\n",
            "    secret REDIS_PASSWORD = cache_redis_password\n",
            "    user redis\n",
            r#"    command ["sh", "-c", "exec redis-server --appendonly yes --requirepass \"$(cat \"$REDIS_PASSWORD_FILE\")\""]"#,
            r#"    ready cmd "redis-cli -a \"$(cat \"$REDIS_PASSWORD_FILE\")\" ping""#,
        ],
    );
    assert_eq!(
        read(imported.root(), "secrets/cache_redis_password.txt"),
        "Zq8vLw2pXk77aa"
    );
    let everything = format!("{spec}{}{}", imported.report(), imported.stderr());
    assert!(!everything.contains("Zq8vLw2pXk77aa"), "{everything}");
    let found = imported.lint_findings();
    assert!(
        !found.contains("secret-in-command") && !found.contains("open-data-store"),
        "{found}"
    );
}

/// Langfuse's Redis: the server's options alone (the image's entrypoint
/// runs `redis-server` with them) and a password with a default,
/// `${REDIS_AUTH:-myredissecret}`, which its healthcheck repeats: the
/// default (no `.env` sets it) moves into a secret file both read, the
/// other options stay. The whole command was left out: Redis ran with no
/// password and without `--maxmemory-policy noeviction`. Where the `.env`
/// sets the variable, its value is the password.
#[test]
fn a_redis_password_with_a_default_in_options_alone_is_read_from_a_secret() {
    let imported = import_project(
        "services:\n  redis:\n    image: redis:7.4\n    command: --requirepass ${REDIS_AUTH:-myredissecret} --maxmemory-policy noeviction\n    \
         healthcheck:\n      test: [\"CMD\", \"redis-cli\", \"-a\", \"${REDIS_AUTH:-myredissecret}\", \"ping\"]\n  \
         other:\n    image: redis:7.4\n    command: redis-server --requirepass ${OTHER_AUTH:-weakdefault1}\n",
        &[(".env", "OTHER_AUTH=Zq8vLw2pXk77aa\n")],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    let spec = imported.spec();
    assert_holds(
        &spec,
        &[
            "    secret REDIS_AUTH = redis_redis_auth\n",
            r#"    command ["sh", "-c", "exec redis-server --requirepass \"$(cat \"$REDIS_AUTH_FILE\")\" --maxmemory-policy noeviction"]"#,
            r#"    ready cmd "redis-cli -a \"$(cat \"$REDIS_AUTH_FILE\")\" ping""#,
        ],
    );
    assert_eq!(read(imported.root(), "secrets/redis_redis_auth.txt"), "myredissecret");
    let everything = format!("{spec}{}{}", imported.report(), imported.stderr());
    assert!(
        !everything.contains("myredissecret") && !everything.contains("Zq8vLw2pXk77aa"),
        "{everything}"
    );
    assert!(!everything.contains("weakdefault1"), "{everything}");
    let other = std::fs::read_dir(imported.root().join("secrets")).unwrap();
    let held: Vec<String> = other
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    assert!(held.contains(&"Zq8vLw2pXk77aa".to_string()), "{held:?}");
    assert!(!imported.report().contains("import-dropped"), "{}", imported.report());
}

/// A value the project's `.env` fills under a name that says nothing
/// (`DBP`) into a place that holds a password (`--password=${DBP}`): the
/// report names the variable, never its value (it printed
/// `DBP=cmdpw_...` into CI logs while the value itself moved into an env
/// file).
#[test]
fn the_report_never_shows_a_value_the_dotenv_fills() {
    let imported = import_project(
        "services:\n  web:\n    image: ghcr.io/acme/web:1.0\n    environment:\n      OPTS: \"--password=${DBP}\"\n      \
         LABEL: \"${SITE}\"\n",
        &[(".env", "DBP=cmdpw_Vb72NcX31aa\nSITE=shop\n")],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    let shown = format!("{}{}", imported.report(), imported.stderr());
    assert!(!shown.contains("cmdpw_Vb72NcX31aa"), "{shown}");
    assert!(!imported.spec().contains("cmdpw_Vb72NcX31aa"), "{}", imported.spec());
    assert!(shown.contains("filled from the project's .env: `DBP`"), "{shown}");
}

/// A healthcheck whose variables have defaults (twenty's `pg_isready -U
/// ${PG_USER:-postgres}`) runs with them, as its `environment` beside it
/// does: it was left out, and the spec then failed `check` (a service
/// waited for the database to be ready, which had no check).
#[test]
fn a_healthcheck_with_defaults_runs_with_them() {
    let imported = import_project(
        "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_USER: ${PG_USER:-postgres}\n      \
         POSTGRES_PASSWORD_FILE: /run/secrets/pg\n    secrets: [pg]\n    healthcheck:\n      test: pg_isready -U ${PG_USER:-postgres} -h localhost\n  \
         app:\n    image: ghcr.io/acme/app:1.0\n    depends_on:\n      db:\n        condition: service_healthy\n\
         secrets:\n  pg:\n    file: ./pg.txt\n",
        &[("pg.txt", "Zq8vLw2pXk77aa\n")],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    assert_holds(
        &imported.spec(),
        &[r#"    ready cmd "pg_isready -U postgres -h localhost""#],
    );
    let report = imported.report();
    assert!(
        has_finding(&report, "compose.yaml:9:13", "info", "import-filled"),
        "{report}"
    );
    imported.assert_spec_checks();
}

/// `--requirepass` stays where it was: after a config file named first
/// (Redis reads a first argument that is no option as its config file; put
/// before it, the file became a second value of `--requirepass`). A host
/// folder the server writes is said to need its user's uid, which the
/// image's entrypoint gave it when it started as root. Another image's
/// Redis (Bitnami's, with no user `redis`) is left as before.
#[test]
fn a_redis_password_command_keeps_its_config_file_first() {
    let imported = import_project(
        "services:\n  cache:\n    image: redis:7.4\n    command: redis-server /usr/local/etc/redis/redis.conf --requirepass ${REDIS_PASSWORD} --save \"60 1\"\n    volumes:\n      - ./data:/data\n  other:\n    image: bitnami/redis:7.4\n    command: redis-server --requirepass ${REDIS_PASSWORD}\n",
        &[(".env", "REDIS_PASSWORD=Zq8vLw2pXk77aa\n")],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    assert_holds(
        &imported.spec(),
        &[
            r#"command ["sh", "-c", "exec redis-server /usr/local/etc/redis/redis.conf --requirepass \"$(cat \"$REDIS_PASSWORD_FILE\")\" --save '60 1'"]"#,
        ],
    );
    assert_eq!(imported.spec().matches("user redis").count(), 1, "{}", imported.spec());
    let report = imported.report();
    assert!(
        report.contains("the host folder `./data` it writes must be the image's user's (uid 999)"),
        "{report}"
    );
    assert!(
        has_finding(&report, "compose.yaml:9:14", "warning", "import-dropped"),
        "{report}"
    );
}

/// Let's Encrypt's `fullchain.pem` and `privkey.pem` as compose secrets:
/// a name the spec cannot write is written with `_` for the dot, the
/// proxy's TLS reads them (it was dropped with them, and the TLS port
/// failed the check), and an app's containers still find theirs at
/// `/run/secrets/api.key`.
#[test]
fn secrets_named_like_files_are_renamed_and_keep_their_place() {
    let imported = import_project(
        "services:\n  web:\n    image: ghcr.io/acme/web:1.0\n    user: \"1000\"\n    secrets:\n      - api.key\n  gateway:\n    image: nginx:1.27\n    ports:\n      - 443:443\n    volumes:\n      - ./gateway.conf:/etc/nginx/conf.d/default.conf:ro\n    secrets:\n      - fullchain.pem\n      - privkey.pem\nsecrets:\n  fullchain.pem:\n    file: ./certs/fullchain.pem\n  privkey.pem:\n    file: ./certs/privkey.pem\n  api.key:\n    file: ./certs/api.key\n",
        &[
            (
                "gateway.conf",
                "server {\n    listen 443 ssl;\n    ssl_certificate /run/secrets/fullchain.pem;\n    ssl_certificate_key /run/secrets/privkey.pem;\n    location / {\n        proxy_pass http://web:8000;\n    }\n}\n",
            ),
            ("certs/fullchain.pem", "c\n"),
            ("certs/privkey.pem", "k\n"),
            ("certs/api.key", "a\n"),
        ],
        &["--nginx", "gateway.conf"],
    );
    let (spec, report) = (imported.spec(), imported.report());
    assert!(imported.out.status.success(), "{}", imported.stderr());
    assert_holds(
        &spec,
        &[
            "secret fullchain_pem file \"./certs/fullchain.pem\"",
            "tls certificate fullchain_pem key privkey_pem",
            "secret api_key at /run/secrets/api.key",
        ],
    );
    assert!(!report.contains("import-dropped"), "{report}");
    imported.assert_spec_checks();
}

/// Two compose secrets the spec would write alike (`api.key` and
/// `api_key`) stay two: the one named as the spec names keeps its name,
/// the other is renamed around it (both were `api_key`, which the check
/// refused). A proxy that mounts a secret under another name (`target:
/// fullchain.pem` of `tls_cert`) reads the secret it mounts there (the
/// spec named an undeclared `fullchain_pem`).
#[test]
fn secret_names_stay_apart_and_follow_their_target() {
    let imported = import_project(
        "services:\n  web:\n    image: ghcr.io/acme/web:1.0\n    user: \"1000\"\n    secrets:\n      - api.key\n      - api_key\n  gateway:\n    image: nginx:1.27\n    ports:\n      - 443:443\n    volumes:\n      - ./gateway.conf:/etc/nginx/conf.d/default.conf:ro\n    secrets:\n      - source: tls_cert\n        target: fullchain.pem\n      - source: tls_key\n        target: /etc/nginx/privkey.pem\nsecrets:\n  api.key:\n    file: ./certs/api.key\n  api_key:\n    file: ./certs/api_key\n  tls_cert:\n    file: ./certs/cert.pem\n  tls_key:\n    file: ./certs/key.pem\n",
        &[
            (
                "gateway.conf",
                "server {\n    listen 443 ssl;\n    ssl_certificate /run/secrets/fullchain.pem;\n    ssl_certificate_key /etc/nginx/privkey.pem;\n    location / {\n        proxy_pass http://web:8000;\n    }\n}\n",
            ),
            ("certs/api.key", "a\n"),
            ("certs/api_key", "b\n"),
            ("certs/cert.pem", "c\n"),
            ("certs/key.pem", "k\n"),
        ],
        &["--nginx", "gateway.conf"],
    );
    let (spec, report) = (imported.spec(), imported.report());
    assert!(imported.out.status.success(), "{}", imported.stderr());
    assert_holds(
        &spec,
        &[
            "secret api_key file \"./certs/api_key\"",
            "secret api_key_2 file \"./certs/api.key\"",
            "secret api_key_2 at /run/secrets/api.key",
            "tls certificate tls_cert key tls_key",
        ],
    );
    assert!(!report.contains("import-dropped"), "{report}");
    imported.assert_spec_checks();
}

/// Access rules of the nginx config: a location that refuses every
/// request (`location ~ /\. { deny all; }`) answers 403 (it was dropped:
/// `/.env` was proxied), and an `if` or `limit_except` that refuses some
/// requests, which the spec cannot write, fails the import (the
/// location was written open to them, and `build accepts` said).
#[test]
fn access_rules_are_kept_or_fail_the_import() {
    let imported = import_project(
        "services:\n  web:\n    image: ghcr.io/acme/web:1.0\n    user: \"1000\"\n  gateway:\n    image: nginx:1.27\n    ports:\n      - 80:80\n    volumes:\n      - ./gateway.conf:/etc/nginx/conf.d/default.conf:ro\n",
        &[(
            "gateway.conf",
            "server {\n    listen 80;\n    location / {\n        proxy_pass http://web:8000;\n    }\n    location ~ /\\. {\n        deny all;\n    }\n    location /files/ {\n        access_log off;\n        if ($request_method = POST) {\n            return 405;\n        }\n    }\n    location /secure/ {\n        if ($http_x_token != \"abc\") {\n            return 403;\n        }\n        proxy_pass http://web:8000;\n    }\n    location /lim/ {\n        limit_except GET {\n            deny all;\n        }\n        proxy_pass http://web:8000;\n    }\n}\n",
        )],
        &["--nginx", "gateway.conf"],
    );
    let (spec, report) = (imported.spec(), imported.report());
    assert_eq!(imported.out.status.code(), Some(1), "{report}");
    assert!(
        spec.contains("location ~ \"/\\\\.\" {\n        nginx \"deny all\"\n        return 403"),
        "{spec}"
    );
    // A location that refuses some requests only is no `return 403`.
    assert!(!spec.contains("location /files/"), "{spec}");
    for at in ["gateway.conf:16:9", "gateway.conf:22:9"] {
        assert!(has_finding(&report, at, "error", "import-dropped"), "{at}:\n{report}");
    }
    assert!(
        imported.stderr().contains("more open than the project"),
        "{}",
        imported.stderr()
    );
}

/// A spec import writes that `stackc build` refuses: the last line counts
/// lint's warnings too (the summary above counts only the errors shown,
/// so it said "0 warnings" of a spec with seven).
#[test]
fn a_refused_spec_still_has_its_lint_warnings_counted() {
    let imported = import_project(
        "services:\n  db:\n    image: mysql:8.4\n    environment:\n      MYSQL_ROOT_PASSWORD: root\n",
        &[],
        &[],
    );
    let stderr = imported.stderr();
    assert!(
        stderr.contains("stack.spec until its 1 lint error(s)")
            && stderr.contains("; 1 lint warning(s) are not shown here"),
        "{stderr}"
    );
}

/// A build folder the project does not have: the spec is written, `check`
/// refuses it (`stackc build` would), and import says so with exit 1, as
/// its exit table says; it exited 0 (red team 18).
#[test]
fn a_spec_check_refuses_is_written_and_the_exit_is_1() {
    let imported = import_project(
        "services:\n  web:\n    build:\n      context: ./nope\n    user: \"1000\"\n",
        &[],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(1), "{}", imported.stderr());
    assert!(imported.spec().contains("build ./nope"), "{}", imported.spec());
    assert!(imported.report().contains("[missing-file]"), "{}", imported.report());
}

/// awesome-compose's nginx-aspnet-mysql: the proxy's Dockerfile copies its
/// site (a file named `conf`) to conf.d. It is the proxy's config, read
/// as such; it was not looked for, and the proxy stayed a plain service
/// of the nginx image without a word.
#[test]
fn a_config_the_proxys_dockerfile_copies_is_its_config() {
    let imported = import_project(
        "services:\n  backend:\n    image: ghcr.io/acme/api:1.0\n    user: \"1000\"\n  proxy:\n    build: proxy\n    ports:\n      - 80:80\n",
        &[
            ("proxy/Dockerfile", "FROM nginx:1.27-alpine\nCOPY conf /etc/nginx/conf.d/default.conf\n"),
            (
                "proxy/conf",
                "server {\n    listen 80;\n    location / {\n        proxy_pass http://backend:8000;\n    }\n}\n",
            ),
        ],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    assert_holds(
        &imported.spec(),
        &[
            "proxy proxy {",
            "# nginx config: ./proxy/conf",
            "        proxy_pass backend\n",
        ],
    );
}

/// Names and keys that hold line breaks (a compose `x-` key, a
/// `depends_on` entry, a service's network) would be statements of their
/// own in the spec: a `# stackc: allow(...)` and a privileged setting no
/// file had. Each is reported dropped and none reaches the spec (red team
/// 19). And a spec that is a link out of the project is not written
/// through, even with `--force` (it replaced the link's target).
#[cfg(unix)]
#[test]
fn names_with_line_breaks_and_a_spec_linked_out_write_nothing_of_theirs() {
    let injected =
        "\\n    # stackc: allow(privileged-container)\\n    compose privileged = \\\"true\\\"\\n    mount / at /host";
    let compose = format!(
        "services:\n  web:\n    image: nginx:1.27.3\n    user: \"101\"\n    \"x-note{injected}\": 1\n    depends_on:\n      - \"db{injected}\"\n    networks:\n      - \"front{injected}\"\n  db:\n    image: redis:7.4.1\n    user: \"999\"\nnetworks:\n  front: {{}}\n"
    );
    let imported = import_project(&compose, &[], &[]);
    let spec = imported.spec();
    assert!(
        !spec.contains("privileged") && !spec.contains("/host") && !spec.contains("allow("),
        "{spec}"
    );
    let report = imported.report();
    assert_eq!(report.matches("[import-dropped]").count(), 3, "{report}");

    let outside = project(&[
        ("elsewhere/bashrc", "mine\n"),
        (
            "repo/compose.yaml",
            "services:\n  web:\n    image: nginx:1.27.3\n    user: \"101\"\n",
        ),
    ]);
    let repo = outside.path().join("repo");
    std::fs::create_dir(repo.join(".git")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("elsewhere/bashrc"), repo.join("stack.spec")).unwrap();
    let out = import_into(&repo, &repo.join("stack.spec"), "short", &["--force"]);
    assert!(!out.status.success(), "{}", support::text(&out.stderr));
    assert_eq!(read(outside.path(), "elsewhere/bashrc"), "mine\n");
}

/// Booleans as compose reads them: `yes`, `on`, `True`, `"yes"` and a
/// variable's default are true for `internal`, a mount's `read_only` and
/// `external`. They were read as false without a word: the database's
/// network got a route out and a read-only mount became writable (red
/// team 19).
#[test]
fn compose_booleans_of_every_spelling_keep_their_settings() {
    let imported = import_project(
        "services:\n  app:\n    image: ghcr.io/acme/app:1.0\n    user: \"1000\"\n    networks: [back, side]\n    volumes:\n      - {type: bind, source: ./conf, target: /conf, read_only: yes}\n      - {type: volume, source: data, target: /data, read_only: \"${RO:-true}\"}\nnetworks:\n  back:\n    internal: True\n  side:\n    internal: \"on\"\nvolumes:\n  data:\n    external: yes\n",
        &[("conf/app.ini", "[app]\n")],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    assert_holds(
        &imported.spec(),
        &[
            "volume data external\n",
            "network back internal\n",
            "network side internal\n",
            "    mount ./conf at /conf ro\n",
            "    mount data at /data ro\n",
        ],
    );
}

/// `user: "${PUID:-1000}:${PGID:-1000}"` (the linuxserver images' way) is
/// its default, reported as filled in, as `ports` are: it was dropped, and
/// the container ran as the image's own user, root for most (red team 19).
#[test]
fn a_user_from_variables_with_defaults_is_their_defaults() {
    let imported = import_project(
        "services:\n  app:\n    image: ghcr.io/acme/app:1.0\n    user: \"${PUID:-1000}:${PGID:-1000}\"\n",
        &[],
        &[],
    );
    assert_eq!(imported.out.status.code(), Some(0), "{}", imported.stderr());
    assert_holds(&imported.spec(), &["    user 1000:1000\n"]);
    assert!(imported.report().contains("[import-filled]"), "{}", imported.report());
}

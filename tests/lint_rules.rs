//! Every lint rule has a spec that triggers it and one that does not, under
//! `tests/lint/RULE/`; the findings on the trigger spec are snapshotted, and
//! so is the trigger spec after `--fix` for the rules that offer fixes.

mod support;

use stackc::lint::registry;
use stackc::render::{HumanRenderer, DEFAULT_WIDTH};
use stackc::source::SourceFile;

/// Lints a rule's spec. A rule folder that holds folders besides its
/// specs (an app with its own Dockerfile, an env file) is read as a
/// project, with every file its specs name; the others from their text.
fn lint(rule: &str, case: &str) -> (SourceFile, Vec<stackc::diagnostic::Diagnostic>, Vec<SourceFile>) {
    let folder = support::repo().join(format!("tests/lint/{rule}"));
    let path = folder.join(format!("{case}.spec"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("rule `{rule}` needs {}: {e}", path.display()));
    let source = SourceFile::new(format!("tests/lint/{rule}/{case}.spec"), text);
    let policy = stackc::lint::policy::Policy::default();
    let files = project_files(rule);
    let options = stackc::Options {
        policy: Some(&policy),
        files: files.as_ref().map(|f| f as &dyn stackc::input::Files),
        environment: None,
        target: target_of(rule),
        today: Some(support::today()),
    };
    let analysis = stackc::analyze(&source, options);
    let inputs = analysis.stack.map(|s| s.inputs.sources).unwrap_or_default();
    (source, analysis.diagnostics, inputs)
}

/// The files of a rule folder that holds folders besides its specs.
fn project_files(rule: &str) -> Option<stackc::input::Disk> {
    let folder = support::repo().join(format!("tests/lint/{rule}"));
    let is_project = std::fs::read_dir(&folder).unwrap().any(|e| e.unwrap().path().is_dir());
    is_project.then(|| stackc::input::Disk::new(&folder, format!("tests/lint/{rule}")))
}

/// The target a rule is about: its cluster's rules run only for it.
fn target_of(rule: &str) -> stackc::emit::Target {
    registry::find(rule).and_then(|m| m.target).unwrap_or_default()
}

/// The clean specs of a rule: `clean`, then each `clean-CASE`, sorted.
fn clean_cases(rule: &str) -> Vec<String> {
    let folder = support::repo().join(format!("tests/lint/{rule}"));
    let mut cases: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let case = name.strip_suffix(".spec")?;
            (case == "clean" || case.starts_with("clean-")).then(|| case.to_string())
        })
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_rule_triggers_on_its_trigger_spec_only() {
    let mut failures = Vec::new();
    for rule in registry::RULES {
        let name = rule.meta().name;

        let (source, diagnostics, inputs) = lint(name, "trigger");
        let (own, other): (Vec<_>, Vec<_>) = diagnostics.into_iter().partition(|d| d.code == name);
        if own.is_empty() {
            failures.push(format!("`{name}` does not fire on its trigger spec"));
        }
        if let Some(invalid) = other.iter().find(|d| registry::find(d.code).is_none()) {
            failures.push(format!(
                "`{name}`'s trigger spec must be valid apart from lint findings: {invalid:#?}"
            ));
        }
        let report = stackc::render::FileReport::new(&source, &own).with_inputs(&inputs);
        let rendered = HumanRenderer::new(false, DEFAULT_WIDTH).render_report(&report);
        support::insta_settings().bind(|| insta::assert_snapshot!(format!("lint__{name}"), rendered));

        // `clean.spec`, and `clean-CASE.spec` for a case that needs a
        // stack of its own (a stack without a proxy, say).
        for case in clean_cases(name) {
            let (_, diagnostics, _) = lint(name, &case);
            for finding in diagnostics {
                failures.push(format!(
                    "`{name}`'s {case} spec has a finding: {}: {}",
                    finding.code, finding.message
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_is_documented() {
    for rule in registry::RULES {
        let meta = rule.meta();
        let doc = meta.explanation();
        for section in ["## What it does", "## Why is this bad?", "## Example", "## Use instead"] {
            assert!(doc.contains(section), "`{}` lacks `{section}`", meta.name);
        }
        assert!(
            meta.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "`{}` is not kebab-case",
            meta.name
        );
    }
}

#[test]
fn every_fixture_folder_is_a_rule() {
    for entry in std::fs::read_dir(support::repo().join("tests/lint")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(registry::find(&name).is_some(), "tests/lint/{name} names no rule");
    }
}

#[test]
fn every_fix_silences_its_rule_and_keeps_comments() {
    for rule in registry::RULES.iter().filter(|r| r.meta().fixable) {
        let name = rule.meta().name;
        let (source, diagnostics, _) = lint(name, "trigger");
        let own = |d: &&stackc::diagnostic::Diagnostic| d.code == name;
        let unfixable = diagnostics.iter().filter(own).filter(|d| d.fix.is_none()).count();
        assert!(
            diagnostics.iter().filter(own).any(|d| d.fix.is_some()),
            "`{name}` offers no fix on its trigger spec"
        );

        let files = project_files(name);
        let outcome = stackc::fix::fix(
            &source,
            stackc::Options {
                policy: Some(&stackc::lint::policy::Policy::default()),
                files: files.as_ref().map(|f| f as &dyn stackc::input::Files),
                environment: None,
                target: target_of(name),
                today: Some(support::today()),
            },
        );
        let left: Vec<_> = outcome.remaining.diagnostics.iter().filter(own).collect();
        assert_eq!(
            left.len(),
            unfixable,
            "`{name}`: the fixed spec still has fixable findings: {left:#?}\n{}",
            outcome.source.text
        );
        assert!(left.iter().all(|d| d.fix.is_none()), "`{name}`: a fix is offered again");
        assert!(
            outcome
                .remaining
                .diagnostics
                .iter()
                .all(|d| registry::find(d.code).is_some()),
            "`{name}`: the fix broke the spec: {:#?}",
            outcome.remaining.diagnostics
        );
        for comment in source.text.lines().filter_map(|l| l.find('#').map(|i| &l[i..])) {
            assert!(
                outcome.source.text.contains(comment),
                "`{name}`: the fix lost `{comment}`"
            );
        }
        support::insta_settings().bind(|| insta::assert_snapshot!(format!("lint__{name}__fixed"), outcome.source.text));
    }
}

/// The seed article's own stack, written as a spec, trips the rules for
/// each of its mistakes.
#[test]
fn the_seed_mistakes_trigger_their_rules() {
    let path = support::repo().join("tests/fixtures/seed-mistakes.spec");
    let source = SourceFile::new("seed-mistakes.spec", std::fs::read_to_string(path).unwrap());
    let codes: Vec<&str> = stackc::lint(&source).diagnostics.iter().map(|d| d.code).collect();
    for rule in [
        "missing-readiness-wait",
        "default-credentials",
        "eol-runtime",
        "static-not-served",
    ] {
        assert!(
            codes.contains(&rule),
            "`{rule}` does not fire on the seed's mistakes: {codes:?}"
        );
    }
}

/// The spec blocks of one section of a rule's doc (` ```text ` fences), each
/// made a whole spec (`stack example` first, when the block has no `stack`).
fn doc_specs(doc: &str, section: &str) -> Vec<String> {
    let Some(start) = doc.find(section) else {
        return Vec::new();
    };
    let body = &doc[start + section.len()..];
    let body = &body[..body.find("\n## ").unwrap_or(body.len())];
    body.split("```text\n")
        .skip(1)
        .filter_map(|block| block.split_once("```").map(|(spec, _)| spec))
        .map(|spec| match spec.lines().any(|l| l.starts_with("stack ")) {
            true => spec.to_string(),
            false => format!("stack example\n\n{spec}"),
        })
        .collect()
}

/// What a rule's doc tells users to write instead is a spec its own rule
/// is silent on and no rule reports an error on (a user pastes it; advice
/// that blocks a build is worse than none). Other rules' warnings may
/// stand: the examples leave out what is not their point. (Read without
/// the files it names: only the rules speak here.)
#[test]
fn every_rules_advice_lints_clean() {
    let mut failures = Vec::new();
    for rule in registry::RULES {
        let meta = rule.meta();
        for spec in doc_specs(&meta.explanation(), "## Use instead") {
            let source = SourceFile::new(format!("{}.spec", meta.name), spec.clone());
            let policy = stackc::lint::policy::Policy::default();
            let options = stackc::Options {
                policy: Some(&policy),
                files: None,
                environment: None,
                target: target_of(meta.name),
                today: Some(support::today()),
            };
            let analysis = stackc::analyze(&source, options);
            for finding in analysis
                .diagnostics
                .iter()
                .filter(|d| d.code == meta.name || (registry::find(d.code).is_some() && d.is_error()))
            {
                failures.push(format!(
                    "`{}`'s advice: {}: {}\n{spec}",
                    meta.name, finding.code, finding.message
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A URL an env file sets with a well-known password in it is flagged on
/// the spec's `env_file`, as a warning, its value masked; a URL with a
/// password that is neither well-known nor the user name is not.
#[test]
fn a_default_password_in_an_env_files_url_is_a_warning() {
    let (source, diagnostics, inputs) = lint("default-credentials", "url-in-an-env-file");
    let found: Vec<_> = diagnostics.iter().filter(|d| d.code == "default-credentials").collect();
    assert_eq!(found.len(), 1, "{diagnostics:#?}");
    assert_eq!(found[0].message, "`DATABASE_URL` holds a default password");
    assert_eq!(found[0].severity, stackc::diagnostic::Severity::Warning);
    let report = stackc::render::FileReport::new(&source, &diagnostics).with_inputs(&inputs);
    let rendered = HumanRenderer::new(false, DEFAULT_WIDTH).render_report(&report);
    assert!(rendered.contains("feeds.env"), "{rendered}");
    assert!(!rendered.contains("miniflux:secret"), "{rendered}");
    assert!(!rendered.contains("DATABASE_URL=postgres"), "{rendered}");
}

/// An `optional` env file that is not there (Superset's `.env-local`) is
/// one compose skips: the user name the files that are there give still
/// tells that the secret file holds it as the password.
#[test]
fn a_missing_optional_env_file_hides_no_default_password() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[("secrets/pw.txt", "superset\n"), ("db.env", "POSTGRES_USER=superset\n")],
    );
    let spec = "stack bi\n\nsecret pw file \"secrets/pw.txt\"\n\n\
                service db {\n    image postgres:16.4\n    secret POSTGRES_PASSWORD = pw\n    \
                env_file db.env\n    env_file local.env optional\n}\n";
    let stdout = lint_short(dir.path(), spec);
    assert!(
        stdout.contains(
            "error: `POSTGRES_PASSWORD` is set to a default password (at secrets/pw.txt:1) [default-credentials]"
        ),
        "{stdout}"
    );
    // With the file there, its value decides.
    std::fs::write(dir.path().join("local.env"), "POSTGRES_USER=analytics\n").unwrap();
    let stdout = lint_short(dir.path(), spec);
    assert!(!stdout.contains("[default-credentials]"), "{stdout}");
}

/// Laravel's `null` is no password (`MAIL_USERNAME=null` and
/// `MAIL_PASSWORD=null` are not a password that is its user name); a key
/// that says it is a stand-in (`change-this-insecure-key`, Django's
/// `django-insecure-...`) is a default one.
#[test]
fn a_null_is_no_password_and_a_stand_in_key_is_a_default() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[(
            "app.env",
            "MAIL_USERNAME=null\nMAIL_PASSWORD=null\nREDIS_PASSWORD=NULL\n\
             PENPOT_SECRET_KEY=change-this-insecure-key\nDJANGO_SECRET_KEY=django-insecure-7f#x0q@wz1\n",
        )],
    );
    let spec = "stack shop\n\nservice app {\n    image ghcr.io/acme/shop:1.2\n    env_file app.env\n}\n";
    let stdout = lint_short(dir.path(), spec);
    let found: Vec<&str> = stdout.lines().filter(|l| l.contains("[default-credentials]")).collect();
    assert_eq!(found.len(), 2, "{stdout}");
    assert!(
        found[0].contains("`DJANGO_SECRET_KEY` is set to a default value"),
        "{stdout}"
    );
    assert!(
        found[1].contains("`PENPOT_SECRET_KEY` is set to a default value"),
        "{stdout}"
    );
}

/// One password import split between the database's secret file and the
/// app's env file (Mealie's `POSTGRES_PASSWORD` in both services): each
/// finding says the other place must change with it, or the app no longer
/// logs in.
#[test]
fn a_default_password_in_two_places_names_both() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("secrets/postgres_password.txt", "mealie\n"),
            (
                "env/mealie.env",
                "POSTGRES_USER=mealie\nPOSTGRES_PASSWORD=mealie\nPOSTGRES_SERVER=postgres\n",
            ),
        ],
    );
    let spec = "stack recipes\n\nsecret postgres_password file \"secrets/postgres_password.txt\"\n\n\
                service postgres {\n    image postgres:17.2\n    env {\n        POSTGRES_USER = \"mealie\"\n    }\n    \
                secret POSTGRES_PASSWORD = postgres_password\n}\n\n\
                service mealie {\n    image ghcr.io/mealie-recipes/mealie:v2.8.0\n    env_file env/mealie.env\n}\n";
    let found = lint_json(dir.path(), spec);
    let helps: Vec<&str> = (found.iter())
        .filter(|d| d["code"] == "default-credentials")
        .filter_map(|d| d["help"].as_str())
        .collect();
    assert_eq!(helps.len(), 2, "{found:#?}");
    assert!(
        helps
            .iter()
            .any(|h| h.contains("secrets/postgres_password.txt, and the same into `POSTGRES_PASSWORD` of `mealie`")),
        "{helps:?}"
    );
    assert!(
        helps.iter().any(|h| h
            .contains("env/mealie.env where the stack is deployed, and the same into secrets/postgres_password.txt")),
        "{helps:?}"
    );
}

/// An app's key that happens to hold the database's weak password
/// (bakerydemo's `DJANGO_SECRET_KEY=changeme`) is another secret: its help
/// says to replace it alone, not to put the key into the password file.
#[test]
fn a_default_key_equal_to_a_password_is_replaced_alone() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("s/pw.txt", "changeme\n"),
            (
                "app.env",
                "DATABASE_URL=postgres://u:changeme@db/app\nDJANGO_SECRET_KEY=changeme\n",
            ),
        ],
    );
    let spec = "stack b\nsecret pw file \"s/pw.txt\"\nservice db {\n    image postgres:17.6\n    env {\n        \
                POSTGRES_USER = \"u\"\n    }\n    secret POSTGRES_PASSWORD = pw\n}\n\
                service app {\n    image ghcr.io/acme/app:1.0\n    env_file app.env\n}\n";
    let found = lint_json(dir.path(), spec);
    let help = |name: &str| -> String {
        (found.iter())
            .filter(|d| d["code"] == "default-credentials" && d["message"].as_str().unwrap_or_default().contains(name))
            .filter_map(|d| d["help"].as_str())
            .collect()
    };
    assert_eq!(
        help("DJANGO_SECRET_KEY"),
        "put a long random key into app.env where the stack is deployed"
    );
    assert!(
        help("DATABASE_URL").ends_with(", and the same into s/pw.txt"),
        "{found:#?}"
    );
}

/// A weak default compose fills into an env file where the host sets no
/// value (`POSTGRES_PASSWORD=${PG_PASSWORD:-postgres}`, as import writes
/// Twenty's and Langfuse's) is the password the stack runs with; one with
/// no default, or a long one, is not judged.
#[test]
fn a_weak_default_in_an_env_file_is_a_default_password() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("db.env", "POSTGRES_PASSWORD=${PG_PASSWORD:-postgres}\n"),
            ("app.env", "DATABASE_URL=postgres://app:${PG_PASSWORD:-postgres}@db/app\nOTHER_PASSWORD=${OTHER}\nLONG_PASSWORD=${LONG:-Zq8vLw2pXk77aa}\n"),
        ],
    );
    let spec = "stack c\nvolume pg\nservice db {\n    image postgres:17.6\n    env_file db.env\n    \
                mount pg at /var/lib/postgresql/data\n}\nservice app {\n    image ghcr.io/acme/app:1.0\n    env_file app.env\n}\n";
    let found = lint_json(dir.path(), spec);
    let flagged: Vec<&str> = (found.iter())
        .filter(|d| d["code"] == "default-credentials")
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert_eq!(
        flagged,
        [
            "`POSTGRES_PASSWORD` is set to a default password",
            "`DATABASE_URL` holds a default password"
        ],
        "{found:#?}"
    );
}

/// Settings about passwords are no passwords (Gitea's
/// `PASSWORD_COMPLEXITY`, Mattermost's `PASSWORDSETTINGS_*`), nor is a
/// switch under a password's name: each blocked a correct build as a
/// password written in the spec. A well-known number still is one.
#[test]
fn settings_about_passwords_are_no_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let spec = "stack s\nservice web {\n    image gitea/gitea:1.22.6\n    user \"1000\"\n    env {\n        \
                GITEA__security__PASSWORD_COMPLEXITY = \"lower,upper,digit\"\n        \
                GITEA__security__PASSWORD_HASH_ALGO = \"argon2\"\n        MM_PASSWORDSETTINGS_MINIMUMLENGTH = \"10\"\n        \
                PASSWORD_RESET_URL = \"https://x.example/reset\"\n        REQUIRE_PASSWORD = \"true\"\n        \
                SMTP_PASSWORD = \"1234\"\n        DB_PASSWORD = \"58392017\"\n    }\n}\n";
    let found = lint_json(dir.path(), spec);
    let flagged: Vec<&str> = (found.iter())
        .filter(|d| d["severity"] == "error")
        .filter_map(|d| d["message"].as_str())
        .collect();
    // A number under a password's name is a password: written in the spec.
    assert_eq!(
        flagged,
        [
            "`SMTP_PASSWORD` is set to a default password",
            "`DB_PASSWORD` is written in the spec"
        ],
        "{found:#?}"
    );
}

/// Correct specs that errors blocked: a database reached by a compose
/// `links` alias, a secret's path written `/run/secrets/./ak` or with a
/// trailing `/`, and a `server_name` with the DNS root's dot, which Django
/// strips.
#[test]
fn links_secret_paths_and_root_dots_are_read_as_their_targets_read_them() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("secrets/pw.txt", "Zq8vLw2pXk77aa\n"),
            ("secrets/ak.txt", "k3yZq8vLw2pXk77aa\n"),
        ],
    );
    let spec = "stack s\nsecret pw file \"secrets/pw.txt\"\nsecret ak file \"secrets/ak.txt\"\nvolume pg\n\
                service postgres {\n    image postgres:16.4\n    user postgres\n    secret POSTGRES_PASSWORD = pw\n    \
                mount pg at /var/lib/postgresql/data\n}\n\
                service web {\n    image ghcr.io/acme/api:1.0\n    user \"1000\"\n    secret ak\n    env {\n        \
                DB_HOST = \"db\"\n        SECRET_KEY_FILE = \"/run/secrets/./ak\"\n        OTHER_FILE = \"/run/secrets/ak/\"\n        \
                DJANGO_ALLOWED_HOSTS = \"example.com\"\n    }\n    compose links = \"[postgres:db]\"\n}\n\
                proxy nginx {\n    upstream app {\n        server web:8000\n    }\n    server_name example.com.\n    \
                location / {\n        proxy_pass app\n    }\n}\n";
    let found = lint_json(dir.path(), spec);
    let codes: Vec<&str> = (found.iter()).filter_map(|d| d["code"].as_str()).collect();
    for code in ["database-wiring", "secret-path-unmounted", "allowed-hosts-mismatch"] {
        assert!(!codes.contains(&code), "{code}: {found:#?}");
    }
}

/// Writes `files` (path, contents) under `dir`, making folders.
fn write_files(dir: &std::path::Path, files: &[(&str, &str)]) {
    for (path, contents) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}

/// What `stackc lint --format FORMAT` of `spec`, written as `stack.spec`
/// in `folder`, prints on stdout: its findings.
fn lint_as(folder: &std::path::Path, spec: &str, format: &str) -> String {
    std::fs::write(folder.join("stack.spec"), spec).unwrap();
    let out = support::stackc()
        .current_dir(folder)
        .args(["lint", "stack.spec", "--format", format])
        .output()
        .unwrap();
    support::text(&out.stdout)
}

/// The findings of [`lint_as`] in JSON, each an object.
fn lint_json(folder: &std::path::Path, spec: &str) -> Vec<serde_json::Value> {
    let found: serde_json::Value = serde_json::from_str(&lint_as(folder, spec, "json")).unwrap();
    found.as_array().cloned().unwrap_or_else(|| panic!("{found}"))
}

/// The findings of [`lint_as`], one a line.
fn lint_short(folder: &std::path::Path, spec: &str) -> String {
    lint_as(folder, spec, "short")
}

/// A value that holds the password of one of the stack's secrets, in a
/// connection string the secret's pattern does not show (nocodb's `p=`),
/// is secret-in-env, its value masked; a value that only holds a word of
/// it is not, nor a password that is also a whole value of the spec (a
/// user name the password repeats).
#[test]
fn a_value_holding_a_secrets_password_is_secret_in_env() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    std::fs::write(dir.path().join("secrets/db_password.txt"), "Xk3v9Qp7Lm2Zr8Tw\n").unwrap();
    let spec = "stack notes\n\nsecret db_password file \"secrets/db_password.txt\"\n\n\
                service db {\n    image postgres:17.3\n    secret POSTGRES_PASSWORD = db_password\n}\n\n\
                service app {\n    image nocodb/nocodb:0.258.0\n    env {\n        \
                NC_DB = \"pg://db:5432?u=postgres&p=Xk3v9Qp7Lm2Zr8Tw&d=app\"\n        \
                NC_NOTE = \"Xk3v9Qp7Lm2Zr8Twx\"\n    }\n}\n";
    let stdout = lint_short(dir.path(), spec);
    let found: Vec<&str> = stdout.lines().filter(|l| l.contains("[secret-in-env]")).collect();
    assert_eq!(found.len(), 1, "{stdout}");
    assert!(
        found[0].starts_with("stack.spec:13:17: error: `NC_DB` of `app` holds the password"),
        "{stdout}"
    );
    assert!(!stdout.contains("Xk3v9Qp7"), "{stdout}");

    // The user's name as its password: a URL naming the user holds it.
    std::fs::write(dir.path().join("secrets/db_password.txt"), "listmonk\n").unwrap();
    let spec = "stack lists\n\nsecret db_password file \"secrets/db_password.txt\"\n\n\
                service db {\n    image postgres:17.3\n    env {\n        POSTGRES_USER = \"listmonk\"\n    }\n    \
                secret POSTGRES_PASSWORD = db_password\n}\n\n\
                service app {\n    image listmonk/listmonk:v5.1.0\n    env {\n        \
                DB_URL = \"postgres://listmonk@db:5432/listmonk\"\n    }\n}\n";
    let stdout = lint_short(dir.path(), spec);
    assert!(!stdout.contains("[secret-in-env]"), "{stdout}");
}

/// In an env file, a key set to a well-known value (`SECRET_KEY=changeme`)
/// and a URL whose password is its own user name (saleor's
/// `postgres://saleor:saleor@db/saleor`) are default credentials; and a
/// database's secret file holding a default password names the app URLs
/// that hold it too, which must change with it (umami's imported
/// `DATABASE_URL`: changing the file alone locked the app out).
#[test]
fn default_keys_user_name_urls_and_the_urls_a_weak_secret_shares_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("secrets/db_password.txt", "umami\n"),
            (
                "api.env",
                "DATABASE_URL=postgres://saleor:saleor@db/saleor\nSECRET_KEY=changeme\n",
            ),
            ("web.env", "DATABASE_URL=postgresql://umami:umami@db:5432/umami\n"),
        ],
    );
    let spec = "stack shop\n\
        volume pgdata\n\
        secret db_password file \"secrets/db_password.txt\"\n\
        service db {\n    image postgres:16.4\n    env {\n        POSTGRES_USER = \"umami\"\n    }\n    \
        secret POSTGRES_PASSWORD = db_password\n    mount pgdata at /var/lib/postgresql/data\n}\n\
        service api {\n    image ghcr.io/saleor/saleor:3.22\n    user 1000\n    env_file \"api.env\"\n}\n\
        service web {\n    image ghcr.io/umami-software/umami:2.19\n    user 1001\n    env_file \"web.env\"\n}\n";
    let found = lint_json(dir.path(), spec);
    let ours: Vec<&serde_json::Value> = found.iter().filter(|d| d["code"] == "default-credentials").collect();
    let messages: Vec<&str> = ours.iter().map(|d| d["message"].as_str().unwrap()).collect();
    assert!(
        messages.contains(&"`SECRET_KEY` is set to a default value"),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"`DATABASE_URL` holds a default password"),
        "{messages:?}"
    );
    let weak_file = ours
        .iter()
        .find(|d| d["message"] == "`POSTGRES_PASSWORD` is set to a default password")
        .unwrap_or_else(|| panic!("{messages:?}"));
    let help = weak_file["help"].as_str().unwrap();
    assert!(help.contains("and the same into `DATABASE_URL` of `web`"), "{help}");
    let text = serde_json::to_string(&found).unwrap();
    assert!(!text.contains("saleor:saleor") && !text.contains("changeme"), "{text}");
}

/// `database-wiring` on URLs as real stacks write them: SQLAlchemy's
/// `postgresql+psycopg2://` is checked (its database is not `db`'s); a
/// host that is the database's `container_name`, or its name in capitals,
/// reaches it; several hosts (libpq's failover list), a password with an
/// unescaped `/` (whose parts would read as the host, and be shown), a
/// `?user=` are no findings, nor is a role of its own (`app_ro`) where the
/// database runs init scripts, which may make it (elsewhere it is, but its
/// password, not the database's, is not compared); a `%40` in the
/// password is `@`.
#[test]
fn database_urls_as_real_stacks_write_them() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("secrets/db_password.txt", "Zx9@k2Lq-Rt4vN8wPq\n")]);
    let url = |n: usize, value: &str| {
        format!("service app{n} {{\n    image ghcr.io/acme/app:1.0.0\n    user 1000\n    env {{\n        DATABASE_URL = \"{value}\"\n    }}\n}}\n")
    };
    let apps = [
        "postgresql+psycopg2://shop@db:5432/other",
        "postgres://shop@shop-postgres:5432/shop",
        "postgres://shop@DB:5432/shop",
        "postgres://shop@db,replica/shop",
        "postgres://app_ro@db/shop",
        "postgres://nobody@db/shop?user=shop",
        "postgres://app_ro@initdb/shop",
    ];
    let mut spec = String::from(
        "stack shop\nvolume pgdata\nsecret db_password file \"secrets/db_password.txt\"\n\
         service db {\n    image postgres:16.4\n    container_name shop-postgres\n    env {\n        POSTGRES_USER = \"shop\"\n    }\n    \
         secret POSTGRES_PASSWORD = db_password\n    mount pgdata at /var/lib/postgresql/data\n}\n\
         volume initdata\n\
         service initdb {\n    image postgres:16.4\n    env {\n        POSTGRES_USER = \"shop\"\n    }\n    \
         secret POSTGRES_PASSWORD = db_password\n    mount initdata at /var/lib/postgresql/data\n    \
         mount ./initdb at /docker-entrypoint-initdb.d ro\n}\n",
    );
    for (n, value) in apps.iter().enumerate() {
        spec.push_str(&url(n, value));
    }
    // Passwords in env files (a literal one in `env` is secret-in-env's).
    write_files(
        dir.path(),
        &[
            ("slash.env", "DATABASE_URL=postgres://shop:Zx9@k2Lq/Rt@db/shop\n"),
            (
                "escaped.env",
                "DATABASE_URL=postgres://shop:Zx9%40k2Lq-Rt4vN8wPq@db/shop\n",
            ),
            ("role.env", "DATABASE_URL=postgres://app_ro:Hq7vZ2kLw9Xp4Rt8@db/shop\n"),
        ],
    );
    for (n, file) in ["slash.env", "escaped.env", "role.env"].iter().enumerate() {
        spec.push_str(&format!(
            "service file{n} {{\n    image ghcr.io/acme/app:1.0.0\n    user 1000\n    env_file \"{file}\"\n}}\n"
        ));
    }
    let found = lint_short(dir.path(), &spec);
    let wiring: Vec<&str> = found.lines().filter(|l| l.ends_with("[database-wiring]")).collect();
    assert_eq!(wiring.len(), 3, "{found}");
    assert!(
        wiring[0].contains("`app0` connects as database `other` in `DATABASE_URL`"),
        "{found}"
    );
    assert!(wiring[1].contains("`app4` connects as user `app_ro`"), "{found}");
    assert!(wiring[2].contains("`file2` connects as user `app_ro`"), "{found}");
    assert!(!found.contains("k2Lq"), "{found}");
}

/// A TCP check on a published app image built `FROM node` (Ghost,
/// Directus) runs the image's Node, as on `node` itself: no
/// `probe-needs-python` error (it blocked the build); an image stackc
/// knows nothing of still gets it.
#[test]
fn a_tcp_check_runs_on_app_images_built_on_node() {
    let dir = tempfile::tempdir().unwrap();
    let spec = "stack blog\n\
        service ghost {\n    image ghost:5.105.0-alpine\n    ready tcp 2368\n}\n\
        service directus {\n    image directus/directus:11.3.5\n    ready tcp 8055\n}\n\
        service other {\n    image ghcr.io/acme/other:1.0.0\n    user 1000\n    ready tcp 9000\n}\n";
    let found = lint_short(dir.path(), spec);
    let errors: Vec<&str> = found.lines().filter(|l| l.ends_with("[probe-needs-python]")).collect();
    assert_eq!(errors.len(), 1, "{found}");
    assert!(errors[0].starts_with("stack.spec:13:"), "{found}");
}

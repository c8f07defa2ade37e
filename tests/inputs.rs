//! The files a spec names besides itself (build folders, Dockerfiles,
//! requirements, env files, secrets, bind-mount sources): stackc reads them
//! through `input::fs`, and a missing or unreadable one is a diagnostic on
//! the line that names it, an error where `docker compose` would fail and
//! a warning where the file is normally made on the server.

mod support;

use std::fs;
use std::path::Path;

use support::{stackc, text};

const SPEC: &str = r#"stack shop

secret db_password file "secrets/db_password.txt"

service api {
    build ./api {
        file docker/Dockerfile
    }
    env_file api.env
}

service web {
    build ./web
    gunicorn shop.wsgi:application
    secret DATABASE_PASSWORD = db_password
    mount ./config at /app/config ro
    mount ~/cache at /app/cache
}

service worker {
    build ./missing
    command "celery worker"
}
"#;

/// `stackc check --format short` in `dir`, and its exit code.
fn check(dir: &Path) -> (Option<i32>, String) {
    let output = stackc()
        .current_dir(dir)
        .args(["check", "--format", "short", "stack.spec"])
        .output()
        .unwrap();
    (output.status.code(), text(&output.stdout))
}

#[test]
fn every_missing_file_is_reported_on_the_line_that_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("stack.spec"), SPEC).unwrap();
    fs::create_dir_all(tmp.path().join("api/docker")).unwrap();
    fs::create_dir_all(tmp.path().join("web")).unwrap();
    let (code, stdout) = check(tmp.path());
    assert_eq!(code, Some(1), "{stdout}");
    let expected = [
        "stack.spec:7:14: error: the Dockerfile `docker/Dockerfile` is not there [missing-file]",
        "stack.spec:9:14: error: the env file `api.env` is not there [missing-file]",
        "stack.spec:13:11: error: the requirements file `requirements.txt` is not there [missing-file]",
        "stack.spec:21:11: error: the build folder `./missing` is not there [missing-file]",
    ];
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected, "{stdout}");
    // What is normally put on the server at deploy time is lint's to say,
    // and a team can turn it off where it does not apply.
    let lint = |extra: &[&str]| {
        let output = stackc()
            .current_dir(tmp.path())
            .args(["lint", "--format", "short", "stack.spec"])
            .args(extra)
            .output()
            .unwrap();
        text(&output.stdout)
    };
    let findings = lint(&[]);
    assert!(
        findings.contains("stack.spec:3:25: warning: the secret file `secrets/db_password.txt` is not there yet")
            && findings.contains("stack.spec:16:11: warning: `./config` is not there yet")
            && !findings.contains("cache"),
        "{findings}"
    );
    let allowed = lint(&["--allow", "missing-secret-file", "--allow", "missing-host-path"]);
    assert!(
        !allowed.contains("missing-secret-file") && !allowed.contains("missing-host-path"),
        "{allowed}"
    );

    // With every file in place, nothing is left to say.
    fs::write(tmp.path().join("api/docker/Dockerfile"), "FROM scratch\n").unwrap();
    fs::write(tmp.path().join("api/api.env"), "A=1\n").unwrap();
    fs::write(tmp.path().join("api.env"), "A=1\n").unwrap();
    fs::write(tmp.path().join("web/requirements.txt"), "gunicorn\n").unwrap();
    fs::create_dir_all(tmp.path().join("config")).unwrap();
    fs::create_dir_all(tmp.path().join("missing")).unwrap();
    fs::write(tmp.path().join("missing/requirements.txt"), "celery\n").unwrap();
    fs::create_dir_all(tmp.path().join("secrets")).unwrap();
    fs::write(tmp.path().join("secrets/db_password.txt"), "x\n").unwrap();
    let (code, stdout) = check(tmp.path());
    assert_eq!((code, stdout.as_str()), (Some(0), ""));
}

/// `env_file PATH optional`: missing is no `missing-file` (compose skips
/// it); there, it is read like any env file (its bad line, which compose
/// refuses, an error). The
/// same file without `optional` is an error when missing.
#[test]
fn an_optional_env_file_may_be_missing_and_is_read_when_there() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack shop\n\nservice api {\n    image redis:7.4.1\n    env_file local.env optional\n    env_file shared.env optional\n}\n";
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    fs::write(tmp.path().join("shared.env"), "GOOD=1\nBAD KEY=x\n").unwrap();
    let (_, report) = check(tmp.path());
    assert!(!report.contains("missing-file"), "{report}");
    assert!(
        report.contains("stack.spec:6:14: error: the env file `shared.env`"),
        "{report}"
    );
    fs::write(
        tmp.path().join("stack.spec"),
        spec.replace("local.env optional", "local.env"),
    )
    .unwrap();
    let (code, report) = check(tmp.path());
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains("stack.spec:5:14: error: the env file `local.env` is not there"),
        "{report}"
    );
}

#[test]
fn a_fifo_or_a_folder_where_a_file_belongs_is_refused_without_reading_it() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("stack.spec"), SPEC).unwrap();
    fs::create_dir_all(tmp.path().join("api/docker/Dockerfile")).unwrap();
    let fifo = tmp.path().join("api.env");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // A read of the FIFO would block forever: the run must end anyway.
    let (code, stdout) = check(tmp.path());
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("stack.spec:7:14: error: the Dockerfile `docker/Dockerfile` cannot be read"),
        "{stdout}"
    );
    assert!(
        stdout.contains("stack.spec:9:14: error: the env file `api.env` cannot be read"),
        "{stdout}"
    );
}

#[test]
fn a_build_with_its_own_dockerfile_needs_no_command_in_the_spec() {
    // The Dockerfile has its CMD: no `nothing-to-run`, and lint is clean.
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir_all(tmp.path().join("api")).unwrap();
    fs::write(
        tmp.path().join("api/Dockerfile"),
        "FROM scratch\nUSER 65532:65532\nCMD [\"/api\"]\n",
    )
    .unwrap();
    fs::write(
        tmp.path().join("stack.spec"),
        "stack shop\n\nservice api {\n    build ./api {\n        file Dockerfile\n    }\n}\n",
    )
    .unwrap();
    let output = stackc()
        .current_dir(tmp.path())
        .args(["lint", "--format", "json", "stack.spec"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    assert_eq!(text(&output.stdout), "[]\n");
}

#[test]
fn a_build_folder_with_a_dockerfile_but_no_file_statement_is_told_to_name_it() {
    // A Node app's folder, written as `build ./api` the way compose's
    // `build: ./api` reads it: stackc would write a Python Dockerfile, and
    // the missing requirements file's finding says how to use the app's own.
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir_all(tmp.path().join("api")).unwrap();
    fs::write(
        tmp.path().join("api/Dockerfile"),
        "FROM node:22.12-slim\nUSER node\nCMD [\"node\", \"server.js\"]\n",
    )
    .unwrap();
    fs::write(
        tmp.path().join("stack.spec"),
        "stack shop\n\nservice api {\n    build ./api\n}\n",
    )
    .unwrap();
    let output = stackc()
        .current_dir(tmp.path())
        .args(["check", "--format", "json", "stack.spec"])
        .output()
        .unwrap();
    let findings: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let helps: Vec<(&str, &str)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["help"].as_str().unwrap_or_default()))
        .collect();
    let missing = helps
        .iter()
        .find(|(code, _)| *code == "missing-file")
        .expect("the requirements file is missing");
    assert!(
        missing.1.contains("write `file Dockerfile` in the `build` block"),
        "{helps:?}"
    );
    let nothing = helps
        .iter()
        .find(|(code, _)| *code == "nothing-to-run")
        .expect("no command");
    assert!(nothing.1.contains("`file Dockerfile`"), "{helps:?}");
}

/// An environment that builds another stage of the app's Dockerfile
/// (`set build ... { target development }`), or adds a service that builds
/// one the base reads, is checked against that stage, with or without
/// `--env`: here the dev stage runs as root and the production stage does
/// not, and only the environment is told so.
#[test]
fn an_environment_is_checked_against_the_stage_it_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack shop

service api {
    image registry.example.com/shop/api:1.0
    build ./api {
        file Dockerfile
        target production
    }
}

environment dev {
    service api {
        set build ./api {
            file Dockerfile
            target development
        }
    }
    service tests {
        build ./api {
            file Dockerfile
            target development
        }
        command \"npm test\"
    }
}
";
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    fs::create_dir_all(tmp.path().join("api")).unwrap();
    let dockerfile = "FROM node:24.11-bookworm-slim AS development\nCMD [\"npm\", \"run\", \"dev\"]\n\n\
                      FROM node:24.11-bookworm-slim AS production\nUSER node\nCMD [\"node\", \"server.js\"]\n";
    fs::write(tmp.path().join("api/Dockerfile"), dockerfile).unwrap();
    let lint = |extra: &[&str]| {
        let output = stackc()
            .current_dir(tmp.path())
            .args(["lint", "--format", "short", "--exit-zero", "stack.spec"])
            .args(extra)
            .output()
            .unwrap();
        text(&output.stdout)
    };
    // Both build the development stage: one finding names them.
    let expected = ["stack.spec:14:18: error: each service built from `api/Dockerfile` (`api`, `tests`) runs as root (at api/Dockerfile:1) [runs-as-root]"];
    assert_eq!(lint(&["--env", "dev"]).lines().collect::<Vec<_>>(), expected);
    let in_dev: Vec<String> = expected
        .iter()
        .map(|l| l.replace("error: ", "error: in environment `dev`: "))
        .collect();
    assert_eq!(lint(&[]).lines().collect::<Vec<_>>(), in_dev);
}

/// `ready tcp` and `ready http` run `python` in the container: on an image
/// the app's own Dockerfile builds on distroless, scratch or Debian, the
/// check would never pass, which is an error pointing at the FROM. An image
/// on Python, or a stage that names Python (installs it), may have one.
#[test]
fn a_python_probe_on_an_image_without_python_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack shop

service api {
    image registry.example.com/shop/api:1.0
    build ./api {
        file Dockerfile
    }
    ready tcp 8080
}

service tools {
    image registry.example.com/shop/tools:1.0
    build ./tools {
        file Dockerfile
    }
    ready http /healthz port 8000
}
";
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    fs::create_dir_all(tmp.path().join("api")).unwrap();
    fs::create_dir_all(tmp.path().join("tools")).unwrap();
    let api = "FROM golang:1.25 AS build\nRUN go build -o /api .\n\n\
               FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /api /api\nCMD [\"/api\"]\n";
    fs::write(tmp.path().join("api/Dockerfile"), api).unwrap();
    let tools = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends python-is-python3=3.11.2-1+b1\n";
    fs::write(tmp.path().join("tools/Dockerfile"), tools).unwrap();
    let (code, stdout) = check(tmp.path());
    assert_eq!(code, Some(1), "{stdout}");
    assert_eq!(
        stdout.trim(),
        "stack.spec:8:5: error: `api`'s image has no Python or Node to run this check (at api/Dockerfile:4) [probe-needs-python]"
    );
}

/// `ready tcp` and `ready http` on an image with Node (the app's own
/// Dockerfile on `node`, a published `node` image) run `node`; on a
/// published `python` image, Python. The checks compose.yaml gets are run
/// here with the real interpreters against a server on loopback: healthy
/// on an answer below 400 (with `Host: localhost`), unhealthy on 500 and
/// when nothing listens.
#[test]
fn tcp_and_http_checks_run_the_images_node_or_python() {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let tmp = tempfile::tempdir().unwrap();
    let spec = format!(
        "stack shop

service api {{
    image registry.example.com/shop/api:1.0
    build ./api {{
        file Dockerfile
    }}
    ready http /healthz port {port}
}}

service web {{
    image node:22.12-alpine
    user node
    ready tcp {port}
}}

service admin {{
    image python:3.12-slim
    user 10001
    ready http /healthz port {port}
}}
"
    );
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    fs::create_dir_all(tmp.path().join("api")).unwrap();
    let dockerfile = "FROM node:22.12-alpine AS deps\nWORKDIR /app\nCOPY package.json ./\nRUN npm install --omit=dev\n\n\
                      FROM node:22.12-alpine\nWORKDIR /app\nCOPY --from=deps /app/node_modules ./node_modules\nCOPY . .\n\
                      USER node\nCMD [\"node\", \"server.js\"]\n";
    fs::write(tmp.path().join("api/Dockerfile"), dockerfile).unwrap();
    let out = tmp.path().join("out");
    let built = support::build(&tmp.path().join("stack.spec"), &out);
    assert!(built.status.success(), "{}", text(&built.stderr));
    let compose: serde_json::Value =
        serde_saphyr::from_str(&fs::read_to_string(out.join("compose.yaml")).unwrap()).unwrap();
    let test = |service: &str| -> Vec<String> {
        let test = &compose["services"][service]["healthcheck"]["test"];
        serde_json::from_value(test.clone()).unwrap()
    };
    let run = |test: &[String], path: Option<&str>| -> Option<i32> {
        assert_eq!(test[0], "CMD", "{test:?}");
        let mut command = match test[1].as_str() {
            "node" => std::process::Command::new("node"),
            "python" => support::python(),
            other => panic!("a check runs {other}"),
        };
        let mut args = test[2..].to_vec();
        if let Some(path) = path {
            *args.last_mut().unwrap() = path.to_string();
        }
        command
            .args(args)
            .status()
            .expect("node and python are installed")
            .code()
    };
    let (api, web, admin) = (test("api"), test("web"), test("admin"));
    assert_eq!(
        (api[1].as_str(), web[1].as_str(), admin[1].as_str()),
        ("node", "node", "python")
    );

    // A server on loopback: 200 for /healthz, 500 for anything else.
    let server = std::thread::spawn(move || {
        let mut hosts = Vec::new();
        for stream in listener.incoming().take(5) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            reader.read_line(&mut request).unwrap();
            if request.is_empty() {
                continue; // the TCP check: connects and leaves
            }
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                if let Some(host) = line.strip_prefix("Host: ") {
                    hosts.push(host.trim().to_string());
                }
                line.clear();
            }
            let status = if request.starts_with("GET /healthz ") {
                "200 OK"
            } else {
                "500 Oops"
            };
            write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
        }
        hosts
    });
    assert_eq!(run(&web, None), Some(0), "tcp, node");
    assert_eq!(run(&api, None), Some(0), "http, node");
    assert_eq!(run(&api, Some("/broken")), Some(1), "http 500, node");
    assert_eq!(run(&admin, None), Some(0), "http, python");
    assert_eq!(run(&admin, Some("/broken")), Some(1), "http 500, python");
    assert_eq!(server.join().unwrap(), ["localhost"; 4]);
    // Nothing listens any more.
    assert_eq!(run(&web, None), Some(1), "tcp refused, node");
    assert_eq!(run(&api, None), Some(1), "http refused, node");
}

/// A start script of the build folder is read for the waits it does: the
/// service's command that runs one waiting for `db` makes the readiness
/// finding a note naming it; an entrypoint that is a program, not a script,
/// makes it a note that says stackc cannot tell.
#[test]
fn start_scripts_are_read_from_the_build_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = r#"stack shop

service db {
    image postgres:17.2
}

service web {
    build ./app
    command "./start.sh"
    after db
}

service worker {
    image of web
    entrypoint ["/app/bin/init"]
    command "celery -A shop worker"
    after db
}
"#;
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    fs::create_dir_all(tmp.path().join("app/bin")).unwrap();
    fs::write(tmp.path().join("app/requirements.txt"), "gunicorn==23.0.0\n").unwrap();
    let start = "#!/bin/sh\nuntil pg_isready -h db -p 5432; do\n  sleep 1\ndone\nexec gunicorn shop.wsgi:application\n";
    fs::write(tmp.path().join("app/start.sh"), start).unwrap();
    fs::write(tmp.path().join("app/bin/init"), [0x7f, b'E', b'L', b'F', 0xff, 0xfe]).unwrap();
    let output = stackc()
        .current_dir(tmp.path())
        .args(["lint", "--format", "json", "--today", support::TODAY, "stack.spec"])
        .output()
        .unwrap();
    let findings: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let waits: Vec<(&str, &str)> = (findings.as_array().unwrap().iter())
        .filter(|d| d["code"] == "missing-readiness-wait")
        .map(|d| (d["severity"].as_str().unwrap(), d["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        waits,
        [
            (
                "info",
                "`web` starts when `db` starts: compose does not wait, its start script `./start.sh` does"
            ),
            (
                "info",
                "`worker` starts when `db` starts: compose does not wait; whether its entrypoint `/app/bin/init` does, stackc cannot tell (a program, not a script)"
            ),
        ],
        "{}",
        text(&output.stderr)
    );
}

/// A missing secret file or bind-mount source beside a file of a close
/// name gets that name as its help: the spec meant it. So does a writable
/// folder, which compose would make, empty, beside the one meant.
#[test]
fn a_misspelled_path_is_answered_with_the_file_that_is_there() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack shop\n\nsecret db_password file \"secrets/db_pasword.txt\"\n\nservice db {\n    image postgres:16.4\n    secret POSTGRES_PASSWORD = db_password\n    mount ./initdb.d at /docker-entrypoint-initdb.d\n}\n";
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    fs::create_dir_all(tmp.path().join("secrets")).unwrap();
    fs::write(tmp.path().join("secrets/db_password.txt"), "x\n").unwrap();
    fs::create_dir_all(tmp.path().join("initdb")).unwrap();
    let output = stackc()
        .current_dir(tmp.path())
        .args(["lint", "--format", "json", "stack.spec"])
        .output()
        .unwrap();
    let findings = text(&output.stdout);
    assert!(
        findings.contains("did you mean `secrets/db_password.txt`? It is there"),
        "{findings}"
    );
    assert!(findings.contains("did you mean `./initdb`? It is there"), "{findings}");
}

#[test]
fn a_path_to_the_host_s_own_files_is_judged_where_it_really_leads() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack shop\n\nsecret db_password file \"secrets/db_password.txt\"\nsecret tls_key file \"certs/key.pem\"\n\nservice web {\n    build ./app {\n        file Dockerfile\n    }\n    secret DATABASE_PASSWORD = db_password\n    secret TLS_KEY = tls_key\n    mount ./config at /app/config ro\n    mount ./media at /app/media\n    mount CLIMB/proc at /host/proc ro\n}\n";
    // Above the temporary folder, however deep it is: `..` stops at `/`.
    let spec = spec.replace("CLIMB/", &"../".repeat(64));
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    // Each path looks like the project's own, and leads to the host's.
    for folder in ["secrets", "certs", "store/media"] {
        fs::create_dir_all(tmp.path().join(folder)).unwrap();
    }
    let link = |target: &str, link: &str| std::os::unix::fs::symlink(target, tmp.path().join(link)).unwrap();
    link("/etc/shadow", "secrets/db_password.txt");
    link("/", "app");
    link("/etc", "config");
    // A link inside the project, as a certificate's usually is, is fine.
    fs::write(tmp.path().join("store/key.pem"), "key\n").unwrap();
    link("../store/key.pem", "certs/key.pem");
    link("store/media", "media");
    for spec_path in [Path::new("stack.spec").to_path_buf(), tmp.path().join("stack.spec")] {
        let output = stackc()
            .current_dir(tmp.path())
            .arg("lint")
            .args(["--format", "short"])
            .arg(&spec_path)
            .output()
            .unwrap();
        let findings: Vec<String> = text(&output.stdout)
            .lines()
            .filter(|l| l.ends_with("[host-access]"))
            .map(|l| l.split_once("stack.spec:").map_or(l, |(_, rest)| rest).to_string())
            .collect();
        assert_eq!(
            findings,
            [
                "3:25: error: `web` gets the host's `/etc/shadow` as a secret [host-access]",
                "7:11: error: `web` builds its image from the host's `/` [host-access]",
                "12:11: error: `web` mounts the host's `/etc` [host-access]",
                "14:11: error: `web` mounts the host's `/proc` [host-access]",
            ],
            "{}",
            spec_path.display()
        );
    }
}

#[test]
fn a_link_to_a_socket_this_machine_lacks_is_judged_where_it_leads() {
    // A laptop or CI runner without Docker: the link leads nowhere here,
    // and to the daemon's socket where the stack runs.
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack shop\n\nservice monitor {\n    image ghcr.io/shop/monitor:1.2.0\n    user 10001\n    mount ./engine.sock at /var/run/docker.sock\n}\n";
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    let socket = tmp.path().join("no-daemon-here/docker.sock");
    std::os::unix::fs::symlink(&socket, tmp.path().join("engine.sock")).unwrap();
    let output = stackc()
        .current_dir(tmp.path())
        .args(["lint", "--format", "short", "stack.spec"])
        .output()
        .unwrap();
    let findings = text(&output.stdout);
    assert!(
        findings.contains("6:11: error: `monitor` mounts the container engine's socket `docker.sock` [host-access]"),
        "{findings}"
    );
    // Never "did you mean `./engine.sock`? It is there" of itself.
    let human = stackc()
        .current_dir(tmp.path())
        .args(["lint", "stack.spec"])
        .output()
        .unwrap();
    let report = format!("{}{}", text(&human.stdout), text(&human.stderr));
    assert!(!report.contains("did you mean"), "{report}");
    assert!(report.contains("engine.sock, a link to `"), "{report}");
}

#[test]
fn a_file_of_the_kernel_s_is_never_read_into_a_report() {
    // A spec from a pull request, linted by CI: without this, its
    // diagnostics quoted the runner's environment.
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack shop\n\nsecret dump file \"/proc/self/environ\"\n\nservice api {\n    build ./api {\n        file ../../../../../../../../../../../../../../../proc/self/environ\n    }\n    env_file /proc/self/environ\n    secret DUMP = dump\n}\n";
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    fs::create_dir_all(tmp.path().join("api")).unwrap();
    for format in ["json", "sarif", "human"] {
        let output = stackc()
            .current_dir(tmp.path())
            .env("STACKC_TEST_RUNNER_TOKEN", "ghp_kernelfileleak0123456789")
            .args(["lint", "--format", format, "stack.spec"])
            .output()
            .unwrap();
        let report = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert_eq!(output.status.code(), Some(1), "{report}");
        assert!(!report.contains("kernelfileleak"), "{format}: {report}");
        assert!(
            report.contains("the env file `/proc/self/environ` is outside the project: not read"),
            "{format}: {report}"
        );
    }
}

#[test]
fn a_file_outside_the_project_is_never_read_into_a_report() {
    // A hostile spec in a cloned repository names the home folder's keys
    // every way a spec names a file; none of their text may reach a report.
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5v+/leakedkeybody\n-----END OPENSSH PRIVATE KEY-----\n";
    for (path, text) in [
        (".ssh/id_rsa", key),
        (
            ".aws/credentials",
            "[default]\naws_secret_access_key = \"leakedawssecret\" x\n",
        ),
        ("gunicorn.conf.py", "bind = 'leakedgunicorn'\nworkers = 'leaked\n"),
        ("requirements.txt", "--leakedrequirements\n"),
        ("Dockerfile", "FROM leakeddockerfile AS\n"),
    ] {
        fs::create_dir_all(home.join(path).parent().unwrap()).unwrap();
        fs::write(home.join(path), text).unwrap();
    }
    let project = tmp.path().join("repo");
    fs::create_dir_all(project.join(".git")).unwrap();
    fs::create_dir_all(project.join("deploy")).unwrap();
    fs::create_dir_all(project.join("app")).unwrap();
    // A file of the repository above the spec's folder is the project's:
    // read (its bad line is reported, and its value masked).
    fs::write(project.join("app/app.env"), "GOOD=1\nBAD KEY=inrepovalue\n").unwrap();
    std::os::unix::fs::symlink(home.join(".ssh/id_rsa"), project.join("app/linked.env")).unwrap();
    let spec = "stack shop\n\nsecret key file \"../../home/.ssh/id_rsa\"\n\nservice api {\n    build ../app {\n        file ../home/Dockerfile\n    }\n    env_file \"../../home/.aws/credentials\"\n    env_file \"../app/linked.env\"\n    env_file \"../app/app.env\"\n    secret KEY = key\n    user 10001\n}\n\nservice web {\n    build ../app {\n        python 3.12\n        requirements ../home/requirements.txt\n    }\n    gunicorn app.wsgi config ../../home/gunicorn.conf.py\n    user 10001\n}\n";
    fs::write(project.join("deploy/stack.spec"), spec).unwrap();
    for format in ["json", "sarif", "human", "short"] {
        let output = stackc()
            .current_dir(&project)
            .args(["lint", "--format", format, "deploy/stack.spec"])
            .output()
            .unwrap();
        let report = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert!(
            !report.contains("leaked") && !report.contains("b3Bl"),
            "{format}: {report}"
        );
        assert!(!report.contains("inrepovalue"), "{format}: {report}");
        for named in [
            "the env file `../../home/.aws/credentials`",
            "the env file `../app/linked.env`",
        ] {
            assert!(
                report.contains(&format!("{named} is outside the project")),
                "{format}: {report}"
            );
        }
        assert!(
            report.contains("a variable name cannot contain a space"),
            "{format}: {report}"
        );
    }
}

/// A template's password left in an env file the spec names (n8n's `.env`
/// ships `changePassword`), or one that is the user name, is a warning on
/// the `env_file` line, pointing into the file; the file is where a
/// password belongs, and may be a template each deployment fills in.
#[test]
fn a_default_password_in_an_env_file_is_a_warning_on_the_line_that_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack shop\n\nservice automation {\n    image n8nio/n8n:1.119.2\n    env_file app.env\n}\n";
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    let env = "DB_USER=n8n\nDB_PASSWORD=changePassword\nSMTP_USER=mailer\nSMTP_PASSWORD=mailer\nAPI_PASSWORD=uG7kq2Vw9pLz4Rt8sXe1Jh5\n";
    fs::write(tmp.path().join("app.env"), env).unwrap();
    let output = stackc()
        .current_dir(tmp.path())
        .args(["lint", "--format", "short", "stack.spec"])
        .output()
        .unwrap();
    let findings: Vec<String> = text(&output.stdout)
        .lines()
        .filter(|l| l.ends_with("[default-credentials]"))
        .map(str::to_string)
        .collect();
    assert_eq!(
        findings,
        [
            "stack.spec:5:14: warning: `DB_PASSWORD` is set to a default password (at app.env:2) [default-credentials]",
            "stack.spec:5:14: warning: `SMTP_PASSWORD` is set to a default password (at app.env:4) [default-credentials]",
        ],
        "{}",
        text(&output.stdout)
    );
}

/// A NUL byte in an env file the spec names: compose's `config` passes
/// it, but no environment variable can hold one, so the container would
/// not start. An error pointing into the env file, at the byte.
#[test]
fn a_nul_byte_in_an_env_file_is_an_error_pointing_into_it() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack shop\n\nservice api {\n    image redis:7.4.1\n    env_file app.env\n}\n";
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    fs::write(tmp.path().join("app.env"), "DEBUG=0\nNAME=shop\0admin\nWORKERS=3\n").unwrap();
    let output = stackc()
        .current_dir(tmp.path())
        .args(["check", "--format", "json", "stack.spec"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let finding = &report[0];
    assert_eq!(finding["code"], "env-file-invalid", "{report:#}");
    assert_eq!(finding["severity"], "error");
    let in_env_file = (finding["labels"].as_array().unwrap().iter()).find(|l| l["file"] == "app.env");
    let label = in_env_file.unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!((&label["line"], &label["column"]), (&2.into(), &10.into()), "{label:#}");
}

/// A build folder that is a git URL with a token in it (a deploy token
/// pasted into the spec): the missing-folder error says so without the
/// token, in every format and in the snippet.
#[test]
fn a_token_in_a_missing_build_folder_is_never_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let token = "glpat-Xk4s9dLq2Vw8Zr7Tq1Ab";
    let spec = format!("stack shop\n\nservice web {{\n    build \"https://deploy:{token}@gitlab.example.com/shop/web.git\" {{\n        file Dockerfile\n    }}\n}}\n");
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    for format in ["human", "short", "json"] {
        let output = stackc()
            .current_dir(tmp.path())
            .args(["check", "--color", "never", "--format", format, "stack.spec"])
            .output()
            .unwrap();
        let shown = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert_eq!(output.status.code(), Some(1), "{shown}");
        assert!(shown.contains("the build folder `https://deploy:"), "{shown}");
        assert!(!shown.contains(token) && !shown.contains("Xk4s9"), "{format}: {shown}");
    }
}

/// Whether a bind mount's source is a folder (which compose is asked to
/// make, `create_host_path`) is what is there when it is there, and only
/// otherwise what its name looks like: `./data.v2` is a folder, `./seed`
/// a file; a missing `./cache.v1` is taken for a file and reported.
#[test]
fn a_bind_mount_source_that_is_there_is_a_folder_or_a_file_as_the_disk_says() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack shop\n\nservice web {\n    image example/files:1.0\n    user 10001\n    mount ./data.v2 at /srv/data\n    mount ./seed at /srv/seed\n    mount ./cache.v1 at /srv/cache\n    mount ./uploads at /srv/uploads\n}\n";
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    fs::create_dir_all(tmp.path().join("data.v2")).unwrap();
    fs::write(tmp.path().join("seed"), "rows\n").unwrap();
    let build = support::build_from_disk(&tmp.path().join("stack.spec"), None);
    let compose = build
        .artifacts
        .as_ref()
        .map(|a| a[0].contents.clone())
        .unwrap_or_default();
    let bind_of = |target: &str| {
        let at = compose
            .find(&format!("target: {target}"))
            .unwrap_or_else(|| panic!("{target}\n{compose}"));
        let rest = &compose[at..];
        rest[..rest.find("\n    - ").unwrap_or(rest.len())].contains("create_host_path: true")
    };
    assert!(bind_of("/srv/data"), "{compose}");
    assert!(!bind_of("/srv/seed"), "{compose}");
    assert!(bind_of("/srv/uploads"), "{compose}");
    let missing: Vec<_> = build.diagnostics.iter().map(|d| d.message.clone()).collect();
    assert_eq!(missing, ["`./cache.v1` is not there yet"], "{compose}");
}

/// getredash/setup's `env_file: /opt/redash/env`, which its setup script
/// writes on the server: an absolute path that is not there is a file of
/// the machine the stack runs on, a note as one outside the project is,
/// and the spec builds (it was an error no flag could turn off); a
/// relative one that is not there stays an error.
#[test]
fn an_absolute_env_file_of_the_server_is_not_read_here() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack redash\n\nservice server {\n    image redash/redash:25.1.0\n    command [\"server\"]\n    env_file \"/opt/stackc-test-absent/redash.env\"\n}\n";
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    let (code, report) = check(tmp.path());
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report.contains("stack.spec:6:14: info: the env file `/opt/stackc-test-absent/redash.env` is outside the project: not read [file-outside-project]"),
        "{report}"
    );
    fs::write(
        tmp.path().join("stack.spec"),
        spec.replace("/opt/stackc-test-absent/", ""),
    )
    .unwrap();
    let (code, report) = check(tmp.path());
    assert_eq!(code, Some(1), "{report}");
    assert!(report.contains("[missing-file]"), "{report}");
}

/// A spec in `deploy/` that builds `../backend`, with no repository to
/// make both one project (a release tarball): the build folder's files
/// are not read, which says the image is unchecked (a warning, not a
/// note), and the app's `.dockerignore`, which the ignore file stackc
/// writes replaces, cannot be carried over: the build is refused (its
/// patterns were dropped and `gcp-credentials.json` went into the image).
#[test]
fn a_build_folder_outside_the_project_is_said_unchecked() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::create_dir_all(root.join("deploy")).unwrap();
    fs::create_dir_all(root.join("backend")).unwrap();
    fs::write(root.join("backend/requirements.txt"), "gunicorn==23.0.0\n").unwrap();
    fs::write(root.join("backend/Dockerfile"), "FROM python:3.12-slim\nCOPY . .\n").unwrap();
    let own =
        "stack p\n\nservice web {\n    image acme/web:1.0\n    build ../backend {\n        file Dockerfile\n    }\n}\n";
    fs::write(root.join("deploy/stack.spec"), own).unwrap();
    let (_, report) = check(&root.join("deploy"));
    assert!(
        report.contains("warning: the Dockerfile `../backend/Dockerfile` is outside the project: the image is not checked [build-outside-project]"),
        "{report}"
    );
    let python = "stack p\n\nservice web {\n    image acme/web:1.0\n    build ../backend\n    gunicorn app.wsgi:application\n}\n";
    fs::write(root.join("deploy/stack.spec"), python).unwrap();
    fs::write(root.join("backend/.dockerignore"), "gcp-credentials.json\n").unwrap();
    let (code, report) = check(&root.join("deploy"));
    assert_eq!(code, Some(1), "{report}");
    assert!(report.contains("[dockerignore-outside-project]"), "{report}");
    // Inside one repository, both are read.
    fs::create_dir(root.join(".git")).unwrap();
    let (code, report) = check(&root.join("deploy"));
    assert_eq!(code, Some(0), "{report}");
    assert!(!report.contains("outside-project"), "{report}");
}

/// A PHP app's project folder, bind-mounted into the proxy and served
/// whole by a raw `root`: it holds `.env` and `.git`, which nginx hands
/// out (`GET /.env`); its `public/` folder alone, or a location refusing
/// dotted paths first, is fine.
#[test]
fn a_served_project_folder_with_dotfiles_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::create_dir_all(root.join("src/public")).unwrap();
    fs::create_dir_all(root.join("src/.git")).unwrap();
    fs::write(root.join("src/.env"), "APP_KEY=base64:stub\n").unwrap();
    let spec = |root_line: &str, guard: &str| {
        format!(
            "stack p\n\nservice fpm {{\n    image php:8.3.14-fpm\n    mount ./src at /var/www/html ro\n    user 33\n}}\n\nproxy nginx {{\n    image nginx:1.30\n    publish 8080 -> 80\n    mount ./src at /var/www/html ro\n    nginx \"root {root_line}\"\n{guard}    location / {{\n        nginx \"try_files $uri $uri/ =404\"\n    }}\n}}\n"
        )
    };
    let lint = |written: String| {
        fs::write(root.join("stack.spec"), written).unwrap();
        let output = stackc()
            .current_dir(root)
            .args(["lint", "--format", "short", "--exit-zero", "stack.spec"])
            .output()
            .unwrap();
        text(&output.stdout)
    };
    let report = lint(spec("/var/www/html", ""));
    assert!(
        report.contains("error: `nginx` serves the app's `.env` and `.git` [private-volume-served]"),
        "{report}"
    );
    for fine in [
        spec("/var/www/html/public", ""),
        spec(
            "/var/www/html",
            "    location ~ \"/\\\\.(?!well-known)\" {\n        return 404\n    }\n",
        ),
    ] {
        let report = lint(fine.clone());
        assert!(!report.contains("private-volume-served"), "{fine}\n{report}");
    }
}

/// A job built from a stage of the app's own Dockerfile runs the stage's
/// CMD without a `run` (it was refused: "has nothing to run"); a stage
/// chain that sets no CMD or ENTRYPOINT would run the published image's
/// (`node`, a shell), which ends at once: that one still needs `run`
/// (trial 21).
#[test]
fn a_job_runs_its_own_dockerfiles_command() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir_all(tmp.path().join("web")).unwrap();
    fs::write(
        tmp.path().join("web/Dockerfile"),
        "FROM node:22.12-alpine AS assets\nWORKDIR /app\nCOPY . .\nUSER 1000\nCMD [\"node\", \"build.js\"]\n\nFROM assets AS again\n\nFROM node:22.12-alpine AS bare\nWORKDIR /app\nUSER 1000\n",
    )
    .unwrap();
    let job = |name: &str, target: &str| {
        format!("job {name} {{\n    image registry.example.com/s/{name}:1.0.0\n    build ./web {{\n        file Dockerfile\n        target {target}\n    }}\n}}\n")
    };
    let spec = format!(
        "stack s\n\n{}\n{}\n{}",
        job("assets", "assets"),
        job("again", "again"),
        job("bare", "bare")
    );
    fs::write(tmp.path().join("stack.spec"), spec).unwrap();
    let (code, report) = check(tmp.path());
    assert_eq!(code, Some(1), "{report}");
    let errors: Vec<&str> = report.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(errors.len(), 1, "{report}");
    assert!(
        errors[0].contains("job `bare` has nothing to run [missing-run]"),
        "{report}"
    );
}

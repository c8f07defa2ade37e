//! The Dockerfile stackc writes for a Python app, built from files on disk:
//! requirements with their `-r`/`-c` includes, uv and Poetry projects, the
//! app's own `.dockerignore` and a Gunicorn config file, each read by
//! stackc; and every shape of that Dockerfile passes hadolint (through
//! `scripts/validate`) with zero findings.

mod support;

use std::fs;
use std::path::Path;

use support::{stackc, text};

/// Writes `files` (path, contents) under `dir`, making folders.
fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, contents) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
}

/// `stackc ARGS` in `dir`: exit code, and stdout (the report formats)
/// followed by stderr (the human one).
fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output = stackc().current_dir(dir).args(args).output().unwrap();
    (output.status.code(), text(&output.stdout) + &text(&output.stderr))
}

/// `stackc ARGS --format short` in `dir`: exit code and the lines.
fn short(dir: &Path, args: &[&str]) -> (Option<i32>, Vec<String>) {
    let output = stackc()
        .current_dir(dir)
        .args(args)
        .args(["--format", "short"])
        .output()
        .unwrap();
    (
        output.status.code(),
        text(&output.stdout).lines().map(str::to_string).collect(),
    )
}

const REQUIREMENTS_SPEC: &str = "stack shop

service web {
    build ./app {
        requirements requirements/production.txt
    }
    gunicorn shop.wsgi:application workers 2
}
";

#[test]
fn every_included_requirements_file_is_copied_before_the_install() {
    let tmp = tempfile::tempdir().unwrap();
    write_files(
        tmp.path(),
        &[
            ("stack.spec", REQUIREMENTS_SPEC),
            (
                "app/requirements/production.txt",
                "-r base.txt\n-c ../constraints.txt\ngunicorn==23.0.0\n",
            ),
            ("app/requirements/base.txt", "Django==5.2.8\n"),
            ("app/constraints.txt", "asgiref==3.8.1\n"),
        ],
    );
    let (code, output) = run(tmp.path(), &["build", "stack.spec", "-o", "out"]);
    assert_eq!(code, Some(0), "{output}");
    let dockerfile = fs::read_to_string(tmp.path().join("out/web/Dockerfile")).unwrap();
    let copies: Vec<&str> = dockerfile.lines().filter(|l| l.starts_with("COPY [")).collect();
    assert_eq!(
        copies,
        [
            r#"COPY ["requirements/production.txt", "requirements/base.txt", "requirements/"]"#,
            r#"COPY ["constraints.txt", "./"]"#,
        ],
        "{dockerfile}"
    );
    let install = dockerfile.find(r#""pip", "install""#).unwrap();
    let source = dockerfile.find("COPY . .").unwrap();
    assert!(copies.iter().all(|c| dockerfile.find(c).unwrap() < install) && install < source);
}

#[test]
fn a_missing_include_is_an_error_on_the_requirements_line_and_the_including_line() {
    let tmp = tempfile::tempdir().unwrap();
    write_files(
        tmp.path(),
        &[
            ("stack.spec", REQUIREMENTS_SPEC),
            ("app/requirements/production.txt", "-r base.txt\n-r dev.txt\n"),
            ("app/requirements/base.txt", "Django==5.2.8\n"),
        ],
    );
    let (code, json) = run(tmp.path(), &["check", "--format", "json", "stack.spec"]);
    assert_eq!(code, Some(1), "{json}");
    let diagnostics: serde_json::Value = serde_json::from_str(&json).unwrap();
    let [diagnostic] = diagnostics.as_array().unwrap().as_slice() else {
        panic!("one diagnostic: {json}");
    };
    assert_eq!(diagnostic["code"], "requirements-file");
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(
        (&diagnostic["file"], &diagnostic["line"]),
        (&"stack.spec".into(), &5.into())
    );
    let included = &diagnostic["labels"][1];
    assert_eq!(included["file"], "app/requirements/production.txt");
    assert_eq!(included["line"], 2);
    assert_eq!(included["message"], "cannot read `requirements/dev.txt`: no such file");
}

#[test]
fn uv_and_poetry_projects_need_their_lock_files() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack shop

service web {
    build ./web {
        uv
    }
    gunicorn shop.wsgi:application workers 2
}

service api {
    build ./api {
        poetry
    }
    gunicorn api.wsgi:application bind 8001 workers 2
}
";
    write_files(
        tmp.path(),
        &[
            ("stack.spec", spec),
            ("web/pyproject.toml", "[project]\nname = \"shop\"\n"),
            ("api/poetry.lock", "# locked\n"),
        ],
    );
    let (code, lines) = short(tmp.path(), &["check", "stack.spec"]);
    assert_eq!(code, Some(1), "{lines:?}");
    assert_eq!(
        lines,
        [
            "stack.spec:5:9: error: the project file `uv.lock` is not there [missing-file]",
            "stack.spec:12:9: error: the project file `pyproject.toml` is not there [missing-file]",
        ]
    );
}

const IGNORE_SPEC: &str = "stack shop

secret db_password file \"app/secrets/db_password.txt\"

service web {
    build ./app {
        ignore \"*.log\"
    }
    gunicorn shop.wsgi:application workers 2
    secret DATABASE_PASSWORD = db_password
}
";

#[test]
fn the_apps_dockerignore_is_carried_over_between_stackcs_patterns() {
    let tmp = tempfile::tempdir().unwrap();
    write_files(
        tmp.path(),
        &[
            ("stack.spec", IGNORE_SPEC),
            ("app/requirements.txt", "Django==5.2.8\n"),
            ("app/secrets/db_password.txt", "x\n"),
            (
                "app/.dockerignore",
                "# the app's own\nmedia/\n\n!.env.example\n  #odd\n",
            ),
        ],
    );
    let (code, output) = run(tmp.path(), &["build", "stack.spec", "-o", "out"]);
    assert_eq!(code, Some(0), "{output}");
    let ignore = fs::read_to_string(tmp.path().join("out/web/Dockerfile.dockerignore")).unwrap();
    let patterns: Vec<&str> = ignore
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let at = |p: &str| {
        patterns
            .iter()
            .position(|l| *l == p)
            .unwrap_or_else(|| panic!("{p}:\n{ignore}"))
    };
    // Defaults, the spec's secret, the app's patterns in order (comments
    // dropped, a `#` pattern kept as one), then the spec's own.
    assert!(at("**/.env*") < at("secrets/db_password.txt"));
    assert!(at("secrets/db_password.txt") < at("media"));
    assert!(at("media") < at("!.env.example") && at("!.env.example") < at(" #odd"));
    assert!(at(" #odd") < at("*.log"));
    assert!(!ignore.contains("the app's own"), "{ignore}");
}

#[test]
fn a_secret_the_apps_dockerignore_takes_back_is_an_error_on_the_secret() {
    let tmp = tempfile::tempdir().unwrap();
    write_files(
        tmp.path(),
        &[
            ("stack.spec", IGNORE_SPEC),
            ("app/requirements.txt", "Django==5.2.8\n"),
            ("app/secrets/db_password.txt", "x\n"),
            ("app/.dockerignore", ".git\n!secrets/db_password.txt\n"),
        ],
    );
    let (code, json) = run(tmp.path(), &["check", "--format", "json", "stack.spec"]);
    assert_eq!(code, Some(1), "{json}");
    let diagnostics: serde_json::Value = serde_json::from_str(&json).unwrap();
    let [diagnostic] = diagnostics.as_array().unwrap().as_slice() else {
        panic!("one diagnostic: {json}");
    };
    assert_eq!(diagnostic["code"], "secret-file-in-image");
    assert_eq!(diagnostic["line"], 3);
    let back = &diagnostic["labels"][1];
    assert_eq!(back["file"], "app/.dockerignore");
    assert_eq!(
        (&back["line"], &back["message"]),
        (&2.into(), &"the app's .dockerignore takes it back".into())
    );
    // `build` refuses it too, and writes nothing.
    let (code, _) = run(tmp.path(), &["build", "stack.spec", "-o", "out"]);
    assert_eq!(code, Some(1));
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn a_gunicorn_config_file_gives_the_port_and_workers_the_checks_use() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack shop

service web {
    build ./app
    gunicorn shop.wsgi:application config config/gunicorn.py
    ready tcp 9000
}

proxy nginx {
    publish 8080 -> 80
    upstream app {
        server web:8000
    }
    location / {
        proxy_pass app
    }
    after web ready
}
";
    write_files(
        tmp.path(),
        &[
            ("stack.spec", spec),
            ("app/requirements.txt", "gunicorn==23.0.0\n"),
            (
                "app/config/gunicorn.py",
                "import multiprocessing\n\nbind = \"0.0.0.0:9000\"\nworkers = 4\n",
            ),
        ],
    );
    let (code, json) = run(tmp.path(), &["lint", "--format", "json", "stack.spec"]);
    assert_eq!(code, Some(1), "{json}");
    let diagnostics: serde_json::Value = serde_json::from_str(&json).unwrap();
    let finding = |code: &str| diagnostics.as_array().unwrap().iter().find(|d| d["code"] == code);
    // Workers come from the file: no `workers-unsized`.
    assert!(finding("workers-unsized").is_none(), "{json}");
    let mismatch = finding("upstream-port-mismatch").expect("the port comes from the file");
    let listens = &mismatch["labels"][1];
    assert_eq!(listens["file"], "app/config/gunicorn.py");
    assert_eq!(
        (&listens["line"], &listens["message"]),
        (&3.into(), &"Gunicorn listens on 9000".into())
    );

    // With nginx pointed at 9000, the build passes the file to Gunicorn by
    // its path in the image, on every interface at the file's port.
    fs::write(tmp.path().join("stack.spec"), spec.replace("web:8000", "web:9000")).unwrap();
    let (code, output) = run(tmp.path(), &["build", "stack.spec", "-o", "out"]);
    assert_eq!(code, Some(0), "{output}");
    let dockerfile = fs::read_to_string(tmp.path().join("out/web/Dockerfile")).unwrap();
    assert!(dockerfile.contains("EXPOSE 9000\n"), "{dockerfile}");
    assert!(
        dockerfile.contains(
            r#"CMD ["gunicorn", "--config", "/app/config/gunicorn.py", "--bind", "0.0.0.0:9000", "shop.wsgi:application"]"#
        ),
        "{dockerfile}"
    );
}

/// Every shape of the Dockerfile: pip, uv and Poetry, each with and
/// without a build stage, Debian packages, a working directory and a
/// manage.py elsewhere, raw lines at each place, and each app server.
const SHAPES_SPEC: &str = r#"stack shapes

service pip {
    build ./pip {
        python 3.12-slim-bookworm
        requirements requirements/production.txt
        packages {
            libpq5  = 15.*
            gettext = 0.21*
        }
        workdir /usr/src/app
        manage backend/manage.py
        collectstatic
        dockerfile before_install "ENV PIP_DISABLE_PIP_VERSION_CHECK=1"
        dockerfile "RUN python manage.py compilemessages"
        dockerfile as_user "RUN python manage.py check --deploy"
    }
    gunicorn config.wsgi:application workers 2 worker uvicorn
}

service pipstaged {
    build ./pip {
        python 3.13-slim-trixie
        requirements requirements/production.txt
        build_packages {
            gcc       = 4:14.*
            libpq-dev = 17.*
        }
        packages {
            libpq5 = 17.*
        }
        manage backend/manage.py
        collectstatic to /app/static
    }
    gunicorn config.wsgi:application bind 8001 workers 2
}

service uv {
    build ./uv {
        uv
    }
    uvicorn shop.asgi:application bind 8002 workers 2
}

service uvstaged {
    build ./uv {
        uv 0.9.5
        build_packages {
            gcc = 4:12.*
        }
        packages {
            libpq5 = 15.*
        }
    }
    daphne shop.asgi:application bind 8003
}

service poetry {
    build ./poetry {
        poetry
        dockerfile as_user "RUN python -m compileall -q ."
    }
    gunicorn shop.wsgi:application bind 8004 workers 2
}

service poetrystaged {
    build ./poetry {
        poetry 2.1.4
        build_packages {
            build-essential = 12.*
        }
    }
    gunicorn shop.wsgi:application bind 8005 workers 2
}
"#;

#[test]
fn every_shape_of_the_dockerfile_passes_hadolint() {
    let tmp = tempfile::tempdir().unwrap();
    write_files(
        tmp.path(),
        &[
            ("stack.spec", SHAPES_SPEC),
            ("pip/requirements/production.txt", "-r base.txt\ngunicorn==23.0.0\n"),
            ("pip/requirements/base.txt", "Django==5.2.8\n"),
            ("pip/backend/manage.py", "\n"),
            ("uv/pyproject.toml", "[project]\nname = \"shop\"\n"),
            ("uv/uv.lock", "version = 1\n"),
            ("poetry/pyproject.toml", "[tool.poetry]\nname = \"shop\"\n"),
            ("poetry/poetry.lock", "# locked\n"),
        ],
    );
    let (code, output) = run(tmp.path(), &["build", "stack.spec", "-o", "out"]);
    assert_eq!(code, Some(0), "{output}");
    let validate = std::process::Command::new(support::repo().join("scripts/validate"))
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    let report = text(&validate.stdout) + &text(&validate.stderr);
    assert_eq!(validate.status.code(), Some(0), "{report}");
    assert_eq!(report.matches("ok   hadolint").count(), 6, "{report}");
}

#[test]
fn the_gunicorn_conf_py_gunicorn_finds_where_it_starts_is_read_too() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = "stack shop

service web {
    build ./app {
        manage src/manage.py
    }
    gunicorn config.wsgi:application
}
";
    write_files(
        tmp.path(),
        &[
            ("stack.spec", spec),
            ("app/requirements.txt", "gunicorn==23.0.0\n"),
            ("app/src/manage.py", "\n"),
            // Where Gunicorn starts: the image's working directory.
            ("app/src/gunicorn.conf.py", "bind = \"0.0.0.0:9000\"\nworkers = 4\n"),
        ],
    );
    let (code, lines) = short(tmp.path(), &["lint", "stack.spec"]);
    assert_eq!((code, lines.len()), (Some(0), 0), "{lines:?}");
    let (code, output) = run(tmp.path(), &["build", "stack.spec", "-o", "out"]);
    assert_eq!(code, Some(0), "{output}");
    let dockerfile = fs::read_to_string(tmp.path().join("out/web/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains(r#"CMD ["gunicorn", "--bind", "0.0.0.0:9000", "config.wsgi:application"]"#),
        "{dockerfile}"
    );

    // At the top of the build folder, Gunicorn (started in src/) never
    // reads it, and neither do the checks.
    fs::rename(
        tmp.path().join("app/src/gunicorn.conf.py"),
        tmp.path().join("app/gunicorn.conf.py"),
    )
    .unwrap();
    let (_, lines) = short(tmp.path(), &["lint", "stack.spec"]);
    assert!(lines.iter().any(|l| l.contains("[workers-unsized]")), "{lines:?}");
}

/// An app server behind the stack's proxy, its port published nowhere,
/// trusts the proxy's `X-Forwarded-Proto` and `X-Forwarded-For` from the
/// private networks, never from `*` (whose first `X-Forwarded-For` entry
/// the client writes); TLS ends at the proxy, and Uvicorn and Gunicorn
/// trust 127.0.0.1 alone, so the app built `http://` links and redirects.
/// One whose port is published, one on a network another project shares,
/// or one whose Gunicorn config file says for itself, does not.
#[test]
fn an_app_server_behind_the_proxy_trusts_its_forwarded_headers() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("api/requirements.txt", "fastapi==0.115.6\nuvicorn==0.34.0\n"),
            ("api/main.py", "app = None\n"),
            ("open/requirements.txt", "fastapi==0.115.6\nuvicorn==0.34.0\n"),
            ("open/main.py", "app = None\n"),
            ("shared/requirements.txt", "fastapi==0.115.6\nuvicorn==0.34.0\n"),
            ("shared/main.py", "app = None\n"),
            ("conf/requirements.txt", "gunicorn==23.0.0\n"),
            ("conf/shop/wsgi.py", "application = None\n"),
            ("conf/gunicorn.conf.py", "forwarded_allow_ips = '10.0.0.0/8'\n"),
        ],
    );
    let spec = "stack shop\n\
        service api {\n    build ./api\n    uvicorn main:app bind 8000\n    networks default-net\n}\n\
        service open {\n    build ./open\n    uvicorn main:app bind 8001\n    networks default-net\n    publish 8001 -> 8001\n}\n\
        network edge external\n\
        service shared {\n    build ./shared\n    uvicorn main:app bind 8003\n    networks default-net, edge\n}\n\
        network default-net\n\
        service conf {\n    build ./conf\n    gunicorn shop.wsgi:application config gunicorn.conf.py bind 8002\n    networks default-net\n}\n\
        proxy nginx {\n    publish 8080 -> 80\n    networks default-net\n    location /api/ {\n        proxy_pass api:8000\n    }\n    \
        location /open/ {\n        proxy_pass open:8001\n    }\n    location /shared/ {\n        proxy_pass shared:8003\n    }\n    location / {\n        proxy_pass conf:8002\n    }\n}\n";
    fs::write(dir.path().join("stack.spec"), spec).unwrap();
    let (code, output) = run(
        dir.path(),
        &["build", "stack.spec", "-o", "out", "--allow", "internal-port-published"],
    );
    assert_eq!(code, Some(0), "{output}");
    let cmd = |service: &str| {
        let dockerfile = fs::read_to_string(dir.path().join(format!("out/{service}/Dockerfile"))).unwrap();
        dockerfile.lines().find(|l| l.starts_with("CMD")).unwrap().to_string()
    };
    assert!(
        cmd("api").contains(r#""--forwarded-allow-ips", "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16""#),
        "{}",
        cmd("api")
    );
    assert!(!cmd("open").contains("forwarded"), "{}", cmd("open"));
    assert!(!cmd("shared").contains("forwarded"), "{}", cmd("shared"));
    assert!(!cmd("conf").contains("forwarded"), "{}", cmd("conf"));
}

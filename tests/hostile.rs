//! Hostile strings in every string slot of a spec: each is either rejected
//! with a diagnostic on the spec, or emitted inert, meaning the output, read
//! back by the format's real parser, has the benign build's structure and
//! holds the value exactly where it belongs, unchanged.
//!
//! One spec template has a marker per string slot (every grammar rule that
//! takes `text` or `argv`); a case puts one hostile value in one slot and a
//! benign value in all the others, and runs the real binary. Every output
//! folder is then read back by one run of `tests/support/parse_back.py`:
//! compose.yaml by PyYAML and by `docker-compose config` (what containers
//! really get after compose's `$` interpolation), nginx.conf by crossplane,
//! Dockerfiles by dockerfile-parse. The expected reading of a case is the
//! benign reading with the slot's places set to the value (see
//! [`Slot::expect`]), and the two must be equal as a whole: a value that
//! leaks anywhere else, or changes the structure, fails.
//!
//! The same values go into the spec file's own name and its folder's
//! ([`Name`]), which reach every generated file's header comment and
//! compose.yaml's paths: each file must still open with exactly one comment
//! line ([`check_headers`]), whatever a YAML 1.1 or 1.2 reader, nginx or
//! Docker takes for a line break.

mod support;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use stackc::emit::paths::{normalize, relative};
use stackc::emit::Layout;

/// Modelled on specs/django.spec; every string slot holds a marker.
const TEMPLATE: &str = r#"# The hostile-string test's spec template: one marker per string slot.
stack hostile

volume postgres_data
volume static

secret db_password file @SECRET_FILE@

service db {
    image @IMAGE@
    command @COMMAND@
    user postgres
    env {
        POSTGRES_DB = "app"
        HOSTILE = @ENV_VALUE@
    }
    env_file @ENV_FILE@
    secret POSTGRES_PASSWORD = db_password
    mount postgres_data at "/var/lib/postgresql/data"
    ready cmd @READY_CMD@ every 5s timeout 3s retries 10
    compose x-hostile = @RAW_COMPOSE@
}

job migrate {
    image of web
    run @RUN@
    secret DATABASE_PASSWORD = db_password
    after db ready
}

service web {
    build @BUILD_CONTEXT@ {
        python 3.12
        requirements @REQUIREMENTS@
        collectstatic to @COLLECTSTATIC@
        user app
    }
    gunicorn @GUNICORN_APP@ bind 8000 workers 3
    secret DATABASE_PASSWORD = db_password
    mount static at @MOUNT_TARGET@
    ready http @READY_HTTP@ every 5s timeout 3s retries 10
    after migrate done
}

proxy nginx {
    image @PROXY_IMAGE@
    publish 1337 -> 80
    server_name @SERVER_NAME@
    add_header @ADD_HEADER_NAME@ @ADD_HEADER_VALUE@
    nginx @RAW_NGINX@
    upstream django {
        server web:8000
    }
    location @LOCATION@ {
        proxy_pass django
        proxy_set_header @PROXY_HEADER_NAME@ @PROXY_HEADER_VALUE@
    }
    location /api/ {
        proxy_pass django @PROXY_PASS_URI@
    }
    location /gone/ {
        return 200 @RETURN_TEXT@
    }
    location ~ @LOCATION_REGEX@ {
        return 204
    }
    location /static/ {
        alias static
    }
    after web ready
}
"#;

/// Each marker's benign spec text, used whenever the marker is not the slot
/// under test.
const BENIGN: &[(&str, &str)] = &[
    ("@SECRET_FILE@", r#""secrets/db_password.txt""#),
    ("@IMAGE@", r#""postgres:16.4""#),
    ("@COMMAND@", r#""postgres -c max_connections=100""#),
    ("@ENV_VALUE@", r#""benign""#),
    ("@ENV_FILE@", r#""db.env""#),
    ("@READY_CMD@", r#""pg_isready -h 127.0.0.1""#),
    ("@RUN@", r#""python manage.py migrate --noinput""#),
    ("@BUILD_CONTEXT@", r#""./app""#),
    ("@REQUIREMENTS@", r#""requirements.txt""#),
    ("@COLLECTSTATIC@", r#""/app/staticfiles""#),
    ("@GUNICORN_APP@", r#""backend.wsgi:application""#),
    ("@MOUNT_TARGET@", r#""/app/staticfiles""#),
    ("@READY_HTTP@", r#""/healthz""#),
    ("@PROXY_IMAGE@", r#""nginx:1.30""#),
    ("@SERVER_NAME@", r#""localhost""#),
    ("@LOCATION@", r#""/""#),
    ("@LOCATION_REGEX@", r#""\\.php$""#),
    // Not a header stackc sends by default, which it would replace.
    ("@ADD_HEADER_NAME@", r#""X-Benign""#),
    ("@ADD_HEADER_VALUE@", r#""benign""#),
    ("@RAW_NGINX@", r#""gzip_types text/css""#),
    ("@PROXY_HEADER_NAME@", r#""X-Benign""#),
    ("@PROXY_HEADER_VALUE@", r#""benign""#),
    ("@PROXY_PASS_URI@", r#""/v2/""#),
    ("@RETURN_TEXT@", r#""gone""#),
    ("@RAW_COMPOSE@", r#""{a: 1}""#),
];

/// The hostile values, with the short label the table prints.
fn hostile_values() -> Vec<(&'static str, String)> {
    let values: &[(&str, &str)] = &[
        ("dq", "a\"b"),
        ("sq", "a'b"),
        ("LF", "a\nb"),
        (";", "a;b"),
        ("{", "a{b"),
        ("}", "a}b"),
        ("#", "a#b"),
        ("$", "a$b"),
        ("${X}", "${X}"),
        ("$$", "$$"),
        ("end\\", "ab\\"),
        ("NUL", "a\0b"),
        ("100K", ""), // filled in below
        (" ab ", " ab "),
        ("a b", "a b"),
        ("TAB", "a\tb"),
        ("é😀", "é😀"),
        ("CR", "a\rb"),
        // Beyond the brief's list: more that some format reads specially.
        ("a\\b", "a\\b"),
        ("a:b", "a:b"),
        ("ESC", "a\u{1b}[31mb"),
        ("NEL", "a\u{85}b"),
        ("LS", "a\u{2028}b"),
        ("PS", "a\u{2029}b"),
        ("VT", "a\u{b}b"),
        ("FF", "a\u{c}b"),
        ("FFFE", "a\u{fffe}b"),
        ("RLO", "a\u{202e}b"),
        ("BOM", "\u{feff}ab"),
        ("on", "on"),
        ("null", "null"),
        ("- a", "- a"),
        ("a: b", "a: b"),
        ("&a*a", "&a *a"),
        ("!!int", "!!int 1"),
        ("%2F", "a%2Fb"),
        ("../", "../a"),
        ("--x", "--x"),
        ("*", "a*b"),
    ];
    values
        .iter()
        .map(|&(label, value)| {
            let value = if label == "100K" {
                // Mostly harmless characters, so the size is what is tested.
                format!("{}$é", "x".repeat(100 * 1024))
            } else {
                value.to_string()
            };
            (label, value)
        })
        .collect()
}

/// A string slot of the language.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    SecretFile,
    Image,
    ProxyImage,
    BuildContext,
    Requirements,
    Collectstatic,
    CommandLine,
    CommandList,
    RunLine,
    RunList,
    EnvValue,
    EnvFile,
    MountTarget,
    ReadyCmdLine,
    ReadyCmdList,
    ReadyHttp,
    GunicornApp,
    ServerName,
    Location,
    /// A regex location's regular expression: nginx compiles it, so one
    /// PCRE refuses is a diagnostic on the spec.
    LocationRegex,
    AddHeaderName,
    AddHeaderValue,
    RawNginx,
    ProxyHeaderName,
    ProxyHeaderValue,
    ProxyPassUri,
    ReturnText,
    /// A raw compose value: YAML text, whatever it reads as must reach
    /// compose unchanged.
    RawCompose,
}

impl Kind {
    const ALL: [Kind; 28] = [
        Kind::SecretFile,
        Kind::Image,
        Kind::ProxyImage,
        Kind::BuildContext,
        Kind::Requirements,
        Kind::Collectstatic,
        Kind::CommandLine,
        Kind::CommandList,
        Kind::RunLine,
        Kind::RunList,
        Kind::EnvValue,
        Kind::EnvFile,
        Kind::MountTarget,
        Kind::ReadyCmdLine,
        Kind::ReadyCmdList,
        Kind::ReadyHttp,
        Kind::GunicornApp,
        Kind::ServerName,
        Kind::Location,
        Kind::LocationRegex,
        Kind::AddHeaderName,
        Kind::AddHeaderValue,
        Kind::RawNginx,
        Kind::ProxyHeaderName,
        Kind::ProxyHeaderValue,
        Kind::ProxyPassUri,
        Kind::ReturnText,
        Kind::RawCompose,
    ];
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Slot {
    kind: Kind,
    /// Put before the hostile value: `/` tries slots that want an absolute
    /// path past that first check, so the rest of the value is tested too.
    prefix: &'static str,
}

impl Slot {
    fn all() -> Vec<Slot> {
        use Kind::*;
        // A raw nginx directive is tried past its name only: a bare value
        // would be the directive's name, and its arguments' count a
        // structure of its own.
        let mut slots: Vec<Slot> = Kind::ALL
            .iter()
            .filter(|&&kind| kind != RawNginx)
            .map(|&kind| Slot { kind, prefix: "" })
            .collect();
        for kind in [Collectstatic, MountTarget, ReadyHttp, Location, ProxyPassUri] {
            slots.push(Slot { kind, prefix: "/" });
        }
        // The value as a raw directive's arguments, past its name.
        slots.push(Slot {
            kind: RawNginx,
            prefix: "gzip_types ",
        });
        slots
    }

    fn name(&self) -> String {
        let base = match self.kind {
            Kind::SecretFile => "secret file",
            Kind::Image => "image",
            Kind::ProxyImage => "image (proxy)",
            Kind::BuildContext => "build context",
            Kind::Requirements => "requirements",
            Kind::Collectstatic => "collectstatic to",
            Kind::CommandLine => "command \"..\"",
            Kind::CommandList => "command [..]",
            Kind::RunLine => "run \"..\"",
            Kind::RunList => "run [..]",
            Kind::EnvValue => "env value",
            Kind::EnvFile => "env_file",
            Kind::MountTarget => "mount at",
            Kind::ReadyCmdLine => "ready cmd \"..\"",
            Kind::ReadyCmdList => "ready cmd [..]",
            Kind::ReadyHttp => "ready http",
            Kind::GunicornApp => "gunicorn app",
            Kind::ServerName => "server_name",
            Kind::Location => "location",
            Kind::LocationRegex => "location ~",
            Kind::AddHeaderName => "add_header name",
            Kind::AddHeaderValue => "add_header value",
            Kind::RawNginx => "nginx raw",
            Kind::ProxyHeaderName => "proxy_set_header name",
            Kind::ProxyHeaderValue => "proxy_set_header val",
            Kind::ProxyPassUri => "proxy_pass uri",
            Kind::ReturnText => "return text",
            Kind::RawCompose => "compose x- = ..",
        };
        if self.prefix.is_empty() {
            base.to_string()
        } else {
            format!("{base} ({}+v)", self.prefix)
        }
    }

    fn marker(&self) -> &'static str {
        match self.kind {
            Kind::SecretFile => "@SECRET_FILE@",
            Kind::Image => "@IMAGE@",
            Kind::ProxyImage => "@PROXY_IMAGE@",
            Kind::BuildContext => "@BUILD_CONTEXT@",
            Kind::Requirements => "@REQUIREMENTS@",
            Kind::Collectstatic => "@COLLECTSTATIC@",
            Kind::CommandLine | Kind::CommandList => "@COMMAND@",
            Kind::RunLine | Kind::RunList => "@RUN@",
            Kind::EnvValue => "@ENV_VALUE@",
            Kind::EnvFile => "@ENV_FILE@",
            Kind::MountTarget => "@MOUNT_TARGET@",
            Kind::ReadyCmdLine | Kind::ReadyCmdList => "@READY_CMD@",
            Kind::ReadyHttp => "@READY_HTTP@",
            Kind::GunicornApp => "@GUNICORN_APP@",
            Kind::ServerName => "@SERVER_NAME@",
            Kind::Location => "@LOCATION@",
            Kind::LocationRegex => "@LOCATION_REGEX@",
            Kind::AddHeaderName => "@ADD_HEADER_NAME@",
            Kind::AddHeaderValue => "@ADD_HEADER_VALUE@",
            Kind::RawNginx => "@RAW_NGINX@",
            Kind::ProxyHeaderName => "@PROXY_HEADER_NAME@",
            Kind::ProxyHeaderValue => "@PROXY_HEADER_VALUE@",
            Kind::ProxyPassUri => "@PROXY_PASS_URI@",
            Kind::ReturnText => "@RETURN_TEXT@",
            Kind::RawCompose => "@RAW_COMPOSE@",
        }
    }

    /// The spec text that stands for the marker.
    fn render(&self, value: &str) -> String {
        match self.kind {
            Kind::CommandList | Kind::RunList => format!("[\"echo\", {}]", spec_string(value)),
            Kind::ReadyCmdList => format!("[\"pg_isready\", {}]", spec_string(value)),
            _ => spec_string(value),
        }
    }

    /// The 1-based line of the template the slot is on.
    fn line(&self) -> usize {
        TEMPLATE
            .lines()
            .position(|l| l.contains(self.marker()))
            .expect("every marker is in the template")
            + 1
    }

    /// Sets, in the benign reading, every place the value must appear in.
    /// `v` is the value as the spec means it; compose.yaml holds it with `$`
    /// doubled (compose's escape), every reader after compose holds `v`.
    fn expect(&self, r: &mut Value, v: &str, case: &str) -> Result<(), String> {
        // The case's layout, under a made-up temporary folder: absolute
        // paths are compared with their folders hidden (see `case_path`),
        // relative ones as they are.
        let layout = Layout::new(format!("/TMP/{case}/s.spec"), format!("/TMP/{case}/out"));
        match self.kind {
            Kind::SecretFile => {
                set(r, "/yaml/secrets/db_password/file", dollars(&layout.for_compose(v)));
                set(r, "/compose/secrets/db_password/file", case_path(case, v));
            }
            Kind::Image => {
                docker_reference(v)?;
                set(r, "/yaml/services/db/image", dollars(v));
                set(r, "/compose/services/db/image", v);
            }
            Kind::ProxyImage => {
                docker_reference(v)?;
                let from = instruction(r, "nginx/Dockerfile", |i| i["instruction"] == "FROM");
                from["value"] = json!(v);
            }
            Kind::BuildContext => {
                set(r, "/yaml/services/web/build/context", dollars(&layout.for_compose(v)));
                let dockerfile = layout.artifact_from(v, "web/Dockerfile");
                set(r, "/yaml/services/web/build/dockerfile", dollars(&dockerfile));
                // Compose makes the context absolute and keeps `dockerfile`
                // relative to it: from the folder the spec named to the
                // Dockerfile stackc wrote.
                set(r, "/compose/services/web/build/context", case_path(case, v));
                let context = normalize(&layout.spec_dir().join(v));
                let to_dockerfile = relative(&context, &layout.out_dir.join("web/Dockerfile"));
                set(r, "/compose/services/web/build/dockerfile", lossless(&to_dockerfile));
            }
            Kind::Requirements => {
                let copy = instruction(r, "web/Dockerfile", |i| {
                    i["instruction"] == "COPY" && i["json"].is_array()
                });
                // The file, copied to its folder (these values name no
                // folder: the top of the build folder).
                copy["json"] = json!([v, "./"]);
                let pip = instruction(r, "web/Dockerfile", |i| i["json"][0] == "pip");
                pip["json"] = json!(["pip", "install", "-r", v]);
            }
            Kind::Collectstatic => {
                // collectstatic runs as the app user, who owns its target
                // (listed before the mount targets); a target under /app
                // with a plain name is kept out of the build by the
                // .dockerignore, anything else is not listed there.
                set_writable(r, &[v, "/app/staticfiles"]);
                let plain = v.strip_prefix("/app/").filter(|rest| {
                    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
                });
                const MADE: &str = "\n# Made by the image, and stackc's output.\n";
                let ignore = r["other"]["web/Dockerfile.dockerignore"].as_str().unwrap().to_string();
                let without = ignore
                    .strip_suffix(&format!("{MADE}staticfiles\n"))
                    .expect("the benign ignore file ends with the static folder")
                    .to_string();
                let expected = match plain {
                    Some(rest) => format!("{without}{MADE}{}\n", rest.trim_end_matches('/')),
                    None => without,
                };
                set(r, "/other/web~1Dockerfile.dockerignore", expected);
            }
            Kind::CommandLine => set_command(r, "db", shell_words(v)?),
            Kind::CommandList => set_command(r, "db", vec!["echo".to_string(), v.to_string()]),
            Kind::RunLine => set_command(r, "migrate", shell_words(v)?),
            Kind::RunList => set_command(r, "migrate", vec!["echo".to_string(), v.to_string()]),
            Kind::EnvValue => {
                set(r, "/yaml/services/db/environment/HOSTILE", dollars(v));
                set(r, "/compose/services/db/environment/HOSTILE", v);
            }
            Kind::EnvFile => {
                set(r, "/yaml/services/db/env_file", [dollars(&layout.for_compose(v))]);
                set(r, "/compose/services/db/env_file/0/path", case_path(case, v));
            }
            Kind::MountTarget => {
                // Compose cleans a container path (`/../a` is `/a`), as
                // the container's file system would read it anyway.
                let clean = |p: &str| lossless(&normalize(Path::new(p)));
                set(r, "/yaml/services/web/volumes/0/target", dollars(v));
                set(r, "/compose/services/web/volumes/0/target", clean(v));
                // nginx serves the volume from a folder of its own; the
                // app's user owns the mount target.
                set_writable(r, &["/app/staticfiles", v]);
            }
            Kind::ReadyCmdLine => {
                // Validated as a shell line, handed to the shell as written.
                shell_words(v)?;
                set(
                    r,
                    "/yaml/services/db/healthcheck/test",
                    ["CMD-SHELL".to_string(), dollars(v)],
                );
                set(r, "/compose/services/db/healthcheck/test", ["CMD-SHELL", v]);
            }
            Kind::ReadyCmdList => {
                set(
                    r,
                    "/yaml/services/db/healthcheck/test",
                    ["CMD", "pg_isready", dollars(v).as_str()],
                );
                set(r, "/compose/services/db/healthcheck/test", ["CMD", "pg_isready", v]);
            }
            Kind::ReadyHttp => {
                // The request path is the probe's argument, never its code.
                let path = url_path(v);
                set(r, "/yaml/services/web/healthcheck/test/4", dollars(&path));
                set(r, "/compose/services/web/healthcheck/test/4", path);
            }
            Kind::GunicornApp => {
                let cmd = instruction(r, "web/Dockerfile", |i| i["instruction"] == "CMD");
                let words = cmd["json"].as_array_mut().ok_or("the benign CMD is not exec form")?;
                *words.last_mut().ok_or("the benign CMD is empty")? = json!(v);
            }
            Kind::ServerName => {
                nginx_directive(r, &[("server", 0), ("server_name", 0)])["args"] = json!([v]);
            }
            Kind::Location => {
                nginx_directive(r, &[("server", 0), ("location", 0)])["args"] = json!([v]);
            }
            Kind::LocationRegex => {
                nginx_directive(r, &[("server", 0), ("location", 3)])["args"] = json!(["~", v]);
            }
            // After stackc's X-Content-Type-Options, X-Frame-Options and
            // Referrer-Policy.
            Kind::AddHeaderName => {
                nginx_directive(r, &[("server", 0), ("add_header", 3)])["args"] = json!([v, "benign", "always"]);
            }
            Kind::AddHeaderValue => {
                let args = json!(["X-Benign", v, "always"]);
                nginx_directive(r, &[("server", 0), ("add_header", 3)])["args"] = args;
            }
            Kind::RawNginx => {
                // Written as given: nginx reads the words its lexer finds.
                let words = nginx_words(v)?;
                let raw = nginx_directive(r, &[("server", 0), ("gzip_types", 0)]);
                raw["directive"] = json!(words[0]);
                raw["args"] = json!(words[1..]);
            }
            Kind::ProxyHeaderName | Kind::ProxyHeaderValue => {
                // After stackc's Host, X-Real-IP, X-Forwarded-For and -Proto.
                let args = match self.kind {
                    Kind::ProxyHeaderName => json!([v, "benign"]),
                    _ => json!(["X-Benign", v]),
                };
                nginx_directive(r, &[("server", 0), ("location", 0), ("proxy_set_header", 4)])["args"] = args;
            }
            Kind::ProxyPassUri => {
                // The raw request's rest after the location's path, appended.
                let at = |name, nth| [("server", 0), ("location", 1), (name, nth)];
                nginx_directive(r, &at("rewrite", 1))["args"] = json!(["^/api/(.*)", format!("{v}$1"), "break"]);
                nginx_directive(r, &at("proxy_pass", 0))["args"] = json!([format!("http://django{v}$1")]);
            }
            Kind::ReturnText => {
                nginx_directive(r, &[("server", 0), ("location", 2), ("return", 0)])["args"] = json!(["200", v]);
            }
            Kind::RawCompose => {
                // What the YAML text means is the user's; that meaning must
                // arrive intact in compose.yaml, every string's `$` doubled.
                // (`docker compose config` drops `x-` keys of a service, so
                // only the YAML readers see it.)
                // Read as YAML 1.2, as compose and stackc read it (`on` is a string).
                let options = serde_saphyr::options! { strict_booleans: true, legacy_octal_numbers: false };
                let value: Value =
                    serde_saphyr::from_str_with_options(v, options).map_err(|e| format!("not YAML: {e}"))?;
                set(r, "/yaml/services/db/x-hostile", map_strings(&value, &dollars));
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- expectations

/// The words nginx reads from a raw directive, by nginx's lexer rules
/// (ngx_conf_read_token): words end at spaces; a quote opens a word only at
/// its start, and the quoted word must end at a space; a backslash keeps the
/// next character; then `\"`, `\'`, `\\`, `\t`, `\r`, `\n` are unescaped.
fn nginx_words(v: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = v.chars().peekable();
    loop {
        while chars.next_if_eq(&' ').is_some() {}
        let Some(first) = chars.next() else { break };
        let mut raw = String::new();
        if first == '"' || first == '\'' {
            loop {
                match chars.next() {
                    None => return Err(format!("{v:?}: an unclosed quote was accepted")),
                    Some('\\') => raw.extend(['\\', chars.next().ok_or("a last backslash was accepted")?]),
                    Some(c) if c == first => break,
                    Some(c) => raw.push(c),
                }
            }
            if chars.peek().is_some_and(|&c| c != ' ') {
                return Err(format!("{v:?}: nginx refuses a character right after a closing quote"));
            }
        } else {
            let mut c = first;
            loop {
                if ";{}".contains(c) {
                    return Err(format!("{v:?}: `{c}` outside quotes was accepted"));
                }
                raw.push(c);
                if c == '\\' {
                    raw.push(chars.next().ok_or("a last backslash was accepted")?);
                }
                match chars.next_if(|&c| c != ' ') {
                    Some(next) => c = next,
                    None => break,
                }
            }
        }
        let mut word = String::new();
        let mut rest = raw.chars();
        while let Some(c) = rest.next() {
            match (c, rest.clone().next()) {
                ('\\', Some(n @ ('"' | '\'' | '\\'))) => {
                    word.push(n);
                    rest.next();
                }
                ('\\', Some(n @ ('t' | 'r' | 'n'))) => {
                    word.push(match n {
                        't' => '\t',
                        'r' => '\r',
                        _ => '\n',
                    });
                    rest.next();
                }
                _ => word.push(c),
            }
        }
        words.push(word);
    }
    if words.is_empty() {
        return Err(format!("{v:?}: an empty directive was accepted"));
    }
    Ok(words)
}

/// A value as compose.yaml must hold it: compose reads `$` as the start of a
/// variable, `$$` as a literal `$`.
fn dollars(v: &str) -> String {
    v.replace('$', "$$")
}

/// The value with `f` applied to every string in it, keys included.
fn map_strings(value: &Value, f: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(f(s)),
        Value::Array(items) => Value::Array(items.iter().map(|i| map_strings(i, f)).collect()),
        Value::Object(entries) => Value::Object(entries.iter().map(|(k, v)| (f(k), map_strings(v, f))).collect()),
        other => other.clone(),
    }
}

/// Where compose resolves a path the spec wrote: next to the spec, with the
/// folders hidden as parse_back.py hides them (the case's folder is
/// `<CASE>`, the folder of all cases `<TMP>`).
fn case_path(case: &str, v: &str) -> String {
    let text = lossless(&normalize(&Path::new("/TMP").join(case).join(v)));
    if let Some(inside) = text.strip_prefix(&format!("/TMP/{case}")) {
        format!("<CASE>{inside}")
    } else {
        format!(
            "<TMP>{}",
            text.strip_prefix("/TMP").expect("`..` climbs one folder at most")
        )
    }
}

fn lossless(path: &Path) -> String {
    path.to_str().expect("test paths are UTF-8").to_string()
}

/// How lowering splits a command line: as a POSIX shell would.
fn shell_words(v: &str) -> Result<Vec<String>, String> {
    match shlex::split(v) {
        Some(words) if !words.is_empty() => Ok(words),
        _ => Err(format!("{v:?} is not a shell line with words, yet it was accepted")),
    }
}

/// An image reference Docker accepts, after the grammar of
/// github.com/distribution/reference (regexp.go): an accepted `image` that
/// Docker then refuses would only fail at `docker compose up`.
fn docker_reference(v: &str) -> Result<(), String> {
    let alnum_lower = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    // pathComponent: alphanumerics joined by `.`, `_`, `__` or runs of `-`.
    let path_component = |s: &str| {
        let mut rest = s;
        loop {
            let end = rest
                .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
                .unwrap_or(rest.len());
            if !alnum_lower(&rest[..end]) {
                return false;
            }
            rest = &rest[end..];
            if rest.is_empty() {
                return true;
            }
            let separator = rest
                .find(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                .unwrap_or(rest.len());
            let sep = &rest[..separator];
            if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-')) {
                return false;
            }
            rest = &rest[separator..];
        }
    };
    let domain_component = |s: &str| {
        !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    };
    let domain = |s: &str| {
        let (host, port) = match s.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (s, None),
        };
        host.split('.').all(domain_component)
            && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let (rest, digest) = match v.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (v, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    let components: Vec<&str> = name.split('/').collect();
    // The first component is a registry when it looks like a host.
    let (registry, path) = match components.as_slice() {
        [first, path @ ..] if !path.is_empty() && (first.contains(['.', ':']) || *first == "localhost") => {
            (Some(*first), path)
        }
        all => (None, all),
    };
    let tag_ok = |t: &str| {
        (1..=128).contains(&t.len())
            && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
            && !t.starts_with(['.', '-'])
    };
    let digest_ok = |d: &str| {
        d.split_once(':').is_some_and(|(algorithm, hex)| {
            algorithm.starts_with(|c: char| c.is_ascii_alphabetic())
                && algorithm
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_+.".contains(&b))
                && hex.len() >= 32
                && hex.bytes().all(|b| b.is_ascii_hexdigit())
        })
    };
    let ok = registry.is_none_or(domain)
        && path.iter().all(|c| path_component(c))
        && tag.is_none_or(tag_ok)
        && digest.is_none_or(digest_ok);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{v:?} was accepted as an image, but Docker rejects it as a reference"
        ))
    }
}

/// A URL path with every byte that may not stand in one percent-encoded
/// (RFC 3986 pchar, `/`; `%` and `?` pass so a spec can write an encoded
/// path or a query).
fn url_path(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%?".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The app's `RUN groupadd ...` line (shell form) gains an `install -d` that
/// makes a mount target writable by the app's user.
/// A service's compose `command`: as written in compose.yaml (`$` doubled)
/// and as compose reads it back.
fn set_command(r: &mut Value, service: &str, words: Vec<String>) {
    let written: Vec<String> = words.iter().map(|w| dollars(w)).collect();
    set(r, &format!("/yaml/services/{service}/command"), written);
    set(r, &format!("/compose/services/{service}/command"), words);
}

/// The folders the Dockerfile's user RUN makes the app's, as the shell
/// splits that line: each distinct folder once, in order.
fn set_writable(r: &mut Value, folders: &[&str]) {
    let run = instruction(r, "web/Dockerfile", |i| {
        i["instruction"] == "RUN" && i["words"].get(0).is_some_and(|w| w == "groupadd")
    });
    let words = run["words"].as_array_mut().expect("shell words");
    let install = words.iter().position(|w| w == "install").expect("an install -d");
    words.truncate(install + 6);
    let mut seen: Vec<&str> = Vec::new();
    for folder in folders {
        if !seen.contains(folder) {
            seen.push(folder);
            words.push(json!(folder));
        }
    }
}

fn set(r: &mut Value, pointer: &str, value: impl serde::Serialize) {
    let place = r
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("the benign output has no {pointer}"));
    *place = serde_json::to_value(value).unwrap();
}

/// The first Dockerfile instruction that matches.
fn instruction<'a>(r: &'a mut Value, dockerfile: &str, matches: impl Fn(&Value) -> bool) -> &'a mut Value {
    r["dockerfiles"][dockerfile]
        .as_array_mut()
        .unwrap_or_else(|| panic!("the benign output has no {dockerfile}"))
        .iter_mut()
        .find(|i| matches(i))
        .unwrap_or_else(|| panic!("the benign {dockerfile} has no such instruction"))
}

/// A directive of the proxy's nginx.conf, by (name, nth of that name) at
/// each level inside `http`.
fn nginx_directive<'a>(r: &'a mut Value, path: &[(&str, usize)]) -> &'a mut Value {
    let mut current = &mut r["nginx"]["nginx/nginx.conf"];
    let path = [("http", 0)].iter().chain(path);
    for (depth, &(name, nth)) in path.enumerate() {
        let list = if depth == 0 { current } else { &mut current["block"] };
        current = list
            .as_array_mut()
            .unwrap_or_else(|| panic!("no block holds `{name}`"))
            .iter_mut()
            .filter(|d| d["directive"] == name)
            .nth(nth)
            .unwrap_or_else(|| panic!("the benign nginx.conf has no `{name}` #{nth}"));
    }
    current
}

// ---------------------------------------------------------------- structure

/// What a reading looks like without its values: map keys, list lengths
/// (except lists of plain values, whose length is a value: a command's
/// words) and value types.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let mut types: Vec<&str> = items.iter().map(type_name).collect();
            types.sort();
            types.dedup();
            json!(format!("[{}]", types.join("|")))
        }
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        other => json!(type_name(other)),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
    }
}

/// The structure the brief names: output files, compose keys (as YAML and
/// as compose sees them), nginx directives and blocks, Dockerfile
/// instructions.
fn structure(r: &Value) -> Value {
    let dockerfiles: BTreeMap<String, Vec<Value>> = r["dockerfiles"]
        .as_object()
        .map(|files| {
            files
                .iter()
                .map(|(path, list)| {
                    let instructions = list.as_array().unwrap().iter().map(|i| i["instruction"].clone());
                    (path.clone(), instructions.collect())
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "files": r["files"],
        "yaml": shape(&r["yaml"]),
        "compose": shape(&r["compose"]),
        "nginx": shape(&r["nginx"]),
        "dockerfiles": dockerfiles,
    })
}

/// Every place two readings differ, as `pointer: actual != expected`.
fn differences(actual: &Value, expected: &Value, at: String, out: &mut Vec<String>) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            for key in a.keys().chain(e.keys().filter(|k| !a.contains_key(*k))) {
                let next = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                match (a.get(key), e.get(key)) {
                    (Some(a), Some(e)) => differences(a, e, next, out),
                    (a, e) => out.push(format!("{next}: {} != {}", brief(a), brief(e))),
                }
            }
        }
        (Value::Array(a), Value::Array(e)) if a.len() == e.len() => {
            for (i, (a, e)) in a.iter().zip(e).enumerate() {
                differences(a, e, format!("{at}/{i}"), out);
            }
        }
        (a, e) if a != e => out.push(format!("{at}: {} != {}", brief(Some(a)), brief(Some(e)))),
        _ => {}
    }
}

/// A value for a failure message: short enough to read.
fn brief(v: Option<&Value>) -> String {
    let text = v.map_or_else(|| "(missing)".to_string(), Value::to_string);
    cut(&text, 300)
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let head: String = text.chars().take(max).collect();
        format!("{head}... ({} chars)", text.chars().count())
    }
}

// ---------------------------------------------------------------- the spec

/// A value as a spec string literal.
fn spec_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The template with `slot` set to the spec text `text` (benign elsewhere).
fn spec_text(slot: Option<(Slot, &str)>) -> String {
    let mut spec = TEMPLATE.to_string();
    if let Some((slot, value)) = slot {
        spec = spec.replace(slot.marker(), &slot.render(value));
    }
    for (marker, benign) in BENIGN {
        spec = spec.replace(marker, benign);
    }
    for (marker, _) in BENIGN {
        assert!(!spec.contains(marker), "{marker} is left in the spec");
    }
    spec
}

// ---------------------------------------------------------------- running

/// What a case makes hostile.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    /// The benign spec, in the case's folder: what slot cases compare to.
    Benign,
    /// The benign spec in a folder of its own (`d/s.spec`), the output
    /// beside that folder: what name cases compare to.
    NestedBenign,
    Slot(Slot),
    Name(Name),
}

struct Case {
    target: Target,
    label: &'static str,
    value: String,
    dir: PathBuf,
    /// The spec file, relative to `dir`.
    spec: PathBuf,
    /// The case's cell in the table: (row, value's column).
    cell: Option<(usize, usize)>,
}

impl Case {
    fn spec(&self) -> PathBuf {
        self.dir.join(&self.spec)
    }

    fn out(&self) -> PathBuf {
        self.dir.join("out")
    }

    /// The case's folder name.
    fn name(&self) -> String {
        self.dir.file_name().unwrap().to_str().unwrap().to_string()
    }

    fn title(&self) -> String {
        let value = || cut(&format!("{:?}", self.value), 80);
        match self.target {
            Target::Slot(slot) => format!("slot `{}`, value {} = {}", slot.name(), self.label, value()),
            Target::Name(name) => format!("{}, value {} = {}", name.title(), self.label, value()),
            Target::Benign | Target::NestedBenign => "the benign spec".to_string(),
        }
    }
}

/// A hostile value in a name rather than in the spec's text: the spec
/// file's own name, or its folder's. The generated files' header comments
/// name the spec, and compose.yaml's paths pass through its folder.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Name {
    SpecFile,
    SpecFolder,
}

impl Name {
    const ALL: [Name; 2] = [Name::SpecFile, Name::SpecFolder];

    fn title(self) -> &'static str {
        match self {
            Name::SpecFile => "spec file name",
            Name::SpecFolder => "spec folder name",
        }
    }

    /// Whether one file name can hold the value.
    fn fits(value: &str) -> bool {
        !value.contains(['/', '\0']) && value.len() <= 100
    }

    /// The spec's path with the value in it; `d/s.spec` is the benign one.
    fn spec(self, value: &str) -> PathBuf {
        match self {
            Name::SpecFile => PathBuf::from(format!("d/s{value}.spec")),
            Name::SpecFolder => PathBuf::from(format!("d{value}/s.spec")),
        }
    }

    /// Sets, in the nested benign reading, every place the value must
    /// appear in: the spec's folder in compose.yaml's paths (as written,
    /// relative to compose.yaml, and as compose resolves them). The file's
    /// own name appears only in header comments, checked by
    /// [`check_headers`].
    fn expect(self, r: &mut Value, v: &str) {
        if self == Name::SpecFolder {
            let folder = format!("d{v}");
            let written = format!("../{}/", dollars(&folder));
            r["yaml"] = map_strings(&r["yaml"], &|s| s.replace("../d/", &written));
            let resolved = format!("<CASE>/{folder}/");
            r["compose"] = map_strings(&r["compose"], &|s| s.replace("<CASE>/d/", &resolved));
        }
    }
}

/// The start and end of the header line every generated file opens with.
const HEADER_START: &str = "# Generated by stackc from ";
const HEADER_END: &str = ". Edit the spec, not this file.";

/// Every file the case wrote opens with one header comment line that no
/// reader takes for more than a comment: no character a YAML 1.1 or 1.2
/// reader, nginx or Docker ends a line at (or refuses) is in it.
fn check_headers(case: &Case) -> Result<(), String> {
    let mut pending = vec![case.out()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).map_err(|e| e.to_string())? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.file_name().is_some_and(|n| n == ".stackc-manifest") {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let first = text.split('\n').next().unwrap_or_default();
            let breaks =
                |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}');
            if !first.starts_with(HEADER_START) || !first.ends_with(HEADER_END) || first.chars().any(breaks) {
                return Err(format!(
                    "{} does not open with one header line: {first:?}",
                    path.display()
                ));
            }
        }
    }
    Ok(())
}

/// The reading with every header comment replaced by `<HEADER>`: they name
/// the spec's path, which differs between cases ([`check_headers`] checks
/// them as written).
fn without_headers(mut r: Value) -> Value {
    if let Some(dockerfiles) = r["dockerfiles"].as_object_mut() {
        for instructions in dockerfiles.values_mut() {
            if let Some(first) = instructions.get_mut(0).filter(|i| i["instruction"] == "COMMENT") {
                first["value"] = json!("<HEADER>");
            }
        }
    }
    if let Some(others) = r["other"].as_object_mut() {
        for text in others.values_mut() {
            if let Some((first, rest)) = text.as_str().and_then(|t| t.split_once('\n')) {
                if first.starts_with(HEADER_START) {
                    *text = json!(format!("<HEADER>\n{rest}"));
                }
            }
        }
    }
    r
}

/// Creates what the case's spec names besides itself (the build folder and
/// its requirements file, the env file, the secret file), hostile names
/// included wherever the file system takes them inside the case's folder:
/// a path slot then tests how the name is written, not that it is missing.
fn provide_named_files(case: &Case) {
    let value = |marker: &str| match case.target {
        Target::Slot(slot) if slot.marker() == marker => case.value.clone(),
        _ => {
            let (_, benign) = BENIGN.iter().find(|(m, _)| *m == marker).unwrap();
            benign.trim_matches('"').to_string()
        }
    };
    let spec_dir = case.spec().parent().unwrap().to_path_buf();
    let inside = |relative: &str| {
        let path = normalize(&spec_dir.join(relative));
        (path.starts_with(&case.dir) && path != case.dir).then_some(path)
    };
    let file = |path: Option<PathBuf>| {
        if let Some(path) = path {
            let _ = std::fs::create_dir_all(path.parent().unwrap());
            let _ = std::fs::write(path, "# provided by the test\n");
        }
    };
    if let Some(context) = inside(&value("@BUILD_CONTEXT@")) {
        let _ = std::fs::create_dir_all(&context);
        let requirements = normalize(&context.join(value("@REQUIREMENTS@")));
        file(requirements.starts_with(&context).then_some(requirements));
    }
    file(inside(&value("@ENV_FILE@")));
    file(inside(&value("@SECRET_FILE@")));
}

/// Builds every case on a few threads; fails if no build ends for a
/// generous while (a guard against a hung stackc, not a measure of speed:
/// the whole run's time depends on what else the machine is running).
fn build_all(cases: &[Case]) -> Vec<Output> {
    const STALL: Duration = Duration::from_secs(120);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
    let jobs: Arc<Vec<(PathBuf, PathBuf)>> = Arc::new(cases.iter().map(|c| (c.spec(), c.out())).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel();
    for _ in 0..workers {
        let (jobs, next, tx) = (Arc::clone(&jobs), Arc::clone(&next), tx.clone());
        // Detached: a hung stackc fails the test below instead of hanging it.
        std::thread::spawn(move || loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            let Some((spec, out)) = jobs.get(i) else { break };
            if tx.send((i, support::build(spec, out))).is_err() {
                break;
            }
        });
    }
    drop(tx);
    let mut outputs: Vec<Option<Output>> = cases.iter().map(|_| None).collect();
    for _ in 0..cases.len() {
        match rx.recv_timeout(STALL) {
            Ok((i, output)) => outputs[i] = Some(output),
            Err(_) => {
                let pending: Vec<String> = cases
                    .iter()
                    .zip(&outputs)
                    .filter(|(_, o)| o.is_none())
                    .map(|(c, _)| c.title())
                    .take(10)
                    .collect();
                panic!(
                    "no stackc build ended within {STALL:?}; still running:\n  {}",
                    pending.join("\n  ")
                );
            }
        }
    }
    outputs.into_iter().map(|o| o.expect("every case reported")).collect()
}

/// Reads every accepted case's output back in one Python run.
fn parse_back(cases: &[&Case]) -> BTreeMap<String, Value> {
    let request = json!({
        "compose": support::tool("venv/bin/docker-compose"),
        "cases": cases.iter().map(|c| json!({
            "key": c.dir.to_str().unwrap(),
            "out": c.out(),
            "root": c.dir,
        })).collect::<Vec<_>>(),
    });
    let mut child = support::python()
        .arg(support::repo().join("tests/support/parse_back.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tests' Python starts");
    let mut stdin = child.stdin.take().unwrap();
    let body = request.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(body.as_bytes()));
    let (tx, rx) = mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    // A guard against a hung reader, not a measure of speed: the run takes
    // about a minute on two idle cores, and longer beside other tests.
    const GUARD: Duration = Duration::from_secs(600);
    let output = match rx.recv_timeout(GUARD) {
        Ok(output) => output.expect("parse_back.py runs"),
        Err(_) => {
            // Only the process this test started.
            let _ = std::process::Command::new("kill").arg(pid.to_string()).status();
            panic!("parse_back.py did not finish within {GUARD:?}");
        }
    };
    writer.join().unwrap().expect("parse_back.py reads its input");
    assert!(
        output.status.success(),
        "parse_back.py failed:\n{}",
        cut(&support::text(&output.stderr), 5000)
    );
    serde_json::from_slice(&output.stdout).expect("parse_back.py prints JSON")
}

/// A rejection must be a rendered diagnostic on the spec, not a crash, and
/// must leave no output behind. Returns the line the diagnostic points at.
fn check_rejection(case: &Case, output: &Output) -> Result<usize, String> {
    let stderr = support::text(&output.stderr);
    let spec = case.spec().display().to_string();
    let mut problems = Vec::new();
    if stderr.contains("panicked") {
        problems.push("stackc panicked".to_string());
    }
    if !stderr.contains('×') {
        problems.push("no rendered diagnostic (`×`)".to_string());
    }
    let line = stderr.split(&format!("[{spec}:")).nth(1).and_then(|rest| {
        let (line, rest) = rest.split_once(':')?;
        let column = rest.split(']').next()?;
        column.parse::<usize>().ok()?;
        line.parse::<usize>().ok()
    });
    if line.is_none() {
        problems.push(format!("no `[{spec}:LINE:COLUMN]` pointing into the spec"));
    }
    if case.out().exists() {
        problems.push("the output folder was written".to_string());
    }
    if problems.is_empty() {
        Ok(line.unwrap())
    } else {
        Err(format!(
            "{} was rejected badly: {}\nstderr:\n{}",
            case.title(),
            problems.join("; "),
            cut(&stderr, 3000)
        ))
    }
}

/// The output file a difference is in, around the place: all of a
/// Dockerfile or nginx.conf, the lines of compose.yaml with the key.
fn relevant_output(case: &Case, difference: &str) -> String {
    let pointer = difference.split(':').next().unwrap_or_default();
    let parts: Vec<String> = pointer
        .split('/')
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect();
    let (file, key) = match parts.get(1).map(String::as_str) {
        Some("yaml" | "compose") => {
            let key = parts.iter().rev().find(|p| p.parse::<usize>().is_err()).cloned();
            ("compose.yaml".to_string(), key)
        }
        _ => (parts.get(2).cloned().unwrap_or_default(), None),
    };
    let text = std::fs::read_to_string(case.out().join(&file)).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let shown: Vec<String> = match key {
        Some(key) => {
            let hits: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].trim_start().starts_with(&format!("{key}:")))
                .collect();
            (0..lines.len())
                .filter(|i| hits.iter().any(|h| h.abs_diff(*i) <= 3))
                .map(|i| format!("{:4} | {}", i + 1, cut(lines[i], 200)))
                .take(60)
                .collect()
        }
        None => lines.iter().map(|l| cut(l, 200)).take(60).collect(),
    };
    format!("--- {file} (as written):\n{}", shown.join("\n"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Rejected,
    Inert,
    Failed,
}

#[test]
fn hostile_values_are_rejected_or_inert_in_every_string_slot() {
    let tmp = tempfile::Builder::new().prefix("hostile").tempdir().unwrap();
    let values = hostile_values();
    let slots = Slot::all();

    let benign = |target, spec: &str, cases: &Vec<Case>| Case {
        target,
        label: "benign",
        value: String::new(),
        dir: tmp.path().join(format!("c{:03}", cases.len())),
        spec: PathBuf::from(spec),
        cell: None,
    };
    let mut cases = Vec::new();
    cases.push(benign(Target::Benign, "s.spec", &cases));
    cases.push(benign(Target::NestedBenign, "d/s.spec", &cases));
    for (row, slot) in slots.iter().enumerate() {
        for (col, (label, value)) in values.iter().enumerate() {
            cases.push(Case {
                target: Target::Slot(*slot),
                label,
                value: format!("{}{value}", slot.prefix),
                dir: tmp.path().join(format!("c{:03}", cases.len())),
                spec: PathBuf::from("s.spec"),
                cell: Some((row, col)),
            });
        }
    }
    for (n, name) in Name::ALL.iter().enumerate() {
        for (col, (label, value)) in values.iter().enumerate().filter(|(_, (_, v))| Name::fits(v)) {
            cases.push(Case {
                target: Target::Name(*name),
                label,
                value: value.clone(),
                dir: tmp.path().join(format!("c{:03}", cases.len())),
                spec: name.spec(value),
                cell: Some((slots.len() + n, col)),
            });
        }
    }
    for case in &cases {
        std::fs::create_dir_all(case.spec().parent().unwrap()).unwrap();
        let slot = match case.target {
            Target::Slot(slot) => Some((slot, case.value.as_str())),
            _ => None,
        };
        std::fs::write(case.spec(), spec_text(slot)).unwrap();
        provide_named_files(case);
    }

    let start = Instant::now();
    let outputs = build_all(&cases);
    let built = start.elapsed();
    let mut failures: Vec<String> = Vec::new();
    let mut outcomes: Vec<Outcome> = vec![Outcome::Failed; cases.len()];
    let mut accepted: Vec<&Case> = Vec::new();
    for (i, (case, output)) in cases.iter().zip(&outputs).enumerate() {
        let stderr = support::text(&output.stderr);
        match (output.status.code(), case.target) {
            (Some(0), _) if !stderr.contains("panicked") => accepted.push(case),
            (Some(1), Target::Slot(slot)) => match check_rejection(case, output) {
                Ok(line) if line == slot.line() => outcomes[i] = Outcome::Rejected,
                Ok(line) => failures.push(format!(
                    "{} was rejected, but the diagnostic points at line {line}, not at the slot's line {}:\n{}",
                    case.title(),
                    slot.line(),
                    cut(&stderr, 3000)
                )),
                Err(failure) => failures.push(failure),
            },
            (code, _) => failures.push(format!(
                "{}: stackc exited with {code:?}\nstderr:\n{}",
                case.title(),
                cut(&stderr, 3000)
            )),
        }
    }
    assert!(
        accepted.len() > 1 && accepted[0].target == Target::Benign && accepted[1].target == Target::NestedBenign,
        "the benign spec must build:\n{}",
        failures.join("\n\n")
    );

    let start = Instant::now();
    let readings = parse_back(&accepted);
    let read = start.elapsed();
    let reading = |case: &Case| without_headers(readings[case.dir.to_str().unwrap()].clone());
    let (benign, nested) = (reading(accepted[0]), reading(accepted[1]));
    for reference in [&benign, &nested] {
        assert!(
            reference["parse_error"].is_null()
                && reference["compose_error"].is_null()
                && reference["compose"].is_object(),
            "the benign output does not read back: {} {}",
            reference["parse_error"],
            reference["compose_error"]
        );
    }
    for case in &accepted {
        if let Err(why) = check_headers(case) {
            failures.push(format!("{}: {why}", case.title()));
        }
    }
    for case in &accepted[2..] {
        let index = cases.iter().position(|c| std::ptr::eq(c, *case)).unwrap();
        let actual = reading(case);
        let result = (|| -> Result<(), String> {
            if let Some(error) = actual["parse_error"].as_str() {
                return Err(format!("a parser fails on the output: {error}"));
            }
            if !actual["compose_error"].is_null() {
                return Err(format!("docker-compose config: {}", actual["compose_error"]));
            }
            let expected = match case.target {
                Target::Slot(slot) => {
                    let mut expected = benign.clone();
                    slot.expect(&mut expected, &case.value, &case.name())?;
                    expected
                }
                Target::Name(name) => {
                    let mut expected = nested.clone();
                    name.expect(&mut expected, &case.value);
                    expected
                }
                Target::Benign | Target::NestedBenign => unreachable!("the references come first"),
            };
            // The benign structure, except where the slot's value is itself
            // structure (a raw compose value).
            let mut problems = Vec::new();
            differences(&structure(&actual), &structure(&expected), String::new(), &mut problems);
            if !problems.is_empty() {
                return Err(format!("the structure changed:\n  {}", problems.join("\n  ")));
            }
            // Paths depend on the case's folder only through <CASE>, and
            // nothing else differs between cases, so the whole reading
            // must be the benign one with the slot's places set.
            differences(&actual, &expected, String::new(), &mut problems);
            if let Some(first) = problems.first() {
                return Err(format!(
                    "the value is not where expected (actual != expected):\n  {}\n{}",
                    problems.join("\n  "),
                    relevant_output(case, first)
                ));
            }
            Ok(())
        })();
        match result {
            Ok(()) => outcomes[index] = Outcome::Inert,
            Err(why) => failures.push(format!("{} was accepted but is not inert: {why}", case.title())),
        }
    }
    let cell = |row: usize, col: usize| cases.iter().position(|c| c.cell == Some((row, col)));

    // The table: one row per slot and name, one column per value.
    let mut table = String::new();
    table.push_str(&format!(
        "{} cases: built in {built:.1?}, read back in {read:.1?}\n",
        cases.len()
    ));
    table.push_str(
        "R = rejected with a diagnostic on the slot's line, I = emitted inert, X = FAILED, - = no file name can hold it\n",
    );
    for (i, (label, value)) in values.iter().enumerate() {
        table.push_str(&format!("  v{i:02} {label:6} = {}\n", cut(&format!("{value:?}"), 40)));
    }
    table.push_str(&format!("{:24}", "slot \\ value"));
    for i in 0..values.len() {
        table.push_str(&format!("{i:02} "));
    }
    table.push('\n');
    let rows = slots
        .iter()
        .map(Slot::name)
        .chain(Name::ALL.iter().map(|n| n.title().to_string()));
    for (row, title) in rows.enumerate() {
        table.push_str(&format!("{title:24}"));
        for col in 0..values.len() {
            let mark = match cell(row, col).map(|i| outcomes[i]) {
                Some(Outcome::Rejected) => "R",
                Some(Outcome::Inert) => "I",
                Some(Outcome::Failed) => "X",
                None => "-",
            };
            table.push_str(&format!("{mark:2} "));
        }
        table.push('\n');
    }
    println!("{table}");

    // NUL can be carried by no format: lowering rejects it everywhere, with
    // its own diagnostic.
    let nul = values.iter().position(|(label, _)| *label == "NUL").unwrap();
    for (row, slot) in slots.iter().enumerate() {
        let case = cell(row, nul).expect("every slot is tried with every value");
        let stderr = support::text(&outputs[case].stderr);
        if outcomes[case] != Outcome::Rejected || !stderr.contains("nul-in-string") {
            failures.push(format!(
                "slot `{}`: a NUL is not rejected by lowering (`nul-in-string`):\n{}",
                slot.name(),
                cut(&stderr, 2000)
            ));
        }
    }
    // A slot that rejects everything tests nothing: each must let some
    // hostile value through (in one of its variants).
    for slot in &slots {
        let kind = slot.kind;
        let inert = slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == kind)
            .any(|(row, _)| (0..values.len()).any(|col| cell(row, col).is_some_and(|i| outcomes[i] == Outcome::Inert)));
        if !inert && slot.prefix.is_empty() {
            failures.push(format!(
                "slot `{}` let no hostile value through: nothing was tested",
                slot.name()
            ));
        }
    }

    assert!(
        failures.is_empty(),
        "{} failure(s):\n\n{}",
        failures.len(),
        failures.iter().take(15).cloned().collect::<Vec<_>>().join("\n\n")
    );
}

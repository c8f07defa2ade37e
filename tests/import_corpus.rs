//! The round-trip corpus: compose projects the test writes itself, each
//! imported (`stackc import`), built (`stackc build`), and compared with
//! the original: the same `docker compose config --format json` after the
//! normalization docs/import.md describes, and the same nginx directive
//! tree (crossplane) for the proxy. Every intended difference (stackc's
//! hardening, its restart default, its image names) is removed by name in
//! [`normalize_service`], so any other difference fails.
//!
//! The projects are modeled on public deployments (docker/awesome-compose,
//! testdriven.io's django-on-docker, cookiecutter-django), written anew.

mod support;

use std::path::Path;

use serde_json::{json, Value};

mod corpus {
    include!("import_corpus/cases.rs");
}

fn compose_config(file: &Path) -> Value {
    let out = std::process::Command::new(support::tool("venv/bin/docker-compose"))
        .arg("-f")
        .arg(file)
        .args(["config", "--format", "json", "--no-env-resolution"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        support::text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What the comparison leaves out of a service: stackc's intended
/// differences (docs/import.md), applied to both sides.
fn normalize_service(service: &mut Value, original: &Value, proxy: bool) {
    let map = service.as_object_mut().unwrap();
    // Hardening stackc adds to every container (and, for images whose
    // Dockerfile it writes, cap_drop: ALL): kept when the original had it.
    for (key, added) in [("security_opt", "no-new-privileges=true"), ("cap_drop", "ALL")] {
        let had = original
            .get(key)
            .and_then(Value::as_array)
            .is_some_and(|a| a.contains(&json!(added)));
        if let Some(list) = map.get_mut(key).and_then(Value::as_array_mut) {
            if !had {
                list.retain(|v| v != &json!(added));
            }
            if list.is_empty() {
                map.remove(key);
            }
        }
    }
    // compose's healthcheck timing, written out by import.
    if let Some(check) = map.get_mut("healthcheck").and_then(Value::as_object_mut) {
        for (key, default) in [
            ("interval", json!("30s")),
            ("timeout", json!("30s")),
            ("retries", json!(3)),
        ] {
            check.entry(key).or_insert(default);
        }
    }
    // compose's short volume syntax leaves empty option maps.
    if let Some(volumes) = map.get_mut("volumes").and_then(Value::as_array_mut) {
        for volume in volumes.iter_mut().filter_map(Value::as_object_mut) {
            volume.retain(|k, v| {
                !(matches!(k.as_str(), "volume" | "bind") && v.as_object().is_some_and(|o| o.is_empty()))
            });
        }
    }
    // stackc's restart default (`unless-stopped`, a job's `no`) where compose's is `no`.
    if original.get("restart").is_none() {
        map.remove("restart");
    }
    // A built image's name and pull policy: stackc names what it builds.
    if original.get("image").is_none() && map.contains_key("build") {
        map.remove("image");
    }
    if original.get("pull_policy").is_none() {
        map.remove("pull_policy");
    }
    // `publish H -> C` is written for IPv4 and IPv6 alike, as Docker's `H:C` means.
    if let Some(ports) = map.get_mut("ports").and_then(Value::as_array_mut) {
        let ipv6 = |p: &Value| p.get("host_ip") == Some(&json!("::"));
        ports.retain(|p| !ipv6(p));
        for port in ports.iter_mut() {
            if port.get("host_ip") == Some(&json!("0.0.0.0")) {
                port.as_object_mut().unwrap().remove("host_ip");
            }
        }
    }
    if proxy {
        // The proxy's image, config and served folders are stackc's: its
        // nginx.conf is compared as a directive tree instead.
        for key in ["build", "image", "volumes", "sysctls", "cap_drop", "user"] {
            if original.get(key).is_none() || matches!(key, "build" | "image" | "volumes") {
                map.remove(key);
            }
        }
    }
}

fn normalize(config: &mut Value, original: &Value, proxies: &[&str]) {
    let services = config["services"].as_object_mut().unwrap();
    for (name, service) in services.iter_mut() {
        let before = &original["services"][name];
        normalize_service(service, before, proxies.contains(&name.as_str()));
    }
    let root = config.as_object_mut().unwrap();
    // Extension fields hold anchors: import reads them where they are used.
    root.retain(|key, _| !key.starts_with("x-"));
    // The header comment's path and the project's file names are not settings.
    root.remove("name");
}

/// The nginx directive tree of a config (a conf.d file is parsed inside an
/// `http` block), as crossplane reads it, without what stackc adds to every
/// config, and with each `alias` folder named by the volume mounted there.
fn nginx_tree(conf: &Path, aliases: &[(String, String)]) -> Value {
    let text = std::fs::read_to_string(conf).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let whole = if text.contains("http {") {
        text
    } else {
        format!("events {{}}\nhttp {{\n{text}\n}}\n")
    };
    let file = dir.path().join("nginx.conf");
    std::fs::write(&file, whole).unwrap();
    let out = support::python()
        .args(["-m", "crossplane", "parse", "--single-file"])
        .arg(&file)
        .output()
        .unwrap();
    let parsed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(parsed["status"], "ok", "{}: {parsed}", conf.display());
    let top = parsed["config"][0]["parsed"].as_array().unwrap();
    let http = top.iter().find(|d| d["directive"] == "http").unwrap();
    let blocks = http["block"].as_array().unwrap();
    // Each upstream by its servers: `proxy_pass http://backend:80` and an
    // upstream made for it say the same.
    let upstreams: Vec<(String, String)> = blocks
        .iter()
        .filter(|d| d["directive"] == "upstream")
        .map(|d| {
            let servers: Vec<String> = d["block"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["args"].to_string())
                .collect();
            (d["args"][0].as_str().unwrap().to_string(), servers.join(" "))
        })
        .collect();
    let kept: Vec<Value> = blocks
        .iter()
        .filter(|d| d["directive"] == "server")
        .map(|d| clean(d, aliases, &upstreams))
        .collect();
    Value::Array(sorted(kept))
}

fn clean(d: &Value, aliases: &[(String, String)], upstreams: &[(String, String)]) -> Value {
    let name = d["directive"].as_str().unwrap();
    let mut args: Vec<Value> = (d["args"].as_array().unwrap().iter())
        .map(|a| json!(nginx_unescape(a.as_str().unwrap_or_default())))
        .collect();
    if name == "client_max_body_size" {
        args = args
            .iter()
            .map(|a| json!(a.as_str().unwrap_or_default().to_ascii_lowercase()))
            .collect();
    }
    if name.ends_with("_timeout") {
        args = args
            .iter()
            .map(|a| json!(nginx_ms(a.as_str().unwrap_or_default())))
            .collect();
    }
    // stackc sets `Connection` from a map of `$http_upgrade` (close when
    // the client asked for no upgrade); the same header for a websocket.
    if name == "proxy_set_header" && args.first() == Some(&json!("Connection")) {
        args[1] = json!("upgrade");
    }
    if name == "proxy_pass" {
        let target = args[0]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("http://")
            .to_string();
        let (host, uri) = target.split_at(target.find('/').unwrap_or(target.len()));
        let servers = match upstreams.iter().find(|(u, _)| u == host) {
            Some((_, servers)) => servers.clone(),
            None if host.contains(':') => json!([host]).to_string(),
            None => json!([format!("{host}:80")]).to_string(),
        };
        args = vec![json!(format!("upstream {servers}{uri}"))];
    }
    if name == "alias" {
        let folder = args[0].as_str().unwrap().trim_end_matches('/').to_string();
        if let Some((volume, _)) = aliases.iter().find(|(_, target)| *target == folder) {
            args = vec![json!(format!("volume:{volume}"))];
        }
    }
    let mut out = json!({"directive": name, "args": args});
    if let Some(block) = d.get("block").and_then(Value::as_array) {
        let children: Vec<Value> = block
            .iter()
            .filter(|c| !stackc_default(c))
            .map(|c| clean(c, aliases, upstreams))
            .collect();
        out["block"] = Value::Array(sorted(children));
    }
    out
}

/// A token as nginx reads it: crossplane keeps backslashes as written,
/// nginx (ngx_conf_read_token) turns `\"`, `\'` and `\\` into the
/// character and `\t`, `\r`, `\n` into the control character, so the
/// regex `\.css$` written bare and `"\\.css$"` are one token to nginx
/// (tests/support/parse_back.py reads the hostile outputs the same way).
fn nginx_unescape(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars().peekable();
    while let Some(c) = chars.next() {
        let unescaped = match (c, chars.peek()) {
            ('\\', Some(&next @ ('"' | '\'' | '\\'))) => Some(next),
            ('\\', Some('t')) => Some('\t'),
            ('\\', Some('r')) => Some('\r'),
            ('\\', Some('n')) => Some('\n'),
            _ => None,
        };
        match unescaped {
            Some(u) => {
                chars.next();
                out.push(u);
            }
            None => out.push(c),
        }
    }
    out
}

/// An nginx time (`2m`, `120s`, `1500ms`, `60`) in milliseconds.
fn nginx_ms(text: &str) -> u64 {
    let mut total = 0;
    let mut number = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(d) = c.to_digit(10) {
            number = number * 10 + u64::from(d);
            continue;
        }
        let unit = match (c, chars.peek()) {
            ('m', Some('s')) => {
                chars.next();
                1
            }
            ('s', _) => 1000,
            ('m', _) => 60_000,
            ('h', _) => 3_600_000,
            ('d', _) => 86_400_000,
            _ => 0,
        };
        total += number * unit;
        number = 0;
    }
    total + number * 1000
}

/// A block's directives in one order: nginx reads these regardless of
/// order (locations match by prefix, headers and settings are a set).
fn sorted(mut list: Vec<Value>) -> Vec<Value> {
    list.sort_by_key(|d| d.to_string());
    list
}

/// A directive stackc writes into every server or location itself.
fn stackc_default(d: &Value) -> bool {
    let name = d["directive"].as_str().unwrap_or_default();
    let args: Vec<&str> = d["args"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    match (name, args.as_slice()) {
        ("listen", ["80"]) => true,
        ("add_header", [_, value, ..]) => value.starts_with("$default_"),
        ("proxy_set_header", [header, value]) => matches!(
            (header.to_ascii_lowercase().as_str(), *value),
            ("host", _)
                | ("x-real-ip", "$remote_addr")
                | ("x-forwarded-for", "$proxy_add_x_forwarded_for")
                | ("x-forwarded-proto", "$scheme")
        ),
        _ => false,
    }
}

/// The named volumes a proxy mounts, by folder.
fn proxy_aliases(config: &Value, proxy: &str) -> Vec<(String, String)> {
    config["services"][proxy]["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["type"] == "volume")
        .map(|v| {
            (
                v["source"].as_str().unwrap_or_default().to_string(),
                v["target"]
                    .as_str()
                    .unwrap_or_default()
                    .trim_end_matches('/')
                    .to_string(),
            )
        })
        .collect()
}

/// The keys of each service (and of the top level) that differ.
fn differences(before: &Value, after: &Value) -> String {
    let mut out = String::new();
    for (key, left) in before.as_object().unwrap() {
        let right = &after[key];
        if left == right {
            continue;
        }
        if key == "services" {
            for (name, service) in left.as_object().unwrap() {
                for (k, v) in service.as_object().unwrap() {
                    if &right[name][k] != v {
                        out.push_str(&format!("  {name}.{k}: {v} != {}\n", right[name][k]));
                    }
                }
                for (k, v) in right[name].as_object().into_iter().flatten() {
                    if service.get(k).is_none() {
                        out.push_str(&format!("  {name}.{k}: (none) != {v}\n"));
                    }
                }
            }
        } else {
            out.push_str(&format!("  {key}: {left} != {right}\n"));
        }
    }
    out
}

/// How import reads the compose file.
#[derive(Clone, Copy, Debug)]
enum Reader {
    /// stackc's own YAML reader (`--no-compose`).
    Own,
    /// `docker compose config`, the real Compose v2 binary.
    Compose,
}

fn round_trips(reader: Reader) {
    let cases = corpus::cases();
    assert!(cases.len() >= 20, "the corpus holds {} projects", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        failures.extend(round_trip(case, reader));
    }
    assert!(
        failures.is_empty(),
        "{reader:?} reader: {} of {} projects:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_corpus_project_round_trips_through_the_own_reader() {
    round_trips(Reader::Own);
}

#[test]
fn every_corpus_project_round_trips_through_docker_compose_config() {
    round_trips(Reader::Compose);
}

/// One project: its differences after build(import(x)), none when it round-trips.
fn round_trip(case: &corpus::Case, reader: Reader) -> Vec<String> {
    let mut failures = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join(case.name);
    for (path, text) in &case.files {
        let path = project.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let spec = project.join("stack.spec");
    let mut command = support::stackc();
    command
        .args(["import", "--format", "json", "-o"])
        .arg(&spec)
        .arg(&project);
    match reader {
        Reader::Own => {
            command.arg("--no-compose");
        }
        Reader::Compose => {
            command.env("STACKC_COMPOSE", support::tool("venv/bin/docker-compose"));
        }
    }
    let out = command.output().unwrap();
    if !out.status.success() {
        failures.push(format!(
            "{}: import failed: {}{}",
            case.name,
            support::text(&out.stderr),
            support::text(&out.stdout)
        ));
        return failures;
    }
    if matches!(reader, Reader::Compose)
        && !std::fs::read_to_string(&spec)
            .unwrap()
            .contains("compose's own `config`")
    {
        failures.push(format!("{}: not read through docker compose config", case.name));
    }
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let dropped: Vec<String> = report
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "import-dropped")
        .map(|d| format!("{}:{} {}", d["line"], d["column"], d["message"]))
        .collect();
    if dropped.len() != case.dropped {
        failures.push(format!(
            "{}: {} dropped, expected {}: {dropped:?}",
            case.name,
            dropped.len(),
            case.dropped
        ));
    }
    let built_dir = project.join("out");
    // The original's lint findings are its own: the round trip builds it as it is.
    let built = support::stackc()
        .args([
            "build",
            "--color",
            "never",
            "--allow",
            "runs-as-root",
            "--allow",
            "pgdata-mount-mismatch",
            "--allow",
            "privileged-container",
            "--allow",
            "pg-password-missing",
            "--allow",
            "open-data-store",
            // django-prod-with-env-files' `.env.prod` names a secret file nothing mounts.
            "--allow",
            "secret-path-unmounted",
            "-o",
        ])
        .arg(&built_dir)
        .arg(&spec)
        .output()
        .unwrap();
    if !built.status.success() {
        let text = std::fs::read_to_string(&spec).unwrap_or_default();
        failures.push(format!(
            "{}: build failed: {}\n{text}",
            case.name,
            support::text(&built.stderr)
        ));
        return failures;
    }
    let original = compose_config(&project.join("compose.yaml"));
    let mut before = original.clone();
    let mut after = compose_config(&built_dir.join("compose.yaml"));
    normalize(&mut before, &original, &case.proxies);
    normalize(&mut after, &original, &case.proxies);
    if before != after && case.dropped == 0 {
        failures.push(format!(
            "{}: compose config differs\n{}spec:\n{}",
            case.name,
            differences(&before, &after),
            std::fs::read_to_string(&spec).unwrap()
        ));
    }
    for proxy in &case.proxies {
        let conf = case
            .files
            .iter()
            .find(|(p, _)| p.ends_with(".conf"))
            .map(|(p, _)| project.join(p))
            .unwrap();
        let left = nginx_tree(&conf, &proxy_aliases(&original, proxy));
        let built_config = compose_config(&built_dir.join("compose.yaml"));
        let right = nginx_tree(
            &built_dir.join(proxy).join("nginx.conf"),
            &proxy_aliases(&built_config, proxy),
        );
        if left != right && case.dropped == 0 {
            failures.push(format!(
                "{}: nginx tree differs\noriginal: {left}\nbuilt:    {right}",
                case.name
            ));
        }
    }
    failures
}

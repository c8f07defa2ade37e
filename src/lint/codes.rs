//! Every diagnostic code that is not a lint rule, with what it means: the
//! spec errors resolution and the parser report, the problems found in the
//! files a spec names, and the checks of suppressions and `stackc.toml`.
//! `stackc explain CODE` and `docs/rules.md` read this list; a test scans
//! `src/` so that no code a diagnostic can carry is missing from it.

use crate::diagnostic::Severity;

/// A code that is not a lint rule.
pub struct CodeDoc {
    pub code: &'static str,
    /// What it usually is: most are errors; a few are warnings.
    pub severity: Severity,
    /// What it means, in one sentence.
    pub meaning: &'static str,
}

const fn error(code: &'static str, meaning: &'static str) -> CodeDoc {
    CodeDoc {
        code,
        severity: Severity::Error,
        meaning,
    }
}

const fn info(code: &'static str, meaning: &'static str) -> CodeDoc {
    CodeDoc {
        code,
        severity: Severity::Info,
        meaning,
    }
}

const fn warning(code: &'static str, meaning: &'static str) -> CodeDoc {
    CodeDoc {
        code,
        severity: Severity::Warning,
        meaning,
    }
}

/// The code of a spec (or `stackc.toml`) stackc could not read at all:
/// missing, a folder, not a regular file, or not UTF-8.
pub const UNREADABLE_FILE: &str = "unreadable-file";

/// Every code that is not a lint rule, sorted.
pub const CODES: &[CodeDoc] = &[
    error("after-absent-in-environment", "in an environment, a service waits for a service or job the environment leaves out"),
    error("alias-needs-path", "`alias VOLUME` in a regular expression or named location, which has no path to serve the volume's files under (nginx refuses it)"),
    error("alias-path-slash", "a location that serves files from a volume (`alias`) does not end with `/`, which nginx would serve outside the folder"),
    error("bad-config", "`stackc.toml` is not valid TOML, cannot be read, or has a key or value stackc does not know"),
    warning("bad-suppression", "a `# stackc:` comment that is not `allow(NAME, ...)`"),
    warning("build-outside-project", "a build folder's Dockerfile, requirements or config is outside the project (its repository, or the spec's folder outside one): stackc neither reads nor quotes it, so what goes into the image (a secret file, a root user) is not checked"),
    error("config-needs-build", "`config` names a file inside the source of an image stackc writes, which only works for an app with its own Dockerfile"),
    error("conflicting-server-name", "two servers on one port answer to the same host name, so nginx would never reach the second"),
    error("conflicting-statements", "a statement shapes the Dockerfile stackc writes, but the build has its own Dockerfile (or two statements contradict each other)"),
    error("dependency-cycle", "services wait for each other (`after`) in a circle, so none of them would ever start"),
    warning("dockerfile-problem", "the app's own Dockerfile has a line stackc cannot read or that `docker build` would reject"),
    error("dockerignore-outside-project", "the build folder's .dockerignore is outside the project: stackc cannot carry its patterns into the ignore file it writes for the image, which the builder reads instead"),
    error("duplicate-dependency", "a service waits for the same service or job twice"),
    error("duplicate-listen", "a server listens on the same port twice"),
    error("duplicate-name", "two declarations of one kind (volumes, secrets, services and jobs, networks, upstreams) share a name"),
    error("duplicate-statement", "a statement that may appear once in a block appears twice"),
    error("duplicate-variable", "an environment variable is set twice in one service, by `env` or `secret`"),
    error("empty-block", "a block that must set something (such as `limits`) sets nothing"),
    error("empty-location", "a proxy location with nothing that answers its requests: no `proxy_pass`, `alias`, `return`, raw line or inherited raw `root`"),
    error("empty-spec", "the spec declares no services, jobs or proxies"),
    error("empty-upstream", "an upstream has no servers to send requests to"),
    error("env-file-invalid", "an env file the spec names has a line compose cannot read (an unclosed quote, a character no variable name has) or a value no container can get (a NUL byte)"),
    warning("env-file-problem", "an env file the spec names has a line compose reads otherwise than it looks (text after a closing quote is another variable)"),
    error("environment-duplicate", "an environment declares a name the base already declares"),
    error("environment-unknown-name", "an environment leaves out or changes a name the base does not declare"),
    error("environment-wrong-kind", "an environment changes a name as another kind than the base declares it (a job as a service)"),
    info("file-outside-project", "a file the spec names is outside the project (its repository, or the spec's folder outside one): a file of the machine the stack runs on, which stackc neither reads nor quotes"),
    error("fmt-changes-meaning", "`stackc fmt` would change what the spec means, so it leaves the file as it is (a bug in stackc: please report it)"),
    error("image-of-unbuilt", "`image of` names a service that does not build an image"),
    warning("import-dropped", "`stackc import`: a setting of the project that the spec does not carry, or that holds a secret the spec could only write out (a build argument, a label, a command line, a raw key); `--strict` fails on it; an error where the setting refused requests (an nginx `if` or `limit_except` that denies), which the spec would let in"),
    info("import-filled", "`stackc import`: a value compose fills from the project's `.env`, or a variable's default (`${TAG:-latest}`), written into the spec as the project runs with it (a later `.env` or host variable no longer changes it); in a `sh -c` command of a container whose env file is that `.env`, left to the container's shell, which reads the same value"),
    info("import-raw", "`stackc import`: a setting carried by an escape hatch (`compose KEY = ...`, `nginx \"...\"`, `dockerfile \"...\"`)"),
    info("import-secret", "`stackc import`: a password or key kept out of the spec: for an image that reads `VAR_FILE` (postgres, mysql, mariadb, mongo), a secret file beside the spec, and the container now reads `VAR_FILE` instead of `VAR`; for any other image, an env file beside the spec that compose reads at run time, and the container still reads `VAR`; a healthcheck that repeats such a password reads it from there in a shell"),
    error("import-unreadable", "`stackc import`: a file of the project that could not be read or parsed"),
    error("invalid-access-mode", "a volume's `access` that is not a Kubernetes access mode (`ReadWriteOnce`, `ReadWriteMany`, `ReadOnlyMany`, `ReadWriteOncePod`)"),
    error("invalid-command", "a command is empty, cannot be split into words as a shell would, or is a `ready cmd` list that starts with compose's `CMD` or `CMD-SHELL`"),
    error("invalid-cpus", "a CPU limit that is not a positive number"),
    error("invalid-duration", "a duration that is not a number with a unit (`30s`, `5m`), or is zero where it cannot be"),
    error("invalid-escape", "a `\\u{...}` escape in a string that is not a Unicode character"),
    error("invalid-header-name", "an HTTP header name with characters a header name cannot have"),
    error("invalid-image", "an image reference Docker would not accept"),
    error("invalid-ip", "an IP address that is not one"),
    error("invalid-limit", "a resource limit Docker cannot apply, such as less memory than a container needs"),
    error("invalid-mount", "a mount option that does not fit the mount (relabelling a volume, a bad target path)"),
    error("invalid-name", "a name that is not a valid service, volume, secret, network or variable name"),
    error("invalid-network-driver", "a network's `driver` that is not one Docker makes networks with (`bridge`, `overlay`, `macvlan`, `ipvlan`)"),
    error("invalid-number", "a number outside the range its statement takes"),
    error("invalid-option", "an option the program (Gunicorn, uvicorn) does not have"),
    error("invalid-package", "a Debian package name that is not one"),
    error("invalid-path", "a path that points outside its folder, is absolute where it must be relative, or names the wrong kind of file"),
    error("invalid-port", "a port outside 1 to 65535"),
    error("invalid-proxy-pass", "a `proxy_pass` address that is not `http://SERVICE:PORT` (or an upstream) of the stack: another scheme, no port, or a host outside the stack"),
    error("invalid-raw", "a raw compose key stackc cannot add, because stackc writes it itself or compose does not know it"),
    error("invalid-raw-nginx", "a raw nginx directive that is not exactly one directive"),
    error("invalid-redirect", "a `return 3xx` without a URL to redirect to"),
    error("invalid-regex", "a location's regular expression that is not in quotes, or that nginx could not compile (an unclosed group or class, a quantifier with nothing to repeat)"),
    error("invalid-replicas", "a replica count that would never start the service"),
    error("invalid-restart", "a restart policy compose does not take, or one that would retry without end"),
    error("invalid-signal", "a stop signal that is not a signal name or number"),
    error("invalid-size", "a size that is not a number with a unit, or is too large"),
    error("invalid-stack-name", "a stack name compose does not accept as a project name (lowercase letters, digits, `-` and `_`)"),
    error("invalid-status", "an HTTP status code outside 100 to 599, or one a statement cannot return"),
    error("invalid-uid", "a user id reserved for the system, not for an app's user"),
    error("invalid-upstream-server", "an upstream server that cannot answer requests, such as a job or a service without the port"),
    error("invalid-user", "a user Docker would not read as written"),
    error("invalid-version", "a Python version that is not a Python 3 release"),
    error("invalid-wsgi-app", "a WSGI or ASGI application that is not `module:attribute`"),
    error("job-restarts", "a job with a restart policy that would run it forever"),
    error("listen-tls-without-certificate", "a server listens with TLS but has no certificate and key"),
    error("missing-file", "a file or folder the spec names is not there: the build folder, a Dockerfile, a requirements or env file"),
    error("missing-image", "a service has neither `image` nor `build`"),
    error("missing-run", "a job has nothing to run"),
    error("missing-stack-name", "the spec does not begin with `stack NAME`"),
    error("mixed-server-forms", "a proxy has `server` blocks and server statements of its own"),
    error("mixed-tls-port", "one port is TLS in one server and plain in another"),
    error("needs-proxy-pass", "a proxy setting in a location that does not proxy requests"),
    error("not-a-job", "`after NAME done` waits for something that is not a one-shot job"),
    error("not-ready-checkable", "`after NAME ready` waits for a service without a readiness check"),
    error("nothing-to-run", "a service builds an image but runs no command"),
    error("nul-in-string", "a string holds a NUL character, which no output format can carry"),
    error("operation-leaves-incomplete", "an environment's operations leave a service or job without a statement it needs, such as its image"),
    error("operation-target-missing", "an environment removes or replaces something the service does not have"),
    error("operation-target-present", "an environment adds something the service already has"),
    error("operation-type-mismatch", "an environment changes a statement the kind of block (service, job, proxy) does not have"),
    warning("peer-failed", "`stackc lint --peers`: a peer linter crashed, timed out or printed what stackc cannot read, so its checks are missing"),
    info("peer-missing", "`stackc lint --peers`: a peer linter (hadolint, gixy, dclint) is not on PATH, so its checks did not run"),
    info("peer-skipped", "`stackc lint --peers`: the peer linters did not run, as the spec has errors or the target is Kubernetes"),
    error("port-published-twice", "two services publish the same host port"),
    error("probe-needs-port", "an HTTP readiness check that does not know which port to ask"),
    error("probe-needs-python", "a TCP or HTTP readiness check on an image not known to have the Python or Node the check runs in under compose (a cluster probes the port itself)"),
    error("publish-on-internal-network", "a service publishes a port but is only on internal networks"),
    error("publish-unused-port", "a proxy publishes a port nginx does not listen on"),
    error("raw-nginx-has-statement", "a raw nginx directive that repeats what a statement of the server already writes"),
    error("raw-nginx-misplaced", "a raw nginx directive in a context where nginx does not allow it"),
    error("redirect-loop", "a server redirects to itself"),
    error("redirect-with-locations", "a redirecting server also has locations, which it would never reach"),
    error("replicas-with-container-name", "several replicas would share one container name"),
    error("replicas-with-published-port", "several replicas would share one host port"),
    error("requirements-file", "a requirements file pip cannot read in the image (a missing `-r` include, an option stackc cannot copy)"),
    error("reserved-name", "a name compose keeps for itself, such as the `default` network"),
    error("secret-file-in-image", "a secret or env file would be copied into an image, because the build folder holds it and nothing ignores it"),
    error("shell-syntax-in-command", "a command uses shell syntax (`&&`, `|`, `$VAR`), but commands run without a shell"),
    error("start-every-without-start", "a readiness check's `start_every` without a `start` period, the only time it applies"),
    error("syntax", "the spec does not parse: a typo, a missing or extra brace or quote, a statement in the wrong block"),
    error("tls-without-listen", "a server has a certificate but no TLS port"),
    error("unknown-environment", "`--env` names an environment the spec does not declare"),
    error("unknown-network", "a service joins a network the spec does not declare"),
    warning("unknown-rule", "a suppression comment or `stackc.toml` names no lint rule (an error in `stackc.toml`)"),
    error("unknown-secret", "a service uses a secret the spec does not declare"),
    error("unknown-service", "`after`, `image of` or an upstream names a service or job the spec does not declare"),
    error("unknown-stage", "a build's `target` names a stage the app's Dockerfile does not have"),
    error("unknown-statement", "an environment names a statement that does not exist"),
    error("unknown-upstream", "`proxy_pass` names an upstream the proxy does not declare"),
    error("unknown-volume", "a `mount` or an `alias` names a volume the spec does not declare"),
    error("unpinned-package", "a package without its version where stackc needs one, so builds stay reproducible"),
    error("unreachable-upstream", "a proxy sends requests to a service it shares no network with"),
    error(UNREADABLE_FILE, "a spec or `stackc.toml` that cannot be read: missing, a folder, not a regular file, or not UTF-8"),
    error("unrepresentable", "a value that cannot be written into compose.yaml, a Dockerfile or nginx.conf as it is"),
    error("unsupported-image", "a Python version or image variant stackc writes no Dockerfile for"),
    warning("unused-declaration", "a volume, secret, network or upstream that is declared but used nowhere"),
    warning("unused-suppression", "a `# stackc: allow(NAME)` comment that suppresses no finding"),
];

/// The entry for `code`, when it is not a lint rule.
pub fn find(code: &str) -> Option<&'static CodeDoc> {
    CODES.binary_search_by(|doc| doc.code.cmp(code)).ok().map(|i| &CODES[i])
}

impl CodeDoc {
    /// `stackc explain CODE` for a code that is not a rule.
    pub fn explanation(&self) -> String {
        let why = match self.severity {
            Severity::Error => {
                "This is not a lint rule: stackc cannot compile the spec until it is fixed, so it cannot be allowed, suppressed or made a warning."
            }
            _ => "This is not a lint rule: stackc reports it about the spec's own files or settings, and it cannot be allowed or suppressed.",
        };
        format!("{}.\n\n{why}", super::docs::capitalized(self.meaning))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;
    use crate::lint::registry;

    #[test]
    fn the_list_is_sorted_and_apart_from_the_rules() {
        assert!(CODES.windows(2).all(|w| w[0].code < w[1].code), "sort CODES by code");
        for doc in CODES {
            assert!(registry::find(doc.code).is_none(), "`{}` is a rule", doc.code);
            assert!(!doc.meaning.ends_with('.'), "`{}`: the full stop is added", doc.code);
        }
    }

    /// Every code a diagnostic is constructed with in `src/` (the first
    /// argument of `Diagnostic::error`, `warning` or `new`), or that
    /// resolution's name kinds report, is a rule or in [`CODES`]; a
    /// constructor given a code that is not a literal must be one of the
    /// known ones (a rule's name, resolution's kinds, the constants for
    /// unreadable files and an unknown environment), so a new kind cannot slip past.
    #[test]
    fn every_code_a_diagnostic_can_carry_is_explained() {
        let mut found = BTreeSet::new();
        let mut computed = Vec::new();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut pending = vec![src.clone()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("lint/codes.rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let shown = path.strip_prefix(&src).unwrap().display().to_string();
                    for argument in constructor_codes(&text) {
                        match argument.strip_prefix('"').and_then(|a| a.strip_suffix('"')) {
                            Some(code) => {
                                found.insert(code.to_string());
                            }
                            None => computed.push(format!("{shown}: {argument}")),
                        }
                    }
                }
            }
        }
        computed.sort();
        // The code as written up to its first `,` or `)`.
        let known = [
            "cli.rs: codes::UNREADABLE_FILE",
            "environment.rs: UNKNOWN_ENVIRONMENT",
            "import/report.rs: code",
            "lint/mod.rs: self.name",
            "lint/peers/mapping.rs: code",
            "resolve.rs: kind.code(",
        ];
        assert_eq!(computed, known, "a code this test cannot read: list what it can be");
        found.extend(crate::resolve::reference_codes().map(str::to_string));
        found.extend(crate::import::report::CODES.map(str::to_string));
        found.insert(UNREADABLE_FILE.to_string());
        found.insert(crate::environment::UNKNOWN_ENVIRONMENT.to_string());
        // A peer linter's finding carries the peer's own code under its
        // name, which `stackc explain` explains from the peer's docs.
        assert!(crate::lint::peers::explain("hadolint/DL3008").is_some());
        assert!(found.len() > 80, "the scan found only {found:?}");
        let unexplained: Vec<&String> = found
            .iter()
            .filter(|code| registry::find(code).is_none() && find(code).is_none())
            .collect();
        assert!(unexplained.is_empty(), "add these to CODES: {unexplained:?}");
    }

    /// The first argument of each `Diagnostic::error(`, `warning(` or
    /// `new(` call in `text`, as written.
    fn constructor_codes(text: &str) -> Vec<String> {
        let mut codes = Vec::new();
        for constructor in ["Diagnostic::error(", "Diagnostic::warning(", "Diagnostic::new("] {
            for (at, _) in text.match_indices(constructor) {
                let rest = text[at + constructor.len()..].trim_start();
                let end = rest.find([',', ')']).unwrap_or(rest.len());
                codes.push(rest[..end].trim().to_string());
            }
        }
        codes
    }
}

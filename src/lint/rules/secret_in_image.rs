use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::emit::paths;
use crate::input::dockerfile::{Instruction, Keyword};
use crate::input::shell::SimpleCommand;
use crate::input::{dockerignore, env_file, OwnImage};
use crate::ir::private_files::{Private, PrivateFiles};
use crate::ir::{Build, Dependencies, LocationAction, OwnDockerfile, RawDirective, Service, Stack};
use crate::lint::secrets::{self, Finding};
use crate::lint::{facts, secret_mounts, Rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags a secret in the app's own Dockerfile (an `ENV` or `ARG` of the
    /// stage that is built, a URL password or well-known token in any other
    /// instruction of it, such as `RUN git clone https://user:TOKEN@...`,
    /// and a build argument the spec passes) and in a
    /// raw `dockerfile` line of a `build` block: an
    /// `ENV`, `ARG` or `LABEL` named for a secret (`ENV SECRET_KEY=...`,
    /// `ARG NPM_TOKEN=...`) with a literal value, and a URL with a password
    /// or a well-known token anywhere in the line (`RUN pip install
    /// git+https://user:TOKEN@github.com/...`), and such a URL in a
    /// requirements file or `pyproject.toml` (an index of uv or Poetry) of
    /// an image stackc writes, which copies the file in
    /// (`--extra-index-url https://user:PASSWORD@...`; pip's `${VAR}` is
    /// not a value). A RUN step (of the app's own Dockerfile or a raw
    /// `dockerfile` line) that copies its BuildKit secret mount's file into
    /// the image (`cp /run/secrets/npmrc /app/.npmrc`, `cat ... > FILE`,
    /// `| tee FILE`) and does not remove the copy in the same step. Also a
    /// proxy's nginx.conf,
    /// which is copied into its image: a `proxy_set_header` or `add_header`
    /// with an `Authorization` header's credentials or a secret-named
    /// header's value, a raw `nginx` directive (in a server, a location or
    /// the `http` block) or a `return` text or URL with a URL password or a
    /// token, and a secret-named `fastcgi_param` or `uwsgi_param` with a
    /// literal value (`fastcgi_param DB_PASSWORD hunter2`).
    ///
    /// A file is a layer too: with the app's own Dockerfile, a secret or
    /// env file the spec names inside the build folder, or a file of the
    /// folder (up to three folders deep: `deploy/.env.production`) that
    /// holds a secret (an `.env` with a password or key, an SSH or PEM
    /// private key whatever the file's name, `deploy_key` or `keys.yml`,
    /// a `.key` file of one random line such as Rails'
    /// `config/master.key`, a tool's credential file with one in it:
    /// `.npmrc`, `.pgpass`, `.my.cnf`, `.htpasswd`, `.docker/config.json`,
    /// a kubeconfig, Terraform's `.tfvars` and `.tfstate`; a file named for
    /// credentials that holds a well-known token or key, such as a
    /// `credentials.json` with an AWS key or a service account's JSON
    /// key), which a `COPY` or `ADD` of the
    /// image copies (`COPY . .`), or of a builder stage whose folder the
    /// image copies with `COPY --from=builder /src /app`, and its
    /// `.dockerignore` does not leave out. (An image stackc writes the Dockerfile of gets an ignore file
    /// that leaves them out, unless a `!` pattern of the app's
    /// `.dockerignore` or of the spec's `ignore` takes one back: flagged
    /// too.) An example env file (`.env.example`,
    /// `.env.sample`, `.env.template`) documents the variables with
    /// placeholders and is committed with the source: not flagged.
    ///
    /// A framework's signing key given to one of its commands in a `RUN`
    /// (`SECRET_KEY=build-key ./manage.py collectstatic`, `SECRET_KEY=dummy
    /// flask digest compile`, `SECRET_KEY_BASE=dummy rails
    /// assets:precompile`) is a stand-in for the build, not flagged, unless
    /// it is the key the container runs with.
    ///
    /// ## Why is this bad?
    /// Every instruction is a layer of the image: whoever can pull the
    /// image reads it with `docker history` or by unpacking the layer,
    /// even when a later instruction overwrites the variable. The line is
    /// also in the spec, which is committed.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         dockerfile "ENV SECRET_KEY=django-insecure-k3y"
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Hand the secret to the running container, never to the image:
    /// ```text
    /// secret django_secret_key file "secrets/django_secret_key.txt"
    ///
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    ///     secret SECRET_KEY = django_secret_key
    /// }
    /// ```
    pub struct SecretInImage {
        name: "secret-in-image",
        severity: Error,
        summary: "a password or token written into an image layer",
    }
}

impl Rule for SecretInImage {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            let settings: Vec<_> = (proxy.servers.iter())
                .flat_map(|s| std::iter::once(&s.settings).chain(s.locations.iter().map(|l| &l.settings)))
                .collect();
            let request = facts::request_headers(proxy)
                .into_iter()
                .filter_map(|header| secrets::header_secret(header.name, header.value).map(|what| (header.span, what)));
            // A response header is in the image and sent to every client.
            let response = (settings.iter().flat_map(|s| &s.response_headers))
                .filter_map(|h| secrets::header_secret(&h.name.value, &h.value.value).map(|what| (h.value.span, what)));
            let raw = (settings.iter().flat_map(|s| &s.raw))
                .chain(&proxy.http)
                .filter_map(|directive| raw_secret(directive).map(|what| (directive.text.span, what)));
            let returned = proxy
                .servers
                .iter()
                .flat_map(|s| &s.locations)
                .filter_map(|l| match &l.action {
                    LocationAction::Return(answer) => answer.text.as_ref(),
                    _ => None,
                })
                .filter_map(|text| secrets::leak_in(&text.value).map(|what| (text.span, what)));
            let headers = request.chain(response);
            let written = raw.chain(returned);
            for (span, what) in headers.chain(written) {
                out.push(
                    Self::META
                        .diagnostic(format!("the image of `{}` has a secret in its nginx.conf", service.name.value))
                        .primary(span, format!("{what}, copied into the proxy's image"))
                        .secret(span)
                        .help("nginx.conf is part of the proxy's image: keep upstream credentials out of it, and let the upstream trust requests from the proxy's network instead"),
                );
            }
        }
        let private = PrivateFiles::of(stack, |path| paths::normalize(Path::new(path)));
        for service in &stack.services {
            if let Some(own) = service.build().and_then(|b| b.own_dockerfile()) {
                own_dockerfile(stack, service, own, &private, out);
                continue;
            }
            let Some(python) = service.build().and_then(|b| b.python()) else {
                continue;
            };
            requirements(stack, service, python, out);
            taken_back(stack, service, python, &private, out);
            for line in python.dockerfile.iter().map(|l| &l.text) {
                if let Some(copied) = secret_mounts::copied(&line.value) {
                    out.push(copy_of_a_build_secret(service, &copied).primary(line.span, copied_label(&copied)));
                    continue;
                }
                let found = secrets::dockerfile_values(&line.value)
                    .into_iter()
                    .find_map(|(name, value)| match secrets::classify(name.as_deref(), &value) {
                        Some(Finding::Certain(what)) => Some((name, what)),
                        _ => None,
                    });
                let Some((name, what)) = found else { continue };
                let help = match name {
                    Some(variable) => {
                        let secret = variable.to_ascii_lowercase();
                        format!(
                            "hand it to the running container instead: `secret {secret} file \"secrets/{secret}.txt\"`, then `secret {variable} = {secret}` in the service (the app reads the path from `{variable}_FILE`)"
                        )
                    }
                    None => "a credential a build step uses stays in its layer: install from a source the build reaches without one, or put what it fetches into the build context".to_string(),
                };
                out.push(
                    Self::META
                        .diagnostic(format!("the image of `{}` has a secret in a layer", service.name.value))
                        .primary(line.span, format!("{what}, readable by anyone who pulls the image"))
                        .secret(line.span)
                        .help(help),
                );
            }
        }
    }
}

/// The secret a raw nginx directive writes: a URL password or a token
/// anywhere in it, a header's credentials (`grpc_set_header`), or a
/// literal value of a secret-named parameter an app gets from nginx
/// (`fastcgi_param DB_PASSWORD hunter2`, as PHP reads `$_SERVER`).
fn raw_secret(directive: &RawDirective) -> Option<String> {
    if let Some(leak) = secrets::leak_in(&directive.text.value) {
        return Some(leak);
    }
    let [name, value, ..] = directive.args.as_slice() else {
        return None;
    };
    if directive.name.ends_with("_set_header") {
        return secrets::header_secret(name, value);
    }
    if !directive.name.ends_with("_param") {
        return None;
    }
    match secrets::classify(Some(name), value)? {
        Finding::Certain(what) => Some(format!("{what} in the parameter `{name}`")),
        Finding::Likely(_) => None,
    }
}

/// A credential in a file the install reads (an index URL with a
/// password, `git+https://user:TOKEN@...`, in a requirements file or in
/// `pyproject.toml`'s `[[tool.uv.index]]` or `[[tool.poetry.source]]`):
/// the Dockerfile stackc writes copies the file into the image before the
/// install reads it. Pip fills `${VAR}` from the build's environment,
/// which is not written; uv and Poetry take an index's credentials from
/// variables of their own.
fn requirements(stack: &Stack, service: &Service, python: &crate::ir::PythonBuild, out: &mut Vec<Diagnostic>) {
    let Some(files) = stack.inputs.requirements_of(&service.name.value) else {
        return;
    };
    let named = python.dependencies.files().into_iter().next();
    for (path, id) in files {
        let text = &stack.inputs.source(*id).text;
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let at = start;
            start += line.len();
            let content = line.trim_end();
            if content.trim_start().starts_with('#') {
                continue;
            }
            let Some(what) = secrets::leak_in(content) else {
                continue;
            };
            let span = Span::new(at, at + content.len());
            let primary = named.as_ref().map_or(service.name.span, |n| n.span);
            out.push(
                SecretInImage::META
                    .diagnostic(format!("the image of `{}` has a secret in its requirements", service.name.value))
                    .primary(primary, format!("`{path}` is copied into the image"))
                    .secondary_in(*id, span, format!("{what}, readable by anyone who pulls the image"))
                    .secret_in(*id, span)
                    .help(match python.dependencies {
                        Dependencies::Pip(_) => "write the credential as `${VAR}` (pip fills it from the environment) and pass it with a BuildKit secret, or install from a source the build reaches without one",
                        Dependencies::Uv(_) => "take the credentials out of the URL: uv reads an index's from `UV_INDEX_NAME_USERNAME` and `UV_INDEX_NAME_PASSWORD`, which a BuildKit secret can set; or install from a source the build reaches without one",
                        Dependencies::Poetry(_) => "take the credentials out of the URL: Poetry reads a source's from `POETRY_HTTP_BASIC_NAME_USERNAME` and `POETRY_HTTP_BASIC_NAME_PASSWORD`, which a BuildKit secret can set; or install from a source the build reaches without one",
                    }),
            );
            break;
        }
    }
}

/// A file of the build folder that holds a secret, which stackc's ignore
/// file leaves out (it is named like one) until a `!` pattern of the
/// app's `.dockerignore` or of the spec's `ignore` takes it back
/// (`!.env`): `COPY . .` then copies it into the image. The spec's own
/// secret and env files are `secret-file-in-image`'s.
fn taken_back(
    stack: &Stack,
    service: &Service,
    python: &crate::ir::PythonBuild,
    private: &PrivateFiles,
    out: &mut Vec<Diagnostic>,
) {
    let app = stack.inputs.dockerignore_of(&service.name.value);
    let app_patterns = app
        .map(|id| dockerignore::parse(&stack.inputs.source(id).text))
        .unwrap_or_default();
    let spec_patterns: Vec<String> = (python.ignore.iter())
        .map(|p| dockerignore::normalize(&p.value).unwrap_or_default())
        .collect();
    // In the order of the ignore file stackc writes: its defaults, the
    // app's patterns, the spec's.
    let patterns: Vec<&str> = (dockerignore::SECRETS.iter().copied())
        .chain(app_patterns.iter().map(|p| p.text.as_str()))
        .chain(spec_patterns.iter().map(String::as_str))
        .collect();
    let named: Vec<String> = (service.build().into_iter())
        .flat_map(|build| private_inside(private, build))
        .map(|file| file.inside)
        .collect();
    for (name, id) in stack.inputs.python_loose_of(&service.name.value) {
        let (left_out, decided) = dockerignore::decide(patterns.iter().copied(), name);
        if left_out || named.contains(name) {
            continue;
        }
        let Some((span, what)) = secret_in_file(name, &stack.inputs.source(*id).text) else {
            continue;
        };
        let diagnostic = SecretInImage::META.diagnostic(format!(
            "the image of `{}` would carry `{name}`, which holds a secret",
            service.name.value
        ));
        let copied = "its image is built with `COPY . .`";
        let taken_back = "this pattern takes it back into `COPY . .`";
        let (diagnostic, help) = match decided {
            // Named like no secret (`credentials.json`): no pattern has it.
            None => (
                diagnostic.primary(service.name.span, copied),
                format!("leave it out of the image: `ignore \"/{name}\"` in the build block; hand the running container its secrets with `secret VAR = NAME`"),
            ),
            Some(decided) => {
                let spec_index = decided.checked_sub(dockerignore::SECRETS.len() + app_patterns.len());
                let diagnostic = match (spec_index, app) {
                    (Some(i), _) => diagnostic.primary(python.ignore[i].span, taken_back),
                    (None, Some(app)) => diagnostic.primary(service.name.span, copied).secondary_in(
                        app,
                        app_patterns[decided - dockerignore::SECRETS.len()].span,
                        taken_back,
                    ),
                    (None, None) => continue,
                };
                (
                    diagnostic,
                    format!("remove the `!` pattern that takes `{name}` back; hand the running container its secrets with `secret VAR = NAME`"),
                )
            }
        };
        out.push(
            diagnostic
                .secondary_in(*id, span, format!("{what}, readable by anyone who pulls the image"))
                .help(help),
        );
    }
}

/// The app's own Dockerfile: the spec's build arguments (compose.yaml and
/// the image's history keep them), and the ENV and ARG values of the stage
/// that is built (ENV inherited from the stages it is built on too).
fn own_dockerfile(
    stack: &Stack,
    service: &Service,
    own: &OwnDockerfile,
    private: &PrivateFiles,
    out: &mut Vec<Diagnostic>,
) {
    for arg in &own.args {
        if let Some(Finding::Certain(what)) = secrets::classify(Some(&arg.name.value), &arg.value.value) {
            out.push(
                SecretInImage::META
                    .diagnostic(format!("the image of `{}` has a secret in a build argument", service.name.value))
                    .primary(arg.value.span, format!("{what}, kept in compose.yaml and the image's history"))
                    .help("a build argument is no secret store: give the running container the value with `secret VAR = NAME`, or use a BuildKit secret mount in the Dockerfile (`RUN --mount=type=secret,...`)"),
            );
        }
    }
    let Some(image) = stack.inputs.image(&service.name.value) else {
        return;
    };
    copied_files(stack, service, own, image, private, out);
    written_lines(stack, service, own, image, out);
    let Some(facts) = image.facts() else { return };
    let env = facts
        .env
        .iter()
        .filter_map(|v| Some((&v.name, v.value.value.known()?, v.value.span)));
    let args = facts
        .args
        .iter()
        .filter_map(|a| Some((&a.name, a.value.known()?, a.default.as_ref()?.span)));
    for (name, value, span) in env.chain(args) {
        let Some(Finding::Certain(what)) = secrets::classify(Some(&name.value), value) else {
            continue;
        };
        out.push(
            SecretInImage::META
                .diagnostic(format!("the image of `{}` has a secret in a layer", service.name.value))
                .primary(own.file.span, format!("its Dockerfile writes `{}` into the image", name.value))
                .secondary_in(image.file, span, format!("{what}, readable by anyone who pulls the image"))
                .secret_in(image.file, span)
                .help(format!(
                    "remove it from the Dockerfile, and hand it to the running container instead: `secret {0} file \"secrets/{0}.txt\"`, then `secret {1} = {0}` in the service",
                    name.value.to_ascii_lowercase(),
                    name.value
                )),
        );
    }
}

/// A password in a URL or a well-known token in an instruction of the
/// image's own stages (`RUN git clone https://user:TOKEN@...`, a `LABEL`,
/// a `HEALTHCHECK`'s command), which `docker history` and the image's
/// config show. ENV and ARG values are read expanded, above; a stage the
/// image only copies files from is left alone.
fn written_lines(stack: &Stack, service: &Service, own: &OwnDockerfile, image: &OwnImage, out: &mut Vec<Diagnostic>) {
    let Some(target) = image.stage else { return };
    let text = &stack.inputs.source(image.file).text;
    let dockerfile = &image.dockerfile;
    let instructions = (dockerfile.stages_in_image(target).into_iter())
        .flat_map(|stage| dockerfile.instructions_of(&dockerfile.stages[stage]))
        .filter(|i| !matches!(i.keyword, Keyword::From | Keyword::Env | Keyword::Arg));
    for instruction in instructions {
        let Some(line) = text.get(instruction.span.start()..instruction.span.end()) else {
            continue;
        };
        if let Some(copied) = (instruction.keyword == Keyword::Run)
            .then(|| secret_mounts::copied(line))
            .flatten()
        {
            out.push(
                copy_of_a_build_secret(service, &copied)
                    .primary(own.file.span, "its Dockerfile copies a build secret into the image")
                    .secondary_in(image.file, instruction.span, copied_label(&copied)),
            );
            continue;
        }
        let stand_ins = build_only_keys(stack, service, instruction);
        let found = (secrets::dockerfile_values(line).into_iter()).find_map(|(name, value)| {
            if stand_ins.iter().any(|(n, v)| name.as_deref() == Some(n) && value == *v) {
                return None;
            }
            match secrets::classify(name.as_deref(), &value)? {
                Finding::Certain(what) => Some(what),
                Finding::Likely(_) => None,
            }
        });
        let given = || {
            (instruction.keyword == Keyword::Run)
                .then(|| password_given(line))
                .flatten()
        };
        let Some(what) = found.or_else(given) else { continue };
        out.push(
            SecretInImage::META
                .diagnostic(format!("the image of `{}` has a secret in a layer", service.name.value))
                .primary(own.file.span, format!("its Dockerfile writes a secret into the image's `{}`", instruction.keyword))
                .secondary_in(image.file, instruction.span, format!("{what}, readable by anyone who pulls the image (`docker history`)"))
                .secret_in(image.file, instruction.span)
                .help("a credential a build step uses stays in its layer: pass it with a BuildKit secret mount (`RUN --mount=type=secret,id=NAME ...`), and hand the running container its secrets with `secret VAR = NAME`"),
        );
    }
}

/// A RUN step that copies its BuildKit secret out of the mount into a file
/// it keeps ([`secret_mounts::copied`]).
fn copy_of_a_build_secret(service: &Service, copied: &secret_mounts::Copied) -> Diagnostic {
    SecretInImage::META
        .diagnostic(format!("the image of `{}` keeps a build secret in a layer", service.name.value))
        .help(format!(
            "use the secret where the mount puts it, in the step that needs it (`--mount=type=secret,id=NAME,target=/root/.npmrc`), or remove the copy in the same RUN (`... && rm {}`)",
            copied.to
        ))
}

fn copied_label(copied: &secret_mounts::Copied) -> String {
    format!(
        "copies `{}` into `{}`, which the layer keeps for anyone who pulls the image",
        copied.secret, copied.to
    )
}

/// A password a shell-form `RUN` line gives a program on its command line
/// (`curl -u admin:PASSWORD`, `mysql -pPASSWORD`), as `secret-in-command`
/// finds one in the spec's commands.
fn password_given(line: &str) -> Option<String> {
    // `RUN --mount=... --network=...` options come before the script.
    let (_, script) = secret_mounts::run_line(line)?;
    let mut commands = crate::input::shell::simple_commands(script);
    // `NAME=VALUE` before a program is read above, with the build's
    // stand-in keys (`SECRET_KEY=build-only`) told apart.
    for command in &mut commands {
        let assignments = (command.words.iter())
            .take_while(|word| secrets::assignment(word).is_some())
            .count();
        command.words.drain(..assignments);
    }
    let (place, _) = crate::lint::command_secrets::in_commands(&commands)?;
    Some(format!("a password given to {place}"))
}

/// A framework's signing key given to one of its commands in a RUN
/// (`SECRET_KEY=build-key ./manage.py collectstatic`, `SECRET_KEY=dummy
/// flask digest compile`, `SECRET_KEY_BASE=dummy rails assets:precompile`),
/// as `(name, value)`: the app refuses to load without one, and a
/// build-time command signs nothing that outlives it, so the value is a
/// stand-in for the build, not a credential. Unless it is the key the
/// running container gets, which the layer then gives away.
fn build_only_keys(stack: &Stack, service: &Service, instruction: &Instruction) -> Vec<(String, String)> {
    let mut keys = Vec::new();
    for command in instruction.run_commands().iter().filter(|c| runs_framework_command(c)) {
        let assignments = command.words.iter().map_while(|w| secrets::assignment(w));
        let signing_keys = |(name, _): &(&str, &str)| {
            matches!(
                *name,
                "SECRET_KEY" | "DJANGO_SECRET_KEY" | "FLASK_SECRET_KEY" | "SECRET_KEY_BASE"
            )
        };
        for (name, value) in assignments.filter(signing_keys) {
            if stack.env_value(service, name).known() != Some(value) {
                keys.push((name.to_string(), value.to_string()));
            }
        }
    }
    keys
}

/// Whether a command runs a web framework's own command line: Django's
/// `manage.py` or `django-admin`, Flask's `flask`, Rails' `rails` or
/// `rake`; directly, through `python` (`-m flask` too) or `bundle exec`.
fn runs_framework_command(command: &SimpleCommand) -> bool {
    let program = command.program().unwrap_or_default();
    let args = command.args();
    let base = |word: &str| word.rsplit('/').next().unwrap_or(word).to_string();
    let script = match base(program).as_str() {
        p if p.starts_with("python") => match args.first().map(String::as_str) {
            Some("-m") => args.get(1).cloned().unwrap_or_default(),
            first => first.unwrap_or_default().to_string(),
        },
        "bundle" if args.first().map(String::as_str) == Some("exec") => args.get(1).cloned().unwrap_or_default(),
        _ => program.to_string(),
    };
    script.ends_with("manage.py") || matches!(base(&script).as_str(), "django-admin" | "flask" | "rails" | "rake")
}

/// Files of the build folder that a COPY or ADD of the image takes in (or
/// of a builder stage, copied on into the image with `COPY --from`) and
/// its ignore file does not leave out: a secret or env file the spec names
/// there, and a file of the folder that holds a secret.
fn copied_files(
    stack: &Stack,
    service: &Service,
    own: &OwnDockerfile,
    image: &OwnImage,
    private: &PrivateFiles,
    out: &mut Vec<Diagnostic>,
) {
    let (Some(target), Some(build)) = (image.stage, service.build()) else {
        return;
    };
    let patterns: Vec<dockerignore::Pattern> = (image.ignore.iter())
        .flat_map(|&id| dockerignore::parse(&stack.inputs.source(id).text))
        .collect();
    // The COPY instructions that take `path` into the image (the image's
    // own, then those of the stages it copies it out of), and the `!`
    // pattern that takes it back from the ignore file, if one does.
    let copy_of = |path: &str| {
        let (left_out, decided) = dockerignore::decide(patterns.iter().map(|p| p.text.as_str()), path);
        let through = image.dockerfile.context_copies(target, path)?;
        let spans = through
            .into_iter()
            .map(|i| image.dockerfile.instructions[i].span)
            .collect();
        (!left_out).then(|| (spans, decided.map(|i| patterns[i].span)))
    };
    let with_copy = |diagnostic: Diagnostic, (copies, taken_back): (Vec<Span>, Option<Span>)| {
        let mut diagnostic = diagnostic;
        for (n, span) in copies.into_iter().enumerate() {
            let label = if n == 0 {
                "copies it into the image"
            } else {
                "copies it into a stage the image copies it from"
            };
            diagnostic = diagnostic.secondary_in(image.file, span, label);
        }
        match (taken_back, image.ignore) {
            (Some(span), Some(id)) => diagnostic.secondary_in(id, span, "the `.dockerignore` takes it back"),
            _ => diagnostic,
        }
    };
    let ignore_file = match image.ignore {
        Some(id) => format!(
            "`{}` (no `!` pattern after it taking it back)",
            stack.inputs.source(id).name
        ),
        None => "a `.dockerignore` in the build folder".to_string(),
    };
    let mut named_files = Vec::new();
    for Private { named, what, inside } in private_inside(private, build) {
        named_files.push(inside.clone());
        let Some(copy) = copy_of(&inside) else { continue };
        let diagnostic = SecretInImage::META
            .diagnostic(format!(
                "the {what} `{}` is copied into the image of `{}`",
                named.value, service.name.value
            ))
            .primary(named.span, format!("inside the build folder `{}`", build.context.value));
        out.push(
            with_copy(diagnostic, copy).help(format!(
                    "add `/{inside}` to {ignore_file}, or move the file out of the build folder: compose hands it to the running container"
                )),
        );
    }
    for (name, id) in &image.loose {
        if named_files.contains(name) {
            continue;
        }
        let Some(copy) = copy_of(name) else { continue };
        let Some((span, what)) = secret_in_file(name, &stack.inputs.source(*id).text) else {
            continue;
        };
        let diagnostic = SecretInImage::META
            .diagnostic(format!(
                "the image of `{}` would carry `{name}`, which holds a secret",
                service.name.value
            ))
            .primary(
                own.file.span,
                format!("its Dockerfile copies `{name}` from the build folder"),
            )
            .secondary_in(*id, span, format!("{what}, readable by anyone who pulls the image"));
        out.push(
            with_copy(diagnostic, copy).help(format!(
                    "add `/{name}` to {ignore_file}; hand the running container its secrets with `secret VAR = NAME` (or `env_file` for an env file, outside the build folder)"
                )),
        );
    }
}

/// The secret and env files the spec names inside a build's folder
/// (both relative to the spec's folder, or both absolute).
fn private_inside<'a>(private: &PrivateFiles<'a>, build: &Build) -> Vec<Private<'a>> {
    private.inside(&paths::normalize(Path::new(&build.context.value)))
}

/// An env file committed as documentation of the variables
/// (`.env.example`, `.env.sample`, `.env.template`, `.env.dist`,
/// `example.env`): its values are placeholders, published with the
/// source, and no secret.
fn is_example(name: &str) -> bool {
    const EXAMPLE: [&str; 4] = ["example", "sample", "template", "dist"];
    name.split('.')
        .any(|part| EXAMPLE.contains(&part.to_ascii_lowercase().as_str()))
}

/// A secret in a file of the build folder, with its span and what it is:
/// a private key anywhere, a `.key` file of one random line (Rails'
/// `config/master.key`), or in an env file a value `classify` is certain
/// of.
fn secret_in_file(name: &str, text: &str) -> Option<(Span, String)> {
    if let Some(at) = text.find("-----BEGIN") {
        if let Some(what) = secrets::known_token(&text[at..]) {
            let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
            return Some((Span::new(at, end), what.to_string()));
        }
    }
    let file_name = name.rsplit('/').next().unwrap_or(name);
    // Rails' `config/master.key` (and `config/credentials/ENV.key`): the
    // key that decrypts the app's committed credentials, one random line.
    let key = text.trim();
    if file_name.ends_with(".key") && !key.contains('\n') && secrets::looks_random(key) {
        let at = text.find(key).unwrap_or_default();
        return Some((Span::new(at, at + key.len()), "a key".to_string()));
    }
    let in_folder = |folder: &str| name.starts_with(&format!("{folder}/")) || name.contains(&format!("/{folder}/"));
    if CREDENTIAL_FILES.contains(&file_name)
        || [".aws", ".kube", ".docker"].into_iter().any(in_folder)
        || file_name.ends_with(".tfvars")
        || file_name.ends_with(".tfstate")
    {
        return credential_in(file_name, text);
    }
    if !(file_name.starts_with(".env") || file_name.ends_with(".env")) || is_example(file_name) {
        // Any other file (`credentials.json`, a service account's key):
        // a well-known token in it.
        return (!is_example(file_name)).then(|| token_in(text)).flatten();
    }
    env_file::parse(text).vars.into_iter().find_map(|var| {
        let value = var.value?;
        match secrets::classify(Some(&var.name.value), &value.value)? {
            Finding::Certain(what) => Some((value.span, format!("`{}`: {what}", var.name.value))),
            Finding::Likely(_) => None,
        }
    })
}

/// The credential files of package managers and tools, by name (and any
/// file in an `.aws`, `.kube` or `.docker` folder, Terraform's variables
/// and state).
const CREDENTIAL_FILES: &[&str] = &[
    ".npmrc",
    ".netrc",
    ".pypirc",
    ".git-credentials",
    ".pgpass",
    ".my.cnf",
    ".htpasswd",
    ".vault-token",
];

/// The first well-known token or key in a file's text, by line.
fn token_in(text: &str) -> Option<(Span, String)> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let at = start;
        start += line.len();
        let content = line.trim_end();
        if let Some(what) = secrets::known_token(content) {
            return Some((Span::new(at, at + content.len()), what.to_string()));
        }
    }
    None
}

/// A credential in a tool's file, with its span: a URL with a password or
/// a token on any line (`.git-credentials`), an npm registry's
/// `_authToken`, `_auth` or `_password` (`.npmrc`; npm's `${VAR}` is not a
/// value), the word after `password` (`.netrc`), or a `NAME = VALUE` line
/// named for a secret (`.pypirc`'s `password`, `.aws/credentials`'
/// `aws_secret_access_key`).
fn credential_in(file_name: &str, text: &str) -> Option<(Span, String)> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let at = start;
        start += line.len();
        let content = line.trim_end();
        let span = Span::new(at, at + content.len());
        if content.trim_start().starts_with(['#', ';']) {
            continue;
        }
        if let Some(what) = secrets::leak_in(content) {
            return Some((span, what));
        }
        match file_name {
            // `host:port:database:user:password`.
            ".pgpass" => {
                let password = content.splitn(5, ':').nth(4).filter(|p| !p.is_empty() && *p != "*");
                if password.is_some_and(|p| !secrets::is_placeholder(p)) {
                    return Some((span, "a database password".to_string()));
                }
                continue;
            }
            ".htpasswd" if secrets::is_htpasswd(content) => return Some((span, "a password hash".to_string())),
            ".vault-token" if !content.is_empty() => return Some((span, "a Vault token".to_string())),
            _ => {}
        }
        if file_name == ".netrc" {
            let words: Vec<&str> = content.split_whitespace().collect();
            let password = words.windows(2).find(|pair| pair[0] == "password").map(|pair| pair[1]);
            if password.is_some_and(|p| !secrets::is_placeholder(p)) {
                return Some((span, "a password".to_string()));
            }
            continue;
        }
        // `name = value` (ini, `.my.cnf`, `.tfvars`), `name: value` (YAML,
        // a kubeconfig's `token:`) or `"name": "value"` (JSON, Docker's
        // `"auth"`).
        // The first of `=` and `:` parts them, but in npm's settings of a
        // registry (`//registry.npmjs.org/:_authToken=...`).
        let npm = content.trim_start().starts_with("//");
        let Some((name, value)) = (match content.find(['=', ':']) {
            Some(at) if !npm => Some((&content[..at], &content[at + 1..])),
            _ => content.split_once('='),
        }) else {
            continue;
        };
        let unquoted = |s: &str| s.trim().trim_end_matches(',').trim().trim_matches('"').to_string();
        let (name, value) = (unquoted(name), unquoted(value));
        let (name, value) = (name.as_str(), value.as_str());
        if name == "auth" && file_name == "config.json" && !value.is_empty() {
            return Some((span, "a registry login".to_string()));
        }
        // A kubeconfig's client certificate key (kind, k3s, kubeadm's
        // `admin.conf`), base64 of a PEM private key.
        if name == "client-key-data" && !value.is_empty() {
            return Some((span, "a cluster's client key".to_string()));
        }
        // npm's settings of a registry: `//registry.npmjs.org/:_authToken`.
        let setting = name.rsplit(':').next().unwrap_or(name);
        if matches!(setting, "_authToken" | "_auth" | "_password") {
            if !value.is_empty() && !secrets::is_placeholder(value) {
                return Some((span, format!("a registry's `{setting}`")));
            }
            continue;
        }
        if let Some(Finding::Certain(what)) = secrets::classify(Some(name), value) {
            return Some((span, format!("`{name}`: {what}")));
        }
    }
    None
}

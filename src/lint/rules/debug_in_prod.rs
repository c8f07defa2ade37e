use crate::diagnostic::{Diagnostic, Edit};
use crate::input::package_json::{self, Script};
use crate::input::PackageJson;
use crate::ir::{Service, Stack};
use crate::lint::{dev_servers, facts, Rule};
use crate::source::FileId;

declare_rule! {
    /// ## What it does
    /// Flags development servers and switches in a deployed stack: `DEBUG`
    /// (or `DJANGO_DEBUG`) set to a true value, in `env`, an env file or
    /// the `ENV` of the app's own Dockerfile; a command, or the CMD of
    /// the app's own Dockerfile, that runs a development server
    /// (`manage.py runserver`, `flask run`, `npm run dev`, `next dev`,
    /// `vite`, `ng serve`, `nodemon`, ...), an app server with `--reload`
    /// (Gunicorn, uvicorn, Hypercorn), a debugger that takes code over the
    /// network (Node's `--inspect`, Java's `-agentlib:jdwp`, `python -m
    /// debugpy`), a Jupyter server with no token, django-extensions'
    /// `runserver_plus`, `php -S` or `rails server -e development`;
    /// `NODE_ENV=development`, `FLASK_DEBUG`, `FLASK_ENV`,
    /// `NODE_OPTIONS=--inspect`, Laravel's and Symfony's `APP_DEBUG` and
    /// `APP_ENV=dev|local`, `RAILS_ENV=development`, the Java debugger in
    /// `JAVA_TOOL_OPTIONS` (`JAVA_OPTS`, `CATALINA_OPTS`), Spring Boot's
    /// actuator opened whole (`MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE=*`,
    /// `..._SHOW_VALUES=always`) and H2 console, Werkzeug's debugger without
    /// its PIN, `ASPNETCORE_ENVIRONMENT=Development`, and certificate checks
    /// turned off (`NODE_TLS_REJECT_UNAUTHORIZED=0`, `PYTHONHTTPSVERIFY=0`),
    /// in `env`, an env file or the `ENV` of the app's own Dockerfile (not
    /// of a database, cache or queue, which reads none of them: an env
    /// file the stack shares); the Node debugger's port 9229
    /// published; and Traefik's API and dashboard without authentication
    /// (`--api.insecure`, or `TRAEFIK_API_INSECURE`).
    /// A command that runs a script of the app's `package.json` (`npm
    /// start`, `npm run X`, `yarn X`, `pnpm X`) is judged by what the
    /// script runs, as read from the `package.json` the image has in its
    /// working folder (a `serve` script that runs `node dist/server.js` is
    /// fine); by the script's name only when that file cannot be read.
    /// A development environment (`environment dev { ... }`, neither named
    /// `prod` or `production` nor marked `production`) is left alone:
    /// these are its point; so is the base of `stack NAME development`.
    ///
    /// ## Why is this bad?
    /// With `DEBUG` on, Django shows every error page with settings, the
    /// SQL and local variables to whoever triggers it, and keeps every
    /// query in memory. `runserver` and `flask run` are development
    /// servers ("It has not gone through security audits or performance
    /// tests", say Django's docs), as are the frameworks' dev servers;
    /// `--reload` restarts workers on file changes and costs CPU. Flask's
    /// debugger and Node's inspector run any code their user sends.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     command "python manage.py runserver 0.0.0.0:8000"
    ///     env {
    ///         DEBUG = "True"
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application bind 8000 workers 3
    ///     env {
    ///         DEBUG = "False"
    ///     }
    /// }
    /// ```
    pub struct DebugInProd {
        name: "debug-in-prod",
        severity: Warning,
        summary: "`DEBUG` on, a development server, `--reload` or a debugger",
        fixable: true,
    }
}

impl Rule for DebugInProd {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        if !stack.is_deployed() {
            return;
        }
        // A database, cache or queue reads no app's switches (an env file
        // the stack's containers share sets them for the app).
        for service in stack.services.iter().filter(|s| !facts::is_data_store(s)) {
            let name = &service.name.value;
            for var in service.env.iter().filter(|v| DEBUG_SWITCHES.contains(&v.name.as_str())) {
                if !facts::is_truthy(&var.value.value) {
                    continue;
                }
                let off = if var.value.value.trim() == "1" { "0" } else { "False" };
                out.push(
                    Self::META
                        .diagnostic(format!("`{name}` runs with `{}` on", var.name.value))
                        .primary(var.value.span, "error pages show settings, SQL and local variables")
                        .help(format!("set `{} = \"{off}\"`", var.name.value))
                        .fix(
                            format!("set `{}` to `{off}`", var.name.value),
                            vec![Edit::replace(var.value.span, format!("\"{off}\""))],
                        ),
                );
            }
            for var in &service.env {
                if let Some(what) = dev_servers::dev_variable(&var.name.value, &var.value.value) {
                    out.push(
                        Self::META
                            .diagnostic(format!("`{name}` runs with `{}` set for development", var.name.value))
                            .primary(var.value.span, what)
                            .help(format!("remove `{}`, or set it for production", var.name.value)),
                    );
                }
            }
            out.extend(env_file_switches(stack, service));
            for port in service
                .ports
                .iter()
                .filter(|p| p.container_port.number.value == dev_servers::NODE_DEBUG_PORT && p.container_port.is_tcp())
            {
                out.push(
                    Self::META
                        .diagnostic(format!("`{name}` publishes the Node debugger's port"))
                        .primary(port.span, "whoever reaches it runs code in the container")
                        .help("remove the `publish` and the `--inspect` flag; debug on a development machine"),
                );
            }
            if let Some(argv) = &service.command {
                if argv.words.iter().any(|w| dev_servers::is_insecure_traefik_api(w)) {
                    out.push(
                        Self::META
                            .diagnostic(format!("`{name}` serves Traefik's API and dashboard without authentication"))
                            .primary(argv.span, "`--api.insecure`: the dashboard and API on port 8080, for anyone who reaches it")
                            .help("drop `--api.insecure`; to keep the dashboard, route to `api@internal` through a router with an authentication middleware (basicAuth)"),
                    );
                }
                for run in facts::programs(argv).iter().filter_map(|p| dev_run(stack, service, p)) {
                    out.push(run.finding(name).primary(argv.span, run.label()));
                }
            }
            out.extend(own_dockerfile_dev_server(stack, service));
            out.extend(own_dockerfile_switches(stack, service));
        }
    }
}

/// The variables a Django settings module usually reads `DEBUG` from.
const DEBUG_SWITCHES: [&str; 2] = ["DEBUG", "DJANGO_DEBUG"];

/// What a variable an env file or the app's Dockerfile sets switches on for
/// development: `DEBUG` as in `env`, and the others of
/// [`dev_servers::dev_variable`].
fn switch(name: &str, value: &str) -> Option<&'static str> {
    if DEBUG_SWITCHES.contains(&name) {
        return facts::is_truthy(value).then_some("error pages show settings, SQL and local variables");
    }
    dev_servers::dev_variable(name, value)
}

const DEBUGGER_HELP: &str = "remove the debugger's switch (`--inspect`, `-agentlib:jdwp`, `-m debugpy`) and debug on a development machine, or in a development environment (`environment dev { ... }`)";

const PYTHON_HELP: &str = "serve with a production server: `gunicorn MODULE:CALLABLE bind PORT workers N` for Django and Flask, uvicorn without `--reload` for an ASGI app";

const NODE_HELP: &str = "run the production build: `node server.js` (or `dist/...`), `next start`, or a package.json script that runs one (`npm start`), without `--watch`";

const OTHER_HELP: &str = "run the app's production server, as its framework's deployment guide says";

/// What to run instead of `program`, for its runtime.
fn production_help(program: &[String]) -> &'static str {
    let name = |word: &String| word.rsplit('/').next().unwrap_or(word).to_string();
    let words: Vec<String> = program.iter().take(3).map(name).collect();
    let node = [
        "node",
        "nodejs",
        "npm",
        "npx",
        "yarn",
        "pnpm",
        "bun",
        "next",
        "vite",
        "nodemon",
        "ng",
        "webpack",
        "webpack-dev-server",
    ];
    let python = [
        "flask",
        "gunicorn",
        "uvicorn",
        "hypercorn",
        "daphne",
        "django-admin",
        "jupyter",
    ];
    let first = words.first().map(String::as_str).unwrap_or_default();
    if node.contains(&first) {
        NODE_HELP
    } else if python.contains(&first) || first.starts_with("python") || words.iter().any(|w| w == "manage.py") {
        PYTHON_HELP
    } else {
        OTHER_HELP
    }
}

/// Development switches in the env files the service reads: the finding
/// is on the spec's `env_file` line, and shows the file's line.
fn env_file_switches<'a>(stack: &'a Stack, service: &'a Service) -> impl Iterator<Item = Diagnostic> + 'a {
    service.env_file_paths().flat_map(move |path| {
        let file = stack.inputs.env_file(&path.value);
        let names = dev_servers::DEV_VARIABLES.iter().copied().chain(DEBUG_SWITCHES);
        let entries = file
            .into_iter()
            .flat_map(move |f| names.clone().map(move |n| (f, f.vars.get(n))));
        entries.filter_map(move |(file, entry)| {
            let entry = entry?;
            // The spec's own `env` wins over the file's.
            if facts::env(service, &entry.name.value).is_some() {
                return None;
            }
            let what = switch(&entry.name.value, &entry.value.as_ref()?.value)?;
            Some(
                DebugInProd::META
                    .diagnostic(format!(
                        "`{}` runs with `{}` set for development",
                        service.name.value, entry.name.value
                    ))
                    .primary(path.span, format!("this env file sets `{}`", entry.name.value))
                    .secondary_in(file.file, entry.span, what)
                    .help(format!(
                        "remove `{}` from the file, or set it for production",
                        entry.name.value
                    )),
            )
        })
    })
}

/// The app's own Dockerfile starting a development server, when the spec
/// does not replace its command: on the builder only, as its `image of`
/// users run the same image.
fn own_dockerfile_dev_server(stack: &Stack, service: &Service) -> Option<Diagnostic> {
    let own = service.build()?.own_dockerfile()?;
    if service.command.is_some() || service.entrypoint.is_some() {
        return None;
    }
    let image = stack.inputs.image(&service.name.value)?;
    let facts = image.facts()?;
    let command = facts.cmd.as_ref().or(facts.entrypoint.as_ref())?;
    let run = facts::programs_of(&image.process()?)
        .iter()
        .find_map(|p| dev_run(stack, service, p))?;
    let finding = run
        .finding(&service.name.value)
        .primary(own.file.span, "its image's command");
    Some(match run.script {
        Some(_) => finding.secondary_in(image.file, command.span, run.label()),
        None => finding.secondary_in(image.file, command.span, run.what),
    })
}

/// A development switch in the environment of the app's own Dockerfile
/// (`ENV NODE_ENV=development`) that neither the spec nor an env file
/// replaces: on the builder only.
fn own_dockerfile_switches<'a>(stack: &'a Stack, service: &'a Service) -> impl Iterator<Item = Diagnostic> + 'a {
    let own = service.build().and_then(|b| b.own_dockerfile());
    let image = own.and_then(|_| stack.inputs.image(&service.name.value));
    let env = image
        .and_then(|i| i.facts())
        .map(|f| f.env.as_slice())
        .unwrap_or_default();
    env.iter().filter_map(move |var| {
        let (own, image) = (own?, image?);
        let what = switch(&var.name.value, var.value.known()?)?;
        if facts::sets_var(stack, service, &var.name.value) != Some(false) {
            return None;
        }
        Some(
            DebugInProd::META
                .diagnostic(format!(
                    "`{}` runs with `{}` set for development",
                    service.name.value, var.name.value
                ))
                .primary(own.file.span, format!("its image sets `{}`", var.name.value))
                .secondary_in(image.file, var.value.span, what)
                .help(format!(
                    "remove the `ENV {}` line, or set it for production in `env`",
                    var.name.value
                )),
        )
    })
}

/// A program meant for development, and the `package.json` script that
/// runs it when that is how the program starts.
struct DevRun<'a> {
    what: &'static str,
    script: Option<(FileId, &'a Script)>,
    /// A debugger open to the network, not a server (`node --inspect`).
    debugger: bool,
    /// What to run instead, for the program's runtime.
    help: &'static str,
}

impl DevRun<'_> {
    fn finding(&self, service: &str) -> Diagnostic {
        let message = match &self.script {
            Some((_, script)) => format!(
                "`{service}` runs the package.json script `{}`, which is meant for development",
                script.name
            ),
            None if self.debugger => format!("`{service}` runs a debugger open to the network"),
            None => format!("`{service}` runs a development server"),
        };
        let help = if self.debugger { DEBUGGER_HELP } else { self.help };
        let finding = DebugInProd::META.diagnostic(message).help(help);
        match &self.script {
            Some((file, script)) => {
                finding.secondary_in(*file, script.span, format!("`{}`: {}", script.command, self.what))
            }
            None => finding,
        }
    }

    /// What the command's label says.
    fn label(&self) -> String {
        match &self.script {
            Some((_, script)) => format!("starts the package.json script `{}`", script.name),
            None => self.what.to_string(),
        }
    }
}

/// What a program runs that is meant for development: for a package
/// manager running a script (`npm start`), what the script runs, when the
/// app's `package.json` was read (a script named `dev` that runs `node
/// server.js` is fine); otherwise what the program's words say.
fn dev_run<'a>(stack: &'a Stack, service: &Service, program: &[String]) -> Option<DevRun<'a>> {
    let package = package_json::script_run(program).and_then(|name| {
        let read = stack.inputs.package_json(&service.name.value)?;
        Some((read, name))
    });
    match package {
        Some((read, name)) => {
            let (script, what) = dev_script(read, name, 0)?;
            Some(DevRun {
                what,
                script: Some((read.file, script)),
                debugger: false,
                help: NODE_HELP,
            })
        }
        None => dev_servers::dev_command(program).map(|what| DevRun {
            what,
            script: None,
            debugger: dev_servers::opens_a_debugger(program),
            help: production_help(program),
        }),
    }
}

/// A script that is, or runs, a development server, debugger or switch: itself or
/// a script it runs (`"start": "npm run dev"`), a few levels deep.
fn dev_script<'a>(read: &'a PackageJson, name: &str, depth: usize) -> Option<(&'a Script, &'static str)> {
    let script = read.script(name)?;
    facts::shell_programs(&script.command).iter().find_map(|words| {
        let inner = package_json::script_run(words).filter(|_| depth < 3);
        if let Some(found) = inner.and_then(|inner| dev_script(read, inner, depth + 1)) {
            return Some(found);
        }
        let switch = words
            .iter()
            .map_while(|w| w.split_once('=').filter(|(n, _)| !n.is_empty() && !n.starts_with('-')))
            .find_map(|(name, value)| dev_servers::dev_variable(name, value));
        Some((script, switch.or_else(|| dev_servers::dev_command(words))?))
    })
}

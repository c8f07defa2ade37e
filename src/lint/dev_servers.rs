//! Development servers and switches: what a command line or a variable
//! turns on that is meant for a developer's machine, never a deployment.
//! Each answer is a label saying what it is; `None` for anything else.

use crate::input::app_server;
use crate::input::value::Value;

/// Scripts of `package.json` that start a development server by
/// convention (`npm run dev`).
const DEV_SCRIPTS: &[&str] = &["dev", "develop", "serve", "start:dev", "watch"];

/// Framework CLIs and the subcommands that start their development server:
/// `""` for the bare command (options aside), `"*"` for any arguments.
const DEV_TOOLS: &[(&str, &[&str])] = &[
    ("astro", &["dev"]),
    ("gatsby", &["develop"]),
    ("next", &["dev"]),
    ("ng", &["serve"]),
    ("nodemon", &["*"]),
    ("nuxi", &["dev"]),
    ("nuxt", &["dev"]),
    ("react-scripts", &["start"]),
    ("remix", &["dev"]),
    ("ts-node-dev", &["*"]),
    ("vite", &["", "dev", "serve"]),
    ("vue-cli-service", &["serve"]),
    ("webpack", &["serve"]),
    ("webpack-dev-server", &["*"]),
];

/// What a program's words run that is meant for development.
pub fn dev_command(words: &[String]) -> Option<&'static str> {
    let words = without_wrappers(words);
    let name = |i: usize| words.get(i).map(|w| w.rsplit('/').next().unwrap_or(w));
    // The debugger first: it is what matters in `python -m debugpy ...
    // manage.py runserver`.
    if let Some(debugger) = debugger(words) {
        return Some(debugger);
    }
    if super::facts::runs_manage(words, "runserver") {
        return Some("Django's development server");
    }
    if let Some(server) = app_server::server_args(words) {
        return matches!(server.reload.value, Value::Known(true))
            .then_some("`--reload` watches the files and restarts the server");
    }
    let flask = match name(0)? {
        "flask" => Some(1),
        python if python.starts_with("python") && name(1) == Some("-m") && name(2) == Some("flask") => Some(3),
        _ => None,
    };
    // `flask --app shop run`: Flask's own options come before `run`, the
    // subcommand (`flask crontab run` is another).
    if flask.is_some_and(|i| flask_subcommand(&words[i.min(words.len())..]) == Some("run")) {
        return Some("Flask's development server");
    }
    if super::facts::runs_manage(words, "runserver_plus") {
        return Some("django-extensions' development server, whose Werkzeug debugger runs code typed on an error page");
    }
    if let Some(found) = notebook(words) {
        return Some(found);
    }
    match (name(0)?, name(1), name(2)) {
        ("node" | "nodejs", _, _) if words.iter().any(|w| w == "--watch") => {
            return Some("`--watch` restarts the server on every file change");
        }
        ("php", Some("-S"), _) => return Some("PHP's built-in development server"),
        ("rails", Some("server" | "s"), _) if runs_in_development(&words[2..]) => {
            return Some("Rails' development mode: code reloaded per request, full error pages");
        }
        ("npm" | "yarn" | "pnpm" | "bun", Some("run" | "run-script"), Some(script))
        | ("yarn" | "pnpm" | "bun", Some(script), _)
            if DEV_SCRIPTS.contains(&script) =>
        {
            return Some("the project's development script");
        }
        _ => {}
    }
    // `npx next dev`, `yarn vite`: the tool after a runner.
    let tool = match name(0)? {
        "npx" | "yarn" | "pnpm" | "bunx" => 1 + usize::from(name(1) == Some("exec")),
        _ => 0,
    };
    let (_, subcommands) = DEV_TOOLS.iter().find(|(t, _)| name(tool) == Some(*t))?;
    let next = name(tool + 1).filter(|w| !w.starts_with('-')).unwrap_or("");
    subcommands
        .iter()
        .any(|sub| *sub == "*" || *sub == next)
        .then_some("a development server")
}

/// The subcommand after Flask's own options (`--app X`, `-A X`,
/// `--env-file X`, `-e X`, `--debug`, `--no-debug`).
fn flask_subcommand(words: &[String]) -> Option<&str> {
    let mut at = 0;
    loop {
        let word = words.get(at)?.as_str();
        match word {
            "--app" | "-A" | "--env-file" | "-e" => at += 2,
            _ if word.starts_with('-') => at += 1,
            _ => return Some(word),
        }
    }
}

/// What the Java debug agent does, wherever it is turned on.
const JDWP: &str = "the Java debugger (JDWP), which runs any code sent to its port";

/// The Java debug agent's option, listening beyond the container:
/// `-agentlib:jdwp=...`, `-Xrunjdwp:...`; not `address=127.0.0.1:5005`.
fn is_jdwp(word: &str) -> bool {
    let loopback = ["address=127.0.0.1:", "address=localhost:"]
        .iter()
        .any(|a| word.contains(a));
    (word.starts_with("-agentlib:jdwp") || word.starts_with("-Xrunjdwp")) && !loopback
}

/// Whether a program's words open a debugger to the network: Node's
/// `--inspect`, the Java debug agent, `python -m debugpy`.
pub fn opens_a_debugger(words: &[String]) -> bool {
    debugger(without_wrappers(words)).is_some()
}

/// What a debugger listening beyond the container does, when the words
/// start one.
fn debugger(words: &[String]) -> Option<&'static str> {
    let (program, module) = program_and_module(words)?;
    if matches!(program, "node" | "nodejs") && words.iter().any(|w| is_inspect(w)) {
        return Some("the Node debugger, which runs any code sent to its port");
    }
    if words.iter().any(|w| is_jdwp(w)) {
        return Some(JDWP);
    }
    (program == "debugpy" || module == Some("debugpy"))
        .then_some("debugpy, the Python debugger, which runs any code sent to its port")
}

/// The program's file name and the module after its `-m`, if any.
fn program_and_module(words: &[String]) -> Option<(&str, Option<&str>)> {
    let module = words.windows(2).find(|w| w[0] == "-m").map(|w| w[1].as_str());
    Some((words.first()?.rsplit('/').next()?, module))
}

/// A Jupyter server told to ask for no token (`--NotebookApp.token=`,
/// `--ServerApp.token=''`): it runs whatever code reaches its port.
fn notebook(words: &[String]) -> Option<&'static str> {
    let (program, module) = program_and_module(words)?;
    // The Jupyter images' own launchers too (`start-notebook.py`).
    let jupyter = ["jupyter", "start-notebook", "start-singleuser"]
        .iter()
        .any(|p| program.starts_with(p))
        || module.is_some_and(|m| m.starts_with("jupyter") || m == "notebook");
    const TOKENS: [&str; 3] = ["NotebookApp.token", "ServerApp.token", "IdentityProvider.token"];
    // `--ServerApp.token=`, or the empty word after it (`--ServerApp.token ''`).
    let no_token = words.iter().enumerate().any(|(at, w)| {
        let setting = w.trim_start_matches('-');
        TOKENS.iter().any(|name| match setting.strip_prefix(name) {
            Some("") => w.starts_with("--") && words.get(at + 1).is_some_and(|next| next.is_empty()),
            Some(value) => matches!(value, "=" | "=''" | "=\"\""),
            None => false,
        })
    });
    (jupyter && no_token).then_some("a Jupyter server with no token: anyone who reaches its port runs code")
}

/// `-e development`, `--environment=development`: Rails' options.
fn runs_in_development(args: &[String]) -> bool {
    args.windows(2)
        .any(|w| matches!(w[0].as_str(), "-e" | "--environment") && w[1] == "development")
        || args
            .iter()
            .any(|w| w == "--environment=development" || w == "-edevelopment")
}

/// A variable that switches development mode on, and what it does.
pub fn dev_variable(name: &str, value: &str) -> Option<&'static str> {
    let value = value.trim();
    match name {
        "NODE_ENV" if value.eq_ignore_ascii_case("development") => {
            Some("development mode: no caching of views, stack traces shown")
        }
        "FLASK_ENV" if value.eq_ignore_ascii_case("development") => Some("Flask's debugger and reloader"),
        "FLASK_DEBUG" if super::facts::is_truthy(value) => {
            Some("Flask's debugger, which runs code typed on an error page")
        }
        "NODE_OPTIONS" if value.split_whitespace().any(is_inspect) => {
            Some("the Node debugger, which runs any code sent to its port")
        }
        "TRAEFIK_API_INSECURE" if super::facts::is_truthy(value) => {
            Some("Traefik's API and dashboard, without authentication")
        }
        "APP_DEBUG" if super::facts::is_truthy(value) => {
            Some("Laravel's and Symfony's debug pages: stack traces, settings and environment values")
        }
        "RAILS_ENV" | "RACK_ENV" if value.eq_ignore_ascii_case("development") => {
            Some("Rails' development mode: code reloaded per request, full error pages")
        }
        "APP_ENV"
            if ["dev", "development", "local"]
                .iter()
                .any(|v| value.eq_ignore_ascii_case(v)) =>
        {
            Some("Laravel's and Symfony's development mode: debug pages and the profiler")
        }
        "NODE_TLS_REJECT_UNAUTHORIZED" if value == "0" => {
            Some("Node checks no TLS certificate: any server can pose as the one it calls")
        }
        "PYTHONHTTPSVERIFY" if value == "0" => {
            Some("Python checks no HTTPS certificate: any server can pose as the one it calls")
        }
        "JAVA_TOOL_OPTIONS" | "JDK_JAVA_OPTIONS" | "JAVA_OPTS" | "CATALINA_OPTS"
            if value.split_whitespace().any(is_jdwp) =>
        {
            Some(JDWP)
        }
        "MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE" if value.split(',').any(|e| e.trim() == "*") => Some(
            "every Spring Boot actuator endpoint over HTTP: `/heapdump` holds the app's secrets, `/env` its settings",
        ),
        "MANAGEMENT_ENDPOINT_ENV_SHOW_VALUES" | "MANAGEMENT_ENDPOINT_CONFIGPROPS_SHOW_VALUES"
            if value.eq_ignore_ascii_case("always") =>
        {
            Some("Spring Boot's actuator shows every setting's value, passwords among them")
        }
        "SPRING_H2_CONSOLE_ENABLED" if super::facts::is_truthy(value) => {
            Some("the H2 console, which runs any SQL and, through it, code")
        }
        "WERKZEUG_DEBUG_PIN" if value.eq_ignore_ascii_case("off") => {
            Some("Werkzeug's debugger without its PIN: code typed on an error page runs")
        }
        "ASPNETCORE_ENVIRONMENT" | "DOTNET_ENVIRONMENT" if value.eq_ignore_ascii_case("development") => {
            Some("ASP.NET Core's development mode: the developer exception page, with code and settings")
        }
        _ => None,
    }
}

/// The variables [`dev_variable`] knows, for a lookup of each in an env
/// file.
pub const DEV_VARIABLES: &[&str] = &[
    "NODE_ENV",
    "FLASK_ENV",
    "FLASK_DEBUG",
    "NODE_OPTIONS",
    "TRAEFIK_API_INSECURE",
    "APP_DEBUG",
    "RAILS_ENV",
    "RACK_ENV",
    "APP_ENV",
    "NODE_TLS_REJECT_UNAUTHORIZED",
    "PYTHONHTTPSVERIFY",
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "JAVA_OPTS",
    "CATALINA_OPTS",
    "MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE",
    "MANAGEMENT_ENDPOINT_ENV_SHOW_VALUES",
    "MANAGEMENT_ENDPOINT_CONFIGPROPS_SHOW_VALUES",
    "SPRING_H2_CONSOLE_ENABLED",
    "WERKZEUG_DEBUG_PIN",
    "ASPNETCORE_ENVIRONMENT",
    "DOTNET_ENVIRONMENT",
];

/// Traefik's `--api.insecure` (or `=true`): its API and dashboard served
/// without authentication on the `traefik` entry point (port 8080), which
/// Traefik's docs say is not for production.
pub fn is_insecure_traefik_api(word: &str) -> bool {
    word.strip_prefix("--api.insecure")
        .is_some_and(|rest| rest.is_empty() || rest.strip_prefix('=').is_some_and(super::facts::is_truthy))
}

/// The Node debugger's port, which `--inspect` listens on.
pub const NODE_DEBUG_PORT: u16 = 9229;

fn is_inspect(word: &str) -> bool {
    ["--inspect", "--inspect-brk", "--inspect-wait"].iter().any(|flag| {
        word.strip_prefix(flag)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('='))
    })
}

/// The words after `exec`, `env` and `NAME=value` prefixes.
fn without_wrappers(words: &[String]) -> &[String] {
    let skip = words
        .iter()
        .take_while(|w| matches!(w.as_str(), "exec" | "env") || crate::lint::secrets::assignment(w).is_some())
        .count();
    let words = &words[skip..];
    // `bundle exec rails server`: Bundler runs the program after it.
    match words {
        [bundle, exec, rest @ ..] if bundle == "bundle" && exec == "exec" => rest,
        _ => words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(line: &str) -> Option<&'static str> {
        dev_command(&shlex::split(line).unwrap())
    }

    #[test]
    fn development_servers_are_recognised() {
        for line in [
            "python manage.py runserver 0.0.0.0:8000",
            "gunicorn app:app --reload",
            "uvicorn app.main:app --reload --host 0.0.0.0",
            "hypercorn --reload app:app",
            "flask run --host 0.0.0.0",
            "python3 -m flask run",
            "exec FLASK_APP=app flask run",
            "node --inspect=0.0.0.0:9229 server.js",
            "node --watch server.js",
            "nodemon server.js",
            "npm run dev",
            "yarn dev",
            "pnpm run serve",
            "npx next dev -p 3000",
            "next dev",
            "vite --host",
            "vite dev",
            "ng serve --host 0.0.0.0",
            "react-scripts start",
            "webpack serve --mode development",
            "python -m flask --app app run --debugger",
            "java -agentlib:jdwp=transport=dt_socket,server=y,address=*:5005 -jar app.jar",
            "python -m debugpy --listen 0.0.0.0:5678 app.py",
            "jupyter notebook --ip 0.0.0.0 --NotebookApp.token= --allow-root",
            "jupyter lab --ServerApp.token=''",
            "python manage.py runserver_plus 0.0.0.0:8000",
            "php -S 0.0.0.0:8000 -t public",
            "rails server -e development -b 0.0.0.0",
            "bundle exec rails server -e development",
            "start-notebook.py --IdentityProvider.token=''",
            "jupyter lab --ServerApp.token ''",
        ] {
            assert!(dev(line).is_some(), "{line}");
        }
    }

    #[test]
    fn production_servers_are_not() {
        for line in [
            "gunicorn app:app --bind 0.0.0.0:8000",
            "uvicorn app.main:app --host 0.0.0.0",
            "flask db upgrade",
            "node server.js",
            "node --inspector-off server.js",
            "npm start",
            "npm run build",
            "yarn start",
            "next start",
            "vite build",
            "vite preview",
            "nuxt start",
            "webpack --mode production",
            "java -XX:MaxRAMPercentage=75 -jar app.jar",
            "jupyter lab --ip 0.0.0.0",
            "rails server -e production -b 0.0.0.0",
            "flask crontab run 5e9f2c1a",
            "flask --app run db upgrade",
            "java -agentlib:jdwp=transport=dt_socket,server=y,address=127.0.0.1:5005 -jar app.jar",
            "php-fpm -F",
            "php artisan migrate --force",
        ] {
            assert_eq!(dev(line), None, "{line}");
        }
    }

    #[test]
    fn development_variables_are_recognised() {
        assert!(dev_variable("NODE_ENV", "development").is_some());
        assert!(dev_variable("NODE_ENV", "production").is_none());
        assert!(dev_variable("FLASK_DEBUG", "1").is_some());
        assert!(dev_variable("FLASK_DEBUG", "0").is_none());
        assert!(dev_variable("NODE_OPTIONS", "--max-old-space-size=512 --inspect").is_some());
        assert!(dev_variable("NODE_OPTIONS", "--max-old-space-size=512").is_none());
        assert!(dev_variable("MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE", "health,*").is_some());
        assert!(dev_variable("MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE", "health,info").is_none());
        assert!(dev_variable("JAVA_TOOL_OPTIONS", "-agentlib:jdwp=transport=dt_socket,address=*:5005").is_some());
        assert!(dev_variable("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75").is_none());
        assert!(dev_variable("WERKZEUG_DEBUG_PIN", "off").is_some());
        assert!(dev_variable("ASPNETCORE_ENVIRONMENT", "Production").is_none());
    }
}

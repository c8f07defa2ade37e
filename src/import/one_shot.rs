//! Compose services that run once: what import writes as a `job` although
//! nothing waits for them to finish. Compose restarts none of them (no
//! `restart`), and stackc's default for a `service` would run them again
//! each time they exit.

use super::yaml::{Kind, Node};
use crate::input::shell::programs_of;

/// Whether `service` runs once and exits: compose does not restart it,
/// nothing connects to or checks it, and every program of what it runs
/// (its `entrypoint` and `command`) is a database migration (`manage.py
/// migrate`, `alembic upgrade head`, `yarn db:migrate`, a
/// `run-migrate.sh` script) or a package manager's or framework's task
/// (`composer install`, `npm ci`, `php artisan key:generate`, or the tool
/// alone, as the containers of a Laravel project that `docker compose run`
/// starts say it). A command that migrates and then serves is not one.
pub fn runs_once(service: &Node) -> bool {
    let restarted = service.get("restart").is_some_and(|r| r.text() != Some("no"));
    let serves = ["ports", "expose", "healthcheck"]
        .iter()
        .any(|k| service.get(k).is_some());
    if restarted || serves {
        return false;
    }
    let entrypoint = service.get("entrypoint").and_then(command_words);
    let command = service.get("command").and_then(command_words);
    // The command alone (an entrypoint script ends with `exec "$@"`), or
    // what the entrypoint runs with it (`entrypoint: [composer]`).
    let whole = entrypoint.map(|mut words| {
        words.extend(command.iter().flatten().cloned());
        words
    });
    [command, whole].into_iter().flatten().any(|words| {
        let programs = programs_of(&words);
        !programs.is_empty() && programs.iter().all(|p| migrates(p) || is_task(p))
    })
}

/// The words of a compose `command`, a list or a line.
fn command_words(command: &Node) -> Option<Vec<String>> {
    match &command.kind {
        Kind::Seq(items) => items.iter().map(|i| i.text().map(str::to_string)).collect(),
        Kind::Scalar { text, .. } => shlex::split(text),
        Kind::Map(_) => None,
    }
}

/// Whether one program is a migration of a well-known tool, or a script
/// named for one.
fn migrates(program: &[String]) -> bool {
    let follows = |tool: &dyn Fn(&str) -> bool, then: &[&str]| {
        program
            .iter()
            .position(|w| tool(w))
            .is_some_and(|at| program[at + 1..].starts_with(&then.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
    };
    let named = |name: &'static str| move |w: &str| w == name || w.ends_with(&format!("/{name}"));
    follows(&named("manage.py"), &["migrate"])
        || follows(&named("alembic"), &["upgrade"])
        || follows(&named("flask"), &["db", "upgrade"])
        || follows(&|w| w == "rails" || w == "rake", &["db:migrate"])
        || follows(&named("prisma"), &["migrate", "deploy"])
        // A Node app's script (Outline's `yarn db:migrate`), or Sequelize's CLI.
        || follows(&|w| matches!(w, "yarn" | "pnpm" | "sequelize" | "sequelize-cli"), &["db:migrate"])
        || follows(&|w| matches!(w, "npm" | "pnpm" | "yarn"), &["run", "db:migrate"])
        || program.first().is_some_and(|w| is_migrate_script(w))
}

/// Whether one program is a task of a package manager or of Laravel's
/// `artisan` that ends: one of Composer's own commands (a project's
/// script, `composer dev`, may serve); `npm`, `yarn` or `pnpm` alone,
/// installing or building; one of `php artisan`'s commands that end. One
/// with `--watch` never ends.
fn is_task(program: &[String]) -> bool {
    let base = |w: &str| w.rsplit('/').next().unwrap_or_default().to_string();
    let Some(first) = program.first().map(|w| base(w)) else {
        return false;
    };
    if program.iter().any(|w| w == "--watch" || w.starts_with("--watch=")) {
        return false;
    }
    let rest = arguments(&program[1..]);
    match first.as_str() {
        "composer" => matches!(
            rest.first(),
            None | Some(
                &("install"
                    | "update"
                    | "require"
                    | "remove"
                    | "dump-autoload"
                    | "dumpautoload"
                    | "create-project"
                    | "validate"
                    | "audit"
                    | "outdated"
                    | "show"
                    | "diagnose")
            )
        ),
        "npm" | "yarn" | "pnpm" => match rest.as_slice() {
            [] => true,
            ["install" | "i" | "ci" | "add" | "update" | "upgrade" | "build", ..] => true,
            ["run" | "run-script", script, ..] => matches!(*script, "build" | "prod" | "production"),
            _ => false,
        },
        "php" if rest.first().is_some_and(|w| base(w) == "artisan") => rest.get(1).is_none_or(|command| {
            const ENDS: &[&str] = &[
                "db:seed",
                "key:generate",
                "storage:link",
                "optimize",
                "optimize:clear",
                "schedule:run",
                "package:discover",
                "vendor:publish",
                "down",
                "up",
            ];
            ENDS.contains(command)
                || command.starts_with("migrate")
                || command.ends_with(":cache")
                || command.ends_with(":clear")
        }),
        _ => false,
    }
}

/// A program's arguments without its options and their values (`-d
/// /app`, `--prefix web`): the subcommand first.
fn arguments(words: &[String]) -> Vec<&str> {
    const TAKE_A_VALUE: &[&str] = &[
        "-d",
        "--working-dir",
        "--prefix",
        "--cwd",
        "-C",
        "--dir",
        "--filter",
        "-F",
        "-w",
        "--workspace",
    ];
    let mut arguments = Vec::new();
    let mut words = words.iter().map(String::as_str);
    while let Some(word) = words.next() {
        if TAKE_A_VALUE.contains(&word) {
            words.next();
        } else if !word.starts_with('-') {
            arguments.push(word);
        }
    }
    arguments
}

/// A script whose name says it migrates: `migrate.sh`,
/// `./bin/run-migrate.sh`, `db_migrate`.
fn is_migrate_script(word: &str) -> bool {
    let path = std::path::Path::new(word);
    let is_path = word.contains('/') || path.extension().is_some_and(|e| e == "sh");
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    is_path && stem.rsplit(['-', '_']).next() == Some("migrate")
}

#[cfg(test)]
mod tests {
    use super::{is_migrate_script, is_task, migrates};

    fn words(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn migrations_of_well_known_tools_and_scripts_named_for_them() {
        for line in [
            "python manage.py migrate --noinput",
            "alembic upgrade head",
            "flask db upgrade",
            "bundle exec rails db:migrate",
            "npx prisma migrate deploy",
            "yarn db:migrate --env=production-ssl-disabled",
            "npm run db:migrate",
            "npx sequelize-cli db:migrate",
            "./bin/run-migrate.sh",
        ] {
            assert!(migrates(&words(line)), "{line}");
        }
        for line in [
            "python manage.py runserver",
            "gunicorn app:app",
            "./bin/run-web.sh",
            "yarn start",
            "npm run db:seed",
            "migrate",
        ] {
            assert!(!migrates(&words(line)), "{line}");
        }
        assert!(is_migrate_script("migrate.sh") && is_migrate_script("scripts/db_migrate"));
    }

    /// Modeled on a Laravel project's tool containers, which `docker
    /// compose run --rm npm run build` starts.
    #[test]
    fn tasks_of_package_managers_and_artisan_end() {
        for line in [
            "composer --ignore-platform-reqs",
            "composer install --no-dev",
            "npm",
            "npm ci",
            "yarn install --frozen-lockfile",
            "pnpm run build",
            "php /var/www/html/artisan",
            "php artisan key:generate",
            "php artisan migrate --force",
            "php artisan config:cache",
            "composer -d /app install",
            "npm ci -w api",
            "composer update -w",
        ] {
            assert!(is_task(&words(line)), "{line}");
        }
        for line in [
            "composer run dev",
            "composer dev",
            "composer -d /app run dev",
            "npm run build -- --watch",
            "yarn build --watch",
            "php artisan inertia:start-ssr",
            "php artisan octane:frankenphp",
            "php artisan pail",
            "php artisan rabbitmq:consume",
            "npm start",
            "npm run dev",
            "yarn watch",
            "php artisan serve --host 0.0.0.0",
            "php /var/www/html/artisan queue:work",
            "php -S 0.0.0.0:8000",
            "node server.js",
        ] {
            assert!(!is_task(&words(line)), "{line}");
        }
        assert!(!is_migrate_script("./migrate-and-serve.sh"));
    }
}

//! A password or token written into a command line (a service's command,
//! a readiness check): the password options of the common tools, any
//! secret-named long option, a `NAME=SECRET` before a program, an
//! `Authorization` header, and a URL with a password or a well-known token.
//! Read by `secret-in-command` and by `stackc import`, which keeps such a
//! command out of the spec.

use crate::input::shell::{Operator, SimpleCommand};
use crate::lint::{facts, secrets};

/// The secret a command line runs with, as [`secret_in`] says it, in the
/// first of its commands that has one (`shell::commands_of`: `sh -c`
/// scripts split into their commands), or piped from one command into
/// the next ([`piped_secret`]).
///
/// A shell variable a command of assignments alone sets (`P=SECRET;
/// exec app --password "$P"`) is read where later commands use it: the
/// password is on the command line all the same.
pub fn in_commands(commands: &[SimpleCommand]) -> Option<(String, String)> {
    let mut variables: Vec<(&str, &str)> = Vec::new();
    for command in commands {
        let words = with_variables(&command.words, &variables);
        if let Some(found) = secret_in(&words) {
            return Some(found);
        }
        let assignments: Vec<_> = command.words.iter().map(|w| secrets::assignment(w)).collect();
        if assignments.iter().all(Option::is_some) {
            variables.extend(assignments.into_iter().flatten());
        }
    }
    piped_secret(commands)
}

/// `words` with the shell variables given (`$NAME`, `${NAME}`) replaced by
/// their values; the latest assignment of a name wins.
fn with_variables(words: &[String], variables: &[(&str, &str)]) -> Vec<String> {
    words
        .iter()
        .map(|word| {
            let mut word = word.clone();
            if !word.contains('$') {
                return word;
            }
            for (name, value) in variables.iter().rev() {
                word = word.replace(&format!("${{{name}}}"), value);
                word = replace_plain_variable(&word, name, value);
            }
            word
        })
        .collect()
}

/// `$name` in `word` replaced by `value`, where no longer name goes on
/// (`$P` in `$PATH` is not `$P`).
fn replace_plain_variable(word: &str, name: &str, value: &str) -> String {
    let reference = format!("${name}");
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(at) = rest.find(&reference) {
        let after = &rest[at + reference.len()..];
        let longer = after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
        out.push_str(&rest[..at]);
        out.push_str(if longer { &reference } else { value });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `echo SECRET | docker login --password-stdin`: a literal written into
/// a pipe whose next program reads a password or token from its input.
/// The password is on the command line all the same (`echo`'s).
fn piped_secret(commands: &[SimpleCommand]) -> Option<(String, String)> {
    commands.windows(2).find_map(|pair| {
        let (source, reader) = (&pair[0], &pair[1]);
        if source.then != Some(Operator::Pipe) {
            return None;
        }
        let (what, variable, takes) = stdin_reader(&reader.words)?;
        let written = echoed(&source.words)?;
        // chpasswd reads `user:password` lines.
        let secret = match takes {
            Takes::UserAndPassword => written.split_once(':')?.1,
            Takes::Secret => written,
        };
        (!secrets::is_inert(secret)).then(|| (format!("`{} SECRET | {what}`", source.words[0]), variable.to_string()))
    })
}

/// What a program reading a secret from its input reads.
enum Takes {
    Secret,
    UserAndPassword,
}

/// A program that reads a password or token from its input: how to name
/// it, a variable to hand the secret over in, and what it reads.
fn stdin_reader(words: &[String]) -> Option<(String, &'static str, Takes)> {
    let program = words.first()?.rsplit('/').next()?;
    let args = &words[1..];
    let has = |option: &str| args.iter().any(|a| a == option);
    if has("--password-stdin") {
        return Some((
            format!("{program} ... --password-stdin"),
            "REGISTRY_PASSWORD",
            Takes::Secret,
        ));
    }
    if has("--with-token") {
        return Some((format!("{program} ... --with-token"), "TOKEN", Takes::Secret));
    }
    match program {
        "chpasswd" => Some(("chpasswd".to_string(), "USER_PASSWORD", Takes::UserAndPassword)),
        "passwd" if has("--stdin") => Some(("passwd --stdin".to_string(), "USER_PASSWORD", Takes::Secret)),
        "htpasswd"
            if args
                .iter()
                .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('i')) =>
        {
            Some(("htpasswd -i".to_string(), "PASSWORD", Takes::Secret))
        }
        // `docker secret create NAME -` reads the secret's value.
        "docker" if args.first().is_some_and(|a| a == "secret") && args.last().is_some_and(|a| a == "-") => {
            Some(("docker secret create NAME -".to_string(), "PASSWORD", Takes::Secret))
        }
        _ => None,
    }
}

/// The text `echo` or `printf` writes, when its words say it: `echo -n
/// TEXT`, `printf '%s' TEXT`, `printf TEXT`.
fn echoed(words: &[String]) -> Option<&str> {
    let program = words.first()?.rsplit('/').next()?;
    let args = &words[1..];
    let text = match program {
        "echo" => args
            .iter()
            .find(|a| !matches!(a.as_str(), "-n" | "-e" | "-E" | "-ne" | "-en"))?,
        "printf" => {
            let format = args.first()?;
            if format.contains('%') {
                args.get(1)?
            } else {
                format
            }
        }
        _ => return None,
    };
    Some(text.trim_end_matches("\\n"))
}

/// The MySQL and MariaDB clients: `-pSECRET` attached, `--password=SECRET`;
/// a bare `-p` or `--password` asks for it.
const MYSQL_TOOLS: &[&str] = &[
    "mysql",
    "mysqladmin",
    "mysqldump",
    "mysqlcheck",
    "mysqlimport",
    "mysqlshow",
    "mysqlslap",
    "mariadb",
    "mariadb-admin",
    "mariadb-dump",
    "mariadb-check",
    "mariadb-import",
    "mariadb-show",
    "mariadb-slap",
];

/// PostgreSQL's programs, whose `--password` (`-W`) only asks for one.
const POSTGRES_TOOLS: &[&str] = &[
    "psql",
    "pg_dump",
    "pg_dumpall",
    "pg_restore",
    "pg_basebackup",
    "createdb",
    "dropdb",
    "createuser",
    "dropuser",
    "vacuumdb",
    "reindexdb",
    "clusterdb",
];

/// MongoDB's programs.
const MONGO_TOOLS: &[&str] = &[
    "mongo",
    "mongosh",
    "mongodump",
    "mongorestore",
    "mongoexport",
    "mongoimport",
    "mongostat",
    "mongotop",
    "mongofiles",
];

/// Redis's client and its forks'.
const REDIS_CLIENTS: &[&str] = &["redis-cli", "valkey-cli", "keydb-cli"];

/// A database's command-line client (by its file name), which takes a
/// user name after `-u`, `-U` or `--user`: MySQL's `-u root` is no
/// password even where the password is `root` too.
pub fn is_database_client(program: &str) -> bool {
    [MYSQL_TOOLS, POSTGRES_TOOLS, MONGO_TOOLS, REDIS_CLIENTS, &["pg_isready"]]
        .iter()
        .any(|tools| tools.contains(&program))
}

/// Short or unusual options that take a password as the next word or
/// attached (`-aSECRET`), by program.
const PASSWORD_OPTIONS: &[(&[&str], &str)] = &[
    (REDIS_CLIENTS, "-a"),
    (&["redis-server", "valkey-server", "keydb-server"], "--requirepass"),
    (&["redis-server", "valkey-server", "keydb-server"], "--masterauth"),
    (MONGO_TOOLS, "-p"),
    (&["sshpass", "rabbitmqadmin"], "-p"),
];

/// Words that set variables in the words after them (and their options,
/// `declare -x`): `export DB_PASS=...` holds the password as much as
/// `DB_PASS=... program` does.
const SETTERS: &[&str] = &["env", "export", "declare", "typeset", "readonly", "local"];

/// What secret a program's words hold, and a variable name to move it to.
fn secret_in(words: &[String]) -> Option<(String, String)> {
    let setter = words.first().map(String::as_str).filter(|w| SETTERS.contains(w));
    let words = match setter {
        Some(_) => {
            let options = words[1..].iter().take_while(|w| w.starts_with('-')).count();
            &words[1 + options..]
        }
        None => words,
    };
    let assignments = words.iter().take_while(|w| secrets::assignment(w).is_some()).count();
    for (name, value) in words[..assignments].iter().filter_map(|w| secrets::assignment(w)) {
        if secrets::is_secret_name(name) && !secrets::is_inert(value) {
            let place = match setter {
                Some(setter) if setter != "env" => format!("`{setter} {name}=`"),
                _ => format!("`{name}=` before the program"),
            };
            return Some((place, name.to_ascii_uppercase()));
        }
    }
    let words = &words[assignments..];
    let program = words.first().map_or("", |w| w.rsplit('/').next().unwrap_or(w));
    let args = words.get(1..).unwrap_or_default();
    tool_password(program, args)
        .or_else(|| long_option(program, args))
        .or_else(|| single_dash_password(program, args))
        .or_else(|| {
            words.iter().find_map(|word| {
                let leak = secrets::leak_in(word).or_else(|| authorization_header(word))?;
                Some((leak, "PASSWORD".to_string()))
            })
        })
}

/// A password given to one of the tools with their own options.
fn tool_password(program: &str, args: &[String]) -> Option<(String, String)> {
    let found = |option: &str| Some((format!("`{program} {option}`"), password_variable(program)));
    if MYSQL_TOOLS.contains(&program) {
        let attached = args
            .iter()
            .filter_map(|a| a.strip_prefix("-p").filter(|_| !a.starts_with("--")))
            .any(|p| !p.is_empty() && !secrets::is_inert(p));
        if attached {
            return found("-pSECRET");
        }
    }
    for (_, option) in PASSWORD_OPTIONS.iter().filter(|(tools, _)| tools.contains(&program)) {
        if facts::option_value(args, option, option).is_some_and(|v| !secrets::is_inert(v)) {
            return found(option);
        }
    }
    match program {
        "curl" => {
            let user = (facts::option_value(args, "-u", "--user").or_else(|| curl_short_value(args, 'u')))
                .or_else(|| facts::option_value(args, "-U", "--proxy-user"))
                .or_else(|| curl_short_value(args, 'U'));
            let password = user.and_then(|u| u.split_once(':')).map(|(_, p)| p);
            password
                .filter(|p| !secrets::is_inert(p))
                .and_then(|_| found("-u USER:SECRET"))
        }
        "htpasswd" => {
            let batch = args
                .iter()
                .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('b'));
            let last = args.last().filter(|a| !a.starts_with('-'));
            (batch && last.is_some_and(|p| !secrets::is_inert(p)))
                .then(|| found("-b"))
                .flatten()
        }
        "rabbitmqctl" => {
            let sets_password = matches!(args.first().map(String::as_str), Some("add_user" | "change_password"));
            let password = args.get(2).filter(|p| !secrets::is_inert(p));
            (sets_password && password.is_some()).then(|| found(&args[0])).flatten()
        }
        _ => None,
    }
}

/// A variable to hand a tool's password over in: `REDIS_PASSWORD` for
/// `redis-cli`, `MYSQL_PASSWORD` for `mysqladmin`.
fn password_variable(program: &str) -> String {
    const FAMILIES: &[&str] = &["redis", "valkey", "keydb", "mysql", "mariadb", "mongo", "rabbitmq"];
    match FAMILIES.iter().find(|f| program.starts_with(*f)) {
        Some(family) => format!("{}_PASSWORD", family.to_ascii_uppercase()),
        None => "PASSWORD".to_string(),
    }
}

/// `--password SECRET`, `--api-key=SECRET` and the like, for any program.
fn long_option(program: &str, args: &[String]) -> Option<(String, String)> {
    // A password option that asks for the password takes no separate value.
    let asks = POSTGRES_TOOLS.contains(&program) || MYSQL_TOOLS.contains(&program);
    secrets::long_options(args, !asks)
        .into_iter()
        .find(|(name, value)| secrets::is_secret_name(name) && !secrets::is_inert(value))
        .map(|(name, _)| (format!("`--{name}`"), name.replace('-', "_").to_ascii_uppercase()))
}

/// Java's and OpenSSL's one-dash options: `keytool -storepass SECRET`,
/// `-password SECRET`, `openssl ... -passout pass:SECRET` (`env:VAR`,
/// `file:PATH` and keytool's `-storepass:env VAR` name where it is).
fn single_dash_password(program: &str, args: &[String]) -> Option<(String, String)> {
    const KEYSTORE: &[&str] = &[
        "-storepass",
        "-keypass",
        "-srcstorepass",
        "-deststorepass",
        "-srckeypass",
        "-destkeypass",
    ];
    const OPENSSL: &[&str] = &["-passout", "-passin", "-pass"];
    args.windows(2).find_map(|pair| {
        let (option, value) = (pair[0].as_str(), pair[1].as_str());
        let secret = if OPENSSL.contains(&option) {
            // Only `pass:` is the password itself; `env:`, `file:`, `fd:`
            // and `stdin` say where it is.
            value.strip_prefix("pass:").is_some_and(|p| !secrets::is_inert(p))
        } else if KEYSTORE.contains(&option) {
            // `changeit`, the JDK's published password of its CA store,
            // keeps nothing secret (adding a company's CA to it is common).
            !value.starts_with('-') && value != "changeit" && !secrets::is_inert(value)
        } else {
            option.len() > 2
                && option.starts_with('-')
                && !option.starts_with("--")
                && secrets::is_password_name(option)
                && !value.starts_with('-')
                && !secrets::is_inert(value)
        };
        secret.then(|| (format!("`{program} {option}`"), "PASSWORD".to_string()))
    })
}

/// `Authorization: Bearer SECRET`, `X-Api-Key: SECRET`: a header with its
/// credentials, as `curl -H` and `wget --header` take it.
fn authorization_header(word: &str) -> Option<String> {
    let word = word.strip_prefix("--header=").unwrap_or(word);
    let (name, value) = word.split_once(':')?;
    // A header's name is one token (`app ALL=(ALL) NOPASSWD:ALL`, a
    // sudoers line, is none), never an option (keytool's `-storepass:env`).
    let name = name.trim();
    let token = !name.is_empty()
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    token.then(|| secrets::header_secret(name, value.trim())).flatten()
}

/// The value of curl's short option `letter` given in a cluster of short
/// flags (`-fsu admin:pw`, `-fsuadmin:pw`): the flags before it take no
/// value; the rest of the word, or the next word, is its value. `None`
/// when another option that takes a value comes first (its value is the
/// rest of the word).
fn curl_short_value(args: &[String], letter: char) -> Option<&str> {
    /// curl's short options that take a value.
    const TAKE_VALUES: &str = "ACDEFHKPQTUXYbcdehmortuwxyz";
    args.iter().enumerate().find_map(|(at, word)| {
        let flags = word.strip_prefix('-').filter(|w| !w.starts_with('-'))?;
        let (index, found) = flags.char_indices().find(|(_, c)| TAKE_VALUES.contains(*c))?;
        if found != letter {
            return None;
        }
        match &flags[index + found.len_utf8()..] {
            "" => args.get(at + 1).map(String::as_str),
            value => Some(value),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(line: &str) -> bool {
        in_commands(&crate::input::shell::simple_commands(line)).is_some()
    }

    #[test]
    fn passwords_on_command_lines() {
        for line in [
            "redis-server --requirepass hunter2",
            "redis-cli -a hunter2 ping",
            "mysqladmin ping -h localhost -uroot -phunter2",
            "mysql --password=hunter2 shop",
            "mongosh -u admin -p hunter2",
            "PGPASSWORD=hunter2 psql -h db shop",
            "env MYSQL_PWD=hunter2 mysql",
            "celery --app shop worker --broker amqp://shop:hunter2@rabbit//",
            "curl -u admin:hunter2 http://localhost/health",
            "curl -fsu admin:Xk9vQ2mPz8w http://localhost:8000/",
            "curl -fsuadmin:Xk9vQ2mPz8w http://localhost:8000/",
            "curl -sfU proxy:Xk9vQ2mPz8w http://localhost:8000/",
            "curl -H 'Authorization: Bearer 3f9a8b7c6d5e4f' http://api",
            "some-tool --api-key 3f9a8b7c6d5e4f",
            "htpasswd -bc /etc/nginx/.htpasswd admin hunter2",
            "rabbitmqctl add_user shop hunter2",
            "export DB_PASS=hunter2; exec tool",
            "declare -x PGPASSWORD=hunter2",
            "keytool -importcert -storepass hunter2 -file ca.pem",
            "tool -password hunter2",
            "openssl pkcs12 -export -passout pass:hunter2 -out a.p12",
            "echo hunter2 | docker login -u shop --password-stdin registry.example.com",
            "printf '%s' 3f9a8b7c6d5e4f | gh auth login --with-token",
            "echo 'app:hunter2' | chpasswd",
            "echo -n hunter2 | docker secret create db_password -",
            "P=hunter2; exec app --password \"$P\"",
            "P=hunter2 && curl -u admin:${P} https://x.example/f",
        ] {
            assert!(finds(line), "{line}");
        }
    }

    #[test]
    fn placeholders_and_prompts_are_no_secrets() {
        for line in [
            "redis-server --requirepass \"$(cat /run/secrets/redis_password)\"",
            "redis-cli -a \"$REDIS_PASSWORD\" ping",
            "mysqladmin ping -h localhost -p",
            "psql --password -h db shop",
            "psql --password shop",
            "pg_isready -h 127.0.0.1 -U shop",
            "gunicorn --password-file /run/secrets/x app:app",
            "celery --app shop worker --broker redis://cache:6379/0",
            "curl -u admin http://localhost/",
            "curl -fsS -o /dev/null http://localhost:8000/",
            "curl -fso out.txt -u admin http://localhost/",
            "mysql -p shop",
            "export DB_PASS=\"$(cat /run/secrets/db)\"",
            "export PATH=/app/bin:$PATH",
            "P=/app; exec app --password-file \"$P/secret\"",
            "P=hunter2; exec app --password \"$PASSWORD\"",
            "keytool -importcert -storepass:env STORE_PASS -file ca.pem",
            "openssl pkcs12 -export -passout env:P12_PASS -out a.p12",
            "openssl pkcs12 -export -passout file:/run/secrets/p12 -out a.p12",
            "tool -password -",
            "openssl enc -d -aes-256-cbc -pass file:/run/secrets/backup_key -in a.enc",
            "openssl enc -d -aes-256-cbc -pass env:BACKUP_KEY -in a.enc",
            "keytool -importcert -noprompt -cacerts -storepass changeit -file /app/corp-ca.pem",
            "echo \"$REGISTRY_PASSWORD\" | docker login -u shop --password-stdin",
            "cat /run/secrets/registry | docker login -u shop --password-stdin",
            "echo 'Logging in' && docker login -u shop --password-stdin < /run/secrets/registry",
            "echo \"app:$(cat /run/secrets/app_password)\" | chpasswd",
            "echo 'app ALL=(ALL) NOPASSWD:ALL' >> /etc/sudoers",
        ] {
            assert!(!finds(line), "{line}");
        }
    }
}

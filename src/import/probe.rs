//! A healthcheck's test as compose runs it, and a password written in it
//! read instead from where the container has it once import has kept it
//! out of the spec: the variable compose still sets (`"$VAR"`), or the
//! file of the secret import made of it (`"$(cat "$VAR_FILE")"`). A shell
//! reads either when the check runs, so the test becomes a script
//! (compose's `CMD-SHELL`), and the value is in neither the spec nor
//! compose.yaml.

use super::spec::{list, quoted};
use super::values::literal;
use super::yaml::{Kind, Node};

/// What stands for a reference compose fills in, until it is read from
/// the container ([`Test::with_references`]): a character no test holds.
const MARK: char = '\u{1}';

/// A healthcheck's test: words run as they are (`CMD`), or a shell script
/// (a string, `CMD-SHELL`). `$$` read as `$`.
#[derive(Debug, PartialEq)]
pub enum Test {
    Words(Vec<String>),
    Script(String),
}

impl Test {
    /// The test of a compose `healthcheck`; `None` for one the spec
    /// cannot write (a value from the host's environment; `NONE` is
    /// `ready off`, see [`Test::is_none`]).
    pub fn of(test: &Node) -> Option<Test> {
        Test::read(test, &literal)
    }

    /// The test of a healthcheck whose text compose fills from variables
    /// (`-p${MYSQL_ROOT_PASSWORD}`) that the container has too
    /// (`references`: each variable and the expression that reads it
    /// there): each reference marked, with the marks to hand
    /// [`Test::reading`], which reads them in the container. `None` for a
    /// reference the container has not, or one with an operator.
    pub fn with_references(test: &Node, references: &[(String, String)]) -> Option<(Test, Vec<(String, String)>)> {
        let mark = |i: usize| format!("{MARK}{i}{MARK}");
        let marked = |text: &str| {
            super::values::replacing_references(text, |name| references.iter().position(|(n, _)| n == name).map(mark))
        };
        let test = Test::read(test, &marked)?;
        let marks = (references.iter().enumerate())
            .map(|(i, (_, expression))| (mark(i), expression.clone()))
            .collect();
        Some((test, marks))
    }

    /// The test of a healthcheck whose variables all have defaults
    /// (`pg_isready -U ${PG_USER:-postgres}`; the project's `.env` filled
    /// the ones it sets already), with the defaults in their place, as
    /// compose runs it unless the host sets them; and their names.
    pub fn with_defaults(test: &Node) -> Option<(Test, Vec<String>)> {
        let names = std::cell::RefCell::new(Vec::new());
        let filled = |text: &str| {
            let (text, found) = super::values::with_defaults(text)?;
            names.borrow_mut().extend(found);
            Some(text)
        };
        let test = Test::read(test, &filled)?;
        let mut names = names.into_inner();
        names.dedup();
        (!names.is_empty()).then_some((test, names))
    }

    /// The test, each text read by `literal` (`None`: one it cannot read).
    fn read(test: &Node, literal: &dyn Fn(&str) -> Option<String>) -> Option<Test> {
        match &test.kind {
            Kind::Scalar { text, .. } => Some(Test::Script(literal(text)?)),
            Kind::Seq(items) => {
                let words: Vec<String> = items
                    .iter()
                    .map(|i| i.text().and_then(literal))
                    .collect::<Option<_>>()?;
                match words.split_first()? {
                    (kind, [script]) if kind == "CMD-SHELL" => Some(Test::Script(script.clone())),
                    (kind, rest) if kind == "CMD" && !rest.is_empty() => Some(Test::Words(rest.to_vec())),
                    _ => None,
                }
            }
            Kind::Map(_) => None,
        }
    }

    /// The variables compose fills into the test from the environment it
    /// runs in that the container has no value of (none in
    /// `references`), in order, each once: why a test is left out.
    pub fn host_variables<'t>(test: &'t Node, references: &[(String, String)]) -> Vec<&'t str> {
        let texts: Vec<&str> = match &test.kind {
            Kind::Scalar { text, .. } => vec![text],
            Kind::Seq(items) => items.iter().filter_map(Node::text).collect(),
            Kind::Map(_) => Vec::new(),
        };
        let mut names = Vec::new();
        for name in texts.into_iter().flat_map(super::values::variables) {
            if !references.iter().any(|(known, _)| known == name) && !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Whether the test is `["NONE"]`, compose's other way to turn the
    /// image's HEALTHCHECK off.
    pub fn is_none(test: &Node) -> bool {
        matches!(&test.kind, Kind::Seq(items) if items.first().and_then(Node::text) == Some("NONE"))
    }

    /// `ready cmd ...` without its timing.
    pub fn statement(&self) -> String {
        match self {
            Test::Words(words) => format!("ready cmd {}", list(words)),
            Test::Script(script) => format!("ready cmd {}", quoted(script)),
        }
    }

    /// The secret it runs with, as `secret-in-command` finds it, and a
    /// variable to hand it over in.
    pub fn secret(&self) -> Option<(String, String)> {
        use crate::input::shell::{commands_of, simple_commands};
        let commands = match self {
            Test::Words(words) => commands_of(words),
            Test::Script(script) => simple_commands(script),
        };
        crate::lint::command_secrets::in_commands(&commands)
    }

    /// The test as a script that reads each value of `readable` (a value,
    /// and the shell expression that reads it in the container) from
    /// there; `None` when it holds none of them, when one is inside single
    /// quotes (where no shell expands it), or when a secret is left.
    pub fn reading(&self, readable: &[(String, String)]) -> Option<Test> {
        let used: Vec<&(String, String)> = readable.iter().filter(|(value, _)| self.holds(value)).collect();
        if used.is_empty() {
            return None;
        }
        let script = match self {
            Test::Words(words) => {
                let words: Vec<String> = (words.iter().enumerate())
                    .map(|(i, word)| word_reading(Place::of(words, i), word, &used))
                    .collect();
                words.join(" ")
            }
            Test::Script(script) => script_reading(script, &used)?,
        };
        // A mark left (a reference inside a word) is a value not read.
        let read = Test::Script(script);
        (read.secret().is_none() && !read.holds_mark()).then_some(read)
    }

    /// The script with each variable of `moved` it reads in the container
    /// (`$NAME`, `${NAME}`, compose's `$$NAME`), which the container now
    /// has as `NAME_FILE` naming a secret's file, read from that file;
    /// `None` when it reads none, or one inside single quotes.
    pub fn reading_moved(&self, moved: &[String]) -> Option<Test> {
        let Test::Script(script) = self else {
            // Words run without a shell: `$NAME` is no variable there.
            return None;
        };
        let readable: Vec<(String, String)> = (moved.iter())
            .flat_map(|name| {
                let read = super::container_env::file_read(name);
                [(format!("${name}"), read.clone()), (format!("${{{name}}}"), read)]
            })
            .collect();
        let used: Vec<&(String, String)> = readable.iter().filter(|(variable, _)| self.holds(variable)).collect();
        if used.is_empty() {
            return None;
        }
        script_reading(script, &used).map(Test::Script)
    }

    /// Whether the test reads the container's variable `name` (`$NAME`,
    /// `${NAME}`), in a script or in a word a shell it runs reads.
    pub fn reads_variable(&self, name: &str) -> bool {
        self.holds(&format!("${name}")) || self.holds(&format!("${{{name}}}"))
    }

    /// Whether a value of `readable` is written in the test, as a whole
    /// token: what import moved out of the spec must not stay in it, even
    /// where `secret-in-command` sees no secret.
    pub fn holds_any(&self, readable: &[(String, String)]) -> bool {
        readable.iter().any(|(value, _)| self.holds(value))
    }

    fn holds_mark(&self) -> bool {
        match self {
            Test::Words(words) => words.iter().any(|w| w.contains(MARK)),
            Test::Script(script) => script.contains(MARK),
        }
    }

    fn holds(&self, value: &str) -> bool {
        let pair = (value.to_string(), String::new());
        let in_text = |text: &str| {
            (text.match_indices(value)).any(|(at, _)| found_at(&text[..at], &text[at..], &[&pair]).is_some())
        };
        !value.is_empty()
            && match self {
                Test::Words(words) => (words.iter().enumerate()).any(|(i, w)| {
                    let place = Place::of(words, i);
                    (w.match_indices(value)).any(|(at, _)| found_after(place, &w[..at], &w[at..], &[&pair]).is_some())
                }),
                Test::Script(script) => in_text(script),
            }
    }
}

/// The value of `readable` at the start of `rest` (`before` is the text
/// before it), the longest, where it is a whole token: not inside a word
/// (`mysql` is no value in `mysqladmin`), but after `-p` as MySQL's
/// clients take a password (`-ps3cr3t`).
fn found_at<'a>(before: &str, rest: &str, readable: &[&'a (String, String)]) -> Option<&'a (String, String)> {
    found_after(Place::default(), before, rest, readable)
}

/// Where a word of a test written as words stands: its program (the
/// first word) and the word before it.
#[derive(Clone, Copy, Default)]
struct Place<'w> {
    program: Option<&'w str>,
    previous: Option<&'w str>,
}

impl<'w> Place<'w> {
    fn of(words: &'w [String], at: usize) -> Self {
        Place {
            program: words.first().map(String::as_str),
            previous: at.checked_sub(1).map(|p| words[p].as_str()),
        }
    }
}

/// [`found_at`] in a word of a test written as words (at `place`). A
/// value given to a database client as its user name is none: MySQL's
/// `root` and postgres's `postgres` are users whatever the password is
/// (`-u root -proot` keeps its `-u root`).
fn found_after<'a>(
    place: Place,
    before: &str,
    rest: &str,
    readable: &[&'a (String, String)],
) -> Option<&'a (String, String)> {
    if names_user(place, before) {
        return None;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let starts_token = before.chars().next_back().is_none_or(|c| !is_word(c)) || before.ends_with("-p");
    if !starts_token {
        return None;
    }
    (readable.iter().copied())
        .filter(|(value, _)| !value.is_empty() && rest.starts_with(value.as_str()))
        .filter(|(value, _)| rest[value.len()..].chars().next().is_none_or(|c| !is_word(c)))
        .max_by_key(|(value, _)| value.len())
}

/// Whether what follows `before` is a user name, as database clients take
/// one: after `-u`, `-U`, `--user` or `--username` (the word before, or
/// glued: `-uroot`, `--user=root`, `--user='root'`), or `PGUSER=`. Only
/// a database client's: curl's `-u TOKEN:` is a secret.
fn names_user(place: Place, before: &str) -> bool {
    const FLAGS: [&str; 6] = ["-u", "-U", "--user", "--username", "--user=", "--username="];
    let separator = |c: char| c.is_whitespace() || c == '"' || c == '\'';
    let glued = before.rsplit(separator).next().unwrap_or_default();
    if glued == "PGUSER=" {
        return true;
    }
    let program = place
        .program
        .filter(|p| !matches!(p.rsplit('/').next(), Some("sh" | "bash" | "ash" | "dash")));
    let client = match program {
        Some(program) => is_database_client(program),
        None => runs_database_client(before),
    };
    if !client {
        return false;
    }
    if !glued.is_empty() {
        return matches!(glued, "-u" | "-U" | "--user=" | "--username=");
    }
    let trimmed = before.trim_end_matches(separator);
    match trimmed.is_empty() {
        true => place.previous.is_some_and(|word| FLAGS.contains(&word)),
        false => FLAGS.contains(&trimmed.rsplit(separator).next().unwrap_or_default()),
    }
}

/// A database client, named by its path or in quotes (see
/// [`crate::lint::command_secrets::is_database_client`]).
fn is_database_client(program: &str) -> bool {
    let name = program.trim_matches(['"', '\'']);
    crate::lint::command_secrets::is_database_client(name.rsplit('/').next().unwrap_or(name))
}

/// Whether the command of a script that `before` ends in runs a database
/// client (its first word that is no `NAME=value`).
fn runs_database_client(before: &str) -> bool {
    let command = before.rsplit(['\n', ';', '&', '|', '(']).next().unwrap_or(before);
    command
        .split_whitespace()
        .find(|w| !w.contains('='))
        .is_some_and(is_database_client)
}

/// One word as the shell writes it: its text quoted, each value read
/// from its expression (in double quotes, so a value with spaces stays
/// one word).
fn word_reading(place: Place, word: &str, readable: &[&(String, String)]) -> String {
    let mut out = String::new();
    let mut text = String::new();
    let mut rest = word;
    let flush = |text: &mut String, out: &mut String| {
        if !text.is_empty() {
            out.push_str(&shlex::try_quote(text).map_or_else(|_| quoted_for_shell(text), |q| q.into_owned()));
            text.clear();
        }
    };
    while let Some(c) = rest.chars().next() {
        match found_after(place, &word[..word.len() - rest.len()], rest, readable) {
            Some((value, expression)) => {
                flush(&mut text, &mut out);
                out.push_str(&format!("\"{expression}\""));
                rest = &rest[value.len()..];
            }
            _ => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    flush(&mut text, &mut out);
    if out.is_empty() {
        "''".to_string()
    } else {
        out
    }
}

/// Single quotes around a word shlex will not quote (one with a NUL).
fn quoted_for_shell(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A script with each value read from its expression: in double quotes
/// where the value is outside any, bare inside them; `None` when one is
/// inside single quotes or escaped.
fn script_reading(script: &str, readable: &[&(String, String)]) -> Option<String> {
    #[derive(PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let mut out = String::with_capacity(script.len());
    let mut quote = Quote::None;
    let mut rest = script;
    while let Some(c) = rest.chars().next() {
        if let Some((value, expression)) = found_at(&script[..script.len() - rest.len()], rest, readable) {
            match quote {
                Quote::Single => return None,
                Quote::Double => out.push_str(expression),
                Quote::None => out.push_str(&format!("\"{expression}\"")),
            }
            rest = &rest[value.len()..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        out.push(c);
        match (&quote, c) {
            (Quote::None, '\'') => quote = Quote::Single,
            (Quote::Single, '\'') => quote = Quote::None,
            (Quote::None, '"') => quote = Quote::Double,
            (Quote::Double, '"') => quote = Quote::None,
            // The character after a backslash is taken as it is.
            (Quote::None | Quote::Double, '\\') => {
                let escaped = rest.chars().next()?;
                if found_at(&script[..script.len() - rest.len()], rest, readable).is_some() {
                    return None;
                }
                out.push(escaped);
                rest = &rest[escaped.len_utf8()..];
            }
            _ => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test that read `$PW` (compose's `$$PW`) reads the file of the
    /// secret import made of it, inside double quotes or outside; `$PW_X`
    /// is another variable; single quotes are left as they are.
    #[test]
    fn a_variable_moved_to_a_file_is_read_from_it() {
        let moved = ["PW".to_string()];
        let read = |script: &str| Test::Script(script.to_string()).reading_moved(&moved);
        assert_eq!(
            read("mongosh -p \"$PW\" --eval ping && echo ${PW} $PW_X"),
            Some(Test::Script(
                "mongosh -p \"$(cat \"$PW_FILE\")\" --eval ping && echo \"$(cat \"$PW_FILE\")\" $PW_X".to_string()
            ))
        );
        assert_eq!(read("echo $PW_X"), None);
        assert_eq!(read("sh -c 'echo $PW'"), None);
        assert_eq!(
            Test::Words(vec!["echo".into(), "$PW".into()]).reading_moved(&moved),
            None
        );
    }

    fn readable() -> Vec<(String, String)> {
        vec![
            ("s3cr3t".to_string(), "$(cat \"$MYSQL_ROOT_PASSWORD_FILE\")".to_string()),
            ("app pass".to_string(), "$DB_PASSWORD".to_string()),
        ]
    }

    fn words(words: &[&str]) -> Test {
        Test::Words(words.iter().map(|w| w.to_string()).collect())
    }

    #[test]
    fn a_password_in_words_is_read_by_a_shell() {
        let test = words(&["mysqladmin", "ping", "-h", "localhost", "-uroot", "-ps3cr3t"]);
        assert!(test.secret().is_some());
        assert_eq!(
            test.reading(&readable()),
            Some(Test::Script(
                "mysqladmin ping -h localhost -uroot -p\"$(cat \"$MYSQL_ROOT_PASSWORD_FILE\")\"".to_string()
            ))
        );
        // Every other character is the word's own: quoted, never expanded.
        let spaced = words(&["mysqladmin", "ping", "--password=app pass", "it's $HOME"]);
        assert_eq!(
            spaced.reading(&readable()),
            Some(Test::Script(
                "mysqladmin ping '--password='\"$DB_PASSWORD\" \"it's \"'$HOME'".to_string()
            ))
        );
    }

    #[test]
    fn a_password_in_a_script_is_read_unless_single_quoted() {
        let read = |script: &str| Test::Script(script.to_string()).reading(&readable());
        assert_eq!(
            read("PGPASSWORD=s3cr3t pg_isready -U app"),
            Some(Test::Script(
                "PGPASSWORD=\"$(cat \"$MYSQL_ROOT_PASSWORD_FILE\")\" pg_isready -U app".to_string()
            ))
        );
        assert_eq!(
            read("mysqladmin ping \"-papp pass\""),
            Some(Test::Script("mysqladmin ping \"-p$DB_PASSWORD\"".to_string()))
        );
        assert_eq!(read("mysqladmin ping '-ps3cr3t'"), None);
        assert_eq!(read("mysqladmin ping -p\\s3cr3t"), None);
        // Another password, not one the container has, stays: no script.
        assert_eq!(read("mysqladmin ping -ps3cr3t -uroot && mysql -pother-one"), None);
        assert_eq!(read("mysqladmin ping -pnone-known"), None);
    }

    /// A value is read only where it is a whole token: `mysql` is no
    /// password inside `mysqladmin`, but is after `-p` or `=`.
    #[test]
    fn only_a_whole_token_is_a_value() {
        let mysql = vec![("mysql".to_string(), "$MYSQL_PASSWORD".to_string())];
        let test = words(&["mysqladmin", "ping", "-umysql", "-pmysql"]);
        assert!(test.holds_any(&mysql));
        assert_eq!(
            test.reading(&mysql),
            Some(Test::Script(
                "mysqladmin ping -umysql -p\"$MYSQL_PASSWORD\"".to_string()
            ))
        );
        assert!(!words(&["mysqladmin", "ping", "-umysqlx"]).holds_any(&mysql));
    }

    /// A password equal to the user name (MySQL's `root`, postgres's
    /// `postgres`, users the images have without a variable naming them)
    /// is read as the password only: the user stays as written.
    #[test]
    fn a_user_name_equal_to_the_password_stays() {
        let root = vec![("root".to_string(), "$MYSQL_ROOT_PASSWORD".to_string())];
        let test = words(&["mysqladmin", "ping", "-h", "localhost", "-u", "root", "-proot"]);
        assert_eq!(
            test.reading(&root),
            Some(Test::Script(
                "mysqladmin ping -h localhost -u root -p\"$MYSQL_ROOT_PASSWORD\"".to_string()
            ))
        );
        let postgres = vec![("postgres".to_string(), "$POSTGRES_PASSWORD".to_string())];
        for user_only in [
            words(&["pg_isready", "-U", "postgres"]),
            words(&["pg_isready", "--username=postgres"]),
            Test::Script("pg_isready -U postgres -h 127.0.0.1".to_string()),
            Test::Script("PGUSER=postgres pg_isready".to_string()),
        ] {
            assert!(!user_only.holds_any(&postgres), "{user_only:?}");
        }
        assert!(!Test::Script("mysqladmin ping --user='root'".to_string()).holds_any(&root));
        assert!(!Test::Script("pg_isready --username=\"postgres\"".to_string()).holds_any(&postgres));
        // curl's `-u` takes a token, no user name.
        let key = vec![("sk_live_abc".to_string(), "$STRIPE_KEY".to_string())];
        assert!(words(&["curl", "-f", "-u", "sk_live_abc:", "http://localhost/health"]).holds_any(&key));
        assert!(Test::Script("curl -u sk_live_abc: http://localhost/".to_string()).holds_any(&key));
        let script = Test::Script("mysqladmin ping --user root --password=root".to_string());
        assert_eq!(
            script.reading(&root),
            Some(Test::Script(
                "mysqladmin ping --user root --password=\"$MYSQL_ROOT_PASSWORD\"".to_string()
            ))
        );
    }

    /// A `${VAR}` compose fills in is read from the container's variable
    /// where it is a whole token; inside a word, with an operator, or of
    /// a variable the container has not, the test is not read.
    #[test]
    fn a_reference_is_read_from_the_container_where_it_is_a_token() {
        let references = vec![("PW".to_string(), "$DB_PASSWORD".to_string())];
        let read = |script: &str| {
            let node = crate::import::yaml::parse(&format!("t: {script:?}")).unwrap();
            let (test, marks) = Test::with_references(node.get("t").unwrap(), &references)?;
            test.reading(&marks)
        };
        assert_eq!(
            read("mysqladmin ping -p${PW} && echo $$HOME"),
            Some(Test::Script(
                "mysqladmin ping -p\"$DB_PASSWORD\" && echo $HOME".to_string()
            ))
        );
        assert_eq!(read("check --token=x${PW}"), None);
        assert_eq!(read("mysqladmin ping -p${PW:-none}"), None);
        assert_eq!(read("mysqladmin ping -p${OTHER}"), None);
        assert_eq!(read("mysqladmin ping '-p${PW}'"), None);
    }

    /// A token `secret-in-command` would not recognise is still one the
    /// environment held: the check must read it too.
    #[test]
    fn a_value_of_any_shape_is_held() {
        let token = vec![("Xy7pQ2vLm9sKab".to_string(), "$API_TOKEN".to_string())];
        let test = words(&["/app/check", "Xy7pQ2vLm9sKab"]);
        assert!(test.holds_any(&token));
        assert_eq!(
            test.reading(&token),
            Some(Test::Script("/app/check \"$API_TOKEN\"".to_string()))
        );
    }
}

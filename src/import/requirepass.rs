//! Redis's and Valkey's password on their command line from the
//! environment compose runs in (`redis-server --requirepass
//! ${REDIS_PASSWORD}`): a secret that reads the same variable, and a
//! command that reads the secret's file where it starts, so the spec and
//! compose.yaml hold no password and the server still asks for one.

use super::compose::Import;
use super::spec::Stmt;
use super::values::{literal, whole_variable};
use super::yaml::{Kind, Node};

/// The servers that take `--requirepass`, and the user each official
/// image runs them as (its entrypoint steps down to it for the server
/// alone, not for the shell that reads the secret).
const SERVERS: [(&str, &str); 2] = [("redis-server", "redis"), ("valkey-server", "valkey")];

/// The statements for a `command` of such a server whose password is one
/// variable compose fills in and whose other words are literal: the
/// secret that reads it, `user` (where the service has none) and the
/// command; `None` for any other command, or one that is an entrypoint's
/// arguments.
pub fn secret_password_command(service: &str, node: &Node, value: &Node, import: &mut Import) -> Option<Vec<Stmt>> {
    if node.get("entrypoint").is_some() {
        return None;
    }
    let words: Vec<String> = match &value.kind {
        Kind::Seq(items) => items
            .iter()
            .map(|i| i.text().map(str::to_string))
            .collect::<Option<_>>()?,
        Kind::Scalar { text, .. } => shlex::split(text)?,
        Kind::Map(_) => return None,
    };
    let program = words.first()?;
    let (_, user) = SERVERS
        .iter()
        .find(|(server, _)| program.rsplit('/').next() == Some(*server))?;
    let at = words.iter().position(|w| w == "--requirepass")?;
    let variable = whole_variable(words.get(at + 1)?)?.to_string();
    let others: Vec<String> = (words.iter().enumerate())
        .filter(|(i, _)| *i != at && *i != at + 1)
        .map(|(_, w)| literal(w))
        .collect::<Option<_>>()?;
    let secret = super::env_file::secret_from_environment(service, &variable, &variable, import);
    let mut script = String::from("exec");
    for (i, word) in others.iter().enumerate() {
        script.push(' ');
        script.push_str(&shlex::try_quote(word).ok()?);
        if i == 0 {
            script.push_str(&format!(" --requirepass \"$(cat \"${variable}_FILE\")\""));
        }
    }
    let argv = ["sh".to_string(), "-c".to_string(), script];
    import.report.secret(
        import.file,
        value.span,
        format!("`--requirepass ${{{variable}}}` reads the password from the secret `{secret}` where the server starts"),
        format!(
            "the container gets `{variable}_FILE`, and the command reads it (`$(cat \"${variable}_FILE\")`): no password in \
             the spec or compose.yaml; `{variable}` is still set where compose runs"
        ),
    );
    let mut statements = vec![Stmt::line(format!("secret {variable} = {secret}")).note(format!(
        "was --requirepass ${{{variable}}}; the container gets {variable}_FILE"
    ))];
    if node.get("user").is_none() {
        statements.push(
            Stmt::line(format!("user {user}"))
                .note("the image's own user, which its entrypoint steps down to for the server alone"),
        );
    }
    statements.push(Stmt::line(format!("command {}", super::spec::list(&argv))));
    Some(statements)
}

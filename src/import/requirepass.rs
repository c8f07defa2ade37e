//! Redis's and Valkey's password on their command line from the
//! environment compose runs in (`redis-server --requirepass
//! ${REDIS_PASSWORD}`): a secret that reads the same variable, and a
//! command that reads the secret's file where it starts, so the spec and
//! compose.yaml hold no password and the server still asks for one.

use super::compose::Import;
use super::spec::Stmt;
use super::values::{literal, one_reference, whole_variable};
use super::yaml::{Kind, Node};
use crate::input::env_file::EnvFile;

/// The official images of the servers that take `--requirepass`, their
/// server program, and the user each runs it as (its entrypoint steps
/// down to it for the server alone, not for the shell that reads the
/// secret).
const SERVERS: [(&str, &str, &str); 2] = [
    ("redis", "redis-server", "redis"),
    ("valkey/valkey", "valkey-server", "valkey"),
];

/// Such a server's command, as [`secret_password_command`] reads it.
struct Read {
    /// The user the image's entrypoint steps down to.
    user: &'static str,
    words: Vec<String>,
    /// Where `--requirepass` is.
    at: usize,
    /// The variable the container gets the password's file in.
    variable: String,
    /// The password, when the command holds it (`--requirepass hunter2`);
    /// `None` when compose fills it from `variable`.
    written: Option<String>,
}

/// The service `node`'s `command` (`value`), when it is such a server's in
/// its official image (or the server's options alone, which the image's
/// entrypoint runs the server with), with its password from one variable
/// (the project's `.env` or the host sets; with a default, `dotenv` says
/// which compose reads) or written out.
fn read(node: &Node, value: &Node, dotenv: &EnvFile) -> Option<Read> {
    if node.get("entrypoint").is_some() {
        return None;
    }
    let image = crate::ir::ImageRef::split(crate::source::Spanned::new(
        node.get("image")?.text()?.to_string(),
        crate::source::Span::new(0, 0),
    ));
    let &(_, server, user) = SERVERS
        .iter()
        .find(|(repository, ..)| image.hub_name() == *repository)?;
    let mut words: Vec<String> = match &value.kind {
        Kind::Seq(items) => items
            .iter()
            .map(|i| i.text().map(str::to_string))
            .collect::<Option<_>>()?,
        Kind::Scalar { text, .. } => shlex::split(text)?,
        Kind::Map(_) => return None,
    };
    // The image's entrypoint puts the server before an option or a
    // config file that comes first.
    let first = words.first()?;
    if first.starts_with('-') || first.ends_with(".conf") {
        words.insert(0, server.to_string());
    }
    if words[0].rsplit('/').next() != Some(server) {
        return None;
    }
    let at = words.iter().position(|w| w == "--requirepass")?;
    let password = words.get(at + 1)?;
    let written = |password: &str| literal(password).filter(|p| !crate::lint::secrets::is_inert(p));
    let (variable, written) = match (whole_variable(password), one_reference(password)) {
        (Some(variable), _) => (variable.to_string(), None),
        // `${REDIS_AUTH:-myredissecret}`: the `.env`'s value, else the default.
        (None, Some((name, operation))) => {
            // `:-` takes the default for an empty value too, `-` only for
            // an unset one.
            let (default, empty_is_unset) = match operation.strip_prefix(":-") {
                Some(default) => (default, true),
                None => (operation.strip_prefix('-')?, false),
            };
            let set = dotenv.get(name).and_then(|entry| entry.value.as_ref());
            match set.is_some_and(|value| !(empty_is_unset && value.value.is_empty())) {
                true => (name.to_string(), None),
                false => (name.to_string(), Some(written(default)?)),
            }
        }
        (None, None) => {
            // `redis-server` -> `REDIS_PASSWORD`.
            let family = server.trim_end_matches("-server").to_ascii_uppercase();
            (format!("{family}_PASSWORD"), Some(written(password)?))
        }
    };
    Some(Read {
        user,
        words,
        at,
        variable,
        written,
    })
}

/// The variable whose file the service's `command` reads its password from
/// once imported ([`secret_password_command`]), and the password when the
/// command wrote it out: its healthcheck's `redis-cli -a ${VAR}` or `-a
/// PASSWORD` reads the same file.
pub fn password_variable(node: &Node, dotenv: &EnvFile) -> Option<(String, Option<String>)> {
    read(node, node.get("command")?, dotenv).map(|read| (read.variable, read.written))
}

/// The statements for the `command` of such a server, in its official
/// image, whose password is one variable compose fills in and whose other
/// words are literal: the secret that reads it, `user` (where the service
/// has none) and the command, `--requirepass` where it was (a config file
/// named first stays first); `None` for any other command, or one that is
/// an entrypoint's arguments.
pub fn secret_password_command(service: &str, node: &Node, value: &Node, import: &mut Import) -> Option<Vec<Stmt>> {
    let Read {
        user,
        words,
        at,
        variable,
        written,
    } = read(node, value, &import.places.dotenv)?;
    let mut script = String::from("exec");
    for (i, word) in words.iter().enumerate() {
        if i == at + 1 {
            continue;
        }
        script.push(' ');
        match i == at {
            true => script.push_str(&format!("--requirepass \"$(cat \"${variable}_FILE\")\"")),
            false => script.push_str(&shlex::try_quote(&literal(word)?).ok()?),
        }
    }
    let argv = ["sh".to_string(), "-c".to_string(), script];
    let (secret, was) = match written {
        None => {
            let secret = super::env_file::secret_from_environment(service, &variable, &variable, import);
            import.report.secret(
                import.file,
                value.span,
                format!("`--requirepass ${{{variable}}}` reads the password from the secret `{secret}` where the server starts"),
                format!(
                    "the container gets `{variable}_FILE`, and the command reads it (`$(cat \"${variable}_FILE\")`): no \
                     password in the spec or compose.yaml; `{variable}` is still set where compose runs"
                ),
            );
            (secret, format!("--requirepass ${{{variable}}}"))
        }
        Some(password) => {
            let (file, new) = import.secrets.add(service, &variable, &password);
            if new {
                import.declared.push(Stmt::line(format!(
                    "secret {} file {}",
                    file.name,
                    super::spec::quoted(&file.path)
                )));
            }
            import.report.secret(
                import.file,
                value.span,
                format!("the password of `--requirepass` moved into the secret file {}", file.path),
                format!(
                    "the container gets `{variable}_FILE`, and the command reads it (`$(cat \"${variable}_FILE\")`): no \
                     password in the spec or compose.yaml; the .gitignore beside the spec lists {}",
                    file.path
                ),
            );
            (
                file.name,
                "--requirepass with its password in the compose file".to_string(),
            )
        }
    };
    let mut statements = vec![Stmt::line(format!("secret {variable} = {secret}"))
        .note(format!("was {was}; the container gets {variable}_FILE"))];
    if node.get("user").is_none() {
        statements.push(
            Stmt::line(format!("user {user}"))
                .note("the image's own user, which its entrypoint steps down to for the server alone"),
        );
        if let Some(folder) = bind_mounted_folder(node) {
            import.report.filled(
                import.file,
                value.span,
                format!("`user {user}`: the host folder `{folder}` it writes must be the image's user's (uid 999)"),
                format!(
                    "the image's entrypoint gave it to `{user}` when it started as root; run `sudo chown -R 999 {folder}` \
                     once, or mount a named volume there"
                ),
            );
        }
    }
    statements.push(Stmt::line(format!("command {}", super::spec::list(&argv))));
    Some(statements)
}

/// The host folder the service bind-mounts (a short `./data:/data`), if
/// any: the image's entrypoint, started as root, made it its user's.
fn bind_mounted_folder(node: &Node) -> Option<String> {
    let volumes = node.get("volumes").map(Node::items).unwrap_or_default();
    volumes.iter().find_map(|volume| {
        let source = match volume.text() {
            Some(text) => text.split(':').next()?.to_string(),
            None => volume.get("source")?.text()?.to_string(),
        };
        super::values::is_host_path(&source).then_some(source)
    })
}

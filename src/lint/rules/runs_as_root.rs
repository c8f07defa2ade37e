use crate::diagnostic::Diagnostic;
use crate::ir::{Service, Stack};
use crate::lint::images::{self, DefaultUser};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a container that runs as root:
    /// - an app stackc builds, with `user root` (or `uid 0`) in its `build`
    ///   block, or a `user` statement of root;
    /// - an app's own Dockerfile whose last `USER` is root, or that has no
    ///   `USER` on a base image that runs as root (python, node, golang,
    ///   debian, ...);
    /// - a published image known to run its command as root (`python`,
    ///   `node`, `nginx`, `traefik`, ...) without a `user` statement;
    /// - a published image whose entrypoint starts as root and switches to
    ///   its own user only for its server (`postgres`, `redis`, `mysql`,
    ///   `mariadb`, `mongo`, `rabbitmq`, `valkey`), given another command
    ///   (`pg_dump`, `sh -c ...`) or an `entrypoint` of its own.
    ///
    /// An image whose entrypoint starts its server that way counts as
    /// unprivileged: root only fixes the data folder's owner, then the
    /// entrypoint re-executes itself as the image's user. `user root` on
    /// a published image says root is intended and silences the rule. An
    /// image stackc does not know is not guessed about.
    ///
    /// ## Why is this bad?
    /// A bug in the app, or in any of its dependencies, that lets an
    /// attacker run code gives them root in the container: they can change
    /// the program itself, read every mounted secret, and are one kernel or
    /// runtime flaw away from the host. The seed stack's Dockerfile has no
    /// `USER` at all, so Gunicorn runs as root.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         user root
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    ///
    /// job backup {
    ///     image postgres:16.4
    ///     run "pg_dump --host db --file /backup/shop.sql shop"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Leave the build's `user` out (stackc creates `app`, uid 10001), and
    /// run a published image as its own unprivileged user:
    /// ```text
    /// job backup {
    ///     image postgres:16.4
    ///     run "pg_dump --host db --file /backup/shop.sql shop"
    ///     user postgres
    /// }
    /// ```
    /// In the app's own Dockerfile, end the final stage with a numeric
    /// `USER 10001:10001` (after creating the user and giving it the folders
    /// it writes).
    pub struct RunsAsRoot {
        name: "runs-as-root",
        severity: Error,
        summary: "a container that runs as root",
    }
}

impl Rule for RunsAsRoot {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in stack.services.iter().filter(|s| s.proxy().is_none()) {
            let name = &service.name.value;
            // A `user` of the spec's own replaces the Dockerfile's USER
            // (`user root` says root is intended).
            if let (None, Some(finding)) = (&service.user, own_dockerfile_root(stack, service)) {
                out.push(finding);
            }
            if let Some(build) = service
                .build()
                .and_then(|b| b.python())
                .filter(|b| b.user.uid.value == 0)
            {
                out.push(
                    Self::META
                        .diagnostic(format!("`{name}` runs as root"))
                        .primary(build.user.uid.span, "uid 0 is root")
                        .help("remove the `user` line (stackc creates `app`, uid 10001), or `user NAME uid N` with N from 1000 to 60000"),
                );
            }
            let user = service.user.as_ref();
            // Root over an image stackc writes, which has its app user;
            // the app's own Dockerfile's user is the app's choice.
            let stackc_writes = stack.builder_of(service).and_then(|b| b.build()?.python()).is_some();
            if let (Some(user), true) = (user.filter(|u| u.is_root()), stackc_writes) {
                out.push(
                    Self::META
                        .diagnostic(format!("`{name}` runs as root"))
                        .primary(user.user.span, "the app stackc builds, as root")
                        .help("remove this line: the image runs as its app user"),
                );
            }
            if user.is_none() {
                if let Some(finding) = published_image_as_root(service) {
                    out.push(finding);
                }
            }
        }
    }
}

/// A published image that stackc knows runs this service's command as root.
fn published_image_as_root(service: &Service) -> Option<Diagnostic> {
    let image = facts::image(service)?;
    let name = &service.name.value;
    let diagnostic = match images::default_user(image)? {
        DefaultUser::Unprivileged => return None,
        DefaultUser::Root { user } => {
            let help = match user {
                Some(user) => format!("run it as the image's unprivileged user: `user {user}`; or say `user root` if it must be root"),
                // Another uid alone stops nginx: it binds port 80 and
                // writes its cache and pid file in root's folders.
                None if image.hub_name() == "nginx" => "write it as a `proxy` (stackc runs nginx as its user 101, \
                    with the folders it writes), or use `nginxinc/nginx-unprivileged` (uid 101, port 8080); or say \
                    `user root` if it must be root".to_string(),
                None => "give it an unprivileged uid that owns what it writes, e.g. `user 10001`; or say `user root` if it must be root".to_string(),
            };
            RunsAsRoot::META
                .diagnostic(format!("`{name}` runs as root"))
                .primary(image.text.span, "this image runs its command as root")
                .help(help)
        }
        DefaultUser::StepsDown { user, .. } => {
            let command = service.command.as_ref();
            let (span, label) = match (&service.entrypoint, command.and_then(|c| c.words.first())) {
                (Some(entrypoint), _) => (
                    entrypoint.span,
                    "a new entrypoint: the image's switch to its user never runs".to_string(),
                ),
                (None, Some(program)) if !facts::runs_image_server(service) => (
                    command.map_or(image.text.span, |c| c.span),
                    format!("the entrypoint switches to `{user}` only for its server, and `{program}` runs as root"),
                ),
                _ => return None,
            };
            RunsAsRoot::META
                .diagnostic(format!("`{name}` runs as root"))
                .primary(span, label)
                .secondary(image.text.span, "starts as root")
                .help(format!("run it as the image's own user: `user {user}`"))
        }
    };
    Some(diagnostic)
}

/// The builder's own Dockerfile, when its built stage runs as root: a last
/// `USER` of root, or none on a base image known to run as root. Reported
/// on the builder only: its `image of` users run the same image.
fn own_dockerfile_root(stack: &Stack, service: &Service) -> Option<Diagnostic> {
    let own = service.build()?.own_dockerfile()?;
    let image = stack.inputs.image(&service.name.value)?;
    let stage = image.dockerfile.stages.get(image.stage?)?;
    let facts = &stage.facts;
    let finding = RunsAsRoot::META.diagnostic(format!("`{}` runs as root", service.name.value));
    // The spec can fix it without touching the Dockerfile: with the base
    // image's own unprivileged user where it has one.
    let spec_user = match image.registry_base().and_then(images::default_user) {
        Some(DefaultUser::Root { user: Some(user) }) => format!("`user {user}` (the base image's own user)"),
        _ => "`user 10001`".to_string(),
    };
    let finding = match (&facts.user, facts.runs_as_root()) {
        (Some(user), Some(true)) => finding
            .primary(own.file.span, "its Dockerfile switches to root last")
            .secondary_in(image.file, user.span, "the last USER of the built stage"),
        (None, None) => {
            let base = image.registry_base().filter(|i| facts::runs_as_root_by_default(i))?;
            finding
                .primary(own.file.span, "its Dockerfile never switches to another user")
                .secondary_in(
                    image.file,
                    base.text.span,
                    format!("`{}` runs as root", facts::image_name(base)),
                )
        }
        (None, Some(true)) => finding
            .primary(own.file.span, "its Dockerfile never switches to another user")
            .secondary_in(image.file, stage.from_span, "a stage built FROM scratch runs as root"),
        // `useradd -o -u 0 app` then `USER app`: root under another name.
        (Some(user), Some(false)) => {
            let name = user.known()?.split(':').next()?;
            let stages = image.dockerfile.stages_in_image(image.stage?);
            let account = image.dockerfile.created_account(&stages, name).filter(|a| a.uid == 0)?;
            finding
                .primary(
                    own.file.span,
                    format!("its Dockerfile's user `{name}` is uid {}: root", account.uid),
                )
                .secondary_in(image.file, user.span, "the last USER of the built stage")
        }
        _ => return None,
    };
    Some(finding.help(format!(
        "add a numeric `USER 10001:10001` at the end of the built stage, after creating the user and giving it what it \
         writes; or, in the spec, {spec_user} if it can write what it needs, or `user root` if it must be root"
    )))
}

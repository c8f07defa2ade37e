use crate::diagnostic::Diagnostic;
use crate::emit::kubernetes::{unnumbered_user, UnnumberedUser};
use crate::ir::Stack;
use crate::lint::Rule;
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// On a cluster (`--target kubernetes`), flags a container whose user
    /// is a name stackc cannot turn into a number: `user app` in the spec
    /// for an image stackc does not know, or `USER app` in the app's own
    /// Dockerfile where the `adduser`/`useradd` that creates `app` gives no
    /// `-u` (`adduser --system app`: the number is picked at build time).
    ///
    /// ## Why is this bad?
    /// Every pod stackc writes says `runAsNonRoot`, and a container's user
    /// can only be set by number (`runAsUser`). For a user that is a name,
    /// the kubelet cannot tell whether it is root, and refuses to start the
    /// container (`CreateContainerConfigError: container has runAsNonRoot
    /// and image has non-numeric user`). Compose runs it as the name says.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     image ghcr.io/acme/shop-web:1.4.2
    ///     build ./app   # its Dockerfile: RUN adduser --system app ... USER app
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Give the user a fixed number where it is created (`RUN adduser
    /// --system --uid 1000 app`, then `USER app` or `USER 1000`), or say
    /// it in the spec:
    /// ```text
    /// service web {
    ///     image ghcr.io/acme/shop-web:1.4.2
    ///     build ./app
    ///     user 1000
    /// }
    /// ```
    pub struct UserWithoutUid {
        name: "user-without-uid",
        severity: Warning,
        summary: "a container user by name, which a cluster's kubelet refuses to start as non-root",
        target: Kubernetes,
    }
}

impl Rule for UserWithoutUid {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        // One finding per place: the services that run one image share it.
        let mut found: Vec<(Span, Diagnostic)> = Vec::new();
        for service in &stack.services {
            let Some(user) = unnumbered_user(stack, service) else {
                continue;
            };
            let (name, span, label) = match &user {
                UnnumberedUser::Spec(name, span) => (name, *span, "a name, with no number stackc knows"),
                UnnumberedUser::Dockerfile(name, span) => (
                    name,
                    *span,
                    "its Dockerfile's `USER` is a name its `adduser`/`useradd` gives no `-u`",
                ),
            };
            if let Some((_, finding)) = found.iter_mut().find(|(at, _)| *at == span) {
                *finding = finding.clone().secondary(service.name.span, "runs it too");
                continue;
            }
            let finding = Self::META
                .diagnostic(format!(
                    "on a cluster, `{}` runs as the user `{name}`, which the kubelet cannot check is not root",
                    service.name.value
                ))
                .primary(span, label)
                .help(
                    "give the user a fixed number where it is created (`adduser --uid 1000 ...`), or say `user UID` \
                     in the spec: a `runAsNonRoot` pod must run as a number",
                );
            found.push((span, finding));
        }
        out.extend(found.into_iter().map(|(_, finding)| finding));
    }
}

use crate::diagnostic::{Diagnostic, Severity};
use crate::emit::kubernetes::{unnumbered_user, UnnumberedUser};
use crate::ir::ImageRef;
use crate::ir::Stack;
use crate::lint::images::{self, DefaultUser};
use crate::lint::{facts, Rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// On a cluster (`--target kubernetes`), flags a container whose user
    /// stackc cannot give a number:
    /// - `user app` in the spec, a name, for an image stackc does not know;
    /// - `USER app` in the app's own Dockerfile where the `adduser`/`useradd`
    ///   that creates `app` gives no `-u` (`adduser --system app`: the
    ///   number is picked at build time);
    /// - a published image whose user stackc does not know (`wordpress`,
    ///   `odoo`, `chatwoot/chatwoot`), with no `user` in the spec. stackc
    ///   knows the official data stores' users (`postgres` 999, ...) and
    ///   those of common app images (Grafana 472, Prometheus 65534, n8n
    ///   1000, Mastodon 991, Gitea's `rootless` tags 1000, ...), read from
    ///   each image's Dockerfile, and writes them without being told;
    /// - the app's own Dockerfile with no `USER`, on such a base image
    ///   (`FROM prom/prometheus` and a `COPY` of the config runs as
    ///   Prometheus's 65534, which stackc writes; an unknown base is
    ///   flagged).
    ///
    /// Images stackc writes and the proxy are not flagged. An image that
    /// runs as root is `runs-as-root`'s on every target; it is flagged here
    /// only where that rule is allowed or turned off, since its pod would
    /// then not start at all.
    ///
    /// ## Why is this bad?
    /// Every pod stackc writes says `runAsNonRoot`, and a container's user
    /// can only be set by number (`runAsUser`). Without one, the kubelet
    /// reads the image's own user: if it is root, or a name it cannot tell
    /// is not root, it refuses to start the container
    /// (`CreateContainerConfigError: container has runAsNonRoot and image
    /// will run as root`, or `... image has non-numeric user`). Many
    /// published images start as root (WordPress, Ghost's entrypoint, Gitea,
    /// MinIO) or switch to a user by name (`USER odoo`). Compose runs them
    /// as they are, and the manifests pass every validator. An error where
    /// the pod certainly does not start (an image known to run as root, a
    /// Dockerfile's `USER` that is a name); a warning where stackc does not
    /// know the user, since an image whose `USER` is a number starts.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     image ghcr.io/acme/shop-web:1.4.2
    ///     build ./app   # its Dockerfile: RUN adduser --system app ... USER app
    /// }
    ///
    /// service wiki {
    ///     image odoo:17.0   # USER odoo, a name
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Give the user a fixed number where it is created (`RUN adduser
    /// --system --uid 1000 app`, then `USER app` or `USER 1000`), or say
    /// it in the spec: the uid the image runs as (`docker run --rm
    /// --entrypoint id IMAGE` prints it), or `user root` for an image that
    /// really must start as root (it keeps the capabilities its entrypoint
    /// steps down with; add `hardening off` where it also writes outside
    /// its volumes, as WordPress copies itself into `/var/www/html`):
    /// ```text
    /// service web {
    ///     image ghcr.io/acme/shop-web:1.4.2
    ///     build ./app
    ///     user 1000
    /// }
    ///
    /// service wiki {
    ///     image odoo:17.0
    ///     user 101
    /// }
    /// ```
    pub struct UserWithoutUid {
        name: "user-without-uid",
        severity: Warning,
        summary: "a container user stackc has no number for, which a cluster's kubelet refuses to start as non-root when it is root or a name",
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
                UnnumberedUser::Image(image) => {
                    out.push(match facts::runs_as_root_by_default(image) {
                        true => root_image(&service.name.value, image.text.span),
                        false => unknown_image_user(&service.name.value, image),
                    });
                    continue;
                }
                UnnumberedUser::Base(base, span) => {
                    // A base known to run as an unprivileged user by
                    // number starts.
                    if matches!(images::default_user(base), Some(DefaultUser::Unprivileged)) {
                        continue;
                    }
                    if facts::runs_as_root_by_default(base) {
                        if !runs_it_too(&mut found, *span, service) {
                            found.push((*span, root_image(&service.name.value, *span)));
                        }
                        continue;
                    }
                    if !runs_it_too(&mut found, *span, service) {
                        found.push((*span, unknown_base_user(&service.name.value, base, *span)));
                    }
                    continue;
                }
            };
            if runs_it_too(&mut found, span, service) {
                continue;
            }
            let mut finding = Self::META
                .diagnostic(format!(
                    "on a cluster, `{}` runs as the user `{name}`, which the kubelet cannot check is not root",
                    service.name.value
                ))
                .primary(span, label)
                .help(
                    "give the user a fixed number where it is created (`adduser --uid 1000 ...`), or say `user UID` \
                     in the spec: a `runAsNonRoot` pod must run as a number",
                );
            if matches!(user, UnnumberedUser::Dockerfile(..)) {
                // The image's `USER` is the name: the kubelet refuses it.
                finding.severity = Severity::Error;
            }
            found.push((span, finding));
        }
        out.extend(found.into_iter().map(|(_, finding)| finding));
    }
}

/// A container whose image runs as root, which `runs-as-root` reports on
/// every target: on a cluster it does not start at all, which matters
/// where that rule is allowed (this finding is left out where a
/// `runs-as-root` one stands at the same place).
fn root_image(service: &str, span: Span) -> Diagnostic {
    let mut finding = UserWithoutUid::META
        .diagnostic(format!(
            "on a cluster, `{service}` would run as root, which its `runAsNonRoot` pod refuses: it would not start"
        ))
        .primary(span, "this image runs as root")
        .help(
            "say `user root` if it must run as root (its pod then allows it), or give it an unprivileged uid that \
             owns what it writes (`user 10001`)",
        );
    finding.severity = Severity::Error;
    finding
}

/// Adds `service` to the finding already made at `span` (the services
/// that run one image share its place); false when there is none.
fn runs_it_too(found: &mut [(Span, Diagnostic)], span: Span, service: &crate::ir::Service) -> bool {
    let Some((_, finding)) = found.iter_mut().find(|(at, _)| *at == span) else {
        return false;
    };
    *finding = finding.clone().secondary(service.name.span, "runs it too");
    true
}

/// An own Dockerfile with no `USER`, on a base whose user stackc does not
/// know: on the spec's `build` of it.
fn unknown_base_user(service: &str, base: &ImageRef, span: Span) -> Diagnostic {
    UserWithoutUid::META
        .diagnostic(format!(
            "on a cluster, `{service}` runs as the user of its base image `{}`, which stackc does not know: the kubelet refuses to start it if that is root or a name",
            base.text.value
        ))
        .primary(span, "its Dockerfile has no `USER`, and stackc does not know its base image's")
        .help(
            "end the built stage with a numeric `USER` (`USER 10001`), or say the uid the base image runs as: \
             `user UID` (`docker run --rm --entrypoint id IMAGE` prints it)",
        )
}

/// A published image whose user stackc does not know: on its `image`
/// line, which only this service has.
fn unknown_image_user(service: &str, image: &ImageRef) -> Diagnostic {
    UserWithoutUid::META
        .diagnostic(format!(
            "on a cluster, `{service}` runs as the user of `{}`, which stackc does not know: the kubelet refuses to start it if that is root or a name",
            image.text.value
        ))
        .primary(image.text.span, "no `user`, and an image whose user stackc does not know")
        .help(
            "say the uid the image runs as: `user UID` (`docker run --rm --entrypoint id IMAGE` prints it), \
             or `user root` if it really must start as root (and `hardening off` if it also writes outside \
             its volumes, as WordPress does)",
        )
}

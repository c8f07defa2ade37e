//! The parts of a container an operation changes ([`Slot`]): where each
//! one is in a [`Service`], where the base wrote it, and how a list's items
//! are told apart.

use std::borrow::Cow;

use crate::ir::environment::Slot;
use crate::ir::*;
use crate::source::Span;

/// Where the base wrote a single statement, when it has one.
pub fn single_span(service: &Service, slot: Slot) -> Option<Span> {
    match slot {
        Slot::Image => service.image.as_ref().map(|image| match image {
            ImageSource::Image(image) => image.text.span,
            ImageSource::Build(build) => build.span,
            ImageSource::Of(of) => of.span,
        }),
        Slot::Command => service.command.as_ref().map(|c| c.span),
        Slot::AppServer => service.app_server().map(|s| s.span),
        Slot::Ready => service.ready.as_ref().map(|r| r.span).or(service.ready_off),
        Slot::Restart => service.restart.as_ref().map(|r| r.span),
        Slot::Limits => service.limits.as_ref().map(|l| l.span),
        Slot::Replicas => service.replicas.as_ref().map(|r| r.span),
        Slot::StopGracePeriod => service.stop_grace_period.as_ref().map(|d| d.span),
        Slot::ShmSize => service.shm_size.as_ref().map(|s| s.span),
        Slot::User => service.user.as_ref().map(|u| u.span),
        Slot::Hardening => service.hardening_off,
        Slot::Entrypoint => service.entrypoint.as_ref().map(|e| e.span),
        Slot::Workdir => service.workdir.as_ref().map(|w| w.span),
        Slot::Hostname => service.hostname.as_ref().map(|h| h.span),
        Slot::ContainerName => service.container_name.as_ref().map(|c| c.span),
        Slot::StopSignal => service.stop_signal.as_ref().map(|s| s.span),
        _ => None,
    }
}

/// Moves a single statement from `from` into `into` (`None`: unsets it).
pub fn move_single(into: &mut Service, mut from: Option<&mut Service>, slot: Slot) {
    macro_rules! take {
        ($field:ident) => {
            into.$field = from.as_mut().and_then(|f| f.$field.take())
        };
    }
    match slot {
        Slot::Image => {
            // `set build` replaces how the image is built, not the name the
            // base gives it beside `build` (the environment's own tag is
            // `tags`'): without one the environment could name it no more.
            let name = match &into.image {
                Some(ImageSource::Build(build)) => build.tag.clone(),
                _ => None,
            };
            take!(image);
            if let Some(ImageSource::Build(build)) = &mut into.image {
                build.tag = build.tag.take().or(name);
            }
        }
        Slot::Command => take!(command),
        Slot::AppServer => {
            let server = from.and_then(|f| match &mut f.kind {
                ServiceKind::App { server } => server.take(),
                _ => None,
            });
            if let ServiceKind::App { server: slot } = &mut into.kind {
                *slot = server;
            }
        }
        // A check and `ready off` are one statement: each replaces the other.
        Slot::Ready => {
            take!(ready);
            take!(ready_off);
        }
        Slot::Restart => take!(restart),
        Slot::Limits => take!(limits),
        Slot::Replicas => take!(replicas),
        Slot::StopGracePeriod => take!(stop_grace_period),
        Slot::ShmSize => take!(shm_size),
        Slot::User => take!(user),
        Slot::Hardening => take!(hardening_off),
        Slot::Entrypoint => take!(entrypoint),
        Slot::Workdir => take!(workdir),
        Slot::Hostname => take!(hostname),
        Slot::ContainerName => take!(container_name),
        Slot::StopSignal => take!(stop_signal),
        _ => {}
    }
}

/// What went wrong with one item of a list operation.
pub enum ItemProblem {
    /// `set`: the base has no item of this key.
    Missing { at: Span, key: String },
    /// `add`: the base has one of this key already, at `base`.
    Present { at: Span, base: Span, key: String },
}

/// A list operation, on every list of a slot (a `secret` is a variable's
/// or a file's): `set` and `add` take `from`'s items, `remove` the items
/// of `key`, `unset` all. Returns how many items of the base it replaced
/// or removed.
pub fn change_list(
    into: &mut Service,
    from: Option<&mut Service>,
    slot: Slot,
    op: ListOp,
    problems: &mut Vec<ItemProblem>,
) -> usize {
    macro_rules! list {
        ($field:ident, $key:expr, $span:expr) => {{
            let new = from.map_or_else(Vec::new, |f| std::mem::take(&mut f.$field));
            change_items(&mut into.$field, new, op, $key, $span, problems)
        }};
    }
    match slot {
        Slot::Env => list!(env, |v: &EnvVar| v.name.value.clone(), |v: &EnvVar| v.name.span),
        Slot::Labels => list!(labels, |v: &EnvVar| v.name.value.clone(), |v: &EnvVar| v.name.span),
        Slot::EnvFile => list!(env_files, |f: &EnvFile| f.path.value.clone(), |f: &EnvFile| f.path.span),
        Slot::Secret => {
            let (mut uses, mut mounts) = match from {
                Some(f) => (std::mem::take(&mut f.secrets), std::mem::take(&mut f.secret_mounts)),
                None => (Vec::new(), Vec::new()),
            };
            let key = |s: &SecretUse| s.env.value.clone();
            let n = change_items(
                &mut into.secrets,
                std::mem::take(&mut uses),
                op,
                key,
                |s| s.span,
                problems,
            );
            let key = |s: &SecretMount| s.secret.value.clone();
            n + change_items(
                &mut into.secret_mounts,
                std::mem::take(&mut mounts),
                op,
                key,
                |s| s.span,
                problems,
            )
        }
        Slot::Mount => list!(mounts, |m: &Mount| m.target.value.clone(), |m: &Mount| m.span),
        Slot::Publish => list!(
            ports,
            |p: &PortMapping| p.container_port.to_string(),
            |p: &PortMapping| p.span
        ),
        Slot::Expose => list!(expose, ContainerPort::to_string, |p: &ContainerPort| p.number.span),
        Slot::After => list!(after, |d: &Dependency| d.target.value.clone(), |d: &Dependency| d.span),
        Slot::Networks => list!(
            networks,
            |n: &crate::source::Spanned<String>| n.value.clone(),
            |n: &crate::source::Spanned<String>| n.span
        ),
        Slot::Compose => list!(raw_compose, |r: &RawCompose| r.key.value.clone(), |r: &RawCompose| r
            .span),
        _ => 0,
    }
}

/// The key `remove` names the items of `slot` by, written as the slot's
/// items are keyed: a port with its protocol as the spec writes it
/// (`remove publish 8443/tcp` is the TCP port, keyed `8443`; `53/UDP` is
/// `53/udp`).
pub fn removed_key(slot: Slot, written: &str) -> Cow<'_, str> {
    let port = matches!(slot, Slot::Publish | Slot::Expose).then(|| ContainerPort::canonical(written));
    port.flatten().map_or(Cow::Borrowed(written), Cow::Owned)
}

/// Which list operation, with `remove`'s key.
#[derive(Clone, Copy)]
pub enum ListOp<'a> {
    Set,
    Add,
    Remove(&'a str),
    Unset,
}

fn change_items<T>(
    base: &mut Vec<T>,
    new: Vec<T>,
    op: ListOp,
    key: impl Fn(&T) -> String,
    span: impl Fn(&T) -> Span,
    problems: &mut Vec<ItemProblem>,
) -> usize {
    match op {
        ListOp::Set => {
            let mut replaced = 0;
            for item in new {
                let item_key = key(&item);
                match base.iter().position(|b| key(b) == item_key) {
                    Some(at) => {
                        base[at] = item;
                        // Any later item of the key goes: the new one replaces them all.
                        let mut index = 0;
                        base.retain(|b| {
                            index += 1;
                            index - 1 == at || key(b) != item_key
                        });
                        replaced += 1;
                    }
                    None => problems.push(ItemProblem::Missing {
                        at: span(&item),
                        key: item_key,
                    }),
                }
            }
            replaced
        }
        ListOp::Add => {
            for item in new {
                let item_key = key(&item);
                match base.iter().find(|b| key(b) == item_key) {
                    Some(present) => problems.push(ItemProblem::Present {
                        at: span(&item),
                        base: span(present),
                        key: item_key,
                    }),
                    None => base.push(item),
                }
            }
            0
        }
        ListOp::Remove(removed) => {
            let before = base.len();
            base.retain(|b| key(b) != removed);
            before - base.len()
        }
        ListOp::Unset => std::mem::take(base).len(),
    }
}

/// Whether a block of this kind may hold the statement `keyword` starts.
pub fn accepts(kind: &ServiceKind, keyword: &str) -> bool {
    match kind {
        ServiceKind::App { .. } => keyword != "run",
        ServiceKind::Job => !matches!(
            keyword,
            "gunicorn" | "uvicorn" | "daphne" | "command" | "publish" | "expose" | "ready" | "replicas"
        ),
        ServiceKind::Proxy(_) => !matches!(
            keyword,
            "build"
                | "command"
                | "run"
                | "gunicorn"
                | "uvicorn"
                | "daphne"
                | "env"
                | "env_file"
                | "secret"
                | "expose"
                | "replicas"
        ),
    }
}

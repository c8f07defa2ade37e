//! The stack of one environment: the base with the environment's
//! operations applied, whole, as every later stage (lint, the emitters)
//! takes a stack. Statements an environment changes keep the spans of the
//! environment's lines, so a finding in them points there.

mod statements;
pub(crate) mod tags;

use crate::diagnostic::Diagnostic;
use crate::ir::environment::{ActiveEnvironment, Change, Environment, Operation, Slot, Verb};
use crate::ir::{Service, ServiceKind, Stack};
use crate::source::Span;
use statements::{ItemProblem, ListOp};

/// The resolved stack of the environment `name` of `base`: the base with
/// its operations applied, checked as the base is checked. The errors of
/// the operations or of the resulting stack otherwise. This is the one
/// entry point for anything that needs an environment's stack (an
/// emitter writing one output per environment calls it for each of
/// [`Stack::environment_names`]).
pub fn apply(base: &Stack, name: &str) -> Result<Stack, Vec<Diagnostic>> {
    let stack = derive(base, name)?;
    let diagnostics = crate::resolve::resolve(&stack);
    if diagnostics.iter().any(Diagnostic::is_error) {
        Err(diagnostics)
    } else {
        Ok(stack)
    }
}

/// [`apply`] without resolving: the pipeline reads the files the
/// environment names first, as resolution may ask them.
pub(crate) fn derive(base: &Stack, name: &str) -> Result<Stack, Vec<Diagnostic>> {
    let Some(environment) = base.environment_named(name) else {
        return Err(vec![unknown_environment(base, name)]);
    };
    let mut stack = base.clone().unindexed();
    stack.environments = Default::default();
    stack.environment = Some(ActiveEnvironment {
        name: name.to_string(),
        production: environment.is_production(),
        span: environment.span,
    });
    let mut applier = Applier {
        stack,
        environment,
        errors: Vec::new(),
    };
    applier.apply();
    if applier.errors.is_empty() {
        Ok(applier.stack)
    } else {
        Err(applier.errors)
    }
}

/// The code of the error for an `--env` the spec does not declare: a
/// mistake on the command line, which the CLI exits 2 for, as for any bad
/// input (a typo in CI's `--env` must not pass as a clean run).
pub const UNKNOWN_ENVIRONMENT: &str = "unknown-environment";

fn unknown_environment(base: &Stack, name: &str) -> Diagnostic {
    let names: Vec<&str> = base.environment_names().collect();
    let diagnostic = Diagnostic::error(UNKNOWN_ENVIRONMENT, format!("the spec has no environment `{name}`"));
    match base.environments.first() {
        None => diagnostic
            .primary(Span::new(0, 0), "this spec declares no environment")
            .help("declare one with `environment NAME { ... }`, or build without `--env`"),
        Some(first) => {
            let help = match crate::suggest::closest(name, names.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("its environments: {}", names.join(", ")),
            };
            diagnostic
                .primary(first.name.span, "environments are declared here")
                .help(help)
        }
    }
}

struct Applier<'a> {
    stack: Stack,
    environment: &'a Environment,
    errors: Vec<Diagnostic>,
}

impl Applier<'_> {
    fn apply(&mut self) {
        let env = self.environment;
        // `without` first, so a declaration can be replaced whole: `without
        // service web` and a new `service web { ... }`.
        for without in &env.withouts {
            let name = without.name.as_str();
            let stack = &mut self.stack;
            let removed = match without.keyword {
                "volume" => remove_named(&mut stack.volumes, |v| v.name.as_str() == name),
                "network" => remove_named(&mut stack.networks, |n| n.name.as_str() == name),
                "secret" => remove_named(&mut stack.secrets, |s| s.name.as_str() == name),
                keyword => remove_named(&mut stack.services, |s| {
                    s.name.as_str() == name && s.kind.keyword() == keyword
                }),
            };
            if !removed {
                self.error(
                    Diagnostic::error(
                        "environment-unknown-name",
                        format!("the base has no {} `{name}`", without.keyword),
                    )
                    .primary(without.name.span, "not declared outside the environments"),
                );
            }
        }
        self.add_declarations();
        for change in &env.changes {
            self.change(change);
        }
        self.check_dependencies();
    }

    fn add_declarations(&mut self) {
        let env = self.environment;
        let stack = &mut self.stack;
        let mut taken = Vec::new();
        for volume in &env.volumes {
            match stack.volumes.iter().find(|v| v.name.value == volume.name.value) {
                Some(base) => taken.push(("volume", volume.name.clone(), base.span)),
                None => stack.volumes.push(volume.clone()),
            }
        }
        for network in &env.networks {
            match stack.networks.iter().find(|n| n.name.value == network.name.value) {
                Some(base) => taken.push(("network", network.name.clone(), base.span)),
                None => stack.networks.push(network.clone()),
            }
        }
        for secret in &env.secrets {
            match stack.secrets.iter().find(|s| s.name.value == secret.name.value) {
                Some(base) => taken.push(("secret", secret.name.clone(), base.span)),
                None => stack.secrets.push(secret.clone()),
            }
        }
        for service in &env.services {
            match stack.services.iter().find(|s| s.name.value == service.name.value) {
                Some(base) => taken.push((base.kind.keyword(), service.name.clone(), base.name.span)),
                None => stack.services.push(service.clone()),
            }
        }
        for (keyword, name, base) in taken {
            self.error(
                Diagnostic::error(
                    "environment-duplicate",
                    format!("the base declares {keyword} `{}` already", name.value),
                )
                .primary(name.span, "declared again in the environment")
                .secondary(base, "the base's")
                .help(format!(
                    "change it with operations (`{keyword} {} {{ set ... }}`), or drop the base's first with `without {keyword} {}`",
                    name.value, name.value
                )),
            );
        }
    }

    fn change(&mut self, change: &Change) {
        let name = change.name.as_str();
        let declared_here = self.environment.services.iter().any(|s| s.name.value == name);
        let Some(position) = self.stack.services.iter().position(|s| s.name.value == name) else {
            let help = if declared_here {
                "a container the environment declares holds its statements, not operations"
            } else {
                "operations change a container of the base; declare a new one with its statements"
            };
            self.error(
                Diagnostic::error(
                    "environment-unknown-name",
                    format!("the base has no {} `{name}`", change.keyword.value),
                )
                .primary(change.name.span, "not declared outside the environments")
                .help(help),
            );
            return;
        };
        let kind = self.stack.services[position].kind.keyword();
        if kind != change.keyword.value {
            let base = self.stack.services[position].name.span;
            self.error(
                Diagnostic::error(
                    "environment-wrong-kind",
                    format!("`{name}` is a {kind}, not a {}", change.keyword.value),
                )
                .primary(change.keyword.span, format!("the base declares a {kind}"))
                .secondary(base, "here")
                .help(format!("write `{kind} {name} {{ ... }}`")),
            );
            return;
        }
        let mut service = self.stack.services[position].clone();
        for operation in &change.operations {
            self.operate(&mut service, operation);
        }
        self.check_changed(&service, change);
        self.stack.services[position] = service;
    }

    fn operate(&mut self, service: &mut Service, operation: &Operation) {
        let Some(slot) = operation.slot else { return }; // reported in lowering
        let keyword = operation.keyword.as_str();
        let verb = operation.verb.keyword();
        if !statements::accepts(&service.kind, keyword) {
            self.error(
                Diagnostic::error(
                    "operation-type-mismatch",
                    format!("a {} has no `{keyword}` statement", service.kind.keyword()),
                )
                .primary(
                    operation.keyword.span,
                    format!("not a statement of {} `{}`", service.kind.keyword(), service.name.value),
                )
                .secondary(service.name.span, "declared here"),
            );
            return;
        }
        let mut statement = operation.statement.as_deref().cloned();
        if slot.is_list() {
            let removed = operation
                .key
                .as_ref()
                .map(|k| statements::removed_key(slot, k.as_str()));
            let op = match operation.verb {
                Verb::Set => ListOp::Set,
                Verb::Add => ListOp::Add,
                Verb::Remove => ListOp::Remove(removed.as_deref().unwrap_or("")),
                Verb::Unset => ListOp::Unset,
            };
            let mut problems = Vec::new();
            let changed = statements::change_list(service, statement.as_mut(), slot, op, &mut problems);
            for problem in problems {
                self.item_problem(service, keyword, slot, problem);
            }
            if changed == 0 && matches!(operation.verb, Verb::Remove | Verb::Unset) {
                let what = match &operation.key {
                    Some(key) => format!("no `{keyword}` of {} `{}`", slot.key_name(), key.value),
                    None => format!("no `{keyword}`"),
                };
                self.error(
                    Diagnostic::error(
                        "operation-target-missing",
                        format!("`{}` has {what} to {verb}", service.name.value),
                    )
                    .primary(operation.span, format!("{verb}s nothing"))
                    .secondary(service.name.span, format!("the base's `{}`", service.name.value)),
                );
            }
            return;
        }
        let present = statements::single_span(service, slot);
        match (operation.verb, present) {
            (Verb::Add, Some(base)) => self.error(
                Diagnostic::error(
                    "operation-type-mismatch",
                    format!(
                        "`{}` has a `{keyword}` already: `add` gives a single statement only to a service without one",
                        service.name.value
                    ),
                )
                .primary(operation.span, "adds a second one")
                .secondary(base, "the base's")
                .help(format!("`set {keyword} ...` replaces it")),
            ),
            (Verb::Remove, _) => {
                let diagnostic = Diagnostic::error(
                    "operation-type-mismatch",
                    format!("`{keyword}` is a single statement: `remove` takes items of lists"),
                )
                .primary(operation.span, "removes from a single statement")
                .help(format!("`unset {keyword}` removes it"));
                self.error(match present {
                    Some(base) => diagnostic.secondary(base, "the base's"),
                    None => diagnostic,
                });
            }
            (Verb::Set | Verb::Unset, None) => self.error(
                Diagnostic::error(
                    "operation-target-missing",
                    format!("`{}` has no `{keyword}` to {verb}", service.name.value),
                )
                .primary(operation.span, format!("{verb}s nothing"))
                .secondary(service.name.span, format!("the base's `{}`", service.name.value))
                .help(match operation.verb {
                    Verb::Set => format!("`add {keyword} ...` adds one"),
                    _ => "leave this line out".to_string(),
                }),
            ),
            (Verb::Set | Verb::Add, _) => statements::move_single(service, statement.as_mut(), slot),
            (Verb::Unset, Some(_)) => statements::move_single(service, None, slot),
        }
    }

    fn item_problem(&mut self, service: &Service, keyword: &str, slot: Slot, problem: ItemProblem) {
        let name = &service.name.value;
        let diagnostic = match problem {
            ItemProblem::Missing { at, key } => Diagnostic::error(
                "operation-target-missing",
                format!("`{name}` has no `{keyword}` of {} `{key}` to set", slot.key_name()),
            )
            .primary(at, "replaces nothing")
            .secondary(service.name.span, format!("the base's `{name}`"))
            .help(format!("`add {keyword} ...` adds it")),
            ItemProblem::Present { at, base, key } => Diagnostic::error(
                "operation-target-present",
                format!("`{name}` has a `{keyword}` of {} `{key}` already", slot.key_name()),
            )
            .primary(at, "added again")
            .secondary(base, "the base's")
            .help(format!("`set {keyword} ...` replaces it")),
        };
        self.error(diagnostic);
    }

    /// What lowering checks of a whole block, again after the operations.
    fn check_changed(&mut self, service: &Service, change: &Change) {
        let name = &service.name.value;
        if let (Some(server), Some(command)) = (service.app_server(), &service.command) {
            let keyword = server.kind.keyword();
            self.error(
                Diagnostic::error(
                    "conflicting-statements",
                    format!("`{name}` has both `{keyword}` and `command`"),
                )
                .primary(command.span, "this command would replace the app server's")
                .secondary(server.span, "the app server")
                .help(format!(
                    "`unset {keyword}` in the environment, or leave the command out"
                )),
            );
        }
        let missing = match service.kind {
            ServiceKind::Job
                if service.command.is_none() && service.entrypoint.as_ref().is_none_or(|e| e.words.is_empty()) =>
            {
                Some("run")
            }
            _ if service.image.is_none() => Some("image"),
            _ => None,
        };
        if let Some(missing) = missing {
            // The last `unset` that emptied the slot: `unset build` unsets
            // the image too (one slot: what runs, and how it is built).
            let slot_keywords: &[&str] = match missing {
                "image" => &["image", "build"],
                _ => &["run", "command", "entrypoint"],
            };
            let unset = (change.operations.iter().rev())
                .find(|o| o.verb == Verb::Unset && slot_keywords.contains(&o.keyword.value.as_str()));
            let diagnostic = Diagnostic::error(
                "operation-leaves-incomplete",
                format!("the operations leave `{name}` without `{missing}`"),
            );
            let diagnostic = match unset {
                Some(unset) if unset.keyword.value != missing => diagnostic
                    .primary(unset.span, format!("`unset {}` unsets `{missing}` with it", unset.keyword.value))
                    .secondary(change.name.span, format!("`{name}` is left without `{missing}`"))
                    .help(format!(
                        "`{}` and `{missing}` are one statement's: remove this line; `set {missing} ...` alone replaces both",
                        unset.keyword.value
                    )),
                Some(unset) => diagnostic
                    .primary(unset.span, format!("its `{missing}` is unset here"))
                    .secondary(change.name.span, format!("`{name}` is left without `{missing}`"))
                    .help(format!("`set {missing} ...` replaces it instead")),
                None => diagnostic
                    .primary(change.name.span, format!("its `{missing}` is unset"))
                    .help(format!("`set {missing} ...` replaces it instead")),
            };
            self.error(diagnostic);
        }
    }

    /// An `after` naming a container the environment leaves out.
    fn check_dependencies(&mut self) {
        let env = self.environment;
        let mut problems = Vec::new();
        for without in env
            .withouts
            .iter()
            .filter(|w| !matches!(w.keyword, "volume" | "network" | "secret"))
        {
            if self.stack.service(&without.name.value).is_some() {
                continue; // declared again
            }
            for service in &self.stack.services {
                for dependency in service.after.iter().filter(|d| d.target.value == without.name.value) {
                    problems.push(
                        Diagnostic::error(
                            "after-absent-in-environment",
                            format!(
                                "`{}` waits for `{}`, which is left out",
                                service.name.value, without.name.value
                            ),
                        )
                        .primary(dependency.target.span, "not in this environment")
                        .secondary(without.span, "left out here")
                        .help(format!(
                            "`remove after {}` in `{}`'s block of the environment",
                            without.name.value, service.name.value
                        )),
                    );
                }
            }
        }
        self.stack = std::mem::take(&mut self.stack).unindexed();
        // Each reported once: resolution would report them again.
        if !problems.is_empty() {
            let gone: Vec<&str> = env.withouts.iter().map(|w| w.name.as_str()).collect();
            for service in &mut self.stack.services {
                service.after.retain(|d| !gone.contains(&d.target.as_str()));
            }
        }
        self.errors.extend(problems);
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.errors.push(diagnostic);
    }
}

/// Removes the first item that `is` finds; whether there was one.
fn remove_named<T>(items: &mut Vec<T>, is: impl Fn(&T) -> bool) -> bool {
    match items.iter().position(is) {
        Some(at) => {
            items.remove(at);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    const SPEC: &str = "stack shop
service web {
    image python:3.12-slim
    command \"python -m http.server 8000\"
    env {
        MODE = \"base\"
        KEEP = \"1\"
    }
}
service cache {
    image redis:7.4
}
environment dev {
    service web {
        set env {
            MODE = \"dev\"
        }
        add publish 127.0.0.1:8000 -> 8000
    }
    without service cache
}
environment prod {
}
";

    fn base() -> (SourceFile, Stack) {
        let source = SourceFile::new("stack.spec", SPEC);
        let (stack, diagnostics) = crate::syntax::parse(&source);
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        (source, stack.unwrap())
    }

    #[test]
    fn names_are_listed_in_spec_order() {
        let (_, stack) = base();
        assert_eq!(stack.environment_names().collect::<Vec<_>>(), ["dev", "prod"]);
    }

    #[test]
    fn an_environment_is_the_base_changed_with_spans_at_its_lines() {
        let (source, stack) = base();
        let dev = apply(&stack, "dev").unwrap();
        assert!(dev.service("cache").is_none());
        let web = dev.service("web").unwrap();
        let values: Vec<_> = web.env.iter().map(|v| (v.name.as_str(), v.value.as_str())).collect();
        assert_eq!(
            values,
            [("MODE", "dev"), ("KEEP", "1")],
            "replaced in place, the rest kept"
        );
        let mode = &web.env[0].value.span;
        assert_eq!(&source.text[mode.range()], "\"dev\"");
        assert!(
            mode.start() > stack.environments[0].span.start(),
            "points into the environment"
        );
        assert_eq!(web.ports.len(), 1);
        assert!(dev.environments.is_empty() && !dev.is_deployed());
        assert!(apply(&stack, "prod").unwrap().is_deployed());
    }

    #[test]
    fn an_unknown_environment_is_an_error_naming_the_known_ones() {
        let (_, stack) = base();
        let errors = apply(&stack, "dve").unwrap_err();
        assert_eq!(errors[0].code, "unknown-environment");
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `dev`?"));
    }

    #[test]
    fn set_build_keeps_the_base_s_image_name() {
        let text = "stack shop\nservice web {\n    image ghcr.io/acme/web:1.0.0\n    build ./app {\n        file Dockerfile\n    }\n}\nenvironment dev {\n    service web {\n        set build ./app {\n            file dev.Dockerfile\n        }\n    }\n}\n";
        let (stack, diagnostics) = crate::syntax::parse(&SourceFile::new("stack.spec", text));
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        let dev = apply(&stack.unwrap(), "dev").unwrap();
        let build = dev.service("web").and_then(|s| s.build()).unwrap();
        assert_eq!(
            build.tag.as_ref().map(|t| t.text.value.as_str()),
            Some("ghcr.io/acme/web:1.0.0")
        );
    }

    /// A port is keyed with its protocol: `53` and `53/udp` are two items,
    /// and `remove` names one as a spec writes it (`8443/tcp` is `8443`,
    /// `/UDP` is `/udp`); `set` replaces the one of its own protocol.
    #[test]
    fn ports_are_keyed_with_their_protocol() {
        let text = "stack calls\nservice turn {\n    image coturn/coturn:4.6.3\n    publish 53 -> 53\n    publish 53 -> 53/udp\n    publish 8443 -> 8443\n    publish 8443 -> 8443/udp\n    expose 3478, 3478/udp\n}\nenvironment lan {\n    service turn {\n        remove publish 53/UDP\n        remove publish 8443/tcp\n        set publish 127.0.0.1:5353 -> 53\n        remove expose 3478\n    }\n}\n";
        let (stack, diagnostics) = crate::syntax::parse(&SourceFile::new("stack.spec", text));
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        let lan = apply(&stack.unwrap(), "lan").unwrap();
        let turn = lan.service("turn").unwrap();
        let published: Vec<(u16, String)> = (turn.ports.iter())
            .map(|p| (p.host_port.value, p.container_port.to_string()))
            .collect();
        assert_eq!(published, [(5353, "53".into()), (8443, "8443/udp".into())]);
        let exposed: Vec<String> = turn.expose.iter().map(ToString::to_string).collect();
        assert_eq!(exposed, ["3478/udp"]);
    }

    /// A base volume that an environment's changes leave unused can only be
    /// left out there: the help says how, not "remove it" from the base,
    /// where it is used.
    #[test]
    fn a_base_declaration_an_environment_leaves_unused_is_left_out_there() {
        let spec = "stack shop\nvolume static\nservice web {\n    image nginx:1.30\n    mount static at /srv\n}\nenvironment dev {\n    volume cache\n    service web {\n        remove mount /srv\n    }\n}\n";
        let source = SourceFile::new("stack.spec", spec);
        let helps: Vec<(String, String)> = crate::lint(&source)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == "unused-declaration")
            .map(|d| (d.message, d.help.unwrap_or_default()))
            .collect();
        assert_eq!(
            helps,
            [
                (
                    "in environment `dev`: volume `static` is never used".to_string(),
                    "`environment dev` uses it nowhere: leave it out there with `without volume static`".to_string()
                ),
                (
                    "in environment `dev`: volume `cache` is never used".to_string(),
                    "remove it, or use it where it was meant to go".to_string()
                ),
            ]
        );
    }

    /// A base declaration only an environment uses (`add secret API_KEY =
    /// api_key` in `dev`) is used: the base's "never used, remove it" was
    /// wrong, and following it broke `--env dev`.
    #[test]
    fn a_base_declaration_only_an_environment_uses_is_used() {
        let spec = "stack shop\nsecret api_key file \"api.txt\"\nvolume devdata\nservice web {\n    image nginx:1.30\n}\nenvironment dev {\n    service web {\n        add secret API_KEY = api_key\n        add mount devdata at /data\n    }\n}\n";
        let source = SourceFile::new("stack.spec", spec);
        let unused: Vec<String> = crate::lint(&source)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == "unused-declaration")
            .map(|d| d.message)
            .collect();
        assert!(unused.is_empty(), "{unused:?}");
    }
}

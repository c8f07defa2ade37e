use std::borrow::Cow;

use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::secrets::{self, Finding};
use crate::lint::{facts, Rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Flags a value that is likely a secret, as secret scanners guess
    /// them: a JSON Web Token, or a random-looking value (16 or more
    /// letters and digits, over 3.5 bits of entropy per character, as
    /// gitleaks' generic rule measures) under a name that hints at a
    /// secret (`STRIPE_KEY`, `AUTH_HEADER`, `--signing-salt`), in `env`,
    /// `labels`, a build `arg`, a raw `compose` value, a raw `dockerfile`
    /// line or a command's `--option`. Names that say they hold a secret (`*_TOKEN`,
    /// `*_PASSWORD`) are the other secret rules' errors; this one is their
    /// guess, so a warning.
    ///
    /// Words, paths, URLs without a password, numbers, booleans and
    /// placeholders never count, nor a name web frameworks hand to the
    /// browser (`NEXT_PUBLIC_*`, `VITE_*`, ...), whose keys are public by
    /// design (Supabase's anon key): a token known to be secret there
    /// (`sk_live_...`) is still `secret-in-env`'s error.
    ///
    /// ## Why is this bad?
    /// Whatever is written in the spec lands in compose.yaml or an image,
    /// both of which are shared far beyond the people who should hold a
    /// key.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    ///     env {
    ///         STRIPE_KEY = "rk9Vx2Lq7Tz4Pw1Yb8Nc3Md5"
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// A secret, read by the app from the file `STRIPE_KEY_FILE` names:
    /// ```text
    /// secret stripe_key file "secrets/stripe_key.txt"
    ///
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    ///     secret STRIPE_KEY = stripe_key
    /// }
    /// ```
    /// If the value is no secret (a public key, an identifier), allow the
    /// finding where it is: `# stackc: allow(possible-secret)`.
    pub struct PossibleSecret {
        name: "possible-secret",
        severity: Warning,
        summary: "a value that looks like a key or token",
    }
}

impl Rule for PossibleSecret {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let programs: Vec<(Span, Vec<String>)> = (service.command.iter().chain(service.entrypoint.as_deref()))
                .flat_map(|argv| facts::programs(argv).into_iter().map(|program| (argv.span, program)))
                .collect();
            // Borrowed from the stack where they can be: most values are.
            let mut values: Vec<(Span, Option<Cow<str>>, Cow<str>)> = Vec::new();
            for var in service.env.iter().chain(&service.labels) {
                values.push((
                    var.value.span,
                    Some(var.name.value.as_str().into()),
                    var.value.value.as_str().into(),
                ));
            }
            for raw in &service.raw_compose {
                for (name, value) in secrets::named_strings(&raw.value.value) {
                    values.push((raw.value.span, name.map(Cow::from), value.into()));
                }
            }
            // A build argument is kept in compose.yaml and the image's history.
            let own = service.build().and_then(|b| b.own_dockerfile());
            for arg in own.map(|own| own.args.as_slice()).unwrap_or_default() {
                values.push((
                    arg.value.span,
                    Some(arg.name.value.as_str().into()),
                    arg.value.value.as_str().into(),
                ));
            }
            let python = service.build().and_then(|b| b.python());
            let raw = python.map(|p| p.dockerfile.as_slice()).unwrap_or_default();
            for line in raw.iter().map(|l| &l.text) {
                for (name, value) in secrets::dockerfile_values(&line.value) {
                    values.push((line.span, name.map(Cow::from), value.into()));
                }
            }
            for (span, program) in &programs {
                let args = program.get(1..).unwrap_or_default();
                for (name, value) in secrets::long_options(args, true) {
                    values.push((*span, Some(name.into()), value.into()));
                }
                for word in args.iter().filter(|w| !w.starts_with('-')) {
                    values.push((*span, None, word.as_str().into()));
                }
            }
            for (span, name, value) in values {
                let Some(Finding::Likely(what)) = secrets::classify(name.as_deref(), &value) else {
                    continue;
                };
                let shown = name.map_or(String::new(), |n| format!(" (`{n}`)"));
                out.push(
                    Self::META
                        .diagnostic(format!("`{}` may have a secret written in the spec", service.name.value))
                        .primary(span, format!("{what}{shown}"))
                        .secret(span)
                        .help("if it is a secret, keep it in an uncommitted file: `secret NAME file \"secrets/NAME.txt\"`, then `secret VAR = NAME` in the service; if it is not, allow this finding with `# stackc: allow(possible-secret)`"),
                );
            }
        }
    }
}

use crate::diagnostic::Diagnostic;
use crate::ir::{Service, Stack};
use crate::lint::eol::{self, EndOfLife, Product};
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a runtime, database or server past its end of life: Python,
    /// Node.js, PostgreSQL, nginx, MySQL, MariaDB, Redis, Valkey, MongoDB, Ubuntu (LTS) or CentOS,
    /// in a `python` line of a `build` block, a published image
    /// (`node:18-alpine`, `postgres:13`, `mongo:5.0`) or the base image of
    /// an app's own Dockerfile; and the Debian release such an image is
    /// built on where its tag names one (`python:3.11-slim-buster`,
    /// `debian:10`), past its LTS end. The
    /// dates come from one table, each project's own schedule; a version
    /// the table does not know, or a tag such as `latest` or `lts`, is not
    /// flagged (an untagged `postgres` is 18 today, supported). "Today" is
    /// the day of the run, read once from the clock; `--today YYYY-MM-DD`
    /// pins it, for a report that does not change as time passes.
    ///
    /// ## Why is this bad?
    /// An end-of-life version gets no security fixes, and new releases of
    /// libraries stop supporting it. The seed stack builds on `python:3.9`,
    /// whose life ended on 2025-10-31; Node.js 20 followed on 2026-04-30,
    /// and PostgreSQL 14 on 2026-11-12 (devguide.python.org/versions,
    /// nodejs.org/en/about/previous-releases,
    /// postgresql.org/support/versioning).
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         python 3.9
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// A supported version (test the app on it first):
    /// ```text
    ///         python 3.12
    /// ```
    pub struct EolRuntime {
        name: "eol-runtime",
        severity: Warning,
        summary: "a runtime, database or server version past its end of life",
    }
}

impl Rule for EolRuntime {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        // Judged by the day the run was given: none, no judgement.
        let Some(today) = stack.today else {
            return;
        };
        for service in &stack.services {
            if let Some(build) = service.build().and_then(|b| b.python()) {
                let python = build.python.value;
                let tag = format!("{}.{}", python.major, python.minor);
                if let Some(ended) = eol::ended(Product::Python, &tag, today) {
                    out.push(finding(service, Product::Python, &ended).primary(build.python.span, label(&ended)));
                }
                let debian = eol::debian_named_in(&build.variant.value);
                if let Some(ended) = debian.and_then(|version| eol::ended(Product::Debian, version, today)) {
                    out.push(finding(service, Product::Debian, &ended).primary(build.variant.span, label(&ended)));
                }
            }
            if let Some(image) = facts::image(service) {
                let product = Product::of_image(image);
                let ended = product.zip(image.tag()).and_then(|(p, tag)| eol::ended(p, tag, today));
                if let (Some(product), Some(ended)) = (product, ended) {
                    out.push(finding(service, product, &ended).primary(image.text.span, label(&ended)));
                }
                if let Some(ended) = debian_ended(image, today) {
                    out.push(finding(service, Product::Debian, &ended).primary(image.text.span, label(&ended)));
                }
            }
            out.extend(own_dockerfile_base(stack, service, today));
        }
    }
}

/// The registry image an app's own Dockerfile builds its image on: its
/// product's version, and the Debian release under it.
fn own_dockerfile_base(stack: &Stack, service: &Service, today: crate::Date) -> Vec<Diagnostic> {
    let Some(own) = service.build().and_then(|b| b.own_dockerfile()) else {
        return Vec::new();
    };
    let Some(image) = stack.inputs.image(&service.name.value) else {
        return Vec::new();
    };
    let Some(base) = image.registry_base() else {
        return Vec::new();
    };
    let product = Product::of_image(base).and_then(|p| Some((p, eol::ended(p, base.tag()?, today)?)));
    let debian = debian_ended(base, today).map(|ended| (Product::Debian, ended));
    product
        .into_iter()
        .chain(debian)
        .map(|(product, ended)| {
            finding(service, product, &ended)
                .primary(own.file.span, "its Dockerfile builds on it")
                .secondary_in(image.file, base.text.span, label(&ended))
        })
        .collect()
}

/// The end of life of the Debian release an image's tag names.
fn debian_ended(image: &crate::ir::ImageRef, today: crate::Date) -> Option<EndOfLife> {
    eol::ended(Product::Debian, &Product::debian_release(image)?, today)
}

fn finding(service: &Service, product: Product, ended: &EndOfLife) -> Diagnostic {
    // A database's files belong to its major version.
    let migration = match product {
        Product::Postgres => " (its data moves with `pg_upgrade`, or a dump and a restore)",
        Product::Mysql => " (back the data up first: MySQL upgrades it in place, one LTS at a time)",
        Product::Mariadb => " (back the data up first, then run `mariadb-upgrade`)",
        _ => "",
    };
    EolRuntime::META
        .diagnostic(format!(
            "`{}` runs {} {}, which is past its end of life",
            service.name.value,
            product.name(),
            ended.version
        ))
        .help(format!(
            "move to a supported version, e.g. {} {}{migration}",
            product.name(),
            product.supported_example()
        ))
}

fn label(ended: &EndOfLife) -> String {
    match ended.date.strip_prefix("before ") {
        Some(date) => format!("its life ended before {date}"),
        None => format!("no security fixes since {}", ended.date),
    }
}

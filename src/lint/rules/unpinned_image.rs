use crate::diagnostic::Diagnostic;
use crate::ir::{ImageRef, Service, Stack};
use crate::lint::facts;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `image` with no tag, the `latest` tag, or a tag that names
    /// only a major version or a distribution (`postgres:16`, `redis:alpine`),
    /// not a dated snapshot (`debian:bookworm-20251117-slim`);
    /// and the name given to an image stackc builds (`image` beside `build`)
    /// without a version (no tag, or `latest`).
    ///
    /// ## Why is this bad?
    /// Such a tag moves. The next `docker compose pull` or a new machine
    /// gets a different image than the one tested: a new minor release of
    /// the database, a new nginx with other defaults, and `latest` may even
    /// be a new major version, whose data files the old volume cannot be
    /// read with.
    ///
    /// ## Example
    /// ```text
    /// service cache {
    ///     image redis:7
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Pin the version you tested, down to the minor version, or a digest:
    /// ```text
    /// service cache {
    ///     image redis:7.4
    /// }
    /// ```
    pub struct UnpinnedImage {
        name: "unpinned-image",
        severity: Warning,
        summary: "an image tag that moves: none, `latest`, or a major version only",
    }
}

impl Rule for UnpinnedImage {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            if let Some(tag) = service.build().and_then(|b| b.tag.as_ref()) {
                if let Some(finding) = unversioned_build_name(service, tag) {
                    out.push(finding);
                }
            }
            let Some(image) = facts::image(service) else { continue };
            if image.digest().is_some() || facts::tag_major_minor(image).is_some() || is_dated(image) {
                continue;
            }
            let label = match image.tag() {
                None => "no tag means `latest`".to_string(),
                Some("latest") => "`latest` is whatever was pushed last".to_string(),
                Some(tag) => format!("`{tag}` moves to each new release"),
            };
            out.push(
                Self::META
                    .diagnostic(format!("`{}` runs an image whose tag moves", service.name.value))
                    .primary(image.text.span, label)
                    .help(format!(
                        "pin the version you tested, down to the minor version (`{}:MAJOR.MINOR`), or a digest (`@sha256:...`)",
                        image.repository()
                    )),
            );
        }
    }
}

/// A tag with a build date (`debian:bookworm-20251117-slim`,
/// `ubuntu:noble-20250925`, MinIO's `RELEASE.2025-04-22T22-12-26Z`): a
/// snapshot the publisher never pushes again.
fn is_dated(image: &ImageRef) -> bool {
    let tag = image.tag().unwrap_or_default();
    let is_year = |part: &[u8]| part.starts_with(b"20") || part.starts_with(b"19");
    let compact = tag
        .split(['-', '.', '_'])
        .any(|part| part.len() == 8 && part.bytes().all(|b| b.is_ascii_digit()) && is_year(part.as_bytes()));
    // `YYYY-MM-DD` anywhere in the tag.
    let dashed = tag.as_bytes().windows(10).any(|w| {
        let digits = |range: std::ops::Range<usize>| w[range].iter().all(u8::is_ascii_digit);
        digits(0..4) && w[4] == b'-' && digits(5..7) && w[7] == b'-' && digits(8..10) && is_year(w)
    });
    compact || dashed
}

/// `image NAME` beside `build` without a version: every build overwrites
/// the one name, so a server pulling it cannot tell releases apart or roll
/// back (and dclint refuses it).
fn unversioned_build_name(service: &Service, tag: &ImageRef) -> Option<Diagnostic> {
    let label = match tag.tag() {
        _ if tag.digest().is_some() => return None,
        None => "no tag: every build is `latest`",
        Some("latest") => "`latest`: every build takes the same name",
        Some(_) => return None,
    };
    Some(
        UnpinnedImage::META
            .diagnostic(format!("`{}` builds an image without a version", service.name.value))
            .primary(tag.text.span, label)
            .help(format!(
                "tag each build with its version (`{}:1.4.2`, or the commit: `{}:3f9c2ab`), so servers pull a release and can roll back",
                tag.repository(), tag.repository()
            )),
    )
}

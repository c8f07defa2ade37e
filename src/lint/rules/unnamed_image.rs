use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::Rule;

declare_rule! {
    /// ## What it does
    /// On a cluster (`--target kubernetes`), flags a `build` with no
    /// `image` name beside it.
    ///
    /// ## Why is this bad?
    /// A cluster's nodes pull every image by name from a registry; they
    /// never see the machine the image was built on. Without a name, the
    /// manifests can only say `STACK-SERVICE:local`, which no node can pull
    /// (`ErrImagePull`). Compose builds where it runs, so the name is
    /// optional there.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// The name CI pushes the image under:
    /// ```text
    /// service web {
    ///     image ghcr.io/acme/shop-web:1.4.2
    ///     build ./app
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    pub struct UnnamedImage {
        name: "unnamed-image",
        severity: Error,
        summary: "an image built for a cluster without a name to push and pull it by",
        target: Kubernetes,
    }
}

impl Rule for UnnamedImage {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for service in &stack.services {
            let Some(build) = service.build().filter(|b| b.tag.is_none()) else {
                continue;
            };
            let mut finding = Self::META
                .diagnostic(format!(
                    "the image `{}` builds has no name a cluster can pull",
                    service.name.value
                ))
                .primary(build.context.span, "built here, pushed nowhere");
            for runner in stack.runners_of(service).filter(|r| r.name.value != service.name.value) {
                finding = finding.secondary(runner.name.span, "runs it too");
            }
            out.push(finding.help("add `image REGISTRY/NAME:TAG` beside `build`: the name CI pushes the image under"));
        }
    }
}

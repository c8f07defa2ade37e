//! An environment's own image tags. A built image is named by its `image`
//! beside `build`, and compose reuses a local image of that name: if a
//! development environment built `web:1.0.0` with `runserver` in it, the
//! next `up` of the production stack (or a `push`) would take that image
//! for the release. So where an environment's image differs from the
//! base's, its name gets the environment's name in the tag
//! (`web:1.0.0-dev`); where it does not, the two share the image.

use crate::emit::Artifact;
use crate::ir::{ImageRef, ImageSource, Stack};
use crate::source::Spanned;

/// The built services of `variant` whose image is not the base's: the
/// Dockerfile stackc writes for it differs, or the environment changed
/// the `build` of an app with its own Dockerfile. Each with an `image`
/// name, as an unnamed one is local to the build already.
pub(crate) fn differing(
    base: &Stack,
    base_files: &[Artifact],
    variant: &Stack,
    variant_files: &[Artifact],
) -> Vec<String> {
    variant
        .services
        .iter()
        .filter_map(|service| {
            let build = service.build()?;
            build.tag.as_ref()?;
            let name = service.name.as_str();
            let base_build = base.service(name).and_then(|s| s.build());
            let differs = match base_build {
                None => false, // the environment's own service: its own name
                Some(base_build) => {
                    base_build.span != build.span || dockerfile(base_files, name) != dockerfile(variant_files, name)
                }
            };
            differs.then(|| name.to_string())
        })
        .collect()
}

/// The Dockerfile stackc wrote for `service`, if it wrote one.
fn dockerfile<'a>(files: &'a [Artifact], service: &str) -> Option<&'a str> {
    let path = crate::emit::dockerfile_path(service);
    files.iter().find(|a| a.path == path).map(|a| a.contents.as_str())
}

/// Renames the built images of `services` to the environment's own tag.
pub(crate) fn rename(stack: &mut Stack, services: &[String], environment: &str) {
    for service in stack.services.iter_mut().filter(|s| services.contains(&s.name.value)) {
        let Some(ImageSource::Build(build)) = &mut service.image else {
            continue;
        };
        let Some(tag) = &mut build.tag else { continue };
        *tag = own_tag(tag, environment);
    }
}

/// `repo:1.0.0` as `repo:1.0.0-dev`, `repo` as `repo:dev`.
fn own_tag(image: &ImageRef, environment: &str) -> ImageRef {
    let tag = match image.tag() {
        Some(tag) => format!("{tag}-{environment}"),
        None => environment.to_string(),
    };
    let text = Spanned::new(format!("{}:{tag}", image.repository()), image.text.span);
    ImageRef::split(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_carries_the_environment() {
        let image = |text: &str| ImageRef::split(Spanned::new(text.to_string(), crate::source::Span::new(0, 0)));
        assert_eq!(
            own_tag(&image("reg.io:5000/shop/web:1.0.0"), "dev").text.value,
            "reg.io:5000/shop/web:1.0.0-dev"
        );
        assert_eq!(own_tag(&image("shop/web"), "dev").text.value, "shop/web:dev");
    }
}

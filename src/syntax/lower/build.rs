//! Lowering of `build` blocks: the Dockerfile stackc writes for a Python
//! app (its base image, Debian packages, dependency files, layout, raw
//! lines and ignore patterns), or the app's own Dockerfile.

use crate::syntax::tree::Pair;

use super::{next, span, Lowerer, DEFAULT_PYTHON, DEFAULT_REQUIREMENTS, DEFAULT_UID, DEFAULT_USER};
use crate::diagnostic::Diagnostic;
use crate::ir::*;
use crate::source::{Span, Spanned};
use crate::syntax::grammar::Rule;

/// The variant of the official Python image when the spec names none.
pub const DEFAULT_VARIANT: &str = "slim";

/// The Debian releases the official Python images are built on.
const DEBIAN_RELEASES: &[&str] = &["bullseye", "bookworm", "trixie"];

/// The instructions a raw `dockerfile` line may start with.
const DOCKERFILE_INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "COPY",
    "ENV",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// `python 3.12-slim-bookworm`: the version and the variant.
type PythonTag = (Spanned<PythonVersion>, Spanned<String>);

/// The statements of a `build` block as they are read, each with its
/// statement's span (for "given twice" and "not with `file`").
#[derive(Default)]
struct Parts {
    python: Option<(PythonTag, Span)>,
    dependencies: Option<(Dependencies, Span)>,
    packages: Option<(Vec<AptPackage>, Span)>,
    build_packages: Option<(Vec<AptPackage>, Span)>,
    workdir: Option<(Spanned<String>, Span)>,
    manage: Option<(Spanned<String>, Span)>,
    /// `collectstatic`, with its `to PATH` when given.
    collectstatic: Option<(Option<Spanned<String>>, Span)>,
    user: Option<(User, Span)>,
    dockerfile: Vec<RawDockerfile>,
    ignore: Vec<Spanned<String>>,
    file: Option<(Spanned<String>, Span)>,
    target: Option<(Spanned<String>, Span)>,
    args: Vec<EnvVar>,
    /// Statements that only the Dockerfile stackc writes can honour.
    generator_only: Vec<(Span, &'static str)>,
}

impl Lowerer {
    pub(super) fn lower_build(&mut self, pair: Pair<'_>) -> Build {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "build"); // kw_build
        let context = self.lower_text(next(&mut inner, "build"));
        let mut parts = Parts::default();
        for item in inner {
            self.lower_build_item(item, &mut parts);
        }
        let recipe = match parts.file.take() {
            Some((file, file_span)) => self.own_dockerfile(parts, file, file_span),
            None => self.python_build(parts, &context),
        };
        Build {
            context,
            tag: None,
            recipe,
            span: at,
        }
    }

    fn lower_build_item(&mut self, item: Pair<'_>, parts: &mut Parts) {
        let item_span = span(&item);
        let rule = item.as_rule();
        let mut inner = item.into_inner();
        let keyword_pair = next(&mut inner, "build_item");
        let keyword = keyword_of(keyword_pair.as_rule());
        match rule {
            Rule::python => {
                let image = self.lower_python_image(next(&mut inner, "python"));
                self.set_once(&mut parts.python, image, item_span, "python");
            }
            Rule::requirements => {
                let path = self.lower_text(next(&mut inner, "requirements"));
                self.set_dependencies(&mut parts.dependencies, Dependencies::Pip(path), item_span);
            }
            Rule::uv | Rule::poetry => {
                let (kind, default): (fn(Spanned<String>) -> Dependencies, _) = match rule {
                    Rule::uv => (Dependencies::Uv, Dependencies::UV_VERSION),
                    _ => (Dependencies::Poetry, Dependencies::POETRY_VERSION),
                };
                let version = match inner.next() {
                    Some(version) => self.lower_plain(version),
                    None => Spanned::new(default.to_string(), item_span),
                };
                self.set_dependencies(&mut parts.dependencies, kind(version), item_span);
            }
            Rule::packages | Rule::build_packages => {
                let packages = self.lower_packages(inner, keyword, item_span);
                let slot = match rule {
                    Rule::packages => &mut parts.packages,
                    _ => &mut parts.build_packages,
                };
                self.set_once(slot, packages, item_span, keyword);
            }
            Rule::workdir => {
                let path = self.lower_text(next(&mut inner, "workdir"));
                self.check_container_path(&path);
                let trimmed = path.value.trim_end_matches('/');
                let path = match trimmed.is_empty() {
                    true => path,
                    false => Spanned::new(trimmed.to_string(), path.span),
                };
                self.set_once(&mut parts.workdir, path, item_span, "workdir");
            }
            Rule::manage => {
                let path = self.lower_text(next(&mut inner, "manage"));
                self.check_manage_path(&path);
                self.set_once(&mut parts.manage, path, item_span, "manage");
            }
            Rule::collectstatic => {
                // `collectstatic [to PATH]`: kw_to, then the path.
                let target = inner.nth(1).map(|path| self.lower_text(path));
                if let Some(target) = &target {
                    self.check_container_path(target);
                }
                self.set_once(&mut parts.collectstatic, target, item_span, "collectstatic");
            }
            Rule::user => {
                let user = self.lower_user(inner);
                self.set_once(&mut parts.user, user, item_span, "user");
            }
            Rule::dockerfile => {
                let mut value = next(&mut inner, "dockerfile");
                let place = match value.as_rule() {
                    Rule::dockerfile_place => {
                        let place = match next(&mut value.into_inner(), "dockerfile_place").as_rule() {
                            Rule::kw_before_install => DockerfilePlace::BeforeInstall,
                            _ => DockerfilePlace::AsUser,
                        };
                        value = next(&mut inner, "dockerfile");
                        place
                    }
                    _ => DockerfilePlace::AfterSource,
                };
                let text = self.lower_text(value);
                self.check_dockerfile_line(&text);
                parts.dockerfile.push(RawDockerfile { place, text });
            }
            Rule::ignore => {
                let patterns = inner.map(|pattern| self.lower_text(pattern));
                parts.ignore.extend(patterns);
            }
            Rule::build_file => {
                let path = self.lower_text(next(&mut inner, "build_file"));
                self.set_once(&mut parts.file, path, item_span, "file");
            }
            Rule::build_target => {
                let stage = self.lower_text(next(&mut inner, "build_target"));
                self.set_once(&mut parts.target, stage, item_span, "target");
            }
            Rule::build_arg => {
                let name = self.lower_plain(next(&mut inner, "build_arg"));
                let value = self.lower_text(next(&mut inner, "build_arg"));
                parts.args.push(EnvVar { name, value });
            }
            other => unreachable!("`build_item` has no {other:?}"),
        }
        if !matches!(rule, Rule::build_file | Rule::build_target | Rule::build_arg) {
            parts.generator_only.push((item_span, keyword));
        }
    }

    /// `file PATH`: every statement that shapes stackc's Dockerfile is
    /// refused beside it.
    fn own_dockerfile(&mut self, parts: Parts, file: Spanned<String>, file_span: Span) -> Recipe {
        for (spot, keyword) in parts.generator_only {
            self.report(
                Diagnostic::error(
                    "conflicting-statements",
                    format!("`{keyword}` shapes the Dockerfile stackc writes, and this build has its own"),
                )
                .primary(spot, "not used with the app's own Dockerfile")
                .secondary(file_span, "the app's own Dockerfile")
                .help(format!(
                    "make the change in the app's Dockerfile and remove `{keyword}`, or remove `file` to let stackc write the Dockerfile"
                )),
            );
        }
        Recipe::Dockerfile(OwnDockerfile {
            file,
            target: parts.target.map(|(t, _)| t),
            args: parts.args,
        })
    }

    fn python_build(&mut self, parts: Parts, context: &Spanned<String>) -> Recipe {
        let own_only = parts.target.map(|(_, at)| (at, "target")).into_iter();
        let own_only = own_only.chain(parts.args.iter().map(|a| (a.name.span, "arg")));
        for (spot, keyword) in own_only {
            self.report(
                Diagnostic::error("conflicting-statements", format!("`{keyword}` needs the app's own Dockerfile"))
                    .primary(spot, "the Dockerfile stackc writes takes no stage or arguments")
                    .help("name the app's Dockerfile with `file Dockerfile` (relative to the build folder), or remove this line"),
            );
        }
        let (python, variant) = parts.python.map_or_else(
            || {
                (
                    Spanned::new(DEFAULT_PYTHON, context.span),
                    Spanned::new(DEFAULT_VARIANT.to_string(), context.span),
                )
            },
            |(image, _)| image,
        );
        let workdir = parts.workdir.map_or_else(
            || Spanned::new(PythonBuild::DEFAULT_WORKDIR.to_string(), context.span),
            |(w, _)| w,
        );
        // The default static root follows the working directory.
        let collectstatic = parts.collectstatic.map(|(target, at)| {
            target.unwrap_or_else(|| Spanned::new(format!("{}/staticfiles", workdir.value.trim_end_matches('/')), at))
        });
        Recipe::Python(Box::new(PythonBuild {
            python,
            variant,
            dependencies: parts.dependencies.map_or_else(
                || Dependencies::Pip(Spanned::new(DEFAULT_REQUIREMENTS.to_string(), context.span)),
                |(d, _)| d,
            ),
            packages: parts.packages.map(|(p, _)| p).unwrap_or_default(),
            build_packages: parts.build_packages.map(|(p, _)| p).unwrap_or_default(),
            workdir,
            manage: parts.manage.map(|(m, _)| m),
            collectstatic,
            user: parts.user.map_or_else(
                || User {
                    name: Spanned::new(DEFAULT_USER.to_string(), context.span),
                    uid: Spanned::new(DEFAULT_UID, context.span),
                },
                |(u, _)| u,
            ),
            dockerfile: parts.dockerfile,
            ignore: parts.ignore,
        }))
    }

    /// `3.12` or `3.12-slim-bookworm`: the version, and the variant (the
    /// Debian-based ones only: the Dockerfile uses apt-get and useradd).
    fn lower_python_image(&mut self, pair: Pair<'_>) -> PythonTag {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        let version = self.lower_version(next(&mut inner, "python_image"));
        let Some(variant) = inner.next() else {
            let variant = Spanned::new(DEFAULT_VARIANT.to_string(), Span::empty(at.end()));
            return (version, variant);
        };
        let variant = self.lower_plain(variant);
        let release = variant.value.strip_prefix("slim-").unwrap_or(&variant.value);
        let debian = variant.value == DEFAULT_VARIANT || DEBIAN_RELEASES.contains(&release);
        if !debian {
            let label = if variant.value.starts_with("alpine") {
                "Alpine has no apt-get or useradd, which the Dockerfile stackc writes uses"
            } else {
                "not a Debian variant of the official Python image"
            };
            self.report(
                Diagnostic::error(
                    "unsupported-image",
                    format!("stackc writes no Dockerfile for `python:{}-{}`", version.value, variant.value),
                )
                    .primary(variant.span, label)
                    .help("use `slim` (the default), `slim-bookworm`, `slim-trixie`, `bookworm` or `trixie`; for another base image, build with the app's own Dockerfile (`file Dockerfile`)"),
            );
        }
        (version, variant)
    }

    /// `packages { NAME = VERSION ... }`; the one-line form of bare names
    /// is refused with the block it should be.
    fn lower_packages<'i>(
        &mut self,
        items: impl Iterator<Item = Pair<'i>>,
        keyword: &str,
        at: Span,
    ) -> Vec<AptPackage> {
        let mut packages: Vec<AptPackage> = Vec::new();
        let mut unpinned = Vec::new();
        for item in items {
            if item.as_rule() == Rule::text {
                unpinned.push(self.lower_text(item));
                continue;
            }
            let mut parts = item.into_inner();
            let name = self.lower_plain(next(&mut parts, "package"));
            let version = self.lower_text(next(&mut parts, "package"));
            self.check_apt_package(&name, &version);
            if let Some(first) = packages.iter().find(|p| p.name.value == name.value) {
                let first = first.name.span;
                self.report(
                    Diagnostic::error("duplicate-statement", format!("`{}` is given twice", name.value))
                        .primary(name.span, "given again here")
                        .secondary(first, "first given here")
                        .help("keep one version of each package"),
                );
                continue;
            }
            packages.push(AptPackage { name, version });
        }
        if !unpinned.is_empty() {
            let example: Vec<String> = unpinned
                .iter()
                .map(|p| match p.value.split_once('=') {
                    Some((name, version)) => format!("    {name} = {version}"),
                    None => format!("    {} = VERSION", p.value),
                })
                .collect();
            self.report(
                Diagnostic::error("unpinned-package", format!("`{keyword}` takes each package with its version"))
                    .primary(at, "one `NAME = VERSION` per line, in a block")
                    .help(format!(
                        "write\n{keyword} {{\n{}\n}}\nwith the version apt installs (`15.*` is the newest 15.x, security updates included); `apt-cache policy NAME` in the base image shows it. Pinned versions keep a rebuild from installing another major version (hadolint DL3008)",
                        example.join("\n")
                    )),
            );
        }
        packages
    }

    /// Debian's rules: names of lowercase letters, digits, `+`, `-`, `.`;
    /// versions that start with a digit (after an `epoch:`), with a `*`
    /// only at the end (apt's prefix match).
    fn check_apt_package(&mut self, name: &Spanned<String>, version: &Spanned<String>) {
        let name_ok = name.value.len() >= 2
            && name
                .value
                .starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && name
                .value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c));
        if !name_ok {
            self.report(
                Diagnostic::error(
                    "invalid-package",
                    format!("`{}` is not a Debian package name", name.value),
                )
                .primary(name.span, "lowercase letters, digits, `+`, `-` and `.`, at least two")
                .help("write the name as `apt-get install` takes it, e.g. `libpq5`"),
            );
        }
        let body = version.value.strip_suffix('*').unwrap_or(&version.value);
        let version_ok = body.starts_with(|c: char| c.is_ascii_digit())
            && body.chars().all(|c| c.is_ascii_alphanumeric() || ".+~:-".contains(c));
        if !version_ok {
            self.report(
                Diagnostic::error("invalid-package", format!("`{}` is not a Debian version", version.value))
                    .primary(version.span, "a version starts with a digit; `*` may end it")
                    .help("write the version apt installs, e.g. `15.*` for the newest 15.x or `15.10-0+deb12u1` for one build"),
            );
        }
    }

    /// `manage PATH`: a file inside the build folder.
    fn check_manage_path(&mut self, path: &Spanned<String>) {
        let problem = if path.value.starts_with('/') {
            Some("relative to the build folder, not absolute")
        } else if path.value.split('/').any(|part| part == ".." || part.is_empty()) {
            Some("a path inside the build folder, without `..` or empty parts")
        } else if !path.value.ends_with(".py") {
            Some("the Python file Django's commands run through, usually `manage.py`")
        } else {
            None
        };
        if let Some(label) = problem {
            self.report(
                Diagnostic::error(
                    "invalid-path",
                    format!("`{}` is not a manage.py in the build folder", path.value),
                )
                .primary(path.span, label)
                .help("write its path relative to the build folder, e.g. `manage backend/manage.py`"),
            );
        }
    }

    fn lower_user<'i>(&mut self, mut parts: impl Iterator<Item = Pair<'i>>) -> User {
        let name = self.lower_name(next(&mut parts, "user"));
        // `user NAME [uid N]`: kw_uid, then the number. `user root` is
        // root's uid; root itself is legal, and the `runs-as-root` lint
        // rule's finding.
        let uid = match parts.nth(1) {
            Some(n) => self.lower_integer(n),
            None if name.value == "root" => Spanned::new(0, name.span),
            None => Spanned::new(DEFAULT_UID, name.span),
        };
        if uid.value != 0 && !(1000..=60000).contains(&uid.value) {
            self.report(
                Diagnostic::error("invalid-uid", format!("uid {} is not for an app user", uid.value))
                    .primary(uid.span, "system users are below 1000")
                    .help(format!("use a uid from 1000 to 60000, e.g. `uid {DEFAULT_UID}`")),
            );
        }
        User { name, uid }
    }

    /// `requirements`, `uv` and `poetry` each say how the packages are
    /// installed: one of them, once.
    fn set_dependencies(&mut self, slot: &mut Option<(Dependencies, Span)>, value: Dependencies, at: Span) {
        let keyword = dependencies_keyword(&value);
        match slot {
            Some((first, first_at)) if dependencies_keyword(first) != keyword => {
                let first_keyword = dependencies_keyword(first);
                let first_at = *first_at;
                self.report(
                    Diagnostic::error(
                        "conflicting-statements",
                        format!("`{keyword}` and `{first_keyword}` both say how the Python packages are installed"),
                    )
                    .primary(at, "given here")
                    .secondary(first_at, "and here")
                    .help("keep the one the project's files are for: `requirements FILE` (pip), `uv` (uv.lock) or `poetry` (poetry.lock)"),
                );
            }
            _ => self.set_once(slot, value, at, keyword),
        }
    }

    /// A raw Dockerfile line: one instruction, and not one that would undo
    /// what stackc writes around it.
    fn check_dockerfile_line(&mut self, line: &Spanned<String>) {
        let instruction = line
            .value
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let problem = if line.value.contains(['\n', '\r']) {
            Some((
                "one instruction per `dockerfile` line".to_string(),
                "write a `dockerfile` statement per line",
            ))
        } else if line.value.contains("<<") {
            Some((
                "a heredoc would take in the lines stackc writes after it".to_string(),
                "write the commands on this line, joined with `&&`",
            ))
        } else if line.value.split_whitespace().nth(1).is_none() {
            Some((
                format!("`{instruction}` without arguments"),
                "write the whole instruction, e.g. `RUN python manage.py compilemessages`",
            ))
        } else if line.value.trim_end().ends_with('\\') {
            Some((
                "a line continuation would join the next line".to_string(),
                "write the whole instruction on one line",
            ))
        } else if ["FROM", "CMD", "ENTRYPOINT"].contains(&instruction.as_str()) {
            Some((
                format!("stackc writes `{instruction}` itself"),
                "use `python`, `gunicorn` or `command` for the base image and the command",
            ))
        } else if instruction == "USER" {
            Some((
                "stackc writes `USER` itself".to_string(),
                "use `user NAME [uid N]` for the app's user; `dockerfile as_user \"...\"` runs a line as that user",
            ))
        } else if instruction == "WORKDIR" {
            Some((
                "stackc writes `WORKDIR` itself".to_string(),
                "use `workdir PATH` for where the source goes, `manage PATH` for where Django's commands run",
            ))
        } else if !DOCKERFILE_INSTRUCTIONS.contains(&instruction.as_str()) {
            Some((
                "expected a Dockerfile instruction such as `RUN`".to_string(),
                "write e.g. `dockerfile \"RUN python manage.py compilemessages\"`",
            ))
        } else {
            None
        };
        if let Some((label, help)) = problem {
            self.report(
                Diagnostic::error("invalid-raw", "this is not a Dockerfile instruction stackc can add")
                    .primary(line.span, label)
                    .help(help),
            );
        }
    }
}

fn dependencies_keyword(dependencies: &Dependencies) -> &'static str {
    match dependencies {
        Dependencies::Pip(_) => "requirements",
        Dependencies::Uv(_) => "uv",
        Dependencies::Poetry(_) => "poetry",
    }
}

/// A build statement's keyword, as the spec spells it.
fn keyword_of(rule: Rule) -> &'static str {
    match rule {
        Rule::kw_python => "python",
        Rule::kw_requirements => "requirements",
        Rule::kw_uv => "uv",
        Rule::kw_poetry => "poetry",
        Rule::kw_packages => "packages",
        Rule::kw_build_packages => "build_packages",
        Rule::kw_workdir => "workdir",
        Rule::kw_manage => "manage",
        Rule::kw_collectstatic => "collectstatic",
        Rule::kw_user => "user",
        Rule::kw_dockerfile => "dockerfile",
        Rule::kw_ignore => "ignore",
        Rule::kw_file => "file",
        Rule::kw_target => "target",
        Rule::kw_arg => "arg",
        other => unreachable!("every `build_item` starts with its keyword, not {other:?}"),
    }
}

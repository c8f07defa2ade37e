//! Which COPY and ADD instructions carry a file of the build folder into
//! the image a build makes: the built stage's own (and its bases'), and
//! those of a builder stage that the built stage copies the file out of
//! with `COPY --from` (`COPY . .` in the builder, then
//! `COPY --from=builder /src /app`).
//!
//! A file is followed from a stage to another only along paths that are
//! certain: a whole-folder, folder or file source and a known destination
//! in the builder, and a literal source path of the `COPY --from` that is
//! the file's place or a folder above it. A wildcard, a variable, an
//! unknown WORKDIR or a builder's RUN that names the file (`rm -f .env`)
//! on that way ends it (no finding without certainty).

use super::{Dockerfile, Keyword, Resolved};
use crate::input::dockerignore;

/// How many places of one file a stage keeps track of, and through how
/// many copies a file is followed: a file copied around a hostile
/// Dockerfile's stages can neither multiply nor grow its trail without
/// bound.
const MAX_PLACES: usize = 32;
const MAX_HOPS: usize = 16;

/// Where a file of the build folder is in a stage, and the COPY or ADD
/// instructions (indexes into [`Dockerfile::instructions`]) that put it
/// there, the last one first.
#[derive(Clone, Debug)]
struct Place {
    path: String,
    through: Vec<usize>,
}

impl Dockerfile {
    /// The COPY and ADD instructions through which the file `path` of the
    /// build folder (`/` separated, relative to it) reaches the image a
    /// build of the stage `target` makes, the one in that image first;
    /// `None` when none takes it in.
    pub fn context_copies(&self, target: usize, path: &str) -> Option<Vec<usize>> {
        let stage = self.stages.get(target)?;
        // The built stage takes the file in wherever a copy of it lands.
        let direct = (stage.facts.copies.iter())
            .filter(|copy| copy.from.is_none())
            .find(|copy| copy.sources.iter().any(|source| takes_in(&source.value, path)));
        if let Some(copy) = direct {
            return Some(vec![copy.instruction]);
        }
        let places = self.places_before(target, path);
        (self.copied_from_stages(target, &places).into_iter())
            .min_by_key(|place| place.through.len())
            .map(|place| place.through)
    }

    /// The places of the file in every stage before `target`, computed in
    /// file order: a `COPY --from` names an earlier stage only.
    fn places_before(&self, target: usize, path: &str) -> Vec<Vec<Place>> {
        let mut places: Vec<Vec<Place>> = Vec::with_capacity(target);
        // Per stage: whether a RUN of it or of a stage it is built on names
        // the file (`RUN rm -f .env`). A builder's layers never reach the
        // image, and such a RUN may have removed the file before the image
        // copies it: it is no longer followed.
        let mut names_file: Vec<bool> = Vec::with_capacity(target);
        for stage in &self.stages[..target.min(self.stages.len())] {
            let inherited = matches!(stage.base, super::Base::Stage(base) if names_file.get(base) == Some(&true));
            names_file.push(inherited || self.runs_naming(stage, path));
            let from_context = (stage.facts.copies.iter())
                .filter(|copy| copy.from.is_none())
                .filter_map(|copy| {
                    let path = landing(copy, path)?;
                    Some(Place {
                        path,
                        through: vec![copy.instruction],
                    })
                });
            let mut here: Vec<Place> = from_context.collect();
            here.extend(self.copied_from_stages(stage.index, &places));
            here.truncate(MAX_PLACES);
            if names_file[stage.index] {
                here.clear();
            }
            places.push(here);
        }
        places
    }

    /// Whether a RUN of the stage names the file's name.
    fn runs_naming(&self, stage: &super::Stage, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        let runs = self.instructions_of(stage).iter().filter(|i| i.keyword == Keyword::Run);
        runs.into_iter().any(|run| {
            let names = match &run.args {
                super::Args::Text { text, .. } => text.contains(name),
                super::Args::Json { words, .. } => words.iter().any(|w| w.value.contains(name)),
            };
            names || run.heredocs.iter().any(|h| h.content().contains(name))
        })
    }

    /// Where the `COPY --from` instructions of the stage `index` put the
    /// places the earlier stages hold.
    fn copied_from_stages(&self, index: usize, places: &[Vec<Place>]) -> Vec<Place> {
        let Some(stage) = self.stages.get(index) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for copy in &stage.facts.copies {
            let Some(from) = copy.from.as_deref().and_then(|name| self.stage_named(name, index)) else {
                continue;
            };
            for place in places
                .get(from)
                .into_iter()
                .flatten()
                .filter(|p| p.through.len() < MAX_HOPS)
            {
                let Some(path) = landing_from_stage(copy, &place.path) else {
                    continue;
                };
                let mut through = vec![copy.instruction];
                through.extend(&place.through);
                found.push(Place { path, through });
                if found.len() == MAX_PLACES {
                    return found;
                }
            }
        }
        found
    }
}

/// Whether a COPY or ADD source (as written) takes in `path` of the build
/// folder: the whole folder (`.`), the path, a folder above it, or a
/// pattern matching either. A heredoc or a URL takes in nothing.
pub fn takes_in(source: &str, path: &str) -> bool {
    if source.starts_with("<<") || source.contains("://") {
        return false;
    }
    match dockerignore::normalize(source) {
        Some(pattern) if !pattern.starts_with('!') => {
            matches!(pattern.as_str(), "." | "/") || dockerignore::decide([pattern.as_str()], path).0
        }
        _ => false,
    }
}

/// Where a COPY from the build folder puts its file `path`, as an
/// absolute path: `None` when it does not take it in, or takes it in
/// through a wildcard, or to a destination that is not known.
fn landing(copy: &super::CopyFact, path: &str) -> Option<String> {
    let destination = known_destination(copy)?;
    copy.sources.iter().find_map(|source| {
        if !takes_in(&source.value, path) {
            return None;
        }
        let source = dockerignore::normalize(&source.value)?;
        if matches!(source.as_str(), "." | "/") {
            return Some(join(destination, path));
        }
        if source == path {
            return Some(file_destination(copy, destination, path));
        }
        // A folder's contents go into the destination.
        let below = path.strip_prefix(source.as_str())?.strip_prefix('/')?;
        Some(join(destination, below))
    })
}

/// Where a `COPY --from` puts the file at `place` of the stage it copies
/// from: its sources are paths from that stage's root (its WORKDIR does
/// not apply). `None` when no literal source is the place or a folder
/// above it.
fn landing_from_stage(copy: &super::CopyFact, place: &str) -> Option<String> {
    let destination = known_destination(copy)?;
    copy.sources.iter().find_map(|source| {
        if source.value.contains(['*', '?', '[', '$', '\\']) {
            return None;
        }
        let source = super::values::clean_path(&source.value);
        if source == place {
            return Some(file_destination(copy, destination, place));
        }
        let below = if source == "/" {
            place.strip_prefix('/')?
        } else {
            place.strip_prefix(source.as_str())?.strip_prefix('/')?
        };
        Some(join(destination, below))
    })
}

/// A copy's destination when it is a known Unix path.
fn known_destination(copy: &super::CopyFact) -> Option<&str> {
    match &copy.destination.value {
        Resolved::Known(path) if path.starts_with('/') => Some(path),
        _ => None,
    }
}

/// Where a file named as a source lands: inside the destination when that
/// is a folder (written with a `/`, or one of several sources), else at it.
fn file_destination(copy: &super::CopyFact, destination: &str, file: &str) -> String {
    if destination.ends_with('/') || copy.sources.len() > 1 {
        let name = file.rsplit('/').next().unwrap_or(file);
        join(destination, name)
    } else {
        destination.to_string()
    }
}

fn join(folder: &str, below: &str) -> String {
    super::values::clean_path(&format!("{folder}/{below}"))
}

#[cfg(test)]
mod tests {
    use super::super::parse;

    fn copies(text: &str, path: &str) -> Option<Vec<usize>> {
        let dockerfile = parse(text);
        dockerfile.context_copies(dockerfile.stages.len() - 1, path)
    }

    #[test]
    fn a_builder_stage_copy_reaches_the_image_through_copy_from() {
        let text = "FROM python:3.12-slim AS builder\nWORKDIR /src\nCOPY . .\nRUN pip wheel -w /wheels .\n\
                    FROM python:3.12-slim\nCOPY --from=builder /src /app\n";
        assert_eq!(copies(text, ".env"), Some(vec![5, 2]));
        assert_eq!(copies(text, "keys/id_rsa"), Some(vec![5, 2]));
        // The whole root, a relative source (from the root, not WORKDIR),
        // the file itself, a stage by index.
        for copy in [
            "COPY --from=builder / /app/",
            "COPY --from=builder src /app",
            "COPY --from=builder /src/.env /app/.env",
            "COPY --from=0 /src/ /app/",
        ] {
            let text = text.replace("COPY --from=builder /src /app", copy);
            assert_eq!(copies(&text, ".env"), Some(vec![5, 2]), "{copy}");
        }
    }

    #[test]
    fn only_what_the_image_copies_out_of_a_builder_counts() {
        let builder = "FROM python:3.12-slim AS builder\nWORKDIR /src\nCOPY . .\nRUN pip wheel -w /wheels .\n";
        for last in [
            "FROM python:3.12-slim\nCOPY --from=builder /wheels /wheels\n",
            "FROM python:3.12-slim\nCOPY --from=builder /src/app.py /app/\n",
            "FROM python:3.12-slim\nCOPY --from=builder /src/*.py /app/\n",
            "FROM python:3.12-slim\nCOPY --from=python:3.12 /src /app\n",
            "FROM python:3.12-slim\nRUN true\n",
        ] {
            assert_eq!(copies(&format!("{builder}{last}"), ".env"), None, "{last}");
        }
        // A builder that removes the file before the image copies its folder.
        let text = format!("{builder}RUN rm -f .env\nFROM python:3.12-slim\nCOPY --from=builder /src /app\n");
        assert_eq!(copies(&text, ".env"), None);
        assert_eq!(copies(&text, "id_rsa"), Some(vec![6, 2]));
        // A builder that copies only its requirements.
        let text = "FROM python:3.12-slim AS builder\nWORKDIR /src\nCOPY requirements.txt .\n\
                    FROM python:3.12-slim\nCOPY --from=builder /src /app\n";
        assert_eq!(copies(text, ".env"), None);
    }

    #[test]
    fn a_file_is_followed_through_several_stages_and_folders() {
        let text = "FROM alpine AS a\nCOPY conf /etc/app\n\
                    FROM alpine AS b\nCOPY --from=a /etc /copied\n\
                    FROM alpine\nCOPY --from=b /copied/app/secret.pem /secret.pem\n";
        assert_eq!(copies(text, "conf/secret.pem"), Some(vec![5, 3, 1]));
        assert_eq!(copies(text, "conf/other.pem"), None);
        // The built stage's own copy, inherited from its base.
        let text = "FROM alpine AS base\nCOPY . /app\nFROM base\nRUN true\n";
        assert_eq!(copies(text, ".env"), Some(vec![1]));
    }

    #[test]
    fn many_stages_copying_from_each_other_stay_bounded() {
        let stages = |count: usize| {
            let mut text = String::from("FROM alpine AS s0\nCOPY . /x\n");
            for i in 1..count {
                text.push_str(&format!("FROM alpine AS s{i}\n"));
                for j in 0..i.min(20) {
                    text.push_str(&format!("COPY --from=s{} /x /x\n", i - 1 - j));
                }
            }
            text
        };
        assert!(copies(&stages(10), ".env").is_some_and(|through| (2..=10).contains(&through.len())));
        // Past 16 copies the file is no longer followed.
        assert_eq!(copies(&stages(600), ".env"), None);
    }
}

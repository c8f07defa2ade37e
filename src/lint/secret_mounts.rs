//! A BuildKit secret mount (`RUN --mount=type=secret,id=npmrc ...`) hands
//! a build step a file that no layer keeps, unless the step copies it out
//! (`cp /run/secrets/npmrc /app/.npmrc`, `cat ... > key`) and leaves the
//! copy: then the layer holds the secret, which is what the mount exists
//! to prevent.

use crate::input::shell::{self, SimpleCommand};

/// A secret a RUN line copies out of its mount into the image.
#[derive(Debug, PartialEq, Eq)]
pub struct Copied {
    /// Where the secret is mounted (`/run/secrets/npmrc`).
    pub secret: String,
    /// Where the step writes it.
    pub to: String,
}

/// The first secret `line` (a RUN instruction in shell form, its flags
/// included) copies into a file the same step does not remove.
pub fn copied(line: &str) -> Option<Copied> {
    let (flags, script) = run_line(line)?;
    let secrets: Vec<String> = (flags.into_iter())
        .filter_map(|flag| secret_path(flag.strip_prefix("mount=")?))
        .collect();
    if secrets.is_empty() {
        return None;
    }
    let commands = shell::simple_commands(script);
    commands.iter().enumerate().find_map(|(at, command)| {
        let secret = secrets
            .iter()
            .find(|s| command.words.iter().any(|w| w.contains(s.as_str())))?;
        // The command itself, or one its output is piped into (`| tee`).
        let mut piped = commands[at..].iter();
        let mut chain = vec![piped.next()?];
        while chain.last()?.then == Some(shell::Operator::Pipe) {
            chain.push(piped.next()?);
        }
        let (written, to) = chain
            .iter()
            .enumerate()
            .find_map(|(i, c)| Some((at + i, destination(c)?)))?;
        let removed = commands[written + 1..].iter().any(|later| removes(later, &to));
        (!removed).then(|| Copied {
            secret: secret.clone(),
            to,
        })
    })
}

/// A shell-form RUN line's flags (`mount=type=secret,id=x`, without the
/// `--`) and its script; `None` for another instruction or the exec form.
pub fn run_line(line: &str) -> Option<(Vec<&str>, &str)> {
    let line = line.trim_start();
    let mut rest = line
        .get(..3)
        .filter(|k| k.eq_ignore_ascii_case("run"))
        .map(|_| &line[3..])?;
    let mut flags = Vec::new();
    loop {
        rest = rest.trim_start();
        let Some(flag) = rest.strip_prefix("--") else { break };
        let (word, after) = flag.split_once(char::is_whitespace).unwrap_or((flag, ""));
        flags.push(word);
        rest = after;
    }
    (!rest.starts_with('[')).then_some((flags, rest))
}

/// Where a secret mount's options put the file: `target=` (or `dst=`,
/// `destination=`), else `/run/secrets/ID`.
fn secret_path(options: &str) -> Option<String> {
    let option = |names: &[&str]| {
        options
            .split(',')
            .filter_map(|o| o.split_once('='))
            .find(|(key, _)| names.contains(key))
            .map(|(_, value)| value.to_string())
    };
    if option(&["type"]).as_deref() != Some("secret") {
        return None;
    }
    option(&["target", "dst", "destination"]).or_else(|| Some(format!("/run/secrets/{}", option(&["id"])?)))
}

/// The file a command writes what it reads into: `cp`/`mv`/`install`'s
/// last operand, `dd of=`, `tee FILE`, or a `>`/`>>` redirection. Not the
/// terminal or `/dev/null`.
fn destination(command: &SimpleCommand) -> Option<String> {
    let words = &command.words;
    let program = words.first()?.rsplit('/').next()?;
    let operands = || words[1..].iter().filter(|w| !w.starts_with('-'));
    let to = match program {
        "cp" | "mv" | "install" | "rsync" => operands().next_back().cloned(),
        "dd" => words.iter().find_map(|w| w.strip_prefix("of=")).map(str::to_string),
        "tee" => operands().next().cloned(),
        _ => None,
    };
    let redirected = || {
        words.iter().enumerate().find_map(|(at, word)| {
            let target = word.trim_start_matches(|c: char| c.is_ascii_digit() || c == '&');
            match target.trim_start_matches('>') {
                "" if target.starts_with('>') => words.get(at + 1).cloned(),
                attached if target.starts_with('>') && !attached.starts_with('&') => Some(attached.to_string()),
                _ => None,
            }
        })
    };
    to.or_else(redirected)
        .filter(|to| !to.starts_with("/dev/") && !to.starts_with('&'))
}

/// Whether a later command of the step removes `file` (or the folder it
/// is in) before the layer is kept.
fn removes(command: &SimpleCommand, file: &str) -> bool {
    let is_rm = command
        .words
        .first()
        .is_some_and(|p| p.rsplit('/').next() == Some("rm"));
    is_rm
        && command.words[1..]
            .iter()
            .filter(|w| !w.starts_with('-'))
            .any(|removed| {
                let removed = removed.trim_end_matches('/');
                file == removed || file.starts_with(&format!("{removed}/"))
            })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_left_in_the_layer_is_found() {
        let found = copied("RUN --mount=type=secret,id=npmrc cp /run/secrets/npmrc /app/.npmrc && npm ci");
        assert_eq!(
            found,
            Some(Copied {
                secret: "/run/secrets/npmrc".into(),
                to: "/app/.npmrc".into()
            })
        );
        for line in [
            "RUN --mount=type=secret,id=x cat /run/secrets/x > /tmp/key",
            "RUN --mount=type=secret,id=x cat /run/secrets/x >>/tmp/key",
            "RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=k,target=/k.pem install -m 600 /k.pem /etc/app/k.pem",
            "run --mount=type=secret,id=x dd if=/run/secrets/x of=/srv/x",
            "RUN --mount=type=secret,id=x cat /run/secrets/x | tee /srv/x",
        ] {
            assert!(copied(line).is_some(), "{line}");
        }
    }

    #[test]
    fn reading_the_mount_or_removing_the_copy_is_fine() {
        for line in [
            "RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci",
            "RUN --mount=type=secret,id=npmrc cp /run/secrets/npmrc ~/.npmrc && npm ci && rm -f ~/.npmrc",
            "RUN --mount=type=secret,id=t cat /run/secrets/t | docker login -u me --password-stdin",
            "RUN --mount=type=secret,id=t TOKEN=$(cat /run/secrets/t) ./fetch.sh",
            "RUN --mount=type=secret,id=t cat /run/secrets/t > /dev/null",
            "RUN --mount=type=cache,target=/x cp /x/a /app/a",
            "RUN cp /run/secrets/x /app/x",
            "RUN [\"cp\", \"/run/secrets/x\", \"/app/x\"]",
        ] {
            assert_eq!(copied(line), None, "{line}");
        }
    }
}

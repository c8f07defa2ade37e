//! The numbers of the accounts an image's RUN commands create: a cluster
//! runs a container as a uid, never as a name, so `USER app` needs the
//! `-u` its `useradd` or `adduser` gave `app`.

use super::{Dockerfile, Stage};
use crate::input::shell::SimpleCommand;

/// A user's uid, and its primary gid where the Dockerfile fixes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Account {
    pub uid: u32,
    pub gid: Option<u32>,
}

impl Dockerfile {
    /// The account `name` as the RUN commands of `stages` (the stages of
    /// the image, in order) create it with a fixed uid; `None` when none
    /// does (no `-u`: the system picks the number at build time).
    pub fn created_account(&self, stages: &[usize], name: &str) -> Option<Account> {
        let commands: Vec<(SimpleCommand, &Stage)> = stages
            .iter()
            .filter_map(|&i| self.stages.get(i))
            .flat_map(|stage| {
                self.instructions_of(stage)
                    .iter()
                    .flat_map(|i| i.run_commands())
                    .map(move |c| (c, stage))
            })
            .collect();
        let user = commands.iter().rev().find_map(|(command, stage)| {
            let created = Created::of(command, stage, &["useradd", "adduser"])?;
            (created.name == name).then_some(created)
        })?;
        let uid = user.id?;
        let gid = match (user.gid, &user.group) {
            (Some(gid), _) => Some(gid),
            (None, Some(group)) => commands.iter().rev().find_map(|(command, stage)| {
                let created = Created::of(command, stage, &["groupadd", "addgroup"])?;
                (&created.name == group).then_some(created.id).flatten()
            }),
            // Debian's `adduser --group` makes a group of the user's name,
            // numbered by the system.
            (None, None) => None,
        };
        Some(Account { uid, gid })
    }
}

/// A `useradd`/`adduser` or `groupadd`/`addgroup`: the account's name,
/// its number (`-u`/`--uid`, or `-g`/`--gid` for a group), and for a user
/// its primary group by number (`useradd -g 1000`, Debian's `adduser
/// --gid 1000`) or name (`useradd -g app`, `--ingroup app`, `-G app` of
/// Alpine's adduser, whose `-g` is the comment).
struct Created {
    name: String,
    id: Option<u32>,
    gid: Option<u32>,
    group: Option<String>,
}

impl Created {
    fn of(command: &SimpleCommand, stage: &Stage, programs: &[&str]) -> Option<Created> {
        let program = command.program()?.rsplit('/').next()?;
        if !programs.contains(&program) {
            return None;
        }
        let is_group = program.contains("group");
        let mut created = Created {
            name: String::new(),
            id: None,
            gid: None,
            group: None,
        };
        let mut args = command.args().iter().map(|a| resolved(a, stage));
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag.to_string(), Some(value.to_string())),
                _ => (arg.clone(), None),
            };
            let takes_value = matches!(
                flag.as_str(),
                "-u" | "--uid"
                    | "-g"
                    | "--gid"
                    | "-G"
                    | "--groups"
                    | "--ingroup"
                    | "-d"
                    | "--home"
                    | "--home-dir"
                    | "-h"
                    | "-s"
                    | "--shell"
                    | "-c"
                    | "--comment"
                    | "-k"
                    | "--skel"
                    | "-K"
                    | "--key"
                    | "-e"
                    | "--expiredate"
                    | "-f"
                    | "--inactive"
                    | "-p"
                    | "--password"
                    | "--gecos"
                    | "-b"
                    | "--base-dir"
                    | "--firstuid"
                    | "--lastuid"
                    | "--firstgid"
                    | "--lastgid"
            );
            if !flag.starts_with('-') {
                created.name = flag;
                continue;
            }
            if !takes_value {
                continue;
            }
            let value = inline.or_else(|| args.next()).unwrap_or_default();
            let number = value.parse::<u32>().ok();
            match flag.as_str() {
                "-u" | "--uid" => created.id = number,
                "-g" | "--gid" if is_group => created.id = number,
                "-g" if program == "adduser" => {}
                "-g" | "--gid" => match number {
                    Some(gid) => created.gid = Some(gid),
                    None => created.group = Some(value),
                },
                "-G" if program == "adduser" => created.group = Some(value),
                "--ingroup" => created.group = Some(value),
                _ => {}
            }
        }
        (!created.name.is_empty()).then_some(created)
    }
}

/// A word with a whole-word `$NAME` or `${NAME}` replaced by the stage's
/// ARG or ENV value of that name, when it is known.
fn resolved(word: &str, stage: &Stage) -> String {
    let name = word
        .strip_prefix("${")
        .and_then(|w| w.strip_suffix('}'))
        .or_else(|| word.strip_prefix('$'));
    let Some(name) = name else {
        return word.to_string();
    };
    let facts = &stage.facts;
    let arg = facts.args.iter().rev().find(|a| a.name.value == name).map(|a| &a.value);
    let env = facts
        .env
        .iter()
        .rev()
        .find(|e| e.name.value == name)
        .map(|e| &e.value.value);
    arg.or(env)
        .and_then(|v| v.known())
        .cloned()
        .unwrap_or_else(|| word.to_string())
}

use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::{modes, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a `chmod` that lets every user of the container write: a
    /// numeric mode whose last digit allows writing (`777`, `666`,
    /// `-R 0777`), or a symbolic one that adds writing for others or all
    /// (`o+w`, `a+rwx`, `ugo=rw`); in a `RUN` of the Dockerfile stackc
    /// writes (a raw `dockerfile` line) or of the app's own Dockerfile,
    /// and in what a service or job runs (`command`, `run`, `entrypoint`,
    /// the scripts of `sh -c`). A mode with the sticky bit (`1777`, `/tmp`'s
    /// own) is not flagged: there each user can delete only their own files.
    ///
    /// ## Why is this bad?
    /// Any process of the container, whatever its user, can then rewrite
    /// the app's code, its templates or its uploads: a foothold in one
    /// process (a compromised dependency, a file-upload bug) becomes code
    /// the app runs, and the non-root user stackc runs the app as stops
    /// protecting anything. `chmod -R 777` is usually a fix for a
    /// permission error that the owner of the folder fixes properly.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         dockerfile "RUN chmod -R 777 /app/media"
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Give the folder to the app's user, with writing for it alone:
    /// ```text
    ///         dockerfile "RUN chown -R app:app /app/media && chmod -R 755 /app/media"
    /// ```
    pub struct WorldWritable {
        name: "world-writable",
        severity: Warning,
        summary: "a `chmod` that lets every user of the container write (`777`, `o+w`)",
    }
}

impl Rule for WorldWritable {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        let finding = modes::Finding {
            meta: &Self::META,
            does: "lets every user write",
            label: "every user of the container can write here",
            help: "give the folder to the user that writes it (`chown`), and drop the others' write permission (`755`, `644`)",
        };
        modes::check(stack, grants_others_write, &finding, out);
    }
}

/// Whether a numeric or symbolic `chmod` mode lets others write, without
/// the sticky bit that keeps each user to their own files.
fn grants_others_write(mode: &str) -> bool {
    if let Some(digits) = modes::numeric(mode) {
        let others = digits[digits.len() - 1] - b'0';
        let sticky = digits.len() == 4 && (digits[0] - b'0') & 1 == 1;
        return others & 2 != 0 && !sticky;
    }
    modes::granted(mode).any(|(who, granted)| {
        (who.contains('o') || who.contains('a')) && granted.contains('w') && !granted.contains('t')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn modes_that_let_others_write_are_found() {
        for line in [
            "chmod 777 /app",
            "chmod -R 0777 x",
            "chmod 666 f",
            "/bin/chmod o+w d",
            "chmod a+rwx d",
            "chmod u+x,o=rw f",
            "chmod 2777 d",
        ] {
            assert!(modes::mode_set(&words(line)).is_some_and(grants_others_write), "{line}");
        }
        for line in [
            "chmod 755 /app",
            "chmod -R 0644 x",
            "chmod 1777 /tmp",
            "chmod +w f",
            "chmod -w f",
            "chmod o-w f",
            "chmod u+w f",
            "chown 777 x",
            "chmod",
            "chmod 7777 d",
        ] {
            assert!(
                !modes::mode_set(&words(line)).is_some_and(grants_others_write),
                "{line}"
            );
        }
    }
}

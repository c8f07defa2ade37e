use crate::diagnostic::Diagnostic;
use crate::ir::Stack;
use crate::lint::{modes, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a `chmod` (or `install -m`) that sets the setuid bit: a
    /// numeric mode whose first of four digits has it (`4755`, `6755`), or
    /// a symbolic one that adds `s` for the owner or everyone (`u+s`,
    /// `+s`, `a+s`); in a `RUN` of the Dockerfile stackc writes (a raw
    /// `dockerfile` line) or of the app's own Dockerfile, and in what a
    /// service or job runs (`command`, `run`, `entrypoint`, the scripts of
    /// `sh -c`). Setgid alone (`g+s`, `2775`) is not flagged: on a folder
    /// it only gives new files the folder's group.
    ///
    /// ## Why is this bad?
    /// A setuid program runs as its owner, whichever user starts it: owned
    /// by root, as most programs of an image are, it runs as root. The
    /// non-root user stackc runs the app as then becomes root through any
    /// flaw of that program (a shell escape, an environment variable it
    /// trusts, a file it writes where it is told), and every protection of
    /// running without root is gone. stackc runs each container with
    /// `no-new-privileges` (unless `hardening off`), which ignores the bit:
    /// there the program never gets what the bit was added for, while the
    /// image, run anywhere else (`docker run`, another cluster), still
    /// hands root to every user. Hardened images remove these bits
    /// (`chmod a-s`); a deployment does not add them.
    ///
    /// ## Example
    /// ```text
    /// service web {
    ///     build ./app {
    ///         dockerfile "RUN chmod u+s /usr/bin/ping"
    ///     }
    ///     gunicorn shop.wsgi:application
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Give the program the one capability it needs, or do the privileged
    /// work while the image is built, as root, and drop the bit:
    /// ```text
    ///         dockerfile "RUN chmod a-s /usr/bin/ping"
    ///     }
    ///     compose cap_add = "[NET_RAW]"
    /// ```
    pub struct SetuidBit {
        name: "setuid-bit",
        severity: Warning,
        summary: "a `chmod` that sets the setuid bit (`u+s`, `4755`): the program runs as root for any user",
    }
}

impl Rule for SetuidBit {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        let finding = modes::Finding {
            meta: &Self::META,
            does: "makes the program run as its owner (root) for every user",
            label: "sets the setuid bit",
            help: "give the program the capability it needs (`compose cap_add`), or do the privileged work at build time and remove the bit (`chmod a-s`)",
        };
        modes::check(stack, sets_setuid, &finding, out);
    }
}

/// Whether a numeric or symbolic mode sets the setuid bit.
fn sets_setuid(mode: &str) -> bool {
    if let Some(digits) = modes::numeric(mode) {
        return digits.len() == 4 && (digits[0] - b'0') & 4 != 0;
    }
    modes::granted(mode)
        .any(|(who, granted)| (who.is_empty() || who.contains('u') || who.contains('a')) && granted.contains('s'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_that_set_setuid_are_found() {
        for mode in [
            "4755", "04755", "6755", "4000", "u+s", "+s", "a+s", "ug+s", "u=rwxs", "go-w,u+s",
        ] {
            assert!(sets_setuid(mode), "{mode}");
        }
        for mode in [
            "755", "0755", "2775", "1777", "g+s", "u-s", "a-s", "o+s", "u+x", "47555",
        ] {
            assert!(!sets_setuid(mode), "{mode}");
        }
    }
}

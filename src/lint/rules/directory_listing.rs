use crate::diagnostic::Diagnostic;
use crate::ir::{LocationAction, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a raw `nginx "autoindex on"` in force in a location that
    /// serves files: its own, or its server's or the `http` block's, which
    /// it inherits. A location that forwards requests or answers them
    /// itself lists nothing, so `autoindex` there is not reported.
    ///
    /// ## Why is this bad?
    /// For a request that ends with `/` and a folder without an
    /// `index.html`, nginx then answers with the names, sizes and dates of
    /// every file in the folder. Uploaded media, exports and backups
    /// become a catalogue for anyone to crawl, file names that were never
    /// linked included. Without it nginx answers such a request with 403.
    ///
    /// ## Example
    /// ```text
    /// proxy nginx {
    ///     location /media/ {
    ///         alias media
    ///         nginx "autoindex on"
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Remove the line, and link to the files meant to be shared; a
    /// listing meant for a few belongs behind `allow`/`deny` or a login.
    pub struct DirectoryListing {
        name: "directory-listing",
        severity: Warning,
        summary: "`autoindex on` where nginx serves files: anyone can list the folder",
    }
}

impl Rule for DirectoryListing {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            let mut reported = Vec::new();
            for server in &proxy.servers {
                for location in server.locations.iter().filter(|l| l.action.serves_files()) {
                    let Some(autoindex) = proxy.raw_in_force(server, location, "autoindex") else {
                        continue;
                    };
                    let span = autoindex.text.span;
                    if autoindex.args.first().is_none_or(|a| a != "on") || reported.contains(&span) {
                        continue;
                    }
                    reported.push(span);
                    let what = match &location.action {
                        LocationAction::Alias(alias) => format!("the files of volume `{}`", alias.volume.value),
                        _ => "the files of its folder".to_string(),
                    };
                    let mut finding = Self::META
                        .diagnostic(format!(
                            "`{}` lists {what} at `{}`",
                            service.name.value, location.path.value
                        ))
                        .primary(span, "anyone can browse every file name, date and size here");
                    if !location.settings.raw.iter().any(|d| d.text.span == span) {
                        finding = finding.secondary(location.path.span, "inherited by this location");
                    }
                    out.push(finding.help(
                        "remove the line: nginx then answers 403 for a folder without an index.html; \
                         link to the files meant to be shared",
                    ));
                }
            }
        }
    }
}

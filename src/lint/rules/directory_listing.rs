use crate::diagnostic::Diagnostic;
use crate::ir::{Location, LocationAction, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a raw `nginx "autoindex on"` in force in a location that
    /// serves files: its own, or its server's or the `http` block's, which
    /// it inherits. A location that forwards requests or answers them
    /// itself lists nothing, nor does one without an action that inherits
    /// no raw `root` (nginx's default root is empty in the nginx image), so
    /// `autoindex` there is not reported.
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
                // Without a raw `root`, a location without an action has
                // no folder to list (`location-without-action` says so).
                let root = proxy.inherited_raw(server, "root").is_some();
                let lists = |l: &&Location| {
                    l.action.serves_files() && (root || !matches!(l.action, LocationAction::InheritedRoot))
                };
                for location in server.locations.iter().filter(lists) {
                    let Some(autoindex) = proxy.raw_in_force(server, location, "autoindex") else {
                        continue;
                    };
                    let span = autoindex.text.span;
                    if autoindex.args.first().is_none_or(|a| !a.eq_ignore_ascii_case("on")) || reported.contains(&span)
                    {
                        continue;
                    }
                    reported.push(span);
                    let what = match &location.action {
                        LocationAction::Alias(alias) => format!("the files of volume `{}`", alias.volume.value),
                        _ => "the files of its folder".to_string(),
                    };
                    let mut finding = Self::META
                        .diagnostic(format!("`{}` lists {what} at `{}`", service.name.value, location.key()))
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

#[cfg(test)]
mod tests {
    use crate::source::SourceFile;

    /// The messages of `directory-listing` on a proxy with `server` at the
    /// server level and `location` in its one location.
    fn listed(server: &str, location: &str) -> Vec<String> {
        let spec = format!(
            "stack shop\nproxy nginx {{\n    {server}\n    location /files/ {{\n        {location}\n    }}\n}}\n"
        );
        (crate::lint(&SourceFile::new("t.spec", spec)).diagnostics.iter())
            .filter(|d| d.code == "directory-listing")
            .map(|d| d.message.clone())
            .collect()
    }

    #[test]
    fn a_listing_needs_a_folder_of_files() {
        let on = "nginx \"autoindex on\"";
        // A raw `root` in the server: the location lists its files.
        assert_eq!(listed("nginx \"root /usr/share/nginx/html\"", on).len(), 1);
        // No root at all: nothing to list (location-without-action warns).
        assert!(listed("nginx \"gzip on\"", on).is_empty());
        // A location that answers itself lists nothing.
        assert!(listed(on, "return 204").is_empty());
        assert!(listed("nginx \"root /usr/share/nginx/html\"", "nginx \"autoindex off\"").is_empty());
    }
}

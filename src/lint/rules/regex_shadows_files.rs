use regex_automata::meta::Regex;
use regex_automata::util::syntax;

use crate::diagnostic::Diagnostic;
use crate::ir::{Location, LocationAction, LocationKind, Stack};
use crate::lint::{facts, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a regular expression location (`location ~* "..."`) that
    /// matches files under a plain prefix location serving a volume
    /// (`location /static/ { alias static }`), when the regex location
    /// answers otherwise (the app, PHP-FPM, another root).
    ///
    /// ## Why is this bad?
    /// nginx remembers the longest prefix that matches a request, then
    /// tries the regular expressions, and the first that matches wins:
    /// only a `^~` or `=` location stops that search. An asset-caching
    /// location such as `location ~* "\\.(css|js)$"` then answers
    /// `/static/app.css` itself, so the files `collectstatic` put in the
    /// volume are proxied to the app or looked for under another root
    /// (404), the "static files said to be served by nginx but not" of the
    /// seed stack. It is a warning: stackc checks sample file names of the
    /// usual static types against the regex, and the regex location may
    /// serve the same files by another way on purpose.
    ///
    /// ## Example
    /// ```text
    /// proxy nginx {
    ///     location /static/ { alias static }
    ///     location ~* "\\.(css|js|png)$" {
    ///         proxy_pass app
    ///         nginx "expires 30d"
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Make the file location win with `^~`, which stops the regex search:
    /// ```text
    /// location ^~ /static/ { alias static }
    /// ```
    pub struct RegexShadowsFiles {
        name: "regex-shadows-files",
        severity: Warning,
        summary: "a regex location answers requests for files a prefix location was to serve from a volume",
    }
}

/// File names of the types a static or media folder holds, one per type,
/// checked under the prefix location's path.
const SAMPLE_FILES: &[&str] = &[
    "app.css",
    "app.js",
    "app.mjs",
    "app.js.map",
    "logo.png",
    "photo.jpg",
    "photo.jpeg",
    "anim.gif",
    "image.webp",
    "image.avif",
    "icon.svg",
    "favicon.ico",
    "font.woff",
    "font.woff2",
    "font.ttf",
    "font.eot",
    "font.otf",
    "doc.pdf",
    "data.json",
    "page.html",
    "notes.txt",
    "video.mp4",
    "audio.mp3",
];

impl Rule for RegexShadowsFiles {
    fn check(&self, stack: &Stack, out: &mut Vec<Diagnostic>) {
        for (service, proxy) in facts::proxies(stack) {
            for server in &proxy.servers {
                let regexes: Vec<(&Location, Regex)> = (server.locations.iter())
                    .filter(|l| !matches!(l.action, LocationAction::Return(_)))
                    .filter_map(|l| Some((l, compile(l)?)))
                    .collect();
                if regexes.is_empty() {
                    continue;
                }
                let served = (server.locations.iter())
                    .filter(|l| l.kind == LocationKind::Prefix && matches!(l.action, LocationAction::Alias(_)));
                for files in served {
                    // nginx tries regexes in order: the first that takes a
                    // sample answers it.
                    let taken = SAMPLE_FILES.iter().find_map(|file| {
                        let uri = format!("{}{file}", files.path.value);
                        let (regex, _) = regexes.iter().find(|(_, r)| r.is_match(uri.as_bytes()))?;
                        Some((uri, *regex))
                    });
                    let Some((uri, regex)) = taken else { continue };
                    out.push(
                        Self::META
                            .diagnostic(format!(
                                "`{}`: `{uri}` goes to location `{}`, not to `{}`",
                                service.name.value,
                                regex.key(),
                                files.path.value
                            ))
                            .primary(
                                regex.path.span,
                                format!("matches `{uri}`, and nginx tries it after the prefix"),
                            )
                            .secondary(files.path.span, "meant to serve the volume's files")
                            .help(format!(
                                "write `location ^~ {}` so nginx stops looking at regular expressions there",
                                files.path.value
                            )),
                    );
                }
            }
        }
    }
}

/// The location's regular expression as nginx matches it (bytes, no
/// Unicode classes), or `None` for one that is not a regex or that this
/// engine cannot read (PCRE's look-arounds and back-references).
fn compile(location: &Location) -> Option<Regex> {
    let LocationKind::Regex { caseless } = location.kind else {
        return None;
    };
    let config = syntax::Config::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(caseless);
    Regex::builder().syntax(config).build(&location.path.value).ok()
}

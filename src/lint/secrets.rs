//! What a secret looks like, for the rules that keep secrets out of
//! compose.yaml, command lines and images: names that hold one, values
//! shaped like well-known tokens, passwords in URLs, and random-looking
//! strings, as secret scanners (gitleaks, detect-secrets) recognise them.
//!
//! A value that only refers to a secret is no secret: a placeholder the
//! container or a shell fills in (`${DB_PASSWORD}`, `$$TOKEN`, `<token>`),
//! a path to a file (`/run/secrets/db_password`), a boolean or a number.

use crate::source::Span;
use std::borrow::Cow;

/// Variables whose last word ends like these hold passwords (a word for
/// the value's form may follow: [`KEY_VALUE_WORDS`], `HASH`, a number).
const PASSWORD_WORDS: &[&str] = &["PASSWORD", "PASSWD", "PASSPHRASE"];

/// Whether a normal name's last word is a password's (`DB_PASSWORD`,
/// `PGPASSWORD`), or the words after it only say the value's form
/// (`ADMIN_PASSWORD_B64`, `SMTP_PASSWORD_2`).
fn names_a_password(name: &str) -> bool {
    for word in name.rsplit('_').filter(|w| !w.is_empty()) {
        if PASSWORD_WORDS.iter().any(|p| word.ends_with(p)) {
            return true;
        }
        let form = KEY_VALUE_WORDS.contains(&word) || word == "HASH" || word.bytes().all(|b| b.is_ascii_digit());
        if !form {
            return false;
        }
    }
    false
}

/// Names (`SECRET_KEY`) or name endings (`_TOKEN`) of variables that hold
/// keys, tokens and other secrets that are not passwords.
const KEY_NAMES: &[&str] = &[
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    // Rails' and Phoenix's key (Mastodon, Discourse, Plausible).
    "SECRET_KEY_BASE",
    // Strapi's session keys.
    "APP_KEYS",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CLIENT_SECRET",
    "SIGNING_KEY",
    "ENCRYPTION_KEY",
    "MASTER_KEY",
    "CREDENTIALS",
    "CREDS",
    // A message-signing key by its algorithm's name (`WEBHOOK_HMAC`).
    "HMAC",
    "HMAC_KEY",
    // A hash's secret salt (WordPress's `NONCE_SALT`, Langfuse's `SALT`).
    "SALT",
    // The shared secret of an Erlang cluster (RabbitMQ's nodes and CLI).
    "ERLANG_COOKIE",
    "RELEASE_COOKIE",
    // Redis's password where a client reads it (`REDISCLI_AUTH`,
    // Langfuse's `REDIS_AUTH`); `SMTP_AUTH=login` names a method instead.
    "REDIS_AUTH",
    "REDISCLI_AUTH",
    "VALKEY_AUTH",
    // A one-time password generator's shared secret, a wallet's words.
    "OTP_SEED",
    "TOTP_SEED",
    "SEED_PHRASE",
    "MNEMONIC",
    // A paid product's key (a self-hosted edition's licence).
    "LICENSE_KEY",
    "LICENCE_KEY",
];

/// Words that end in `PASS` and say nothing of a password.
const NOT_PASS: &[&str] = &["BYPASS", "COMPASS", "SURPASS", "OVERPASS", "UNDERPASS"];

/// Words beside `PIN` that make it a certificate's public pin, no secret.
const PUBLIC_PIN_WORDS: &[&str] = &["CERT", "SSL", "TLS", "HPKP", "PUBKEY", "PUBLIC", "SHA256"];

/// Endings of a name's last word that hold a key written as one word with
/// what it is for: Vikunja's `VIKUNJA_SERVICE_JWTSECRET`, `APP_AUTHTOKEN`.
const COMPOUND_KEY_ENDINGS: &[&str] = &["SECRET", "TOKEN"];

/// Words that make a name a key's before a last word that says it is the
/// key's value itself ([`KEY_VALUE_WORDS`]: `APP_TOKEN_VALUE`,
/// `JWT_SECRET_B64`); before any other (`ACCESS_TOKEN_EXPIRES_IN`,
/// `SECRET_BACKEND`, `JWT_TOKEN_LOCATION`) they only hint at one.
const KEY_WORDS: &[&str] = &["SECRET", "TOKEN", "CREDENTIALS"];

/// Last words that name a key's value, in a form or an encoding.
const KEY_VALUE_WORDS: &[&str] = &["VALUE", "B64", "BASE64", "HEX", "STRING", "STR", "RAW", "PLAIN", "KEY"];

/// Name endings (`_` and one word) of variables about a secret that hold
/// none: a file or path to it, a lifetime, a length, a setting of how it is used.
const NOT_A_SECRET: &[&str] = &[
    "_FILE",
    "_STDIN",
    "_PROMPT",
    "_PATH",
    "_DIR",
    "_TIMEOUT",
    "_LENGTH",
    "_LEN",
    "_MIN",
    "_MAX",
    "_AGE",
    "_TTL",
    "_LIFETIME",
    "_POLICY",
    "_HASHERS",
    "_VALIDATORS",
    "_METHOD",
    "_ENCRYPTION",
    "_DAYS",
    "_EXPIRY",
];

/// Words that hint at a secret without naming one (`STRIPE_KEY`,
/// `AUTH_HEADER_VALUE`): only a value that also looks random counts.
const HINT_WORDS: &[&str] = &[
    "KEY",
    "SECRET",
    "TOKEN",
    "AUTH",
    "CREDENTIAL",
    "PRIVATE",
    "SIGNATURE",
    "SALT",
    "API",
    "ACCESS",
    "CLIENT",
    "PASS",
    "PWD",
    "DSN",
];

/// The name in upper case, `-` and a camelCase word's start as `_`:
/// `--api-key`, `apiKey` and `API_KEY` alike, `DjangoSecretKey` as
/// `DJANGO_SECRET_KEY`. Borrowed when it is so already, as most variable
/// names are: names are asked about many times per spec.
fn normal_name(name: &str) -> Cow<'_, str> {
    let name = name.trim_start_matches('-');
    if !name.bytes().any(|b| b == b'-' || b.is_ascii_lowercase()) {
        return Cow::Borrowed(name);
    }
    let mut normal = String::with_capacity(name.len() + 4);
    let mut after_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && after_lower {
            normal.push('_');
        }
        after_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        normal.push(if c == '-' { '_' } else { c.to_ascii_uppercase() });
    }
    Cow::Owned(normal)
}

/// Words of switches named after a password that hold none:
/// `MYSQL_ALLOW_EMPTY_PASSWORD=yes`, `MARIADB_RANDOM_ROOT_PASSWORD=1`,
/// `MYSQL_ONETIME_PASSWORD=yes`.
/// Also a setting that turns a password's use on or off
/// (`REQUIRE_PASSWORD`, `GITEA__service__ENABLE_PASSWORD_SIGNIN_FORM`).
const SWITCH_WORDS: &[&str] = &[
    "ALLOW_EMPTY",
    "RANDOM",
    "ONETIME",
    "REQUIRE",
    "ENABLE",
    "DISABLE",
    "SHOW",
    "HIDE",
];

/// The last `_`-separated word of a normal name: `FILE` of `DB_PASSWORD_FILE`.
fn last_word(name: &str) -> &str {
    match name.bytes().rposition(|b| b == b'_') {
        Some(underscore) => &name[underscore + 1..],
        None => name,
    }
}

/// `name.contains(word)` for the short names here: a search that compares
/// only where the first letter matches, instead of setting up a general
/// substring search for every word of a table.
fn has_word(name: &str, word: &str) -> bool {
    let (name, word) = (name.as_bytes(), word.as_bytes());
    name.windows(word.len()).any(|at| at[0] == word[0] && at == word)
}

fn about_a_secret(name: &str) -> bool {
    // Each ending is `_` and one word.
    let ending = last_word(name);
    let holds_none = ending.len() < name.len() && NOT_A_SECRET.iter().any(|suffix| suffix[1..] == *ending);
    !holds_none && !name.starts_with("NO_") && !SWITCH_WORDS.iter().any(|word| has_word(name, word))
}

/// What a variable's or option's name says its value is, each answer
/// worked out when asked (most names are asked one or two questions).
struct NameSays<'a> {
    /// Upper case, `-` as `_`.
    normal: Cow<'a, str>,
    /// A name a web framework hands to the browser ([`PUBLIC_PREFIXES`]).
    public: bool,
}

/// Prefixes of the variables web frameworks build into the code they
/// send to browsers (Next.js, Nuxt, Expo, Vite, Create React App, Gatsby,
/// SvelteKit): a key under one is a public one by design (a Firebase web
/// API key, a maps key restricted to the site), never a password.
const PUBLIC_PREFIXES: &[&str] = &[
    "NEXT_PUBLIC_",
    "NUXT_PUBLIC_",
    "EXPO_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "GATSBY_",
    "PUBLIC_",
];

/// Well-known tokens that are public by design under a public name: a
/// Google API key is how a browser app calls Firebase or Maps.
const BROWSER_KEYS: &[&str] = &["a Google API key"];

impl<'a> NameSays<'a> {
    fn of(name: &'a str) -> Self {
        let normal = normal_name(name);
        let public = PUBLIC_PREFIXES.iter().any(|prefix| normal.starts_with(prefix));
        NameSays { normal, public }
    }

    /// The name, unless it is about a secret that it holds none of
    /// (`DB_PASSWORD_FILE`): then it says nothing. Asked last, when the
    /// name has a secret's words (most names have none).
    fn telling(&self, says: impl FnOnce(&str) -> bool) -> bool {
        says(&self.normal) && about_a_secret(&self.normal)
    }

    /// `POSTGRES_PASSWORD`, `RABBITMQ_DEFAULT_PASS`, `LDAP_BIND_PW`,
    /// `--password`, `PGPASSWORD`, `ADMIN_PASSWORD_B64`; not `PWD`, the
    /// shell's working folder, nor a setting about passwords
    /// (`GITEA__security__PASSWORD_COMPLEXITY`, `PASSWORD_RESET_URL`,
    /// `MM_PASSWORDSETTINGS_MINIMUMLENGTH`), where a word follows the
    /// password's that is not one for its form.
    fn password(&self) -> bool {
        self.telling(|name| {
            let last = last_word(name);
            names_a_password(name)
                || matches!(name, "PW")
                || ["_PWD", "_PW", "PASS_WORD"].iter().any(|end| name.ends_with(end))
                // `PGPASS`, `DBPASS`, `RABBITMQ_DEFAULT_PASS`.
                || (last.ends_with("PASS") && !NOT_PASS.contains(&last))
                // `ADMIN_PIN`; not a certificate's pin.
                || (last == "PIN" && !name.split('_').any(|word| PUBLIC_PIN_WORDS.contains(&word)))
        })
    }

    /// A password of digits is one still (`ADMIN_PIN=4821`), where a
    /// number under another name is a setting.
    fn holds_digits(&self, value: &str) -> bool {
        value.len() >= 4 && value.bytes().all(|b| b.is_ascii_digit()) && self.password()
    }

    /// A key, token or other secret that is no password: `SECRET_KEY`,
    /// `SENTRY_AUTH_TOKEN`, `--api-key`; not one a browser gets
    /// (`NEXT_PUBLIC_FIREBASE_API_KEY`).
    fn key(&self) -> bool {
        !self.public
            && self.telling(|name| {
                // The last letters, compared first, rule out most of the table.
                (KEY_NAMES
                    .iter()
                    .filter(|k| k.as_bytes().last() == name.as_bytes().last()))
                .any(|k| {
                    name.strip_suffix(k)
                        .is_some_and(|rest| rest.is_empty() || rest.ends_with('_'))
                }) || COMPOUND_KEY_ENDINGS.iter().any(|e| last_word(name).ends_with(e))
                    || (KEY_VALUE_WORDS.contains(&last_word(name))
                        && name.split('_').any(|word| KEY_WORDS.contains(&word)))
            })
    }

    /// A word that hints at a secret (`STRIPE_KEY`), for values that look
    /// random.
    fn hint(&self) -> bool {
        self.telling(|name| {
            name.split('_').any(|word| {
                (HINT_WORDS.iter()).any(|h| word.as_bytes().first() == h.as_bytes().first() && word.starts_with(h))
            })
        })
    }

    fn secret(&self) -> bool {
        self.password() || self.key()
    }
}

/// A variable or option name that holds a password: `POSTGRES_PASSWORD`,
/// `RABBITMQ_DEFAULT_PASS`, `--password`; not `POSTGRES_PASSWORD_FILE`.
pub fn is_password_name(name: &str) -> bool {
    NameSays::of(name).password()
}

/// A name that says it holds a secret of some kind.
pub fn is_secret_name(name: &str) -> bool {
    NameSays::of(name).secret()
}

/// Whether what follows a `$` in a value may be quoted in a finding: a
/// variable's name as such names are written (`SECRET_KEY`, `HOME`), not
/// the rest of a password that holds a `$` (`Tr0ub4dor$Secr3tTail`, a
/// bcrypt hash's `$2y$05$...`), which compose reads as a name too.
pub fn is_quotable_variable(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_uppercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// A value that refers to a secret or is none: empty, a placeholder, a
/// path, a boolean, a number, or a URL without a password.
pub fn is_inert(value: &str) -> bool {
    let value = value.trim();
    value.is_empty()
        || refers_to_secret(value)
        || crate::lint::facts::is_truthy(value)
        || matches!(
            value.to_ascii_lowercase().as_str(),
            "false" | "0" | "no" | "off" | "none" | "null"
        )
        || value.chars().all(|c| c.is_ascii_digit() || c == '.')
        || (after_scheme(value).is_some() && url_password(value).is_none() && known_token(value).is_none())
}

/// Filled in later, by the container, a shell or a template engine, or
/// plainly a stand-in: `${VAR}`, `$VAR`, `$$VAR`, `$(cat file)`,
/// `{{ var }}`, `<token>`, `%(password)s`, `***`, `xxxx`. A `$` inside a
/// value (`pa$$word`) is no placeholder: spec values are literal.
pub fn is_placeholder(value: &str) -> bool {
    let reference = value.trim_start_matches('$');
    let is_variable = reference.len() < value.len()
        && reference.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && reference.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_variable
        || value.contains("${")
        || value.contains("$(")
        || value.contains("{{")
        || value.contains("%(")
        || (value.starts_with('<') && value.ends_with('>'))
        || value
            .chars()
            .all(|c| matches!(c, 'x' | 'X' | '*' | '.' | '-' | '_' | '#'))
}

/// A value that names where a secret is rather than holding one: a
/// placeholder or a path (`/run/secrets/db_password`), also as a `file://`
/// URL, which authentik reads a setting's value from.
pub fn refers_to_secret(value: &str) -> bool {
    is_placeholder(value) || is_path(value.strip_prefix("file://").unwrap_or(value))
}

/// A path in the container or on the host: `/run/secrets/x`, `./key.pem`.
fn is_path(value: &str) -> bool {
    let rest = ["/", "./", "../", "~/"].iter().find_map(|p| value.strip_prefix(p));
    rest.is_some_and(|rest| {
        rest.split('/')
            .all(|part| part.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c)))
    })
}

/// What follows a URL's `scheme://`. Most values have no `:` at all, so
/// that is looked for first (a byte search) before `://`.
fn after_scheme(value: &str) -> Option<&str> {
    let colon = value.find(':')?;
    value[colon..].split_once("://").map(|(_, rest)| rest)
}

/// `scheme://user:PASSWORD@host...`: the password written in a URL, unless
/// it is a placeholder.
pub fn url_password(value: &str) -> Option<&str> {
    url_password_place(value).filter(|password| !password.is_empty() && !is_placeholder(password))
}

/// What stands where a URL's password goes, `${DB_PASSWORD}` included.
pub fn url_password_place(value: &str) -> Option<&str> {
    after_scheme(value)?;
    super::facts::UrlParts::of(value)?.password
}

/// The schemes of the password hashes htpasswd writes (Apache's MD5,
/// bcrypt, SHA-1, and crypt's MD5, SHA-256 and SHA-512).
const HASH_PREFIXES: &[&str] = &["$apr1$", "$2y$", "$2a$", "$2b$", "{SHA}", "$1$", "$5$", "$6$"];

/// A password hash as htpasswd writes it (`$apr1$SALT$HASH`,
/// `$2y$10$...`, `{SHA}...`): a credential still, which a dictionary
/// cracks offline.
pub fn is_password_hash(value: &str) -> bool {
    HASH_PREFIXES.iter().any(|prefix| {
        value.strip_prefix(prefix).is_some_and(|rest| {
            rest.len() >= 20 && rest.chars().all(|c| c.is_ascii_alphanumeric() || "./$=+".contains(c))
        })
    })
}

/// htpasswd lines, as Traefik's `basicauth.users` takes them: `user:HASH`
/// entries, separated by commas (one of them a hash is enough).
pub fn is_htpasswd(value: &str) -> bool {
    value.split(',').any(|entry| {
        entry
            .trim()
            .split_once(':')
            .is_some_and(|(user, hash)| !user.is_empty() && is_password_hash(hash))
    })
}

/// The host of a URL with a password in it (`db` in
/// `postgres://shop:hunter2@db:5432/shop`).
pub fn url_password_host(value: &str) -> Option<&str> {
    url_password(value)?;
    super::facts::address_host(value)
}

/// A secret in a string whatever name it has: a password in a URL, a
/// secret-named parameter of a URL's query, or a well-known token; what
/// it is, for a label.
pub fn leak_in(value: &str) -> Option<String> {
    if cannot_leak(value) {
        return None;
    }
    if url_password(value).is_some() {
        return Some("a URL with a password in it".to_string());
    }
    if is_htpasswd(value) {
        return Some("a password hash (htpasswd)".to_string());
    }
    if let Some(token) = known_token(value) {
        return Some(token.to_string());
    }
    if let Some(scheme) = authorization_credentials(value) {
        return Some(format!("`{scheme}` credentials"));
    }
    // Options for a program, kept in a variable (`EXTRA_ARGS=--api-key=...`),
    // and Java's system properties (`JAVA_OPTS=-Dspring.datasource.password=...`).
    let option = value.split_whitespace().find_map(|word| {
        let (dashes, word) = match word.strip_prefix("--") {
            Some(rest) => ("--", rest),
            None => ("-D", word.strip_prefix("-D")?),
        };
        let (name, secret) = word.split_once('=')?;
        (is_secret_name(name) && !is_inert(secret.trim_matches(['"', '\'']))).then_some((dashes, name))
    });
    if let Some((dashes, name)) = option {
        return Some(format!("a `{dashes}{name}=` option"));
    }
    if let Some(name) = json_secret(value) {
        return Some(format!("a `\"{name}\"` value in JSON"));
    }
    if let Some(what) = connection_string_password(value) {
        return Some(what.to_string());
    }
    // A URL, or a path of this host (a probe's `/health?token=...`).
    let target = after_scheme(value).or_else(|| value.starts_with('/').then_some(value))?;
    let (_, query) = target.split_once('?')?;
    let (name, _) = query
        .split(['&', '#'])
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, v)| is_secret_name(name) && !is_inert(v))?;
    Some(format!("a URL with `{name}=` in its query"))
}

/// The name of a secret-named member of a JSON object written in a value
/// (`{"password": "hunter2"}`) whose string is not inert.
fn json_secret(value: &str) -> Option<&str> {
    if !value.trim_start().starts_with(['{', '[']) {
        return None;
    }
    let mut rest = value;
    while let Some(open) = rest.find('"') {
        let after = &rest[open + 1..];
        let close = after.find('"')?;
        let (key, tail) = (&after[..close], &after[close + 1..]);
        let member = tail.trim_start().strip_prefix(':').map(str::trim_start);
        if let Some(string) = member.and_then(|m| m.strip_prefix('"')) {
            let end = string.find('"')?;
            if is_secret_name(key) && !is_inert(&string[..end]) {
                return Some(key);
            }
        }
        rest = tail;
    }
    None
}

/// A value [`leak_in`] finds nothing in, told at a glance: shorter than
/// any token it knows, with no `:` (a URL, `user:hash`, a DSN), no `=`
/// (an option, a query, `password=`) and no blank (`Bearer TOKEN`, a
/// private key's header). Most values and command words are such
/// (`db`, `app`, `--workers`), and lint asks about each several times.
fn cannot_leak(value: &str) -> bool {
    value.len() < SHORTEST_TOKEN && !value.bytes().any(|b| b == b':' || b == b'=' || b.is_ascii_whitespace())
}

/// The scheme of an `Authorization` header's value written whole
/// (`Bearer TOKEN`, `Basic BASE64`), whatever holds it: a token of 16
/// characters or more that is no placeholder.
fn authorization_credentials(value: &str) -> Option<&'static str> {
    let (scheme, credentials) = value.trim().split_once(' ')?;
    let scheme = ["Bearer", "Basic", "Token"]
        .into_iter()
        .find(|s| scheme.eq_ignore_ascii_case(s))?;
    let credentials = credentials.trim();
    let token_like = credentials.len() >= 16
        && credentials
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~+/=".contains(c));
    (token_like && !is_placeholder(credentials)).then_some(scheme)
}

/// A password in a database connection string that is no URL: libpq's
/// and ADO.NET's `key=value` forms (`host=db user=app password=hunter2`,
/// `Server=db;User Id=sa;Password=hunter2;`), and the Go MySQL driver's
/// `user:PASSWORD@tcp(db:3306)/app`. A placeholder is no password.
fn connection_string_password(value: &str) -> Option<&'static str> {
    let keyword = value
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter_map(|pair| pair.split_once('='))
        .any(|(key, password)| {
            let password = password.trim_matches(|c| c == '\'' || c == '"');
            ["password", "pwd"].iter().any(|k| key.trim().eq_ignore_ascii_case(k))
                && !password.is_empty()
                && !is_placeholder(password)
        });
    if keyword {
        return Some("a connection string with a password in it");
    }
    let go_dsn = ["@tcp(", "@tcp6(", "@unix("].iter().find_map(|at| value.find(at))?;
    let credentials = value[..go_dsn].rsplit(|c: char| c.is_whitespace() || c == '=').next()?;
    let (_, password) = credentials.split_once(':')?;
    (!password.is_empty() && !is_placeholder(password)).then_some("a DSN with a password in it")
}

/// The secret an HTTP header carries: an `Authorization` header's
/// credentials, or the value of a header named for a secret (`X-Api-Key`).
pub fn header_secret(name: &str, value: &str) -> Option<String> {
    let authorization = ["authorization", "proxy-authorization"]
        .iter()
        .any(|a| name.eq_ignore_ascii_case(a));
    if authorization {
        let credentials = value.split_whitespace().last()?;
        return (!is_inert(credentials)).then(|| format!("the `{name}` header's credentials"));
    }
    match classify(Some(name), value)? {
        Finding::Certain(what) => Some(format!("{what} in the `{name}` header")),
        Finding::Likely(_) => None,
    }
}

/// Well-known token formats: a prefix, the fewest characters after it,
/// and what it is.
const TOKENS: &[(&str, usize, &str)] = &[
    ("ghp_", 36, "a GitHub token"),
    ("gho_", 36, "a GitHub token"),
    ("ghu_", 36, "a GitHub token"),
    ("ghs_", 36, "a GitHub token"),
    ("ghr_", 36, "a GitHub token"),
    ("github_pat_", 22, "a GitHub token"),
    ("glpat-", 20, "a GitLab token"),
    ("sk_live_", 16, "a Stripe secret key"),
    ("rk_live_", 16, "a Stripe restricted key"),
    ("sk_test_", 16, "a Stripe test key"),
    ("xoxb-", 10, "a Slack token"),
    ("xoxp-", 10, "a Slack token"),
    ("xoxa-", 10, "a Slack token"),
    ("xoxr-", 10, "a Slack token"),
    ("xoxs-", 10, "a Slack token"),
    ("https://hooks.slack.com/services/", 20, "a Slack webhook"),
    ("AIza", 35, "a Google API key"),
    ("sk-ant-", 32, "an Anthropic key"),
    ("sk-proj-", 32, "an OpenAI key"),
    ("npm_", 36, "an npm token"),
    ("pypi-AgEIcHlwaS5vcmc", 32, "a PyPI token"),
    ("sntrys_", 32, "a Sentry token"),
    ("dop_v1_", 32, "a DigitalOcean token"),
    ("shpat_", 32, "a Shopify token"),
    ("hvs.", 24, "a Vault token"),
    ("SG.", 40, "a SendGrid key"),
    ("hf_", 34, "a Hugging Face token"),
    ("dckr_pat_", 24, "a Docker Hub token"),
    ("glrt-", 20, "a GitLab runner token"),
    ("lin_api_", 32, "a Linear key"),
];

/// The kind of a well-known token or private key found in the value.
pub fn known_token(value: &str) -> Option<&'static str> {
    let (begin, private) = ("-----BEGIN", "PRIVATE KEY");
    if value.len() >= begin.len() + private.len() && value.contains(begin) && value.contains(private) {
        return Some("a private key");
    }
    token_word(value).map(|(what, _)| what)
}

/// `value` with the secrets in it (a URL's password, a well-known token)
/// masked as every snippet masks them ([`crate::source::masked`]), for a
/// message that names a path or an address the user wrote.
pub fn hidden(value: &str) -> Cow<'_, str> {
    let at = |part: &str| {
        let start = part.as_ptr() as usize - value.as_ptr() as usize;
        Span::new(start, start + part.len())
    };
    let spans: Vec<Span> = (url_password(value).into_iter())
        .chain(token_word(value).map(|(_, word)| word))
        .map(at)
        .collect();
    crate::source::masked(value, &spans)
}

/// Where in `line` the secrets [`leak_in`] finds are: a URL's password or
/// a token's word, else the whole line (a `--api-key=` option, a
/// connection string); empty when it finds none.
pub fn leak_spans(line: &str) -> Vec<Span> {
    if leak_in(line).is_none() {
        return Vec::new();
    }
    let at = |part: &str| {
        let start = part.as_ptr() as usize - line.as_ptr() as usize;
        Span::new(start, start + part.len())
    };
    let parts: Vec<Span> = (url_password(line).into_iter())
        .chain(token_word(line).map(|(_, word)| word))
        .map(at)
        .collect();
    match parts.is_empty() {
        true => vec![Span::new(0, line.len())],
        false => parts,
    }
}

/// A well-known token in the value: its kind and the word it is.
fn token_word(value: &str) -> Option<(&'static str, &str)> {
    // Most values (a host, a port, a mode) are too short to hold one.
    if value.len() < SHORTEST_TOKEN {
        return None;
    }
    let words = value.split(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '=' | ',' | ';' | '(' | ')' | '[' | ']' | '{' | '}')
    });
    // Each word, and the parts of a URL or path it is: a token as a URL's
    // user (`https://ghp_...@github.com/...`) or in its path
    // (`/hooks/ghp_...`).
    let parts = words.flat_map(|word| {
        let parts = word
            .split(['/', '@', ':', '?', '&', '#'])
            .filter(move |part| part.len() < word.len());
        std::iter::once(word).chain(parts)
    });
    for word in parts.filter(|word| word.len() >= SHORTEST_TOKEN) {
        if aws_access_key_id(word) {
            return Some(("an AWS access key ID", word));
        }
        if laravel_key(word) {
            return Some(("a Laravel application key", word));
        }
        let found = TOKENS.iter().find(|(prefix, min, _)| {
            word.strip_prefix(prefix).is_some_and(|rest| {
                rest.len() >= *min && rest.chars().all(|c| c.is_ascii_alphanumeric() || "_-./".contains(c))
            })
        });
        if let Some((_, _, what)) = found {
            return Some((what, word));
        }
    }
    None
}

/// The length of the shortest word [`known_token`] can recognise (an AWS
/// access key ID is 20): shorter words are not compared with every prefix.
const SHORTEST_TOKEN: usize = {
    let mut shortest = 20;
    let mut i = 0;
    while i < TOKENS.len() {
        let (prefix, min, _) = TOKENS[i];
        if prefix.len() + min < shortest {
            shortest = prefix.len() + min;
        }
        i += 1;
    }
    shortest
};

/// `AKIA` or `ASIA` and 16 capitals or digits.
fn aws_access_key_id(word: &str) -> bool {
    word.len() == 20
        && (word.starts_with("AKIA") || word.starts_with("ASIA"))
        && word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Laravel's `APP_KEY`: `base64:` and a random key of 32 bytes or more
/// (the word up to its `=` padding, which splits words).
fn laravel_key(word: &str) -> bool {
    word.strip_prefix("base64:")
        .is_some_and(|key| key.len() >= 42 && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/'))
}

/// A JSON Web Token: three base64url parts, the first two JSON objects.
pub fn is_jwt(value: &str) -> bool {
    let mut parts = value.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    header.starts_with("eyJ")
        && payload.starts_with("eyJ")
        && [header, payload, signature]
            .iter()
            .all(|p| p.len() >= 8 && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
}

/// Shannon entropy of the value, in bits per character.
pub fn entropy(value: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in value.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let total = value.chars().count() as f64;
    counts
        .values()
        .map(|&n| {
            let p = n as f64 / total;
            -p * p.log2()
        })
        .sum()
}

/// Entropy from which a token-shaped value counts as random; gitleaks'
/// generic rule uses 3.5.
const RANDOM_ENTROPY: f64 = 3.5;

/// A value shaped like a generated key: one word of 16 or more token
/// characters, of letters and digits both, and random (its entropy over
/// 3.5 bits per character). Words, paths and URLs are not.
pub fn looks_random(value: &str) -> bool {
    let value = value.trim();
    value.chars().count() >= 16
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=_-.~".contains(c))
        && value.chars().any(|c| c.is_ascii_digit())
        && value.chars().any(|c| c.is_ascii_alphabetic())
        && !is_inert(value)
        && entropy(value) >= RANDOM_ENTROPY
}

/// What a value, under a name when it has one, holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// Surely a secret: a password in a URL, a well-known token, a literal
    /// value of a variable named for a secret.
    Certain(String),
    /// Likely a secret: a JSON Web Token, or a random-looking value under
    /// a name that hints at one.
    Likely(String),
}

/// Whether `value` (the value of `name`, when it has one) is a secret
/// written out.
pub fn classify(name: Option<&str>, value: &str) -> Option<Finding> {
    let value = value.trim();
    let says = name.map(NameSays::of);
    if let Some(leak) = leak_in(value) {
        if says.as_ref().is_some_and(|says| says.public) && BROWSER_KEYS.contains(&leak.as_str()) {
            return Some(Finding::Likely(format!("{leak}, which may be the browser's")));
        }
        return Some(Finding::Certain(leak));
    }
    if says
        .as_ref()
        .is_some_and(|says| says.secret() && (!is_inert(value) || says.holds_digits(value)))
    {
        let what = if says.as_ref().is_some_and(NameSays::password) {
            "password"
        } else {
            "key"
        };
        return Some(Finding::Certain(format!("a literal {what}")));
    }
    // A name the browser gets holds a public key by design (Supabase's
    // anon JWT, a search-only key): only a token known to be secret (above)
    // is flagged there.
    let public = says.as_ref().is_some_and(|says| says.public);
    if is_jwt(value) && !public {
        return Some(Finding::Likely("a JSON Web Token".to_string()));
    }
    (says.is_some_and(|says| says.hint()) && !public && looks_random(value))
        .then(|| Finding::Likely("a random-looking value under a name that hints at a secret".to_string()))
}

/// `--NAME=VALUE` options, and `--NAME VALUE` when `separate` (the next
/// word, when it is no option itself).
pub fn long_options(args: &[String], separate: bool) -> Vec<(&str, &str)> {
    args.iter()
        .enumerate()
        .filter_map(|(i, word)| {
            let option = word.strip_prefix("--")?;
            match option.split_once('=') {
                Some(pair) => Some(pair),
                None if separate => Some((option, args.get(i + 1).filter(|next| !next.starts_with('-'))?.as_str())),
                None => None,
            }
        })
        .collect()
}

/// Every string of a raw compose value, with the name it is under: a map
/// key, or the `NAME` of a `NAME=VALUE` list item (compose's list form of
/// `labels` and `environment`).
pub fn named_strings(value: &serde_json::Value) -> Vec<(Option<&str>, &str)> {
    fn walk<'a>(value: &'a serde_json::Value, name: Option<&'a str>, out: &mut Vec<(Option<&'a str>, &'a str)>) {
        match value {
            serde_json::Value::String(text) => match (name, assignment(text)) {
                (None, Some((key, inner))) => out.push((Some(key), inner)),
                _ => out.push((name, text)),
            },
            serde_json::Value::Array(items) => items.iter().for_each(|item| walk(item, None, out)),
            serde_json::Value::Object(map) => map.iter().for_each(|(key, item)| walk(item, Some(key), out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, None, &mut out);
    out
}

/// The values a raw Dockerfile line writes into the image, each with its
/// name: the pairs of `ENV`, `ARG` and `LABEL` (also `ENV NAME VALUE`),
/// and every word of any other instruction, split at `=` when it is an
/// assignment. A stand-in until Dockerfiles are read by a real parser.
pub fn dockerfile_values(line: &str) -> Vec<(Option<String>, String)> {
    let (instruction, rest) = line.trim().split_once(char::is_whitespace).unwrap_or((line, ""));
    let words = shlex::split(rest).unwrap_or_else(|| rest.split_whitespace().map(str::to_string).collect());
    let named = |word: &String| match assignment(word) {
        Some((name, value)) => (Some(name.to_string()), value.to_string()),
        None => (None, word.clone()),
    };
    let keeps_pairs = ["ENV", "ARG", "LABEL"]
        .iter()
        .any(|i| i.eq_ignore_ascii_case(instruction));
    match words.split_first() {
        Some((name, value)) if keeps_pairs && assignment(name).is_none() && !value.is_empty() => {
            vec![(Some(name.clone()), value.join(" "))]
        }
        _ => words.iter().map(named).collect(),
    }
}

/// The `NAME=VALUE` a word or a label holds, when the name is a variable
/// name.
pub fn assignment(word: &str) -> Option<(&str, &str)> {
    let (name, value) = word.split_once('=')?;
    let is_name = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    is_name.then_some((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ending_that_is_no_secret_is_one_word() {
        // `about_a_secret` compares a name's last word with them.
        assert!(NOT_A_SECRET.iter().all(|s| s.starts_with('_') && !s[1..].contains('_')));
    }

    #[test]
    fn names_that_hold_secrets() {
        for name in [
            "POSTGRES_PASSWORD",
            "RABBITMQ_DEFAULT_PASS",
            "--password",
            "MYSQL_ROOT_PASSWORD",
            "DB_PWD",
            "DB_PW",
            "LDAP_BIND_PW",
            "ADMIN_PASS_WORD",
            "dbPassword",
            "-db-password",
            "PGPASSWORD",
            "GITEA__database__PASSWD",
            "ADMIN_PASSWORD_B64",
            "SMTP_PASSWORD_2",
            "KEYSTORE_PASSPHRASE",
            "PGPASS",
            "DBPASS",
            "PASS",
            "ADMIN_PIN",
            "PIN",
        ] {
            assert!(is_password_name(name), "{name}");
        }
        for name in [
            "SECRET_KEY",
            "DJANGO_SECRET_KEY",
            "SENTRY_AUTH_TOKEN",
            "--api-key",
            "JWT_SECRET",
            "TOKEN",
            "SECRET_KEY_BASE",
            "APP_KEYS",
            "VIKUNJA_SERVICE_JWTSECRET",
            "APP_AUTHTOKEN",
            "DjangoSecretKey",
            "apiKey",
            "OAuthToken",
            "APP_TOKEN_VALUE",
            "JWT_SECRET_B64",
            "SALT",
            "NONCE_SALT",
            "RABBITMQ_ERLANG_COOKIE",
            "REDIS_AUTH",
            "LANGFUSE_REDIS_AUTH",
            "REDISCLI_AUTH",
            "OTP_SEED",
            "TOTP_SEED",
            "MNEMONIC",
            "LICENSE_KEY",
        ] {
            assert!(NameSays::of(name).key(), "{name}");
        }
        for name in [
            "POSTGRES_PASSWORD_FILE",
            "PASSWORD_RESET_TIMEOUT",
            "SECRET_KEY_FILE",
            "TOKEN_TTL",
            "AWS_ACCESS_KEY_ID",
            "CSRF_TOKEN_HEADER",
            "--password-stdin",
            "--no-password",
            "PWD",
            "OLDPWD",
            "PW_LENGTH",
            "PowerLevel",
            "TOKEN_URL",
            "OIDC_TOKEN_ENDPOINT",
            "VAULT_SECRET_NAME",
            "JWT_TOKEN_ISSUER",
            "ACCESS_TOKEN_EXPIRES_IN",
            "JWT_TOKEN_LOCATION",
            "REFRESH_TOKEN_COOKIE_SAME_SITE",
            "SECRET_BACKEND",
            "TOKEN_STORE",
            "KEYCLOAK_URL",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "MARIADB_RANDOM_ROOT_PASSWORD",
            "MYSQL_ONETIME_PASSWORD",
            "SMTP_AUTH",
            "BCRYPT_SALT_ROUNDS",
            "SESSION_COOKIE_NAME",
            "GITEA__security__PASSWORD_COMPLEXITY",
            "GITEA__security__PASSWORD_HASH_ALGO",
            "GITEA__service__ENABLE_PASSWORD_SIGNIN_FORM",
            "MM_PASSWORDSETTINGS_MINIMUMLENGTH",
            "PASSWORD_RESET_URL",
            "LDAP_PASSWORD_ATTRIBUTE",
            "KC_SPI_PASSWORD_HASHING_PROVIDER",
            "PASSWORDLESS",
            "PASSWORD_HINTS_ALLOWED",
            "REQUIRE_PASSWORD",
            "SHOW_PASSWORD_HINT",
            "CACHE_BYPASS",
            "CERT_PIN",
            "PIN_CODE_LENGTH",
            "RANDOM_SEED",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
        for name in ["NEXT_PUBLIC_FIREBASE_API_KEY", "VITE_MAPS_API_KEY", "REACT_APP_TOKEN"] {
            assert!(!is_secret_name(name), "{name}");
        }
        assert!(is_password_name("VITE_DB_PASSWORD"));
        // A password of digits is one; a number under another name is a setting.
        assert!(classify(Some("ADMIN_PIN"), "4821").is_some());
        assert!(classify(Some("DB_PASSWORD"), "98237498").is_some());
        assert!(classify(Some("SECRET_KEY_ROTATION_DAYS"), "3650").is_none());
        assert!(classify(Some("DB_PASSWORD"), "0").is_none());
        assert_eq!(
            classify(
                Some("NEXT_PUBLIC_FIREBASE_API_KEY"),
                "AIzaSyDOCAbC123dEf456GhI789jKl012-MnOpq"
            ),
            Some(Finding::Likely("a Google API key, which may be the browser's".into()))
        );
        assert!(matches!(
            classify(Some("NEXT_PUBLIC_STRIPE_KEY"), "sk_live_0123456789abcdef"),
            Some(Finding::Certain(_))
        ));
        // Public by design under a name the browser gets.
        let anon = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiJ9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";
        assert!(is_jwt(anon));
        assert_eq!(classify(Some("NEXT_PUBLIC_SUPABASE_ANON_KEY"), anon), None);
        assert_eq!(
            classify(Some("VITE_POSTHOG_KEY"), "phc_Q7xK2mN9vB4cR8tY1wE6uI3oP5aS0dF"),
            None
        );
        assert!(classify(Some("SUPABASE_SERVICE_KEY"), anon).is_some());
        let hints = |name| NameSays::of(name).hint();
        assert!(hints("STRIPE_KEY") && hints("AUTH_HEADER_VALUE") && !hints("MONKEY_COUNT"));
    }

    #[test]
    fn references_are_no_secrets() {
        for value in [
            "",
            "${DB_PASSWORD}",
            "$$TOKEN",
            "$(cat /run/secrets/x)",
            "<your-token>",
            "{{ vault_token }}",
            "/run/secrets/db_password",
            "file:///run/secrets/pg_pass",
            "./key.pem",
            "true",
            "8080",
            "******",
            "postgres://app@db/app",
            "https://example.com/callback",
        ] {
            assert!(is_inert(value), "{value:?}");
        }
        for value in [
            "hunter2",
            "postgres://app:hunter2@db/app",
            "django-insecure-k3y",
            "pa$$word",
            "inf",
        ] {
            assert!(!is_inert(value), "{value:?}");
        }
    }

    /// Traefik's `basicauth.users` holds htpasswd lines: each hash is a
    /// credential a dictionary cracks offline, whatever the label's name.
    #[test]
    fn htpasswd_hashes_are_secrets() {
        for value in [
            "admin:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/",
            "test:$2y$05$EaCl3bdYBnsnK1CHDAbbYuVq0ofqi1ccNlJrWKdazBXaxS0K5iuDe,admin:x",
            "ops:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
        ] {
            assert_eq!(
                classify(Some("traefik.http.middlewares.auth.basicauth.users"), value),
                Some(Finding::Certain("a password hash (htpasswd)".to_string())),
                "{value}"
            );
        }
        for value in [
            "admin:$apr1$",
            "price:$5",
            "a:b,c:d",
            "$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/",
        ] {
            assert!(!is_htpasswd(value), "{value}");
        }
    }

    #[test]
    fn url_passwords_but_not_placeholders() {
        assert_eq!(url_password("postgres://shop:hunter2@db:5432/shop"), Some("hunter2"));
        assert_eq!(url_password("redis://:s3cret@cache:6379/0"), Some("s3cret"));
        assert_eq!(url_password("amqp://u:p@rabbit//"), Some("p"));
        assert_eq!(url_password("postgres://shop:${DB_PASSWORD}@db/shop"), None);
        assert_eq!(url_password("postgres://shop@db/shop"), None);
        assert_eq!(url_password("https://example.com/a:b@c"), None);
        assert!(leak_in("https://api.example.com/v1?api_key=3f9a8b7c6d5e&x=1").is_some());
        assert!(leak_in("https://api.example.com/v1?api_key=${KEY}").is_none());
        assert!(leak_in("https://example.com/?page=2").is_none());
        assert!(leak_in("/health?access_token=3f9a8b7c6d5e").is_some());
        assert!(leak_in("/health?verbose=1").is_none());
        // Java's system properties and JSON written into a value.
        assert!(leak_in("-Xmx512m -Dspring.datasource.password=hunter2xyz").is_some());
        assert!(leak_in("-Dspring.datasource.password=${DB_PASSWORD} -Dpassword.length=12").is_none());
        assert!(leak_in("{\"db\": {\"password\": \"hunter2hunter2\"}}").is_some());
        assert!(leak_in("{\"password\": \"\", \"password_file\": \"/run/secrets/db\"}").is_none());
        for dsn in [
            "host=db dbname=app user=app password=hunter2",
            "Server=db;Database=app;User Id=sa;Password=hunter2;",
            "Server=db;Pwd='hunter2'",
            "app:hunter2@tcp(db:3306)/app?parseTime=true",
            "DSN=app:hunter2@unix(/run/mysqld.sock)/app",
        ] {
            assert!(leak_in(dsn).is_some(), "{dsn}");
        }
        for dsn in [
            "host=db dbname=app user=app password=${DB_PASSWORD}",
            "host=db dbname=app user=app passfile=/run/secrets/pgpass",
            "Server=db;Password=;",
            "app@tcp(db:3306)/app",
            "app:${DB_PASSWORD}@tcp(db:3306)/app",
        ] {
            assert!(leak_in(dsn).is_none(), "{dsn}");
        }
    }

    #[test]
    fn well_known_tokens() {
        assert_eq!(
            known_token("ghp_0123456789abcdefghijABCDEFGHIJ012345"),
            Some("a GitHub token")
        );
        assert_eq!(known_token("AKIAIOSFODNN7EXAMPLE"), Some("an AWS access key ID"));
        assert_eq!(known_token("--token=xoxb-1234567890-abcdefghij"), Some("a Slack token"));
        assert_eq!(
            known_token("-----BEGIN RSA PRIVATE KEY-----\nMIIE"),
            Some("a private key")
        );
        assert_eq!(
            known_token("APP_KEY=base64:2fl+Ktvkfl+Fuz4Qp/A75G2RTiWVA/ZoKZvp6fiiM10="),
            Some("a Laravel application key")
        );
        assert_eq!(known_token("base64:short="), None);
        assert_eq!(
            known_token("hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567"),
            Some("a Hugging Face token")
        );
        assert_eq!(
            known_token("dckr_pat_AbCdEfGhIjKlMnOpQrStUvWxYz0"),
            Some("a Docker Hub token")
        );
        // An `Authorization` value written whole, whatever holds it.
        assert_eq!(
            leak_in("Bearer XNZ9DTyP4TpejfEL23Stja12LYC3Bn").as_deref(),
            Some("`Bearer` credentials")
        );
        assert_eq!(leak_in("Bearer ${API_TOKEN}"), None);
        assert_eq!(
            leak_in("--log-level=info --api-key=s3cr3tR2").as_deref(),
            Some("a `--api-key=` option")
        );
        assert_eq!(leak_in("--api-key=${API_KEY} --password-file=/run/secrets/pw"), None);
        assert_eq!(leak_in("Bearer short"), None);
        assert_eq!(leak_in("Basic realm"), None);
        assert_eq!(
            hidden("https://deploy:hunter2x@git.example.com/web.git"),
            "https://deploy:********@git.example.com/web.git"
        );
        assert_eq!(
            hidden("./ghp_0123456789abcdefghijABCDEFGHIJ012345/app"),
            format!("./{}/app", "*".repeat(40))
        );
        assert_eq!(hidden("./app"), "./app");
        assert_eq!(
            known_token("git+https://ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com/acme/x.git"),
            Some("a GitHub token")
        );
        assert_eq!(
            known_token("https://api.example.com/hooks/AKIAIOSFODNN7EXAMPLE?x=1"),
            Some("an AWS access key ID")
        );
        assert_eq!(known_token("https://github.com/acme/ghp_short.git"), None);
        assert_eq!(known_token("sk_live_"), None);
        assert_eq!(known_token("ghp_short"), None);
        assert!(is_jwt(
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
        ));
    }

    #[test]
    fn values_of_raw_compose_and_dockerfile_lines() {
        let labels = serde_json::json!({"a": "1", "b": ["DB_PASSWORD=x", "plain"]});
        assert_eq!(
            named_strings(&labels),
            [(Some("a"), "1"), (Some("DB_PASSWORD"), "x"), (None, "plain")]
        );
        let pairs = |line| {
            dockerfile_values(line)
                .into_iter()
                .map(|(n, v)| (n.unwrap_or_default(), v))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            pairs("ENV API_TOKEN abc def"),
            [("API_TOKEN".to_string(), "abc def".to_string())]
        );
        assert_eq!(
            pairs("ARG A=1 B=\"x y\""),
            [("A".to_string(), "1".to_string()), ("B".to_string(), "x y".to_string())]
        );
        assert_eq!(pairs("RUN TOKEN=x make").len(), 2);
    }

    #[test]
    fn random_values_but_not_words_or_digests() {
        assert!(looks_random("a8f5f167f44f4964e6c998dee827110c"));
        assert!(looks_random("Zx9Qm2Lp7Rt4Vw1Yb8Nc"));
        for value in [
            "postgresqlserverhost",
            "changeme",
            "application/json",
            "1234567890123456",
            "aaaaaaaaaaaaaaaa1",
        ] {
            assert!(!looks_random(value), "{value}");
        }
    }
}

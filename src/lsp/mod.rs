//! `stackc lsp`: a language server over stdin and stdout, for editors.
//!
//! It answers from the same analysis `stackc lint` runs ([`crate::analyze`]
//! with the spec's folder as the files' root and the nearest
//! `stackc.toml`), on every change: diagnostics with their codes, links
//! and related places; the rules' fixes, a suppression comment and
//! `lint --fix` as code actions; hover and completion from the grammar and
//! the language reference; names to go to, find, rename and outline; and
//! `stackc fmt` as formatting.
//!
//! Architecture invariants:
//! - the server reads the files a spec names, like the CLI, but never
//!   writes one: every change goes to the client as an edit it applies;
//!   nothing here opens a socket;
//! - positions are converted in one place ([`text`]), in the encoding
//!   agreed at `initialize` (UTF-8 when the client offers it, else UTF-16);
//! - what a keyword means comes from `docs/language.md`
//!   ([`reference`]), what may stand at the cursor from the grammar
//!   ([`crate::syntax::expected_at`]): no keyword table of its own.
//!
//! The protocol crates are rust-analyzer's: `lsp-server` (a synchronous
//! message loop, no async runtime, behind a stdio transport of stackc's
//! own that bounds what it reads: [`transport`]; analysis takes a
//! millisecond, so requests are answered in order on one thread) and
//! `lsp-types` 0.95, whose `Url` converts `file:` URIs to paths correctly
//! (0.96 moved to a URI type without that conversion).

mod actions;
mod completion;
mod context;
mod diagnostics;
mod document;
mod hover;
mod navigate;
mod reference;
mod server;
mod symbols;
mod text;
mod transport;

pub use server::serve;

/// Serves one client on stdin and stdout until it says `exit`.
pub fn run() -> Result<(), String> {
    let (connection, stdio) = transport::stdio();
    let served = serve(&connection);
    drop(connection);
    // Input the transport refused ends the session: that is the reason.
    stdio.join().map_err(|e| format!("language server I/O: {e}"))?;
    served.map_err(|e| format!("language server: {e}"))
}

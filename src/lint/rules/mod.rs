//! One rule per file.

mod default_credentials;
mod eol_runtime;
mod missing_readiness_wait;
mod pg_isready_unix_socket;
mod unpinned_image;

pub use default_credentials::DefaultCredentials;
pub use eol_runtime::EolRuntime;
pub use missing_readiness_wait::MissingReadinessWait;
pub use pg_isready_unix_socket::PgIsreadyUnixSocket;
pub use unpinned_image::UnpinnedImage;

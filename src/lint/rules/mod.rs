//! One rule per file.

mod default_credentials;
mod eol_runtime;
mod internal_port_published;
mod missing_readiness_wait;
mod pg_file_env_misuse;
mod pg_isready_unix_socket;
mod pg_password_missing;
mod pg_trust_auth;
mod pgdata_mount_mismatch;
mod unpinned_image;

pub use default_credentials::DefaultCredentials;
pub use eol_runtime::EolRuntime;
pub use internal_port_published::InternalPortPublished;
pub use missing_readiness_wait::MissingReadinessWait;
pub use pg_file_env_misuse::PgFileEnvMisuse;
pub use pg_isready_unix_socket::PgIsreadyUnixSocket;
pub use pg_password_missing::PgPasswordMissing;
pub use pg_trust_auth::PgTrustAuth;
pub use pgdata_mount_mismatch::PgdataMountMismatch;
pub use unpinned_image::UnpinnedImage;

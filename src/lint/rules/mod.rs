//! One rule per file.

mod default_credentials;
mod missing_readiness_wait;

pub use default_credentials::DefaultCredentials;
pub use missing_readiness_wait::MissingReadinessWait;

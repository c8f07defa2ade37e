//! Every lint rule, in one list: the runner, `stackc explain` and the docs
//! read it from here.

use super::rules::*;
use super::{Rule, RuleMeta};

pub static RULES: &[&dyn Rule] = &[
    // Readiness and ordering
    &MissingReadinessWait,
    &PgIsreadyUnixSocket,
    &PgIsreadyNoUser,
    &ReadyPortMismatch,
    &PublishPortMismatch,
    &ReadyOffWithoutHealthcheck,
    &ReadyCurlWithoutFail,
    &ProxyAfterUpstream,
    &MigrateInCommand,
    &RestartDisabled,
    &StopGraceTooShort,
    // Credentials and secrets
    &DefaultCredentials,
    &PgTrustAuth,
    &PgPasswordMissing,
    &DbPasswordMissing,
    &OpenDataStore,
    &PgFileEnvMisuse,
    &SecretVariableUnread,
    &SecretInEnv,
    &SecretInCommand,
    &SecretInComposeValue,
    &SecretInImage,
    &SecretPathUnmounted,
    &PossibleSecret,
    &DatabaseWiring,
    // Images and builds
    &UnpinnedImage,
    &EolRuntime,
    &RunsAsRoot,
    &DepsAfterSource,
    &PrivilegedContainer,
    &HostAccess,
    &LiteralDollar,
    &EnvFileInterpolation,
    // What hadolint reads in the Dockerfiles the spec writes or names
    &PackageInstallHygiene,
    &RunShellHygiene,
    &DockerfileInstructionHygiene,
    &UnverifiedDownload,
    &WorldWritable,
    &SetuidBit,
    &EntrypointRepeated,
    // Files the stack needs where it runs
    &MissingSecretFile,
    &MissingHostPath,
    // Persistence and exposure
    &PgdataMountMismatch,
    &DataNotOnVolume,
    &InternalPortPublished,
    &DuplicateContainerName,
    &DuplicateNetworkName,
    // The proxy and the app
    &UpstreamPortMismatch,
    &GunicornBindLoopback,
    &StaticNotServed,
    &StaticVolumeStale,
    &StaticRootMismatch,
    &PrivateVolumeServed,
    &ProxyHostHeader,
    &ForwardedProtoMissing,
    &ServerTokensOn,
    &SourceMountInProd,
    &NginxDirectiveRisk,
    &LocationWithoutAction,
    &RegexShadowsFiles,
    &UnusedNamedLocation,
    &NamedLocationMissing,
    &SlowRegexLocation,
    &DirectoryListing,
    &CorsWildcardOrigin,
    &TimeoutMismatch,
    &TraefikNetworkMismatch,
    // Django and Gunicorn at run time
    &DebugInProd,
    &AllowedHostsWildcard,
    &AllowedHostsMismatch,
    &WorkersUnsized,
    // On a cluster (`--target kubernetes`)
    &UnnamedImage,
    &SharedRwoVolume,
    &PublishedPortOnCluster,
    &HostMountOnCluster,
    &ProbeTimingRounded,
    &JobNotAwaitedOnCluster,
    &UserWithoutUid,
    &WritesReadOnlyRoot,
    &ComposeKeyOnCluster,
    &EnvFileVariableOnCluster,
];

pub fn find(name: &str) -> Option<&'static RuleMeta> {
    RULES.iter().map(|r| r.meta()).find(|m| m.name == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    RULES.iter().map(|r| r.meta().name)
}

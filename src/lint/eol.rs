//! When each version of the runtimes and servers stackc knows stops getting
//! security fixes: one table, with dates from each project's own schedule.
//! A version is past its end of life when its date is before today; a
//! version the table does not list is unknown, never guessed, except one
//! older than every listed version of its product.
//!
//! Sources: devguide.python.org/versions, nodejs.org/en/about/previous-releases,
//! postgresql.org/support/versioning, nginx.org (a stable branch ends when
//! the next one is released, each April; a mainline when the next mainline
//! is), mysql.com (8.0 until April 2026, innovation releases until the
//! next), mariadb.org/about/#maintenance-policy, github.com/redis/redis/security
//! (6.2, 7.2 and 7.4 still get fixes), mongodb.com/legal/support-policy/lifecycles,
//! valkey.io/topics/releases (its extended security support),
//! wiki.debian.org/LTS (each release's LTS end, after which only paid
//! extended support patches it); as endoflife.date collects them, checked
//! on 2026-11-30.

use crate::ir::ImageRef;
use crate::Date;

/// A product whose versions the table lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Product {
    Python,
    Node,
    Postgres,
    Nginx,
    Mysql,
    Mariadb,
    Redis,
    Valkey,
    Mongodb,
    /// The Debian release an image is built on (`python:3.11-slim-buster`).
    Debian,
    /// Ubuntu's LTS releases (`ubuntu:18.04`), to the end of standard
    /// support (Canonical's paid ESM aside).
    Ubuntu,
    /// CentOS Linux, which has ended (`centos:7`).
    Centos,
}

impl Product {
    pub fn name(self) -> &'static str {
        match self {
            Product::Python => "Python",
            Product::Node => "Node.js",
            Product::Postgres => "PostgreSQL",
            Product::Nginx => "nginx",
            Product::Mysql => "MySQL",
            Product::Mariadb => "MariaDB",
            Product::Redis => "Redis",
            Product::Valkey => "Valkey",
            Product::Mongodb => "MongoDB",
            Product::Debian => "Debian",
            Product::Ubuntu => "Ubuntu",
            Product::Centos => "CentOS Linux",
        }
    }

    /// The product a published image runs, by the image's name.
    pub fn of_image(image: &ImageRef) -> Option<Product> {
        Some(match image.hub_name() {
            "python" => Product::Python,
            "node" => Product::Node,
            // PostGIS, Immich's image with vector search and pgautoupgrade
            // are PostgreSQL, their tags led by its version (`13-3.5`,
            // `14-vectorchord0.4.3`, `17-alpine`, `16.4-bookworm`).
            "postgres" | "postgis/postgis" | "ghcr.io/immich-app/postgres" | "pgautoupgrade/pgautoupgrade" => {
                Product::Postgres
            }
            "nginx" | "nginxinc/nginx-unprivileged" => Product::Nginx,
            "mysql" => Product::Mysql,
            "mariadb" => Product::Mariadb,
            "redis" => Product::Redis,
            "valkey/valkey" => Product::Valkey,
            "mongo" => Product::Mongodb,
            "ubuntu" => Product::Ubuntu,
            "centos" => Product::Centos,
            _ => return None,
        })
    }

    /// A version that is still supported, to suggest.
    pub fn supported_example(self) -> &'static str {
        match self {
            Product::Python => "3.12",
            Product::Node => "22 or 24",
            Product::Postgres => "17 or 18",
            Product::Nginx => "1.30",
            Product::Mysql => "8.4",
            Product::Mariadb => "10.11 or 11.4",
            Product::Redis => "7.4 or 8.2",
            Product::Valkey => "8.1 or 9.0",
            Product::Mongodb => "7.0 or 8.0",
            Product::Debian => "12 (bookworm) or 13 (trixie), in the image's tag",
            Product::Ubuntu => "22.04 or 24.04",
            Product::Centos => "none of it: a distribution still supported (AlmaLinux, Rocky Linux, Debian)",
        }
    }

    /// The Debian release an image runs on, as its version (`10`): an
    /// official image's tag that names the release (`3.11-slim-buster`,
    /// `18-bullseye-slim`, `debian:buster`, `debian:10.13`). `None` for a
    /// tag that names none (`3.12-slim`, `alpine`): its release moves.
    pub fn debian_release(image: &ImageRef) -> Option<String> {
        let tag = image.tag()?;
        let debian_version = (image.hub_name() == "debian")
            .then(|| numbers(tag).first().map(u32::to_string))
            .flatten();
        debian_named_in(tag).map(str::to_string).or(debian_version)
    }
}

/// The version of the Debian release a tag or variant names by its
/// release name (`3.11-slim-buster`, `bookworm`): `10`, `12`.
pub fn debian_named_in(tag: &str) -> Option<&'static str> {
    tag.split(['-', '.'])
        .find_map(|part| DEBIAN_RELEASES.iter().find(|(name, _)| *name == part))
        .map(|(_, version)| *version)
}

/// Debian's release names, with their versions.
const DEBIAN_RELEASES: &[(&str, &str)] = &[
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
];

/// The major version an image runs: its tag's, or for a tag without a
/// version (none, `latest`, `alpine`) the one `latest` runs today, where
/// the table knows it (PostgreSQL 18, which moved its data).
pub fn major_today(image: &ImageRef) -> Option<u32> {
    let tag = image.tag().unwrap_or("latest");
    // pgvector's tags lead with its own version and name PostgreSQL's
    // after `pg` (`pg16`, `0.8.0-pg17-bookworm`).
    if image.hub_name() == "pgvector/pgvector" {
        return tag.split('-').find_map(|part| part.strip_prefix("pg")?.parse().ok());
    }
    if let Some(major) = numbers(tag).first() {
        return Some(*major);
    }
    // Only the official image's `latest` is known, and pgautoupgrade's
    // (`latest`, `alpine`, `trixie`: the newest PostgreSQL, as its CI
    // builds them): PostGIS's and the others' follow schedules of their own.
    matches!(image.hub_name(), "postgres" | "pgautoupgrade/pgautoupgrade").then_some(18)
}

/// A version still supported whose project names no last day yet: listed
/// so that a line of versions holding it (`redis:7`) is not taken as ended.
const NO_DATE_YET: &str = "9999-12";

/// Each listed version (as its tag starts: `3.9`, `16`, `1.26`) and the
/// last day it got fixes; `YYYY-MM` for a date its project gives only to
/// the month, read as the month's end.
const TABLE: &[(Product, &[(&str, &str)])] = &[
    (
        Product::Python,
        &[
            ("2.7", "2020-01-01"),
            ("3.6", "2021-12-23"),
            ("3.7", "2023-06-27"),
            ("3.8", "2024-10-07"),
            ("3.9", "2025-10-31"),
            ("3.10", "2026-10"),
            ("3.11", "2027-10"),
            ("3.12", "2028-10"),
            ("3.13", "2029-10"),
            ("3.14", "2030-10"),
            ("3.15", "2031-10"),
        ],
    ),
    (
        Product::Node,
        &[
            ("14", "2023-04-30"),
            ("15", "2022-06-01"),
            ("16", "2023-09-11"),
            ("17", "2022-06-01"),
            ("18", "2025-04-30"),
            ("19", "2023-06-01"),
            ("20", "2026-04-30"),
            ("21", "2024-06-01"),
            ("22", "2027-04-30"),
            ("23", "2025-06-01"),
            ("24", "2028-04-30"),
            ("25", "2026-06-01"),
            ("26", "2029-04-30"),
        ],
    ),
    (
        Product::Postgres,
        &[
            ("9.6", "2021-11-11"),
            ("10", "2022-11-10"),
            ("11", "2023-11-09"),
            ("12", "2024-11-21"),
            ("13", "2025-11-13"),
            ("14", "2026-11-12"),
            ("15", "2027-11-11"),
            ("16", "2028-11-09"),
            ("17", "2029-11-08"),
            ("18", "2030-11-14"),
        ],
    ),
    (
        Product::Nginx,
        &[
            ("1.22", "2023-04-11"),
            ("1.23", "2023-05-23"),
            ("1.24", "2024-04-23"),
            ("1.25", "2024-05-29"),
            ("1.26", "2025-04-23"),
            ("1.27", "2025-06-24"),
            ("1.28", "2026-04-14"),
            ("1.29", "2026-05-13"),
            // Until 1.32 (April 2027) and 1.33 come out.
            ("1.30", NO_DATE_YET),
            ("1.31", NO_DATE_YET),
        ],
    ),
    (
        Product::Mysql,
        &[
            ("5.5", "2018-12-31"),
            ("5.6", "2021-02-28"),
            ("5.7", "2023-10-31"),
            ("8.0", "2026-04-30"),
            ("8.1", "2023-10-25"),
            ("8.2", "2023-12-14"),
            ("8.3", "2024-04-10"),
            ("8.4", "2032-04-30"),
            ("9.0", "2024-10-15"),
            ("9.1", "2025-01-21"),
            ("9.2", "2025-04-15"),
            ("9.3", "2025-07-22"),
            ("9.4", "2025-10-21"),
            ("9.5", "2026-01-20"),
            ("9.6", "2026-04-21"),
            // The LTS release of 9.x.
            ("9.7", NO_DATE_YET),
        ],
    ),
    (
        Product::Mariadb,
        &[
            ("10.2", "2022-05-23"),
            ("10.3", "2023-05-25"),
            ("10.4", "2024-06-18"),
            ("10.5", "2025-06-24"),
            ("10.6", "2026-07-06"),
            ("10.11", "2028-02-16"),
            ("11.0", "2024-06-06"),
            ("11.1", "2024-08-21"),
            ("11.2", "2024-11-21"),
            ("11.3", "2024-05-29"),
            ("11.4", "2029-05-29"),
            ("11.8", "2028-06-04"),
        ],
    ),
    (
        Product::Redis,
        &[
            ("5.0", "2022-04-27"),
            ("6.0", "2022-05-31"),
            ("6.2", NO_DATE_YET),
            ("7.0", "2024-07-29"),
            ("7.2", NO_DATE_YET),
            ("7.4", NO_DATE_YET),
            ("8.0", "2026-02-11"),
            ("8.2", NO_DATE_YET),
            ("8.4", NO_DATE_YET),
            ("8.6", NO_DATE_YET),
        ],
    ),
    (
        Product::Valkey,
        &[
            ("7.2", "2029-04-16"),
            ("8.0", "2027-09-15"),
            ("8.1", "2030-03-31"),
            ("9.0", "2028-10-21"),
            ("9.1", "2031-05-19"),
        ],
    ),
    (
        Product::Mongodb,
        &[
            ("3.6", "2021-04-30"),
            ("4.0", "2022-04-30"),
            ("4.2", "2023-04-30"),
            ("4.4", "2024-02-29"),
            ("5.0", "2024-10-31"),
            ("6.0", "2025-07-31"),
            // Rapid releases: until the next.
            ("6.3", "2023-08-31"),
            ("7.0", "2027-08-31"),
            ("7.3", "2024-10-31"),
            ("8.0", "2029-10-31"),
            ("8.1", "2025-09-30"),
            // From 8.2, minor releases are supported on premises until
            // 8.0's date or later: none named yet.
            ("8.2", NO_DATE_YET),
            ("8.3", NO_DATE_YET),
        ],
    ),
    // ubuntu.com/about/release-cycle: the end of each LTS's standard
    // support (interim releases are not listed: unknown, never guessed).
    (
        Product::Ubuntu,
        &[
            ("14.04", "2019-04-30"),
            ("16.04", "2021-04-30"),
            ("18.04", "2023-05-31"),
            ("20.04", "2025-05-31"),
            ("22.04", "2027-06-30"),
            ("24.04", "2029-05-31"),
        ],
    ),
    // centos.org: CentOS Linux 8 ended early, 7 last.
    (
        Product::Centos,
        &[("6", "2020-11-30"), ("7", "2024-06-30"), ("8", "2021-12-31")],
    ),
    (
        Product::Debian,
        &[
            ("8", "2020-06-30"),
            ("9", "2022-06-30"),
            ("10", "2024-06-30"),
            ("11", "2026-08-31"),
            ("12", "2028-06-30"),
            ("13", NO_DATE_YET),
        ],
    ),
];

/// What the table says of an image's version.
#[derive(Debug, PartialEq, Eq)]
pub struct EndOfLife {
    /// The version as the tag gives it: `3.9`, `16`, `5` (a line).
    pub version: String,
    /// The last day of fixes, as the table gives it; `before ...` for a
    /// version older than every listed one.
    pub date: String,
}

/// The end of life of `product` at the version a tag starts with, when it
/// is before `today`. A tag that names a line of versions
/// (`mysql:8`, `python:3`) counts only when every listed version in it
/// ended; one the table does not know is `None`.
pub fn ended(product: Product, tag: &str, today: Date) -> Option<EndOfLife> {
    // Table dates and days as `YYYY-MM-DD` sort as the days do.
    let today = today.to_string();
    let versions = TABLE.iter().find(|(p, _)| *p == product)?.1;
    let tag_parts = numbers(tag);
    if tag_parts.is_empty() {
        return None;
    }
    let past = |date: &str| last_day(date) < today;
    // The listed versions the tag may run: `16.4` runs `16`; `8` runs any
    // `8.x`.
    let runs: Vec<&(&str, &str)> = versions
        .iter()
        .filter(|(v, _)| number_parts(v).zip(&tag_parts).all(|(listed, part)| listed == *part))
        .collect();
    let shown = |n: usize| {
        let parts: Vec<String> = tag_parts.iter().take(n).map(u32::to_string).collect();
        parts.join(".")
    };
    if let Some((listed, date)) = runs.iter().find(|(v, _)| number_parts(v).count() <= tag_parts.len()) {
        // As the table writes it (`18.04`, whose parts read `18.4`).
        return past(date).then(|| EndOfLife {
            version: (*listed).to_string(),
            date: (*date).to_string(),
        });
    }
    if !runs.is_empty() {
        // A line of versions (`mysql:5`) has ended when every version in
        // it has, and the table goes on past it (so none is missing).
        let closed = runs.last().map(|(v, _)| *v) != versions.last().map(|(v, _)| *v);
        let last = runs.iter().map(|(_, d)| *d).max_by_key(|d| last_day(d))?;
        return (closed && past(last)).then(|| EndOfLife {
            version: shown(tag_parts.len()),
            date: last.to_string(),
        });
    }
    // Older than every listed version: it ended before the oldest did.
    let (oldest, date) = versions.first()?;
    let oldest = numbers(oldest);
    let n = oldest.len().min(tag_parts.len());
    (tag_parts[..n] < oldest[..n] && past(date)).then(|| EndOfLife {
        version: shown(oldest.len()),
        date: format!("before {date}"),
    })
}

/// The leading numbers of a tag: `[3, 9]` for `3.9-slim`, `[16, 4]` for
/// `16.4-bookworm`, `[1, 27]` for `v1.27`; none for `latest` or `lts`.
fn numbers(tag: &str) -> Vec<u32> {
    number_parts(tag).collect()
}

/// [`numbers`] one by one, for comparing a tag with every version of a
/// table without a `Vec` for each.
fn number_parts(tag: &str) -> impl Iterator<Item = u32> + '_ {
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    let end = tag.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(tag.len());
    tag[..end].split('.').map_while(|part| part.parse().ok())
}

/// A table date as a full day: a month alone is its last day.
fn last_day(date: &str) -> String {
    match date.len() {
        7 => format!("{date}-31"),
        _ => date.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn date(product: Product, tag: &str) -> Option<String> {
        ended(product, tag, day("2026-11-30")).map(|e| format!("{} {}", e.version, e.date))
    }

    #[test]
    fn versions_past_their_date_have_ended() {
        assert_eq!(date(Product::Python, "3.9-slim").as_deref(), Some("3.9 2025-10-31"));
        assert_eq!(date(Product::Python, "3.10.15").as_deref(), Some("3.10 2026-10"));
        assert_eq!(
            date(Product::Postgres, "14.12-bookworm").as_deref(),
            Some("14 2026-11-12")
        );
        assert_eq!(date(Product::Postgres, "9.6.24").as_deref(), Some("9.6 2021-11-11"));
        assert_eq!(date(Product::Postgres, "9.4").as_deref(), Some("9.4 before 2021-11-11"));
        assert_eq!(date(Product::Node, "20-alpine").as_deref(), Some("20 2026-04-30"));
        assert_eq!(date(Product::Node, "12.22").as_deref(), Some("12 before 2023-04-30"));
        assert_eq!(
            date(Product::Nginx, "1.28.0-alpine").as_deref(),
            Some("1.28 2026-04-14")
        );
        assert_eq!(date(Product::Nginx, "1.27").as_deref(), Some("1.27 2025-06-24"));
        assert_eq!(date(Product::Mysql, "5.7.44").as_deref(), Some("5.7 2023-10-31"));
        assert_eq!(date(Product::Mysql, "5").as_deref(), Some("5 2023-10-31"));
        assert_eq!(date(Product::Postgres, "9").as_deref(), Some("9 2021-11-11"));
        assert_eq!(date(Product::Mariadb, "10.5").as_deref(), Some("10.5 2025-06-24"));
        assert_eq!(date(Product::Mysql, "9.5").as_deref(), Some("9.5 2026-01-20"));
        assert_eq!(date(Product::Redis, "6.0.20").as_deref(), Some("6.0 2022-05-31"));
        assert_eq!(date(Product::Redis, "7.0-alpine").as_deref(), Some("7.0 2024-07-29"));
        assert_eq!(date(Product::Redis, "8.0.2").as_deref(), Some("8.0 2026-02-11"));
        assert_eq!(date(Product::Redis, "4.0").as_deref(), Some("4.0 before 2022-04-27"));
        assert_eq!(date(Product::Mongodb, "6.0.19").as_deref(), Some("6.0 2025-07-31"));
        assert_eq!(date(Product::Mongodb, "5").as_deref(), Some("5 2024-10-31"));
        assert_eq!(date(Product::Mongodb, "3.4").as_deref(), Some("3.4 before 2021-04-30"));
        assert_eq!(date(Product::Mongodb, "8.1").as_deref(), Some("8.1 2025-09-30"));
    }

    #[test]
    fn supported_and_unknown_versions_have_not() {
        for (product, tag) in [
            (Product::Python, "3.11-slim"),
            (Product::Python, "3"),
            (Product::Postgres, "15"),
            (Product::Postgres, "18.1"),
            (Product::Postgres, "latest"),
            (Product::Node, "22-alpine"),
            (Product::Node, "lts"),
            (Product::Nginx, "1.30"),
            (Product::Nginx, "1.31.1-alpine"),
            (Product::Nginx, "1"),
            (Product::Mysql, "8.4"),
            (Product::Mysql, "8"),
            (Product::Mysql, "9.7"),
            (Product::Mysql, "9"),
            (Product::Mariadb, "11.4"),
            (Product::Mariadb, "11"),
            (Product::Mariadb, "11.5"),
            (Product::Redis, "7.4"),
            (Product::Redis, "8.2"),
            (Product::Redis, "7"),
            (Product::Redis, "6.2.14-alpine"),
            (Product::Redis, "7.2"),
            (Product::Redis, "8"),
            (Product::Valkey, "7.2"),
            (Product::Valkey, "8.0.2-alpine"),
            (Product::Valkey, "9"),
            (Product::Mongodb, "7.0"),
            (Product::Mongodb, "8"),
            (Product::Mongodb, "8.2.1"),
        ] {
            assert_eq!(ended(product, tag, day("2026-11-30")), None, "{product:?} {tag}");
        }
        // The day itself is still covered.
        assert_eq!(ended(Product::Postgres, "14", day("2026-11-12")), None);
        // Valkey 8.0's life ends before 7.2's (whose security fixes go on).
        assert!(ended(Product::Valkey, "8.0", day("2027-09-16")).is_some());
        assert!(ended(Product::Valkey, "7.2", day("2027-09-16")).is_none());
    }

    #[test]
    fn the_debian_release_is_the_one_the_tag_names() {
        let image = |text: &str| {
            ImageRef::split(crate::source::Spanned::new(
                text.to_string(),
                crate::source::Span::new(0, 0),
            ))
        };
        let release = |text: &str| Product::debian_release(&image(text));
        assert_eq!(release("python:3.11.3-slim-buster").as_deref(), Some("10"));
        assert_eq!(release("node:18-bullseye-slim").as_deref(), Some("11"));
        assert_eq!(release("debian:bookworm-20251117-slim").as_deref(), Some("12"));
        assert_eq!(release("debian:10.13").as_deref(), Some("10"));
        // No release named: the tag follows the current one.
        assert_eq!(release("python:3.12-slim"), None);
        assert_eq!(release("node:20.11"), None);
        assert_eq!(date(Product::Debian, "11").as_deref(), Some("11 2026-08-31"));
        assert_eq!(date(Product::Ubuntu, "18.04").as_deref(), Some("18.04 2023-05-31"));
        assert_eq!(date(Product::Ubuntu, "24.04"), None);
        assert_eq!(date(Product::Ubuntu, "23.10"), None);
        assert_eq!(date(Product::Centos, "7").as_deref(), Some("7 2024-06-30"));
        assert_eq!(date(Product::Centos, "7.9.2009").as_deref(), Some("7 2024-06-30"));
        assert_eq!(date(Product::Debian, "12"), None);
    }

    #[test]
    fn a_tag_without_a_version_runs_latest() {
        let image = |text: &str| {
            ImageRef::split(crate::source::Spanned::new(
                text.to_string(),
                crate::source::Span::new(0, 0),
            ))
        };
        assert_eq!(major_today(&image("postgres")), Some(18));
        assert_eq!(major_today(&image("postgres:alpine")), Some(18));
        assert_eq!(major_today(&image("postgres:16.4")), Some(16));
        assert_eq!(major_today(&image("node")), None);
        assert_eq!(major_today(&image("postgis/postgis")), None);
        assert_eq!(major_today(&image("pgvector/pgvector:pg16")), Some(16));
        assert_eq!(major_today(&image("pgvector/pgvector:0.8.0-pg18-trixie")), Some(18));
        assert_eq!(major_today(&image("pgvector/pgvector")), None);
        assert_eq!(major_today(&image("ghcr.io/immich-app/postgres")), None);
        assert_eq!(major_today(&image("pgautoupgrade/pgautoupgrade")), Some(18));
        assert_eq!(major_today(&image("pgautoupgrade/pgautoupgrade:trixie")), Some(18));
        assert_eq!(
            major_today(&image("pgautoupgrade/pgautoupgrade:16-alpine3.23")),
            Some(16)
        );
    }

    #[test]
    fn immichs_postgres_is_postgresql_of_its_tags_version() {
        let image = ImageRef::split(crate::source::Spanned::new(
            "ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0".to_string(),
            crate::source::Span::new(0, 0),
        ));
        assert_eq!(Product::of_image(&image), Some(Product::Postgres));
        assert!(ended(Product::Postgres, image.tag().unwrap(), day("2026-11-30")).is_some());
    }

    #[test]
    fn each_product_lists_its_versions_once_in_order() {
        for (product, versions) in TABLE {
            let parsed: Vec<Vec<u32>> = versions.iter().map(|(v, _)| numbers(v)).collect();
            assert!(parsed.windows(2).all(|w| w[0] < w[1]), "{product:?}");
            for (_, date) in *versions {
                assert!(matches!(date.len(), 7 | 10), "{product:?} {date}");
            }
        }
    }
}

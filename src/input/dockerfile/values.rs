//! The values Docker parses out of instruction text: durations, ports,
//! paths.

use super::facts::ExposedPort;
use crate::ir::Duration;
use crate::ir::Protocol;

/// Go's `time.ParseDuration` (`1m30s`, `0.5s`, `100ms`; no sign), to
/// milliseconds.
pub(super) fn go_duration(text: &str) -> Option<Duration> {
    if text == "0" {
        return Some(Duration(0));
    }
    let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let mut rest = text;
    let mut nanos: u128 = 0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let (whole, after) = rest.split_at(digits(rest));
        let (fraction, after) = match after.strip_prefix('.') {
            Some(after) => after.split_at(digits(after)),
            None => ("", after),
        };
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let (unit, after) = after.split_at(
            after
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(after.len()),
        );
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
        nanos = nanos.checked_add(whole.checked_mul(scale)?)?;
        let fraction = &fraction[..fraction.len().min(18)];
        if !fraction.is_empty() {
            let part: u128 = fraction.parse().ok()?;
            nanos = nanos.checked_add(part * scale / 10u128.pow(fraction.len() as u32))?;
        }
        rest = after;
    }
    u64::try_from(nanos / 1_000_000).ok().map(Duration)
}

/// `8000`, `8000/udp`, `8000-8010/tcp`.
pub(super) fn parse_port(text: &str) -> Option<ExposedPort> {
    let (ports, protocol) = Protocol::split(text)?;
    let number = |s: &str| {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<u16>().ok()
    };
    let (first, last) = ports.split_once('-').unwrap_or((ports, ports));
    let (first, last) = (number(first)?, number(last)?);
    (first <= last).then_some(ExposedPort { first, last, protocol })
}

/// `/a/./b/../c//` to `/a/c`, as Go's `path.Clean` on an absolute path.
pub(super) fn clean_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        let ms = |s: &str| go_duration(s).map(|d| d.0);
        assert_eq!(ms("30s"), Some(30_000));
        assert_eq!(ms("1m30s"), Some(90_000));
        assert_eq!(ms("0.5s"), Some(500));
        assert_eq!(ms("1h"), Some(3_600_000));
        assert_eq!(ms("250ms"), Some(250));
        assert_eq!(ms("0"), Some(0));
        for bad in [
            "",
            "30",
            "s",
            "-5s",
            "1x",
            ".s",
            "99999999999999999999999999999999999999h",
        ] {
            assert_eq!(ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn ports_and_ranges() {
        let port = |first, last, protocol| Some(ExposedPort { first, last, protocol });
        assert_eq!(parse_port("8000"), port(8000, 8000, Protocol::Tcp));
        assert_eq!(parse_port("53/UDP"), port(53, 53, Protocol::Udp));
        assert_eq!(parse_port("8000-8010/tcp"), port(8000, 8010, Protocol::Tcp));
        for bad in ["", "http", "+80", "70000", "90-80", "80/icmp", "80-", "127.0.0.1:80"] {
            assert_eq!(parse_port(bad), None, "{bad}");
        }
    }

    #[test]
    fn paths_clean_like_go() {
        assert_eq!(clean_path("/a/./b/../c//"), "/a/c");
        assert_eq!(clean_path("/.."), "/");
        assert_eq!(clean_path("/"), "/");
    }
}

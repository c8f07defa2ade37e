//! A calendar day: what "today" is for the rules that judge by the date
//! (end of life), read from the clock once, by the command line or the
//! language server, and carried in [`crate::Options`], so a test can pin
//! it and its results never change as time passes.

use std::fmt;

/// A day of the Gregorian calendar, in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u32,
    month: u32,
    day: u32,
}

impl Date {
    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days(seconds / 86_400)
    }

    /// `YYYY-MM-DD`, a day that exists; `None` for anything else.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.split('-');
        let mut number = |digits: usize| {
            let part = parts
                .next()
                .filter(|p| p.len() == digits && p.bytes().all(|b| b.is_ascii_digit()))?;
            part.parse::<u32>().ok()
        };
        let (year, month, day) = (number(4)?, number(2)?, number(2)?);
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
            2 => 28,
            _ => return None,
        };
        if parts.next().is_some() || !(1..=days_in_month).contains(&day) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// The day `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    fn from_days(days: u64) -> Date {
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z % 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + u64::from(month <= 2);
        Date {
            year: year as u32,
            month: month as u32,
            day: day as u32,
        }
    }
}

impl fmt::Display for Date {
    /// `YYYY-MM-DD`, which sorts as the days do.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl std::str::FromStr for Date {
    type Err = String;

    fn from_str(text: &str) -> Result<Date, String> {
        Date::parse(text).ok_or_else(|| format!("`{text}` is not a day written YYYY-MM-DD"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_from_the_clock_are_calendar_days() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(20_787).to_string(), "2026-11-30");
        assert_eq!(Date::from_days(11_016).to_string(), "2000-02-29");
        assert!(Date::today() >= Date::parse("2026-11-30").unwrap());
    }

    #[test]
    fn days_are_read_as_written_and_only_if_they_exist() {
        assert_eq!(
            Date::parse("2026-11-30").map(|d| d.to_string()).as_deref(),
            Some("2026-11-30")
        );
        assert!(Date::parse("2024-02-29").is_some());
        for refused in [
            "2026-02-29",
            "2026-13-01",
            "2026-04-31",
            "2026-1-01",
            "26-01-01",
            "2026-01-01x",
            "2026-01-01-01",
            "",
        ] {
            assert_eq!(Date::parse(refused), None, "{refused}");
        }
        assert!(Date::parse("2026-01-31").unwrap() < Date::parse("2026-02-01").unwrap());
    }
}

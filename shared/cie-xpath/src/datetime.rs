//! The XML Schema date and time types (`xs:date`, `xs:time`, `xs:dateTime`): lexical parsing, canonical
//! form and ordering (values without a timezone are taken as UTC, the implicit timezone).

use std::cmp::Ordering;
use std::fmt;

use chrono::{Datelike, NaiveDate};

/// A timezone offset in minutes east of UTC.
pub type TzMinutes = i16;

/// An `xs:date` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XsDate {
    /// The calendar date.
    pub date: NaiveDate,
    /// The timezone, if the value has one.
    pub tz: Option<TzMinutes>,
}

/// An `xs:time` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XsTime {
    /// Nanoseconds since midnight.
    pub nanos: u64,
    /// The timezone, if the value has one.
    pub tz: Option<TzMinutes>,
}

/// An `xs:dateTime` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XsDateTime {
    /// The calendar date.
    pub date: NaiveDate,
    /// Nanoseconds since midnight.
    pub nanos: u64,
    /// The timezone, if the value has one.
    pub tz: Option<TzMinutes>,
}

const NANOS_PER_DAY: i128 = 86_400_000_000_000;
const NANOS_PER_MINUTE: i128 = 60_000_000_000;

fn instant(date: NaiveDate, nanos: u64, tz: Option<TzMinutes>) -> i128 {
    i128::from(date.num_days_from_ce()) * NANOS_PER_DAY + i128::from(nanos)
        - i128::from(tz.unwrap_or(0)) * NANOS_PER_MINUTE
}

impl XsDate {
    /// Parses the `xs:date` lexical form `[-]YYYY-MM-DD[Z|(+|-)hh:mm]` (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Option<XsDate> {
        let text = text.trim_matches(is_xml_space);
        let (body, tz) = split_timezone(text)?;
        let (date, rest) = parse_date_part(body)?;
        rest.is_empty().then_some(XsDate { date, tz })
    }

    fn key(&self) -> i128 {
        instant(self.date, 0, self.tz)
    }
}

impl Ord for XsDate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for XsDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl XsTime {
    /// Parses the `xs:time` lexical form `hh:mm:ss[.fff][Z|(+|-)hh:mm]` (`24:00:00` is midnight).
    pub fn parse(text: &str) -> Option<XsTime> {
        let text = text.trim_matches(is_xml_space);
        let (body, tz) = split_timezone(text)?;
        let nanos = parse_time_part(body)?;
        Some(XsTime { nanos, tz })
    }

    fn key(&self) -> i128 {
        i128::from(self.nanos) - i128::from(self.tz.unwrap_or(0)) * NANOS_PER_MINUTE
    }
}

impl Ord for XsTime {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for XsTime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl XsDateTime {
    /// Parses the `xs:dateTime` lexical form `[-]YYYY-MM-DDThh:mm:ss[.fff][timezone]`.
    pub fn parse(text: &str) -> Option<XsDateTime> {
        let text = text.trim_matches(is_xml_space);
        let (body, tz) = split_timezone(text)?;
        let (date, rest) = parse_date_part(body)?;
        let time = rest.strip_prefix('T')?;
        let nanos = parse_time_part(time)?;
        if nanos == NANOS_PER_DAY as u64 {
            let next = date.succ_opt()?;
            return Some(XsDateTime {
                date: next,
                nanos: 0,
                tz,
            });
        }
        Some(XsDateTime { date, nanos, tz })
    }

    fn key(&self) -> i128 {
        instant(self.date, self.nanos, self.tz)
    }
}

impl Ord for XsDateTime {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for XsDateTime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn split_timezone(text: &str) -> Option<(&str, Option<TzMinutes>)> {
    if let Some(body) = text.strip_suffix('Z') {
        return Some((body, Some(0)));
    }
    let bytes = text.as_bytes();
    if bytes.len() >= 6 {
        let sign_at = bytes.len() - 6;
        let sign = bytes[sign_at];
        if (sign == b'+' || sign == b'-') && bytes[sign_at + 3] == b':' {
            let hours = two_digits(&text[sign_at + 1..sign_at + 3])?;
            let minutes = two_digits(&text[sign_at + 4..])?;
            if hours > 14 || minutes > 59 || (hours == 14 && minutes != 0) {
                return None;
            }
            let total = (hours * 60 + minutes) as TzMinutes;
            let tz = if sign == b'-' { -total } else { total };
            let body = &text[..sign_at];
            return Some((body, Some(tz)));
        }
    }
    Some((text, None))
}

fn two_digits(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(u32::from(bytes[0] - b'0') * 10 + u32::from(bytes[1] - b'0'))
}

/// Parses `[-]YYYY-MM-DD` at the start of `text`, returning the rest.
fn parse_date_part(text: &str) -> Option<(NaiveDate, &str)> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let year_len = body.bytes().take_while(u8::is_ascii_digit).count();
    if year_len < 4 || (year_len > 4 && body.starts_with('0')) || year_len > 6 {
        return None;
    }
    let year: i32 = body[..year_len].parse().ok()?;
    if year == 0 {
        return None;
    }
    let rest = body[year_len..].strip_prefix('-')?;
    if rest.len() < 5 || rest.as_bytes()[2] != b'-' {
        return None;
    }
    let month = two_digits(&rest[..2])?;
    let day = two_digits(&rest[3..5])?;
    let year = if negative { 1 - year } else { year };
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    Some((date, &rest[5..]))
}

/// Parses `hh:mm:ss[.fff]` (the whole text) into nanoseconds since midnight; `24:00:00` gives a full day.
fn parse_time_part(text: &str) -> Option<u64> {
    if text.len() < 8 || text.as_bytes()[2] != b':' || text.as_bytes()[5] != b':' {
        return None;
    }
    let hours = two_digits(&text[..2])?;
    let minutes = two_digits(&text[3..5])?;
    let seconds = two_digits(&text[6..8])?;
    let mut nanos: u64 = 0;
    let fraction = &text[8..];
    let mut fraction_nonzero = false;
    if !fraction.is_empty() {
        let digits = fraction.strip_prefix('.')?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut scale = 100_000_000u64;
        for digit in digits.bytes() {
            let value = u64::from(digit - b'0');
            fraction_nonzero |= value != 0;
            nanos += value * scale;
            scale /= 10;
        }
    }
    if hours == 24 {
        return (minutes == 0 && seconds == 0 && !fraction_nonzero).then_some(NANOS_PER_DAY as u64);
    }
    if hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    Some(u64::from(hours * 3600 + minutes * 60 + seconds) * 1_000_000_000 + nanos)
}

fn write_tz(f: &mut fmt::Formatter<'_>, tz: Option<TzMinutes>) -> fmt::Result {
    match tz {
        None => Ok(()),
        Some(0) => f.write_str("Z"),
        Some(minutes) => {
            let sign = if minutes < 0 { '-' } else { '+' };
            let minutes = minutes.unsigned_abs();
            write!(f, "{sign}{:02}:{:02}", minutes / 60, minutes % 60)
        }
    }
}

fn write_date(f: &mut fmt::Formatter<'_>, date: NaiveDate) -> fmt::Result {
    let year = date.year();
    if year <= 0 {
        write!(f, "-{:04}-{:02}-{:02}", 1 - year, date.month(), date.day())
    } else {
        write!(f, "{year:04}-{:02}-{:02}", date.month(), date.day())
    }
}

fn write_time(f: &mut fmt::Formatter<'_>, nanos: u64) -> fmt::Result {
    let seconds = nanos / 1_000_000_000;
    let fraction = nanos % 1_000_000_000;
    write!(
        f,
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )?;
    if fraction != 0 {
        let digits = format!("{fraction:09}");
        write!(f, ".{}", digits.trim_end_matches('0'))?;
    }
    Ok(())
}

impl fmt::Display for XsDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_date(f, self.date)?;
        write_tz(f, self.tz)
    }
}

impl fmt::Display for XsTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_time(f, self.nanos % NANOS_PER_DAY as u64)?;
        write_tz(f, self.tz)
    }
}

impl fmt::Display for XsDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_date(f, self.date)?;
        f.write_str("T")?;
        write_time(f, self.nanos)?;
        write_tz(f, self.tz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_with_and_without_timezone() {
        assert!(XsDate::parse("2023-10-01").is_some());
        assert!(XsDate::parse(" 2023-10-01Z ").is_some());
        assert_eq!(
            XsDate::parse("2023-10-01+09:00").map(|d| d.tz),
            Some(Some(540))
        );
        assert!(XsDate::parse("2023-02-30").is_none());
        assert!(XsDate::parse("23-10-01").is_none());
        assert!(XsDate::parse("2023-1-01").is_none());
        assert!(XsDate::parse("2023-10-01T00:00:00").is_none());
        assert!(XsDate::parse("0000-01-01").is_none());
    }

    #[test]
    fn dates_order_by_instant() {
        let a = XsDate::parse("2023-10-01").expect("date");
        let b = XsDate::parse("2023-10-02").expect("date");
        assert!(a < b);
        assert_eq!(a.to_string(), "2023-10-01");
    }

    #[test]
    fn times_parse() {
        assert!(XsTime::parse("12:30:00").is_some());
        assert!(XsTime::parse("12:30:00.5+09:00").is_some());
        assert!(XsTime::parse("24:00:00").is_some());
        assert!(XsTime::parse("24:00:01").is_none());
        assert!(XsTime::parse("12:30").is_none());
        assert_eq!(
            XsTime::parse("12:30:00.250")
                .map(|t| t.to_string())
                .as_deref(),
            Some("12:30:00.25")
        );
    }

    #[test]
    fn date_times_parse() {
        assert!(XsDateTime::parse("2023-10-01T12:00:00Z").is_some());
        assert!(XsDateTime::parse("2023-10-01 12:00:00").is_none());
    }
}

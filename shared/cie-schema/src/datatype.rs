//! Lexical checks of the XML Schema built-in types UBL's data types rest on (`xs:decimal`,
//! `xs:date`, `xs:time`, `xs:dateTime`, `xs:boolean`, `xs:base64Binary`, `xs:language`), after the
//! whitespace collapsing those types prescribe.

/// The simple content type of a basic component, reduced to what can be checked lexically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DataType {
    /// `xs:string`, `xs:normalizedString`, `xs:anyURI`, ...: any text.
    Text,
    /// `xs:decimal`: amounts, quantities, measures, numerics, percents, rates.
    Decimal,
    /// `xs:date`.
    Date,
    /// `xs:time`.
    Time,
    /// `xs:dateTime`.
    DateTime,
    /// `xs:boolean`: indicators.
    Boolean,
    /// `xs:base64Binary`: binary objects.
    Base64Binary,
    /// `xs:language`: `languageID` attributes.
    Language,
}

impl DataType {
    /// The type of the built-in XML Schema type `local`, or `None` for one UBL does not use.
    pub(crate) fn builtin(local: &str) -> Option<DataType> {
        Some(match local {
            "string" | "normalizedString" | "token" | "anyURI" => DataType::Text,
            "decimal" => DataType::Decimal,
            "date" => DataType::Date,
            "time" => DataType::Time,
            "dateTime" => DataType::DateTime,
            "boolean" => DataType::Boolean,
            "base64Binary" => DataType::Base64Binary,
            "language" => DataType::Language,
            _ => return None,
        })
    }

    /// Whether values of this type need checking at all.
    pub(crate) fn is_checked(self) -> bool {
        self != DataType::Text
    }

    /// Whether `value` is in the lexical space of this type.
    pub(crate) fn accepts(self, value: &str) -> bool {
        let value = value.trim_matches(is_xml_whitespace);
        match self {
            DataType::Text => true,
            DataType::Decimal => is_decimal(value.as_bytes()),
            DataType::Date => is_date(value.as_bytes()),
            DataType::Time => is_time(value.as_bytes()),
            DataType::DateTime => is_date_time(value.as_bytes()),
            DataType::Boolean => matches!(value, "true" | "false" | "1" | "0"),
            DataType::Base64Binary => is_base64(value.as_bytes()),
            DataType::Language => is_language(value.as_bytes()),
        }
    }
}

pub(crate) fn is_xml_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_decimal(bytes: &[u8]) -> bool {
    let digits = match bytes.first() {
        Some(b'+' | b'-') => &bytes[1..],
        _ => bytes,
    };
    let (integer, fraction) = match digits.iter().position(|&byte| byte == b'.') {
        Some(dot) => (&digits[..dot], &digits[dot + 1..]),
        None => (digits, &[][..]),
    };
    (!integer.is_empty() || !fraction.is_empty())
        && integer.iter().all(u8::is_ascii_digit)
        && fraction.iter().all(u8::is_ascii_digit)
}

/// Reads exactly `n` ASCII digits at the start of `bytes`.
fn digits(bytes: &[u8], n: usize) -> Option<(u32, &[u8])> {
    let (head, rest) = bytes.split_at_checked(n)?;
    let mut value = 0u32;
    for &byte in head {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(byte - b'0');
    }
    Some((value, rest))
}

fn expect(bytes: &[u8], byte: u8) -> Option<&[u8]> {
    bytes.strip_prefix(&[byte])
}

/// `-?YYYY-MM-DD` (more than four year digits only without a leading zero); returns the rest.
fn date_part(bytes: &[u8]) -> Option<&[u8]> {
    let bytes = bytes.strip_prefix(b"-").unwrap_or(bytes);
    let year_len = bytes
        .iter()
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    if !(4..=12).contains(&year_len) || (year_len > 4 && bytes[0] == b'0') {
        return None;
    }
    let year: u64 = std::str::from_utf8(&bytes[..year_len]).ok()?.parse().ok()?;
    if year == 0 {
        return None;
    }
    let rest = expect(&bytes[year_len..], b'-')?;
    let (month, rest) = digits(rest, 2)?;
    let rest = expect(rest, b'-')?;
    let (day, rest) = digits(rest, 2)?;
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&day).then_some(rest)
}

/// `hh:mm:ss(.s+)?`, 24:00:00 included; returns the rest.
fn time_part(bytes: &[u8]) -> Option<&[u8]> {
    let (hour, rest) = digits(bytes, 2)?;
    let rest = expect(rest, b':')?;
    let (minute, rest) = digits(rest, 2)?;
    let rest = expect(rest, b':')?;
    let (second, mut rest) = digits(rest, 2)?;
    let mut fraction_is_zero = true;
    if let Some(after_dot) = expect(rest, b'.') {
        let len = after_dot
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if len == 0 {
            return None;
        }
        fraction_is_zero = after_dot[..len].iter().all(|&byte| byte == b'0');
        rest = &after_dot[len..];
    }
    let end_of_day = hour == 24 && minute == 0 && second == 0 && fraction_is_zero;
    (end_of_day || (hour < 24 && minute < 60 && second < 60)).then_some(rest)
}

/// Nothing, `Z` or `±hh:mm` up to ±14:00.
fn is_timezone(bytes: &[u8]) -> bool {
    match bytes {
        [] | [b'Z'] => true,
        [b'+' | b'-', rest @ ..] => {
            let Some((hour, rest)) = digits(rest, 2) else {
                return false;
            };
            let Some(rest) = expect(rest, b':') else {
                return false;
            };
            match digits(rest, 2) {
                Some((minute, [])) => minute < 60 && (hour < 14 || (hour == 14 && minute == 0)),
                _ => false,
            }
        }
        _ => false,
    }
}

fn is_date(bytes: &[u8]) -> bool {
    date_part(bytes).is_some_and(is_timezone)
}

fn is_time(bytes: &[u8]) -> bool {
    time_part(bytes).is_some_and(is_timezone)
}

fn is_date_time(bytes: &[u8]) -> bool {
    date_part(bytes)
        .and_then(|rest| expect(rest, b'T'))
        .and_then(time_part)
        .is_some_and(is_timezone)
}

fn is_base64(bytes: &[u8]) -> bool {
    let mut count = 0usize;
    let mut padding = 0usize;
    for &byte in bytes {
        match byte {
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            b'=' => padding += 1,
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' if padding == 0 => {}
            _ => return false,
        }
        count += 1;
    }
    count.is_multiple_of(4) && padding <= 2
}

fn is_language(bytes: &[u8]) -> bool {
    let mut parts = bytes.split(|&byte| byte == b'-');
    let Some(first) = parts.next() else {
        return false;
    };
    let sized = |part: &[u8]| (1..=8).contains(&part.len());
    sized(first)
        && first.iter().all(u8::is_ascii_alphabetic)
        && parts.all(|part| sized(part) && part.iter().all(u8::is_ascii_alphanumeric))
}

#[cfg(test)]
mod tests {
    use super::DataType;

    #[test]
    fn decimals() {
        for ok in ["0", "-1", "+1.5", "12000", ".5", "5.", " 7 ", "0001.000"] {
            assert!(DataType::Decimal.accepts(ok), "{ok:?}");
        }
        for bad in [
            "", ".", "-", "12,000", "1e3", "1.2.3", "¥100", "1 000", "NaN",
        ] {
            assert!(!DataType::Decimal.accepts(bad), "{bad:?}");
        }
    }

    #[test]
    fn dates() {
        for ok in [
            "2023-10-24",
            "2024-02-29",
            "2023-10-24Z",
            "2023-10-24+09:00",
            "-0044-03-15",
            "12023-01-01",
        ] {
            assert!(DataType::Date.accepts(ok), "{ok:?}");
        }
        for bad in [
            "2023-13-45",
            "2023-02-29",
            "2023-4-01",
            "23-10-24",
            "2023/10/24",
            "0000-01-01",
            "2023-10-24+15:00",
            "2023-10-24T00:00:00",
            "02023-01-01",
            "",
        ] {
            assert!(!DataType::Date.accepts(bad), "{bad:?}");
        }
    }

    #[test]
    fn times_and_date_times() {
        for ok in [
            "09:30:00",
            "23:59:59.999",
            "24:00:00",
            "12:00:00+09:00",
            "00:00:00Z",
        ] {
            assert!(DataType::Time.accepts(ok), "{ok:?}");
        }
        for bad in ["9:30:00", "24:00:01", "12:60:00", "12:00", "12:00:00.", ""] {
            assert!(!DataType::Time.accepts(bad), "{bad:?}");
        }
        assert!(DataType::DateTime.accepts("2023-10-24T09:30:00+09:00"));
        assert!(!DataType::DateTime.accepts("2023-10-24 09:30:00"));
    }

    #[test]
    fn booleans_base64_and_languages() {
        for ok in ["true", "false", "1", "0", " true "] {
            assert!(DataType::Boolean.accepts(ok), "{ok:?}");
        }
        for bad in ["TRUE", "yes", ""] {
            assert!(!DataType::Boolean.accepts(bad), "{bad:?}");
        }
        assert!(DataType::Base64Binary.accepts("UEsD\n QUJDBA=="));
        assert!(DataType::Base64Binary.accepts(""));
        assert!(!DataType::Base64Binary.accepts("UEsDB"));
        assert!(!DataType::Base64Binary.accepts("UE=sDBA="));
        assert!(DataType::Language.accepts("ja"));
        assert!(DataType::Language.accepts("en-US"));
        assert!(!DataType::Language.accepts("日本語"));
        assert!(!DataType::Language.accepts("en_US"));
    }
}

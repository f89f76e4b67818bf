//! How dates and amounts are written: ISO, `yyyymmdd`, `yyyy/mm/dd` or 和暦 (`R8.04.01`); amounts plain
//! or with thousands separators.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Deserialize;

/// How a layout writes dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
pub enum DateFormat {
    /// `20260401`.
    #[serde(rename = "yyyymmdd")]
    Compact,
    /// `2026/04/01`.
    #[serde(rename = "yyyy/mm/dd")]
    Slashed,
    /// `2026-04-01` (ISO 8601, the default).
    #[default]
    #[serde(rename = "yyyy-mm-dd")]
    Iso,
    /// 和暦 with the era's initial: `R8.04.01` (令和 from 2019-05-01), `H31.04.30` (平成 from 1989-01-08),
    /// `S64.01.07` (昭和 from 1926-12-25). Earlier dates cannot be written.
    #[serde(rename = "wareki")]
    Wareki,
}

/// How a layout writes amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AmountFormat {
    /// `55000` (the default).
    #[default]
    Plain,
    /// `55,000`.
    Comma,
}

/// `date` in `format`; `None` only for a 和暦 date before 昭和.
pub fn format_date(date: NaiveDate, format: DateFormat) -> Option<String> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    Some(match format {
        DateFormat::Compact => format!("{y:04}{m:02}{d:02}"),
        DateFormat::Slashed => format!("{y:04}/{m:02}/{d:02}"),
        DateFormat::Iso => format!("{y:04}-{m:02}-{d:02}"),
        DateFormat::Wareki => {
            let (era, year) = wareki(date)?;
            format!("{era}{year}.{m:02}.{d:02}")
        }
    })
}

/// The era initial and year of `date` in 和暦.
pub fn wareki(date: NaiveDate) -> Option<(char, i32)> {
    const ERAS: [(char, i32, u32, u32); 3] = [
        ('R', 2019, 5, 1),   // 令和
        ('H', 1989, 1, 8),   // 平成
        ('S', 1926, 12, 25), // 昭和
    ];
    ERAS.iter().find_map(|&(era, y, m, d)| {
        let start = NaiveDate::from_ymd_opt(y, m, d)?;
        (date >= start).then(|| (era, date.year() - y + 1))
    })
}

/// `amount` in `format`: trailing fractional zeros dropped (`55000.00` → `55000`), a leading `-` when negative.
pub fn format_amount(amount: Decimal, format: AmountFormat) -> String {
    let plain = amount.normalize().to_string();
    match format {
        AmountFormat::Plain => plain,
        AmountFormat::Comma => {
            let (sign, digits) = match plain.strip_prefix('-') {
                Some(rest) => ("-", rest),
                None => ("", plain.as_str()),
            };
            let (int, frac) = match digits.split_once('.') {
                Some((int, frac)) => (int, Some(frac)),
                None => (digits, None),
            };
            let mut out = String::with_capacity(plain.len() + plain.len() / 3);
            out.push_str(sign);
            for (i, c) in int.chars().enumerate() {
                if i > 0 && (int.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            if let Some(frac) = frac {
                out.push('.');
                out.push_str(frac);
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn wareki_dates() {
        let cases = [
            (date(2026, 4, 1), "R8.04.01"),
            (date(2019, 5, 1), "R1.05.01"),
            (date(2019, 4, 30), "H31.04.30"),
            (date(1989, 1, 8), "H1.01.08"),
            (date(1989, 1, 7), "S64.01.07"),
        ];
        for (d, expected) in cases {
            assert_eq!(
                format_date(d, DateFormat::Wareki).as_deref(),
                Some(expected),
                "{d}"
            );
        }
        assert_eq!(format_date(date(1900, 1, 1), DateFormat::Wareki), None);
    }

    #[test]
    fn gregorian_dates() {
        let d = date(2026, 4, 1);
        assert_eq!(format_date(d, DateFormat::Compact).unwrap(), "20260401");
        assert_eq!(format_date(d, DateFormat::Slashed).unwrap(), "2026/04/01");
        assert_eq!(format_date(d, DateFormat::Iso).unwrap(), "2026-04-01");
    }

    #[test]
    fn amounts() {
        let cases = [
            ("55000", "55000", "55,000"),
            ("55000.00", "55000", "55,000"),
            ("1234567.5", "1234567.5", "1,234,567.5"),
            ("-1200", "-1200", "-1,200"),
            ("999", "999", "999"),
            ("0", "0", "0"),
            ("100000", "100000", "100,000"),
        ];
        for (raw, plain, comma) in cases {
            let d: Decimal = raw.parse().unwrap();
            assert_eq!(format_amount(d, AmountFormat::Plain), plain, "{raw}");
            assert_eq!(format_amount(d, AmountFormat::Comma), comma, "{raw}");
        }
    }
}

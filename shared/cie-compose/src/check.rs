//! Field checks shared by the documents: texts XML can carry, code forms (ISO 4217, ISO 3166,
//! UN/ECE Rec 20, UNCL5305, Peppol EAS), Japanese registration and corporate numbers, and the
//! minor units of currencies.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use cie_domain::RegistrationNumber;
use rust_decimal::Decimal;

use crate::error::ComposeError;

/// A required text: not blank, no control character XML 1.0 cannot carry.
pub(crate) fn text(field: &str, value: &str) -> Result<(), ComposeError> {
    if value.trim().is_empty() {
        return Err(ComposeError::Empty {
            field: field.to_owned(),
        });
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || value.chars().any(|c| matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    {
        return Err(ComposeError::ControlCharacter {
            field: field.to_owned(),
        });
    }
    Ok(())
}

/// An optional text: absent, or a valid [`text`]. A blank text is refused rather than dropped, as
/// UBL documents must not carry empty elements.
pub(crate) fn optional_text(field: &str, value: Option<&str>) -> Result<(), ComposeError> {
    value.map_or(Ok(()), |value| text(field, value))
}

fn code(
    field: &str,
    value: &str,
    expected: &'static str,
    valid: impl Fn(&str) -> bool,
) -> Result<(), ComposeError> {
    text(field, value)?;
    if valid(value) {
        Ok(())
    } else {
        Err(ComposeError::InvalidCode {
            field: field.to_owned(),
            value: value.to_owned(),
            expected,
        })
    }
}

fn all_bytes(
    value: &str,
    lengths: std::ops::RangeInclusive<usize>,
    valid: fn(&u8) -> bool,
) -> bool {
    lengths.contains(&value.len()) && value.bytes().all(|b| valid(&b))
}

fn upper_alphanumeric(byte: &u8) -> bool {
    byte.is_ascii_uppercase() || byte.is_ascii_digit()
}

/// An ISO 4217 currency code.
pub(crate) fn currency(field: &str, value: &str) -> Result<(), ComposeError> {
    code(
        field,
        value,
        "an ISO 4217 currency code (three capital letters, e.g. JPY)",
        |v| all_bytes(v, 3..=3, u8::is_ascii_uppercase),
    )
}

/// An ISO 3166-1 alpha-2 country code.
pub(crate) fn country(field: &str, value: &str) -> Result<(), ComposeError> {
    code(
        field,
        value,
        "an ISO 3166-1 alpha-2 country code (two capital letters, e.g. JP)",
        |v| all_bytes(v, 2..=2, u8::is_ascii_uppercase),
    )
}

/// A unit of measure of UN/ECE Recommendation 20 (with Rec 21 packaging codes): two or three
/// capital letters or digits, e.g. `EA`, `H87`, `C62`, `KGM`, `HUR`.
pub(crate) fn unit_code(field: &str, value: &str) -> Result<(), ComposeError> {
    code(
        field,
        value,
        "a UN/ECE Rec 20 unit code (two or three capital letters or digits, e.g. H87, KGM)",
        |v| all_bytes(v, 2..=3, upper_alphanumeric),
    )
}

/// A document type code of UNCL1001 (three digits, e.g. `380`).
pub(crate) fn document_type_code(field: &str, value: &str) -> Result<(), ComposeError> {
    code(
        field,
        value,
        "a UNCL1001 document type code (three digits, e.g. 380)",
        |v| all_bytes(v, 3..=3, u8::is_ascii_digit),
    )
}

/// The tax category codes of UNCL5305.
const TAX_CATEGORIES: [&str; 21] = [
    "A", "AA", "AB", "AC", "AD", "AE", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M",
    "O", "S", "Z",
];

/// A UNCL5305 tax category code (`S` standard 10%, `AA` reduced 8%, `E`, `Z`, `O`, `G`, …).
pub(crate) fn tax_category(field: &str, value: &str) -> Result<(), ComposeError> {
    code(
        field,
        value,
        "a UNCL5305 tax category code (e.g. S, AA, E, Z, O)",
        |v| TAX_CATEGORIES.contains(&v),
    )
}

/// A code of a closed list: one of `allowed`, exactly.
pub(crate) fn one_of(
    field: &str,
    value: &str,
    allowed: &[&str],
    expected: &'static str,
) -> Result<(), ComposeError> {
    code(field, value, expected, |v| allowed.contains(&v))
}

/// A number of exactly `count` ASCII digits, e.g. a 4-digit 金融機関コード.
pub(crate) fn digits(
    field: &str,
    value: &str,
    count: usize,
    expected: &'static str,
) -> Result<(), ComposeError> {
    code(field, value, expected, |v| {
        all_bytes(v, count..=count, u8::is_ascii_digit)
    })
}

/// A file name without directory: no `/` or `\`.
pub(crate) fn file_name(field: &str, value: &str) -> Result<(), ComposeError> {
    code(
        field,
        value,
        "a file name without directory (no / or \\)",
        |v| !v.contains(['/', '\\']),
    )
}

/// The Peppol electronic address scheme for a Japanese corporate number (法人番号).
pub(crate) const CORPORATE_NUMBER_SCHEME: &str = "0188";

/// A Peppol electronic address scheme (EAS): four digits, or two capital letters (`EM`, `AN`, …).
pub(crate) fn endpoint_scheme(field: &str, value: &str) -> Result<(), ComposeError> {
    code(
        field,
        value,
        "a Peppol EAS code (four digits such as 0188, or two capital letters)",
        |v| all_bytes(v, 4..=4, u8::is_ascii_digit) || all_bytes(v, 2..=2, u8::is_ascii_uppercase),
    )
}

/// An electronic address in `scheme`; under 0188 a 法人番号 of 13 digits with a valid check digit.
pub(crate) fn endpoint_id(field: &str, scheme: &str, value: &str) -> Result<(), ComposeError> {
    if scheme.trim() == CORPORATE_NUMBER_SCHEME {
        code(
            field,
            value,
            "a 13-digit corporate number (法人番号) with a valid check digit",
            |v| {
                all_bytes(v, 13..=13, u8::is_ascii_digit)
                    && RegistrationNumber::parse(&format!("T{v}"))
                        .is_ok_and(|number| number.has_valid_check_digit())
            },
        )
    } else {
        text(field, value)
    }
}

/// An electronic address in `scheme` by its form only; under 0188 thirteen digits.
pub(crate) fn endpoint_id_form(field: &str, scheme: &str, value: &str) -> Result<(), ComposeError> {
    if scheme.trim() == CORPORATE_NUMBER_SCHEME {
        code(
            field,
            value,
            "a 13-digit corporate number (法人番号)",
            |v| all_bytes(v, 13..=13, u8::is_ascii_digit),
        )
    } else {
        text(field, value)
    }
}

/// A qualified-invoice issuer registration number (登録番号): `T`, 13 digits, valid check digit.
pub(crate) fn registration_number(field: &str, value: &str) -> Result<(), ComposeError> {
    code(
        field,
        value,
        "a registration number (登録番号): T and 13 digits with a valid check digit",
        |v| RegistrationNumber::parse(v).is_ok_and(|number| number.has_valid_check_digit()),
    )
}

/// A date of the years 1 to 9999, which every `xs:date` reader takes.
pub(crate) fn date(field: &str, value: NaiveDate) -> Result<(), ComposeError> {
    if (1..=9999).contains(&value.year()) {
        Ok(())
    } else {
        Err(ComposeError::InvalidCode {
            field: field.to_owned(),
            value: value.to_string(),
            expected: "a date in the years 1 to 9999",
        })
    }
}

/// An optional [`date`].
pub(crate) fn optional_date(field: &str, value: Option<NaiveDate>) -> Result<(), ComposeError> {
    value.map_or(Ok(()), |value| date(field, value))
}

/// A time without leap second, which `xs:time` cannot write.
pub(crate) fn time(field: &str, value: Option<NaiveTime>) -> Result<(), ComposeError> {
    match value {
        Some(value) if value.nanosecond() >= 1_000_000_000 => Err(ComposeError::InvalidCode {
            field: field.to_owned(),
            value: value.to_string(),
            expected: "a time without leap second",
        }),
        _ => Ok(()),
    }
}

/// A quantity: more than zero.
pub(crate) fn positive(field: &str, value: Decimal) -> Result<(), ComposeError> {
    if value > Decimal::ZERO {
        Ok(())
    } else {
        Err(ComposeError::NotPositive {
            field: field.to_owned(),
        })
    }
}

/// A price or rate: zero or more.
pub(crate) fn not_negative(field: &str, value: Decimal) -> Result<(), ComposeError> {
    if value.is_sign_negative() && !value.is_zero() {
        Err(ComposeError::Negative {
            field: field.to_owned(),
        })
    } else {
        Ok(())
    }
}

/// Decimals an amount in `currency` may have (ISO 4217 minor units): 0 for the yen and other
/// currencies without minor unit, 3 for the dinar-style currencies, 2 otherwise.
pub(crate) fn minor_units(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Quantity × unit price of the line at `field`, exact. The quantity must be positive and the price
/// not negative; an amount with more decimals than `currency` has (a fraction of a yen) is refused,
/// never rounded.
pub(crate) fn line_amount(
    field: &str,
    quantity: Decimal,
    unit_price: Decimal,
    currency: &str,
) -> Result<Decimal, ComposeError> {
    positive(&format!("{field}.quantity"), quantity)?;
    not_negative(&format!("{field}.unit_price"), unit_price)?;
    let amount = quantity
        .checked_mul(unit_price)
        .ok_or_else(|| ComposeError::Overflow {
            field: field.to_owned(),
        })?
        .normalize();
    let minor_units = minor_units(currency);
    if amount.scale() > minor_units {
        return Err(ComposeError::FractionalAmount {
            field: field.to_owned(),
            amount,
            currency: currency.to_owned(),
            minor_units,
        });
    }
    Ok(amount)
}

/// Refuses a line id an earlier line of `list` already carries.
pub(crate) fn unique_line_ids<'a>(
    list: &str,
    ids: impl Iterator<Item = &'a str>,
) -> Result<(), ComposeError> {
    unique_ids(list, "id", ids)
}

/// Refuses a line id, held in each line's field `id_field`, that an earlier line of `list` already
/// carries.
pub(crate) fn unique_ids<'a>(
    list: &str,
    id_field: &str,
    ids: impl Iterator<Item = &'a str>,
) -> Result<(), ComposeError> {
    let mut seen = std::collections::HashSet::new();
    for (index, id) in ids.enumerate() {
        if !seen.insert(id.trim()) {
            return Err(ComposeError::DuplicateLineId {
                field: format!("{list}[{index}].{id_field}"),
                value: id.trim().to_owned(),
            });
        }
    }
    Ok(())
}

/// The tax of one rate under the qualified invoice rule: computed once on the sum of the rate's line
/// amounts (`taxable`) and rounded to the currency's `minor_units` with `strategy`, never per line; `None`
/// when it overflows.
pub(crate) fn tax_of_rate(
    taxable: Decimal,
    percent: Decimal,
    minor_units: u32,
    strategy: rust_decimal::RoundingStrategy,
) -> Option<Decimal> {
    Some(
        taxable
            .checked_mul(percent)?
            .checked_div(Decimal::ONE_HUNDRED)?
            .round_dp_with_strategy(minor_units, strategy),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corporate_numbers_need_their_check_digit() {
        assert!(endpoint_id("e", "0188", "7000012050002").is_ok());
        assert!(endpoint_id("e", "0188", "7000012050003").is_err());
        assert!(endpoint_id("e", "0188", "T7000012050002").is_err());
        assert!(endpoint_id("e", "0088", "anything").is_ok());
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_kept() {
        assert!(text("t", "a\r\n\tb").is_ok());
        assert!(matches!(
            text("t", "a\u{1}b"),
            Err(ComposeError::ControlCharacter { .. })
        ));
        assert!(matches!(text("t", " \n"), Err(ComposeError::Empty { .. })));
    }

    #[test]
    fn dates_and_times_stay_within_what_xml_schema_writes() {
        let leap = NaiveTime::from_hms_milli_opt(23, 59, 59, 1_500).expect("leap second");
        assert!(time("t", Some(leap)).is_err());
        assert!(time("t", NaiveTime::from_hms_opt(23, 59, 59)).is_ok());
        let year_zero = NaiveDate::from_ymd_opt(0, 1, 1).expect("year 0");
        assert!(date("d", year_zero).is_err());
        let far = NaiveDate::from_ymd_opt(10_000, 1, 1).expect("year 10000");
        assert!(optional_date("d", Some(far)).is_err());
        assert!(optional_date("d", None).is_ok());
    }

    #[test]
    fn code_forms() {
        assert!(unit_code("u", "H87").is_ok());
        assert!(unit_code("u", "h87").is_err());
        assert!(unit_code("u", "KGMS").is_err());
        assert!(endpoint_scheme("s", "EM").is_ok());
        assert!(endpoint_scheme("s", "188").is_err());
        assert!(tax_category("c", "AA").is_ok());
        assert!(tax_category("c", "X").is_err());
        assert_eq!(minor_units("JPY"), 0);
        assert_eq!(minor_units("EUR"), 2);
        assert!(digits("d", "0009", 4, "four digits").is_ok());
        assert!(digits("d", "009", 4, "four digits").is_err());
        assert!(digits("d", "００09", 4, "four digits").is_err());
        assert!(file_name("f", "見積書.pdf").is_ok());
        assert!(file_name("f", "../etc/passwd").is_err());
        assert!(file_name("f", "C:\\temp\\a.pdf").is_err());
        assert!(one_of("m", "text/csv", &["text/csv"], "csv").is_ok());
        assert!(one_of("m", "TEXT/CSV", &["text/csv"], "csv").is_err());
    }
}

//! Lexical rules for the values the summary is made of: decimals, dates, and the profile a
//! CustomizationID names.

use std::str::FromStr;

use chrono::NaiveDate;
use cie_domain::{DocumentKind, Profile};
use rust_decimal::Decimal;

/// `value` without leading and trailing XML whitespace (space, tab, CR, LF). Other Unicode spaces,
/// such as the ideographic space, are content.
pub(crate) fn trim_xml(value: &str) -> &str {
    value.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// A decimal in the `xs:decimal` lexical space: an optional sign, then digits with at most one
/// decimal point and at least one digit. Exponents, grouping separators and underscores are refused,
/// as are values beyond `Decimal`'s 28 significant digits.
pub(crate) fn parse_decimal(value: &str) -> Option<Decimal> {
    let bytes = value.as_bytes();
    let unsigned = match bytes.first() {
        Some(b'+' | b'-') => &bytes[1..],
        _ => bytes,
    };
    let mut digits = 0usize;
    let mut points = 0usize;
    for &byte in unsigned {
        match byte {
            b'0'..=b'9' => digits += 1,
            b'.' => points += 1,
            _ => return None,
        }
    }
    if digits == 0 || points > 1 {
        return None;
    }
    // `Decimal` does not take a leading `+`, so it gets the unsigned form.
    let magnitude = Decimal::from_str(std::str::from_utf8(unsigned).ok()?).ok()?;
    Some(if bytes.first() == Some(&b'-') && !magnitude.is_zero() {
        -magnitude
    } else {
        magnitude
    })
}

/// An `xs:date`: `YYYY-MM-DD`, optionally followed by a time zone (`Z` or `±hh:mm`), which is
/// accepted and ignored.
pub(crate) fn parse_issue_date(value: &str) -> Option<NaiveDate> {
    let bytes = value.as_bytes();
    if bytes.len() < 10 || !bytes[..10].is_ascii() {
        return None;
    }
    let (date, zone) = bytes.split_at(10);
    if date[4] != b'-' || date[7] != b'-' || !valid_zone(zone) {
        return None;
    }
    let year = digits(&date[0..4])?;
    let month = digits(&date[5..7])?;
    let day = digits(&date[8..10])?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &byte| {
        byte.is_ascii_digit()
            .then(|| acc * 10 + u32::from(byte - b'0'))
    })
}

fn valid_zone(zone: &[u8]) -> bool {
    match zone {
        [] | [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => match (digits(&[*h1, *h2]), digits(&[*m1, *m2])) {
            (Some(hours), Some(minutes)) => {
                minutes < 60 && (hours < 14 || (hours == 14 && minutes == 0))
            }
            _ => false,
        },
        _ => false,
    }
}

/// The profile a document of `kind` follows, from its CustomizationID.
pub(crate) fn profile_for(kind: DocumentKind, customization_id: Option<&str>) -> Profile {
    let Some(customization) = customization_id else {
        return Profile::Ubl;
    };
    match kind {
        DocumentKind::Invoice | DocumentKind::CreditNote => {
            if names_jp_pint(customization, "urn:peppol:pint:billing-1@jp-1") {
                Profile::JpPintStandard
            } else if names_jp_pint(customization, "urn:peppol:pint:selfbilling-1@jp-1") {
                Profile::JpPintSelfBilling
            } else if names_jp_pint(customization, "urn:peppol:pint:nontaxinvoice-1@jp-1") {
                Profile::JpPintNonTaxRegistered
            } else if customization.to_ascii_lowercase().contains("peppol") {
                Profile::PeppolBilling
            } else {
                Profile::Ubl
            }
        }
        DocumentKind::Order
        | DocumentKind::OrderResponse
        | DocumentKind::OrderResponseSimple
        | DocumentKind::OrderChange
        | DocumentKind::OrderCancellation
            if customization.contains("urn:fdc:peppol.eu:poacc:trns:order") =>
        {
            Profile::PeppolOrdering
        }
        DocumentKind::DespatchAdvice
            if customization.contains("urn:fdc:peppol.eu:poacc:trns:despatch_advice") =>
        {
            Profile::PeppolDespatchAdvice
        }
        DocumentKind::InvoiceResponse
            if customization.contains("urn:fdc:peppol.eu:poacc:trns:invoice_response") =>
        {
            Profile::PeppolInvoiceResponse
        }
        _ => Profile::Ubl,
    }
}

/// Whether `customization` is `prefix` or an extension of it (`…@jp-1:x`), but not another version
/// that merely starts the same way (`…@jp-10`).
fn names_jp_pint(customization: &str, prefix: &str) -> bool {
    customization
        .strip_prefix(prefix)
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_the_xsd_lexical_space() {
        for (raw, expected) in [
            ("281240", "281240"),
            ("-1.5", "-1.5"),
            ("+2", "2"),
            ("25250.50", "25250.50"),
            (".5", "0.5"),
            ("5.", "5"),
            ("0", "0"),
            ("-0.00", "0.00"),
        ] {
            assert_eq!(
                parse_decimal(raw),
                Some(Decimal::from_str(expected).unwrap()),
                "{raw}"
            );
        }
        for raw in [
            "",
            "-",
            "+",
            ".",
            "12,000",
            "1e3",
            "1E3",
            "1_000",
            " 1",
            "1 ",
            "1.2.3",
            "--1",
            "+-1",
            "0x10",
            "１２",
            "NaN",
            "99999999999999999999999999999999",
        ] {
            assert_eq!(parse_decimal(raw), None, "{raw:?} should be refused");
        }
    }

    #[test]
    fn dates_accept_an_optional_zone() {
        let expected = NaiveDate::from_ymd_opt(2023, 10, 24);
        for raw in [
            "2023-10-24",
            "2023-10-24Z",
            "2023-10-24+09:00",
            "2023-10-24-05:30",
            "2023-10-24+14:00",
        ] {
            assert_eq!(parse_issue_date(raw), expected, "{raw}");
        }
        for raw in [
            "",
            "2023-13-45",
            "2023-02-30",
            "2023/10/24",
            "23-10-24",
            "2023-1-24",
            "2023-10-24T00:00:00",
            "2023-10-24+9:00",
            "2023-10-24+15:00",
            "2023-10-24 ",
            "２０２３-10-24",
            "20231024",
        ] {
            assert_eq!(parse_issue_date(raw), None, "{raw:?} should be refused");
        }
    }

    #[test]
    fn profiles_come_from_the_customization_id() {
        use DocumentKind::*;
        let cases = [
            (
                Invoice,
                Some("urn:peppol:pint:billing-1@jp-1"),
                Profile::JpPintStandard,
            ),
            (
                Invoice,
                Some("urn:peppol:pint:billing-1@jp-1:extra"),
                Profile::JpPintStandard,
            ),
            (
                Invoice,
                Some("urn:peppol:pint:billing-1@jp-10"),
                Profile::PeppolBilling,
            ),
            (
                CreditNote,
                Some("urn:peppol:pint:billing-1@jp-1"),
                Profile::JpPintStandard,
            ),
            (
                Invoice,
                Some("urn:peppol:pint:selfbilling-1@jp-1"),
                Profile::JpPintSelfBilling,
            ),
            (
                Invoice,
                Some("urn:peppol:pint:nontaxinvoice-1@jp-1"),
                Profile::JpPintNonTaxRegistered,
            ),
            (
                Invoice,
                Some("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"),
                Profile::PeppolBilling,
            ),
            (
                Invoice,
                Some("urn:www.cenbii.eu:transaction:biitrns010:ver2.0"),
                Profile::Ubl,
            ),
            (Invoice, None, Profile::Ubl),
            (
                Order,
                Some("urn:fdc:peppol.eu:poacc:trns:order:3"),
                Profile::PeppolOrdering,
            ),
            (
                OrderResponse,
                Some("urn:fdc:peppol.eu:poacc:trns:order_agreement:3"),
                Profile::PeppolOrdering,
            ),
            (
                OrderCancellation,
                Some("urn:fdc:peppol.eu:poacc:trns:order_cancellation:3"),
                Profile::PeppolOrdering,
            ),
            (
                Order,
                Some("urn:www.cenbii.eu:transaction:biicoretrdm001:ver1.0"),
                Profile::Ubl,
            ),
            (
                DespatchAdvice,
                Some("urn:fdc:peppol.eu:poacc:trns:despatch_advice:3"),
                Profile::PeppolDespatchAdvice,
            ),
            (
                InvoiceResponse,
                Some("urn:fdc:peppol.eu:poacc:trns:invoice_response:3"),
                Profile::PeppolInvoiceResponse,
            ),
            (
                Quotation,
                Some("urn:fdc:peppol.eu:poacc:trns:order:3"),
                Profile::Ubl,
            ),
            (
                Invoice,
                Some("urn:fdc:peppol.eu:poacc:trns:order:3"),
                Profile::PeppolBilling,
            ),
        ];
        for (kind, customization, expected) in cases {
            assert_eq!(
                profile_for(kind, customization),
                expected,
                "{kind} {customization:?}"
            );
        }
    }
}

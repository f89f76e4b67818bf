//! Shared test inputs (the city, a supplier, addresses) and the checks every written document must
//! pass.

use cie_compose::{Address, ComposeError, Contact, Endpoint, TradingParty};
use cie_domain::{Finding, Severity, Summary};
use cie_rules::post_award::{Transaction, validate_post_award};
use cie_rules::{Profile, jp::validate_jp, validate_official};

/// 東久留米市's 法人番号 (valid check digit).
pub(crate) const CITY_NUMBER: &str = "7000012050002";
/// The supplier's 法人番号 (valid check digit).
pub(crate) const SUPPLIER_NUMBER: &str = "4011001098993";
/// The supplier's 登録番号.
pub(crate) const SUPPLIER_REGISTRATION: &str = "T4011001098993";

pub(crate) fn endpoint(number: &str) -> Endpoint {
    Endpoint {
        id: number.to_owned(),
        scheme: "0188".to_owned(),
    }
}

pub(crate) fn city_address() -> Address {
    Address {
        postal_zone: Some("203-8555".to_owned()),
        country_subentity: Some("東京都".to_owned()),
        city_name: "東久留米市".to_owned(),
        street_name: Some("本町3-3-1".to_owned()),
        additional_street_name: None,
        country: "JP".to_owned(),
    }
}

pub(crate) fn city_contact() -> Contact {
    Contact {
        name: Some("会計課 契約係".to_owned()),
        telephone: Some("042-470-7777".to_owned()),
        email: Some("keiyaku@city.example.jp".to_owned()),
    }
}

pub(crate) fn city() -> TradingParty {
    TradingParty {
        name: "東久留米市".to_owned(),
        endpoint: Some(endpoint(CITY_NUMBER)),
        registration_number: None,
        address: Some(city_address()),
        contact: Some(city_contact()),
    }
}

pub(crate) fn supplier() -> TradingParty {
    TradingParty {
        name: "株式会社〇〇商事".to_owned(),
        endpoint: Some(endpoint(SUPPLIER_NUMBER)),
        registration_number: Some(SUPPLIER_REGISTRATION.to_owned()),
        address: None,
        contact: None,
    }
}

pub(crate) fn date(text: &str) -> chrono::NaiveDate {
    text.parse().expect("a date")
}

pub(crate) fn decimal(text: &str) -> rust_decimal::Decimal {
    text.parse().expect("a decimal")
}

/// Reads `xml` as intake does and checks it against the UBL schema.
pub(crate) fn read_back(xml: &str) -> Summary {
    let findings = cie_schema::check(xml.as_bytes()).expect("readable by the schema check");
    assert!(findings.is_empty(), "schema findings: {findings:#?}\n{xml}");
    cie_ubl::parse(xml.as_bytes(), &cie_ubl::Limits::default()).expect("readable by intake")
}

/// Checks `xml` with the Peppol post-award rules: recognised as `transaction`, nothing fatal or
/// in error.
pub(crate) fn assert_post_award_clean(xml: &str, transaction: Transaction) {
    let document = cie_xpath::Document::parse(xml.as_bytes()).expect("well-formed");
    let verdict = validate_post_award(&document).expect("a Peppol post-award document");
    assert_eq!(verdict.transaction, transaction);
    let serious: Vec<_> = verdict
        .findings
        .iter()
        .filter(|finding| matches!(finding.severity, Severity::Fatal | Severity::Error))
        .collect();
    assert!(
        serious.is_empty(),
        "post-award findings: {serious:#?}\n{xml}"
    );
}

/// Runs the official JP PINT rule set the document's CustomizationID selects and our Japanese-law
/// rules (cie-jp) on `xml`: recognised as `profile`, nothing fatal or in error. Returns every
/// finding, informational ones included.
pub(crate) fn assert_jp_pint_clean(xml: &str, profile: Profile) -> Vec<Finding> {
    let findings = jp_pint_findings(xml, profile);
    let serious: Vec<_> = findings
        .iter()
        .filter(|finding| matches!(finding.severity, Severity::Fatal | Severity::Error))
        .collect();
    assert!(serious.is_empty(), "JP PINT findings: {serious:#?}\n{xml}");
    findings
}

/// The findings of the official JP PINT rules and the cie-jp rules on `xml`, which must be a JP PINT
/// invoice of `profile`.
pub(crate) fn jp_pint_findings(xml: &str, profile: Profile) -> Vec<Finding> {
    let document = cie_xpath::Document::parse(xml.as_bytes()).expect("well-formed");
    let verdict = validate_official(&document).expect("a JP PINT invoice");
    assert_eq!(verdict.rule_set, profile.rule_set());
    let mut findings = verdict.findings;
    findings.extend(validate_jp(&document, profile));
    findings
}

/// Asserts that `result` is a refusal about `field` whose message is `message`.
pub(crate) fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, ComposeError>,
    field: &str,
    message: &str,
) -> ComposeError {
    let error = result.expect_err("the input should be refused");
    assert_eq!(error.field(), field, "{error:?}");
    assert_eq!(error.to_string(), message);
    error
}

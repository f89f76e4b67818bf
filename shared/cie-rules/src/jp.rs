//! Our Japanese-law rules (`cie-jp-*`): what the Qualified Invoice System (インボイス制度, 消費税法 57条の4)
//! requires of a JP PINT invoice and the official rule set misses or hides. Severities follow the law as it
//! applies to a city's accounting unit: a defect that makes the document no valid 適格請求書 is an `error`
//! (the invoice is returned, not refused at the door); facts for the accountant are `info`.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use cie_domain::{Finding, RegistrationNumber, Severity};
use cie_xpath::{Document, NodeId};
use rust_decimal::Decimal;

use crate::catalogued::{Findings, text};
use crate::numbers::Number;
use crate::official::Profile;
use crate::ubl_names::NAMES;

/// Name and version of this rule set.
pub const RULE_SET: &str = "cie-jp 1";

const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";

/// Every rule of this set: id, severity, Japanese and English description.
pub const RULES: &[(&str, Severity, &str, &str)] = &[
    (
        "cie-jp-01",
        Severity::Error,
        "税率ごとに区分した課税対象額（IBT-116）は、その税カテゴリ・税率の明細行金額の合計に文書レベルの追加請求を加え値引きを差し引いた額と一致しなければなりません。",
        "Each tax breakdown's taxable amount (ibt-116) must equal the sum of the line net amounts of its tax category and rate, plus document-level charges and minus document-level allowances of that category.",
    ),
    (
        "cie-jp-02",
        Severity::Error,
        "税カテゴリSの税率は10%、AA（軽減税率）の税率は8%でなければなりません。",
        "Tax category S must have the rate 10 % and AA (reduced rate) the rate 8 %.",
    ),
    (
        "cie-jp-03",
        Severity::Error,
        "税スキーム（TaxScheme/ID）は正確に'VAT'（日本の消費税）でなければなりません。",
        "The tax scheme (TaxScheme/ID) must be exactly 'VAT' (the Japanese consumption tax).",
    ),
    (
        "cie-jp-04",
        Severity::Error,
        "売り手の適格請求書発行事業者登録番号（IBT-031）の13桁の数字は、法人番号と同じ検査用数字の規則を満たしていません。",
        "The 13 digits of the seller's qualified invoice registration number (ibt-031) fail the check digit of the corporate number.",
    ),
    (
        "cie-jp-05",
        Severity::Error,
        "日本円（JPY）の金額（税額・課税対象額・合計額）に1円未満の端数があってはなりません。",
        "Amounts in JPY (tax, taxable and total amounts) must not have fractions of a yen.",
    ),
    (
        "cie-jp-06",
        Severity::Error,
        "消費税額は、税率ごとに1回だけ端数処理（切捨て・四捨五入・切上げ）した額でなければなりません（課税対象額 × 税率 の端数処理）。",
        "The consumption tax of each rate must be rounded once per rate per invoice (down, half up or up) from taxable amount × rate.",
    ),
    (
        "cie-jp-07",
        Severity::Info,
        "免税事業者等からの請求書です。仕入税額控除は経過措置の範囲に限られます（2026年9月30日まで80%、2029年9月30日まで50%）。",
        "Invoice from a business that is not a registered qualified invoice issuer: input tax credit only within the transitional measure (80 % until 2026-09-30, 50 % until 2029-09-30).",
    ),
];

/// The day the Qualified Invoice System started.
fn qualified_invoice_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 10, 1).unwrap_or_default()
}

/// Runs the `cie-jp-*` rules on a JP PINT invoice or credit note of `profile`.
pub fn validate_jp(doc: &Document, profile: Profile) -> Vec<Finding> {
    let Some(root) = doc.document_element() else {
        return Vec::new();
    };
    let mut out = Findings::new(doc, RULES, RULE_SET);
    let issue_date = doc
        .child_named(root, CBC, "IssueDate")
        .and_then(|n| parse_date(&text(doc, n)));
    breakdown_matches_lines(&mut out, root);
    if issue_date
        .is_none_or(|date| date >= NaiveDate::from_ymd_opt(2019, 10, 1).unwrap_or_default())
    {
        rates_of_categories(&mut out, root);
    }
    tax_scheme_is_vat(&mut out, root);
    if profile != Profile::NonTaxRegistered {
        registration_number_check_digit(&mut out, root);
    }
    jpy_without_fractions(&mut out, root);
    // A 免税事業者 charges no consumption tax: its invoices state the category's rate with a tax of 0 by
    // design (the official non-tax-registered examples do), so there is no rounding to check.
    if profile != Profile::NonTaxRegistered {
        tax_rounded_once_per_rate(&mut out, root);
    }
    if profile == Profile::NonTaxRegistered {
        let date = issue_date.unwrap_or_else(qualified_invoice_start);
        let share = if date <= NaiveDate::from_ymd_opt(2026, 9, 30).unwrap_or_default() {
            "80 %"
        } else if date <= NaiveDate::from_ymd_opt(2029, 9, 30).unwrap_or_default() {
            "50 %"
        } else {
            "0 %"
        };
        out.push(
            root,
            "cie-jp-07",
            &format!("仕入税額控除の割合: {share}"),
            &format!("creditable share: {share}"),
        );
    }
    out.findings
}

fn path<'d>(doc: &'d Document, node: NodeId, steps: &'d [(&'d str, &'d str)]) -> Option<NodeId> {
    steps
        .iter()
        .try_fold(node, |at, (ns, local)| doc.child_named(at, ns, local))
}

fn decimal(doc: &Document, node: Option<NodeId>) -> Option<Decimal> {
    node.and_then(|n| text(doc, n).parse::<Decimal>().ok())
}

fn number(doc: &Document, node: Option<NodeId>) -> Option<Number> {
    node.and_then(|n| Number::parse(&text(doc, n)))
}

fn parse_date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.get(..10)?, "%Y-%m-%d").ok()
}

/// A tax category and rate, as (code in capitals, percent normalised); the code is borrowed from the
/// document when it is written in capitals already.
type CategoryKey<'d> = (Cow<'d, str>, Option<Decimal>);

/// The [`CategoryKey`] of a `TaxCategory` or `ClassifiedTaxCategory`.
fn category_key(doc: &Document, category: NodeId) -> CategoryKey<'_> {
    let names = &*NAMES;
    let code = doc
        .child_known(category, &names.id)
        .map(|n| in_capitals(text(doc, n)))
        .unwrap_or_default();
    let percent = decimal(doc, doc.child_known(category, &names.percent)).map(|p| p.normalize());
    (code, percent)
}

/// `text` with its letters in capitals, copied only if that changes it.
fn in_capitals(text: Cow<'_, str>) -> Cow<'_, str> {
    if !text.is_ascii() {
        return Cow::Owned(text.to_uppercase());
    }
    if text.bytes().any(|byte| byte.is_ascii_lowercase()) {
        return Cow::Owned(text.to_ascii_uppercase());
    }
    text
}

fn document_currency(doc: &Document, root: NodeId) -> Option<String> {
    doc.child_named(root, CBC, "DocumentCurrencyCode")
        .map(|n| text(doc, n).into_owned())
}

/// The TaxTotal whose TaxAmount is in the document currency.
fn document_tax_total(doc: &Document, root: NodeId) -> Option<NodeId> {
    let names = &*NAMES;
    let currency = document_currency(doc, root)?;
    doc.children_known(root, &names.tax_total).find(|&total| {
        doc.child_known(total, &names.tax_amount)
            .and_then(|amount| doc.attribute(amount, "", "currencyID"))
            .is_some_and(|c| c.trim() == currency)
    })
}

fn lines(doc: &Document, root: NodeId) -> impl Iterator<Item = NodeId> + '_ {
    let names = &*NAMES;
    doc.element_children(root).filter(move |&c| {
        doc.has_known_name(c, &names.invoice_line) || doc.has_known_name(c, &names.credit_note_line)
    })
}

fn breakdown_matches_lines(out: &mut Findings<'_>, root: NodeId) {
    let doc = out.doc;
    let names = &*NAMES;
    let Some(total) = document_tax_total(doc, root) else {
        return;
    };
    // The lines' amounts per category, added up once in document order for all the subtotals.
    let mut line_sums: HashMap<CategoryKey, Number> = HashMap::new();
    for line in lines(doc, root) {
        let category = doc
            .child_known(line, &names.item)
            .and_then(|item| doc.child_known(item, &names.classified_tax_category));
        if let Some(category) = category {
            let amount = number(doc, doc.child_known(line, &names.line_extension_amount));
            let sum = line_sums
                .entry(category_key(doc, category))
                .or_insert(Number::ZERO);
            *sum = sum.plus(amount.unwrap_or(Number::ZERO));
        }
    }
    for subtotal in doc.children_known(total, &names.tax_subtotal) {
        let Some(category) = doc.child_known(subtotal, &names.tax_category) else {
            continue;
        };
        let Some(taxable) = number(doc, doc.child_known(subtotal, &names.taxable_amount)) else {
            continue;
        };
        let key = category_key(doc, category);
        let mut expected = line_sums.get(&key).copied().unwrap_or(Number::ZERO);
        for charge in doc.children_known(root, &names.allowance_charge) {
            let charge_category = doc.child_known(charge, &names.tax_category);
            if charge_category.is_none_or(|c| category_key(doc, c) != key) {
                continue;
            }
            let amount =
                number(doc, doc.child_known(charge, &names.amount)).unwrap_or(Number::ZERO);
            let is_charge = doc
                .child_known(charge, &names.charge_indicator)
                .is_some_and(|n| text(doc, n) == "true");
            expected = if is_charge {
                expected.plus(amount)
            } else {
                expected.minus(amount)
            };
        }
        if expected.differs_from(taxable, Decimal::ZERO) {
            let percent = key.1.map(|p| format!(" {p}%")).unwrap_or_default();
            out.push(
                subtotal,
                "cie-jp-01",
                &format!(
                    "{}{percent}: 課税対象額 {taxable}、明細行等の合計 {expected}",
                    key.0
                ),
                &format!(
                    "{}{percent}: taxable {taxable}, lines and allowances/charges {expected}",
                    key.0
                ),
            );
        }
    }
}

/// The elements of `root`'s subtree, in document order, whose expanded name is one of `names`, from the
/// document's index of elements by name (no walk over the other nodes).
fn elements_named(doc: &Document, root: NodeId, names: &[(&str, &str)]) -> Vec<NodeId> {
    let subtree = root.index()..doc.subtree_end(root);
    let mut found: Vec<NodeId> = names
        .iter()
        .filter_map(|(namespace, local)| doc.lookup_expanded_name(namespace, local))
        .flat_map(|id| doc.elements_with_name(id))
        .copied()
        .filter(|node| subtree.contains(&node.index()))
        .collect();
    found.sort_unstable_by_key(|node| node.index());
    found
}

fn rates_of_categories(out: &mut Findings<'_>, root: NodeId) {
    let doc = out.doc;
    let categories = [(CAC, "TaxCategory"), (CAC, "ClassifiedTaxCategory")];
    for node in elements_named(doc, root, &categories) {
        let (code, percent) = category_key(doc, node);
        let required = match &*code {
            "S" => Decimal::from(10),
            "AA" => Decimal::from(8),
            _ => continue,
        };
        if let Some(percent) = percent
            && percent != required
        {
            out.push(
                node,
                "cie-jp-02",
                &format!("{code} に税率 {percent}%"),
                &format!("{code} at {percent} %"),
            );
        }
    }
}

fn tax_scheme_is_vat(out: &mut Findings<'_>, root: NodeId) {
    let doc = out.doc;
    for node in elements_named(doc, root, &[(CAC, "TaxScheme")]) {
        if let Some(id) = doc.child_named(node, CBC, "ID") {
            let value = text(doc, id);
            if value != "VAT" {
                out.push(
                    id,
                    "cie-jp-03",
                    &format!("'{value}'"),
                    &format!("'{value}'"),
                );
            }
        }
    }
}

fn registration_number_check_digit(out: &mut Findings<'_>, root: NodeId) {
    let doc = out.doc;
    let Some(party) = path(
        doc,
        root,
        &[(CAC, "AccountingSupplierParty"), (CAC, "Party")],
    ) else {
        return;
    };
    for scheme in doc.element_children_named(party, CAC, "PartyTaxScheme") {
        let is_vat = path(doc, scheme, &[(CAC, "TaxScheme"), (CBC, "ID")])
            .is_some_and(|id| text(doc, id).eq_ignore_ascii_case("VAT"));
        let Some(company_id) = doc.child_named(scheme, CBC, "CompanyID").filter(|_| is_vat) else {
            continue;
        };
        let value = text(doc, company_id);
        if let Ok(number) = RegistrationNumber::parse(&value)
            && !number.has_valid_check_digit()
        {
            out.push(company_id, "cie-jp-04", &value, &value);
        }
    }
}

const WHOLE_YEN_AMOUNTS: &[&str] = &[
    "TaxAmount",
    "TaxableAmount",
    "LineExtensionAmount",
    "TaxExclusiveAmount",
    "TaxInclusiveAmount",
    "AllowanceTotalAmount",
    "ChargeTotalAmount",
    "PrepaidAmount",
    "PayableRoundingAmount",
    "PayableAmount",
];

fn jpy_without_fractions(out: &mut Findings<'_>, root: NodeId) {
    let doc = out.doc;
    let amounts: Vec<(&str, &str)> = WHOLE_YEN_AMOUNTS
        .iter()
        .map(|local| (CBC, *local))
        .collect();
    for node in elements_named(doc, root, &amounts) {
        if doc.attribute(node, "", "currencyID").map(str::trim) != Some("JPY") {
            continue;
        }
        let raw = text(doc, node);
        if let Ok(value) = raw.parse::<Decimal>()
            && value.fract() != Decimal::ZERO
        {
            let name = doc.local_name(node);
            out.push(
                node,
                "cie-jp-05",
                &format!("{name} {raw}"),
                &format!("{name} {raw}"),
            );
        }
    }
}

fn tax_rounded_once_per_rate(out: &mut Findings<'_>, root: NodeId) {
    let doc = out.doc;
    for total in doc.element_children_named(root, CAC, "TaxTotal") {
        for subtotal in doc.element_children_named(total, CAC, "TaxSubtotal") {
            let tax_node = doc.child_named(subtotal, CBC, "TaxAmount");
            let in_jpy = tax_node
                .and_then(|n| doc.attribute(n, "", "currencyID"))
                .is_some_and(|c| c.trim() == "JPY");
            let Some(category) = doc.child_named(subtotal, CAC, "TaxCategory") else {
                continue;
            };
            let (code, percent) = category_key(doc, category);
            let (Some(tax), Some(taxable), Some(percent)) = (
                number(doc, tax_node),
                number(doc, doc.child_named(subtotal, CBC, "TaxableAmount")),
                percent,
            ) else {
                continue;
            };
            if !in_jpy || !matches!(&*code, "S" | "AA") {
                continue;
            }
            let exact = taxable
                .times(Number::of(percent))
                .divided_by(Number::of(Decimal::ONE_HUNDRED));
            let rounded_once = match (tax.exact(), exact.exact()) {
                (Some(tax), Some(exact)) => tax == exact.floor() || tax == exact.ceil(),
                // Past 28 digits a yen is below the precision: the tax must be the product, near enough.
                _ => !tax.differs_from(exact, Decimal::ONE),
            };
            if !rounded_once {
                out.push(
                    subtotal,
                    "cie-jp-06",
                    &format!("{code} {percent}%: 税額 {tax}、{taxable} × {percent}% = {exact}"),
                    &format!("{code} {percent} %: tax {tax}, {taxable} × {percent} % = {exact}"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(relative: &str) -> String {
        let path = format!(
            "{}/../../tests/fixtures/{relative}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn fired(xml: &str, profile: Profile) -> Vec<String> {
        let doc = Document::parse(xml.as_bytes()).expect("well-formed");
        validate_jp(&doc, profile)
            .into_iter()
            .map(|f| f.rule_id)
            .collect()
    }

    /// The minimum example with a registration number whose check digit holds.
    fn clean() -> String {
        fixture("jp-pint/jp-pint-example1-minimum.xml").replace("T1234567890123", "T7000012050002")
    }

    #[test]
    fn a_clean_invoice_fires_nothing() {
        assert_eq!(fired(&clean(), Profile::Standard), Vec::<String>::new());
        let reduced = fixture("jp-pint-mutants/reduced-rate-aa-8.xml")
            .replace("T1234567890123", "T7000012050002");
        assert_eq!(fired(&reduced, Profile::Standard), Vec::<String>::new());
    }

    #[test]
    fn cie_jp_01_breakdown_must_equal_its_lines() {
        let xml = fixture("jp-pint-mutants/breakdown-not-matching-lines.xml");
        assert!(fired(&xml, Profile::Standard).contains(&"cie-jp-01".to_owned()));
    }

    #[test]
    fn cie_jp_01_counts_document_level_allowances_and_charges() {
        let xml = fixture("jp-pint/jp-pint-example5-allowancecharge.xml");
        assert!(!fired(&xml, Profile::Standard).contains(&"cie-jp-01".to_owned()));
    }

    #[test]
    fn cie_jp_02_reduced_rate_is_8_percent() {
        let xml = fixture("jp-pint-mutants/reduced-rate-aa-10.xml");
        assert!(fired(&xml, Profile::Standard).contains(&"cie-jp-02".to_owned()));
        let standard_at_8 = clean().replacen(
            "<cbc:Percent>10</cbc:Percent>",
            "<cbc:Percent>8</cbc:Percent>",
            1,
        );
        assert!(fired(&standard_at_8, Profile::Standard).contains(&"cie-jp-02".to_owned()));
    }

    #[test]
    fn cie_jp_03_tax_scheme_is_exactly_vat() {
        let xml = clean().replacen("<cbc:ID>VAT</cbc:ID>", "<cbc:ID>vat</cbc:ID>", 1);
        assert_eq!(fired(&xml, Profile::Standard), ["cie-jp-03"]);
    }

    #[test]
    fn cie_jp_04_registration_number_check_digit() {
        let xml = fixture("jp-pint/jp-pint-example1-minimum.xml");
        assert_eq!(fired(&xml, Profile::Standard), ["cie-jp-04"]);
        assert!(!fired(&xml, Profile::NonTaxRegistered).contains(&"cie-jp-04".to_owned()));
    }

    #[test]
    fn cie_jp_05_and_06_yen_amounts_are_whole_and_rounded_once_per_rate() {
        let half = fixture("jp-pint-mutants/tax-exact-half-yen.xml")
            .replace("T1234567890123", "T7000012050002");
        let ids = fired(&half, Profile::Standard);
        assert!(
            ids.contains(&"cie-jp-05".to_owned()) && ids.contains(&"cie-jp-06".to_owned()),
            "{ids:?}"
        );
        for passing in ["tax-rounded-down.xml", "tax-rounded-up.xml"] {
            let xml = fixture(&format!("jp-pint-mutants/{passing}"))
                .replace("T1234567890123", "T7000012050002");
            assert_eq!(
                fired(&xml, Profile::Standard),
                Vec::<String>::new(),
                "{passing}"
            );
        }
        let off = fixture("jp-pint-mutants/tax-off-by-one.xml")
            .replace("T1234567890123", "T7000012050002");
        assert!(fired(&off, Profile::Standard).contains(&"cie-jp-06".to_owned()));
    }

    #[test]
    fn a_non_registered_invoice_stating_its_rate_with_no_tax_is_not_a_rounding_error() {
        let xml = fixture("jp-pint-ntr/jp-pint-ntr-example.xml");
        assert!(!fired(&xml, Profile::NonTaxRegistered).contains(&"cie-jp-06".to_owned()));
        assert!(
            fired(&xml, Profile::Standard).contains(&"cie-jp-06".to_owned()),
            "the same figures from a registered supplier are a rounding error"
        );
    }

    #[test]
    fn cie_jp_07_marks_non_registered_invoices_with_the_creditable_share() {
        let xml = fixture("jp-pint-ntr/jp-pint-ntr-example.xml");
        let doc = Document::parse(xml.as_bytes()).expect("well-formed");
        let findings = validate_jp(&doc, Profile::NonTaxRegistered);
        let info = findings
            .iter()
            .find(|f| f.rule_id == "cie-jp-07")
            .expect("cie-jp-07");
        assert_eq!(info.severity, Severity::Info);
        assert!(info.message_en.contains("80 %"), "{}", info.message_en);
        assert!(!fired(&clean(), Profile::Standard).contains(&"cie-jp-07".to_owned()));
    }

    #[test]
    fn category_codes_are_compared_in_capitals_and_copied_only_when_written_otherwise() {
        let capitals = in_capitals(Cow::Borrowed("AA"));
        assert!(matches!(capitals, Cow::Borrowed("AA")));
        assert_eq!(in_capitals(Cow::Borrowed("aa")), "AA");
        assert_eq!(in_capitals(Cow::Borrowed("s")), "S");
        assert_eq!(
            in_capitals(Cow::Borrowed("ｓ")),
            "Ｓ",
            "full-width letters too"
        );
        assert_eq!(in_capitals(Cow::Borrowed("")), "");
    }

    #[test]
    fn every_rule_has_messages_in_both_languages() {
        for (id, _, ja, en) in RULES {
            assert!(
                id.starts_with("cie-jp-") && !ja.is_empty() && !en.is_empty(),
                "{id}"
            );
        }
    }
}

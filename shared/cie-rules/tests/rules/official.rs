//! The JP PINT runner beyond the agreement fixtures: the embedded rule tables, profile selection, finding
//! details, and targeted failing cases made by mutating the minimum example.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use cie_domain::Severity;
use cie_rules::official::{Profile, rules, validate_official, validate_profile};
use cie_xpath::Document;
use rstest::rstest;

fn fixture(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn mutate(base: &str, replacements: &[(&str, &str)]) -> String {
    let mut xml = fixture(base);
    for (from, to) in replacements {
        assert!(xml.contains(from), "{base} does not contain {from:?}");
        xml = xml.replacen(from, to, 1);
    }
    xml
}

fn fired(xml: &str) -> BTreeMap<String, usize> {
    let doc = Document::parse(xml.as_bytes()).expect("the mutant is well-formed");
    let verdict = validate_official(&doc).expect("a JP PINT invoice");
    let mut fired = BTreeMap::new();
    for finding in verdict.findings {
        *fired.entry(finding.rule_id).or_default() += 1;
    }
    fired
}

fn counts(expected: &[(&str, usize)]) -> BTreeMap<String, usize> {
    expected
        .iter()
        .map(|(id, n)| ((*id).to_owned(), *n))
        .collect()
}

const MINIMUM: &str = "jp-pint/jp-pint-example1-minimum.xml";

#[test]
fn rule_tables_are_complete_and_consistent() {
    for (profile, expected) in [
        (Profile::Standard, 213),
        (Profile::SelfBilling, 212),
        (Profile::NonTaxRegistered, 211),
    ] {
        let listed = rules(profile);
        assert_eq!(listed.len(), expected, "{profile:?}");
        let ids: BTreeSet<&str> = listed.iter().map(|rule| rule.id).collect();
        assert_eq!(ids.len(), expected, "{profile:?}: rule ids are unique");
        for rule in &listed {
            assert_eq!(rule.severity, Severity::Fatal, "{}", rule.id);
            assert!(
                !rule.test.is_empty() && !rule.context.is_empty(),
                "{}",
                rule.id
            );
            assert!(
                rule.message_en.starts_with('['),
                "{}: {}",
                rule.id,
                rule.message_en
            );
        }
    }
}

#[test]
fn first_rules_keep_schematron_order() {
    let standard = rules(Profile::Standard);
    assert_eq!(standard[0].id, "ibr-068");
    assert_eq!(standard[0].pattern, "UBL-model");
    let aligned: Vec<&str> = standard
        .iter()
        .filter(|rule| rule.pattern == "UBL-modelaligned")
        .map(|rule| rule.id)
        .take(3)
        .collect();
    assert_eq!(
        aligned,
        vec![
            "aligned-ibrp-032-jp",
            "aligned-ibrp-037-jp",
            "aligned-ibrp-050-jp"
        ]
    );
}

#[test]
fn every_official_rule_has_a_japanese_message() {
    let mut missing = Vec::new();
    for profile in Profile::ALL {
        for rule in rules(profile) {
            if rule.message_ja == rule.message_en {
                missing.push(format!("{profile:?}/{}", rule.id));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "no Japanese message for: {}",
        missing.join(", ")
    );
}

#[rstest]
#[case::standard("urn:peppol:pint:billing-1@jp-1", Some(Profile::Standard))]
#[case::self_billing("urn:peppol:pint:selfbilling-1@jp-1", Some(Profile::SelfBilling))]
#[case::non_tax_registered(
    "urn:peppol:pint:nontaxinvoice-1@jp-1",
    Some(Profile::NonTaxRegistered)
)]
#[case::surrounding_spaces("  urn:peppol:pint:billing-1@jp-1\n", Some(Profile::Standard))]
#[case::suffix("urn:peppol:pint:billing-1@jp-1#extra", None)]
#[case::other_country("urn:peppol:pint:billing-1@aunz-1", None)]
#[case::bis3(
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
    None
)]
fn profile_is_chosen_by_customization_id(
    #[case] customization: &str,
    #[case] expected: Option<Profile>,
) {
    let xml = mutate(
        MINIMUM,
        &[(
            "<cbc:CustomizationID>urn:peppol:pint:billing-1@jp-1</cbc:CustomizationID>",
            &format!("<cbc:CustomizationID>{customization}</cbc:CustomizationID>"),
        )],
    );
    let doc = Document::parse(xml.as_bytes()).expect("well-formed");
    assert_eq!(Profile::detect(&doc), expected);
    assert_eq!(
        validate_official(&doc).map(|verdict| verdict.rule_set),
        expected.map(Profile::rule_set)
    );
}

#[test]
fn only_invoices_and_credit_notes_are_jp_pint_documents() {
    let xml = mutate(
        MINIMUM,
        &[
            (
                "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"",
                "<Order xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Order-2\"",
            ),
            ("</Invoice>", "</Order>"),
        ],
    );
    let doc = Document::parse(xml.as_bytes()).expect("well-formed");
    assert_eq!(Profile::detect(&doc), None);
}

#[test]
fn findings_carry_location_messages_and_rule_set() {
    let xml = fixture("jp-pint-mutants/payable-mismatch.xml");
    let doc = Document::parse(xml.as_bytes()).expect("well-formed");
    let verdict = validate_official(&doc).expect("JP PINT");
    assert!(!verdict.passed());
    let [finding] = verdict.findings.as_slice() else {
        panic!("one finding expected: {:#?}", verdict.findings);
    };
    assert_eq!(finding.rule_id, "ibr-co-16");
    assert_eq!(finding.severity, Severity::Fatal);
    assert_eq!(finding.location.path, "/Invoice/cac:LegalMonetaryTotal[1]");
    assert_eq!((finding.location.line, finding.location.column), (75, 2));
    assert_eq!(
        finding.message_en,
        "[ibr-co-16]-Amount due for payment (ibt-115) = Invoice total amount with Tax (ibt-112) - Paid amount \
         (ibt-113) + Rounding amount (ibt-114)."
    );
    assert_ne!(
        finding.message_ja, finding.message_en,
        "the Japanese message is used"
    );
    assert!(
        finding
            .message_ja
            .chars()
            .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
        "{}",
        finding.message_ja
    );
    assert_eq!(finding.rule_set, "jp-pint 1.1.3");
}

#[test]
fn a_profile_can_be_forced() {
    let xml = fixture("jp-pint/jp-pint-example1-minimum.xml");
    let doc = Document::parse(xml.as_bytes()).expect("well-formed");
    let verdict = validate_profile(&doc, Profile::NonTaxRegistered);
    assert_eq!(verdict.rule_set, "jp-pint-ntr 1.1.3");
    let ids: BTreeSet<&str> = verdict
        .findings
        .iter()
        .map(|finding| finding.rule_id.as_str())
        .collect();
    assert!(ids.contains("aligned-ibrp-001-jp-ntr"), "{ids:?}");
    assert!(ids.contains("aligned-ibr-jp-04-ntr"), "{ids:?}");
}

#[rstest]
#[case::ibr_002_empty_invoice_number(&[("<cbc:ID>156</cbc:ID>", "<cbc:ID></cbc:ID>")], &[("ibr-002", 1), ("ibr-079", 1)])]
#[case::ibr_079_empty_element(
    &[("<cbc:DocumentCurrencyCode>", "<cbc:Note/><cbc:DocumentCurrencyCode>")],
    &[("ibr-079", 1)]
)]
#[case::ibr_sr_51_two_notes(
    &[("<cbc:DocumentCurrencyCode>", "<cbc:Note>a</cbc:Note><cbc:Note>b</cbc:Note><cbc:DocumentCurrencyCode>")],
    &[("ibr-sr-51", 1)]
)]
#[case::ibr_073_impossible_date(&[("<cbc:IssueDate>2023-10-24", "<cbc:IssueDate>2023-10-32")], &[("ibr-073", 1)])]
#[case::ibr_126_amount_in_another_currency(
    &[("<cbc:LineExtensionAmount currencyID=\"JPY\">250000", "<cbc:LineExtensionAmount currencyID=\"USD\">250000")],
    &[("ibr-126", 1)]
)]
#[case::ibr_027_negative_price(&[("<cbc:PriceAmount currencyID=\"JPY\">50000", "<cbc:PriceAmount currencyID=\"JPY\">-50000")], &[("ibr-027", 1)])]
#[case::ibr_087_zero_base_quantity(
    &[("<cbc:BaseQuantity unitCode=\"H87\">1</cbc:BaseQuantity>", "<cbc:BaseQuantity unitCode=\"H87\">0</cbc:BaseQuantity>")],
    &[("ibr-087", 1)]
)]
#[case::ibr_029_header_period_reversed_and_ibr_086_on_every_line(
    &[("<cbc:EndDate>2023-10-18</cbc:EndDate>", "<cbc:EndDate>2023-10-17</cbc:EndDate>")],
    &[("ibr-029", 1), ("ibr-086", 3)]
)]
#[case::ibr_030_line_period_reversed(
    &[("<cbc:EndDate>2023-10-18</cbc:EndDate> <!-- IBT-135", "<cbc:EndDate>2023-10-17</cbc:EndDate> <!-- IBT-135")],
    &[("ibr-030", 1)]
)]
#[case::ibr_co_15_and_ibr_co_16_inclusive_total(
    &[("<cbc:TaxInclusiveAmount currencyID=\"JPY\">281240", "<cbc:TaxInclusiveAmount currencyID=\"JPY\">281241")],
    &[("ibr-co-15", 1), ("ibr-co-16", 1)]
)]
#[case::ibr_068_invalid_gln_shadows_ibr_062(
    &[("<cbc:EndpointID schemeID=\"0188\">1234567890123", "<cbc:EndpointID schemeID=\"0088\">1234567890123")],
    &[("ibr-068", 1)]
)]
#[case::ibr_054_item_property_without_value(
    &[("<cbc:Name>デスクチェア</cbc:Name>", "<cbc:Name>デスクチェア</cbc:Name><cac:AdditionalItemProperty><cbc:Name>色</cbc:Name></cac:AdditionalItemProperty>")],
    &[("ibr-054", 1)]
)]
#[case::ibr_031_document_allowance_without_amount(
    &[("<cac:TaxTotal>", "<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator><cbc:AllowanceChargeReason>値引</cbc:AllowanceChargeReason></cac:AllowanceCharge><cac:TaxTotal>")],
    &[("ibr-031", 1)]
)]
#[case::aligned_ibrp_e_05_exempt_line_with_a_rate(
    &[("<cbc:Percent>0</cbc:Percent> <!-- IBT-152", "<cbc:Percent>8</cbc:Percent> <!-- IBT-152")],
    &[("aligned-ibrp-e-05", 1)]
)]
#[case::ibr_cl_14_unknown_country(
    &[("<cbc:IdentificationCode>JP</cbc:IdentificationCode>", "<cbc:IdentificationCode>XX</cbc:IdentificationCode>")],
    &[("ibr-cl-14", 1)]
)]
#[case::dynamic_error_in_a_test_fires_the_assert(
    &[("<cbc:LineExtensionAmount currencyID=\"JPY\">250000", "<cbc:LineExtensionAmount currencyID=\"JPY\">25O000")],
    &[("ibr-co-10", 1)]
)]
fn targeted_failures_of_the_minimum_example(
    #[case] replacements: &[(&str, &str)],
    #[case] expected: &[(&str, usize)],
) {
    let xml = mutate(MINIMUM, replacements);
    assert_eq!(fired(&xml), counts(expected));
}

#[test]
fn the_minimum_example_passes_every_rule() {
    assert_eq!(fired(&fixture(MINIMUM)), BTreeMap::new());
}

/// Every fixture with an official rule set (JP PINT, its mutants, the post-award samples), cut into two or
/// three parts at many places: the joined findings are the whole run's, in the same order.
#[test]
fn parts_checked_apart_join_into_the_whole_verdict() {
    use cie_rules::official::{RuleSet, check_part, join_parts, validate_rule_set};
    use cie_rules::post_award::Transaction;

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut checked = 0;
    let mut with_findings = 0;
    for dir in [
        "jp-pint",
        "jp-pint-mutants",
        "jp-pint-sb",
        "jp-pint-ntr",
        "order",
        "despatch",
        "invoice-response",
    ] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|error| panic!("{dir}: {error}"))
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
            .collect();
        files.sort();
        for path in files {
            let bytes = std::fs::read(&path).expect("readable");
            let Ok(doc) = Document::parse(&bytes) else {
                continue;
            };
            let set = match (Profile::detect(&doc), Transaction::detect(&doc)) {
                (Some(profile), _) => {
                    RuleSet::JpPint(profile, cie_rules::official::JpPintVersion::CURRENT)
                }
                (None, Some(transaction)) => RuleSet::PostAward(transaction),
                (None, None) => continue,
            };
            let whole = validate_rule_set(&doc, set);
            let nodes = doc.node_count();
            let step = (nodes / 9).max(1);
            for cut in (0..=nodes).step_by(step) {
                let second_cut = (cut + nodes) / 2;
                let joined = join_parts(
                    set,
                    [
                        check_part(&doc, set, 0..cut),
                        check_part(&doc, set, cut..second_cut),
                        check_part(&doc, set, second_cut..nodes),
                    ],
                );
                assert_eq!(
                    joined,
                    whole,
                    "{} cut at nodes {cut} and {second_cut} of {nodes}",
                    path.display()
                );
            }
            checked += 1;
            with_findings += usize::from(!whole.findings.is_empty());
        }
    }
    assert!(checked >= 100, "only {checked} documents checked");
    assert!(
        with_findings >= 20,
        "only {with_findings} documents with findings"
    );
}

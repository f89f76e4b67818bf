//! Agreement with the official validator: for every fixture the official OpenPeppol XSLT validated against a
//! JP PINT rule set (`schemas/jp-pint-1.1.3/example-verdicts.tsv`), the same rule set is selected, the same
//! rules fire the same number of times, and the pass/fail verdict is the same. Fixtures of other document
//! kinds are not JP PINT invoices and get no verdict from this module.

use std::collections::BTreeMap;
use std::path::Path;

use cie_domain::Severity;
use cie_rules::official::{OfficialVerdict, validate_official};
use cie_xpath::Document;
use rstest::rstest;

const VERDICTS: &str = include_str!("../../../../schemas/jp-pint-1.1.3/example-verdicts.tsv");

struct Expected {
    rule_set: &'static str,
    xsd_ok: bool,
    passes: bool,
    fired: BTreeMap<String, usize>,
}

fn expected(file: &str) -> Expected {
    let line = VERDICTS
        .lines()
        .skip(1)
        .find(|line| line.split('\t').next() == Some(file))
        .unwrap_or_else(|| panic!("{file} is not in example-verdicts.tsv"));
    let columns: Vec<&'static str> = line.split('\t').collect();
    let rule_set = match columns[1] {
        "pint-jp 1.1.3" => "jp-pint 1.1.3",
        "pint-jp-sb 1.1.3" => "jp-pint-sb 1.1.3",
        "pint-jp-ntr 1.1.3" => "jp-pint-ntr 1.1.3",
        other => other,
    };
    let mut fired = BTreeMap::new();
    for entry in columns[4].split_whitespace() {
        let (id, flag) = entry.split_once(':').expect("id:flag");
        let count = flag
            .split_once('x')
            .map_or(1, |(_, n)| n.parse().expect("count"));
        *fired.entry(id.to_owned()).or_default() += count;
    }
    Expected {
        rule_set,
        xsd_ok: columns[2].starts_with("ok"),
        passes: columns[3] == "pass",
        fired,
    }
}

fn validate(file: &str) -> Option<OfficialVerdict> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let doc = Document::parse(&bytes).unwrap_or_else(|error| panic!("{file}: {error}"));
    validate_official(&doc)
}

#[rstest]
#[case::jp_pint_mutants_breakdown_not_matching_lines(
    "jp-pint-mutants/breakdown-not-matching-lines.xml"
)]
#[case::jp_pint_mutants_breakdown_without_taxable("jp-pint-mutants/breakdown-without-taxable.xml")]
#[case::jp_pint_mutants_currency_xxx("jp-pint-mutants/currency-xxx.xml")]
#[case::jp_pint_mutants_element_order_xsd("jp-pint-mutants/element-order-xsd.xml")]
#[case::jp_pint_mutants_endpoint_scheme_unknown("jp-pint-mutants/endpoint-scheme-unknown.xml")]
#[case::jp_pint_mutants_header_period_only_removed(
    "jp-pint-mutants/header-period-only-removed.xml"
)]
#[case::jp_pint_mutants_invoice_type_381("jp-pint-mutants/invoice-type-381.xml")]
#[case::jp_pint_mutants_invoice_type_386("jp-pint-mutants/invoice-type-386.xml")]
#[case::jp_pint_mutants_line_total_mismatch("jp-pint-mutants/line-total-mismatch.xml")]
#[case::jp_pint_mutants_line_without_tax_rate("jp-pint-mutants/line-without-tax-rate.xml")]
#[case::jp_pint_mutants_no_invoice_period("jp-pint-mutants/no-invoice-period.xml")]
#[case::jp_pint_mutants_ntr_type_380("jp-pint-mutants/ntr-type-380.xml")]
#[case::jp_pint_mutants_ntr_with_seller_tax_id("jp-pint-mutants/ntr-with-seller-tax-id.xml")]
#[case::jp_pint_mutants_payable_mismatch("jp-pint-mutants/payable-mismatch.xml")]
#[case::jp_pint_mutants_profile_id_ordering("jp-pint-mutants/profile-id-ordering.xml")]
#[case::jp_pint_mutants_profile_id_with_suffix("jp-pint-mutants/profile-id-with-suffix.xml")]
#[case::jp_pint_mutants_reduced_rate_aa_10("jp-pint-mutants/reduced-rate-aa-10.xml")]
#[case::jp_pint_mutants_reduced_rate_aa_8("jp-pint-mutants/reduced-rate-aa-8.xml")]
#[case::jp_pint_mutants_sb_type_380("jp-pint-mutants/sb-type-380.xml")]
#[case::jp_pint_mutants_seller_tax_id_12_digits("jp-pint-mutants/seller-tax-id-12-digits.xml")]
#[case::jp_pint_mutants_seller_tax_id_missing("jp-pint-mutants/seller-tax-id-missing.xml")]
#[case::jp_pint_mutants_seller_tax_id_without_t_before_2023_10(
    "jp-pint-mutants/seller-tax-id-without-t-before-2023-10.xml"
)]
#[case::jp_pint_mutants_seller_tax_id_without_t("jp-pint-mutants/seller-tax-id-without-t.xml")]
#[case::jp_pint_mutants_tax_amount_with_decimals("jp-pint-mutants/tax-amount-with-decimals.xml")]
#[case::jp_pint_mutants_tax_category_z("jp-pint-mutants/tax-category-z.xml")]
#[case::jp_pint_mutants_tax_currency_usd("jp-pint-mutants/tax-currency-usd.xml")]
#[case::jp_pint_mutants_tax_exact_half_yen("jp-pint-mutants/tax-exact-half-yen.xml")]
#[case::jp_pint_mutants_tax_off_by_one("jp-pint-mutants/tax-off-by-one.xml")]
#[case::jp_pint_mutants_tax_rounded_down("jp-pint-mutants/tax-rounded-down.xml")]
#[case::jp_pint_mutants_tax_rounded_up("jp-pint-mutants/tax-rounded-up.xml")]
#[case::jp_pint_mutants_tax_scheme_jct("jp-pint-mutants/tax-scheme-jct.xml")]
#[case::jp_pint_mutants_tax_scheme_xvaty("jp-pint-mutants/tax-scheme-xvaty.xml")]
#[case::jp_pint_mutants_tax_total_mismatch("jp-pint-mutants/tax-total-mismatch.xml")]
#[case::jp_pint_mutants_two_tax_totals_in_jpy("jp-pint-mutants/two-tax-totals-in-jpy.xml")]
#[case::jp_pint_mutants_unit_code_unknown("jp-pint-mutants/unit-code-unknown.xml")]
#[case::jp_pint_mutants_unit_codes_differ("jp-pint-mutants/unit-codes-differ.xml")]
#[case::jp_pint_ntr_jp_pint_ntr_example_return_quan_itpr(
    "jp-pint-ntr/jp-pint-ntr-example-return-quan-itpr.xml"
)]
#[case::jp_pint_ntr_jp_pint_ntr_example("jp-pint-ntr/jp-pint-ntr-example.xml")]
#[case::jp_pint_ntr_jp_pint_ntr_example1_minimum("jp-pint-ntr/jp-pint-ntr-example1-minimum.xml")]
#[case::jp_pint_ntr_jp_pint_ntr_example2_suminv1("jp-pint-ntr/jp-pint-ntr-example2-suminv1.xml")]
#[case::jp_pint_ntr_jp_pint_ntr_example3_suminv2("jp-pint-ntr/jp-pint-ntr-example3-suminv2.xml")]
#[case::jp_pint_ntr_jp_pint_ntr_example4_allowancecharge(
    "jp-pint-ntr/jp-pint-ntr-example4-allowancecharge.xml"
)]
#[case::jp_pint_ntr_jp_pint_ntr_example5_corrinv("jp-pint-ntr/jp-pint-ntr-example5-corrinv.xml")]
#[case::jp_pint_sb_jp_pint_sb_example("jp-pint-sb/jp-pint-sb-example.xml")]
#[case::jp_pint_jp_pint_example("jp-pint/jp-pint-example.xml")]
#[case::jp_pint_jp_pint_example1_minimum("jp-pint/jp-pint-example1-minimum.xml")]
#[case::jp_pint_jp_pint_example2_taxacctcur("jp-pint/jp-pint-example2-taxacctcur.xml")]
#[case::jp_pint_jp_pint_example3_suminv1("jp-pint/jp-pint-example3-suminv1.xml")]
#[case::jp_pint_jp_pint_example4_suminv2("jp-pint/jp-pint-example4-suminv2.xml")]
#[case::jp_pint_jp_pint_example5_allowancecharge("jp-pint/jp-pint-example5-allowancecharge.xml")]
#[case::jp_pint_jp_pint_example6_corrinv("jp-pint/jp-pint-example6-corrinv.xml")]
#[case::jp_pint_jp_pint_example7_return_quan_itpr("jp-pint/jp-pint-example7-return-quan-itpr.xml")]
#[case::jp_pint_jp_pint_example9_suminv1_and_o("jp-pint/jp-pint-example9-suminv1-and-o.xml")]
fn agrees_with_the_official_validator(#[case] file: &str) {
    let expected = expected(file);
    let verdict = validate(file)
        .unwrap_or_else(|| panic!("{file} must be validated as {}", expected.rule_set));
    assert_eq!(verdict.rule_set, expected.rule_set, "{file}: rule set");
    let mut fired: BTreeMap<String, usize> = BTreeMap::new();
    for finding in &verdict.findings {
        assert_eq!(
            finding.severity,
            Severity::Fatal,
            "{file}: every JP PINT 1.1.3 rule is fatal"
        );
        assert_eq!(finding.rule_set, expected.rule_set);
        *fired.entry(finding.rule_id.clone()).or_default() += 1;
    }
    assert_eq!(
        fired, expected.fired,
        "{file}: fired rules (findings: {:#?})",
        verdict.findings
    );
    // Only the Schematron part is judged here: a document failing the XSD alone passes these rules.
    let schematron_passes = if expected.xsd_ok {
        expected.passes
    } else {
        expected.fired.is_empty()
    };
    assert_eq!(verdict.passed(), schematron_passes, "{file}: verdict");
}

#[rstest]
#[case::despatch_despatch_advice_example("despatch/despatch-advice-example.xml")]
#[case::despatch_despatch_advice_uc1("despatch/despatch-advice-uc1.xml")]
#[case::despatch_despatch_advice_uc2("despatch/despatch-advice-uc2.xml")]
#[case::despatch_despatch_advice_uc3("despatch/despatch-advice-uc3.xml")]
#[case::despatch_despatch_advice_uc4("despatch/despatch-advice-uc4.xml")]
#[case::despatch_despatch_advice_uc5("despatch/despatch-advice-uc5.xml")]
#[case::invoice_response_invoice_response_example("invoice-response/invoice-response-example.xml")]
#[case::invoice_response_t111_uc001_invoice_in_process(
    "invoice-response/t111-uc001-invoice-in-process.xml"
)]
#[case::invoice_response_t111_uc002a_additional_reference_data(
    "invoice-response/t111-uc002a-additional-reference-data.xml"
)]
#[case::invoice_response_t111_uc002b_in_process_but_postponed(
    "invoice-response/t111-uc002b-in-process-but-postponed.xml"
)]
#[case::invoice_response_t111_uc003_invoice_is_accepted(
    "invoice-response/t111-uc003-invoice-is-accepted.xml"
)]
#[case::invoice_response_t111_uc004a_invoice_is_rejected(
    "invoice-response/t111-uc004a-invoice-is-rejected.xml"
)]
#[case::invoice_response_t111_uc004b_rejected_requesting_reissue(
    "invoice-response/t111-uc004b-rejected-requesting-reissue.xml"
)]
#[case::invoice_response_t111_uc004c_rejected_requesting_replacement(
    "invoice-response/t111-uc004c-rejected-requesting-replacement.xml"
)]
#[case::invoice_response_t111_uc005_invoice_is_conditionally_accepted(
    "invoice-response/t111-uc005-invoice-is-conditionally-accepted.xml"
)]
#[case::invoice_response_t111_uc006a_under_query_missing_information(
    "invoice-response/t111-uc006a-under-query-missing-information.xml"
)]
#[case::invoice_response_t111_uc006b_missing_po("invoice-response/t111-uc006b-missing-po.xml")]
#[case::invoice_response_t111_uc006c_wrong_detail_partial_credit(
    "invoice-response/t111-uc006c-wrong-detail-partial-credit.xml"
)]
#[case::invoice_response_t111_uc007_payment_has_been_initiated(
    "invoice-response/t111-uc007-payment-has-been-initiated.xml"
)]
#[case::invoice_response_t111_uc008_invoice_is_accepted_by_third_party(
    "invoice-response/t111-uc008-invoice-is-accepted-by-third-party.xml"
)]
#[case::oasis_ubl21_ubl_creditnote_2_1_example("oasis-ubl21/UBL-CreditNote-2.1-Example.xml")]
#[case::oasis_ubl21_ubl_despatchadvice_2_0_example(
    "oasis-ubl21/UBL-DespatchAdvice-2.0-Example.xml"
)]
#[case::oasis_ubl21_ubl_invoice_2_1_example_trivial(
    "oasis-ubl21/UBL-Invoice-2.1-Example-Trivial.xml"
)]
#[case::oasis_ubl21_ubl_invoice_2_1_example("oasis-ubl21/UBL-Invoice-2.1-Example.xml")]
#[case::oasis_ubl21_ubl_order_2_1_example("oasis-ubl21/UBL-Order-2.1-Example.xml")]
#[case::oasis_ubl21_ubl_ordercancellation_2_1_example(
    "oasis-ubl21/UBL-OrderCancellation-2.1-Example.xml"
)]
#[case::oasis_ubl21_ubl_orderchange_2_1_example("oasis-ubl21/UBL-OrderChange-2.1-Example.xml")]
#[case::oasis_ubl21_ubl_orderresponse_2_1_example("oasis-ubl21/UBL-OrderResponse-2.1-Example.xml")]
#[case::oasis_ubl21_ubl_orderresponsesimple_2_1_example(
    "oasis-ubl21/UBL-OrderResponseSimple-2.1-Example.xml"
)]
#[case::oasis_ubl21_ubl_receiptadvice_2_0_example("oasis-ubl21/UBL-ReceiptAdvice-2.0-Example.xml")]
#[case::order_advanced_sc1_order("order/advanced-sc1-order.xml")]
#[case::order_advanced_sc1_ordercancellation("order/advanced-sc1-ordercancellation.xml")]
#[case::order_advanced_sc1_orderchange("order/advanced-sc1-orderchange.xml")]
#[case::order_advanced_sc1_orderresponse("order/advanced-sc1-orderresponse.xml")]
#[case::order_advanced_sc2_orderchange("order/advanced-sc2-orderchange.xml")]
#[case::order_advanced_sc2_orderresponse("order/advanced-sc2-orderresponse.xml")]
#[case::order_advanced_sc3_ordercancellation("order/advanced-sc3-ordercancellation.xml")]
#[case::order_advanced_sc3_orderchange("order/advanced-sc3-orderchange.xml")]
#[case::order_advanced_sc3_orderresponse("order/advanced-sc3-orderresponse.xml")]
#[case::order_advanced_sc4_ordercancellation("order/advanced-sc4-ordercancellation.xml")]
#[case::order_advanced_sc4_orderresponse("order/advanced-sc4-orderresponse.xml")]
#[case::order_advanced_sc5_ordercancellation("order/advanced-sc5-ordercancellation.xml")]
#[case::order_advanced_sc5_orderresponse("order/advanced-sc5-orderresponse.xml")]
#[case::order_order_agreement_example("order/order-agreement-example.xml")]
#[case::order_order_cancellation_example("order/order-cancellation-example.xml")]
#[case::order_order_change_example("order/order-change-example.xml")]
#[case::order_order_example("order/order-example.xml")]
#[case::order_order_response_advanced_example("order/order-response-advanced-example.xml")]
#[case::order_order_response_example("order/order-response-example.xml")]
#[case::order_order_response_uc1("order/order-response-uc1.xml")]
#[case::order_order_response_uc2("order/order-response-uc2.xml")]
#[case::order_order_response_uc3("order/order-response-uc3.xml")]
#[case::order_order_response_uc4("order/order-response-uc4.xml")]
#[case::order_order_response_uc5("order/order-response-uc5.xml")]
#[case::order_order_uc1("order/order-uc1.xml")]
#[case::order_order_uc2("order/order-uc2.xml")]
#[case::order_order_uc3("order/order-uc3.xml")]
#[case::order_order_uc4("order/order-uc4.xml")]
#[case::order_order_uc5("order/order-uc5.xml")]
#[case::order_order_uc6("order/order-uc6.xml")]
#[case::quotation_ubl_quotation_2_1_example("quotation/UBL-Quotation-2.1-Example.xml")]
#[case::quotation_ubl_requestforquotation_2_1_example(
    "quotation/UBL-RequestForQuotation-2.1-Example.xml"
)]
fn other_documents_are_not_jp_pint_invoices(#[case] file: &str) {
    assert!(validate(file).is_none(), "{file} is not a JP PINT invoice");
}

#[test]
fn every_fixture_of_the_verdict_table_has_a_case() {
    let source = include_str!("agreement.rs");
    for line in VERDICTS.lines().skip(1) {
        let file = line.split('\t').next().expect("file column");
        assert!(
            source.contains(&format!("\"{file}\"")),
            "{file} has no test case"
        );
    }
}

//! The generated large invoices used by the benchmark pass every official rule (their timing is measured by
//! the criterion bench, never asserted in a test).

use crate::support;

use cie_rules::official::validate_official;
use cie_xpath::Document;
use rstest::rstest;

#[rstest]
#[case(1)]
#[case(10)]
#[case(1_000)]
fn generated_invoices_pass(#[case] lines: usize) {
    let xml = support::generated::invoice_with_lines(lines);
    let doc = Document::parse(xml.as_bytes()).expect("well-formed");
    let verdict = validate_official(&doc).expect("a JP PINT invoice");
    assert!(verdict.findings.is_empty(), "{:#?}", verdict.findings);
}

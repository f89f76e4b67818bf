//! The generated large invoices used by the benchmark pass every official rule, and validation time grows
//! linearly with the number of lines.

mod support;

use std::time::Instant;

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

#[test]
fn validation_time_is_linear_in_the_number_of_lines() {
    let time = |lines: usize| {
        let xml = support::generated::invoice_with_lines(lines);
        let start = Instant::now();
        let doc = Document::parse(xml.as_bytes()).expect("well-formed");
        let verdict = validate_official(&doc).expect("a JP PINT invoice");
        assert!(verdict.passed());
        start.elapsed()
    };
    time(10);
    let small = time(500);
    let large = time(4_000);
    // 8× the lines must not cost more than ~20× the time (a quadratic rule would cost ~64×).
    assert!(large < small * 20 + std::time::Duration::from_millis(50), "{small:?} for 500 lines, {large:?} for 4000");
}

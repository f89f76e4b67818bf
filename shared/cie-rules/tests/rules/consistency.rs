//! Our consistency rules on every official JP PINT example (standard, self-billing, non-tax-registered): none
//! fires but the identifier warnings on the examples' placeholder identifiers.

use std::path::Path;

use cie_rules::consistency::validate_consistency;
use cie_xpath::Document;

/// The identifiers the official examples use as stand-ins; none has a valid check digit.
const PLACEHOLDERS: [&str; 3] = ["1234567890123", "3210987654321", "9482348239847239874"];

#[test]
fn no_consistency_rule_fires_on_an_official_example() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut checked = 0;
    for folder in ["jp-pint", "jp-pint-sb", "jp-pint-ntr"] {
        for entry in std::fs::read_dir(fixtures.join(folder)).expect("fixture folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "xml") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("readable");
            let doc = Document::parse(&bytes).expect("well-formed");
            for finding in validate_consistency(&doc) {
                let placeholder = PLACEHOLDERS
                    .iter()
                    .any(|p| finding.message_en.ends_with(&format!("({p})")));
                assert!(
                    ["cie-doc-04", "cie-doc-05"].contains(&finding.rule_id.as_str()) && placeholder,
                    "{}: {}",
                    path.display(),
                    finding.message_en
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} examples found");
}

//! Prints what the official rule sets (JP PINT, Peppol post-award) find in each XML file named on the command
//! line: `cargo run -p cie-rules --example official_findings -- FILE...`.

use cie_rules::{validate_official, validate_post_award};
use cie_xpath::Document;

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) => {
                println!("{path}: {error}");
                continue;
            }
        };
        let doc = match Document::parse(&bytes) {
            Ok(doc) => doc,
            Err(error) => {
                println!("{path}: not well-formed: {error}");
                continue;
            }
        };
        let verdict = validate_post_award(&doc)
            .map(|verdict| (verdict.rule_set, verdict.findings))
            .or_else(|| {
                validate_official(&doc).map(|verdict| (verdict.rule_set, verdict.findings))
            });
        match verdict {
            None => println!("{path}: no official rule set applies"),
            Some((rule_set, findings)) => {
                println!("{path}: {rule_set}, {} findings", findings.len());
                for finding in findings {
                    println!(
                        "  {} {:?} {} {}",
                        finding.rule_id,
                        finding.severity,
                        finding.location.path,
                        finding.message_en
                    );
                }
            }
        }
    }
}

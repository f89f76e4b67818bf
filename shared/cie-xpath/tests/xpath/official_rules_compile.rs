//! Every XPath test and every rule context of the three JP PINT 1.1.3 rule sets compiles.

use cie_xpath::{Expr, Namespaces, Pattern};

const TESTS: &str = include_str!("../../../../schemas/jp-pint-1.1.3/jp-pint-rule-tests.tsv");
const RULE_FILES: [&str; 3] = [
    include_str!("../../../../schemas/jp-pint-1.1.3/jp-pint-rules.tsv"),
    include_str!("../../../../schemas/jp-pint-1.1.3/jp-pint-sb-rules.tsv"),
    include_str!("../../../../schemas/jp-pint-1.1.3/jp-pint-ntr-rules.tsv"),
];

fn namespaces() -> Namespaces {
    Namespaces::new()
        .with(
            "cbc",
            "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
        )
        .with(
            "cac",
            "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
        )
        .with(
            "ubl",
            "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
        )
        .with(
            "cn",
            "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
        )
        .with("u", cie_xpath::SCHEMATRON_UTILS_NAMESPACE)
}

#[test]
fn every_test_and_context_compiles() {
    let namespaces = namespaces();
    let mut failures = Vec::new();
    let mut tests = 0;
    for line in TESTS.lines().skip(1) {
        let columns: Vec<&str> = line.splitn(6, '\t').collect();
        let (id, test) = (columns[4], columns[5]);
        tests += 1;
        if let Err(error) = Expr::compile(test, &namespaces) {
            failures.push(format!("{}/{id}: {error}", columns[0]));
        }
    }
    let mut contexts = 0;
    for file in RULE_FILES {
        for line in file.lines().skip(1) {
            let columns: Vec<&str> = line.splitn(4, '\t').collect();
            contexts += 1;
            if let Err(error) = Pattern::compile(columns[2], &namespaces) {
                failures.push(format!("context of {}: {error}", columns[0]));
            }
            if let Err(error) = Expr::compile(columns[2], &namespaces) {
                failures.push(format!(
                    "context of {} as an expression: {error}",
                    columns[0]
                ));
            }
        }
    }
    assert_eq!(tests, 636);
    assert_eq!(contexts, 636);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

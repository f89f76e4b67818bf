//! Every fixture under `tests/fixtures`: schema-valid UBL 2.1 gives no findings; the one mutant that
//! breaks the element order gives exactly the finding libxml2 reports.

use std::path::{Path, PathBuf};

use cie_domain::Severity;
use cie_schema::{RULE_SET, SchemaRule};

use crate::{check, describe, fixture, fixtures_dir};

fn xml_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            xml_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "xml") {
            found.push(path);
        }
    }
}

#[test]
fn every_valid_fixture_gives_no_findings() {
    let mut files = Vec::new();
    xml_files(&fixtures_dir(), &mut files);
    files.sort();
    let mut invoices_and_credit_notes = 0;
    let mut failures = Vec::new();
    for path in &files {
        if path.ends_with("jp-pint-mutants/element-order-xsd.xml") {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("fixture is UTF-8");
        if text.contains("xsd:Invoice-2\"") || text.contains("xsd:CreditNote-2\"") {
            invoices_and_credit_notes += 1;
        }
        let findings = check(&text);
        if !findings.is_empty() {
            failures.push(format!("{}:\n{}", path.display(), describe(&findings)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(files.len() > 100, "only {} fixtures found", files.len());
    assert!(
        invoices_and_credit_notes >= 55,
        "only {invoices_and_credit_notes} invoices and credit notes found"
    );
}

#[test]
fn element_order_mutant_gives_the_libxml2_error() {
    let findings = check(&fixture("jp-pint-mutants/element-order-xsd.xml"));
    assert_eq!(findings.len(), 1, "{}", describe(&findings));
    let finding = &findings[0];
    assert_eq!(finding.rule_id, SchemaRule::ElementUnexpected.id());
    assert_eq!(finding.severity, Severity::Fatal);
    assert_eq!(finding.rule_set, RULE_SET);
    assert_eq!(finding.location.path, "/Invoice/cbc:IssueDate[1]");
    assert_eq!((finding.location.line, finding.location.column), (10, 3));
    assert_eq!(
        finding.message_en,
        "Element cbc:IssueDate is not expected here; expected one of cbc:ProfileExecutionID, cbc:ID"
    );
    assert_eq!(
        finding.message_ja,
        "ここに要素cbc:IssueDateは記載できません。cbc:ProfileExecutionID、cbc:IDのいずれかが必要です。"
    );
}

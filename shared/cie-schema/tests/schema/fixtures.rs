//! Every fixture under `tests/fixtures`, of every kind: schema-valid UBL 2.1 gives no findings, and the
//! checker's verdict is `xmllint --schema`'s; the mutant that breaks the element order and the official
//! Peppol samples that go beyond UBL 2.1 give exactly the finding libxml2 reports.

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

/// Official Peppol advanced-ordering samples that are not UBL 2.1: they use `cac:OrderChangeDocumentReference`,
/// which UBL 2.1's OrderResponse does not have (libxml2 refuses them the same way).
const NOT_UBL_21: [&str; 2] = [
    "order/advanced-sc2-orderresponse.xml",
    "order/order-response-advanced-example.xml",
];

#[test]
fn every_valid_fixture_gives_no_findings() {
    let mut files = Vec::new();
    xml_files(&fixtures_dir(), &mut files);
    files.sort();
    let mut invoices_and_credit_notes = 0;
    let mut failures = Vec::new();
    for path in &files {
        if path.ends_with("jp-pint-mutants/element-order-xsd.xml")
            || NOT_UBL_21.iter().any(|file| path.ends_with(file))
        {
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

#[test]
fn official_samples_beyond_ubl_21_give_the_libxml2_error() {
    for file in NOT_UBL_21 {
        let findings = check(&fixture(file));
        assert_eq!(findings.len(), 1, "{file}: {}", describe(&findings));
        assert_eq!(findings[0].rule_id, SchemaRule::ElementUnexpected.id());
        assert_eq!(
            findings[0].location.path,
            "/OrderResponse/cac:OrderChangeDocumentReference[1]"
        );
    }
}

/// The UBL 2.1 main schema of a document, by its default namespace (a document's own).
fn main_schema(text: &str) -> Option<PathBuf> {
    const DEFAULT: &str = "xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:";
    let rest = &text[text.find(DEFAULT)? + DEFAULT.len()..];
    let kind = &rest[..rest.find("-2\"")?];
    let path = fixtures_dir()
        .join("../../schemas/ubl-2.1/maindoc")
        .join(format!("UBL-{kind}-2.1.xsd"));
    path.exists().then_some(path)
}

/// Every fixture, valid or not by `xmllint --schema` against its kind's UBL 2.1 main schema, is valid or not
/// by this checker (libxml2 from Debian's libxml2-utils; tests/run-all.sh installs it).
#[test]
fn the_checker_agrees_with_xmllint_on_every_fixture() {
    let mut files = Vec::new();
    xml_files(&fixtures_dir(), &mut files);
    files.sort();
    let mut by_schema: std::collections::BTreeMap<PathBuf, Vec<PathBuf>> = Default::default();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("fixture is UTF-8");
        if let Some(schema) = main_schema(&text) {
            by_schema.entry(schema).or_default().push(path);
        }
    }
    let mut compared = 0;
    let mut disagreements = Vec::new();
    for (schema, paths) in &by_schema {
        let output = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(schema)
            .args(paths)
            .output()
            .expect("xmllint (libxml2-utils) must be installed: tests/run-all.sh installs it");
        let report = String::from_utf8_lossy(&output.stderr);
        for path in paths {
            let refused = report.contains(&format!("{} fails to validate", path.display()));
            let text = std::fs::read_to_string(path).expect("fixture is UTF-8");
            let findings = check(&text);
            if refused == findings.is_empty() {
                disagreements.push(format!(
                    "{}: xmllint {}, checker {}",
                    path.display(),
                    if refused { "refuses" } else { "accepts" },
                    describe(&findings)
                ));
            }
            compared += 1;
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert!(compared > 100, "only {compared} fixtures compared");
}

/// Mutants of a sample of every kind the service exchanges (the number left out, a date that is no date,
/// elements out of order, an element twice that may occur once, an element UBL does not know, an attribute the
/// date does not take): the checker's verdict is `xmllint --schema`'s on each (a Quotation may lack its number).
#[test]
fn mutants_of_every_kind_get_the_verdict_xmllint_gives() {
    let samples = [
        "jp-pint/jp-pint-example.xml",
        "oasis-ubl21/UBL-CreditNote-2.1-Example.xml",
        "order/order-uc1.xml",
        "order/order-response-example.xml",
        "oasis-ubl21/UBL-OrderResponseSimple-2.1-Example.xml",
        "order/order-change-example.xml",
        "order/order-cancellation-example.xml",
        "despatch/despatch-advice-example.xml",
        "oasis-ubl21/UBL-ReceiptAdvice-2.0-Example.xml",
        "invoice-response/invoice-response-example.xml",
        "quotation/UBL-Quotation-2.1-Example.xml",
        "quotation/UBL-RequestForQuotation-2.1-Example.xml",
    ];
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut refused = 0;
    for sample in samples {
        let text = fixture(sample);
        let date_at = text.find("<cbc:IssueDate>").expect("an issue date");
        let date_end = date_at
            + text[date_at..].find("</cbc:IssueDate>").expect("its end")
            + "</cbc:IssueDate>".len();
        let date = &text[date_at..date_end];
        let id_at = text.find("<cbc:ID>").expect("an id");
        let id_end = id_at + text[id_at..].find("</cbc:ID>").expect("its end") + "</cbc:ID>".len();
        let mutants = [
            ("no-id", format!("{}{}", &text[..id_at], &text[id_end..])),
            (
                "bad-date",
                text.replacen(date, "<cbc:IssueDate>2023/10/24</cbc:IssueDate>", 1),
            ),
            (
                "date-first",
                format!(
                    "{}{}{}{}",
                    &text[..id_at],
                    date,
                    &text[id_at..date_at],
                    &text[date_end..]
                ),
            ),
            (
                "two-dates",
                format!("{}{date}{}", &text[..date_end], &text[date_end..]),
            ),
            (
                "unknown-element",
                format!(
                    "{}<cbc:Bogus>1</cbc:Bogus>{}",
                    &text[..date_end],
                    &text[date_end..]
                ),
            ),
            (
                "date-attribute",
                text.replacen("<cbc:IssueDate>", "<cbc:IssueDate format=\"iso\">", 1),
            ),
        ];
        let schema = main_schema(&text).expect("a UBL 2.1 main schema");
        for (name, mutant) in mutants {
            let findings = check(&mutant);
            let path = dir.path().join(format!("{name}.xml"));
            std::fs::write(&path, &mutant).expect("written");
            let output = std::process::Command::new("xmllint")
                .arg("--noout")
                .arg("--schema")
                .arg(&schema)
                .arg(&path)
                .output()
                .expect("xmllint (libxml2-utils) must be installed: tests/run-all.sh installs it");
            assert_eq!(
                output.status.success(),
                findings.is_empty(),
                "{sample} {name}: xmllint {}, the checker {}",
                String::from_utf8_lossy(&output.stderr),
                describe(&findings)
            );
            refused += usize::from(!findings.is_empty());
        }
    }
    assert!(
        refused >= 69,
        "only {refused} of {} mutants refused",
        samples.len() * 6
    );
}

//! Loading corpus and own test documents, and asserting on reports.

use std::path::PathBuf;

use cie_matching::{DiscrepancyKind, LineSet, MatchReport};
use rust_decimal::Decimal;

/// The official corpus at the workspace root.
pub(crate) fn corpus(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(relative)
}

/// Our own documents.
pub(crate) fn own(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

pub(crate) fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

pub(crate) fn lines_of(path: PathBuf) -> LineSet {
    LineSet::parse(read(path.clone()).as_bytes())
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

pub(crate) fn lines_of_text(xml: &str) -> LineSet {
    LineSet::parse(xml.as_bytes()).unwrap_or_else(|error| panic!("{error}"))
}

/// The text of a document with `from` replaced by `to` exactly once (so that a mutation cannot miss).
pub(crate) fn mutated(path: PathBuf, from: &str, to: &str) -> LineSet {
    let text = read(path);
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
    lines_of_text(&text.replacen(from, to, 1))
}

pub(crate) fn decimal(text: &str) -> Decimal {
    text.parse().expect("a decimal literal")
}

pub(crate) fn kinds(report: &MatchReport) -> Vec<DiscrepancyKind> {
    report
        .discrepancies
        .iter()
        .map(|discrepancy| discrepancy.kind)
        .collect()
}

/// The only discrepancy of this kind.
#[track_caller]
pub(crate) fn single(report: &MatchReport, kind: DiscrepancyKind) -> &cie_matching::Discrepancy {
    let found: Vec<_> = report.of_kind(kind).collect();
    assert_eq!(
        found.len(),
        1,
        "one {kind:?} expected in {:#?}",
        report.discrepancies
    );
    found[0]
}

/// Every message is written in both languages.
#[track_caller]
pub(crate) fn assert_bilingual(report: &MatchReport) {
    for discrepancy in &report.discrepancies {
        assert!(
            !discrepancy.message_ja.is_empty() && !discrepancy.message_en.is_empty(),
            "{discrepancy:?}"
        );
        assert!(
            !discrepancy.message_ja.is_ascii(),
            "Japanese message expected: {}",
            discrepancy.message_ja
        );
    }
}

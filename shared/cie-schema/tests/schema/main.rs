//! Integration tests of `cie_schema::check`: every fixture of the repository, one mutated document per
//! rule, error handling, and a timing loop.

mod fixtures;
mod mutations;
mod timing;

use std::path::{Path, PathBuf};

use cie_domain::Finding;

/// The repository's shared test fixtures.
fn fixtures_dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures")).to_path_buf()
}

/// The text of the fixture at `relative` path.
fn fixture(relative: &str) -> String {
    let path = fixtures_dir().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The findings for `xml`, which must be checkable.
fn check(xml: &str) -> Vec<Finding> {
    cie_schema::check(xml.as_bytes()).expect("document is checkable")
}

/// One line per finding, for readable assertion failures.
fn describe(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|finding| {
            format!(
                "{} {} {}:{} {}",
                finding.rule_id,
                finding.location.path,
                finding.location.line,
                finding.location.column,
                finding.message_en
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

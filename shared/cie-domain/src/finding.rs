//! Findings: what a rule says about a document, with its rule id, severity, location and a message in
//! Japanese and English.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The document cannot be accepted (rejected at intake).
    Fatal,
    /// The document is defective and should be returned, but is kept for inspection.
    Error,
    /// Something to check.
    Warning,
    /// For information only.
    Info,
}

impl Severity {
    /// Every severity, worst first.
    pub const ALL: [Severity; 4] = [
        Severity::Fatal,
        Severity::Error,
        Severity::Warning,
        Severity::Info,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Fatal => "fatal",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.as_str() == s)
            .ok_or_else(|| format!("unknown severity {s:?}"))
    }
}

/// Where in a document a finding points.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Path from the root with prefixes as written and 1-based positions, e.g.
    /// `/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[2]/cbc:TaxAmount[1]`.
    pub path: String,
    /// 1-based line of the element's start tag (0 when unknown).
    pub line: u32,
    /// 1-based column of the element's start tag (0 when unknown).
    pub column: u32,
}

/// One finding of one rule on one place of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's id: official (`ibr-co-15`, `aligned-ibr-jp-01`) or ours (`cie-jp-…`, `cie-city-…`, `cie-ubl-…`).
    pub rule_id: String,
    /// Severity.
    pub severity: Severity,
    /// Where.
    pub location: Location,
    /// The message in Japanese.
    pub message_ja: String,
    /// The message in English.
    pub message_en: String,
    /// The rule set and version the rule belongs to, e.g. `jp-pint 1.1.3` or `cie-jp 1`.
    pub rule_set: String,
}

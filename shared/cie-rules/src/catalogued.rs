//! Findings of our own rule sets (`cie-jp-*`, `cie-doc-*`): a finding names its rule, and its severity and
//! messages come from the set's catalogue, with the detail of the case and the node's place.

use std::borrow::Cow;

use cie_domain::{Finding, Location, Severity};
use cie_xpath::{Document, NodeId};

/// A rule set's catalogue: id, severity, Japanese and English description.
pub(crate) type Catalogue = &'static [(&'static str, Severity, &'static str, &'static str)];

/// The findings of one rule set on one document.
pub(crate) struct Findings<'a> {
    pub(crate) doc: &'a Document,
    rules: Catalogue,
    rule_set: &'static str,
    pub(crate) findings: Vec<Finding>,
}

impl<'a> Findings<'a> {
    pub(crate) fn new(doc: &'a Document, rules: Catalogue, rule_set: &'static str) -> Self {
        Self {
            doc,
            rules,
            rule_set,
            findings: Vec::new(),
        }
    }

    /// Rule `id` fired on `node`, with the case's detail in both languages.
    pub(crate) fn push(&mut self, node: NodeId, id: &str, detail_ja: &str, detail_en: &str) {
        let Some((_, severity, ja, en)) = self.rules.iter().find(|(rule, ..)| *rule == id) else {
            return;
        };
        let (line, column) = self.doc.line_column(node);
        self.findings.push(Finding {
            rule_id: id.to_owned(),
            severity: *severity,
            location: Location {
                path: self.doc.path_of(node),
                line,
                column,
            },
            message_ja: format!("{ja}（{detail_ja}）"),
            message_en: format!("{en} ({detail_en})"),
            rule_set: self.rule_set.to_owned(),
        });
    }
}

/// A node's text, trimmed; borrowed from the document when the node has one text child.
pub(crate) fn text(doc: &Document, node: NodeId) -> Cow<'_, str> {
    match doc.string_value(node) {
        Cow::Borrowed(value) => Cow::Borrowed(value.trim()),
        Cow::Owned(value) if value.trim().len() == value.len() => Cow::Owned(value),
        Cow::Owned(value) => Cow::Owned(value.trim().to_owned()),
    }
}

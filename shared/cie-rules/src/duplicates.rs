//! Duplicate findings (`cie-dup-*`): what intake's look-up of earlier documents found, told to staff and
//! supplier as warnings naming the other document. A possible duplicate is never fatal: the supplier may
//! legitimately send a corrected version, and staff decide.

use cie_domain::{Finding, Location, Severity};

/// The rule set and version of these findings.
pub const RULE_SET: &str = "cie-dup 1";

/// Earlier documents that look like the one received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EarlierDocuments<'a> {
    /// The newest earlier document of the same supplier, kind and number, with other content.
    pub same_number: Option<i64>,
    /// A document with exactly the same bytes, from another supplier or sender.
    pub same_content: Option<i64>,
    /// A document of the same supplier dated the same day with the same amount, whose number is a variant
    /// of this one: its id and number.
    pub number_variant: Option<(i64, &'a str)>,
}

fn warning(rule_id: &str, path: &str, ja: String, en: String) -> Finding {
    Finding {
        rule_id: rule_id.to_owned(),
        severity: Severity::Warning,
        location: Location {
            path: path.to_owned(),
            line: 0,
            column: 0,
        },
        message_ja: ja,
        message_en: en,
        rule_set: RULE_SET.to_owned(),
    }
}

/// The findings for `earlier`, about a document numbered `number` whose root element is `root`.
pub fn findings(root: &str, number: &str, earlier: &EarlierDocuments<'_>) -> Vec<Finding> {
    let id_path = format!("/{root}/cbc:ID[1]");
    let mut findings = Vec::new();
    if let Some(other) = earlier.same_number {
        findings.push(warning(
            "cie-dup-01",
            &id_path,
            format!(
                "同じ取引先から同じ番号「{number}」の文書が内容を変えて既に届いています（文書ID {other}）。二重請求でないか確認してください。"
            ),
            format!(
                "The same supplier already sent a document numbered {number:?} with other content (document {other}); check that this is not a double invoice."
            ),
        ));
    }
    // The earlier document belongs to another sender: the finding says so without naming it, since the
    // supplier reads its own findings (staff find it by the content's SHA-256).
    if earlier.same_content.is_some() {
        findings.push(warning(
            "cie-dup-02",
            &format!("/{root}"),
            "全く同じ内容の文書が別の送信者から既に届いています。".to_owned(),
            "A document with exactly the same content was already received from another sender."
                .to_owned(),
        ));
    }
    if let Some((other, other_number)) = earlier.number_variant {
        findings.push(warning(
            "cie-dup-03",
            &id_path,
            format!(
                "番号「{number}」は既に届いた文書の番号「{other_number}」の表記違いとみられ、日付と金額も同じです（文書ID {other}）。二重請求でないか確認してください。"
            ),
            format!(
                "Number {number:?} looks like a variant of {other_number:?} (document {other}) with the same date and amount; check that this is not a double invoice."
            ),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_earlier_document_gives_its_own_warning_naming_it() {
        let earlier = EarlierDocuments {
            same_number: Some(7),
            same_content: Some(8),
            number_variant: Some((9, "INV-0001")),
        };
        let found = findings("Invoice", "1", &earlier);
        let ids: Vec<&str> = found.iter().map(|f| f.rule_id.as_str()).collect();
        assert_eq!(ids, ["cie-dup-01", "cie-dup-02", "cie-dup-03"]);
        assert!(found.iter().all(|f| f.severity == Severity::Warning));
        assert!(found[0].message_en.contains("document 7"));
        assert!(
            !found[1].message_ja.contains('8') && !found[1].message_en.contains('8'),
            "another sender's document is not named"
        );
        assert!(found[2].message_en.contains("\"INV-0001\""));
        assert_eq!(found[2].location.path, "/Invoice/cbc:ID[1]");
    }

    #[test]
    fn nothing_earlier_gives_no_findings() {
        assert!(findings("Invoice", "1", &EarlierDocuments::default()).is_empty());
    }
}

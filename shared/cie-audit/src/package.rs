//! The layout of a tax-office package: a ZIP holding `originals/` (every archived submission of the range,
//! byte for byte), `pdf/` (a readable rendering of each document, `pdf/ERRORS.txt` for those that could not be
//! rendered), `index.csv` (one row per original) and `chain.json` (the chain segment: every field each entry
//! hash commits to, and the tenant's head at export time).

use cie_export::Cell;
use serde::{Deserialize, Serialize};

use crate::chain::ChainFields;

/// Format name written into `chain.json`.
pub const FORMAT: &str = "cie-audit-package-1";
/// The chain segment's file name.
pub const CHAIN_FILE: &str = "chain.json";
/// The index's file name.
pub const INDEX_FILE: &str = "index.csv";
/// Where documents that could not be rendered are listed.
pub const PDF_ERRORS_FILE: &str = "pdf/ERRORS.txt";
/// Folder of the originals.
pub const ORIGINALS_DIR: &str = "originals/";

/// `index.csv`'s header row (Japanese, for the tax office; the English in the README).
pub const INDEX_HEADER: [&str; 13] = [
    "取引年月日",
    "取引金額",
    "通貨",
    "取引先",
    "登録番号",
    "種別",
    "番号",
    "アーカイブ番号",
    "受領日時",
    "結果",
    "SHA-256",
    "原本ファイル",
    "PDFファイル",
];

/// `chain.json`: the chain segment of the package.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChainFile {
    /// [`FORMAT`].
    pub format: String,
    /// The tenant whose chain this is (it is part of every entry hash).
    pub tenant: String,
    /// When the package was made (RFC 3339).
    pub exported_at: String,
    /// The criteria the package was made for, as given.
    pub criteria: serde_json::Value,
    /// `prev_hash` of a tenant's first entry.
    pub genesis_hash: String,
    /// The tenant's chain head when the package was made.
    pub head: ChainHead,
    /// How an entry hash is computed, in words.
    pub entry_hash_formula: String,
    /// The entries of the package, by ascending `seq`.
    pub entries: Vec<ChainEntry>,
}

/// The last entry of a tenant's chain.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChainHead {
    /// Its sequence number.
    pub seq: i64,
    /// Its entry hash.
    pub entry_hash: String,
}

/// One archive entry of the package: every field its hash commits to, the hashes, and its file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChainEntry {
    /// Position in the tenant's chain.
    pub seq: i64,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub entry_hash: String,
    /// When it was received (UTC, exactly as hashed).
    pub received_at: String,
    /// The sending user.
    pub submitter_id: i64,
    /// The supplier organisation.
    pub supplier_org_id: Option<i64>,
    /// SHA-256 of the original.
    pub content_sha256: String,
    /// Bytes received.
    pub size_bytes: i64,
    /// Whether only the first part was kept.
    pub truncated: bool,
    /// `accepted` or `rejected`.
    pub outcome: String,
    /// Why it was rejected.
    pub error_code: Option<String>,
    /// What was wrong.
    pub error_message: Option<String>,
    /// The original's name in the ZIP.
    pub file: String,
}

impl ChainEntry {
    /// The fields its hash commits to, for `tenant`.
    pub fn fields<'a>(&'a self, tenant: &'a str) -> ChainFields<'a> {
        ChainFields {
            tenant,
            seq: self.seq,
            prev_hash: &self.prev_hash,
            received_at: &self.received_at,
            submitter_id: self.submitter_id,
            supplier_org_id: self.supplier_org_id,
            content_sha256: &self.content_sha256,
            size_bytes: self.size_bytes,
            truncated: self.truncated,
            outcome: &self.outcome,
            error_code: self.error_code.as_deref(),
            error_message: self.error_message.as_deref(),
        }
    }
}

/// The English description of the entry hash written into `chain.json`.
pub const ENTRY_HASH_FORMULA: &str = "entry_hash = hex(SHA-256(for each of [\"cie-archive-v1\", tenant, seq, prev_hash, \
     received_at, submitter_id, supplier_org_id or \"\", content_sha256, size_bytes, truncated ? \"1\" : \"0\", outcome, \
     error_code or \"\", error_message or \"\"]: its UTF-8 length as a big-endian u64, then its bytes)); numbers in \
     decimal; the first entry's prev_hash is genesis_hash";

/// One row of `index.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexRow {
    /// Transaction (issue) date, `YYYY-MM-DD`; empty for a submission that is no document.
    pub issue_date: String,
    /// Transaction amount.
    pub amount: String,
    /// Currency.
    pub currency: String,
    /// Counterparty (the supplier's name).
    pub counterparty: String,
    /// The supplier's 登録番号.
    pub registration_number: String,
    /// Document kind.
    pub kind: String,
    /// Document number.
    pub number: String,
    /// Archive sequence number.
    pub seq: i64,
    /// When it was received (Japan time).
    pub received_at: String,
    /// `accepted` or `rejected` (with the error code).
    pub outcome: String,
    /// SHA-256 of the original.
    pub sha256: String,
    /// The original's name in the ZIP.
    pub file: String,
    /// The PDF's name in the ZIP, empty when there is none.
    pub pdf: String,
}

impl IndexRow {
    /// The row as one CSV line with CRLF; text a sender wrote is neutralised against spreadsheet formulas.
    pub fn to_csv_line(&self) -> String {
        let cells = [
            Cell::Number(self.issue_date.clone()),
            Cell::Number(self.amount.clone()),
            Cell::Text(self.currency.clone()),
            Cell::Text(self.counterparty.clone()),
            Cell::Text(self.registration_number.clone()),
            Cell::Number(self.kind.clone()),
            Cell::Text(self.number.clone()),
            Cell::Number(self.seq.to_string()),
            Cell::Number(self.received_at.clone()),
            Cell::Number(self.outcome.clone()),
            Cell::Number(self.sha256.clone()),
            Cell::Number(self.file.clone()),
            Cell::Number(self.pdf.clone()),
        ];
        let mut line = cells
            .iter()
            .map(|c| c.to_csv().into_owned())
            .collect::<Vec<_>>()
            .join(",");
        line.push_str("\r\n");
        line
    }
}

/// The header line of `index.csv`, with a byte-order mark for spreadsheet software.
pub fn index_header_line() -> String {
    format!("\u{feff}{}\r\n", INDEX_HEADER.join(","))
}

/// A name for a file of document `kind` numbered `number`: characters any file system takes.
pub fn document_stem(seq: i64, kind: &str, number: &str) -> String {
    let number: String = number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{seq:06}-{kind}-{number}")
}

/// The original's name: `originals/000123-invoice-156.xml` for a document, `originals/000124-rejected.bin`
/// for a submission that is none.
pub fn original_name(seq: i64, document: Option<(&str, &str)>, outcome: &str) -> String {
    match document {
        Some((kind, number)) => format!("{ORIGINALS_DIR}{}.xml", document_stem(seq, kind, number)),
        None => format!("{ORIGINALS_DIR}{seq:06}-{outcome}.bin"),
    }
}

/// The PDF's name: `pdf/000123-invoice-156.pdf`.
pub fn pdf_name(seq: i64, kind: &str, number: &str) -> String {
    format!("pdf/{}.pdf", document_stem(seq, kind, number))
}

/// Splits CSV text into rows of fields (RFC 4180: quoted fields, doubled quotes, CRLF or LF).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_zero_padded_and_safe() {
        assert_eq!(
            original_name(123, Some(("invoice", "156")), "accepted"),
            "originals/000123-invoice-156.xml"
        );
        assert_eq!(
            original_name(124, None, "rejected"),
            "originals/000124-rejected.bin"
        );
        assert_eq!(
            pdf_name(7, "invoice", "請求/1 a"),
            "pdf/000007-invoice-___1_a.pdf"
        );
    }

    #[test]
    fn index_rows_survive_a_csv_round_trip() {
        let row = IndexRow {
            issue_date: "2026-01-02".into(),
            amount: "-1000".into(),
            counterparty: "=株式会社, \"A\"".into(),
            seq: 3,
            file: "originals/000003-invoice-1.xml".into(),
            ..IndexRow::default()
        };
        let text = format!("{}{}", index_header_line(), row.to_csv_line());
        let rows = parse_csv(text.trim_start_matches('\u{feff}'));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].len(), INDEX_HEADER.len());
        assert_eq!(rows[1][1], "-1000");
        assert_eq!(rows[1][3], "'=株式会社, \"A\"");
        assert_eq!(rows[1][7], "3");
        assert_eq!(rows[1][11], "originals/000003-invoice-1.xml");
    }
}

//! A CSV table written strictly: UTF-8 or CP932, CRLF, fields quoted when needed, formula-like text
//! neutralised, and an unencodable character reported by row, column and character instead of replaced.

use std::borrow::Cow;

use crate::encode::{Encoding, describe_char, encode_into};

/// A CSV cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text as someone wrote it (a name, a number they typed, a subject). Text a spreadsheet would run as a
    /// formula gets a leading `'`.
    Text(String),
    /// A value the service formats itself (an amount, which may be negative, a date, an id): written as is.
    Number(String),
}

impl Cell {
    /// The cell's CSV text in UTF-8: neutralised when it is text, then quoted when needed.
    pub fn to_csv(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(text) => match neutralize_formula(text) {
                Cow::Borrowed(text) => quote(text, false),
                Cow::Owned(text) => Cow::Owned(quote(&text, false).into_owned()),
            },
            Cell::Number(value) => quote(value, false),
        }
    }
}

/// Text that a spreadsheet would take for a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return) gets a leading `'`, so that opening the file runs nothing (OWASP's CSV injection guidance).
pub fn neutralize_formula(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// `value` as one CSV field: in double quotes (inner quotes doubled) when `always` or when it holds a comma,
/// a quote, CR or LF; otherwise as is.
pub(crate) fn quote(value: &str, always: bool) -> Cow<'_, str> {
    if always || value.contains([',', '"', '\r', '\n']) {
        let mut quoted = String::with_capacity(value.len() + 2);
        quoted.push('"');
        for c in value.chars() {
            if c == '"' {
                quoted.push('"');
            }
            quoted.push(c);
        }
        quoted.push('"');
        Cow::Owned(quoted)
    } else {
        Cow::Borrowed(value)
    }
}

/// Why a [`CsvTable`] could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A character the encoding cannot hold. `row` 0 is the header, data rows count from 1; `column` counts
    /// from 1.
    #[error("row {row}, column {column} ({name}): {} cannot be written in {encoding}", describe_char(*.ch))]
    Unmappable {
        /// The row (0 = header, data from 1).
        row: usize,
        /// The column, from 1.
        column: usize,
        /// The column's header (empty when the table has none).
        name: String,
        /// The character.
        ch: char,
        /// The target encoding.
        encoding: Encoding,
    },
    /// A row with another number of cells than the header.
    #[error("row {row} has {cells} cells, the header {columns}")]
    RowLength {
        /// The row (data from 1).
        row: usize,
        /// Cells in the row.
        cells: usize,
        /// Columns in the header.
        columns: usize,
    },
}

/// A CSV table written strictly: UTF-8 or CP932, CRLF, every field quoted when needed, cells that would run
/// as formulas in a spreadsheet neutralised with a leading apostrophe (only [`Cell::Text`]: amounts are not
/// text), and an unencodable character an error naming row, column and character.
///
/// ```
/// use cie_export::{Cell, CsvTable, Encoding};
/// let mut table = CsvTable::new(vec!["番号".into(), "金額".into()]);
/// table.push_row(vec![Cell::Text("=1+2".into()), Cell::Number("-5".into())]);
/// let bytes = table.finish(Encoding::Utf8).unwrap();
/// assert_eq!(bytes, "番号,金額\r\n'=1+2,-5\r\n".as_bytes());
/// ```
#[derive(Debug, Clone, Default)]
pub struct CsvTable {
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
    bom: bool,
}

impl CsvTable {
    /// A table with this header row (no header line when empty).
    pub fn new(header: Vec<String>) -> Self {
        CsvTable {
            header,
            rows: Vec::new(),
            bom: false,
        }
    }

    /// Starts UTF-8 output with a byte-order mark, for spreadsheet software that otherwise guesses the
    /// encoding (the server's 電子帳簿保存法 download). Ignored for CP932.
    pub fn with_bom(mut self, bom: bool) -> Self {
        self.bom = bom;
        self
    }

    /// Adds a data row.
    pub fn push_row(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// Data rows so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no data rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as bytes in `encoding`, CRLF line endings, no BOM unless asked for (UTF-8 only).
    pub fn finish(self, encoding: Encoding) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(64 * (self.rows.len() + 1));
        if self.bom && encoding == Encoding::Utf8 {
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        if !self.header.is_empty() {
            for (i, name) in self.header.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                encode_into(&quote(name, false), encoding, &mut out).map_err(|e| {
                    EncodeError::Unmappable {
                        row: 0,
                        column: i + 1,
                        name: name.clone(),
                        ch: e.ch,
                        encoding,
                    }
                })?;
            }
            out.extend_from_slice(b"\r\n");
        }
        for (r, row) in self.rows.iter().enumerate() {
            if !self.header.is_empty() && row.len() != self.header.len() {
                return Err(EncodeError::RowLength {
                    row: r + 1,
                    cells: row.len(),
                    columns: self.header.len(),
                });
            }
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                encode_into(&cell.to_csv(), encoding, &mut out).map_err(|e| {
                    EncodeError::Unmappable {
                        row: r + 1,
                        column: i + 1,
                        name: self.header.get(i).cloned().unwrap_or_default(),
                        ch: e.ch,
                        encoding,
                    }
                })?;
            }
            out.extend_from_slice(b"\r\n");
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_is_neutralised_and_numbers_are_not() {
        for start in ["=", "+", "-", "@", "\t", "\r"] {
            let text = format!("{start}SUM(A1)");
            assert!(
                Cell::Text(text.clone())
                    .to_csv()
                    .contains(&format!("'{start}")),
                "{text:?}"
            );
        }
        assert_eq!(Cell::Number("-1200".into()).to_csv(), "-1200");
        assert_eq!(Cell::Text("株式会社".into()).to_csv(), "株式会社");
    }

    #[test]
    fn quoting_follows_rfc_4180() {
        assert_eq!(quote("a,b", false), "\"a,b\"");
        assert_eq!(quote("say \"hi\"", false), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("line\nbreak", false), "\"line\nbreak\"");
        assert_eq!(quote("plain", false), "plain");
        assert_eq!(quote("plain", true), "\"plain\"");
        assert_eq!(Cell::Text("=a,b".into()).to_csv(), "\"'=a,b\"");
    }

    #[test]
    fn cp932_table_is_crlf_without_bom() {
        let mut table = CsvTable::new(vec!["件名".into()]).with_bom(true);
        table.push_row(vec![Cell::Text("請求書".into())]);
        let bytes = table.finish(Encoding::Cp932).unwrap();
        assert_eq!(
            bytes,
            [
                0x8C, 0x8F, 0x96, 0xBC, b'\r', b'\n', 0x90, 0xBF, 0x8B, 0x81, 0x8F, 0x91, b'\r',
                b'\n'
            ]
        );
    }

    #[test]
    fn utf8_bom_on_request() {
        let table = CsvTable::new(vec!["a".into()]).with_bom(true);
        assert_eq!(
            table.finish(Encoding::Utf8).unwrap(),
            "\u{feff}a\r\n".as_bytes()
        );
    }

    #[test]
    fn unencodable_cell_names_row_column_and_character() {
        let mut table = CsvTable::new(vec!["no".into(), "name".into()]);
        table.push_row(vec![Cell::Number("1".into()), Cell::Text("吉田".into())]);
        table.push_row(vec![Cell::Number("2".into()), Cell::Text("𠮷田".into())]);
        let err = table.finish(Encoding::Cp932).unwrap_err();
        assert_eq!(
            err,
            EncodeError::Unmappable {
                row: 2,
                column: 2,
                name: "name".into(),
                ch: '𠮷',
                encoding: Encoding::Cp932
            }
        );
        assert_eq!(
            err.to_string(),
            "row 2, column 2 (name): U+20BB7 𠮷 cannot be written in cp932"
        );
    }

    #[test]
    fn rows_must_match_the_header() {
        let mut table = CsvTable::new(vec!["a".into(), "b".into()]);
        table.push_row(vec![Cell::Number("1".into())]);
        assert!(matches!(
            table.finish(Encoding::Utf8),
            Err(EncodeError::RowLength {
                row: 1,
                cells: 1,
                columns: 2
            })
        ));
    }
}

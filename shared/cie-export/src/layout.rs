//! Export layouts: how one city's finance system takes the export, parsed from a TOML file
//! (`<export_layouts_dir>/<tenant>.toml`; the format is described in the crate README).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::encode::{Encoding, first_unmappable};
use crate::values::{AmountFormat, DateFormat};

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// A JSON array of the records (always UTF-8).
    Json,
    /// Comma-separated values, one record a line.
    Csv,
    /// Fixed-length records: every field exactly its width in bytes.
    Fixed,
}

impl Format {
    /// The label used in layouts and on the API: `json`, `csv` or `fixed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Fixed => "fixed",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A label that names no format this crate writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}` (expected json, csv or fixed)")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "fixed" => Ok(Format::Fixed),
            _ => Err(UnknownFormat(s.to_owned())),
        }
    }
}

/// The line ending after each record (and the CSV header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LineEnding {
    /// `\r\n` (the default: what Windows import tools expect).
    #[default]
    Crlf,
    /// `\n`.
    Lf,
    /// Nothing: fixed-length records back to back.
    None,
}

impl LineEnding {
    /// The bytes written after a record.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Crlf => b"\r\n",
            LineEnding::Lf => b"\n",
            LineEnding::None => b"",
        }
    }
}

/// When CSV fields are put in double quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Quote {
    /// Only fields holding a comma, a quote, CR or LF (the default).
    #[default]
    Needed,
    /// Every field, header included.
    Always,
}

/// Where a fixed-length field's value sits in its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Value first, padding after (the default for text).
    Left,
    /// Padding first, value after (the default for numbers, amounts and dates).
    Right,
}

/// What a layout field writes: a [`crate::PaymentRecord`] field, a derived value, or a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // each variant is the record field of the same name unless documented
pub enum FieldKey {
    Sequence,
    /// `payment` or `cancellation`.
    Kind,
    Tenant,
    AccountingUnit,
    FiscalYear,
    BudgetItem,
    Department,
    CommitmentNumber,
    CreditorNumber,
    CreditorName,
    CreditorAddress,
    BankCode,
    BranchCode,
    /// 普通, 当座 or 貯蓄 as registered (or the code with `as_code = true`).
    AccountType,
    /// 預金種目 as a code: 普通 = 1, 当座 = 2, 貯蓄 = 4.
    AccountTypeCode,
    AccountNumber,
    /// The account name as registered, unconverted.
    AccountName,
    /// The account name as bank-transfer kana ([`crate::bank_kana`]).
    AccountNameKana,
    InvoiceNumber,
    IssueDate,
    ReceivedOn,
    InspectedOn,
    PaymentDue,
    PlannedPaymentDate,
    PaymentMethod,
    PayableAmount,
    LateInterest,
    /// Taxable amount at 10 %.
    #[serde(rename = "tax_10_taxable")]
    Tax10Taxable,
    /// Tax at 10 %.
    #[serde(rename = "tax_10_tax")]
    Tax10Tax,
    /// Taxable amount at 8 %.
    #[serde(rename = "tax_8_taxable")]
    Tax8Taxable,
    /// Tax at 8 %.
    #[serde(rename = "tax_8_tax")]
    Tax8Tax,
    /// 非課税 amount.
    TaxExemptTaxable,
    /// 不課税 amount.
    TaxOutOfScopeTaxable,
    /// Taxable amount of other categories.
    TaxOtherTaxable,
    /// Tax of other categories.
    TaxOtherTax,
    /// The tax of all rates together.
    TaxTotal,
    Withholding,
    RegistrationNumber,
    /// `1` for a qualified invoice (適格請求書), `0` otherwise.
    Qualified,
    Subject,
    DocumentId,
    ArchiveSeq,
    Sha256,
    PdfUrl,
    /// The field's `value`, the same on every record (a record type, a filler).
    Constant,
}

impl FieldKey {
    /// Every record field, in the order of the default layout: the record as it is, without conversions
    /// (the account name as registered, not as bank-transfer kana).
    pub const DEFAULT_ORDER: [FieldKey; 42] = [
        FieldKey::Sequence,
        FieldKey::Kind,
        FieldKey::Tenant,
        FieldKey::AccountingUnit,
        FieldKey::FiscalYear,
        FieldKey::BudgetItem,
        FieldKey::Department,
        FieldKey::CommitmentNumber,
        FieldKey::CreditorNumber,
        FieldKey::CreditorName,
        FieldKey::CreditorAddress,
        FieldKey::BankCode,
        FieldKey::BranchCode,
        FieldKey::AccountType,
        FieldKey::AccountNumber,
        FieldKey::AccountName,
        FieldKey::InvoiceNumber,
        FieldKey::IssueDate,
        FieldKey::ReceivedOn,
        FieldKey::InspectedOn,
        FieldKey::PaymentDue,
        FieldKey::PlannedPaymentDate,
        FieldKey::PaymentMethod,
        FieldKey::PayableAmount,
        FieldKey::LateInterest,
        FieldKey::Tax10Taxable,
        FieldKey::Tax10Tax,
        FieldKey::Tax8Taxable,
        FieldKey::Tax8Tax,
        FieldKey::TaxExemptTaxable,
        FieldKey::TaxOutOfScopeTaxable,
        FieldKey::TaxOtherTaxable,
        FieldKey::TaxOtherTax,
        FieldKey::TaxTotal,
        FieldKey::Withholding,
        FieldKey::RegistrationNumber,
        FieldKey::Qualified,
        FieldKey::Subject,
        FieldKey::DocumentId,
        FieldKey::ArchiveSeq,
        FieldKey::Sha256,
        FieldKey::PdfUrl,
    ];

    /// The name used in layout files and in problems (`creditor_name`, `tax_10_tax`).
    pub fn name(self) -> &'static str {
        match self {
            FieldKey::Sequence => "sequence",
            FieldKey::Kind => "kind",
            FieldKey::Tenant => "tenant",
            FieldKey::AccountingUnit => "accounting_unit",
            FieldKey::FiscalYear => "fiscal_year",
            FieldKey::BudgetItem => "budget_item",
            FieldKey::Department => "department",
            FieldKey::CommitmentNumber => "commitment_number",
            FieldKey::CreditorNumber => "creditor_number",
            FieldKey::CreditorName => "creditor_name",
            FieldKey::CreditorAddress => "creditor_address",
            FieldKey::BankCode => "bank_code",
            FieldKey::BranchCode => "branch_code",
            FieldKey::AccountType => "account_type",
            FieldKey::AccountTypeCode => "account_type_code",
            FieldKey::AccountNumber => "account_number",
            FieldKey::AccountName => "account_name",
            FieldKey::AccountNameKana => "account_name_kana",
            FieldKey::InvoiceNumber => "invoice_number",
            FieldKey::IssueDate => "issue_date",
            FieldKey::ReceivedOn => "received_on",
            FieldKey::InspectedOn => "inspected_on",
            FieldKey::PaymentDue => "payment_due",
            FieldKey::PlannedPaymentDate => "planned_payment_date",
            FieldKey::PaymentMethod => "payment_method",
            FieldKey::PayableAmount => "payable_amount",
            FieldKey::LateInterest => "late_interest",
            FieldKey::Tax10Taxable => "tax_10_taxable",
            FieldKey::Tax10Tax => "tax_10_tax",
            FieldKey::Tax8Taxable => "tax_8_taxable",
            FieldKey::Tax8Tax => "tax_8_tax",
            FieldKey::TaxExemptTaxable => "tax_exempt_taxable",
            FieldKey::TaxOutOfScopeTaxable => "tax_out_of_scope_taxable",
            FieldKey::TaxOtherTaxable => "tax_other_taxable",
            FieldKey::TaxOtherTax => "tax_other_tax",
            FieldKey::TaxTotal => "tax_total",
            FieldKey::Withholding => "withholding",
            FieldKey::RegistrationNumber => "registration_number",
            FieldKey::Qualified => "qualified",
            FieldKey::Subject => "subject",
            FieldKey::DocumentId => "document_id",
            FieldKey::ArchiveSeq => "archive_seq",
            FieldKey::Sha256 => "sha256",
            FieldKey::PdfUrl => "pdf_url",
            FieldKey::Constant => "constant",
        }
    }

    /// Whether the value is free text someone typed (neutralised against spreadsheet formulas in CSV,
    /// left-aligned by default in fixed-length records) rather than a number, amount, date or code the
    /// service formats.
    pub fn is_text(self) -> bool {
        !matches!(
            self,
            FieldKey::Sequence
                | FieldKey::Kind
                | FieldKey::FiscalYear
                | FieldKey::AccountTypeCode
                | FieldKey::IssueDate
                | FieldKey::ReceivedOn
                | FieldKey::InspectedOn
                | FieldKey::PaymentDue
                | FieldKey::PlannedPaymentDate
                | FieldKey::PayableAmount
                | FieldKey::LateInterest
                | FieldKey::Tax10Taxable
                | FieldKey::Tax10Tax
                | FieldKey::Tax8Taxable
                | FieldKey::Tax8Tax
                | FieldKey::TaxExemptTaxable
                | FieldKey::TaxOutOfScopeTaxable
                | FieldKey::TaxOtherTaxable
                | FieldKey::TaxOtherTax
                | FieldKey::TaxTotal
                | FieldKey::Withholding
                | FieldKey::Qualified
                | FieldKey::DocumentId
                | FieldKey::ArchiveSeq
                | FieldKey::Constant
        )
    }
}

impl fmt::Display for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One column (CSV) or span (fixed-length) of a layout.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    /// What the field writes.
    pub key: FieldKey,
    /// The CSV header text (defaults to the field name).
    pub header: String,
    /// Whether a record missing this value is held back.
    pub required: bool,
    /// Fixed-length: the width in bytes of the target encoding. CSV: the most bytes the value may take.
    pub width: Option<usize>,
    /// Fixed-length: where the value sits.
    pub align: Align,
    /// Fixed-length: the padding character, `' '` or `'0'`.
    pub pad: char,
    /// Written when the record has no value (and the field is not required).
    pub default: Option<String>,
    /// The text of a `constant` field.
    pub value: Option<String>,
    /// Replaces the formatted value by the mapped text; a value without an entry holds the record back.
    pub map: Option<BTreeMap<String, String>>,
}

impl FieldSpec {
    /// A field with the defaults: header = field name, optional, no width.
    pub fn new(key: FieldKey) -> Self {
        FieldSpec {
            key,
            header: key.name().to_owned(),
            required: false,
            width: None,
            align: if key.is_text() {
                Align::Left
            } else {
                Align::Right
            },
            pad: ' ',
            default: None,
            value: None,
            map: None,
        }
    }
}

/// Why a layout file was refused. Messages name the line and the field or key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// Not TOML, an unknown key, an unknown field name or a wrongly typed value (the message carries
    /// the line and column).
    #[error("export layout: {0}")]
    Syntax(String),
    /// A field entry that makes no sense (a fixed-length field without a width …).
    #[error("export layout line {line}: field `{field}`: {message}")]
    Field {
        /// The line of the entry's `field = …`.
        line: usize,
        /// The field's name.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A problem with the layout as a whole.
    #[error("export layout: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayout {
    name: Option<String>,
    #[allow(dead_code)] // documentation for people reading the file
    description: Option<String>,
    format: Option<Format>,
    encoding: Option<Encoding>,
    header: Option<bool>,
    line_ending: Option<LineEnding>,
    date_format: Option<DateFormat>,
    amount_format: Option<AmountFormat>,
    quote: Option<Quote>,
    #[serde(default)]
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    field: toml::Spanned<FieldKey>,
    header: Option<String>,
    required: Option<bool>,
    width: Option<i64>,
    align: Option<Align>,
    pad: Option<String>,
    as_code: Option<bool>,
    default: Option<String>,
    value: Option<String>,
    map: Option<BTreeMap<String, String>>,
}

/// How one city's finance system takes the export: parsed from `<export_layouts_dir>/<tenant>.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    name: Option<String>,
    format: Format,
    encoding: Encoding,
    header: bool,
    line_ending: LineEnding,
    date_format: DateFormat,
    amount_format: AmountFormat,
    quote: Quote,
    fields: Vec<FieldSpec>,
}

impl Layout {
    /// Parses a layout file. Unknown keys and field names are refused, naming them and their line.
    pub fn parse(toml_text: &str) -> Result<Layout, LayoutError> {
        let raw: RawLayout =
            toml::from_str(toml_text).map_err(|e| LayoutError::Syntax(e.to_string()))?;
        let format = raw.format.unwrap_or(Format::Csv);
        if raw.fields.is_empty() {
            return Err(LayoutError::Invalid(
                "no [[fields]]: a layout lists the fields it writes".into(),
            ));
        }
        let mut fields = Vec::with_capacity(raw.fields.len());
        for raw_field in raw.fields {
            let line = line_of(toml_text, raw_field.field.span().start);
            let key = *raw_field.field.get_ref();
            let err = |message: String| LayoutError::Field {
                line,
                field: key.name().to_owned(),
                message,
            };
            let mut spec = FieldSpec::new(key);
            if raw_field.as_code.is_some() && key != FieldKey::AccountType {
                return Err(err("`as_code` is only for account_type".into()));
            }
            if raw_field.as_code == Some(true) {
                spec.key = FieldKey::AccountTypeCode;
                spec.align = Align::Right;
            }
            if let Some(header) = raw_field.header {
                check_cp932(&header).map_err(|m| err(format!("header: {m}")))?;
                spec.header = header;
            }
            spec.required = raw_field.required.unwrap_or(false);
            if let Some(width) = raw_field.width {
                if width < 1 {
                    return Err(err(format!("width must be at least 1, not {width}")));
                }
                spec.width =
                    Some(usize::try_from(width).map_err(|_| err("width too large".into()))?);
            }
            if let Some(align) = raw_field.align {
                spec.align = align;
            }
            if let Some(pad) = raw_field.pad {
                spec.pad = match pad.as_str() {
                    " " => ' ',
                    "0" => '0',
                    other => return Err(err(format!("pad must be \" \" or \"0\", not {other:?}"))),
                };
            }
            match (key, raw_field.value) {
                (FieldKey::Constant, Some(value)) => {
                    check_cp932(&value).map_err(|m| err(format!("value: {m}")))?;
                    spec.value = Some(value);
                }
                (FieldKey::Constant, None) => {
                    return Err(err("a constant field needs `value`".into()));
                }
                (_, Some(_)) => {
                    return Err(err("`value` is only for field = \"constant\"".into()));
                }
                (_, None) => {}
            }
            if let Some(default) = raw_field.default {
                check_cp932(&default).map_err(|m| err(format!("default: {m}")))?;
                spec.default = Some(default);
            }
            if let Some(map) = raw_field.map {
                for to in map.values() {
                    check_cp932(to).map_err(|m| err(format!("map: {m}")))?;
                }
                spec.map = Some(map);
            }
            if format == Format::Fixed && spec.width.is_none() {
                return Err(err(
                    "a fixed-length layout needs a `width` on every field".into()
                ));
            }
            fields.push(spec);
        }
        Ok(Layout {
            name: raw.name,
            format,
            encoding: raw.encoding.unwrap_or(Encoding::Utf8),
            header: raw.header.unwrap_or(true),
            line_ending: raw.line_ending.unwrap_or_default(),
            date_format: raw.date_format.unwrap_or_default(),
            amount_format: raw.amount_format.unwrap_or_default(),
            quote: raw.quote.unwrap_or_default(),
            fields,
        })
    }

    /// A sensible default for a city without a layout file: CSV in UTF-8 with a header row, CRLF, ISO dates,
    /// plain amounts and every record field under its own name ([`FieldKey::DEFAULT_ORDER`]: the account
    /// name as registered, not converted to bank-transfer kana), nothing required.
    pub fn default_payments() -> Layout {
        Layout {
            name: Some("default".into()),
            format: Format::Csv,
            encoding: Encoding::Utf8,
            header: true,
            line_ending: LineEnding::Crlf,
            date_format: DateFormat::Iso,
            amount_format: AmountFormat::Plain,
            quote: Quote::Needed,
            fields: FieldKey::DEFAULT_ORDER
                .iter()
                .map(|&key| FieldSpec::new(key))
                .collect(),
        }
    }

    /// The layout's `name`, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// JSON, CSV or fixed-length.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The encoding written: the layout's, except that JSON is always UTF-8.
    pub fn encoding(&self) -> Encoding {
        match self.format {
            Format::Json => Encoding::Utf8,
            _ => self.encoding,
        }
    }

    /// Whether CSV output starts with a header row.
    pub fn header(&self) -> bool {
        self.header && self.format == Format::Csv
    }

    /// The line ending after each record.
    pub fn line_ending(&self) -> LineEnding {
        self.line_ending
    }

    /// How dates are written.
    pub fn date_format(&self) -> DateFormat {
        self.date_format
    }

    /// How amounts are written.
    pub fn amount_format(&self) -> AmountFormat {
        self.amount_format
    }

    /// When CSV fields are quoted.
    pub fn quote(&self) -> Quote {
        self.quote
    }

    /// The fields, in order.
    pub fn fields(&self) -> &[FieldSpec] {
        &self.fields
    }

    /// Bytes per fixed-length record, line ending excluded (`None` unless every field has a width).
    pub fn record_width(&self) -> Option<usize> {
        self.fields.iter().map(|f| f.width).sum()
    }

    /// The layout with the API's `?format=` and `?encoding=` applied. A fixed-length override on a layout
    /// without widths is accepted here and reported by [`crate::write`] on every record; use
    /// [`Layout::try_with_overrides`] to refuse it up front.
    pub fn with_overrides(mut self, format: Option<Format>, encoding: Option<Encoding>) -> Layout {
        if let Some(format) = format {
            self.format = format;
        }
        if let Some(encoding) = encoding {
            self.encoding = encoding;
        }
        self
    }

    /// [`Layout::with_overrides`], refusing a fixed-length format on a layout whose fields lack widths.
    pub fn try_with_overrides(
        self,
        format: Option<Format>,
        encoding: Option<Encoding>,
    ) -> Result<Layout, LayoutError> {
        let layout = self.with_overrides(format, encoding);
        if let Some(missing) = layout.missing_width() {
            return Err(LayoutError::Invalid(format!(
                "field `{}` has no width, so this layout cannot be written fixed-length",
                missing.key
            )));
        }
        Ok(layout)
    }

    /// The first field without a width when the format is fixed-length.
    pub(crate) fn missing_width(&self) -> Option<&FieldSpec> {
        if self.format == Format::Fixed {
            self.fields.iter().find(|f| f.width.is_none())
        } else {
            None
        }
    }

    /// The HTTP `Content-Type`: `text/csv; charset=Shift_JIS`, `text/plain; charset=UTF-8` (fixed-length),
    /// `application/json`.
    pub fn content_type(&self) -> &'static str {
        match (self.format, self.encoding()) {
            (Format::Json, _) => "application/json",
            (Format::Csv, Encoding::Utf8) => "text/csv; charset=UTF-8",
            (Format::Csv, Encoding::Cp932) => "text/csv; charset=Shift_JIS",
            (Format::Fixed, Encoding::Utf8) => "text/plain; charset=UTF-8",
            (Format::Fixed, Encoding::Cp932) => "text/plain; charset=Shift_JIS",
        }
    }

    /// A file extension for downloads: `json`, `csv` or `txt`.
    pub fn file_extension(&self) -> &'static str {
        match self.format {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Fixed => "txt",
        }
    }
}

impl Default for Layout {
    fn default() -> Self {
        Layout::default_payments()
    }
}

/// Layout texts (headers, constants) must survive a `?encoding=cp932` override, so they are checked against
/// CP932 whatever the layout's own encoding.
fn check_cp932(text: &str) -> Result<(), String> {
    match first_unmappable(text, Encoding::Cp932) {
        Some(bad) => Err(bad.message()),
        None => Ok(()),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(0, |before| before.matches('\n').count())
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
format = "fixed"
encoding = "cp932"

[[fields]]
field = "creditor_number"
width = 8
pad = "0"

[[fields]]
field = "creditor_name"
width = 40
required = true
"#;

    #[test]
    fn parses_a_fixed_layout() {
        let layout = Layout::parse(SMALL).unwrap();
        assert_eq!(layout.format(), Format::Fixed);
        assert_eq!(layout.encoding(), Encoding::Cp932);
        assert_eq!(layout.record_width(), Some(48));
        assert_eq!(layout.fields()[0].pad, '0');
        assert!(layout.fields()[1].required);
        assert!(!layout.header());
        assert_eq!(layout.content_type(), "text/plain; charset=Shift_JIS");
    }

    #[test]
    fn unknown_field_names_are_refused_with_their_line() {
        let err = Layout::parse("[[fields]]\nfield = \"creditor_nmae\"\n").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("creditor_nmae"), "{message}");
        assert!(message.contains("line 2"), "{message}");
    }

    #[test]
    fn unknown_keys_are_refused_naming_them() {
        let err =
            Layout::parse("colour = \"red\"\n[[fields]]\nfield = \"sequence\"\n").unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
        let err = Layout::parse("[[fields]]\nfield = \"sequence\"\nwdth = 3\n").unwrap_err();
        assert!(err.to_string().contains("wdth"), "{err}");
    }

    #[test]
    fn fixed_fields_need_a_width() {
        let err =
            Layout::parse("format = \"fixed\"\n\n[[fields]]\nfield = \"subject\"\n").unwrap_err();
        assert_eq!(
            err,
            LayoutError::Field {
                line: 4,
                field: "subject".into(),
                message: "a fixed-length layout needs a `width` on every field".into()
            }
        );
    }

    #[test]
    fn bad_values_are_refused() {
        for (text, needle) in [
            ("[[fields]]\nfield = \"subject\"\npad = \"x\"\n", "pad"),
            ("[[fields]]\nfield = \"subject\"\nwidth = 0\n", "width"),
            ("[[fields]]\nfield = \"constant\"\n", "value"),
            (
                "[[fields]]\nfield = \"subject\"\nvalue = \"1\"\n",
                "constant",
            ),
            (
                "[[fields]]\nfield = \"subject\"\nas_code = true\n",
                "as_code",
            ),
            (
                "[[fields]]\nfield = \"subject\"\nheader = \"𠮷\"\n",
                "CP932",
            ),
            (
                "date_format = \"dd.mm.yyyy\"\n[[fields]]\nfield = \"subject\"\n",
                "dd.mm.yyyy",
            ),
            (
                "encoding = \"latin1\"\n[[fields]]\nfield = \"subject\"\n",
                "latin1",
            ),
            ("format = \"csv\"\n", "fields"),
        ] {
            let err = Layout::parse(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn overrides_and_content_types() {
        let layout = Layout::default_payments();
        assert_eq!(layout.content_type(), "text/csv; charset=UTF-8");
        let sjis = layout.clone().with_overrides(None, Some(Encoding::Cp932));
        assert_eq!(sjis.content_type(), "text/csv; charset=Shift_JIS");
        let json = sjis.with_overrides(Some(Format::Json), None);
        assert_eq!(json.content_type(), "application/json");
        assert_eq!(json.encoding(), Encoding::Utf8);
        assert!(
            layout
                .try_with_overrides(Some(Format::Fixed), None)
                .is_err()
        );
    }

    #[test]
    fn account_type_as_code() {
        let layout =
            Layout::parse("[[fields]]\nfield = \"account_type\"\nas_code = true\n").unwrap();
        assert_eq!(layout.fields()[0].key, FieldKey::AccountTypeCode);
        assert_eq!(layout.fields()[0].header, "account_type");
    }
}

//! Writing records in a layout, strictly: a record that cannot be written whole is held back and reported,
//! never written with `?`, a replacement character, a truncated value or shifted columns.

use std::borrow::Cow;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::csv::{neutralize_formula, quote};
use crate::encode::{Encoding, describe_char, encode_into};
use crate::kana::bank_kana;
use crate::layout::{Align, FieldKey, FieldSpec, Format, Layout, Quote};
use crate::record::{FieldError, PaymentRecord, TaxCategory};
use crate::values::{format_amount, format_date};

/// The output of [`write`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Written {
    /// The export file.
    pub bytes: Vec<u8>,
    /// The sequences of the records written, in order: the records the finance system can import.
    pub written: Vec<i64>,
    /// The records held back, with every problem found.
    pub held_back: Vec<HeldBack>,
}

/// A record [`write`] held back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldBack {
    /// The record's sequence.
    pub sequence: i64,
    /// The record's document.
    pub document_id: i64,
    /// What stops it: the record's own `errors` first, then the layout's findings, e.g. field
    /// `creditor_name`, message `U+20BB7 𠮷 cannot be written in CP932`.
    pub problems: Vec<FieldError>,
}

/// Writes `records` in `layout`; a record that cannot be written (an error in `errors`, a field the layout
/// requires missing, a character CP932 cannot hold, a value longer than its fixed width) is held back and
/// reported, never written with `?`, a replacement or shifted columns.
///
/// CSV and fixed-length output hold only the records listed in [`Written::written`]. JSON output is an
/// array of *every* record, each with a `held_back` flag; a held-back record carries the problems found in
/// its `errors` (its own first, then the layout's), and only the records with `"held_back": false` are in
/// [`Written::written`].
pub fn write(layout: &Layout, records: &[PaymentRecord]) -> Written {
    match layout.format() {
        Format::Json => write_json(layout, records),
        Format::Csv | Format::Fixed => write_text(layout, records),
    }
}

fn write_text(layout: &Layout, records: &[PaymentRecord]) -> Written {
    let encoding = layout.encoding();
    let fixed = layout.format() == Format::Fixed;
    let always = layout.quote() == Quote::Always;
    let line_ending = layout.line_ending().bytes();
    let mut out = Written {
        bytes: Vec::with_capacity(records.len() * 256 + 1024),
        ..Written::default()
    };
    let mut layout_problems = Vec::new();
    if let Some(field) = layout.missing_width() {
        layout_problems.push(FieldError::new(
            field.key.name(),
            "the layout gives this field no width, so it cannot be written fixed-length",
        ));
    }
    if layout.header() {
        let start = out.bytes.len();
        for (i, field) in layout.fields().iter().enumerate() {
            if i > 0 {
                out.bytes.push(b',');
            }
            if let Err(bad) = encode_into(&quote(&field.header, always), encoding, &mut out.bytes) {
                out.bytes.truncate(start);
                layout_problems.push(FieldError::new(
                    field.key.name(),
                    format!("the header {}", unmappable_message(bad.ch, encoding)),
                ));
                break;
            }
        }
        if layout_problems.is_empty() {
            out.bytes.extend_from_slice(line_ending);
        }
    }
    let mut scratch = Vec::with_capacity(128);
    for record in records {
        let start = out.bytes.len();
        let mut problems = record.errors.clone();
        problems.extend(layout_problems.iter().cloned());
        for (i, field) in layout.fields().iter().enumerate() {
            let value = match field_value(layout, field, record) {
                Ok(value) => value,
                Err(message) => {
                    problems.push(FieldError::new(field.key.name(), message));
                    continue;
                }
            };
            // A record already held back is still written out (and truncated below), so that every
            // problem it has is reported at once.
            if fixed {
                scratch.clear();
                if let Err(problem) = fixed_field(field, &value, encoding, &mut scratch) {
                    problems.push(FieldError::new(field.key.name(), problem));
                } else {
                    out.bytes.extend_from_slice(&scratch);
                }
            } else {
                if i > 0 {
                    out.bytes.push(b',');
                }
                let text = match &value {
                    Value::Text(text) => neutralize_formula(text),
                    Value::Number(text) => Cow::Borrowed(text.as_str()),
                };
                let field_start = out.bytes.len();
                match encode_into(&quote(&text, always), encoding, &mut out.bytes) {
                    Err(bad) => problems.push(FieldError::new(
                        field.key.name(),
                        unmappable_message(bad.ch, encoding),
                    )),
                    Ok(()) => {
                        if let Some(width) = field.width {
                            let len = out.bytes.len() - field_start;
                            if len > width {
                                problems.push(FieldError::new(
                                    field.key.name(),
                                    format!(
                                        "{len} bytes, longer than the {width} the layout allows"
                                    ),
                                ));
                            }
                        }
                    }
                }
            }
        }
        if problems.is_empty() {
            out.bytes.extend_from_slice(line_ending);
            out.written.push(record.sequence);
        } else {
            out.bytes.truncate(start);
            out.held_back.push(HeldBack {
                sequence: record.sequence,
                document_id: record.document_id,
                problems,
            });
        }
    }
    out
}

fn unmappable_message(ch: char, encoding: Encoding) -> String {
    match encoding {
        Encoding::Cp932 => format!("{} cannot be written in CP932", describe_char(ch)),
        Encoding::Utf8 => format!("{} cannot be written in UTF-8", describe_char(ch)),
    }
}

/// One fixed-length field into `out`: exactly `width` bytes, or a problem.
fn fixed_field(
    field: &FieldSpec,
    value: &Value,
    encoding: Encoding,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let text = value.as_str();
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "{} (a control character or line break) cannot be written in a fixed-length record",
            describe_char(c)
        ));
    }
    let width = field.width.unwrap_or(0);
    let mut encoded = Vec::with_capacity(text.len());
    encode_into(text, encoding, &mut encoded)
        .map_err(|bad| unmappable_message(bad.ch, encoding))?;
    if encoded.len() > width {
        return Err(format!(
            "{} bytes, wider than its {width}-byte field",
            encoded.len()
        ));
    }
    let padding = width - encoded.len();
    let pad = if field.pad == '0' { b'0' } else { b' ' };
    match field.align {
        Align::Left => {
            out.extend_from_slice(&encoded);
            out.resize(out.len() + padding, pad);
        }
        Align::Right => {
            // A negative number padded with zeros keeps its sign in front: -0001200.
            let (sign, digits) = match encoded.split_first() {
                Some((b'-', rest)) if pad == b'0' => (Some(b'-'), rest),
                _ => (None, encoded.as_slice()),
            };
            out.extend(sign);
            out.resize(out.len() + padding, pad);
            out.extend_from_slice(digits);
        }
    }
    Ok(())
}

/// A formatted field value: text someone typed, or a value the service formats.
enum Value {
    Text(String),
    Number(String),
}

impl Value {
    fn as_str(&self) -> &str {
        match self {
            Value::Text(s) | Value::Number(s) => s,
        }
    }
}

/// The field's value for `record`: formatted, mapped, defaulted; or why it cannot be written.
fn field_value(
    layout: &Layout,
    field: &FieldSpec,
    record: &PaymentRecord,
) -> Result<Value, String> {
    let raw = raw_value(layout, field, record)?;
    let raw = raw.filter(|v| !v.as_str().is_empty());
    let value = match raw {
        Some(value) => value,
        None if field.required => {
            return Err("required by the layout but missing".to_owned());
        }
        None => {
            return Ok(Value::Number(field.default.clone().unwrap_or_default()));
        }
    };
    match &field.map {
        None => Ok(value),
        Some(map) => match map.get(value.as_str()) {
            Some(mapped) => Ok(Value::Number(mapped.clone())),
            None => Err(format!(
                "`{}` has no entry in the layout's map",
                value.as_str()
            )),
        },
    }
}

fn raw_value(
    layout: &Layout,
    field: &FieldSpec,
    record: &PaymentRecord,
) -> Result<Option<Value>, String> {
    let text = |s: &Option<String>| s.as_ref().map(|s| Value::Text(s.clone()));
    let number = |s: String| Some(Value::Number(s));
    let date = |d: Option<chrono::NaiveDate>| -> Result<Option<Value>, String> {
        match d {
            None => Ok(None),
            Some(d) => format_date(d, layout.date_format())
                .map(|s| Some(Value::Number(s)))
                .ok_or_else(|| format!("{d} is before 昭和 and has no 和暦 form")),
        }
    };
    let amount =
        |a: Option<Decimal>| a.map(|a| Value::Number(format_amount(a, layout.amount_format())));
    let bank = record.bank.as_ref();
    Ok(match field.key {
        FieldKey::Sequence => number(record.sequence.to_string()),
        FieldKey::Kind => number(record.kind.as_str().to_owned()),
        FieldKey::Tenant => Some(Value::Text(record.tenant.clone())),
        FieldKey::AccountingUnit => text(&record.accounting_unit),
        FieldKey::FiscalYear => record.fiscal_year.and_then(|y| number(y.to_string())),
        FieldKey::BudgetItem => text(&record.budget_item),
        FieldKey::Department => text(&record.department),
        FieldKey::CommitmentNumber => text(&record.commitment_number),
        FieldKey::CreditorNumber => text(&record.creditor_number),
        FieldKey::CreditorName => text(&record.creditor_name),
        FieldKey::CreditorAddress => text(&record.creditor_address),
        FieldKey::BankCode => bank.map(|b| Value::Text(b.bank_code.clone())),
        FieldKey::BranchCode => bank.map(|b| Value::Text(b.branch_code.clone())),
        FieldKey::AccountType => bank.map(|b| Value::Text(b.account_type.clone())),
        FieldKey::AccountTypeCode => match bank {
            None => None,
            Some(b) => Some(Value::Number(
                account_type_code(&b.account_type)?.to_owned(),
            )),
        },
        FieldKey::AccountNumber => bank.map(|b| Value::Text(b.account_number.clone())),
        FieldKey::AccountName => bank.map(|b| Value::Text(b.account_name_kana.clone())),
        FieldKey::AccountNameKana => match bank {
            None => None,
            Some(b) if b.account_name_kana.trim().is_empty() => None,
            Some(b) => Some(Value::Text(
                bank_kana(&b.account_name_kana).map_err(|e| e.to_string())?,
            )),
        },
        FieldKey::InvoiceNumber => Some(Value::Text(record.invoice_number.clone())),
        FieldKey::IssueDate => date(Some(record.issue_date))?,
        FieldKey::ReceivedOn => date(Some(record.received_on))?,
        FieldKey::InspectedOn => date(record.inspected_on)?,
        FieldKey::PaymentDue => date(record.payment_due)?,
        FieldKey::PlannedPaymentDate => date(record.planned_payment_date)?,
        FieldKey::PaymentMethod => text(&record.payment_method),
        FieldKey::PayableAmount => amount(Some(record.payable_amount)),
        FieldKey::LateInterest => amount(Some(record.late_interest)),
        FieldKey::Tax10Taxable => amount(tax_sum(record, &[TaxCategory::Standard10], false)),
        FieldKey::Tax10Tax => amount(tax_sum(record, &[TaxCategory::Standard10], true)),
        FieldKey::Tax8Taxable => amount(tax_sum(record, &[TaxCategory::Reduced8], false)),
        FieldKey::Tax8Tax => amount(tax_sum(record, &[TaxCategory::Reduced8], true)),
        FieldKey::TaxExemptTaxable => amount(tax_sum(record, &[TaxCategory::Exempt], false)),
        FieldKey::TaxOutOfScopeTaxable => {
            amount(tax_sum(record, &[TaxCategory::OutOfScope], false))
        }
        FieldKey::TaxOtherTaxable => amount(tax_sum(record, &[TaxCategory::Other], false)),
        FieldKey::TaxOtherTax => amount(tax_sum(record, &[TaxCategory::Other], true)),
        FieldKey::TaxTotal => amount(tax_sum(record, ALL_CATEGORIES, true)),
        FieldKey::Withholding => amount(record.withholding),
        FieldKey::RegistrationNumber => text(&record.registration_number),
        FieldKey::Qualified => number(if record.qualified { "1" } else { "0" }.to_owned()),
        FieldKey::Subject => text(&record.subject),
        FieldKey::DocumentId => number(record.document_id.to_string()),
        FieldKey::ArchiveSeq => number(record.archive_seq.to_string()),
        FieldKey::Sha256 => Some(Value::Text(record.sha256.clone())),
        FieldKey::PdfUrl => Some(Value::Text(record.pdf_url.clone())),
        FieldKey::Constant => field.value.clone().map(Value::Number),
    })
}

const ALL_CATEGORIES: &[TaxCategory] = &[
    TaxCategory::Standard10,
    TaxCategory::Reduced8,
    TaxCategory::Exempt,
    TaxCategory::OutOfScope,
    TaxCategory::Other,
];

/// The sum of the taxable amounts (or taxes) of the record's lines in `categories`; `None` without any.
fn tax_sum(record: &PaymentRecord, categories: &[TaxCategory], tax: bool) -> Option<Decimal> {
    record
        .taxes
        .iter()
        .filter(|line| categories.contains(&line.category))
        .map(|line| if tax { line.tax } else { line.taxable })
        .reduce(|a, b| a + b)
}

/// 預金種目 as the code bank-transfer files use: 普通 = 1, 当座 = 2, 貯蓄 = 4.
fn account_type_code(account_type: &str) -> Result<&'static str, String> {
    match account_type.trim() {
        "普通" | "普通預金" | "1" => Ok("1"),
        "当座" | "当座預金" | "2" => Ok("2"),
        "貯蓄" | "貯蓄預金" | "4" => Ok("4"),
        other => Err(format!(
            "account type `{other}` has no code (expected 普通, 当座 or 貯蓄)"
        )),
    }
}

/// A record in JSON output: the record, with `held_back` telling whether it may be imported.
#[derive(Serialize)]
struct JsonRecord<'a> {
    #[serde(flatten)]
    record: Cow<'a, PaymentRecord>,
    held_back: bool,
}

fn write_json(layout: &Layout, records: &[PaymentRecord]) -> Written {
    let mut out = Written::default();
    let mut items = Vec::with_capacity(records.len());
    for record in records {
        let mut problems = record.errors.clone();
        for field in layout.fields() {
            if let Err(message) = field_value(layout, field, record) {
                problems.push(FieldError::new(field.key.name(), message));
            }
        }
        if problems.is_empty() {
            out.written.push(record.sequence);
            items.push(JsonRecord {
                record: Cow::Borrowed(record),
                held_back: false,
            });
        } else {
            let mut flagged = record.clone();
            flagged.errors.clone_from(&problems);
            out.held_back.push(HeldBack {
                sequence: record.sequence,
                document_id: record.document_id,
                problems,
            });
            items.push(JsonRecord {
                record: Cow::Owned(flagged),
                held_back: true,
            });
        }
    }
    // Serialising plain data with string keys cannot fail; should it ever, nothing is reported as written.
    match serde_json::to_vec(&items) {
        Ok(bytes) => out.bytes = bytes,
        Err(e) => {
            let message = format!("JSON serialisation failed: {e}");
            out.written.clear();
            out.held_back = records
                .iter()
                .map(|r| HeldBack {
                    sequence: r.sequence,
                    document_id: r.document_id,
                    problems: vec![FieldError::new("record", message.clone())],
                })
                .collect();
            out.bytes = b"[]".to_vec();
        }
    }
    out
}

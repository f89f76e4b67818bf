//! The payment record: one approved invoice to pay, or the cancellation of one exported before, with
//! everything a municipal finance (財務会計) import takes (notes/domain.md §5.3).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One record of the payment export: an approved invoice to pay, or the cancellation of one exported before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentRecord {
    /// The export stream's sequence (the cursor).
    pub sequence: i64,
    /// A payment, or the cancellation of one exported before.
    pub kind: RecordKind,
    /// The city (tenant) the record belongs to.
    pub tenant: String,
    /// 会計区分, e.g. 一般会計.
    pub accounting_unit: Option<String>,
    /// 会計年度 (April–March; named by its starting year).
    pub fiscal_year: Option<i32>,
    /// 予算科目.
    pub budget_item: Option<String>,
    /// 所属.
    pub department: Option<String>,
    /// 支出負担行為番号.
    pub commitment_number: Option<String>,
    /// 債権者番号.
    pub creditor_number: Option<String>,
    /// The creditor's name.
    pub creditor_name: Option<String>,
    /// The creditor's address.
    pub creditor_address: Option<String>,
    /// The account to pay into.
    pub bank: Option<BankAccount>,
    /// The invoice number the supplier gave.
    pub invoice_number: String,
    /// The invoice's issue date.
    pub issue_date: NaiveDate,
    /// 受付日: the day the city received the proper request (starts the payment clock).
    pub received_on: NaiveDate,
    /// 検収日.
    pub inspected_on: Option<NaiveDate>,
    /// The legal payment deadline.
    pub payment_due: Option<NaiveDate>,
    /// 支払予定日.
    pub planned_payment_date: Option<NaiveDate>,
    /// 支払方法, e.g. 口座振替.
    pub payment_method: Option<String>,
    /// 支払金額.
    pub payable_amount: Decimal,
    /// Late-payment interest due (遅延利息).
    pub late_interest: Decimal,
    /// Taxable amount and tax per rate.
    pub taxes: Vec<TaxLine>,
    /// 源泉徴収税額.
    pub withholding: Option<Decimal>,
    /// 登録番号 (T + 13 digits).
    pub registration_number: Option<String>,
    /// 適格請求書 or not.
    pub qualified: bool,
    /// 件名・摘要.
    pub subject: Option<String>,
    /// The archived document's id.
    pub document_id: i64,
    /// The archive entry's sequence.
    pub archive_seq: i64,
    /// SHA-256 of the archived document (hex).
    pub sha256: String,
    /// Where the document's PDF can be fetched.
    pub pdf_url: String,
    /// Problems found while building the record (missing city data), filled by the server.
    pub errors: Vec<FieldError>,
}

/// Whether a record pays an invoice or cancels one exported before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// An approved invoice to pay.
    Payment,
    /// The cancellation of a payment record exported before.
    Cancellation,
}

impl RecordKind {
    /// The kind as written in exports: `payment` or `cancellation`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Payment => "payment",
            RecordKind::Cancellation => "cancellation",
        }
    }
}

/// The bank account a payment goes to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankAccount {
    /// 金融機関コード (4 digits).
    pub bank_code: String,
    /// 支店コード (3 digits).
    pub branch_code: String,
    /// 預金種目: 普通, 当座 or 貯蓄.
    pub account_type: String,
    /// 口座番号 (7 digits).
    pub account_number: String,
    /// 口座名義カナ as registered (full-width is fine; exports convert it with [`crate::bank_kana`]).
    pub account_name_kana: String,
}

/// Taxable amount and tax of one rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxLine {
    /// The tax category.
    pub category: TaxCategory,
    /// The rate in percent, when the category has one.
    pub percent: Option<Decimal>,
    /// The taxable amount (税抜額).
    pub taxable: Decimal,
    /// The tax (消費税額).
    pub tax: Decimal,
}

/// Japanese consumption-tax categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxCategory {
    /// 10 % standard rate.
    Standard10,
    /// 8 % reduced rate.
    Reduced8,
    /// 非課税.
    Exempt,
    /// 不課税.
    OutOfScope,
    /// Anything else.
    Other,
}

/// A problem with one field of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's name (a [`PaymentRecord`] field or a layout field name).
    pub field: String,
    /// What is wrong, for people.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

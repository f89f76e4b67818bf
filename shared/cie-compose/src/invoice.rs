//! The invoice (請求書; JP PINT 1.1.3, a UBL 2.1 `Invoice`) a supplier writes through the city's web
//! form: its input, the line amounts, the tax per rate and the totals, and the document.
//!
//! The seller's 登録番号 chooses the profile. A registered seller issues a qualified invoice (適格請求書)
//! under the JP PINT standard profile ([`INVOICE_CUSTOMIZATION_ID`], type code 380). A seller without
//! one (免税事業者等) issues an invoice under the JP PINT profile for non-tax-registered businesses
//! ([`NON_TAX_REGISTERED_CUSTOMIZATION_ID`], type code 480): it charges no consumption tax, so every
//! tax amount is zero, while its lines keep their tax category and rate, as the official examples of
//! that profile do. Both use the business process [`INVOICE_PROFILE_ID`], as every official example
//! does.
//!
//! Tax is computed once per tax category and rate per invoice, from the sum of the line amounts of
//! that category (the Qualified Invoice rule, 消費税法施行令 70条の10), never per line, and rounded to
//! the currency's minor unit as [`TaxRounding`] says: down (切捨て) unless the seller chooses half up
//! (四捨五入) or up (切上げ). The law leaves the method to the seller and JP PINT accepts all three
//! (`aligned-ibrp-051-jp`); down is the default because it is the common practice and never charges the
//! city more than the exact tax.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::ComposeError;
use crate::order::yen;
use crate::party::{Period, TradingParty, iso_date, trimmed};
use crate::xml::{XmlWriter, decimal_text};

/// `cbc:CustomizationID` of a JP PINT qualified invoice (seller with a 登録番号).
pub const INVOICE_CUSTOMIZATION_ID: &str = "urn:peppol:pint:billing-1@jp-1";
/// `cbc:CustomizationID` of a JP PINT invoice of a non-tax-registered business (seller without a
/// 登録番号).
pub const NON_TAX_REGISTERED_CUSTOMIZATION_ID: &str = "urn:peppol:pint:nontaxinvoice-1@jp-1";
/// `cbc:ProfileID` (business process) of both JP PINT invoice profiles.
pub const INVOICE_PROFILE_ID: &str = "urn:peppol:bis:billing";
/// MIME types JP PINT allows for an attachment (rule `ibr-cl-24`).
pub const ATTACHMENT_MIME_CODES: [&str; 7] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/xml",
];

const NAMESPACE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
/// UNCL1001 code of a commercial invoice, the only one the JP PINT standard profile allows.
const COMMERCIAL_INVOICE: &str = "380";
/// UNCL1001 code of an invoice out of the scope of tax, the only one the non-tax-registered profile
/// allows.
const OUT_OF_SCOPE_INVOICE: &str = "480";
/// UNCL4461 code of a credit transfer (振込), as in the official examples.
const CREDIT_TRANSFER: &str = "30";

/// An invoice from a supplier (seller) to the city (buyer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invoice {
    /// Invoice number (`cbc:ID`).
    pub id: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Payment due date (`cbc:DueDate`), not before the issue date.
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    /// The city's reference for the purchase, e.g. the 支出負担行為番号 (`cbc:BuyerReference`).
    #[serde(default)]
    pub buyer_reference: Option<String>,
    /// ISO 4217 document currency; `JPY` when not given.
    #[serde(default = "yen")]
    pub currency: String,
    /// How the tax of each rate is rounded; down when not given.
    #[serde(default)]
    pub tax_rounding: TaxRounding,
    /// Free text for the city (`cbc:Note`).
    #[serde(default)]
    pub note: Option<String>,
    /// The supplier; needs an electronic address and a postal address. With a registration number
    /// the invoice is a qualified invoice, without one a non-tax-registered business's invoice.
    pub seller: TradingParty,
    /// The seller's creditor number (債権者番号) at the city (`PartyIdentification/cbc:ID`, ibt-029).
    /// Required when the seller has neither a registration number nor a 0188 (法人番号) electronic
    /// address, as JP PINT needs one of the three to identify the seller (`ibr-co-26`).
    #[serde(default)]
    pub seller_creditor_number: Option<String>,
    /// The city; needs an electronic address and a postal address.
    pub buyer: TradingParty,
    /// Number of the city's order (`cac:OrderReference/cbc:ID`).
    #[serde(default)]
    pub order_reference: Option<String>,
    /// Number of the delivery note (納品書) the whole invoice covers (`cac:DespatchDocumentReference`).
    /// JP PINT allows one (`ibr-096`); an invoice over several delivery notes (合算請求書) names each
    /// line's note in [`InvoiceLine::despatch_reference`] instead.
    #[serde(default)]
    pub despatch_reference: Option<String>,
    /// Number of the contract (`cac:ContractDocumentReference/cbc:ID`).
    #[serde(default)]
    pub contract_reference: Option<String>,
    /// Day the goods were delivered or the service performed (`cac:Delivery/cbc:ActualDeliveryDate`).
    #[serde(default)]
    pub delivery_date: Option<NaiveDate>,
    /// Period the invoice covers (`cac:InvoicePeriod`), e.g. a month of deliveries. The date of the
    /// supply is a required item of a qualified invoice and JP PINT wants an invoice period
    /// (`aligned-ibrp-052`): without one, the delivery date is the period, and one of the two is
    /// required.
    #[serde(default)]
    pub invoice_period: Option<Period>,
    /// The account to pay into (`cac:PaymentMeans`).
    #[serde(default)]
    pub bank_account: Option<BankAccount>,
    /// Supporting documents embedded in the invoice.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// What is invoiced; at least one line, ids unique.
    pub lines: Vec<InvoiceLine>,
}

impl Invoice {
    /// The `cbc:CustomizationID`: [`INVOICE_CUSTOMIZATION_ID`] for a seller with a registration
    /// number, else [`NON_TAX_REGISTERED_CUSTOMIZATION_ID`].
    pub fn customization_id(&self) -> &'static str {
        if self.is_qualified() {
            INVOICE_CUSTOMIZATION_ID
        } else {
            NON_TAX_REGISTERED_CUSTOMIZATION_ID
        }
    }

    /// The `cbc:InvoiceTypeCode`: 380 for a seller with a registration number, else 480.
    pub fn type_code(&self) -> &'static str {
        if self.is_qualified() {
            COMMERCIAL_INVOICE
        } else {
            OUT_OF_SCOPE_INVOICE
        }
    }

    fn is_qualified(&self) -> bool {
        self.seller.registration_number.is_some()
    }

    /// The invoice period as written: the one given, else the delivery day.
    fn period(&self) -> Option<Period> {
        self.invoice_period.clone().or_else(|| {
            self.delivery_date.map(|day| Period {
                start: Some(day),
                end: Some(day),
            })
        })
    }
}

/// One invoiced item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLine {
    /// Line id, unique in the invoice.
    pub id: String,
    /// Item name.
    pub item_name: String,
    /// Quantity invoiced; more than zero. A decimal string or an integer in JSON.
    #[serde(with = "crate::decimal_json")]
    pub quantity: Decimal,
    /// UN/ECE Rec 20 unit of the quantity, e.g. `H87` (piece), `EA`, `C62`, `KGM`, `HUR`.
    pub unit_code: String,
    /// Net price of one unit, tax excluded; zero or more. A decimal string or an integer in JSON.
    #[serde(with = "crate::decimal_json")]
    pub unit_price: Decimal,
    /// Tax category of the item.
    pub tax_category: InvoiceTaxCategory,
    /// Free text on the line (`InvoiceLine/cbc:Note`).
    #[serde(default)]
    pub note: Option<String>,
    /// Line id in the city's order (`cac:OrderLineReference/cbc:LineID`); needs
    /// [`Invoice::order_reference`].
    #[serde(default)]
    pub order_line_reference: Option<String>,
    /// Number of the delivery note (納品書) of the line (`InvoiceLine/cac:DocumentReference/cbc:ID`,
    /// ibt-188), as the official summarized-invoice example (合算請求書, pattern 1) writes it.
    #[serde(default)]
    pub despatch_reference: Option<String>,
}

/// The tax categories of the Japanese consumption tax an invoice line can have, with their JP PINT
/// code (UNCL5305) and rate. Export (`G`) is not offered: the city buys in Japan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum InvoiceTaxCategory {
    /// `S` 標準税率, 10 %.
    #[serde(rename = "S")]
    Standard,
    /// `AA` 軽減税率, 8 % (food and drink other than alcohol and eating out, newspapers sold by
    /// subscription); marked ※ on paper.
    #[serde(rename = "AA")]
    Reduced,
    /// `E` 非課税, rate 0 (e.g. authorised textbooks, certain medical and welfare services).
    #[serde(rename = "E")]
    Exempt,
    /// `O` 不課税, outside the scope of the tax, written without a rate (e.g. membership dues,
    /// compensation for damage).
    #[serde(rename = "O")]
    OutOfScope,
}

impl InvoiceTaxCategory {
    /// Every category, in the order the tax breakdown lists them.
    pub const ALL: [InvoiceTaxCategory; 4] = [
        InvoiceTaxCategory::Standard,
        InvoiceTaxCategory::Reduced,
        InvoiceTaxCategory::Exempt,
        InvoiceTaxCategory::OutOfScope,
    ];

    /// The UNCL5305 code, e.g. `AA`.
    pub fn code(self) -> &'static str {
        match self {
            InvoiceTaxCategory::Standard => "S",
            InvoiceTaxCategory::Reduced => "AA",
            InvoiceTaxCategory::Exempt => "E",
            InvoiceTaxCategory::OutOfScope => "O",
        }
    }

    /// The rate in percent; `None` outside the scope of the tax.
    pub fn percent(self) -> Option<Decimal> {
        match self {
            InvoiceTaxCategory::Standard => Some(Decimal::TEN),
            InvoiceTaxCategory::Reduced => Some(Decimal::from(8)),
            InvoiceTaxCategory::Exempt => Some(Decimal::ZERO),
            InvoiceTaxCategory::OutOfScope => None,
        }
    }
}

/// How the tax of one rate is rounded to the currency's minor unit (端数処理).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxRounding {
    /// 切捨て: the fraction is dropped.
    #[default]
    Down,
    /// 四捨五入: a fraction of one half or more rounds up.
    HalfUp,
    /// 切上げ: any fraction rounds up.
    Up,
}

impl TaxRounding {
    fn strategy(self) -> RoundingStrategy {
        match self {
            TaxRounding::Down => RoundingStrategy::ToZero,
            TaxRounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            TaxRounding::Up => RoundingStrategy::AwayFromZero,
        }
    }
}

/// A Japanese bank account to pay into (振込先).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankAccount {
    /// 金融機関コード, 4 digits, e.g. `0009`.
    pub bank_code: String,
    /// 支店コード, 3 digits.
    pub branch_code: String,
    /// Bank and branch as people read them, e.g. `〇〇銀行 本町支店`.
    #[serde(default)]
    pub branch_name: Option<String>,
    /// 預金種目.
    pub account_type: AccountType,
    /// 口座番号, 7 digits.
    pub account_number: String,
    /// 口座名義 as the bank holds it, usually in kana, e.g. `ｶ)ﾏﾙﾏﾙｼﾖｳｼﾞ`.
    pub account_name: String,
}

/// 預金種目, named in JSON as on a bank form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccountType {
    /// `普通` (ordinary deposit), code 1.
    #[serde(rename = "普通")]
    Ordinary,
    /// `当座` (current account), code 2.
    #[serde(rename = "当座")]
    Current,
    /// `貯蓄` (savings deposit), code 4.
    #[serde(rename = "貯蓄")]
    Savings,
}

impl AccountType {
    /// The code bank-transfer files use: 1, 2 or 4.
    pub fn code(self) -> &'static str {
        match self {
            AccountType::Ordinary => "1",
            AccountType::Current => "2",
            AccountType::Savings => "4",
        }
    }
}

impl BankAccount {
    /// The account as `cac:PayeeFinancialAccount/cbc:ID` gives it in the official JP PINT examples:
    /// `bank:branch:type:number`, e.g. `0009:123:1:1234567`.
    pub fn account_id(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.bank_code.trim(),
            self.branch_code.trim(),
            self.account_type.code(),
            self.account_number.trim()
        )
    }

    fn check(&self, field: &str) -> Result<(), ComposeError> {
        check::digits(
            &format!("{field}.bank_code"),
            &self.bank_code,
            4,
            "a 4-digit bank code (金融機関コード)",
        )?;
        check::digits(
            &format!("{field}.branch_code"),
            &self.branch_code,
            3,
            "a 3-digit branch code (支店コード)",
        )?;
        check::optional_text(&format!("{field}.branch_name"), self.branch_name.as_deref())?;
        check::digits(
            &format!("{field}.account_number"),
            &self.account_number,
            7,
            "a 7-digit account number (口座番号)",
        )?;
        check::text(&format!("{field}.account_name"), &self.account_name)
    }

    fn write(&self, writer: &mut XmlWriter) {
        writer.start("cac:PaymentMeans");
        writer.leaf_with(
            "cbc:PaymentMeansCode",
            &[("name", "Credit transfer")],
            CREDIT_TRANSFER,
        );
        writer.start("cac:PayeeFinancialAccount");
        writer.leaf("cbc:ID", &self.account_id());
        writer.leaf("cbc:Name", self.account_name.trim());
        // ibt-086, the payment service provider: the 7-digit Zengin code of bank and branch.
        writer.start("cac:FinancialInstitutionBranch");
        writer.leaf(
            "cbc:ID",
            &format!("{}{}", self.bank_code.trim(), self.branch_code.trim()),
        );
        writer.optional_leaf("cbc:Name", trimmed(&self.branch_name));
        writer.end();
        writer.end();
        writer.end();
    }
}

/// A supporting document embedded in the invoice (`cac:AdditionalDocumentReference`), e.g. a
/// delivery note or work report as PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// File name, without directory; also the document reference (`cbc:ID`).
    pub filename: String,
    /// MIME type, one of [`ATTACHMENT_MIME_CODES`].
    pub mime_code: String,
    /// What the document is (`cbc:DocumentDescription`), e.g. `作業報告書`.
    pub description: String,
    /// The file; in JSON a base64 string.
    #[serde(with = "crate::base64_json")]
    pub content: Vec<u8>,
}

impl Attachment {
    fn check(&self, field: &str) -> Result<(), ComposeError> {
        check::file_name(&format!("{field}.filename"), &self.filename)?;
        check::one_of(
            &format!("{field}.mime_code"),
            &self.mime_code,
            &ATTACHMENT_MIME_CODES,
            "a MIME type JP PINT allows (application/pdf, image/png, image/jpeg, text/csv, \
             application/xml, or an xlsx or ods spreadsheet)",
        )?;
        check::text(&format!("{field}.description"), &self.description)?;
        if self.content.is_empty() {
            return Err(ComposeError::Empty {
                field: format!("{field}.content"),
            });
        }
        Ok(())
    }

    fn write(&self, writer: &mut XmlWriter) {
        let filename = self.filename.trim();
        writer.start("cac:AdditionalDocumentReference");
        writer.leaf("cbc:ID", filename);
        writer.leaf("cbc:DocumentDescription", self.description.trim());
        writer.start("cac:Attachment");
        writer.leaf_with(
            "cbc:EmbeddedDocumentBinaryObject",
            &[
                ("mimeCode", self.mime_code.as_str()),
                ("filename", filename),
            ],
            &crate::base64_json::encode(&self.content),
        );
        writer.end();
        writer.end();
    }
}

/// The amounts of an invoice, each with as many decimals as the currency has (none in yen), so
/// that each prints as the document writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvoiceTotals {
    /// Quantity × unit price of each line, in line order (`InvoiceLine/cbc:LineExtensionAmount`).
    pub line_amounts: Vec<Decimal>,
    /// Sum of the line amounts (`cbc:LineExtensionAmount`).
    pub line_extension: Decimal,
    /// Taxable amount and tax per tax category and rate, in the order of
    /// [`InvoiceTaxCategory::ALL`], categories without lines left out (`cac:TaxSubtotal`).
    pub tax_breakdown: Vec<TaxBreakdown>,
    /// Sum of the taxes of the breakdown (`TaxTotal/cbc:TaxAmount`).
    pub tax: Decimal,
    /// Total without tax (`cbc:TaxExclusiveAmount`), the line total: the form has no document-level
    /// allowances or charges.
    pub tax_exclusive: Decimal,
    /// Total with tax (`cbc:TaxInclusiveAmount`).
    pub tax_inclusive: Decimal,
    /// Amount due (`cbc:PayableAmount`), the total with tax: nothing is prepaid.
    pub payable: Decimal,
}

/// Taxable amount and tax of one tax category and rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxBreakdown {
    /// The category.
    pub category: InvoiceTaxCategory,
    /// Its rate in percent; `None` outside the scope of the tax.
    pub percent: Option<Decimal>,
    /// Sum of the amounts of the category's lines (`cbc:TaxableAmount`).
    pub taxable: Decimal,
    /// The tax, computed once from the taxable amount and rounded (`cbc:TaxAmount`); zero for `E`,
    /// `O` and for a seller without a registration number.
    pub tax: Decimal,
}

/// Computes the line amounts, the tax of each rate and the totals of `invoice`, exactly as
/// [`invoice()`] writes them, refusing lines whose quantity or price is invalid and line amounts
/// finer than the currency's minor unit (a fraction of a yen): such amounts are refused, never
/// rounded. Only the tax is rounded, once per rate, with [`Invoice::tax_rounding`].
pub fn invoice_totals(invoice: &Invoice) -> Result<InvoiceTotals, ComposeError> {
    check::currency("currency", &invoice.currency)?;
    let minor_units = check::minor_units(invoice.currency.trim());
    let overflow = |field: &str| ComposeError::Overflow {
        field: field.to_owned(),
    };
    let mut line_amounts = Vec::with_capacity(invoice.lines.len());
    let mut line_extension = Decimal::ZERO;
    let mut taxable = BTreeMap::new();
    for (index, line) in invoice.lines.iter().enumerate() {
        let field = format!("lines[{index}]");
        let amount = check::line_amount(
            &field,
            line.quantity,
            line.unit_price,
            invoice.currency.trim(),
        )?;
        line_extension = line_extension
            .checked_add(amount)
            .ok_or_else(|| overflow(&field))?;
        let category_total = taxable.entry(line.tax_category).or_insert(Decimal::ZERO);
        *category_total = category_total
            .checked_add(amount)
            .ok_or_else(|| overflow(&field))?;
        line_amounts.push(in_minor_units(amount, minor_units));
    }

    let mut tax_breakdown = Vec::with_capacity(taxable.len());
    let mut tax = Decimal::ZERO;
    for (category, taxable) in taxable {
        let category_tax = match category.percent() {
            Some(percent) if invoice.is_qualified() => check::tax_of_rate(
                taxable,
                percent,
                minor_units,
                invoice.tax_rounding.strategy(),
            )
            .ok_or_else(|| overflow("lines"))?,
            _ => Decimal::ZERO,
        };
        tax = tax
            .checked_add(category_tax)
            .ok_or_else(|| overflow("lines"))?;
        tax_breakdown.push(TaxBreakdown {
            category,
            percent: category.percent(),
            taxable: in_minor_units(taxable, minor_units),
            tax: in_minor_units(category_tax, minor_units),
        });
    }
    let tax_inclusive = line_extension
        .checked_add(tax)
        .ok_or_else(|| overflow("lines"))?;
    Ok(InvoiceTotals {
        line_amounts,
        line_extension: in_minor_units(line_extension, minor_units),
        tax_breakdown,
        tax: in_minor_units(tax, minor_units),
        tax_exclusive: in_minor_units(line_extension, minor_units),
        tax_inclusive: in_minor_units(tax_inclusive, minor_units),
        payable: in_minor_units(tax_inclusive, minor_units),
    })
}

/// `amount`, which has at most `minor_units` decimals, with exactly that many.
fn in_minor_units(amount: Decimal, minor_units: u32) -> Decimal {
    let mut amount = if amount.is_zero() {
        Decimal::ZERO
    } else {
        amount.normalize()
    };
    amount.rescale(minor_units);
    amount
}

/// Writes the invoice, with the line amounts, the tax of each rate and the totals computed (see
/// [`invoice_totals`]).
pub fn invoice(invoice: &Invoice) -> Result<String, ComposeError> {
    check_invoice(invoice)?;
    let totals = invoice_totals(invoice)?;
    Ok(write_invoice(invoice, &totals))
}

fn check_invoice(invoice: &Invoice) -> Result<(), ComposeError> {
    check::text("id", &invoice.id)?;
    check::date("issue_date", invoice.issue_date)?;
    check::optional_date("due_date", invoice.due_date)?;
    if invoice.due_date.is_some_and(|due| due < invoice.issue_date) {
        return Err(ComposeError::DateOrder {
            field: "due_date".to_owned(),
            earlier_field: "issue_date".to_owned(),
        });
    }
    check::optional_text("buyer_reference", invoice.buyer_reference.as_deref())?;
    check::currency("currency", &invoice.currency)?;
    check::optional_text("note", invoice.note.as_deref())?;
    check_party(&invoice.seller, "seller")?;
    check::optional_text(
        "seller_creditor_number",
        invoice.seller_creditor_number.as_deref(),
    )?;
    if !invoice.is_qualified()
        && invoice.seller.corporate_number().is_none()
        && invoice.seller_creditor_number.is_none()
    {
        return Err(ComposeError::Missing {
            field: "seller_creditor_number".to_owned(),
        });
    }
    check_party(&invoice.buyer, "buyer")?;
    check::optional_text("order_reference", invoice.order_reference.as_deref())?;
    check::optional_text("despatch_reference", invoice.despatch_reference.as_deref())?;
    check::optional_text("contract_reference", invoice.contract_reference.as_deref())?;
    check::optional_date("delivery_date", invoice.delivery_date)?;
    match &invoice.invoice_period {
        Some(period) => period.check("invoice_period")?,
        None if invoice.delivery_date.is_none() => {
            return Err(ComposeError::Missing {
                field: "invoice_period".to_owned(),
            });
        }
        None => {}
    }
    if let Some(account) = &invoice.bank_account {
        account.check("bank_account")?;
    }
    for (index, attachment) in invoice.attachments.iter().enumerate() {
        attachment.check(&format!("attachments[{index}]"))?;
    }
    if invoice.lines.is_empty() {
        return Err(ComposeError::NoEntries {
            field: "lines".to_owned(),
        });
    }
    for (index, line) in invoice.lines.iter().enumerate() {
        let field = format!("lines[{index}]");
        check::text(&format!("{field}.id"), &line.id)?;
        check::text(&format!("{field}.item_name"), &line.item_name)?;
        check::unit_code(&format!("{field}.unit_code"), &line.unit_code)?;
        check::optional_text(&format!("{field}.note"), line.note.as_deref())?;
        check::optional_text(
            &format!("{field}.order_line_reference"),
            line.order_line_reference.as_deref(),
        )?;
        if line.order_line_reference.is_some() && invoice.order_reference.is_none() {
            return Err(ComposeError::Missing {
                field: "order_reference".to_owned(),
            });
        }
        check::optional_text(
            &format!("{field}.despatch_reference"),
            line.despatch_reference.as_deref(),
        )?;
    }
    check::unique_line_ids("lines", invoice.lines.iter().map(|line| line.id.as_str()))
}

fn check_party(party: &TradingParty, field: &str) -> Result<(), ComposeError> {
    party.check(field)?;
    party.require_endpoint(field)?;
    party.require_address(field)
}

fn write_invoice(invoice: &Invoice, totals: &InvoiceTotals) -> String {
    let currency = invoice.currency.trim();
    let minor_units = check::minor_units(currency);
    let currency_attribute = [("currencyID", currency)];
    let amount = |value: Decimal| decimal_text(value, Some(minor_units));
    let mut writer = XmlWriter::new("Invoice", NAMESPACE);
    writer.leaf("cbc:CustomizationID", invoice.customization_id());
    writer.leaf("cbc:ProfileID", INVOICE_PROFILE_ID);
    writer.leaf("cbc:ID", invoice.id.trim());
    writer.leaf("cbc:IssueDate", &iso_date(invoice.issue_date));
    writer.optional_leaf("cbc:DueDate", invoice.due_date.map(iso_date).as_deref());
    writer.leaf("cbc:InvoiceTypeCode", invoice.type_code());
    writer.optional_leaf("cbc:Note", trimmed(&invoice.note));
    writer.leaf("cbc:DocumentCurrencyCode", currency);
    writer.optional_leaf("cbc:BuyerReference", trimmed(&invoice.buyer_reference));
    if let Some(period) = invoice.period() {
        period.write(&mut writer, "cac:InvoicePeriod");
    }
    write_reference(&mut writer, "cac:OrderReference", &invoice.order_reference);
    write_reference(
        &mut writer,
        "cac:DespatchDocumentReference",
        &invoice.despatch_reference,
    );
    write_reference(
        &mut writer,
        "cac:ContractDocumentReference",
        &invoice.contract_reference,
    );
    for attachment in &invoice.attachments {
        attachment.write(&mut writer);
    }
    invoice.seller.write_accounting(
        &mut writer,
        "cac:AccountingSupplierParty",
        trimmed(&invoice.seller_creditor_number),
    );
    invoice
        .buyer
        .write_accounting(&mut writer, "cac:AccountingCustomerParty", None);
    if let Some(day) = invoice.delivery_date {
        writer.start("cac:Delivery");
        writer.leaf("cbc:ActualDeliveryDate", &iso_date(day));
        writer.end();
    }
    if let Some(account) = &invoice.bank_account {
        account.write(&mut writer);
    }

    writer.start("cac:TaxTotal");
    writer.leaf_with("cbc:TaxAmount", &currency_attribute, &amount(totals.tax));
    for breakdown in &totals.tax_breakdown {
        writer.start("cac:TaxSubtotal");
        writer.leaf_with(
            "cbc:TaxableAmount",
            &currency_attribute,
            &amount(breakdown.taxable),
        );
        writer.leaf_with("cbc:TaxAmount", &currency_attribute, &amount(breakdown.tax));
        write_tax_category(&mut writer, "cac:TaxCategory", breakdown.category);
        writer.end();
    }
    writer.end();

    writer.start("cac:LegalMonetaryTotal");
    for (element, value) in [
        ("cbc:LineExtensionAmount", totals.line_extension),
        ("cbc:TaxExclusiveAmount", totals.tax_exclusive),
        ("cbc:TaxInclusiveAmount", totals.tax_inclusive),
        ("cbc:PayableAmount", totals.payable),
    ] {
        writer.leaf_with(element, &currency_attribute, &amount(value));
    }
    writer.end();

    for (line, line_amount) in invoice.lines.iter().zip(&totals.line_amounts) {
        writer.start("cac:InvoiceLine");
        writer.leaf("cbc:ID", line.id.trim());
        writer.optional_leaf("cbc:Note", trimmed(&line.note));
        writer.leaf_with(
            "cbc:InvoicedQuantity",
            &[("unitCode", line.unit_code.trim())],
            &decimal_text(line.quantity, None),
        );
        writer.leaf_with(
            "cbc:LineExtensionAmount",
            &currency_attribute,
            &amount(*line_amount),
        );
        if let Some(order_line) = trimmed(&line.order_line_reference) {
            writer.start("cac:OrderLineReference");
            writer.leaf("cbc:LineID", order_line);
            writer.end();
        }
        write_reference(
            &mut writer,
            "cac:DocumentReference",
            &line.despatch_reference,
        );
        writer.start("cac:Item");
        writer.leaf("cbc:Name", line.item_name.trim());
        write_tax_category(&mut writer, "cac:ClassifiedTaxCategory", line.tax_category);
        writer.end();
        writer.start("cac:Price");
        writer.leaf_with(
            "cbc:PriceAmount",
            &currency_attribute,
            &decimal_text(line.unit_price, None),
        );
        writer.end();
        writer.end();
    }
    writer.finish()
}

/// Writes `element` holding `cbc:ID`, when there is an id.
fn write_reference(writer: &mut XmlWriter, element: &'static str, id: &Option<String>) {
    if let Some(id) = trimmed(id) {
        writer.start(element);
        writer.leaf("cbc:ID", id);
        writer.end();
    }
}

fn write_tax_category(writer: &mut XmlWriter, element: &'static str, category: InvoiceTaxCategory) {
    writer.start(element);
    writer.leaf("cbc:ID", category.code());
    writer.optional_leaf(
        "cbc:Percent",
        category
            .percent()
            .map(|percent| decimal_text(percent, None))
            .as_deref(),
    );
    writer.start("cac:TaxScheme");
    writer.leaf("cbc:ID", "VAT");
    writer.end();
    writer.end();
}

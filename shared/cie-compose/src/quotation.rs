//! The quotation (見積書; a UBL 2.1 `Quotation`) a supplier sends in answer to the city's request for
//! quotation: its input, the line amounts, the tax per rate and the totals, and the document. No
//! Peppol BIS exists for it, so it names our own customization, [`QUOTATION_CUSTOMIZATION_ID`].

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::ComposeError;
use crate::order::{TaxCategory, check_tax_category, yen};
use crate::party::{Period, TradingParty, iso_date, iso_time, trimmed};
use crate::xml::{XmlWriter, decimal_text};

/// `cbc:CustomizationID` of our quotations: ours, as no Peppol BIS covers them; the counterpart of
/// [`crate::RFQ_CUSTOMIZATION_ID`].
pub const QUOTATION_CUSTOMIZATION_ID: &str = "urn:city-invoice-exchange:quotation:1";

const NAMESPACE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Quotation-2";

/// UNCL5305 categories that carry no tax: their rate is zero, whether given or not.
const UNTAXED_CATEGORIES: [&str; 6] = ["E", "Z", "O", "G", "K", "AE"];

/// A quotation from a supplier (seller) to the city (buyer), answering a request for quotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quotation {
    /// Quotation number (`cbc:ID`).
    pub id: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Issue time, when wanted.
    #[serde(default)]
    pub issue_time: Option<NaiveTime>,
    /// The request for quotation answered (`RequestForQuotationDocumentReference/cbc:ID`).
    pub request_id: String,
    /// How long the prices hold (見積有効期間, `cac:ValidityPeriod`); it must not end before the
    /// issue date.
    pub validity_period: Period,
    /// Free text for the city (`cbc:Note`).
    #[serde(default)]
    pub note: Option<String>,
    /// ISO 4217 currency of the prices (`cbc:PricingCurrencyCode`); `JPY` when not given.
    #[serde(default = "yen")]
    pub currency: String,
    /// The supplier quoting (`cac:SellerSupplierParty`).
    pub seller: TradingParty,
    /// The city (`cac:BuyerCustomerParty`).
    pub buyer: TradingParty,
    /// What is quoted; at least one line, ids unique.
    pub lines: Vec<QuotedLine>,
}

/// One quoted item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotedLine {
    /// Line id, unique in the quotation.
    pub id: String,
    /// The line of the request for quotation it answers (`cbc:RequestForQuotationLineID`).
    #[serde(default)]
    pub request_line_id: Option<String>,
    /// Item name.
    pub item_name: String,
    /// The supplier's item number.
    #[serde(default)]
    pub seller_item_id: Option<String>,
    /// Quantity quoted; more than zero. A decimal string or an integer in JSON.
    #[serde(with = "crate::decimal_json")]
    pub quantity: Decimal,
    /// UN/ECE Rec 20 unit of the quantity, e.g. `H87`, `EA`, `KGM`, `HUR`.
    pub unit_code: String,
    /// Net price of one unit, tax excluded; zero or more. A decimal string or an integer in JSON.
    #[serde(with = "crate::decimal_json")]
    pub unit_price: Decimal,
    /// Tax category of the item. The rate is required, except for the categories without tax
    /// (`E`, `Z`, `O`, `G`, `K`, `AE`), whose rate is zero.
    pub tax_category: TaxCategory,
    /// Free text on the line (`QuotationLine/cbc:Note`).
    #[serde(default)]
    pub note: Option<String>,
}

/// The tax of one category and rate, computed once over all its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotedTaxSubtotal {
    /// UNCL5305 category code, e.g. `S`, `AA`.
    pub category: String,
    /// Rate in percent; zero for the categories without tax.
    pub percent: Decimal,
    /// Sum of the line amounts of the category and rate.
    pub taxable: Decimal,
    /// Taxable × rate, rounded down to the currency's minor unit (whole yen).
    pub tax: Decimal,
}

/// Amounts of a quotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotationTotals {
    /// Quantity × unit price of each line, in line order.
    pub line_amounts: Vec<Decimal>,
    /// Sum of the line amounts; also the tax-exclusive amount.
    pub line_extension: Decimal,
    /// One subtotal per category and rate, in the order they first occur in the lines.
    pub tax_subtotals: Vec<QuotedTaxSubtotal>,
    /// Sum of the subtotals' tax.
    pub tax: Decimal,
    /// Tax-exclusive amount plus tax; also the payable amount.
    pub tax_inclusive: Decimal,
}

/// Computes the line amounts, the tax and the totals of `quotation`, as the Japanese qualified
/// invoice rule computes tax: once per category and rate over the sum of its lines, rounded down,
/// never per line. Lines whose quantity, price or tax category is invalid are refused, and so are
/// line amounts finer than the currency's minor unit (a fraction of a yen): such amounts are refused,
/// never rounded.
pub fn quotation_totals(quotation: &Quotation) -> Result<QuotationTotals, ComposeError> {
    check::currency("currency", &quotation.currency)?;
    let currency = quotation.currency.trim();
    let minor_units = check::minor_units(currency);
    let mut line_amounts = Vec::with_capacity(quotation.lines.len());
    let mut line_extension = Decimal::ZERO;
    let mut tax_subtotals: Vec<QuotedTaxSubtotal> = Vec::new();
    for (index, line) in quotation.lines.iter().enumerate() {
        let field = format!("lines[{index}]");
        let amount = check::line_amount(&field, line.quantity, line.unit_price, currency)?;
        let overflow = || ComposeError::Overflow {
            field: field.clone(),
        };
        line_extension = line_extension.checked_add(amount).ok_or_else(overflow)?;
        let category = line.tax_category.code.trim();
        let percent = rate(&format!("{field}.tax_category"), &line.tax_category)?;
        let position = tax_subtotals
            .iter()
            .position(|subtotal| subtotal.category == category && subtotal.percent == percent)
            .unwrap_or_else(|| {
                tax_subtotals.push(QuotedTaxSubtotal {
                    category: category.to_owned(),
                    percent,
                    taxable: Decimal::ZERO,
                    tax: Decimal::ZERO,
                });
                tax_subtotals.len() - 1
            });
        let subtotal = &mut tax_subtotals[position];
        subtotal.taxable = subtotal.taxable.checked_add(amount).ok_or_else(overflow)?;
        line_amounts.push(amount);
    }
    let overflow = || ComposeError::Overflow {
        field: "lines".to_owned(),
    };
    let mut tax = Decimal::ZERO;
    for subtotal in &mut tax_subtotals {
        subtotal.tax = check::tax_of_rate(
            subtotal.taxable,
            subtotal.percent,
            minor_units,
            RoundingStrategy::ToZero,
        )
        .ok_or_else(overflow)?
        .normalize();
        tax = tax.checked_add(subtotal.tax).ok_or_else(overflow)?;
    }
    let tax_inclusive = line_extension.checked_add(tax).ok_or_else(overflow)?;
    Ok(QuotationTotals {
        line_amounts,
        line_extension,
        tax_subtotals,
        tax,
        tax_inclusive,
    })
}

/// The rate of `category`, checked: given for a taxed category, zero for one without tax.
fn rate(field: &str, category: &TaxCategory) -> Result<Decimal, ComposeError> {
    check_tax_category(field, category)?;
    let untaxed = UNTAXED_CATEGORIES.contains(&category.code.trim());
    match category.percent {
        Some(percent) if untaxed && !percent.is_zero() => Err(ComposeError::InvalidCode {
            field: format!("{field}.percent"),
            value: percent.to_string(),
            expected: "0 percent, as the category carries no tax (E, Z, O, G, K, AE)",
        }),
        Some(percent) => Ok(percent),
        None if untaxed => Ok(Decimal::ZERO),
        None => Err(ComposeError::Missing {
            field: format!("{field}.percent"),
        }),
    }
}

/// Writes the quotation, with each line amount, the tax per rate and the totals computed (see
/// [`quotation_totals`]).
pub fn quotation(quotation: &Quotation) -> Result<String, ComposeError> {
    check_quotation(quotation)?;
    let totals = quotation_totals(quotation)?;
    Ok(write_quotation(quotation, &totals))
}

fn check_quotation(quotation: &Quotation) -> Result<(), ComposeError> {
    check::text("id", &quotation.id)?;
    check::date("issue_date", quotation.issue_date)?;
    check::time("issue_time", quotation.issue_time)?;
    check::text("request_id", &quotation.request_id)?;
    quotation.validity_period.check("validity_period")?;
    if quotation
        .validity_period
        .end
        .is_some_and(|end| end < quotation.issue_date)
    {
        return Err(ComposeError::DateOrder {
            field: "validity_period.end".to_owned(),
            earlier_field: "issue_date".to_owned(),
        });
    }
    check::optional_text("note", quotation.note.as_deref())?;
    check::currency("currency", &quotation.currency)?;
    quotation.seller.check("seller")?;
    quotation.buyer.check("buyer")?;
    if quotation.lines.is_empty() {
        return Err(ComposeError::NoEntries {
            field: "lines".to_owned(),
        });
    }
    for (index, line) in quotation.lines.iter().enumerate() {
        let field = format!("lines[{index}]");
        check::text(&format!("{field}.id"), &line.id)?;
        check::optional_text(
            &format!("{field}.request_line_id"),
            line.request_line_id.as_deref(),
        )?;
        check::text(&format!("{field}.item_name"), &line.item_name)?;
        check::optional_text(
            &format!("{field}.seller_item_id"),
            line.seller_item_id.as_deref(),
        )?;
        check::unit_code(&format!("{field}.unit_code"), &line.unit_code)?;
        check::optional_text(&format!("{field}.note"), line.note.as_deref())?;
    }
    check::unique_line_ids("lines", quotation.lines.iter().map(|line| line.id.as_str()))
}

fn write_quotation(quotation: &Quotation, totals: &QuotationTotals) -> String {
    let currency = quotation.currency.trim();
    let minor_units = check::minor_units(currency);
    let currency_attribute = [("currencyID", currency)];
    let amount = |value: Decimal| decimal_text(value, Some(minor_units));
    let mut writer = XmlWriter::new("Quotation", NAMESPACE);
    writer.leaf("cbc:CustomizationID", QUOTATION_CUSTOMIZATION_ID);
    writer.leaf("cbc:ID", quotation.id.trim());
    writer.leaf("cbc:IssueDate", &iso_date(quotation.issue_date));
    writer.optional_leaf(
        "cbc:IssueTime",
        quotation.issue_time.map(iso_time).as_deref(),
    );
    writer.optional_leaf("cbc:Note", trimmed(&quotation.note));
    writer.leaf("cbc:PricingCurrencyCode", currency);
    quotation
        .validity_period
        .write(&mut writer, "cac:ValidityPeriod");
    writer.start("cac:RequestForQuotationDocumentReference");
    writer.leaf("cbc:ID", quotation.request_id.trim());
    writer.end();
    quotation
        .seller
        .write(&mut writer, "cac:SellerSupplierParty");
    quotation.buyer.write(&mut writer, "cac:BuyerCustomerParty");

    writer.start("cac:TaxTotal");
    writer.leaf_with("cbc:TaxAmount", &currency_attribute, &amount(totals.tax));
    for subtotal in &totals.tax_subtotals {
        writer.start("cac:TaxSubtotal");
        writer.leaf_with(
            "cbc:TaxableAmount",
            &currency_attribute,
            &amount(subtotal.taxable),
        );
        writer.leaf_with("cbc:TaxAmount", &currency_attribute, &amount(subtotal.tax));
        write_tax_category(
            &mut writer,
            "cac:TaxCategory",
            &subtotal.category,
            subtotal.percent,
        );
        writer.end();
    }
    writer.end();

    let tax_exclusive = amount(totals.line_extension);
    writer.start("cac:QuotedMonetaryTotal");
    writer.leaf_with(
        "cbc:LineExtensionAmount",
        &currency_attribute,
        &tax_exclusive,
    );
    writer.leaf_with(
        "cbc:TaxExclusiveAmount",
        &currency_attribute,
        &tax_exclusive,
    );
    let tax_inclusive = amount(totals.tax_inclusive);
    writer.leaf_with(
        "cbc:TaxInclusiveAmount",
        &currency_attribute,
        &tax_inclusive,
    );
    writer.leaf_with("cbc:PayableAmount", &currency_attribute, &tax_inclusive);
    writer.end();

    for (line, line_amount) in quotation.lines.iter().zip(&totals.line_amounts) {
        writer.start("cac:QuotationLine");
        writer.leaf("cbc:ID", line.id.trim());
        writer.optional_leaf("cbc:Note", trimmed(&line.note));
        writer.optional_leaf(
            "cbc:RequestForQuotationLineID",
            trimmed(&line.request_line_id),
        );
        writer.start("cac:LineItem");
        writer.leaf("cbc:ID", line.id.trim());
        writer.leaf_with(
            "cbc:Quantity",
            &[("unitCode", line.unit_code.trim())],
            &decimal_text(line.quantity, None),
        );
        writer.leaf_with(
            "cbc:LineExtensionAmount",
            &currency_attribute,
            &amount(*line_amount),
        );
        writer.start("cac:Price");
        writer.leaf_with(
            "cbc:PriceAmount",
            &currency_attribute,
            &decimal_text(line.unit_price, None),
        );
        writer.end();
        writer.start("cac:Item");
        writer.leaf("cbc:Name", line.item_name.trim());
        if let Some(seller_item_id) = trimmed(&line.seller_item_id) {
            writer.start("cac:SellersItemIdentification");
            writer.leaf("cbc:ID", seller_item_id);
            writer.end();
        }
        let percent = line.tax_category.percent.unwrap_or(Decimal::ZERO);
        write_tax_category(
            &mut writer,
            "cac:ClassifiedTaxCategory",
            line.tax_category.code.trim(),
            percent,
        );
        writer.end();
        writer.end();
        writer.end();
    }
    writer.finish()
}

/// Writes a tax category under the `VAT` scheme as `element` (`cac:TaxCategory`,
/// `cac:ClassifiedTaxCategory`).
fn write_tax_category(writer: &mut XmlWriter, element: &'static str, code: &str, percent: Decimal) {
    writer.start(element);
    writer.leaf("cbc:ID", code);
    writer.leaf("cbc:Percent", &decimal_text(percent, None));
    writer.start("cac:TaxScheme");
    writer.leaf("cbc:ID", "VAT");
    writer.end();
    writer.end();
}

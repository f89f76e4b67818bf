//! The order (発注書; Peppol BIS Ordering 3, transaction T01, a UBL `Order`): its input, the line
//! amounts and totals computed from quantities and unit prices, and the document.

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::ComposeError;
use crate::party::{Delivery, TradingParty, iso_date, iso_time, trimmed};
use crate::xml::{XmlWriter, decimal_text};

/// `cbc:CustomizationID` of a Peppol order.
pub const ORDER_CUSTOMIZATION_ID: &str = "urn:fdc:peppol.eu:poacc:trns:order:3";
/// `cbc:ProfileID` of an order that expects no order response (Peppol "order only").
pub const ORDER_ONLY_PROFILE_ID: &str = "urn:fdc:peppol.eu:poacc:bis:order_only:3";
/// `cbc:ProfileID` of an order the supplier answers with an order response (注文請書).
pub const ORDERING_PROFILE_ID: &str = "urn:fdc:peppol.eu:poacc:bis:ordering:3";

const NAMESPACE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Order-2";
/// UNCL1001 code of a plain order.
const ORDER_TYPE_CODE: &str = "220";

pub(crate) fn yen() -> String {
    "JPY".to_owned()
}

/// An order from the city (buyer) to a supplier (seller).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// Order number (`cbc:ID`).
    pub id: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Issue time, when wanted.
    #[serde(default)]
    pub issue_time: Option<NaiveTime>,
    /// Whether the supplier is to answer with an order response (注文請書): chooses
    /// [`ORDERING_PROFILE_ID`] over [`ORDER_ONLY_PROFILE_ID`].
    #[serde(default)]
    pub response_requested: bool,
    /// The city's reference for the purchase, e.g. the 支出負担行為番号 (`cbc:CustomerReference`).
    #[serde(default)]
    pub buyer_reference: Option<String>,
    /// ISO 4217 document currency; `JPY` when not given.
    #[serde(default = "yen")]
    pub currency: String,
    /// Free text for the supplier (`cbc:Note`).
    #[serde(default)]
    pub note: Option<String>,
    /// The city; needs an electronic address.
    pub buyer: TradingParty,
    /// The supplier; needs an electronic address.
    pub seller: TradingParty,
    /// Where and when to deliver.
    #[serde(default)]
    pub delivery: Option<Delivery>,
    /// What is ordered; at least one line, ids unique.
    pub lines: Vec<OrderLine>,
}

/// One ordered item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderLine {
    /// Line id, unique in the order.
    pub id: String,
    /// Item name.
    pub item_name: String,
    /// The supplier's item number.
    #[serde(default)]
    pub seller_item_id: Option<String>,
    /// Quantity ordered; more than zero. A decimal string or an integer in JSON.
    #[serde(with = "crate::decimal_json")]
    pub quantity: Decimal,
    /// UN/ECE Rec 20 unit of the quantity, e.g. `H87` (piece), `EA`, `C62`, `KGM`, `HUR`.
    pub unit_code: String,
    /// Net price of one unit, tax excluded; zero or more. A decimal string or an integer in JSON.
    #[serde(with = "crate::decimal_json")]
    pub unit_price: Decimal,
    /// Tax category of the item.
    #[serde(default)]
    pub tax_category: Option<TaxCategory>,
    /// Free text on the line (`OrderLine/cbc:Note`).
    #[serde(default)]
    pub note: Option<String>,
}

/// A tax category (`cac:ClassifiedTaxCategory` under the `VAT` scheme).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxCategory {
    /// UNCL5305 code: `S` (標準税率), `AA` (軽減税率), `E` (非課税), `Z`, `O` (不課税), `G`, ….
    pub code: String,
    /// Rate in percent, e.g. `10` or `8`; between 0 and 100.
    #[serde(default, with = "crate::decimal_json::option")]
    pub percent: Option<Decimal>,
}

/// Amounts of an order, all tax-exclusive: tax is settled on the invoice, not in the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderTotals {
    /// Quantity × unit price of each line, in line order.
    pub line_amounts: Vec<Decimal>,
    /// Sum of the line amounts; also the tax-exclusive and the payable amount.
    pub line_extension: Decimal,
}

/// Computes the line amounts and the total of `order`, refusing lines whose quantity or price is
/// invalid and amounts finer than the currency's minor unit (a fraction of a yen): such amounts are
/// refused, never rounded.
pub fn order_totals(order: &Order) -> Result<OrderTotals, ComposeError> {
    check::currency("currency", &order.currency)?;
    let mut line_amounts = Vec::with_capacity(order.lines.len());
    let mut line_extension = Decimal::ZERO;
    for (index, line) in order.lines.iter().enumerate() {
        let field = format!("lines[{index}]");
        let amount = check::line_amount(
            &field,
            line.quantity,
            line.unit_price,
            order.currency.trim(),
        )?;
        line_extension = line_extension
            .checked_add(amount)
            .ok_or(ComposeError::Overflow { field })?;
        line_amounts.push(amount);
    }
    Ok(OrderTotals {
        line_amounts,
        line_extension,
    })
}

/// Writes the order, with each line amount and the totals computed (see [`order_totals`]).
pub fn order(order: &Order) -> Result<String, ComposeError> {
    check_order(order)?;
    let totals = order_totals(order)?;
    Ok(write_order(order, &totals))
}

fn check_order(order: &Order) -> Result<(), ComposeError> {
    check::text("id", &order.id)?;
    check::date("issue_date", order.issue_date)?;
    check::time("issue_time", order.issue_time)?;
    check::optional_text("buyer_reference", order.buyer_reference.as_deref())?;
    check::currency("currency", &order.currency)?;
    check::optional_text("note", order.note.as_deref())?;
    order.buyer.check("buyer")?;
    order.buyer.require_endpoint("buyer")?;
    order.seller.check("seller")?;
    order.seller.require_endpoint("seller")?;
    if let Some(delivery) = &order.delivery {
        delivery.check("delivery")?;
    }
    if order.lines.is_empty() {
        return Err(ComposeError::NoEntries {
            field: "lines".to_owned(),
        });
    }
    for (index, line) in order.lines.iter().enumerate() {
        let field = format!("lines[{index}]");
        check::text(&format!("{field}.id"), &line.id)?;
        check::text(&format!("{field}.item_name"), &line.item_name)?;
        check::optional_text(
            &format!("{field}.seller_item_id"),
            line.seller_item_id.as_deref(),
        )?;
        check::unit_code(&format!("{field}.unit_code"), &line.unit_code)?;
        if let Some(category) = &line.tax_category {
            check_tax_category(&format!("{field}.tax_category"), category)?;
        }
        check::optional_text(&format!("{field}.note"), line.note.as_deref())?;
    }
    check::unique_line_ids("lines", order.lines.iter().map(|line| line.id.as_str()))
}

pub(crate) fn check_tax_category(field: &str, category: &TaxCategory) -> Result<(), ComposeError> {
    check::tax_category(&format!("{field}.code"), &category.code)?;
    if let Some(percent) = category.percent {
        let percent_field = format!("{field}.percent");
        check::not_negative(&percent_field, percent)?;
        if percent > Decimal::ONE_HUNDRED {
            return Err(ComposeError::InvalidCode {
                field: percent_field,
                value: percent.to_string(),
                expected: "a rate between 0 and 100 percent",
            });
        }
    }
    Ok(())
}

fn write_order(order: &Order, totals: &OrderTotals) -> String {
    let currency = order.currency.trim();
    let minor_units = check::minor_units(currency);
    let currency_attribute = [("currencyID", currency)];
    let mut writer = XmlWriter::new("Order", NAMESPACE);
    writer.leaf("cbc:CustomizationID", ORDER_CUSTOMIZATION_ID);
    writer.leaf(
        "cbc:ProfileID",
        if order.response_requested {
            ORDERING_PROFILE_ID
        } else {
            ORDER_ONLY_PROFILE_ID
        },
    );
    writer.leaf("cbc:ID", order.id.trim());
    writer.leaf("cbc:IssueDate", &iso_date(order.issue_date));
    writer.optional_leaf("cbc:IssueTime", order.issue_time.map(iso_time).as_deref());
    writer.leaf("cbc:OrderTypeCode", ORDER_TYPE_CODE);
    writer.optional_leaf("cbc:Note", trimmed(&order.note));
    writer.leaf("cbc:DocumentCurrencyCode", currency);
    writer.optional_leaf("cbc:CustomerReference", trimmed(&order.buyer_reference));
    order.buyer.write(&mut writer, "cac:BuyerCustomerParty");
    order
        .seller
        .write_ordering(&mut writer, "cac:SellerSupplierParty");
    if let Some(delivery) = &order.delivery {
        delivery.write(&mut writer);
    }

    let total = decimal_text(totals.line_extension, Some(minor_units));
    writer.start("cac:AnticipatedMonetaryTotal");
    writer.leaf_with("cbc:LineExtensionAmount", &currency_attribute, &total);
    writer.leaf_with("cbc:TaxExclusiveAmount", &currency_attribute, &total);
    writer.leaf_with("cbc:PayableAmount", &currency_attribute, &total);
    writer.end();

    for (line, amount) in order.lines.iter().zip(&totals.line_amounts) {
        writer.start("cac:OrderLine");
        writer.optional_leaf("cbc:Note", trimmed(&line.note));
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
            &decimal_text(*amount, Some(minor_units)),
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
        if let Some(category) = &line.tax_category {
            writer.start("cac:ClassifiedTaxCategory");
            writer.leaf("cbc:ID", category.code.trim());
            writer.optional_leaf(
                "cbc:Percent",
                category
                    .percent
                    .map(|percent| decimal_text(percent, None))
                    .as_deref(),
            );
            writer.start("cac:TaxScheme");
            writer.leaf("cbc:ID", "VAT");
            writer.end();
            writer.end();
        }
        writer.end();
        writer.end();
        writer.end();
    }
    writer.finish()
}

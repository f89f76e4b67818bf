//! The request for quotation (見積依頼; a UBL 2.1 `RequestForQuotation`). No Peppol BIS exists for
//! it, so the document names our own customization, [`RFQ_CUSTOMIZATION_ID`].

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::ComposeError;
use crate::order::yen;
use crate::party::{Delivery, TradingParty, iso_date, iso_time, trimmed};
use crate::xml::{XmlWriter, decimal_text};

/// `cbc:CustomizationID` of our requests for quotation: ours, as no Peppol BIS covers them.
pub const RFQ_CUSTOMIZATION_ID: &str = "urn:city-invoice-exchange:rfq:1";

const NAMESPACE: &str = "urn:oasis:names:specification:ubl:schema:xsd:RequestForQuotation-2";

/// A request from the city (buyer) to one supplier (seller) to quote for the lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestForQuotation {
    /// Request number (`cbc:ID`).
    pub id: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Issue time; UBL requires it in a request for quotation.
    pub issue_time: NaiveTime,
    /// Last day for the quotation (`cbc:SubmissionDueDate`), not before the issue date.
    #[serde(default)]
    pub submission_due_date: Option<NaiveDate>,
    /// Free text for the supplier (`cbc:Note`).
    #[serde(default)]
    pub note: Option<String>,
    /// ISO 4217 currency to quote in (`cbc:PricingCurrencyCode`); `JPY` when not given.
    #[serde(default = "yen")]
    pub currency: String,
    /// The city (`cac:OriginatorCustomerParty`).
    pub buyer: TradingParty,
    /// The supplier asked (`cac:SellerSupplierParty`).
    pub seller: TradingParty,
    /// Where and when the goods or services would be delivered.
    #[serde(default)]
    pub delivery: Option<Delivery>,
    /// What to quote for; at least one line, ids unique.
    pub lines: Vec<RequestedLine>,
}

/// One item to quote for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestedLine {
    /// Line id, unique in the request.
    pub id: String,
    /// Item name.
    pub item_name: String,
    /// Quantity wanted; more than zero. A decimal string or an integer in JSON.
    #[serde(with = "crate::decimal_json")]
    pub quantity: Decimal,
    /// UN/ECE Rec 20 unit of the quantity, e.g. `H87`, `EA`, `KGM`, `HUR`.
    pub unit_code: String,
    /// Specification or remarks for the line (`RequestForQuotationLine/cbc:Note`).
    #[serde(default)]
    pub note: Option<String>,
}

/// Writes the request for quotation.
pub fn request_for_quotation(request: &RequestForQuotation) -> Result<String, ComposeError> {
    check_request(request)?;
    Ok(write_request(request))
}

fn check_request(request: &RequestForQuotation) -> Result<(), ComposeError> {
    check::text("id", &request.id)?;
    check::date("issue_date", request.issue_date)?;
    check::time("issue_time", Some(request.issue_time))?;
    check::optional_date("submission_due_date", request.submission_due_date)?;
    if request
        .submission_due_date
        .is_some_and(|due| due < request.issue_date)
    {
        return Err(ComposeError::DateOrder {
            field: "submission_due_date".to_owned(),
            earlier_field: "issue_date".to_owned(),
        });
    }
    check::optional_text("note", request.note.as_deref())?;
    check::currency("currency", &request.currency)?;
    request.buyer.check("buyer")?;
    request.seller.check("seller")?;
    if let Some(delivery) = &request.delivery {
        delivery.check("delivery")?;
    }
    if request.lines.is_empty() {
        return Err(ComposeError::NoEntries {
            field: "lines".to_owned(),
        });
    }
    for (index, line) in request.lines.iter().enumerate() {
        let field = format!("lines[{index}]");
        check::text(&format!("{field}.id"), &line.id)?;
        check::text(&format!("{field}.item_name"), &line.item_name)?;
        check::positive(&format!("{field}.quantity"), line.quantity)?;
        check::unit_code(&format!("{field}.unit_code"), &line.unit_code)?;
        check::optional_text(&format!("{field}.note"), line.note.as_deref())?;
    }
    check::unique_line_ids("lines", request.lines.iter().map(|line| line.id.as_str()))
}

fn write_request(request: &RequestForQuotation) -> String {
    let mut writer = XmlWriter::new("RequestForQuotation", NAMESPACE);
    writer.leaf("cbc:CustomizationID", RFQ_CUSTOMIZATION_ID);
    writer.leaf("cbc:ID", request.id.trim());
    writer.leaf("cbc:IssueDate", &iso_date(request.issue_date));
    writer.leaf("cbc:IssueTime", &iso_time(request.issue_time));
    writer.optional_leaf(
        "cbc:SubmissionDueDate",
        request.submission_due_date.map(iso_date).as_deref(),
    );
    writer.optional_leaf("cbc:Note", trimmed(&request.note));
    writer.leaf("cbc:PricingCurrencyCode", request.currency.trim());
    request
        .buyer
        .write(&mut writer, "cac:OriginatorCustomerParty");
    request.seller.write(&mut writer, "cac:SellerSupplierParty");
    if let Some(delivery) = &request.delivery {
        delivery.write(&mut writer);
    }
    for line in &request.lines {
        writer.start("cac:RequestForQuotationLine");
        writer.leaf("cbc:ID", line.id.trim());
        writer.optional_leaf("cbc:Note", trimmed(&line.note));
        writer.start("cac:LineItem");
        writer.leaf("cbc:ID", line.id.trim());
        writer.leaf_with(
            "cbc:Quantity",
            &[("unitCode", line.unit_code.trim())],
            &decimal_text(line.quantity, None),
        );
        writer.start("cac:Item");
        writer.leaf("cbc:Name", line.item_name.trim());
        writer.end();
        writer.end();
        writer.end();
    }
    writer.finish()
}

//! The order response (注文請書; Peppol BIS Ordering 3, transaction T76, a UBL `OrderResponse`): a
//! supplier accepts, rejects or accepts with changes an order of the city, line by line when it
//! changes something.

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::ComposeError;
use crate::order::{ORDERING_PROFILE_ID, yen};
use crate::party::{Period, TradingParty, iso_date, iso_time, trimmed};
use crate::xml::{XmlWriter, decimal_text};

/// `cbc:CustomizationID` of a Peppol order response; its `cbc:ProfileID` is
/// [`ORDERING_PROFILE_ID`], the profile of the order it answers.
pub const ORDER_RESPONSE_CUSTOMIZATION_ID: &str = "urn:fdc:peppol.eu:poacc:trns:order_response:3";

const NAMESPACE: &str = "urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2";

/// An order response from a supplier (seller) to the city (buyer).
///
/// Of each party only the legal name and the electronic address are written: the Peppol order
/// response carries no address, tax registration or contact, so the parties of the order can be
/// passed as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderResponse {
    /// Number of this response (`cbc:ID`).
    pub id: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Issue time, when wanted.
    #[serde(default)]
    pub issue_time: Option<NaiveTime>,
    /// The answer (`cbc:OrderResponseCode`).
    pub status: OrderResponseStatus,
    /// Free text for the city, e.g. why the order is rejected (`cbc:Note`).
    #[serde(default)]
    pub note: Option<String>,
    /// ISO 4217 document currency, that of the order; `JPY` when not given.
    #[serde(default = "yen")]
    pub currency: String,
    /// The city's reference for the purchase, as the order gave it (`cbc:CustomerReference`).
    #[serde(default)]
    pub buyer_reference: Option<String>,
    /// Number of the order answered (`OrderReference/cbc:ID`).
    pub order_id: String,
    /// The supplier; needs an electronic address.
    pub seller: TradingParty,
    /// The city; needs an electronic address.
    pub buyer: TradingParty,
    /// When the supplier promises to deliver (`Delivery/PromisedDeliveryPeriod`).
    #[serde(default)]
    pub promised_delivery: Option<Period>,
    /// The answer per order line: at least one with [`OrderResponseStatus::AcceptedWithChanges`],
    /// none with the other statuses (Peppol rules PEPPOL-T76-R007 to R009).
    #[serde(default)]
    pub lines: Vec<LineResponse>,
}

/// The answer to an order, the subset of UNCL4343 Peppol allows (`cbc:OrderResponseCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderResponseStatus {
    /// `AP` 受注: the order is accepted as it is.
    #[serde(rename = "AP")]
    Accepted,
    /// `RE` 受注不可: the order is rejected.
    #[serde(rename = "RE")]
    Rejected,
    /// `CA` 条件付き受注: the order is accepted with the changes the lines state.
    #[serde(rename = "CA")]
    AcceptedWithChanges,
}

impl OrderResponseStatus {
    /// The UNCL4343 code, e.g. `CA`.
    pub fn code(self) -> &'static str {
        match self {
            OrderResponseStatus::Accepted => "AP",
            OrderResponseStatus::Rejected => "RE",
            OrderResponseStatus::AcceptedWithChanges => "CA",
        }
    }
}

/// The answer to one order line (`cac:OrderLine`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineResponse {
    /// Id of the order line answered (`OrderLineReference/cbc:LineID`, also the response line's id);
    /// unique in the response.
    pub order_line_id: String,
    /// What becomes of the line.
    pub status: LineResponseStatus,
    /// Item name, as ordered or as it will be delivered.
    pub item_name: String,
    /// The quantity the supplier will deliver, when it differs from the order; more than zero. A
    /// decimal string or an integer in JSON.
    #[serde(default, with = "crate::decimal_json::option")]
    pub quantity: Option<Decimal>,
    /// UN/ECE Rec 20 unit of the quantity; required with a quantity.
    #[serde(default)]
    pub unit_code: Option<String>,
    /// The net unit price the supplier will charge, when it differs from the order; zero or more. A
    /// decimal string or an integer in JSON.
    #[serde(default, with = "crate::decimal_json::option")]
    pub unit_price: Option<Decimal>,
    /// Free text on the line, e.g. why it changes (`LineItem/cbc:Note`).
    #[serde(default)]
    pub note: Option<String>,
}

/// What becomes of an order line, UNCL1229 (`cbc:LineStatusCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LineResponseStatus {
    /// `5`: accepted without change.
    #[serde(rename = "5")]
    Accepted,
    /// `3`: accepted with the quantity, price or note given.
    #[serde(rename = "3")]
    Changed,
    /// `7`: not accepted.
    #[serde(rename = "7")]
    NotAccepted,
}

impl LineResponseStatus {
    /// The UNCL1229 code, e.g. `3`.
    pub fn code(self) -> &'static str {
        match self {
            LineResponseStatus::Accepted => "5",
            LineResponseStatus::Changed => "3",
            LineResponseStatus::NotAccepted => "7",
        }
    }
}

/// Writes the order response.
pub fn order_response(response: &OrderResponse) -> Result<String, ComposeError> {
    check_response(response)?;
    Ok(write_response(response))
}

fn check_response(response: &OrderResponse) -> Result<(), ComposeError> {
    check::text("id", &response.id)?;
    check::date("issue_date", response.issue_date)?;
    check::time("issue_time", response.issue_time)?;
    check::optional_text("note", response.note.as_deref())?;
    check::currency("currency", &response.currency)?;
    check::optional_text("buyer_reference", response.buyer_reference.as_deref())?;
    check::text("order_id", &response.order_id)?;
    response.seller.check("seller")?;
    response.seller.require_endpoint("seller")?;
    response.buyer.check("buyer")?;
    response.buyer.require_endpoint("buyer")?;
    if let Some(period) = &response.promised_delivery {
        period.check("promised_delivery")?;
    }
    match (response.status, response.lines.first()) {
        (OrderResponseStatus::AcceptedWithChanges, None) => {
            return Err(ComposeError::NoEntries {
                field: "lines".to_owned(),
            });
        }
        (OrderResponseStatus::Accepted | OrderResponseStatus::Rejected, Some(line)) => {
            return Err(ComposeError::CodeNotAllowed {
                field: "lines[0]".to_owned(),
                code: line.status.code(),
                status: response.status.code(),
            });
        }
        _ => {}
    }
    for (index, line) in response.lines.iter().enumerate() {
        let field = format!("lines[{index}]");
        check::text(&format!("{field}.order_line_id"), &line.order_line_id)?;
        check::text(&format!("{field}.item_name"), &line.item_name)?;
        match (line.quantity, &line.unit_code) {
            (Some(quantity), Some(unit_code)) => {
                check::positive(&format!("{field}.quantity"), quantity)?;
                check::unit_code(&format!("{field}.unit_code"), unit_code)?;
            }
            (Some(_), None) => {
                return Err(ComposeError::Missing {
                    field: format!("{field}.unit_code"),
                });
            }
            (None, Some(_)) => {
                return Err(ComposeError::Missing {
                    field: format!("{field}.quantity"),
                });
            }
            (None, None) => {}
        }
        if let Some(unit_price) = line.unit_price {
            check::not_negative(&format!("{field}.unit_price"), unit_price)?;
        }
        check::optional_text(&format!("{field}.note"), line.note.as_deref())?;
    }
    let ids = response
        .lines
        .iter()
        .map(|line| line.order_line_id.as_str());
    check::unique_ids("lines", "order_line_id", ids)
}

fn write_response(response: &OrderResponse) -> String {
    let currency = response.currency.trim();
    let mut writer = XmlWriter::new("OrderResponse", NAMESPACE);
    writer.leaf("cbc:CustomizationID", ORDER_RESPONSE_CUSTOMIZATION_ID);
    writer.leaf("cbc:ProfileID", ORDERING_PROFILE_ID);
    writer.leaf("cbc:ID", response.id.trim());
    writer.leaf("cbc:IssueDate", &iso_date(response.issue_date));
    writer.optional_leaf(
        "cbc:IssueTime",
        response.issue_time.map(iso_time).as_deref(),
    );
    writer.leaf("cbc:OrderResponseCode", response.status.code());
    writer.optional_leaf("cbc:Note", trimmed(&response.note));
    writer.leaf("cbc:DocumentCurrencyCode", currency);
    writer.optional_leaf("cbc:CustomerReference", trimmed(&response.buyer_reference));
    writer.start("cac:OrderReference");
    writer.leaf("cbc:ID", response.order_id.trim());
    writer.end();
    write_party(&mut writer, "cac:SellerSupplierParty", &response.seller);
    write_party(&mut writer, "cac:BuyerCustomerParty", &response.buyer);
    if let Some(period) = &response.promised_delivery {
        writer.start("cac:Delivery");
        period.write(&mut writer, "cac:PromisedDeliveryPeriod");
        writer.end();
    }
    for line in &response.lines {
        writer.start("cac:OrderLine");
        writer.start("cac:LineItem");
        writer.leaf("cbc:ID", line.order_line_id.trim());
        writer.optional_leaf("cbc:Note", trimmed(&line.note));
        writer.leaf("cbc:LineStatusCode", line.status.code());
        if let (Some(quantity), Some(unit_code)) = (line.quantity, &line.unit_code) {
            writer.leaf_with(
                "cbc:Quantity",
                &[("unitCode", unit_code.trim())],
                &decimal_text(quantity, None),
            );
        }
        if let Some(unit_price) = line.unit_price {
            writer.start("cac:Price");
            writer.leaf_with(
                "cbc:PriceAmount",
                &[("currencyID", currency)],
                &decimal_text(unit_price, None),
            );
            writer.end();
        }
        writer.start("cac:Item");
        writer.leaf("cbc:Name", line.item_name.trim());
        writer.end();
        writer.end();
        writer.start("cac:OrderLineReference");
        writer.leaf("cbc:LineID", line.order_line_id.trim());
        writer.end();
        writer.end();
    }
    writer.finish()
}

/// Writes `role` with the party's electronic address and legal name, all the Peppol order response
/// has of a party.
fn write_party(writer: &mut XmlWriter, role: &'static str, party: &TradingParty) {
    writer.start(role);
    writer.start("cac:Party");
    if let Some(endpoint) = &party.endpoint {
        endpoint.write(writer);
    }
    writer.start("cac:PartyLegalEntity");
    writer.leaf("cbc:RegistrationName", party.name.trim());
    writer.end();
    writer.end();
    writer.end();
}

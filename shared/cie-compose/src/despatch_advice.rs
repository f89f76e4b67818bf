//! The despatch advice (納品書; Peppol BIS Despatch Advice 3, transaction T16, a UBL
//! `DespatchAdvice`): a supplier tells the city what it delivers against an order, line by line.

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::ComposeError;
use crate::party::{Period, TradingParty, iso_date, iso_time, trimmed};
use crate::xml::{XmlWriter, decimal_text};

/// `cbc:CustomizationID` of a Peppol despatch advice.
pub const DESPATCH_ADVICE_CUSTOMIZATION_ID: &str = "urn:fdc:peppol.eu:poacc:trns:despatch_advice:3";
/// `cbc:ProfileID` of a Peppol despatch advice.
pub const DESPATCH_ADVICE_PROFILE_ID: &str = "urn:fdc:peppol.eu:poacc:bis:despatch_advice:3";

const NAMESPACE: &str = "urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2";
/// The shipment id Peppol asks for when the syntax requires one and there is none to give.
const NO_SHIPMENT_ID: &str = "NA";

/// A despatch advice from a supplier (despatch party) to the city (delivery party).
///
/// The Peppol despatch advice admits no tax registration of a party, so the parties' registration
/// numbers are not written; the city's contact becomes the delivery contact (`cac:DeliveryContact`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DespatchAdvice {
    /// Number of this despatch advice (`cbc:ID`), the 納品書番号.
    pub id: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Issue time, when wanted.
    #[serde(default)]
    pub issue_time: Option<NaiveTime>,
    /// Free text for the city (`cbc:Note`).
    #[serde(default)]
    pub note: Option<String>,
    /// Number of the order delivered against (`OrderReference/cbc:ID`).
    pub order_id: String,
    /// The supplier (`cac:DespatchSupplierParty`); needs an electronic address.
    pub supplier: TradingParty,
    /// The city, receiving the goods (`cac:DeliveryCustomerParty`); needs an electronic address.
    pub customer: TradingParty,
    /// The day the goods were sent or handed over, 出荷日
    /// (`Shipment/Delivery/Despatch/cbc:ActualDespatchDate`). The Peppol despatch advice has no
    /// date of arrival; an expected arrival goes in [`DespatchAdvice::estimated_delivery`].
    pub despatch_date: NaiveDate,
    /// When the goods are expected to arrive (`Shipment/Delivery/EstimatedDeliveryPeriod`).
    #[serde(default)]
    pub estimated_delivery: Option<Period>,
    /// What is delivered; at least one line, ids unique.
    pub lines: Vec<DespatchLine>,
}

/// One delivered item (`cac:DespatchLine`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DespatchLine {
    /// Line id, unique in the despatch advice.
    pub id: String,
    /// Id of the order line delivered (`OrderLineReference/cbc:LineID`).
    pub order_line_id: String,
    /// Item name.
    pub item_name: String,
    /// The supplier's item number; required, as Peppol requires every delivered item to be identified
    /// (PEPPOL-T16-R003).
    #[serde(default)]
    pub seller_item_id: Option<String>,
    /// Quantity delivered; more than zero. A decimal string or an integer in JSON.
    #[serde(with = "crate::decimal_json")]
    pub quantity: Decimal,
    /// UN/ECE Rec 20 unit of the quantity, e.g. `H87`, `EA`, `KGM`.
    pub unit_code: String,
    /// Free text on the line (`DespatchLine/cbc:Note`).
    #[serde(default)]
    pub note: Option<String>,
}

/// Writes the despatch advice.
pub fn despatch_advice(advice: &DespatchAdvice) -> Result<String, ComposeError> {
    check_advice(advice)?;
    Ok(write_advice(advice))
}

fn check_advice(advice: &DespatchAdvice) -> Result<(), ComposeError> {
    check::text("id", &advice.id)?;
    check::date("issue_date", advice.issue_date)?;
    check::time("issue_time", advice.issue_time)?;
    check::optional_text("note", advice.note.as_deref())?;
    check::text("order_id", &advice.order_id)?;
    advice.supplier.check("supplier")?;
    advice.supplier.require_endpoint("supplier")?;
    advice.customer.check("customer")?;
    advice.customer.require_endpoint("customer")?;
    check::date("despatch_date", advice.despatch_date)?;
    if let Some(period) = &advice.estimated_delivery {
        period.check("estimated_delivery")?;
    }
    if advice.lines.is_empty() {
        return Err(ComposeError::NoEntries {
            field: "lines".to_owned(),
        });
    }
    for (index, line) in advice.lines.iter().enumerate() {
        let field = format!("lines[{index}]");
        check::text(&format!("{field}.id"), &line.id)?;
        check::text(&format!("{field}.order_line_id"), &line.order_line_id)?;
        check::text(&format!("{field}.item_name"), &line.item_name)?;
        match line.seller_item_id.as_deref() {
            Some(item) => check::text(&format!("{field}.seller_item_id"), item)?,
            None => {
                return Err(ComposeError::Missing {
                    field: format!("{field}.seller_item_id"),
                });
            }
        }
        check::positive(&format!("{field}.quantity"), line.quantity)?;
        check::unit_code(&format!("{field}.unit_code"), &line.unit_code)?;
        check::optional_text(&format!("{field}.note"), line.note.as_deref())?;
    }
    check::unique_line_ids("lines", advice.lines.iter().map(|line| line.id.as_str()))
}

fn write_advice(advice: &DespatchAdvice) -> String {
    let mut writer = XmlWriter::new("DespatchAdvice", NAMESPACE);
    writer.leaf("cbc:CustomizationID", DESPATCH_ADVICE_CUSTOMIZATION_ID);
    writer.leaf("cbc:ProfileID", DESPATCH_ADVICE_PROFILE_ID);
    writer.leaf("cbc:ID", advice.id.trim());
    writer.leaf("cbc:IssueDate", &iso_date(advice.issue_date));
    writer.optional_leaf("cbc:IssueTime", advice.issue_time.map(iso_time).as_deref());
    writer.optional_leaf("cbc:Note", trimmed(&advice.note));
    writer.start("cac:OrderReference");
    writer.leaf("cbc:ID", advice.order_id.trim());
    writer.end();
    write_party(
        &mut writer,
        "cac:DespatchSupplierParty",
        &advice.supplier,
        None,
    );
    write_party(
        &mut writer,
        "cac:DeliveryCustomerParty",
        &advice.customer,
        Some("cac:DeliveryContact"),
    );

    writer.start("cac:Shipment");
    writer.leaf("cbc:ID", NO_SHIPMENT_ID);
    writer.start("cac:Delivery");
    if let Some(period) = &advice.estimated_delivery {
        period.write(&mut writer, "cac:EstimatedDeliveryPeriod");
    }
    writer.start("cac:Despatch");
    writer.leaf("cbc:ActualDespatchDate", &iso_date(advice.despatch_date));
    writer.end();
    writer.end();
    writer.end();

    for line in &advice.lines {
        writer.start("cac:DespatchLine");
        writer.leaf("cbc:ID", line.id.trim());
        writer.optional_leaf("cbc:Note", trimmed(&line.note));
        writer.leaf_with(
            "cbc:DeliveredQuantity",
            &[("unitCode", line.unit_code.trim())],
            &decimal_text(line.quantity, None),
        );
        writer.start("cac:OrderLineReference");
        writer.leaf("cbc:LineID", line.order_line_id.trim());
        writer.end();
        writer.start("cac:Item");
        writer.leaf("cbc:Name", line.item_name.trim());
        if let Some(seller_item_id) = trimmed(&line.seller_item_id) {
            writer.start("cac:SellersItemIdentification");
            writer.leaf("cbc:ID", seller_item_id);
            writer.end();
        }
        writer.end();
        writer.end();
    }
    writer.finish()
}

/// Writes `role` wrapping its `cac:Party` as the Peppol despatch advice has it: electronic address,
/// postal address, legal name and, unless `contact_beside` names the element that holds it beside
/// the party (`cac:DeliveryContact`), the contact.
fn write_party(
    writer: &mut XmlWriter,
    role: &'static str,
    party: &TradingParty,
    contact_beside: Option<&'static str>,
) {
    writer.start(role);
    writer.start("cac:Party");
    if let Some(endpoint) = &party.endpoint {
        endpoint.write(writer);
    }
    if let Some(address) = &party.address {
        address.write(writer, "cac:PostalAddress");
    }
    writer.start("cac:PartyLegalEntity");
    writer.leaf("cbc:RegistrationName", party.name.trim());
    writer.end();
    if let (Some(contact), None) = (&party.contact, contact_beside) {
        contact.write(writer);
    }
    writer.end();
    if let (Some(contact), Some(element)) = (&party.contact, contact_beside) {
        contact.write_as(writer, element);
    }
    writer.end();
}

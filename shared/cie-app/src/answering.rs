//! A supplier's answers to what the city issued it (issue 14): a quotation (見積書) to a request for
//! quotation, an order response (注文請書) or a delivery note (納品書) to an order. The city's document must
//! be one it issued to the caller's organisation; the answer names its number, takes the city's party as
//! that document wrote it, the seller from the organisation ([`composing::seller_party`]) and the lines it
//! asked for. Writing is `cie-compose`; checking and sending go through `composing` like any form.

use cie_compose::{
    Address, Contact, DespatchAdvice, Endpoint, LineResponseStatus, OrderResponse,
    OrderResponseStatus, Period, Quotation, TradingParty,
};
use cie_domain::DocumentKind;
use cie_store::SupplierOrg;
use cie_xpath::{Document, NodeId};
use rust_decimal::Decimal;

use crate::AppState;
use crate::auth::Caller;
use crate::composing;
use crate::error::Error;
use crate::invoice_fields::{CAC, at, text_at};

/// A document of the city that a supplier answers, read as its answer needs it.
#[derive(Debug, Clone)]
pub struct Asked {
    /// Its id.
    pub id: i64,
    /// A request for quotation or an order.
    pub kind: DocumentKind,
    /// Its number, which the answer names.
    pub number: String,
    /// The city, as the document names it: the answer's buyer.
    pub buyer: TradingParty,
    /// The currency asked for; `JPY` when it names none.
    pub currency: String,
    /// The city's reference for the purchase (an order's `cbc:CustomerReference`).
    pub buyer_reference: Option<String>,
    /// When the city wants the goods (`Delivery/RequestedDeliveryPeriod`).
    pub requested_delivery: Option<Period>,
    /// What it asks for, in its order.
    pub lines: Vec<AskedLine>,
}

/// One line of a request for quotation or an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedLine {
    /// Line id (`LineItem/cbc:ID`), which the answer's line names.
    pub id: String,
    /// Item name.
    pub item_name: String,
    /// Quantity asked for.
    pub quantity: Decimal,
    /// UN/ECE Rec 20 unit of the quantity.
    pub unit_code: String,
    /// The seller's item number the city gave (`Item/SellersItemIdentification/cbc:ID`), if any.
    pub seller_item_id: Option<String>,
}

impl Asked {
    /// The fields the answer forms start from: per line `l{row}_name`, `l{row}_quantity` and `l{row}_unit`,
    /// `line_count`, and the requested delivery period as `delivery_start` and `delivery_end`.
    pub fn form_fields(&self) -> Vec<(String, String)> {
        let mut fields = Vec::new();
        for (row, line) in self.lines.iter().enumerate() {
            fields.push((format!("l{row}_name"), line.item_name.clone()));
            fields.push((
                format!("l{row}_quantity"),
                line.quantity.normalize().to_string(),
            ));
            fields.push((format!("l{row}_unit"), line.unit_code.clone()));
            if let Some(item) = &line.seller_item_id {
                fields.push((format!("l{row}_item"), item.clone()));
            }
        }
        fields.push(("line_count".into(), self.lines.len().max(1).to_string()));
        if let Some(period) = &self.requested_delivery {
            for (name, date) in [
                ("delivery_start", period.start),
                ("delivery_end", period.end),
            ] {
                if let Some(date) = date {
                    fields.push((name.into(), date.to_string()));
                }
            }
        }
        fields
    }

    /// The line `id` of the document; the error names `field`, the answer's line that gave it.
    fn line(&self, field: &str, id: &str) -> Result<&AskedLine, Error> {
        self.lines.iter().find(|line| line.id == id).ok_or_else(|| {
            Error::invalid(
                "unknown_line",
                format!("{field}: {} has no line {id:?}", self.number),
            )
        })
    }
}

/// The seller's part of an answer as the supplier gives it: its address, for the documents that carry one,
/// and its 法人番号, needed when the organisation has no 登録番号.
#[derive(Debug, Clone, Default)]
pub struct SellerInput {
    /// The postal address; `None` to write none.
    pub address: Option<Address>,
    /// The 法人番号.
    pub corporate_number: Option<String>,
}

/// The city's request for quotation `id`, which the supplier caller answers with a quotation.
pub async fn request_for_quotation(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Asked, Error> {
    Ok(asked(state, caller, id, DocumentKind::RequestForQuotation)
        .await?
        .1)
}

/// The city's order `id`, which the supplier caller acknowledges or delivers against.
pub async fn order(state: &AppState, caller: &Caller, id: i64) -> Result<Asked, Error> {
    Ok(asked(state, caller, id, DocumentKind::Order).await?.1)
}

/// The caller's organisation and the city's document `id` of `kind`, issued to that organisation.
async fn asked(
    state: &AppState,
    caller: &Caller,
    id: i64,
    kind: DocumentKind,
) -> Result<(SupplierOrg, Asked), Error> {
    let org = composing::own_organisation(state, caller).await?;
    let record = crate::records::document(state, caller, id).await?;
    if record.summary.kind != kind || !record.outbound || record.supplier_org_id != Some(org.id) {
        return Err(Error::NotFound(format!(
            "the city's {kind} {id} to your organisation"
        )));
    }
    let (_, bytes) = state
        .store
        .archived_content(&caller.tenant, record.archive_seq, None)
        .await?;
    let asked = read(&bytes, id, kind).ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "the city's {kind} {id} does not read back as one"
        ))
    })?;
    Ok((org, asked))
}

/// The quotation answering request for quotation `rfq_id`, with the request's number, currency and city
/// party, and the seller from the caller's organisation. A line may name a line of the request (and then
/// must), or quote something the request did not list.
pub async fn prepare_quotation(
    state: &AppState,
    caller: &Caller,
    rfq_id: i64,
    seller: SellerInput,
    mut quotation: Quotation,
) -> Result<Quotation, Error> {
    let (org, asked) = asked(state, caller, rfq_id, DocumentKind::RequestForQuotation).await?;
    for (index, line) in quotation.lines.iter().enumerate() {
        if let Some(id) = &line.request_line_id {
            asked.line(&format!("lines[{index}].request_line_id"), id)?;
        }
    }
    quotation.seller =
        composing::seller_party(&org, seller.address, seller.corporate_number.as_deref())?;
    quotation.request_id = asked.number;
    quotation.currency = asked.currency;
    quotation.buyer = asked.buyer;
    Ok(quotation)
}

/// The order response to order `order_id`, with the order's number, currency, reference and city party, and
/// the seller from the caller's organisation. A rejection says why (its note); a line answered names a
/// line of the order and takes its item and unit; a changed line changes the quantity, and an acceptance
/// with changes changes something.
pub async fn prepare_order_response(
    state: &AppState,
    caller: &Caller,
    order_id: i64,
    corporate_number: Option<&str>,
    mut response: OrderResponse,
) -> Result<OrderResponse, Error> {
    let (org, asked) = asked(state, caller, order_id, DocumentKind::Order).await?;
    let said = response
        .note
        .as_deref()
        .is_some_and(|n| !n.trim().is_empty());
    if response.status == OrderResponseStatus::Rejected && !said {
        return Err(Error::invalid(
            "note_required",
            "note: a rejection says why the order cannot be taken",
        ));
    }
    for (index, line) in response.lines.iter_mut().enumerate() {
        let field = format!("lines[{index}]");
        let ordered = asked.line(&format!("{field}.order_line_id"), &line.order_line_id)?;
        line.item_name = ordered.item_name.clone();
        line.unit_code = line.quantity.map(|_| ordered.unit_code.clone());
        if line.status == LineResponseStatus::Changed && line.quantity == Some(ordered.quantity) {
            return Err(Error::invalid(
                "quantity_unchanged",
                format!(
                    "{field}.quantity: {} is the quantity ordered; give the quantity you can deliver, or accept the line",
                    ordered.quantity.normalize()
                ),
            ));
        }
    }
    if response.status == OrderResponseStatus::AcceptedWithChanges
        && response
            .lines
            .iter()
            .all(|line| line.status == LineResponseStatus::Accepted)
    {
        return Err(Error::invalid(
            "nothing_changed",
            "lines: every line is accepted as ordered; accept the order as it is, or change a line",
        ));
    }
    response.seller = composing::seller_party(&org, None, corporate_number)?;
    response.order_id = asked.number;
    response.currency = asked.currency;
    response.buyer_reference = asked.buyer_reference;
    response.buyer = asked.buyer;
    Ok(response)
}

/// The delivery note for order `order_id`, with the order's number and city party, and the supplier from
/// the caller's organisation; each line names a line of the order and takes its item and unit.
pub async fn prepare_despatch_advice(
    state: &AppState,
    caller: &Caller,
    order_id: i64,
    seller: SellerInput,
    mut advice: DespatchAdvice,
) -> Result<DespatchAdvice, Error> {
    let (org, asked) = asked(state, caller, order_id, DocumentKind::Order).await?;
    for (index, line) in advice.lines.iter_mut().enumerate() {
        let ordered = asked.line(
            &format!("lines[{index}].order_line_id"),
            &line.order_line_id,
        )?;
        line.item_name = ordered.item_name.clone();
        line.unit_code = ordered.unit_code.clone();
    }
    advice.supplier =
        composing::seller_party(&org, seller.address, seller.corporate_number.as_deref())?;
    advice.order_id = asked.number;
    advice.customer = asked.buyer;
    Ok(advice)
}

/// Reads the city's request for quotation or order; `None` when it is not one or names no city.
fn read(bytes: &[u8], id: i64, kind: DocumentKind) -> Option<Asked> {
    let doc = Document::parse(bytes).ok()?;
    let root = doc.document_element()?;
    let (root_name, party, currency, line_name) = match kind {
        DocumentKind::RequestForQuotation => (
            "RequestForQuotation",
            "cac:OriginatorCustomerParty",
            "cbc:PricingCurrencyCode",
            "RequestForQuotationLine",
        ),
        DocumentKind::Order => (
            "Order",
            "cac:BuyerCustomerParty",
            "cbc:DocumentCurrencyCode",
            "OrderLine",
        ),
        _ => return None,
    };
    if doc.local_name(root) != root_name {
        return None;
    }
    let lines = doc
        .element_children_named(root, CAC, line_name)
        .filter_map(|line| at(&doc, line, &["cac:LineItem"]))
        .filter_map(|item| {
            let quantity = at(&doc, item, &["cbc:Quantity"])?;
            Some(AskedLine {
                id: text_at(&doc, item, &["cbc:ID"])?,
                item_name: text_at(&doc, item, &["cac:Item", "cbc:Name"])?,
                quantity: doc.string_value(quantity).trim().parse().ok()?,
                unit_code: doc.attribute(quantity, "", "unitCode")?.trim().to_owned(),
                seller_item_id: text_at(
                    &doc,
                    item,
                    &["cac:Item", "cac:SellersItemIdentification", "cbc:ID"],
                ),
            })
        })
        .collect();
    let period = at(&doc, root, &["cac:Delivery", "cac:RequestedDeliveryPeriod"]);
    let date = |name: &str| {
        period
            .and_then(|p| text_at(&doc, p, &[name]))
            .and_then(|d| d.parse().ok())
    };
    let (start, end) = (date("cbc:StartDate"), date("cbc:EndDate"));
    Some(Asked {
        id,
        kind,
        number: text_at(&doc, root, &["cbc:ID"])?,
        buyer: party_at(&doc, at(&doc, root, &[party, "cac:Party"])?)?,
        currency: text_at(&doc, root, &[currency]).unwrap_or_else(|| "JPY".into()),
        buyer_reference: text_at(&doc, root, &["cbc:CustomerReference"]),
        requested_delivery: (start.is_some() || end.is_some()).then_some(Period { start, end }),
        lines,
    })
}

/// A `cac:Party` as the city wrote it; `None` without a name.
fn party_at(doc: &Document, party: NodeId) -> Option<TradingParty> {
    let name = text_at(
        doc,
        party,
        &["cac:PartyLegalEntity", "cbc:RegistrationName"],
    )
    .or_else(|| text_at(doc, party, &["cac:PartyName", "cbc:Name"]))?;
    let endpoint = at(doc, party, &["cbc:EndpointID"]).and_then(|endpoint| {
        Some(Endpoint {
            id: doc.string_value(endpoint).trim().to_owned(),
            scheme: doc.attribute(endpoint, "", "schemeID")?.trim().to_owned(),
        })
    });
    let address = at(doc, party, &["cac:PostalAddress"]).and_then(|address| {
        Some(Address {
            postal_zone: text_at(doc, address, &["cbc:PostalZone"]),
            country_subentity: text_at(doc, address, &["cbc:CountrySubentity"]),
            city_name: text_at(doc, address, &["cbc:CityName"])?,
            street_name: text_at(doc, address, &["cbc:StreetName"]),
            additional_street_name: text_at(doc, address, &["cbc:AdditionalStreetName"]),
            country: text_at(doc, address, &["cac:Country", "cbc:IdentificationCode"])
                .unwrap_or_else(|| "JP".into()),
        })
    });
    let contact = at(doc, party, &["cac:Contact"])
        .map(|contact| Contact {
            name: text_at(doc, contact, &["cbc:Name"]),
            telephone: text_at(doc, contact, &["cbc:Telephone"]),
            email: text_at(doc, contact, &["cbc:ElectronicMail"]),
        })
        .filter(|c| c.name.is_some() || c.telephone.is_some() || c.email.is_some());
    Some(TradingParty {
        name,
        endpoint,
        registration_number: text_at(doc, party, &["cac:PartyTaxScheme", "cbc:CompanyID"]),
        address,
        contact,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn city() -> TradingParty {
        TradingParty {
            name: "テスト市".into(),
            endpoint: Some(Endpoint {
                id: "7000012050002".into(),
                scheme: "0188".into(),
            }),
            registration_number: None,
            address: Some(Address {
                postal_zone: Some("203-8555".into()),
                country_subentity: None,
                city_name: "テスト市".into(),
                street_name: Some("本町3-3-1".into()),
                additional_street_name: None,
                country: "JP".into(),
            }),
            contact: Some(Contact {
                name: Some("会計課".into()),
                telephone: None,
                email: None,
            }),
        }
    }

    fn supplier() -> TradingParty {
        TradingParty {
            name: "株式会社 〇〇商事".into(),
            endpoint: Some(Endpoint {
                id: "4011001098993".into(),
                scheme: "0188".into(),
            }),
            registration_number: None,
            address: None,
            contact: None,
        }
    }

    fn date(text: &str) -> chrono::NaiveDate {
        text.parse().unwrap_or(chrono::NaiveDate::MIN)
    }

    #[test]
    fn an_order_reads_back_with_its_city_party_reference_delivery_and_lines() {
        let order = cie_compose::Order {
            id: "PO-1".into(),
            issue_date: date("2026-04-01"),
            issue_time: None,
            response_requested: true,
            buyer_reference: Some("R8-000123".into()),
            currency: "JPY".into(),
            note: None,
            buyer: city(),
            seller: supplier(),
            delivery: Some(cie_compose::Delivery {
                address: city().address.unwrap_or_else(|| unreachable!()),
                requested_period: Some(Period {
                    start: None,
                    end: Some(date("2026-04-20")),
                }),
            }),
            lines: vec![cie_compose::OrderLine {
                id: "7".into(),
                item_name: "コピー用紙 A4".into(),
                seller_item_id: None,
                quantity: Decimal::new(105, 1),
                unit_code: "KGM".into(),
                unit_price: Decimal::from(500),
                tax_category: None,
                note: None,
            }],
        };
        let Ok(xml) = cie_compose::order(&order) else {
            panic!("the order is written");
        };
        let Some(asked) = read(xml.as_bytes(), 3, DocumentKind::Order) else {
            panic!("the order reads back");
        };
        assert_eq!(asked.number, "PO-1");
        assert_eq!(asked.buyer, city());
        assert_eq!(asked.buyer_reference.as_deref(), Some("R8-000123"));
        assert_eq!(
            asked.lines,
            [AskedLine {
                id: "7".into(),
                item_name: "コピー用紙 A4".into(),
                quantity: Decimal::new(105, 1),
                unit_code: "KGM".into(),
                seller_item_id: None,
            }]
        );
        let fields = asked.form_fields();
        for expected in [
            ("l0_quantity", "10.5"),
            ("l0_unit", "KGM"),
            ("line_count", "1"),
            ("delivery_end", "2026-04-20"),
        ] {
            assert!(
                fields
                    .iter()
                    .any(|(k, v)| (k.as_str(), v.as_str()) == expected),
                "{expected:?} in {fields:?}"
            );
        }
        assert!(read(xml.as_bytes(), 3, DocumentKind::RequestForQuotation).is_none());
    }

    #[test]
    fn a_request_for_quotation_reads_back_with_the_originator_as_the_city() {
        let request = cie_compose::RequestForQuotation {
            id: "RFQ-7".into(),
            issue_date: date("2026-04-01"),
            issue_time: chrono::NaiveTime::MIN,
            submission_due_date: None,
            note: None,
            currency: "JPY".into(),
            buyer: city(),
            seller: supplier(),
            delivery: None,
            lines: vec![cie_compose::RequestedLine {
                id: "1".into(),
                item_name: "防災用品一式".into(),
                quantity: Decimal::ONE,
                unit_code: "SET".into(),
                note: None,
            }],
        };
        let Ok(xml) = cie_compose::request_for_quotation(&request) else {
            panic!("the request is written");
        };
        let Some(asked) = read(xml.as_bytes(), 4, DocumentKind::RequestForQuotation) else {
            panic!("the request reads back");
        };
        assert_eq!(asked.number, "RFQ-7");
        assert_eq!(asked.buyer.name, "テスト市");
        assert_eq!(asked.lines.len(), 1);
        assert_eq!(asked.lines[0].unit_code, "SET");
        assert!(asked.requested_delivery.is_none());
        assert!(read(b"<not-closed", 4, DocumentKind::RequestForQuotation).is_none());
    }
}

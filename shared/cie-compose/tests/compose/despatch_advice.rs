//! Despatch advices (Peppol T16): the document read back and checked by the post-award rules, and
//! every refusal.

use cie_compose::{
    Address, ComposeError, Contact, DESPATCH_ADVICE_CUSTOMIZATION_ID, DESPATCH_ADVICE_PROFILE_ID,
    DespatchAdvice, DespatchLine, Period, despatch_advice,
};
use cie_domain::{DocumentKind, DocumentReference, Profile, ReferenceKind};
use cie_rules::post_award::Transaction;

use crate::support::{
    CITY_NUMBER, SUPPLIER_NUMBER, SUPPLIER_REGISTRATION, assert_post_award_clean, assert_refused,
    city, date, decimal, read_back, supplier,
};

fn delivered(id: &str, order_line_id: &str, name: &str, quantity: &str) -> DespatchLine {
    DespatchLine {
        id: id.to_owned(),
        order_line_id: order_line_id.to_owned(),
        item_name: name.to_owned(),
        seller_item_id: Some(format!("ITEM-{order_line_id}")),
        quantity: decimal(quantity),
        unit_code: "H87".to_owned(),
        note: None,
    }
}

fn advice() -> DespatchAdvice {
    DespatchAdvice {
        id: "DN-2025-0107".to_owned(),
        issue_date: date("2025-04-14"),
        issue_time: None,
        note: None,
        order_id: "PO-2025-0815".to_owned(),
        supplier: supplier(),
        customer: city(),
        despatch_date: date("2025-04-14"),
        estimated_delivery: None,
        lines: vec![
            delivered("1", "1", "コピー用紙 A4", "20"),
            delivered("2", "2", "ボールペン 黒", "80"),
        ],
    }
}

/// Writes `input`, passes it through every reader and checker, and checks what intake sees.
fn compose_and_check(input: &DespatchAdvice) -> String {
    let xml = despatch_advice(input).expect("a valid despatch advice");
    let summary = read_back(&xml);
    assert_eq!(summary.kind, DocumentKind::DespatchAdvice);
    assert_eq!(summary.profile, Profile::PeppolDespatchAdvice);
    assert_eq!(
        summary.customization_id.as_deref(),
        Some(DESPATCH_ADVICE_CUSTOMIZATION_ID)
    );
    assert_eq!(
        summary.profile_id.as_deref(),
        Some(DESPATCH_ADVICE_PROFILE_ID)
    );
    assert_eq!(summary.number, input.id);
    assert_eq!(summary.issue_date, input.issue_date);
    assert_eq!(
        summary.supplier.name.as_deref(),
        Some(input.supplier.name.as_str())
    );
    assert_eq!(
        summary.supplier.endpoint_id.as_deref(),
        Some(SUPPLIER_NUMBER)
    );
    assert_eq!(summary.supplier.registration_number, None);
    assert_eq!(
        summary.buyer.name.as_deref(),
        Some(input.customer.name.as_str())
    );
    assert_eq!(summary.buyer.endpoint_id.as_deref(), Some(CITY_NUMBER));
    assert_eq!(
        summary.references,
        [DocumentReference {
            kind: ReferenceKind::Order,
            number: input.order_id.clone(),
        }]
    );
    assert_eq!(summary.line_count as usize, input.lines.len());
    assert_eq!(summary.totals, cie_domain::Totals::default());
    assert_post_award_clean(&xml, Transaction::DespatchAdvice);
    xml
}

#[test]
fn a_plain_despatch_advice_names_the_order_and_its_lines() {
    let input = advice();
    let xml = compose_and_check(&input);
    assert!(xml.contains(
        "<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:despatch_advice:3</cbc:CustomizationID>"
    ));
    assert!(
        xml.contains(
            "<cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:despatch_advice:3</cbc:ProfileID>"
        )
    );
    assert!(xml.contains("<cbc:DeliveredQuantity unitCode=\"H87\">80</cbc:DeliveredQuantity>"));
    assert!(xml.contains("<cac:OrderLineReference>\n      <cbc:LineID>2</cbc:LineID>"));
    assert!(xml.contains(
        "<cac:Shipment>\n    <cbc:ID>NA</cbc:ID>\n    <cac:Delivery>\n      <cac:Despatch>\n        <cbc:ActualDespatchDate>2025-04-14</cbc:ActualDespatchDate>"
    ));
    assert!(!xml.contains(SUPPLIER_REGISTRATION));
    assert!(!xml.contains("PartyTaxScheme"));
}

#[test]
fn the_citys_contact_is_the_delivery_contact_and_the_suppliers_stays_in_its_party() {
    let mut input = advice();
    input.supplier.address = Some(Address {
        postal_zone: Some("100-0001".to_owned()),
        country_subentity: Some("東京都".to_owned()),
        city_name: "千代田区".to_owned(),
        street_name: Some("千代田1-1".to_owned()),
        additional_street_name: None,
        country: "JP".to_owned(),
    });
    input.supplier.contact = Some(Contact {
        name: Some("営業部 山田".to_owned()),
        telephone: Some("03-0000-0000".to_owned()),
        email: None,
    });
    let xml = compose_and_check(&input);
    assert!(xml.contains(
        "    <cac:Contact>\n        <cbc:Name>営業部 山田</cbc:Name>\n        <cbc:Telephone>03-0000-0000</cbc:Telephone>\n      </cac:Contact>\n    </cac:Party>\n  </cac:DespatchSupplierParty>"
    ));
    assert!(xml.contains(
        "    </cac:Party>\n    <cac:DeliveryContact>\n      <cbc:Name>会計課 契約係</cbc:Name>"
    ));
    assert!(xml.contains("<cbc:CityName>千代田区</cbc:CityName>"));
    assert!(xml.contains("<cbc:CityName>東久留米市</cbc:CityName>"));
}

#[test]
fn a_full_despatch_advice_with_expected_arrival_item_numbers_and_notes() {
    let mut input = advice();
    input.issue_time = Some("08:30:00".parse().expect("time"));
    input.note = Some("2回に分けて納品します（1回目）。".to_owned());
    input.despatch_date = date("2025-04-11");
    input.estimated_delivery = Some(Period {
        start: Some(date("2025-04-14")),
        end: None,
    });
    input.lines = vec![
        DespatchLine {
            seller_item_id: Some("CP-A4-500".to_owned()),
            note: Some("500枚×5冊/箱".to_owned()),
            ..delivered("1", "1", "コピー用紙 A4", "20")
        },
        DespatchLine {
            unit_code: "KGM".to_owned(),
            ..delivered("2", "4", "梱包材回収", "12.5")
        },
    ];
    let xml = compose_and_check(&input);
    assert!(xml.contains("<cbc:IssueTime>08:30:00</cbc:IssueTime>"));
    assert!(xml.contains(
        "<cac:EstimatedDeliveryPeriod>\n        <cbc:StartDate>2025-04-14</cbc:StartDate>\n      </cac:EstimatedDeliveryPeriod>"
    ));
    assert!(xml.contains("<cbc:ActualDespatchDate>2025-04-11</cbc:ActualDespatchDate>"));
    assert!(xml.contains("<cbc:DeliveredQuantity unitCode=\"KGM\">12.5</cbc:DeliveredQuantity>"));
    assert!(xml.contains("<cbc:LineID>4</cbc:LineID>"));
    assert!(xml.contains("<cbc:ID>CP-A4-500</cbc:ID>"));
    assert!(xml.contains("<cbc:Note>500枚×5冊/箱</cbc:Note>"));
}

#[test]
fn output_is_deterministic() {
    let input = advice();
    assert_eq!(
        despatch_advice(&input).expect("valid"),
        despatch_advice(&input.clone()).expect("valid")
    );
}

#[test]
fn refuses_an_advice_without_lines_or_order() {
    let mut input = advice();
    input.lines.clear();
    assert_refused(
        despatch_advice(&input),
        "lines",
        "lines needs at least one entry",
    );
    let mut input = advice();
    input.order_id = " ".to_owned();
    assert_refused(
        despatch_advice(&input),
        "order_id",
        "order_id must not be empty",
    );
    let mut input = advice();
    input.lines[1].order_line_id = String::new();
    assert_refused(
        despatch_advice(&input),
        "lines[1].order_line_id",
        "lines[1].order_line_id must not be empty",
    );
}

#[test]
fn refuses_bad_quantities_units_and_duplicate_lines() {
    let mut input = advice();
    input.lines[0].quantity = decimal("-20");
    assert_refused(
        despatch_advice(&input),
        "lines[0].quantity",
        "lines[0].quantity must be positive",
    );
    let mut input = advice();
    input.lines[1].unit_code = "pcs".to_owned();
    assert!(matches!(
        despatch_advice(&input),
        Err(ComposeError::InvalidCode { field, .. }) if field == "lines[1].unit_code"
    ));
    let mut input = advice();
    input.lines[1].id = "1".to_owned();
    assert_refused(
        despatch_advice(&input),
        "lines[1].id",
        "lines[1].id: line id \"1\" is already used by another line",
    );
}

#[test]
fn refuses_parties_without_endpoint_and_empty_delivery_periods() {
    let mut input = advice();
    input.customer.endpoint = None;
    assert_refused(
        despatch_advice(&input),
        "customer.endpoint",
        "customer.endpoint is required",
    );
    let mut input = advice();
    input.supplier.endpoint = None;
    assert_refused(
        despatch_advice(&input),
        "supplier.endpoint",
        "supplier.endpoint is required",
    );
    let mut input = advice();
    input.estimated_delivery = Some(Period {
        start: None,
        end: None,
    });
    assert_refused(
        despatch_advice(&input),
        "estimated_delivery",
        "estimated_delivery must not be empty",
    );
}

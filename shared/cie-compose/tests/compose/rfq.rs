//! Requests for quotation: the document read back, and every refusal.

use cie_compose::{
    Delivery, Period, RFQ_CUSTOMIZATION_ID, RequestForQuotation, RequestedLine,
    request_for_quotation,
};
use cie_domain::{DocumentKind, Profile};
use cie_xpath::Document;

use crate::support::{
    CITY_NUMBER, SUPPLIER_NUMBER, assert_refused, city, city_address, date, decimal, read_back,
    supplier,
};

fn requested(id: &str, name: &str, quantity: &str, unit_code: &str) -> RequestedLine {
    RequestedLine {
        id: id.to_owned(),
        item_name: name.to_owned(),
        quantity: decimal(quantity),
        unit_code: unit_code.to_owned(),
        note: None,
    }
}

fn request() -> RequestForQuotation {
    RequestForQuotation {
        id: "RFQ-2025-004".to_owned(),
        issue_date: date("2025-04-01"),
        issue_time: "09:00:00".parse().expect("time"),
        submission_due_date: None,
        note: None,
        currency: "JPY".to_owned(),
        buyer: city(),
        seller: supplier(),
        delivery: None,
        lines: vec![requested("1", "ノートパソコン", "35", "H87")],
    }
}

/// Writes `input`, reads it back as intake does and checks what intake sees.
fn compose_and_check(input: &RequestForQuotation) -> String {
    let xml = request_for_quotation(input).expect("a valid request for quotation");
    let summary = read_back(&xml);
    assert_eq!(summary.kind, DocumentKind::RequestForQuotation);
    assert_eq!(summary.profile, Profile::Ubl);
    assert_eq!(
        summary.customization_id.as_deref(),
        Some(RFQ_CUSTOMIZATION_ID)
    );
    assert_eq!(summary.number, input.id);
    assert_eq!(summary.issue_date, input.issue_date);
    assert_eq!(summary.currency.as_deref(), Some(input.currency.as_str()));
    assert_eq!(
        summary.buyer.name.as_deref(),
        Some(input.buyer.name.as_str())
    );
    assert_eq!(
        summary.buyer.endpoint_id.as_deref(),
        input.buyer.endpoint.as_ref().map(|e| e.id.as_str())
    );
    assert_eq!(
        summary.supplier.name.as_deref(),
        Some(input.seller.name.as_str())
    );
    assert_eq!(summary.line_count as usize, input.lines.len());
    assert_eq!(summary.totals, cie_domain::Totals::default());
    let document = Document::parse(xml.as_bytes()).expect("well-formed");
    assert!(cie_rules::post_award::validate_post_award(&document).is_none());
    xml
}

#[test]
fn a_minimal_request_names_our_customization() {
    let input = request();
    let xml = compose_and_check(&input);
    assert!(
        xml.contains("<cbc:CustomizationID>urn:city-invoice-exchange:rfq:1</cbc:CustomizationID>")
    );
    assert!(xml.contains("<cbc:IssueTime>09:00:00</cbc:IssueTime>"));
    assert!(xml.contains("<cbc:PricingCurrencyCode>JPY</cbc:PricingCurrencyCode>"));
    assert!(xml.contains("<cac:OriginatorCustomerParty>"));
    assert!(xml.contains("<cbc:Quantity unitCode=\"H87\">35</cbc:Quantity>"));
    assert!(!xml.contains("SubmissionDueDate"));
}

#[test]
fn a_full_request_with_deadline_delivery_and_line_notes() {
    let mut input = request();
    input.submission_due_date = Some(date("2025-04-15"));
    input.note = Some("仕様書のとおり見積りをお願いします。".to_owned());
    input.delivery = Some(Delivery {
        address: city_address(),
        requested_period: Some(Period {
            start: None,
            end: Some(date("2025-05-31")),
        }),
    });
    input.lines = vec![
        RequestedLine {
            note: Some("メモリ16GB以上".to_owned()),
            ..requested("1", "ノートパソコン", "35", "H87")
        },
        requested("2", "液晶モニター 24型", "35", "H87"),
        requested("3", "設置作業", "12.5", "HUR"),
        requested("4", "梱包材回収", "40.25", "KGM"),
    ];
    let xml = compose_and_check(&input);
    assert!(xml.contains("<cbc:SubmissionDueDate>2025-04-15</cbc:SubmissionDueDate>"));
    assert!(xml.contains("<cbc:Note>メモリ16GB以上</cbc:Note>"));
    assert!(xml.contains("<cbc:EndDate>2025-05-31</cbc:EndDate>"));
    assert!(xml.contains("<cbc:Quantity unitCode=\"KGM\">40.25</cbc:Quantity>"));
    assert!(xml.contains(&format!(
        "<cbc:EndpointID schemeID=\"0188\">{SUPPLIER_NUMBER}</cbc:EndpointID>"
    )));
}

#[test]
fn parties_need_no_endpoint_in_a_request() {
    let mut input = request();
    input.seller.endpoint = None;
    input.seller.registration_number = None;
    let xml = compose_and_check(&input);
    assert!(xml.contains(CITY_NUMBER));
    assert!(!xml.contains(SUPPLIER_NUMBER));
}

#[test]
fn a_deadline_on_the_issue_day_is_fine() {
    let mut input = request();
    input.submission_due_date = Some(input.issue_date);
    compose_and_check(&input);
}

#[test]
fn output_is_deterministic() {
    let input = request();
    assert_eq!(
        request_for_quotation(&input).expect("valid"),
        request_for_quotation(&input.clone()).expect("valid")
    );
}

#[test]
fn refuses_a_deadline_before_the_issue_date() {
    let mut input = request();
    input.submission_due_date = Some(date("2025-03-31"));
    assert_refused(
        request_for_quotation(&input),
        "submission_due_date",
        "submission_due_date must not be before issue_date",
    );
}

#[test]
fn refuses_a_request_without_lines() {
    let mut input = request();
    input.lines.clear();
    assert_refused(
        request_for_quotation(&input),
        "lines",
        "lines needs at least one entry",
    );
}

#[test]
fn refuses_non_positive_quantities_and_bad_units() {
    let mut input = request();
    input.lines.push(requested("2", "モニター", "0", "H87"));
    assert_refused(
        request_for_quotation(&input),
        "lines[1].quantity",
        "lines[1].quantity must be positive",
    );
    let mut input = request();
    input.lines[0].unit_code = "pcs".to_owned();
    assert!(matches!(
        request_for_quotation(&input),
        Err(cie_compose::ComposeError::InvalidCode { .. })
    ));
}

#[test]
fn refuses_empty_ids_names_and_duplicate_lines() {
    let mut input = request();
    input.id = String::new();
    assert_refused(request_for_quotation(&input), "id", "id must not be empty");
    let mut input = request();
    input.buyer.name = String::new();
    assert_refused(
        request_for_quotation(&input),
        "buyer.name",
        "buyer.name must not be empty",
    );
    let mut input = request();
    input.lines.push(requested("1", "モニター", "1", "H87"));
    assert_refused(
        request_for_quotation(&input),
        "lines[1].id",
        "lines[1].id: line id \"1\" is already used by another line",
    );
}

//! Order responses (Peppol T76): accepted, rejected and accepted with changes, read back and checked
//! by the post-award rules, and every refusal.

use cie_compose::{
    ComposeError, LineResponse, LineResponseStatus, ORDER_RESPONSE_CUSTOMIZATION_ID,
    ORDERING_PROFILE_ID, OrderResponse, OrderResponseStatus, Period, order_response,
};
use cie_domain::{DocumentKind, DocumentReference, Profile, ReferenceKind};
use cie_rules::post_award::Transaction;

use crate::support::{
    CITY_NUMBER, SUPPLIER_NUMBER, assert_post_award_clean, assert_refused, city, date, decimal,
    read_back, supplier,
};

fn accepted() -> OrderResponse {
    OrderResponse {
        id: "OR-2025-0815".to_owned(),
        issue_date: date("2025-04-02"),
        issue_time: None,
        status: OrderResponseStatus::Accepted,
        note: None,
        currency: "JPY".to_owned(),
        buyer_reference: None,
        order_id: "PO-2025-0815".to_owned(),
        seller: supplier(),
        buyer: city(),
        promised_delivery: None,
        lines: Vec::new(),
    }
}

fn line(order_line_id: &str, status: LineResponseStatus, name: &str) -> LineResponse {
    LineResponse {
        order_line_id: order_line_id.to_owned(),
        status,
        item_name: name.to_owned(),
        quantity: None,
        unit_code: None,
        unit_price: None,
        note: None,
    }
}

/// Accepted with changes: line 1 as ordered, line 2 with fewer pieces at another price, line 3 not
/// at all.
fn with_changes() -> OrderResponse {
    OrderResponse {
        status: OrderResponseStatus::AcceptedWithChanges,
        lines: vec![
            line("1", LineResponseStatus::Accepted, "コピー用紙 A4"),
            LineResponse {
                quantity: Some(decimal("80")),
                unit_code: Some("EA".to_owned()),
                unit_price: Some(decimal("58")),
                note: Some("在庫は80本です".to_owned()),
                ..line("2", LineResponseStatus::Changed, "ボールペン 黒")
            },
            line("3", LineResponseStatus::NotAccepted, "サンプル品"),
        ],
        ..accepted()
    }
}

/// Writes `input`, passes it through every reader and checker, and checks what intake sees.
fn compose_and_check(input: &OrderResponse) -> String {
    let xml = order_response(input).expect("a valid order response");
    let summary = read_back(&xml);
    assert_eq!(summary.kind, DocumentKind::OrderResponse);
    assert_eq!(summary.profile, Profile::PeppolOrdering);
    assert_eq!(
        summary.customization_id.as_deref(),
        Some(ORDER_RESPONSE_CUSTOMIZATION_ID)
    );
    assert_eq!(summary.profile_id.as_deref(), Some(ORDERING_PROFILE_ID));
    assert_eq!(summary.number, input.id);
    assert_eq!(summary.issue_date, input.issue_date);
    assert_eq!(summary.type_code.as_deref(), Some(input.status.code()));
    assert_eq!(summary.currency.as_deref(), Some(input.currency.as_str()));
    assert_eq!(
        summary.supplier.name.as_deref(),
        Some(input.seller.name.as_str())
    );
    assert_eq!(
        summary.supplier.endpoint_id.as_deref(),
        Some(SUPPLIER_NUMBER)
    );
    assert_eq!(summary.supplier.endpoint_scheme.as_deref(), Some("0188"));
    assert_eq!(
        summary.buyer.name.as_deref(),
        Some(input.buyer.name.as_str())
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
    assert_post_award_clean(&xml, Transaction::OrderResponse);
    xml
}

#[test]
fn an_accepted_order_has_no_lines_and_only_what_peppol_admits_of_the_parties() {
    let input = accepted();
    let xml = compose_and_check(&input);
    assert!(xml.contains(
        "<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order_response:3</cbc:CustomizationID>"
    ));
    assert!(xml.contains("<cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:ordering:3</cbc:ProfileID>"));
    assert!(xml.contains("<cbc:OrderResponseCode>AP</cbc:OrderResponseCode>"));
    assert!(xml.contains("<cbc:DocumentCurrencyCode>JPY</cbc:DocumentCurrencyCode>"));
    assert!(xml.contains("<cac:OrderReference>\n    <cbc:ID>PO-2025-0815</cbc:ID>"));
    assert!(!xml.contains("OrderLine"));
    for absent in ["PartyTaxScheme", "PostalAddress", "Contact"] {
        assert!(!xml.contains(absent), "{absent}");
    }
}

#[test]
fn a_rejection_says_why() {
    let input = OrderResponse {
        status: OrderResponseStatus::Rejected,
        note: Some("ご指定の納期に納品できません。".to_owned()),
        buyer_reference: Some("支出負担行為 R7-00123".to_owned()),
        ..accepted()
    };
    let xml = compose_and_check(&input);
    assert!(xml.contains("<cbc:OrderResponseCode>RE</cbc:OrderResponseCode>"));
    assert!(xml.contains("<cbc:Note>ご指定の納期に納品できません。</cbc:Note>"));
    assert!(xml.contains("<cbc:CustomerReference>支出負担行為 R7-00123</cbc:CustomerReference>"));
}

#[test]
fn an_acceptance_with_changes_answers_line_by_line() {
    let mut input = with_changes();
    input.issue_time = Some("16:05:00".parse().expect("time"));
    input.promised_delivery = Some(Period {
        start: Some(date("2025-04-14")),
        end: Some(date("2025-04-18")),
    });
    let xml = compose_and_check(&input);
    assert!(xml.contains("<cbc:OrderResponseCode>CA</cbc:OrderResponseCode>"));
    assert!(xml.contains(
        "<cac:PromisedDeliveryPeriod>\n      <cbc:StartDate>2025-04-14</cbc:StartDate>\n      <cbc:EndDate>2025-04-18</cbc:EndDate>"
    ));
    for code in ["5", "3", "7"] {
        assert!(xml.contains(&format!("<cbc:LineStatusCode>{code}</cbc:LineStatusCode>")));
    }
    assert!(xml.contains("<cbc:Quantity unitCode=\"EA\">80</cbc:Quantity>"));
    assert!(xml.contains("<cbc:PriceAmount currencyID=\"JPY\">58</cbc:PriceAmount>"));
    assert!(xml.contains("<cbc:Note>在庫は80本です</cbc:Note>"));
    assert!(xml.contains("<cac:OrderLineReference>\n      <cbc:LineID>3</cbc:LineID>"));
    assert_eq!(xml.matches("<cac:OrderLine>").count(), 3);
}

#[test]
fn output_is_deterministic() {
    let input = with_changes();
    assert_eq!(
        order_response(&input).expect("valid"),
        order_response(&input.clone()).expect("valid")
    );
}

#[test]
fn lines_go_with_changes_only() {
    let mut input = with_changes();
    input.lines.clear();
    assert_refused(
        order_response(&input),
        "lines",
        "lines needs at least one entry",
    );
    for status in [OrderResponseStatus::Accepted, OrderResponseStatus::Rejected] {
        let input = OrderResponse {
            status,
            ..with_changes()
        };
        let error = assert_refused(
            order_response(&input),
            "lines[0]",
            &format!(
                "lines[0]: code 5 is not allowed with response status {}",
                status.code()
            ),
        );
        assert!(matches!(error, ComposeError::CodeNotAllowed { .. }));
    }
}

#[test]
fn refuses_a_quantity_without_unit_and_a_unit_without_quantity() {
    let mut input = with_changes();
    input.lines[1].unit_code = None;
    assert_refused(
        order_response(&input),
        "lines[1].unit_code",
        "lines[1].unit_code is required",
    );
    let mut input = with_changes();
    input.lines[1].quantity = None;
    assert_refused(
        order_response(&input),
        "lines[1].quantity",
        "lines[1].quantity is required",
    );
    let mut input = with_changes();
    input.lines[1].quantity = Some(decimal("0"));
    assert_refused(
        order_response(&input),
        "lines[1].quantity",
        "lines[1].quantity must be positive",
    );
    let mut input = with_changes();
    input.lines[1].unit_price = Some(decimal("-58"));
    assert_refused(
        order_response(&input),
        "lines[1].unit_price",
        "lines[1].unit_price must not be negative",
    );
}

#[test]
fn refuses_repeated_order_lines_and_empty_references() {
    let mut input = with_changes();
    input.lines[2].order_line_id = "1".to_owned();
    assert_refused(
        order_response(&input),
        "lines[2].order_line_id",
        "lines[2].order_line_id: line id \"1\" is already used by another line",
    );
    let mut input = with_changes();
    input.lines[0].item_name = String::new();
    assert_refused(
        order_response(&input),
        "lines[0].item_name",
        "lines[0].item_name must not be empty",
    );
    let mut input = accepted();
    input.order_id = String::new();
    assert_refused(
        order_response(&input),
        "order_id",
        "order_id must not be empty",
    );
}

#[test]
fn refuses_parties_without_endpoint_and_backward_delivery_periods() {
    let mut input = accepted();
    input.buyer.endpoint = None;
    assert_refused(
        order_response(&input),
        "buyer.endpoint",
        "buyer.endpoint is required",
    );
    let mut input = accepted();
    input.promised_delivery = Some(Period {
        start: Some(date("2025-04-18")),
        end: Some(date("2025-04-14")),
    });
    assert_refused(
        order_response(&input),
        "promised_delivery.end",
        "promised_delivery.end must not be before promised_delivery.start",
    );
}

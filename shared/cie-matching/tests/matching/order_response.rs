//! Order ↔ order response, on the Peppol and OASIS pairs of the corpus that reference each other.

use cie_domain::Severity;
use cie_matching::{DiscrepancyKind, MatchReport, order_and_response};

use crate::support::{assert_bilingual, corpus, decimal, kinds, lines_of, lines_of_text, read};

fn match_pair(order: &str, response: &str) -> MatchReport {
    let order = lines_of(corpus(order));
    let response = lines_of(corpus(response));
    assert!(
        response.order_references.contains(&order.number),
        "the corpus pair must reference each other"
    );
    let report = order_and_response(&order, &response).expect("kinds fit");
    assert_bilingual(&report);
    report
}

#[test]
fn rejected_and_substituted_lines_are_warnings() {
    let report = match_pair("order/order-uc1.xml", "order/order-response-uc1.xml");

    let rejected: Vec<_> = report.of_kind(DiscrepancyKind::LineRejected).collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].order_line.as_deref(), Some("2"));
    assert_eq!(rejected[0].severity, Severity::Warning);
    let substitute: Vec<_> = report.of_kind(DiscrepancyKind::ItemSubstituted).collect();
    assert_eq!(substitute.len(), 1);
    assert_eq!(substitute[0].order_line.as_deref(), Some("3"));
    assert!(
        substitute[0]
            .actual
            .as_deref()
            .is_some_and(|actual| actual.contains("SN-36")),
        "{:?}",
        substitute[0]
    );
    assert_eq!(kinds(&report).len(), 2, "{:#?}", report.discrepancies);
    assert!(!report.matched);
}

#[test]
fn changed_quantity_and_price_per_base_quantity_are_reported() {
    let report = match_pair("order/order-uc4.xml", "order/order-response-uc4.xml");

    let quantity: Vec<_> = report.of_kind(DiscrepancyKind::QuantityDiffers).collect();
    assert_eq!(quantity.len(), 1);
    assert_eq!(quantity[0].expected.as_deref(), Some("50"));
    assert_eq!(quantity[0].actual.as_deref(), Some("500"));
    let price: Vec<_> = report.of_kind(DiscrepancyKind::PriceDiffers).collect();
    assert_eq!(price.len(), 1);
    assert_eq!(price[0].expected.as_deref(), Some("1 EUR"));
    assert_eq!(
        price[0].actual.as_deref(),
        Some("0.09 EUR"),
        "0.9 EUR per 10 pieces is 0.09 per piece"
    );
    assert_eq!(
        report.balance("1").expect("line 1").confirmed,
        Some(decimal("500"))
    );
}

#[test]
fn a_reduced_quantity_is_reported() {
    let report = match_pair(
        "order/advanced-sc1-order.xml",
        "order/advanced-sc1-orderresponse.xml",
    );

    let quantity: Vec<_> = report.of_kind(DiscrepancyKind::QuantityDiffers).collect();
    assert_eq!(quantity.len(), 1);
    assert_eq!(quantity[0].order_line.as_deref(), Some("1"));
    assert_eq!(quantity[0].expected.as_deref(), Some("10"));
    assert_eq!(quantity[0].actual.as_deref(), Some("5"));
    assert_eq!(kinds(&report), [DiscrepancyKind::QuantityDiffers]);
}

#[test]
fn a_rejected_order_is_reported() {
    let report = match_pair("order/order-uc3.xml", "order/order-response-uc3.xml");

    assert_eq!(kinds(&report), [DiscrepancyKind::OrderRejected]);
    assert!(!report.matched);
}

#[test]
fn accepted_lines_with_extra_seller_ids_match() {
    let report = match_pair("order/order-uc2.xml", "order/order-response-uc2.xml");

    assert!(report.matched, "{:#?}", report.discrepancies);
    assert!(report.discrepancies.is_empty());
}

#[test]
fn oasis_response_answers_lines_by_id_alone() {
    let report = match_pair(
        "oasis-ubl21/UBL-Order-2.1-Example.xml",
        "oasis-ubl21/UBL-OrderResponse-2.1-Example.xml",
    );

    assert!(
        report.discrepancies.is_empty(),
        "{:#?}",
        report.discrepancies
    );
    assert_eq!(report.response.as_deref(), Some("7"));
}

#[test]
fn a_response_line_for_an_item_not_ordered_is_an_error() {
    let order = lines_of(corpus("order/advanced-sc1-order.xml"));
    let text = read(corpus("order/advanced-sc1-orderresponse.xml"));
    let reference =
        "<cac:OrderLineReference>\n      <cbc:LineID>2</cbc:LineID>\n    </cac:OrderLineReference>";
    assert_eq!(text.matches(reference).count(), 1);
    let response = lines_of_text(&text.replacen(reference, "", 1).replacen(
        "<cbc:Name>Item 2</cbc:Name>",
        "<cbc:Name>Item 9</cbc:Name>",
        1,
    ));

    let report = order_and_response(&order, &response).expect("kinds fit");

    let added: Vec<_> = report.of_kind(DiscrepancyKind::ItemNotOrdered).collect();
    assert_eq!(added.len(), 1, "{:#?}", report.discrepancies);
    assert_eq!(added[0].response_line.as_deref(), Some("2"));
    assert!(
        added[0]
            .actual
            .as_deref()
            .is_some_and(|actual| actual.starts_with("Item 9"))
    );
}

/// Matching an order with everything received for it shows its response beside its delivery notes: the
/// response's differences are those it has alone, and the lines not delivered yet are notes.
#[test]
fn an_order_matched_with_everything_names_its_response() {
    let order = lines_of(corpus("order/order-uc1.xml"));
    let response = lines_of(corpus("order/order-response-uc1.xml"));
    let alone = order_and_response(&order, &response).expect("kinds fit");
    let together = cie_matching::order_with(&order, Some(&response), &[], None).expect("kinds fit");
    assert_eq!(together.response.as_deref(), Some(response.number.as_str()));
    let (responses, deliveries): (Vec<_>, Vec<_>) = kinds(&together)
        .into_iter()
        .partition(|kind| *kind != DiscrepancyKind::NotYetDelivered);
    assert_eq!(responses, kinds(&alone));
    assert_eq!(deliveries.len(), order.lines.len(), "nothing delivered yet");
    assert_eq!(together.matched, alone.matched);
    let wrong = cie_matching::order_with(&order, Some(&order), &[], None);
    assert!(wrong.is_err(), "an order is no order response");
}

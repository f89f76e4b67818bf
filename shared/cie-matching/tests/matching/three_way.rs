//! Three-way matching: order ↔ delivery notes ↔ invoice, on the JP PINT summarized-invoice examples with our
//! own order and delivery notes, and on our own set with targeted mutations (one per discrepancy kind).

use cie_domain::Severity;
use cie_matching::{DiscrepancyKind, DocumentLine, LineSet, MatchReport, three_way};

use crate::support::{assert_bilingual, corpus, decimal, kinds, lines_of, mutated, own, single};

fn jp_despatches() -> Vec<LineSet> {
    [
        "jp-despatch-d001-1.xml",
        "jp-despatch-d001-2.xml",
        "jp-despatch-d001-3.xml",
    ]
    .into_iter()
    .map(|file| lines_of(own(file)))
    .collect()
}

fn match_jp(invoice: &str) -> MatchReport {
    let order = lines_of(own("jp-order-po-2023-10.xml"));
    let report =
        three_way(&order, &jp_despatches(), &lines_of(corpus(invoice))).expect("kinds fit");
    assert_bilingual(&report);
    report
}

fn po_100() -> LineSet {
    lines_of(own("order-po-100.xml"))
}

fn da_1() -> LineSet {
    lines_of(own("despatch-da-1.xml"))
}

fn da_2() -> LineSet {
    lines_of(own("despatch-da-2.xml"))
}

fn match_po_100(invoice: LineSet) -> MatchReport {
    match_po_100_with(da_1(), da_2(), invoice)
}

fn match_po_100_with(first: LineSet, second: LineSet, invoice: LineSet) -> MatchReport {
    let report = three_way(&po_100(), &[first, second], &invoice).expect("kinds fit");
    assert_bilingual(&report);
    report
}

fn inv_100() -> LineSet {
    lines_of(own("invoice-inv-100.xml"))
}

fn inv_100_with(from: &str, to: &str) -> LineSet {
    mutated(own("invoice-inv-100.xml"), from, to)
}

#[test]
fn summarized_invoice_pattern_1_matches_its_delivery_notes() {
    let report = match_jp("jp-pint/jp-pint-example3-suminv1.xml");

    assert!(report.matched, "{:#?}", report.discrepancies);
    assert_eq!(
        kinds(&report),
        [DiscrepancyKind::OrderReferenceMissing],
        "the JP example names no order: a note only"
    );
    assert_eq!(report.despatches, ["D001-1", "D001-2", "D001-3"]);
    for (order_line, quantity) in [("1", "5"), ("2", "5"), ("3", "10")] {
        let balance = report.balance(order_line).expect("order line");
        assert_eq!(
            balance.ordered,
            Some(decimal(quantity)),
            "line {order_line}"
        );
        assert_eq!(
            balance.delivered,
            Some(decimal(quantity)),
            "line {order_line}"
        );
        assert_eq!(
            balance.invoiced,
            Some(decimal(quantity)),
            "line {order_line}"
        );
    }
    assert_eq!(report.balance("2").expect("line 2").invoice_lines, ["2"]);
}

#[test]
fn summarized_invoice_pattern_2_bills_whole_delivery_notes() {
    let report = match_jp("jp-pint/jp-pint-example4-suminv2.xml");

    let charges = single(&report, DiscrepancyKind::DeliveryNoteAmountDiffers);
    assert_eq!(charges.invoice_lines, ["1"]);
    assert_eq!(
        charges.expected.as_deref(),
        Some("250000"),
        "5 chairs at 50000"
    );
    assert_eq!(
        charges.actual.as_deref(),
        Some("257500"),
        "the example adds cleaning and delivery charges the order does not have"
    );
    assert!(!report.matched);
    for (order_line, quantity) in [("1", "5"), ("2", "5"), ("3", "10")] {
        let balance = report.balance(order_line).expect("order line");
        assert_eq!(
            balance.invoiced,
            Some(decimal(quantity)),
            "line {order_line}"
        );
    }
    assert_eq!(report.of_kind(DiscrepancyKind::ItemNotOrdered).count(), 0);
}

#[test]
fn summarized_invoice_naming_a_delivery_note_not_supplied_is_flagged() {
    let report = match_jp("jp-pint/jp-pint-example9-suminv1-and-o.xml");

    let missing = single(&report, DiscrepancyKind::DespatchNotFound);
    assert_eq!(missing.invoice_lines, ["4"]);
    assert_eq!(missing.actual.as_deref(), Some("D001-4"));
    assert_eq!(missing.severity, Severity::Warning);
    let chair = single(&report, DiscrepancyKind::ItemNotOrdered);
    assert_eq!(chair.invoice_lines, ["4"]);
    assert_eq!(chair.actual.as_deref(), Some("オフィスチェア"));
    assert!(!report.matched);
}

#[test]
fn delivery_note_numbers_written_as_note_and_line_are_understood() {
    let order = lines_of(own("jp-order-po-2023-10.xml"));
    let note = mutated(
        own("jp-despatch-d001-1.xml"),
        "<cbc:ID>D001-1</cbc:ID>",
        "<cbc:ID>D001</cbc:ID>",
    );
    let invoice = lines_of(corpus("jp-pint/jp-pint-example3-suminv1.xml"));

    let report = three_way(&order, &[note], &invoice).expect("kinds fit");

    assert_eq!(
        report.balance("1").expect("line 1").despatch_lines,
        [DocumentLine {
            document: "D001".into(),
            line: "1".into()
        }]
    );
    let unknown: Vec<_> = report
        .of_kind(DiscrepancyKind::DespatchNotFound)
        .map(|discrepancy| discrepancy.actual.clone())
        .collect();
    assert_eq!(
        unknown,
        [Some("D001-2".to_owned()), Some("D001-3".to_owned())],
        "D001-1 read as line 1 of D001"
    );
}

#[test]
fn consistent_summarized_invoice_over_two_deliveries_matches() {
    let report = match_po_100(inv_100());

    assert!(report.matched, "{:#?}", report.discrepancies);
    let paper = report.balance("1").expect("line 1");
    assert_eq!(
        paper.delivered,
        Some(decimal("100")),
        "60 + 40 over two notes"
    );
    assert_eq!(paper.invoiced, Some(decimal("100")));
    assert_eq!(
        paper.despatch_lines,
        [
            DocumentLine {
                document: "DA-1".into(),
                line: "1".into()
            },
            DocumentLine {
                document: "DA-2".into(),
                line: "1".into()
            }
        ]
    );
    assert_eq!(paper.invoice_lines, ["1", "3"]);
    let note = single(&report, DiscrepancyKind::NotYetDelivered);
    assert_eq!(note.order_line.as_deref(), Some("3"));
    assert_eq!(note.severity, Severity::Info);
    assert!(
        note.message_en.contains("not an error"),
        "{}",
        note.message_en
    );
    assert_eq!(kinds(&report), [DiscrepancyKind::NotYetDelivered]);
}

#[test]
fn invoicing_more_than_delivered_is_an_error() {
    let report = match_po_100(lines_of(own("invoice-inv-100-quantity.xml")));

    let excess = single(&report, DiscrepancyKind::QuantityExceedsDelivered);
    assert_eq!(excess.order_line.as_deref(), Some("1"));
    assert_eq!(excess.expected.as_deref(), Some("100"));
    assert_eq!(excess.actual.as_deref(), Some("105"));
    assert_eq!(excess.invoice_lines, ["1", "3"]);
    assert_eq!(excess.despatch_lines.len(), 2);
    let over_order = single(&report, DiscrepancyKind::QuantityExceedsOrdered);
    assert_eq!(over_order.invoice_lines, ["1", "3"]);
    assert!(!report.matched);
}

#[test]
fn a_different_price_is_an_error_and_base_quantities_are_respected() {
    let report = match_po_100(lines_of(own("invoice-inv-100-price.xml")));

    let price = single(&report, DiscrepancyKind::PriceDiffers);
    assert_eq!(price.order_line.as_deref(), Some("2"));
    assert_eq!(price.invoice_lines, ["2"]);
    assert_eq!(price.expected.as_deref(), Some("12000 JPY"));
    assert_eq!(price.actual.as_deref(), Some("12500 JPY"));
    assert!(
        price
            .location
            .as_ref()
            .is_some_and(|location| location.path.ends_with("a:InvoiceLine[2]")),
        "{price:?}"
    );
    assert!(!report.matched);
}

#[test]
fn over_delivery_is_an_error_and_the_rest_not_yet_invoiced_a_note() {
    let second = mutated(
        own("despatch-da-2.xml"),
        "unitCode=\"BX\">40<",
        "unitCode=\"BX\">50<",
    );

    let report = match_po_100_with(da_1(), second, inv_100());

    let over = single(&report, DiscrepancyKind::QuantityExceedsOrdered);
    assert_eq!(over.expected.as_deref(), Some("100"));
    assert_eq!(over.actual.as_deref(), Some("110"));
    assert!(over.invoice_lines.contains(&"1".to_owned()));
    let pending = single(&report, DiscrepancyKind::NotYetInvoiced);
    assert_eq!(pending.expected.as_deref(), Some("110"));
    assert_eq!(pending.actual.as_deref(), Some("100"));
    assert_eq!(pending.severity, Severity::Info);
}

#[test]
fn a_line_in_another_unit_is_left_out_of_the_sums() {
    let invoice = inv_100_with(
        r#"<b:InvoicedQuantity unitCode="H87">4<"#,
        r#"<b:InvoicedQuantity unitCode="PK">4<"#,
    );

    let report = match_po_100(invoice);

    let unit = single(&report, DiscrepancyKind::UnitDiffers);
    assert_eq!(unit.expected.as_deref(), Some("H87"));
    assert_eq!(unit.actual.as_deref(), Some("PK"));
    assert_eq!(
        report.balance("2").expect("line 2").invoiced,
        Some(decimal("0"))
    );
    assert_eq!(
        single(&report, DiscrepancyKind::NotYetInvoiced)
            .order_line
            .as_deref(),
        Some("2")
    );
}

#[test]
fn a_price_in_another_currency_is_not_compared() {
    let invoice = inv_100_with(
        r#"<b:PriceAmount currencyID="JPY">12000<"#,
        r#"<b:PriceAmount currencyID="USD">12000<"#,
    );

    let report = match_po_100(invoice);

    let currency = single(&report, DiscrepancyKind::CurrencyDiffers);
    assert_eq!(currency.expected.as_deref(), Some("JPY"));
    assert_eq!(currency.actual.as_deref(), Some("USD"));
    assert_eq!(report.of_kind(DiscrepancyKind::PriceDiffers).count(), 0);
}

#[test]
fn an_invoice_naming_another_order_is_an_error() {
    let invoice = inv_100_with("<b:ID>PO-100</b:ID>", "<b:ID>PO-200</b:ID>");

    let report = match_po_100(invoice);

    let reference = single(&report, DiscrepancyKind::OrderReferenceDiffers);
    assert_eq!(reference.expected.as_deref(), Some("PO-100"));
    assert_eq!(reference.actual.as_deref(), Some("PO-200"));
    assert!(!report.matched);
}

#[test]
fn a_variant_spelling_of_the_order_number_is_accepted() {
    let invoice = inv_100_with("<b:ID>PO-100</b:ID>", "<b:ID>ＰＯ－１００</b:ID>");

    let report = match_po_100(invoice);

    assert!(report.matched, "{:#?}", report.discrepancies);
}

#[test]
fn a_reference_to_a_missing_delivery_note_line_is_an_error() {
    let invoice = inv_100_with(
        "<b:LineID>2</b:LineID>\n\t\t\t<a:DocumentReference>",
        "<b:LineID>9</b:LineID>\n\t\t\t<a:DocumentReference>",
    );

    let report = match_po_100(invoice);

    let missing = single(&report, DiscrepancyKind::DespatchLineNotFound);
    assert_eq!(missing.invoice_lines, ["2"]);
    assert_eq!(missing.actual.as_deref(), Some("DA-1 / 9"));
    assert_eq!(
        report.balance("2").expect("line 2").invoiced,
        Some(decimal("4")),
        "still billed against order line 2 through its order line reference"
    );
}

#[test]
fn a_reference_to_a_missing_order_line_is_an_error() {
    let invoice = inv_100_with(
        "<a:OrderLineReference>\n\t\t\t<b:LineID>2</b:LineID>",
        "<a:OrderLineReference>\n\t\t\t<b:LineID>9</b:LineID>",
    );

    let report = match_po_100(invoice);

    let missing = single(&report, DiscrepancyKind::OrderLineNotFound);
    assert_eq!(missing.invoice_lines, ["2"]);
    assert_eq!(missing.actual.as_deref(), Some("9"));
}

#[test]
fn an_explicit_reference_to_a_line_of_another_item_is_a_warning() {
    let invoice = inv_100_with("<b:ID>T-9</b:ID>", "<b:ID>T-10</b:ID>");

    let report = match_po_100(invoice);

    let item = single(&report, DiscrepancyKind::ItemDiffers);
    assert_eq!(item.severity, Severity::Warning);
    assert_eq!(item.order_line.as_deref(), Some("2"));
    assert!(
        item.actual
            .as_deref()
            .is_some_and(|actual| actual.contains("T-10"))
    );
    assert!(!report.matched);
}

#[test]
fn reports_serialize_to_json() {
    let report = match_po_100(lines_of(own("invoice-inv-100-price.xml")));

    let json = serde_json::to_value(&report).expect("serializable");

    assert_eq!(json["matched"], false);
    assert_eq!(json["discrepancies"][0]["kind"], "price_differs");
    assert_eq!(json["discrepancies"][0]["severity"], "error");
    assert_eq!(json["lines"][0]["delivered"], "100");
}

#[test]
fn documents_in_the_wrong_role_are_refused() {
    let error = three_way(&inv_100(), &[da_1()], &inv_100()).expect_err("an invoice is no order");

    assert!(error.to_string().contains("INV-100"), "{error}");
}

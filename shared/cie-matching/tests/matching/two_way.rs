//! Two-way matching: order ↔ invoice and order ↔ delivery notes.

use cie_matching::{DiscrepancyKind, order_and_despatches, order_and_invoice};

use crate::support::{assert_bilingual, corpus, decimal, kinds, lines_of, mutated, own, single};

#[test]
fn order_and_summarized_invoice_match_by_item_name_across_widths() {
    let order = lines_of(own("jp-order-po-2023-10.xml"));
    let invoice = lines_of(corpus("jp-pint/jp-pint-example3-suminv1.xml"));

    let report = order_and_invoice(&order, &invoice).expect("kinds fit");

    assert_bilingual(&report);
    assert!(report.matched, "{:#?}", report.discrepancies);
    assert_eq!(
        report.balance("2").expect("line 2").invoice_lines,
        ["2"],
        "コピー用紙（A4） on the invoice is コピー用紙(A4) on the order"
    );
    assert!(report.lines.iter().all(|line| line.delivered.is_none()));
}

/// Invoice line 3 names its item only as コピー用紙 A4; the delivery note it refers to places it on order
/// line 1 (see the three-way tests), the order alone cannot.
#[test]
fn a_line_placed_only_through_its_delivery_note_is_not_placed_without_it() {
    let order = lines_of(own("order-po-100.xml"));
    let invoice = lines_of(own("invoice-inv-100.xml"));

    let report = order_and_invoice(&order, &invoice).expect("kinds fit");

    let unplaced = single(&report, DiscrepancyKind::ItemNotOrdered);
    assert_eq!(unplaced.invoice_lines, ["3"]);
}

fn invoice_naming_items_in_full(file: &str) -> cie_matching::LineSet {
    mutated(
        own(file),
        "<b:Name>コピー用紙 A4</b:Name>",
        "<b:Name>コピー用紙 A4 500枚x5冊</b:Name>",
    )
}

#[test]
fn invoicing_part_of_an_order_is_a_note() {
    let order = lines_of(own("order-po-100.xml"));
    let invoice = invoice_naming_items_in_full("invoice-inv-100.xml");

    let report = order_and_invoice(&order, &invoice).expect("kinds fit");

    assert!(report.matched, "{:#?}", report.discrepancies);
    let pending = single(&report, DiscrepancyKind::NotYetInvoiced);
    assert_eq!(pending.order_line.as_deref(), Some("3"));
    assert_eq!(pending.expected.as_deref(), Some("10"));
    assert_eq!(pending.actual.as_deref(), Some("0"));
    assert_eq!(
        report.balance("1").expect("line 1").invoiced,
        Some(decimal("100"))
    );
    assert_eq!(
        report.balance("1").expect("line 1").invoice_lines,
        ["1", "3"]
    );
}

#[test]
fn invoicing_more_than_ordered_is_an_error() {
    let order = lines_of(own("order-po-100.xml"));
    let invoice = invoice_naming_items_in_full("invoice-inv-100-quantity.xml");

    let report = order_and_invoice(&order, &invoice).expect("kinds fit");

    let excess = single(&report, DiscrepancyKind::QuantityExceedsOrdered);
    assert_eq!(excess.expected.as_deref(), Some("100"));
    assert_eq!(excess.actual.as_deref(), Some("105"));
    assert_eq!(
        report
            .of_kind(DiscrepancyKind::QuantityExceedsDelivered)
            .count(),
        0
    );
}

#[test]
fn an_invoice_line_for_an_item_not_ordered_is_an_error() {
    let order = lines_of(own("order-po-100.xml"));
    let invoice = mutated(
        own("invoice-inv-100.xml"),
        "<b:Name>トナーカートリッジ 黒</b:Name>",
        "<b:Name>クリアファイル</b:Name>",
    );
    let invoice = cie_matching::LineSet {
        lines: invoice
            .lines
            .into_iter()
            .map(|mut line| {
                if line.id == "2" {
                    line.order_line_ref = None;
                    line.item.seller_id = None;
                }
                line
            })
            .collect(),
        ..invoice
    };

    let report = order_and_invoice(&order, &invoice).expect("kinds fit");

    let stranger = report
        .of_kind(DiscrepancyKind::ItemNotOrdered)
        .find(|discrepancy| discrepancy.invoice_lines == ["2"])
        .expect("line 2 is not ordered");
    assert_eq!(stranger.actual.as_deref(), Some("クリアファイル"));
}

#[test]
fn two_deliveries_add_up_per_order_line() {
    let order = lines_of(own("order-po-100.xml"));
    let despatches = [
        lines_of(own("despatch-da-1.xml")),
        lines_of(own("despatch-da-2.xml")),
    ];

    let report = order_and_despatches(&order, &despatches).expect("kinds fit");

    assert_bilingual(&report);
    assert!(report.matched);
    assert_eq!(kinds(&report), [DiscrepancyKind::NotYetDelivered]);
    assert_eq!(
        report.balance("1").expect("line 1").delivered,
        Some(decimal("100"))
    );
    assert_eq!(report.invoice, None);
    assert!(report.lines.iter().all(|line| line.invoiced.is_none()));
}

#[test]
fn a_delivery_note_of_another_order_is_flagged_per_line() {
    let order = lines_of(own("order-po-100.xml"));
    let despatch = mutated(
        own("despatch-da-1.xml"),
        "<cbc:LineID>2</cbc:LineID>\n\t\t\t<cac:OrderReference>\n\t\t\t\t<cbc:ID>PO-100</cbc:ID>",
        "<cbc:LineID>2</cbc:LineID>\n\t\t\t<cac:OrderReference>\n\t\t\t\t<cbc:ID>PO-999</cbc:ID>",
    );

    let report = order_and_despatches(&order, &[despatch]).expect("kinds fit");

    let other = single(&report, DiscrepancyKind::OrderReferenceDiffers);
    assert_eq!(other.actual.as_deref(), Some("PO-999"));
    assert_eq!(other.despatch_lines[0].line, "2");
    assert_eq!(
        report.balance("2").expect("line 2").delivered,
        Some(decimal("0"))
    );
}

#[test]
fn peppol_despatch_use_cases_reference_order_4321_only() {
    for file in ["uc1", "uc2", "uc3", "uc4", "uc5"] {
        let despatch = lines_of(corpus(&format!("despatch/despatch-advice-{file}.xml")));
        assert_eq!(despatch.order_references, ["4321"], "{file}");
        assert!(
            despatch.lines.iter().all(|line| line
                .order_line_ref
                .as_ref()
                .and_then(|reference| reference.document_id.as_deref())
                == Some("4321")),
            "{file}"
        );
    }
}

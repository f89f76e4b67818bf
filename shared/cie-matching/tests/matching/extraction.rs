//! Line extraction on the official corpus (values read from the files) and on broken documents.

use cie_domain::DocumentKind;
use cie_matching::{ExtractError, LineReference, LineSet};

use crate::support::{corpus, decimal, lines_of, lines_of_text, own};

#[test]
fn peppol_order_lines_carry_quantity_price_and_item_ids() {
    let order = lines_of(corpus("order/order-example.xml"));

    assert_eq!(order.kind, DocumentKind::Order);
    assert_eq!(order.number, "34");
    assert_eq!(order.issue_date.as_deref(), Some("2018-09-01"));
    assert_eq!(order.lines.len(), 2);
    let needle = &order.lines[0];
    assert_eq!(needle.id, "1");
    assert_eq!(needle.quantity, Some(decimal("120")));
    assert_eq!(needle.unit_code.as_deref(), Some("EA"));
    assert_eq!(needle.line_amount, Some(decimal("6300.00")));
    let price = needle.price.as_ref().expect("a price");
    assert_eq!(price.amount, decimal("50.000"));
    assert_eq!(price.currency.as_deref(), Some("NOK"));
    assert_eq!(price.base_quantity, Some(decimal("1")));
    assert_eq!(needle.item.name.as_deref(), Some("Needle 4mm"));
    assert_eq!(needle.item.seller_id.as_deref(), Some("121212"));
    assert_eq!(needle.item.buyer_id.as_deref(), Some("123456"));
    assert_eq!(needle.item.standard_id.as_deref(), Some("7560000012345"));
    assert_eq!(order.lines[1].item.name.as_deref(), Some("Wet tissues"));
    assert_eq!(order.lines[1].quantity, Some(decimal("15")));
}

#[test]
fn line_locations_point_at_the_line_element() {
    let order = lines_of(corpus("order/order-example.xml"));

    let location = &order.lines[1].location;
    assert_eq!(location.path, "/Order/cac:OrderLine[2]");
    assert!(location.line > 1, "{location:?}");
}

#[test]
fn despatch_lines_carry_delivered_quantity_and_order_line_references() {
    let despatch = lines_of(corpus("despatch/despatch-advice-uc5.xml"));

    assert_eq!(despatch.kind, DocumentKind::DespatchAdvice);
    assert_eq!(despatch.number, "1234");
    assert_eq!(despatch.order_references, ["4321"]);
    let ids: Vec<_> = despatch.lines.iter().map(|line| line.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3A", "3B", "4"]);
    let split_a = &despatch.lines[2];
    assert_eq!(split_a.quantity, Some(decimal("3.0")));
    assert_eq!(split_a.unit_code.as_deref(), Some("KGM"));
    assert_eq!(
        split_a.order_line_ref,
        Some(LineReference {
            document_id: Some("4321".into()),
            line_id: "3".into()
        })
    );
    assert_eq!(despatch.lines[3].quantity, Some(decimal("0.975")));
    assert_eq!(
        despatch.lines[4]
            .order_line_ref
            .as_ref()
            .map(|reference| reference.line_id.as_str()),
        Some("5"),
        "line 4 delivers order line 5"
    );
    assert_eq!(despatch.lines[0].document_references, ["doc-30"]);
    assert!(despatch.lines.iter().all(|line| line.price.is_none()));
}

#[test]
fn jp_pint_invoice_reads_order_despatch_and_billing_references() {
    let invoice = lines_of(corpus("jp-pint/jp-pint-example.xml"));

    assert_eq!(invoice.kind, DocumentKind::Invoice);
    assert_eq!(invoice.number, "156");
    assert_eq!(invoice.order_references, ["O-998877"]);
    assert_eq!(invoice.despatch_references, ["despadv-3"]);
    assert_eq!(invoice.invoice_references, ["123"]);
    let first = &invoice.lines[0];
    assert_eq!(first.quantity, Some(decimal("5")));
    assert_eq!(first.unit_code.as_deref(), Some("H87"));
    assert_eq!(first.item.seller_id.as_deref(), Some("97iugug876"));
    assert_eq!(
        first.order_line_ref,
        Some(LineReference {
            document_id: Some("1".into()),
            line_id: "1".into()
        })
    );
    assert_eq!(
        first.despatch_line_ref,
        Some(LineReference {
            document_id: None,
            line_id: "010".into()
        })
    );
    assert_eq!(
        first.document_references,
        ["D001-1"],
        "the invoiced object identifier AB-123 (type 130) is not a delivery note"
    );
}

#[test]
fn summarized_invoice_pattern_1_names_a_delivery_note_per_line() {
    let invoice = lines_of(corpus("jp-pint/jp-pint-example3-suminv1.xml"));

    assert_eq!(invoice.number, "103");
    assert!(invoice.order_references.is_empty());
    assert!(invoice.despatch_references.is_empty());
    let summary: Vec<_> = invoice
        .lines
        .iter()
        .map(|line| {
            (
                line.document_references.clone(),
                line.quantity,
                line.price.as_ref().map(|price| price.amount),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                vec!["D001-1".to_owned()],
                Some(decimal("5")),
                Some(decimal("50000"))
            ),
            (
                vec!["D001-2".to_owned()],
                Some(decimal("5")),
                Some(decimal("500"))
            ),
            (
                vec!["D001-3".to_owned()],
                Some(decimal("10")),
                Some(decimal("349"))
            ),
        ]
    );
    assert_eq!(invoice.lines[0].line_amount, Some(decimal("257500")));
}

#[test]
fn summarized_invoice_pattern_2_bills_a_delivery_note_per_line() {
    let invoice = lines_of(corpus("jp-pint/jp-pint-example4-suminv2.xml"));

    let summary: Vec<_> = invoice
        .lines
        .iter()
        .map(|line| {
            (
                line.item.name.clone(),
                line.quantity,
                line.line_amount,
                line.document_references.len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                Some("D001-1".to_owned()),
                Some(decimal("1")),
                Some(decimal("257500")),
                0
            ),
            (
                Some("D001-2".to_owned()),
                Some(decimal("1")),
                Some(decimal("2500")),
                0
            ),
            (
                Some("D001-3".to_owned()),
                Some(decimal("1")),
                Some(decimal("3490")),
                0
            ),
        ]
    );
}

#[test]
fn return_lines_keep_their_negative_quantity() {
    let invoice = lines_of(corpus("jp-pint/jp-pint-example7-return-quan-itpr.xml"));

    assert_eq!(invoice.lines[0].quantity, Some(decimal("-2")));
    assert_eq!(invoice.lines[0].document_references, ["R001-1"]);
}

#[test]
fn credit_note_lines_use_the_credited_quantity() {
    let credit_note = lines_of(corpus("oasis-ubl21/UBL-CreditNote-2.1-Example.xml"));

    assert_eq!(credit_note.kind, DocumentKind::CreditNote);
    assert_eq!(credit_note.number, "TOSL108");
    assert_eq!(credit_note.order_references, ["123"]);
    let quantities: Vec<_> = credit_note.lines.iter().map(|line| line.quantity).collect();
    assert_eq!(
        quantities,
        [
            Some(decimal("1")),
            Some(decimal("-1")),
            Some(decimal("2")),
            Some(decimal("-1")),
            Some(decimal("250"))
        ]
    );
    assert_eq!(
        credit_note.lines[4].item.seller_id.as_deref(),
        Some("JB011")
    );
}

#[test]
fn oasis_invoice_lines_reference_order_lines() {
    let invoice = lines_of(corpus("oasis-ubl21/UBL-Invoice-2.1-Example.xml"));

    let references: Vec<_> = invoice
        .lines
        .iter()
        .map(|line| line.order_line_ref.as_ref().map(|r| r.line_id.as_str()))
        .collect();
    assert_eq!(
        references,
        [Some("1"), Some("5"), Some("3"), Some("2"), Some("4")]
    );
    assert_eq!(invoice.lines[4].quantity, Some(decimal("250")));
    assert_eq!(
        invoice.lines[4].price.as_ref().map(|price| price.amount),
        Some(decimal("0.75"))
    );
}

#[test]
fn order_response_lines_carry_status_and_substitutes() {
    let response = lines_of(corpus("order/order-response-uc1.xml"));

    assert_eq!(response.kind, DocumentKind::OrderResponse);
    assert_eq!(response.number, "101");
    assert_eq!(response.response_code.as_deref(), Some("CA"));
    assert_eq!(response.order_references, ["1"]);
    let statuses: Vec<_> = response
        .lines
        .iter()
        .map(|line| line.status_code.as_deref())
        .collect();
    assert_eq!(statuses, [Some("5"), Some("7"), Some("3")]);
    assert!(response.lines[0].quantity.is_none());
    let substitute = response.lines[2]
        .substituted_item
        .as_ref()
        .expect("line 3 is substituted");
    assert_eq!(substitute.seller_id.as_deref(), Some("SN-36"));
    assert_eq!(substitute.standard_id.as_deref(), Some("8722700577588"));
    assert_eq!(
        response.lines[2].order_line_ref,
        Some(LineReference {
            document_id: None,
            line_id: "3".into()
        })
    );
}

#[test]
fn order_response_price_keeps_its_base_quantity() {
    let response = lines_of(corpus("order/order-response-uc4.xml"));

    let line = &response.lines[0];
    assert_eq!(line.quantity, Some(decimal("500")));
    let price = line.price.as_ref().expect("a price");
    assert_eq!(price.amount, decimal("0.9"));
    assert_eq!(price.base_quantity, Some(decimal("10")));
    assert_eq!(price.base_unit_code.as_deref(), Some("NAR"));
    assert_eq!(price.per_unit(), Some(decimal("0.09")));
}

#[test]
fn any_namespace_prefix_is_read() {
    let invoice = lines_of(own("invoice-inv-100.xml"));

    assert_eq!(invoice.kind, DocumentKind::Invoice);
    assert_eq!(invoice.number, "INV-100");
    assert_eq!(invoice.despatch_references, ["DA-1", "DA-2"]);
    assert_eq!(invoice.lines.len(), 3);
    assert_eq!(
        invoice.lines[2].location.path,
        "/ubl:Invoice/a:InvoiceLine[3]"
    );
}

#[test]
fn every_corpus_document_of_a_supported_kind_is_read() {
    let folders = [
        "order",
        "despatch",
        "jp-pint",
        "jp-pint-ntr",
        "jp-pint-sb",
        "oasis-ubl21",
    ];
    let mut read = 0;
    for folder in folders {
        for entry in std::fs::read_dir(corpus(folder)).expect("corpus folder") {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).expect("readable");
            match LineSet::parse(&bytes) {
                Ok(lines) => {
                    assert!(!lines.number.is_empty(), "{}", path.display());
                    read += 1;
                }
                Err(ExtractError::UnsupportedDocument { .. }) => {}
                Err(error) => panic!("{}: {error}", path.display()),
            }
        }
    }
    assert!(read >= 40, "only {read} documents read");
}

#[test]
fn unsupported_documents_are_named() {
    let bytes =
        std::fs::read(corpus("invoice-response/invoice-response-example.xml")).expect("readable");

    let error = LineSet::parse(&bytes).expect_err("not a supported kind");

    assert!(
        matches!(&error, ExtractError::UnsupportedDocument { local_name, .. } if local_name == "ApplicationResponse"),
        "{error:?}"
    );
}

const BROKEN_INVOICE: &str = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>X-1</cbc:ID>
  <cac:InvoiceLine>
    <cbc:ID>1</cbc:ID>
    <cbc:InvoicedQuantity unitCode="H87">QUANTITY</cbc:InvoicedQuantity>
  </cac:InvoiceLine>
</Invoice>"#;

#[test]
fn an_unparseable_quantity_is_reported_with_its_path() {
    let error = LineSet::parse(BROKEN_INVOICE.replace("QUANTITY", "1,5").as_bytes())
        .expect_err("1,5 is not a decimal");

    assert_eq!(
        error,
        ExtractError::InvalidDecimal {
            path: "/Invoice/cac:InvoiceLine[1]/cbc:InvoicedQuantity[1]".into(),
            value: "1,5".into()
        }
    );
    assert!(error.to_string().contains("InvoicedQuantity"), "{error}");
}

#[test]
fn a_line_without_id_is_refused() {
    let xml = BROKEN_INVOICE
        .replace("QUANTITY", "1")
        .replace("<cbc:ID>1</cbc:ID>", "");

    let error = LineSet::parse(xml.as_bytes()).expect_err("line id missing");

    assert_eq!(
        error,
        ExtractError::MissingElement {
            path: "/Invoice/cac:InvoiceLine[1]".into(),
            element: "cbc:ID"
        }
    );
}

#[test]
fn malformed_xml_is_an_xml_error() {
    let error = LineSet::parse(b"<Invoice>").expect_err("not well-formed");

    assert!(matches!(error, ExtractError::Xml(_)), "{error:?}");
}

#[test]
fn line_sets_serialize_to_json() {
    let invoice = lines_of_text(&BROKEN_INVOICE.replace("QUANTITY", "1.50"));

    let json = serde_json::to_value(&invoice).expect("serializable");

    assert_eq!(json["kind"], "invoice");
    assert_eq!(json["lines"][0]["quantity"], "1.50");
}

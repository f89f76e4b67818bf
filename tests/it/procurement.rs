//! Duplicates at intake (same number, same content, number variants), documents the city issues (orders
//! and requests for quotation as JSON in, UBL archived for the supplier), and the links and line matching
//! between orders, responses, delivery notes and invoices.

use cie_tests::{Backend, TestApp, fixture};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

fn invoice_numbered(number: &str, note: &str) -> Vec<u8> {
    String::from_utf8(fixture("jp-pint/jp-pint-example.xml"))
        .unwrap()
        .replacen(
            "<cbc:ID>156</cbc:ID>",
            &format!("<cbc:ID>{number}</cbc:ID>"),
            1,
        )
        .replacen("Ordered at trade show", note, 1)
        .into_bytes()
}

async fn created(app: &TestApp, token: &str, bytes: Vec<u8>) -> Value {
    let response = app.submit(token, bytes).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

fn findings_of<'a>(document: &'a Value, rule: &str) -> Vec<&'a Value> {
    document["validation"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .collect()
}

#[rstest]
#[tokio::test]
async fn duplicates_are_flagged_at_intake_naming_the_other_document(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let first = created(&app, &city.supplier_a, invoice_numbered("156", "first")).await;
    let first_id = first["id"].as_i64().unwrap();
    assert!(findings_of(&first, "cie-dup-01").is_empty());

    // Same supplier, same number, other content.
    let again = created(&app, &city.supplier_a, invoice_numbered("156", "again")).await;
    let same_number = findings_of(&again, "cie-dup-01");
    assert_eq!(same_number.len(), 1, "{again}");
    assert_eq!(same_number[0]["severity"], "warning");
    assert!(
        same_number[0]["message_en"]
            .as_str()
            .unwrap()
            .contains(&format!("document {first_id}")),
        "{again}"
    );

    // A variant of the number (label, zero padding, full-width digits), same date and amount.
    let variant = created(
        &app,
        &city.supplier_a,
        invoice_numbered("INV-０１５６", "variant"),
    )
    .await;
    let variants = findings_of(&variant, "cie-dup-03");
    assert_eq!(variants.len(), 1, "{variant}");
    assert!(variants[0]["message_ja"].as_str().unwrap().contains("156"));
    assert!(findings_of(&variant, "cie-dup-01").is_empty());
    // Not a variant: another number.
    let other = created(&app, &city.supplier_a, invoice_numbered("1560", "other")).await;
    assert!(findings_of(&other, "cie-dup-03").is_empty(), "{other}");

    // Exactly the same bytes from another supplier.
    let copied = created(&app, &city.supplier_b, invoice_numbered("156", "first")).await;
    let same_content = findings_of(&copied, "cie-dup-02");
    assert_eq!(same_content.len(), 1, "{copied}");
    // Supplier B reads its own findings: A's document is not named to it.
    for message in ["message_en", "message_ja"] {
        let text = same_content[0][message].as_str().unwrap();
        assert!(!text.contains(&first_id.to_string()), "{text}");
    }

    // The warnings stay with the documents.
    let stored: Value = app
        .get_json(&city.staff, &format!("/api/v1/documents/{}", variant["id"]))
        .await;
    assert_eq!(findings_of(&stored, "cie-dup-03").len(), 1, "{stored}");
}

fn city_party() -> Value {
    json!({
        "name": "テスト市",
        "endpoint": { "id": "7000012050002", "scheme": "0188" },
        "address": { "city_name": "テスト市", "country": "JP" },
        "contact": { "name": "会計課", "telephone": "042-000-0000" }
    })
}

fn supplier_party() -> Value {
    json!({
        "name": "株式会社 〇〇商事",
        "endpoint": { "id": "4011001098993", "scheme": "0188" },
        "registration_number": "T4011001098993"
    })
}

#[rstest]
#[tokio::test]
async fn the_city_issues_an_order_the_supplier_fetches_and_answers_and_the_documents_link_up(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let order = json!({
        "supplier_org_id": city.org_a,
        "order": {
            "id": "PO-2026-001",
            "issue_date": "2026-04-01",
            "response_requested": true,
            "buyer_reference": "R8-000123",
            "buyer": city_party(),
            "seller": supplier_party(),
            "lines": [
                { "id": "1", "item_name": "コピー用紙 A4", "quantity": "10", "unit_code": "H87", "unit_price": "500" },
                { "id": "2", "item_name": "トナー", "quantity": 2, "unit_code": "H87", "unit_price": "8000" }
            ]
        }
    });
    let refused = app
        .post_json(&city.supplier_a, "/api/v1/issued/orders", &order)
        .await;
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "suppliers do not issue orders"
    );
    let mut broken = order.clone();
    broken["order"]["lines"][1]["quantity"] = json!("0");
    let response = app
        .post_json(&city.staff, "/api/v1/issued/orders", &broken)
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_document_input");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("lines[1].quantity"),
        "{body}"
    );

    let response = app
        .post_json(&city.staff, "/api/v1/issued/orders", &order)
        .await;
    let status = response.status();
    let issued: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    assert_eq!(issued["summary"]["kind"], "order");
    assert_eq!(issued["summary"]["number"], "PO-2026-001");
    assert_eq!(issued["validation"]["passed"], true, "{issued}");
    let order_id = issued["id"].as_i64().unwrap();

    // The supplier finds it among its documents and fetches the UBL; the other supplier does not see it.
    let mine: Value = app
        .get_json(&city.supplier_a, "/api/v1/documents?kind=order")
        .await;
    assert_eq!(mine["total"], 1);
    let theirs: Value = app
        .get_json(&city.supplier_b, "/api/v1/documents?kind=order")
        .await;
    assert_eq!(theirs["total"], 0);
    let xml = app
        .get(
            &city.supplier_a,
            &format!("/api/v1/documents/{order_id}/original"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("<cbc:ID>PO-2026-001</cbc:ID>"), "{xml}");
    assert!(xml.contains("コピー用紙 A4"));

    let rfq = json!({
        "supplier_org_id": city.org_a,
        "request": {
            "id": "RFQ-2026-007",
            "issue_date": "2026-04-01",
            "issue_time": "10:00:00",
            "submission_due_date": "2026-04-10",
            "buyer": city_party(),
            "seller": supplier_party(),
            "lines": [ { "id": "1", "item_name": "防災用品一式", "quantity": "1", "unit_code": "H87" } ]
        }
    });
    let response = app
        .post_json(&city.staff, "/api/v1/issued/requests-for-quotation", &rfq)
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["summary"]["kind"], "request_for_quotation");
    let rfq_id = body["id"].as_i64().unwrap();
    // The supplier answers with a quotation (見積書) naming the request: it links back.
    let quotation = String::from_utf8(fixture("quotation/UBL-Quotation-2.1-Example.xml"))
        .unwrap()
        .replace("<cbc:ID>G867B</cbc:ID>", "<cbc:ID>RFQ-2026-007</cbc:ID>");
    let quoted = created(&app, &city.supplier_a, quotation.into_bytes()).await;
    let rfq_links: Value = app
        .get_json(&city.staff, &format!("/api/v1/documents/{rfq_id}/links"))
        .await;
    assert_eq!(
        rfq_links["referenced_by"][0]["id"], quoted["id"],
        "{rfq_links}"
    );
    assert_eq!(rfq_links["referenced_by"][0]["kind"], "quotation");

    // The supplier answers with an order response (注文請書) naming the order: the two link both ways.
    let answer = String::from_utf8(fixture("order/order-response-example.xml"))
        .unwrap()
        .replace("<cbc:ID>11233</cbc:ID>", "<cbc:ID>PO-2026-001</cbc:ID>");
    let answered = created(&app, &city.supplier_a, answer.into_bytes()).await;
    let answer_id = answered["id"].as_i64().unwrap();
    let links: Value = app
        .get_json(
            &city.supplier_a,
            &format!("/api/v1/documents/{order_id}/links"),
        )
        .await;
    assert_eq!(links["document"]["issued_by_city"], true);
    let referring: Vec<i64> = links["referenced_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(referring, [answer_id], "{links}");
    let back: Value = app
        .get_json(&city.staff, &format!("/api/v1/documents/{answer_id}/links"))
        .await;
    let order_ref = back["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "order")
        .unwrap();
    assert_eq!(order_ref["documents"][0]["id"], order_id, "{back}");

    // Its lines do not match the order's: every difference is named.
    let report: Value = app
        .get_json(
            &city.staff,
            &format!("/api/v1/documents/{answer_id}/matching"),
        )
        .await;
    assert_eq!(report["order"], "PO-2026-001", "{report}");
    assert_eq!(report["matched"], false, "{report}");
    assert!(!report["discrepancies"].as_array().unwrap().is_empty());

    // The order's own matching shows the response that answers it.
    let report: Value = app
        .get_json(
            &city.staff,
            &format!("/api/v1/documents/{order_id}/matching"),
        )
        .await;
    assert_eq!(
        report["response"], answered["summary"]["number"],
        "{report}"
    );
    assert_eq!(report["matched"], false, "{report}");
}

/// One of our own matching documents under `tests/own-fixtures/matching/`.
fn own(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("own-fixtures/matching")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[rstest]
#[tokio::test]
async fn a_summarized_invoice_is_matched_against_its_order_and_several_delivery_notes(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let order = app
        .submit_for(&city.staff, city.org_a, own("jp-order-po-2023-10.xml"))
        .await;
    assert_eq!(order.status(), StatusCode::CREATED);
    for note in [
        "jp-despatch-d001-1.xml",
        "jp-despatch-d001-2.xml",
        "jp-despatch-d001-3.xml",
    ] {
        created(&app, &city.supplier_a, own(note)).await;
    }
    // JP PINT example 3 (合算請求書): one invoice over delivery notes D001-1 … D001-3.
    let invoice = created(
        &app,
        &city.supplier_a,
        fixture("jp-pint/jp-pint-example3-suminv1.xml"),
    )
    .await;
    let report: Value = app
        .get_json(
            &city.staff,
            &format!("/api/v1/documents/{}/matching", invoice["id"]),
        )
        .await;
    assert_eq!(report["order"], "PO-2023-10", "{report}");
    assert_eq!(
        report["despatches"].as_array().unwrap().len(),
        3,
        "{report}"
    );
    assert_eq!(report["matched"], true, "{report}");

    // Example 9 also bills delivery note D001-4, which never arrived.
    let example9 = created(
        &app,
        &city.supplier_a,
        fixture("jp-pint/jp-pint-example9-suminv1-and-o.xml"),
    )
    .await;
    let report: Value = app
        .get_json(
            &city.staff,
            &format!("/api/v1/documents/{}/matching", example9["id"]),
        )
        .await;
    let kinds: Vec<&str> = report["discrepancies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"despatch_not_found"), "{report}");
}

#[rstest]
#[tokio::test]
async fn an_order_response_is_matched_against_the_order_line_by_line(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    // Peppol use case 4: the seller answers 500 instead of 50, at 0.9 per 10 pieces instead of 1.
    let order = app
        .submit_for(&city.staff, city.org_a, fixture("order/order-uc4.xml"))
        .await;
    assert_eq!(order.status(), StatusCode::CREATED);
    let response = created(
        &app,
        &city.supplier_a,
        fixture("order/order-response-uc4.xml"),
    )
    .await;
    let report: Value = app
        .get_json(
            &city.supplier_a,
            &format!("/api/v1/documents/{}/matching", response["id"]),
        )
        .await;
    assert_eq!(report["matched"], false, "{report}");
    let kinds: Vec<&str> = report["discrepancies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"quantity_differs"), "{report}");
    assert!(kinds.contains(&"price_differs"), "{report}");
}

/// The inbox names each invoice's problems (worst finding, registry answer, line match, possible
/// duplicate), the invoice page too, and the inbox filters by each.
#[rstest]
#[tokio::test]
async fn the_inbox_shows_each_invoices_problems_and_filters_by_them(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    // An invoice naming an order that was never received: nothing to match.
    let unmatched = created(
        &app,
        &city.supplier_a,
        fixture("jp-pint/jp-pint-example.xml"),
    )
    .await;
    let order = app
        .submit_for(&city.staff, city.org_a, own("jp-order-po-2023-10.xml"))
        .await;
    assert_eq!(order.status(), StatusCode::CREATED);
    for note in [
        "jp-despatch-d001-1.xml",
        "jp-despatch-d001-2.xml",
        "jp-despatch-d001-3.xml",
    ] {
        created(&app, &city.supplier_a, own(note)).await;
    }
    // Matched on arrival: one agrees with its order and delivery notes, one bills a note never received.
    let matched = created(
        &app,
        &city.supplier_a,
        fixture("jp-pint/jp-pint-example3-suminv1.xml"),
    )
    .await;
    let differing = created(
        &app,
        &city.supplier_a,
        fixture("jp-pint/jp-pint-example9-suminv1-and-o.xml"),
    )
    .await;
    // Example 9 carries example 3's number (103) with other content: a possible duplicate.
    let duplicate = &differing;

    let inbox: Vec<Value> = app.get_json(&city.staff, "/api/v1/inbox").await;
    let problems = |id: &Value| {
        inbox
            .iter()
            .find(|c| c["document_id"] == *id)
            .unwrap_or_else(|| panic!("{id} not in the inbox: {inbox:?}"))["problems"]
            .clone()
    };
    assert_eq!(
        problems(&matched["id"])["match_status"],
        "matched",
        "{inbox:?}"
    );
    assert_eq!(problems(&differing["id"])["match_status"], "differences");
    assert_eq!(problems(&unmatched["id"])["match_status"], Value::Null);
    assert_eq!(problems(&duplicate["id"])["possible_duplicate"], true);
    assert_eq!(problems(&matched["id"])["possible_duplicate"], false);
    assert_eq!(
        problems(&matched["id"])["registry_status"],
        "no_registry_data"
    );
    for id in [
        &matched["id"],
        &differing["id"],
        &unmatched["id"],
        &duplicate["id"],
    ] {
        let worst = problems(id)["worst_severity"].clone();
        assert!(
            ["fatal", "error", "warning", "info", "none"].contains(&worst.as_str().unwrap()),
            "{id}: {worst}"
        );
    }

    let ids = |path: &str| {
        let app = &app;
        let token = city.staff.clone();
        let path = path.to_owned();
        async move {
            let listed: Vec<Value> = app.get_json(&token, &path).await;
            let mut ids: Vec<i64> = listed
                .iter()
                .map(|c| c["document_id"].as_i64().unwrap())
                .collect();
            ids.sort_unstable();
            ids
        }
    };
    assert_eq!(
        ids("/api/v1/inbox?match_status=differences").await,
        [differing["id"].as_i64().unwrap()]
    );
    assert_eq!(
        ids("/api/v1/inbox?possible_duplicate=true").await,
        [duplicate["id"].as_i64().unwrap()]
    );
    let with_errors = ids("/api/v1/inbox?severity=error").await;
    let expected: Vec<i64> = inbox
        .iter()
        .filter(|c| ["fatal", "error"].contains(&c["problems"]["worst_severity"].as_str().unwrap()))
        .map(|c| c["document_id"].as_i64().unwrap())
        .collect();
    let mut expected = expected;
    expected.sort_unstable();
    assert_eq!(with_errors, expected);
    let warned = ids("/api/v1/inbox?severity=warning").await;
    assert!(warned.len() >= with_errors.len());

    // The invoice page carries the same.
    let page: Value = app
        .get_json(
            &city.staff,
            &format!("/api/v1/invoices/{}", differing["id"]),
        )
        .await;
    assert_eq!(page["problems"]["match_status"], "differences", "{page}");

    // A filter value that means nothing is refused naming the field.
    let refused = app
        .get(&city.staff, "/api/v1/inbox?match_status=maybe")
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("match_status"),
        "{body}"
    );
}

/// Every archived document reads as a PDF (電帳法 可視性): the Japanese text and amounts come out of
/// `pdftotext`, and a supplier gets only its own.
#[rstest]
#[tokio::test]
async fn an_archived_invoice_reads_as_a_pdf(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let invoice = created(
        &app,
        &city.supplier_a,
        fixture("jp-pint/jp-pint-example.xml"),
    )
    .await;
    let path = format!("/api/v1/documents/{}/pdf", invoice["id"]);
    let response = app.get(&city.staff, &path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let text = cie_tests::pdf_text(&pdf);
    assert!(text.contains("請求書"), "{text}");
    assert!(text.contains("289,490"), "{text}");
    let hidden = app.get(&city.supplier_b, &path).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
}

//! Intake: a document is archived byte for byte, summarised, versioned, and idempotent.

use cie_tests::{Backend, TestApp, fixture};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::Value;

#[rstest]
#[tokio::test]
async fn a_jp_pint_invoice_is_received_summarised_and_returned_byte_for_byte(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let bytes = fixture("jp-pint/jp-pint-example.xml");

    let response = app.submit(&city.supplier_a, bytes.clone()).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let document: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/documents/{}", document["id"]));
    assert_eq!(document["kind"], "invoice");
    assert_eq!(document["number"], "156");
    assert_eq!(document["issue_date"], "2023-10-24");
    assert_eq!(document["status"], "received");
    assert_eq!(document["version"], 1);
    assert_eq!(document["possible_duplicate"], false);
    assert_eq!(document["supplier_org_id"], city.org_a);
    assert_eq!(document["received_at"], "2026-04-01T09:00:00Z");
    let summary = &document["summary"];
    assert_eq!(summary["profile"], "jp_pint_standard");
    assert_eq!(summary["currency"], "JPY");
    assert_eq!(summary["totals"]["tax_exclusive"]["value"], "263490");
    assert_eq!(summary["totals"]["tax"]["value"], "26000");
    assert_eq!(summary["totals"]["payable"]["value"], "289490");

    let original = app
        .get(&city.supplier_a, &format!("{location}/original"))
        .await;
    assert_eq!(original.status(), StatusCode::OK);
    assert_eq!(original.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let shown: Value = app.get_json(&city.staff, &location).await;
    assert_eq!(shown, document, "GET returns what POST answered");
}

#[rstest]
#[tokio::test]
async fn identical_bytes_sent_again_return_the_existing_document(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let bytes = fixture("jp-pint/jp-pint-example1-minimum.xml");

    let first: Value = app
        .submit(&city.supplier_a, bytes.clone())
        .await
        .json()
        .await
        .unwrap();
    let again = app.submit(&city.supplier_a, bytes).await;

    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    let submissions: Value = app.get_json(&city.staff, "/api/v1/submissions").await;
    assert_eq!(submissions["total"], 1, "the repeat is not archived twice");
}

#[rstest]
#[tokio::test]
async fn the_same_number_with_other_bytes_becomes_a_flagged_new_version(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let first_bytes = fixture("jp-pint/jp-pint-example1-minimum.xml");
    let second_bytes = String::from_utf8(first_bytes.clone())
        .unwrap()
        .replace("<cbc:IssueDate>2023-10-24", "<cbc:IssueDate>2023-10-25");

    let first: Value = app
        .submit(&city.supplier_a, first_bytes)
        .await
        .json()
        .await
        .unwrap();
    let second = app.submit(&city.supplier_a, second_bytes).await;

    assert_eq!(second.status(), StatusCode::CREATED);
    let second: Value = second.json().await.unwrap();
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["number"], first["number"]);
    assert_eq!(second["version"], 2);
    assert_eq!(second["possible_duplicate"], true);
    assert_eq!(second["previous_version_id"], first["id"]);
    assert_eq!(second["issue_date"], "2023-10-25");

    let other_supplier = app
        .submit(
            &city.supplier_b,
            fixture("jp-pint/jp-pint-example1-minimum.xml"),
        )
        .await;
    let other: Value = other_supplier.json().await.unwrap();
    assert_eq!(other["version"], 1, "another supplier's number is its own");
}

#[rstest]
#[tokio::test]
async fn city_staff_can_file_a_document_for_a_supplier_organisation(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let response = app
        .submit_for(&city.staff, city.org_b, fixture("order/order-example.xml"))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["kind"], "order");
    assert_eq!(document["supplier_org_id"], city.org_b);
    let visible = app
        .get(
            &city.supplier_b,
            &format!("/api/v1/documents/{}", document["id"]),
        )
        .await;
    assert_eq!(
        visible.status(),
        StatusCode::OK,
        "supplier B sees the order filed for it"
    );

    let unknown = app
        .submit_for(&city.staff, 9999, fixture("order/order-example.xml"))
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[rstest]
#[tokio::test]
async fn documents_are_received_whatever_prefixes_the_sender_uses(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let canonical = String::from_utf8(fixture("jp-pint/jp-pint-example1-minimum.xml")).unwrap();
    let renamed = canonical
        .replace("xmlns:cac=", "xmlns:agg=")
        .replace("xmlns:cbc=", "xmlns:basic=")
        .replace("<cac:", "<agg:")
        .replace("</cac:", "</agg:")
        .replace("<cbc:", "<basic:")
        .replace("</cbc:", "</basic:")
        .replace(
            "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"",
            "<inv:Invoice xmlns:inv=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"",
        )
        .replace("</Invoice>", "</inv:Invoice>");
    assert_ne!(renamed, canonical);

    let a: Value = app
        .submit(&city.supplier_a, canonical)
        .await
        .json()
        .await
        .unwrap();
    let b = app.submit(&city.supplier_b, renamed).await;
    assert_eq!(b.status(), StatusCode::CREATED);
    let b: Value = b.json().await.unwrap();
    assert_eq!(a["summary"], b["summary"]);
}

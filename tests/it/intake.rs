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

#[rstest]
#[tokio::test]
async fn documents_sent_at_once_are_archived_in_one_intact_chain_with_the_right_versions(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    // 48 requests from one address at once: more than a client may have in progress by default.
    let app = TestApp::spawn_with(backend, |config| config.http.max_requests_per_client = 64).await;
    let city = app.city("city-a").await;
    let template = String::from_utf8(fixture("jp-pint/jp-pint-example.xml")).unwrap();
    let numbered = |number: &str, note: &str| {
        template
            .replacen(
                "<cbc:ID>156</cbc:ID>",
                &format!("<cbc:ID>{number}</cbc:ID>"),
                1,
            )
            .replacen("Ordered at trade show", note, 1)
            .into_bytes()
    };
    // 40 distinct invoices, two more versions of number C-1, a copy of C-2's bytes, a variant of C-3's
    // number and four refusals, all at once: batches form in the archive writer.
    let mut bodies: Vec<(String, Vec<u8>)> = (0..40)
        .map(|i| (format!("C-{i}"), numbered(&format!("C-{i}"), "n")))
        .collect();
    bodies.push(("C-1 v".into(), numbered("C-1", "second")));
    bodies.push(("C-1 w".into(), numbered("C-1", "third")));
    bodies.push(("C-2 copy".into(), numbered("C-2", "n")));
    bodies.push(("C-03".into(), numbered("C-03", "n")));
    for i in 0..4 {
        bodies.push((format!("junk {i}"), format!("not xml {i}").into_bytes()));
    }
    let sends = bodies
        .iter()
        .map(|(_, bytes)| app.submit(&city.supplier_a, bytes.clone()));
    let responses = futures::future::join_all(sends).await;
    let mut documents = Vec::new();
    for ((label, _), response) in bodies.iter().zip(responses) {
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        if label.starts_with("junk") {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{label}: {body}");
            assert_eq!(body["code"], "not_xml");
        } else {
            assert!(
                status == StatusCode::CREATED || status == StatusCode::OK,
                "{label}: {body}"
            );
            documents.push((label.clone(), body));
        }
    }
    let versions_of_c1: Vec<i64> = {
        let mut v: Vec<i64> = documents
            .iter()
            .filter(|(_, d)| d["number"] == "C-1")
            .map(|(_, d)| d["version"].as_i64().unwrap())
            .collect();
        v.sort();
        v
    };
    assert_eq!(versions_of_c1, [1, 2, 3], "each version numbered once");
    let copies: Vec<&Value> = documents
        .iter()
        .filter(|(_, d)| d["number"] == "C-2")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(copies.len(), 2);
    assert_eq!(
        copies[0]["id"], copies[1]["id"],
        "identical bytes: one document"
    );

    let search: Value = app
        .get_json(&city.staff, "/api/v1/documents?kind=invoice&per_page=100")
        .await;
    assert_eq!(search["total"], 43, "40 + two versions + one variant");
    let variant_warnings = documents
        .iter()
        .filter(|(_, d)| d["number"] == "C-3" || d["number"] == "C-03")
        .filter(|(_, d)| {
            d["validation"]["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule_id"] == "cie-dup-03")
        })
        .count();
    assert_eq!(
        variant_warnings, 1,
        "the later of C-3 and C-03 names the other"
    );
    let rejected: Value = app
        .get_json(&city.staff, "/api/v1/submissions?outcome=rejected")
        .await;
    assert_eq!(rejected["total"], 4, "{rejected}");
    let report = crate::archive::verify(&app, &city.admin).await;
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(report["entries_checked"], 47, "{report}");
    assert_eq!(report["head_seq"], 47, "{report}");
}

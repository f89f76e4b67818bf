//! Bad input: each kind of broken submission gets its status and stable code, and its bytes are
//! archived as a rejected submission all the same.

use cie_tests::{Backend, TestApp, fixture};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::Value;

fn minimum_invoice() -> String {
    String::from_utf8(fixture("jp-pint/jp-pint-example1-minimum.xml")).unwrap()
}

fn cases() -> Vec<(&'static str, Vec<u8>, StatusCode, &'static str)> {
    let nested = format!(
        "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\">{}{}</Invoice>",
        "<a>".repeat(200),
        "</a>".repeat(200)
    );
    vec![
        (
            "plain text",
            b"this is not XML at all".to_vec(),
            StatusCode::BAD_REQUEST,
            "not_xml",
        ),
        ("empty body", Vec::new(), StatusCode::BAD_REQUEST, "not_xml"),
        (
            "unclosed element",
            minimum_invoice().replace("</Invoice>", "").into_bytes(),
            StatusCode::BAD_REQUEST,
            "not_xml",
        ),
        (
            "Shift_JIS bytes",
            {
                let mut bytes = b"<?xml version=\"1.0\"?><Invoice>".to_vec();
                bytes.extend_from_slice(&[0x8a, 0x94, 0x8e, 0xae]);
                bytes.extend_from_slice(b"</Invoice>");
                bytes
            },
            StatusCode::BAD_REQUEST,
            "not_utf8",
        ),
        (
            "too deep",
            nested.into_bytes(),
            StatusCode::BAD_REQUEST,
            "too_deeply_nested",
        ),
        (
            "doctype",
            minimum_invoice()
                .replacen(
                    "<Invoice ",
                    "<!DOCTYPE Invoice [<!ENTITY x \"y\">]>\n<Invoice ",
                    1,
                )
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "doctype_forbidden",
        ),
        (
            "undeclared entity",
            minimum_invoice()
                .replace("株式会社 〇〇商事", "&company;")
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "entity_forbidden",
        ),
        (
            "unknown root",
            b"<Catalogue xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2\"/>"
                .to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_document_type",
        ),
        (
            "invoice root in a foreign namespace",
            minimum_invoice()
                .replace(
                    "xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"",
                    "xmlns=\"urn:example:invoice\"",
                )
                .into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_document_type",
        ),
        (
            "missing number",
            minimum_invoice()
                .replace("<cbc:ID>156</cbc:ID>", "")
                .into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing_document_number",
        ),
        (
            "missing issue date",
            minimum_invoice()
                .replace("<cbc:IssueDate>2023-10-24</cbc:IssueDate>", "")
                .into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing_issue_date",
        ),
        (
            "impossible issue date",
            minimum_invoice()
                .replace("<cbc:IssueDate>2023-10-24", "<cbc:IssueDate>2023-02-30")
                .into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_issue_date",
        ),
        (
            "over the size limit",
            format!("{}<!--{}-->", minimum_invoice(), "x".repeat(20_000)).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "document_too_large",
        ),
    ]
}

#[rstest]
#[tokio::test]
async fn each_bad_submission_gets_its_code_and_is_archived_as_rejected(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn_with(backend, |config| {
        config.limits.max_document_bytes = 16 * 1024
    })
    .await;
    let city = app.city("city-a").await;

    for (name, bytes, status, code) in cases() {
        let response = app.submit(&city.supplier_a, bytes.clone()).await;

        assert_eq!(response.status(), status, "{name}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], code, "{name}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.len() > 10,
            "{name}: the message explains: {message}"
        );
        let seq = error["archive_seq"]
            .as_i64()
            .unwrap_or_else(|| panic!("{name}: archived"));

        let entry: Value = app
            .get_json(&city.supplier_a, &format!("/api/v1/submissions/{seq}"))
            .await;
        assert_eq!(entry["outcome"], "rejected", "{name}");
        assert_eq!(entry["error_code"], code, "{name}");
        assert_eq!(entry["size_bytes"], bytes.len(), "{name}");
        let original = app
            .get(&city.staff, &format!("/api/v1/submissions/{seq}/original"))
            .await
            .bytes()
            .await
            .unwrap();
        assert_eq!(
            original.as_ref(),
            bytes.as_slice(),
            "{name}: archived byte for byte"
        );
    }

    let rejected: Value = app
        .get_json(&city.staff, "/api/v1/submissions?outcome=rejected")
        .await;
    assert_eq!(rejected["total"], cases().len());
    let documents: Value = app.get_json(&city.staff, "/api/v1/documents").await;
    assert_eq!(
        documents["total"], 0,
        "no rejected submission became a document"
    );
    let report: Value = app
        .post_json(
            &city.admin,
            "/api/v1/admin/verify-archive",
            &serde_json::json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["intact"], true, "{report}");
}

#[rstest]
#[tokio::test]
async fn a_body_past_the_transport_limit_keeps_its_first_part_and_is_refused(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn_with(backend, |config| {
        config.limits.max_document_bytes = 8 * 1024;
        config.limits.max_body_bytes = 32 * 1024;
    })
    .await;
    let city = app.city("city-a").await;
    let body = vec![b'<'; 100 * 1024];

    let response = app.submit(&city.supplier_a, body.clone()).await;

    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "document_too_large");
    let seq = error["archive_seq"].as_i64().unwrap();
    let entry: Value = app
        .get_json(&city.staff, &format!("/api/v1/submissions/{seq}"))
        .await;
    assert_eq!(entry["truncated"], true);
    let kept = app
        .get(&city.staff, &format!("/api/v1/submissions/{seq}/original"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(kept.as_ref(), &body[..32 * 1024]);
}

#[rstest]
#[tokio::test]
async fn a_rejection_loses_nothing_stored_before(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let good: Value = app
        .submit(&city.supplier_a, fixture("jp-pint/jp-pint-example.xml"))
        .await
        .json()
        .await
        .unwrap();
    let bad = app.submit(&city.supplier_a, "<Invoice").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let still: Value = app
        .get_json(&city.staff, &format!("/api/v1/documents/{}", good["id"]))
        .await;
    assert_eq!(still, good);
}

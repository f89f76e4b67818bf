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
        if code == "document_too_large" {
            // Evidence of an oversized body, not the body: its size (above), SHA-256 and first bytes.
            assert_eq!(entry["truncated"], true, "{name}");
            assert_eq!(
                original.as_ref(),
                &bytes[..4096],
                "{name}: its first bytes kept"
            );
        } else {
            assert_eq!(
                original.as_ref(),
                bytes.as_slice(),
                "{name}: archived byte for byte"
            );
        }
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

/// Every route that takes a number as a path parameter, with the method it answers.
const ROUTES_WITH_PARAMETERS: [(&str, &str); 17] = [
    ("GET", "/api/v1/documents/{}"),
    ("GET", "/api/v1/documents/{}/original"),
    ("GET", "/api/v1/documents/{}/links"),
    ("GET", "/api/v1/documents/{}/matching"),
    ("POST", "/api/v1/documents/{}/supplier-org"),
    ("GET", "/api/v1/invoices/{}"),
    ("GET", "/api/v1/invoices/{}/audit"),
    ("POST", "/api/v1/invoices/{}/start-inspection"),
    ("POST", "/api/v1/invoices/{}/return"),
    ("POST", "/api/v1/invoices/{}/inspection"),
    ("POST", "/api/v1/invoices/{}/approval"),
    ("POST", "/api/v1/invoices/{}/payment-order"),
    ("POST", "/api/v1/invoices/{}/payment"),
    ("GET", "/api/v1/admin/supplier-orgs/{}/payment-terms"),
    ("PUT", "/api/v1/admin/supplier-orgs/{}/payment-terms"),
    ("GET", "/api/v1/submissions/{}"),
    ("GET", "/api/v1/submissions/{}/original"),
];

/// Routes that read a query string, each with a parameter given a value of the wrong type.
const ROUTES_WITH_QUERIES: [&str; 7] = [
    "/api/v1/documents?page=abc",
    "/api/v1/documents/export.csv?amount_min=many",
    "/api/v1/invoices?limit=abc",
    "/api/v1/inbox?due_within_days=soon",
    "/api/v1/submissions?page=-x",
    "/api/v1/registry/T7000012050002?on=2026-13-45",
    "/api/v1/documents?supplier_org=first",
];

/// Routes that read a JSON body.
const ROUTES_WITH_BODIES: [(&str, &str); 12] = [
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/issued/orders"),
    ("POST", "/api/v1/issued/requests-for-quotation"),
    ("POST", "/api/v1/invoices/1/return"),
    ("POST", "/api/v1/invoices/1/approval"),
    ("PUT", "/api/v1/admin/workflow-settings"),
    ("PUT", "/api/v1/admin/supplier-orgs/1/payment-terms"),
    ("POST", "/api/v1/admin/supplier-orgs"),
    ("POST", "/api/v1/admin/users"),
    ("POST", "/api/v1/admin/finance-clients"),
    ("POST", "/api/v1/invoices/1/inspection"),
    ("POST", "/api/v1/invoices/1/payment-order"),
];

async fn send(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<(&str, &str)>,
) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some((content_type, body)) = body {
        request = request
            .header("content-type", content_type)
            .body(body.to_owned());
    }
    request.send().await.unwrap()
}

/// The answer is JSON `{code, message}` with `status` and `code`, its message naming `named`.
async fn expect_error(
    response: reqwest::Response,
    what: &str,
    status: StatusCode,
    code: &str,
    named: &str,
) {
    assert_eq!(response.status(), status, "{what}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{what}: {content_type}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{what}: {body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains(named),
        "{what}: {message:?} names {named:?}"
    );
}

#[rstest]
#[tokio::test]
async fn every_malformed_path_query_and_body_is_answered_with_the_json_error(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;

    for (method, route) in ROUTES_WITH_PARAMETERS {
        let path = route.replace("{}", "abc");
        let response = send(&app, &city.admin, method, &path, None).await;
        expect_error(
            response,
            &path,
            StatusCode::BAD_REQUEST,
            "invalid_path",
            "\"abc\"",
        )
        .await;
    }
    for path in ROUTES_WITH_QUERIES {
        let response = send(&app, &city.admin, "GET", path, None).await;
        expect_error(response, path, StatusCode::BAD_REQUEST, "invalid_query", "").await;
    }
    for (method, path) in ROUTES_WITH_BODIES {
        let token = &city.admin;
        let what = format!("{method} {path}");
        let broken = send(&app, token, method, path, Some(("application/json", "{,}"))).await;
        expect_error(
            broken,
            &what,
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "not valid JSON",
        )
        .await;
        let mistyped = send(
            &app,
            token,
            method,
            path,
            Some(("application/json", "[1, 2]")),
        )
        .await;
        expect_error(
            mistyped,
            &what,
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "does not fit",
        )
        .await;
        let as_text = send(&app, token, method, path, Some(("text/plain", "{}"))).await;
        expect_error(
            as_text,
            &what,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "text/plain",
        )
        .await;
    }

    // A missing field is named.
    let response = send(
        &app,
        &city.admin,
        "POST",
        "/api/v1/admin/users",
        Some(("application/json", "{\"username\": \"x\"}")),
    )
    .await;
    expect_error(
        response,
        "a user without a password",
        StatusCode::BAD_REQUEST,
        "invalid_json",
        "password",
    )
    .await;

    // A method a route does not take, and a route that does not exist.
    let response = send(&app, &city.admin, "DELETE", "/api/v1/documents", None).await;
    expect_error(
        response,
        "DELETE /documents",
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "method",
    )
    .await;
    let response = send(&app, &city.admin, "GET", "/api/v1/health", None).await;
    expect_error(
        response,
        "/api/v1/health",
        StatusCode::NOT_FOUND,
        "not_found",
        "/api/v1/health",
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn a_step_whose_fields_are_all_optional_needs_no_body(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let response = app
        .submit(&city.supplier_a, fixture("jp-pint/jp-pint-example.xml"))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let start = send(
        &app,
        &city.staff,
        "POST",
        &format!("/api/v1/invoices/{id}/start-inspection"),
        None,
    )
    .await;
    assert_eq!(
        start.status(),
        StatusCode::OK,
        "{}",
        start.text().await.unwrap()
    );

    let inspected = send(
        &app,
        &city.staff,
        "POST",
        &format!("/api/v1/invoices/{id}/inspection"),
        None,
    )
    .await;

    assert_eq!(
        inspected.status(),
        StatusCode::OK,
        "{}",
        inspected.text().await.unwrap()
    );
}

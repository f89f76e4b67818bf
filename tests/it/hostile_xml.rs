//! Hostile XML at intake: characters outside XML 1.0, `]]>` in text, an XML 1.1 declaration, an
//! overlong document number, an overlong element name and an element with tens of thousands of
//! attributes are each refused with their code and a message saying where and what, archived as
//! rejected, and never become a document.

use std::time::{Duration, Instant};

use cie_tests::{Backend, TestApp, fixture};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::Value;

/// The JP PINT example, the base every case mutates.
fn example() -> String {
    String::from_utf8(fixture("jp-pint/jp-pint-example.xml")).unwrap()
}

/// The example with the seller's name (line 104, where the name starts at column 27) followed by
/// `inserted`.
fn in_supplier_name(inserted: &str) -> Vec<u8> {
    example()
        .replacen(
            "株式会社 〇〇商事</cbc:RegistrationName>",
            &format!("株式会社 〇〇商事{inserted}</cbc:RegistrationName>"),
            1,
        )
        .into_bytes()
}

/// Name, bytes, status, code, and what the message must contain.
type Case = (&'static str, Vec<u8>, StatusCode, &'static str, Vec<String>);

fn cases() -> Vec<Case> {
    let bad = StatusCode::BAD_REQUEST;
    let at = "line 104, column 36".to_owned();
    let attributes: String = (0..50_000).map(|n| format!(" a{n}=\"v\"")).collect();
    vec![
        (
            "NUL in the supplier name",
            in_supplier_name("\u{0}"),
            bad,
            "not_xml",
            vec![at.clone(), "U+0000".to_owned()],
        ),
        (
            "U+0001",
            in_supplier_name("\u{1}"),
            bad,
            "not_xml",
            vec![at.clone(), "U+0001".to_owned()],
        ),
        (
            "U+001B",
            in_supplier_name("\u{1B}"),
            bad,
            "not_xml",
            vec![at.clone(), "U+001B".to_owned()],
        ),
        (
            "U+FFFF",
            in_supplier_name("\u{FFFF}"),
            bad,
            "not_xml",
            vec![at.clone(), "U+FFFF".to_owned()],
        ),
        (
            "]]> in text",
            in_supplier_name("]]>"),
            bad,
            "not_xml",
            vec![at, "]]>".to_owned()],
        ),
        (
            "XML 1.1 declaration",
            example()
                .replacen("version=\"1.0\"", "version=\"1.1\"", 1)
                .into_bytes(),
            bad,
            "not_xml",
            vec!["line 1, column 1".to_owned(), "\"1.1\"".to_owned()],
        ),
        (
            "200,000-character number",
            example()
                .replacen(
                    "<cbc:ID>156</cbc:ID>",
                    &format!("<cbc:ID>{}</cbc:ID>", "1".repeat(200_000)),
                    1,
                )
                .into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "document_number_too_long",
            vec![
                "cbc:ID".to_owned(),
                "200000 characters".to_owned(),
                "limit of 200".to_owned(),
            ],
        ),
        (
            "50,000 attributes",
            example()
                .replacen(
                    "<cbc:ID>156</cbc:ID>",
                    &format!("<cbc:ID{attributes}>156</cbc:ID>"),
                    1,
                )
                .into_bytes(),
            bad,
            "too_many_attributes",
            vec![
                "<cbc:ID>".to_owned(),
                "line 10".to_owned(),
                "50000 attributes".to_owned(),
            ],
        ),
        (
            "a 100,000-byte element name",
            example()
                .replacen(
                    "<cbc:ID>156</cbc:ID>",
                    &format!("<cbc:{0}>156</cbc:{0}>", "X".repeat(100_000)),
                    1,
                )
                .into_bytes(),
            bad,
            "name_too_long",
            vec![
                "100004 bytes".to_owned(),
                "line 10".to_owned(),
                "limit of 1024".to_owned(),
            ],
        ),
    ]
}

#[rstest]
#[tokio::test]
async fn hostile_xml_is_refused_archived_and_never_a_document(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;

    for (name, bytes, status, code, mentions) in cases() {
        let started = Instant::now();
        let response = app.submit(&city.supplier_a, bytes.clone()).await;
        assert_eq!(response.status(), status, "{name}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{name}: took {:?}",
            started.elapsed()
        );
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], code, "{name}: {error}");
        let message = error["message"].as_str().unwrap();
        for mention in &mentions {
            assert!(message.contains(mention.as_str()), "{name}: {message}");
        }
        let seq = error["archive_seq"]
            .as_i64()
            .unwrap_or_else(|| panic!("{name}: archived"));
        let entry: Value = app
            .get_json(&city.supplier_a, &format!("/api/v1/submissions/{seq}"))
            .await;
        assert_eq!(entry["outcome"], "rejected", "{name}");
        assert_eq!(entry["error_code"], code, "{name}");
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

    let documents: Value = app.get_json(&city.staff, "/api/v1/documents").await;
    assert_eq!(
        documents["total"], 0,
        "no hostile submission became a document"
    );

    // The unmutated example is still accepted.
    let response = app.submit(&city.supplier_a, example().into_bytes()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let documents: Value = app.get_json(&city.staff, "/api/v1/documents").await;
    assert_eq!(documents["total"], 1);
}

#[rstest]
#[tokio::test]
async fn hostile_xml_is_refused_by_validate_too(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    for (name, bytes, _, code, _) in cases() {
        let response = app.pre_check(&city.supplier_a, bytes).await;
        assert!(response.status().is_client_error(), "{name}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], code, "{name}: {error}");
    }
}

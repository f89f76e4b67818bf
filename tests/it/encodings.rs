//! Documents in the encodings Japanese business software writes (issue 15): an invoice sent as Shift_JIS,
//! Windows-31J, EUC-JP or UTF-16 (either byte order) is read, validated and summarised as its UTF-8 twin is,
//! its bytes are archived as sent, the archive search finds it by its supplier's Japanese name and its number, and
//! its PDF shows its Japanese text; bytes invalid in the declared encoding
//! are refused with their offset, and an encoding not read here is refused by name.

use cie_tests::{Backend, pdf_text};
use encoding_rs::{EUC_JP, Encoding, SHIFT_JIS};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::Value;

use crate::workflow::{invoice, spawn, submit};

/// The example invoice numbered `number`, declaring `name` in its XML declaration.
fn declaring(number: &str, name: &str) -> String {
    String::from_utf8(invoice(number)).unwrap().replacen(
        "encoding=\"UTF-8\"",
        &format!("encoding=\"{name}\""),
        1,
    )
}

fn legacy(encoding: &'static Encoding, text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding.encode(text);
    assert!(!unmappable, "the example is written in {}", encoding.name());
    bytes.into_owned()
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut bytes = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        bytes.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    bytes
}

/// The rule ids of a document's findings, the duplicate hints aside (the twins share dates and amounts).
fn rule_ids(document: &Value) -> Vec<String> {
    let mut ids: Vec<String> = document["validation"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_owned())
        .filter(|id| !id.starts_with("cie-dup"))
        .collect();
    ids.sort();
    ids
}

#[rstest]
#[tokio::test]
async fn invoices_in_japanese_legacy_encodings_and_utf16_read_as_their_utf8_twin(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let twin_id = submit(&app, &city.supplier_a, invoice("ENC-UTF8")).await;
    let twin: Value = app
        .get_json(&city.supplier_a, &format!("/api/v1/documents/{twin_id}"))
        .await;
    assert_eq!(twin["summary"]["supplier"]["name"], "株式会社 〇〇商事");

    let sent: Vec<(&str, Vec<u8>)> = vec![
        (
            "Shift_JIS",
            legacy(SHIFT_JIS, &declaring("ENC-SJIS", "Shift_JIS")),
        ),
        (
            "Windows-31J",
            legacy(SHIFT_JIS, &declaring("ENC-31J", "Windows-31J")),
        ),
        ("EUC-JP", legacy(EUC_JP, &declaring("ENC-EUC", "EUC-JP"))),
        // Java's names, which the official validator reads.
        ("eucJP", legacy(EUC_JP, &declaring("ENC-EUCJAVA", "eucJP"))),
        (
            "windows-932",
            legacy(SHIFT_JIS, &declaring("ENC-932", "windows-932")),
        ),
        ("UTF-16LE", utf16(&declaring("ENC-U16LE", "UTF-16"), false)),
        ("UTF-16BE", utf16(&declaring("ENC-U16BE", "UTF-16"), true)),
    ];
    let mut sent_ids = Vec::new();
    for (name, bytes) in sent {
        let response = app.submit(&city.supplier_a, bytes.clone()).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{name}: {body}");
        let id = body["id"].as_i64().unwrap();
        let document: Value = app
            .get_json(&city.supplier_a, &format!("/api/v1/documents/{id}"))
            .await;
        assert_eq!(
            document["summary"]["supplier"], twin["summary"]["supplier"],
            "{name}"
        );
        assert_eq!(
            document["summary"]["buyer"], twin["summary"]["buyer"],
            "{name}"
        );
        assert_eq!(
            document["summary"]["totals"], twin["summary"]["totals"],
            "{name}"
        );
        assert_eq!(
            rule_ids(&document),
            rule_ids(&twin),
            "{name}: the same findings"
        );
        let original = app
            .get_bytes(
                &city.supplier_a,
                &format!("/api/v1/documents/{id}/original"),
            )
            .await;
        assert_eq!(original, bytes, "{name}: archived as sent");
        let pdf = app
            .get_bytes(&city.supplier_a, &format!("/api/v1/documents/{id}/pdf"))
            .await;
        assert!(pdf.starts_with(b"%PDF"), "{name}: a PDF");
        let text = pdf_text(&pdf);
        assert!(text.contains("〇〇商事"), "{name}: {text}");
        sent_ids.push((name, id));
    }

    // The archive search finds each of them by the supplier's Japanese name and by its number, and lists it
    // under that name.
    let by_name: Value = app
        .get_json(
            &city.staff,
            "/api/v1/documents?counterparty=%E3%80%87%E3%80%87%E5%95%86%E4%BA%8B&per_page=50",
        )
        .await;
    let items = by_name["items"].as_array().unwrap();
    for (name, id) in &sent_ids {
        let item = items
            .iter()
            .find(|item| item["id"] == *id)
            .unwrap_or_else(|| panic!("{name}: not found by 〇〇商事 in {by_name}"));
        assert_eq!(
            item["summary"]["supplier"]["name"], "株式会社 〇〇商事",
            "{name}: {item}"
        );
        let number = item["number"].as_str().unwrap().to_owned();
        let by_number: Value = app
            .get_json(&city.staff, &format!("/api/v1/documents?number={number}"))
            .await;
        let ids: Vec<&Value> = by_number["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| &item["id"])
            .collect();
        assert_eq!(ids, [&Value::from(*id)], "{name}: by number {number}");
    }
}

#[rstest]
#[tokio::test]
async fn bytes_invalid_in_their_encoding_and_unread_encodings_are_refused_clearly(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let text = declaring("ENC-BAD", "Shift_JIS");
    let mut broken = legacy(SHIFT_JIS, &text);
    let at = broken.len() - "</Invoice>".len();
    broken.insert(at, 0xA0);
    let response = app.submit(&city.supplier_a, broken).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_encoding", "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("Shift_JIS") && message.contains(&format!("offset {at}")),
        "{message}"
    );
    // Located in the text as decoded: the line, the column in characters, and the elements open there.
    let before = &text[..text.rfind("</Invoice>").unwrap()];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    assert_eq!(body["location"]["line"], line, "{body}");
    assert_eq!(body["location"]["column"], column, "{body}");
    assert_eq!(body["location"]["path"], "/Invoice", "{body}");
    assert!(
        body["message_ja"]
            .as_str()
            .unwrap()
            .contains(&format!("{line} 行 {column} 文字目")),
        "{body}"
    );

    let response = app
        .submit(
            &city.supplier_a,
            declaring("ENC-JIS", "ISO-2022-JP").into_bytes(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unsupported_encoding", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("ISO-2022-JP"),
        "{body}"
    );
    assert!(
        body["message_ja"].as_str().unwrap().contains("ISO-2022-JP"),
        "{body}"
    );
    assert_eq!(body["location"]["line"], 1, "in the declaration: {body}");

    // UTF-32, known by its first bytes, is named too (not read as UTF-8 up to its first bad byte).
    let utf32: Vec<u8> = declaring("ENC-UTF32", "UTF-32")
        .chars()
        .flat_map(|c| u32::from(c).to_le_bytes())
        .collect();
    let response = app.submit(&city.supplier_a, utf32).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unsupported_encoding", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("\"UTF-32\""),
        "{body}"
    );

    let checked = app
        .pre_check(
            &city.supplier_a,
            legacy(SHIFT_JIS, &declaring("ENC-CHECK", "Shift_JIS")),
        )
        .await;
    assert_eq!(
        checked.status(),
        StatusCode::OK,
        "the validator reads it too"
    );
}

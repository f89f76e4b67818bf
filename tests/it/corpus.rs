//! The corpus: every sample document (official JP PINT, Peppol, OASIS examples and our mutants) goes in
//! and comes back byte for byte with the right summary.

use cie_tests::{Backend, TestApp, all_fixtures, fixture};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::Value;

/// The kind the root element names, read without the server's parser.
fn expected_kind(bytes: &[u8]) -> &'static str {
    let text = String::from_utf8_lossy(bytes);
    let mut rest = text.as_ref();
    let root = loop {
        let start = rest.find('<').expect("a root element");
        rest = &rest[start + 1..];
        if rest.starts_with('?') || rest.starts_with('!') {
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap();
        break &rest[..end];
    };
    let local = root.rsplit(':').next().unwrap();
    match local {
        "Invoice" => "invoice",
        "CreditNote" => "credit_note",
        "Quotation" => "quotation",
        "RequestForQuotation" => "request_for_quotation",
        "Order" => "order",
        "OrderResponse" => "order_response",
        "OrderResponseSimple" => "order_response_simple",
        "OrderChange" => "order_change",
        "OrderCancellation" => "order_cancellation",
        "DespatchAdvice" => "despatch_advice",
        "ReceiptAdvice" => "receipt_advice",
        "ApplicationResponse" => "invoice_response",
        other => panic!("unexpected root {other}"),
    }
}

/// Files the official validator fails (its verdicts, `schemas/jp-pint-1.1.3/example-verdicts.tsv`, and the
/// JP PINT 1.1.3 verdicts of the documents judged differently by 1.1.2 and 1.1.3,
/// `tests/fixtures/jp-pint-versions/VERDICTS.tsv`).
fn officially_failing() -> Vec<String> {
    let versions = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/jp-pint-versions/VERDICTS.tsv"
    ))
    .unwrap();
    let differing = versions.lines().skip(1).filter_map(|line| {
        let fields: Vec<&str> = line.split('\t').collect();
        (fields.get(2) == Some(&"1.1.3") && fields.get(3) == Some(&"fail"))
            .then(|| format!("jp-pint-versions/{}", fields[0]))
    });
    let verdicts = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../schemas/jp-pint-1.1.3/example-verdicts.tsv"
    ))
    .unwrap();
    verdicts
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (fields.get(3) == Some(&"fail")).then(|| fields[0].to_owned())
        })
        .chain(differing)
        .collect()
}

/// Official Peppol advanced-ordering samples that go beyond UBL 2.1 (an OrderResponse with
/// `cac:OrderChangeDocumentReference`): `xmllint --schema` and the schema check refuse them alike.
const BEYOND_UBL_21: [&str; 2] = [
    "order/advanced-sc2-orderresponse.xml",
    "order/order-response-advanced-example.xml",
];

#[rstest]
#[tokio::test]
async fn every_corpus_file_round_trips_byte_for_byte(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let files = all_fixtures();
    assert!(
        files.len() > 100,
        "the whole corpus is in tests/fixtures ({} files)",
        files.len()
    );
    let mut failing = officially_failing();
    assert!(failing.len() > 20, "the official verdicts are read");
    failing.extend(BEYOND_UBL_21.map(str::to_owned));

    for file in &files {
        let bytes = fixture(file);
        let response = app.submit(&city.supplier_a, bytes.clone()).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        let document_id = if failing.contains(file) {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{file}: {body}");
            assert_eq!(body["code"], "document_rejected", "{file}");
            assert!(!body["findings"].as_array().unwrap().is_empty(), "{file}");
            let id = body["document_id"].clone();
            let document: Value = app
                .get_json(&city.supplier_a, &format!("/api/v1/documents/{id}"))
                .await;
            assert_eq!(document["status"], "rejected", "{file}");
            assert_eq!(document["kind"], expected_kind(&bytes), "{file}");
            id
        } else {
            assert!(
                status == StatusCode::CREATED || status == StatusCode::OK,
                "{file}: {status} {body}"
            );
            assert_eq!(body["kind"], expected_kind(&bytes), "{file}");
            assert!(!body["number"].as_str().unwrap().is_empty(), "{file}");
            body["id"].clone()
        };
        let original = app
            .get(
                &city.supplier_a,
                &format!("/api/v1/documents/{document_id}/original"),
            )
            .await
            .bytes()
            .await
            .unwrap();
        assert_eq!(
            original.as_ref(),
            bytes.as_slice(),
            "{file} comes back byte for byte"
        );
    }
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
    assert_eq!(report["intact"], true);
}

struct Expected {
    file: &'static str,
    profile: &'static str,
    number: &'static str,
    issue_date: &'static str,
    currency: &'static str,
    tax_exclusive: &'static str,
    tax: &'static str,
    payable: &'static str,
    breakdown: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

const STANDARD_BREAKDOWN: &[(&str, &str, &str, &str)] =
    &[("S", "10", "260000", "26000"), ("E", "0", "3490", "0")];

/// Totals read from the official JP PINT 1.1.3 examples.
const JP_PINT: &[Expected] = &[
    Expected {
        file: "jp-pint/jp-pint-example.xml",
        profile: "jp_pint_standard",
        number: "156",
        issue_date: "2023-10-24",
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "26000",
        payable: "289490",
        breakdown: STANDARD_BREAKDOWN,
    },
    Expected {
        file: "jp-pint/jp-pint-example1-minimum.xml",
        profile: "jp_pint_standard",
        number: "156",
        issue_date: "2023-10-24",
        currency: "JPY",
        tax_exclusive: "255990",
        tax: "25250",
        payable: "281240",
        breakdown: &[("S", "10", "252500", "25250"), ("E", "0", "3490", "0")],
    },
    Expected {
        file: "jp-pint/jp-pint-example2-taxacctcur.xml",
        profile: "jp_pint_standard",
        number: "156",
        issue_date: "2023-10-24",
        currency: "EUR",
        tax_exclusive: "2500",
        tax: "250",
        payable: "2750",
        breakdown: &[("S", "10", "2500", "250")],
    },
    Expected {
        file: "jp-pint/jp-pint-example3-suminv1.xml",
        profile: "jp_pint_standard",
        number: "103",
        issue_date: "2023-11-01",
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "26000",
        payable: "289490",
        breakdown: STANDARD_BREAKDOWN,
    },
    Expected {
        file: "jp-pint/jp-pint-example7-return-quan-itpr.xml",
        profile: "jp_pint_standard",
        number: "156",
        issue_date: "2023-10-25",
        currency: "JPY",
        tax_exclusive: "-100000",
        tax: "-10000",
        payable: "-110000",
        breakdown: &[("S", "10", "-100000", "-10000")],
    },
    Expected {
        file: "jp-pint/jp-pint-example9-suminv1-and-o.xml",
        profile: "jp_pint_standard",
        number: "103",
        issue_date: "2023-11-01",
        currency: "JPY",
        tax_exclusive: "333490",
        tax: "26000",
        payable: "359490",
        breakdown: &[],
    },
    Expected {
        file: "jp-pint-sb/jp-pint-sb-example.xml",
        profile: "jp_pint_self_billing",
        number: "156",
        issue_date: "2023-10-24",
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "26000",
        payable: "289490",
        breakdown: STANDARD_BREAKDOWN,
    },
    Expected {
        file: "jp-pint-ntr/jp-pint-ntr-example.xml",
        profile: "jp_pint_non_tax_registered",
        number: "156",
        issue_date: "2023-10-24",
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "0",
        payable: "263490",
        breakdown: &[],
    },
    Expected {
        file: "jp-pint-ntr/jp-pint-ntr-example1-minimum.xml",
        profile: "jp_pint_non_tax_registered",
        number: "156",
        issue_date: "2023-10-24",
        currency: "JPY",
        tax_exclusive: "255990",
        tax: "0",
        payable: "255990",
        breakdown: &[],
    },
];

#[rstest]
#[tokio::test]
async fn jp_pint_examples_give_their_official_totals(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    for expected in JP_PINT {
        let response = app.submit(&city.supplier_a, fixture(expected.file)).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{}", expected.file);
        let document: Value = response.json().await.unwrap();
        let summary = &document["summary"];
        let file = expected.file;
        assert_eq!(summary["profile"], expected.profile, "{file}");
        assert_eq!(summary["number"], expected.number, "{file}");
        assert_eq!(summary["issue_date"], expected.issue_date, "{file}");
        assert_eq!(summary["currency"], expected.currency, "{file}");
        assert_eq!(
            summary["totals"]["tax_exclusive"]["value"], expected.tax_exclusive,
            "{file}"
        );
        assert_eq!(summary["totals"]["tax"]["value"], expected.tax, "{file}");
        assert_eq!(
            summary["totals"]["payable"]["value"], expected.payable,
            "{file}"
        );
        if !expected.breakdown.is_empty() {
            let breakdown: Vec<(String, String, String, String)> = summary["tax_breakdown"]
                .as_array()
                .unwrap()
                .iter()
                .map(|line| {
                    (
                        line["category"].as_str().unwrap().to_owned(),
                        line["percent"].as_str().unwrap_or_default().to_owned(),
                        line["taxable"]["value"].as_str().unwrap().to_owned(),
                        line["tax"]["value"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            let wanted: Vec<(String, String, String, String)> = expected
                .breakdown
                .iter()
                .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
                .collect();
            assert_eq!(breakdown, wanted, "{file}");
        }
    }
}

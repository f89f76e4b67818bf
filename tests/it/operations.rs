//! Operating the service: readiness (`/ready` says whether the database answers and the archive writer
//! takes work), the Prometheus metrics a scraper reads with its token (intake by outcome and kind,
//! validation and request durations, the writer's batches and queue, the pools, the registry's age, open
//! invoices near their deadline) and the request id every answer carries.

use chrono::Duration;
use cie_tests::{Backend, TestApp};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::Value;

use crate::workflow::invoice;

const SCRAPE_TOKEN: &str = "scrape-token-for-tests";

/// The value of the sample `name{labels}` (labels as written, in order), if the scrape has it.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(SCRAPE_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    response.text().await.unwrap()
}

#[rstest]
#[tokio::test]
async fn metrics_count_intake_validation_requests_the_writer_and_deadlines(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn_with(backend, |config| {
        config.metrics.token = Some(SCRAPE_TOKEN.into());
        config.auth.token_ttl_minutes = 24 * 60 * 365;
    })
    .await;
    let city = app.city("metrics-city").await;

    for (token, expected) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some("not-the-token"), StatusCode::UNAUTHORIZED),
    ] {
        let mut request = app.client.get(app.url("/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), expected, "token {token:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "unauthenticated", "{body}");
    }

    let accepted = app.submit(&city.supplier_a, invoice("M-1")).await;
    assert_eq!(accepted.status(), StatusCode::CREATED);
    let again = app.submit(&city.supplier_a, invoice("M-1")).await;
    assert!(again.status().is_success(), "{}", again.status());
    let bad_code = String::from_utf8(invoice("M-2")).unwrap().replacen(
        "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>",
        "<cbc:InvoiceTypeCode>999</cbc:InvoiceTypeCode>",
        1,
    );
    let rejected = app.submit(&city.supplier_a, bad_code.into_bytes()).await;
    assert_eq!(rejected.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = app
        .submit(&city.supplier_a, b"<Invoice><unclosed></Invoice>".to_vec())
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);

    let text = scrape(&app).await;
    for (series, value) in [
        (
            "cie_intake_documents_total{kind=\"invoice\",outcome=\"accepted\"}",
            1.0,
        ),
        (
            "cie_intake_documents_total{kind=\"invoice\",outcome=\"already_received\"}",
            1.0,
        ),
        (
            "cie_intake_documents_total{kind=\"invoice\",outcome=\"rejected\"}",
            1.0,
        ),
        (
            "cie_intake_documents_total{kind=\"unknown\",outcome=\"refused\"}",
            1.0,
        ),
        ("cie_registry_imported", 0.0),
        ("cie_archive_queue_depth", 0.0),
    ] {
        assert_eq!(sample(&text, series), Some(value), "{series} in\n{text}");
    }
    assert!(sample(&text, "cie_validation_seconds_count").unwrap() >= 2.0);
    assert!(sample(&text, "cie_archive_batch_size_count").unwrap() >= 3.0);
    assert!(sample(&text, "cie_archive_batch_seconds_bucket{le=\"+Inf\"}").unwrap() >= 3.0);
    assert_eq!(
        sample(
            &text,
            "cie_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/documents\",status=\"2xx\"}"
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "cie_http_request_duration_seconds_count{method=\"GET\",route=\"/metrics\",status=\"4xx\"}"
        ),
        Some(2.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            "cie_database_connections{pool=\"write\",state=\"max\"}"
        )
        .unwrap()
            >= 1.0
    );
    assert!(
        !text.contains("cie_open_invoices_near_deadline{"),
        "no invoice is near its deadline on the day it arrives:\n{text}"
    );

    // The invoice's payment deadline as its clock shows it; near it, then past it.
    let invoice_id = accepted.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let case: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{invoice_id}"))
        .await;
    let deadline = chrono::NaiveDate::parse_from_str(
        case["clock"]["payment_deadline"].as_str().unwrap(),
        "%Y-%m-%d",
    )
    .unwrap();
    let noon_japan = |day: chrono::NaiveDate| day.and_hms_opt(3, 0, 0).unwrap().and_utc();
    app.clock.set(noon_japan(deadline - Duration::days(3)));
    let text = scrape(&app).await;
    let near = "cie_open_invoices_near_deadline{tenant=\"metrics-city\",due=\"due_soon\"}";
    let late = "cie_open_invoices_near_deadline{tenant=\"metrics-city\",due=\"overdue\"}";
    assert_eq!(sample(&text, near), Some(1.0), "{text}");
    assert_eq!(sample(&text, late), Some(0.0), "{text}");
    app.clock.set(noon_japan(deadline + Duration::days(1)));
    let text = scrape(&app).await;
    assert_eq!(sample(&text, near), Some(0.0), "{text}");
    assert_eq!(sample(&text, late), Some(1.0), "{text}");

    let output = app.import_registry("registry/full-sample.csv", "2026-03-01", true);
    assert!(output.status.success(), "{output:?}");
    let text = scrape(&app).await;
    let today = deadline + Duration::days(1);
    let expected_age = (today - chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()).num_days();
    assert_eq!(sample(&text, "cie_registry_imported"), Some(1.0));
    assert_eq!(
        sample(&text, "cie_registry_data_age_days"),
        Some(expected_age as f64)
    );
    app.stop().await;
}

#[rstest]
#[tokio::test]
async fn metrics_are_off_without_a_token_and_every_answer_carries_a_request_id(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("metrics.token"),
        "{body}"
    );

    let given = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "lb-7f3a:42")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "lb-7f3a:42");
    let mut seen = std::collections::HashSet::new();
    for path in ["/health", "/no/such/page", "/api/v1/documents"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        let id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(id.len(), 24, "{path}: {id}");
        assert!(seen.insert(id), "{path}: ids differ per request");
    }
    app.stop().await;
}

#[rstest]
#[tokio::test]
async fn ready_says_whether_the_database_answers_and_the_writer_takes_work(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let response = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready", "{body}");
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["archive_writer"], "ok");

    // The database goes away under the running server: not ready, and which check says so.
    app.store.close().await;
    let response = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "not_ready", "{body}");
    assert_eq!(body["checks"]["database"], "the database does not answer");
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "alive all the same");
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_city_per_transaction_keeps_every_city_chain_whole_under_mixed_load(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn_with(backend, |config| {
        config.database.one_city_per_transaction = true;
        config.metrics.token = Some(SCRAPE_TOKEN.into());
    })
    .await;
    let cities = [app.city("city-one").await, app.city("city-two").await];
    let mut sends = Vec::new();
    for n in 0..24 {
        let city = &cities[n % 2];
        sends.push(app.submit(&city.supplier_a, invoice(&format!("C-{n}"))));
    }
    for response in futures::future::join_all(sends).await {
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    for city in &cities {
        let report = crate::archive::verify(&app, &city.admin).await;
        assert_eq!(report["intact"], true, "{report}");
        assert_eq!(report["head_seq"], 12, "{report}");
    }
    let text = scrape(&app).await;
    let batches = sample(&text, "cie_archive_batch_size_count").unwrap();
    let committed = sample(&text, "cie_archive_batch_size_sum").unwrap();
    assert_eq!(committed, 24.0, "{text}");
    assert!(batches >= 2.0, "{text}");
    app.stop().await;
}

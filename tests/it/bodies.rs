//! Large and many bodies: an oversized body keeps only its first bytes with its exact size and digest, the
//! bodies held in memory share one budget, and each supplier has a daily archive quota.

use std::time::Duration;

use cie_tests::{Backend, TestApp, fixture};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

async fn entry(app: &TestApp, token: &str, seq: i64) -> (Value, Vec<u8>) {
    let entry: Value = app
        .get_json(token, &format!("/api/v1/submissions/{seq}"))
        .await;
    let kept = app
        .get(token, &format!("/api/v1/submissions/{seq}/original"))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    (entry, kept)
}

#[rstest]
#[tokio::test]
async fn an_oversized_body_is_refused_with_its_exact_size_and_digest_and_only_its_first_bytes_kept(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn_with(backend, |config| {
        config.limits.max_document_bytes = 8 * 1024;
        config.limits.refused_keep_bytes = 1024;
    })
    .await;
    let city = app.city("city-a").await;
    let body: Vec<u8> = (0..300_001u32).map(|i| b'a' + (i % 26) as u8).collect();

    let response = app.submit(&city.supplier_a, body.clone()).await;

    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "document_too_large", "{error}");
    let digest = hex::encode(Sha256::digest(&body));
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("300001 bytes"), "{message}");
    assert!(message.contains(&digest), "{message}");
    let seq = error["archive_seq"].as_i64().unwrap();
    let (entry, kept) = entry(&app, &city.staff, seq).await;
    assert_eq!(entry["truncated"], true);
    assert_eq!(
        entry["size_bytes"], 300_001,
        "the exact size is recorded: {entry}"
    );
    assert_eq!(kept, &body[..1024], "only the first bytes are kept");
}

#[rstest]
#[tokio::test]
async fn a_supplier_past_its_daily_quota_is_refused_until_the_next_day(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let first = fixture("jp-pint/jp-pint-example.xml");
    let quota = first.len() as u64 + 100;
    let app = TestApp::spawn_with(backend, |config| {
        config.limits.daily_archive_bytes_per_supplier = quota;
        config.limits.refused_keep_bytes = 512;
        config.auth.token_ttl_minutes = 3 * 24 * 60;
    })
    .await;
    let city = app.city("city-a").await;
    assert_eq!(
        app.submit(&city.supplier_a, first).await.status(),
        StatusCode::CREATED
    );

    let second = fixture("order/order-example.xml");
    let response = app.submit(&city.supplier_a, second.clone()).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "quota_exceeded", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("midnight Japan time"),
        "{error}"
    );
    let (entry, kept) = entry(&app, &city.staff, error["archive_seq"].as_i64().unwrap()).await;
    assert_eq!(entry["outcome"], "rejected");
    assert_eq!(entry["size_bytes"], second.len() as i64);
    assert_eq!(
        kept,
        &second[..512],
        "an over-quota body is recorded, not kept whole"
    );

    // Another supplier has its own quota.
    assert_eq!(
        app.submit(&city.supplier_b, fixture("order/order-example.xml"))
            .await
            .status(),
        StatusCode::CREATED
    );
    // The next day (Japan time) the quota starts again.
    app.clock.advance(chrono::Duration::days(1));
    assert_eq!(
        app.submit(&city.supplier_a, second).await.status(),
        StatusCode::CREATED
    );
}

#[rstest]
#[tokio::test]
async fn a_restart_counts_what_was_archived_earlier_the_same_day(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let first = fixture("jp-pint/jp-pint-example.xml");
    let quota = first.len() as u64 + 100;
    let app = TestApp::spawn_with(backend, |config| {
        config.limits.daily_archive_bytes_per_supplier = quota;
    })
    .await;
    let city = app.city("city-a").await;
    app.submit(&city.supplier_a, first).await;
    // A second server on the same database has not seen the supplier yet: it reads today's archive.
    let mut config = cie_server::config::Config {
        data_dir: app.data_dir.clone(),
        ..Default::default()
    };
    config.database.url = Some(app.store_url());
    config.limits.daily_archive_bytes_per_supplier = quota;
    let second = cie_server::App::build(config, app.clock.clone())
        .await
        .unwrap();
    let state = second.state();
    let tenant = cie_domain::TenantId::parse("city-a").unwrap();
    let verdict = state
        .quota
        .admit(
            state,
            &tenant,
            cie_server::quota::Sender::Organisation(city.org_a),
            cie_tests::start_of_tests(),
            200,
        )
        .await
        .unwrap();
    assert!(verdict.is_err(), "the bytes archived earlier today count");
    let other = state
        .quota
        .admit(
            state,
            &tenant,
            cie_server::quota::Sender::Organisation(city.org_b),
            cie_tests::start_of_tests(),
            200,
        )
        .await
        .unwrap();
    assert!(other.is_ok(), "another supplier's quota is untouched");
}

#[rstest]
#[tokio::test]
async fn bodies_in_memory_share_one_budget(#[values(Backend::Sqlite)] backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.limits.max_document_bytes = 32 * 1024;
        config.limits.bodies_in_flight_bytes = 32 * 1024;
    })
    .await;
    let city = app.city("city-a").await;
    // A client that sends 24 KiB of a 28 KiB body and stops holds 24 KiB of the budget.
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stalled = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/v1/documents HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {}\r\n\
         content-type: application/xml\r\ncontent-length: 28672\r\n\r\n",
        city.supplier_a
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    stalled.write_all(&[b' '; 24 * 1024]).await.unwrap();
    stalled.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let response = app.submit(&city.supplier_b, vec![b' '; 24 * 1024]).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "busy", "{error}");

    drop(stalled);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let response = app
        .submit(&city.supplier_b, fixture("order/order-example.xml"))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "the budget is free again"
    );
}

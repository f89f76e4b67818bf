//! Originals kept in an S3-compatible object store (`originals.location = "object_store"`), against a local
//! S3 server (moto, started by tests/run-all.sh): every original is served byte for byte from the store, the
//! rows hold no bytes, the chain and `verify-archive` are unchanged, bytes changed or removed in the store
//! are caught, a store that fails refuses intake without archiving anything, and entries written before the
//! switch stay where they were and readable.

use std::time::Duration;

use cie_tests::process::Deployment;
use cie_tests::{Backend, TestApp, fresh_bucket, s3_url};
use reqwest::{Client, StatusCode};
use rstest::rstest;
use serde_json::Value;
use sha2::Digest;
use sqlx::Row;

use crate::archive::verify;
use crate::processes::{archive_holds_exactly, city_with_supplier, send_all, verify_archive};
use crate::workflow::invoice;

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The key of an original in the bucket.
fn object_key(tenant: &str, bytes: &[u8]) -> String {
    let sha = sha256_hex(bytes);
    format!("originals/{tenant}/{}/{sha}", &sha[..2])
}

/// The bucket as an operator (or an intruder with the store's keys) sees it.
struct Bucket {
    bucket: rusty_s3::Bucket,
    credentials: rusty_s3::Credentials,
    objects: cie_objects::ObjectStore,
}

impl Bucket {
    fn new(name: &str) -> Bucket {
        let endpoint: url::Url = s3_url().parse().unwrap();
        Bucket {
            bucket: rusty_s3::Bucket::new(
                endpoint,
                rusty_s3::UrlStyle::Path,
                name.to_owned(),
                "us-east-1",
            )
            .unwrap(),
            credentials: rusty_s3::Credentials::new("test-key", "test-secret"),
            objects: cie_objects::ObjectStore::new(&cie_objects::ObjectStoreSettings {
                endpoint: s3_url(),
                bucket: name.to_owned(),
                region: "us-east-1".into(),
                access_key_id: "test-key".into(),
                secret_access_key: "test-secret".into(),
                path_style: true,
                prefix: String::new(),
                timeout: Duration::from_secs(10),
            })
            .unwrap(),
        }
    }

    async fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.objects.get(key).await.unwrap()
    }

    async fn put(&self, key: &str, bytes: &[u8]) {
        self.objects.put(key, bytes.to_vec()).await.unwrap();
    }

    async fn delete(&self, key: &str) {
        use rusty_s3::S3Action as _;
        let url = self
            .bucket
            .delete_object(Some(&self.credentials), key)
            .sign(Duration::from_secs(60));
        let response = Client::new().delete(url).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "delete {key}: {}",
            response.status()
        );
    }

    async fn remove(&self) {
        use rusty_s3::S3Action as _;
        let url = self
            .bucket
            .delete_bucket(&self.credentials)
            .sign(Duration::from_secs(60));
        let response = Client::new().delete(url).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "delete bucket: {}",
            response.status()
        );
    }
}

fn store_settings(bucket: &str) -> Vec<(&'static str, String)> {
    vec![
        ("CIE_ORIGINALS__LOCATION", "object_store".into()),
        ("CIE_ORIGINALS__ENDPOINT", s3_url()),
        ("CIE_ORIGINALS__BUCKET", bucket.to_owned()),
        ("CIE_ORIGINALS__ACCESS_KEY_ID", "test-key".into()),
        ("CIE_ORIGINALS__SECRET_ACCESS_KEY", "test-secret".into()),
    ]
}

#[rstest]
#[tokio::test]
async fn originals_in_an_object_store_are_served_checked_and_never_half_archived(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let bucket = fresh_bucket().await;
    let bucket_for_config = bucket.clone();
    let app = TestApp::spawn_with(backend, move |config| {
        config.originals.location = "object_store".into();
        config.originals.endpoint = Some(s3_url());
        config.originals.bucket = Some(bucket_for_config);
        config.originals.access_key_id = Some("test-key".into());
        config.originals.secret_access_key = Some("test-secret".into());
    })
    .await;
    let ready: Value = app
        .client
        .get(app.url("/ready"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["checks"]["object_store"], "ok", "{ready}");
    let city = app.city("s3-city").await;
    let sent = invoice("S3-1");
    let created = app.submit(&city.supplier_a, sent.clone()).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let malformed = b"<Invoice><unclosed></Invoice>".to_vec();
    let refused = app.submit(&city.supplier_a, malformed.clone()).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let refused_seq = refused.json::<Value>().await.unwrap()["archive_seq"]
        .as_i64()
        .unwrap();

    assert_eq!(
        app.get_bytes(
            &city.supplier_a,
            &format!("/api/v1/documents/{id}/original")
        )
        .await,
        sent
    );
    let pdf = app
        .get_bytes(&city.staff, &format!("/api/v1/documents/{id}/pdf"))
        .await;
    assert!(
        pdf.starts_with(b"%PDF"),
        "the PDF is rendered from the stored original"
    );
    let text = cie_tests::pdf_text(&pdf);
    assert!(
        text.contains("S3-1"),
        "the invoice number is on the page:\n{text}"
    );
    assert_eq!(
        app.get_bytes(
            &city.admin,
            &format!("/api/v1/submissions/{refused_seq}/original")
        )
        .await,
        malformed
    );
    let store = Bucket::new(&bucket);
    for bytes in [&sent, &malformed] {
        assert_eq!(
            store.get(&object_key("s3-city", bytes)).await.as_ref(),
            Some(bytes),
            "the object is the original"
        );
    }
    let rows = sqlx::query(
        "SELECT content_location, LENGTH(content) AS kept FROM archive_entries WHERE tenant_id = $1",
    )
    .bind("s3-city")
    .fetch_all(app.store.raw_pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        assert_eq!(row.get::<String, _>("content_location"), "object_store");
        assert_eq!(row.get::<i64, _>("kept"), 0, "the row keeps no bytes");
    }
    let report = verify(&app, &city.admin).await;
    assert_eq!(report["intact"], true, "{report}");

    // Bytes changed in the store are not served, and verify-archive names the entry.
    let object = object_key("s3-city", &sent);
    store.put(&object, b"<Invoice>forged</Invoice>").await;
    let served = app
        .get(
            &city.supplier_a,
            &format!("/api/v1/documents/{id}/original"),
        )
        .await;
    assert_eq!(served.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        served.json::<Value>().await.unwrap()["code"],
        "archive_integrity"
    );
    let report = verify(&app, &city.admin).await;
    assert_eq!(report["intact"], false, "{report}");
    assert!(report.to_string().contains("SHA-256"), "{report}");
    // Removed from the store: said so.
    store.delete(&object).await;
    let report = verify(&app, &city.admin).await;
    assert!(
        report.to_string().contains("missing from the object store"),
        "{report}"
    );

    // The store goes away: intake refuses with 503 and archives nothing.
    store.delete(&object_key("s3-city", &malformed)).await;
    store.remove().await;
    let before: Value = app
        .get_json(&city.admin, "/api/v1/submissions?per_page=1")
        .await;
    let refused = app.submit(&city.supplier_a, invoice("S3-2")).await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "busy", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("object store"),
        "{body}"
    );
    let after: Value = app
        .get_json(&city.admin, "/api/v1/submissions?per_page=1")
        .await;
    assert_eq!(after["total"], before["total"], "nothing was archived");
    let not_ready = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(not_ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = not_ready.json().await.unwrap();
    assert_eq!(
        body["checks"]["object_store"],
        "the object store of the originals does not answer or lacks its bucket",
        "{body}"
    );
    app.stop().await;
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_to_an_object_store_keeps_earlier_originals_where_they_were(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let deployment = Deployment::new(backend).await;
    let client = Client::new();
    let in_database = deployment.start("before");
    let token = city_with_supplier(&client, &in_database).await;
    let mut acknowledged = send_all(&client, &in_database, &token, &["SW-1", "SW-2"]).await;
    in_database.stop();

    let bucket = fresh_bucket().await;
    let settings = store_settings(&bucket);
    let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let in_store = deployment.start_on(&deployment.database, "after", &settings);
    acknowledged.extend(send_all(&client, &in_store, &token, &["SW-3", "SW-4"]).await);
    archive_holds_exactly(&client, &in_store, &token, &acknowledged).await;
    let store = Bucket::new(&bucket);
    for (index, document) in acknowledged.iter().enumerate() {
        let object = store.get(&object_key("multi-city", &document.bytes)).await;
        assert_eq!(
            object.is_some(),
            index >= 2,
            "only the originals received after the switch are in the store"
        );
    }
    in_store.stop();
    verify_archive(&deployment, &deployment.database, &settings);

    // A store that cannot be reached stops the server at start, naming it.
    let mut unreachable = store_settings(&bucket);
    unreachable[1].1 = "http://127.0.0.1:9".into();
    let unreachable: Vec<(&str, &str)> =
        unreachable.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let output = deployment.command_on(&deployment.database, "down", &unreachable, &["migrate"]);
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("the object store for originals") && said.contains("http://127.0.0.1:9"),
        "{said}"
    );
}

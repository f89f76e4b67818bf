//! Hardening seen from outside: security headers on every answer, originals served as attachments, another
//! city's invoice not found everywhere, a private data directory and database files.

use cie_tests::{Backend, TestApp, fixture};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::Value;

fn assert_secure(response: &reqwest::Response, what: &str) {
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'"),
        "{what}"
    );
    assert_eq!(headers["cache-control"], "no-store", "{what}");
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
}

#[rstest]
#[tokio::test]
async fn every_answer_carries_the_security_headers_and_originals_are_attachments(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let created: Value = app
        .submit(&city.supplier_a, fixture("jp-pint/jp-pint-example.xml"))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let health = reqwest::get(app.url("/health")).await.unwrap();
    assert_secure(&health, "/health");
    let login = app.login(&city.tenant, "staff", cie_tests::PASSWORD).await;
    assert_secure(&login, "a login answer carries a token");
    let refused = app.get("not-a-token", "/api/v1/invoices").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_secure(&refused, "an error");
    let original = app
        .get(&city.staff, &format!("/api/v1/documents/{id}/original"))
        .await;
    assert_secure(&original, "an original");
    assert!(
        original.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"),
        "{:?}",
        original.headers()
    );
    let seq = created["archive_seq"].as_i64().unwrap();
    let submission = app
        .get(&city.staff, &format!("/api/v1/submissions/{seq}/original"))
        .await;
    assert!(
        submission.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );

    // Another city's invoice is not found, its audit trail included.
    let other = app.city("city-b").await;
    for path in [
        format!("/api/v1/invoices/{id}"),
        format!("/api/v1/invoices/{id}/audit"),
        format!("/api/v1/documents/{id}"),
    ] {
        let response = app.get(&other.staff, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[cfg(unix)]
#[rstest]
#[tokio::test]
async fn the_data_directory_and_the_database_files_are_private(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    use std::os::unix::fs::PermissionsExt;
    let sqlite = backend == Backend::Sqlite;
    let app = TestApp::spawn(backend).await;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&app.data_dir), 0o700, "the data directory");
    let url = app.store_url();
    assert_eq!(url.starts_with("sqlite://"), sqlite);
    if let Some(path) = url.strip_prefix("sqlite://") {
        assert_eq!(mode(std::path::Path::new(path)), 0o600, "the database");
    }
}

/// Guessing passwords is throttled: five mistakes are free, then the account (and the address) is locked
/// for a time that doubles with each further failure, answered 429 with `Retry-After` without checking the
/// password; the lock ends on its own and a success clears the count. The operator key likewise.
#[rstest]
#[tokio::test]
async fn password_guessing_is_throttled_per_account_and_address(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    for attempt in 0..6 {
        let response = app.login(&city.tenant, "staff", "wrong password!").await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let locked = app.login(&city.tenant, "staff", cie_tests::PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.headers()["retry-after"], "2");
    let body: Value = locked.json().await.unwrap();
    assert_eq!(body["code"], "too_many_attempts");
    // Another account from the same address is locked too (one guesser, many names).
    let other = app.login(&city.tenant, "admin", cie_tests::PASSWORD).await;
    assert_eq!(other.status(), StatusCode::TOO_MANY_REQUESTS);
    // The lock is recorded for the city's administrator to see.
    let events: Value = app
        .get_json(&city.admin, "/api/v1/admin/security-events")
        .await;
    assert_eq!(events.as_array().unwrap().len(), 1, "{events}");
    assert_eq!(events[0]["kind"], "login_locked");
    assert_eq!(events[0]["account"], "staff");
    assert_eq!(events[0]["address"], "127.0.0.1");
    assert_eq!(events[0]["detail"]["locked_seconds"], 2);
    let forbidden = app.get(&city.staff, "/api/v1/admin/security-events").await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);

    app.clock.advance(chrono::Duration::seconds(3));
    let again = app.login(&city.tenant, "staff", cie_tests::PASSWORD).await;
    assert_eq!(again.status(), StatusCode::OK, "the lock ended");

    // An hour later the address's failures are forgotten; the operator key is throttled the same way.
    app.clock.advance(chrono::Duration::hours(2));
    for _ in 0..6 {
        let response = reqwest::Client::new()
            .get(app.url("/api/v1/operator/tenants"))
            .bearer_auth("not the operator key")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = reqwest::Client::new()
        .get(app.url("/api/v1/operator/tenants"))
        .bearer_auth("not the operator key")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// A document the database refuses to record (PostgreSQL takes no NUL in text; the reader refuses one
/// before, so the store is fed directly) is archived as rejected with a stable message: the database's own
/// error text, which the supplier could read, stays in the log.
#[rstest]
#[tokio::test]
async fn database_error_text_never_reaches_an_archive_entry(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let created: Value = app
        .submit(&city.supplier_a, fixture("jp-pint/jp-pint-example.xml"))
        .await
        .json()
        .await
        .unwrap();
    let tenant = cie_domain::TenantId::parse(&city.tenant).unwrap();
    let record = app
        .store
        .document(&tenant, created["id"].as_i64().unwrap(), None)
        .await
        .unwrap();
    let mut summary = record.summary.clone();
    summary.number = "NUL-1".into();
    summary.supplier.name = Some("株式会社\u{0}テスト".into());
    let outcome = app
        .store
        .submit(cie_store::NewSubmission {
            tenant: tenant.clone(),
            received_at: record.received_at,
            submitter_id: record.submitter_id,
            supplier_org_id: record.supplier_org_id,
            content: b"<Invoice/>".to_vec(),
            size_bytes: 10,
            truncated: false,
            parsed: cie_store::Parsed::Document {
                summary: Box::new(summary),
                supplier_key: format!("org:{}", city.org_a),
                status: cie_domain::DocumentStatus::Received,
                validation: None,
                number_key: None,
            },
            outbound: false,
            workflow: None,
            terms: None,
            delivery: None,
        })
        .await
        .unwrap();
    match (backend, outcome) {
        (Backend::Postgres, cie_store::SubmissionOutcome::Rejected { archive_seq }) => {
            let entry: Value = app
                .get_json(
                    &city.supplier_a,
                    &format!("/api/v1/submissions/{archive_seq}"),
                )
                .await;
            assert_eq!(entry["error_code"], "storage_error", "{entry}");
            assert_eq!(
                entry["error_message"],
                cie_store::STORAGE_FAILURE,
                "{entry}"
            );
        }
        (Backend::Sqlite, cie_store::SubmissionOutcome::Accepted { .. }) => {}
        (backend, other) => panic!("{backend:?}: {other:?}"),
    }
}

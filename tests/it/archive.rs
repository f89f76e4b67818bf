//! The archive: append-only in the database itself, and tamper-evident through the per-tenant hash chain.

use cie_tests::{Backend, PASSWORD, TestApp, fixture};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};
use sqlx::Row;

async fn three_submissions(app: &TestApp, token: &str) {
    for file in [
        "jp-pint/jp-pint-example.xml",
        "order/order-example.xml",
        "despatch/despatch-advice-example.xml",
    ] {
        assert_eq!(
            app.submit(token, fixture(file)).await.status(),
            StatusCode::CREATED
        );
    }
}

/// `verify-archive` over the API, as the city's administrator: the report.
pub(crate) async fn verify(app: &TestApp, admin: &str) -> Value {
    let response = app
        .post_json(admin, "/api/v1/admin/verify-archive", &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn execute(app: &TestApp, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(app.store.raw_pool())
        .await
        .map(|_| ())
}

#[rstest]
#[tokio::test]
async fn an_untouched_archive_verifies(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    three_submissions(&app, &city.supplier_a).await;
    app.submit(&city.supplier_a, "not xml").await;

    let report = verify(&app, &city.admin).await;

    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(report["entries_checked"], 4);
    assert_eq!(report["head_seq"], 4);
    let staff = app
        .post_json(&city.staff, "/api/v1/admin/verify-archive", &json!({}))
        .await;
    assert_eq!(staff.status(), StatusCode::FORBIDDEN);
}

#[rstest]
#[tokio::test]
async fn the_database_refuses_to_change_or_delete_archived_rows(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    three_submissions(&app, &city.supplier_a).await;

    let update = execute(
        &app,
        "UPDATE archive_entries SET outcome = 'rejected' WHERE seq = 1",
    )
    .await;
    let delete = execute(&app, "DELETE FROM archive_entries WHERE seq = 3").await;

    for (what, result) in [("update", update), ("delete", delete)] {
        let error = result.expect_err(what).to_string();
        assert!(error.contains("append-only"), "{what}: {error}");
    }
    if backend == Backend::Postgres {
        let truncate = execute(&app, "TRUNCATE archive_entries CASCADE").await;
        assert!(
            truncate
                .expect_err("truncate")
                .to_string()
                .contains("append-only")
        );
    }
    assert_eq!(verify(&app, &city.admin).await["intact"], true);
}

#[rstest]
#[tokio::test]
async fn originals_are_kept_compressed_and_served_byte_for_byte_beside_entries_kept_as_received(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    three_submissions(&app, &city.supplier_a).await;
    let invoice = fixture("jp-pint/jp-pint-example.xml");
    let served = |seq: i64| {
        let app = &app;
        let admin = city.admin.clone();
        async move {
            let response = app
                .get(&admin, &format!("/api/v1/submissions/{seq}/original"))
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            response.bytes().await.unwrap().to_vec()
        }
    };

    let rows = sqlx::query(
        "SELECT seq, content_encoding, LENGTH(content) AS kept, size_bytes FROM archive_entries
         WHERE tenant_id = 'city-a' ORDER BY seq",
    )
    .fetch_all(app.store.raw_pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert_eq!(row.get::<String, _>("content_encoding"), "zlib");
        assert!(row.get::<i64, _>("kept") < row.get::<i64, _>("size_bytes"));
    }
    assert!(
        rows[0].get::<i64, _>("kept") * 3 < invoice.len() as i64,
        "the invoice's row keeps {} bytes for {}",
        rows[0].get::<i64, _>("kept"),
        invoice.len()
    );
    assert_eq!(served(1).await, invoice);

    // An entry archived before originals were compressed keeps its bytes as received.
    disable_append_only_triggers(&app).await;
    sqlx::query(
        "UPDATE archive_entries SET content = $1, content_encoding = 'identity'
         WHERE tenant_id = 'city-a' AND seq = 1",
    )
    .bind(invoice.clone())
    .execute(app.store.raw_pool())
    .await
    .unwrap();
    assert_eq!(served(1).await, invoice);
    assert_eq!(served(2).await, fixture("order/order-example.xml"));
    // The chain holds; the report names only the triggers this test took away.
    let report = verify(&app, &city.admin).await;
    assert!(report["first_broken_seq"].is_null(), "{report}");
    assert!(report["reason"].is_null(), "{report}");
    assert_eq!(report["entries_checked"], 3);
    for problem in report["problems"].as_array().unwrap() {
        assert!(
            problem.as_str().unwrap().contains("append-only trigger"),
            "{report}"
        );
    }
}

async fn disable_append_only_triggers(app: &TestApp) {
    let sql = match app.backend {
        Backend::Sqlite => {
            "DROP TRIGGER archive_entries_no_update; DROP TRIGGER archive_entries_no_delete;"
        }
        Backend::Postgres => "ALTER TABLE archive_entries DISABLE TRIGGER USER",
    };
    execute(app, sql).await.expect("disable triggers");
}

#[rstest]
#[tokio::test]
async fn content_changed_behind_the_triggers_is_caught_at_its_entry(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    three_submissions(&app, &city.supplier_a).await;
    disable_append_only_triggers(&app).await;

    sqlx::query("UPDATE archive_entries SET content = $1 WHERE tenant_id = 'city-a' AND seq = 2")
        .bind(b"<Order>forged</Order>".to_vec())
        .execute(app.store.raw_pool())
        .await
        .unwrap();

    let report = verify(&app, &city.admin).await;
    assert_eq!(report["intact"], false);
    assert_eq!(report["first_broken_seq"], 2, "{report}");
    assert!(
        report["reason"].as_str().unwrap().contains("content"),
        "{report}"
    );
}

#[rstest]
#[tokio::test]
async fn a_changed_field_a_removed_entry_and_a_cut_tail_are_each_caught(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let cases = [
        (
            "UPDATE archive_entries SET received_at = '2020-01-01T00:00:00.000000Z' WHERE seq = 1",
            1,
            "hash",
        ),
        ("DELETE FROM archive_entries WHERE seq = 2", 2, "missing"),
        ("DELETE FROM archive_entries WHERE seq = 3", 3, "head"),
    ];
    for (sql, broken_at, reason) in cases {
        let app = TestApp::spawn(backend).await;
        let city = app.city("city-a").await;
        three_submissions(&app, &city.supplier_a).await;
        disable_append_only_triggers(&app).await;
        if sql.starts_with("DELETE") {
            execute(
                &app,
                "DELETE FROM document_validations; DELETE FROM invoice_cases; DELETE FROM documents",
            )
            .await
            .unwrap();
        }

        execute(&app, sql).await.unwrap();

        let report = verify(&app, &city.admin).await;
        assert_eq!(report["intact"], false, "{sql}");
        assert_eq!(report["first_broken_seq"], broken_at, "{sql}: {report}");
        assert!(
            report["reason"].as_str().unwrap().contains(reason),
            "{sql}: {report}"
        );
        app.stop().await;
    }
}

#[rstest]
#[tokio::test]
async fn chains_are_per_tenant(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let city_a = app.city("city-a").await;
    let city_b = app.city("city-b").await;
    three_submissions(&app, &city_a.supplier_a).await;
    app.submit(&city_b.supplier_a, fixture("order/order-example.xml"))
        .await;

    disable_append_only_triggers(&app).await;
    execute(
        &app,
        "UPDATE archive_entries SET outcome = 'rejected' WHERE tenant_id = 'city-a' AND seq = 3",
    )
    .await
    .unwrap();

    assert_eq!(verify(&app, &city_a.admin).await["first_broken_seq"], 3);
    let b = verify(&app, &city_b.admin).await;
    assert!(
        b["first_broken_seq"].is_null(),
        "city B's chain is its own: {b}"
    );
    assert_eq!(b["head_seq"], 1);
    let problems = b["problems"].as_array().unwrap();
    assert!(
        !problems.is_empty()
            && problems
                .iter()
                .all(|p| p.as_str().unwrap().contains("append-only trigger")),
        "city B's records hold; only the database-wide triggers are reported: {b}"
    );
    let _ = PASSWORD;
}

#[rstest]
#[tokio::test]
async fn the_verify_archive_subcommand_reports_the_first_broken_entry(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    three_submissions(&app, &city.supplier_a).await;
    let url = app.store_url();

    let intact = cie_tests::run_server_command(
        &url,
        &app.data_dir,
        &["verify-archive", "--tenant", "city-a"],
    );
    assert!(intact.status.success(), "{intact:?}");
    assert!(
        String::from_utf8_lossy(&intact.stdout).contains("intact: 3 entries"),
        "{intact:?}"
    );

    disable_append_only_triggers(&app).await;
    execute(
        &app,
        "UPDATE archive_entries SET error_message = 'edited' WHERE seq = 2",
    )
    .await
    .unwrap();

    let broken = cie_tests::run_server_command(
        &url,
        &app.data_dir,
        &["verify-archive", "--tenant", "city-a"],
    );
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    assert!(
        String::from_utf8_lossy(&broken.stdout).contains("BROKEN at entry 2"),
        "{broken:?}"
    );
}

/// On SQLite with `synchronous = FULL` (the default), the archive writer commits its batches without
/// flushing and has the write-ahead log flushed before it answers. Documents sent together are all answered;
/// the write connection is back to flushing every commit for the other writes and keeps its statement
/// journals in memory; its commits leave checkpoints to the checkpointer, which copies the log into the
/// database file while the server runs.
#[tokio::test]
async fn the_sqlite_writer_flushes_before_answering_and_checkpoints_beside_the_writes() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.database.sqlite_synchronous = "full".into();
    })
    .await;
    let city = app.city("city-a").await;
    let marker = "CHECKPOINT-PROBE-7731";
    let sends = (0..6).map(|n| {
        let xml = String::from_utf8(fixture("jp-pint/jp-pint-example.xml"))
            .unwrap()
            .replace(
                "<cbc:ID>156</cbc:ID>",
                &format!("<cbc:ID>{marker}-{n}</cbc:ID>"),
            );
        let app = &app;
        let token = city.supplier_a.clone();
        async move { app.submit(&token, xml).await.status() }
    });
    let statuses = futures::future::join_all(sends).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );

    let pool = app.store.raw_pool();
    let write_connection = |pragma: &'static str| async move {
        sqlx::query_scalar::<_, i64>(pragma)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    assert_eq!(
        write_connection("PRAGMA synchronous").await,
        2,
        "the write connection flushes every commit (FULL)"
    );
    assert_eq!(write_connection("PRAGMA wal_autocheckpoint").await, 0);
    assert_eq!(
        write_connection("PRAGMA temp_store").await,
        2,
        "the write connection keeps its statement journals in memory, migrations done"
    );

    let database = app.data_dir.parent().unwrap().join("cie.sqlite");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let bytes = std::fs::read(&database).unwrap();
        if bytes.windows(marker.len()).any(|w| w == marker.as_bytes()) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the write-ahead log was not copied into {} within 10 s",
            database.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

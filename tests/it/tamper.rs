//! Tamper evidence against someone with write access to the database: twelve edits, each found by
//! verify-archive (the chain, the seals, the last signed checkpoint, or the append-only triggers), and the
//! triggers put back by `cie-server restore-triggers` (which the server also does at start).

use cie_tests::{Backend, City, TestApp, fixture, run_server_command};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};
use sqlx::Row;

use crate::workflow::{actors, checklist, invoice, ok_step, spawn, submit};

struct Scene {
    app: TestApp,
    city: City,
    /// An approved invoice with three audited steps.
    invoice: i64,
}

async fn execute(app: &TestApp, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(app.store.raw_pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn verify(scene: &Scene) -> Value {
    let response = scene
        .app
        .post_json(
            &scene.city.admin,
            "/api/v1/admin/verify-archive",
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn cli(scene: &Scene, args: &[&str]) -> String {
    let output = run_server_command(&scene.app.store_url(), &scene.app.data_dir, args);
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Three documents, an invoice taken to approval, and a checkpoint: an archive that verifies.
async fn scene(backend: Backend) -> Scene {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let people = actors(&app, &city).await;
    for file in [
        "jp-pint/jp-pint-example.xml",
        "order/order-example.xml",
        "despatch/despatch-advice-example.xml",
    ] {
        submit(&app, &city.supplier_a, fixture(file)).await;
    }
    let invoice = submit(&app, &city.supplier_a, invoice("T-1")).await;
    ok_step(&app, &city.staff, invoice, "start-inspection", json!({})).await;
    ok_step(&app, &city.staff, invoice, "inspection", json!({})).await;
    ok_step(
        &app,
        &people.approver,
        invoice,
        "approval",
        checklist("2026-04-20"),
    )
    .await;
    let scene = Scene { app, city, invoice };
    assert!(cli(&scene, &["checkpoint"]).contains("1 checkpoint(s) written"));
    let report = verify(&scene).await;
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(report["unsealed_entries"], 0, "{report}");
    scene
}

fn disable_triggers(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "DROP TRIGGER archive_entries_no_update; DROP TRIGGER archive_entries_no_delete;
             DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
        }
        Backend::Postgres => {
            "ALTER TABLE archive_entries DISABLE TRIGGER USER; ALTER TABLE audit_log DISABLE TRIGGER USER;"
        }
    }
}

/// What the report says, in one string: the first broken entry's reason and every problem.
fn said(report: &Value) -> String {
    let mut all = report["reason"].as_str().unwrap_or_default().to_owned();
    for problem in report["problems"].as_array().into_iter().flatten() {
        all.push_str(" | ");
        all.push_str(problem.as_str().unwrap_or_default());
    }
    all
}

async fn assert_caught(scene: &Scene, edit: &str, expected: &str) {
    let report = verify(scene).await;
    assert_eq!(report["intact"], false, "{edit} went unnoticed: {report}");
    assert!(
        said(&report).contains(expected),
        "{edit}: expected {expected:?} in {report}"
    );
}

#[rstest]
#[tokio::test]
async fn dropped_or_disabled_triggers_are_reported_and_put_back(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    // Edit 1: the triggers dropped.
    let scene = scene(backend).await;
    let drop = match backend {
        Backend::Sqlite => {
            "DROP TRIGGER archive_entries_no_update; DROP TRIGGER audit_log_no_delete;"
        }
        Backend::Postgres => {
            "DROP TRIGGER archive_entries_no_update ON archive_entries;
             DROP TRIGGER audit_log_no_update ON audit_log;"
        }
    };
    execute(&scene.app, drop).await;
    assert_caught(
        &scene,
        "dropped triggers",
        "archive_entries_no_update is missing",
    )
    .await;
    let restored = cli(&scene, &["restore-triggers"]);
    assert!(
        restored.contains("archive_entries_no_update is missing: put back"),
        "{restored}"
    );
    assert_eq!(verify(&scene).await["intact"], true);
    let refused = sqlx::raw_sql("UPDATE archive_entries SET outcome = 'rejected'")
        .execute(scene.app.store.raw_pool())
        .await;
    assert!(
        refused.is_err(),
        "the restored trigger refuses changes again"
    );
    let refused = sqlx::raw_sql("DELETE FROM audit_log")
        .execute(scene.app.store.raw_pool())
        .await;
    assert!(
        refused.is_err(),
        "the restored audit trigger refuses deletes again"
    );
    scene.app.stop().await;

    // Edit 2: the triggers disabled (PostgreSQL) or replaced by one that lets everything through (SQLite).
    let scene = self::scene(backend).await;
    let (disable, state) = match backend {
        Backend::Sqlite => (
            "DROP TRIGGER archive_entries_no_update;
             CREATE TRIGGER archive_entries_no_update BEFORE UPDATE ON archive_entries BEGIN SELECT 1; END;",
            "altered",
        ),
        Backend::Postgres => ("ALTER TABLE archive_entries DISABLE TRIGGER USER", "disabled"),
    };
    execute(&scene.app, disable).await;
    assert_caught(
        &scene,
        "disabled triggers",
        &format!("archive_entries_no_update is {state}"),
    )
    .await;
    assert!(cli(&scene, &["restore-triggers"]).contains("put back"));
    assert_eq!(verify(&scene).await["intact"], true);
    scene.app.stop().await;
}

#[rstest]
#[tokio::test]
async fn edits_to_the_archive_chain_are_caught(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    // Edit 3: an original's bytes changed.
    let scene = scene(backend).await;
    execute(&scene.app, disable_triggers(backend)).await;
    let forged = match backend {
        Backend::Sqlite => {
            "UPDATE archive_entries SET content = CAST('<x/>' AS BLOB) WHERE seq = 2"
        }
        Backend::Postgres => {
            "UPDATE archive_entries SET content = convert_to('<x/>', 'UTF8') WHERE seq = 2"
        }
    };
    execute(&scene.app, forged).await;
    assert_caught(&scene, "changed content", "content does not match").await;
    scene.app.stop().await;

    // Edit 4: an entry in the middle removed, with its document.
    let scene = self::scene(backend).await;
    execute(&scene.app, disable_triggers(backend)).await;
    execute(
        &scene.app,
        "DELETE FROM document_validations WHERE document_id IN (SELECT id FROM documents WHERE archive_seq = 2);
         DELETE FROM documents WHERE archive_seq = 2;
         DELETE FROM archive_entries WHERE seq = 2;",
    )
    .await;
    assert_caught(&scene, "a removed entry", "entry 2 is missing").await;
    scene.app.stop().await;

    // Edit 5: the tail removed and the head moved back onto the entry before: the chain is whole again,
    // only the signed checkpoint knows there was more.
    let scene = self::scene(backend).await;
    execute(&scene.app, disable_triggers(backend)).await;
    execute(
        &scene.app,
        "DELETE FROM invoice_responses WHERE response_document_id IN
             (SELECT id FROM documents WHERE archive_seq = (SELECT MAX(seq) FROM archive_entries));
         DELETE FROM document_validations WHERE document_id IN
             (SELECT id FROM documents WHERE archive_seq = (SELECT MAX(seq) FROM archive_entries));
         DELETE FROM documents WHERE archive_seq = (SELECT MAX(seq) FROM archive_entries);
         DELETE FROM archive_entries WHERE seq = (SELECT MAX(seq) FROM archive_entries);
         UPDATE archive_heads SET last_seq = last_seq - 1,
             last_hash = (SELECT entry_hash FROM archive_entries WHERE seq = (SELECT MAX(seq) FROM archive_entries)),
             last_seal = (SELECT seal FROM archive_entries WHERE seq = (SELECT MAX(seq) FROM archive_entries));",
    )
    .await;
    assert_caught(
        &scene,
        "a cut tail with the head moved back",
        "entries were removed from its end",
    )
    .await;
    scene.app.stop().await;

    // Edit 6: every hash recomputed from entry 2 on, around forged content.
    let scene = self::scene(backend).await;
    execute(&scene.app, disable_triggers(backend)).await;
    rechain_with_forged_content(&scene.app, 2, b"<Order>forged</Order>").await;
    let report = verify(&scene).await;
    assert_eq!(report["intact"], false, "{report}");
    assert_eq!(report["first_broken_seq"], 2, "{report}");
    assert!(said(&report).contains("seal does not match"), "{report}");
    let original = scene
        .app
        .get(&scene.city.admin, "/api/v1/submissions/2/original")
        .await;
    assert_eq!(original.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = original.json().await.unwrap();
    assert_eq!(
        body["code"], "archive_integrity",
        "the forged bytes are not served: {body}"
    );
    scene.app.stop().await;
}

/// What someone who knows the chain formula but not the key would do: put `forged` into entry `from` and
/// recompute every entry hash and link from it on, and the head. The forged bytes are stored as received
/// (`content_encoding` `identity`); the later entries keep their bytes and recorded SHA-256.
async fn rechain_with_forged_content(app: &TestApp, from: i64, forged: &[u8]) {
    let pool = app.store.raw_pool();
    let rows = sqlx::query(
        "SELECT seq, received_at, submitter_id, supplier_org_id, content, content_sha256, size_bytes, truncated,
             outcome, error_code, error_message, entry_hash, content_encoding
         FROM archive_entries WHERE tenant_id = 'city-a' ORDER BY seq",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut prev = String::new();
    for row in rows {
        let seq: i64 = row.get("seq");
        if seq < from {
            prev = row.get("entry_hash");
            continue;
        }
        let content: Vec<u8> = if seq == from {
            forged.to_vec()
        } else {
            row.get("content")
        };
        let (sha, encoding): (String, String) = if seq == from {
            (cie_audit::content_sha256(&content), "identity".into())
        } else {
            (row.get("content_sha256"), row.get("content_encoding"))
        };
        let size = if seq == from {
            forged.len() as i64
        } else {
            row.get("size_bytes")
        };
        let received_at: String = row.get("received_at");
        let outcome: String = row.get("outcome");
        let error_code: Option<String> = row.get("error_code");
        let error_message: Option<String> = row.get("error_message");
        let hash = cie_audit::ChainFields {
            tenant: "city-a",
            seq,
            prev_hash: &prev,
            received_at: &received_at,
            submitter_id: row.get("submitter_id"),
            supplier_org_id: row.get("supplier_org_id"),
            content_sha256: &sha,
            size_bytes: size,
            truncated: row.get::<i64, _>("truncated") != 0,
            outcome: &outcome,
            error_code: error_code.as_deref(),
            error_message: error_message.as_deref(),
        }
        .entry_hash();
        sqlx::query(
            "UPDATE archive_entries SET content = $1, content_sha256 = $2, size_bytes = $3, prev_hash = $4,
                 entry_hash = $5, content_encoding = $7
             WHERE tenant_id = 'city-a' AND seq = $6",
        )
        .bind(content)
        .bind(&sha)
        .bind(size)
        .bind(&prev)
        .bind(&hash)
        .bind(seq)
        .bind(&encoding)
        .execute(pool)
        .await
        .unwrap();
        sqlx::query("UPDATE documents SET content_sha256 = $1 WHERE tenant_id = 'city-a' AND archive_seq = $2")
            .bind(&sha)
            .bind(seq)
            .execute(pool)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE archive_heads SET last_hash = $1 WHERE tenant_id = 'city-a'")
        .bind(&prev)
        .execute(pool)
        .await
        .unwrap();
}

#[rstest]
#[tokio::test]
async fn edits_to_documents_verdicts_the_audit_log_and_invoice_states_are_caught(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let edits: [(&str, &str, &str); 6] = [
        (
            "edit 7: an invoice's amount changed",
            "UPDATE documents SET amount_scaled = 1 WHERE id = {invoice}",
            "does not match its seal",
        ),
        (
            "edit 8: a document pointed at another archive entry",
            "UPDATE documents SET archive_seq = 2 WHERE archive_seq = 3",
            "archive entry 2",
        ),
        (
            "edit 9: a document deleted",
            "DELETE FROM document_validations WHERE document_id IN (SELECT id FROM documents WHERE archive_seq = 3);
             DELETE FROM documents WHERE archive_seq = 3",
            "archive entry 3 recorded a document that is no longer",
        ),
        (
            "edit 10: a verdict's findings changed",
            "UPDATE document_validations SET warning_count = warning_count + 7, findings_json = '[]'
             WHERE document_id = {invoice}",
            "verdict",
        ),
        (
            "edit 11: an audit-log row deleted",
            "DELETE FROM audit_log WHERE id = (SELECT MIN(id) FROM audit_log WHERE document_id = {invoice})",
            "audit-log row",
        ),
        (
            "edit 12: an invoice's state rolled back",
            "UPDATE invoice_cases SET state = 'inspected', approver_id = NULL, approved_at = NULL
             WHERE document_id = {invoice}",
            "is in state inspected",
        ),
    ];
    for (edit, sql, expected) in edits {
        let scene = scene(backend).await;
        execute(&scene.app, disable_triggers(backend)).await;
        execute(
            &scene.app,
            &sql.replace("{invoice}", &scene.invoice.to_string()),
        )
        .await;
        assert_caught(&scene, edit, expected).await;
        let after_restart = run_server_command(
            &scene.app.store_url(),
            &scene.app.data_dir,
            &["verify-archive", "--tenant", "city-a"],
        );
        assert!(
            !after_restart.status.success(),
            "{edit}: the verify-archive command fails too: {after_restart:?}"
        );
        scene.app.stop().await;
    }
}

#[rstest]
#[tokio::test]
async fn the_audit_log_cut_back_with_its_head_is_caught_by_the_checkpoint(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let scene = scene(backend).await;
    execute(&scene.app, disable_triggers(backend)).await;
    let pool = scene.app.store.raw_pool();
    let last: i64 = sqlx::query("SELECT MAX(id) AS id FROM audit_log")
        .fetch_one(pool)
        .await
        .unwrap()
        .get("id");
    execute(
        &scene.app,
        &format!(
            "DELETE FROM audit_log WHERE id = {last};
             UPDATE audit_heads SET last_id = (SELECT MAX(id) FROM audit_log),
                 last_seal = (SELECT seal FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log));
             UPDATE invoice_cases SET state = 'inspected' WHERE document_id = {};",
            scene.invoice
        ),
    )
    .await;
    assert_caught(
        &scene,
        "the audit log's last row removed and its head moved back",
        "cut back or rewritten",
    )
    .await;
    scene.app.stop().await;
}

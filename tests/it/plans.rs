//! Query plans on PostgreSQL: with tens of thousands of documents generated in SQL (most of them from one
//! dominant supplier, as in a real city), every statement of intake, search and the inbox, exactly as the
//! store sends it, is planned generic and custom, before statistics exist and after `ANALYZE`; a plan that
//! walks a tenant's documents, archive or cases instead of looking rows up fails the test, naming the
//! statement and the node.

use chrono::NaiveDate;
use cie_domain::TenantId;
use cie_store::plans::{
    HotPath, HotStatement, PlanMode, PlanSample, SampleValue, hot_statements, plan_walks,
};
use cie_tests::{Backend, TestApp, fixture};
use reqwest::StatusCode;
use serde_json::Value;

const DOCUMENTS: i64 = 40_000;
const SMALL_ARCHIVE: i64 = 300;
const OTHER_CITY_DOCUMENTS: i64 = 10_000;
/// Generated rows start at this archive sequence number, past what the API wrote.
const FIRST_SEQ: i64 = 1_000;

async fn execute(app: &TestApp, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(app.store.raw_pool())
        .await
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
}

/// Archive entries, documents (80 % invoices), verdicts, invoice cases (most paid, about 1 % open, one in
/// twenty returned once and superseded since, each with its return; deadlines stored as the store keeps
/// them) and counterparty names for documents `from..=to` of `tenant`, seven in ten from its first supplier
/// organisation.
fn generate(tenant: &str, from: i64, to: i64) -> String {
    format!(
        "
        CREATE TEMP TABLE generated AS
        SELECT g, orgs[CASE WHEN g % 10 < 7 THEN 1 ELSE 1 + (g / 10) % array_length(orgs, 1) END] AS org
        FROM generate_series({from}, {to}) AS g,
             (SELECT array_agg(id ORDER BY id) AS orgs FROM supplier_orgs WHERE tenant_id = '{tenant}') AS o;

        INSERT INTO archive_entries (tenant_id, seq, received_at, submitter_id, supplier_org_id, content_sha256,
            size_bytes, truncated, outcome, prev_hash, entry_hash, content)
        SELECT '{tenant}', {FIRST_SEQ} + g, '2026-03-01T00:00:00.000000Z', 1, org,
               md5('{tenant}c' || g) || md5('{tenant}d' || g), 4, 0, 'accepted', 'p', 'e', '\\x3c782f3e'::bytea
        FROM generated;

        INSERT INTO documents (tenant_id, archive_seq, kind, profile, number, issue_date, status, supplier_org_id,
            supplier_key, supplier_name, supplier_registration_number, buyer_name, currency, amount_scaled,
            content_sha256, version, previous_version_id, possible_duplicate, received_at, submitter_id,
            summary_json, number_key, direction)
        SELECT '{tenant}', {FIRST_SEQ} + g,
               CASE WHEN g % 10 < 8 THEN 'invoice' WHEN g % 10 = 8 THEN 'despatch_advice' ELSE 'order' END,
               'jp_pint_standard', 'INV-' || g, to_char(date '2023-10-01' + (g * 7919 % 1157), 'YYYY-MM-DD'),
               CASE WHEN g % 97 = 0 THEN 'rejected' ELSE 'received' END, org, 'org:' || org,
               '株式会社サンプル商事' || org, 'T' || lpad(org::text, 13, '0'), 'テスト市', 'JPY',
               (g % 5000) * 100000, md5('{tenant}c' || g) || md5('{tenant}d' || g), 1, NULL, 0,
               to_char(timestamp '2026-01-01' + g * interval '1 minute', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),
               1, COALESCE((SELECT summary_json FROM documents WHERE archive_seq < {FIRST_SEQ}
                            ORDER BY id LIMIT 1), '{{}}'),
               'inv' || g, 'inbound'
        FROM generated;

        INSERT INTO document_validations (tenant_id, document_id, validated_at, fatal_count, error_count,
            warning_count, rule_sets, findings_json)
        SELECT tenant_id, id, received_at, 0, 0, 0, 'jp-pint 1.1.3', '[]'
        FROM documents WHERE tenant_id = '{tenant}' AND archive_seq BETWEEN {FIRST_SEQ} + {from} AND {FIRST_SEQ} + {to};

        INSERT INTO invoice_cases (tenant_id, document_id, state, chain_root_id, supplier_org_id, updated_at)
        SELECT tenant_id, id,
               CASE WHEN status = 'rejected' THEN 'rejected' WHEN id % 400 IN (0, 1) THEN 'received'
                    WHEN id % 400 = 2 THEN 'inspected' WHEN id % 400 IN (3, 4) THEN 'returned'
                    WHEN id % 20 = 7 THEN 'superseded' ELSE 'paid' END,
               id, supplier_org_id, received_at
        FROM documents
        WHERE tenant_id = '{tenant}' AND archive_seq BETWEEN {FIRST_SEQ} + {from} AND {FIRST_SEQ} + {to}
          AND kind = 'invoice';

        INSERT INTO invoice_returns (tenant_id, chain_root_id, document_id, returned_at, returned_on, actor_id,
            reasons_json)
        SELECT tenant_id, document_id, document_id, updated_at, '2026-03-02', 1, '[]'
        FROM invoice_cases c
        WHERE tenant_id = '{tenant}' AND state IN ('returned', 'superseded')
          AND NOT EXISTS (SELECT 1 FROM invoice_returns r WHERE r.tenant_id = c.tenant_id
                          AND r.document_id = c.document_id);

        UPDATE invoice_cases SET payment_deadline = to_char(date '2026-02-01' + (document_id % 90)::int, 'YYYY-MM-DD')
        WHERE tenant_id = '{tenant}' AND state NOT IN ('rejected', 'superseded') AND payment_deadline IS NULL;
        UPDATE invoice_cases SET open_deadline = payment_deadline
        WHERE tenant_id = '{tenant}' AND state IN ('received', 'under_inspection', 'inspected', 'approved',
                                                    'payment_ordered');
        UPDATE invoice_cases SET paused_days_left = document_id % 30 - 5
        WHERE tenant_id = '{tenant}' AND state = 'returned';

        INSERT INTO counterparty_names (tenant_id, name)
        SELECT DISTINCT '{tenant}', supplier_name FROM documents
        WHERE tenant_id = '{tenant}' AND archive_seq > {FIRST_SEQ}
        ON CONFLICT (tenant_id, name) DO NOTHING;

        DROP TABLE generated;
        "
    )
}

/// A national registry of 20,000 issuers.
const REGISTRY: &str = "
    INSERT INTO registry_issuers (registration_number, process, kind, registration_date, name, data_date)
    SELECT 'T' || lpad(g::text, 13, '0'), '01', '2', '2023-10-01', '登録事業者' || g, '2026-03-01'
    FROM generate_series(1, 20000) AS g;
    INSERT INTO registry_imports (file_name, data_date, full_data, records, imported_at)
    VALUES ('zenken.csv', '2026-03-01', 1, 20000, '2026-03-02T00:00:00Z');
";

/// Keeps autovacuum from analysing the generated tables behind the test's back: the first round of plans
/// is made with no statistics at all, as right after a bulk load.
const NO_AUTOVACUUM: &str = "
    ALTER TABLE documents SET (autovacuum_enabled = false);
    ALTER TABLE archive_entries SET (autovacuum_enabled = false);
    ALTER TABLE document_validations SET (autovacuum_enabled = false);
    ALTER TABLE invoice_cases SET (autovacuum_enabled = false);
    ALTER TABLE invoice_returns SET (autovacuum_enabled = false);
    ALTER TABLE counterparty_names SET (autovacuum_enabled = false);
    ALTER TABLE registry_issuers SET (autovacuum_enabled = false);
";

async fn sample(app: &TestApp, tenant: &str, org: i64) -> (PlanSample, Vec<String>) {
    let (id, number, number_key, sha, date, amount): (i64, String, String, String, String, i64) =
        sqlx::query_as(
            "SELECT id, number, number_key, content_sha256, issue_date, amount_scaled FROM documents
             WHERE tenant_id = $1 AND supplier_org_id = $2 AND kind = 'invoice' AND archive_seq > $3
             ORDER BY id LIMIT 1",
        )
        .bind(tenant)
        .bind(org)
        .bind(FIRST_SEQ)
        .fetch_one(app.store.raw_pool())
        .await
        .unwrap();
    let counterparty = format!("サンプル商事{org}");
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM counterparty_names WHERE tenant_id = $1 AND name LIKE $2 ORDER BY name",
    )
    .bind(tenant)
    .bind(format!("%{counterparty}%"))
    .fetch_all(app.store.raw_pool())
    .await
    .unwrap();
    assert!(!names.is_empty(), "the counterparty names were generated");
    let sample = PlanSample {
        tenant: TenantId::parse(tenant).unwrap(),
        supplier_org_id: org,
        document_id: id,
        number,
        number_key,
        content_sha256: sha,
        issue_date: NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap(),
        amount_scaled: amount,
        registration_number: format!("T{org:013}"),
    };
    (sample, names)
}

/// The walks in the plans of `statements`: custom plans (what the store asks PostgreSQL for), and generic
/// ones too for intake's look-ups, which must hold whatever the values.
async fn walks_of(app: &TestApp, statements: &[HotStatement], round: &str) -> Vec<String> {
    let mut failures = Vec::new();
    for statement in statements {
        let modes: &[PlanMode] = match statement.path {
            HotPath::Intake => &[PlanMode::Generic, PlanMode::Custom],
            HotPath::Search | HotPath::Inbox => &[PlanMode::Custom],
        };
        for &mode in modes {
            let plan = app
                .store
                .explain(statement, mode)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}\n{}", statement.name, statement.sql));
            for walk in plan_walks(&plan) {
                failures.push(format!(
                    "{round}, {mode:?} plan of {:?} statement \"{}\": {walk}",
                    statement.path, statement.name
                ));
            }
        }
    }
    failures
}

#[tokio::test]
async fn intake_search_and_inbox_statements_look_rows_up_without_walking_a_tenant() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let city = app.city("city-a").await;
    app.city("city-b").await;
    for name in [
        "株式会社サンプル商事A",
        "株式会社サンプル商事B",
        "有限会社テスト",
    ] {
        sqlx::query(
            "INSERT INTO supplier_orgs (tenant_id, name, created_at) VALUES ('city-a', $1, '2026-01-01T00:00:00Z')",
        )
        .bind(name)
        .execute(app.store.raw_pool())
        .await
        .unwrap();
    }
    execute(&app, NO_AUTOVACUUM).await;
    // A real invoice, whose summary the generated documents share.
    let posted = app
        .submit(&city.supplier_a, fixture("jp-pint/jp-pint-example.xml"))
        .await;
    assert_eq!(posted.status(), StatusCode::CREATED);

    execute(&app, &generate("city-a", 1, DOCUMENTS)).await;
    execute(&app, &generate("city-b", 1, OTHER_CITY_DOCUMENTS)).await;
    execute(&app, REGISTRY).await;
    // The sample is a minor supplier (a twentieth of the documents), beside the dominant one.
    let mut failures = check_all(&app, Statistics::None, city.org_b).await;
    execute(&app, "ANALYZE").await;
    failures.extend(check_all(&app, Statistics::Analyzed, city.org_b).await);
    assert!(
        failures.is_empty(),
        "{} plans walk a tenant's rows:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // What staff see of so large an archive: a first page, and a count that stops at 10,000.
    let everything: Value = app
        .get_json(&city.staff, "/api/v1/documents?per_page=20")
        .await;
    assert_eq!(everything["items"].as_array().unwrap().len(), 20);
    assert_eq!(everything["total"], 10_000, "{}", everything["total"]);
    assert_eq!(everything["total_exact"], false);
    let one_month: Value = app
        .get_json(
            &city.staff,
            "/api/v1/documents?date_from=2024-02-01&date_to=2024-02-29&per_page=500",
        )
        .await;
    assert_eq!(one_month["total_exact"], true);
    let month_total = one_month["total"].as_i64().unwrap();
    assert!(
        (900..=1300).contains(&month_total),
        "a month of 40,000 documents over three years: {month_total}"
    );
    let inbox: Vec<Value> = app.get_json(&city.staff, "/api/v1/inbox?limit=50").await;
    assert_eq!(inbox.len(), 50, "open invoices are listed");
    app.stop().await;
}

/// Whether the tables have been analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Statistics {
    /// Right after a bulk load: intake's look-ups must hold even so.
    None,
    /// As autovacuum keeps them: what searches and listings are planned from (how many rows match a
    /// criterion decides their plan, and only statistics tell PostgreSQL).
    Analyzed,
}

async fn check_all(app: &TestApp, statistics: Statistics, org: i64) -> Vec<String> {
    let (sample, names) = sample(app, "city-a", org).await;
    let statements = hot_statements(app.store.backend(), &sample, &names);
    for path in [HotPath::Intake, HotPath::Search, HotPath::Inbox] {
        assert!(
            statements.iter().filter(|s| s.path == path).count() >= 5,
            "the {path:?} statements are listed"
        );
    }
    let checked: Vec<HotStatement> = statements
        .into_iter()
        .filter(|s| s.path == HotPath::Intake || statistics == Statistics::Analyzed)
        .collect();
    walks_of(app, &checked, &format!("{statistics:?} statistics")).await
}

/// The indexes of documents before intake's look-ups were rewritten (migration 0006 undone).
const FORMER_INDEXES: &str = "
    ALTER TABLE documents DROP CONSTRAINT documents_version_key;
    ALTER TABLE documents ADD CONSTRAINT documents_tenant_id_supplier_key_kind_number_version_key
        UNIQUE (tenant_id, supplier_key, kind, number, version);
    DROP INDEX documents_number_key;
    CREATE INDEX documents_number_key ON documents (tenant_id, supplier_key, kind, number_key, id);
    CREATE INDEX documents_number ON documents (tenant_id, kind, number);
";

/// The look-up intake used before (a correlated `MAX(version)` and `ORDER BY id LIMIT 1` per submission),
/// on the indexes it had, is planned as a walk over the dominant supplier's documents in a small archive
/// without statistics (and such a generic plan stays cached as the archive grows): the check above would
/// have failed on it.
#[tokio::test]
async fn the_former_look_up_of_earlier_documents_is_caught_walking() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let city = app.city("city-a").await;
    execute(&app, NO_AUTOVACUUM).await;
    execute(&app, FORMER_INDEXES).await;
    execute(&app, &generate("city-a", 1, SMALL_ARCHIVE)).await;
    let (sample, _) = sample(&app, "city-a", city.org_a).await;
    let former = HotStatement {
        path: HotPath::Intake,
        name: "former earlier-documents look-up".into(),
        sql: "SELECT CAST(0 AS BIGINT) AS idx,
                 (SELECT id FROM documents WHERE tenant_id = $1 AND content_sha256 = $2
                  AND supplier_key = $3 ORDER BY id LIMIT 1) AS same_content,
                 (SELECT MAX(version) FROM documents WHERE tenant_id = $1 AND supplier_key = $3
                  AND kind = $4 AND number = $5) AS latest_version"
            .into(),
        values: vec![
            SampleValue::Text("city-a".into()),
            SampleValue::Text(sample.content_sha256.clone()),
            SampleValue::Text(format!("org:{}", city.org_a)),
            SampleValue::Text("invoice".into()),
            SampleValue::Text(sample.number.clone()),
        ],
    };
    let walks = walks_of(&app, std::slice::from_ref(&former), "a small archive").await;
    assert!(
        !walks.is_empty(),
        "the former look-up is planned without a walk, so this test no longer shows the check catching it"
    );
    app.stop().await;
}

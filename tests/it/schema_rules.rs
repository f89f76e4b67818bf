//! The schema rule that lets PostgreSQL be distributed by city on Citus (`deploy/citus.md`): every table but
//! the reference tables has a `tenant_id` column, and every primary key, unique key and unique index of
//! those tables, and every foreign key, starts with `tenant_id`. Checked on the migrated schema of both
//! databases, so that a migration that breaks it fails here.

use cie_tests::{Backend, TestApp};
use rstest::rstest;
use sqlx::Row;

/// Tables every city shares: Citus reference tables (and the migrations' own bookkeeping).
const REFERENCE_TABLES: [&str; 4] = [
    "tenants",
    "registry_issuers",
    "registry_imports",
    "_sqlx_migrations",
];

/// The rows of `sql` on `pool`, with `table` bound to `$1` when given.
async fn rows(pool: &sqlx::AnyPool, sql: &str, table: Option<&str>) -> Vec<sqlx::any::AnyRow> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    if let Some(table) = table {
        query = query.bind(table);
    }
    query.fetch_all(pool).await.unwrap()
}

/// A key or index: its table, its kind and name, and its columns in order.
#[derive(Debug)]
struct Key {
    table: String,
    what: String,
    columns: Vec<String>,
}

async fn postgres_keys(app: &TestApp) -> (Vec<String>, Vec<(String, bool)>, Vec<Key>) {
    let pool = app.store.raw_pool();
    let tables: Vec<String> = rows(
        pool,
        "SELECT table_name::text AS name FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
        None,
    )
    .await
    .iter()
    .map(|row| row.get("name"))
    .collect();
    let tenant_columns: Vec<(String, bool)> = rows(pool, "SELECT table_name::text AS name, is_nullable::text = 'NO' AS not_null FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name = 'tenant_id'", None).await
    .iter()
    .map(|row| (row.get("name"), row.get("not_null")))
    .collect();
    let mut keys = Vec::new();
    for row in rows(pool, "SELECT c.conrelid::regclass::text AS tbl, c.contype::text || ' ' || c.conname::text AS what,
                (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord)
                 FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f')
         UNION ALL
         SELECT t.relname::text, 'unique index ' || i.relname::text,
                (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord)
                 FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum)
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' AND x.indisunique", None).await
    {
        let columns: Option<String> = row.get("cols");
        keys.push(Key {
            table: row.get("tbl"),
            what: row.get("what"),
            columns: columns
                .unwrap_or_default()
                .split(',')
                .map(str::to_owned)
                .collect(),
        });
    }
    (tables, tenant_columns, keys)
}

async fn sqlite_keys(app: &TestApp) -> (Vec<String>, Vec<(String, bool)>, Vec<Key>) {
    let pool = app.store.raw_pool();
    let tables: Vec<String> = rows(pool, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1", None).await
    .iter()
    .map(|row| row.get("name"))
    .collect();
    let mut tenant_columns = Vec::new();
    let mut keys = Vec::new();
    for table in &tables {
        for row in rows(
            pool,
            "SELECT name, \"notnull\" AS not_null, pk FROM pragma_table_info($1) ORDER BY pk",
            Some(table),
        )
        .await
        {
            let name: String = row.get("name");
            if name == "tenant_id" {
                let not_null: i64 = row.get("not_null");
                let pk: i64 = row.get("pk");
                tenant_columns.push((table.clone(), not_null == 1 || pk > 0));
            }
        }
        let primary: Vec<String> = rows(
            pool,
            "SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk",
            Some(table),
        )
        .await
        .iter()
        .map(|row| row.get("name"))
        .collect();
        // SQLite numbers rows only through a one-column `INTEGER PRIMARY KEY`; such a table keys its rows by
        // city with a unique (tenant_id, id), which the unique indexes below must show.
        let rowid_alias = primary == ["id"];
        if !primary.is_empty() && !rowid_alias {
            keys.push(Key {
                table: table.clone(),
                what: "primary key".into(),
                columns: primary,
            });
        }
        let mut keyed_by_city = false;
        for index in rows(
            pool,
            "SELECT name FROM pragma_index_list($1) WHERE \"unique\" = 1",
            Some(table),
        )
        .await
        {
            let name: String = index.get("name");
            let columns: Vec<String> = rows(
                pool,
                "SELECT name FROM pragma_index_info($1) ORDER BY seqno",
                Some(&name),
            )
            .await
            .iter()
            .map(|row| row.get::<Option<String>, _>("name").unwrap_or_default())
            .collect();
            if rowid_alias && columns == ["tenant_id", "id"] {
                keyed_by_city = true;
            }
            keys.push(Key {
                table: table.clone(),
                what: format!("unique index {name}"),
                columns,
            });
        }
        if rowid_alias && !keyed_by_city {
            keys.push(Key {
                table: table.clone(),
                what: "primary key (a row id without a unique (tenant_id, id))".into(),
                columns: vec!["id".into()],
            });
        }
        let mut foreign: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
        for row in rows(
            pool,
            "SELECT id, \"from\" AS column_name FROM pragma_foreign_key_list($1) ORDER BY id, seq",
            Some(table),
        )
        .await
        {
            foreign
                .entry(row.get("id"))
                .or_default()
                .push(row.get("column_name"));
        }
        for (id, columns) in foreign {
            keys.push(Key {
                table: table.clone(),
                what: format!("foreign key {id}"),
                columns,
            });
        }
    }
    (tables, tenant_columns, keys)
}

#[rstest]
#[tokio::test]
async fn every_key_of_a_city_table_leads_with_tenant_id(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let (tables, tenant_columns, keys) = match backend {
        Backend::Sqlite => sqlite_keys(&app).await,
        Backend::Postgres => postgres_keys(&app).await,
    };
    assert!(tables.len() >= 20, "the schema was read: {tables:?}");
    let city_tables: Vec<&String> = tables
        .iter()
        .filter(|t| !REFERENCE_TABLES.contains(&t.as_str()))
        .collect();
    let mut problems = Vec::new();
    for table in &city_tables {
        match tenant_columns.iter().find(|(name, _)| name == *table) {
            None => problems.push(format!("{table} has no tenant_id column")),
            Some((_, false)) => problems.push(format!("{table}.tenant_id may be null")),
            Some(_) => {}
        }
    }
    let mut checked = 0;
    for key in keys
        .iter()
        .filter(|k| !REFERENCE_TABLES.contains(&k.table.as_str()))
    {
        checked += 1;
        if key.columns.first().map(String::as_str) != Some("tenant_id") {
            problems.push(format!(
                "{} {} is on ({}), not led by tenant_id",
                key.table,
                key.what,
                key.columns.join(", ")
            ));
        }
    }
    assert!(checked >= 40, "keys were read: {keys:?}");
    assert!(
        problems.is_empty(),
        "the schema breaks the distribution rule:\n{}",
        problems.join("\n")
    );
    if backend == Backend::Postgres {
        the_citus_steps_name_every_table(&tables);
    }
    app.stop().await;
}

/// `deploy/citus.md` distributes every city table and makes the others reference tables, no more, no less.
fn the_citus_steps_name_every_table(tables: &[String]) {
    let guide = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/citus.md"),
    )
    .unwrap();
    let sql = guide
        .split("```sql")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("deploy/citus.md has its SQL steps");
    let quoted = |text: &str| -> Vec<String> {
        text.split('\'')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    let mut reference = Vec::new();
    let mut distributed = Vec::new();
    for line in sql.lines() {
        if line.contains("create_reference_table") {
            reference.extend(quoted(line));
        } else if line.contains("create_distributed_table(")
            && !line.contains("create_distributed_table(t,")
        {
            distributed.extend(quoted(line).into_iter().take(1));
        } else if line.trim_start().starts_with('\'') {
            distributed.extend(quoted(line));
        }
    }
    let mut expected_reference: Vec<String> = REFERENCE_TABLES
        .iter()
        .filter(|t| !t.starts_with('_'))
        .map(|t| (*t).to_owned())
        .collect();
    expected_reference.sort();
    reference.sort();
    assert_eq!(
        reference, expected_reference,
        "reference tables in deploy/citus.md"
    );
    let mut expected: Vec<String> = tables
        .iter()
        .filter(|t| !REFERENCE_TABLES.contains(&t.as_str()))
        .cloned()
        .collect();
    expected.sort();
    distributed.sort();
    assert_eq!(
        distributed, expected,
        "distributed tables in deploy/citus.md"
    );
}

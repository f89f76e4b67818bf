//! The statements intake, search and the inbox send, built by the same functions that send them, with
//! sample values; their PostgreSQL plans (generic, as a prepared statement gets after a few executions, or
//! custom, planned for the values); and the check that a plan looks rows up rather than walking a tenant's
//! documents, archive or cases from one end to the other.

use chrono::{Datelike, NaiveDate};
use cie_domain::{DocumentKind, TenantId};
use cie_workflow::InvoiceState;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use sqlx::{Acquire, AssertSqlSafe};

use crate::documents::{Bind, SearchStatements};
use crate::error::StoreError;
use crate::workflow::{CaseFilter, CaseOrder, DueBy};
use crate::{Backend, Counterparty, DocumentQuery, DocumentSort, Store};

/// Which user waits on a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HotPath {
    /// A supplier posting a document.
    Intake,
    /// Staff or a tax auditor searching the archive.
    Search,
    /// Staff at the inbox and the invoice lists.
    Inbox,
}

/// A value bound to a statement, typed as the store binds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SampleValue {
    /// A text value.
    Text(String),
    /// A 64-bit integer.
    Int(i64),
    /// Bytes.
    Bytes(Vec<u8>),
    /// A NULL bound as text.
    NullText,
    /// A NULL bound as a 64-bit integer.
    NullInt,
}

impl SampleValue {
    fn type_name(&self) -> &'static str {
        match self {
            SampleValue::Text(_) | SampleValue::NullText => "text",
            SampleValue::Int(_) | SampleValue::NullInt => "bigint",
            SampleValue::Bytes(_) => "bytea",
        }
    }

    fn literal(&self) -> String {
        match self {
            SampleValue::Text(text) => format!("'{}'", text.replace('\'', "''")),
            SampleValue::Int(int) => int.to_string(),
            SampleValue::Bytes(bytes) => format!("'\\x{}'", hex::encode(bytes)),
            SampleValue::NullText | SampleValue::NullInt => "NULL".to_owned(),
        }
    }
}

impl From<&Bind> for SampleValue {
    fn from(bind: &Bind) -> Self {
        match bind {
            Bind::Text(text) => SampleValue::Text(text.clone()),
            Bind::Int(int) => SampleValue::Int(*int),
        }
    }
}

/// One statement as the store sends it, with values to plan it for.
#[derive(Debug, Clone)]
pub struct HotStatement {
    /// Who waits on it.
    pub path: HotPath,
    /// What it does, e.g. `earlier documents (batch of 16)`.
    pub name: String,
    /// The SQL text, exactly as sent.
    pub sql: String,
    /// The values bound, in order.
    pub values: Vec<SampleValue>,
}

/// Values found in a tenant's data to plan the statements for: an existing document of a supplier
/// organisation, and the text a user would search its counterparty by.
#[derive(Debug, Clone)]
pub struct PlanSample {
    /// The tenant.
    pub tenant: TenantId,
    /// A supplier organisation.
    pub supplier_org_id: i64,
    /// An invoice of that organisation.
    pub document_id: i64,
    /// Its number.
    pub number: String,
    /// Its number key.
    pub number_key: String,
    /// Its content hash.
    pub content_sha256: String,
    /// Its issue date.
    pub issue_date: NaiveDate,
    /// Its transaction amount × 10^4.
    pub amount_scaled: i64,
    /// Its supplier's 登録番号.
    pub registration_number: String,
}

impl PlanSample {
    fn supplier_key(&self) -> String {
        format!("org:{}", self.supplier_org_id)
    }
}

fn text(value: impl Into<String>) -> SampleValue {
    SampleValue::Text(value.into())
}

/// Every statement of intake, search and the inbox, with `sample`'s values. `counterparty_names` are the
/// names a counterparty search found for the sample's supplier (what search binds).
pub fn hot_statements(
    backend: Backend,
    sample: &PlanSample,
    counterparty_names: &[String],
) -> Vec<HotStatement> {
    let mut statements = intake_statements(backend, sample);
    statements.extend(search_statements(sample, counterparty_names));
    statements.extend(inbox_statements(sample));
    statements
}

fn intake_statements(backend: Backend, sample: &PlanSample) -> Vec<HotStatement> {
    let tenant = text(sample.tenant.as_str());
    let date = text(sample.issue_date.format("%Y-%m-%d").to_string());
    let at = text("2026-12-01T00:00:00.000000Z");
    let statement = |name: &str, sql: String, values: Vec<SampleValue>| HotStatement {
        path: HotPath::Intake,
        name: name.to_owned(),
        sql,
        values,
    };
    let look_up_values = |rows: usize| -> Vec<SampleValue> {
        (0..rows)
            .flat_map(|row| {
                [
                    SampleValue::Int(row as i64),
                    tenant.clone(),
                    text(format!("{:0>64}", row)),
                    text(sample.supplier_key()),
                    text(DocumentKind::Invoice.as_str()),
                    text(format!("{}-{row}", sample.number)),
                    text(format!("{}{row}", sample.number_key)),
                    text(format!("DN-{row}")),
                    text(format!("PO-{row}")),
                ]
            })
            .collect()
    };
    let repeated = |rows: usize, row: Vec<SampleValue>| -> Vec<SampleValue> {
        (0..rows).flat_map(|_| row.clone()).collect()
    };
    let mut exact_look_up = look_up_values(1);
    exact_look_up[2] = text(sample.content_sha256.clone());
    exact_look_up[5] = text(sample.number.clone());
    exact_look_up[6] = text(sample.number_key.clone());
    vec![
        statement(
            "supplier organisation",
            crate::directory::SUPPLIER_ORG_SQL.to_owned(),
            vec![tenant.clone(), SampleValue::Int(sample.supplier_org_id)],
        ),
        statement(
            "registry look-up",
            crate::registry::REGISTRY_LOOKUP_SQL.to_owned(),
            vec![text(sample.registration_number.clone())],
        ),
        statement(
            "corrected-invoice look-up",
            crate::workflow::returned_invoice_sql(2),
            vec![
                tenant.clone(),
                text(sample.supplier_key()),
                text(DocumentKind::Invoice.as_str()),
                text(sample.number.clone()),
                text(format!("{}-R", sample.number)),
            ],
        ),
        statement(
            "orders and delivery notes an arriving invoice names",
            crate::documents::documents_numbered_sql(2, 2),
            vec![
                tenant.clone(),
                text(DocumentKind::Order.as_str()),
                text(DocumentKind::DespatchAdvice.as_str()),
                text(sample.number.clone()),
                text(format!("{}-D", sample.number)),
            ],
        ),
        statement(
            "archive head (locked)",
            crate::writer::head_sql(backend).to_owned(),
            vec![tenant.clone()],
        ),
        statement(
            "earlier documents (one, an existing number and content)",
            crate::batch::prior_documents_sql(1),
            exact_look_up,
        ),
        statement(
            "earlier documents (batch of 16, new)",
            crate::batch::prior_documents_sql(16),
            look_up_values(16),
        ),
        statement(
            "identical document (idempotent replay)",
            crate::documents::document_by_id_sql(),
            vec![tenant.clone(), SampleValue::Int(sample.document_id)],
        ),
        statement(
            "archive entries insert (16)",
            crate::batch::archive_insert_sql(backend, 16),
            repeated(
                16,
                vec![
                    tenant.clone(),
                    SampleValue::Int(1),
                    at.clone(),
                    SampleValue::Int(1),
                    SampleValue::Int(sample.supplier_org_id),
                    text("0"),
                    SampleValue::Int(1),
                    SampleValue::Int(0),
                    text("accepted"),
                    SampleValue::NullText,
                    SampleValue::NullText,
                    text("0"),
                    text("0"),
                    SampleValue::Bytes(b"<x/>".to_vec()),
                    text("seal"),
                    text("database"),
                    text("zlib"),
                ],
            ),
        ),
        statement(
            "documents insert (16)",
            crate::batch::documents_insert_sql(backend, 16),
            repeated(
                16,
                vec![
                    tenant.clone(),
                    SampleValue::Int(1),
                    text(DocumentKind::Invoice.as_str()),
                    text("jp_pint_standard"),
                    text("N"),
                    date.clone(),
                    text("received"),
                    text(sample.supplier_key()),
                    text("S"),
                    SampleValue::NullText,
                    SampleValue::NullText,
                    text("JPY"),
                    SampleValue::Int(sample.amount_scaled),
                    text("0"),
                    SampleValue::Int(1),
                    SampleValue::NullInt,
                    SampleValue::Int(0),
                    at.clone(),
                    SampleValue::Int(1),
                    text("{}"),
                    text("n"),
                    text("inbound"),
                    SampleValue::Int(sample.supplier_org_id),
                    text("seal"),
                ],
            ),
        ),
        statement(
            "verdicts insert (16)",
            crate::batch::verdicts_insert_sql(backend, 16),
            repeated(
                16,
                vec![
                    tenant.clone(),
                    SampleValue::Int(sample.document_id),
                    at.clone(),
                    SampleValue::Int(0),
                    SampleValue::Int(0),
                    SampleValue::Int(0),
                    text("jp-pint 1.1.3"),
                    text("[]"),
                    SampleValue::NullText,
                    text("seal"),
                ],
            ),
        ),
        statement(
            "invoice cases insert (16)",
            crate::workflow::cases_insert_sql(backend, 16),
            repeated(
                16,
                vec![
                    tenant.clone(),
                    SampleValue::Int(sample.document_id),
                    text("received"),
                    SampleValue::Int(sample.document_id),
                    SampleValue::Int(sample.supplier_org_id),
                    at.clone(),
                    text("goods"),
                    SampleValue::Int(10),
                    SampleValue::Int(30),
                    text("statutory"),
                    date.clone(),
                    text("delivery_note"),
                    text("warning"),
                    text("registered"),
                    SampleValue::Int(0),
                    date.clone(),
                    date.clone(),
                    SampleValue::NullInt,
                ],
            ),
        ),
        statement(
            "counterparty names insert (2)",
            crate::documents::counterparties_insert_sql(backend, 2),
            vec![tenant.clone(), text("A"), tenant.clone(), text("B")],
        ),
        statement(
            "invoice state (correction, response)",
            crate::workflow::CURRENT_STATE_SQL.to_owned(),
            vec![tenant.clone(), SampleValue::Int(sample.document_id)],
        ),
        statement(
            "archive head update",
            crate::writer::HEAD_UPDATE_SQL.to_owned(),
            vec![SampleValue::Int(1), text("0"), tenant, text("seal")],
        ),
    ]
}

fn search_statements(sample: &PlanSample, counterparty_names: &[String]) -> Vec<HotStatement> {
    let month_from = sample.issue_date.with_day0(0).unwrap_or(sample.issue_date);
    let month_to = month_from + chrono::Months::new(1) - chrono::Days::new(1);
    let base = DocumentQuery {
        limit: 50,
        ..DocumentQuery::default()
    };
    let counterparty = Some(Counterparty {
        names: counterparty_names.to_vec(),
        supplier_org_ids: vec![sample.supplier_org_id],
        registration_number: None,
    });
    let shapes: Vec<(&str, DocumentQuery)> = vec![
        ("no criteria, by issue date", base.clone()),
        (
            "no criteria, newest first",
            DocumentQuery {
                sort: DocumentSort::ReceivedAt,
                descending: true,
                ..base.clone()
            },
        ),
        (
            "one month",
            DocumentQuery {
                issue_date_from: Some(month_from),
                issue_date_to: Some(month_to),
                ..base.clone()
            },
        ),
        (
            "amount range",
            DocumentQuery {
                amount_min_scaled: Some(sample.amount_scaled),
                amount_max_scaled: Some(sample.amount_scaled + 10_000 * 1_000),
                sort: DocumentSort::Amount,
                ..base.clone()
            },
        ),
        (
            "counterparty",
            DocumentQuery {
                counterparty: counterparty.clone(),
                ..base.clone()
            },
        ),
        (
            "counterparty by 登録番号",
            DocumentQuery {
                counterparty: Some(Counterparty {
                    names: Vec::new(),
                    supplier_org_ids: vec![sample.supplier_org_id],
                    registration_number: Some(sample.registration_number.clone()),
                }),
                ..base.clone()
            },
        ),
        (
            "one month, amount range and counterparty",
            DocumentQuery {
                issue_date_from: Some(month_from),
                issue_date_to: Some(month_to),
                amount_min_scaled: Some(0),
                amount_max_scaled: Some(sample.amount_scaled * 2),
                counterparty,
                ..base.clone()
            },
        ),
        (
            "document number",
            DocumentQuery {
                number: Some(sample.number.clone()),
                ..base.clone()
            },
        ),
        (
            "a supplier's own documents, newest first",
            DocumentQuery {
                supplier_org_id: Some(sample.supplier_org_id),
                sort: DocumentSort::ReceivedAt,
                descending: true,
                ..base.clone()
            },
        ),
    ];
    let mut statements = vec![HotStatement {
        path: HotPath::Search,
        name: "counterparty names".to_owned(),
        sql: crate::documents::COUNTERPARTY_NAMES_SQL.to_owned(),
        values: vec![text(sample.tenant.as_str())],
    }];
    for (name, query) in shapes {
        let search = SearchStatements::new(&sample.tenant, &query);
        let values: Vec<SampleValue> = search.binds.iter().map(SampleValue::from).collect();
        statements.push(HotStatement {
            path: HotPath::Search,
            name: format!("search: {name} (count)"),
            sql: search.count_sql,
            values: values.clone(),
        });
        statements.push(HotStatement {
            path: HotPath::Search,
            name: format!("search: {name} (page)"),
            sql: search.page_sql,
            values,
        });
    }
    statements.push(HotStatement {
        path: HotPath::Search,
        name: "one document".to_owned(),
        sql: crate::documents::document_by_id_sql(),
        values: vec![
            text(sample.tenant.as_str()),
            SampleValue::Int(sample.document_id),
        ],
    });
    statements
}

fn inbox_statements(sample: &PlanSample) -> Vec<HotStatement> {
    let today = sample.issue_date;
    let shapes: Vec<(&str, CaseFilter)> = vec![
        (
            "inbox: open invoices by deadline",
            CaseFilter {
                states: InvoiceState::OPEN.to_vec(),
                order: CaseOrder::Deadline,
                limit: 200,
                ..CaseFilter::default()
            },
        ),
        (
            "inbox: one state by deadline",
            CaseFilter {
                states: vec![InvoiceState::Inspected],
                order: CaseOrder::Deadline,
                limit: 200,
                ..CaseFilter::default()
            },
        ),
        (
            "inbox: overdue",
            CaseFilter {
                states: InvoiceState::OPEN.to_vec(),
                overdue_on: Some(today),
                order: CaseOrder::Deadline,
                limit: 200,
                ..CaseFilter::default()
            },
        ),
        (
            "inbox: due within a week",
            CaseFilter {
                states: InvoiceState::OPEN.to_vec(),
                due_by: Some(DueBy {
                    deadline: today + chrono::Duration::days(7),
                    days_left: 7,
                }),
                order: CaseOrder::Deadline,
                limit: 200,
                ..CaseFilter::default()
            },
        ),
        (
            "inbox: errors not registered",
            CaseFilter {
                states: InvoiceState::OPEN.to_vec(),
                min_severity: Some(cie_domain::Severity::Error),
                registry_statuses: vec!["not_found".to_owned()],
                order: CaseOrder::Deadline,
                limit: 200,
                ..CaseFilter::default()
            },
        ),
        (
            "invoices: all, newest first",
            CaseFilter {
                limit: 200,
                ..CaseFilter::default()
            },
        ),
        (
            "invoices: a supplier's own",
            CaseFilter {
                supplier_org_id: Some(sample.supplier_org_id),
                limit: 200,
                ..CaseFilter::default()
            },
        ),
        (
            "invoices: a supplier's returned ones",
            CaseFilter {
                supplier_org_id: Some(sample.supplier_org_id),
                states: vec![InvoiceState::Returned],
                limit: 200,
                ..CaseFilter::default()
            },
        ),
        (
            "invoices: a supplier's overdue ones",
            CaseFilter {
                supplier_org_id: Some(sample.supplier_org_id),
                overdue_on: Some(today),
                limit: 200,
                ..CaseFilter::default()
            },
        ),
    ];
    let mut statements: Vec<HotStatement> = Vec::new();
    for (name, filter) in shapes {
        let parts = filter.statements(&sample.tenant);
        let count = parts.len();
        for (index, (sql, binds)) in parts.into_iter().enumerate() {
            statements.push(HotStatement {
                path: HotPath::Inbox,
                name: if count == 1 {
                    name.to_owned()
                } else {
                    format!("{name} (part {} of {count})", index + 1)
                },
                sql,
                values: std::iter::once(SampleValue::Int(filter.limit))
                    .chain(binds.iter().map(SampleValue::from))
                    .collect(),
            });
        }
    }
    statements.push(HotStatement {
        path: HotPath::Inbox,
        name: "returns of 10 returned or corrected invoices' chains".to_owned(),
        sql: crate::workflow::invoice_returns_sql(10),
        values: std::iter::once(text(sample.tenant.as_str()))
            .chain((0..10).map(|i| SampleValue::Int(sample.document_id + i)))
            .collect(),
    });
    statements
}

/// Which plan PostgreSQL is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanMode {
    /// The plan for any values, which a prepared statement switches to after five executions when it looks
    /// no worse: what intake's primary-key look-ups get.
    Generic,
    /// The plan for the values given: what the archive writer's transaction and searches and listings ask
    /// for (PLANS.md).
    Custom,
}

impl Store {
    /// PostgreSQL's plan for `statement` (`EXPLAIN (FORMAT JSON)` of it prepared with the store's parameter
    /// types), in `mode`. Nothing is executed. Refused on SQLite.
    pub async fn explain(
        &self,
        statement: &HotStatement,
        mode: PlanMode,
    ) -> Result<Value, StoreError> {
        if self.backend() != Backend::Postgres {
            return Err(StoreError::Unsupported(
                "plans are explained on PostgreSQL only",
            ));
        }
        let mut conn = self.read().acquire().await?;
        let mut tx = conn.begin().await?;
        let setting = match mode {
            PlanMode::Generic => "force_generic_plan",
            PlanMode::Custom => "force_custom_plan",
        };
        sqlx::raw_sql(AssertSqlSafe(format!(
            "SET LOCAL plan_cache_mode = {setting};
             CREATE OR REPLACE FUNCTION pg_temp.cie_explain(statement text) RETURNS text LANGUAGE plpgsql AS $f$
             DECLARE plan json;
             BEGIN
                 EXECUTE statement INTO plan;
                 RETURN plan::text;
             END $f$;"
        )))
        .execute(&mut *tx)
        .await?;
        static PREPARED: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "cie_plan_check_{}",
            PREPARED.fetch_add(1, Ordering::Relaxed)
        );
        let types: Vec<&str> = statement
            .values
            .iter()
            .map(SampleValue::type_name)
            .collect();
        let prepare = if types.is_empty() {
            format!("PREPARE {name} AS {}", statement.sql)
        } else {
            format!("PREPARE {name} ({}) AS {}", types.join(", "), statement.sql)
        };
        sqlx::raw_sql(AssertSqlSafe(prepare))
            .execute(&mut *tx)
            .await?;
        let literals: Vec<String> = statement.values.iter().map(SampleValue::literal).collect();
        let explain = if literals.is_empty() {
            format!("EXPLAIN (FORMAT JSON) EXECUTE {name}")
        } else {
            format!(
                "EXPLAIN (FORMAT JSON) EXECUTE {name} ({})",
                literals.join(", ")
            )
        };
        let plan: String = sqlx::query_scalar("SELECT pg_temp.cie_explain($1)")
            .bind(explain)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::raw_sql(AssertSqlSafe(format!("DEALLOCATE {name}")))
            .execute(&mut *tx)
            .await?;
        tx.rollback().await?;
        serde_json::from_str(&plan)
            .map_err(|e| StoreError::Corrupt(format!("PostgreSQL's plan is not JSON: {e}")))
    }
}

/// Tables that grow with the archive: a plan must look their rows up, never read a tenant's share of them
/// from one end to the other.
const GROWING_TABLES: [&str; 8] = [
    "documents",
    "archive_entries",
    "document_validations",
    "invoice_cases",
    "invoice_returns",
    "invoice_responses",
    "audit_log",
    "registry_issuers",
];

/// Columns that narrow a growing table no more than to a city's share (or a large slice of it): an index
/// range on these alone is a walk over the tenant's rows.
const BROAD_COLUMNS: [&str; 10] = [
    "tenant_id",
    "kind",
    "status",
    "direction",
    "profile",
    "currency",
    "outcome",
    "possible_duplicate",
    "version",
    "truncated",
];

/// Columns that identify one row or a handful: a scan that looks one up by equality while its index
/// condition names none of them is looking for a needle by walking a haystack (the supplier's or the
/// tenant's documents in id order, or all documents of one amount, say).
const IDENTIFYING_COLUMNS: [&str; 9] = [
    "id",
    "seq",
    "archive_seq",
    "document_id",
    "chain_root_id",
    "number",
    "number_key",
    "content_sha256",
    "registration_number",
];

/// Nodes that read all their input before giving the first row: a `LIMIT` above them does not bound the
/// scans below them.
const BLOCKING_NODES: [&str; 7] = [
    "Sort",
    "Aggregate",
    "Hash",
    "Materialize",
    "SetOp",
    "WindowAgg",
    "Gather Merge",
];

/// The places where `plan` (PostgreSQL's `EXPLAIN (FORMAT JSON)` output) walks a tenant's rows of a growing
/// table rather than looking them up, each described with the node that does it; empty for a good plan.
///
/// A walk is
/// - a scan that looks up an identifying column (a number, a hash, an id) by equality in its filter while
///   its index condition names none: the `ORDER BY id LIMIT 1` trap, reading a supplier's or a tenant's
///   rows in index order (or every row of one amount) to find one;
/// - a sequential scan, or an index scan whose condition names only broad columns (the tenant, a kind, a
///   status), with no `LIMIT` above it to stop it early (a `LIMIT` over a filter is the planner's call,
///   made from the statistics it has for the values at hand);
/// - a bitmap scan on broad columns only, which reads every entry before the first row.
pub fn plan_walks(plan: &Value) -> Vec<String> {
    let mut walks = Vec::new();
    let roots: Vec<&Value> = match plan {
        Value::Array(items) => items.iter().filter_map(|item| item.get("Plan")).collect(),
        other => other.get("Plan").into_iter().collect(),
    };
    for root in roots {
        visit(root, false, "", &mut walks);
    }
    walks
}

fn visit(node: &Value, bounded: bool, bitmap_relation: &str, walks: &mut Vec<String>) {
    let node_type = node["Node Type"].as_str().unwrap_or_default();
    let relation = node["Relation Name"].as_str().unwrap_or(bitmap_relation);
    let index = node["Index Name"].as_str().unwrap_or_default();
    let condition = node["Index Cond"]
        .as_str()
        .or_else(|| node["Recheck Cond"].as_str())
        .unwrap_or_default();
    let filter = node["Filter"].as_str().unwrap_or_default();
    let growing = GROWING_TABLES.contains(&relation);
    let condition_columns = condition_columns(condition);
    let compared = filter_columns(filter);
    let scans = matches!(node_type, "Seq Scan" | "Index Scan" | "Index Only Scan");
    if growing && scans {
        // Nothing identifying in the index condition: a tenant, a supplier, a day, an amount (a monthly
        // fee is the same every month) can each match any number of rows.
        let haystack = !condition_columns
            .iter()
            .any(|c| IDENTIFYING_COLUMNS.contains(&c.as_str()));
        let sought: Vec<&str> = compared
            .iter()
            .filter(|(c, equality)| {
                *equality
                    && IDENTIFYING_COLUMNS.contains(&c.as_str())
                    && !condition_columns.contains(c)
            })
            .map(|(c, _)| c.as_str())
            .collect();
        let by = if node_type == "Seq Scan" {
            format!("sequential scan of {relation}")
        } else {
            format!("{node_type} of {relation} by {index} on ({condition})")
        };
        if haystack && !sought.is_empty() {
            walks.push(format!(
                "{by} looks for {} by walking rows{}",
                sought.join(", "),
                describe_filter(filter)
            ));
        } else if only_broad(&condition_columns) && !bounded {
            walks.push(format!(
                "{by} reads the tenant's rows with nothing to stop it early{}",
                describe_filter(filter)
            ));
        }
    }
    if node_type == "Bitmap Index Scan" && growing && only_broad(&condition_columns) {
        walks.push(format!(
            "bitmap scan of {relation} by {index} on ({condition}) reads every entry of the tenant"
        ));
    }
    let bounded_below = match node_type {
        "Limit" => true,
        blocking if BLOCKING_NODES.contains(&blocking) => false,
        _ => bounded,
    };
    if let Some(children) = node["Plans"].as_array() {
        for child in children {
            // A subplan (a correlated subquery) is run per outer row under its own LIMIT, if any.
            let subplan = child["Parent Relationship"].as_str() == Some("SubPlan")
                || child["Parent Relationship"].as_str() == Some("InitPlan");
            let inherited = match node_type {
                "Bitmap Heap Scan" | "BitmapAnd" | "BitmapOr" => relation,
                _ => "",
            };
            visit(child, bounded_below && !subplan, inherited, walks);
        }
    }
}

fn describe_filter(filter: &str) -> String {
    if filter.is_empty() {
        String::new()
    } else {
        format!(", filtering on {filter}")
    }
}

/// Whether `columns` name no column but broad ones (an empty list names none at all).
fn only_broad(columns: &[String]) -> bool {
    columns.iter().all(|c| BROAD_COLUMNS.contains(&c.as_str()))
}

/// The columns a filter compares, each with whether it is compared for equality (`=`, `= ANY`, `LIKE`):
/// every identifier followed by a comparison, wherever it stands, outside quoted literals.
fn filter_columns(filter: &str) -> Vec<(String, bool)> {
    let mut columns = Vec::new();
    let mut quoted = false;
    let mut word = String::new();
    let mut chars = filter.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
            word.clear();
            continue;
        }
        if quoted {
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            word.push(c);
            if chars.peek().is_some_and(|(_, next)| {
                next.is_ascii_alphanumeric() || *next == '_' || *next == '.'
            }) {
                continue;
            }
            let rest = filter[at + c.len_utf8()..].trim_start();
            let compared = ["=", "<>", "<", ">", "~~", "!~~", "IS "]
                .iter()
                .any(|op| rest.starts_with(op));
            let equality = rest.starts_with("= ") || rest.starts_with("~~ ");
            let starts_like_name =
                word.starts_with(|first: char| first.is_ascii_alphabetic() || first == '_');
            if compared && starts_like_name {
                let column = word.rsplit('.').next().unwrap_or(&word);
                columns.push((column.to_owned(), equality));
            }
            word.clear();
        }
    }
    columns
}

/// The column names in a condition such as `((tenant_id = $1) AND (issue_date >= $2))`: identifiers that
/// stand before a comparison operator.
fn condition_columns(condition: &str) -> Vec<String> {
    filter_columns(condition)
        .into_iter()
        .map(|(column, _)| column)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scan(node_type: &str, index: &str, condition: &str, filter: Option<&str>) -> Value {
        let mut node = json!({
            "Node Type": node_type,
            "Relation Name": "documents",
            "Index Name": index,
            "Index Cond": condition,
        });
        if let Some(filter) = filter {
            node["Filter"] = json!(filter);
        }
        node
    }

    fn plan(root: Value) -> Value {
        json!([{ "Plan": root }])
    }

    #[test]
    fn the_version_look_up_that_walked_a_suppliers_documents_is_named() {
        // What PostgreSQL chose for `SELECT MAX(version) … AND number = $5` before statistics existed.
        let walked = plan(json!({
            "Node Type": "Aggregate",
            "Plans": [scan(
                "Index Scan",
                "documents_number_key",
                "((tenant_id = $1) AND (supplier_key = $3) AND (kind = $4))",
                Some("(number = $5)"),
            )],
        }));
        let walks = plan_walks(&walked);
        assert_eq!(walks.len(), 1, "{walks:?}");
        assert!(walks[0].contains("documents_number_key"), "{walks:?}");
        assert!(walks[0].contains("number = $5"), "{walks:?}");

        let by_tenant = plan(json!({
            "Node Type": "Limit",
            "Plans": [scan(
                "Index Scan",
                "documents_pkey",
                "(tenant_id = $1)",
                Some("((content_sha256 = $2) AND (supplier_key = $3))"),
            )],
        }));
        let walks = plan_walks(&by_tenant);
        assert_eq!(walks.len(), 1, "{walks:?}");
        assert!(walks[0].contains("documents_pkey"), "{walks:?}");
        assert!(walks[0].contains("looks for content_sha256"), "{walks:?}");
    }

    #[test]
    fn sequential_scans_of_growing_tables_are_walks_and_of_small_ones_not() {
        let seq = |relation: &str| {
            plan(json!({ "Node Type": "Seq Scan", "Relation Name": relation, "Filter": "(x = 1)" }))
        };
        assert_eq!(plan_walks(&seq("documents")).len(), 1);
        assert_eq!(plan_walks(&seq("registry_imports")).len(), 0);
        assert_eq!(plan_walks(&seq("counterparty_names")).len(), 0);
    }

    #[test]
    fn a_tenant_range_is_fine_under_a_limit_and_a_walk_under_a_count() {
        let range = scan(
            "Index Scan Backward",
            "documents_received",
            "(tenant_id = $1)",
            None,
        );
        let mut range = range;
        range["Node Type"] = json!("Index Scan");
        let listed = plan(json!({ "Node Type": "Limit", "Plans": [range.clone()] }));
        assert!(plan_walks(&listed).is_empty());
        let counted = plan(json!({ "Node Type": "Aggregate", "Plans": [range.clone()] }));
        assert_eq!(plan_walks(&counted).len(), 1);
        let sorted = plan(json!({
            "Node Type": "Limit",
            "Plans": [{ "Node Type": "Sort", "Plans": [range] }],
        }));
        assert_eq!(plan_walks(&sorted).len(), 1);
    }

    #[test]
    fn a_number_sought_among_the_documents_of_one_amount_is_a_walk() {
        let by_amount = plan(json!({
            "Node Type": "Append",
            "Plans": [scan(
                "Index Scan",
                "documents_amount",
                "((tenant_id = $2) AND (amount_scaled = $9))",
                Some("((number <> $6) AND (number_key = $7) AND (issue_date = $8))"),
            )],
        }));
        let walks = plan_walks(&by_amount);
        assert_eq!(walks.len(), 1, "{walks:?}");
        assert!(walks[0].contains("looks for number_key"), "{walks:?}");
    }

    #[test]
    fn look_ups_by_a_selective_column_are_not_walks() {
        let looked_up = plan(json!({
            "Node Type": "Append",
            "Plans": [
                scan("Index Scan", "documents_content", "((tenant_id = $1) AND (content_sha256 = $2))", None),
                scan("Bitmap Index Scan", "documents_amount", "((tenant_id = $1) AND (amount_scaled >= $2))", None),
            ],
        }));
        assert!(plan_walks(&looked_up).is_empty());
        let bitmap_by_tenant = plan(json!({
            "Node Type": "Bitmap Heap Scan",
            "Relation Name": "documents",
            "Plans": [scan("Bitmap Index Scan", "documents_pkey", "(tenant_id = $1)", None)],
        }));
        assert_eq!(plan_walks(&bitmap_by_tenant).len(), 1);
    }

    #[test]
    fn a_seq_scan_bounded_by_a_limit_on_the_tenant_alone_is_not_a_walk() {
        let seq = |filter: &str| json!({ "Node Type": "Seq Scan", "Relation Name": "documents", "Filter": filter });
        let counted = plan(json!({
            "Node Type": "Aggregate",
            "Plans": [{ "Node Type": "Limit", "Plans": [seq("(tenant_id = $1)")] }],
        }));
        assert!(plan_walks(&counted).is_empty());
        let unbounded =
            plan(json!({ "Node Type": "Aggregate", "Plans": [seq("(tenant_id = $1)")] }));
        assert_eq!(plan_walks(&unbounded).len(), 1);
        let sought = plan(json!({
            "Node Type": "Limit",
            "Plans": [seq("((tenant_id = $1) AND (number = $2))")],
        }));
        assert_eq!(plan_walks(&sought).len(), 1);
    }

    #[test]
    fn filter_columns_skip_literals() {
        assert_eq!(
            filter_columns("((number = 'id = 1'::text) AND (c.state = ANY ($3)) AND (id <> $4))"),
            vec![
                ("number".to_owned(), true),
                ("state".to_owned(), true),
                ("id".to_owned(), false)
            ]
        );
    }

    #[test]
    fn columns_are_read_from_conditions() {
        assert_eq!(
            condition_columns("((d.tenant_id = $1) AND (d.id = c.document_id))"),
            vec!["tenant_id", "id"]
        );
        assert_eq!(condition_columns(""), Vec::<String>::new());
    }
}

//! Recorded documents: inserting a parsed document as a new version, finding one again, and the
//! 電子帳簿保存法 search (date range, amount range, counterparty, in any combination).

use chrono::{DateTime, NaiveDate, Utc};
use cie_domain::{DocumentKind, DocumentStatus, Summary, TenantId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::Store;
use crate::directory::{parse_timestamp, timestamp};
use crate::error::StoreError;
use crate::sealing::{DOCUMENT_INSERT_COLUMNS, DocumentRow};
use crate::writer::NewSubmission;

/// A recorded document: its summary plus what the service knows about its arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRecord {
    /// Id, unique within the tenant.
    pub id: i64,
    /// The tenant.
    pub tenant: TenantId,
    /// The archive entry holding the original bytes.
    pub archive_seq: i64,
    /// Lifecycle status.
    pub status: DocumentStatus,
    /// The supplier organisation it belongs to, if known.
    pub supplier_org_id: Option<i64>,
    /// 1 for the first document of a supplier with this kind and number, then 2, 3, …
    pub version: i64,
    /// The version this one follows, if any.
    pub previous_version_id: Option<i64>,
    /// Whether an earlier document of the same supplier, kind and number exists with other content.
    pub possible_duplicate: bool,
    /// SHA-256 of the original bytes.
    pub content_sha256: String,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// The user who sent it.
    pub submitter_id: i64,
    /// The extracted summary.
    pub summary: Summary,
    /// Whether the city issued it (an invoice response, order or request for quotation it sent).
    pub outbound: bool,
}

/// How search results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DocumentSort {
    /// By transaction (issue) date.
    #[default]
    IssueDate,
    /// By transaction amount.
    Amount,
    /// By arrival.
    ReceivedAt,
    /// By document number.
    Number,
}

/// A search over a tenant's documents. Every criterion is optional; given criteria are combined with AND.
#[derive(Debug, Clone, Default)]
pub struct DocumentQuery {
    /// Only this supplier organisation's documents (forced for supplier users).
    pub supplier_org_id: Option<i64>,
    /// Issue date on or after.
    pub issue_date_from: Option<NaiveDate>,
    /// Issue date on or before.
    pub issue_date_to: Option<NaiveDate>,
    /// Transaction amount × 10^4 at least.
    pub amount_min_scaled: Option<i64>,
    /// Transaction amount × 10^4 at most.
    pub amount_max_scaled: Option<i64>,
    /// Counterparty: the documents naming one of these supplier or buyer names, carrying this 登録番号, or
    /// belonging to one of these supplier organisations (what a person's text was found to mean).
    pub counterparty: Option<Counterparty>,
    /// Only this kind.
    pub kind: Option<DocumentKind>,
    /// Only this status.
    pub status: Option<DocumentStatus>,
    /// Only this document number.
    pub number: Option<String>,
    /// Order.
    pub sort: DocumentSort,
    /// Newest / largest first.
    pub descending: bool,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

/// A document found by a search, with where it stands in the invoice workflow (invoices received from
/// suppliers only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// The document.
    pub document: DocumentRecord,
    /// Its workflow state: received, under inspection, …, paid.
    pub workflow_state: Option<cie_workflow::InvoiceState>,
}

/// The counterparties a person's search text was found to mean.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counterparty {
    /// Supplier or buyer names, as documents carry them.
    pub names: Vec<String>,
    /// Supplier organisations whose registered name or 登録番号 matched.
    pub supplier_org_ids: Vec<i64>,
    /// A 登録番号 (`T` and 13 digits).
    pub registration_number: Option<String>,
}

/// One page of results and the number of matches in all.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Matches in all pages, counted up to [`COUNT_LIMIT`].
    pub total: i64,
    /// Whether `total` is exact; when not, there are more than [`COUNT_LIMIT`] matches.
    pub total_exact: bool,
}

/// Matches are counted up to this many: past it a search says "more than 10,000" rather than reading every
/// match (the whole archive, for a search without criteria) to count them.
pub const COUNT_LIMIT: i64 = 10_000;

pub(crate) const DOCUMENT_COLUMNS: &str = "id, tenant_id, archive_seq, status, supplier_org_id, version, previous_version_id, \
     possible_duplicate, content_sha256, received_at, submitter_id, summary_json, direction";

/// [`DOCUMENT_COLUMNS`] of the table aliased `d`, for joins.
pub(crate) const DOCUMENT_COLUMNS_OF_D: &str = "d.id, d.tenant_id, d.archive_seq, d.status, d.supplier_org_id, d.version, \
     d.previous_version_id, d.possible_duplicate, d.content_sha256, d.received_at, d.submitter_id, d.summary_json, \
     d.direction";

/// The sealed columns of the document recorded from `submission`, its `previous` version (id, version)
/// if any.
#[allow(clippy::too_many_arguments)]
pub(crate) fn document_row(
    tenant: &TenantId,
    archive_seq: i64,
    summary: &Summary,
    supplier_key: &str,
    status: DocumentStatus,
    submission: &NewSubmission,
    content_sha256: &str,
    previous: Option<(i64, i64)>,
    number_key: Option<&str>,
) -> Result<DocumentRow, StoreError> {
    Ok(DocumentRow {
        tenant: tenant.as_str().to_owned(),
        archive_seq,
        kind: summary.kind.as_str().to_owned(),
        profile: summary.profile.as_str().to_owned(),
        number: summary.number.clone(),
        issue_date: summary.issue_date.format("%Y-%m-%d").to_string(),
        status: status.as_str().to_owned(),
        supplier_key: supplier_key.to_owned(),
        supplier_name: summary.supplier.name.clone(),
        supplier_registration_number: summary.supplier.registration_number.clone(),
        buyer_name: summary.buyer.name.clone(),
        currency: summary.currency.clone(),
        amount_scaled: summary.search_amount_yen(),
        content_sha256: content_sha256.to_owned(),
        version: previous.map_or(1, |(_, version)| version + 1),
        previous_version_id: previous.map(|(id, _)| id),
        possible_duplicate: i64::from(previous.is_some()),
        received_at: timestamp(submission.received_at),
        submitter_id: submission.submitter_id,
        summary_json: serde_json::to_string(summary)
            .map_err(|e| StoreError::Corrupt(format!("summary does not serialise: {e}")))?,
        number_key: number_key.map(str::to_owned),
        direction: if submission.outbound {
            "outbound"
        } else {
            "inbound"
        }
        .to_owned(),
    })
}

impl DocumentRecord {
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn insert(
        conn: &mut AnyConnection,
        tenant: &TenantId,
        archive_seq: i64,
        summary: &Summary,
        supplier_key: &str,
        status: DocumentStatus,
        submission: &NewSubmission,
        content_sha256: &str,
        previous: Option<(i64, i64)>,
        number_key: Option<&str>,
        (key, validated): (&cie_audit::SealKey, bool),
    ) -> Result<DocumentRecord, StoreError> {
        let version = previous.map_or(1, |(_, version)| version + 1);
        let previous_version_id = previous.map(|(id, _)| id);
        let row = document_row(
            tenant,
            archive_seq,
            summary,
            supplier_key,
            status,
            submission,
            content_sha256,
            previous,
            number_key,
        )?;
        let seal = row.seal(key, validated);
        let insert = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO documents ({DOCUMENT_INSERT_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
                 $22, $23, $24)
             RETURNING id"
        )));
        let id: i64 = row
            .bind(insert, submission.supplier_org_id, seal)
            .fetch_one(&mut *conn)
            .await?
            .try_get("id")?;
        Ok(DocumentRecord {
            id,
            tenant: tenant.clone(),
            archive_seq,
            status,
            supplier_org_id: submission.supplier_org_id,
            version,
            previous_version_id,
            possible_duplicate: previous.is_some(),
            content_sha256: content_sha256.to_owned(),
            received_at: submission.received_at,
            submitter_id: submission.submitter_id,
            summary: summary.clone(),
            outbound: submission.outbound,
        })
    }

    pub(crate) fn from_row(row: &AnyRow) -> Result<DocumentRecord, StoreError> {
        let tenant: String = row.try_get("tenant_id")?;
        let status: String = row.try_get("status")?;
        let summary: String = row.try_get("summary_json")?;
        Ok(DocumentRecord {
            id: row.try_get("id")?,
            tenant: TenantId::parse(&tenant).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            archive_seq: row.try_get("archive_seq")?,
            status: status.parse().map_err(StoreError::Corrupt)?,
            supplier_org_id: row.try_get("supplier_org_id")?,
            version: row.try_get("version")?,
            previous_version_id: row.try_get("previous_version_id")?,
            possible_duplicate: row.try_get::<i64, _>("possible_duplicate")? != 0,
            content_sha256: row.try_get("content_sha256")?,
            received_at: parse_timestamp(&row.try_get::<String, _>("received_at")?)?,
            submitter_id: row.try_get("submitter_id")?,
            summary: serde_json::from_str(&summary)
                .map_err(|e| StoreError::Corrupt(format!("summary of a document: {e}")))?,
            outbound: row.try_get::<String, _>("direction")? == "outbound",
        })
    }
}

impl Store {
    /// The document `id` of `tenant`; with `supplier_org_id`, only if it belongs to that organisation.
    pub async fn document(
        &self,
        tenant: &TenantId,
        id: i64,
        supplier_org_id: Option<i64>,
    ) -> Result<DocumentRecord, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents
             WHERE tenant_id = $1 AND id = $2 AND ($3 IS NULL OR supplier_org_id = $3)"
        )))
        .bind(tenant.as_str())
        .bind(id)
        .bind(supplier_org_id)
        .fetch_optional(self.read())
        .await?
        .ok_or(StoreError::NotFound { what: "document" })?;
        DocumentRecord::from_row(&row)
    }

    /// Searches `tenant`'s documents.
    pub async fn search_documents(
        &self,
        tenant: &TenantId,
        query: &DocumentQuery,
    ) -> Result<Page<SearchHit>, StoreError> {
        let mut tx = self.listing().await?;
        let search = SearchStatements::new(tenant, query);
        let mut count = sqlx::query_scalar::<_, i64>(AssertSqlSafe(search.count_sql.clone()));
        for bind in &search.binds {
            count = bind.bind_scalar(count);
        }
        let counted = count.fetch_one(&mut *tx).await?;
        let mut page = sqlx::query(AssertSqlSafe(search.page_sql.clone()));
        for bind in &search.binds {
            page = bind.bind(page);
        }
        let rows = page.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let items = rows
            .iter()
            .map(|row| {
                let state: Option<String> = row.try_get("workflow_state")?;
                Ok(SearchHit {
                    document: DocumentRecord::from_row(row)?,
                    workflow_state: state
                        .map(|s| s.parse())
                        .transpose()
                        .map_err(StoreError::Corrupt)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Page {
            items,
            total: counted.min(COUNT_LIMIT),
            total_exact: counted <= COUNT_LIMIT,
        })
    }
}

/// Every supplier and buyer name a tenant's documents carry: a few thousand at most, which search reads
/// to find what a person's text means.
pub(crate) const COUNTERPARTY_NAMES_SQL: &str =
    "SELECT name FROM counterparty_names WHERE tenant_id = $1 ORDER BY name";

impl Store {
    /// Every supplier and buyer name `tenant`'s documents carry, in order.
    pub async fn counterparty_names(&self, tenant: &TenantId) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(COUNTERPARTY_NAMES_SQL)
            .bind(tenant.as_str())
            .fetch_all(self.read())
            .await?)
    }
}

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

impl Bind {
    pub(crate) fn bind<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        match self {
            Bind::Text(text) => query.bind(text.clone()),
            Bind::Int(int) => query.bind(*int),
        }
    }

    fn bind_scalar<'q>(
        &self,
        query: sqlx::query::QueryScalar<'q, sqlx::Any, i64, sqlx::any::AnyArguments>,
    ) -> sqlx::query::QueryScalar<'q, sqlx::Any, i64, sqlx::any::AnyArguments> {
        match self {
            Bind::Text(text) => query.bind(text.clone()),
            Bind::Int(int) => query.bind(*int),
        }
    }
}

/// The two statements of a search (the capped count and the page) and the values bound to both.
pub(crate) struct SearchStatements {
    pub(crate) count_sql: String,
    pub(crate) page_sql: String,
    pub(crate) binds: Vec<Bind>,
    /// The conditions on `documents d` alone (`$1` is the tenant), for statements that join them.
    pub(crate) filter: String,
}

impl SearchStatements {
    /// The statements for `query`.
    pub(crate) fn new(tenant: &TenantId, query: &DocumentQuery) -> Self {
        let mut conditions = vec!["d.tenant_id = $1".to_owned()];
        let mut binds = vec![Bind::Text(tenant.as_str().to_owned())];
        let mut add = |condition: &str, values: Vec<Bind>| {
            debug_assert_eq!(condition.matches("${}").count(), values.len());
            let mut condition = condition.to_owned();
            let mut next = binds.len();
            while let Some(at) = condition.find("${}") {
                next += 1;
                condition.replace_range(at..at + 3, &format!("${next}"));
            }
            binds.extend(values);
            conditions.push(condition);
        };
        if let Some(org) = query.supplier_org_id {
            add("d.supplier_org_id = ${}", vec![Bind::Int(org)]);
        }
        if let Some(from) = query.issue_date_from {
            add(
                "d.issue_date >= ${}",
                vec![Bind::Text(from.format("%Y-%m-%d").to_string())],
            );
        }
        if let Some(to) = query.issue_date_to {
            add(
                "d.issue_date <= ${}",
                vec![Bind::Text(to.format("%Y-%m-%d").to_string())],
            );
        }
        if let Some(min) = query.amount_min_scaled {
            add("d.amount_scaled >= ${}", vec![Bind::Int(min)]);
        }
        if let Some(max) = query.amount_max_scaled {
            add("d.amount_scaled <= ${}", vec![Bind::Int(max)]);
        }
        if let Some(counterparty) = &query.counterparty {
            let mut either = Vec::new();
            let mut values = Vec::new();
            let list = |count: usize| vec!["${}"; count].join(", ");
            if !counterparty.names.is_empty() {
                let names = list(counterparty.names.len());
                either.push(format!("d.supplier_name IN ({names})"));
                either.push(format!("d.buyer_name IN ({names})"));
                for _ in 0..2 {
                    values.extend(counterparty.names.iter().map(|n| Bind::Text(n.clone())));
                }
            }
            if let Some(number) = &counterparty.registration_number {
                either.push("d.supplier_registration_number = ${}".to_owned());
                values.push(Bind::Text(number.clone()));
            }
            if !counterparty.supplier_org_ids.is_empty() {
                either.push(format!(
                    "d.supplier_org_id IN ({})",
                    list(counterparty.supplier_org_ids.len())
                ));
                values.extend(
                    counterparty
                        .supplier_org_ids
                        .iter()
                        .map(|id| Bind::Int(*id)),
                );
            }
            if either.is_empty() {
                add("1 = 0", Vec::new());
            } else {
                add(&format!("({})", either.join(" OR ")), values);
            }
        }
        if let Some(kind) = query.kind {
            add("d.kind = ${}", vec![Bind::Text(kind.as_str().to_owned())]);
        }
        if let Some(status) = query.status {
            add(
                "d.status = ${}",
                vec![Bind::Text(status.as_str().to_owned())],
            );
        }
        if let Some(number) = &query.number {
            add("d.number = ${}", vec![Bind::Text(number.clone())]);
        }
        let filter = conditions.join(" AND ");
        let direction = if query.descending { "DESC" } else { "ASC" };
        // Columns that are never NULL sort by the column and id, as their indexes are ordered; NULL amounts
        // sort last either way, identically on both engines.
        let order = match query.sort {
            DocumentSort::IssueDate => format!("d.issue_date {direction}, d.id {direction}"),
            DocumentSort::ReceivedAt => format!("d.received_at {direction}, d.id {direction}"),
            DocumentSort::Number => format!("d.number {direction}, d.id {direction}"),
            DocumentSort::Amount => format!(
                "CASE WHEN d.amount_scaled IS NULL THEN 1 ELSE 0 END, d.amount_scaled {direction}, d.id {direction}"
            ),
        };
        SearchStatements {
            count_sql: format!(
                "SELECT COUNT(*) FROM (SELECT 1 AS hit FROM documents d WHERE {filter} LIMIT {}) AS capped",
                COUNT_LIMIT + 1
            ),
            // The page is chosen from documents alone, then joined with its invoice cases: joined before the
            // LIMIT, a page sorted from many matches could read every case of the city.
            page_sql: format!(
                "SELECT {DOCUMENT_COLUMNS_OF_D}, c.state AS workflow_state
                 FROM (SELECT {DOCUMENT_COLUMNS}, issue_date, amount_scaled, number FROM documents d
                       WHERE {filter} ORDER BY {order} LIMIT {} OFFSET {}) AS d
                 LEFT JOIN invoice_cases c ON c.tenant_id = d.tenant_id AND c.document_id = d.id
                 ORDER BY {order}",
                query.limit.clamp(1, 1000),
                query.offset.max(0)
            ),
            binds,
            filter,
        }
    }
}

impl Store {
    /// Documents of `tenant` (of one supplier organisation when given) of one of `kinds` numbered one of
    /// `numbers`, not refused: what an invoice's, a delivery note's or an order response's references name.
    /// Equality look-ups on the number, unlike [`Store::related_documents`], planned for the values given (a
    /// plan cached while the table was small walks the tenant's documents once it is not).
    pub async fn documents_numbered(
        &self,
        tenant: &TenantId,
        supplier_org_id: Option<i64>,
        kinds: &[DocumentKind],
        numbers: &[&str],
    ) -> Result<Vec<DocumentRecord>, StoreError> {
        if numbers.is_empty() || kinds.is_empty() {
            return Ok(Vec::new());
        }
        let sql = documents_numbered_sql(kinds.len(), numbers.len());
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(tenant.as_str());
        for kind in kinds {
            query = query.bind(kind.as_str());
        }
        for number in numbers {
            query = query.bind(*number);
        }
        let mut tx = self.listing().await?;
        let rows = query.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let mut found = Vec::new();
        for row in rows {
            let record = DocumentRecord::from_row(&row)?;
            if supplier_org_id.is_none_or(|org| record.supplier_org_id == Some(org)) {
                found.push(record);
            }
        }
        found.sort_by_key(|d| d.id);
        Ok(found)
    }

    /// Documents of `tenant` (of one supplier organisation when given) that are numbered one of `numbers`,
    /// or refer to a document numbered `referring_to`: the candidates for linking orders, responses,
    /// despatches and invoices. Callers confirm a reference from the summaries.
    pub async fn related_documents(
        &self,
        tenant: &TenantId,
        supplier_org_id: Option<i64>,
        numbers: &[&str],
        referring_to: &str,
    ) -> Result<Vec<DocumentRecord>, StoreError> {
        let mut found: Vec<DocumentRecord> = Vec::new();
        for number in numbers {
            let rows = sqlx::query(AssertSqlSafe(format!(
                "SELECT {DOCUMENT_COLUMNS} FROM documents
                 WHERE tenant_id = $1 AND ($2 IS NULL OR supplier_org_id = $2) AND status <> 'rejected'
                   AND id IN (SELECT id FROM documents WHERE tenant_id = $1 AND number = $3
                              UNION
                              SELECT document_id FROM document_references
                              WHERE tenant_id = $1 AND number = $3 AND $4 = 1)
                 ORDER BY id LIMIT 1000"
            )))
            .bind(tenant.as_str())
            .bind(supplier_org_id)
            .bind(*number)
            .bind(i64::from(*number == referring_to))
            .fetch_all(self.read())
            .await?;
            for row in &rows {
                let record = DocumentRecord::from_row(row)?;
                if !found.iter().any(|f| f.id == record.id) {
                    found.push(record);
                }
            }
        }
        found.sort_by_key(|d| d.id);
        Ok(found)
    }
}

/// Documents of `kinds` kinds numbered one of `numbers` numbers (tenant, then the kinds, then the numbers):
/// equalities on the number, which the version key holds right after `tenant_id`. The organisation is
/// compared by the caller, and the rows ordered by it: a condition on the organisation or an `ORDER BY id`
/// lets a planner walk the supplier's (or the tenant's) documents by another index instead.
pub(crate) fn documents_numbered_sql(kinds: usize, numbers: usize) -> String {
    let mut next = 1;
    let mut list = |n: usize| {
        (0..n)
            .map(|_| {
                next += 1;
                format!("${next}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let kind_list = list(kinds);
    let number_list = list(numbers);
    format!(
        "SELECT {DOCUMENT_COLUMNS} FROM documents
         WHERE tenant_id = $1 AND number IN ({number_list}) AND kind IN ({kind_list})
           AND status <> 'rejected'"
    )
}

/// What the writer needs to know before recording a document, in one round trip: a document of this supplier
/// with exactly this content, and the newest version of this supplier's kind and number.
#[derive(Default)]
pub(crate) struct PriorDocuments {
    pub(crate) same_content: Option<i64>,
    pub(crate) latest: Option<(i64, i64)>,
    pub(crate) same_content_elsewhere: Option<i64>,
    pub(crate) number_variant: Option<(i64, String)>,
    /// The issue dates of the supplier's delivery notes numbered as the invoice's delivery-note reference.
    pub(crate) delivery_notes: Vec<chrono::NaiveDate>,
    /// Whether the order the invoice refers to has been received (issued).
    pub(crate) named_order: bool,
}

impl PriorDocuments {
    /// Whether the order or the delivery note the invoice names is here.
    pub(crate) fn names_received_documents(&self) -> bool {
        self.named_order || !self.delivery_notes.is_empty()
    }

    /// Whether an earlier document looks like the new one: the same number, the same bytes from elsewhere,
    /// or a variant number with the same date and amount.
    pub(crate) fn looks_like_earlier(&self) -> bool {
        self.latest.is_some()
            || self.same_content_elsewhere.is_some()
            || self.number_variant.is_some()
    }
}

/// One document by id.
pub(crate) fn document_by_id_sql() -> String {
    format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE tenant_id = $1 AND id = $2")
}

/// The document `id` of `tenant`, on the writer's connection.
pub(crate) async fn document_by_id(
    conn: &mut AnyConnection,
    tenant: &str,
    id: i64,
) -> Result<DocumentRecord, StoreError> {
    let row = sqlx::query(AssertSqlSafe(document_by_id_sql()))
        .bind(tenant)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    DocumentRecord::from_row(&row)
}

/// The insert of `rows` counterparty names, 2 values each, keeping the names known already.
pub(crate) fn counterparties_insert_sql(backend: crate::Backend, rows: usize) -> String {
    format!(
        "INSERT INTO counterparty_names (tenant_id, name) VALUES {}
         ON CONFLICT (tenant_id, name) DO NOTHING",
        crate::batch::placeholders(backend, rows, 2)
    )
}

/// Remembers the counterparty names (supplier and buyer) of newly recorded documents, which counterparty
/// search looks up before it reads documents by name.
pub(crate) async fn remember_counterparties(
    conn: &mut AnyConnection,
    records: &[&DocumentRecord],
) -> Result<(), StoreError> {
    let mut names: Vec<(&str, &str)> = records
        .iter()
        .flat_map(|record| {
            [&record.summary.supplier.name, &record.summary.buyer.name]
                .into_iter()
                .flatten()
                .map(|name| (record.tenant.as_str(), name.as_str()))
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        return Ok(());
    }
    let mut insert = sqlx::query(AssertSqlSafe(counterparties_insert_sql(
        crate::Backend::of(conn),
        names.len(),
    )));
    for (tenant, name) in names {
        insert = insert.bind(tenant).bind(name);
    }
    insert.execute(&mut *conn).await?;
    Ok(())
}

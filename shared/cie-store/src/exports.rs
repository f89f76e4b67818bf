//! The payment export stream the city's finance system pulls: a record per approval (and a cancellation per
//! withdrawn approval) appended in the transaction of the step, leased to the client that pulls it so that two
//! clients never get the same record, acknowledged up to a cursor.

use chrono::{DateTime, Duration, Utc};
use cie_domain::TenantId;
use sqlx::{AnyConnection, Row};

use crate::directory::{parse_timestamp, timestamp};
use crate::error::StoreError;
use crate::{Backend, Store};

/// What an export record announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// An approved invoice to pay.
    Payment,
    /// An approval withdrawn after its payment record was written: the finance system undoes it.
    Cancellation,
}

impl ExportKind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::Payment => "payment",
            ExportKind::Cancellation => "cancellation",
        }
    }

    fn parse(raw: &str) -> Result<Self, StoreError> {
        match raw {
            "payment" => Ok(ExportKind::Payment),
            "cancellation" => Ok(ExportKind::Cancellation),
            other => Err(StoreError::Corrupt(format!("export kind {other:?}"))),
        }
    }
}

/// A record to append to the stream with a workflow step.
#[derive(Debug, Clone)]
pub struct NewExport {
    /// Payment or cancellation.
    pub kind: ExportKind,
    /// What the invoice, its approval and its clocks said at the step (JSON, never rewritten).
    pub snapshot: serde_json::Value,
}

/// A record of the stream as pulled.
#[derive(Debug, Clone)]
pub struct ExportRow {
    /// Its place in the city's stream: the cursor.
    pub seq: i64,
    /// The invoice.
    pub document_id: i64,
    /// Payment or cancellation.
    pub kind: ExportKind,
    /// When it was appended.
    pub created_at: DateTime<Utc>,
    /// What the step recorded (JSON as stored).
    pub snapshot: String,
}

/// One record of the stream as the city's staff follow it: where it stands with the finance system.
#[derive(Debug, Clone)]
pub struct ExportEntry {
    /// Its place in the city's stream.
    pub seq: i64,
    /// The invoice.
    pub document_id: i64,
    /// Payment or cancellation.
    pub kind: ExportKind,
    /// When it was appended.
    pub created_at: DateTime<Utc>,
    /// What the step recorded (JSON as stored).
    pub snapshot: String,
    /// Until when the client that pulled it last holds it; `None` when never pulled.
    pub leased_until: Option<DateTime<Utc>>,
    /// Why it was held back at its last pull (JSON as stored), when it was.
    pub held_back: Option<String>,
    /// When the finance system acknowledged it.
    pub acked_at: Option<DateTime<Utc>>,
}

/// How many records of a city's stream stand where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportCounts {
    /// Not acknowledged yet (pulled or not, held back or not).
    pub pending: i64,
    /// Pending and pulled by the finance system, awaiting its acknowledgement.
    pub pulled: i64,
    /// Pending and held back at their last pull.
    pub held_back: i64,
    /// Acknowledged.
    pub acknowledged: i64,
    /// The latest acknowledgement.
    pub last_acked_at: Option<DateTime<Utc>>,
}

fn optional_timestamp(raw: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    raw.as_deref().map(parse_timestamp).transpose()
}

/// Appends `export` for invoice `document_id` to `tenant`'s stream, on the writer's connection.
pub(crate) async fn append_export(
    conn: &mut AnyConnection,
    tenant: &str,
    document_id: i64,
    export: &NewExport,
    at: &str,
) -> Result<(), StoreError> {
    let next: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM payment_exports WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO payment_exports (tenant_id, seq, document_id, kind, created_at, snapshot_json)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(next)
    .bind(document_id)
    .bind(export.kind.as_str())
    .bind(at)
    .bind(export.snapshot.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Whether invoice `document_id` has a payment record not cancelled since: what a withdrawal must cancel.
pub(crate) async fn has_live_payment_record(
    conn: &mut AnyConnection,
    tenant: &str,
    document_id: i64,
) -> Result<bool, StoreError> {
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM payment_exports WHERE tenant_id = $1 AND document_id = $2 ORDER BY seq",
    )
    .bind(tenant)
    .bind(document_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(kinds.last().is_some_and(|k| k == "payment"))
}

impl Store {
    /// Appends `records` to `tenant`'s stream in one transaction, numbered after its last record: a backlog
    /// carried over from another system, or a benchmark's city-year.
    pub async fn append_exports_bulk(
        &self,
        tenant: &TenantId,
        records: &[(i64, NewExport)],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().begin().await?;
        let at = timestamp(at);
        for (document_id, export) in records {
            append_export(&mut tx, tenant.as_str(), *document_id, export, &at).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Leases to `client` the oldest records of `tenant`'s stream after `after` that are not acknowledged and
    /// not leased to another client now, at most `limit`, for `lease`. A client pulling again gets the records
    /// it holds again (a pull repeated after a crash returns the same records); records whose lease ran out
    /// go to whoever pulls next.
    pub async fn pull_exports(
        &self,
        tenant: &TenantId,
        client: i64,
        after: i64,
        limit: i64,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Vec<ExportRow>, StoreError> {
        let mut tx = self.write().begin().await?;
        let now_text = timestamp(now);
        let lock = if self.backend() == Backend::Postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT seq, document_id, kind, created_at, snapshot_json FROM payment_exports
             WHERE tenant_id = $1 AND acked_at IS NULL AND seq > $2
               AND (leased_by IS NULL OR leased_by = $3 OR leased_until < $4)
             ORDER BY seq LIMIT {}{lock}",
            limit.clamp(1, 100_000)
        )))
        .bind(tenant.as_str())
        .bind(after)
        .bind(client)
        .bind(&now_text)
        .fetch_all(&mut *tx)
        .await?;
        let mut pulled = Vec::with_capacity(rows.len());
        for row in &rows {
            pulled.push(ExportRow {
                seq: row.try_get("seq")?,
                document_id: row.try_get("document_id")?,
                kind: ExportKind::parse(&row.try_get::<String, _>("kind")?)?,
                created_at: parse_timestamp(&row.try_get::<String, _>("created_at")?)?,
                snapshot: row.try_get("snapshot_json")?,
            });
        }
        if let (Some(first), Some(last)) = (pulled.first(), pulled.last()) {
            sqlx::query(
                "UPDATE payment_exports SET leased_by = $3, leased_until = $4, held_back = 0, held_back_json = NULL
                 WHERE tenant_id = $1 AND seq >= $2 AND seq <= $5 AND acked_at IS NULL
                   AND (leased_by IS NULL OR leased_by = $3 OR leased_until < $6)",
            )
            .bind(tenant.as_str())
            .bind(first.seq)
            .bind(client)
            .bind(timestamp(now + lease))
            .bind(last.seq)
            .bind(&now_text)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(pulled)
    }

    /// Marks records of `tenant` leased to `client` as held back at this pull, each with why (JSON): an
    /// acknowledgement does not cover them, so they come again once fixed.
    pub async fn hold_back_exports(
        &self,
        tenant: &TenantId,
        client: i64,
        held: &[(i64, serde_json::Value)],
    ) -> Result<(), StoreError> {
        if held.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().begin().await?;
        for (seq, why) in held {
            sqlx::query(
                "UPDATE payment_exports SET held_back = 1, held_back_json = $4
                 WHERE tenant_id = $1 AND seq = $2 AND leased_by = $3",
            )
            .bind(tenant.as_str())
            .bind(*seq)
            .bind(client)
            .bind(why.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The records of `tenant` held back at their last pull and not acknowledged since, with why, oldest first.
    pub async fn held_back_exports(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<(i64, i64, serde_json::Value)>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, document_id, held_back_json FROM payment_exports
             WHERE tenant_id = $1 AND acked_at IS NULL AND held_back = 1 ORDER BY seq",
        )
        .bind(tenant.as_str())
        .fetch_all(self.read())
        .await?;
        let mut held = Vec::with_capacity(rows.len());
        for row in rows {
            let why: Option<String> = row.try_get("held_back_json")?;
            held.push((
                row.try_get("seq")?,
                row.try_get("document_id")?,
                why.map(|raw| serde_json::from_str(&raw))
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(format!("held-back reasons: {e}")))?
                    .unwrap_or(serde_json::Value::Null),
            ));
        }
        Ok(held)
    }

    /// Acknowledges for `client` every record of `tenant` up to `cursor` that it holds and that was not held
    /// back; returns how many. Records another client holds are not touched.
    pub async fn ack_exports(
        &self,
        tenant: &TenantId,
        client: i64,
        cursor: i64,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE payment_exports SET acked_at = $4, acked_by = $3
             WHERE tenant_id = $1 AND seq <= $2 AND leased_by = $3 AND held_back = 0 AND acked_at IS NULL",
        )
        .bind(tenant.as_str())
        .bind(cursor)
        .bind(client)
        .bind(timestamp(now))
        .execute(self.write())
        .await?;
        Ok(done.rows_affected())
    }

    /// How many records of `tenant`'s stream are pending, pulled, held back and acknowledged, and when the
    /// last acknowledgement came.
    pub async fn export_counts(&self, tenant: &TenantId) -> Result<ExportCounts, StoreError> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN acked_at IS NULL THEN 1 ELSE 0 END), 0) AS pending,
                    COALESCE(SUM(CASE WHEN acked_at IS NULL AND held_back = 0 AND leased_until IS NOT NULL
                                      THEN 1 ELSE 0 END), 0) AS pulled,
                    COALESCE(SUM(CASE WHEN acked_at IS NULL AND held_back = 1 THEN 1 ELSE 0 END), 0) AS held,
                    COALESCE(SUM(CASE WHEN acked_at IS NULL THEN 0 ELSE 1 END), 0) AS acknowledged,
                    MAX(acked_at) AS last_acked_at
             FROM payment_exports WHERE tenant_id = $1",
        )
        .bind(tenant.as_str())
        .fetch_one(self.read())
        .await?;
        Ok(ExportCounts {
            pending: row.try_get("pending")?,
            pulled: row.try_get("pulled")?,
            held_back: row.try_get("held")?,
            acknowledged: row.try_get("acknowledged")?,
            last_acked_at: optional_timestamp(row.try_get("last_acked_at")?)?,
        })
    }

    /// Records of `tenant`'s stream: the oldest `limit` not yet acknowledged, or (`acknowledged`) the
    /// `limit` acknowledged last.
    pub async fn export_entries(
        &self,
        tenant: &TenantId,
        acknowledged: bool,
        limit: i64,
    ) -> Result<Vec<ExportEntry>, StoreError> {
        let (filter, order) = if acknowledged {
            ("acked_at IS NOT NULL", "acked_at DESC, seq DESC")
        } else {
            ("acked_at IS NULL", "seq")
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT seq, document_id, kind, created_at, snapshot_json, leased_until, held_back,
                    held_back_json, acked_at
             FROM payment_exports WHERE tenant_id = $1 AND {filter} ORDER BY {order} LIMIT {}",
            limit.clamp(1, 10_000)
        )))
        .bind(tenant.as_str())
        .fetch_all(self.read())
        .await?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            let held = row.try_get::<i64, _>("held_back")? != 0;
            entries.push(ExportEntry {
                seq: row.try_get("seq")?,
                document_id: row.try_get("document_id")?,
                kind: ExportKind::parse(&row.try_get::<String, _>("kind")?)?,
                created_at: parse_timestamp(&row.try_get::<String, _>("created_at")?)?,
                snapshot: row.try_get("snapshot_json")?,
                leased_until: optional_timestamp(row.try_get("leased_until")?)?,
                held_back: if held {
                    Some(
                        row.try_get::<Option<String>, _>("held_back_json")?
                            .unwrap_or_else(|| "[]".to_owned()),
                    )
                } else {
                    None
                },
                acked_at: optional_timestamp(row.try_get("acked_at")?)?,
            });
        }
        Ok(entries)
    }
}

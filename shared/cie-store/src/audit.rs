//! Reads for the tax-office package (電子帳簿保存法 audit export): the archive entries received in a time range,
//! in chain order, a batch at a time, with their documents; each original is fetched on its own
//! ([`Store::archived_content`]), so an export holds one original in memory however large the range.

use chrono::{DateTime, Utc};
use cie_domain::TenantId;
use sqlx::{AssertSqlSafe, Row};

use crate::Store;
use crate::archive::{ArchiveEntry, ENTRY_COLUMNS};
use crate::directory::timestamp;
use crate::documents::{DOCUMENT_COLUMNS, DocumentQuery, DocumentRecord, SearchStatements};
use crate::error::StoreError;

/// The part of a tenant's chain a package covers, fixed when the export starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditWindow {
    /// The chain head's sequence number at that moment.
    pub head_seq: i64,
    /// The chain head's hash.
    pub head_hash: String,
    /// The first and last sequence number received in the range, if any was.
    pub seqs: Option<(i64, i64)>,
}

/// Which archive entries a package holds.
#[derive(Debug, Clone)]
pub struct AuditSelection {
    /// Received at or after.
    pub received_from: DateTime<Utc>,
    /// Received before.
    pub received_before: DateTime<Utc>,
    /// When given, only entries whose document matches these criteria (amount range, counterparty); entries
    /// without a document are then left out.
    pub documents: Option<DocumentQuery>,
}

/// An archive entry of the package, with its document if it became one.
#[derive(Debug, Clone)]
pub struct AuditItem {
    /// The entry.
    pub entry: ArchiveEntry,
    /// Its document.
    pub document: Option<DocumentRecord>,
}

impl Store {
    /// The chain head of `tenant` now, and the first and last entry received in `[from, before)` up to it.
    pub async fn audit_window(
        &self,
        tenant: &TenantId,
        from: DateTime<Utc>,
        before: DateTime<Utc>,
    ) -> Result<AuditWindow, StoreError> {
        self.require_tenant(tenant).await?;
        let (head_seq, head_hash): (i64, String) =
            sqlx::query_as("SELECT last_seq, last_hash FROM archive_heads WHERE tenant_id = $1")
                .bind(tenant.as_str())
                .fetch_one(self.read())
                .await?;
        let row = sqlx::query(
            "SELECT MIN(seq) AS first_seq, MAX(seq) AS last_seq FROM archive_entries
             WHERE tenant_id = $1 AND received_at >= $2 AND received_at < $3 AND seq <= $4",
        )
        .bind(tenant.as_str())
        .bind(timestamp(from))
        .bind(timestamp(before))
        .bind(head_seq)
        .fetch_one(self.read())
        .await?;
        let first: Option<i64> = row.try_get("first_seq")?;
        let last: Option<i64> = row.try_get("last_seq")?;
        Ok(AuditWindow {
            head_seq,
            head_hash,
            seqs: first.zip(last),
        })
    }

    /// Up to `limit` entries of `tenant` after `after_seq` and up to `last_seq` that `selection` takes, in
    /// chain order, without their bytes.
    pub async fn audit_batch(
        &self,
        tenant: &TenantId,
        selection: &AuditSelection,
        after_seq: i64,
        last_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditItem>, StoreError> {
        let (mut binds, document_filter) = match &selection.documents {
            Some(query) => {
                let statements = SearchStatements::new(tenant, query);
                (
                    statements.binds,
                    format!(
                        " AND EXISTS (SELECT 1 FROM documents d WHERE d.archive_seq = a.seq AND {})",
                        statements.filter
                    ),
                )
            }
            None => (
                vec![crate::documents::Bind::Text(tenant.as_str().to_owned())],
                String::new(),
            ),
        };
        let next = binds.len();
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM archive_entries a
             WHERE a.tenant_id = $1 AND a.seq > ${} AND a.seq <= ${} AND a.received_at >= ${} AND a.received_at < ${}
             {document_filter}
             ORDER BY a.seq LIMIT {}",
            next + 1,
            next + 2,
            next + 3,
            next + 4,
            limit.clamp(1, 1000)
        );
        binds.extend([
            crate::documents::Bind::Int(after_seq),
            crate::documents::Bind::Int(last_seq),
            crate::documents::Bind::Text(timestamp(selection.received_from)),
            crate::documents::Bind::Text(timestamp(selection.received_before)),
        ]);
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for bind in &binds {
            query = bind.bind(query);
        }
        let entries = query
            .fetch_all(self.read())
            .await?
            .iter()
            .map(ArchiveEntry::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let Some((first, last)) = entries.first().zip(entries.last()) else {
            return Ok(Vec::new());
        };
        let mut documents: std::collections::HashMap<i64, DocumentRecord> =
            sqlx::query(AssertSqlSafe(format!(
                "SELECT {DOCUMENT_COLUMNS} FROM documents
                 WHERE tenant_id = $1 AND archive_seq >= $2 AND archive_seq <= $3"
            )))
            .bind(tenant.as_str())
            .bind(first.seq)
            .bind(last.seq)
            .fetch_all(self.read())
            .await?
            .iter()
            .map(|row| DocumentRecord::from_row(row).map(|d| (d.archive_seq, d)))
            .collect::<Result<_, _>>()?;
        Ok(entries
            .into_iter()
            .map(|entry| AuditItem {
                document: documents.remove(&entry.seq),
                entry,
            })
            .collect())
    }
}

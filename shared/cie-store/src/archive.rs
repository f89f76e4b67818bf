//! Reading the archive: listing submissions, fetching the original bytes, and recomputing the hash chain
//! to find the first entry that was changed, removed or inserted after the fact.

use chrono::{DateTime, Utc};
use cie_domain::TenantId;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Store;
use crate::chain::{ChainFields, GENESIS_HASH, content_sha256};
use crate::directory::parse_timestamp;
use crate::error::StoreError;

/// An archived submission, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveEntry {
    /// Position in the tenant's chain, from 1.
    pub seq: i64,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// The user who sent it.
    pub submitter_id: i64,
    /// The supplier organisation it belongs to, if any.
    pub supplier_org_id: Option<i64>,
    /// SHA-256 of the stored bytes.
    pub content_sha256: String,
    /// Bytes received in all.
    pub size_bytes: i64,
    /// Whether only the first part of an oversize body was kept.
    pub truncated: bool,
    /// `accepted` or `rejected`.
    pub outcome: String,
    /// Why it was rejected.
    pub error_code: Option<String>,
    /// What was wrong, in words.
    pub error_message: Option<String>,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub entry_hash: String,
}

/// Which archived submissions to list.
#[derive(Debug, Clone, Default)]
pub struct SubmissionQuery {
    /// Only this supplier organisation's submissions.
    pub supplier_org_id: Option<i64>,
    /// Only `accepted` or only `rejected` ones.
    pub outcome: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

/// The first entry at which the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenEntry {
    /// The entry's sequence number (for a missing entry, the number expected).
    pub seq: i64,
    /// What does not hold.
    pub reason: String,
}

/// The result of recomputing a tenant's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveVerification {
    /// The tenant checked.
    pub tenant: TenantId,
    /// Entries read.
    pub entries_checked: i64,
    /// The head's sequence number.
    pub head_seq: i64,
    /// The first broken entry; `None` when the chain is intact.
    pub first_broken: Option<BrokenEntry>,
}

pub(crate) const ENTRY_COLUMNS: &str = "seq, received_at, submitter_id, supplier_org_id, content_sha256, size_bytes, truncated, \
     outcome, error_code, error_message, prev_hash, entry_hash";

impl ArchiveEntry {
    /// `received_at` exactly as the entry hash commits to it (RFC 3339, UTC, microseconds).
    pub fn hashed_received_at(&self) -> String {
        crate::directory::timestamp(self.received_at)
    }

    pub(crate) fn from_row(row: &AnyRow) -> Result<ArchiveEntry, StoreError> {
        Ok(ArchiveEntry {
            seq: row.try_get("seq")?,
            received_at: parse_timestamp(&row.try_get::<String, _>("received_at")?)?,
            submitter_id: row.try_get("submitter_id")?,
            supplier_org_id: row.try_get("supplier_org_id")?,
            content_sha256: row.try_get("content_sha256")?,
            size_bytes: row.try_get("size_bytes")?,
            truncated: row.try_get::<i64, _>("truncated")? != 0,
            outcome: row.try_get("outcome")?,
            error_code: row.try_get("error_code")?,
            error_message: row.try_get("error_message")?,
            prev_hash: row.try_get("prev_hash")?,
            entry_hash: row.try_get("entry_hash")?,
        })
    }
}

impl Store {
    /// Lists `tenant`'s archived submissions, newest first.
    pub async fn list_submissions(
        &self,
        tenant: &TenantId,
        query: &SubmissionQuery,
    ) -> Result<crate::Page<ArchiveEntry>, StoreError> {
        let filter = "tenant_id = $1 AND ($2 IS NULL OR supplier_org_id = $2) AND ($3 IS NULL OR outcome = $3)";
        let counted: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM (SELECT 1 AS hit FROM archive_entries WHERE {filter} LIMIT {}) AS capped",
            crate::documents::COUNT_LIMIT + 1
        )))
        .bind(tenant.as_str())
        .bind(query.supplier_org_id)
        .bind(query.outcome.as_deref())
        .fetch_one(self.read())
        .await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM archive_entries WHERE {filter} ORDER BY seq DESC LIMIT {} OFFSET {}",
            query.limit.clamp(1, 1000),
            query.offset.max(0)
        )))
        .bind(tenant.as_str())
        .bind(query.supplier_org_id)
        .bind(query.outcome.as_deref())
        .fetch_all(self.read())
        .await?;
        let items = rows
            .iter()
            .map(ArchiveEntry::from_row)
            .collect::<Result<_, _>>()?;
        Ok(crate::Page {
            items,
            total: counted.min(crate::documents::COUNT_LIMIT),
            total_exact: counted <= crate::documents::COUNT_LIMIT,
        })
    }

    /// The archive entry `seq` of `tenant` with its bytes; with `supplier_org_id`, only if it belongs to
    /// that organisation.
    pub async fn archived_content(
        &self,
        tenant: &TenantId,
        seq: i64,
        supplier_org_id: Option<i64>,
    ) -> Result<(ArchiveEntry, Vec<u8>), StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS}, content FROM archive_entries
             WHERE tenant_id = $1 AND seq = $2 AND ($3 IS NULL OR supplier_org_id = $3)"
        )))
        .bind(tenant.as_str())
        .bind(seq)
        .bind(supplier_org_id)
        .fetch_optional(self.read())
        .await?
        .ok_or(StoreError::NotFound {
            what: "archived submission",
        })?;
        Ok((ArchiveEntry::from_row(&row)?, row.try_get("content")?))
    }

    /// Recomputes `tenant`'s chain from the first entry and reports the first one that does not hold:
    /// content changed, a field changed, an entry missing or inserted, or the tail removed.
    pub async fn verify_archive(
        &self,
        tenant: &TenantId,
    ) -> Result<ArchiveVerification, StoreError> {
        self.require_tenant(tenant).await?;
        let (head_seq, head_hash): (i64, String) =
            sqlx::query_as("SELECT last_seq, last_hash FROM archive_heads WHERE tenant_id = $1")
                .bind(tenant.as_str())
                .fetch_one(self.read())
                .await?;
        const CHUNK: i64 = 256;
        let mut expected_seq = 1;
        let mut prev_hash = GENESIS_HASH.to_owned();
        let mut checked = 0;
        let broken = |seq: i64, reason: String| Some(BrokenEntry { seq, reason });
        let first_broken = 'walk: loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ENTRY_COLUMNS}, content FROM archive_entries
                 WHERE tenant_id = $1 AND seq >= $2 ORDER BY seq LIMIT {CHUNK}"
            )))
            .bind(tenant.as_str())
            .bind(expected_seq)
            .fetch_all(self.read())
            .await?;
            if rows.is_empty() {
                break 'walk None;
            }
            for row in &rows {
                let entry = ArchiveEntry::from_row(row)?;
                let content: Vec<u8> = row.try_get("content")?;
                checked += 1;
                if entry.seq != expected_seq {
                    break 'walk broken(expected_seq, format!("entry {expected_seq} is missing"));
                }
                if entry.prev_hash != prev_hash {
                    break 'walk broken(
                        entry.seq,
                        "prev_hash does not match the previous entry".into(),
                    );
                }
                let actual_sha = content_sha256(&content);
                if actual_sha != entry.content_sha256 {
                    break 'walk broken(
                        entry.seq,
                        "content does not match its recorded SHA-256".into(),
                    );
                }
                if content.len() as i64 != entry.size_bytes && !entry.truncated {
                    break 'walk broken(
                        entry.seq,
                        "content length does not match its recorded size".into(),
                    );
                }
                let received_at = crate::directory::timestamp(entry.received_at);
                let recomputed = ChainFields {
                    tenant: tenant.as_str(),
                    seq: entry.seq,
                    prev_hash: &entry.prev_hash,
                    received_at: &received_at,
                    submitter_id: entry.submitter_id,
                    supplier_org_id: entry.supplier_org_id,
                    content_sha256: &entry.content_sha256,
                    size_bytes: entry.size_bytes,
                    truncated: entry.truncated,
                    outcome: &entry.outcome,
                    error_code: entry.error_code.as_deref(),
                    error_message: entry.error_message.as_deref(),
                }
                .entry_hash();
                if recomputed != entry.entry_hash {
                    break 'walk broken(entry.seq, "entry hash does not match its fields".into());
                }
                prev_hash = entry.entry_hash;
                expected_seq += 1;
            }
        };
        let first_broken = first_broken.or_else(|| {
            let last_seq = expected_seq - 1;
            if last_seq != head_seq {
                broken(
                    last_seq.min(head_seq) + 1,
                    format!(
                        "the chain ends at entry {last_seq} but its head records entry {head_seq}"
                    ),
                )
            } else if prev_hash != head_hash {
                broken(
                    head_seq,
                    "the last entry's hash does not match the chain head".into(),
                )
            } else {
                None
            }
        });
        Ok(ArchiveVerification {
            tenant: tenant.clone(),
            entries_checked: checked,
            head_seq,
            first_broken,
        })
    }
}

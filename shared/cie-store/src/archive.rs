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
    /// The head entry's seal (empty when the chain has no sealed entry).
    pub head_seal: String,
    /// Entries written before sealing began (they carry no seal).
    pub unsealed_entries: i64,
    /// The last audit-log row's id and seal, as the audit chain's head records them.
    pub audit_head: (i64, String),
    /// Documents, verdicts, audit-log rows and invoice states checked against their seals.
    pub records_checked: i64,
    /// What does not hold in them, one sentence each (the first [`MAX_PROBLEMS`]).
    pub record_problems: Vec<String>,
}

/// A tenant's chain heads with their seals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealHeads {
    /// The last archive entry (0 for none).
    pub archive_seq: i64,
    /// Its seal (empty for none).
    pub archive_seal: String,
    /// The last audit-log row (0 for none).
    pub audit_id: i64,
    /// Its seal (empty for none).
    pub audit_seal: String,
}

/// Problems listed in [`ArchiveVerification::record_problems`] at most.
pub const MAX_PROBLEMS: usize = 20;

impl ArchiveVerification {
    /// Whether the chain and every sealed record hold.
    pub fn intact(&self) -> bool {
        self.first_broken.is_none() && self.record_problems.is_empty()
    }
}

/// An entry's original, as fetched for reading.
enum Fetched {
    /// The bytes as received.
    Bytes(Vec<u8>),
    /// The object store has no such object.
    Missing,
    /// The row's bytes do not decode to an original.
    Undecodable(crate::original::Undecodable),
}

pub(crate) const ENTRY_COLUMNS: &str = "seq, received_at, submitter_id, supplier_org_id, content_sha256, size_bytes, truncated, \
     outcome, error_code, error_message, prev_hash, entry_hash";

impl ArchiveEntry {
    /// `received_at` exactly as the entry hash commits to it (RFC 3339, UTC, microseconds).
    pub fn hashed_received_at(&self) -> String {
        crate::directory::timestamp(self.received_at)
    }

    /// The entry hash its stored fields give (compared with `entry_hash` to find a changed entry).
    pub(crate) fn recomputed_hash(&self, tenant: &str) -> String {
        let received_at = self.hashed_received_at();
        ChainFields {
            tenant,
            seq: self.seq,
            prev_hash: &self.prev_hash,
            received_at: &received_at,
            submitter_id: self.submitter_id,
            supplier_org_id: self.supplier_org_id,
            content_sha256: &self.content_sha256,
            size_bytes: self.size_bytes,
            truncated: self.truncated,
            outcome: &self.outcome,
            error_code: self.error_code.as_deref(),
            error_message: self.error_message.as_deref(),
        }
        .entry_hash()
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
            "SELECT {ENTRY_COLUMNS}, content, content_location, content_encoding, seal FROM archive_entries
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
        let entry = ArchiveEntry::from_row(&row)?;
        let content = match self.original_of(tenant, &entry, &row).await? {
            Fetched::Bytes(content) => content,
            Fetched::Missing => {
                return Err(StoreError::Tampered {
                    seq: entry.seq,
                    what: "original, missing from the object store",
                });
            }
            Fetched::Undecodable(why) => {
                tracing::error!(seq = entry.seq, %tenant, error = %why, "an archived original cannot be read back");
                return Err(StoreError::Tampered {
                    seq: entry.seq,
                    what: "original, whose stored bytes cannot be read back",
                });
            }
        };
        self.check_original(tenant, &entry, &content, row.try_get("seal")?)
            .await?;
        Ok((entry, content))
    }

    /// The bytes of the entry in `row` (which has `content`, `content_location` and `content_encoding`), as
    /// received: from the row, decompressed, or from the object store.
    async fn original_of(
        &self,
        tenant: &TenantId,
        entry: &ArchiveEntry,
        row: &sqlx::any::AnyRow,
    ) -> Result<Fetched, StoreError> {
        let location: String = row.try_get("content_location")?;
        match location.as_str() {
            "database" => {
                let encoding: String = row.try_get("content_encoding")?;
                Ok(
                    match crate::original::decode(
                        &encoding,
                        row.try_get("content")?,
                        entry.size_bytes,
                    ) {
                        Ok(content) => Fetched::Bytes(content),
                        Err(why) => Fetched::Undecodable(why),
                    },
                )
            }
            "object_store" => {
                let Some(originals) = &self.inner.originals else {
                    return Err(StoreError::Originals(cie_objects::ObjectError::Settings(
                        format!(
                            "archive entry {} of {tenant} is kept in the object store, but none is configured (originals.location)",
                            entry.seq
                        ),
                    )));
                };
                Ok(originals
                    .get(&crate::writer::original_key(
                        tenant.as_str(),
                        &entry.content_sha256,
                    ))
                    .await
                    .map_err(StoreError::Originals)?
                    .map_or(Fetched::Missing, Fetched::Bytes))
            }
            other => Err(StoreError::Corrupt(format!(
                "archive entry {} of {tenant} says its original is in {other:?}",
                entry.seq
            ))),
        }
    }

    /// Refuses an original whose bytes, fields or seal do not hold, so a forged original is never served.
    async fn check_original(
        &self,
        tenant: &TenantId,
        entry: &ArchiveEntry,
        content: &[u8],
        seal: Option<String>,
    ) -> Result<(), StoreError> {
        let tampered = |what| StoreError::Tampered {
            seq: entry.seq,
            what,
        };
        if content_sha256(content) != entry.content_sha256 {
            return Err(tampered("recorded SHA-256"));
        }
        let hash = entry.recomputed_hash(tenant.as_str());
        if hash != entry.entry_hash {
            return Err(tampered("entry hash"));
        }
        let Some(seal) = seal else {
            // Unsealed entries predate sealing; verify-archive checks that none follows a sealed one.
            return Ok(());
        };
        let prev_seal: Option<Option<String>> = sqlx::query_scalar(
            "SELECT seal FROM archive_entries WHERE tenant_id = $1 AND seq = $2",
        )
        .bind(tenant.as_str())
        .bind(entry.seq - 1)
        .fetch_optional(self.read())
        .await?;
        let prev_seal = prev_seal.flatten().unwrap_or_default();
        if seal
            != self
                .seal_key()
                .entry_seal(tenant.as_str(), entry.seq, &entry.entry_hash, &prev_seal)
        {
            return Err(tampered("seal"));
        }
        Ok(())
    }

    /// Bytes archived whole since `since` for supplier organisation `org`, or, with `user` instead, for
    /// that user's documents of no organisation (refused bodies of which only the first part was kept do not
    /// count).
    pub async fn bytes_archived_since(
        &self,
        tenant: &TenantId,
        org: Option<i64>,
        user: Option<i64>,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let total: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(CASE WHEN truncated = 1 THEN 0 ELSE size_bytes END) AS BIGINT)
             FROM archive_entries
             WHERE tenant_id = $1 AND received_at >= $2
               AND (supplier_org_id = $3 OR ($3 IS NULL AND supplier_org_id IS NULL AND submitter_id = $4))",
        )
        .bind(tenant.as_str())
        .bind(crate::directory::timestamp(since))
        .bind(org)
        .bind(user)
        .fetch_one(self.read())
        .await?;
        Ok(total.unwrap_or(0))
    }

    /// `tenant`'s chain heads as a checkpoint records them: the last archive entry and audit-log row with
    /// their seals.
    pub async fn seal_heads(&self, tenant: &TenantId) -> Result<SealHeads, StoreError> {
        let (archive_seq, archive_seal): (i64, String) =
            sqlx::query_as("SELECT last_seq, last_seal FROM archive_heads WHERE tenant_id = $1")
                .bind(tenant.as_str())
                .fetch_optional(self.read())
                .await?
                .ok_or_else(|| StoreError::UnknownTenant(tenant.to_string()))?;
        let (audit_id, audit_seal): (i64, String) =
            sqlx::query_as("SELECT last_id, last_seal FROM audit_heads WHERE tenant_id = $1")
                .bind(tenant.as_str())
                .fetch_optional(self.read())
                .await?
                .unwrap_or((0, String::new()));
        Ok(SealHeads {
            archive_seq,
            archive_seal,
            audit_id,
            audit_seal,
        })
    }

    /// The seals of archive entry `seq` and audit-log row `audit_id` as stored now (`None` for a row that
    /// is not there or has no seal).
    pub async fn seals_at(
        &self,
        tenant: &TenantId,
        seq: i64,
        audit_id: i64,
    ) -> Result<(Option<String>, Option<String>), StoreError> {
        let entry: Option<Option<String>> = sqlx::query_scalar(
            "SELECT seal FROM archive_entries WHERE tenant_id = $1 AND seq = $2",
        )
        .bind(tenant.as_str())
        .bind(seq)
        .fetch_optional(self.read())
        .await?;
        let audit: Option<Option<String>> =
            sqlx::query_scalar("SELECT seal FROM audit_log WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.as_str())
                .bind(audit_id)
                .fetch_optional(self.read())
                .await?;
        Ok((entry.flatten(), audit.flatten()))
    }

    /// Recomputes `tenant`'s chain from the first entry and reports the first one that does not hold:
    /// content changed, a field changed, an entry missing or inserted, or the tail removed.
    pub async fn verify_archive(
        &self,
        tenant: &TenantId,
    ) -> Result<ArchiveVerification, StoreError> {
        self.require_tenant(tenant).await?;
        let (head_seq, head_hash, head_seal): (i64, String, String) = sqlx::query_as(
            "SELECT last_seq, last_hash, last_seal FROM archive_heads WHERE tenant_id = $1",
        )
        .bind(tenant.as_str())
        .fetch_one(self.read())
        .await?;
        const CHUNK: i64 = 256;
        let key = self.seal_key();
        let mut expected_seq = 1;
        let mut prev_hash = GENESIS_HASH.to_owned();
        let mut prev_seal = String::new();
        let mut sealing_began = false;
        let mut unsealed_entries = 0;
        let mut checked = 0;
        let broken = |seq: i64, reason: String| Some(BrokenEntry { seq, reason });
        let first_broken = 'walk: loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ENTRY_COLUMNS}, content, content_location, content_encoding, seal FROM archive_entries
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
                let content = self.original_of(tenant, &entry, row).await?;
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
                let content = match content {
                    Fetched::Bytes(content) => content,
                    Fetched::Missing => {
                        break 'walk broken(
                            entry.seq,
                            "the original is missing from the object store".into(),
                        );
                    }
                    Fetched::Undecodable(why) => {
                        break 'walk broken(
                            entry.seq,
                            format!("content does not match its recorded SHA-256: {why}"),
                        );
                    }
                };
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
                let recomputed = entry.recomputed_hash(tenant.as_str());
                if recomputed != entry.entry_hash {
                    break 'walk broken(entry.seq, "entry hash does not match its fields".into());
                }
                let seal: Option<String> = row.try_get("seal")?;
                match seal {
                    None if sealing_began => {
                        break 'walk broken(
                            entry.seq,
                            "the entry has no seal although earlier entries are sealed".into(),
                        );
                    }
                    None => unsealed_entries += 1,
                    Some(seal) => {
                        if seal
                            != key.entry_seal(
                                tenant.as_str(),
                                entry.seq,
                                &entry.entry_hash,
                                &prev_seal,
                            )
                        {
                            break 'walk broken(
                                entry.seq,
                                "the entry's seal does not match: it was written or rewritten without the sealing key"
                                    .into(),
                            );
                        }
                        sealing_began = true;
                        prev_seal = seal;
                    }
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
            } else if prev_seal != head_seal {
                broken(
                    head_seq,
                    "the last entry's seal does not match the chain head".into(),
                )
            } else {
                None
            }
        });
        let records = crate::verify_records::verify_records(self, tenant).await?;
        Ok(ArchiveVerification {
            tenant: tenant.clone(),
            entries_checked: checked,
            head_seq,
            first_broken,
            head_seal,
            unsealed_entries,
            audit_head: records.audit_head,
            records_checked: records.checked,
            record_problems: records.problems,
        })
    }
}

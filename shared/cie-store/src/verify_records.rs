//! Checks the sealed records beside the archive chain: every document summary and verdict against its seal,
//! every document an archive entry recorded still there, the audit log as an unbroken chain of seals up to
//! its head, and each invoice's state equal to the last state its audit log gives.

use std::fmt::Write as _;

use cie_domain::TenantId;
use sqlx::{AssertSqlSafe, Row};

use crate::error::StoreError;
use crate::sealing::{AuditRow, DocumentRow, VerdictRow};
use crate::{MAX_PROBLEMS, Store};

const CHUNK: i64 = 500;

/// What [`verify_records`] found.
pub(crate) struct RecordsReport {
    pub(crate) checked: i64,
    pub(crate) problems: Vec<String>,
    pub(crate) audit_head: (i64, String),
}

#[derive(Default)]
struct Problems {
    list: Vec<String>,
    more: usize,
}

impl Problems {
    fn push(&mut self, problem: String) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(problem);
        } else {
            self.more += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            let mut last = String::new();
            let _ = write!(last, "and {} more", self.more);
            self.list.push(last);
        }
        self.list
    }
}

pub(crate) async fn verify_records(
    store: &Store,
    tenant: &TenantId,
) -> Result<RecordsReport, StoreError> {
    let mut problems = Problems::default();
    let mut checked = 0;
    checked += documents(store, tenant, &mut problems).await?;
    missing_documents(store, tenant, &mut problems).await?;
    checked += verdicts(store, tenant, &mut problems).await?;
    let (audit_checked, audit_head) = audit_chain(store, tenant, &mut problems).await?;
    checked += audit_checked;
    checked += case_states(store, tenant, &mut problems).await?;
    Ok(RecordsReport {
        checked,
        problems: problems.finish(),
        audit_head,
    })
}

async fn documents(
    store: &Store,
    tenant: &TenantId,
    problems: &mut Problems,
) -> Result<i64, StoreError> {
    let key = store.seal_key();
    let mut after = 0_i64;
    let mut checked = 0;
    loop {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT d.*, e.seal AS entry_seal, e.content_sha256 AS entry_sha,
                 CASE WHEN EXISTS (SELECT 1 FROM document_validations v
                     WHERE v.tenant_id = d.tenant_id AND v.document_id = d.id AND v.validated_at = d.received_at)
                 THEN 1 ELSE 0 END AS validated
             FROM documents d
             LEFT JOIN archive_entries e ON e.tenant_id = d.tenant_id AND e.seq = d.archive_seq
             WHERE d.tenant_id = $1 AND d.id > $2 ORDER BY d.id LIMIT {CHUNK}"
        )))
        .bind(tenant.as_str())
        .bind(after)
        .fetch_all(store.read())
        .await?;
        let Some(last) = rows.last() else {
            return Ok(checked);
        };
        after = last.try_get("id")?;
        for row in &rows {
            checked += 1;
            let id: i64 = row.try_get("id")?;
            let document = DocumentRow::from_row(row)?;
            let seal: Option<String> = row.try_get("seal")?;
            let entry_seal: Option<String> = row.try_get("entry_seal")?;
            let entry_sha: Option<String> = row.try_get("entry_sha")?;
            if entry_sha.as_deref() != Some(document.content_sha256.as_str()) {
                problems.push(format!(
                    "document {id} points at archive entry {} whose content is another",
                    document.archive_seq
                ));
            }
            let validated: i64 = row.try_get("validated")?;
            match seal {
                None if entry_seal.is_some() => problems.push(format!(
                    "document {id} has no seal although its archive entry {} is sealed",
                    document.archive_seq
                )),
                Some(seal) if seal != document.seal(key, validated == 1) => {
                    problems.push(format!(
                        "document {id} (archive entry {}) does not match its seal: its summary or its intake \
                         verdict was changed or removed",
                        document.archive_seq
                    ));
                }
                _ => {}
            }
        }
    }
}

async fn missing_documents(
    store: &Store,
    tenant: &TenantId,
    problems: &mut Problems,
) -> Result<(), StoreError> {
    let missing: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT e.seq FROM archive_entries e
         WHERE e.tenant_id = $1 AND (e.outcome = 'accepted' OR e.error_code = 'validation_failed')
           AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.tenant_id = e.tenant_id AND d.archive_seq = e.seq)
         ORDER BY e.seq LIMIT {}",
        MAX_PROBLEMS + 1
    )))
    .bind(tenant.as_str())
    .fetch_all(store.read())
    .await?;
    for seq in missing {
        problems.push(format!(
            "archive entry {seq} recorded a document that is no longer in the documents table"
        ));
    }
    let doubled: Vec<i64> = sqlx::query_scalar(
        "SELECT archive_seq FROM documents WHERE tenant_id = $1
         GROUP BY archive_seq HAVING COUNT(*) > 1 ORDER BY archive_seq",
    )
    .bind(tenant.as_str())
    .fetch_all(store.read())
    .await?;
    for seq in doubled {
        problems.push(format!(
            "archive entry {seq} is claimed by more than one document"
        ));
    }
    Ok(())
}

async fn verdicts(
    store: &Store,
    tenant: &TenantId,
    problems: &mut Problems,
) -> Result<i64, StoreError> {
    let key = store.seal_key();
    let mut after = 0_i64;
    let mut checked = 0;
    loop {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, tenant_id, document_id, validated_at, fatal_count, error_count, warning_count, rule_sets,
                 findings_json, registry_json, seal
             FROM document_validations WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT {CHUNK}"
        )))
        .bind(tenant.as_str())
        .bind(after)
        .fetch_all(store.read())
        .await?;
        let Some(last) = rows.last() else {
            return Ok(checked);
        };
        after = last.try_get("id")?;
        for row in &rows {
            checked += 1;
            let seal: Option<String> = row.try_get("seal")?;
            let Some(seal) = seal else {
                continue;
            };
            let verdict = VerdictRow::from_row(row)?;
            if seal != verdict.seal(key) {
                let id: i64 = row.try_get("id")?;
                problems.push(format!(
                    "verdict {id} on document {} does not match its seal: its findings or counts were changed",
                    verdict.document_id
                ));
            }
        }
    }
}

async fn audit_chain(
    store: &Store,
    tenant: &TenantId,
    problems: &mut Problems,
) -> Result<(i64, (i64, String)), StoreError> {
    let key = store.seal_key();
    let head: (i64, String) =
        sqlx::query_as("SELECT last_id, last_seal FROM audit_heads WHERE tenant_id = $1")
            .bind(tenant.as_str())
            .fetch_optional(store.read())
            .await?
            .unwrap_or((0, String::new()));
    let mut after = 0_i64;
    let mut checked = 0;
    let mut prev_seal = String::new();
    let mut last_id = 0_i64;
    let mut sealing_began = false;
    loop {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, tenant_id, at, actor_id, actor_role, document_id, action, before_state, after_state,
                 detail_json, seal
             FROM audit_log WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT {CHUNK}"
        )))
        .bind(tenant.as_str())
        .bind(after)
        .fetch_all(store.read())
        .await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.try_get("id")?;
        for row in &rows {
            checked += 1;
            let id: i64 = row.try_get("id")?;
            let seal: Option<String> = row.try_get("seal")?;
            match seal {
                None if sealing_began => {
                    problems.push(format!(
                        "audit-log row {id} has no seal although earlier rows are sealed"
                    ));
                    return Ok((checked, head));
                }
                None => {}
                Some(seal) => {
                    let entry = AuditRow::from_row(row)?;
                    if seal != entry.seal(key, &prev_seal) {
                        problems.push(format!(
                            "audit-log row {id} does not match its seal: it, or a row before it, was changed, \
                             inserted or removed"
                        ));
                        return Ok((checked, head));
                    }
                    sealing_began = true;
                    prev_seal = seal;
                    last_id = id;
                }
            }
        }
    }
    if sealing_began && (last_id, prev_seal.as_str()) != (head.0, head.1.as_str()) {
        problems.push(format!(
            "the audit log ends at row {last_id} but its head records row {}: rows were removed from its end",
            head.0
        ));
    } else if !sealing_began && head.0 != 0 {
        problems.push(format!(
            "the audit log's head records row {} but no sealed row is left",
            head.0
        ));
    }
    Ok((checked, head))
}

async fn case_states(
    store: &Store,
    tenant: &TenantId,
    problems: &mut Problems,
) -> Result<i64, StoreError> {
    let rows = sqlx::query(
        "SELECT c.document_id, c.state,
             (SELECT a.after_state FROM audit_log a
              WHERE a.tenant_id = c.tenant_id AND a.document_id = c.document_id AND a.seal IS NOT NULL
              ORDER BY a.id DESC LIMIT 1) AS logged_state,
             (SELECT COUNT(*) FROM audit_log a
              WHERE a.tenant_id = c.tenant_id AND a.document_id = c.document_id AND a.seal IS NULL) AS unsealed
         FROM invoice_cases c WHERE c.tenant_id = $1 ORDER BY c.document_id",
    )
    .bind(tenant.as_str())
    .fetch_all(store.read())
    .await?;
    let mut checked = 0;
    for row in &rows {
        let document_id: i64 = row.try_get("document_id")?;
        let state: String = row.try_get("state")?;
        let logged: Option<String> = row.try_get("logged_state")?;
        let unsealed: i64 = row.try_get("unsealed")?;
        checked += 1;
        let expected_ok = match logged.as_deref() {
            Some(logged) => logged == state,
            // No sealed step: still in its intake state, unless its steps predate sealing.
            None => unsealed > 0 || state == "received" || state == "rejected",
        };
        if !expected_ok {
            problems.push(format!(
                "invoice {document_id} is in state {state} but its audit log's last step leaves it {}",
                logged.as_deref().unwrap_or("received")
            ));
        }
    }
    Ok(checked)
}

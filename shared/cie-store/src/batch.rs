//! The archive writer's fast path: a batch of independent submissions written with a fixed number of
//! statements whatever its size (one look-up of earlier documents for all, one multi-row insert each for
//! archive entries, documents and verdicts), because each round trip to the database costs more than the
//! rows it carries. Batches whose submissions depend on each other (same number, same bytes, a workflow
//! step) take the one-by-one path instead.

use std::collections::{HashMap, HashSet};

use cie_audit::SealKey;
use cie_domain::{DocumentKind, DocumentStatus};
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::Backend;
use crate::chain::ChainFields;
use crate::directory::timestamp;
use crate::documents::{
    DocumentRecord, PriorDocuments, document_by_id, document_row, remember_counterparties,
};
use crate::error::StoreError;
use crate::original::StoredOriginal;
use crate::sealing::{
    DOCUMENT_INSERT_COLUMNS, DOCUMENT_INSERT_VALUES, VERDICT_INSERT_COLUMNS, VERDICT_INSERT_VALUES,
};
use crate::validations::verdict_row;
use crate::workflow::open_cases;
use crate::writer::{
    DuplicateHints, Head, NewSubmission, Parsed, SubmissionOutcome, archive_outcome,
};

/// Whether `submissions` can be written together on the fast path: every tenant known, no workflow step,
/// and no two documents that would see each other as an earlier version, duplicate or variant.
pub(crate) fn independent(
    submissions: &[NewSubmission],
    originals: &[StoredOriginal],
    heads: &HashMap<String, Head>,
) -> bool {
    let mut contents = HashSet::new();
    let mut numbers = HashSet::new();
    let mut keys = HashSet::new();
    for (submission, stored) in submissions.iter().zip(originals) {
        let sha = &stored.sha;
        if submission.workflow.is_some() || !heads.contains_key(submission.tenant.as_str()) {
            return false;
        }
        if let Parsed::Document {
            summary,
            supplier_key,
            number_key,
            ..
        } = &submission.parsed
        {
            let tenant = submission.tenant.as_str();
            if !contents.insert((tenant, sha.as_str()))
                || !numbers.insert((tenant, supplier_key.as_str(), summary.kind, &summary.number))
                || number_key.as_ref().is_some_and(|key| {
                    !keys.insert((tenant, supplier_key.as_str(), summary.kind, key.as_str()))
                })
            {
                return false;
            }
        }
    }
    true
}

/// The values of a multi-row insert of `rows` rows of `columns` values, each bound once in order: `$1, $2, …`
/// on PostgreSQL, anonymous `?` on SQLite (whose driver looks each numbered parameter's name up in a list,
/// a cost that grows with the square of a batch's parameters).
pub(crate) fn placeholders(backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&(row * columns + column + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// What the look-up said about each document submission (keyed by the index given), in one round trip;
/// the one-by-one path asks for a single row.
///
/// Each submission contributes three plain index look-ups, every one an equality on a selective column
/// that an index holds right after `tenant_id` (content hash; number; number key), and returns every row
/// that matches: no `ORDER BY … LIMIT`, `MIN` or `MAX` that a planner could answer by walking a tenant's
/// documents in id or version order. The few rows that come back (the versions of one number, the copies of
/// one content) are reduced here.
pub(crate) async fn prior_documents_of(
    conn: &mut AnyConnection,
    submissions: &[(usize, &NewSubmission, String)],
) -> Result<HashMap<usize, PriorDocuments>, StoreError> {
    struct Asked<'a> {
        supplier_key: &'a str,
        issue_date: String,
        amount: Option<i64>,
    }
    let mut query = sqlx::query(AssertSqlSafe(prior_documents_sql(submissions.len())));
    let mut asked = HashMap::with_capacity(submissions.len());
    for (index, submission, sha) in submissions {
        let Parsed::Document {
            summary,
            supplier_key,
            number_key,
            ..
        } = &submission.parsed
        else {
            return Err(StoreError::Corrupt(
                "a look-up of earlier documents for a submission without a document".into(),
            ));
        };
        asked.insert(
            *index,
            Asked {
                supplier_key: supplier_key.as_str(),
                issue_date: summary.issue_date.format("%Y-%m-%d").to_string(),
                amount: summary.search_amount_yen(),
            },
        );
        query = query
            .bind(i64::try_from(*index).map_err(|e| StoreError::Corrupt(e.to_string()))?)
            .bind(submission.tenant.as_str())
            .bind(sha.as_str())
            .bind(supplier_key.as_str())
            .bind(summary.kind.as_str())
            .bind(summary.number.as_str())
            .bind(number_key.as_deref().filter(|key| !key.is_empty()))
            .bind(
                submission
                    .delivery
                    .as_ref()
                    .and_then(|d| d.note_number.as_deref()),
            )
            .bind(
                submission
                    .delivery
                    .as_ref()
                    .and_then(|d| d.order_number.as_deref()),
            );
    }
    let mut found: HashMap<usize, PriorDocuments> = HashMap::with_capacity(submissions.len());
    for row in query.fetch_all(&mut *conn).await? {
        let index = usize::try_from(row.try_get::<i64, _>("idx")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let Some(asked) = asked.get(&index) else {
            return Err(StoreError::Corrupt(format!(
                "look-up row for submission {index}"
            )));
        };
        let id: i64 = row.try_get("id")?;
        let text: Option<String> = row.try_get("text_value")?;
        let prior = found.entry(index).or_default();
        match row.try_get::<String, _>("found")?.as_str() {
            "content" => {
                let slot = if text.as_deref() == Some(asked.supplier_key) {
                    &mut prior.same_content
                } else {
                    &mut prior.same_content_elsewhere
                };
                *slot = Some(slot.map_or(id, |earlier: i64| earlier.min(id)));
            }
            "number" => {
                let version: i64 = row
                    .try_get::<Option<i64>, _>("int_value")?
                    .ok_or_else(|| StoreError::Corrupt("a version without a number".into()))?;
                if prior.latest.is_none_or(|(_, newest)| version > newest) {
                    prior.latest = Some((id, version));
                }
            }
            "variant" => {
                let amount: Option<i64> = row.try_get("int_value")?;
                let date: Option<String> = row.try_get("date_value")?;
                let same_day_and_amount =
                    date.as_deref() == Some(asked.issue_date.as_str()) && amount == asked.amount;
                let number =
                    text.ok_or_else(|| StoreError::Corrupt("a variant without a number".into()))?;
                if same_day_and_amount
                    && prior
                        .number_variant
                        .as_ref()
                        .is_none_or(|(newest, _)| id > *newest)
                {
                    prior.number_variant = Some((id, number));
                }
            }
            "delivery_note" => {
                let date: Option<String> = row.try_get("date_value")?;
                let date = date.ok_or_else(|| {
                    StoreError::Corrupt("a delivery note without an issue date".into())
                })?;
                prior.delivery_notes.push(
                    chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|e| {
                        StoreError::Corrupt(format!("delivery note issue date {date:?}: {e}"))
                    })?,
                );
            }
            "order" => prior.named_order = true,
            other => {
                return Err(StoreError::Corrupt(format!(
                    "look-up row of kind {other:?}"
                )));
            }
        }
    }
    Ok(found)
}

/// The look-up of earlier documents for `rows` submissions, nine parameters each: index, tenant, content
/// hash, supplier key, kind, number, number key, the delivery note an invoice refers to (its notice of
/// delivery, for the inspection clock) and the order it refers to (whether there is anything to match its
/// lines against); null for none, which matches nothing. Each arm's condition is equalities that one index holds
/// whole; the variants' issue date and amount are compared by the caller, so that no index on a date or an
/// amount (which a monthly fee shares with every month's invoice) can be taken for the number key's.
pub(crate) fn prior_documents_sql(rows: usize) -> String {
    const PER_ROW: usize = 9;
    let despatch = DocumentKind::DespatchAdvice.as_str();
    let rejected = DocumentStatus::Rejected.as_str();
    let order_kind = DocumentKind::Order.as_str();
    let mut selects = Vec::with_capacity(rows * 5);
    for row in 0..rows {
        let p = |n: usize| format!("${}", row * PER_ROW + n);
        let (index, tenant, sha, key, kind, number, number_key, note, order) =
            (p(1), p(2), p(3), p(4), p(5), p(6), p(7), p(8), p(9));
        selects.push(format!(
            "SELECT CAST({index} AS BIGINT) AS idx, 'content' AS found, id, supplier_key AS text_value,
                 CAST(NULL AS BIGINT) AS int_value, CAST(NULL AS TEXT) AS date_value
             FROM documents WHERE tenant_id = {tenant} AND content_sha256 = {sha}"
        ));
        selects.push(format!(
            "SELECT CAST({index} AS BIGINT), 'number', id, CAST(NULL AS TEXT), version, CAST(NULL AS TEXT)
             FROM documents WHERE tenant_id = {tenant} AND number = {number} AND supplier_key = {key}
               AND kind = {kind}"
        ));
        selects.push(format!(
            "SELECT CAST({index} AS BIGINT), 'variant', id, number, amount_scaled, issue_date
             FROM documents WHERE tenant_id = {tenant} AND number_key = {number_key} AND supplier_key = {key}
               AND kind = {kind} AND number <> {number}"
        ));
        selects.push(format!(
            "SELECT CAST({index} AS BIGINT), 'delivery_note', id, CAST(NULL AS TEXT), CAST(NULL AS BIGINT), issue_date
             FROM documents WHERE tenant_id = {tenant} AND number = {note} AND supplier_key = {key}
               AND kind = '{despatch}' AND status <> '{rejected}'"
        ));
        selects.push(format!(
            "SELECT CAST({index} AS BIGINT), 'order', id, CAST(NULL AS TEXT), CAST(NULL AS BIGINT), CAST(NULL AS TEXT)
             FROM documents WHERE tenant_id = {tenant} AND number = {order} AND kind = '{order_kind}'
               AND status <> '{rejected}'"
        ));
    }
    selects.join(" UNION ALL ")
}

/// The insert of `rows` archive entries, 17 values each.
pub(crate) fn archive_insert_sql(backend: Backend, rows: usize) -> String {
    format!(
        "INSERT INTO archive_entries (tenant_id, seq, received_at, submitter_id, supplier_org_id, content_sha256,
             size_bytes, truncated, outcome, error_code, error_message, prev_hash, entry_hash, content, seal,
             content_location, content_encoding)
         VALUES {}",
        placeholders(backend, rows, 17)
    )
}

/// The insert of `rows` documents, returning their ids.
pub(crate) fn documents_insert_sql(backend: Backend, rows: usize) -> String {
    format!(
        "INSERT INTO documents ({DOCUMENT_INSERT_COLUMNS})
         VALUES {} RETURNING id, tenant_id, archive_seq",
        placeholders(backend, rows, DOCUMENT_INSERT_VALUES)
    )
}

/// The insert of `rows` verdicts.
pub(crate) fn verdicts_insert_sql(backend: Backend, rows: usize) -> String {
    format!(
        "INSERT INTO document_validations ({VERDICT_INSERT_COLUMNS})
         VALUES {}",
        placeholders(backend, rows, VERDICT_INSERT_VALUES)
    )
}

struct Entry<'a> {
    index: usize,
    seq: i64,
    prev_hash: String,
    entry_hash: String,
    seal: String,
    sha: String,
    received_at: String,
    outcome: &'static str,
    error_code: Option<&'a str>,
    error_message: Option<&'a str>,
}

/// Whether [`append_together`] asks the database about earlier documents first.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum LookUp {
    /// Intake: idempotent replays, versions and duplicate hints from the documents already stored.
    EarlierDocuments,
    /// A bulk load whose caller vouches that every document is new.
    Skip,
}

/// Writes independent `submissions` with a fixed number of statements; one outcome per submission.
pub(crate) async fn append_together(
    conn: &mut AnyConnection,
    heads: &mut HashMap<String, Head>,
    submissions: &[NewSubmission],
    originals: &[StoredOriginal],
    look_up: LookUp,
) -> Result<Vec<SubmissionOutcome>, StoreError> {
    let documents: Vec<(usize, &NewSubmission, String)> = submissions
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.parsed, Parsed::Document { .. }))
        .map(|(i, s)| (i, s, originals[i].sha.clone()))
        .collect();
    let mut priors = if documents.is_empty() || look_up == LookUp::Skip {
        HashMap::new()
    } else {
        prior_documents_of(&mut *conn, &documents).await?
    };

    let mut outcomes: Vec<Option<SubmissionOutcome>> = vec![None; submissions.len()];
    let mut entries = Vec::with_capacity(submissions.len());
    for (index, submission) in submissions.iter().enumerate() {
        let tenant = submission.tenant.as_str();
        if let Some(existing) = priors.get(&index).and_then(|p| p.same_content) {
            outcomes[index] = Some(SubmissionOutcome::AlreadyStored {
                document: Box::new(document_by_id(&mut *conn, tenant, existing).await?),
            });
            continue;
        }
        let head = heads
            .get_mut(tenant)
            .ok_or_else(|| StoreError::UnknownTenant(tenant.to_owned()))?;
        let (outcome, error_code, error_message) = archive_outcome(&submission.parsed);
        let seq = head.seq + 1;
        let received_at = timestamp(submission.received_at);
        let entry_hash = ChainFields {
            tenant,
            seq,
            prev_hash: &head.hash,
            received_at: &received_at,
            submitter_id: submission.submitter_id,
            supplier_org_id: submission.supplier_org_id,
            content_sha256: &originals[index].sha,
            size_bytes: submission.size_bytes,
            truncated: submission.truncated,
            outcome,
            error_code,
            error_message,
        }
        .entry_hash();
        let (prev_hash, seal) = head.advance(tenant, seq, entry_hash.clone());
        entries.push(Entry {
            index,
            seq,
            prev_hash,
            entry_hash,
            seal,
            sha: originals[index].sha.clone(),
            received_at,
            outcome,
            error_code,
            error_message,
        });
    }

    if !entries.is_empty() {
        let mut insert = sqlx::query(AssertSqlSafe(archive_insert_sql(
            Backend::of(conn),
            entries.len(),
        )));
        for entry in &entries {
            let submission = &submissions[entry.index];
            insert = insert
                .bind(submission.tenant.as_str())
                .bind(entry.seq)
                .bind(entry.received_at.as_str())
                .bind(submission.submitter_id)
                .bind(submission.supplier_org_id)
                .bind(entry.sha.as_str())
                .bind(submission.size_bytes)
                .bind(i64::from(submission.truncated))
                .bind(entry.outcome)
                .bind(entry.error_code)
                .bind(entry.error_message)
                .bind(entry.prev_hash.as_str())
                .bind(entry.entry_hash.as_str())
                .bind(originals[entry.index].content.as_slice())
                .bind(entry.seal.as_str())
                .bind(originals[entry.index].placement.column())
                .bind(originals[entry.index].encoding.column());
        }
        insert.execute(&mut *conn).await?;
    }

    let recorded: Vec<&Entry> = entries
        .iter()
        .filter(|e| matches!(submissions[e.index].parsed, Parsed::Document { .. }))
        .collect();
    let mut records: HashMap<usize, DocumentRecord> = HashMap::new();
    if !recorded.is_empty() {
        let mut insert = sqlx::query(AssertSqlSafe(documents_insert_sql(
            Backend::of(conn),
            recorded.len(),
        )));
        for entry in &recorded {
            let submission = &submissions[entry.index];
            let Parsed::Document {
                summary,
                supplier_key,
                status,
                number_key,
                validation,
            } = &submission.parsed
            else {
                continue;
            };
            let previous = priors.get(&entry.index).and_then(|p| p.latest);
            let row = document_row(
                &submission.tenant,
                entry.seq,
                summary,
                supplier_key,
                *status,
                submission,
                &entry.sha,
                previous,
                number_key.as_deref(),
            )?;
            let key = &heads[submission.tenant.as_str()].key;
            let seal = row.seal(key, validation.is_some());
            insert = row.bind(insert, submission.supplier_org_id, seal);
        }
        let by_entry: HashMap<(String, i64), usize> = recorded
            .iter()
            .map(|e| {
                (
                    (submissions[e.index].tenant.as_str().to_owned(), e.seq),
                    e.index,
                )
            })
            .collect();
        for row in insert.fetch_all(&mut *conn).await? {
            let tenant: String = row.try_get("tenant_id")?;
            let seq: i64 = row.try_get("archive_seq")?;
            let id: i64 = row.try_get("id")?;
            let index = by_entry.get(&(tenant, seq)).copied().ok_or_else(|| {
                StoreError::Corrupt("an inserted document matches no entry".into())
            })?;
            let submission = &submissions[index];
            let Parsed::Document {
                summary, status, ..
            } = &submission.parsed
            else {
                continue;
            };
            let previous = priors.get(&index).and_then(|p| p.latest);
            records.insert(
                index,
                DocumentRecord {
                    id,
                    tenant: submission.tenant.clone(),
                    archive_seq: seq,
                    status: *status,
                    supplier_org_id: submission.supplier_org_id,
                    version: previous.map_or(1, |(_, version)| version + 1),
                    previous_version_id: previous.map(|(id, _)| id),
                    possible_duplicate: previous.is_some(),
                    content_sha256: originals[index].sha.clone(),
                    received_at: submission.received_at,
                    submitter_id: submission.submitter_id,
                    summary: (**summary).clone(),
                    outbound: submission.outbound,
                },
            );
        }
        let key = heads
            .values()
            .next()
            .map(|head| head.key.clone())
            .ok_or_else(|| {
                StoreError::Corrupt("a batch with documents has no chain head".into())
            })?;
        insert_verdicts(&mut *conn, &key, submissions, &records).await?;
        let recorded: Vec<&DocumentRecord> = records.values().collect();
        let with_terms: Vec<crate::workflow::OpenedCase<'_>> = records
            .iter()
            .map(|(index, record)| {
                let submission = &submissions[*index];
                let prior = priors.get(index);
                let notes = prior
                    .map(|p| p.delivery_notes.as_slice())
                    .unwrap_or_default();
                crate::workflow::OpenedCase {
                    record,
                    terms: submission.terms,
                    inspection_start: submission.inspection_start(notes),
                    validation: submission.validation(),
                    possible_duplicate: prior.is_some_and(PriorDocuments::looks_like_earlier),
                }
            })
            .collect();
        open_cases(&mut *conn, &with_terms).await?;
        remember_counterparties(&mut *conn, &recorded).await?;
    }

    for entry in &entries {
        let outcome = match records.remove(&entry.index) {
            Some(record) => {
                let prior = priors.remove(&entry.index);
                SubmissionOutcome::Accepted {
                    archive_seq: entry.seq,
                    document: Box::new(record),
                    duplicates: DuplicateHints {
                        same_number: prior.as_ref().and_then(|p| p.latest.map(|(id, _)| id)),
                        same_content: prior.as_ref().and_then(|p| p.same_content_elsewhere),
                        number_variant: prior.as_ref().and_then(|p| p.number_variant.clone()),
                    },
                    named_documents_received: prior
                        .as_ref()
                        .is_some_and(PriorDocuments::names_received_documents),
                }
            }
            None => SubmissionOutcome::Rejected {
                archive_seq: entry.seq,
            },
        };
        outcomes[entry.index] = Some(outcome);
    }
    outcomes
        .into_iter()
        .map(|o| {
            o.ok_or_else(|| StoreError::Corrupt("a submission of the batch has no outcome".into()))
        })
        .collect()
}

async fn insert_verdicts(
    conn: &mut AnyConnection,
    key: &SealKey,
    submissions: &[NewSubmission],
    records: &HashMap<usize, DocumentRecord>,
) -> Result<(), StoreError> {
    let mut rows = Vec::new();
    for (index, record) in records {
        if let Parsed::Document {
            validation: Some(validation),
            ..
        } = &submissions[*index].parsed
        {
            rows.push((record, validation));
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    rows.sort_by_key(|(record, _)| record.id);
    let mut insert = sqlx::query(AssertSqlSafe(verdicts_insert_sql(
        Backend::of(conn),
        rows.len(),
    )));
    for (record, validation) in rows {
        let findings_json = serde_json::to_string(&validation.findings)
            .map_err(|e| StoreError::Corrupt(format!("findings do not serialise: {e}")))?;
        insert = verdict_row(
            &record.tenant,
            record.id,
            record.received_at,
            validation,
            findings_json,
        )
        .bind(insert, key);
    }
    insert.execute(&mut *conn).await?;
    Ok(())
}

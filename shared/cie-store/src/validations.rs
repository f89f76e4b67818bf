//! Validation verdicts recorded for documents: findings, rule sets applied, and the registry evidence.

use chrono::{DateTime, Utc};
use cie_domain::{Finding, Severity, TenantId};
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::Store;
use crate::directory::{parse_timestamp, timestamp};
use crate::error::StoreError;
use crate::sealing::{VERDICT_INSERT_COLUMNS, VerdictRow};

/// A verdict to record with a document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewValidation {
    /// Rule sets applied, e.g. `jp-pint 1.1.3`.
    pub rule_sets: Vec<String>,
    /// What the rules found.
    pub findings: Vec<Finding>,
    /// What the NTA registry said (JSON), when it was consulted.
    pub registry_json: Option<String>,
    /// The registry's answer in one word (`registered`, `not_found`, …), for the invoice's case.
    pub registry_status: Option<String>,
}

/// A recorded verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// Id within the tenant.
    pub id: i64,
    /// The document validated.
    pub document_id: i64,
    /// When.
    pub validated_at: DateTime<Utc>,
    /// Rule sets applied.
    pub rule_sets: Vec<String>,
    /// What the rules found.
    pub findings: Vec<Finding>,
    /// The registry's answer, when consulted.
    pub registry: Option<serde_json::Value>,
}

fn count(findings: &[Finding], severity: Severity) -> i64 {
    findings.iter().filter(|f| f.severity == severity).count() as i64
}

pub(crate) async fn insert_validation(
    conn: &mut AnyConnection,
    key: &cie_audit::SealKey,
    tenant: &TenantId,
    document_id: i64,
    at: DateTime<Utc>,
    validation: &NewValidation,
) -> Result<i64, StoreError> {
    let findings_json = serde_json::to_string(&validation.findings)
        .map_err(|e| StoreError::Corrupt(format!("findings do not serialise: {e}")))?;
    let row = verdict_row(tenant, document_id, at, validation, findings_json);
    let insert = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO document_validations ({VERDICT_INSERT_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
    )));
    Ok(row
        .bind(insert, key)
        .fetch_one(&mut *conn)
        .await?
        .try_get("id")?)
}

/// The row of a verdict on `document_id` made at `at`.
pub(crate) fn verdict_row(
    tenant: &TenantId,
    document_id: i64,
    at: DateTime<Utc>,
    validation: &NewValidation,
    findings_json: String,
) -> VerdictRow {
    VerdictRow {
        tenant: tenant.as_str().to_owned(),
        document_id,
        validated_at: timestamp(at),
        fatal_count: count(&validation.findings, Severity::Fatal),
        error_count: count(&validation.findings, Severity::Error),
        warning_count: count(&validation.findings, Severity::Warning),
        rule_sets: validation.rule_sets.join("\n"),
        findings_json,
        registry_json: validation.registry_json.clone(),
    }
}

impl Store {
    /// Records a further verdict on document `document_id` (it becomes the newest), and what it says on the
    /// document's invoice case, if it has one.
    pub async fn record_validation(
        &self,
        tenant: &TenantId,
        document_id: i64,
        at: DateTime<Utc>,
        validation: &NewValidation,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write().begin().await?;
        let id = insert_validation(
            &mut tx,
            self.seal_key(),
            tenant,
            document_id,
            at,
            validation,
        )
        .await?;
        sqlx::query(
            "UPDATE invoice_cases SET worst_severity = $3, registry_status = COALESCE($4, registry_status),
                 possible_duplicate = CASE WHEN $5 = 1 THEN 1 ELSE possible_duplicate END
             WHERE tenant_id = $1 AND document_id = $2",
        )
        .bind(tenant.as_str())
        .bind(document_id)
        .bind(crate::workflow::worst_severity(&validation.findings))
        .bind(validation.registry_status.as_deref())
        .bind(i64::from(
            validation
                .findings
                .iter()
                .any(|f| f.rule_id.starts_with("cie-dup-")),
        ))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records how invoice `document_id`'s lines match its order and delivery notes; a page that shows the
    /// same match again writes nothing.
    pub async fn set_match_status(
        &self,
        tenant: &TenantId,
        document_id: i64,
        status: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE invoice_cases SET match_status = $3
             WHERE tenant_id = $1 AND document_id = $2 AND (match_status IS NULL OR match_status <> $3)",
        )
        .bind(tenant.as_str())
        .bind(document_id)
        .bind(status)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// The newest verdict on document `document_id` of `tenant`, if it was validated.
    pub async fn latest_validation(
        &self,
        tenant: &TenantId,
        document_id: i64,
    ) -> Result<Option<Validation>, StoreError> {
        let row = sqlx::query(
            "SELECT id, document_id, validated_at, rule_sets, findings_json, registry_json
             FROM document_validations WHERE tenant_id = $1 AND document_id = $2
             ORDER BY id DESC LIMIT 1",
        )
        .bind(tenant.as_str())
        .bind(document_id)
        .fetch_optional(self.read())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let rule_sets: String = row.try_get("rule_sets")?;
        let findings: String = row.try_get("findings_json")?;
        let registry: Option<String> = row.try_get("registry_json")?;
        Ok(Some(Validation {
            id: row.try_get("id")?,
            document_id: row.try_get("document_id")?,
            validated_at: parse_timestamp(&row.try_get::<String, _>("validated_at")?)?,
            rule_sets: rule_sets
                .lines()
                .map(str::to_owned)
                .filter(|s| !s.is_empty())
                .collect(),
            findings: serde_json::from_str(&findings).map_err(|e| {
                StoreError::Corrupt(format!("findings of document {document_id}: {e}"))
            })?,
            registry: registry
                .map(|raw| serde_json::from_str(&raw))
                .transpose()
                .map_err(|e| {
                    StoreError::Corrupt(format!("registry evidence of document {document_id}: {e}"))
                })?,
        }))
    }
}

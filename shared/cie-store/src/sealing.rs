//! What each sealed row commits to: a document's summary columns, a verdict, an audit-log row. The same
//! structs are bound into the inserts and rebuilt from the rows when the archive is verified, so a seal is
//! computed from exactly the values stored. The keys and the HMAC are `cie-audit`'s.

use cie_audit::SealKey;
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::StoreError;

type Query<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

fn optional(value: Option<&str>) -> &str {
    value.unwrap_or("\u{0}")
}

fn optional_number(value: Option<i64>) -> String {
    value.map_or_else(|| "\u{0}".to_owned(), |v| v.to_string())
}

/// The columns of a `documents` row that its seal commits to. `supplier_org_id` is left out: it is set
/// later when a city assigns an unknown sender to an organisation, which the audit log records.
#[derive(Debug, Clone)]
pub(crate) struct DocumentRow {
    pub(crate) tenant: String,
    pub(crate) archive_seq: i64,
    pub(crate) kind: String,
    pub(crate) profile: String,
    pub(crate) number: String,
    pub(crate) issue_date: String,
    pub(crate) status: String,
    pub(crate) supplier_key: String,
    pub(crate) supplier_name: Option<String>,
    pub(crate) supplier_registration_number: Option<String>,
    pub(crate) buyer_name: Option<String>,
    pub(crate) currency: Option<String>,
    pub(crate) amount_scaled: Option<i64>,
    pub(crate) content_sha256: String,
    pub(crate) version: i64,
    pub(crate) previous_version_id: Option<i64>,
    pub(crate) possible_duplicate: i64,
    pub(crate) received_at: String,
    pub(crate) submitter_id: i64,
    pub(crate) summary_json: String,
    pub(crate) number_key: Option<String>,
    pub(crate) direction: String,
}

/// The `documents` columns of [`DocumentRow`], in binding order, then `seal`.
pub(crate) const DOCUMENT_INSERT_COLUMNS: &str = "tenant_id, archive_seq, kind, profile, number, issue_date, status, \
     supplier_key, supplier_name, supplier_registration_number, buyer_name, currency, amount_scaled, content_sha256, \
     version, previous_version_id, possible_duplicate, received_at, submitter_id, summary_json, number_key, \
     direction, supplier_org_id, seal";

/// Values per document in [`DOCUMENT_INSERT_COLUMNS`].
pub(crate) const DOCUMENT_INSERT_VALUES: usize = 24;

impl DocumentRow {
    /// The seal; `validated` says whether the document's intake verdict was recorded with it.
    pub(crate) fn seal(&self, key: &SealKey, validated: bool) -> String {
        let numbers = [
            self.archive_seq.to_string(),
            optional_number(self.amount_scaled),
            self.version.to_string(),
            optional_number(self.previous_version_id),
            self.possible_duplicate.to_string(),
            self.submitter_id.to_string(),
        ];
        key.seal(&[
            "document",
            &self.tenant,
            &numbers[0],
            &self.kind,
            &self.profile,
            &self.number,
            &self.issue_date,
            &self.status,
            &self.supplier_key,
            optional(self.supplier_name.as_deref()),
            optional(self.supplier_registration_number.as_deref()),
            optional(self.buyer_name.as_deref()),
            optional(self.currency.as_deref()),
            &numbers[1],
            &self.content_sha256,
            &numbers[2],
            &numbers[3],
            &numbers[4],
            &self.received_at,
            &numbers[5],
            &self.summary_json,
            optional(self.number_key.as_deref()),
            &self.direction,
            if validated {
                "validated"
            } else {
                "unvalidated"
            },
        ])
    }

    /// Binds the row's values, `supplier_org_id` and `seal` in [`DOCUMENT_INSERT_COLUMNS`] order.
    pub(crate) fn bind<'q>(
        &self,
        query: Query<'q>,
        supplier_org_id: Option<i64>,
        seal: String,
    ) -> Query<'q> {
        query
            .bind(self.tenant.clone())
            .bind(self.archive_seq)
            .bind(self.kind.clone())
            .bind(self.profile.clone())
            .bind(self.number.clone())
            .bind(self.issue_date.clone())
            .bind(self.status.clone())
            .bind(self.supplier_key.clone())
            .bind(self.supplier_name.clone())
            .bind(self.supplier_registration_number.clone())
            .bind(self.buyer_name.clone())
            .bind(self.currency.clone())
            .bind(self.amount_scaled)
            .bind(self.content_sha256.clone())
            .bind(self.version)
            .bind(self.previous_version_id)
            .bind(self.possible_duplicate)
            .bind(self.received_at.clone())
            .bind(self.submitter_id)
            .bind(self.summary_json.clone())
            .bind(self.number_key.clone())
            .bind(self.direction.clone())
            .bind(supplier_org_id)
            .bind(seal)
    }

    /// The row as stored (the columns of [`DOCUMENT_INSERT_COLUMNS`] but `supplier_org_id` and `seal`).
    pub(crate) fn from_row(row: &AnyRow) -> Result<DocumentRow, StoreError> {
        Ok(DocumentRow {
            tenant: row.try_get("tenant_id")?,
            archive_seq: row.try_get("archive_seq")?,
            kind: row.try_get("kind")?,
            profile: row.try_get("profile")?,
            number: row.try_get("number")?,
            issue_date: row.try_get("issue_date")?,
            status: row.try_get("status")?,
            supplier_key: row.try_get("supplier_key")?,
            supplier_name: row.try_get("supplier_name")?,
            supplier_registration_number: row.try_get("supplier_registration_number")?,
            buyer_name: row.try_get("buyer_name")?,
            currency: row.try_get("currency")?,
            amount_scaled: row.try_get("amount_scaled")?,
            content_sha256: row.try_get("content_sha256")?,
            version: row.try_get("version")?,
            previous_version_id: row.try_get("previous_version_id")?,
            possible_duplicate: row.try_get("possible_duplicate")?,
            received_at: row.try_get("received_at")?,
            submitter_id: row.try_get("submitter_id")?,
            summary_json: row.try_get("summary_json")?,
            number_key: row.try_get("number_key")?,
            direction: row.try_get("direction")?,
        })
    }
}

/// The columns of a `document_validations` row that its seal commits to.
#[derive(Debug, Clone)]
pub(crate) struct VerdictRow {
    pub(crate) tenant: String,
    pub(crate) document_id: i64,
    pub(crate) validated_at: String,
    pub(crate) fatal_count: i64,
    pub(crate) error_count: i64,
    pub(crate) warning_count: i64,
    pub(crate) rule_sets: String,
    pub(crate) findings_json: String,
    pub(crate) registry_json: Option<String>,
}

/// The `document_validations` columns of [`VerdictRow`] in binding order, then `seal`.
pub(crate) const VERDICT_INSERT_COLUMNS: &str = "tenant_id, document_id, validated_at, fatal_count, error_count, \
     warning_count, rule_sets, findings_json, registry_json, seal";

/// Values per verdict in [`VERDICT_INSERT_COLUMNS`].
pub(crate) const VERDICT_INSERT_VALUES: usize = 10;

impl VerdictRow {
    pub(crate) fn seal(&self, key: &SealKey) -> String {
        key.seal(&[
            "verdict",
            &self.tenant,
            &self.document_id.to_string(),
            &self.validated_at,
            &self.fatal_count.to_string(),
            &self.error_count.to_string(),
            &self.warning_count.to_string(),
            &self.rule_sets,
            &self.findings_json,
            optional(self.registry_json.as_deref()),
        ])
    }

    /// Binds the row and its seal in [`VERDICT_INSERT_COLUMNS`] order.
    pub(crate) fn bind<'q>(&self, query: Query<'q>, key: &SealKey) -> Query<'q> {
        query
            .bind(self.tenant.clone())
            .bind(self.document_id)
            .bind(self.validated_at.clone())
            .bind(self.fatal_count)
            .bind(self.error_count)
            .bind(self.warning_count)
            .bind(self.rule_sets.clone())
            .bind(self.findings_json.clone())
            .bind(self.registry_json.clone())
            .bind(self.seal(key))
    }

    pub(crate) fn from_row(row: &AnyRow) -> Result<VerdictRow, StoreError> {
        Ok(VerdictRow {
            tenant: row.try_get("tenant_id")?,
            document_id: row.try_get("document_id")?,
            validated_at: row.try_get("validated_at")?,
            fatal_count: row.try_get("fatal_count")?,
            error_count: row.try_get("error_count")?,
            warning_count: row.try_get("warning_count")?,
            rule_sets: row.try_get("rule_sets")?,
            findings_json: row.try_get("findings_json")?,
            registry_json: row.try_get("registry_json")?,
        })
    }
}

/// The columns of an `audit_log` row that its seal commits to, with the seal of the tenant's row before it.
#[derive(Debug, Clone)]
pub(crate) struct AuditRow {
    pub(crate) tenant: String,
    pub(crate) at: String,
    pub(crate) actor_id: i64,
    pub(crate) actor_role: String,
    pub(crate) document_id: i64,
    pub(crate) action: String,
    pub(crate) before_state: String,
    pub(crate) after_state: String,
    pub(crate) detail_json: String,
}

impl AuditRow {
    pub(crate) fn seal(&self, key: &SealKey, prev_seal: &str) -> String {
        key.seal(&[
            "audit",
            &self.tenant,
            &self.at,
            &self.actor_id.to_string(),
            &self.actor_role,
            &self.document_id.to_string(),
            &self.action,
            &self.before_state,
            &self.after_state,
            &self.detail_json,
            prev_seal,
        ])
    }

    pub(crate) fn from_row(row: &AnyRow) -> Result<AuditRow, StoreError> {
        Ok(AuditRow {
            tenant: row.try_get("tenant_id")?,
            at: row.try_get("at")?,
            actor_id: row.try_get("actor_id")?,
            actor_role: row.try_get("actor_role")?,
            document_id: row.try_get("document_id")?,
            action: row.try_get("action")?,
            before_state: row.try_get("before_state")?,
            after_state: row.try_get("after_state")?,
            detail_json: row.try_get("detail_json")?,
        })
    }

    /// Appends the row to its tenant's sealed audit chain: the chain head is locked (PostgreSQL) or the
    /// write lock held (SQLite) for the transaction, so concurrent steps chain one after the other.
    pub(crate) async fn append(
        &self,
        conn: &mut sqlx::AnyConnection,
        key: &SealKey,
    ) -> Result<i64, StoreError> {
        let prev: Option<String> = sqlx::query_scalar(
            "UPDATE audit_heads SET last_id = last_id WHERE tenant_id = $1 RETURNING last_seal",
        )
        .bind(&self.tenant)
        .fetch_optional(&mut *conn)
        .await?;
        let prev = prev.ok_or_else(|| StoreError::UnknownTenant(self.tenant.clone()))?;
        let seal = self.seal(key, &prev);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_log (tenant_id, at, actor_id, actor_role, document_id, action, before_state,
                 after_state, detail_json, seal)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(&self.tenant)
        .bind(&self.at)
        .bind(self.actor_id)
        .bind(&self.actor_role)
        .bind(self.document_id)
        .bind(&self.action)
        .bind(&self.before_state)
        .bind(&self.after_state)
        .bind(&self.detail_json)
        .bind(&seal)
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query("UPDATE audit_heads SET last_id = $2, last_seal = $3 WHERE tenant_id = $1")
            .bind(&self.tenant)
            .bind(id)
            .bind(&seal)
            .execute(&mut *conn)
            .await?;
        Ok(id)
    }
}

//! The deadline columns of invoice cases (migration 0022): recomputed with cie-workflow's clock in the same
//! transaction as every change that moves them, and filled for cases recorded before they existed.

use chrono::NaiveDate;
use cie_domain::TenantId;
use cie_workflow::{ClockEvents, GoverningTerms, InvoiceState, PaymentTerms, StoredDeadlines};
use sqlx::{AnyConnection, Row};

use crate::Store;
use crate::directory::parse_timestamp;
use crate::error::StoreError;
use crate::workflow::{contract_kind_str, date, day};

/// Writes `deadlines` on case `document_id`.
pub(crate) async fn write(
    conn: &mut AnyConnection,
    tenant: &str,
    document_id: i64,
    deadlines: StoredDeadlines,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE invoice_cases SET payment_deadline = $3, open_deadline = $4, paused_days_left = $5
         WHERE tenant_id = $1 AND document_id = $2",
    )
    .bind(tenant)
    .bind(document_id)
    .bind(deadlines.payment_deadline.map(day))
    .bind(deadlines.open_deadline.map(day))
    .bind(deadlines.paused_days_left)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Recomputes case `document_id`'s deadline columns from what is recorded of it and its chain: its state,
/// terms, inspection start and date, payment, and the chain's first request and returns. A case without
/// recorded terms keeps none (the server records terms for those at start, see [`Store::fill_deadlines`]).
pub(crate) async fn refresh(
    conn: &mut AnyConnection,
    tenant: &str,
    document_id: i64,
) -> Result<(), StoreError> {
    let Some(row) = sqlx::query(
        "SELECT c.state, c.chain_root_id, c.inspection_days, c.payment_days, c.inspection_from,
             c.inspection_basis, c.inspected_on, c.paid_on, r.received_at AS chain_received_at
         FROM invoice_cases c JOIN documents r ON r.tenant_id = c.tenant_id AND r.id = c.chain_root_id
         WHERE c.tenant_id = $1 AND c.document_id = $2",
    )
    .bind(tenant)
    .bind(document_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(());
    };
    let state: InvoiceState = row
        .try_get::<String, _>("state")?
        .parse()
        .map_err(StoreError::Corrupt)?;
    let inspection_days: Option<i64> = row.try_get("inspection_days")?;
    let payment_days: Option<i64> = row.try_get("payment_days")?;
    let (Some(inspection_days), Some(payment_days)) = (inspection_days, payment_days) else {
        return write(conn, tenant, document_id, StoredDeadlines::default()).await;
    };
    let chain_root_id: i64 = row.try_get("chain_root_id")?;
    let received_on = cie_workflow::japan_day(parse_timestamp(
        &row.try_get::<String, _>("chain_received_at")?,
    )?);
    let basis: Option<String> = row.try_get("inspection_basis")?;
    let inspection_from = date(row.try_get("inspection_from")?)?
        .filter(|_| basis.is_some())
        .unwrap_or(received_on);
    let inspected_on = date(row.try_get("inspected_on")?)?;
    let paid_on = date(row.try_get("paid_on")?)?;
    let returns: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT returned_on, resubmitted_on FROM invoice_returns WHERE tenant_id = $1 AND chain_root_id = $2",
    )
    .bind(tenant)
    .bind(chain_root_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut events = ClockEvents {
        returns: Vec::with_capacity(returns.len()),
        inspected_on,
        paid_on,
    };
    for (returned_on, resubmitted_on) in returns {
        let returned_on: NaiveDate = date(returned_on)?
            .ok_or_else(|| StoreError::Corrupt("a return without its day".into()))?;
        events.returns.push((returned_on, date(resubmitted_on)?));
    }
    let deadlines = StoredDeadlines::of(
        state,
        PaymentTerms {
            inspection_days,
            payment_days,
        },
        received_on,
        inspection_from,
        &events,
    );
    write(conn, tenant, document_id, deadlines).await
}

/// Records `terms` on case `document_id` if it has none yet (an invoice received before terms were
/// recorded): from then on its clock runs on them.
pub(crate) async fn record_missing_terms(
    conn: &mut AnyConnection,
    tenant: &str,
    document_id: i64,
    terms: GoverningTerms,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE invoice_cases SET contract_kind = $3, inspection_days = $4, payment_days = $5, terms_source = $6
         WHERE tenant_id = $1 AND document_id = $2 AND (inspection_days IS NULL OR payment_days IS NULL)",
    )
    .bind(tenant)
    .bind(document_id)
    .bind(contract_kind_str(terms.contract_kind))
    .bind(terms.terms.inspection_days)
    .bind(terms.terms.payment_days)
    .bind(terms.source.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A case recorded without its deadline columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseWithoutDeadlines {
    /// Its city.
    pub tenant: TenantId,
    /// The invoice.
    pub document_id: i64,
    /// Whether terms are recorded on it (if not, the caller resolves the terms in force).
    pub has_terms: bool,
}

/// The statement finding cases without deadline columns, after a (tenant, document) cursor: the condition
/// is the one of the partial index `invoice_cases_without_deadlines`, word for word, so that both databases
/// read the (normally empty) index instead of every case.
const WITHOUT_DEADLINES_SQL: &str = "SELECT tenant_id, document_id,
         CASE WHEN inspection_days IS NULL OR payment_days IS NULL THEN 0 ELSE 1 END AS has_terms
     FROM invoice_cases
     WHERE payment_deadline IS NULL AND state NOT IN ('rejected', 'superseded')
       AND (tenant_id > $1 OR (tenant_id = $1 AND document_id > $2))
     ORDER BY tenant_id, document_id LIMIT $3";

impl Store {
    /// Up to `limit` cases that should have deadline columns and do not (recorded before migration 0022),
    /// after `after` (a tenant and document), in that order.
    pub async fn cases_without_deadlines(
        &self,
        after: Option<(&TenantId, i64)>,
        limit: i64,
    ) -> Result<Vec<CaseWithoutDeadlines>, StoreError> {
        let (tenant, document) = after.map_or(("", 0), |(t, d)| (t.as_str(), d));
        let rows = sqlx::query(WITHOUT_DEADLINES_SQL)
            .bind(tenant)
            .bind(document)
            .bind(limit)
            .fetch_all(self.read())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(CaseWithoutDeadlines {
                    tenant: TenantId::parse(&row.try_get::<String, _>("tenant_id")?)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    document_id: row.try_get("document_id")?,
                    has_terms: row.try_get::<i64, _>("has_terms")? != 0,
                })
            })
            .collect()
    }

    /// Fills case `document_id`'s deadline columns, first recording `terms` on it when it has none.
    pub async fn fill_deadlines(
        &self,
        tenant: &TenantId,
        document_id: i64,
        terms: Option<GoverningTerms>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some(terms) = terms {
            record_missing_terms(&mut tx, tenant.as_str(), document_id, terms).await?;
        }
        refresh(&mut tx, tenant.as_str(), document_id).await?;
        tx.commit().await?;
        Ok(())
    }
}

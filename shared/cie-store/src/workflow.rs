//! The invoice workflow tables: lifecycle state per invoice, returns with reasons, approvals with the
//! municipal checklist, invoice responses issued, payment terms, per-city settings and the append-only audit
//! log. Transitions are written by the archive writer, in the transaction that archives their response.

use chrono::{DateTime, NaiveDate, Utc};
use cie_domain::{DocumentKind, Role, Severity, TenantId};
use cie_workflow::{
    Action, ClockEvents, ContractKind, GoverningTerms, InspectionBasis, InspectionStart,
    InvoiceState, PaymentTerms, StoredDeadlines, TermsSource,
};
pub use cie_workflow::{ApprovalChecklist, ReturnReason};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::Store;
use crate::directory::{parse_timestamp, timestamp};
use crate::documents::{Bind, DOCUMENT_COLUMNS_OF_D, DocumentRecord};
use crate::error::StoreError;
use crate::validations::NewValidation;

/// A recorded approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approval {
    /// Who approved.
    pub approver_id: i64,
    /// When.
    pub approved_at: DateTime<Utc>,
    /// What was confirmed.
    pub checklist: ApprovalChecklist,
}

/// A return (差し戻し) of an invoice to its supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvoiceReturn {
    /// Id within the tenant.
    pub id: i64,
    /// The invoice returned.
    pub document_id: i64,
    /// When.
    pub returned_at: DateTime<Utc>,
    /// The day the supplier was notified (Japan time): the payment clock stops.
    pub returned_on: NaiveDate,
    /// The staff member who returned it.
    pub actor_id: i64,
    /// Why.
    pub reasons: Vec<ReturnReason>,
    /// Free text for the supplier.
    pub note: Option<String>,
    /// The corrected invoice, once it arrived.
    pub resubmitted_document_id: Option<i64>,
    /// The day the corrected invoice arrived: the clock runs again.
    pub resubmitted_on: Option<NaiveDate>,
}

/// An invoice response issued to the supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedResponse {
    /// The response document (an ApplicationResponse in the archive).
    pub response_document_id: i64,
    /// UNCL 4343 status code: AB, IP, UQ, CA, RE, AP, PD.
    pub status_code: String,
    /// When.
    pub issued_at: DateTime<Utc>,
}

/// An invoice with where it stands in the workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceCase {
    /// The invoice.
    pub document: DocumentRecord,
    /// Its state.
    pub state: InvoiceState,
    /// The first invoice of its chain of corrected resubmissions (itself when it corrects none).
    pub chain_root_id: i64,
    /// The returned invoice this one corrects.
    pub corrects_document_id: Option<i64>,
    /// The corrected invoice that replaced this one.
    pub superseded_by_document_id: Option<i64>,
    /// Who recorded the inspection.
    pub inspector_id: Option<i64>,
    /// The inspection (検収・検査) date.
    pub inspected_on: Option<NaiveDate>,
    /// Who approved.
    pub approver_id: Option<i64>,
    /// When payment was ordered.
    pub payment_ordered_at: Option<DateTime<Utc>>,
    /// The planned payment date given with the order.
    pub payment_date: Option<NaiveDate>,
    /// The day it was paid.
    pub paid_on: Option<NaiveDate>,
    /// The terms its payment clock runs on, recorded when the clock started (none for invoices received
    /// before terms were recorded, whose terms are those in force now).
    pub terms: Option<GoverningTerms>,
    /// The day its inspection period is counted from, recorded at intake (none for invoices received
    /// before it was recorded, whose period runs from their arrival).
    pub inspection_start: Option<InspectionStart>,
    /// Late interest owed with its payment, in yen: as planned by the payment order, then as paid.
    pub interest_yen: Option<i64>,
    /// What the inbox shows of its problems.
    pub flags: CaseFlags,
}

/// An invoice's problems as the inbox shows and filters them, kept on its case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaseFlags {
    /// The worst severity among the findings of its newest verdict: `fatal`, `error`, `warning`, `info` or
    /// `none`; absent when it was never validated.
    pub worst_severity: Option<String>,
    /// The registry's answer for its 登録番号 (`registered`, `not_found`, `no_registry_data`, …).
    pub registry_status: Option<String>,
    /// Whether intake found an earlier document like it (same number, same bytes elsewhere, a variant
    /// number with the same date and amount).
    pub possible_duplicate: bool,
    /// How its lines match its order and delivery notes: `matched`, `differences`, `no_order` or
    /// `unreadable`; absent until matched.
    pub match_status: Option<String>,
}

/// The severity name a verdict with `findings` is flagged with.
pub(crate) fn worst_severity(findings: &[cie_domain::Finding]) -> &'static str {
    findings
        .iter()
        .map(|f| f.severity)
        .min()
        .map_or("none", Severity::as_str)
}

/// One audit-log entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Id within the tenant, increasing.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor_id: i64,
    /// In which role.
    pub actor_role: String,
    /// The invoice acted on.
    pub document_id: i64,
    /// What was done.
    pub action: String,
    /// State before.
    pub before_state: String,
    /// State after.
    pub after_state: String,
    /// What was given with the action.
    pub detail: serde_json::Value,
}

/// Per-city workflow settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowSettings {
    /// Whether the inspector of an invoice may not approve it (職務分掌).
    pub separate_approver: bool,
    /// The contract kind assumed when no terms are recorded.
    pub default_contract_kind: ContractKind,
}

impl Default for WorkflowSettings {
    fn default() -> Self {
        WorkflowSettings {
            separate_approver: true,
            default_contract_kind: ContractKind::Goods,
        }
    }
}

/// Contract terms for a supplier, or for one order of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupplierTerms {
    /// The supplier organisation.
    pub supplier_org_id: i64,
    /// The order they apply to; `None` for every invoice of the supplier.
    pub order_number: Option<String>,
    /// Goods/services or works.
    pub contract_kind: ContractKind,
    /// The periods.
    pub terms: PaymentTerms,
}

/// Which invoices to list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only this supplier organisation's invoices.
    pub supplier_org_id: Option<i64>,
    /// Only these states; empty for all.
    pub states: Vec<InvoiceState>,
    /// Only invoices whose worst finding is at least this bad.
    pub min_severity: Option<Severity>,
    /// Only invoices with one of these registry answers; empty for all.
    pub registry_statuses: Vec<String>,
    /// Only invoices with this match status.
    pub match_status: Option<String>,
    /// Only invoices that are (or are not) possible duplicates.
    pub possible_duplicate: Option<bool>,
    /// Only invoices due soon: open with a payment deadline on or before this day, or returned with at
    /// most this many days left when the correction arrives.
    pub due_by: Option<DueBy>,
    /// Only invoices overdue as of this day: open past their payment deadline, or paid after it.
    pub overdue_on: Option<NaiveDate>,
    /// In which order.
    pub order: CaseOrder,
    /// At most this many.
    pub limit: i64,
}

/// How soon an invoice is due, as a [`CaseFilter`] asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueBy {
    /// The last payment deadline of an open invoice whose clock runs.
    pub deadline: NaiveDate,
    /// The most days left of a returned invoice, whose clock stands still.
    pub days_left: i64,
}

/// The order of an invoice listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseOrder {
    /// Newest first.
    #[default]
    Newest,
    /// Earliest payment deadline first: the open invoices whose clock runs, then the returned ones (fewest
    /// days left first), then the closed ones.
    Deadline,
}

/// Which cases one statement of a deadline-ordered listing reads, in the order they are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeadlinePart {
    /// Open, clock running: by stored deadline, from the `invoice_cases_open_deadline` index.
    Running,
    /// Returned, clock standing still: by days left.
    Paused,
    /// Paid, rejected or superseded: by deadline, those without one last.
    Closed,
}

impl DeadlinePart {
    const ALL: [DeadlinePart; 3] = [
        DeadlinePart::Running,
        DeadlinePart::Paused,
        DeadlinePart::Closed,
    ];

    fn holds(self, state: InvoiceState) -> bool {
        match self {
            DeadlinePart::Running => {
                InvoiceState::OPEN.contains(&state) && state != InvoiceState::Returned
            }
            DeadlinePart::Paused => state == InvoiceState::Returned,
            DeadlinePart::Closed => !InvoiceState::OPEN.contains(&state),
        }
    }

    /// The states of `filter` (every state when it names none) this part reads.
    fn states(self, filter: &CaseFilter) -> Vec<InvoiceState> {
        InvoiceState::ALL
            .into_iter()
            .filter(|s| filter.states.is_empty() || filter.states.contains(s))
            .filter(|s| self.holds(*s))
            .collect()
    }

    fn order_by(self) -> &'static str {
        match self {
            DeadlinePart::Running => "c.open_deadline, c.document_id",
            DeadlinePart::Paused => "c.paused_days_left, c.document_id",
            DeadlinePart::Closed => {
                "CASE WHEN c.payment_deadline IS NULL THEN 1 ELSE 0 END, c.payment_deadline, c.document_id"
            }
        }
    }
}

impl CaseFilter {
    /// The statements a listing in this filter's order sends, each with the states it reads: one for a
    /// newest-first listing, one per part with states for a deadline-ordered one.
    pub(crate) fn statements(&self, tenant: &TenantId) -> Vec<(String, Vec<Bind>)> {
        match self.order {
            CaseOrder::Newest => vec![invoice_cases_sql(tenant, self, None)],
            CaseOrder::Deadline => DeadlinePart::ALL
                .into_iter()
                .filter_map(|part| {
                    let states = part.states(self);
                    (!states.is_empty()).then(|| {
                        let filter = CaseFilter {
                            states,
                            ..self.clone()
                        };
                        invoice_cases_sql(tenant, &filter, Some(part))
                    })
                })
                .collect(),
        }
    }
}

/// What a transition changes besides the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseChange {
    /// Nothing else.
    StateOnly,
    /// The inspection was completed on this day.
    Inspected {
        /// The 検収 date.
        on: NaiveDate,
    },
    /// The invoice goes back to the supplier.
    Returned {
        /// The day of the notice (Japan time).
        on: NaiveDate,
        /// Why.
        reasons: Vec<ReturnReason>,
        /// Free text.
        note: Option<String>,
    },
    /// Approved with this checklist.
    Approved(ApprovalChecklist),
    /// The approval was withdrawn, for this reason.
    ApprovalWithdrawn {
        /// Why.
        reason: String,
    },
    /// Payment ordered for this date.
    PaymentOrdered {
        /// Planned payment date.
        payment_date: NaiveDate,
        /// Late interest owed with the payment if it is made on that date, in yen (0 when on time).
        interest_yen: i64,
    },
    /// Paid on this day.
    Paid {
        /// The payment day.
        on: NaiveDate,
        /// Late interest owed for paying on that day, in yen (0 when on time).
        interest_yen: i64,
    },
}

/// A lifecycle transition of an invoice, written with the invoice response it produces.
#[derive(Debug, Clone)]
pub struct NewTransition {
    /// The invoice.
    pub invoice_document_id: i64,
    /// The state the caller saw; the transition is refused if it changed meanwhile.
    pub expected: InvoiceState,
    /// The state after.
    pub next: InvoiceState,
    /// What is done.
    pub action: Action,
    /// Who does it.
    pub actor_id: i64,
    /// In which role.
    pub actor_role: Role,
    /// What else changes.
    pub change: CaseChange,
    /// What the audit log keeps of the request.
    pub detail: serde_json::Value,
    /// The status code of the response archived with it.
    pub response_status_code: String,
    /// The record the finance export gets with it, if any (a cancellation only when a payment record is live).
    pub export: Option<crate::exports::NewExport>,
    /// The terms the invoice's clock runs on: recorded on its case if it has none yet (an invoice received
    /// before terms were recorded), so that its stored deadline can be computed from then on.
    pub terms: GoverningTerms,
}

/// What the writer does with a submission besides archiving it.
#[derive(Debug, Clone)]
pub enum WorkflowStep {
    /// The submission is the response to this transition of an invoice.
    Respond(Box<NewTransition>),
    /// The submission is a supplier's corrected invoice for this returned one.
    Corrects {
        /// The returned invoice.
        returned_document_id: i64,
        /// The day the correction arrived (Japan time).
        received_on: NaiveDate,
    },
}

const CASE_COLUMNS: &str = "c.state AS case_state, c.chain_root_id, c.corrects_document_id, c.superseded_by_document_id, \
     c.inspector_id, c.inspected_on, c.approver_id, c.payment_ordered_at, c.payment_date, c.paid_on, \
     c.contract_kind AS terms_contract_kind, c.inspection_days AS terms_inspection_days, \
     c.payment_days AS terms_payment_days, c.terms_source, c.inspection_from, c.inspection_basis, \
     c.interest_yen, c.worst_severity, c.registry_status, c.possible_duplicate AS case_possible_duplicate, \
     c.match_status";

/// The recorded start of a case's inspection period, when it has one.
fn inspection_start_from_row(row: &AnyRow) -> Result<Option<InspectionStart>, StoreError> {
    let on: Option<String> = row.try_get("inspection_from")?;
    let basis: Option<String> = row.try_get("inspection_basis")?;
    let (Some(on), Some(basis)) = (date(on)?, basis) else {
        return Ok(None);
    };
    Ok(Some(InspectionStart {
        on,
        basis: InspectionBasis::parse(&basis)
            .ok_or_else(|| StoreError::Corrupt(format!("inspection basis {basis:?}")))?,
    }))
}

/// The recorded terms of a case row, when it has them.
fn terms_from_row(row: &AnyRow) -> Result<Option<GoverningTerms>, StoreError> {
    let kind: Option<String> = row.try_get("terms_contract_kind")?;
    let inspection: Option<i64> = row.try_get("terms_inspection_days")?;
    let payment: Option<i64> = row.try_get("terms_payment_days")?;
    let source: Option<String> = row.try_get("terms_source")?;
    let (Some(kind), Some(inspection_days), Some(payment_days), Some(source)) =
        (kind, inspection, payment, source)
    else {
        return Ok(None);
    };
    Ok(Some(GoverningTerms {
        contract_kind: contract_kind(&kind)?,
        terms: PaymentTerms {
            inspection_days,
            payment_days,
        },
        source: TermsSource::parse(&source)
            .ok_or_else(|| StoreError::Corrupt(format!("terms source {source:?}")))?,
    }))
}

pub(crate) fn date(raw: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    raw.map(|raw| {
        NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
            .map_err(|e| StoreError::Corrupt(format!("date {raw:?}: {e}")))
    })
    .transpose()
}

pub(crate) fn day(on: NaiveDate) -> String {
    on.format("%Y-%m-%d").to_string()
}

fn contract_kind(raw: &str) -> Result<ContractKind, StoreError> {
    match raw {
        "goods" => Ok(ContractKind::Goods),
        "works" => Ok(ContractKind::Works),
        other => Err(StoreError::Corrupt(format!("contract kind {other:?}"))),
    }
}

pub(crate) fn contract_kind_str(kind: ContractKind) -> &'static str {
    match kind {
        ContractKind::Goods => "goods",
        ContractKind::Works => "works",
    }
}

fn case_from_row(row: &AnyRow) -> Result<InvoiceCase, StoreError> {
    let document = DocumentRecord::from_row(row)?;
    let stored: Option<String> = row.try_get("case_state")?;
    let state = match stored {
        Some(state) => state.parse().map_err(StoreError::Corrupt)?,
        None => match document.status {
            cie_domain::DocumentStatus::Rejected => InvoiceState::Rejected,
            cie_domain::DocumentStatus::Received => InvoiceState::Received,
        },
    };
    let chain_root_id: Option<i64> = row.try_get("chain_root_id")?;
    let ordered_at: Option<String> = row.try_get("payment_ordered_at")?;
    Ok(InvoiceCase {
        state,
        chain_root_id: chain_root_id.unwrap_or(document.id),
        corrects_document_id: row.try_get("corrects_document_id")?,
        superseded_by_document_id: row.try_get("superseded_by_document_id")?,
        inspector_id: row.try_get("inspector_id")?,
        inspected_on: date(row.try_get("inspected_on")?)?,
        approver_id: row.try_get("approver_id")?,
        payment_ordered_at: ordered_at.as_deref().map(parse_timestamp).transpose()?,
        payment_date: date(row.try_get("payment_date")?)?,
        paid_on: date(row.try_get("paid_on")?)?,
        terms: terms_from_row(row)?,
        inspection_start: inspection_start_from_row(row)?,
        interest_yen: row.try_get("interest_yen")?,
        flags: CaseFlags {
            worst_severity: row.try_get("worst_severity")?,
            registry_status: row.try_get("registry_status")?,
            possible_duplicate: row
                .try_get::<Option<i64>, _>("case_possible_duplicate")?
                .is_some_and(|flag| flag != 0),
            match_status: row.try_get("match_status")?,
        },
        document,
    })
}

fn return_from_row(row: &AnyRow) -> Result<InvoiceReturn, StoreError> {
    let reasons: String = row.try_get("reasons_json")?;
    Ok(InvoiceReturn {
        id: row.try_get("id")?,
        document_id: row.try_get("document_id")?,
        returned_at: parse_timestamp(&row.try_get::<String, _>("returned_at")?)?,
        returned_on: date(Some(row.try_get("returned_on")?))?
            .ok_or_else(|| StoreError::Corrupt("return without a day".into()))?,
        actor_id: row.try_get("actor_id")?,
        reasons: serde_json::from_str(&reasons)
            .map_err(|e| StoreError::Corrupt(format!("return reasons: {e}")))?,
        note: row.try_get("note")?,
        resubmitted_document_id: row.try_get("resubmitted_document_id")?,
        resubmitted_on: date(row.try_get("resubmitted_on")?)?,
    })
}

impl Store {
    /// The invoice `document_id` with its workflow state; with `supplier_org_id`, only if it is that
    /// organisation's.
    pub async fn invoice_case(
        &self,
        tenant: &TenantId,
        document_id: i64,
        supplier_org_id: Option<i64>,
    ) -> Result<InvoiceCase, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {DOCUMENT_COLUMNS_OF_D}, {CASE_COLUMNS}
             FROM documents d LEFT JOIN invoice_cases c ON c.tenant_id = d.tenant_id AND c.document_id = d.id
             WHERE d.tenant_id = $1 AND d.id = $2 AND d.kind = $3 AND d.direction = 'inbound'
               AND ($4 IS NULL OR d.supplier_org_id = $4)"
        )))
        .bind(tenant.as_str())
        .bind(document_id)
        .bind(DocumentKind::Invoice.as_str())
        .bind(supplier_org_id)
        .fetch_optional(self.read())
        .await?
        .ok_or(StoreError::NotFound { what: "invoice" })?;
        case_from_row(&row)
    }

    /// Received invoices of `tenant` with their workflow state, in the filter's order.
    pub async fn invoice_cases(
        &self,
        tenant: &TenantId,
        filter: &CaseFilter,
    ) -> Result<Vec<InvoiceCase>, StoreError> {
        let mut tx = self.listing().await?;
        let mut cases = Vec::new();
        for (sql, binds) in filter.statements(tenant) {
            let room = filter.limit.clamp(1, 10_000) - i64::try_from(cases.len()).unwrap_or(0);
            if room <= 0 {
                break;
            }
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(room);
            for bind in &binds {
                query = bind.bind(query);
            }
            for row in query.fetch_all(&mut *tx).await? {
                cases.push(case_from_row(&row)?);
            }
        }
        tx.commit().await?;
        Ok(cases)
    }

    /// The returns of the chains rooted at `chain_root_ids`, oldest first.
    pub async fn invoice_returns(
        &self,
        tenant: &TenantId,
        chain_root_ids: &[i64],
    ) -> Result<Vec<(i64, InvoiceReturn)>, StoreError> {
        let mut returns = Vec::new();
        if chain_root_ids.is_empty() {
            return Ok(returns);
        }
        let mut tx = self.listing().await?;
        for chunk in chain_root_ids.chunks(500) {
            let mut query =
                sqlx::query(AssertSqlSafe(invoice_returns_sql(chunk.len()))).bind(tenant.as_str());
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut *tx).await? {
                returns.push((row.try_get("chain_root_id")?, return_from_row(&row)?));
            }
        }
        tx.commit().await?;
        Ok(returns)
    }

    /// The invoices approved under commitment (支出負担行為番号) `number`, oldest first.
    pub async fn invoices_with_commitment(
        &self,
        tenant: &TenantId,
        number: &str,
    ) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT document_id FROM invoice_approvals WHERE tenant_id = $1 AND commitment_number = $2
             ORDER BY document_id",
        )
        .bind(tenant.as_str())
        .bind(number)
        .fetch_all(self.read())
        .await?)
    }

    /// The approval of invoice `document_id`, if approved.
    pub async fn approval(
        &self,
        tenant: &TenantId,
        document_id: i64,
    ) -> Result<Option<Approval>, StoreError> {
        let row = sqlx::query(
            "SELECT approver_id, approved_at, rightful_creditor, amount_correct, performance_confirmed, debt_fixed,
                 fiscal_year, budget_item, commitment_number, payment_method, payment_date, note,
                 accounting_unit, department, withholding_yen
             FROM invoice_approvals WHERE tenant_id = $1 AND document_id = $2",
        )
        .bind(tenant.as_str())
        .bind(document_id)
        .fetch_optional(self.read())
        .await?;
        row.map(|row| {
            Ok(Approval {
                approver_id: row.try_get("approver_id")?,
                approved_at: parse_timestamp(&row.try_get::<String, _>("approved_at")?)?,
                checklist: ApprovalChecklist {
                    rightful_creditor: row.try_get::<i64, _>("rightful_creditor")? != 0,
                    amount_correct: row.try_get::<i64, _>("amount_correct")? != 0,
                    performance_confirmed: row.try_get::<i64, _>("performance_confirmed")? != 0,
                    debt_fixed: row.try_get::<i64, _>("debt_fixed")? != 0,
                    fiscal_year: row.try_get("fiscal_year")?,
                    budget_item: row.try_get("budget_item")?,
                    commitment_number: row.try_get("commitment_number")?,
                    payment_method: row.try_get("payment_method")?,
                    payment_date: date(Some(row.try_get("payment_date")?))?
                        .ok_or_else(|| StoreError::Corrupt("approval without a date".into()))?,
                    note: row.try_get("note")?,
                    accounting_unit: row.try_get("accounting_unit")?,
                    department: row.try_get("department")?,
                    withholding_yen: row.try_get("withholding_yen")?,
                },
            })
        })
        .transpose()
    }

    /// The invoice responses issued for invoice `document_id`, oldest first.
    pub async fn invoice_responses(
        &self,
        tenant: &TenantId,
        document_id: i64,
    ) -> Result<Vec<IssuedResponse>, StoreError> {
        let rows = sqlx::query(
            "SELECT response_document_id, status_code, issued_at FROM invoice_responses
             WHERE tenant_id = $1 AND invoice_document_id = $2 ORDER BY response_document_id",
        )
        .bind(tenant.as_str())
        .bind(document_id)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(IssuedResponse {
                    response_document_id: row.try_get("response_document_id")?,
                    status_code: row.try_get("status_code")?,
                    issued_at: parse_timestamp(&row.try_get::<String, _>("issued_at")?)?,
                })
            })
            .collect()
    }

    /// The audit trail of invoice `document_id` (or of the whole tenant), oldest first.
    pub async fn audit_log(
        &self,
        tenant: &TenantId,
        document_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, at, actor_id, actor_role, document_id, action, before_state, after_state, detail_json
             FROM audit_log WHERE tenant_id = $1 AND ($2 IS NULL OR document_id = $2) ORDER BY id LIMIT {}",
            limit.clamp(1, 10_000)
        )))
        .bind(tenant.as_str())
        .bind(document_id)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|row| {
                let detail: String = row.try_get("detail_json")?;
                Ok(AuditEntry {
                    id: row.try_get("id")?,
                    at: parse_timestamp(&row.try_get::<String, _>("at")?)?,
                    actor_id: row.try_get("actor_id")?,
                    actor_role: row.try_get("actor_role")?,
                    document_id: row.try_get("document_id")?,
                    action: row.try_get("action")?,
                    before_state: row.try_get("before_state")?,
                    after_state: row.try_get("after_state")?,
                    detail: serde_json::from_str(&detail)
                        .map_err(|e| StoreError::Corrupt(format!("audit detail: {e}")))?,
                })
            })
            .collect()
    }

    /// Attaches document `document_id`, filed for no supplier organisation, to `supplier_org_id`: the
    /// document, its invoice case and the invoice responses issued for it become the organisation's, and
    /// the audit log records who did it. The archive entry keeps who sent the bytes. Refused (`Conflict`)
    /// when the document belongs to an organisation already.
    pub async fn assign_supplier_org(
        &self,
        tenant: &TenantId,
        document_id: i64,
        supplier_org_id: i64,
        actor_id: i64,
        actor_role: Role,
        at: DateTime<Utc>,
    ) -> Result<DocumentRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let org: Option<i64> =
            sqlx::query_scalar("SELECT id FROM supplier_orgs WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.as_str())
                .bind(supplier_org_id)
                .fetch_optional(&mut *tx)
                .await?;
        if org.is_none() {
            return Err(StoreError::NotFound {
                what: "supplier organisation",
            });
        }
        let current: Option<(Option<i64>, String, Option<String>)> = sqlx::query_as(
            "SELECT d.supplier_org_id, d.status, c.state
             FROM documents d LEFT JOIN invoice_cases c ON c.tenant_id = d.tenant_id AND c.document_id = d.id
             WHERE d.tenant_id = $1 AND d.id = $2",
        )
        .bind(tenant.as_str())
        .bind(document_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((owner, status, state)) = current else {
            return Err(StoreError::NotFound { what: "document" });
        };
        if let Some(owner) = owner {
            return Err(StoreError::Conflict {
                what: format!(
                    "document {document_id} belongs to supplier organisation {owner}: an assignment"
                ),
            });
        }
        sqlx::query("UPDATE documents SET supplier_org_id = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_str())
            .bind(document_id)
            .bind(supplier_org_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE invoice_cases SET supplier_org_id = $3 WHERE tenant_id = $1 AND document_id = $2",
        )
        .bind(tenant.as_str())
        .bind(document_id)
        .bind(supplier_org_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE documents SET supplier_org_id = $3
             WHERE tenant_id = $1 AND supplier_org_id IS NULL AND id IN (
                 SELECT response_document_id FROM invoice_responses
                 WHERE tenant_id = $1 AND invoice_document_id = $2)",
        )
        .bind(tenant.as_str())
        .bind(document_id)
        .bind(supplier_org_id)
        .execute(&mut *tx)
        .await?;
        let standing = state.unwrap_or(status);
        crate::sealing::AuditRow {
            tenant: tenant.to_string(),
            at: timestamp(at),
            actor_id,
            actor_role: actor_role.as_str().to_owned(),
            document_id,
            action: "assign_supplier_org".to_owned(),
            before_state: standing.clone(),
            after_state: standing,
            detail_json: serde_json::json!({ "supplier_org_id": supplier_org_id }).to_string(),
        }
        .append(&mut tx, self.seal_key())
        .await?;
        let record =
            crate::documents::document_by_id(&mut tx, tenant.as_str(), document_id).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The city's workflow settings (defaults until set).
    pub async fn workflow_settings(
        &self,
        tenant: &TenantId,
    ) -> Result<WorkflowSettings, StoreError> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT separate_approver, default_contract_kind FROM workflow_settings WHERE tenant_id = $1",
        )
        .bind(tenant.as_str())
        .fetch_optional(self.read())
        .await?;
        match row {
            None => Ok(WorkflowSettings::default()),
            Some((separate, kind)) => workflow_settings_of(separate, &kind),
        }
    }

    /// What intake reads before it archives a document, on one connection of the pool (each connection
    /// taken from the pool and given back costs a round trip to it more than its statements): the
    /// sending organisation, when the document names one, and for an invoice the returned invoice it
    /// corrects and the terms that govern it.
    pub async fn intake_reads(
        &self,
        tenant: &TenantId,
        supplier_org_id: Option<i64>,
        invoice: Option<InvoiceKeys<'_>>,
    ) -> Result<IntakeReads, StoreError> {
        let mut conn = self.read().acquire().await?;
        let supplier_org = match supplier_org_id {
            Some(id) => Some(crate::directory::supplier_org_on(&mut *conn, tenant, id).await?),
            None => None,
        };
        let invoice = match invoice {
            Some(keys) => {
                let returned_invoice =
                    returned_invoice_on(&mut *conn, tenant, keys.supplier_key, keys.numbers)
                        .await?;
                let (settings, terms) =
                    settings_and_terms_on(&mut *conn, tenant, supplier_org_id).await?;
                Some(InvoiceReads {
                    returned_invoice,
                    settings,
                    terms,
                })
            }
            None => None,
        };
        Ok(IntakeReads {
            supplier_org,
            invoice,
        })
    }

    /// Replaces the city's workflow settings.
    pub async fn set_workflow_settings(
        &self,
        tenant: &TenantId,
        settings: WorkflowSettings,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO workflow_settings (tenant_id, separate_approver, default_contract_kind, updated_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id) DO UPDATE SET separate_approver = excluded.separate_approver,
                 default_contract_kind = excluded.default_contract_kind, updated_at = excluded.updated_at",
        )
        .bind(tenant.as_str())
        .bind(i64::from(settings.separate_approver))
        .bind(contract_kind_str(settings.default_contract_kind))
        .bind(timestamp(at))
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Records (or replaces) contract terms for a supplier or one of its orders.
    pub async fn set_supplier_terms(
        &self,
        tenant: &TenantId,
        terms: &SupplierTerms,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO payment_terms (tenant_id, supplier_org_id, order_number, contract_kind, inspection_days,
                 payment_days, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (tenant_id, supplier_org_id, order_number) DO UPDATE SET
                 contract_kind = excluded.contract_kind, inspection_days = excluded.inspection_days,
                 payment_days = excluded.payment_days, updated_at = excluded.updated_at",
        )
        .bind(tenant.as_str())
        .bind(terms.supplier_org_id)
        .bind(terms.order_number.as_deref().unwrap_or(""))
        .bind(contract_kind_str(terms.contract_kind))
        .bind(terms.terms.inspection_days)
        .bind(terms.terms.payment_days)
        .bind(timestamp(at))
        .execute(self.write())
        .await
        .map_err(|e| {
            if let sqlx::Error::Database(db) = &e
                && db.is_foreign_key_violation()
            {
                return StoreError::NotFound {
                    what: "supplier organisation",
                };
            }
            StoreError::Database(e)
        })?;
        Ok(())
    }

    /// The contract terms recorded for a supplier (its own and its orders').
    pub async fn supplier_terms(
        &self,
        tenant: &TenantId,
        supplier_org_id: i64,
    ) -> Result<Vec<SupplierTerms>, StoreError> {
        let rows = sqlx::query(
            "SELECT supplier_org_id, order_number, contract_kind, inspection_days, payment_days
             FROM payment_terms WHERE tenant_id = $1 AND supplier_org_id = $2 ORDER BY order_number",
        )
        .bind(tenant.as_str())
        .bind(supplier_org_id)
        .fetch_all(self.read())
        .await?;
        rows.iter().map(supplier_terms_of).collect()
    }
}

/// The terms in a row of `payment_terms` (`supplier_org_id`, `order_number`, `contract_kind`,
/// `inspection_days`, `payment_days`).
fn supplier_terms_of(row: &sqlx::any::AnyRow) -> Result<SupplierTerms, StoreError> {
    let order: String = row.try_get("order_number")?;
    Ok(SupplierTerms {
        supplier_org_id: row.try_get("supplier_org_id")?,
        order_number: Some(order).filter(|o| !o.is_empty()),
        contract_kind: contract_kind(&row.try_get::<String, _>("contract_kind")?)?,
        terms: PaymentTerms {
            inspection_days: row.try_get("inspection_days")?,
            payment_days: row.try_get("payment_days")?,
        },
    })
}

/// The settings in a row of `workflow_settings`.
fn workflow_settings_of(
    separate_approver: i64,
    kind: &str,
) -> Result<WorkflowSettings, StoreError> {
    Ok(WorkflowSettings {
        separate_approver: separate_approver != 0,
        default_contract_kind: contract_kind(kind)?,
    })
}

/// The statement listing invoice cases for `filter` (newest first, or one `part` of a deadline-ordered
/// listing) and its values after the first, the limit: read from the cases' indexes (by state, by
/// organisation, by open deadline, or newest first), never by walking the tenant's documents.
pub(crate) fn invoice_cases_sql(
    tenant: &TenantId,
    filter: &CaseFilter,
    part: Option<DeadlinePart>,
) -> (String, Vec<Bind>) {
    let mut conditions = vec!["c.tenant_id = $2".to_owned()];
    let mut binds = vec![Bind::Text(tenant.as_str().to_owned())];
    let at = |binds: &Vec<Bind>| binds.len() + 1;
    if let Some(org) = filter.supplier_org_id {
        binds.push(Bind::Int(org));
        conditions.push(format!("c.supplier_org_id = ${}", at(&binds)));
    }
    let every_state = match part {
        None => {
            filter.states.is_empty() || InvoiceState::ALL.iter().all(|s| filter.states.contains(s))
        }
        // Only the running part is confined to its states by its own condition.
        Some(DeadlinePart::Running) => InvoiceState::ALL
            .into_iter()
            .filter(|s| DeadlinePart::Running.holds(*s))
            .all(|s| filter.states.contains(&s)),
        Some(DeadlinePart::Paused | DeadlinePart::Closed) => false,
    };
    if part == Some(DeadlinePart::Running) {
        conditions.push("c.open_deadline IS NOT NULL".to_owned());
    }
    if !every_state {
        let mut placeholders = Vec::with_capacity(filter.states.len());
        for state in &filter.states {
            binds.push(Bind::Text(state.as_str().to_owned()));
            placeholders.push(format!("${}", at(&binds)));
        }
        conditions.push(format!("c.state IN ({})", placeholders.join(", ")));
    }
    if let Some(floor) = filter.min_severity {
        let mut placeholders = Vec::new();
        for severity in Severity::ALL.into_iter().filter(|s| *s <= floor) {
            binds.push(Bind::Text(severity.as_str().to_owned()));
            placeholders.push(format!("${}", at(&binds)));
        }
        conditions.push(format!("c.worst_severity IN ({})", placeholders.join(", ")));
    }
    if !filter.registry_statuses.is_empty() {
        let mut placeholders = Vec::new();
        for status in &filter.registry_statuses {
            binds.push(Bind::Text(status.clone()));
            placeholders.push(format!("${}", at(&binds)));
        }
        conditions.push(format!(
            "c.registry_status IN ({})",
            placeholders.join(", ")
        ));
    }
    if let Some(status) = &filter.match_status {
        binds.push(Bind::Text(status.clone()));
        conditions.push(format!("c.match_status = ${}", at(&binds)));
    }
    if let Some(flag) = filter.possible_duplicate {
        binds.push(Bind::Int(i64::from(flag)));
        conditions.push(format!("c.possible_duplicate = ${}", at(&binds)));
    }
    if let Some(due) = filter.due_by {
        binds.push(Bind::Text(day(due.deadline)));
        binds.push(Bind::Int(due.days_left));
        conditions.push(format!(
            "(c.open_deadline <= ${} OR c.paused_days_left <= ${})",
            at(&binds) - 1,
            at(&binds)
        ));
    }
    if let Some(today) = filter.overdue_on {
        binds.push(Bind::Text(day(today)));
        conditions.push(format!(
            "(c.open_deadline < ${} OR c.paid_on > c.payment_deadline)",
            at(&binds)
        ));
    }
    let order = part.map_or("c.document_id DESC", DeadlinePart::order_by);
    let sql = format!(
        "SELECT {DOCUMENT_COLUMNS_OF_D}, {CASE_COLUMNS}
         FROM invoice_cases c JOIN documents d ON d.tenant_id = c.tenant_id AND d.id = c.document_id
         WHERE {}
         ORDER BY {order} LIMIT $1",
        conditions.join(" AND "),
    );
    (sql, binds)
}

/// The insert of `rows` new cases, 18 values each.
pub(crate) fn cases_insert_sql(backend: crate::Backend, rows: usize) -> String {
    format!(
        "INSERT INTO invoice_cases (tenant_id, document_id, state, chain_root_id, supplier_org_id, updated_at,
             contract_kind, inspection_days, payment_days, terms_source, inspection_from, inspection_basis,
             worst_severity, registry_status, possible_duplicate, payment_deadline, open_deadline, paused_days_left)
         VALUES {}",
        crate::batch::placeholders(backend, rows, 18)
    )
}

/// A newly recorded document with what its case opens with, if it is an invoice from a supplier.
pub(crate) struct OpenedCase<'a> {
    /// The document.
    pub(crate) record: &'a DocumentRecord,
    /// The terms in force.
    pub(crate) terms: Option<GoverningTerms>,
    /// The day its inspection period runs from.
    pub(crate) inspection_start: Option<InspectionStart>,
    /// Its verdict, for the worst severity and the registry's answer.
    pub(crate) validation: Option<&'a NewValidation>,
    /// Whether intake's look-up found an earlier document like it.
    pub(crate) possible_duplicate: bool,
}

/// Opens the workflow case of newly recorded invoices received from suppliers: state received (or rejected,
/// when intake refused it), a chain of its own, its supplier organisation. The inbox and the invoice lists
/// read cases by state and organisation from their indexes, so every received invoice has one from intake on.
pub(crate) async fn open_cases(
    conn: &mut AnyConnection,
    records: &[OpenedCase<'_>],
) -> Result<(), StoreError> {
    let invoices: Vec<&OpenedCase<'_>> = records
        .iter()
        .filter(|c| c.record.summary.kind == DocumentKind::Invoice && !c.record.outbound)
        .collect();
    if invoices.is_empty() {
        return Ok(());
    }
    let mut insert = sqlx::query(AssertSqlSafe(cases_insert_sql(
        crate::Backend::of(conn),
        invoices.len(),
    )));
    for opened in invoices {
        let (record, terms, start) = (opened.record, opened.terms, opened.inspection_start);
        let deadlines = terms.map_or_else(StoredDeadlines::default, |terms| {
            let received_on = cie_workflow::japan_day(record.received_at);
            StoredDeadlines::of(
                record
                    .status
                    .as_str()
                    .parse()
                    .unwrap_or(InvoiceState::Received),
                terms.terms,
                received_on,
                start.map_or(received_on, |s| s.on),
                &ClockEvents::default(),
            )
        });
        insert = insert
            .bind(record.tenant.as_str())
            .bind(record.id)
            .bind(record.status.as_str())
            .bind(record.id)
            .bind(record.supplier_org_id)
            .bind(timestamp(record.received_at))
            .bind(terms.map(|t| contract_kind_str(t.contract_kind)))
            .bind(terms.map(|t| t.terms.inspection_days))
            .bind(terms.map(|t| t.terms.payment_days))
            .bind(terms.map(|t| t.source.as_str()))
            .bind(start.map(|s| day(s.on)))
            .bind(start.map(|s| s.basis.as_str()))
            .bind(opened.validation.map(|v| worst_severity(&v.findings)))
            .bind(opened.validation.and_then(|v| v.registry_status.clone()))
            .bind(i64::from(opened.possible_duplicate))
            .bind(deadlines.payment_deadline.map(day))
            .bind(deadlines.open_deadline.map(day))
            .bind(deadlines.paused_days_left);
    }
    insert.execute(&mut *conn).await?;
    Ok(())
}

/// The invoice keys intake looks a returned invoice up by (see [`Store::intake_reads`]).
#[derive(Debug, Clone, Copy)]
pub struct InvoiceKeys<'a> {
    /// The sender's key (see `documents.supplier_key`).
    pub supplier_key: &'a str,
    /// The invoice's own number and those its billing references name.
    pub numbers: &'a [&'a str],
}

/// What [`Store::intake_reads`] found.
#[derive(Debug, Clone)]
pub struct IntakeReads {
    /// The organisation the document is filed for, when it names one.
    pub supplier_org: Option<crate::SupplierOrg>,
    /// For an invoice: what its workflow needs.
    pub invoice: Option<InvoiceReads>,
}

/// What intake reads for an invoice.
#[derive(Debug, Clone)]
pub struct InvoiceReads {
    /// The invoice it corrects, if any: one of the same sender, in state returned, with one of the
    /// numbers.
    pub returned_invoice: Option<i64>,
    /// The city's workflow settings.
    pub settings: WorkflowSettings,
    /// The terms recorded for the sending organisation, by order number.
    pub terms: Vec<SupplierTerms>,
}

async fn returned_invoice_on<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    tenant: &TenantId,
    supplier_key: &str,
    numbers: &[&str],
) -> Result<Option<i64>, StoreError> {
    if numbers.is_empty() {
        return Ok(None);
    }
    let mut query = sqlx::query_scalar(AssertSqlSafe(returned_invoice_sql(numbers.len())))
        .bind(tenant.as_str())
        .bind(supplier_key)
        .bind(DocumentKind::Invoice.as_str());
    for number in numbers {
        query = query.bind(*number);
    }
    let found: Vec<i64> = query.fetch_all(executor).await?;
    Ok(found.into_iter().max())
}

async fn settings_and_terms_on<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    tenant: &TenantId,
    supplier_org_id: Option<i64>,
) -> Result<(WorkflowSettings, Vec<SupplierTerms>), StoreError> {
    let rows = sqlx::query(
        "SELECT CAST(NULL AS BIGINT) AS supplier_org_id, CAST(NULL AS TEXT) AS order_number,
             default_contract_kind AS contract_kind, separate_approver,
             CAST(NULL AS BIGINT) AS inspection_days, CAST(NULL AS BIGINT) AS payment_days
         FROM workflow_settings WHERE tenant_id = $1
         UNION ALL
         SELECT supplier_org_id, order_number, contract_kind, CAST(NULL AS BIGINT), inspection_days,
             payment_days
         FROM payment_terms WHERE tenant_id = $1 AND supplier_org_id = $2",
    )
    .bind(tenant.as_str())
    .bind(supplier_org_id)
    .fetch_all(executor)
    .await?;
    let mut settings = WorkflowSettings::default();
    let mut terms = Vec::new();
    for row in &rows {
        // The settings' row is the one without a supplier organisation.
        if row.try_get::<Option<i64>, _>("supplier_org_id")?.is_none() {
            settings = workflow_settings_of(
                row.try_get("separate_approver")?,
                &row.try_get::<String, _>("contract_kind")?,
            )?;
        } else {
            terms.push(supplier_terms_of(row)?);
        }
    }
    terms.sort_by(|a, b| a.order_number.cmp(&b.order_number));
    Ok((settings, terms))
}

/// A returned invoice of a supplier numbered one of `numbers` (tenant, supplier key, kind, then the numbers):
/// the corrected-invoice look-up at every invoice's intake, driven from the few returned invoices (CROSS
/// JOIN keeps SQLite from walking every document of the tenant in id order).
pub(crate) fn returned_invoice_sql(numbers: usize) -> String {
    let placeholders: Vec<String> = (0..numbers).map(|i| format!("${}", i + 4)).collect();
    format!(
        "SELECT d.id FROM invoice_cases c CROSS JOIN documents d
         WHERE c.tenant_id = $1 AND c.state = 'returned' AND d.tenant_id = c.tenant_id AND d.id = c.document_id
           AND d.supplier_key = $2 AND d.kind = $3 AND d.number IN ({})",
        placeholders.join(", ")
    )
}

/// The returns of `chains` invoice chains (tenant, then the chain roots), oldest first.
pub(crate) fn invoice_returns_sql(chains: usize) -> String {
    let placeholders: Vec<String> = (0..chains).map(|i| format!("${}", i + 2)).collect();
    format!(
        "SELECT id, chain_root_id, document_id, returned_at, returned_on, actor_id, reasons_json, note,
             resubmitted_document_id, resubmitted_on
         FROM invoice_returns WHERE tenant_id = $1 AND chain_root_id IN ({}) ORDER BY id",
        placeholders.join(", ")
    )
}

/// An invoice's intake status and case.
pub(crate) const CURRENT_STATE_SQL: &str = "SELECT d.status, c.state, c.chain_root_id
     FROM documents d LEFT JOIN invoice_cases c ON c.tenant_id = d.tenant_id AND c.document_id = d.id
     WHERE d.tenant_id = $1 AND d.id = $2";

/// Where the invoice stands now, on the writer's connection.
pub(crate) async fn current_state(
    conn: &mut AnyConnection,
    tenant: &str,
    document_id: i64,
) -> Result<Option<(InvoiceState, i64, bool)>, StoreError> {
    let row: Option<(String, Option<String>, Option<i64>)> = sqlx::query_as(CURRENT_STATE_SQL)
        .bind(tenant)
        .bind(document_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some((status, state, root)) = row else {
        return Ok(None);
    };
    let has_row = state.is_some();
    let state = state.unwrap_or(status);
    let state = state.parse().map_err(StoreError::Corrupt)?;
    Ok(Some((state, root.unwrap_or(document_id), has_row)))
}

#[allow(clippy::too_many_arguments)]
async fn audit(
    conn: &mut AnyConnection,
    key: &cie_audit::SealKey,
    tenant: &str,
    at: &str,
    actor_id: i64,
    actor_role: Role,
    document_id: i64,
    action: Action,
    before: InvoiceState,
    after: InvoiceState,
    detail: &serde_json::Value,
) -> Result<(), StoreError> {
    crate::sealing::AuditRow {
        tenant: tenant.to_owned(),
        at: at.to_owned(),
        actor_id,
        actor_role: actor_role.as_str().to_owned(),
        document_id,
        action: action.as_str().to_owned(),
        before_state: before.as_str().to_owned(),
        after_state: after.as_str().to_owned(),
        detail_json: detail.to_string(),
    }
    .append(conn, key)
    .await?;
    Ok(())
}

/// Applies `transition` (already checked against the current state) and links its response document.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply_transition(
    conn: &mut AnyConnection,
    key: &cie_audit::SealKey,
    tenant: &str,
    transition: &NewTransition,
    chain_root_id: i64,
    has_row: bool,
    response_document_id: i64,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let at_text = timestamp(at);
    let invoice = transition.invoice_document_id;
    if !has_row {
        sqlx::query(
            "INSERT INTO invoice_cases (tenant_id, document_id, state, chain_root_id, supplier_org_id, updated_at)
             SELECT $1, $2, $3, $4, supplier_org_id, $5 FROM documents WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(invoice)
        .bind(transition.expected.as_str())
        .bind(chain_root_id)
        .bind(&at_text)
        .execute(&mut *conn)
        .await?;
    }
    let update = sqlx::query(
        "UPDATE invoice_cases SET state = $3, updated_at = $4 WHERE tenant_id = $1 AND document_id = $2",
    )
    .bind(tenant)
    .bind(invoice)
    .bind(transition.next.as_str())
    .bind(&at_text);
    update.execute(&mut *conn).await?;
    let detail = match &transition.change {
        CaseChange::StateOnly | CaseChange::Returned { .. } => None,
        CaseChange::ApprovalWithdrawn { .. } => Some(
            sqlx::query(
                "UPDATE invoice_cases SET approver_id = NULL, approved_at = NULL, payment_date = NULL
                 WHERE tenant_id = $1 AND document_id = $2",
            )
            .bind(tenant)
            .bind(invoice),
        ),
        CaseChange::Inspected { on } => Some(
            sqlx::query(
                "UPDATE invoice_cases SET inspector_id = $3, inspected_on = $4
                 WHERE tenant_id = $1 AND document_id = $2",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(transition.actor_id)
            .bind(day(*on)),
        ),
        CaseChange::Approved(checklist) => Some(
            sqlx::query(
                "UPDATE invoice_cases SET approver_id = $3, approved_at = $4, payment_date = $5
                 WHERE tenant_id = $1 AND document_id = $2",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(transition.actor_id)
            .bind(at_text.clone())
            .bind(day(checklist.payment_date)),
        ),
        CaseChange::PaymentOrdered {
            payment_date,
            interest_yen,
        } => Some(
            sqlx::query(
                "UPDATE invoice_cases SET payment_ordered_at = $3, payment_date = $4, interest_yen = $5
                 WHERE tenant_id = $1 AND document_id = $2",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(at_text.clone())
            .bind(day(*payment_date))
            .bind(*interest_yen),
        ),
        CaseChange::Paid { on, interest_yen } => Some(
            sqlx::query(
                "UPDATE invoice_cases SET paid_on = $3, interest_yen = $4
                 WHERE tenant_id = $1 AND document_id = $2",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(day(*on))
            .bind(*interest_yen),
        ),
    };
    if let Some(detail) = detail {
        detail.execute(&mut *conn).await?;
    }

    match &transition.change {
        CaseChange::Returned { on, reasons, note } => {
            let reasons_json = serde_json::to_string(reasons)
                .map_err(|e| StoreError::Corrupt(format!("return reasons: {e}")))?;
            sqlx::query(
                "INSERT INTO invoice_returns (tenant_id, chain_root_id, document_id, returned_at, returned_on,
                     actor_id, reasons_json, note)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(tenant)
            .bind(chain_root_id)
            .bind(invoice)
            .bind(&at_text)
            .bind(day(*on))
            .bind(transition.actor_id)
            .bind(reasons_json)
            .bind(note.as_deref())
            .execute(&mut *conn)
            .await?;
        }
        CaseChange::Approved(checklist) => {
            sqlx::query(
                "INSERT INTO invoice_approvals (tenant_id, document_id, approver_id, approved_at, rightful_creditor,
                     amount_correct, performance_confirmed, debt_fixed, fiscal_year, budget_item,
                     commitment_number, payment_method, payment_date, note, accounting_unit, department,
                     withholding_yen)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(transition.actor_id)
            .bind(&at_text)
            .bind(i64::from(checklist.rightful_creditor))
            .bind(i64::from(checklist.amount_correct))
            .bind(i64::from(checklist.performance_confirmed))
            .bind(i64::from(checklist.debt_fixed))
            .bind(checklist.fiscal_year)
            .bind(&checklist.budget_item)
            .bind(&checklist.commitment_number)
            .bind(&checklist.payment_method)
            .bind(day(checklist.payment_date))
            .bind(checklist.note.as_deref())
            .bind(checklist.accounting_unit.as_deref())
            .bind(checklist.department.as_deref())
            .bind(checklist.withholding_yen)
            .execute(&mut *conn)
            .await?;
        }
        CaseChange::ApprovalWithdrawn { .. } => {
            sqlx::query("DELETE FROM invoice_approvals WHERE tenant_id = $1 AND document_id = $2")
                .bind(tenant)
                .bind(invoice)
                .execute(&mut *conn)
                .await?;
        }
        _ => {}
    }
    if let Some(export) = &transition.export {
        let wanted = match export.kind {
            crate::exports::ExportKind::Payment => true,
            crate::exports::ExportKind::Cancellation => {
                crate::exports::has_live_payment_record(&mut *conn, tenant, invoice).await?
            }
        };
        if wanted {
            crate::exports::append_export(&mut *conn, tenant, invoice, export, &at_text).await?;
        }
    }
    audit(
        conn,
        key,
        tenant,
        &at_text,
        transition.actor_id,
        transition.actor_role,
        invoice,
        transition.action,
        transition.expected,
        transition.next,
        &transition.detail,
    )
    .await?;
    crate::deadlines::record_missing_terms(&mut *conn, tenant, invoice, transition.terms).await?;
    crate::deadlines::refresh(&mut *conn, tenant, invoice).await?;
    sqlx::query(
        "INSERT INTO invoice_responses (tenant_id, response_document_id, invoice_document_id, status_code, issued_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant)
    .bind(response_document_id)
    .bind(invoice)
    .bind(&transition.response_status_code)
    .bind(&at_text)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Links a corrected invoice to the returned one it replaces: the returned one becomes superseded, the new
/// one joins its chain, and the open return records when the correction arrived.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn link_correction(
    conn: &mut AnyConnection,
    key: &cie_audit::SealKey,
    tenant: &str,
    returned_document_id: i64,
    corrected_document_id: i64,
    received_on: NaiveDate,
    actor_id: i64,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some((state, chain_root_id, _)) =
        current_state(&mut *conn, tenant, returned_document_id).await?
    else {
        return Ok(false);
    };
    if state != InvoiceState::Returned {
        return Ok(false);
    }
    let at_text = timestamp(at);
    sqlx::query(
        "UPDATE invoice_cases SET state = 'superseded', superseded_by_document_id = $3, updated_at = $4
         WHERE tenant_id = $1 AND document_id = $2",
    )
    .bind(tenant)
    .bind(returned_document_id)
    .bind(corrected_document_id)
    .bind(&at_text)
    .execute(&mut *conn)
    .await?;
    // The corrected invoice continues its chain's clock, on the terms the chain started with.
    sqlx::query(
        "UPDATE invoice_cases SET chain_root_id = $3, corrects_document_id = $4, updated_at = $5,
             contract_kind = (SELECT r.contract_kind FROM invoice_cases r WHERE r.tenant_id = $1 AND r.document_id = $3),
             inspection_days = (SELECT r.inspection_days FROM invoice_cases r WHERE r.tenant_id = $1 AND r.document_id = $3),
             payment_days = (SELECT r.payment_days FROM invoice_cases r WHERE r.tenant_id = $1 AND r.document_id = $3),
             terms_source = (SELECT r.terms_source FROM invoice_cases r WHERE r.tenant_id = $1 AND r.document_id = $3),
             inspection_from = COALESCE((SELECT r.inspection_from FROM invoice_cases r
                                         WHERE r.tenant_id = $1 AND r.document_id = $3), inspection_from),
             inspection_basis = COALESCE((SELECT r.inspection_basis FROM invoice_cases r
                                          WHERE r.tenant_id = $1 AND r.document_id = $3), inspection_basis)
         WHERE tenant_id = $1 AND document_id = $2",
    )
    .bind(tenant)
    .bind(corrected_document_id)
    .bind(chain_root_id)
    .bind(returned_document_id)
    .bind(&at_text)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE invoice_returns SET resubmitted_document_id = $3, resubmitted_on = $4
         WHERE tenant_id = $1 AND chain_root_id = $2 AND resubmitted_document_id IS NULL",
    )
    .bind(tenant)
    .bind(chain_root_id)
    .bind(corrected_document_id)
    .bind(day(received_on))
    .execute(&mut *conn)
    .await?;
    crate::deadlines::refresh(&mut *conn, tenant, returned_document_id).await?;
    crate::deadlines::refresh(&mut *conn, tenant, corrected_document_id).await?;
    audit(
        conn,
        key,
        tenant,
        &at_text,
        actor_id,
        Role::Supplier,
        returned_document_id,
        Action::Supersede,
        InvoiceState::Returned,
        InvoiceState::Superseded,
        &serde_json::json!({ "corrected_document_id": corrected_document_id }),
    )
    .await?;
    Ok(true)
}

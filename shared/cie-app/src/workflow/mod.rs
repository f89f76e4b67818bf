//! The invoice workflow use cases: staff take invoices up, return them with reasons (差し戻し) or record the
//! inspection; approvers approve with the municipal checklist and order payment; the finance system reports
//! payment. Each step is checked against the lifecycle, the caller's role and the rules of
//! [`cie_workflow::steps`] (dates that cannot be, a late payment date only when acknowledged with a reason),
//! logged in the audit log and answered to the supplier with an archived invoice response (Peppol T111).

mod deadlines;
mod inbox;
mod requests;
mod settings;
mod terms;
mod views;

use cie_domain::{DocumentKind, DocumentStatus, ReferenceKind, Role};
use cie_store::{
    AuditEntry, CaseChange, ExportKind, InvoiceCase, NewSubmission, NewTransition, Parsed,
    SubmissionOutcome, WorkflowStep,
};
use cie_workflow::{
    Action, DateContext, InvoiceState, PlannedPayment, check_checklist, check_fiscal_year,
    check_return, japan_day,
};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use tracing::info;

pub use deadlines::fill_missing_deadlines;
pub use inbox::{CaseListQuery, MatchStatus, inbox, list_invoices};
pub use requests::{
    ApprovalRequest, InspectionRequest, LatePayment, PaidRequest, PaymentOrderRequest,
    ReturnRequest, Step, WithdrawalRequest, roles_for,
};
pub use settings::{set_settings, settings};
pub use terms::{TermsRequest, set_terms, terms, terms_in_force};
pub use views::{CaseDetail, CaseView, ClockView, PlannedCost, case_detail};

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;
use crate::responses;
use views::{LoadedCase, date_context};

/// The audit trail of one invoice (city users only).
pub async fn audit_trail(
    state: &AppState,
    caller: &Caller,
    document_id: Option<i64>,
) -> Result<Vec<AuditEntry>, Error> {
    caller.require(&[Role::Staff, Role::Approver, Role::Finance, Role::Admin])?;
    if let Some(id) = document_id {
        // An invoice of another city (or none) is not found, as everywhere else in the API.
        state.store.invoice_case(&caller.tenant, id, None).await?;
    }
    Ok(state
        .store
        .audit_log(&caller.tenant, document_id, 10_000)
        .await?)
}

/// What `step` records on `case`, after checking it against the invoice's clocks; with the planned payment
/// (its deadline, days late and interest) for a step that sets or settles a payment date.
fn change_for(
    step: &Step,
    case: &InvoiceCase,
    dates: &DateContext<'_>,
) -> Result<(CaseChange, Option<PlannedPayment>), Error> {
    Ok(match step {
        Step::StartInspection => (CaseChange::StateOnly, None),
        Step::Return(request) => {
            check_return(&request.reasons)?;
            let change = CaseChange::Returned {
                on: dates.today,
                reasons: request.reasons.clone(),
                note: request.note.clone().filter(|n| !n.trim().is_empty()),
            };
            (change, None)
        }
        Step::WithdrawApproval(request) => {
            let reason = request.reason.trim();
            if reason.is_empty() {
                return Err(Error::invalid(
                    "reason_required",
                    "reason is required: say why the approval is withdrawn",
                ));
            }
            let change = CaseChange::ApprovalWithdrawn {
                reason: reason.to_owned(),
            };
            (change, None)
        }
        Step::CompleteInspection(request) => {
            let on = dates.inspection_date(request.inspected_on.unwrap_or(dates.today))?;
            (CaseChange::Inspected { on }, None)
        }
        Step::Approve(request) => {
            check_checklist(&request.checklist)?;
            let planned = dates.payment_date(
                "payment_date",
                request.checklist.payment_date,
                request.late.acknowledgement(),
            )?;
            check_fiscal_year(&request.checklist)?;
            (
                CaseChange::Approved(request.checklist.clone()),
                Some(planned),
            )
        }
        Step::OrderPayment(request) => {
            let Some(payment_date) = request.payment_date.or(case.payment_date) else {
                return Err(Error::invalid("invalid_date", "payment_date is required"));
            };
            let planned =
                dates.payment_date("payment_date", payment_date, request.acknowledgement())?;
            let change = CaseChange::PaymentOrdered {
                payment_date,
                interest_yen: whole_yen(planned.interest)?,
            };
            (change, Some(planned))
        }
        Step::MarkPaid(request) => {
            let ordered_on = case.payment_ordered_at.map(japan_day);
            let on = dates.paid_on(request.paid_on.unwrap_or(dates.today), ordered_on)?;
            let (late_days, interest) = dates.cost_if_paid_on(on);
            let settled = PlannedPayment {
                date: on,
                payment_deadline: dates.clock.payment_deadline,
                late_days,
                interest,
                late_reason: None,
            };
            let change = CaseChange::Paid {
                on,
                interest_yen: whole_yen(interest)?,
            };
            (change, Some(settled))
        }
    })
}

fn whole_yen(amount: rust_decimal::Decimal) -> Result<i64, Error> {
    amount.trunc().to_i64().ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "late interest {amount} does not fit in whole yen"
        ))
    })
}

/// Takes `step` on invoice `document_id`: checks role, lifecycle and inputs, then archives the invoice
/// response and records the transition and its audit entry in one transaction.
pub async fn act(
    state: &AppState,
    caller: &Caller,
    document_id: i64,
    step: Step,
) -> Result<CaseDetail, Error> {
    let action = step.action();
    caller.require(roles_for(action))?;
    let loaded = LoadedCase::load(state, &caller.tenant, document_id, None).await?;
    let case = &loaded.case;
    let next = case
        .state
        .apply(action)
        .map_err(|refused| Error::InvalidTransition {
            message: refused.to_string(),
            state: case.state.as_str(),
        })?;
    if action == Action::Approve {
        let settings = state.store.workflow_settings(&caller.tenant).await?;
        if settings.separate_approver && case.inspector_id == Some(caller.user_id) {
            return Err(Error::SeparationOfDuties(
                "the inspector of an invoice may not also approve it (this city separates the duties)"
                    .into(),
            ));
        }
    }
    let now = state.clock.now();
    let today = japan_day(now);
    let clocks = loaded.clocks(today);
    let rates = state.config.payment.rates();
    let dates = date_context(case, &clocks, &rates, today);
    let (change, late) = change_for(&step, case, &dates)?;
    let prior = state
        .store
        .invoice_responses(&caller.tenant, document_id)
        .await?;
    let response =
        responses::for_transition(case, action, &change, late.as_ref(), prior.len() + 1, now)?;
    let summary =
        cie_ubl::parse(response.as_bytes(), &cie_ubl::Limits::default()).map_err(|e| {
            Error::Internal(anyhow::anyhow!(
                "the invoice response written does not read back: {e}"
            ))
        })?;
    if summary.kind != DocumentKind::InvoiceResponse {
        return Err(Error::Internal(anyhow::anyhow!(
            "the invoice response written reads back as a {}",
            summary.kind
        )));
    }
    let checked = crate::validation::validate_for_tenant(
        state,
        &caller.tenant,
        None,
        bytes::Bytes::copy_from_slice(response.as_bytes()),
    )
    .await?;
    if checked.is_fatal() {
        return Err(Error::Internal(anyhow::anyhow!(
            "the invoice response written breaks rules: {:?}",
            checked.findings
        )));
    }
    let status_code = cie_workflow::response_status(action).code();
    let mut detail = serde_json::json!({
        "change": change_detail(&change),
        "response_status": status_code,
    });
    if let Some(late) = &late {
        detail["late_payment"] = serde_json::json!(late);
    }
    if let (CaseChange::PaymentOrdered { payment_date, .. }, Some(approved)) =
        (&change, case.payment_date)
        && *payment_date != approved
    {
        detail["approved_payment_date"] = serde_json::json!(approved);
    }
    let export = match &change {
        CaseChange::Approved(checklist) => {
            let snapshot = crate::finance::snapshot(
                case,
                checklist,
                clocks.received_on,
                clocks.clock.payment_deadline,
                late.as_ref().map(|l| l.interest).unwrap_or_default(),
            );
            Some(crate::finance::export_for(ExportKind::Payment, &snapshot)?)
        }
        CaseChange::ApprovalWithdrawn { reason } => {
            let approval = state.store.approval(&caller.tenant, document_id).await?;
            match approval {
                Some(approval) => {
                    let mut snapshot = crate::finance::snapshot(
                        case,
                        &approval.checklist,
                        clocks.received_on,
                        clocks.clock.payment_deadline,
                        Decimal::ZERO,
                    );
                    snapshot.withdrawal_reason = Some(reason.clone());
                    Some(crate::finance::export_for(
                        ExportKind::Cancellation,
                        &snapshot,
                    )?)
                }
                None => None,
            }
        }
        _ => None,
    };
    let transition = NewTransition {
        export,
        invoice_document_id: document_id,
        expected: case.state,
        next,
        action,
        actor_id: caller.user_id,
        actor_role: caller.role,
        change,
        detail,
        response_status_code: status_code.to_owned(),
        terms: loaded.terms,
    };
    let content = response.into_bytes();
    let submission = NewSubmission {
        tenant: caller.tenant.clone(),
        received_at: now,
        submitter_id: caller.user_id,
        supplier_org_id: case.document.supplier_org_id,
        size_bytes: i64::try_from(content.len()).unwrap_or(i64::MAX),
        truncated: false,
        content,
        parsed: Parsed::Document {
            summary: Box::new(summary),
            supplier_key: format!("city:{}", caller.tenant),
            status: DocumentStatus::Received,
            validation: Some(checked.to_record()),
            number_key: None,
        },
        outbound: true,
        workflow: Some(WorkflowStep::Respond(Box::new(transition))),
        terms: None,
        delivery: None,
    };
    match state.store.submit(submission).await? {
        SubmissionOutcome::Accepted { document, .. } => {
            info!(tenant = %caller.tenant, document_id, action = action.as_str(), to = next.as_str(),
                  response = document.id, "invoice workflow step");
        }
        SubmissionOutcome::StateChanged { current } => {
            return Err(Error::Conflict(format!(
                "the invoice changed meanwhile (now {}); reload and try again",
                current.map_or("unknown", InvoiceState::as_str)
            )));
        }
        other => {
            return Err(Error::Internal(anyhow::anyhow!(
                "the invoice response was not archived as a new document: {other:?}"
            )));
        }
    }
    case_detail(state, caller, document_id).await
}

fn change_detail(change: &CaseChange) -> serde_json::Value {
    match change {
        CaseChange::StateOnly => serde_json::json!({}),
        CaseChange::Inspected { on } => serde_json::json!({ "inspected_on": on }),
        CaseChange::Returned { on, reasons, note } => {
            serde_json::json!({ "returned_on": on, "reasons": reasons, "note": note })
        }
        CaseChange::Approved(checklist) => serde_json::json!({ "checklist": checklist }),
        CaseChange::ApprovalWithdrawn { reason } => serde_json::json!({ "reason": reason }),
        CaseChange::PaymentOrdered {
            payment_date,
            interest_yen,
        } => {
            serde_json::json!({ "payment_date": payment_date, "interest_yen": interest_yen })
        }
        CaseChange::Paid { on, interest_yen } => {
            serde_json::json!({ "paid_on": on, "interest_yen": interest_yen })
        }
    }
}

/// The numbers a returned invoice that a new invoice corrects may carry: one of the same supplier, in state
/// returned, with the invoice's own number or one named in its billing references (looked up at intake,
/// see `cie_store::Store::intake_reads`).
pub fn numbers_a_correction_names(summary: &cie_domain::Summary) -> Vec<&str> {
    let mut numbers = vec![summary.number.as_str()];
    numbers.extend(
        summary
            .references
            .iter()
            .filter(|r| r.kind == ReferenceKind::Invoice)
            .map(|r| r.number.as_str()),
    );
    numbers
}

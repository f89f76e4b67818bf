//! The invoice workflow use cases: staff take invoices up, return them with reasons (差し戻し) or record the
//! inspection; approvers approve with the municipal checklist and order payment; the finance system reports
//! payment. Each step is checked against the lifecycle and the caller's role, logged in the audit log and
//! answered to the supplier with an archived invoice response (Peppol T111). Also the payment clock per
//! invoice, the staff inbox sorted by deadline, and the per-city settings and contract terms.

use chrono::{DateTime, NaiveDate, Utc};
use cie_domain::{DocumentKind, DocumentStatus, ReferenceKind, Role, TenantId};
use cie_store::{
    Approval, ApprovalChecklist, AuditEntry, CaseChange, CaseFilter, InvoiceCase, InvoiceReturn,
    IssuedResponse, NewSubmission, NewTransition, Parsed, ReturnReason, SubmissionOutcome,
    SupplierTerms, WorkflowSettings, WorkflowStep,
};
use cie_workflow::{Action, japan_day, ClockEvents, ContractKind, InvoiceState, PaymentClock, PaymentTerms};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tracing::info;

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;
use crate::responses;

/// Payment methods of 地方自治法 232条の5 and its cabinet order.
pub const PAYMENT_METHODS: [&str; 7] = [
    "口座振替",
    "隔地払",
    "資金前渡",
    "概算払",
    "前金払",
    "繰替払",
    "窓口払",
];

/// A workflow step asked for over HTTP.
#[derive(Debug, Clone)]
pub enum Step {
    /// Take the invoice up for inspection.
    StartInspection,
    /// Return it to the supplier.
    Return(ReturnRequest),
    /// Record the inspection as completed.
    CompleteInspection(InspectionRequest),
    /// Approve it.
    Approve(ApprovalChecklist),
    /// Order its payment.
    OrderPayment(PaymentOrderRequest),
    /// Record it paid.
    MarkPaid(PaidRequest),
}

/// Body of a return.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// Why, with clarification reason codes.
    pub reasons: Vec<ReturnReason>,
    /// Free text for the supplier.
    pub note: Option<String>,
}

/// Body of a completed inspection.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionRequest {
    /// The 検収 date; today (Japan time) when omitted.
    pub inspected_on: Option<NaiveDate>,
}

/// Body of a payment order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentOrderRequest {
    /// Planned payment date; the approval's when omitted.
    pub payment_date: Option<NaiveDate>,
}

/// Body of a payment report.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaidRequest {
    /// The payment day; today (Japan time) when omitted.
    pub paid_on: Option<NaiveDate>,
}

impl Step {
    fn action(&self) -> Action {
        match self {
            Step::StartInspection => Action::StartInspection,
            Step::Return(_) => Action::Return,
            Step::CompleteInspection(_) => Action::CompleteInspection,
            Step::Approve(_) => Action::Approve,
            Step::OrderPayment(_) => Action::OrderPayment,
            Step::MarkPaid(_) => Action::MarkPaid,
        }
    }
}

/// Who may take `action`.
pub fn roles_for(action: Action) -> &'static [Role] {
    match action {
        Action::StartInspection | Action::CompleteInspection | Action::Return => {
            &[Role::Staff, Role::Approver]
        }
        Action::Approve | Action::OrderPayment => &[Role::Approver],
        Action::MarkPaid => &[Role::Finance],
        Action::Supersede => &[Role::Supplier],
    }
}

/// The deadlines of an invoice, as shown to staff and supplier.
#[derive(Debug, Clone, Serialize)]
pub struct ClockView {
    /// Goods/services or works.
    pub contract_kind: ContractKind,
    /// The periods applied.
    pub terms: PaymentTerms,
    /// Where the periods come from: `order`, `supplier` or `statutory`.
    pub terms_source: &'static str,
    /// The day the (first) request arrived, Japan time: the payment period runs from it.
    pub received_on: NaiveDate,
    /// The day the inspection period runs from (the notice of delivery, art. 5); a return does not pause it.
    pub inspection_from: NaiveDate,
    /// What that day is: `delivery_note`, `delivery_date` (stated on the invoice) or `received`.
    pub inspection_basis: &'static str,
    /// The computed deadlines: `inspection_deadline` on the inspection clock; `payment_deadline`,
    /// `paused_days` and `late_inspection_days` on the payment clock.
    #[serde(flatten)]
    pub clock: PaymentClock,
    /// Days until the payment deadline (negative when overdue); absent once paid.
    pub days_left: Option<i64>,
    /// Whether the payment deadline has passed unpaid, or was missed.
    pub overdue: bool,
    /// Days paid late (to the payment day, or to today while unpaid).
    pub late_days: i64,
    /// Late interest due in yen (art. 8) on the payable amount.
    pub interest_due: Decimal,
}

/// An invoice with its workflow state, clock, returns, approval and responses.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    /// The invoice document.
    pub document_id: i64,
    /// Invoice number.
    pub number: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Supplier name as the invoice gives it.
    pub supplier_name: Option<String>,
    /// Supplier organisation.
    pub supplier_org_id: Option<i64>,
    /// Amount payable.
    pub payable_amount: Option<Decimal>,
    /// Currency.
    pub currency: Option<String>,
    /// Where it stands.
    pub state: InvoiceState,
    /// The first invoice of its chain of corrections.
    pub chain_root_id: i64,
    /// The returned invoice it corrects.
    pub corrects_document_id: Option<i64>,
    /// The correction that replaced it.
    pub superseded_by_document_id: Option<i64>,
    /// The 検収 date.
    pub inspected_on: Option<NaiveDate>,
    /// Planned payment date.
    pub payment_date: Option<NaiveDate>,
    /// Payment day.
    pub paid_on: Option<NaiveDate>,
    /// The payment clock (absent for rejected and superseded invoices).
    pub clock: Option<ClockView>,
    /// Returns of its chain, oldest first.
    pub returns: Vec<InvoiceReturn>,
    /// Actions possible now.
    pub allowed_actions: Vec<Action>,
}

/// A case with everything recorded about it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseDetail {
    /// State, clock and returns.
    #[serde(flatten)]
    pub case: CaseView,
    /// The approval, once approved.
    pub approval: Option<Approval>,
    /// Invoice responses issued, oldest first.
    pub responses: Vec<IssuedResponse>,
}

struct TermsResolver {
    settings: WorkflowSettings,
    terms: std::collections::HashMap<i64, Vec<SupplierTerms>>,
}

impl TermsResolver {
    async fn load(
        state: &AppState,
        tenant: &TenantId,
        cases: &[InvoiceCase],
    ) -> Result<Self, Error> {
        let settings = state.store.workflow_settings(tenant).await?;
        let mut terms = std::collections::HashMap::new();
        for org in cases.iter().filter_map(|c| c.document.supplier_org_id) {
            if let std::collections::hash_map::Entry::Vacant(slot) = terms.entry(org) {
                slot.insert(state.store.supplier_terms(tenant, org).await?);
            }
        }
        Ok(Self { settings, terms })
    }

    /// The terms `case`'s clock runs on: those recorded when its clock started, else (an invoice received
    /// before terms were recorded) those in force now.
    fn resolve(&self, case: &InvoiceCase) -> (ContractKind, PaymentTerms, &'static str) {
        let governing = case.terms.unwrap_or_else(|| {
            let recorded = case
                .document
                .supplier_org_id
                .and_then(|org| self.terms.get(&org))
                .map(Vec::as_slice)
                .unwrap_or_default();
            governing_terms_of(
                recorded,
                &case.document.summary,
                self.settings.default_contract_kind,
            )
        });
        (
            governing.contract_kind,
            governing.terms,
            governing.source.as_str(),
        )
    }
}

/// The terms in force for an invoice of `summary` from `supplier_terms`' supplier.
fn governing_terms_of(
    supplier_terms: &[SupplierTerms],
    summary: &cie_domain::Summary,
    default_kind: ContractKind,
) -> cie_workflow::GoverningTerms {
    let orders: Vec<&str> = summary
        .references
        .iter()
        .filter(|r| r.kind == ReferenceKind::Order)
        .map(|r| r.number.as_str())
        .collect();
    let agreed: Vec<cie_workflow::AgreedTerms<'_>> = supplier_terms
        .iter()
        .map(|t| cie_workflow::AgreedTerms {
            order_number: t.order_number.as_deref(),
            contract_kind: t.contract_kind,
            terms: t.terms,
        })
        .collect();
    cie_workflow::governing_terms(&agreed, &orders, default_kind)
}

/// The terms in force now for an invoice of `summary` arriving from `supplier_org_id`: what its payment
/// clock will run on, recorded with it at intake.
pub async fn terms_in_force(
    state: &AppState,
    tenant: &TenantId,
    supplier_org_id: Option<i64>,
    summary: &cie_domain::Summary,
) -> Result<cie_workflow::GoverningTerms, Error> {
    let settings = state.store.workflow_settings(tenant).await?;
    let agreed = match supplier_org_id {
        Some(org) => state.store.supplier_terms(tenant, org).await?,
        None => Vec::new(),
    };
    Ok(governing_terms_of(
        &agreed,
        summary,
        settings.default_contract_kind,
    ))
}

async fn chain_received_at(
    state: &AppState,
    tenant: &TenantId,
    case: &InvoiceCase,
) -> Result<DateTime<Utc>, Error> {
    if case.chain_root_id == case.document.id {
        return Ok(case.document.received_at);
    }
    Ok(state
        .store
        .document(tenant, case.chain_root_id, None)
        .await?
        .received_at)
}

fn clock_view(
    state: &AppState,
    case: &InvoiceCase,
    returns: &[InvoiceReturn],
    received_at: DateTime<Utc>,
    resolved: (ContractKind, PaymentTerms, &'static str),
    today: NaiveDate,
) -> Option<ClockView> {
    if matches!(
        case.state,
        InvoiceState::Rejected | InvoiceState::Superseded
    ) {
        return None;
    }
    let (contract_kind, terms, terms_source) = resolved;
    let received_on = japan_day(received_at);
    let events = ClockEvents {
        returns: returns
            .iter()
            .map(|r| (r.returned_on, r.resubmitted_on))
            .collect(),
        inspected_on: case.inspected_on,
        paid_on: case.paid_on,
    };
    let inspection = case
        .inspection_start
        .unwrap_or(cie_workflow::InspectionStart {
            on: received_on,
            basis: cie_workflow::InspectionBasis::Received,
        });
    let clock = PaymentClock::compute(terms, received_on, inspection.on, &events, today);
    let settled_on = case.paid_on.unwrap_or(today);
    let late_days = clock.late_days(settled_on);
    let amount = case
        .document
        .summary
        .totals
        .payable
        .as_ref()
        .map(|a| a.value)
        .unwrap_or_default();
    let interest_due = if late_days > 0 && !clock.paused {
        state
            .config
            .payment
            .rates()
            .interest(amount, clock.payment_deadline, settled_on)
    } else {
        Decimal::ZERO
    };
    Some(ClockView {
        contract_kind,
        terms,
        terms_source,
        received_on,
        inspection_from: inspection.on,
        inspection_basis: inspection.basis.as_str(),
        days_left: case.paid_on.is_none().then(|| clock.days_left(today)),
        overdue: late_days > 0 && !clock.paused,
        late_days,
        interest_due,
        clock,
    })
}

fn allowed_actions(case: &InvoiceCase, caller: &Caller) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| *a != Action::Supersede)
        .filter(|a| case.state.apply(*a).is_ok() && roles_for(*a).contains(&caller.role))
        .collect()
}

fn view(
    state: &AppState,
    caller: &Caller,
    case: &InvoiceCase,
    returns: Vec<InvoiceReturn>,
    received_at: DateTime<Utc>,
    resolved: (ContractKind, PaymentTerms, &'static str),
    today: NaiveDate,
) -> CaseView {
    let summary = &case.document.summary;
    CaseView {
        document_id: case.document.id,
        number: summary.number.clone(),
        issue_date: summary.issue_date,
        supplier_name: summary.supplier.name.clone(),
        supplier_org_id: case.document.supplier_org_id,
        payable_amount: summary.totals.payable.as_ref().map(|a| a.value),
        currency: summary.currency.clone(),
        state: case.state,
        chain_root_id: case.chain_root_id,
        corrects_document_id: case.corrects_document_id,
        superseded_by_document_id: case.superseded_by_document_id,
        inspected_on: case.inspected_on,
        payment_date: case.payment_date,
        paid_on: case.paid_on,
        clock: clock_view(state, case, &returns, received_at, resolved, today),
        returns,
        allowed_actions: if caller.role == Role::Supplier {
            Vec::new()
        } else {
            allowed_actions(case, caller)
        },
    }
}

fn visible_org(caller: &Caller) -> Result<Option<i64>, Error> {
    caller.require(&[
        Role::Supplier,
        Role::Staff,
        Role::Approver,
        Role::Finance,
        Role::Admin,
    ])?;
    Ok(caller.confined_to_org())
}

/// One invoice with everything recorded about it; a supplier sees only its own.
pub async fn case_detail(
    state: &AppState,
    caller: &Caller,
    document_id: i64,
) -> Result<CaseDetail, Error> {
    let org = visible_org(caller)?;
    let case = state
        .store
        .invoice_case(&caller.tenant, document_id, org)
        .await?;
    let terms = TermsResolver::load(state, &caller.tenant, std::slice::from_ref(&case)).await?;
    let returns = state
        .store
        .invoice_returns(&caller.tenant, &[case.chain_root_id])
        .await?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    let received_at = chain_received_at(state, &caller.tenant, &case).await?;
    let today = japan_day(state.clock.now());
    let approval = state.store.approval(&caller.tenant, document_id).await?;
    let responses = state
        .store
        .invoice_responses(&caller.tenant, document_id)
        .await?;
    Ok(CaseDetail {
        case: view(
            state,
            caller,
            &case,
            returns,
            received_at,
            terms.resolve(&case),
            today,
        ),
        approval,
        responses,
    })
}

/// Which invoices a list shows.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseListQuery {
    /// Only this state.
    pub state: Option<InvoiceState>,
    /// Only invoices whose payment deadline is at most this many days away (overdue included).
    pub due_within_days: Option<i64>,
    /// Only overdue invoices.
    pub overdue: Option<bool>,
    /// At most this many (default 200).
    pub limit: Option<i64>,
}

/// The states of invoices still waiting for the city.
async fn list(
    state: &AppState,
    caller: &Caller,
    query: &CaseListQuery,
    states: Vec<InvoiceState>,
) -> Result<Vec<CaseView>, Error> {
    let org = visible_org(caller)?;
    let cases = state
        .store
        .invoice_cases(
            &caller.tenant,
            &CaseFilter {
                supplier_org_id: org,
                states,
                limit: 10_000,
            },
        )
        .await?;
    let terms = TermsResolver::load(state, &caller.tenant, &cases).await?;
    // Only a chain with a returned, superseded or correcting invoice has returns to read.
    let mut roots: Vec<i64> = cases
        .iter()
        .filter(|c| {
            matches!(c.state, InvoiceState::Returned | InvoiceState::Superseded)
                || c.corrects_document_id.is_some()
        })
        .map(|c| c.chain_root_id)
        .collect();
    roots.sort_unstable();
    roots.dedup();
    let mut returns: std::collections::HashMap<i64, Vec<InvoiceReturn>> =
        std::collections::HashMap::new();
    for (root, r) in state.store.invoice_returns(&caller.tenant, &roots).await? {
        returns.entry(root).or_default().push(r);
    }
    let today = japan_day(state.clock.now());
    let mut views = Vec::with_capacity(cases.len());
    for case in &cases {
        let received_at = chain_received_at(state, &caller.tenant, case).await?;
        let case_returns = returns
            .get(&case.chain_root_id)
            .cloned()
            .unwrap_or_default();
        let view = view(
            state,
            caller,
            case,
            case_returns,
            received_at,
            terms.resolve(case),
            today,
        );
        let due = view.clock.as_ref().and_then(|c| c.days_left);
        if let Some(within) = query.due_within_days
            && due.is_none_or(|days| days > within)
        {
            continue;
        }
        if query.overdue == Some(true) && !view.clock.as_ref().is_some_and(|c| c.overdue) {
            continue;
        }
        views.push(view);
    }
    Ok(views)
}

/// Invoices as their suppliers (or staff) see them: newest first, with state, reasons and deadlines.
pub async fn list_invoices(
    state: &AppState,
    caller: &Caller,
    query: CaseListQuery,
) -> Result<Vec<CaseView>, Error> {
    let states = query.state.map(|s| vec![s]).unwrap_or_default();
    let mut views = list(state, caller, &query, states).await?;
    views.truncate(usize::try_from(query.limit.unwrap_or(200).clamp(1, 10_000)).unwrap_or(200));
    Ok(views)
}

/// The staff inbox: open invoices, earliest payment deadline first (paused ones after the running ones).
pub async fn inbox(
    state: &AppState,
    caller: &Caller,
    query: CaseListQuery,
) -> Result<Vec<CaseView>, Error> {
    caller.require(&[Role::Staff, Role::Approver, Role::Finance, Role::Admin])?;
    let states = match query.state {
        Some(s) => vec![s],
        None => InvoiceState::OPEN.to_vec(),
    };
    let mut views = list(state, caller, &query, states).await?;
    views.sort_by_key(|v| {
        let clock = v.clock.as_ref();
        (
            clock.is_some_and(|c| c.clock.paused),
            clock.map(|c| c.clock.payment_deadline),
            v.document_id,
        )
    });
    views.truncate(usize::try_from(query.limit.unwrap_or(200).clamp(1, 10_000)).unwrap_or(200));
    Ok(views)
}

/// The audit trail of one invoice (city users only).
pub async fn audit_trail(
    state: &AppState,
    caller: &Caller,
    document_id: Option<i64>,
) -> Result<Vec<AuditEntry>, Error> {
    caller.require(&[Role::Staff, Role::Approver, Role::Finance, Role::Admin])?;
    Ok(state
        .store
        .audit_log(&caller.tenant, document_id, 10_000)
        .await?)
}

fn check_step(step: &Step, case: &InvoiceCase, today: NaiveDate) -> Result<CaseChange, Error> {
    let received_on = japan_day(case.document.received_at);
    Ok(match step {
        Step::StartInspection => CaseChange::StateOnly,
        Step::Return(request) => {
            if request.reasons.is_empty() {
                return Err(Error::invalid(
                    "reasons_required",
                    "a return needs at least one reason (code and text)",
                ));
            }
            for (i, reason) in request.reasons.iter().enumerate() {
                if responses::return_reason(&reason.code).is_none() {
                    return Err(Error::invalid(
                        "invalid_reason_code",
                        format!(
                            "reasons[{i}].code {:?} is not a clarification reason code (one of {})",
                            reason.code,
                            responses::return_reason_codes().join(", ")
                        ),
                    ));
                }
                if reason.text.trim().is_empty() {
                    return Err(Error::invalid(
                        "reasons_required",
                        format!("reasons[{i}].text is empty: say what the supplier must correct"),
                    ));
                }
            }
            CaseChange::Returned {
                on: today,
                reasons: request.reasons.clone(),
                note: request.note.clone().filter(|n| !n.trim().is_empty()),
            }
        }
        Step::CompleteInspection(request) => {
            let on = request.inspected_on.unwrap_or(today);
            if on < received_on || on > today {
                return Err(Error::invalid(
                    "invalid_date",
                    format!(
                        "inspected_on {on} must lie between receipt ({received_on}) and today ({today})"
                    ),
                ));
            }
            CaseChange::Inspected { on }
        }
        Step::Approve(checklist) => {
            let unconfirmed: Vec<&str> = [
                ("rightful_creditor", checklist.rightful_creditor),
                ("amount_correct", checklist.amount_correct),
                ("performance_confirmed", checklist.performance_confirmed),
                ("debt_fixed", checklist.debt_fixed),
            ]
            .into_iter()
            .filter(|(_, confirmed)| !confirmed)
            .map(|(name, _)| name)
            .collect();
            if !unconfirmed.is_empty() {
                return Err(Error::invalid(
                    "checklist_incomplete",
                    format!(
                        "approval needs every check confirmed; not confirmed: {}",
                        unconfirmed.join(", ")
                    ),
                ));
            }
            for (name, value) in [
                ("budget_item", &checklist.budget_item),
                ("commitment_number", &checklist.commitment_number),
            ] {
                if value.trim().is_empty() {
                    return Err(Error::invalid(
                        "checklist_incomplete",
                        format!("{name} is required for approval"),
                    ));
                }
            }
            if !PAYMENT_METHODS.contains(&checklist.payment_method.as_str()) {
                return Err(Error::invalid(
                    "invalid_payment_method",
                    format!(
                        "payment_method {:?} is not one of {}",
                        checklist.payment_method,
                        PAYMENT_METHODS.join(", ")
                    ),
                ));
            }
            if checklist.payment_date < today {
                return Err(Error::invalid(
                    "invalid_date",
                    format!("payment_date {} lies in the past", checklist.payment_date),
                ));
            }
            CaseChange::Approved(checklist.clone())
        }
        Step::OrderPayment(request) => {
            let Some(payment_date) = request.payment_date.or(case.payment_date) else {
                return Err(Error::invalid("invalid_date", "payment_date is required"));
            };
            CaseChange::PaymentOrdered { payment_date }
        }
        Step::MarkPaid(request) => {
            let on = request.paid_on.unwrap_or(today);
            if on > today || on < received_on {
                return Err(Error::invalid(
                    "invalid_date",
                    format!(
                        "paid_on {on} must lie between receipt ({received_on}) and today ({today})"
                    ),
                ));
            }
            CaseChange::Paid { on }
        }
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
    let case = state
        .store
        .invoice_case(&caller.tenant, document_id, None)
        .await?;
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
    let change = check_step(&step, &case, today)?;
    let prior = state
        .store
        .invoice_responses(&caller.tenant, document_id)
        .await?;
    let response = responses::for_transition(&case, action, &change, prior.len() + 1, now)?;
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
    let checked =
        crate::validation::validate_for_tenant(state, &caller.tenant, None, response.as_bytes())
            .await?;
    if checked.is_fatal() {
        return Err(Error::Internal(anyhow::anyhow!(
            "the invoice response written breaks rules: {:?}",
            checked.findings
        )));
    }
    let status_code = responses::status_code(action);
    let detail = serde_json::json!({
        "change": change_detail(&change),
        "response_status": status_code,
    });
    let transition = NewTransition {
        invoice_document_id: document_id,
        expected: case.state,
        next,
        action,
        actor_id: caller.user_id,
        actor_role: caller.role,
        change,
        detail,
        response_status_code: status_code.to_owned(),
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
        CaseChange::PaymentOrdered { payment_date } => {
            serde_json::json!({ "payment_date": payment_date })
        }
        CaseChange::Paid { on } => serde_json::json!({ "paid_on": on }),
    }
}

/// The returned invoice a new invoice corrects: one of the same supplier, in state returned, with the same
/// number or named in its billing references.
pub async fn corrected_invoice(
    state: &AppState,
    tenant: &TenantId,
    supplier_key: &str,
    summary: &cie_domain::Summary,
) -> Result<Option<i64>, Error> {
    if summary.kind != DocumentKind::Invoice {
        return Ok(None);
    }
    let mut numbers = vec![summary.number.as_str()];
    numbers.extend(
        summary
            .references
            .iter()
            .filter(|r| r.kind == ReferenceKind::Invoice)
            .map(|r| r.number.as_str()),
    );
    Ok(state
        .store
        .returned_invoice(tenant, supplier_key, &numbers)
        .await?)
}

/// Replaces the city's workflow settings (admin).
pub async fn set_settings(
    state: &AppState,
    caller: &Caller,
    settings: WorkflowSettings,
) -> Result<WorkflowSettings, Error> {
    caller.require(&[Role::Admin])?;
    state
        .store
        .set_workflow_settings(&caller.tenant, settings, state.clock.now())
        .await?;
    Ok(settings)
}

/// The city's workflow settings (city users).
pub async fn settings(state: &AppState, caller: &Caller) -> Result<WorkflowSettings, Error> {
    caller.require(&[Role::Staff, Role::Approver, Role::Finance, Role::Admin])?;
    Ok(state.store.workflow_settings(&caller.tenant).await?)
}

/// Body of the payment-terms endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsRequest {
    /// The order they apply to; every invoice of the supplier when absent.
    pub order_number: Option<String>,
    /// Goods/services or works.
    pub contract_kind: ContractKind,
    /// Days to inspect; the statutory maximum when absent.
    pub inspection_days: Option<i64>,
    /// Days to pay; the statutory maximum when absent.
    pub payment_days: Option<i64>,
}

/// Records contract terms for a supplier or one of its orders (admin). The law caps both periods.
pub async fn set_terms(
    state: &AppState,
    caller: &Caller,
    supplier_org_id: i64,
    request: TermsRequest,
) -> Result<Vec<SupplierTerms>, Error> {
    caller.require(&[Role::Admin])?;
    let statutory = PaymentTerms::statutory(request.contract_kind);
    let inspection_days = request.inspection_days.unwrap_or(statutory.inspection_days);
    let payment_days = request.payment_days.unwrap_or(statutory.payment_days);
    if !(1..=statutory.inspection_days).contains(&inspection_days) {
        return Err(Error::invalid(
            "invalid_terms",
            format!(
                "inspection_days must be between 1 and {} (支払遅延防止法 art. 5), not {inspection_days}",
                statutory.inspection_days
            ),
        ));
    }
    if !(1..=statutory.payment_days).contains(&payment_days) {
        return Err(Error::invalid(
            "invalid_terms",
            format!(
                "payment_days must be between 1 and {} (支払遅延防止法 art. 6), not {payment_days}",
                statutory.payment_days
            ),
        ));
    }
    let order_number = request
        .order_number
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty());
    state
        .store
        .supplier_org(&caller.tenant, supplier_org_id)
        .await?;
    state
        .store
        .set_supplier_terms(
            &caller.tenant,
            &SupplierTerms {
                supplier_org_id,
                order_number,
                contract_kind: request.contract_kind,
                terms: PaymentTerms {
                    inspection_days,
                    payment_days,
                },
            },
            state.clock.now(),
        )
        .await?;
    terms(state, caller, supplier_org_id).await
}

/// The contract terms recorded for a supplier (city users).
pub async fn terms(
    state: &AppState,
    caller: &Caller,
    supplier_org_id: i64,
) -> Result<Vec<SupplierTerms>, Error> {
    caller.require(&[Role::Staff, Role::Approver, Role::Finance, Role::Admin])?;
    Ok(state
        .store
        .supplier_terms(&caller.tenant, supplier_org_id)
        .await?)
}

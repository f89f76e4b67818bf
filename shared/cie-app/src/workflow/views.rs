//! An invoice as staff and its supplier see it: state, both clocks (inspection from the notice of delivery,
//! payment from the request), the late interest a planned or actual payment date costs, returns, approval
//! and responses.

use chrono::{DateTime, NaiveDate, Utc};
use cie_domain::{Role, TenantId};
use cie_store::{Approval, CaseFlags, InvoiceCase, InvoiceReturn, IssuedResponse};
use cie_workflow::{
    Action, ClockEvents, ContractKind, DateContext, GoverningTerms, InspectionBasis,
    InspectionStart, InterestRates, InvoiceState, PaymentClock, PaymentTerms, japan_day,
};
use rust_decimal::Decimal;
use serde::Serialize;

use super::requests::roles_for;
use super::terms::TermsResolver;
use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;

/// What a planned payment date costs: shown from approval until payment.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedCost {
    /// The planned payment date.
    pub payment_date: NaiveDate,
    /// Days it lies after the payment deadline (0 when on time).
    pub late_days: i64,
    /// Late interest owed if paid on that date, in yen (art. 8).
    pub interest: Decimal,
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
    /// Days until the inspection deadline (negative when late); absent once inspected.
    pub inspection_days_left: Option<i64>,
    /// Days until the payment deadline (negative when overdue); absent once paid.
    pub days_left: Option<i64>,
    /// Whether the payment deadline has passed unpaid, or was missed.
    pub overdue: bool,
    /// Days paid late (to the payment day, or to today while unpaid).
    pub late_days: i64,
    /// Late interest due in yen (art. 8) on the payable amount, to the payment day or today.
    pub interest_due: Decimal,
    /// What the planned payment date costs, while one is planned and the invoice is unpaid.
    pub planned: Option<PlannedCost>,
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
    /// Late interest owed with the payment, in yen, as the payment order planned it and then as paid.
    pub interest_owed: Option<Decimal>,
    /// Its problems: worst finding severity, registry answer, line match, possible duplicate.
    pub problems: CaseFlags,
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

/// Both clocks of one invoice as of one day.
pub(super) struct Clocks {
    /// The day the payment period runs from.
    pub(super) received_on: NaiveDate,
    /// The day the inspection period runs from, and why.
    pub(super) inspection: InspectionStart,
    /// The deadlines.
    pub(super) clock: PaymentClock,
}

/// A case with what its clocks need: its chain's returns and arrival, and the terms governing it.
pub(super) struct LoadedCase {
    pub(super) case: InvoiceCase,
    pub(super) returns: Vec<InvoiceReturn>,
    pub(super) received_at: DateTime<Utc>,
    pub(super) terms: GoverningTerms,
}

impl LoadedCase {
    /// Invoice `document_id` of `tenant` (only if `org`'s, when given), with its chain's returns.
    pub(super) async fn load(
        state: &AppState,
        tenant: &TenantId,
        document_id: i64,
        org: Option<i64>,
    ) -> Result<Self, Error> {
        let case = state.store.invoice_case(tenant, document_id, org).await?;
        let terms = TermsResolver::load(state, tenant, std::slice::from_ref(&case)).await?;
        let returns = state
            .store
            .invoice_returns(tenant, &[case.chain_root_id])
            .await?
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        let received_at = chain_received_at(state, tenant, &case).await?;
        Ok(Self {
            terms: terms.resolve(&case),
            case,
            returns,
            received_at,
        })
    }

    /// Both clocks as of `today`.
    pub(super) fn clocks(&self, today: NaiveDate) -> Clocks {
        clocks(
            &self.case,
            &self.returns,
            self.received_at,
            self.terms.terms,
            today,
        )
    }
}

/// The amount the late interest is owed on: the payable amount.
pub(super) fn payable(case: &InvoiceCase) -> Decimal {
    case.document
        .summary
        .totals
        .payable
        .as_ref()
        .map(|a| a.value)
        .unwrap_or_default()
}

/// What the step checks know of an invoice's clocks.
pub(super) fn date_context<'a>(
    case: &InvoiceCase,
    clocks: &'a Clocks,
    rates: &'a InterestRates,
    today: NaiveDate,
) -> DateContext<'a> {
    DateContext {
        received_on: clocks.received_on,
        inspection_from: clocks.inspection.on,
        today,
        clock: &clocks.clock,
        payable: payable(case),
        rates,
    }
}

pub(super) async fn chain_received_at(
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

fn clocks(
    case: &InvoiceCase,
    returns: &[InvoiceReturn],
    received_at: DateTime<Utc>,
    terms: PaymentTerms,
    today: NaiveDate,
) -> Clocks {
    let received_on = japan_day(received_at);
    let events = ClockEvents {
        returns: returns
            .iter()
            .map(|r| (r.returned_on, r.resubmitted_on))
            .collect(),
        inspected_on: case.inspected_on,
        paid_on: case.paid_on,
    };
    let inspection = case.inspection_start.unwrap_or(InspectionStart {
        on: received_on,
        basis: InspectionBasis::Received,
    });
    Clocks {
        received_on,
        inspection,
        clock: PaymentClock::compute(terms, received_on, inspection.on, &events, today),
    }
}

fn clock_view(
    state: &AppState,
    case: &InvoiceCase,
    returns: &[InvoiceReturn],
    received_at: DateTime<Utc>,
    governing: GoverningTerms,
    today: NaiveDate,
) -> Option<ClockView> {
    if matches!(
        case.state,
        InvoiceState::Rejected | InvoiceState::Superseded
    ) {
        return None;
    }
    let clocks = clocks(case, returns, received_at, governing.terms, today);
    let rates = state.config.payment.rates();
    let context = date_context(case, &clocks, &rates, today);
    let settled_on = case.paid_on.unwrap_or(today);
    let (late_days, interest_due) = if clocks.clock.paused {
        (0, Decimal::ZERO)
    } else {
        context.cost_if_paid_on(settled_on)
    };
    let planned = match (case.payment_date, case.paid_on) {
        (Some(payment_date), None) => {
            let (late_days, interest) = context.cost_if_paid_on(payment_date);
            Some(PlannedCost {
                payment_date,
                late_days,
                interest,
            })
        }
        _ => None,
    };
    let clock = clocks.clock;
    Some(ClockView {
        contract_kind: governing.contract_kind,
        terms: governing.terms,
        terms_source: governing.source.as_str(),
        received_on: clocks.received_on,
        inspection_from: clocks.inspection.on,
        inspection_basis: clocks.inspection.basis.as_str(),
        inspection_days_left: case
            .inspected_on
            .is_none()
            .then(|| (clock.inspection_deadline - today).num_days()),
        days_left: case.paid_on.is_none().then(|| clock.days_left(today)),
        overdue: late_days > 0,
        late_days,
        interest_due,
        planned,
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

/// The view of `case` for `caller` as of `today`.
pub(super) fn view(
    state: &AppState,
    caller: &Caller,
    case: &InvoiceCase,
    returns: Vec<InvoiceReturn>,
    received_at: DateTime<Utc>,
    governing: GoverningTerms,
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
        interest_owed: case.interest_yen.map(Decimal::from),
        problems: case.flags.clone(),
        clock: clock_view(state, case, &returns, received_at, governing, today),
        returns,
        allowed_actions: if caller.role == Role::Supplier {
            Vec::new()
        } else {
            allowed_actions(case, caller)
        },
    }
}

/// The organisation `caller` is confined to, after checking it may see invoices at all.
pub(super) fn visible_org(caller: &Caller) -> Result<Option<i64>, Error> {
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
    let loaded = LoadedCase::load(state, &caller.tenant, document_id, org).await?;
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
            &loaded.case,
            loaded.returns,
            loaded.received_at,
            loaded.terms,
            today,
        ),
        approval,
        responses,
    })
}

//! The workflow steps as asked for over HTTP, with their bodies.

use chrono::NaiveDate;
use cie_domain::Role;
use cie_workflow::{Action, ApprovalChecklist, LateAcknowledgement, ReturnReason};
use serde::Deserialize;

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
    Approve(ApprovalRequest),
    /// Withdraw its approval.
    WithdrawApproval(WithdrawalRequest),
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

/// A payment date past the legal deadline, acknowledged: both fields or the date is refused.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LatePayment {
    /// The approver knows the date is past the legal payment deadline and that interest is owed.
    #[serde(default)]
    pub acknowledge_late_payment: bool,
    /// Why payment is late (written to the audit log).
    #[serde(default)]
    pub late_payment_reason: Option<String>,
}

impl LatePayment {
    /// The acknowledgement as the checks take it.
    pub fn acknowledgement(&self) -> LateAcknowledgement<'_> {
        LateAcknowledgement {
            acknowledged: self.acknowledge_late_payment,
            reason: self.late_payment_reason.as_deref(),
        }
    }
}

/// Body of an approval: the checklist, and the acknowledgement a late payment date needs.
#[derive(Debug, Clone, Deserialize)]
pub struct ApprovalRequest {
    /// What the approver confirms, with the planned payment date.
    #[serde(flatten)]
    pub checklist: ApprovalChecklist,
    /// For a payment date past the legal deadline.
    #[serde(flatten)]
    pub late: LatePayment,
}

/// Body of the withdrawal of an approval.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalRequest {
    /// Why (kept in the audit log and told to the supplier).
    pub reason: String,
}

/// Body of a payment order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentOrderRequest {
    /// Planned payment date; the approval's when omitted.
    pub payment_date: Option<NaiveDate>,
    /// The approver knows the date is past the legal payment deadline.
    #[serde(default)]
    pub acknowledge_late_payment: bool,
    /// Why payment is late.
    #[serde(default)]
    pub late_payment_reason: Option<String>,
}

impl PaymentOrderRequest {
    /// The acknowledgement as the checks take it.
    pub fn acknowledgement(&self) -> LateAcknowledgement<'_> {
        LateAcknowledgement {
            acknowledged: self.acknowledge_late_payment,
            reason: self.late_payment_reason.as_deref(),
        }
    }
}

/// Body of a payment report.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaidRequest {
    /// The payment day; today (Japan time) when omitted.
    pub paid_on: Option<NaiveDate>,
}

impl Step {
    /// The lifecycle action the step takes.
    pub fn action(&self) -> Action {
        match self {
            Step::StartInspection => Action::StartInspection,
            Step::Return(_) => Action::Return,
            Step::CompleteInspection(_) => Action::CompleteInspection,
            Step::Approve(_) => Action::Approve,
            Step::WithdrawApproval(_) => Action::WithdrawApproval,
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
        Action::Approve | Action::WithdrawApproval => &[Role::Approver],
        // The 支出命令 is recorded by an approver here or reported by the finance system, which issues it.
        Action::OrderPayment => &[Role::Approver, Role::Finance],
        Action::MarkPaid => &[Role::Finance],
        Action::Supersede => &[Role::Supplier],
    }
}

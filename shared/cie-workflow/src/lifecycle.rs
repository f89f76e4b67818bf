//! The lifecycle of an invoice: received → rejected | under inspection → returned (差し戻し) → corrected
//! resubmission → inspected (検収) → approved → payment ordered (支出命令) → paid. Every other move is refused.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where an invoice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceState {
    /// Received and archived; not yet taken up.
    Received,
    /// Refused at intake (fatal findings). Final.
    Rejected,
    /// Taken up by staff for inspection.
    UnderInspection,
    /// Returned to the supplier with reasons (差し戻し); waits for a corrected resubmission.
    Returned,
    /// Replaced by a corrected resubmission. Final.
    Superseded,
    /// Inspected (検収・検査 completed).
    Inspected,
    /// Approved for payment.
    Approved,
    /// Payment ordered (支出命令) and handed to the finance system.
    PaymentOrdered,
    /// Paid. Final.
    Paid,
}

/// Something done to an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Staff take the invoice up for inspection.
    StartInspection,
    /// Staff return it to the supplier with reasons.
    Return,
    /// The supplier's corrected resubmission replaces it.
    Supersede,
    /// Staff record the inspection as completed.
    CompleteInspection,
    /// An approver approves payment.
    Approve,
    /// An approver withdraws an approval before payment is ordered (back to inspected); the finance export
    /// gets a cancellation record.
    WithdrawApproval,
    /// Payment is ordered.
    OrderPayment,
    /// The finance system reports it paid.
    MarkPaid,
}

/// A move the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an invoice that is {from} cannot be {}", action.past_tense())]
pub struct TransitionError {
    /// The state the invoice is in.
    pub from: InvoiceState,
    /// What was attempted.
    pub action: Action,
}

impl InvoiceState {
    /// Every state, in lifecycle order.
    pub const ALL: [InvoiceState; 9] = [
        InvoiceState::Received,
        InvoiceState::Rejected,
        InvoiceState::UnderInspection,
        InvoiceState::Returned,
        InvoiceState::Superseded,
        InvoiceState::Inspected,
        InvoiceState::Approved,
        InvoiceState::PaymentOrdered,
        InvoiceState::Paid,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceState::Received => "received",
            InvoiceState::Rejected => "rejected",
            InvoiceState::UnderInspection => "under_inspection",
            InvoiceState::Returned => "returned",
            InvoiceState::Superseded => "superseded",
            InvoiceState::Inspected => "inspected",
            InvoiceState::Approved => "approved",
            InvoiceState::PaymentOrdered => "payment_ordered",
            InvoiceState::Paid => "paid",
        }
    }

    /// The states an invoice is still being worked on in: the inbox's.
    pub const OPEN: [InvoiceState; 6] = [
        InvoiceState::Received,
        InvoiceState::UnderInspection,
        InvoiceState::Returned,
        InvoiceState::Inspected,
        InvoiceState::Approved,
        InvoiceState::PaymentOrdered,
    ];

    /// Whether no action leads anywhere from here.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            InvoiceState::Rejected | InvoiceState::Superseded | InvoiceState::Paid
        )
    }

    /// The state `action` leads to, or why it may not be done.
    pub fn apply(self, action: Action) -> Result<InvoiceState, TransitionError> {
        use Action as A;
        use InvoiceState as S;
        let next = match (self, action) {
            (S::Received, A::StartInspection) => S::UnderInspection,
            (S::Received | S::UnderInspection | S::Inspected, A::Return) => S::Returned,
            (S::Returned, A::Supersede) => S::Superseded,
            (S::UnderInspection, A::CompleteInspection) => S::Inspected,
            (S::Inspected, A::Approve) => S::Approved,
            (S::Approved, A::WithdrawApproval) => S::Inspected,
            (S::Approved, A::OrderPayment) => S::PaymentOrdered,
            (S::PaymentOrdered, A::MarkPaid) => S::Paid,
            (from, action) => return Err(TransitionError { from, action }),
        };
        Ok(next)
    }
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 8] = [
        Action::StartInspection,
        Action::Return,
        Action::Supersede,
        Action::CompleteInspection,
        Action::Approve,
        Action::WithdrawApproval,
        Action::OrderPayment,
        Action::MarkPaid,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::StartInspection => "start_inspection",
            Action::Return => "return",
            Action::Supersede => "supersede",
            Action::CompleteInspection => "complete_inspection",
            Action::Approve => "approve",
            Action::WithdrawApproval => "withdraw_approval",
            Action::OrderPayment => "order_payment",
            Action::MarkPaid => "mark_paid",
        }
    }

    fn past_tense(self) -> &'static str {
        match self {
            Action::StartInspection => "taken up for inspection",
            Action::Return => "returned",
            Action::Supersede => "superseded by a resubmission",
            Action::CompleteInspection => "recorded as inspected",
            Action::Approve => "approved",
            Action::WithdrawApproval => "withdrawn from approval",
            Action::OrderPayment => "ordered for payment",
            Action::MarkPaid => "marked paid",
        }
    }
}

impl fmt::Display for InvoiceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InvoiceState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InvoiceState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| format!("unknown invoice state {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_states_are_those_not_final() {
        let not_final: Vec<InvoiceState> = InvoiceState::ALL
            .into_iter()
            .filter(|s| !s.is_final() && *s != InvoiceState::Rejected)
            .collect();
        assert_eq!(not_final, InvoiceState::OPEN.to_vec());
    }

    #[test]
    fn the_happy_path_runs_from_received_to_paid() {
        let mut state = InvoiceState::Received;
        for action in [
            Action::StartInspection,
            Action::CompleteInspection,
            Action::Approve,
            Action::OrderPayment,
            Action::MarkPaid,
        ] {
            state = state.apply(action).unwrap();
        }
        assert_eq!(state, InvoiceState::Paid);
        assert!(state.is_final());
    }

    #[test]
    fn a_returned_invoice_is_superseded_by_its_correction() {
        let returned = InvoiceState::UnderInspection.apply(Action::Return).unwrap();
        assert_eq!(returned, InvoiceState::Returned);
        assert_eq!(
            returned.apply(Action::Supersede).unwrap(),
            InvoiceState::Superseded
        );
    }

    #[test]
    fn every_other_move_is_refused_with_a_clear_error() {
        let allowed = [
            (InvoiceState::Received, Action::StartInspection),
            (InvoiceState::Received, Action::Return),
            (InvoiceState::UnderInspection, Action::Return),
            (InvoiceState::Inspected, Action::Return),
            (InvoiceState::Returned, Action::Supersede),
            (InvoiceState::UnderInspection, Action::CompleteInspection),
            (InvoiceState::Inspected, Action::Approve),
            (InvoiceState::Approved, Action::WithdrawApproval),
            (InvoiceState::Approved, Action::OrderPayment),
            (InvoiceState::PaymentOrdered, Action::MarkPaid),
        ];
        for state in InvoiceState::ALL {
            for action in Action::ALL {
                let result = state.apply(action);
                assert_eq!(
                    result.is_ok(),
                    allowed.contains(&(state, action)),
                    "{state} + {action:?}"
                );
            }
        }
        let error = InvoiceState::Paid.apply(Action::Approve).unwrap_err();
        assert_eq!(
            error.to_string(),
            "an invoice that is paid cannot be approved"
        );
    }

    #[test]
    fn state_names_round_trip() {
        for state in InvoiceState::ALL {
            assert_eq!(state.as_str().parse::<InvoiceState>().unwrap(), state);
        }
    }
}

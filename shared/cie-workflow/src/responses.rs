//! Which invoice response (Peppol T111) each step sends the supplier. Taking up and completing inspection are
//! "in process" (IP), a return is "rejected" (RE) with its reasons and a request for a corrected invoice, an
//! approval is "accepted" (AP), and both the payment order (支出命令: payment initiated) and the payment are
//! "paid" (PD).

use cie_compose::{ReasonCode, ResponseStatus};

use crate::lifecycle::Action;

/// The response status a step of `action` sends.
pub fn response_status(action: Action) -> ResponseStatus {
    match action {
        Action::StartInspection
        | Action::CompleteInspection
        | Action::Supersede
        | Action::WithdrawApproval => ResponseStatus::InProcess,
        Action::Return => ResponseStatus::Rejected,
        Action::Approve => ResponseStatus::Accepted,
        Action::OrderPayment | Action::MarkPaid => ResponseStatus::Paid,
    }
}

/// The clarification reason a return may give under `code`: those a rejection admits.
pub fn return_reason(code: &str) -> Option<ReasonCode> {
    ReasonCode::ALL
        .into_iter()
        .find(|reason| reason.code() == code)
        .filter(|reason| ResponseStatus::Rejected.admits_reason(*reason))
}

/// Every code [`return_reason`] accepts.
pub fn return_reason_codes() -> Vec<&'static str> {
    ReasonCode::ALL
        .into_iter()
        .filter(|reason| ResponseStatus::Rejected.admits_reason(*reason))
        .map(ReasonCode::code)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_answers_with_its_status() {
        let codes: Vec<&str> = Action::ALL
            .into_iter()
            .map(|a| response_status(a).code())
            .collect();
        assert_eq!(codes, ["IP", "RE", "IP", "IP", "AP", "IP", "PD", "PD"]);
    }

    #[test]
    fn a_return_gives_a_clarification_reason_but_not_partial_payment() {
        assert!(return_reason("PRI").is_some());
        assert!(
            return_reason("PPD").is_none(),
            "partially paid is no reason to return"
        );
        assert!(return_reason("XYZ").is_none());
        assert!(return_reason_codes().contains(&"REF"));
    }
}

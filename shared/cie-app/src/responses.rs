//! The invoice response (Peppol T111) a workflow step sends the supplier, written from the step's change:
//! the status [`cie_workflow::response_status`] gives, the return's reasons with a request for a corrected
//! invoice, the payment date, and the late interest owed when payment is late (the law makes it due without
//! a claim, so the supplier is told).

use chrono::{DateTime, FixedOffset, Timelike, Utc};
use cie_compose::{
    ActionCode, Endpoint, InvoiceReference, InvoiceResponse, ResponseParty, StatusAction,
    StatusReason,
};
use cie_domain::Party;
use cie_store::{CaseChange, InvoiceCase};
use cie_workflow::{Action, PlannedPayment, response_status, return_reason};

use crate::error::Error;

fn party(role: &str, party: &Party) -> Result<ResponseParty, Error> {
    let endpoint = match (&party.endpoint_scheme, &party.endpoint_id) {
        (Some(scheme), Some(id)) => Endpoint {
            id: id.clone(),
            scheme: scheme.clone(),
        },
        _ => match party.registration_number.as_deref() {
            // A qualified-invoice issuer's 登録番号 is T + its 法人番号, which Peppol addresses under 0188.
            Some(number) if number.len() == 14 => Endpoint {
                id: number[1..].to_owned(),
                scheme: "0188".to_owned(),
            },
            _ => {
                return Err(Error::invalid(
                    "missing_endpoint",
                    format!(
                        "the invoice names no electronic address (EndpointID) for its {role}, so no invoice response can be addressed"
                    ),
                ));
            }
        },
    };
    Ok(ResponseParty {
        name: party.name.clone().unwrap_or_else(|| role.to_owned()),
        endpoint,
        contact: None,
    })
}

/// The invoice response for `action` on `case`, the `sequence`-th for this invoice, issued `now`; `late`
/// is the payment date's standing against the legal deadline, for a step that plans or makes payment.
pub fn for_transition(
    case: &InvoiceCase,
    action: Action,
    change: &CaseChange,
    late: Option<&PlannedPayment>,
    sequence: usize,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    let summary = &case.document.summary;
    let jst = FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset");
    let local = now.with_timezone(&jst);
    let status = response_status(action);
    let mut reasons = Vec::new();
    let mut actions = Vec::new();
    let mut effective_date = None;
    let note = match change {
        CaseChange::StateOnly => "請求書を受け付け、検査を開始しました。".to_owned(),
        CaseChange::Inspected { on } => format!("{on} に検収（検査）を完了しました。"),
        CaseChange::Returned {
            reasons: given,
            note,
            ..
        } => {
            for reason in given {
                let code = return_reason(&reason.code).ok_or_else(|| {
                    Error::invalid(
                        "invalid_reason_code",
                        format!("{:?} is not a reason a return may give", reason.code),
                    )
                })?;
                reasons.push(StatusReason {
                    code,
                    text: Some(reason.text.clone()),
                    conditions: Vec::new(),
                });
            }
            actions.push(StatusAction {
                code: ActionCode::NewInvoice,
                text: Some("内容を訂正した請求書を再提出してください。".to_owned()),
                conditions: Vec::new(),
            });
            note.clone().unwrap_or_else(|| {
                "請求書を差し戻します。理由をご確認のうえ、訂正した請求書を再提出してください。"
                    .to_owned()
            })
        }
        CaseChange::Approved(checklist) => {
            effective_date = Some(checklist.payment_date);
            format!(
                "支払を承認しました。支払予定日は {} です。",
                checklist.payment_date
            )
        }
        CaseChange::ApprovalWithdrawn { reason } => {
            format!("支払の承認を取り消しました。理由: {reason}")
        }
        CaseChange::PaymentOrdered { payment_date, .. } => {
            effective_date = Some(*payment_date);
            format!("支出命令を行いました。支払予定日は {payment_date} です。")
        }
        CaseChange::Paid { on, .. } => {
            effective_date = Some(*on);
            format!("{on} にお支払いしました。")
        }
    };
    let mut note = note;
    if let Some(late) = late.filter(|l| l.late_days > 0) {
        let paid = matches!(change, CaseChange::Paid { .. });
        let words = late_words(late, paid);
        note.push_str(&words);
        if !late.interest.is_zero() {
            actions.push(StatusAction {
                code: ActionCode::Other,
                text: Some(words.trim().to_owned()),
                conditions: Vec::new(),
            });
        }
    }
    let response = InvoiceResponse {
        id: format!("IR-{}-{sequence}", case.document.id),
        issue_date: local.date_naive(),
        issue_time: Some(local.time().with_nanosecond(0).unwrap_or(local.time())),
        note: Some(note),
        sender: party("buyer", &summary.buyer)?,
        receiver: party("seller", &summary.supplier)?,
        invoice: InvoiceReference {
            id: summary.number.clone(),
            issue_date: Some(summary.issue_date),
            type_code: summary
                .type_code
                .clone()
                .unwrap_or_else(|| "380".to_owned()),
        },
        status,
        effective_date,
        reasons,
        actions,
    };
    cie_compose::invoice_response(&response).map_err(|e| {
        Error::invalid(
            "response_not_written",
            format!("the invoice response could not be written: {e}"),
        )
    })
}

/// What the supplier is told of a payment after the legal deadline: the days and the interest owed
/// (政府契約の支払遅延防止等に関する法律 art. 8), which is paid with it.
fn late_words(late: &PlannedPayment, paid: bool) -> String {
    let deadline = late.payment_deadline;
    let days = late.late_days;
    if late.interest.is_zero() {
        return format!(
            " 支払期限（{deadline}）を{days}日過ぎていますが、遅延利息は最低額に満たないため生じません。"
        );
    }
    let interest = late.interest;
    if paid {
        format!(
            " 支払期限（{deadline}）を{days}日過ぎたため、遅延利息 {interest} 円（支払遅延防止法第8条）を併せてお支払いしました。"
        )
    } else {
        format!(
            " 支払期限（{deadline}）を{days}日過ぎるため、遅延利息 {interest} 円（支払遅延防止法第8条）を併せてお支払いします。"
        )
    }
}

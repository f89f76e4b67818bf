//! The accounting staff's console: the inbox by payment deadline and the workflow steps taken from the
//! document page (start inspection, return with reasons, record inspection, approve with the checklist,
//! order payment, withdraw an approval), each through the API's own `workflow::act`.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use cie_workflow::{ApprovalChecklist, ReturnReason};
use serde::Deserialize;

use super::i18n::{Lang, t};
use super::views::{self, FieldError, Notices};
use super::{FormFields, PageError, Visit, page};
use crate::AppState;
use crate::error::Error;
use crate::workflow::{
    ApprovalRequest, CaseListQuery, InspectionRequest, LatePayment, PaidRequest,
    PaymentOrderRequest, ReturnRequest, Step, WithdrawalRequest,
};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(inbox))
        .route("/documents/{id}/steps/{step}", post(take_step))
}

/// The usual reasons for returning an invoice (the seed city's returns: 記入ミス・漏れ, missing attachments,
/// references), each with its clarification reason code. The text sent to the supplier is the Japanese one.
pub(crate) const RETURN_REASONS: [(&str, &str); 8] = [
    ("registration_number", "LEG"),
    ("tax", "LEG"),
    ("amount", "PRI"),
    ("quantity", "QTY"),
    ("items", "ITM"),
    ("reference", "REF"),
    ("attachment", "OTH"),
    ("addressee", "OTH"),
];

#[derive(Deserialize, Default)]
pub(super) struct InboxQuery {
    show: Option<String>,
    /// How many invoices to list, nearest deadline first ([`INBOX_ROWS`] more at each "more" link).
    rows: Option<i64>,
}

/// Invoices the inbox lists at first, and adds at each "more" link.
pub(crate) const INBOX_ROWS: i64 = 200;

async fn inbox(
    State(state): State<AppState>,
    visit: Visit,
    Query(query): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let show = ["week", "overdue"]
        .into_iter()
        .find(|known| query.show.as_deref() == Some(*known))
        .unwrap_or_default();
    let rows = query.rows.unwrap_or(INBOX_ROWS).clamp(1, 9_999);
    let filter = CaseListQuery {
        overdue: (show == "overdue").then_some(true),
        due_within_days: (show == "week").then_some(7),
        limit: Some(rows + 1),
        ..CaseListQuery::default()
    };
    let mut cases = crate::workflow::inbox(&state, &visit.caller, filter).await?;
    let more = (i64::try_from(cases.len()).unwrap_or(0) > rows).then_some(rows + INBOX_ROWS);
    cases.truncate(usize::try_from(rows).unwrap_or(0));
    Ok(page(
        StatusCode::OK,
        views::staff::inbox(&visit.frame(), &cases, show, more),
    ))
}

/// A field's value read as a date, or the message to show beside it.
fn date_field(
    lang: Lang,
    fields: &FormFields,
    name: &str,
) -> Result<Option<NaiveDate>, FieldError> {
    let value = fields.get(name);
    if value.is_empty() {
        return Ok(None);
    }
    super::forms::date_of(value)
        .map(Some)
        .ok_or_else(|| FieldError::new(name, t(lang, "error_date")))
}

/// The step a form asks for, or the problems with its fields.
fn step_of(lang: Lang, name: &str, fields: &FormFields) -> Result<Step, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut date = |field: &str| match date_field(lang, fields, field) {
        Ok(day) => day,
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let step = match name {
        "start-inspection" => Step::StartInspection,
        "return" => {
            let mut reasons: Vec<ReturnReason> = fields
                .all("reason")
                .into_iter()
                .filter_map(|key| RETURN_REASONS.iter().find(|(k, _)| *k == key))
                .map(|(key, code)| ReturnReason {
                    code: (*code).to_owned(),
                    text: t(Lang::Ja, &format!("return_reason_{key}")),
                })
                .collect();
            let other = fields.get("other_reason");
            if !other.is_empty() {
                reasons.push(ReturnReason {
                    code: "OTH".into(),
                    text: other.to_owned(),
                });
            }
            if reasons.is_empty() {
                errors.push(FieldError::new(
                    "reason-registration_number",
                    t(lang, "error_return_reason"),
                ));
            }
            Step::Return(ReturnRequest {
                reasons,
                note: fields.optional("return_note"),
            })
        }
        "inspection" => Step::CompleteInspection(InspectionRequest {
            inspected_on: date("inspected_on"),
        }),
        "approval" => {
            let payment_date = date("payment_date");
            let fiscal_year = super::forms::half_width_number(fields.get("fiscal_year"))
                .parse::<i64>()
                .ok();
            if fiscal_year.is_none() {
                errors.push(FieldError::new("fiscal_year", t(lang, "error_fiscal_year")));
            }
            let withholding_yen = match fields.get("withholding_yen") {
                "" => None,
                text => match super::forms::half_width_number(text).parse::<i64>() {
                    Ok(yen) if yen >= 0 => Some(yen),
                    _ => {
                        errors.push(FieldError::new(
                            "withholding_yen",
                            t(lang, "error_whole_yen"),
                        ));
                        None
                    }
                },
            };
            if payment_date.is_none() && !errors.iter().any(|e| e.field == "payment_date") {
                errors.push(FieldError::new("payment_date", t(lang, "error_required")));
            }
            let (Some(payment_date), Some(fiscal_year)) = (payment_date, fiscal_year) else {
                return Err(errors);
            };
            Step::Approve(ApprovalRequest {
                checklist: ApprovalChecklist {
                    rightful_creditor: fields.ticked("rightful_creditor"),
                    amount_correct: fields.ticked("amount_correct"),
                    performance_confirmed: fields.ticked("performance_confirmed"),
                    debt_fixed: fields.ticked("debt_fixed"),
                    fiscal_year,
                    budget_item: fields.get("budget_item").to_owned(),
                    commitment_number: fields.get("commitment_number").to_owned(),
                    payment_method: fields.get("payment_method").to_owned(),
                    payment_date,
                    note: fields.optional("approval_note"),
                    accounting_unit: fields.optional("accounting_unit"),
                    department: fields.optional("department"),
                    withholding_yen,
                },
                late: LatePayment {
                    acknowledge_late_payment: fields.ticked("acknowledge_late_payment"),
                    late_payment_reason: fields.optional("late_payment_reason"),
                },
            })
        }
        "payment-order" => Step::OrderPayment(PaymentOrderRequest {
            payment_date: date("order_payment_date"),
            acknowledge_late_payment: fields.ticked("order_acknowledge_late_payment"),
            late_payment_reason: fields.optional("order_late_payment_reason"),
        }),
        "payment" => Step::MarkPaid(PaidRequest {
            paid_on: date("paid_on"),
        }),
        "withdrawal" => {
            let reason = fields.get("withdrawal_reason");
            if reason.is_empty() {
                errors.push(FieldError::new(
                    "withdrawal_reason",
                    t(lang, "error_required"),
                ));
            }
            Step::WithdrawApproval(WithdrawalRequest {
                reason: reason.to_owned(),
            })
        }
        _ => {
            errors.push(FieldError::new("main", t(lang, "error_unknown_step")));
            Step::StartInspection
        }
    };
    if errors.is_empty() {
        Ok(step)
    } else {
        Err(errors)
    }
}

async fn take_step(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, name)): Path<(i64, String)>,
    fields: FormFields,
) -> Result<Response, PageError> {
    visit.check_form(fields.get("csrf"))?;
    let lang = visit.lang;
    let refusal = match step_of(lang, &name, &fields) {
        Ok(step) => match crate::workflow::act(&state, &visit.caller, id, step).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!(
                    "/documents/{id}?done={}",
                    name.replace('-', "_")
                ))
                .into_response());
            }
            Err(
                error @ (Error::Step(_)
                | Error::InvalidTransition { .. }
                | Error::InvalidRequest { .. }
                | Error::SeparationOfDuties(_)
                | Error::Conflict(_)),
            ) => {
                let (_, _, message) = crate::http::describe(&error);
                Notices {
                    form_error: Some(message),
                    ..Notices::default()
                }
            }
            Err(error) => return Err(error.into()),
        },
        Err(fields) => Notices {
            fields,
            ..Notices::default()
        },
    };
    let gathered = super::documents::gather(&state, &visit, id).await?;
    let steps = views::documents::StepNotices {
        notices: refusal,
        typed: fields.pairs().to_vec(),
    };
    Ok(page(
        StatusCode::UNPROCESSABLE_ENTITY,
        views::documents::document(&visit.frame(), &gathered, &Notices::default(), &steps),
    ))
}

//! Templates of the staff console: the inbox, an invoice's place in the workflow, the step forms and the
//! three-way match.

use cie_domain::Role;
use cie_workflow::{Action, PAYMENT_METHODS, fiscal_year_of};
use maud::{Markup, html};

use super::documents::StepNotices;
use super::{Frame, Notices};
use crate::web::i18n::{Lang, t, t_with};
use crate::web::money;
use crate::web::staff::RETURN_REASONS;
use crate::workflow::{CaseDetail, CaseView};

/// Days left to a deadline in words, marked when overdue.
fn days_left(lang: Lang, case: &CaseView) -> Markup {
    let Some(clock) = &case.clock else {
        return html! { "—" };
    };
    html! {
        @match clock.days_left {
            Some(days) if days < 0 || clock.overdue => {
                strong class="overdue" { (t_with(lang, "days_overdue", &[("days", &(-days).max(0).to_string())])) }
            }
            Some(days) if days <= 7 => { strong class="soon" { (t_with(lang, "days_left", &[("days", &days.to_string())])) } }
            Some(days) => { (t_with(lang, "days_left", &[("days", &days.to_string())])) }
            None => { "—" }
        }
    }
}

fn problems(lang: Lang, case: &CaseView) -> Markup {
    let flags = &case.problems;
    html! {
        ul class="flags" {
            @if let Some(severity) = flags.worst_severity.as_deref() {
                @if severity == "fatal" || severity == "error" {
                    li class="flag-bad" { (t(lang, &format!("severity_{severity}"))) }
                } @else if severity == "warning" {
                    li { (t(lang, "severity_warning")) }
                }
            }
            @if let Some(status) = flags.registry_status.as_deref() {
                @if status != "registered" {
                    li class="flag-bad" { (t(lang, &format!("flag_registry_{status}"))) }
                }
            }
            @if let Some(status) = flags.match_status.as_deref() {
                @if status == "differences" { li class="flag-bad" { (t(lang, "flag_match_differences")) } }
            }
            @if flags.possible_duplicate { li class="flag-bad" { (t(lang, "flag_possible_duplicate")) } }
        }
    }
}

/// The inbox: open invoices by payment deadline, days left, overdue marked; `more` is how many the "more"
/// link lists, when there may be more than these.
pub(crate) fn inbox(frame: &Frame, cases: &[CaseView], show: &str, more: Option<i64>) -> Markup {
    let lang = frame.lang;
    let title = t(lang, "inbox_title");
    let filters = [
        ("", "inbox_all"),
        ("week", "inbox_week"),
        ("overdue", "inbox_overdue"),
    ];
    super::layout(
        frame,
        &title,
        html! {
            nav class="filters" aria-label=(t(lang, "inbox_filter_label")) {
                ul {
                    @for (value, key) in filters {
                        li {
                            a href={ "/inbox" @if !value.is_empty() { "?show=" (value) } }
                                aria-current=[(show == value).then_some("page")] { (t(lang, key)) }
                        }
                    }
                }
            }
            @if cases.is_empty() {
                p { (t(lang, "inbox_empty")) }
            } @else {
                table class="inbox" {
                    caption {
                        (t_with(lang, if more.is_some() { "inbox_caption_first" } else { "inbox_caption" },
                            &[("count", &cases.len().to_string())]))
                    }
                    thead { tr {
                        th scope="col" { (t(lang, "col_deadline")) }
                        th scope="col" { (t(lang, "col_days_left")) }
                        th scope="col" { (t(lang, "col_number")) }
                        th scope="col" { (t(lang, "col_counterparty")) }
                        th scope="col" class="num" { (t(lang, "col_amount")) }
                        th scope="col" { (t(lang, "col_status")) }
                        th scope="col" { (t(lang, "col_problems")) }
                    } }
                    tbody {
                        @for case in cases {
                            tr class=[case.clock.as_ref().filter(|c| c.overdue).map(|_| "overdue-row")] {
                                td { (case.clock.as_ref().map(|c| c.clock.payment_deadline.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "—".into())) }
                                td { (days_left(lang, case)) }
                                th scope="row" { a href={ "/documents/" (case.document_id) } { (case.number) } }
                                td { (case.supplier_name.as_deref().unwrap_or("—")) }
                                td class="num" { (case.payable_amount.map(|a| money(a, case.currency.as_deref())).unwrap_or_else(|| "—".into())) }
                                td { (t(lang, &format!("state_{}", case.state.as_str()))) }
                                td { (problems(lang, case)) }
                            }
                        }
                    }
                }
                @if let Some(rows) = more {
                    p { a href={ "/inbox?" @if !show.is_empty() { "show=" (show) "&" } "rows=" (rows) } { (t(lang, "inbox_more")) } }
                }
            }
        },
    )
}

/// An invoice's place in the workflow: state, deadlines, returns, approval and payment.
pub(crate) fn case_section(frame: &Frame, detail: &CaseDetail) -> Markup {
    let lang = frame.lang;
    let case = &detail.case;
    html! {
        section aria-labelledby="case-heading" {
            h2 id="case-heading" { (t(lang, "case_heading")) }
            dl class="facts" {
                dt { (t(lang, "col_status")) } dd { strong { (t(lang, &format!("state_{}", case.state.as_str()))) } }
                @if let Some(clock) = &case.clock {
                    dt { (t(lang, "received_on_label")) } dd { (clock.received_on) }
                    dt { (t(lang, "inspection_deadline_label")) } dd { (clock.clock.inspection_deadline) }
                    dt { (t(lang, "payment_deadline_label")) } dd { (clock.clock.payment_deadline) " " (days_left(lang, case)) }
                    @if clock.clock.paused { dt { (t(lang, "clock_label")) } dd { (t(lang, "clock_paused")) } }
                }
                @if let Some(day) = case.inspected_on { dt { (t(lang, "inspected_on_label")) } dd { (day) } }
                @if let Some(day) = case.payment_date { dt { (t(lang, "payment_date_label")) } dd { (day) } }
                @if let Some(day) = case.paid_on { dt { (t(lang, "paid_on_label")) } dd { strong { (day) } } }
                @if let Some(interest) = case.interest_owed {
                    @if !interest.is_zero() { dt { (t(lang, "interest_label")) } dd { (money(interest, Some("JPY"))) } }
                }
                @if let Some(id) = case.corrects_document_id {
                    dt { (t(lang, "corrects_label")) } dd { a href={ "/documents/" (id) } { (t(lang, "returned_invoice_link")) } }
                }
                @if let Some(id) = case.superseded_by_document_id {
                    dt { (t(lang, "superseded_by_label")) } dd { a href={ "/documents/" (id) } { (t(lang, "correction_link")) } }
                }
            }
            @if !case.returns.is_empty() {
                h3 { (t(lang, "returns_heading")) }
                @for returned in &case.returns {
                    div class="return" {
                        p { strong { (returned.returned_on) } " " (t(lang, "returned_on_words")) }
                        ul {
                            @for reason in &returned.reasons { li { (reason.text) " (" (reason.code) ")" } }
                        }
                        @if let Some(note) = &returned.note { p { (t(lang, "return_note_label")) ": " (note) } }
                        @if let Some(day) = returned.resubmitted_on { p { (t(lang, "resubmitted_on_label")) ": " (day) } }
                    }
                }
            }
            @if let Some(approval) = &detail.approval {
                h3 { (t(lang, "approval_heading")) }
                dl class="facts" {
                    dt { (t(lang, "fiscal_year_label")) } dd { (approval.checklist.fiscal_year) }
                    dt { (t(lang, "budget_item_label")) } dd { (approval.checklist.budget_item) }
                    dt { (t(lang, "commitment_number_label")) } dd { (approval.checklist.commitment_number) }
                    dt { (t(lang, "payment_method_label")) } dd { (approval.checklist.payment_method) }
                    dt { (t(lang, "payment_date_label")) } dd { (approval.checklist.payment_date) }
                }
            }
        }
    }
}

/// A check box with its label.
fn check(id: &str, label: String, ticked: bool) -> Markup {
    html! {
        div class="check" {
            input type="checkbox" id=(id) name=(id) value="1" checked[ticked];
            label for=(id) { (label) }
        }
    }
}

/// A labelled input whose value is what was typed, else `default`.
fn input(
    notices: &Notices,
    steps: &StepNotices,
    (id, label, kind): (&str, String, &str),
    default: &str,
) -> Markup {
    let value = steps.typed(id).unwrap_or(default);
    super::field(
        notices,
        super::Field {
            id,
            label,
            kind,
            value,
            autocomplete: "off",
            hint: None,
            required: false,
        },
    )
}

/// The forms of the steps the person may take now.
pub(crate) fn step_forms(frame: &Frame, detail: &CaseDetail, steps: &StepNotices) -> Markup {
    let lang = frame.lang;
    let case = &detail.case;
    let role = frame.person.as_ref().map(|p| p.role);
    let allowed = |action: Action| {
        case.allowed_actions.contains(&action)
            && role.is_some_and(|r| crate::workflow::roles_for(action).contains(&r))
    };
    let notices = &steps.notices;
    let action = |step: &str| format!("/documents/{}/steps/{step}", case.document_id);
    let csrf = frame.csrf();
    let today = frame.today;
    let default_payment = case
        .clock
        .as_ref()
        .map(|c| c.clock.payment_deadline.to_string())
        .unwrap_or_default();
    let fiscal_year = fiscal_year_of(
        case.clock
            .as_ref()
            .map_or(today, |c| c.clock.payment_deadline),
    )
    .0
    .to_string();
    let any = [
        Action::StartInspection,
        Action::Return,
        Action::CompleteInspection,
        Action::Approve,
        Action::OrderPayment,
        Action::WithdrawApproval,
    ]
    .into_iter()
    .any(allowed);
    html! {
        @if any {
            section aria-labelledby="steps-heading" class="steps" {
                h2 id="steps-heading" { (t(lang, "steps_heading")) }
                @if allowed(Action::StartInspection) {
                    form method="post" action=(action("start-inspection")) {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" { (t(lang, "step_start_inspection")) }
                    }
                }
                @if allowed(Action::CompleteInspection) {
                    form method="post" action=(action("inspection")) {
                        h3 { (t(lang, "step_complete_inspection")) }
                        input type="hidden" name="csrf" value=(csrf);
                        (input(notices, steps, ("inspected_on", t(lang, "inspected_on_label"), "date"), &today.to_string()))
                        button type="submit" { (t(lang, "step_complete_inspection")) }
                    }
                }
                @if allowed(Action::Return) {
                    form method="post" action=(action("return")) {
                        h3 { (t(lang, "step_return")) }
                        input type="hidden" name="csrf" value=(csrf);
                        fieldset {
                            legend { (t(lang, "return_reasons_legend")) }
                            @if let Some(error) = notices.field("reason-registration_number") {
                                p class="field-error" { (error) }
                            }
                            @for (key, _) in RETURN_REASONS {
                                div class="check" {
                                    input type="checkbox" id={ "reason-" (key) } name="reason" value=(key)
                                        checked[steps.typed.iter().any(|(k, v)| k == "reason" && v == key)];
                                    label for={ "reason-" (key) } { (t(lang, &format!("return_reason_{key}"))) }
                                }
                            }
                        }
                        (input(notices, steps, ("other_reason", t(lang, "other_reason_label"), "text"), ""))
                        div class="field" {
                            label for="return_note" { (t(lang, "return_note_label")) }
                            textarea id="return_note" name="return_note" rows="3" { (steps.typed("return_note").unwrap_or("")) }
                        }
                        button type="submit" class="warning" { (t(lang, "step_return")) }
                    }
                }
                @if allowed(Action::Approve) {
                    form method="post" action=(action("approval")) {
                        h3 { (t(lang, "step_approve")) }
                        input type="hidden" name="csrf" value=(csrf);
                        fieldset {
                            legend { (t(lang, "checklist_legend")) }
                            (check("rightful_creditor", t(lang, "check_rightful_creditor"), steps.typed("rightful_creditor").is_some()))
                            (check("amount_correct", t(lang, "check_amount_correct"), steps.typed("amount_correct").is_some()))
                            (check("performance_confirmed", t(lang, "check_performance_confirmed"), steps.typed("performance_confirmed").is_some()))
                            (check("debt_fixed", t(lang, "check_debt_fixed"), steps.typed("debt_fixed").is_some()))
                        }
                        (input(notices, steps, ("fiscal_year", t(lang, "fiscal_year_label"), "number"), &fiscal_year))
                        (input(notices, steps, ("accounting_unit", t(lang, "accounting_unit_label"), "text"), &t(Lang::Ja, "default_accounting_unit")))
                        (input(notices, steps, ("department", t(lang, "department_label"), "text"), ""))
                        (input(notices, steps, ("budget_item", t(lang, "budget_item_label"), "text"), ""))
                        (input(notices, steps, ("commitment_number", t(lang, "commitment_number_label"), "text"), ""))
                        (super::select(notices, ("payment_method", t(lang, "payment_method_label")),
                            &PAYMENT_METHODS.iter().map(|m| ((*m).to_owned(), (*m).to_owned())).collect::<Vec<_>>(),
                            steps.typed("payment_method").unwrap_or(PAYMENT_METHODS[0])))
                        (input(notices, steps, ("payment_date", t(lang, "payment_date_label"), "date"), &default_payment))
                        (input(notices, steps, ("withholding_yen", t(lang, "withholding_label"), "text"), ""))
                        (input(notices, steps, ("approval_note", t(lang, "approval_note_label"), "text"), ""))
                        details {
                            summary { (t(lang, "late_payment_summary")) }
                            (check("acknowledge_late_payment", t(lang, "acknowledge_late_label"), steps.typed("acknowledge_late_payment").is_some()))
                            (input(notices, steps, ("late_payment_reason", t(lang, "late_reason_label"), "text"), ""))
                        }
                        button type="submit" { (t(lang, "step_approve")) }
                    }
                }
                @if allowed(Action::OrderPayment) {
                    form method="post" action=(action("payment-order")) {
                        h3 { (t(lang, "step_order_payment")) }
                        input type="hidden" name="csrf" value=(csrf);
                        (input(notices, steps, ("order_payment_date", t(lang, "payment_date_label"), "date"), &case.payment_date.map(|d| d.to_string()).unwrap_or_default()))
                        button type="submit" { (t(lang, "step_order_payment")) }
                    }
                }
                @if allowed(Action::WithdrawApproval) {
                    form method="post" action=(action("withdrawal")) {
                        h3 { (t(lang, "step_withdraw")) }
                        input type="hidden" name="csrf" value=(csrf);
                        (input(notices, steps, ("withdrawal_reason", t(lang, "withdrawal_reason_label"), "text"), ""))
                        button type="submit" class="warning" { (t(lang, "step_withdraw")) }
                    }
                }
            }
        } @else if matches!(role, Some(Role::Staff)) && case.allowed_actions.contains(&Action::Approve) {
            p class="hint" { (t(lang, "approver_needed")) }
        }
    }
}

/// The three-way match of an invoice with its order and delivery notes.
pub(crate) fn matching_section(lang: Lang, report: &cie_matching::MatchReport) -> Markup {
    html! {
        section aria-labelledby="matching-heading" {
            h2 id="matching-heading" { (t(lang, "matching_heading")) }
            p {
                (t(lang, "matching_order")) ": " (report.order)
                @if !report.despatches.is_empty() { " / " (t(lang, "matching_despatches")) ": " (report.despatches.join(", ")) }
            }
            @if report.matched {
                p class="ok" { (t(lang, "matching_ok")) }
            } @else {
                ul {
                    @for d in &report.discrepancies {
                        li class={ "sev-" (d.severity.as_str()) } {
                            (if lang == Lang::Ja { &d.message_ja } else { &d.message_en })
                        }
                    }
                }
            }
        }
    }
}

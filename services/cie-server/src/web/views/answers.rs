//! Templates of the suppliers' answer forms: a quotation to a request for quotation (lines with prices and
//! tax, totals per rate), an order response (accept, reject, or accept with changes line by line) and a
//! delivery note (delivered quantities), each naming the city's document it answers.

use maud::{Markup, html};

use super::forms::{beside, cell, cell_select, form_end, input, live_words, summary_notices};
use super::{Frame, Notices, summary};
use crate::web::answers::{AnswerKind, AnswerPage, LINE_STATUSES, RESPONSE_STATUSES};
use crate::web::forms::{TypedForm, UNITS};
use crate::web::i18n::{Lang, t};
use crate::web::money;

/// The words of a unit code: its name in the list offered, else the code.
fn unit_name(lang: Lang, code: &str) -> String {
    UNITS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_owned(), |(_, key)| t(lang, key))
}

/// What is said beside field `id`, as an error block.
fn said(lang: Lang, notices: &Notices, context: &AnswerPage, id: &str) -> Markup {
    let messages = beside(lang, notices, &context.form, id);
    html! {
        @if !messages.is_empty() {
            div class="field-error" id={ (id) "-error" } {
                @for message in &messages { p { (message) } }
            }
        }
    }
}

/// The answer form of `context.kind`.
pub(crate) fn answer(
    frame: &Frame,
    form: &TypedForm,
    context: &AnswerPage,
    notices: &Notices,
) -> Markup {
    let lang = frame.lang;
    let kind = context.kind;
    let (title_key, intro_key, form_id) = match kind {
        AnswerKind::Quotation => (
            "quotation_form_title",
            "quotation_form_intro",
            "quotation-form",
        ),
        AnswerKind::OrderResponse => (
            "order_response_form_title",
            "order_response_form_intro",
            "order-response-form",
        ),
        AnswerKind::DespatchAdvice => (
            "despatch_advice_form_title",
            "despatch_advice_form_intro",
            "despatch-advice-form",
        ),
    };
    let title = t(lang, title_key);
    let org = &context.form.organisation;
    let asked = &context.asked;
    let asked_kind = super::documents::kind_name(lang, asked.kind);
    let all_notices = summary_notices(lang, notices, &context.form);
    let fields = |spec, hint| input(lang, notices, &context.form, form, spec, hint);
    html! {
        (super::layout(frame, &title, html! {
            (summary(lang, &all_notices))
            p { (t(lang, intro_key)) }
            p {
                (t(lang, "answering_label")) " "
                a href={ "/documents/" (asked.id) } { (asked_kind) " " (asked.number) }
            }
            form method="post" action=(kind.path()) novalidate id=(form_id) {
                input type="hidden" name="csrf" value=(frame.csrf());
                @if let Some(id) = context.form.draft_id { input type="hidden" name="draft_id" value=(id); }
                input type="hidden" name=(kind.source_field()) value=(asked.id);
                input type="hidden" name="line_count" value=(form.rows());
                fieldset {
                    legend { (t(lang, "section_answer_parties")) }
                    dl class="facts" {
                        dt { (t(lang, "answer_buyer_label")) } dd { (asked.buyer.name) }
                        dt { (t(lang, "answer_seller_label")) } dd { (org.name) }
                        dt { (t(lang, "registration_number_label")) }
                        dd {
                            @if let Some(number) = &org.registration_number { (number) }
                            @else { (t(lang, "not_registered")) }
                        }
                    }
                    @if org.registration_number.is_none() {
                        (fields(("corporate_number", "corporate_number_label", "text"), Some("corporate_number_hint")))
                    }
                    @if kind.has_address() {
                        (fields(("seller_postal_zone", "postal_zone_label", "text"), None))
                        (fields(("seller_prefecture", "prefecture_label", "text"), None))
                        (fields(("seller_city", "city_label", "text"), None))
                        (fields(("seller_street", "street_label", "text"), None))
                    }
                }
                fieldset {
                    @match kind {
                        AnswerKind::Quotation => {
                            legend { (t(lang, "section_quotation")) }
                            (fields(("number", "quotation_number_label", "text"), None))
                            (fields(("issue_date", "answer_issue_date_label", "date"), None))
                            (fields(("validity_start", "validity_start_label", "date"), None))
                            (fields(("validity_end", "validity_end_label", "date"), Some("validity_end_hint")))
                        }
                        AnswerKind::OrderResponse => {
                            legend { (t(lang, "section_order_response")) }
                            (fields(("number", "order_response_number_label", "text"), None))
                            (fields(("issue_date", "answer_issue_date_label", "date"), None))
                            (status_choice(lang, notices, context, form))
                            (fields(("delivery_start", "promised_start_label", "date"), None))
                            (fields(("delivery_end", "promised_end_label", "date"), None))
                        }
                        AnswerKind::DespatchAdvice => {
                            legend { (t(lang, "section_despatch_advice")) }
                            (fields(("number", "despatch_advice_number_label", "text"), None))
                            (fields(("issue_date", "answer_issue_date_label", "date"), None))
                            (fields(("despatch_date", "despatch_date_label", "date"), None))
                            (fields(("delivery_start", "expected_start_label", "date"), None))
                            (fields(("delivery_end", "expected_end_label", "date"), None))
                        }
                    }
                }
                fieldset {
                    legend { (t(lang, "section_lines")) }
                    @match kind {
                        AnswerKind::Quotation => (quoted_lines(lang, notices, context, form)),
                        AnswerKind::OrderResponse => (answered_lines(lang, notices, context, form)),
                        AnswerKind::DespatchAdvice => (delivered_lines(lang, notices, context, form)),
                    }
                }
                @if kind == AnswerKind::Quotation {
                    (quotation_totals(lang, context))
                }
                @let note_hint = (kind == AnswerKind::OrderResponse).then_some("rejection_note_hint");
                @let note_error = !beside(lang, notices, &context.form, "note").is_empty();
                @let note_described: Vec<&str> = [note_hint.map(|_| "note-hint"), note_error.then_some("note-error")].into_iter().flatten().collect();
                div class={ "field" @if note_error { " has-error" } } {
                    label for="note" { (t(lang, "note_label")) }
                    @if let Some(hint) = note_hint { p class="hint" id="note-hint" { (t(lang, hint)) } }
                    (said(lang, notices, context, "note"))
                    textarea id="note" name="note" rows="3"
                        aria-invalid=[note_error.then_some("true")]
                        aria-describedby=[(!note_described.is_empty()).then(|| note_described.join(" "))] { (form.get("note")) }
                }
                (form_end(lang, &context.form, "answer_findings_heading"))
            }
            @if kind == AnswerKind::Quotation {
                script src="/static/site.js" {}
            }
        }))
    }
}

/// The choice of an order response: accept, accept with changes, or reject.
fn status_choice(lang: Lang, notices: &Notices, context: &AnswerPage, form: &TypedForm) -> Markup {
    let invalid = !beside(lang, notices, &context.form, "status").is_empty();
    html! {
        fieldset class={ "field" @if invalid { " has-error" } } id="status"
            aria-describedby=[invalid.then_some("status-error")] {
            legend { (t(lang, "response_status_legend")) }
            (said(lang, notices, context, "status"))
            @for (status, key) in RESPONSE_STATUSES {
                div class="check" {
                    input type="radio" id={ "status-" (status.code()) } name="status" value=(status.code())
                        checked[form.get("status") == status.code()];
                    label for={ "status-" (status.code()) } { (t(lang, key)) }
                }
            }
        }
    }
}

/// The lines of a quotation: the request's items to price, and rows to add.
fn quoted_lines(lang: Lang, notices: &Notices, context: &AnswerPage, form: &TypedForm) -> Markup {
    html! {
        p class="hint" { (t(lang, "quotation_lines_hint")) }
        (super::forms::priced_lines(lang, notices, &context.form, form))
    }
}

/// The amounts of a quotation per rate, shown live by the script and after a check.
fn quotation_totals(lang: Lang, context: &AnswerPage) -> Markup {
    html! {
        section aria-labelledby="totals-heading" class="totals" aria-live="polite" id="totals"
            data-words=(live_words(lang, "quotation_total_label")) {
            h2 id="totals-heading" { (t(lang, "totals_heading")) }
            @if let Some(totals) = &context.totals {
                dl class="facts" {
                    @for sub in &totals.tax_subtotals {
                        dt { (t(lang, &format!("taxable_{}", sub.category))) }
                        dd class="num" { (money(sub.taxable, None)) }
                        @if !sub.percent.is_zero() {
                            dt { (t(lang, &format!("tax_{}", sub.category))) }
                            dd class="num" { (money(sub.tax, None)) }
                        }
                    }
                    dt { (t(lang, "tax_total_label")) } dd class="num" { (money(totals.tax, None)) }
                    dt { strong { (t(lang, "quotation_total_label")) } } dd class="num" { strong { (money(totals.tax_inclusive, None)) } }
                }
                p class="hint" { (t(lang, "reduced_mark_note")) }
            } @else {
                p class="hint" id="totals-pending" { (t(lang, "totals_after_check")) }
            }
        }
    }
}

/// The order's lines with the answer to each and, when changed, the quantity that can be delivered.
fn answered_lines(lang: Lang, notices: &Notices, context: &AnswerPage, form: &TypedForm) -> Markup {
    let statuses: Vec<(String, String)> = LINE_STATUSES
        .iter()
        .map(|(status, key)| (status.code().to_owned(), t(lang, key)))
        .collect();
    let form_page = &context.form;
    html! {
        p class="hint" { (t(lang, "order_lines_hint")) }
        table class="lines" id="lines" {
            caption class="visually-hidden" { (t(lang, "section_lines")) }
            thead { tr {
                th scope="col" { "#" }
                th scope="col" { (t(lang, "col_item")) }
                th scope="col" class="num" { (t(lang, "col_ordered")) }
                th scope="col" { (t(lang, "col_line_answer")) }
                th scope="col" { (t(lang, "col_changed_quantity")) }
            } }
            tbody {
                @for (row, line) in context.asked.lines.iter().enumerate() {
                    tr {
                        td { (row + 1) }
                        th scope="row" { (line.item_name) }
                        td class="num" { (line.quantity.normalize()) " " (unit_name(lang, &line.unit_code)) }
                        (cell_select(lang, notices, form_page, form, (row, "status", "line_answer_label"), &statuses, "5"))
                        (cell(lang, notices, form_page, form, (row, "quantity", "line_changed_quantity_label"), "num"))
                    }
                }
            }
        }
    }
}

/// The order's lines with the quantity delivered now.
fn delivered_lines(
    lang: Lang,
    notices: &Notices,
    context: &AnswerPage,
    form: &TypedForm,
) -> Markup {
    let form_page = &context.form;
    html! {
        p class="hint" { (t(lang, "despatch_lines_hint")) }
        table class="lines" id="lines" {
            caption class="visually-hidden" { (t(lang, "section_lines")) }
            thead { tr {
                th scope="col" { "#" }
                th scope="col" { (t(lang, "col_item")) }
                th scope="col" class="num" { (t(lang, "col_ordered")) }
                th scope="col" { (t(lang, "col_delivered_quantity")) }
                th scope="col" { (t(lang, "col_unit")) }
                th scope="col" { (t(lang, "col_item_number")) }
            } }
            tbody {
                @for (row, line) in context.asked.lines.iter().enumerate() {
                    tr {
                        td { (row + 1) }
                        th scope="row" { (line.item_name) }
                        td class="num" { (line.quantity.normalize()) }
                        (cell(lang, notices, form_page, form, (row, "quantity", "line_delivered_label"), "num"))
                        td { (unit_name(lang, &line.unit_code)) }
                        (cell(lang, notices, form_page, form, (row, "item", "line_item_number_label"), ""))
                    }
                }
            }
        }
    }
}

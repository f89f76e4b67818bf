//! Templates of the document forms: the supplier's invoice form (lines, live totals, attachments,
//! findings beside the fields they concern), the pieces the answer forms share with it (inputs, line
//! cells, the error summary, the findings and buttons at the end) and the list of drafts.

use cie_domain::Finding;
use maud::{Markup, html};

use super::documents::date_time;
use super::{Field, Frame, Notices, field, layout, select, summary};
use crate::web::answers::AnswerKind;
use crate::web::forms::{FormPage, TAX_CATEGORIES, TypedForm, UNITS};
use crate::web::i18n::{Lang, t, t_with};
use crate::web::money;

/// A finding in words: severity, rule and message.
pub(crate) fn finding_text(lang: Lang, finding: &Finding) -> String {
    let message = if lang == Lang::Ja {
        &finding.message_ja
    } else {
        &finding.message_en
    };
    format!(
        "{} [{}] {}",
        t(lang, &format!("severity_{}", finding.severity.as_str())),
        finding.rule_id,
        message
    )
}

/// Messages beside field `id`: its input error and the findings located at it.
pub(crate) fn beside(lang: Lang, notices: &Notices, context: &FormPage, id: &str) -> Vec<String> {
    let mut messages: Vec<String> = notices
        .fields
        .iter()
        .filter(|e| e.field == id)
        .map(|e| e.message.clone())
        .collect();
    messages.extend(
        context
            .findings
            .iter()
            .filter(|(field, _)| field.as_deref() == Some(id))
            .map(|(_, finding)| finding_text(lang, finding)),
    );
    messages
}

/// A text input of a document form with what is said about it.
pub(crate) fn input(
    lang: Lang,
    notices: &Notices,
    context: &FormPage,
    form: &TypedForm,
    (id, label_key, kind): (&str, &str, &str),
    hint: Option<&str>,
) -> Markup {
    let messages = beside(lang, notices, context, id);
    let invalid = !messages.is_empty();
    let mut described = Vec::new();
    if hint.is_some() {
        described.push(format!("{id}-hint"));
    }
    if invalid {
        described.push(format!("{id}-error"));
    }
    html! {
        div class={ "field" @if invalid { " has-error" } } {
            label for=(id) { (t(lang, label_key)) }
            @if let Some(hint) = hint { p class="hint" id={ (id) "-hint" } { (t(lang, hint)) } }
            @if invalid {
                div class="field-error" id={ (id) "-error" } {
                    @for message in &messages { p { (message) } }
                }
            }
            input id=(id) name=(id) type=(kind) value=(form.get(id)) autocomplete="off"
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[(!described.is_empty()).then(|| described.join(" "))];
        }
    }
}

/// A cell input of a line row, labelled for screen readers by the column and row.
pub(crate) fn cell(
    lang: Lang,
    notices: &Notices,
    context: &FormPage,
    form: &TypedForm,
    (row, part, label_key): (usize, &str, &str),
    class: &str,
) -> Markup {
    let id = format!("l{row}_{part}");
    let messages = beside(lang, notices, context, &id);
    let invalid = !messages.is_empty();
    let label = t_with(lang, label_key, &[("row", &(row + 1).to_string())]);
    html! {
        td {
            label for=(id) class="visually-hidden" { (label) }
            input id=(id) name=(id) type="text" value=(form.get(&id)) class=(class) autocomplete="off"
                inputmode=[(class == "num").then_some("decimal")]
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then(|| format!("{id}-error"))];
            @if invalid {
                div class="field-error" id={ (id) "-error" } {
                    @for message in &messages { p { (message) } }
                }
            }
        }
    }
}

/// A cell choice of a line row among `options` (value, text), `default` when nothing is chosen.
pub(crate) fn cell_select(
    lang: Lang,
    notices: &Notices,
    context: &FormPage,
    form: &TypedForm,
    (row, part, label_key): (usize, &str, &str),
    options: &[(String, String)],
    default: &str,
) -> Markup {
    let id = format!("l{row}_{part}");
    let messages = beside(lang, notices, context, &id);
    let invalid = !messages.is_empty();
    let chosen = match form.get(&id) {
        "" => default,
        value => value,
    };
    let label = t_with(lang, label_key, &[("row", &(row + 1).to_string())]);
    html! {
        td {
            label for=(id) class="visually-hidden" { (label) }
            select id=(id) name=(id) aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then(|| format!("{id}-error"))] {
                @for (value, text) in options {
                    option value=(value) selected[value == chosen] { (text) }
                }
            }
            @if invalid {
                div class="field-error" id={ (id) "-error" } {
                    @for message in &messages { p { (message) } }
                }
            }
        }
    }
}

/// The words the live totals script shows, as JSON; `payable_key` names the total with tax.
pub(crate) fn live_words(lang: Lang, payable_key: &str) -> String {
    let words: serde_json::Map<String, serde_json::Value> = [
        ("S", "taxable_S"),
        ("AA", "taxable_AA"),
        ("E", "taxable_E"),
        ("O", "taxable_O"),
        ("taxS", "tax_S"),
        ("taxAA", "tax_AA"),
        ("tax", "tax_total_label"),
        ("payable", payable_key),
        ("bad", "error_lines_not_numbers"),
    ]
    .into_iter()
    .map(|(name, key)| (name.to_owned(), serde_json::Value::String(t(lang, key))))
    .collect();
    serde_json::Value::Object(words).to_string()
}

/// The table of priced lines (item, quantity, unit, unit price, tax rate, amount filled in by the script)
/// with the button that adds a row: the invoice's and the quotation's.
pub(crate) fn priced_lines(
    lang: Lang,
    notices: &Notices,
    context: &FormPage,
    form: &TypedForm,
) -> Markup {
    let units: Vec<(String, String)> = UNITS
        .iter()
        .map(|(code, key)| ((*code).to_owned(), t(lang, key)))
        .collect();
    let categories: Vec<(String, String)> = TAX_CATEGORIES
        .iter()
        .map(|(category, key)| (category.code().to_owned(), t(lang, key)))
        .collect();
    html! {
        table class="lines" id="lines" {
            caption class="visually-hidden" { (t(lang, "section_lines")) }
            thead { tr {
                th scope="col" { "#" }
                th scope="col" { (t(lang, "col_item")) }
                th scope="col" { (t(lang, "col_quantity")) }
                th scope="col" { (t(lang, "col_unit")) }
                th scope="col" { (t(lang, "col_unit_price")) }
                th scope="col" { (t(lang, "col_tax")) }
                th scope="col" class="num" { (t(lang, "col_line_amount")) }
            } }
            tbody {
                @for row in 0..form.rows() {
                    tr data-row=(row) {
                        td { (row + 1) }
                        (cell(lang, notices, context, form, (row, "name", "line_item_label"), "text"))
                        (cell(lang, notices, context, form, (row, "quantity", "line_quantity_label"), "num"))
                        (cell_select(lang, notices, context, form, (row, "unit", "line_unit_label"), &units, "H87"))
                        (cell(lang, notices, context, form, (row, "price", "line_price_label"), "num"))
                        (cell_select(lang, notices, context, form, (row, "tax", "line_tax_label"), &categories, "S"))
                        td class="num" data-amount=(row) { }
                    }
                }
            }
        }
        button type="submit" name="action" value="add_line" class="secondary" { (t(lang, "add_line_button")) }
    }
}

/// The invoice form.
pub(crate) fn invoice(
    frame: &Frame,
    form: &TypedForm,
    context: &FormPage,
    notices: &Notices,
) -> Markup {
    let lang = frame.lang;
    let title = t(lang, "invoice_form_title");
    let org = &context.organisation;
    let buyers: Vec<(String, String)> = context
        .buyers
        .iter()
        .map(|b| (b.id.to_string(), b.name.clone()))
        .collect();
    let account_types: Vec<(String, String)> = ["普通", "当座", "貯蓄"]
        .iter()
        .map(|k| ((*k).to_owned(), (*k).to_owned()))
        .collect();
    let all_notices = summary_notices(lang, notices, context);
    html! {
        (layout(frame, &title, html! {
            (summary(lang, &all_notices))
            p { (t(lang, "invoice_form_intro")) }
            form method="post" action="/invoices/new" enctype="multipart/form-data" novalidate id="invoice-form" {
                input type="hidden" name="csrf" value=(frame.csrf());
                @if let Some(id) = context.draft_id { input type="hidden" name="draft_id" value=(id); }
                input type="hidden" name="line_count" value=(form.rows());
                fieldset {
                    legend { (t(lang, "section_parties")) }
                    (select(&all_notices, ("buyer", t(lang, "buyer_pick_label")), &buyers, form.get("buyer")))
                    dl class="facts" {
                        dt { (t(lang, "seller_label")) } dd { (org.name) }
                        dt { (t(lang, "registration_number_label")) }
                        dd {
                            @if let Some(number) = &org.registration_number { (number) }
                            @else { (t(lang, "not_registered")) }
                        }
                    }
                    (input(lang, notices, context, form, ("corporate_number", "corporate_number_label", "text"), Some("corporate_number_hint")))
                    (input(lang, notices, context, form, ("seller_postal_zone", "postal_zone_label", "text"), None))
                    (input(lang, notices, context, form, ("seller_prefecture", "prefecture_label", "text"), None))
                    (input(lang, notices, context, form, ("seller_city", "city_label", "text"), None))
                    (input(lang, notices, context, form, ("seller_street", "street_label", "text"), None))
                }
                fieldset {
                    legend { (t(lang, "section_invoice")) }
                    (input(lang, notices, context, form, ("number", "invoice_number_label", "text"), Some("invoice_number_hint")))
                    (input(lang, notices, context, form, ("issue_date", "issue_date_label", "date"), None))
                    (input(lang, notices, context, form, ("delivery_date", "delivery_date_label", "date"), Some("delivery_date_hint")))
                    (input(lang, notices, context, form, ("due_date", "due_date_label", "date"), None))
                    (input(lang, notices, context, form, ("commitment_number", "commitment_number_label", "text"), Some("commitment_number_hint")))
                    (input(lang, notices, context, form, ("order_number", "order_number_label", "text"), None))
                    (input(lang, notices, context, form, ("despatch_number", "despatch_number_label", "text"), None))
                }
                fieldset {
                    legend { (t(lang, "section_lines")) }
                    p class="hint" { (t(lang, "lines_hint")) }
                    (priced_lines(lang, notices, context, form))
                }
                section aria-labelledby="totals-heading" class="totals" aria-live="polite" id="totals" data-words=(live_words(lang, "payable_label")) {
                    h2 id="totals-heading" { (t(lang, "totals_heading")) }
                    @if let Some(totals) = &context.totals {
                        dl class="facts" {
                            @for sub in &totals.tax_breakdown {
                                dt { (t(lang, &format!("taxable_{}", sub.category.code()))) }
                                dd class="num" { (money(sub.taxable, None)) }
                                @if sub.percent.is_some_and(|p| !p.is_zero()) {
                                    dt { (t(lang, &format!("tax_{}", sub.category.code()))) }
                                    dd class="num" { (money(sub.tax, None)) }
                                }
                            }
                            dt { (t(lang, "tax_total_label")) } dd class="num" { (money(totals.tax, None)) }
                            dt { strong { (t(lang, "payable_label")) } } dd class="num" { strong { (money(totals.payable, None)) } }
                        }
                        p class="hint" { (t(lang, "reduced_mark_note")) }
                    } @else {
                        p class="hint" id="totals-pending" { (t(lang, "totals_after_check")) }
                    }
                }
                fieldset {
                    legend { (t(lang, "section_payment")) }
                    (input(lang, notices, context, form, ("bank_code", "bank_code_label", "text"), Some("bank_code_hint")))
                    (input(lang, notices, context, form, ("branch_code", "branch_code_label", "text"), None))
                    (select(&all_notices, ("account_type", t(lang, "account_type_label")), &account_types, match form.get("account_type") { "" => "普通", v => v }))
                    (input(lang, notices, context, form, ("account_number", "account_number_label", "text"), None))
                    (input(lang, notices, context, form, ("account_name", "account_name_label", "text"), Some("account_name_hint")))
                }
                fieldset {
                    legend { (t(lang, "section_attachments")) }
                    @let messages = beside(lang, notices, context, "attachment");
                    @if !messages.is_empty() {
                        div class="field-error" id="attachment-error" { @for m in &messages { p { (m) } } }
                    }
                    @if !form.attachments.is_empty() {
                        ul {
                            @for (index, attachment) in form.attachments.iter().enumerate() {
                                li class="check" {
                                    input type="checkbox" id={ "remove-" (index) } name="remove_attachment" value=(index);
                                    label for={ "remove-" (index) } {
                                        (t_with(lang, "remove_attachment_label", &[("name", &attachment.filename), ("description", &attachment.description)]))
                                    }
                                }
                            }
                        }
                    }
                    div class="field" {
                        label for="attachment" { (t(lang, "attachment_label")) }
                        p class="hint" id="attachment-hint" { (t(lang, "attachment_hint")) }
                        input type="file" id="attachment" name="attachment_file" multiple
                            accept=".pdf,.png,.jpg,.jpeg,.csv,.xlsx,.ods" aria-describedby="attachment-hint";
                    }
                    (field(&Notices::default(), Field::text(lang, "attachment_description", "attachment_description_label", form.get("attachment_description"))))
                }
                div class="field" {
                    label for="note" { (t(lang, "note_label")) }
                    textarea id="note" name="note" rows="3" { (form.get("note")) }
                }
                (form_end(lang, context, "document_findings_heading"))
            }
            script src="/static/site.js" {}
        }))
    }
}

/// The notices of a document form with the findings that are errors added beside their fields, for the
/// summary at the top.
pub(crate) fn summary_notices(lang: Lang, notices: &Notices, context: &FormPage) -> Notices {
    let mut all_notices = Notices {
        form_error: notices.form_error.clone(),
        fields: notices
            .fields
            .iter()
            .map(|e| super::FieldError::new(e.field.clone(), e.message.clone()))
            .collect(),
        info: notices.info.clone(),
    };
    for (field, finding) in &context.findings {
        if let Some(field) = field
            && matches!(
                finding.severity,
                cie_domain::Severity::Fatal | cie_domain::Severity::Error
            )
        {
            all_notices.fields.push(super::FieldError::new(
                field.clone(),
                finding_text(lang, finding),
            ));
        }
    }
    all_notices
}

/// The end of a document form: the findings on the document as a whole (under the heading `heading_key`),
/// the confirmation that errors found are sent knowingly, and the check, send and save buttons.
pub(crate) fn form_end(lang: Lang, context: &FormPage, heading_key: &str) -> Markup {
    let whole_form: Vec<&(Option<String>, Finding)> = context
        .findings
        .iter()
        .filter(|(f, _)| f.is_none())
        .collect();
    let has_errors = context
        .findings
        .iter()
        .any(|(_, f)| matches!(f.severity, cie_domain::Severity::Error));
    html! {
        @if !whole_form.is_empty() {
            section aria-labelledby="document-findings" {
                h2 id="document-findings" { (t(lang, heading_key)) }
                ul { @for (_, finding) in &whole_form { li class={ "sev-" (finding.severity.as_str()) } { (finding_text(lang, finding)) } } }
            }
        }
        @if context.checked && has_errors {
            div class="check" {
                input type="checkbox" id="confirm_errors" name="confirm_errors" value="1";
                label for="confirm_errors" { (t(lang, "confirm_errors_label")) }
            }
        }
        div class="buttons" {
            button type="submit" name="action" value="check" { (t(lang, "check_button")) }
            " "
            button type="submit" name="action" value="send" { (t(lang, "send_button")) }
            " "
            button type="submit" name="action" value="save" class="secondary" { (t(lang, "save_draft_button")) }
        }
    }
}

/// The person's drafts.
pub(crate) fn drafts(frame: &Frame, drafts: &[cie_store::Draft]) -> Markup {
    let lang = frame.lang;
    let title = t(lang, "drafts_title");
    layout(
        frame,
        &title,
        html! {
            @if drafts.is_empty() {
                p { (t(lang, "no_drafts")) }
            } @else {
                table {
                    caption { (t(lang, "drafts_caption")) }
                    thead { tr {
                        th scope="col" { (t(lang, "col_draft")) }
                        th scope="col" { (t(lang, "col_saved")) }
                        th scope="col" { (t(lang, "col_action")) }
                    } }
                    tbody {
                        @for draft in drafts {
                            tr {
                                th scope="row" { a href={ (AnswerKind::of_draft(&draft.kind).map_or("/invoices/new", AnswerKind::path)) "?draft=" (draft.id) } { (draft.title) } }
                                td { (date_time(draft.updated_at)) }
                                td {
                                    form method="post" action={ "/drafts/" (draft.id) "/delete" } class="inline" {
                                        input type="hidden" name="csrf" value=(frame.csrf());
                                        button type="submit" class="secondary" { (t(lang, "delete_draft_button")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

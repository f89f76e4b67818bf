//! Templates of the staff console: the archive search, the payment export's status, and the forms that
//! issue an order or a request for quotation.

use cie_domain::DocumentKind;
use maud::{Markup, html};

use super::documents::{date_time, document_table, kind_name};
use super::{Field, Frame, Notices, field, layout, select, summary};
use crate::finance::{ExportRecordView, ExportStatus};
use crate::records::{DocumentView, PageView};
use crate::web::FormFields;
use crate::web::console::{IssueForm, IssueKind};
use crate::web::i18n::{Lang, t, t_with};
use crate::web::money;

/// The fields of the archive search, carried into the CSV link and the page links.
const SEARCH_FIELDS: [&str; 6] = [
    "date_from",
    "date_to",
    "amount_min",
    "amount_max",
    "counterparty",
    "kind",
];

/// The search as typed, as a query string (without the page).
fn search_query(fields: &FormFields) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for name in SEARCH_FIELDS {
        let value = fields.get(name);
        if !value.is_empty() {
            query.append_pair(name, value);
        }
    }
    query.finish()
}

/// The archive search (電子帳簿保存法): the form with what was typed, and the results when the search ran.
pub(crate) fn archive(
    frame: &Frame,
    fields: &FormFields,
    found: Option<&PageView<DocumentView>>,
    notices: &Notices,
) -> Markup {
    let lang = frame.lang;
    let title = t(lang, "archive_title");
    let query = search_query(fields);
    let kind = fields.get("kind");
    let kinds: Vec<(String, String)> =
        std::iter::once((String::new(), t(lang, "archive_all_kinds")))
            .chain(
                DocumentKind::ALL
                    .iter()
                    .map(|k| (k.as_str().to_owned(), kind_name(lang, *k))),
            )
            .collect();
    layout(
        frame,
        &title,
        html! {
            (summary(lang, notices))
            p { (t(lang, "archive_intro")) }
            form method="get" action="/archive" novalidate {
                fieldset {
                    legend { (t(lang, "archive_date_legend")) }
                    (field(notices, Field::text(lang, "date_from", "archive_from_label", fields.get("date_from")).kind("date").hint(t(lang, "archive_date_hint"))))
                    (field(notices, Field::text(lang, "date_to", "archive_to_label", fields.get("date_to")).kind("date")))
                }
                fieldset {
                    legend { (t(lang, "archive_amount_legend")) }
                    (field(notices, Field::text(lang, "amount_min", "archive_amount_min_label", fields.get("amount_min")).hint(t(lang, "archive_amount_hint"))))
                    (field(notices, Field::text(lang, "amount_max", "archive_amount_max_label", fields.get("amount_max"))))
                }
                (field(notices, Field::text(lang, "counterparty", "archive_counterparty_label", fields.get("counterparty")).hint(t(lang, "archive_counterparty_hint"))))
                (select(notices, ("kind", t(lang, "filter_kind")), &kinds, kind))
                button type="submit" { (t(lang, "archive_search_button")) }
            }
            @if let Some(found) = found {
                section aria-labelledby="results-heading" {
                    h2 id="results-heading" { (t(lang, "archive_results_heading")) }
                    p role="status" {
                        @if found.total_exact {
                            (t_with(lang, "archive_count", &[("count", &found.total.to_string())]))
                        } @else {
                            (t_with(lang, "archive_count_over", &[("count", &found.total.to_string())]))
                        }
                    }
                    @if found.items.is_empty() {
                        p { (t(lang, "archive_none")) }
                    } @else {
                        p class="downloads" {
                            a href={ "/archive.csv?" (query) } download { (t(lang, "archive_csv_link")) }
                        }
                        (document_table(lang, &found.items, &t(lang, "archive_caption")))
                        (pages(lang, found, &query))
                    }
                }
            }
        },
    )
}

/// Links to the pages of a long result.
fn pages(lang: Lang, found: &PageView<DocumentView>, query: &str) -> Markup {
    let pages = (found.total + found.per_page - 1) / found.per_page.max(1);
    let separator = if query.is_empty() { "" } else { "&" };
    html! {
        @if pages > 1 {
            nav class="pages" aria-label=(t(lang, "pages_label")) {
                @if found.page > 1 {
                    a href={ "/archive?" (query) (separator) "page=" (found.page - 1) } rel="prev" { (t(lang, "archive_previous")) }
                    " "
                }
                @for number in (found.page - 5).max(1)..=(found.page + 5).min(pages) {
                    @if number == found.page {
                        span aria-current="page" { (number) }
                    } @else {
                        a href={ "/archive?" (query) (separator) "page=" (number) } { (number) }
                    }
                    " "
                }
                @if found.page < pages {
                    a href={ "/archive?" (query) (separator) "page=" (found.page + 1) } rel="next" { (t(lang, "archive_next")) }
                }
            }
        }
    }
}

/// The words of a held-back record's field.
fn export_field_name(lang: Lang, field: &str) -> String {
    let key = match field {
        "accounting_unit" => "export_field_accounting_unit",
        "department" => "export_field_department",
        "creditor_number" => "export_field_creditor_number",
        "creditor_address" => "export_field_creditor_address",
        "creditor" => "export_field_creditor",
        "bank" => "export_field_bank",
        other => return other.to_owned(),
    };
    t(lang, key)
}

/// Where one record stands with the finance system.
fn export_state(lang: Lang, record: &ExportRecordView) -> Markup {
    html! {
        @if let Some(at) = record.acked_at {
            (t_with(lang, "export_state_acknowledged", &[("at", &date_time(at))]))
        } @else if record.held_back.is_some() {
            strong class="flag-bad" { (t(lang, "export_state_held_back")) }
        } @else if let Some(until) = record.leased_until {
            (t_with(lang, "export_state_pulled", &[("until", &date_time(until))]))
        } @else {
            (t(lang, "export_state_waiting"))
        }
    }
}

/// A table of export records.
fn export_table(lang: Lang, records: &[ExportRecordView], caption: &str) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead { tr {
                th scope="col" class="num" { (t(lang, "export_col_seq")) }
                th scope="col" { (t(lang, "export_col_kind")) }
                th scope="col" { (t(lang, "col_number")) }
                th scope="col" { (t(lang, "col_counterparty")) }
                th scope="col" class="num" { (t(lang, "col_amount")) }
                th scope="col" { (t(lang, "payment_date_label")) }
                th scope="col" { (t(lang, "export_col_created")) }
                th scope="col" { (t(lang, "col_status")) }
            } }
            tbody {
                @for record in records {
                    @let snapshot = &record.snapshot;
                    tr {
                        td class="num" { (record.seq) }
                        td {
                            @match record.kind {
                                cie_store::ExportKind::Payment => { (t(lang, "export_kind_payment")) }
                                cie_store::ExportKind::Cancellation => { (t(lang, "export_kind_cancellation")) }
                            }
                        }
                        th scope="row" { a href={ "/documents/" (record.document_id) } { (snapshot.invoice_number) } }
                        td { (snapshot.supplier_name.as_deref().unwrap_or("—")) }
                        td class="num" { (money(snapshot.payable_amount, snapshot.currency.as_deref())) }
                        td { (snapshot.approval.payment_date) }
                        td { (date_time(record.created_at)) }
                        td { (export_state(lang, record)) }
                    }
                }
            }
        }
    }
}

/// Where the payment export to the finance system stands.
pub(crate) fn exports(frame: &Frame, status: &ExportStatus) -> Markup {
    let lang = frame.lang;
    let title = t(lang, "exports_title");
    let counts = &status.counts;
    let held: Vec<&ExportRecordView> = status
        .pending
        .iter()
        .filter(|r| r.held_back.is_some())
        .collect();
    layout(
        frame,
        &title,
        html! {
            p { (t(lang, "exports_intro")) }
            dl class="facts" {
                dt { (t(lang, "exports_pending_label")) } dd { strong { (counts.pending) } }
                dt { (t(lang, "exports_pulled_label")) } dd { (counts.pulled) }
                dt { (t(lang, "exports_held_label")) } dd { @if counts.held_back > 0 { strong class="flag-bad" { (counts.held_back) } } @else { "0" } }
                dt { (t(lang, "exports_acknowledged_label")) } dd { (counts.acknowledged) }
                dt { (t(lang, "exports_last_ack_label")) } dd {
                    @if let Some(at) = counts.last_acked_at { (date_time(at)) } @else { (t(lang, "exports_never")) }
                }
            }
            @if !held.is_empty() {
                section aria-labelledby="held-heading" {
                    h2 id="held-heading" { (t(lang, "exports_held_heading")) }
                    p { (t(lang, "exports_held_intro")) }
                    table {
                        caption class="visually-hidden" { (t(lang, "exports_held_heading")) }
                        thead { tr {
                            th scope="col" { (t(lang, "col_number")) }
                            th scope="col" { (t(lang, "col_counterparty")) }
                            th scope="col" { (t(lang, "exports_col_reasons")) }
                        } }
                        tbody {
                            @for record in &held {
                                tr {
                                    th scope="row" { a href={ "/documents/" (record.document_id) } { (record.snapshot.invoice_number) } }
                                    td { (record.snapshot.supplier_name.as_deref().unwrap_or("—")) }
                                    td {
                                        ul {
                                            @for problem in record.held_back.as_deref().unwrap_or_default() {
                                                li { strong { (export_field_name(lang, &problem.field)) } ": " (problem.message) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="pending-heading" {
                h2 id="pending-heading" { (t(lang, "exports_pending_heading")) }
                @if status.pending.is_empty() {
                    p { (t(lang, "exports_pending_none")) }
                } @else {
                    (export_table(lang, &status.pending, &t(lang, "exports_pending_caption")))
                }
            }
            section aria-labelledby="acknowledged-heading" {
                h2 id="acknowledged-heading" { (t(lang, "exports_acknowledged_heading")) }
                @if status.acknowledged.is_empty() {
                    p { (t(lang, "exports_acknowledged_none")) }
                } @else {
                    (export_table(lang, &status.acknowledged, &t(lang, "exports_acknowledged_caption")))
                }
            }
        },
    )
}

use crate::web::forms::UNITS;

/// One input of a line row, labelled for screen readers, with its error above it.
fn line_input(notices: &Notices, id: &str, label: &str, value: &str, class: &str) -> Markup {
    let error = notices.field(id);
    html! {
        td class=[error.map(|_| "has-error")] {
            label for=(id) class="visually-hidden" { (label) }
            @if let Some(error) = error { p class="field-error" id={ (id) "-error" } { (error) } }
            input type="text" id=(id) name=(id) value=(value) class=(class) autocomplete="off"
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| format!("{id}-error"))];
        }
    }
}

/// The unit choice of a line row.
fn unit_select(lang: Lang, notices: &Notices, id: &str, label: &str, value: &str) -> Markup {
    let error = notices.field(id);
    let value = if value.is_empty() { UNITS[0].0 } else { value };
    html! {
        td class=[error.map(|_| "has-error")] {
            label for=(id) class="visually-hidden" { (label) }
            @if let Some(error) = error { p class="field-error" id={ (id) "-error" } { (error) } }
            select id=(id) name=(id) aria-invalid=[error.map(|_| "true")] {
                @for (code, key) in UNITS {
                    option value=(code) selected[code == value] { (t(lang, key)) " (" (code) ")" }
                }
                @if !UNITS.iter().any(|(code, _)| *code == value) {
                    option value=(value) selected { (value) }
                }
            }
        }
    }
}

/// The form that issues an order or a request for quotation, with what was typed and its problems.
pub(crate) fn issue(frame: &Frame, form: &IssueForm) -> Markup {
    let lang = frame.lang;
    let order = form.kind == IssueKind::Order;
    let title = if order {
        t(lang, "issue_order_title")
    } else {
        t(lang, "issue_rfq_title")
    };
    let typed = &form.typed;
    let notices = &form.notices;
    let value = |name: &str| typed.get(name).to_owned();
    let today = frame.today.to_string();
    let issue_date = if typed.pairs().is_empty() {
        today
    } else {
        value("issue_date")
    };
    let suppliers: Vec<(String, String)> = std::iter::once((String::new(), t(lang, "issue_pick")))
        .chain(form.suppliers.iter().map(|org| {
            let text = match &org.registration_number {
                Some(number) => format!("{} ({number})", org.name),
                None => format!("{} ({})", org.name, t(lang, "issue_not_registered")),
            };
            (org.id.to_string(), text)
        }))
        .collect();
    let buyers: Vec<(String, String)> = std::iter::once((String::new(), t(lang, "issue_pick")))
        .chain(
            form.buyers
                .iter()
                .map(|buyer| (buyer.id.to_string(), buyer.name.clone())),
        )
        .collect();
    let buyer = if typed.pairs().is_empty() && form.buyers.len() == 1 {
        form.buyers[0].id.to_string()
    } else {
        value("buyer")
    };
    layout(
        frame,
        &title,
        html! {
            (summary(lang, notices))
            @if order { p { (t(lang, "issue_order_intro")) } } @else { p { (t(lang, "issue_rfq_intro")) } }
            @if form.buyers.is_empty() {
                p class="notice" { (t(lang, "issue_no_buyers")) }
            }
            form method="post" action=(form.kind.path()) novalidate {
                input type="hidden" name="csrf" value=(frame.csrf());
                input type="hidden" name="rows" value=(form.rows);
                fieldset {
                    legend { (t(lang, "issue_parties_legend")) }
                    (select(notices, ("supplier_org_id", t(lang, "issue_supplier_label")), &suppliers, typed.get("supplier_org_id")))
                    (select(notices, ("buyer", t(lang, "issue_buyer_label")), &buyers, &buyer))
                }
                (field(notices, Field::text(lang, "number", if order { "issue_order_number_label" } else { "issue_rfq_number_label" }, typed.get("number")).required()))
                (field(notices, Field::text(lang, "issue_date", "issue_date_label", &issue_date).kind("date").required()))
                @if order {
                    (field(notices, Field::text(lang, "commitment_number", "commitment_number_label", typed.get("commitment_number")).hint(t(lang, "issue_commitment_hint"))))
                    div class="check" {
                        input type="checkbox" id="response_requested" name="response_requested" value="1"
                            checked[typed.ticked("response_requested")];
                        label for="response_requested" { (t(lang, "issue_response_requested_label")) }
                    }
                } @else {
                    (field(notices, Field::text(lang, "due_date", "issue_due_date_label", typed.get("due_date")).kind("date")))
                }
                fieldset {
                    legend { (t(lang, "issue_delivery_legend")) }
                    (field(notices, Field::text(lang, "delivery_postal_zone", "issue_postal_zone_label", typed.get("delivery_postal_zone")).autocomplete("postal-code")))
                    (field(notices, Field::text(lang, "delivery_city", "issue_city_label", typed.get("delivery_city"))))
                    (field(notices, Field::text(lang, "delivery_street", "issue_street_label", typed.get("delivery_street"))))
                    (field(notices, Field::text(lang, "delivery_from", "issue_delivery_from_label", typed.get("delivery_from")).kind("date")))
                    (field(notices, Field::text(lang, "delivery_to", "issue_delivery_to_label", typed.get("delivery_to")).kind("date")))
                }
                div class={ "field" @if notices.field("note").is_some() { " has-error" } } {
                    label for="note" { (t(lang, "issue_note_label")) }
                    @if let Some(error) = notices.field("note") { p class="field-error" id="note-error" { (error) } }
                    textarea id="note" name="note" rows="3" { (typed.get("note")) }
                }
                table class="lines" {
                    caption { (t(lang, "issue_lines_caption")) }
                    thead { tr {
                        th scope="col" class="num" { (t(lang, "issue_col_line")) }
                        th scope="col" { (t(lang, "issue_col_item")) }
                        th scope="col" class="num" { (t(lang, "issue_col_quantity")) }
                        th scope="col" { (t(lang, "issue_col_unit")) }
                        @if order { th scope="col" class="num" { (t(lang, "issue_col_price")) } }
                    } }
                    tbody {
                        @for row in 0..form.rows {
                            @let number = (row + 1).to_string();
                            @let label = |key: &str| t_with(lang, key, &[("line", &number)]);
                            tr {
                                td class="num" { (number) }
                                (line_input(notices, &format!("l{row}_name"), &label("issue_line_item"), typed.get(&format!("l{row}_name")), "wide"))
                                (line_input(notices, &format!("l{row}_quantity"), &label("issue_line_quantity"), typed.get(&format!("l{row}_quantity")), "num"))
                                (unit_select(lang, notices, &format!("l{row}_unit"), &label("issue_line_unit"), typed.get(&format!("l{row}_unit"))))
                                @if order {
                                    (line_input(notices, &format!("l{row}_price"), &label("issue_line_price"), typed.get(&format!("l{row}_price")), "num"))
                                }
                            }
                        }
                    }
                }
                p class="hint" { (t(lang, "issue_lines_hint")) }
                button type="submit" {
                    @if order { (t(lang, "issue_order_button")) } @else { (t(lang, "issue_rfq_button")) }
                }
                " "
                button type="submit" name="add_line" value="1" class="secondary" { (t(lang, "issue_add_line")) }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_and_held_back_field_has_its_words() {
        for lang in [Lang::Ja, Lang::En] {
            for (_, key) in UNITS {
                assert_ne!(t(lang, key), key);
            }
            for field in [
                "accounting_unit",
                "department",
                "creditor_number",
                "creditor_address",
                "creditor",
                "bank",
            ] {
                assert!(!export_field_name(lang, field).starts_with("export_field_"));
            }
        }
    }
}

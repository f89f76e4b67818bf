//! Templates of documents: the list, the document page and the upload page.

use cie_domain::{DocumentKind, Finding, Role, Severity};
use maud::{Markup, html};

use super::{Frame, Notices, layout, summary};
use crate::records::{DocumentView, PageView};
use crate::web::documents::DocumentPage;
use crate::web::i18n::{Lang, t, t_with};
use crate::web::{japan, money};

/// The words of a document's kind.
pub(crate) fn kind_name(lang: Lang, kind: DocumentKind) -> String {
    t(lang, &format!("kind_{}", kind.as_str()))
}

/// The words of where a document stands: its invoice state, else its intake status.
pub(crate) fn status_name(lang: Lang, document: &DocumentView) -> String {
    match document.workflow_state {
        Some(state) => t(lang, &format!("state_{}", state.as_str())),
        None => t(lang, &format!("status_{}", document.status.as_str())),
    }
}

fn severity_name(lang: Lang, severity: Severity) -> String {
    t(lang, &format!("severity_{}", severity.as_str()))
}

pub(crate) fn date_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&japan())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The kinds a list can be narrowed to.
const LISTED_KINDS: [DocumentKind; 6] = [
    DocumentKind::Invoice,
    DocumentKind::CreditNote,
    DocumentKind::Order,
    DocumentKind::RequestForQuotation,
    DocumentKind::Quotation,
    DocumentKind::DespatchAdvice,
];

/// The caller's documents (a supplier's own; the city's for staff), newest first, narrowed by kind.
pub(crate) fn list(
    frame: &Frame,
    found: &PageView<DocumentView>,
    kind: Option<&str>,
    notices: &Notices,
) -> Markup {
    let lang = frame.lang;
    let title = t(lang, "documents_title");
    let pages = (found.total + found.per_page - 1) / found.per_page.max(1);
    layout(
        frame,
        &title,
        html! {
            (summary(lang, notices))
            form method="get" action="/documents" class="filters" {
                div class="field" {
                    label for="kind" { (t(lang, "filter_kind")) }
                    select id="kind" name="kind" {
                        option value="" { (t(lang, "filter_all")) }
                        @for k in LISTED_KINDS {
                            option value=(k.as_str()) selected[kind == Some(k.as_str())] { (kind_name(lang, k)) }
                        }
                    }
                }
                button type="submit" { (t(lang, "filter_button")) }
            }
            @if found.items.is_empty() {
                p { (t(lang, "no_documents")) }
            } @else {
                (document_table(lang, &found.items, &t(lang, "documents_caption")))
                @if pages > 1 {
                    nav class="pages" aria-label=(t(lang, "pages_label")) {
                        @for number in 1..=pages.min(20) {
                            @if number == found.page {
                                span aria-current="page" { (number) }
                            } @else {
                                a href={ "/documents?page=" (number) @if let Some(k) = kind { "&kind=" (k) } } { (number) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A table of documents linking to their pages.
pub(crate) fn document_table(lang: Lang, items: &[DocumentView], caption: &str) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead {
                tr {
                    th scope="col" { (t(lang, "col_number")) }
                    th scope="col" { (t(lang, "col_kind")) }
                    th scope="col" { (t(lang, "col_counterparty")) }
                    th scope="col" { (t(lang, "col_issue_date")) }
                    th scope="col" class="num" { (t(lang, "col_amount")) }
                    th scope="col" { (t(lang, "col_received")) }
                    th scope="col" { (t(lang, "col_status")) }
                }
            }
            tbody {
                @for document in items {
                    tr {
                        th scope="row" { a href={ "/documents/" (document.id) } { (document.number) } }
                        td { (kind_name(lang, document.kind)) }
                        td { (document.summary.supplier.name.as_deref().unwrap_or("—")) }
                        td { (document.issue_date.format("%Y-%m-%d")) }
                        td class="num" {
                            @if let Some(amount) = &document.summary.totals.payable {
                                (money(amount.value, amount.currency.as_deref().or(document.summary.currency.as_deref())))
                            } @else { "—" }
                        }
                        td { (date_time(document.received_at)) }
                        td { (status_name(lang, document)) }
                    }
                }
            }
        }
    }
}

/// A refused step form: the refusal or problems, and what was typed, to show again.
#[derive(Default)]
pub(crate) struct StepNotices {
    /// The refusal or problems of the step form.
    pub(crate) notices: Notices,
    /// The fields as posted.
    pub(crate) typed: Vec<(String, String)>,
}

impl StepNotices {
    /// What was typed in `name`, if the form was posted.
    pub(crate) fn typed(&self, name: &str) -> Option<&str> {
        self.typed
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The document page: facts, amounts, the workflow, findings, links, history and the person's steps.
pub(crate) fn document(
    frame: &Frame,
    page: &DocumentPage,
    notices: &Notices,
    steps: &StepNotices,
) -> Markup {
    let lang = frame.lang;
    let document = &page.document;
    let summary_data = &document.summary;
    let currency = summary_data.currency.as_deref();
    let title = t_with(
        lang,
        "document_title",
        &[
            ("kind", &kind_name(lang, document.kind)),
            ("number", &document.number),
        ],
    );
    let role = frame.person.as_ref().map(|p| p.role);
    let findings: &[Finding] = document
        .validation
        .as_ref()
        .map_or(&[], |v| v.findings.as_slice());
    html! {
        (layout(frame, &title, html! {
            (summary(lang, notices))
            (summary(lang, &steps.notices))
            div class="columns" {
                section aria-labelledby="facts-heading" {
                    h2 id="facts-heading" { (t(lang, "facts_heading")) }
                    dl class="facts" {
                        dt { (t(lang, "col_status")) } dd { strong { (status_name(lang, document)) } }
                        dt { (t(lang, "col_issue_date")) } dd { (document.issue_date.format("%Y-%m-%d")) }
                        dt { (t(lang, "col_received")) } dd { (date_time(document.received_at)) }
                        dt { (t(lang, "supplier_label")) } dd { (summary_data.supplier.name.as_deref().unwrap_or("—")) }
                        dt { (t(lang, "registration_number_label")) } dd { (summary_data.supplier.registration_number.as_deref().unwrap_or("—")) }
                        dt { (t(lang, "buyer_label")) } dd { (summary_data.buyer.name.as_deref().unwrap_or("—")) }
                        dt { (t(lang, "version_label")) } dd { (document.version) }
                        dt { (t(lang, "sha256_label")) } dd class="hash" { (document.content_sha256) }
                    }
                    p class="downloads" {
                        a href={ "/documents/" (document.id) "/pdf" } download { (t(lang, "download_pdf")) }
                        " "
                        a href={ "/documents/" (document.id) "/xml" } download { (t(lang, "download_xml")) }
                    }
                }
                section aria-labelledby="amounts-heading" {
                    h2 id="amounts-heading" { (t(lang, "amounts_heading")) }
                    dl class="facts" {
                        @if let Some(a) = &summary_data.totals.tax_exclusive {
                            dt { (t(lang, "tax_exclusive_label")) } dd class="num" { (money(a.value, currency)) }
                        }
                        @for sub in &summary_data.tax_breakdown {
                            dt { (t_with(lang, "tax_of_rate", &[("rate", &sub.percent.map(|p| p.normalize().to_string()).unwrap_or_else(|| sub.category.clone()))])) }
                            dd class="num" {
                                (money(sub.tax.value, currency))
                                @if let Some(taxable) = &sub.taxable { " (" (t(lang, "taxable_label")) " " (money(taxable.value, currency)) ")" }
                            }
                        }
                        @if let Some(a) = &summary_data.totals.payable {
                            dt { (t(lang, "payable_label")) } dd class="num" { strong { (money(a.value, currency)) } }
                        }
                    }
                }
            }
            @if let Some(case) = &page.case {
                (super::staff::case_section(frame, case))
            }
            @if matches!(role, Some(Role::Supplier)) {
                (supplier_next_steps(lang, page))
            }
            @if let Some(case) = &page.case {
                @if matches!(role, Some(Role::Staff | Role::Approver | Role::Finance)) {
                    (super::staff::step_forms(frame, case, steps))
                }
            }
            section aria-labelledby="findings-heading" {
                h2 id="findings-heading" { (t(lang, "findings_heading")) }
                @if let Some(validation) = &document.validation {
                    p { (t(lang, "rule_sets_label")) ": " (validation.rule_sets.join(", ")) }
                    @if let Some(registry) = &validation.registry {
                        p { (t(lang, "registry_label")) ": " (registry_words(lang, registry)) }
                    }
                }
                (findings_table(lang, findings))
            }
            @if !page.attachments.is_empty() {
                section aria-labelledby="attachments-heading" {
                    h2 id="attachments-heading" { (t(lang, "attachments_heading")) }
                    ul {
                        @for file in &page.attachments {
                            li {
                                a href={ "/documents/" (document.id) "/attachments/" (file.number) } download {
                                    (file.filename.as_deref().or(file.description.as_deref()).unwrap_or("—"))
                                }
                                " (" (file.description.as_deref().unwrap_or("")) ", " (file.mime_code.as_deref().unwrap_or("?")) ", "
                                (t_with(lang, "size_kb", &[("kb", &file.size.div_ceil(1024).to_string())])) ")"
                            }
                        }
                    }
                }
            }
            @if let Some(matching) = &page.matching {
                (super::staff::matching_section(lang, matching))
            }
            @if let Some(links) = &page.links {
                @if !links.references.is_empty() || !links.referenced_by.is_empty() {
                    section aria-labelledby="links-heading" {
                        h2 id="links-heading" { (t(lang, "links_heading")) }
                        ul {
                            @for reference in &links.references {
                                li {
                                    (t(lang, reference_key(reference.kind))) " " (reference.number) ": "
                                    @if reference.documents.is_empty() { (t(lang, "not_received")) }
                                    @for linked in &reference.documents {
                                        a href={ "/documents/" (linked.id) } { (kind_name(lang, linked.kind)) " " (linked.number) } " "
                                    }
                                }
                            }
                            @for linked in &links.referenced_by {
                                li { (t(lang, "referenced_by")) " " a href={ "/documents/" (linked.id) } { (kind_name(lang, linked.kind)) " " (linked.number) } }
                            }
                        }
                    }
                }
            }
            @if !page.history.is_empty() {
                section aria-labelledby="history-heading" {
                    h2 id="history-heading" { (t(lang, "history_heading")) }
                    table {
                        caption class="visually-hidden" { (t(lang, "history_heading")) }
                        thead { tr {
                            th scope="col" { (t(lang, "col_when")) }
                            th scope="col" { (t(lang, "col_action")) }
                            th scope="col" { (t(lang, "col_by")) }
                            th scope="col" { (t(lang, "col_state_after")) }
                        } }
                        tbody {
                            @for entry in &page.history {
                                tr {
                                    td { (date_time(entry.at)) }
                                    td { (t(lang, &format!("action_{}", entry.action))) }
                                    td { (t(lang, &format!("role_{}", entry.actor_role))) " #" (entry.actor_id) }
                                    td { (t(lang, &format!("state_{}", entry.after_state))) }
                                }
                            }
                        }
                    }
                }
            }
        }))
    }
}

fn reference_key(kind: cie_domain::ReferenceKind) -> &'static str {
    use cie_domain::ReferenceKind;
    match kind {
        ReferenceKind::Order => "reference_order",
        ReferenceKind::Despatch => "reference_despatch",
        ReferenceKind::Receipt => "reference_receipt",
        ReferenceKind::Invoice => "reference_invoice",
        ReferenceKind::Quotation => "reference_quotation",
        ReferenceKind::RequestForQuotation => "reference_request_for_quotation",
        ReferenceKind::Contract => "reference_contract",
    }
}

/// What the registry said, in words with its data date.
fn registry_words(lang: Lang, registry: &serde_json::Value) -> String {
    let status = registry
        .get("status")
        .and_then(|s| s.as_str())
        .unwrap_or("unknown");
    let date = registry
        .get("data_date")
        .and_then(|s| s.as_str())
        .unwrap_or("—");
    t_with(lang, &format!("registry_{status}"), &[("date", date)])
}

/// The findings of the rules, worst first, with where they are.
pub(crate) fn findings_table(lang: Lang, findings: &[Finding]) -> Markup {
    html! {
        @if findings.is_empty() {
            p class="ok" { (t(lang, "no_findings")) }
        } @else {
            table class="findings" {
                caption class="visually-hidden" { (t(lang, "findings_heading")) }
                thead { tr {
                    th scope="col" { (t(lang, "col_severity")) }
                    th scope="col" { (t(lang, "col_message")) }
                    th scope="col" { (t(lang, "col_rule")) }
                    th scope="col" { (t(lang, "col_location")) }
                } }
                tbody {
                    @for finding in findings {
                        tr class={ "sev-" (finding.severity.as_str()) } {
                            td { (severity_name(lang, finding.severity)) }
                            td { (if lang == Lang::Ja { &finding.message_ja } else { &finding.message_en }) }
                            td { code { (finding.rule_id) } }
                            td {
                                code class="path" { (finding.location.path) }
                                @if finding.location.line > 0 { " (" (t(lang, "line_label")) " " (finding.location.line) ")" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What a supplier can do next with the document: correct a returned invoice, answer an RFQ or an order.
fn supplier_next_steps(lang: Lang, page: &DocumentPage) -> Markup {
    let document = &page.document;
    let returned = page.case.as_ref().is_some_and(|c| {
        c.case.state == cie_workflow::InvoiceState::Returned
            && c.case.superseded_by_document_id.is_none()
    }) || (document.status == cie_domain::DocumentStatus::Rejected
        && document.kind == DocumentKind::Invoice);
    let links: Vec<(String, String)> = match document.kind {
        DocumentKind::Invoice if returned => vec![(
            format!("/invoices/new?corrects={}", document.id),
            t(lang, "action_correct_invoice"),
        )],
        DocumentKind::RequestForQuotation => vec![(
            format!("/quotations/new?rfq={}", document.id),
            t(lang, "action_quote"),
        )],
        DocumentKind::Order => vec![
            (
                format!("/order-responses/new?order={}", document.id),
                t(lang, "action_acknowledge_order"),
            ),
            (
                format!("/despatch-advices/new?order={}", document.id),
                t(lang, "action_send_delivery_note"),
            ),
            (
                format!("/invoices/new?order={}", document.id),
                t(lang, "action_invoice_order"),
            ),
        ],
        _ => Vec::new(),
    };
    html! {
        @if !links.is_empty() {
            section aria-labelledby="next-heading" {
                h2 id="next-heading" { (t(lang, "next_steps_heading")) }
                ul class="tasks" {
                    @for (href, text) in &links { li { a href=(href) { (text) } } }
                }
            }
        }
    }
}

/// The upload page, with the findings of a refused document when there are.
pub(crate) fn upload(
    frame: &Frame,
    notices: &Notices,
    refused: Option<(Option<i64>, &[Finding])>,
) -> Markup {
    let lang = frame.lang;
    let title = t(lang, "upload_title");
    let error = notices.field("file");
    layout(
        frame,
        &title,
        html! {
            (summary(lang, notices))
            p { (t(lang, "upload_intro")) }
            form method="post" action="/upload" enctype="multipart/form-data" class="narrow" {
                input type="hidden" name="csrf" value=(frame.csrf());
                div class={ "field" @if error.is_some() { " has-error" } } {
                    label for="file" { (t(lang, "file_label")) }
                    p class="hint" id="file-hint" { (t(lang, "file_hint")) }
                    @if let Some(error) = error { p class="field-error" id="file-error" { (error) } }
                    input type="file" id="file" name="file" accept=".xml,application/xml,text/xml" required
                        aria-invalid=[error.map(|_| "true")]
                        aria-describedby={ "file-hint" @if error.is_some() { " file-error" } };
                }
                button type="submit" { (t(lang, "upload_button")) }
            }
            @if let Some((document_id, findings)) = refused {
                section aria-labelledby="refused-heading" {
                    h2 id="refused-heading" { (t(lang, "refused_heading")) }
                    @if let Some(document_id) = document_id {
                        p { a href={ "/documents/" (document_id) } { (t(lang, "refused_record_link")) } }
                    }
                    (findings_table(lang, findings))
                }
            }
        },
    )
}

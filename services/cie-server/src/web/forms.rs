//! The supplier's invoice form: a small business with no e-invoicing software fills in a page and the
//! service writes the JP PINT invoice. The buyer is picked from the city's list, the seller is the
//! organisation the city registered; lines take description, quantity, unit, price and tax category;
//! totals and tax per rate are computed as the law rounds them (and shown live by a small script);
//! attachments (PDF or image of a 納品書 or 内訳書) are embedded. "Check" writes the invoice and runs the
//! rules intake runs, showing each finding beside the field or line it concerns; every post keeps a draft,
//! so nothing typed is lost. "Send" sends the written invoice through intake, as an upload would be. The
//! answer forms (`answers`) read their line rows and dates, decide after a check and send the same way.

use axum::Router;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use chrono::NaiveDate;
use cie_compose::{
    AccountType, Attachment, BankAccount, Invoice, InvoiceLine, InvoiceTaxCategory, TaxRounding,
};
use cie_domain::{Finding, Severity};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::i18n::{Lang, t, t_with};
use super::views::{self, FieldError, Notices};
use super::{PageError, Visit, page};
use crate::AppState;
use crate::composing::{self, Composed};
use crate::error::Error;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/invoices/new",
            get(new_invoice)
                .post(post_invoice)
                .layer(axum::extract::DefaultBodyLimit::max(24 * 1024 * 1024)),
        )
        .route("/drafts", get(drafts))
        .route("/drafts/{id}/delete", post(delete_draft))
}

/// Rows a new form starts with.
const FIRST_ROWS: usize = 3;
/// Most rows a form takes.
pub(crate) const MAX_ROWS: usize = 200;
/// Largest attachment taken, in bytes.
const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;

/// The units offered for a line (UN/ECE Rec 20 codes JP PINT accepts), with their message keys.
pub(crate) const UNITS: [(&str, &str); 10] = [
    ("H87", "unit_piece"),
    ("C62", "unit_one"),
    ("SET", "unit_set"),
    ("HUR", "unit_hour"),
    ("DAY", "unit_day"),
    ("MON", "unit_month"),
    ("KGM", "unit_kg"),
    ("LTR", "unit_litre"),
    ("MTR", "unit_metre"),
    ("LS", "unit_lump_sum"),
];

/// The tax categories offered for a line, with their message keys.
pub(crate) const TAX_CATEGORIES: [(InvoiceTaxCategory, &str); 4] = [
    (InvoiceTaxCategory::Standard, "tax_standard"),
    (InvoiceTaxCategory::Reduced, "tax_reduced"),
    (InvoiceTaxCategory::Exempt, "tax_exempt"),
    (InvoiceTaxCategory::OutOfScope, "tax_out_of_scope"),
];

/// An attachment kept with the form (in its draft) until the invoice is sent.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub(crate) struct KeptAttachment {
    pub(crate) filename: String,
    pub(crate) mime_code: String,
    pub(crate) description: String,
    /// The bytes, base64.
    pub(crate) content: String,
}

/// The form as typed: its fields in order, and the attachments kept so far.
#[derive(Default)]
pub(crate) struct TypedForm {
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) attachments: Vec<KeptAttachment>,
}

impl TypedForm {
    /// The value of `name`, trimmed; empty when absent.
    pub(crate) fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    pub(crate) fn set(&mut self, name: &str, value: String) {
        match self.fields.iter_mut().find(|(k, _)| k == name) {
            Some(field) => field.1 = value,
            None => self.fields.push((name.to_owned(), value)),
        }
    }

    /// How many line rows the form shows.
    pub(crate) fn rows(&self) -> usize {
        self.get("line_count")
            .parse::<usize>()
            .unwrap_or(FIRST_ROWS)
            .clamp(1, MAX_ROWS)
    }

    /// The fields and attachments as a draft keeps them.
    pub(crate) fn to_draft(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = self
            .fields
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "csrf" | "action" | "draft_id"))
            .cloned()
            .collect();
        for attachment in &self.attachments {
            if let Ok(json) = serde_json::to_string(attachment) {
                pairs.push(("kept_attachment".into(), json));
            }
        }
        pairs
    }

    pub(crate) fn from_draft(pairs: Vec<(String, String)>) -> TypedForm {
        let mut form = TypedForm::default();
        for (name, value) in pairs {
            if name == "kept_attachment" {
                if let Ok(attachment) = serde_json::from_str(&value) {
                    form.attachments.push(attachment);
                }
            } else {
                form.fields.push((name, value));
            }
        }
        form
    }
}

/// Digits, signs and separators typed in full width (１２，０００) made ASCII, commas dropped.
pub(crate) fn half_width_number(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            '．' => Some('.'),
            '－' | 'ー' => Some('-'),
            ',' | '，' | ' ' | '　' | '¥' | '￥' | '円' => None,
            other => Some(other),
        })
        .collect()
}

pub(crate) fn decimal_of(text: &str) -> Option<Decimal> {
    half_width_number(text).parse::<Decimal>().ok()
}

pub(crate) fn date_of(text: &str) -> Option<NaiveDate> {
    let text = half_width_number(text).replace('/', "-");
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()
}

/// The date typed in field `name`; a message when it is no date, or is `required` and empty.
pub(crate) fn read_date(
    lang: Lang,
    form: &TypedForm,
    (name, required): (&str, bool),
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let text = form.get(name);
    if text.is_empty() {
        if required {
            errors.push(FieldError::new(name, t(lang, "error_required")));
        }
        return None;
    }
    let parsed = date_of(text);
    if parsed.is_none() {
        errors.push(FieldError::new(name, t(lang, "error_date")));
    }
    parsed
}

/// A line row as typed, read.
pub(crate) struct TypedLine {
    /// The row of the form it was typed in.
    pub(crate) row: usize,
    pub(crate) name: String,
    pub(crate) quantity: Decimal,
    /// UN/ECE Rec 20 code; `H87` (piece) when none was chosen.
    pub(crate) unit: String,
    pub(crate) price: Decimal,
    pub(crate) category: InvoiceTaxCategory,
}

/// The line rows of a form with name, quantity, unit, price and tax category, those filled in, read; a
/// message per cell that cannot be read, and one when no row is filled in.
pub(crate) fn parse_lines(
    lang: Lang,
    form: &TypedForm,
    errors: &mut Vec<FieldError>,
) -> Vec<TypedLine> {
    let mut lines = Vec::new();
    let mut unreadable = false;
    for row in 0..form.rows() {
        let field = |name: &str| format!("l{row}_{name}");
        let name = form.get(&field("name"));
        let quantity = form.get(&field("quantity"));
        let price = form.get(&field("price"));
        if name.is_empty() && quantity.is_empty() && price.is_empty() {
            continue;
        }
        let quantity_value = decimal_of(quantity);
        if quantity_value.is_none() {
            errors.push(FieldError::new(field("quantity"), t(lang, "error_number")));
        }
        let price_value = decimal_of(price);
        if price_value.is_none() {
            errors.push(FieldError::new(field("price"), t(lang, "error_number")));
        }
        let category = TAX_CATEGORIES
            .iter()
            .map(|(c, _)| *c)
            .find(|c| c.code() == form.get(&field("tax")));
        if category.is_none() {
            errors.push(FieldError::new(field("tax"), t(lang, "error_tax_category")));
        }
        let unit = form.get(&field("unit"));
        match (quantity_value, price_value, category) {
            (Some(quantity), Some(price), Some(category)) => lines.push(TypedLine {
                row,
                name: name.to_owned(),
                quantity,
                unit: if unit.is_empty() {
                    "H87".into()
                } else {
                    unit.to_owned()
                },
                price,
                category,
            }),
            _ => unreadable = true,
        }
    }
    if lines.is_empty() && !unreadable {
        errors.push(FieldError::new("l0_name", t(lang, "error_no_lines")));
    }
    lines
}

/// What the form gives: the invoice (parties to be set by the use case), which form row each invoice line
/// came from, the buyer picked, the seller's address and 法人番号; or the problems with its fields.
pub(crate) struct ParsedInvoice {
    pub(crate) invoice: Invoice,
    pub(crate) rows: Vec<usize>,
    pub(crate) buyer_id: Option<i64>,
    pub(crate) address: cie_compose::Address,
    pub(crate) corporate_number: Option<String>,
}

/// The text trimmed; `None` when nothing is left.
pub(crate) fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// A party with nothing said of it yet, for a use case to set.
pub(crate) fn empty_party() -> cie_compose::TradingParty {
    cie_compose::TradingParty {
        name: String::new(),
        endpoint: None,
        registration_number: None,
        address: None,
        contact: None,
    }
}

/// Reads the typed form into an invoice, collecting a message per field that cannot be read.
pub(crate) fn parse_invoice(
    lang: Lang,
    form: &TypedForm,
    errors: &mut Vec<FieldError>,
) -> ParsedInvoice {
    let issue_date = read_date(lang, form, ("issue_date", true), errors);
    let due_date = read_date(lang, form, ("due_date", false), errors);
    let delivery_date = read_date(lang, form, ("delivery_date", false), errors);
    let typed = parse_lines(lang, form, errors);
    let rows = typed.iter().map(|line| line.row).collect();
    let lines = typed
        .into_iter()
        .enumerate()
        .map(|(index, line)| InvoiceLine {
            id: (index + 1).to_string(),
            item_name: line.name,
            quantity: line.quantity,
            unit_code: line.unit,
            unit_price: line.price,
            tax_category: line.category,
            note: None,
            order_line_reference: None,
            despatch_reference: None,
        })
        .collect();
    let bank_fields = ["bank_code", "branch_code", "account_number", "account_name"];
    let bank_account = if bank_fields.iter().all(|f| form.get(f).is_empty()) {
        None
    } else {
        let account_type = match form.get("account_type") {
            "当座" => AccountType::Current,
            "貯蓄" => AccountType::Savings,
            _ => AccountType::Ordinary,
        };
        Some(BankAccount {
            bank_code: half_width_number(form.get("bank_code")),
            branch_code: half_width_number(form.get("branch_code")),
            branch_name: None,
            account_type,
            account_number: half_width_number(form.get("account_number")),
            account_name: form.get("account_name").to_owned(),
        })
    };
    let buyer_id = form.get("buyer").parse::<i64>().ok();
    if buyer_id.is_none() {
        errors.push(FieldError::new("buyer", t(lang, "error_pick_buyer")));
    }
    let attachments = form
        .attachments
        .iter()
        .filter_map(|kept| {
            let content = base64::engine::general_purpose::STANDARD
                .decode(&kept.content)
                .ok()?;
            Some(Attachment {
                filename: kept.filename.clone(),
                mime_code: kept.mime_code.clone(),
                description: kept.description.clone(),
                content,
            })
        })
        .collect();
    let invoice = Invoice {
        id: form.get("number").to_owned(),
        issue_date: issue_date.unwrap_or(NaiveDate::MIN),
        due_date,
        buyer_reference: optional(form.get("commitment_number")),
        currency: "JPY".into(),
        tax_rounding: TaxRounding::Down,
        note: optional(form.get("note")),
        seller: empty_party(),
        seller_creditor_number: None,
        buyer: empty_party(),
        order_reference: optional(form.get("order_number")),
        despatch_reference: optional(form.get("despatch_number")),
        contract_reference: None,
        delivery_date,
        invoice_period: None,
        bank_account,
        attachments,
        lines,
    };
    if invoice.id.is_empty() {
        errors.push(FieldError::new("number", t(lang, "error_required")));
    }
    ParsedInvoice {
        invoice,
        rows,
        buyer_id,
        address: cie_compose::Address {
            postal_zone: optional(form.get("seller_postal_zone")),
            country_subentity: optional(form.get("seller_prefecture")),
            city_name: form.get("seller_city").to_owned(),
            street_name: optional(form.get("seller_street")),
            additional_street_name: None,
            country: "JP".into(),
        },
        corporate_number: optional(&half_width_number(form.get("corporate_number"))),
    }
}

/// The line-row field (`l{row}_quantity`, …) an input path into a document's lines names (`lines[2].quantity`;
/// `lines[2]` alone is its amount, so its price), `rows` giving the form row of each line written.
pub(crate) fn line_field(path: &str, rows: &[usize]) -> Option<String> {
    let rest = path.strip_prefix("lines[")?;
    let (index, tail) = rest.split_once(']').unwrap_or((rest, ""));
    let row = index
        .parse::<usize>()
        .ok()
        .and_then(|i| rows.get(i).copied())
        .unwrap_or(0);
    let part = match tail.trim_start_matches('.') {
        "quantity" => "quantity",
        "unit_price" | "" => "price",
        "unit_code" => "unit",
        "tax_category" => "tax",
        _ => "name",
    };
    Some(format!("l{row}_{part}"))
}

/// The form field a `cie-compose` input path (`lines[2].quantity`, `seller.address.city_name`) is typed in.
pub(crate) fn field_of_input(path: &str, rows: &[usize]) -> String {
    if let Some(field) = line_field(path, rows) {
        return field;
    }
    let field = match path {
        "id" => "number",
        "issue_date" => "issue_date",
        "due_date" => "due_date",
        "buyer_reference" => "commitment_number",
        "order_reference" => "order_number",
        "despatch_reference" => "despatch_number",
        "note" => "note",
        p if p.starts_with("delivery_date") || p.starts_with("invoice_period") => "delivery_date",
        "seller.address.postal_zone" => "seller_postal_zone",
        "seller.address.country_subentity" => "seller_prefecture",
        "seller.address.street_name" => "seller_street",
        p if p.starts_with("seller.address") => "seller_city",
        p if p.starts_with("seller") => "corporate_number",
        p if p.starts_with("buyer") => "buyer",
        "bank_account.bank_code" => "bank_code",
        "bank_account.branch_code" => "branch_code",
        "bank_account.account_type" => "account_type",
        "bank_account.account_name" => "account_name",
        p if p.starts_with("bank_account") => "account_number",
        p if p.starts_with("attachments") => "attachment",
        "lines" => "l0_name",
        _ => "number",
    };
    field.to_owned()
}

/// The form field a finding on the written invoice concerns, from its location; `None` for the document as
/// a whole (totals, profile).
pub(crate) fn field_of_finding(path: &str, rows: &[usize]) -> Option<String> {
    if let Some(field) = line_field_of_finding(path, "cac:InvoiceLine[", rows) {
        return field;
    }
    let field = if path.contains("AccountingSupplierParty") {
        if path.contains("PostalAddress") {
            "seller_city"
        } else {
            "corporate_number"
        }
    } else if path.contains("AccountingCustomerParty") {
        "buyer"
    } else if path.contains("PaymentMeans") {
        if path.contains("cbc:Name") {
            "account_name"
        } else {
            "account_number"
        }
    } else if path.contains("BuyerReference") {
        "commitment_number"
    } else if path.contains("OrderReference") {
        "order_number"
    } else if path.contains("DespatchDocumentReference") {
        "despatch_number"
    } else if path.contains("AdditionalDocumentReference") {
        "attachment"
    } else if path.contains("InvoicePeriod") || path.contains("cac:Delivery") {
        "delivery_date"
    } else if path.ends_with("cbc:DueDate[1]") {
        "due_date"
    } else if path.ends_with("cbc:IssueDate[1]") {
        "issue_date"
    } else if path == "/Invoice/cbc:ID[1]" {
        "number"
    } else {
        return None;
    };
    Some(field.to_owned())
}

/// The problems `cie-compose` finds in an input, by kind.
pub(crate) const INPUT_PROBLEMS: [&str; 13] = [
    "empty",
    "missing",
    "control_character",
    "no_entries",
    "not_positive",
    "negative",
    "invalid_code",
    "fractional_amount",
    "overflow",
    "duplicate_line_id",
    "date_order",
    "code_not_allowed",
    "reason_required",
];

/// A problem of the input in the page's language; the technical detail follows in English when there is no
/// message for its kind.
pub(crate) fn input_problem(lang: Lang, kind: &str, detail: &str) -> String {
    if INPUT_PROBLEMS.contains(&kind) {
        t_with(lang, &format!("input_{kind}"), &[("detail", detail)])
    } else {
        detail.to_owned()
    }
}

/// The line-row field a finding located in a line (`line` is its element with the bracket,
/// `cac:InvoiceLine[`) concerns: `None` when the finding is not in a line, `Some(None)` when its row is
/// unknown.
pub(crate) fn line_field_of_finding(
    path: &str,
    line: &str,
    rows: &[usize],
) -> Option<Option<String>> {
    let at = path.find(line)?;
    let rest = &path[at + line.len()..];
    let row = rest
        .split(']')
        .next()
        .and_then(|index| index.parse::<usize>().ok())
        .and_then(|index| index.checked_sub(1))
        .map(|index| rows.get(index).copied().unwrap_or(0));
    let part = if rest.contains("cac:Price") {
        "price"
    } else if rest.contains("Quantity") {
        "quantity"
    } else if rest.contains("ClassifiedTaxCategory") {
        "tax"
    } else {
        "name"
    };
    Some(row.map(|row| format!("l{row}_{part}")))
}

/// What the rules' findings on a written document leave the form to do: `None` to send it (asked to,
/// nothing fatal, any error confirmed), else the status to show the form again with, the reason in
/// `notices`.
pub(crate) fn after_check(
    lang: Lang,
    action: &str,
    form: &TypedForm,
    findings: &[(Option<String>, Finding)],
    notices: &mut Notices,
) -> Option<StatusCode> {
    let blocking = findings
        .iter()
        .any(|(_, f)| matches!(f.severity, Severity::Fatal));
    let errors_found = findings
        .iter()
        .any(|(_, f)| matches!(f.severity, Severity::Error));
    if action == "send" && !blocking && (!errors_found || !form.get("confirm_errors").is_empty()) {
        return None;
    }
    Some(if blocking {
        notices.form_error = Some(t(lang, "error_findings_block"));
        StatusCode::UNPROCESSABLE_ENTITY
    } else if action == "send" && errors_found {
        notices.form_error = Some(t(lang, "error_confirm_errors"));
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        notices.info = Some(t(
            lang,
            if errors_found {
                "checked_with_errors"
            } else {
                "checked_ok"
            },
        ));
        StatusCode::OK
    })
}

/// Sends a written document through intake and drops the form's draft: the way to the new document's page
/// (saying `done`), or `None` with intake's refusal in `notices`.
pub(crate) async fn send(
    state: &AppState,
    visit: &Visit,
    draft_id: i64,
    xml: String,
    done: &str,
    notices: &mut Notices,
) -> Result<Option<Response>, PageError> {
    match composing::send_written(state, &visit.caller, xml).await {
        Ok(crate::intake::Received::Created(record, _))
        | Ok(crate::intake::Received::AlreadyReceived(record)) => {
            composing::delete_draft(state, &visit.caller, draft_id).await?;
            Ok(Some(
                Redirect::to(&format!("/documents/{}?done={done}", record.id)).into_response(),
            ))
        }
        Err(error @ (Error::DocumentInvalid { .. } | Error::DocumentRejected { .. })) => {
            let (_, _, message) = crate::http::describe(&error);
            notices.form_error = Some(message);
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct NewQuery {
    draft: Option<i64>,
    corrects: Option<i64>,
    order: Option<i64>,
}

/// Everything the form page shows besides the typed values.
pub(crate) struct FormPage {
    pub(crate) buyers: Vec<cie_store::CityBuyer>,
    pub(crate) organisation: cie_store::SupplierOrg,
    pub(crate) draft_id: Option<i64>,
    pub(crate) totals: Option<cie_compose::InvoiceTotals>,
    pub(crate) findings: Vec<(Option<String>, Finding)>,
    pub(crate) checked: bool,
}

async fn new_invoice(
    State(state): State<AppState>,
    visit: Visit,
    Query(query): Query<NewQuery>,
) -> Result<Response, PageError> {
    let organisation = composing::own_organisation(&state, &visit.caller).await?;
    let mut form = TypedForm::default();
    let mut draft_id = None;
    if let Some(id) = query.draft {
        let (draft, fields) = composing::draft(&state, &visit.caller, id).await?;
        draft_id = Some(draft.id);
        form = TypedForm::from_draft(fields);
    } else if let Some(id) = query.corrects.or(query.order) {
        let original = crate::records::document_original(&state, &visit.caller, id).await?;
        form.fields = crate::invoice_fields::invoice_fields(&original);
        if query.order.is_some() {
            form.set("number", String::new());
        }
    }
    if form.get("issue_date").is_empty() {
        form.set("issue_date", visit.today.to_string());
    }
    if form.get("line_count").is_empty() {
        form.set("line_count", FIRST_ROWS.to_string());
    }
    if form.get("bank_code").is_empty()
        && let Some(account) = &organisation.bank_account
    {
        form.set("bank_code", account.bank_code.clone());
        form.set("branch_code", account.branch_code.clone());
        form.set("account_type", account.account_type.clone());
        form.set("account_number", account.account_number.clone());
        form.set("account_name", account.account_name_kana.clone());
    }
    let buyers = composing::city_buyers(&state, &visit.caller, false).await?;
    if form.get("buyer").is_empty()
        && let Some(first) = buyers.first()
    {
        form.set("buyer", first.id.to_string());
    }
    let context = FormPage {
        buyers,
        organisation,
        draft_id,
        totals: None,
        findings: Vec::new(),
        checked: false,
    };
    Ok(page(
        StatusCode::OK,
        views::forms::invoice(&visit.frame(), &form, &context, &Notices::default()),
    ))
}

/// Reads the posted multipart form: its fields, new attachment files, and the csrf token.
async fn read_multipart(
    lang: Lang,
    mut multipart: Multipart,
    errors: &mut Vec<FieldError>,
) -> Result<(Vec<(String, String)>, Vec<KeptAttachment>), PageError> {
    let mut fields = Vec::new();
    let mut files = Vec::new();
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        PageError(Error::invalid(
            "invalid_form",
            format!("the form could not be read: {e}"),
        ))
    };
    while let Some(part) = multipart.next_field().await.map_err(unreadable)? {
        let name = part.name().unwrap_or_default().to_owned();
        if name == "attachment_file" {
            let filename = part
                .file_name()
                .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_owned())
                .unwrap_or_default();
            let declared = part.content_type().map(str::to_owned);
            let bytes = part.bytes().await.map_err(unreadable)?;
            if filename.is_empty() && bytes.is_empty() {
                continue;
            }
            let mime = mime_of(&filename, declared.as_deref(), &bytes);
            match mime {
                _ if bytes.len() > MAX_ATTACHMENT_BYTES => errors.push(FieldError::new(
                    "attachment",
                    t_with(lang, "error_attachment_size", &[("name", &filename)]),
                )),
                None => errors.push(FieldError::new(
                    "attachment",
                    t_with(lang, "error_attachment_type", &[("name", &filename)]),
                )),
                Some(mime) => files.push(KeptAttachment {
                    filename,
                    mime_code: mime.to_owned(),
                    description: String::new(),
                    content: base64::engine::general_purpose::STANDARD.encode(&bytes),
                }),
            }
        } else {
            let value = part.text().await.map_err(unreadable)?;
            fields.push((name, value));
        }
    }
    Ok((fields, files))
}

/// The MIME type JP PINT accepts for an attachment, from its first bytes (then its name); `None` when it is
/// none of them.
fn mime_of(filename: &str, _declared: Option<&str>, bytes: &[u8]) -> Option<&'static str> {
    let lower = filename.to_ascii_lowercase();
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if lower.ends_with(".csv") && std::str::from_utf8(bytes).is_ok() {
        Some("text/csv")
    } else if lower.ends_with(".xlsx") && bytes.starts_with(b"PK") {
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    } else if lower.ends_with(".ods") && bytes.starts_with(b"PK") {
        Some("application/vnd.oasis.opendocument.spreadsheet")
    } else {
        None
    }
}

async fn post_invoice(
    State(state): State<AppState>,
    visit: Visit,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let lang = visit.lang;
    let mut errors = Vec::new();
    let (fields, files) = read_multipart(lang, multipart, &mut errors).await?;
    let posted = TypedForm {
        fields,
        attachments: Vec::new(),
    };
    visit.check_form(posted.get("csrf"))?;
    let action = posted.get("action").to_owned();
    let mut draft_id = posted.get("draft_id").parse::<i64>().ok();
    let mut form = TypedForm {
        attachments: match draft_id {
            Some(id) => match composing::draft(&state, &visit.caller, id).await {
                Ok((_, pairs)) => TypedForm::from_draft(pairs).attachments,
                Err(Error::Store(cie_store::StoreError::NotFound { .. })) => {
                    draft_id = None;
                    Vec::new()
                }
                Err(error) => return Err(error.into()),
            },
            None => Vec::new(),
        },
        fields: posted.fields,
    };
    let removed: Vec<usize> = form
        .fields
        .iter()
        .filter(|(k, _)| k == "remove_attachment")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    form.attachments = form
        .attachments
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !removed.contains(i))
        .map(|(_, a)| a)
        .collect();
    let description = form.get("attachment_description").to_owned();
    for mut file in files {
        file.description = if description.is_empty() {
            file.filename.clone()
        } else {
            description.clone()
        };
        form.attachments.push(file);
    }
    form.fields
        .retain(|(k, _)| !matches!(k.as_str(), "remove_attachment" | "attachment_description"));
    if action == "add_line" {
        let rows = (form.rows() + 1).min(MAX_ROWS);
        form.set("line_count", rows.to_string());
    }
    let title = if form.get("number").is_empty() {
        visit.today.to_string()
    } else {
        form.get("number").to_owned()
    };
    let draft = composing::save_draft(
        &state,
        &visit.caller,
        draft_id,
        "invoice",
        &title,
        &form.to_draft(),
    )
    .await?;
    let organisation = composing::own_organisation(&state, &visit.caller).await?;
    let buyers = composing::city_buyers(&state, &visit.caller, false).await?;
    let mut context = FormPage {
        buyers,
        organisation,
        draft_id: Some(draft.id),
        totals: None,
        findings: Vec::new(),
        checked: false,
    };
    let mut notices = Notices::default();
    if action == "save" || action == "add_line" || action.is_empty() {
        if action == "save" {
            notices.info = Some(t(lang, "draft_saved"));
        }
        return Ok(page(
            StatusCode::OK,
            views::forms::invoice(&visit.frame(), &form, &context, &notices),
        ));
    }
    let parsed = parse_invoice(lang, &form, &mut errors);
    // The tax depends on whether the seller is registered: shown as the organisation stands.
    let mut for_totals = parsed.invoice.clone();
    for_totals.seller.registration_number = context.organisation.registration_number.clone();
    context.totals = cie_compose::invoice_totals(&for_totals).ok();
    if !errors.is_empty() {
        notices.fields = errors;
        return Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            views::forms::invoice(&visit.frame(), &form, &context, &notices),
        ));
    }
    let prepared = composing::prepare_invoice(
        &state,
        &visit.caller,
        parsed.buyer_id.unwrap_or_default(),
        parsed.address,
        parsed.corporate_number.as_deref(),
        parsed.invoice,
    )
    .await;
    let invoice = match prepared {
        Ok(invoice) => invoice,
        Err(Error::InvalidRequest { code, message }) => {
            let field = if code == "invalid_buyer" {
                "buyer"
            } else {
                "corporate_number"
            };
            notices.fields.push(FieldError::new(
                field,
                t_with(lang, &format!("error_{code}"), &[("detail", &message)]),
            ));
            return Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::forms::invoice(&visit.frame(), &form, &context, &notices),
            ));
        }
        Err(error) => return Err(error.into()),
    };
    context.totals = cie_compose::invoice_totals(&invoice).ok();
    let (xml, verdict) =
        match composing::check_written(&state, &visit.caller, cie_compose::invoice(&invoice))
            .await?
        {
            Composed::Refused {
                field,
                kind,
                message,
            } => {
                notices.fields.push(FieldError::new(
                    field_of_input(&field, &parsed.rows),
                    input_problem(lang, kind, &message),
                ));
                return Ok(page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    views::forms::invoice(&visit.frame(), &form, &context, &notices),
                ));
            }
            Composed::Written { xml, verdict } => (xml, verdict),
        };
    context.checked = true;
    context.findings = verdict
        .findings
        .iter()
        .map(|f| (field_of_finding(&f.location.path, &parsed.rows), f.clone()))
        .collect();
    if let Some(status) = after_check(lang, &action, &form, &context.findings, &mut notices) {
        return Ok(page(
            status,
            views::forms::invoice(&visit.frame(), &form, &context, &notices),
        ));
    }
    match send(&state, &visit, draft.id, xml, "submitted", &mut notices).await? {
        Some(sent) => Ok(sent),
        None => Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            views::forms::invoice(&visit.frame(), &form, &context, &notices),
        )),
    }
}

async fn drafts(State(state): State<AppState>, visit: Visit) -> Result<Response, PageError> {
    let drafts = composing::drafts(&state, &visit.caller).await?;
    Ok(page(
        StatusCode::OK,
        views::forms::drafts(&visit.frame(), &drafts),
    ))
}

async fn delete_draft(
    State(state): State<AppState>,
    visit: Visit,
    axum::extract::Path(id): axum::extract::Path<i64>,
    fields: super::FormFields,
) -> Result<Response, PageError> {
    visit.check_form(fields.get("csrf"))?;
    composing::delete_draft(&state, &visit.caller, id).await?;
    Ok(Redirect::to("/drafts").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_numbers_are_read() {
        assert_eq!(decimal_of("１２，０００"), Some(Decimal::from(12000)));
        assert_eq!(decimal_of("¥1,500円"), Some(Decimal::from(1500)));
        assert_eq!(decimal_of("abc"), None);
        assert_eq!(
            date_of("２０２６/０４/０１"),
            NaiveDate::from_ymd_opt(2026, 4, 1)
        );
        assert_eq!(date_of("2026-02-30"), None);
    }

    #[test]
    fn input_paths_and_finding_locations_name_form_fields() {
        let rows = [0, 2, 5];
        assert_eq!(field_of_input("lines[1].quantity", &rows), "l2_quantity");
        assert_eq!(field_of_input("lines[2].unit_price", &rows), "l5_price");
        assert_eq!(
            field_of_input("seller.address.city_name", &rows),
            "seller_city"
        );
        assert_eq!(
            field_of_input("bank_account.account_number", &rows),
            "account_number"
        );
        assert_eq!(
            field_of_finding(
                "/Invoice/cac:InvoiceLine[3]/cac:Price[1]/cbc:PriceAmount[1]",
                &rows
            ),
            Some("l5_price".into())
        );
        assert_eq!(
            field_of_finding("/Invoice/cbc:BuyerReference[1]", &rows),
            Some("commitment_number".into())
        );
        assert_eq!(field_of_finding("/Invoice/cac:TaxTotal[1]", &rows), None);
    }

    #[test]
    fn attachments_are_known_by_their_bytes() {
        assert_eq!(mime_of("a.pdf", None, b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(mime_of("a.pdf", None, b"MZ\x90"), None);
        assert_eq!(
            mime_of("x.png", None, b"\x89PNG\r\n\x1a\n..."),
            Some("image/png")
        );
    }
}

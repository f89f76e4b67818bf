//! The suppliers' answers (issue 14) on the invoice form's machinery: a quotation to the city's request for
//! quotation, and to an order an order response (accept, reject with a reason, or accept with changes line
//! by line) or a delivery note. The lines start from the city's document; every post keeps a draft; input
//! errors and the rules' findings stand beside their fields; "check" then "send" goes through intake as an
//! upload would. The city's document, its party, its number and its lines' items come from `answering`,
//! which also makes sure the document was issued to the caller's organisation.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use cie_compose::{
    ComposeError, DespatchAdvice, DespatchLine, LineResponse, LineResponseStatus, OrderResponse,
    OrderResponseStatus, Period, Quotation, QuotationTotals, QuotedLine, TaxCategory,
};
use serde::Deserialize;

use super::forms::{
    FormPage, TypedForm, after_check, decimal_of, empty_party, line_field_of_finding, optional,
    parse_lines, read_date, send,
};
use super::i18n::{Lang, t, t_with};
use super::views::{self, FieldError, Notices};
use super::{FormFields, PageError, Visit, page};
use crate::AppState;
use crate::answering::{self, Asked, SellerInput};
use crate::composing::{self, Composed};
use crate::error::Error;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/quotations/new", get(new_quotation).post(post_quotation))
        .route(
            "/order-responses/new",
            get(new_order_response).post(post_order_response),
        )
        .route(
            "/despatch-advices/new",
            get(new_despatch_advice).post(post_despatch_advice),
        )
}

/// Which answer a form writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnswerKind {
    /// A quotation (見積書) to a request for quotation.
    Quotation,
    /// An order response (注文請書) to an order.
    OrderResponse,
    /// A delivery note (納品書) to an order.
    DespatchAdvice,
}

impl AnswerKind {
    const ALL: [AnswerKind; 3] = [
        AnswerKind::Quotation,
        AnswerKind::OrderResponse,
        AnswerKind::DespatchAdvice,
    ];

    /// The path of its form.
    pub(crate) fn path(self) -> &'static str {
        match self {
            AnswerKind::Quotation => "/quotations/new",
            AnswerKind::OrderResponse => "/order-responses/new",
            AnswerKind::DespatchAdvice => "/despatch-advices/new",
        }
    }

    /// The kind its drafts are kept under.
    fn draft_kind(self) -> &'static str {
        match self {
            AnswerKind::Quotation => "quotation",
            AnswerKind::OrderResponse => "order_response",
            AnswerKind::DespatchAdvice => "despatch_advice",
        }
    }

    /// The form a draft of `kind` belongs to, if an answer's.
    pub(crate) fn of_draft(kind: &str) -> Option<AnswerKind> {
        AnswerKind::ALL.into_iter().find(|k| k.draft_kind() == kind)
    }

    /// The query parameter and hidden field naming the city's document answered.
    pub(crate) fn source_field(self) -> &'static str {
        match self {
            AnswerKind::Quotation => "rfq",
            AnswerKind::OrderResponse | AnswerKind::DespatchAdvice => "order",
        }
    }

    /// The line element of the written document, with the bracket of its position.
    fn line_element(self) -> &'static str {
        match self {
            AnswerKind::Quotation => "cac:QuotationLine[",
            AnswerKind::OrderResponse => "cac:OrderLine[",
            AnswerKind::DespatchAdvice => "cac:DespatchLine[",
        }
    }

    /// Whether the document carries the seller's postal address.
    pub(crate) fn has_address(self) -> bool {
        self != AnswerKind::OrderResponse
    }

    /// The line-row field `field` (`l2_name`) is shown in: an order response's rows have an answer and a
    /// quantity, a delivery note's a quantity.
    fn row_field(self, field: String) -> String {
        let Some((row, part)) = field.split_once('_') else {
            return field;
        };
        match (self, part) {
            (AnswerKind::Quotation, _) | (_, "quantity") | (AnswerKind::DespatchAdvice, "item") => {
                field
            }
            (AnswerKind::OrderResponse, _) => format!("{row}_status"),
            (AnswerKind::DespatchAdvice, _) => format!("{row}_quantity"),
        }
    }

    /// The city's document `id` this answer answers, as `answering` gives it to the caller.
    async fn asked(self, state: &AppState, visit: &Visit, id: i64) -> Result<Asked, Error> {
        match self {
            AnswerKind::Quotation => {
                answering::request_for_quotation(state, &visit.caller, id).await
            }
            AnswerKind::OrderResponse | AnswerKind::DespatchAdvice => {
                answering::order(state, &visit.caller, id).await
            }
        }
    }
}

/// The order response statuses offered, with their message keys.
pub(crate) const RESPONSE_STATUSES: [(OrderResponseStatus, &str); 3] = [
    (OrderResponseStatus::Accepted, "response_accept"),
    (OrderResponseStatus::AcceptedWithChanges, "response_change"),
    (OrderResponseStatus::Rejected, "response_reject"),
];

/// The answers offered for a line of an order accepted with changes, with their message keys.
pub(crate) const LINE_STATUSES: [(LineResponseStatus, &str); 3] = [
    (LineResponseStatus::Accepted, "line_accepted"),
    (LineResponseStatus::Changed, "line_changed"),
    (LineResponseStatus::NotAccepted, "line_not_accepted"),
];

/// Everything an answer form shows besides the typed values.
pub(crate) struct AnswerPage {
    pub(crate) kind: AnswerKind,
    /// The city's document answered.
    pub(crate) asked: Asked,
    /// What every document form shows: the organisation, the draft, the findings.
    pub(crate) form: FormPage,
    /// A quotation's amounts, once checked.
    pub(crate) totals: Option<QuotationTotals>,
}

#[derive(Deserialize, Default)]
pub(super) struct AnswerQuery {
    rfq: Option<i64>,
    order: Option<i64>,
    draft: Option<i64>,
}

async fn new_quotation(
    State(state): State<AppState>,
    visit: Visit,
    Query(query): Query<AnswerQuery>,
) -> Result<Response, PageError> {
    new_answer(&state, &visit, query, AnswerKind::Quotation).await
}

async fn new_order_response(
    State(state): State<AppState>,
    visit: Visit,
    Query(query): Query<AnswerQuery>,
) -> Result<Response, PageError> {
    new_answer(&state, &visit, query, AnswerKind::OrderResponse).await
}

async fn new_despatch_advice(
    State(state): State<AppState>,
    visit: Visit,
    Query(query): Query<AnswerQuery>,
) -> Result<Response, PageError> {
    new_answer(&state, &visit, query, AnswerKind::DespatchAdvice).await
}

async fn post_quotation(
    State(state): State<AppState>,
    visit: Visit,
    fields: FormFields,
) -> Result<Response, PageError> {
    post_answer(&state, &visit, fields, AnswerKind::Quotation).await
}

async fn post_order_response(
    State(state): State<AppState>,
    visit: Visit,
    fields: FormFields,
) -> Result<Response, PageError> {
    post_answer(&state, &visit, fields, AnswerKind::OrderResponse).await
}

async fn post_despatch_advice(
    State(state): State<AppState>,
    visit: Visit,
    fields: FormFields,
) -> Result<Response, PageError> {
    post_answer(&state, &visit, fields, AnswerKind::DespatchAdvice).await
}

fn missing_source(kind: AnswerKind) -> PageError {
    PageError(Error::invalid(
        "missing_field",
        format!(
            "{}: name the document of the city this answers",
            kind.source_field()
        ),
    ))
}

/// A new answer form: from the city's document, or from a draft of the same form.
async fn new_answer(
    state: &AppState,
    visit: &Visit,
    query: AnswerQuery,
    kind: AnswerKind,
) -> Result<Response, PageError> {
    let organisation = composing::own_organisation(state, &visit.caller).await?;
    let (form, draft_id) = match query.draft {
        Some(id) => {
            let (draft, fields) = composing::draft(state, &visit.caller, id).await?;
            if draft.kind != kind.draft_kind() {
                return Err(PageError(Error::NotFound(format!(
                    "draft {id} of this form"
                ))));
            }
            (TypedForm::from_draft(fields), Some(draft.id))
        }
        None => (TypedForm::default(), None),
    };
    let source = match (draft_id, kind) {
        (Some(_), _) => form.get(kind.source_field()).parse().ok(),
        (None, AnswerKind::Quotation) => query.rfq,
        (None, _) => query.order,
    };
    let asked = kind
        .asked(state, visit, source.ok_or_else(|| missing_source(kind))?)
        .await?;
    let mut form = form;
    if draft_id.is_none() {
        form.fields = asked.form_fields();
        form.set(kind.source_field(), asked.id.to_string());
        form.set("issue_date", visit.today.to_string());
        match kind {
            AnswerKind::Quotation => {}
            AnswerKind::OrderResponse => {
                form.set("status", OrderResponseStatus::Accepted.code().to_owned());
                for row in 0..asked.lines.len() {
                    form.set(
                        &format!("l{row}_status"),
                        LineResponseStatus::Accepted.code().to_owned(),
                    );
                }
            }
            AnswerKind::DespatchAdvice => form.set("despatch_date", visit.today.to_string()),
        }
    }
    let context = AnswerPage {
        kind,
        asked,
        form: FormPage {
            buyers: Vec::new(),
            organisation,
            draft_id,
            totals: None,
            findings: Vec::new(),
            checked: false,
        },
        totals: None,
    };
    Ok(page(
        StatusCode::OK,
        views::answers::answer(&visit.frame(), &form, &context, &Notices::default()),
    ))
}

/// What an answer form gives: the answer (parties and the number answered to be set by `answering`), the
/// form row of each of its lines, and the seller's part.
struct Parsed {
    answer: Answer,
    rows: Vec<usize>,
    seller: SellerInput,
}

/// An answer written from a form.
enum Answer {
    Quotation(Quotation),
    OrderResponse(OrderResponse),
    DespatchAdvice(DespatchAdvice),
}

impl Answer {
    fn write(&self) -> Result<String, ComposeError> {
        match self {
            Answer::Quotation(quotation) => cie_compose::quotation(quotation),
            Answer::OrderResponse(response) => cie_compose::order_response(response),
            Answer::DespatchAdvice(advice) => cie_compose::despatch_advice(advice),
        }
    }

    fn totals(&self) -> Option<QuotationTotals> {
        match self {
            Answer::Quotation(quotation) => cie_compose::quotation_totals(quotation).ok(),
            _ => None,
        }
    }
}

/// The date period typed in `start` and `end`; `None` when neither is.
fn period(
    lang: Lang,
    form: &TypedForm,
    (start, end): (&str, &str),
    errors: &mut Vec<FieldError>,
) -> Option<Period> {
    let start = read_date(lang, form, (start, false), errors);
    let end = read_date(lang, form, (end, false), errors);
    (start.is_some() || end.is_some()).then_some(Period { start, end })
}

/// The seller's address typed in the form; `None` when nothing of it is.
fn seller_address(form: &TypedForm) -> Option<cie_compose::Address> {
    let fields = [
        "seller_postal_zone",
        "seller_prefecture",
        "seller_city",
        "seller_street",
    ];
    if fields.iter().all(|f| form.get(f).is_empty()) {
        return None;
    }
    Some(cie_compose::Address {
        postal_zone: optional(form.get("seller_postal_zone")),
        country_subentity: optional(form.get("seller_prefecture")),
        city_name: form.get("seller_city").to_owned(),
        street_name: optional(form.get("seller_street")),
        additional_street_name: None,
        country: "JP".into(),
    })
}

/// Reads the typed form into the answer, collecting a message per field that cannot be read.
fn parse(
    kind: AnswerKind,
    lang: Lang,
    form: &TypedForm,
    asked: &Asked,
    errors: &mut Vec<FieldError>,
) -> Parsed {
    let id = form.get("number").to_owned();
    if id.is_empty() {
        errors.push(FieldError::new("number", t(lang, "error_required")));
    }
    let issue_date =
        read_date(lang, form, ("issue_date", true), errors).unwrap_or(chrono::NaiveDate::MIN);
    let note = optional(form.get("note"));
    let seller = SellerInput {
        address: seller_address(form).filter(|_| kind.has_address()),
        corporate_number: optional(form.get("corporate_number")),
    };
    let (answer, rows) = match kind {
        AnswerKind::Quotation => {
            let start = read_date(lang, form, ("validity_start", false), errors);
            let end = read_date(lang, form, ("validity_end", true), errors);
            let typed = parse_lines(lang, form, errors);
            let rows = typed.iter().map(|line| line.row).collect();
            let lines = typed
                .into_iter()
                .enumerate()
                .map(|(index, line)| QuotedLine {
                    id: (index + 1).to_string(),
                    request_line_id: asked.lines.get(line.row).map(|l| l.id.clone()),
                    item_name: line.name,
                    seller_item_id: None,
                    quantity: line.quantity,
                    unit_code: line.unit,
                    unit_price: line.price,
                    tax_category: TaxCategory {
                        code: line.category.code().to_owned(),
                        percent: line.category.percent(),
                    },
                    note: None,
                })
                .collect();
            let quotation = Quotation {
                id,
                issue_date,
                issue_time: None,
                request_id: String::new(),
                validity_period: Period { start, end },
                note,
                currency: asked.currency.clone(),
                seller: empty_party(),
                buyer: empty_party(),
                lines,
            };
            (Answer::Quotation(quotation), rows)
        }
        AnswerKind::OrderResponse => {
            let status = RESPONSE_STATUSES
                .iter()
                .map(|(s, _)| *s)
                .find(|s| s.code() == form.get("status"));
            if status.is_none() {
                errors.push(FieldError::new("status", t(lang, "error_pick_status")));
            }
            let status = status.unwrap_or(OrderResponseStatus::Accepted);
            let mut lines = Vec::new();
            if status == OrderResponseStatus::AcceptedWithChanges {
                for (row, ordered) in asked.lines.iter().enumerate() {
                    let line_status = LINE_STATUSES
                        .iter()
                        .map(|(s, _)| *s)
                        .find(|s| s.code() == form.get(&format!("l{row}_status")));
                    let Some(line_status) = line_status else {
                        errors.push(FieldError::new(
                            format!("l{row}_status"),
                            t(lang, "error_pick_status"),
                        ));
                        continue;
                    };
                    let quantity = if line_status == LineResponseStatus::Changed {
                        let field = format!("l{row}_quantity");
                        let quantity = decimal_of(form.get(&field));
                        if quantity.is_none() {
                            errors.push(FieldError::new(field, t(lang, "error_number")));
                        }
                        quantity
                    } else {
                        None
                    };
                    lines.push(LineResponse {
                        order_line_id: ordered.id.clone(),
                        status: line_status,
                        item_name: String::new(),
                        quantity,
                        unit_code: None,
                        unit_price: None,
                        note: None,
                    });
                }
            }
            let response = OrderResponse {
                id,
                issue_date,
                issue_time: None,
                status,
                note,
                currency: String::new(),
                buyer_reference: None,
                order_id: String::new(),
                seller: empty_party(),
                buyer: empty_party(),
                promised_delivery: period(lang, form, ("delivery_start", "delivery_end"), errors),
                lines,
            };
            (
                Answer::OrderResponse(response),
                (0..asked.lines.len()).collect(),
            )
        }
        AnswerKind::DespatchAdvice => {
            let despatch_date = read_date(lang, form, ("despatch_date", true), errors)
                .unwrap_or(chrono::NaiveDate::MIN);
            let mut lines = Vec::new();
            let mut rows = Vec::new();
            for (row, ordered) in asked.lines.iter().enumerate() {
                let field = format!("l{row}_quantity");
                let typed = form.get(&field);
                if typed.is_empty() {
                    continue;
                }
                let Some(quantity) = decimal_of(typed) else {
                    errors.push(FieldError::new(field, t(lang, "error_number")));
                    continue;
                };
                if quantity.is_zero() {
                    continue;
                }
                let item_field = format!("l{row}_item");
                let item = form.get(&item_field).trim();
                if item.is_empty() {
                    let line = (row + 1).to_string();
                    errors.push(FieldError::new(
                        item_field,
                        t_with(lang, "error_item_number", &[("row", &line)]),
                    ));
                    continue;
                }
                rows.push(row);
                lines.push(DespatchLine {
                    id: (lines.len() + 1).to_string(),
                    order_line_id: ordered.id.clone(),
                    item_name: String::new(),
                    seller_item_id: Some(item.to_owned()),
                    quantity,
                    unit_code: String::new(),
                    note: None,
                });
            }
            if lines.is_empty() && !errors.iter().any(|e| e.field.starts_with('l')) {
                errors.push(FieldError::new(
                    "l0_quantity",
                    t(lang, "error_no_delivered_lines"),
                ));
            }
            let advice = DespatchAdvice {
                id,
                issue_date,
                issue_time: None,
                note,
                order_id: String::new(),
                supplier: empty_party(),
                customer: empty_party(),
                despatch_date,
                estimated_delivery: period(lang, form, ("delivery_start", "delivery_end"), errors),
                lines,
            };
            (Answer::DespatchAdvice(advice), rows)
        }
    };
    Parsed {
        answer,
        rows,
        seller,
    }
}

/// The answer with its parties and the number answered set by `answering`.
async fn prepare(
    state: &AppState,
    visit: &Visit,
    source: i64,
    parsed: Parsed,
) -> Result<Answer, Error> {
    let caller = &visit.caller;
    Ok(match parsed.answer {
        Answer::Quotation(quotation) => Answer::Quotation(
            answering::prepare_quotation(state, caller, source, parsed.seller, quotation).await?,
        ),
        Answer::OrderResponse(response) => Answer::OrderResponse(
            answering::prepare_order_response(
                state,
                caller,
                source,
                parsed.seller.corporate_number.as_deref(),
                response,
            )
            .await?,
        ),
        Answer::DespatchAdvice(advice) => Answer::DespatchAdvice(
            answering::prepare_despatch_advice(state, caller, source, parsed.seller, advice)
                .await?,
        ),
    })
}

/// The form field an input path of `cie-compose` or of `answering` names (`lines[2].quantity`,
/// `validity_period.end`, `note`); `None` for what the supplier did not type (the city's party).
fn field_of_input(kind: AnswerKind, path: &str, rows: &[usize]) -> Option<String> {
    if path.starts_with("lines[") {
        return Some(kind.row_field(super::forms::field_of_input(path, rows)));
    }
    let field = match path {
        "id" => "number",
        "issue_date" => "issue_date",
        "note" => "note",
        "status" => "status",
        "despatch_date" => "despatch_date",
        "corporate_number" => "corporate_number",
        "lines" => return Some(kind.row_field("l0_name".into())),
        p if p.starts_with("validity_period") => "validity_end",
        p if p.starts_with("promised_delivery") || p.starts_with("estimated_delivery") => {
            "delivery_end"
        }
        p if p.ends_with("address.postal_zone") => "seller_postal_zone",
        p if p.ends_with("address.country_subentity") => "seller_prefecture",
        p if p.ends_with("address.street_name") => "seller_street",
        p if (p.starts_with("seller") || p.starts_with("supplier")) && p.contains("address") => {
            "seller_city"
        }
        p if p.starts_with("seller") || p.starts_with("supplier") => "corporate_number",
        _ => return None,
    };
    Some(field.to_owned())
}

/// The form field a finding on the written answer concerns, from its location; `None` for the document as
/// a whole.
fn field_of_finding(kind: AnswerKind, path: &str, rows: &[usize]) -> Option<String> {
    if let Some(field) = line_field_of_finding(path, kind.line_element(), rows) {
        return field.map(|f| kind.row_field(f));
    }
    let field = if path.contains("SellerSupplierParty") || path.contains("DespatchSupplierParty") {
        if path.contains("PostalAddress") {
            "seller_city"
        } else {
            "corporate_number"
        }
    } else if path.contains("ValidityPeriod") {
        "validity_end"
    } else if path.contains("PromisedDeliveryPeriod") || path.contains("EstimatedDeliveryPeriod") {
        "delivery_end"
    } else if path.contains("ActualDespatchDate") {
        "despatch_date"
    } else if path.contains("OrderResponseCode") {
        "status"
    } else if path.matches('/').count() == 2 {
        match path.rsplit('/').next().unwrap_or_default() {
            "cbc:ID[1]" => "number",
            "cbc:IssueDate[1]" => "issue_date",
            "cbc:Note[1]" => "note",
            _ => return None,
        }
    } else {
        return None;
    };
    Some(field.to_owned())
}

/// A posted answer form: kept as a draft; checked or sent when asked.
async fn post_answer(
    state: &AppState,
    visit: &Visit,
    fields: FormFields,
    kind: AnswerKind,
) -> Result<Response, PageError> {
    let lang = visit.lang;
    let mut form = TypedForm {
        fields: fields.pairs().to_vec(),
        attachments: Vec::new(),
    };
    visit.check_form(form.get("csrf"))?;
    let source: i64 = form
        .get(kind.source_field())
        .parse()
        .map_err(|_| missing_source(kind))?;
    let asked = kind.asked(state, visit, source).await?;
    let organisation = composing::own_organisation(state, &visit.caller).await?;
    let action = form.get("action").to_owned();
    if action == "add_line" && kind == AnswerKind::Quotation {
        let rows = (form.rows() + 1).min(super::forms::MAX_ROWS);
        form.set("line_count", rows.to_string());
    }
    let title = match form.get("number") {
        "" => visit.today.to_string(),
        number => number.to_owned(),
    };
    let kept = form.to_draft();
    let draft_id = form.get("draft_id").parse::<i64>().ok();
    let draft = match composing::save_draft(
        state,
        &visit.caller,
        draft_id,
        kind.draft_kind(),
        &title,
        &kept,
    )
    .await
    {
        Err(Error::Store(cie_store::StoreError::NotFound { .. })) => {
            composing::save_draft(state, &visit.caller, None, kind.draft_kind(), &title, &kept)
                .await?
        }
        saved => saved?,
    };
    let mut context = AnswerPage {
        kind,
        asked,
        form: FormPage {
            buyers: Vec::new(),
            organisation,
            draft_id: Some(draft.id),
            totals: None,
            findings: Vec::new(),
            checked: false,
        },
        totals: None,
    };
    let mut notices = Notices::default();
    let shown = |status: StatusCode, context: &AnswerPage, notices: &Notices| {
        page(
            status,
            views::answers::answer(&visit.frame(), &form, context, notices),
        )
    };
    if matches!(action.as_str(), "save" | "add_line" | "") {
        if action == "save" {
            notices.info = Some(t(lang, "draft_saved"));
        }
        return Ok(shown(StatusCode::OK, &context, &notices));
    }
    let mut errors = Vec::new();
    let parsed = parse(kind, lang, &form, &context.asked, &mut errors);
    context.totals = parsed.answer.totals();
    if !errors.is_empty() {
        notices.fields = errors;
        return Ok(shown(StatusCode::UNPROCESSABLE_ENTITY, &context, &notices));
    }
    let rows = parsed.rows.clone();
    let answer = match prepare(state, visit, source, parsed).await {
        Ok(answer) => answer,
        Err(Error::InvalidRequest { code, message }) => {
            let path = message.split(':').next().unwrap_or_default();
            let said = t_with(lang, &format!("error_{code}"), &[("detail", &message)]);
            match field_of_input(kind, path, &rows) {
                Some(field) => notices.fields.push(FieldError::new(field, said)),
                None => notices.form_error = Some(message),
            }
            return Ok(shown(StatusCode::UNPROCESSABLE_ENTITY, &context, &notices));
        }
        Err(error) => return Err(error.into()),
    };
    context.totals = answer.totals();
    let (xml, verdict) =
        match composing::check_written(state, &visit.caller, answer.write()).await? {
            Composed::Refused {
                field,
                kind: problem,
                message,
            } => {
                let message = crate::web::forms::input_problem(lang, problem, &message);
                match field_of_input(kind, &field, &rows) {
                    Some(field) => notices.fields.push(FieldError::new(field, message)),
                    None => notices.form_error = Some(message),
                }
                return Ok(shown(StatusCode::UNPROCESSABLE_ENTITY, &context, &notices));
            }
            Composed::Written { xml, verdict } => (xml, verdict),
        };
    context.form.checked = true;
    context.form.findings = verdict
        .findings
        .iter()
        .map(|f| (field_of_finding(kind, &f.location.path, &rows), f.clone()))
        .collect();
    if let Some(status) = after_check(lang, &action, &form, &context.form.findings, &mut notices) {
        return Ok(shown(status, &context, &notices));
    }
    match send(state, visit, draft.id, xml, "answered", &mut notices).await? {
        Some(sent) => Ok(sent),
        None => Ok(shown(StatusCode::UNPROCESSABLE_ENTITY, &context, &notices)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_paths_name_the_answer_forms_fields() {
        let rows = [0, 2];
        let q = AnswerKind::Quotation;
        let r = AnswerKind::OrderResponse;
        let d = AnswerKind::DespatchAdvice;
        assert_eq!(
            field_of_input(q, "lines[1].unit_price", &rows),
            Some("l2_price".into())
        );
        assert_eq!(
            field_of_input(r, "lines[1].order_line_id", &rows),
            Some("l2_status".into())
        );
        assert_eq!(
            field_of_input(r, "lines[0].quantity", &rows),
            Some("l0_quantity".into())
        );
        assert_eq!(
            field_of_input(d, "lines[1].item_name", &rows),
            Some("l2_quantity".into())
        );
        assert_eq!(
            field_of_input(q, "validity_period.end", &rows),
            Some("validity_end".into())
        );
        assert_eq!(
            field_of_input(d, "supplier.address.city_name", &rows),
            Some("seller_city".into())
        );
        assert_eq!(field_of_input(r, "note", &rows), Some("note".into()));
        assert_eq!(field_of_input(r, "buyer.endpoint.id", &rows), None);
    }

    #[test]
    fn finding_locations_name_the_answer_forms_fields() {
        let rows = [0, 3];
        assert_eq!(
            field_of_finding(
                AnswerKind::Quotation,
                "/Quotation/cac:QuotationLine[2]/cac:LineItem[1]/cac:Price[1]/cbc:PriceAmount[1]",
                &rows
            ),
            Some("l3_price".into())
        );
        assert_eq!(
            field_of_finding(
                AnswerKind::DespatchAdvice,
                "/DespatchAdvice/cac:DespatchLine[1]/cbc:DeliveredQuantity[1]",
                &rows
            ),
            Some("l0_quantity".into())
        );
        assert_eq!(
            field_of_finding(
                AnswerKind::OrderResponse,
                "/OrderResponse/cbc:Note[1]",
                &rows
            ),
            Some("note".into())
        );
        assert_eq!(
            field_of_finding(AnswerKind::Quotation, "/Quotation/cac:TaxTotal[1]", &rows),
            None
        );
        assert_eq!(
            AnswerKind::of_draft("order_response"),
            Some(AnswerKind::OrderResponse)
        );
        assert_eq!(AnswerKind::of_draft("invoice"), None);
    }
}

//! The staff console beyond the inbox: the 電子帳簿保存法 search of the city's archive with its CSV, where
//! the payment export to the finance system stands, and issuing an order or a request for quotation from a
//! form, each through the use case the API calls.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{NaiveDate, Timelike};
use cie_compose::ComposeError;
use rust_decimal::Decimal;

use super::i18n::{Lang, t, t_with};
use super::views::{self, FieldError, Notices};
use super::{FormFields, PageError, Visit, page};
use crate::AppState;
use crate::error::Error;
use crate::issuing::{Issue, IssueOrder, IssueRequestForQuotation};
use crate::records::DocumentSearch;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/archive", get(archive))
        .route("/archive.csv", get(archive_csv))
        .route("/exports", get(exports))
        .route("/issue/order", get(order_form).post(issue_order))
        .route("/issue/rfq", get(rfq_form).post(issue_rfq))
}

/// The fields of a query string, read as a form's.
pub(super) fn query_fields(query: Option<&str>) -> FormFields {
    FormFields(
        form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    )
}

/// Where a use case's refusal belongs on a form: the field whose name (`needle`) its message mentions,
/// for refusals with stable code `code` (any when empty), and the words to show there (`key`; the use
/// case's own message when empty).
pub(super) struct Place {
    pub(super) code: &'static str,
    pub(super) needle: &'static str,
    pub(super) field: &'static str,
    pub(super) key: &'static str,
}

/// A [`Place`] for refusals with any code, showing the use case's message.
pub(super) const fn beside(needle: &'static str, field: &'static str) -> Place {
    Place {
        code: "",
        needle,
        field,
        key: "",
    }
}

/// The notices of a use case's refusal: beside the field its message names first (the use cases name the
/// field they refuse, e.g. `date_from is after date_to`), else over the whole form.
pub(super) fn refusal(lang: Lang, error: &Error, places: &[Place]) -> Notices {
    let (_, code, message) = crate::http::describe(error);
    let found = places
        .iter()
        .filter(|place| place.code.is_empty() || place.code == code)
        .filter_map(|place| message.find(place.needle).map(|at| (at, place)))
        .min_by_key(|(at, _)| *at);
    match found {
        Some((_, place)) => Notices {
            fields: vec![FieldError::new(
                place.field,
                if place.key.is_empty() {
                    message
                } else {
                    t(lang, place.key)
                },
            )],
            ..Notices::default()
        },
        None => Notices {
            form_error: Some(message),
            ..Notices::default()
        },
    }
}

/// Whether `error` is a refusal of what was typed (shown on the form) rather than a failure (an error page).
pub(super) fn is_refusal(error: &Error) -> bool {
    matches!(
        error,
        Error::InvalidRequest { .. } | Error::Conflict(_) | Error::Compose(_)
    )
}

/// A date typed in `name`, or the problem beside it.
pub(super) fn date_of(
    lang: Lang,
    fields: &FormFields,
    name: &str,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let value = fields.get(name);
    if value.is_empty() {
        return None;
    }
    let parsed = crate::web::forms::date_of(value);
    if parsed.is_none() {
        errors.push(FieldError::new(name, t(lang, "error_date")));
    }
    parsed
}

/// A number typed in `name` (thousands separators, yen sign and full-width digits allowed), or the
/// problem beside it.
fn decimal_of(
    lang: Lang,
    fields: &FormFields,
    name: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Decimal> {
    let value = fields.get(name);
    if value.is_empty() {
        return None;
    }
    let parsed = crate::web::forms::decimal_of(value);
    if parsed.is_none() {
        errors.push(FieldError::new(name, t(lang, "console_error_number")));
    }
    parsed
}

/// The archive search as typed: the search for the use case, or the problems beside the fields.
fn archive_search(lang: Lang, fields: &FormFields) -> Result<DocumentSearch, Vec<FieldError>> {
    let mut errors = Vec::new();
    let date_from = date_of(lang, fields, "date_from", &mut errors);
    let date_to = date_of(lang, fields, "date_to", &mut errors);
    let amount_min = decimal_of(lang, fields, "amount_min", &mut errors);
    let amount_max = decimal_of(lang, fields, "amount_max", &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(DocumentSearch {
        date_from,
        date_to,
        amount_min: amount_min.map(|a| a.to_string()),
        amount_max: amount_max.map(|a| a.to_string()),
        counterparty: fields.optional("counterparty"),
        kind: fields.optional("kind"),
        sort: Some("-issue_date".into()),
        page: fields.get("page").parse::<i64>().ok().filter(|p| *p >= 1),
        per_page: Some(ARCHIVE_PAGE),
        ..DocumentSearch::default()
    })
}

/// Documents per page of the archive search.
const ARCHIVE_PAGE: i64 = 50;

/// Where the search's own refusals belong.
const ARCHIVE_PLACES: [Place; 6] = [
    beside("date_from", "date_from"),
    beside("date_to", "date_to"),
    beside("amount_min", "amount_min"),
    beside("amount_max", "amount_max"),
    beside("counterparty", "counterparty"),
    beside("kind", "kind"),
];

/// The archive search page for what `fields` asks: results, or the problems with what was typed.
async fn archive_page(
    state: &AppState,
    visit: &Visit,
    fields: &FormFields,
) -> Result<Response, PageError> {
    let lang = visit.lang;
    let refused = match archive_search(lang, fields) {
        Ok(search) => match crate::records::search_archive(state, &visit.caller, search).await {
            Ok(found) => {
                return Ok(page(
                    StatusCode::OK,
                    views::console::archive(
                        &visit.frame(),
                        fields,
                        Some(&found),
                        &Notices::default(),
                    ),
                ));
            }
            Err(error) if is_refusal(&error) => refusal(lang, &error, &ARCHIVE_PLACES),
            Err(error) => return Err(error.into()),
        },
        Err(errors) => Notices {
            fields: errors,
            ..Notices::default()
        },
    };
    Ok(page(
        StatusCode::UNPROCESSABLE_ENTITY,
        views::console::archive(&visit.frame(), fields, None, &refused),
    ))
}

async fn archive(
    State(state): State<AppState>,
    visit: Visit,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    archive_page(&state, &visit, &query_fields(query.as_deref())).await
}

async fn archive_csv(
    State(state): State<AppState>,
    visit: Visit,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let fields = query_fields(query.as_deref());
    let Ok(search) = archive_search(visit.lang, &fields) else {
        return archive_page(&state, &visit, &fields).await;
    };
    match crate::records::export_archive_csv(&state, &visit.caller, search).await {
        Ok(csv) => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"archive.csv\"",
                ),
            ],
            csv,
        )
            .into_response()),
        Err(error) if is_refusal(&error) => archive_page(&state, &visit, &fields).await,
        Err(error) => Err(error.into()),
    }
}

async fn exports(State(state): State<AppState>, visit: Visit) -> Result<Response, PageError> {
    let status = crate::finance::export_status(&state, &visit.caller).await?;
    Ok(page(
        StatusCode::OK,
        views::console::exports(&visit.frame(), &status),
    ))
}

/// Which document an issuing form writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IssueKind {
    /// 発注書.
    Order,
    /// 見積依頼.
    RequestForQuotation,
}

impl IssueKind {
    /// The form's path.
    pub(crate) fn path(self) -> &'static str {
        match self {
            IssueKind::Order => "/issue/order",
            IssueKind::RequestForQuotation => "/issue/rfq",
        }
    }
}

/// Line rows an issuing form starts with, and the most it grows to.
pub(crate) const FIRST_ROWS: usize = 5;
const MOST_ROWS: usize = 100;

/// What an issuing form offers and holds: the city's supplier organisations and buyers to pick, the rows
/// of lines, what was typed, and the problems.
pub(crate) struct IssueForm {
    pub(crate) kind: IssueKind,
    pub(crate) suppliers: Vec<cie_store::SupplierOrg>,
    pub(crate) buyers: Vec<cie_store::CityBuyer>,
    pub(crate) rows: usize,
    pub(crate) typed: FormFields,
    pub(crate) notices: Notices,
}

async fn issue_form(
    state: &AppState,
    visit: &Visit,
    kind: IssueKind,
    typed: FormFields,
    rows: usize,
    notices: Notices,
) -> Result<IssueForm, PageError> {
    Ok(IssueForm {
        kind,
        suppliers: crate::accounts::supplier_orgs(state, &visit.caller).await?,
        buyers: crate::composing::city_buyers(state, &visit.caller, false).await?,
        rows,
        typed,
        notices,
    })
}

async fn show_issue_form(
    state: &AppState,
    visit: &Visit,
    kind: IssueKind,
) -> Result<Response, PageError> {
    let form = issue_form(
        state,
        visit,
        kind,
        FormFields(Vec::new()),
        FIRST_ROWS,
        Notices::default(),
    )
    .await?;
    Ok(page(
        StatusCode::OK,
        views::console::issue(&visit.frame(), &form),
    ))
}

async fn order_form(State(state): State<AppState>, visit: Visit) -> Result<Response, PageError> {
    show_issue_form(&state, &visit, IssueKind::Order).await
}

async fn rfq_form(State(state): State<AppState>, visit: Visit) -> Result<Response, PageError> {
    show_issue_form(&state, &visit, IssueKind::RequestForQuotation).await
}

async fn issue_order(
    State(state): State<AppState>,
    visit: Visit,
    fields: FormFields,
) -> Result<Response, PageError> {
    issue_posted(&state, &visit, IssueKind::Order, fields).await
}

async fn issue_rfq(
    State(state): State<AppState>,
    visit: Visit,
    fields: FormFields,
) -> Result<Response, PageError> {
    issue_posted(&state, &visit, IssueKind::RequestForQuotation, fields).await
}

/// A document read from an issuing form: the buyer picked, the document, and the form row of each of its
/// lines.
struct ReadIssue {
    buyer_id: i64,
    document: Issue,
    line_rows: Vec<usize>,
}

/// The rows of lines the form had.
fn rows_of(fields: &FormFields) -> usize {
    fields
        .get("rows")
        .parse::<usize>()
        .unwrap_or(FIRST_ROWS)
        .clamp(1, MOST_ROWS)
}

/// A placeholder party, replaced by the city's records in `issuing::issue_to_registered`.
fn unnamed_party() -> cie_compose::TradingParty {
    cie_compose::TradingParty {
        name: String::new(),
        endpoint: None,
        registration_number: None,
        address: None,
        contact: None,
    }
}

/// The document an issuing form describes, or the problems beside its fields.
fn read_issue(
    lang: Lang,
    kind: IssueKind,
    fields: &FormFields,
    rows: usize,
    now: chrono::NaiveDateTime,
) -> Result<ReadIssue, Vec<FieldError>> {
    let mut errors = Vec::new();
    let pick = |name: &str, errors: &mut Vec<FieldError>| match fields.get(name).parse::<i64>() {
        Ok(id) => Some(id),
        Err(_) => {
            errors.push(FieldError::new(name, t(lang, "console_error_pick")));
            None
        }
    };
    let supplier_org_id = pick("supplier_org_id", &mut errors);
    let buyer_id = pick("buyer", &mut errors);
    let issue_date = date_of(lang, fields, "issue_date", &mut errors);
    if issue_date.is_none() && fields.get("issue_date").is_empty() {
        errors.push(FieldError::new("issue_date", t(lang, "error_required")));
    }
    let due_date = date_of(lang, fields, "due_date", &mut errors);
    let delivery_from = date_of(lang, fields, "delivery_from", &mut errors);
    let delivery_to = date_of(lang, fields, "delivery_to", &mut errors);
    let mut order_lines = Vec::new();
    let mut requested_lines = Vec::new();
    let mut line_rows = Vec::new();
    for row in 0..rows {
        let name = |part: &str| format!("l{row}_{part}");
        let used = ["name", "quantity", "price"]
            .iter()
            .any(|part| !fields.get(&name(part)).is_empty());
        if !used {
            continue;
        }
        let quantity_field = name("quantity");
        let quantity = decimal_of(lang, fields, &quantity_field, &mut errors);
        if fields.get(&quantity_field).is_empty() {
            errors.push(FieldError::new(quantity_field, t(lang, "error_required")));
        }
        let price_field = name("price");
        let price = if kind == IssueKind::Order {
            let price = decimal_of(lang, fields, &price_field, &mut errors);
            if fields.get(&price_field).is_empty() {
                errors.push(FieldError::new(price_field, t(lang, "error_required")));
            }
            price
        } else {
            Some(Decimal::ZERO)
        };
        let (Some(quantity), Some(unit_price)) = (quantity, price) else {
            continue;
        };
        let id = (line_rows.len() + 1).to_string();
        let item_name = fields.get(&name("name")).to_owned();
        let unit_code = fields.get(&name("unit")).to_owned();
        line_rows.push(row);
        match kind {
            IssueKind::Order => order_lines.push(cie_compose::OrderLine {
                id,
                item_name,
                seller_item_id: None,
                quantity,
                unit_code,
                unit_price,
                tax_category: None,
                note: None,
            }),
            IssueKind::RequestForQuotation => requested_lines.push(cie_compose::RequestedLine {
                id,
                item_name,
                quantity,
                unit_code,
                note: None,
            }),
        }
    }
    let (Some(supplier_org_id), Some(buyer_id), Some(issue_date)) =
        (supplier_org_id, buyer_id, issue_date)
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let delivery_given = ["delivery_postal_zone", "delivery_city", "delivery_street"]
        .iter()
        .any(|name| !fields.get(name).is_empty())
        || delivery_from.is_some()
        || delivery_to.is_some();
    let delivery = delivery_given.then(|| cie_compose::Delivery {
        address: cie_compose::Address {
            postal_zone: fields.optional("delivery_postal_zone"),
            country_subentity: None,
            city_name: fields.get("delivery_city").to_owned(),
            street_name: fields.optional("delivery_street"),
            additional_street_name: None,
            country: "JP".into(),
        },
        requested_period: (delivery_from.is_some() || delivery_to.is_some()).then_some(
            cie_compose::Period {
                start: delivery_from,
                end: delivery_to,
            },
        ),
    });
    let number = fields.get("number").to_owned();
    let note = fields.optional("note");
    let document = match kind {
        IssueKind::Order => Issue::Order(IssueOrder {
            supplier_org_id,
            order: cie_compose::Order {
                id: number,
                issue_date,
                issue_time: None,
                response_requested: fields.ticked("response_requested"),
                buyer_reference: fields.optional("commitment_number"),
                currency: "JPY".into(),
                note,
                buyer: unnamed_party(),
                seller: unnamed_party(),
                delivery,
                lines: order_lines,
            },
        }),
        IssueKind::RequestForQuotation => Issue::RequestForQuotation(IssueRequestForQuotation {
            supplier_org_id,
            request: cie_compose::RequestForQuotation {
                id: number,
                issue_date,
                issue_time: now.time().with_nanosecond(0).unwrap_or_default(),
                submission_due_date: due_date,
                note,
                currency: "JPY".into(),
                buyer: unnamed_party(),
                seller: unnamed_party(),
                delivery,
                lines: requested_lines,
            },
        }),
    };
    Ok(ReadIssue {
        buyer_id,
        document,
        line_rows,
    })
}

/// The form field a path of the composed input (`lines[2].quantity`, `delivery.address.city_name`) is
/// typed in.
fn form_field(path: &str, line_rows: &[usize]) -> String {
    if let Some(field) = crate::web::forms::line_field(path, line_rows) {
        return field;
    }
    let field = match path {
        "lines" => "l0_name",
        "id" => "number",
        "issue_date" | "issue_time" => "issue_date",
        "submission_due_date" => "due_date",
        "buyer_reference" => "commitment_number",
        "note" => "note",
        "delivery.address.postal_zone" => "delivery_postal_zone",
        "delivery.address.street_name" => "delivery_street",
        "delivery.requested_period.end" => "delivery_to",
        p if p.starts_with("delivery.requested_period") => "delivery_from",
        p if p.starts_with("delivery") => "delivery_city",
        p if p.starts_with("buyer") => "buyer",
        p if p.starts_with("seller") => "supplier_org_id",
        _ => "number",
    };
    field.to_owned()
}

/// A compose error in words, beside its field.
fn compose_error(lang: Lang, error: &ComposeError, line_rows: &[usize]) -> FieldError {
    let message = match error {
        ComposeError::Empty { .. } | ComposeError::Missing { .. } => t(lang, "error_required"),
        ComposeError::ControlCharacter { .. } => t(lang, "console_error_control"),
        ComposeError::NoEntries { .. } => t(lang, "console_error_no_lines"),
        ComposeError::NotPositive { .. } => t(lang, "console_error_not_positive"),
        ComposeError::Negative { .. } => t(lang, "console_error_negative"),
        ComposeError::InvalidCode { value, .. } => {
            t_with(lang, "console_error_code", &[("value", value)])
        }
        ComposeError::FractionalAmount { .. } => t(lang, "console_error_fraction"),
        ComposeError::Overflow { .. } => t(lang, "console_error_overflow"),
        ComposeError::DuplicateLineId { .. } => t(lang, "console_error_duplicate_line"),
        ComposeError::DateOrder { .. } => t(lang, "console_error_date_order"),
        other => other.to_string(),
    };
    FieldError::new(form_field(error.field(), line_rows), message)
}

/// Where the issuing use case's own refusals belong.
const ISSUE_PLACES: [Place; 2] = [
    beside("supplier_org_id", "supplier_org_id"),
    beside("buyer", "buyer"),
];

async fn issue_posted(
    state: &AppState,
    visit: &Visit,
    kind: IssueKind,
    fields: FormFields,
) -> Result<Response, PageError> {
    visit.check_form(fields.get("csrf"))?;
    let lang = visit.lang;
    let rows = rows_of(&fields);
    if fields.ticked("add_line") {
        let form = issue_form(
            state,
            visit,
            kind,
            fields,
            (rows + 1).min(MOST_ROWS),
            Notices::default(),
        )
        .await?;
        return Ok(page(
            StatusCode::OK,
            views::console::issue(&visit.frame(), &form),
        ));
    }
    let now = state
        .clock
        .now()
        .with_timezone(&super::japan())
        .naive_local();
    let notices = match read_issue(lang, kind, &fields, rows, now) {
        Ok(read) => {
            match crate::issuing::issue_to_registered(
                state,
                &visit.caller,
                read.buyer_id,
                read.document,
            )
            .await
            {
                Ok((record, _)) => {
                    return Ok(Redirect::to(&format!("/documents/{}", record.id)).into_response());
                }
                Err(Error::Compose(error)) => Notices {
                    fields: vec![compose_error(lang, &error, &read.line_rows)],
                    ..Notices::default()
                },
                Err(error) if is_refusal(&error) => refusal(lang, &error, &ISSUE_PLACES),
                Err(error) => return Err(error.into()),
            }
        }
        Err(errors) => Notices {
            fields: errors,
            ..Notices::default()
        },
    };
    let form = issue_form(state, visit, kind, fields, rows, notices).await?;
    Ok(page(
        StatusCode::UNPROCESSABLE_ENTITY,
        views::console::issue(&visit.frame(), &form),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_composed_path_names_the_form_field() {
        assert_eq!(form_field("lines[1].quantity", &[0, 3]), "l3_quantity");
        assert_eq!(form_field("lines[0]", &[2]), "l2_price");
        assert_eq!(form_field("lines[0].unit_code", &[2]), "l2_unit");
        assert_eq!(
            form_field("delivery.address.city_name", &[]),
            "delivery_city"
        );
        assert_eq!(form_field("seller.endpoint", &[]), "supplier_org_id");
        assert_eq!(form_field("id", &[]), "number");
    }

    #[test]
    fn every_compose_error_has_its_words() {
        let errors = [
            ComposeError::Empty { field: "id".into() },
            ComposeError::ControlCharacter {
                field: "note".into(),
            },
            ComposeError::NoEntries {
                field: "lines".into(),
            },
            ComposeError::NotPositive {
                field: "lines[0].quantity".into(),
            },
            ComposeError::Negative {
                field: "lines[0].unit_price".into(),
            },
            ComposeError::InvalidCode {
                field: "lines[0].unit_code".into(),
                value: "x".into(),
                expected: "a code",
            },
            ComposeError::Overflow {
                field: "lines[0]".into(),
            },
            ComposeError::DuplicateLineId {
                field: "lines[1].id".into(),
                value: "1".into(),
            },
            ComposeError::DateOrder {
                field: "submission_due_date".into(),
                earlier_field: "issue_date".into(),
            },
        ];
        for lang in [Lang::Ja, Lang::En] {
            for error in &errors {
                let shown = compose_error(lang, error, &[0, 1]);
                assert!(!shown.message.starts_with("console_"), "{error:?}");
                assert_ne!(shown.message, error.to_string(), "{error:?}");
            }
        }
    }

    #[test]
    fn numbers_are_read_as_people_type_them() {
        let fields = FormFields(vec![
            ("a".into(), "１２，３４５円".into()),
            ("b".into(), "abc".into()),
        ]);
        let mut errors = Vec::new();
        assert_eq!(
            decimal_of(Lang::Ja, &fields, "a", &mut errors),
            Some(Decimal::new(12345, 0))
        );
        assert_eq!(decimal_of(Lang::Ja, &fields, "b", &mut errors), None);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "b");
    }
}

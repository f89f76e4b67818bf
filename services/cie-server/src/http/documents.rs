//! `/api/v1/documents`: submit raw XML, search, show a summary, fetch the original bytes.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Authenticated;
use crate::http::extract::{JsonInput, PathInput, QueryInput, RawBody};
use crate::intake::{self, Received};
use crate::records::{self, DocumentSearch, DocumentView, PageView, ValidationView};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubmitParams {
    supplier_org: Option<i64>,
}

/// `POST /api/v1/documents`: 201 with the new document, 200 with the existing one for identical bytes.
pub(crate) async fn submit(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryInput(params): QueryInput<SubmitParams>,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    Ok(
        match intake::receive(&state, &caller, params.supplier_org, body).await? {
            Received::Created(record, verdict) => created(record, verdict),
            Received::AlreadyReceived(record) => {
                let view = records::document_with_validation(&state, &caller, record.id).await?;
                (StatusCode::OK, Json(view)).into_response()
            }
        },
    )
}

/// The organisation to attach a document to.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssignSupplierOrg {
    supplier_org_id: i64,
}

/// `POST /api/v1/documents/{id}/supplier-org`: attach a document filed for no organisation to one.
pub(crate) async fn assign_supplier_org(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
    JsonInput(request): JsonInput<AssignSupplierOrg>,
) -> Result<Json<DocumentView>, ApiError> {
    records::assign_supplier_org(&state, &caller, id, request.supplier_org_id)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `GET /api/v1/documents?…`.
pub(crate) async fn search(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryInput(search): QueryInput<DocumentSearch>,
) -> Result<Json<PageView<DocumentView>>, ApiError> {
    records::search_documents(&state, &caller, search)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `GET /api/v1/documents/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
) -> Result<Json<DocumentView>, ApiError> {
    records::document_with_validation(&state, &caller, id)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `GET /api/v1/documents/{id}/original`: the bytes exactly as received.
pub(crate) async fn original(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
) -> Result<Response, ApiError> {
    let content = records::document_original(&state, &caller, id).await?;
    let disposition = format!("attachment; filename=\"document-{id}.xml\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/xml".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        content,
    )
        .into_response())
}

/// `GET /api/v1/documents/export.csv?…`: every match of the search, as CSV.
pub(crate) async fn export_csv(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryInput(search): QueryInput<DocumentSearch>,
) -> Result<Response, ApiError> {
    let csv = records::export_documents_csv(&state, &caller, search).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"documents.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

/// `GET /api/v1/documents/{id}/links`: what the document refers to and what refers to it.
pub(crate) async fn links(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
) -> Result<Json<crate::linking::Links>, ApiError> {
    crate::linking::links(&state, &caller, id)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `GET /api/v1/documents/{id}/matching`: the line match against the order (and delivery notes).
pub(crate) async fn matching(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
) -> Result<Json<cie_matching::MatchReport>, ApiError> {
    crate::linking::matching(&state, &caller, id)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// 201 with a new document, its verdict and its location.
fn created(record: cie_store::DocumentRecord, verdict: crate::validation::Verdict) -> Response {
    let location = format!("/api/v1/documents/{}", record.id);
    let mut view = DocumentView::from(record);
    view.validation = Some(ValidationView::from(&verdict));
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(view),
    )
        .into_response()
}

/// `POST /api/v1/issued/orders`: the city sends an order (JSON in, UBL archived for the supplier).
pub(crate) async fn issue_order(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    crate::http::extract::JsonInput(order): crate::http::extract::JsonInput<
        crate::issuing::IssueOrder,
    >,
) -> Result<Response, ApiError> {
    let (record, verdict) =
        crate::issuing::issue(&state, &caller, crate::issuing::Issue::Order(order)).await?;
    Ok(created(record, verdict))
}

/// `POST /api/v1/issued/requests-for-quotation`: the city asks a supplier for a quotation.
pub(crate) async fn issue_request_for_quotation(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    crate::http::extract::JsonInput(request): crate::http::extract::JsonInput<
        crate::issuing::IssueRequestForQuotation,
    >,
) -> Result<Response, ApiError> {
    let (record, verdict) = crate::issuing::issue(
        &state,
        &caller,
        crate::issuing::Issue::RequestForQuotation(request),
    )
    .await?;
    Ok(created(record, verdict))
}

/// `GET /api/v1/documents/{id}/pdf`: the document as a readable PDF, the original XML attached.
pub(crate) async fn pdf(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue};
    use axum::response::IntoResponse;
    let rendered = crate::rendering::document_pdf(&state, &caller, id).await?;
    let mut response = rendered.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(value) =
        HeaderValue::from_str(&format!("inline; filename=\"{}\"", rendered.file_name))
    {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

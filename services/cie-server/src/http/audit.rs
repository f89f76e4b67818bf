//! `GET /api/v1/exports/audit`: the tax-office package (a ZIP of originals, PDFs, index and chain segment),
//! streamed as it is written.

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::audit_export::{self, AuditRequest};
use crate::http::error::ApiError;
use crate::http::extract::Authenticated;
use crate::http::extract::QueryInput;

/// `GET /api/v1/exports/audit?date_from&date_to&counterparty&amount_min&amount_max` (admin).
pub(crate) async fn package(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryInput(request): QueryInput<AuditRequest>,
) -> Result<Response, ApiError> {
    let plan = audit_export::plan(&state, &caller, request).await?;
    let disposition = format!("attachment; filename=\"{}\"", plan.file_name);
    let chunks = audit_export::stream(state, plan);
    let body = Body::from_stream(futures::stream::unfold(chunks, |mut chunks| async move {
        chunks.recv().await.map(|chunk| (chunk, chunks))
    }));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

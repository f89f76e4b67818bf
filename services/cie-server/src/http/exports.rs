//! The finance system's routes: bulk payment orders and payments (and, with the export crate, the pull of
//! approved payments).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::finance::{self, BulkItem};
use crate::http::error::ApiError;
use crate::http::error::code_and_message;
use crate::http::extract::Authenticated;
use crate::http::extract::JsonInput;

/// Body of a bulk report.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BulkRequest {
    items: Vec<BulkItem>,
}

/// One item's outcome: what happened, or why not.
#[derive(Debug, Serialize)]
pub(crate) struct BulkItemReport {
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    document_id: Option<i64>,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<cie_workflow::InvoiceState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// The answer to a bulk report: every item's outcome, in order, and the counts.
#[derive(Debug, Serialize)]
pub(crate) struct BulkReport {
    done: usize,
    unchanged: usize,
    failed: usize,
    items: Vec<BulkItemReport>,
}

/// `POST /api/v1/exports/payments/results`: payment orders and payments for many invoices at once.
pub(crate) async fn bulk_results(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    JsonInput(request): JsonInput<BulkRequest>,
) -> Result<Json<BulkReport>, ApiError> {
    let results = finance::bulk_steps(&state, &caller, request.items).await?;
    let mut report = BulkReport {
        done: 0,
        unchanged: 0,
        failed: 0,
        items: Vec::with_capacity(results.len()),
    };
    for (index, result) in results.into_iter().enumerate() {
        report.items.push(match result {
            Ok(done) => {
                if done.outcome == "done" {
                    report.done += 1;
                } else {
                    report.unchanged += 1;
                }
                BulkItemReport {
                    index,
                    document_id: Some(done.document_id),
                    outcome: done.outcome,
                    state: Some(done.state),
                    code: None,
                    message: None,
                }
            }
            Err(error) => {
                report.failed += 1;
                let (code, message) = code_and_message(&error);
                BulkItemReport {
                    index,
                    document_id: None,
                    outcome: "failed",
                    state: None,
                    code: Some(code),
                    message: Some(message),
                }
            }
        });
    }
    Ok(Json(report))
}

/// `GET /api/v1/exports/payments?after&limit&format&encoding`: the next records of the payment export, in
/// the city's layout. JSON is answered as `{cursor, written, held_back, records}`; CSV and fixed-length files
/// as they are, with the cursor and the held-back sequences in `CIE-Cursor` and `CIE-Held-Back` headers (why:
/// `GET /api/v1/exports/payments/held-back`).
pub(crate) async fn pull(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    headers: axum::http::HeaderMap,
    crate::http::extract::QueryInput(mut query): crate::http::extract::QueryInput<
        finance::PullQuery,
    >,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
    use axum::response::IntoResponse;
    if query.format.is_none() {
        query.format = headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .and_then(format_accepted)
            .map(str::to_owned);
    }
    let pulled = finance::pull_payments(&state, &caller, query).await?;
    if pulled.content_type.starts_with("application/json") {
        // The records are written by the layout's JSON writer; they are wrapped, not parsed again.
        let head = serde_json::json!({
            "cursor": pulled.cursor,
            "written": pulled.written,
            "held_back": pulled.held_back,
        })
        .to_string();
        let mut body = Vec::with_capacity(head.len() + pulled.bytes.len() + 16);
        body.extend_from_slice(&head.as_bytes()[..head.len() - 1]);
        body.extend_from_slice(b",\"records\":");
        body.extend_from_slice(&pulled.bytes);
        body.push(b'}');
        let mut response = body.into_response();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return Ok(response);
    }
    let held: Vec<String> = pulled
        .held_back
        .iter()
        .map(|h| h.sequence.to_string())
        .collect();
    let mut response = pulled.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(pulled.content_type));
    if let Some(cursor) = pulled.cursor
        && let Ok(value) = HeaderValue::from_str(&cursor.to_string())
    {
        headers.insert("cie-cursor", value);
    }
    if let Ok(value) = HeaderValue::from_str(&held.join(",")) {
        headers.insert("cie-held-back", value);
    }
    Ok(response)
}

/// The export format an `Accept` header asks for: `application/json` or `text/csv` (a `charset=Shift_JIS` or
/// `windows-31j` with it is left to `?encoding=`); anything else leaves the city's layout in charge.
fn format_accepted(accept: &str) -> Option<&'static str> {
    let wanted = accept.split(',').map(|part| {
        part.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    for media in wanted {
        match media.as_str() {
            "application/json" => return Some("json"),
            "text/csv" => return Some("csv"),
            _ => {}
        }
    }
    None
}

/// Body of an acknowledgement.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AckRequest {
    cursor: i64,
}

/// `POST /api/v1/exports/payments/ack {cursor}`: the caller imported its records up to `cursor`.
pub(crate) async fn ack(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    JsonInput(request): JsonInput<AckRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let acknowledged = finance::ack_payments(&state, &caller, request.cursor).await?;
    Ok(Json(serde_json::json!({ "acknowledged": acknowledged })))
}

/// `GET /api/v1/exports/payments/held-back`: the records held back at their last pull, with every problem.
pub(crate) async fn held_back(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Json<Vec<cie_export::HeldBack>>, ApiError> {
    finance::held_back(&state, &caller)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

//! The finance system's routes: bulk payment orders and payments (and, with the export crate, the pull of
//! approved payments).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;
use crate::finance::{self, BulkItem};
use crate::http::error::code_and_message;
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
    caller: Caller,
    JsonInput(request): JsonInput<BulkRequest>,
) -> Result<Json<BulkReport>, Error> {
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

//! `/api/v1/submissions`: every archived submission, accepted or rejected, and its original bytes.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Authenticated;
use crate::http::extract::{PathInput, QueryInput};
use crate::records::{self, PageView, SubmissionSearch, SubmissionView};

/// `GET /api/v1/submissions?outcome=rejected`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryInput(search): QueryInput<SubmissionSearch>,
) -> Result<Json<PageView<SubmissionView>>, ApiError> {
    records::list_submissions(&state, &caller, search)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `GET /api/v1/submissions/{seq}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(seq): PathInput<i64>,
) -> Result<Json<SubmissionView>, ApiError> {
    let (entry, _) = records::submission(&state, &caller, seq).await?;
    Ok(Json(SubmissionView::from(entry)))
}

/// `GET /api/v1/submissions/{seq}/original`: the bytes exactly as received (or their first part).
pub(crate) async fn original(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(seq): PathInput<i64>,
) -> Result<Response, ApiError> {
    let (_, content) = records::submission(&state, &caller, seq).await?;
    let disposition = format!("attachment; filename=\"submission-{seq}.bin\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        content,
    )
        .into_response())
}

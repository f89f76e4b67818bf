//! `/api/v1/submissions`: every archived submission, accepted or rejected, and its original bytes.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;
use crate::http::extract::{PathInput, QueryInput};
use crate::records::{self, PageView, SubmissionSearch, SubmissionView};

/// `GET /api/v1/submissions?outcome=rejected`.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryInput(search): QueryInput<SubmissionSearch>,
) -> Result<Json<PageView<SubmissionView>>, Error> {
    records::list_submissions(&state, &caller, search)
        .await
        .map(Json)
}

/// `GET /api/v1/submissions/{seq}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    PathInput(seq): PathInput<i64>,
) -> Result<Json<SubmissionView>, Error> {
    let (entry, _) = records::submission(&state, &caller, seq).await?;
    Ok(Json(SubmissionView::from(entry)))
}

/// `GET /api/v1/submissions/{seq}/original`: the bytes exactly as received (or their first part).
pub(crate) async fn original(
    State(state): State<AppState>,
    caller: Caller,
    PathInput(seq): PathInput<i64>,
) -> Result<Response, Error> {
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

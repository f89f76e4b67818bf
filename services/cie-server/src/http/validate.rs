//! `POST /api/v1/validate`: a supplier's pre-check. The same rules as intake; nothing is archived.

use axum::Json;
use axum::extract::State;

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Authenticated;
use crate::http::extract::RawBody;
use crate::validation::{self, PreCheck};

pub(crate) async fn validate(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    RawBody(body): RawBody,
) -> Result<Json<PreCheck>, ApiError> {
    validation::precheck(&state, &caller, &body)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

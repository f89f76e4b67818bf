//! `GET /api/v1/registry/{number}?on=YYYY-MM-DD&name=…`: the imported NTA registry's answer for a number.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Authenticated;
use crate::http::extract::{PathInput, QueryInput};
use crate::registry::{self, RegistryCheck};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LookUpParams {
    on: Option<NaiveDate>,
    name: Option<String>,
}

pub(crate) async fn look_up(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(number): PathInput<String>,
    QueryInput(params): QueryInput<LookUpParams>,
) -> Result<Json<RegistryCheck>, ApiError> {
    registry::look_up(&state, &caller, &number, params.on, params.name.as_deref())
        .await
        .map(Json)
        .map_err(ApiError::from)
}

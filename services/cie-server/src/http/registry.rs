//! `GET /api/v1/registry/{number}?on=YYYY-MM-DD&name=…`: the imported NTA registry's answer for a number.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;
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
    caller: Caller,
    PathInput(number): PathInput<String>,
    QueryInput(params): QueryInput<LookUpParams>,
) -> Result<Json<RegistryCheck>, Error> {
    registry::look_up(&state, &caller, &number, params.on, params.name.as_deref())
        .await
        .map(Json)
}

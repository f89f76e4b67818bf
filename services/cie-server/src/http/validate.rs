//! `POST /api/v1/validate`: a supplier's pre-check. The same rules as intake; nothing is archived.

use axum::Json;
use axum::extract::State;

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;
use crate::http::extract::RawBody;
use crate::validation::{self, PreCheck};

pub(crate) async fn validate(
    State(state): State<AppState>,
    caller: Caller,
    RawBody(body): RawBody,
) -> Result<Json<PreCheck>, Error> {
    validation::precheck(&state, &caller, &body).await.map(Json)
}

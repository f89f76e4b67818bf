//! `POST /api/v1/auth/login`: user name and password (or finance client id and secret) for a token.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::AppState;
use crate::accounts::{self, Session};
use crate::http::error::ApiError;
use crate::http::extract::{ClientAddress, JsonInput};

#[derive(Deserialize)]
pub(crate) struct LoginRequest {
    tenant: String,
    username: String,
    password: String,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    JsonInput(request): JsonInput<LoginRequest>,
) -> Result<Json<Session>, ApiError> {
    accounts::login(
        &state,
        &request.tenant,
        &request.username,
        &request.password,
        address,
    )
    .await
    .map(Json)
    .map_err(ApiError::from)
}

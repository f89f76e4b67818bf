//! `POST /api/v1/auth/login`: user name and password (or finance client id and secret) for a token.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::AppState;
use crate::accounts::{self, Session};
use crate::http::error::ApiError;
use crate::http::extract::{Authenticated, ClientAddress, JsonInput};

#[derive(Deserialize)]
pub(crate) struct LoginRequest {
    tenant: String,
    username: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// `POST /api/v1/auth/password`: the caller's new password, given the current one.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    JsonInput(request): JsonInput<PasswordChange>,
) -> Result<axum::http::StatusCode, ApiError> {
    accounts::change_password(
        &state,
        &caller,
        &request.current_password,
        &request.new_password,
        None,
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
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

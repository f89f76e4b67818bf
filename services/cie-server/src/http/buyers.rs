//! `/api/v1/buyers` (the city's buyers a supplier may address an invoice to) and their administration under
//! `/api/v1/admin/buyers`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cie_store::{CityBuyer, NewCityBuyer};
use serde::Deserialize;

use crate::AppState;
use crate::composing;
use crate::http::error::ApiError;
use crate::http::extract::{Authenticated, JsonInput, PathInput, QueryInput};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct BuyerQuery {
    /// Inactive buyers too (city users only).
    #[serde(default)]
    all: bool,
}

/// `GET /api/v1/buyers`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryInput(query): QueryInput<BuyerQuery>,
) -> Result<Json<Vec<CityBuyer>>, ApiError> {
    Ok(Json(
        composing::city_buyers(&state, &caller, query.all).await?,
    ))
}

/// `POST /api/v1/admin/buyers`.
pub(crate) async fn create(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    JsonInput(buyer): JsonInput<NewCityBuyer>,
) -> Result<(StatusCode, Json<CityBuyer>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(composing::add_city_buyer(&state, &caller, buyer).await?),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActiveRequest {
    active: bool,
}

/// `PUT /api/v1/admin/buyers/{id}/active`.
pub(crate) async fn set_active(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
    JsonInput(request): JsonInput<ActiveRequest>,
) -> Result<Json<CityBuyer>, ApiError> {
    Ok(Json(
        composing::set_city_buyer_active(&state, &caller, id, request.active).await?,
    ))
}

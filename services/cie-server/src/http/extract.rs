//! Extractors: the authenticated caller from the bearer token, a size-capped raw body, and JSON/query
//! input whose rejections use our error shape.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use futures::StreamExt;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;
use crate::intake::ReceivedBody;

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        state.tokens.verify(token, state.clock.now())
    }
}

/// The operator: a request carrying the configured operator key as its bearer token.
pub(crate) struct Operator;

impl FromRequestParts<AppState> for Operator {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(expected) = &state.config.auth.operator_key else {
            return Err(Error::Forbidden(
                "the operator API is disabled: set auth.operator_key (CIE_AUTH__OPERATOR_KEY)"
                    .into(),
            ));
        };
        let presented = bearer(parts)?;
        if constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
            Ok(Operator)
        } else {
            Err(Error::Unauthenticated("the operator key is wrong".into()))
        }
    }
}

fn bearer(parts: &Parts) -> Result<&str, Error> {
    let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
        Error::Unauthenticated("an Authorization: Bearer token is required".into())
    })?;
    let value = header
        .to_str()
        .map_err(|_| Error::Unauthenticated("the Authorization header is not text".into()))?;
    value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            Error::Unauthenticated("the Authorization header must be 'Bearer <token>'".into())
        })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The raw request body, read up to `limits.max_body_bytes`; past that only the first part is kept.
pub(crate) struct RawBody(pub(crate) ReceivedBody);

impl FromRequest<AppState> for RawBody {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let cap = state.config.limits.max_body_bytes;
        let mut stream = request.into_body().into_data_stream();
        let mut bytes = Vec::new();
        let mut size: u64 = 0;
        let mut truncated = false;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                Error::invalid(
                    "body_unreadable",
                    format!("the request body broke off: {e}"),
                )
            })?;
            size += chunk.len() as u64;
            let room = cap.saturating_sub(bytes.len());
            if chunk.len() > room {
                bytes.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(RawBody(ReceivedBody {
            bytes,
            size,
            truncated,
        }))
    }
}

/// JSON input; a malformed body is an `invalid_json` error naming the problem.
pub(crate) struct JsonInput<T>(pub(crate) T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonInput<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let request = request.map(Body::new);
        axum::Json::<T>::from_request(request, state)
            .await
            .map(|axum::Json(value)| JsonInput(value))
            .map_err(|rejection| Error::invalid("invalid_json", rejection.body_text()))
    }
}

/// Query-string input; a malformed query is an `invalid_query` error naming the problem.
pub(crate) struct QueryInput<T>(pub(crate) T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for QueryInput<T> {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| QueryInput(value))
            .map_err(|rejection| Error::invalid("invalid_query", rejection.body_text()))
    }
}

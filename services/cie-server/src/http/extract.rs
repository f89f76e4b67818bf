//! Extractors: the authenticated caller from the bearer token, a size-capped raw body, and JSON/query
//! input whose rejections use our error shape.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use futures::StreamExt;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::Caller;
use crate::body::ReceivedBody;
use crate::connections::body_stalled;
use crate::error::Error;
use crate::http::error::ApiError;
use crate::http::limits::Client;

/// The caller a bearer token names, for handlers: `Authenticated(caller): Authenticated`.
pub(crate) struct Authenticated(pub(crate) Caller);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        let caller = state.tokens.verify(token, state.clock.now())?;
        crate::http::observe::record_caller(&caller);
        Ok(Authenticated(caller))
    }
}

/// A metrics scraper: a request carrying `metrics.token` as its bearer token.
pub(crate) struct Scraper;

impl FromRequestParts<AppState> for Scraper {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(expected) = &state.config.metrics.token else {
            return Err(Error::Forbidden(
                "the metrics are off: set metrics.token (CIE_METRICS__TOKEN) and give it to the scraper"
                    .into(),
            )
            .into());
        };
        configured_secret(parts, state, expected, Vec::new(), "metrics token")?;
        Ok(Scraper)
    }
}

/// The operator: a request carrying the configured operator key as its bearer token.
pub(crate) struct Operator;

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(expected) = &state.config.auth.operator_key else {
            return Err(Error::Forbidden(
                "the operator API is disabled: set auth.operator_key (CIE_AUTH__OPERATOR_KEY)"
                    .into(),
            )
            .into());
        };
        let subjects = vec![crate::login_guard::Subject::Operator];
        configured_secret(parts, state, expected, subjects, "operator key")?;
        Ok(Operator)
    }
}

/// Accepts a request whose bearer token is the secret `expected` of the configuration (named `what`),
/// throttled like logins: failures count against `subjects` and the client's address, which are locked
/// after repeated ones.
fn configured_secret(
    parts: &Parts,
    state: &AppState,
    expected: &str,
    mut subjects: Vec<crate::login_guard::Subject>,
    what: &str,
) -> Result<(), ApiError> {
    let presented = bearer(parts)?;
    if let Some(address) = client_address(parts) {
        subjects.push(crate::login_guard::Subject::Address(address));
    }
    let now = state.clock.now();
    if let Err(locked) = state.login_guard.check(&subjects, now) {
        return Err(Error::Throttled {
            retry_after_seconds: locked.retry_after_seconds,
        }
        .into());
    }
    if constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
        return Ok(());
    }
    if let Some(locked) = state.login_guard.failed(&subjects, now) {
        tracing::warn!(target: "security", seconds = locked.retry_after_seconds,
                       "{what} locked after repeated failures");
    }
    Err(Error::Unauthenticated(format!("the {what} is wrong")).into())
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
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
        .map_err(ApiError::from)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The raw request body: kept whole up to `limits.max_document_bytes` within the server's memory budget for
/// bodies; a larger one keeps its first `limits.refused_keep_bytes` and is read on (counted and hashed, not
/// kept) up to `limits.max_body_bytes`.
pub(crate) struct RawBody(pub(crate) ReceivedBody);

/// How long a body waits for its share of the memory budget before the request is refused as busy.
const BUDGET_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

impl FromRequest<AppState> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        use sha2::Digest as _;
        let limits = &state.config.limits;
        let mut stream = request.into_body().into_data_stream();
        let mut bytes = Vec::new();
        let mut budget: Option<tokio::sync::OwnedSemaphorePermit> = None;
        let mut size: u64 = 0;
        let mut whole: Option<sha2::Sha256> = None;
        let mut complete = true;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| match body_stalled(&e) {
                Some(stalled) => Error::invalid("body_timeout", stalled.to_string()),
                None => Error::invalid(
                    "body_unreadable",
                    format!("the request body broke off: {e}"),
                ),
            })?;
            size += chunk.len() as u64;
            if let Some(hasher) = whole.as_mut() {
                hasher.update(&chunk);
            } else if bytes.len() + chunk.len() > limits.max_document_bytes {
                let mut hasher = sha2::Sha256::new();
                hasher.update(&bytes);
                hasher.update(&chunk);
                whole = Some(hasher);
                let keep = limits.refused_keep_bytes;
                if bytes.len() < keep {
                    let more = (keep - bytes.len()).min(chunk.len());
                    bytes.extend_from_slice(&chunk[..more]);
                }
                bytes.truncate(keep);
                bytes.shrink_to_fit();
                budget = None;
            } else {
                let share = take_budget(state, chunk.len()).await?;
                match budget.as_mut() {
                    Some(held) => held.merge(share),
                    None => budget = Some(share),
                }
                bytes.extend_from_slice(&chunk);
            }
            if size > limits.max_body_bytes as u64 {
                complete = false;
                break;
            }
        }
        let truncated = whole.is_some();
        Ok(RawBody(ReceivedBody {
            bytes: bytes.into(),
            size,
            truncated,
            sha256: whole.map(|hasher| hex::encode(hasher.finalize())),
            complete,
            budget,
        }))
    }
}

/// `bytes` of the memory budget for bodies, waited for up to [`BUDGET_WAIT`].
async fn take_budget(
    state: &AppState,
    bytes: usize,
) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    let permits = u32::try_from(bytes).unwrap_or(u32::MAX);
    match tokio::time::timeout(
        BUDGET_WAIT,
        state.body_budget.clone().acquire_many_owned(permits),
    )
    .await
    {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(Error::Busy(
            "too many documents are being received at once; send this one again in a moment".into(),
        )
        .into()),
    }
}

/// JSON input. A body that is not JSON, or lacks or mistypes a field, is an `invalid_json` error naming the
/// field; a body with another content type is `unsupported_media_type`; one over the size limit is
/// `body_too_large`. An empty body reads as `{}`, so that a step whose fields are all optional needs none.
pub(crate) struct JsonInput<T>(pub(crate) T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonInput<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let declared = request
            .headers()
            .get(CONTENT_TYPE)
            .map(|value| value.to_str().unwrap_or("(not text)").to_owned());
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    Error::invalid("body_too_large", rejection.body_text())
                } else if let Some(stalled) = body_stalled(&rejection) {
                    Error::invalid("body_timeout", stalled.to_string())
                } else {
                    Error::invalid("body_unreadable", rejection.body_text())
                }
            })?;
        let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            if let Some(declared) = declared.filter(|d| !is_json(d)) {
                return Err(Error::invalid(
                    "unsupported_media_type",
                    format!(
                        "the body must be JSON (Content-Type: application/json), not {declared:?}"
                    ),
                )
                .into());
            }
            &bytes
        };
        serde_json::from_slice(text)
            .map(JsonInput)
            .map_err(|e| Error::invalid("invalid_json", json_problem(&e)))
            .map_err(ApiError::from)
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

/// What is wrong with a JSON body, in words: serde names the missing, unknown or mistyped field.
fn json_problem(error: &serde_json::Error) -> String {
    match error.classify() {
        serde_json::error::Category::Data => format!("the JSON body does not fit: {error}"),
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            format!("the body is not valid JSON: {error}")
        }
        serde_json::error::Category::Io => format!("the body could not be read: {error}"),
    }
}

/// A path parameter; one that does not parse (`/invoices/abc`) is an `invalid_path` error naming it.
pub(crate) struct PathInput<T>(pub(crate) T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for PathInput<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let route = parts
            .extensions
            .get::<axum::extract::MatchedPath>()
            .map(|matched| matched.as_str().to_owned())
            .unwrap_or_default();
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| PathInput(value))
            .map_err(|rejection| Error::invalid("invalid_path", path_problem(&route, &rejection)))
            .map_err(ApiError::from)
    }
}

/// What is wrong with a path, naming the parameter (from `route`, e.g. `/api/v1/invoices/{id}`, when the
/// route has one) and the value given.
fn path_problem(route: &str, rejection: &PathRejection) -> String {
    let only_parameter = route
        .split('/')
        .find_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .unwrap_or("the path parameter");
    let described = |key: &str, value: &str, expected_type: &str| {
        let expected = if expected_type.starts_with('i') || expected_type.starts_with('u') {
            "a whole number"
        } else {
            expected_type
        };
        format!("path parameter `{key}` of {route}: {value:?} is not {expected}")
    };
    if let PathRejection::FailedToDeserializePathParams(failed) = rejection {
        match failed.kind() {
            ErrorKind::ParseErrorAtKey {
                key,
                value,
                expected_type,
            } => return described(key, value, expected_type),
            ErrorKind::ParseError {
                value,
                expected_type,
            } => return described(only_parameter, value, expected_type),
            _ => {}
        }
    }
    format!("the path does not fit the route: {}", rejection.body_text())
}

/// Query-string input; a malformed query is an `invalid_query` error naming the problem.
pub(crate) struct QueryInput<T>(pub(crate) T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for QueryInput<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| QueryInput(value))
            .map_err(|rejection| Error::invalid("invalid_query", rejection.body_text()))
            .map_err(ApiError::from)
    }
}

/// The address of the client a request came from (behind a trusted proxy, the one it names), when the
/// server was started with connection info.
pub(crate) struct ClientAddress(pub(crate) Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(client_address(parts)))
    }
}

fn client_address(parts: &Parts) -> Option<std::net::IpAddr> {
    match parts.extensions.get::<Client>() {
        Some(client) => Some(client.0),
        None => parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip()),
    }
}

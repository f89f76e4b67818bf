//! The request span and the request metrics: every request gets an id (the client's `X-Request-Id` when it
//! is a plain token, else a new one), answered in `X-Request-Id`, and runs inside a `request` span carrying
//! that id, the method, the declared route and, once the caller is known, the tenant. Its duration is
//! counted by method, route and status class.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use rand::Rng;
use tracing::Instrument;

use crate::AppState;
use crate::auth::Caller;

/// The header that carries the request id both ways.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest request id taken from a client.
const MAX_REQUEST_ID: usize = 64;

/// The client's request id when it is 1–64 characters of letters, digits, `-`, `_`, `.` or `:` (what
/// proxies and load balancers send); otherwise a new random one.
fn request_id(request: &Request) -> String {
    request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| {
            !id.is_empty()
                && id.len() <= MAX_REQUEST_ID
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        })
        .map_or_else(
            || {
                let bytes: [u8; 12] = rand::rng().random();
                hex::encode(bytes)
            },
            str::to_owned,
        )
}

/// Runs the request inside its span, answers its id and counts it.
pub(crate) async fn observe(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = request_id(&request);
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        route = %route,
        tenant = tracing::field::Empty,
        document_id = tracing::field::Empty,
    );
    if let Some(document) = document_in_path(&route, request.uri().path()) {
        span.record("document_id", document);
    }
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::debug!(status, micros = elapsed.as_micros() as u64, "answered");
    });
    state
        .metrics
        .observe_request(&method, &route, status, elapsed);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// The document a request is about, from its path: the `{id}` after `documents` or `invoices` in the
/// declared route (an invoice's id is its document's).
fn document_in_path(route: &str, path: &str) -> Option<i64> {
    let declared: Vec<&str> = route.split('/').collect();
    let actual: Vec<&str> = path.split('/').collect();
    if declared.len() != actual.len() {
        return None;
    }
    declared
        .windows(2)
        .zip(actual.iter().skip(1))
        .find(|(pair, _)| matches!(pair[0], "documents" | "invoices") && pair[1] == "{id}")
        .and_then(|(_, value)| value.parse().ok())
}

/// Names the caller's city on the current request span.
pub(crate) fn record_caller(caller: &Caller) {
    tracing::Span::current().record("tenant", caller.tenant.as_str());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_header(value: &str) -> Request {
        Request::builder()
            .header("x-request-id", value)
            .body(axum::body::Body::empty())
            .expect("a request")
    }

    #[test]
    fn the_document_of_a_request_is_read_from_its_path() {
        assert_eq!(
            document_in_path(
                "/api/v1/documents/{id}/original",
                "/api/v1/documents/42/original"
            ),
            Some(42)
        );
        assert_eq!(
            document_in_path(
                "/api/v1/invoices/{id}/approval",
                "/api/v1/invoices/7/approval"
            ),
            Some(7)
        );
        assert_eq!(document_in_path("/documents/{id}", "/documents/9"), Some(9));
        assert_eq!(
            document_in_path("/api/v1/submissions/{seq}", "/api/v1/submissions/3"),
            None
        );
        assert_eq!(
            document_in_path("/api/v1/documents", "/api/v1/documents"),
            None
        );
        assert_eq!(document_in_path("unmatched", "/x/y"), None);
    }

    #[test]
    fn a_plain_client_request_id_is_kept_and_anything_else_replaced() {
        assert_eq!(request_id(&with_header("lb-7f3a:42")), "lb-7f3a:42");
        for odd in ["", "has space", "a/b", &"x".repeat(65), "a\"b"] {
            let id = request_id(&with_header(odd));
            assert_eq!(id.len(), 24, "{odd:?} was replaced by {id:?}");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        }
    }
}

//! The one mapping from use-case errors to HTTP responses: status, stable `code`, and a message naming
//! what is wrong. Internal details go to the log, never to the client.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tracing::error;

use crate::error::Error;

/// The JSON body of every error response.
#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine-readable code, snake_case.
    pub code: String,
    /// What is wrong, for a person.
    pub message: String,
    /// For a refused document: the archive entry its bytes were kept in.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub archive_seq: Option<i64>,
    /// For a document refused by the rules: the recorded document.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub document_id: Option<i64>,
    /// For a document refused by the rules: every finding.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub findings: Option<Vec<cie_domain::Finding>>,
    /// For a document that could not be read: what is wrong, in Japanese.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message_ja: Option<String>,
    /// For a document that could not be read: where (line, column, path), as far as known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<cie_domain::Location>,
}

/// The status of a malformed request: 400 but for a body too large, of the wrong type, too slow to arrive,
/// or a method the route does not take.
fn status_of_invalid_request(code: &str) -> StatusCode {
    match code {
        "body_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
        "body_timeout" => StatusCode::REQUEST_TIMEOUT,
        "unsupported_media_type" => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "method_not_allowed" => StatusCode::METHOD_NOT_ALLOWED,
        "unrenderable_document" => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn status_of_rejection(code: &str) -> StatusCode {
    match code {
        "document_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
        "unknown_document_type"
        | "missing_document_number"
        | "document_number_too_long"
        | "value_too_long"
        | "missing_issue_date"
        | "invalid_issue_date" => StatusCode::UNPROCESSABLE_ENTITY,
        "storage_error" | "internal_error" => StatusCode::INTERNAL_SERVER_ERROR,
        "quota_exceeded" => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The status, stable code and archive entry an error answers with.
fn classify(error: &Error) -> (StatusCode, String, Option<i64>) {
    match error {
        Error::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated".into(), None),
        Error::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials".into(), None),
        Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden".into(), None),
        Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found".into(), None),
        Error::InvalidRequest { code, .. } => {
            (status_of_invalid_request(code), (*code).into(), None)
        }
        Error::Compose(_) => (
            StatusCode::BAD_REQUEST,
            "invalid_document_input".into(),
            None,
        ),
        Error::Step(refused) => (StatusCode::BAD_REQUEST, refused.code().into(), None),
        Error::Conflict(_) => (StatusCode::CONFLICT, "conflict".into(), None),
        Error::Throttled { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts".into(),
            None,
        ),
        Error::TooManyRequests { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests".into(),
            None,
        ),
        Error::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy".into(), None),
        Error::InvalidTransition { .. } => {
            (StatusCode::CONFLICT, "invalid_transition".into(), None)
        }
        Error::SeparationOfDuties(_) => {
            (StatusCode::FORBIDDEN, "separation_of_duties".into(), None)
        }
        Error::DocumentRejected {
            code, archive_seq, ..
        } => (status_of_rejection(code), code.clone(), Some(*archive_seq)),
        Error::DocumentUnreadable { code, .. } => (status_of_rejection(code), (*code).into(), None),
        Error::DocumentInvalid { archive_seq, .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "document_rejected".into(),
            Some(*archive_seq),
        ),
        Error::Store(cie_store::StoreError::Tampered { .. }) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "archive_integrity".into(),
            None,
        ),
        Error::Store(_) | Error::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error".into(),
            None,
        ),
    }
}

/// What a person is told of `error`: its text, or for an internal failure a pointer to the log (the error
/// itself is logged here).
fn message_of(error: &Error, status: StatusCode) -> String {
    if let Error::Store(tampered @ cie_store::StoreError::Tampered { .. }) = error {
        error!(target: "security", error = %tampered, "a forged original was not served");
        tampered.to_string()
    } else if status == StatusCode::INTERNAL_SERVER_ERROR {
        error!(error = ?error, "request failed");
        "an internal error occurred; it has been logged".to_owned()
    } else {
        error.to_string()
    }
}

/// The status, stable code and message of `error`, for the web pages' error page.
pub(crate) fn describe(error: &Error) -> (StatusCode, String, String) {
    let (status, code, _) = classify(error);
    let message = message_of(error, status);
    (status, code, message)
}

/// The `{code, message}` of `error` for a report that lists several outcomes in one answer (bulk steps).
pub(crate) fn code_and_message(error: &Error) -> (String, String) {
    let (status, code, _) = classify(error);
    (code, message_of(error, status))
}

/// A use-case [`Error`] on its way to an HTTP answer: what every handler and extractor fails with.
#[derive(Debug)]
pub(crate) struct ApiError(pub(crate) Error);

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError(error)
    }
}

impl From<cie_store::StoreError> for ApiError {
    fn from(error: cie_store::StoreError) -> Self {
        ApiError(error.into())
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        ApiError(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = self.0;
        let (status, code, archive_seq) = classify(&error);
        let message = message_of(&error, status);
        let retry_after = match &error {
            Error::Throttled {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            Error::Busy(_) | Error::TooManyRequests { .. } => Some(1),
            _ => None,
        };
        let (document_id, findings, message_ja, location) = match error {
            Error::DocumentInvalid {
                document_id,
                findings,
                ..
            } => (Some(document_id), Some(findings), None, None),
            Error::DocumentRejected { detail, .. } => {
                let detail = *detail;
                (
                    None,
                    (!detail.findings.is_empty()).then_some(detail.findings),
                    detail.message_ja,
                    detail.location,
                )
            }
            Error::DocumentUnreadable { detail, .. } => {
                let detail = *detail;
                (None, None, detail.message_ja, detail.location)
            }
            _ => (None, None, None, None),
        };
        let mut response = (
            status,
            Json(ErrorBody {
                code,
                message,
                archive_seq,
                document_id,
                findings,
                message_ja,
                location,
            }),
        )
            .into_response();
        if let Some(seconds) = retry_after
            && let Ok(value) = header::HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// The answer to a path that is not in the route table.
pub(crate) async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError(Error::NotFound(format!("route {}", uri.path())))
}

/// The answer to a method a route does not take.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError(Error::invalid(
        "method_not_allowed",
        "this route does not take that method (see the API table in the README)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_gets_its_status() {
        let cases = [
            (Error::Unauthenticated("x".into()), StatusCode::UNAUTHORIZED),
            (Error::Forbidden("x".into()), StatusCode::FORBIDDEN),
            (Error::NotFound("x".into()), StatusCode::NOT_FOUND),
            (Error::Conflict("x".into()), StatusCode::CONFLICT),
            (Error::invalid("bad", "x"), StatusCode::BAD_REQUEST),
            (
                Error::invalid("body_timeout", "x"),
                StatusCode::REQUEST_TIMEOUT,
            ),
            (
                Error::TooManyRequests { limit: 1 },
                StatusCode::TOO_MANY_REQUESTS,
            ),
            (Error::Busy("x".into()), StatusCode::SERVICE_UNAVAILABLE),
            (
                Error::DocumentRejected {
                    code: "document_too_large".into(),
                    message: "x".into(),
                    archive_seq: 1,
                    detail: Box::default(),
                },
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            (
                Error::DocumentRejected {
                    code: "unknown_document_type".into(),
                    message: "x".into(),
                    archive_seq: 1,
                    detail: Box::default(),
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                Error::Internal(anyhow::anyhow!("boom")),
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(ApiError(error).into_response().status(), status);
        }
    }
}

//! Liveness (`/health`: the process answers), readiness (`/ready`: the database answers and the archive
//! writer takes work, so a load balancer may send traffic) and the Prometheus metrics (`/metrics`).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Scraper;

/// How long each readiness check may take before it counts as failed.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /health`.
pub(crate) async fn health(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "status": "ok", "database": backend_name(&state) }))
}

fn backend_name(state: &AppState) -> &'static str {
    match state.store.backend() {
        cie_store::Backend::Sqlite => "sqlite",
        cie_store::Backend::Postgres => "postgres",
    }
}

/// `GET /ready`: 200 when the database answers a query, the archive writer takes a probe from its queue
/// and, when originals are kept there, the object store has its bucket, each within two seconds; 503
/// naming the check that failed (the cause goes to the log).
pub(crate) async fn ready(State(state): State<AppState>) -> Response {
    let database = within_time(
        state.store.ping(),
        "the database does not answer",
        "the database did not answer within 2 seconds",
    )
    .await;
    let writer = within_time(
        state.store.probe_writer(),
        "the archive writer has stopped",
        "the archive writer did not take work within 2 seconds",
    )
    .await;
    let originals = within_time(
        state.store.check_originals(),
        "the object store of the originals does not answer or lacks its bucket",
        "the object store of the originals did not answer within 2 seconds",
    )
    .await;
    let word = |check: &Result<(), &str>| match check {
        Ok(()) => "ok".to_owned(),
        Err(problem) => (*problem).to_owned(),
    };
    let mut checks = json!({ "database": word(&database), "archive_writer": word(&writer) });
    match &originals {
        Ok(false) => {}
        Ok(true) => checks["object_store"] = json!("ok"),
        Err(problem) => checks["object_store"] = json!(problem),
    }
    let ready = database.is_ok() && writer.is_ok() && originals.is_ok();
    let body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "database": backend_name(&state),
        "checks": checks,
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// What one readiness check came to: its value, or `failed` (its cause logged) or `late`.
async fn within_time<T>(
    check: impl std::future::Future<Output = Result<T, cie_store::StoreError>>,
    failed: &'static str,
    late: &'static str,
) -> Result<T, &'static str> {
    match tokio::time::timeout(READY_TIMEOUT, check).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: {failed}");
            Err(failed)
        }
        Err(_) => Err(late),
    }
}

/// `GET /metrics`, for a scraper holding `metrics.token`.
pub(crate) async fn metrics(
    State(state): State<AppState>,
    _scraper: Scraper,
) -> Result<Response, ApiError> {
    let text = crate::metrics::exposition(&state).await?;
    Ok(([(header::CONTENT_TYPE, cie_metrics::CONTENT_TYPE)], text).into_response())
}

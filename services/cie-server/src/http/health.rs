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
    let database = match tokio::time::timeout(READY_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the database does not answer");
            Err("the database does not answer")
        }
        Err(_) => Err("the database did not answer within 2 seconds"),
    };
    let writer = match tokio::time::timeout(READY_TIMEOUT, state.store.probe_writer()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the archive writer has stopped");
            Err("the archive writer has stopped")
        }
        Err(_) => Err("the archive writer did not take work within 2 seconds"),
    };
    let originals = match tokio::time::timeout(READY_TIMEOUT, state.store.check_originals()).await {
        Ok(Ok(kept_there)) => Ok(kept_there),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the object store of the originals fails");
            Err("the object store of the originals does not answer or lacks its bucket")
        }
        Err(_) => Err("the object store of the originals did not answer within 2 seconds"),
    };
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

/// `GET /metrics`, for a scraper holding `metrics.token`.
pub(crate) async fn metrics(
    State(state): State<AppState>,
    _scraper: Scraper,
) -> Result<Response, ApiError> {
    let text = crate::metrics::exposition(&state).await?;
    Ok(([(header::CONTENT_TYPE, cie_metrics::CONTENT_TYPE)], text).into_response())
}

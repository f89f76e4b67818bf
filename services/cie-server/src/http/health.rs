//! Liveness: answers without touching the database beyond a trivial read.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::AppState;

/// `GET /health`.
pub(crate) async fn health(State(state): State<AppState>) -> Json<Value> {
    let backend = match state.store.backend() {
        cie_store::Backend::Sqlite => "sqlite",
        cie_store::Backend::Postgres => "postgres",
    };
    Json(json!({ "status": "ok", "database": backend }))
}

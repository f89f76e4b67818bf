//! HTTP: the whole route table in one place. Handlers extract, call one use case and wrap the result.

mod admin;
mod documents;
mod error;
mod extract;
mod health;
mod registry;
mod session;
mod submissions;
mod validate;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

use crate::AppState;

pub use error::ErrorBody;

/// Every route of the API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health::health))
        .route("/api/v1/auth/login", post(session::login))
        .route(
            "/api/v1/documents",
            post(documents::submit)
                .layer(DefaultBodyLimit::disable())
                .get(documents::search),
        )
        .route(
            "/api/v1/validate",
            post(validate::validate).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/v1/documents/export.csv", get(documents::export_csv))
        .route("/api/v1/documents/{id}", get(documents::show))
        .route("/api/v1/documents/{id}/original", get(documents::original))
        .route("/api/v1/registry/{number}", get(registry::look_up))
        .route("/api/v1/submissions", get(submissions::list))
        .route("/api/v1/submissions/{seq}", get(submissions::show))
        .route(
            "/api/v1/submissions/{seq}/original",
            get(submissions::original),
        )
        .route(
            "/api/v1/admin/supplier-orgs",
            post(admin::create_supplier_org).get(admin::list_supplier_orgs),
        )
        .route(
            "/api/v1/admin/users",
            post(admin::create_user).get(admin::list_users),
        )
        .route(
            "/api/v1/admin/finance-clients",
            post(admin::create_finance_client),
        )
        .route("/api/v1/admin/verify-archive", post(admin::verify_archive))
        .route(
            "/api/v1/operator/tenants",
            post(admin::create_tenant).get(admin::list_tenants),
        )
        .fallback(error::not_found)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

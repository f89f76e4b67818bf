//! HTTP: the whole route table in one place. Handlers extract, call one use case and wrap the result.

mod admin;
mod audit;
mod buyers;
mod documents;
mod error;
mod exports;
pub(crate) mod extract;
mod health;
mod invoices;
mod limits;
pub(crate) mod observe;
mod registry;
mod session;
mod submissions;
mod validate;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;
use crate::error::Error;
use crate::http::error::ApiError;

pub use error::ErrorBody;
pub(crate) use error::describe;

/// Every route of the API.
pub fn router(state: AppState) -> Router {
    let client_requests = Arc::new(limits::ClientRequests::new(&state.config.http));
    let routes = Router::new()
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/auth/login", post(session::login))
        .route("/api/v1/auth/password", post(session::change_password))
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
        .route("/api/v1/documents/{id}/links", get(documents::links))
        .route("/api/v1/documents/{id}/pdf", get(documents::pdf))
        .route(
            "/api/v1/documents/{id}/supplier-org",
            post(documents::assign_supplier_org),
        )
        .route("/api/v1/documents/{id}/matching", get(documents::matching))
        .route("/api/v1/issued/orders", post(documents::issue_order))
        .route(
            "/api/v1/issued/requests-for-quotation",
            post(documents::issue_request_for_quotation),
        )
        .route("/api/v1/registry/{number}", get(registry::look_up))
        .route("/api/v1/buyers", get(buyers::list))
        .route("/api/v1/admin/buyers", post(buyers::create))
        .route(
            "/api/v1/admin/buyers/{id}/active",
            axum::routing::put(buyers::set_active),
        )
        .route("/api/v1/invoices", get(invoices::list))
        .route("/api/v1/invoices/{id}", get(invoices::show))
        .route("/api/v1/invoices/{id}/audit", get(invoices::audit))
        .route(
            "/api/v1/invoices/{id}/start-inspection",
            post(invoices::start_inspection),
        )
        .route(
            "/api/v1/invoices/{id}/return",
            post(invoices::return_invoice),
        )
        .route(
            "/api/v1/invoices/{id}/inspection",
            post(invoices::complete_inspection),
        )
        .route("/api/v1/invoices/{id}/approval", post(invoices::approve))
        .route(
            "/api/v1/invoices/{id}/payment-order",
            post(invoices::order_payment),
        )
        .route("/api/v1/invoices/{id}/payment", post(invoices::mark_paid))
        .route(
            "/api/v1/invoices/{id}/approval-withdrawal",
            post(invoices::withdraw_approval),
        )
        .route("/api/v1/inbox", get(invoices::inbox))
        .route("/api/v1/exports/audit", get(audit::package))
        .route("/api/v1/exports/payments", get(exports::pull))
        .route("/api/v1/exports/payments/ack", post(exports::ack))
        .route(
            "/api/v1/exports/payments/held-back",
            get(exports::held_back),
        )
        .route(
            "/api/v1/exports/payments/results",
            post(exports::bulk_results),
        )
        .route("/api/v1/audit", get(invoices::audit_log))
        .route(
            "/api/v1/admin/workflow-settings",
            get(invoices::settings).put(invoices::set_settings),
        )
        .route(
            "/api/v1/admin/supplier-orgs/{id}/payment-terms",
            get(invoices::terms).put(invoices::set_terms),
        )
        .route(
            "/api/v1/admin/supplier-orgs/{id}/creditor",
            axum::routing::put(admin::register_creditor),
        )
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
        .route("/api/v1/admin/security-events", get(admin::security_events))
        .route("/api/v1/admin/invitations", post(admin::invite))
        .route(
            "/api/v1/operator/tenants",
            post(admin::create_tenant).get(admin::list_tenants),
        )
        .merge(crate::web::routes(state.clone()))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            client_requests,
            limits::per_client,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state,
            observe::observe,
        ));
    with_security_headers(routes)
}

/// The headers every answer carries: nothing is sniffed, framed, cached or referred on (answers hold tokens
/// and personal data), and a browser runs nothing from them. A handler's own `Cache-Control` or
/// `Content-Security-Policy` wins (the web pages send one that lets their forms post).
const SECURITY_HEADERS: [(HeaderName, &str); 5] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'; sandbox",
    ),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::CACHE_CONTROL, "no-store"),
];

fn with_security_headers(mut router: Router) -> Router {
    for (name, value) in SECURITY_HEADERS {
        let value = HeaderValue::from_static(value);
        router = if name == header::CACHE_CONTROL || name == header::CONTENT_SECURITY_POLICY {
            router.layer(SetResponseHeaderLayer::if_not_present(name, value))
        } else {
            router.layer(SetResponseHeaderLayer::overriding(name, value))
        };
    }
    router
}

/// The answer to `error` for a connection refused before any route is reached (the connection cap), with
/// the headers every answer carries.
pub fn answer_outside_routes(error: Error) -> Response {
    let mut response = ApiError(error).into_response();
    for (name, value) in SECURITY_HEADERS {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

//! The city-invoice-exchange server: the HTTP API over the use cases of `cie-app`. [`serve`] runs it on a
//! listener until shutdown; `main.rs` only parses the command line and calls in here, so tests run exactly
//! what production runs.
//!
//! Layout: `connections` (the accept loop and its limits), `telemetry` (logs), and `http` (routes,
//! extractors, the one mapping of use-case errors to HTTP). The use-case modules of `cie-app` are re-exported
//! under their names (`cie_server::intake`, …).

pub mod connections;
pub mod http;
pub mod telemetry;
mod web;

use std::future::Future;

use tokio::net::TcpListener;

pub use cie_app::{
    App, AppState, Config, Error, accounts, answering, attachments, audit_export, auth, backup,
    body, composing, config, error, finance, intake, invoice_fields, issuing, linking, login_guard,
    metrics, quota, records, registry, rendering, responses, sealing, validation, workflow,
};

/// The HTTP routes of `app`.
pub fn router(app: &App) -> axum::Router {
    http::router(app.state().clone())
}

/// Serves `app` on `listener` until `shutdown` completes, then accepts nothing more, closes connections
/// waiting for a request and lets requests in flight finish (`connections` has the limits on the way).
pub async fn serve(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Err(failure) = sealing::restore_guards(&app.state().store).await {
        return Err(std::io::Error::other(format!("{failure:#}")));
    }
    let checkpoints = tokio::spawn(checkpoint_periodically(app.state().clone()));
    // Not awaited: the first requests are served meanwhile, a document waiting only if it needs them first.
    drop(tokio::task::spawn_blocking(validation::warm_up));
    connections::serve(
        listener,
        router(&app),
        connections::ConnectionLimits::from_config(&app.state().config.http),
        http::answer_outside_routes(Error::Busy(
            "the server has too many connections open; try again shortly".into(),
        )),
        shutdown,
    )
    .await;
    checkpoints.abort();
    if let Err(failure) = sealing::write_checkpoints(app.state()).await {
        tracing::error!(error = %format!("{failure:#}"), "writing the checkpoints at shutdown failed");
    }
    app.state().store.close().await;
    Ok(())
}

/// Writes checkpoints at start and every `sealing.checkpoint_seconds` (only at start when 0).
async fn checkpoint_periodically(state: AppState) {
    let seconds = state.config.sealing.checkpoint_seconds;
    loop {
        if let Err(failure) = sealing::write_checkpoints(&state).await {
            tracing::error!(error = %format!("{failure:#}"), "writing the checkpoints failed");
        }
        if seconds == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
    }
}

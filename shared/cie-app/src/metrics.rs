//! The service's Prometheus metrics: what intake, validation and the HTTP layer count as they go, and what
//! a scrape reads from the store at that moment (the archive writer's queue, the pools, the registry's age,
//! open invoices near their payment deadline).

use chrono::Duration;
use cie_metrics::{CounterFamily, Exposition, Histogram, HistogramFamily, Kind};

use crate::AppState;
use crate::error::Error;

/// What the service counts as it runs (one per process).
#[derive(Debug)]
pub struct Metrics {
    /// Received documents by kind and outcome.
    intake: CounterFamily,
    /// Seconds the rules took per document.
    validation_seconds: Histogram,
    /// Requests by method, route and status class, with their duration.
    requests: HistogramFamily,
    /// When the process started, in seconds since the epoch.
    started_at: f64,
}

/// What became of a received document, as the intake metric counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeOutcome {
    /// Archived and recorded (a new document or version).
    Accepted,
    /// Archived, but the rules found a fatal error.
    Rejected,
    /// Archived as received but not read (malformed, over a limit, over quota).
    Refused,
    /// The same bytes were received before; nothing new was archived.
    AlreadyReceived,
}

impl IntakeOutcome {
    fn label(self) -> &'static str {
        match self {
            IntakeOutcome::Accepted => "accepted",
            IntakeOutcome::Rejected => "rejected",
            IntakeOutcome::Refused => "refused",
            IntakeOutcome::AlreadyReceived => "already_received",
        }
    }
}

impl Metrics {
    /// Empty metrics for a process started at `started_at`.
    pub fn new(started_at: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            intake: CounterFamily::default(),
            validation_seconds: Histogram::new(cie_metrics::SECONDS),
            requests: HistogramFamily::new(cie_metrics::SECONDS),
            started_at: started_at.timestamp_millis() as f64 / 1000.0,
        }
    }

    /// Counts a received document of `kind` (`unknown` when it could not be read).
    pub fn count_intake(&self, kind: &str, outcome: IntakeOutcome) {
        self.intake.add(&[kind, outcome.label()], 1);
    }

    /// How many documents of `kind` had `outcome` so far.
    pub fn intake_count(&self, kind: &str, outcome: IntakeOutcome) -> u64 {
        self.intake.get(&[kind, outcome.label()])
    }

    /// Counts the time the rules took on one document.
    pub fn observe_validation(&self, elapsed: std::time::Duration) {
        self.validation_seconds.observe(elapsed.as_secs_f64());
    }

    /// Counts one answered request: its method, its route as declared (`/api/v1/documents/{id}`, never the
    /// path with its ids) and its status.
    pub fn observe_request(
        &self,
        method: &str,
        route: &str,
        status: u16,
        elapsed: std::time::Duration,
    ) {
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        self.requests
            .observe(&[method, route, class], elapsed.as_secs_f64());
    }
}

/// The text of one scrape: the counters kept in memory and what the store says now.
pub async fn exposition(state: &AppState) -> Result<String, Error> {
    let metrics = &state.metrics;
    let store = &state.store;
    let now = state.clock.now();
    let mut text = Exposition::new();
    text.labelled(
        "cie_build_info",
        "The running version.",
        Kind::Gauge,
        &["version"],
        &[(vec![env!("CARGO_PKG_VERSION").to_owned()], 1.0)],
    );
    text.single(
        "cie_process_start_time_seconds",
        "When this server process started, in seconds since 1970.",
        Kind::Gauge,
        metrics.started_at,
    );
    text.counters(
        "cie_intake_documents_total",
        "Documents received, by kind and outcome (accepted, rejected by the rules, refused unread, already received).",
        &["kind", "outcome"],
        &metrics.intake,
    );
    text.histogram(
        "cie_validation_seconds",
        "Time the rules took on one received document.",
        &metrics.validation_seconds,
    );
    text.histograms(
        "cie_http_request_duration_seconds",
        "Time to answer a request, by method, declared route and status class.",
        &["method", "route", "status"],
        &metrics.requests,
    );
    let writer = store.writer_stats();
    text.histogram(
        "cie_archive_batch_size",
        "Submissions the archive writer committed per transaction.",
        &writer.batch_sizes,
    );
    text.histogram(
        "cie_archive_batch_seconds",
        "Time the archive writer took per transaction, commit included.",
        &writer.batch_seconds,
    );
    let load = store.writer_load();
    text.single(
        "cie_archive_queue_depth",
        "Submissions waiting for the archive writer.",
        Kind::Gauge,
        load.queue_depth as f64,
    );
    text.single(
        "cie_archive_queue_capacity",
        "Submissions that may wait before senders are held back.",
        Kind::Gauge,
        load.queue_capacity as f64,
    );
    let (read, write) = store.pool_load();
    let mut pools = Vec::new();
    for (name, pool) in [("read", read), ("write", write)] {
        pools.push((
            vec![name.to_owned(), "open".to_owned()],
            f64::from(pool.open),
        ));
        pools.push((
            vec![name.to_owned(), "idle".to_owned()],
            f64::from(pool.idle),
        ));
        pools.push((vec![name.to_owned(), "max".to_owned()], f64::from(pool.max)));
    }
    text.labelled(
        "cie_database_connections",
        "Database connections by pool (on PostgreSQL both name the same pool) and state.",
        Kind::Gauge,
        &["pool", "state"],
        &pools,
    );
    let newest = store.newest_registry_data_date().await?;
    text.single(
        "cie_registry_imported",
        "1 when a file of the registry of qualified invoice issuers has been imported, else 0.",
        Kind::Gauge,
        if newest.is_some() { 1.0 } else { 0.0 },
    );
    let today = cie_workflow::japan_day(now);
    if let Some(newest) = newest {
        text.single(
            "cie_registry_data_age_days",
            "Days from the data date of the newest imported registry file to today (Japan time).",
            Kind::Gauge,
            (today - newest).num_days() as f64,
        );
    }
    let until = today + Duration::days(i64::from(state.config.metrics.due_soon_days));
    let counts = store.open_invoices_by_deadline(today, until).await?;
    let mut due = Vec::with_capacity(counts.len() * 2);
    for city in counts {
        due.push((
            vec![city.tenant.clone(), "overdue".to_owned()],
            city.overdue as f64,
        ));
        due.push((
            vec![city.tenant, "due_soon".to_owned()],
            city.due_soon as f64,
        ));
    }
    text.labelled(
        "cie_open_invoices_near_deadline",
        "Open invoices whose payment clock runs, per city: past their deadline (overdue) or due within metrics.due_soon_days (due_soon). Cities with none are left out.",
        Kind::Gauge,
        &["tenant", "due"],
        &due,
    );
    Ok(text.finish())
}

//! The use cases of city-invoice-exchange, with no HTTP: [`App::build`] wires configuration, clock, store,
//! token keys, the sealing key and the PDF renderer into an [`AppState`]; `intake`, `validation`, `records`,
//! `accounts`, `workflow`, `finance`, `issuing`, `linking`, `responses`, `rendering`, `audit_export` and
//! `registry` are what a supplier, a staff member or the finance system can do, called alike by the JSON API
//! and (issue 14) the web pages of `cie-server`. `error` says what went wrong as domain meanings; the server
//! maps them to HTTP in one place.

pub mod accounts;
pub mod answering;
pub mod attachments;
pub mod audit_export;
pub mod auth;
pub mod backup;
pub mod body;
pub mod composing;
pub mod config;
pub mod cpu;
pub mod error;
pub mod finance;
pub mod intake;
pub mod invoice_fields;
pub mod issuing;
pub mod linking;
pub mod login_guard;
pub mod metrics;
pub mod quota;
pub mod records;
pub mod registry;
pub mod rendering;
pub mod responses;
pub mod sealing;
pub mod validation;
pub mod workflow;

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use cie_domain::Clock;
use cie_store::{SqliteSynchronous, Store, StoreOptions};

pub use config::Config;
pub use error::Error;

/// What every request handler and use case can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Settings in force.
    pub config: Arc<Config>,
    /// The service clock.
    pub clock: Arc<dyn Clock>,
    /// Token signing keys.
    pub tokens: auth::TokenKeys,
    /// A hash to verify against when a login names an unknown user.
    pub dummy_hash: String,
    /// The cities' rules files as last read, reread when a file changes.
    pub city_rules: Arc<validation::CityRulesCache>,
    /// The PDF renderer, with its font parsed once.
    pub pdf: cie_pdf::Renderer,
    /// Bounds password hashing and throttles failed logins.
    pub login_guard: Arc<login_guard::LoginGuard>,
    /// Seals records and signs checkpoints.
    pub seal_key: Arc<cie_audit::SealKey>,
    /// Bytes of request bodies that may be held in memory at once (`limits.bodies_in_flight_bytes`).
    pub body_budget: Arc<tokio::sync::Semaphore>,
    /// What each supplier has archived today, against `limits.daily_archive_bytes_per_supplier`.
    pub quota: Arc<quota::DailyQuota>,
    /// What the service counts for `GET /metrics`.
    pub metrics: Arc<metrics::Metrics>,
}

/// A built application, ready to serve.
pub struct App {
    state: AppState,
}

impl App {
    /// Opens the database named by `config`, applies migrations and prepares token keys.
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
        let synchronous = match config
            .database
            .sqlite_synchronous
            .to_ascii_lowercase()
            .as_str()
        {
            "full" => SqliteSynchronous::Full,
            "normal" => SqliteSynchronous::Normal,
            other => anyhow::bail!(
                "database.sqlite_synchronous must be \"full\" or \"normal\", not {other:?}"
            ),
        };
        if !(0..=19).contains(&config.limits.cpu_work_nice) {
            anyhow::bail!(
                "limits.cpu_work_nice must be a nice value from 0 to 19, not {}",
                config.limits.cpu_work_nice
            );
        }
        make_private_dir(&config.data_dir)?;
        let seal_key = sealing::load_key(&config)?;
        let originals = match config
            .originals
            .object_store()
            .map_err(|problem| anyhow::anyhow!(problem))?
        {
            None => None,
            Some(settings) => {
                let store = cie_objects::ObjectStore::new(&settings)?;
                store.check().await.with_context(|| {
                    format!(
                        "the object store for originals (bucket {:?} at {})",
                        settings.bucket, settings.endpoint
                    )
                })?;
                Some(store)
            }
        };
        let store = Store::connect(
            &config.database_url(),
            StoreOptions {
                max_connections: config.database.max_connections,
                sqlite_synchronous: synchronous,
                max_batch: config.database.max_batch,
                sqlite_cache_mib: config.database.sqlite_cache_mib,
                one_city_per_transaction: config.database.one_city_per_transaction,
                originals,
            },
            seal_key.clone(),
        )
        .await
        .with_context(|| format!("opening the database {:?}", config))?;
        store
            .migrate()
            .await
            .context("applying database migrations")?;
        if let Some(path) = config.database_url().strip_prefix("sqlite://") {
            make_private_files(Path::new(path.split('?').next().unwrap_or(path)))?;
        }
        let secret = match &config.auth.jwt_secret {
            Some(secret) if secret.len() >= 16 => secret.clone(),
            Some(_) => anyhow::bail!("auth.jwt_secret must be at least 16 characters"),
            None => load_or_create_secret(&config.data_dir.join("jwt-secret"))?,
        };
        let config_limits_budget = config.limits.bodies_in_flight_bytes.clamp(
            config.limits.max_document_bytes,
            tokio::sync::Semaphore::MAX_PERMITS,
        );
        let daily_quota = config.limits.daily_archive_bytes_per_supplier;
        let tokens = auth::TokenKeys::new(secret.as_bytes(), config.auth.token_ttl_minutes);
        let dummy_hash =
            tokio::task::spawn_blocking(|| auth::hash_password("no such user, no such password"))
                .await??;
        let started_at = clock.now();
        let app = App {
            state: AppState {
                store,
                config: Arc::new(config),
                clock,
                tokens,
                dummy_hash,
                city_rules: Arc::default(),
                pdf: cie_pdf::Renderer::new()
                    .map_err(|e| anyhow::anyhow!("the PDF font cannot be loaded: {e}"))?,
                login_guard: Arc::new(login_guard::LoginGuard::new(
                    std::thread::available_parallelism().map_or(2, |n| n.get()),
                )),
                seal_key: Arc::new(seal_key),
                body_budget: Arc::new(tokio::sync::Semaphore::new(config_limits_budget)),
                quota: Arc::new(quota::DailyQuota::new(daily_quota)),
                metrics: Arc::new(metrics::Metrics::new(started_at)),
            },
        };
        workflow::fill_missing_deadlines(&app.state)
            .await
            .context("storing the payment deadlines of invoices recorded before they were kept")?;
        Ok(app)
    }

    /// The shared state (for subcommands that act without HTTP).
    pub fn state(&self) -> &AppState {
        &self.state
    }
}

/// The data directory, created when missing, readable by the service's user only (0700): it holds the
/// database, the token key and the archive.
#[cfg(unix)]
pub fn make_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("making {} private (0700)", dir.display()))
}

#[cfg(not(unix))]
pub fn make_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

/// A file readable by the service's user only (0600): a backup holds everything the database holds.
#[cfg(unix)]
pub fn make_private_file(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("making {} private (0600)", path.display()))
}

#[cfg(not(unix))]
pub fn make_private_file(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// The SQLite database and its journal files readable by the service's user only (0600); SQLite gives new
/// journal files the database file's mode.
#[cfg(unix)]
fn make_private_files(database: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        let path = std::path::PathBuf::from(name);
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("making {} private (0600)", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn make_private_files(_database: &Path) -> anyhow::Result<()> {
    Ok(())
}

fn load_or_create_secret(path: &Path) -> anyhow::Result<String> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim().to_owned();
        if existing.len() >= 16 {
            return Ok(existing);
        }
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let secret = auth::random_secret(32);
    write_private(path, &secret)
        .with_context(|| format!("writing the token key {}", path.display()))?;
    Ok(secret)
}

/// Writes `content` to `path`, readable by the service's user only (0600).
#[cfg(unix)]
pub fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}

/// Writes `content` to `path`.
#[cfg(not(unix))]
pub fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

//! Opening the database: engine detection from the URL, pools, SQLite pragmas and embedded migrations.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, AssertSqlSafe, Executor};

use crate::error::StoreError;
use crate::{Inner, Store, writer};

/// Where the SQLite write connection keeps its temporary files (statement journals).
const WRITER_TEMP_STORE: &str = "MEMORY";

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("../../migrations/postgres");

/// The database engine behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite in WAL mode: the embedded zero-setup default.
    Sqlite,
    /// PostgreSQL: production.
    Postgres,
}

impl Backend {
    /// The engine a database URL names.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact(url)))
        }
    }

    /// The engine behind an open connection.
    pub(crate) fn of(conn: &sqlx::AnyConnection) -> Self {
        if conn.backend_name() == "PostgreSQL" {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// SQLite's durability setting in WAL mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSynchronous {
    /// fsync the WAL at every commit: a commit survives power loss. The default for retained invoices.
    #[default]
    Full,
    /// fsync only at checkpoints: faster, the last commits may be lost on power loss (never corrupted).
    Normal,
}

impl SqliteSynchronous {
    fn pragma(self) -> &'static str {
        match self {
            SqliteSynchronous::Full => "FULL",
            SqliteSynchronous::Normal => "NORMAL",
        }
    }
}

/// Tuning for [`Store::connect`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Connections in the read pool (and, on PostgreSQL, the write pool).
    pub max_connections: u32,
    /// SQLite durability.
    pub sqlite_synchronous: SqliteSynchronous,
    /// Most submissions the archive writer commits in one transaction.
    pub max_batch: usize,
    /// SQLite page cache of the writer connection in MiB; reading connections get a quarter each.
    pub sqlite_cache_mib: u32,
    /// Whether the archive writer commits each city's submissions in a transaction of their own (Citus:
    /// each transaction then stays on one node) rather than everything that arrived together in one.
    pub one_city_per_transaction: bool,
    /// Where new originals are kept: in the database (`None`) or in this object store.
    pub originals: Option<cie_objects::ObjectStore>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            sqlite_synchronous: SqliteSynchronous::Full,
            max_batch: 64,
            sqlite_cache_mib: 64,
            one_city_per_transaction: false,
            originals: None,
        }
    }
}

impl Store {
    /// Opens the database at `url` (`sqlite://path/file.sqlite` or `postgres://…`). For SQLite the file and
    /// its directory are created when missing. Spawns the archive writer on the current Tokio runtime. Rows
    /// are sealed with `seal_key`, which must be the same every time the database is opened.
    pub async fn connect(
        url: &str,
        options: StoreOptions,
        seal_key: cie_audit::SealKey,
    ) -> Result<Store, StoreError> {
        install_default_drivers();
        let backend = Backend::from_url(url)?;
        let durability = match (backend, options.sqlite_synchronous) {
            (Backend::Sqlite, SqliteSynchronous::Full) => sqlite_file(url).map_or(
                writer::Durability::AtCommit,
                writer::Durability::FlushLogAfter,
            ),
            _ => writer::Durability::AtCommit,
        };
        let (read, write) = match backend {
            Backend::Sqlite => {
                let url = prepare_sqlite_url(url)?;
                let synchronous = options.sqlite_synchronous.pragma();
                // The writer's commits never checkpoint: the checkpointer does it beside them, so that no
                // submission waits for the log to be copied into the database file.
                let checkpoint_pages = match durability {
                    writer::Durability::FlushLogAfter(_) => 0,
                    writer::Durability::AtCommit => 1000,
                };
                let pool = |size: u32, cache_kib: u64, temp_store: &'static str| {
                    AnyPoolOptions::new()
                        .max_connections(size)
                        .acquire_timeout(Duration::from_secs(30))
                        // A SQLite connection is a file handle in this process: it cannot go stale the
                        // way a network connection can, and a ping before each use is one more round trip
                        // to its thread.
                        .test_before_acquire(false)
                        .after_connect(move |conn, _meta| {
                            Box::pin(async move {
                                conn.execute(AssertSqlSafe(format!(
                                    "PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}; \
                                     PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; \
                                     PRAGMA cache_size=-{cache_kib}; \
                                     PRAGMA wal_autocheckpoint={checkpoint_pages}; \
                                     PRAGMA temp_store={temp_store};"
                                )))
                                .await?;
                                Ok(())
                            })
                        })
                };
                let cache_kib = u64::from(options.sqlite_cache_mib.max(2)) * 1024;
                // One writer connection: SQLite has one write lock, and a single writer avoids busy spinning.
                // Its statement journals (the undo of a multi-row insert inside the archive's transaction)
                // stay in memory: on file, SQLite spilled them to a temporary file page by page, a third of
                // the writer's writes (`temp_store`; migrations sort on file).
                let write = pool(1, cache_kib, WRITER_TEMP_STORE).connect(&url).await?;
                let read = pool(options.max_connections.max(1), cache_kib / 4, "DEFAULT")
                    .connect(&url)
                    .await?;
                (read, write)
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(options.max_connections.max(2))
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await?;
                (pool.clone(), pool)
            }
        };
        let seal_key = Arc::new(seal_key);
        let writer = writer::spawn(
            write.clone(),
            read.clone(),
            writer::WriterSettings {
                backend,
                max_batch: options.max_batch.max(1),
                seal_key: seal_key.clone(),
                one_city_per_transaction: options.one_city_per_transaction,
                durability,
            },
        );
        Ok(Store {
            inner: Arc::new(Inner {
                backend,
                read,
                write,
                writer,
                seal_key,
                originals: options.originals,
            }),
        })
    }

    /// Applies the embedded migrations of this backend (`migrations/sqlite` or `migrations/postgres`).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend() {
            Backend::Sqlite => {
                // An index built on a large archive sorts in temporary files, not in memory.
                let mut conn = self.write().acquire().await?;
                conn.execute("PRAGMA temp_store = FILE").await?;
                let migrated = SQLITE_MIGRATOR.run(&mut *conn).await;
                conn.execute(AssertSqlSafe(format!(
                    "PRAGMA temp_store = {WRITER_TEMP_STORE}"
                )))
                .await?;
                migrated?
            }
            Backend::Postgres => POSTGRES_MIGRATOR.run(self.write()).await?,
        }
        Ok(())
    }

    /// The migrations embedded for `backend`, as (version, description) pairs.
    pub fn migrations(backend: Backend) -> Vec<(i64, String)> {
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        };
        migrator
            .iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect()
    }

    /// The write pool, for the few places that must bypass the writer (tests of tamper detection).
    pub fn raw_pool(&self) -> &AnyPool {
        self.write()
    }
}

/// The path and the query (after `?`) of a SQLite URL.
fn sqlite_path_and_query(url: &str) -> (&str, Option<&str>) {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    }
}

/// The file a SQLite URL names; none for an in-memory database.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let (path, _) = sqlite_path_and_query(url);
    (path != ":memory:" && !path.is_empty()).then(|| std::path::PathBuf::from(path))
}

/// Creates the directory of a SQLite file and asks SQLite to create the file (`mode=rwc`).
fn prepare_sqlite_url(url: &str) -> Result<String, StoreError> {
    let (path, query) = sqlite_path_and_query(url);
    if path != ":memory:"
        && let Some(parent) = Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::DataDir {
            path: parent.display().to_string(),
            source,
        })?;
    }
    Ok(match query {
        Some(query) if query.contains("mode=") => url.to_owned(),
        Some(_) => format!("{url}&mode=rwc"),
        None => format!("{url}?mode=rwc"),
    })
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => {
                    format!("{}://{user}:***@{}", &url[..scheme_end], &url[at + 1..])
                }
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::from_url("mysql://u:secret@h/db").is_err());
    }

    #[test]
    fn passwords_are_not_repeated_in_messages() {
        assert_eq!(redact("mysql://u:secret@h/db"), "mysql://u:***@h/db");
    }

    #[test]
    fn both_migration_folders_are_in_lockstep() {
        assert_eq!(
            Store::migrations(Backend::Sqlite),
            Store::migrations(Backend::Postgres)
        );
        assert!(!Store::migrations(Backend::Sqlite).is_empty());
    }
}

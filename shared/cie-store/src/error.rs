//! Errors of the data layer, with constraint violations turned into domain meanings.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist in this tenant.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for.
        what: &'static str,
    },
    /// A row with the same unique key exists already.
    #[error("{what} already exists")]
    Conflict {
        /// What collided.
        what: String,
    },
    /// The tenant named does not exist.
    #[error("tenant {0:?} does not exist")]
    UnknownTenant(String),
    /// A stored value could not be read back as a domain value (a corrupted or hand-edited row).
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// An archived original does not match its hash or its seal: it was changed outside the service.
    #[error(
        "archived submission {seq} does not match its {what}: the archive was changed outside the service"
    )]
    Tampered {
        /// The archive entry.
        seq: i64,
        /// What it fails: `recorded SHA-256`, `entry hash` or `seal`.
        what: &'static str,
    },
    /// The database URL names an engine other than SQLite or PostgreSQL.
    #[error("unsupported database URL {0:?}: use sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    /// The archive writer task has stopped (the server is shutting down).
    #[error("the archive writer has stopped")]
    WriterStopped,
    /// A batch was committed but the file holding it could not be flushed to disk: it may not survive a
    /// power loss, so the submission is not confirmed (sending it again finds it stored).
    #[error("the archive could not be flushed to disk: {0}")]
    NotDurable(std::io::Error),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The object store that keeps the originals failed.
    #[error("{0}")]
    Originals(cie_objects::ObjectError),
    /// The operation is not available on this database engine.
    #[error("{0}")]
    Unsupported(&'static str),
    /// Preparing the SQLite data directory failed.
    #[error("cannot prepare the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// The IO failure.
        source: std::io::Error,
    },
}

impl StoreError {
    /// Maps a unique-constraint violation to [`StoreError::Conflict`] naming `what`; other errors pass through.
    pub(crate) fn on_unique(error: sqlx::Error, what: impl Into<String>) -> Self {
        if let sqlx::Error::Database(db) = &error
            && db.is_unique_violation()
        {
            return StoreError::Conflict { what: what.into() };
        }
        StoreError::Database(error)
    }
}

//! What can go wrong in a use case, as domain meanings; `http::error` is the only place that turns them
//! into status codes.

use cie_store::StoreError;

/// Failure of a use case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No usable credentials were presented.
    #[error("{0}")]
    Unauthenticated(String),
    /// Login failed: unknown tenant or user, or a wrong password.
    #[error("tenant, user name or password is wrong")]
    InvalidCredentials,
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing asked for does not exist (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(String),
    /// The request itself is malformed.
    #[error("{message}")]
    InvalidRequest {
        /// Stable code.
        code: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The invoice's lifecycle does not allow this step now.
    #[error("{message}")]
    InvalidTransition {
        /// What was refused, naming the state and the step.
        message: String,
        /// The state the invoice is in.
        state: &'static str,
    },
    /// A workflow step would record something it may not (a missing reason, an impossible or
    /// unacknowledged late date).
    #[error(transparent)]
    Step(#[from] cie_workflow::StepError),
    /// The input of a document the service writes cannot make a valid document; the error names the field.
    #[error(transparent)]
    Compose(#[from] cie_compose::ComposeError),
    /// The caller may not do this because of a separation-of-duties rule.
    #[error("{0}")]
    SeparationOfDuties(String),
    /// Too many failed attempts: try again after this many seconds.
    #[error("too many failed attempts: try again in {retry_after_seconds} seconds")]
    Throttled {
        /// Seconds until the lock ends.
        retry_after_seconds: i64,
    },
    /// The client has this many requests in progress already: the most one client may have at once.
    #[error(
        "this client has {limit} requests in progress already, the most it may have at once; wait for one to finish"
    )]
    TooManyRequests {
        /// Requests one client may have in progress at once.
        limit: usize,
    },
    /// The server is too busy to do this now; try again shortly.
    #[error("{0}")]
    Busy(String),
    /// A unique thing exists already.
    #[error("{0} already exists")]
    Conflict(String),
    /// A submitted document was refused; its bytes are archived as entry `archive_seq`.
    #[error("{message}")]
    DocumentRejected {
        /// Stable code (from the reader or the limits).
        code: String,
        /// What is wrong.
        message: String,
        /// Where the bytes were archived.
        archive_seq: i64,
        /// The message in Japanese, the place, and what the rules found.
        detail: Box<RefusalDetail>,
    },
    /// A document checked without being received (the pre-check) cannot be read; nothing was archived.
    #[error("{message}")]
    DocumentUnreadable {
        /// Stable code from the reader.
        code: &'static str,
        /// What is wrong.
        message: String,
        /// The message in Japanese and the place.
        detail: Box<RefusalDetail>,
    },
    /// A document was read but has fatal findings: archived, recorded with status `rejected`.
    #[error("the document has fatal findings: {}", summarise(findings))]
    DocumentInvalid {
        /// Where the bytes were archived.
        archive_seq: i64,
        /// The recorded (rejected) document.
        document_id: i64,
        /// Every finding, fatal first.
        findings: Vec<cie_domain::Finding>,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(StoreError),
    /// Anything else unexpected.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { what } => Error::NotFound(what.to_owned()),
            StoreError::Conflict { what } => Error::Conflict(what),
            StoreError::UnknownTenant(tenant) => Error::NotFound(format!("tenant {tenant:?}")),
            StoreError::Originals(failure) => {
                tracing::error!(error = %failure, "the object store of the originals failed");
                Error::Busy(
                    "the archive's object store does not answer; nothing was archived, try again shortly"
                        .into(),
                )
            }
            other => Error::Store(other),
        }
    }
}

impl Error {
    /// A malformed-request error with `code`.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            code,
            message: message.into(),
        }
    }
}

impl RefusalDetail {
    /// The Japanese message and the place of a reader's refusal (no findings).
    pub fn of_reader(error: &cie_ubl::UblError) -> Self {
        let (at, path) = error.location();
        let location = (at.is_some() || path.is_some()).then(|| {
            let (line, column) = at.unwrap_or((0, 0));
            cie_domain::Location {
                path: path.unwrap_or_default(),
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
            }
        });
        Self {
            message_ja: Some(error.message_ja()),
            location,
            findings: Vec::new(),
        }
    }
}

fn summarise(findings: &[cie_domain::Finding]) -> String {
    let fatal: Vec<&str> = findings
        .iter()
        .filter(|f| f.severity == cie_domain::Severity::Fatal)
        .map(|f| f.rule_id.as_str())
        .collect();
    fatal.join(", ")
}

/// What a refusal of the reader says besides its code and English message.
#[derive(Debug, Default)]
pub struct RefusalDetail {
    /// The message in Japanese, when the reader said it.
    pub message_ja: Option<String>,
    /// Where in the document, as far as the reader knows.
    pub location: Option<cie_domain::Location>,
    /// What the schema check and the rules found, when the document could be read as XML of a known kind and
    /// only a field the summary needs was missing or malformed (empty otherwise).
    pub findings: Vec<cie_domain::Finding>,
}

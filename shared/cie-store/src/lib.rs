//! The only crate that speaks SQL. One concrete [`Store`] over `sqlx::Any` serves SQLite (the embedded
//! default) and PostgreSQL (production) with portable SQL; the few dialect differences sit in
//! [`Backend`] matches. Every method takes the tenant first: nothing crosses between cities.

mod archive;
mod audit;
mod batch;
mod chain;
mod connect;
mod deadlines;
mod directory;
mod documents;
mod error;
mod exports;
mod forms;
mod guards;
mod invitations;
mod operations;
mod original;
pub mod plans;
mod registry;
mod sealing;
mod security;
mod validations;
mod verify_records;
mod web_sessions;
mod workflow;
mod writer;

pub use archive::{
    ArchiveEntry, ArchiveVerification, BrokenEntry, MAX_PROBLEMS, SealHeads, SubmissionQuery,
};
pub use audit::{AuditItem, AuditSelection, AuditWindow};
pub use cie_audit::GENESIS_HASH;
pub use connect::{Backend, SqliteSynchronous, StoreOptions};
pub use deadlines::CaseWithoutDeadlines;
pub use directory::{BankAccount, NewSupplierOrg, NewUser, SupplierOrg, Tenant, User};
pub use documents::{
    COUNT_LIMIT, Counterparty, DocumentQuery, DocumentRecord, DocumentSort, Page, SearchHit,
};
pub use error::StoreError;
pub use exports::{ExportCounts, ExportEntry, ExportKind, ExportRow, NewExport};
pub use forms::{CityBuyer, Draft, NewCityBuyer};
pub use guards::GuardProblem;
pub use invitations::Invitation;
pub use operations::{DeadlineCounts, PoolLoad};
pub use registry::RegistryEntry;
pub use security::SecurityEvent;
pub use validations::{NewValidation, Validation};
pub use web_sessions::WebSession;
pub use workflow::{
    Approval, ApprovalChecklist, AuditEntry, CaseChange, CaseFilter, CaseFlags, CaseOrder, DueBy,
    IntakeReads, InvoiceCase, InvoiceKeys, InvoiceReads, InvoiceReturn, IssuedResponse,
    NewTransition, ReturnReason, SupplierTerms, WorkflowSettings, WorkflowStep,
};
pub use writer::{
    DeliveryNotice, DuplicateHints, NewSubmission, Parsed, STORAGE_FAILURE, SubmissionOutcome,
    WriterLoad, WriterStats,
};

use std::sync::Arc;

use sqlx::AnyPool;

/// Handle to the database: a read pool, a write pool and the batching archive writer.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    read: AnyPool,
    write: AnyPool,
    writer: writer::WriterHandle,
    seal_key: Arc<cie_audit::SealKey>,
    /// Where originals are kept when not in the database.
    originals: Option<cie_objects::ObjectStore>,
}

impl Store {
    /// Which database engine this store runs on.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    fn read(&self) -> &AnyPool {
        &self.inner.read
    }

    fn write(&self) -> &AnyPool {
        &self.inner.write
    }

    fn seal_key(&self) -> &cie_audit::SealKey {
        &self.inner.seal_key
    }

    /// A read-only transaction for searches and listings, whose statements PostgreSQL plans for the values
    /// at hand (`plan_cache_mode = force_custom_plan`): how many of a city's documents a supplier, a state or
    /// a date range matches differs too much for one generic plan (PLANS.md).
    async fn listing(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, error::StoreError> {
        let mut tx = self.read().begin().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// Closes both pools after the writer has drained.
    pub async fn close(&self) {
        self.inner.write.close().await;
        self.inner.read.close().await;
    }
}

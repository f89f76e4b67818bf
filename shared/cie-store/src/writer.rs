//! The archive writer: one task that appends submissions to the per-tenant hash chains. Submissions that
//! arrive together are committed in one transaction (group commit): independent ones with a fixed number of
//! statements (`batch`), the others one after another. If the batch transaction fails, each submission is
//! retried alone inside a savepoint, so one failure cannot take the others down. A submission is answered
//! only after its transaction committed and is on disk.
//!
//! On SQLite with `synchronous = FULL`, a commit would flush the write-ahead log while holding the one write
//! lock, so every batch waited for the disk before the next could start. The writer instead commits its
//! batches with `synchronous = NORMAL` (the log is written, not flushed) and hands their answers to a
//! syncer thread, which flushes the log file once for everything committed so far and only then answers.
//! The next batch is written meanwhile. A submission is still confirmed only once it is on disk, and every
//! other write on the connection keeps `FULL`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use cie_audit::SealKey;
use cie_domain::{DocumentStatus, Summary, TenantId};
use sqlx::{AnyConnection, AnyPool, Connection};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, error, warn};

use crate::batch;
use crate::chain::ChainFields;
use crate::directory::timestamp;
use crate::documents::{DocumentRecord, document_by_id, remember_counterparties};
use crate::error::StoreError;
use crate::original::StoredOriginal;
use crate::validations::{NewValidation, insert_validation};
use crate::workflow::{WorkflowStep, apply_transition, current_state, link_correction, open_cases};
use crate::{Backend, Store};
use cie_workflow::InvoiceState;

/// A submission to archive: the received bytes and what intake made of them.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    /// The tenant it was sent to.
    pub tenant: TenantId,
    /// When it was received (from the service clock).
    pub received_at: DateTime<Utc>,
    /// The user who sent it.
    pub submitter_id: i64,
    /// The supplier organisation it belongs to, if any.
    pub supplier_org_id: Option<i64>,
    /// The bytes as received (only the first part when `truncated`).
    pub content: Vec<u8>,
    /// How many bytes were received in all.
    pub size_bytes: i64,
    /// Whether `content` holds only the first part of an oversize body.
    pub truncated: bool,
    /// The verdict of intake.
    pub parsed: Parsed,
    /// Whether the city issued it (an outbound document) rather than received it.
    pub outbound: bool,
    /// What the workflow does with it in the same transaction.
    pub workflow: Option<WorkflowStep>,
    /// For an invoice received from a supplier: the terms in force now, which its payment clock will run on.
    pub terms: Option<cie_workflow::GoverningTerms>,
    /// For an invoice received from a supplier: what it says of the delivery it bills. The writer looks the
    /// delivery note up with its other look-ups and records the day the inspection period runs from.
    pub delivery: Option<DeliveryNotice>,
}

/// What an invoice names of the order and delivery it bills: the notice of delivery (支払遅延防止法 art. 5)
/// its inspection period is counted from, and the order its lines are matched against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryNotice {
    /// The number of the order it refers to.
    pub order_number: Option<String>,
    /// The number of the delivery note (despatch advice) it refers to.
    pub note_number: Option<String>,
    /// The delivery date it states.
    pub stated_on: Option<chrono::NaiveDate>,
}

impl NewSubmission {
    /// The verdict intake recorded with it, if it was read.
    pub(crate) fn validation(&self) -> Option<&crate::validations::NewValidation> {
        match &self.parsed {
            Parsed::Document { validation, .. } => validation.as_ref(),
            Parsed::Rejected { .. } => None,
        }
    }

    /// The day this invoice's inspection period runs from, given the dates of the supplier's delivery notes
    /// it refers to; none for anything but an invoice from a supplier.
    pub(crate) fn inspection_start(
        &self,
        delivery_notes: &[chrono::NaiveDate],
    ) -> Option<cie_workflow::InspectionStart> {
        let notice = self.delivery.as_ref()?;
        Some(cie_workflow::InspectionStart::of(
            delivery_notes,
            notice.stated_on,
            cie_workflow::japan_day(self.received_at),
        ))
    }
}

/// What intake made of a submission.
#[derive(Debug, Clone)]
pub enum Parsed {
    /// A document was recognised and summarised.
    Document {
        /// The extracted summary.
        summary: Box<Summary>,
        /// Who counts as "the same supplier" for versions and duplicates.
        supplier_key: String,
        /// Status to record: `Rejected` when the rules found something fatal.
        status: DocumentStatus,
        /// The rule engine's verdict, recorded with the document.
        validation: Option<NewValidation>,
        /// The document number reduced to the key its variants share.
        number_key: Option<String>,
    },
    /// The submission was refused; its bytes are archived all the same.
    Rejected {
        /// Stable error code.
        code: String,
        /// What is wrong.
        message: String,
    },
}

/// What happened to a submission.
#[derive(Debug, Clone)]
pub enum SubmissionOutcome {
    /// Archived as entry `archive_seq` and recorded as a document.
    Accepted {
        /// The archive entry.
        archive_seq: i64,
        /// The new document (a new version when the supplier used the number before).
        document: Box<DocumentRecord>,
        /// Earlier documents it may duplicate.
        duplicates: DuplicateHints,
        /// For an invoice: whether the order or the delivery note it names has been received, so that its
        /// lines can be matched.
        named_documents_received: bool,
    },
    /// The workflow step was refused: the invoice is no longer in the state the caller saw. Nothing was
    /// archived.
    StateChanged {
        /// Where the invoice stands now.
        current: Option<InvoiceState>,
    },
    /// The same bytes were already stored for this supplier: nothing new was archived.
    AlreadyStored {
        /// The existing document.
        document: Box<DocumentRecord>,
    },
    /// Archived as entry `archive_seq` with outcome `rejected`.
    Rejected {
        /// The archive entry.
        archive_seq: i64,
    },
}

/// Earlier documents a new one may duplicate, found in the look-up that decides its version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DuplicateHints {
    /// The newest earlier document of the same supplier, kind and number (with other content).
    pub same_number: Option<i64>,
    /// A document with exactly the same bytes from another supplier or sender.
    pub same_content: Option<i64>,
    /// A document of the same supplier and kind, dated the same day with the same amount, whose number is a
    /// variant of this one (prefix, padding, full-width digits): its id and number.
    pub number_variant: Option<(i64, String)>,
}

impl DuplicateHints {
    /// Whether any earlier document looks like this one.
    pub fn any(&self) -> bool {
        self.same_number.is_some() || self.same_content.is_some() || self.number_variant.is_some()
    }
}

type Reply = oneshot::Sender<Result<SubmissionOutcome, StoreError>>;

/// A submission's answer, waiting to be sent.
type Answer = (Reply, Result<SubmissionOutcome, StoreError>);

/// What the writer is asked to do.
enum Job {
    /// Archive a submission (its original prepared beside it) and answer with its outcome.
    Submit(Box<(NewSubmission, StoredOriginal)>, Reply),
    /// Answer as soon as the writer gets to it: proof that it runs and is not stuck.
    Probe(oneshot::Sender<()>),
}

pub(crate) struct WriterHandle {
    sender: mpsc::Sender<Job>,
    stats: Arc<WriterStats>,
}

/// What the archive writer has done since the store was opened, for the metrics.
#[derive(Debug)]
pub struct WriterStats {
    /// Submissions committed per transaction.
    pub batch_sizes: cie_metrics::Histogram,
    /// Seconds each transaction took, from its start to its commit.
    pub batch_seconds: cie_metrics::Histogram,
}

/// The writer's state now, for the metrics and the readiness check.
#[derive(Debug, Clone, Copy)]
pub struct WriterLoad {
    /// Submissions waiting for the writer.
    pub queue_depth: usize,
    /// How many may wait before senders are held back.
    pub queue_capacity: usize,
}

/// How the archive writer works: fixed when the store opens.
pub(crate) struct WriterSettings {
    pub(crate) backend: Backend,
    /// Most submissions committed in one transaction.
    pub(crate) max_batch: usize,
    pub(crate) seal_key: Arc<SealKey>,
    /// Commit each city's submissions in a transaction of their own.
    pub(crate) one_city_per_transaction: bool,
    /// How a committed batch is made durable before it is answered.
    pub(crate) durability: Durability,
}

/// How the writer makes a committed batch durable before answering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Durability {
    /// The commit itself is as durable as configured (PostgreSQL; SQLite with `synchronous = NORMAL`).
    AtCommit,
    /// SQLite with `synchronous = FULL`: batches commit without flushing, and the syncer flushes this
    /// database file's write-ahead log before they are answered.
    FlushLogAfter(PathBuf),
}

/// How often the checkpointer copies the write-ahead log into the database file (SQLite with `FULL`).
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

pub(crate) fn spawn(pool: AnyPool, read: AnyPool, settings: WriterSettings) -> WriterHandle {
    let (sender, receiver) = mpsc::channel(settings.max_batch.max(1) * 4);
    let stats = Arc::new(WriterStats {
        batch_sizes: cie_metrics::Histogram::new(cie_metrics::SIZES),
        batch_seconds: cie_metrics::Histogram::new(cie_metrics::SECONDS),
    });
    let syncer = match &settings.durability {
        Durability::AtCommit => None,
        Durability::FlushLogAfter(database) => Some(Syncer::spawn(database.clone())),
    };
    let writer_stats = stats.clone();
    std::thread::Builder::new()
        .name("archive-writer".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the archive writer's runtime");
            if syncer.is_some() {
                runtime.spawn(checkpoint(read));
            }
            runtime.block_on(run(pool, settings, receiver, writer_stats, syncer));
        })
        .expect("the operating system refused to start the archive writer thread");
    WriterHandle { sender, stats }
}

impl Store {
    /// Archives a submission (and records its document), durably, before answering.
    pub async fn submit(&self, submission: NewSubmission) -> Result<SubmissionOutcome, StoreError> {
        let stored = self.prepare_original(&submission.content).await?;
        self.put_original(&submission, &stored).await?;
        let (reply, answer) = oneshot::channel();
        self.inner
            .writer
            .sender
            .send(Job::Submit(Box::new((submission, stored)), reply))
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Where new originals are kept.
    pub(crate) fn placement(&self) -> Placement {
        match self.inner.originals {
            Some(_) => Placement::ObjectStore,
            None => Placement::Database,
        }
    }

    /// Hashes and compresses an original before the archive writer takes it, so that the one writer spends
    /// its time on the database alone; a large original is compressed on a blocking thread.
    async fn prepare_original(&self, received: &[u8]) -> Result<StoredOriginal, StoreError> {
        const LARGE: usize = 256 * 1024;
        let placement = self.placement();
        if received.len() < LARGE {
            return Ok(StoredOriginal::prepare(received, placement));
        }
        let received = received.to_vec();
        tokio::task::spawn_blocking(move || StoredOriginal::prepare(&received, placement))
            .await
            .map_err(|_| StoreError::WriterStopped)
    }

    /// With an object store: puts the submission's bytes there first, so that an entry the writer commits
    /// always finds its original (a failure leaves nothing archived; an object whose entry never commits
    /// is harmless, and the same bytes later reuse it).
    async fn put_original(
        &self,
        submission: &NewSubmission,
        stored: &StoredOriginal,
    ) -> Result<(), StoreError> {
        let Some(originals) = &self.inner.originals else {
            return Ok(());
        };
        let key = original_key(submission.tenant.as_str(), &stored.sha);
        originals
            .put(&key, submission.content.clone())
            .await
            .map_err(StoreError::Originals)
    }

    /// Waits until the archive writer has taken everything queued before this call: an error when it has
    /// stopped. The caller bounds the wait (a stuck writer never answers).
    pub async fn probe_writer(&self) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.inner
            .writer
            .sender
            .send(Job::Probe(reply))
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)
    }

    /// The archive writer's queue now.
    pub fn writer_load(&self) -> WriterLoad {
        let sender = &self.inner.writer.sender;
        WriterLoad {
            queue_depth: sender.max_capacity() - sender.capacity(),
            queue_capacity: sender.max_capacity(),
        }
    }

    /// What the archive writer has committed so far.
    pub fn writer_stats(&self) -> &WriterStats {
        &self.inner.writer.stats
    }
}

async fn run(
    pool: AnyPool,
    settings: WriterSettings,
    mut receiver: mpsc::Receiver<Job>,
    stats: Arc<WriterStats>,
    syncer: Option<Syncer>,
) {
    let WriterSettings {
        backend,
        max_batch,
        seal_key,
        one_city_per_transaction,
        durability: _,
    } = settings;
    let mut held: Option<HeldConnection> = None;
    while let Some(first) = receiver.recv().await {
        let mut batch = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Submit(submission, reply) => {
                    let (submission, stored) = *submission;
                    batch.push((submission, stored, reply))
                }
                Job::Probe(reply) => {
                    let _ = reply.send(());
                }
            }
            if batch.len() < max_batch {
                next = receiver.try_recv().ok();
            }
        }
        let batches = if one_city_per_transaction {
            by_city(batch, |(submission, _, _)| submission.tenant.as_str())
        } else {
            vec![batch]
        };
        for batch in batches.into_iter().filter(|b| !b.is_empty()) {
            let size = batch.len();
            let started = std::time::Instant::now();
            let answers = write_batch(
                backend,
                &pool,
                &mut held,
                &seal_key,
                syncer.is_some(),
                batch,
            )
            .await;
            match &syncer {
                Some(syncer) => syncer.answer_when_flushed(answers),
                None => answer(answers),
            }
            let elapsed = started.elapsed();
            stats.batch_sizes.observe(size as f64);
            stats.batch_seconds.observe(elapsed.as_secs_f64());
            debug!(
                size,
                micros = elapsed.as_micros() as u64,
                "archive batch written"
            );
        }
        let keep = held
            .as_ref()
            .is_some_and(|held| !receiver.is_empty() && held.since.elapsed() < HOLD_WHILE_QUEUED);
        if !keep && let Some(connection) = held.take() {
            connection.give_back().await;
        }
    }
    if let Some(connection) = held.take() {
        connection.give_back().await;
    }
}

/// How long the archive writer keeps the write connection from one batch to the next while submissions
/// are queued, before it lets the other writers (staff actions, exports) have it.
const HOLD_WHILE_QUEUED: std::time::Duration = std::time::Duration::from_millis(20);

/// The write connection as the archive writer holds it between batches: each time it is taken from the pool
/// and given back costs three round trips to its thread (with a deferred flush, `synchronous` set and reset,
/// and the pool's check when it comes back), a fifth of a batch's.
struct HeldConnection {
    conn: sqlx::pool::PoolConnection<sqlx::Any>,
    /// Whether it commits with `synchronous = NORMAL` (see [`write_batch`]).
    deferred: bool,
    since: std::time::Instant,
}

impl HeldConnection {
    async fn take(pool: &AnyPool, defer_flush: bool) -> Result<HeldConnection, sqlx::Error> {
        let mut conn = pool.acquire().await?;
        if defer_flush {
            sqlx::query("PRAGMA synchronous = NORMAL")
                .execute(&mut *conn)
                .await?;
        }
        Ok(HeldConnection {
            conn,
            deferred: defer_flush,
            since: std::time::Instant::now(),
        })
    }

    /// Back to the pool, committing with `synchronous = FULL` again.
    async fn give_back(mut self) {
        if self.deferred
            && let Err(failure) = sqlx::query("PRAGMA synchronous = FULL")
                .execute(&mut *self.conn)
                .await
        {
            // Never hand a connection that skips flushes to the other writers: the pool opens a fresh one.
            error!(error = %failure, "the archive writer could not restore synchronous = FULL; closing its connection");
            self.conn.close_on_drop();
        }
    }
}

/// `items` split into one group per city, each in arrival order, the groups in the order their city first
/// arrived (so that, on Citus, each transaction stays on the node of one city).
fn by_city<T>(items: Vec<T>, city: impl Fn(&T) -> &str) -> Vec<Vec<T>> {
    let mut groups: Vec<(String, Vec<T>)> = Vec::new();
    for item in items {
        let name = city(&item).to_owned();
        match groups.iter_mut().find(|(group, _)| *group == name) {
            Some((_, group)) => group.push(item),
            None => groups.push((name, vec![item])),
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
}

#[cfg(test)]
mod tests {
    use super::{by_city, flush, wal_path};

    #[test]
    fn the_log_beside_a_database_is_flushed_or_else_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("cie.sqlite");
        assert_eq!(wal_path(&database), dir.path().join("cie.sqlite-wal"));
        assert_eq!(
            flush(&wal_path(&database), &database).unwrap_err().kind(),
            std::io::ErrorKind::NotFound,
            "neither the log nor the database exists"
        );
        std::fs::write(&database, b"database").unwrap();
        flush(&wal_path(&database), &database).unwrap();
        std::fs::write(wal_path(&database), b"log").unwrap();
        flush(&wal_path(&database), &database).unwrap();
    }

    #[test]
    fn a_batch_is_split_by_city_keeping_the_order_of_arrival() {
        let arrived = vec![("a", 1), ("b", 2), ("a", 3), ("c", 4), ("b", 5)];
        assert_eq!(
            by_city(arrived, |(city, _)| city),
            vec![
                vec![("a", 1), ("a", 3)],
                vec![("b", 2), ("b", 5)],
                vec![("c", 4)]
            ]
        );
        assert!(by_city(Vec::<(&str, i32)>::new(), |(city, _)| city).is_empty());
    }
}

pub(crate) struct Head {
    pub(crate) seq: i64,
    pub(crate) hash: String,
    /// The last entry's seal (empty before the first sealed entry).
    pub(crate) seal: String,
    pub(crate) key: Arc<SealKey>,
}

/// Where the bytes of an archive entry are kept: in its row, or in the object store under
/// [`original_key`] (the row then holds no bytes and says so in `content_location`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// In `archive_entries.content`.
    Database,
    /// In the object store.
    ObjectStore,
}

impl Placement {
    /// The value of `archive_entries.content_location`.
    pub(crate) fn column(self) -> &'static str {
        match self {
            Placement::Database => "database",
            Placement::ObjectStore => "object_store",
        }
    }
}

/// The object-store key of a city's original with this SHA-256 (content-addressed: the same bytes sent
/// twice are one object).
pub(crate) fn original_key(tenant: &str, sha256: &str) -> String {
    format!("{tenant}/{}/{sha256}", &sha256[..2.min(sha256.len())])
}

impl Head {
    /// Moves the head to entry `seq` with hash `entry_hash`; returns the previous hash and the new seal.
    pub(crate) fn advance(
        &mut self,
        tenant: &str,
        seq: i64,
        entry_hash: String,
    ) -> (String, String) {
        let seal = self.key.entry_seal(tenant, seq, &entry_hash, &self.seal);
        self.seq = seq;
        self.seal = seal.clone();
        (std::mem::replace(&mut self.hash, entry_hash), seal)
    }
}

/// How a batch is written: all submissions straight into one transaction (fast: no savepoints), or one
/// submission guarded by savepoints so a failure can still archive its bytes as rejected.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Together,
    Guarded,
}

fn answer(answers: Vec<Answer>) {
    for (reply, result) in answers {
        let _ = reply.send(result);
    }
}

/// The thread that flushes SQLite's write-ahead log for batches committed without flushing, then answers
/// them: one flush for everything committed before it started.
struct Syncer {
    sender: std::sync::mpsc::Sender<Vec<Answer>>,
}

impl Syncer {
    fn spawn(database: PathBuf) -> Syncer {
        let (sender, receiver) = std::sync::mpsc::channel::<Vec<Answer>>();
        let log = wal_path(&database);
        std::thread::Builder::new()
            .name("archive-syncer".into())
            .spawn(move || {
                while let Ok(mut answers) = receiver.recv() {
                    while let Ok(more) = receiver.try_recv() {
                        answers.extend(more);
                    }
                    let flushed = flush(&log, &database);
                    if let Err(failure) = &flushed {
                        error!(error = %failure, log = %log.display(), "flushing the archive to disk failed");
                    }
                    answer(
                        answers
                            .into_iter()
                            .map(|(reply, result)| {
                                let result = match &flushed {
                                    Ok(()) => result,
                                    Err(failure) => result.and(Err(StoreError::NotDurable(
                                        std::io::Error::new(failure.kind(), failure.to_string()),
                                    ))),
                                };
                                (reply, result)
                            })
                            .collect(),
                    );
                }
            })
            .expect("the operating system refused to start the archive syncer thread");
        Syncer { sender }
    }

    /// Answers `answers` once everything committed so far is on disk.
    fn answer_when_flushed(&self, answers: Vec<Answer>) {
        if let Err(returned) = self.sender.send(answers) {
            let answers = returned
                .0
                .into_iter()
                .map(|(reply, _)| (reply, Err(StoreError::WriterStopped)));
            answer(answers.collect());
        }
    }
}

/// Copies SQLite's write-ahead log into the database file every [`CHECKPOINT_EVERY`], on a reading
/// connection: a passive checkpoint, which neither waits for nor holds up the writer (and does nothing when
/// the log is copied already). Commits on the write connection do not checkpoint (`wal_autocheckpoint = 0`).
/// Ends with the writer's runtime.
async fn checkpoint(read: AnyPool) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(failure) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&read)
            .await
        {
            warn!(error = %failure, "checkpointing the write-ahead log failed; trying again");
        }
    }
}

/// The write-ahead log of a SQLite database file.
fn wal_path(database: &std::path::Path) -> PathBuf {
    let mut log = database.as_os_str().to_owned();
    log.push("-wal");
    PathBuf::from(log)
}

/// Flushes the write-ahead log to disk. Without one (every connection closed, the log checkpointed into the
/// database and removed), what was committed is in the database file, which is flushed instead.
fn flush(log: &std::path::Path, database: &std::path::Path) -> std::io::Result<()> {
    match std::fs::File::open(log) {
        Ok(file) => file.sync_data(),
        Err(missing) if missing.kind() == std::io::ErrorKind::NotFound => {
            std::fs::File::open(database)?.sync_data()
        }
        Err(failure) => Err(failure),
    }
}

/// Writes a batch and returns its answers, on the connection `held` (taken from the pool when there is
/// none). With `defer_flush` (SQLite `FULL`), the batch commits with `synchronous = NORMAL` on the one write
/// connection, which is set back to `FULL` before it goes back to the pool; the caller then has the log
/// flushed before answering. A batch that fails gives the connection back.
async fn write_batch(
    backend: Backend,
    pool: &AnyPool,
    held: &mut Option<HeldConnection>,
    seal_key: &Arc<SealKey>,
    defer_flush: bool,
    batch: Vec<(NewSubmission, StoredOriginal, Reply)>,
) -> Vec<Answer> {
    let mut submissions = Vec::with_capacity(batch.len());
    let mut originals = Vec::with_capacity(batch.len());
    let mut replies = Vec::with_capacity(batch.len());
    for (submission, stored, reply) in batch {
        submissions.push(submission);
        originals.push(stored);
        replies.push(reply);
    }
    let failed = |replies: Vec<Reply>, failure: &dyn std::fmt::Display| -> Vec<Answer> {
        replies
            .into_iter()
            .map(|reply| (reply, Err(transaction_failed(failure))))
            .collect()
    };
    let connection = match held {
        Some(connection) => connection,
        None => match HeldConnection::take(pool, defer_flush).await {
            Ok(connection) => held.insert(connection),
            Err(failure) => {
                error!(error = %failure, "the archive writer has no database connection");
                return failed(replies, &failure);
            }
        },
    };
    let results = write_on(
        backend,
        &mut connection.conn,
        seal_key,
        &submissions,
        &originals,
    )
    .await;
    match results {
        Ok(results) => replies.into_iter().zip(results).collect(),
        Err(failure) => {
            error!(error = %failure, submissions = submissions.len(), "archive batch failed to commit");
            if let Some(connection) = held.take() {
                connection.give_back().await;
            }
            failed(replies, &failure)
        }
    }
}

/// The error a submission is answered with when its transaction failed (the cause is logged).
fn transaction_failed(failure: &dyn std::fmt::Display) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!(
        "archive transaction failed: {failure}"
    )))
}

/// Writes `submissions` on `conn`: together in one transaction when there are several, and one by one if
/// that fails; one result each.
async fn write_on(
    backend: Backend,
    conn: &mut AnyConnection,
    seal_key: &Arc<SealKey>,
    submissions: &[NewSubmission],
    originals: &[StoredOriginal],
) -> Result<Vec<Result<SubmissionOutcome, StoreError>>, StoreError> {
    if submissions.len() > 1 {
        if let Ok(results) = commit_batch(
            backend,
            conn,
            seal_key,
            submissions,
            originals,
            Mode::Together,
        )
        .await
        {
            return Ok(results);
        }
        // Something in the batch failed and the whole transaction was rolled back: write one by one.
        let mut results = Vec::with_capacity(submissions.len());
        for (submission, stored) in submissions.iter().zip(originals) {
            let result = commit_batch(
                backend,
                conn,
                seal_key,
                std::slice::from_ref(submission),
                std::slice::from_ref(stored),
                Mode::Guarded,
            )
            .await
            .map_err(|failure| {
                error!(error = %failure, "archive transaction failed to commit");
                transaction_failed(&failure)
            })
            .and_then(|mut results| results.pop().unwrap_or(Err(StoreError::WriterStopped)));
            results.push(result);
        }
        return Ok(results);
    }
    commit_batch(
        backend,
        conn,
        seal_key,
        submissions,
        originals,
        Mode::Guarded,
    )
    .await
}

async fn commit_batch(
    backend: Backend,
    conn: &mut AnyConnection,
    seal_key: &Arc<SealKey>,
    submissions: &[NewSubmission],
    originals: &[StoredOriginal],
    mode: Mode,
) -> Result<Vec<Result<SubmissionOutcome, StoreError>>, StoreError> {
    let mut tx = begin_archive_transaction(backend, conn).await?;
    let mut heads = lock_heads(backend, &mut tx, submissions, seal_key).await?;

    let mut results = Vec::with_capacity(submissions.len());
    let mut touched: BTreeMap<String, ()> = BTreeMap::new();
    if mode == Mode::Together
        && submissions.len() > 1
        && batch::independent(submissions, originals, &heads)
    {
        let outcomes = batch::append_together(
            &mut tx,
            &mut heads,
            submissions,
            originals,
            batch::LookUp::EarlierDocuments,
        )
        .await?;
        for (submission, outcome) in submissions.iter().zip(outcomes) {
            if archived(&outcome) {
                touched.insert(submission.tenant.to_string(), ());
            }
            results.push(Ok(outcome));
        }
        update_heads(&mut tx, &heads, &touched).await?;
        tx.commit().await?;
        return Ok(results);
    }
    for (submission, stored) in submissions.iter().zip(originals) {
        let Some(head) = heads.get_mut(submission.tenant.as_str()) else {
            results.push(Err(StoreError::UnknownTenant(
                submission.tenant.to_string(),
            )));
            continue;
        };
        if mode == Mode::Together {
            let outcome = append(&mut tx, head, submission, stored, None).await?;
            if archived(&outcome) {
                touched.insert(submission.tenant.to_string(), ());
            }
            results.push(Ok(outcome));
            continue;
        }
        let mut savepoint = tx.begin().await?;
        match append(&mut savepoint, head, submission, stored, None).await {
            Ok(outcome) => {
                savepoint.commit().await?;
                if archived(&outcome) {
                    touched.insert(submission.tenant.to_string(), ());
                }
                results.push(Ok(outcome));
            }
            Err(failure) => {
                savepoint.rollback().await?;
                warn!(error = %failure, tenant = %submission.tenant, "storing a submission failed; archiving its bytes as rejected");
                let mut retry = tx.begin().await?;
                // The database's own words stay in the log: the archive entry is readable by the supplier.
                let reason = ("storage_error", STORAGE_FAILURE.to_owned());
                match append(&mut retry, head, submission, stored, Some(reason)).await {
                    Ok(outcome) => {
                        retry.commit().await?;
                        touched.insert(submission.tenant.to_string(), ());
                        results.push(Ok(outcome));
                    }
                    Err(second) => {
                        retry.rollback().await?;
                        results.push(Err(second));
                    }
                }
            }
        }
    }
    update_heads(&mut tx, &heads, &touched).await?;
    tx.commit().await?;
    Ok(results)
}

/// What an archive entry says of a submission whose document the database refused to record.
pub const STORAGE_FAILURE: &str = "the document could not be recorded; its bytes are archived as received and the cause is logged";

/// A tenant's chain head, locked for the transaction on PostgreSQL.
pub(crate) fn head_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT last_seq, last_hash, last_seal FROM archive_heads WHERE tenant_id = $1"
        }
        Backend::Postgres => {
            "SELECT last_seq, last_hash, last_seal FROM archive_heads WHERE tenant_id = $1 FOR UPDATE"
        }
    }
}

/// Moves a tenant's chain head.
pub(crate) const HEAD_UPDATE_SQL: &str =
    "UPDATE archive_heads SET last_seq = $1, last_hash = $2, last_seal = $4 WHERE tenant_id = $3";

async fn begin_archive_transaction(
    backend: Backend,
    conn: &mut AnyConnection,
) -> Result<sqlx::Transaction<'_, sqlx::Any>, StoreError> {
    Ok(match backend {
        Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => {
            // The look-up of earlier documents is planned for each batch's values and the table's present
            // size: a generic plan made while the table was small would stay cached as it grows (PLANS.md).
            let mut tx = conn.begin().await?;
            sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan")
                .execute(&mut *tx)
                .await?;
            tx
        }
    })
}

/// The chain heads of the tenants `submissions` go to, locked until the transaction ends (SQLite's
/// `BEGIN IMMEDIATE` holds the one write lock already). Unknown tenants are left out.
async fn lock_heads(
    backend: Backend,
    conn: &mut AnyConnection,
    submissions: &[NewSubmission],
    seal_key: &Arc<SealKey>,
) -> Result<HashMap<String, Head>, StoreError> {
    let tenants: BTreeMap<&str, ()> = submissions
        .iter()
        .map(|s| (s.tenant.as_str(), ()))
        .collect();
    let mut heads: HashMap<String, Head> = HashMap::new();
    for tenant in tenants.keys() {
        let head: Option<(i64, String, String)> = sqlx::query_as(head_sql(backend))
            .bind(*tenant)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some((seq, hash, seal)) = head {
            heads.insert(
                (*tenant).to_owned(),
                Head {
                    seq,
                    hash,
                    seal,
                    key: seal_key.clone(),
                },
            );
        }
    }
    Ok(heads)
}

impl Store {
    /// Appends many new documents at once: the archive entries, chain, document rows and verdicts that
    /// intake writes, in one transaction with a fixed number of statements, but without intake's look-up of
    /// earlier documents. No idempotent replay, version or duplicate is detected: the caller vouches that
    /// every number and content is new to its supplier and tenant. For loading a large archive at once (the
    /// intake benchmark's preload, a city's archive moved from an earlier system). Returns the documents
    /// recorded; refused when a submission is not a document, carries a workflow step, names an unknown
    /// tenant, or collides with another submission of the same call.
    pub async fn append_bulk(&self, submissions: &[NewSubmission]) -> Result<usize, StoreError> {
        if submissions.is_empty() {
            return Ok(0);
        }
        if let Some(odd) = submissions
            .iter()
            .find(|s| s.workflow.is_some() || !matches!(s.parsed, Parsed::Document { .. }))
        {
            return Err(StoreError::Conflict {
                what: format!(
                    "a bulk load takes new documents only (tenant {}, a refused submission or a workflow step)",
                    odd.tenant
                ),
            });
        }
        let backend = self.backend();
        let mut conn = self.write().acquire().await?;
        let mut tx = begin_archive_transaction(backend, &mut conn).await?;
        let mut originals = Vec::with_capacity(submissions.len());
        for submission in submissions {
            let stored = self.prepare_original(&submission.content).await?;
            self.put_original(submission, &stored).await?;
            originals.push(stored);
        }
        let mut heads = lock_heads(backend, &mut tx, submissions, &self.inner.seal_key).await?;
        if let Some(unknown) = submissions
            .iter()
            .find(|s| !heads.contains_key(s.tenant.as_str()))
        {
            return Err(StoreError::UnknownTenant(unknown.tenant.to_string()));
        }
        if !batch::independent(submissions, &originals, &heads) {
            return Err(StoreError::Conflict {
                what: "two documents of the bulk load with the same supplier and number or content"
                    .into(),
            });
        }
        let outcomes = batch::append_together(
            &mut tx,
            &mut heads,
            submissions,
            &originals,
            batch::LookUp::Skip,
        )
        .await?;
        let touched: BTreeMap<String, ()> = heads.keys().map(|t| (t.clone(), ())).collect();
        update_heads(&mut tx, &heads, &touched).await?;
        tx.commit().await?;
        Ok(outcomes
            .iter()
            .filter(|o| matches!(o, SubmissionOutcome::Accepted { .. }))
            .count())
    }
}

async fn update_heads(
    conn: &mut AnyConnection,
    heads: &HashMap<String, Head>,
    touched: &BTreeMap<String, ()>,
) -> Result<(), StoreError> {
    for tenant in touched.keys() {
        let head = &heads[tenant.as_str()];
        sqlx::query(HEAD_UPDATE_SQL)
            .bind(head.seq)
            .bind(&head.hash)
            .bind(tenant.as_str())
            .bind(&head.seal)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The archive entry's outcome, error code and message for what intake made of a submission.
pub(crate) fn archive_outcome(parsed: &Parsed) -> (&'static str, Option<&str>, Option<&str>) {
    match parsed {
        Parsed::Rejected { code, message } => {
            ("rejected", Some(code.as_str()), Some(message.as_str()))
        }
        Parsed::Document { status, .. } if *status == DocumentStatus::Rejected => (
            "rejected",
            Some("validation_failed"),
            Some("the document has fatal findings"),
        ),
        Parsed::Document { .. } => ("accepted", None, None),
    }
}

fn archived(outcome: &SubmissionOutcome) -> bool {
    !matches!(
        outcome,
        SubmissionOutcome::AlreadyStored { .. } | SubmissionOutcome::StateChanged { .. }
    )
}

/// Appends one submission on `conn` (inside a savepoint). `forced_rejection` archives the bytes as rejected
/// whatever intake said, used when recording the document failed.
async fn append(
    conn: &mut AnyConnection,
    head: &mut Head,
    submission: &NewSubmission,
    stored: &StoredOriginal,
    forced_rejection: Option<(&str, String)>,
) -> Result<SubmissionOutcome, StoreError> {
    let tenant = submission.tenant.as_str();
    let mut chain = None;
    if let (Some(WorkflowStep::Respond(transition)), None) =
        (&submission.workflow, &forced_rejection)
    {
        let current = current_state(&mut *conn, tenant, transition.invoice_document_id).await?;
        match current {
            Some((state, root, has_row)) if state == transition.expected => {
                chain = Some((root, has_row))
            }
            other => {
                return Ok(SubmissionOutcome::StateChanged {
                    current: other.map(|(state, _, _)| state),
                });
            }
        }
    }
    let sha = &stored.sha;
    let document = match (&submission.parsed, &forced_rejection) {
        (
            Parsed::Document {
                summary,
                supplier_key,
                status,
                validation,
                number_key,
            },
            None,
        ) => {
            let prior = batch::prior_documents_of(&mut *conn, &[(0, submission, sha.clone())])
                .await?
                .remove(&0)
                .unwrap_or_default();
            if let Some(existing) = prior.same_content {
                return Ok(SubmissionOutcome::AlreadyStored {
                    document: Box::new(document_by_id(&mut *conn, tenant, existing).await?),
                });
            }
            Some((summary, supplier_key, status, validation, number_key, prior))
        }
        _ => None,
    };
    let (outcome, error_code, error_message) = match &forced_rejection {
        Some((code, message)) => ("rejected", Some(*code), Some(message.as_str())),
        None => archive_outcome(&submission.parsed),
    };
    let seq = head.seq + 1;
    let received_at = timestamp(submission.received_at);
    let fields = ChainFields {
        tenant,
        seq,
        prev_hash: &head.hash,
        received_at: &received_at,
        submitter_id: submission.submitter_id,
        supplier_org_id: submission.supplier_org_id,
        content_sha256: sha,
        size_bytes: submission.size_bytes,
        truncated: submission.truncated,
        outcome,
        error_code,
        error_message,
    };
    let entry_hash = fields.entry_hash();
    let seal = head.key.entry_seal(tenant, seq, &entry_hash, &head.seal);
    sqlx::query(
        "INSERT INTO archive_entries (tenant_id, seq, received_at, submitter_id, supplier_org_id, content_sha256,
             size_bytes, truncated, outcome, error_code, error_message, prev_hash, entry_hash, content, seal,
             content_location, content_encoding)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(tenant)
    .bind(seq)
    .bind(&received_at)
    .bind(submission.submitter_id)
    .bind(submission.supplier_org_id)
    .bind(sha)
    .bind(submission.size_bytes)
    .bind(i64::from(submission.truncated))
    .bind(outcome)
    .bind(error_code)
    .bind(error_message)
    .bind(&head.hash)
    .bind(&entry_hash)
    .bind(stored.content.as_slice())
    .bind(&seal)
    .bind(stored.placement.column())
    .bind(stored.encoding.column())
    .execute(&mut *conn)
    .await?;

    let result = match document {
        None => SubmissionOutcome::Rejected { archive_seq: seq },
        Some((summary, supplier_key, status, validation, number_key, prior)) => {
            let record = DocumentRecord::insert(
                &mut *conn,
                &submission.tenant,
                seq,
                summary,
                supplier_key,
                *status,
                submission,
                sha,
                prior.latest,
                number_key.as_deref(),
                (&head.key, validation.is_some()),
            )
            .await?;
            open_cases(
                &mut *conn,
                &[crate::workflow::OpenedCase {
                    record: &record,
                    terms: submission.terms,
                    inspection_start: submission.inspection_start(&prior.delivery_notes),
                    validation: validation.as_ref(),
                    possible_duplicate: prior.looks_like_earlier(),
                }],
            )
            .await?;
            remember_counterparties(&mut *conn, &[&record]).await?;
            if let Some(validation) = validation {
                insert_validation(
                    &mut *conn,
                    &head.key,
                    &submission.tenant,
                    record.id,
                    submission.received_at,
                    validation,
                )
                .await?;
            }
            match &submission.workflow {
                Some(WorkflowStep::Respond(transition)) => {
                    if let Some((root, has_row)) = chain {
                        apply_transition(
                            &mut *conn,
                            &head.key,
                            tenant,
                            transition,
                            root,
                            has_row,
                            record.id,
                            submission.received_at,
                        )
                        .await?;
                    }
                }
                Some(WorkflowStep::Corrects {
                    returned_document_id,
                    received_on,
                }) if *status == DocumentStatus::Received => {
                    link_correction(
                        &mut *conn,
                        &head.key,
                        tenant,
                        *returned_document_id,
                        record.id,
                        *received_on,
                        submission.submitter_id,
                        submission.received_at,
                    )
                    .await?;
                }
                _ => {}
            }
            SubmissionOutcome::Accepted {
                archive_seq: seq,
                document: Box::new(record),
                duplicates: DuplicateHints {
                    same_number: prior.latest.map(|(id, _)| id),
                    same_content: prior.same_content_elsewhere,
                    number_variant: prior.number_variant.clone(),
                },
                named_documents_received: prior.names_received_documents(),
            }
        }
    };
    head.seq = seq;
    head.hash = entry_hash;
    head.seal = seal;
    Ok(result)
}

//! The tax-office package (電子帳簿保存法, a tax office's request for the records of a period): every archived
//! original received in a date range, accepted or rejected, byte for byte; a PDF of each document; `index.csv`;
//! and `chain.json`, the chain segment with every field its entry hashes commit to, so that the package can be
//! checked offline (`cie-server verify-export`, [`cie_audit::verify`]).
//!
//! The ZIP is streamed: entries are read from the store 200 at a time and each original on its own, written
//! by a `zip` stream writer on the blocking pool into a bounded channel that feeds the response body. The
//! index rows and chain entries are spooled to temporary files and appended at the end, so memory stays flat
//! however large the range (but for the ZIP's central directory, about a hundred bytes per file).

use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use cie_audit::package::{self, ChainEntry, ChainFile, ChainHead, IndexRow};
use cie_domain::{Role, TenantId};
use cie_store::{AuditItem, AuditSelection, AuditWindow, DocumentQuery};
use serde::Deserialize;
use tokio::sync::mpsc;
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;

/// Entries read from the store per query.
const BATCH: i64 = 200;
/// Bytes gathered before a chunk goes to the response body.
const CHUNK: usize = 64 * 1024;

/// Japan Standard Time, in which the range's dates are meant.
pub fn japan() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// What the package is asked for: a receipt date range (Japan time, both required, inclusive) and optional
/// document criteria.
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRequest {
    /// First day of receipt, `YYYY-MM-DD`.
    pub date_from: Option<NaiveDate>,
    /// Last day of receipt, inclusive.
    pub date_to: Option<NaiveDate>,
    /// Counterparty: part of a party name, or a 登録番号 (documents only).
    pub counterparty: Option<String>,
    /// Transaction amount at least (documents only).
    pub amount_min: Option<String>,
    /// Transaction amount at most (documents only).
    pub amount_max: Option<String>,
}

/// A package ready to stream: what it covers, fixed before the first byte.
pub struct AuditPlan {
    tenant: TenantId,
    request: AuditRequest,
    selection: AuditSelection,
    window: AuditWindow,
    /// The file name to offer.
    pub file_name: String,
}

/// Checks the caller and the request and fixes the chain window, so that refusals are answered before the
/// package starts streaming.
pub async fn plan(
    state: &AppState,
    caller: &Caller,
    request: AuditRequest,
) -> Result<AuditPlan, Error> {
    caller.require(&[Role::Admin])?;
    let (Some(from), Some(to)) = (request.date_from, request.date_to) else {
        return Err(Error::invalid(
            "invalid_query",
            "date_from and date_to (YYYY-MM-DD, days of receipt in Japan time) are required",
        ));
    };
    if from > to {
        return Err(Error::invalid(
            "invalid_query",
            "date_from is after date_to",
        ));
    }
    let start_of = |day: NaiveDate| -> Result<DateTime<Utc>, Error> {
        day.and_hms_opt(0, 0, 0)
            .and_then(|at| at.and_local_timezone(japan()).single())
            .map(|at| at.with_timezone(&Utc))
            .ok_or_else(|| Error::invalid("invalid_query", format!("{day} is out of range")))
    };
    let after_to = to
        .succ_opt()
        .ok_or_else(|| Error::invalid("invalid_query", "date_to is out of range"))?;
    let amount_min_scaled =
        crate::records::amount_key(request.amount_min.as_deref(), "amount_min")?;
    let amount_max_scaled =
        crate::records::amount_key(request.amount_max.as_deref(), "amount_max")?;
    let counterparty = match request.counterparty.as_deref().map(str::trim) {
        Some(typed) if !typed.is_empty() => {
            Some(crate::records::resolve_counterparty(state, &caller.tenant, typed).await?)
        }
        _ => None,
    };
    let filtered =
        amount_min_scaled.is_some() || amount_max_scaled.is_some() || counterparty.is_some();
    let selection = AuditSelection {
        received_from: start_of(from)?,
        received_before: start_of(after_to)?,
        documents: filtered.then(|| DocumentQuery {
            amount_min_scaled,
            amount_max_scaled,
            counterparty,
            ..DocumentQuery::default()
        }),
    };
    let window = state
        .store
        .audit_window(
            &caller.tenant,
            selection.received_from,
            selection.received_before,
        )
        .await?;
    Ok(AuditPlan {
        file_name: format!("audit-{}-{from}-{to}.zip", caller.tenant),
        tenant: caller.tenant.clone(),
        request,
        selection,
        window,
    })
}

/// The package's bytes, in chunks, as they are written; an error ends the stream (the client sees a cut
/// download, never a package that looks whole).
pub fn stream(state: AppState, plan: AuditPlan) -> mpsc::Receiver<io::Result<Vec<u8>>> {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        if let Err(error) = produce(&state, plan, tx.clone()).await {
            tracing::error!(error = %format!("{error:#}"), "the audit package failed while streaming");
            let _ = tx.send(Err(io::Error::other(error.to_string()))).await;
        }
    });
    rx
}

async fn produce(
    state: &AppState,
    plan: AuditPlan,
    tx: mpsc::Sender<io::Result<Vec<u8>>>,
) -> anyhow::Result<()> {
    let AuditPlan {
        tenant,
        request,
        selection,
        window,
        ..
    } = plan;
    let head = ChainHead {
        seq: window.head_seq,
        entry_hash: window.head_hash.clone(),
    };
    let chain_header = ChainFile {
        format: package::FORMAT.to_owned(),
        tenant: tenant.to_string(),
        exported_at: state.clock.now().to_rfc3339(),
        criteria: serde_json::to_value(&request)?,
        genesis_hash: cie_audit::GENESIS_HASH.to_owned(),
        head,
        entry_hash_formula: package::ENTRY_HASH_FORMULA.to_owned(),
        entries: Vec::new(),
    };
    let mut writer = blocking(move || PackageWriter::new(tx, chain_header)).await?;
    if let Some((first, last)) = window.seqs {
        let mut after = first - 1;
        loop {
            let batch = state
                .store
                .audit_batch(&tenant, &selection, after, last, BATCH)
                .await?;
            let Some(end) = batch.last() else { break };
            after = end.entry.seq;
            for item in batch {
                let (_, content) = state
                    .store
                    .archived_content(&tenant, item.entry.seq, None)
                    .await?;
                let meta = match &item.document {
                    Some(document) => {
                        let verdict = state.store.latest_validation(&tenant, document.id).await?;
                        Some(crate::rendering::render_meta(
                            document,
                            verdict.as_ref().map(|v| v.findings.as_slice()),
                        ))
                    }
                    None => None,
                };
                let renderer = state.pdf.clone();
                writer = blocking(move || {
                    writer.add(item, &content, meta, &renderer)?;
                    Ok(writer)
                })
                .await?;
            }
        }
    }
    blocking(move || writer.finish()).await
}

/// Runs `work` on the blocking pool (the ZIP writer blocks on the channel when the client reads slowly).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| anyhow::anyhow!("the package task failed: {e}"))?
}

/// Chunks of the ZIP, sent to the response body; blocks while the body's buffer is full.
struct ChannelWriter {
    tx: mpsc::Sender<io::Result<Vec<u8>>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// The package as it is written: the ZIP so far, and the index rows, chain entries and render failures
/// spooled to temporary files until the end.
struct PackageWriter {
    zip: ZipWriter<StreamWriter<ChannelWriter>>,
    chain_header: ChainFile,
    index: BufWriter<File>,
    chain: BufWriter<File>,
    pdf_errors: BufWriter<File>,
    entries: u64,
    failed_renders: u64,
}

impl PackageWriter {
    fn new(tx: mpsc::Sender<io::Result<Vec<u8>>>, chain_header: ChainFile) -> anyhow::Result<Self> {
        Ok(PackageWriter {
            zip: ZipWriter::new_stream(ChannelWriter {
                tx,
                buffer: Vec::with_capacity(CHUNK),
            }),
            chain_header,
            index: BufWriter::new(tempfile::tempfile()?),
            chain: BufWriter::new(tempfile::tempfile()?),
            pdf_errors: BufWriter::new(tempfile::tempfile()?),
            entries: 0,
            failed_renders: 0,
        })
    }

    fn deflated() -> SimpleFileOptions {
        SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .large_file(true)
    }

    /// Adds one archive entry: its original, its PDF (or a line in `pdf/ERRORS.txt`), its index row and its
    /// chain entry.
    fn add(
        &mut self,
        item: AuditItem,
        content: &[u8],
        meta: Option<cie_pdf::RenderMeta>,
        renderer: &cie_pdf::Renderer,
    ) -> anyhow::Result<()> {
        let AuditItem { entry, document } = item;
        let seq = entry.seq;
        let file = package::original_name(
            seq,
            document
                .as_ref()
                .map(|d| (d.summary.kind.as_str(), d.summary.number.as_str())),
            &entry.outcome,
        );
        self.zip.start_file(&file, Self::deflated())?;
        self.zip.write_all(content)?;
        let mut row = IndexRow {
            seq,
            received_at: entry
                .received_at
                .with_timezone(&japan())
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            outcome: match &entry.error_code {
                Some(code) => format!("{} ({code})", entry.outcome),
                None => entry.outcome.clone(),
            },
            sha256: entry.content_sha256.clone(),
            file: file.clone(),
            ..IndexRow::default()
        };
        if let (Some(document), Some(meta)) = (&document, meta) {
            let summary = &document.summary;
            row.issue_date = summary.issue_date.to_string();
            row.amount = summary
                .transaction_amount()
                .map(|a| a.value.to_string())
                .unwrap_or_default();
            row.currency = summary.currency.clone().unwrap_or_default();
            row.counterparty = summary.supplier.name.clone().unwrap_or_default();
            row.registration_number = summary
                .supplier
                .registration_number
                .clone()
                .unwrap_or_default();
            row.kind = summary.kind.to_string();
            row.number = summary.number.clone();
            let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                renderer.render(content, &meta)
            }));
            match rendered {
                Ok(Ok(pdf)) => {
                    let name = package::pdf_name(seq, summary.kind.as_str(), &summary.number);
                    self.zip.start_file(
                        &name,
                        SimpleFileOptions::default().compression_method(CompressionMethod::Stored),
                    )?;
                    self.zip.write_all(&pdf)?;
                    row.pdf = name;
                }
                Ok(Err(error)) => {
                    self.failed_renders += 1;
                    writeln!(self.pdf_errors, "{file} (seq {seq}): {error}")?;
                }
                Err(_) => {
                    self.failed_renders += 1;
                    writeln!(self.pdf_errors, "{file} (seq {seq}): the renderer failed")?;
                }
            }
        }
        self.index.write_all(row.to_csv_line().as_bytes())?;
        let chained = ChainEntry {
            seq,
            prev_hash: entry.prev_hash.clone(),
            entry_hash: entry.entry_hash.clone(),
            received_at: entry.hashed_received_at(),
            submitter_id: entry.submitter_id,
            supplier_org_id: entry.supplier_org_id,
            content_sha256: entry.content_sha256.clone(),
            size_bytes: entry.size_bytes,
            truncated: entry.truncated,
            outcome: entry.outcome.clone(),
            error_code: entry.error_code.clone(),
            error_message: entry.error_message.clone(),
            file,
        };
        if self.entries > 0 {
            self.chain.write_all(b",")?;
        }
        self.chain.write_all(b"\n    ")?;
        serde_json::to_writer(&mut self.chain, &chained)?;
        self.entries += 1;
        Ok(())
    }

    /// Appends `index.csv`, `chain.json` and `pdf/ERRORS.txt` from their spools and closes the ZIP.
    fn finish(mut self) -> anyhow::Result<()> {
        self.zip.start_file(package::INDEX_FILE, Self::deflated())?;
        self.zip
            .write_all(package::index_header_line().as_bytes())?;
        copy_spool(self.index, &mut self.zip)?;
        // `entries` is the header's last field: its empty list is where the spooled entries go.
        let header = serde_json::to_string_pretty(&self.chain_header)?;
        let Some(open) = header.strip_suffix("[]\n}") else {
            anyhow::bail!("chain.json header does not end with its entries");
        };
        self.zip.start_file(package::CHAIN_FILE, Self::deflated())?;
        self.zip.write_all(open.as_bytes())?;
        self.zip.write_all(b"[")?;
        copy_spool(self.chain, &mut self.zip)?;
        self.zip.write_all(b"\n  ]\n}\n")?;
        if self.failed_renders > 0 {
            self.zip
                .start_file(package::PDF_ERRORS_FILE, Self::deflated())?;
            copy_spool(self.pdf_errors, &mut self.zip)?;
        }
        let mut channel = self.zip.finish()?.into_inner();
        channel.flush()?;
        Ok(())
    }
}

fn copy_spool(spool: BufWriter<File>, into: &mut impl Write) -> anyhow::Result<()> {
    let mut file = spool.into_inner().map_err(|e| e.into_error())?;
    file.rewind()?;
    io::copy(&mut file, into)?;
    Ok(())
}

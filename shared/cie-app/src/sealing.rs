//! The sealing key and the signed checkpoints: the key is read from the configuration or a private file in
//! the data directory (made on first start), never from the database; checkpoints of each city's chain heads
//! are appended, signed, to `<checkpoint_dir>/<tenant>.checkpoints`, and verify-archive checks the database
//! still reaches the last one. The append-only triggers are checked at start and put back when missing.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use cie_audit::{Checkpoint, SealKey, SignedCheckpoint};
use cie_domain::TenantId;
use cie_store::{ArchiveVerification, Store};
use tracing::{error, info};

use crate::AppState;
use crate::config::Config;
use crate::error::Error;

/// The sealing key in force: `sealing.key`, else `<data_dir>/sealing-key`, made (0600) when missing.
pub fn load_key(config: &Config) -> anyhow::Result<SealKey> {
    if let Some(hex) = &config.sealing.key {
        return SealKey::from_hex(hex).context("sealing.key");
    }
    let path = config.data_dir.join("sealing-key");
    match std::fs::read_to_string(&path) {
        Ok(text) => SealKey::from_hex(&text).with_context(|| format!("{}", path.display())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let secret = crate::auth::random_secret(32);
            crate::write_private(&path, &secret)
                .with_context(|| format!("writing the sealing key {}", path.display()))?;
            info!(path = %path.display(), "made a new sealing key; back it up with the database");
            SealKey::from_hex(&secret).context("the new sealing key")
        }
        Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
    }
}

/// Where checkpoints are written.
pub fn checkpoint_dir(config: &Config) -> PathBuf {
    config
        .sealing
        .checkpoint_dir
        .clone()
        .unwrap_or_else(|| config.data_dir.join("checkpoints"))
}

fn checkpoint_file(dir: &Path, tenant: &TenantId) -> PathBuf {
    dir.join(format!("{}.checkpoints", tenant.as_str()))
}

/// The furthest checkpoint in `path` (the highest archive entry and audit record), if any: servers sharing
/// the directory may append theirs out of order.
fn last_checkpoint(path: &Path) -> anyhow::Result<Option<SignedCheckpoint>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
    };
    let mut furthest: Option<SignedCheckpoint> = None;
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
    {
        let checkpoint = SignedCheckpoint::from_line(line, number + 1)
            .with_context(|| format!("reading {}", path.display()))?;
        let key = |c: &SignedCheckpoint| (c.checkpoint.archive_seq, c.checkpoint.audit_id);
        if furthest.as_ref().is_none_or(|f| key(&checkpoint) >= key(f)) {
            furthest = Some(checkpoint);
        }
    }
    Ok(furthest)
}

/// Puts back append-only triggers someone dropped, disabled or replaced, and reports each as an error
/// (the server does this at start); returns what was put back.
pub async fn restore_guards(store: &Store) -> anyhow::Result<Vec<cie_store::GuardProblem>> {
    let restored = store
        .restore_guards()
        .await
        .context("checking the append-only triggers")?;
    for problem in &restored {
        error!(target: "security", trigger = problem.trigger, state = problem.state,
            "{problem}: it was put back; run verify-archive for every city");
    }
    Ok(restored)
}

/// Appends a signed checkpoint for every city whose chain heads moved since its last one. A chain that
/// went backwards is not checkpointed (that would hide the loss) but reported. Returns checkpoints written.
pub async fn write_checkpoints(state: &AppState) -> anyhow::Result<usize> {
    let dir = checkpoint_dir(&state.config);
    crate::make_private_dir(&dir)?;
    let public = dir.join("public-key");
    if !public.exists() {
        std::fs::write(&public, format!("{}\n", state.seal_key.public_hex()))
            .with_context(|| format!("writing {}", public.display()))?;
    }
    let mut written = 0;
    for tenant in state.store.list_tenants().await? {
        let heads = state.store.seal_heads(&tenant.id).await?;
        let path = checkpoint_file(&dir, &tenant.id);
        if let Some(last) = last_checkpoint(&path)? {
            let last = &last.checkpoint;
            if heads.archive_seq < last.archive_seq || heads.audit_id < last.audit_id {
                error!(target: "security", tenant = %tenant.id, checkpoint = %last.at,
                    "the chain heads are behind the last checkpoint: records were removed; not checkpointing");
                continue;
            }
            if (
                heads.archive_seq,
                &heads.archive_seal,
                heads.audit_id,
                &heads.audit_seal,
            ) == (
                last.archive_seq,
                &last.archive_seal,
                last.audit_id,
                &last.audit_seal,
            ) {
                continue;
            }
        }
        let signed = state.seal_key.sign(&Checkpoint {
            tenant: tenant.id.to_string(),
            at: state
                .clock
                .now()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            archive_seq: heads.archive_seq,
            archive_seal: heads.archive_seal,
            audit_id: heads.audit_id,
            audit_seal: heads.audit_seal,
        });
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        // One write of the whole line: servers sharing the directory append without interleaving.
        let line = format!("{}\n", signed.to_line());
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .with_context(|| format!("writing {}", path.display()))?;
        written += 1;
    }
    Ok(written)
}

/// Adds to `report` what does not hold against the city's last checkpoint and the append-only triggers.
pub async fn check_against_checkpoint(
    state: &AppState,
    report: &mut ArchiveVerification,
) -> Result<(), Error> {
    for problem in state.store.guard_problems().await? {
        report.record_problems.push(problem.to_string());
    }
    let path = checkpoint_file(&checkpoint_dir(&state.config), &report.tenant);
    let last = match last_checkpoint(&path) {
        Ok(last) => last,
        Err(failure) => {
            report
                .record_problems
                .push(format!("the checkpoint file cannot be read: {failure:#}"));
            return Ok(());
        }
    };
    let Some(signed) = last else {
        return Ok(());
    };
    let checkpoint = &signed.checkpoint;
    if !signed
        .signed_by(&state.seal_key.public_hex())
        .unwrap_or(false)
    {
        report.record_problems.push(format!(
            "the checkpoint of {} is not signed by this server's key",
            checkpoint.at
        ));
        return Ok(());
    }
    if checkpoint.archive_seq > report.head_seq {
        report.record_problems.push(format!(
            "the archive ends at entry {} but the checkpoint of {} recorded entry {}: entries were removed \
             from its end",
            report.head_seq, checkpoint.at, checkpoint.archive_seq
        ));
    }
    let (entry_seal, audit_seal) = state
        .store
        .seals_at(&report.tenant, checkpoint.archive_seq, checkpoint.audit_id)
        .await?;
    if checkpoint.archive_seq > 0
        && checkpoint.archive_seq <= report.head_seq
        && entry_seal.as_deref() != Some(checkpoint.archive_seal.as_str())
    {
        report.record_problems.push(format!(
            "archive entry {} is not the one the checkpoint of {} signed: the chain was rewritten",
            checkpoint.archive_seq, checkpoint.at
        ));
    }
    if checkpoint.audit_id > 0 && audit_seal.as_deref() != Some(checkpoint.audit_seal.as_str()) {
        report.record_problems.push(format!(
            "audit-log row {} is missing or not the one the checkpoint of {} signed: the audit log was \
             cut back or rewritten",
            checkpoint.audit_id, checkpoint.at
        ));
    }
    Ok(())
}

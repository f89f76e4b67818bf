//! Backup and restore of the whole database. SQLite is copied while the service runs (`VACUUM INTO`, one
//! consistent snapshot); PostgreSQL is dumped with `pg_dump --format=custom` and read back with
//! `pg_restore`. A restore goes only into a database that does not exist yet (SQLite) or holds no table
//! (PostgreSQL), then applies the migrations a newer version brings and checks every city's archive: its
//! chain, every seal, and the last signed checkpoint, which catches a backup that lost the newest entries.
//! The sealing key and the checkpoint directory are kept apart from the database and are not in a backup.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use cie_domain::Clock;
use cie_store::{ArchiveVerification, Backend, Store, StoreOptions};
use tokio::process::Command;

use crate::{App, AppState, Config};

/// What a backup wrote.
#[derive(Debug)]
pub struct BackupReport {
    /// The backup file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Each city's last archive entry when the backup started: the backup holds at least these.
    pub heads: Vec<(String, i64)>,
}

/// What a restore found, city by city.
#[derive(Debug)]
pub struct RestoreReport {
    /// The archive check of every city in the restored database.
    pub cities: Vec<ArchiveVerification>,
    /// Cities with no checkpoint to compare the restored archive with (a lost tail would go unseen).
    pub without_checkpoint: Vec<String>,
}

impl RestoreReport {
    /// Whether every city's archive holds.
    pub fn intact(&self) -> bool {
        self.cities.iter().all(ArchiveVerification::intact)
    }
}

/// Writes a backup of the database the service runs on to `to`, which must not exist.
pub async fn backup(state: &AppState, to: &Path) -> anyhow::Result<BackupReport> {
    if to.exists() {
        bail!(
            "{} exists already: a backup never overwrites a file",
            to.display()
        );
    }
    let mut heads = Vec::new();
    for tenant in state.store.list_tenants().await? {
        let head = state.store.seal_heads(&tenant.id).await?;
        heads.push((tenant.id.to_string(), head.archive_seq));
    }
    match state.store.backend() {
        Backend::Sqlite => state
            .store
            .copy_sqlite_into(to)
            .await
            .with_context(|| format!("copying the database into {}", to.display()))?,
        Backend::Postgres => {
            run_tool(
                "pg_dump",
                &[
                    "--format=custom".as_ref(),
                    "--file".as_ref(),
                    to.as_os_str(),
                    "--dbname".as_ref(),
                    state.config.database_url().as_ref(),
                ],
            )
            .await?
        }
    }
    crate::make_private_file(to)?;
    let bytes = std::fs::metadata(to)
        .with_context(|| format!("reading {}", to.display()))?
        .len();
    Ok(BackupReport {
        path: to.to_owned(),
        bytes,
        heads,
    })
}

/// Restores the backup `from` into the database `config` names (which must not exist yet, or hold no
/// table), applies the migrations and checks every city's archive.
pub async fn restore(
    config: Config,
    clock: Arc<dyn Clock>,
    from: &Path,
) -> anyhow::Result<RestoreReport> {
    if !from.is_file() {
        bail!("{} is not a backup file", from.display());
    }
    if config.sealing.key.is_none() && !config.data_dir.join("sealing-key").exists() {
        bail!(
            "the sealing key is missing: put back sealing.key (CIE_SEALING__KEY) or {} from where it was kept \
             before restoring, or the restored seals cannot be checked",
            config.data_dir.join("sealing-key").display()
        );
    }
    let url = config.database_url();
    match Backend::from_url(&url)? {
        Backend::Sqlite => restore_sqlite_file(&url, from)?,
        Backend::Postgres => {
            let seal_key = crate::sealing::load_key(&config)?;
            let store = Store::connect(&url, StoreOptions::default(), seal_key).await?;
            let blank = store.is_blank().await?;
            store.close().await;
            if !blank {
                bail!(
                    "{} already holds tables: restore only into a new, empty database (CREATE DATABASE …)",
                    crate::config::redact_url(&url)
                );
            }
            run_tool(
                "pg_restore",
                &[
                    "--exit-on-error".as_ref(),
                    "--no-owner".as_ref(),
                    "--no-privileges".as_ref(),
                    "--dbname".as_ref(),
                    url.as_ref(),
                    from.as_os_str(),
                ],
            )
            .await?;
        }
    }
    let checkpoints = crate::sealing::checkpoint_dir(&config);
    let app = App::build(config, clock)
        .await
        .context("opening the restored database")?;
    let state = app.state();
    let mut report = RestoreReport {
        cities: Vec::new(),
        without_checkpoint: Vec::new(),
    };
    for tenant in state.store.list_tenants().await? {
        if !checkpoints
            .join(format!("{}.checkpoints", tenant.id.as_str()))
            .exists()
        {
            report.without_checkpoint.push(tenant.id.to_string());
        }
        report
            .cities
            .push(crate::accounts::verify_archive(state, &tenant.id).await?);
    }
    state.store.close().await;
    Ok(report)
}

/// Puts the SQLite backup `from` where `url` says the database is, refusing to replace a database.
fn restore_sqlite_file(url: &str, from: &Path) -> anyhow::Result<()> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let target = PathBuf::from(rest.split('?').next().unwrap_or(rest));
    for suffix in ["", "-wal", "-shm"] {
        let mut name = target.as_os_str().to_owned();
        name.push(suffix);
        if Path::new(&name).exists() {
            bail!(
                "{} exists: restore only into a database that does not exist yet (move the old one away first)",
                Path::new(&name).display()
            );
        }
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        crate::make_private_dir(parent)?;
    }
    let partial = target.with_extension("restoring");
    std::fs::copy(from, &partial)
        .with_context(|| format!("copying {} to {}", from.display(), partial.display()))?;
    std::fs::rename(&partial, &target)
        .with_context(|| format!("moving {} to {}", partial.display(), target.display()))?;
    Ok(())
}

/// Runs a PostgreSQL client tool found on `PATH`, failing with what it said.
async fn run_tool(tool: &str, args: &[&std::ffi::OsStr]) -> anyhow::Result<()> {
    let output = Command::new(tool).args(args).output().await.map_err(|error| {
        anyhow::anyhow!(
            "{tool} could not be started ({error}): install the PostgreSQL client tools of the server's major \
             version or newer (Debian: postgresql-client-15) and put them on PATH"
        )
    })?;
    if !output.status.success() {
        bail!(
            "{tool} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

//! The NTA registry of qualified invoice issuers: importing its bulk files, and answering whether a
//! registration number was registered on a date, with the evidence (record and data date).

use std::path::Path;

use chrono::NaiveDate;
use cie_domain::Role;
use cie_registry::{RegistrationStatus, name_matches, read_csv, status_on};
use serde::Serialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;

/// Records upserted per transaction during an import.
const IMPORT_BATCH: usize = 2_000;

/// What an import did.
#[derive(Debug, Serialize)]
pub struct ImportReport {
    /// Records read from the file.
    pub read: u64,
    /// Latest records written.
    pub written: u64,
    /// The data date recorded.
    pub data_date: NaiveDate,
}

/// Imports one published CSV file (全件データ when `full`, else 差分データ) as of `data_date`.
pub async fn import_file(
    state: &AppState,
    path: &Path,
    data_date: NaiveDate,
    full: bool,
) -> Result<ImportReport, Error> {
    let file = std::fs::File::open(path).map_err(|e| {
        Error::invalid(
            "registry_file_unreadable",
            format!("{}: {e}", path.display()),
        )
    })?;
    let mut batch = Vec::with_capacity(IMPORT_BATCH);
    let (mut read, mut written) = (0u64, 0u64);
    for record in read_csv(std::io::BufReader::new(file)) {
        let record = record.map_err(|e| {
            Error::invalid("registry_file_invalid", format!("{}: {e}", path.display()))
        })?;
        read += 1;
        batch.push(record);
        if batch.len() == IMPORT_BATCH {
            written += state
                .store
                .upsert_registry_records(&batch, data_date)
                .await?;
            batch.clear();
        }
    }
    written += state
        .store
        .upsert_registry_records(&batch, data_date)
        .await?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    state
        .store
        .record_registry_import(&name, data_date, full, read, state.clock.now())
        .await?;
    Ok(ImportReport {
        read,
        written,
        data_date,
    })
}

/// The registry's answer about a number on a date, with its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct RegistryCheck {
    /// The number asked about.
    pub registration_number: String,
    /// The date asked about.
    pub on: NaiveDate,
    /// Registered, not yet registered, cancelled, expired, or not found.
    pub status: RegistrationStatus,
    /// The registered name, when found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_name: Option<String>,
    /// Whether the name given matches the registered one (when a name was given and the number found).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_matches: Option<bool>,
    /// 登録年月日.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_date: Option<NaiveDate>,
    /// 登録取消年月日.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancellation_date: Option<NaiveDate>,
    /// 登録失効年月日.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<NaiveDate>,
    /// Date of the registry data the answer rests on; `None` when no registry data was ever imported.
    pub data_date: Option<NaiveDate>,
}

/// Checks `registration_number` as of `on`, comparing `name` when given.
pub async fn check(
    state: &AppState,
    registration_number: &str,
    on: NaiveDate,
    name: Option<&str>,
) -> Result<RegistryCheck, Error> {
    let (entry, newest_data_date) = state.store.registry_lookup(registration_number).await?;
    let data_date = match &entry {
        Some(entry) => Some(entry.data_date),
        None => newest_data_date,
    };
    let record = entry.as_ref().map(|e| &e.record);
    let status = if data_date.is_none() {
        cie_registry::RegistrationStatus::NoRegistryData
    } else {
        status_on(record, on)
    };
    Ok(RegistryCheck {
        registration_number: registration_number.to_owned(),
        on,
        status,
        registered_name: record.map(|r| r.name.clone()),
        name_matches: record.zip(name).map(|(r, n)| name_matches(r, n)),
        registration_date: record.and_then(|r| r.registration_date),
        cancellation_date: record.and_then(|r| r.cancellation_date),
        expiry_date: record.and_then(|r| r.expiry_date),
        data_date,
    })
}

/// A city user's look-up of a registration number.
pub async fn look_up(
    state: &AppState,
    caller: &Caller,
    registration_number: &str,
    on: Option<NaiveDate>,
    name: Option<&str>,
) -> Result<RegistryCheck, Error> {
    caller.require(&[
        Role::Staff,
        Role::Approver,
        Role::Admin,
        Role::Finance,
        Role::Supplier,
    ])?;
    cie_domain::RegistrationNumber::parse(registration_number)
        .map_err(|e| Error::invalid("invalid_registration_number", e.to_string()))?;
    let on = on.unwrap_or_else(|| state.clock.now().date_naive());
    check(state, registration_number, on, name).await
}

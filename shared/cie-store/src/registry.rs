//! The imported NTA registry of qualified invoice issuers: upserting records from bulk files and looking a
//! number up. National data, shared by every tenant.

use chrono::{DateTime, NaiveDate, Utc};
use cie_registry::{Process, RegistryRecord};
use sqlx::Row;

use crate::Store;
use crate::directory::timestamp;
use crate::error::StoreError;

/// A registry record together with the date of the data it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryEntry {
    /// The record.
    pub record: RegistryRecord,
    /// The date of the published file it was imported from.
    pub data_date: NaiveDate,
}

fn date_text(date: Option<NaiveDate>) -> Option<String> {
    date.map(|d| d.format("%Y-%m-%d").to_string())
}

fn parse_date(raw: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    raw.map(|raw| {
        NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
            .map_err(|e| StoreError::Corrupt(format!("registry date {raw:?}: {e}")))
    })
    .transpose()
}

/// The registry's record of a number, if imported, and the newest data date imported, in one row.
pub(crate) const REGISTRY_LOOKUP_SQL: &str =
    "SELECT i.registration_number, i.process, i.kind, i.registration_date, i.update_date,
            i.cancellation_date, i.expiry_date, i.name, i.trade_name, i.address, i.data_date,
            (SELECT MAX(data_date) FROM registry_imports) AS newest_data_date
     FROM (SELECT 1 AS anchor) AS one
     LEFT JOIN registry_issuers i ON i.registration_number = $1";

impl Store {
    /// Upserts the latest records among `records` (history records are skipped), in one transaction.
    /// Returns how many were written.
    pub async fn upsert_registry_records(
        &self,
        records: &[RegistryRecord],
        data_date: NaiveDate,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut written = 0;
        for record in records.iter().filter(|r| r.latest) {
            sqlx::query(
                "INSERT INTO registry_issuers (registration_number, process, kind, registration_date, update_date,
                     cancellation_date, expiry_date, name, trade_name, address, data_date)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (registration_number) DO UPDATE SET
                     process = excluded.process, kind = excluded.kind,
                     registration_date = excluded.registration_date, update_date = excluded.update_date,
                     cancellation_date = excluded.cancellation_date, expiry_date = excluded.expiry_date,
                     name = excluded.name, trade_name = excluded.trade_name, address = excluded.address,
                     data_date = excluded.data_date",
            )
            .bind(&record.registration_number)
            .bind(record.process.code())
            .bind(&record.kind)
            .bind(date_text(record.registration_date))
            .bind(date_text(record.update_date))
            .bind(date_text(record.cancellation_date))
            .bind(date_text(record.expiry_date))
            .bind(&record.name)
            .bind(record.trade_name.as_deref())
            .bind(record.address.as_deref())
            .bind(data_date.format("%Y-%m-%d").to_string())
            .execute(&mut *tx)
            .await?;
            written += 1;
        }
        tx.commit().await?;
        Ok(written)
    }

    /// Notes that a registry file was imported.
    pub async fn record_registry_import(
        &self,
        file_name: &str,
        data_date: NaiveDate,
        full_data: bool,
        records: u64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO registry_imports (file_name, data_date, full_data, records, imported_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(file_name)
        .bind(data_date.format("%Y-%m-%d").to_string())
        .bind(i64::from(full_data))
        .bind(i64::try_from(records).unwrap_or(i64::MAX))
        .bind(timestamp(now))
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// In one round trip: the registry's record of `registration_number`, if imported, and the newest
    /// data date imported (what a miss is as of).
    pub async fn registry_lookup(
        &self,
        registration_number: &str,
    ) -> Result<(Option<RegistryEntry>, Option<NaiveDate>), StoreError> {
        let row = sqlx::query(REGISTRY_LOOKUP_SQL)
            .bind(registration_number)
            .fetch_one(self.read())
            .await?;
        let newest = parse_date(row.try_get("newest_data_date")?)?;
        let process: Option<String> = row.try_get("process")?;
        let Some(process) = process else {
            return Ok((None, newest));
        };
        let record = RegistryRecord {
            registration_number: row.try_get("registration_number")?,
            process: Process::from_code(&process)
                .ok_or_else(|| StoreError::Corrupt(format!("registry process {process:?}")))?,
            kind: row.try_get("kind")?,
            latest: true,
            registration_date: parse_date(row.try_get("registration_date")?)?,
            update_date: parse_date(row.try_get("update_date")?)?,
            cancellation_date: parse_date(row.try_get("cancellation_date")?)?,
            expiry_date: parse_date(row.try_get("expiry_date")?)?,
            name: row.try_get("name")?,
            trade_name: row.try_get("trade_name")?,
            address: row.try_get("address")?,
        };
        let data_date = parse_date(row.try_get("data_date")?)?
            .ok_or_else(|| StoreError::Corrupt("registry data date missing".into()))?;
        Ok((Some(RegistryEntry { record, data_date }), newest))
    }
}

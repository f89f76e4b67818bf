//! What operators watch: whether the database answers, how busy the pools are, how old the registry data
//! is, and how many open invoices are near or past their payment deadline (from the stored deadlines).

use chrono::NaiveDate;
use sqlx::Row;

use crate::error::StoreError;
use crate::{Backend, Store};

/// Connections of one pool now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolLoad {
    /// Open connections.
    pub open: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// A city's open invoices by how near their payment deadline is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineCounts {
    /// The city.
    pub tenant: String,
    /// Open invoices whose deadline has passed.
    pub overdue: i64,
    /// Open invoices due today or within the horizon asked for.
    pub due_soon: i64,
}

impl Store {
    /// Checks that the database answers a query, on the reading side and on the writing side.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(self.read()).await?;
        if self.backend() == Backend::Sqlite {
            sqlx::query("SELECT 1").execute(self.write()).await?;
        }
        Ok(())
    }

    /// The pools' connections now: (reading, writing). On PostgreSQL both are the same pool.
    pub fn pool_load(&self) -> (PoolLoad, PoolLoad) {
        let load = |pool: &sqlx::AnyPool| PoolLoad {
            open: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            max: pool.options().get_max_connections(),
        };
        (load(self.read()), load(self.write()))
    }

    /// The data date of the newest registry file imported, if any.
    pub async fn newest_registry_data_date(&self) -> Result<Option<NaiveDate>, StoreError> {
        let newest: Option<String> =
            sqlx::query("SELECT MAX(data_date) AS newest FROM registry_imports")
                .fetch_one(self.read())
                .await?
                .try_get("newest")?;
        newest
            .map(|raw| {
                NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
                    .map_err(|e| StoreError::Corrupt(format!("registry data date {raw:?}: {e}")))
            })
            .transpose()
    }

    /// Per city with any: open invoices (clock running) whose stored deadline is before `today`, and those
    /// due from `today` to `until` inclusive.
    pub async fn open_invoices_by_deadline(
        &self,
        today: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<DeadlineCounts>, StoreError> {
        let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        let rows = sqlx::query(
            "SELECT tenant_id,
                    SUM(CASE WHEN open_deadline < $1 THEN 1 ELSE 0 END) AS overdue,
                    SUM(CASE WHEN open_deadline >= $1 THEN 1 ELSE 0 END) AS due_soon
             FROM invoice_cases
             WHERE open_deadline IS NOT NULL AND open_deadline <= $2
             GROUP BY tenant_id
             ORDER BY tenant_id",
        )
        .bind(day(today))
        .bind(day(until))
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DeadlineCounts {
                    tenant: row.try_get("tenant_id")?,
                    overdue: row.try_get("overdue")?,
                    due_soon: row.try_get("due_soon")?,
                })
            })
            .collect()
    }
}

impl Store {
    /// Writes a consistent copy of the whole SQLite database to `path` while the service runs (`VACUUM
    /// INTO`: one read transaction, so writers go on; the copy is compacted). `path` must not exist.
    pub async fn copy_sqlite_into(&self, path: &std::path::Path) -> Result<(), StoreError> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::Unsupported(
                "copying the database file is for SQLite; PostgreSQL is backed up with pg_dump",
            ));
        }
        let target = path
            .to_str()
            .ok_or(StoreError::Unsupported("the backup path is not UTF-8"))?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(self.read())
            .await?;
        Ok(())
    }

    /// Whether the database holds no table of this service yet (a fresh database to restore into).
    pub async fn is_blank(&self) -> Result<bool, StoreError> {
        let sql = match self.backend() {
            Backend::Sqlite => "SELECT COUNT(*) AS tables FROM sqlite_master WHERE type = 'table'",
            Backend::Postgres => {
                "SELECT COUNT(*) AS tables FROM information_schema.tables
                 WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            }
        };
        let tables: i64 = sqlx::query(sql)
            .fetch_one(self.read())
            .await?
            .try_get("tables")?;
        Ok(tables == 0)
    }
}

impl Store {
    /// Checks that the object store of the originals answers and has its bucket: `Ok(false)` when the
    /// originals are kept in the database.
    pub async fn check_originals(&self) -> Result<bool, StoreError> {
        match &self.inner.originals {
            None => Ok(false),
            Some(originals) => {
                originals.check().await.map_err(StoreError::Originals)?;
                Ok(true)
            }
        }
    }
}

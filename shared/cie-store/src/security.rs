//! Security events of a city: logins and finance-client secrets locked after repeated failures.

use chrono::{DateTime, Utc};
use cie_domain::TenantId;
use sqlx::Row;

use crate::Store;
use crate::directory::{parse_timestamp, timestamp};
use crate::error::StoreError;

/// A recorded security event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEvent {
    /// Id within the tenant.
    pub id: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened, e.g. `login_locked`.
    pub kind: String,
    /// The account concerned, as typed.
    pub account: Option<String>,
    /// The client address concerned.
    pub address: Option<String>,
    /// Further facts (JSON), e.g. the lock's length.
    pub detail: serde_json::Value,
}

impl Store {
    /// Records a security event of `tenant`.
    pub async fn record_security_event(
        &self,
        tenant: &TenantId,
        at: DateTime<Utc>,
        kind: &str,
        account: Option<&str>,
        address: Option<&str>,
        detail: &serde_json::Value,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO security_events (tenant_id, at, kind, account, address, detail_json)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant.as_str())
        .bind(timestamp(at))
        .bind(kind)
        .bind(account)
        .bind(address)
        .bind(detail.to_string())
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// `tenant`'s newest security events, newest first, at most `limit`.
    pub async fn security_events(
        &self,
        tenant: &TenantId,
        limit: i64,
    ) -> Result<Vec<SecurityEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, kind, account, address, detail_json FROM security_events
             WHERE tenant_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(tenant.as_str())
        .bind(limit)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|row| {
                let at: String = row.try_get("at")?;
                let detail: String = row.try_get("detail_json")?;
                Ok(SecurityEvent {
                    id: row.try_get("id")?,
                    at: parse_timestamp(&at)?,
                    kind: row.try_get("kind")?,
                    account: row.try_get("account")?,
                    address: row.try_get("address")?,
                    detail: serde_json::from_str(&detail)
                        .map_err(|e| StoreError::Corrupt(format!("security event detail: {e}")))?,
                })
            })
            .collect()
    }
}

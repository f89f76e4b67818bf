//! Sessions of the web pages: stored by the SHA-256 of their token, with the user, the CSRF token and the end.

use chrono::{DateTime, Utc};
use cie_domain::TenantId;
use sqlx::Row;

use crate::Store;
use crate::directory::{parse_timestamp, timestamp};
use crate::error::StoreError;

/// A web session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    /// The city.
    pub tenant: TenantId,
    /// The user logged in.
    pub user_id: i64,
    /// The token every form of the session carries.
    pub csrf_token: String,
    /// When it ends unless renewed.
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Records a session whose token hashes to `token_sha256`.
    pub async fn create_web_session(
        &self,
        session: &WebSession,
        token_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO web_sessions (tenant_id, token_sha256, user_id, csrf_token, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(session.tenant.as_str())
        .bind(token_sha256)
        .bind(session.user_id)
        .bind(&session.csrf_token)
        .bind(timestamp(now))
        .bind(timestamp(session.expires_at))
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// The session of `tenant` whose token hashes to `token_sha256`, if it has not ended by `now` and was used
    /// after `idle_since`; marks it used (at most once a minute).
    pub async fn web_session(
        &self,
        tenant: &TenantId,
        token_sha256: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> Result<Option<WebSession>, StoreError> {
        let row = sqlx::query(
            "SELECT user_id, csrf_token, expires_at, last_seen_at FROM web_sessions
             WHERE tenant_id = $1 AND token_sha256 = $2 AND expires_at > $3
               AND COALESCE(last_seen_at, created_at) > $4",
        )
        .bind(tenant.as_str())
        .bind(token_sha256)
        .bind(timestamp(now))
        .bind(timestamp(idle_since))
        .fetch_optional(self.read())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let expires_at: String = row.try_get("expires_at")?;
        let last_seen: Option<String> = row.try_get("last_seen_at")?;
        let seen_recently = match last_seen.as_deref().map(parse_timestamp).transpose()? {
            Some(seen) => now - seen < chrono::Duration::minutes(1),
            None => false,
        };
        if !seen_recently {
            sqlx::query(
                "UPDATE web_sessions SET last_seen_at = $3 WHERE tenant_id = $1 AND token_sha256 = $2",
            )
            .bind(tenant.as_str())
            .bind(token_sha256)
            .bind(timestamp(now))
            .execute(self.write())
            .await?;
        }
        Ok(Some(WebSession {
            tenant: tenant.clone(),
            user_id: row.try_get("user_id")?,
            csrf_token: row.try_get("csrf_token")?,
            expires_at: parse_timestamp(&expires_at)?,
        }))
    }

    /// Ends a session (logging out); ended sessions of the tenant are swept at the same time.
    pub async fn end_web_session(
        &self,
        tenant: &TenantId,
        token_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM web_sessions WHERE tenant_id = $1 AND (token_sha256 = $2 OR expires_at <= $3)",
        )
        .bind(tenant.as_str())
        .bind(token_sha256)
        .bind(timestamp(now))
        .execute(self.write())
        .await?;
        Ok(())
    }
}

impl Store {
    /// Sets a user's password hash and ends every web session of the user but the one whose token hashes to
    /// `keep` (the one the change was made in, if any).
    pub async fn set_password(
        &self,
        tenant: &TenantId,
        user_id: i64,
        password_hash: &str,
        keep: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().begin().await?;
        let changed =
            sqlx::query("UPDATE users SET password_hash = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.as_str())
                .bind(user_id)
                .bind(password_hash)
                .execute(&mut *tx)
                .await?;
        if changed.rows_affected() != 1 {
            return Err(StoreError::NotFound { what: "user" });
        }
        sqlx::query(
            "DELETE FROM web_sessions WHERE tenant_id = $1 AND user_id = $2 AND token_sha256 <> $3",
        )
        .bind(tenant.as_str())
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

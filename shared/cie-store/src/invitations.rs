//! Invitations: a person invited by link sets a password and becomes a user; stored by the token's SHA-256.

use chrono::{DateTime, Utc};
use cie_domain::{Role, TenantId};
use sqlx::Row;

use crate::Store;
use crate::directory::{parse_timestamp, timestamp};
use crate::error::StoreError;

/// An invitation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// The city.
    pub tenant: TenantId,
    /// The login name the person will have.
    pub username: String,
    /// The role the person will have.
    pub role: Role,
    /// Name to show.
    pub display_name: Option<String>,
    /// The organisation, for a supplier user.
    pub supplier_org_id: Option<i64>,
    /// The administrator who invited.
    pub created_by: i64,
    /// Until when the link works.
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Records an invitation whose link token hashes to `token_sha256`.
    pub async fn create_invitation(
        &self,
        invitation: &Invitation,
        token_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO invitations (tenant_id, token_sha256, username, role, display_name, supplier_org_id,
                 created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(invitation.tenant.as_str())
        .bind(token_sha256)
        .bind(&invitation.username)
        .bind(invitation.role.as_str())
        .bind(invitation.display_name.as_deref())
        .bind(invitation.supplier_org_id)
        .bind(invitation.created_by)
        .bind(timestamp(now))
        .bind(timestamp(invitation.expires_at))
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// The unused, unexpired invitation of `tenant` whose token hashes to `token_sha256`.
    pub async fn open_invitation(
        &self,
        tenant: &TenantId,
        token_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Invitation>, StoreError> {
        let row = sqlx::query(
            "SELECT username, role, display_name, supplier_org_id, created_by, expires_at FROM invitations
             WHERE tenant_id = $1 AND token_sha256 = $2 AND accepted_at IS NULL AND expires_at > $3",
        )
        .bind(tenant.as_str())
        .bind(token_sha256)
        .bind(timestamp(now))
        .fetch_optional(self.read())
        .await?;
        row.map(|row| {
            let role: String = row.try_get("role")?;
            let expires_at: String = row.try_get("expires_at")?;
            Ok(Invitation {
                tenant: tenant.clone(),
                username: row.try_get("username")?,
                role: role
                    .parse()
                    .map_err(|e: cie_domain::DomainError| StoreError::Corrupt(e.to_string()))?,
                display_name: row.try_get("display_name")?,
                supplier_org_id: row.try_get("supplier_org_id")?,
                created_by: row.try_get("created_by")?,
                expires_at: parse_timestamp(&expires_at)?,
            })
        })
        .transpose()
    }

    /// Marks the invitation used; false when it was used already.
    pub async fn accept_invitation(
        &self,
        tenant: &TenantId,
        token_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE invitations SET accepted_at = $3
             WHERE tenant_id = $1 AND token_sha256 = $2 AND accepted_at IS NULL",
        )
        .bind(tenant.as_str())
        .bind(token_sha256)
        .bind(timestamp(now))
        .execute(self.write())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

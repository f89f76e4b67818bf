//! What the document forms of the web pages keep: the city's buyers a supplier picks from, and drafts of
//! forms (the fields as typed, as JSON), each the property of the person who typed it.

use chrono::{DateTime, Utc};
use cie_domain::TenantId;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::Store;
use crate::directory::{parse_timestamp, timestamp};
use crate::error::StoreError;

/// A party of the city an invoice can be addressed to (the city, or one of its departments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CityBuyer {
    /// Id within the tenant.
    pub id: i64,
    /// Name as it appears on documents, e.g. `東久留米市` or `東久留米市 総務部総務課`.
    pub name: String,
    /// Electronic address (e.g. the city's 法人番号).
    pub endpoint_id: String,
    /// Scheme of the electronic address, e.g. `0188`.
    pub endpoint_scheme: String,
    /// 郵便番号.
    pub postal_zone: Option<String>,
    /// 市区町村.
    pub city_name: String,
    /// Street and number.
    pub street_name: Option<String>,
    /// Whether suppliers may still pick it.
    pub active: bool,
}

/// A new buyer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCityBuyer {
    /// Name as it appears on documents.
    pub name: String,
    /// Electronic address.
    pub endpoint_id: String,
    /// Its scheme; `0188` when not given.
    #[serde(default = "corporate_number_scheme")]
    pub endpoint_scheme: String,
    /// 郵便番号.
    #[serde(default)]
    pub postal_zone: Option<String>,
    /// 市区町村.
    pub city_name: String,
    /// Street and number.
    #[serde(default)]
    pub street_name: Option<String>,
}

fn corporate_number_scheme() -> String {
    "0188".to_owned()
}

/// A kept draft of a document form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Draft {
    /// Id within the tenant.
    pub id: i64,
    /// The person whose draft it is.
    pub user_id: i64,
    /// Which form (`invoice`, `quotation`, …).
    pub kind: String,
    /// What to call it in lists (the document number typed, or the date).
    pub title: String,
    /// The fields as typed, as a JSON array of `[name, value]` pairs.
    pub fields: String,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
}

fn buyer_from_row(row: &sqlx::any::AnyRow) -> Result<CityBuyer, StoreError> {
    let active: i64 = row.try_get("active")?;
    Ok(CityBuyer {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        endpoint_id: row.try_get("endpoint_id")?,
        endpoint_scheme: row.try_get("endpoint_scheme")?,
        postal_zone: row.try_get("postal_zone")?,
        city_name: row.try_get("city_name")?,
        street_name: row.try_get("street_name")?,
        active: active != 0,
    })
}

fn draft_from_row(row: &sqlx::any::AnyRow) -> Result<Draft, StoreError> {
    let updated_at: String = row.try_get("updated_at")?;
    Ok(Draft {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        kind: row.try_get("kind")?,
        title: row.try_get("title")?,
        fields: row.try_get("fields")?,
        updated_at: parse_timestamp(&updated_at)?,
    })
}

impl Store {
    /// Adds a buyer to `tenant`'s list.
    pub async fn create_city_buyer(
        &self,
        tenant: &TenantId,
        buyer: &NewCityBuyer,
        now: DateTime<Utc>,
    ) -> Result<CityBuyer, StoreError> {
        self.require_tenant(tenant).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO city_buyers (tenant_id, name, endpoint_id, endpoint_scheme, postal_zone, city_name,
                 street_name, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(tenant.as_str())
        .bind(&buyer.name)
        .bind(&buyer.endpoint_id)
        .bind(&buyer.endpoint_scheme)
        .bind(buyer.postal_zone.as_deref())
        .bind(&buyer.city_name)
        .bind(buyer.street_name.as_deref())
        .bind(timestamp(now))
        .fetch_one(self.write())
        .await?;
        self.city_buyer(tenant, id).await
    }

    /// Buyer `id` of `tenant`.
    pub async fn city_buyer(&self, tenant: &TenantId, id: i64) -> Result<CityBuyer, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, endpoint_id, endpoint_scheme, postal_zone, city_name, street_name, active
             FROM city_buyers WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.as_str())
        .bind(id)
        .fetch_optional(self.read())
        .await?
        .ok_or(StoreError::NotFound { what: "buyer" })?;
        buyer_from_row(&row)
    }

    /// `tenant`'s buyers in the order they were added; only the active ones unless `all`.
    pub async fn city_buyers(
        &self,
        tenant: &TenantId,
        all: bool,
    ) -> Result<Vec<CityBuyer>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, endpoint_id, endpoint_scheme, postal_zone, city_name, street_name, active
             FROM city_buyers WHERE tenant_id = $1 AND (active = 1 OR $2 = 1) ORDER BY id",
        )
        .bind(tenant.as_str())
        .bind(i64::from(all))
        .fetch_all(self.read())
        .await?;
        rows.iter().map(buyer_from_row).collect()
    }

    /// Lets suppliers pick buyer `id` of `tenant`, or no longer.
    pub async fn set_city_buyer_active(
        &self,
        tenant: &TenantId,
        id: i64,
        active: bool,
    ) -> Result<CityBuyer, StoreError> {
        let changed =
            sqlx::query("UPDATE city_buyers SET active = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant.as_str())
                .bind(id)
                .bind(i64::from(active))
                .execute(self.write())
                .await?
                .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound { what: "buyer" });
        }
        self.city_buyer(tenant, id).await
    }

    /// Keeps a draft for `user_id`: a new one when `id` is `None`, else replaces that draft of the user's.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_draft(
        &self,
        tenant: &TenantId,
        user_id: i64,
        id: Option<i64>,
        kind: &str,
        title: &str,
        fields: &str,
        now: DateTime<Utc>,
    ) -> Result<Draft, StoreError> {
        let id = match id {
            Some(id) => {
                let changed = sqlx::query(
                    "UPDATE document_drafts SET kind = $4, title = $5, fields = $6, updated_at = $7
                     WHERE tenant_id = $1 AND id = $2 AND user_id = $3",
                )
                .bind(tenant.as_str())
                .bind(id)
                .bind(user_id)
                .bind(kind)
                .bind(title)
                .bind(fields)
                .bind(timestamp(now))
                .execute(self.write())
                .await?
                .rows_affected();
                if changed == 0 {
                    return Err(StoreError::NotFound { what: "draft" });
                }
                id
            }
            None => sqlx::query_scalar(
                "INSERT INTO document_drafts (tenant_id, user_id, kind, title, fields, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(tenant.as_str())
            .bind(user_id)
            .bind(kind)
            .bind(title)
            .bind(fields)
            .bind(timestamp(now))
            .fetch_one(self.write())
            .await?,
        };
        self.draft(tenant, user_id, id).await
    }

    /// Draft `id` of `user_id`.
    pub async fn draft(
        &self,
        tenant: &TenantId,
        user_id: i64,
        id: i64,
    ) -> Result<Draft, StoreError> {
        let row = sqlx::query(
            "SELECT id, user_id, kind, title, fields, updated_at FROM document_drafts
             WHERE tenant_id = $1 AND id = $2 AND user_id = $3",
        )
        .bind(tenant.as_str())
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.read())
        .await?
        .ok_or(StoreError::NotFound { what: "draft" })?;
        draft_from_row(&row)
    }

    /// The drafts of `user_id`, last saved first.
    pub async fn drafts(&self, tenant: &TenantId, user_id: i64) -> Result<Vec<Draft>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, user_id, kind, title, fields, updated_at FROM document_drafts
             WHERE tenant_id = $1 AND user_id = $2 ORDER BY updated_at DESC, id DESC LIMIT 100",
        )
        .bind(tenant.as_str())
        .bind(user_id)
        .fetch_all(self.read())
        .await?;
        rows.iter().map(draft_from_row).collect()
    }

    /// Deletes draft `id` of `user_id` (after its document was sent, or on request).
    pub async fn delete_draft(
        &self,
        tenant: &TenantId,
        user_id: i64,
        id: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM document_drafts WHERE tenant_id = $1 AND id = $2 AND user_id = $3",
        )
        .bind(tenant.as_str())
        .bind(id)
        .bind(user_id)
        .execute(self.write())
        .await?;
        Ok(())
    }
}

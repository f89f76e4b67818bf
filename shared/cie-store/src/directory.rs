//! Tenants (cities), supplier organisations and users: who may act, and on whose behalf.

use chrono::{DateTime, Utc};
use cie_domain::{RegistrationNumber, Role, TenantId};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::error::StoreError;
use crate::{Backend, Store, chain};

/// A city using the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The tenant's slug.
    pub id: TenantId,
    /// Display name, e.g. 東久留米市.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A supplier organisation to register in a tenant.
#[derive(Debug, Clone)]
pub struct NewSupplierOrg {
    /// Legal name.
    pub name: String,
    /// 登録番号, absent for a business that is not a qualified-invoice issuer.
    pub registration_number: Option<RegistrationNumber>,
    /// 債権者番号: the city's own creditor id for this organisation.
    pub creditor_number: Option<String>,
}

/// A supplier organisation of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierOrg {
    /// Id, unique within the tenant.
    pub id: i64,
    /// Legal name.
    pub name: String,
    /// 登録番号, if registered.
    pub registration_number: Option<String>,
    /// 債権者番号.
    pub creditor_number: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The creditor's address as the city registered it.
    pub address: Option<String>,
    /// The account payments go to, as the city registered it (債権者登録).
    pub bank_account: Option<BankAccount>,
}

/// A bank account registered for a creditor.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BankAccount {
    /// 金融機関コード (4 digits).
    pub bank_code: String,
    /// 支店コード (3 digits).
    pub branch_code: String,
    /// 預金種目: 普通, 当座 or 貯蓄.
    pub account_type: String,
    /// 口座番号 (7 digits).
    pub account_number: String,
    /// 口座名義 in the kana the bank holds.
    pub account_name_kana: String,
}

/// A user or machine client to create in a tenant.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name, unique within the tenant.
    pub username: String,
    /// Name to show.
    pub display_name: Option<String>,
    /// What the user may do.
    pub role: Role,
    /// The organisation of a supplier user; `None` for city users.
    pub supplier_org_id: Option<i64>,
    /// Whether this is a machine client (the finance system) rather than a person.
    pub is_client: bool,
    /// Argon2 PHC string of the password or client secret.
    pub password_hash: String,
}

/// A user or machine client of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Id, unique within the tenant.
    pub id: i64,
    /// The tenant.
    pub tenant: TenantId,
    /// Login name.
    pub username: String,
    /// Name to show.
    pub display_name: Option<String>,
    /// What the user may do.
    pub role: Role,
    /// The organisation of a supplier user.
    pub supplier_org_id: Option<i64>,
    /// Whether this is a machine client.
    pub is_client: bool,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub(crate) fn parse_timestamp(raw: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp {raw:?}: {e}")))
}

fn parse_tenant(raw: &str) -> Result<TenantId, StoreError> {
    TenantId::parse(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// One supplier organisation by id (intake asks at every submission naming one).
pub(crate) const SUPPLIER_ORG_SQL: &str =
    "SELECT id, name, registration_number, creditor_number, created_at,
         address, bank_code, branch_code, account_type, account_number, account_name_kana
     FROM supplier_orgs WHERE tenant_id = $1 AND id = $2";

/// One supplier organisation by id, read with `executor` (the pool, or a connection intake holds for its
/// reads).
pub(crate) async fn supplier_org_on<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    tenant: &TenantId,
    id: i64,
) -> Result<SupplierOrg, StoreError> {
    let row = sqlx::query(SUPPLIER_ORG_SQL)
        .bind(tenant.as_str())
        .bind(id)
        .fetch_optional(executor)
        .await?
        .ok_or(StoreError::NotFound {
            what: "supplier organisation",
        })?;
    org_from_row(&row)
}

impl Store {
    /// Records the creditor registration of organisation `id` (債権者登録): its 債権者番号, address and bank
    /// account.
    pub async fn set_creditor_registration(
        &self,
        tenant: &TenantId,
        id: i64,
        creditor_number: Option<&str>,
        address: Option<&str>,
        account: Option<&BankAccount>,
    ) -> Result<SupplierOrg, StoreError> {
        let updated = sqlx::query(
            "UPDATE supplier_orgs SET address = $3, bank_code = $4, branch_code = $5, account_type = $6,
                 account_number = $7, account_name_kana = $8, creditor_number = $9
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.as_str())
        .bind(id)
        .bind(address)
        .bind(account.map(|a| a.bank_code.as_str()))
        .bind(account.map(|a| a.branch_code.as_str()))
        .bind(account.map(|a| a.account_type.as_str()))
        .bind(account.map(|a| a.account_number.as_str()))
        .bind(account.map(|a| a.account_name_kana.as_str()))
        .bind(creditor_number)
        .execute(self.write())
        .await
        .map_err(|e| StoreError::on_unique(e, "supplier organisation with this creditor number"))?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "supplier organisation",
            });
        }
        self.supplier_org(tenant, id).await
    }

    /// Creates a tenant and the head of its archive chain.
    pub async fn create_tenant(
        &self,
        tenant: &TenantId,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Tenant, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO tenants (tenant_id, name, created_at) VALUES ($1, $2, $3)")
            .bind(tenant.as_str())
            .bind(name)
            .bind(timestamp(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::on_unique(e, format!("tenant {tenant}")))?;
        sqlx::query(
            "INSERT INTO archive_heads (tenant_id, last_seq, last_hash) VALUES ($1, 0, $2)",
        )
        .bind(tenant.as_str())
        .bind(chain::GENESIS_HASH)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO audit_heads (tenant_id, last_id, last_seal) VALUES ($1, 0, '')")
            .bind(tenant.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Tenant {
            id: tenant.clone(),
            name: name.to_owned(),
            created_at: now,
        })
    }

    /// The tenant with this id.
    pub async fn tenant(&self, tenant: &TenantId) -> Result<Tenant, StoreError> {
        let row =
            sqlx::query("SELECT tenant_id, name, created_at FROM tenants WHERE tenant_id = $1")
                .bind(tenant.as_str())
                .fetch_optional(self.read())
                .await?
                .ok_or(StoreError::NotFound { what: "tenant" })?;
        tenant_from_row(&row)
    }

    /// Every tenant, by id.
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        let rows =
            sqlx::query("SELECT tenant_id, name, created_at FROM tenants ORDER BY tenant_id")
                .fetch_all(self.read())
                .await?;
        rows.iter().map(tenant_from_row).collect()
    }

    /// Registers a supplier organisation in `tenant`.
    pub async fn create_supplier_org(
        &self,
        tenant: &TenantId,
        org: &NewSupplierOrg,
        now: DateTime<Utc>,
    ) -> Result<SupplierOrg, StoreError> {
        self.require_tenant(tenant).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO supplier_orgs (tenant_id, name, registration_number, creditor_number, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(tenant.as_str())
        .bind(&org.name)
        .bind(org.registration_number.as_ref().map(RegistrationNumber::as_str))
        .bind(org.creditor_number.as_deref())
        .bind(timestamp(now))
        .fetch_one(self.write())
        .await
        .map_err(|e| StoreError::on_unique(e, "supplier organisation with this creditor number"))?;
        self.supplier_org(tenant, id).await
    }

    /// The supplier organisation `id` of `tenant`.
    pub async fn supplier_org(
        &self,
        tenant: &TenantId,
        id: i64,
    ) -> Result<SupplierOrg, StoreError> {
        supplier_org_on(self.read(), tenant, id).await
    }

    /// The supplier organisations of `tenant` registered with `registration_number`.
    pub async fn supplier_orgs_with_registration_number(
        &self,
        tenant: &TenantId,
        registration_number: &str,
    ) -> Result<Vec<SupplierOrg>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, registration_number, creditor_number, created_at, address, bank_code,
                  branch_code, account_type, account_number, account_name_kana
             FROM supplier_orgs WHERE tenant_id = $1 AND registration_number = $2 ORDER BY id",
        )
        .bind(tenant.as_str())
        .bind(registration_number)
        .fetch_all(self.read())
        .await?;
        rows.iter().map(org_from_row).collect()
    }

    /// Every supplier organisation of `tenant`, by id.
    pub async fn list_supplier_orgs(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<SupplierOrg>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, registration_number, creditor_number, created_at, address, bank_code,
                  branch_code, account_type, account_number, account_name_kana
             FROM supplier_orgs WHERE tenant_id = $1 ORDER BY id",
        )
        .bind(tenant.as_str())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(org_from_row).collect()
    }

    /// Creates a user or machine client in `tenant`.
    pub async fn create_user(
        &self,
        tenant: &TenantId,
        user: &NewUser,
        now: DateTime<Utc>,
    ) -> Result<User, StoreError> {
        self.require_tenant(tenant).await?;
        if let Some(org) = user.supplier_org_id {
            self.supplier_org(tenant, org).await?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (tenant_id, username, display_name, role, supplier_org_id, is_client, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(tenant.as_str())
        .bind(&user.username)
        .bind(user.display_name.as_deref())
        .bind(user.role.as_str())
        .bind(user.supplier_org_id)
        .bind(i64::from(user.is_client))
        .bind(&user.password_hash)
        .bind(timestamp(now))
        .fetch_one(self.write())
        .await
        .map_err(|e| StoreError::on_unique(e, format!("user {:?}", user.username)))?;
        self.user(tenant, id).await
    }

    /// The user `id` of `tenant`.
    pub async fn user(&self, tenant: &TenantId, id: i64) -> Result<User, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{USER_COLUMNS} WHERE tenant_id = $1 AND id = $2"
        )))
        .bind(tenant.as_str())
        .bind(id)
        .fetch_optional(self.read())
        .await?
        .ok_or(StoreError::NotFound { what: "user" })?;
        user_from_row(&row)
    }

    /// The user of `tenant` with this login name, if any.
    pub async fn user_by_username(
        &self,
        tenant: &TenantId,
        username: &str,
    ) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{USER_COLUMNS} WHERE tenant_id = $1 AND username = $2"
        )))
        .bind(tenant.as_str())
        .bind(username)
        .fetch_optional(self.read())
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Every user of `tenant`, by id.
    pub async fn list_users(&self, tenant: &TenantId) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{USER_COLUMNS} WHERE tenant_id = $1 ORDER BY id"
        )))
        .bind(tenant.as_str())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    pub(crate) async fn require_tenant(&self, tenant: &TenantId) -> Result<(), StoreError> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM tenants WHERE tenant_id = $1")
            .bind(tenant.as_str())
            .fetch_optional(self.read())
            .await?;
        match found {
            Some(_) => Ok(()),
            None => Err(StoreError::UnknownTenant(tenant.to_string())),
        }
    }

    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        Ok(match self.backend() {
            Backend::Sqlite => self.write().begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write().begin().await?,
        })
    }
}

const USER_COLUMNS: &str = "SELECT id, tenant_id, username, display_name, role, supplier_org_id, is_client, \
                            password_hash, created_at FROM users";

fn tenant_from_row(row: &AnyRow) -> Result<Tenant, StoreError> {
    Ok(Tenant {
        id: parse_tenant(&row.try_get::<String, _>("tenant_id")?)?,
        name: row.try_get("name")?,
        created_at: parse_timestamp(&row.try_get::<String, _>("created_at")?)?,
    })
}

fn org_from_row(row: &AnyRow) -> Result<SupplierOrg, StoreError> {
    Ok(SupplierOrg {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        registration_number: row.try_get("registration_number")?,
        creditor_number: row.try_get("creditor_number")?,
        created_at: parse_timestamp(&row.try_get::<String, _>("created_at")?)?,
        address: row.try_get("address")?,
        bank_account: match (
            row.try_get::<Option<String>, _>("bank_code")?,
            row.try_get::<Option<String>, _>("branch_code")?,
            row.try_get::<Option<String>, _>("account_type")?,
            row.try_get::<Option<String>, _>("account_number")?,
            row.try_get::<Option<String>, _>("account_name_kana")?,
        ) {
            (
                Some(bank_code),
                Some(branch_code),
                Some(account_type),
                Some(account_number),
                Some(kana),
            ) => Some(BankAccount {
                bank_code,
                branch_code,
                account_type,
                account_number,
                account_name_kana: kana,
            }),
            _ => None,
        },
    })
}

fn user_from_row(row: &AnyRow) -> Result<User, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        tenant: parse_tenant(&row.try_get::<String, _>("tenant_id")?)?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: role
            .parse()
            .map_err(|e: cie_domain::DomainError| StoreError::Corrupt(e.to_string()))?,
        supplier_org_id: row.try_get("supplier_org_id")?,
        is_client: row.try_get::<i64, _>("is_client")? != 0,
        password_hash: row.try_get("password_hash")?,
        created_at: parse_timestamp(&row.try_get::<String, _>("created_at")?)?,
    })
}

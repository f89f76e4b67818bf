//! `/api/v1/admin/…` (a tenant's administrators) and `/api/v1/operator/tenants` (the platform operator).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cie_domain::Role;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::accounts::{
    self, FinanceClientCredentials, NewSupplierOrgRequest, NewTenantRequest, NewUserRequest,
};
use crate::http::error::ApiError;
use crate::http::extract::Authenticated;
use crate::http::extract::{JsonInput, Operator};

#[derive(Serialize)]
pub(crate) struct TenantView {
    id: String,
    name: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl From<cie_store::Tenant> for TenantView {
    fn from(tenant: cie_store::Tenant) -> Self {
        Self {
            id: tenant.id.to_string(),
            name: tenant.name,
            created_at: tenant.created_at,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct SupplierOrgView {
    id: i64,
    name: String,
    registration_number: Option<String>,
    creditor_number: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
    address: Option<String>,
    bank_account: Option<cie_store::BankAccount>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

impl From<cie_store::SupplierOrg> for SupplierOrgView {
    fn from(org: cie_store::SupplierOrg) -> Self {
        Self {
            id: org.id,
            name: org.name,
            registration_number: org.registration_number,
            creditor_number: org.creditor_number,
            created_at: org.created_at,
            address: org.address,
            bank_account: org.bank_account,
            warnings: Vec::new(),
        }
    }
}

#[derive(Serialize)]
pub(crate) struct UserView {
    id: i64,
    username: String,
    display_name: Option<String>,
    role: Role,
    supplier_org_id: Option<i64>,
    is_client: bool,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl From<cie_store::User> for UserView {
    fn from(user: cie_store::User) -> Self {
        Self {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            supplier_org_id: user.supplier_org_id,
            is_client: user.is_client,
            created_at: user.created_at,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct VerificationView {
    tenant: String,
    intact: bool,
    entries_checked: i64,
    head_seq: i64,
    unsealed_entries: i64,
    records_checked: i64,
    first_broken_seq: Option<i64>,
    reason: Option<String>,
    /// Sealed documents, verdicts, audit-log rows, invoice states, the last checkpoint and the
    /// append-only triggers: what does not hold, one sentence each.
    problems: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewFinanceClient {
    name: String,
}

pub(crate) async fn create_tenant(
    State(state): State<AppState>,
    _operator: Operator,
    JsonInput(request): JsonInput<NewTenantRequest>,
) -> Result<(StatusCode, Json<TenantView>), ApiError> {
    let tenant = accounts::create_tenant(&state, request).await?;
    Ok((StatusCode::CREATED, Json(tenant.into())))
}

pub(crate) async fn list_tenants(
    State(state): State<AppState>,
    _operator: Operator,
) -> Result<Json<Vec<TenantView>>, ApiError> {
    let tenants = state.store.list_tenants().await?;
    Ok(Json(tenants.into_iter().map(TenantView::from).collect()))
}

pub(crate) async fn create_supplier_org(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    JsonInput(request): JsonInput<NewSupplierOrgRequest>,
) -> Result<(StatusCode, Json<SupplierOrgView>), ApiError> {
    let registered = accounts::register_supplier_org(&state, &caller, request).await?;
    Ok((
        StatusCode::CREATED,
        Json(SupplierOrgView {
            warnings: registered.warnings,
            ..registered.org.into()
        }),
    ))
}

pub(crate) async fn list_supplier_orgs(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Json<Vec<SupplierOrgView>>, ApiError> {
    let orgs = accounts::supplier_orgs(&state, &caller).await?;
    Ok(Json(orgs.into_iter().map(SupplierOrgView::from).collect()))
}

pub(crate) async fn create_user(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    JsonInput(request): JsonInput<NewUserRequest>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let user = accounts::add_user(&state, &caller, request).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

pub(crate) async fn list_users(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Json<Vec<UserView>>, ApiError> {
    let users = accounts::users(&state, &caller).await?;
    Ok(Json(users.into_iter().map(UserView::from).collect()))
}

/// `POST /api/v1/admin/invitations`: a link that lets a person set a password and become a user.
pub(crate) async fn invite(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    JsonInput(request): JsonInput<accounts::InvitationRequest>,
) -> Result<(StatusCode, Json<accounts::InvitationLink>), ApiError> {
    let link = accounts::invite(&state, &caller, request).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SecurityEventsQuery {
    limit: Option<i64>,
}

#[derive(Serialize)]
pub(crate) struct SecurityEventView {
    id: i64,
    at: chrono::DateTime<chrono::Utc>,
    kind: String,
    account: Option<String>,
    address: Option<String>,
    detail: serde_json::Value,
}

/// `GET /api/v1/admin/security-events?limit=N`: the city's newest security events (locked logins).
pub(crate) async fn security_events(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    crate::http::extract::QueryInput(query): crate::http::extract::QueryInput<SecurityEventsQuery>,
) -> Result<Json<Vec<SecurityEventView>>, ApiError> {
    caller.require(&[Role::Admin])?;
    let events = accounts::security_events(&state, &caller.tenant, query.limit).await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| SecurityEventView {
                id: e.id,
                at: e.at,
                kind: e.kind,
                account: e.account,
                address: e.address,
                detail: e.detail,
            })
            .collect(),
    ))
}

pub(crate) async fn create_finance_client(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    JsonInput(request): JsonInput<NewFinanceClient>,
) -> Result<(StatusCode, Json<FinanceClientCredentials>), ApiError> {
    caller.require(&[Role::Admin])?;
    let credentials =
        accounts::create_finance_client(&state, &caller.tenant, &request.name).await?;
    Ok((StatusCode::CREATED, Json(credentials)))
}

pub(crate) async fn verify_archive(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Json<VerificationView>, ApiError> {
    caller.require(&[Role::Admin])?;
    let report = accounts::verify_archive(&state, &caller.tenant).await?;
    Ok(Json(VerificationView {
        tenant: report.tenant.to_string(),
        intact: report.intact(),
        entries_checked: report.entries_checked,
        head_seq: report.head_seq,
        unsealed_entries: report.unsealed_entries,
        records_checked: report.records_checked,
        first_broken_seq: report.first_broken.as_ref().map(|b| b.seq),
        reason: report.first_broken.map(|b| b.reason),
        problems: report.record_problems,
    }))
}

/// `PUT /api/v1/admin/supplier-orgs/{id}/creditor`: the creditor registration (address, bank account).
pub(crate) async fn register_creditor(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    crate::http::extract::PathInput(org): crate::http::extract::PathInput<i64>,
    JsonInput(request): JsonInput<crate::finance::CreditorRequest>,
) -> Result<Json<SupplierOrgView>, ApiError> {
    crate::finance::register_creditor(&state, &caller, org, request)
        .await
        .map(|org| Json(org.into()))
        .map_err(ApiError::from)
}

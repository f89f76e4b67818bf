//! `/api/v1/invoices/…` (the workflow of received invoices), `/api/v1/inbox` (staff, by deadline) and the
//! workflow settings and contract terms under `/api/v1/admin/…`.

use axum::Json;
use axum::extract::State;
use cie_store::{AuditEntry, SupplierTerms, WorkflowSettings};

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Authenticated;
use crate::http::extract::{JsonInput, PathInput, QueryInput};
use crate::workflow::{
    self, ApprovalRequest, CaseDetail, CaseListQuery, CaseView, InspectionRequest, PaidRequest,
    PaymentOrderRequest, ReturnRequest, Step, TermsRequest, WithdrawalRequest,
};

/// `GET /api/v1/invoices`: a supplier's own invoices (all for city users), newest first.
pub(crate) async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryInput(query): QueryInput<CaseListQuery>,
) -> Result<Json<Vec<CaseView>>, ApiError> {
    workflow::list_invoices(&state, &caller, query)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `GET /api/v1/inbox`: open invoices by payment deadline; `?due_within_days=N`, `?overdue=true`.
pub(crate) async fn inbox(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryInput(query): QueryInput<CaseListQuery>,
) -> Result<Json<Vec<CaseView>>, ApiError> {
    workflow::inbox(&state, &caller, query)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `GET /api/v1/invoices/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
) -> Result<Json<CaseDetail>, ApiError> {
    workflow::case_detail(&state, &caller, id)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `GET /api/v1/invoices/{id}/audit`.
pub(crate) async fn audit(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    workflow::audit_trail(&state, &caller, Some(id))
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `GET /api/v1/audit`: the city's whole audit log.
pub(crate) async fn audit_log(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    workflow::audit_trail(&state, &caller, None)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `POST /api/v1/invoices/{id}/start-inspection`.
pub(crate) async fn start_inspection(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
) -> Result<Json<CaseDetail>, ApiError> {
    workflow::act(&state, &caller, id, Step::StartInspection)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `POST /api/v1/invoices/{id}/return`.
pub(crate) async fn return_invoice(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
    JsonInput(request): JsonInput<ReturnRequest>,
) -> Result<Json<CaseDetail>, ApiError> {
    workflow::act(&state, &caller, id, Step::Return(request))
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `POST /api/v1/invoices/{id}/inspection`.
pub(crate) async fn complete_inspection(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
    JsonInput(request): JsonInput<InspectionRequest>,
) -> Result<Json<CaseDetail>, ApiError> {
    workflow::act(&state, &caller, id, Step::CompleteInspection(request))
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `POST /api/v1/invoices/{id}/approval`.
pub(crate) async fn approve(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
    JsonInput(request): JsonInput<ApprovalRequest>,
) -> Result<Json<CaseDetail>, ApiError> {
    workflow::act(&state, &caller, id, Step::Approve(request))
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `POST /api/v1/invoices/{id}/payment-order`.
pub(crate) async fn order_payment(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
    JsonInput(request): JsonInput<PaymentOrderRequest>,
) -> Result<Json<CaseDetail>, ApiError> {
    workflow::act(&state, &caller, id, Step::OrderPayment(request))
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `POST /api/v1/invoices/{id}/payment`.
pub(crate) async fn mark_paid(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
    JsonInput(request): JsonInput<PaidRequest>,
) -> Result<Json<CaseDetail>, ApiError> {
    workflow::act(&state, &caller, id, Step::MarkPaid(request))
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `GET /api/v1/admin/workflow-settings`.
pub(crate) async fn settings(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Json<WorkflowSettings>, ApiError> {
    workflow::settings(&state, &caller)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `PUT /api/v1/admin/workflow-settings`.
pub(crate) async fn set_settings(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    JsonInput(settings): JsonInput<WorkflowSettings>,
) -> Result<Json<WorkflowSettings>, ApiError> {
    workflow::set_settings(&state, &caller, settings)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `GET /api/v1/admin/supplier-orgs/{id}/payment-terms`.
pub(crate) async fn terms(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(org): PathInput<i64>,
) -> Result<Json<Vec<SupplierTerms>>, ApiError> {
    workflow::terms(&state, &caller, org)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `POST /api/v1/invoices/{id}/approval-withdrawal`.
pub(crate) async fn withdraw_approval(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(id): PathInput<i64>,
    JsonInput(request): JsonInput<WithdrawalRequest>,
) -> Result<Json<CaseDetail>, ApiError> {
    workflow::act(&state, &caller, id, Step::WithdrawApproval(request))
        .await
        .map(Json)
        .map_err(ApiError::from)
}

/// `PUT /api/v1/admin/supplier-orgs/{id}/payment-terms`.
pub(crate) async fn set_terms(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathInput(org): PathInput<i64>,
    JsonInput(request): JsonInput<TermsRequest>,
) -> Result<Json<Vec<SupplierTerms>>, ApiError> {
    workflow::set_terms(&state, &caller, org, request)
        .await
        .map(Json)
        .map_err(ApiError::from)
}

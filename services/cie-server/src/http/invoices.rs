//! `/api/v1/invoices/…` (the workflow of received invoices), `/api/v1/inbox` (staff, by deadline) and the
//! workflow settings and contract terms under `/api/v1/admin/…`.

use axum::Json;
use axum::extract::State;
use cie_store::{AuditEntry, SupplierTerms, WorkflowSettings};

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;
use crate::http::extract::{JsonInput, PathInput, QueryInput};
use crate::workflow::{
    self, ApprovalRequest, CaseDetail, CaseListQuery, CaseView, InspectionRequest, PaidRequest,
    PaymentOrderRequest, ReturnRequest, Step, TermsRequest, WithdrawalRequest,
};

/// `GET /api/v1/invoices`: a supplier's own invoices (all for city users), newest first.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryInput(query): QueryInput<CaseListQuery>,
) -> Result<Json<Vec<CaseView>>, Error> {
    workflow::list_invoices(&state, &caller, query)
        .await
        .map(Json)
}

/// `GET /api/v1/inbox`: open invoices by payment deadline; `?due_within_days=N`, `?overdue=true`.
pub(crate) async fn inbox(
    State(state): State<AppState>,
    caller: Caller,
    QueryInput(query): QueryInput<CaseListQuery>,
) -> Result<Json<Vec<CaseView>>, Error> {
    workflow::inbox(&state, &caller, query).await.map(Json)
}

/// `GET /api/v1/invoices/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    PathInput(id): PathInput<i64>,
) -> Result<Json<CaseDetail>, Error> {
    workflow::case_detail(&state, &caller, id).await.map(Json)
}

/// `GET /api/v1/invoices/{id}/audit`.
pub(crate) async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    PathInput(id): PathInput<i64>,
) -> Result<Json<Vec<AuditEntry>>, Error> {
    workflow::audit_trail(&state, &caller, Some(id))
        .await
        .map(Json)
}

/// `GET /api/v1/audit`: the city's whole audit log.
pub(crate) async fn audit_log(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<AuditEntry>>, Error> {
    workflow::audit_trail(&state, &caller, None).await.map(Json)
}

/// `POST /api/v1/invoices/{id}/start-inspection`.
pub(crate) async fn start_inspection(
    State(state): State<AppState>,
    caller: Caller,
    PathInput(id): PathInput<i64>,
) -> Result<Json<CaseDetail>, Error> {
    workflow::act(&state, &caller, id, Step::StartInspection)
        .await
        .map(Json)
}

/// `POST /api/v1/invoices/{id}/return`.
pub(crate) async fn return_invoice(
    State(state): State<AppState>,
    caller: Caller,
    PathInput(id): PathInput<i64>,
    JsonInput(request): JsonInput<ReturnRequest>,
) -> Result<Json<CaseDetail>, Error> {
    workflow::act(&state, &caller, id, Step::Return(request))
        .await
        .map(Json)
}

/// `POST /api/v1/invoices/{id}/inspection`.
pub(crate) async fn complete_inspection(
    State(state): State<AppState>,
    caller: Caller,
    PathInput(id): PathInput<i64>,
    JsonInput(request): JsonInput<InspectionRequest>,
) -> Result<Json<CaseDetail>, Error> {
    workflow::act(&state, &caller, id, Step::CompleteInspection(request))
        .await
        .map(Json)
}

/// `POST /api/v1/invoices/{id}/approval`.
pub(crate) async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    PathInput(id): PathInput<i64>,
    JsonInput(request): JsonInput<ApprovalRequest>,
) -> Result<Json<CaseDetail>, Error> {
    workflow::act(&state, &caller, id, Step::Approve(request))
        .await
        .map(Json)
}

/// `POST /api/v1/invoices/{id}/payment-order`.
pub(crate) async fn order_payment(
    State(state): State<AppState>,
    caller: Caller,
    PathInput(id): PathInput<i64>,
    JsonInput(request): JsonInput<PaymentOrderRequest>,
) -> Result<Json<CaseDetail>, Error> {
    workflow::act(&state, &caller, id, Step::OrderPayment(request))
        .await
        .map(Json)
}

/// `POST /api/v1/invoices/{id}/payment`.
pub(crate) async fn mark_paid(
    State(state): State<AppState>,
    caller: Caller,
    PathInput(id): PathInput<i64>,
    JsonInput(request): JsonInput<PaidRequest>,
) -> Result<Json<CaseDetail>, Error> {
    workflow::act(&state, &caller, id, Step::MarkPaid(request))
        .await
        .map(Json)
}

/// `GET /api/v1/admin/workflow-settings`.
pub(crate) async fn settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<WorkflowSettings>, Error> {
    workflow::settings(&state, &caller).await.map(Json)
}

/// `PUT /api/v1/admin/workflow-settings`.
pub(crate) async fn set_settings(
    State(state): State<AppState>,
    caller: Caller,
    JsonInput(settings): JsonInput<WorkflowSettings>,
) -> Result<Json<WorkflowSettings>, Error> {
    workflow::set_settings(&state, &caller, settings)
        .await
        .map(Json)
}

/// `GET /api/v1/admin/supplier-orgs/{id}/payment-terms`.
pub(crate) async fn terms(
    State(state): State<AppState>,
    caller: Caller,
    PathInput(org): PathInput<i64>,
) -> Result<Json<Vec<SupplierTerms>>, Error> {
    workflow::terms(&state, &caller, org).await.map(Json)
}

/// `POST /api/v1/invoices/{id}/approval-withdrawal`.
pub(crate) async fn withdraw_approval(
    State(state): State<AppState>,
    caller: Caller,
    PathInput(id): PathInput<i64>,
    JsonInput(request): JsonInput<WithdrawalRequest>,
) -> Result<Json<CaseDetail>, Error> {
    workflow::act(&state, &caller, id, Step::WithdrawApproval(request))
        .await
        .map(Json)
}

/// `PUT /api/v1/admin/supplier-orgs/{id}/payment-terms`.
pub(crate) async fn set_terms(
    State(state): State<AppState>,
    caller: Caller,
    PathInput(org): PathInput<i64>,
    JsonInput(request): JsonInput<TermsRequest>,
) -> Result<Json<Vec<SupplierTerms>>, Error> {
    workflow::set_terms(&state, &caller, org, request)
        .await
        .map(Json)
}

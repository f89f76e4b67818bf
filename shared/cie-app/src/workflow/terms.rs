//! Contract terms: the periods agreed per supplier or order (capped by the statute), and which terms govern
//! an invoice: those in force when its clock started, recorded on it at intake.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use cie_domain::{ReferenceKind, Role, TenantId};
use cie_store::{InvoiceCase, SupplierTerms, WorkflowSettings};
use cie_workflow::{ContractKind, GoverningTerms, PaymentTerms};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;

/// The terms of the cases of a listing: those recorded on each, else those in force now.
pub(super) struct TermsResolver {
    settings: WorkflowSettings,
    terms: HashMap<i64, Vec<SupplierTerms>>,
}

impl TermsResolver {
    pub(super) async fn load(
        state: &AppState,
        tenant: &TenantId,
        cases: &[InvoiceCase],
    ) -> Result<Self, Error> {
        let settings = state.store.workflow_settings(tenant).await?;
        let mut terms = HashMap::new();
        let without_terms = cases.iter().filter(|c| c.terms.is_none());
        for org in without_terms.filter_map(|c| c.document.supplier_org_id) {
            if let Entry::Vacant(slot) = terms.entry(org) {
                slot.insert(state.store.supplier_terms(tenant, org).await?);
            }
        }
        Ok(Self { settings, terms })
    }

    /// The terms `case`'s clock runs on: those recorded when its clock started, else (an invoice received
    /// before terms were recorded) those in force now.
    pub(super) fn resolve(&self, case: &InvoiceCase) -> GoverningTerms {
        case.terms.unwrap_or_else(|| {
            let recorded = case
                .document
                .supplier_org_id
                .and_then(|org| self.terms.get(&org))
                .map(Vec::as_slice)
                .unwrap_or_default();
            governing_terms_of(
                recorded,
                &case.document.summary,
                self.settings.default_contract_kind,
            )
        })
    }
}

/// The terms in force for an invoice of `summary` from `supplier_terms`' supplier.
fn governing_terms_of(
    supplier_terms: &[SupplierTerms],
    summary: &cie_domain::Summary,
    default_kind: ContractKind,
) -> GoverningTerms {
    let orders: Vec<&str> = summary
        .references
        .iter()
        .filter(|r| r.kind == ReferenceKind::Order)
        .map(|r| r.number.as_str())
        .collect();
    let agreed: Vec<cie_workflow::AgreedTerms<'_>> = supplier_terms
        .iter()
        .map(|t| cie_workflow::AgreedTerms {
            order_number: t.order_number.as_deref(),
            contract_kind: t.contract_kind,
            terms: t.terms,
        })
        .collect();
    cie_workflow::governing_terms(&agreed, &orders, default_kind)
}

/// The terms in force now for an invoice of `summary` arriving from an organisation with `agreed` terms,
/// under the city's `settings`: what its payment clock will run on, recorded with it at intake.
pub fn terms_in_force(
    settings: &cie_store::WorkflowSettings,
    agreed: &[SupplierTerms],
    summary: &cie_domain::Summary,
) -> GoverningTerms {
    governing_terms_of(agreed, summary, settings.default_contract_kind)
}

/// Body of the payment-terms endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsRequest {
    /// The order they apply to; every invoice of the supplier when absent.
    pub order_number: Option<String>,
    /// Goods/services or works.
    pub contract_kind: ContractKind,
    /// Days to inspect; the statutory maximum when absent.
    pub inspection_days: Option<i64>,
    /// Days to pay; the statutory maximum when absent.
    pub payment_days: Option<i64>,
}

/// Records contract terms for a supplier or one of its orders (admin). The law caps both periods.
pub async fn set_terms(
    state: &AppState,
    caller: &Caller,
    supplier_org_id: i64,
    request: TermsRequest,
) -> Result<Vec<SupplierTerms>, Error> {
    caller.require(&[Role::Admin])?;
    let statutory = PaymentTerms::statutory(request.contract_kind);
    let inspection_days = request.inspection_days.unwrap_or(statutory.inspection_days);
    let payment_days = request.payment_days.unwrap_or(statutory.payment_days);
    if !(1..=statutory.inspection_days).contains(&inspection_days) {
        return Err(Error::invalid(
            "invalid_terms",
            format!(
                "inspection_days must be between 1 and {} (支払遅延防止法 art. 5), not {inspection_days}",
                statutory.inspection_days
            ),
        ));
    }
    if !(1..=statutory.payment_days).contains(&payment_days) {
        return Err(Error::invalid(
            "invalid_terms",
            format!(
                "payment_days must be between 1 and {} (支払遅延防止法 art. 6), not {payment_days}",
                statutory.payment_days
            ),
        ));
    }
    let order_number = request
        .order_number
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty());
    state
        .store
        .supplier_org(&caller.tenant, supplier_org_id)
        .await?;
    state
        .store
        .set_supplier_terms(
            &caller.tenant,
            &SupplierTerms {
                supplier_org_id,
                order_number,
                contract_kind: request.contract_kind,
                terms: PaymentTerms {
                    inspection_days,
                    payment_days,
                },
            },
            state.clock.now(),
        )
        .await?;
    terms(state, caller, supplier_org_id).await
}

/// The contract terms recorded for a supplier (city users).
pub async fn terms(
    state: &AppState,
    caller: &Caller,
    supplier_org_id: i64,
) -> Result<Vec<SupplierTerms>, Error> {
    caller.require(&[Role::Staff, Role::Approver, Role::Finance, Role::Admin])?;
    Ok(state
        .store
        .supplier_terms(&caller.tenant, supplier_org_id)
        .await?)
}

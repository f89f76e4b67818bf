//! The payment deadlines stored on cases recorded before they were kept (migration 0022), filled at start:
//! each from its clock, with the terms in force recorded first on a case that has none.

use cie_domain::TenantId;
use tracing::info;

use super::views::LoadedCase;
use crate::AppState;
use crate::error::Error;

/// Fills every missing stored deadline; returns how many cases were filled.
pub async fn fill_missing_deadlines(state: &AppState) -> Result<usize, Error> {
    let mut after: Option<(TenantId, i64)> = None;
    let mut filled = 0;
    loop {
        let batch = state
            .store
            .cases_without_deadlines(after.as_ref().map(|(t, d)| (t, *d)), 500)
            .await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = Some((last.tenant.clone(), last.document_id));
        for case in &batch {
            let terms = if case.has_terms {
                None
            } else {
                let loaded = LoadedCase::load(state, &case.tenant, case.document_id, None).await?;
                Some(loaded.terms)
            };
            state
                .store
                .fill_deadlines(&case.tenant, case.document_id, terms)
                .await?;
            filled += 1;
        }
    }
    if filled > 0 {
        info!(
            filled,
            "payment deadlines stored on the invoices recorded before they were kept"
        );
    }
    Ok(filled)
}

//! The city's workflow settings: separation of duties, the default contract kind.

use cie_domain::Role;
use cie_store::WorkflowSettings;

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;

/// Replaces the city's workflow settings (admin).
pub async fn set_settings(
    state: &AppState,
    caller: &Caller,
    settings: WorkflowSettings,
) -> Result<WorkflowSettings, Error> {
    caller.require(&[Role::Admin])?;
    state
        .store
        .set_workflow_settings(&caller.tenant, settings, state.clock.now())
        .await?;
    Ok(settings)
}

/// The city's workflow settings (city users).
pub async fn settings(state: &AppState, caller: &Caller) -> Result<WorkflowSettings, Error> {
    caller.require(&[Role::Staff, Role::Approver, Role::Finance, Role::Admin])?;
    Ok(state.store.workflow_settings(&caller.tenant).await?)
}

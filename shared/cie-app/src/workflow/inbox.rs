//! Invoice lists: a supplier's invoices, and the staff inbox of open invoices sorted by payment deadline.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use cie_domain::{Role, Severity};
use cie_registry::RegistrationStatus;
use cie_store::{CaseFilter, CaseOrder, DueBy, InvoiceReturn};
use cie_workflow::{InvoiceState, japan_day};
use serde::Deserialize;

use super::terms::TermsResolver;
use super::views::{CaseView, chain_received_at, view, visible_org};
use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;

/// Which invoices a list shows.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseListQuery {
    /// Only this state.
    pub state: Option<InvoiceState>,
    /// Only invoices whose payment deadline is at most this many days away (overdue included).
    pub due_within_days: Option<i64>,
    /// Only overdue invoices.
    pub overdue: Option<bool>,
    /// Only invoices whose worst finding is at least this bad (`error` also lists fatal ones).
    pub severity: Option<Severity>,
    /// Only invoices with this registry answer for their 登録番号.
    pub registry_status: Option<RegistrationStatus>,
    /// Only invoices whose lines match so.
    pub match_status: Option<MatchStatus>,
    /// Only possible duplicates (`true`) or only the others (`false`).
    pub possible_duplicate: Option<bool>,
    /// At most this many (default 200).
    pub limit: Option<i64>,
}

/// How an invoice's lines match its order and delivery notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    /// Everything agrees.
    Matched,
    /// Quantities, prices or items differ.
    Differences,
    /// No order was found to match against.
    NoOrder,
    /// The lines of one of the documents could not be read.
    Unreadable,
}

impl MatchStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchStatus::Matched => "matched",
            MatchStatus::Differences => "differences",
            MatchStatus::NoOrder => "no_order",
            MatchStatus::Unreadable => "unreadable",
        }
    }
}

/// The day `days` after `today` (before, when negative), within three centuries either way.
fn days_from(today: NaiveDate, days: i64) -> NaiveDate {
    today + Duration::days(days.clamp(-100_000, 100_000))
}

/// The invoices of `states` that `query` asks for, in `order`: filtered, sorted and limited by the
/// database from the deadlines stored on each case, then viewed with their clocks as of today.
async fn list(
    state: &AppState,
    caller: &Caller,
    query: &CaseListQuery,
    states: Vec<InvoiceState>,
    order: CaseOrder,
) -> Result<Vec<CaseView>, Error> {
    let org = visible_org(caller)?;
    let today = japan_day(state.clock.now());
    let cases = state
        .store
        .invoice_cases(
            &caller.tenant,
            &CaseFilter {
                supplier_org_id: org,
                states,
                min_severity: query.severity,
                registry_statuses: query
                    .registry_status
                    .map(|s| vec![s.as_str().to_owned()])
                    .unwrap_or_default(),
                match_status: query.match_status.map(|m| m.as_str().to_owned()),
                possible_duplicate: query.possible_duplicate,
                due_by: query.due_within_days.map(|days| DueBy {
                    deadline: days_from(today, days),
                    days_left: days,
                }),
                overdue_on: (query.overdue == Some(true)).then_some(today),
                order,
                limit: query.limit.unwrap_or(200).clamp(1, 10_000),
            },
        )
        .await?;
    let terms = TermsResolver::load(state, &caller.tenant, &cases).await?;
    // Only a chain with a returned, superseded or correcting invoice has returns to read.
    let mut roots: Vec<i64> = cases
        .iter()
        .filter(|c| {
            matches!(c.state, InvoiceState::Returned | InvoiceState::Superseded)
                || c.corrects_document_id.is_some()
        })
        .map(|c| c.chain_root_id)
        .collect();
    roots.sort_unstable();
    roots.dedup();
    let mut returns: HashMap<i64, Vec<InvoiceReturn>> = HashMap::new();
    for (root, r) in state.store.invoice_returns(&caller.tenant, &roots).await? {
        returns.entry(root).or_default().push(r);
    }
    let mut views = Vec::with_capacity(cases.len());
    for case in &cases {
        let received_at = chain_received_at(state, &caller.tenant, case).await?;
        let case_returns = returns
            .get(&case.chain_root_id)
            .cloned()
            .unwrap_or_default();
        views.push(view(
            state,
            caller,
            case,
            case_returns,
            received_at,
            terms.resolve(case),
            today,
        ));
    }
    Ok(views)
}

/// Invoices as their suppliers (or staff) see them: newest first, with state, reasons and deadlines.
pub async fn list_invoices(
    state: &AppState,
    caller: &Caller,
    query: CaseListQuery,
) -> Result<Vec<CaseView>, Error> {
    let states = query.state.map(|s| vec![s]).unwrap_or_default();
    list(state, caller, &query, states, CaseOrder::Newest).await
}

/// The staff inbox: open invoices, earliest payment deadline first (paused ones after the running ones).
pub async fn inbox(
    state: &AppState,
    caller: &Caller,
    query: CaseListQuery,
) -> Result<Vec<CaseView>, Error> {
    caller.require(&[Role::Staff, Role::Approver, Role::Finance, Role::Admin])?;
    let states = match query.state {
        Some(s) => vec![s],
        None => InvoiceState::OPEN.to_vec(),
    };
    list(state, caller, &query, states, CaseOrder::Deadline).await
}

//! Documents the city issues to a supplier: staff send a request for quotation or an order as JSON; the
//! service writes the UBL, checks it with the same rules as received documents, and archives it for the
//! supplier, who lists and fetches it like any other document and answers with a quotation, an order
//! response or a delivery note that links back by its number.

use cie_domain::{DocumentStatus, Role};
use cie_store::{DocumentRecord, NewSubmission, Parsed, SubmissionOutcome};
use serde::Deserialize;
use tracing::info;

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;
use crate::validation::{self, Verdict};

/// An order to issue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueOrder {
    /// The supplier organisation it goes to.
    pub supplier_org_id: i64,
    /// The order.
    pub order: cie_compose::Order,
}

/// A request for quotation to issue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueRequestForQuotation {
    /// The supplier organisation it goes to.
    pub supplier_org_id: i64,
    /// The request.
    pub request: cie_compose::RequestForQuotation,
}

/// What the city can issue.
#[derive(Debug, Clone)]
pub enum Issue {
    /// An order (発注書).
    Order(IssueOrder),
    /// A request for quotation (見積依頼).
    RequestForQuotation(IssueRequestForQuotation),
}

/// Writes, checks and archives a document the city issues; returns it with the rules' verdict.
pub async fn issue(
    state: &AppState,
    caller: &Caller,
    issue: Issue,
) -> Result<(DocumentRecord, Verdict), Error> {
    caller.require(&[Role::Staff, Role::Approver, Role::Admin])?;
    let (org_id, written) = match &issue {
        Issue::Order(order) => (order.supplier_org_id, cie_compose::order(&order.order)),
        Issue::RequestForQuotation(request) => (
            request.supplier_org_id,
            cie_compose::request_for_quotation(&request.request),
        ),
    };
    let org = state.store.supplier_org(&caller.tenant, org_id).await?;
    let xml = written.map_err(|e| Error::invalid("invalid_document_input", e.to_string()))?;
    let bytes = xml.into_bytes();
    let summary = cie_ubl::parse(&bytes, &cie_ubl::Limits::default()).map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "an issued document does not read back: {e}"
        ))
    })?;
    let verdict = validation::validate_for_tenant(state, &caller.tenant, None, &bytes).await?;
    if verdict.is_fatal() {
        let fatal: Vec<String> = verdict
            .findings
            .iter()
            .filter(|f| f.severity == cie_domain::Severity::Fatal)
            .map(|f| format!("{}: {}", f.rule_id, f.message_en))
            .collect();
        return Err(Error::invalid(
            "issued_document_invalid",
            format!(
                "the document written from this input breaks rules: {}",
                fatal.join("; ")
            ),
        ));
    }
    let submission = NewSubmission {
        tenant: caller.tenant.clone(),
        received_at: state.clock.now(),
        submitter_id: caller.user_id,
        supplier_org_id: Some(org.id),
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        truncated: false,
        content: bytes,
        parsed: Parsed::Document {
            number_key: Some(cie_matching::number_key(&summary.number)),
            summary: Box::new(summary),
            supplier_key: format!("city:{}", caller.tenant),
            status: DocumentStatus::Received,
            validation: Some(verdict.to_record()),
        },
        outbound: true,
        workflow: None,
        terms: None,
        delivery: None,
    };
    match state.store.submit(submission).await? {
        SubmissionOutcome::Accepted { document, .. } => {
            info!(tenant = %caller.tenant, document_id = document.id, kind = %document.summary.kind,
                  supplier_org = org.id, "document issued");
            Ok((*document, verdict))
        }
        SubmissionOutcome::AlreadyStored { document } => Ok((*document, verdict)),
        other => Err(Error::Internal(anyhow::anyhow!(
            "an issued document was not archived: {other:?}"
        ))),
    }
}

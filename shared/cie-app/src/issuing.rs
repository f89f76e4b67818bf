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

/// Who issues documents for the city.
const ISSUERS: [Role; 3] = [Role::Staff, Role::Approver, Role::Admin];

/// Issues `document` with its parties taken from the city's records, replacing what the input said of them:
/// the buyer picked from the city's list (`buyer_id`, still in use), the supplier organisation as the city
/// registered it (its name, and its 登録番号 as its registration and electronic address).
pub async fn issue_to_registered(
    state: &AppState,
    caller: &Caller,
    buyer_id: i64,
    mut document: Issue,
) -> Result<(DocumentRecord, Verdict), Error> {
    caller.require(&ISSUERS)?;
    let buyer = match state.store.city_buyer(&caller.tenant, buyer_id).await {
        Ok(buyer) if buyer.active => buyer,
        Ok(_) => {
            return Err(Error::invalid(
                "invalid_buyer",
                "buyer: this addressee is no longer in use; pick another from the list",
            ));
        }
        Err(cie_store::StoreError::NotFound { .. }) => {
            return Err(Error::invalid(
                "invalid_buyer",
                "buyer: pick the addressee from the list",
            ));
        }
        Err(error) => return Err(error.into()),
    };
    let org_id = match &document {
        Issue::Order(order) => order.supplier_org_id,
        Issue::RequestForQuotation(request) => request.supplier_org_id,
    };
    let org = state.store.supplier_org(&caller.tenant, org_id).await?;
    let Some(number) = org.registration_number.clone() else {
        return Err(Error::invalid(
            "supplier_without_address",
            format!(
                "supplier_org_id: {} has no registration number (登録番号) on record, so no electronic address \
                 to send documents to; record its number first",
                org.name
            ),
        ));
    };
    let seller = cie_compose::TradingParty {
        name: org.name.clone(),
        endpoint: Some(cie_compose::Endpoint {
            id: number.clone(),
            scheme: crate::composing::REGISTRATION_NUMBER_SCHEME.into(),
        }),
        registration_number: Some(number),
        address: None,
        contact: None,
    };
    let buyer = crate::composing::buyer_party(&buyer);
    match &mut document {
        Issue::Order(order) => {
            order.order.buyer = buyer;
            order.order.seller = seller;
        }
        Issue::RequestForQuotation(request) => {
            request.request.buyer = buyer;
            request.request.seller = seller;
        }
    }
    issue(state, caller, document).await
}

/// Writes, checks and archives a document the city issues; returns it with the rules' verdict.
pub async fn issue(
    state: &AppState,
    caller: &Caller,
    issue: Issue,
) -> Result<(DocumentRecord, Verdict), Error> {
    caller.require(&ISSUERS)?;
    let (org_id, written) = match &issue {
        Issue::Order(order) => (order.supplier_org_id, cie_compose::order(&order.order)),
        Issue::RequestForQuotation(request) => (
            request.supplier_org_id,
            cie_compose::request_for_quotation(&request.request),
        ),
    };
    let org = state.store.supplier_org(&caller.tenant, org_id).await?;
    let xml = written?;
    let bytes = xml.into_bytes();
    let (summary, doc) = cie_ubl::read(&bytes, &cie_ubl::Limits::default()).map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "an issued document does not read back: {e}"
        ))
    })?;
    let verdict = validation::validate_read_for_tenant(state, &caller.tenant, None, doc).await?;
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

//! Intake: receive a document, archive its exact bytes with the verdict, and record its summary.
//! Bad input is archived too, as a rejected submission, before the caller hears why.

use cie_domain::{DocumentStatus, Role, Summary};
use cie_store::{
    DeliveryNotice, DocumentRecord, DuplicateHints, InvoiceKeys, NewSubmission, Parsed,
    SubmissionOutcome, WorkflowStep,
};
use cie_ubl::UblError;
use cie_xpath::Document;
use tracing::{info, warn};

use crate::AppState;
use crate::auth::Caller;
use crate::body::ReceivedBody;
use crate::error::Error;
use crate::metrics::IntakeOutcome;
use crate::quota::Sender;
use crate::validation::{self, Verdict};
use crate::workflow;

/// What intake did with a document that was not refused.
#[derive(Debug)]
pub enum Received {
    /// A new document (or a new version of a number used before), with the rules' verdict.
    Created(DocumentRecord, Verdict),
    /// Identical bytes were received before: the existing document.
    AlreadyReceived(DocumentRecord),
}

/// Documents parsed inline up to this size; larger ones go to the blocking pool.
const INLINE_PARSE_BYTES: usize = 16 * 1024;

/// Receives one document from `caller`. A city user may name the supplier organisation it belongs to.
pub async fn receive(
    state: &AppState,
    caller: &Caller,
    for_org: Option<i64>,
    mut body: ReceivedBody,
) -> Result<Received, Error> {
    caller.require(&[Role::Supplier, Role::Staff, Role::Approver, Role::Admin])?;
    let mut supplier_org_id = match (caller.role, for_org) {
        (Role::Supplier, Some(org)) if Some(org) != caller.supplier_org_id => {
            return Err(Error::Forbidden(
                "a supplier may only send documents for its own organisation".into(),
            ));
        }
        (Role::Supplier, _) => caller.supplier_org_id,
        (_, org) => org,
    };

    let received_at = state.clock.now();
    let parsed = parse(state, &body).await;
    let mut unattached = None;
    if let (None, Ok((summary, _))) = (supplier_org_id, &parsed) {
        match organisation_of_seller(state, caller, summary).await? {
            Ok(found) => supplier_org_id = Some(found),
            Err(finding) => unattached = Some(finding),
        }
    }
    let sender = match supplier_org_id {
        Some(org) => Sender::Organisation(org),
        None => Sender::User(caller.user_id),
    };
    let kept_whole = if body.truncated {
        0
    } else {
        body.bytes.len() as u64
    };
    let parsed = match state
        .quota
        .admit(state, &caller.tenant, sender, received_at, kept_whole)
        .await?
    {
        Ok(()) => parsed,
        Err(message) => {
            body.keep_first(state.config.limits.refused_keep_bytes);
            warn!(target: "security", tenant = %caller.tenant, ?sender, size = body.size, "daily archive quota used up");
            Err(Unread::plain(
                "quota_exceeded",
                format!("{message}; {}", body.kept_in_words()),
            ))
        }
    };
    let sender_key = parsed
        .as_ref()
        .ok()
        .map(|(summary, _)| supplier_key(supplier_org_id, caller, summary));
    let correction_numbers = match &parsed {
        Ok((summary, _)) if summary.kind == cie_domain::DocumentKind::Invoice => {
            Some(workflow::numbers_a_correction_names(summary))
        }
        _ => None,
    };
    let reads = state
        .store
        .intake_reads(
            &caller.tenant,
            supplier_org_id,
            sender_key
                .as_deref()
                .zip(correction_numbers.as_deref())
                .map(|(supplier_key, numbers)| InvoiceKeys {
                    supplier_key,
                    numbers,
                }),
        )
        .await?;
    let org = reads.supplier_org;
    let mut verdict = None;
    let mut refusal_findings = Vec::new();
    let mut refusal_detail = (None, None);
    let mut workflow_step = None;
    let mut terms = None;
    let mut delivery = None;
    let parsed = match parsed {
        Ok((summary, doc)) => {
            let mut checked =
                validation::validate_read_for_tenant(state, &caller.tenant, org.as_ref(), doc)
                    .await?;
            if let Some(finding) = unattached {
                checked.findings.push(finding);
                checked.rule_sets.push(INTAKE_RULE_SET.to_owned());
            }
            let status = if checked.is_fatal() {
                DocumentStatus::Rejected
            } else {
                DocumentStatus::Received
            };
            let record = checked.to_record();
            let delivery_date = checked.delivery_date;
            verdict = Some(checked);
            let supplier_key =
                sender_key.unwrap_or_else(|| supplier_key(supplier_org_id, caller, &summary));
            if status == DocumentStatus::Received
                && let Some(returned_document_id) = reads
                    .invoice
                    .as_ref()
                    .and_then(|invoice| invoice.returned_invoice)
            {
                workflow_step = Some(WorkflowStep::Corrects {
                    returned_document_id,
                    received_on: cie_workflow::japan_day(received_at),
                });
            }
            if let Some(invoice) = &reads.invoice {
                terms = Some(workflow::terms_in_force(
                    &invoice.settings,
                    &invoice.terms,
                    &summary,
                ));
                let named = |kind| {
                    summary
                        .references
                        .iter()
                        .find(|r| r.kind == kind)
                        .map(|r| r.number.clone())
                };
                delivery = Some(DeliveryNotice {
                    order_number: named(cie_domain::ReferenceKind::Order),
                    note_number: named(cie_domain::ReferenceKind::Despatch),
                    stated_on: delivery_date,
                });
            }
            Parsed::Document {
                number_key: Some(cie_matching::number_key(&summary.number)),
                supplier_key,
                summary: Box::new(summary),
                status,
                validation: Some(record),
            }
        }
        Err(unread) => {
            // Still refused (no number or date, no workflow), but checked as the official validator would.
            if unread.field_error {
                refusal_findings = validation::validate_for_tenant(
                    state,
                    &caller.tenant,
                    org.as_ref(),
                    body.bytes.clone(),
                )
                .await?
                .findings;
            }
            refusal_detail = (unread.message_ja, unread.location);
            Parsed::Rejected {
                code: unread.code,
                message: unread.message,
            }
        }
    };
    let submission = NewSubmission {
        tenant: caller.tenant.clone(),
        received_at,
        submitter_id: caller.user_id,
        supplier_org_id,
        size_bytes: i64::try_from(body.size).unwrap_or(i64::MAX),
        truncated: body.truncated,
        // The rules' DOM shared the bytes and is gone: no copy.
        content: Vec::from(body.bytes),
        parsed: parsed.clone(),
        outbound: false,
        workflow: workflow_step,
        terms,
        delivery,
    };
    match state.store.submit(submission).await? {
        SubmissionOutcome::Accepted {
            document,
            archive_seq,
            duplicates,
            named_documents_received,
        } => {
            let mut verdict = verdict.unwrap_or_default();
            if duplicates.any() {
                record_duplicates(state, &document, &duplicates, &mut verdict).await?;
            }
            let kind = document.summary.kind.to_string();
            if document.status == DocumentStatus::Rejected {
                state.metrics.count_intake(&kind, IntakeOutcome::Rejected);
                info!(tenant = %caller.tenant, document_id = document.id, archive_seq,
                      fatal = verdict.count(cie_domain::Severity::Fatal), "document rejected by the rules");
                return Err(Error::DocumentInvalid {
                    archive_seq,
                    document_id: document.id,
                    findings: verdict.findings,
                });
            }
            if named_documents_received
                && let Err(error) = crate::linking::match_on_arrival(state, &document).await
            {
                warn!(tenant = %caller.tenant, document_id = document.id, %error,
                      "the invoice is archived but its lines could not be matched now");
            }
            state.metrics.count_intake(&kind, IntakeOutcome::Accepted);
            info!(tenant = %caller.tenant, document_id = document.id, kind = %document.summary.kind,
                  version = document.version, "document received");
            Ok(Received::Created(*document, verdict))
        }
        SubmissionOutcome::AlreadyStored { document } => {
            state.metrics.count_intake(
                &document.summary.kind.to_string(),
                IntakeOutcome::AlreadyReceived,
            );
            Ok(Received::AlreadyReceived(*document))
        }
        SubmissionOutcome::StateChanged { .. } => Err(Error::Internal(anyhow::anyhow!(
            "intake of a supplier document was refused as a workflow step"
        ))),
        SubmissionOutcome::Rejected { archive_seq } => {
            let (code, message, kind) = match parsed {
                Parsed::Rejected { code, message } => (code, message, "unknown".to_owned()),
                Parsed::Document { summary, .. } => (
                    "storage_error".to_owned(),
                    "the document could not be recorded; its bytes are archived".to_owned(),
                    summary.kind.to_string(),
                ),
            };
            state.metrics.count_intake(&kind, IntakeOutcome::Refused);
            info!(tenant = %caller.tenant, archive_seq, code, "submission rejected and archived");
            let (message_ja, location) = refusal_detail;
            Err(Error::DocumentRejected {
                code,
                message,
                archive_seq,
                detail: Box::new(crate::error::RefusalDetail {
                    message_ja,
                    location,
                    findings: refusal_findings,
                }),
            })
        }
    }
}

/// The rule set of intake's own findings.
const INTAKE_RULE_SET: &str = "cie-intake 1";

/// The supplier organisation a document filed by city staff without one belongs to: the one registered
/// with the seller's 登録番号, when exactly one is. Otherwise the finding that says why the document is
/// attached to no organisation, and how to attach it.
async fn organisation_of_seller(
    state: &AppState,
    caller: &Caller,
    summary: &Summary,
) -> Result<Result<i64, cie_domain::Finding>, Error> {
    let assign = "POST /api/v1/documents/{id}/supplier-org";
    let (ja, en) = match summary.supplier.registration_number.as_deref() {
        Some(number) => {
            let orgs = state
                .store
                .supplier_orgs_with_registration_number(&caller.tenant, number)
                .await?;
            match orgs.as_slice() {
                [only] => return Ok(Ok(only.id)),
                [] => (
                    format!(
                        "登録番号 {number} で登録された事業者が市にないため、この書類はどの事業者にも属しません。{assign} で割り当ててください。"
                    ),
                    format!(
                        "No supplier organisation of the city is registered with {number}: the document belongs \
                         to none, so its supplier does not see it. Assign it with {assign}."
                    ),
                ),
                several => {
                    let ids: Vec<String> = several.iter().map(|o| o.id.to_string()).collect();
                    (
                        format!(
                            "登録番号 {number} で登録された事業者が複数（{}）あるため、この書類はどの事業者にも属しません。{assign} で割り当ててください。",
                            ids.join("、")
                        ),
                        format!(
                            "Several supplier organisations ({}) are registered with {number}: the document \
                             belongs to none until one is assigned with {assign}.",
                            ids.join(", ")
                        ),
                    )
                }
            }
        }
        None => (
            format!(
                "売り手の登録番号がないため、この書類の事業者を特定できません。{assign} で割り当ててください。"
            ),
            format!(
                "The seller gives no registration number, so the document's supplier organisation is not \
                 known: assign it with {assign}."
            ),
        ),
    };
    Ok(Err(cie_domain::Finding {
        rule_id: "cie-intake-01".to_owned(),
        severity: cie_domain::Severity::Warning,
        location: cie_domain::Location {
            path: format!("/{}", summary.kind.root_element()),
            line: 0,
            column: 0,
        },
        message_ja: ja,
        message_en: en,
        rule_set: INTAKE_RULE_SET.to_owned(),
    }))
}

/// Adds the duplicate warnings to the verdict and records it as the document's newest validation.
async fn record_duplicates(
    state: &AppState,
    document: &DocumentRecord,
    duplicates: &DuplicateHints,
    verdict: &mut Verdict,
) -> Result<(), Error> {
    let earlier = cie_rules::duplicates::EarlierDocuments {
        same_number: duplicates.same_number,
        same_content: duplicates.same_content,
        number_variant: duplicates
            .number_variant
            .as_ref()
            .map(|(id, number)| (*id, number.as_str())),
    };
    let found = cie_rules::duplicates::findings(
        document.summary.kind.root_element(),
        &document.summary.number,
        &earlier,
    );
    verdict.findings.extend(found);
    verdict
        .rule_sets
        .push(cie_rules::duplicates::RULE_SET.to_owned());
    state
        .store
        .record_validation(
            &document.tenant,
            document.id,
            document.received_at,
            &verdict.to_record(),
        )
        .await?;
    Ok(())
}

/// Why a body could not be read into a summary.
struct Unread {
    /// The stable code.
    code: String,
    /// What is wrong, in English.
    message: String,
    /// The same in Japanese, when the reader said it.
    message_ja: Option<String>,
    /// Where, as far as the reader knows.
    location: Option<cie_domain::Location>,
    /// Whether only a field the summary needs is wrong, so that the rules can still run on the document.
    field_error: bool,
}

impl Unread {
    fn plain(code: &str, message: String) -> Self {
        Self {
            code: code.to_owned(),
            message,
            message_ja: None,
            location: None,
            field_error: false,
        }
    }
}

impl From<UblError> for Unread {
    fn from(error: UblError) -> Self {
        let detail = crate::error::RefusalDetail::of_reader(&error);
        Self {
            code: error.code().to_owned(),
            message: error.to_string(),
            message_ja: detail.message_ja,
            location: detail.location,
            field_error: error.is_field_error(),
        }
    }
}

/// The summary of `body` and the parsed document the rules then check, or why it cannot be read.
async fn parse(state: &AppState, body: &ReceivedBody) -> Result<(Summary, Document), Unread> {
    let limits = cie_ubl::Limits {
        max_bytes: state.config.limits.max_document_bytes,
        max_depth: state.config.limits.max_depth,
        max_attributes: state.config.limits.max_attributes,
    };
    if body.truncated {
        let code = UblError::TooLarge {
            size: usize::try_from(body.size).unwrap_or(usize::MAX),
            limit: limits.max_bytes,
        }
        .code();
        return Err(Unread::plain(
            code,
            format!(
                "the document is {}, more than the {} bytes accepted; {}",
                body.size_in_words(),
                limits.max_bytes,
                body.kept_in_words()
            ),
        ));
    }
    let bytes = body.bytes.clone();
    let result = if bytes.len() <= INLINE_PARSE_BYTES {
        cie_ubl::read_shared(bytes, &limits)
    } else {
        match crate::cpu::run(state.config.limits.cpu_work_nice, move || {
            cie_ubl::read_shared(bytes, &limits)
        })
        .await
        {
            Ok(result) => result,
            Err(join) => {
                return Err(Unread::plain(
                    "internal_error",
                    format!("reading the document failed unexpectedly: {join}"),
                ));
            }
        }
    };
    result.map_err(Unread::from)
}

/// Who counts as "the same supplier" for versions and duplicate flags: the organisation when known,
/// else the identity the document gives its supplier, else the sending user.
fn supplier_key(supplier_org_id: Option<i64>, caller: &Caller, summary: &Summary) -> String {
    if let Some(org) = supplier_org_id {
        return format!("org:{org}");
    }
    let supplier = &summary.supplier;
    if let Some(number) = &supplier.registration_number {
        format!("regno:{number}")
    } else if let (Some(scheme), Some(id)) = (&supplier.endpoint_scheme, &supplier.endpoint_id) {
        format!("endpoint:{scheme}:{id}")
    } else if let Some(name) = &supplier.name {
        format!("name:{name}")
    } else {
        format!("user:{}", caller.user_id)
    }
}

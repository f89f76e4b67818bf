//! Links between procurement documents and their line matching: which orders, responses, delivery notes
//! (納品書) and invoices refer to which (by the numbers their references give, within the supplier's
//! documents), and the 2- or 3-way match of their lines with every difference named.

use cie_domain::{DocumentKind, ReferenceKind, Role, TenantId};
use cie_matching::{LineSet, MatchReport};
use cie_store::DocumentRecord;
use serde::Serialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;

/// A document as a link names it.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedDocument {
    /// Document id.
    pub id: i64,
    /// Kind.
    pub kind: DocumentKind,
    /// Number.
    pub number: String,
    /// Issue date.
    pub issue_date: chrono::NaiveDate,
    /// Whether the city issued it.
    pub issued_by_city: bool,
}

/// One reference a document makes, and the documents it resolves to.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedReference {
    /// What kind of document is referred to.
    pub kind: ReferenceKind,
    /// The number given.
    pub number: String,
    /// The documents with that number (several versions possible; none when not received).
    pub documents: Vec<LinkedDocument>,
}

/// A document's links in both directions.
#[derive(Debug, Clone, Serialize)]
pub struct Links {
    /// The document.
    pub document: LinkedDocument,
    /// What it refers to.
    pub references: Vec<ResolvedReference>,
    /// What refers to it.
    pub referenced_by: Vec<LinkedDocument>,
}

fn kinds_for(reference: ReferenceKind) -> &'static [DocumentKind] {
    match reference {
        ReferenceKind::Order => &[DocumentKind::Order],
        ReferenceKind::Despatch => &[DocumentKind::DespatchAdvice],
        ReferenceKind::Receipt => &[DocumentKind::ReceiptAdvice],
        ReferenceKind::Invoice => &[DocumentKind::Invoice, DocumentKind::CreditNote],
        ReferenceKind::Quotation => &[DocumentKind::Quotation],
        ReferenceKind::RequestForQuotation => &[DocumentKind::RequestForQuotation],
        ReferenceKind::Contract => &[],
    }
}

fn linked(record: &DocumentRecord) -> LinkedDocument {
    LinkedDocument {
        id: record.id,
        kind: record.summary.kind,
        number: record.summary.number.clone(),
        issue_date: record.summary.issue_date,
        issued_by_city: record.outbound,
    }
}

fn refers_to(candidate: &DocumentRecord, target: &DocumentRecord) -> bool {
    candidate.id != target.id
        && candidate.summary.references.iter().any(|r| {
            r.number == target.summary.number && kinds_for(r.kind).contains(&target.summary.kind)
        })
}

async fn load(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<(DocumentRecord, Vec<DocumentRecord>), Error> {
    caller.require(&[
        Role::Supplier,
        Role::Staff,
        Role::Approver,
        Role::Finance,
        Role::Admin,
    ])?;
    let document = state
        .store
        .document(&caller.tenant, id, caller.confined_to_org())
        .await?;
    let mut numbers: Vec<&str> = vec![document.summary.number.as_str()];
    numbers.extend(
        document
            .summary
            .references
            .iter()
            .map(|r| r.number.as_str()),
    );
    numbers.sort_unstable();
    numbers.dedup();
    let related = state
        .store
        .related_documents(
            &caller.tenant,
            document.supplier_org_id,
            &numbers,
            &document.summary.number,
        )
        .await?;
    Ok((document, related))
}

/// The links of document `id` in both directions, within its supplier's documents.
pub async fn links(state: &AppState, caller: &Caller, id: i64) -> Result<Links, Error> {
    let (document, related) = load(state, caller, id).await?;
    let references = document
        .summary
        .references
        .iter()
        .map(|r| ResolvedReference {
            kind: r.kind,
            number: r.number.clone(),
            documents: related
                .iter()
                .filter(|d| {
                    d.summary.number == r.number && kinds_for(r.kind).contains(&d.summary.kind)
                })
                .map(linked)
                .collect(),
        })
        .collect();
    let referenced_by = related
        .iter()
        .filter(|d| refers_to(d, &document))
        .map(linked)
        .collect();
    Ok(Links {
        document: linked(&document),
        references,
        referenced_by,
    })
}

async fn lines_of(
    state: &AppState,
    tenant: &TenantId,
    record: &DocumentRecord,
) -> Result<LineSet, Error> {
    let (_, bytes) = state
        .store
        .archived_content(tenant, record.archive_seq, None)
        .await?;
    LineSet::parse(&bytes).map_err(|e| {
        Error::invalid(
            "lines_unreadable",
            format!(
                "the lines of {} {} cannot be read: {e}",
                record.summary.kind, record.summary.number
            ),
        )
    })
}

/// The newest version of each document of `kind` numbered one of `numbers`, in the order of `numbers`.
fn newest<'a>(
    related: &'a [DocumentRecord],
    kind: DocumentKind,
    numbers: &[String],
) -> Vec<&'a DocumentRecord> {
    let mut found: Vec<&DocumentRecord> = Vec::new();
    for number in numbers {
        if let Some(latest) = related
            .iter()
            .filter(|d| d.summary.kind == kind && &d.summary.number == number)
            .max_by_key(|d| d.version)
            && !found.iter().any(|f| f.id == latest.id)
        {
            found.push(latest);
        }
    }
    found
}

/// The supplier's documents of `kind` numbered one of `numbers`.
async fn numbered(
    state: &AppState,
    document: &DocumentRecord,
    kind: DocumentKind,
    numbers: &[String],
) -> Result<Vec<DocumentRecord>, Error> {
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    Ok(state
        .store
        .documents_numbered(
            &document.tenant,
            document.supplier_org_id,
            &[kind],
            &numbers,
        )
        .await?)
}

fn push_new(numbers: &mut Vec<String>, more: &[String]) {
    for number in more {
        if !numbers.contains(number) {
            numbers.push(number.clone());
        }
    }
}

/// The line match of document `id`: an invoice against its order and the delivery notes it covers (3-way;
/// the order found from the invoice or from its delivery notes), a delivery note or an order response against
/// its order, an order against everything received for it (its order response and delivery notes). For an
/// invoice, the result is also recorded on its case for the inbox.
pub async fn matching(state: &AppState, caller: &Caller, id: i64) -> Result<MatchReport, Error> {
    caller.require(&[
        Role::Supplier,
        Role::Staff,
        Role::Approver,
        Role::Finance,
        Role::Admin,
    ])?;
    let document = state
        .store
        .document(&caller.tenant, id, caller.confined_to_org())
        .await?;
    let report = match_document(state, &document).await;
    if document.summary.kind == DocumentKind::Invoice {
        state
            .store
            .set_match_status(&document.tenant, document.id, match_status(&report))
            .await?;
    }
    report
}

/// What a match result is called on an invoice's case: `matched`, `differences`, `no_order` (nothing to
/// match against) or `unreadable`.
fn match_status(report: &Result<MatchReport, Error>) -> &'static str {
    match report {
        Ok(report) if report.matched => "matched",
        Ok(_) => "differences",
        Err(Error::NotFound(_)) => "no_order",
        Err(Error::InvalidRequest { code, .. }) if *code == "no_order_reference" => "no_order",
        Err(_) => "unreadable",
    }
}

/// Matches a newly received invoice whose order or delivery note is here (the archive writer's look-up
/// said so) and records the result on its case.
pub async fn match_on_arrival(state: &AppState, document: &DocumentRecord) -> Result<(), Error> {
    if document.summary.kind != DocumentKind::Invoice {
        return Ok(());
    }
    let report = match_document(state, document).await;
    state
        .store
        .set_match_status(&document.tenant, document.id, match_status(&report))
        .await?;
    Ok(())
}

async fn match_document(state: &AppState, document: &DocumentRecord) -> Result<MatchReport, Error> {
    let tenant = &document.tenant;
    let own = lines_of(state, tenant, document).await?;
    let kind = document.summary.kind;
    let mut despatches = Vec::new();
    let mut response = None;
    let mut order_numbers = if kind == DocumentKind::Order {
        vec![document.summary.number.clone()]
    } else {
        own.order_references.clone()
    };
    if kind == DocumentKind::Invoice {
        let mut despatch_numbers = own.despatch_references.clone();
        for line in &own.lines {
            push_new(&mut despatch_numbers, &line.document_references);
        }
        let notes = numbered(
            state,
            document,
            DocumentKind::DespatchAdvice,
            &despatch_numbers,
        )
        .await?;
        for record in newest(&notes, DocumentKind::DespatchAdvice, &despatch_numbers) {
            let lines = lines_of(state, tenant, record).await?;
            push_new(&mut order_numbers, &lines.order_references);
            despatches.push(lines);
        }
    }
    if kind == DocumentKind::Order {
        let mentioning = state
            .store
            .related_documents(
                tenant,
                document.supplier_org_id,
                &[document.summary.number.as_str()],
                &document.summary.number,
            )
            .await?;
        for record in mentioning
            .iter()
            .filter(|d| d.summary.kind == DocumentKind::DespatchAdvice && refers_to(d, document))
        {
            despatches.push(lines_of(state, tenant, record).await?);
        }
        if let Some(answer) = mentioning
            .iter()
            .filter(|d| d.summary.kind == DocumentKind::OrderResponse && refers_to(d, document))
            .max_by_key(|d| d.id)
        {
            response = Some(lines_of(state, tenant, answer).await?);
        }
    }
    if order_numbers.is_empty() {
        return Err(Error::invalid(
            "no_order_reference",
            format!(
                "{} {} names no order, nor do its delivery notes, so there is nothing to match against",
                document.summary.kind, document.summary.number
            ),
        ));
    }
    let orders = if kind == DocumentKind::Order {
        vec![document.clone()]
    } else {
        numbered(state, document, DocumentKind::Order, &order_numbers).await?
    };
    let Some(order) = newest(&orders, DocumentKind::Order, &order_numbers)
        .first()
        .copied()
    else {
        return Err(Error::NotFound(format!(
            "order {} (referred to by {} {})",
            order_numbers.join(", "),
            document.summary.kind,
            document.summary.number
        )));
    };
    let order_lines = if order.id == document.id {
        own.clone()
    } else {
        lines_of(state, tenant, order).await?
    };
    let report = match kind {
        DocumentKind::Invoice => {
            cie_matching::order_with(&order_lines, None, &despatches, Some(&own))
        }
        DocumentKind::DespatchAdvice => {
            cie_matching::order_and_despatches(&order_lines, std::slice::from_ref(&own))
        }
        DocumentKind::OrderResponse => cie_matching::order_and_response(&order_lines, &own),
        DocumentKind::Order => {
            cie_matching::order_with(&order_lines, response.as_ref(), &despatches, None)
        }
        other => {
            return Err(Error::invalid(
                "not_matchable",
                format!(
                    "a {other} has no lines to match; match an invoice, delivery note, order response or order"
                ),
            ));
        }
    };
    report.map_err(|e| Error::invalid("not_matchable", e.to_string()))
}

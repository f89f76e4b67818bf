//! Links between procurement documents and their line matching: which orders, responses, delivery notes
//! (納品書) and invoices refer to which (by the numbers their references give, within the supplier's
//! documents), and the 2- or 3-way match of their lines with every difference named.

use cie_domain::{DocumentKind, ReferenceKind, Role};
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
        .related_documents(&caller.tenant, document.supplier_org_id, &numbers)
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
    caller: &Caller,
    record: &DocumentRecord,
) -> Result<LineSet, Error> {
    let (_, bytes) = state
        .store
        .archived_content(&caller.tenant, record.archive_seq, None)
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

/// Documents of the supplier numbered one of `numbers`, added to `related` when not there yet.
async fn add_related(
    state: &AppState,
    caller: &Caller,
    supplier_org_id: Option<i64>,
    numbers: &[String],
    related: &mut Vec<DocumentRecord>,
) -> Result<(), Error> {
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    if numbers.is_empty() {
        return Ok(());
    }
    for extra in state
        .store
        .related_documents(&caller.tenant, supplier_org_id, &numbers)
        .await?
    {
        if !related.iter().any(|r| r.id == extra.id) {
            related.push(extra);
        }
    }
    Ok(())
}

/// The line match of document `id`: an invoice against its order and the delivery notes it covers (3-way;
/// the order found from the invoice or from its delivery notes), a delivery note or an order against the
/// order (and its delivery notes), an order response against its order.
pub async fn matching(state: &AppState, caller: &Caller, id: i64) -> Result<MatchReport, Error> {
    let (document, mut related) = load(state, caller, id).await?;
    let org = document.supplier_org_id;
    let own = lines_of(state, caller, &document).await?;
    let mut despatches = Vec::new();
    let mut order_numbers = if document.summary.kind == DocumentKind::Order {
        vec![document.summary.number.clone()]
    } else {
        own.order_references.clone()
    };
    if document.summary.kind == DocumentKind::Invoice {
        let mut despatch_numbers = own.despatch_references.clone();
        for line in &own.lines {
            for reference in &line.document_references {
                if !despatch_numbers.contains(reference) {
                    despatch_numbers.push(reference.clone());
                }
            }
        }
        add_related(state, caller, org, &despatch_numbers, &mut related).await?;
        for record in newest(&related, DocumentKind::DespatchAdvice, &despatch_numbers) {
            let lines = lines_of(state, caller, record).await?;
            for order in &lines.order_references {
                if !order_numbers.contains(order) {
                    order_numbers.push(order.clone());
                }
            }
            despatches.push(lines);
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
    add_related(state, caller, org, &order_numbers, &mut related).await?;
    let orders = newest(&related, DocumentKind::Order, &order_numbers);
    let Some(order) = orders.first() else {
        return Err(Error::NotFound(format!(
            "order {} (referred to by {} {})",
            order_numbers.join(", "),
            document.summary.kind,
            document.summary.number
        )));
    };
    let order_lines = lines_of(state, caller, order).await?;
    let report = match document.summary.kind {
        DocumentKind::Invoice if despatches.is_empty() => {
            cie_matching::order_and_invoice(&order_lines, &own)
        }
        DocumentKind::Invoice => cie_matching::three_way(&order_lines, &despatches, &own),
        DocumentKind::DespatchAdvice => {
            cie_matching::order_and_despatches(&order_lines, std::slice::from_ref(&own))
        }
        DocumentKind::OrderResponse => cie_matching::order_and_response(&order_lines, &own),
        DocumentKind::Order => {
            for record in related.iter().filter(|d| {
                d.summary.kind == DocumentKind::DespatchAdvice && refers_to(d, &document)
            }) {
                despatches.push(lines_of(state, caller, record).await?);
            }
            cie_matching::order_and_despatches(&order_lines, &despatches)
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

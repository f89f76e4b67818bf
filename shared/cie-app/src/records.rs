//! Finding documents and submissions again: the 電子帳簿保存法 search (transaction date, amount and
//! counterparty, ranges, any combination), summaries, and the original bytes, within what the caller may see.

use chrono::{DateTime, NaiveDate, Utc};
use cie_domain::{DocumentKind, DocumentStatus, Role, Summary};
use cie_store::{
    ArchiveEntry, Counterparty, DocumentQuery, DocumentRecord, DocumentSort, SubmissionQuery,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;

/// Search criteria as sent in a query string. All optional; given ones are combined with AND.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentSearch {
    /// Transaction (issue) date from, inclusive, `YYYY-MM-DD`.
    pub date_from: Option<NaiveDate>,
    /// Transaction (issue) date to, inclusive.
    pub date_to: Option<NaiveDate>,
    /// Transaction amount at least (decimal).
    pub amount_min: Option<String>,
    /// Transaction amount at most (decimal).
    pub amount_max: Option<String>,
    /// Counterparty: part of a party name, or a 登録番号.
    pub counterparty: Option<String>,
    /// Supplier organisation id.
    pub supplier_org: Option<i64>,
    /// Document kind (`invoice`, `order`, …).
    pub kind: Option<String>,
    /// Status (`received`, `rejected`).
    pub status: Option<String>,
    /// Document number, exactly.
    pub number: Option<String>,
    /// `issue_date`, `amount`, `received_at` or `number`; a leading `-` sorts descending.
    pub sort: Option<String>,
    /// Page, from 1.
    pub page: Option<i64>,
    /// Results per page (1 to 500, default 50).
    pub per_page: Option<i64>,
}

/// A document as the API shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct DocumentView {
    /// Id within the tenant.
    pub id: i64,
    /// Archive entry with the original bytes.
    pub archive_seq: i64,
    /// Kind.
    pub kind: DocumentKind,
    /// Document number.
    pub number: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Status at intake: received, or rejected for fatal findings.
    pub status: DocumentStatus,
    /// Where a received invoice stands in the workflow (received, under inspection, …, paid); in search
    /// results.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub workflow_state: Option<cie_workflow::InvoiceState>,
    /// Supplier organisation.
    pub supplier_org_id: Option<i64>,
    /// Whether the amount range of a search finds this document: only amounts in yen are searched, so a
    /// document in another currency (or without an amount) is found by its other criteria alone.
    pub searched_by_amount: bool,
    /// Version of this supplier's number (1, 2, …).
    pub version: i64,
    /// The version it follows.
    pub previous_version_id: Option<i64>,
    /// Whether the supplier sent this number before with other content.
    pub possible_duplicate: bool,
    /// SHA-256 of the original bytes.
    pub content_sha256: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Who sent it.
    pub submitter_id: i64,
    /// The extracted summary.
    pub summary: Summary,
    /// The rules' verdict (on single documents; not in search results).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub validation: Option<ValidationView>,
}

/// The rules' verdict on a document, as the API shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ValidationView {
    /// Rule sets applied.
    pub rule_sets: Vec<String>,
    /// Whether no finding is fatal or an error.
    pub passed: bool,
    /// Every finding, worst first.
    pub findings: Vec<cie_domain::Finding>,
    /// What the NTA registry said about the seller's 登録番号, with its data date.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub registry: Option<serde_json::Value>,
}

impl ValidationView {
    fn new(
        rule_sets: Vec<String>,
        findings: Vec<cie_domain::Finding>,
        registry: Option<serde_json::Value>,
    ) -> Self {
        let passed = !findings.iter().any(|f| {
            matches!(
                f.severity,
                cie_domain::Severity::Fatal | cie_domain::Severity::Error
            )
        });
        Self {
            rule_sets,
            passed,
            findings,
            registry,
        }
    }
}

impl From<&crate::validation::Verdict> for ValidationView {
    fn from(verdict: &crate::validation::Verdict) -> Self {
        ValidationView::new(
            verdict.rule_sets.clone(),
            verdict.findings.clone(),
            verdict
                .registry
                .as_ref()
                .and_then(|r| serde_json::to_value(r).ok()),
        )
    }
}

impl From<cie_store::Validation> for ValidationView {
    fn from(validation: cie_store::Validation) -> Self {
        ValidationView::new(
            validation.rule_sets,
            validation.findings,
            validation.registry,
        )
    }
}

impl From<DocumentRecord> for DocumentView {
    fn from(record: DocumentRecord) -> Self {
        Self {
            id: record.id,
            archive_seq: record.archive_seq,
            kind: record.summary.kind,
            number: record.summary.number.clone(),
            issue_date: record.summary.issue_date,
            status: record.status,
            workflow_state: None,
            supplier_org_id: record.supplier_org_id,
            searched_by_amount: record.summary.search_amount_yen().is_some(),
            version: record.version,
            previous_version_id: record.previous_version_id,
            possible_duplicate: record.possible_duplicate,
            content_sha256: record.content_sha256,
            received_at: record.received_at,
            submitter_id: record.submitter_id,
            summary: record.summary,
            validation: None,
        }
    }
}

/// An archived submission as the API shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct SubmissionView {
    /// Archive sequence number within the tenant.
    pub seq: i64,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Who sent it.
    pub submitter_id: i64,
    /// Supplier organisation.
    pub supplier_org_id: Option<i64>,
    /// `accepted` or `rejected`.
    pub outcome: String,
    /// Why it was rejected.
    pub error_code: Option<String>,
    /// What was wrong.
    pub error_message: Option<String>,
    /// SHA-256 of the stored bytes.
    pub content_sha256: String,
    /// Bytes received.
    pub size_bytes: i64,
    /// Whether only the first part was kept.
    pub truncated: bool,
    /// Chain hash of this entry.
    pub entry_hash: String,
}

impl From<ArchiveEntry> for SubmissionView {
    fn from(entry: ArchiveEntry) -> Self {
        Self {
            seq: entry.seq,
            received_at: entry.received_at,
            submitter_id: entry.submitter_id,
            supplier_org_id: entry.supplier_org_id,
            outcome: entry.outcome,
            error_code: entry.error_code,
            error_message: entry.error_message,
            content_sha256: entry.content_sha256,
            size_bytes: entry.size_bytes,
            truncated: entry.truncated,
            entry_hash: entry.entry_hash,
        }
    }
}

/// One page of results.
#[derive(Debug, Serialize, Deserialize)]
pub struct PageView<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// Matches in all, counted up to 10,000.
    pub total: i64,
    /// Whether `total` is exact; when not, more than 10,000 documents match (narrow the search).
    pub total_exact: bool,
    /// This page, from 1.
    pub page: i64,
    /// Page size.
    pub per_page: i64,
}

fn paging(page: Option<i64>, per_page: Option<i64>) -> Result<(i64, i64), Error> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(50);
    if page < 1 {
        return Err(Error::invalid("invalid_query", "page starts at 1"));
    }
    if !(1..=500).contains(&per_page) {
        return Err(Error::invalid(
            "invalid_query",
            "per_page must be between 1 and 500",
        ));
    }
    Ok((page, per_page))
}

pub(crate) fn amount_key(raw: Option<&str>, name: &str) -> Result<Option<i64>, Error> {
    raw.map(|raw| {
        let value: Decimal = raw.trim().parse().map_err(|_| {
            Error::invalid(
                "invalid_query",
                format!("{name} must be a decimal number, not {raw:?}"),
            )
        })?;
        cie_domain::money::scaled_search_key(value)
            .ok_or_else(|| Error::invalid("invalid_query", format!("{name} is out of range")))
    })
    .transpose()
}

/// Searches the caller's visible documents.
pub async fn search_documents(
    state: &AppState,
    caller: &Caller,
    search: DocumentSearch,
) -> Result<PageView<DocumentView>, Error> {
    let (page, per_page) = paging(search.page, search.per_page)?;
    let confined = caller.confined_to_org();
    if let (Some(own), Some(asked)) = (confined, search.supplier_org)
        && own != asked
    {
        return Err(Error::Forbidden(
            "a supplier sees only its own organisation's documents".into(),
        ));
    }
    if let (Some(from), Some(to)) = (search.date_from, search.date_to)
        && from > to
    {
        return Err(Error::invalid(
            "invalid_query",
            "date_from is after date_to",
        ));
    }
    let raw_sort = search.sort.as_deref().unwrap_or("issue_date");
    let (descending, sort_name) = match raw_sort.strip_prefix('-') {
        Some(name) => (true, name),
        None => (false, raw_sort),
    };
    let sort = match sort_name {
        "issue_date" => DocumentSort::IssueDate,
        "amount" => DocumentSort::Amount,
        "received_at" => DocumentSort::ReceivedAt,
        "number" => DocumentSort::Number,
        other => {
            return Err(Error::invalid(
                "invalid_query",
                format!("sort {other:?} is not one of issue_date, amount, received_at, number"),
            ));
        }
    };
    let kind = search
        .kind
        .as_deref()
        .map(str::parse::<DocumentKind>)
        .transpose()
        .map_err(|e| Error::invalid("invalid_query", e))?;
    let status = search
        .status
        .as_deref()
        .map(str::parse::<DocumentStatus>)
        .transpose()
        .map_err(|e| Error::invalid("invalid_query", e))?;
    let query = DocumentQuery {
        supplier_org_id: confined.or(search.supplier_org),
        issue_date_from: search.date_from,
        issue_date_to: search.date_to,
        amount_min_scaled: amount_key(search.amount_min.as_deref(), "amount_min")?,
        amount_max_scaled: amount_key(search.amount_max.as_deref(), "amount_max")?,
        counterparty: match search.counterparty.as_deref().map(str::trim) {
            Some(typed) if !typed.is_empty() => {
                Some(resolve_counterparty(state, &caller.tenant, typed).await?)
            }
            _ => None,
        },
        kind,
        status,
        number: search.number,
        sort,
        descending,
        limit: per_page,
        offset: (page - 1) * per_page,
    };
    let found = state.store.search_documents(&caller.tenant, &query).await?;
    Ok(PageView {
        items: found
            .items
            .into_iter()
            .map(|hit| DocumentView {
                workflow_state: hit.workflow_state,
                ..DocumentView::from(hit.document)
            })
            .collect(),
        total: found.total,
        total_exact: found.total_exact,
        page,
        per_page,
    })
}

/// Who searches the city's whole archive (電子帳簿保存法の検索) on the staff pages: the city's staff,
/// approvers and administrators. A supplier searches its own documents through [`search_documents`].
const ARCHIVE_SEARCHERS: [Role; 3] = [Role::Staff, Role::Approver, Role::Admin];

/// The 電子帳簿保存法 search of the city's whole archive (city staff): [`search_documents`] over every
/// supplier's documents.
pub async fn search_archive(
    state: &AppState,
    caller: &Caller,
    search: DocumentSearch,
) -> Result<PageView<DocumentView>, Error> {
    caller.require(&ARCHIVE_SEARCHERS)?;
    search_documents(state, caller, search).await
}

/// Every document of the city's archive matching `search`, as CSV (city staff): see
/// [`export_documents_csv`].
pub async fn export_archive_csv(
    state: &AppState,
    caller: &Caller,
    search: DocumentSearch,
) -> Result<Vec<u8>, Error> {
    caller.require(&ARCHIVE_SEARCHERS)?;
    export_documents_csv(state, caller, search).await
}

/// Most counterparty names one search may mean; a text matching more is too short to search by.
const COUNTERPARTY_NAMES: usize = 10_000;

/// What a person's counterparty text means: the supplier and buyer names of the city's documents that
/// contain it, the supplier organisations whose registered name contains it or whose 登録番号 it is, and the
/// 登録番号 it is, each compared as a person means it (spaces, width, case and the `T` aside).
pub(crate) async fn resolve_counterparty(
    state: &AppState,
    tenant: &cie_domain::TenantId,
    typed: &str,
) -> Result<Counterparty, Error> {
    use cie_matching::counterparty::{fold, name_contains, registration_number};
    let wanted = fold(typed);
    let names: Vec<String> = state
        .store
        .counterparty_names(tenant)
        .await?
        .into_iter()
        .filter(|name| name_contains(name, &wanted))
        .collect();
    if names.len() > COUNTERPARTY_NAMES {
        return Err(Error::invalid(
            "invalid_query",
            format!(
                "counterparty {typed:?} is part of more than {COUNTERPARTY_NAMES} names: type more of it"
            ),
        ));
    }
    let number = registration_number(typed);
    let supplier_org_ids = state
        .store
        .list_supplier_orgs(tenant)
        .await?
        .into_iter()
        .filter(|org| {
            name_contains(&org.name, &wanted)
                || (number.is_some() && org.registration_number == number)
        })
        .map(|org| org.id)
        .collect();
    Ok(Counterparty {
        names,
        supplier_org_ids,
        registration_number: number,
    })
}

/// One document the caller may see.
pub async fn document(state: &AppState, caller: &Caller, id: i64) -> Result<DocumentRecord, Error> {
    Ok(state
        .store
        .document(&caller.tenant, id, caller.confined_to_org())
        .await?)
}

/// Attaches a document filed for no supplier organisation to `supplier_org_id` (city staff), so that the
/// supplier sees it, its returns and its invoice responses; audited.
pub async fn assign_supplier_org(
    state: &AppState,
    caller: &Caller,
    id: i64,
    supplier_org_id: i64,
) -> Result<DocumentView, Error> {
    caller.require(&[Role::Staff, Role::Approver, Role::Admin])?;
    let record = state
        .store
        .assign_supplier_org(
            &caller.tenant,
            id,
            supplier_org_id,
            caller.user_id,
            caller.role,
            state.clock.now(),
        )
        .await?;
    Ok(DocumentView::from(record))
}

/// One document the caller may see, with the rules' newest verdict on it.
pub async fn document_with_validation(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<DocumentView, Error> {
    let record = document(state, caller, id).await?;
    let validation = state
        .store
        .latest_validation(&caller.tenant, record.id)
        .await?;
    let mut view = DocumentView::from(record);
    view.validation = validation.map(ValidationView::from);
    Ok(view)
}

/// The original bytes of a document the caller may see.
pub async fn document_original(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Vec<u8>, Error> {
    let record = document(state, caller, id).await?;
    let (_, content) = state
        .store
        .archived_content(&caller.tenant, record.archive_seq, None)
        .await?;
    Ok(content)
}

/// Which submissions to list.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionSearch {
    /// `accepted` or `rejected`.
    pub outcome: Option<String>,
    /// Page, from 1.
    pub page: Option<i64>,
    /// Results per page.
    pub per_page: Option<i64>,
}

/// Lists the archived submissions the caller may see, newest first.
pub async fn list_submissions(
    state: &AppState,
    caller: &Caller,
    search: SubmissionSearch,
) -> Result<PageView<SubmissionView>, Error> {
    let (page, per_page) = paging(search.page, search.per_page)?;
    if let Some(outcome) = &search.outcome
        && outcome != "accepted"
        && outcome != "rejected"
    {
        return Err(Error::invalid(
            "invalid_query",
            "outcome is accepted or rejected",
        ));
    }
    let query = SubmissionQuery {
        supplier_org_id: caller.confined_to_org(),
        outcome: search.outcome,
        limit: per_page,
        offset: (page - 1) * per_page,
    };
    let found = state.store.list_submissions(&caller.tenant, &query).await?;
    Ok(PageView {
        items: found.items.into_iter().map(SubmissionView::from).collect(),
        total: found.total,
        total_exact: found.total_exact,
        page,
        per_page,
    })
}

/// One archived submission the caller may see, with its bytes.
pub async fn submission(
    state: &AppState,
    caller: &Caller,
    seq: i64,
) -> Result<(ArchiveEntry, Vec<u8>), Error> {
    Ok(state
        .store
        .archived_content(&caller.tenant, seq, caller.confined_to_org())
        .await?)
}

/// Every document matching `search` (all pages) as CSV, for a tax office's download request
/// (電子帳簿保存法 ダウンロードの求め): UTF-8 with a BOM so spreadsheet software reads the Japanese names.
pub async fn export_documents_csv(
    state: &AppState,
    caller: &Caller,
    mut search: DocumentSearch,
) -> Result<Vec<u8>, Error> {
    use cie_export::Cell;
    const PAGE: i64 = 500;
    let header = [
        "id",
        "kind",
        "number",
        "issue_date",
        "supplier_name",
        "supplier_registration_number",
        "buyer_name",
        "currency",
        "amount",
        "status",
        "version",
        "received_at",
        "content_sha256",
    ];
    let mut table =
        cie_export::CsvTable::new(header.iter().map(|h| (*h).to_owned()).collect()).with_bom(true);
    search.per_page = Some(PAGE);
    let mut page = 1;
    loop {
        search.page = Some(page);
        let found = search_documents(state, caller, search.clone()).await?;
        for document in &found.items {
            let summary = &document.summary;
            let amount = summary
                .transaction_amount()
                .map(|a| a.value.to_string())
                .unwrap_or_default();
            table.push_row(vec![
                Cell::Number(document.id.to_string()),
                Cell::Number(document.kind.to_string()),
                Cell::Text(summary.number.clone()),
                Cell::Number(summary.issue_date.to_string()),
                Cell::Text(summary.supplier.name.clone().unwrap_or_default()),
                Cell::Text(
                    summary
                        .supplier
                        .registration_number
                        .clone()
                        .unwrap_or_default(),
                ),
                Cell::Text(summary.buyer.name.clone().unwrap_or_default()),
                Cell::Text(summary.currency.clone().unwrap_or_default()),
                Cell::Number(amount),
                Cell::Number(
                    document
                        .workflow_state
                        .map_or_else(|| document.status.to_string(), |s| s.as_str().to_owned()),
                ),
                Cell::Number(document.version.to_string()),
                Cell::Number(document.received_at.to_rfc3339()),
                Cell::Number(document.content_sha256.clone()),
            ]);
        }
        if (found.items.len() as i64) < PAGE {
            break;
        }
        page += 1;
    }
    table.finish(cie_export::Encoding::Utf8).map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "the documents CSV could not be written: {e}"
        ))
    })
}

//! The finance system's side: what a payment record says of an invoice at approval (a snapshot written with
//! the step, never rewritten), the creditor registration (債権者登録: address and bank account) it is paid by.

use chrono::NaiveDate;
use cie_domain::{Role, TenantId};
use cie_store::{ApprovalChecklist, BankAccount, ExportKind, InvoiceCase, NewExport, SupplierOrg};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;

/// What a payment record keeps of an invoice, its approval and its clocks at the moment of approval.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentSnapshot {
    /// The supplier organisation paid.
    pub supplier_org_id: Option<i64>,
    /// The supplier's name as the invoice gives it.
    pub supplier_name: Option<String>,
    /// Invoice number.
    pub invoice_number: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// 受付日: the day the (first) invoice of its chain arrived.
    pub received_on: NaiveDate,
    /// 検収日.
    pub inspected_on: Option<NaiveDate>,
    /// The legal payment deadline.
    pub payment_due: NaiveDate,
    /// What the approval recorded.
    pub approval: ApprovalChecklist,
    /// Late interest owed if paid on the planned date, in yen.
    pub late_interest: Decimal,
    /// The payable amount.
    pub payable_amount: Decimal,
    /// Currency of the amounts.
    pub currency: Option<String>,
    /// Tax per category and rate: (category code, percent, taxable, tax).
    pub taxes: Vec<(String, Option<Decimal>, Option<Decimal>, Decimal)>,
    /// 登録番号 of the seller.
    pub registration_number: Option<String>,
    /// Whether the registry answered `registered` for it.
    pub registered: bool,
    /// The accounts the invoice asks payment into.
    pub payee_accounts: Vec<String>,
    /// The archive entry of the original and its SHA-256.
    pub archive_seq: i64,
    /// SHA-256 of the original bytes.
    pub sha256: String,
    /// For a cancellation: why the approval was withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal_reason: Option<String>,
}

impl PaymentSnapshot {
    /// The tax per category and rate of `summary`, as a snapshot keeps it.
    pub fn taxes_of(
        summary: &cie_domain::Summary,
    ) -> Vec<(String, Option<Decimal>, Option<Decimal>, Decimal)> {
        summary
            .tax_breakdown
            .iter()
            .map(|t| {
                (
                    t.category.clone(),
                    t.percent,
                    t.taxable.as_ref().map(|a| a.value),
                    t.tax.value,
                )
            })
            .collect()
    }
}

/// The snapshot of `case` approved with `checklist`, due `payment_due`, costing `late_interest`.
pub fn snapshot(
    case: &InvoiceCase,
    checklist: &ApprovalChecklist,
    received_on: NaiveDate,
    payment_due: NaiveDate,
    late_interest: Decimal,
) -> PaymentSnapshot {
    let summary = &case.document.summary;
    PaymentSnapshot {
        supplier_org_id: case.document.supplier_org_id,
        supplier_name: summary.supplier.name.clone(),
        invoice_number: summary.number.clone(),
        issue_date: summary.issue_date,
        received_on,
        inspected_on: case.inspected_on,
        payment_due,
        approval: checklist.clone(),
        late_interest,
        payable_amount: summary
            .totals
            .payable
            .as_ref()
            .map(|a| a.value)
            .unwrap_or_default(),
        currency: summary.currency.clone(),
        taxes: PaymentSnapshot::taxes_of(summary),
        registration_number: summary.supplier.registration_number.clone(),
        registered: case.flags.registry_status.as_deref() == Some("registered"),
        payee_accounts: summary.payee_accounts.clone(),
        archive_seq: case.document.archive_seq,
        sha256: case.document.content_sha256.clone(),
        withdrawal_reason: None,
    }
}

/// The export record a step appends: a payment for an approval, a cancellation for a withdrawal.
pub fn export_for(kind: ExportKind, snapshot: &PaymentSnapshot) -> Result<NewExport, Error> {
    Ok(NewExport {
        kind,
        snapshot: serde_json::to_value(snapshot).map_err(|e| {
            Error::Internal(anyhow::anyhow!(
                "the payment snapshot does not serialise: {e}"
            ))
        })?,
    })
}

/// Body of the creditor registration of a supplier organisation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditorRequest {
    /// 債権者番号: the city's own id of the creditor (unique in the city).
    pub creditor_number: Option<String>,
    /// The creditor's address.
    pub address: Option<String>,
    /// The account payments go to; none removes it.
    pub bank_account: Option<BankAccount>,
}

/// 預金種目 a Japanese bank account has.
pub const ACCOUNT_TYPES: [&str; 3] = ["普通", "当座", "貯蓄"];

/// Records the creditor registration (address, bank account) of organisation `org` (admin); each field is
/// checked and a wrong one named.
pub async fn register_creditor(
    state: &AppState,
    caller: &Caller,
    org: i64,
    request: CreditorRequest,
) -> Result<SupplierOrg, Error> {
    caller.require(&[Role::Admin])?;
    if let Some(account) = &request.bank_account {
        check_account(account)?;
    }
    let address = request
        .address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let creditor_number = request
        .creditor_number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    Ok(state
        .store
        .set_creditor_registration(
            &caller.tenant,
            org,
            creditor_number,
            address,
            request.bank_account.as_ref(),
        )
        .await?)
}

fn check_account(account: &BankAccount) -> Result<(), Error> {
    for (field, value, digits) in [
        ("bank_account.bank_code", &account.bank_code, 4),
        ("bank_account.branch_code", &account.branch_code, 3),
        ("bank_account.account_number", &account.account_number, 7),
    ] {
        if value.len() != digits || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(
                "invalid_bank_account",
                format!("{field} must be {digits} digits, not {value:?}"),
            ));
        }
    }
    if !ACCOUNT_TYPES.contains(&account.account_type.as_str()) {
        return Err(Error::invalid(
            "invalid_bank_account",
            format!(
                "bank_account.account_type {:?} is not one of {}",
                account.account_type,
                ACCOUNT_TYPES.join(", ")
            ),
        ));
    }
    if account.account_name_kana.trim().is_empty() {
        return Err(Error::invalid(
            "invalid_bank_account",
            "bank_account.account_name_kana is required (口座名義 in kana)",
        ));
    }
    cie_export::bank_kana(&account.account_name_kana).map_err(|e| {
        Error::invalid(
            "invalid_bank_account",
            format!(
                "bank_account.account_name_kana {:?} cannot be written in the kana bank transfers take: {e}",
                account.account_name_kana
            ),
        )
    })?;
    Ok(())
}

/// The JP PINT form of a registered account (`bank:branch:type:number`, type 1 普通, 2 当座, 4 貯蓄), as
/// an invoice's `PayeeFinancialAccount/ID` gives it.
pub fn account_id(account: &BankAccount) -> String {
    let kind = match account.account_type.as_str() {
        "当座" => "2",
        "貯蓄" => "4",
        _ => "1",
    };
    format!(
        "{}:{}:{}:{}",
        account.bank_code, account.branch_code, kind, account.account_number
    )
}

/// Whether the account an invoice names is the registered one: the same four parts when it gives them, else
/// the same account number.
pub fn same_account(named: &str, registered: &BankAccount) -> bool {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let parts: Vec<&str> = named.split(':').map(str::trim).collect();
    if parts.len() == 4 {
        let expected = account_id(registered);
        let wanted: Vec<String> = expected.split(':').map(digits).collect();
        let given: Vec<String> = parts.iter().map(|p| digits(p)).collect();
        return wanted == given;
    }
    digits(named).trim_start_matches('0') == registered.account_number.trim_start_matches('0')
}

/// The tenant a finance client pulls for.
pub fn finance_tenant(caller: &Caller) -> Result<&TenantId, Error> {
    caller.require(&[Role::Finance, Role::Admin])?;
    Ok(&caller.tenant)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> BankAccount {
        BankAccount {
            bank_code: "1234".into(),
            branch_code: "567".into(),
            account_type: "普通".into(),
            account_number: "3242394".into(),
            account_name_kana: "ｶ)ﾏﾙﾏﾙｼﾖｳｼﾞ".into(),
        }
    }

    #[test]
    fn the_invoices_account_is_compared_part_by_part() {
        assert!(same_account("1234:567:1:3242394", &account()));
        assert!(!same_account("1234:567:1:9999999", &account()));
        assert!(!same_account("9999:567:1:3242394", &account()));
        assert!(same_account("3242394", &account()));
        assert!(check_account(&account()).is_ok());
        let mut wrong = account();
        wrong.branch_code = "56".into();
        assert!(check_account(&wrong).is_err());
    }
}

/// One item of a bulk report from the finance system: a payment order or a payment of one invoice, named by
/// its document id or by its 支出負担行為番号, with the amount the finance system pays.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkItem {
    /// The invoice.
    pub document_id: Option<i64>,
    /// Or its 支出負担行為番号 (unique among the invoices that can take the step).
    pub commitment_number: Option<String>,
    /// `payment_order` or `payment` (the default).
    #[serde(default)]
    pub action: BulkAction,
    /// For a payment order: the planned payment date (the approval's when absent).
    pub payment_date: Option<NaiveDate>,
    /// For a payment: the day it was paid (today when absent).
    pub paid_on: Option<NaiveDate>,
    /// The amount paid or to pay: the payable amount, or that plus the late interest owed.
    pub amount: Decimal,
    /// For a payment order past the legal deadline.
    #[serde(default)]
    pub acknowledge_late_payment: bool,
    /// Why payment is late.
    pub late_payment_reason: Option<String>,
}

/// What a bulk item asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    /// 支出命令.
    PaymentOrder,
    /// The payment itself.
    #[default]
    Payment,
}

/// What became of one item.
#[derive(Debug, Clone, Serialize)]
pub struct BulkDone {
    /// The invoice.
    pub document_id: i64,
    /// `done`, or `unchanged` when the invoice had already taken this step with these values.
    pub outcome: &'static str,
    /// Where it stands now.
    pub state: cie_workflow::InvoiceState,
}

/// Takes each item's step as the single-invoice endpoints do (with its invoice response); an item that
/// cannot be taken is reported with why, and the others go ahead. An item already done with the same values
/// is `unchanged`, so posting a batch twice changes nothing the second time.
pub async fn bulk_steps(
    state: &AppState,
    caller: &Caller,
    items: Vec<BulkItem>,
) -> Result<Vec<Result<BulkDone, Error>>, Error> {
    caller.require(&[Role::Finance, Role::Approver])?;
    if items.len() > 10_000 {
        return Err(Error::invalid(
            "too_many_items",
            format!("at most 10,000 items per batch, not {}", items.len()),
        ));
    }
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        results.push(bulk_step(state, caller, item).await);
    }
    Ok(results)
}

async fn bulk_step(state: &AppState, caller: &Caller, item: BulkItem) -> Result<BulkDone, Error> {
    use cie_workflow::InvoiceState as S;
    let document_id = match (item.document_id, item.commitment_number.as_deref()) {
        (Some(id), _) => id,
        (None, Some(number)) => {
            let (from, to) = match item.action {
                BulkAction::PaymentOrder => (S::Approved, S::PaymentOrdered),
                BulkAction::Payment => (S::PaymentOrdered, S::Paid),
            };
            let (mut pending, mut done) = (Vec::new(), Vec::new());
            for id in state
                .store
                .invoices_with_commitment(&caller.tenant, number)
                .await?
            {
                let case = state.store.invoice_case(&caller.tenant, id, None).await?;
                if case.state == from {
                    pending.push(id);
                } else if case.state == to {
                    done.push(id);
                }
            }
            // An invoice still to take the step comes first; one that took it already answers a replay.
            let candidates = if pending.is_empty() { done } else { pending };
            match candidates.as_slice() {
                [only] => *only,
                [] => {
                    return Err(Error::NotFound(format!(
                        "an invoice with commitment number {number:?} that can be {}",
                        match item.action {
                            BulkAction::PaymentOrder => "ordered for payment",
                            BulkAction::Payment => "paid",
                        }
                    )));
                }
                several => {
                    return Err(Error::invalid(
                        "ambiguous_commitment",
                        format!(
                            "commitment number {number:?} names several invoices ({}): give document_id",
                            several
                                .iter()
                                .map(i64::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
        }
        (None, None) => {
            return Err(Error::invalid(
                "invoice_required",
                "each item needs document_id or commitment_number",
            ));
        }
    };
    let case = state
        .store
        .invoice_case(&caller.tenant, document_id, None)
        .await?;
    let payable = case
        .document
        .summary
        .totals
        .payable
        .as_ref()
        .map(|a| a.value)
        .unwrap_or_default();
    let interest = Decimal::from(case.interest_yen.unwrap_or_default());
    if item.amount != payable && item.amount != payable + interest {
        return Err(Error::invalid(
            "amount_mismatch",
            format!(
                "amount {} is not the payable amount {payable}{} of invoice {document_id}",
                item.amount,
                if interest.is_zero() {
                    String::new()
                } else {
                    format!(" (or {} with the late interest)", payable + interest)
                }
            ),
        ));
    }
    let unchanged = |state: S| {
        Ok(BulkDone {
            document_id,
            outcome: "unchanged",
            state,
        })
    };
    let step = match item.action {
        BulkAction::PaymentOrder => {
            if case.state == S::PaymentOrdered
                && item
                    .payment_date
                    .is_none_or(|d| Some(d) == case.payment_date)
            {
                return unchanged(case.state);
            }
            crate::workflow::Step::OrderPayment(crate::workflow::PaymentOrderRequest {
                payment_date: item.payment_date,
                acknowledge_late_payment: item.acknowledge_late_payment,
                late_payment_reason: item.late_payment_reason,
            })
        }
        BulkAction::Payment => {
            if case.state == S::Paid && item.paid_on.is_none_or(|d| Some(d) == case.paid_on) {
                return unchanged(case.state);
            }
            crate::workflow::Step::MarkPaid(crate::workflow::PaidRequest {
                paid_on: item.paid_on,
            })
        }
    };
    let detail = crate::workflow::act(state, caller, document_id, step).await?;
    Ok(BulkDone {
        document_id,
        outcome: "done",
        state: detail.case.state,
    })
}

/// What a pull of the payment export asks for.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    /// Only records after this cursor (the sequence of the last record of a previous page).
    pub after: Option<i64>,
    /// At most this many records (default 1,000).
    pub limit: Option<i64>,
    /// `json`, `csv` or `fixed`, instead of the city's layout's.
    pub format: Option<String>,
    /// `utf-8` or `cp932`, instead of the city's layout's.
    pub encoding: Option<String>,
}

/// A page of the payment export, written in the city's layout.
#[derive(Debug)]
pub struct Pulled {
    /// The file's media type.
    pub content_type: &'static str,
    /// The file.
    pub bytes: Vec<u8>,
    /// The sequence of the last record of the page (written or held back): what to acknowledge, and where
    /// the next page starts.
    pub cursor: Option<i64>,
    /// The records written.
    pub written: Vec<i64>,
    /// The records held back, with why.
    pub held_back: Vec<cie_export::HeldBack>,
}

/// Where a tenant's export layout lives.
pub fn layout_path(state: &AppState, tenant: &TenantId) -> std::path::PathBuf {
    state
        .config
        .exports
        .layouts_dir
        .clone()
        .unwrap_or_else(|| state.config.data_dir.join("export-layouts"))
        .join(format!("{tenant}.toml"))
}

fn layout_for(state: &AppState, tenant: &TenantId) -> Result<cie_export::Layout, Error> {
    let path = layout_path(state, tenant);
    match std::fs::read_to_string(&path) {
        Ok(text) => cie_export::Layout::parse(&text)
            .map_err(|e| Error::Internal(anyhow::anyhow!("export layout {}: {e}", path.display()))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Ok(cie_export::Layout::default_payments())
        }
        Err(error) => Err(Error::Internal(anyhow::anyhow!(
            "reading {}: {error}",
            path.display()
        ))),
    }
}

/// Pulls the next records of the caller's city's payment export (the finance system): leased to the caller,
/// written in the city's layout (or the format and encoding asked for); records that cannot be written whole
/// are held back with every problem named and come again once fixed.
pub async fn pull_payments(
    state: &AppState,
    caller: &Caller,
    query: PullQuery,
) -> Result<Pulled, Error> {
    let tenant = finance_tenant(caller)?;
    let format = query
        .format
        .as_deref()
        .map(str::parse::<cie_export::Format>)
        .transpose()
        .map_err(|e| Error::invalid("invalid_query", format!("format: {e}")))?;
    let encoding = query
        .encoding
        .as_deref()
        .map(str::parse::<cie_export::Encoding>)
        .transpose()
        .map_err(|e| Error::invalid("invalid_query", format!("encoding: {e}")))?;
    let layout = layout_for(state, tenant)?.with_overrides(format, encoding);
    let limit = query.limit.unwrap_or(1_000);
    if !(1..=100_000).contains(&limit) {
        return Err(Error::invalid(
            "invalid_query",
            format!("limit must be between 1 and 100000, not {limit}"),
        ));
    }
    let rows = state
        .store
        .pull_exports(
            tenant,
            caller.user_id,
            query.after.unwrap_or(0),
            limit,
            state.clock.now(),
            chrono::Duration::minutes(state.config.exports.lease_minutes.max(1)),
        )
        .await?;
    let mut orgs: std::collections::HashMap<i64, SupplierOrg> = std::collections::HashMap::new();
    let mut records = Vec::with_capacity(rows.len());
    for row in &rows {
        let snapshot: PaymentSnapshot = serde_json::from_str(&row.snapshot)
            .map_err(|e| Error::Internal(anyhow::anyhow!("payment snapshot {}: {e}", row.seq)))?;
        let org = match snapshot.supplier_org_id {
            Some(id) => {
                if let std::collections::hash_map::Entry::Vacant(slot) = orgs.entry(id) {
                    slot.insert(state.store.supplier_org(tenant, id).await?);
                }
                orgs.get(&id)
            }
            None => None,
        };
        records.push(payment_record(tenant, row, &snapshot, org));
    }
    let written = cie_export::write(&layout, &records);
    let held: Vec<(i64, serde_json::Value)> = written
        .held_back
        .iter()
        .map(|h| (h.sequence, serde_json::json!(h.problems)))
        .collect();
    state
        .store
        .hold_back_exports(tenant, caller.user_id, &held)
        .await?;
    Ok(Pulled {
        content_type: layout.content_type(),
        bytes: written.bytes,
        cursor: rows.last().map(|r| r.seq),
        written: written.written,
        held_back: written.held_back,
    })
}

/// Acknowledges the caller's records up to `cursor` (those written, not those held back); returns how many.
pub async fn ack_payments(state: &AppState, caller: &Caller, cursor: i64) -> Result<u64, Error> {
    let tenant = finance_tenant(caller)?;
    Ok(state
        .store
        .ack_exports(tenant, caller.user_id, cursor, state.clock.now())
        .await?)
}

fn required<T: Clone>(
    errors: &mut Vec<cie_export::FieldError>,
    field: &str,
    value: Option<&T>,
    why: &str,
) -> Option<T> {
    if value.is_none() {
        errors.push(cie_export::FieldError {
            field: field.to_owned(),
            message: format!("{field} is missing: {why}"),
        });
    }
    value.cloned()
}

/// The record of `row` for the finance system: the snapshot, the creditor's registration as it stands now,
/// and every missing or suspicious piece named in `errors` (which holds the record back).
fn payment_record(
    tenant: &TenantId,
    row: &cie_store::ExportRow,
    snapshot: &PaymentSnapshot,
    org: Option<&SupplierOrg>,
) -> cie_export::PaymentRecord {
    let approval = &snapshot.approval;
    let mut errors = Vec::new();
    let non_empty = |s: &String| (!s.trim().is_empty()).then(|| s.clone());
    let city = "record it with the approval";
    let accounting_unit = required(
        &mut errors,
        "accounting_unit",
        approval
            .accounting_unit
            .as_ref()
            .and_then(non_empty)
            .as_ref(),
        city,
    );
    let department = required(
        &mut errors,
        "department",
        approval.department.as_ref().and_then(non_empty).as_ref(),
        city,
    );
    let registration =
        "record it in the creditor registration (PUT /admin/supplier-orgs/{id}/creditor)";
    let creditor_number = required(
        &mut errors,
        "creditor_number",
        org.and_then(|o| o.creditor_number.as_ref()),
        "register the supplier organisation's 債権者番号",
    );
    let creditor_address = required(
        &mut errors,
        "creditor_address",
        org.and_then(|o| o.address.as_ref()),
        registration,
    );
    let account = org.and_then(|o| o.bank_account.as_ref());
    if org.is_none() {
        errors.push(cie_export::FieldError {
            field: "creditor".into(),
            message: "the invoice belongs to no supplier organisation: assign one (POST /documents/{id}/supplier-org)".into(),
        });
    }
    let bank = match account {
        Some(account) => {
            if let Some(other) = snapshot
                .payee_accounts
                .iter()
                .find(|named| !same_account(named, account))
            {
                errors.push(cie_export::FieldError {
                    field: "bank".into(),
                    message: format!(
                        "the invoice asks payment into account {other}, the registered account is {}: confirm the change with the supplier and update the creditor registration before paying",
                        account_id(account)
                    ),
                });
            }
            Some(cie_export::BankAccount {
                bank_code: account.bank_code.clone(),
                branch_code: account.branch_code.clone(),
                account_type: account.account_type.clone(),
                account_number: account.account_number.clone(),
                account_name_kana: account.account_name_kana.clone(),
            })
        }
        None => {
            if org.is_some() {
                errors.push(cie_export::FieldError {
                    field: "bank".into(),
                    message: format!(
                        "no bank account is registered for the creditor: {registration}"
                    ),
                });
            }
            None
        }
    };
    let taxes = snapshot
        .taxes
        .iter()
        .map(|(category, percent, taxable, tax)| cie_export::TaxLine {
            category: tax_category(category, *percent),
            percent: *percent,
            taxable: taxable.unwrap_or_default(),
            tax: *tax,
        })
        .collect();
    cie_export::PaymentRecord {
        sequence: row.seq,
        kind: match row.kind {
            ExportKind::Payment => cie_export::RecordKind::Payment,
            ExportKind::Cancellation => cie_export::RecordKind::Cancellation,
        },
        tenant: tenant.to_string(),
        accounting_unit,
        fiscal_year: i32::try_from(approval.fiscal_year).ok(),
        budget_item: non_empty(&approval.budget_item),
        department,
        commitment_number: non_empty(&approval.commitment_number),
        creditor_number,
        creditor_name: org
            .map(|o| o.name.clone())
            .or_else(|| snapshot.supplier_name.clone()),
        creditor_address,
        bank,
        invoice_number: snapshot.invoice_number.clone(),
        issue_date: snapshot.issue_date,
        received_on: snapshot.received_on,
        inspected_on: snapshot.inspected_on,
        payment_due: Some(snapshot.payment_due),
        planned_payment_date: Some(approval.payment_date),
        payment_method: Some(approval.payment_method.clone()),
        payable_amount: snapshot.payable_amount,
        late_interest: snapshot.late_interest,
        taxes,
        withholding: approval.withholding_yen.map(Decimal::from),
        registration_number: snapshot.registration_number.clone(),
        qualified: snapshot.registration_number.is_some() && snapshot.registered,
        subject: Some(
            approval
                .note
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| format!("請求書 {}", snapshot.invoice_number)),
        ),
        document_id: row.document_id,
        archive_seq: snapshot.archive_seq,
        sha256: snapshot.sha256.clone(),
        pdf_url: format!("/api/v1/documents/{}/pdf", row.document_id),
        errors,
    }
}

fn tax_category(code: &str, percent: Option<Decimal>) -> cie_export::TaxCategory {
    use cie_export::TaxCategory as T;
    match (code, percent.map(|p| p.normalize())) {
        ("S", Some(p)) if p == Decimal::from(10) => T::Standard10,
        ("S" | "AA", Some(p)) if p == Decimal::from(8) => T::Reduced8,
        ("E", _) => T::Exempt,
        ("O", _) => T::OutOfScope,
        _ => T::Other,
    }
}

/// The records of the caller's city held back at their last pull, with why.
pub async fn held_back(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<cie_export::HeldBack>, Error> {
    let tenant = finance_tenant(caller)?;
    state
        .store
        .held_back_exports(tenant)
        .await?
        .into_iter()
        .map(|(sequence, document_id, why)| {
            Ok(cie_export::HeldBack {
                sequence,
                document_id,
                problems: serde_json::from_value(why).map_err(|e| {
                    Error::Internal(anyhow::anyhow!("held-back reasons of {sequence}: {e}"))
                })?,
            })
        })
        .collect()
}

/// Who follows what the finance system has pulled: the city's staff, approvers, administrators, and the
/// finance system itself.
const EXPORT_READERS: [Role; 4] = [Role::Staff, Role::Approver, Role::Admin, Role::Finance];

/// Most pending records and most recently acknowledged records an export status lists.
pub const EXPORT_STATUS_ROWS: i64 = 200;

/// One record of the payment export as the city follows it.
#[derive(Debug, Clone)]
pub struct ExportRecordView {
    /// Its place in the stream.
    pub seq: i64,
    /// The invoice.
    pub document_id: i64,
    /// Payment or cancellation.
    pub kind: cie_store::ExportKind,
    /// When the step appended it.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// What the approval recorded of the invoice.
    pub snapshot: PaymentSnapshot,
    /// Until when the finance system holds it after pulling it; `None` when not pulled yet.
    pub leased_until: Option<chrono::DateTime<chrono::Utc>>,
    /// Why it was held back at its last pull, when it was.
    pub held_back: Option<Vec<cie_export::FieldError>>,
    /// When the finance system acknowledged it.
    pub acked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Where the city's payment export stands: counts, the records not acknowledged yet (oldest first), and
/// those acknowledged last.
#[derive(Debug, Clone)]
pub struct ExportStatus {
    /// How many records stand where, and the last acknowledgement.
    pub counts: cie_store::ExportCounts,
    /// Records not acknowledged yet, oldest first (at most [`EXPORT_STATUS_ROWS`]).
    pub pending: Vec<ExportRecordView>,
    /// Records acknowledged, last first (at most [`EXPORT_STATUS_ROWS`]).
    pub acknowledged: Vec<ExportRecordView>,
}

/// What the finance system has pulled and acknowledged of the caller's city's payment export, and what it
/// held back with why.
pub async fn export_status(state: &AppState, caller: &Caller) -> Result<ExportStatus, Error> {
    caller.require(&EXPORT_READERS)?;
    let tenant = &caller.tenant;
    let counts = state.store.export_counts(tenant).await?;
    let mut lists = Vec::with_capacity(2);
    for acknowledged in [false, true] {
        let entries = state
            .store
            .export_entries(tenant, acknowledged, EXPORT_STATUS_ROWS)
            .await?;
        lists.push(
            entries
                .into_iter()
                .map(export_record_view)
                .collect::<Result<Vec<_>, Error>>()?,
        );
    }
    let acknowledged = lists.pop().unwrap_or_default();
    let pending = lists.pop().unwrap_or_default();
    Ok(ExportStatus {
        counts,
        pending,
        acknowledged,
    })
}

fn export_record_view(entry: cie_store::ExportEntry) -> Result<ExportRecordView, Error> {
    let seq = entry.seq;
    let snapshot = serde_json::from_str(&entry.snapshot)
        .map_err(|e| Error::Internal(anyhow::anyhow!("payment snapshot {seq}: {e}")))?;
    let held_back = entry
        .held_back
        .map(|why| {
            serde_json::from_str::<Vec<cie_export::FieldError>>(&why)
                .map_err(|e| Error::Internal(anyhow::anyhow!("held-back reasons of {seq}: {e}")))
        })
        .transpose()?;
    Ok(ExportRecordView {
        seq,
        document_id: entry.document_id,
        kind: entry.kind,
        created_at: entry.created_at,
        snapshot,
        leased_until: entry.leased_until,
        held_back,
        acked_at: entry.acked_at,
    })
}

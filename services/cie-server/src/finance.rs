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
        taxes: summary
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
            .collect(),
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
    Ok(state
        .store
        .set_creditor_registration(&caller.tenant, org, address, request.bank_account.as_ref())
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

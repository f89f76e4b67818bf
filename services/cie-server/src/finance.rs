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

//! Throughput of the payment export: 35,000 records as CP932 CSV (a large city's month).

use chrono::NaiveDate;
use cie_export::{
    BankAccount, Encoding, Layout, PaymentRecord, RecordKind, TaxCategory, TaxLine, write,
};
use criterion::{Criterion, Throughput};
use rust_decimal::Decimal;

fn records(n: i64) -> Vec<PaymentRecord> {
    let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
    (1..=n)
        .map(|i| PaymentRecord {
            sequence: i,
            kind: RecordKind::Payment,
            tenant: "higashi".into(),
            accounting_unit: Some("一般会計".into()),
            fiscal_year: Some(2026),
            budget_item: Some("02-01-03-10-01".into()),
            department: Some("総務課".into()),
            commitment_number: Some(format!("R8-{i:06}")),
            creditor_number: Some(format!("{:08}", i % 5000)),
            creditor_name: Some("株式会社髙橋商事".into()),
            creditor_address: Some("東京都東久留米市本町３－３－１".into()),
            bank: Some(BankAccount {
                bank_code: "0009".into(),
                branch_code: "123".into(),
                account_type: "普通".into(),
                account_number: "1234567".into(),
                account_name_kana: "カブシキガイシャ　タカハシショウジ".into(),
            }),
            invoice_number: format!("INV-{i}"),
            issue_date: day,
            received_on: day,
            inspected_on: Some(day),
            payment_due: Some(day),
            planned_payment_date: Some(day),
            payment_method: Some("口座振替".into()),
            payable_amount: Decimal::new(55_000 + i, 0),
            late_interest: Decimal::ZERO,
            taxes: vec![TaxLine {
                category: TaxCategory::Standard10,
                percent: Some(Decimal::TEN),
                taxable: Decimal::new(50_000, 0),
                tax: Decimal::new(5_000, 0),
            }],
            withholding: None,
            registration_number: Some("T7000012050002".into()),
            qualified: true,
            subject: Some("消耗品購入 10月分 〜 事務用品一式".into()),
            document_id: i,
            archive_seq: i,
            sha256: "ab".repeat(32),
            pdf_url: format!("https://cie.example/documents/{i}/pdf"),
            errors: vec![],
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let records = records(35_000);
    let default_cp932 = Layout::default_payments().with_overrides(None, Some(Encoding::Cp932));
    let voucher = Layout::parse(include_str!(
        "../../../deploy/export-layouts/payment-voucher.toml"
    ))
    .ok();
    let mut group = c.benchmark_group("export");
    group.sample_size(10);
    group.throughput(Throughput::Elements(records.len() as u64));
    group.bench_function("35k records, default layout, CP932 CSV", |b| {
        b.iter(|| write(&default_cp932, &records).bytes.len())
    });
    if let Some(voucher) = voucher {
        group.bench_function("35k records, payment-voucher.toml", |b| {
            b.iter(|| write(&voucher, &records).bytes.len())
        });
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}

//! The finance export benchmark: a city-year of approved invoices (35,000 by default) in the payment export
//! stream, pulled through the API as the finance system would (CP932 CSV, then JSON) and acknowledged. The
//! documents are bulk-loaded like intake's preload and each gets a payment record with the snapshot an
//! approval writes; the timed part is the whole HTTP request a finance system waits for.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::NaiveDate;
use cie_domain::{Clock, TenantId};
use cie_server::finance::PaymentSnapshot;
use cie_store::{ApprovalChecklist, ExportKind, NewExport};
use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::load::Templates;
use crate::postgres::TempDatabase;
use crate::server::{Server, ServerOptions};
use crate::setup::{self, TENANT, expect};
use crate::{Backend, preload};

/// What one pull cost.
pub(crate) struct Pulled {
    pub(crate) label: &'static str,
    pub(crate) records: usize,
    pub(crate) bytes: usize,
    pub(crate) wall: Duration,
}

/// Runs the export benchmark on `backend` and prints its figures.
pub(crate) async fn run(
    backend: Backend,
    binary: &std::path::Path,
    postgres_url: Option<&str>,
    templates: &Arc<Templates>,
    records: usize,
    audit: bool,
) -> anyhow::Result<()> {
    let database = TempDatabase::for_backend(backend, postgres_url).await?;
    let options = ServerOptions {
        binary: binary.to_owned(),
        database_url: database.as_ref().map(|db| db.url().to_owned()),
        extra_env: Vec::new(),
    };
    let mut server = Server::start(&options).await?;
    let result = measure(&server, &options, templates, records, audit).await;
    let rss = server.peak_rss_kib().unwrap_or_default();
    let stopped = server.stop(Duration::from_secs(15)).await;
    TempDatabase::drop_quietly(database).await;
    let pulls = result?;
    stopped?;
    println!(
        "backend  | pull                  | records | bytes      | wall ms | records/s | server peak RSS MiB"
    );
    println!(
        "---------|-----------------------|---------|------------|---------|-----------|--------------------"
    );
    for pull in &pulls {
        println!(
            "{:<8} | {:<21} | {:>7} | {:>10} | {:>7.0} | {:>9.0} | {:>18.1}",
            backend.name(),
            pull.label,
            pull.records,
            pull.bytes,
            pull.wall.as_secs_f64() * 1000.0,
            pull.records as f64 / pull.wall.as_secs_f64(),
            rss as f64 / 1024.0
        );
    }
    Ok(())
}

async fn measure(
    server: &Server,
    options: &ServerOptions,
    templates: &Arc<Templates>,
    records: usize,
    audit: bool,
) -> anyhow::Result<Vec<Pulled>> {
    let client = Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .context("building the HTTP client")?;
    let stage = setup::stage(&client, server, 1, 1).await?;
    let supplier = stage
        .suppliers
        .first()
        .context("no supplier was created")?
        .clone();
    expect(
        client
            .put(server.url(&format!(
                "/api/v1/admin/supplier-orgs/{}/creditor",
                supplier.org_id
            )))
            .bearer_auth(&stage.admin)
            .json(&json!({
                "creditor_number": "C-000001",
                "address": "東京都千代田区霞が関1-1",
                "bank_account": {
                    "bank_code": "1234", "branch_code": "567", "account_type": "普通",
                    "account_number": "3242394", "account_name_kana": "ｶ)ﾍﾞﾝﾁｼﾖｳｼﾞ"
                }
            })),
        StatusCode::OK,
        "registering the creditor",
    )
    .await?;
    let credentials = expect(
        client
            .post(server.url("/api/v1/admin/finance-clients"))
            .bearer_auth(&stage.admin)
            .json(&json!({ "name": "zaimu" })),
        StatusCode::CREATED,
        "creating the finance client",
    )
    .await?;
    let finance = setup::login(
        &client,
        server,
        TENANT,
        credentials["client_id"].as_str().context("no client id")?,
        credentials["client_secret"]
            .as_str()
            .context("no client secret")?,
    )
    .await?;
    let mut preloader = preload::Preloader::new(
        &client,
        server,
        &stage.token,
        templates.originals(),
        options,
        vec![supplier],
        Box::new(cie_domain::SystemClock),
    )
    .await?;
    eprintln!("cie-bench: loading {records} approved invoices");
    preloader.add(records, false).await?;
    let tenant = TenantId::parse(TENANT)?;
    let store = preloader.store();
    let mut batch = Vec::with_capacity(1_000);
    for id in 1..=records as i64 {
        let document = store
            .document(&tenant, id, None)
            .await
            .with_context(|| format!("preloaded document {id}"))?;
        batch.push((id, payment_export(&document)?));
        if batch.len() == 1_000 {
            store
                .append_exports_bulk(&tenant, &batch, cie_domain::SystemClock.now())
                .await?;
            batch.clear();
        }
    }
    store
        .append_exports_bulk(&tenant, &batch, cie_domain::SystemClock.now())
        .await?;
    preloader.close().await;

    let mut pulls = Vec::new();
    for (label, query) in [
        ("CP932 CSV", "format=csv&encoding=cp932"),
        ("JSON (same records)", "format=json"),
    ] {
        let started = Instant::now();
        let response = client
            .get(server.url(&format!("/api/v1/exports/payments?limit={records}&{query}")))
            .bearer_auth(&finance)
            .send()
            .await
            .context("pulling the export")?;
        if response.status() != StatusCode::OK {
            bail!("the pull answered {}", response.status());
        }
        let held = response
            .headers()
            .get("cie-held-back")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.bytes().await.context("reading the export")?;
        let wall = started.elapsed();
        if !held.is_empty() {
            bail!("records were held back: {held}");
        }
        pulls.push(Pulled {
            label,
            records,
            bytes: body.len(),
            wall,
        });
    }
    let started = Instant::now();
    let acked = expect(
        client
            .post(server.url("/api/v1/exports/payments/ack"))
            .bearer_auth(&finance)
            .json(&json!({ "cursor": records })),
        StatusCode::OK,
        "acknowledging the export",
    )
    .await?;
    if acked["acknowledged"].as_u64() != Some(records as u64) {
        bail!("acknowledged {acked} instead of {records}");
    }
    pulls.push(Pulled {
        label: "acknowledgement",
        records,
        bytes: 0,
        wall: started.elapsed(),
    });
    if audit {
        let rss_before = server.peak_rss_kib().unwrap_or_default();
        let today = cie_workflow::japan_day(cie_domain::SystemClock.now());
        let started = Instant::now();
        let mut response = client
            .get(server.url(&format!(
                "/api/v1/exports/audit?date_from={}&date_to={}",
                today.pred_opt().unwrap_or(today),
                today.succ_opt().unwrap_or(today)
            )))
            .bearer_auth(&stage.admin)
            .send()
            .await
            .context("downloading the audit package")?;
        if response.status() != StatusCode::OK {
            bail!("the audit package answered {}", response.status());
        }
        let mut bytes = 0;
        while let Some(chunk) = response
            .chunk()
            .await
            .context("reading the audit package")?
        {
            bytes += chunk.len();
        }
        eprintln!(
            "cie-bench: server peak RSS {:.1} MiB before the audit package, {:.1} MiB after",
            rss_before as f64 / 1024.0,
            server.peak_rss_kib().unwrap_or_default() as f64 / 1024.0
        );
        pulls.push(Pulled {
            label: "audit ZIP (+PDFs)",
            records,
            bytes,
            wall: started.elapsed(),
        });
    }
    Ok(pulls)
}

/// The payment record an approval of `document` writes.
fn payment_export(document: &cie_store::DocumentRecord) -> anyhow::Result<NewExport> {
    let summary = &document.summary;
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).context("a valid date");
    let snapshot = PaymentSnapshot {
        supplier_org_id: document.supplier_org_id,
        supplier_name: summary.supplier.name.clone(),
        invoice_number: summary.number.clone(),
        issue_date: summary.issue_date,
        received_on: day(2026, 4, 1)?,
        inspected_on: Some(day(2026, 4, 3)?),
        payment_due: day(2026, 5, 1)?,
        approval: ApprovalChecklist {
            rightful_creditor: true,
            amount_correct: true,
            performance_confirmed: true,
            debt_fixed: true,
            fiscal_year: 2026,
            budget_item: "01-02-03 需用費 消耗品費".into(),
            commitment_number: format!("R8-{:06}", document.id),
            payment_method: "口座振替".into(),
            payment_date: day(2026, 4, 30)?,
            note: None,
            accounting_unit: Some("一般会計".into()),
            department: Some("総務課".into()),
            withholding_yen: None,
        },
        late_interest: rust_decimal::Decimal::ZERO,
        payable_amount: summary
            .totals
            .payable
            .as_ref()
            .map(|a| a.value)
            .unwrap_or_default(),
        currency: summary.currency.clone(),
        taxes: PaymentSnapshot::taxes_of(summary),
        registration_number: summary.supplier.registration_number.clone(),
        registered: true,
        payee_accounts: Vec::new(),
        archive_seq: document.archive_seq,
        sha256: document.content_sha256.clone(),
        withdrawal_reason: None,
    };
    Ok(NewExport {
        kind: ExportKind::Payment,
        snapshot: serde_json::to_value(&snapshot)?,
    })
}

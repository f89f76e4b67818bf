//! The national volume benchmark (issue 16): an archive of many cities filled in bulk up to each size asked
//! for (10 million documents over 100 cities on PostgreSQL, 1 million on SQLite), and at each size the waits
//! that grow with it, over HTTP on the real server: the archive search in the combinations the 電子帳簿保存法
//! requires a search by (date range, amount range, counterparty, and all three), the inbox, intake
//! (throughput and p99) and the size of the database per million documents.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::{Client, StatusCode};

use crate::load::{self, Templates};
use crate::postgres::TempDatabase;
use crate::server::{Server, ServerOptions};
use crate::setup::{self, TENANT};
use crate::{Backend, preload};

/// What the volume benchmark does.
pub(crate) struct Plan {
    /// Archive sizes, ascending: the archive is filled up to each in turn and measured there.
    pub(crate) sizes: Vec<usize>,
    /// Cities the documents are spread over.
    pub(crate) cities: usize,
    /// Supplier organisations per city.
    pub(crate) suppliers: usize,
    /// Timed requests per query.
    pub(crate) requests: usize,
    /// Documents posted in each intake phase.
    pub(crate) intake_documents: usize,
    /// Concurrent clients of the intake phase.
    pub(crate) clients: usize,
    /// Print the preload's progress.
    pub(crate) progress: bool,
}

/// `xml` without its comments and without the whitespace between tags: the same document, as the small
/// payload a national archive is mostly made of (the official minimum example drops from 9.8 to 5.2 KB).
pub(crate) fn compacted(xml: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(xml.len());
    let mut rest = xml;
    while !rest.is_empty() {
        if rest.starts_with(b"<!--") {
            let end = rest
                .windows(3)
                .position(|w| w == b"-->")
                .map_or(rest.len(), |at| at + 3);
            rest = &rest[end..];
            let blank = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
            if out.last() == Some(&b'>') && rest.get(blank) == Some(&b'<') {
                rest = &rest[blank..];
            }
        } else if rest[0] == b'>' {
            out.push(b'>');
            let blank = rest[1..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            if rest.get(1 + blank) == Some(&b'<') {
                rest = &rest[1 + blank..];
            } else {
                rest = &rest[1..];
            }
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

/// The seller's corporate number (electronic address; with `T`, its 登録番号): the test suite's supplier.
const SELLER_NUMBER: &str = "9234567890123";
/// The buyer's electronic address: the corporate number of the National Tax Agency.
const BUYER_NUMBER: &str = "7000012050002";

/// `xml` with valid identifiers in place of the official minimum example's, whose check digits do not hold
/// (so that every copy would carry the findings that say so): the seller's 登録番号 and electronic address
/// by [`SELLER_NUMBER`], the buyer's address by [`BUYER_NUMBER`]. A national archive holds mostly documents
/// that pass.
pub(crate) fn with_valid_numbers(xml: &[u8]) -> Vec<u8> {
    let replacements = [
        ("T1234567890123".to_owned(), format!("T{SELLER_NUMBER}")),
        (">1234567890123<".to_owned(), format!(">{SELLER_NUMBER}<")),
        (">3210987654321<".to_owned(), format!(">{BUYER_NUMBER}<")),
    ];
    let mut text = String::from_utf8_lossy(xml).into_owned();
    for (from, to) in replacements {
        text = text.replace(&from, &to);
    }
    text.into_bytes()
}

/// How many different amounts the generated invoices carry: prime, so that the preload's round-robin over
/// suppliers (8 per city) and over invoices gives every supplier every amount.
pub(crate) const GENERATED_AMOUNTS: usize = 17;

/// The small invoices a national archive is mostly made of, generated here: one line at 10 %, the seller and
/// buyer of [`SELLER_NUMBER`] and [`BUYER_NUMBER`], and [`GENERATED_AMOUNTS`] different net amounts from
/// ¥1,000 up by half again each (so that the amount searches find a part of the archive, not all or none of
/// it). Each is a complete JP PINT invoice that passes every rule set (2.7 KB, half the compacted minimum
/// example).
pub(crate) fn generated_invoices() -> Vec<Vec<u8>> {
    let mut net: u64 = 1_000;
    (0..GENERATED_AMOUNTS)
        .map(|_| {
            let invoice = small_invoice(net);
            net = (net * 3 / 2).div_ceil(10) * 10;
            invoice
        })
        .collect()
}

/// One generated invoice of `net` yen before tax (a multiple of ten, so that the 10 % tax is whole).
fn small_invoice(net: u64) -> Vec<u8> {
    let tax = net / 10;
    let total = net + tax;
    let jpy = |element: &str, amount: u64| {
        format!("<cbc:{element} currencyID=\"JPY\">{amount}</cbc:{element}>")
    };
    let party = |endpoint: &str, tax_id: Option<&str>, name: &str| {
        let tax_scheme = tax_id.map_or(String::new(), |id| {
            format!(
                "<cac:PartyTaxScheme><cbc:CompanyID>{id}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
            )
        });
        format!(
            "<cac:Party><cbc:EndpointID schemeID=\"0188\">{endpoint}</cbc:EndpointID><cac:PostalAddress><cac:Country><cbc:IdentificationCode>JP</cbc:IdentificationCode></cac:Country></cac:PostalAddress>{tax_scheme}<cac:PartyLegalEntity><cbc:RegistrationName>{name}</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party>"
        )
    };
    let category = "<cbc:ID>S</cbc:ID><cbc:Percent>10</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>";
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\" ",
            "xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" ",
            "xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">",
            "<cbc:CustomizationID>urn:peppol:pint:billing-1@jp-1</cbc:CustomizationID>",
            "<cbc:ProfileID>urn:peppol:bis:billing</cbc:ProfileID>",
            "<cbc:ID>V-1</cbc:ID><cbc:IssueDate>2024-05-01</cbc:IssueDate>",
            "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode><cbc:DocumentCurrencyCode>JPY</cbc:DocumentCurrencyCode>",
            "<cac:InvoicePeriod><cbc:StartDate>2024-04-01</cbc:StartDate><cbc:EndDate>2024-04-30</cbc:EndDate></cac:InvoicePeriod>",
            "<cac:AccountingSupplierParty>{seller}</cac:AccountingSupplierParty>",
            "<cac:AccountingCustomerParty>{buyer}</cac:AccountingCustomerParty>",
            "<cac:TaxTotal>{tax_amount}<cac:TaxSubtotal>{taxable}{tax_amount}<cac:TaxCategory>{category}</cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>",
            "<cac:LegalMonetaryTotal>{lines}{exclusive}{inclusive}{payable}</cac:LegalMonetaryTotal>",
            "<cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode=\"H87\">1</cbc:InvoicedQuantity>{lines}",
            "<cac:Item><cbc:Name>事務用品</cbc:Name><cac:ClassifiedTaxCategory>{category}</cac:ClassifiedTaxCategory></cac:Item>",
            "<cac:Price>{price}</cac:Price></cac:InvoiceLine></Invoice>\n"
        ),
        seller = party(
            SELLER_NUMBER,
            Some(&format!("T{SELLER_NUMBER}")),
            "株式会社 〇〇商事"
        ),
        buyer = party(BUYER_NUMBER, None, "〇〇市"),
        tax_amount = jpy("TaxAmount", tax),
        taxable = jpy("TaxableAmount", net),
        category = category,
        lines = jpy("LineExtensionAmount", net),
        exclusive = jpy("TaxExclusiveAmount", net),
        inclusive = jpy("TaxInclusiveAmount", total),
        payable = jpy("PayableAmount", total),
        price = jpy("PriceAmount", net),
    )
    .into_bytes()
}

/// One query's timings at one size.
struct Timed {
    query: &'static str,
    matches: String,
    samples: Vec<Duration>,
}

fn quantile(samples: &[Duration], q: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

/// Runs the benchmark on `backend` and prints a table per size.
pub(crate) async fn run(
    backend: Backend,
    binary: &std::path::Path,
    postgres_url: Option<&str>,
    templates: Arc<Templates>,
    plan: &Plan,
) -> anyhow::Result<()> {
    if plan.sizes.is_empty() || plan.sizes.windows(2).any(|pair| pair[0] > pair[1]) {
        bail!("--sizes takes archive sizes in ascending order, e.g. 100000,1000000");
    }
    let database = TempDatabase::for_backend(backend, postgres_url).await?;
    let options = ServerOptions {
        binary: binary.to_owned(),
        database_url: database.as_ref().map(|db| db.url().to_owned()),
        extra_env: vec![("CIE_HTTP__MAX_REQUESTS_PER_CLIENT".into(), "1000".into())],
    };
    let mut server = Server::start(&options).await?;
    let result = measure(backend, &server, &options, templates, plan).await;
    let stopped = server.stop(Duration::from_secs(30)).await;
    TempDatabase::drop_quietly(database).await;
    result.map_err(|error| match server.log_tail() {
        Some(tail) => error.context(tail),
        None => error,
    })?;
    stopped
}

async fn measure(
    backend: Backend,
    server: &Server,
    options: &ServerOptions,
    templates: Arc<Templates>,
    plan: &Plan,
) -> anyhow::Result<()> {
    let client = Client::builder()
        .timeout(Duration::from_secs(300))
        .pool_max_idle_per_host(plan.clients)
        .build()
        .context("building the HTTP client")?;
    let stage = setup::stage(&client, server, plan.cities, plan.suppliers).await?;
    let password = setup::create_staff(&client, server, &stage.admin).await?;
    let staff = setup::login(&client, server, TENANT, "staff", &password).await?;
    let mut preloader = preload::Preloader::new(
        &client,
        server,
        &stage.token,
        templates.originals(),
        options,
        stage.suppliers.clone(),
        Box::new(cie_domain::SystemClock),
    )
    .await?;
    let mut archived = 0;
    for (phase, &size) in plan.sizes.iter().enumerate() {
        if size > archived {
            let missing = size - archived;
            eprintln!("cie-bench: loading {missing} documents ({archived} → {size})");
            let took = preloader.add(missing, plan.progress).await?;
            eprintln!(
                "cie-bench: loaded {missing} documents in {:.0} s ({:.0} docs/s)",
                took.as_secs_f64(),
                missing as f64 / took.as_secs_f64()
            );
            preloader.analyze().await?;
            archived = size;
        }
        let database_bytes = preloader.database_bytes().await?;
        let timed = time_queries(&client, server, &staff, plan.requests).await?;
        let intake = load::run(load::Plan {
            client: client.clone(),
            url: Arc::from(server.url("/api/v1/documents")),
            token: Arc::from(stage.token.as_str()),
            templates: templates.clone(),
            clients: plan.clients,
            documents: plan.intake_documents,
            label: format!("V{phase}x"),
            progress: false,
        })
        .await;
        if intake.errors > 0 {
            bail!(
                "{} of {} intake posts failed; first: {}",
                intake.errors,
                plan.intake_documents,
                intake.first_error.unwrap_or_default()
            );
        }
        archived += plan.intake_documents;
        println!(
            "\n{} — {} documents over {} cities ({} per city), database {:.1} GiB = {:.2} GiB per million documents",
            backend.name(),
            size,
            plan.cities,
            size / plan.cities.max(1),
            database_bytes as f64 / (1u64 << 30) as f64,
            database_bytes as f64 / (1u64 << 30) as f64 / (size.max(1) as f64 / 1e6)
        );
        println!("| what | matches (city `bench`) | p50 ms | p99 ms | max ms |");
        println!("|---|---|---|---|---|");
        for query in &timed {
            println!(
                "| {} | {} | {:.1} | {:.1} | {:.1} |",
                query.query,
                query.matches,
                quantile(&query.samples, 0.5),
                quantile(&query.samples, 0.99),
                quantile(&query.samples, 1.0)
            );
        }
        println!(
            "| intake: {} invoices from {} clients | {:.0} docs/s | {:.1} | {:.1} | {:.1} |",
            plan.intake_documents,
            plan.clients,
            plan.intake_documents as f64 / intake.wall.as_secs_f64(),
            quantile(&intake.latencies, 0.5),
            quantile(&intake.latencies, 0.99),
            quantile(&intake.latencies, 1.0)
        );
    }
    preloader.close().await;
    Ok(())
}

/// The archive searches and the inbox, each `requests` times (after a few untimed), as the city's staff.
async fn time_queries(
    client: &Client,
    server: &Server,
    staff: &str,
    requests: usize,
) -> anyhow::Result<Vec<Timed>> {
    type PathOf = Box<dyn Fn(usize) -> String>;
    // Issue dates run from 2023-10-01 over 1,157 days (preload): a month somewhere in them.
    let month = |i: usize| {
        let year = 2024 + (i % 2);
        let month = 1 + (i * 5) % 12;
        let last = match month {
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (
            format!("{year}-{month:02}-01"),
            format!("{year}-{month:02}-{last}"),
        )
    };
    let amounts = |i: usize| {
        let low = [1_000, 10_000, 50_000, 100_000][i % 4];
        (low, low * 3)
    };
    let queries: [(&'static str, PathOf); 5] = [
        (
            "search: issue date in a month",
            Box::new(move |i| {
                let (from, to) = month(i);
                format!("/api/v1/documents?date_from={from}&date_to={to}")
            }),
        ),
        (
            "search: amount range",
            Box::new(move |i| {
                let (low, high) = amounts(i);
                format!("/api/v1/documents?amount_min={low}&amount_max={high}")
            }),
        ),
        (
            "search: counterparty",
            Box::new(|i| {
                format!(
                    "/api/v1/documents?counterparty=Bench%20Supplier%20{}%20K.K.",
                    1 + i % 8
                )
            }),
        ),
        (
            "search: date, amount and counterparty",
            Box::new(move |i| {
                let (from, to) = month(i);
                let (low, high) = amounts(i);
                format!(
                    "/api/v1/documents?date_from={from}&date_to={to}&amount_min={low}&amount_max={high}&counterparty=Bench%20Supplier%20{}%20K.K.",
                    1 + i % 8
                )
            }),
        ),
        ("inbox", Box::new(|_| "/api/v1/inbox".to_owned())),
    ];
    let mut timed = Vec::new();
    for (query, path) in queries {
        let mut samples = Vec::with_capacity(requests);
        let mut totals = Vec::new();
        for i in 0..requests + 5 {
            let started = Instant::now();
            let response = client
                .get(server.url(&path(i)))
                .bearer_auth(staff)
                .send()
                .await
                .context(query)?;
            let status = response.status();
            let body = response.bytes().await.context("reading an answer")?;
            let elapsed = started.elapsed();
            if status != StatusCode::OK {
                bail!(
                    "{query}: {} answered {status}: {}",
                    path(i),
                    String::from_utf8_lossy(&body)
                );
            }
            if i >= 5 {
                samples.push(elapsed);
                let value: serde_json::Value =
                    serde_json::from_slice(&body).context("the answer is not JSON")?;
                totals.push(match value.get("total") {
                    Some(total) => total.as_i64().unwrap_or(0),
                    None => value.as_array().map_or(0, |items| items.len() as i64),
                });
            }
        }
        totals.sort_unstable();
        let matches = format!(
            "{}–{} ({})",
            totals.first().copied().unwrap_or(0),
            totals.last().copied().unwrap_or(0),
            if query == "inbox" {
                "listed"
            } else {
                "counted up to 10,000"
            }
        );
        timed.push(Timed {
            query,
            matches,
            samples,
        });
    }
    Ok(timed)
}

#[cfg(test)]
mod tests {
    use super::compacted;

    #[test]
    fn the_generated_invoices_carry_different_whole_amounts() {
        let invoices = super::generated_invoices();
        assert_eq!(invoices.len(), super::GENERATED_AMOUNTS);
        let payable: Vec<u64> = invoices
            .iter()
            .map(|xml| {
                let text = std::str::from_utf8(xml).expect("UTF-8");
                let (_, rest) = text
                    .split_once("<cbc:PayableAmount currencyID=\"JPY\">")
                    .expect("payable");
                rest.split_once('<')
                    .expect("closed")
                    .0
                    .parse()
                    .expect("a number")
            })
            .collect();
        assert_eq!(payable[0], 1_100);
        assert!(
            payable.windows(2).all(|pair| pair[0] < pair[1]),
            "{payable:?}"
        );
    }

    #[test]
    fn every_generated_invoice_passes_every_rule_set_without_a_finding() {
        let context = cie_server::validation::TenantContext::default();
        for xml in super::generated_invoices() {
            let read = cie_server::validation::read_and_validate(
                xml.clone().into(),
                &cie_ubl::Limits::default(),
                &context,
            )
            .expect("reads");
            assert!(
                read.verdict.findings.is_empty(),
                "{}: {:?}",
                String::from_utf8_lossy(&xml),
                read.verdict.findings
            );
        }
    }

    #[test]
    fn comments_and_blank_text_between_tags_go_and_text_stays() {
        let xml = b"<a>\n  <!-- a note -->\n  <b> x y </b>\n  <c>1</c>\n</a>";
        assert_eq!(compacted(xml), b"<a><b> x y </b><c>1</c></a>".to_vec());
    }
}

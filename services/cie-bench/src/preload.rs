//! The preload: an archive filled before the timed phase, so that intake is measured against a full
//! database. Documents are made from the same templates as the load (each with its own number and an issue
//! date spread over three years), summarised and validated once per template by the server's own
//! `POST /validate`, and written through the store's bulk load (the rows, chain and verdicts intake writes,
//! in transactions of a few hundred documents), spread round-robin over every supplier of every city.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::NaiveDate;
use cie_domain::{Clock, DocumentStatus, Summary, TenantId};
use cie_store::{NewSubmission, NewValidation, Parsed, Store, StoreOptions};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Client, StatusCode};

use crate::load::split_around_text;
use crate::server::Server;
use crate::setup::Supplier;

/// Documents written per transaction.
const CHUNK: usize = 400;
/// Documents are received over this many days up to now: deadlines spread, a third of them past.
const RECEIVED_DAYS: u64 = 45;
/// Issue dates are spread over this many days from [`FIRST_DAY`].
const DAYS: u64 = 1_157;

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 10, 1).unwrap_or_default()
}

/// One template: its bytes around the number and the issue date, and what the server made of it.
struct Template {
    head: Vec<u8>,
    middle: Vec<u8>,
    tail: Vec<u8>,
    summary: Summary,
    validation: NewValidation,
}

/// Writes preloaded documents into the server's database.
pub(crate) struct Preloader {
    store: Store,
    clock: Box<dyn Clock>,
    templates: Vec<Template>,
    suppliers: Vec<(TenantId, Supplier)>,
    written: usize,
}

impl Preloader {
    /// Reads the templates, has the server summarise and validate each, and opens its database (the one
    /// `options` started it on); documents
    /// are stamped as received at `clock`'s time.
    pub(crate) async fn new(
        client: &Client,
        server: &Server,
        token: &str,
        fixtures: &[Vec<u8>],
        options: &crate::server::ServerOptions,
        suppliers: Vec<Supplier>,
        clock: Box<dyn Clock>,
    ) -> anyhow::Result<Preloader> {
        let database_url = server.database_url(options);
        let database_url = database_url.as_str();
        let mut templates = Vec::with_capacity(fixtures.len());
        for bytes in fixtures {
            templates.push(Template::new(client, server, token, bytes).await?);
        }
        let seal_key = server.seal_key()?;
        let store = Store::connect(
            database_url,
            StoreOptions {
                max_connections: 2,
                ..StoreOptions::default()
            },
            seal_key,
        )
        .await
        .with_context(|| format!("opening the server's database {database_url}"))?;
        let suppliers = suppliers
            .into_iter()
            .map(|s| Ok((TenantId::parse(&s.tenant)?, s)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if suppliers.is_empty() {
            bail!("no supplier to preload documents for");
        }
        Ok(Preloader {
            store,
            clock,
            templates,
            suppliers,
            written: 0,
        })
    }

    /// The server's database.
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Preloaded documents so far.
    pub(crate) fn written(&self) -> usize {
        self.written
    }

    /// Writes `count` more documents; with `progress`, prints the rate every few seconds.
    pub(crate) async fn add(&mut self, count: usize, progress: bool) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let mut reported = Instant::now();
        let target = self.written + count;
        while self.written < target {
            let size = CHUNK.min(target - self.written);
            let chunk: Vec<NewSubmission> = (self.written..self.written + size)
                .map(|index| self.submission(index))
                .collect();
            let recorded = self
                .store
                .append_bulk(&chunk)
                .await
                .context("bulk-loading preloaded documents")?;
            if recorded != size {
                bail!("the bulk load recorded {recorded} of {size} documents");
            }
            self.written += size;
            if progress && reported.elapsed() >= Duration::from_secs(5) {
                reported = Instant::now();
                let done = self.written - (target - count);
                eprintln!(
                    "cie-bench: preload {:>9} of {target} documents  {:>6.0} docs/s",
                    self.written,
                    done as f64 / started.elapsed().as_secs_f64()
                );
            }
        }
        Ok(started.elapsed())
    }

    /// Closes the database connections.
    /// Vacuums and analyses the loaded tables on PostgreSQL, as autovacuum does within minutes of a bulk
    /// load, so that the timed phase runs on the plans and visibility map a running database has rather than
    /// beside autovacuum's first pass (nothing to do on SQLite).
    pub(crate) async fn analyze(&self) -> anyhow::Result<()> {
        if self.store.backend() == cie_store::Backend::Postgres {
            sqlx::raw_sql("VACUUM ANALYZE")
                .execute(self.store.raw_pool())
                .await
                .context("analysing the loaded tables")?;
        }
        Ok(())
    }

    /// The size of the database in bytes: PostgreSQL's `pg_database_size`, or SQLite's pages (the file).
    pub(crate) async fn database_bytes(&self) -> anyhow::Result<u64> {
        use sqlx::Row as _;
        let sql = match self.store.backend() {
            cie_store::Backend::Postgres => {
                "SELECT CAST(pg_database_size(current_database()) AS BIGINT) AS bytes"
            }
            cie_store::Backend::Sqlite => {
                "SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()"
            }
        };
        let bytes: i64 = sqlx::query(sql)
            .fetch_one(self.store.raw_pool())
            .await
            .context("measuring the database")?
            .try_get("bytes")?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    }

    pub(crate) async fn close(self) {
        self.store.close().await;
    }

    fn submission(&self, index: usize) -> NewSubmission {
        let (tenant, supplier) = &self.suppliers[index % self.suppliers.len()];
        let template = &self.templates[index % self.templates.len()];
        let number = format!("P-{index:08}");
        let spread = (index as u64).wrapping_mul(7_919) % DAYS;
        let issue_date = first_day() + chrono::Days::new(spread);
        let date = issue_date.format("%Y-%m-%d").to_string();
        let mut content = Vec::with_capacity(
            template.head.len() + template.middle.len() + template.tail.len() + 32,
        );
        content.extend_from_slice(&template.head);
        content.extend_from_slice(number.as_bytes());
        content.extend_from_slice(&template.middle);
        content.extend_from_slice(date.as_bytes());
        content.extend_from_slice(&template.tail);
        let mut summary = template.summary.clone();
        summary.number = number;
        summary.issue_date = issue_date;
        let terms = (summary.kind == cie_domain::DocumentKind::Invoice).then(|| {
            let kind = cie_workflow::ContractKind::Goods;
            cie_workflow::GoverningTerms {
                contract_kind: kind,
                terms: cie_workflow::PaymentTerms::statutory(kind),
                source: cie_workflow::TermsSource::Statutory,
            }
        });
        // Received over the last RECEIVED_DAYS days, so that deadlines differ and some have passed.
        let age = chrono::Duration::days(((index as u64 * 104_729) % RECEIVED_DAYS) as i64);
        NewSubmission {
            tenant: tenant.clone(),
            received_at: self.clock.now() - age,
            submitter_id: supplier.user_id,
            supplier_org_id: Some(supplier.org_id),
            size_bytes: content.len() as i64,
            truncated: false,
            content,
            parsed: Parsed::Document {
                number_key: Some(cie_matching::number_key(&summary.number)),
                supplier_key: format!("org:{}", supplier.org_id),
                summary: Box::new(summary),
                status: DocumentStatus::Received,
                validation: Some(template.validation.clone()),
            },
            outbound: false,
            workflow: None,
            terms,
            delivery: None,
        }
    }
}

impl Template {
    async fn new(
        client: &Client,
        server: &Server,
        token: &str,
        bytes: &[u8],
    ) -> anyhow::Result<Template> {
        let (head, rest) = split_around_text(bytes, b"<cbc:ID>", b"</cbc:ID>")
            .context("a template has no <cbc:ID>")?;
        let (middle, tail) = split_around_text(&rest, b"<cbc:IssueDate>", b"</cbc:IssueDate>")
            .context("a template has no <cbc:IssueDate> after its <cbc:ID>")?;
        let response = client
            .post(server.url("/api/v1/validate"))
            .bearer_auth(token)
            .header(CONTENT_TYPE, "application/xml")
            .body(bytes.to_vec())
            .send()
            .await
            .context("validating a template")?;
        let status = response.status();
        let text = response.text().await.context("reading the verdict")?;
        if status != StatusCode::OK {
            bail!("validating a template: expected 200, got {status}: {text}");
        }
        let verdict: serde_json::Value =
            serde_json::from_str(&text).context("the verdict is not JSON")?;
        let summary: Summary = serde_json::from_value(verdict["summary"].clone())
            .context("the verdict has no summary")?;
        let validation = NewValidation {
            rule_sets: serde_json::from_value(verdict["rule_sets"].clone())
                .context("the verdict has no rule sets")?,
            findings: serde_json::from_value(verdict["findings"].clone())
                .context("the verdict has no findings")?,
            registry_json: verdict
                .get("registry")
                .filter(|r| !r.is_null())
                .map(serde_json::Value::to_string),
            registry_status: verdict["registry"]["status"].as_str().map(str::to_owned),
        };
        Ok(Template {
            head,
            middle,
            tail,
            summary,
            validation,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::load::split_around_text as split_after;

    #[test]
    fn the_text_of_the_first_element_is_cut_out() {
        let xml = b"<a><cbc:ID>1</cbc:ID><cbc:IssueDate>2024-01-01</cbc:IssueDate></a>";
        let (head, rest) = split_after(xml, b"<cbc:ID>", b"</cbc:ID>").expect("has an ID");
        assert_eq!(head, b"<a><cbc:ID>");
        let (middle, tail) =
            split_after(&rest, b"<cbc:IssueDate>", b"</cbc:IssueDate>").expect("has a date");
        assert_eq!(middle, b"</cbc:ID><cbc:IssueDate>");
        assert_eq!(tail, b"</cbc:IssueDate></a>");
    }
}

//! The page benchmark (issue 14): a city-year of invoices (35,000 by default) in the archive, then the pages
//! a staff member waits for, each requested over HTTP with the session cookie as a browser sends it: the
//! inbox, the document page, the documents list and the archive search (by date, amount and counterparty),
//! with the JSON API's inbox beside them for reference. Prints p50, p99 and the slowest of each.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::{Client, StatusCode};

use crate::load::Templates;
use crate::postgres::TempDatabase;
use crate::server::{Server, ServerOptions};
use crate::setup::{self, TENANT};
use crate::{Backend, preload};

/// The path of the `i`-th request of a page.
type PathOf = Box<dyn Fn(usize) -> String>;

fn path_of(path: impl Fn(usize) -> String + 'static) -> PathOf {
    Box::new(path)
}

/// What the page benchmark does.
pub(crate) struct Plan {
    /// Invoices loaded before the timed phase.
    pub(crate) invoices: usize,
    /// Timed requests per page.
    pub(crate) requests: usize,
}

/// The timings of one page.
struct Timed {
    page: &'static str,
    bytes: usize,
    samples: Vec<Duration>,
}

impl Timed {
    fn quantile(&self, q: f64) -> f64 {
        let mut sorted = self.samples.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[index].as_secs_f64() * 1000.0
    }
}

/// Runs the page benchmark on `backend` and prints its figures.
pub(crate) async fn run(
    backend: Backend,
    binary: &std::path::Path,
    postgres_url: Option<&str>,
    templates: &Templates,
    plan: &Plan,
) -> anyhow::Result<()> {
    let database = TempDatabase::for_backend(backend, postgres_url).await?;
    let options = ServerOptions {
        binary: binary.to_owned(),
        database_url: database.as_ref().map(|db| db.url().to_owned()),
        extra_env: vec![
            ("CIE_WEB__SECURE_COOKIES".into(), "false".into()),
            ("CIE_HTTP__MAX_REQUESTS_PER_CLIENT".into(), "1000".into()),
        ],
    };
    let mut server = Server::start(&options).await?;
    let result = measure(&server, &options, templates, plan).await;
    let stopped = server.stop(Duration::from_secs(15)).await;
    TempDatabase::drop_quietly(database).await;
    let timed = result?;
    stopped?;
    println!(
        "backend  | invoices | page                                  | bytes   | p50 ms | p99 ms | max ms"
    );
    println!(
        "---------|----------|---------------------------------------|---------|--------|--------|-------"
    );
    for page in &timed {
        println!(
            "{:<8} | {:>8} | {:<37} | {:>7} | {:>6.1} | {:>6.1} | {:>6.1}",
            backend.name(),
            plan.invoices,
            page.page,
            page.bytes,
            page.quantile(0.5),
            page.quantile(0.99),
            page.quantile(1.0),
        );
    }
    Ok(())
}

/// Logs `username` in through the login page as a browser does; the session cookie.
async fn web_login(
    client: &Client,
    server: &Server,
    username: &str,
    password: &str,
) -> anyhow::Result<String> {
    let page = client
        .get(server.url("/login"))
        .send()
        .await
        .context("opening the login page")?;
    let form_cookie = cookie(&page, "cie_form")?;
    let html = page.text().await?;
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).context("no form token")? + marker.len();
    let token = &html[start..start + html[start..].find('"').context("no form token end")?];
    let body =
        format!("tenant={TENANT}&username={username}&password={password}&form_token={token}");
    let response = client
        .post(server.url("/login"))
        .header(COOKIE, form_cookie)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .context("logging in")?;
    if response.status() != StatusCode::SEE_OTHER {
        bail!("the login answered {}", response.status());
    }
    cookie(&response, "cie_session")
}

fn cookie(response: &reqwest::Response, name: &str) -> anyhow::Result<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .with_context(|| format!("no {name} cookie"))
}

async fn measure(
    server: &Server,
    options: &ServerOptions,
    templates: &Templates,
    plan: &Plan,
) -> anyhow::Result<Vec<Timed>> {
    let client = Client::builder()
        .timeout(Duration::from_secs(120))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("building the HTTP client")?;
    let stage = setup::stage(&client, server, 1, 20).await?;
    let password = setup::create_staff(&client, server, &stage.admin).await?;
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
    eprintln!("cie-bench: loading {} invoices", plan.invoices);
    preloader.add(plan.invoices, true).await?;
    preloader.analyze().await?;
    preloader.close().await;

    let session = web_login(&client, server, "staff", &password).await?;
    let api = setup::login(&client, server, TENANT, "staff", &password).await?;
    let invoices = plan.invoices.max(1) as u64;
    let pages: [(&'static str, PathOf); 10] = [
        ("inbox (page)", path_of(|_| "/inbox".to_owned())),
        (
            "inbox, overdue (page)",
            path_of(|_| "/inbox?show=overdue".to_owned()),
        ),
        (
            "document page",
            path_of(move |i| format!("/documents/{}", 1 + (i as u64 * 7_919) % invoices)),
        ),
        (
            "documents list",
            path_of(|i| format!("/documents?page={}", 1 + i % 20)),
        ),
        (
            "archive search (date+amount+party)",
            path_of(|i| {
                format!(
                    "/archive?date_from=2024-0{}-01&date_to=2024-12-31&amount_min=1000&amount_max=500000&counterparty=%E5%95%86%E4%BA%8B",
                    1 + i % 9
                )
            }),
        ),
        (
            "inbox (JSON API, reference)",
            path_of(|_| "/api/v1/inbox".to_owned()),
        ),
        (
            "document (JSON API, reference)",
            path_of(move |i| format!("/api/v1/documents/{}", 1 + (i as u64 * 7_919) % invoices)),
        ),
        (
            "invoice case (JSON API, reference)",
            path_of(move |i| format!("/api/v1/invoices/{}", 1 + (i as u64 * 7_919) % invoices)),
        ),
        (
            "links (JSON API, reference)",
            path_of(move |i| {
                format!(
                    "/api/v1/documents/{}/links",
                    1 + (i as u64 * 7_919) % invoices
                )
            }),
        ),
        (
            "archive search (JSON API, reference)",
            path_of(|i| {
                format!(
                    "/api/v1/documents?date_from=2024-0{}-01&date_to=2024-12-31&amount_min=1000&amount_max=500000&counterparty=%E5%95%86%E4%BA%8B",
                    1 + i % 9
                )
            }),
        ),
    ];
    let mut timed = Vec::new();
    for (name, path) in &pages {
        let mut samples = Vec::with_capacity(plan.requests);
        let mut bytes = 0;
        for i in 0..plan.requests + 10 {
            let request = client.get(server.url(&path(i)));
            let request = if path(i).starts_with("/api/") {
                request.bearer_auth(&api)
            } else {
                request.header(COOKIE, &session)
            };
            let started = Instant::now();
            let response = request.send().await.context("requesting a page")?;
            let status = response.status();
            let body = response.bytes().await.context("reading a page")?;
            let elapsed = started.elapsed();
            if status != StatusCode::OK {
                bail!(
                    "{} answered {status}: {}",
                    path(i),
                    String::from_utf8_lossy(&body[..body.len().min(300)])
                );
            }
            if i >= 10 {
                samples.push(elapsed);
                bytes = body.len();
            }
        }
        timed.push(Timed {
            page: name,
            bytes,
            samples,
        });
    }
    Ok(timed)
}

//! `cie-bench`: starts the real `cie-server` binary on a fresh database, sets up a tenant and a supplier
//! over the API, posts documents from concurrent clients (or attacks it, or times its pages) and prints
//! throughput, latency and memory figures; `validate` times intake's reading and validation in process.

mod attack;
mod export;
mod load;
mod pages;
mod postgres;
mod preload;
mod report;
mod server;
mod setup;
mod validate;
mod volume;

/// The server's allocator, so that the in-process figures of `validate` are the server's, counted so that
/// `validate` can print the heap a document needs.
#[global_allocator]
static ALLOCATOR: cie_bench_alloc::Counting<mimalloc::MiMalloc> =
    cie_bench_alloc::Counting::new(mimalloc::MiMalloc);

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};

use crate::load::Templates;
use crate::postgres::TempDatabase;
use crate::report::Figures;
use crate::server::{Server, ServerOptions};

/// Load benchmarks for cie-server. Everything runs against 127.0.0.1.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Document intake: concurrent suppliers' clients POST unique JP PINT invoices to /api/v1/documents.
    Intake(IntakeArgs),
    /// The finance export: a city-year of approved invoices pulled through the API as CP932 CSV and JSON.
    Export(ExportArgs),
    /// Attacks (issue 13): a login flood, stalled connections, a 200,000-attribute element; prints the
    /// server's RSS and `/health` latency during each.
    Attack(AttackArgs),
    /// The web pages (issue 14): a city-year of invoices loaded, then the inbox, the document page, the
    /// documents list and the archive search timed over HTTP with a staff session.
    Pages(PagesArgs),
    /// National volume (issue 16): many cities' documents loaded in bulk up to each size, then the archive
    /// searches (date, amount, counterparty, all three), the inbox and intake timed over HTTP, and the
    /// database's size per million documents.
    Volume(VolumeArgs),
    /// In process, no server: the stages of reading and validating a document at intake (summary, schema,
    /// DOM, official and own rules) and the whole path, on the full JP PINT example and a 1,000-line invoice,
    /// with the peak heap.
    Validate(ValidateArgs),
}

#[derive(clap::Args)]
struct ValidateArgs {
    /// Timed runs per stage on the full example (a twentieth as many on the 1,000-line invoice).
    #[arg(long, default_value_t = 2_000)]
    runs: usize,
    /// Time only the stages whose name contains this text (e.g. `whole`), for profiling.
    #[arg(long)]
    only: Option<String>,
    /// Run only the inputs whose name contains this text (`full` or `1,000`), for profiling.
    #[arg(long)]
    input: Option<String>,
    /// Directory holding the official JP PINT 1.1.3 XSLTs (`PINT-UBL-validation-preprocessed.xslt`,
    /// `PINT-jurisdiction-aligned-rules.xslt`): time them on the same inputs, with python3 and saxonche
    /// (`tools/official_xslt_timing.py`), and give the whole path's speed as a multiple of theirs.
    #[arg(long)]
    reference_xslt: Option<std::path::PathBuf>,
}

#[derive(clap::Args)]
struct PagesArgs {
    /// Database to run on.
    #[arg(long, value_enum, default_value_t = BackendChoice::Sqlite)]
    backend: BackendChoice,
    /// Invoices in the archive (a city of 115,000 people receives about 35,000 a year).
    #[arg(long, default_value_t = 35_000)]
    invoices: usize,
    /// Timed requests per page.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// The `cie-server` binary; defaults to the one beside this executable.
    #[arg(long)]
    server_binary: Option<PathBuf>,
    /// PostgreSQL server whose user may CREATE DATABASE.
    #[arg(long, env = "CIE_TEST_POSTGRES_URL", hide_env_values = true)]
    postgres_url: Option<String>,
    /// Directory of the XML documents the invoices are made from.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/jp-pint"))]
    fixtures: PathBuf,
}

#[derive(clap::Args)]
struct VolumeArgs {
    /// Database to run on.
    #[arg(long, value_enum, default_value_t = BackendChoice::Postgres)]
    backend: BackendChoice,
    /// Archive sizes, ascending: filled up to each and measured there.
    #[arg(long, value_delimiter = ',', default_value = "1000000,10000000")]
    sizes: Vec<usize>,
    /// Cities the documents are spread over.
    #[arg(long, default_value_t = 100)]
    cities: usize,
    /// Supplier organisations per city.
    #[arg(long, default_value_t = 8)]
    suppliers: usize,
    /// Timed requests per query.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Documents posted in each intake phase.
    #[arg(long, default_value_t = 5_000)]
    intake_documents: usize,
    /// Concurrent clients of the intake phase.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Print the load's progress on stderr.
    #[arg(long)]
    progress: bool,
    /// The `cie-server` binary; defaults to the one beside this executable.
    #[arg(long)]
    server_binary: Option<PathBuf>,
    /// PostgreSQL server whose user may CREATE DATABASE.
    #[arg(long, env = "CIE_TEST_POSTGRES_URL", hide_env_values = true)]
    postgres_url: Option<String>,
    /// A document to make the archive from instead of the generated small invoices (each copy with its own
    /// number and date), read without its comments and blank space between tags, and with valid identifiers
    /// in place of the official minimum example's (whose check digits fail).
    #[arg(long)]
    template: Option<PathBuf>,
}

#[derive(clap::Args)]
struct AttackArgs {
    /// Which attack; each runs on a fresh server (embedded SQLite).
    #[arg(long, value_enum, default_value_t = attack::Kind::All)]
    kind: attack::Kind,
    /// Concurrent login guessers.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Seconds the login flood lasts.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Stalled connections (the server's open-file limit and this process's must allow twice as many).
    #[arg(long, default_value_t = 2_000)]
    connections: usize,
    /// Longest wait, in seconds, for the server to close the stalled connections (its body read timeout
    /// is 30 s).
    #[arg(long, default_value_t = 45)]
    hold_seconds: u64,
    /// Attributes on the element of the attribute attack.
    #[arg(long, default_value_t = 200_000)]
    attributes: usize,
    /// Times the many-attribute document is posted.
    #[arg(long, default_value_t = 20)]
    posts: usize,
    /// The `cie-server` binary; defaults to the one beside this executable.
    #[arg(long)]
    server_binary: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ExportArgs {
    /// Database to run on.
    #[arg(long, value_enum, default_value_t = BackendChoice::Sqlite)]
    backend: BackendChoice,
    /// Approved invoices in the export (a city of 115,000 people has about 35,000 a year).
    #[arg(long, default_value_t = 35_000)]
    records: usize,
    /// The `cie-server` binary; defaults to the one beside this executable.
    #[arg(long)]
    server_binary: Option<PathBuf>,
    /// PostgreSQL server whose user may CREATE DATABASE.
    #[arg(long, env = "CIE_TEST_POSTGRES_URL", hide_env_values = true)]
    postgres_url: Option<String>,
    /// Directory of the XML documents the invoices are made from.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/jp-pint"))]
    fixtures: PathBuf,
    /// Also download the tax-office package of every document (originals, PDFs, index, chain): about 8 ms of
    /// PDF rendering per document.
    #[arg(long)]
    audit: bool,
}

#[derive(clap::Args)]
struct IntakeArgs {
    /// Database to run on.
    #[arg(long, value_enum, default_value_t = BackendChoice::Sqlite)]
    backend: BackendChoice,
    /// Concurrent clients (tasks sharing one HTTP client).
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Documents posted in the timed phase, in total.
    #[arg(long, default_value_t = 20_000)]
    documents: usize,
    /// Documents posted before timing starts.
    #[arg(long, default_value_t = 200)]
    warmup: usize,
    /// The `cie-server` binary; defaults to the one beside this executable.
    #[arg(long)]
    server_binary: Option<PathBuf>,
    /// PostgreSQL server whose user may CREATE DATABASE, e.g. postgres://cie@127.0.0.1:5432/postgres.
    #[arg(long, env = "CIE_TEST_POSTGRES_URL", hide_env_values = true)]
    postgres_url: Option<String>,
    /// Directory of the XML documents to post (templates; each copy gets a unique invoice number).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/jp-pint"))]
    fixtures: PathBuf,
    /// Extra server setting as KEY=VALUE, e.g. CIE_DATABASE__SQLITE_SYNCHRONOUS=normal (repeatable).
    /// Other CIE_* variables of this environment are not passed on.
    #[arg(long = "server-env", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    server_env: Vec<(String, String)>,
    /// Print the rate every second of the timed phase (and the preload's every few seconds) on stderr.
    #[arg(long)]
    progress: bool,
    /// Documents already archived before each timed phase, e.g. `0,100000,1000000`: the archive is filled
    /// up to each size in turn (bulk-loaded through the store, not posted) and a timed phase runs at each,
    /// all on one database. Sizes count every document archived, the warm-up and earlier phases included.
    #[arg(long, value_delimiter = ',', default_value = "0")]
    preload: Vec<usize>,
    /// Supplier organisations per city that preloaded documents are spread over; the timed phase posts as
    /// the first of the first city.
    #[arg(long, default_value_t = 8)]
    suppliers: usize,
    /// Cities (tenants) that preloaded documents are spread over; the timed phase posts to the first.
    #[arg(long, default_value_t = 1)]
    cities: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendChoice {
    Sqlite,
    Postgres,
    Both,
}

/// A database the server runs on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Backend {
    /// The embedded default: a SQLite file in the data directory.
    Sqlite,
    /// A fresh database on a PostgreSQL server.
    Postgres,
}

impl Backend {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got {text:?}")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = tokio::runtime::Runtime::new()
        .context("starting the Tokio runtime")
        .and_then(|runtime| match cli.command {
            Command::Intake(args) => runtime.block_on(intake(args)),
            Command::Export(args) => runtime.block_on(export(args)),
            Command::Attack(args) => runtime.block_on(attack(args)),
            Command::Pages(args) => runtime.block_on(pages(args)),
            Command::Volume(args) => runtime.block_on(volume(args)),
            Command::Validate(args) => validate::run(
                args.runs,
                args.only.as_deref(),
                args.input.as_deref(),
                args.reference_xslt.as_deref(),
            ),
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cie-bench: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn intake(args: IntakeArgs) -> anyhow::Result<()> {
    if args.clients == 0 || args.documents == 0 || args.suppliers == 0 || args.cities == 0 {
        bail!("--clients, --documents, --suppliers and --cities must be at least 1");
    }
    if args.preload.is_empty() || args.preload.windows(2).any(|pair| pair[0] > pair[1]) {
        bail!("--preload takes archive sizes in ascending order, e.g. 0,100000,1000000");
    }
    let backends: &[Backend] = match args.backend {
        BackendChoice::Sqlite => &[Backend::Sqlite],
        BackendChoice::Postgres => &[Backend::Postgres],
        BackendChoice::Both => &[Backend::Sqlite, Backend::Postgres],
    };
    if backends.contains(&Backend::Postgres) && args.postgres_url.is_none() {
        bail!(
            "the postgres backend needs a PostgreSQL server whose user may CREATE DATABASE: pass \
             --postgres-url or set CIE_TEST_POSTGRES_URL (e.g. postgres://cie@127.0.0.1:5432/postgres)"
        );
    }
    let binary = match &args.server_binary {
        Some(path) => path.clone(),
        None => default_server_binary()?,
    };
    if !binary.is_file() {
        bail!(
            "server binary {} not found: build it with `cargo build --release -p cie-server` or pass --server-binary",
            binary.display()
        );
    }
    let templates = Arc::new(Templates::load(&args.fixtures)?);
    eprintln!(
        "cie-bench: {} templates from {}, server {}",
        templates.len(),
        args.fixtures.display(),
        binary.display()
    );

    let mut rows = Vec::new();
    for &backend in backends {
        eprintln!(
            "cie-bench: {}: {} clients, {} documents (+{} warm-up) at archive sizes {:?}",
            backend.name(),
            args.clients,
            args.documents,
            args.warmup,
            args.preload
        );
        let phases = bench_backend(&args, &binary, backend, &templates)
            .await
            .with_context(|| format!("benchmark on {}", backend.name()))?;
        for figures in &phases {
            if let Some(error) = &figures.first_error {
                eprintln!("cie-bench: first error on {}: {error}", backend.name());
            }
        }
        rows.extend(phases);
    }
    println!("{}", report::table(&rows));
    println!();
    println!("{}", report::thread_table(&rows));
    let failed: usize = rows.iter().map(Figures::errors).sum();
    if failed > 0 {
        bail!("{failed} requests failed");
    }
    Ok(())
}

async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let binary = match &args.server_binary {
        Some(path) => path.clone(),
        None => default_server_binary()?,
    };
    let templates = Arc::new(Templates::load(&args.fixtures)?);
    let backends: &[Backend] = match args.backend {
        BackendChoice::Sqlite => &[Backend::Sqlite],
        BackendChoice::Postgres => &[Backend::Postgres],
        BackendChoice::Both => &[Backend::Sqlite, Backend::Postgres],
    };
    for &backend in backends {
        export::run(
            backend,
            &binary,
            args.postgres_url.as_deref(),
            &templates,
            args.records,
            args.audit,
        )
        .await
        .with_context(|| format!("export benchmark on {}", backend.name()))?;
    }
    Ok(())
}

async fn pages(args: PagesArgs) -> anyhow::Result<()> {
    let binary = match &args.server_binary {
        Some(path) => path.clone(),
        None => default_server_binary()?,
    };
    let templates = Templates::load(&args.fixtures)?;
    let backends: &[Backend] = match args.backend {
        BackendChoice::Sqlite => &[Backend::Sqlite],
        BackendChoice::Postgres => &[Backend::Postgres],
        BackendChoice::Both => &[Backend::Sqlite, Backend::Postgres],
    };
    let plan = pages::Plan {
        invoices: args.invoices,
        requests: args.requests.max(1),
    };
    for &backend in backends {
        pages::run(
            backend,
            &binary,
            args.postgres_url.as_deref(),
            &templates,
            &plan,
        )
        .await
        .with_context(|| format!("page benchmark on {}", backend.name()))?;
    }
    Ok(())
}

async fn volume(args: VolumeArgs) -> anyhow::Result<()> {
    let binary = match &args.server_binary {
        Some(path) => path.clone(),
        None => default_server_binary()?,
    };
    let templates = Arc::new(match &args.template {
        Some(path) => {
            let template =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Templates::from_documents(
                vec![volume::with_valid_numbers(&volume::compacted(&template))],
                &path.display().to_string(),
            )?
        }
        None => Templates::from_documents(volume::generated_invoices(), "a generated invoice")?,
    });
    let backends: &[Backend] = match args.backend {
        BackendChoice::Sqlite => &[Backend::Sqlite],
        BackendChoice::Postgres => &[Backend::Postgres],
        BackendChoice::Both => &[Backend::Sqlite, Backend::Postgres],
    };
    let plan = volume::Plan {
        sizes: args.sizes.clone(),
        cities: args.cities.max(1),
        suppliers: args.suppliers.max(1),
        requests: args.requests.max(1),
        intake_documents: args.intake_documents.max(1),
        clients: args.clients.max(1),
        progress: args.progress,
    };
    for &backend in backends {
        volume::run(
            backend,
            &binary,
            args.postgres_url.as_deref(),
            templates.clone(),
            &plan,
        )
        .await
        .with_context(|| format!("volume benchmark on {}", backend.name()))?;
    }
    Ok(())
}

async fn attack(args: AttackArgs) -> anyhow::Result<()> {
    let binary = match &args.server_binary {
        Some(path) => path.clone(),
        None => default_server_binary()?,
    };
    let plan = attack::Plan {
        clients: args.clients.max(1),
        flood: Duration::from_secs(args.seconds.max(1)),
        connections: args.connections,
        hold: Duration::from_secs(args.hold_seconds),
        attributes: args.attributes,
        posts: args.posts.max(1),
    };
    attack::run(args.kind, &plan, &binary).await
}

fn default_server_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("locating this executable")?;
    let dir = exe
        .parent()
        .context("this executable has no parent directory")?;
    Ok(dir.join(format!("cie-server{}", std::env::consts::EXE_SUFFIX)))
}

async fn bench_backend(
    args: &IntakeArgs,
    binary: &std::path::Path,
    backend: Backend,
    templates: &Arc<Templates>,
) -> anyhow::Result<Vec<Figures>> {
    let database = TempDatabase::for_backend(backend, args.postgres_url.as_deref()).await?;
    let options = ServerOptions {
        binary: binary.to_owned(),
        database_url: database.as_ref().map(|db| db.url().to_owned()),
        extra_env: args.server_env.clone(),
    };
    let result = bench_on_server(args, backend, &options, templates).await;
    TempDatabase::drop_quietly(database).await;
    result
}

async fn bench_on_server(
    args: &IntakeArgs,
    backend: Backend,
    options: &ServerOptions,
    templates: &Arc<Templates>,
) -> anyhow::Result<Vec<Figures>> {
    let mut server = Server::start(options).await?;
    let result = measure(args, backend, &server, options, templates).await;
    let stopped = server.stop(Duration::from_secs(15)).await;
    let figures = result.map_err(|error| match server.log_tail() {
        Some(tail) => error.context(tail),
        None => error,
    })?;
    stopped?;
    Ok(figures)
}

async fn measure(
    args: &IntakeArgs,
    backend: Backend,
    server: &Server,
    options: &ServerOptions,
    templates: &Arc<Templates>,
) -> anyhow::Result<Vec<Figures>> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .timeout(Duration::from_secs(120))
        .build()
        .context("building the HTTP client")?;
    let needs_preload = args.preload.iter().any(|&size| size > 0);
    let stage = setup::stage(
        &client,
        server,
        if needs_preload { args.cities } else { 1 },
        if needs_preload { args.suppliers } else { 1 },
    )
    .await?;
    let url: Arc<str> = Arc::from(server.url("/api/v1/documents"));
    let token: Arc<str> = Arc::from(stage.token.as_str());
    let plan = |label: String, documents: usize, progress: bool| load::Plan {
        client: client.clone(),
        url: url.clone(),
        token: token.clone(),
        templates: templates.clone(),
        clients: args.clients,
        documents,
        label,
        progress,
    };

    let mut archived = 0;
    if args.warmup > 0 {
        let warmup = load::run(plan("W".into(), args.warmup, false)).await;
        if warmup.errors > 0 {
            bail!(
                "{} of {} warm-up documents failed; first: {}",
                warmup.errors,
                args.warmup,
                warmup.first_error.unwrap_or_default()
            );
        }
        archived += args.warmup;
    }

    let mut preloader = if needs_preload {
        Some(
            preload::Preloader::new(
                &client,
                server,
                &stage.token,
                templates.originals(),
                options,
                stage.suppliers.clone(),
                Box::new(cie_domain::SystemClock),
            )
            .await?,
        )
    } else {
        None
    };
    let mut phases = Vec::with_capacity(args.preload.len());
    for (phase, &size) in args.preload.iter().enumerate() {
        if let Some(preloader) = preloader.as_mut()
            && size > archived
        {
            let missing = size - archived;
            eprintln!("cie-bench: preloading {missing} documents (archive: {archived} → {size})");
            let took = preloader.add(missing, args.progress).await?;
            eprintln!(
                "cie-bench: preloaded {missing} documents in {:.1} s ({:.0} docs/s)",
                took.as_secs_f64(),
                missing as f64 / took.as_secs_f64()
            );
            archived = size;
        }
        let counters_before = server.counters(&client).await?;
        let threads_before = server.thread_times()?;
        let server_cpu_before = server.cpu_seconds()?;
        let bench_cpu_before = server::own_cpu_seconds()?;
        let label = format!("B{phase}x");
        let outcome = load::run(plan(label, args.documents, args.progress)).await;
        let server_cpu = server.cpu_seconds()? - server_cpu_before;
        let threads = server.thread_times()?.since(&threads_before);
        let bench_cpu = server::own_cpu_seconds()? - bench_cpu_before;
        let counters = server.counters(&client).await?.since(counters_before);
        let peak_rss_kib = server.peak_rss_kib()?;
        let figures = Figures::new(
            backend,
            args.clients,
            archived,
            args.documents,
            outcome,
            peak_rss_kib,
            server_cpu,
            bench_cpu,
            counters,
            threads,
        );
        eprintln!("{}", report::table(std::slice::from_ref(&figures)));
        eprintln!("{}", report::thread_table(std::slice::from_ref(&figures)));
        archived += args.documents;
        phases.push(figures);
    }
    if let Some(preloader) = preloader {
        eprintln!(
            "cie-bench: {} documents preloaded in all",
            preloader.written()
        );
        preloader.close().await;
    }
    Ok(phases)
}

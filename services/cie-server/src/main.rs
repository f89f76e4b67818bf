//! The `cie-server` binary: parses the command line, loads configuration, and hands over to the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use cie_domain::{Role, SystemClock, TenantId};
use cie_server::accounts::{self, NewSupplierOrgRequest, NewTenantRequest, NewUserRequest};
use cie_server::{App, Config};
use clap::{Parser, Subcommand};

/// mimalloc: intake allocates and frees a parsed document per request; the system allocator hands large
/// blocks back to the kernel and faults them in again (measured with `cie-bench validate` and `intake`). With
/// its `override` feature it is also `malloc` for SQLite, whose writer connection spent a sixth of its time in
/// the system allocator (its CPU per document at intake fell from about 470 to 395 µs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// city-invoice-exchange: receive, validate, archive and find procurement documents between a city and its suppliers.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// TOML configuration file (CIE_* environment variables override it).
    #[arg(long, short, env = "CIE_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the default configuration as TOML.
    DefaultConfig,
    /// Validate documents with every rule set and print the findings; exit 1 if any file has a fatal one.
    Validate {
        /// The XML files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// `text`, or `json` for one JSON object per file and line.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
        /// Also apply this tenant's city rules and the imported registry (opens the database).
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Recompute a tenant's archive hash chain and check every seal, the last checkpoint and the append-only
    /// triggers; report what does not hold (exit 1 if anything).
    VerifyArchive {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
    },
    /// Put back the append-only triggers if someone dropped, disabled or replaced them (the server does this
    /// at start) and say which.
    RestoreTriggers,
    /// Write a backup of the whole database to a new file while the service runs: SQLite's consistent copy
    /// (`VACUUM INTO`), or `pg_dump --format=custom` on PostgreSQL. The sealing key and the checkpoint
    /// directory are not in it: keep them apart.
    Backup {
        /// The file to write (it must not exist).
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into the configured database, which must not exist yet (SQLite) or hold no table
    /// (PostgreSQL), apply the migrations and check every city's archive against its last checkpoint; exit 1
    /// if anything does not hold (e.g. the backup lacks entries a checkpoint recorded).
    Restore {
        /// The backup file written by `backup`.
        #[arg(long)]
        from: PathBuf,
    },
    /// Append a signed checkpoint of every city's chain heads that moved (the server does this every
    /// `sealing.checkpoint_seconds` and at shutdown).
    Checkpoint,
    /// Check a tax-office package offline (no database): every original against index.csv and chain.json,
    /// every entry hash, every link and the head; exit 1 naming the first problem.
    VerifyExport {
        /// The ZIP from `GET /api/v1/exports/audit`.
        file: PathBuf,
    },
    /// Manage tenants, supplier organisations, users and finance clients.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The NTA registry of qualified invoice issuers.
    #[command(subcommand)]
    Registry(RegistryCommand),
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// Import published bulk CSV files (UTF-8, unzipped): 全件データ with --full, else 差分データ.
    Import {
        /// The files, imported in the order given.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Date of the published data (YYYY-MM-DD); defaults to today.
        #[arg(long)]
        data_date: Option<chrono::NaiveDate>,
        /// The files are full data (全件データ) rather than differences.
        #[arg(long)]
        full: bool,
    },
    /// Show what the imported registry says about a number on a date.
    Check {
        /// 登録番号 (T + 13 digits).
        number: String,
        /// The date (YYYY-MM-DD); defaults to today.
        #[arg(long)]
        on: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a tenant (a city), optionally with its first administrator.
    CreateTenant {
        /// Slug, e.g. higashikurume.
        #[arg(long)]
        id: String,
        /// Display name, e.g. 東久留米市.
        #[arg(long)]
        name: String,
        /// First administrator's user name.
        #[arg(long, requires = "admin_password")]
        admin_username: Option<String>,
        /// First administrator's password.
        #[arg(long, env = "CIE_ADMIN_PASSWORD", requires = "admin_username")]
        admin_password: Option<String>,
    },
    /// Register a supplier organisation.
    CreateSupplier {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// Legal name.
        #[arg(long)]
        name: String,
        /// 登録番号 (T + 13 digits).
        #[arg(long)]
        registration_number: Option<String>,
        /// The city's 債権者番号.
        #[arg(long)]
        creditor_number: Option<String>,
    },
    /// Create a user: supplier (needs --supplier-org), staff, approver, finance or admin.
    CreateUser {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// Login name.
        #[arg(long)]
        username: String,
        /// Password (at least 10 characters).
        #[arg(long, env = "CIE_USER_PASSWORD")]
        password: String,
        /// Role.
        #[arg(long)]
        role: String,
        /// Supplier organisation id, for supplier users.
        #[arg(long)]
        supplier_org: Option<i64>,
        /// Name to show.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Create a client for the finance system; prints its id and secret once.
    CreateFinanceClient {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// Short name, e.g. zaimu.
        #[arg(long)]
        name: String,
    },
    /// List tenants.
    ListTenants,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: configuration: {error}");
            return ExitCode::from(2);
        }
    };
    cie_server::telemetry::init(&config.log.format, &config.log.filter);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: starting the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    if let Command::DefaultConfig = command {
        print!("{}", config.to_toml());
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::VerifyExport { file } = &command {
        return verify_export(file);
    }
    if let Command::Restore { from } = &command {
        let report = cie_server::backup::restore(config, Arc::new(SystemClock), from).await?;
        for tenant in &report.without_checkpoint {
            println!(
                "archive of {tenant}: no checkpoint to compare with, so entries missing from the end would go unseen"
            );
        }
        let mut intact = true;
        for city in &report.cities {
            intact &= print_verification(city);
        }
        println!(
            "restored {} into the configured database: {} cities checked",
            from.display(),
            report.cities.len()
        );
        return Ok(if intact {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    if let Command::Validate {
        files,
        format,
        tenant: None,
    } = &command
    {
        return validate_files(None, files, format == "json", &config).await;
    }
    let listen = config.listen.clone();
    let database = cie_server::config::redact_url(&config.database_url());
    let data_dir = config.data_dir.display().to_string();
    let operator_api = config.auth.operator_key.is_some();
    let app = App::build(config, Arc::new(SystemClock)).await?;
    let state = app.state().clone();
    match command {
        Command::Serve => {
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("listening on {listen}"))?;
            tracing::info!(address = %listener.local_addr()?, %database, %data_dir,
                operator_api = if operator_api { "on" } else { "off (set auth.operator_key / CIE_AUTH__OPERATOR_KEY)" },
                "cie-server listening; migrations applied");
            if state.store.list_tenants().await?.is_empty() {
                tracing::info!(
                    "no city yet: create the first with `cie-server admin create-tenant --id <id> --name <name> \
                     --admin-username admin --admin-password <at least 10 characters>` (it works while this server \
                     runs), then log in at POST /api/v1/auth/login"
                );
            }
            // On a worker thread: `block_on` would keep this future, and all it polls, on the main thread.
            tokio::spawn(cie_server::serve(listener, app, shutdown_signal())).await??;
        }
        Command::Migrate => println!("migrations applied"),
        Command::DefaultConfig | Command::VerifyExport { .. } => {}
        Command::Validate {
            files,
            format,
            tenant,
        } => {
            let tenant = tenant.map(|t| TenantId::parse(&t)).transpose()?;
            return validate_files(
                tenant.map(|t| (&state, t)),
                &files,
                format == "json",
                state.config.as_ref(),
            )
            .await;
        }
        Command::VerifyArchive { tenant } => {
            let tenant = TenantId::parse(&tenant)?;
            let report = accounts::verify_archive(&state, &tenant).await?;
            if !print_verification(&report) {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Backup { to } => {
            let report = cie_server::backup::backup(&state, &to).await?;
            for (tenant, seq) in &report.heads {
                println!("{tenant}: archive entries up to {seq} at least");
            }
            println!(
                "backup written to {} ({} bytes); keep the sealing key and the checkpoints apart from it",
                report.path.display(),
                report.bytes
            );
        }
        Command::Restore { .. } => {}
        Command::RestoreTriggers => {
            let restored = cie_server::sealing::restore_guards(&state.store).await?;
            if restored.is_empty() {
                println!("the append-only triggers are in place");
            }
            for problem in restored {
                println!("{problem}: put back");
            }
        }
        Command::Checkpoint => {
            let written = cie_server::sealing::write_checkpoints(&state).await?;
            println!(
                "{written} checkpoint(s) written to {}",
                cie_server::sealing::checkpoint_dir(&state.config).display()
            );
        }
        Command::Admin(admin) => admin_command(&state, admin).await?,
        Command::Registry(RegistryCommand::Import {
            files,
            data_date,
            full,
        }) => {
            let data_date = data_date.unwrap_or_else(|| state.clock.now().date_naive());
            for file in files {
                let report =
                    cie_server::registry::import_file(&state, &file, data_date, full).await?;
                println!(
                    "{}: {} records read, {} written, data date {}",
                    file.display(),
                    report.read,
                    report.written,
                    report.data_date
                );
            }
            let rechecked =
                cie_server::validation::recheck_after_registry_import(&state, data_date).await?;
            println!(
                "{rechecked} open invoices checked again against the registry data of {data_date}"
            );
        }
        Command::Registry(RegistryCommand::Check { number, on }) => {
            let on = on.unwrap_or_else(|| state.clock.now().date_naive());
            let check = cie_server::registry::check(&state, &number, on, None).await?;
            println!("{}", serde_json::to_string_pretty(&check)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn admin_command(state: &cie_server::AppState, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::CreateTenant {
            id,
            name,
            admin_username,
            admin_password,
        } => {
            let tenant = accounts::create_tenant(
                state,
                NewTenantRequest {
                    id,
                    name,
                    admin_username,
                    admin_password,
                },
            )
            .await?;
            println!("created tenant {} ({})", tenant.id, tenant.name);
        }
        AdminCommand::CreateSupplier {
            tenant,
            name,
            registration_number,
            creditor_number,
        } => {
            let tenant = TenantId::parse(&tenant)?;
            let org = accounts::create_supplier_org(
                state,
                &tenant,
                NewSupplierOrgRequest {
                    name,
                    registration_number,
                    creditor_number,
                },
            )
            .await?;
            println!(
                "created supplier organisation {} ({})",
                org.org.id, org.org.name
            );
            for warning in &org.warnings {
                println!("warning: {warning}");
            }
        }
        AdminCommand::CreateUser {
            tenant,
            username,
            password,
            role,
            supplier_org,
            display_name,
        } => {
            let tenant = TenantId::parse(&tenant)?;
            let role: Role = role.parse()?;
            let user = accounts::create_user(
                state,
                &tenant,
                NewUserRequest {
                    username,
                    password,
                    role,
                    display_name,
                    supplier_org_id: supplier_org,
                },
            )
            .await?;
            println!(
                "created {} user {} (id {})",
                user.role, user.username, user.id
            );
        }
        AdminCommand::CreateFinanceClient { tenant, name } => {
            let tenant = TenantId::parse(&tenant)?;
            let credentials = accounts::create_finance_client(state, &tenant, &name).await?;
            println!("client_id={}", credentials.client_id);
            println!("client_secret={}", credentials.client_secret);
        }
        AdminCommand::ListTenants => {
            for tenant in state.store.list_tenants().await? {
                println!("{}\t{}", tenant.id, tenant.name);
            }
        }
    }
    Ok(())
}

/// Prints what a check of a city's archive found; whether it holds.
fn print_verification(report: &cie_store::ArchiveVerification) -> bool {
    let tenant = &report.tenant;
    if report.intact() {
        println!(
            "archive of {tenant} intact: {} entries, head {}, {} sealed records",
            report.entries_checked, report.head_seq, report.records_checked
        );
        return true;
    }
    if let Some(broken) = &report.first_broken {
        println!(
            "archive of {tenant} BROKEN at entry {}: {}",
            broken.seq, broken.reason
        );
    }
    for problem in &report.record_problems {
        println!("archive of {tenant} BROKEN: {problem}");
    }
    false
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Every rule set on one file's bytes: for `tenant` (with its city rules and the registry) or offline.
async fn validate_file(
    tenant: Option<&(&cie_server::AppState, TenantId)>,
    bytes: &[u8],
    config: &Config,
) -> anyhow::Result<cie_server::validation::Verdict> {
    Ok(match tenant {
        Some((state, tenant)) => {
            cie_server::validation::validate_for_tenant(state, tenant, None, bytes.to_vec().into())
                .await?
        }
        None => cie_server::validation::validate_offline(
            bytes,
            &cie_server::validation::TenantContext {
                max_attributes: config.limits.max_attributes,
                max_depth: config.limits.max_depth,
                parallel_rules_nodes: config.limits.parallel_rules_nodes,
                jp_pint_version: cie_rules::official::JpPintVersion::in_force(
                    cie_workflow::japan_day(cie_domain::Clock::now(&SystemClock)),
                    config.rules.jp_pint_1_1_3_from,
                ),
                ..Default::default()
            },
        ),
    })
}

/// Validates each file and prints its findings; the exit code is 1 when any file has a fatal finding.
async fn validate_files(
    tenant: Option<(&cie_server::AppState, TenantId)>,
    files: &[PathBuf],
    json: bool,
    config: &Config,
) -> anyhow::Result<ExitCode> {
    let limits = cie_ubl::Limits {
        max_bytes: config.limits.max_document_bytes,
        max_depth: config.limits.max_depth,
        max_attributes: config.limits.max_attributes,
    };
    let mut any_fatal = false;
    for file in files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        // As at intake: a document whose only problem is a field (its number, a date, an amount) is still
        // checked by every rule set, the reader's finding first; one that cannot be read has that alone.
        let (kind, verdict) = match cie_ubl::parse(&bytes, &limits) {
            Ok(summary) => (
                Some(summary.kind),
                validate_file(tenant.as_ref(), &bytes, config).await?,
            ),
            Err(error) if error.is_field_error() => {
                let mut verdict = validate_file(tenant.as_ref(), &bytes, config).await?;
                verdict
                    .findings
                    .insert(0, cie_server::validation::read_failure(&error));
                (None, verdict)
            }
            Err(error) => (
                None,
                cie_server::validation::Verdict {
                    findings: vec![cie_server::validation::read_failure(&error)],
                    ..Default::default()
                },
            ),
        };
        let fatal = verdict.is_fatal();
        any_fatal |= fatal;
        if json {
            let line = serde_json::json!({
                "file": file.display().to_string(),
                "kind": kind,
                "accepted": !fatal,
                "rule_sets": verdict.rule_sets,
                "findings": verdict.findings,
                "registry": verdict.registry,
            });
            println!("{line}");
        } else {
            let outcome = if fatal { "REJECTED" } else { "accepted" };
            let count = match verdict.findings.len() {
                1 => "1 finding".to_owned(),
                n => format!("{n} findings"),
            };
            let rule_sets = if verdict.rule_sets.is_empty() {
                "no rule set could read it".to_owned()
            } else {
                verdict.rule_sets.join(", ")
            };
            println!("{}: {outcome} ({count}; {rule_sets})", file.display());
            for finding in &verdict.findings {
                let location = &finding.location;
                // A finding outside any element (text before the root) has a line and column only.
                let place = if location.path.is_empty() {
                    format!("{}:{}", location.line, location.column)
                } else {
                    format!("{} ({}:{})", location.path, location.line, location.column)
                };
                println!(
                    "  [{}] {} at {place}\n    {}\n    {}",
                    finding.severity, finding.rule_id, finding.message_ja, finding.message_en
                );
            }
        }
    }
    Ok(if any_fatal {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `verify-export FILE.zip`: reads the package (each file's SHA-256 computed as it streams by) and checks it
/// with [`cie_audit::verify`].
fn verify_export(path: &std::path::Path) -> anyhow::Result<ExitCode> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .with_context(|| format!("{} is not a ZIP file", path.display()))?;
    let mut files = Vec::with_capacity(zip.len());
    let (mut chain, mut index) = (None, None);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        let name = entry.name()?.into_owned();
        if name == cie_audit::package::CHAIN_FILE || name == cie_audit::package::INDEX_FILE {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes)?;
            if name == cie_audit::package::CHAIN_FILE {
                chain = Some(bytes);
            } else {
                index = Some(bytes);
            }
            continue;
        }
        let mut hasher = Sha256::new();
        let size = std::io::copy(&mut entry, &mut hasher)
            .with_context(|| format!("reading {name} from the ZIP"))?;
        files.push(cie_audit::OriginalFile {
            name,
            sha256: hex::encode(hasher.finalize()),
            size,
        });
    }
    let (Some(chain), Some(index)) = (chain, index) else {
        println!(
            "{}: NOT a package: {} or {} is missing",
            path.display(),
            cie_audit::package::CHAIN_FILE,
            cie_audit::package::INDEX_FILE
        );
        return Ok(ExitCode::FAILURE);
    };
    match cie_audit::verify(&chain, &index, &files) {
        Ok(report) => {
            println!("{}: package intact", path.display());
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Err(problem) => {
            println!("{}: package BROKEN: {problem}", path.display());
            Ok(ExitCode::FAILURE)
        }
    }
}

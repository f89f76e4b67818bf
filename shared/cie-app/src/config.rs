//! Configuration: defaults in code that run on embedded SQLite with no file at all, an optional TOML file,
//! and `CIE_` environment variables on top (`__` separates sections: `CIE_DATABASE__URL`).

use std::fmt;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything the server can be told.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// Directory for the SQLite database and the generated token key.
    pub data_dir: PathBuf,
    /// Database settings.
    pub database: DatabaseConfig,
    /// Size and nesting limits for received documents.
    pub limits: LimitsConfig,
    /// Connection and request limits: timeouts, caps, trusted proxies.
    pub http: HttpConfig,
    /// The web pages.
    pub web: WebConfig,
    /// Token and operator settings.
    pub auth: AuthConfig,
    /// Rule settings.
    pub rules: RulesConfig,
    /// Logging.
    pub log: LogConfig,
    /// Late-payment interest (支払遅延防止法 art. 8).
    pub payment: PaymentConfig,
    /// The finance export.
    pub exports: ExportsConfig,
    /// Seals and checkpoints (tamper evidence).
    pub sealing: SealingConfig,
    /// The Prometheus metrics at `GET /metrics`.
    pub metrics: MetricsConfig,
    /// Where the bytes of received documents are kept.
    pub originals: OriginalsConfig,
}

/// Where the bytes of received documents (the originals) are kept: in the database, or in an S3-compatible
/// object store, content-addressed by SHA-256 (`<prefix><tenant>/<2 hex digits>/<sha256>`). Entries keep
/// where they were written, so switching applies to what arrives from then on.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OriginalsConfig {
    /// `database` or `object_store`.
    pub location: String,
    /// The store's endpoint, e.g. `https://s3.ap-northeast-1.amazonaws.com` or `http://127.0.0.1:9000`.
    pub endpoint: Option<String>,
    /// The bucket.
    pub bucket: Option<String>,
    /// The bucket's region.
    pub region: String,
    /// Access key id.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<String>,
    /// Address the bucket in the path (MinIO and most S3-compatible stores) rather than the host name.
    pub path_style: bool,
    /// Prepended to every key.
    pub prefix: String,
    /// Most seconds one request to the store may take.
    pub timeout_seconds: u64,
}

impl Default for OriginalsConfig {
    fn default() -> Self {
        Self {
            location: "database".into(),
            endpoint: None,
            bucket: None,
            region: "us-east-1".into(),
            access_key_id: None,
            secret_access_key: None,
            path_style: true,
            prefix: "originals/".into(),
            timeout_seconds: 30,
        }
    }
}

impl fmt::Debug for OriginalsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginalsConfig")
            .field("location", &self.location)
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "***"),
            )
            .finish_non_exhaustive()
    }
}

impl OriginalsConfig {
    /// The object store to keep originals in; `None` for the database. Fails naming the setting that is
    /// missing or wrong.
    pub fn object_store(&self) -> Result<Option<cie_objects::ObjectStoreSettings>, String> {
        match self.location.as_str() {
            "database" => Ok(None),
            "object_store" => {
                let required = |value: &Option<String>, key: &str| {
                    value.clone().filter(|v| !v.is_empty()).ok_or_else(|| {
                        format!(
                            "originals.{key} (CIE_ORIGINALS__{}) is needed when originals.location is object_store",
                            key.to_ascii_uppercase()
                        )
                    })
                };
                Ok(Some(cie_objects::ObjectStoreSettings {
                    endpoint: required(&self.endpoint, "endpoint")?,
                    bucket: required(&self.bucket, "bucket")?,
                    region: self.region.clone(),
                    access_key_id: required(&self.access_key_id, "access_key_id")?,
                    secret_access_key: required(&self.secret_access_key, "secret_access_key")?,
                    path_style: self.path_style,
                    prefix: self.prefix.clone(),
                    timeout: std::time::Duration::from_secs(self.timeout_seconds.max(1)),
                }))
            }
            other => Err(format!(
                "originals.location must be \"database\" or \"object_store\", not {other:?}"
            )),
        }
    }
}

/// The Prometheus metrics at `GET /metrics`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// The bearer token a scraper presents (Prometheus `authorization: credentials`). Unset: `/metrics` is
    /// off and answers 403 saying so.
    pub token: Option<String>,
    /// Open invoices due within this many days (today included) count as near their deadline.
    pub due_soon_days: u32,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            token: None,
            due_soon_days: 7,
        }
    }
}

impl fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsConfig")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("due_soon_days", &self.due_soon_days)
            .finish()
    }
}

/// Tamper evidence: the key that seals the archive, documents, verdicts and audit log, and the signed
/// checkpoints of each city's chain heads, both kept outside the database.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SealingConfig {
    /// The sealing secret, 64 hex digits; unset means a random one kept in `<data_dir>/sealing-key`. Every
    /// server on the same database needs the same secret; losing it makes the seals uncheckable.
    pub key: Option<String>,
    /// Where signed checkpoints are appended, one file per city; unset means `<data_dir>/checkpoints`. Keep it
    /// (or a copy) where the database administrator cannot write.
    pub checkpoint_dir: Option<PathBuf>,
    /// Seconds between checkpoints of every city whose chain moved (0: only at start and shutdown).
    pub checkpoint_seconds: u64,
}

impl Default for SealingConfig {
    fn default() -> Self {
        Self {
            key: None,
            checkpoint_dir: None,
            checkpoint_seconds: 60,
        }
    }
}

/// Finance export settings.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExportsConfig {
    /// Directory of the cities' export layouts, `<tenant>.toml` each; unset means `<data_dir>/export-layouts`.
    /// A city without one gets the default layout (CSV in UTF-8, every field).
    pub layouts_dir: Option<PathBuf>,
    /// How long a pulled record is held for the client that pulled it before another may take it, in minutes.
    pub lease_minutes: i64,
}

impl Default for ExportsConfig {
    fn default() -> Self {
        Self {
            layouts_dir: None,
            lease_minutes: 10,
        }
    }
}

/// Late-payment interest settings.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentConfig {
    /// The rates with the day each took effect (percent a year), e.g. `{ from = "2021-04-01", percent = "2.5" }`.
    pub interest_rates: Vec<InterestRate>,
    /// Interest below this many yen is not charged.
    pub minimum_interest_yen: rust_decimal::Decimal,
}

/// One late-interest rate and the day it took effect.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterestRate {
    /// First day the rate applies.
    pub from: chrono::NaiveDate,
    /// Percent a year, as a decimal string.
    pub percent: rust_decimal::Decimal,
}

impl Default for PaymentConfig {
    fn default() -> Self {
        let rates = cie_workflow::InterestRates::default();
        Self {
            interest_rates: rates
                .rates
                .iter()
                .map(|(from, percent)| InterestRate {
                    from: *from
                        .max(&chrono::NaiveDate::from_ymd_opt(1949, 12, 1).unwrap_or_default()),
                    percent: *percent,
                })
                .collect(),
            minimum_interest_yen: rates.minimum_yen,
        }
    }
}

impl PaymentConfig {
    /// The rate table for the payment clock.
    pub fn rates(&self) -> cie_workflow::InterestRates {
        cie_workflow::InterestRates {
            rates: self
                .interest_rates
                .iter()
                .map(|rate| (rate.from, rate.percent))
                .collect(),
            minimum_yen: self.minimum_interest_yen,
        }
    }
}

/// Rule settings.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RulesConfig {
    /// Directory of the cities' rules files, `<tenant>.toml` each; unset means `<data_dir>/city-rules`.
    pub city_rules_dir: Option<PathBuf>,
    /// The first day (Japan time) documents are judged by JP PINT 1.1.3; documents received before it are
    /// judged by 1.1.2. Unset: 1.1.3 judges every document.
    pub jp_pint_1_1_3_from: Option<chrono::NaiveDate>,
}

/// Database settings.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`; unset means `sqlite://<data_dir>/cie.sqlite`.
    pub url: Option<String>,
    /// Pool size.
    pub max_connections: u32,
    /// SQLite durability: `full` (fsync every commit, the default) or `normal`.
    pub sqlite_synchronous: String,
    /// Most submissions committed in one archive transaction.
    pub max_batch: usize,
    /// SQLite page cache of the archive writer's connection, in MiB (each reading connection gets a
    /// quarter): the indexes intake looks up stay in memory as the archive grows.
    pub sqlite_cache_mib: u32,
    /// Commit each city's submissions in a transaction of their own instead of everything that arrived
    /// together in one: for PostgreSQL distributed by city (Citus, `deploy/citus.md`).
    pub one_city_per_transaction: bool,
}

/// Limits on received documents.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest document accepted, in bytes; a larger one is rejected and only its first
    /// `refused_keep_bytes` are archived, with its size and SHA-256.
    pub max_document_bytes: usize,
    /// Largest request body read at all: a larger body is counted and hashed (never kept) up to here, then the
    /// connection stops being read and its size is recorded as "at least".
    pub max_body_bytes: usize,
    /// Bytes kept of a refused oversized or over-quota body.
    pub refused_keep_bytes: usize,
    /// Bytes of document bodies held in memory at once by all requests together; a request that finds the
    /// budget spent waits up to 5 s, then gets 503 `busy`.
    pub bodies_in_flight_bytes: usize,
    /// Bytes one supplier organisation (or, for documents of no organisation, one user) may have archived per
    /// day (Japan time); past it submissions get 429 `quota_exceeded` and only their first bytes are kept.
    /// 0: no quota.
    pub daily_archive_bytes_per_supplier: u64,
    /// Deepest element nesting accepted.
    pub max_depth: usize,
    /// Most attributes (namespace declarations included) accepted on one element.
    pub max_attributes: usize,
    /// The nice value (0–19) of the threads that read and validate documents (see `cie_app::cpu`): under
    /// load they yield a core to the archive writer, which every document waits for in turn. 0 leaves
    /// them at the server's own priority.
    pub cpu_work_nice: i32,
    /// Documents of at least this many DOM nodes (about 250 KB of UBL) have their official rules checked in
    /// two parts on two threads (see `validation::validate_document`); 0 checks every document on one.
    pub parallel_rules_nodes: usize,
}

/// The default of [`LimitsConfig::parallel_rules_nodes`].
pub const DEFAULT_PARALLEL_RULES_NODES: usize = 20_000;

/// Connection and request limits, so that slow or stalled clients cannot hold the server.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// A request's head (request line and headers) must arrive within this many seconds of its first byte,
    /// and a new connection's first head within this many seconds of the connection; else it is closed.
    pub header_read_timeout_seconds: u64,
    /// A request body that delivers nothing for this many seconds is cut off with 408 `body_timeout`.
    pub body_read_timeout_seconds: u64,
    /// A kept-alive connection with no request for this many seconds is closed.
    pub idle_timeout_seconds: u64,
    /// Most connections open at once; past it a new connection is answered 503 `busy` and closed (from
    /// loopback, 64 more are let in so that a local health check gets through).
    pub max_connections: usize,
    /// Most requests in progress at once from one client address; past it the answer is 429
    /// `too_many_requests` (`GET /health` is not counted).
    pub max_requests_per_client: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client: for a connection from one of these the
    /// client address is the last address in that header that is not itself a trusted proxy. Empty: the
    /// connection's peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// Token and operator settings.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// HMAC key for tokens; unset means a random key kept in `<data_dir>/jwt-secret`.
    pub jwt_secret: Option<String>,
    /// Lifetime of a login token, in minutes.
    pub token_ttl_minutes: i64,
    /// Key of the platform operator, who creates tenants over the API; unset disables that API.
    pub operator_key: Option<String>,
}

/// Logging.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` or `json`.
    pub format: String,
    /// `tracing` filter directive, e.g. `info,cie_server=debug`; `RUST_LOG` wins when set.
    pub filter: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database: DatabaseConfig::default(),
            limits: LimitsConfig::default(),
            http: HttpConfig::default(),
            web: WebConfig::default(),
            auth: AuthConfig::default(),
            rules: RulesConfig::default(),
            log: LogConfig::default(),
            payment: PaymentConfig::default(),
            exports: ExportsConfig::default(),
            sealing: SealingConfig::default(),
            metrics: MetricsConfig::default(),
            originals: OriginalsConfig::default(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: None,
            max_connections: 8,
            sqlite_synchronous: "full".into(),
            max_batch: 64,
            sqlite_cache_mib: 64,
            one_city_per_transaction: false,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_document_bytes: 10 * 1024 * 1024,
            max_body_bytes: 1024 * 1024 * 1024,
            refused_keep_bytes: 4096,
            bodies_in_flight_bytes: 256 * 1024 * 1024,
            daily_archive_bytes_per_supplier: 1024 * 1024 * 1024,
            max_depth: 64,
            max_attributes: cie_ubl::DEFAULT_MAX_ATTRIBUTES,
            cpu_work_nice: 5,
            parallel_rules_nodes: DEFAULT_PARALLEL_RULES_NODES,
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            header_read_timeout_seconds: 10,
            body_read_timeout_seconds: 30,
            idle_timeout_seconds: 75,
            max_connections: 4096,
            max_requests_per_client: 32,
            trusted_proxies: Vec::new(),
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            token_ttl_minutes: 8 * 60,
            operator_key: None,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: "text".into(),
            filter: "info".into(),
        }
    }
}

/// The top-level keys `CIE_` variables may set; other `CIE_` variables (`CIE_CONFIG`, `CIE_ADMIN_PASSWORD`, …)
/// are not configuration.
const SECTIONS: [&str; 14] = [
    "listen",
    "data_dir",
    "database",
    "limits",
    "http",
    "web",
    "auth",
    "rules",
    "log",
    "payment",
    "exports",
    "sealing",
    "metrics",
    "originals",
];

/// The web pages.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Whether session cookies are marked `Secure` (sent over HTTPS only); turn off only to try the pages over
    /// plain HTTP on one's own machine.
    pub secure_cookies: bool,
    /// Minutes without a page request after which a web session ends (besides its end after
    /// `auth.token_ttl_minutes`).
    pub idle_minutes: i64,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: true,
            idle_minutes: 30,
        }
    }
}

impl Config {
    /// Defaults, then the TOML file `path` (if given), then `CIE_*` variables.
    pub fn load(path: Option<&Path>) -> Result<Config, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = path {
            figment = figment.merge(Toml::file_exact(path));
        }
        figment
            .merge(
                Env::prefixed("CIE_")
                    .filter(|key| {
                        SECTIONS
                            .iter()
                            .any(|section| key.as_str().to_ascii_lowercase().starts_with(section))
                    })
                    .split("__"),
            )
            .extract()
            .map_err(Box::new)
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("cie.sqlite").display()),
        }
    }

    /// The configuration as TOML, secrets included (for `cie-server default-config`).
    pub fn to_toml(&self) -> String {
        toml_like(self)
    }
}

fn toml_like(config: &Config) -> String {
    let value = serde_json::to_value(config).unwrap_or_default();
    let mut top = String::new();
    let mut sections = String::new();
    if let serde_json::Value::Object(map) = value {
        for (key, value) in map {
            match value {
                serde_json::Value::Object(section) => {
                    sections.push_str(&format!("\n[{key}]\n"));
                    let mut tables = String::new();
                    for (field, value) in section {
                        match value {
                            serde_json::Value::Null => sections.push_str(&format!("# {field} =\n")),
                            serde_json::Value::Array(items)
                                if items.iter().all(serde_json::Value::is_object)
                                    && !items.is_empty() =>
                            {
                                for item in items {
                                    tables.push_str(&format!("\n[[{key}.{field}]]\n"));
                                    if let serde_json::Value::Object(entries) = item {
                                        for (name, value) in entries {
                                            tables.push_str(&format!("{name} = {value}\n"));
                                        }
                                    }
                                }
                            }
                            other => sections.push_str(&format!("{field} = {other}\n")),
                        }
                    }
                    sections.push_str(&tables);
                }
                other => top.push_str(&format!("{key} = {other}\n")),
            }
        }
    }
    top + &sections
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url()))
            .field("max_document_bytes", &self.limits.max_document_bytes)
            .field("jwt_secret", &self.auth.jwt_secret.as_ref().map(|_| "***"))
            .field(
                "operator_key",
                &self.auth.operator_key.as_ref().map(|_| "***"),
            )
            .field("sealing_key", &self.sealing.key.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

/// `url` without the password it may carry, for logs and messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(start), Some(at)) if at > start => {
            format!("{}://***@{}", &url[..start], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_run_on_embedded_sqlite_in_the_data_directory() {
        let config = Config::default();
        assert_eq!(config.database_url(), "sqlite://data/cie.sqlite");
        assert_eq!(config.limits.max_document_bytes, 10 * 1024 * 1024);
    }

    #[test]
    fn the_printed_default_configuration_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cie.toml");
        std::fs::write(&path, Config::default().to_toml()).unwrap();
        let loaded = Config::load(Some(&path)).unwrap();
        assert_eq!(loaded.listen, Config::default().listen);
        assert_eq!(
            loaded.payment.rates(),
            Config::default().payment.rates(),
            "the interest-rate table round-trips"
        );
        assert_eq!(loaded.limits.max_depth, 64);
    }

    #[test]
    fn the_example_deployment_configuration_loads_with_its_interest_rates() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/config.example.toml");
        let loaded = Config::load(Some(&path)).unwrap();
        let rates = loaded.payment.rates();
        let day = |raw: &str| raw.parse::<chrono::NaiveDate>().unwrap();
        assert_eq!(rates.rate_on(day("2021-04-01")).to_string(), "2.5");
        assert_eq!(rates.rate_on(day("2021-03-31")).to_string(), "2.6");
        assert_eq!(rates.rate_on(day("2010-01-01")).to_string(), "3.0");
        assert_eq!(rates.minimum_yen.to_string(), "100");
        assert_eq!(
            Config::default().payment.rates().rate_on(day("2026-11-23")),
            rates.rate_on(day("2026-11-23"))
        );
    }

    #[test]
    fn an_object_store_for_originals_names_the_setting_it_lacks() {
        let mut originals = OriginalsConfig::default();
        assert!(
            originals.object_store().unwrap().is_none(),
            "the database by default"
        );
        originals.location = "object_store".into();
        originals.endpoint = Some("http://127.0.0.1:9000".into());
        let missing = originals.object_store().unwrap_err();
        assert!(
            missing.contains("originals.bucket (CIE_ORIGINALS__BUCKET)"),
            "{missing}"
        );
        originals.bucket = Some("cie".into());
        originals.access_key_id = Some("id".into());
        originals.secret_access_key = Some("secret".into());
        let settings = originals.object_store().unwrap().unwrap();
        assert_eq!(settings.bucket, "cie");
        assert!(!format!("{originals:?}").contains("secret\""));
        originals.location = "s3".into();
        assert!(originals.object_store().unwrap_err().contains("not \"s3\""));
    }

    #[test]
    fn every_section_can_be_set_from_the_environment() {
        let value = serde_json::to_value(Config::default()).unwrap();
        for key in value.as_object().unwrap().keys() {
            assert!(SECTIONS.contains(&key.as_str()), "{key} is not in SECTIONS");
        }
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cie.toml");
        std::fs::write(&path, "[database]\nulr = \"sqlite://x\"\n").unwrap();
        assert!(Config::load(Some(&path)).is_err());
    }

    #[test]
    fn debug_output_hides_secrets() {
        let mut config = Config::default();
        config.database.url = Some("postgres://cie:hunter2@db/cie".into());
        config.auth.jwt_secret = Some("topsecret".into());
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("topsecret"),
            "{shown}"
        );
    }
}

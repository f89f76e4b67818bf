//! The end-to-end harness: spawns the real server on `127.0.0.1:0` against a fresh SQLite file or a fresh
//! PostgreSQL database, and talks to it over HTTP with one helper per endpoint.
//!
//! PostgreSQL comes from `CIE_TEST_POSTGRES_URL` (a server whose user may CREATE DATABASE);
//! `tests/run-all.sh` provides one. Without it every PostgreSQL test fails, saying so.

pub mod browser;
pub mod process;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use cie_domain::FixedClock;
use cie_server::{App, Config};
use cie_store::Store;
use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sqlx::Connection;
use tokio::sync::oneshot;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on the PostgreSQL server named by `CIE_TEST_POSTGRES_URL`.
    Postgres,
}

/// The operator key the test servers accept.
pub const OPERATOR_KEY: &str = "operator-key-for-tests-only";
/// Supplier A's 登録番号, with a valid check digit (the official examples' `T1234567890123` has none).
pub const SUPPLIER_A_REGISTRATION_NUMBER: &str = "T9234567890123";

/// The 登録番号 the official JP PINT examples give their seller.
pub const EXAMPLE_REGISTRATION_NUMBER: &str = "T1234567890123";

/// A password good enough for the server's rules.
pub const PASSWORD: &str = "correct horse battery";

/// A running server and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The HTTP client.
    pub client: reqwest::Client,
    /// The server's store, for checks and sabotage that bypass the API.
    pub store: Store,
    /// The server's clock.
    pub clock: Arc<FixedClock>,
    /// The backend in use.
    pub backend: Backend,
    /// The server's data directory.
    pub data_dir: PathBuf,
    database_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

/// The moment test clocks start at.
pub fn start_of_tests() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0)
        .single()
        .expect("valid date")
}

impl TestApp {
    /// Spawns a server on a fresh database of `backend`.
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Spawns a server after letting `adjust` change its configuration.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut config = Config {
            listen: "127.0.0.1:0".into(),
            data_dir: dir.path().join("data"),
            ..Config::default()
        };
        config.auth.jwt_secret = Some("test-secret-0123456789abcdef".into());
        config.auth.operator_key = Some(OPERATOR_KEY.into());
        config.database.max_connections = 4;
        config.database.sqlite_synchronous = "normal".into();
        config.database.url = Some(match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("cie.sqlite").display()),
            Backend::Postgres => fresh_postgres_database().await,
        });
        adjust(&mut config);
        let data_dir = config.data_dir.clone();
        let database_url = config.database_url();
        let clock = Arc::new(FixedClock::new(start_of_tests()));
        let app = App::build(config, clock.clone())
            .await
            .expect("the server builds");
        let store = app.state().store.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let address = format!("http://{}", listener.local_addr().expect("local address"));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            cie_server::serve(listener, app, async {
                let _ = stopped.await;
            })
            .await
            .expect("the server runs");
        });
        if std::env::var_os("TEST_LOG").is_some() {
            eprintln!("test server at {address} on {backend:?}");
        }
        TestApp {
            address,
            client: reqwest::Client::new(),
            store,
            clock,
            backend,
            data_dir,
            database_url,
            shutdown: Some(shutdown),
            server: Some(server),
            _dir: dir,
        }
    }

    /// Imports the NTA registry file `file` (under `tests/fixtures`) of `data_date` with the
    /// `cie-server registry import` subcommand, full data or a difference, and returns what it did.
    pub fn import_registry(&self, file: &str, data_date: &str, full: bool) -> std::process::Output {
        let path = fixture_path(file);
        let mut args = vec![
            "registry",
            "import",
            path.to_str().expect("a UTF-8 path"),
            "--data-date",
            data_date,
        ];
        if full {
            args.push("--full");
        }
        run_server_command(&self.database_url, &self.data_dir, &args)
    }

    /// Runs the `cie-server` binary with `args` on this server's database and data directory, as an
    /// operator would beside the running server.
    pub fn run_command(&self, args: &[&str]) -> std::process::Output {
        run_server_command(&self.database_url, &self.data_dir, args)
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// The database URL the server runs on.
    pub fn store_url(&self) -> String {
        self.database_url.clone()
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The address the server listens on, for raw TCP.
    pub fn socket_address(&self) -> std::net::SocketAddr {
        self.address
            .trim_start_matches("http://")
            .parse()
            .expect("the server's address is IP:port")
    }

    /// Creates a tenant through the operator API, with an administrator `admin` / [`PASSWORD`].
    pub async fn create_tenant(&self, id: &str, name: &str) -> Response {
        self.client
            .post(self.url("/api/v1/operator/tenants"))
            .bearer_auth(OPERATOR_KEY)
            .json(&json!({ "id": id, "name": name, "admin_username": "admin", "admin_password": PASSWORD }))
            .send()
            .await
            .expect("request")
    }

    /// Logs in.
    pub async fn login(&self, tenant: &str, username: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "tenant": tenant, "username": username, "password": password }))
            .send()
            .await
            .expect("request")
    }

    /// Logs in and returns the token, failing the test if login fails.
    pub async fn token(&self, tenant: &str, username: &str, password: &str) -> String {
        let response = self.login(tenant, username, password).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "login of {username} in {tenant}"
        );
        let body: Value = response.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    /// `POST` JSON with a token.
    pub async fn post_json(&self, token: &str, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// `PUT` a JSON body with a token.
    pub async fn put_json(&self, token: &str, path: &str, body: &Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// `GET` with a token.
    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// `GET` with a token, expecting 200 and JSON.
    pub async fn get_json<T: DeserializeOwned>(&self, token: &str, path: &str) -> T {
        let response = self.get(token, path).await;
        let status = response.status();
        let text = response.text().await.expect("body");
        assert_eq!(status, StatusCode::OK, "GET {path}: {text}");
        serde_json::from_str(&text).expect("json")
    }

    /// Submits a document's raw bytes.
    pub async fn submit(&self, token: &str, bytes: impl Into<reqwest::Body>) -> Response {
        self.client
            .post(self.url("/api/v1/documents"))
            .bearer_auth(token)
            .header("content-type", "application/xml")
            .body(bytes)
            .send()
            .await
            .expect("request")
    }

    /// Checks a document's raw bytes with the pre-check (`POST /api/v1/validate`), which archives nothing.
    pub async fn pre_check(&self, token: &str, bytes: impl Into<reqwest::Body>) -> Response {
        self.client
            .post(self.url("/api/v1/validate"))
            .bearer_auth(token)
            .header("content-type", "application/xml")
            .body(bytes)
            .send()
            .await
            .expect("request")
    }

    /// The body of `GET path` as bytes (an original, a PDF, a download).
    pub async fn get_bytes(&self, token: &str, path: &str) -> Vec<u8> {
        self.get(token, path)
            .await
            .bytes()
            .await
            .expect("a body")
            .to_vec()
    }

    /// Submits on behalf of supplier organisation `org` (city users).
    pub async fn submit_for(
        &self,
        token: &str,
        org: i64,
        bytes: impl Into<reqwest::Body>,
    ) -> Response {
        self.client
            .post(self.url(&format!("/api/v1/documents?supplier_org={org}")))
            .bearer_auth(token)
            .body(bytes)
            .send()
            .await
            .expect("request")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if self.backend == Backend::Postgres {
            drop_postgres_database(&self.database_url);
        }
    }
}

/// Drops the test database at `url` (made by [`fresh_postgres_database`]), whoever is still connected, so
/// that a server the caller supplied is left as it was found. Runs on a thread of its own: a test's runtime
/// may be shutting down.
fn drop_postgres_database(url: &str) {
    let (Ok(admin_url), Some(name)) = (
        std::env::var("CIE_TEST_POSTGRES_URL"),
        url.split('?')
            .next()
            .and_then(|base| base.rsplit('/').next())
            .filter(|name| name.starts_with("cie_test_"))
            .map(str::to_owned),
    ) else {
        return;
    };
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        runtime.block_on(async {
            let mut conn = sqlx::postgres::PgConnection::connect(&admin_url)
                .await
                .ok()?;
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .ok()?;
            let _ = conn.close().await;
            Some(())
        })
    })
    .join();
    if !matches!(dropped, Ok(Some(()))) && std::env::var_os("TEST_LOG").is_some() {
        eprintln!("the test database of {url} could not be dropped");
    }
}

/// A city with an administrator, a staff user, an approver, two supplier organisations with a user each.
pub struct City {
    /// Tenant id.
    pub tenant: String,
    /// Administrator token.
    pub admin: String,
    /// Staff token.
    pub staff: String,
    /// Supplier A's organisation id.
    pub org_a: i64,
    /// Supplier A's user token.
    pub supplier_a: String,
    /// Supplier B's organisation id.
    pub org_b: i64,
    /// Supplier B's user token.
    pub supplier_b: String,
}

impl TestApp {
    /// Sets up a [`City`] named `tenant`.
    pub async fn city(&self, tenant: &str) -> City {
        let response = self.create_tenant(tenant, "テスト市").await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "create tenant {tenant}"
        );
        let admin = self.token(tenant, "admin", PASSWORD).await;
        let org_a = self
            .create_org(
                &admin,
                "株式会社 〇〇商事",
                Some(SUPPLIER_A_REGISTRATION_NUMBER),
            )
            .await;
        let org_b = self.create_org(&admin, "有限会社 △△工務店", None).await;
        self.create_user(&admin, "staff", "staff", None).await;
        self.create_user(&admin, "supplier-a", "supplier", Some(org_a))
            .await;
        self.create_user(&admin, "supplier-b", "supplier", Some(org_b))
            .await;
        City {
            tenant: tenant.to_owned(),
            staff: self.token(tenant, "staff", PASSWORD).await,
            supplier_a: self.token(tenant, "supplier-a", PASSWORD).await,
            supplier_b: self.token(tenant, "supplier-b", PASSWORD).await,
            admin,
            org_a,
            org_b,
        }
    }

    /// Registers a supplier organisation and returns its id.
    pub async fn create_org(
        &self,
        admin: &str,
        name: &str,
        registration_number: Option<&str>,
    ) -> i64 {
        let response = self
            .post_json(
                admin,
                "/api/v1/admin/supplier-orgs",
                &json!({ "name": name, "registration_number": registration_number }),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "create organisation {name}"
        );
        let body: Value = response.json().await.expect("json");
        body["id"].as_i64().expect("id")
    }

    /// Creates a user with [`PASSWORD`] and returns its id.
    pub async fn create_user(
        &self,
        admin: &str,
        username: &str,
        role: &str,
        org: Option<i64>,
    ) -> i64 {
        let response = self
            .post_json(
                admin,
                "/api/v1/admin/users",
                &json!({ "username": username, "password": PASSWORD, "role": role, "supplier_org_id": org }),
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            status,
            StatusCode::CREATED,
            "create user {username}: {body}"
        );
        body["id"].as_i64().expect("id")
    }
}

/// The path of a test fixture under `tests/fixtures`.
pub fn fixture_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative)
}

/// The bytes of a test fixture.
pub fn fixture(relative: &str) -> Vec<u8> {
    std::fs::read(fixture_path(relative)).unwrap_or_else(|e| panic!("fixture {relative}: {e}"))
}

/// Every XML fixture, as paths relative to `tests/fixtures`, sorted.
pub fn all_fixtures() -> Vec<String> {
    let root = fixture_path("");
    let mut found = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("fixture directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "xml") {
                let relative = path.strip_prefix(&root).expect("under root");
                found.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

async fn fresh_postgres_database() -> String {
    let admin_url = std::env::var("CIE_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "CIE_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite needs a server whose user may \
             CREATE DATABASE (e.g. postgres://cie@127.0.0.1:5432/postgres). Run ./tests/run-all.sh, which \
             starts a throwaway one."
        )
    });
    let mut conn = sqlx::postgres::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to CIE_TEST_POSTGRES_URL ({admin_url}): {e}"));
    let name = format!("cie_test_{:016x}", rand::random::<u64>());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE on CIE_TEST_POSTGRES_URL failed: {e}"));
    let _ = conn.close().await;
    replace_database(&admin_url, &name)
}

fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host = match path_start {
        Some(start) => &base[..start],
        None => base,
    };
    match query {
        Some(query) => format!("{host}/{database}?{query}"),
        None => format!("{host}/{database}"),
    }
}

/// Runs the `cie-server` binary with `args` against the database at `database_url`.
///
/// The binary is the one `cargo test --workspace` builds beside this test binary.
pub fn run_server_command(
    database_url: &str,
    data_dir: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    let binary = server_binary();
    std::process::Command::new(&binary)
        .args(args)
        .env("CIE_DATABASE__URL", database_url)
        .env("CIE_DATA_DIR", data_dir)
        .env("CIE_LOG__FILTER", "warn")
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", binary.display()))
}

/// The `cie-server` binary `cargo test --workspace` builds beside the test binaries.
pub fn server_binary() -> PathBuf {
    let test_binary = std::env::current_exe().expect("current executable");
    let profile_dir = test_binary
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps");
    let binary = profile_dir.join(format!("cie-server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build -p cie-server` (./tests/run-all.sh builds it)",
        binary.display()
    );
    binary
}

/// The text of a PDF as poppler's `pdftotext -layout` reads it (tests/run-all.sh installs poppler-utils).
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("document.pdf");
    std::fs::write(&file, pdf).expect("PDF written");
    let output = std::process::Command::new("pdftotext")
        .args(["-layout", file.to_str().expect("a UTF-8 path"), "-"])
        .output()
        .expect("pdftotext (poppler-utils) must be installed: tests/run-all.sh installs it");
    String::from_utf8(output.stdout).expect("UTF-8 text")
}

/// The S3-compatible server the object-store tests use (`CIE_TEST_S3_URL`, which `tests/run-all.sh` sets to
/// a moto server it starts on loopback); a test without it fails, saying so.
pub fn s3_url() -> String {
    std::env::var("CIE_TEST_S3_URL").unwrap_or_else(|_| {
        panic!(
            "CIE_TEST_S3_URL is not set: the object-store tests need an S3-compatible server that accepts any \
             credentials (e.g. `moto_server -p 5000` from PyPI's moto[server]). Run ./tests/run-all.sh, which \
             starts one."
        )
    })
}

/// A new, empty bucket on [`s3_url`]'s server: its name.
pub async fn fresh_bucket() -> String {
    let name = format!("cie-test-{:016x}", rand::random::<u64>());
    let response = reqwest::Client::new()
        .put(format!("{}/{name}", s3_url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("the S3 server at CIE_TEST_S3_URL does not answer: {e}"));
    assert!(
        response.status().is_success(),
        "creating bucket {name}: {}",
        response.status()
    );
    name
}

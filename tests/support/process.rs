//! `cie-server` as operators run it: separate processes started from the built binary, on a database of
//! the test's choosing, told to stop with SIGTERM as a service manager or an orchestrator does.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::{Backend, OPERATOR_KEY, server_binary};

/// The secrets every process of a deployment shares (tokens from one are accepted by the others; seals
/// made by one are checked by the others).
pub const SHARED_JWT_SECRET: &str = "shared-jwt-secret-for-process-tests";
/// See [`SHARED_JWT_SECRET`].
pub const SHARED_SEALING_KEY: &str =
    "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed";

/// A database for processes to share: a fresh SQLite file or a fresh PostgreSQL database, dropped with this
/// guard (after the processes using it have stopped), so that a server the caller supplies is left as it was
/// found.
pub struct SharedDatabase {
    url: String,
}

impl SharedDatabase {
    /// The database URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl std::ops::Deref for SharedDatabase {
    type Target = str;

    fn deref(&self) -> &str {
        &self.url
    }
}

impl Drop for SharedDatabase {
    fn drop(&mut self) {
        if self.url.starts_with("postgres") {
            crate::drop_postgres_database(&self.url);
        }
    }
}

/// A fresh database of `backend` (a SQLite file under `dir`) for processes to share.
pub async fn fresh_database(backend: Backend, dir: &Path) -> SharedDatabase {
    let url = match backend {
        Backend::Sqlite => format!(
            "sqlite://{}",
            dir.join(format!("db-{:08x}.sqlite", rand::random::<u32>()))
                .display()
        ),
        Backend::Postgres => crate::fresh_postgres_database().await,
    };
    SharedDatabase { url }
}

/// A running `cie-server serve` process.
pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    log: PathBuf,
}

impl ServerProcess {
    /// Starts `cie-server` on `database_url` with its own data directory `data_dir`, the shared secrets,
    /// checkpoint directory `checkpoints` and more `settings` (`CIE_…` variables), and waits until it listens
    /// (at most 60 seconds).
    pub fn start_with(
        database_url: &str,
        data_dir: &Path,
        checkpoints: &Path,
        settings: &[(&str, &str)],
    ) -> ServerProcess {
        std::fs::create_dir_all(data_dir).expect("data directory");
        let log = data_dir.join("server.log");
        let log_file = std::fs::File::create(&log).expect("server log");
        let child = Command::new(server_binary())
            .envs(settings.iter().copied())
            .arg("serve")
            .env("CIE_LISTEN", "127.0.0.1:0")
            .env("CIE_DATABASE__URL", database_url)
            .env("CIE_DATABASE__SQLITE_SYNCHRONOUS", "normal")
            .env("CIE_DATA_DIR", data_dir)
            .env("CIE_AUTH__JWT_SECRET", SHARED_JWT_SECRET)
            .env("CIE_AUTH__OPERATOR_KEY", OPERATOR_KEY)
            .env("CIE_AUTH__TOKEN_TTL_MINUTES", "600")
            .env("CIE_SEALING__KEY", SHARED_SEALING_KEY)
            .env("CIE_SEALING__CHECKPOINT_DIR", checkpoints)
            .env("CIE_LOG__FORMAT", "json")
            .env("CIE_LOG__FILTER", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("cie-server starts");
        let mut server = ServerProcess {
            child,
            address: String::new(),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(address) = server.listening_address() {
                server.address = format!("http://{address}");
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "cie-server exited with {status} before listening:\n{}",
                    server.log_text()
                );
            }
            assert!(
                Instant::now() < deadline,
                "cie-server did not listen within 60 s:\n{}",
                server.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn listening_address(&self) -> Option<String> {
        self.log_text().lines().find_map(|line| {
            let entry: serde_json::Value = serde_json::from_str(line).ok()?;
            let fields = &entry["fields"];
            fields["message"]
                .as_str()?
                .starts_with("cie-server listening")
                .then(|| fields["address"].as_str().map(str::to_owned))?
        })
    }

    /// What the process has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The URL of `path` on this process.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM, as a service manager does to stop the service.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM {}", self.pid());
    }

    /// Stops the process with SIGTERM and waits for it (at most 30 s), failing the test unless it exits 0;
    /// returns its log.
    pub fn stop(self) -> String {
        self.terminate();
        let (status, log) = self.wait(Duration::from_secs(30));
        assert!(status.success(), "cie-server exited with {status}:\n{log}");
        log
    }

    /// Waits for the process to exit (at most `limit`) and returns how it exited.
    pub fn wait(mut self, limit: Duration) -> (ExitStatus, String) {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("process status") {
                return (status, self.log_text());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "cie-server did not exit within {limit:?}:\n{}",
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs a `cie-server` subcommand beside the processes of [`ServerProcess::start_with`], with their secrets,
/// checkpoint directory and more `settings` (`CIE_…` variables).
pub fn run_command_with(
    database_url: &str,
    data_dir: &Path,
    checkpoints: &Path,
    settings: &[(&str, &str)],
    args: &[&str],
) -> std::process::Output {
    Command::new(server_binary())
        .envs(settings.iter().copied())
        .args(args)
        .env("CIE_DATABASE__URL", database_url)
        .env("CIE_DATA_DIR", data_dir)
        .env("CIE_AUTH__JWT_SECRET", SHARED_JWT_SECRET)
        .env("CIE_SEALING__KEY", SHARED_SEALING_KEY)
        .env("CIE_SEALING__CHECKPOINT_DIR", checkpoints)
        .env("CIE_LOG__FILTER", "warn")
        .output()
        .expect("cie-server runs")
}

/// What the process tests share: a temporary directory, a database in it (or on the test PostgreSQL), and
/// the checkpoint directory every server and command of the deployment uses.
pub struct Deployment {
    /// The first database.
    pub database: SharedDatabase,
    backend: Backend,
    checkpoints: std::path::PathBuf,
    dir: tempfile::TempDir,
}

impl Deployment {
    /// A new deployment on a fresh database of `backend`.
    pub async fn new(backend: Backend) -> Deployment {
        let dir = tempfile::tempdir().expect("temporary directory");
        let database = fresh_database(backend, dir.path()).await;
        Deployment {
            database,
            backend,
            checkpoints: dir.path().join("checkpoints"),
            dir,
        }
    }

    /// Another fresh database of the same backend.
    pub async fn another_database(&self) -> SharedDatabase {
        fresh_database(self.backend, self.dir.path()).await
    }

    /// A file path in the deployment's directory.
    pub fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// Starts a server named `name` (its data directory) on `database` with more settings.
    pub fn start_on(&self, database: &str, name: &str, settings: &[(&str, &str)]) -> ServerProcess {
        ServerProcess::start_with(database, &self.path(name), &self.checkpoints, settings)
    }

    /// Starts a server named `name` on the first database.
    pub fn start(&self, name: &str) -> ServerProcess {
        self.start_on(&self.database, name, &[])
    }

    /// Runs a subcommand as `name` (its data directory) on `database` with more settings.
    pub fn command_on(
        &self,
        database: &str,
        name: &str,
        settings: &[(&str, &str)],
        args: &[&str],
    ) -> std::process::Output {
        run_command_with(
            database,
            &self.path(name),
            &self.checkpoints,
            settings,
            args,
        )
    }
}

//! The server under test: the real `cie-server` binary as a child process on a free local port, with a
//! fresh data directory and random secrets; and the `/proc` readings taken from it.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

/// How to start the server.
pub(crate) struct ServerOptions {
    pub(crate) binary: PathBuf,
    /// `None` keeps the embedded default (SQLite in the data directory, synchronous=FULL).
    pub(crate) database_url: Option<String>,
    pub(crate) extra_env: Vec<(String, String)>,
}

/// A running `cie-server serve`.
pub(crate) struct Server {
    child: Child,
    pid: u32,
    address: String,
    operator_key: String,
    seal_key: String,
    metrics_token: String,
    log_path: PathBuf,
    _dir: tempfile::TempDir,
}

/// What the server's `/metrics` has counted so far of the archive writer and of validation: subtracting two
/// readings gives where a timed phase's time went inside the server.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct ServerCounters {
    /// Seconds the archive writer spent on transactions, commits included.
    pub(crate) writer_seconds: f64,
    /// Transactions the archive writer committed.
    pub(crate) batches: f64,
    /// Submissions those transactions carried.
    pub(crate) batched: f64,
    /// Seconds the rules took on received documents.
    pub(crate) validation_seconds: f64,
    /// Documents validated.
    pub(crate) validations: f64,
}

impl ServerCounters {
    /// The counters in a `/metrics` exposition; a counter it does not have reads as zero.
    pub(crate) fn from_exposition(text: &str) -> ServerCounters {
        let value = |name: &str| {
            text.lines()
                .filter_map(|line| line.split_once(' '))
                .find(|(sample, _)| *sample == name)
                .and_then(|(_, value)| value.trim().parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        ServerCounters {
            writer_seconds: value("cie_archive_batch_seconds_sum"),
            batches: value("cie_archive_batch_size_count"),
            batched: value("cie_archive_batch_size_sum"),
            validation_seconds: value("cie_validation_seconds_sum"),
            validations: value("cie_validation_seconds_count"),
        }
    }

    /// What was counted between `earlier` and this reading.
    pub(crate) fn since(self, earlier: ServerCounters) -> ServerCounters {
        ServerCounters {
            writer_seconds: self.writer_seconds - earlier.writer_seconds,
            batches: self.batches - earlier.batches,
            batched: self.batched - earlier.batched,
            validation_seconds: self.validation_seconds - earlier.validation_seconds,
            validations: self.validations - earlier.validations,
        }
    }
}

/// CPU time each of the server's threads has used so far (thread id, name, seconds), from
/// `/proc/PID/task/*/comm` and `schedstat`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ThreadTimes(pub(crate) Vec<(u32, String, f64)>);

/// The server's CPU over a timed phase by what its threads do, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct ThreadCpu {
    /// The async runtime's workers and its blocking threads (`tokio-rt-worker`): HTTP, reading and
    /// validating documents, compressing originals.
    pub(crate) runtime: f64,
    /// The SQLite connection thread that worked most (`sqlx-sqlite-worker`): the archive writer's, which
    /// runs every batch's statements.
    pub(crate) busiest_sqlite: f64,
    /// The other SQLite connection threads: reads and checkpoints.
    pub(crate) other_sqlite: f64,
    /// The archive writer's own thread and its syncer (`archive-writer`, `archive-syncer`).
    pub(crate) writer: f64,
    /// Every other thread.
    pub(crate) other: f64,
}

impl ThreadTimes {
    /// What each thread alive at both readings used between `earlier` and this one, grouped by name.
    pub(crate) fn since(&self, earlier: &ThreadTimes) -> ThreadCpu {
        let mut cpu = ThreadCpu::default();
        let mut sqlite = Vec::new();
        for (tid, name, seconds) in &self.0 {
            let Some((_, _, before)) = earlier
                .0
                .iter()
                .find(|(earlier_tid, earlier_name, _)| earlier_tid == tid && earlier_name == name)
            else {
                continue;
            };
            let used = seconds - before;
            if name.starts_with("tokio-rt") {
                cpu.runtime += used;
            } else if name.starts_with("sqlx-sqlite") {
                sqlite.push(used);
            } else if name.starts_with("archive-") {
                cpu.writer += used;
            } else {
                cpu.other += used;
            }
        }
        let busiest = sqlite.iter().copied().fold(0.0, f64::max);
        cpu.busiest_sqlite = busiest;
        cpu.other_sqlite = sqlite.iter().sum::<f64>() - busiest;
        cpu
    }
}

const HEALTH_TIMEOUT: Duration = Duration::from_secs(30);

impl Server {
    /// Starts the server and waits until `GET /health` answers.
    pub(crate) async fn start(options: &ServerOptions) -> anyhow::Result<Server> {
        let mut dir = tempfile::Builder::new()
            .prefix("cie-bench-")
            .tempdir()
            .context("creating a temporary data directory")?;
        if std::env::var_os("CIE_BENCH_KEEP_DATA").is_some() {
            dir.disable_cleanup(true);
            eprintln!(
                "cie-bench: the server's data stays in {} (CIE_BENCH_KEEP_DATA)",
                dir.path().display()
            );
        }
        let port = free_port()?;
        let address = format!("127.0.0.1:{port}");
        let operator_key = random_hex(32);
        let seal_key = random_hex(32);
        let metrics_token = options
            .extra_env
            .iter()
            .find(|(key, _)| key == "CIE_METRICS__TOKEN")
            .map_or_else(|| random_hex(32), |(_, value)| value.clone());
        let log_path = dir.path().join("server.log");
        let log = std::fs::File::create(&log_path).context("creating the server log")?;
        let log_err = log.try_clone().context("duplicating the log handle")?;

        let mut command = Command::new(&options.binary);
        command.arg("serve");
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("CIE_") {
                command.env_remove(key);
            }
        }
        command
            .env_remove("RUST_LOG")
            .env("CIE_LISTEN", &address)
            .env("CIE_DATA_DIR", dir.path().join("data"))
            .env("CIE_AUTH__OPERATOR_KEY", &operator_key)
            .env("CIE_AUTH__JWT_SECRET", random_hex(48))
            .env("CIE_SEALING__KEY", &seal_key)
            .env("CIE_METRICS__TOKEN", &metrics_token)
            // A few suppliers send the whole load: the daily archive quota per supplier would refuse most of it.
            .env("CIE_LIMITS__DAILY_ARCHIVE_BYTES_PER_SUPPLIER", "0")
            .env("CIE_LOG__FILTER", "warn");
        if let Some(url) = &options.database_url {
            command.env("CIE_DATABASE__URL", url);
        }
        for (key, value) in &options.extra_env {
            command.env(key, value);
        }
        command
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .kill_on_drop(true);
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", options.binary.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let mut server = Server {
            child,
            pid,
            address,
            operator_key,
            seal_key,
            metrics_token,
            log_path,
            _dir: dir,
        };
        server.wait_healthy().await?;
        Ok(server)
    }

    /// The key the server seals records with, for writing into its database directly.
    pub(crate) fn seal_key(&self) -> anyhow::Result<cie_audit::SealKey> {
        cie_audit::SealKey::from_hex(&self.seal_key).context("the bench's sealing key")
    }

    async fn wait_healthy(&mut self) -> anyhow::Result<()> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .context("building the HTTP client")?;
        let url = self.url("/health");
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().context("polling the server")? {
                bail!(
                    "the server exited ({status}) before answering\n{}",
                    self.describe_log()
                );
            }
            if let Ok(response) = client.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if started.elapsed() > HEALTH_TIMEOUT {
                bail!(
                    "the server did not answer {url} within {} s\n{}",
                    HEALTH_TIMEOUT.as_secs(),
                    self.describe_log()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The database the server runs on: the one given, else its embedded SQLite file.
    pub(crate) fn database_url(&self, options: &ServerOptions) -> String {
        match &options.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}",
                self._dir.path().join("data").join("cie.sqlite").display()
            ),
        }
    }

    /// The server's [`ServerCounters`] now, read from `/metrics`.
    pub(crate) async fn counters(
        &self,
        client: &reqwest::Client,
    ) -> anyhow::Result<ServerCounters> {
        let response = client
            .get(self.url("/metrics"))
            .bearer_auth(&self.metrics_token)
            .send()
            .await
            .context("GET /metrics")?;
        let status = response.status();
        let text = response.text().await.context("reading /metrics")?;
        if !status.is_success() {
            bail!("GET /metrics answered {status}: {text}");
        }
        Ok(ServerCounters::from_exposition(&text))
    }

    pub(crate) fn operator_key(&self) -> &str {
        &self.operator_key
    }

    /// The last lines the server wrote (stderr and stdout), if any, for error messages.
    pub(crate) fn log_tail(&self) -> Option<String> {
        let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        (!tail.trim().is_empty()).then(|| format!("server output:\n{tail}"))
    }

    fn describe_log(&self) -> String {
        self.log_tail()
            .unwrap_or_else(|| "(the server wrote nothing)".to_owned())
    }

    /// The server's peak resident set (`VmHWM`), in KiB.
    pub(crate) fn peak_rss_kib(&self) -> anyhow::Result<u64> {
        self.status_kib("VmHWM")
    }

    /// The server's resident set now (`VmRSS`), in KiB.
    pub(crate) fn rss_kib(&self) -> anyhow::Result<u64> {
        self.status_kib("VmRSS")
    }

    fn status_kib(&self, field: &str) -> anyhow::Result<u64> {
        status_kib(self.pid, field)
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// User plus system CPU time the server has used so far.
    pub(crate) fn cpu_seconds(&self) -> anyhow::Result<f64> {
        cpu_seconds(&format!("/proc/{}/stat", self.pid))
    }

    /// CPU time each of the server's threads has used so far; a thread that ends while it is read is left
    /// out.
    pub(crate) fn thread_times(&self) -> anyhow::Result<ThreadTimes> {
        let tasks = format!("/proc/{}/task", self.pid);
        let mut threads = Vec::new();
        for entry in std::fs::read_dir(&tasks).with_context(|| format!("reading {tasks}"))? {
            let dir = entry?.path();
            let Some(tid) = dir
                .file_name()
                .and_then(|name| name.to_str())
                .and_then(|name| name.parse().ok())
            else {
                continue;
            };
            let (Ok(name), Ok(schedstat)) = (
                std::fs::read_to_string(dir.join("comm")),
                std::fs::read_to_string(dir.join("schedstat")),
            ) else {
                continue;
            };
            let Some(nanoseconds) = schedstat
                .split_whitespace()
                .next()
                .and_then(|field| field.parse::<u64>().ok())
            else {
                continue;
            };
            threads.push((tid, name.trim().to_owned(), nanoseconds as f64 / 1e9));
        }
        Ok(ThreadTimes(threads))
    }

    /// Sends SIGTERM, waits up to `grace` for a clean exit, then kills.
    pub(crate) async fn stop(&mut self, grace: Duration) -> anyhow::Result<()> {
        if self.child.try_wait()?.is_some() {
            return Ok(());
        }
        let signalled = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .map(|status| status.success())
            .unwrap_or(false);
        if signalled && let Ok(waited) = tokio::time::timeout(grace, self.child.wait()).await {
            waited.context("waiting for the server")?;
            return Ok(());
        }
        self.child.kill().await.context("killing the server")?;
        Ok(())
    }
}

/// A figure in KiB from `/proc/PID/status`, e.g. `VmRSS`.
pub(crate) fn status_kib(pid: u32, field: &str) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .with_context(|| format!("no {field} in {path}"))
}

/// CPU time this process (the load generator) has used so far.
pub(crate) fn own_cpu_seconds() -> anyhow::Result<f64> {
    cpu_seconds("/proc/self/stat")
}

fn cpu_seconds(path: &str) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    // Fields after the parenthesised command name, which may itself hold spaces: state is field 3,
    // utime and stime are fields 14 and 15.
    let after_name = stat
        .rfind(')')
        .map(|end| &stat[end + 1..])
        .with_context(|| format!("unexpected format of {path}"))?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |index: usize| -> anyhow::Result<u64> {
        fields
            .get(index)
            .and_then(|field| field.parse().ok())
            .with_context(|| format!("unexpected format of {path}"))
    };
    let total = ticks(11)? + ticks(12)?;
    Ok(total as f64 / clock_ticks_per_second())
}

fn clock_ticks_per_second() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .context("binding 127.0.0.1:0 for a free port")?;
    Ok(listener.local_addr()?.port())
}

/// `bytes` random bytes as lower-case hex.
pub(crate) fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

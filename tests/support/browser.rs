//! Browser tests: headless Chromium driven over WebDriver (fantoccini), with axe-core's accessibility
//! checks and screenshots as test artefacts.
//!
//! One `chromedriver` per test process, started on a free port by the first test that asks for a browser
//! and serving every test's session (each its own Chromium with a fresh profile), so browser tests run in
//! parallel like the others. It runs in a process group of its own under a small `sh` that holds a pipe
//! from this process: when the test process ends, however it ends, the pipe closes and the `sh` stops the
//! whole group (chromedriver and any Chromium left open by a failed test).
//!
//! Without chromedriver (Debian package `chromium-driver`) or Chromium (package `chromium`) every browser
//! test fails, saying which is missing; `tests/run-all.sh` installs both. `CIE_TEST_CHROMEDRIVER` and
//! `CIE_TEST_CHROMIUM` name other binaries.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::Backend;

/// axe-core, vendored (see `tests/support/axe/README.md`).
const AXE: &str = include_str!("axe/axe.min.js");

/// The axe rules run: WCAG 2.0 and 2.1, levels A and AA.
const WCAG_TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// How long a page load or a script may take before the step fails.
const STEP_TIMEOUT_MS: u64 = 20_000;

fn binary(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

fn chromedriver_binary() -> PathBuf {
    binary("CIE_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
}

fn chromium_binary() -> PathBuf {
    binary("CIE_TEST_CHROMIUM", "/usr/bin/chromium")
}

/// The running chromedriver: its URL, and the wrapper whose stdin this process holds open.
struct Driver {
    url: String,
    _wrapper: Child,
}

static DRIVER: OnceLock<Result<Driver, String>> = OnceLock::new();

/// The URL of this process's chromedriver, started on first use; fails the test if it cannot run.
fn driver_url() -> &'static str {
    match DRIVER.get_or_init(start_driver) {
        Ok(driver) => &driver.url,
        Err(problem) => panic!("browser tests cannot run: {problem}"),
    }
}

fn start_driver() -> Result<Driver, String> {
    let chromedriver = chromedriver_binary();
    let chromium = chromium_binary();
    for (path, package) in [(&chromedriver, "chromium-driver"), (&chromium, "chromium")] {
        if !path.is_file() {
            return Err(format!(
                "{} is missing: install the Debian package {package} (`apt-get install chromium chromium-driver`, \
                 which tests/run-all.sh does), or name the binary in CIE_TEST_{}",
                path.display(),
                if package == "chromium" {
                    "CHROMIUM"
                } else {
                    "CHROMEDRIVER"
                },
            ));
        }
    }
    let log = artefact_dir().join("chromedriver.log");
    let mut last = String::new();
    // The port is found free and then given to chromedriver; another process may take it in between.
    for _ in 0..3 {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|listener| listener.local_addr())
            .map_err(|e| format!("no free port for chromedriver: {e}"))?
            .port();
        let mut wrapper = Command::new("sh")
            .arg("-c")
            // chromedriver in the background, its pid told; `cat` returns when this process's end of the
            // pipe closes (at its exit, even a crash); then chromedriver is stopped and reaped, and last
            // whatever else is left in the group (the Chromium of a test that failed before closing it).
            .arg(r#""$0" --port="$1" >"$2" 2>&1 & d=$!; echo $d; cat >/dev/null; kill $d 2>/dev/null; wait $d; kill 0"#)
            .arg(&chromedriver)
            .arg(port.to_string())
            .arg(&log)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot run sh to start {}: {e}", chromedriver.display()))?;
        let mut pid = String::new();
        if let Some(stdout) = wrapper.stdout.take() {
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut pid);
        }
        // Until the wrapper reaps it, a chromedriver that has exited stays a zombie (state Z).
        let running = || {
            std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).is_ok_and(|stat| {
                stat.rsplit_once(')')
                    .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
            })
        };
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && running() {
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(Driver {
                    url: format!("http://{address}"),
                    _wrapper: wrapper,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Closing its stdin makes the wrapper stop what it started.
        drop(wrapper.stdin.take());
        let _ = wrapper.wait();
        last = std::fs::read_to_string(&log).unwrap_or_default();
    }
    Err(format!(
        "{} exited or did not listen within 20 seconds (three tries); its output:\n{last}",
        chromedriver.display()
    ))
}

/// A headless Chromium of its own for one test, with a fresh profile, driven through fantoccini.
///
/// It dereferences to the fantoccini [`Client`]. [`Browser::close`] ends the session; a test that fails
/// before leaves its Chromium to be stopped with chromedriver when the test process ends.
pub struct Browser {
    client: Client,
    backend: Backend,
    test: String,
    _profile: tempfile::TempDir,
}

impl std::ops::Deref for Browser {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Browser {
    /// Opens a browser for test `test` on `backend` (the names its screenshots are filed under).
    pub async fn open(backend: Backend, test: &str) -> Browser {
        let url = driver_url();
        let profile = tempfile::tempdir().expect("a temporary directory for the browser profile");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "timeouts".into(),
            json!({ "pageLoad": STEP_TIMEOUT_MS, "script": STEP_TIMEOUT_MS }),
        );
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium_binary(),
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                    "--no-first-run",
                    "--disable-extensions",
                ],
            }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver at {url} could not start {} ({}): {e}",
                    chromium_binary().display(),
                    artefact_dir().join("chromedriver.log").display()
                )
            });
        Browser {
            client,
            backend,
            test: test.to_owned(),
            _profile: profile,
        }
    }

    /// Ends the session, closing Chromium.
    pub async fn close(self) {
        self.client
            .clone()
            .close()
            .await
            .expect("the browser session closes");
    }

    /// Saves a screenshot of the page as `<test>-<step>.png` (see [`save_screenshot`]).
    pub async fn screenshot(&self, step: &str) -> PathBuf {
        save_screenshot(&self.client, self.backend, &self.test, step).await
    }

    /// Runs axe on the page (see [`check_accessibility`]) and saves a screenshot as `<test>-<step>.png`.
    pub async fn check_page(&self, step: &str) {
        self.screenshot(step).await;
        check_accessibility(&self.client, step).await;
    }
}

/// Where browser artefacts go: `browser-screenshots` in the target directory (`CARGO_TARGET_DIR`, else
/// the one holding this test binary, else the workspace's `target`).
pub fn artefact_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| {
            // Cargo marks the root of its target directory with CACHEDIR.TAG.
            let exe = std::env::current_exe().ok()?;
            exe.ancestors()
                .find(|dir| dir.join("CACHEDIR.TAG").is_file())
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("the workspace holds tests/")
                .join("target")
        });
    let dir = target.join("browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    dir
}

/// Saves a PNG of what `client` shows as `browser-screenshots/<backend>/<test>-<step>.png` in the target
/// directory, and returns its path.
pub async fn save_screenshot(client: &Client, backend: Backend, test: &str, step: &str) -> PathBuf {
    let dir = artefact_dir().join(match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    });
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    let png = client
        .screenshot()
        .await
        .unwrap_or_else(|e| panic!("screenshot of {test}-{step}: {e}"));
    let path = dir.join(format!("{test}-{step}.png"));
    std::fs::File::create(&path)
        .and_then(|mut file| file.write_all(&png))
        .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    path
}

/// A WCAG rule axe-core found broken on a page.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The rule, e.g. `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    /// What the rule asks for.
    pub help: String,
    /// Deque's page on the rule.
    pub help_url: String,
    /// The CSS selectors of the elements that break it.
    pub targets: Vec<String>,
}

impl Violation {
    /// Whether it fails a test: `serious` or `critical`.
    pub fn is_blocking(&self) -> bool {
        matches!(self.impact.as_str(), "serious" | "critical")
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] {}: {} ({}) at {}",
            self.impact,
            self.id,
            self.help,
            self.help_url,
            self.targets.join(", ")
        )
    }
}

/// Runs axe-core (injected unless the page has it) on the page `client` shows, with the WCAG 2.1 A and
/// AA rules, and returns what it found broken, whatever the impact.
pub async fn axe_violations(client: &Client) -> Vec<Violation> {
    let loaded = client
        .execute(
            &format!("if (!window.axe) {{ {AXE}\n }} return typeof window.axe.run;"),
            Vec::new(),
        )
        .await
        .unwrap_or_else(|e| panic!("injecting axe-core: {e}"));
    assert_eq!(loaded, json!("function"), "axe-core did not load");
    let outcome = client
        .execute_async(
            r#"const [tags, done] = arguments;
            axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] })
              .then(results => done({ violations: results.violations.map(v => ({
                  id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                  targets: v.nodes.map(n => JSON.stringify(n.target)),
              })) }))
              .catch(error => done({ error: String(error) }));"#,
            vec![json!(WCAG_TAGS)],
        )
        .await
        .unwrap_or_else(|e| panic!("running axe-core: {e}"));
    if let Some(error) = outcome.get("error") {
        panic!("axe-core failed: {error}");
    }
    let text = |value: &serde_json::Value| value.as_str().unwrap_or("?").to_owned();
    outcome["violations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| Violation {
            id: text(&v["id"]),
            impact: text(&v["impact"]),
            help: text(&v["help"]),
            help_url: text(&v["helpUrl"]),
            targets: v["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .map(text)
                .collect(),
        })
        .collect()
}

/// Runs axe-core on the page `client` shows, with the WCAG 2.1 A and AA rules, and fails the test listing
/// every `serious` or `critical` violation (rule, help, the elements' selectors). Lesser ones are printed.
pub async fn check_accessibility(client: &Client, page_name: &str) {
    let url = client
        .current_url()
        .await
        .map_or_else(|_| "?".into(), |u| u.to_string());
    let (blocking, lesser): (Vec<_>, Vec<_>) = axe_violations(client)
        .await
        .into_iter()
        .partition(Violation::is_blocking);
    for violation in lesser {
        eprintln!("axe on {page_name} ({url}), not failing the test: {violation}");
    }
    assert!(
        blocking.is_empty(),
        "axe-core found {} serious or critical WCAG 2.1 A/AA violation(s) on {page_name} ({url}):\n  {}",
        blocking.len(),
        blocking
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

/// Waits until the browser is at `path` of `app` (after a click that navigates), failing after 20 seconds.
pub async fn wait_for_path(client: &Client, app: &crate::TestApp, path: &str) {
    let expected = app.url(path).parse().expect("a URL");
    if let Err(e) = client
        .wait()
        .at_most(Duration::from_millis(STEP_TIMEOUT_MS))
        .for_url(&expected)
        .await
    {
        let at = client
            .current_url()
            .await
            .map_or_else(|_| "?".into(), |u| u.to_string());
        panic!("the browser did not reach {expected} (it is at {at}): {e}");
    }
}

//! The attack benchmark (issue 13): a login flood, stalled connections and an element with 200,000
//! attributes, each against a fresh server on the embedded SQLite, printing the server's memory before,
//! during and after, and how fast `GET /health` answered on a new connection while the attack ran.
//!
//! Attackers use many loopback source addresses (127.1.x.y, 127.2.x.y, …: all of 127/8 reaches this
//! machine), as a botnet would, so that per-address throttling and the per-client cap do not end the attack
//! for them; the login flood moves to a new address every few guesses.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::ValueEnum;
use reqwest::Client;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;

use crate::server::{Server, ServerOptions, status_kib};
use crate::setup::{self, TENANT};

/// Which attack to run.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Kind {
    /// Concurrent wrong-password logins: made-up accounts, and one real account.
    LoginFlood,
    /// Connections that stop in the middle of a request head or before the body they declared.
    SlowClients,
    /// An invoice element with 200,000 attributes posted to /api/v1/validate.
    Attributes,
    /// The three in turn.
    All,
}

/// How hard to attack.
pub(crate) struct Plan {
    /// Concurrent login guessers.
    pub(crate) clients: usize,
    /// How long the login flood lasts.
    pub(crate) flood: Duration,
    /// Stalled connections.
    pub(crate) connections: usize,
    /// Longest wait for the server to close the stalled connections.
    pub(crate) hold: Duration,
    /// Attributes on the one element.
    pub(crate) attributes: usize,
    /// Posts of the many-attribute document (4 at once).
    pub(crate) posts: usize,
}

/// What one attack did and what it cost the server.
struct Row {
    attack: &'static str,
    load: String,
    answers: String,
    rss_start_kib: u64,
    rss_before_kib: u64,
    rss_during_max_kib: u64,
    rss_after_kib: u64,
    peak_kib: u64,
    health: Health,
}

/// `GET /health` as a monitor saw it during the attack.
#[derive(Default)]
struct Health {
    latencies_ms: Vec<f64>,
    failures: usize,
    rss_max_kib: u64,
}

impl Health {
    fn percentile(&self, percent: f64) -> f64 {
        let mut sorted = self.latencies_ms.clone();
        sorted.sort_by(f64::total_cmp);
        if sorted.is_empty() {
            return f64::NAN;
        }
        let rank = ((percent / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }
}

/// Runs the attacks `kind` names, each on its own fresh server, and prints the figures.
pub(crate) async fn run(kind: Kind, plan: &Plan, binary: &Path) -> anyhow::Result<()> {
    let kinds = match kind {
        Kind::All => vec![Kind::LoginFlood, Kind::SlowClients, Kind::Attributes],
        one => vec![one],
    };
    let mut rows = Vec::new();
    for kind in kinds {
        let options = ServerOptions {
            binary: binary.to_owned(),
            database_url: None,
            extra_env: Vec::new(),
        };
        let mut server = Server::start(&options).await?;
        let rss_start_kib = server.rss_kib()?;
        let result = attack(kind, plan, &server, rss_start_kib).await;
        let stopped = server.stop(Duration::from_secs(15)).await;
        let row = result.map_err(|error| match server.log_tail() {
            Some(tail) => error.context(tail),
            None => error,
        })?;
        stopped?;
        eprintln!("{}", table(std::slice::from_ref(&row)));
        rows.push(row);
    }
    println!("{}", table(&rows));
    Ok(())
}

async fn attack(
    kind: Kind,
    plan: &Plan,
    server: &Server,
    rss_start_kib: u64,
) -> anyhow::Result<Row> {
    let client = Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .context("building the HTTP client")?;
    let stage = setup::stage(&client, server, 1, 1).await?;
    let rss_before_kib = server.rss_kib()?;
    let (stop, stopped) = watch::channel(false);
    let pid = server.pid();
    let monitor = tokio::spawn(monitor(
        server.url("/health"),
        move || status_kib(pid, "VmRSS").unwrap_or(0),
        stopped,
    ));
    let attacked = match kind {
        Kind::LoginFlood => login_flood(plan, server).await,
        Kind::SlowClients => slow_clients(plan, server).await,
        Kind::Attributes => attributes(plan, server, &stage.token).await,
        Kind::All => bail!("one attack at a time"),
    };
    let _ = stop.send(true);
    let health = monitor.await.context("the /health monitor failed")?;
    let (attack, load, answers) = attacked?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(Row {
        attack,
        load,
        answers,
        rss_start_kib,
        rss_before_kib,
        rss_during_max_kib: health.rss_max_kib,
        rss_after_kib: server.rss_kib()?,
        peak_kib: server.peak_rss_kib()?,
        health,
    })
}

/// Every 100 ms until `stopped`: `GET /health` on a new connection (timed, 10 s at most) and the server's
/// resident set.
async fn monitor(
    url: String,
    rss_kib: impl Fn() -> u64 + Send + 'static,
    mut stopped: watch::Receiver<bool>,
) -> Health {
    let mut health = Health::default();
    let Ok(client) = Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
    else {
        return health;
    };
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return health,
            _ = tick.tick() => {}
        }
        health.rss_max_kib = health.rss_max_kib.max(rss_kib());
        let started = Instant::now();
        match client.get(&url).send().await {
            Ok(response) if response.status().is_success() => health
                .latencies_ms
                .push(started.elapsed().as_secs_f64() * 1000.0),
            _ => health.failures += 1,
        }
    }
}

/// The `n`th loopback address of attacker group `group` (1, 2, …): 127.group.x.y, y never 0 or 255.
fn attacker_address(group: u8, n: u32) -> IpAddr {
    let host = n % 65_024;
    let [_, _, high, low] = (host / 254 * 256 + host % 254 + 1).to_be_bytes();
    IpAddr::V4(Ipv4Addr::new(127, group, high, low))
}

async fn login_flood(
    plan: &Plan,
    server: &Server,
) -> anyhow::Result<(&'static str, String, String)> {
    const GUESSES_PER_ADDRESS: usize = 4;
    let url: Arc<str> = server.url("/api/v1/auth/login").into();
    let next_address = Arc::new(AtomicU32::new(0));
    let deadline = Instant::now() + plan.flood;
    let mut workers = Vec::new();
    for worker in 0..plan.clients {
        let url = url.clone();
        let next_address = next_address.clone();
        workers.push(tokio::spawn(async move {
            let mut answers: BTreeMap<String, usize> = BTreeMap::new();
            let mut guess = 0usize;
            while Instant::now() < deadline {
                let address = attacker_address(1, next_address.fetch_add(1, Ordering::Relaxed));
                let Ok(client) = Client::builder()
                    .local_address(address)
                    .timeout(Duration::from_secs(30))
                    .build()
                else {
                    *answers.entry("client error".into()).or_default() += 1;
                    continue;
                };
                for _ in 0..GUESSES_PER_ADDRESS {
                    guess += 1;
                    let username = if worker % 2 == 0 {
                        format!("nobody-{worker}-{guess}")
                    } else {
                        "supplier1".to_owned()
                    };
                    let sent = client
                        .post(&*url)
                        .json(&json!({
                            "tenant": TENANT,
                            "username": username,
                            "password": format!("wrong guess {guess}"),
                        }))
                        .send()
                        .await;
                    *answers.entry(outcome(sent).await).or_default() += 1;
                }
            }
            answers
        }));
    }
    let mut answers: BTreeMap<String, usize> = BTreeMap::new();
    for worker in workers {
        for (outcome, count) in worker.await.context("a login worker failed")? {
            *answers.entry(outcome).or_default() += count;
        }
    }
    let attempts: usize = answers.values().sum();
    Ok((
        "login-flood",
        format!(
            "{} clients for {} s, half made-up accounts, half one account; {} addresses; {attempts} \
             attempts ({:.0}/s)",
            plan.clients,
            plan.flood.as_secs(),
            next_address.load(Ordering::Relaxed),
            attempts as f64 / plan.flood.as_secs_f64()
        ),
        describe(&answers),
    ))
}

async fn outcome(sent: reqwest::Result<reqwest::Response>) -> String {
    match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            let code = response
                .json::<Value>()
                .await
                .ok()
                .and_then(|body| body["code"].as_str().map(str::to_owned))
                .unwrap_or_default();
            format!("{status} {code}")
        }
        Err(error) if error.is_timeout() => "timed out".into(),
        Err(_) => "connection failed".into(),
    }
}

fn describe(answers: &BTreeMap<String, usize>) -> String {
    answers
        .iter()
        .map(|(outcome, count)| format!("{outcome}: {count}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn slow_clients(
    plan: &Plan,
    server: &Server,
) -> anyhow::Result<(&'static str, String, String)> {
    const STALLED_HEAD: &[u8] = b"GET /health HTTP/1.1\r\nHost: cie\r\nX-Slow: ";
    const STALLED_BODY: &[u8] = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: cie\r\n\
        Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"tenant\": ";
    let address: SocketAddr = server
        .url("")
        .trim_start_matches("http://")
        .parse()
        .context("the server's address")?;
    let started = Instant::now();
    let mut watchers = Vec::with_capacity(plan.connections);
    for n in 0..plan.connections {
        let stalled_body = n % 10 == 9;
        let socket = TcpSocket::new_v4().context("a socket")?;
        socket
            .bind(SocketAddr::new(attacker_address(2, n as u32), 0))
            .context("binding a loopback source address")?;
        let mut stream = socket.connect(address).await.with_context(|| {
            format!("opening stalled connection {n} (is `ulimit -n` high enough?)")
        })?;
        stream
            .write_all(if stalled_body {
                STALLED_BODY
            } else {
                STALLED_HEAD
            })
            .await
            .context("sending a partial request")?;
        watchers.push(tokio::spawn(closed_by_server(
            stream,
            stalled_body,
            plan.hold,
        )));
    }
    let opened = started.elapsed();
    let mut heads_closed = Vec::new();
    let mut bodies_closed = Vec::new();
    let mut answers: BTreeMap<String, usize> = BTreeMap::new();
    for watcher in watchers {
        let (stalled_body, closed) = watcher.await.context("a connection watcher failed")?;
        match closed {
            Some((after, answer)) => {
                let list = if stalled_body {
                    &mut bodies_closed
                } else {
                    &mut heads_closed
                };
                list.push(after.as_secs_f64());
                let kind = if stalled_body { "body" } else { "head" };
                *answers
                    .entry(format!("{kind} closed, {answer}"))
                    .or_default() += 1;
            }
            None => {
                *answers
                    .entry(
                        if stalled_body {
                            "body still open"
                        } else {
                            "head still open"
                        }
                        .into(),
                    )
                    .or_default() += 1;
            }
        }
    }
    let span = |closed: &mut Vec<f64>| {
        closed.sort_by(f64::total_cmp);
        match (closed.first(), closed.last()) {
            (Some(first), Some(last)) => format!("{first:.1}–{last:.1} s"),
            _ => "none".into(),
        }
    };
    Ok((
        "slow-clients",
        format!(
            "{} stalled connections from {} addresses (90 % half-sent heads, 10 % declared bodies that \
             never come), opened in {:.2} s",
            plan.connections,
            plan.connections,
            opened.as_secs_f64()
        ),
        format!(
            "{}; heads closed after {}, bodies after {}",
            describe(&answers),
            span(&mut heads_closed),
            span(&mut bodies_closed)
        ),
    ))
}

/// Waits up to `hold` for the server to close `stream`: how long that took and what it answered first.
async fn closed_by_server(
    mut stream: TcpStream,
    stalled_body: bool,
    hold: Duration,
) -> (bool, Option<(Duration, String)>) {
    let opened = Instant::now();
    let mut received = Vec::new();
    let read = tokio::time::timeout(hold, stream.read_to_end(&mut received)).await;
    let answer = match received.split(|&byte| byte == b'\r').next() {
        Some(line) if !line.is_empty() => String::from_utf8_lossy(line).into_owned(),
        _ => "unanswered".to_owned(),
    };
    match read {
        Ok(_) => (stalled_body, Some((opened.elapsed(), answer))),
        Err(_) => (stalled_body, None),
    }
}

async fn attributes(
    plan: &Plan,
    server: &Server,
    token: &str,
) -> anyhow::Result<(&'static str, String, String)> {
    let mut document = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"",
    );
    for n in 0..plan.attributes {
        document.push_str(&format!(" a{n}=\"1\""));
    }
    document.push_str("/>\n");
    let body = Arc::new(document.into_bytes());
    let size = body.len();
    let client = Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .context("building the HTTP client")?;
    let url: Arc<str> = server.url("/api/v1/validate").into();
    let token: Arc<str> = token.into();
    let next = Arc::new(AtomicU32::new(0));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (client, url, token, body, next) = (
            client.clone(),
            url.clone(),
            token.clone(),
            body.clone(),
            next.clone(),
        );
        let posts = plan.posts as u32;
        workers.push(tokio::spawn(async move {
            let mut results = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < posts {
                let started = Instant::now();
                let sent = client
                    .post(&*url)
                    .bearer_auth(&*token)
                    .header("content-type", "application/xml")
                    .body(body.to_vec())
                    .send()
                    .await;
                let answer = outcome(sent).await;
                results.push((started.elapsed().as_secs_f64() * 1000.0, answer));
            }
            results
        }));
    }
    let mut latencies = Vec::new();
    let mut answers: BTreeMap<String, usize> = BTreeMap::new();
    for worker in workers {
        for (ms, answer) in worker.await.context("a poster failed")? {
            latencies.push(ms);
            *answers.entry(answer).or_default() += 1;
        }
    }
    latencies.sort_by(f64::total_cmp);
    let median = latencies
        .get(latencies.len() / 2)
        .copied()
        .unwrap_or(f64::NAN);
    let max = latencies.last().copied().unwrap_or(f64::NAN);
    Ok((
        "attributes",
        format!(
            "{} posts (4 at once) of one element with {} attributes ({:.1} MB) to /api/v1/validate",
            plan.posts,
            plan.attributes,
            size as f64 / 1e6
        ),
        format!(
            "{}; answered in {median:.0} ms (median), {max:.0} ms (slowest)",
            describe(&answers)
        ),
    ))
}

/// The figures of `rows`. Server RSS: at start (once `/health` answered), after setting up (a city, a
/// supplier and their logins), the highest of the samples taken every 100 ms during the attack, 2 s after
/// it, and the peak (`VmHWM`); then `/health` as the monitor saw it during the attack.
fn table(rows: &[Row]) -> String {
    let mib = |kib: u64| format!("{:.1}", kib as f64 / 1024.0);
    let ms = |value: f64| format!("{value:.1}");
    let mut out = String::from(
        "attack       | RSS MiB: start | set up | max during | after | peak | /health: samples | p50 ms | p99 ms | max ms | failed\n\
         -------------|----------------|--------|------------|-------|------|------------------|--------|--------|--------|-------\n",
    );
    for row in rows {
        out.push_str(&format!(
            "{:<12} | {:>14} | {:>6} | {:>10} | {:>5} | {:>4} | {:>16} | {:>6} | {:>6} | {:>6} | {:>6}\n",
            row.attack,
            mib(row.rss_start_kib),
            mib(row.rss_before_kib),
            mib(row.rss_during_max_kib),
            mib(row.rss_after_kib),
            mib(row.peak_kib),
            row.health.latencies_ms.len(),
            ms(row.health.percentile(50.0)),
            ms(row.health.percentile(99.0)),
            ms(row.health.percentile(100.0)),
            row.health.failures,
        ));
    }
    for row in rows {
        out.push_str(&format!(
            "\n{}: {}\n  answers: {}",
            row.attack, row.load, row.answers
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attacker_addresses_are_loopback_hosts_and_distinct() {
        let addresses: std::collections::HashSet<IpAddr> =
            (0..65_024).map(|n| attacker_address(1, n)).collect();
        assert_eq!(addresses.len(), 65_024);
        for address in addresses {
            let IpAddr::V4(v4) = address else {
                panic!("{address}")
            };
            let [a, b, _, d] = v4.octets();
            assert!(a == 127 && b == 1 && d != 0 && d != 255, "{address}");
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let health = Health {
            latencies_ms: (1..=100).map(f64::from).collect(),
            ..Health::default()
        };
        assert_eq!(health.percentile(50.0), 50.0);
        assert_eq!(health.percentile(99.0), 99.0);
        assert_eq!(health.percentile(100.0), 100.0);
    }
}

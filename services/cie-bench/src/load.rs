//! The load: documents made unique from templates, posted by concurrent clients that share one HTTP client,
//! each request timed from send to the last byte of the answer.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;

/// XML documents split around their invoice number (the first `<cbc:ID>`).
pub(crate) struct Templates {
    parts: Vec<(Vec<u8>, Vec<u8>)>,
    originals: Vec<Vec<u8>>,
}

const OPEN: &[u8] = b"<cbc:ID>";
const CLOSE: &[u8] = b"</cbc:ID>";

impl Templates {
    /// Every `*.xml` file in `dir`, in name order.
    pub(crate) fn load(dir: &Path) -> anyhow::Result<Templates> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("reading {}", dir.display()))?;
        paths.retain(|path| path.extension().is_some_and(|ext| ext == "xml"));
        paths.sort();
        let mut parts = Vec::with_capacity(paths.len());
        let mut originals = Vec::with_capacity(paths.len());
        for path in &paths {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let split = split_at_number(&bytes)
                .with_context(|| format!("{} has no <cbc:ID>…</cbc:ID>", path.display()))?;
            parts.push(split);
            originals.push(bytes);
        }
        if parts.is_empty() {
            bail!("no *.xml documents in {}", dir.display());
        }
        Ok(Templates { parts, originals })
    }

    /// The documents `documents` (named by `what` in errors) as templates.
    pub(crate) fn from_documents(documents: Vec<Vec<u8>>, what: &str) -> anyhow::Result<Templates> {
        let mut parts = Vec::with_capacity(documents.len());
        for bytes in &documents {
            parts.push(
                split_at_number(bytes)
                    .with_context(|| format!("{what} has no <cbc:ID>…</cbc:ID>"))?,
            );
        }
        if parts.is_empty() {
            bail!("no template documents");
        }
        Ok(Templates {
            parts,
            originals: documents,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.parts.len()
    }

    /// The templates as read.
    pub(crate) fn originals(&self) -> &[Vec<u8>] {
        &self.originals
    }

    /// Template `index` (modulo their number) with invoice number `number`.
    pub(crate) fn document(&self, index: usize, number: &str) -> Vec<u8> {
        let (head, tail) = &self.parts[index % self.parts.len()];
        let mut document = Vec::with_capacity(head.len() + number.len() + tail.len());
        document.extend_from_slice(head);
        document.extend_from_slice(number.as_bytes());
        document.extend_from_slice(tail);
        document
    }
}

fn split_at_number(bytes: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    split_around_text(bytes, OPEN, CLOSE)
}

/// `bytes` cut into what comes up to and including the first `open`, and what comes from the `close` after
/// it on: the element's text is left out.
pub(crate) fn split_around_text(
    bytes: &[u8],
    open: &[u8],
    close: &[u8],
) -> Option<(Vec<u8>, Vec<u8>)> {
    let start = find(bytes, open)? + open.len();
    let end = start + find(&bytes[start..], close)?;
    Some((bytes[..start].to_vec(), bytes[end..].to_vec()))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// One batch of posts.
pub(crate) struct Plan {
    pub(crate) client: reqwest::Client,
    pub(crate) url: Arc<str>,
    pub(crate) token: Arc<str>,
    pub(crate) templates: Arc<Templates>,
    pub(crate) clients: usize,
    pub(crate) documents: usize,
    /// Prefix of the invoice numbers, keeping phases apart: numbers are `<label><client>-<seq>`.
    pub(crate) label: String,
    /// Print the rate every second on stderr.
    pub(crate) progress: bool,
}

/// What a batch of posts measured.
pub(crate) struct Outcome {
    pub(crate) wall: Duration,
    /// Latencies of the requests answered 201.
    pub(crate) latencies: Vec<Duration>,
    pub(crate) errors: usize,
    pub(crate) first_error: Option<String>,
}

#[derive(Default)]
struct ClientResult {
    latencies: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
}

/// Posts `plan.documents` documents from `plan.clients` concurrent tasks, as fast as answers come.
pub(crate) async fn run(plan: Plan) -> Outcome {
    let plan = Arc::new(plan);
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..plan.clients)
        .map(|client| {
            tokio::spawn(post_documents(
                plan.clone(),
                next.clone(),
                done.clone(),
                client,
            ))
        })
        .collect();
    let reporter = plan
        .progress
        .then(|| tokio::spawn(report_progress(done, started)));
    let mut outcome = Outcome {
        wall: Duration::ZERO,
        latencies: Vec::with_capacity(plan.documents),
        errors: 0,
        first_error: None,
    };
    for task in tasks {
        match task.await {
            Ok(result) => {
                outcome.latencies.extend(result.latencies);
                outcome.errors += result.errors;
                outcome.first_error = outcome.first_error.or(result.first_error);
            }
            Err(join) => {
                outcome.errors += 1;
                outcome
                    .first_error
                    .get_or_insert_with(|| format!("client task failed: {join}"));
            }
        }
    }
    outcome.wall = started.elapsed();
    if let Some(reporter) = reporter {
        reporter.abort();
    }
    outcome
}

async fn report_progress(done: Arc<AtomicUsize>, started: Instant) {
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.tick().await;
    let mut before = 0;
    loop {
        ticker.tick().await;
        let now = done.load(Ordering::Relaxed);
        eprintln!(
            "cie-bench: {:>5.1} s  {now:>7} answered  {:>6} docs/s",
            started.elapsed().as_secs_f64(),
            now - before
        );
        before = now;
    }
}

async fn post_documents(
    plan: Arc<Plan>,
    next: Arc<AtomicUsize>,
    done: Arc<AtomicUsize>,
    client: usize,
) -> ClientResult {
    let mut result = ClientResult::default();
    let mut seq = 0usize;
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        if index >= plan.documents {
            return result;
        }
        seq += 1;
        let number = format!("{}{client}-{seq}", plan.label);
        let body = plan.templates.document(index, &number);
        let started = Instant::now();
        let posted = post(&plan, body).await;
        done.fetch_add(1, Ordering::Relaxed);
        match posted {
            Ok(()) => result.latencies.push(started.elapsed()),
            Err(error) => {
                result.errors += 1;
                result
                    .first_error
                    .get_or_insert_with(|| format!("document {number}: {error}"));
            }
        }
    }
}

async fn post(plan: &Plan, body: Vec<u8>) -> Result<(), String> {
    let response = plan
        .client
        .post(&*plan.url)
        .bearer_auth(&plan.token)
        .header(CONTENT_TYPE, "application/xml")
        .body(body)
        .send()
        .await
        .map_err(|error| format!("request failed: {error}"))?;
    let status = response.status();
    let answer = response
        .bytes()
        .await
        .map_err(|error| format!("reading the answer failed: {error}"))?;
    if status == StatusCode::CREATED {
        Ok(())
    } else {
        Err(format!(
            "expected 201 Created, got {status}: {}",
            String::from_utf8_lossy(&answer[..answer.len().min(300)])
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_id_is_the_one_replaced() {
        let xml = b"<Invoice><cbc:ID>156</cbc:ID><x><cbc:ID>9</cbc:ID></x></Invoice>";
        let templates = Templates {
            parts: vec![split_at_number(xml).expect("has an ID")],
            originals: vec![xml.to_vec()],
        };
        assert_eq!(
            templates.document(3, "B1-2"),
            b"<Invoice><cbc:ID>B1-2</cbc:ID><x><cbc:ID>9</cbc:ID></x></Invoice>"
        );
    }
}

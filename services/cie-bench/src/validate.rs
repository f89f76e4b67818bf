//! In-process figures of what intake does with a document before it is archived (issue 15): read its
//! summary, check it against the UBL 2.1 schema, build the DOM, run the official JP PINT rules and our own;
//! each stage alone and the whole path as intake runs it, per input, with the memory the whole path adds at
//! its peak beside the document's size (measured in a fresh process).

use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cie_server::validation::{TenantContext, read_and_validate};
use cie_xpath::Document;

#[path = "../../../shared/cie-rules/tests/rules/support/generated.rs"]
mod generated;

/// A figure of this process from `/proc/self/status`, in KiB (`VmRSS`, `VmHWM`).
fn status_kib(field: &str) -> anyhow::Result<u64> {
    let status =
        std::fs::read_to_string("/proc/self/status").context("reading /proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {field} in /proc/self/status"))
}

/// In a fresh process (`--memory-of LINES`): the memory the whole path adds at its peak for an invoice of
/// `lines` lines (0: the full example), in KiB, beside the document's size in bytes: the resident set's
/// high-water mark is reset once the document and the compiled rules are in memory.
pub(crate) fn memory_of(lines: usize) -> anyhow::Result<()> {
    cie_rules::official::preload();
    let xml = match lines {
        0 => generated::fixture("jp-pint/jp-pint-example.xml"),
        lines => generated::invoice_with_lines(lines),
    };
    let context = TenantContext::default();
    let limits = cie_ubl::Limits::default();
    black_box(read_and_validate(b"<x/>", &limits, &context).ok());
    std::fs::write("/proc/self/clear_refs", "5").context("resetting the high-water mark")?;
    let before = status_kib("VmRSS")?;
    black_box(read_and_validate(xml.as_bytes(), &limits, &context).ok());
    let peak = status_kib("VmHWM")?;
    println!("{} {}", peak.saturating_sub(before), xml.len());
    Ok(())
}

/// Runs `cie-bench validate --memory-of LINES` and reads its answer: (peak KiB added, document bytes).
fn memory_in_child(lines: usize) -> anyhow::Result<(u64, u64)> {
    let output = std::process::Command::new(std::env::current_exe()?)
        .args(["validate", "--memory-of", &lines.to_string()])
        .output()
        .context("running the memory probe")?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut numbers = text.split_whitespace().map(str::parse::<u64>);
    match (numbers.next(), numbers.next()) {
        (Some(Ok(peak)), Some(Ok(size))) => Ok((peak, size)),
        _ => bail!(
            "the memory probe answered {text:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// Median and 99th percentile of `runs` timed calls of `work` (after a tenth as many untimed).
fn time(runs: usize, mut work: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..runs / 10 + 1 {
        work();
    }
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    samples.sort_unstable();
    let at = |share: f64| samples[((samples.len() as f64 * share) as usize).min(samples.len() - 1)];
    (at(0.5), at(0.99))
}

/// A stage's name and one run of it.
type Stage<'a> = (&'static str, Box<dyn FnMut() + 'a>);

fn micros(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1e6)
}

/// Runs the figures and prints them as a table.
pub(crate) fn run(runs: usize, only: Option<&str>) -> anyhow::Result<()> {
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    cie_rules::official::preload();
    let inputs = [
        (
            "full JP PINT example",
            generated::fixture("jp-pint/jp-pint-example.xml"),
            runs,
        ),
        (
            "1,000-line invoice",
            generated::invoice_with_lines(1_000),
            (runs / 20).max(1),
        ),
    ];
    let lines_of = |name: &str| if name.starts_with("1,000") { 1_000 } else { 0 };
    let context = TenantContext::default();
    let limits = cie_ubl::Limits::default();
    println!("| input | stage | p50 µs | p99 µs |");
    println!("|---|---|---|---|");
    for (name, xml, runs) in &inputs {
        let bytes = xml.as_bytes();
        let read = read_and_validate(bytes, &limits, &context)
            .with_context(|| format!("{name} does not read"))?;
        if read.verdict.is_fatal() {
            bail!("{name} is refused: {:?}", read.verdict.findings);
        }
        let doc = Document::parse(bytes).context("the DOM")?;
        let stages: [Stage<'_>; 6] = [
            (
                "summary read",
                Box::new(|| {
                    black_box(cie_ubl::parse(black_box(bytes), &limits).ok());
                }),
            ),
            (
                "schema check",
                Box::new(|| {
                    black_box(cie_schema::check(black_box(bytes)).ok());
                }),
            ),
            (
                "DOM build",
                Box::new(|| {
                    black_box(Document::parse(black_box(bytes)).ok());
                }),
            ),
            (
                "official rules (on a built DOM)",
                Box::new(|| {
                    black_box(cie_rules::validate_official(black_box(&doc)));
                }),
            ),
            (
                "own rules (on a built DOM)",
                Box::new(|| {
                    if let Some(profile) = cie_rules::Profile::detect(&doc) {
                        black_box(cie_rules::jp::validate_jp(&doc, profile));
                        black_box(cie_rules::consistency::validate_consistency(&doc));
                    }
                }),
            ),
            (
                "whole intake path (read + validate)",
                Box::new(|| {
                    black_box(read_and_validate(black_box(bytes), &limits, &context).ok());
                }),
            ),
        ];
        for (stage, mut work) in stages {
            if only.is_some_and(|only| !stage.contains(only)) {
                continue;
            }
            let (p50, p99) = time(*runs, &mut work);
            println!("| {name} | {stage} | {} | {} |", micros(p50), micros(p99));
        }
        if only.is_some() {
            continue;
        }
        let (peak_kib, size) = memory_in_child(lines_of(name))?;
        println!(
            "| {name} | memory the whole path adds at its peak (resident set) | {peak_kib} KiB = {:.1} × the document ({} KiB) | |",
            (peak_kib * 1024) as f64 / size as f64,
            size / 1024
        );
    }
    Ok(())
}

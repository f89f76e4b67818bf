//! In-process figures of what intake does with a document before it is archived (issue 15): read its
//! summary, check it against the UBL 2.1 schema, build the DOM, run the official JP PINT rules and our own;
//! each stage alone and the whole path as intake runs it, per input, with the heap the whole path needs at
//! its peak beside the document's size (live bytes counted by the bench's allocator).

use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cie_server::validation::{TenantContext, read_and_validate};
use cie_xpath::Document;

#[path = "../../../shared/cie-rules/tests/rules/support/generated.rs"]
mod generated;

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
pub(crate) fn run(runs: usize, only: Option<&str>, input: Option<&str>) -> anyhow::Result<()> {
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

    let context = TenantContext::default();
    let limits = cie_ubl::Limits::default();
    println!("| input | stage | p50 µs | p99 µs | peak heap KiB |");
    println!("|---|---|---|---|---|");
    for (name, xml, runs) in &inputs {
        if input.is_some_and(|input| !name.contains(input)) {
            continue;
        }
        let bytes = xml.as_bytes();
        // The body as intake holds it; each run shares it as intake's DOM does.
        let body = bytes::Bytes::copy_from_slice(bytes);
        let read = read_and_validate(body.clone(), &limits, &context)
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
                    black_box(read_and_validate(black_box(body.clone()), &limits, &context).ok());
                }),
            ),
        ];
        for (stage, mut work) in stages {
            if only.is_some_and(|only| !stage.contains(only)) {
                continue;
            }
            let (p50, p99) = time(*runs, &mut work);
            let peak = crate::ALLOCATOR.peak_during(&mut work);
            println!(
                "| {name} | {stage} | {} | {} | {} |",
                micros(p50),
                micros(p99),
                peak / 1024
            );
        }
        if only.is_some() {
            continue;
        }
        let peak = crate::ALLOCATOR.peak_during(|| {
            black_box(read_and_validate(body.clone(), &limits, &context).ok());
        });
        println!(
            "| {name} | heap the whole path needs at its peak | {} KiB = {:.1} × the document ({} KiB) | | |",
            peak / 1024,
            peak as f64 / bytes.len() as f64,
            bytes.len() / 1024
        );
    }
    Ok(())
}

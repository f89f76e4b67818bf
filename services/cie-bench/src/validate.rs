//! In-process figures of what intake does with a document before it is archived (issue 15): read its
//! summary, check it against the UBL 2.1 schema, build the DOM, run the official JP PINT rules and our own;
//! each stage alone and the whole path as intake runs it, per input, with the heap the whole path needs at
//! its peak beside the document's size (live bytes counted by the bench's allocator). With
//! `--reference-xslt`, the official validation artefacts (the compiled Schematron, run with Saxon-HE) are
//! timed on the same inputs in the same run, and the whole path's speed is given as a multiple of theirs:
//! the figure that holds whatever the machine's speed that day. The whole path checks the official rules of a
//! document of at least `limits.parallel_rules_nodes` DOM nodes (the 1,000-line invoice) on two threads, as
//! intake does; it is also timed on one, and every other stage (and the reference) runs on one.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
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

/// The script that times the official XSLTs.
const REFERENCE_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tools/official_xslt_timing.py"
);

/// The official JP PINT 1.1.3 stylesheets, as the release names them.
const REFERENCE_STYLESHEETS: [&str; 2] = [
    "PINT-UBL-validation-preprocessed.xslt",
    "PINT-jurisdiction-aligned-rules.xslt",
];

/// The official stylesheets' median and 99th percentile on `xml`, over `runs` runs (each parses the document
/// and applies every stylesheet); refused when the reference finds a failed assert, since the official
/// validator finds none on the inputs.
fn reference(stylesheets: &Path, xml: &str, runs: usize) -> anyhow::Result<(Duration, Duration)> {
    let mut command = Command::new("python3");
    command
        .arg(REFERENCE_SCRIPT)
        .arg("--runs")
        .arg(runs.to_string());
    for name in REFERENCE_STYLESHEETS {
        let path = stylesheets.join(name);
        if !path.is_file() {
            bail!(
                "--reference-xslt: {} is missing (the official JP PINT 1.1.3 stylesheets)",
                path.display()
            );
        }
        command.arg("--xslt").arg(path);
    }
    let document = tempfile::NamedTempFile::new().context("a temporary file for the document")?;
    std::fs::write(document.path(), xml).context("writing the document for the reference")?;
    let output = command
        .arg(document.path())
        .output()
        .context("running python3 for the reference")?;
    if !output.status.success() {
        bail!(
            "the reference timing failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<&str> = stdout.trim().split('\t').collect();
    let [_, p50, p99, failed] = fields.as_slice() else {
        bail!("the reference timing printed {stdout:?}");
    };
    if *failed != "0" {
        bail!("the official XSLTs find {failed} failed asserts on the input");
    }
    let duration = |micros: &str| -> anyhow::Result<Duration> {
        let micros: f64 = micros.parse().context("a time from the reference")?;
        Ok(Duration::from_secs_f64(micros / 1e6))
    };
    Ok((duration(p50)?, duration(p99)?))
}

/// Runs the figures and prints them as a table.
pub(crate) fn run(
    runs: usize,
    only: Option<&str>,
    input: Option<&str>,
    reference_xslt: Option<&Path>,
) -> anyhow::Result<()> {
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    cie_rules::official::preload();
    // The reference takes about 40 times as long as the whole path: it runs a tenth as often.
    let inputs = [
        (
            "full JP PINT example",
            generated::fixture("jp-pint/jp-pint-example.xml"),
            runs,
            (runs / 10).max(10),
        ),
        (
            "1,000-line invoice",
            generated::invoice_with_lines(1_000),
            (runs / 20).max(1),
            (runs / 200).max(3),
        ),
    ];

    let context = TenantContext::default();
    let limits = cie_ubl::Limits::default();
    println!("| input | stage | p50 µs | p99 µs | peak heap KiB |");
    println!("|---|---|---|---|---|");
    for (name, xml, runs, reference_runs) in &inputs {
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
        let one_thread = TenantContext {
            parallel_rules_nodes: 0,
            ..TenantContext::default()
        };
        let stages: [Stage<'_>; 8] = [
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
                "DOM build + official rules (the reference's work)",
                Box::new(|| {
                    if let Ok(doc) = Document::parse(black_box(bytes)) {
                        black_box(cie_rules::validate_official(&doc));
                    }
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
                "whole intake path, official rules on one thread",
                Box::new(|| {
                    black_box(
                        read_and_validate(black_box(body.clone()), &limits, &one_thread).ok(),
                    );
                }),
            ),
            (
                "whole intake path (read + validate)",
                Box::new(|| {
                    black_box(read_and_validate(black_box(body.clone()), &limits, &context).ok());
                }),
            ),
        ];
        let mut whole_path = None;
        let mut official_path = None;
        for (stage, mut work) in stages {
            if only.is_some_and(|only| !stage.contains(only)) {
                continue;
            }
            let (p50, p99) = time(*runs, &mut work);
            if stage.starts_with("whole intake path (") {
                whole_path = Some(p50);
            }
            if stage.starts_with("DOM build +") {
                official_path = Some(p50);
            }
            let peak = crate::ALLOCATOR.peak_during(&mut work);
            println!(
                "| {name} | {stage} | {} | {} | {} |",
                micros(p50),
                micros(p99),
                peak / 1024
            );
        }
        if let Some(stylesheets) = reference_xslt {
            let (p50, p99) = reference(stylesheets, xml, *reference_runs)?;
            println!(
                "| {name} | the reference: official XSLTs (Saxon-HE), parse + every rule | {} | {} | |",
                micros(p50),
                micros(p99)
            );
            if let Some(whole) = whole_path {
                println!(
                    "| {name} | whole intake path against the reference (p50) | {:.1} × as fast | | |",
                    p50.as_secs_f64() / whole.as_secs_f64()
                );
            }
            if let Some(official) = official_path {
                println!(
                    "| {name} | DOM build + official rules against the reference (p50), the same work | {:.1} × as fast | | |",
                    p50.as_secs_f64() / official.as_secs_f64()
                );
            }
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

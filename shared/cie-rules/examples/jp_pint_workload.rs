//! A fixed JP PINT workload for profiling (callgrind) and for peak memory: parses and validates the full
//! official example or a generated invoice a number of times, then prints the findings count (node count when
//! only parsing), the document size and the process's peak resident set size (`VmHWM`) before and after.
//!
//! Usage: `jp_pint_workload <full|LINES> [ITERATIONS] [parse]`.

#[path = "../tests/rules/support/generated.rs"]
mod generated;

use std::process::ExitCode;

use cie_rules::official::{preload, validate_official};
use cie_xpath::Document;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One parse (and validation): the function to restrict callgrind to (`--toggle-collect=*run_once*`).
#[inline(never)]
fn run_once(xml: &[u8], parse_only: bool) -> Result<usize, cie_xpath::XmlError> {
    let doc = Document::parse(xml)?;
    if parse_only {
        return Ok(doc.node_count());
    }
    Ok(validate_official(&doc).map_or(0, |verdict| verdict.findings.len()))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let case = args.first().map_or("full", String::as_str);
    let iterations: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1);
    let parse_only = args.get(2).is_some_and(|mode| mode == "parse");
    let xml = match case {
        "full" => generated::fixture("jp-pint/jp-pint-example.xml"),
        lines => match lines.parse() {
            Ok(lines) => generated::invoice_with_lines(lines),
            Err(_) => {
                eprintln!("usage: jp_pint_workload <full|LINES> [ITERATIONS] [parse]");
                return ExitCode::FAILURE;
            }
        },
    };
    preload();
    let before = peak_rss_kib().unwrap_or(0);
    let mut findings = 0;
    for _ in 0..iterations {
        match run_once(xml.as_bytes(), parse_only) {
            Ok(count) => findings = count,
            Err(error) => {
                eprintln!("not well-formed: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let after = peak_rss_kib().unwrap_or(0);
    let counted = if parse_only { "nodes" } else { "findings" };
    println!(
        "case={case} bytes={} {counted}={findings} peak_rss_kib_before={before} peak_rss_kib={after} growth_kib={}",
        xml.len(),
        after.saturating_sub(before)
    );
    ExitCode::SUCCESS
}

//! Fixture documents for tests and benchmarks, and a large invoice: the JP PINT example with its first
//! invoice line repeated (totals are left as they are; the renderer prints what it is given).

use std::path::Path;

/// Reads a file of the workspace's `tests/fixtures`.
pub(crate) fn fixture(relative: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The JP PINT example invoice with its first line repeated `count` times (line ids 1..=count).
pub(crate) fn invoice_with_lines(count: usize) -> Vec<u8> {
    let xml = String::from_utf8(fixture("jp-pint/jp-pint-example.xml")).expect("UTF-8");
    let (open, close) = ("<cac:InvoiceLine>", "</cac:InvoiceLine>");
    let start = xml.find(open).expect("the example has lines");
    let first_end = xml.find(close).expect("the example has lines") + close.len();
    let last_end = xml.rfind(close).expect("the example has lines") + close.len();
    let line = &xml[start..first_end];
    let mut out = String::with_capacity(xml.len() + line.len() * count);
    out.push_str(&xml[..start]);
    for i in 1..=count {
        out.push_str(&line.replacen("<cbc:ID>1</cbc:ID>", &format!("<cbc:ID>{i}</cbc:ID>"), 1));
        out.push('\n');
    }
    out.push_str(&xml[last_end..]);
    out.into_bytes()
}

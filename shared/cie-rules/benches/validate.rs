//! Throughput of the official JP PINT runner, DOM parse included: the full official example and generated
//! invoices of 1,000 and 10,000 lines (the minimum example's first line repeated, totals consistent).

#[path = "../tests/rules/support/generated.rs"]
mod generated;

use std::hint::black_box;

use cie_rules::official::{preload, validate_official};
use cie_xpath::Document;
use criterion::{Criterion, Throughput};

fn parse_and_validate(bytes: &[u8]) -> usize {
    let doc = Document::parse(bytes).expect("well-formed");
    validate_official(&doc)
        .expect("a JP PINT invoice")
        .findings
        .len()
}

fn bench(c: &mut Criterion) {
    preload();
    let inputs = [
        (
            "full-example",
            generated::fixture("jp-pint/jp-pint-example.xml"),
        ),
        ("1000-lines", generated::invoice_with_lines(1_000)),
        ("10000-lines", generated::invoice_with_lines(10_000)),
    ];
    let mut group = c.benchmark_group("jp-pint");
    for (name, xml) in &inputs {
        assert_eq!(
            parse_and_validate(xml.as_bytes()),
            0,
            "{name} passes every rule"
        );
        group.throughput(Throughput::Bytes(xml.len() as u64));
        if *name == "10000-lines" {
            group.sample_size(10);
        }
        group.bench_function(format!("parse+validate/{name}"), |b| {
            b.iter(|| parse_and_validate(black_box(xml.as_bytes())))
        });
        group.bench_function(format!("parse/{name}"), |b| {
            b.iter(|| {
                Document::parse(black_box(xml.as_bytes()))
                    .expect("well-formed")
                    .node_count()
            })
        });
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}

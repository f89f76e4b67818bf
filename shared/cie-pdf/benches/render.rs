//! Render time of a one-page invoice (the JP PINT example) and of a 1,000-line invoice (its first line
//! repeated; about 28 pages), XML parse, layout, font subsetting, attachment and PDF writing included.
//! The font is parsed once, outside the measurement, as the server does.

#[path = "../tests/support/generated.rs"]
mod generated;

use std::hint::black_box;

use cie_pdf::{RenderMeta, Renderer};
use criterion::Criterion;

fn meta() -> RenderMeta {
    RenderMeta {
        document_id: 156,
        archive_seq: 42,
        sha256: "0".repeat(64),
        received_at: "2026-04-01 10:15 JST".to_owned(),
        verdict: "検証: 合格（エラー 0・警告 1）".to_owned(),
        attachment_name: "invoice-156.xml".to_owned(),
    }
}

fn bench(c: &mut Criterion) {
    let renderer = Renderer::new().expect("the vendored font parses");
    let meta = meta();
    let inputs = [
        (
            "one-page",
            generated::fixture("jp-pint/jp-pint-example.xml"),
        ),
        ("1000-lines", generated::invoice_with_lines(1_000)),
    ];
    let mut group = c.benchmark_group("render");
    for (name, xml) in &inputs {
        let pdf = renderer.render(xml, &meta).expect("renders");
        println!("{name}: {} bytes of PDF", pdf.len());
        if *name == "1000-lines" {
            group.sample_size(10);
        }
        group.bench_function(*name, |b| {
            b.iter(|| {
                renderer
                    .render(black_box(xml), black_box(&meta))
                    .expect("renders")
                    .len()
            })
        });
    }
    group.finish();
    c.bench_function("font-parse", |b| {
        b.iter(|| Renderer::new().expect("the vendored font parses"))
    });
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}

//! Time per check of the 30 KB JP PINT example (and of compiling the model); run with
//! `cargo test --release -p cie-schema --test schema -- --ignored --nocapture timing`.

use std::time::Instant;

use crate::fixture;

const BATCH: u32 = 200;

#[test]
#[ignore = "timing loop; meaningful only in release"]
fn timing_of_the_jp_pint_example() {
    let xml = fixture("jp-pint/jp-pint-example.xml");
    let started = Instant::now();
    cie_schema::prepare().expect("model compiles");
    println!("content model compiled in {:?}", started.elapsed());
    let mut findings = 0;
    let fastest = (0..20)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..BATCH {
                findings += cie_schema::check(xml.as_bytes()).expect("checkable").len();
            }
            started.elapsed() / BATCH
        })
        .min()
        .expect("batches");
    assert_eq!(findings, 0);
    println!(
        "{} bytes: {fastest:?} per check (fastest batch of {BATCH})",
        xml.len()
    );
}

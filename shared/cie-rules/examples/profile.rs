//! Temporary profiling driver.
#[path = "../tests/support/generated.rs"]
mod generated;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args[1].as_str();
    let iterations: usize = args[2].parse().expect("n");
    let xml = match what {
        "full" => generated::fixture("jp-pint/jp-pint-example.xml"),
        n => generated::invoice_with_lines(n.parse().expect("lines")),
    };
    cie_rules::official::preload();
    let parse_only = args.get(3).is_some();
    if args.get(3).map(String::as_str) == Some("plain") { let s = std::time::Instant::now(); let mut t = 0; for _ in 0..iterations { t += raw_plain(&xml); } println!("plain {:?} ({t})", s.elapsed() / iterations as u32); return; }
    if args.get(3).map(String::as_str) == Some("rules") { per_rule(&xml); return; }
    if args.get(3).map(String::as_str) == Some("raw") { let s = std::time::Instant::now(); let mut t = 0; for _ in 0..iterations { t += raw(&xml); } println!("raw {:?} ({t})", s.elapsed() / iterations as u32); return; }
    let start = std::time::Instant::now();
    let mut total = 0;
    for _ in 0..iterations {
        let doc = cie_xpath::Document::parse(xml.as_bytes()).expect("ok");
        if parse_only { total += doc.node_count(); continue; }
        total += cie_rules::official::validate_official(&doc).expect("jp").findings.len();
    }
    println!("{:?} per iteration ({total})", start.elapsed() / iterations as u32);
}
#[allow(dead_code)]
fn raw(xml: &str) -> usize {
    let mut reader = quick_xml::reader::NsReader::from_str(xml);
    let mut n = 0;
    loop {
        match reader.read_resolved_event() {
            Ok((_, quick_xml::events::Event::Eof)) => break,
            Ok(_) => n += 1,
            Err(_) => break,
        }
    }
    n
}
#[allow(dead_code)]
fn raw_plain(xml: &str) -> usize {
    let mut reader = quick_xml::reader::Reader::from_str(xml);
    let mut n = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => n += 1,
            Err(_) => break,
        }
    }
    n
}
#[allow(dead_code)]
fn per_rule(xml: &str) {
    use std::collections::HashMap;
    let doc = cie_xpath::Document::parse(xml.as_bytes()).expect("ok");
    let ns = cie_rules::official::namespaces();
    let vars = cie_xpath::Variables::new();
    let mut ctx_cost: HashMap<&str, std::time::Duration> = HashMap::new();
    let mut rows = Vec::new();
    for rule in cie_rules::official::rules(cie_rules::official::Profile::Standard) {
        let pattern = cie_xpath::Pattern::compile(rule.context, &ns).expect("p");
        let test = cie_xpath::Expr::compile(rule.test, &ns).expect("t");
        let s = std::time::Instant::now();
        let mut nodes = Vec::new();
        for _ in 0..100 { nodes = pattern.select(&doc, &vars); }
        let c = s.elapsed() / 100;
        ctx_cost.insert(rule.context, c);
        let s = std::time::Instant::now();
        for _ in 0..100 { for &n in &nodes { let _ = test.effective_boolean_value(&doc, n, &vars); } }
        let t = s.elapsed() / 100;
        rows.push((t, rule.id, nodes.len()));
    }
    rows.sort();
    rows.reverse();
    for r in rows.iter().take(25) { println!("{:?} {} n={}", r.0, r.1, r.2); }
    let mut c: Vec<_> = ctx_cost.into_iter().collect();
    c.sort_by_key(|x| std::cmp::Reverse(x.1));
    for (k, v) in c.iter().take(12) { println!("ctx {:?} {}", v, &k[..k.len().min(100)]); }
    let total: std::time::Duration = rows.iter().map(|r| r.0).sum();
    println!("total test {:?}", total);
}

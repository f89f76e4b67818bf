//! JP PINT versions side by side: every document of the official 1.1.2 verdicts gets them from our 1.1.2 rule
//! sets, the documents the two versions judge differently get each version's official verdict, and the
//! version in force follows the switch-over day.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use cie_rules::official::{JpPintVersion, validate_official_version};
use cie_xpath::Document;

fn fixture(file: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(file);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// `id:flag` or `id:flagxN` entries, as the official verdict files write them, counted per id.
fn counted(fired: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for entry in fired.split_whitespace() {
        let (id, flag) = entry.split_once(':').expect("id:flag");
        let count = flag
            .split_once('x')
            .map_or(1, |(_, n)| n.parse().expect("count"));
        *counts.entry(id.to_owned()).or_default() += count;
    }
    counts
}

/// What our rule sets of `version` fire on `file`, counted per id, with the rule set's name.
fn ours(file: &str, version: JpPintVersion) -> (String, BTreeMap<String, usize>) {
    let bytes = fixture(file);
    let doc = Document::parse(&bytes).unwrap_or_else(|error| panic!("{file}: {error}"));
    let verdict = validate_official_version(&doc, version).expect("a JP PINT invoice");
    let mut counts = BTreeMap::new();
    for finding in verdict.findings {
        *counts.entry(finding.rule_id).or_default() += 1;
    }
    (verdict.rule_set.to_owned(), counts)
}

#[test]
fn jp_pint_1_1_2_agrees_with_its_official_verdicts() {
    let verdicts = include_str!("../../../../schemas/jp-pint-1.1.2/example-verdicts.tsv");
    let mut checked = 0;
    for line in verdicts.lines().skip(1) {
        let columns: Vec<&str> = line.split('\t').collect();
        let (file, rule_set, fired) = (columns[0], columns[1], columns[4]);
        let Some(profile) = rule_set.strip_suffix(" 1.1.2") else {
            continue;
        };
        let (name, counts) = ours(file, JpPintVersion::V1_1_2);
        assert_eq!(
            name,
            format!("{} 1.1.2", profile.replace("pint-jp", "jp-pint")),
            "{file}"
        );
        assert_eq!(counts, counted(fired), "{file}");
        checked += 1;
    }
    assert!(checked >= 50, "the 1.1.2 verdicts are read ({checked})");
}

#[test]
fn documents_the_versions_judge_differently_get_each_versions_official_verdict() {
    let verdicts = include_str!("../../../../tests/fixtures/jp-pint-versions/VERDICTS.tsv");
    let mut differing = BTreeMap::new();
    for line in verdicts.lines().skip(1) {
        let columns: Vec<&str> = line.split('\t').collect();
        let (file, version, verdict) = (columns[0], columns[2], columns[3]);
        let fired = columns.get(4).copied().unwrap_or_default();
        let version = JpPintVersion::parse(version).expect("a version held");
        let file = format!("jp-pint-versions/{file}");
        let (name, counts) = ours(&file, version);
        assert!(name.ends_with(version.number()), "{file}: {name}");
        assert_eq!(counts, counted(fired), "{file} under {}", version.number());
        assert_eq!(counts.is_empty(), verdict == "pass", "{file}");
        differing
            .entry(file)
            .or_insert_with(Vec::new)
            .push(counts.is_empty());
    }
    assert_eq!(differing.len(), 5);
    for (file, passes) in differing {
        assert_eq!(passes.len(), 2, "{file} is judged by both versions");
        assert_ne!(passes[0], passes[1], "{file} passes under one version only");
    }
}

#[test]
fn the_version_in_force_follows_the_switch_over_day() {
    let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date");
    assert_eq!(
        JpPintVersion::in_force(day("2026-04-01"), None),
        JpPintVersion::V1_1_3
    );
    let switch_over = Some(day("2026-06-08"));
    assert_eq!(
        JpPintVersion::in_force(day("2026-06-07"), switch_over),
        JpPintVersion::V1_1_2
    );
    assert_eq!(
        JpPintVersion::in_force(day("2026-06-08"), switch_over),
        JpPintVersion::V1_1_3
    );
    assert_eq!(JpPintVersion::parse(" 1.1.2 "), Some(JpPintVersion::V1_1_2));
    assert_eq!(JpPintVersion::parse("1.2.0"), None);
}

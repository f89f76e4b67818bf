//! One failing and one passing case for every rule id of the official rule sets — the three JP PINT 1.1.3
//! profiles (`per_rule.tsv`) and the eight Peppol post-award transactions (`per_rule_poacc.tsv`) — driven by a
//! table: a failing case is an official example plus a few text edits on which the rule
//! must fire (with the severity of its official flag), the passing case is the unedited example on which it
//! must not. A rule that can never fire is listed as unreachable with its reason (and optionally a probe on
//! which it must stay silent). Every rule id of the catalog must be in exactly one of the two lists.
//!
//! Table syntax (tab-separated, `#` starts a comment line):
//!
//! - `base <name> <profile> <file>`: the example `<name>` stands for `<file>` (under `tests/fixtures`) when
//!   testing `<profile>`.
//! - `fail <profiles> <rule> <base> <edit>...`: the rule fires on `<base>` after the edits.
//! - `unreachable <profiles> <rule> <reason> [<base> <edit>...]`: the rule never fires; the optional probe
//!   is a document built like a failing case on which it stays silent anyway.
//!
//! `<profiles>` is `*` (every rule set of the table) or a comma-separated list of `jp-pint`, `jp-pint-sb`,
//! `jp-pint-ntr` (`per_rule.tsv`), or `t01`, `t76`, `t110`, `t114`, `t115`, `t116`, `t16`, `t111`
//! (`per_rule_poacc.tsv`); `<base>` is a name
//! defined by a `base` line or a file path. An edit is `op TEXT` or `op TEXT => NEW`, applied to the first
//! occurrence of `TEXT` (or the n-th with `op@n`), which must exist: `replace TEXT => NEW`,
//! `insert-before TEXT => NEW`, `insert-after TEXT => NEW`, `delete TEXT`, and `delete-element TEXT` (`TEXT`
//! starts an element, e.g. `<cac:PaymentMeans>`; the element is removed up to its matching end tag).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use cie_domain::{Finding, Severity};
use cie_rules::official::{
    JpPintVersion, Profile, RuleSet, flag_severity, rule_set_rules, validate_rule_set,
};
use cie_rules::post_award::Transaction;
use cie_xpath::Document;

use crate::support::generated::fixture;

/// The official JP PINT rule tables, the independent source of each rule's flag.
const OFFICIAL_TABLES: [(Profile, &str); 3] = [
    (Profile::Standard, "jp-pint-rules.tsv"),
    (Profile::SelfBilling, "jp-pint-sb-rules.tsv"),
    (Profile::NonTaxRegistered, "jp-pint-ntr-rules.tsv"),
];

/// The folders of the official valid examples a case may start from.
const EXAMPLE_FOLDERS: [&str; 6] = [
    "jp-pint/",
    "jp-pint-sb/",
    "jp-pint-ntr/",
    "order/",
    "despatch/",
    "invoice-response/",
];

const JP_PINT: [RuleSet; 3] = [
    RuleSet::JpPint(Profile::Standard, JpPintVersion::V1_1_3),
    RuleSet::JpPint(Profile::SelfBilling, JpPintVersion::V1_1_3),
    RuleSet::JpPint(Profile::NonTaxRegistered, JpPintVersion::V1_1_3),
];

fn key_of(set: RuleSet) -> String {
    match set {
        RuleSet::JpPint(Profile::Standard, _) => "jp-pint".to_owned(),
        RuleSet::JpPint(Profile::SelfBilling, _) => "jp-pint-sb".to_owned(),
        RuleSet::JpPint(Profile::NonTaxRegistered, _) => "jp-pint-ntr".to_owned(),
        RuleSet::PostAward(transaction) => transaction.code().to_lowercase(),
    }
}

/// The rule set a document says it follows.
fn detect(doc: &Document) -> Option<RuleSet> {
    Profile::detect(doc)
        .map(|profile| RuleSet::JpPint(profile, JpPintVersion::V1_1_3))
        .or_else(|| Transaction::detect(doc).map(RuleSet::PostAward))
}

fn parse_profiles(text: &str, sets: &[RuleSet]) -> Result<Vec<RuleSet>, String> {
    if text == "*" {
        return Ok(sets.to_vec());
    }
    text.split(',')
        .map(|key| {
            sets.iter()
                .copied()
                .find(|set| key_of(*set) == key.trim())
                .ok_or_else(|| format!("unknown rule set {key:?}"))
        })
        .collect()
}

/// One text operation of a failing case.
#[derive(Debug, Clone)]
enum Op {
    Replace(String),
    InsertBefore(String),
    InsertAfter(String),
    Delete,
    DeleteElement,
}

#[derive(Debug, Clone)]
struct Edit {
    op: Op,
    target: String,
    occurrence: usize,
}

impl Edit {
    fn parse(text: &str) -> Result<Edit, String> {
        let (op, rest) = text
            .split_once(' ')
            .ok_or_else(|| format!("edit without text: {text:?}"))?;
        let (op, occurrence) = match op.split_once('@') {
            Some((op, n)) => (
                op,
                n.parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("bad occurrence in {text:?}"))?,
            ),
            None => (op, 1),
        };
        let (target, new) = match rest.split_once(" => ") {
            Some((target, new)) => (target, Some(new.to_owned())),
            None => (rest, None),
        };
        let op = match (op, new) {
            ("replace", Some(new)) => Op::Replace(new),
            ("insert-before", Some(new)) => Op::InsertBefore(new),
            ("insert-after", Some(new)) => Op::InsertAfter(new),
            ("delete", None) => Op::Delete,
            ("delete-element", None) => Op::DeleteElement,
            _ => return Err(format!("unknown edit {text:?}")),
        };
        if target.is_empty() {
            return Err(format!("edit with empty text: {text:?}"));
        }
        Ok(Edit {
            op,
            target: target.to_owned(),
            occurrence,
        })
    }

    fn apply(&self, xml: &str) -> Result<String, String> {
        let start = xml
            .match_indices(&self.target)
            .nth(self.occurrence - 1)
            .map(|(index, _)| index)
            .ok_or_else(|| {
                format!(
                    "occurrence {} of {:?} not found",
                    self.occurrence, self.target
                )
            })?;
        let end = start + self.target.len();
        let (from, to, new) = match &self.op {
            Op::Replace(new) => (start, end, new.as_str()),
            Op::InsertBefore(new) => (start, start, new.as_str()),
            Op::InsertAfter(new) => (end, end, new.as_str()),
            Op::Delete => (start, end, ""),
            Op::DeleteElement => (start, element_end(xml, start)?, ""),
        };
        Ok(format!("{}{new}{}", &xml[..from], &xml[to..]))
    }
}

/// The end (exclusive) of the element whose start tag begins at `start`.
fn element_end(xml: &str, start: usize) -> Result<usize, String> {
    let tag = &xml[start..];
    let name_len = tag[1..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .ok_or_else(|| format!("no element starts at {:?}", &tag[..tag.len().min(40)]))?;
    let name = &tag[1..=name_len];
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut depth = 0usize;
    let mut at = start;
    loop {
        let next_open = xml[at..].find(&open).map(|index| index + at);
        let next_close = xml[at..]
            .find(&close)
            .map(|index| index + at)
            .ok_or_else(|| format!("{name} is never closed"))?;
        match next_open {
            Some(index) if index < next_close => {
                let after = &xml[index + open.len()..];
                let tag_end = after.find('>').ok_or("unterminated tag")?;
                let is_same_name = after
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_whitespace() || c == '>' || c == '/');
                if is_same_name {
                    if after[..tag_end].ends_with('/') {
                        if depth == 0 {
                            return Ok(index + open.len() + tag_end + 1);
                        }
                    } else {
                        depth += 1;
                    }
                }
                at = index + open.len();
            }
            _ => {
                depth = depth.checked_sub(1).ok_or("unbalanced end tag")?;
                at = next_close + close.len();
                if depth == 0 {
                    return Ok(at);
                }
            }
        }
    }
}

/// A document built from an example: the base and the edits.
#[derive(Debug, Clone)]
struct Case {
    base: String,
    edits: Vec<Edit>,
}

#[derive(Debug)]
enum Entry {
    Fail(Case),
    Unreachable { reason: String, probe: Option<Case> },
}

#[derive(Debug)]
struct Row {
    line: usize,
    profiles: Vec<RuleSet>,
    rule: String,
    entry: Entry,
}

struct Table {
    bases: HashMap<(String, RuleSet), String>,
    rows: Vec<Row>,
}

fn parse_case(columns: &[&str]) -> Result<Case, String> {
    let (base, edits) = columns.split_first().ok_or("no base example")?;
    Ok(Case {
        base: (*base).to_owned(),
        edits: edits
            .iter()
            .map(|edit| Edit::parse(edit))
            .collect::<Result<_, _>>()?,
    })
}

fn parse_table(text: &str, table: &str, sets: &[RuleSet]) -> Result<Table, Vec<String>> {
    let mut bases = HashMap::new();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let columns: Vec<&str> = line.split('\t').collect();
        let parsed = match columns.as_slice() {
            ["base", name, profile, file] => parse_profiles(profile, sets).map(|profiles| {
                for profile in profiles {
                    bases.insert(((*name).to_owned(), profile), (*file).to_owned());
                }
            }),
            ["fail", profiles, rule, case @ ..] => {
                parse_profiles(profiles, sets).and_then(|profiles| {
                    let case = parse_case(case)?;
                    if case.edits.is_empty() {
                        return Err("a failing case needs an edit".to_owned());
                    }
                    rows.push(Row {
                        line: number,
                        profiles,
                        rule: (*rule).to_owned(),
                        entry: Entry::Fail(case),
                    });
                    Ok(())
                })
            }
            ["unreachable", profiles, rule, reason, probe @ ..] => parse_profiles(profiles, sets)
                .and_then(|profiles| {
                    let probe = if probe.is_empty() {
                        None
                    } else {
                        Some(parse_case(probe)?)
                    };
                    rows.push(Row {
                        line: number,
                        profiles,
                        rule: (*rule).to_owned(),
                        entry: Entry::Unreachable {
                            reason: (*reason).to_owned(),
                            probe,
                        },
                    });
                    Ok(())
                }),
            _ => Err("unknown row kind or wrong column count".to_owned()),
        };
        if let Err(error) = parsed {
            errors.push(format!("{table}:{number}: {error}"));
        }
    }
    if errors.is_empty() {
        Ok(Table { bases, rows })
    } else {
        Err(errors)
    }
}

/// Runs documents, remembering the unedited examples.
struct Runner {
    sources: HashMap<String, String>,
}

impl Runner {
    fn source(&mut self, file: &str) -> Result<String, String> {
        if !EXAMPLE_FOLDERS
            .iter()
            .any(|folder| file.starts_with(folder))
        {
            return Err(format!("{file} is not an official example"));
        }
        if let Some(source) = self.sources.get(file) {
            return Ok(source.clone());
        }
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(file);
        if !path.is_file() {
            return Err(format!("{file} does not exist"));
        }
        let source = fixture(file);
        self.sources.insert(file.to_owned(), source.clone());
        Ok(source)
    }
}

fn run(xml: &str, set: RuleSet) -> Result<Vec<Finding>, String> {
    let doc =
        Document::parse(xml.as_bytes()).map_err(|error| format!("not well-formed: {error}"))?;
    Ok(validate_rule_set(&doc, set).findings)
}

fn official_flags() -> HashMap<(RuleSet, String), Severity> {
    let mut flags = HashMap::new();
    for (profile, file) in OFFICIAL_TABLES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../schemas/jp-pint-1.1.3")
            .join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        for line in text.lines().skip(1) {
            let mut columns = line.split('\t');
            let id = columns.next().expect("id column");
            let flag = columns.next().expect("flag column");
            flags.insert(
                (
                    RuleSet::JpPint(profile, JpPintVersion::V1_1_3),
                    id.to_owned(),
                ),
                flag_severity(flag),
            );
        }
    }
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/peppol-poacc-2026.5/rules.tsv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    for line in text.lines().skip(1) {
        let columns: Vec<&str> = line.split('\t').collect();
        let (code, id, flag) = (columns[0], columns[4], columns[5]);
        if id.is_empty() {
            continue;
        }
        let transaction = Transaction::ALL
            .into_iter()
            .find(|transaction| transaction.code() == code)
            .unwrap_or_else(|| panic!("unknown transaction {code}"));
        flags.insert(
            (RuleSet::PostAward(transaction), id.to_owned()),
            flag_severity(flag),
        );
    }
    flags
}

fn build(
    table: &Table,
    runner: &mut Runner,
    case: &Case,
    profile: RuleSet,
) -> Result<(String, String), String> {
    let file = table
        .bases
        .get(&(case.base.clone(), profile))
        .cloned()
        .or_else(|| case.base.contains('/').then(|| case.base.clone()))
        .ok_or_else(|| format!("no example {:?} for {}", case.base, key_of(profile)))?;
    let base = runner.source(&file)?;
    let mut xml = base.clone();
    for edit in &case.edits {
        xml = edit
            .apply(&xml)
            .map_err(|error| format!("{file}: {error}"))?;
    }
    if xml == base {
        return Err(format!("{file}: the edits change nothing"));
    }
    Ok((file, xml))
}

fn ids(findings: &[Finding]) -> BTreeSet<&str> {
    findings
        .iter()
        .map(|finding| finding.rule_id.as_str())
        .collect()
}

#[test]
fn every_jp_pint_rule_has_a_failing_and_a_passing_case_or_a_reason() {
    check_table("tests/rules/per_rule.tsv", &JP_PINT);
}

#[test]
fn every_post_award_rule_has_a_failing_and_a_passing_case_or_a_reason() {
    let sets: Vec<RuleSet> = Transaction::ALL
        .into_iter()
        .map(RuleSet::PostAward)
        .collect();
    check_table("tests/rules/per_rule_poacc.tsv", &sets);
}

fn check_table(table_name: &str, sets: &[RuleSet]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(table_name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let table = match parse_table(&text, table_name, sets) {
        Ok(table) => table,
        Err(errors) => panic!("{} bad rows:\n{}", errors.len(), errors.join("\n")),
    };
    let flags = official_flags();
    let mut runner = Runner {
        sources: HashMap::new(),
    };
    let mut base_findings: HashMap<(String, RuleSet), Vec<Finding>> = HashMap::new();
    let mut failures = Vec::new();
    // Per profile: rule → the table lines covering it / listing it as unreachable.
    let mut covered: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    let mut unreachable: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    // Per profile: rule → the first table line whose document fired it.
    let mut fired_anywhere: HashMap<(String, String), usize> = HashMap::new();

    for row in &table.rows {
        for &profile in &row.profiles {
            let key = key_of(profile);
            let here = format!("{table_name}:{} {key} {}", row.line, row.rule);
            let (case, expect_fire) = match &row.entry {
                Entry::Fail(case) => {
                    covered
                        .entry((key.clone(), row.rule.clone()))
                        .or_default()
                        .push(row.line);
                    (Some(case), true)
                }
                Entry::Unreachable { reason, probe } => {
                    unreachable
                        .entry((key.clone(), row.rule.clone()))
                        .or_default()
                        .push(row.line);
                    if reason.trim().is_empty() {
                        failures.push(format!("{here}: an unreachable rule needs a reason"));
                    }
                    (probe.as_ref(), false)
                }
            };
            let Some(case) = case else {
                continue;
            };
            let (file, xml) = match build(&table, &mut runner, case, profile) {
                Ok(built) => built,
                Err(error) => {
                    failures.push(format!("{here}: {error}"));
                    continue;
                }
            };
            // The passing case: the unedited example is of this profile and the rule does not fire on it.
            let on_base = base_findings
                .entry((file.clone(), profile))
                .or_insert_with(|| {
                    let base = runner.source(&file).expect("read above");
                    let doc = Document::parse(base.as_bytes())
                        .expect("official examples are well-formed");
                    if detect(&doc) != Some(profile) {
                        failures.push(format!("{here}: {file} is not a {key} document"));
                    }
                    validate_rule_set(&doc, profile).findings
                });
            if on_base.iter().any(|finding| finding.rule_id == row.rule) {
                failures.push(format!("{here}: fires on the unedited {file}"));
            }
            for finding in on_base.iter() {
                fired_anywhere
                    .entry((key.clone(), finding.rule_id.clone()))
                    .or_insert(row.line);
            }
            // The failing case (or the probe of an unreachable rule).
            let findings = match run(&xml, profile) {
                Ok(findings) => findings,
                Err(error) => {
                    failures.push(format!("{here}: {error}"));
                    continue;
                }
            };
            for finding in &findings {
                fired_anywhere
                    .entry((key.clone(), finding.rule_id.clone()))
                    .or_insert(row.line);
            }
            let mine: Vec<&Finding> = findings
                .iter()
                .filter(|finding| finding.rule_id == row.rule)
                .collect();
            if !expect_fire {
                if !mine.is_empty() {
                    failures.push(format!(
                        "{here}: listed as unreachable but its probe fires it"
                    ));
                }
                continue;
            }
            if mine.is_empty() {
                failures.push(format!(
                    "{here}: does not fire on the edited {file}; fired: {:?}",
                    ids(&findings)
                ));
                continue;
            }
            let expected = flags.get(&(profile, row.rule.clone()));
            for finding in mine {
                if Some(&finding.severity) != expected {
                    failures.push(format!(
                        "{here}: severity {:?}, the official flag says {expected:?}",
                        finding.severity
                    ));
                }
                if finding.rule_set != profile.name() {
                    failures.push(format!("{here}: rule set {}", finding.rule_set));
                }
            }
        }
    }

    for &profile in sets {
        let key = key_of(profile);
        let catalog: BTreeSet<String> = rule_set_rules(profile)
            .into_iter()
            .map(|rule| rule.id.to_owned())
            .collect();
        for id in &catalog {
            let is_covered = covered.contains_key(&(key.clone(), id.clone()));
            let listed = unreachable.get(&(key.clone(), id.clone()));
            match (is_covered, listed) {
                (false, None) => failures.push(format!(
                    "{key} {id}: neither a failing case nor listed as unreachable"
                )),
                (true, Some(lines)) => failures.push(format!(
                    "{key} {id}: has a failing case but is listed as unreachable at line(s) {lines:?}"
                )),
                (false, Some(lines)) if lines.len() > 1 => failures.push(format!(
                    "{key} {id}: listed as unreachable more than once, lines {lines:?}"
                )),
                (false, Some(_)) => {
                    if let Some(line) = fired_anywhere.get(&(key.clone(), id.clone())) {
                        failures.push(format!(
                            "{key} {id}: listed as unreachable but fires on the document of line {line}"
                        ));
                    }
                }
                (true, None) => {}
            }
        }
        let listed: BTreeSet<&String> = covered
            .keys()
            .chain(unreachable.keys())
            .filter(|(listed_key, _)| *listed_key == key)
            .map(|(_, id)| id)
            .collect();
        for id in listed {
            if !catalog.contains(id) {
                failures.push(format!("{key} {id}: in the table but not in the catalog"));
            }
        }
        let unreachable_count = unreachable
            .keys()
            .filter(|(listed_key, id)| *listed_key == key && catalog.contains(id))
            .count();
        println!(
            "{key}: {} rules, {} with a failing and a passing case, {unreachable_count} unreachable",
            catalog.len(),
            catalog
                .iter()
                .filter(|id| covered.contains_key(&(key.clone(), (*id).clone())))
                .count(),
        );
    }

    assert!(
        failures.is_empty(),
        "{} per-rule failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

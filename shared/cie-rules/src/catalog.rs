//! The official rule data embedded from `schemas/`: JP PINT 1.1.2 and 1.1.3 (`jp-pint-<version>/`: rule ids,
//! flags, contexts and messages per profile, the XPath test of every assert) and the Peppol post-award rule sets of release 2026.5
//! (`peppol-poacc-2026.5/`: every rule, assert and `let` per transaction), grouped by Schematron pattern and
//! rule, with their Japanese messages.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::official::{JpPintVersion, Profile, RuleSet};
use crate::post_award::Transaction;

/// The published data of one JP PINT version.
struct JpPintData {
    tests: &'static str,
    standard: &'static str,
    self_billing: &'static str,
    non_tax_registered: &'static str,
    messages_ja: &'static str,
}

const JP_PINT_1_1_3: JpPintData = JpPintData {
    tests: include_str!("../../../schemas/jp-pint-1.1.3/jp-pint-rule-tests.tsv"),
    standard: include_str!("../../../schemas/jp-pint-1.1.3/jp-pint-rules.tsv"),
    self_billing: include_str!("../../../schemas/jp-pint-1.1.3/jp-pint-sb-rules.tsv"),
    non_tax_registered: include_str!("../../../schemas/jp-pint-1.1.3/jp-pint-ntr-rules.tsv"),
    messages_ja: include_str!("../../../schemas/jp-pint-1.1.3/messages-ja.tsv"),
};

const JP_PINT_1_1_2: JpPintData = JpPintData {
    tests: include_str!("../../../schemas/jp-pint-1.1.2/jp-pint-rule-tests.tsv"),
    standard: include_str!("../../../schemas/jp-pint-1.1.2/jp-pint-rules.tsv"),
    self_billing: include_str!("../../../schemas/jp-pint-1.1.2/jp-pint-sb-rules.tsv"),
    non_tax_registered: include_str!("../../../schemas/jp-pint-1.1.2/jp-pint-ntr-rules.tsv"),
    messages_ja: include_str!("../../../schemas/jp-pint-1.1.2/messages-ja.tsv"),
};

fn jp_pint_data(version: JpPintVersion) -> &'static JpPintData {
    match version {
        JpPintVersion::V1_1_2 => &JP_PINT_1_1_2,
        JpPintVersion::V1_1_3 => &JP_PINT_1_1_3,
    }
}
const POST_AWARD_RULES: &str = include_str!("../../../schemas/peppol-poacc-2026.5/rules.tsv");
const POST_AWARD_LETS: &str = include_str!("../../../schemas/peppol-poacc-2026.5/lets.tsv");
const POST_AWARD_MESSAGES_JA: &str =
    include_str!("../../../schemas/peppol-poacc-2026.5/messages-ja.tsv");

/// One Schematron `<let>`: a variable and the XPath expression of its value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LetSource {
    pub(crate) name: &'static str,
    pub(crate) value: &'static str,
}

/// One assert as published.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AssertSource {
    pub(crate) id: &'static str,
    pub(crate) flag: &'static str,
    pub(crate) test: &'static str,
    pub(crate) message: &'static str,
}

/// One Schematron `<rule>`: a context and its asserts.
#[derive(Debug, Clone)]
pub(crate) struct RuleSource {
    pub(crate) context: &'static str,
    /// Variables evaluated on each element the rule takes, before its asserts.
    pub(crate) lets: Vec<LetSource>,
    pub(crate) asserts: Vec<AssertSource>,
}

/// One Schematron `<pattern>` with its rules in file order.
#[derive(Debug, Clone)]
pub(crate) struct PatternSource {
    pub(crate) source: &'static str,
    pub(crate) name: &'static str,
    /// Variables evaluated once per document (the ISO Schematron skeleton makes them global).
    pub(crate) lets: Vec<LetSource>,
    pub(crate) rules: Vec<RuleSource>,
}

/// The patterns of a rule set in Schematron order.
pub(crate) fn rule_set_patterns(set: RuleSet) -> Vec<PatternSource> {
    match set {
        RuleSet::JpPint(profile, version) => patterns(profile, version),
        RuleSet::PostAward(transaction) => post_award_patterns(transaction),
    }
}

/// The Japanese message of a rule of a rule set, if there is one.
pub(crate) fn rule_set_message_ja(set: RuleSet, id: &str) -> Option<&'static str> {
    match set {
        RuleSet::JpPint(_, version) => message_ja(version, id),
        RuleSet::PostAward(_) => POST_AWARD_JAPANESE.get(id).copied(),
    }
}

fn columns<const N: usize>(line: &'static str, file: &str) -> [&'static str; N] {
    let parts: Vec<&'static str> = line.splitn(N, '\t').collect();
    parts
        .try_into()
        .unwrap_or_else(|_| panic!("malformed line in {file}: {line:?}"))
}

fn number(text: &str, line: &str) -> usize {
    text.parse()
        .unwrap_or_else(|_| panic!("bad pattern or rule number in {line:?}"))
}

/// The patterns of a Peppol post-award transaction from `rules.tsv` and `lets.tsv` (pattern and rule numbers
/// count from 1 in file order; a rule without asserts has one row with an empty id; a `let` with rule 0 belongs
/// to its pattern).
///
/// Panics if the embedded tables are inconsistent; the crate's tests guard against that.
fn post_award_patterns(transaction: Transaction) -> Vec<PatternSource> {
    let code = transaction.code();
    let mut patterns: Vec<PatternSource> = Vec::new();
    for line in POST_AWARD_RULES.lines().skip(1).filter(|l| !l.is_empty()) {
        let [row, pattern, rule, context, id, flag, test, message] =
            columns::<8>(line, "rules.tsv");
        if row != code {
            continue;
        }
        let (pattern, rule) = (number(pattern, line), number(rule, line));
        while patterns.len() < pattern {
            patterns.push(PatternSource {
                source: "PEPPOLBIS",
                name: "",
                lets: Vec::new(),
                rules: Vec::new(),
            });
        }
        let rules = &mut patterns[pattern - 1].rules;
        while rules.len() < rule {
            rules.push(RuleSource {
                context,
                lets: Vec::new(),
                asserts: Vec::new(),
            });
        }
        let rule_source = &mut rules[rule - 1];
        assert_eq!(
            rule_source.context, context,
            "asserts of one rule share its context ({id})"
        );
        if !id.is_empty() {
            rule_source.asserts.push(AssertSource {
                id,
                flag,
                test,
                message,
            });
        }
    }
    for line in POST_AWARD_LETS.lines().skip(1).filter(|l| !l.is_empty()) {
        let [row, pattern, rule, name, value] = columns::<5>(line, "lets.tsv");
        if row != code {
            continue;
        }
        let (pattern, rule) = (number(pattern, line), number(rule, line));
        let source = LetSource { name, value };
        let pattern = patterns
            .get_mut(pattern.saturating_sub(1))
            .unwrap_or_else(|| panic!("a let of {code} names a pattern it lacks: {line:?}"));
        match rule {
            0 => pattern.lets.push(source),
            rule => pattern
                .rules
                .get_mut(rule - 1)
                .unwrap_or_else(|| panic!("a let of {code} names a rule it lacks: {line:?}"))
                .lets
                .push(source),
        }
    }
    patterns
}

static POST_AWARD_JAPANESE: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    POST_AWARD_MESSAGES_JA
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once('\t'))
        .filter(|(id, message)| !id.is_empty() && !message.is_empty())
        .collect()
});

fn profile_key(profile: Profile) -> &'static str {
    match profile {
        Profile::Standard => "jp-pint",
        Profile::SelfBilling => "jp-pint-sb",
        Profile::NonTaxRegistered => "jp-pint-ntr",
    }
}

fn rule_table(profile: Profile, version: JpPintVersion) -> &'static str {
    let data = jp_pint_data(version);
    match profile {
        Profile::Standard => data.standard,
        Profile::SelfBilling => data.self_billing,
        Profile::NonTaxRegistered => data.non_tax_registered,
    }
}

/// `id → (flag, context, message)` of a profile's rule table.
pub(crate) fn rule_rows(
    profile: Profile,
    version: JpPintVersion,
) -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    rule_table(profile, version)
        .lines()
        .skip(1)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut columns = line.splitn(4, '\t');
            let mut next = || columns.next().unwrap_or_default();
            (next(), next(), next(), next())
        })
        .collect()
}

/// The patterns of a profile in Schematron order, each with its rules and asserts.
///
/// Panics if the embedded tables are inconsistent (an assert without a row in the rule table, or two asserts
/// of one rule with different contexts); the crate's tests guard against that.
pub(crate) fn patterns(profile: Profile, version: JpPintVersion) -> Vec<PatternSource> {
    let rows: HashMap<&str, (&str, &str, &str)> = rule_rows(profile, version)
        .into_iter()
        .map(|(id, flag, context, message)| (id, (flag, context, message)))
        .collect();
    let key = profile_key(profile);
    let mut patterns: Vec<PatternSource> = Vec::new();
    let mut rule_numbers: Vec<Vec<u32>> = Vec::new();
    let tests = jp_pint_data(version).tests;
    for line in tests.lines().skip(1).filter(|line| !line.is_empty()) {
        let columns: Vec<&'static str> = line.splitn(6, '\t').collect();
        let [row_profile, source, name, rule, id, test] = columns[..] else {
            panic!("malformed line in jp-pint-rule-tests.tsv: {line:?}");
        };
        if row_profile != key {
            continue;
        }
        let &(flag, context, message) = rows
            .get(id)
            .unwrap_or_else(|| panic!("{id} has a test but no row in the {key} rule table"));
        let rule: u32 = rule
            .parse()
            .unwrap_or_else(|_| panic!("bad rule number in {line:?}"));
        let pattern_index = match patterns
            .iter()
            .position(|p| p.source == source && p.name == name)
        {
            Some(index) => index,
            None => {
                patterns.push(PatternSource {
                    source,
                    name,
                    lets: Vec::new(),
                    rules: Vec::new(),
                });
                rule_numbers.push(Vec::new());
                patterns.len() - 1
            }
        };
        let pattern = &mut patterns[pattern_index];
        let numbers = &mut rule_numbers[pattern_index];
        let rule_index = match numbers.iter().position(|&n| n == rule) {
            Some(index) => index,
            None => {
                numbers.push(rule);
                pattern.rules.push(RuleSource {
                    context,
                    lets: Vec::new(),
                    asserts: Vec::new(),
                });
                numbers.len() - 1
            }
        };
        let rule_source = &mut pattern.rules[rule_index];
        assert_eq!(
            rule_source.context, context,
            "asserts of one rule must share its context ({id})"
        );
        rule_source.asserts.push(AssertSource {
            id,
            flag,
            test,
            message,
        });
    }
    for (pattern, numbers) in patterns.iter_mut().zip(&rule_numbers) {
        let mut order: Vec<usize> = (0..numbers.len()).collect();
        order.sort_by_key(|&index| numbers[index]);
        let rules = std::mem::take(&mut pattern.rules);
        let mut slots: Vec<Option<RuleSource>> = rules.into_iter().map(Some).collect();
        pattern.rules = order
            .into_iter()
            .filter_map(|index| slots[index].take())
            .collect();
    }
    patterns
}

fn japanese(messages: &'static str) -> HashMap<&'static str, &'static str> {
    messages
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(id, message)| (id.trim(), message.trim_end_matches('\r')))
        .filter(|(id, message)| !id.is_empty() && *id != "id" && !message.is_empty())
        .collect()
}

static JAPANESE_1_1_3: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| japanese(JP_PINT_1_1_3.messages_ja));
static JAPANESE_1_1_2: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| japanese(JP_PINT_1_1_2.messages_ja));

/// The Japanese message of a rule of a JP PINT version, if its `messages-ja.tsv` has one.
pub(crate) fn message_ja(version: JpPintVersion, id: &str) -> Option<&'static str> {
    match version {
        JpPintVersion::V1_1_2 => JAPANESE_1_1_2.get(id).copied(),
        JpPintVersion::V1_1_3 => JAPANESE_1_1_3.get(id).copied(),
    }
}

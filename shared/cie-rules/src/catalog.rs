//! The official JP PINT 1.1.3 rule data embedded from `schemas/jp-pint-1.1.3/`: rule ids, flags, contexts and
//! messages per profile, the XPath test of every assert grouped by Schematron pattern and rule, and the
//! Japanese messages.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::official::Profile;

const TESTS: &str = include_str!("../../../schemas/jp-pint-1.1.3/jp-pint-rule-tests.tsv");
const STANDARD_RULES: &str = include_str!("../../../schemas/jp-pint-1.1.3/jp-pint-rules.tsv");
const SELF_BILLING_RULES: &str =
    include_str!("../../../schemas/jp-pint-1.1.3/jp-pint-sb-rules.tsv");
const NON_TAX_REGISTERED_RULES: &str =
    include_str!("../../../schemas/jp-pint-1.1.3/jp-pint-ntr-rules.tsv");
const MESSAGES_JA: &str = include_str!(concat!(env!("OUT_DIR"), "/messages-ja.tsv"));

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
    pub(crate) asserts: Vec<AssertSource>,
}

/// One Schematron `<pattern>` with its rules in file order.
#[derive(Debug, Clone)]
pub(crate) struct PatternSource {
    pub(crate) source: &'static str,
    pub(crate) name: &'static str,
    pub(crate) rules: Vec<RuleSource>,
}

fn profile_key(profile: Profile) -> &'static str {
    match profile {
        Profile::Standard => "jp-pint",
        Profile::SelfBilling => "jp-pint-sb",
        Profile::NonTaxRegistered => "jp-pint-ntr",
    }
}

fn rule_table(profile: Profile) -> &'static str {
    match profile {
        Profile::Standard => STANDARD_RULES,
        Profile::SelfBilling => SELF_BILLING_RULES,
        Profile::NonTaxRegistered => NON_TAX_REGISTERED_RULES,
    }
}

/// `id → (flag, context, message)` of a profile's rule table.
pub(crate) fn rule_rows(
    profile: Profile,
) -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    rule_table(profile)
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
pub(crate) fn patterns(profile: Profile) -> Vec<PatternSource> {
    let rows: HashMap<&str, (&str, &str, &str)> = rule_rows(profile)
        .into_iter()
        .map(|(id, flag, context, message)| (id, (flag, context, message)))
        .collect();
    let key = profile_key(profile);
    let mut patterns: Vec<PatternSource> = Vec::new();
    let mut rule_numbers: Vec<Vec<u32>> = Vec::new();
    for line in TESTS.lines().skip(1).filter(|line| !line.is_empty()) {
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

static JAPANESE: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    MESSAGES_JA
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(id, message)| (id.trim(), message.trim_end_matches('\r')))
        .filter(|(id, message)| !id.is_empty() && *id != "id" && !message.is_empty())
        .collect()
});

/// The Japanese message of a rule, if `messages-ja.tsv` has one.
pub(crate) fn message_ja(id: &str) -> Option<&'static str> {
    JAPANESE.get(id).copied()
}

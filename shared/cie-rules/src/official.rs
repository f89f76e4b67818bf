//! The official JP PINT 1.1.3 rule sets (Standard, Self-billing, Non-tax-registered), run the way the
//! OpenPeppol Schematron XSLT runs them: per pattern, every element is checked by the first rule (in file
//! order) whose context matches it, and every failing assert of that rule yields a finding.
//!
//! Choices where the official engine gives no usable answer: a dynamic error while evaluating an assert
//! test (e.g. `xs:decimal('abc')`) makes Saxon abort the whole validation; here the assert fires instead, so
//! the document still fails and the other rules are still reported. A dynamic error inside a rule context's
//! predicate means "no match", the recovery XSLT prescribes for patterns.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use cie_domain::{Finding, Location, Severity};
use cie_xpath::{
    Document, Expr, NameKey, Namespaces, NodeId, NodeKind, Pattern, SCHEMATRON_UTILS_NAMESPACE,
    Variables,
};

use crate::catalog::{self, AssertSource, PatternSource};

const UBL_INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const UBL_CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const EXT: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2";

/// A JP PINT 1.1.3 profile, each with its own official rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// Standard invoice, `urn:peppol:pint:billing-1@jp-1`.
    Standard,
    /// Self-billing invoice, `urn:peppol:pint:selfbilling-1@jp-1`.
    SelfBilling,
    /// Invoice of a non-tax-registered business, `urn:peppol:pint:nontaxinvoice-1@jp-1`.
    NonTaxRegistered,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 3] = [
        Profile::Standard,
        Profile::SelfBilling,
        Profile::NonTaxRegistered,
    ];

    /// The specification identifier (`cbc:CustomizationID`) that selects the profile.
    pub fn customization_id(self) -> &'static str {
        match self {
            Profile::Standard => "urn:peppol:pint:billing-1@jp-1",
            Profile::SelfBilling => "urn:peppol:pint:selfbilling-1@jp-1",
            Profile::NonTaxRegistered => "urn:peppol:pint:nontaxinvoice-1@jp-1",
        }
    }

    /// The name of the rule set, as put in [`Finding::rule_set`].
    pub fn rule_set(self) -> &'static str {
        match self {
            Profile::Standard => "jp-pint 1.1.3",
            Profile::SelfBilling => "jp-pint-sb 1.1.3",
            Profile::NonTaxRegistered => "jp-pint-ntr 1.1.3",
        }
    }

    /// The profile of a document: an UBL Invoice or CreditNote whose top-level `cbc:CustomizationID` (spaces
    /// trimmed) is one of the three JP PINT identifiers; `None` for anything else.
    pub fn detect(doc: &Document) -> Option<Profile> {
        let root = doc.document_element()?;
        let namespace = doc.namespace_uri(root);
        let is_invoice = namespace == UBL_INVOICE && doc.local_name(root) == "Invoice";
        let is_credit_note = namespace == UBL_CREDIT_NOTE && doc.local_name(root) == "CreditNote";
        if !is_invoice && !is_credit_note {
            return None;
        }
        let customization = doc.children(root).find(|&child| {
            doc.kind(child) == NodeKind::Element && doc.has_name(child, CBC, "CustomizationID")
        })?;
        let value = doc.string_value(customization);
        let value = value.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
        Profile::ALL
            .into_iter()
            .find(|profile| profile.customization_id() == value)
    }
}

/// The outcome of running an official rule set on a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialVerdict {
    /// The rule set that was applied, e.g. `jp-pint 1.1.3`.
    pub rule_set: &'static str,
    /// The fired asserts, pattern by pattern in Schematron order, each in document order.
    pub findings: Vec<Finding>,
}

impl OfficialVerdict {
    /// Whether the document passes: no fatal (or error) finding.
    pub fn passed(&self) -> bool {
        !self
            .findings
            .iter()
            .any(|finding| matches!(finding.severity, Severity::Fatal | Severity::Error))
    }
}

/// Runs the JP PINT rule set selected by the document's `cbc:CustomizationID` (see [`Profile::detect`]);
/// `None` when the document is not a JP PINT invoice (orders, despatch advices, other profiles...).
pub fn validate_official(doc: &Document) -> Option<OfficialVerdict> {
    Profile::detect(doc).map(|profile| validate_profile(doc, profile))
}

/// Runs the rule set of `profile` on a document, whatever its `cbc:CustomizationID`.
pub fn validate_profile(doc: &Document, profile: Profile) -> OfficialVerdict {
    let rule_set = compiled(profile);
    let variables = Variables::new();
    let mut runs: Vec<PatternRun<'_>> = rule_set
        .patterns
        .iter()
        .map(|pattern| PatternRun::new(pattern, doc))
        .collect();
    for index in 0..doc.node_count() {
        let Some(node) = doc.node(index) else {
            break;
        };
        if doc.kind(node) != NodeKind::Element {
            continue;
        }
        for run in &mut runs {
            run.visit(doc, node, &variables, profile);
        }
    }
    let findings = runs.into_iter().flat_map(|run| run.findings).collect();
    OfficialVerdict {
        rule_set: profile.rule_set(),
        findings,
    }
}

/// One official assert, for listing and documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// The rule id, e.g. `ibr-co-15`.
    pub id: &'static str,
    /// The severity of a failure.
    pub severity: Severity,
    /// The Schematron file the rule comes from.
    pub source: &'static str,
    /// The Schematron pattern.
    pub pattern: &'static str,
    /// The rule context (an XSLT match pattern).
    pub context: &'static str,
    /// The XPath test (the assert fires when it is false).
    pub test: &'static str,
    /// The official English message.
    pub message_en: &'static str,
    /// The Japanese message (the English one when no translation is available).
    pub message_ja: &'static str,
}

/// Every assert of a profile's rule set, in Schematron order.
pub fn rules(profile: Profile) -> Vec<RuleInfo> {
    catalog::patterns(profile)
        .into_iter()
        .flat_map(|pattern| {
            pattern.rules.into_iter().flat_map(move |rule| {
                rule.asserts.into_iter().map(move |assert| RuleInfo {
                    id: assert.id,
                    severity: severity(assert.flag),
                    source: pattern.source,
                    pattern: pattern.name,
                    context: rule.context,
                    test: assert.test,
                    message_en: assert.message,
                    message_ja: catalog::message_ja(assert.id).unwrap_or(assert.message),
                })
            })
        })
        .collect()
}

fn severity(flag: &str) -> Severity {
    match flag {
        "fatal" => Severity::Fatal,
        "warning" => Severity::Warning,
        "information" | "info" => Severity::Info,
        _ => Severity::Error,
    }
}

/// The namespace bindings of the official Schematron files.
pub fn namespaces() -> Namespaces {
    Namespaces::new()
        .with("cbc", CBC)
        .with("cac", CAC)
        .with("ext", EXT)
        .with("ubl", UBL_INVOICE)
        .with("cn", UBL_CREDIT_NOTE)
        .with("u", SCHEMATRON_UTILS_NAMESPACE)
}

struct CompiledAssert {
    id: &'static str,
    severity: Severity,
    test: Expr,
    message_en: &'static str,
    message_ja: &'static str,
}

struct CompiledRule {
    context: Pattern,
    asserts: Vec<CompiledAssert>,
}

struct CompiledPattern {
    rules: Vec<CompiledRule>,
    /// Rules whose context can only match elements of these names: namespace → local name → rule indexes.
    by_name: HashMap<String, HashMap<String, Vec<usize>>>,
    /// Rules whose context can match elements of any name and must be tried on each of them.
    any_name: Vec<usize>,
    /// Rules whose context can match elements of any name but is decided by the name alone.
    by_name_predicate: Vec<usize>,
    /// Per [`NameKey`]: the rules of `by_name` for that name merged with `any_name`, in file order (empty for
    /// names no rule names).
    by_key: Vec<Vec<Candidate>>,
    /// `any_name` as candidates, for names no rule names.
    any_name_candidates: Vec<Candidate>,
    /// Candidates per name key and prefix, shared by all documents (bounded by `NAME_CACHE_LIMIT` keys).
    name_cache: RwLock<NameCache>,
}

/// Candidates per name key, then per prefix.
type NameCache = HashMap<NameKey, Vec<(Box<str>, Arc<[Candidate]>)>>;

const NAME_CACHE_LIMIT: usize = 4096;

/// A rule that may take an element: its index, and whether its context is already known to match.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    rule: usize,
    matched: bool,
}

struct CompiledRuleSet {
    patterns: Vec<CompiledPattern>,
}

static STANDARD: LazyLock<CompiledRuleSet> = LazyLock::new(|| compile(Profile::Standard));
static SELF_BILLING: LazyLock<CompiledRuleSet> = LazyLock::new(|| compile(Profile::SelfBilling));
static NON_TAX_REGISTERED: LazyLock<CompiledRuleSet> =
    LazyLock::new(|| compile(Profile::NonTaxRegistered));

fn compiled(profile: Profile) -> &'static CompiledRuleSet {
    match profile {
        Profile::Standard => &STANDARD,
        Profile::SelfBilling => &SELF_BILLING,
        Profile::NonTaxRegistered => &NON_TAX_REGISTERED,
    }
}

/// Compiles every rule set now instead of on first use (e.g. at server start).
pub fn preload() {
    for profile in Profile::ALL {
        compiled(profile);
    }
}

fn compile(profile: Profile) -> CompiledRuleSet {
    let namespaces = namespaces();
    let patterns = catalog::patterns(profile)
        .into_iter()
        .map(|pattern| compile_pattern(pattern, &namespaces))
        .collect();
    CompiledRuleSet { patterns }
}

fn compile_pattern(source: PatternSource, namespaces: &Namespaces) -> CompiledPattern {
    let mut rules = Vec::new();
    let mut by_name: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::new();
    let mut any_name = Vec::new();
    let mut by_name_predicate = Vec::new();
    for (index, rule) in source.rules.into_iter().enumerate() {
        let context = Pattern::compile(rule.context, namespaces).unwrap_or_else(|error| {
            panic!(
                "official context {:?} does not compile: {error}",
                rule.context
            )
        });
        match context.leaf_names() {
            Some(names) => {
                for (namespace, local) in names {
                    let entry = by_name
                        .entry(namespace.to_owned())
                        .or_default()
                        .entry(local.to_owned())
                        .or_default();
                    if entry.last() != Some(&index) {
                        entry.push(index);
                    }
                }
            }
            None if context.is_name_determined() => by_name_predicate.push(index),
            None => any_name.push(index),
        }
        let asserts = rule
            .asserts
            .into_iter()
            .map(|assert| compile_assert(assert, namespaces))
            .collect();
        rules.push(CompiledRule { context, asserts });
    }
    let unmatched = |rule: &usize| Candidate {
        rule: *rule,
        matched: false,
    };
    let any_name_candidates: Vec<Candidate> = any_name.iter().map(unmatched).collect();
    let mut by_key: Vec<Vec<Candidate>> = Vec::new();
    for (namespace, locals) in &by_name {
        for (local, named) in locals {
            let key = NameKey::intern(namespace, local).index();
            if by_key.len() <= key {
                by_key.resize(key + 1, Vec::new());
            }
            let mut merged: Vec<Candidate> = named.iter().chain(&any_name).map(unmatched).collect();
            merged.sort_by_key(|candidate| candidate.rule);
            merged.dedup_by_key(|candidate| candidate.rule);
            by_key[key] = merged;
        }
    }
    CompiledPattern {
        rules,
        by_name,
        any_name,
        by_name_predicate,
        by_key,
        any_name_candidates,
        name_cache: RwLock::default(),
    }
}

fn compile_assert(assert: AssertSource, namespaces: &Namespaces) -> CompiledAssert {
    let test = Expr::compile(assert.test, namespaces)
        .unwrap_or_else(|error| panic!("official test of {} does not compile: {error}", assert.id));
    CompiledAssert {
        id: assert.id,
        severity: severity(assert.flag),
        test,
        message_en: assert.message,
        message_ja: catalog::message_ja(assert.id).unwrap_or(assert.message),
    }
}

impl CompiledPattern {
    /// The rules (in file order) that may take elements with this name key, when no rule's context is
    /// decided by the name alone (`None` otherwise).
    fn keyed_candidates(&self, key: NameKey) -> Option<&[Candidate]> {
        if !self.by_name_predicate.is_empty() {
            return None;
        }
        Some(match self.by_key.get(key.index()) {
            Some(candidates) if !candidates.is_empty() => candidates,
            _ => &self.any_name_candidates,
        })
    }

    /// [`CompiledPattern::candidates`], remembered across documents per name key and prefix (the
    /// name-determined contexts may look at the prefix through `name()`).
    fn shared_candidates(
        &self,
        doc: &Document,
        element: NodeId,
        variables: &Variables,
    ) -> Arc<[Candidate]> {
        let Some(key) = doc.name_key(element) else {
            return self.candidates(doc, element, variables).into();
        };
        let prefix = doc.prefix(element).unwrap_or("");
        let cache = self
            .name_cache
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((_, candidates)) = cache
            .get(&key)
            .and_then(|entries| entries.iter().find(|(known, _)| &**known == prefix))
        {
            return Arc::clone(candidates);
        }
        let full = cache.len() >= NAME_CACHE_LIMIT;
        drop(cache);
        let candidates: Arc<[Candidate]> = self.candidates(doc, element, variables).into();
        if !full {
            let mut cache = self
                .name_cache
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            let entries = cache.entry(key).or_default();
            if !entries.iter().any(|(known, _)| &**known == prefix) {
                entries.push((prefix.into(), Arc::clone(&candidates)));
            }
        }
        candidates
    }

    /// The rules (in file order) that may take elements named like `element`.
    fn candidates(&self, doc: &Document, element: NodeId, variables: &Variables) -> Vec<Candidate> {
        let mut candidates: Vec<Candidate> = match doc.name_key(element) {
            Some(key) => match self.by_key.get(key.index()) {
                Some(candidates) if !candidates.is_empty() => candidates.clone(),
                _ => self.any_name_candidates.clone(),
            },
            None => self
                .by_name
                .get(doc.namespace_uri(element))
                .and_then(|locals| locals.get(doc.local_name(element)))
                .into_iter()
                .flatten()
                .chain(&self.any_name)
                .map(|&rule| Candidate {
                    rule,
                    matched: false,
                })
                .collect(),
        };
        candidates.extend(
            self.by_name_predicate
                .iter()
                .filter(|&&rule| self.rules[rule].context.matches(doc, element, variables))
                .map(|&rule| Candidate {
                    rule,
                    matched: true,
                }),
        );
        candidates.sort_by_key(|candidate| candidate.rule);
        candidates.dedup_by_key(|candidate| candidate.rule);
        candidates
    }
}

/// One pattern's pass over a document: the candidate rules per element name (computed on first use) and the
/// findings so far.
struct PatternRun<'p> {
    pattern: &'p CompiledPattern,
    by_name: Vec<Option<Arc<[Candidate]>>>,
    findings: Vec<Finding>,
}

impl<'p> PatternRun<'p> {
    fn new(pattern: &'p CompiledPattern, doc: &Document) -> Self {
        PatternRun {
            pattern,
            by_name: vec![None; doc.name_count()],
            findings: Vec::new(),
        }
    }

    /// Checks an element with the first rule of the pattern whose context matches it.
    fn visit(&mut self, doc: &Document, node: NodeId, variables: &Variables, profile: Profile) {
        let pattern = self.pattern;
        let candidates = match doc
            .name_key(node)
            .and_then(|key| pattern.keyed_candidates(key))
        {
            Some(candidates) => candidates,
            None => {
                let Some(name) = doc.name_id(node) else {
                    return;
                };
                &**self.by_name[name as usize]
                    .get_or_insert_with(|| pattern.shared_candidates(doc, node, variables))
            }
        };
        let Some(rule) = candidates
            .iter()
            .find(|candidate| {
                candidate.matched
                    || pattern.rules[candidate.rule]
                        .context
                        .matches(doc, node, variables)
            })
            .map(|candidate| &pattern.rules[candidate.rule])
        else {
            return;
        };
        for assert in &rule.asserts {
            let holds = assert
                .test
                .effective_boolean_value(doc, node, variables)
                .unwrap_or(false);
            if !holds {
                self.findings.push(finding(doc, node, assert, profile));
            }
        }
    }
}

fn finding(doc: &Document, node: NodeId, assert: &CompiledAssert, profile: Profile) -> Finding {
    let (line, column) = doc.line_column(node);
    Finding {
        rule_id: assert.id.to_owned(),
        severity: assert.severity,
        location: Location {
            path: doc.path_of(node),
            line,
            column,
        },
        message_ja: assert.message_ja.to_owned(),
        message_en: assert.message_en.to_owned(),
        rule_set: profile.rule_set().to_owned(),
    }
}

//! The official rule sets — JP PINT 1.1.2 and 1.1.3 (Standard, Self-billing, Non-tax-registered) and the Peppol
//! post-award transactions of release 2026.5 — run the way the OpenPeppol Schematron XSLT runs them: the
//! patterns' `let`s are evaluated once per document, then per pattern every element is checked by the first
//! rule (in file order) whose context matches it, its `let`s are evaluated on the element, and every failing
//! assert of that rule yields a finding.
//!
//! Choices where the official engine gives no usable answer: a dynamic error while evaluating an assert
//! test (e.g. `xs:decimal('abc')`) makes Saxon abort the whole validation; here the assert fires instead, so
//! the document still fails and the other rules are still reported. A dynamic error inside a rule context's
//! predicate means "no match", the recovery XSLT prescribes for patterns.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use cie_domain::{Finding, Location, Severity};
use cie_xpath::{
    Document, DocumentCache, Expr, Guard, NameKey, Namespaces, NodeId, NodeKind, Pattern, Prematch,
    SCHEMATRON_UTILS_NAMESPACE, Value, Variables,
};

use crate::catalog::{self, AssertSource, LetSource, PatternSource};
use crate::post_award::Transaction;

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

    /// The name of the current version's rule set, as put in [`Finding::rule_set`].
    pub fn rule_set(self) -> &'static str {
        RuleSet::JpPint(self, JpPintVersion::CURRENT).name()
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

/// A published version of the JP PINT rule sets. The service holds each side by side: which one judges a
/// document is decided by the day it is received (see [`JpPintVersion::in_force`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JpPintVersion {
    /// JP PINT 1.1.2 (release notes 2025-11-17).
    V1_1_2,
    /// JP PINT 1.1.3 (release notes 2026-06-08).
    V1_1_3,
}

impl JpPintVersion {
    /// Every version held, oldest first.
    pub const ALL: [JpPintVersion; 2] = [JpPintVersion::V1_1_2, JpPintVersion::V1_1_3];

    /// The newest version, which judges every document unless an older one is still in force.
    pub const CURRENT: JpPintVersion = JpPintVersion::V1_1_3;

    /// The version number, e.g. `1.1.3`.
    pub fn number(self) -> &'static str {
        match self {
            JpPintVersion::V1_1_2 => "1.1.2",
            JpPintVersion::V1_1_3 => "1.1.3",
        }
    }

    /// The version by its number.
    pub fn parse(number: &str) -> Option<JpPintVersion> {
        JpPintVersion::ALL
            .into_iter()
            .find(|version| version.number() == number.trim())
    }

    /// The version in force on `day` when the current version became mandatory on `current_from`
    /// (`None`: the current version judges every day); the one before it judges the days before.
    pub fn in_force(day: chrono::NaiveDate, current_from: Option<chrono::NaiveDate>) -> Self {
        match current_from {
            Some(from) if day < from => JpPintVersion::V1_1_2,
            _ => JpPintVersion::CURRENT,
        }
    }
}

/// An official rule set the engine holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleSet {
    /// The rule set of a JP PINT profile in one of its versions.
    JpPint(Profile, JpPintVersion),
    /// The rule set of a Peppol post-award transaction.
    PostAward(Transaction),
}

impl RuleSet {
    /// Every rule set.
    pub fn all() -> Vec<RuleSet> {
        JpPintVersion::ALL
            .into_iter()
            .flat_map(|version| {
                Profile::ALL
                    .into_iter()
                    .map(move |profile| RuleSet::JpPint(profile, version))
            })
            .chain(Transaction::ALL.into_iter().map(RuleSet::PostAward))
            .collect()
    }

    /// The name and version findings carry, e.g. `jp-pint 1.1.3`, `peppol-t16 2026.5`.
    pub fn name(self) -> &'static str {
        match self {
            RuleSet::JpPint(profile, version) => match (profile, version) {
                (Profile::Standard, JpPintVersion::V1_1_2) => "jp-pint 1.1.2",
                (Profile::SelfBilling, JpPintVersion::V1_1_2) => "jp-pint-sb 1.1.2",
                (Profile::NonTaxRegistered, JpPintVersion::V1_1_2) => "jp-pint-ntr 1.1.2",
                (Profile::Standard, JpPintVersion::V1_1_3) => "jp-pint 1.1.3",
                (Profile::SelfBilling, JpPintVersion::V1_1_3) => "jp-pint-sb 1.1.3",
                (Profile::NonTaxRegistered, JpPintVersion::V1_1_3) => "jp-pint-ntr 1.1.3",
            },
            RuleSet::PostAward(transaction) => transaction.rule_set(),
        }
    }

    /// The namespace bindings of the rule set's Schematron files.
    pub fn namespaces(self) -> Namespaces {
        match self {
            RuleSet::JpPint(..) => namespaces(),
            RuleSet::PostAward(transaction) => Namespaces::new()
                .with("cbc", CBC)
                .with("cac", CAC)
                .with("ubl", transaction.root_namespace())
                .with("xs", XS)
                .with("u", SCHEMATRON_UTILS_NAMESPACE),
        }
    }
}

const XS: &str = "http://www.w3.org/2001/XMLSchema";

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

/// Runs the current JP PINT rule set selected by the document's `cbc:CustomizationID` (see
/// [`Profile::detect`]); `None` when the document is not a JP PINT invoice (orders, despatch advices, other
/// profiles...).
pub fn validate_official(doc: &Document) -> Option<OfficialVerdict> {
    validate_official_version(doc, JpPintVersion::CURRENT)
}

/// [`validate_official`] with the rule sets of `version`.
pub fn validate_official_version(
    doc: &Document,
    version: JpPintVersion,
) -> Option<OfficialVerdict> {
    Profile::detect(doc).map(|profile| validate_rule_set(doc, RuleSet::JpPint(profile, version)))
}

/// Runs the current rule set of `profile` on a document, whatever its `cbc:CustomizationID`.
pub fn validate_profile(doc: &Document, profile: Profile) -> OfficialVerdict {
    validate_rule_set(doc, RuleSet::JpPint(profile, JpPintVersion::CURRENT))
}

/// Runs an official rule set on a document, whatever the document says it is.
pub fn validate_rule_set(doc: &Document, set: RuleSet) -> OfficialVerdict {
    join_parts(set, [check_part(doc, set, 0..doc.node_count())])
}

/// The findings of one part of a document (see [`check_part`]), by pattern, to be joined with the other
/// parts' by [`join_parts`].
#[derive(Debug)]
pub struct PartFindings {
    by_pattern: Vec<Vec<Finding>>,
}

/// Runs an official rule set on the elements of `doc` whose node index is in `nodes` only, with the elements
/// containing the first of them taken as open. The parts of a document are independent, so that a large one
/// can be checked on several threads: [`join_parts`] on the findings of consecutive parts covering the whole
/// document gives what [`validate_rule_set`] gives. Each part evaluates the patterns' `let`s itself.
pub fn check_part(doc: &Document, set: RuleSet, nodes: std::ops::Range<usize>) -> PartFindings {
    let rule_set = compiled(set);
    let mut variables = Variables::new();
    for (name, value) in &rule_set.globals {
        let value = value
            .evaluate(doc, doc.root(), &variables)
            .unwrap_or_else(|_| Value::empty());
        variables.set(name, value);
    }
    let mut by_pattern: Vec<Vec<Finding>> = vec![Vec::new(); rule_set.patterns.len()];
    let mut paths = DocumentPaths::new(doc);
    let mut cache = DocumentCache::new(doc);
    let end = nodes.end.min(doc.node_count());
    if let Some(first) = (nodes.start..end)
        .filter_map(|index| doc.node(index))
        .find(|&node| doc.kind(node) == NodeKind::Element)
    {
        paths.open_ancestors(rule_set, doc, first, &variables);
    }
    for index in nodes.start..end {
        let Some(node) = doc.node(index) else {
            break;
        };
        if doc.kind(node) != NodeKind::Element {
            continue;
        }
        let candidates = paths.candidates(rule_set, doc, node, &variables);
        for ((pattern, candidates), findings) in rule_set
            .patterns
            .iter()
            .zip(candidates.iter())
            .zip(&mut by_pattern)
        {
            pattern.visit(&mut cache, node, candidates, &mut variables, set, findings);
        }
    }
    PartFindings { by_pattern }
}

/// The verdict of a rule set from the findings of the consecutive parts of a document (see [`check_part`]),
/// in document order.
pub fn join_parts(set: RuleSet, parts: impl IntoIterator<Item = PartFindings>) -> OfficialVerdict {
    let mut parts = parts.into_iter();
    let mut by_pattern = parts.next().map(|part| part.by_pattern).unwrap_or_default();
    for part in parts {
        for (joined, findings) in by_pattern.iter_mut().zip(part.by_pattern) {
            joined.extend(findings);
        }
    }
    OfficialVerdict {
        rule_set: set.name(),
        findings: by_pattern.into_iter().flatten().collect(),
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
    rule_set_rules(RuleSet::JpPint(profile, JpPintVersion::CURRENT))
}

/// Every assert of a rule set, in Schematron order.
pub fn rule_set_rules(set: RuleSet) -> Vec<RuleInfo> {
    catalog::rule_set_patterns(set)
        .into_iter()
        .flat_map(|pattern| {
            pattern.rules.into_iter().flat_map(move |rule| {
                rule.asserts.into_iter().map(move |assert| RuleInfo {
                    id: assert.id,
                    severity: flag_severity(assert.flag),
                    source: pattern.source,
                    pattern: pattern.name,
                    context: rule.context,
                    test: assert.test,
                    message_en: assert.message,
                    message_ja: catalog::rule_set_message_ja(set, assert.id)
                        .unwrap_or(assert.message),
                })
            })
        })
        .collect()
}

/// The severity of a Schematron assert's `flag` (`fatal`, `warning`, `information`/`info`; anything else is
/// an error).
pub fn flag_severity(flag: &str) -> Severity {
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
    lets: Vec<(&'static str, Expr)>,
    asserts: Vec<CompiledAssert>,
}

struct CompiledPattern {
    rules: Vec<CompiledRule>,
    /// Rules whose context can only match elements of these names: namespace → local name → rule indexes.
    by_name: HashMap<String, HashMap<String, Vec<usize>>>,
    /// Rules whose context can match elements of any name.
    any_name: Vec<usize>,
    /// Per [`NameKey`]: the rules of `by_name` for that name merged with `any_name`, in file order (empty for
    /// names no rule names).
    by_key: Vec<Vec<usize>>,
}

/// A rule that may take an element: its index, whether its context is already known to match, and else the
/// alternatives of the context left to check (see [`Pattern::prematch_alternatives`]) with the condition on
/// the element itself they share, if any (see [`Pattern::guard`]).
#[derive(Debug, Clone)]
struct Candidate {
    rule: usize,
    matched: bool,
    alternatives: u64,
    guard: Option<Guard>,
}

struct CompiledRuleSet {
    /// The patterns' `let`s in file order, evaluated once per document.
    globals: Vec<(&'static str, Expr)>,
    patterns: Vec<CompiledPattern>,
    /// Candidates per element path, shared by all documents (bounded by `PATH_CACHE_LIMIT` paths).
    paths: RwLock<PathCache>,
}

/// Per pattern of a rule set: the rules that may take the elements of one path (see
/// [`CompiledPattern::candidates`]).
type PathCandidates = [Box<[Candidate]>];

const PATH_CACHE_LIMIT: usize = 8192;

/// Process-wide ids of element paths (the names as written from the root down) with their candidates.
#[derive(Default)]
struct PathCache {
    /// Namespace URI → local name → (prefix, name id).
    names: FastMap<Box<str>, FastMap<Box<str>, PrefixedIds>>,
    /// The same ids by [`NameKey`] index, for the names interned while documents knew their key.
    by_key: FastMap<u32, PrefixedIds>,
    name_count: u32,
    /// (parent path id, name id) → path id; the document node's path is 0.
    ids: FastMap<(u32, u32), u32>,
    /// By path id − 1.
    candidates: Vec<Arc<PathCandidates>>,
}

type FastMap<K, V> = foldhash::HashMap<K, V>;

/// The name ids of one expanded name, per prefix.
type PrefixedIds = Vec<(Option<Box<str>>, u32)>;

impl PathCache {
    fn name(&self, doc: &Document, element: NodeId) -> Option<u32> {
        let prefix = doc.prefix(element);
        if let Some(key) = doc.name_key(element)
            && let Some(&(_, id)) = self
                .by_key
                .get(&(key.index() as u32))
                .and_then(|ids| ids.iter().find(|(known, _)| known.as_deref() == prefix))
        {
            return Some(id);
        }
        self.names
            .get(doc.namespace_uri(element))?
            .get(doc.local_name(element))?
            .iter()
            .find(|(known, _)| known.as_deref() == prefix)
            .map(|&(_, id)| id)
    }

    fn intern_name(&mut self, doc: &Document, element: NodeId) -> u32 {
        if let Some(id) = self.name(doc, element) {
            return id;
        }
        let id = self.name_count;
        self.name_count += 1;
        self.names
            .entry(doc.namespace_uri(element).into())
            .or_default()
            .entry(doc.local_name(element).into())
            .or_default()
            .push((doc.prefix(element).map(Into::into), id));
        if let Some(key) = doc.name_key(element) {
            self.by_key
                .entry(key.index() as u32)
                .or_default()
                .push((doc.prefix(element).map(Into::into), id));
        }
        id
    }
}

/// A path of a document as far as the process-wide cache knows it.
struct KnownPath {
    /// Its process-wide id, `NO_PATH` when not cached.
    global: u32,
    candidates: Arc<PathCandidates>,
}

impl CompiledRuleSet {
    /// The candidates of every pattern for the path of `element` given the process-wide ids of its parent's
    /// path and of its name (`NO_PATH` when unknown), with the process-wide ids of its path and name
    /// (`NO_PATH` when not cached, e.g. because the parent's path is not).
    fn path_candidates(
        &self,
        doc: &Document,
        element: NodeId,
        parent: u32,
        name: u32,
        variables: &Variables,
    ) -> (KnownPath, u32) {
        if parent != NO_PATH && name != NO_PATH {
            let cache = self.paths.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(&path) = cache.ids.get(&(parent, name)) {
                let candidates = Arc::clone(&cache.candidates[path as usize - 1]);
                let known = KnownPath {
                    global: path,
                    candidates,
                };
                return (known, name);
            }
        }
        let candidates: Arc<PathCandidates> = self
            .patterns
            .iter()
            .map(|pattern| pattern.candidates(doc, element, variables))
            .collect();
        let local = KnownPath {
            global: NO_PATH,
            candidates,
        };
        if parent == NO_PATH {
            return (local, name);
        }
        let mut cache = self.paths.write().unwrap_or_else(PoisonError::into_inner);
        if cache.candidates.len() >= PATH_CACHE_LIMIT {
            return (local, name);
        }
        let name = cache.intern_name(doc, element);
        let path = match cache.ids.get(&(parent, name)) {
            Some(&path) => path,
            None => {
                cache.candidates.push(Arc::clone(&local.candidates));
                let path = cache.candidates.len() as u32;
                cache.ids.insert((parent, name), path);
                path
            }
        };
        let known = KnownPath {
            global: path,
            candidates: Arc::clone(&cache.candidates[path as usize - 1]),
        };
        (known, name)
    }
}

const NO_PATH: u32 = u32::MAX;

/// The rule sets compiled so far, each compiled once for the life of the process.
static COMPILED: LazyLock<RwLock<HashMap<RuleSet, &'static CompiledRuleSet>>> =
    LazyLock::new(RwLock::default);

fn compiled(set: RuleSet) -> &'static CompiledRuleSet {
    if let Some(compiled) = COMPILED
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&set)
    {
        return compiled;
    }
    let mut sets = COMPILED.write().unwrap_or_else(PoisonError::into_inner);
    sets.entry(set)
        .or_insert_with(|| Box::leak(Box::new(compile(set))))
}

/// Compiles every rule set now instead of on first use (e.g. at server start), and interns the names our
/// own rules look for on every line, so that the documents parsed after it find them by id.
pub fn preload() {
    for set in RuleSet::all() {
        compiled(set);
    }
    LazyLock::force(&crate::ubl_names::NAMES);
}

fn compile(set: RuleSet) -> CompiledRuleSet {
    let namespaces = set.namespaces();
    let sources = catalog::rule_set_patterns(set);
    let globals = sources
        .iter()
        .flat_map(|pattern| &pattern.lets)
        .map(|source| compile_let(source, &namespaces))
        .collect();
    let patterns = sources
        .into_iter()
        .map(|pattern| compile_pattern(pattern, &namespaces, set))
        .collect();
    CompiledRuleSet {
        globals,
        patterns,
        paths: RwLock::default(),
    }
}

fn compile_let(source: &LetSource, namespaces: &Namespaces) -> (&'static str, Expr) {
    let value = Expr::compile(source.value, namespaces)
        .unwrap_or_else(|error| panic!("official let ${} does not compile: {error}", source.name));
    (source.name, value)
}

fn compile_pattern(
    source: PatternSource,
    namespaces: &Namespaces,
    set: RuleSet,
) -> CompiledPattern {
    let mut rules = Vec::new();
    let mut by_name: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::new();
    let mut any_name = Vec::new();
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
            None => any_name.push(index),
        }
        let lets = rule
            .lets
            .iter()
            .map(|source| compile_let(source, namespaces))
            .collect();
        let asserts = rule
            .asserts
            .into_iter()
            .map(|assert| compile_assert(assert, namespaces, set))
            .collect();
        rules.push(CompiledRule {
            context,
            lets,
            asserts,
        });
    }
    let mut by_key: Vec<Vec<usize>> = Vec::new();
    for (namespace, locals) in &by_name {
        for (local, named) in locals {
            let key = NameKey::intern(namespace, local).index();
            if by_key.len() <= key {
                by_key.resize(key + 1, Vec::new());
            }
            by_key[key] = merged(named, &any_name);
        }
    }
    CompiledPattern {
        rules,
        by_name,
        any_name,
        by_key,
    }
}

fn merged(named: &[usize], any_name: &[usize]) -> Vec<usize> {
    let mut merged: Vec<usize> = named.iter().chain(any_name).copied().collect();
    merged.sort_unstable();
    merged.dedup();
    merged
}

fn compile_assert(assert: AssertSource, namespaces: &Namespaces, set: RuleSet) -> CompiledAssert {
    let test = Expr::compile(assert.test, namespaces)
        .unwrap_or_else(|error| panic!("official test of {} does not compile: {error}", assert.id));
    CompiledAssert {
        id: assert.id,
        severity: flag_severity(assert.flag),
        test,
        message_en: assert.message,
        message_ja: catalog::rule_set_message_ja(set, assert.id).unwrap_or(assert.message),
    }
}

impl CompiledPattern {
    /// Checks an element with the first rule of the pattern whose context matches it, with the rule's `let`s
    /// bound for its asserts (and the outer values restored after them). An assert fails when its test is
    /// false or cannot be evaluated, or when one of the rule's `let`s cannot.
    fn visit(
        &self,
        cache: &mut DocumentCache<'_>,
        node: NodeId,
        candidates: &[Candidate],
        variables: &mut Variables,
        set: RuleSet,
        findings: &mut Vec<Finding>,
    ) {
        let doc = cache.document();
        let Some(rule) = candidates
            .iter()
            .find(|candidate| {
                candidate.matched
                    || (!candidate
                        .guard
                        .as_ref()
                        .is_some_and(|guard| guard.rules_out(doc, node))
                        && self.rules[candidate.rule].context.matches_alternatives(
                            doc,
                            node,
                            variables,
                            candidate.alternatives,
                        ))
            })
            .map(|candidate| &self.rules[candidate.rule])
        else {
            return;
        };
        let mut outer = Vec::with_capacity(rule.lets.len());
        let mut lets_hold = true;
        for (name, value) in &rule.lets {
            let value = value.evaluate(doc, node, variables);
            lets_hold &= value.is_ok();
            outer.push((*name, variables.replace(name, value.unwrap_or_default())));
        }
        for assert in &rule.asserts {
            let holds = lets_hold
                && assert
                    .test
                    .effective_boolean_value_in(cache, node, variables)
                    .unwrap_or(false);
            if !holds {
                findings.push(finding(doc, node, assert, set));
            }
        }
        for (name, value) in outer.into_iter().rev() {
            match value {
                Some(value) => variables.set(name, value),
                None => {
                    variables.remove(name);
                }
            }
        }
    }

    /// The rules (in file order) whose context may match elements named like `element`.
    fn named_rules(&self, doc: &Document, element: NodeId) -> Cow<'_, [usize]> {
        if let Some(key) = doc.name_key(element) {
            return Cow::Borrowed(match self.by_key.get(key.index()) {
                Some(rules) if !rules.is_empty() => rules,
                _ => &self.any_name,
            });
        }
        match self
            .by_name
            .get(doc.namespace_uri(element))
            .and_then(|locals| locals.get(doc.local_name(element)))
        {
            Some(named) => Cow::Owned(merged(named, &self.any_name)),
            None => Cow::Borrowed(&self.any_name),
        }
    }

    /// The rules that may take elements on the path of `element` (same names as written from the root down),
    /// in file order, up to the first one whose context surely matches them.
    fn candidates(
        &self,
        doc: &Document,
        element: NodeId,
        variables: &Variables,
    ) -> Box<[Candidate]> {
        let mut candidates = Vec::new();
        for &rule in self.named_rules(doc, element).iter() {
            let (prematch, alternatives) = self.rules[rule]
                .context
                .prematch_alternatives(doc, element, variables);
            match prematch {
                Prematch::Never => {}
                Prematch::Predicates => candidates.push(Candidate {
                    rule,
                    matched: false,
                    alternatives,
                    guard: self.rules[rule].context.guard(alternatives),
                }),
                Prematch::Always => {
                    candidates.push(Candidate {
                        rule,
                        matched: true,
                        alternatives,
                        guard: None,
                    });
                    break;
                }
            }
        }
        candidates.into_boxed_slice()
    }
}

/// The element paths of one document: two elements share a path when they and their ancestors have the same
/// names as written, so that the candidate rules (decided by the rule contexts' structure) are looked up once
/// per path.
struct DocumentPaths {
    /// The elements being visited that contain the current one, innermost last: (end of the subtree, path
    /// as an index in `known`).
    open: Vec<(u32, u32)>,
    /// (parent path, name id in the document) → path.
    ids: FastMap<(u32, u32), u32>,
    known: Vec<KnownPath>,
    /// Process-wide name id by the document's name id (`NO_PATH` when not known yet).
    names: Vec<u32>,
}

impl DocumentPaths {
    fn new(doc: &Document) -> Self {
        DocumentPaths {
            open: Vec::new(),
            ids: FastMap::default(),
            known: vec![KnownPath {
                global: 0,
                candidates: Arc::from(Vec::new()),
            }],
            names: vec![NO_PATH; doc.name_count()],
        }
    }

    /// Opens the elements containing `element`, outermost first, as if they had been visited: for a part
    /// of the document that starts inside them.
    fn open_ancestors(
        &mut self,
        rule_set: &CompiledRuleSet,
        doc: &Document,
        element: NodeId,
        variables: &Variables,
    ) {
        let mut ancestors = Vec::new();
        let mut next = doc.parent(element);
        while let Some(ancestor) = next {
            if doc.kind(ancestor) == NodeKind::Element {
                ancestors.push(ancestor);
            }
            next = doc.parent(ancestor);
        }
        for &ancestor in ancestors.iter().rev() {
            self.candidates(rule_set, doc, ancestor, variables);
        }
    }

    /// The candidates for an element; elements are visited in document order.
    fn candidates(
        &mut self,
        rule_set: &CompiledRuleSet,
        doc: &Document,
        element: NodeId,
        variables: &Variables,
    ) -> &PathCandidates {
        while self
            .open
            .last()
            .is_some_and(|&(end, _)| element.index() >= end as usize)
        {
            self.open.pop();
        }
        let parent = self.open.last().map_or(0, |&(_, path)| path);
        let name = doc.name_id(element).unwrap_or(0) as usize;
        let path = match self.ids.get(&(parent, name as u32)) {
            Some(&path) => path,
            None => {
                if self.names[name] == NO_PATH {
                    let cache = rule_set
                        .paths
                        .read()
                        .unwrap_or_else(PoisonError::into_inner);
                    self.names[name] = cache.name(doc, element).unwrap_or(NO_PATH);
                }
                let parent_global = self.known[parent as usize].global;
                let (known, global_name) = rule_set.path_candidates(
                    doc,
                    element,
                    parent_global,
                    self.names[name],
                    variables,
                );
                self.names[name] = global_name;
                let path = self.known.len() as u32;
                self.known.push(known);
                self.ids.insert((parent, name as u32), path);
                path
            }
        };
        self.open.push((doc.subtree_end(element) as u32, path));
        &self.known[path as usize].candidates
    }
}

fn finding(doc: &Document, node: NodeId, assert: &CompiledAssert, set: RuleSet) -> Finding {
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
        rule_set: set.name().to_owned(),
    }
}

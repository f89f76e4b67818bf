//! Validation: every rule set that applies to a document, in one verdict. UBL 2.1 schema checks, the
//! official JP PINT 1.1.3 rules, the official Peppol BIS post-award rules (orders, order responses,
//! despatch advices, invoice responses), our Japanese-law rules, the city's own rules (from its rules file), and
//! what the NTA registry says about the seller's 登録番号 on the supply date.

use std::collections::HashMap;
use std::path::PathBuf;

use bytes::Bytes;
use chrono::NaiveDate;
use cie_domain::{Finding, Location, Role, Severity, TenantId};
use cie_rules::city::{CityRules, Sender};
use cie_rules::registry::{RegistryAnswer, registry_findings};
use cie_store::{NewValidation, SupplierOrg};
use cie_xpath::{Document, NodeId};
use serde::Serialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;
use crate::registry::RegistryCheck;

const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";

/// The combined verdict of every rule set applied.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Verdict {
    /// Rule sets applied, with versions.
    pub rule_sets: Vec<String>,
    /// Findings, worst first, each rule set in its own order.
    pub findings: Vec<Finding>,
    /// What the registry said, when it was consulted.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub registry: Option<RegistryCheck>,
    /// The delivery date the document states (`cac:Delivery/cbc:ActualDeliveryDate`), for the inspection
    /// clock; not part of the verdict shown.
    #[serde(skip)]
    pub delivery_date: Option<NaiveDate>,
}

impl Verdict {
    /// Whether any finding is fatal (the document is refused).
    pub fn is_fatal(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Fatal)
    }

    /// How many findings have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// The verdict as the store records it.
    pub fn to_record(&self) -> NewValidation {
        NewValidation {
            rule_sets: self.rule_sets.clone(),
            findings: self.findings.clone(),
            registry_json: self
                .registry
                .as_ref()
                .and_then(|r| serde_json::to_string(r).ok()),
            registry_status: self.registry.as_ref().map(|r| r.status.as_str().to_owned()),
        }
    }
}

/// What the tenant-specific rules need to know.
#[derive(Debug)]
pub struct TenantContext {
    /// The city's rules, when it has a rules file in force.
    pub city_rules: Option<CityRules>,
    /// Whether the city has a rules file that is not in force (it does not parse, or a rule does not hold):
    /// documents are then checked without it, with the finding that says so.
    pub city_rules_unusable: bool,
    /// The sending organisation's registered 登録番号 and name.
    pub sender_registration_number: Option<String>,
    /// The sending organisation's name.
    pub sender_name: Option<String>,
    /// Most attributes accepted on one element (the reader's limit, also for the schema check and
    /// the DOM).
    pub max_attributes: usize,
    /// Deepest element nesting accepted (the reader's limit, also for the DOM).
    pub max_depth: usize,
    /// The JP PINT version in force for the document (by the day it is received).
    pub jp_pint_version: cie_rules::official::JpPintVersion,
    /// Documents of at least this many DOM nodes have their official rules checked in two parts side by side
    /// (`limits.parallel_rules_nodes`; 0: never).
    pub parallel_rules_nodes: usize,
}

impl Default for TenantContext {
    /// No city rules, no sender, and the default attribute limit.
    fn default() -> Self {
        Self {
            city_rules: None,
            city_rules_unusable: false,
            sender_registration_number: None,
            sender_name: None,
            max_attributes: cie_ubl::DEFAULT_MAX_ATTRIBUTES,
            max_depth: cie_ubl::Limits::default().max_depth,
            jp_pint_version: cie_rules::official::JpPintVersion::CURRENT,
            parallel_rules_nodes: crate::config::DEFAULT_PARALLEL_RULES_NODES,
        }
    }
}

/// Runs the rules that need no database: schema, official JP PINT, our Japanese-law rules, and the city's
/// rules when given. `bytes` must already have passed the reader (well-formed, limits respected).
pub fn validate_offline(bytes: &[u8], context: &TenantContext) -> Verdict {
    validate_parsed(Bytes::copy_from_slice(bytes), context).0
}

/// What intake knows of a readable document before it is archived: its summary and the verdict of the rules
/// that need no database.
#[derive(Debug)]
pub struct ReadDocument {
    /// The summary the archive and the workflow record.
    pub summary: cie_domain::Summary,
    /// The rules' verdict.
    pub verdict: Verdict,
}

/// Reads a document as intake does (one parse, sharing `bytes`: its summary within `limits`) and runs the
/// rules that need no database on the same parsed document.
pub fn read_and_validate(
    bytes: Bytes,
    limits: &cie_ubl::Limits,
    context: &TenantContext,
) -> Result<ReadDocument, cie_ubl::UblError> {
    let (summary, doc) = cie_ubl::read_shared(bytes, limits)?;
    let verdict = validate_document(&doc, context);
    Ok(ReadDocument { summary, verdict })
}

/// [`validate_offline`] on bytes the DOM shares, also handing back the DOM (when the bytes could be read).
fn validate_parsed(bytes: Bytes, context: &TenantContext) -> (Verdict, Option<Document>) {
    let dom_limits = cie_xpath::ParseLimits {
        max_attributes: context.max_attributes,
        max_depth: context.max_depth,
        ..Default::default()
    };
    match Document::parse_shared_with(bytes, &dom_limits) {
        Ok(doc) => (validate_document(&doc, context), Some(doc)),
        Err(error) => {
            let mut verdict = Verdict::default();
            verdict
                .findings
                .push(read_failure(&cie_ubl::UblError::from(error)));
            (verdict, None)
        }
    }
}

/// Runs the rules that need no database on a parsed document: the schema check, the official rules (JP PINT
/// or a Peppol post-award transaction's), ours and the city's. A large document (see
/// [`TenantContext::parallel_rules_nodes`]) has the later part of its official rules checked on a second
/// thread meanwhile, tens of milliseconds of work against the tens of microseconds a thread costs; the
/// verdict is the same either way.
pub fn validate_document(doc: &Document, context: &TenantContext) -> Verdict {
    let large =
        context.parallel_rules_nodes > 0 && doc.node_count() >= context.parallel_rules_nodes;
    let Some(split) = large
        .then(|| official_rule_set(doc, context.jp_pint_version))
        .flatten()
    else {
        return validate_with(doc, context, cie_rules::official::validate_rule_set);
    };
    let cut = doc.node_count() * FIRST_PART_PERCENT / 100;
    std::thread::scope(|scope| {
        let later = std::thread::Builder::new()
            .name("rules-part".into())
            .spawn_scoped(scope, || {
                cie_rules::official::check_part(doc, split, cut..doc.node_count())
            });
        let mut later = match later {
            Ok(later) => Some(later),
            Err(error) => {
                tracing::debug!(%error, "no second thread for a large document's rules");
                None
            }
        };
        validate_with(doc, context, |doc, set| match later.take() {
            Some(later) if set == split => {
                let first = cie_rules::official::check_part(doc, set, 0..cut);
                let later = later
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                cie_rules::official::join_parts(set, [first, later])
            }
            other => {
                later = other;
                cie_rules::official::validate_rule_set(doc, set)
            }
        })
    })
}

/// The official rule set a document is judged by: its JP PINT profile's in `version`, else its Peppol
/// post-award transaction's.
fn official_rule_set(
    doc: &Document,
    version: cie_rules::official::JpPintVersion,
) -> Option<cie_rules::official::RuleSet> {
    match cie_rules::Profile::detect(doc) {
        Some(profile) => Some(cie_rules::official::RuleSet::JpPint(profile, version)),
        None => cie_rules::Transaction::detect(doc).map(cie_rules::official::RuleSet::PostAward),
    }
}

/// The share of a large document's nodes checked on the calling thread, which also runs the schema check,
/// our own rules and the document-wide asserts at the root: with a fifth, both threads finish about together
/// on the 1,000-line invoice (`cie-bench validate`).
const FIRST_PART_PERCENT: usize = 20;

/// [`validate_document`] with each official rule set run by `official`, after the schema check and our own
/// rules (a part of it may still be running on another thread); the findings keep the rule sets' order.
fn validate_with(
    doc: &Document,
    context: &TenantContext,
    mut official: impl FnMut(&Document, cie_rules::official::RuleSet) -> cie_rules::OfficialVerdict,
) -> Verdict {
    let mut verdict = Verdict::default();
    match cie_schema::check_document(doc) {
        Ok(findings) => {
            verdict.rule_sets.push(cie_schema::RULE_SET.to_owned());
            verdict.findings.extend(findings);
        }
        Err(error) => verdict
            .findings
            .push(unreadable("cie-ubl-unreadable", &error.to_string())),
    }
    if let Some(transaction) = cie_rules::Transaction::detect(doc) {
        let post_award = official(doc, cie_rules::official::RuleSet::PostAward(transaction));
        verdict.rule_sets.push(post_award.rule_set.to_owned());
        verdict.findings.extend(post_award.findings);
    }
    if let Some(profile) = cie_rules::Profile::detect(doc) {
        let mut ours = vec![
            (
                cie_rules::jp::RULE_SET,
                cie_rules::jp::validate_jp(doc, profile),
            ),
            (
                cie_rules::consistency::RULE_SET,
                cie_rules::consistency::validate_consistency(doc),
            ),
        ];
        if context.city_rules_unusable {
            ours.push((
                cie_rules::city::RULE_SET,
                vec![cie_rules::city::rules_not_applied()],
            ));
        } else if let Some(rules) = &context.city_rules {
            let sender = Sender {
                registration_number: context.sender_registration_number.as_deref(),
                organisation: context.sender_name.as_deref(),
            };
            ours.push((
                cie_rules::city::RULE_SET,
                cie_rules::city::validate_city(doc, rules, &sender),
            ));
        }
        let official = official(
            doc,
            cie_rules::official::RuleSet::JpPint(profile, context.jp_pint_version),
        );
        verdict.rule_sets.push(official.rule_set.to_owned());
        verdict.findings.extend(official.findings);
        for (rule_set, findings) in ours {
            verdict.rule_sets.push(rule_set.to_owned());
            verdict.findings.extend(findings);
        }
    }
    verdict.findings.sort_by_key(|f| f.severity);
    verdict
}

/// The finding of what the reader could not read: fatal, where the reader says, in both languages. Its id
/// is `cie-ubl-` and the code intake refuses the document with, e.g. `cie-ubl-invalid-issue-date` for
/// `invalid_issue_date`.
pub fn read_failure(error: &cie_ubl::UblError) -> Finding {
    let detail = crate::error::RefusalDetail::of_reader(error);
    Finding {
        rule_id: format!("cie-ubl-{}", error.code().replace('_', "-")),
        severity: Severity::Fatal,
        location: detail.location.unwrap_or_default(),
        message_ja: error.message_ja(),
        message_en: error.to_string(),
        rule_set: cie_schema::RULE_SET.to_owned(),
    }
}

fn unreadable(id: &str, detail: &str) -> Finding {
    Finding {
        rule_id: id.to_owned(),
        severity: Severity::Fatal,
        location: Location::default(),
        message_ja: format!("文書をXMLとして読み取れません: {detail}"),
        message_en: format!("the document cannot be read as XML: {detail}"),
        rule_set: cie_schema::RULE_SET.to_owned(),
    }
}

/// Where a tenant's rules file lives.
pub fn city_rules_path(state: &AppState, tenant: &TenantId) -> PathBuf {
    let dir = state
        .config
        .rules
        .city_rules_dir
        .clone()
        .unwrap_or_else(|| state.config.data_dir.join("city-rules"));
    dir.join(format!("{tenant}.toml"))
}

/// The text of a rules file; `None` when there is none.
fn read_rules_text(path: &std::path::Path) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(Error::Internal(anyhow::anyhow!(
            "reading {}: {error}",
            path.display()
        ))),
    }
}

/// The tenant's rules, from `<city_rules_dir>/<tenant>.toml`; none when the file does not exist.
pub fn load_city_rules(state: &AppState, tenant: &TenantId) -> Result<Option<CityRules>, Error> {
    let path = city_rules_path(state, tenant);
    let stamp = std::fs::metadata(&path)
        .ok()
        .map(|meta| (meta.modified().ok(), meta.len()));
    if let Some(rules) = state.city_rules.get(&path, stamp) {
        return Ok(rules);
    }
    let text = read_rules_text(&path)?;
    let rules = match text {
        None => None,
        Some(text) => {
            let rules: CityRules = toml::from_str(&text).map_err(|e| {
                Error::Internal(anyhow::anyhow!("city rules {}: {e}", path.display()))
            })?;
            rules.check().map_err(|e| {
                Error::Internal(anyhow::anyhow!("city rules {}: {e}", path.display()))
            })?;
            Some(rules)
        }
    };
    state.city_rules.put(path, stamp, rules.clone());
    Ok(rules)
}

/// A city's rules file as its administrators see it: where the service reads it and what it says.
#[derive(Debug, Clone)]
pub struct CityRulesFile {
    /// Where the service reads it.
    pub path: PathBuf,
    /// Its text; `None` when the city has no rules file.
    pub content: Option<String>,
    /// Why its rules are not in force (it does not parse, or a rule does not hold), when they are not.
    pub problem: Option<String>,
}

/// The caller's city's rules file (administrators): its path, its text, and whether its rules are in force.
/// The service only reads it: the file is changed on the server, and a changed file is read again at the
/// next check.
pub fn city_rules_file(state: &AppState, caller: &Caller) -> Result<CityRulesFile, Error> {
    caller.require(&[Role::Admin])?;
    let path = city_rules_path(state, &caller.tenant);
    let content = read_rules_text(&path)?;
    let problem = load_city_rules(state, &caller.tenant)
        .err()
        .map(|error| match error {
            Error::Internal(cause) => format!("{cause:#}"),
            other => other.to_string(),
        });
    Ok(CityRulesFile {
        path,
        content,
        problem,
    })
}

/// The cities' rules as last read from their files, keyed by path and checked against the file's
/// modification time and size, so a file is read and parsed again only after it changed.
#[derive(Default)]
pub struct CityRulesCache {
    entries: std::sync::Mutex<HashMap<PathBuf, (FileStamp, Option<CityRules>)>>,
}

type FileStamp = Option<(Option<std::time::SystemTime>, u64)>;

impl CityRulesCache {
    fn get(&self, path: &PathBuf, stamp: FileStamp) -> Option<Option<CityRules>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(path)
            .filter(|(cached, _)| *cached == stamp)
            .map(|(_, rules)| rules.clone())
    }

    fn put(&self, path: PathBuf, stamp: FileStamp, rules: Option<CityRules>) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(path, (stamp, rules));
        }
    }
}

/// The JP PINT version in force today (Japan time), by the configured switch-over day.
pub fn jp_pint_version_today(state: &AppState) -> cie_rules::official::JpPintVersion {
    cie_rules::official::JpPintVersion::in_force(
        cie_workflow::japan_day(state.clock.now()),
        state.config.rules.jp_pint_1_1_3_from,
    )
}

/// Runs every rule set for a document received by `tenant` from `org`, consulting the registry. The DOM
/// shares `bytes` (a received body is not copied).
pub async fn validate_for_tenant(
    state: &AppState,
    tenant: &TenantId,
    org: Option<&SupplierOrg>,
    bytes: Bytes,
) -> Result<Verdict, Error> {
    let context = tenant_context(state, tenant, org);
    // CPU-bound: on the blocking pool, so that the async workers stay free for I/O.
    let (verdict, seller, elapsed) =
        crate::cpu::run(state.config.limits.cpu_work_nice, move || {
            let started = std::time::Instant::now();
            let (mut verdict, doc) = validate_parsed(bytes, &context);
            verdict.delivery_date = doc.as_ref().and_then(delivery_date);
            let seller = doc.as_ref().and_then(seller_identity);
            (verdict, seller, started.elapsed())
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    state.metrics.observe_validation(elapsed);
    with_registry(state, verdict, seller).await
}

/// Compiles the official rule sets (interning the names they and our own rules look for) and the UBL schema's
/// content model now, instead of when the first document arrives: the server calls it at start, beside the
/// first requests.
pub fn warm_up() {
    let started = std::time::Instant::now();
    cie_rules::official::preload();
    match cie_schema::prepare() {
        Ok(()) => tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "rule sets and schema compiled"
        ),
        Err(error) => tracing::error!(%error, "the UBL schema's content model does not compile"),
    }
}

/// [`validate_for_tenant`] on a document intake has already parsed (with [`cie_ubl::read`]).
pub async fn validate_read_for_tenant(
    state: &AppState,
    tenant: &TenantId,
    org: Option<&SupplierOrg>,
    doc: Document,
) -> Result<Verdict, Error> {
    let context = tenant_context(state, tenant, org);
    let work = move || {
        let started = std::time::Instant::now();
        let mut verdict = validate_document(&doc, &context);
        verdict.delivery_date = delivery_date(&doc);
        (verdict, seller_identity(&doc), started.elapsed())
    };
    // CPU-bound: on the blocking pool, so that the async workers stay free for I/O.
    let (verdict, seller, elapsed) = crate::cpu::run(state.config.limits.cpu_work_nice, work)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    state.metrics.observe_validation(elapsed);
    with_registry(state, verdict, seller).await
}

/// What validation needs to know of the tenant and the sender. A city rules file that cannot be used does
/// not stop intake: the document is checked without it (see [`TenantContext::city_rules_unusable`]), and
/// the reason is logged and shown on the administrators' settings page.
fn tenant_context(state: &AppState, tenant: &TenantId, org: Option<&SupplierOrg>) -> TenantContext {
    let (city_rules, city_rules_unusable) = match load_city_rules(state, tenant) {
        Ok(rules) => (rules, false),
        Err(error) => {
            tracing::error!(%tenant, %error, "the city's rules file is not in force: documents are checked without it");
            (None, true)
        }
    };
    TenantContext {
        city_rules,
        city_rules_unusable,
        sender_registration_number: org.and_then(|o| o.registration_number.clone()),
        sender_name: org.map(|o| o.name.clone()),
        max_attributes: state.config.limits.max_attributes,
        max_depth: state.config.limits.max_depth,
        jp_pint_version: jp_pint_version_today(state),
        parallel_rules_nodes: state.config.limits.parallel_rules_nodes,
    }
}

/// Adds what the registry says of the seller's 登録番号 when our Japanese rules applied.
async fn with_registry(
    state: &AppState,
    mut verdict: Verdict,
    seller: Option<SellerIdentity>,
) -> Result<Verdict, Error> {
    let jp_rules_applied = verdict
        .rule_sets
        .iter()
        .any(|r| r == cie_rules::jp::RULE_SET);
    if let (true, Some(seller)) = (jp_rules_applied, seller) {
        let check = crate::registry::check(
            state,
            &seller.number,
            seller.supply_date,
            seller.name.as_deref(),
        )
        .await?;
        let answer = RegistryAnswer {
            registration_number: &seller.number,
            on: seller.supply_date,
            status: check.status,
            name_matches: check.name_matches,
            registered_name: check.registered_name.as_deref(),
            data_date: check.data_date,
        };
        let findings = registry_findings(&answer, seller.location.clone());
        if check.status == cie_registry::RegistrationStatus::Registered {
            // The registry lists the number: its check digit is not the registry's concern, so a failed
            // check digit becomes a warning.
            for finding in verdict
                .findings
                .iter_mut()
                .filter(|f| f.rule_id == "cie-jp-04")
            {
                finding.severity = Severity::Warning;
            }
        }
        verdict.findings.extend(findings);
        verdict.findings.sort_by_key(|f| f.severity);
        verdict.registry = Some(check);
    }
    Ok(verdict)
}

/// The delivery date a document states.
fn delivery_date(doc: &Document) -> Option<NaiveDate> {
    let root = doc.document_element()?;
    let delivery = doc.child_named(root, CAC, "Delivery")?;
    let date = doc.child_named(delivery, CBC, "ActualDeliveryDate")?;
    let text = doc.string_value(date);
    NaiveDate::parse_from_str(text.trim().get(..10)?, "%Y-%m-%d").ok()
}

struct SellerIdentity {
    number: String,
    name: Option<String>,
    supply_date: NaiveDate,
    location: Location,
}

/// The seller's 登録番号 (a `T` number under the VAT scheme), name and the supply date (invoice period end,
/// else actual delivery date, else issue date).
fn seller_identity(doc: &Document) -> Option<SellerIdentity> {
    let root = doc.document_element()?;
    let child = |node: NodeId, ns: &str, local: &str| doc.child_named(node, ns, local);
    let text = |node: NodeId| doc.string_value(node).trim().to_owned();
    let date = |node: Option<NodeId>| {
        node.and_then(|n| NaiveDate::parse_from_str(text(n).get(..10)?, "%Y-%m-%d").ok())
    };
    let party = child(root, CAC, "AccountingSupplierParty").and_then(|p| child(p, CAC, "Party"))?;
    let company_id = doc
        .children(party)
        .filter(|&c| doc.has_name(c, CAC, "PartyTaxScheme"))
        .filter_map(|scheme| child(scheme, CBC, "CompanyID"))
        .find(|&id| cie_domain::RegistrationNumber::parse(&text(id)).is_ok())?;
    let name = child(party, CAC, "PartyLegalEntity")
        .and_then(|e| child(e, CBC, "RegistrationName"))
        .or_else(|| child(party, CAC, "PartyName").and_then(|n| child(n, CBC, "Name")))
        .map(text);
    let supply_date =
        date(child(root, CAC, "InvoicePeriod").and_then(|p| child(p, CBC, "EndDate")))
            .or_else(|| {
                date(child(root, CAC, "Delivery").and_then(|d| child(d, CBC, "ActualDeliveryDate")))
            })
            .or_else(|| date(child(root, CBC, "IssueDate")))?;
    let (line, column) = doc.line_column(company_id);
    Some(SellerIdentity {
        number: text(company_id),
        name,
        supply_date,
        location: Location {
            path: doc.path_of(company_id),
            line,
            column,
        },
    })
}

/// The answer to a pre-check: what intake would say, without submitting anything.
#[derive(Debug, Serialize)]
pub struct PreCheck {
    /// Whether intake would accept the document (no fatal finding).
    pub accepted: bool,
    /// Whether no finding is fatal or an error (nothing to be returned for).
    pub passed: bool,
    /// The summary intake would record; none when a field it needs cannot be read (intake refuses such a
    /// document, and the findings say why, first among them the reader's with its place, e.g.
    /// `cie-ubl-invalid-issue-date`).
    pub summary: Option<cie_domain::Summary>,
    /// Rule sets applied.
    pub rule_sets: Vec<String>,
    /// Every finding, worst first.
    pub findings: Vec<Finding>,
    /// What the registry said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<RegistryCheck>,
}

/// Checks a document as intake would, for `caller`'s tenant and organisation, without archiving it.
pub async fn precheck(
    state: &AppState,
    caller: &crate::auth::Caller,
    body: &crate::body::ReceivedBody,
) -> Result<PreCheck, Error> {
    caller.require(&[
        cie_domain::Role::Supplier,
        cie_domain::Role::Staff,
        cie_domain::Role::Approver,
        cie_domain::Role::Admin,
    ])?;
    let limits = cie_ubl::Limits {
        max_bytes: state.config.limits.max_document_bytes,
        max_depth: state.config.limits.max_depth,
        max_attributes: state.config.limits.max_attributes,
    };
    if body.truncated {
        return Err(Error::invalid(
            "document_too_large",
            format!(
                "the document is {}, more than the {} bytes accepted",
                body.size_in_words(),
                state.config.limits.max_document_bytes
            ),
        ));
    }
    let (summary, doc, unread) = match cie_ubl::read_shared(body.bytes.clone(), &limits) {
        Ok((summary, doc)) => (Some(summary), Some(doc), None),
        // Only a field is wrong: the document is checked all the same, as intake reports it.
        Err(error) if error.is_field_error() => (None, None, Some(read_failure(&error))),
        Err(error) => {
            return Err(Error::DocumentUnreadable {
                code: error.code(),
                message: error.to_string(),
                detail: Box::new(crate::error::RefusalDetail::of_reader(&error)),
            });
        }
    };
    let org = match caller.supplier_org_id {
        Some(id) => Some(state.store.supplier_org(&caller.tenant, id).await?),
        None => None,
    };
    let mut verdict = match doc {
        Some(doc) => validate_read_for_tenant(state, &caller.tenant, org.as_ref(), doc).await?,
        None => {
            validate_for_tenant(state, &caller.tenant, org.as_ref(), body.bytes.clone()).await?
        }
    };
    if let Some(finding) = unread {
        verdict.findings.insert(0, finding);
    }
    let passed = !verdict
        .findings
        .iter()
        .any(|f| matches!(f.severity, Severity::Fatal | Severity::Error));
    Ok(PreCheck {
        accepted: !verdict.is_fatal(),
        passed,
        summary,
        rule_sets: verdict.rule_sets,
        findings: verdict.findings,
        registry: verdict.registry,
    })
}

/// Most open invoices of one city re-checked after one registry import.
const RECHECK_LIMIT: i64 = 10_000;

/// After registry data of `data_date` was imported: every open invoice of every city whose registry answer
/// is missing or rests on older data is validated again as intake would (every rule set, the registry as
/// of its supply date), and the new verdict is recorded beside the old one. Returns how many were.
pub async fn recheck_after_registry_import(
    state: &AppState,
    data_date: NaiveDate,
) -> Result<usize, Error> {
    let mut rechecked = 0;
    for tenant in state.store.list_tenants().await? {
        let cases = state
            .store
            .invoice_cases(
                &tenant.id,
                &cie_store::CaseFilter {
                    supplier_org_id: None,
                    states: cie_workflow::InvoiceState::OPEN.to_vec(),
                    limit: RECHECK_LIMIT,
                    ..cie_store::CaseFilter::default()
                },
            )
            .await?;
        for case in cases {
            let document = &case.document;
            let Some(latest) = state
                .store
                .latest_validation(&tenant.id, document.id)
                .await?
            else {
                continue;
            };
            if !latest
                .rule_sets
                .iter()
                .any(|r| r == cie_rules::jp::RULE_SET)
                || !registry_answer_older_than(latest.registry.as_ref(), data_date)
            {
                continue;
            }
            let org = match document.supplier_org_id {
                Some(id) => Some(state.store.supplier_org(&tenant.id, id).await?),
                None => None,
            };
            let (_, bytes) = state
                .store
                .archived_content(&tenant.id, document.archive_seq, None)
                .await?;
            let verdict =
                validate_for_tenant(state, &tenant.id, org.as_ref(), Bytes::from(bytes)).await?;
            state
                .store
                .record_validation(
                    &tenant.id,
                    document.id,
                    state.clock.now(),
                    &verdict.to_record(),
                )
                .await?;
            rechecked += 1;
        }
    }
    Ok(rechecked)
}

/// Whether a recorded registry answer is missing, rests on no data, or on data older than `data_date`.
fn registry_answer_older_than(answer: Option<&serde_json::Value>, data_date: NaiveDate) -> bool {
    let answered_on = answer
        .and_then(|a| a.get("data_date"))
        .and_then(serde_json::Value::as_str)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    answered_on.is_none_or(|on| on < data_date)
}

//! Fuzzes the whole validation of a received document as the server runs it (`cie-server`'s `intake` and
//! `validation` modules, composed here from the same library calls so the target needs no database or
//! HTTP): the reader with the default limits as the gate, then the schema check, the DOM, the Peppol
//! post-award rules, the official JP PINT rules with the profile, our Japanese-law rules, every city rule
//! switched on, and the registry's findings for each answer the registry can give about the seller found
//! the way the server finds it.

#![no_main]

use chrono::NaiveDate;
use cie_domain::{Finding, Location, Severity};
use cie_registry::RegistrationStatus;
use cie_rules::city::{CityRules, Sender};
use cie_rules::registry::{RegistryAnswer, registry_findings};
use cie_xpath::{Document, NodeId};
use libfuzzer_sys::fuzz_target;

const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";

const STATUSES: [RegistrationStatus; 6] = [
    RegistrationStatus::Registered,
    RegistrationStatus::NotYetRegistered,
    RegistrationStatus::Cancelled,
    RegistrationStatus::Expired,
    RegistrationStatus::NotFound,
    RegistrationStatus::NoRegistryData,
];

fuzz_target!(|data: &[u8]| {
    let limits = cie_ubl::Limits::default();
    // Intake refuses what the reader refuses before any rule runs.
    if cie_ubl::parse(data, &limits).is_err() {
        return;
    }
    let city = CityRules {
        require_buyer_reference: true,
        require_order_reference: true,
        require_buyer_or_order_reference: true,
        require_contact_name: true,
        require_contact_phone: true,
        allowed_payment_means: vec!["30".to_owned(), "42".to_owned()],
        registration_number_must_match: true,
        severity: None,
    };
    let sender = Sender {
        registration_number: Some("T7000012050002"),
        organisation: Some("株式会社 〇〇商事"),
    };
    let mut findings = Vec::new();
    let schema_limits = cie_schema::Limits {
        max_attributes: limits.max_attributes,
        max_depth: limits.max_depth,
    };
    if let Ok(schema) = cie_schema::check_with(data, &schema_limits) {
        findings.extend(schema);
    }
    let Ok(doc) = Document::parse_with(
        data,
        &cie_xpath::ParseLimits {
            max_attributes: limits.max_attributes,
            max_depth: limits.max_depth,
            ..Default::default()
        },
    ) else {
        return;
    };
    if let Some(post_award) = cie_rules::validate_post_award(&doc) {
        findings.extend(post_award.findings);
    }
    let mut jp_applied = false;
    if let Some(official) = cie_rules::validate_official(&doc) {
        findings.extend(official.findings);
        if let Some(profile) = cie_rules::Profile::detect(&doc) {
            jp_applied = true;
            findings.extend(cie_rules::jp::validate_jp(&doc, profile));
        }
        findings.extend(cie_rules::city::validate_city(&doc, &city, &sender));
    }
    let _ = delivery_date(&doc);
    if let (true, Some(seller)) = (jp_applied, seller_identity(&doc)) {
        for status in STATUSES {
            let answer = RegistryAnswer {
                registration_number: &seller.number,
                on: seller.supply_date,
                status,
                name_matches: seller.name.as_ref().map(|name| name.len() % 2 == 0),
                registered_name: seller.name.as_deref(),
                data_date: NaiveDate::from_ymd_opt(2026, 3, 1),
            };
            findings.extend(registry_findings(&answer, seller.location.clone()));
        }
    }
    findings.sort_by_key(|finding: &Finding| finding.severity);
    for finding in &findings {
        assert!(!finding.rule_id.is_empty(), "a finding without a rule id");
        assert!(
            finding.severity != Severity::Fatal || !finding.message_en.is_empty(),
            "a fatal finding without a message"
        );
    }
});

/// The delivery date a document states (as the server's `validation::delivery_date`).
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

/// The seller's 登録番号, name and supply date (as the server's `validation::seller_identity`).
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

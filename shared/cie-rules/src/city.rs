//! City rules (`cie-city-*`): each city's own requirements on the invoices it receives, configured per tenant
//! in a file (no code): references to its budget commitment or order, a contact, the payment means it
//! accepts, and that the sender's 登録番号 is the one the city registered for the organisation.

use cie_domain::{Finding, Location, Severity};
use cie_xpath::{Document, NodeId};
use serde::Deserialize;

/// Name and version of this rule set.
pub const RULE_SET: &str = "cie-city 1";

const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";

/// A city's rules, as written in its rules file (TOML). Every rule is off unless switched on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CityRules {
    /// The buyer reference (BT-10, `cbc:BuyerReference`) must carry the 支出負担行為番号.
    pub require_buyer_reference: bool,
    /// An order reference (`cac:OrderReference/cbc:ID`) is required.
    pub require_order_reference: bool,
    /// At least one of buyer reference and order reference is required.
    pub require_buyer_or_order_reference: bool,
    /// The seller contact name (`AccountingSupplierParty/Party/Contact/Name`) is required.
    pub require_contact_name: bool,
    /// The seller contact telephone (`…/Contact/Telephone`) is required.
    pub require_contact_phone: bool,
    /// Payment means codes (UNCL4461, e.g. `30` credit transfer, `42` payment to bank account) the city
    /// accepts; empty accepts any.
    pub allowed_payment_means: Vec<String>,
    /// The seller's 登録番号 must equal the one registered for the sending organisation.
    pub registration_number_must_match: bool,
    /// Severity of a broken city rule: `error` (returned to the supplier, the default), `warning` or `fatal`
    /// (refused at intake).
    pub severity: Option<String>,
}

impl CityRules {
    /// The severity findings of these rules carry.
    pub fn severity(&self) -> Severity {
        self.severity
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or(Severity::Error)
    }

    /// Checks the configuration itself, naming what is wrong.
    pub fn check(&self) -> Result<(), String> {
        if let Some(severity) = &self.severity
            && severity.parse::<Severity>().is_err()
        {
            return Err(format!(
                "severity {severity:?} is not one of fatal, error, warning, info"
            ));
        }
        if let Some(code) = self
            .allowed_payment_means
            .iter()
            .find(|c| c.is_empty() || !c.chars().all(|ch| ch.is_ascii_alphanumeric()))
        {
            return Err(format!(
                "payment means code {code:?} is not a UNCL4461 code"
            ));
        }
        Ok(())
    }
}

/// The finding (`cie-city-00`, a warning) on a document checked while the city's rules file could not be
/// used (it does not parse, or a rule in it does not hold): the document is received and checked by every
/// other rule set, and the staff see that the city's own rules were not applied to it. Why the file is not
/// in force is for the city's administrators (their settings page, the log), not in the finding.
pub fn rules_not_applied() -> Finding {
    Finding {
        rule_id: "cie-city-00".to_owned(),
        severity: Severity::Warning,
        location: Location::default(),
        message_ja: "市の独自ルールのファイルに誤りがあるため、この書類には市の独自ルールを適用していません（理由は管理者の設定画面に表示されます）。".to_owned(),
        message_en: "The city's rules file has an error, so the city's own rules were not applied to this document (its administrators see why on their settings page).".to_owned(),
        rule_set: RULE_SET.to_owned(),
    }
}

/// What the city knows of the sender.
#[derive(Debug, Clone, Default)]
pub struct Sender<'a> {
    /// 登録番号 registered for the sending organisation, if any.
    pub registration_number: Option<&'a str>,
    /// The organisation's name, for messages.
    pub organisation: Option<&'a str>,
}

/// Runs the city's rules on an invoice or credit note.
pub fn validate_city(doc: &Document, rules: &CityRules, sender: &Sender<'_>) -> Vec<Finding> {
    let Some(root) = doc.document_element() else {
        return Vec::new();
    };
    let severity = rules.severity();
    let mut findings = Vec::new();
    let mut push = |node: NodeId, id: &str, ja: String, en: String| {
        let (line, column) = doc.line_column(node);
        findings.push(Finding {
            rule_id: id.to_owned(),
            severity,
            location: Location {
                path: doc.path_of(node),
                line,
                column,
            },
            message_ja: ja,
            message_en: en,
            rule_set: RULE_SET.to_owned(),
        });
    };
    let has_text =
        |node: Option<NodeId>| node.is_some_and(|n| !doc.string_value(n).trim().is_empty());
    let buyer_reference = doc.child_named(root, CBC, "BuyerReference");
    let order_reference = doc
        .child_named(root, CAC, "OrderReference")
        .and_then(|o| doc.child_named(o, CBC, "ID"));
    if rules.require_buyer_reference && !has_text(buyer_reference) {
        push(
            root,
            "cie-city-01",
            "買い手参照（BuyerReference、IBT-010）に支出負担行為番号を記載してください。".into(),
            "The buyer reference (BuyerReference, ibt-010) must carry the city's budget commitment number (支出負担行為番号).".into(),
        );
    }
    if rules.require_order_reference && !has_text(order_reference) {
        push(
            root,
            "cie-city-02",
            "注文書参照（OrderReference/ID、IBT-013）を記載してください。".into(),
            "The purchase order reference (OrderReference/ID, ibt-013) is required.".into(),
        );
    }
    if rules.require_buyer_or_order_reference
        && !has_text(buyer_reference)
        && !has_text(order_reference)
    {
        push(
            root,
            "cie-city-03",
            "買い手参照（支出負担行為番号）または注文書参照のいずれかを記載してください。".into(),
            "Either the buyer reference (budget commitment number) or the order reference is required.".into(),
        );
    }
    let party = doc
        .child_named(root, CAC, "AccountingSupplierParty")
        .and_then(|p| doc.child_named(p, CAC, "Party"));
    let contact = party.and_then(|p| doc.child_named(p, CAC, "Contact"));
    if rules.require_contact_name
        && !has_text(contact.and_then(|c| doc.child_named(c, CBC, "Name")))
    {
        push(
            party.unwrap_or(root),
            "cie-city-04",
            "売り手の担当者名（Contact/Name、IBT-041）を記載してください。".into(),
            "The seller contact point name (Contact/Name, ibt-041) is required.".into(),
        );
    }
    if rules.require_contact_phone
        && !has_text(contact.and_then(|c| doc.child_named(c, CBC, "Telephone")))
    {
        push(
            party.unwrap_or(root),
            "cie-city-05",
            "売り手の担当者電話番号（Contact/Telephone、IBT-042）を記載してください。".into(),
            "The seller contact telephone number (Contact/Telephone, ibt-042) is required.".into(),
        );
    }
    if !rules.allowed_payment_means.is_empty() {
        let allowed = rules.allowed_payment_means.join(", ");
        let means: Vec<NodeId> = doc
            .children(root)
            .filter(|&c| doc.has_name(c, CAC, "PaymentMeans"))
            .collect();
        if means.is_empty() {
            push(
                root,
                "cie-city-06",
                format!(
                    "支払手段（PaymentMeans）を記載してください。この市が受け付ける支払手段コード: {allowed}"
                ),
                format!("Payment means are required; this city accepts the codes {allowed}."),
            );
        }
        for payment in means {
            let code = doc
                .child_named(payment, CBC, "PaymentMeansCode")
                .map(|n| doc.string_value(n).trim().to_owned());
            if !code
                .as_ref()
                .is_some_and(|c| rules.allowed_payment_means.contains(c))
            {
                let shown = code.unwrap_or_default();
                push(
                    payment,
                    "cie-city-06",
                    format!(
                        "支払手段コード'{shown}'はこの市では受け付けていません（受付可能: {allowed}）。"
                    ),
                    format!(
                        "Payment means code '{shown}' is not accepted by this city (accepted: {allowed})."
                    ),
                );
            }
        }
    }
    // Compared with the sending organisation's number: a document filed for no organisation (staff filing
    // on a supplier's behalf whose organisation is not known yet) has nothing to be compared with.
    if rules.registration_number_must_match
        && let Some(organisation) = sender.organisation
    {
        let sent = party
            .into_iter()
            .flat_map(|p| {
                doc.children(p)
                    .filter(move |&c| doc.has_name(c, CAC, "PartyTaxScheme"))
            })
            .filter_map(|scheme| doc.child_named(scheme, CBC, "CompanyID"))
            .map(|id| (id, doc.string_value(id).trim().to_owned()))
            .find(|(_, value)| value.starts_with('T'));
        match (sent, sender.registration_number) {
            (Some((node, value)), Some(registered)) if value != registered => push(
                node,
                "cie-city-07",
                format!(
                    "登録番号 {value} は、{organisation} について市に登録された登録番号 {registered} と一致しません。"
                ),
                format!(
                    "Registration number {value} differs from {registered}, registered with the city for the sending organisation."
                ),
            ),
            (Some((node, value)), None) => push(
                node,
                "cie-city-07",
                format!(
                    "登録番号 {value} が記載されていますが、{organisation} には市に登録された登録番号がありません。"
                ),
                format!(
                    "Registration number {value} is given, but the city has no registration number on record for the sending organisation."
                ),
            ),
            _ => {}
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimum() -> String {
        let path = format!(
            "{}/../../tests/fixtures/jp-pint/jp-pint-example1-minimum.xml",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path).expect("fixture")
    }

    /// The minimum example with everything a strict city asks for.
    fn complete() -> String {
        minimum()
            .replacen(
                "<cac:InvoicePeriod>",
                "<cbc:BuyerReference>R8-0001234</cbc:BuyerReference><cac:InvoicePeriod>",
                1,
            )
            .replacen(
                "</cac:InvoicePeriod>",
                "</cac:InvoicePeriod><cac:OrderReference><cbc:ID>PO-1</cbc:ID></cac:OrderReference>",
                1,
            )
            .replacen(
                "</cac:PartyLegalEntity>",
                "</cac:PartyLegalEntity><cac:Contact><cbc:Name>山田</cbc:Name><cbc:Telephone>042-000-0000</cbc:Telephone></cac:Contact>",
                1,
            )
            .replacen(
                "<cac:TaxTotal>",
                "<cac:PaymentMeans><cbc:PaymentMeansCode>42</cbc:PaymentMeansCode></cac:PaymentMeans><cac:TaxTotal>",
                1,
            )
    }

    fn strict() -> CityRules {
        CityRules {
            require_buyer_reference: true,
            require_order_reference: true,
            require_buyer_or_order_reference: true,
            require_contact_name: true,
            require_contact_phone: true,
            allowed_payment_means: vec!["42".into()],
            registration_number_must_match: true,
            severity: None,
        }
    }

    fn fired(xml: &str, rules: &CityRules, registered: Option<&str>) -> Vec<String> {
        let doc = Document::parse(xml.as_bytes()).expect("well-formed");
        let sender = Sender {
            registration_number: registered,
            organisation: Some("株式会社 〇〇商事"),
        };
        validate_city(&doc, rules, &sender)
            .into_iter()
            .map(|f| f.rule_id)
            .collect()
    }

    #[test]
    fn a_complete_invoice_passes_every_city_rule() {
        assert_eq!(
            fired(&complete(), &strict(), Some("T1234567890123")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_city_rule_fires_on_what_it_requires() {
        let ids = fired(&minimum(), &strict(), Some("T9999999999999"));
        for id in [
            "cie-city-01",
            "cie-city-02",
            "cie-city-03",
            "cie-city-04",
            "cie-city-05",
            "cie-city-06",
            "cie-city-07",
        ] {
            assert!(ids.contains(&id.to_owned()), "{id} in {ids:?}");
        }
        let cash = complete().replace(
            "<cbc:PaymentMeansCode>42</cbc:PaymentMeansCode>",
            "<cbc:PaymentMeansCode>10</cbc:PaymentMeansCode>",
        );
        assert_eq!(
            fired(&cash, &strict(), Some("T1234567890123")),
            ["cie-city-06"]
        );
        assert_eq!(fired(&complete(), &strict(), None), ["cie-city-07"]);
    }

    #[test]
    fn rules_are_off_unless_switched_on_and_severity_is_configurable() {
        assert_eq!(
            fired(&minimum(), &CityRules::default(), None),
            Vec::<String>::new()
        );
        let warning = CityRules {
            require_buyer_reference: true,
            severity: Some("warning".into()),
            ..CityRules::default()
        };
        let doc = Document::parse(minimum().as_bytes()).expect("well-formed");
        let findings = validate_city(&doc, &warning, &Sender::default());
        assert_eq!(findings[0].severity, Severity::Warning);
        assert!(
            CityRules {
                severity: Some("loud".into()),
                ..CityRules::default()
            }
            .check()
            .is_err()
        );
    }
}

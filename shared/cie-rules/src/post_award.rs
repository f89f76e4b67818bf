//! Peppol BIS post-award documents (orders, order responses and agreements, order changes and cancellations,
//! despatch advices, invoice responses): the transaction from root element and CustomizationID, judged by
//! the official Peppol rule set of that transaction (OpenPeppol release 2026.5, run by [`crate::official`]).

use cie_domain::Finding;
use cie_xpath::{Document, NodeId};

use crate::official::{RuleSet, validate_rule_set};

const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const UBL: &str = "urn:oasis:names:specification:ubl:schema:xsd:";

/// A Peppol BIS post-award transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transaction {
    /// T01 Order (注文書).
    Order,
    /// T76 Order Response (注文請書).
    OrderResponse,
    /// T110 Order Agreement.
    OrderAgreement,
    /// T114 Order Change.
    OrderChange,
    /// T115 Order Cancellation.
    OrderCancellation,
    /// T116 Order Response Advanced.
    OrderResponseAdvanced,
    /// T16 Despatch Advice (納品書).
    DespatchAdvice,
    /// T111 Invoice Response (請求応答).
    InvoiceResponse,
}

impl Transaction {
    /// Every transaction.
    pub const ALL: [Transaction; 8] = [
        Transaction::Order,
        Transaction::OrderResponse,
        Transaction::OrderAgreement,
        Transaction::OrderChange,
        Transaction::OrderCancellation,
        Transaction::OrderResponseAdvanced,
        Transaction::DespatchAdvice,
        Transaction::InvoiceResponse,
    ];

    /// The namespace of the transaction's root element (the rule set's `ubl` prefix).
    pub fn root_namespace(self) -> &'static str {
        match self {
            Transaction::Order => "urn:oasis:names:specification:ubl:schema:xsd:Order-2",
            Transaction::OrderResponse
            | Transaction::OrderAgreement
            | Transaction::OrderResponseAdvanced => {
                "urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2"
            }
            Transaction::OrderChange => {
                "urn:oasis:names:specification:ubl:schema:xsd:OrderChange-2"
            }
            Transaction::OrderCancellation => {
                "urn:oasis:names:specification:ubl:schema:xsd:OrderCancellation-2"
            }
            Transaction::DespatchAdvice => {
                "urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2"
            }
            Transaction::InvoiceResponse => {
                "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
            }
        }
    }

    /// The Peppol transaction code, e.g. `T01`.
    pub fn code(self) -> &'static str {
        match self {
            Transaction::Order => "T01",
            Transaction::OrderResponse => "T76",
            Transaction::OrderAgreement => "T110",
            Transaction::OrderChange => "T114",
            Transaction::OrderCancellation => "T115",
            Transaction::OrderResponseAdvanced => "T116",
            Transaction::DespatchAdvice => "T16",
            Transaction::InvoiceResponse => "T111",
        }
    }

    /// The rule set name findings carry.
    pub fn rule_set(self) -> &'static str {
        match self {
            Transaction::Order => "peppol-t01 2026.5",
            Transaction::OrderResponse => "peppol-t76 2026.5",
            Transaction::OrderAgreement => "peppol-t110 2026.5",
            Transaction::OrderChange => "peppol-t114 2026.5",
            Transaction::OrderCancellation => "peppol-t115 2026.5",
            Transaction::OrderResponseAdvanced => "peppol-t116 2026.5",
            Transaction::DespatchAdvice => "peppol-t16 2026.5",
            Transaction::InvoiceResponse => "peppol-t111 2026.5",
        }
    }

    /// The transaction of `doc`, from its root element and CustomizationID; `None` outside Peppol post-award.
    pub fn detect(doc: &Document) -> Option<Transaction> {
        let root = doc.document_element()?;
        let customization = doc
            .child_named(root, CBC, "CustomizationID")
            .map(|n| text(doc, n))?;
        let trns = customization.strip_prefix("urn:fdc:peppol.eu:poacc:trns:")?;
        let name = trns.split(':').next()?;
        let root_name = doc.local_name(root);
        if doc.namespace_uri(root).strip_prefix(UBL) != Some(&format!("{root_name}-2")) {
            return None;
        }
        Some(match (root_name, name) {
            ("Order", "order") => Transaction::Order,
            ("OrderResponse", "order_response") => Transaction::OrderResponse,
            ("OrderResponse", "order_agreement") => Transaction::OrderAgreement,
            ("OrderResponse", "order_response_advanced") => Transaction::OrderResponseAdvanced,
            ("OrderChange", "order_change") => Transaction::OrderChange,
            ("OrderCancellation", "order_cancellation") => Transaction::OrderCancellation,
            ("DespatchAdvice", "despatch_advice") => Transaction::DespatchAdvice,
            ("ApplicationResponse", "invoice_response") => Transaction::InvoiceResponse,
            _ => return None,
        })
    }
}

/// The findings on one post-award document.
#[derive(Debug, Clone)]
pub struct PostAwardVerdict {
    /// The transaction recognised.
    pub transaction: Transaction,
    /// The rule set applied.
    pub rule_set: &'static str,
    /// What the checks found.
    pub findings: Vec<Finding>,
}

/// Judges a Peppol post-award document by its transaction's official rule set; `None` when the document is
/// not one.
pub fn validate_post_award(doc: &Document) -> Option<PostAwardVerdict> {
    let transaction = Transaction::detect(doc)?;
    let verdict = validate_rule_set(doc, RuleSet::PostAward(transaction));
    Some(PostAwardVerdict {
        transaction,
        rule_set: verdict.rule_set,
        findings: verdict.findings,
    })
}

fn text(doc: &Document, node: NodeId) -> String {
    doc.string_value(node).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures(folder: &str) -> Vec<(String, String)> {
        let dir = format!(
            "{}/../../tests/fixtures/{folder}",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("fixture folder")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| path.extension().is_some_and(|e| e == "xml"))
            .map(|path| {
                (
                    path.display().to_string(),
                    std::fs::read_to_string(&path).expect("fixture"),
                )
            })
            .collect();
        files.sort();
        files
    }

    fn fired(xml: &str) -> Vec<String> {
        let doc = Document::parse(xml.as_bytes()).expect("well-formed");
        validate_post_award(&doc)
            .expect("a post-award document")
            .findings
            .into_iter()
            .map(|f| f.rule_id)
            .collect()
    }

    fn fixture(relative: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/../../tests/fixtures/{relative}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture")
    }

    fn without(xml: &str, start_tag: &str, end_tag: &str) -> String {
        let start = xml.find(start_tag).expect("start tag");
        let end = start + xml[start..].find(end_tag).expect("end tag") + end_tag.len();
        format!("{}{}", &xml[..start], &xml[end..])
    }

    #[test]
    fn every_official_post_award_example_passes() {
        let mut checked = 0;
        for folder in ["order", "despatch", "invoice-response"] {
            for (path, xml) in fixtures(folder) {
                assert_eq!(fired(&xml), Vec::<String>::new(), "{path}");
                checked += 1;
            }
        }
        assert_eq!(checked, 50);
    }

    #[test]
    fn documents_outside_peppol_post_award_are_not_judged() {
        for (path, xml) in fixtures("oasis-ubl21")
            .into_iter()
            .chain(fixtures("jp-pint"))
        {
            let doc = Document::parse(xml.as_bytes()).expect("well-formed");
            assert!(validate_post_award(&doc).is_none(), "{path}");
        }
    }

    #[test]
    fn transactions_follow_root_and_customization() {
        let cases = [
            ("order/order-example.xml", Transaction::Order),
            (
                "order/order-response-example.xml",
                Transaction::OrderResponse,
            ),
            (
                "order/order-agreement-example.xml",
                Transaction::OrderAgreement,
            ),
            ("order/order-change-example.xml", Transaction::OrderChange),
            (
                "order/order-cancellation-example.xml",
                Transaction::OrderCancellation,
            ),
            (
                "order/order-response-advanced-example.xml",
                Transaction::OrderResponseAdvanced,
            ),
            (
                "despatch/despatch-advice-example.xml",
                Transaction::DespatchAdvice,
            ),
            (
                "invoice-response/invoice-response-example.xml",
                Transaction::InvoiceResponse,
            ),
        ];
        for (file, transaction) in cases {
            let doc = Document::parse(fixture(file).as_bytes()).expect("well-formed");
            assert_eq!(Transaction::detect(&doc), Some(transaction), "{file}");
        }
    }

    #[test]
    fn official_rules_name_what_is_missing_or_wrong() {
        let order = fixture("order/order-example.xml");
        let no_buyer = without(
            &order,
            "<cac:BuyerCustomerParty>",
            "</cac:BuyerCustomerParty>",
        );
        assert!(fired(&no_buyer).contains(&"PEPPOL-T01-B00106".to_owned()));
        let no_date = without(&order, "<cbc:IssueDate>", "</cbc:IssueDate>");
        assert!(fired(&no_date).contains(&"PEPPOL-T01-B00104".to_owned()));
        let blank_number = order.replacen("<cbc:ID>34</cbc:ID>", "<cbc:ID> </cbc:ID>", 1);
        assert!(fired(&blank_number).contains(&"PEPPOL-COMMON-R001".to_owned()));
        let despatch = fixture("despatch/despatch-advice-example.xml");
        let no_supplier = without(
            &despatch,
            "<cac:DespatchSupplierParty>",
            "</cac:DespatchSupplierParty>",
        );
        assert!(fired(&no_supplier).contains(&"PEPPOL-T16-B00105".to_owned()));
        let response = fixture("invoice-response/invoice-response-example.xml");
        let no_status = without(&response, "<cbc:ResponseCode", "</cbc:ResponseCode>");
        assert!(fired(&no_status).contains(&"PEPPOL-T111-B02901".to_owned()));
    }

    #[test]
    fn every_official_rule_has_its_japanese_message() {
        let mut rules = 0;
        for transaction in Transaction::ALL {
            for rule in crate::official::rule_set_rules(RuleSet::PostAward(transaction)) {
                assert_ne!(rule.message_ja, rule.message_en, "{}", rule.id);
                assert!(
                    rule.message_ja.chars().any(|c| c > '\u{3000}'),
                    "{}: {}",
                    rule.id,
                    rule.message_ja
                );
                rules += 1;
            }
        }
        assert_eq!(rules, 1_562, "every assert of the eight transactions");
    }

    #[test]
    fn duplicate_order_line_ids_are_caught() {
        let order = fixture("order/order-example.xml");
        let first = order.find("<cac:LineItem>").expect("line item");
        let id_start = first + order[first..].find("<cbc:ID>").expect("line id");
        let id_end = id_start + order[id_start..].find("</cbc:ID>").expect("line id end");
        let first_id = &order[id_start + "<cbc:ID>".len()..id_end];
        let second = id_end + order[id_end..].find("<cac:LineItem>").expect("second line");
        let second_id_start =
            second + order[second..].find("<cbc:ID>").expect("second id") + "<cbc:ID>".len();
        let second_id_end =
            second_id_start + order[second_id_start..].find("</cbc:ID>").expect("end");
        let duplicated = format!(
            "{}{first_id}{}",
            &order[..second_id_start],
            &order[second_id_end..]
        );
        assert_eq!(fired(&duplicated), ["PEPPOL-T01-R001", "PEPPOL-T01-R001"]);
    }
}

//! Peppol BIS post-award documents (orders, order responses and agreements, order changes and cancellations,
//! despatch advices, invoice responses): the transaction from root element and CustomizationID, and the
//! structural and key business checks that catch missing numbers, dates, parties, lines and quantities.
//! Rule ids are Peppol BIS's where a Peppol rule says the same thing, ours (`cie-peppol-*`) otherwise; the
//! implementation and messages are ours.

use std::collections::HashMap;

use cie_domain::{Finding, Location, Severity};
use cie_xpath::{Document, NodeId};
use rust_decimal::Decimal;

const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";

/// A Peppol BIS post-award transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
            Transaction::Order => "peppol-t01 cie 1",
            Transaction::OrderResponse => "peppol-t76 cie 1",
            Transaction::OrderAgreement => "peppol-t110 cie 1",
            Transaction::OrderChange => "peppol-t114 cie 1",
            Transaction::OrderCancellation => "peppol-t115 cie 1",
            Transaction::OrderResponseAdvanced => "peppol-t116 cie 1",
            Transaction::DespatchAdvice => "peppol-t16 cie 1",
            Transaction::InvoiceResponse => "peppol-t111 cie 1",
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

/// Checks a Peppol post-award document; `None` when the document is not one.
pub fn validate_post_award(doc: &Document) -> Option<PostAwardVerdict> {
    let transaction = Transaction::detect(doc)?;
    let root = doc.document_element()?;
    let mut checks = Checks {
        doc,
        transaction,
        findings: Vec::new(),
    };
    checks.header(root);
    match transaction {
        Transaction::Order => {
            checks.party(
                root,
                "BuyerCustomerParty",
                "PEPPOL-T01-B00106",
                "買い手",
                "buyer",
            );
            checks.party(
                root,
                "SellerSupplierParty",
                "PEPPOL-T01-B00107",
                "売り手",
                "seller",
            );
            checks.order_lines(root, "PEPPOL-T01-B23902");
        }
        Transaction::OrderResponse
        | Transaction::OrderAgreement
        | Transaction::OrderResponseAdvanced => {
            let (seller, buyer) = match transaction {
                Transaction::OrderResponse => ("PEPPOL-T76-B00108", "PEPPOL-T76-B00109"),
                _ => ("cie-peppol-seller", "cie-peppol-buyer"),
            };
            checks.party(root, "SellerSupplierParty", seller, "売り手", "seller");
            checks.party(root, "BuyerCustomerParty", buyer, "買い手", "buyer");
            checks.order_reference(root);
        }
        Transaction::OrderChange => {
            checks.party(
                root,
                "BuyerCustomerParty",
                "cie-peppol-buyer",
                "買い手",
                "buyer",
            );
            checks.party(
                root,
                "SellerSupplierParty",
                "cie-peppol-seller",
                "売り手",
                "seller",
            );
            checks.order_reference(root);
            checks.order_lines(root, "cie-peppol-line-quantity");
        }
        Transaction::OrderCancellation => {
            checks.party(
                root,
                "BuyerCustomerParty",
                "cie-peppol-buyer",
                "買い手",
                "buyer",
            );
            checks.party(
                root,
                "SellerSupplierParty",
                "cie-peppol-seller",
                "売り手",
                "seller",
            );
            checks.order_reference(root);
        }
        Transaction::DespatchAdvice => {
            checks.party(
                root,
                "DespatchSupplierParty",
                "PEPPOL-T16-B00105",
                "出荷者",
                "despatch party",
            );
            checks.party(
                root,
                "DeliveryCustomerParty",
                "PEPPOL-T16-B00106",
                "納品先",
                "delivery party",
            );
            checks.despatch_lines(root);
        }
        Transaction::InvoiceResponse => checks.invoice_response(root),
    }
    Some(PostAwardVerdict {
        transaction,
        rule_set: transaction.rule_set(),
        findings: checks.findings,
    })
}

struct Checks<'d> {
    doc: &'d Document,
    transaction: Transaction,
    findings: Vec<Finding>,
}

impl Checks<'_> {
    fn push(&mut self, node: NodeId, rule_id: &str, severity: Severity, ja: String, en: String) {
        let (line, column) = self.doc.line_column(node);
        self.findings.push(Finding {
            rule_id: rule_id.to_owned(),
            severity,
            location: Location {
                path: self.doc.path_of(node),
                line,
                column,
            },
            message_ja: ja,
            message_en: en,
            rule_set: self.transaction.rule_set().to_owned(),
        });
    }

    fn coded(&self, number: &str, fallback: &str) -> String {
        match self.transaction {
            Transaction::Order
            | Transaction::OrderResponse
            | Transaction::DespatchAdvice
            | Transaction::InvoiceResponse => {
                format!("PEPPOL-{}-{number}", self.transaction.code())
            }
            _ => fallback.to_owned(),
        }
    }

    fn header(&mut self, root: NodeId) {
        let doc = self.doc;
        if !has_text(doc, doc.child_named(root, CBC, "ID")) {
            let id = self.coded("B00103", "cie-peppol-number");
            self.push(
                root,
                &id,
                Severity::Fatal,
                "文書番号（cbc:ID）は必須です。".into(),
                "The document number (cbc:ID) is required.".into(),
            );
        }
        if !has_text(doc, doc.child_named(root, CBC, "IssueDate")) {
            let id = self.coded("B00104", "cie-peppol-issue-date");
            self.push(
                root,
                &id,
                Severity::Fatal,
                "発行日（cbc:IssueDate）は必須です。".into(),
                "The issue date (cbc:IssueDate) is required.".into(),
            );
        }
    }

    fn party(&mut self, root: NodeId, element: &str, rule_id: &str, role_ja: &str, role_en: &str) {
        let doc = self.doc;
        // Most parties wrap a cac:Party; an invoice response's SenderParty and ReceiverParty are parties.
        let party = doc
            .child_named(root, CAC, element)
            .map(|p| doc.child_named(p, CAC, "Party").unwrap_or(p));
        match party {
            None => self.push(
                root,
                rule_id,
                Severity::Fatal,
                format!("{role_ja}（cac:{element}）は必須です。"),
                format!("The {role_en} (cac:{element}) is required."),
            ),
            Some(party) => {
                let named = has_text(
                    doc,
                    doc.child_named(party, CAC, "PartyName")
                        .and_then(|n| doc.child_named(n, CBC, "Name")),
                ) || has_text(
                    doc,
                    doc.child_named(party, CAC, "PartyLegalEntity")
                        .and_then(|e| doc.child_named(e, CBC, "RegistrationName")),
                ) || has_text(
                    doc,
                    doc.child_named(party, CAC, "PartyIdentification")
                        .and_then(|i| doc.child_named(i, CBC, "ID")),
                ) || has_text(doc, doc.child_named(party, CBC, "EndpointID"));
                if !named {
                    self.push(
                        party,
                        "cie-peppol-party-identity",
                        Severity::Fatal,
                        format!(
                            "{role_ja}には名称、識別子または電子アドレスのいずれかが必要です。"
                        ),
                        format!(
                            "The {role_en} needs a name, an identifier or an electronic address."
                        ),
                    );
                }
            }
        }
    }

    fn order_reference(&mut self, root: NodeId) {
        let doc = self.doc;
        let reference = doc
            .child_named(root, CAC, "OrderReference")
            .and_then(|r| doc.child_named(r, CBC, "ID"));
        if !has_text(doc, reference) {
            self.push(
                root,
                "cie-peppol-order-reference",
                Severity::Fatal,
                "対象の注文書の番号（cac:OrderReference/cbc:ID）は必須です。".into(),
                "The number of the order referred to (cac:OrderReference/cbc:ID) is required."
                    .into(),
            );
        }
    }

    fn order_lines(&mut self, root: NodeId, quantity_rule: &str) {
        let doc = self.doc;
        let lines: Vec<NodeId> = doc.element_children_named(root, CAC, "OrderLine").collect();
        if lines.is_empty() {
            self.push(
                root,
                "cie-peppol-lines",
                Severity::Fatal,
                "明細行が1行以上必要です。".into(),
                "At least one line is required.".into(),
            );
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for line in lines {
            let Some(item) = doc.child_named(line, CAC, "LineItem") else {
                self.push(
                    line,
                    "cie-peppol-line-item",
                    Severity::Fatal,
                    "明細行には品目行（cac:LineItem）が必要です。".into(),
                    "An order line needs its line item (cac:LineItem).".into(),
                );
                continue;
            };
            if let Some(id) = doc
                .child_named(item, CBC, "ID")
                .map(|n| text(doc, n))
                .filter(|id| !id.is_empty())
            {
                *seen.entry(id).or_default() += 1;
            }
            self.quantity(
                item,
                "Quantity",
                quantity_rule,
                "cie-peppol-negative-quantity",
                "数量",
                "quantity",
            );
        }
        for (id, count) in seen {
            if count > 1 && self.transaction == Transaction::Order {
                self.push(
                    root,
                    "PEPPOL-T01-R001",
                    Severity::Fatal,
                    format!("明細行ID '{id}' が{count}回使われています。明細行IDは文書内で一意でなければなりません。"),
                    format!("Line id '{id}' is used {count} times; line ids must be unique within the document."),
                );
            }
        }
    }

    fn despatch_lines(&mut self, root: NodeId) {
        let doc = self.doc;
        let lines: Vec<NodeId> = doc
            .element_children_named(root, CAC, "DespatchLine")
            .collect();
        if lines.is_empty() {
            self.push(
                root,
                "cie-peppol-lines",
                Severity::Fatal,
                "明細行が1行以上必要です。".into(),
                "At least one line is required.".into(),
            );
        }
        for line in lines {
            self.quantity(
                line,
                "DeliveredQuantity",
                "PEPPOL-T16-B18002",
                "PEPPOL-T16-R006",
                "出荷数量",
                "delivered quantity",
            );
        }
    }

    fn quantity(
        &mut self,
        parent: NodeId,
        element: &str,
        missing_rule: &str,
        negative_rule: &str,
        name_ja: &str,
        name_en: &str,
    ) {
        let doc = self.doc;
        match doc.child_named(parent, CBC, element) {
            None => self.push(
                parent,
                missing_rule,
                Severity::Fatal,
                format!("{name_ja}（cbc:{element}）は必須です。"),
                format!("The {name_en} (cbc:{element}) is required."),
            ),
            Some(quantity) => {
                let raw = text(doc, quantity);
                match raw.parse::<Decimal>() {
                    Err(_) => self.push(
                        quantity,
                        "cie-peppol-quantity-format",
                        Severity::Fatal,
                        format!("{name_ja} '{raw}' は数値ではありません。"),
                        format!("The {name_en} '{raw}' is not a number."),
                    ),
                    Ok(value) if value < Decimal::ZERO => self.push(
                        quantity,
                        negative_rule,
                        Severity::Fatal,
                        format!("{name_ja}は負の値にできません（{raw}）。"),
                        format!("The {name_en} must not be negative ({raw})."),
                    ),
                    Ok(_) => {}
                }
                if doc
                    .attribute(quantity, "", "unitCode")
                    .is_none_or(|u| u.trim().is_empty())
                {
                    self.push(
                        quantity,
                        "cie-peppol-unit-code",
                        Severity::Fatal,
                        format!("{name_ja}には数量単位（@unitCode）が必要です。"),
                        format!("The {name_en} needs a unit of measure (@unitCode)."),
                    );
                }
            }
        }
    }

    fn invoice_response(&mut self, root: NodeId) {
        let doc = self.doc;
        let Some(response) = doc.child_named(root, CAC, "DocumentResponse") else {
            self.push(
                root,
                "cie-peppol-document-response",
                Severity::Fatal,
                "対象文書への応答（cac:DocumentResponse）は必須です。".into(),
                "The response to a document (cac:DocumentResponse) is required.".into(),
            );
            return;
        };
        let reference = doc
            .child_named(response, CAC, "DocumentReference")
            .and_then(|r| doc.child_named(r, CBC, "ID"));
        if !has_text(doc, reference) {
            self.push(response, "PEPPOL-T111-B02802", Severity::Fatal, "対象の請求書の番号（cac:DocumentReference/cbc:ID）は必須です。".into(), "The number of the invoice responded to (cac:DocumentReference/cbc:ID) is required.".into());
        }
        let code = doc
            .child_named(response, CAC, "Response")
            .and_then(|r| doc.child_named(r, CBC, "ResponseCode"));
        if !has_text(doc, code) {
            self.push(
                response,
                "PEPPOL-T111-B02901",
                Severity::Fatal,
                "応答ステータスコード（cac:Response/cbc:ResponseCode）は必須です。".into(),
                "The response status code (cac:Response/cbc:ResponseCode) is required.".into(),
            );
        } else if let Some(code) = code {
            let value = text(doc, code);
            if !["AB", "IP", "UQ", "CA", "RE", "AP", "PD"].contains(&value.as_str()) {
                self.push(code, "cie-peppol-response-code", Severity::Fatal, format!("応答ステータスコード '{value}' はUNCL4343のサブセット（AB, IP, UQ, CA, RE, AP, PD）にありません。"), format!("Response status code '{value}' is not in the UNCL4343 subset AB, IP, UQ, CA, RE, AP, PD."));
            }
        }
        self.party(root, "SenderParty", "cie-peppol-sender", "送信者", "sender");
        self.party(
            root,
            "ReceiverParty",
            "cie-peppol-receiver",
            "受信者",
            "receiver",
        );
    }
}

fn text(doc: &Document, node: NodeId) -> String {
    doc.string_value(node).trim().to_owned()
}

fn has_text(doc: &Document, node: Option<NodeId>) -> bool {
    node.is_some_and(|n| !doc.string_value(n).trim().is_empty())
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
    fn missing_parties_are_caught_with_their_peppol_ids() {
        let order = fixture("order/order-example.xml");
        let no_buyer = without(
            &order,
            "<cac:BuyerCustomerParty>",
            "</cac:BuyerCustomerParty>",
        );
        assert_eq!(fired(&no_buyer), ["PEPPOL-T01-B00106"]);
        let no_seller = without(
            &order,
            "<cac:SellerSupplierParty>",
            "</cac:SellerSupplierParty>",
        );
        assert_eq!(fired(&no_seller), ["PEPPOL-T01-B00107"]);
        let despatch = fixture("despatch/despatch-advice-example.xml");
        let no_supplier = without(
            &despatch,
            "<cac:DespatchSupplierParty>",
            "</cac:DespatchSupplierParty>",
        );
        assert_eq!(fired(&no_supplier), ["PEPPOL-T16-B00105"]);
        let no_customer = without(
            &despatch,
            "<cac:DeliveryCustomerParty>",
            "</cac:DeliveryCustomerParty>",
        );
        assert_eq!(fired(&no_customer), ["PEPPOL-T16-B00106"]);
        let response = fixture("order/order-response-example.xml");
        let no_buyer = without(
            &response,
            "<cac:BuyerCustomerParty>",
            "</cac:BuyerCustomerParty>",
        );
        assert_eq!(fired(&no_buyer), ["PEPPOL-T76-B00109"]);
    }

    #[test]
    fn missing_numbers_and_dates_are_caught() {
        let order = fixture("order/order-example.xml");
        assert_eq!(
            fired(&order.replacen("<cbc:ID>34</cbc:ID>", "<cbc:ID> </cbc:ID>", 1)),
            ["PEPPOL-T01-B00103"]
        );
        let no_date = without(&order, "<cbc:IssueDate>", "</cbc:IssueDate>");
        assert_eq!(fired(&no_date), ["PEPPOL-T01-B00104"]);
        let response = fixture("invoice-response/invoice-response-example.xml");
        let no_invoice = without(
            &response,
            "<cac:DocumentReference>",
            "</cac:DocumentReference>",
        );
        assert!(fired(&no_invoice).contains(&"PEPPOL-T111-B02802".to_owned()));
        let no_status = without(&response, "<cbc:ResponseCode", "</cbc:ResponseCode>");
        assert!(fired(&no_status).contains(&"PEPPOL-T111-B02901".to_owned()));
    }

    #[test]
    fn line_quantities_are_required_and_not_negative() {
        let order = fixture("order/order-example.xml");
        let no_quantity = without(&order, "<cbc:Quantity", "</cbc:Quantity>");
        assert_eq!(fired(&no_quantity), ["PEPPOL-T01-B23902"]);
        let negative = order.replacen(">120</cbc:Quantity>", ">-120</cbc:Quantity>", 1);
        assert_eq!(fired(&negative), ["cie-peppol-negative-quantity"]);
        let despatch = fixture("despatch/despatch-advice-example.xml");
        let no_delivered = without(
            &despatch,
            "<cbc:DeliveredQuantity",
            "</cbc:DeliveredQuantity>",
        );
        assert_eq!(fired(&no_delivered), ["PEPPOL-T16-B18002"]);
        let start = despatch.find("<cbc:DeliveredQuantity").expect("quantity");
        let value_start = start + despatch[start..].find('>').expect("tag end") + 1;
        let negative = format!("{}-{}", &despatch[..value_start], &despatch[value_start..]);
        assert_eq!(fired(&negative), ["PEPPOL-T16-R006"]);
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
        assert_eq!(fired(&duplicated), ["PEPPOL-T01-R001"]);
    }
}

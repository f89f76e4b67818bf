//! One failing case per rule, each built by mutating a valid JP PINT invoice (or the OASIS credit
//! note), plus the resynchronisation, extension content, other roots and unreadable input.

use cie_domain::{Finding, Severity};
use cie_schema::{RULE_SET, SchemaError, SchemaRule};
use cie_xpath::XmlError;

use crate::{check, describe, fixture};

const MINIMUM: &str = "jp-pint/jp-pint-example1-minimum.xml";
const ROOT_END: &str = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">";

/// The minimum JP PINT invoice with the first occurrence of `from` replaced by `to`.
fn minimum_with(from: &str, to: &str) -> String {
    let xml = fixture(MINIMUM);
    assert!(xml.contains(from), "{from:?} is not in the fixture");
    xml.replacen(from, to, 1)
}

/// The only finding for `xml`.
fn single(xml: &str) -> Finding {
    let findings = check(xml);
    assert_eq!(findings.len(), 1, "{}", describe(&findings));
    let finding = findings.into_iter().next().expect("one finding");
    assert_eq!(finding.severity, Severity::Fatal);
    assert_eq!(finding.rule_set, RULE_SET);
    finding
}

fn assert_at(finding: &Finding, rule: SchemaRule, path: &str, line: u32) {
    assert_eq!(finding.rule_id, rule.id(), "{}", finding.message_en);
    assert_eq!(finding.location.path, path);
    assert_eq!(finding.location.line, line);
}

#[test]
fn the_unmutated_invoice_has_no_findings() {
    assert_eq!(describe(&check(&fixture(MINIMUM))), "");
}

#[test]
fn removed_id_is_missing_at_the_parent() {
    let xml = minimum_with(
        "\t<cbc:ID>156</cbc:ID> <!-- IBT-001 - Invoice number -->\n",
        "",
    );
    let finding = single(&xml);
    assert_at(&finding, SchemaRule::ElementMissing, "/Invoice", 2);
    assert_eq!(finding.location.column, 1);
    assert_eq!(
        finding.message_en,
        "Required element cbc:ID is missing in Invoice (expected before cbc:IssueDate)"
    );
    assert_eq!(
        finding.message_ja,
        "Invoiceに必須の要素cbc:IDがありません（cbc:IssueDateより前に必要です）。"
    );
}

#[test]
fn removed_trailing_required_element_is_missing() {
    let xml = fixture(MINIMUM);
    let start = xml.find("\t<cac:LegalMonetaryTotal>").expect("totals");
    let end = xml.find("</cac:LegalMonetaryTotal>").expect("totals end")
        + "</cac:LegalMonetaryTotal>".len();
    let xml = format!("{}{}", &xml[..start], &xml[end..]);
    let finding = single(&xml);
    assert_at(&finding, SchemaRule::ElementMissing, "/Invoice", 2);
    assert_eq!(
        finding.message_en,
        "Required element cac:LegalMonetaryTotal is missing in Invoice (expected before cac:InvoiceLine)"
    );
}

#[test]
fn second_issue_date_is_too_many() {
    let xml = minimum_with(
        "<cbc:IssueDate>2023-10-24</cbc:IssueDate>",
        "<cbc:IssueDate>2023-10-24</cbc:IssueDate><cbc:IssueDate>2023-10-25</cbc:IssueDate>",
    );
    let finding = single(&xml);
    assert_at(
        &finding,
        SchemaRule::ElementTooMany,
        "/Invoice/cbc:IssueDate[2]",
        11,
    );
    assert_eq!(
        finding.message_en,
        "Element cbc:IssueDate occurs too often in Invoice; at most 1 is allowed"
    );
    assert_eq!(
        finding.message_ja,
        "Invoice内の要素cbc:IssueDateが多すぎます（最大1個まで）。"
    );
}

#[test]
fn second_legal_monetary_total_is_too_many_but_a_second_invoice_period_is_fine() {
    let xml = fixture(MINIMUM);
    let start = xml.find("<cac:LegalMonetaryTotal>").expect("totals");
    let end = xml.find("</cac:LegalMonetaryTotal>").expect("totals end")
        + "</cac:LegalMonetaryTotal>".len();
    let doubled = format!("{}{}{}", &xml[..end], &xml[start..end], &xml[end..]);
    let finding = single(&doubled);
    assert_at(
        &finding,
        SchemaRule::ElementTooMany,
        "/Invoice/cac:LegalMonetaryTotal[2]",
        84,
    );

    let start = xml.find("<cac:InvoicePeriod>").expect("period");
    let end = xml.find("</cac:InvoicePeriod>").expect("period end") + "</cac:InvoicePeriod>".len();
    let doubled = format!("{}{}{}", &xml[..end], &xml[start..end], &xml[end..]);
    assert_eq!(
        describe(&check(&doubled)),
        "",
        "InvoicePeriod is 0..unbounded"
    );
}

#[test]
fn amount_without_currency_is_attribute_missing() {
    let xml = minimum_with(
        "<cbc:TaxAmount currencyID=\"JPY\">25250</cbc:TaxAmount> <!-- IBT-110",
        "<cbc:TaxAmount>25250</cbc:TaxAmount> <!-- IBT-110",
    );
    let finding = single(&xml);
    assert_at(
        &finding,
        SchemaRule::AttributeMissing,
        "/Invoice/cac:TaxTotal[1]/cbc:TaxAmount[1]",
        51,
    );
    assert_eq!(
        finding.message_en,
        "Attribute currencyID is required on cbc:TaxAmount"
    );
    assert_eq!(
        finding.message_ja,
        "cbc:TaxAmountには属性currencyIDが必要です。"
    );
}

#[test]
fn undeclared_attributes_are_unexpected() {
    let finding = single(&minimum_with(
        "<cbc:ID>156</cbc:ID>",
        "<cbc:ID bogus=\"x\">156</cbc:ID>",
    ));
    assert_at(
        &finding,
        SchemaRule::AttributeUnexpected,
        "/Invoice/cbc:ID[1]",
        10,
    );
    assert_eq!(
        finding.message_en,
        "Attribute bogus is not allowed on cbc:ID"
    );
    assert_eq!(finding.message_ja, "cbc:IDに属性bogusは記載できません。");

    let finding = single(&minimum_with(
        "<cac:InvoicePeriod>",
        "<cac:InvoicePeriod xml:lang=\"ja\">",
    ));
    assert_at(
        &finding,
        SchemaRule::AttributeUnexpected,
        "/Invoice/cac:InvoicePeriod[1]",
        14,
    );
}

#[test]
fn namespace_declarations_and_xsi_attributes_are_ignored() {
    let xml = minimum_with(
        ROOT_END,
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2 UBL-Invoice-2.1.xsd\">",
    );
    let xml = xml.replacen(
        "<cbc:ID>156</cbc:ID>",
        "<cbc:ID xmlns:x=\"urn:example\">156</cbc:ID>",
        1,
    );
    assert_eq!(describe(&check(&xml)), "");
}

#[test]
fn impossible_issue_date_is_a_datatype_error() {
    let xml = minimum_with(
        "<cbc:IssueDate>2023-10-24</cbc:IssueDate>",
        "<cbc:IssueDate>2023-13-45</cbc:IssueDate>",
    );
    let finding = single(&xml);
    assert_at(
        &finding,
        SchemaRule::Datatype,
        "/Invoice/cbc:IssueDate[1]",
        11,
    );
    assert_eq!(
        finding.message_en,
        "Value \"2023-13-45\" of cbc:IssueDate is not a valid date (YYYY-MM-DD)"
    );
    assert_eq!(
        finding.message_ja,
        "cbc:IssueDateの値「2023-13-45」は日付（YYYY-MM-DD）として正しくありません。"
    );
}

#[test]
fn amount_with_thousands_separator_is_a_datatype_error() {
    let xml = minimum_with(
        "<cbc:TaxableAmount currencyID=\"JPY\">252500</cbc:TaxableAmount>",
        "<cbc:TaxableAmount currencyID=\"JPY\">12,000</cbc:TaxableAmount>",
    );
    let finding = single(&xml);
    assert_at(
        &finding,
        SchemaRule::Datatype,
        "/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[1]/cbc:TaxableAmount[1]",
        53,
    );
    assert!(
        finding
            .message_en
            .starts_with("Value \"12,000\" of cbc:TaxableAmount is not a valid decimal number")
    );
}

#[test]
fn padded_values_are_collapsed_before_checking() {
    let xml = minimum_with(
        "<cbc:TaxableAmount currencyID=\"JPY\">252500</cbc:TaxableAmount>",
        "<cbc:TaxableAmount currencyID=\"JPY\">\n  252500.00 </cbc:TaxableAmount>",
    );
    let xml = xml.replacen(
        "<cbc:IssueDate>2023-10-24</cbc:IssueDate>",
        "<cbc:IssueDate> 2023-10-24+09:00</cbc:IssueDate>",
        1,
    );
    assert_eq!(describe(&check(&xml)), "");
}

#[test]
fn unknown_element_is_unexpected_with_what_may_come_instead() {
    let xml = minimum_with(
        "<cbc:IssueDate>2023-10-24</cbc:IssueDate>",
        "<cbc:IssueDate>2023-10-24</cbc:IssueDate><cbc:Foo>x</cbc:Foo>",
    );
    let finding = single(&xml);
    assert_at(
        &finding,
        SchemaRule::ElementUnexpected,
        "/Invoice/cbc:Foo[1]",
        11,
    );
    assert!(
        finding.message_en.starts_with(
            "Element cbc:Foo is not expected here (cbc:Foo is not a UBL 2.1 element); \
             expected one of cbc:IssueTime, cbc:DueDate, cbc:InvoiceTypeCode, cbc:Note,"
        ),
        "{}",
        finding.message_en
    );
    assert!(
        finding
            .message_en
            .ends_with(", cac:Signature, cac:AccountingSupplierParty")
    );
    assert!(finding.message_ja.starts_with(
        "ここに要素cbc:Fooは記載できません（cbc:FooはUBL 2.1に定義されていない要素です）。cbc:IssueTime、"
    ));
    assert!(
        finding
            .message_ja
            .ends_with("cac:AccountingSupplierPartyのいずれかが必要です。")
    );
}

#[test]
fn element_in_the_wrong_namespace_is_one_finding() {
    let finding = single(&minimum_with(
        "<cbc:ID>156</cbc:ID>",
        "<cac:ID>156</cac:ID>",
    ));
    assert_at(
        &finding,
        SchemaRule::ElementUnexpected,
        "/Invoice/cac:ID[1]",
        10,
    );
    assert!(
        finding.message_en.contains("UBL 2.1 has cbc:ID"),
        "{}",
        finding.message_en
    );
}

#[test]
fn subtree_of_an_unexpected_element_is_not_looked_into() {
    let xml = minimum_with(
        "<cac:InvoicePeriod>",
        "<cac:Bogus><cbc:IssueDate>never</cbc:IssueDate><cac:Party>text</cac:Party></cac:Bogus><cac:InvoicePeriod>",
    );
    let finding = single(&xml);
    assert_at(
        &finding,
        SchemaRule::ElementUnexpected,
        "/Invoice/cac:Bogus[1]",
        14,
    );
}

#[test]
fn text_in_an_aggregate_and_elements_in_a_basic_component() {
    let finding = single(&minimum_with(
        "<cac:InvoicePeriod>",
        "<cac:InvoicePeriod>oops",
    ));
    assert_at(
        &finding,
        SchemaRule::Datatype,
        "/Invoice/cac:InvoicePeriod[1]",
        14,
    );
    assert_eq!(
        finding.message_en,
        "Element cac:InvoicePeriod may contain only child elements, not text (\"oops\")"
    );

    let finding = single(&minimum_with(
        "<cbc:ID>156</cbc:ID>",
        "<cbc:ID>156<cbc:Note>x</cbc:Note></cbc:ID>",
    ));
    assert_at(
        &finding,
        SchemaRule::ElementUnexpected,
        "/Invoice/cbc:ID[1]/cbc:Note[1]",
        10,
    );
    assert_eq!(
        finding.message_en,
        "Element cbc:Note is not allowed inside cbc:ID, which contains text only"
    );
}

#[test]
fn independent_errors_are_all_reported_in_document_order() {
    let xml = minimum_with(
        "<cbc:TaxableAmount currencyID=\"JPY\">252500</cbc:TaxableAmount>",
        "<cbc:TaxableAmount currencyID=\"JPY\">abc</cbc:TaxableAmount>",
    );
    let xml = xml.replacen(
        "<cbc:IssueDate>2023-10-24</cbc:IssueDate>",
        "<cbc:IssueDate>24.10.2023</cbc:IssueDate>",
        1,
    );
    let xml = xml.replacen(
        "<cbc:ID>VAT</cbc:ID>",
        "<cbc:ID>VAT</cbc:ID><cbc:Extra/>",
        1,
    );
    let findings = check(&xml);
    let summary: Vec<_> = findings
        .iter()
        .map(|finding| (finding.rule_id.as_str(), finding.location.line))
        .collect();
    assert_eq!(
        summary,
        [
            ("cie-ubl-datatype", 11),
            ("cie-ubl-element-unexpected", 29),
            ("cie-ubl-datatype", 53),
        ],
        "{}",
        describe(&findings)
    );
    assert_eq!(
        findings[1].location.path,
        "/Invoice/cac:AccountingSupplierParty[1]/cac:Party[1]/cac:PartyTaxScheme[1]/cac:TaxScheme[1]/cbc:Extra[1]"
    );
}

#[test]
fn extension_content_is_not_validated_but_its_frame_is() {
    let extension = "<ext:UBLExtensions><ext:UBLExtension><cbc:ID>1</cbc:ID><ext:ExtensionContent>\
        <my:Anything xmlns:my=\"urn:example\" my:flag=\"1\"><cbc:IssueDate>never</cbc:IssueDate></my:Anything>\
        </ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>";
    let xml = minimum_with(ROOT_END, &format!("{ROOT_END}{extension}"));
    assert_eq!(describe(&check(&xml)), "");

    let xml = minimum_with(
        ROOT_END,
        &format!(
            "{ROOT_END}<ext:UBLExtensions><ext:UBLExtension><cbc:Name>x</cbc:Name></ext:UBLExtension></ext:UBLExtensions>"
        ),
    );
    let finding = single(&xml);
    assert_at(
        &finding,
        SchemaRule::ElementMissing,
        "/Invoice/ext:UBLExtensions[1]/ext:UBLExtension[1]",
        2,
    );
    assert_eq!(
        finding.message_en,
        "Required element ext:ExtensionContent is missing in ext:UBLExtension"
    );
}

#[test]
fn credit_notes_are_checked_too() {
    let xml = fixture("oasis-ubl21/UBL-CreditNote-2.1-Example.xml").replacen(
        "<cbc:IssueDate>2009-12-15</cbc:IssueDate>",
        "<cbc:IssueDate>15/12/2009</cbc:IssueDate>",
        1,
    );
    let finding = single(&xml);
    assert_at(
        &finding,
        SchemaRule::Datatype,
        "/CreditNote/cbc:IssueDate[1]",
        7,
    );
}

#[test]
fn prefixes_are_reported_as_written() {
    let xml = "<inv:Invoice xmlns:inv=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\" \
        xmlns:b=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">\
        <b:ID>1</b:ID><b:IssueDate>2023-10-24</b:IssueDate><b:Note>a</b:Note><b:Note>b</b:Note>\
        <b:DocumentCurrencyCode>JPY</b:DocumentCurrencyCode><b:Note>c</b:Note></inv:Invoice>";
    let findings = check(xml);
    let unexpected: Vec<_> = findings
        .iter()
        .filter(|finding| finding.rule_id == SchemaRule::ElementUnexpected.id())
        .map(|finding| finding.location.path.as_str())
        .collect();
    assert_eq!(unexpected, ["/inv:Invoice/b:Note[3]"]);
}

#[test]
fn every_kind_the_service_exchanges_is_checked_and_unknown_roots_are_not() {
    for kind in [
        "Order",
        "OrderResponse",
        "OrderResponseSimple",
        "OrderChange",
        "OrderCancellation",
        "DespatchAdvice",
        "ReceiptAdvice",
        "ApplicationResponse",
        "Quotation",
        "RequestForQuotation",
    ] {
        let xml = format!(
            "<{kind} xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:{kind}-2\"><Bogus/></{kind}>"
        );
        let findings = check(&xml);
        assert!(
            findings
                .iter()
                .any(|f| f.rule_id == SchemaRule::ElementUnexpected.id()),
            "{kind}: {}",
            describe(&findings)
        );
    }
    let old_namespace = "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-1\"><Bogus/></Invoice>";
    assert!(check(old_namespace).is_empty());
    let foreign =
        "<Order xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"><Bogus/></Order>";
    assert!(check(foreign).is_empty());
}

#[test]
fn unreadable_input_is_an_error() {
    assert!(matches!(
        cie_schema::check(
            b"<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"><a>"
        ),
        Err(SchemaError::Unreadable(XmlError::Syntax { .. }))
    ));
    assert!(matches!(
        cie_schema::check(b"<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"><x:ID/></Invoice>"),
        Err(SchemaError::Unreadable(XmlError::Syntax { .. }))
    ));
    assert!(matches!(
        cie_schema::check(b"<Invoice>\xFF</Invoice>"),
        Err(SchemaError::Unreadable(XmlError::NotUtf8 {
            offset: 9,
            line: 1,
            column: 10,
            ..
        }))
    ));
    assert!(cie_schema::check(b"").is_err());
}

#[test]
fn rule_ids_are_stable() {
    let ids: Vec<_> = SchemaRule::ALL.iter().map(|rule| rule.id()).collect();
    assert_eq!(
        ids,
        [
            "cie-ubl-element-unexpected",
            "cie-ubl-element-missing",
            "cie-ubl-element-too-many",
            "cie-ubl-attribute-missing",
            "cie-ubl-attribute-unexpected",
            "cie-ubl-datatype",
        ]
    );
    for rule in SchemaRule::ALL {
        assert_eq!(SchemaRule::from_id(rule.id()), Some(rule));
    }
}

#[test]
fn hostile_documents_stay_cheap_and_bounded() {
    const OPEN: &str = "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\" \
        xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">";
    let started = std::time::Instant::now();

    let unknown = format!("{OPEN}{}</Invoice>", "<cbc:Foo a=\"1\"/>".repeat(30_000));
    let findings = check(&unknown);
    assert_eq!(findings.len(), 1000);
    assert_eq!(findings[999].location.path, "/Invoice/cbc:Foo[1000]");

    let misordered = format!(
        "{OPEN}{}<cbc:ID>1</cbc:ID></Invoice>",
        "<cbc:IssueDate>2023-10-24</cbc:IssueDate>".repeat(30_000)
    );
    assert_eq!(check(&misordered).len(), 1000);

    let attributes = format!(
        "{OPEN}<cbc:ID>1</cbc:ID><cbc:IssueDate {}>2023-10-24</cbc:IssueDate></Invoice>",
        (0..2_000)
            .map(|n| format!("a{n}=\"\""))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let limits = cie_schema::Limits {
        max_attributes: 2_000,
        ..cie_schema::Limits::default()
    };
    let findings = cie_schema::check_with(attributes.as_bytes(), &limits).expect("checkable");
    assert_eq!(findings.len(), 1000);
    assert!(matches!(
        cie_schema::check(attributes.as_bytes()),
        Err(cie_schema::SchemaError::Unreadable(
            XmlError::TooManyAttributes {
                count: 2_000,
                limit: 256,
                ..
            }
        ))
    ));

    let deep = format!(
        "{OPEN}{}{}</Invoice>",
        "<cbc:Foo>".repeat(30_000),
        "</cbc:Foo>".repeat(30_000)
    );
    assert!(matches!(
        cie_schema::check(deep.as_bytes()),
        Err(SchemaError::Unreadable(XmlError::TooDeep { limit: 64, .. }))
    ));
    let unbounded = cie_schema::Limits {
        max_depth: 40_000,
        ..cie_schema::Limits::default()
    };
    let findings = cie_schema::check_with(deep.as_bytes(), &unbounded).expect("checkable");
    assert!(!findings.is_empty());

    assert!(
        started.elapsed().as_secs() < 10,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn element_moved_to_the_end_is_one_finding_at_the_moved_element() {
    let id = "\t<cbc:ID>156</cbc:ID> <!-- IBT-001 - Invoice number -->\n";
    let xml = minimum_with(id, "").replacen("</Invoice>", "<cbc:ID>156</cbc:ID></Invoice>", 1);
    let finding = single(&xml);
    assert_at(
        &finding,
        SchemaRule::ElementUnexpected,
        "/Invoice/cbc:ID[1]",
        153,
    );
    assert_eq!(
        finding.message_en,
        "Element cbc:ID is out of order: it must come before cbc:IssueDate"
    );
    assert_eq!(
        finding.message_ja,
        "要素cbc:IDの位置が正しくありません。cbc:IssueDateより前に記載してください。"
    );
}

#[test]
fn element_moved_ahead_of_several_siblings_is_one_finding_at_the_moved_element() {
    let xml = fixture(MINIMUM);
    let start = xml.find("\t<cac:InvoicePeriod>").expect("period");
    let end =
        xml.find("</cac:InvoicePeriod>").expect("period end") + "</cac:InvoicePeriod>\n".len();
    let period = &xml[start..end];
    let without = format!("{}{}", &xml[..start], &xml[end..]);
    let type_code = "\t<cbc:InvoiceTypeCode>";
    let moved = without.replacen(type_code, &format!("{period}{type_code}"), 1);
    let finding = single(&moved);
    assert_at(
        &finding,
        SchemaRule::ElementUnexpected,
        "/Invoice/cac:InvoicePeriod[1]",
        12,
    );
    assert_eq!(
        finding.message_en,
        "Element cac:InvoicePeriod is out of order: it must come after cbc:InvoiceTypeCode, \
         cbc:DocumentCurrencyCode, which follow it here"
    );
}

#[test]
fn many_attributes_are_checked_in_linear_time_and_duplicates_still_refused() {
    const OPEN: &str = "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\" \
        xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">";
    let with = |count: usize, last: &str| {
        let attributes: String = (0..count - 1).map(|n| format!(" a{n}=\"\"")).collect();
        format!("{OPEN}<cbc:ID{attributes} {last}=\"\">1</cbc:ID></Invoice>")
    };
    let limits = cie_schema::Limits {
        max_attributes: 200_000,
        ..cie_schema::Limits::default()
    };
    let error = cie_schema::check(with(100_000, "z").as_bytes()).unwrap_err();
    assert!(
        error.to_string().contains("<cbc:ID>") && error.to_string().contains("100000 attributes"),
        "{error}"
    );
    assert!(cie_schema::check_with(with(200_000, "z").as_bytes(), &limits).is_ok());
    let error = cie_schema::check_with(with(200_000, "a7").as_bytes(), &limits).unwrap_err();
    assert!(
        error.to_string().contains("duplicate attribute `a7`"),
        "{error}"
    );
    let error = cie_schema::check(with(3, "a1").as_bytes()).unwrap_err();
    assert!(
        error.to_string().contains("duplicate attribute `a1`"),
        "{error}"
    );
}

#[test]
fn only_well_formed_xml_1_0_is_checkable() {
    const OPEN: &str = "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\" \
        xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">";
    for (text, expected) in [
        ("a\u{0}", "U+0000"),
        ("a\u{1}", "U+0001"),
        ("a\u{1B}", "U+001B"),
        ("a\u{FFFF}", "U+FFFF"),
        ("a]]>", "]]>"),
    ] {
        let xml = format!("{OPEN}\n<cbc:ID>{text}</cbc:ID></Invoice>");
        let error = cie_schema::check(xml.as_bytes()).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("line 2, column 10") && message.contains(expected),
            "{expected}: {message}"
        );
    }
    let error = cie_schema::check(format!("<?xml version=\"1.1\"?>{OPEN}</Invoice>").as_bytes())
        .unwrap_err();
    assert!(error.to_string().contains("\"1.1\""), "{error}");
}

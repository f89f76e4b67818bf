//! Invoice responses (Peppol T111): one test per status code, then every refusal.

use cie_compose::{
    ActionCode, ComposeError, InvoiceReference, InvoiceResponse, ReasonCode, ResponseParty,
    ResponseStatus, StatusAction, StatusCondition, StatusReason, invoice_response,
};
use cie_domain::{DocumentKind, Profile, ReferenceKind};
use cie_rules::post_award::Transaction;
use cie_xpath::Document;

use crate::support::{
    CITY_NUMBER, SUPPLIER_NUMBER, assert_post_award_clean, assert_refused, city_contact, date,
    endpoint, read_back,
};

fn response(status: ResponseStatus) -> InvoiceResponse {
    InvoiceResponse {
        id: "IR-2025-0001".to_owned(),
        issue_date: date("2025-04-10"),
        issue_time: None,
        note: None,
        sender: ResponseParty {
            name: "東久留米市".to_owned(),
            endpoint: endpoint(CITY_NUMBER),
            contact: None,
        },
        receiver: ResponseParty {
            name: "株式会社〇〇商事".to_owned(),
            endpoint: endpoint(SUPPLIER_NUMBER),
            contact: None,
        },
        invoice: InvoiceReference {
            id: "INV-2025-031".to_owned(),
            issue_date: Some(date("2025-03-31")),
            type_code: "380".to_owned(),
        },
        status,
        effective_date: None,
        reasons: Vec::new(),
        actions: Vec::new(),
    }
}

fn reason(code: ReasonCode, text: Option<&str>) -> StatusReason {
    StatusReason {
        code,
        text: text.map(str::to_owned),
        conditions: Vec::new(),
    }
}

fn action(code: ActionCode) -> StatusAction {
    StatusAction {
        code,
        text: None,
        conditions: Vec::new(),
    }
}

fn condition(attribute: &str, description: &str) -> StatusCondition {
    StatusCondition {
        attribute: attribute.to_owned(),
        description: Some(description.to_owned()),
    }
}

/// Writes `input`, passes it through every reader and checker, and checks what intake sees.
fn compose_and_check(input: &InvoiceResponse) -> (String, Document) {
    let xml = invoice_response(input).expect("a valid invoice response");
    let summary = read_back(&xml);
    assert_eq!(summary.kind, DocumentKind::InvoiceResponse);
    assert_eq!(summary.profile, Profile::PeppolInvoiceResponse);
    assert_eq!(summary.number, input.id);
    assert_eq!(summary.issue_date, input.issue_date);
    assert_eq!(summary.type_code.as_deref(), Some(input.status.code()));
    assert_eq!(
        summary.buyer.name.as_deref(),
        Some(input.sender.name.as_str())
    );
    assert_eq!(summary.buyer.endpoint_id.as_deref(), Some(CITY_NUMBER));
    assert_eq!(summary.buyer.endpoint_scheme.as_deref(), Some("0188"));
    assert_eq!(
        summary.supplier.name.as_deref(),
        Some(input.receiver.name.as_str())
    );
    assert_eq!(
        summary.supplier.endpoint_id.as_deref(),
        Some(SUPPLIER_NUMBER)
    );
    assert!(
        summary
            .references
            .iter()
            .any(|r| r.kind == ReferenceKind::Invoice && r.number == input.invoice.id),
        "{:?}",
        summary.references
    );
    assert_post_award_clean(&xml, Transaction::InvoiceResponse);
    let document = Document::parse(xml.as_bytes()).expect("well-formed");
    (xml, document)
}

/// `(listID, code, reason text)` of every `cac:Status`, in document order.
fn statuses(xml: &str) -> Vec<(String, String, Option<String>)> {
    let document = Document::parse(xml.as_bytes()).expect("well-formed");
    let cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
    let cac = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
    let root = document.document_element().expect("root");
    let response = document
        .child_named(root, cac, "DocumentResponse")
        .and_then(|r| document.child_named(r, cac, "Response"))
        .expect("response");
    document
        .element_children_named(response, cac, "Status")
        .map(|status| {
            let code = document
                .child_named(status, cbc, "StatusReasonCode")
                .expect("status reason code");
            (
                document
                    .attribute(code, "", "listID")
                    .expect("listID")
                    .to_owned(),
                document.string_value(code).to_string(),
                document
                    .child_named(status, cbc, "StatusReason")
                    .map(|text| document.string_value(text).to_string()),
            )
        })
        .collect()
}

fn owned(list: &str, code: &str, text: Option<&str>) -> (String, String, Option<String>) {
    (list.to_owned(), code.to_owned(), text.map(str::to_owned))
}

#[test]
fn acknowledged_ab_is_the_bare_response() {
    let (xml, _) = compose_and_check(&response(ResponseStatus::Acknowledged));
    assert!(xml.contains("<cbc:ResponseCode>AB</cbc:ResponseCode>"));
    assert!(xml.contains(
        "<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:invoice_response:3</cbc:CustomizationID>"
    ));
    assert!(
        xml.contains(
            "<cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:invoice_response:3</cbc:ProfileID>"
        )
    );
    assert!(xml.contains("<cbc:EndpointID schemeID=\"0188\">7000012050002</cbc:EndpointID>"));
    assert!(xml.contains("<cbc:IssueDate>2025-03-31</cbc:IssueDate>"));
    assert!(xml.contains("<cbc:DocumentTypeCode>380</cbc:DocumentTypeCode>"));
    assert!(statuses(&xml).is_empty());
}

#[test]
fn in_process_ip_carries_effective_date_and_a_no_action_with_our_reference() {
    let mut input = response(ResponseStatus::InProcess);
    input.effective_date = Some(date("2025-04-09"));
    input.actions = vec![StatusAction {
        code: ActionCode::NoAction,
        text: None,
        conditions: vec![condition("Buyer process reference", "R7-会計-0042")],
    }];
    let (xml, _) = compose_and_check(&input);
    assert!(xml.contains("<cbc:ResponseCode>IP</cbc:ResponseCode>"));
    assert!(xml.contains("<cbc:EffectiveDate>2025-04-09</cbc:EffectiveDate>"));
    assert!(xml.contains("<cbc:AttributeID>Buyer process reference</cbc:AttributeID>"));
    assert!(xml.contains("<cbc:Description>R7-会計-0042</cbc:Description>"));
    assert_eq!(statuses(&xml), [owned("OPStatusAction", "NOA", None)]);
}

#[test]
fn under_query_uq_asks_for_the_missing_order_number() {
    let mut input = response(ResponseStatus::UnderQuery);
    input.effective_date = Some(date("2025-04-10"));
    input.reasons = vec![StatusReason {
        code: ReasonCode::References,
        text: Some("発注番号の記載がありません。".to_owned()),
        conditions: vec![condition("BT-13", "PO-2025-0815")],
    }];
    input.actions = vec![action(ActionCode::ProvideInformation)];
    let (xml, _) = compose_and_check(&input);
    assert!(xml.contains("<cbc:ResponseCode>UQ</cbc:ResponseCode>"));
    assert_eq!(
        statuses(&xml),
        [
            owned(
                "OPStatusReason",
                "REF",
                Some("発注番号の記載がありません。")
            ),
            owned("OPStatusAction", "PIN", None),
        ]
    );
}

#[test]
fn conditionally_accepted_ca_states_the_new_due_date() {
    let mut input = response(ResponseStatus::ConditionallyAccepted);
    input.reasons = vec![StatusReason {
        code: ReasonCode::PaymentTerms,
        text: None,
        conditions: vec![condition("BT-9", "2025-05-30")],
    }];
    let (xml, _) = compose_and_check(&input);
    assert!(xml.contains("<cbc:ResponseCode>CA</cbc:ResponseCode>"));
    assert!(xml.contains("<cbc:AttributeID>BT-9</cbc:AttributeID>"));
    assert_eq!(statuses(&xml), [owned("OPStatusReason", "PAY", None)]);
}

#[test]
fn rejected_re_gives_reasons_and_asks_for_a_credit_note_and_a_new_invoice() {
    let mut input = response(ResponseStatus::Rejected);
    input.note = Some("差し戻します。詳細は会計課までお問い合わせください。".to_owned());
    input.sender.contact = Some(city_contact());
    input.reasons = vec![
        reason(ReasonCode::Prices, Some("単価が契約単価と異なります")),
        reason(ReasonCode::Legal, Some("登録番号が誤っています")),
    ];
    input.actions = vec![
        action(ActionCode::CreditFully),
        action(ActionCode::NewInvoice),
    ];
    let (xml, document) = compose_and_check(&input);
    assert!(xml.contains("<cbc:ResponseCode>RE</cbc:ResponseCode>"));
    assert!(xml.contains("<cbc:ElectronicMail>keiyaku@city.example.jp</cbc:ElectronicMail>"));
    assert_eq!(
        statuses(&xml),
        [
            owned("OPStatusReason", "PRI", Some("単価が契約単価と異なります")),
            owned("OPStatusReason", "LEG", Some("登録番号が誤っています")),
            owned("OPStatusAction", "CNF", None),
            owned("OPStatusAction", "NIN", None),
        ]
    );
    let root = document.document_element().expect("root");
    let note = document
        .child_named(
            root,
            "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
            "Note",
        )
        .expect("note");
    assert_eq!(
        document.string_value(note).as_ref() as &str,
        input.note.as_deref().expect("note")
    );
}

#[test]
fn accepted_ap_with_issue_time_and_a_credit_note_reference() {
    let mut input = response(ResponseStatus::Accepted);
    input.issue_time = Some("09:30:00".parse().expect("time"));
    input.invoice.type_code = "381".to_owned();
    input.invoice.issue_date = None;
    input.actions = vec![StatusAction {
        code: ActionCode::Other,
        text: Some("支払予定日は5月30日です".to_owned()),
        conditions: Vec::new(),
    }];
    let (xml, _) = compose_and_check(&input);
    assert!(xml.contains("<cbc:ResponseCode>AP</cbc:ResponseCode>"));
    assert!(xml.contains("<cbc:IssueTime>09:30:00</cbc:IssueTime>"));
    assert!(xml.contains("<cbc:DocumentTypeCode>381</cbc:DocumentTypeCode>"));
    assert!(!xml.contains("<cbc:IssueDate>2025-03-31</cbc:IssueDate>"));
    assert_eq!(
        statuses(&xml),
        [owned(
            "OPStatusAction",
            "OTH",
            Some("支払予定日は5月30日です")
        )]
    );
}

#[test]
fn paid_pd_carries_the_payment_date() {
    let mut input = response(ResponseStatus::Paid);
    input.effective_date = Some(date("2025-05-30"));
    let (xml, _) = compose_and_check(&input);
    assert!(xml.contains("<cbc:ResponseCode>PD</cbc:ResponseCode>"));
    assert!(xml.contains("<cbc:EffectiveDate>2025-05-30</cbc:EffectiveDate>"));
    assert!(statuses(&xml).is_empty());
}

#[test]
fn paid_pd_may_say_partially_paid() {
    let mut input = response(ResponseStatus::Paid);
    input.reasons = vec![reason(
        ReasonCode::PartiallyPaid,
        Some("一部を支払いました"),
    )];
    let (xml, _) = compose_and_check(&input);
    assert_eq!(
        statuses(&xml),
        [owned("OPStatusReason", "PPD", Some("一部を支払いました"))]
    );
}

#[test]
fn every_status_code_is_covered_and_round_trips_through_serde() {
    let codes: Vec<&str> = ResponseStatus::ALL.iter().map(|s| s.code()).collect();
    assert_eq!(codes, ["AB", "IP", "UQ", "CA", "RE", "AP", "PD"]);
    for status in ResponseStatus::ALL {
        let json = serde_json::to_string(&status).expect("serialisable");
        assert_eq!(json, format!("\"{}\"", status.code()));
        let back: ResponseStatus = serde_json::from_str(&json).expect("readable");
        assert_eq!(back, status);
    }
    let reasons: Vec<&str> = ReasonCode::ALL.iter().map(|c| c.code()).collect();
    assert_eq!(
        reasons,
        [
            "NON", "REF", "LEG", "REC", "QUA", "DEL", "PRI", "QTY", "ITM", "PAY", "UNR", "FIN",
            "PPD", "OTH"
        ]
    );
    for code in ReasonCode::ALL {
        let json = serde_json::to_string(&code).expect("serialisable");
        assert_eq!(json, format!("\"{}\"", code.code()));
    }
    let actions: Vec<&str> = ActionCode::ALL.iter().map(|c| c.code()).collect();
    assert_eq!(actions, ["NOA", "PIN", "NIN", "CNF", "CNP", "CNA", "OTH"]);
    for code in ActionCode::ALL {
        let json = serde_json::to_string(&code).expect("serialisable");
        assert_eq!(json, format!("\"{}\"", code.code()));
    }
}

#[test]
fn every_reason_is_written_under_every_status_that_admits_it() {
    for status in ResponseStatus::ALL {
        for code in ReasonCode::ALL {
            let mut input = response(status);
            input.reasons = vec![reason(code, None)];
            let result = invoice_response(&input);
            if code == ReasonCode::PartiallyPaid && status.admits_reason(code) {
                assert!(
                    matches!(&result, Err(ComposeError::Missing { field }) if field == "reasons[0].text"),
                    "a partial payment states how much (PEPPOL-T111-R004): {result:?}"
                );
                input.reasons = vec![reason(code, Some("3万円を支払済み"))];
                compose_and_check(&input);
            } else if status.admits_reason(code) {
                let (xml, _) = compose_and_check(&input);
                assert_eq!(statuses(&xml), [owned("OPStatusReason", code.code(), None)]);
            } else {
                assert!(
                    matches!(result, Err(ComposeError::CodeNotAllowed { .. })),
                    "{status:?} {code:?}: {result:?}"
                );
            }
        }
    }
}

#[test]
fn markup_in_texts_is_escaped_and_read_back_unchanged() {
    let mut input = response(ResponseStatus::Rejected);
    let text = "金額 < 0 & \"税\" > 'x' ]]> <!-- -->";
    input.note = Some(text.to_owned());
    input.reasons = vec![reason(ReasonCode::Other, Some(text))];
    input.receiver.name = "A&B <株>".to_owned();
    let (xml, _) = compose_and_check(&input);
    assert_eq!(statuses(&xml)[0].2.as_deref(), Some(text));
    assert!(xml.contains("<cbc:RegistrationName>A&amp;B &lt;株&gt;</cbc:RegistrationName>"));
}

#[test]
fn output_is_deterministic() {
    let mut input = response(ResponseStatus::UnderQuery);
    input.reasons = vec![reason(ReasonCode::Quantity, Some("数量"))];
    let first = invoice_response(&input).expect("valid");
    let second = invoice_response(&input.clone()).expect("valid");
    assert_eq!(first, second);
    assert!(first.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ApplicationResponse"));
}

#[test]
fn other_endpoint_schemes_are_kept() {
    let mut input = response(ResponseStatus::Accepted);
    input.receiver.endpoint.scheme = "0088".to_owned();
    input.receiver.endpoint.id = "4912345000002".to_owned();
    let xml = invoice_response(&input).expect("valid");
    assert!(xml.contains("<cbc:EndpointID schemeID=\"0088\">4912345000002</cbc:EndpointID>"));
    assert_post_award_clean(&xml, Transaction::InvoiceResponse);
}

#[test]
fn refuses_an_empty_response_number() {
    let mut input = response(ResponseStatus::Accepted);
    input.id = "  ".to_owned();
    assert_refused(invoice_response(&input), "id", "id must not be empty");
}

#[test]
fn refuses_an_empty_invoice_number() {
    let mut input = response(ResponseStatus::Accepted);
    input.invoice.id = String::new();
    assert_refused(
        invoice_response(&input),
        "invoice.id",
        "invoice.id must not be empty",
    );
}

#[test]
fn refuses_a_malformed_invoice_type_code() {
    let mut input = response(ResponseStatus::Accepted);
    input.invoice.type_code = "INV".to_owned();
    assert_refused(
        invoice_response(&input),
        "invoice.type_code",
        "invoice.type_code: \"INV\" is not a UNCL1001 document type code (three digits, e.g. 380)",
    );
}

#[test]
fn refuses_rejection_and_query_and_conditional_acceptance_without_reason() {
    for status in [
        ResponseStatus::Rejected,
        ResponseStatus::UnderQuery,
        ResponseStatus::ConditionallyAccepted,
    ] {
        let mut input = response(status);
        input.actions = vec![action(ActionCode::NewInvoice)];
        assert_refused(
            invoice_response(&input),
            "reasons",
            &format!(
                "reasons: response status {} needs at least one reason",
                status.code()
            ),
        );
    }
}

#[test]
fn refuses_reasons_with_statuses_that_report_no_problem() {
    let mut input = response(ResponseStatus::Accepted);
    input.reasons = vec![reason(ReasonCode::References, None)];
    assert_refused(
        invoice_response(&input),
        "reasons[0].code",
        "reasons[0].code: code REF is not allowed with response status AP",
    );
    let mut input = response(ResponseStatus::Rejected);
    input.reasons = vec![
        reason(ReasonCode::Prices, None),
        reason(ReasonCode::PartiallyPaid, None),
    ];
    assert_refused(
        invoice_response(&input),
        "reasons[1].code",
        "reasons[1].code: code PPD is not allowed with response status RE",
    );
}

#[test]
fn refuses_requests_to_the_supplier_with_statuses_that_need_nothing_from_it() {
    for (status, code) in [
        (ResponseStatus::Accepted, ActionCode::NewInvoice),
        (ResponseStatus::Paid, ActionCode::CreditAmount),
        (ResponseStatus::InProcess, ActionCode::ProvideInformation),
        (ResponseStatus::Acknowledged, ActionCode::CreditPartially),
    ] {
        let mut input = response(status);
        input.actions = vec![action(ActionCode::NoAction), action(code)];
        assert_refused(
            invoice_response(&input),
            "actions[1].code",
            &format!(
                "actions[1].code: code {} is not allowed with response status {}",
                code.code(),
                status.code()
            ),
        );
    }
}

#[test]
fn refuses_a_malformed_endpoint_but_answers_any_thirteen_digit_corporate_number() {
    let mut input = response(ResponseStatus::Accepted);
    input.sender.endpoint.scheme = "188".to_owned();
    assert_refused(
        invoice_response(&input),
        "sender.endpoint.scheme",
        "sender.endpoint.scheme: \"188\" is not a Peppol EAS code (four digits such as 0188, or two capital letters)",
    );
    let mut input = response(ResponseStatus::Accepted);
    input.receiver.endpoint.id = "401100109899".to_owned();
    assert_refused(
        invoice_response(&input),
        "receiver.endpoint.id",
        "receiver.endpoint.id: \"401100109899\" is not a 13-digit corporate number (法人番号)",
    );
    // The address a received invoice gave is answered as given, check digit or not.
    let mut input = response(ResponseStatus::Accepted);
    input.receiver.endpoint.id = "4011001098994".to_owned();
    assert!(invoice_response(&input).is_ok());
}

#[test]
fn refuses_control_characters_and_blank_optional_texts() {
    let mut input = response(ResponseStatus::Rejected);
    input.reasons = vec![reason(ReasonCode::Other, Some("bell\u{7}"))];
    assert_refused(
        invoice_response(&input),
        "reasons[0].text",
        "reasons[0].text contains a control character XML cannot carry",
    );
    let mut input = response(ResponseStatus::Accepted);
    input.note = Some(" ".to_owned());
    assert_refused(invoice_response(&input), "note", "note must not be empty");
}

#[test]
fn refuses_a_condition_without_attribute_and_an_empty_contact() {
    let mut input = response(ResponseStatus::UnderQuery);
    input.reasons = vec![StatusReason {
        code: ReasonCode::References,
        text: None,
        conditions: vec![condition("", "PO-1")],
    }];
    assert_refused(
        invoice_response(&input),
        "reasons[0].conditions[0].attribute",
        "reasons[0].conditions[0].attribute must not be empty",
    );
    let mut input = response(ResponseStatus::Accepted);
    input.sender.contact = Some(cie_compose::Contact {
        name: None,
        telephone: None,
        email: None,
    });
    assert_refused(
        invoice_response(&input),
        "sender.contact",
        "sender.contact must not be empty",
    );
}

#[test]
fn refuses_a_party_without_name() {
    let mut input = response(ResponseStatus::Accepted);
    input.receiver.name = "\n".to_owned();
    assert_refused(
        invoice_response(&input),
        "receiver.name",
        "receiver.name must not be empty",
    );
}

//! The inputs as they arrive over HTTP: JSON with defaults, decimals as strings or integers, and
//! refusals of unknown fields, JSON fractions and unknown codes.

use cie_compose::{
    AccountType, DespatchAdvice, Invoice, InvoiceResponse, InvoiceTaxCategory, LineResponseStatus,
    Order, OrderResponse, OrderResponseStatus, Quotation, RequestForQuotation, ResponseStatus,
    TaxRounding, despatch_advice, invoice, invoice_response, invoice_totals, order, order_response,
    quotation, request_for_quotation,
};

use crate::support::decimal;

const ORDER_JSON: &str = r#"{
    "id": "PO-1",
    "issue_date": "2025-04-01",
    "buyer": {"name": "東久留米市", "endpoint": {"id": "7000012050002", "scheme": "0188"}},
    "seller": {"name": "株式会社〇〇商事", "endpoint": {"id": "4011001098993", "scheme": "0188"},
               "registration_number": "T4011001098993"},
    "lines": [
        {"id": "1", "item_name": "コピー用紙", "quantity": 20, "unit_code": "H87", "unit_price": "2980"},
        {"id": "2", "item_name": "飲料水", "quantity": "2.5", "unit_code": "KGM", "unit_price": 400,
         "tax_category": {"code": "AA", "percent": "8"}}
    ]
}"#;

#[test]
fn an_order_reads_with_defaults_and_both_decimal_forms() {
    let input: Order = serde_json::from_str(ORDER_JSON).expect("readable");
    assert_eq!(input.currency, "JPY");
    assert!(!input.response_requested);
    assert_eq!(input.lines[0].quantity, decimal("20"));
    assert_eq!(input.lines[1].quantity, decimal("2.5"));
    assert_eq!(input.lines[1].unit_price, decimal("400"));
    let xml = order(&input).expect("valid");
    assert!(xml.contains("<cbc:PayableAmount currencyID=\"JPY\">60600</cbc:PayableAmount>"));
}

#[test]
fn inputs_round_trip_through_json_with_decimals_as_strings() {
    let input: Order = serde_json::from_str(ORDER_JSON).expect("readable");
    let json = serde_json::to_value(&input).expect("serialisable");
    assert_eq!(json["lines"][1]["quantity"], "2.5");
    assert_eq!(json["lines"][0]["unit_price"], "2980");
    assert_eq!(json["lines"][1]["tax_category"]["percent"], "8");
    let back: Order = serde_json::from_value(json).expect("readable again");
    assert_eq!(back, input);
}

#[test]
fn json_fractions_are_refused() {
    let json = ORDER_JSON.replace("\"quantity\": \"2.5\"", "\"quantity\": 2.5");
    let error = serde_json::from_str::<Order>(&json).expect_err("a float");
    assert!(
        error.to_string().contains("write it as a string"),
        "{error}"
    );
    let json = ORDER_JSON.replace("\"percent\": \"8\"", "\"percent\": 8.0");
    assert!(serde_json::from_str::<Order>(&json).is_err());
    let json = ORDER_JSON.replace("\"quantity\": \"2.5\"", "\"quantity\": \"2.5e0\"");
    assert!(serde_json::from_str::<Order>(&json).is_err());
}

#[test]
fn unknown_fields_are_refused_at_every_level() {
    let top = ORDER_JSON.replacen("\"id\": \"PO-1\",", "\"id\": \"PO-1\", \"total\": 1,", 1);
    assert!(serde_json::from_str::<Order>(&top).is_err());
    let nested = ORDER_JSON.replace(
        "\"unit_code\": \"H87\"",
        "\"unit_code\": \"H87\", \"vat\": 1",
    );
    let error = serde_json::from_str::<Order>(&nested).expect_err("unknown field");
    assert!(error.to_string().contains("unknown field `vat`"), "{error}");
}

const RESPONSE_JSON: &str = r#"{
    "id": "IR-1",
    "issue_date": "2025-04-10",
    "sender": {"name": "東久留米市", "endpoint": {"id": "7000012050002", "scheme": "0188"}},
    "receiver": {"name": "株式会社〇〇商事", "endpoint": {"id": "4011001098993", "scheme": "0188"}},
    "invoice": {"id": "INV-1"},
    "status": "UQ",
    "reasons": [{"code": "QTY", "text": "数量が納品書と異なります",
                 "conditions": [{"attribute": "BT-129", "description": "2"}]}],
    "actions": [{"code": "CNP"}]
}"#;

#[test]
fn an_invoice_response_reads_codes_and_defaults_the_invoice_type() {
    let input: InvoiceResponse = serde_json::from_str(RESPONSE_JSON).expect("readable");
    assert_eq!(input.status, ResponseStatus::UnderQuery);
    assert_eq!(input.invoice.type_code, "380");
    let xml = invoice_response(&input).expect("valid");
    assert!(
        xml.contains("<cbc:StatusReasonCode listID=\"OPStatusReason\">QTY</cbc:StatusReasonCode>")
    );
    assert!(
        xml.contains("<cbc:StatusReasonCode listID=\"OPStatusAction\">CNP</cbc:StatusReasonCode>")
    );
}

#[test]
fn unknown_status_reason_and_action_codes_are_refused() {
    for (from, to) in [
        ("\"status\": \"UQ\"", "\"status\": \"XX\""),
        ("\"code\": \"QTY\"", "\"code\": \"qty\""),
        ("\"code\": \"CNP\"", "\"code\": \"CRE\""),
    ] {
        let json = RESPONSE_JSON.replace(from, to);
        assert!(
            serde_json::from_str::<InvoiceResponse>(&json).is_err(),
            "{to}"
        );
    }
}

#[test]
fn a_request_for_quotation_needs_its_issue_time() {
    let json = r#"{
        "id": "RFQ-1",
        "issue_date": "2025-04-01",
        "issue_time": "09:00:00",
        "buyer": {"name": "東久留米市"},
        "seller": {"name": "株式会社〇〇商事"},
        "lines": [{"id": "1", "item_name": "机", "quantity": 10, "unit_code": "H87"}]
    }"#;
    let input: RequestForQuotation = serde_json::from_str(json).expect("readable");
    assert_eq!(input.currency, "JPY");
    request_for_quotation(&input).expect("valid");
    let without_time = json.replace("\"issue_time\": \"09:00:00\",", "");
    let error = serde_json::from_str::<RequestForQuotation>(&without_time).expect_err("no time");
    assert!(
        error.to_string().contains("missing field `issue_time`"),
        "{error}"
    );
}

const INVOICE_JSON: &str = r#"{
    "id": "INV-1",
    "issue_date": "2025-04-30",
    "delivery_date": "2025-04-25",
    "seller": {"name": "株式会社〇〇商事", "endpoint": {"id": "4011001098993", "scheme": "0188"},
               "registration_number": "T4011001098993",
               "address": {"city_name": "東久留米市", "street_name": "本町1-2-3"}},
    "buyer": {"name": "東久留米市", "endpoint": {"id": "7000012050002", "scheme": "0188"},
              "address": {"city_name": "東久留米市"}},
    "bank_account": {"bank_code": "0009", "branch_code": "123", "account_type": "当座",
                     "account_number": "1234567", "account_name": "ｶ)ﾏﾙﾏﾙｼﾖｳｼﾞ"},
    "attachments": [{"filename": "納品書.csv", "mime_code": "text/csv", "description": "納品書",
                     "content": "5ZOB5ZCNLOaVsOmHjwo="}],
    "lines": [
        {"id": "1", "item_name": "弁当", "quantity": 3, "unit_code": "EA", "unit_price": "105",
         "tax_category": "AA"},
        {"id": "2", "item_name": "配達", "quantity": "1", "unit_code": "C62", "unit_price": 500,
         "tax_category": "S", "despatch_reference": "DN-1"}
    ]
}"#;

#[test]
fn an_invoice_reads_with_defaults_codes_and_base64_content() {
    let input: Invoice = serde_json::from_str(INVOICE_JSON).expect("readable");
    assert_eq!(input.currency, "JPY");
    assert_eq!(input.tax_rounding, TaxRounding::Down);
    assert_eq!(input.lines[0].tax_category, InvoiceTaxCategory::Reduced);
    let account = input.bank_account.as_ref().expect("an account");
    assert_eq!(account.account_type, AccountType::Current);
    assert_eq!(input.attachments[0].content, "品名,数量\n".as_bytes());
    let xml = invoice(&input).expect("valid");
    assert!(xml.contains(">5ZOB5ZCNLOaVsOmHjwo=</cbc:EmbeddedDocumentBinaryObject>"));
    assert!(xml.contains("<cbc:ID>0009:123:2:1234567</cbc:ID>"));
    assert!(xml.contains("<cbc:PayableAmount currencyID=\"JPY\">890</cbc:PayableAmount>"));

    let json = serde_json::to_value(&input).expect("serialisable");
    assert_eq!(json["attachments"][0]["content"], "5ZOB5ZCNLOaVsOmHjwo=");
    assert_eq!(json["lines"][0]["tax_category"], "AA");
    assert_eq!(json["bank_account"]["account_type"], "当座");
    assert_eq!(json["tax_rounding"], "down");
    let back: Invoice = serde_json::from_value(json).expect("readable again");
    assert_eq!(back, input);
}

#[test]
fn invoice_totals_travel_as_decimal_strings_for_the_form() {
    let mut input: Invoice = serde_json::from_str(INVOICE_JSON).expect("readable");
    input.currency = "EUR".to_owned();
    let json = serde_json::to_value(invoice_totals(&input).expect("totals")).expect("serialisable");
    assert_eq!(json["line_amounts"][0], "315.00");
    assert_eq!(json["tax_breakdown"][0]["category"], "S");
    assert_eq!(json["tax_breakdown"][0]["percent"], "10");
    assert_eq!(json["tax_breakdown"][1]["tax"], "25.20");
    assert_eq!(json["payable"], "890.20");
}

#[test]
fn unknown_invoice_codes_and_bad_base64_are_refused() {
    for (from, to) in [
        ("\"tax_category\": \"AA\"", "\"tax_category\": \"Z\""),
        ("\"tax_category\": \"S\"", "\"tax_category\": \"10%\""),
        (
            "\"account_type\": \"当座\"",
            "\"account_type\": \"checking\"",
        ),
        ("5ZOB5ZCNLOaVsOmHjwo=", "5ZOB5ZCNLOaVsOmHjwo"),
        (
            "\"id\": \"INV-1\",",
            "\"id\": \"INV-1\", \"tax_rounding\": \"nearest\",",
        ),
        ("\"quantity\": 3", "\"quantity\": 3.0"),
        (
            "\"id\": \"INV-1\",",
            "\"id\": \"INV-1\", \"total\": \"890\",",
        ),
    ] {
        let json = INVOICE_JSON.replace(from, to);
        assert_ne!(json, INVOICE_JSON, "{from}");
        assert!(serde_json::from_str::<Invoice>(&json).is_err(), "{to}");
    }
}

const QUOTATION_JSON: &str = r#"{
    "id": "Q-1",
    "issue_date": "2025-04-03",
    "request_id": "RFQ-1",
    "validity_period": {"end": "2025-04-30"},
    "seller": {"name": "株式会社〇〇商事", "registration_number": "T4011001098993"},
    "buyer": {"name": "東久留米市"},
    "lines": [
        {"id": "1", "item_name": "机", "quantity": 10, "unit_code": "H87", "unit_price": "15000",
         "tax_category": {"code": "S", "percent": 10}},
        {"id": "2", "item_name": "お茶", "quantity": "24", "unit_code": "EA", "unit_price": 98,
         "tax_category": {"code": "AA", "percent": "8"}}
    ]
}"#;

#[test]
fn a_quotation_reads_with_defaults_and_needs_its_tax_category() {
    let input: Quotation = serde_json::from_str(QUOTATION_JSON).expect("readable");
    assert_eq!(input.currency, "JPY");
    assert_eq!(input.lines[1].unit_price, decimal("98"));
    let xml = quotation(&input).expect("valid");
    assert!(xml.contains("<cbc:PayableAmount currencyID=\"JPY\">167540</cbc:PayableAmount>"));
    let json = serde_json::to_value(&input).expect("serialisable");
    assert_eq!(json["lines"][0]["tax_category"]["percent"], "10");
    let without_category = QUOTATION_JSON.replace(
        ",\n         \"tax_category\": {\"code\": \"S\", \"percent\": 10}",
        "",
    );
    assert_ne!(without_category, QUOTATION_JSON);
    let error = serde_json::from_str::<Quotation>(&without_category).expect_err("no category");
    assert!(
        error.to_string().contains("missing field `tax_category`"),
        "{error}"
    );
}

const ORDER_RESPONSE_JSON: &str = r#"{
    "id": "OR-1",
    "issue_date": "2025-04-02",
    "status": "CA",
    "order_id": "PO-1",
    "seller": {"name": "株式会社〇〇商事", "endpoint": {"id": "4011001098993", "scheme": "0188"}},
    "buyer": {"name": "東久留米市", "endpoint": {"id": "7000012050002", "scheme": "0188"}},
    "lines": [
        {"order_line_id": "1", "status": "5", "item_name": "コピー用紙"},
        {"order_line_id": "2", "status": "3", "item_name": "飲料水", "quantity": "2.5",
         "unit_code": "KGM", "unit_price": 400}
    ]
}"#;

#[test]
fn an_order_response_reads_status_codes_and_defaults() {
    let input: OrderResponse = serde_json::from_str(ORDER_RESPONSE_JSON).expect("readable");
    assert_eq!(input.status, OrderResponseStatus::AcceptedWithChanges);
    assert_eq!(input.lines[1].status, LineResponseStatus::Changed);
    assert_eq!(input.lines[1].quantity, Some(decimal("2.5")));
    assert_eq!(input.currency, "JPY");
    let xml = order_response(&input).expect("valid");
    assert!(xml.contains("<cbc:Quantity unitCode=\"KGM\">2.5</cbc:Quantity>"));
    let back: OrderResponse =
        serde_json::from_value(serde_json::to_value(&input).expect("serialisable"))
            .expect("readable again");
    assert_eq!(back, input);
    for (from, to) in [
        ("\"status\": \"CA\"", "\"status\": \"AB\""),
        ("\"status\": \"5\"", "\"status\": 5"),
        ("\"status\": \"3\"", "\"status\": \"1\""),
        ("\"quantity\": \"2.5\"", "\"quantity\": 2.5"),
    ] {
        let json = ORDER_RESPONSE_JSON.replace(from, to);
        assert!(
            serde_json::from_str::<OrderResponse>(&json).is_err(),
            "{to}"
        );
    }
}

#[test]
fn a_despatch_advice_reads_and_refuses_unknown_fields() {
    let json = r#"{
        "id": "DN-1",
        "issue_date": "2025-04-14",
        "order_id": "PO-1",
        "supplier": {"name": "株式会社〇〇商事", "endpoint": {"id": "4011001098993", "scheme": "0188"}},
        "customer": {"name": "東久留米市", "endpoint": {"id": "7000012050002", "scheme": "0188"}},
        "despatch_date": "2025-04-14",
        "lines": [{"id": "1", "order_line_id": "1", "item_name": "机", "quantity": 10,
                   "unit_code": "H87", "seller_item_id": "DESK-1"}]
    }"#;
    let input: DespatchAdvice = serde_json::from_str(json).expect("readable");
    despatch_advice(&input).expect("valid");
    let unknown = json.replace(
        "\"quantity\": 10,",
        "\"quantity\": 10, \"delivered_on\": \"2025-04-15\",",
    );
    let error = serde_json::from_str::<DespatchAdvice>(&unknown).expect_err("unknown field");
    assert!(
        error.to_string().contains("unknown field `delivered_on`"),
        "{error}"
    );
}

//! Quotations: line amounts, tax computed once per rate and rounded down, the document read back,
//! and every refusal.

use cie_compose::{
    ComposeError, Period, QUOTATION_CUSTOMIZATION_ID, Quotation, QuotedLine, QuotedTaxSubtotal,
    TaxCategory, quotation, quotation_totals,
};
use cie_domain::{DocumentKind, DocumentReference, Profile, ReferenceKind};
use cie_xpath::Document;

use crate::support::{
    CITY_NUMBER, SUPPLIER_NUMBER, SUPPLIER_REGISTRATION, assert_refused, city, date, decimal,
    read_back, supplier,
};

fn category(code: &str, percent: Option<&str>) -> TaxCategory {
    TaxCategory {
        code: code.to_owned(),
        percent: percent.map(decimal),
    }
}

fn quoted(id: &str, name: &str, quantity: &str, unit_price: &str, percent: &str) -> QuotedLine {
    QuotedLine {
        id: id.to_owned(),
        request_line_id: None,
        item_name: name.to_owned(),
        seller_item_id: None,
        quantity: decimal(quantity),
        unit_code: "H87".to_owned(),
        unit_price: decimal(unit_price),
        tax_category: category(if percent == "8" { "AA" } else { "S" }, Some(percent)),
        note: None,
    }
}

/// Three lines at 10 % and one at 8 %: tax per line rounded down would give 99 + 11 = 110 at
/// 10 %, tax per rate gives 111; at 8 % 298 × 8 % = 23.84 is rounded down to 23, not up to 24.
fn stationery_quotation() -> Quotation {
    Quotation {
        id: "Q-2025-0042".to_owned(),
        issue_date: date("2025-04-03"),
        issue_time: None,
        request_id: "RFQ-2025-004".to_owned(),
        validity_period: Period {
            start: None,
            end: Some(date("2025-04-30")),
        },
        note: None,
        currency: "JPY".to_owned(),
        seller: supplier(),
        buyer: city(),
        lines: vec![
            quoted("1", "クリアファイル A4", "3", "333", "10"),
            quoted("2", "付箋", "1", "111", "10"),
            quoted("3", "お茶 500ml", "2", "149", "8"),
        ],
    }
}

/// Writes `input`, reads it back as intake does and checks what intake sees.
fn compose_and_check(input: &Quotation, line_extension: &str, tax: &str) -> String {
    let xml = quotation(input).expect("a valid quotation");
    let document = Document::parse(xml.as_bytes()).expect("well-formed");
    let summary = read_back(&xml);
    assert_eq!(summary.kind, DocumentKind::Quotation);
    assert_eq!(summary.profile, Profile::Ubl);
    assert_eq!(
        summary.customization_id.as_deref(),
        Some(QUOTATION_CUSTOMIZATION_ID)
    );
    assert_eq!(summary.number, input.id);
    assert_eq!(summary.issue_date, input.issue_date);
    assert_eq!(summary.currency.as_deref(), Some(input.currency.as_str()));
    assert_eq!(
        summary.supplier.name.as_deref(),
        Some(input.seller.name.as_str())
    );
    assert_eq!(
        summary.supplier.registration_number.as_deref(),
        input.seller.registration_number.as_deref()
    );
    assert_eq!(
        summary.buyer.name.as_deref(),
        Some(input.buyer.name.as_str())
    );
    assert_eq!(summary.buyer.endpoint_id.as_deref(), Some(CITY_NUMBER));
    assert_eq!(summary.line_count as usize, input.lines.len());
    assert_eq!(
        summary.references,
        [DocumentReference {
            kind: ReferenceKind::RequestForQuotation,
            number: input.request_id.clone(),
        }]
    );
    let (line_extension, tax) = (decimal(line_extension), decimal(tax));
    let value = |amount: &Option<cie_domain::Amount>| {
        let amount = amount.as_ref().expect("amount written");
        assert_eq!(amount.currency.as_deref(), Some(input.currency.as_str()));
        amount.value
    };
    assert_eq!(value(&summary.totals.line_extension), line_extension);
    assert_eq!(value(&summary.totals.tax_exclusive), line_extension);
    assert_eq!(value(&summary.totals.tax), tax);
    assert_eq!(value(&summary.totals.tax_inclusive), line_extension + tax);
    assert_eq!(value(&summary.totals.payable), line_extension + tax);
    let totals = quotation_totals(input).expect("totals");
    assert_eq!(summary.tax_breakdown.len(), totals.tax_subtotals.len());
    for (read, computed) in summary.tax_breakdown.iter().zip(&totals.tax_subtotals) {
        assert_eq!(read.category, computed.category);
        assert_eq!(read.percent, Some(computed.percent));
        assert_eq!(read.tax.value, computed.tax);
        assert_eq!(
            read.taxable.as_ref().map(|a| a.value),
            Some(computed.taxable)
        );
    }
    assert!(cie_rules::post_award::validate_post_award(&document).is_none());
    xml
}

#[test]
fn tax_is_computed_once_per_rate_and_rounded_down() {
    let input = stationery_quotation();
    let xml = compose_and_check(&input, "1408", "134");
    let totals = quotation_totals(&input).expect("totals");
    assert_eq!(
        totals.line_amounts,
        [decimal("999"), decimal("111"), decimal("298")]
    );
    assert_eq!(
        totals.tax_subtotals,
        [
            QuotedTaxSubtotal {
                category: "S".to_owned(),
                percent: decimal("10"),
                taxable: decimal("1110"),
                tax: decimal("111"),
            },
            QuotedTaxSubtotal {
                category: "AA".to_owned(),
                percent: decimal("8"),
                taxable: decimal("298"),
                tax: decimal("23"),
            },
        ]
    );
    assert_eq!(totals.tax, decimal("134"));
    assert_eq!(totals.tax_inclusive, decimal("1542"));
    assert!(xml.contains(
        "<cbc:CustomizationID>urn:city-invoice-exchange:quotation:1</cbc:CustomizationID>"
    ));
    assert!(!xml.contains("ProfileID"));
    assert!(xml.contains("<cbc:TaxAmount currencyID=\"JPY\">111</cbc:TaxAmount>"));
    assert!(xml.contains("<cbc:TaxAmount currencyID=\"JPY\">23</cbc:TaxAmount>"));
    assert!(xml.contains("<cbc:TaxableAmount currencyID=\"JPY\">1110</cbc:TaxableAmount>"));
    assert!(xml.contains("<cbc:PayableAmount currencyID=\"JPY\">1542</cbc:PayableAmount>"));
    assert!(
        xml.contains("<cbc:LineExtensionAmount currencyID=\"JPY\">999</cbc:LineExtensionAmount>")
    );
    assert!(xml.contains("<cbc:EndDate>2025-04-30</cbc:EndDate>"));
    assert!(xml.contains(&format!(
        "<cbc:CompanyID>{SUPPLIER_REGISTRATION}</cbc:CompanyID>"
    )));
    assert!(xml.contains(&format!(
        "<cbc:EndpointID schemeID=\"0188\">{SUPPLIER_NUMBER}</cbc:EndpointID>"
    )));
}

#[test]
fn half_a_yen_of_tax_is_dropped_not_rounded_up() {
    let mut input = stationery_quotation();
    input.lines = vec![quoted("1", "作業費", "1", "1005", "10")];
    compose_and_check(&input, "1005", "100");
}

#[test]
fn a_full_quotation_with_request_lines_item_numbers_and_notes() {
    let mut input = stationery_quotation();
    input.issue_time = Some("14:30:00".parse().expect("time"));
    input.note = Some("納期はご注文から2週間です。".to_owned());
    input.validity_period.start = Some(date("2025-04-03"));
    input.lines = vec![
        QuotedLine {
            request_line_id: Some("1".to_owned()),
            seller_item_id: Some("NB-14-16G".to_owned()),
            note: Some("メモリ16GB".to_owned()),
            ..quoted("1", "ノートパソコン", "35", "128000", "10")
        },
        QuotedLine {
            request_line_id: Some("3".to_owned()),
            unit_code: "HUR".to_owned(),
            ..quoted("2", "設置作業", "12.5", "6000", "10")
        },
        QuotedLine {
            tax_category: category("E", None),
            ..quoted("3", "収入印紙代", "1", "200", "10")
        },
    ];
    let xml = compose_and_check(&input, "4555200", "455500");
    assert!(xml.contains("<cbc:IssueTime>14:30:00</cbc:IssueTime>"));
    assert!(xml.contains("<cbc:StartDate>2025-04-03</cbc:StartDate>"));
    assert!(xml.contains("<cbc:RequestForQuotationLineID>3</cbc:RequestForQuotationLineID>"));
    assert!(xml.contains("<cbc:ID>NB-14-16G</cbc:ID>"));
    assert!(xml.contains("<cbc:Quantity unitCode=\"HUR\">12.5</cbc:Quantity>"));
    assert!(xml.contains("<cbc:Note>メモリ16GB</cbc:Note>"));
    let totals = quotation_totals(&input).expect("totals");
    assert_eq!(totals.tax_subtotals[1].category, "E");
    assert_eq!(totals.tax_subtotals[1].percent, decimal("0"));
    assert_eq!(totals.tax_subtotals[1].tax, decimal("0"));
}

#[test]
fn a_euro_quotation_rounds_tax_down_to_the_cent() {
    let mut input = stationery_quotation();
    input.currency = "EUR".to_owned();
    input.lines = vec![
        quoted("1", "Toner", "3", "12.35", "10"),
        quoted("2", "Coffee", "1", "4.99", "8"),
    ];
    let xml = compose_and_check(&input, "42.04", "4.09");
    assert!(xml.contains("<cbc:TaxAmount currencyID=\"EUR\">3.70</cbc:TaxAmount>"));
    assert!(xml.contains("<cbc:TaxAmount currencyID=\"EUR\">0.39</cbc:TaxAmount>"));
    assert!(xml.contains("<cbc:PricingCurrencyCode>EUR</cbc:PricingCurrencyCode>"));
}

#[test]
fn output_is_deterministic() {
    let input = stationery_quotation();
    assert_eq!(
        quotation(&input).expect("valid"),
        quotation(&input.clone()).expect("valid")
    );
}

#[test]
fn refuses_fractional_yen_line_amounts_instead_of_rounding() {
    let mut input = stationery_quotation();
    input.lines[1] = quoted("2", "付箋", "3", "10.5", "10");
    let error = assert_refused(
        quotation(&input),
        "lines[1]",
        "lines[1]: 31.5 JPY has more decimals than JPY allows (0); amounts are refused, not rounded",
    );
    assert!(matches!(
        error,
        ComposeError::FractionalAmount { minor_units: 0, .. }
    ));
    assert!(quotation_totals(&input).is_err());
}

#[test]
fn refuses_taxed_lines_without_rate_and_rates_on_untaxed_categories() {
    let mut input = stationery_quotation();
    input.lines[2].tax_category = category("AA", None);
    assert_refused(
        quotation(&input),
        "lines[2].tax_category.percent",
        "lines[2].tax_category.percent is required",
    );
    let mut input = stationery_quotation();
    input.lines[0].tax_category = category("E", Some("10"));
    assert_refused(
        quotation(&input),
        "lines[0].tax_category.percent",
        "lines[0].tax_category.percent: \"10\" is not 0 percent, as the category carries no tax (E, Z, O, G, K, AE)",
    );
    let mut input = stationery_quotation();
    input.lines[0].tax_category = category("10%", Some("10"));
    assert_refused(
        quotation(&input),
        "lines[0].tax_category.code",
        "lines[0].tax_category.code: \"10%\" is not a UNCL5305 tax category code (e.g. S, AA, E, Z, O)",
    );
}

#[test]
fn refuses_a_validity_that_ends_before_the_issue_date_or_is_empty() {
    let mut input = stationery_quotation();
    input.validity_period.end = Some(date("2025-04-02"));
    assert_refused(
        quotation(&input),
        "validity_period.end",
        "validity_period.end must not be before issue_date",
    );
    let mut input = stationery_quotation();
    input.validity_period = Period {
        start: Some(date("2025-04-10")),
        end: Some(date("2025-04-05")),
    };
    assert_refused(
        quotation(&input),
        "validity_period.end",
        "validity_period.end must not be before validity_period.start",
    );
    let mut input = stationery_quotation();
    input.validity_period.end = None;
    assert_refused(
        quotation(&input),
        "validity_period",
        "validity_period must not be empty",
    );
}

#[test]
fn refuses_empty_references_lines_and_duplicate_ids() {
    let mut input = stationery_quotation();
    input.request_id = " ".to_owned();
    assert_refused(
        quotation(&input),
        "request_id",
        "request_id must not be empty",
    );
    let mut input = stationery_quotation();
    input.lines.clear();
    assert_refused(quotation(&input), "lines", "lines needs at least one entry");
    let mut input = stationery_quotation();
    input.lines[2].id = "1".to_owned();
    assert_refused(
        quotation(&input),
        "lines[2].id",
        "lines[2].id: line id \"1\" is already used by another line",
    );
    let mut input = stationery_quotation();
    input.lines[1].request_line_id = Some(String::new());
    assert_refused(
        quotation(&input),
        "lines[1].request_line_id",
        "lines[1].request_line_id must not be empty",
    );
}

#[test]
fn refuses_bad_quantities_units_and_prices() {
    let mut input = stationery_quotation();
    input.lines[0].quantity = decimal("0");
    assert_refused(
        quotation(&input),
        "lines[0].quantity",
        "lines[0].quantity must be positive",
    );
    let mut input = stationery_quotation();
    input.lines[1].unit_price = decimal("-1");
    assert_refused(
        quotation(&input),
        "lines[1].unit_price",
        "lines[1].unit_price must not be negative",
    );
    let mut input = stationery_quotation();
    input.lines[2].unit_code = "本".to_owned();
    assert!(matches!(
        quotation(&input),
        Err(ComposeError::InvalidCode { field, .. }) if field == "lines[2].unit_code"
    ));
}

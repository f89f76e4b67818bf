//! Orders (Peppol T01): amounts and totals, the document read back, and every refusal.

use cie_compose::{
    ComposeError, Delivery, Order, OrderLine, Period, TaxCategory, order, order_totals,
};
use cie_domain::{DocumentKind, Profile};
use cie_rules::post_award::Transaction;

use crate::support::{
    CITY_NUMBER, SUPPLIER_NUMBER, SUPPLIER_REGISTRATION, assert_post_award_clean, assert_refused,
    city, city_address, date, decimal, read_back, supplier,
};

fn line(id: &str, name: &str, quantity: &str, unit_code: &str, unit_price: &str) -> OrderLine {
    OrderLine {
        id: id.to_owned(),
        item_name: name.to_owned(),
        seller_item_id: None,
        quantity: decimal(quantity),
        unit_code: unit_code.to_owned(),
        unit_price: decimal(unit_price),
        tax_category: None,
        note: None,
    }
}

fn stationery_order() -> Order {
    Order {
        id: "PO-2025-0815".to_owned(),
        issue_date: date("2025-04-01"),
        issue_time: None,
        response_requested: false,
        buyer_reference: None,
        currency: "JPY".to_owned(),
        note: None,
        buyer: city(),
        seller: supplier(),
        delivery: None,
        lines: vec![
            line("1", "コピー用紙 A4", "20", "H87", "2980"),
            line("2", "ボールペン 黒", "100", "EA", "55"),
        ],
    }
}

/// Writes `input`, passes it through every reader and checker, and checks what intake sees.
fn compose_and_check(input: &Order, expected_total: &str) -> String {
    let xml = order(input).expect("a valid order");
    let summary = read_back(&xml);
    assert_eq!(summary.kind, DocumentKind::Order);
    assert_eq!(summary.profile, Profile::PeppolOrdering);
    assert_eq!(summary.number, input.id);
    assert_eq!(summary.issue_date, input.issue_date);
    assert_eq!(summary.type_code.as_deref(), Some("220"));
    assert_eq!(summary.currency.as_deref(), Some(input.currency.as_str()));
    assert_eq!(
        summary.buyer.name.as_deref(),
        Some(input.buyer.name.as_str())
    );
    assert_eq!(summary.buyer.endpoint_id.as_deref(), Some(CITY_NUMBER));
    assert_eq!(summary.buyer.endpoint_scheme.as_deref(), Some("0188"));
    assert_eq!(
        summary.supplier.name.as_deref(),
        Some(input.seller.name.as_str())
    );
    assert_eq!(
        summary.supplier.endpoint_id.as_deref(),
        Some(SUPPLIER_NUMBER)
    );
    assert_eq!(
        summary.supplier.registration_number, None,
        "the Peppol order model has no place for the seller's 登録番号"
    );
    assert_eq!(summary.line_count as usize, input.lines.len());
    let expected = decimal(expected_total);
    for total in [
        &summary.totals.line_extension,
        &summary.totals.tax_exclusive,
        &summary.totals.payable,
    ] {
        let total = total.as_ref().expect("total written");
        assert_eq!(total.value, expected);
        assert_eq!(total.currency.as_deref(), Some(input.currency.as_str()));
    }
    assert_eq!(summary.totals.tax_inclusive, None);
    assert_post_award_clean(&xml, Transaction::Order);
    xml
}

#[test]
fn a_plain_yen_order_totals_its_lines() {
    let input = stationery_order();
    let xml = compose_and_check(&input, "65100");
    assert!(xml.contains(
        "<cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order:3</cbc:CustomizationID>"
    ));
    assert!(
        xml.contains("<cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:order_only:3</cbc:ProfileID>")
    );
    assert!(xml.contains("<cbc:Quantity unitCode=\"H87\">20</cbc:Quantity>"));
    assert!(
        xml.contains("<cbc:LineExtensionAmount currencyID=\"JPY\">59600</cbc:LineExtensionAmount>")
    );
    assert!(
        xml.contains("<cbc:LineExtensionAmount currencyID=\"JPY\">5500</cbc:LineExtensionAmount>")
    );
    assert!(xml.contains("<cbc:PayableAmount currencyID=\"JPY\">65100</cbc:PayableAmount>"));
    assert!(xml.contains("<cbc:PriceAmount currencyID=\"JPY\">2980</cbc:PriceAmount>"));
    assert!(!xml.contains("PartyTaxScheme"), "{xml}");
    let seller = &xml[xml.find("<cac:SellerSupplierParty>").expect("a seller")..];
    let seller = &seller[..seller.find("</cac:SellerSupplierParty>").expect("closed")];
    let address = &seller[seller
        .find("<cac:PostalAddress>")
        .expect("Peppol requires the seller's address")..];
    assert!(
        !address.contains("CityName")
            && address.contains("<cbc:IdentificationCode>JP</cbc:IdentificationCode>"),
        "an unknown address names the country only: {seller}"
    );
    let totals = order_totals(&input).expect("totals");
    assert_eq!(totals.line_amounts, [decimal("59600"), decimal("5500")]);
    assert_eq!(totals.line_extension, decimal("65100"));
}

#[test]
fn a_full_order_with_reference_delivery_tax_categories_and_notes() {
    let mut input = stationery_order();
    input.issue_time = Some("10:15:00".parse().expect("time"));
    input.response_requested = true;
    input.buyer_reference = Some("支出負担行為 R7-00123".to_owned());
    input.note = Some("納品時に検収印を押します。".to_owned());
    input.seller.address = Some(cie_compose::Address {
        postal_zone: Some("100-0001".to_owned()),
        country_subentity: Some("東京都".to_owned()),
        city_name: "千代田区".to_owned(),
        street_name: Some("千代田1-1".to_owned()),
        additional_street_name: Some("〇〇ビル 3F".to_owned()),
        country: "JP".to_owned(),
    });
    input.delivery = Some(Delivery {
        address: city_address(),
        requested_period: Some(Period {
            start: Some(date("2025-04-07")),
            end: Some(date("2025-04-11")),
        }),
    });
    input.lines = vec![
        OrderLine {
            seller_item_id: Some("CP-A4-500".to_owned()),
            tax_category: Some(TaxCategory {
                code: "S".to_owned(),
                percent: Some(decimal("10")),
            }),
            note: Some("500枚×5冊/箱".to_owned()),
            ..line("1", "コピー用紙 A4", "20", "H87", "2980")
        },
        OrderLine {
            tax_category: Some(TaxCategory {
                code: "AA".to_owned(),
                percent: Some(decimal("8")),
            }),
            ..line("2", "会議用飲料水 500ml", "48", "EA", "98")
        },
        OrderLine {
            tax_category: Some(TaxCategory {
                code: "S".to_owned(),
                percent: Some(decimal("10")),
            }),
            ..line("3", "機器設置作業", "2.5", "HUR", "6000")
        },
    ];
    let xml = compose_and_check(&input, "79304");
    assert!(xml.contains("<cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:ordering:3</cbc:ProfileID>"));
    assert!(xml.contains("<cbc:IssueTime>10:15:00</cbc:IssueTime>"));
    assert!(xml.contains("<cbc:CustomerReference>支出負担行為 R7-00123</cbc:CustomerReference>"));
    assert!(xml.contains("<cbc:StartDate>2025-04-07</cbc:StartDate>"));
    assert!(xml.contains("<cbc:EndDate>2025-04-11</cbc:EndDate>"));
    assert!(xml.contains("<cbc:Quantity unitCode=\"HUR\">2.5</cbc:Quantity>"));
    assert!(
        xml.contains("<cbc:LineExtensionAmount currencyID=\"JPY\">15000</cbc:LineExtensionAmount>")
    );
    assert!(xml.contains("<cbc:ID>AA</cbc:ID>"));
    assert!(xml.contains("<cbc:Percent>8</cbc:Percent>"));
    assert!(xml.contains("<cbc:AdditionalStreetName>〇〇ビル 3F</cbc:AdditionalStreetName>"));
}

#[test]
fn fractional_unit_prices_are_fine_when_the_line_is_whole_yen() {
    let mut input = stationery_order();
    input.lines = vec![line("1", "クリップ", "200", "EA", "2.5")];
    let xml = compose_and_check(&input, "500");
    assert!(xml.contains("<cbc:PriceAmount currencyID=\"JPY\">2.5</cbc:PriceAmount>"));
}

#[test]
fn a_euro_order_writes_two_decimals() {
    let mut input = stationery_order();
    input.currency = "EUR".to_owned();
    input.lines = vec![
        line("A", "Toner", "3", "EA", "12.5"),
        line("B", "Cable", "1", "C62", "4.25"),
    ];
    let xml = compose_and_check(&input, "41.75");
    assert!(
        xml.contains("<cbc:LineExtensionAmount currencyID=\"EUR\">37.50</cbc:LineExtensionAmount>")
    );
    assert!(xml.contains("<cbc:PayableAmount currencyID=\"EUR\">41.75</cbc:PayableAmount>"));
}

#[test]
fn free_items_have_zero_amounts() {
    let mut input = stationery_order();
    input.lines.push(line("3", "サンプル品", "1", "H87", "0"));
    let xml = compose_and_check(&input, "65100");
    assert!(xml.contains("<cbc:PriceAmount currencyID=\"JPY\">0</cbc:PriceAmount>"));
}

#[test]
fn output_is_deterministic() {
    let input = stationery_order();
    assert_eq!(
        order(&input).expect("valid"),
        order(&input.clone()).expect("valid")
    );
}

#[test]
fn refuses_fractional_yen_line_amounts_instead_of_rounding() {
    let mut input = stationery_order();
    input.lines[1] = line("2", "付箋", "3", "EA", "10.5");
    let error = assert_refused(
        order(&input),
        "lines[1]",
        "lines[1]: 31.5 JPY has more decimals than JPY allows (0); amounts are refused, not rounded",
    );
    assert!(matches!(
        error,
        ComposeError::FractionalAmount { minor_units: 0, .. }
    ));
    assert!(order_totals(&input).is_err());
}

#[test]
fn refuses_sub_cent_euro_line_amounts() {
    let mut input = stationery_order();
    input.currency = "EUR".to_owned();
    input.lines = vec![line("1", "Screw", "3", "EA", "0.125")];
    assert_refused(
        order(&input),
        "lines[0]",
        "lines[0]: 0.375 EUR has more decimals than EUR allows (2); amounts are refused, not rounded",
    );
}

#[test]
fn refuses_an_order_without_lines() {
    let mut input = stationery_order();
    input.lines.clear();
    assert_refused(order(&input), "lines", "lines needs at least one entry");
}

#[test]
fn refuses_zero_and_negative_quantities() {
    for quantity in ["0", "-1", "-0"] {
        let mut input = stationery_order();
        input.lines[1].quantity = decimal(quantity);
        assert_refused(
            order(&input),
            "lines[1].quantity",
            "lines[1].quantity must be positive",
        );
    }
}

#[test]
fn refuses_negative_prices() {
    let mut input = stationery_order();
    input.lines[0].unit_price = decimal("-2980");
    assert_refused(
        order(&input),
        "lines[0].unit_price",
        "lines[0].unit_price must not be negative",
    );
}

#[test]
fn refuses_empty_ids_and_item_names() {
    let mut input = stationery_order();
    input.id = String::new();
    assert_refused(order(&input), "id", "id must not be empty");
    let mut input = stationery_order();
    input.lines[1].id = " ".to_owned();
    assert_refused(
        order(&input),
        "lines[1].id",
        "lines[1].id must not be empty",
    );
    let mut input = stationery_order();
    input.lines[0].item_name = String::new();
    assert_refused(
        order(&input),
        "lines[0].item_name",
        "lines[0].item_name must not be empty",
    );
}

#[test]
fn refuses_duplicate_line_ids() {
    let mut input = stationery_order();
    input.lines[1].id = "1".to_owned();
    assert_refused(
        order(&input),
        "lines[1].id",
        "lines[1].id: line id \"1\" is already used by another line",
    );
}

#[test]
fn refuses_bad_unit_currency_and_tax_codes() {
    let mut input = stationery_order();
    input.lines[0].unit_code = "個".to_owned();
    assert_refused(
        order(&input),
        "lines[0].unit_code",
        "lines[0].unit_code: \"個\" is not a UN/ECE Rec 20 unit code (two or three capital letters or digits, e.g. H87, KGM)",
    );
    let mut input = stationery_order();
    input.currency = "yen".to_owned();
    assert_refused(
        order(&input),
        "currency",
        "currency: \"yen\" is not an ISO 4217 currency code (three capital letters, e.g. JPY)",
    );
    let mut input = stationery_order();
    input.lines[1].tax_category = Some(TaxCategory {
        code: "10%".to_owned(),
        percent: None,
    });
    assert_refused(
        order(&input),
        "lines[1].tax_category.code",
        "lines[1].tax_category.code: \"10%\" is not a UNCL5305 tax category code (e.g. S, AA, E, Z, O)",
    );
    let mut input = stationery_order();
    input.lines[1].tax_category = Some(TaxCategory {
        code: "S".to_owned(),
        percent: Some(decimal("110")),
    });
    assert_refused(
        order(&input),
        "lines[1].tax_category.percent",
        "lines[1].tax_category.percent: \"110\" is not a rate between 0 and 100 percent",
    );
}

#[test]
fn refuses_parties_without_endpoint_or_with_a_bad_registration_number() {
    let mut input = stationery_order();
    input.seller.endpoint = None;
    assert_refused(
        order(&input),
        "seller.endpoint",
        "seller.endpoint is required",
    );
    let mut input = stationery_order();
    input.seller.registration_number = Some("T4011001098994".to_owned());
    assert_refused(
        order(&input),
        "seller.registration_number",
        "seller.registration_number: \"T4011001098994\" is not a registration number (登録番号): T and 13 digits with a valid check digit",
    );
    let mut input = stationery_order();
    input.seller.registration_number = Some(SUPPLIER_NUMBER.to_owned());
    assert!(matches!(
        order(&input),
        Err(ComposeError::InvalidCode { .. })
    ));
    assert_ne!(SUPPLIER_NUMBER, SUPPLIER_REGISTRATION);
}

#[test]
fn refuses_bad_delivery_periods_and_addresses() {
    let mut input = stationery_order();
    input.delivery = Some(Delivery {
        address: city_address(),
        requested_period: Some(Period {
            start: Some(date("2025-04-11")),
            end: Some(date("2025-04-07")),
        }),
    });
    assert_refused(
        order(&input),
        "delivery.requested_period.end",
        "delivery.requested_period.end must not be before delivery.requested_period.start",
    );
    let mut input = stationery_order();
    input.delivery = Some(Delivery {
        address: city_address(),
        requested_period: Some(Period {
            start: None,
            end: None,
        }),
    });
    assert_refused(
        order(&input),
        "delivery.requested_period",
        "delivery.requested_period must not be empty",
    );
    let mut input = stationery_order();
    let mut address = city_address();
    address.country = "Japan".to_owned();
    input.delivery = Some(Delivery {
        address,
        requested_period: None,
    });
    assert_refused(
        order(&input),
        "delivery.address.country",
        "delivery.address.country: \"Japan\" is not an ISO 3166-1 alpha-2 country code (two capital letters, e.g. JP)",
    );
}

#[test]
fn refuses_amounts_too_large_to_compute() {
    let mut input = stationery_order();
    input.lines[0].quantity = decimal("79228162514264337593543950335");
    input.lines[0].unit_price = decimal("2");
    assert_refused(
        order(&input),
        "lines[0]",
        "lines[0]: the amount is too large to compute",
    );
}

#[test]
fn refuses_times_and_dates_xml_schema_cannot_write() {
    let mut input = stationery_order();
    input.issue_time = chrono::NaiveTime::from_hms_milli_opt(23, 59, 59, 1_500);
    assert_refused(
        order(&input),
        "issue_time",
        "issue_time: \"23:59:60.500\" is not a time without leap second",
    );
    let mut input = stationery_order();
    input.issue_date = chrono::NaiveDate::from_ymd_opt(10_000, 1, 1).expect("a date");
    assert!(matches!(
        order(&input),
        Err(ComposeError::InvalidCode { field, .. }) if field == "issue_date"
    ));
}

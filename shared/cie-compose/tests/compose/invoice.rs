//! JP PINT invoices from the supplier form: each written invoice passes the UBL schema, the intake
//! reader, the official JP PINT rules and the cie-jp rules; the tax is computed once per rate; every
//! refusal names its field.

use cie_compose::{
    AccountType, Address, Attachment, BankAccount, ComposeError, INVOICE_CUSTOMIZATION_ID,
    INVOICE_PROFILE_ID, Invoice, InvoiceLine, InvoiceTaxCategory, InvoiceTotals,
    NON_TAX_REGISTERED_CUSTOMIZATION_ID, Period, TaxRounding, TradingParty, invoice,
    invoice_totals,
};
use cie_domain::{DocumentKind, Profile as DocumentProfile, ReferenceKind, Severity};
use cie_rules::Profile;

use crate::support::{
    CITY_NUMBER, SUPPLIER_NUMBER, SUPPLIER_REGISTRATION, assert_jp_pint_clean, assert_refused,
    city, date, decimal, endpoint, jp_pint_findings, read_back, supplier,
};

/// A sole proprietor has no 法人番号, so its electronic address is under another scheme, here a
/// D-U-N-S number (EAS 0060).
const SOLE_PROPRIETOR_DUNS: &str = "690123457";

fn seller() -> TradingParty {
    TradingParty {
        address: Some(Address {
            postal_zone: Some("203-0053".to_owned()),
            country_subentity: Some("東京都".to_owned()),
            city_name: "東久留米市".to_owned(),
            street_name: Some("本町1-2-3".to_owned()),
            additional_street_name: None,
            country: "JP".to_owned(),
        }),
        ..supplier()
    }
}

fn line(
    id: &str,
    name: &str,
    quantity: &str,
    unit_code: &str,
    unit_price: &str,
    tax_category: InvoiceTaxCategory,
) -> InvoiceLine {
    InvoiceLine {
        id: id.to_owned(),
        item_name: name.to_owned(),
        quantity: decimal(quantity),
        unit_code: unit_code.to_owned(),
        unit_price: decimal(unit_price),
        tax_category,
        note: None,
        order_line_reference: None,
        despatch_reference: None,
    }
}

/// A registered seller's invoice: copy paper at 10 % and drinking water at the reduced 8 %.
fn stationery_invoice() -> Invoice {
    Invoice {
        id: "INV-2025-0412".to_owned(),
        issue_date: date("2025-04-30"),
        due_date: None,
        buyer_reference: None,
        currency: "JPY".to_owned(),
        tax_rounding: TaxRounding::Down,
        note: None,
        seller: seller(),
        seller_creditor_number: None,
        buyer: city(),
        order_reference: None,
        despatch_reference: None,
        contract_reference: None,
        delivery_date: Some(date("2025-04-25")),
        invoice_period: None,
        bank_account: None,
        attachments: Vec::new(),
        lines: vec![
            line(
                "1",
                "コピー用紙 A4",
                "20",
                "H87",
                "2980",
                InvoiceTaxCategory::Standard,
            ),
            line(
                "2",
                "会議用飲料水 500ml",
                "48",
                "EA",
                "98",
                InvoiceTaxCategory::Reduced,
            ),
        ],
    }
}

fn bank_account() -> BankAccount {
    BankAccount {
        bank_code: "0009".to_owned(),
        branch_code: "123".to_owned(),
        branch_name: Some("〇〇銀行 東久留米支店".to_owned()),
        account_type: AccountType::Ordinary,
        account_number: "1234567".to_owned(),
        account_name: "ｶ)ﾏﾙﾏﾙｼﾖｳｼﾞ".to_owned(),
    }
}

fn work_report() -> Attachment {
    Attachment {
        filename: "作業報告書.pdf".to_owned(),
        mime_code: "application/pdf".to_owned(),
        description: "作業報告書".to_owned(),
        content: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec(),
    }
}

/// Writes `input`, passes it through the schema check, the intake reader and the JP PINT rules of
/// `profile`, checks what intake sees against [`invoice_totals`], and returns the document.
fn compose_and_check(input: &Invoice, profile: Profile) -> String {
    let xml = invoice(input).expect("a valid invoice");
    let totals = invoice_totals(input).expect("totals");
    let summary = read_back(&xml);
    assert_eq!(summary.kind, DocumentKind::Invoice);
    assert_eq!(
        summary.profile,
        match profile {
            Profile::NonTaxRegistered => DocumentProfile::JpPintNonTaxRegistered,
            _ => DocumentProfile::JpPintStandard,
        }
    );
    assert_eq!(summary.number, input.id);
    assert_eq!(summary.issue_date, input.issue_date);
    assert_eq!(summary.type_code.as_deref(), Some(input.type_code()));
    assert_eq!(summary.currency.as_deref(), Some(input.currency.as_str()));
    assert_eq!(
        summary.supplier.name.as_deref(),
        Some(input.seller.name.as_str())
    );
    assert_eq!(
        summary.supplier.registration_number.as_deref(),
        input.seller.registration_number.as_deref()
    );
    assert_eq!(summary.buyer.endpoint_id.as_deref(), Some(CITY_NUMBER));
    assert_eq!(summary.line_count as usize, input.lines.len());
    for (written, computed) in [
        (&summary.totals.line_extension, totals.line_extension),
        (&summary.totals.tax_exclusive, totals.tax_exclusive),
        (&summary.totals.tax, totals.tax),
        (&summary.totals.tax_inclusive, totals.tax_inclusive),
        (&summary.totals.payable, totals.payable),
    ] {
        let written = written.as_ref().expect("total written");
        assert_eq!(written.value, computed);
        assert_eq!(written.currency.as_deref(), Some(input.currency.as_str()));
    }
    assert_eq!(summary.tax_breakdown.len(), totals.tax_breakdown.len());
    for (written, computed) in summary.tax_breakdown.iter().zip(&totals.tax_breakdown) {
        assert_eq!(written.category, computed.category.code());
        assert_eq!(written.percent, computed.percent);
        assert_eq!(
            written.taxable.as_ref().map(|amount| amount.value),
            Some(computed.taxable)
        );
        assert_eq!(written.tax.value, computed.tax);
    }
    assert_shown_as_written(&xml, &totals, &input.currency);
    assert_jp_pint_clean(&xml, profile);
    xml
}

/// Every amount of `totals`, printed, is the text of its element in `xml`: what the form shows is
/// what the document says.
fn assert_shown_as_written(xml: &str, totals: &InvoiceTotals, currency: &str) {
    let element = |name: &str, value: rust_decimal::Decimal| {
        format!("<cbc:{name} currencyID=\"{currency}\">{value}</cbc:{name}>")
    };
    for amount in &totals.line_amounts {
        assert!(
            xml.contains(&element("LineExtensionAmount", *amount)),
            "{amount}\n{xml}"
        );
    }
    for breakdown in &totals.tax_breakdown {
        assert!(xml.contains(&element("TaxableAmount", breakdown.taxable)));
        assert!(xml.contains(&element("TaxAmount", breakdown.tax)));
    }
    for (name, value) in [
        ("LineExtensionAmount", totals.line_extension),
        ("TaxExclusiveAmount", totals.tax_exclusive),
        ("TaxInclusiveAmount", totals.tax_inclusive),
        ("PayableAmount", totals.payable),
    ] {
        assert!(xml.contains(&element(name, value)), "{name} {value}\n{xml}");
    }
    assert!(xml.contains(&format!(
        "<cac:TaxTotal>\n    {}",
        element("TaxAmount", totals.tax)
    )));
}

#[test]
fn a_registered_seller_invoices_both_rates_with_an_attachment() {
    let mut input = stationery_invoice();
    input.attachments = vec![work_report()];
    let xml = compose_and_check(&input, Profile::Standard);
    assert!(xml.contains(&format!(
        "<cbc:CustomizationID>{INVOICE_CUSTOMIZATION_ID}</cbc:CustomizationID>"
    )));
    assert!(xml.contains(&format!(
        "<cbc:ProfileID>{INVOICE_PROFILE_ID}</cbc:ProfileID>"
    )));
    assert!(xml.contains("<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"));
    assert!(xml.contains(&format!(
        "<cbc:CompanyID>{SUPPLIER_REGISTRATION}</cbc:CompanyID>"
    )));
    assert!(xml.contains(&format!(
        "<cbc:CompanyID schemeID=\"0188\">{SUPPLIER_NUMBER}</cbc:CompanyID>"
    )));
    assert!(xml.contains(
        "<cac:InvoicePeriod>\n    <cbc:StartDate>2025-04-25</cbc:StartDate>\n    \
         <cbc:EndDate>2025-04-25</cbc:EndDate>\n  </cac:InvoicePeriod>"
    ));
    assert!(xml.contains("<cbc:ActualDeliveryDate>2025-04-25</cbc:ActualDeliveryDate>"));
    assert!(xml.contains(
        "<cbc:EmbeddedDocumentBinaryObject mimeCode=\"application/pdf\" \
         filename=\"作業報告書.pdf\">JVBERi0xLjcKJeLjz9MK</cbc:EmbeddedDocumentBinaryObject>"
    ));
    assert!(xml.contains("<cbc:DocumentDescription>作業報告書</cbc:DocumentDescription>"));

    let totals = invoice_totals(&input).expect("totals");
    assert_eq!(totals.line_amounts, [decimal("59600"), decimal("4704")]);
    let breakdown: Vec<_> = totals
        .tax_breakdown
        .iter()
        .map(|b| (b.category, b.percent, b.taxable, b.tax))
        .collect();
    assert_eq!(
        breakdown,
        [
            (
                InvoiceTaxCategory::Standard,
                Some(decimal("10")),
                decimal("59600"),
                decimal("5960")
            ),
            // 4704 × 8 % = 376.32, rounded down once.
            (
                InvoiceTaxCategory::Reduced,
                Some(decimal("8")),
                decimal("4704"),
                decimal("376")
            ),
        ]
    );
    assert_eq!(totals.tax, decimal("6336"));
    assert_eq!(totals.tax_exclusive, decimal("64304"));
    assert_eq!(totals.payable, decimal("70640"));
}

#[test]
fn exempt_and_out_of_scope_lines_get_their_own_breakdown_without_tax() {
    let mut input = stationery_invoice();
    input.lines.push(line(
        "3",
        "検定済教科書（算数）",
        "10",
        "H87",
        "349",
        InvoiceTaxCategory::Exempt,
    ));
    input.lines.push(line(
        "4",
        "協議会年会費",
        "2",
        "C62",
        "5000",
        InvoiceTaxCategory::OutOfScope,
    ));
    let xml = compose_and_check(&input, Profile::Standard);
    let totals = invoice_totals(&input).expect("totals");
    let categories: Vec<_> = totals.tax_breakdown.iter().map(|b| b.category).collect();
    assert_eq!(categories, InvoiceTaxCategory::ALL);
    assert_eq!(totals.tax_breakdown[2].taxable, decimal("3490"));
    assert_eq!(totals.tax_breakdown[2].tax, decimal("0"));
    assert_eq!(totals.tax_breakdown[3].percent, None);
    assert_eq!(totals.tax_breakdown[3].taxable, decimal("10000"));
    assert_eq!(totals.tax, decimal("6336"));
    assert_eq!(totals.payable, decimal("84130"));
    assert!(xml.contains(
        "<cbc:ID>E</cbc:ID>\n        <cbc:Percent>0</cbc:Percent>\n        <cac:TaxScheme>"
    ));
    assert!(xml.contains("<cbc:ID>O</cbc:ID>\n        <cac:TaxScheme>"));
}

#[test]
fn a_seller_without_registration_number_writes_the_non_tax_registered_profile() {
    let mut input = stationery_invoice();
    input.seller.registration_number = None;
    let xml = compose_and_check(&input, Profile::NonTaxRegistered);
    assert!(xml.contains(&format!(
        "<cbc:CustomizationID>{NON_TAX_REGISTERED_CUSTOMIZATION_ID}</cbc:CustomizationID>"
    )));
    assert!(xml.contains("<cbc:InvoiceTypeCode>480</cbc:InvoiceTypeCode>"));
    assert!(!xml.contains("<cac:PartyTaxScheme>"));
    let totals = invoice_totals(&input).expect("totals");
    assert!(totals.tax_breakdown.iter().all(|b| b.tax.is_zero()));
    assert_eq!(totals.tax, decimal("0"));
    assert_eq!(totals.payable, decimal("64304"));
    // The lines keep their categories and rates, as the official non-tax-registered examples do.
    assert!(xml.contains("<cbc:ID>AA</cbc:ID>\n        <cbc:Percent>8</cbc:Percent>"));
    let findings = assert_jp_pint_clean(&xml, Profile::NonTaxRegistered);
    assert!(
        findings
            .iter()
            .any(|f| f.rule_id == "cie-jp-07" && f.severity == Severity::Info),
        "the accountant is told the credit is transitional: {findings:#?}"
    );
}

#[test]
fn a_sole_proprietor_without_corporate_number_is_identified_by_its_creditor_number() {
    let mut input = stationery_invoice();
    input.seller.registration_number = None;
    input.seller.name = "山田印刷".to_owned();
    input.seller.endpoint = Some(cie_compose::Endpoint {
        id: SOLE_PROPRIETOR_DUNS.to_owned(),
        scheme: "0060".to_owned(),
    });
    input.seller_creditor_number = Some("00012345".to_owned());
    let xml = compose_and_check(&input, Profile::NonTaxRegistered);
    assert!(xml.contains(
        "<cac:PartyIdentification>\n        <cbc:ID>00012345</cbc:ID>\n      </cac:PartyIdentification>"
    ));
    input.seller_creditor_number = None;
    assert_refused(
        invoice(&input),
        "seller_creditor_number",
        "seller_creditor_number is required",
    );
}

#[test]
fn order_delivery_note_and_contract_references_are_written_where_jp_pint_wants_them() {
    let mut input = stationery_invoice();
    input.buyer_reference = Some("R7-支出-000123".to_owned());
    input.order_reference = Some("PO-2025-0815".to_owned());
    input.despatch_reference = Some("DN-2025-0425".to_owned());
    input.contract_reference = Some("契約-R7-0042".to_owned());
    input.due_date = Some(date("2025-05-31"));
    input.note = Some("いつもお世話になっております。".to_owned());
    input.lines[0].order_line_reference = Some("1".to_owned());
    input.lines[0].note = Some("500枚×5冊/箱".to_owned());
    input.lines[1].order_line_reference = Some("2".to_owned());
    let xml = compose_and_check(&input, Profile::Standard);
    assert!(xml.contains("<cbc:DueDate>2025-05-31</cbc:DueDate>"));
    assert!(xml.contains("<cbc:BuyerReference>R7-支出-000123</cbc:BuyerReference>"));
    assert!(xml.contains(
        "<cac:OrderReference>\n    <cbc:ID>PO-2025-0815</cbc:ID>\n  </cac:OrderReference>\n  \
         <cac:DespatchDocumentReference>\n    <cbc:ID>DN-2025-0425</cbc:ID>\n  \
         </cac:DespatchDocumentReference>\n  <cac:ContractDocumentReference>\n    \
         <cbc:ID>契約-R7-0042</cbc:ID>"
    ));
    assert!(xml.contains("<cac:OrderLineReference>\n      <cbc:LineID>2</cbc:LineID>"));
    let summary = read_back(&xml);
    for (kind, number) in [
        (ReferenceKind::Order, "PO-2025-0815"),
        (ReferenceKind::Despatch, "DN-2025-0425"),
    ] {
        assert!(
            summary
                .references
                .iter()
                .any(|r| r.kind == kind && r.number == number),
            "{kind:?} {number}: {:?}",
            summary.references
        );
    }
}

#[test]
fn a_summarized_invoice_names_each_lines_delivery_note() {
    let mut input = stationery_invoice();
    input.delivery_date = None;
    input.invoice_period = Some(Period {
        start: Some(date("2025-04-01")),
        end: Some(date("2025-04-30")),
    });
    input.lines[0].despatch_reference = Some("DN-0403".to_owned());
    input.lines[1].despatch_reference = Some("DN-0417".to_owned());
    let xml = compose_and_check(&input, Profile::Standard);
    assert!(!xml.contains("<cac:DespatchDocumentReference>"));
    assert!(!xml.contains("<cac:Delivery>"));
    assert!(xml.contains("<cbc:StartDate>2025-04-01</cbc:StartDate>"));
    assert!(xml.contains(
        "<cac:DocumentReference>\n      <cbc:ID>DN-0417</cbc:ID>\n    </cac:DocumentReference>"
    ));
}

#[test]
fn the_bank_account_becomes_a_credit_transfer_instruction() {
    let mut input = stationery_invoice();
    input.bank_account = Some(bank_account());
    let xml = compose_and_check(&input, Profile::Standard);
    assert!(xml.contains(
        "<cac:PaymentMeans>\n    \
         <cbc:PaymentMeansCode name=\"Credit transfer\">30</cbc:PaymentMeansCode>\n    \
         <cac:PayeeFinancialAccount>\n      <cbc:ID>0009:123:1:1234567</cbc:ID>\n      \
         <cbc:Name>ｶ)ﾏﾙﾏﾙｼﾖｳｼﾞ</cbc:Name>\n      <cac:FinancialInstitutionBranch>\n        \
         <cbc:ID>0009123</cbc:ID>\n        <cbc:Name>〇〇銀行 東久留米支店</cbc:Name>"
    ));
    assert_eq!(
        read_back(&xml).payee_accounts,
        ["0009:123:1:1234567".to_owned()]
    );
    let mut account = bank_account();
    account.account_type = AccountType::Current;
    account.branch_name = None;
    assert_eq!(account.account_id(), "0009:123:2:1234567");
    input.bank_account = Some(account);
    let xml = compose_and_check(&input, Profile::Standard);
    assert!(xml.contains("<cbc:ID>0009123</cbc:ID>\n      </cac:FinancialInstitutionBranch>"));
}

fn three_reduced_lines_of_105_yen(rounding: TaxRounding) -> Invoice {
    let mut input = stationery_invoice();
    input.tax_rounding = rounding;
    input.lines = ["1", "2", "3"]
        .map(|id| line(id, "弁当", "1", "EA", "105", InvoiceTaxCategory::Reduced))
        .to_vec();
    input
}

#[test]
fn tax_is_rounded_once_per_rate_not_per_line() {
    // Per line 105 × 8 % = 8.4: rounded per line that would be 24 (down or half up) or 27 (up).
    // Once per invoice, 315 × 8 % = 25.2.
    for (rounding, expected) in [
        (TaxRounding::Down, "25"),
        (TaxRounding::HalfUp, "25"),
        (TaxRounding::Up, "26"),
    ] {
        let input = three_reduced_lines_of_105_yen(rounding);
        let totals = invoice_totals(&input).expect("totals");
        assert_eq!(totals.tax_breakdown.len(), 1, "{rounding:?}");
        assert_eq!(totals.tax_breakdown[0].taxable, decimal("315"));
        assert_eq!(totals.tax, decimal(expected), "{rounding:?}");
        assert_eq!(totals.payable, decimal("315") + decimal(expected));
        compose_and_check(&input, Profile::Standard);
    }
}

#[test]
fn each_rounding_mode_rounds_as_its_name_says() {
    use InvoiceTaxCategory::{Reduced, Standard};
    use TaxRounding::{Down, HalfUp, Up};
    for (price, category, exact, [down, half_up, up]) in [
        ("1005", Standard, "100.5", ["100", "101", "101"]),
        ("1007", Standard, "100.7", ["100", "101", "101"]),
        ("1256", Reduced, "100.48", ["100", "100", "101"]),
        ("1250", Reduced, "100", ["100", "100", "100"]),
    ] {
        for (rounding, expected) in [(Down, down), (HalfUp, half_up), (Up, up)] {
            let mut input = stationery_invoice();
            input.tax_rounding = rounding;
            input.lines = vec![line("1", "品目", "1", "H87", price, category)];
            let totals = invoice_totals(&input).expect("totals");
            assert_eq!(
                totals.tax,
                decimal(expected),
                "{exact} rounded {rounding:?}"
            );
            compose_and_check(&input, Profile::Standard);
        }
    }
}

#[test]
fn the_domain_notes_mixed_rate_example() {
    // notes/domain.md §1.4: 10 % of 50,600 is 5,060; 8 % of 8,640 is 691.2, so 691.
    let mut input = stationery_invoice();
    input.lines = vec![
        line(
            "1",
            "トナー",
            "2",
            "H87",
            "25300",
            InvoiceTaxCategory::Standard,
        ),
        line(
            "2",
            "菓子折",
            "8",
            "H87",
            "1080",
            InvoiceTaxCategory::Reduced,
        ),
    ];
    let totals = invoice_totals(&input).expect("totals");
    assert_eq!(totals.tax_breakdown[0].tax, decimal("5060"));
    assert_eq!(totals.tax_breakdown[1].tax, decimal("691"));
    assert_eq!(totals.tax, decimal("5751"));
    assert_eq!(totals.tax_inclusive, decimal("64991"));
    compose_and_check(&input, Profile::Standard);
}

#[test]
fn the_rules_used_here_catch_a_tax_rounded_per_line() {
    let input = three_reduced_lines_of_105_yen(TaxRounding::Down);
    let xml = invoice(&input).expect("valid");
    assert_eq!(xml.matches(">25</cbc:TaxAmount>").count(), 2, "{xml}");
    let per_line = xml
        .replace(">25</cbc:TaxAmount>", ">24</cbc:TaxAmount>")
        .replace(
            ">340</cbc:TaxInclusiveAmount>",
            ">339</cbc:TaxInclusiveAmount>",
        )
        .replace(">340</cbc:PayableAmount>", ">339</cbc:PayableAmount>");
    let fired: Vec<_> = jp_pint_findings(&per_line, Profile::Standard)
        .into_iter()
        .filter(|f| matches!(f.severity, Severity::Fatal | Severity::Error))
        .map(|f| f.rule_id)
        .collect();
    assert!(
        fired.contains(&"aligned-ibrp-051-jp".to_owned()),
        "{fired:?}"
    );
    assert!(fired.contains(&"cie-jp-06".to_owned()), "{fired:?}");
}

#[test]
fn a_euro_invoice_rounds_its_tax_to_the_cent() {
    let mut input = stationery_invoice();
    input.currency = "EUR".to_owned();
    input.lines = vec![
        line(
            "1",
            "Toner",
            "1",
            "EA",
            "12.35",
            InvoiceTaxCategory::Reduced,
        ),
        line(
            "2",
            "Cable",
            "2",
            "C62",
            "4.5",
            InvoiceTaxCategory::Standard,
        ),
    ];
    let totals = invoice_totals(&input).expect("totals");
    // 12.35 × 8 % = 0.988, rounded down to 0.98; 9.00 × 10 % = 0.90.
    assert_eq!(totals.tax_breakdown[0].tax.to_string(), "0.90");
    assert_eq!(totals.tax_breakdown[1].tax.to_string(), "0.98");
    assert_eq!(totals.payable.to_string(), "23.23");
    let xml = compose_and_check(&input, Profile::Standard);
    assert!(
        xml.contains("<cbc:LineExtensionAmount currencyID=\"EUR\">9.00</cbc:LineExtensionAmount>")
    );
    assert!(xml.contains("<cbc:PriceAmount currencyID=\"EUR\">4.5</cbc:PriceAmount>"));
}

#[test]
fn output_is_deterministic() {
    let mut input = stationery_invoice();
    input.attachments = vec![work_report()];
    input.bank_account = Some(bank_account());
    assert_eq!(
        invoice(&input).expect("valid"),
        invoice(&input.clone()).expect("valid")
    );
}

#[test]
fn refuses_fractional_yen_line_amounts_instead_of_rounding() {
    let mut input = stationery_invoice();
    input.lines[1].unit_price = decimal("98.5");
    input.lines[1].quantity = decimal("3");
    assert_refused(
        invoice(&input),
        "lines[1]",
        "lines[1]: 295.5 JPY has more decimals than JPY allows (0); amounts are refused, not rounded",
    );
    assert!(invoice_totals(&input).is_err());
}

#[test]
fn refuses_bad_quantities_prices_and_lines() {
    let mut input = stationery_invoice();
    input.lines.push(line(
        "3",
        "付箋",
        "0",
        "EA",
        "100",
        InvoiceTaxCategory::Standard,
    ));
    assert_refused(
        invoice(&input),
        "lines[2].quantity",
        "lines[2].quantity must be positive",
    );
    assert!(matches!(
        invoice_totals(&input),
        Err(ComposeError::NotPositive { field }) if field == "lines[2].quantity"
    ));
    let mut input = stationery_invoice();
    input.lines[0].unit_price = decimal("-1");
    assert_refused(
        invoice(&input),
        "lines[0].unit_price",
        "lines[0].unit_price must not be negative",
    );
    let mut input = stationery_invoice();
    input.lines.clear();
    assert_refused(invoice(&input), "lines", "lines needs at least one entry");
    let mut input = stationery_invoice();
    input.lines[1].id = "1".to_owned();
    assert_refused(
        invoice(&input),
        "lines[1].id",
        "lines[1].id: line id \"1\" is already used by another line",
    );
    let mut input = stationery_invoice();
    input.lines[0].unit_code = "枚".to_owned();
    assert_refused(
        invoice(&input),
        "lines[0].unit_code",
        "lines[0].unit_code: \"枚\" is not a UN/ECE Rec 20 unit code (two or three capital letters or digits, e.g. H87, KGM)",
    );
    let mut input = stationery_invoice();
    input.lines[1].item_name = " ".to_owned();
    assert_refused(
        invoice(&input),
        "lines[1].item_name",
        "lines[1].item_name must not be empty",
    );
}

#[test]
fn refuses_parties_jp_pint_cannot_carry() {
    let mut input = stationery_invoice();
    input.seller.address = None;
    assert_refused(
        invoice(&input),
        "seller.address",
        "seller.address is required",
    );
    let mut input = stationery_invoice();
    input.buyer.endpoint = None;
    assert_refused(
        invoice(&input),
        "buyer.endpoint",
        "buyer.endpoint is required",
    );
    let mut input = stationery_invoice();
    input.seller.registration_number = Some("T4011001098994".to_owned());
    assert_refused(
        invoice(&input),
        "seller.registration_number",
        "seller.registration_number: \"T4011001098994\" is not a registration number (登録番号): T and 13 digits with a valid check digit",
    );
    let mut input = stationery_invoice();
    input.seller.endpoint = Some(endpoint("4011001098994"));
    assert!(matches!(
        invoice(&input),
        Err(ComposeError::InvalidCode { field, .. }) if field == "seller.endpoint.id"
    ));
}

#[test]
fn refuses_an_invoice_without_a_date_of_supply() {
    let mut input = stationery_invoice();
    input.delivery_date = None;
    assert_refused(
        invoice(&input),
        "invoice_period",
        "invoice_period is required",
    );
    input.invoice_period = Some(Period {
        start: Some(date("2025-04-30")),
        end: Some(date("2025-04-01")),
    });
    assert_refused(
        invoice(&input),
        "invoice_period.end",
        "invoice_period.end must not be before invoice_period.start",
    );
}

#[test]
fn refuses_a_due_date_before_the_issue_date() {
    let mut input = stationery_invoice();
    input.due_date = Some(date("2025-04-29"));
    assert_refused(
        invoice(&input),
        "due_date",
        "due_date must not be before issue_date",
    );
}

#[test]
fn refuses_order_line_references_without_the_order() {
    let mut input = stationery_invoice();
    input.lines[1].order_line_reference = Some("2".to_owned());
    assert_refused(
        invoice(&input),
        "order_reference",
        "order_reference is required",
    );
}

#[test]
fn refuses_bank_accounts_banks_would_not_take() {
    for (change, field, message) in [
        (
            (|a: &mut BankAccount| a.bank_code = "9".to_owned()) as fn(&mut BankAccount),
            "bank_account.bank_code",
            "bank_account.bank_code: \"9\" is not a 4-digit bank code (金融機関コード)",
        ),
        (
            |a: &mut BankAccount| a.branch_code = "12a".to_owned(),
            "bank_account.branch_code",
            "bank_account.branch_code: \"12a\" is not a 3-digit branch code (支店コード)",
        ),
        (
            |a: &mut BankAccount| a.account_number = "123456".to_owned(),
            "bank_account.account_number",
            "bank_account.account_number: \"123456\" is not a 7-digit account number (口座番号)",
        ),
        (
            |a: &mut BankAccount| a.account_name = String::new(),
            "bank_account.account_name",
            "bank_account.account_name must not be empty",
        ),
    ] {
        let mut input = stationery_invoice();
        let mut account = bank_account();
        change(&mut account);
        input.bank_account = Some(account);
        assert_refused(invoice(&input), field, message);
    }
}

#[test]
fn refuses_attachments_jp_pint_does_not_allow() {
    let mut input = stationery_invoice();
    let mut attachment = work_report();
    attachment.mime_code = "application/msword".to_owned();
    input.attachments = vec![work_report(), attachment];
    assert_refused(
        invoice(&input),
        "attachments[1].mime_code",
        "attachments[1].mime_code: \"application/msword\" is not a MIME type JP PINT allows \
         (application/pdf, image/png, image/jpeg, text/csv, application/xml, or an xlsx or ods \
         spreadsheet)",
    );
    let mut attachment = work_report();
    attachment.filename = "reports/作業報告書.pdf".to_owned();
    input.attachments = vec![attachment];
    assert_refused(
        invoice(&input),
        "attachments[0].filename",
        "attachments[0].filename: \"reports/作業報告書.pdf\" is not a file name without directory (no / or \\)",
    );
    let mut attachment = work_report();
    attachment.content.clear();
    input.attachments = vec![attachment];
    assert_refused(
        invoice(&input),
        "attachments[0].content",
        "attachments[0].content must not be empty",
    );
    let mut attachment = work_report();
    attachment.description = String::new();
    input.attachments = vec![attachment];
    assert_refused(
        invoice(&input),
        "attachments[0].description",
        "attachments[0].description must not be empty",
    );
}

//! The official sample documents (and our mutants) in `tests/fixtures`: every one is read, and the
//! JP PINT examples give exactly the values written in them.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;
use cie_domain::{
    Amount, DocumentKind, DocumentReference, Party, Profile, ReferenceKind, Summary, TaxSubtotal,
    Totals,
};
use cie_ubl::{Limits, parse};
use rust_decimal::Decimal;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

fn xml_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("fixture folder is readable") {
        let path = entry.expect("fixture folder entry is readable").path();
        if path.is_dir() {
            xml_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "xml") {
            found.push(path);
        }
    }
}

fn all_fixtures() -> Vec<PathBuf> {
    let mut found = Vec::new();
    xml_files(Path::new(FIXTURES), &mut found);
    found.sort();
    found
}

fn read(relative: &str) -> Summary {
    let bytes = std::fs::read(Path::new(FIXTURES).join(relative)).expect("fixture is readable");
    parse(&bytes, &Limits::default()).unwrap_or_else(|error| panic!("{relative}: {error}"))
}

/// The kind a fixture must have, from its folder and file name.
fn expected_kind(folder: &str, file: &str) -> DocumentKind {
    match folder {
        "jp-pint" | "jp-pint-sb" | "jp-pint-ntr" | "jp-pint-mutants" | "jp-pint-versions" => {
            DocumentKind::Invoice
        }
        "despatch" => DocumentKind::DespatchAdvice,
        "invoice-response" => DocumentKind::InvoiceResponse,
        "order" => {
            let name = file.replace('-', "");
            if name.contains("ordercancellation") {
                DocumentKind::OrderCancellation
            } else if name.contains("orderchange") {
                DocumentKind::OrderChange
            } else if name.contains("orderresponse") || name.contains("orderagreement") {
                DocumentKind::OrderResponse
            } else {
                DocumentKind::Order
            }
        }
        "quotation" | "oasis-ubl21" => {
            let root = file
                .strip_prefix("UBL-")
                .and_then(|rest| rest.split('-').next())
                .unwrap_or_else(|| panic!("unexpected file name {file}"));
            DocumentKind::ALL
                .into_iter()
                .find(|kind| kind.root_element() == root)
                .unwrap_or_else(|| panic!("no kind with root {root}"))
        }
        other => panic!("fixture folder {other} has no expected kind; add it here"),
    }
}

#[test]
fn every_fixture_is_read_with_its_kind_a_number_and_both_parties() {
    let files = all_fixtures();
    assert!(files.len() >= 100, "only {} fixtures found", files.len());
    for path in files {
        let folder = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        let file = path.file_name().unwrap().to_str().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let summary = parse(&bytes, &Limits::default())
            .unwrap_or_else(|error| panic!("{folder}/{file}: {} {error}", error.code()));
        assert_eq!(summary.kind, expected_kind(folder, file), "{folder}/{file}");
        assert!(!summary.number.is_empty(), "{folder}/{file}: empty number");
        assert!(!summary.supplier.is_empty(), "{folder}/{file}: no supplier");
        assert!(!summary.buyer.is_empty(), "{folder}/{file}: no buyer");
        let expected_profile = match folder {
            "order" => Some(Profile::PeppolOrdering),
            "despatch" => Some(Profile::PeppolDespatchAdvice),
            "invoice-response" => Some(Profile::PeppolInvoiceResponse),
            "quotation" | "oasis-ubl21" => Some(Profile::Ubl),
            "jp-pint" | "jp-pint-versions" => Some(Profile::JpPintStandard),
            "jp-pint-sb" => Some(Profile::JpPintSelfBilling),
            "jp-pint-ntr" => Some(Profile::JpPintNonTaxRegistered),
            _ => None,
        };
        if let Some(profile) = expected_profile {
            assert_eq!(summary.profile, profile, "{folder}/{file}");
        }
    }
}

fn jpy(value: &str) -> Amount {
    money(value, "JPY")
}

fn money(value: &str, currency: &str) -> Amount {
    Amount::new(
        Decimal::from_str(value).expect("test amounts are decimals"),
        Some(currency),
    )
}

/// Values read by hand from each JP PINT example.
struct Expected {
    file: &'static str,
    number: &'static str,
    issue_date: (i32, u32, u32),
    profile: Profile,
    currency: &'static str,
    tax_exclusive: &'static str,
    tax: &'static str,
    payable: &'static str,
    /// Category, percent, taxable amount, tax amount.
    breakdown: &'static [(
        &'static str,
        Option<&'static str>,
        &'static str,
        &'static str,
    )],
}

const STANDARD_BREAKDOWN: &[(&str, Option<&str>, &str, &str)] = &[
    ("S", Some("10"), "260000", "26000"),
    ("E", Some("0"), "3490", "0"),
];

const NTR_BREAKDOWN: &[(&str, Option<&str>, &str, &str)] = &[
    ("S", Some("10"), "260000", "0"),
    ("E", Some("0"), "3490", "0"),
];

const JP_PINT: &[Expected] = &[
    Expected {
        file: "jp-pint/jp-pint-example.xml",
        number: "156",
        issue_date: (2023, 10, 24),
        profile: Profile::JpPintStandard,
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "26000",
        payable: "289490",
        breakdown: STANDARD_BREAKDOWN,
    },
    Expected {
        file: "jp-pint/jp-pint-example1-minimum.xml",
        number: "156",
        issue_date: (2023, 10, 24),
        profile: Profile::JpPintStandard,
        currency: "JPY",
        tax_exclusive: "255990",
        tax: "25250",
        payable: "281240",
        breakdown: &[
            ("S", Some("10"), "252500", "25250"),
            ("E", Some("0"), "3490", "0"),
        ],
    },
    Expected {
        file: "jp-pint/jp-pint-example2-taxacctcur.xml",
        number: "156",
        issue_date: (2023, 10, 24),
        profile: Profile::JpPintStandard,
        currency: "EUR",
        tax_exclusive: "2500",
        tax: "250",
        payable: "2750",
        breakdown: &[("S", Some("10"), "2500", "250")],
    },
    Expected {
        file: "jp-pint/jp-pint-example3-suminv1.xml",
        number: "103",
        issue_date: (2023, 11, 1),
        profile: Profile::JpPintStandard,
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "26000",
        payable: "289490",
        breakdown: STANDARD_BREAKDOWN,
    },
    Expected {
        file: "jp-pint/jp-pint-example4-suminv2.xml",
        number: "103",
        issue_date: (2023, 11, 1),
        profile: Profile::JpPintStandard,
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "26000",
        payable: "289490",
        breakdown: STANDARD_BREAKDOWN,
    },
    Expected {
        file: "jp-pint/jp-pint-example5-allowancecharge.xml",
        number: "156",
        issue_date: (2023, 10, 24),
        profile: Profile::JpPintStandard,
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "26000",
        payable: "289490",
        breakdown: STANDARD_BREAKDOWN,
    },
    Expected {
        file: "jp-pint/jp-pint-example6-corrinv.xml",
        number: "156",
        issue_date: (2023, 10, 24),
        profile: Profile::JpPintStandard,
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "26000",
        payable: "289490",
        breakdown: STANDARD_BREAKDOWN,
    },
    Expected {
        file: "jp-pint/jp-pint-example7-return-quan-itpr.xml",
        number: "156",
        issue_date: (2023, 10, 25),
        profile: Profile::JpPintStandard,
        currency: "JPY",
        tax_exclusive: "-100000",
        tax: "-10000",
        payable: "-110000",
        breakdown: &[("S", Some("10"), "-100000", "-10000")],
    },
    Expected {
        file: "jp-pint/jp-pint-example9-suminv1-and-o.xml",
        number: "103",
        issue_date: (2023, 11, 1),
        profile: Profile::JpPintStandard,
        currency: "JPY",
        tax_exclusive: "333490",
        tax: "26000",
        payable: "359490",
        breakdown: &[
            ("S", Some("10"), "260000", "26000"),
            ("E", Some("0"), "3490", "0"),
            ("O", None, "70000", "0"),
        ],
    },
    Expected {
        file: "jp-pint-sb/jp-pint-sb-example.xml",
        number: "156",
        issue_date: (2023, 10, 24),
        profile: Profile::JpPintSelfBilling,
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "26000",
        payable: "289490",
        breakdown: STANDARD_BREAKDOWN,
    },
    Expected {
        file: "jp-pint-ntr/jp-pint-ntr-example.xml",
        number: "156",
        issue_date: (2023, 10, 24),
        profile: Profile::JpPintNonTaxRegistered,
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "0",
        payable: "263490",
        breakdown: NTR_BREAKDOWN,
    },
    Expected {
        file: "jp-pint-ntr/jp-pint-ntr-example-return-quan-itpr.xml",
        number: "156",
        issue_date: (2023, 10, 25),
        profile: Profile::JpPintNonTaxRegistered,
        currency: "JPY",
        tax_exclusive: "-100000",
        tax: "0",
        payable: "-100000",
        breakdown: &[("S", Some("10"), "-100000", "0")],
    },
    Expected {
        file: "jp-pint-ntr/jp-pint-ntr-example1-minimum.xml",
        number: "156",
        issue_date: (2023, 10, 24),
        profile: Profile::JpPintNonTaxRegistered,
        currency: "JPY",
        tax_exclusive: "255990",
        tax: "0",
        payable: "255990",
        breakdown: &[
            ("S", Some("10"), "252500", "0"),
            ("E", Some("0"), "3490", "0"),
        ],
    },
    Expected {
        file: "jp-pint-ntr/jp-pint-ntr-example2-suminv1.xml",
        number: "103",
        issue_date: (2023, 11, 1),
        profile: Profile::JpPintNonTaxRegistered,
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "0",
        payable: "263490",
        breakdown: NTR_BREAKDOWN,
    },
    Expected {
        file: "jp-pint-ntr/jp-pint-ntr-example3-suminv2.xml",
        number: "103",
        issue_date: (2023, 11, 1),
        profile: Profile::JpPintNonTaxRegistered,
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "0",
        payable: "263490",
        breakdown: NTR_BREAKDOWN,
    },
    Expected {
        file: "jp-pint-ntr/jp-pint-ntr-example4-allowancecharge.xml",
        number: "156",
        issue_date: (2023, 10, 24),
        profile: Profile::JpPintNonTaxRegistered,
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "0",
        payable: "263490",
        breakdown: NTR_BREAKDOWN,
    },
    Expected {
        file: "jp-pint-ntr/jp-pint-ntr-example5-corrinv.xml",
        number: "156",
        issue_date: (2023, 10, 24),
        profile: Profile::JpPintNonTaxRegistered,
        currency: "JPY",
        tax_exclusive: "263490",
        tax: "0",
        payable: "263490",
        breakdown: NTR_BREAKDOWN,
    },
];

#[test]
fn jp_pint_examples_give_the_values_written_in_them() {
    for folder in ["jp-pint", "jp-pint-sb", "jp-pint-ntr"] {
        let listed = JP_PINT
            .iter()
            .filter(|expected| expected.file.starts_with(&format!("{folder}/")))
            .count();
        let on_disk = std::fs::read_dir(Path::new(FIXTURES).join(folder))
            .unwrap()
            .filter(|entry| {
                entry
                    .as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|e| e == "xml")
            })
            .count();
        assert_eq!(
            listed, on_disk,
            "every file in {folder}/ needs its expected values"
        );
    }

    for expected in JP_PINT {
        let file = expected.file;
        let summary = read(file);
        let amount = |value| money(value, expected.currency);
        assert_eq!(summary.kind, DocumentKind::Invoice, "{file}");
        assert_eq!(summary.number, expected.number, "{file}");
        let (year, month, day) = expected.issue_date;
        assert_eq!(
            summary.issue_date,
            NaiveDate::from_ymd_opt(year, month, day).unwrap(),
            "{file}"
        );
        assert_eq!(summary.profile, expected.profile, "{file}");
        assert_eq!(
            summary.currency.as_deref(),
            Some(expected.currency),
            "{file}"
        );
        assert_eq!(
            summary.totals.tax_exclusive,
            Some(amount(expected.tax_exclusive)),
            "{file}"
        );
        assert_eq!(summary.totals.tax, Some(amount(expected.tax)), "{file}");
        assert_eq!(
            summary.totals.payable,
            Some(amount(expected.payable)),
            "{file}"
        );
        let breakdown: Vec<TaxSubtotal> = expected
            .breakdown
            .iter()
            .map(|&(category, percent, taxable, tax)| TaxSubtotal {
                category: category.to_owned(),
                percent: percent.map(|p| Decimal::from_str(p).unwrap()),
                taxable: Some(amount(taxable)),
                tax: amount(tax),
            })
            .collect();
        assert_eq!(summary.tax_breakdown, breakdown, "{file}");
    }
}

#[test]
fn the_foreign_currency_example_keeps_the_tax_in_accounting_currency_apart() {
    let summary = read("jp-pint/jp-pint-example2-taxacctcur.xml");
    assert_eq!(summary.currency.as_deref(), Some("EUR"));
    assert_eq!(summary.tax_currency.as_deref(), Some("JPY"));
    assert_eq!(summary.totals.tax, Some(money("250", "EUR")));
    assert_eq!(
        summary.totals.tax_in_accounting_currency,
        Some(jpy("32500"))
    );
}

fn reference(kind: ReferenceKind, number: &str) -> DocumentReference {
    DocumentReference {
        kind,
        number: number.to_owned(),
    }
}

#[test]
fn the_summarised_invoice_refers_to_each_of_its_despatch_advices() {
    let summary = read("jp-pint/jp-pint-example3-suminv1.xml");
    assert_eq!(
        summary.references,
        vec![
            reference(ReferenceKind::Despatch, "D001-1"),
            reference(ReferenceKind::Despatch, "D001-2"),
            reference(ReferenceKind::Despatch, "D001-3"),
        ]
    );
    assert_eq!(summary.line_count, 3);
}

#[test]
fn the_full_example_lists_document_and_line_references_in_order() {
    let summary = read("jp-pint/jp-pint-example.xml");
    assert_eq!(
        summary.references,
        vec![
            reference(ReferenceKind::Order, "O-998877"),
            reference(ReferenceKind::Invoice, "123"),
            reference(ReferenceKind::Despatch, "despadv-3"),
            reference(ReferenceKind::Receipt, "resadv-1"),
            reference(ReferenceKind::Contract, "framework no 1"),
            reference(ReferenceKind::Order, "1"),
            reference(ReferenceKind::Despatch, "D001-1"),
            reference(ReferenceKind::Despatch, "D001-2"),
            reference(ReferenceKind::Despatch, "D001-3"),
        ],
        "the invoiced object AB-123 (DocumentTypeCode 130) is not a despatch advice"
    );

    let summary = read("jp-pint/jp-pint-example5-allowancecharge.xml");
    assert_eq!(
        summary.references,
        vec![
            reference(ReferenceKind::Order, "1"),
            reference(ReferenceKind::Despatch, "789"),
            reference(ReferenceKind::Despatch, "D001-1"),
            reference(ReferenceKind::Despatch, "D001-2"),
            reference(ReferenceKind::Despatch, "D001-3"),
        ]
    );
}

#[test]
fn the_minimum_example_is_summarised_completely() {
    let expected = Summary {
        kind: DocumentKind::Invoice,
        profile: Profile::JpPintStandard,
        customization_id: Some("urn:peppol:pint:billing-1@jp-1".to_owned()),
        profile_id: Some("urn:peppol:bis:billing".to_owned()),
        number: "156".to_owned(),
        issue_date: NaiveDate::from_ymd_opt(2023, 10, 24).unwrap(),
        type_code: Some("380".to_owned()),
        supplier: Party {
            name: Some("株式会社 〇〇商事".to_owned()),
            registration_number: Some("T1234567890123".to_owned()),
            endpoint_id: Some("1234567890123".to_owned()),
            endpoint_scheme: Some("0188".to_owned()),
        },
        buyer: Party {
            name: Some("株式会社 〇〇物産".to_owned()),
            registration_number: None,
            endpoint_id: Some("3210987654321".to_owned()),
            endpoint_scheme: Some("0188".to_owned()),
        },
        currency: Some("JPY".to_owned()),
        tax_currency: None,
        totals: Totals {
            line_extension: Some(jpy("255990")),
            tax_exclusive: Some(jpy("255990")),
            tax_inclusive: Some(jpy("281240")),
            tax: Some(jpy("25250")),
            tax_in_accounting_currency: None,
            payable: Some(jpy("281240")),
        },
        tax_breakdown: vec![
            TaxSubtotal {
                category: "S".to_owned(),
                percent: Some(Decimal::from(10)),
                taxable: Some(jpy("252500")),
                tax: jpy("25250"),
            },
            TaxSubtotal {
                category: "E".to_owned(),
                percent: Some(Decimal::ZERO),
                taxable: Some(jpy("3490")),
                tax: jpy("0"),
            },
        ],
        references: vec![],
        line_count: 3,
        payee_accounts: Vec::new(),
    };
    assert_eq!(read("jp-pint/jp-pint-example1-minimum.xml"), expected);
}

#[test]
fn mutants_keep_their_edits() {
    let two_totals = read("jp-pint-mutants/two-tax-totals-in-jpy.xml");
    assert_eq!(
        two_totals.totals.tax,
        Some(jpy("25250")),
        "the first tax total counts"
    );
    assert_eq!(two_totals.tax_breakdown.len(), 2);
    assert_eq!(two_totals.totals.tax_in_accounting_currency, None);

    let usd = read("jp-pint-mutants/tax-currency-usd.xml");
    assert_eq!(usd.tax_currency.as_deref(), Some("USD"));
    assert_eq!(usd.totals.tax, Some(money("250", "EUR")));
    assert_eq!(
        usd.totals
            .tax_in_accounting_currency
            .as_ref()
            .and_then(|amount| amount.currency.as_deref()),
        Some("USD")
    );

    let no_taxable = read("jp-pint-mutants/breakdown-without-taxable.xml");
    assert_eq!(no_taxable.tax_breakdown[0].taxable, None);
    assert_eq!(no_taxable.tax_breakdown[0].tax, jpy("25250"));

    let half_yen = read("jp-pint-mutants/tax-exact-half-yen.xml");
    assert_eq!(half_yen.tax_breakdown[0].tax, jpy("25250.5"));

    let no_tax_id = read("jp-pint-mutants/seller-tax-id-missing.xml");
    assert_eq!(no_tax_id.supplier.registration_number, None);
    assert_eq!(
        no_tax_id.supplier.name.as_deref(),
        Some("株式会社 〇〇商事")
    );

    assert_eq!(
        read("jp-pint-mutants/invoice-type-381.xml")
            .type_code
            .as_deref(),
        Some("381")
    );
    assert_eq!(
        read("jp-pint-mutants/element-order-xsd.xml").number,
        "156",
        "element order is the schema's business, not the reader's"
    );
}

#[test]
fn other_document_kinds_find_their_parties_totals_and_references() {
    let order = read("order/order-example.xml");
    assert_eq!(order.type_code.as_deref(), Some("220"));
    assert_eq!(order.supplier.name.as_deref(), Some("Medical AS"));
    assert_eq!(order.buyer.name.as_deref(), Some("Helseforetak AS"));
    assert_eq!(order.totals.payable, Some(money("6363", "NOK")));
    assert_eq!(order.line_count, 2);

    let agreement = read("order/order-agreement-example.xml");
    assert_eq!(agreement.kind, DocumentKind::OrderResponse);
    assert_eq!(agreement.totals.payable, Some(money("30.00", "EUR")));
    assert_eq!(
        agreement.references,
        vec![reference(ReferenceKind::Order, "11233")]
    );

    let despatch = read("despatch/despatch-advice-uc2.xml");
    assert_eq!(despatch.supplier.name.as_deref(), Some("Consortial"));
    assert_eq!(despatch.buyer.name.as_deref(), Some("IYT Corporation"));
    assert_eq!(
        despatch.references,
        vec![reference(ReferenceKind::Order, "4321")]
    );
    assert_eq!(despatch.line_count, 5);

    let response = read("invoice-response/invoice-response-example.xml");
    assert_eq!(response.type_code.as_deref(), Some("RE"));
    assert_eq!(response.supplier.name.as_deref(), Some("Seller company"));
    assert_eq!(response.buyer.name.as_deref(), Some("Buyer organization"));
    assert_eq!(response.buyer.endpoint_id.as_deref(), Some("5798000012349"));
    assert_eq!(
        response.references,
        vec![reference(ReferenceKind::Invoice, "inv021")]
    );
    assert_eq!(response.line_count, 0);

    let quotation = read("quotation/UBL-Quotation-2.1-Example.xml");
    assert_eq!(quotation.supplier.name.as_deref(), Some("Delcomputer A/S"));
    assert_eq!(quotation.buyer.name.as_deref(), Some("Gentofte Kommune"));
    assert_eq!(quotation.totals.payable, Some(money("247187.50", "DKK")));
    assert_eq!(
        quotation.references,
        vec![reference(ReferenceKind::RequestForQuotation, "G867B")]
    );
    assert_eq!(quotation.line_count, 4);

    let request = read("quotation/UBL-RequestForQuotation-2.1-Example.xml");
    assert_eq!(
        request.currency.as_deref(),
        Some("DKK"),
        "from PricingCurrencyCode"
    );
    assert_eq!(request.buyer.name.as_deref(), Some("Gentofte Kommune"));

    let receipt = read("oasis-ubl21/UBL-ReceiptAdvice-2.0-Example.xml");
    assert_eq!(
        receipt.references,
        vec![
            reference(ReferenceKind::Order, "AEG012345"),
            reference(ReferenceKind::Despatch, "565899"),
        ]
    );

    let credit_note = read("oasis-ubl21/UBL-CreditNote-2.1-Example.xml");
    assert_eq!(credit_note.kind, DocumentKind::CreditNote);
    assert_eq!(credit_note.totals.tax, Some(money("292.20", "EUR")));
    assert_eq!(credit_note.line_count, 5);
}

#[test]
fn the_account_payment_is_asked_into_is_read() {
    let summary = read("jp-pint/jp-pint-example.xml");
    assert_eq!(summary.payee_accounts, ["1234:567:1:3242394"]);
}

/// `read` hands back, with the summary `parse` gives, the parsed document the schema check and the rules then
/// use (its root and its number where the summary found them), so nothing needs parsing again.
#[test]
fn read_gives_the_summary_and_the_parsed_document() {
    for path in all_fixtures() {
        let relative = path.display().to_string();
        let bytes =
            std::fs::read(Path::new(FIXTURES).join(&relative)).expect("fixture is readable");
        let (summary, doc) = cie_ubl::read(&bytes, &Limits::default())
            .unwrap_or_else(|error| panic!("{relative}: {error}"));
        assert_eq!(summary, read(&relative), "{relative}");
        let root = doc.document_element().expect("a root element");
        assert_eq!(
            doc.local_name(root),
            summary.kind.root_element(),
            "{relative}"
        );
        let number = doc
            .child_named(
                root,
                "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
                "ID",
            )
            .map(|id| doc.string_value(id).trim().to_owned());
        assert_eq!(
            number.as_deref(),
            Some(summary.number.as_str()),
            "{relative}"
        );
    }
}

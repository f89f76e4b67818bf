//! End-to-end behaviour of the payment export: layouts in, bytes and hold-backs out.

use chrono::NaiveDate;
use cie_export::{
    BankAccount, Encoding, FieldError, Format, Layout, PaymentRecord, RecordKind, TaxCategory,
    TaxLine, write,
};
use encoding_rs::SHIFT_JIS;
use rust_decimal::Decimal;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("a decimal")
}

fn record(sequence: i64) -> PaymentRecord {
    PaymentRecord {
        sequence,
        kind: RecordKind::Payment,
        tenant: "higashi".into(),
        accounting_unit: Some("一般会計".into()),
        fiscal_year: Some(2026),
        budget_item: Some("02-01-03-10-01".into()),
        department: Some("総務課".into()),
        commitment_number: Some(format!("R8-{sequence:06}")),
        creditor_number: Some("01234567".into()),
        creditor_name: Some("株式会社髙橋商事".into()),
        creditor_address: Some("東京都東久留米市本町３－３－１".into()),
        bank: Some(BankAccount {
            bank_code: "0009".into(),
            branch_code: "123".into(),
            account_type: "普通".into(),
            account_number: "1234567".into(),
            account_name_kana: "カブシキガイシャ　タカハシショウジ".into(),
        }),
        invoice_number: format!("INV-{sequence}"),
        issue_date: date(2026, 11, 1),
        received_on: date(2026, 11, 2),
        inspected_on: Some(date(2026, 11, 5)),
        payment_due: Some(date(2026, 12, 2)),
        planned_payment_date: Some(date(2026, 11, 30)),
        payment_method: Some("口座振替".into()),
        payable_amount: dec("55000"),
        late_interest: dec("0"),
        taxes: vec![TaxLine {
            category: TaxCategory::Standard10,
            percent: Some(dec("10")),
            taxable: dec("50000"),
            tax: dec("5000"),
        }],
        withholding: None,
        registration_number: Some("T7000012050002".into()),
        qualified: true,
        subject: Some("消耗品購入 10月分".into()),
        document_id: 1000 + sequence,
        archive_seq: 2000 + sequence,
        sha256: "ab".repeat(32),
        pdf_url: format!("https://cie.example/documents/{}/pdf", 1000 + sequence),
        errors: vec![],
    }
}

fn decode_sjis(bytes: &[u8]) -> String {
    let (text, had_errors) = SHIFT_JIS.decode_without_bom_handling(bytes);
    assert!(!had_errors, "the output is valid CP932");
    text.into_owned()
}

/// A tiny RFC 4180 reader for the tests: rows of unquoted fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

#[test]
fn default_layout_csv_round_trips_every_field() {
    let records = vec![record(1), record(2)];
    let out = write(&Layout::default_payments(), &records);
    assert_eq!(out.written, vec![1, 2]);
    assert!(out.held_back.is_empty());
    let text = String::from_utf8(out.bytes).unwrap();
    assert!(text.ends_with("\r\n"));
    assert!(!text.starts_with('\u{feff}'));
    let rows = parse_csv(&text);
    assert_eq!(rows.len(), 3);
    let header = &rows[0];
    assert_eq!(header.len(), 42);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = &rows[1];
    assert!(
        rows.iter().all(|r| r.len() == header.len()),
        "no column shift"
    );
    assert_eq!(row[col("sequence")], "1");
    assert_eq!(row[col("kind")], "payment");
    assert_eq!(row[col("creditor_name")], "株式会社髙橋商事");
    assert_eq!(row[col("issue_date")], "2026-11-01");
    assert_eq!(row[col("payable_amount")], "55000");
    assert_eq!(row[col("tax_10_taxable")], "50000");
    assert_eq!(row[col("tax_10_tax")], "5000");
    assert_eq!(row[col("tax_8_tax")], "");
    assert_eq!(row[col("account_type")], "普通");
    assert_eq!(
        row[col("account_name")],
        "カブシキガイシャ　タカハシショウジ"
    );
    assert_eq!(row[col("qualified")], "1");
    assert_eq!(row[col("subject")], "消耗品購入 10月分");
    assert_eq!(row[col("sha256")], "ab".repeat(32));
    assert_eq!(rows[2][col("invoice_number")], "INV-2");
}

#[test]
fn cp932_csv_bytes_are_exact_and_wave_dash_is_normalised() {
    let layout = Layout::parse(
        r#"
format = "csv"
encoding = "cp932"
header = false

[[fields]]
field = "subject"
"#,
    )
    .unwrap();
    let mut r = record(1);
    r.subject = Some("請求書①髙～〜".into());
    let out = write(&layout, &[r]);
    assert_eq!(out.written, vec![1]);
    assert_eq!(
        out.bytes,
        [
            0x90, 0xBF, 0x8B, 0x81, 0x8F, 0x91, // 請求書
            0x87, 0x40, // ①
            0xFB, 0xFC, // 髙
            0x81, 0x60, // ～
            0x81, 0x60, // 〜 normalised to ～
            b'\r', b'\n',
        ]
    );
    assert_eq!(layout.content_type(), "text/csv; charset=Shift_JIS");
}

#[test]
fn unencodable_characters_hold_the_record_back_naming_field_and_character() {
    let layout = Layout::default_payments().with_overrides(None, Some(Encoding::Cp932));
    let mut yoshi = record(2);
    yoshi.creditor_name = Some("𠮷野家".into());
    let mut smile = record(3);
    smile.subject = Some("お礼😀".into());
    let out = write(&layout, &[record(1), yoshi, smile, record(4)]);
    assert_eq!(out.written, vec![1, 4]);
    assert_eq!(out.held_back.len(), 2);
    assert_eq!(out.held_back[0].sequence, 2);
    assert_eq!(out.held_back[0].document_id, 1002);
    assert_eq!(
        out.held_back[0].problems,
        vec![FieldError::new(
            "creditor_name",
            "U+20BB7 𠮷 cannot be written in CP932"
        )]
    );
    assert_eq!(
        out.held_back[1].problems,
        vec![FieldError::new(
            "subject",
            "U+1F600 😀 cannot be written in CP932"
        )]
    );
    let text = decode_sjis(&out.bytes);
    assert!(
        !text.contains('?') && !text.contains("&#"),
        "no replacement"
    );
    let rows = parse_csv(&text);
    assert_eq!(rows.len(), 3, "header + the two good records");
    assert!(rows.iter().all(|r| r.len() == 42), "no column shift");
    assert_eq!(rows[1][0], "1");
    assert_eq!(rows[2][0], "4");
}

#[test]
fn formula_like_text_is_neutralised_but_amounts_are_not() {
    let layout = Layout::parse(
        r#"
header = false
[[fields]]
field = "subject"
[[fields]]
field = "creditor_name"
[[fields]]
field = "payable_amount"
"#,
    )
    .unwrap();
    let mut r = record(1);
    r.subject = Some("=HYPERLINK(\"http://x\",\"y\")".into());
    r.creditor_name = Some("@SUM(A1)".into());
    r.payable_amount = dec("-1200");
    let out = write(&layout, &[r]);
    let text = String::from_utf8(out.bytes).unwrap();
    assert_eq!(
        text,
        "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'@SUM(A1),-1200\r\n"
    );
}

const FIXED: &str = r#"
format = "fixed"
encoding = "cp932"
line_ending = "crlf"

[[fields]]
field = "creditor_number"
width = 10
pad = "0"
align = "right"

[[fields]]
field = "creditor_name"
width = 20

[[fields]]
field = "payable_amount"
width = 12
pad = "0"
"#;

#[test]
fn fixed_length_records_count_bytes_in_the_target_encoding() {
    let layout = Layout::parse(FIXED).unwrap();
    let mut r = record(1);
    r.creditor_name = Some("髙橋ｼｮｳｼﾞ".into()); // 2 full-width (4 bytes) + 5 half-width (5 bytes)
    r.creditor_number = Some("1234".into());
    let mut negative = record(2);
    negative.payable_amount = dec("-1200");
    negative.creditor_name = Some("ABC".into());
    let out = write(&layout, &[r, negative]);
    assert_eq!(out.written, vec![1, 2]);
    assert_eq!(out.bytes.len(), 2 * (42 + 2));
    let first = &out.bytes[..44];
    assert_eq!(&first[..10], b"0000001234");
    let name = &first[10..30];
    assert_eq!(decode_sjis(name), "髙橋ｼｮｳｼﾞ           ");
    assert_eq!(&first[30..42], b"000000055000");
    assert_eq!(&first[42..], b"\r\n");
    assert_eq!(&out.bytes[44 + 30..44 + 42], b"-00000001200");
}

#[test]
fn a_value_wider_than_its_field_is_held_back_not_truncated() {
    let layout = Layout::parse(FIXED).unwrap();
    let mut r = record(1);
    r.creditor_name = Some("東京都東久留米市役所総務部".into()); // 13 full-width = 26 bytes > 20
    let out = write(&layout, &[r, record(2)]);
    assert_eq!(out.written, vec![2]);
    assert_eq!(out.held_back[0].problems[0].field, "creditor_name");
    assert!(
        out.held_back[0].problems[0].message.contains("26 bytes"),
        "{:?}",
        out.held_back[0].problems
    );
    assert_eq!(out.bytes.len(), 44);
}

#[test]
fn fixed_width_in_utf8_counts_utf8_bytes() {
    let layout = Layout::parse(FIXED)
        .unwrap()
        .with_overrides(None, Some(Encoding::Utf8));
    let mut r = record(1);
    r.creditor_name = Some("髙橋".into()); // 6 UTF-8 bytes
    let out = write(&layout, &[r]);
    assert_eq!(out.bytes.len(), 44);
    assert_eq!(&out.bytes[10..30], "髙橋              ".as_bytes());
}

#[test]
fn wareki_dates_and_comma_amounts() {
    let layout = Layout::parse(
        r#"
header = false
date_format = "wareki"
amount_format = "comma"
[[fields]]
field = "issue_date"
[[fields]]
field = "received_on"
[[fields]]
field = "payable_amount"
"#,
    )
    .unwrap();
    let mut r = record(1);
    r.issue_date = date(2019, 4, 30);
    r.received_on = date(2026, 4, 1);
    r.payable_amount = dec("1234567");
    let out = write(&layout, &[r]);
    assert_eq!(
        String::from_utf8(out.bytes).unwrap(),
        "H31.04.30,R8.04.01,\"1,234,567\"\r\n"
    );
}

#[test]
fn a_record_with_errors_is_held_back() {
    let mut r = record(1);
    r.errors = vec![FieldError::new(
        "creditor_number",
        "no creditor registered for T7000012050002",
    )];
    let out = write(&Layout::default_payments(), &[r, record(2)]);
    assert_eq!(out.written, vec![2]);
    assert_eq!(out.held_back.len(), 1);
    assert_eq!(out.held_back[0].problems[0].field, "creditor_number");
}

#[test]
fn a_missing_required_field_holds_the_record_back() {
    let layout = Layout::parse(
        r#"
[[fields]]
field = "sequence"
[[fields]]
field = "commitment_number"
required = true
[[fields]]
field = "withholding"
default = "0"
"#,
    )
    .unwrap();
    let mut r = record(1);
    r.commitment_number = None;
    let out = write(&layout, &[r, record(2)]);
    assert_eq!(out.written, vec![2]);
    assert_eq!(
        out.held_back[0].problems,
        vec![FieldError::new(
            "commitment_number",
            "required by the layout but missing"
        )]
    );
    assert_eq!(
        String::from_utf8(out.bytes).unwrap(),
        "sequence,commitment_number,withholding\r\n2,R8-000002,0\r\n"
    );
}

#[test]
fn json_is_an_array_of_every_record_with_held_back_ones_flagged() {
    let layout = Layout::default_payments().with_overrides(Some(Format::Json), None);
    let mut bad = record(2);
    bad.errors = vec![FieldError::new(
        "budget_item",
        "no budget item for this commitment",
    )];
    let out = write(&layout, &[record(1), bad]);
    assert_eq!(out.written, vec![1]);
    assert_eq!(out.held_back.len(), 1);
    let json: serde_json::Value = serde_json::from_slice(&out.bytes).unwrap();
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["sequence"], 1);
    assert_eq!(items[0]["kind"], "payment");
    assert_eq!(items[0]["held_back"], false);
    assert_eq!(items[0]["payable_amount"], "55000");
    assert_eq!(items[0]["taxes"][0]["category"], "standard10");
    assert_eq!(items[1]["held_back"], true);
    assert_eq!(items[1]["errors"][0]["field"], "budget_item");
    assert_eq!(layout.content_type(), "application/json");
}

#[test]
fn bank_kana_goes_through_the_layout() {
    let layout = Layout::parse(
        r#"
encoding = "cp932"
header = false
[[fields]]
field = "account_type"
as_code = true
[[fields]]
field = "account_name_kana"
required = true
"#,
    )
    .unwrap();
    let mut kanji = record(2);
    if let Some(bank) = kanji.bank.as_mut() {
        bank.account_name_kana = "髙橋商事".into();
    }
    let out = write(&layout, &[record(1), kanji]);
    assert_eq!(decode_sjis(&out.bytes), "1,ｶ)ﾀｶﾊｼｼﾖｳｼﾞ\r\n");
    assert_eq!(out.held_back[0].problems[0].field, "account_name_kana");
    assert!(out.held_back[0].problems[0].message.contains("U+9AD9 髙"));
}

#[test]
fn bank_kana_cases() {
    use cie_export::{KanaError, bank_kana};
    assert_eq!(bank_kana("株式会社テスト").unwrap(), "ｶ)ﾃｽﾄ");
    assert_eq!(bank_kana("テスト株式会社").unwrap(), "ﾃｽﾄ(ｶ");
    assert_eq!(bank_kana("ヤマダ　タロウ").unwrap(), "ﾔﾏﾀﾞ ﾀﾛｳ");
    assert_eq!(
        bank_kana("山田"),
        Err(KanaError::Unsupported {
            ch: '山',
            position: 1
        })
    );
}

#[test]
fn shipped_layouts_parse() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/export-layouts");
    for name in ["payment-voucher.toml", "creditor-master.toml"] {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
        let layout = Layout::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(layout.encoding(), Encoding::Cp932, "{name}");
        let out = write(&layout, &[record(1)]);
        assert_eq!(out.written, vec![1], "{name}: {:?}", out.held_back);
        decode_sjis(&out.bytes);
    }
    let master = std::fs::read_to_string(format!("{dir}/creditor-master.toml")).unwrap();
    let master = Layout::parse(&master).unwrap();
    assert_eq!(master.format(), Format::Fixed);
    let width = master.record_width().unwrap();
    let out = write(&master, &[record(1), record(2)]);
    assert_eq!(out.bytes.len(), 2 * (width + 2));
}

#[test]
fn every_problem_of_a_held_back_record_is_reported_at_once() {
    let layout = Layout::default_payments().with_overrides(None, Some(Encoding::Cp932));
    let mut r = record(1);
    r.errors = vec![FieldError::new(
        "department",
        "no department for this budget item",
    )];
    r.creditor_name = Some("𠮷野家".into());
    r.subject = Some("😀".into());
    let out = write(&layout, &[r]);
    let fields: Vec<&str> = out.held_back[0]
        .problems
        .iter()
        .map(|p| p.field.as_str())
        .collect();
    assert_eq!(fields, ["department", "creditor_name", "subject"]);
    assert_eq!(
        parse_csv(&decode_sjis(&out.bytes)).len(),
        1,
        "the header only"
    );
}

#[test]
fn a_csv_width_is_a_maximum_in_bytes() {
    let layout = Layout::parse(
        "encoding = \"cp932\"\nheader = false\n[[fields]]\nfield = \"subject\"\nwidth = 6\n",
    )
    .expect("layout");
    let mut long = record(1);
    long.subject = Some("消耗品購入".into()); // 10 bytes
    let mut short = record(2);
    short.subject = Some("消耗品".into()); // 6 bytes
    let out = write(&layout, &[long, short]);
    assert_eq!(out.written, vec![2]);
    assert!(out.held_back[0].problems[0].message.contains("10 bytes"));
}

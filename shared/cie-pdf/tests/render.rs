//! Renders the fixture documents of every kind and checks the PDFs with poppler-utils (`pdftotext`,
//! `pdffonts`, `pdfdetach`, `pdfinfo`): the Japanese text and amounts, the subset embedded font, the
//! attached original XML, pagination of a 1,000-line invoice, and the missing-glyph refusal.
//!
//! Set `CIE_PDF_OUT` to a directory to keep the rendered PDFs for a look.
//!
//! The poppler tools are required: without them these tests fail with a message saying to install
//! `poppler-utils`; they never skip.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, in helpers as in tests

#[path = "support/generated.rs"]
mod generated;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use cie_pdf::{PdfError, RenderMeta, Renderer};
use generated::{fixture, invoice_with_lines};
use sha2::{Digest, Sha256};

fn renderer() -> &'static Renderer {
    static RENDERER: OnceLock<Renderer> = OnceLock::new();
    RENDERER.get_or_init(|| Renderer::new().expect("the vendored font parses"))
}

fn meta(xml: &[u8], attachment_name: &str) -> RenderMeta {
    RenderMeta {
        document_id: 156,
        archive_seq: 42,
        sha256: hex::encode(Sha256::digest(xml)),
        received_at: "2026-04-01 10:15 JST".to_owned(),
        verdict: "検証: 合格（エラー 0・警告 1）".to_owned(),
        attachment_name: attachment_name.to_owned(),
    }
}

/// A rendered PDF written to a temporary directory for the poppler tools.
struct Rendered {
    _dir: tempfile::TempDir,
    path: PathBuf,
    bytes: Vec<u8>,
}

fn render(xml: &[u8], attachment_name: &str) -> Rendered {
    let bytes = renderer()
        .render(xml, &meta(xml, attachment_name))
        .expect("renders");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.pdf");
    std::fs::write(&path, &bytes).unwrap();
    // To look at the output: CIE_PDF_OUT=/some/dir cargo test -p cie-pdf
    if let Some(out) = std::env::var_os("CIE_PDF_OUT") {
        let name = format!(
            "{}-{}.pdf",
            attachment_name,
            hex::encode(&Sha256::digest(xml)[..4])
        );
        std::fs::write(Path::new(&out).join(name), &bytes).unwrap();
    }
    Rendered {
        _dir: dir,
        path,
        bytes,
    }
}

/// Runs a poppler-utils tool and returns its stdout; fails loudly when the tool is not installed.
fn poppler(tool: &str, args: &[&str]) -> String {
    let output = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!(
            "`{tool}` could not be run ({e}). These tests need poppler-utils: \
             `apt-get install -y poppler-utils`"
        )
    });
    assert!(
        output.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("tool output is UTF-8")
}

fn text_of(pdf: &Rendered) -> String {
    poppler("pdftotext", &["-layout", pdf.path.to_str().unwrap(), "-"])
}

fn page_text(pdf: &Rendered, page: usize) -> String {
    let page = page.to_string();
    poppler(
        "pdftotext",
        &[
            "-layout",
            "-f",
            &page,
            "-l",
            &page,
            pdf.path.to_str().unwrap(),
            "-",
        ],
    )
}

fn page_count(pdf: &Rendered) -> usize {
    let info = poppler("pdfinfo", &[pdf.path.to_str().unwrap()]);
    info.lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in pdfinfo output:\n{info}"))
}

#[track_caller]
fn assert_contains(text: &str, expected: &str, what: &str) {
    assert!(
        text.contains(expected),
        "{what}: expected {expected:?} in the PDF text:\n{text}"
    );
}

#[test]
fn invoice_shows_title_parties_registration_number_lines_and_totals() {
    let pdf = render(&fixture("jp-pint/jp-pint-example.xml"), "invoice-156.xml");
    let text = text_of(&pdf);
    for (expected, what) in [
        ("請求書", "title"),
        ("〇〇商事", "seller name"),
        ("〇〇物産", "buyer name"),
        ("御中", "addressee"),
        ("登録番号 T1234567890123", "registration number"),
        ("¥289,490", "payable amount"),
        ("ご請求金額", "payable label"),
        ("2023年11月20日", "due date"),
        ("デスクチェア", "line description"),
        ("個", "quantity unit"),
        ("¥50,000", "unit price"),
        ("¥250,000", "line amount"),
        ("10%", "line tax rate"),
        ("¥260,000", "taxable amount at 10 %"),
        ("¥26,000", "tax at 10 %"),
        ("1234:567:1:3242394", "bank account"),
        ("O-998877", "order reference"),
        ("despadv-3", "despatch reference"),
        ("Ordered at trade show", "note"),
        ("文書ID 156", "footer document id"),
        ("保管番号 42", "footer archive seq"),
        ("2026-04-01 10:15 JST", "footer received at"),
        ("検証: 合格（エラー 0・警告 1）", "footer verdict"),
        ("1 / 1 ページ", "footer page number"),
    ] {
        assert_contains(&text, expected, what);
    }
    let sha = hex::encode(Sha256::digest(fixture("jp-pint/jp-pint-example.xml")));
    assert_contains(&text, &sha, "footer SHA-256");
}

#[test]
fn amounts_are_right_aligned_in_their_column() {
    let pdf = render(&fixture("jp-pint/jp-pint-example.xml"), "invoice-156.xml");
    let text = text_of(&pdf);
    // Line amounts of different lengths end in the same column.
    let ends: Vec<usize> = text
        .lines()
        .filter(|line| line.contains("¥250,000") || line.contains("¥2,500 "))
        .filter_map(|line| {
            let at = line.find("¥250,000").map(|i| i + "¥250,000".len());
            at.or_else(|| line.rfind("¥2,500").map(|i| i + "¥2,500".len()))
                .map(|byte| line[..byte].chars().count())
        })
        .collect();
    assert!(ends.len() >= 2, "both line amounts found: {text}");
    assert!(
        ends.windows(2).all(|w| w[0].abs_diff(w[1]) <= 1),
        "line amounts end in the same column: {ends:?}\n{text}"
    );
}

#[test]
fn reduced_rate_lines_are_marked_and_explained() {
    let pdf = render(
        &fixture("jp-pint-mutants/reduced-rate-aa-8.xml"),
        "invoice.xml",
    );
    let text = text_of(&pdf);
    assert_contains(&text, "※は軽減税率対象", "reduced-rate note");
    assert_contains(&text, "8%", "reduced rate");
    let marked = text
        .lines()
        .filter(|line| line.contains('※') && line.contains("8%"))
        .count();
    assert!(marked >= 1, "a line at 8 % is marked with ※:\n{text}");
}

#[test]
fn every_document_kind_renders_with_its_japanese_title() {
    let cases = [
        (
            "jp-pint/jp-pint-example1-minimum.xml",
            "請求書",
            "デスクチェア",
        ),
        ("jp-pint-sb/jp-pint-sb-example.xml", "請求書", "ご請求金額"),
        (
            "oasis-ubl21/UBL-CreditNote-2.1-Example.xml",
            "返還請求書",
            "返還金額",
        ),
        ("order/order-example.xml", "注文書", "発注者"),
        ("order/order-response-example.xml", "注文請書", "受注者"),
        ("despatch/despatch-advice-example.xml", "納品書", "出荷者"),
        (
            "quotation/UBL-Quotation-2.1-Example.xml",
            "見積書",
            "見積者",
        ),
        (
            "quotation/UBL-RequestForQuotation-2.1-Example.xml",
            "見積依頼書",
            "依頼者",
        ),
        (
            "invoice-response/t111-uc004c-rejected-requesting-replacement.xml",
            "請求書応答",
            "RE 却下",
        ),
    ];
    for (path, title, expected) in cases {
        let pdf = render(&fixture(path), "document.xml");
        let text = text_of(&pdf);
        assert_contains(&text, title, path);
        assert_contains(&text, expected, path);
        assert_contains(&text, "文書ID 156", path);
    }
}

#[test]
fn invoice_response_shows_status_reasons_and_the_referenced_invoice() {
    let pdf = render(
        &fixture("invoice-response/t111-uc004c-rejected-requesting-replacement.xml"),
        "response.xml",
    );
    let text = text_of(&pdf);
    for expected in [
        "請求書応答",
        "RE 却下",
        "REF 参照情報の誤り",
        "NIN 新しい請求書の発行を依頼",
        "inv021",
        "Buyer organization",
        "Seller company",
    ] {
        assert_contains(&text, expected, "invoice response");
    }
}

#[test]
fn the_font_is_embedded_as_a_subset() {
    let pdf = render(&fixture("jp-pint/jp-pint-example.xml"), "invoice-156.xml");
    let fonts = poppler("pdffonts", &[pdf.path.to_str().unwrap()]);
    let line = fonts
        .lines()
        .find(|line| line.contains("IPAexGothic"))
        .unwrap_or_else(|| panic!("IPAexGothic listed by pdffonts:\n{fonts}"));
    let columns: Vec<&str> = line.split_whitespace().collect();
    // name type... encoding emb sub uni object ID
    let n = columns.len();
    assert!(n >= 7, "pdffonts line: {line}");
    assert_eq!(
        (columns[n - 5], columns[n - 4]),
        ("yes", "yes"),
        "emb yes, sub yes: {fonts}"
    );
    assert!(columns[0].contains('+'), "subset fonts get a tag: {line}");
    assert!(
        pdf.bytes.len() < 200_000,
        "a subset one-page PDF is small, not the 6 MB font: {} bytes",
        pdf.bytes.len()
    );
}

#[test]
fn the_original_xml_is_attached_byte_for_byte() {
    let xml = fixture("jp-pint/jp-pint-example.xml");
    let pdf = render(&xml, "invoice-156.xml");
    let list = poppler("pdfdetach", &["-list", pdf.path.to_str().unwrap()]);
    assert_contains(&list, "1 embedded files", "attachment count");
    assert_contains(&list, "invoice-156.xml", "attachment name");
    let out = pdf.path.with_file_name("attached.xml");
    poppler(
        "pdfdetach",
        &[
            "-save",
            "1",
            "-o",
            out.to_str().unwrap(),
            pdf.path.to_str().unwrap(),
        ],
    );
    let attached = std::fs::read(&out).unwrap();
    assert!(attached == xml, "the attachment is the original bytes");
}

#[test]
fn document_information_has_title_creator_and_the_received_date() {
    let pdf = render(&fixture("jp-pint/jp-pint-example.xml"), "invoice-156.xml");
    let info = poppler("pdfinfo", &["-isodates", pdf.path.to_str().unwrap()]);
    assert_contains(&info, "請求書 156", "title");
    assert_contains(&info, "city-invoice-exchange", "creator");
    assert_contains(&info, "2026-04-01T10:15:00+09", "creation date");
    assert!(!info.contains("1970"), "no 1970 dates:\n{info}");
    assert_contains(&info, "A4", "page size");
}

#[test]
fn a_thousand_line_invoice_paginates_with_the_table_header_on_every_page() {
    let xml = invoice_with_lines(1000);
    let started = std::time::Instant::now();
    let pdf = render(&xml, "invoice-1000.xml");
    let elapsed = started.elapsed();
    let pages = page_count(&pdf);
    assert!(
        (20..=40).contains(&pages),
        "1,000 lines take about 25–35 pages, got {pages}"
    );
    let mut pages_with_lines = 0;
    for page in 1..=pages {
        let text = page_text(&pdf, page);
        assert_contains(
            &text,
            &format!("{page} / {pages} ページ"),
            &format!("page number on page {page}"),
        );
        assert_contains(&text, "文書ID 156", &format!("footer on page {page}"));
        if !text.contains("デスクチェア") {
            // Only the blocks after the table (totals, bank, notes) may have moved to a page of their own.
            assert_eq!(page, pages, "page {page} has no lines:\n{text}");
            continue;
        }
        pages_with_lines += 1;
        for header in ["品名", "数量", "単価", "金額"] {
            assert_contains(&text, header, &format!("table header on page {page}"));
        }
    }
    assert!(pages_with_lines >= pages - 1);
    let first = page_text(&pdf, 1);
    assert_contains(&first, "請求書", "title on page 1");
    let end = page_text(&pdf, pages - 1) + &page_text(&pdf, pages);
    assert_contains(&end, "合計（税込）", "totals after the last line");
    assert!(
        !end.contains("※は軽減税率対象"),
        "no reduced-rate lines, no note"
    );
    let all = text_of(&pdf);
    assert!(
        all.contains(" 1000 ") || all.contains("1000 "),
        "the last line is printed"
    );
    // Debug builds are slow; this only guards against pathological layout.
    assert!(
        elapsed.as_secs() < 30,
        "1,000 lines rendered in {elapsed:?}"
    );
}

#[test]
fn a_character_the_font_lacks_is_refused_with_its_field() {
    let xml = String::from_utf8(fixture("jp-pint/jp-pint-example.xml"))
        .unwrap()
        .replace(
            "<cbc:Name>株式会社 〇〇商事</cbc:Name>",
            "<cbc:Name>株式会社 𠮷野商事</cbc:Name>",
        );
    let result = renderer().render(xml.as_bytes(), &meta(xml.as_bytes(), "x.xml"));
    match result {
        Err(PdfError::MissingGlyph { character, field }) => {
            assert_eq!(character, '𠮷');
            assert!(field.contains("seller"), "field names the seller: {field}");
        }
        other => panic!("expected MissingGlyph, got {other:?}"),
    }
}

#[test]
fn an_emoji_in_the_footer_is_refused_too() {
    let xml = fixture("jp-pint/jp-pint-example.xml");
    let mut meta = meta(&xml, "x.xml");
    meta.verdict = "検証: 合格 😀".to_owned();
    match renderer().render(&xml, &meta) {
        Err(PdfError::MissingGlyph { character, field }) => {
            assert_eq!(character, '😀');
            assert!(field.contains("verdict"), "{field}");
        }
        other => panic!("expected MissingGlyph, got {other:?}"),
    }
}

#[test]
fn unknown_kinds_and_unreadable_xml_are_errors() {
    let meta = meta(b"", "x.xml");
    assert!(matches!(
        renderer().render(b"<Catalogue xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2\"/>", &meta),
        Err(PdfError::UnknownKind { local_name, .. }) if local_name == "Catalogue"
    ));
    assert!(matches!(
        renderer().render(b"<Invoice xmlns=\"urn:example\"/>", &meta),
        Err(PdfError::UnknownKind { .. })
    ));
    assert!(matches!(
        renderer().render(b"<Invoice", &meta),
        Err(PdfError::UnreadableXml(_))
    ));
}

#[test]
fn footer_texts_with_line_breaks_are_printed_on_one_line() {
    let xml = fixture("jp-pint/jp-pint-example1-minimum.xml");
    let mut meta = meta(&xml, "invoice.xml");
    meta.verdict = "検証: 不合格\n（エラー 2・警告 0）".to_owned();
    let bytes = renderer().render(&xml, &meta).expect("renders");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let text = poppler("pdftotext", &["-layout", path.to_str().unwrap(), "-"]);
    assert_contains(
        &text,
        "検証: 不合格 （エラー 2・警告 0）",
        "verdict on one line",
    );
}

#[test]
fn foreign_addresses_get_no_postal_mark() {
    let pdf = render(&fixture("order/order-example.xml"), "order.xml");
    let text = text_of(&pdf);
    assert!(
        !text.contains("〒0585"),
        "no 〒 before a Norwegian post code:\n{text}"
    );
    assert_contains(
        &text,
        "0585 Region Oslo NO",
        "post code, region, city and country",
    );
}

//! Malformed, hostile and incomplete input: each is refused with its own error and a message that
//! says what and where.

use cie_domain::{DocumentKind, DocumentReference, ReferenceKind, Summary};
use cie_ubl::{Limits, SyntaxProblem, UblError, parse};

const OPEN: &str = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">"#;
const HEADER: &str = "<cbc:ID>1</cbc:ID><cbc:IssueDate>2024-04-01</cbc:IssueDate>";

fn invoice(body: &str) -> String {
    format!("{OPEN}{body}</Invoice>")
}

fn read(xml: &str) -> Result<Summary, UblError> {
    parse(xml.as_bytes(), &Limits::default())
}

#[track_caller]
fn refused(bytes: &[u8]) -> UblError {
    match parse(bytes, &Limits::default()) {
        Ok(summary) => panic!("accepted: {summary:?}"),
        Err(error) => error,
    }
}

#[test]
fn a_minimal_invoice_is_accepted_with_or_without_a_bom() {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
        invoice(HEADER)
    );
    let summary = read(&xml).unwrap();
    assert_eq!(summary.number, "1");
    assert_eq!(summary.kind, DocumentKind::Invoice);
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(xml.as_bytes());
    assert_eq!(parse(&with_bom, &Limits::default()).unwrap(), summary);
}

#[test]
fn empty_input_is_not_xml() {
    for input in [
        "",
        "   \n\t",
        "<!-- only a comment -->",
        "<?xml version=\"1.0\"?>",
    ] {
        let error = refused(input.as_bytes());
        assert_eq!(error.code(), "not_xml", "{input:?}: {error}");
        assert!(error.to_string().contains("no root element"), "{error}");
    }
}

#[test]
fn binary_garbage_is_not_utf8_and_text_garbage_is_not_xml() {
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
    assert_eq!(
        refused(png),
        UblError::NotUtf8 {
            offset: 0,
            line: 1,
            column: 1,
            path: String::new(),
        }
    );

    let error = refused(b"\x01\x02 just some text, no markup");
    assert_eq!(error.code(), "not_xml");
    assert!(
        error
            .to_string()
            .contains("line 1, column 1: character U+0001"),
        "{error}"
    );

    let error = refused(b"just some text, no markup");
    assert_eq!(error.code(), "not_xml");
    assert!(
        error.to_string().contains("outside the root element"),
        "{error}"
    );
}

#[test]
fn latin1_bytes_are_not_utf8() {
    let mut bytes = invoice(&format!("{HEADER}<cbc:Note>Caf")).into_bytes();
    let offset = bytes.len();
    bytes.push(0xE9);
    bytes.extend_from_slice(b"</cbc:Note></Invoice>");
    let error = refused(&bytes);
    let before = std::str::from_utf8(&bytes[..offset]).unwrap();
    let (line, column) = place_of_end(before);
    assert_eq!(
        error,
        UblError::NotUtf8 {
            offset,
            line,
            column,
            path: "/Invoice/cbc:Note[1]".to_owned(),
        }
    );
    assert_eq!(error.code(), "not_utf8");
    assert!(error.to_string().contains(&format!("byte offset {offset}")));
}

#[test]
fn japanese_legacy_encodings_and_utf16_are_read_and_others_refused_by_name() {
    let mut shift_jis_bytes = b"<?xml version='1.0' encoding='Shift_JIS'?>".to_vec();
    shift_jis_bytes.extend_from_slice(OPEN.as_bytes());
    shift_jis_bytes.extend_from_slice(HEADER.as_bytes());
    shift_jis_bytes.extend_from_slice(b"<cbc:Note>\x93\x8c\x8b\x9e</cbc:Note></Invoice>");
    let read_back = parse(&shift_jis_bytes, &Limits::default());
    assert!(read_back.is_ok(), "{read_back:?}");

    let at = shift_jis_bytes.len() - "</cbc:Note></Invoice>".len();
    let mut broken = shift_jis_bytes.clone();
    broken.insert(at, 0xA0);
    let error = refused(&broken);
    assert_eq!(error.code(), "invalid_encoding");
    let (line, column) = place_of_end(&format!(
        "<?xml version='1.0' encoding='Shift_JIS'?>{OPEN}{HEADER}<cbc:Note>東京"
    ));
    assert_eq!(
        error,
        UblError::InvalidEncoding {
            encoding: "Shift_JIS",
            offset: at,
            line,
            column,
            path: "/Invoice/cbc:Note[1]".to_owned(),
        }
    );
    assert!(
        error
            .message_ja()
            .contains(&format!("{line} 行 {column} 文字目")),
        "{error:?}"
    );

    for other in ["ISO-2022-JP", "ISO-8859-1"] {
        let declared = format!(
            "<?xml version=\"1.0\" encoding=\"{other}\"?>{}",
            invoice(HEADER)
        );
        let error = refused(declared.as_bytes());
        assert_eq!(error.code(), "unsupported_encoding");
        assert!(error.to_string().contains(other), "{error}");
    }

    for utf8 in ["UTF-8", "utf-8", "utf8"] {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"{utf8}\"?>{}",
            invoice(HEADER)
        );
        assert!(read(&xml).is_ok(), "{utf8}");
    }

    let text = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-16\"?>{}",
        invoice(HEADER)
    );
    let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_eq!(
        parse(&utf16, &Limits::default()).map(|s| s.number),
        read(&invoice(HEADER)).map(|s| s.number)
    );
}

#[test]
fn a_document_over_the_size_limit_is_refused_before_parsing() {
    let xml = invoice(HEADER);
    let limits = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    let error = parse(xml.as_bytes(), &limits).unwrap_err();
    assert_eq!(
        error,
        UblError::TooLarge {
            size: xml.len(),
            limit: 100
        }
    );
    assert_eq!(error.code(), "document_too_large");

    let garbage = vec![0xFF; 101];
    assert_eq!(
        parse(&garbage, &limits).unwrap_err().code(),
        "document_too_large"
    );

    let exact = Limits {
        max_bytes: xml.len(),
        ..Limits::default()
    };
    assert!(parse(xml.as_bytes(), &exact).is_ok());
}

fn nested(depth: usize) -> String {
    invoice(&format!(
        "{HEADER}{}{}",
        "<x>".repeat(depth),
        "</x>".repeat(depth)
    ))
}

#[test]
fn nesting_beyond_the_limit_is_refused() {
    let xml = nested(100);
    let error = read(&xml).unwrap_err();
    let column = OPEN.chars().count() + HEADER.chars().count() + 63 * "<x>".len() + 1;
    assert_eq!(
        error,
        UblError::TooDeep {
            limit: 64,
            line: 1,
            column,
            path: format!("/Invoice{}", "/x[1]".repeat(64)),
        },
        "the root is level 1, so the 64th <x> is the 65th level"
    );
    assert_eq!(error.code(), "too_deeply_nested");
    assert!(
        read(&nested(63)).is_ok(),
        "63 levels below the root are within 64"
    );
}

#[test]
fn very_deep_nesting_is_refused_without_exhausting_the_stack() {
    let error = read(&nested(100_000)).unwrap_err();
    assert_eq!(error.code(), "too_deeply_nested");

    let limits = Limits {
        max_depth: 1_000_000,
        ..Limits::default()
    };
    let summary = parse(nested(100_000).as_bytes(), &limits).expect("read without recursion");
    assert_eq!(summary.number, "1");
}

#[test]
fn any_doctype_is_refused() {
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Invoice>\n{}",
        invoice(HEADER)
    );
    let error = read(&xml).unwrap_err();
    assert_eq!(
        error,
        UblError::DoctypeForbidden {
            line: 2,
            column: 1,
            path: String::new()
        }
    );
    assert_eq!(error.code(), "doctype_forbidden");
    assert!(error.to_string().contains("line 2, column 1"), "{error}");
}

#[test]
fn billion_laughs_is_refused_at_its_doctype() {
    let mut dtd = String::from("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for level in 1..10 {
        let previous = if level == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", level - 1)
        };
        dtd.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">",
            format!("&{previous};").repeat(10)
        ));
    }
    dtd.push_str("]>");
    let xml = format!(
        "{dtd}{}",
        invoice(&format!("{HEADER}<cbc:Note>&lol9;</cbc:Note>"))
    );
    assert_eq!(read(&xml).unwrap_err().code(), "doctype_forbidden");
}

#[test]
fn an_external_entity_is_refused_at_its_doctype() {
    let xml = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE Invoice [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{}",
        invoice(&format!("{HEADER}<cbc:Note>&xxe;</cbc:Note>"))
    );
    assert_eq!(read(&xml).unwrap_err().code(), "doctype_forbidden");
}

#[test]
fn an_undeclared_entity_is_refused_in_text_and_in_attributes() {
    let xml = invoice(&format!("{HEADER}\n<cbc:Note>a &foo; b</cbc:Note>"));
    let error = read(&xml).unwrap_err();
    let column = "<cbc:Note>a ".len() + 1;
    assert_eq!(
        error,
        UblError::EntityForbidden {
            name: "foo".to_owned(),
            line: 2,
            column,
            path: "/Invoice/cbc:Note[1]".to_owned(),
        }
    );
    assert_eq!(error.code(), "entity_forbidden");
    assert!(error.to_string().contains("&foo;"), "{error}");

    let xml = invoice(&format!(
        "{HEADER}<cbc:Note languageID=\"&bar;\">x</cbc:Note>"
    ));
    let error = read(&xml).unwrap_err();
    assert_eq!(error.code(), "entity_forbidden");
    assert!(matches!(&error, UblError::EntityForbidden { name, .. } if name == "bar"));

    let html = invoice(&format!("{HEADER}<cbc:Note>&nbsp;</cbc:Note>"));
    assert_eq!(read(&html).unwrap_err().code(), "entity_forbidden");
}

#[test]
fn an_unknown_root_is_not_a_document() {
    let error = read("<?xml version=\"1.0\"?>\n<!-- a catalogue -->\n  <Foo xmlns=\"urn:x\"/>")
        .unwrap_err();
    assert_eq!(
        error,
        UblError::UnknownRoot {
            namespace: "urn:x".to_owned(),
            local_name: "Foo".to_owned(),
            path: "/Foo".to_owned(),
            line: 3,
            column: 3,
        }
    );
    assert_eq!(error.code(), "unknown_document_type");
    assert!(error.to_string().contains("<Foo>"), "{error}");
}

#[test]
fn a_ubl_root_in_the_wrong_namespace_is_not_a_document() {
    let order_namespace = OPEN.replace("xsd:Invoice-2", "xsd:Order-2");
    let error = read(&format!("{order_namespace}{HEADER}</Invoice>")).unwrap_err();
    assert!(matches!(
        &error,
        UblError::UnknownRoot { namespace, local_name, .. }
            if namespace == "urn:oasis:names:specification:ubl:schema:xsd:Order-2" && local_name == "Invoice"
    ));

    let error = read("<Invoice><ID>1</ID></Invoice>").unwrap_err();
    assert_eq!(
        error,
        UblError::UnknownRoot {
            namespace: String::new(),
            local_name: "Invoice".to_owned(),
            path: "/Invoice".to_owned(),
            line: 1,
            column: 1,
        }
    );
    assert!(error.to_string().contains("no namespace"), "{error}");
}

#[test]
fn a_missing_or_empty_number_is_refused() {
    let missing = UblError::MissingNumber {
        kind: DocumentKind::Invoice,
        path: "/Invoice".to_owned(),
        line: 1,
        column: 1,
    };
    assert_eq!(
        read(&invoice("<cbc:IssueDate>2024-04-01</cbc:IssueDate>")).unwrap_err(),
        missing
    );
    assert_eq!(
        read(&invoice(
            "<cbc:ID> \n </cbc:ID><cbc:IssueDate>2024-04-01</cbc:IssueDate>"
        ))
        .unwrap_err(),
        missing
    );
    assert_eq!(missing.code(), "missing_document_number");
    assert_eq!(
        missing.location(),
        (Some((1, 1)), Some("/Invoice".to_owned())),
        "located at the root's start tag, where the number belongs"
    );
    assert!(missing.to_string().contains("cbc:ID"));
}

#[test]
fn a_missing_issue_date_is_refused() {
    let error = read(&invoice("<cbc:ID>1</cbc:ID>")).unwrap_err();
    assert_eq!(
        error,
        UblError::MissingIssueDate {
            kind: DocumentKind::Invoice,
            path: "/Invoice".to_owned(),
            line: 1,
            column: 1,
        }
    );
    assert_eq!(error.code(), "missing_issue_date");
}

#[test]
fn an_invalid_issue_date_is_refused_and_a_time_zone_is_ignored() {
    let xml = invoice("<cbc:ID>1</cbc:ID><cbc:IssueDate>2023-13-45</cbc:IssueDate>");
    let error = read(&xml).unwrap_err();
    let column = xml.find("<cbc:IssueDate>").unwrap() + 1;
    assert_eq!(
        error,
        UblError::InvalidIssueDate {
            value: "2023-13-45".to_owned(),
            path: "/Invoice/cbc:IssueDate[1]".to_owned(),
            line: 1,
            column,
        }
    );
    assert_eq!(
        error.location().1.as_deref(),
        Some("/Invoice/cbc:IssueDate[1]"),
        "located as the rules locate their findings"
    );
    assert!(
        error.message_ja().contains("発行日"),
        "{}",
        error.message_ja()
    );
    assert_eq!(error.code(), "invalid_issue_date");
    assert!(error.to_string().contains("2023-13-45"));

    for zoned in ["2023-10-24+09:00", "2023-10-24Z", " 2023-10-24 "] {
        let summary = read(&invoice(&format!(
            "<cbc:ID>1</cbc:ID><cbc:IssueDate>{zoned}</cbc:IssueDate>"
        )))
        .unwrap();
        assert_eq!(summary.issue_date.to_string(), "2023-10-24", "{zoned}");
    }
}

#[test]
fn an_amount_that_is_not_a_decimal_is_refused_with_its_place() {
    let xml = invoice(&format!(
        "{HEADER}\n<cac:LegalMonetaryTotal>\n  <cbc:PayableAmount currencyID=\"JPY\">12,000</cbc:PayableAmount>\n</cac:LegalMonetaryTotal>"
    ));
    let error = read(&xml).unwrap_err();
    assert_eq!(
        error,
        UblError::InvalidAmount {
            element: "/Invoice/cac:LegalMonetaryTotal[1]/cbc:PayableAmount[1]".to_owned(),
            value: "12,000".to_owned(),
            line: 3,
            column: 3
        }
    );
    assert_eq!(error.code(), "invalid_amount");
    let message = error.to_string();
    assert!(
        message.contains("cbc:PayableAmount") && message.contains("line 3, column 3"),
        "{message}"
    );

    for bad in ["1e3", "", "¥100", "1 000"] {
        let xml = invoice(&format!(
            "{HEADER}<cac:TaxTotal><cbc:TaxAmount currencyID=\"JPY\">{bad}</cbc:TaxAmount></cac:TaxTotal>"
        ));
        assert_eq!(read(&xml).unwrap_err().code(), "invalid_amount", "{bad:?}");
    }

    let xml = invoice(&format!(
        "{HEADER}<cac:TaxTotal><cac:TaxSubtotal><cbc:TaxAmount currencyID=\"JPY\">0</cbc:TaxAmount>\
         <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>10%</cbc:Percent></cac:TaxCategory>\
         </cac:TaxSubtotal></cac:TaxTotal>"
    ));
    assert!(matches!(
        read(&xml).unwrap_err(),
        UblError::InvalidAmount { element, .. }
            if element == "/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[1]/cac:TaxCategory[1]/cbc:Percent[1]"
    ));
}

#[test]
fn malformed_markup_is_not_xml() {
    let cases = [
        (
            "mismatched end tag",
            invoice("<cbc:ID>1</cbc:Id><cbc:IssueDate>2024-04-01</cbc:IssueDate>"),
        ),
        (
            "text after the root",
            format!("{} trailing", invoice(HEADER)),
        ),
        (
            "element after the root",
            format!("{}<Invoice/>", invoice(HEADER)),
        ),
        (
            "CDATA after the root",
            format!("{}<![CDATA[x]]>", invoice(HEADER)),
        ),
        (
            "reference after the root",
            format!("{}&amp;", invoice(HEADER)),
        ),
        ("text before the root", format!("hello {}", invoice(HEADER))),
        ("unclosed root", format!("{OPEN}{HEADER}")),
        ("unclosed element", invoice("<cbc:ID>1")),
        ("stray end tag", format!("{}</Invoice>", invoice(HEADER))),
        (
            "unbound element prefix",
            invoice(&format!("{HEADER}<foo:Bar/>")),
        ),
        (
            "unbound attribute prefix",
            invoice(&format!("{HEADER}<cbc:Note foo:lang=\"x\">n</cbc:Note>")),
        ),
        (
            "duplicate attribute",
            invoice(&format!("{HEADER}<cbc:Note a=\"1\" a=\"2\">n</cbc:Note>")),
        ),
        (
            "attribute without value",
            invoice(&format!("{HEADER}<cbc:Note checked>n</cbc:Note>")),
        ),
        (
            "lone ampersand",
            invoice(&format!("{HEADER}<cbc:Note>A & B</cbc:Note>")),
        ),
        (
            "NUL character reference",
            invoice(&format!("{HEADER}<cbc:Note>&#0;</cbc:Note>")),
        ),
        (
            "control character reference",
            invoice(&format!("{HEADER}<cbc:Note>&#x1;</cbc:Note>")),
        ),
        (
            "bad character reference",
            invoice(&format!("{HEADER}<cbc:Note>&#xZZ;</cbc:Note>")),
        ),
        (
            "declaration not at the start",
            format!(" <?xml version=\"1.0\"?>{}", invoice(HEADER)),
        ),
        (
            "double hyphen in a comment",
            invoice(&format!("{HEADER}<!-- a -- b -->")),
        ),
        ("unclosed comment", format!("{}<!-- ", invoice(HEADER))),
    ];
    for (what, xml) in cases {
        match read(&xml) {
            Err(error @ UblError::NotXml { line, column, .. }) => {
                assert!(line >= 1 && column >= 1, "{what}");
                assert_japanese_only(&error, what);
            }
            other => panic!("{what}: expected not_xml, got {other:?}"),
        }
    }

    let error = read(&invoice("<cbc:ID>1</cbc:Id>")).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("cbc:ID") && message.contains("cbc:Id"),
        "{message}"
    );
    assert!(
        message.starts_with("not well-formed XML at line 1, column"),
        "{message}"
    );
}

fn party_name(xml_name: &str) -> Option<String> {
    let xml = invoice(&format!(
        "{HEADER}<cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>{xml_name}</cbc:Name>\
         </cac:PartyName></cac:Party></cac:AccountingSupplierParty>"
    ));
    read(&xml)
        .expect("a named supplier is accepted")
        .supplier
        .name
}

#[test]
fn references_and_cdata_in_text_are_resolved() {
    assert_eq!(
        party_name("Smith &amp; Sons").as_deref(),
        Some("Smith & Sons")
    );
    assert_eq!(
        party_name("&lt;A&gt; &quot;B&quot; &apos;C&apos; &#x3C;D&#62; &#26085;&#x672C;")
            .as_deref(),
        Some("<A> \"B\" 'C' <D> 日本")
    );
    assert_eq!(
        party_name("<![CDATA[R&D <Lab>]]>").as_deref(),
        Some("R&D <Lab>")
    );
    assert_eq!(
        party_name("  A <!-- note --> B <?pi x?> ").as_deref(),
        Some("A  B")
    );
    assert_eq!(party_name(" \n ").as_deref(), None);
    assert_eq!(
        party_name("\u{3000}全角\u{3000}").as_deref(),
        Some("\u{3000}全角\u{3000}")
    );
}

#[test]
fn attribute_values_are_unescaped() {
    let xml = invoice(&format!(
        "{HEADER}<cac:AccountingSupplierParty><cac:Party>\
         <cbc:EndpointID schemeID=\" a&amp;b&#x41; \">x</cbc:EndpointID></cac:Party></cac:AccountingSupplierParty>"
    ));
    assert_eq!(
        read(&xml).unwrap().supplier.endpoint_scheme.as_deref(),
        Some("a&bA")
    );
}

#[test]
fn repeated_references_are_kept_once_in_first_seen_order() {
    let mut lines = String::new();
    for line in 0..40 {
        lines.push_str(&format!(
            "<cac:InvoiceLine><cbc:ID>{line}</cbc:ID>\
             <cac:DespatchLineReference><cbc:LineID>1</cbc:LineID><cac:DocumentReference><cbc:ID>D{}</cbc:ID></cac:DocumentReference></cac:DespatchLineReference>\
             <cac:OrderLineReference><cbc:LineID>1</cbc:LineID><cac:OrderReference><cbc:ID>O1</cbc:ID></cac:OrderReference></cac:OrderLineReference>\
             <cac:DocumentReference><cbc:ID>D{}</cbc:ID></cac:DocumentReference>\
             </cac:InvoiceLine>",
            line % 20,
            line % 20
        ));
    }
    let summary = read(&invoice(&format!(
        "{HEADER}<cac:OrderReference><cbc:ID>O1</cbc:ID></cac:OrderReference>{lines}"
    )))
    .unwrap();
    let mut expected = vec![DocumentReference {
        kind: ReferenceKind::Order,
        number: "O1".to_owned(),
    }];
    expected.extend((0..20).map(|n| DocumentReference {
        kind: ReferenceKind::Despatch,
        number: format!("D{n}"),
    }));
    assert_eq!(summary.references, expected);
    assert_eq!(summary.line_count, 40);
}

#[test]
fn every_error_has_its_stable_code() {
    let kind = DocumentKind::Invoice;
    let cases = [
        (
            UblError::TooLarge { size: 2, limit: 1 },
            "document_too_large",
        ),
        (
            UblError::NotUtf8 {
                offset: 0,
                line: 1,
                column: 1,
                path: String::new(),
            },
            "not_utf8",
        ),
        (
            UblError::UnsupportedEncoding {
                encoding: "ISO-2022-JP".to_owned(),
            },
            "unsupported_encoding",
        ),
        (
            UblError::InvalidEncoding {
                encoding: "Shift_JIS",
                offset: 0,
                line: 1,
                column: 1,
                path: String::new(),
            },
            "invalid_encoding",
        ),
        (
            UblError::NotXml {
                line: 1,
                column: 1,
                path: String::new(),
                problem: SyntaxProblem::NoRootElement,
            },
            "not_xml",
        ),
        (
            UblError::TooDeep {
                limit: 64,
                line: 1,
                column: 1,
                path: String::new(),
            },
            "too_deeply_nested",
        ),
        (
            UblError::DoctypeForbidden {
                line: 1,
                column: 1,
                path: String::new(),
            },
            "doctype_forbidden",
        ),
        (
            UblError::EntityForbidden {
                name: "x".to_owned(),
                line: 1,
                column: 1,
                path: String::new(),
            },
            "entity_forbidden",
        ),
        (
            UblError::UnknownRoot {
                namespace: String::new(),
                local_name: "x".to_owned(),
                path: "/x".to_owned(),
                line: 1,
                column: 1,
            },
            "unknown_document_type",
        ),
        (
            UblError::MissingNumber {
                kind,
                path: String::new(),
                line: 1,
                column: 1,
            },
            "missing_document_number",
        ),
        (
            UblError::TooManyAttributes {
                element: "x".to_owned(),
                count: 2,
                limit: 1,
                line: 1,
                column: 1,
                path: String::new(),
            },
            "too_many_attributes",
        ),
        (
            UblError::NumberTooLong {
                length: 2,
                path: String::new(),
                limit: 1,
                line: 1,
                column: 1,
            },
            "document_number_too_long",
        ),
        (
            UblError::ValueTooLong {
                element: "x".to_owned(),
                length: 2,
                limit: 1,
                line: 1,
                column: 1,
            },
            "value_too_long",
        ),
        (
            UblError::MissingIssueDate {
                kind,
                path: String::new(),
                line: 1,
                column: 1,
            },
            "missing_issue_date",
        ),
        (
            UblError::InvalidIssueDate {
                value: String::new(),
                path: String::new(),
                line: 1,
                column: 1,
            },
            "invalid_issue_date",
        ),
        (
            UblError::InvalidAmount {
                element: String::new(),
                value: String::new(),
                line: 1,
                column: 1,
            },
            "invalid_amount",
        ),
    ];
    for (error, code) in cases {
        assert_eq!(error.code(), code, "{error:?}");
    }
}

fn with_attributes(count: usize) -> String {
    let attributes: String = (0..count).map(|i| format!(" a{i}=\"v\"")).collect();
    invoice(&format!("{HEADER}<cbc:Note{attributes}>n</cbc:Note>"))
}

#[test]
fn attributes_beyond_the_limit_are_refused_and_many_are_checked_in_linear_time() {
    let xml = with_attributes(100_000);
    let error = read(&xml).unwrap_err();
    assert_eq!(error.code(), "too_many_attributes");
    let message = error.to_string();
    assert!(
        message.contains("<cbc:Note>") && message.contains("100000 attributes"),
        "{message}"
    );
    assert!(read(&with_attributes(256)).is_ok());

    // Quadratic duplicate checks took seconds here; linear ones take milliseconds.
    let limits = Limits {
        max_attributes: 200_000,
        ..Limits::default()
    };
    assert!(parse(with_attributes(200_000).as_bytes(), &limits).is_ok());
    let mut duplicated = with_attributes(20_000);
    duplicated = duplicated.replace(" a19999=\"v\"", " a7=\"v\"");
    let error = parse(duplicated.as_bytes(), &limits).unwrap_err();
    assert_eq!(error.code(), "not_xml");
    assert!(
        error.to_string().contains("duplicate attribute `a7`"),
        "{error}"
    );
}

#[test]
fn characters_outside_xml_1_0_are_refused_with_their_position_and_code_point() {
    for (c, name) in [
        ('\0', "U+0000"),
        ('\u{1}', "U+0001"),
        ('\u{1B}', "U+001B"),
        ('\u{FFFE}', "U+FFFE"),
        ('\u{FFFF}', "U+FFFF"),
    ] {
        let xml = format!("{OPEN}\n<cbc:ID>1</cbc:ID><cbc:Note>ab{c}</cbc:Note></Invoice>");
        let error = refused(xml.as_bytes());
        assert_eq!(error.code(), "not_xml", "{name}");
        let message = error.to_string();
        assert!(
            message.contains("line 2, column 31") && message.contains(name),
            "{name}: {message}"
        );
    }
    let in_attribute = invoice(&format!("{HEADER}<cbc:Note a=\"\u{1}\">n</cbc:Note>"));
    assert_eq!(refused(in_attribute.as_bytes()).code(), "not_xml");
}

#[test]
fn cdata_end_in_text_is_refused_but_allowed_where_xml_allows_it() {
    let error = refused(invoice(&format!("{HEADER}<cbc:Note>a]]>b</cbc:Note>")).as_bytes());
    assert_eq!(error.code(), "not_xml");
    assert!(error.to_string().contains("]]>"), "{error}");
    for fine in [
        "<cbc:Note>a]]&gt;b</cbc:Note>",
        "<cbc:Note><![CDATA[a]]]]><![CDATA[>b]]></cbc:Note>",
        "<cbc:Note a=\"]]>\">n</cbc:Note>",
        "<!-- ]]> --><cbc:Note>]]</cbc:Note>",
    ] {
        assert!(read(&invoice(&format!("{HEADER}{fine}"))).is_ok(), "{fine}");
    }
}

#[test]
fn only_xml_version_1_0_is_accepted() {
    let error = refused(format!("<?xml version=\"1.1\"?>\n{}", invoice(HEADER)).as_bytes());
    assert_eq!(error.code(), "not_xml");
    assert!(error.to_string().contains("\"1.1\""), "{error}");
    assert!(read(&format!("<?xml version='1.0'?>{}", invoice(HEADER))).is_ok());
}

#[test]
fn an_overlong_document_number_or_summary_value_is_refused_naming_the_field() {
    let long = "9".repeat(200_000);
    let error = read(&invoice(&format!(
        "<cbc:ID>{long}</cbc:ID><cbc:IssueDate>2024-04-01</cbc:IssueDate>"
    )))
    .unwrap_err();
    assert_eq!(error.code(), "document_number_too_long");
    assert!(
        error.to_string().contains("cbc:ID") && error.to_string().contains("200000 characters"),
        "{error}"
    );
    let exact = "9".repeat(200);
    assert!(
        read(&invoice(&format!(
            "<cbc:ID>{exact}</cbc:ID><cbc:IssueDate>2024-04-01</cbc:IssueDate>"
        )))
        .is_ok()
    );

    let name = "名".repeat(1001);
    let error = read(&invoice(&format!(
        "{HEADER}<cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity>\
         <cbc:RegistrationName>{name}</cbc:RegistrationName>\
         </cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>"
    )))
    .unwrap_err();
    assert_eq!(error.code(), "value_too_long");
    assert!(
        error.to_string().contains("cbc:RegistrationName")
            && error.to_string().contains("1001 characters"),
        "{error}"
    );
}

/// Asserts that the Japanese message of a not-well-formed refusal carries none of the English words of its
/// reason (names, quoted in backticks or angle brackets, may appear in both).
fn assert_japanese_only(error: &UblError, what: &str) {
    let UblError::NotXml { problem, .. } = error else {
        panic!("{what}: {error:?}");
    };
    let japanese = error.message_ja();
    let english = problem.to_string();
    let mut outside_quotes = String::new();
    let mut quoted_until = None;
    for c in english.chars() {
        match (quoted_until, c) {
            (None, '`') => quoted_until = Some('`'),
            (None, '<') => quoted_until = Some('>'),
            (Some(end), c) if c == end => quoted_until = None,
            (None, c) => outside_quotes.push(c),
            (Some(_), _) => {}
        }
    }
    for word in outside_quotes.split(|c: char| !c.is_ascii_alphabetic()) {
        if word.len() >= 4 && word != "CDATA" {
            assert!(!japanese.contains(word), "{what}: {word:?} in {japanese}");
        }
    }
    assert!(
        japanese.contains("正しいXMLではありません"),
        "{what}: {japanese}"
    );
}

/// The 1-based line and column just after `text`, counting characters.
fn place_of_end(text: &str) -> (usize, usize) {
    let line = text.matches('\n').count() + 1;
    let column = text.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
    (line, column)
}

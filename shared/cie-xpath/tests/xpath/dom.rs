//! The arena DOM: names, text, entities, positions, paths and malformed input.

use cie_xpath::{Document, NodeKind, XmlError};

const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

fn parse(xml: &str) -> Document {
    Document::parse(xml.as_bytes()).expect("well-formed")
}

fn element(doc: &Document, local: &str, nth: usize) -> cie_xpath::NodeId {
    (0..doc.node_count())
        .filter_map(|index| doc.node(index))
        .filter(|&node| doc.kind(node) == NodeKind::Element && doc.local_name(node) == local)
        .nth(nth)
        .expect("element present")
}

const SAMPLE: &str = "\u{FEFF}<?xml version=\"1.0\"?>\n<Invoice xmlns=\"urn:inv\" xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\" xmlns:cac=\"urn:cac\">\n  <cbc:ID>A&amp;B&#x41;&#66;&lt;</cbc:ID>\n  <cac:TaxTotal><cac:TaxSubtotal/><cac:TaxSubtotal a=\"x&quot;y\tz\"><cbc:Note><![CDATA[<raw>]]> tail</cbc:Note></cac:TaxSubtotal></cac:TaxTotal>\n  <!-- comment -->\n  <cac:TaxTotal>日本<cbc:ID>2</cbc:ID></cac:TaxTotal>\n</Invoice>";

#[test]
fn names_and_namespaces() {
    let doc = parse(SAMPLE);
    let root = doc.document_element().expect("root");
    assert_eq!(doc.local_name(root), "Invoice");
    assert_eq!(doc.namespace_uri(root), "urn:inv");
    assert_eq!(doc.prefix(root), None);
    let id = element(&doc, "ID", 0);
    assert_eq!(doc.namespace_uri(id), CBC);
    assert_eq!(doc.prefix(id), Some("cbc"));
    assert_eq!(doc.qualified_name(id), "cbc:ID");
    assert!(doc.has_name(id, CBC, "ID"));
    let name_id = doc.lookup_expanded_name(CBC, "ID").expect("indexed");
    assert_eq!(doc.elements_with_name(name_id).len(), 2);
}

#[test]
fn text_entities_cdata_and_attributes() {
    let doc = parse(SAMPLE);
    assert_eq!(doc.string_value(element(&doc, "ID", 0)), "A&BAB<");
    assert_eq!(doc.string_value(element(&doc, "Note", 0)), "<raw> tail");
    let subtotal = element(&doc, "TaxSubtotal", 1);
    assert_eq!(doc.attribute(subtotal, "", "a"), Some("x\"y z"));
    assert_eq!(doc.attributes(subtotal).len(), 1);
    assert_eq!(doc.string_value(element(&doc, "TaxTotal", 1)), "日本2");
    assert_eq!(doc.string_value(element(&doc, "TaxSubtotal", 0)), "");
}

#[test]
fn line_and_column_of_start_tags() {
    let doc = parse(SAMPLE);
    assert_eq!(
        doc.line_column(doc.document_element().expect("root")),
        (2, 1)
    );
    assert_eq!(doc.line_column(element(&doc, "ID", 0)), (3, 3));
    assert_eq!(doc.line_column(element(&doc, "TaxSubtotal", 1)), (4, 35));
    // Columns count characters: `日本` is two columns, not six bytes.
    assert_eq!(doc.line_column(element(&doc, "ID", 1)), (6, 19));
}

#[test]
fn paths_use_prefixes_and_positions_among_same_named_siblings() {
    let doc = parse(SAMPLE);
    assert_eq!(
        doc.path_of(doc.document_element().expect("root")),
        "/Invoice"
    );
    assert_eq!(doc.path_of(element(&doc, "ID", 0)), "/Invoice/cbc:ID[1]");
    assert_eq!(
        doc.path_of(element(&doc, "TaxSubtotal", 1)),
        "/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[2]"
    );
    assert_eq!(
        doc.path_of(element(&doc, "ID", 1)),
        "/Invoice/cac:TaxTotal[2]/cbc:ID[1]"
    );
    let attribute = doc
        .attributes(element(&doc, "TaxSubtotal", 1))
        .next()
        .expect("attribute");
    assert_eq!(
        doc.path_of(attribute),
        "/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[2]/@a"
    );
    assert_eq!(doc.path_of(doc.root()), "/");
}

#[test]
fn tree_navigation() {
    let doc = parse(SAMPLE);
    let root = doc.document_element().expect("root");
    let elements: Vec<_> = doc
        .children(root)
        .filter(|&c| doc.kind(c) == NodeKind::Element)
        .map(|c| doc.local_name(c))
        .collect();
    assert_eq!(elements, vec!["ID", "TaxTotal", "TaxTotal"]);
    assert!(doc.children(root).any(|c| doc.kind(c) == NodeKind::Comment));
    let note = element(&doc, "Note", 0);
    assert!(doc.is_ancestor(root, note));
    assert!(!doc.is_ancestor(note, root));
    assert_eq!(doc.parent(root), Some(doc.root()));
}

#[test]
fn doctype_is_refused() {
    let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"aaaa\">]>\n<x>&a;</x>";
    assert!(matches!(
        Document::parse(xml.as_bytes()),
        Err(XmlError::Doctype { line: 2, .. })
    ));
}

#[test]
fn malformed_documents_are_errors() {
    for xml in [
        "<a><b></a>",
        "<a>",
        "<a>&unknown;</a>",
        "<p:a/>",
        "",
        "<a/><b/>",
        "text<a/>",
        "<a x='1' x='2'/>",
    ] {
        assert!(
            Document::parse(xml.as_bytes()).is_err(),
            "{xml:?} must not parse"
        );
    }
    assert_eq!(
        Document::parse(b"<a><b/><b>\n\xE6\x97\xA5\xFF</b></a>").err(),
        Some(XmlError::NotUtf8 {
            offset: 14,
            line: 2,
            column: 2,
            path: "/a/b[2]".to_owned(),
        }),
        "the place of the invalid byte, in the text before it"
    );
}

#[test]
fn the_full_example_parses() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/jp-pint/jp-pint-example.xml"
    ))
    .expect("fixture present");
    let doc = Document::parse(&bytes).expect("parses");
    assert!(doc.node_count() > 500);
}

#[test]
fn line_ends_are_normalised_except_character_references() {
    let doc = parse("<a>x\r\ny\rz&#13;</a>");
    assert_eq!(
        doc.string_value(doc.document_element().expect("root")),
        "x\ny\nz\r"
    );
    let doc = parse("<a v=\"1\r\n2\t3&#10;4\"/>");
    let root = doc.document_element().expect("root");
    assert_eq!(doc.attribute(root, "", "v"), Some("1 2 3\n4"));
}

#[test]
fn namespace_scoping() {
    let xml = r#"<r xmlns="urn:a" xmlns:p="urn:p"><c/><d xmlns=""><e/></d><p:f xmlns:p="urn:q" p:x="1" xml:lang="ja"/><g/></r>"#;
    let doc = parse(xml);
    let ns = |local: &str| doc.namespace_uri(element(&doc, local, 0)).to_owned();
    assert_eq!(ns("r"), "urn:a");
    assert_eq!(ns("c"), "urn:a");
    assert_eq!(ns("d"), "");
    assert_eq!(ns("e"), "");
    assert_eq!(ns("f"), "urn:q");
    assert_eq!(ns("g"), "urn:a");
    let f = element(&doc, "f", 0);
    assert_eq!(doc.attribute(f, "urn:q", "x"), Some("1"));
    assert_eq!(
        doc.attribute(f, "http://www.w3.org/XML/1998/namespace", "lang"),
        Some("ja")
    );
    assert_eq!(
        doc.attributes(f).len(),
        2,
        "namespace declarations are not attributes"
    );
}

#[test]
fn comments_and_processing_instructions_are_nodes() {
    let doc = parse("<?xml version='1.0'?><!-- before --><?pi data?><a><!--in--><?x y ?>t</a>");
    let root = doc.document_element().expect("root");
    let kinds: Vec<NodeKind> = doc.children(doc.root()).map(|n| doc.kind(n)).collect();
    assert_eq!(
        kinds,
        vec![
            NodeKind::Comment,
            NodeKind::ProcessingInstruction,
            NodeKind::Element
        ]
    );
    let inner: Vec<NodeKind> = doc.children(root).map(|n| doc.kind(n)).collect();
    assert_eq!(
        inner,
        vec![
            NodeKind::Comment,
            NodeKind::ProcessingInstruction,
            NodeKind::Text
        ]
    );
    assert_eq!(doc.string_value(root), "t");
}

#[test]
fn more_malformed_documents() {
    for xml in [
        "<a b=1/>",
        "<a b='<'/>",
        "<a>&#0;</a>",
        "<a>&#xD800;</a>",
        "<a xmlns:p=''/>",
        "<a><?xml version='1.0'?></a>",
        "<a><!-- x </a>",
        "<a>",
        "</a>",
        "<a></b>",
        "<a p:x='1'/>",
        "<1a/>",
        "<a:b:c/>",
        "<a xmlns:p='urn:p' xmlns:q='urn:p' p:x='1' q:x='2'/>",
    ] {
        assert!(
            Document::parse(xml.as_bytes()).is_err(),
            "{xml:?} must not parse"
        );
    }
}

#[test]
fn error_positions_are_reported() {
    match Document::parse(b"<a>\n  <b></c>\n</a>") {
        Err(XmlError::Syntax { line, column, .. }) => assert_eq!((line, column), (2, 6)),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_document_parsed_from_shared_utf8_bytes_reads_them_in_place() {
    let body = bytes::Bytes::from_static("\u{feff}<a xmlns=\"urn:x\"><b>請求書</b></a>".as_bytes());
    let doc = Document::parse_shared_with(body.clone(), &Default::default()).expect("parses");
    assert_eq!(
        doc.source().as_ptr(),
        body[3..].as_ptr(),
        "the text is not copied"
    );
    let b = element(&doc, "b", 0);
    assert_eq!(doc.string_value(b), "請求書");

    let shift_jis = bytes::Bytes::from_static(
        b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a><b>\x90\xbf\x8b\x81\x8f\x91</b></a>",
    );
    let doc = Document::parse_shared_with(shift_jis, &Default::default()).expect("transcodes");
    assert_eq!(doc.string_value(element(&doc, "b", 0)), "請求書");
}

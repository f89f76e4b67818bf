//! Elements are UBL elements by namespace URI and local name, whatever prefixes the sender chose.

use std::path::Path;

use cie_domain::{DocumentKind, Summary};
use cie_ubl::{Limits, UblError, parse};

const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";

fn minimum_example() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/jp-pint/jp-pint-example1-minimum.xml");
    std::fs::read_to_string(path).expect("the minimum example is readable")
}

fn summary_of(xml: &str) -> Result<Summary, UblError> {
    parse(xml.as_bytes(), &Limits::default())
}

/// `xml` with `cac:`/`cbc:` renamed to `a:`/`b:` and the root element prefixed `inv:` instead of
/// being in the default namespace.
fn with_other_prefixes(xml: &str) -> String {
    xml.replace("xmlns:cac=", "xmlns:a=")
        .replace("xmlns:cbc=", "xmlns:b=")
        .replace("<cac:", "<a:")
        .replace("</cac:", "</a:")
        .replace("<cbc:", "<b:")
        .replace("</cbc:", "</b:")
        .replace(
            &format!("<Invoice xmlns=\"{INVOICE}\""),
            &format!("<inv:Invoice xmlns:inv=\"{INVOICE}\""),
        )
        .replace("</Invoice>", "</inv:Invoice>")
}

/// `xml` without `cac:`/`cbc:` prefixes: every such element declares its namespace as the default.
fn with_default_namespaces(xml: &str) -> String {
    let xml = xml
        .replace(&format!(" xmlns:cac=\"{CAC}\""), "")
        .replace(&format!(" xmlns:cbc=\"{CBC}\""), "")
        .replace("</cac:", "</")
        .replace("</cbc:", "</");
    let mut out = String::with_capacity(xml.len() * 2);
    let mut rest = xml.as_str();
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let namespace = if rest.starts_with("<cac:") {
            CAC
        } else if rest.starts_with("<cbc:") {
            CBC
        } else {
            out.push('<');
            rest = &rest[1..];
            continue;
        };
        rest = &rest["<cac:".len()..];
        let name_end = rest
            .find(|c: char| c == '>' || c == '/' || c.is_ascii_whitespace())
            .expect("a start tag ends");
        out.push('<');
        out.push_str(&rest[..name_end]);
        out.push_str(&format!(" xmlns=\"{namespace}\""));
        rest = &rest[name_end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn other_prefixes_give_the_same_summary() {
    let original = minimum_example();
    let renamed = with_other_prefixes(&original);
    assert!(renamed.contains("<b:ID>156</b:ID>") && renamed.contains("<inv:Invoice"));
    assert!(!renamed.contains("cbc:") && !renamed.contains("cac:"));
    assert_eq!(
        summary_of(&renamed).unwrap(),
        summary_of(&original).unwrap()
    );
}

#[test]
fn default_namespaces_on_every_element_give_the_same_summary() {
    let original = minimum_example();
    let unprefixed = with_default_namespaces(&original);
    assert!(unprefixed.contains(&format!("<ID xmlns=\"{CBC}\">156</ID>")));
    assert!(!unprefixed.contains("cbc:") && !unprefixed.contains("cac:"));
    assert_eq!(
        summary_of(&unprefixed).unwrap(),
        summary_of(&original).unwrap()
    );
}

#[test]
fn a_cbc_prefix_bound_to_another_namespace_is_not_ubl() {
    let original = minimum_example();
    let impostor = original.replace(
        &format!("xmlns:cbc=\"{CBC}\""),
        "xmlns:cbc=\"urn:example:not-ubl\"",
    );
    assert_ne!(impostor, original);
    let root_line = impostor[..impostor.find("<Invoice").unwrap()]
        .matches('\n')
        .count()
        + 1;
    assert_eq!(
        summary_of(&impostor).unwrap_err(),
        UblError::MissingNumber {
            kind: DocumentKind::Invoice,
            path: "/Invoice".to_owned(),
            line: root_line,
            column: 1,
        }
    );
}

#[test]
fn an_id_in_a_foreign_namespace_is_skipped_for_the_real_one() {
    let xml = format!(
        r#"<Invoice xmlns="{INVOICE}" xmlns:cbc="{CBC}" xmlns:x="urn:example:other">
            <x:ID>999</x:ID>
            <ID xmlns="urn:example:other">998</ID>
            <cbc:ID>156</cbc:ID>
            <cbc:IssueDate>2023-10-24</cbc:IssueDate>
        </Invoice>"#
    );
    assert_eq!(summary_of(&xml).unwrap().number, "156");
}

#[test]
fn an_unprefixed_child_of_the_root_is_in_the_document_namespace_not_cbc() {
    let xml = format!(
        r#"<Invoice xmlns="{INVOICE}" xmlns:cbc="{CBC}">
            <ID>999</ID>
            <cbc:IssueDate>2023-10-24</cbc:IssueDate>
        </Invoice>"#
    );
    assert_eq!(
        summary_of(&xml).unwrap_err().code(),
        "missing_document_number"
    );
}

#[test]
fn extensions_and_signatures_are_not_read_for_the_summary() {
    let xml = format!(
        r#"<Invoice xmlns="{INVOICE}" xmlns:cac="{CAC}" xmlns:cbc="{CBC}"
                xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2">
            <ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent>
                <cbc:ID>from-extension</cbc:ID>
                <cac:AccountingSupplierParty><cac:Party><cbc:EndpointID>ext</cbc:EndpointID></cac:Party></cac:AccountingSupplierParty>
            </ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>
            <cbc:ID>156</cbc:ID>
            <cbc:IssueDate>2023-10-24</cbc:IssueDate>
            <cac:Signature>
                <cbc:ID>signature-1</cbc:ID>
                <cac:SignatoryParty><cac:PartyName><cbc:Name>Signer</cbc:Name></cac:PartyName></cac:SignatoryParty>
            </cac:Signature>
        </Invoice>"#
    );
    let summary = summary_of(&xml).unwrap();
    assert_eq!(summary.number, "156");
    assert!(summary.supplier.is_empty());
    assert!(summary.buyer.is_empty());
}

#[test]
fn prefixed_attributes_need_a_bound_prefix_and_xml_is_always_bound() {
    let xml = format!(
        r#"<Invoice xmlns="{INVOICE}" xmlns:cbc="{CBC}"
                xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                xsi:schemaLocation="{INVOICE} UBL-Invoice-2.1.xsd">
            <cbc:ID>156</cbc:ID>
            <cbc:IssueDate>2023-10-24</cbc:IssueDate>
            <cbc:Note xml:lang="ja">備考</cbc:Note>
        </Invoice>"#
    );
    assert_eq!(summary_of(&xml).unwrap().number, "156");

    let unbound = xml.replace(
        " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"",
        "",
    );
    let error = summary_of(&unbound).unwrap_err();
    assert_eq!(error.code(), "not_xml");
    assert!(error.to_string().contains("xsi"), "{error}");
}

//! Our consistency rules (`cie-doc-*`): arithmetic, identity and identifier checks that Japanese practice
//! expects of an invoice or credit note and the official rules do not make: each line's net amount against
//! quantity × price ÷ base quantity with the line's charges and allowances, unique line ids, a quantity and an
//! amount of contradicting signs, and identifiers of the 法人番号 (0188) and GLN (0088) schemes with their
//! check digits. The identifier checks are warnings: the official JP PINT examples carry placeholder
//! identifiers (1234567890123 and 3210987654321 as 法人番号, 9482348239847239874 as a GLN) that fail them, and
//! a wrong check digit is a typing error for the accountant to look at rather than a reason to return.

use std::collections::HashSet;

use cie_domain::ids::{is_corporate_number, is_gln};
use cie_domain::{Finding, Severity};
use cie_xpath::{Document, KnownName, NodeId, NodeKind};
use rust_decimal::Decimal;

use crate::catalogued::{Findings, text};
use crate::numbers::Number;
use crate::ubl_names::NAMES;

/// Name and version of this rule set.
pub const RULE_SET: &str = "cie-doc 1";

/// Every rule of this set: id, severity, Japanese and English description.
pub const RULES: &[(&str, Severity, &str, &str)] = &[
    (
        "cie-doc-01",
        Severity::Error,
        "明細行の金額（IBT-131）は、数量 × 単価 ÷ 基準数量 に明細行の追加請求を加え値引きを差し引いた額（端数処理の差を除く）と一致しなければなりません。",
        "A line's net amount (ibt-131) must equal quantity × price ÷ base quantity, plus the line's charges and minus its allowances (rounding aside).",
    ),
    (
        "cie-doc-02",
        Severity::Error,
        "明細行のID（IBT-126）は文書の中で一意でなければなりません。",
        "Line ids (ibt-126) must be unique within the document.",
    ),
    (
        "cie-doc-03",
        Severity::Error,
        "明細行の数量と金額の符号が矛盾しています（負の数量に正の金額、またはその逆）。",
        "A line's quantity and net amount have contradicting signs (a negative quantity with a positive amount, or the reverse).",
    ),
    (
        "cie-doc-04",
        Severity::Warning,
        "スキーム0188の識別子は、検査用数字（先頭の1桁）の正しい13桁の法人番号でなければなりません。転記の誤りがないか確認してください。",
        "An identifier of scheme 0188 must be a 13-digit corporate number (法人番号) whose first digit is its check digit: check it for a typing error.",
    ),
    (
        "cie-doc-05",
        Severity::Warning,
        "スキーム0088の識別子は、検査用数字（末尾の1桁）の正しい13桁のGLNでなければなりません。転記の誤りがないか確認してください。",
        "An identifier of scheme 0088 must be a 13-digit GLN whose last digit is its check digit: check it for a typing error.",
    ),
];

/// Runs the `cie-doc-*` rules on an invoice or credit note.
pub fn validate_consistency(doc: &Document) -> Vec<Finding> {
    let Some(root) = doc.document_element() else {
        return Vec::new();
    };
    let mut out = Findings::new(doc, RULES, RULE_SET);
    let mut ids = HashSet::new();
    let names = &*NAMES;
    for (line_name, quantity_name) in [
        (&names.invoice_line, &names.invoiced_quantity),
        (&names.credit_note_line, &names.credited_quantity),
    ] {
        for line in doc.children_known(root, line_name) {
            if let Some(id) = doc.child_known(line, &names.id) {
                let value = text(doc, id);
                if !ids.insert(value.clone()) {
                    out.push(
                        id,
                        "cie-doc-02",
                        &format!("ID {value}"),
                        &format!("id {value}"),
                    );
                }
            }
            check_line(&mut out, line, quantity_name);
        }
    }
    for index in 0..doc.node_count() {
        let Some(node) = doc.node(index) else {
            continue;
        };
        if doc.kind(node) != NodeKind::Element {
            continue;
        }
        let scheme = doc
            .attributes(node)
            .find(|&attribute| doc.has_known_name(attribute, &names.scheme_id))
            .and_then(|attribute| doc.text(attribute));
        let (check, rule): (fn(&str) -> bool, &str) = match scheme {
            Some("0188") => (is_corporate_number, "cie-doc-04"),
            Some("0088") => (is_gln, "cie-doc-05"),
            _ => continue,
        };
        let value = text(doc, node);
        if check(&value) {
            continue;
        }
        out.push(node, rule, &value, &value);
    }
    out.findings
}

/// The arithmetic and the signs of one line, exact where the values fit 28 digits and approximate beyond
/// (see [`Number`]).
fn check_line(out: &mut Findings<'_>, line: NodeId, quantity_name: &KnownName) {
    let doc = out.doc;
    let names = &*NAMES;
    let number = |node: Option<NodeId>| node.and_then(|n| Number::parse(&text(doc, n)));
    let quantity_node = doc.child_known(line, quantity_name);
    let net_node = doc.child_known(line, &names.line_extension_amount);
    let price = doc.child_known(line, &names.price);
    let (Some(quantity), Some(net), Some(price_amount)) = (
        number(quantity_node),
        number(net_node),
        number(price.and_then(|p| doc.child_known(p, &names.price_amount))),
    ) else {
        return;
    };
    let net_node = net_node.unwrap_or(line);
    if !quantity.is_zero()
        && !net.is_zero()
        && !price_amount.is_zero()
        && !price_amount.is_negative()
        && quantity.is_negative() != net.is_negative()
    {
        out.push(
            net_node,
            "cie-doc-03",
            &format!("数量 {quantity}、金額 {net}"),
            &format!("quantity {quantity}, amount {net}"),
        );
        return;
    }
    let base = number(price.and_then(|p| doc.child_known(p, &names.base_quantity)))
        .filter(|b| !b.is_zero())
        .unwrap_or(Number::of(Decimal::ONE));
    let mut adjustments = Number::ZERO;
    for charge in doc.children_known(line, &names.allowance_charge) {
        let Some(value) = number(doc.child_known(charge, &names.amount)) else {
            return;
        };
        let is_charge = doc
            .child_known(charge, &names.charge_indicator)
            .is_some_and(|n| text(doc, n) == "true");
        adjustments = if is_charge {
            adjustments.plus(value)
        } else {
            adjustments.minus(value)
        };
    }
    let product = quantity
        .times(price_amount)
        .divided_by(base)
        .plus(adjustments);
    // The amount may be the product rounded to the amount's own decimals, in any direction.
    let unit = Decimal::new(1, net.exact().map_or(0, |net| net.scale()));
    if product.differs_from(net, unit) {
        let product = product.normalized();
        out.push(
            net_node,
            "cie-doc-01",
            &format!("計算上 {product}、記載 {net}"),
            &format!("computed {product}, stated {net}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../tests/fixtures/jp-pint/jp-pint-example.xml");

    fn fired(xml: &str) -> Vec<String> {
        let doc = Document::parse(xml.as_bytes()).expect("well-formed");
        validate_consistency(&doc)
            .into_iter()
            .map(|f| f.rule_id)
            .collect()
    }

    #[test]
    fn the_official_example_passes_but_for_its_placeholder_corporate_numbers() {
        assert_eq!(fired(EXAMPLE), ["cie-doc-04"; 3]);
    }

    /// The example with its placeholder corporate numbers replaced by real ones (国税庁's own, 7000012050002).
    fn example() -> String {
        EXAMPLE
            .replace(">1234567890123<", ">7000012050002<")
            .replace(">3210987654321<", ">7000012050002<")
    }

    #[test]
    fn a_line_amount_that_is_not_quantity_times_price_fails() {
        let good = example();
        assert!(fired(&good).is_empty(), "{:?}", fired(&good));
        let line = good
            .find("<cbc:LineExtensionAmount")
            .expect("a line amount");
        let first_line = good.find("<cac:InvoiceLine>").expect("a line");
        assert!(line < first_line, "the document total comes first");
        let at = first_line
            + good[first_line..]
                .find("<cbc:LineExtensionAmount")
                .expect("line amount");
        let end = at + good[at..].find("</cbc:LineExtensionAmount>").expect("end");
        let stated = good[at..end].rsplit('>').next().expect("value").to_owned();
        let wrong: Decimal = stated.parse::<Decimal>().expect("amount") + Decimal::from(5);
        let bad = format!("{}{}{}", &good[..end - stated.len()], wrong, &good[end..]);
        assert_eq!(fired(&bad), ["cie-doc-01"]);
    }

    #[test]
    fn a_repeated_line_id_fails() {
        let good = example();
        let first = good.find("<cac:InvoiceLine>").expect("a line");
        let id_at = first + good[first..].find("<cbc:ID>").expect("line id") + "<cbc:ID>".len();
        let id_end = id_at + good[id_at..].find('<').expect("end");
        let id = &good[id_at..id_end];
        let second = id_end
            + good[id_end..]
                .find("<cac:InvoiceLine>")
                .expect("a second line");
        let second_id = second + good[second..].find("<cbc:ID>").expect("id") + "<cbc:ID>".len();
        let second_end = second_id + good[second_id..].find('<').expect("end");
        let bad = format!("{}{}{}", &good[..second_id], id, &good[second_end..]);
        assert_eq!(fired(&bad), ["cie-doc-02"]);
    }

    #[test]
    fn a_negative_quantity_with_a_positive_amount_fails() {
        let good = example();
        let first = good.find("<cac:InvoiceLine>").expect("a line");
        let quantity = first + good[first..].find("unitCode=").expect("quantity");
        let value = quantity + good[quantity..].find('>').expect("value") + 1;
        let bad = format!("{}-{}", &good[..value], &good[value..]);
        assert_eq!(fired(&bad), ["cie-doc-03"]);
    }

    #[test]
    fn identifiers_need_their_scheme_format() {
        let good = example();
        let short = good.replacen(">7000012050002<", ">700001205000<", 1);
        assert_eq!(fired(&short), ["cie-doc-04"]);
        let gln = good.replacen(
            "<cbc:EndpointID schemeID=\"0188\">7000012050002<",
            "<cbc:EndpointID schemeID=\"0088\">4901234567890<",
            1,
        );
        assert_eq!(fired(&gln), ["cie-doc-05"]);
        let valid_gln = gln.replace(">4901234567890<", ">4901234567894<");
        assert!(fired(&valid_gln).is_empty());
    }
}

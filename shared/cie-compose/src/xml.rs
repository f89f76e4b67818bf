//! The XML writer: elements in the order they are written, two-space indentation, every text and
//! attribute value escaped. Knows XML syntax, nothing about UBL.

use rust_decimal::Decimal;

/// Namespace of the UBL 2.1 aggregate components (`cac:`).
pub(crate) const CAC: &str =
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
/// Namespace of the UBL 2.1 basic components (`cbc:`).
pub(crate) const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// Builds one document. Callers validate texts first (see `crate::check::text`); the writer only
/// escapes.
#[derive(Debug)]
pub(crate) struct XmlWriter {
    out: String,
    open: Vec<&'static str>,
}

impl XmlWriter {
    /// A document whose root element `root` is in the default namespace `namespace` and declares
    /// the `cac:` and `cbc:` prefixes.
    pub(crate) fn new(root: &'static str, namespace: &str) -> Self {
        let mut writer = Self {
            out: String::with_capacity(4096),
            open: Vec::new(),
        };
        writer
            .out
            .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        writer.start_with(
            root,
            &[("xmlns", namespace), ("xmlns:cac", CAC), ("xmlns:cbc", CBC)],
        );
        writer
    }

    /// Opens element `name`.
    pub(crate) fn start(&mut self, name: &'static str) {
        self.start_with(name, &[]);
    }

    fn start_with(&mut self, name: &'static str, attributes: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.attributes(attributes);
        self.out.push_str(">\n");
        self.open.push(name);
    }

    /// Closes the element opened last.
    pub(crate) fn end(&mut self) {
        if let Some(name) = self.open.pop() {
            self.indent();
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push_str(">\n");
        }
    }

    /// Writes element `name` holding `text`.
    pub(crate) fn leaf(&mut self, name: &'static str, text: &str) {
        self.leaf_with(name, &[], text);
    }

    /// Writes element `name` holding `text`, when there is a text.
    pub(crate) fn optional_leaf(&mut self, name: &'static str, text: Option<&str>) {
        if let Some(text) = text {
            self.leaf(name, text);
        }
    }

    /// Writes element `name` with `attributes`, holding `text`.
    pub(crate) fn leaf_with(
        &mut self,
        name: &'static str,
        attributes: &[(&str, &str)],
        text: &str,
    ) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.attributes(attributes);
        self.out.push('>');
        escape_into(&mut self.out, text, false);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// Closes every open element and returns the document.
    pub(crate) fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.end();
        }
        self.out
    }

    fn attributes(&mut self, attributes: &[(&str, &str)]) {
        for (name, value) in attributes {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value, true);
            self.out.push('"');
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
    }
}

/// `value` in the `xs:decimal` lexical form with `decimals` digits after the point, or with no
/// trailing zeros when `decimals` is `None`; zero is never written with a sign.
pub(crate) fn decimal_text(value: Decimal, decimals: Option<u32>) -> String {
    let mut value = if value.is_zero() {
        Decimal::ZERO
    } else {
        value.normalize()
    };
    if let Some(decimals) = decimals {
        value.rescale(decimals);
    }
    value.to_string()
}

/// Appends `text` escaped for element content, or for a double-quoted attribute value when
/// `in_attribute` (where line breaks and tabs are escaped too, so attribute normalisation keeps them).
fn escape_into(out: &mut String, text: &str, in_attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            '\t' if in_attribute => out.push_str("&#9;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped_in_text_and_attributes() {
        let mut writer = XmlWriter::new("Root", "urn:example");
        writer.leaf_with("cbc:Note", &[("a", "x\"<&>\n")], "1 < 2 & \"q\" > 0\r\n");
        let xml = writer.finish();
        assert!(xml.contains(
            "<cbc:Note a=\"x&quot;&lt;&amp;&gt;&#10;\">1 &lt; 2 &amp; \"q\" &gt; 0&#13;\n</cbc:Note>"
        ));
        assert!(xml.ends_with("</Root>\n"));
    }

    #[test]
    fn decimals_are_plain_and_unsigned_at_zero() {
        let parse = |text: &str| text.parse::<Decimal>().expect("decimal");
        assert_eq!(decimal_text(parse("12.500"), None), "12.5");
        assert_eq!(decimal_text(parse("-0.00"), None), "0");
        assert_eq!(decimal_text(parse("-0.00"), Some(2)), "0.00");
        assert_eq!(decimal_text(parse("40"), Some(2)), "40.00");
        assert_eq!(decimal_text(parse("1200.0"), Some(0)), "1200");
    }

    #[test]
    fn elements_nest_with_two_space_indentation() {
        let mut writer = XmlWriter::new("Root", "urn:example");
        writer.start("cac:A");
        writer.leaf("cbc:B", "b");
        writer.optional_leaf("cbc:C", None);
        writer.end();
        let xml = writer.finish();
        assert!(xml.contains("\n  <cac:A>\n    <cbc:B>b</cbc:B>\n  </cac:A>\n</Root>\n"));
    }
}

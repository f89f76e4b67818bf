//! Large JP PINT invoices for tests and benchmarks: the first invoice line of the minimum example repeated
//! `lines` times, with the tax breakdown and document totals recomputed so that every official rule passes.

use std::path::Path;

/// Reads a file of `tests/fixtures`.
pub(crate) fn fixture(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// A standard JP PINT invoice with `lines` copies of the minimum example's first line (5 × 50,000 JPY at
/// 10 %) and consistent totals.
pub(crate) fn invoice_with_lines(lines: usize) -> String {
    invoice_with_lines_from(&fixture("jp-pint/jp-pint-example1-minimum.xml"), lines)
}

/// [`invoice_with_lines`] from the text of the minimum example, for crates whose fixtures lie elsewhere.
pub(crate) fn invoice_with_lines_from(minimum: &str, lines: usize) -> String {
    let header_end = minimum
        .find("\t<cac:TaxTotal>")
        .expect("the minimum example has a TaxTotal");
    let line_start = minimum
        .find("\t<cac:InvoiceLine>")
        .expect("the minimum example has lines");
    let line_end = minimum[line_start..]
        .find("</cac:InvoiceLine>")
        .expect("closed line")
        + line_start;
    let line = &minimum[line_start..line_end + "</cac:InvoiceLine>".len()];
    assert!(
        line.contains("<cbc:ID>1</cbc:ID>") && line.contains(">250000</cbc:LineExtensionAmount>")
    );

    let net = 250_000u64 * lines as u64;
    let tax = net / 10;
    let mut xml = String::with_capacity(minimum.len() + lines * line.len());
    xml.push_str(&minimum[..header_end]);
    xml.push_str(&format!(
        "\t<cac:TaxTotal>\n\
         \t\t<cbc:TaxAmount currencyID=\"JPY\">{tax}</cbc:TaxAmount>\n\
         \t\t<cac:TaxSubtotal>\n\
         \t\t\t<cbc:TaxableAmount currencyID=\"JPY\">{net}</cbc:TaxableAmount>\n\
         \t\t\t<cbc:TaxAmount currencyID=\"JPY\">{tax}</cbc:TaxAmount>\n\
         \t\t\t<cac:TaxCategory>\n\
         \t\t\t\t<cbc:ID>S</cbc:ID>\n\
         \t\t\t\t<cbc:Percent>10</cbc:Percent>\n\
         \t\t\t\t<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>\n\
         \t\t\t</cac:TaxCategory>\n\
         \t\t</cac:TaxSubtotal>\n\
         \t</cac:TaxTotal>\n\
         \t<cac:LegalMonetaryTotal>\n\
         \t\t<cbc:LineExtensionAmount currencyID=\"JPY\">{net}</cbc:LineExtensionAmount>\n\
         \t\t<cbc:TaxExclusiveAmount currencyID=\"JPY\">{net}</cbc:TaxExclusiveAmount>\n\
         \t\t<cbc:TaxInclusiveAmount currencyID=\"JPY\">{gross}</cbc:TaxInclusiveAmount>\n\
         \t\t<cbc:AllowanceTotalAmount currencyID=\"JPY\">0</cbc:AllowanceTotalAmount>\n\
         \t\t<cbc:ChargeTotalAmount currencyID=\"JPY\">0</cbc:ChargeTotalAmount>\n\
         \t\t<cbc:PrepaidAmount currencyID=\"JPY\">0</cbc:PrepaidAmount>\n\
         \t\t<cbc:PayableRoundingAmount currencyID=\"JPY\">0</cbc:PayableRoundingAmount>\n\
         \t\t<cbc:PayableAmount currencyID=\"JPY\">{gross}</cbc:PayableAmount>\n\
         \t</cac:LegalMonetaryTotal>\n",
        gross = net + tax
    ));
    for number in 1..=lines {
        xml.push_str(&line.replacen(
            "<cbc:ID>1</cbc:ID>",
            &format!("<cbc:ID>{number}</cbc:ID>"),
            1,
        ));
        xml.push('\n');
    }
    xml.push_str("</Invoice>\n");
    xml
}

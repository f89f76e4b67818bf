//! Reads an invoice back into the fields of the supplier's invoice form, so that a returned invoice is
//! corrected from what it said and an order is invoiced from its lines: number, dates, references,
//! the seller's address, the bank account and the lines. Names are the form's (`number`, `l0_name`, …);
//! what cannot be read is left out, never guessed.

use cie_xpath::{Document, NodeId};

pub(crate) const CAC: &str =
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
pub(crate) const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// The element at `path` below `node`; each step `cac:Name` or `cbc:Name`, the first match.
pub(crate) fn at(doc: &Document, node: NodeId, path: &[&str]) -> Option<NodeId> {
    path.iter().try_fold(node, |current, step| {
        let (prefix, name) = step.split_once(':')?;
        let namespace = if prefix == "cac" { CAC } else { CBC };
        doc.child_named(current, namespace, name)
    })
}

/// The trimmed text of the element at `path` below `node`; `None` when absent or empty.
pub(crate) fn text_at(doc: &Document, node: NodeId, path: &[&str]) -> Option<String> {
    let found = at(doc, node, path)?;
    let text = doc.string_value(found).trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn push(fields: &mut Vec<(String, String)>, name: &str, value: Option<String>) {
    if let Some(value) = value {
        fields.push((name.to_owned(), value));
    }
}

/// The form fields an invoice (or, with `lines_of`, an order's lines) gives; empty when it does not parse.
pub fn invoice_fields(bytes: &[u8]) -> Vec<(String, String)> {
    let Ok(doc) = Document::parse(bytes) else {
        return Vec::new();
    };
    let Some(root) = doc.document_element() else {
        return Vec::new();
    };
    let mut fields = Vec::new();
    let is_invoice = doc.local_name(root) == "Invoice";
    if is_invoice {
        push(&mut fields, "number", text_at(&doc, root, &["cbc:ID"]));
        push(
            &mut fields,
            "due_date",
            text_at(&doc, root, &["cbc:DueDate"]),
        );
        push(&mut fields, "note", text_at(&doc, root, &["cbc:Note"]));
        push(
            &mut fields,
            "commitment_number",
            text_at(&doc, root, &["cbc:BuyerReference"]),
        );
        push(
            &mut fields,
            "order_number",
            text_at(&doc, root, &["cac:OrderReference", "cbc:ID"]),
        );
        push(
            &mut fields,
            "despatch_number",
            text_at(&doc, root, &["cac:DespatchDocumentReference", "cbc:ID"]),
        );
        push(
            &mut fields,
            "delivery_date",
            text_at(&doc, root, &["cac:Delivery", "cbc:ActualDeliveryDate"])
                .or_else(|| text_at(&doc, root, &["cac:InvoicePeriod", "cbc:EndDate"])),
        );
        if let Some(address) = at(
            &doc,
            root,
            &[
                "cac:AccountingSupplierParty",
                "cac:Party",
                "cac:PostalAddress",
            ],
        ) {
            push(
                &mut fields,
                "seller_postal_zone",
                text_at(&doc, address, &["cbc:PostalZone"]),
            );
            push(
                &mut fields,
                "seller_prefecture",
                text_at(&doc, address, &["cbc:CountrySubentity"]),
            );
            push(
                &mut fields,
                "seller_city",
                text_at(&doc, address, &["cbc:CityName"]),
            );
            push(
                &mut fields,
                "seller_street",
                text_at(&doc, address, &["cbc:StreetName"]),
            );
        }
        if let Some(endpoint) = at(
            &doc,
            root,
            &["cac:AccountingSupplierParty", "cac:Party", "cbc:EndpointID"],
        ) && doc.attribute(endpoint, "", "schemeID") == Some("0188")
        {
            push(
                &mut fields,
                "corporate_number",
                Some(doc.string_value(endpoint).trim().to_owned()),
            );
        }
        if let Some(account) = at(
            &doc,
            root,
            &["cac:PaymentMeans", "cac:PayeeFinancialAccount"],
        ) {
            if let Some(id) = text_at(&doc, account, &["cbc:ID"]) {
                let parts: Vec<&str> = id.split(':').collect();
                if let [bank, branch, kind, number] = parts.as_slice() {
                    push(&mut fields, "bank_code", Some((*bank).to_owned()));
                    push(&mut fields, "branch_code", Some((*branch).to_owned()));
                    let kind = match *kind {
                        "2" => "当座",
                        "4" => "貯蓄",
                        _ => "普通",
                    };
                    push(&mut fields, "account_type", Some(kind.to_owned()));
                    push(&mut fields, "account_number", Some((*number).to_owned()));
                }
            }
            push(
                &mut fields,
                "account_name",
                text_at(&doc, account, &["cbc:Name"]),
            );
        }
    } else {
        push(
            &mut fields,
            "order_number",
            text_at(&doc, root, &["cbc:ID"]),
        );
        push(
            &mut fields,
            "commitment_number",
            text_at(&doc, root, &["cbc:CustomerReference"]),
        );
    }
    let (line_name, quantity_name) = if is_invoice {
        ("InvoiceLine", "InvoicedQuantity")
    } else {
        ("OrderLine", "Quantity")
    };
    let lines: Vec<NodeId> = if is_invoice {
        doc.element_children_named(root, CAC, line_name).collect()
    } else {
        doc.element_children_named(root, CAC, line_name)
            .filter_map(|line| doc.child_named(line, CAC, "LineItem"))
            .collect()
    };
    for (index, line) in lines.iter().enumerate() {
        let name = |field: &str| format!("l{index}_{field}");
        push(
            &mut fields,
            &name("name"),
            text_at(&doc, *line, &["cac:Item", "cbc:Name"]),
        );
        if let Some(quantity) = doc.child_named(*line, CBC, quantity_name) {
            push(
                &mut fields,
                &name("quantity"),
                Some(doc.string_value(quantity).trim().to_owned()),
            );
            push(
                &mut fields,
                &name("unit"),
                doc.attribute(quantity, "", "unitCode").map(str::to_owned),
            );
        }
        push(
            &mut fields,
            &name("price"),
            text_at(&doc, *line, &["cac:Price", "cbc:PriceAmount"]),
        );
        let category = text_at(
            &doc,
            *line,
            &["cac:Item", "cac:ClassifiedTaxCategory", "cbc:ID"],
        );
        let percent = text_at(
            &doc,
            *line,
            &["cac:Item", "cac:ClassifiedTaxCategory", "cbc:Percent"],
        );
        let category = match (category.as_deref(), percent.as_deref()) {
            (Some("S"), Some("8")) | (Some("AA"), _) => Some("AA"),
            (Some(code @ ("S" | "E" | "O")), _) => Some(code),
            _ => None,
        };
        push(&mut fields, &name("tax"), category.map(str::to_owned));
    }
    fields.push(("line_count".into(), lines.len().max(1).to_string()));
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_official_invoice_reads_back_into_the_form() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpus/jp-pint/jp-pint-example1-minimum.xml"
        ));
        let Ok(bytes) = bytes else {
            panic!("the JP PINT sample is missing from ../shared/corpus");
        };
        let fields = invoice_fields(&bytes);
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("number"), Some("156"));
        assert!(get("l0_name").is_some(), "{fields:?}");
        assert!(get("l0_quantity").is_some());
        assert!(get("l0_tax").is_some());
        assert_eq!(
            get("line_count").map(|n| n.parse::<usize>().unwrap() >= 1),
            Some(true)
        );
    }

    #[test]
    fn what_does_not_parse_gives_nothing() {
        assert!(invoice_fields(b"<not-closed").is_empty());
    }
}

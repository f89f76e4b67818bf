//! Line extraction: reads the header references and the lines of an Order, OrderResponse, DespatchAdvice,
//! Invoice or CreditNote (UBL 2.1, any namespace prefix) into a [`LineSet`], the input of the matcher.
//!
//! Where each value comes from:
//!
//! | | Order / OrderResponse | DespatchAdvice | Invoice / CreditNote |
//! |---|---|---|---|
//! | line | `cac:OrderLine/cac:LineItem` | `cac:DespatchLine` | `cac:InvoiceLine` / `cac:CreditNoteLine` |
//! | quantity | `cbc:Quantity` | `cbc:DeliveredQuantity` | `cbc:InvoicedQuantity` / `cbc:CreditedQuantity` |
//! | order line | `cac:OrderLine/cac:OrderLineReference` (responses) | `cac:OrderLineReference` | `cac:OrderLineReference` |
//! | despatch line | — | — | `cac:DespatchLineReference` (`cbc:LineID`, `cac:DocumentReference/cbc:ID`) |
//!
//! JP PINT summarized invoices (合算請求書) name their delivery notes in one of two ways, and both are kept
//! as written: pattern 1 puts the delivery-note number in the line's `cac:DocumentReference/cbc:ID`
//! (IBG-36, kept in [`Line::document_references`]); pattern 2 bills a whole delivery note per line, with
//! quantity 1 and the delivery-note number as `cac:Item/cbc:Name`. The matcher decides which applies.

use std::str::FromStr;

use cie_domain::{DocumentKind, Location};
use cie_xpath::{Document, NodeId, XmlError};
use rust_decimal::Decimal;
use serde::Serialize;

const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";

/// UNCL 1001 code of an invoiced object identifier (`DocumentTypeCode` 130), which is not a delivery note.
const INVOICED_OBJECT_TYPE_CODE: &str = "130";

/// Why a document's lines could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The bytes are not a well-formed XML document.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// The root element is not one of the five supported UBL 2.1 documents.
    #[error(
        "unsupported document {{{namespace}}}{local_name}: expected a UBL 2.1 Order, OrderResponse, DespatchAdvice, Invoice or CreditNote"
    )]
    UnsupportedDocument {
        /// Namespace URI of the root element.
        namespace: String,
        /// Local name of the root element.
        local_name: String,
    },
    /// A mandatory element is absent or empty.
    #[error("{element} is missing or empty in {path}")]
    MissingElement {
        /// Path of the element that should contain it.
        path: String,
        /// The missing element, as `prefix:LocalName`.
        element: &'static str,
    },
    /// A quantity or amount is not an `xs:decimal`.
    #[error("{value:?} at {path} is not a decimal number")]
    InvalidDecimal {
        /// Path of the element.
        path: String,
        /// Its text.
        value: String,
    },
}

/// The header references and lines of one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineSet {
    /// Order, OrderResponse, DespatchAdvice, Invoice or CreditNote.
    pub kind: DocumentKind,
    /// The document number (`cbc:ID`).
    pub number: String,
    /// `cbc:IssueDate` as written.
    pub issue_date: Option<String>,
    /// `cbc:OrderResponseCode` of an order response (UNCL 4343: `AP` accepted, `CA` conditionally, `RE` rejected).
    pub response_code: Option<String>,
    /// Orders named in the header (`cac:OrderReference/cbc:ID`).
    pub order_references: Vec<String>,
    /// Delivery notes named by an invoice: `cac:DespatchDocumentReference/cbc:ID` and every distinct
    /// `cac:DespatchLineReference/cac:DocumentReference/cbc:ID` of its lines, in document order.
    pub despatch_references: Vec<String>,
    /// Preceding invoices (`cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID`).
    pub invoice_references: Vec<String>,
    /// The lines in document order.
    pub lines: Vec<Line>,
}

/// One order, response, despatch, invoice or credit-note line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// The line id (`cbc:ID`).
    pub id: String,
    /// Where the line element is, for messages.
    pub location: Location,
    /// The item as identified on the line.
    pub item: Item,
    /// The item the seller proposes instead (`cac:SellerSubstitutedLineItem/cac:Item` of an order response).
    pub substituted_item: Option<Item>,
    /// Ordered, delivered, invoiced or credited quantity.
    pub quantity: Option<Decimal>,
    /// Unit of the quantity (`@unitCode`, UN/ECE Rec 20).
    pub unit_code: Option<String>,
    /// The item price (`cac:Price`).
    pub price: Option<Price>,
    /// Line net amount (`cbc:LineExtensionAmount`).
    pub line_amount: Option<Decimal>,
    /// `cbc:LineStatusCode` (UNCL 1229 in Peppol order responses: `5` accepted, `7` not accepted, `3` changed).
    pub status_code: Option<String>,
    /// The order line this line answers, delivers or bills.
    pub order_line_ref: Option<LineReference>,
    /// The despatch line this invoice line bills.
    pub despatch_line_ref: Option<LineReference>,
    /// Line-level document references (`cac:DocumentReference/cbc:ID`, JP PINT IBG-36), except invoiced
    /// object identifiers (type code 130). Summarized invoices put the delivery-note number here.
    pub document_references: Vec<String>,
}

/// How a line identifies its item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Item {
    /// `cbc:Name`.
    pub name: Option<String>,
    /// `cac:SellersItemIdentification/cbc:ID`.
    pub seller_id: Option<String>,
    /// `cac:BuyersItemIdentification/cbc:ID`.
    pub buyer_id: Option<String>,
    /// `cac:StandardItemIdentification/cbc:ID` (GTIN/JAN when `@schemeID` is 0160).
    pub standard_id: Option<String>,
}

impl Item {
    /// Whether the line carries any item identifier (seller's, buyer's or standard).
    pub fn has_identifier(&self) -> bool {
        self.seller_id.is_some() || self.buyer_id.is_some() || self.standard_id.is_some()
    }
}

/// A price as written on a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Price {
    /// `cbc:PriceAmount`.
    pub amount: Decimal,
    /// `cbc:PriceAmount/@currencyID`.
    pub currency: Option<String>,
    /// `cbc:BaseQuantity`: the quantity the amount is for (1 when absent).
    pub base_quantity: Option<Decimal>,
    /// `cbc:BaseQuantity/@unitCode`.
    pub base_unit_code: Option<String>,
}

impl Price {
    /// The quantity the amount is for: the base quantity, or 1.
    pub fn base(&self) -> Decimal {
        self.base_quantity.unwrap_or(Decimal::ONE)
    }

    /// The price of one unit (amount ÷ base quantity); `None` when the base quantity is zero.
    pub fn per_unit(&self) -> Option<Decimal> {
        let base = self.base();
        (!base.is_zero()).then(|| self.amount / base)
    }

    /// Whether two prices are the same per unit (compared by cross-multiplying, so that no rounding of a
    /// division is involved). Currencies are not compared.
    pub fn same_per_unit(&self, other: &Price) -> bool {
        self.amount * other.base() == other.amount * self.base()
    }
}

/// A reference to a line of another document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineReference {
    /// The other document's number, when the reference names it.
    pub document_id: Option<String>,
    /// The other document's line id (`cbc:LineID`).
    pub line_id: String,
}

impl LineSet {
    /// Parses a document and reads its lines.
    pub fn parse(bytes: &[u8]) -> Result<LineSet, ExtractError> {
        LineSet::from_document(&Document::parse(bytes)?)
    }

    /// Reads the lines of a parsed document.
    pub fn from_document(document: &Document) -> Result<LineSet, ExtractError> {
        let root = document
            .document_element()
            .ok_or(ExtractError::Xml(XmlError::NoRootElement))?;
        let unsupported = || ExtractError::UnsupportedDocument {
            namespace: document.namespace_uri(root).to_owned(),
            local_name: document.local_name(root).to_owned(),
        };
        let kind = DocumentKind::from_root(document.namespace_uri(root), document.local_name(root))
            .ok_or_else(unsupported)?;
        let reader = Reader { document };
        let lines = match kind {
            DocumentKind::Order | DocumentKind::OrderResponse => reader.order_lines(root)?,
            DocumentKind::DespatchAdvice => reader.despatch_lines(root)?,
            DocumentKind::Invoice => {
                reader.invoice_lines(root, "InvoiceLine", "InvoicedQuantity")?
            }
            DocumentKind::CreditNote => {
                reader.invoice_lines(root, "CreditNoteLine", "CreditedQuantity")?
            }
            _ => return Err(unsupported()),
        };
        let mut despatch_references =
            reader.texts(root, &[(CAC, "DespatchDocumentReference"), (CBC, "ID")]);
        for reference in lines
            .iter()
            .filter_map(|line| line.despatch_line_ref.as_ref()?.document_id.as_ref())
        {
            if !despatch_references.contains(reference) {
                despatch_references.push(reference.clone());
            }
        }
        Ok(LineSet {
            kind,
            number: reader.required_text(root, "cbc:ID", &[(CBC, "ID")])?,
            issue_date: reader.text(root, &[(CBC, "IssueDate")]),
            response_code: reader.text(root, &[(CBC, "OrderResponseCode")]),
            order_references: reader.texts(root, &[(CAC, "OrderReference"), (CBC, "ID")]),
            despatch_references,
            invoice_references: reader.texts(
                root,
                &[
                    (CAC, "BillingReference"),
                    (CAC, "InvoiceDocumentReference"),
                    (CBC, "ID"),
                ],
            ),
            lines,
        })
    }

    /// The line with this id.
    pub fn line(&self, id: &str) -> Option<&Line> {
        self.lines.iter().find(|line| line.id == id)
    }
}

type Step = (&'static str, &'static str);

struct Reader<'d> {
    document: &'d Document,
}

impl Reader<'_> {
    fn children<'a>(&'a self, node: NodeId, step: Step) -> impl Iterator<Item = NodeId> + 'a {
        self.document.element_children_named(node, step.0, step.1)
    }

    fn find(&self, node: NodeId, steps: &[Step]) -> Option<NodeId> {
        steps.iter().try_fold(node, |current, &(namespace, local)| {
            self.document.child_named(current, namespace, local)
        })
    }

    fn all(&self, node: NodeId, steps: &[Step]) -> Vec<NodeId> {
        let mut current = vec![node];
        for &step in steps {
            current = current
                .into_iter()
                .flat_map(|parent| self.children(parent, step).collect::<Vec<_>>())
                .collect();
        }
        current
    }

    fn content(&self, node: NodeId) -> Option<String> {
        let value = self.document.string_value(node);
        let trimmed = value.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    }

    fn text(&self, node: NodeId, steps: &[Step]) -> Option<String> {
        self.content(self.find(node, steps)?)
    }

    fn texts(&self, node: NodeId, steps: &[Step]) -> Vec<String> {
        let mut values: Vec<String> = Vec::new();
        for value in self
            .all(node, steps)
            .into_iter()
            .filter_map(|found| self.content(found))
        {
            if !values.contains(&value) {
                values.push(value);
            }
        }
        values
    }

    fn required_text(
        &self,
        node: NodeId,
        element: &'static str,
        steps: &[Step],
    ) -> Result<String, ExtractError> {
        self.text(node, steps)
            .ok_or_else(|| ExtractError::MissingElement {
                path: self.document.path_of(node),
                element,
            })
    }

    fn attribute(&self, node: NodeId, name: &str) -> Option<String> {
        self.document
            .attribute(node, "", name)
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    }

    fn decimal(&self, node: NodeId) -> Result<Option<Decimal>, ExtractError> {
        let Some(text) = self.content(node) else {
            return Ok(None);
        };
        parse_xs_decimal(&text)
            .map(Some)
            .ok_or_else(|| ExtractError::InvalidDecimal {
                path: self.document.path_of(node),
                value: text,
            })
    }

    fn decimal_at(&self, node: NodeId, steps: &[Step]) -> Result<Option<Decimal>, ExtractError> {
        match self.find(node, steps) {
            Some(found) => self.decimal(found),
            None => Ok(None),
        }
    }

    fn quantity(
        &self,
        node: NodeId,
        local_name: &'static str,
    ) -> Result<(Option<Decimal>, Option<String>), ExtractError> {
        match self.find(node, &[(CBC, local_name)]) {
            Some(quantity) => Ok((
                self.decimal(quantity)?,
                self.attribute(quantity, "unitCode"),
            )),
            None => Ok((None, None)),
        }
    }

    fn price(&self, node: NodeId) -> Result<Option<Price>, ExtractError> {
        let Some(price) = self.find(node, &[(CAC, "Price")]) else {
            return Ok(None);
        };
        let Some(amount_node) = self.find(price, &[(CBC, "PriceAmount")]) else {
            return Ok(None);
        };
        let Some(amount) = self.decimal(amount_node)? else {
            return Ok(None);
        };
        let base = self.find(price, &[(CBC, "BaseQuantity")]);
        Ok(Some(Price {
            amount,
            currency: self.attribute(amount_node, "currencyID"),
            base_quantity: match base {
                Some(base) => self.decimal(base)?,
                None => None,
            },
            base_unit_code: base.and_then(|base| self.attribute(base, "unitCode")),
        }))
    }

    fn item(&self, item: Option<NodeId>) -> Item {
        let Some(item) = item else {
            return Item::default();
        };
        Item {
            name: self.text(item, &[(CBC, "Name")]),
            seller_id: self.text(item, &[(CAC, "SellersItemIdentification"), (CBC, "ID")]),
            buyer_id: self.text(item, &[(CAC, "BuyersItemIdentification"), (CBC, "ID")]),
            standard_id: self.text(item, &[(CAC, "StandardItemIdentification"), (CBC, "ID")]),
        }
    }

    fn location(&self, node: NodeId) -> Location {
        let (line, column) = self.document.line_column(node);
        Location {
            path: self.document.path_of(node),
            line,
            column,
        }
    }

    fn order_line_reference(&self, line: NodeId) -> Option<LineReference> {
        let reference = self.find(line, &[(CAC, "OrderLineReference")])?;
        Some(LineReference {
            document_id: self.text(reference, &[(CAC, "OrderReference"), (CBC, "ID")]),
            line_id: self.text(reference, &[(CBC, "LineID")])?,
        })
    }

    fn despatch_line_reference(&self, line: NodeId) -> Option<LineReference> {
        let reference = self.find(line, &[(CAC, "DespatchLineReference")])?;
        Some(LineReference {
            document_id: self.text(reference, &[(CAC, "DocumentReference"), (CBC, "ID")]),
            line_id: self.text(reference, &[(CBC, "LineID")])?,
        })
    }

    fn document_references(&self, line: NodeId) -> Vec<String> {
        self.children(line, (CAC, "DocumentReference"))
            .filter(|&reference| {
                self.text(reference, &[(CBC, "DocumentTypeCode")])
                    .as_deref()
                    != Some(INVOICED_OBJECT_TYPE_CODE)
            })
            .filter_map(|reference| self.text(reference, &[(CBC, "ID")]))
            .collect()
    }

    fn order_lines(&self, root: NodeId) -> Result<Vec<Line>, ExtractError> {
        let mut lines = Vec::new();
        for order_line in self.children(root, (CAC, "OrderLine")).collect::<Vec<_>>() {
            let item = self.find(order_line, &[(CAC, "LineItem")]).ok_or_else(|| {
                ExtractError::MissingElement {
                    path: self.document.path_of(order_line),
                    element: "cac:LineItem",
                }
            })?;
            let (quantity, unit_code) = self.quantity(item, "Quantity")?;
            lines.push(Line {
                id: self.required_text(item, "cbc:ID", &[(CBC, "ID")])?,
                location: self.location(order_line),
                item: self.item(self.find(item, &[(CAC, "Item")])),
                substituted_item: self
                    .find(
                        order_line,
                        &[(CAC, "SellerSubstitutedLineItem"), (CAC, "Item")],
                    )
                    .map(|substitute| self.item(Some(substitute))),
                quantity,
                unit_code,
                price: self.price(item)?,
                line_amount: self.decimal_at(item, &[(CBC, "LineExtensionAmount")])?,
                status_code: self.text(item, &[(CBC, "LineStatusCode")]),
                order_line_ref: self.order_line_reference(order_line),
                despatch_line_ref: None,
                document_references: Vec::new(),
            });
        }
        Ok(lines)
    }

    fn despatch_lines(&self, root: NodeId) -> Result<Vec<Line>, ExtractError> {
        let mut lines = Vec::new();
        for line in self
            .children(root, (CAC, "DespatchLine"))
            .collect::<Vec<_>>()
        {
            let (quantity, unit_code) = self.quantity(line, "DeliveredQuantity")?;
            lines.push(Line {
                id: self.required_text(line, "cbc:ID", &[(CBC, "ID")])?,
                location: self.location(line),
                item: self.item(self.find(line, &[(CAC, "Item")])),
                substituted_item: None,
                quantity,
                unit_code,
                price: None,
                line_amount: None,
                status_code: self.text(line, &[(CBC, "LineStatusCode")]),
                order_line_ref: self.order_line_reference(line),
                despatch_line_ref: None,
                document_references: self.document_references(line),
            });
        }
        Ok(lines)
    }

    fn invoice_lines(
        &self,
        root: NodeId,
        line_name: &'static str,
        quantity_name: &'static str,
    ) -> Result<Vec<Line>, ExtractError> {
        let mut lines = Vec::new();
        for line in self.children(root, (CAC, line_name)).collect::<Vec<_>>() {
            let (quantity, unit_code) = self.quantity(line, quantity_name)?;
            lines.push(Line {
                id: self.required_text(line, "cbc:ID", &[(CBC, "ID")])?,
                location: self.location(line),
                item: self.item(self.find(line, &[(CAC, "Item")])),
                substituted_item: None,
                quantity,
                unit_code,
                price: self.price(line)?,
                line_amount: self.decimal_at(line, &[(CBC, "LineExtensionAmount")])?,
                status_code: None,
                order_line_ref: self.order_line_reference(line),
                despatch_line_ref: self.despatch_line_reference(line),
                document_references: self.document_references(line),
            });
        }
        Ok(lines)
    }
}

/// Parses the lexical form of `xs:decimal`: an optional sign, digits with at most one decimal point, no
/// exponent, at least one digit.
fn parse_xs_decimal(text: &str) -> Option<Decimal> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let digits = unsigned.chars().filter(char::is_ascii_digit).count();
    let points = unsigned.chars().filter(|&c| c == '.').count();
    if digits == 0 || points > 1 || digits + points != unsigned.len() {
        return None;
    }
    Decimal::from_str(text.strip_prefix('+').unwrap_or(text)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xs_decimal_accepts_signs_and_fractions_only() {
        assert_eq!(parse_xs_decimal("50.000"), Some(Decimal::new(50_000, 3)));
        assert_eq!(parse_xs_decimal("-2"), Some(Decimal::from(-2)));
        assert_eq!(parse_xs_decimal("+.5"), Some(Decimal::new(5, 1)));
        for bad in ["", "-", ".", "1e3", "1,000", "1_000", "1.2.3", "１０", " 1"] {
            assert_eq!(parse_xs_decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn price_per_unit_respects_the_base_quantity() {
        let price = Price {
            amount: Decimal::new(9, 1),
            currency: None,
            base_quantity: Some(Decimal::from(10)),
            base_unit_code: None,
        };
        assert_eq!(price.per_unit(), Some(Decimal::new(9, 2)));
        let per_one = Price {
            amount: Decimal::new(9, 2),
            base_quantity: None,
            ..price.clone()
        };
        assert!(price.same_per_unit(&per_one));
    }
}

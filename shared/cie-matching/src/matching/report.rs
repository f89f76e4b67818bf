//! What a match produces: the per-order-line balance of ordered, confirmed, delivered and invoiced
//! quantities, and every discrepancy found, with its severity and a message in Japanese and English.

use cie_domain::{DocumentKind, Location, Severity};
use rust_decimal::Decimal;
use serde::Serialize;

/// What kind of difference a [`Discrepancy`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscrepancyKind {
    /// The document does not name the order at all; it was matched because the caller linked them (info).
    OrderReferenceMissing,
    /// The document, or one of its lines, names a different order (error).
    OrderReferenceDiffers,
    /// The order response rejects the whole order (`OrderResponseCode` `RE`) (warning).
    OrderRejected,
    /// An invoice refers to a delivery note that is not among those matched (warning).
    DespatchNotFound,
    /// An invoice line refers to a delivery-note line that does not exist (error).
    DespatchLineNotFound,
    /// A line refers to an order line that does not exist (error).
    OrderLineNotFound,
    /// A delivered, invoiced or proposed item corresponds to no order line (error).
    ItemNotOrdered,
    /// A line refers to an order line explicitly but identifies another item (warning).
    ItemDiffers,
    /// The order response proposes a substitute item (warning).
    ItemSubstituted,
    /// The order response does not accept the line (`LineStatusCode` `7`) (warning).
    LineRejected,
    /// The line counts in another unit than the order line; its quantity is left out of the sums (error).
    UnitDiffers,
    /// The price is in another currency than the order's; prices are not compared (error).
    CurrencyDiffers,
    /// The price per unit differs from the order's (error).
    PriceDiffers,
    /// The order response confirms another quantity than ordered (warning).
    QuantityDiffers,
    /// More delivered, or more invoiced, than ordered (error).
    QuantityExceedsOrdered,
    /// More invoiced than delivered by the delivery notes matched (error).
    QuantityExceedsDelivered,
    /// A summarized-invoice line billing a whole delivery note (JP PINT pattern 2) has another amount than
    /// the delivered quantities at the order prices (error).
    DeliveryNoteAmountDiffers,
    /// Less delivered than ordered so far: a partial delivery, not an error (info).
    NotYetDelivered,
    /// Less invoiced than delivered (or ordered, without delivery notes) so far: not an error (info).
    NotYetInvoiced,
}

impl DiscrepancyKind {
    /// How bad the discrepancy is: `Error` blocks approval, `Warning` needs a look, `Info` is a note.
    pub fn severity(self) -> Severity {
        use DiscrepancyKind::*;
        match self {
            OrderReferenceMissing | NotYetDelivered | NotYetInvoiced => Severity::Info,
            OrderRejected | DespatchNotFound | ItemDiffers | ItemSubstituted | LineRejected
            | QuantityDiffers => Severity::Warning,
            OrderReferenceDiffers
            | DespatchLineNotFound
            | OrderLineNotFound
            | ItemNotOrdered
            | UnitDiffers
            | CurrencyDiffers
            | PriceDiffers
            | QuantityExceedsOrdered
            | QuantityExceedsDelivered
            | DeliveryNoteAmountDiffers => Severity::Error,
        }
    }
}

/// A line of a named document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentLine {
    /// The document number.
    pub document: String,
    /// The line id.
    pub line: String,
}

/// One difference between the documents matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discrepancy {
    /// What differs.
    pub kind: DiscrepancyKind,
    /// The kind's severity.
    pub severity: Severity,
    /// The order line concerned.
    pub order_line: Option<String>,
    /// The delivery-note lines concerned.
    pub despatch_lines: Vec<DocumentLine>,
    /// The invoice lines concerned.
    pub invoice_lines: Vec<String>,
    /// The order-response line concerned.
    pub response_line: Option<String>,
    /// The value the order (or the delivery notes) leads to expect.
    pub expected: Option<String>,
    /// The value found.
    pub actual: Option<String>,
    /// Where the line at fault is, in its own document.
    pub location: Option<Location>,
    /// The message in Japanese.
    pub message_ja: String,
    /// The message in English.
    pub message_en: String,
}

impl Discrepancy {
    pub(super) fn new(kind: DiscrepancyKind) -> Self {
        Discrepancy {
            kind,
            severity: kind.severity(),
            order_line: None,
            despatch_lines: Vec::new(),
            invoice_lines: Vec::new(),
            response_line: None,
            expected: None,
            actual: None,
            location: None,
            message_ja: String::new(),
            message_en: String::new(),
        }
    }

    pub(super) fn order_line(mut self, id: &str) -> Self {
        self.order_line = Some(id.to_owned());
        self
    }

    pub(super) fn expected(mut self, value: impl ToString) -> Self {
        self.expected = Some(value.to_string());
        self
    }

    pub(super) fn actual(mut self, value: impl ToString) -> Self {
        self.actual = Some(value.to_string());
        self
    }

    pub(super) fn message(mut self, ja: String, en: String) -> Self {
        self.message_ja = ja;
        self.message_en = en;
        self
    }
}

/// Where one order line stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineBalance {
    /// The order line id.
    pub order_line: String,
    /// The item name on the order.
    pub item_name: Option<String>,
    /// The order line's unit.
    pub unit_code: Option<String>,
    /// Ordered quantity.
    pub ordered: Option<Decimal>,
    /// Quantity the order response confirms (when an order response was matched and states one).
    pub confirmed: Option<Decimal>,
    /// Sum delivered by the delivery notes matched (when delivery notes were matched).
    pub delivered: Option<Decimal>,
    /// Sum invoiced by the invoice matched (when an invoice was matched).
    pub invoiced: Option<Decimal>,
    /// The delivery-note lines counted in `delivered`.
    pub despatch_lines: Vec<DocumentLine>,
    /// The invoice lines counted in `invoiced`.
    pub invoice_lines: Vec<String>,
}

/// The outcome of matching an order with its response, delivery notes and/or invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchReport {
    /// The order number.
    pub order: String,
    /// The order response number, when one was matched.
    pub response: Option<String>,
    /// The delivery-note numbers matched.
    pub despatches: Vec<String>,
    /// The invoice number, when one was matched.
    pub invoice: Option<String>,
    /// Whether everything agrees: no discrepancy of severity error or warning (notes may remain).
    pub matched: bool,
    /// One balance per order line, in order.
    pub lines: Vec<LineBalance>,
    /// The discrepancies, in the order found.
    pub discrepancies: Vec<Discrepancy>,
}

impl MatchReport {
    /// The discrepancies of one kind.
    pub fn of_kind(&self, kind: DiscrepancyKind) -> impl Iterator<Item = &Discrepancy> {
        self.discrepancies
            .iter()
            .filter(move |discrepancy| discrepancy.kind == kind)
    }

    /// The balance of an order line.
    pub fn balance(&self, order_line: &str) -> Option<&LineBalance> {
        self.lines.iter().find(|line| line.order_line == order_line)
    }
}

/// Why two documents cannot be matched at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    /// A document was passed in a role its kind cannot play (e.g. an invoice as the order).
    #[error("document {number} is of kind {found}; the {role} must be of kind {expected}")]
    WrongKind {
        /// The role: order, order response, delivery note or invoice.
        role: &'static str,
        /// The kind that role needs.
        expected: DocumentKind,
        /// The document's kind.
        found: DocumentKind,
        /// The document's number.
        number: String,
    },
}

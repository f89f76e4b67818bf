//! Matching: links an order with its order response, delivery notes (納品書) and invoice by their
//! references, pairs their lines, and reports every difference as a [`Discrepancy`].
//!
//! A line is paired with an order line by, in this order: its explicit order-line reference; for an invoice
//! line, the order line of the delivery-note line it refers to; then the seller's, buyer's or standard item
//! id; then the item name (compared after width and case folding); an order-response line without any item
//! information, by its own line id. When several order lines carry the same item, the first one not yet
//! used up takes it.
//!
//! An invoice line is tied to a delivery-note line by its `DespatchLineReference`; by a line-level
//! `DocumentReference` naming a delivery note (JP PINT summarized invoice, pattern 1), also when written as
//! `<delivery note>-<line>`; by an item name equal to a delivery-note number (pattern 2: the line bills the
//! whole note); or by a single header `DespatchDocumentReference`.
//!
//! Quantities are summed per order line over all delivery notes and invoice lines, in the order line's unit
//! (a line in another unit is reported and left out of the sums). Prices are compared per unit
//! (`PriceAmount` ÷ `BaseQuantity`, by cross-multiplication). Partial delivery and partial invoicing are
//! reported as notes (severity info), not as errors. All arithmetic is decimal.
//!
//! Not covered: earlier invoices for the same order (pass only the delivery notes the invoice covers), line
//! allowances and charges (the net price is compared), credit notes.

mod invoice;
mod pairing;
mod report;
mod response;

pub use report::{
    Discrepancy, DiscrepancyKind, DocumentLine, LineBalance, MatchError, MatchReport,
};

use cie_domain::{DocumentKind, Severity};
use rust_decimal::Decimal;

use crate::lines::{Item, Line, LineSet};
use pairing::{
    describe_item, identifier_pairs, same_item_by_identifier, same_item_by_name, same_line_id,
    same_number, show, show_price,
};

/// Three-way match: an order, the delivery notes an invoice covers (one or several, e.g. for a summarized
/// invoice 合算請求書), and the invoice.
pub fn three_way(
    order: &LineSet,
    despatches: &[LineSet],
    invoice: &LineSet,
) -> Result<MatchReport, MatchError> {
    expect_kind(order, "order", DocumentKind::Order)?;
    for despatch in despatches {
        expect_kind(despatch, "delivery note", DocumentKind::DespatchAdvice)?;
    }
    expect_kind(invoice, "invoice", DocumentKind::Invoice)?;
    let mut matcher = Matcher::new(order);
    matcher.take_despatches(despatches);
    matcher.take_invoice(invoice, Some(despatches));
    Ok(matcher.finish())
}

/// Two-way match of an order and an invoice, without delivery notes.
pub fn order_and_invoice(order: &LineSet, invoice: &LineSet) -> Result<MatchReport, MatchError> {
    expect_kind(order, "order", DocumentKind::Order)?;
    expect_kind(invoice, "invoice", DocumentKind::Invoice)?;
    let mut matcher = Matcher::new(order);
    matcher.take_invoice(invoice, None);
    Ok(matcher.finish())
}

/// Two-way match of an order and its delivery notes.
pub fn order_and_despatches(
    order: &LineSet,
    despatches: &[LineSet],
) -> Result<MatchReport, MatchError> {
    expect_kind(order, "order", DocumentKind::Order)?;
    for despatch in despatches {
        expect_kind(despatch, "delivery note", DocumentKind::DespatchAdvice)?;
    }
    let mut matcher = Matcher::new(order);
    matcher.take_despatches(despatches);
    Ok(matcher.finish())
}

/// Two-way match of an order and the supplier's order response (注文請書).
pub fn order_and_response(order: &LineSet, response: &LineSet) -> Result<MatchReport, MatchError> {
    expect_kind(order, "order", DocumentKind::Order)?;
    expect_kind(response, "order response", DocumentKind::OrderResponse)?;
    let mut matcher = Matcher::new(order);
    matcher.take_response(response);
    Ok(matcher.finish())
}

/// Everything received for one order matched at once: the supplier's order response (注文請書) when there is
/// one, its delivery notes, and the invoice when one is given (with delivery notes, a three-way match).
pub fn order_with(
    order: &LineSet,
    response: Option<&LineSet>,
    despatches: &[LineSet],
    invoice: Option<&LineSet>,
) -> Result<MatchReport, MatchError> {
    expect_kind(order, "order", DocumentKind::Order)?;
    if let Some(response) = response {
        expect_kind(response, "order response", DocumentKind::OrderResponse)?;
    }
    for despatch in despatches {
        expect_kind(despatch, "delivery note", DocumentKind::DespatchAdvice)?;
    }
    if let Some(invoice) = invoice {
        expect_kind(invoice, "invoice", DocumentKind::Invoice)?;
    }
    let mut matcher = Matcher::new(order);
    if let Some(response) = response {
        matcher.take_response(response);
    }
    match invoice {
        Some(invoice) if despatches.is_empty() => matcher.take_invoice(invoice, None),
        Some(invoice) => {
            matcher.take_despatches(despatches);
            matcher.take_invoice(invoice, Some(despatches));
        }
        None => matcher.take_despatches(despatches),
    }
    Ok(matcher.finish())
}

fn expect_kind(
    document: &LineSet,
    role: &'static str,
    expected: DocumentKind,
) -> Result<(), MatchError> {
    if document.kind == expected {
        return Ok(());
    }
    Err(MatchError::WrongKind {
        role,
        expected,
        found: document.kind,
        number: document.number.clone(),
    })
}

/// Which document a line belongs to, for messages and for the fields of a discrepancy.
#[derive(Clone, Copy)]
enum Role<'a> {
    Despatch(&'a str),
    Invoice,
    Response,
}

impl Role<'_> {
    fn document_ja(self) -> String {
        match self {
            Role::Despatch(number) => format!("納品書 {number}"),
            Role::Invoice => "請求書".to_owned(),
            Role::Response => "注文請書".to_owned(),
        }
    }

    fn document_en(self) -> String {
        match self {
            Role::Despatch(number) => format!("delivery note {number}"),
            Role::Invoice => "the invoice".to_owned(),
            Role::Response => "the order response".to_owned(),
        }
    }

    fn line_ja(self, line: &Line) -> String {
        format!("{}の明細 {}", self.document_ja(), line.id)
    }

    fn line_en(self, line: &Line) -> String {
        match self {
            Role::Despatch(number) => format!("line {} of delivery note {number}", line.id),
            Role::Invoice => format!("invoice line {}", line.id),
            Role::Response => format!("order response line {}", line.id),
        }
    }

    fn at(self, kind: DiscrepancyKind, line: &Line) -> Discrepancy {
        let mut discrepancy = Discrepancy::new(kind);
        match self {
            Role::Despatch(number) => discrepancy.despatch_lines.push(DocumentLine {
                document: number.to_owned(),
                line: line.id.clone(),
            }),
            Role::Invoice => discrepancy.invoice_lines.push(line.id.clone()),
            Role::Response => discrepancy.response_line = Some(line.id.clone()),
        }
        discrepancy.location = Some(line.location.clone());
        discrepancy
    }
}

/// What a line's explicit order-line reference leads to.
enum ExplicitOrderLine {
    Found(usize),
    Absent,
    /// It names another order, or a line this order does not have.
    Broken,
}

#[derive(Default, Clone)]
struct Tally {
    confirmed: Option<Decimal>,
    delivered: Decimal,
    invoiced: Decimal,
    despatch_lines: Vec<DocumentLine>,
    invoice_lines: Vec<String>,
}

struct Matcher<'a> {
    order: &'a LineSet,
    tallies: Vec<Tally>,
    despatch_numbers: Option<Vec<String>>,
    invoice_number: Option<String>,
    response_number: Option<String>,
    despatch_links: Vec<Vec<Option<usize>>>,
    discrepancies: Vec<Discrepancy>,
}

impl<'a> Matcher<'a> {
    fn new(order: &'a LineSet) -> Self {
        Matcher {
            order,
            tallies: vec![Tally::default(); order.lines.len()],
            despatch_numbers: None,
            invoice_number: None,
            response_number: None,
            despatch_links: Vec::new(),
            discrepancies: Vec::new(),
        }
    }

    fn push(&mut self, discrepancy: Discrepancy) {
        self.discrepancies.push(discrepancy);
    }

    fn check_order_reference(&mut self, role: Role<'_>, references: &[String]) {
        let order = &self.order.number;
        if references.is_empty() {
            let discrepancy = Discrepancy::new(DiscrepancyKind::OrderReferenceMissing)
                .expected(order)
                .message(
                    format!(
                        "{}に発注番号 {order} の記載がありません（照合の指定により関連付けました）",
                        role.document_ja()
                    ),
                    format!(
                        "{} does not name order {order}; it was matched because the two were linked on request",
                        role.document_en()
                    ),
                );
            self.push(discrepancy);
        } else if !references
            .iter()
            .any(|reference| same_number(reference, order))
        {
            let named = references.join(", ");
            let discrepancy = Discrepancy::new(DiscrepancyKind::OrderReferenceDiffers)
                .expected(order)
                .actual(&named)
                .message(
                    format!(
                        "{}は発注 {named} を参照しており、発注 {order} を参照していません",
                        role.document_ja()
                    ),
                    format!(
                        "{} refers to order {named}, not to order {order}",
                        role.document_en()
                    ),
                );
            self.push(discrepancy);
        }
    }

    /// The order line a line names explicitly (a broken reference is reported here).
    fn explicit_order_line(&mut self, role: Role<'_>, line: &Line) -> ExplicitOrderLine {
        let Some(reference) = &line.order_line_ref else {
            return ExplicitOrderLine::Absent;
        };
        let order = self.order;
        if let Some(document) = &reference.document_id
            && !same_number(document, &order.number)
        {
            let discrepancy = role
                .at(DiscrepancyKind::OrderReferenceDiffers, line)
                .expected(&order.number)
                .actual(document)
                .message(
                    format!(
                        "{}は発注 {document} の明細 {} を参照しており、発注 {} の明細ではありません",
                        role.line_ja(line),
                        reference.line_id,
                        order.number
                    ),
                    format!(
                        "{} refers to line {} of order {document}, not to order {}",
                        role.line_en(line),
                        reference.line_id,
                        order.number
                    ),
                );
            self.push(discrepancy);
            return ExplicitOrderLine::Broken;
        }
        match order
            .lines
            .iter()
            .position(|candidate| same_line_id(&candidate.id, &reference.line_id))
        {
            Some(index) => {
                self.check_same_item(role, line, index);
                ExplicitOrderLine::Found(index)
            }
            None => {
                let discrepancy = role
                    .at(DiscrepancyKind::OrderLineNotFound, line)
                    .actual(&reference.line_id)
                    .message(
                        format!(
                            "{}が参照する発注明細 {} は発注 {} にありません",
                            role.line_ja(line),
                            reference.line_id,
                            order.number
                        ),
                        format!(
                            "{} refers to order line {}, which order {} does not have",
                            role.line_en(line),
                            reference.line_id,
                            order.number
                        ),
                    );
                self.push(discrepancy);
                ExplicitOrderLine::Broken
            }
        }
    }

    fn check_same_item(&mut self, role: Role<'_>, line: &Line, index: usize) {
        let ordered = &self.order.lines[index];
        let Some((which, _)) = identifier_pairs(&ordered.item, &line.item)
            .into_iter()
            .find(|(_, same)| *same == Some(false))
        else {
            return;
        };
        let discrepancy = role
            .at(DiscrepancyKind::ItemDiffers, line)
            .order_line(&ordered.id)
            .expected(describe_item(&ordered.item))
            .actual(describe_item(&line.item))
            .message(
                format!(
                    "{}は発注明細 {} を参照していますが、品目が異なります（{which} item id）",
                    role.line_ja(line),
                    ordered.id
                ),
                format!(
                    "{} refers to order line {} but identifies another item ({which} item id differs)",
                    role.line_en(line),
                    ordered.id
                ),
            );
        self.push(discrepancy);
    }

    /// The order line carrying the same item, by identifier then by name; among several, the first whose
    /// quantity is not used up according to `used`.
    fn order_line_by_item(&self, item: &Item, used: impl Fn(&Tally) -> Decimal) -> Option<usize> {
        let pick = |same: fn(&Item, &Item) -> bool| {
            let candidates: Vec<usize> = (0..self.order.lines.len())
                .filter(|&index| same(&self.order.lines[index].item, item))
                .collect();
            candidates
                .iter()
                .copied()
                .find(|&index| {
                    self.order.lines[index]
                        .quantity
                        .is_none_or(|ordered| used(&self.tallies[index]) < ordered)
                })
                .or(candidates.first().copied())
        };
        pick(same_item_by_identifier).or_else(|| pick(same_item_by_name))
    }

    fn report_not_ordered(&mut self, role: Role<'_>, line: &Line) {
        let discrepancy = role
            .at(DiscrepancyKind::ItemNotOrdered, line)
            .actual(describe_item(&line.item))
            .message(
                format!(
                    "{}の品目（{}）は発注 {} のどの明細にも該当しません",
                    role.line_ja(line),
                    describe_item(&line.item),
                    self.order.number
                ),
                format!(
                    "{} ({}) matches no line of order {}",
                    role.line_en(line),
                    describe_item(&line.item),
                    self.order.number
                ),
            );
        self.push(discrepancy);
    }

    /// The line's quantity in the order line's unit: `None` when absent or in another unit (reported).
    fn quantity_in_order_unit(
        &mut self,
        role: Role<'_>,
        line: &Line,
        index: usize,
    ) -> Option<Decimal> {
        let ordered = &self.order.lines[index];
        if let (Some(expected), Some(actual)) = (&ordered.unit_code, &line.unit_code)
            && expected != actual
        {
            let discrepancy = role
                .at(DiscrepancyKind::UnitDiffers, line)
                .order_line(&ordered.id)
                .expected(expected)
                .actual(actual)
                .message(
                    format!(
                        "{}の単位 {actual} が発注明細 {} の単位 {expected} と異なるため、数量を照合できません",
                        role.line_ja(line),
                        ordered.id
                    ),
                    format!(
                        "{} counts in {actual}, order line {} in {expected}: its quantity is not compared",
                        role.line_en(line),
                        ordered.id
                    ),
                );
            self.push(discrepancy);
            return None;
        }
        line.quantity
    }

    fn check_price(&mut self, role: Role<'_>, line: &Line, index: usize) {
        let ordered = &self.order.lines[index];
        let (Some(expected), Some(actual)) = (&ordered.price, &line.price) else {
            return;
        };
        if let (Some(expected_currency), Some(actual_currency)) =
            (&expected.currency, &actual.currency)
            && expected_currency != actual_currency
        {
            let discrepancy = role
                .at(DiscrepancyKind::CurrencyDiffers, line)
                .order_line(&ordered.id)
                .expected(expected_currency)
                .actual(actual_currency)
                .message(
                    format!(
                        "{}の通貨 {actual_currency} が発注明細 {} の通貨 {expected_currency} と異なります",
                        role.line_ja(line),
                        ordered.id
                    ),
                    format!(
                        "{} is priced in {actual_currency}, order line {} in {expected_currency}",
                        role.line_en(line),
                        ordered.id
                    ),
                );
            self.push(discrepancy);
            return;
        }
        if expected.same_per_unit(actual) {
            return;
        }
        let (expected_text, actual_text) = (show_price(expected), show_price(actual));
        let discrepancy = role
            .at(DiscrepancyKind::PriceDiffers, line)
            .order_line(&ordered.id)
            .expected(&expected_text)
            .actual(&actual_text)
            .message(
                format!(
                    "{}の単価 {actual_text} が発注明細 {} の単価 {expected_text} と異なります（基準数量あたりに換算）",
                    role.line_ja(line),
                    ordered.id
                ),
                format!(
                    "{} has unit price {actual_text}, order line {} has {expected_text} (per unit of quantity)",
                    role.line_en(line),
                    ordered.id
                ),
            );
        self.push(discrepancy);
    }

    fn take_despatches(&mut self, despatches: &[LineSet]) {
        self.despatch_numbers = Some(
            despatches
                .iter()
                .map(|despatch| despatch.number.clone())
                .collect(),
        );
        for despatch in despatches {
            let role = Role::Despatch(&despatch.number);
            self.check_order_reference(role, &despatch.order_references);
            let mut links = Vec::with_capacity(despatch.lines.len());
            for line in &despatch.lines {
                let index = match self.explicit_order_line(role, line) {
                    ExplicitOrderLine::Found(index) => Some(index),
                    ExplicitOrderLine::Absent => {
                        let found = self.order_line_by_item(&line.item, |tally| tally.delivered);
                        if found.is_none() {
                            self.report_not_ordered(role, line);
                        }
                        found
                    }
                    ExplicitOrderLine::Broken => None,
                };
                if let Some(index) = index {
                    let quantity = self.quantity_in_order_unit(role, line, index);
                    let tally = &mut self.tallies[index];
                    tally.delivered += quantity.unwrap_or_default();
                    tally.despatch_lines.push(DocumentLine {
                        document: despatch.number.clone(),
                        line: line.id.clone(),
                    });
                }
                links.push(index);
            }
            self.despatch_links.push(links);
        }
    }

    fn balance_quantities(&mut self) {
        let delivering = self.despatch_numbers.is_some();
        let invoicing = self.invoice_number.is_some();
        for (index, ordered_line) in self.order.lines.iter().enumerate() {
            let Some(ordered) = ordered_line.quantity else {
                continue;
            };
            let tally = self.tallies[index].clone();
            let unit = ordered_line.unit_code.as_deref().unwrap_or("");
            let id = &ordered_line.id;
            let aggregate = |kind: DiscrepancyKind, expected: Decimal, actual: Decimal| {
                let mut discrepancy = Discrepancy::new(kind)
                    .order_line(id)
                    .expected(show(expected))
                    .actual(show(actual));
                discrepancy.despatch_lines = tally.despatch_lines.clone();
                discrepancy.invoice_lines = tally.invoice_lines.clone();
                discrepancy
            };
            let (expected, actual) = (show(ordered), show(tally.delivered));
            if delivering && tally.delivered > ordered {
                self.discrepancies.push(
                    aggregate(DiscrepancyKind::QuantityExceedsOrdered, ordered, tally.delivered)
                        .message(
                            format!("発注明細 {id} の納品数量 {actual} {unit} が発注数量 {expected} {unit} を超えています"),
                            format!("order line {id}: {actual} {unit} delivered, more than the {expected} {unit} ordered"),
                        ),
                );
            } else if delivering && tally.delivered < ordered {
                self.discrepancies.push(
                    aggregate(DiscrepancyKind::NotYetDelivered, ordered, tally.delivered).message(
                        format!("発注明細 {id} は発注数量 {expected} {unit} のうち {actual} {unit} が納品済みです（分納。エラーではありません）"),
                        format!("order line {id}: {actual} of {expected} {unit} delivered so far (partial delivery, not an error)"),
                    ),
                );
            }
            if !invoicing {
                continue;
            }
            let invoiced = show(tally.invoiced);
            if tally.invoiced > ordered {
                self.discrepancies.push(
                    aggregate(DiscrepancyKind::QuantityExceedsOrdered, ordered, tally.invoiced)
                        .message(
                            format!("発注明細 {id} の請求数量 {invoiced} {unit} が発注数量 {expected} {unit} を超えています"),
                            format!("order line {id}: {invoiced} {unit} invoiced, more than the {expected} {unit} ordered"),
                        ),
                );
            }
            let basis = if delivering { tally.delivered } else { ordered };
            let (basis_ja, basis_en) = if delivering {
                ("納品数量", "delivered")
            } else {
                ("発注数量", "ordered")
            };
            let basis_text = show(basis);
            if delivering && tally.invoiced > basis {
                self.discrepancies.push(
                    aggregate(DiscrepancyKind::QuantityExceedsDelivered, basis, tally.invoiced)
                        .message(
                            format!("発注明細 {id} の請求数量 {invoiced} {unit} が納品数量 {basis_text} {unit} を超えています"),
                            format!("order line {id}: {invoiced} {unit} invoiced, more than the {basis_text} {unit} delivered"),
                        ),
                );
            } else if tally.invoiced < basis {
                self.discrepancies.push(
                    aggregate(DiscrepancyKind::NotYetInvoiced, basis, tally.invoiced).message(
                        format!("発注明細 {id} は{basis_ja} {basis_text} {unit} のうち {invoiced} {unit} が請求済みです（未請求分あり。エラーではありません）"),
                        format!("order line {id}: {invoiced} of the {basis_text} {unit} {basis_en} invoiced so far (not an error)"),
                    ),
                );
            }
        }
    }

    fn finish(mut self) -> MatchReport {
        self.balance_quantities();
        let delivering = self.despatch_numbers.is_some();
        let invoicing = self.invoice_number.is_some();
        let lines = self
            .order
            .lines
            .iter()
            .zip(self.tallies)
            .map(|(line, tally)| LineBalance {
                order_line: line.id.clone(),
                item_name: line.item.name.clone(),
                unit_code: line.unit_code.clone(),
                ordered: line.quantity,
                confirmed: tally.confirmed,
                delivered: delivering.then_some(tally.delivered),
                invoiced: invoicing.then_some(tally.invoiced),
                despatch_lines: tally.despatch_lines,
                invoice_lines: tally.invoice_lines,
            })
            .collect();
        MatchReport {
            order: self.order.number.clone(),
            response: self.response_number,
            despatches: self.despatch_numbers.unwrap_or_default(),
            invoice: self.invoice_number,
            matched: self
                .discrepancies
                .iter()
                .all(|discrepancy| discrepancy.severity == Severity::Info),
            lines,
            discrepancies: self.discrepancies,
        }
    }
}

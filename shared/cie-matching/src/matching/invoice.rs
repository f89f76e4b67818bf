//! The invoice side of a match: ties each invoice line to a delivery-note line or a whole delivery note
//! (JP PINT summarized invoices), then to an order line, and counts what it bills.

use rust_decimal::Decimal;

use super::pairing::{
    note_and_line, same_item_by_identifier, same_item_by_name, same_line_id, same_number, show,
};
use super::{Discrepancy, DiscrepancyKind, ExplicitOrderLine, Matcher, Role};
use crate::lines::{Item, Line, LineSet};

/// How an invoice line is tied to the delivery notes.
enum DespatchLink {
    Line(usize, usize),
    WholeNote(usize),
    Note(usize),
    Unknown(String),
    Untied,
}

impl Matcher<'_> {
    pub(super) fn take_invoice(&mut self, invoice: &LineSet, despatches: Option<&[LineSet]>) {
        self.invoice_number = Some(invoice.number.clone());
        let role = Role::Invoice;
        self.check_order_reference(role, &invoice.order_references);
        if let Some(despatches) = despatches {
            self.check_despatch_references(invoice, despatches);
        }
        for line in &invoice.lines {
            let link = match despatches {
                Some(despatches) => self.despatch_link(invoice, line, despatches),
                None => DespatchLink::Untied,
            };
            if let (DespatchLink::WholeNote(note), Some(despatches)) = (&link, despatches) {
                self.take_whole_note_line(line, *note, &despatches[*note]);
                continue;
            }
            if let DespatchLink::Unknown(named) = &link {
                let discrepancy = role
                    .at(DiscrepancyKind::DespatchNotFound, line)
                    .actual(named)
                    .message(
                        format!(
                            "{}が参照する納品書 {named} は照合対象の納品書にありません",
                            role.line_ja(line)
                        ),
                        format!(
                            "{} refers to delivery note {named}, which is not among the delivery notes matched",
                            role.line_en(line)
                        ),
                    );
                self.push(discrepancy);
            }
            let index = match self.explicit_order_line(role, line) {
                ExplicitOrderLine::Found(index) => Some(index),
                ExplicitOrderLine::Broken => continue,
                ExplicitOrderLine::Absent => {
                    let via_despatch = match (&link, despatches) {
                        (DespatchLink::Line(note, at), _) => self.despatch_links[*note][*at],
                        (DespatchLink::Note(note), Some(despatches)) => {
                            self.despatch_line_by_item(&despatches[*note], *note, line)
                        }
                        _ => None,
                    };
                    let found = via_despatch
                        .or_else(|| self.order_line_by_item(&line.item, |tally| tally.invoiced));
                    if found.is_none() {
                        self.report_not_ordered(role, line);
                    }
                    found
                }
            };
            let Some(index) = index else { continue };
            self.check_price(role, line, index);
            let quantity = self.quantity_in_order_unit(role, line, index);
            let tally = &mut self.tallies[index];
            tally.invoiced += quantity.unwrap_or_default();
            tally.invoice_lines.push(line.id.clone());
        }
    }

    fn check_despatch_references(&mut self, invoice: &LineSet, despatches: &[LineSet]) {
        for reference in &invoice.despatch_references {
            if despatches
                .iter()
                .any(|despatch| same_number(&despatch.number, reference))
            {
                continue;
            }
            let discrepancy = Discrepancy::new(DiscrepancyKind::DespatchNotFound)
                .actual(reference)
                .message(
                    format!("請求書が参照する納品書 {reference} は照合対象の納品書にありません"),
                    format!(
                        "the invoice refers to delivery note {reference}, which is not among the delivery notes matched"
                    ),
                );
            self.push(discrepancy);
        }
    }

    fn despatch_link(
        &mut self,
        invoice: &LineSet,
        line: &Line,
        despatches: &[LineSet],
    ) -> DespatchLink {
        let note_numbered = |number: &str| {
            despatches
                .iter()
                .position(|despatch| same_number(&despatch.number, number))
        };
        if let Some(reference) = &line.despatch_line_ref {
            let note = match &reference.document_id {
                Some(number) => note_numbered(number),
                None if invoice.despatch_references.len() == 1 => {
                    note_numbered(&invoice.despatch_references[0])
                }
                None if despatches.len() == 1 => Some(0),
                None => None,
            };
            if let Some(note) = note {
                let despatch = &despatches[note];
                if let Some(at) = despatch
                    .lines
                    .iter()
                    .position(|candidate| same_line_id(&candidate.id, &reference.line_id))
                {
                    return DespatchLink::Line(note, at);
                }
                let discrepancy = Role::Invoice
                    .at(DiscrepancyKind::DespatchLineNotFound, line)
                    .actual(format!("{} / {}", despatch.number, reference.line_id))
                    .message(
                        format!(
                            "請求書の明細 {} が参照する納品書 {} の明細 {} が存在しません",
                            line.id, despatch.number, reference.line_id
                        ),
                        format!(
                            "invoice line {} refers to line {} of delivery note {}, which has no such line",
                            line.id, reference.line_id, despatch.number
                        ),
                    );
                self.push(discrepancy);
                return DespatchLink::Note(note);
            }
            if reference.document_id.is_some() {
                return DespatchLink::Untied;
            }
        }
        for reference in &line.document_references {
            if let Some(note) = note_numbered(reference) {
                return DespatchLink::Note(note);
            }
            if let Some((note, at)) = note_and_line(reference, despatches) {
                return DespatchLink::Line(note, at);
            }
        }
        if !line.item.has_identifier()
            && let Some(note) = line.item.name.as_deref().and_then(note_numbered)
        {
            return DespatchLink::WholeNote(note);
        }
        if let [only] = invoice.despatch_references.as_slice()
            && let Some(note) = note_numbered(only)
        {
            return DespatchLink::Note(note);
        }
        if line.document_references.is_empty() {
            DespatchLink::Untied
        } else {
            DespatchLink::Unknown(line.document_references.join(", "))
        }
    }

    /// The order line of the delivery-note line in `despatch` that carries the invoice line's item (by
    /// order line, identifier, then name), or of its only line.
    fn despatch_line_by_item(&self, despatch: &LineSet, note: usize, line: &Line) -> Option<usize> {
        let links = &self.despatch_links[note];
        let by = |same: fn(&Item, &Item) -> bool| {
            despatch
                .lines
                .iter()
                .position(|candidate| same(&candidate.item, &line.item))
        };
        let at = by(same_item_by_identifier)
            .or_else(|| by(same_item_by_name))
            .or_else(|| (despatch.lines.len() == 1).then_some(0))?;
        links[at]
    }

    /// A summarized-invoice line billing a whole delivery note (JP PINT pattern 2): its delivered quantities
    /// count as invoiced, and its amount is compared with their value at the order prices.
    fn take_whole_note_line(&mut self, line: &Line, note: usize, despatch: &LineSet) {
        let mut expected = Some(Decimal::ZERO);
        for (at, despatch_line) in despatch.lines.iter().enumerate() {
            let Some(index) = self.despatch_links[note][at] else {
                expected = None;
                continue;
            };
            let ordered = &self.order.lines[index];
            let quantity = despatch_line.quantity.filter(|_| {
                ordered.unit_code.is_none()
                    || despatch_line.unit_code.is_none()
                    || ordered.unit_code == despatch_line.unit_code
            });
            expected = match (expected, quantity, &ordered.price) {
                (Some(sum), Some(quantity), Some(price)) if !price.base().is_zero() => {
                    Some(sum + quantity * price.amount / price.base())
                }
                _ => None,
            };
            let tally = &mut self.tallies[index];
            tally.invoiced += quantity.unwrap_or_default();
            tally.invoice_lines.push(line.id.clone());
        }
        let actual = line.line_amount.or_else(|| {
            let price = line.price.as_ref()?;
            Some(line.quantity? * price.amount / price.base())
        });
        let (Some(expected), Some(actual)) = (expected, actual) else {
            return;
        };
        if expected == actual {
            return;
        }
        let (expected, actual) = (show(expected.round_dp(6)), show(actual));
        let discrepancy = Role::Invoice
            .at(DiscrepancyKind::DeliveryNoteAmountDiffers, line)
            .expected(&expected)
            .actual(&actual)
            .message(
                format!(
                    "請求書の明細 {} は納品書 {} を金額 {actual} で請求していますが、納品数量と発注単価からは {expected} です",
                    line.id, despatch.number
                ),
                format!(
                    "invoice line {} bills delivery note {} at {actual}; its delivered quantities at the order prices come to {expected}",
                    line.id, despatch.number
                ),
            );
        self.push(discrepancy);
    }
}

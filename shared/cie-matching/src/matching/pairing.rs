//! How lines, items and document numbers are recognised as the same across documents, and how values are
//! shown in messages.

use rust_decimal::Decimal;

use crate::lines::{Item, Line, LineSet, Price};
use crate::numbers::{fold_width, number_key};

/// Whether two document numbers name the same document: equal, or variants (see [`number_key`]).
pub(super) fn same_number(a: &str, b: &str) -> bool {
    let key = number_key(a);
    a.trim() == b.trim() || (!key.is_empty() && key == number_key(b))
}

/// Whether two line ids are the same: equal, or the same number (`010` = `10`).
pub(super) fn same_line_id(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    let numeric = |id: &str| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit());
    a == b || (numeric(a) && numeric(b) && a.trim_start_matches('0') == b.trim_start_matches('0'))
}

fn normalized(text: &str) -> String {
    fold_width(text)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn same_text(a: &Option<String>, b: &Option<String>) -> Option<bool> {
    Some(normalized(a.as_deref()?) == normalized(b.as_deref()?))
}

pub(super) fn identifier_pairs<'a>(a: &'a Item, b: &'a Item) -> [(&'static str, Option<bool>); 3] {
    [
        ("seller", same_text(&a.seller_id, &b.seller_id)),
        ("buyer", same_text(&a.buyer_id, &b.buyer_id)),
        ("standard", same_text(&a.standard_id, &b.standard_id)),
    ]
}

pub(super) fn same_item_by_identifier(a: &Item, b: &Item) -> bool {
    identifier_pairs(a, b)
        .iter()
        .any(|(_, same)| *same == Some(true))
}

pub(super) fn same_item_by_name(a: &Item, b: &Item) -> bool {
    same_text(&a.name, &b.name) == Some(true)
}

pub(super) fn describe_item(item: &Item) -> String {
    [
        item.name.as_deref(),
        item.seller_id.as_deref(),
        item.buyer_id.as_deref(),
        item.standard_id.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" / ")
}

pub(super) fn show(value: Decimal) -> String {
    value.normalize().to_string()
}

pub(super) fn show_price(price: &Price) -> String {
    match price.per_unit() {
        Some(per_unit) => {
            let per_unit = show(per_unit.round_dp(6));
            match &price.currency {
                Some(currency) => format!("{per_unit} {currency}"),
                None => per_unit,
            }
        }
        None => format!("{} / 0", show(price.amount)),
    }
}

/// The order line whose id a response line without any item information repeats (UBL order responses
/// may answer a line by its id alone, with an empty `cac:Item`).
pub(super) fn echoed_order_line(order: &LineSet, line: &Line) -> Option<usize> {
    if line.item.has_identifier() || line.item.name.is_some() {
        return None;
    }
    order
        .lines
        .iter()
        .position(|candidate| same_line_id(&candidate.id, &line.id))
}

/// A reference written as `<delivery-note number><separator><line id>` (e.g. `D001-1` for line 1 of
/// delivery note `D001`), when such a note and line are among those matched.
pub(super) fn note_and_line(reference: &str, despatches: &[LineSet]) -> Option<(usize, usize)> {
    let (number, line_id) = reference.trim().rsplit_once(['-', '_', '/'])?;
    let note = despatches
        .iter()
        .position(|despatch| same_number(&despatch.number, number))?;
    let at = despatches[note]
        .lines
        .iter()
        .position(|candidate| same_line_id(&candidate.id, line_id))?;
    Some((note, at))
}

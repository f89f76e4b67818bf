//! The order-response side of a match: rejected, substituted and changed lines.

use super::pairing::{describe_item, echoed_order_line, show};
use super::{Discrepancy, DiscrepancyKind, ExplicitOrderLine, Matcher, Role};
use crate::lines::LineSet;

impl Matcher<'_> {
    pub(super) fn take_response(&mut self, response: &LineSet) {
        let order = self.order;
        self.response_number = Some(response.number.clone());
        let role = Role::Response;
        self.check_order_reference(role, &response.order_references);
        if response.response_code.as_deref() == Some("RE") {
            let order = &order.number;
            let discrepancy = Discrepancy::new(DiscrepancyKind::OrderRejected)
                .actual("RE")
                .message(
                    format!(
                        "注文請書 {} は発注 {order} を受け付けていません",
                        response.number
                    ),
                    format!("order response {} rejects order {order}", response.number),
                );
            self.push(discrepancy);
        }
        for line in &response.lines {
            let index = match self.explicit_order_line(role, line) {
                ExplicitOrderLine::Found(index) => index,
                ExplicitOrderLine::Broken => continue,
                ExplicitOrderLine::Absent => {
                    let by_item = self.order_line_by_item(&line.item, |tally| {
                        tally.confirmed.unwrap_or_default()
                    });
                    match by_item.or_else(|| echoed_order_line(order, line)) {
                        Some(index) => index,
                        None => {
                            self.report_not_ordered(role, line);
                            continue;
                        }
                    }
                }
            };
            let ordered = &order.lines[index];
            if line.status_code.as_deref() == Some("7") {
                let discrepancy = role
                    .at(DiscrepancyKind::LineRejected, line)
                    .order_line(&ordered.id)
                    .actual("7")
                    .message(
                        format!(
                            "{}は発注明細 {} を受け付けていません",
                            role.line_ja(line),
                            ordered.id
                        ),
                        format!(
                            "{} does not accept order line {}",
                            role.line_en(line),
                            ordered.id
                        ),
                    );
                self.push(discrepancy);
            }
            if let Some(substitute) = &line.substituted_item {
                let discrepancy = role
                    .at(DiscrepancyKind::ItemSubstituted, line)
                    .order_line(&ordered.id)
                    .expected(describe_item(&ordered.item))
                    .actual(describe_item(substitute))
                    .message(
                        format!(
                            "{}は発注明細 {} の品目の代わりに {} を提案しています",
                            role.line_ja(line),
                            ordered.id,
                            describe_item(substitute)
                        ),
                        format!(
                            "{} proposes {} instead of the item of order line {}",
                            role.line_en(line),
                            describe_item(substitute),
                            ordered.id
                        ),
                    );
                self.push(discrepancy);
            }
            self.check_price(role, line, index);
            let ordered_quantity = self.order.lines[index].quantity;
            let Some(confirmed) = self.quantity_in_order_unit(role, line, index) else {
                continue;
            };
            let tally = &mut self.tallies[index];
            tally.confirmed = Some(tally.confirmed.unwrap_or_default() + confirmed);
            if let Some(ordered_quantity) = ordered_quantity
                && ordered_quantity != confirmed
            {
                let order_line = &self.order.lines[index].id;
                let discrepancy = role
                    .at(DiscrepancyKind::QuantityDiffers, line)
                    .order_line(order_line)
                    .expected(show(ordered_quantity))
                    .actual(show(confirmed))
                    .message(
                        format!(
                            "{}の数量 {} が発注明細 {order_line} の数量 {} と異なります",
                            role.line_ja(line),
                            show(confirmed),
                            show(ordered_quantity)
                        ),
                        format!(
                            "{} confirms {} where order line {order_line} asks for {}",
                            role.line_en(line),
                            show(confirmed),
                            show(ordered_quantity)
                        ),
                    );
                self.push(discrepancy);
            }
        }
    }
}

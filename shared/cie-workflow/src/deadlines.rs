//! What an invoice's case keeps of its payment clock, so that lists sort and filter by deadline without
//! computing every open invoice's clock per request: the deadline, the sort key while the clock runs, and
//! the days left while it stands still.

use chrono::NaiveDate;

use crate::clock::{ClockEvents, PaymentClock, PaymentTerms};
use crate::lifecycle::InvoiceState;

/// The deadline columns of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoredDeadlines {
    /// The payment deadline as the clock last stood; for a returned invoice, as it stood on the day of its
    /// return. None for rejected and superseded invoices, which have no clock.
    pub payment_deadline: Option<NaiveDate>,
    /// The payment deadline while the invoice is open and its clock runs: what the inbox sorts by.
    pub open_deadline: Option<NaiveDate>,
    /// For a returned invoice, whose clock stands still until the correction arrives: the days its payment
    /// period had left when it was returned (its days left on any later day, too).
    pub paused_days_left: Option<i64>,
}

impl StoredDeadlines {
    /// The columns of a case in `state` whose clock runs under `terms` from `received_on` (the chain's first
    /// request) and `inspection_from`, with `events` so far.
    pub fn of(
        state: InvoiceState,
        terms: PaymentTerms,
        received_on: NaiveDate,
        inspection_from: NaiveDate,
        events: &ClockEvents,
    ) -> Self {
        if matches!(state, InvoiceState::Rejected | InvoiceState::Superseded) {
            return Self::default();
        }
        let paused_since = events
            .returns
            .iter()
            .filter(|(_, resubmitted)| resubmitted.is_none())
            .map(|(returned_on, _)| *returned_on)
            .max();
        let as_of = paused_since.unwrap_or(received_on);
        let clock = PaymentClock::compute(terms, received_on, inspection_from, events, as_of);
        let running = !clock.paused && state != InvoiceState::Paid;
        Self {
            payment_deadline: Some(clock.payment_deadline),
            open_deadline: running.then_some(clock.payment_deadline),
            paused_days_left: clock.paused.then(|| clock.days_left(as_of)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 4, d).unwrap_or(NaiveDate::MIN)
    }

    const GOODS: PaymentTerms = PaymentTerms {
        inspection_days: 10,
        payment_days: 30,
    };

    fn events(returns: Vec<(NaiveDate, Option<NaiveDate>)>) -> ClockEvents {
        ClockEvents {
            returns,
            inspected_on: None,
            paid_on: None,
        }
    }

    #[test]
    fn a_running_clock_sorts_by_its_deadline() {
        let stored = StoredDeadlines::of(
            InvoiceState::Received,
            GOODS,
            day(1),
            day(1),
            &events(vec![]),
        );
        assert_eq!(
            stored.payment_deadline,
            Some(day(1) + chrono::Duration::days(30))
        );
        assert_eq!(stored.open_deadline, stored.payment_deadline);
        assert_eq!(stored.paused_days_left, None);
    }

    #[test]
    fn a_returned_invoice_keeps_the_days_it_had_left() {
        let stored = StoredDeadlines::of(
            InvoiceState::Returned,
            GOODS,
            day(1),
            day(1),
            &events(vec![(day(11), None)]),
        );
        assert_eq!(stored.open_deadline, None);
        assert_eq!(stored.paused_days_left, Some(20));
        // Later, the clock computed on any day after the return leaves the same days.
        let later = PaymentClock::compute(
            GOODS,
            day(1),
            day(1),
            &events(vec![(day(11), None)]),
            day(25),
        );
        assert_eq!(later.days_left(day(25)), 20);
    }

    #[test]
    fn a_correction_runs_on_with_the_paused_days_added() {
        let stored = StoredDeadlines::of(
            InvoiceState::Received,
            GOODS,
            day(1),
            day(1),
            &events(vec![(day(11), Some(day(18)))]),
        );
        assert_eq!(
            stored.open_deadline,
            Some(day(1) + chrono::Duration::days(37))
        );
    }

    #[test]
    fn late_inspection_shortens_the_stored_deadline() {
        let stored = StoredDeadlines::of(
            InvoiceState::Inspected,
            GOODS,
            day(1),
            day(1),
            &ClockEvents {
                returns: vec![],
                inspected_on: Some(day(14)),
                paid_on: None,
            },
        );
        assert_eq!(
            stored.open_deadline,
            Some(day(1) + chrono::Duration::days(27))
        );
    }

    #[test]
    fn closed_cases_keep_no_sort_key() {
        let paid = StoredDeadlines::of(InvoiceState::Paid, GOODS, day(1), day(1), &events(vec![]));
        assert!(paid.payment_deadline.is_some());
        assert_eq!(paid.open_deadline, None);
        for state in [InvoiceState::Rejected, InvoiceState::Superseded] {
            let none = StoredDeadlines::of(state, GOODS, day(1), day(1), &events(vec![]));
            assert_eq!(none, StoredDeadlines::default());
        }
    }
}

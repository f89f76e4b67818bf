//! The legal payment clock (政府契約の支払遅延防止等に関する法律, art. 14 for local governments):
//! inspection within 10 days (14 for works) of the notice of completion (art. 5), payment within 30 days
//! (40 for works) of a proper request (art. 6(1)), the days from a return to the corrected request not
//! counted (art. 6(2)), late inspection days taken off the payment period (art. 9), and late interest at
//! the rate in force on each late day (art. 8), per day on a 365-day year. Days are counted from the day
//! after the event (初日不算入).

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What was contracted: the statutory periods differ for works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractKind {
    /// Goods and services: 10 days to inspect, 30 to pay.
    Goods,
    /// Works (工事): 14 days to inspect, 40 to pay.
    Works,
}

/// The periods in force; contract terms per supplier or order may replace the statutory ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTerms {
    /// Days to complete inspection.
    pub inspection_days: i64,
    /// Days to pay after a proper request.
    pub payment_days: i64,
}

impl PaymentTerms {
    /// The statutory periods for `kind` (arts. 5 and 6).
    pub fn statutory(kind: ContractKind) -> Self {
        match kind {
            ContractKind::Goods => Self {
                inspection_days: 10,
                payment_days: 30,
            },
            ContractKind::Works => Self {
                inspection_days: 14,
                payment_days: 40,
            },
        }
    }
}

/// What the inspection period (art. 5) is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionBasis {
    /// The date of the delivery note (納品書) the invoice refers to: the notice of delivery.
    DeliveryNote,
    /// The delivery date the invoice itself states.
    DeliveryDate,
    /// No notice of delivery is known: the day the invoice arrived.
    Received,
}

impl InspectionBasis {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            InspectionBasis::DeliveryNote => "delivery_note",
            InspectionBasis::DeliveryDate => "delivery_date",
            InspectionBasis::Received => "received",
        }
    }

    /// The basis a stored name names.
    pub fn parse(name: &str) -> Option<Self> {
        [
            InspectionBasis::DeliveryNote,
            InspectionBasis::DeliveryDate,
            InspectionBasis::Received,
        ]
        .into_iter()
        .find(|b| b.as_str() == name)
    }
}

/// The day the inspection period is counted from, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionStart {
    /// The day of the notice of delivery or completion.
    pub on: NaiveDate,
    /// What it is.
    pub basis: InspectionBasis,
}

impl InspectionStart {
    /// The start for an invoice that arrived on `received_on`: the earliest of its delivery notes' dates,
    /// else the delivery date it states, else the day it arrived. The invoice is itself a notice that the
    /// work is done, so a date after its arrival (a post-dated note, a delivery date in the future) counts
    /// from its arrival.
    pub fn of(
        delivery_notes: &[NaiveDate],
        delivery_date: Option<NaiveDate>,
        received_on: NaiveDate,
    ) -> Self {
        let (on, basis) = match (delivery_notes.iter().min(), delivery_date) {
            (Some(note), _) => (*note, InspectionBasis::DeliveryNote),
            (None, Some(stated)) => (stated, InspectionBasis::DeliveryDate),
            (None, None) => (received_on, InspectionBasis::Received),
        };
        if on > received_on {
            return Self {
                on: received_on,
                basis: InspectionBasis::Received,
            };
        }
        Self { on, basis }
    }
}

/// Where the terms an invoice's clock runs on come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermsSource {
    /// Terms agreed for the order the invoice refers to.
    Order,
    /// Terms agreed with the supplier.
    Supplier,
    /// The statute's periods for the city's default contract kind.
    Statutory,
}

impl TermsSource {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TermsSource::Order => "order",
            TermsSource::Supplier => "supplier",
            TermsSource::Statutory => "statutory",
        }
    }

    /// The source a stored name names.
    pub fn parse(name: &str) -> Option<Self> {
        [
            TermsSource::Order,
            TermsSource::Supplier,
            TermsSource::Statutory,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// The terms an invoice's payment clock runs on: those in force when its clock started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoverningTerms {
    /// Goods/services or works.
    pub contract_kind: ContractKind,
    /// The periods.
    pub terms: PaymentTerms,
    /// Where they come from.
    pub source: TermsSource,
}

/// Terms agreed for a supplier (`order_number` none) or for one of its orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreedTerms<'a> {
    /// The order they apply to; none for every invoice of the supplier.
    pub order_number: Option<&'a str>,
    /// Goods/services or works.
    pub contract_kind: ContractKind,
    /// The periods.
    pub terms: PaymentTerms,
}

/// The terms an invoice referring to `orders` is governed by: those agreed for one of its orders, else those
/// agreed with its supplier, else the statute's for the city's `default_kind`.
pub fn governing_terms(
    agreed: &[AgreedTerms<'_>],
    orders: &[&str],
    default_kind: ContractKind,
) -> GoverningTerms {
    let of = |t: &AgreedTerms<'_>, source| GoverningTerms {
        contract_kind: t.contract_kind,
        terms: t.terms,
        source,
    };
    if let Some(order) = agreed
        .iter()
        .find(|t| t.order_number.is_some_and(|o| orders.contains(&o)))
    {
        return of(order, TermsSource::Order);
    }
    if let Some(supplier) = agreed.iter().find(|t| t.order_number.is_none()) {
        return of(supplier, TermsSource::Supplier);
    }
    GoverningTerms {
        contract_kind: default_kind,
        terms: PaymentTerms::statutory(default_kind),
        source: TermsSource::Statutory,
    }
}

/// What happened to an invoice, as far as the clock cares.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockEvents {
    /// Each return (差し戻し) and the day its corrected request arrived, if it has.
    pub returns: Vec<(NaiveDate, Option<NaiveDate>)>,
    /// The day inspection was completed.
    pub inspected_on: Option<NaiveDate>,
    /// The day it was paid.
    pub paid_on: Option<NaiveDate>,
}

/// The deadlines of one invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentClock {
    /// Last day for completing inspection.
    pub inspection_deadline: NaiveDate,
    /// Last day for payment.
    pub payment_deadline: NaiveDate,
    /// Days not counted because the request was returned (art. 6(2)).
    pub paused_days: i64,
    /// Days inspection was completed late, taken off the payment period (art. 9).
    pub late_inspection_days: i64,
    /// Whether the clock stands still now: returned, corrected request not yet received.
    pub paused: bool,
}

impl PaymentClock {
    /// The deadlines for `events` under `terms`, as of `today` (an open return counts up to `today`): the
    /// inspection period from `inspection_from` (the notice of delivery, art. 5), which a return of the
    /// invoice does not pause; the payment period from `received_on` (the proper request), paused from each
    /// return to its corrected request (art. 6(2)) and shortened by late inspection days (art. 9).
    pub fn compute(
        terms: PaymentTerms,
        received_on: NaiveDate,
        inspection_from: NaiveDate,
        events: &ClockEvents,
        today: NaiveDate,
    ) -> Self {
        let mut paused_days = 0;
        let mut paused = false;
        for (returned_on, resubmitted_on) in &events.returns {
            let end = match resubmitted_on {
                Some(day) => *day,
                None => {
                    paused = true;
                    today.max(*returned_on)
                }
            };
            paused_days += (end - *returned_on).num_days().max(0);
        }
        let inspection_deadline = inspection_from + Duration::days(terms.inspection_days);
        let late_inspection_days = events.inspected_on.map_or(0, |inspected| {
            (inspected - inspection_deadline).num_days().max(0)
        });
        let payment_deadline =
            received_on + Duration::days(terms.payment_days + paused_days - late_inspection_days);
        Self {
            inspection_deadline,
            payment_deadline,
            paused_days,
            late_inspection_days,
            paused,
        }
    }

    /// Days left until the payment deadline (negative when overdue).
    pub fn days_left(&self, today: NaiveDate) -> i64 {
        (self.payment_deadline - today).num_days()
    }

    /// Days paid late, counting to `paid_on` (or to `today` while unpaid).
    pub fn late_days(&self, settled_on: NaiveDate) -> i64 {
        (settled_on - self.payment_deadline).num_days().max(0)
    }
}

/// The late-interest rates (政府契約の支払遅延に対する遅延利息の率) with the day each took effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestRates {
    /// `(effective from, percent a year)`, in any order.
    pub rates: Vec<(NaiveDate, Decimal)>,
    /// Interest below this many yen is not charged (a common contract clause: ¥100).
    pub minimum_yen: Decimal,
}

impl Default for InterestRates {
    /// The Ministry of Finance rates: 3.0 % until 2017-03-31, 2.7 % from 2017-04-01, 2.6 % from 2020-04-01,
    /// 2.5 % from 2021-04-01 (令和3年財務省告示第49号); under ¥100 not charged.
    fn default() -> Self {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
        Self {
            rates: vec![
                (NaiveDate::MIN, Decimal::new(30, 1)),
                (day(2017, 4, 1), Decimal::new(27, 1)),
                (day(2020, 4, 1), Decimal::new(26, 1)),
                (day(2021, 4, 1), Decimal::new(25, 1)),
            ],
            minimum_yen: Decimal::from(100),
        }
    }
}

impl InterestRates {
    /// The rate in force on `day` (percent a year); zero before the first entry.
    pub fn rate_on(&self, day: NaiveDate) -> Decimal {
        self.rates
            .iter()
            .filter(|(from, _)| *from <= day)
            .max_by_key(|(from, _)| *from)
            .map_or(Decimal::ZERO, |(_, rate)| *rate)
    }

    /// Interest on `amount` yen for the days after `deadline` up to and including `settled_on`, each day at
    /// the rate then in force, on a 365-day year, truncated to whole yen; zero below the minimum.
    pub fn interest(&self, amount: Decimal, deadline: NaiveDate, settled_on: NaiveDate) -> Decimal {
        let mut rate_days = Decimal::ZERO;
        let mut day = deadline + Duration::days(1);
        while day <= settled_on {
            rate_days += self.rate_on(day);
            day += Duration::days(1);
        }
        let interest = (amount * rate_days / Decimal::from(36_500)).trunc();
        if interest < self.minimum_yen {
            Decimal::ZERO
        } else {
            interest
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_terms_come_before_supplier_terms_before_the_statute() {
        let ten_twenty = PaymentTerms {
            inspection_days: 10,
            payment_days: 20,
        };
        let five_fifteen = PaymentTerms {
            inspection_days: 5,
            payment_days: 15,
        };
        let agreed = [
            AgreedTerms {
                order_number: None,
                contract_kind: ContractKind::Goods,
                terms: ten_twenty,
            },
            AgreedTerms {
                order_number: Some("O-1"),
                contract_kind: ContractKind::Works,
                terms: five_fifteen,
            },
        ];
        let by_order = governing_terms(&agreed, &["O-1"], ContractKind::Goods);
        assert_eq!(
            (by_order.source, by_order.contract_kind, by_order.terms),
            (TermsSource::Order, ContractKind::Works, five_fifteen)
        );
        let by_supplier = governing_terms(&agreed, &["O-2"], ContractKind::Goods);
        assert_eq!(
            (by_supplier.source, by_supplier.terms),
            (TermsSource::Supplier, ten_twenty)
        );
        let statutory = governing_terms(&[], &[], ContractKind::Works);
        assert_eq!(
            (statutory.source, statutory.terms),
            (
                TermsSource::Statutory,
                PaymentTerms::statutory(ContractKind::Works)
            )
        );
    }

    fn day(raw: &str) -> NaiveDate {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").unwrap()
    }

    fn goods() -> PaymentTerms {
        PaymentTerms::statutory(ContractKind::Goods)
    }

    #[test]
    fn statutory_periods_run_from_the_day_after_receipt() {
        let clock = PaymentClock::compute(
            goods(),
            day("2026-04-01"),
            day("2026-04-01"),
            &ClockEvents::default(),
            day("2026-04-01"),
        );
        assert_eq!(clock.inspection_deadline, day("2026-04-11"));
        assert_eq!(clock.payment_deadline, day("2026-05-01"));
        assert_eq!(clock.days_left(day("2026-04-21")), 10);
        let works = PaymentClock::compute(
            PaymentTerms::statutory(ContractKind::Works),
            day("2026-04-01"),
            day("2026-04-01"),
            &ClockEvents::default(),
            day("2026-04-01"),
        );
        assert_eq!(
            (works.inspection_deadline, works.payment_deadline),
            (day("2026-04-15"), day("2026-05-11"))
        );
    }

    #[test]
    fn a_return_pauses_the_clock_until_the_corrected_request() {
        let events = ClockEvents {
            returns: vec![(day("2026-04-10"), Some(day("2026-04-15")))],
            ..ClockEvents::default()
        };
        let clock = PaymentClock::compute(
            goods(),
            day("2026-04-01"),
            day("2026-04-01"),
            &events,
            day("2026-04-20"),
        );
        assert_eq!(clock.paused_days, 5);
        assert_eq!(clock.payment_deadline, day("2026-05-06"));
        assert!(!clock.paused);

        let open = ClockEvents {
            returns: vec![(day("2026-04-10"), None)],
            ..ClockEvents::default()
        };
        let waiting = PaymentClock::compute(
            goods(),
            day("2026-04-01"),
            day("2026-04-01"),
            &open,
            day("2026-04-13"),
        );
        assert!(waiting.paused);
        assert_eq!(
            waiting.payment_deadline,
            day("2026-05-04"),
            "paused so far: 3 days"
        );
    }

    #[test]
    fn inspection_runs_from_the_delivery_and_a_return_does_not_pause_it() {
        let events = ClockEvents {
            returns: vec![(day("2026-04-05"), Some(day("2026-04-12")))],
            ..ClockEvents::default()
        };
        let clock = PaymentClock::compute(
            goods(),
            day("2026-04-03"),
            day("2026-03-30"),
            &events,
            day("2026-04-20"),
        );
        assert_eq!(
            clock.inspection_deadline,
            day("2026-04-09"),
            "10 days from the delivery note"
        );
        assert_eq!(
            clock.payment_deadline,
            day("2026-05-10"),
            "30 days from receipt + 7 paused"
        );
        let start = InspectionStart::of(
            &[day("2026-03-31"), day("2026-03-30")],
            None,
            day("2026-04-03"),
        );
        assert_eq!(
            (start.on, start.basis),
            (day("2026-03-30"), InspectionBasis::DeliveryNote)
        );
        let start = InspectionStart::of(&[], Some(day("2026-04-02")), day("2026-04-03"));
        assert_eq!(start.basis, InspectionBasis::DeliveryDate);
        let post_dated = InspectionStart::of(&[day("2026-04-09")], None, day("2026-04-03"));
        assert_eq!(
            (post_dated.on, post_dated.basis),
            (day("2026-04-03"), InspectionBasis::Received)
        );
        let start = InspectionStart::of(&[], None, day("2026-04-03"));
        assert_eq!(
            (start.on, start.basis),
            (day("2026-04-03"), InspectionBasis::Received)
        );
    }

    #[test]
    fn late_inspection_shortens_the_payment_period() {
        let events = ClockEvents {
            inspected_on: Some(day("2026-04-14")),
            ..ClockEvents::default()
        };
        let clock = PaymentClock::compute(
            goods(),
            day("2026-04-01"),
            day("2026-04-01"),
            &events,
            day("2026-04-14"),
        );
        assert_eq!(clock.late_inspection_days, 3);
        assert_eq!(clock.payment_deadline, day("2026-04-28"));
    }

    #[test]
    fn interest_worked_examples() {
        let rates = InterestRates::default();
        // ¥1,000,000, 30 days late at 2.5 %: 1,000,000 × 2.5 % × 30 / 365 = 2,054.79 → ¥2,054.
        assert_eq!(
            rates.interest(
                Decimal::from(1_000_000),
                day("2026-05-01"),
                day("2026-05-31")
            ),
            Decimal::from(2054)
        );
        // Across a rate change: 10 days at 2.6 % and 10 days at 2.5 % on ¥10,000,000 = 13,972.6 → ¥13,972.
        assert_eq!(
            rates.interest(
                Decimal::from(10_000_000),
                day("2021-03-21"),
                day("2021-04-10")
            ),
            Decimal::from(13_972)
        );
        // Under ¥100 is not charged: ¥10,000 × 2.5 % × 10 / 365 = 6.8.
        assert_eq!(
            rates.interest(Decimal::from(10_000), day("2026-05-01"), day("2026-05-11")),
            Decimal::ZERO
        );
        // Paid on time: nothing.
        assert_eq!(
            rates.interest(
                Decimal::from(1_000_000),
                day("2026-05-01"),
                day("2026-05-01")
            ),
            Decimal::ZERO
        );
    }

    #[test]
    fn the_rate_in_force_follows_the_table() {
        let rates = InterestRates::default();
        assert_eq!(rates.rate_on(day("2016-01-01")), Decimal::new(30, 1));
        assert_eq!(rates.rate_on(day("2020-03-31")), Decimal::new(27, 1));
        assert_eq!(rates.rate_on(day("2021-04-01")), Decimal::new(25, 1));
    }
}

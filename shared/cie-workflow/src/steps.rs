//! The checks on what a workflow step records: a return's reasons, the approver's checklist, an inspection
//! between the notice of delivery and today, a payment date neither before the invoice arrived nor in the past
//! nor past the legal deadline unless the delay is acknowledged with a reason (and then with the late interest
//! it costs), a payment day between the payment order and today.

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::clock::{InterestRates, PaymentClock};
use crate::responses::{return_reason, return_reason_codes};

/// Payment methods of 地方自治法 232条の5 and its cabinet order.
pub const PAYMENT_METHODS: [&str; 7] = [
    "口座振替",
    "隔地払",
    "資金前渡",
    "概算払",
    "前金払",
    "繰替払",
    "窓口払",
];

/// One reason for returning an invoice: a code (Peppol clarification reason) and the words for the supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnReason {
    /// Clarification reason code, e.g. `PRI` (wrong price), `QTY`, `REF`, `LEG`, `OTH`.
    pub code: String,
    /// The reason in the city's words (Japanese).
    pub text: String,
}

/// The municipal accounting checklist an approver confirms (地方自治法 232条の4: 会計管理者の確認).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalChecklist {
    /// The payee is the rightful creditor (正当債権者).
    pub rightful_creditor: bool,
    /// The amount is correctly computed.
    pub amount_correct: bool,
    /// The counterparty performed (履行確認).
    pub performance_confirmed: bool,
    /// The debt is fixed (債務確定).
    pub debt_fixed: bool,
    /// Fiscal year the expenditure belongs to (April–March, named by its starting year).
    pub fiscal_year: i64,
    /// Budget item (款項目節…).
    pub budget_item: String,
    /// 支出負担行為番号: the commitment the payment settles.
    pub commitment_number: String,
    /// Payment method, e.g. `口座振替`.
    pub payment_method: String,
    /// Planned payment date.
    pub payment_date: NaiveDate,
    /// Free remarks.
    pub note: Option<String>,
    /// 会計区分, e.g. 一般会計 (the finance export requires it).
    #[serde(default)]
    pub accounting_unit: Option<String>,
    /// 所属: the department that bears the expenditure (the finance export requires it).
    #[serde(default)]
    pub department: Option<String>,
    /// Income tax withheld (源泉徴収) from the payment, in yen, for fees to individuals.
    #[serde(default)]
    pub withholding_yen: Option<i64>,
}

/// The fiscal year (April to March, named by the year it starts) a payment on `day` falls in, and whether
/// `day` lies in the 出納整理期間 (April 1 to May 31) in which the previous year's expenditures are still paid.
pub fn fiscal_year_of(day: NaiveDate) -> (i64, bool) {
    use chrono::Datelike;
    let year = i64::from(day.year());
    if day.month() < 4 {
        (year - 1, false)
    } else {
        (year, day.month() <= 5)
    }
}

/// The approval's fiscal year against its payment date: the year the date falls in, or the year before when
/// it is paid in that year's 出納整理期間 (to May 31).
pub fn check_fiscal_year(checklist: &ApprovalChecklist) -> Result<(), StepError> {
    let (year, in_closing) = fiscal_year_of(checklist.payment_date);
    if checklist.fiscal_year != year && !(in_closing && checklist.fiscal_year == year - 1) {
        return Err(StepError::ChecklistIncomplete(format!(
            "fiscal_year {} does not fit payment_date {}: it is paid in fiscal year {year}{}",
            checklist.fiscal_year,
            checklist.payment_date,
            if in_closing {
                format!(" (or {} during its 出納整理期間 to May 31)", year - 1)
            } else {
                String::new()
            }
        )));
    }
    Ok(())
}

/// A return's reasons: at least one, each a clarification reason a rejection admits, with words for the
/// supplier.
pub fn check_return(reasons: &[ReturnReason]) -> Result<(), StepError> {
    if reasons.is_empty() {
        return Err(StepError::ReasonsRequired(
            "a return needs at least one reason (code and text)".into(),
        ));
    }
    for (i, reason) in reasons.iter().enumerate() {
        if return_reason(&reason.code).is_none() {
            return Err(StepError::InvalidReasonCode(format!(
                "reasons[{i}].code {:?} is not a clarification reason code (one of {})",
                reason.code,
                return_reason_codes().join(", ")
            )));
        }
        if reason.text.trim().is_empty() {
            return Err(StepError::ReasonsRequired(format!(
                "reasons[{i}].text is empty: say what the supplier must correct"
            )));
        }
    }
    Ok(())
}

/// The approver's checklist: every check confirmed, the budget item and commitment named, a payment method
/// the law knows. Its payment date is checked by [`DateContext::payment_date`].
pub fn check_checklist(checklist: &ApprovalChecklist) -> Result<(), StepError> {
    let unconfirmed: Vec<&str> = [
        ("rightful_creditor", checklist.rightful_creditor),
        ("amount_correct", checklist.amount_correct),
        ("performance_confirmed", checklist.performance_confirmed),
        ("debt_fixed", checklist.debt_fixed),
    ]
    .into_iter()
    .filter(|(_, confirmed)| !confirmed)
    .map(|(name, _)| name)
    .collect();
    if !unconfirmed.is_empty() {
        return Err(StepError::ChecklistIncomplete(format!(
            "approval needs every check confirmed; not confirmed: {}",
            unconfirmed.join(", ")
        )));
    }
    for (name, value) in [
        ("budget_item", &checklist.budget_item),
        ("commitment_number", &checklist.commitment_number),
    ] {
        if value.trim().is_empty() {
            return Err(StepError::ChecklistIncomplete(format!(
                "{name} is required for approval"
            )));
        }
    }
    if !PAYMENT_METHODS.contains(&checklist.payment_method.as_str()) {
        return Err(StepError::InvalidPaymentMethod(format!(
            "payment_method {:?} is not one of {}",
            checklist.payment_method,
            PAYMENT_METHODS.join(", ")
        )));
    }
    Ok(())
}

/// How far ahead a payment may be planned: further is a typing error, not a plan.
pub const PLANNING_HORIZON_DAYS: i64 = 366;

/// Something a step may not record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// A return without reasons, or a reason without words.
    #[error("{0}")]
    ReasonsRequired(String),
    /// A return reason that is not a clarification reason code.
    #[error("{0}")]
    InvalidReasonCode(String),
    /// A check of the approval checklist not confirmed, or a field of it missing.
    #[error("{0}")]
    ChecklistIncomplete(String),
    /// A payment method the law does not know.
    #[error("{0}")]
    InvalidPaymentMethod(String),
    /// The date lies outside what can have happened or can be planned.
    #[error("{0}")]
    InvalidDate(String),
    /// The payment date lies past the legal deadline and the delay was not acknowledged with a reason.
    #[error(
        "{field} {date} is {late_days} days after the legal payment deadline {deadline} (支払遅延防止法 art. 6); \
         late interest of ¥{interest} would be owed (art. 8). To plan it anyway, send \
         \"acknowledge_late_payment\": true with a \"late_payment_reason\""
    )]
    LateUnacknowledged {
        /// The request field.
        field: &'static str,
        /// The date asked for.
        date: NaiveDate,
        /// The legal deadline.
        deadline: NaiveDate,
        /// Days past it.
        late_days: i64,
        /// The interest it would cost, in yen.
        interest: Decimal,
    },
    /// A late date was acknowledged without saying why.
    #[error(
        "late_payment_reason is required with acknowledge_late_payment: say why payment is late"
    )]
    LateReasonMissing,
}

impl StepError {
    /// The machine-readable code the API answers with.
    pub fn code(&self) -> &'static str {
        match self {
            StepError::ReasonsRequired(_) => "reasons_required",
            StepError::InvalidReasonCode(_) => "invalid_reason_code",
            StepError::ChecklistIncomplete(_) => "checklist_incomplete",
            StepError::InvalidPaymentMethod(_) => "invalid_payment_method",
            StepError::InvalidDate(_) => "invalid_date",
            StepError::LateUnacknowledged { .. } => "late_payment_unacknowledged",
            StepError::LateReasonMissing => "late_payment_reason_required",
        }
    }
}

/// The acknowledgement a late payment date needs: given by the approver, recorded in the audit log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LateAcknowledgement<'a> {
    /// Whether the approver acknowledged that the date is late.
    pub acknowledged: bool,
    /// Why payment is late.
    pub reason: Option<&'a str>,
}

/// A payment date accepted for an invoice, with what it costs if it is late.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedPayment {
    /// The planned payment date.
    pub date: NaiveDate,
    /// The legal payment deadline it was checked against.
    pub payment_deadline: NaiveDate,
    /// Days after the deadline (0 when on time).
    pub late_days: i64,
    /// Late interest owed if paid on that date, in yen (art. 8; 0 when on time or under the minimum).
    pub interest: Decimal,
    /// Why it is late, as acknowledged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub late_reason: Option<String>,
}

/// What the payment clock says about an invoice, for checking the dates of its steps.
#[derive(Debug, Clone, Copy)]
pub struct DateContext<'a> {
    /// The day the invoice (the first of its chain) arrived.
    pub received_on: NaiveDate,
    /// The day its inspection period runs from (the notice of delivery).
    pub inspection_from: NaiveDate,
    /// Today, Japan time.
    pub today: NaiveDate,
    /// Its deadlines now.
    pub clock: &'a PaymentClock,
    /// The amount payable, in yen.
    pub payable: Decimal,
    /// The late-interest rates.
    pub rates: &'a InterestRates,
}

impl DateContext<'_> {
    /// The inspection (検収) date: after the notice of delivery and not in the future.
    pub fn inspection_date(&self, on: NaiveDate) -> Result<NaiveDate, StepError> {
        if on < self.inspection_from || on > self.today {
            return Err(StepError::InvalidDate(format!(
                "inspected_on {on} must lie between the notice of delivery ({}) and today ({})",
                self.inspection_from, self.today
            )));
        }
        Ok(on)
    }

    /// The late interest owed if the invoice is settled on `day`, and the days late.
    pub fn cost_if_paid_on(&self, day: NaiveDate) -> (i64, Decimal) {
        let late_days = self.clock.late_days(day);
        let interest = if late_days > 0 {
            self.rates
                .interest(self.payable, self.clock.payment_deadline, day)
        } else {
            Decimal::ZERO
        };
        (late_days, interest)
    }

    /// A planned payment date (`field` names it in errors): not before the invoice arrived, not in the
    /// past, not beyond the planning horizon, and not past the legal deadline unless `late` acknowledges it
    /// with a reason.
    pub fn payment_date(
        &self,
        field: &'static str,
        date: NaiveDate,
        late: LateAcknowledgement<'_>,
    ) -> Result<PlannedPayment, StepError> {
        if date < self.received_on {
            return Err(StepError::InvalidDate(format!(
                "{field} {date} lies before the invoice was received ({})",
                self.received_on
            )));
        }
        if date < self.today {
            return Err(StepError::InvalidDate(format!(
                "{field} {date} lies in the past (today is {})",
                self.today
            )));
        }
        let horizon = self.today + Duration::days(PLANNING_HORIZON_DAYS);
        if date > horizon {
            return Err(StepError::InvalidDate(format!(
                "{field} {date} lies more than a year ahead (latest {horizon})"
            )));
        }
        let (late_days, interest) = self.cost_if_paid_on(date);
        let late_reason = if late_days > 0 {
            if !late.acknowledged {
                return Err(StepError::LateUnacknowledged {
                    field,
                    date,
                    deadline: self.clock.payment_deadline,
                    late_days,
                    interest,
                });
            }
            let reason = late.reason.map(str::trim).unwrap_or_default();
            if reason.is_empty() {
                return Err(StepError::LateReasonMissing);
            }
            Some(reason.to_owned())
        } else {
            None
        };
        Ok(PlannedPayment {
            date,
            payment_deadline: self.clock.payment_deadline,
            late_days,
            interest,
            late_reason,
        })
    }

    /// The day a payment was made: not before the payment was ordered, not in the future.
    pub fn paid_on(
        &self,
        on: NaiveDate,
        ordered_on: Option<NaiveDate>,
    ) -> Result<NaiveDate, StepError> {
        let earliest = ordered_on.unwrap_or(self.received_on).max(self.received_on);
        if on < earliest || on > self.today {
            return Err(StepError::InvalidDate(format!(
                "paid_on {on} must lie between the payment order ({earliest}) and today ({})",
                self.today
            )));
        }
        Ok(on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{ClockEvents, ContractKind, PaymentTerms};

    fn day(raw: &str) -> NaiveDate {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").unwrap()
    }

    fn with_context<T>(today: &str, check: impl FnOnce(&DateContext<'_>) -> T) -> T {
        let clock = PaymentClock::compute(
            PaymentTerms::statutory(ContractKind::Goods),
            day("2026-04-01"),
            day("2026-03-28"),
            &ClockEvents::default(),
            day(today),
        );
        let rates = InterestRates::default();
        let context = DateContext {
            received_on: day("2026-04-01"),
            inspection_from: day("2026-03-28"),
            today: day(today),
            clock: &clock,
            payable: Decimal::from(1_000_000),
            rates: &rates,
        };
        check(&context)
    }

    #[test]
    fn a_payment_date_on_time_is_accepted_without_acknowledgement() {
        let planned = with_context("2026-04-10", |c| {
            c.payment_date(
                "payment_date",
                day("2026-05-01"),
                LateAcknowledgement::default(),
            )
        })
        .unwrap();
        assert_eq!((planned.late_days, planned.interest), (0, Decimal::ZERO));
    }

    #[test]
    fn impossible_payment_dates_are_refused() {
        for (date, words) in [
            ("2026-03-31", "before the invoice was received"),
            ("2026-04-09", "in the past"),
            ("2027-04-12", "more than a year ahead"),
        ] {
            let error = with_context("2026-04-10", |c| {
                c.payment_date("payment_date", day(date), LateAcknowledgement::default())
            })
            .unwrap_err();
            assert_eq!(error.code(), "invalid_date");
            assert!(error.to_string().contains(words), "{date}: {error}");
        }
    }

    #[test]
    fn a_late_payment_date_needs_an_acknowledgement_and_a_reason_and_says_its_cost() {
        let error = with_context("2026-04-10", |c| {
            c.payment_date(
                "payment_date",
                day("2026-05-31"),
                LateAcknowledgement::default(),
            )
        })
        .unwrap_err();
        assert_eq!(error.code(), "late_payment_unacknowledged");
        assert!(error.to_string().contains("¥2054"), "{error}");
        assert!(error.to_string().contains("2026-05-01"), "{error}");
        let silent = with_context("2026-04-10", |c| {
            c.payment_date(
                "payment_date",
                day("2026-05-31"),
                LateAcknowledgement {
                    acknowledged: true,
                    reason: Some("  "),
                },
            )
        })
        .unwrap_err();
        assert_eq!(silent, StepError::LateReasonMissing);
        let planned = with_context("2026-04-10", |c| {
            c.payment_date(
                "payment_date",
                day("2026-05-31"),
                LateAcknowledgement {
                    acknowledged: true,
                    reason: Some("予算の補正待ち"),
                },
            )
        })
        .unwrap();
        assert_eq!(planned.late_days, 30);
        assert_eq!(planned.interest, Decimal::from(2054));
        assert_eq!(planned.late_reason.as_deref(), Some("予算の補正待ち"));
    }

    #[test]
    fn the_fiscal_year_runs_april_to_march_with_payments_into_may() {
        assert_eq!(fiscal_year_of(day("2027-03-31")), (2026, false));
        assert_eq!(fiscal_year_of(day("2027-04-15")), (2027, true));
        assert_eq!(fiscal_year_of(day("2027-06-01")), (2027, false));
        let mut checklist = ApprovalChecklist {
            rightful_creditor: true,
            amount_correct: true,
            performance_confirmed: true,
            debt_fixed: true,
            fiscal_year: 2026,
            budget_item: "01".into(),
            commitment_number: "R8-1".into(),
            payment_method: "口座振替".into(),
            payment_date: day("2027-05-20"),
            note: None,
            accounting_unit: None,
            department: None,
            withholding_yen: None,
        };
        assert!(check_fiscal_year(&checklist).is_ok(), "出納整理期間");
        checklist.payment_date = day("2027-06-01");
        let error = check_fiscal_year(&checklist).unwrap_err();
        assert!(error.to_string().contains("fiscal year 2027"), "{error}");
        checklist.fiscal_year = 2025;
        checklist.payment_date = day("2026-04-20");
        assert!(
            check_fiscal_year(&checklist).is_ok(),
            "last year's, paid in its closing period"
        );
        checklist.payment_date = day("2026-07-01");
        assert!(check_fiscal_year(&checklist).is_err());
    }

    #[test]
    fn inspection_may_precede_the_invoice_but_not_the_delivery() {
        assert!(with_context("2026-04-10", |c| c.inspection_date(day("2026-03-30"))).is_ok());
        assert!(with_context("2026-04-10", |c| c.inspection_date(day("2026-03-27"))).is_err());
        assert!(with_context("2026-04-10", |c| c.inspection_date(day("2026-04-11"))).is_err());
    }

    #[test]
    fn payment_cannot_precede_its_order_or_lie_ahead() {
        let ordered = Some(day("2026-04-20"));
        assert!(with_context("2026-04-25", |c| c.paid_on(day("2026-04-19"), ordered)).is_err());
        assert!(with_context("2026-04-25", |c| c.paid_on(day("2026-04-26"), ordered)).is_err());
        assert_eq!(
            with_context("2026-04-25", |c| c.paid_on(day("2026-04-20"), ordered)),
            Ok(day("2026-04-20"))
        );
    }
}

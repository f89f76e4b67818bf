//! Numbers of a document for our arithmetic rules: exact (`rust_decimal`, 28 digits) where the values and
//! the results fit, approximate (`f64`) beyond, so that an amount or quantity no invoice should carry is still
//! compared instead of overflowing or going unchecked.

use std::fmt;

use rust_decimal::Decimal;

/// A value written as an `xs:decimal`, or computed from such values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Number {
    /// The exact value, when it and every step that led to it fit `rust_decimal`.
    exact: Option<Decimal>,
    approximate: f64,
}

/// How far apart two approximate values may be, relative to the larger, and still be taken as equal: the
/// rounding of a few `f64` operations, far below any difference a rule looks for.
const RELATIVE_TOLERANCE: f64 = 1e-12;

impl Number {
    /// Zero, exactly.
    pub(crate) const ZERO: Number = Number {
        exact: Some(Decimal::ZERO),
        approximate: 0.0,
    };

    /// `text` (surrounding whitespace aside) as an `xs:decimal`: an optional sign, digits, and an optional
    /// fraction; `None` for anything else (the schema check reports it).
    pub(crate) fn parse(text: &str) -> Option<Number> {
        let text = text.trim();
        let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
            return None;
        }
        Some(Number {
            exact: text.parse::<Decimal>().ok(),
            approximate: text.parse::<f64>().ok()?,
        })
    }

    /// An exact value.
    pub(crate) fn of(value: Decimal) -> Number {
        Number {
            exact: Some(value),
            approximate: f64::try_from(value).unwrap_or(f64::NAN),
        }
    }

    /// The same value with its exact form stripped of trailing zeros.
    pub(crate) fn normalized(self) -> Number {
        Number {
            exact: self.exact.map(|exact| exact.normalize()),
            ..self
        }
    }

    /// The exact value, when there is one.
    pub(crate) fn exact(self) -> Option<Decimal> {
        self.exact
    }

    pub(crate) fn is_zero(self) -> bool {
        self.approximate == 0.0
    }

    pub(crate) fn is_negative(self) -> bool {
        self.approximate < 0.0
    }

    pub(crate) fn plus(self, other: Number) -> Number {
        self.combine(other, Decimal::checked_add, |a, b| a + b)
    }

    pub(crate) fn minus(self, other: Number) -> Number {
        self.combine(other, Decimal::checked_sub, |a, b| a - b)
    }

    pub(crate) fn times(self, other: Number) -> Number {
        self.combine(other, Decimal::checked_mul, |a, b| a * b)
    }

    pub(crate) fn divided_by(self, other: Number) -> Number {
        self.combine(other, Decimal::checked_div, |a, b| a / b)
    }

    fn combine(
        self,
        other: Number,
        exact: fn(Decimal, Decimal) -> Option<Decimal>,
        approximate: fn(f64, f64) -> f64,
    ) -> Number {
        Number {
            exact: self.exact.zip(other.exact).and_then(|(a, b)| exact(a, b)),
            approximate: approximate(self.approximate, other.approximate),
        }
    }

    /// Whether `self` and `other` differ by `tolerance` or more (by anything at all when `tolerance` is zero):
    /// exactly when both are exact, else approximately, with the `f64` rounding forgiven.
    pub(crate) fn differs_from(self, other: Number, tolerance: Decimal) -> bool {
        if let Some(difference) = self
            .exact
            .zip(other.exact)
            .and_then(|(a, b)| a.checked_sub(b))
        {
            let difference = difference.abs();
            return !difference.is_zero() && difference >= tolerance;
        }
        let (a, b) = (self.approximate, other.approximate);
        if !a.is_finite() || !b.is_finite() {
            return a != b || a.is_nan();
        }
        let forgiven = RELATIVE_TOLERANCE * a.abs().max(b.abs());
        let tolerance = f64::try_from(tolerance).unwrap_or(0.0);
        let difference = (a - b).abs();
        difference > forgiven && difference >= tolerance
    }
}

impl fmt::Display for Number {
    /// The exact value as written or computed, else the approximate one in scientific notation (`5e36`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.exact {
            Some(exact) => write!(f, "{exact}"),
            None => {
                // Fifteen significant digits, which a double holds, without the trailing zeros.
                let written = format!("{:.14e}", self.approximate);
                match written.split_once('e') {
                    Some((mantissa, exponent)) if mantissa.contains('.') => {
                        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
                        write!(f, "{mantissa}e{exponent}")
                    }
                    _ => f.write_str(&written),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> Number {
        Number::parse(text).unwrap_or_else(|| panic!("{text:?} is a decimal"))
    }

    #[test]
    fn decimals_are_read_exactly_where_they_fit_and_approximately_beyond() {
        assert_eq!(number(" 12.50 ").exact(), Some(Decimal::new(1250, 2)));
        assert_eq!(number("-0.5").exact(), Some(Decimal::new(-5, 1)));
        assert!(number(".5").exact().is_some() && number("5.").exact().is_some());
        let huge = number("99999999999999999999999999999999");
        assert_eq!(huge.exact(), None);
        assert_eq!(huge.to_string(), "1e32");
        assert_eq!(huge.times(number("50000")).to_string(), "5e36");
        assert_eq!(
            number("-123456789012345678901234567890.5").to_string(),
            "-1.23456789012346e29"
        );
        for not_decimal in [
            "", "-", ".", "1e5", "5E0", "INF", "NaN", "1,000", "１２", "0x10", "1.2.3",
        ] {
            assert!(Number::parse(not_decimal).is_none(), "{not_decimal:?}");
        }
    }

    #[test]
    fn arithmetic_past_the_exact_range_goes_on_approximately_and_never_panics() {
        let max = Number::of(Decimal::MAX);
        let sum = max.plus(max);
        assert_eq!(sum.exact(), None);
        assert!(sum.differs_from(max, Decimal::ONE));
        assert!(!sum.differs_from(max.times(number("2")), Decimal::ONE));
        assert_eq!(max.times(max).exact(), None);
        assert_eq!(Number::of(Decimal::MIN).minus(max).exact(), None);
        assert!(
            number("1")
                .divided_by(Number::ZERO)
                .differs_from(Number::ZERO, Decimal::ONE)
        );
        assert_eq!(
            number("6").divided_by(number("4")).exact(),
            Some(Decimal::new(15, 1))
        );
    }

    #[test]
    fn differences_are_measured_exactly_when_both_values_are_exact() {
        let (a, b) = (number("250000"), number("250000.4"));
        assert!(!a.differs_from(b, Decimal::ONE));
        assert!(a.differs_from(b, Decimal::ZERO));
        assert!(!a.differs_from(a, Decimal::ZERO));
        assert!(a.differs_from(number("250001"), Decimal::ONE));
        let huge = number("1").times(number("100000000000000000000000000000000"));
        assert!(huge.differs_from(number("250000"), Decimal::ONE));
        assert!(!huge.differs_from(number("100000000000000000000000000000000"), Decimal::ONE));
    }
}

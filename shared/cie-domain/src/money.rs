//! Monetary amounts: an exact decimal with its currency, never a float.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An exact amount in a currency, as written in a document (`<cbc:PayableAmount currencyID="JPY">`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    /// The value; serialised as a decimal string so no JSON reader turns it into a float.
    #[serde(with = "rust_decimal::serde::str")]
    pub value: Decimal,
    /// ISO 4217 code from the `currencyID` attribute, when given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub currency: Option<String>,
}

impl Amount {
    /// An amount of `value` in `currency`.
    pub fn new(value: Decimal, currency: Option<&str>) -> Self {
        Self {
            value,
            currency: currency.map(str::to_owned),
        }
    }

    /// The value scaled by 10^4 and truncated toward zero, the integer form used for range search.
    /// `None` if it does not fit in an `i64` (about ±9.2 × 10^14 units).
    pub fn search_key(&self) -> Option<i64> {
        scaled_search_key(self.value)
    }
}

/// `value` × 10^4 truncated toward zero, as the store indexes amounts; `None` on overflow.
pub fn scaled_search_key(value: Decimal) -> Option<i64> {
    let scaled = value.checked_mul(Decimal::from(10_000))?.trunc();
    i64::try_from(scaled).ok()
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.currency {
            Some(currency) => write!(f, "{} {}", self.value, currency),
            None => write!(f, "{}", self.value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_key_keeps_four_decimals_and_truncates_the_rest() {
        let amount = Amount::new("1234.56789".parse().unwrap(), Some("JPY"));
        assert_eq!(amount.search_key(), Some(12_345_678));
        assert_eq!(
            scaled_search_key(Decimal::from(281_240)),
            Some(2_812_400_000)
        );
    }

    #[test]
    fn search_key_refuses_amounts_beyond_i64() {
        let huge: Decimal = "99999999999999999999".parse().unwrap();
        assert_eq!(scaled_search_key(huge), None);
    }

    #[test]
    fn amounts_serialise_as_strings() {
        let amount = Amount::new("25250".parse().unwrap(), Some("JPY"));
        let json = serde_json::to_string(&amount).unwrap();
        assert_eq!(json, r#"{"value":"25250","currency":"JPY"}"#);
    }
}

//! How quantities, prices and rates travel in JSON: a decimal string (`"12.5"`) or an integer
//! (`12`), never a JSON fraction (`12.5`), which a reader may already have turned into a binary
//! float. They are written back as decimal strings.

use std::fmt;

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// Serialises a decimal as its string.
pub(crate) fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Reads a decimal from a string or an integer.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    deserializer.deserialize_any(DecimalVisitor)
}

/// The same for an optional decimal (`null` or absent is `None`).
pub(crate) mod option {
    use super::*;

    /// Serialises an optional decimal as its string or `null`.
    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.collect_str(value),
            None => serializer.serialize_none(),
        }
    }

    /// Reads an optional decimal from a string, an integer or `null`.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        deserializer.deserialize_option(OptionalDecimalVisitor)
    }

    struct OptionalDecimalVisitor;

    impl<'de> Visitor<'de> for OptionalDecimalVisitor {
        type Value = Option<Decimal>;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a decimal as a string or an integer, or null")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            super::deserialize(deserializer).map(Some)
        }
    }
}

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a decimal as a string (\"12.5\") or an integer (12)")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Decimal, E> {
        value
            .trim()
            .parse::<Decimal>()
            .ok()
            .filter(|_| is_plain_decimal(value.trim()))
            .ok_or_else(|| E::invalid_value(de::Unexpected::Str(value), &self))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Decimal, E> {
        Err(E::custom(format!(
            "the JSON number {value} has a fraction; write it as a string, e.g. \"{value}\""
        )))
    }
}

/// Whether `text` is an optional sign, digits and at most one decimal point with digits: the
/// `xs:decimal` lexical form, without the exponents and underscores `Decimal`'s parser also takes.
fn is_plain_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    !(whole.is_empty() && fraction.is_empty()) && digits(whole) && digits(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_only() {
        for good in ["12", "12.5", "-0.25", "+3", ".5", "5."] {
            assert!(is_plain_decimal(good), "{good}");
        }
        for bad in ["", ".", "1e3", "1_000", "12.5.1", "--1", "０"] {
            assert!(!is_plain_decimal(bad), "{bad}");
        }
    }
}

//! Why a document could not be written: every refusal names the input field it is about, as a path
//! into the JSON input (`lines[2].quantity`, `seller.endpoint.scheme`).

use rust_decimal::Decimal;

/// An input that cannot become a valid document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    /// A required text is empty or only white space.
    #[error("{field} must not be empty")]
    Empty {
        /// Path of the field.
        field: String,
    },
    /// A value the document needs is absent.
    #[error("{field} is required")]
    Missing {
        /// Path of the field.
        field: String,
    },
    /// A text holds a character XML 1.0 cannot carry (control characters other than tab and line breaks).
    #[error("{field} contains a control character XML cannot carry")]
    ControlCharacter {
        /// Path of the field.
        field: String,
    },
    /// A list that needs at least one entry is empty.
    #[error("{field} needs at least one entry")]
    NoEntries {
        /// Path of the list.
        field: String,
    },
    /// A quantity is zero or negative.
    #[error("{field} must be positive")]
    NotPositive {
        /// Path of the field.
        field: String,
    },
    /// A price, rate or amount is negative.
    #[error("{field} must not be negative")]
    Negative {
        /// Path of the field.
        field: String,
    },
    /// A code or identifier does not have the form its code list or scheme prescribes.
    #[error("{field}: {value:?} is not {expected}")]
    InvalidCode {
        /// Path of the field.
        field: String,
        /// The value given.
        value: String,
        /// What was expected, e.g. `an ISO 4217 currency code (three capital letters)`.
        expected: &'static str,
    },
    /// A computed amount has more decimals than its currency has minor units (a fraction of a yen).
    #[error(
        "{field}: {amount} {currency} has more decimals than {currency} allows ({minor_units}); \
         amounts are refused, not rounded"
    )]
    FractionalAmount {
        /// Path of the line whose quantity × unit price gave the amount.
        field: String,
        /// The exact amount.
        amount: Decimal,
        /// The document currency.
        currency: String,
        /// Decimals the currency allows.
        minor_units: u32,
    },
    /// An amount is too large to compute exactly.
    #[error("{field}: the amount is too large to compute")]
    Overflow {
        /// Path of the field whose amount overflowed.
        field: String,
    },
    /// Two lines carry the same id.
    #[error("{field}: line id {value:?} is already used by another line")]
    DuplicateLineId {
        /// Path of the later line's id.
        field: String,
        /// The repeated id.
        value: String,
    },
    /// A date lies before the date it must not precede.
    #[error("{field} must not be before {earlier_field}")]
    DateOrder {
        /// Path of the later date.
        field: String,
        /// Path of the date it must not precede.
        earlier_field: String,
    },
    /// A code the response status does not admit: an invoice response's status reason or action, an
    /// order response's line.
    #[error("{field}: code {code} is not allowed with response status {status}")]
    CodeNotAllowed {
        /// Path of the reason, action or line.
        field: String,
        /// The reason, action or line status code.
        code: &'static str,
        /// The response status code.
        status: &'static str,
    },
    /// An invoice response status that must explain itself has no reason.
    #[error("{field}: response status {status} needs at least one reason")]
    ReasonRequired {
        /// Path of the reason list.
        field: String,
        /// The response status code.
        status: &'static str,
    },
}

impl ComposeError {
    /// Path of the input field the error is about.
    pub fn field(&self) -> &str {
        match self {
            ComposeError::Empty { field }
            | ComposeError::Missing { field }
            | ComposeError::ControlCharacter { field }
            | ComposeError::NoEntries { field }
            | ComposeError::NotPositive { field }
            | ComposeError::Negative { field }
            | ComposeError::InvalidCode { field, .. }
            | ComposeError::FractionalAmount { field, .. }
            | ComposeError::Overflow { field }
            | ComposeError::DuplicateLineId { field, .. }
            | ComposeError::DateOrder { field, .. }
            | ComposeError::CodeNotAllowed { field, .. }
            | ComposeError::ReasonRequired { field, .. } => field,
        }
    }

    /// What kind of problem it is, as a stable snake_case name (for messages in other languages).
    pub fn kind(&self) -> &'static str {
        match self {
            ComposeError::Empty { .. } => "empty",
            ComposeError::Missing { .. } => "missing",
            ComposeError::ControlCharacter { .. } => "control_character",
            ComposeError::NoEntries { .. } => "no_entries",
            ComposeError::NotPositive { .. } => "not_positive",
            ComposeError::Negative { .. } => "negative",
            ComposeError::InvalidCode { .. } => "invalid_code",
            ComposeError::FractionalAmount { .. } => "fractional_amount",
            ComposeError::Overflow { .. } => "overflow",
            ComposeError::DuplicateLineId { .. } => "duplicate_line_id",
            ComposeError::DateOrder { .. } => "date_order",
            ComposeError::CodeNotAllowed { .. } => "code_not_allowed",
            ComposeError::ReasonRequired { .. } => "reason_required",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_own_name() {
        let errors = [
            ComposeError::Empty { field: "a".into() },
            ComposeError::Missing { field: "a".into() },
            ComposeError::NotPositive { field: "a".into() },
            ComposeError::Negative { field: "a".into() },
        ];
        let kinds: Vec<&str> = errors.iter().map(ComposeError::kind).collect();
        assert_eq!(kinds, ["empty", "missing", "not_positive", "negative"]);
    }
}

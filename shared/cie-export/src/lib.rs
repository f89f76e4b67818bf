//! Payment export for a city's finance system (財務会計システム): the [`PaymentRecord`] an import takes,
//! per-city [`Layout`]s parsed from TOML, and strict writers ([`write`], [`CsvTable`]) for UTF-8 or CP932
//! CSV, fixed-length records and JSON.
//!
//! Pure: no IO besides the layout text and records the caller hands in. Strict: a record that cannot be
//! written whole (a character CP932 lacks, a value wider than its field, a required value missing, an error
//! the server found) is held back and reported, never written with `?`, a replacement or shifted columns.
//! See the crate README for the layout format.

mod csv;
mod encode;
mod kana;
mod layout;
mod record;
mod values;
mod write;

pub use crate::csv::{Cell, CsvTable, EncodeError, neutralize_formula};
pub use crate::encode::{
    Encoding, UnknownEncoding, Unmappable, encode, encode_into, first_unmappable, normalize_cp932,
};
pub use crate::kana::{KanaError, bank_kana};
pub use crate::layout::{
    Align, FieldKey, FieldSpec, Format, Layout, LayoutError, LineEnding, Quote, UnknownFormat,
};
pub use crate::record::{BankAccount, FieldError, PaymentRecord, RecordKind, TaxCategory, TaxLine};
pub use crate::values::{AmountFormat, DateFormat, format_amount, format_date, wareki};
pub use crate::write::{HeldBack, Written, write};

//! Line-level matching of procurement documents and duplicate-number detection.
//!
//! - [`lines`] reads the lines and references of an Order, OrderResponse, DespatchAdvice (納品書), Invoice or
//!   CreditNote into a [`LineSet`];
//! - [`matching`] links an order with its order response, delivery notes and invoice (including JP PINT
//!   summarized invoices, 合算請求書) and reports each difference as a [`Discrepancy`];
//! - [`numbers`] maps variants of one document number to one key, for duplicate warnings at intake;
//! - [`counterparty`] compares what a person types to find a counterparty with names and 登録番号.
//!
//! Pure library: no IO, decimal arithmetic only.

pub mod counterparty;
pub mod lines;
pub mod matching;
pub mod numbers;

pub use lines::{ExtractError, Item, Line, LineReference, LineSet, Price};
pub use matching::{
    Discrepancy, DiscrepancyKind, DocumentLine, LineBalance, MatchError, MatchReport,
    order_and_despatches, order_and_invoice, order_and_response, order_with, three_way,
};
pub use numbers::{are_variants, number_key};

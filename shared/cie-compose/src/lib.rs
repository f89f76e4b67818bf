//! Writes the UBL 2.1 documents of the exchange, from plain inputs that arrive as JSON. The city
//! issues:
//!
//! - [`invoice_response`]: Peppol BIS Invoice Response 3.0 (T111, `ApplicationResponse`), the
//!   city's answer to a supplier's invoice;
//! - [`order()`]: Peppol BIS Ordering 3 (T01, `Order`), with line amounts and totals computed;
//! - [`request_for_quotation`]: UBL 2.1 `RequestForQuotation`. No Peppol BIS exists for it, so it
//!   carries our own CustomizationID [`RFQ_CUSTOMIZATION_ID`] (`urn:city-invoice-exchange:rfq:1`).
//!
//! A supplier without e-invoicing software issues through the web form:
//!
//! - [`invoice()`]: a JP PINT 1.1.3 `Invoice`, a qualified invoice (適格請求書) from a registered seller
//!   or an invoice of a non-tax-registered business, with the tax computed once per rate
//!   ([`invoice_totals`] gives the same amounts for display while the form is filled in);
//! - [`quotation()`]: UBL 2.1 `Quotation` (見積書) answering a request for quotation, with line
//!   amounts, tax per rate (computed once per rate and rounded down, as for a qualified invoice) and
//!   totals computed; our own CustomizationID [`QUOTATION_CUSTOMIZATION_ID`]
//!   (`urn:city-invoice-exchange:quotation:1`);
//! - [`order_response()`]: Peppol BIS Ordering 3 (T76, `OrderResponse`, 注文請書), accepting,
//!   rejecting or accepting an order with changes;
//! - [`despatch_advice()`]: Peppol BIS Despatch Advice 3 (T16, `DespatchAdvice`, 納品書).
//!
//! A pure library: no IO and no clock (dates and times are inputs). Every input is checked first;
//! a refusal is a [`ComposeError`] naming the field as a path into the input
//! (`lines[2].quantity must be positive`). The output is deterministic: the same input gives the
//! same bytes (UTF-8, two-space indentation, `cac:`/`cbc:` prefixes).
//!
//! Inputs derive serde with `deny_unknown_fields`. Quantities, prices and rates are exact decimals
//! and in JSON are written as decimal strings (`"12.5"`) or integers (`12`); JSON fractions such as
//! `12.5` are refused, since a reader may already have made a binary float of them. Amounts are
//! never rounded: a line amount (quantity × unit price) with more decimals than the currency has
//! (any fraction of a yen in JPY) is refused with [`ComposeError::FractionalAmount`].
//!
//! ```
//! use cie_compose::{
//!     Endpoint, InvoiceReference, InvoiceResponse, ReasonCode, ResponseParty, ResponseStatus,
//!     StatusReason,
//! };
//!
//! let party = |name: &str, id: &str| ResponseParty {
//!     name: name.to_owned(),
//!     endpoint: Endpoint { id: id.to_owned(), scheme: "0188".to_owned() },
//!     contact: None,
//! };
//! let response = InvoiceResponse {
//!     id: "IR-2025-0001".to_owned(),
//!     issue_date: "2025-04-10".parse().unwrap(),
//!     issue_time: None,
//!     note: None,
//!     sender: party("東久留米市", "7000012050002"),
//!     receiver: party("株式会社〇〇商事", "4011001098993"),
//!     invoice: InvoiceReference {
//!         id: "INV-1".to_owned(),
//!         issue_date: None,
//!         type_code: "380".to_owned(),
//!     },
//!     status: ResponseStatus::Rejected,
//!     effective_date: None,
//!     reasons: vec![StatusReason {
//!         code: ReasonCode::References,
//!         text: Some("支出負担行為番号の記載がありません".to_owned()),
//!         conditions: vec![],
//!     }],
//!     actions: vec![],
//! };
//! let xml = cie_compose::invoice_response(&response).unwrap();
//! assert!(xml.contains("<cbc:ResponseCode>RE</cbc:ResponseCode>"));
//! ```

mod base64_json;
mod check;
mod decimal_json;
mod despatch_advice;
mod error;
mod invoice;
mod invoice_response;
mod order;
mod order_response;
mod party;
mod quotation;
mod rfq;
mod xml;

pub use despatch_advice::{
    DESPATCH_ADVICE_CUSTOMIZATION_ID, DESPATCH_ADVICE_PROFILE_ID, DespatchAdvice, DespatchLine,
    despatch_advice,
};
pub use error::ComposeError;
pub use invoice::{
    ATTACHMENT_MIME_CODES, AccountType, Attachment, BankAccount, INVOICE_CUSTOMIZATION_ID,
    INVOICE_PROFILE_ID, Invoice, InvoiceLine, InvoiceTaxCategory, InvoiceTotals,
    NON_TAX_REGISTERED_CUSTOMIZATION_ID, TaxBreakdown, TaxRounding, invoice, invoice_totals,
};
pub use invoice_response::{
    ActionCode, INVOICE_RESPONSE_CUSTOMIZATION_ID, INVOICE_RESPONSE_PROFILE_ID, InvoiceReference,
    InvoiceResponse, ReasonCode, ResponseParty, ResponseStatus, StatusAction, StatusCondition,
    StatusReason, invoice_response,
};
pub use order::{
    ORDER_CUSTOMIZATION_ID, ORDER_ONLY_PROFILE_ID, ORDERING_PROFILE_ID, Order, OrderLine,
    OrderTotals, TaxCategory, order, order_totals,
};
pub use order_response::{
    LineResponse, LineResponseStatus, ORDER_RESPONSE_CUSTOMIZATION_ID, OrderResponse,
    OrderResponseStatus, order_response,
};
pub use party::{Address, Contact, Delivery, Endpoint, Period, TradingParty};
pub use quotation::{
    QUOTATION_CUSTOMIZATION_ID, Quotation, QuotationTotals, QuotedLine, QuotedTaxSubtotal,
    quotation, quotation_totals,
};
pub use rfq::{RFQ_CUSTOMIZATION_ID, RequestForQuotation, RequestedLine, request_for_quotation};

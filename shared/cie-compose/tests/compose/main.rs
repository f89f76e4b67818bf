//! Integration tests of cie-compose: every written document is read back by the intake reader
//! (cie-ubl), the UBL schema check (cie-schema) and, for Peppol documents, the post-award rules or,
//! for invoices, the official JP PINT and our Japanese-law rules (cie-rules), and every refusal is
//! checked by its field path.

mod despatch_advice;
mod invoice;
mod invoice_response;
mod json;
mod order;
mod order_response;
mod quotation;
mod rfq;
mod support;

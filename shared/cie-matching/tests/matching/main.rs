//! Integration tests of cie-matching: extraction from the official corpus, and matching on corpus documents
//! that reference each other and on our own consistent sets with targeted mutations.

mod extraction;
mod order_response;
mod support;
mod three_way;
mod two_way;

//! Validation rules run on the `cie-xpath` DOM. [`official`] runs the official Schematron rule sets as data with
//! the official semantics: JP PINT 1.1.2 and 1.1.3 (Standard, Self-billing, Non-tax-registered) and the Peppol
//! post-award transactions of release 2026.5 ([`post_award`] recognises them); [`jp`] holds our Japanese-law
//! rules, [`consistency`] our arithmetic and identifier checks, [`city`] each city's configurable rules,
//! [`registry`] the registry's answer as findings.

mod catalog;
mod catalogued;
pub mod city;
pub mod consistency;
pub mod duplicates;
pub mod jp;
mod numbers;
pub mod official;
pub mod post_award;
pub mod registry;
mod ubl_names;

pub use official::{OfficialVerdict, Profile, validate_official};
pub use post_award::{PostAwardVerdict, Transaction, validate_post_award};

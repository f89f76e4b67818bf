//! Validation rules run on the `cie-xpath` DOM. [`official`] holds the official JP PINT 1.1.3 Schematron rule
//! sets (Standard, Self-billing, Non-tax-registered) executed natively with the official semantics; [`jp`]
//! our Japanese-law rules, [`city`] each city's configurable rules, [`registry`] the registry's answer as findings.

mod catalog;
mod catalogued;
pub mod city;
pub mod consistency;
pub mod duplicates;
pub mod jp;
pub mod official;
pub mod post_award;
pub mod registry;

pub use official::{OfficialVerdict, Profile, validate_official};
pub use post_award::{PostAwardVerdict, Transaction, validate_post_award};

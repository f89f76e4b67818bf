//! The rule engine's one test binary: agreement with the official validator on every fixture, the official
//! runner's own cases, and the generated large invoices.

mod agreement;
mod consistency;
mod generated;
mod official;
mod per_rule;
mod support;
mod versions;

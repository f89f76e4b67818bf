//! The one end-to-end test binary. Every test spawns the real server over HTTP, once on SQLite and once
//! on PostgreSQL (`#[values(Backend::Sqlite, Backend::Postgres)]`).
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, in helpers as in tests

mod accounts;
mod archive;
mod audit_export;
mod backup;
mod bad_input;
mod bodies;
mod browser;
mod browser_story;
mod corpus;
mod deadlines;
mod encodings;
mod finance;
mod getting_started;
mod hardening;
mod hostile_xml;
mod intake;
mod isolation;
mod operations;
mod originals;
mod plans;
mod processes;
mod procurement;
mod registry;
mod schema_rules;
mod search;
mod slow_clients;
mod tamper;
mod validation;
mod web;
mod web_answers;
mod web_console;
mod web_forms;
mod workflow;

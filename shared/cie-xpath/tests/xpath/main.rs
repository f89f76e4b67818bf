//! The XPath engine's one test binary: the DOM, XPath 2.0 semantics, and every official rule compiling.

mod dom;
mod official_rules_compile;
mod semantics;

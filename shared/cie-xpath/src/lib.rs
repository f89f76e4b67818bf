//! An arena XML DOM and an XPath 2.0 evaluator for Schematron-style validation rules.
//!
//! [`Document::parse`] builds the DOM with its own one-pass parser (namespace-resolved names, text with entity
//! and character references resolved, no DTD, the source position of every node with line and column computed
//! on demand, a per-name element index). [`Expr`] compiles an XPath 2.0 expression (the subset
//! used by rule sets: paths on all the usual axes, predicates, general and value comparisons with the
//! untyped-value promotion rules, exact `xs:integer`/`xs:decimal` arithmetic, `for`/`some`/`every`, `if`,
//! casts and `castable as`, and the common functions) and evaluates it on a node. [`Pattern`] compiles an
//! XSLT match pattern, as used for Schematron rule contexts. Extra native functions are added through a
//! [`FunctionRegistry`].

mod ast;
mod builtins;
mod checksums;
mod context;
mod datetime;
mod dom;
mod error;
mod eval;
mod expr;
mod functions;
mod lexer;
mod memo;
mod names;
mod parser;
mod pattern;
mod seq;
mod value;
mod xml;
mod xregex;

pub use context::{Namespaces, Variables};
pub use datetime::{TzMinutes, XsDate, XsDateTime, XsTime};
pub use dom::{
    Children, DEFAULT_MAX_ATTRIBUTES, Document, ElementChildren, KnownName, NodeId, NodeKind,
    ParseLimits,
};
pub use error::{SyntaxProblem, XPathError, XmlError};
pub use expr::Expr;
pub use functions::{
    FN_NAMESPACE, FunctionContext, FunctionRegistry, NativeFunction, NativeImplementation,
    SCHEMATRON_UTILS_NAMESPACE, XS_NAMESPACE,
};
pub use memo::DocumentCache;
pub use names::NameKey;
pub use pattern::{Guard, Pattern, Prematch};
pub use value::{Atomic, AtomicType, IntegerRange, Item, Value};

//! Compiled XPath expressions: the public entry points to compile a source text against a static context and
//! to evaluate it on a document node.

use std::sync::LazyLock;

use crate::ast;
use crate::context::{Namespaces, Variables};
use crate::dom::{Document, NodeId};
use crate::error::XPathError;
use crate::eval::{Evaluator, Focus};
use crate::functions::FunctionRegistry;
use crate::memo::DocumentCache;
use crate::parser;
use crate::value::{Item, Value};

pub(crate) static STANDARD_FUNCTIONS: LazyLock<FunctionRegistry> =
    LazyLock::new(FunctionRegistry::standard);

/// A compiled XPath 2.0 expression.
///
/// A dynamic error during evaluation is returned as [`XPathError::Dynamic`]; how to treat it (the official
/// Schematron engine aborts the whole validation) is the caller's decision.
#[derive(Debug, Clone)]
pub struct Expr {
    source: String,
    ast: ast::Expr,
}

impl Expr {
    /// Compiles `source` with the standard functions ([`FunctionRegistry::standard`]).
    pub fn compile(source: &str, namespaces: &Namespaces) -> Result<Expr, XPathError> {
        Expr::compile_with(source, namespaces, &STANDARD_FUNCTIONS)
    }

    /// Compiles `source` resolving function names against `functions`.
    pub fn compile_with(
        source: &str,
        namespaces: &Namespaces,
        functions: &FunctionRegistry,
    ) -> Result<Expr, XPathError> {
        let mut ast = parser::parse(source, namespaces, functions)?;
        parser::optimize(&mut ast);
        crate::memo::mark(&mut ast);
        Ok(Expr {
            source: source.to_owned(),
            ast,
        })
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates the expression with `context` as context node (position and size 1).
    pub fn evaluate(
        &self,
        doc: &Document,
        context: NodeId,
        variables: &Variables,
    ) -> Result<Value, XPathError> {
        let item = Item::Node(context);
        let mut evaluator = Evaluator::new(doc, variables);
        evaluator
            .eval(&self.ast, Focus::of(&item))
            .map(|items| Value::new(items.into_vec()))
    }

    /// Evaluates the expression to its effective boolean value (as a Schematron `assert` test does).
    pub fn effective_boolean_value(
        &self,
        doc: &Document,
        context: NodeId,
        variables: &Variables,
    ) -> Result<bool, XPathError> {
        let item = Item::Node(context);
        let mut evaluator = Evaluator::new(doc, variables);
        evaluator.eval_bool(&self.ast, Focus::of(&item))
    }

    /// [`Expr::effective_boolean_value`] on the cache's document, sharing the values of the subexpressions
    /// that do not depend on the context (absolute paths) with the other evaluations using `cache`.
    pub fn effective_boolean_value_in(
        &self,
        cache: &mut DocumentCache<'_>,
        context: NodeId,
        variables: &Variables,
    ) -> Result<bool, XPathError> {
        let item = Item::Node(context);
        let mut evaluator = Evaluator::with_cache(cache, variables);
        evaluator.eval_bool(&self.ast, Focus::of(&item))
    }
}

//! XSLT 2.0 match patterns (the `context` of a Schematron rule): unions of child/attribute step paths with
//! `/` and `//` separators and predicates, matched against a node from right to left. A relative pattern
//! matches at any depth.

use crate::ast::{self, Axis, NodeTest, Step};
use crate::context::{Namespaces, Variables};
use crate::dom::{Document, NodeId, NodeKind};
use crate::error::XPathError;
use crate::eval::{Evaluator, Focus, node_matches};
use crate::expr::STANDARD_FUNCTIONS;
use crate::functions::Builtin;
use crate::functions::FunctionRegistry;
use crate::parser;
use crate::value::Item;
use crate::value::{Atomic, CmpOp};

/// A compiled XSLT match pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    alternatives: Vec<PathPattern>,
}

/// A pattern's verdict on a node as far as the kinds and names as written (prefix included) of the node and its
/// ancestors decide it: every node with the same kind and ancestor names gets the same prematch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prematch {
    /// The pattern matches no such node.
    Never,
    /// The pattern matches every such node.
    Always,
    /// It depends on predicates over other parts of the document: ask [`Pattern::matches`].
    Predicates,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    /// `a/b`: any parent.
    Relative,
    /// `/a/b`: the first step's parent is the document node.
    Root,
    /// `//a/b`: anywhere in the document.
    RootDescendant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Child,
    Descendant,
}

#[derive(Debug, Clone)]
struct PatternStep {
    principal: NodeKind,
    test: NodeTest,
    predicates: Vec<ast::Expr>,
    positional: bool,
    /// For each predicate (when not positional), its native form if it has a shape decided by looking at
    /// the node directly instead of by the evaluator.
    native: Vec<Option<NativePredicate>>,
}

/// Predicate shapes common in rule contexts that are decided by looking at the node directly.
#[derive(Debug, Clone, PartialEq)]
enum NativePredicate {
    /// `[not(*) and not(normalize-space())]`: no element children and only white space as text (the
    /// "no empty elements" rules, whose context is every element of the document).
    EmptyLeaf,
    /// `[@name = 'literal']`: an attribute of that name with exactly that value (the scheme-identifier
    /// rules, one per scheme on every identifier).
    AttributeEquals {
        /// The attribute's name test.
        test: NodeTest,
        /// The value compared with.
        value: Box<str>,
    },
    /// `[@name]`: the attribute is present.
    AttributeExists(NodeTest),
    /// `[normalize-space(child) = 'literal']` (the tax-category rules on every line).
    ChildNormalizedEquals {
        /// The child element's name test.
        test: NodeTest,
        /// The value compared with.
        value: Box<str>,
    },
}

impl NativePredicate {
    fn recognise(predicate: &ast::Expr) -> Option<NativePredicate> {
        let named_step = |expr: &ast::Expr, axis: Axis| match expr {
            ast::Expr::Path(path) if !path.absolute => match path.steps.as_slice() {
                [Step::Axis(step)]
                    if step.axis == axis
                        && matches!(step.test, NodeTest::Name { .. })
                        && step.predicates.is_empty() =>
                {
                    Some(step.test.clone())
                }
                _ => None,
            },
            _ => None,
        };
        let literal = |expr: &ast::Expr| match expr {
            ast::Expr::Literal(Atomic::String(value)) => Some(Box::<str>::from(value.as_str())),
            _ => None,
        };
        let normalized_child = |expr: &ast::Expr| match expr {
            ast::Expr::Call(call)
                if matches!(
                    call.function,
                    ast::Function::Builtin(Builtin::NormalizeSpace)
                ) =>
            {
                match call.args.as_slice() {
                    [argument] => named_step(argument, Axis::Child),
                    _ => None,
                }
            }
            _ => None,
        };
        match predicate {
            ast::Expr::GeneralCmp(CmpOp::Eq, left, right) => {
                let (operand, value) = match (literal(right), literal(left)) {
                    (Some(value), _) => (left, value),
                    (None, Some(value)) => (right, value),
                    (None, None) => return None,
                };
                if let Some(test) = named_step(operand, Axis::Attribute) {
                    return Some(NativePredicate::AttributeEquals { test, value });
                }
                normalized_child(operand)
                    .map(|test| NativePredicate::ChildNormalizedEquals { test, value })
            }
            ast::Expr::Path(_) => {
                named_step(predicate, Axis::Attribute).map(NativePredicate::AttributeExists)
            }
            ast::Expr::And(left, right) => {
                let no_element_child = |expr: &ast::Expr| {
                    matches!(not_of(expr), Some(ast::Expr::Path(path))
                        if !path.absolute
                            && matches!(path.steps.as_slice(), [Step::Axis(step)]
                                if step.axis == Axis::Child
                                    && step.test == NodeTest::AnyName
                                    && step.predicates.is_empty()))
                };
                let blank_text = |expr: &ast::Expr| {
                    matches!(not_of(expr), Some(ast::Expr::Call(call))
                        if matches!(call.function, ast::Function::Builtin(Builtin::NormalizeSpace))
                            && call.args.is_empty())
                };
                (no_element_child(left) && blank_text(right)).then_some(NativePredicate::EmptyLeaf)
            }
            _ => None,
        }
    }

    /// Whether the predicate holds for `node`; `None` when the evaluator must decide (an argument that is
    /// not a single node, where the evaluator reports an error).
    fn holds(&self, doc: &Document, node: NodeId) -> Option<bool> {
        match self {
            NativePredicate::EmptyLeaf => Some(
                doc.kind(node) == NodeKind::Element
                    && doc.element_children(node).next().is_none()
                    && doc.string_value_is_blank(node),
            ),
            NativePredicate::AttributeEquals { test, value } => {
                Some(doc.attributes(node).any(|attribute| {
                    node_matches(doc, attribute, test, NodeKind::Attribute)
                        && doc.string_value(attribute) == **value
                }))
            }
            NativePredicate::AttributeExists(test) => Some(
                doc.attributes(node)
                    .any(|attribute| node_matches(doc, attribute, test, NodeKind::Attribute)),
            ),
            NativePredicate::ChildNormalizedEquals { test, value } => {
                let mut children = doc
                    .element_children(node)
                    .filter(|&child| node_matches(doc, child, test, NodeKind::Element));
                let text = match (children.next(), children.next()) {
                    (None, _) => return Some(value.is_empty()),
                    (Some(child), None) => doc.string_value(child),
                    (Some(_), Some(_)) => return None,
                };
                Some(normalizes_to(&text, value))
            }
        }
    }
}

/// A predicate a pattern puts on every node it matches, decided by looking at the node alone (see
/// [`Pattern::guard`]).
#[derive(Debug, Clone)]
pub struct Guard(NativePredicate);

impl Guard {
    /// Whether the predicate surely does not hold on `node`, so that the pattern does not match it.
    pub fn rules_out(&self, doc: &Document, node: NodeId) -> bool {
        self.0.holds(doc, node) == Some(false)
    }
}

/// Whether `normalize-space(text)` equals `value`, without building the normalized string.
fn normalizes_to(text: &str, value: &str) -> bool {
    let words = text
        .split([' ', '\t', '\n', '\r'])
        .filter(|word| !word.is_empty());
    let mut rest = value;
    let mut first = true;
    for word in words {
        if !first {
            let Some(after) = rest.strip_prefix(' ') else {
                return false;
            };
            rest = after;
        }
        first = false;
        let Some(after) = rest.strip_prefix(word) else {
            return false;
        };
        rest = after;
    }
    rest.is_empty()
}

fn not_of(expr: &ast::Expr) -> Option<&ast::Expr> {
    match expr {
        ast::Expr::Call(call)
            if matches!(call.function, ast::Function::Builtin(Builtin::Not))
                && call.args.len() == 1 =>
        {
            call.args.first()
        }
        _ => None,
    }
}

#[derive(Debug, Clone)]
struct PathPattern {
    anchor: Anchor,
    steps: Vec<PatternStep>,
    /// `links[i]` joins `steps[i]` (left) and `steps[i + 1]`.
    links: Vec<Link>,
}

fn not_a_pattern(message: &str) -> XPathError {
    XPathError::syntax(0, format!("not a supported match pattern: {message}"))
}

impl Pattern {
    /// Compiles a pattern with the standard functions.
    pub fn compile(source: &str, namespaces: &Namespaces) -> Result<Pattern, XPathError> {
        Pattern::compile_with(source, namespaces, &STANDARD_FUNCTIONS)
    }

    /// Compiles a pattern resolving function names (in predicates) against `functions`.
    pub fn compile_with(
        source: &str,
        namespaces: &Namespaces,
        functions: &FunctionRegistry,
    ) -> Result<Pattern, XPathError> {
        let expr = parser::parse(source, namespaces, functions)?;
        let mut alternatives = Vec::new();
        collect_alternatives(expr, &mut alternatives)?;
        Ok(Pattern {
            source: source.to_owned(),
            alternatives,
        })
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The `(namespace URI, local name)` of the elements the pattern can match, when every alternative ends in
    /// an element name test; `None` when it can match elements of any name (or other nodes).
    pub fn leaf_names(&self) -> Option<Vec<(&str, &str)>> {
        self.alternatives
            .iter()
            .map(|alternative| match alternative.steps.last() {
                Some(PatternStep {
                    principal: NodeKind::Element,
                    test: NodeTest::Name { ns, local, .. },
                    ..
                }) => Some((&**ns, &**local)),
                _ => None,
            })
            .collect()
    }

    /// Whether the pattern's verdict on an element depends only on the element's name as written (prefix,
    /// namespace and local name), e.g. `//*[ends-with(name(), 'BinaryObject')]`: callers may then decide
    /// once per distinct name.
    pub fn is_name_determined(&self) -> bool {
        self.alternatives.iter().all(|alternative| {
            alternative.anchor != Anchor::Root
                && alternative.steps.len() == 1
                && alternative.steps.iter().all(|step| {
                    step.principal == NodeKind::Element
                        && !step.positional
                        && step.predicates.iter().all(ast::Expr::is_name_determined)
                })
        })
    }

    /// Whether the pattern matches `node`. A dynamic error in a predicate makes that alternative not match
    /// (the recovery XSLT 2.0 prescribes for errors in patterns).
    pub fn matches(&self, doc: &Document, node: NodeId, variables: &Variables) -> bool {
        let mut evaluator = Evaluator::new(doc, variables);
        self.alternatives
            .iter()
            .any(|alternative| alternative.matches(&mut evaluator, node))
    }

    /// What the names as written of `node` and of its ancestors (and their kinds) decide about
    /// [`Pattern::matches`]; predicates that depend on the name alone are evaluated here.
    pub fn prematch(&self, doc: &Document, node: NodeId, variables: &Variables) -> Prematch {
        let mut evaluator = Evaluator::new(doc, variables);
        let mut verdict = Prematch::Never;
        for alternative in &self.alternatives {
            match alternative.prematch(&mut evaluator, node) {
                Prematch::Always => return Prematch::Always,
                Prematch::Predicates => verdict = Prematch::Predicates,
                Prematch::Never => {}
            }
        }
        verdict
    }

    /// [`Pattern::prematch`] with the alternatives that need their predicates checked: bit `i` set for the
    /// `i`-th alternative of the union (every alternative from the 64th on counts as set), for
    /// [`Pattern::matches_alternatives`] on nodes with the same names as written up the tree.
    pub fn prematch_alternatives(
        &self,
        doc: &Document,
        node: NodeId,
        variables: &Variables,
    ) -> (Prematch, u64) {
        let mut evaluator = Evaluator::new(doc, variables);
        let mut verdict = Prematch::Never;
        let mut alternatives = 0;
        for (index, alternative) in self.alternatives.iter().enumerate() {
            match alternative.prematch(&mut evaluator, node) {
                Prematch::Always => return (Prematch::Always, u64::MAX),
                Prematch::Predicates => {
                    verdict = Prematch::Predicates;
                    alternatives |= 1u64.checked_shl(index as u32).unwrap_or(0);
                }
                Prematch::Never => {}
            }
        }
        (verdict, alternatives)
    }

    /// A condition on the node itself that every alternative in `alternatives` (as from
    /// [`Pattern::prematch_alternatives`]) puts on its last step, when there is one: a node the guard rules
    /// out is not matched, and is told apart without [`Pattern::matches_alternatives`].
    pub fn guard(&self, alternatives: u64) -> Option<Guard> {
        let mut shared: Option<&NativePredicate> = None;
        for (index, alternative) in self.alternatives.iter().enumerate() {
            let selected = 1u64
                .checked_shl(index as u32)
                .is_none_or(|bit| alternatives & bit != 0);
            if !selected {
                continue;
            }
            let step = alternative.steps.last()?;
            if step.positional {
                return None;
            }
            let native = step
                .native
                .iter()
                .flatten()
                .find(|native| shared.is_none_or(|shared| shared == *native))?;
            shared = Some(native);
        }
        shared.map(|native| Guard(native.clone()))
    }

    /// [`Pattern::matches`] for a node whose prematch gave `alternatives` (see
    /// [`Pattern::prematch_alternatives`]): only those alternatives are tried, without checking names again.
    pub fn matches_alternatives(
        &self,
        doc: &Document,
        node: NodeId,
        variables: &Variables,
        alternatives: u64,
    ) -> bool {
        let mut evaluator = Evaluator::new(doc, variables);
        self.alternatives
            .iter()
            .enumerate()
            .any(
                |(index, alternative)| match 1u64.checked_shl(index as u32) {
                    Some(bit) if alternatives & bit == 0 => false,
                    Some(_) if alternative.child_links_only() && !alternative.steps.is_empty() => {
                        alternative.predicates_hold_along(&mut evaluator, node)
                    }
                    _ => alternative.matches(&mut evaluator, node),
                },
            )
    }

    /// Every node of the document the pattern matches, in document order.
    pub fn select(&self, doc: &Document, variables: &Variables) -> Vec<NodeId> {
        let mut evaluator = Evaluator::new(doc, variables);
        (0..doc.node_count())
            .filter_map(|index| doc.node(index))
            .filter(|&node| {
                self.alternatives
                    .iter()
                    .any(|alternative| alternative.matches(&mut evaluator, node))
            })
            .collect()
    }
}

fn collect_alternatives(expr: ast::Expr, out: &mut Vec<PathPattern>) -> Result<(), XPathError> {
    match expr {
        ast::Expr::Union(items) => {
            for item in items {
                collect_alternatives(item, out)?;
            }
            Ok(())
        }
        ast::Expr::Path(path) => {
            out.push(path_pattern(path)?);
            Ok(())
        }
        _ => Err(not_a_pattern("only paths and unions of paths are allowed")),
    }
}

fn path_pattern(path: ast::Path) -> Result<PathPattern, XPathError> {
    let mut anchor = if path.absolute {
        Anchor::Root
    } else {
        Anchor::Relative
    };
    let mut steps = Vec::new();
    let mut links = Vec::new();
    let mut pending_descendant = false;
    for step in path.steps {
        let Step::Axis(axis_step) = step else {
            return Err(not_a_pattern("a step is not an axis step"));
        };
        if axis_step.axis == Axis::DescendantOrSelf
            && axis_step.test == NodeTest::AnyNode
            && axis_step.predicates.is_empty()
        {
            if steps.is_empty() && anchor == Anchor::Root {
                anchor = Anchor::RootDescendant;
            } else {
                pending_descendant = true;
            }
            continue;
        }
        let principal = match axis_step.axis {
            Axis::Child => NodeKind::Element,
            Axis::Attribute => NodeKind::Attribute,
            _ => {
                return Err(not_a_pattern(
                    "only the child and attribute axes are allowed",
                ));
            }
        };
        if !steps.is_empty() {
            links.push(if pending_descendant {
                Link::Descendant
            } else {
                Link::Child
            });
        }
        pending_descendant = false;
        let mut predicates = axis_step.predicates;
        predicates.iter_mut().for_each(parser::optimize);
        let positional = predicates
            .iter()
            .any(|p| !p.is_surely_non_numeric() || p.uses_position());
        let native = if positional {
            Vec::new()
        } else {
            predicates.iter().map(NativePredicate::recognise).collect()
        };
        steps.push(PatternStep {
            principal,
            test: axis_step.test,
            predicates,
            positional,
            native,
        });
    }
    if pending_descendant {
        return Err(not_a_pattern("a pattern cannot end with `//`"));
    }
    Ok(PathPattern {
        anchor,
        steps,
        links,
    })
}

impl PathPattern {
    fn matches<'a>(&'a self, evaluator: &mut Evaluator<'a>, node: NodeId) -> bool {
        if self.steps.is_empty() {
            return self.anchor == Anchor::Root && evaluator.doc.kind(node) == NodeKind::Document;
        }
        if self.child_links_only() {
            return self.structure_matches(evaluator.doc, node)
                && self.predicates_hold_along(evaluator, node);
        }
        self.matches_step(evaluator, self.steps.len() - 1, node)
    }

    fn child_links_only(&self) -> bool {
        self.links.iter().all(|&link| link == Link::Child)
    }

    fn prematch<'a>(&'a self, evaluator: &mut Evaluator<'a>, node: NodeId) -> Prematch {
        let doc = evaluator.doc;
        if self.steps.is_empty() {
            return if self.anchor == Anchor::Root && doc.kind(node) == NodeKind::Document {
                Prematch::Always
            } else {
                Prematch::Never
            };
        }
        if self.links.contains(&Link::Descendant) {
            if !self.structure_matches_step(doc, self.steps.len() - 1, node) {
                return Prematch::Never;
            }
            return if self.steps.iter().all(|step| step.predicates.is_empty()) {
                Prematch::Always
            } else {
                Prematch::Predicates
            };
        }
        if !self.structure_matches(doc, node) {
            return Prematch::Never;
        }
        let mut verdict = Prematch::Always;
        let mut current = node;
        for step in self.steps.iter().rev() {
            if step.positional || !step.predicates.iter().all(ast::Expr::is_name_determined) {
                verdict = Prematch::Predicates;
            } else if !step.predicates.is_empty() && !predicates_hold(evaluator, step, current) {
                return Prematch::Never;
            }
            match doc.parent(current) {
                Some(parent) => current = parent,
                None => break,
            }
        }
        verdict
    }

    /// Names, kinds and anchor from step `index` up, ignoring predicates (any links).
    fn structure_matches_step(&self, doc: &Document, index: usize, node: NodeId) -> bool {
        if !step_accepts(doc, &self.steps[index], node) {
            return false;
        }
        let Some(parent) = doc.parent(node) else {
            return false;
        };
        if index == 0 {
            return self.anchor != Anchor::Root || doc.kind(parent) == NodeKind::Document;
        }
        match self.links[index - 1] {
            Link::Child => self.structure_matches_step(doc, index - 1, parent),
            Link::Descendant => std::iter::successors(Some(parent), |&n| doc.parent(n))
                .any(|ancestor| self.structure_matches_step(doc, index - 1, ancestor)),
        }
    }

    /// For patterns of child steps only: names, kinds and anchor, ignoring predicates.
    fn structure_matches(&self, doc: &Document, node: NodeId) -> bool {
        let mut current = node;
        for (index, step) in self.steps.iter().enumerate().rev() {
            if !step_accepts(doc, step, current) {
                return false;
            }
            let Some(parent) = doc.parent(current) else {
                return false;
            };
            if index == 0 {
                return self.anchor != Anchor::Root || doc.kind(parent) == NodeKind::Document;
            }
            current = parent;
        }
        true
    }

    /// For patterns of child steps only, once the structure matched: the predicates of every step.
    fn predicates_hold_along<'a>(&'a self, evaluator: &mut Evaluator<'a>, node: NodeId) -> bool {
        let doc = evaluator.doc;
        let mut current = node;
        for step in self.steps.iter().rev() {
            if !step.predicates.is_empty() && !predicates_hold(evaluator, step, current) {
                return false;
            }
            match doc.parent(current) {
                Some(parent) => current = parent,
                None => break,
            }
        }
        true
    }

    fn matches_step<'a>(
        &'a self,
        evaluator: &mut Evaluator<'a>,
        index: usize,
        node: NodeId,
    ) -> bool {
        let doc = evaluator.doc;
        let step = &self.steps[index];
        if !step_accepts(doc, step, node) {
            return false;
        }
        if !step.predicates.is_empty() && !predicates_hold(evaluator, step, node) {
            return false;
        }
        let Some(parent) = doc.parent(node) else {
            return false;
        };
        if index == 0 {
            return match self.anchor {
                Anchor::Relative | Anchor::RootDescendant => true,
                Anchor::Root => doc.kind(parent) == NodeKind::Document,
            };
        }
        match self.links[index - 1] {
            Link::Child => self.matches_step(evaluator, index - 1, parent),
            Link::Descendant => {
                let mut ancestor = Some(parent);
                while let Some(candidate) = ancestor {
                    if self.matches_step(evaluator, index - 1, candidate) {
                        return true;
                    }
                    ancestor = doc.parent(candidate);
                }
                false
            }
        }
    }
}

fn step_accepts(doc: &Document, step: &PatternStep, node: NodeId) -> bool {
    if matches!(step.test, NodeTest::AnyNode) && doc.kind(node) == NodeKind::Document {
        return false;
    }
    node_matches(doc, node, &step.test, step.principal)
}

fn predicates_hold<'a>(evaluator: &mut Evaluator<'a>, step: &'a PatternStep, node: NodeId) -> bool {
    let doc = evaluator.doc;
    let item = Item::Node(node);
    if !step.positional {
        let focus = Focus::of(&item);
        return step
            .predicates
            .iter()
            .zip(&step.native)
            .all(|(predicate, native)| {
                match native.as_ref().and_then(|native| native.holds(doc, node)) {
                    Some(decided) => decided,
                    None => evaluator.eval_predicate(predicate, focus).unwrap_or(false),
                }
            });
    }
    let Some(parent) = doc.parent(node) else {
        return false;
    };
    let mut candidates: crate::seq::Seq = if step.principal == NodeKind::Attribute {
        doc.attributes(parent)
            .filter(|&a| node_matches(doc, a, &step.test, step.principal))
            .map(Item::Node)
            .collect()
    } else {
        doc.children(parent)
            .filter(|&c| node_matches(doc, c, &step.test, step.principal))
            .map(Item::Node)
            .collect()
    };
    for predicate in &step.predicates {
        let Ok(kept) = evaluator.filter(candidates, predicate) else {
            return false;
        };
        candidates = kept;
        if !candidates.contains(&item) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{Pattern, Prematch, normalizes_to};
    use crate::context::{Namespaces, Variables};
    use crate::dom::Document;

    #[test]
    fn matching_the_prematched_alternatives_agrees_with_matching() {
        let doc = Document::parse(
            b"<r><a k='1'><b>x</b><b/></a><a><b k='2'>y</b></a><c><a k='1'><b/></a></c></r>",
        )
        .expect("well-formed");
        let variables = Variables::new();
        let pattern = Pattern::compile(
            "a[@k = '1']/b | /r/a/b[@k] | c//b[not(*) and not(normalize-space())] | b[. = 'y'] | r",
            &Namespaces::new(),
        )
        .expect("pattern");
        let mut matches = 0;
        for index in 0..doc.node_count() {
            let node = doc.node(index).expect("node");
            let (prematch, alternatives) = pattern.prematch_alternatives(&doc, node, &variables);
            let matched = match prematch {
                Prematch::Never => false,
                Prematch::Always => true,
                Prematch::Predicates => {
                    pattern.matches_alternatives(&doc, node, &variables, alternatives)
                }
            };
            assert_eq!(
                matched,
                pattern.matches(&doc, node, &variables),
                "node {index}"
            );
            matches += usize::from(matched);
        }
        assert!(matches > 3);
    }

    #[test]
    fn a_guard_rules_out_only_nodes_the_pattern_does_not_match() {
        let doc = Document::parse(
            b"<r><id s='0088'>1</id><id s='0188'>2</id><id>3</id><x><id s='0088'>4</id></x>\
              <t><n> E </n></t><t><n>S</n></t><t><n>E</n><n>E</n></t></r>",
        )
        .expect("well-formed");
        let variables = Variables::new();
        let namespaces = Namespaces::new();
        let compile = |source| Pattern::compile(source, &namespaces).expect("pattern");
        let scheme = compile("r/id[@s = '0088'] | x/id[@s = '0088']");
        let category = compile("t[normalize-space(n) = 'E'][. != '']");
        let mixed = compile("r/id[@s = '0088'] | x/id[@s = '0188']");
        let mut ruled_out = 0;
        for index in 0..doc.node_count() {
            let node = doc.node(index).expect("node");
            for pattern in [&scheme, &category] {
                let (prematch, alternatives) =
                    pattern.prematch_alternatives(&doc, node, &variables);
                if prematch != Prematch::Predicates {
                    continue;
                }
                let guard = pattern
                    .guard(alternatives)
                    .expect("one condition on the node");
                if guard.rules_out(&doc, node) {
                    ruled_out += 1;
                    assert!(!pattern.matches(&doc, node, &variables), "node {index}");
                }
            }
            let (_, alternatives) = mixed.prematch_alternatives(&doc, node, &variables);
            if alternatives.count_ones() > 1 {
                assert!(mixed.guard(alternatives).is_none());
            }
        }
        // `id` 2 and 3, and the `t` of `S`; the `t` with two `n` is left to the evaluator.
        assert_eq!(ruled_out, 3);
        assert!(mixed.guard(u64::MAX).is_none());
    }

    #[test]
    fn normalized_text_is_compared_word_by_word() {
        assert!(normalizes_to(" \tS \n", "S"));
        assert!(normalizes_to(" a  b ", "a b"));
        assert!(normalizes_to("  ", ""));
        assert!(!normalizes_to("a b", "a  b"));
        assert!(!normalizes_to("ab", "a"));
        assert!(!normalizes_to("a", "ab"));
        assert!(!normalizes_to("a b", "ab"));
    }
}

//! The compiled form of XPath expressions: names resolved to namespace URIs, functions resolved to their
//! implementations, literal regular expressions precompiled.

use foldhash::HashSet;
use std::sync::Arc;

use crate::functions::{Builtin, NativeFunction};
use crate::value::{ArithOp, Atomic, AtomicType, CmpOp};

#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Literal(Atomic),
    ContextItem,
    Var(Box<str>),
    Sequence(Vec<Expr>),
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    GeneralCmp(CmpOp, Box<Expr>, Box<Expr>),
    ValueCmp(CmpOp, Box<Expr>, Box<Expr>),
    NodeCmp(NodeCmpOp, Box<Expr>, Box<Expr>),
    Range(Box<Expr>, Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Negate(Box<Expr>),
    UnaryPlus(Box<Expr>),
    Union(Vec<Expr>),
    Intersect(Box<Expr>, Box<Expr>),
    Except(Box<Expr>, Box<Expr>),
    Cast {
        operand: Box<Expr>,
        target: AtomicType,
        optional: bool,
    },
    Castable {
        operand: Box<Expr>,
        target: AtomicType,
        optional: bool,
    },
    If {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    For {
        bindings: Vec<(Box<str>, Expr)>,
        body: Box<Expr>,
    },
    Quantified {
        every: bool,
        bindings: Vec<(Box<str>, Expr)>,
        satisfies: Box<Expr>,
    },
    Path(Path),
    Filter {
        base: Box<Expr>,
        predicates: Vec<Expr>,
    },
    Call(Call),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeCmpOp {
    Is,
    Precedes,
    Follows,
}

#[derive(Debug, Clone)]
pub(crate) struct Path {
    /// Starts at the root of the context node's tree (`/...`).
    pub(crate) absolute: bool,
    pub(crate) steps: Vec<Step>,
    /// For a path whose value does not depend on the focus (see `memo`): its process-wide id, under which
    /// evaluations sharing a [`crate::DocumentCache`] keep its value.
    pub(crate) shared: Option<u32>,
}

#[derive(Debug, Clone)]
pub(crate) enum Step {
    Axis(AxisStep),
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub(crate) struct AxisStep {
    pub(crate) axis: Axis,
    pub(crate) test: NodeTest,
    pub(crate) predicates: Vec<Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Axis {
    Child,
    Descendant,
    DescendantOrSelf,
    Parent,
    Ancestor,
    AncestorOrSelf,
    FollowingSibling,
    PrecedingSibling,
    Following,
    Preceding,
    Attribute,
    Itself,
}

impl Axis {
    pub(crate) fn from_name(name: &str) -> Option<Axis> {
        Some(match name {
            "child" => Axis::Child,
            "descendant" => Axis::Descendant,
            "descendant-or-self" => Axis::DescendantOrSelf,
            "parent" => Axis::Parent,
            "ancestor" => Axis::Ancestor,
            "ancestor-or-self" => Axis::AncestorOrSelf,
            "following-sibling" => Axis::FollowingSibling,
            "preceding-sibling" => Axis::PrecedingSibling,
            "following" => Axis::Following,
            "preceding" => Axis::Preceding,
            "attribute" => Axis::Attribute,
            "self" => Axis::Itself,
            _ => return None,
        })
    }

    pub(crate) fn is_reverse(self) -> bool {
        matches!(
            self,
            Axis::Parent
                | Axis::Ancestor
                | Axis::AncestorOrSelf
                | Axis::PrecedingSibling
                | Axis::Preceding
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NodeTest {
    /// A name test on the axis's principal node kind (`id` from the process-wide name table).
    Name {
        ns: Box<str>,
        local: Box<str>,
        id: u32,
    },
    /// `*`.
    AnyName,
    /// `prefix:*`.
    NamespaceWildcard(Box<str>),
    /// `*:local`.
    LocalWildcard(Box<str>),
    /// `node()`.
    AnyNode,
    /// `text()`.
    Text,
    /// `comment()`.
    Comment,
    /// `processing-instruction()` with an optional target.
    ProcessingInstruction(Option<Box<str>>),
    /// `element()` / `element(name)`.
    Element(Option<(Box<str>, Box<str>)>),
    /// `attribute()` / `attribute(name)`.
    Attribute(Option<(Box<str>, Box<str>)>),
    /// `document-node()`.
    Document,
}

#[derive(Debug, Clone)]
pub(crate) enum Function {
    Builtin(Builtin),
    Native(Arc<NativeFunction>),
}

#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) function: Function,
    pub(crate) args: Vec<Expr>,
    /// The compiled pattern when the regex argument of `matches`/`replace`/`tokenize` is a literal.
    pub(crate) regex: Option<Arc<regex::Regex>>,
    /// For the code-list idiom `contains(' A B C ', concat(' ', $x, ' '))`: the tokens of the literal list.
    pub(crate) tokens: Option<Arc<HashSet<Box<str>>>>,
}

impl Expr {
    /// Calls `visit` on each direct sub-expression, path steps and predicates included: the one walk that
    /// rewriting passes (`parser::optimize`, `memo::mark`) build on.
    pub(crate) fn for_each_child_mut(&mut self, visit: &mut dyn FnMut(&mut Expr)) {
        match self {
            Expr::Literal(_) | Expr::ContextItem | Expr::Var(_) => {}
            Expr::Sequence(items) | Expr::Union(items) => items.iter_mut().for_each(visit),
            Expr::Or(a, b)
            | Expr::And(a, b)
            | Expr::GeneralCmp(_, a, b)
            | Expr::ValueCmp(_, a, b)
            | Expr::NodeCmp(_, a, b)
            | Expr::Range(a, b)
            | Expr::Arith(_, a, b)
            | Expr::Intersect(a, b)
            | Expr::Except(a, b) => {
                visit(a);
                visit(b);
            }
            Expr::Negate(a) | Expr::UnaryPlus(a) => visit(a),
            Expr::Cast { operand, .. } | Expr::Castable { operand, .. } => visit(operand),
            Expr::If {
                condition,
                then,
                otherwise,
            } => {
                visit(condition);
                visit(then);
                visit(otherwise);
            }
            Expr::For { bindings, body } => {
                bindings.iter_mut().for_each(|(_, e)| visit(e));
                visit(body);
            }
            Expr::Quantified {
                bindings,
                satisfies,
                ..
            } => {
                bindings.iter_mut().for_each(|(_, e)| visit(e));
                visit(satisfies);
            }
            Expr::Filter { base, predicates } => {
                visit(base);
                predicates.iter_mut().for_each(visit);
            }
            Expr::Call(call) => call.args.iter_mut().for_each(visit),
            Expr::Path(path) => {
                for step in &mut path.steps {
                    match step {
                        Step::Axis(axis_step) => {
                            axis_step.predicates.iter_mut().for_each(&mut *visit)
                        }
                        Step::Expr(inner) => visit(inner),
                    }
                }
            }
        }
    }

    /// Whether `found` holds for the expression or any expression in it (path steps and predicates included).
    pub(crate) fn any(&self, found: &mut dyn FnMut(&Expr) -> bool) -> bool {
        if found(self) {
            return true;
        }
        match self {
            Expr::Literal(_) | Expr::ContextItem | Expr::Var(_) => false,
            Expr::Sequence(items) | Expr::Union(items) => items.iter().any(|item| item.any(found)),
            Expr::Or(a, b)
            | Expr::And(a, b)
            | Expr::GeneralCmp(_, a, b)
            | Expr::ValueCmp(_, a, b)
            | Expr::NodeCmp(_, a, b)
            | Expr::Range(a, b)
            | Expr::Arith(_, a, b)
            | Expr::Intersect(a, b)
            | Expr::Except(a, b) => a.any(found) || b.any(found),
            Expr::Negate(a) | Expr::UnaryPlus(a) => a.any(found),
            Expr::Cast { operand, .. } | Expr::Castable { operand, .. } => operand.any(found),
            Expr::If {
                condition,
                then,
                otherwise,
            } => condition.any(found) || then.any(found) || otherwise.any(found),
            Expr::For { bindings, body } => {
                bindings.iter().any(|(_, e)| e.any(found)) || body.any(found)
            }
            Expr::Quantified {
                bindings,
                satisfies,
                ..
            } => bindings.iter().any(|(_, e)| e.any(found)) || satisfies.any(found),
            Expr::Path(path) => path.steps.iter().any(|step| match step {
                Step::Axis(axis_step) => axis_step.predicates.iter().any(|p| p.any(found)),
                Step::Expr(expr) => expr.any(found),
            }),
            Expr::Filter { base, predicates } => {
                base.any(found) || predicates.iter().any(|p| p.any(found))
            }
            Expr::Call(call) => call.args.iter().any(|arg| arg.any(found)),
        }
    }

    /// Whether the expression can never produce a numeric value, so a predicate made of it is a plain
    /// boolean filter (never a position test).
    pub(crate) fn is_surely_non_numeric(&self) -> bool {
        match self {
            Expr::Or(..)
            | Expr::And(..)
            | Expr::GeneralCmp(..)
            | Expr::ValueCmp(..)
            | Expr::NodeCmp(..)
            | Expr::Castable { .. }
            | Expr::Quantified { .. } => true,
            Expr::Literal(atomic) => !atomic.is_numeric(),
            Expr::Path(path) => matches!(path.steps.last(), Some(Step::Axis(_))),
            Expr::Call(call) => match &call.function {
                Function::Builtin(builtin) => builtin.returns_non_numeric(),
                Function::Native(_) => false,
            },
            _ => false,
        }
    }

    /// Whether the value depends only on the name of the context node (`name()`, `local-name()`,
    /// `namespace-uri()` without arguments, literals, and string and boolean functions of those).
    pub(crate) fn is_name_determined(&self) -> bool {
        match self {
            Expr::Literal(_) => true,
            Expr::Or(a, b)
            | Expr::And(a, b)
            | Expr::GeneralCmp(_, a, b)
            | Expr::ValueCmp(_, a, b) => a.is_name_determined() && b.is_name_determined(),
            Expr::Call(call) => match &call.function {
                Function::Builtin(Builtin::Name | Builtin::LocalName | Builtin::NamespaceUri) => {
                    call.args.is_empty()
                }
                Function::Builtin(
                    Builtin::Not
                    | Builtin::Boolean
                    | Builtin::True
                    | Builtin::False
                    | Builtin::EndsWith
                    | Builtin::StartsWith
                    | Builtin::Contains
                    | Builtin::Concat
                    | Builtin::UpperCase
                    | Builtin::LowerCase
                    | Builtin::Substring
                    | Builtin::SubstringBefore
                    | Builtin::SubstringAfter
                    | Builtin::Matches
                    | Builtin::Translate
                    | Builtin::NormalizeSpace
                    | Builtin::StringLength
                    | Builtin::String,
                ) => !call.args.is_empty() && call.args.iter().all(Expr::is_name_determined),
                _ => false,
            },
            _ => false,
        }
    }

    /// Whether the expression depends on the context position or size (uses `position()` or `last()` outside
    /// of nested predicates).
    pub(crate) fn uses_position(&self) -> bool {
        let mut found = false;
        self.visit_focus_dependent(&mut |builtin| {
            if matches!(builtin, Builtin::Position | Builtin::Last) {
                found = true;
            }
        });
        found
    }

    fn visit_focus_dependent(&self, visit: &mut dyn FnMut(Builtin)) {
        match self {
            Expr::Literal(_) | Expr::ContextItem | Expr::Var(_) => {}
            Expr::Sequence(items) | Expr::Union(items) => {
                items
                    .iter()
                    .for_each(|item| item.visit_focus_dependent(visit));
            }
            Expr::Or(a, b)
            | Expr::And(a, b)
            | Expr::GeneralCmp(_, a, b)
            | Expr::ValueCmp(_, a, b)
            | Expr::NodeCmp(_, a, b)
            | Expr::Range(a, b)
            | Expr::Arith(_, a, b)
            | Expr::Intersect(a, b)
            | Expr::Except(a, b) => {
                a.visit_focus_dependent(visit);
                b.visit_focus_dependent(visit);
            }
            Expr::Negate(a) | Expr::UnaryPlus(a) => a.visit_focus_dependent(visit),
            Expr::Cast { operand, .. } | Expr::Castable { operand, .. } => {
                operand.visit_focus_dependent(visit);
            }
            Expr::If {
                condition,
                then,
                otherwise,
            } => {
                condition.visit_focus_dependent(visit);
                then.visit_focus_dependent(visit);
                otherwise.visit_focus_dependent(visit);
            }
            Expr::For { bindings, body } => {
                bindings
                    .iter()
                    .for_each(|(_, e)| e.visit_focus_dependent(visit));
                body.visit_focus_dependent(visit);
            }
            Expr::Quantified {
                bindings,
                satisfies,
                ..
            } => {
                bindings
                    .iter()
                    .for_each(|(_, e)| e.visit_focus_dependent(visit));
                satisfies.visit_focus_dependent(visit);
            }
            Expr::Path(path) => {
                if let Some(Step::Expr(first)) = path.steps.first()
                    && !path.absolute
                {
                    first.visit_focus_dependent(visit);
                }
            }
            Expr::Filter { base, .. } => base.visit_focus_dependent(visit),
            Expr::Call(call) => {
                if let Function::Builtin(builtin) = &call.function {
                    visit(*builtin);
                }
                call.args
                    .iter()
                    .for_each(|arg| arg.visit_focus_dependent(visit));
            }
        }
    }
}

//! The evaluator: expressions over a document with a focus (context item, position, size), local variable
//! bindings and external variables. Paths, comparisons, arithmetic, casts and the control expressions live
//! here; the built-in functions are in `builtins`.

use std::borrow::Cow;

use crate::ast::{Axis, AxisStep, Expr, NodeCmpOp, NodeTest, Path, Step};
use crate::context::Variables;
use crate::dom::{Document, NodeId, NodeKind};
use crate::error::XPathError;
use crate::value::{
    Atom, Atomic, CmpOp, Item, Num, arithmetic, cast_text, compare_values, effective_boolean_value,
    general_compare_pair,
};

pub(crate) use crate::seq::Seq;

/// A comparison operand: a literal of the expression (not copied), a computed string, or evaluated items.
enum Operand<'a> {
    Literal(&'a Atomic),
    Text(Cow<'a, str>),
    Items(Seq),
}

impl Operand<'_> {
    fn is_empty(&self) -> bool {
        match self {
            Operand::Literal(_) | Operand::Text(_) => false,
            Operand::Items(items) => items.is_empty(),
        }
    }
}

/// The focus of an evaluation step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Focus<'f> {
    pub(crate) item: Option<&'f Item>,
    pub(crate) position: usize,
    pub(crate) size: usize,
}

impl<'f> Focus<'f> {
    pub(crate) fn of(item: &'f Item) -> Self {
        Focus {
            item: Some(item),
            position: 1,
            size: 1,
        }
    }
}

const MAX_RANGE: i64 = 10_000_000;

pub(crate) struct Evaluator<'a> {
    pub(crate) doc: &'a Document,
    variables: &'a Variables,
    locals: Vec<(&'a str, Seq)>,
    /// The values of shared paths by id (see `memo`), when evaluations share them.
    memo: Option<&'a mut Vec<Option<Seq>>>,
}

fn no_context() -> XPathError {
    XPathError::dynamic("XPDY0002", "the context item is undefined")
}

impl<'a> Evaluator<'a> {
    pub(crate) fn new(doc: &'a Document, variables: &'a Variables) -> Self {
        Evaluator {
            doc,
            variables,
            locals: Vec::new(),
            memo: None,
        }
    }

    /// An evaluator keeping the values of shared paths in `cache`.
    pub(crate) fn with_cache(
        cache: &'a mut crate::memo::DocumentCache<'_>,
        variables: &'a Variables,
    ) -> Self {
        Evaluator {
            doc: cache.doc,
            variables,
            locals: Vec::new(),
            memo: Some(&mut cache.values),
        }
    }

    /// Applies `apply` to the value of a shared path, computed on first use.
    fn shared_path<R>(
        &mut self,
        id: u32,
        path: &'a Path,
        focus: Focus<'_>,
        apply: impl FnOnce(&Seq) -> R,
    ) -> Result<R, XPathError> {
        self.context_node(focus)?;
        let id = id as usize;
        if let Some(Some(value)) = self.memo.as_deref().and_then(|memo| memo.get(id)) {
            return Ok(apply(value));
        }
        let value = self.path_value(path, focus)?;
        let result = apply(&value);
        if let Some(memo) = self.memo.as_deref_mut() {
            if memo.len() <= id {
                memo.resize(id + 1, None);
            }
            memo[id] = Some(value);
        }
        Ok(result)
    }

    fn path_value(&mut self, path: &'a Path, focus: Focus<'_>) -> Result<Seq, XPathError> {
        if let Some(walked) = self.walk(path, focus) {
            return Ok(walked.map_or(Seq::new(), |node| Seq::one(Item::Node(node))));
        }
        self.eval_path(path, focus)
    }

    pub(crate) fn context_node(&self, focus: Focus<'_>) -> Result<NodeId, XPathError> {
        match focus.item {
            Some(Item::Node(node)) => Ok(*node),
            Some(Item::Atomic(_)) => Err(XPathError::dynamic(
                "XPTY0020",
                "the context item is not a node",
            )),
            None => Err(no_context()),
        }
    }

    pub(crate) fn eval(&mut self, expr: &'a Expr, focus: Focus<'_>) -> Result<Seq, XPathError> {
        match expr {
            Expr::Literal(atomic) => Ok(Seq::one(Item::Atomic(atomic.clone()))),
            Expr::ContextItem => focus
                .item
                .map(|item| Seq::one(item.clone()))
                .ok_or_else(no_context),
            Expr::Var(name) => self.variable(name),
            Expr::Sequence(items) => {
                let mut out = Seq::new();
                for item in items {
                    out.extend(self.eval(item, focus)?);
                }
                Ok(out)
            }
            Expr::Or(..)
            | Expr::And(..)
            | Expr::GeneralCmp(..)
            | Expr::NodeCmp(..)
            | Expr::Castable { .. }
            | Expr::Quantified { .. } => Ok(Seq::one(Item::Atomic(Atomic::Boolean(
                self.eval_bool(expr, focus)?,
            )))),
            Expr::ValueCmp(op, a, b) => Ok(match self.value_compare(*op, a, b, focus)? {
                Some(result) => Seq::one(Item::Atomic(Atomic::Boolean(result))),
                None => Seq::new(),
            }),
            Expr::Range(a, b) => {
                let (Some(from), Some(to)) = (
                    self.integer_operand(a, focus)?,
                    self.integer_operand(b, focus)?,
                ) else {
                    return Ok(Seq::new());
                };
                if to.saturating_sub(from) > MAX_RANGE {
                    return Err(XPathError::dynamic(
                        "FOAR0002",
                        "range expression too large",
                    ));
                }
                Ok((from..=to)
                    .map(|n| Item::Atomic(Atomic::Integer(n)))
                    .collect())
            }
            Expr::Arith(op, a, b) => {
                let Some(left) = self.numeric_operand(a, focus)? else {
                    return Ok(Seq::new());
                };
                let Some(right) = self.numeric_operand(b, focus)? else {
                    return Ok(Seq::new());
                };
                Ok(Seq::one(Item::Atomic(
                    arithmetic(*op, left, right)?.into_atomic(),
                )))
            }
            Expr::Negate(operand) => match self.numeric_operand(operand, focus)? {
                Some(number) => Ok(Seq::one(Item::Atomic(number.negate()?.into_atomic()))),
                None => Ok(Seq::new()),
            },
            Expr::UnaryPlus(operand) => match self.numeric_operand(operand, focus)? {
                Some(number) => Ok(Seq::one(Item::Atomic(number.into_atomic()))),
                None => Ok(Seq::new()),
            },
            Expr::Union(operands) => {
                let mut nodes = Vec::new();
                for operand in operands {
                    let items = self.eval(operand, focus)?;
                    for item in items {
                        match item {
                            Item::Node(node) => nodes.push(node),
                            Item::Atomic(_) => {
                                return Err(XPathError::type_error("union operands must be nodes"));
                            }
                        }
                    }
                }
                nodes.sort_unstable();
                nodes.dedup();
                Ok(nodes.into_iter().map(Item::Node).collect())
            }
            Expr::Intersect(a, b) | Expr::Except(a, b) => {
                let left = self.node_set(a, focus)?;
                let right = self.node_set(b, focus)?;
                let keep_common = matches!(expr, Expr::Intersect(..));
                Ok(left
                    .into_iter()
                    .filter(|node| right.binary_search(node).is_ok() == keep_common)
                    .map(Item::Node)
                    .collect())
            }
            Expr::Cast {
                operand,
                target,
                optional,
            } => {
                let items = self.eval(operand, focus)?;
                match items.as_slice() {
                    [] if *optional => Ok(Seq::new()),
                    [] => Err(XPathError::type_error("cast of an empty sequence")),
                    [item] => {
                        let cast = match Atom::of(self.doc, item) {
                            Atom::Untyped(text) => cast_text(&text, *target)?,
                            Atom::Text(text) => Atomic::String(text.into_owned()).cast(*target)?,
                            Atom::Value(value) => value.cast(*target)?,
                        };
                        Ok(Seq::one(Item::Atomic(cast)))
                    }
                    _ => Err(XPathError::type_error(
                        "cast of a sequence of more than one item",
                    )),
                }
            }
            Expr::If {
                condition,
                then,
                otherwise,
            } => {
                if self.eval_bool(condition, focus)? {
                    self.eval(then, focus)
                } else {
                    self.eval(otherwise, focus)
                }
            }
            Expr::For { bindings, body } => {
                let mut out = Seq::new();
                self.for_each(bindings, 0, body, focus, &mut out)?;
                Ok(out)
            }
            Expr::Path(path) => match path.shared {
                Some(id) if self.memo.is_some() => self.shared_path(id, path, focus, Seq::clone),
                _ => self.path_value(path, focus),
            },
            Expr::Filter { base, predicates } => {
                let mut items = self.eval(base, focus)?;
                for predicate in predicates {
                    items = self.filter(items, predicate)?;
                }
                Ok(items)
            }
            Expr::Call(call) => self.call(call, focus),
        }
    }

    fn variable(&self, name: &str) -> Result<Seq, XPathError> {
        if let Some((_, value)) = self.locals.iter().rev().find(|(local, _)| *local == name) {
            return Ok(value.clone());
        }
        self.variables
            .get(name)
            .map(|value| value.items().iter().cloned().collect())
            .ok_or_else(|| XPathError::dynamic("XPST0008", format!("undeclared variable ${name}")))
    }

    /// The effective boolean value of an expression, short-circuiting `and`/`or`.
    pub(crate) fn eval_bool(
        &mut self,
        expr: &'a Expr,
        focus: Focus<'_>,
    ) -> Result<bool, XPathError> {
        match expr {
            Expr::Or(a, b) => Ok(self.eval_bool(a, focus)? || self.eval_bool(b, focus)?),
            Expr::And(a, b) => Ok(self.eval_bool(a, focus)? && self.eval_bool(b, focus)?),
            Expr::GeneralCmp(op, a, b) => self.general_compare(*op, a, b, focus),
            Expr::ValueCmp(op, a, b) => Ok(self.value_compare(*op, a, b, focus)?.unwrap_or(false)),
            Expr::NodeCmp(op, a, b) => {
                let (Some(left), Some(right)) =
                    (self.single_node(a, focus)?, self.single_node(b, focus)?)
                else {
                    return Ok(false);
                };
                Ok(match op {
                    NodeCmpOp::Is => left == right,
                    NodeCmpOp::Precedes => left < right,
                    NodeCmpOp::Follows => left > right,
                })
            }
            Expr::Castable {
                operand,
                target,
                optional,
            } => {
                let items = self.eval(operand, focus)?;
                Ok(match items.as_slice() {
                    [] => *optional,
                    [item] => match Atom::of(self.doc, item) {
                        Atom::Untyped(text) => cast_text(&text, *target).is_ok(),
                        Atom::Text(text) => Atomic::String(text.into_owned()).cast(*target).is_ok(),
                        Atom::Value(value) => value.cast(*target).is_ok(),
                    },
                    _ => false,
                })
            }
            Expr::Quantified {
                every,
                bindings,
                satisfies,
            } => self.quantify(*every, bindings, 0, satisfies, focus),
            Expr::Literal(Atomic::Boolean(value)) => Ok(*value),
            Expr::Path(Path {
                shared: Some(id), ..
            }) if self.memo.is_some() => {
                let Expr::Path(path) = expr else {
                    unreachable!("matched above");
                };
                self.shared_path(*id, path, focus, |value| !value.is_empty())
            }
            Expr::Path(path) if path.steps.iter().all(|step| matches!(step, Step::Axis(_))) => {
                self.exists(expr, focus)
            }
            Expr::Call(call) => {
                if let Some(result) = self.call_bool(call, focus)? {
                    return Ok(result);
                }
                if let Some(text) = self.call_str(call, focus)? {
                    return Ok(!text.is_empty());
                }
                effective_boolean_value(&self.eval(expr, focus)?)
            }
            _ => effective_boolean_value(&self.eval(expr, focus)?),
        }
    }

    fn general_compare(
        &mut self,
        op: CmpOp,
        a: &'a Expr,
        b: &'a Expr,
        focus: Focus<'_>,
    ) -> Result<bool, XPathError> {
        if let Some(result) = self.compare_integer_call(op, a, b, focus)? {
            return Ok(result);
        }
        let doc = self.doc;
        let left = self.operand(a, focus)?;
        if left.is_empty() {
            return Ok(false);
        }
        let right = self.operand(b, focus)?;
        if right.is_empty() {
            return Ok(false);
        }
        match (single_atom(doc, &left), single_atom(doc, &right)) {
            (Some(x), Some(y)) => general_compare_pair(op, &x, &y),
            (Some(x), None) => {
                for item in operand_items(&right) {
                    if general_compare_pair(op, &x, &Atom::of(doc, item))? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            (None, Some(y)) => {
                for item in operand_items(&left) {
                    if general_compare_pair(op, &Atom::of(doc, item), &y)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            (None, None) => {
                let right_atoms: Vec<Atom<'_>> = operand_items(&right)
                    .iter()
                    .map(|item| Atom::of(doc, item))
                    .collect();
                for item in operand_items(&left) {
                    let left_atom = Atom::of(doc, item);
                    for right_atom in &right_atoms {
                        if general_compare_pair(op, &left_atom, right_atom)? {
                            return Ok(true);
                        }
                    }
                }
                Ok(false)
            }
        }
    }

    /// `count(…)` or `string-length(…)` compared with an integer literal (`count(cbc:Note) <= 1`, the
    /// cardinality rules): the two integers compared as they are, without atomizing either side.
    fn compare_integer_call(
        &mut self,
        op: CmpOp,
        a: &'a Expr,
        b: &'a Expr,
        focus: Focus<'_>,
    ) -> Result<Option<bool>, XPathError> {
        let (call, literal, op) = match (a, b) {
            (Expr::Call(call), Expr::Literal(Atomic::Integer(literal))) => (call, *literal, op),
            (Expr::Literal(Atomic::Integer(literal)), Expr::Call(call)) => {
                (call, *literal, op.reversed())
            }
            _ => return Ok(None),
        };
        Ok(self
            .integer_call(call, focus)?
            .map(|value| op.test(Some(value.cmp(&literal)))))
    }

    fn operand(&mut self, expr: &'a Expr, focus: Focus<'_>) -> Result<Operand<'a>, XPathError> {
        match expr {
            Expr::Literal(literal) => return Ok(Operand::Literal(literal)),
            Expr::Call(call) => {
                if let Some(text) = self.call_str(call, focus)? {
                    return Ok(Operand::Text(text));
                }
            }
            Expr::Path(path) if !path.absolute => {
                if let Some(walked) = self.walk(path, focus) {
                    return Ok(Operand::Items(
                        walked.map_or(Seq::new(), |node| Seq::one(Item::Node(node))),
                    ));
                }
                if let Some((Step::Expr(Expr::Call(call)), prefix)) = path.steps.split_last()
                    && !prefix.is_empty()
                    && let Some(Item::Node(start)) = focus.item
                    && let Some(found) = self.walk_steps(*start, prefix)
                {
                    let Some(node) = found else {
                        return Ok(Operand::Items(Seq::new()));
                    };
                    let item = Item::Node(node);
                    if let Some(text) = self.call_str(call, Focus::of(&item))? {
                        return Ok(Operand::Text(text));
                    }
                }
            }
            _ => {}
        }
        Ok(Operand::Items(self.eval(expr, focus)?))
    }

    /// Whether an expression yields a non-empty sequence, without building it for single-step paths.
    pub(crate) fn exists(&mut self, expr: &'a Expr, focus: Focus<'_>) -> Result<bool, XPathError> {
        if let Expr::Path(path) = expr
            && !path.absolute
            && let [Step::Axis(step)] = path.steps.as_slice()
            && step.predicates.is_empty()
        {
            let node = self.context_node(focus)?;
            return Ok(self.any_on_axis(node, step.axis, &step.test));
        }
        if let Expr::Path(path) = expr {
            if let Some(id) = path.shared
                && self.memo.is_some()
            {
                return self.shared_path(id, path, focus, |value| !value.is_empty());
            }
            if let Some(walked) = self.walk(path, focus) {
                return Ok(walked.is_some());
            }
        }
        Ok(!self.eval(expr, focus)?.is_empty())
    }

    fn any_on_axis(&self, node: NodeId, axis: Axis, test: &NodeTest) -> bool {
        let doc = self.doc;
        let principal = if axis == Axis::Attribute {
            NodeKind::Attribute
        } else {
            NodeKind::Element
        };
        let accept = |candidate: NodeId| node_matches(doc, candidate, test, principal);
        match axis {
            Axis::Child => match test {
                NodeTest::Name { ns, local, id } => {
                    match doc.children_named(node, *id, ns, local) {
                        Some(children) => !children.is_empty(),
                        None => match doc.element_children_with_id(node, *id) {
                            Some(mut children) => children.next().is_some(),
                            None => doc.element_children(node).any(accept),
                        },
                    }
                }
                _ if element_only(test) => doc.element_children(node).any(accept),
                _ => doc.children(node).any(accept),
            },
            Axis::Attribute => {
                doc.kind(node) == NodeKind::Element && doc.attributes(node).any(accept)
            }
            Axis::Itself => accept(node),
            Axis::Parent => doc.parent(node).is_some_and(accept),
            Axis::Ancestor => {
                std::iter::successors(doc.parent(node), |&n| doc.parent(n)).any(accept)
            }
            Axis::AncestorOrSelf => {
                std::iter::successors(Some(node), |&n| doc.parent(n)).any(accept)
            }
            _ => {
                let mut found = Vec::new();
                self.collect_axis(node, axis, test, false, &mut found);
                !found.is_empty()
            }
        }
    }

    /// Follows a relative path of child/attribute/self/parent steps without predicates from the context node
    /// while each step finds at most one node: `Some(None)` when the path is empty, `Some(Some(node))` for a
    /// single node, `None` when the path is not of that shape or some step finds several nodes.
    fn walk(&self, path: &Path, focus: Focus<'_>) -> Option<Option<NodeId>> {
        if path.absolute || path.steps.len() > 4 {
            return None;
        }
        let Some(Item::Node(start)) = focus.item else {
            return None;
        };
        self.walk_steps(*start, &path.steps)
    }

    fn walk_steps(&self, start: NodeId, steps: &[Step]) -> Option<Option<NodeId>> {
        let doc = self.doc;
        let mut current = start;
        for step in steps {
            let Step::Axis(step) = step else {
                return None;
            };
            if !step.predicates.is_empty() {
                return None;
            }
            let principal = if step.axis == Axis::Attribute {
                NodeKind::Attribute
            } else {
                NodeKind::Element
            };
            let accept = |candidate: NodeId| node_matches(doc, candidate, &step.test, principal);
            let mut found = None;
            match step.axis {
                Axis::Child => {
                    if let NodeTest::Name { ns, local, id } = &step.test {
                        if let Some(children) = doc.children_named(current, *id, ns, local) {
                            match children {
                                [] => return Some(None),
                                [child] => {
                                    current = *child;
                                    continue;
                                }
                                _ => return None,
                            }
                        }
                        if let Some(mut children) = doc.element_children_with_id(current, *id) {
                            let Some(child) = children.next() else {
                                return Some(None);
                            };
                            if children.next().is_some() {
                                return None;
                            }
                            current = child;
                            continue;
                        }
                    }
                    let children: &mut dyn Iterator<Item = NodeId> = if element_only(&step.test) {
                        &mut doc.element_children(current)
                    } else {
                        &mut doc.children(current)
                    };
                    for child in children {
                        if accept(child) {
                            if found.is_some() {
                                return None;
                            }
                            found = Some(child);
                        }
                    }
                }
                Axis::Attribute => {
                    if doc.kind(current) == NodeKind::Element {
                        for attribute in doc.attributes(current) {
                            if accept(attribute) {
                                if found.is_some() {
                                    return None;
                                }
                                found = Some(attribute);
                            }
                        }
                    }
                }
                Axis::Itself => found = Some(current).filter(|&n| accept(n)),
                Axis::Parent => found = doc.parent(current).filter(|&n| accept(n)),
                _ => return None,
            }
            match found {
                Some(node) => current = node,
                None => return Some(None),
            }
        }
        Some(Some(current))
    }

    /// The string value of an expression yielding at most one item, borrowed from the document or the
    /// expression when possible.
    pub(crate) fn eval_str(
        &mut self,
        expr: &'a Expr,
        focus: Focus<'_>,
    ) -> Result<Cow<'a, str>, XPathError> {
        let doc = self.doc;
        match expr {
            Expr::Literal(Atomic::String(text)) => return Ok(Cow::Borrowed(text)),
            Expr::ContextItem => {
                return match focus.item {
                    Some(Item::Node(node)) => Ok(doc.string_value(*node)),
                    Some(Item::Atomic(atomic)) => {
                        Ok(Cow::Owned(atomic.to_xpath_string().into_owned()))
                    }
                    None => Err(no_context()),
                };
            }
            Expr::Path(path) => {
                if let Some(walked) = self.walk(path, focus) {
                    return Ok(walked.map_or(Cow::Borrowed(""), |node| doc.string_value(node)));
                }
            }
            Expr::Call(call) => {
                if let Some(text) = self.call_str(call, focus)? {
                    return Ok(text);
                }
            }
            _ => {}
        }
        let items = self.eval(expr, focus)?;
        match items.as_slice() {
            [] => Ok(Cow::Borrowed("")),
            [Item::Node(node)] => Ok(doc.string_value(*node)),
            [Item::Atomic(atomic)] => Ok(Cow::Owned(atomic.to_xpath_string().into_owned())),
            _ => Err(XPathError::type_error(
                "a sequence of more than one item where a string was expected",
            )),
        }
    }

    fn value_compare(
        &mut self,
        op: CmpOp,
        a: &'a Expr,
        b: &'a Expr,
        focus: Focus<'_>,
    ) -> Result<Option<bool>, XPathError> {
        let Some(left) = self.optional_atomic(a, focus)? else {
            return Ok(None);
        };
        let Some(right) = self.optional_atomic(b, focus)? else {
            return Ok(None);
        };
        let as_string = |value: Atomic| match value {
            Atomic::Untyped(text) => Atomic::String(text),
            other => other,
        };
        compare_values(op, &as_string(left), &as_string(right)).map(Some)
    }

    /// Atomizes an expression that must yield at most one item.
    pub(crate) fn optional_atomic(
        &mut self,
        expr: &'a Expr,
        focus: Focus<'_>,
    ) -> Result<Option<Atomic>, XPathError> {
        let items = self.eval(expr, focus)?;
        match items.as_slice() {
            [] => Ok(None),
            [item] => Ok(Some(Atom::of(self.doc, item).into_atomic())),
            _ => Err(XPathError::type_error(
                "a sequence of more than one item where one was expected",
            )),
        }
    }

    pub(crate) fn numeric_operand(
        &mut self,
        expr: &'a Expr,
        focus: Focus<'_>,
    ) -> Result<Option<Num>, XPathError> {
        let items = self.eval(expr, focus)?;
        match items.as_slice() {
            [] => Ok(None),
            [item] => Num::operand(&Atom::of(self.doc, item)).map(Some),
            _ => Err(XPathError::type_error(
                "arithmetic on a sequence of more than one item",
            )),
        }
    }

    fn integer_operand(
        &mut self,
        expr: &'a Expr,
        focus: Focus<'_>,
    ) -> Result<Option<i64>, XPathError> {
        match self.optional_atomic(expr, focus)? {
            None => Ok(None),
            Some(Atomic::Integer(value)) => Ok(Some(value)),
            Some(Atomic::Untyped(text)) => match cast_text(
                &text,
                crate::value::AtomicType::Integer(crate::value::IntegerRange::Any),
            )? {
                Atomic::Integer(value) => Ok(Some(value)),
                _ => Err(XPathError::type_error("integer expected")),
            },
            Some(other) => Err(XPathError::type_error(format!(
                "{} is not an xs:integer",
                other.type_name()
            ))),
        }
    }

    fn single_node(
        &mut self,
        expr: &'a Expr,
        focus: Focus<'_>,
    ) -> Result<Option<NodeId>, XPathError> {
        let items = self.eval(expr, focus)?;
        match items.as_slice() {
            [] => Ok(None),
            [Item::Node(node)] => Ok(Some(*node)),
            _ => Err(XPathError::type_error(
                "node comparison operands must be single nodes",
            )),
        }
    }

    fn node_set(&mut self, expr: &'a Expr, focus: Focus<'_>) -> Result<Vec<NodeId>, XPathError> {
        let mut nodes = Vec::new();
        for item in self.eval(expr, focus)? {
            match item {
                Item::Node(node) => nodes.push(node),
                Item::Atomic(_) => {
                    return Err(XPathError::type_error(
                        "intersect/except operands must be nodes",
                    ));
                }
            }
        }
        nodes.sort_unstable();
        nodes.dedup();
        Ok(nodes)
    }

    fn quantify(
        &mut self,
        every: bool,
        bindings: &'a [(Box<str>, Expr)],
        index: usize,
        satisfies: &'a Expr,
        focus: Focus<'_>,
    ) -> Result<bool, XPathError> {
        let Some((name, source)) = bindings.get(index) else {
            return self.eval_bool(satisfies, focus);
        };
        let items = self.eval(source, focus)?;
        for item in items {
            self.locals.push((name, Seq::one(item)));
            let result = self.quantify(every, bindings, index + 1, satisfies, focus);
            self.locals.pop();
            if result? != every {
                return Ok(!every);
            }
        }
        Ok(every)
    }

    fn for_each(
        &mut self,
        bindings: &'a [(Box<str>, Expr)],
        index: usize,
        body: &'a Expr,
        focus: Focus<'_>,
        out: &mut Seq,
    ) -> Result<(), XPathError> {
        let Some((name, source)) = bindings.get(index) else {
            out.extend(self.eval(body, focus)?);
            return Ok(());
        };
        let items = self.eval(source, focus)?;
        for item in items {
            self.locals.push((name, Seq::one(item)));
            let result = self.for_each(bindings, index + 1, body, focus, out);
            self.locals.pop();
            result?;
        }
        Ok(())
    }

    fn eval_path(&mut self, path: &'a Path, focus: Focus<'_>) -> Result<Seq, XPathError> {
        if !path.absolute
            && let Some((last, prefix)) = path.steps.split_last()
            && !prefix.is_empty()
            && let Some(Item::Node(start)) = focus.item
            && let Some(found) = self.walk_steps(*start, prefix)
        {
            let Some(node) = found else {
                return Ok(Seq::new());
            };
            let item = Item::Node(node);
            let result = self.eval_step(last, Focus::of(&item))?;
            return match last {
                Step::Axis(_) => Ok(result),
                Step::Expr(_) => normalize_step_result(result),
            };
        }
        if path.steps.iter().all(|step| matches!(step, Step::Axis(_))) {
            return self.eval_axis_path(path, focus);
        }
        let mut steps = path.steps.iter();
        let mut current = if path.absolute {
            self.context_node(focus)?;
            Seq::one(Item::Node(self.doc.root()))
        } else {
            match steps.next() {
                Some(first) => self.eval_step(first, focus)?,
                None => return Ok(Seq::new()),
            }
        };
        for step in steps {
            current = self.apply_step(step, current)?;
        }
        Ok(current)
    }

    fn eval_step(&mut self, step: &'a Step, focus: Focus<'_>) -> Result<Seq, XPathError> {
        match step {
            Step::Axis(axis_step) => {
                let node = self.context_node(focus)?;
                self.axis_step(node, axis_step)
            }
            Step::Expr(expr) => self.eval(expr, focus),
        }
    }

    fn apply_step(&mut self, step: &'a Step, input: Seq) -> Result<Seq, XPathError> {
        if input.iter().any(|item| matches!(item, Item::Atomic(_))) {
            return Err(XPathError::dynamic(
                "XPTY0019",
                "a path step was applied to atomic values (the left side of `/` must be nodes)",
            ));
        }
        let size = input.len();
        if size == 1 {
            let result = self.eval_step(step, Focus::of(&input[0]))?;
            return match step {
                Step::Axis(_) => Ok(result),
                Step::Expr(_) => normalize_step_result(result),
            };
        }
        if let Step::Axis(axis_step) = step {
            // An axis step ignores the position of the node it starts from.
            let mut nodes = Vec::with_capacity(size);
            let from = input.iter().filter_map(|item| match item {
                Item::Node(node) => Some(*node),
                Item::Atomic(_) => None,
            });
            self.axis_step_from(from, axis_step, &mut nodes)?;
            return Ok(nodes_seq(nodes));
        }
        let mut out = Seq::new();
        for (index, item) in input.iter().enumerate() {
            let focus = Focus {
                item: Some(item),
                position: index + 1,
                size,
            };
            out.extend(self.eval_step(step, focus)?);
        }
        normalize_step_result(out)
    }

    pub(crate) fn axis_step(
        &mut self,
        node: NodeId,
        step: &'a AxisStep,
    ) -> Result<Seq, XPathError> {
        let mut nodes = Vec::new();
        self.axis_nodes(node, step, &mut nodes)?;
        Ok(nodes_seq(nodes))
    }

    /// The nodes one axis step selects from `node` (predicates applied), appended to `out` in the order of
    /// the axis's result (document order).
    fn axis_nodes(
        &mut self,
        node: NodeId,
        step: &'a AxisStep,
        out: &mut Vec<NodeId>,
    ) -> Result<(), XPathError> {
        if step.predicates.is_empty() {
            self.collect_axis(node, step.axis, &step.test, false, out);
            return Ok(());
        }
        let reverse = step.axis.is_reverse();
        let mut selected = Vec::new();
        self.collect_axis(node, step.axis, &step.test, reverse, &mut selected);
        for predicate in &step.predicates {
            if selected.is_empty() {
                break;
            }
            selected = self.filter_nodes(selected, predicate)?;
        }
        if reverse {
            selected.reverse();
        }
        out.append(&mut selected);
        Ok(())
    }

    /// A path of axis steps only: each step's nodes are kept as ids (document order, no duplicates) until
    /// the end, instead of as items.
    fn eval_axis_path(&mut self, path: &'a Path, focus: Focus<'_>) -> Result<Seq, XPathError> {
        let start = if path.absolute {
            self.context_node(focus)?;
            self.doc.root()
        } else if path.steps.is_empty() {
            return Ok(Seq::new());
        } else {
            self.context_node(focus)?
        };
        let mut current = vec![start];
        let mut next = Vec::new();
        for step in &path.steps {
            let Step::Axis(step) = step else {
                unreachable!("eval_axis_path is only called on paths of axis steps");
            };
            next.clear();
            self.axis_step_from(current.iter().copied(), step, &mut next)?;
            std::mem::swap(&mut current, &mut next);
            if current.is_empty() {
                break;
            }
        }
        Ok(nodes_seq(current))
    }

    /// The nodes one axis step selects from each of `from` (in document order, without duplicates), into
    /// `out` in document order without duplicates: gathered as ids, then ordered once.
    fn axis_step_from(
        &mut self,
        from: impl Iterator<Item = NodeId>,
        step: &'a AxisStep,
        out: &mut Vec<NodeId>,
    ) -> Result<(), XPathError> {
        let mut several = false;
        for (index, node) in from.enumerate() {
            several = index > 0;
            self.axis_nodes(node, step, out)?;
        }
        if several && !out.is_sorted_by(|a, b| a < b) {
            out.sort_unstable();
            out.dedup();
        }
        Ok(())
    }

    /// [`Evaluator::filter`] on nodes.
    fn filter_nodes(
        &mut self,
        nodes: Vec<NodeId>,
        predicate: &'a Expr,
    ) -> Result<Vec<NodeId>, XPathError> {
        self.keep(nodes, predicate, |node| Cow::Owned(Item::Node(*node)))
    }

    /// The values a predicate keeps: by position for a numeric literal, else by the predicate's truth with
    /// each value's item (`as_item`) as the focus.
    fn keep<T>(
        &mut self,
        values: Vec<T>,
        predicate: &'a Expr,
        as_item: impl for<'x> Fn(&'x T) -> Cow<'x, Item>,
    ) -> Result<Vec<T>, XPathError> {
        if let Expr::Literal(literal) = predicate
            && let Some(number) = Num::of(literal)
        {
            return Ok(values
                .into_iter()
                .enumerate()
                .filter(|(index, _)| position_equals(number, index + 1))
                .map(|(_, value)| value)
                .collect());
        }
        let size = values.len();
        let mut kept = Vec::with_capacity(size);
        for (index, value) in values.into_iter().enumerate() {
            let item = as_item(&value);
            let focus = Focus {
                item: Some(&item),
                position: index + 1,
                size,
            };
            if self.eval_predicate(predicate, focus)? {
                kept.push(value);
            }
        }
        Ok(kept)
    }

    /// Collects the nodes of an axis that pass the node test, in document order or (for `reverse`) in
    /// reverse document order.
    fn collect_axis(
        &self,
        node: NodeId,
        axis: Axis,
        test: &NodeTest,
        reverse: bool,
        out: &mut Vec<NodeId>,
    ) {
        let doc = self.doc;
        let principal = if axis == Axis::Attribute {
            NodeKind::Attribute
        } else {
            NodeKind::Element
        };
        let accept = |candidate: NodeId| node_matches(doc, candidate, test, principal);
        match axis {
            Axis::Child => {
                if let NodeTest::Name { ns, local, id } = test {
                    if let Some(children) = doc.children_named(node, *id, ns, local) {
                        out.extend(children.iter().copied());
                        return;
                    }
                    if let Some(children) = doc.element_children_with_id(node, *id) {
                        out.extend(children);
                        return;
                    }
                }
                if element_only(test) {
                    out.extend(doc.element_children(node).filter(|&c| accept(c)));
                } else {
                    out.extend(doc.children(node).filter(|&c| accept(c)));
                }
            }
            Axis::Attribute => {
                if doc.kind(node) == NodeKind::Element {
                    out.extend(doc.attributes(node).filter(|&a| accept(a)));
                }
            }
            Axis::Itself => {
                if accept(node) {
                    out.push(node);
                }
            }
            Axis::Parent => {
                if let Some(parent) = doc.parent(node).filter(|&p| accept(p)) {
                    out.push(parent);
                }
            }
            Axis::Ancestor | Axis::AncestorOrSelf => {
                let start = if axis == Axis::AncestorOrSelf {
                    Some(node)
                } else {
                    doc.parent(node)
                };
                let mut chain: Vec<NodeId> = std::iter::successors(start, |&n| doc.parent(n))
                    .filter(|&n| accept(n))
                    .collect();
                if !reverse {
                    chain.reverse();
                }
                out.extend(chain);
            }
            Axis::Descendant | Axis::DescendantOrSelf => {
                if axis == Axis::DescendantOrSelf && accept(node) {
                    out.push(node);
                }
                if doc.kind(node) == NodeKind::Attribute {
                    return;
                }
                let end = doc.subtree_end(node);
                if let NodeTest::Name { ns, local, id } = test {
                    if let Some(id) = doc.expanded_for_test(*id, ns, local) {
                        let elements = doc.elements_with_name(id);
                        let from = elements.partition_point(|&e| e <= node);
                        let to = elements.partition_point(|&e| e.index() < end);
                        out.extend_from_slice(&elements[from..to]);
                    }
                    return;
                }
                for index in node.index() + 1..end {
                    if let Some(candidate) = doc.node(index)
                        && doc.kind(candidate) != NodeKind::Attribute
                        && accept(candidate)
                    {
                        out.push(candidate);
                    }
                }
            }
            Axis::FollowingSibling => {
                if doc.kind(node) == NodeKind::Attribute {
                    return;
                }
                out.extend(
                    std::iter::successors(doc.next_sibling(node), |&n| doc.next_sibling(n))
                        .filter(|&n| accept(n)),
                );
            }
            Axis::PrecedingSibling => {
                if doc.kind(node) == NodeKind::Attribute {
                    return;
                }
                let Some(parent) = doc.parent(node) else {
                    return;
                };
                let start = out.len();
                out.extend(
                    doc.children(parent)
                        .take_while(|&sibling| sibling != node)
                        .filter(|&sibling| accept(sibling)),
                );
                if reverse {
                    out[start..].reverse();
                }
            }
            Axis::Following => {
                let start = doc.subtree_end(node);
                if let NodeTest::Name { ns, local, id } = test {
                    if let Some(id) = doc.expanded_for_test(*id, ns, local) {
                        let elements = doc.elements_with_name(id);
                        let from = elements.partition_point(|&e| e.index() < start);
                        out.extend_from_slice(&elements[from..]);
                    }
                    return;
                }
                for index in start..doc.node_count() {
                    if let Some(candidate) = doc.node(index)
                        && doc.kind(candidate) != NodeKind::Attribute
                        && accept(candidate)
                    {
                        out.push(candidate);
                    }
                }
            }
            Axis::Preceding => {
                let start = out.len();
                if let NodeTest::Name { ns, local, id } = test {
                    if let Some(id) = doc.expanded_for_test(*id, ns, local) {
                        let elements = doc.elements_with_name(id);
                        let to = elements.partition_point(|&e| e < node);
                        out.extend(
                            elements[..to]
                                .iter()
                                .copied()
                                .filter(|&e| !doc.is_ancestor(e, node)),
                        );
                    }
                } else {
                    out.extend(
                        (1..node.index())
                            .filter_map(|index| doc.node(index))
                            .filter(|&candidate| {
                                doc.kind(candidate) != NodeKind::Attribute
                                    && !doc.is_ancestor(candidate, node)
                                    && accept(candidate)
                            }),
                    );
                }
                if reverse {
                    out[start..].reverse();
                }
            }
        }
    }

    /// Applies one predicate to a sequence (positions are 1-based in sequence order).
    pub(crate) fn filter(&mut self, items: Seq, predicate: &'a Expr) -> Result<Seq, XPathError> {
        self.keep(items.into_vec(), predicate, |item| Cow::Borrowed(item))
            .map(Seq::from)
    }

    /// A predicate's truth: a numeric value selects by position, anything else by effective boolean value.
    pub(crate) fn eval_predicate(
        &mut self,
        predicate: &'a Expr,
        focus: Focus<'_>,
    ) -> Result<bool, XPathError> {
        if predicate.is_surely_non_numeric() {
            return self.eval_bool(predicate, focus);
        }
        let items = self.eval(predicate, focus)?;
        if let [Item::Atomic(atomic)] = items.as_slice()
            && let Some(number) = Num::of(atomic)
        {
            return Ok(position_equals(number, focus.position));
        }
        effective_boolean_value(&items)
    }
}

/// Nodes as a sequence.
fn nodes_seq(nodes: Vec<NodeId>) -> Seq {
    match nodes.as_slice() {
        [] => Seq::new(),
        [node] => Seq::one(Item::Node(*node)),
        _ => Seq::Many(nodes.into_iter().map(Item::Node).collect()),
    }
}

/// Whether a node test on the child axis can only match elements.
fn element_only(test: &NodeTest) -> bool {
    matches!(
        test,
        NodeTest::Name { .. }
            | NodeTest::AnyName
            | NodeTest::NamespaceWildcard(_)
            | NodeTest::LocalWildcard(_)
            | NodeTest::Element(_)
    )
}

fn single_atom<'x>(doc: &'x Document, operand: &'x Operand<'_>) -> Option<Atom<'x>> {
    match operand {
        Operand::Literal(literal) => Some(Atom::Value(Cow::Borrowed(*literal))),
        Operand::Text(text) => Some(Atom::Text(Cow::Borrowed(text.as_ref()))),
        Operand::Items(items) if items.len() == 1 => Some(Atom::of(doc, &items[0])),
        Operand::Items(_) => None,
    }
}

fn operand_items<'x>(operand: &'x Operand<'_>) -> &'x [Item] {
    match operand {
        Operand::Items(items) => items,
        _ => &[],
    }
}

fn position_equals(number: Num, position: usize) -> bool {
    match number {
        Num::Int(value) => value == position as i64,
        Num::Dec(value) => value == rust_decimal::Decimal::from(position as u64),
        Num::Dbl(value) => value == position as f64,
    }
}

pub(crate) fn node_matches(
    doc: &Document,
    node: NodeId,
    test: &NodeTest,
    principal: NodeKind,
) -> bool {
    let kind = doc.kind(node);
    match test {
        NodeTest::Name { ns, local, id } => {
            kind == principal && doc.matches_name(node, *id, ns, local)
        }
        NodeTest::AnyName => kind == principal,
        NodeTest::NamespaceWildcard(ns) => kind == principal && doc.namespace_uri(node) == &**ns,
        NodeTest::LocalWildcard(local) => kind == principal && doc.local_name(node) == &**local,
        NodeTest::AnyNode => true,
        NodeTest::Text => kind == NodeKind::Text,
        NodeTest::Comment => kind == NodeKind::Comment,
        NodeTest::ProcessingInstruction(target) => {
            kind == NodeKind::ProcessingInstruction
                && target
                    .as_deref()
                    .is_none_or(|target| doc.local_name(node) == target)
        }
        NodeTest::Element(name) => {
            kind == NodeKind::Element
                && name
                    .as_ref()
                    .is_none_or(|(ns, local)| doc.has_name(node, ns, local))
        }
        NodeTest::Attribute(name) => {
            kind == NodeKind::Attribute
                && name
                    .as_ref()
                    .is_none_or(|(ns, local)| doc.has_name(node, ns, local))
        }
        NodeTest::Document => kind == NodeKind::Document,
    }
}

/// The result of a path step: nodes in document order without duplicates, or atomic values as produced.
fn normalize_step_result(items: Seq) -> Result<Seq, XPathError> {
    let mut nodes = Vec::with_capacity(items.len());
    for item in &items {
        if let Item::Node(node) = item {
            nodes.push(*node);
        }
    }
    if nodes.is_empty() {
        return Ok(items);
    }
    if nodes.len() != items.len() {
        return Err(XPathError::dynamic(
            "XPTY0018",
            "a path step returned both nodes and atomic values",
        ));
    }
    if nodes.windows(2).all(|pair| pair[0] < pair[1]) {
        return Ok(items);
    }
    nodes.sort_unstable();
    nodes.dedup();
    Ok(nodes.into_iter().map(Item::Node).collect())
}

//! Recursive-descent parser from XPath 2.0 tokens to the compiled [`Expr`] tree, resolving prefixes and
//! functions against the static context, plus the rewrite of `//name` into an indexed descendant step.

use foldhash::HashSet;
use std::sync::Arc;

use crate::ast::{Axis, AxisStep, Call, Expr, Function, NodeCmpOp, NodeTest, Path, Step};
use crate::context::Namespaces;
use crate::error::XPathError;
use crate::functions::{Builtin, FN_NAMESPACE, FunctionRegistry, Resolved, XS_NAMESPACE};
use crate::lexer::{Tok, Token, tokenize};
use crate::value::{ArithOp, Atomic, AtomicType, CmpOp, parse_decimal};
use crate::xregex;

pub(crate) fn parse(
    source: &str,
    namespaces: &Namespaces,
    functions: &FunctionRegistry,
) -> Result<Expr, XPathError> {
    let tokens = tokenize(source)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        namespaces,
        functions,
    };
    let expr = parser.expr()?;
    if parser.peek() != &Tok::Eof {
        return Err(parser.unexpected("end of expression"));
    }
    Ok(expr)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    namespaces: &'a Namespaces,
    functions: &'a FunctionRegistry,
}

const KIND_TESTS: [&str; 8] = [
    "node",
    "text",
    "comment",
    "processing-instruction",
    "element",
    "attribute",
    "document-node",
    "schema-element",
];

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.tokens[self.pos].tok
    }

    fn peek_at(&self, offset: usize) -> &Tok {
        let index = (self.pos + offset).min(self.tokens.len() - 1);
        &self.tokens[index].tok
    }

    fn position(&self) -> usize {
        self.tokens[self.pos].pos
    }

    fn advance(&mut self) -> Tok {
        let tok = self.tokens[self.pos].tok.clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        tok
    }

    fn unexpected(&self, expected: &str) -> XPathError {
        XPathError::syntax(
            self.position(),
            format!("expected {expected}, found {:?}", self.peek()),
        )
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), XPathError> {
        if self.peek() == &tok {
            self.advance();
            Ok(())
        } else {
            Err(self.unexpected(what))
        }
    }

    fn is_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Tok::Name { prefix: None, local } if local == word)
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        if self.is_keyword(word) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Expr, XPathError> {
        let first = self.expr_single()?;
        if self.peek() != &Tok::Comma {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.peek() == &Tok::Comma {
            self.advance();
            items.push(self.expr_single()?);
        }
        Ok(Expr::Sequence(items))
    }

    fn expr_single(&mut self) -> Result<Expr, XPathError> {
        let followed_by_dollar = self.peek_at(1) == &Tok::Dollar;
        if followed_by_dollar && self.is_keyword("for") {
            self.advance();
            let bindings = self.bindings("in")?;
            if !self.eat_keyword("return") {
                return Err(self.unexpected("`return`"));
            }
            let body = self.expr_single()?;
            return Ok(Expr::For {
                bindings,
                body: Box::new(body),
            });
        }
        if followed_by_dollar && (self.is_keyword("some") || self.is_keyword("every")) {
            let every = self.is_keyword("every");
            self.advance();
            let bindings = self.bindings("in")?;
            if !self.eat_keyword("satisfies") {
                return Err(self.unexpected("`satisfies`"));
            }
            let satisfies = self.expr_single()?;
            return Ok(Expr::Quantified {
                every,
                bindings,
                satisfies: Box::new(satisfies),
            });
        }
        if self.is_keyword("if") && self.peek_at(1) == &Tok::LParen {
            self.advance();
            self.advance();
            let condition = self.expr()?;
            self.expect(Tok::RParen, "`)`")?;
            if !self.eat_keyword("then") {
                return Err(self.unexpected("`then`"));
            }
            let then = self.expr_single()?;
            if !self.eat_keyword("else") {
                return Err(self.unexpected("`else`"));
            }
            let otherwise = self.expr_single()?;
            return Ok(Expr::If {
                condition: Box::new(condition),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            });
        }
        self.or_expr()
    }

    fn bindings(&mut self, keyword: &str) -> Result<Vec<(Box<str>, Expr)>, XPathError> {
        let mut bindings = Vec::new();
        loop {
            self.expect(Tok::Dollar, "`$`")?;
            let name = self.var_name()?;
            if !self.eat_keyword(keyword) {
                return Err(self.unexpected(&format!("`{keyword}`")));
            }
            let source = self.expr_single()?;
            bindings.push((name, source));
            if self.peek() != &Tok::Comma {
                return Ok(bindings);
            }
            self.advance();
        }
    }

    fn var_name(&mut self) -> Result<Box<str>, XPathError> {
        match self.advance() {
            Tok::Name {
                prefix: None,
                local,
            } => Ok(local.into()),
            Tok::Name {
                prefix: Some(prefix),
                local,
            } => Ok(format!("{prefix}:{local}").into()),
            _ => Err(XPathError::syntax(
                self.position(),
                "expected a variable name",
            )),
        }
    }

    fn or_expr(&mut self) -> Result<Expr, XPathError> {
        let mut left = self.and_expr()?;
        while self.eat_keyword("or") {
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, XPathError> {
        let mut left = self.comparison()?;
        while self.eat_keyword("and") {
            let right = self.comparison()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Expr, XPathError> {
        let left = self.range()?;
        enum Kind {
            General(CmpOp),
            Value(CmpOp),
            Node(NodeCmpOp),
        }
        let kind = match self.peek() {
            Tok::Eq => Kind::General(CmpOp::Eq),
            Tok::Ne => Kind::General(CmpOp::Ne),
            Tok::Lt => Kind::General(CmpOp::Lt),
            Tok::Le => Kind::General(CmpOp::Le),
            Tok::Gt => Kind::General(CmpOp::Gt),
            Tok::Ge => Kind::General(CmpOp::Ge),
            Tok::LtLt => Kind::Node(NodeCmpOp::Precedes),
            Tok::GtGt => Kind::Node(NodeCmpOp::Follows),
            Tok::Name {
                prefix: None,
                local,
            } => match local.as_str() {
                "eq" => Kind::Value(CmpOp::Eq),
                "ne" => Kind::Value(CmpOp::Ne),
                "lt" => Kind::Value(CmpOp::Lt),
                "le" => Kind::Value(CmpOp::Le),
                "gt" => Kind::Value(CmpOp::Gt),
                "ge" => Kind::Value(CmpOp::Ge),
                "is" => Kind::Node(NodeCmpOp::Is),
                _ => return Ok(left),
            },
            _ => return Ok(left),
        };
        self.advance();
        let right = Box::new(self.range()?);
        let left = Box::new(left);
        Ok(match kind {
            Kind::General(op) => Expr::GeneralCmp(op, left, right),
            Kind::Value(op) => Expr::ValueCmp(op, left, right),
            Kind::Node(op) => Expr::NodeCmp(op, left, right),
        })
    }

    fn range(&mut self) -> Result<Expr, XPathError> {
        let left = self.additive()?;
        if self.eat_keyword("to") {
            let right = self.additive()?;
            return Ok(Expr::Range(Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr, XPathError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => ArithOp::Add,
                Tok::Minus => ArithOp::Sub,
                _ => return Ok(left),
            };
            self.advance();
            let right = self.multiplicative()?;
            left = Expr::Arith(op, Box::new(left), Box::new(right));
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, XPathError> {
        let mut left = self.union()?;
        loop {
            let op = match self.peek() {
                Tok::Star => ArithOp::Mul,
                Tok::Name {
                    prefix: None,
                    local,
                } => match local.as_str() {
                    "div" => ArithOp::Div,
                    "idiv" => ArithOp::IDiv,
                    "mod" => ArithOp::Mod,
                    _ => return Ok(left),
                },
                _ => return Ok(left),
            };
            self.advance();
            let right = self.union()?;
            left = Expr::Arith(op, Box::new(left), Box::new(right));
        }
    }

    fn union(&mut self) -> Result<Expr, XPathError> {
        let first = self.intersect_except()?;
        let mut operands = vec![first];
        while self.peek() == &Tok::Pipe || self.is_keyword("union") {
            self.advance();
            operands.push(self.intersect_except()?);
        }
        if operands.len() == 1 {
            return Ok(operands.remove(0));
        }
        Ok(Expr::Union(operands))
    }

    fn intersect_except(&mut self) -> Result<Expr, XPathError> {
        let mut left = self.castable()?;
        loop {
            if self.eat_keyword("intersect") {
                let right = self.castable()?;
                left = Expr::Intersect(Box::new(left), Box::new(right));
            } else if self.eat_keyword("except") {
                let right = self.castable()?;
                left = Expr::Except(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn castable(&mut self) -> Result<Expr, XPathError> {
        let operand = self.cast()?;
        if self.is_keyword("instance") || self.is_keyword("treat") {
            return Err(XPathError::syntax(
                self.position(),
                "`instance of` and `treat as` are not supported",
            ));
        }
        if self.is_keyword("castable")
            && self.peek_at(1)
                == &(Tok::Name {
                    prefix: None,
                    local: "as".into(),
                })
        {
            self.advance();
            self.advance();
            let (target, optional) = self.single_type()?;
            return Ok(Expr::Castable {
                operand: Box::new(operand),
                target,
                optional,
            });
        }
        Ok(operand)
    }

    fn cast(&mut self) -> Result<Expr, XPathError> {
        let operand = self.unary()?;
        if self.is_keyword("cast")
            && self.peek_at(1)
                == &(Tok::Name {
                    prefix: None,
                    local: "as".into(),
                })
        {
            self.advance();
            self.advance();
            let (target, optional) = self.single_type()?;
            return Ok(Expr::Cast {
                operand: Box::new(operand),
                target,
                optional,
            });
        }
        Ok(operand)
    }

    fn single_type(&mut self) -> Result<(AtomicType, bool), XPathError> {
        let position = self.position();
        let Tok::Name { prefix, local } = self.advance() else {
            return Err(XPathError::syntax(position, "expected an atomic type name"));
        };
        let namespace = match &prefix {
            Some(prefix) => self.resolve_prefix(prefix, position)?,
            None => "",
        };
        if namespace != XS_NAMESPACE {
            return Err(XPathError::syntax(
                position,
                format!("unknown atomic type {local}"),
            ));
        }
        let target = AtomicType::from_local_name(&local).ok_or_else(|| {
            XPathError::syntax(position, format!("unsupported atomic type xs:{local}"))
        })?;
        let optional = self.peek() == &Tok::Question;
        if optional {
            self.advance();
        }
        Ok((target, optional))
    }

    fn resolve_prefix(&self, prefix: &str, position: usize) -> Result<&str, XPathError> {
        self.namespaces
            .get(prefix)
            .ok_or_else(|| XPathError::UnknownPrefix {
                prefix: prefix.to_owned(),
                position,
            })
    }

    fn unary(&mut self) -> Result<Expr, XPathError> {
        let mut negate = false;
        let mut signed = false;
        loop {
            match self.peek() {
                Tok::Minus => negate = !negate,
                Tok::Plus => {}
                _ => break,
            }
            signed = true;
            self.advance();
        }
        let operand = self.path()?;
        Ok(match (signed, negate) {
            (false, _) => operand,
            (true, true) => Expr::Negate(Box::new(operand)),
            (true, false) => Expr::UnaryPlus(Box::new(operand)),
        })
    }

    fn starts_step(&self) -> bool {
        matches!(
            self.peek(),
            Tok::Name { .. }
                | Tok::Star
                | Tok::PrefixWildcard(_)
                | Tok::LocalWildcard(_)
                | Tok::At
                | Tok::Dot
                | Tok::DotDot
                | Tok::LParen
                | Tok::Dollar
                | Tok::Str(_)
                | Tok::Integer(_)
                | Tok::Decimal(_)
                | Tok::Double(_)
        )
    }

    fn path(&mut self) -> Result<Expr, XPathError> {
        match self.peek() {
            Tok::Slash => {
                self.advance();
                let mut steps = Vec::new();
                if self.starts_step() {
                    self.relative_steps(&mut steps)?;
                }
                Ok(Expr::Path(Path {
                    absolute: true,
                    steps,
                    shared: None,
                }))
            }
            Tok::DoubleSlash => {
                self.advance();
                let mut steps = vec![descendant_or_self()];
                self.relative_steps(&mut steps)?;
                Ok(Expr::Path(Path {
                    absolute: true,
                    steps,
                    shared: None,
                }))
            }
            _ => {
                let mut steps = Vec::new();
                self.relative_steps(&mut steps)?;
                if steps.len() == 1
                    && let Step::Expr(_) = &steps[0]
                {
                    let Some(Step::Expr(expr)) = steps.pop() else {
                        unreachable!("checked above");
                    };
                    return Ok(expr);
                }
                Ok(Expr::Path(Path {
                    absolute: false,
                    steps,
                    shared: None,
                }))
            }
        }
    }

    fn relative_steps(&mut self, steps: &mut Vec<Step>) -> Result<(), XPathError> {
        steps.push(self.step()?);
        loop {
            match self.peek() {
                Tok::Slash => {
                    self.advance();
                }
                Tok::DoubleSlash => {
                    self.advance();
                    steps.push(descendant_or_self());
                }
                _ => return Ok(()),
            }
            steps.push(self.step()?);
        }
    }

    fn step(&mut self) -> Result<Step, XPathError> {
        let position = self.position();
        match self.peek().clone() {
            Tok::DotDot => {
                self.advance();
                let step = AxisStep {
                    axis: Axis::Parent,
                    test: NodeTest::AnyNode,
                    predicates: Vec::new(),
                };
                self.axis_predicates(step)
            }
            Tok::At => {
                self.advance();
                let test = self.node_test()?;
                self.axis_predicates(AxisStep {
                    axis: Axis::Attribute,
                    test,
                    predicates: Vec::new(),
                })
            }
            Tok::Name {
                prefix: None,
                local,
            } if self.peek_at(1) == &Tok::ColonColon => {
                let axis = Axis::from_name(&local).ok_or_else(|| {
                    XPathError::syntax(position, format!("unsupported axis {local}::"))
                })?;
                self.advance();
                self.advance();
                let test = self.node_test()?;
                self.axis_predicates(AxisStep {
                    axis,
                    test,
                    predicates: Vec::new(),
                })
            }
            Tok::Name { prefix, local } if self.peek_at(1) == &Tok::LParen => {
                if prefix.is_none() && KIND_TESTS.contains(&local.as_str()) {
                    let axis = if local == "attribute" {
                        Axis::Attribute
                    } else {
                        Axis::Child
                    };
                    let test = self.node_test()?;
                    return self.axis_predicates(AxisStep {
                        axis,
                        test,
                        predicates: Vec::new(),
                    });
                }
                let primary = self.function_call()?;
                self.filter(primary)
            }
            Tok::Name { .. } | Tok::Star | Tok::PrefixWildcard(_) | Tok::LocalWildcard(_) => {
                let test = self.node_test()?;
                self.axis_predicates(AxisStep {
                    axis: Axis::Child,
                    test,
                    predicates: Vec::new(),
                })
            }
            _ => {
                let primary = self.primary()?;
                self.filter(primary)
            }
        }
    }

    fn predicates(&mut self) -> Result<Vec<Expr>, XPathError> {
        let mut predicates = Vec::new();
        while self.peek() == &Tok::LBracket {
            self.advance();
            predicates.push(self.expr()?);
            self.expect(Tok::RBracket, "`]`")?;
        }
        Ok(predicates)
    }

    fn axis_predicates(&mut self, mut step: AxisStep) -> Result<Step, XPathError> {
        step.predicates = self.predicates()?;
        Ok(Step::Axis(step))
    }

    fn filter(&mut self, primary: Expr) -> Result<Step, XPathError> {
        let predicates = self.predicates()?;
        if predicates.is_empty() {
            return Ok(Step::Expr(primary));
        }
        Ok(Step::Expr(Expr::Filter {
            base: Box::new(primary),
            predicates,
        }))
    }

    fn node_test(&mut self) -> Result<NodeTest, XPathError> {
        let position = self.position();
        match self.advance() {
            Tok::Star => Ok(NodeTest::AnyName),
            Tok::PrefixWildcard(prefix) => Ok(NodeTest::NamespaceWildcard(
                self.resolve_prefix(&prefix, position)?.into(),
            )),
            Tok::LocalWildcard(local) => Ok(NodeTest::LocalWildcard(local.into())),
            Tok::Name { prefix, local } => {
                if prefix.is_none()
                    && self.peek() == &Tok::LParen
                    && KIND_TESTS.contains(&local.as_str())
                {
                    self.advance();
                    return self.kind_test(&local, position);
                }
                let ns = match &prefix {
                    Some(prefix) => self.resolve_prefix(prefix, position)?,
                    None => "",
                };
                let id = crate::names::intern(ns, &local);
                Ok(NodeTest::Name {
                    ns: ns.into(),
                    local: local.into(),
                    id,
                })
            }
            _ => Err(XPathError::syntax(position, "expected a node test")),
        }
    }

    fn kind_test(&mut self, kind: &str, position: usize) -> Result<NodeTest, XPathError> {
        let test = match kind {
            "node" => NodeTest::AnyNode,
            "text" => NodeTest::Text,
            "comment" => NodeTest::Comment,
            "document-node" => NodeTest::Document,
            "processing-instruction" => match self.peek().clone() {
                Tok::Name {
                    prefix: None,
                    local,
                }
                | Tok::Str(local) => {
                    self.advance();
                    NodeTest::ProcessingInstruction(Some(local.into()))
                }
                _ => NodeTest::ProcessingInstruction(None),
            },
            "element" | "attribute" => {
                let name = match self.peek().clone() {
                    Tok::Name { prefix, local } => {
                        self.advance();
                        let ns = match &prefix {
                            Some(prefix) => self.resolve_prefix(prefix, position)?,
                            None => "",
                        };
                        Some((ns.into(), local.into()))
                    }
                    Tok::Star => {
                        self.advance();
                        None
                    }
                    _ => None,
                };
                if kind == "element" {
                    NodeTest::Element(name)
                } else {
                    NodeTest::Attribute(name)
                }
            }
            other => {
                return Err(XPathError::syntax(
                    position,
                    format!("unsupported kind test {other}()"),
                ));
            }
        };
        self.expect(Tok::RParen, "`)`")?;
        Ok(test)
    }

    fn primary(&mut self) -> Result<Expr, XPathError> {
        let position = self.position();
        match self.advance() {
            Tok::Str(text) => Ok(Expr::Literal(Atomic::String(text))),
            Tok::Integer(text) => match text.parse::<i64>() {
                Ok(value) => Ok(Expr::Literal(Atomic::Integer(value))),
                Err(_) => parse_decimal(&text)
                    .map(|value| Expr::Literal(Atomic::Decimal(value)))
                    .ok_or_else(|| XPathError::syntax(position, "integer literal out of range")),
            },
            Tok::Decimal(text) => parse_decimal(&text)
                .map(|value| Expr::Literal(Atomic::Decimal(value)))
                .ok_or_else(|| XPathError::syntax(position, "invalid decimal literal")),
            Tok::Double(text) => text
                .parse::<f64>()
                .map(|value| Expr::Literal(Atomic::Double(value)))
                .map_err(|_| XPathError::syntax(position, "invalid double literal")),
            Tok::Dollar => Ok(Expr::Var(self.var_name()?)),
            Tok::Dot => Ok(Expr::ContextItem),
            Tok::LParen => {
                if self.peek() == &Tok::RParen {
                    self.advance();
                    return Ok(Expr::Sequence(Vec::new()));
                }
                let inner = self.expr()?;
                self.expect(Tok::RParen, "`)`")?;
                Ok(inner)
            }
            _ => Err(XPathError::syntax(position, "expected an expression")),
        }
    }

    fn function_call(&mut self) -> Result<Expr, XPathError> {
        let position = self.position();
        let Tok::Name { prefix, local } = self.advance() else {
            return Err(XPathError::syntax(position, "expected a function name"));
        };
        self.expect(Tok::LParen, "`(`")?;
        let mut args = Vec::new();
        if self.peek() != &Tok::RParen {
            loop {
                args.push(self.expr_single()?);
                if self.peek() != &Tok::Comma {
                    break;
                }
                self.advance();
            }
        }
        self.expect(Tok::RParen, "`)`")?;
        let namespace = match &prefix {
            Some(prefix) => self.resolve_prefix(prefix, position)?.to_owned(),
            None => FN_NAMESPACE.to_owned(),
        };
        let written = match &prefix {
            Some(prefix) => format!("{prefix}:{local}"),
            None => local.clone(),
        };
        let unknown = || XPathError::UnknownFunction {
            name: written.clone(),
            arity: args.len(),
            position,
        };
        if namespace == XS_NAMESPACE {
            let target = AtomicType::from_local_name(&local).ok_or_else(unknown)?;
            if args.len() != 1 {
                return Err(unknown());
            }
            let operand = Box::new(args.remove(0));
            return Ok(Expr::Cast {
                operand,
                target,
                optional: true,
            });
        }
        let function = match self.functions.resolve(&namespace, &local, args.len()) {
            Some(Resolved::Builtin(builtin)) => Function::Builtin(builtin),
            Some(Resolved::Native(native)) => Function::Native(native),
            None => return Err(unknown()),
        };
        let regex = match (
            &function,
            args.get(1),
            args.get(if local == "matches" { 2 } else { 3 }),
        ) {
            (
                Function::Builtin(Builtin::Matches | Builtin::Replace | Builtin::Tokenize),
                Some(Expr::Literal(Atomic::String(pattern))),
                flags,
            ) => {
                let flags = match flags {
                    None => Some(""),
                    Some(Expr::Literal(Atomic::String(flags))) => Some(flags.as_str()),
                    Some(_) => None,
                };
                match flags {
                    Some(flags) => Some(Arc::new(
                        xregex::compile(pattern, flags)
                            .map_err(|error| XPathError::syntax(position, error.to_string()))?,
                    )),
                    None => None,
                }
            }
            _ => None,
        };
        let tokens = match (&function, args.as_slice()) {
            (
                Function::Builtin(Builtin::Contains),
                [Expr::Literal(Atomic::String(list)), Expr::Call(concat)],
            ) => code_list_tokens(list, concat),
            _ => None,
        };
        Ok(Expr::Call(Call {
            function,
            args,
            regex,
            tokens,
        }))
    }
}

/// The tokens of `' A B C '` when a call is `contains(' A B C ', concat(' ', x, ' '))`: for an `x` without
/// spaces that call is true exactly when `x` is one of the tokens.
fn code_list_tokens(list: &str, concat: &Call) -> Option<Arc<HashSet<Box<str>>>> {
    let space = |expr: &Expr| matches!(expr, Expr::Literal(Atomic::String(text)) if text == " ");
    let is_concat = matches!(concat.function, Function::Builtin(Builtin::Concat))
        && concat.args.len() == 3
        && space(&concat.args[0])
        && space(&concat.args[2]);
    if !is_concat || list.len() < 64 || !list.starts_with(' ') || !list.ends_with(' ') {
        return None;
    }
    let pieces: Vec<&str> = list.split(' ').collect();
    let tokens = pieces[1..pieces.len() - 1]
        .iter()
        .filter(|token| !token.is_empty())
        .map(|&token| token.into());
    Some(Arc::new(tokens.collect()))
}

fn descendant_or_self() -> Step {
    Step::Axis(AxisStep {
        axis: Axis::DescendantOrSelf,
        test: NodeTest::AnyNode,
        predicates: Vec::new(),
    })
}

/// Rewrites `descendant-or-self::node()/child::T[p]` into `descendant::T[p]` when no predicate can be
/// positional, so that `//name` uses the document's element-name index; applied recursively.
pub(crate) fn optimize(expr: &mut Expr) {
    match expr {
        Expr::Path(path) => optimize_path(path),
        other => other.for_each_child_mut(&mut optimize),
    }
}

pub(crate) fn optimize_step_predicates(step: &mut Step) {
    match step {
        Step::Axis(axis_step) => axis_step.predicates.iter_mut().for_each(optimize),
        Step::Expr(expr) => optimize(expr),
    }
}

fn optimize_path(path: &mut Path) {
    path.steps.iter_mut().for_each(optimize_step_predicates);
    let mut index = 0;
    while index + 1 < path.steps.len() {
        let merge = matches!(
            (&path.steps[index], &path.steps[index + 1]),
            (
                Step::Axis(AxisStep { axis: Axis::DescendantOrSelf, test: NodeTest::AnyNode, predicates: first }),
                Step::Axis(AxisStep { axis: Axis::Child, predicates, .. }),
            ) if first.is_empty()
                && predicates.iter().all(|p| p.is_surely_non_numeric() && !p.uses_position())
        );
        if merge {
            path.steps.remove(index);
            if let Step::Axis(step) = &mut path.steps[index] {
                step.axis = Axis::Descendant;
            }
        } else if is_descendant_or_self(&path.steps[index])
            && let Step::Expr(Expr::Union(items)) = &path.steps[index + 1]
            && items.iter().all(starts_with_plain_child_step)
        {
            path.steps.remove(index);
            if let Step::Expr(Expr::Union(items)) = &mut path.steps[index] {
                for item in items {
                    if let Expr::Path(item_path) = item
                        && let Some(Step::Axis(first)) = item_path.steps.first_mut()
                    {
                        first.axis = Axis::Descendant;
                    }
                }
            }
        }
        index += 1;
    }
}

fn is_descendant_or_self(step: &Step) -> bool {
    matches!(
        step,
        Step::Axis(AxisStep { axis: Axis::DescendantOrSelf, test: NodeTest::AnyNode, predicates }) if predicates.is_empty()
    )
}

/// `child::T[p]/...` with no positional predicate on the first step (so `//(a | b)` can become
/// `(descendant::a | descendant::b)`).
fn starts_with_plain_child_step(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Path(Path { absolute: false, steps, .. }) if matches!(
            steps.first(),
            Some(Step::Axis(AxisStep { axis: Axis::Child, predicates, .. }))
                if predicates.iter().all(|p| p.is_surely_non_numeric() && !p.uses_position())
        )
    )
}

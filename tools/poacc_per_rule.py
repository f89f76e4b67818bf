#!/usr/bin/env python3
"""Generate and verify `shared/cie-rules/tests/rules/per_rule_poacc.tsv`: one failing case (or a reasoned
`unreachable` row) for every assert id of the official Peppol BIS post-award Schematron rule sets (OpenPeppol
release 2026.5: T01, T76, T110, T114, T115, T116, T16, T111).

The table has the syntax of `per_rule.tsv` (see the module doc of `per_rule.rs`): `base`, `fail` and
`unreachable` rows, an edit being `op TEXT` or `op TEXT => NEW` (`replace`, `insert-before`, `insert-after`,
`delete`, `delete-element`, optionally `op@n` for the n-th occurrence). The edits are applied here exactly as the
Rust test applies them (`Edit.apply` and `element_end` below mirror `per_rule.rs`).

How the rows come about:

1. The rule sources are read from the phive-rules git mirror (HEAD): the Schematron (`PEPPOLBIS-<T>.sch`) for
   the list of asserts (id, flag, context, test, pattern and rule position) and the official compiled XSLT
   (`PEPPOLBIS-<T>.xslt`), which alone decides what fires (run with saxonche; SVRL failed-assert id + flag).
2. Automatic proposals for the common shapes of the generated "B" pattern (element or attribute must be
   provided, code-list membership of a value or an attribute, fixed values, "MUST NOT contain elements not part
   of the data model" catch-all rules, schema location) and of the PEPPOL-COMMON pattern (empty elements, date
   format, identifier schemes). The edit is made on an occurrence of the context element in an official
   example of the transaction (the main example first, then the others, fewest edits first); when no example
   has the context element, the missing chain of elements is inserted under its deepest existing ancestor, at
   the place the Schematron's data-model order (which follows the UBL schema order) gives.
3. Hand-written rows for the business rules (R-series etc.) come from `tools/poacc-per-rule-manual.tsv`
   (same row syntax, one transaction key per row or a list); a manual row replaces the automatic proposal for
   its (transaction, id).
4. Every `fail` row is verified with the official XSLT: the id must fire with its official flag on the edited
   document and must not fire on the unedited base. A proposal that does not verify is never written as a
   `fail` row; rules whose context can never be reached (an earlier rule of the same pattern takes every node
   the context matches: first-match semantics) become `unreachable` with the reason and the proposal as probe.
   Anything else left over is reported (exit status 1) for a manual row.
5. As in the Rust test, an `unreachable` id must not fire on any document of the table (bases, cases, probes)
   of its transaction.

Rows of PEPPOL-COMMON-* ids with the same edits on every transaction's `example` base are merged into one row
listing those transactions.

Usage: `python3 tools/poacc_per_rule.py [--check] [--mirror DIR] [--only t01,t16] [-v]`
(`--check` verifies the existing table instead of writing it). Needs `pip install saxonche lxml`.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
TABLE = REPO / "shared" / "cie-rules" / "tests" / "rules" / "per_rule_poacc.tsv"
MANUAL = REPO / "tools" / "poacc-per-rule-manual.tsv"
MIRROR = Path("/work/.mirror/phax+phive-rules/repo")
RELEASE = "2026.5"
SCH_PATH = "phive-rules-peppol/src/test/resources/external/rule-source/openpeppol/{release}/PEPPOLBIS-{code}.sch"
XSLT_PATH = (
    "phive-rules-peppol/src/main/resources/external/schematron/openpeppol/{release}/xslt/PEPPOLBIS-{code}.xslt"
)
EXAMPLE_FOLDERS = ["order", "despatch", "invoice-response"]

SCH_NS = "http://purl.oclc.org/dsdl/schematron"
SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"


@dataclass
class Transaction:
    key: str
    code: str
    root: str
    trns: str
    example: str


TRANSACTIONS = [
    Transaction("t01", "T01", "Order", "order", "order/order-example.xml"),
    Transaction("t76", "T76", "OrderResponse", "order_response", "order/order-response-example.xml"),
    Transaction("t110", "T110", "OrderResponse", "order_agreement", "order/order-agreement-example.xml"),
    Transaction("t114", "T114", "OrderChange", "order_change", "order/order-change-example.xml"),
    Transaction("t115", "T115", "OrderCancellation", "order_cancellation", "order/order-cancellation-example.xml"),
    Transaction(
        "t116", "T116", "OrderResponse", "order_response_advanced", "order/order-response-advanced-example.xml"
    ),
    Transaction("t16", "T16", "DespatchAdvice", "despatch_advice", "despatch/despatch-advice-example.xml"),
    Transaction(
        "t111", "T111", "ApplicationResponse", "invoice_response", "invoice-response/invoice-response-example.xml"
    ),
]
BY_KEY = {t.key: t for t in TRANSACTIONS}
KEYS = [t.key for t in TRANSACTIONS]

# An invalid code / value used by the automatic proposals.
BAD = "INVALID"


# ---------------------------------------------------------------------------------------------------------------
# Edits, exactly as per_rule.rs applies them.


class EditError(Exception):
    pass


@dataclass
class Edit:
    op: str  # replace, insert-before, insert-after, delete, delete-element
    target: str
    new: str | None = None
    occurrence: int = 1

    @staticmethod
    def parse(text: str) -> "Edit":
        if " " not in text:
            raise EditError(f"edit without text: {text!r}")
        op, rest = text.split(" ", 1)
        occurrence = 1
        if "@" in op:
            op, n = op.split("@", 1)
            if not n.isdigit() or int(n) == 0:
                raise EditError(f"bad occurrence in {text!r}")
            occurrence = int(n)
        if " => " in rest:
            target, new = rest.split(" => ", 1)
        else:
            target, new = rest, None
        if op in ("replace", "insert-before", "insert-after") and new is not None:
            pass
        elif op in ("delete", "delete-element") and new is None:
            pass
        else:
            raise EditError(f"unknown edit {text!r}")
        if not target:
            raise EditError(f"edit with empty text: {text!r}")
        return Edit(op, target, new, occurrence)

    def render(self) -> str:
        op = self.op if self.occurrence == 1 else f"{self.op}@{self.occurrence}"
        return f"{op} {self.target}" + ("" if self.new is None else f" => {self.new}")

    def apply(self, xml: str) -> str:
        start = nth_match(xml, self.target, self.occurrence)
        if start is None:
            raise EditError(f"occurrence {self.occurrence} of {self.target!r} not found")
        end = start + len(self.target)
        if self.op == "replace":
            frm, to, new = start, end, self.new
        elif self.op == "insert-before":
            frm, to, new = start, start, self.new
        elif self.op == "insert-after":
            frm, to, new = end, end, self.new
        elif self.op == "delete":
            frm, to, new = start, end, ""
        else:
            frm, to, new = start, element_end(xml, start), ""
        return xml[:frm] + new + xml[to:]


def match_starts(xml: str, target: str) -> list[int]:
    """Non-overlapping matches from the left, like Rust's `str::match_indices`."""
    out, at = [], 0
    while True:
        index = xml.find(target, at)
        if index < 0:
            return out
        out.append(index)
        at = index + len(target)


def nth_match(xml: str, target: str, n: int) -> int | None:
    at, seen = 0, 0
    while True:
        index = xml.find(target, at)
        if index < 0:
            return None
        seen += 1
        if seen == n:
            return index
        at = index + len(target)


def element_end(xml: str, start: int) -> int:
    """The end (exclusive) of the element whose start tag begins at `start` (per_rule.rs `element_end`)."""
    tag = xml[start:]
    m = re.search(r"[\s>/]", tag[1:])
    if m is None:
        raise EditError(f"no element starts at {tag[:40]!r}")
    name_len = m.start()
    name = tag[1 : name_len + 1]
    opn, close = f"<{name}", f"</{name}>"
    depth, at = 0, start
    while True:
        no = xml.find(opn, at)
        nc = xml.find(close, at)
        if nc < 0:
            raise EditError(f"{name} is never closed")
        if no >= 0 and no < nc:
            after = xml[no + len(opn) :]
            tag_end = after.find(">")
            if tag_end < 0:
                raise EditError("unterminated tag")
            same = bool(after) and (after[0].isspace() or after[0] in ">/")
            if same:
                if after[:tag_end].endswith("/"):
                    if depth == 0:
                        return no + len(opn) + tag_end + 1
                else:
                    depth += 1
            at = no + len(opn)
        else:
            if depth == 0:
                raise EditError("unbalanced end tag")
            depth -= 1
            at = nc + len(close)
            if depth == 0:
                return at


# ---------------------------------------------------------------------------------------------------------------
# Documents: the text with the offsets of every element, mapped to the lxml tree.

TOKEN = re.compile(
    r"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|<!DOCTYPE[^>]*>"
    r"|<(/?)([^\s/>!?]+)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>",
    re.S,
)


@dataclass(eq=False)
class Elem:
    qname: str  # as written
    start: int
    tag_end: int  # end of the start tag
    close_start: int  # start of the end tag (== tag_end for <x/>)
    end: int
    parent: "Elem | None"
    children: list = field(default_factory=list)
    clark: str = ""
    path: tuple = ()
    node: object = None


class Doc:
    def __init__(self, text: str):
        self.text = text
        self.elems: list[Elem] = []
        stack: list[Elem] = []
        for m in TOKEN.finditer(text):
            if m.group(2) is None:
                continue
            closing, name, _, selfclose = m.group(1), m.group(2), m.group(3), m.group(4)
            if closing:
                e = stack.pop()
                assert e.qname == name, (e.qname, name)
                e.close_start, e.end = m.start(), m.end()
            else:
                parent = stack[-1] if stack else None
                e = Elem(name, m.start(), m.end(), m.end(), m.end(), parent)
                if parent:
                    parent.children.append(e)
                self.elems.append(e)
                if not selfclose:
                    stack.append(e)
        self.root_node = etree.fromstring(text.encode("utf-8"))
        nodes = [n for n in self.root_node.iter() if isinstance(n.tag, str)]
        assert len(nodes) == len(self.elems)
        for e, n in zip(self.elems, nodes):
            e.node, e.clark = n, n.tag
            e.path = (e.parent.path if e.parent else ()) + (n.tag,)
        self.root = self.elems[0]

    def find(self, path: tuple) -> list[Elem]:
        out = []
        for e in self.elems:
            if len(e.path) == len(path) and all(p == "*" or p == q for p, q in zip(path, e.path)):
                out.append(e)
        return out

    def full(self, e: Elem) -> str:
        return self.text[e.start : e.end]

    def start_tag(self, e: Elem) -> str:
        return self.text[e.start : e.tag_end]

    def close_tag(self, e: Elem) -> str:
        return self.text[e.close_start : e.end]

    def inner(self, e: Elem) -> str:
        return self.text[e.tag_end : e.close_start]

    def is_simple_leaf(self, e: Elem) -> bool:
        full = self.full(e)
        return not e.children and "<" not in self.inner(e) and clean(full) and len(full) <= 200


def clean(text: str) -> bool:
    return "\t" not in text and "\n" not in text and "\r" not in text and " => " not in text


# ---------------------------------------------------------------------------------------------------------------
# Cases: a base and edits, built step by step on the current text.


@dataclass
class Case:
    base: str  # base name
    file: str  # file under tests/fixtures
    original: str
    text: str = ""
    edits: list = field(default_factory=list)
    note: str = ""

    def __post_init__(self):
        if not self.text:
            self.text = self.original

    def copy(self) -> "Case":
        return Case(self.base, self.file, self.original, self.text, list(self.edits), self.note)

    def doc(self) -> Doc:
        return Doc(self.text)

    def add(self, op: str, target: str, new: str | None, at: int) -> "Case":
        """Adds the edit whose TEXT starts at `at` in the current text."""
        if not clean(target) or (new is not None and ("\t" in new or "\n" in new or "\r" in new)):
            raise EditError(f"unclean edit text {target!r}")
        if target not in self.original:
            raise EditError(f"{target!r} is not in the base")
        starts = match_starts(self.text, target)
        if at not in starts:
            raise EditError(f"{target!r} at {at} overlaps an earlier occurrence")
        edit = Edit(op, target, new, starts.index(at) + 1)
        self.text = edit.apply(self.text)
        self.edits.append(edit)
        return self

    def apply_all(self) -> str:
        text = self.original
        for edit in self.edits:
            text = edit.apply(text)
        return text

    def columns(self) -> list[str]:
        return [self.base] + [edit.render() for edit in self.edits]


def set_text(case: Case, doc: Doc, e: Elem, value: str) -> Case:
    if doc.is_simple_leaf(e):
        full = doc.full(e)
        if e.tag_end == e.end:  # <x/>
            tag = full[:-2].rstrip()
            return case.add("replace", full, f"{tag}>{value}</{e.qname}>", e.start)
        return case.add("replace", full, doc.start_tag(e) + value + doc.close_tag(e), e.start)
    raise EditError(f"{e.qname} is not a simple leaf")


ATTR = r'\s+{}\s*=\s*("[^"]*"|\'[^\']*\')'


def set_attr(case: Case, doc: Doc, e: Elem, name: str, value: str | None) -> Case:
    tag = doc.start_tag(e)
    if not clean(tag):
        # A start tag over several lines: edit the attribute itself (it must be there).
        m = re.search(ATTR.format(re.escape(name)), tag)
        if m is None:
            raise EditError(f"start tag of {e.qname} spans lines")
        text = m.group(0).lstrip()
        at = e.start + m.end() - len(text)
        if not clean(text):
            raise EditError(f"attribute {name} spans lines")
        if value is None:
            return case.add("delete", text, None, at)
        return case.add("replace", text, f'{name}="{value}"', at)
    new = re.sub(ATTR.format(re.escape(name)), "", tag)
    if value is not None:
        cut = len(new) - (2 if new.endswith("/>") else 1)
        new = new[:cut] + f' {name}="{value}"' + new[cut:]
    if new == tag:
        raise EditError("nothing to change")
    return case.add("replace", tag, new, e.start)


def delete_elem(case: Case, doc: Doc, e: Elem) -> Case:
    if doc.is_simple_leaf(e):
        return case.add("delete", doc.full(e), None, e.start)
    tag = doc.start_tag(e)
    if not clean(tag):
        raise EditError(f"start tag of {e.qname} spans lines")
    return case.add("delete-element", tag, None, e.start)


def insert_after_elem(case: Case, doc: Doc, e: Elem, snippet: str) -> Case:
    if doc.is_simple_leaf(e):
        return case.add("insert-after", doc.full(e), snippet, e.start)
    if e.tag_end == e.end:
        return case.add("insert-after", doc.start_tag(e), snippet, e.start)
    return case.add("insert-after", doc.close_tag(e), snippet, e.close_start)


def insert_child(case: Case, doc: Doc, parent: Elem, snippet: str, clark: str, order: list[str]) -> Case:
    """Inserts `snippet` (an element named `clark`) as a child of `parent`, after the last child that the
    data-model order puts before it."""
    rank = order.index(clark) if clark in order else -1
    before = None
    if rank >= 0:
        for child in parent.children:
            if child.clark in order and order.index(child.clark) < rank:
                before = child
    if before is not None:
        return insert_after_elem(case, doc, before, snippet)
    if parent.tag_end != parent.end and clean(doc.start_tag(parent)):
        return case.add("insert-after", doc.start_tag(parent), snippet, parent.start)
    if parent.children:
        first = parent.children[0]
        target = doc.full(first) if doc.is_simple_leaf(first) else doc.start_tag(first)
        return case.add("insert-before", target, snippet, first.start)
    raise EditError(f"cannot insert into {parent.qname}")


# ---------------------------------------------------------------------------------------------------------------
# Rule sets.


@dataclass
class Assert:
    id: str
    flag: str
    test: str
    message: str
    rule: "Rule"


@dataclass
class Rule:
    context: str
    pattern: int
    index: int  # position in the pattern
    asserts: list
    path: tuple | None = None  # simple absolute path (clark names, '*' wildcard) when the context is one


@dataclass
class RuleSet:
    transaction: Transaction
    sch: str
    xslt: str
    ns: dict
    patterns: list  # list of list of Rule
    asserts: list  # all asserts in document order
    lets: dict  # name -> value (pattern lets)

    def order(self, parent: tuple) -> list[str]:
        """The children of `parent` in data-model order (the order of the B pattern's rules)."""
        out: list[str] = []
        for rule in self.patterns[2]:
            if rule.path and len(rule.path) == len(parent) + 1 and rule.path[:-1] == parent:
                if rule.path[-1] != "*" and rule.path[-1] not in out:
                    out.append(rule.path[-1])
        return out


def git_show(mirror: Path, path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(mirror), "show", f"HEAD:{path}"], check=True, capture_output=True
    ).stdout.decode("utf-8")


def clark_of(qname: str, ns: dict) -> str:
    prefix, local = qname.split(":")
    return "{%s}%s" % (ns[prefix], local)


def parse_path(context: str, ns: dict) -> tuple | None:
    if not re.fullmatch(r"(/\w+:\w+)+(/\*)?", context.strip()):
        return None
    steps = context.strip().split("/")[1:]
    return tuple("*" if s == "*" else clark_of(s, ns) for s in steps)


def load_rules(mirror: Path, t: Transaction) -> RuleSet:
    sch = git_show(mirror, SCH_PATH.format(release=RELEASE, code=t.code))
    xslt = git_show(mirror, XSLT_PATH.format(release=RELEASE, code=t.code))
    tree = etree.fromstring(sch.encode("utf-8"))
    ns = {n.get("prefix"): n.get("uri") for n in tree.iter("{%s}ns" % SCH_NS)}
    patterns, asserts, lets = [], [], {}
    for pi, p in enumerate(tree.findall("{%s}pattern" % SCH_NS)):
        rules = []
        for let in p.findall("{%s}let" % SCH_NS):
            lets[let.get("name")] = let.get("value")
        for ri, r in enumerate(p.findall("{%s}rule" % SCH_NS)):
            rule = Rule(r.get("context"), pi, ri, [], parse_path(r.get("context"), ns))
            for a in r.findall("{%s}assert" % SCH_NS):
                msg = " ".join("".join(a.itertext()).split())
                item = Assert(a.get("id"), a.get("flag"), a.get("test"), msg, rule)
                rule.asserts.append(item)
                asserts.append(item)
            rules.append(rule)
        patterns.append(rules)
    return RuleSet(t, sch, xslt, ns, patterns, asserts, lets)


# ---------------------------------------------------------------------------------------------------------------
# The official validator.

_PROC = None


def processor():
    global _PROC
    if _PROC is None:
        _PROC = PySaxonProcessor(license=False)
    return _PROC


class Validator:
    def __init__(self, xslt: str):
        proc = processor()
        self.exe = proc.new_xslt30_processor().compile_stylesheet(stylesheet_text=xslt)
        self.cache: dict[str, frozenset | None] = {}

    def run(self, xml: str) -> frozenset | None:
        """The (id, flag) pairs of the failed asserts; None when the document is not well-formed or the
        stylesheet raises a dynamic error."""
        key = hashlib.sha1(xml.encode("utf-8")).hexdigest()
        if key in self.cache:
            return self.cache[key]
        try:
            etree.fromstring(xml.encode("utf-8"))
            node = processor().parse_xml(xml_text=xml)
            out = self.exe.transform_to_string(xdm_node=node)
            svrl = etree.fromstring(out.encode("utf-8"))
            result = frozenset(
                (f.get("id"), f.get("flag")) for f in svrl.iter("{%s}failed-assert" % SVRL_NS)
            )
        except Exception:  # noqa: BLE001 - any failure means "no verdict"
            result = None
        self.cache[key] = result
        return result


# ---------------------------------------------------------------------------------------------------------------
# Bases.


def detect(text: str) -> str | None:
    root = etree.fromstring(text.encode("utf-8"))
    local = etree.QName(root).localname
    cust = root.find("{%s}CustomizationID" % CBC)
    if cust is None or not (cust.text or "").strip().startswith("urn:fdc:peppol.eu:poacc:trns:"):
        return None
    name = cust.text.strip()[len("urn:fdc:peppol.eu:poacc:trns:") :].split(":")[0]
    for t in TRANSACTIONS:
        if t.root == local and t.trns == name:
            return t.key
    return None


@dataclass
class Base:
    name: str
    key: str
    file: str
    text: str


def load_bases() -> dict[str, list[Base]]:
    """Per transaction, its examples: the main example (named `example`) first."""
    out: dict[str, list[Base]] = {t.key: [] for t in TRANSACTIONS}
    for folder in EXAMPLE_FOLDERS:
        for path in sorted((FIXTURES / folder).glob("*.xml")):
            text = path.read_text(encoding="utf-8")
            key = detect(text)
            if key is None:
                continue
            rel = f"{folder}/{path.name}"
            name = "example" if rel == BY_KEY[key].example else path.stem
            out[key].append(Base(name, key, rel, text))
    for key in out:
        out[key].sort(key=lambda b: (b.name != "example", b.file))
        assert out[key] and out[key][0].name == "example", key
    return out


# ---------------------------------------------------------------------------------------------------------------
# Automatic proposals.

PREFIX = {CBC: "cbc", CAC: "cac"}


def qname_of(clark: str) -> str:
    ns, local = clark[1:].split("}")
    return f"{PREFIX[ns]}:{local}"


def nest(path: tuple, inner: str, attrs: str = "") -> str:
    """`<a><b attrs>inner</b></a>` for the (clark) path."""
    names = [qname_of(c) for c in path]
    out = f"<{names[-1]}{attrs}>{inner}</{names[-1]}>"
    for name in reversed(names[:-1]):
        out = f"<{name}>{out}</{name}>"
    return out


def chain_cases(rs: RuleSet, base: Base, path: tuple, inner: str, attrs: str = "", limit: int = 2) -> list:
    """Cases inserting the missing part of `path` (ending in an element with `attrs` and `inner`) under the
    deepest existing ancestor."""
    doc = Doc(base.text)
    for k in range(len(path) - 1, 0, -1):
        parents = doc.find(path[:k])
        if parents:
            break
    else:
        return []
    snippet = nest(path[k:], inner, attrs)
    out = []
    for parent in parents[:limit]:
        case = Case(base.name, base.file, base.text, note=f"inserted {'/'.join(map(qname_of, path[k:]))}")
        try:
            out.append(insert_child(case, doc, parent, snippet, path[k], rs.order(path[:k])))
        except EditError:
            pass
    return out


def occurrence_cases(rs: RuleSet, bases: list, path: tuple, mutate, inner: str, attrs: str = "") -> list:
    """For each base: `mutate(case, doc, elem)` on each occurrence of `path`; when no base has one, the chain
    insertion. Sorted by number of edits (stable: main example and first occurrences first)."""
    found = []
    for bi, base in enumerate(bases):
        doc = Doc(base.text)
        for oi, e in enumerate(doc.find(path)):
            case = Case(base.name, base.file, base.text)
            try:
                mutate(case, doc, e)
            except EditError:
                continue
            if case.edits:
                found.append((len(case.edits), bi, oi, case))
    if not found:
        for bi, base in enumerate(bases):
            for oi, case in enumerate(chain_cases(rs, base, path, inner, attrs)):
                found.append((len(case.edits), bi, oi, case))
    found.sort(key=lambda item: item[:3])
    return [item[3] for item in found]


def delete_children(clark: str):
    def mutate(case: Case, doc: Doc, e: Elem):
        count = sum(1 for c in e.children if c.clark == clark)
        if count == 0:
            raise EditError("no such child")
        # Delete them one by one, each on the current text.
        for _ in range(count):
            cur = Doc(case.text)
            target = next(x for x in cur.elems if x.start >= e.start and x.path == e.path)
            child = next(c for c in target.children if c.clark == clark)
            delete_elem(case, cur, child)
    return mutate


def mutate_attr(name: str, value: str | None, need: bool):
    def mutate(case: Case, doc: Doc, e: Elem):
        if need and name not in e.node.attrib:
            raise EditError("no attribute")
        set_attr(case, doc, e, name, value)
    return mutate


def mutate_text(value: str):
    def mutate(case: Case, doc: Doc, e: Elem):
        set_text(case, doc, e, value)
    return mutate


# Children tried for "not part of the data model" (the first one the pattern's earlier rules do not take).
STRAY = ["cbc:UUID", "cbc:Note", "cbc:Description", "cbc:Name", "cbc:ID", "cac:Signature"]


def taken(rs: RuleSet, rule: Rule, path: tuple) -> bool:
    """Whether a rule of `rule`'s pattern before it takes an element at `path` (simple paths only)."""
    for other in rs.patterns[rule.pattern][: rule.index]:
        if other.path and len(other.path) == len(path):
            if all(p == "*" or p == q for p, q in zip(other.path, path)):
                return True
    return False


def shadowing_rule(rs: RuleSet, rule: Rule) -> Rule | None:
    """An earlier rule of the pattern whose context takes every element of this rule's context."""
    if not rule.path:
        return None
    for other in rs.patterns[rule.pattern][: rule.index]:
        if other.path and len(other.path) == len(rule.path):
            if all(p == "*" or p == q for p, q in zip(other.path, rule.path)):
                return other
    return None


RE_CHILD = re.compile(r"^(cac|cbc):\w+$")
RE_ATTR = re.compile(r"^@(\w+)$")
RE_ATTR_CODE = re.compile(r"^not\(@(\w+)\) or \(some \$code in \$[\w-]+ satisfies \$code = @(\w+)\)$")
RE_FIXED = re.compile(r"^normalize-space\(text\(\)\) = '([^']*)'$")


def propose_model(rs: RuleSet, a: Assert, bases: list) -> list:
    rule, test = a.rule, " ".join(a.test.split())
    path = rule.path
    if path is None:
        return []
    if test == "not(@*:schemaLocation)":
        return propose_schema_location(bases)
    if test == "false()" and path[-1] == "*":
        out = []
        for stray in STRAY:
            child = path[:-1] + (clark_of(stray, rs.ns),)
            if taken(rs, rule, child):
                continue
            for bi, base in enumerate(bases):
                doc = Doc(base.text)
                parents = doc.find(path[:-1])
                for parent in parents[:1]:
                    case = Case(base.name, base.file, base.text)
                    try:
                        out.append((0, bi, insert_child(case, doc, parent, f"<{stray}>x</{stray}>", "", [])))
                    except EditError:
                        pass
            if not out:
                for bi, base in enumerate(bases):
                    for case in chain_cases(rs, base, child, "x"):
                        out.append((1, bi, case))
            break
        out.sort(key=lambda item: (len(item[2].edits), item[0], item[1]))
        return [item[2] for item in out]
    m = RE_CHILD.match(test)
    if m:
        return occurrence_cases(rs, bases, path, delete_children(clark_of(test, rs.ns)), "")
    m = RE_ATTR.match(test)
    if m:
        return occurrence_cases(rs, bases, path, mutate_attr(m.group(1), None, True), "1")
    m = RE_ATTR_CODE.match(test)
    if m:
        name = m.group(1)
        return occurrence_cases(rs, bases, path, mutate_attr(name, BAD, False), "1", f' {name}="{BAD}"')
    m = RE_FIXED.match(test)
    if m and m.group(1).startswith("urn:fdc:peppol.eu:poacc:trns:") and m.group(1).endswith(":3"):
        # Another version of the same transaction: the document stays recognisable as its transaction.
        other = m.group(1)[:-1] + "2"
        return occurrence_cases(rs, bases, path, mutate_text(other), other)
    if "normalize-space(text())" in test and ("satisfies" in test or m):
        return occurrence_cases(rs, bases, path, mutate_text(BAD), BAD)
    return []


def propose_schema_location(bases: list) -> list:
    out = []
    for base in bases:
        case = Case(base.name, base.file, base.text)
        doc = Doc(base.text)
        at = base.text.find("xmlns:cac=", doc.root.start)
        if 0 <= at < doc.root.tag_end:
            try:
                case.add(
                    "replace",
                    "xmlns:cac=",
                    'xsi:schemaLocation="urn:x x.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                    "xmlns:cac=",
                    at,
                )
                out.append(case)
            except EditError:
                pass
    return out


def propose_common(rs: RuleSet, a: Assert, bases: list) -> list:
    out = []
    if a.id == "PEPPOL-COMMON-R001":
        for base in bases:
            at = base.text.find("</cbc:ProfileID>")
            if at >= 0:
                case = Case(base.name, base.file, base.text)
                out.append(
                    case.add("insert-after", "</cbc:ProfileID>", "<cbc:ProfileExecutionID></cbc:ProfileExecutionID>", at)
                )
        return out
    if a.id == "PEPPOL-COMMON-R003":
        return propose_schema_location(bases)
    if a.id == "PEPPOL-COMMON-R030":
        for base in bases:
            at = base.text.find("<cbc:IssueDate>")
            if at >= 0:
                out.append(Case(base.name, base.file, base.text).add("replace", "<cbc:IssueDate>", "<cbc:IssueDate>x", at))
        return out
    if a.id == "PEPPOL-COMMON-R056-2":
        for base in bases:
            doc = Doc(base.text)
            for e in doc.elems:
                if e.clark == "{%s}CompanyID" % CBC and e.parent.clark == "{%s}PartyTaxScheme" % CAC:
                    scheme = e.parent.node.findtext("{%s}TaxScheme/{%s}ID" % (CAC, CBC))
                    if (scheme or "").strip() == "VAT" and clean(doc.start_tag(e)):
                        case = Case(base.name, base.file, base.text)
                        out.append(case.add("replace", doc.start_tag(e), doc.start_tag(e) + "NL", e.start))
        if not out:
            snippet = (
                "<cac:PartyTaxScheme><cbc:CompanyID>NL1</cbc:CompanyID>"
                "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
            )
            for base in bases:
                doc = Doc(base.text)
                for e in doc.elems:
                    # A party: cac:Party or a party-typed element such as cac:SenderParty (ApplicationResponse).
                    if e.clark.endswith("Party") and any(c.clark == "{%s}EndpointID" % CBC for c in e.children):
                        # As the party's first child: the same edit then serves most transactions.
                        try:
                            case = Case(base.name, base.file, base.text)
                            out.append(insert_child(case, doc, e, snippet, "", []))
                        except EditError:
                            pass
                        break
        return out
    m = re.search(r"@schemeID = '(\d+)'", a.rule.context)
    if m:
        scheme = m.group(1)
        prefix = "IT" if a.id == "PEPPOL-COMMON-R047" else "X"
        kinds = ["EndpointID"] if "PartyIdentification" not in a.rule.context else ["EndpointID", "ID", "CompanyID"]
        for kind in kinds:
            for base in bases:
                doc = Doc(base.text)
                for e in doc.elems:
                    if e.clark != "{%s}%s" % (CBC, kind):
                        continue
                    if kind == "ID" and e.parent.clark != "{%s}PartyIdentification" % CAC:
                        continue
                    tag = doc.start_tag(e)
                    if not clean(tag) or not doc.is_simple_leaf(e):
                        continue
                    new = re.sub(ATTR.format("schemeID"), "", tag)
                    new = new[:-1] + f' schemeID="{scheme}">' + prefix
                    try:
                        out.append(Case(base.name, base.file, base.text).add("replace", tag, new, e.start))
                    except EditError:
                        pass
        return out
    return []


def propose(rs: RuleSet, a: Assert, bases: list) -> list:
    if a.id.startswith("PEPPOL-COMMON-"):
        return propose_common(rs, a, bases)
    if a.rule.pattern == 2:
        return propose_model(rs, a, bases)
    return []


# ---------------------------------------------------------------------------------------------------------------
# Table rows.


@dataclass
class Row:
    kind: str  # fail | unreachable
    keys: list
    id: str
    columns: list  # fail: base, edits...; unreachable: reason, [base, edits...]
    comments: list = field(default_factory=list)
    source: str = "auto"

    def render(self) -> str:
        keys = "*" if self.keys == KEYS else ",".join(self.keys)
        return "\t".join([self.kind, keys, self.id] + self.columns)

    def case_columns(self) -> list:
        return self.columns if self.kind == "fail" else self.columns[1:]


def parse_keys(text: str) -> list:
    if text == "*":
        return list(KEYS)
    keys = [k.strip() for k in text.split(",")]
    for k in keys:
        if k not in BY_KEY:
            raise ValueError(f"unknown transaction {k!r}")
    return keys


def parse_rows(text: str, source: str) -> tuple[list, list]:
    """(base lines as (name, key, file), rows); comment lines directly above a row are kept with it."""
    bases, rows, pending = [], [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            pending = []
            continue
        if line.startswith("#"):
            pending.append(line)
            continue
        cols = line.split("\t")
        if cols[0] == "base" and len(cols) == 4:
            bases.append((cols[1], cols[2], cols[3]))
        elif cols[0] == "fail" and len(cols) >= 5:
            rows.append(Row("fail", parse_keys(cols[1]), cols[2], cols[3:], pending, source))
        elif cols[0] == "unreachable" and len(cols) >= 4:
            rows.append(Row("unreachable", parse_keys(cols[1]), cols[2], cols[3:], pending, source))
        else:
            raise ValueError(f"{source}:{number}: unknown row kind or wrong column count")
        pending = []
    return bases, rows


class World:
    """Rule sets, validators and bases of the eight transactions."""

    def __init__(self, mirror: Path, keys: list):
        self.keys = keys
        self.rules = {k: load_rules(mirror, BY_KEY[k]) for k in keys}
        self.validators = {k: Validator(self.rules[k].xslt) for k in keys}
        self.bases = load_bases()
        self.base_files = {(b.name, k): b for k in self.bases for b in self.bases[k]}

    def case(self, key: str, columns: list) -> Case:
        name, edits = columns[0], columns[1:]
        base = self.base_files.get((name, key))
        if base is None:
            for b in self.bases[key]:
                if b.file == name:
                    base = b
        if base is None:
            raise EditError(f"no example {name!r} for {key}")
        case = Case(base.name if base.file != name else name, base.file, base.text)
        for text in edits:
            edit = Edit.parse(text)
            if edit.target not in base.text:
                raise EditError(f"{edit.target!r} is not in {base.file}")
            case.text = edit.apply(case.text)
            case.edits.append(edit)
        if case.text == case.original:
            raise EditError(f"{base.file}: the edits change nothing")
        return case

    def verify(self, key: str, a: Assert, case: Case) -> str | None:
        """None when `a` fires with its flag on the case and not on its base; otherwise why not."""
        v = self.validators[key]
        on_base = v.run(case.original)
        if on_base is None:
            return f"{case.file} does not validate"
        if any(i == a.id for i, _ in on_base):
            return f"fires on the unedited {case.file}"
        fired = v.run(case.text)
        if fired is None:
            return "not well-formed or a dynamic error in the official XSLT"
        if (a.id, a.flag) in fired:
            return None
        flags = [f for i, f in fired if i == a.id]
        if flags:
            return f"fires with flag {flags}, the official flag is {a.flag}"
        return "does not fire; fired: " + " ".join(sorted(i for i, _ in fired))


def pattern_title(rs: RuleSet, pi: int) -> str:
    ids = [a.id for r in rs.patterns[pi] for a in r.asserts]
    if pi == 0:
        return "empty elements"
    if ids and all(i.startswith("PEPPOL-COMMON") for i in ids):
        return "PEPPOL-COMMON (schema location, dates, identifier schemes)"
    if pi == 2:
        return "data model (generated B rules)"
    return "business rules"


def generate(world: World, manual_rows: list, verbose: bool) -> tuple[list, list]:
    """Rows (in table order, COMMON ones merged) and the problems left."""
    manual = {}
    for row in manual_rows:
        for key in row.keys:
            if key in world.keys:
                manual[(key, row.id)] = row
    problems = []
    per_key: dict[str, list] = {}
    for key in world.keys:
        rs = world.rules[key]
        bases = world.bases[key]
        rows = []
        for a in rs.asserts:
            row = manual.get((key, a.id))
            if row is not None:
                rows.append((a, Row(row.kind, [key], a.id, row.columns, row.comments, "manual")))
                continue
            shadow = shadowing_rule(rs, a.rule)
            cases = propose(rs, a, bases)
            found, why = None, []
            for case in cases[:12]:
                reason = world.verify(key, a, case)
                if reason is None:
                    found = case
                    break
                why.append(reason)
            if found is not None and shadow is None:
                rows.append((a, Row("fail", [key], a.id, found.columns())))
                continue
            if shadow is not None:
                reason = (
                    f"shadowed under first-match semantics: every element of its context {a.rule.context} is "
                    f"taken by the earlier rule with context {shadow.context} of the same pattern"
                )
                probe = cases[0].columns() if cases else []
                if found is not None:
                    problems.append(f"{key} {a.id}: shadowed but fires?")
                rows.append((a, Row("unreachable", [key], a.id, [reason] + probe)))
                continue
            problems.append(
                f"{key} {a.id} [{a.rule.context} | {' '.join(a.test.split())[:100]}]: "
                + (f"{len(cases)} proposals, none verified ({why[0] if why else ''})" if cases else "no proposal")
            )
            if verbose:
                print(problems[-1], file=sys.stderr)
        per_key[key] = rows
    return per_key, problems


def merge_and_order(world: World, per_key: dict) -> list:
    """Table sections: the merged PEPPOL-COMMON rows, then each transaction's rows by pattern."""
    sections = []
    common = OrderedDict()
    for key in world.keys:
        for a, row in per_key[key]:
            if a.id.startswith("PEPPOL-COMMON-"):
                sig = (a.id, row.kind, tuple(row.columns))
                if sig in common:
                    common[sig].keys.append(key)
                else:
                    common[sig] = Row(row.kind, [key], a.id, row.columns, row.comments, row.source)
    order = {}
    for key in world.keys:
        for a, _ in per_key[key]:
            if a.id.startswith("PEPPOL-COMMON-"):
                order.setdefault(a.id, len(order))
    rows = sorted(common.values(), key=lambda r: (order[r.id], KEYS.index(r.keys[0])))
    sections.append(("PEPPOL-COMMON-* (the same rules in every rule set; edits on each `example`)", rows))
    for key in world.keys:
        rs = world.rules[key]
        for pi in range(len(rs.patterns)):
            rows = [row for a, row in per_key[key] if a.rule.pattern == pi and not a.id.startswith("PEPPOL-COMMON-")]
            if rows:
                sections.append((f"PEPPOLBIS-{rs.transaction.code}.sch, pattern {pi + 1}: {pattern_title(rs, pi)}", rows))
    return sections


HEADER = """\
# Per-rule cases of the official Peppol BIS post-award rule sets (OpenPeppol release 2026.5, as compiled in
# phive-rules: PEPPOLBIS-T01/T76/T110/T114/T115/T116/T16/T111), read like per_rule.tsv (syntax: see the module
# doc of per_rule.rs). Columns are separated by tabs. Every (transaction, assert id) of the eight Schematron
# files has exactly one `fail` row or one `unreachable` row. <profiles> are the transaction keys t01 (Order),
# t76 (Order Response), t110 (Order Agreement), t114 (Order Change), t115 (Order Cancellation), t116 (Order
# Response Advanced), t16 (Despatch Advice), t111 (Invoice Response), or `*`.
#
# GENERATED by tools/poacc_per_rule.py (automatic proposals for the generated data-model rules and the
# PEPPOL-COMMON rules, hand-written rows from tools/poacc-per-rule-manual.tsv); do not edit by hand. Every fail
# row was verified with the official XSLT (saxonche): the id fires with its official flag on the edited example
# and not on the unedited one. An edit only has to make the rule fire: the result need not stay schema-valid
# (an element the data model does not know is e.g. inserted as a stray `cbc:UUID`, and a missing context element
# is inserted with minimal content). `example` is each transaction's main official example; the other bases are
# named after their file.
"""


def render_table(world: World, sections: list) -> str:
    used = set()
    for _, rows in sections:
        for row in rows:
            cols = row.case_columns()
            if cols:
                for key in row.keys:
                    used.add((cols[0], key))
    lines = [HEADER.rstrip("\n")]
    for key in world.keys:
        for b in world.bases[key]:
            if b.name == "example" or (b.name, key) in used:
                lines.append(f"base\t{b.name}\t{key}\t{b.file}")
    for title, rows in sections:
        lines.append("")
        lines.append(f"# ---- {title} ----")
        for row in rows:
            lines.extend(row.comments)
            lines.append(row.render())
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# The whole check, as the Rust test will do it.


def check_table(world: World, text: str) -> tuple[list, dict]:
    bases, rows = parse_rows(text, str(TABLE))
    failures = []
    base_map = {(name, key): file for name, keys, file in bases for key in parse_keys(keys)}
    for (name, key), file in base_map.items():
        if world.base_files.get((name, key)) is None or world.base_files[(name, key)].file != file:
            failures.append(f"base {name} {key} {file}: not an official example of {key}")
    asserts = {key: {a.id: a for a in world.rules[key].asserts} for key in world.keys}
    covered, unreachable = defaultdict(list), defaultdict(list)
    fired_anywhere = defaultdict(set)
    stats = {key: {"fail": 0, "unreachable": 0} for key in world.keys}
    # Documents that root element and CustomizationID no longer mark as their transaction.
    undetected = stats["undetected"] = []
    for row in rows:
        for key in row.keys:
            if key not in world.keys:
                continue
            here = f"{key} {row.id}"
            a = asserts[key].get(row.id)
            if a is None:
                failures.append(f"{here}: in the table but not in the rule set")
                continue
            (covered if row.kind == "fail" else unreachable)[(key, row.id)].append(row)
            cols = row.case_columns()
            if row.kind == "unreachable" and not row.columns[0].strip():
                failures.append(f"{here}: an unreachable rule needs a reason")
            if not cols:
                continue
            for c in cols[1:]:
                if "\t" in c:
                    failures.append(f"{here}: tab in an edit")
            try:
                case = world.case(key, cols)
            except (EditError, ValueError) as error:
                failures.append(f"{here}: {error}")
                continue
            v = world.validators[key]
            on_base = v.run(case.original) or frozenset()
            fired = v.run(case.text)
            fired_anywhere[key].update(i for i, _ in on_base)
            if fired is None:
                failures.append(f"{here}: the document does not validate (not well-formed / dynamic error)")
                continue
            fired_anywhere[key].update(i for i, _ in fired)
            try:
                if detect(case.text) != key:
                    undetected.append(here)
            except etree.XMLSyntaxError:
                undetected.append(here)
            if row.kind == "fail":
                reason = world.verify(key, a, case)
                if reason:
                    failures.append(f"{here}: {reason}")
            elif any(i == row.id for i, _ in fired):
                failures.append(f"{here}: listed as unreachable but its probe fires it")
    for key in world.keys:
        for a in world.rules[key].asserts:
            c, u = covered.get((key, a.id), []), unreachable.get((key, a.id), [])
            if len(c) + len(u) != 1:
                failures.append(f"{key} {a.id}: {len(c)} fail rows and {len(u)} unreachable rows")
            if u and a.id in fired_anywhere[key]:
                failures.append(f"{key} {a.id}: listed as unreachable but fires on a document of the table")
            if c:
                stats[key]["fail"] += 1
            elif u:
                stats[key]["unreachable"] += 1
        stats[key]["ids"] = len(world.rules[key].asserts)
    return failures, stats


def xslt_vs_sch(world: World) -> list:
    """Differences between the asserts (id, flag) of the Schematron and of the compiled XSLT."""
    out = []
    for key in world.keys:
        rs = world.rules[key]
        sch = {(a.id, a.flag) for a in rs.asserts}
        x = set(re.findall(r'<xsl:attribute name="id">([^<]+)</xsl:attribute>\s*<xsl:attribute name="flag">([^<]+)<', rs.xslt))
        if sch != x:
            out.append(f"{key}: only in sch {sorted(sch - x)}, only in xslt {sorted(x - sch)}")
        ids = [a.id for a in rs.asserts]
        dups = {i for i in ids if ids.count(i) > 1}
        if dups:
            out.append(f"{key}: duplicate assert ids {sorted(dups)}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify the existing table, write nothing")
    parser.add_argument("--mirror", type=Path, default=MIRROR)
    parser.add_argument("--only", help="comma-separated transaction keys (no table is written)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    keys = parse_keys(args.only) if args.only else list(KEYS)
    world = World(args.mirror, keys)
    for line in xslt_vs_sch(world):
        print("note:", line)
    for key in keys:
        for b in world.bases[key]:
            fired = world.validators[key].run(b.text)
            if fired:
                print(f"note: {b.file} has findings {sorted(fired)}")
    if args.check:
        text = TABLE.read_text(encoding="utf-8")
    else:
        manual_rows = parse_rows(MANUAL.read_text(encoding="utf-8"), str(MANUAL))[1] if MANUAL.exists() else []
        per_key, problems = generate(world, manual_rows, args.verbose)
        for p in problems:
            print("unresolved:", p)
        text = render_table(world, merge_and_order(world, per_key))
        if args.only:
            Path("/tmp/per_rule_poacc.partial.tsv").write_text(text, encoding="utf-8")
        elif problems:
            Path("/tmp/per_rule_poacc.partial.tsv").write_text(text, encoding="utf-8")
            print(f"{len(problems)} unresolved; partial table in /tmp/per_rule_poacc.partial.tsv")
            return 1
        else:
            TABLE.write_text(text, encoding="utf-8")
            print(f"wrote {TABLE.relative_to(REPO)}")
    failures, stats = check_table(world, text)
    for f in failures:
        print("FAIL:", f)
    if stats["undetected"]:
        print(
            f"note: {len(stats['undetected'])} case documents are no longer recognised as their transaction by root "
            "element + CustomizationID: " + ", ".join(stats["undetected"])
        )
    total = {"ids": 0, "fail": 0, "unreachable": 0}
    for key in keys:
        s = stats[key]
        print(f"{key}: {s['ids']} ids, {s['fail']} fail (verified), {s['unreachable']} unreachable")
        for k in total:
            total[k] += s[k]
    print(f"total: {total['ids']} ids, {total['fail']} fail, {total['unreachable']} unreachable, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Turn the official Peppol BIS post-award Schematron rule sets into TSV data for the native XPath rule engine.

Source: the OpenPeppol release 2026.5 Schematron files as carried in github ``phax/phive-rules`` (pinned commit
below), read straight from a bare git mirror with ``git show`` (no work tree needed)::

    phive-rules-peppol/src/test/resources/external/rule-source/openpeppol/2026.5/PEPPOLBIS-<T>.sch

for the transactions in ``TRANSACTIONS`` (Peppol BIS Ordering 3, Despatch Advice 3 and Invoice Response 3;
T19, T58, T71 and T77 of the same folder are deliberately left out).

Output, in ``schemas/peppol-poacc-2026.5/`` (all files UTF-8, LF line ends, tab separated, one header line, no
quoting or escaping -- split each line on tabs):

``rules.tsv``
    ``transaction pattern rule context id flag test message``: one row per ``<assert>`` in document order.
    ``pattern`` is the 1-based index of the ``<pattern>`` in the file, ``rule`` the 1-based index of the
    ``<rule>`` inside its pattern. A ``<rule>`` without asserts still gets exactly one row, with empty ``id``,
    ``flag``, ``test`` and ``message``: within a pattern a node is only checked by the first rule whose context
    matches it, so such rules shadow later ones. ``flag`` is the assert's ``flag`` (else ``role``, else
    ``fatal``, with a warning). ``message`` is the assert's text with XML whitespace collapsed (as by
    ``normalize-space()``), ``[ID]-`` prefix kept.
``lets.tsv``
    ``transaction pattern rule name value``: every ``<let>`` in document order; pattern-level lets have
    ``rule`` 0, schema-level lets ``pattern`` 0 and ``rule`` 0.
``functions.tsv``
    ``transaction name``: every ``xsl:function`` the file declares (the engine implements them natively).
``messages-ja.tsv``
    ``id message``: a Japanese message for every distinct assert id (``[ID]-`` prefix dropped). Messages that
    follow one of the generator's fixed sentence shapes are built from ``TEMPLATES``; all others come from
    the hand translations in ``tools/poacc-messages-ja-manual.tsv`` (``id en ja``; ``en`` must equal the
    source message without prefix, so a changed source text is noticed). A missing translation, a stale
    manual row or an English mismatch is an error.

Transformations: in every field, tab, CR and LF are each replaced by a space (nothing else is changed, so a
no-break space in a message stays). ``key(name, expr)`` calls of a declared ``xsl:key`` in tests and lets are
rewritten to ``(for $k in expr return //MATCH[USE = $k])`` because the engine has no ``key()``; every rewrite
is printed (SOURCE.md lists them). Anything the format cannot carry -- ``<report>``, assert children such as
``<value-of>``, abstract patterns/rules, ``<extends>``, includes, phases, ``key()`` in a rule context or with
an unknown key -- stops the script with an error instead of being dropped silently.

Usage::

    python3 tools/schematron_to_tsv.py [--mirror DIR] [--commit REV] [--out DIR]

Only the Python standard library is used.
"""

import argparse
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import OrderedDict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIRROR = "/work/.mirror/phax+phive-rules/repo"
COMMIT = "432f0e9a8cff5c03d06625abe7a5fd8e7e346a64"
SCH_DIR = "phive-rules-peppol/src/test/resources/external/rule-source/openpeppol/2026.5"
TRANSACTIONS = ["T01", "T76", "T110", "T114", "T115", "T116", "T16", "T111"]
OUT = ROOT / "schemas" / "peppol-poacc-2026.5"
MANUAL_JA = ROOT / "tools" / "poacc-messages-ja-manual.tsv"

SCH = "{http://purl.oclc.org/dsdl/schematron}"
XSL = "{http://www.w3.org/1999/XSL/Transform}"

# Sentence shapes of the generated (B-series and similar) messages, matched against the message without its
# "[ID]-" prefix. Groups are carried over verbatim.
TEMPLATES = [
    (r"Element '([^']+)' MUST be provided\.", "要素 '{0}' は必須です。"),
    (r"Attribute '([^']+)' MUST be present\.", "属性 '{0}' は必須です。"),
    (r"Value MUST be part of code list '([^']+)'\.", "値はコードリスト '{0}' に含まれていなければなりません。"),
    (
        r"Value MUST be part of code list '([^']+)' or '([^']+)'\.",
        "値はコードリスト '{0}' または '{1}' に含まれていなければなりません。",
    ),
    (r"Document MUST NOT contain elements not part of the data model\.", "データモデルにない要素を含めてはなりません。"),
    (r"Element '([^']+)' MUST contain value '([^']+)'\.", "要素 '{0}' の値は '{1}' でなければなりません。"),
    (r"Document MUST not contain schema location\.", "文書にスキーマの場所（schemaLocation）を含めてはなりません。"),
    (r"Document SHOULD not contain schema location\.", "文書にスキーマの場所（schemaLocation）を含めるべきではありません。"),
    (
        r"Specification identifier (?:SHALL|MUST) start with the value '([^']+)'\.",
        "仕様IDは値 '{0}' で始まらなければなりません。",
    ),
]

PREFIX = re.compile(r"^\[([^\]]+)\]-")


def fail(msg):
    sys.exit("schematron_to_tsv: error: " + msg)


def clean(s):
    """Replace each tab, CR and LF by a space; nothing else changes."""
    return re.sub(r"[\t\r\n]", " ", s or "")


def collapse(s):
    """XML whitespace collapse (normalize-space): runs of space/tab/CR/LF become one space, trimmed."""
    return re.sub(r"[ \t\r\n]+", " ", s).strip(" ")


def local(tag):
    return tag.rsplit("}", 1)[-1]


def git_show(mirror, commit, path):
    try:
        return subprocess.run(
            ["git", "-C", mirror, "show", f"{commit}:{path}"], check=True, capture_output=True
        ).stdout
    except subprocess.CalledProcessError as e:
        fail(f"git show {commit}:{path} failed: {e.stderr.decode(errors='replace').strip()}")


def split_call_args(text, start):
    """text[start] is just after '(' of a call; return (list of top-level args, index after ')')."""
    depth, i, args, cur = 0, start, [], start
    while i < len(text):
        c = text[i]
        if c in "'\"":
            j = text.find(c, i + 1)
            # XPath escapes a quote by doubling it
            while j != -1 and j + 1 < len(text) and text[j + 1] == c:
                j = text.find(c, j + 2)
            if j == -1:
                fail(f"unterminated string literal in {text!r}")
            i = j + 1
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            if depth == 0:
                args.append(text[cur:i].strip())
                return args, i + 1
            depth -= 1
        elif c == "," and depth == 0:
            args.append(text[cur:i].strip())
            cur = i + 1
        i += 1
    fail(f"unbalanced parentheses in {text!r}")


KEY_CALL = re.compile(r"(?<![\w.:$-])key\s*\(")


def rewrite_keys(expr, keys, where, rewrites):
    """Rewrite key('name', arg) calls to an equivalent for-expression; fail on anything unexpected."""
    out, pos = [], 0
    for m in KEY_CALL.finditer(expr):
        if m.start() < pos:
            continue
        args, end = split_call_args(expr, m.end())
        if len(args) != 2 or not re.fullmatch(r"'[^']*'|\"[^\"]*\"", args[0]):
            fail(f"{where}: unsupported key() call {expr[m.start():end]!r}")
        name = args[0][1:-1]
        if name not in keys:
            fail(f"{where}: key() uses undeclared key {name!r}")
        match, use = keys[name]
        if "$k" in args[1] or "$k" in use:
            fail(f"{where}: variable $k already used near key() call")
        repl = f"(for $k in {args[1]} return //{match}[{use} = $k])"
        out.append(expr[pos : m.start()] + repl)
        rewrites.append((where, expr[m.start() : end], repl))
        pos = end
    out.append(expr[pos:])
    return "".join(out)


def declared_keys(schema, t):
    keys = OrderedDict()
    for k in schema.iter(XSL + "key"):
        name, match, use = k.get("name"), k.get("match"), k.get("use")
        # only a plain (prefixed) element name as match pattern can be turned into //match
        if not re.fullmatch(r"[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*|[A-Za-z_][\w.-]*", match or "") or not use:
            fail(f"{t}: xsl:key {name!r} has a match pattern this script cannot rewrite: {match!r}")
        keys[name] = (match, use)
    return keys


def convert(t, data, rewrites, warnings):
    schema = ET.fromstring(data)
    if schema.tag != SCH + "schema":
        fail(f"{t}: root element is {schema.tag}, not sch:schema")
    title = collapse("".join(schema.findtext(SCH + "title") or ""))
    keys = declared_keys(schema, t)
    functions = [f.get("name") for f in schema.iter(XSL + "function")]
    reports = list(schema.iter(SCH + "report"))
    if reports:
        where = ", ".join(r.get("id") or "?" for r in reports)
        fail(f"{t}: {len(reports)} <report> element(s) ({where}); rules.tsv has no way to carry them")

    rules, lets = [], []
    stats = {"patterns": 0, "rules": 0, "asserts": 0, "lets": 0}
    pattern_no = 0
    for child in schema:
        name = local(child.tag)
        if child.tag == SCH + "let":
            lets.append((t, "0", "0", child.get("name"), clean(rewrite_keys(child.get("value"), keys, f"{t} let", rewrites))))
            continue
        if child.tag in (SCH + "title", SCH + "ns", XSL + "key", XSL + "function") or not isinstance(child.tag, str):
            continue
        if child.tag != SCH + "pattern":
            fail(f"{t}: unsupported schema-level element <{name}>")
        if child.get("abstract") == "true" or child.get("is-a"):
            fail(f"{t}: abstract pattern / is-a not supported")
        pattern_no += 1
        rule_no = 0
        for pchild in child:
            if pchild.tag == SCH + "let":
                where = f"{t} pattern {pattern_no} let {pchild.get('name')}"
                lets.append((t, str(pattern_no), "0", pchild.get("name"), clean(rewrite_keys(pchild.get("value"), keys, where, rewrites))))
                continue
            if pchild.tag in (SCH + "title", SCH + "p") or not isinstance(pchild.tag, str):
                continue
            if pchild.tag != SCH + "rule":
                fail(f"{t}: unsupported element <{local(pchild.tag)}> in pattern {pattern_no}")
            if pchild.get("abstract") == "true" or pchild.get("context") is None:
                fail(f"{t}: abstract rule / rule without context in pattern {pattern_no}")
            rule_no += 1
            context = pchild.get("context")
            if KEY_CALL.search(context):
                fail(f"{t}: key() in rule context {context!r}")
            n_asserts = 0
            for rchild in pchild:
                rname = local(rchild.tag) if isinstance(rchild.tag, str) else None
                if rchild.tag == SCH + "let":
                    where = f"{t} pattern {pattern_no} rule {rule_no} let {rchild.get('name')}"
                    value = rewrite_keys(rchild.get("value"), keys, where, rewrites)
                    lets.append((t, str(pattern_no), str(rule_no), rchild.get("name"), clean(value)))
                elif rchild.tag == SCH + "assert":
                    aid = rchild.get("id") or ""
                    if len(rchild):
                        fail(f"{t} {aid}: assert has child elements ({[local(c.tag) for c in rchild]})")
                    flag = rchild.get("flag")
                    if flag is None:
                        flag = rchild.get("role") or "fatal"
                        warnings.append(f"{t} {aid}: no flag attribute, using {flag!r}")
                    test = rewrite_keys(rchild.get("test"), keys, f"{t} {aid}", rewrites)
                    message = collapse("".join(rchild.itertext()))
                    rules.append((t, str(pattern_no), str(rule_no), clean(context), clean(aid), clean(flag), clean(test), clean(message)))
                    n_asserts += 1
                elif rname is None:
                    continue
                else:
                    fail(f"{t}: unsupported element <{rname}> in rule {pattern_no}/{rule_no}")
            if n_asserts == 0:
                rules.append((t, str(pattern_no), str(rule_no), clean(context), "", "", "", ""))
            stats["rules"] += 1
            stats["asserts"] += n_asserts
    stats["patterns"] = pattern_no
    stats["lets"] = len(lets)
    stats["functions"] = len(functions)
    return title, rules, lets, functions, stats


def write_tsv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(header) + "\n")
        for row in rows:
            for field in row:
                if re.search(r"[\t\r\n]", field):
                    fail(f"{path.name}: field contains tab/CR/LF: {field!r}")
            if len(row) != len(header):
                fail(f"{path.name}: row has {len(row)} fields: {row!r}")
            f.write("\t".join(row) + "\n")


def read_manual(path):
    manual = OrderedDict()
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines[0] != "id\ten\tja":
        fail(f"{path}: header must be 'id<TAB>en<TAB>ja'")
    for n, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            fail(f"{path}:{n}: expected 3 non-empty fields")
        if parts[0] in manual:
            fail(f"{path}:{n}: duplicate id {parts[0]}")
        manual[parts[0]] = (parts[1], parts[2])
    return manual


def japanese(messages, manual):
    """messages: id -> English text without prefix. Returns [(id, ja)] in first-seen order."""
    out, used, missing, errors = [], set(), [], []
    for aid, en in messages.items():
        if aid in manual:
            used.add(aid)
            if manual[aid][0] != en:
                errors.append(f"{aid}: manual English {manual[aid][0]!r} != source {en!r}")
            out.append((aid, manual[aid][1]))
            continue
        for pat, ja in TEMPLATES:
            m = re.fullmatch(pat, en)
            if m:
                out.append((aid, ja.format(*m.groups())))
                break
        else:
            missing.append(f"{aid}\t{en}")
    stale = [aid for aid in manual if aid not in used]
    if errors or missing or stale:
        fail(
            "Japanese messages incomplete:\n"
            + "".join(f"  mismatch {e}\n" for e in errors)
            + "".join(f"  missing  {m}\n" for m in missing)
            + "".join(f"  stale manual row {s}\n" for s in stale)
        )
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirror", default=MIRROR, help="git directory of the phax/phive-rules mirror")
    ap.add_argument("--commit", default=COMMIT, help="revision to read (default: the pinned commit)")
    ap.add_argument("--out", default=str(OUT), help="output directory")
    ap.add_argument("--manual", default=str(MANUAL_JA), help="hand translations TSV (id, en, ja)")
    args = ap.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    all_rules, all_lets, all_funcs, rewrites, warnings = [], [], [], [], []
    messages = OrderedDict()  # id -> English without prefix
    conflicts = []
    for t in TRANSACTIONS:
        data = git_show(args.mirror, args.commit, f"{SCH_DIR}/PEPPOLBIS-{t}.sch")
        title, rules, lets, funcs, stats = convert(t, data, rewrites, warnings)
        n_grep = data.decode("utf-8").count("<assert")
        if n_grep != stats["asserts"]:
            fail(f"{t}: {stats['asserts']} asserts parsed but {n_grep} '<assert' in the file")
        for r in rules:
            if not r[4]:
                continue
            m = PREFIX.match(r[7])
            if m and m.group(1) != r[4]:
                warnings.append(f"{t} {r[4]}: message prefix says [{m.group(1)}]")
            en = r[7][m.end():] if m else r[7]
            if r[4] in messages and messages[r[4]] != en:
                conflicts.append(f"{r[4]}: {t} says {en!r}, earlier {messages[r[4]]!r}")
            messages.setdefault(r[4], en)
        all_rules += rules
        all_lets += lets
        all_funcs += [(t, f) for f in funcs]
        print(
            f"{t}: {title!r}: patterns {stats['patterns']}, rules {stats['rules']}, asserts {stats['asserts']}, "
            f"lets {stats['lets']}, functions {stats['functions']}"
        )

    write_tsv(out / "rules.tsv", ["transaction", "pattern", "rule", "context", "id", "flag", "test", "message"], all_rules)
    write_tsv(out / "lets.tsv", ["transaction", "pattern", "rule", "name", "value"], all_lets)
    write_tsv(out / "functions.tsv", ["transaction", "name"], all_funcs)
    write_tsv(out / "messages-ja.tsv", ["id", "message"], japanese(messages, read_manual(args.manual)))

    for where, old, new in rewrites:
        print(f"key() rewrite: {where}: {old} -> {new}")
    for w in warnings:
        print("warning: " + w, file=sys.stderr)
    for c in conflicts:
        print("warning: shared id with different English message: " + c, file=sys.stderr)
    print(f"wrote {out}/rules.tsv ({len(all_rules)} rows), lets.tsv ({len(all_lets)}), functions.tsv ({len(all_funcs)}), messages-ja.tsv ({len(messages)})")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Regenerate ``schemas/jp-pint-<version>/`` (rule TSVs and code lists) from the official JP PINT sources.

Usage::

    python3 tools/jp_pint_to_tsv.py <version> [--out DIR] [--repo GIT_DIR] [--commit REV]

``<version>`` is a JP PINT release carried by github ``phax/phive-rules`` (e.g. ``1.1.2``, ``1.1.3``).
Everything is read with ``git show`` from a bare mirror of that repository (no work tree needed;
default ``/work/.mirror/phax+phive-rules/repo`` at ``HEAD``), so the output is reproducible:

* Schematron rules: ``phive-rules-peppol-pint/src/test/resources/external/rule-source/
  pint-jp{,-sb,-ntr}/<version>/{PINT-UBL-validation-preprocessed,PINT-jurisdiction-aligned-rules}.sch``
  (identical to the ``trn-invoice/schematron/*.sch`` of the official resource bundles);
* code lists: the genericode files (``trn-invoice/codelist/*.gc``) of the bundles
  ``phive-rules-peppol-pint/docs/PINT JP/pint-jp{,-sb,-ntr}-resources-dev-<version>.zip``.

Files written into the output directory (default ``schemas/jp-pint-<version>/`` next to this
``tools/`` folder):

* ``jp-pint-rules.tsv``, ``jp-pint-sb-rules.tsv``, ``jp-pint-ntr-rules.tsv``:
  ``id, flag, context, message`` of every ``<assert>`` in Schematron order (preprocessed file
  first, then the jurisdiction-aligned file; pattern by pattern, rule by rule).
* ``jp-pint-rule-tests.tsv``: ``profile, source, pattern, rule, id, test``
  (``rule`` = 1-based position of the ``<rule>`` inside its ``<pattern>``).
* ``codelists/<name>.tsv``: one TSV per genericode list (``id`` first, then the other columns
  in ColumnSet order); the lists of the standard bundle plus those only the SB/NTR bundles have
  (``UNCL1001-sbinv``, ``UNCL1001-ntrinv``, ``Aligned-TaxExemptionCodes``).
* ``codelists/rule-codelists.tsv``: ``profile, rule, codes_in_rule, code_list, codes_in_list,
  only_in_rule, only_in_list`` for every rule carrying an inline code set; the list is the one of
  the profile's own bundle that shares most codes with the rule.

Text normalisation: context, test and message are whitespace-normalised (runs of blanks, tabs
and newlines -> one space, trimmed), so each record fits on one TSV line.  Not generated here:
``messages-ja.tsv`` (hand translation), ``example-verdicts.tsv`` (needs Saxon) and ``SOURCE.md``.

Standard library only.
"""

import argparse
import io
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

DEFAULT_REPO = "/work/.mirror/phax+phive-rules/repo"
SCH_DIR = "phive-rules-peppol-pint/src/test/resources/external/rule-source/{bundle}/{version}/{source}"
ZIP_PATH = "phive-rules-peppol-pint/docs/PINT JP/{bundle}-resources-dev-{version}.zip"
SOURCES = ("PINT-UBL-validation-preprocessed.sch", "PINT-jurisdiction-aligned-rules.sch")
# (profile label used in the TSVs, phive folder / bundle name, rules TSV file name)
PROFILES = (
    ("jp-pint", "pint-jp", "jp-pint-rules.tsv"),
    ("jp-pint-sb", "pint-jp-sb", "jp-pint-sb-rules.tsv"),
    ("jp-pint-ntr", "pint-jp-ntr", "jp-pint-ntr-rules.tsv"),
)
SCH = "{http://purl.oclc.org/dsdl/schematron}"
GC = "{http://docs.oasis-open.org/codelist/ns/genericode/1.0/}"
# lists taken from the SB / NTR bundles in addition to all lists of the standard bundle
EXTRA_LISTS = ("UNCL1001-sbinv", "UNCL1001-ntrinv", "Aligned-TaxExemptionCodes")


def git_show(repo, commit, path):
    """Bytes of ``path`` at ``commit`` in the (bare) git repository ``repo``."""
    return subprocess.run(["git", "-C", repo, "show", f"{commit}:{path}"],
                          check=True, stdout=subprocess.PIPE).stdout


def norm(text):
    return " ".join((text or "").split())


def write_tsv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for row in [header] + rows:
            cells = [str(c) for c in row]
            for c in cells:
                if "\t" in c or "\n" in c:
                    raise ValueError(f"{path}: tab or newline in cell {c[:60]!r}")
            fh.write("\t".join(cells) + "\n")


# ---------------------------------------------------------------- Schematron rules

def read_rules(xml_bytes):
    """[(pattern id, rule position, context, assert element)] in document order."""
    root = ET.fromstring(xml_bytes)
    out = []
    for pattern in root.iter(SCH + "pattern"):
        for pos, rule in enumerate(pattern.findall(SCH + "rule"), 1):
            for test in rule:
                if test.tag in (SCH + "assert", SCH + "report"):
                    if test.tag == SCH + "report":
                        raise SystemExit("unexpected <report>: this layout only knows <assert>")
                    out.append((pattern.get("id"), pos, rule.get("context"), test))
    return out


def assert_message(el):
    # the message is the assert's text content (inline <name/>/<value-of/> would be flattened)
    return norm("".join(el.itertext()))


def build_rules(repo, commit, version):
    per_profile = {}
    tests = []
    for profile, bundle, _ in PROFILES:
        rows = []
        for source in SOURCES:
            data = git_show(repo, commit, SCH_DIR.format(bundle=bundle, version=version, source=source))
            for pattern, pos, context, el in read_rules(data):
                rid = el.get("id")
                rows.append((rid, el.get("flag"), norm(context), assert_message(el)))
                tests.append((profile, source, pattern, pos, rid, norm(el.get("test"))))
        per_profile[profile] = rows
    return per_profile, tests


# ---------------------------------------------------------------- code lists

def read_genericode(xml_bytes):
    """(column ids, rows as dicts) of a genericode SimpleCodeList."""
    root = ET.fromstring(xml_bytes)
    cols = [c.get("Id") for c in root.find(GC + "ColumnSet").findall(GC + "Column")]
    rows = []
    for row in root.find(GC + "SimpleCodeList").findall(GC + "Row"):
        vals = {}
        for v in row.findall(GC + "Value"):
            sv = v.find(GC + "SimpleValue")
            vals[v.get("ColumnRef")] = norm(sv.text if sv is not None else "")
        rows.append(vals)
    return cols, rows


def bundle_lists(repo, commit, bundle, version):
    """{list name (file name without .gc): (columns, rows)} of one resource bundle."""
    data = git_show(repo, commit, ZIP_PATH.format(bundle=bundle, version=version))
    lists = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.startswith("trn-invoice/codelist/") and name.endswith(".gc"):
                lists[os.path.basename(name)[:-3]] = read_genericode(zf.read(name))
    return lists


INLINE_SET = re.compile(r"contains\(\s*'([^']*)'\s*,")
MIME_SET = re.compile(r"@mimeCode\s*=\s*'([^']*)'")


def inline_codes(test):
    """The code set a rule enforces inline: the largest ``contains(' a b c ', ...)`` list,
    or the ``@mimeCode = '...'`` alternatives.  None if the test carries no code set."""
    # contains(' a b c ', concat(' ', x, ' ')) only accepts a token that has a blank on both sides
    # inside the literal, so a token at an unpadded edge is not part of the enforced set
    # (JP PINT 1.1.2 ibr-cl-26 ends in '... 0243 0244' and so rejects 0244)
    sets = [{t for t in m.split() if f" {t} " in m} for m in INLINE_SET.findall(test)]
    sets = [s for s in sets if s]
    mime = set(MIME_SET.findall(test))
    if mime:
        sets.append(mime)
    if not sets:
        return None
    return max(sets, key=len)


def build_codelists(repo, commit, version):
    bundles = {bundle: bundle_lists(repo, commit, bundle, version) for _, bundle, _ in PROFILES}
    files = dict(bundles["pint-jp"])
    for bundle in ("pint-jp-sb", "pint-jp-ntr"):
        for name in EXTRA_LISTS:
            if name in bundles[bundle] and name not in files:
                files[name] = bundles[bundle][name]
    return bundles, files


def build_rule_codelists(tests, bundles):
    rows = []
    for profile, bundle, _ in PROFILES:
        lists = {name: {r["id"] for r in rows_ if "id" in r} for name, (_, rows_) in bundles[bundle].items()}
        seen = set()
        for prof, _src, _pat, _pos, rid, test in tests:
            if prof != profile or "-cl-" not in rid or rid in seen:
                continue
            codes = inline_codes(test)
            if codes is None:
                continue
            seen.add(rid)
            # the list of this bundle sharing most codes; ties -> fewer extra codes, then name
            name = min(lists, key=lambda n: (-len(codes & lists[n]), len(lists[n] - codes), n))
            listed = lists[name]
            rows.append((profile, rid, len(codes), name, len(listed),
                         " ".join(sorted(codes - listed)), " ".join(sorted(listed - codes))))
    return rows


# ---------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("version", help="JP PINT version, e.g. 1.1.2")
    ap.add_argument("--repo", default=DEFAULT_REPO, help="git dir of phax/phive-rules (default: %(default)s)")
    ap.add_argument("--commit", default="HEAD", help="revision to read (default: %(default)s)")
    ap.add_argument("--out", help="output directory (default: schemas/jp-pint-<version>/ of this checkout)")
    ap.add_argument("--no-codelists", action="store_true", help="write only the four rule TSVs")
    args = ap.parse_args(argv)

    if not re.fullmatch(r"\d+\.\d+\.\d+", args.version):
        ap.error("version must look like 1.1.2")
    out = args.out or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                   "schemas", f"jp-pint-{args.version}")
    os.makedirs(out, exist_ok=True)

    per_profile, tests = build_rules(args.repo, args.commit, args.version)
    for profile, _bundle, fname in PROFILES:
        write_tsv(os.path.join(out, fname), ("id", "flag", "context", "message"), per_profile[profile])
    write_tsv(os.path.join(out, "jp-pint-rule-tests.tsv"),
              ("profile", "source", "pattern", "rule", "id", "test"), tests)
    summary = ", ".join(f"{p} {len(per_profile[p])}" for p, _, _ in PROFILES)
    print(f"{out}: rules {summary}; {len(tests)} tests", file=sys.stderr)

    if not args.no_codelists:
        bundles, files = build_codelists(args.repo, args.commit, args.version)
        cl_dir = os.path.join(out, "codelists")
        os.makedirs(cl_dir, exist_ok=True)
        for name, (cols, rows) in sorted(files.items()):
            write_tsv(os.path.join(cl_dir, name + ".tsv"), cols,
                      [[r.get(c, "") for c in cols] for r in rows])
        write_tsv(os.path.join(cl_dir, "rule-codelists.tsv"),
                  ("profile", "rule", "codes_in_rule", "code_list", "codes_in_list", "only_in_rule", "only_in_list"),
                  build_rule_codelists(tests, bundles))
        print(f"{cl_dir}: {len(files)} code lists + rule-codelists.tsv", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Times the official JP PINT validation artefacts (the compiled Schematron XSLTs, run with Saxon-HE) on
documents, for `cie-bench validate --reference-xslt DIR`: the reference our own validation is compared with
in the same run, so that the ratio holds whatever the machine's speed that day.

Each timed run parses the document and applies every stylesheet to it, as the official validator does. The
stylesheets are compiled once, before timing. One line per document on stdout, tab-separated:
`path  p50_us  p99_us  failed_asserts` (the failed asserts of one run, so that a caller can see the reference
judged the document as the official validator does).

Usage: `python3 tools/official_xslt_timing.py --runs N --xslt A.xslt [--xslt B.xslt] DOC...`.
Needs `pip install saxonche`. The stylesheets are not part of this repository: JP PINT 1.1.3's are
`PINT-UBL-validation-preprocessed.xslt` and `PINT-jurisdiction-aligned-rules.xslt` of the official release
(also in phive-rules, `phive-rules-peppol-pint/src/main/resources/external/schematron/pint-jp/1.1.3/xslt/`).
"""

from __future__ import annotations

import argparse
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--xslt", action="append", required=True)
    parser.add_argument("documents", nargs="+")
    args = parser.parse_args()
    if args.runs < 1:
        print("--runs must be at least 1", file=sys.stderr)
        return 2
    try:
        from saxonche import PySaxonProcessor
    except ImportError:
        print("saxonche is not installed: pip install saxonche", file=sys.stderr)
        return 2

    with PySaxonProcessor(license=False) as processor:
        compiler = processor.new_xslt30_processor()
        stylesheets = []
        for path in args.xslt:
            stylesheet = compiler.compile_stylesheet(stylesheet_file=path)
            if stylesheet is None:
                print(f"{path} does not compile: {compiler.error_message}", file=sys.stderr)
                return 2
            stylesheets.append(stylesheet)
        for path in args.documents:
            with open(path, encoding="utf-8") as file:
                text = file.read()

            def once() -> int:
                node = processor.parse_xml(xml_text=text)
                reports = [s.transform_to_string(xdm_node=node) for s in stylesheets]
                return sum(report.count("<svrl:failed-assert") for report in reports)

            failed = once()
            for _ in range(args.runs // 10 + 1):
                once()
            samples = []
            for _ in range(args.runs):
                start = time.perf_counter()
                once()
                samples.append(time.perf_counter() - start)
            samples.sort()
            p50 = samples[len(samples) // 2]
            p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
            print(f"{path}\t{p50 * 1e6:.1f}\t{p99 * 1e6:.1f}\t{failed}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

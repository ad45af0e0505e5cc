#!/usr/bin/env python3
"""Sum the JUnit XML reports that the nx `test` targets write, one line per package, and close
with `tests: N passed, N failed, N skipped` on a line of its own.

Exit status: 1 when any test failed or errored, or when --require-tests is given and no test ran.
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def count(report: Path) -> tuple[int, int, int]:
    """(passed, failed, skipped) in one report; errors count as failures."""
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
    passed = failed = skipped = 0
    for suite in suites:
        tests = int(suite.get("tests", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skip = int(suite.get("skipped", 0))
        passed += tests - bad - skip
        failed += bad
        skipped += skip
    return passed, failed, skipped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("reports", type=Path, help="folder holding <package>.xml files")
    parser.add_argument("--require-tests", action="store_true", help="fail when no test ran")
    args = parser.parse_args()

    totals = [0, 0, 0]
    for report in sorted(args.reports.glob("*.xml")):
        try:
            numbers = count(report)
        except (ET.ParseError, ValueError) as exc:
            print(f"  {report.stem}: unreadable report ({exc})")
            totals[1] += 1
            continue
        print(f"  {report.stem}: {numbers[0]} passed, {numbers[1]} failed, {numbers[2]} skipped")
        totals = [a + b for a, b in zip(totals, numbers, strict=True)]

    passed, failed, skipped = totals
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    if failed:
        return 1
    if args.require_tests and passed + skipped == 0:
        print("no test ran", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``--format junit``: a JUnit XML report, for CI systems that show test results (GitLab's
``artifacts:reports:junit``, Jenkins, Azure Pipelines)::

    <testsuites name="dflint" tests="2" failures="1" errors="0">
      <testsuite name="Dockerfile" tests="1" failures="1" errors="0" skipped="0">
        <testcase name="DL3008 at 2:24" classname="Dockerfile" file="Dockerfile" line="2">
          <failure message="Pin versions" type="DL3008">Dockerfile:2:24: DL3008 [warning] Pin versions</failure>
        </testcase>
      </testsuite>
    </testsuites>

One test suite per file with findings, one failing test case per finding; the failure's text is
the concise line, so the severity label of the one table is in it. A DF000 (dflint itself failed)
is an ``<error>``, not a ``<failure>``. A run without findings is one suite with one passing
test case, so CI systems show that dflint ran.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from dflint.report import Headers, ReportOptions, sorted_diagnostics
from dflint.report.common import report_path, write_xml, xml_safe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from dflint.diagnostic import Diagnostic


def write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    diagnostics = sorted_diagnostics(diagnostics)
    errors = sum(d.code == "DF000" for d in diagnostics)
    root = ET.Element(
        "testsuites", name="dflint", tests=str(len(diagnostics) or 1),
        failures=str(len(diagnostics) - errors), errors=str(errors),
    )
    if not diagnostics:
        suite = ET.SubElement(root, "testsuite", name="dflint", tests="1", failures="0", errors="0", skipped="0")
        ET.SubElement(suite, "testcase", name="no findings", classname="dflint")
    header = Headers()
    for path, group in groupby(diagnostics, key=lambda d: d.path):
        items = list(group)
        shown = xml_safe(report_path(path))
        n_errors = sum(d.code == "DF000" for d in items)
        suite = ET.SubElement(
            root, "testsuite", name=shown, tests=str(len(items)),
            failures=str(len(items) - n_errors), errors=str(n_errors), skipped="0",
        )
        for d in items:
            line, col = d.start
            case = ET.SubElement(
                suite, "testcase", name=xml_safe(f"{d.code} at {line}:{col}"), classname=shown,
                file=shown, line=str(line),
            )
            kind = "error" if d.code == "DF000" else "failure"
            element = ET.SubElement(case, kind, message=xml_safe(d.message), type=xml_safe(d.code))
            element.text = xml_safe(header(d, line, col))
    write_xml(root, out)

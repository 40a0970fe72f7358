"""``--format checkstyle``: Checkstyle's XML report, which Jenkins (warnings-ng), reviewdog
(``-f=checkstyle``), SonarQube importers and many CI tools read::

    <?xml version="1.0" encoding="UTF-8"?>
    <checkstyle version="4.3">
      <file name="Dockerfile">
        <error line="2" column="24" severity="warning" message="Pin versions" source="DL3008"/>
      </file>
    </checkstyle>

One ``<file>`` per file with findings (sorted), one ``<error>`` per finding; ``source`` is the code
(as hadolint writes it). Severities come from the one table: error → error, warning → warning,
info and style → info. The format has no official schema or XSD: the tests check the structure
that readers rely on. Characters XML cannot hold become U+FFFD.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dflint.report import SEVERITY_STYLES, ReportOptions, sorted_diagnostics
from dflint.report.common import region, report_path, write_xml, xml_safe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from dflint.diagnostic import Diagnostic

CHECKSTYLE_VERSION = "4.3"


def write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    root = ET.Element("checkstyle", version=CHECKSTYLE_VERSION)
    current: ET.Element | None = None
    current_path: str | None = None
    for d in sorted_diagnostics(diagnostics):
        if d.path != current_path:
            current_path = d.path
            current = ET.SubElement(root, "file", name=xml_safe(report_path(d.path)))
        assert current is not None
        r = region(d)
        ET.SubElement(
            current,
            "error",
            line=str(r.start_line),
            column=str(r.start_column),
            severity=SEVERITY_STYLES[d.severity].checkstyle,
            message=xml_safe(d.message),
            source=xml_safe(d.code),
        )
    write_xml(root, out)

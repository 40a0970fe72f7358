"""``--format rdjson``: reviewdog's Diagnostic Format (rdjson), for ``reviewdog -f=rdjson``,
which posts findings as pull-request review comments and the fixes as suggested changes::

    {"source": {"name": "dflint", "url": "…"}, "severity": "WARNING", "diagnostics": [
      {"message": "…", "location": {"path": "Dockerfile", "range": {"start": {"line": 2,
       "column": 24}, "end": {"line": 2, "column": 28}}}, "severity": "WARNING",
       "code": {"value": "DL3008", "url": "…"}, "suggestions": [{"range": …, "text": "…"}],
       "original_output": "Dockerfile:2:24: DL3008 [warning] …"}]}

reviewdog counts columns in UTF-8 bytes (not code points, unlike SARIF) and ranges are
end-exclusive. Each edit of a finding's fix is one suggestion (an insertion is a range whose start
is its end); display-only fixes are not suggested. Severities come from the one table: error →
ERROR, warning → WARNING, info and style → INFO; the top-level severity is the most severe.
"""

from __future__ import annotations

from dflint.fix import Applicability
from dflint.report import SEVERITY_STYLES, ReportOptions, header, sorted_diagnostics
from dflint.report.common import project_url, region, report_path, rule_info, utf8_column

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

    from dflint.diagnostic import Diagnostic


def _position(d: Diagnostic, line: int, column: int) -> dict[str, int]:
    return {"line": line, "column": utf8_column(d, line, column)}


def diagnostic(d: Diagnostic) -> dict[str, Any]:
    r = region(d)
    out: dict[str, Any] = {
        "message": d.message,
        "location": {
            "path": report_path(d.path),
            "range": {
                "start": _position(d, r.start_line, r.start_column),
                "end": _position(d, r.end_line, r.end_column),
            },
        },
        "severity": SEVERITY_STYLES[d.severity].rdjson,
        "code": {"value": d.code, "url": rule_info(d.code, d.name, d.severity).help_uri},
        "original_output": header(d),
    }
    fix = d.fix
    if fix is not None and fix.applicability is not Applicability.DISPLAY_ONLY and fix.edits:
        suggestions = []
        for edit in fix.edits:
            sl, sc, el, ec = d.source.positions(edit.start, edit.end)
            suggestions.append(
                {"range": {"start": _position(d, sl, sc), "end": _position(d, el, ec)}, "text": edit.content}
            )
        out["suggestions"] = suggestions
    return out


def write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    from dflint.report.json import dump

    diagnostics = sorted_diagnostics(diagnostics)
    result: dict[str, Any] = {"source": {"name": "dflint", "url": project_url()}}
    if diagnostics:
        worst = max(diagnostics, key=lambda d: d.severity.rank).severity
        result["severity"] = SEVERITY_STYLES[worst].rdjson
    result["diagnostics"] = [diagnostic(d) for d in diagnostics]
    dump(result, out)

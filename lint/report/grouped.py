"""``--format grouped``: findings grouped under each file's name, as ruff's ``grouped`` format::

    Dockerfile:
      2:24 DL3008 [warning] Pin versions (fixable with `dflint fix`)
     14:1  DF002 [warning] Empty continuation line

    Found 2 problems (2 warnings).
    [*] 1 fixable with `dflint fix`.

Files sorted by path, findings by position; ``line:col`` right-aligned on the ``:`` within a file;
a blank line after each file; the same summary as ``--format full`` (left out with ``--quiet``).
"""

from __future__ import annotations

from itertools import groupby

from dflint.report import SEVERITY_STYLES, STYLES, ReportOptions, clean, painter, sorted_diagnostics, stream_encoding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from dflint.diagnostic import Diagnostic


def write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    from dflint.report.full import fix_hint, summary

    paint = painter(options.color)
    encoding = stream_encoding(out)
    diagnostics = sorted_diagnostics(diagnostics)
    for path, group in groupby(diagnostics, key=lambda d: d.path):
        items = list(group)
        out.write(paint(clean(path, encoding), STYLES["path"]) + ":\n")
        line_width = max(len(str(d.start[0])) for d in items)
        col_width = max(len(str(d.start[1])) for d in items)
        for d in items:
            line, col = d.start
            sev = SEVERITY_STYLES[d.severity]
            position = f"{str(line).rjust(line_width)}:{str(col).ljust(col_width)}"
            text = clean(d.message, encoding)
            hint = fix_hint(d, options)
            if hint:
                text = f"{text} {paint(hint, STYLES['fixable'])}"
            out.write(
                f"  {position} {paint(d.code, sev.style)} {paint('[' + sev.label + ']', sev.style)} {text}\n"
            )
        out.write("\n")
    if options.quiet:
        return
    lines = summary(diagnostics, options)
    if not diagnostics:
        lines[0] = paint(lines[0], STYLES["ok"])
    out.write("\n".join(lines) + "\n")

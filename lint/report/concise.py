"""``--format concise``: one line per diagnostic, ``path:line:col: CODE [severity] message``,
sorted by path then position. The line's shape is part of dflint's interface (editors and CI
problem matchers parse it); nothing else is written, not even a summary."""

from __future__ import annotations

from dflint.report import Headers, ReportOptions, painter, sorted_diagnostics, stream_encoding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from dflint.diagnostic import Diagnostic


def write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    header = Headers(painter(options.color), stream_encoding(out))
    out.write("".join([header(d, *d.start) + "\n" for d in sorted_diagnostics(diagnostics)]))

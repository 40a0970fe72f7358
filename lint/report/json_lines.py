"""``--format json-lines``: one compact JSON object per line (`Diagnostic.to_json()`, the objects
of ``--format json``), sorted by path then position; an empty run prints nothing. Each line is
a complete JSON document, so the output can be streamed, appended to and read with ``jq -c``.

Text is written as UTF-8 when the stream is UTF-8 and as ``\\uXXXX`` escapes otherwise;
undecodable bytes become U+FFFD (see ``--format json``).
"""

from __future__ import annotations

import json

from dflint.report import ReportOptions, sorted_diagnostics, stream_encoding
from dflint.report.json import scrub

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from dflint.diagnostic import Diagnostic


def write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    ascii_only = not stream_encoding(out).startswith("utf")
    for d in sorted_diagnostics(diagnostics):
        out.write(json.dumps(scrub(d.to_json()), ensure_ascii=ascii_only, separators=(",", ":")) + "\n")

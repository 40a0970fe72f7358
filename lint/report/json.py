"""``--format json``: a JSON list of `Diagnostic.to_json()` objects, sorted by path then
position, indented by 2; an empty run prints ``[]``.

Text is written as UTF-8 characters when the stream is UTF-8 and as ``\\uXXXX`` escapes
otherwise, so no terminal encoding can fail. Bytes that were not UTF-8 (kept as lone surrogates
by surrogateescape) become U+FFFD: a lone surrogate escape is rejected by strict JSON readers.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, TextIO

from dflint.report import ReportOptions, sorted_diagnostics, stream_encoding

if TYPE_CHECKING:
    from dflint.diagnostic import Diagnostic

_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(value: Any) -> Any:
    """`value` with lone surrogates in every string (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    return value


def dump(value: Any, out: TextIO) -> None:
    """Write `value` as indented JSON plus a newline, safely for `out`'s encoding."""
    ascii_only = not stream_encoding(out).startswith("utf")
    out.write(json.dumps(scrub(value), indent=2, ensure_ascii=ascii_only) + "\n")


def write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    dump([d.to_json() for d in sorted_diagnostics(diagnostics)], out)

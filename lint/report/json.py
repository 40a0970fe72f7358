"""``--format json``: a JSON list of `Diagnostic.to_json()` objects, sorted by path then
position, indented by 2; an empty run prints ``[]``.

Text is written as UTF-8 characters when the stream is UTF-8 and as ``\\uXXXX`` escapes
otherwise, so no terminal encoding can fail. Bytes that were not UTF-8 (kept as lone surrogates
by surrogateescape) become U+FFFD: a lone surrogate escape is rejected by strict JSON readers.
"""

from __future__ import annotations

import json

from dflint.report import ReportOptions, sorted_diagnostics, stream_encoding
from dflint.source import LazyPattern

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

    from dflint.diagnostic import Diagnostic

_SURROGATE = LazyPattern("[\ud800-\udfff]")
#: How ``ensure_ascii`` output writes a surrogate (a lone one, or half of a pair)
_ESCAPED_SURROGATE = LazyPattern(r"\\ud[89a-f]")


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
    text = json.dumps(value, indent=2, ensure_ascii=ascii_only)
    # (a surrogate in the text is one in a string of `value`, or with ensure_ascii an escaped
    # one, perhaps of a pair: only then is `value` scrubbed, a walk over all of it)
    if (_ESCAPED_SURROGATE if ascii_only else _SURROGATE).search(text):
        text = json.dumps(scrub(value), indent=2, ensure_ascii=ascii_only)
    out.write(text + "\n")


def write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    dump([d.to_json() for d in sorted_diagnostics(diagnostics)], out)

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
    text = dumps(value, ascii_only)
    # (a surrogate in the text is one in a string of `value`, or with ensure_ascii an escaped
    # one, perhaps of a pair: only then is `value` scrubbed, a walk over all of it; an ASCII
    # text, known without a scan, has no surrogate)
    if ascii_only:
        surrogate = "\\ud" in text and _ESCAPED_SURROGATE.search(text)
    else:
        surrogate = not text.isascii() and _SURROGATE.search(text)
    if surrogate:
        text = dumps(scrub(value), ascii_only)
    out.write(text + "\n")


def dumps(value: Any, ascii_only: bool = False) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=ascii_only)``, the same text, several times
    faster: the standard library encodes an indented document in pure Python (its C encoder
    does no indenting), this joins the strings of each container in one go. Strings, integers,
    booleans, None, lists, tuples and dicts with string keys are written here; a document with
    anything else (a float, a non-string key) by `json.dumps` itself."""
    from json import encoder

    encode = encoder.encode_basestring_ascii if ascii_only else encoder.encode_basestring
    try:
        return _dumps(value, "\n", encode)
    except (_Unusual, TypeError):
        return json.dumps(value, indent=2, ensure_ascii=ascii_only)


class _Unusual(Exception):
    """A value `dumps` leaves to `json.dumps`."""


def _dumps(value: Any, newline: str, encode: Any) -> str:
    """`value` as JSON indented by 2; `newline` is a line break plus the indentation of the
    line `value` starts on."""
    cls = value.__class__
    if cls is str:
        return encode(value)
    if cls is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    inner = newline + "  "
    if cls is dict:
        if not value:
            return "{}"
        items = []
        for key, item in value.items():
            cls = item.__class__
            if cls is str:  # (the common values, here rather than in a call)
                text = encode(item)
            elif cls is int:
                text = int.__repr__(item)
            else:
                text = _dumps(item, inner, encode)
            items.append(f"{encode(key)}: {text}")  # (TypeError: a key that is not a string)
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    if cls is list or cls is tuple:
        if not value:
            return "[]"
        return "[" + inner + ("," + inner).join([_dumps(item, inner, encode) for item in value]) + newline + "]"
    raise _Unusual


def write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    dump([d.to_json() for d in sorted_diagnostics(diagnostics)], out)

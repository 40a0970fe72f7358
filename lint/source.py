"""Source text and positions: the bytes of a Dockerfile as text, with exact offsets.

A `SourceFile` keeps everything needed to give the bytes back unchanged: the text is decoded with
`surrogateescape` (so invalid UTF-8 survives), the BOM is remembered rather than kept in the text
(BuildKit strips it, and it must not shift columns on line 1), and line endings stay in the text as
they were. Offsets are indices into `text` (code points); lines and columns are 1-based and count
code points, as SARIF's `unicodeCodePoints`.
"""

from __future__ import annotations

import bisect

BOM = "\ufeff"


class Span:
    """A half-open range ``[start, end)`` of offsets into `SourceFile.text`.

    An immutable value (do not assign to its fields): equal, hashable and ordered as the pair
    ``(start, end)``. Hand-written rather than a frozen dataclass: spans are made by the hundred
    thousand, and this one is made three times faster (and costs no import time)."""

    __slots__ = ("start", "end")
    __match_args__ = ("start", "end")

    start: int
    end: int

    def __init__(self, start: int, end: int) -> None:
        if start < 0 or end < start:
            raise ValueError(f"bad span {start}..{end}")
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"Span(start={self.start!r}, end={self.end!r})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return self.start == other.start and self.end == other.end  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.start, self.end))

    def __lt__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return (self.start, self.end) < (other.start, other.end)

    def __le__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return (self.start, self.end) <= (other.start, other.end)

    def __gt__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return (self.start, self.end) > (other.start, other.end)

    def __ge__(self, other: Span) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return (self.start, self.end) >= (other.start, other.end)

    def __reduce__(self) -> tuple:
        return (Span, (self.start, self.end))

    def __len__(self) -> int:
        return self.end - self.start

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


class Record:
    """Base of the hand-written value records (nodes, words, flags…): a subclass lists its field
    names in `_fields`, in the order of its ``__init__`` parameters, and writes that
    ``__init__``; it gets equality, hashing, `repr` and pickling over those fields, like a frozen
    dataclass (whose generated code would cost import time in every run). Treat records as
    immutable: nothing assigns to their fields after they are made."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _values(self) -> tuple:
        return tuple([getattr(self, f) for f in self._fields])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{self.__class__.__qualname__}({fields})"

    def __reduce__(self) -> tuple:
        return (self.__class__, self._values())


class TupleRecord(tuple):
    """Base of the hand-written named tuples: what ``typing.NamedTuple`` gives (a tuple, fields
    by name, `_fields`, `_replace`, `_asdict`, its `repr`, pickling), without the class built at
    import time by ``collections.namedtuple`` (it compiles code with `eval`: a fraction of a ms
    per class, in every run). A subclass sets `_fields`, writes ``__new__`` (calling
    ``tuple.__new__(cls, (...))``) and one ``name = field(i)`` per field."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"{self.__class__.__name__}({values})"

    def _replace(self, **changes: object) -> TupleRecord:
        values = [changes.pop(name, value) for name, value in zip(self._fields, self)]
        if changes:
            raise ValueError(f"Got unexpected field names: {list(changes)!r}")
        return self.__class__(*values)

    def _asdict(self) -> dict[str, object]:
        return dict(zip(self._fields, self))

    def __getnewargs__(self) -> tuple:
        return tuple(self)


def field(index: int, doc: str | None = None) -> property:
    """The property that reads item `index` of a `TupleRecord`."""
    from operator import itemgetter

    return property(itemgetter(index), doc=doc)


class LazyPattern:
    """``re.compile(pattern, flags)``, done when the pattern is first used: a module-level
    pattern costs no start-up time in the runs that never need it (most rules' patterns are for
    rare cases). The methods of a compiled pattern are available (`match`, `fullmatch`,
    `search`, `finditer`, `findall`, `sub`, `split`, …); `compiled` is the pattern itself."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._compiled = None

    @property
    def compiled(self):  # -> re.Pattern[str]
        compiled = self._compiled
        if compiled is None:
            import re

            compiled = self._compiled = re.compile(*self._args)
        return compiled

    @property
    def pattern(self) -> str:
        return self._args[0]

    @property
    def flags(self) -> int:
        return self.compiled.flags

    def match(self, text: str, *args: int):
        return self.compiled.match(text, *args)

    def fullmatch(self, text: str, *args: int):
        return self.compiled.fullmatch(text, *args)

    def search(self, text: str, *args: int):
        return self.compiled.search(text, *args)

    def finditer(self, text: str, *args: int):
        return self.compiled.finditer(text, *args)

    def findall(self, text: str, *args: int):
        return self.compiled.findall(text, *args)

    def sub(self, repl, text: str, count: int = 0):
        return self.compiled.sub(repl, text, count)

    def subn(self, repl, text: str, count: int = 0):
        return self.compiled.subn(repl, text, count)

    def split(self, text: str, maxsplit: int = 0):
        return self.compiled.split(text, maxsplit)

    def __repr__(self) -> str:
        return f"LazyPattern({self._args[0]!r})"


class BinaryFileError(ValueError):
    """The input is not text (it has NUL bytes)."""


class SourceFile:
    """A Dockerfile's text with a line index."""

    __slots__ = ("path", "text", "bom", "_line_starts")

    def __init__(self, text: str, path: str = "<string>", bom: bool = False) -> None:
        if not bom and text.startswith(BOM):  # only one BOM is a BOM; a second one is text
            text, bom = text[1:], True
        self.path = path
        self.text = text
        self.bom = bom
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._line_starts = starts

    @classmethod
    def from_bytes(cls, data: bytes, path: str = "<bytes>") -> SourceFile:
        if b"\x00" in data:
            raise BinaryFileError("binary file (contains NUL bytes)")
        bom = data.startswith(b"\xef\xbb\xbf")
        if bom:
            data = data[3:]
        return cls(data.decode("utf-8", "surrogateescape"), path, bom)

    def to_bytes(self, text: str | None = None) -> bytes:
        """The file's bytes, or those of `text` written the way this file was (same BOM)."""
        body = (self.text if text is None else text).encode("utf-8", "surrogateescape")
        return (b"\xef\xbb\xbf" + body) if self.bom else body

    @property
    def newline(self) -> str:
        """The file's dominant line ending: ``"\\r\\n"`` or ``"\\n"``."""
        crlf = self.text.count("\r\n")
        return "\r\n" if crlf and crlf * 2 >= self.text.count("\n") else "\n"

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def line_start(self, line: int) -> int:
        """Offset of the first character of 1-based `line`."""
        return self._line_starts[line - 1]

    def line_end(self, line: int, keep_newline: bool = False) -> int:
        """Offset just past 1-based `line` (before its line ending unless `keep_newline`)."""
        starts = self._line_starts
        end = starts[line] if line < len(starts) else len(self.text)
        if not keep_newline:
            if end > starts[line - 1] and self.text[end - 1 : end] == "\n":
                end -= 1
                if end > starts[line - 1] and self.text[end - 1] == "\r":
                    end -= 1
        return end

    def line_text(self, line: int) -> str:
        return self.text[self.line_start(line) : self.line_end(line)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset; the column counts code points."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def positions(self, start: int, end: int) -> tuple[int, int, int, int]:
        """`position` of `start` and of `end` at once: ``(line, column, end_line, end_column)``.
        One line search when both are on the same line (the common case: a span)."""
        size = len(self.text)
        if not 0 <= start <= end <= size:  # (a span's offsets need no clamping)
            start = max(0, min(start, size))
            end = max(0, min(end, size))
        starts = self._line_starts
        index = bisect.bisect_right(starts, start) - 1
        line_start = starts[index]
        if start <= end and (index + 1 == len(starts) or end < starts[index + 1]):
            return index + 1, start - line_start + 1, index + 1, end - line_start + 1
        end_index = bisect.bisect_right(starts, end) - 1
        return index + 1, start - line_start + 1, end_index + 1, end - starts[end_index] + 1

    def offset(self, line: int, column: int) -> int:
        """Inverse of `position`."""
        return self._line_starts[line - 1] + column - 1

    def slice(self, span: Span) -> str:
        return self.text[span.start : span.end]

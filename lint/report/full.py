"""``--format full`` (the default): each diagnostic's concise line, then a code frame, then a
``help:`` line when it has a fix; a summary at the end.

```
Dockerfile:2:5: DL3008 [warning] Pin versions in apt-get install
  |
2 | RUN apt-get install curl
  |     ^^^^^^^^^^^^^^^^^^^^
  |
  = help: Pin curl (fixable with `dflint fix`)

Found 1 problem (1 warning).
[*] 1 fixable with `dflint fix`.
```

The frame shows the line(s) of the span with their numbers in a gutter and the span underlined
with ``^``: every line of a multi-line span, each underlined for its part (past
`MAX_FRAME_LINES` lines, the first and last `FRAME_EDGE` lines with ``...`` between); a span of
zero width gets one ``^``. Tabs are expanded to `TAB_WIDTH` stops in the line and the underline
alike, wide characters count two columns, lines wider than `MAX_LINE_WIDTH` columns are clipped
around the span with ``...``. Line endings are never printed (CRLF files show no ``\\r``), and
text is cleaned for the stream's encoding (`dflint.report.clean`).

With ``options.color`` the code, severity, gutter and underline are styled through rich (imported
only then); without it, plain text with no escape codes.
"""

from __future__ import annotations

import bisect

from dflint.fix import Applicability
from dflint.report import (
    SEVERITY_STYLES,
    STYLES,
    Headers,
    ReportOptions,
    clean,
    is_fixable,
    painter,
    sorted_diagnostics,
    stream_encoding,
)
from dflint.rule import Severity
from dflint.source import TupleRecord, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Sequence, TextIO

    from dflint.diagnostic import Diagnostic
    from dflint.report import Paint

TAB_WIDTH = 4  # tab stops, in columns
MAX_LINE_WIDTH = 120  # columns of a source line shown before clipping
LEFT_CONTEXT = 40  # columns kept left of the span in a clipped line
MAX_FRAME_LINES = 10  # a span over more lines shows only its first and last FRAME_EDGE lines
FRAME_EDGE = 4
ELLIPSIS = "..."

FIX_COMMAND = "dflint fix"
UNSAFE_FIX_COMMAND = "dflint fix --unsafe-fixes"


class FrameLine(TupleRecord):
    """One row of a code frame: the line number (None for the ``...`` of skipped lines), the
    line as shown, and the underline (column and number of ``^``; count 0 for none). A named
    tuple."""

    __slots__ = ()
    _fields = ("number", "code", "caret_column", "caret_count")

    def __new__(cls, number: int | None, code: str, caret_column: int, caret_count: int) -> FrameLine:
        return tuple.__new__(cls, (number, code, caret_column, caret_count))

    number: int | None = field(0)  # type: ignore[assignment]
    code: str = field(1)  # type: ignore[assignment]
    caret_column: int = field(2)  # type: ignore[assignment]
    caret_count: int = field(3)  # type: ignore[assignment]


def char_width(c: str) -> int:
    """Terminal columns of one (already cleaned, non-tab) character."""
    if ord(c) < 0x300:
        return 1
    import unicodedata  # only for non-ASCII lines: it is a few ms of start-up

    if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


def _cells(line: str, encoding: str) -> tuple[list[str], list[int]]:
    """Each character of `line` as shown (tabs expanded) and its width in columns."""
    return _shown_cells(clean(line, encoding))  # one character for one character


def _shown_cells(shown: str) -> tuple[list[str], list[int]]:
    if shown.isascii() and "\t" not in shown:
        return list(shown), [1] * len(shown)
    texts: list[str] = []
    widths: list[int] = []
    col = 0
    for c in shown:
        if c == "\t":
            w = TAB_WIDTH - col % TAB_WIDTH
            texts.append(" " * w)
        else:
            w = char_width(c)
            texts.append(c)
        widths.append(w)
        col += w
    return texts, widths


def render_line(line: str, part: tuple[int, int] | None, encoding: str = "utf-8") -> tuple[str, int, int]:
    """`line` as shown, with the column and count of ``^`` under characters ``part = (a, b)``
    (character indices; ``a == b`` gets one ``^``; None: no underline). Clipped around the part
    when wider than `MAX_LINE_WIDTH`."""
    shown = clean(line, encoding)
    if shown.isascii() and "\t" not in shown:  # one column per character (most lines)
        if part is not None and len(shown) <= MAX_LINE_WIDTH:
            a, b = part
            if 0 <= a <= b <= len(shown):  # (most parts: no clipping, nothing to clamp)
                return shown, a, b - a or 1
        return _render_columns(shown, part)
    texts, widths = _shown_cells(shown)
    return _render_cells(texts, widths, part)


def _render_cells(texts: list[str], widths: list[int], part: tuple[int, int] | None) -> tuple[str, int, int]:
    """`render_line` of a line's cells (`_shown_cells`)."""
    n = len(texts)
    cols = [0]
    for w in widths:
        cols.append(cols[-1] + w)
    a, b = part if part is not None else (0, 0)
    a = min(max(a, 0), n)
    b = min(max(b, a), n)
    s, e, prefix, suffix = 0, n, "", ""
    if cols[n] > MAX_LINE_WIDTH:
        s = min(bisect.bisect_left(cols, max(0, cols[a] - LEFT_CONTEXT)), a)
        prefix = ELLIPSIS if s > 0 else ""
        budget = MAX_LINE_WIDTH - len(prefix)
        e = bisect.bisect_right(cols, cols[s] + budget) - 1
        if e < n:
            e = bisect.bisect_right(cols, cols[s] + budget - len(ELLIPSIS)) - 1
            suffix = ELLIPSIS
        e = max(e, s)
    code = prefix + "".join(texts[s:e]) + suffix
    if part is None:
        return code, 0, 0
    ca, cb = min(max(a, s), e), min(max(b, s), e)
    return code, len(prefix) + cols[ca] - cols[s], max(1, cols[cb] - cols[ca])


def _render_columns(shown: str, part: tuple[int, int] | None) -> tuple[str, int, int]:
    """`render_line` of a line whose every character is one column (character i is at column
    i): the same arithmetic, without a table of columns."""
    n = len(shown)
    a, b = part if part is not None else (0, 0)
    a = min(max(a, 0), n)
    b = min(max(b, a), n)
    s, e, prefix, suffix = 0, n, "", ""
    if n > MAX_LINE_WIDTH:
        s = max(0, a - LEFT_CONTEXT)
        prefix = ELLIPSIS if s > 0 else ""
        budget = MAX_LINE_WIDTH - len(prefix)
        e = min(s + budget, n)
        if e < n:
            e = min(s + budget - len(ELLIPSIS), n)
            suffix = ELLIPSIS
        e = max(e, s)
        shown = prefix + shown[s:e] + suffix
    if part is None:
        return shown, 0, 0
    ca, cb = min(max(a, s), e), min(max(b, s), e)
    return shown, len(prefix) + ca - s, max(1, cb - ca)


def frame(
    diagnostic: Diagnostic, encoding: str = "utf-8", positions: tuple[int, int, int, int] | None = None
) -> list[FrameLine]:
    """The code frame of `diagnostic`'s span (`positions`: ``diagnostic.positions()``, when
    the caller has it already)."""
    src = diagnostic.source
    text = src.text
    size = len(text)
    start = min(diagnostic.span.start, size)
    end = min(max(diagnostic.span.end, start), size)
    first, _, last, last_col = positions or src.positions(start, end)
    if last > first and last_col == 1:
        last -= 1  # the span ends with a line break: nothing of the next line is in it
    if first == last:  # one line (most spans): the loop below, for one number
        line_start = src.line_start(first)
        line = text[line_start : src.line_end(first)]
        a = min(start - line_start, len(line))
        b = min(max(end - line_start, a), len(line))
        return [FrameLine(first, *render_line(line, (a, b), encoding))]
    numbers: Sequence[int | None] = range(first, last + 1)
    if len(numbers) > MAX_FRAME_LINES:
        numbers = [*numbers[:FRAME_EDGE], None, *numbers[-FRAME_EDGE:]]
    rows = []
    for number in numbers:
        if number is None:
            rows.append(FrameLine(None, ELLIPSIS, 0, 0))
            continue
        line_start = src.line_start(number)
        line = text[line_start : src.line_end(number)]
        a = min(max(start, line_start) - line_start, len(line))
        b = min(max(end - line_start, a), len(line))
        # the first line always gets a mark (one ^ for a zero-width span); other lines only
        # when part of the span is on them (not an empty line inside a multi-line span)
        part = (a, b) if (number == first or b > a) else None
        code, column, count = render_line(line, part, encoding)
        rows.append(FrameLine(number, code, column, count))
    return rows


def fix_hint(diagnostic: Diagnostic, options: ReportOptions) -> str | None:
    """``(fixable with `dflint fix`)``, its ``--unsafe-fixes`` variant, or None."""
    fix = diagnostic.fix
    if fix is None or not options.show_fix_hints:
        return None
    if is_fixable(diagnostic, options.unsafe_fixes):
        return f"(fixable with `{FIX_COMMAND}`)"
    if fix.applicability is Applicability.UNSAFE:
        return f"(fixable with `{UNSAFE_FIX_COMMAND}`)"
    return None  # display-only


def render(diagnostic: Diagnostic, options: ReportOptions, paint: Paint, encoding: str) -> list[str]:
    """The lines of one diagnostic: header, frame, help; no trailing blank line."""
    return _Renderer(options, paint, encoding).render(diagnostic)


class _Renderer:
    """`render` for many diagnostics, with what they share made once: the painted header
    pieces (`Headers`) and the gutter's bars."""

    def __init__(self, options: ReportOptions, paint: Paint, encoding: str) -> None:
        self.options = options
        self.paint = paint
        self.encoding = encoding
        self.header = Headers(paint, encoding)
        #: gutter width -> (padding, painted bar)
        self.bars: dict[int, tuple[str, str]] = {}
        #: code -> (severity, its style): the severity's style, without hashing the severity
        self.styles: dict[str, tuple[Severity, str]] = {}

    def render(self, diagnostic: Diagnostic) -> list[str]:
        paint, encoding = self.paint, self.encoding
        positions = diagnostic.positions()
        rows = frame(diagnostic, encoding, positions)
        gutter = STYLES["gutter"]
        width = len(str(rows[-1].number))  # (the numbers grow; the last row is never the "...")
        bar = self.bars.get(width)
        if bar is None:
            pad = " " * width
            bar = self.bars[width] = (pad, paint(f"{pad} |", gutter))
        pad, bar = bar
        style = self.styles.get(diagnostic.code)
        if style is None or style[0] is not diagnostic.severity:
            style = self.styles[diagnostic.code] = (diagnostic.severity, SEVERITY_STYLES[diagnostic.severity].style)
        style = style[1]
        lines = [self.header(diagnostic, positions[0], positions[1]), bar]
        for number, code, caret_column, caret_count in rows:
            if number is None:
                lines.append(paint(ELLIPSIS, gutter))
                continue
            shown = paint(f"{number:>{width}} |", gutter)
            lines.append(f"{shown} {code}" if code else shown)
            if caret_count:
                lines.append(f"{bar} {' ' * caret_column}{paint('^' * caret_count, style)}")
        lines.append(bar)
        if diagnostic.fix is not None:
            title = clean(diagnostic.fix.title, encoding) or "a fix is available"
            hint = fix_hint(diagnostic, self.options)
            help_ = f"{pad} {paint('= help:', STYLES['help'])} {title}"
            lines.append(f"{help_} {hint}" if hint else help_)
        return lines


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary(diagnostics: list[Diagnostic], options: ReportOptions) -> list[str]:
    """``Found 3 problems (1 error, 2 warnings).`` and the fixable counts; for no diagnostics,
    ``All checks passed!``."""
    if not diagnostics:
        return ["All checks passed!"]
    severities = [d.severity for d in diagnostics]
    by_severity = {s: severities.count(s) for s in Severity}  # (`count` compares by identity first)
    parts = [
        f"{n} {SEVERITY_STYLES[s].label if n == 1 else SEVERITY_STYLES[s].plural}"
        for s, n in sorted(by_severity.items(), key=lambda kv: -kv[0].rank)
        if n
    ]
    lines = [f"Found {_plural(len(diagnostics), 'problem')} ({', '.join(parts)})."]
    if options.show_fix_hints:
        with_fix = [d for d in diagnostics if d.fix is not None]
        fixable = sum(is_fixable(d, options.unsafe_fixes) for d in with_fix)
        hidden = sum(
            1
            for d in with_fix
            if d.fix.applicability is Applicability.UNSAFE and not is_fixable(d, options.unsafe_fixes)
        )
        if fixable:
            lines.append(f"[*] {fixable} fixable with `{FIX_COMMAND}`.")
        if hidden:
            more = " more" if fixable else ""
            lines.append(f"{hidden}{more} fixable with `{UNSAFE_FIX_COMMAND}`.")
    return lines


def write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    paint = painter(options.color)
    render = _Renderer(options, paint, stream_encoding(out)).render
    diagnostics = sorted_diagnostics(diagnostics)
    for d in diagnostics:
        out.write("\n".join(render(d)) + "\n\n")
    if options.quiet:
        return
    lines = summary(diagnostics, options)
    if not diagnostics:
        lines[0] = paint(lines[0], STYLES["ok"])
    elif options.color:
        lines = [
            line.replace("[*]", f"[{paint('*', STYLES['fixable'])}]", 1) if line.startswith("[*]") else line
            for line in lines
        ]
    out.write("\n".join(lines) + "\n")

"""A finding as reported: a rule's `Violation` resolved to a file, a code and positions."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from dflint.fix import Fix
    from dflint.rule import Severity
    from dflint.source import SourceFile, Span


class Diagnostic:
    """One finding in one file. Treat it as immutable; equality is identity.

    (A plain slotted class: a dataclass costs import time in every run.)"""

    __slots__ = ("path", "code", "name", "severity", "message", "span", "source", "fix")

    path: str  # as given on the command line (or --stdin-filename)
    code: str  # "DL3008", "DF001", "SC2086"
    name: str  # kebab-case rule name
    severity: Severity
    message: str
    span: Span
    source: SourceFile  # for positions and code frames
    fix: Fix | None

    def __init__(
        self,
        path: str,
        code: str,
        name: str,
        severity: Severity,
        message: str,
        span: Span,
        source: SourceFile,
        fix: Fix | None = None,
    ) -> None:
        self.path = path
        self.code = code
        self.name = name
        self.severity = severity
        self.message = message
        self.span = span
        self.source = source
        self.fix = fix

    def __repr__(self) -> str:
        return (
            f"Diagnostic(path={self.path!r}, code={self.code!r}, name={self.name!r}, severity={self.severity!r}, "
            f"message={self.message!r}, span={self.span!r}, fix={self.fix!r})"
        )

    @property
    def start(self) -> tuple[int, int]:
        """1-based (line, column) of the span's start."""
        return self.source.position(self.span.start)

    @property
    def end(self) -> tuple[int, int]:
        """1-based (line, column) just past the span's end (exclusive, as ruff and SARIF)."""
        return self.source.position(self.span.end)

    def positions(self) -> tuple[int, int, int, int]:
        """`start` and `end` at once: ``(line, column, end_line, end_column)``."""
        span = self.span
        return self.source.positions(span.start, span.end)

    @property
    def line(self) -> int:
        return self.start[0]

    @property
    def column(self) -> int:
        return self.start[1]

    def sort_key(self) -> tuple:
        return (self.path, self.span.start, self.span.end, self.code)

    def fix_json(self) -> dict[str, Any] | None:
        if self.fix is None:
            return None
        edits = []
        for e in self.fix.edits:
            sl, sc, el, ec = self.source.positions(e.start, e.end)
            edits.append(
                {"start_line": sl, "start_column": sc, "end_line": el, "end_column": ec, "content": e.content}
            )
        return {"title": self.fix.title, "applicability": self.fix.applicability.label, "edits": edits}

    def to_json(self) -> dict[str, Any]:
        line, col, end_line, end_col = self.positions()
        return {
            "path": self.path,
            "line": line,
            "column": col,
            "end_line": end_line,
            "end_column": end_col,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "fix": self.fix_json(),
        }

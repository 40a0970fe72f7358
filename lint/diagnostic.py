"""A finding as reported: a rule's `Violation` resolved to a file, a code and positions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dflint.fix import Fix
from dflint.rule import Severity
from dflint.source import SourceFile, Span


@dataclass(frozen=True, eq=False)
class Diagnostic:
    path: str  # as given on the command line (or --stdin-filename)
    code: str  # "DL3008", "DF001", "SC2086"
    name: str  # kebab-case rule name
    severity: Severity
    message: str
    span: Span
    source: SourceFile  # for positions and code frames
    fix: Fix | None = None

    @property
    def start(self) -> tuple[int, int]:
        """1-based (line, column) of the span's start."""
        return self.source.position(self.span.start)

    @property
    def end(self) -> tuple[int, int]:
        """1-based (line, column) just past the span's end (exclusive, as ruff and SARIF)."""
        return self.source.position(self.span.end)

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
            (sl, sc), (el, ec) = self.source.position(e.start), self.source.position(e.end)
            edits.append(
                {"start_line": sl, "start_column": sc, "end_line": el, "end_column": ec, "content": e.content}
            )
        return {"title": self.fix.title, "applicability": self.fix.applicability.label, "edits": edits}

    def to_json(self) -> dict[str, Any]:
        (line, col), (end_line, end_col) = self.start, self.end
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

"""Fixes, after ruff: `Edit`s on exact offsets of the current text, grouped into a `Fix` with an
`Applicability` that says whether `dflint fix` may apply it."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Applicability(enum.IntEnum):
    """How safe a fix is; a larger value is safer."""

    DISPLAY_ONLY = 0  # shown, never applied
    UNSAFE = 1  # valid, but may change what the build produces; needs --unsafe-fixes
    SAFE = 2  # keeps the build's meaning and every comment

    @property
    def label(self) -> str:
        return {0: "display-only", 1: "unsafe", 2: "safe"}[self.value]


@dataclass(frozen=True, slots=True, order=True)
class Edit:
    """Replace ``text[start:end]`` with `content` (an insertion when start == end)."""

    start: int
    end: int
    content: str = ""

    @classmethod
    def insert(cls, at: int, content: str) -> Edit:
        return cls(at, at, content)

    @classmethod
    def delete(cls, start: int, end: int) -> Edit:
        return cls(start, end, "")


@dataclass(frozen=True, slots=True)
class Fix:
    edits: tuple[Edit, ...]
    applicability: Applicability
    title: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "edits", tuple(sorted(self.edits)))

    @classmethod
    def safe(cls, title: str, *edits: Edit) -> Fix:
        return cls(edits, Applicability.SAFE, title)

    @classmethod
    def unsafe(cls, title: str, *edits: Edit) -> Fix:
        return cls(edits, Applicability.UNSAFE, title)

    @property
    def start(self) -> int:
        return self.edits[0].start if self.edits else 0


def apply_edits(text: str, edits: list[Edit] | tuple[Edit, ...]) -> str:
    """Apply non-overlapping edits (sorted here) to `text` in one pass."""
    out, pos = [], 0
    for e in sorted(edits):
        if e.start < pos:
            raise ValueError(f"overlapping edit at {e.start}")
        out.append(text[pos : e.start])
        out.append(e.content)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def _conflicts(edit: Edit, taken: list[Edit]) -> bool:
    for other in taken:
        if edit.start < other.end and other.start < edit.end:
            return True
        if edit.start == edit.end == other.start == other.end:  # two insertions at one point
            return True
        if edit.start == edit.end and other.start < edit.start < other.end:
            return True
    return False


def apply_fixes(text: str, fixes: list[tuple[str, Fix]]) -> tuple[str, list[tuple[str, Fix]]]:
    """One round of ruff's fix application over ``(code, fix)`` pairs already filtered by
    applicability: sorted by (first edit, code); a fix that overlaps one already taken is skipped
    whole (it is retried next round, on the new text); identical fixes (one fix shared by several
    findings) are applied once. Returns the new text and the fixes applied."""
    taken: list[Edit] = []
    applied: list[tuple[str, Fix]] = []
    seen: set[Fix] = set()
    for code, fix in sorted(fixes, key=lambda cf: (cf[1].start, cf[0])):
        if fix in seen:
            continue
        if any(_conflicts(e, taken) for e in fix.edits) or _self_overlapping(fix):
            continue
        seen.add(fix)
        taken.extend(fix.edits)
        applied.append((code, fix))
    if not applied:
        return text, []
    return apply_edits(text, taken), applied


def _self_overlapping(fix: Fix) -> bool:
    edits = fix.edits
    return any(a.end > b.start for a, b in zip(edits, edits[1:]))

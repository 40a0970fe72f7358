"""Fixes, after ruff: `Edit`s on exact offsets of the current text, grouped into a `Fix` with an
`Applicability` that says whether `dflint fix` may apply it."""

from __future__ import annotations

import enum


_LABELS = {0: "display-only", 1: "unsafe", 2: "safe"}


class Applicability(enum.IntEnum):
    """How safe a fix is; a larger value is safer."""

    DISPLAY_ONLY = 0  # shown, never applied
    UNSAFE = 1  # valid, but may change what the build produces; needs --unsafe-fixes
    SAFE = 2  # keeps the build's meaning and every comment

    @property
    def label(self) -> str:
        return _LABELS[self.value]


class Edit:
    """Replace ``text[start:end]`` with `content` (an insertion when start == end).

    An immutable record, ordered by (start, end, content). Hand-written rather than a dataclass:
    dataclasses cost import time in every run."""

    __slots__ = ("start", "end", "content")

    start: int
    end: int
    content: str

    def __init__(self, start: int, end: int, content: str = "") -> None:
        set_ = object.__setattr__
        set_(self, "start", start)
        set_(self, "end", end)
        set_(self, "content", content)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Edit is immutable: cannot assign to {name!r}")

    def _key(self) -> tuple[int, int, str]:
        return (self.start, self.end, self.content)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __lt__(self, other: Edit) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() < other._key()

    def __le__(self, other: Edit) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() <= other._key()

    def __gt__(self, other: Edit) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() > other._key()

    def __ge__(self, other: Edit) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() >= other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Edit(start={self.start!r}, end={self.end!r}, content={self.content!r})"

    def __reduce__(self):
        return (Edit, self._key())

    @classmethod
    def insert(cls, at: int, content: str) -> Edit:
        return cls(at, at, content)

    @classmethod
    def delete(cls, start: int, end: int) -> Edit:
        return cls(start, end, "")


class Fix:
    """Edits applied together (kept sorted), how safe they are, and a title. Immutable."""

    __slots__ = ("edits", "applicability", "title")

    edits: tuple[Edit, ...]
    applicability: Applicability
    title: str

    def __init__(self, edits: tuple[Edit, ...] | list[Edit], applicability: Applicability, title: str) -> None:
        set_ = object.__setattr__
        set_(self, "edits", tuple(sorted(edits)))
        set_(self, "applicability", applicability)
        set_(self, "title", title)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Fix is immutable: cannot assign to {name!r}")

    def _key(self) -> tuple:
        return (self.edits, self.applicability, self.title)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Fix(edits={self.edits!r}, applicability={self.applicability!r}, title={self.title!r})"

    def __reduce__(self):
        return (Fix, self._key())

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

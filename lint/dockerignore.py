""".dockerignore files and Docker's path patterns, with the semantics of moby/patternmatcher.

No PyPI library implements exactly these semantics: ``pathspec`` follows .gitignore (where ``*``
crosses folders and ``abc`` matches at any depth), docker-py's ``PatternMatcher`` builds on
Python's ``fnmatch`` (``[!x]`` instead of Go's ``[^x]``, no ``\\`` escapes, no Go syntax errors)
and pulls in the whole Docker client, and the few small ports have one release each. So this is
a small port of the Go code, tested with moby/patternmatcher's own test tables
(tests/test_dockerignore.py):

- `read_patterns` is ``ignorefile.ReadAll``: a UTF-8 BOM is dropped, lines starting with ``#``
  are comments, whitespace is trimmed, empty lines skipped; ``!`` marks an exception (the space
  after it is trimmed too); each pattern is cleaned like Go's ``filepath.Clean`` (so ``./a``,
  ``a/``, ``a//b`` and ``a/../b`` become ``a``, ``a``, ``a/b``, ``b``) and a leading ``/`` is
  dropped (``/foo`` is ``foo``: patterns are relative to the context root).
- `PatternMatcher` is ``patternmatcher.New`` plus ``MatchesOrParentMatches`` (what BuildKit uses
  to filter the context): each pattern becomes a regular expression where ``*`` is any run of
  characters but ``/``, ``?`` one character but ``/``, ``**`` any number of folders (also none),
  ``[...]`` a character class (``[^...]`` negated), ``\\`` escapes the next character. A path is
  excluded when a pattern matches it or one of its parent folders; patterns are read in order
  and the last one that matches wins, so ``!`` exceptions re-include what an earlier pattern
  excluded (``docs`` then ``!docs/README.md``).
- `go_match` is Go's ``path/filepath.Match`` (Unix flavour), which Docker also uses for COPY
  source wildcards (one path segment at a time; ``*`` never crosses ``/``).

A pattern Go rejects (``[``, ``[a-]``, a trailing ``\\``, a lone ``!``) raises `BadPattern`.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable

__all__ = [
    "BadPattern",
    "Pattern",
    "PatternMatcher",
    "clean",
    "contains_wildcards",
    "go_match",
    "read_patterns",
]


class BadPattern(ValueError):
    """A pattern Go's filepath.Match rejects (``syntax error in pattern``)."""


# ---------------------------------------------------------------------------------------------
# Go's path.Clean / filepath.Clean (Unix)


def clean(path: str) -> str:
    """Go's ``filepath.Clean`` on Unix: the shortest equivalent path (``""`` gives ``"."``)."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out and out[-1] != "..":
                out.pop()
            elif not rooted:
                out.append("..")
            continue
        out.append(part)
    body = "/".join(out)
    if rooted:
        return "/" + body
    return body or "."


# ---------------------------------------------------------------------------------------------
# Go's filepath.Match


def contains_wildcards(name: str) -> bool:
    """Whether `name` has an unescaped ``*``, ``?`` or ``[`` (fsutil's containsWildcards)."""
    i, n = 0, len(name)
    while i < n:
        ch = name[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "*?[":
            return True
        i += 1
    return False


def _scan_chunk(pattern: str) -> tuple[bool, str, str]:
    star = False
    while pattern.startswith("*"):
        pattern = pattern[1:]
        star = True
    inrange = False
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 < n:
                i += 1
        elif ch == "[":
            inrange = True
        elif ch == "]":
            inrange = False
        elif ch == "*" and not inrange:
            break
        i += 1
    return star, pattern[:i], pattern[i:]


def _get_esc(chunk: str) -> tuple[str, str]:
    if not chunk or chunk[0] in "-]":
        raise BadPattern("syntax error in pattern")
    if chunk[0] == "\\":
        chunk = chunk[1:]
        if not chunk:
            raise BadPattern("syntax error in pattern")
    r, rest = chunk[0], chunk[1:]
    if not rest:
        raise BadPattern("syntax error in pattern")
    return r, rest


def _match_chunk(chunk: str, s: str) -> tuple[str, bool]:
    """Go's matchChunk: (rest of s, matched); raises BadPattern on a malformed chunk (checked
    to its end even after the match has failed)."""
    failed = False
    while chunk:
        if not failed and not s:
            failed = True
        ch = chunk[0]
        if ch == "[":
            r = ""
            if not failed:
                r, s = s[0], s[1:]
            chunk = chunk[1:]
            negated = False
            if chunk.startswith("^"):
                negated = True
                chunk = chunk[1:]
            match = False
            nrange = 0
            while True:
                if chunk.startswith("]") and nrange > 0:
                    chunk = chunk[1:]
                    break
                lo, chunk = _get_esc(chunk)
                hi = lo
                if chunk[0] == "-":
                    hi, chunk = _get_esc(chunk[1:])
                if not failed and lo <= r <= hi:
                    match = True
                nrange += 1
            if match == negated:
                failed = True
        elif ch == "?":
            if not failed:
                if s[0] == "/":
                    failed = True
                s = s[1:]
            chunk = chunk[1:]
        else:
            if ch == "\\":
                chunk = chunk[1:]
                if not chunk:
                    raise BadPattern("syntax error in pattern")
            if not failed:
                if chunk[0] != s[0]:
                    failed = True
                s = s[1:]
            chunk = chunk[1:]
    if failed:
        return "", False
    return s, True


def go_match(pattern: str, name: str) -> bool:
    """Go's ``filepath.Match(pattern, name)`` on Unix. Raises `BadPattern` for a malformed
    pattern (the whole pattern is checked, as Go ≥ 1.16 does)."""
    while pattern:
        star, chunk, pattern = _scan_chunk(pattern)
        if star and chunk == "":
            return "/" not in name
        t, ok = _match_chunk(chunk, name)
        if ok and (not t or pattern):
            name = t
            continue
        if star:
            i = 0
            found = False
            while i < len(name) and name[i] != "/":
                t, ok = _match_chunk(chunk, name[i + 1 :])
                if ok:
                    if not pattern and t:
                        i += 1
                        continue
                    name = t
                    found = True
                    break
                i += 1
            if found:
                continue
        while pattern:
            _, chunk, pattern = _scan_chunk(pattern)
            _match_chunk(chunk, "")
        return False
    return name == ""


# ---------------------------------------------------------------------------------------------
# patterns

_ESCAPE = frozenset(".+()|{}$")

EXACT, PREFIX, SUFFIX, REGEXP = "exact", "prefix", "suffix", "regexp"


class Pattern:
    """One cleaned pattern; `exclusion` is True for a ``!`` exception. (A plain class, not a
    dataclass: import time.)"""

    __slots__ = ("text", "exclusion", "kind", "regex", "bad")

    text: str  # cleaned, without the ``!``
    exclusion: bool
    kind: str
    regex: re.Pattern[str] | None
    bad: bool

    def __init__(self, text: str, exclusion: bool = False) -> None:
        self.text = text
        self.exclusion = exclusion
        self.kind = ""
        self.regex = None
        self.bad = False
        self._compile()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.text, self.exclusion, self.kind, self.regex, self.bad) == (
            other.text, other.exclusion, other.kind, other.regex, other.bad  # type: ignore[attr-defined]
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def __repr__(self) -> str:
        return f"Pattern(text={self.text!r}, exclusion={self.exclusion!r}, kind={self.kind!r}, bad={self.bad!r})"

    def _compile(self) -> None:
        """moby's Pattern.compile with ``/`` as separator."""
        reg = ["^"]
        kind = EXACT
        p = self.text
        i, n, index = 0, len(p), 0
        while i < n:
            ch = p[i]
            i += 1
            if ch == "*":
                if i < n and p[i] == "*":
                    i += 1
                    if i < n and p[i] == "/":
                        i += 1
                    if i >= n:
                        if kind == EXACT:
                            kind = PREFIX
                        else:
                            reg.append(".*")
                            kind = REGEXP
                    else:
                        reg.append("(.*/)?")
                        kind = REGEXP
                    if index == 0:
                        kind = SUFFIX
                else:
                    reg.append("[^/]*")
                    kind = REGEXP
            elif ch == "?":
                reg.append("[^/]")
                kind = REGEXP
            elif ch in _ESCAPE:
                reg.append("\\" + ch)
            elif ch == "\\":
                if i < n:
                    reg.append("\\" + p[i])
                    i += 1
                    kind = REGEXP
                else:
                    reg.append("\\\\")
            elif ch in "[]":
                reg.append(ch)
                kind = REGEXP
            else:
                reg.append(ch)
            index += 1
        self.kind = kind
        if kind == REGEXP:
            reg.append("$")
            import warnings

            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self.regex = re.compile("".join(reg))
            except re.error:
                self.bad = True

    def match(self, path: str) -> bool:
        """Whether `path` (slash-separated, relative to the context root) matches exactly."""
        if self.bad:
            raise BadPattern(f"syntax error in pattern {self.text!r}")
        if self.kind == EXACT:
            return path == self.text
        if self.kind == PREFIX:
            return path.startswith(self.text[:-2])
        if self.kind == SUFFIX:
            suffix = self.text[2:]
            if path.endswith(suffix):
                return True
            return suffix.startswith("/") and path == suffix[1:]
        assert self.regex is not None
        return self.regex.match(path) is not None

    def __str__(self) -> str:
        return ("!" if self.exclusion else "") + self.text


class PatternMatcher:
    """Docker's pattern list: `matches(path)` tells whether the path is excluded.

    Construction follows ``patternmatcher.New``: patterns are trimmed and cleaned, empty ones
    dropped, ``!`` marks an exception; a lone ``!`` or a pattern Go's filepath.Match rejects
    raises `BadPattern`."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns: list[Pattern] = []
        self.exclusions = False
        for raw in patterns:
            p = raw.strip()
            if not p:
                continue
            p = clean(p)
            exclusion = False
            if p[0] == "!":
                if len(p) == 1:
                    raise BadPattern('illegal exclusion pattern: "!"')
                exclusion = True
                p = p[1:]
                self.exclusions = True
            go_match(p, ".")  # syntax check, as New does
            self.patterns.append(Pattern(p, exclusion))

    def matches(self, path: str) -> bool:
        """``MatchesOrParentMatches``: the last pattern matching `path` or one of its parent
        folders decides (an exception re-includes). ``.`` (the whole context) never matches.
        Raises `BadPattern` when a pattern that passed Go's check has a bad regex."""
        path = clean(path)
        if path == ".":
            return False
        parent = path.rpartition("/")[0] if "/" in path else "."
        parents = parent.split("/") if parent != "." else []
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue
            hit = pattern.match(path)
            if not hit and parents:
                for i in range(len(parents)):
                    if pattern.match("/".join(parents[: i + 1])):
                        hit = True
                        break
            if hit:
                matched = not pattern.exclusion
        return matched

    def matches_exact(self, path: str) -> bool:
        """``MatchesExact``: like `matches` without looking at parent folders."""
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue
            if pattern.match(path):
                matched = not pattern.exclusion
        return matched

    def could_include_below(self, folder: str) -> bool:
        """Whether an exception might re-include something inside excluded `folder` (then the
        folder is still sent with the context for that). Conservative: True when any exception
        pattern could name a path below it."""
        if not self.exclusions:
            return False
        prefix = folder.rstrip("/") + "/"
        for pattern in self.patterns:
            if not pattern.exclusion:
                continue
            text = pattern.text
            if text.startswith("**") or text.startswith(prefix):
                return True
            # a wildcard in the first segments may also reach below the folder
            head = text.split("/")
            depth = folder.count("/") + 1
            if len(head) > depth and any(contains_wildcards(s) for s in head[:depth]):
                try:
                    if go_match("/".join(head[:depth]), folder):
                        return True
                except BadPattern:
                    return True
        return False

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def __repr__(self) -> str:
        return f"PatternMatcher({[str(p) for p in self.patterns]!r})"


def read_patterns(text: str) -> list[str]:
    """``ignorefile.ReadAll``: the patterns of a .dockerignore file's text, in order."""
    if text.startswith("\ufeff"):
        text = text[1:]
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        invert = pattern[0] == "!"
        if invert:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = clean(pattern)
            if len(pattern) > 1 and pattern[0] == "/":
                pattern = pattern[1:]
        out.append("!" + pattern if invert else pattern)
    return out


def parse(text: str) -> PatternMatcher:
    """A `PatternMatcher` for a .dockerignore file's text (raises `BadPattern`)."""
    return PatternMatcher(read_patterns(text))

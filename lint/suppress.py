"""Suppression pragmas: which findings the comments of a Dockerfile switch off.

Forms (own-line comments; the tool word is case-insensitive; codes, prefixes, names, aliases and
``ALL`` are accepted, separated by commas and/or spaces; a ``#`` after the list starts a remark):

- ``# dflint: ignore=DF101,DL3008`` — the next instruction (comments and blank lines may sit
  between the pragma and it).
- ``# dflint: global ignore=…`` — the whole file, wherever it is.
- ``# dflint: ignore-stage=…`` — above a FROM, the whole stage (every instruction until the next
  FROM); elsewhere, from the next instruction to the end of its stage.
- ``# hadolint ignore=…`` and ``# hadolint global ignore=…`` — as dflint's (after hadolint's
  Pragma.hs, which only takes the very next line; here comments may sit between).
- ``# check=skip=Name1,Name2`` (BuildKit check names) — the next instruction; above a FROM, the
  whole stage. ``skip=all`` matches every rule that has a BuildKit check name as an alias.
- The ``# check=skip=…;error=true`` parser directive at the top of the file — file-wide.

A finding is mapped to the instruction whose span contains its start offset; a finding outside any
instruction is covered only by the file-wide forms. Entries naming something unknown are kept and
listed by `unknown()`; entries that suppressed nothing are listed by `unused()`. Entries of the
``# check=`` parser directive are in neither list: that directive also serves ``docker build``.
"""

from __future__ import annotations

import bisect

from dflint.source import Span, TupleRecord, field
from dflint.syntax import Comment, Dockerfile, Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

    from dflint.registry import Registry


class _LazyRe:
    """A regular expression compiled on first use (start-up time: most files have no pragma)."""

    __slots__ = ("_pattern", "_flags", "_compiled")

    def __init__(self, pattern: str, flags: int | str = 0) -> None:
        self._pattern, self._flags, self._compiled = pattern, flags, None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            import re

            flags = 0
            for flag in str(self._flags).split("|") if self._flags else ():
                flags |= getattr(re, flag.strip())
            self._compiled = re.compile(self._pattern, flags)
        return getattr(self._compiled, name)


_PRAGMA = _LazyRe(
    r"\s*(?:(?P<dflint>dflint\s*:)|(?P<hadolint>hadolint)\s)\s*"
    r"(?:(?P<global>global)\s+|(?P<stagekw>stage)\s+)?(?P<kind>ignore-stage|ignore)\s*=(?P<list>.*)\Z",
    "IGNORECASE | DOTALL",
)
_DFLINT_LIKE = _LazyRe(r"\s*dflint\s*:", "IGNORECASE")
_CHECK = _LazyRe(r"\s*check\s*=(?P<value>.*)\Z", "IGNORECASE | DOTALL")
_TOKEN = _LazyRe(r"[^\s,#]+")
# A BuildKit check name: CamelCase, e.g. JSONArgsRecommended, StageNameCasing.
_BUILDKIT_NAME = _LazyRe(r"[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*\Z")
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}

FILE, NEXT, STAGE = "file", "next", "stage"


class PragmaEntry:
    """One name in one pragma."""

    __slots__ = ("text", "span", "scope", "tool", "known", "used")

    def __init__(self, text: str, span: Span, scope: str, tool: str, known: bool, used: bool = False) -> None:
        self.text = text  # as written: "DL3008", "no-empty-continuation", "all"
        self.span = span  # of `text` in the file
        self.scope = scope  # FILE, NEXT or STAGE
        self.tool = tool  # "dflint", "hadolint", "check" (comment) or "check-directive"
        self.known = known
        self.used = used

    def __repr__(self) -> str:
        return (
            f"PragmaEntry(text={self.text!r}, span={self.span!r}, scope={self.scope!r}, tool={self.tool!r}, "
            f"known={self.known!r}, used={self.used!r})"
        )

    def matches(self, code: str, names: set[str], registry: Registry) -> bool:
        if self.tool.startswith("check") and self.text.lower() == "all":
            return any(_BUILDKIT_NAME.match(n) for n in names)
        if self.text.lower() in {n.lower() for n in names}:
            return True
        return registry.covers(self.text, code)


class CheckOptions(TupleRecord):
    """The ``# check=`` parser directive, as BuildKit reads it (a named tuple)."""

    __slots__ = ()
    _fields = ("skip", "skip_all", "error")

    def __new__(cls, skip: tuple[str, ...] = (), skip_all: bool = False, error: bool = False) -> CheckOptions:
        return tuple.__new__(cls, (skip, skip_all, error))

    skip: tuple[str, ...] = field(0)  # type: ignore[assignment]
    skip_all: bool = field(1)  # type: ignore[assignment]
    error: bool = field(2)  # type: ignore[assignment]


class Suppressions:
    def __init__(
        self,
        registry: Registry,
        instructions: tuple[Instruction, ...],
        file_entries: list[PragmaEntry] | None = None,
        by_instruction: dict[int, list[PragmaEntry]] | None = None,
        entries: list[PragmaEntry] | None = None,
        check_options: CheckOptions = CheckOptions(),
        problems: list[tuple[str, Span]] | None = None,
    ) -> None:
        self.registry = registry
        self.instructions = instructions
        self.file_entries = [] if file_entries is None else file_entries
        self.by_instruction = {} if by_instruction is None else by_instruction  # index -> entries
        self.entries = [] if entries is None else entries  # all, in file order
        self.check_options = check_options
        self.problems = [] if problems is None else problems  # malformed pragmas
        self._starts: list[int] = []

    def __repr__(self) -> str:
        return f"Suppressions(entries={self.entries!r}, check_options={self.check_options!r}, problems={self.problems!r})"

    @property
    def check_error(self) -> bool:
        """``error=true`` in the ``# check=`` directive: BuildKit fails the build on findings."""
        return self.check_options.error

    @classmethod
    def from_dockerfile(
        cls, dockerfile: Dockerfile, registry: Registry, disable_pragmas: bool = False
    ) -> Suppressions:
        instructions = tuple(n for n in dockerfile.nodes if isinstance(n, Instruction))
        self = cls(registry, instructions)
        self._starts = [i.span.start for i in instructions]
        text = dockerfile.source.text

        directive = dockerfile.directive("check")
        if directive is not None:
            options, entries = self._parse_check(directive.value, directive.value_span.start, "check-directive")
            self.check_options = options
            if not disable_pragmas:
                self._add(entries, None)
        if disable_pragmas:
            return self

        pending: list[PragmaEntry] = []
        index = 0
        for node in dockerfile.nodes:
            if isinstance(node, Instruction):
                for entry in pending:
                    self._attach(entry, index)
                pending = []
                index += 1
            elif isinstance(node, Comment):
                line = text[node.span.start : node.span.end]
                hash_at = line.find("#")
                if hash_at < 0:
                    continue
                found = self._parse_comment(line[hash_at + 1 :], node.span.start + hash_at + 1)
                for entry in found:
                    if entry.scope == FILE:
                        self._add([entry], None)
                    else:
                        pending.append(entry)
        for entry in pending:  # a pragma after the last instruction covers nothing
            self.entries.append(entry)
        return self

    # ---- parsing ------------------------------------------------------------------------

    def _tokens(self, text: str, base: int, scope: str, tool: str) -> list[PragmaEntry]:
        text = text.split("#", 1)[0]
        out = []
        for m in _TOKEN.finditer(text):
            name = m.group()
            known = self.registry.is_known_selector(name) or (tool.startswith("check") and name.lower() == "all")
            out.append(PragmaEntry(name, Span(base + m.start(), base + m.end()), scope, tool, known))
        return out

    def _parse_comment(self, body: str, base: int) -> list[PragmaEntry]:
        """Entries of a comment's text (after the ``#``), at file offset `base`."""
        low = body.lower()
        if "dfl" not in low and "hadol" not in low and "chec" not in low:
            # None of the patterns below can match (each needs `dflint`, `hadolint` or `check`;
            # no other character lower-cases, or case-folds in `re`, to these letters): most
            # comments are not pragmas, and compiling the patterns costs start-up time.
            return []
        m = _PRAGMA.match(body)
        if m is not None:
            tool = "dflint" if m.group("dflint") else "hadolint"
            stage = m.group("kind").lower() == "ignore-stage"
            if m.group("stagekw"):  # hadolint's `# hadolint stage ignore=…`
                if tool != "hadolint" or stage:
                    self.problems.append((f"unknown pragma form {body.strip()!r}", Span(base, base + len(body.rstrip()))))
                    return []
                stage = True
            elif (tool == "hadolint" and stage) or (m.group("global") and stage):
                self.problems.append((f"unknown pragma form {body.strip()!r}", Span(base, base + len(body.rstrip()))))
                return []
            scope = FILE if m.group("global") else STAGE if stage else NEXT
            entries = self._tokens(m.group("list"), base + m.start("list"), scope, tool)
            if not entries:
                self.problems.append(("pragma names no rule", Span(base, base + len(body.rstrip()))))
            return entries
        m = _CHECK.match(body)
        if m is not None:
            _, entries = self._parse_check(m.group("value"), base + m.start("value"), "check")
            return entries
        if _DFLINT_LIKE.match(body):
            self.problems.append((f"unknown pragma form {body.strip()!r}", Span(base, base + len(body.rstrip()))))
        return []

    def _parse_check(self, value: str, base: int, tool: str) -> tuple[CheckOptions, list[PragmaEntry]]:
        """BuildKit's ParseLintOptions: ``skip=a,b|all``, ``error=bool`` and ``experimental=…``,
        ``;``-separated."""
        skip: list[str] = []
        skip_all = error = False
        entries: list[PragmaEntry] = []
        scope = FILE if tool == "check-directive" else NEXT
        pos = 0
        for part in value.split(";"):
            part_base = base + pos
            pos += len(part) + 1
            key, eq, val = part.partition("=")
            if not part.strip():
                continue
            span = Span(part_base, part_base + len(part))
            if not eq:
                self.problems.append((f"invalid check option {part.strip()!r}", span))
                continue
            val_base = part_base + len(key) + 1
            key = key.strip().lower()
            if key == "skip":
                found = self._tokens(val, val_base, scope, tool)
                if len(found) == 1 and found[0].text.lower() == "all":
                    skip_all = True
                skip += [e.text for e in found]
                entries += found
            elif key == "experimental":
                pass  # which experimental checks run: read by dflint.buildkit_checks
            elif key == "error":
                if val.strip() in _TRUE:
                    error = True
                elif val.strip() not in _FALSE:
                    self.problems.append((f"invalid check option {part.strip()!r} (expected true or false)", span))
            else:
                self.problems.append((f"invalid check option {key!r}", span))
        return CheckOptions(tuple(skip), skip_all, error), entries

    # ---- placing ------------------------------------------------------------------------

    def _add(self, entries: Iterable[PragmaEntry], index: int | None) -> None:
        for entry in entries:
            self.entries.append(entry)
            if index is None:
                self.file_entries.append(entry)
            else:
                self.by_instruction.setdefault(index, []).append(entry)

    def _stage_end(self, index: int) -> int:
        """Index just past the stage of instruction `index` (the next FROM or the end)."""
        for j in range(index + 1, len(self.instructions)):
            if self.instructions[j].name == "FROM":
                return j
        return len(self.instructions)

    def _attach(self, entry: PragmaEntry, index: int) -> None:
        """Place a pending entry now that its instruction (number `index`) is known."""
        self.entries.append(entry)
        if entry.tool == "check" and self.instructions[index].name == "FROM":
            entry.scope = STAGE
        last = self._stage_end(index) if entry.scope == STAGE else index + 1
        for i in range(index, last):
            self.by_instruction.setdefault(i, []).append(entry)

    # ---- queries ------------------------------------------------------------------------

    def instruction_at(self, offset: int) -> int | None:
        """Index of the top-level instruction whose span contains `offset`, or None."""
        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0 and offset < self.instructions[i].span.end:
            return i
        return None

    def suppressed(self, code: str, rule_names: set[str] | Iterable[str], offset: int) -> bool:
        """Whether a finding of rule `code` (whose name and aliases are `rule_names`) starting at
        `offset` is suppressed; every entry that covers it is marked used."""
        names = set(rule_names)
        hit = False
        index = self.instruction_at(offset)
        candidates = self.file_entries + (self.by_instruction.get(index, []) if index is not None else [])
        for entry in candidates:
            if entry.matches(code, names, self.registry):
                entry.used = True
                hit = True
        return hit

    def unused(self) -> list[tuple[str, Span]]:
        """Known pragma entries that suppressed nothing (ask after every finding went through
        `suppressed`)."""
        found = [e for e in self.entries if e.known and not e.used and e.tool != "check-directive"]
        return [(e.text, e.span) for e in sorted(found, key=lambda e: e.span)]

    def unused_entries(self) -> list[PragmaEntry]:
        """Like `unused`, as the entries themselves (for the unused-pragma rule and its fix)."""
        return sorted(
            (e for e in self.entries if e.known and not e.used and e.tool != "check-directive"),
            key=lambda e: e.span,
        )

    def removal(self, entry: PragmaEntry, text: str) -> tuple[int, int]:
        """The range of `text` to delete to drop `entry` from its pragma: the whole comment line
        when every name in it is unused, else the name and one comma next to it."""
        line_start = text.rfind("\n", 0, entry.span.start) + 1
        line_end = text.find("\n", entry.span.end)
        line_end = len(text) if line_end == -1 else line_end + 1
        siblings = [e for e in self.entries if line_start <= e.span.start < line_end]
        if all(not e.used for e in siblings):
            return line_start, line_end
        start, end = entry.span.start, entry.span.end
        after = text[end:line_end]
        stripped = after.lstrip(" \t")
        if stripped.startswith(","):
            end += len(after) - len(stripped) + 1
            end += len(text[end:line_end]) - len(text[end:line_end].lstrip(" \t"))
        else:
            before = text[line_start:start]
            trimmed = before.rstrip(" \t")
            if trimmed.endswith(","):
                start = line_start + len(trimmed) - 1
        return start, end

    def unknown(self) -> list[tuple[str, Span]]:
        """Pragma entries naming no known code, prefix, name or alias."""
        found = [e for e in self.entries if not e.known and e.tool != "check-directive"]
        return [(e.text, e.span) for e in sorted(found, key=lambda e: e.span)]

    def malformed(self) -> list[tuple[str, Span]]:
        """Comments that look like a dflint pragma but are not one, and bad ``check`` options."""
        return list(self.problems)

"""The parsed Dockerfile: frozen nodes, each with an exact `Span` into the source text.

`Dockerfile.nodes` tile the text: concatenating the slices of the top-level nodes gives the text
back exactly (directives, comments, blank lines and instructions each cover whole lines, line
endings included; an instruction also covers its continuation lines and heredoc bodies).

An instruction's arguments are seen through its `Logical` line: the text BuildKit works on, with
line continuations and the comment and empty lines inside them removed, plus a map from every
logical index back to a file offset, so anything found in the arguments has an exact file span.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from functools import cached_property

from dflint.source import SourceFile, Span

#: Instructions BuildKit knows.
INSTRUCTIONS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL "
    "STOPSIGNAL USER VOLUME WORKDIR".split()
)
#: Instructions that may carry heredocs (BuildKit's heredocDirectives), when not in exec form.
HEREDOC_INSTRUCTIONS = frozenset({"ADD", "COPY", "RUN"})
#: Instructions whose arguments may be a JSON array (exec form).
JSON_INSTRUCTIONS = frozenset({"ADD", "CMD", "COPY", "ENTRYPOINT", "RUN", "SHELL", "VOLUME", "HEALTHCHECK"})

_SPACE = " \t\v\f\r"


@dataclass(frozen=True, slots=True)
class Logical:
    """A logical line: `text` plus the file offset where each of its segments starts.

    Segment ``i`` covers logical indices ``[starts[i], starts[i+1])`` and begins at file offset
    ``file_starts[i]``; within a segment, characters are contiguous in the file.
    """

    text: str
    starts: tuple[int, ...]
    file_starts: tuple[int, ...]

    def to_file(self, index: int) -> int:
        """File offset of the character at logical `index` (``len(text)`` maps past the end)."""
        if index >= len(self.text):
            if not self.text:
                return self.file_starts[0] if self.file_starts else 0
            return self.to_file(len(self.text) - 1) + 1
        seg = bisect.bisect_right(self.starts, index) - 1
        return self.file_starts[seg] + index - self.starts[seg]

    def span(self, start: int, end: int) -> Span:
        """File span of logical ``[start, end)``; a range over a continuation spans both lines."""
        first = self.to_file(start)
        if end <= start:
            return Span(first, first)
        return Span(first, self.to_file(end - 1) + 1)


@dataclass(frozen=True, slots=True)
class ParseError:
    """Something BuildKit would reject, with the exact span of the offending text.

    `code` is ``DF001`` (syntax-error) for what BuildKit's parser rejects, and ``DF003``
    (invalid-instruction) for what parses but BuildKit's instruction checks reject before the
    build (an unknown flag, a wrong number of arguments, a bad HEALTHCHECK)."""

    message: str
    span: Span
    code: str = "DF001"


@dataclass(frozen=True, slots=True)
class Node:
    span: Span


@dataclass(frozen=True, slots=True)
class Blank(Node):
    """One or more lines of only whitespace (outside any instruction)."""


@dataclass(frozen=True, slots=True)
class Comment(Node):
    """A comment line. At top level the span covers the whole line; inside an instruction's
    continuation it covers the comment from ``#`` to the end of the line (no line ending)."""

    text: str  # after the '#', stripped


@dataclass(frozen=True, slots=True)
class Directive(Node):
    """A parser directive such as ``# syntax=docker/dockerfile:1`` (at the top of the file)."""

    name: str  # lowercased
    value: str
    value_span: Span


@dataclass(frozen=True, slots=True)
class Word:
    """A whitespace-separated argument, as written (quotes kept), with its file span."""

    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Flag:
    """A builder flag such as ``--from=build`` or ``--link``: `value` is None for a bare flag."""

    span: Span
    name: str
    value: str | None
    name_span: Span
    value_span: Span | None

    def options(self) -> dict[str, str]:
        """Comma-separated ``key=value`` pairs of the value (``--mount=type=cache,target=/x``).

        A key without ``=`` maps to ``""``; later keys win. Quotes around a field are removed
        (BuildKit reads the value as one CSV record)."""
        return dict((k, v) for k, v, _ in self.option_items())

    def option_items(self) -> list[tuple[str, str, Span]]:
        """The ``key=value`` fields of the value with the file span of each field."""
        if not self.value or self.value_span is None:
            return []
        items: list[tuple[str, str, Span]] = []
        text = self.value
        i, n = 0, len(text)
        while i <= n:
            start, buf, quote = i, [], None
            while i < n:
                ch = text[i]
                if quote:
                    if ch == quote:
                        if i + 1 < n and text[i + 1] == quote:  # CSV doubled quote
                            buf.append(ch)
                            i += 1
                        else:
                            quote = None
                    else:
                        buf.append(ch)
                elif ch == '"':
                    quote = ch
                elif ch == ",":
                    break
                else:
                    buf.append(ch)
                i += 1
            fieldtext = "".join(buf)
            key, _, val = fieldtext.partition("=")
            if fieldtext:
                # value_span maps the flag value 1:1 only when it was unquoted and on one line;
                # otherwise fall back to the value's whole span
                if len(self.value_span) == n:
                    sp = Span(self.value_span.start + start, self.value_span.start + i)
                else:
                    sp = self.value_span
                items.append((key.strip().lower(), val, sp))
            i += 1
        return items


@dataclass(frozen=True, slots=True)
class Heredoc:
    """A here-document attached to an instruction (``RUN <<EOF``, ``COPY <<-"EOF" /dst``)."""

    span: Span  # the ``<<EOF`` word in the instruction line
    name: str  # the delimiter, unquoted
    chomp: bool  # ``<<-``: leading tabs are stripped from body lines
    expand: bool  # unquoted delimiter: variables in the body are expanded
    fd: int | None  # ``3<<EOF``
    body: str  # raw body text, line endings included, terminator excluded
    body_span: Span
    terminator_span: Span  # the terminator line, without its line ending

    @property
    def content(self) -> str:
        """The body as the build sees it (leading tabs stripped for ``<<-``)."""
        if not self.chomp:
            return self.body
        return "".join(line.lstrip("\t") for line in self.body.splitlines(keepends=True))


@dataclass(frozen=True, eq=False)
class Instruction(Node):
    """One Dockerfile instruction with everything the linter needs to know about its text."""

    keyword: str  # as written: "run", "Copy", …
    keyword_span: Span
    flags: tuple[Flag, ...]
    args: str  # the arguments after the flags, as BuildKit sees them (trimmed)
    args_span: Span  # from the first to the last character of `args` in the file
    logical: Logical  # the whole instruction as one line, from its keyword on
    args_start: int  # index of `args` in `logical.text`
    heredocs: tuple[Heredoc, ...] = ()
    inner: Instruction | None = None  # the trigger of an ONBUILD
    comments: tuple[Comment, ...] = ()  # comment lines inside the continuation
    empty_lines: tuple[Span, ...] = ()  # empty lines inside the continuation
    line: int = 0  # 1-based line of the keyword
    end_line: int = 0  # last line, heredoc terminators included
    parent: Instruction | None = field(default=None, repr=False)  # the ONBUILD around an inner

    @property
    def name(self) -> str:
        return self.keyword.upper()

    @property
    def known(self) -> bool:
        return self.name in INSTRUCTIONS

    def flag(self, name: str) -> Flag | None:
        """The last flag called `name` (BuildKit: a repeated single-valued flag is an error)."""
        found = None
        for f in self.flags:
            if f.name == name:
                found = f
        return found

    def flag_all(self, name: str) -> list[Flag]:
        return [f for f in self.flags if f.name == name]

    def args_subspan(self, start: int, end: int) -> Span:
        """File span of ``args[start:end]``."""
        return self.logical.span(self.args_start + start, self.args_start + end)

    @cached_property
    def json(self) -> tuple[str, ...] | None:
        """The exec-form arguments when `args` is a JSON array of strings, else None.

        Invalid JSON (single quotes, a bad escape, an unquoted variable) is shell form, as in
        BuildKit. A JSON array with a non-string element is a syntax error, reported by the parser.
        """
        if self.name not in JSON_INSTRUCTIONS:
            return None
        text = self.args
        if self.name == "HEALTHCHECK":
            head, _, rest = text.partition(" ")
            if head.upper() != "CMD":
                return None
            text = rest.lstrip(_SPACE + "\n")
        return parse_json_array(text)

    @property
    def is_exec_form(self) -> bool:
        return self.json is not None

    @cached_property
    def words(self) -> tuple[Word, ...]:
        """`args` split on whitespace, each word as written with its span (quotes not
        interpreted: BuildKit splits FROM, COPY, ADD, EXPOSE and VOLUME this way)."""
        out = []
        text, i, n = self.args, 0, len(self.args)
        while i < n:
            while i < n and (text[i] in _SPACE or text[i] == "\n"):
                i += 1
            if i >= n:
                break
            j = i
            while j < n and text[j] not in _SPACE and text[j] != "\n":
                j += 1
            out.append(Word(text[i:j], self.args_subspan(i, j)))
            i = j
        return tuple(out)

    @property
    def shell_form(self) -> bool:
        """True for RUN/CMD/ENTRYPOINT/HEALTHCHECK CMD written as a shell command."""
        return self.name in ("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK") and self.json is None


def parse_json_array(text: str, strict: bool = False) -> tuple[str, ...] | None:
    """BuildKit's parseJSON: a JSON array of strings, or None when it is not valid JSON.

    A JSON array holding something other than strings is rejected by BuildKit instead of falling
    back to shell form: with `strict` that raises ValueError, otherwise it gives None."""
    text = text.lstrip(_SPACE + "\n")
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(v, str) for v in value):
        if not strict:
            return None
        raise ValueError("when using JSON array syntax, arrays must be comprised of strings only")
    return tuple(value)


@dataclass(frozen=True, eq=False)
class Dockerfile:
    """A parsed Dockerfile. `nodes` tile `source.text`; `instructions` are the known ones, in
    order (ONBUILD triggers are reached through `Instruction.inner`)."""

    source: SourceFile
    nodes: tuple[Node, ...]
    directives: tuple[Directive, ...]
    instructions: tuple[Instruction, ...]
    errors: tuple[ParseError, ...]
    escape: str = "\\"

    def directive(self, name: str) -> Directive | None:
        for d in self.directives:
            if d.name == name:
                return d
        return None

    @property
    def text(self) -> str:
        return self.source.text

    def reconstruct(self) -> str:
        """Concatenate the top-level node slices: equals `source.text` (the lossless property)."""
        text = self.source.text
        return "".join(text[n.span.start : n.span.end] for n in self.nodes)

    @cached_property
    def unknown(self) -> tuple[Instruction, ...]:
        """Instructions with a keyword BuildKit does not know (each also has a ParseError)."""
        return tuple(n for n in self.nodes if isinstance(n, Instruction) and not n.known)

"""The parsed Dockerfile: frozen nodes, each with an exact `Span` into the source text.

`Dockerfile.nodes` tile the text: concatenating the slices of the top-level nodes gives the text
back exactly (directives, comments, blank lines and instructions each cover whole lines, line
endings included; an instruction also covers its continuation lines and heredoc bodies).

An instruction's arguments are seen through its `Logical` line: the text BuildKit works on, with
line continuations and the comment and empty lines inside them removed, plus a map from every
logical index back to a file offset, so anything found in the arguments has an exact file span.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cached_property

from dflint.source import Record, SourceFile, Span

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
_SPACE_NL = _SPACE + "\n"
_WORD = re.compile(r"[^ \t\v\f\r\n]+")


class Logical(Record):
    """A logical line: `text` plus the file offset where each of its segments starts.

    Segment ``i`` covers logical indices ``[starts[i], starts[i+1])`` and begins at file offset
    ``file_starts[i]``; within a segment, characters are contiguous in the file.
    """

    __slots__ = ("text", "starts", "file_starts")
    _fields = __slots__

    text: str
    starts: tuple[int, ...]
    file_starts: tuple[int, ...]

    def __init__(self, text: str, starts: tuple[int, ...], file_starts: tuple[int, ...]) -> None:
        self.text = text
        self.starts = starts
        self.file_starts = file_starts

    def to_file(self, index: int) -> int:
        """File offset of the character at logical `index` (``len(text)`` maps past the end)."""
        starts = self.starts
        if index < len(self.text):
            if len(starts) == 1:  # one segment (one line): no search
                return self.file_starts[0] + index - starts[0]
            seg = bisect_right(starts, index) - 1
            return self.file_starts[seg] + index - starts[seg]
        if not self.text:
            return self.file_starts[0] if self.file_starts else 0
        return self.to_file(len(self.text) - 1) + 1

    def span(self, start: int, end: int) -> Span:
        """File span of logical ``[start, end)``; a range over a continuation spans both lines."""
        starts = self.starts
        if 0 <= start < end <= len(self.text):
            file_starts = self.file_starts
            if len(starts) == 1 or end <= starts[1]:  # within the first segment: no search
                base = file_starts[0] - starts[0]
                return Span(base + start, base + end)
            seg = bisect_right(starts, start) - 1
            first = file_starts[seg] + start - starts[seg]
            seg = bisect_right(starts, end - 1, seg) - 1
            return Span(first, file_starts[seg] + end - starts[seg])
        first = self.to_file(start)
        if end <= start:
            return Span(first, first)
        return Span(first, self.to_file(end - 1) + 1)


class ParseError(Record):
    """Something BuildKit would reject, with the exact span of the offending text.

    `code` is ``DF001`` (syntax-error) for what BuildKit's parser rejects, and ``DF003``
    (invalid-instruction) for what parses but BuildKit's instruction checks reject before the
    build (an unknown flag, a wrong number of arguments, a bad HEALTHCHECK)."""

    __slots__ = ("message", "span", "code")
    _fields = __slots__

    message: str
    span: Span
    code: str

    def __init__(self, message: str, span: Span, code: str = "DF001") -> None:
        self.message = message
        self.span = span
        self.code = code


class Node(Record):
    __slots__ = ("span",)
    _fields: tuple[str, ...] = ("span",)

    span: Span

    def __init__(self, span: Span) -> None:
        self.span = span


class Blank(Node):
    """One or more lines of only whitespace (outside any instruction)."""

    __slots__ = ()


class Comment(Node):
    """A comment line. At top level the span covers the whole line; inside an instruction's
    continuation it covers the comment from ``#`` to the end of the line (no line ending)."""

    __slots__ = ("text",)
    _fields = ("span", "text")

    text: str  # after the '#', stripped

    def __init__(self, span: Span, text: str) -> None:
        self.span = span
        self.text = text


class Directive(Node):
    """A parser directive such as ``# syntax=docker/dockerfile:1`` (at the top of the file)."""

    __slots__ = ("name", "value", "value_span")
    _fields = ("span", "name", "value", "value_span")

    name: str  # lowercased
    value: str
    value_span: Span

    def __init__(self, span: Span, name: str, value: str, value_span: Span) -> None:
        self.span = span
        self.name = name
        self.value = value
        self.value_span = value_span


class Word(Record):
    """A whitespace-separated argument, as written (quotes kept), with its file span."""

    __slots__ = ("value", "span")
    _fields = __slots__

    value: str
    span: Span

    def __init__(self, value: str, span: Span) -> None:
        self.value = value
        self.span = span


class Flag(Record):
    """A builder flag such as ``--from=build`` or ``--link``: `value` is None for a bare flag."""

    __slots__ = ("span", "name", "value", "name_span", "value_span")
    _fields = __slots__

    span: Span
    name: str
    value: str | None
    name_span: Span
    value_span: Span | None

    def __init__(
        self, span: Span, name: str, value: str | None, name_span: Span, value_span: Span | None
    ) -> None:
        self.span = span
        self.name = name
        self.value = value
        self.name_span = name_span
        self.value_span = value_span

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


class Heredoc(Record):
    """A here-document attached to an instruction (``RUN <<EOF``, ``COPY <<-"EOF" /dst``)."""

    __slots__ = ("span", "name", "chomp", "expand", "fd", "body", "body_span", "terminator_span")
    _fields = __slots__

    span: Span  # the ``<<EOF`` word in the instruction line
    name: str  # the delimiter, unquoted
    chomp: bool  # ``<<-``: leading tabs are stripped from body lines
    expand: bool  # unquoted delimiter: variables in the body are expanded
    fd: int | None  # ``3<<EOF``
    body: str  # raw body text, line endings included, terminator excluded
    body_span: Span
    terminator_span: Span  # the terminator line, without its line ending

    def __init__(
        self,
        span: Span,
        name: str,
        chomp: bool,
        expand: bool,
        fd: int | None,
        body: str,
        body_span: Span,
        terminator_span: Span,
    ) -> None:
        self.span = span
        self.name = name
        self.chomp = chomp
        self.expand = expand
        self.fd = fd
        self.body = body
        self.body_span = body_span
        self.terminator_span = terminator_span

    @property
    def content(self) -> str:
        """The body as the build sees it (leading tabs stripped for ``<<-``)."""
        if not self.chomp:
            return self.body
        return "".join(line.lstrip("\t") for line in self.body.splitlines(keepends=True))


class Instruction(Node):
    """One Dockerfile instruction with everything the linter needs to know about its text.

    Compared and hashed by identity. (Hand-written: see `Record`; the fields other than `span`
    live in the instance dict, with the cached properties. `keyword_span` and `args_span` are
    cached properties too: a lint reads them for a few instructions, and a span through the
    `Logical` line costs more than the rest of the instruction.)"""

    #: what `repr` shows
    _fields = (
        "span", "keyword", "keyword_span", "flags", "args", "args_span", "logical", "args_start",
        "heredocs", "inner", "comments", "empty_lines", "line", "end_line", "parent",
    )

    keyword: str  # as written: "run", "Copy", …
    keyword_start: int  # index of `keyword` in `logical.text`
    flags: tuple[Flag, ...]
    args: str  # the arguments after the flags, as BuildKit sees them (trimmed)
    logical: Logical  # the whole instruction as one line, from its keyword on
    args_start: int  # index of `args` in `logical.text`
    heredocs: tuple[Heredoc, ...]
    inner: Instruction | None  # the trigger of an ONBUILD
    comments: tuple[Comment, ...]  # comment lines inside the continuation
    empty_lines: tuple[Span, ...]  # empty lines inside the continuation
    line: int  # 1-based line of the keyword
    end_line: int  # last line, heredoc terminators included
    parent: Instruction | None  # the ONBUILD around an inner

    def __init__(
        self,
        span: Span,
        keyword: str,
        keyword_start: int,
        flags: tuple[Flag, ...],
        args: str,
        logical: Logical,
        args_start: int,
        heredocs: tuple[Heredoc, ...] = (),
        inner: Instruction | None = None,
        comments: tuple[Comment, ...] = (),
        empty_lines: tuple[Span, ...] = (),
        line: int = 0,
        end_line: int = 0,
        parent: Instruction | None = None,
    ) -> None:
        self.span = span
        # plain assignments fill the instance dict (twice as fast as one `__dict__.update`)
        self.keyword = keyword
        self.keyword_start = keyword_start
        self.flags = flags
        self.args = args
        self.logical = logical
        self.args_start = args_start
        self.heredocs = heredocs
        self.inner = inner
        self.comments = comments
        self.empty_lines = empty_lines
        self.line = line
        self.end_line = end_line
        self.parent = parent

    @cached_property
    def keyword_span(self) -> Span:
        """File span of the keyword."""
        return self.logical.span(self.keyword_start, self.keyword_start + len(self.keyword))

    @cached_property
    def args_span(self) -> Span:
        """File span from the first to the last character of `args`."""
        return self.logical.span(self.args_start, self.args_start + len(self.args))

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields if f != "parent")
        return f"Instruction({fields})"

    __reduce__ = object.__reduce__  # the default pickling (an ONBUILD and its trigger form a cycle)

    @cached_property
    def name(self) -> str:
        """The keyword in upper case: ``RUN``."""
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
            text = rest.lstrip(_SPACE_NL)
        return parse_json_array(text)

    @property
    def is_exec_form(self) -> bool:
        return self.json is not None

    @cached_property
    def words(self) -> tuple[Word, ...]:
        """`args` split on whitespace, each word as written with its span (quotes not
        interpreted: BuildKit splits FROM, COPY, ADD, EXPOSE and VOLUME this way)."""
        span = self.args_subspan
        return tuple(Word(m.group(), span(m.start(), m.end())) for m in _WORD.finditer(self.args))

    @property
    def shell_form(self) -> bool:
        """True for RUN/CMD/ENTRYPOINT/HEALTHCHECK CMD written as a shell command."""
        return self.name in ("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK") and self.json is None


def parse_json_array(text: str, strict: bool = False) -> tuple[str, ...] | None:
    """BuildKit's parseJSON: a JSON array of strings, or None when it is not valid JSON.

    A JSON array holding something other than strings is rejected by BuildKit instead of falling
    back to shell form: with `strict` that raises ValueError, otherwise it gives None."""
    text = text.lstrip(_SPACE_NL)
    if not text.startswith("["):
        return None
    value = _plain_strings(text)
    if value is None:
        import json  # (not at import: most exec forms are read by `_plain_strings`)

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


_JSON_SPACE = " \t\n\r"


def _plain_strings(text: str) -> list[str] | None:
    """``json.loads(text)`` for an array of strings without escapes or control characters
    (``["nginx", "-g", "daemon off;"]``: what such strings hold is their text), or None for
    anything else, valid or not: then `json.loads` decides."""
    items: list[str] = []
    n = len(text)
    i = 1
    while i < n and text[i] in _JSON_SPACE:
        i += 1
    if i < n and text[i] == "]":
        return items if not text[i + 1 :].strip(_JSON_SPACE) else None
    while i < n and text[i] == '"':
        end = text.find('"', i + 1)
        if end == -1:
            return None
        item = text[i + 1 : end]
        if "\\" in item or not item.isprintable() and any(c < " " for c in item):
            return None
        items.append(item)
        i = end + 1
        while i < n and text[i] in _JSON_SPACE:
            i += 1
        if i < n and text[i] == ",":
            i += 1
            while i < n and text[i] in _JSON_SPACE:
                i += 1
            continue
        if i < n and text[i] == "]" and not text[i + 1 :].strip(_JSON_SPACE):
            return items
        return None
    return None


class Dockerfile:
    """A parsed Dockerfile. `nodes` tile `source.text`; `instructions` are the known ones, in
    order (ONBUILD triggers are reached through `Instruction.inner`). Compared by identity;
    `memo` is a per-file memo for helpers that compute something once for the whole file (e.g.
    the shell of every instruction, in dflint.shell)."""

    source: SourceFile
    nodes: tuple[Node, ...]
    directives: tuple[Directive, ...]
    instructions: tuple[Instruction, ...]
    errors: tuple[ParseError, ...]
    escape: str
    memo: dict

    def __init__(
        self,
        source: SourceFile,
        nodes: tuple[Node, ...],
        directives: tuple[Directive, ...],
        instructions: tuple[Instruction, ...],
        errors: tuple[ParseError, ...],
        escape: str = "\\",
        memo: dict | None = None,
    ) -> None:
        self.source = source
        self.nodes = nodes
        self.directives = directives
        self.instructions = instructions
        self.errors = errors
        self.escape = escape
        self.memo = {} if memo is None else memo

    def __repr__(self) -> str:
        return (f"Dockerfile(path={self.source.path!r}, {len(self.instructions)} instructions, "
                f"{len(self.errors)} errors)")

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

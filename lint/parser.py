"""The lossless Dockerfile parser, following BuildKit's parser rule for rule.

It never gives up: whatever BuildKit would reject is a `ParseError` with an exact span, and
parsing goes on with the next line, so the rest of the file is still linted.

What BuildKit does, and so what this does (frontend/dockerfile/parser/parser.go):
- parser directives (`syntax`, `escape`, `check`) are comment lines at the very top; the first line
  that is not one (a comment, an empty line, an instruction) ends them;
- the escape token (``\\`` or a backtick) at the end of a line, optionally followed by spaces or
  tabs, continues the instruction, unless it is itself escaped; inside a continuation, comment
  lines and empty lines are skipped (the latter is the NoEmptyContinuation warning), and a
  continuation may run into the end of the file;
- the first line of an instruction loses its leading whitespace, continuation lines keep theirs;
- the keyword is the first word, case-insensitive; flags are the ``--`` words right after it;
- RUN, COPY and ADD (also as an ONBUILD trigger) not in JSON form take heredocs: every word of the
  line that reads ``[fd]<<[-]WORD`` starts one, bodies follow in order, each ending at a line
  equal to the delimiter (after stripping leading tabs for ``<<-``).
"""

from __future__ import annotations

import gc
import re
from itertools import accumulate

from dflint.source import LazyPattern, SourceFile, Span
from dflint.syntax import (
    HEREDOC_INSTRUCTIONS,
    INSTRUCTIONS,
    JSON_INSTRUCTIONS,
    Blank,
    Comment,
    Directive,
    Dockerfile,
    Flag,
    Heredoc,
    Instruction,
    Logical,
    Node,
    ParseError,
    parse_json_array,
)
from dflint.words import key_value_words, parse_words

_DIRECTIVE = LazyPattern(r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z")
_VALID_DIRECTIVES = ("syntax", "escape", "check")
_HEREDOC = LazyPattern(r"(\d*)<<(-?)([^<]*)\Z")
_WS = " \t\v\f\r"  # BuildKit's tokenWhitespace
# leading whitespace (str.isspace), then the keyword: up to BuildKit's tokenWhitespace
_KEYWORD = re.compile(r"\s*([^ \t\v\f\r]*)")
_SPACES = re.compile(r"\s*")
_NO_SPAN = Span(0, 0)
#: Files at least this long are parsed with the cyclic garbage collector paused (see `parse`).
_GC_PAUSE_SIZE = 262_144
_STAGE_NAME = LazyPattern(r"[a-z][a-z0-9\-_.]*\Z")
_DURATION = LazyPattern(r"[-+]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))*\Z")

# Flag kinds: "str" takes one value, "bool" takes none or true/false, "list" may repeat.
FLAGS: dict[str, dict[str, str]] = {
    "FROM": {"platform": "str"},
    "COPY": {"from": "str", "chown": "str", "chmod": "str", "link": "bool", "parents": "bool", "exclude": "list"},
    "ADD": {
        "chown": "str",
        "chmod": "str",
        "link": "bool",
        "keep-git-dir": "bool",
        "checksum": "str",
        "exclude": "list",
        "unpack": "bool",
        "parents": "bool",
    },
    "RUN": {"mount": "list", "network": "str", "security": "str", "device": "list"},
    "HEALTHCHECK": {
        "interval": "str",
        "timeout": "str",
        "start-period": "str",
        "start-interval": "str",
        "retries": "str",
    },
}


def _lines(text: str) -> tuple[list[str], list[int]]:
    """Physical lines: the content of each (without trailing CR/LF characters, BuildKit's
    trimNewline) and the offset where each starts, plus one more start: the end of the text."""
    raw = text.split("\n")
    if raw[-1] == "":  # the text ends with a line ending (or is empty): no line after it
        raw.pop()
    contents = [line.rstrip("\r") for line in raw] if "\r" in text else raw
    starts = list(accumulate([len(line) + 1 for line in raw], initial=0))
    if starts[-1] > len(text):  # the last line has no line ending
        starts[-1] = len(text)
    return contents, starts


def _is_space(ch: str) -> bool:
    return ch.isspace()


def _continues(content: str, escape: str) -> int:
    """If `content` ends with a line continuation, the index of the escape token, else -1.

    BuildKit: ``([^E])E[ \\t]*$|^E[ \\t]*$`` with E the escape token."""
    stripped = content.rstrip(" \t")
    if not stripped.endswith(escape):
        return -1
    pos = len(stripped) - 1
    if pos > 0 and stripped[pos - 1] == escape:
        return -1
    return pos


def parse(text: str | SourceFile, path: str = "<string>") -> Dockerfile:
    """Parse a Dockerfile. Never raises on any input text."""
    source = text if isinstance(text, SourceFile) else SourceFile(text, path)
    # a big file makes many small objects and no reference cycles: the cyclic garbage collector
    # would only scan them again and again
    if not gc.isenabled() or len(source.text) < _GC_PAUSE_SIZE:
        return _Parser(source).run()
    gc.disable()
    try:
        return _Parser(source).run()
    finally:
        gc.enable()


def parse_bytes(data: bytes, path: str = "<bytes>") -> Dockerfile:
    """Parse raw bytes (BOM and invalid UTF-8 kept). Raises BinaryFileError on NUL bytes."""
    return parse(SourceFile.from_bytes(data, path))


class _Parser:
    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.text = source.text
        #: line i is ``contents[i]``, starting at ``starts[i]``; the next one starts at
        #: ``starts[i + 1]`` (past the line ending)
        self.contents, self.starts = _lines(self.text)
        self.escape = "\\"
        self.nodes: list[Node] = []
        self.directives: list[Directive] = []
        self.instructions: list[Instruction] = []
        self.errors: list[ParseError] = []

    def error(self, message: str, span: Span) -> None:
        """Something BuildKit's parser rejects (DF001)."""
        self.errors.append(ParseError(message, span))

    def invalid(self, message: str, span: Span) -> None:
        """Something that parses but BuildKit's instruction checks reject (DF003)."""
        self.errors.append(ParseError(message, span, "DF003"))

    # -- top level -----------------------------------------------------------------------------

    def run(self) -> Dockerfile:
        text, contents, starts = self.text, self.contents, self.starts
        nodes = self.nodes
        i = self._directives()
        count = len(contents)
        any_instruction = False
        while i < count:
            body = contents[i].lstrip()
            if not body:
                nodes.append(Blank(Span(starts[i], starts[i + 1])))
                i += 1
            elif body[0] == "#":
                nodes.append(Comment(Span(starts[i], starts[i + 1]), body[1:].strip()))
                i += 1
            else:
                i = self._instruction(i)
                any_instruction = True
        if not any_instruction:
            end = len(text)
            self.error("file with no instructions", Span(end, end))
        return Dockerfile(
            source=self.source,
            nodes=tuple(self.nodes),
            directives=tuple(self.directives),
            instructions=tuple(self.instructions),
            errors=tuple(sorted(self.errors, key=lambda e: (e.span.start, e.span.end))),
            escape=self.escape,
        )

    def _directives(self) -> int:
        """Parse the parser directives at the top; return the index of the first other line."""
        seen: set[str] = set()
        starts = self.starts
        for i, content in enumerate(self.contents):
            stripped = content.lstrip()
            if not stripped.startswith("#"):
                return i
            # a comment without "=" is no directive (the pattern is compiled only for one with it)
            m = _DIRECTIVE.match(stripped) if "=" in stripped else None
            if not m or m.group(1).lower() not in _VALID_DIRECTIVES:
                return i
            name = m.group(1).lower()
            offset = starts[i] + (len(content) - len(stripped))
            value_span = Span(offset + m.start(2), offset + m.end(2))
            value = m.group(2)
            if name in seen:
                self.error(f"only one {name} parser directive can be used", Span(offset, starts[i] + len(content)))
            else:
                seen.add(name)
                if name == "escape":
                    if value in ("\\", "`"):
                        self.escape = value
                    else:
                        self.error(f"invalid escape token '{value}' does not match ` or \\", value_span)
            node = Directive(Span(starts[i], starts[i + 1]), name, value, value_span)
            self.nodes.append(node)
            self.directives.append(node)
        return len(self.contents)

    # -- instructions --------------------------------------------------------------------------

    def _instruction(self, i: int) -> int:
        """Parse the instruction starting at line `i`; return the index of the next line."""
        contents, starts, escape = self.contents, self.starts, self.escape
        comments: list[Comment] = []
        empty: list[Span] = []

        content = contents[i]
        body = content.lstrip()
        first = starts[i] + len(content) - len(body)  # file offset of the keyword's line
        pos = _continues(body, escape)
        first_length = len(body) if pos < 0 else pos  # how much of the logical line is on line i
        last = i
        if pos < 0:  # one line (the common case): one segment
            log = Logical(body, (0,), (first,))
        else:
            # the logical line is made of segments: each line's part (before the escape token),
            # where it starts in the logical text and in the file; empty parts are left out
            parts: list[str] = []
            seg_starts: list[int] = []
            file_starts: list[int] = []
            length = 0
            if pos:
                parts.append(body[:pos])
                seg_starts.append(0)
                file_starts.append(first)
                length = pos
            count = len(contents)
            while pos >= 0 and last + 1 < count:
                last += 1
                content = contents[last]
                body = content.lstrip()
                if not body:
                    empty.append(Span(starts[last], starts[last + 1]))
                    continue
                if body[0] == "#":
                    at = starts[last] + len(content) - len(body)
                    comments.append(Comment(Span(at, starts[last] + len(content)), body[1:].strip()))
                    continue
                pos = _continues(content, escape)
                part = content if pos < 0 else content[:pos]
                if part:
                    parts.append(part)
                    seg_starts.append(length)
                    file_starts.append(starts[last])
                    length += len(part)
            if parts:
                log = Logical("".join(parts), tuple(seg_starts), tuple(file_starts))
            else:
                log = Logical("", (0,), (first,))

        instr = self._make(log, 0)
        heredocs: tuple[Heredoc, ...] = ()
        inner = instr.inner
        target = inner if inner is not None else instr
        if target.name in HEREDOC_INSTRUCTIONS and "<<" in log.text and not self._json_args(target):
            heredocs, last = self._heredocs(log, last)
        # the keyword is on the first line unless that line holds only the escape token
        if instr.keyword_start < first_length:  # (without computing `keyword_span`)
            line_no = i + 1
        else:
            keyword_at = instr.keyword_span.start
            line_no = i + 1 if keyword_at < starts[i + 1] else self.source.position(keyword_at)[0]
        end_line = last + 1
        # the instructions were made here and are not shared yet: set the rest in place
        # (dataclasses.replace costs several times more)
        if inner is not None:
            inner.heredocs = heredocs
            inner.line = line_no
            inner.end_line = end_line
            inner.parent = instr
        elif heredocs:
            instr.heredocs = heredocs
        instr.span = Span(starts[i], starts[last + 1])
        if comments:
            instr.comments = tuple(comments)
        if empty:
            instr.empty_lines = tuple(empty)
        instr.line = line_no
        instr.end_line = end_line
        self.nodes.append(instr)
        self._validate(instr)
        if instr.name in INSTRUCTIONS:
            self.instructions.append(instr)
        return last + 1

    def _json_args(self, instr: Instruction) -> bool:
        try:
            return parse_json_array(instr.args, strict=True) is not None
        except ValueError:
            return True  # a JSON array with non-strings: JSON, reported by _validate

    def _make(self, log: Logical, start: int) -> Instruction:
        """Keyword, flags and args of the instruction whose text starts at `log.text[start:]`."""
        text = log.text
        m = _KEYWORD.match(text, start)
        k, kend = m.span(1)
        keyword = m.group(1)
        args_start = _SPACES.match(text, kend).end()
        flags: tuple[Flag, ...] = ()
        if text.startswith("--", args_start):
            flags, args_start = self._flags(log, args_start)
        args = text[args_start:].rstrip()
        # (a top-level instruction's span is set by `_instruction`: its lines)
        span = log.span(k, len(text)) if start else _NO_SPAN
        instr = Instruction(span, keyword, k, flags, args, log, args_start)
        name = instr.name = keyword.upper()  # what the cached property `Instruction.name` gives
        if args and name == "ONBUILD":
            instr.inner = self._make(log, args_start)
        return instr

    def _flags(self, log: Logical, pos: int) -> tuple[tuple[Flag, ...], int]:
        """BuildKit's extractBuilderFlags: the ``--`` words after the keyword (from `pos`).
        Returns the flags and the index where the arguments start."""
        text, n = log.text, len(log.text)
        flags: list[Flag] = []
        while True:
            pos = _SPACES.match(text, pos).end()
            if not text.startswith("--", pos):
                return tuple(flags), pos
            start = pos
            chars: list[str] = []
            raw_value_start = -1
            quote = None
            while pos < n:
                ch = text[pos]
                if quote:
                    if ch == quote:
                        quote = None
                    else:
                        if ch == "\\" and pos + 1 < n:
                            pos += 1
                            ch = text[pos]
                        chars.append(ch)
                    pos += 1
                    continue
                if ch.isspace():
                    break
                if ch in "'\"":
                    quote = ch
                    pos += 1
                    continue
                if ch == "=" and raw_value_start < 0:
                    raw_value_start = pos + 1
                    chars.append(ch)
                    pos += 1
                    continue
                if ch == "\\" and pos + 1 < n:
                    pos += 1
                    ch = text[pos]
                chars.append(ch)
                pos += 1
            word = "".join(chars)
            if word == "--":
                return tuple(flags), _SPACES.match(text, pos).end()
            body = word[2:]
            name, eq, value = body.partition("=")
            name_end = start + 2 + len(name) if raw_value_start < 0 else raw_value_start - 1
            flags.append(
                Flag(
                    span=log.span(start, pos),
                    name=name,
                    value=value if eq else None,
                    name_span=log.span(start, max(start, name_end)),
                    value_span=log.span(raw_value_start, pos) if eq and raw_value_start >= 0 else None,
                )
            )

    def _heredocs(self, log: Logical, last: int) -> tuple[tuple[Heredoc, ...], int]:
        """Find the heredoc words in the line and consume their bodies after line `last`."""
        text, contents, starts = self.text, self.contents, self.starts
        count = len(contents)
        found: list[Heredoc] = []
        # BuildKit scans the whole line with its shell lexer (raw quotes and escapes, ``\\``)
        for word, wstart, wend in parse_words(log.text):
            m = _HEREDOC.match(word)
            if not m or not m.group(3):
                continue
            name, quoted = _heredoc_name(m.group(3))
            if name is None:
                continue
            marker = log.span(wstart, wend)
            chomp = m.group(2) == "-"
            body_start_line = last + 1
            j = body_start_line
            terminated = False
            while j < count:
                candidate = contents[j]
                if chomp:
                    candidate = candidate.lstrip("\t")
                if candidate == name:
                    terminated = True
                    break
                j += 1
            if not terminated:
                self.error(f"unterminated heredoc {name!r}: no line reads {name}", marker)
                # recover: the body runs to the next line that starts with an instruction keyword
                j = body_start_line
                while j < count and not _starts_instruction(contents[j]):
                    j += 1
                last = j - 1
                break
            bstart = starts[body_start_line] if body_start_line < count else len(text)
            bend = starts[j]
            found.append(
                Heredoc(
                    span=marker,
                    name=name,
                    chomp=chomp,
                    expand=not quoted,
                    fd=int(m.group(1)) if m.group(1) else None,
                    body=text[bstart:bend],
                    body_span=Span(bstart, bend),
                    terminator_span=Span(starts[j], starts[j] + len(contents[j])),
                )
            )
            last = j
        return tuple(found), last

    # -- validation: what BuildKit rejects at parse time ---------------------------------------

    def _validate(self, instr: Instruction) -> None:
        name = instr.name
        if not instr.keyword:
            self.error("line continuation with no instruction", instr.span)
            return
        if name not in INSTRUCTIONS:
            msg = f"unknown instruction: {instr.keyword}"
            import difflib  # only for a misspelled instruction

            close = difflib.get_close_matches(name, sorted(INSTRUCTIONS), n=1, cutoff=0.75)
            if close:
                msg += f" (did you mean {close[0]}?)"
            self.error(msg, instr.keyword_span)
            return
        if instr.flags:
            self._validate_flags(instr)
        args = instr.args if name != "HEALTHCHECK" else _health_cmd(instr.args)
        try:
            # (no "[": no JSON array; most arguments, and no call)
            js = parse_json_array(args, strict=True) if "[" in args else None
        except ValueError as e:
            self.error(str(e), instr.args_span)
            if name in JSON_INSTRUCTIONS and name != "HEALTHCHECK":
                instr.json = None  # `Instruction.json` is lenient: not exec form
            return
        if name in JSON_INSTRUCTIONS and name != "HEALTHCHECK":
            instr.json = js  # what `Instruction.json` would compute again
        check = _CHECKS.get(name)
        if check is not None:
            check(self, instr)

    def _validate_flags(self, instr: Instruction) -> None:
        allowed = FLAGS.get(instr.name, {})
        if instr.name == "HEALTHCHECK" and instr.args.split(None, 1)[:1] and instr.args.split()[0].upper() == "NONE":
            return  # BuildKit does not parse flags of HEALTHCHECK NONE
        seen: set[str] = set()
        for f in instr.flags:
            kind = allowed.get(f.name)
            if kind is None:
                msg = f"unknown flag: --{f.name}"
                import difflib  # only for an unknown flag

                close = difflib.get_close_matches(f.name, list(allowed), n=1, cutoff=0.6)
                if close:
                    msg += f" (did you mean --{close[0]}?)"
                elif not allowed:
                    msg += f" ({instr.name} takes no flags)"
                self.invalid(msg, f.span)
                continue
            if kind == "bool":
                if f.value is not None and f.value.lower() not in ("true", "false"):
                    self.invalid(f"expecting boolean value for flag {f.name}, not: {f.value}", f.span)
            elif f.value is None:
                self.invalid(f"missing a value on flag: --{f.name}", f.span)
            if kind != "list" and f.name in seen:
                self.invalid(f"duplicate flag specified: --{f.name}", f.span)
            seen.add(f.name)
        if instr.name == "HEALTHCHECK":
            for f in instr.flags:
                if f.value is None:
                    continue
                if f.name == "retries":
                    if not re.fullmatch(r"[-+]?\d+", f.value):
                        self.invalid(f"invalid --retries value {f.value!r}: not a number", f.span)
                    elif int(f.value) < 1:
                        self.invalid(f"--retries must be at least 1 (not {int(f.value)})", f.span)
                elif f.value and f.value != "0" and not _DURATION.match(f.value):
                    self.invalid(f"invalid duration {f.value!r} for --{f.name}", f.span)

    def _at_least_one(self, instr: Instruction) -> bool:
        if not instr.args:
            self.invalid(f"{instr.name} requires at least one argument", instr.keyword_span)
            return False
        return True

    def _exactly_one(self, instr: Instruction) -> None:
        if not instr.args:
            self.invalid(f"{instr.name} requires exactly one argument", instr.keyword_span)

    def _check_from(self, instr: Instruction) -> None:
        words = instr.words
        if len(words) == 3 and words[1].value.lower() == "as":
            if not _STAGE_NAME.match(words[2].value.lower()):
                self.invalid(
                    f"invalid name for build stage: {words[2].value!r}, name can't start with a number "
                    "or contain symbols",
                    words[2].span,
                )
        elif len(words) != 1:
            span = instr.args_span if words else instr.keyword_span
            self.invalid("FROM requires either one or three arguments", span)

    def _check_env(self, instr: Instruction) -> None:
        self._name_values(instr)

    def _check_label(self, instr: Instruction) -> None:
        self._name_values(instr)

    def _name_values(self, instr: Instruction) -> None:
        """ENV/LABEL: BuildKit's parseNameVal errors (DF001) and parseKvps ones (DF003)."""
        if not self._at_least_one(instr):
            return
        for item in key_value_words(instr.args, instr.name, self.escape):
            span = instr.args_subspan(item.start, item.end)
            if item.error is not None:
                self.error(item.error, instr.args_span if item.legacy else span)
            elif not item.key:
                self.invalid(f"{instr.name} names can not be blank", span)

    def _check_arg(self, instr: Instruction) -> None:
        self._at_least_one(instr)

    def _copy_like(self, instr: Instruction) -> None:
        items = instr.json
        count = len(items) if items is not None else len(instr.words)
        if count < 2:
            self.invalid(
                f"{instr.name} requires at least two arguments, but only {count} "
                f"{'was' if count == 1 else 'were'} provided. Destination could not be determined",
                instr.args_span if count else instr.keyword_span,
            )
        elif items is None and "<<" in instr.words[-1].value and _HEREDOC.match(instr.words[-1].value):
            self.invalid(f"{instr.name} cannot accept a heredoc as a destination", instr.words[-1].span)

    _check_copy = _copy_like
    _check_add = _copy_like

    def _check_onbuild(self, instr: Instruction) -> None:
        if not self._at_least_one(instr) or instr.inner is None:
            return
        trigger = instr.inner.name
        if trigger == "ONBUILD":
            self.invalid("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", instr.inner.keyword_span)
        elif trigger in ("MAINTAINER", "FROM"):
            self.invalid(f"{trigger} isn't allowed as an ONBUILD trigger", instr.inner.keyword_span)
        else:
            self._validate(instr.inner)

    def _check_workdir(self, instr: Instruction) -> None:
        self._exactly_one(instr)

    _check_user = _check_workdir
    _check_stopsignal = _check_workdir
    _check_maintainer = _check_workdir

    def _check_expose(self, instr: Instruction) -> None:
        self._at_least_one(instr)

    _check_volume = _check_expose

    def _check_shell(self, instr: Instruction) -> None:
        if instr.json is None:
            self.invalid("SHELL requires the arguments to be in JSON form", instr.args_span or instr.keyword_span)

    def _check_healthcheck(self, instr: Instruction) -> None:
        if not self._at_least_one(instr):
            return
        kind, _, rest = instr.args.partition(" ")
        kind = kind.split("\t")[0]
        rest = instr.args[len(kind) :].strip()
        if kind.upper() == "NONE":
            if rest:
                self.invalid("HEALTHCHECK NONE takes no arguments", instr.args_span)
        elif kind.upper() != "CMD":
            self.invalid(f"Unknown type {kind!r} in HEALTHCHECK (try CMD)", instr.args_subspan(0, len(kind)))
        elif not rest or instr.json == ():
            self.invalid("Missing command after HEALTHCHECK CMD", instr.args_span)


_CHECKS = {
    name: getattr(_Parser, "_check_" + name.lower())
    for name in INSTRUCTIONS
    if hasattr(_Parser, "_check_" + name.lower())
}


def _starts_instruction(line: str) -> bool:
    word = line.lstrip().split(None, 1)
    return bool(word) and word[0].upper() in INSTRUCTIONS


def _health_cmd(args: str) -> str:
    kind, _, rest = args.partition(" ")
    return rest if kind.upper() == "CMD" else ""


def _heredoc_name(rest: str) -> tuple[str | None, bool]:
    """The delimiter of ``<<rest`` with quotes removed, and whether any part was quoted.
    (None when `rest` is not a single word.)"""
    if len(parse_words(rest)) != 1:
        return None, False
    out, quoted, quote = [], False, None
    i, n = 0, len(rest)
    while i < n:
        ch = rest[i]
        if quote:
            if ch == quote:
                quote = None
            elif ch == "\\" and quote == '"' and i + 1 < n:
                i += 1
                out.append(rest[i])
            else:
                out.append(ch)
        elif ch in "'\"":
            quote, quoted = ch, True
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(rest[i])
        else:
            out.append(ch)
        i += 1
    return "".join(out), quoted

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

import difflib
import re
from dataclasses import dataclass, field

from dflint.source import SourceFile, Span
from dflint.syntax import (
    HEREDOC_INSTRUCTIONS,
    INSTRUCTIONS,
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

_DIRECTIVE = re.compile(r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z")
_VALID_DIRECTIVES = ("syntax", "escape", "check")
_HEREDOC = re.compile(r"(\d*)<<(-?)([^<]*)\Z")
_WS = " \t\v\f\r"  # BuildKit's tokenWhitespace
_STAGE_NAME = re.compile(r"[a-z][a-z0-9\-_.]*\Z")
_DURATION = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))*\Z")

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


@dataclass
class _Line:
    start: int  # offset of the first character
    end: int  # offset past the content (before the line ending)
    next: int  # offset of the next line (past the line ending)

    def content(self, text: str) -> str:
        return text[self.start : self.end]


def _lines(text: str) -> list[_Line]:
    """Physical lines. The content excludes trailing CR/LF characters (BuildKit's trimNewline)."""
    out = []
    pos, n = 0, len(text)
    while pos < n:
        nl = text.find("\n", pos)
        nxt = n if nl == -1 else nl + 1
        end = nxt
        while end > pos and text[end - 1] in "\r\n":
            end -= 1
        out.append(_Line(pos, end, nxt))
        pos = nxt
    return out


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


@dataclass
class _Builder:
    """Accumulates a logical line from segments of physical lines."""

    parts: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    file_starts: list[int] = field(default_factory=list)
    length: int = 0

    def add(self, text: str, file_start: int) -> None:
        if not text:
            return
        self.parts.append(text)
        self.starts.append(self.length)
        self.file_starts.append(file_start)
        self.length += len(text)

    def build(self, fallback: int) -> Logical:
        if not self.parts:
            return Logical("", (0,), (fallback,))
        return Logical("".join(self.parts), tuple(self.starts), tuple(self.file_starts))


def parse(text: str | SourceFile, path: str = "<string>") -> Dockerfile:
    """Parse a Dockerfile. Never raises on any input text."""
    source = text if isinstance(text, SourceFile) else SourceFile(text, path)
    return _Parser(source).run()


def parse_bytes(data: bytes, path: str = "<bytes>") -> Dockerfile:
    """Parse raw bytes (BOM and invalid UTF-8 kept). Raises BinaryFileError on NUL bytes."""
    return parse(SourceFile.from_bytes(data, path))


class _Parser:
    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.text = source.text
        self.lines = _lines(self.text)
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
        text, lines = self.text, self.lines
        i = self._directives()
        while i < len(lines):
            line = lines[i]
            content = line.content(text)
            body = content.lstrip()
            if not body:
                self.nodes.append(Blank(Span(line.start, line.next)))
                i += 1
            elif body.startswith("#"):
                self.nodes.append(Comment(Span(line.start, line.next), body[1:].strip()))
                i += 1
            else:
                i = self._instruction(i)
        if not any(isinstance(n, Instruction) for n in self.nodes):
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
        text, seen = self.text, set()
        for i, line in enumerate(self.lines):
            content = line.content(text)
            stripped = content.lstrip()
            m = _DIRECTIVE.match(stripped)
            if not m or m.group(1).lower() not in _VALID_DIRECTIVES:
                return i
            name = m.group(1).lower()
            offset = line.start + (len(content) - len(stripped))
            value_span = Span(offset + m.start(2), offset + m.end(2))
            value = m.group(2)
            if name in seen:
                self.error(f"only one {name} parser directive can be used", Span(offset, line.end))
            else:
                seen.add(name)
                if name == "escape":
                    if value in ("\\", "`"):
                        self.escape = value
                    else:
                        self.error(f"invalid escape token '{value}' does not match ` or \\", value_span)
            node = Directive(Span(line.start, line.next), name, value, value_span)
            self.nodes.append(node)
            self.directives.append(node)
        return len(self.lines)

    # -- instructions --------------------------------------------------------------------------

    def _instruction(self, i: int) -> int:
        """Parse the instruction starting at line `i`; return the index of the next line."""
        text, lines, escape = self.text, self.lines, self.escape
        first = lines[i]
        logical = _Builder()
        comments: list[Comment] = []
        empty: list[Span] = []

        content = first.content(text)
        lead = len(content) - len(content.lstrip())
        content = content[lead:]
        pos = _continues(content, escape)
        logical.add(content if pos < 0 else content[:pos], first.start + lead)
        last = i
        while pos >= 0 and last + 1 < len(lines):
            last += 1
            line = lines[last]
            content = line.content(text)
            body = content.lstrip()
            if body.startswith("#"):
                at = line.start + len(content) - len(body)
                comments.append(Comment(Span(at, line.end), body[1:].strip()))
                continue
            if not body:
                empty.append(Span(line.start, line.next))
                continue
            pos = _continues(content, escape)
            logical.add(content if pos < 0 else content[:pos], line.start)

        log = logical.build(first.start + lead)
        instr = self._make(log, 0)
        end = lines[last].next
        heredocs: tuple[Heredoc, ...] = ()
        target = instr.inner if instr.inner is not None else instr
        if target.name in HEREDOC_INSTRUCTIONS and not self._json_args(target):
            heredocs, last = self._heredocs(log, last)
            end = lines[last].next
        line_no = self.source.position(instr.keyword_span.start)[0]
        end_line = last + 1
        inner = target if instr.inner is not None else None
        if inner is not None:
            inner = _replace(inner, heredocs=heredocs, line=line_no, end_line=end_line)
        node = _replace(
            instr,
            span=Span(first.start, end),
            heredocs=heredocs if inner is None else (),
            inner=inner,
            comments=tuple(comments),
            empty_lines=tuple(empty),
            line=line_no,
            end_line=end_line,
        )
        if inner is not None:
            object.__setattr__(inner, "parent", node)
        self.nodes.append(node)
        self._validate(node)
        if node.known:
            self.instructions.append(node)
        return last + 1

    def _json_args(self, instr: Instruction) -> bool:
        try:
            return parse_json_array(instr.args, strict=True) is not None
        except ValueError:
            return True  # a JSON array with non-strings: JSON, reported by _validate

    def _make(self, log: Logical, start: int) -> Instruction:
        """Keyword, flags and args of the instruction whose text starts at `log.text[start:]`."""
        text = log.text
        n = len(text)
        k = start
        while k < n and _is_space(text[k]):
            k += 1
        kend = k
        while kend < n and text[kend] not in _WS:
            kend += 1
        keyword = text[k:kend]
        flags, args_start = self._flags(log, kend)
        args_end = n
        while args_end > args_start and _is_space(text[args_end - 1]):
            args_end -= 1
        args = text[args_start:args_end]
        instr = Instruction(
            span=log.span(k, n),
            keyword=keyword,
            keyword_span=log.span(k, kend),
            flags=tuple(flags),
            args=args,
            args_span=log.span(args_start, args_end),
            logical=log,
            args_start=args_start,
        )
        if instr.name == "ONBUILD" and args:
            inner = self._make(log, args_start)
            instr = _replace(instr, inner=inner)
        return instr

    def _flags(self, log: Logical, pos: int) -> tuple[list[Flag], int]:
        """BuildKit's extractBuilderFlags: the ``--`` words after the keyword. Returns the flags
        and the index where the arguments start."""
        text, n = log.text, len(log.text)
        flags: list[Flag] = []
        while True:
            while pos < n and _is_space(text[pos]):
                pos += 1
            if pos + 1 >= n or text[pos] != "-" or text[pos + 1] != "-":
                return flags, pos
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
                if _is_space(ch):
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
                while pos < n and _is_space(text[pos]):
                    pos += 1
                return flags, pos
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
        text, lines = self.text, self.lines
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
            while j < len(lines):
                candidate = lines[j].content(text)
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
                while j < len(lines) and not _starts_instruction(lines[j].content(text)):
                    j += 1
                last = j - 1
                break
            bstart = lines[body_start_line].start if body_start_line < len(lines) else len(text)
            bend = lines[j].start
            found.append(
                Heredoc(
                    span=marker,
                    name=name,
                    chomp=chomp,
                    expand=not quoted,
                    fd=int(m.group(1)) if m.group(1) else None,
                    body=text[bstart:bend],
                    body_span=Span(bstart, bend),
                    terminator_span=Span(lines[j].start, lines[j].end),
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
        if not instr.known:
            msg = f"unknown instruction: {instr.keyword}"
            close = difflib.get_close_matches(name, sorted(INSTRUCTIONS), n=1, cutoff=0.75)
            if close:
                msg += f" (did you mean {close[0]}?)"
            self.error(msg, instr.keyword_span)
            return
        self._validate_flags(instr)
        try:
            parse_json_array(instr.args if name != "HEALTHCHECK" else _health_cmd(instr.args), strict=True)
        except ValueError as e:
            self.error(str(e), instr.args_span)
            return
        check = getattr(self, "_check_" + name.lower(), None)
        if check is not None:
            check(instr)

    def _validate_flags(self, instr: Instruction) -> None:
        allowed = FLAGS.get(instr.name, {})
        if instr.name == "HEALTHCHECK" and instr.args.split(None, 1)[:1] and instr.args.split()[0].upper() == "NONE":
            return  # BuildKit does not parse flags of HEALTHCHECK NONE
        seen: set[str] = set()
        for f in instr.flags:
            kind = allowed.get(f.name)
            if kind is None:
                msg = f"unknown flag: --{f.name}"
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
        elif items is None and _HEREDOC.match(instr.words[-1].value):
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


def _starts_instruction(line: str) -> bool:
    word = line.lstrip().split(None, 1)
    return bool(word) and word[0].upper() in INSTRUCTIONS


def _health_cmd(args: str) -> str:
    kind, _, rest = args.partition(" ")
    return rest if kind.upper() == "CMD" else ""


def _replace(instr: Instruction, **changes) -> Instruction:
    import dataclasses

    return dataclasses.replace(instr, **changes)


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

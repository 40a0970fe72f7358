"""Docker's word handling: variable substitution and quote removal, and ENV/LABEL/ARG key=value
splitting, as BuildKit does them.

`expand` follows BuildKit's shell lexer (moby/buildkit ``frontend/dockerfile/shell/lex.go``):
``$V``, ``${V}``, ``${V:-d}``, ``${V-d}``, ``${V:+x}``, ``${V+x}``, ``${V:?msg}``, ``${V?msg}``,
``${V#pat}``, ``${V##pat}``, ``${V%pat}``, ``${V%%pat}``, ``${V/pat/repl}``, ``${V//pat/repl}``;
single quotes are literal, double quotes keep everything but ``$`` and escapes of ``"``, ``$`` and
the escape character; outside quotes the escape character escapes any character. Where BuildKit
would fail (an unterminated quote, ``${}``, an unsupported modifier such as ``${V:=x}`` or
``${V^^}``, ``${V:?msg}`` on an unset variable) `expand` never raises: it keeps the offending text
literally, records the error, and marks the variable as unresolved.

`split_key_values` follows BuildKit's ``parseNameVal`` / ``parseNameOrNameVal``
(``frontend/dockerfile/parser/line_parsers.go``) and the later per-word expansion. dockerfile-parse
(``dockerfile_parse.util.extract_key_values``) was tried first, as DESIGN.md suggests; it gets the
plain cases right but not these (each kept as a test in tests/test_words.py):
``"a\\\\b"`` and ``"\\$HOME"`` inside double quotes keep the backslash, ``${V:-d}`` is substituted
wrongly, the ``# escape=`` character is ignored, ``ARG A B`` is read as the legacy form (BuildKit
declares two args), and a word without ``=`` raises ValueError.
"""

from __future__ import annotations

import re

from dflint.source import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Collection, Mapping

__all__ = [
    "Expansion",
    "KeyValue",
    "expand",
    "key_value_words",
    "split_key_values",
]

_SPECIAL_PARAMS = frozenset("@*#?-$!0")
# BuildKit's reWhitespace (parser.go): the legacy `ENV KEY value` split.
_LEGACY_SPLIT = re.compile(r"[\t\v\f\r ]+")
_NONSPACE = re.compile(r"\S+")  # runs of characters that are not str.isspace()


class Expansion(Record):
    """The result of `expand`.

    `value` is the word after substitution and quote removal. `referenced` holds every variable
    name looked up; `unset` those not found in the environment (BuildKit's ``Unmatched``);
    `unresolved` the unset ones the value depends on: a plain ``$V``/``${V}``, ``${V?…}``, a
    pattern form, or one kept literally because of an error. A name only used as ``${V:-d}``,
    ``${V-d}``, ``${V:+x}`` or ``${V+x}`` is unset but not unresolved (the writer said what an
    unset value means). `error` is BuildKit's error for the word, if it would fail."""

    __slots__ = ("value", "unresolved", "referenced", "unset", "error")
    _fields = __slots__

    value: str
    unresolved: frozenset[str]
    referenced: frozenset[str]
    unset: frozenset[str]
    error: str | None

    def __init__(
        self,
        value: str,
        unresolved: frozenset[str] = frozenset(),
        referenced: frozenset[str] = frozenset(),
        unset: frozenset[str] = frozenset(),
        error: str | None = None,
    ) -> None:
        self.value = value
        self.unresolved = unresolved
        self.referenced = referenced
        self.unset = unset
        self.error = error

    @property
    def resolved(self) -> bool:
        """True when the value is fully known: nothing unresolved and no error."""
        return not self.unresolved and self.error is None


class _Unterminated(Exception):
    """End of input while looking for a closing character."""


class _Lexer:
    """A port of BuildKit's shellWord. Errors are recorded, never raised to the caller."""

    def __init__(self, text: str, env: Mapping[str, str], escape: str, keep_unset: bool,
                 unknown: frozenset[str] = frozenset()) -> None:
        self.text = text
        self.unknown = unknown
        self.pos = 0
        self.env = env
        self.escape = escape
        self.keep_unset = keep_unset
        self.referenced: set[str] = set()
        self.unset: set[str] = set()
        self.unresolved: set[str] = set()
        self.error: str | None = None

    # -- helpers ---------------------------------------------------------------------------

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        if self.pos < len(self.text):
            ch = self.text[self.pos]
            self.pos += 1
            return ch
        return ""

    def fail(self, message: str) -> None:
        if self.error is None:
            self.error = message

    def lookup(self, name: str) -> tuple[str, bool]:
        self.referenced.add(name)
        if name in self.unknown:  # set, but to a value we cannot know: unresolved in any form
            self.unresolved.add(name)
            return "", False
        if name in self.env:
            return self.env[name], True
        self.unset.add(name)
        return "", False

    # -- the lexer -------------------------------------------------------------------------

    def process(self) -> str:
        return self.process_stop_on("", raw_escapes=False)

    def process_stop_on(self, stop: str, raw_escapes: bool) -> str:
        """Characters up to `stop` (consumed); at top level (`stop` == "") up to the end.

        Raises _Unterminated when `stop` is not found."""
        out: list[str] = []
        while self.pos < len(self.text):
            ch = self.peek()
            if stop and ch == stop:
                self.pos += 1
                return "".join(out)
            if ch == "$":
                out.append(self.process_dollar())
            elif ch == "'":
                out.append(self.process_single_quote())
            elif ch == '"':
                out.append(self.process_double_quote())
            else:
                self.pos += 1
                if ch == self.escape:
                    if raw_escapes:
                        out.append(ch)
                    ch = self.next()
                    if not ch:  # an escape at the end of the word is dropped
                        break
                out.append(ch)
        if stop:
            raise _Unterminated(stop)
        return "".join(out)

    def process_single_quote(self) -> str:
        start = self.pos
        self.pos += 1
        end = self.text.find("'", self.pos)
        if end == -1:
            self.fail("unexpected end of statement while looking for matching single-quote")
            self.pos = len(self.text)
            return self.text[start:]
        self.pos = end + 1
        return self.text[start + 1 : end]

    def process_double_quote(self) -> str:
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while True:
            ch = self.peek()
            if not ch:
                self.fail("unexpected end of statement while looking for matching double-quote")
                return self.text[start:start + 1] + "".join(out)
            if ch == '"':
                self.pos += 1
                return "".join(out)
            if ch == "$":
                out.append(self.process_dollar())
                continue
            self.pos += 1
            if ch == self.escape:
                nxt = self.peek()
                if not nxt:
                    continue  # an escape at the end of the word is ignored
                if nxt in ('"', "$", self.escape):
                    ch = self.next()
            out.append(ch)

    def process_name(self) -> str:
        """A name: letters, digits and ``_``; all digits for ``$1``; one special character."""
        text, i, n = self.text, self.pos, len(self.text)
        if i < n and text[i].isdigit():
            j = i
            while j < n and text[j].isdigit():
                j += 1
            self.pos = j
            return text[i:j]
        if i < n and text[i] in _SPECIAL_PARAMS:
            self.pos = i + 1
            return text[i]
        j = i
        while j < n and (text[j].isalnum() or text[j] == "_"):
            j += 1
        self.pos = j
        return text[i:j]

    def literal_to_close(self, start: int) -> str:
        """Skip to the ``}`` closing the ``${`` at `start` and return that text as written."""
        depth, i, n = 0, start, len(self.text)
        while i < n:
            ch = self.text[i]
            if ch == self.escape:
                i += 2
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    self.pos = i + 1
                    return self.text[start : i + 1]
            i += 1
        self.pos = n
        return self.text[start:]

    def process_dollar(self) -> str:
        start = self.pos
        self.pos += 1  # the '$'
        if self.peek() != "{":
            name = self.process_name()
            if not name:
                return "$"
            value, found = self.lookup(name)
            if not found:
                self.unresolved.add(name)
                if self.keep_unset:
                    return "$" + name
            return value

        self.pos += 1  # the '{'
        ch = self.peek()
        if not ch:
            self.fail("syntax error: missing '}'")
            return self.text[start:]
        if ch in "{}:":
            self.fail("syntax error: bad substitution")
            return self.literal_to_close(start)
        name = self.process_name()
        ch = self.next()
        if ch == "}":
            value, found = self.lookup(name)
            if not found:
                self.unresolved.add(name)
                if self.keep_unset:
                    return "${" + name + "}"
            return value
        if not name or not ch:
            self.fail("syntax error: missing '}'" if not ch else "syntax error: bad substitution")
            if name:
                self.referenced.add(name)
                self.unresolved.add(name)
            return self.literal_to_close(start)

        null_is_unset = False
        modifier = ch
        if ch == ":":
            null_is_unset = True
            ch = self.next()
            modifier += ch
        if ch in ("+", "-", "?", "#", "%"):
            raw = ch in ("#", "%")
            try:
                word = self.process_stop_on("}", raw_escapes=raw)
            except _Unterminated:
                self.fail("syntax error: missing '}'")
                self.referenced.add(name)
                self.unresolved.add(name)
                self.pos = len(self.text)
                return self.text[start:]
            value, found = self.lookup(name)
            if self.keep_unset and not found:
                if ch not in "+-":
                    self.unresolved.add(name)
                return self.text[start : self.pos]
            empty = not found or (null_is_unset and value == "")
            if ch == "-":
                return word if empty else value
            if ch == "+":
                return "" if empty else word
            if ch == "?":
                if not found or (null_is_unset and value == ""):
                    if not found:
                        self.unresolved.add(name)
                    what = "is not allowed to be unset" if not found else "is not allowed to be empty"
                    self.fail(f"{name}: {word or what}")
                    return self.text[start : self.pos]
                return value
            if null_is_unset:  # ${V:#…} / ${V:%…}
                self.fail(f"unsupported modifier ({modifier}) in substitution")
                self.unresolved.add(name)
                return self.text[start : self.pos]
            if not found:
                self.unresolved.add(name)
            greedy = word.startswith(ch)
            if greedy:
                word = word[1:]
            try:
                if ch == "%":
                    return _trim_suffix(word, value, greedy)
                return _trim_prefix(word, value, greedy)
            except ValueError as exc:
                self.fail(f"invalid pattern ({word}) in substitution: {exc}")
                self.unresolved.add(name)
                return self.text[start : self.pos]
        if ch == "/" and not null_is_unset:
            replace_all = self.peek() == "/"
            if replace_all:
                self.pos += 1
            try:
                pattern = self.process_stop_on("/", raw_escapes=True)
                replacement = self.process_stop_on("}", raw_escapes=True)
            except _Unterminated as exc:
                self.fail("syntax error: missing '/' in ${}" if str(exc) == "/" else "syntax error: missing '}'")
                self.referenced.add(name)
                self.unresolved.add(name)
                self.pos = len(self.text)
                return self.text[start:]
            value, found = self.lookup(name)
            if not found:
                self.unresolved.add(name)
                if self.keep_unset:
                    return self.text[start : self.pos]
            try:
                regex = _pattern_to_regex(pattern, greedy=True, anchored=False)
            except ValueError as exc:
                self.fail(f"invalid pattern ({pattern}) in substitution: {exc}")
                self.unresolved.add(name)
                return self.text[start : self.pos]
            if replace_all:
                return regex.sub(lambda _m: replacement, value)
            return regex.sub(lambda _m: replacement, value, count=1)

        # unsupported: ${V:=x}, ${V:2}, ${V^^}, ${V,,}, ${V@Q}, …
        self.fail(f"unsupported modifier ({modifier}) in substitution")
        self.referenced.add(name)
        self.unresolved.add(name)
        return self.literal_to_close(start)


def _pattern_to_regex(pattern: str, greedy: bool, anchored: bool) -> re.Pattern[str]:
    """BuildKit's convertShellPatternToRegex: ``*`` and ``?`` wildcards, no brackets."""
    out = ["^"] if anchored else []
    star = ".*" if greedy else ".*?"
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            out.append(star)
        elif ch == "?":
            out.append(".")
        elif ch == "\\":
            nxt = pattern[i] if i < n else ""
            if nxt in ("}", "/"):
                continue
            if nxt not in ("*", "?", "\\"):
                raise ValueError(f"invalid escape '\\{nxt}'")
            out.append(re.escape(nxt))
            i += 1
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


def _trim_prefix(pattern: str, value: str, greedy: bool) -> str:
    match = _pattern_to_regex(pattern, greedy, anchored=True).search(value)
    return value[match.end() :] if match else value


def _reverse_pattern(pattern: str) -> str:
    """Reverse a pattern keeping each escape before the character it escapes."""
    tokens: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            tokens.append(pattern[i : i + 2])
            i += 2
        else:
            tokens.append(pattern[i])
            i += 1
    return "".join(reversed(tokens))


def _trim_suffix(pattern: str, value: str, greedy: bool) -> str:
    return _trim_prefix(_reverse_pattern(pattern), value[::-1], greedy)[::-1]


def expand(
    word: str,
    env: Mapping[str, str],
    escape: str = "\\",
    *,
    keep_unset: bool = False,
    unknown: Collection[str] = (),
) -> Expansion:
    """Substitute variables from `env` in `word` and remove quotes, as BuildKit does.

    `keep_unset` keeps references to unset variables as written (BuildKit's ``SkipUnsetEnv``,
    used for RUN's display name): ``$V``, ``${V}``, ``${V:-d}`` stay in the value. `unknown`
    names variables that are set to a value only the build knows (``TARGETARCH``): they are
    substituted as if unset but always count as unresolved, even in ``${V:-d}``. Never raises.
    """
    lexer = _Lexer(word, env, escape or "\\", keep_unset, frozenset(unknown))
    try:
        value = lexer.process()
    except Exception as exc:  # pragma: no cover - defensive: expand must never raise
        return Expansion(word, frozenset(), frozenset(), frozenset(), f"internal error: {exc}")
    return Expansion(
        value,
        frozenset(lexer.unresolved),
        frozenset(lexer.referenced),
        frozenset(lexer.unset),
        lexer.error,
    )


# ---------------------------------------------------------------------------------------------
# ENV / LABEL / ARG


class KeyValue(Record):
    """One ``key=value`` (or legacy ``key value``, or ARG's bare ``key``) as written.

    `key` and `value` are raw (quotes and variables not processed); `value` is None for an
    ``ARG NAME`` without a default, and for a word of an ENV/LABEL without ``=`` (BuildKit rejects
    it: `error` says so). `start`/`end` are offsets of the whole item in the argument string,
    `key_end` is the offset just after the key (pass them to ``Instruction.args_subspan``)."""

    __slots__ = ("key", "value", "start", "end", "key_end", "legacy", "error")
    _fields = __slots__

    key: str
    value: str | None
    start: int
    end: int
    key_end: int
    legacy: bool
    error: str | None

    def __init__(
        self,
        key: str,
        value: str | None,
        start: int,
        end: int,
        key_end: int,
        legacy: bool = False,
        error: str | None = None,
    ) -> None:
        self.key = key
        self.value = value
        self.start = start
        self.end = end
        self.key_end = key_end
        self.legacy = legacy
        self.error = error


def parse_words(rest: str, escape: str = "\\") -> list[tuple[str, int, int]]:
    """BuildKit's parseWords: whitespace-separated words, quotes and escapes kept, with offsets
    ``(word, start, end)`` into `rest` (an escape token at the very end is dropped)."""
    return _parse_words(rest, escape, -1)


def _parse_words(rest: str, escape: str, limit: int) -> list[tuple[str, int, int]]:
    """`parse_words`, stopping after `limit` words (-1: all of them)."""
    if escape not in rest and "'" not in rest and '"' not in rest:  # no quotes, no escapes
        if limit > 0:
            out = []
            for m in _NONSPACE.finditer(rest):
                out.append((m.group(), m.start(), m.end()))
                if len(out) == limit:
                    break
            return out
        return [(m.group(), m.start(), m.end()) for m in _NONSPACE.finditer(rest)]
    words: list[tuple[str, int, int]] = []
    i, n = 0, len(rest)
    while i < n and len(words) != limit:
        while i < n and rest[i].isspace():
            i += 1
        if i >= n:
            break
        start, quote = i, ""
        buf: list[str] = []
        while i < n:
            ch = rest[i]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == escape and quote != "'":
                    if i + 1 >= n:
                        i += 1
                        quote = ""
                        break
                    buf.append(ch)
                    i += 1
                    ch = rest[i]
                buf.append(ch)
                i += 1
                continue
            if ch.isspace():
                break
            if ch in ("'", '"'):
                quote = ch
            elif ch == escape:
                if i + 1 >= n:  # an escape at the very end is skipped
                    i += 1
                    break
                buf.append(ch)
                i += 1
                ch = rest[i]
            buf.append(ch)
            i += 1
        word = "".join(buf)
        words.append((word, start, i))
    return words


def key_value_words(args: str, instruction: str = "ENV", escape: str = "\\") -> list[KeyValue]:
    """Split ENV/LABEL/ARG arguments into raw `KeyValue` items, with offsets into `args`.

    ENV and LABEL: if the first word has no ``=`` the legacy form ``KEY value`` applies (the key
    is the first whitespace-delimited token, the value the rest of the line); otherwise every word
    is ``key=value``. ARG: every word is ``name`` or ``name=value``."""
    escape = escape or "\\"
    first = _parse_words(args, escape, 1)  # the legacy form needs only the first word
    if not first:
        return []
    items: list[KeyValue] = []
    is_arg = instruction.upper() == "ARG"
    if not is_arg and "=" not in first[0][0]:
        lead = len(args) - len(args.lstrip("\t\v\f\r \n"))
        parts = _LEGACY_SPLIT.split(args[lead:], maxsplit=1)
        key = parts[0]
        key_end = lead + len(key)
        if len(parts) < 2 or not parts[1]:
            return [
                KeyValue(key, None, lead, key_end, key_end, legacy=True,
                         error=f"{instruction.upper()} must have two arguments")
            ]
        value = parts[1]
        vstart = len(args) - len(value)
        return [KeyValue(key, value, lead, vstart + len(value), key_end, legacy=True)]
    for word, start, end in parse_words(args, escape):
        key, eq, value = word.partition("=")
        if not eq:
            if is_arg:
                items.append(KeyValue(word, None, start, end, end))
            else:
                items.append(
                    KeyValue(word, None, start, end, end,
                             error=f"Syntax error - can't find = in {word!r}. Must be of the form: name=value")
                )
            continue
        items.append(KeyValue(key, value, start, end, start + len(key)))
    return items


def split_key_values(
    args: str,
    env: Mapping[str, str] | None = None,
    *,
    instruction: str = "ENV",
    escape: str = "\\",
) -> list[tuple[str, str | None]]:
    """ENV/LABEL/ARG arguments as ``(key, value)`` pairs, quotes removed.

    Without `env`, variables are left as written (``A=$B`` gives ``("A", "$B")``); with `env`,
    they are substituted as BuildKit does, every word against the same environment (so in
    ``ENV A=1 B=$A`` the B sees the A from before the instruction). `value` is None for ARG's
    bare ``NAME``. Words BuildKit rejects (an ENV word without ``=``) are left out. Never raises.
    """
    scope: Mapping[str, str] = env if env is not None else {}
    keep = env is None
    out: list[tuple[str, str | None]] = []
    for item in key_value_words(args, instruction, escape):
        if item.error is not None:
            continue
        key = expand(item.key, scope, escape, keep_unset=keep).value
        value = None if item.value is None else expand(item.value, scope, escape, keep_unset=keep).value
        out.append((key, value))
    return out

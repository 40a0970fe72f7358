"""Labels: reading every ``LABEL`` of a Dockerfile, hadolint's label schema, and the validators
behind the label rules (DL3048–DL3058).

`labels(ctx)` yields each ``key=value`` of every LABEL (and of every ``ONBUILD LABEL``) as a
`Label`, read through `dflint.words.key_value_words` as BuildKit reads it: quotes and escapes
removed, the legacy ``LABEL key value`` form, and variables substituted from the stage's ARG/ENV
scope (a variable whose value only the build knows stays as written, ``$BUILD_DATE``).

A label schema maps label names to a type, as hadolint's ``label-schema``: ``text`` (anything),
``url`` (an RFC 3986 URI), ``rfc3339`` (an RFC 3339 date-time), ``semver`` (a semantic version),
``hash`` (a git commit hash), ``spdx`` (an SPDX license identifier or expression) and ``email``
(an RFC 5322 address). `check_schema` validates one as read from a config file.

Each validator ``<type>_problem(value)`` returns None for a valid value, else a short reason that
completes the sentence "Label `x` ..." (e.g. ``"has no time zone: add `Z` or an offset such as
`+01:00`"``). How each validates, and where that differs from hadolint's Haskell libraries:

- url: RFC 3986 ``URI`` (a scheme, then the hierarchical part, query and fragment, every
  character allowed where it stands, ``%`` followed by two hex digits, an IP literal a valid IPv6
  address or ``vX.…``), which is what hadolint's ``Network.URI.parseURI`` accepts.
- rfc3339: RFC 3339 section 5.6 ``date-time``: ``YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)``,
  ``T``/``Z`` in either case, real calendar dates, second 60 allowed (leap second). hadolint's
  ``timerep`` parser also takes ``+0100``, offsets such as ``+24:00``, a bare ``.`` before the zone,
  years of more than four digits and surrounding whitespace; those are not RFC 3339.
- semver: the grammar of semver.org 2.0.0 (its official regular expression). hadolint's
  ``Data.SemVer`` also takes leading zeros (``01.2.3``, ``1.2.3-01``) and an empty pre-release or
  build (``1.2.3-``), which the specification forbids.
- hash: lower-case hex, 7 to 40 characters (a full SHA-1, or one abbreviated as ``git rev-parse
  --short`` does, which gives more than 7 in large repositories) or 64 (SHA-256 repositories).
  hadolint takes exactly 7 or 40.
- spdx: an SPDX license expression (SPDX specification annex D): license identifiers of the SPDX
  License List (bundled below, not deprecated, exact case), ``+``, ``LicenseRef-…``/
  ``DocumentRef-…:LicenseRef-…``, ``WITH`` an exception identifier, ``AND``, ``OR`` and
  parentheses. hadolint takes a single identifier only (Cabal's SPDX list), so it rejects
  ``MIT OR Apache-2.0``, the form the OCI annotation ``org.opencontainers.image.licenses`` asks for.
- email: RFC 5322 ``addr-spec`` without comments or folding white space: a dot-atom or quoted
  local part, ``@``, then a host name (letters, digits and inner hyphens per label) or a domain
  literal ``[…]``; ASCII only. hadolint's ``email-validate`` also takes comments
  (``(x)a@b.c``) and a trailing dot after the domain.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dflint.buildkit_checks import LazyPattern, key_values
from dflint.rule import RuleOptions
from dflint.source import Record, Span
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterator

    from dflint.rule import Context
    from dflint.syntax import Instruction

__all__ = [
    "LABEL_TYPES",
    "Label",
    "SchemaOptions",
    "StrictSchemaOptions",
    "build_time_names",
    "check_schema",
    "email_problem",
    "hash_problem",
    "key_problem",
    "labels",
    "problem",
    "rfc3339_problem",
    "semver_problem",
    "spdx_problem",
    "url_problem",
]


# ---------------------------------------------------------------------------------------------
# Reading LABELs


class Label(Record):
    """One ``key=value`` of a LABEL, as BuildKit will set it.

    `key` and `value` are after quote removal and variable substitution; a variable whose value
    dflint cannot know is kept as written (``$VERSION``) and named in `unresolved` (for the value)
    or `key_unresolved`. `raw_key`/`raw_value` are the text as written. `onbuild` is True for an
    ``ONBUILD LABEL``, which labels the images built FROM this one, not this one."""

    __slots__ = _fields = (
        "instruction", "key", "value", "raw_key", "raw_value", "key_span", "value_span", "span",
        "unresolved", "key_unresolved", "legacy", "onbuild",
    )
    instruction: Instruction
    key: str
    value: str
    raw_key: str
    raw_value: str
    key_span: Span
    value_span: Span
    span: Span
    unresolved: frozenset[str]
    key_unresolved: frozenset[str]
    legacy: bool
    onbuild: bool

    def __init__(
        self, instruction: Instruction, key: str, value: str, raw_key: str, raw_value: str,
        key_span: Span, value_span: Span, span: Span, unresolved: frozenset[str] = frozenset(),
        key_unresolved: frozenset[str] = frozenset(), legacy: bool = False, onbuild: bool = False,
    ) -> None:
        self.instruction = instruction
        self.key = key
        self.value = value
        self.raw_key = raw_key
        self.raw_value = raw_value
        self.key_span = key_span
        self.value_span = value_span
        self.span = span
        self.unresolved = unresolved
        self.key_unresolved = key_unresolved
        self.legacy = legacy
        self.onbuild = onbuild

    def shown_value(self) -> str:
        """The value for a message: as substituted, or as written when it uses unknown variables."""
        return self.raw_value if self.unresolved else self.value

    @property
    def empty(self) -> bool:
        """Whether the value, as substituted, is empty or only white space (DL3051's finding; the
        format rules leave such a value alone)."""
        return not self.value.strip()


def build_time_names(unresolved: frozenset[str]) -> str:
    """The variables of `unresolved` (a label's `unresolved` or `key_unresolved`) whose value only
    the build knows, for a message: ``"`$A`, `$B`"``, sorted; ``""`` when there are none (a
    substitution that failed, marked ``?``, names no variable)."""
    return ", ".join(f"`${n}`" for n in sorted(unresolved - {"?"}))


def label_items(instruction: Instruction, scope: Mapping[str, str], escape: str = "\\",
                onbuild: bool = False) -> Iterator[Label]:
    """The labels of one LABEL instruction, with variables substituted from `scope`."""
    args = instruction.args
    for item in key_values(args, "LABEL", escape):
        if item.error is not None or item.value is None:
            continue  # BuildKit rejects the word; the parser reports it
        value_start = item.end - len(item.value)
        key = expand(item.key, scope, escape, keep_unset=True)
        value = expand(item.value, scope, escape, keep_unset=True)
        yield Label(
            instruction=instruction,
            key=key.value,
            value=value.value,
            raw_key=item.key,
            raw_value=item.value,
            key_span=instruction.args_subspan(item.start, item.key_end),
            value_span=instruction.args_subspan(value_start, item.end),
            span=instruction.args_subspan(item.start, item.end),
            unresolved=value.unresolved | _failed(value),
            key_unresolved=key.unresolved | _failed(key),
            legacy=item.legacy,
            onbuild=onbuild,
        )


def _failed(exp: Any) -> frozenset[str]:
    return frozenset({"?"}) if exp.error is not None else frozenset()


def labels(ctx: Context, onbuild: bool = True) -> Iterator[Label]:
    """Every label of the Dockerfile in order, ``ONBUILD LABEL`` triggers included unless
    `onbuild` is False. Variables come from the stage's scope (ARG defaults, build args, ENV);
    an ONBUILD trigger's variables are those of the downstream build, so they stay as written."""
    dockerfile = ctx.dockerfile
    escape = dockerfile.escape or "\\"
    for instruction in dockerfile.instructions:
        if instruction.name == "LABEL":
            scope = ctx.graph.scope_at(instruction) if "$" in instruction.args else {}
            yield from label_items(instruction, scope, escape)
        elif onbuild and instruction.name == "ONBUILD":
            inner = instruction.inner
            if inner is not None and inner.name == "LABEL":
                yield from label_items(inner, {}, escape, onbuild=True)


# ---------------------------------------------------------------------------------------------
# The label schema

#: hadolint's label types, with what each accepts.
LABEL_TYPES: dict[str, str] = {
    "text": "anything",
    "url": "a URL (RFC 3986)",
    "rfc3339": "a date and time (RFC 3339)",
    "semver": "a semantic version",
    "hash": "a git commit hash",
    "spdx": "an SPDX license identifier",
    "email": "an email address (RFC 5322)",
}


def check_schema(raw: Any, option: str = "label-schema") -> dict[str, str]:
    """A label schema as read from a config file (a table of label name → type), checked.

    Types are case-insensitive (hadolint's are). Raises ConfigError naming the bad entry."""
    from dflint.config import ConfigError

    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{option!r} must be a table of label name = type, got {type(raw).__name__}")
    schema: dict[str, str] = {}
    for name, kind in raw.items():
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{option}: a label name must be a non-empty string, got {name!r}")
        if not isinstance(kind, str):
            raise ConfigError(f"{option}.{name}: the type must be a string, got {type(kind).__name__}")
        norm = kind.strip().lower()
        if norm not in LABEL_TYPES:
            import difflib

            hint = difflib.get_close_matches(norm, list(LABEL_TYPES), n=1, cutoff=0.5)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(
                f"{option}.{name}: unknown label type {kind!r}{extra}; "
                f"expected one of: {', '.join(LABEL_TYPES)}"
            )
        schema[name] = norm
    return schema


class SchemaOptions(RuleOptions):
    """The options of the label rules: ``label-schema``, a table of label name → type."""

    label_schema: dict[str, str] = {}

    def __post_init__(self) -> None:
        object.__setattr__(self, "label_schema", check_schema(self.label_schema))


class StrictSchemaOptions(SchemaOptions):
    """`SchemaOptions` plus ``strict-labels`` (DL3050: no label outside the schema)."""

    strict_labels: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.strict_labels, bool):
            from dflint.config import ConfigError

            raise ConfigError(f"'strict-labels' must be a boolean, got {type(self.strict_labels).__name__}")


# ---------------------------------------------------------------------------------------------
# Label keys (DL3048)

_RESERVED_NAMESPACES = ("com.docker.", "io.docker.", "org.dockerproject.")
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_/")


def key_problem(key: str) -> str | None:
    """Why `key` breaks Docker's label key guidelines (hadolint DL3048), or None.

    A key starts with a lower-case letter, ends with a lower-case letter or digit, holds only
    lower-case letters, digits, ``.``, ``-``, ``_`` and ``/`` (hadolint 2.15 allows the last two,
    for keys such as ``app.kubernetes.io/name``), has no ``..`` or ``--``, and is not in a
    namespace Docker reserves (``com.docker.``, ``io.docker.``, ``org.dockerproject.``)."""
    if not key:
        return "is empty"
    for ns in _RESERVED_NAMESPACES:
        if key.startswith(ns):
            return f"uses the namespace `{ns}` that Docker reserves for itself"
    bad = sorted({c for c in key if c not in _KEY_CHARS}, key=key.index)
    if bad:
        if any(c.isupper() for c in bad) and all(c.isupper() or c in _KEY_CHARS for c in key.lower()):
            return "has upper-case letters"
        shown = ", ".join(f"`{c}`" if not c.isspace() else "a space" for c in bad[:3])
        return f"has {shown}: use only lower-case letters, digits, `.`, `-`, `_` and `/`"
    if not ("a" <= key[0] <= "z"):
        return "does not start with a lower-case letter"
    if not ("a" <= key[-1] <= "z" or "0" <= key[-1] <= "9"):
        return "does not end with a lower-case letter or digit"
    if ".." in key or "--" in key:
        return "has consecutive separators (`..` or `--`)"
    return None


# ---------------------------------------------------------------------------------------------
# URL (RFC 3986)

# The validators' regular expressions are compiled on first use: only a label schema needs them.
_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_URI = LazyPattern(
    rf"""
    (?P<scheme>[A-Za-z][A-Za-z0-9+\-.]*):
    (?:
        //(?:(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*@)?
          (?:\[(?P<literal>[^\]/?#@\[]*)\]|(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*)
          (?::[0-9]*)?
          (?:/{_PCHAR}*)*
      | /(?:{_PCHAR}+(?:/{_PCHAR}*)*)?
      | {_PCHAR}+(?:/{_PCHAR}*)*
      |
    )
    (?:\?(?:{_PCHAR}|[/?])*)?
    (?:\#(?:{_PCHAR}|[/?])*)?
    """,
    re.VERBOSE,
)
_IPV_FUTURE = LazyPattern(rf"[vV][0-9A-Fa-f]+\.[{_UNRESERVED}{_SUB_DELIMS}:]+")
_URL_ALLOWED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)


def url_problem(value: str) -> str | None:
    """None when `value` is an absolute URI (RFC 3986 ``URI``), else why not."""
    m = _URI.fullmatch(value)
    if m:
        literal = m.group("literal")
        if literal is None:
            return None
        if _IPV_FUTURE.fullmatch(literal):
            return None
        try:
            import ipaddress

            ipaddress.IPv6Address(literal)
            return None
        except ValueError:
            return f"is not a valid URL: `[{literal}]` is not an IPv6 address"
    if not re.match(r"[A-Za-z][A-Za-z0-9+\-.]*:", value):
        return "is not a valid URL: it has no scheme (write it as `https://…`)"
    bad = [c for c in value if c not in _URL_ALLOWED]
    if bad:
        c = bad[0]
        what = "a space" if c == " " else f"`{c}`"
        return f"is not a valid URL: {what} must be percent-encoded"
    if re.search(r"%(?![0-9A-Fa-f]{2})", value):
        return "is not a valid URL: `%` must be followed by two hex digits"
    return "is not a valid URL (RFC 3986)"


# ---------------------------------------------------------------------------------------------
# RFC 3339

_RFC3339 = LazyPattern(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})[Tt]"
    r"(?P<h>[0-9]{2}):(?P<mi>[0-9]{2}):(?P<s>[0-9]{2})(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-](?P<oh>[0-9]{2}):(?P<om>[0-9]{2}))"
)
_DATE_ONLY = LazyPattern(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NO_ZONE = LazyPattern(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?")


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def rfc3339_problem(value: str) -> str | None:
    """None when `value` is an RFC 3339 ``date-time``, else why not."""
    m = _RFC3339.fullmatch(value)
    if not m:
        if _DATE_ONLY.fullmatch(value):
            return ("is a date without a time: RFC 3339 needs a date and time with a zone, "
                    "`2024-05-01T00:00:00Z`")
        if _NO_ZONE.fullmatch(value):
            if value[10] == " ":
                return "separates date and time with a space: use `T`, and end with `Z` or an offset"
            return "has no time zone: add `Z` or an offset such as `+01:00`"
        return "is not an RFC 3339 date and time (`2024-05-01T12:00:00Z`)"
    year, month, day = int(m["y"]), int(m["mo"]), int(m["d"])
    if not 1 <= month <= 12:
        return f"is not a valid date: month {month:02d} does not exist"
    if not 1 <= day <= _days_in_month(year, month):
        return f"is not a valid date: {year:04d}-{month:02d} has no day {day:02d}"
    if int(m["h"]) > 23 or int(m["mi"]) > 59 or int(m["s"]) > 60:
        return "is not a valid time of day"
    if m["oh"] is not None and (int(m["oh"]) > 23 or int(m["om"]) > 59):
        return "has an offset out of range (at most `±23:59`)"
    return None


# ---------------------------------------------------------------------------------------------
# Semantic versions (semver.org 2.0.0)

_NUM = r"(?:0|[1-9][0-9]*)"
_PRE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = LazyPattern(
    rf"{_NUM}\.{_NUM}\.{_NUM}(?:-{_PRE_ID}(?:\.{_PRE_ID})*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)


def semver_problem(value: str) -> str | None:
    """None when `value` is a semantic version (semver.org 2.0.0), else why not."""
    if _SEMVER.fullmatch(value):
        return None
    if value[:1] in ("v", "V") and _SEMVER.fullmatch(value[1:]):
        return f"is not a semantic version: drop the leading `{value[0]}` (`{value[1:]}`)"
    core = re.match(r"[0-9]+(?:\.[0-9]+)*", value)
    if core:
        parts = core.group(0).split(".")
        if len(parts) != 3:
            return ("is not a semantic version: it needs exactly three numbers, MAJOR.MINOR.PATCH "
                    f"(`{core.group(0)}` has {len(parts)})")
        if any(len(p) > 1 and p.startswith("0") for p in parts):
            return "is not a semantic version: numbers have no leading zeros"
    return "is not a semantic version (MAJOR.MINOR.PATCH[-pre-release][+build])"


# ---------------------------------------------------------------------------------------------
# Git hashes

_HEX = frozenset("0123456789abcdef")


def hash_problem(value: str) -> str | None:
    """None when `value` is a git commit hash: lower-case hex, 7 to 40 characters or 64."""
    if value and all(c in _HEX for c in value) and (7 <= len(value) <= 40 or len(value) == 64):
        return None
    if value and all(c in _HEX for c in value.lower()):
        if value.lower() != value:
            return "is not a git hash: write it in lower case"
        return (f"is not a git hash: it has {len(value)} hex digits "
                "(a full hash has 40, an abbreviated one at least 7)")
    return "is not a git hash (40 lower-case hex digits, or at least 7 when abbreviated)"


# ---------------------------------------------------------------------------------------------
# SPDX license expressions

_SPDX_TOKEN = LazyPattern(r"\s*(\(|\)|[A-Za-z0-9.\-:]+\+?)")
_IDSTRING = r"[A-Za-z0-9.\-]+"
_LICENSE_REF = LazyPattern(rf"(?:DocumentRef-{_IDSTRING}:)?LicenseRef-{_IDSTRING}")
_ADDITION_REF = LazyPattern(rf"(?:DocumentRef-{_IDSTRING}:)?AdditionRef-{_IDSTRING}")


class _SpdxError(ValueError):
    pass


def _spdx_id_problem(word: str, exceptions: bool = False) -> str:
    known = SPDX_EXCEPTIONS if exceptions else SPDX_LICENSES
    what = "license exception" if exceptions else "license"
    lower = {k.lower(): k for k in known}
    if word.lower() in lower:
        return f"writes the SPDX {what} identifier `{lower[word.lower()]}` as `{word}`"
    if not exceptions and word in SPDX_DEPRECATED:
        base = word[:-1] if word.endswith("+") else word
        if word.endswith("+") and f"{base}-or-later" in SPDX_LICENSES:
            return f"uses the deprecated SPDX identifier `{word}`: use `{base}-or-later`"
        if f"{base}-only" in SPDX_LICENSES:
            return (f"uses the deprecated SPDX identifier `{word}`: use `{base}-only` or "
                    f"`{base}-or-later`")
        return f"uses the deprecated SPDX identifier `{word}`"
    import difflib

    hint = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.8)
    extra = f" (did you mean `{hint[0]}`?)" if hint else ""
    return f"has `{word}`, which is not an SPDX {what} identifier{extra}"


class _SpdxParser:
    """SPDX specification annex D: compound expressions with AND (binds tighter), OR, WITH."""

    def __init__(self, text: str) -> None:
        self.tokens: list[str] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = _SPDX_TOKEN.match(text, pos)
            if not m:
                raise _SpdxError(f"is not an SPDX license expression: unexpected `{text[pos:].strip()[:1]}`")
            self.tokens.append(m.group(1))
            pos = m.end()
            while pos < len(text) and text[pos].isspace():
                pos += 1
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str | None:
        tok = self.peek()
        self.pos += 1
        return tok

    def parse(self) -> None:
        if not self.tokens:
            raise _SpdxError("is empty")
        self.expression()
        if self.peek() is not None:
            raise _SpdxError(f"is not an SPDX license expression: unexpected `{self.peek()}`")

    def expression(self) -> None:  # or-expression
        self.and_expression()
        while self.peek() in ("OR", "or"):
            self.take()
            self.and_expression()

    def and_expression(self) -> None:
        self.term()
        while self.peek() in ("AND", "and"):
            self.take()
            self.term()

    def term(self) -> None:
        tok = self.take()
        if tok is None:
            raise _SpdxError("is not an SPDX license expression: it ends too early")
        if tok == "(":
            self.expression()
            if self.take() != ")":
                raise _SpdxError("is not an SPDX license expression: a `(` is not closed")
            return
        if tok == ")" or tok.upper() in ("AND", "OR", "WITH"):
            raise _SpdxError(f"is not an SPDX license expression: unexpected `{tok}`")
        if _LICENSE_REF.fullmatch(tok):
            pass
        elif tok.endswith("+"):  # "or later": the + sticks to the identifier
            base = tok[:-1]
            if tok in SPDX_DEPRECATED or base in SPDX_DEPRECATED:
                raise _SpdxError(_spdx_id_problem(tok if tok in SPDX_DEPRECATED else base))
            if base not in SPDX_LICENSES:
                raise _SpdxError(_spdx_id_problem(base))
        elif tok not in SPDX_LICENSES:
            raise _SpdxError(_spdx_id_problem(tok))
        if self.peek() in ("WITH", "with"):
            self.take()
            exc = self.take()
            if exc is None:
                raise _SpdxError("is not an SPDX license expression: `WITH` needs an exception")
            if exc not in SPDX_EXCEPTIONS and not _ADDITION_REF.fullmatch(exc):
                raise _SpdxError(_spdx_id_problem(exc, exceptions=True))


def spdx_problem(value: str) -> str | None:
    """None when `value` is an SPDX license identifier or license expression, else why not."""
    try:
        _SpdxParser(value).parse()
    except _SpdxError as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------------------------------------
# Email addresses (RFC 5322 addr-spec)

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_ATOM = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
_QUOTED = r'"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"'
_LOCAL = LazyPattern(rf"(?:{_DOT_ATOM}|{_QUOTED})")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = LazyPattern(rf"{_LABEL}(?:\.{_LABEL})*")
_DOMAIN_LITERAL = LazyPattern(r"\[[\x21-\x5a\x5e-\x7e]*\]")
_DISPLAY_NAME = LazyPattern(r".*<\s*([^<>\s]+@[^<>\s]+)\s*>\s*")


def email_problem(value: str) -> str | None:
    """None when `value` is an email address (RFC 5322 ``addr-spec``), else why not."""
    m = _DISPLAY_NAME.fullmatch(value)
    if m:
        return f"is not a plain email address: write only the address, `{m.group(1)}`"
    at = value.rfind("@")
    if at <= 0:
        return "is not an email address: it has no `local@domain`" if at < 0 else \
            "is not an email address: nothing comes before the `@`"
    local, domain = value[:at], value[at + 1 :]
    if not _LOCAL.fullmatch(local):
        return f"is not an email address: `{local}` is not a valid local part"
    if len(local) > 64:
        return "is not an email address: the local part is longer than 64 characters"
    if _DOMAIN_LITERAL.fullmatch(domain):
        return None
    if not _HOST.fullmatch(domain) or len(domain) > 253:
        return f"is not an email address: `{domain}` is not a valid domain"
    return None


# ---------------------------------------------------------------------------------------------

_VALIDATORS: dict[str, Callable[[str], str | None]] = {
    "url": url_problem,
    "rfc3339": rfc3339_problem,
    "semver": semver_problem,
    "hash": hash_problem,
    "spdx": spdx_problem,
    "email": email_problem,
}


def problem(kind: str, value: str) -> str | None:
    """Why `value` is not of the label type `kind` (None when it is, and always for ``text``)."""
    validator = _VALIDATORS.get(kind)
    return None if validator is None else validator(value)


# ---------------------------------------------------------------------------------------------
# SPDX data (CC0, from the SPDX License List; packaging's copy of it was used to generate this)

#: SPDX License List 3.27.0: license identifiers that are not deprecated.
SPDX_LICENSES = frozenset("""
0BSD 3D-Slicer-1.0 AAL Abstyles AdaCore-doc Adobe-2006 Adobe-Display-PostScript Adobe-Glyph
Adobe-Utopia ADSL AFL-1.1 AFL-1.2 AFL-2.0 AFL-2.1 AFL-3.0 Afmparse AGPL-1.0-only
AGPL-1.0-or-later AGPL-3.0-only AGPL-3.0-or-later Aladdin AMD-newlib AMDPLPA AML AML-glslang
AMPAS ANTLR-PD ANTLR-PD-fallback any-OSI any-OSI-perl-modules Apache-1.0 Apache-1.1 Apache-2.0
APAFML APL-1.0 App-s2p APSL-1.0 APSL-1.1 APSL-1.2 APSL-2.0 Arphic-1999 Artistic-1.0
Artistic-1.0-cl8 Artistic-1.0-Perl Artistic-2.0 Artistic-dist Aspell-RU ASWF-Digital-Assets-1.0
ASWF-Digital-Assets-1.1 Baekmuk Bahyph Barr bcrypt-Solar-Designer Beerware Bitstream-Charter
Bitstream-Vera BitTorrent-1.0 BitTorrent-1.1 blessing BlueOak-1.0.0 Boehm-GC
Boehm-GC-without-fee Borceux Brian-Gladman-2-Clause Brian-Gladman-3-Clause BSD-1-Clause
BSD-2-Clause BSD-2-Clause-Darwin BSD-2-Clause-first-lines BSD-2-Clause-Patent
BSD-2-Clause-pkgconf-disclaimer BSD-2-Clause-Views BSD-3-Clause BSD-3-Clause-acpica
BSD-3-Clause-Attribution BSD-3-Clause-Clear BSD-3-Clause-flex BSD-3-Clause-HP BSD-3-Clause-LBNL
BSD-3-Clause-Modification BSD-3-Clause-No-Military-License BSD-3-Clause-No-Nuclear-License
BSD-3-Clause-No-Nuclear-License-2014 BSD-3-Clause-No-Nuclear-Warranty BSD-3-Clause-Open-MPI
BSD-3-Clause-Sun BSD-4-Clause BSD-4-Clause-Shortened BSD-4-Clause-UC BSD-4.3RENO BSD-4.3TAHOE
BSD-Advertising-Acknowledgement BSD-Attribution-HPND-disclaimer BSD-Inferno-Nettverk
BSD-Protection BSD-Source-beginning-file BSD-Source-Code BSD-Systemics BSD-Systemics-W3Works
BSL-1.0 BUSL-1.1 bzip2-1.0.6 C-UDA-1.0 CAL-1.0 CAL-1.0-Combined-Work-Exception Caldera
Caldera-no-preamble Catharon CATOSL-1.1 CC-BY-1.0 CC-BY-2.0 CC-BY-2.5 CC-BY-2.5-AU CC-BY-3.0
CC-BY-3.0-AT CC-BY-3.0-AU CC-BY-3.0-DE CC-BY-3.0-IGO CC-BY-3.0-NL CC-BY-3.0-US CC-BY-4.0
CC-BY-NC-1.0 CC-BY-NC-2.0 CC-BY-NC-2.5 CC-BY-NC-3.0 CC-BY-NC-3.0-DE CC-BY-NC-4.0 CC-BY-NC-ND-1.0
CC-BY-NC-ND-2.0 CC-BY-NC-ND-2.5 CC-BY-NC-ND-3.0 CC-BY-NC-ND-3.0-DE CC-BY-NC-ND-3.0-IGO
CC-BY-NC-ND-4.0 CC-BY-NC-SA-1.0 CC-BY-NC-SA-2.0 CC-BY-NC-SA-2.0-DE CC-BY-NC-SA-2.0-FR
CC-BY-NC-SA-2.0-UK CC-BY-NC-SA-2.5 CC-BY-NC-SA-3.0 CC-BY-NC-SA-3.0-DE CC-BY-NC-SA-3.0-IGO
CC-BY-NC-SA-4.0 CC-BY-ND-1.0 CC-BY-ND-2.0 CC-BY-ND-2.5 CC-BY-ND-3.0 CC-BY-ND-3.0-DE CC-BY-ND-4.0
CC-BY-SA-1.0 CC-BY-SA-2.0 CC-BY-SA-2.0-UK CC-BY-SA-2.1-JP CC-BY-SA-2.5 CC-BY-SA-3.0
CC-BY-SA-3.0-AT CC-BY-SA-3.0-DE CC-BY-SA-3.0-IGO CC-BY-SA-4.0 CC-PDDC CC-PDM-1.0 CC-SA-1.0
CC0-1.0 CDDL-1.0 CDDL-1.1 CDL-1.0 CDLA-Permissive-1.0 CDLA-Permissive-2.0 CDLA-Sharing-1.0
CECILL-1.0 CECILL-1.1 CECILL-2.0 CECILL-2.1 CECILL-B CECILL-C CERN-OHL-1.1 CERN-OHL-1.2
CERN-OHL-P-2.0 CERN-OHL-S-2.0 CERN-OHL-W-2.0 CFITSIO check-cvs checkmk ClArtistic Clips CMU-Mach
CMU-Mach-nodoc CNRI-Jython CNRI-Python CNRI-Python-GPL-Compatible COIL-1.0 Community-Spec-1.0
Condor-1.1 copyleft-next-0.3.0 copyleft-next-0.3.1 Cornell-Lossless-JPEG CPAL-1.0 CPL-1.0
CPOL-1.02 Cronyx Crossword CryptoSwift CrystalStacker CUA-OPL-1.0 Cube curl cve-tou D-FSL-1.0
DEC-3-Clause diffmark DL-DE-BY-2.0 DL-DE-ZERO-2.0 DOC DocBook-DTD DocBook-Schema
DocBook-Stylesheet DocBook-XML Dotseqn DRL-1.0 DRL-1.1 DSDP dtoa dvipdfm ECL-1.0 ECL-2.0 EFL-1.0
EFL-2.0 eGenix Elastic-2.0 Entessa EPICS EPL-1.0 EPL-2.0 ErlPL-1.1 etalab-2.0 EUDatagrid
EUPL-1.0 EUPL-1.1 EUPL-1.2 Eurosym Fair FBM FDK-AAC Ferguson-Twofish Frameworx-1.0 FreeBSD-DOC
FreeImage FSFAP FSFAP-no-warranty-disclaimer FSFUL FSFULLR FSFULLRSD FSFULLRWD FSL-1.1-ALv2
FSL-1.1-MIT FTL Furuseth fwlw Game-Programming-Gems GCR-docs GD generic-xts
GFDL-1.1-invariants-only GFDL-1.1-invariants-or-later GFDL-1.1-no-invariants-only
GFDL-1.1-no-invariants-or-later GFDL-1.1-only GFDL-1.1-or-later GFDL-1.2-invariants-only
GFDL-1.2-invariants-or-later GFDL-1.2-no-invariants-only GFDL-1.2-no-invariants-or-later
GFDL-1.2-only GFDL-1.2-or-later GFDL-1.3-invariants-only GFDL-1.3-invariants-or-later
GFDL-1.3-no-invariants-only GFDL-1.3-no-invariants-or-later GFDL-1.3-only GFDL-1.3-or-later
Giftware GL2PS Glide Glulxe GLWTPL gnuplot GPL-1.0-only GPL-1.0-or-later GPL-2.0-only
GPL-2.0-or-later GPL-3.0-only GPL-3.0-or-later Graphics-Gems gSOAP-1.3b gtkbook Gutmann
HaskellReport HDF5 hdparm HIDAPI Hippocratic-2.1 HP-1986 HP-1989 HPND HPND-DEC HPND-doc
HPND-doc-sell HPND-export-US HPND-export-US-acknowledgement HPND-export-US-modify
HPND-export2-US HPND-Fenneberg-Livingston HPND-INRIA-IMAG HPND-Intel HPND-Kevlin-Henney
HPND-Markus-Kuhn HPND-merchantability-variant HPND-MIT-disclaimer HPND-Netrek HPND-Pbmplus
HPND-sell-MIT-disclaimer-xserver HPND-sell-regexpr HPND-sell-variant
HPND-sell-variant-MIT-disclaimer HPND-sell-variant-MIT-disclaimer-rev HPND-UC HPND-UC-export-US
HTMLTIDY IBM-pibs ICU IEC-Code-Components-EULA IJG IJG-short ImageMagick iMatix Imlib2 Info-ZIP
Inner-Net-2.0 InnoSetup Intel Intel-ACPI Interbase-1.0 IPA IPL-1.0 ISC ISC-Veillard Jam
JasPer-2.0 jove JPL-image JPNIC JSON Kastrup Kazlib Knuth-CTAN LAL-1.2 LAL-1.3 Latex2e
Latex2e-translated-notice Leptonica LGPL-2.0-only LGPL-2.0-or-later LGPL-2.1-only
LGPL-2.1-or-later LGPL-3.0-only LGPL-3.0-or-later LGPLLR Libpng libpng-1.6.35 libpng-2.0
libselinux-1.0 libtiff libutil-David-Nugent LiLiQ-P-1.1 LiLiQ-R-1.1 LiLiQ-Rplus-1.1
Linux-man-pages-1-para Linux-man-pages-copyleft Linux-man-pages-copyleft-2-para
Linux-man-pages-copyleft-var Linux-OpenIB LOOP LPD-document LPL-1.0 LPL-1.02 LPPL-1.0 LPPL-1.1
LPPL-1.2 LPPL-1.3a LPPL-1.3c lsof Lucida-Bitmap-Fonts LZMA-SDK-9.11-to-9.20 LZMA-SDK-9.22
Mackerras-3-Clause Mackerras-3-Clause-acknowledgment magaz mailprio MakeIndex man2html
Martin-Birgmeier McPhee-slideshow metamail Minpack MIPS MirOS MIT MIT-0 MIT-advertising
MIT-Click MIT-CMU MIT-enna MIT-feh MIT-Festival MIT-Khronos-old MIT-Modern-Variant
MIT-open-group MIT-testregex MIT-Wu MITNFA MMIXware Motosoto MPEG-SSG mpi-permissive mpich2
MPL-1.0 MPL-1.1 MPL-2.0 MPL-2.0-no-copyleft-exception mplus MS-LPL MS-PL MS-RL MTLL MulanPSL-1.0
MulanPSL-2.0 Multics Mup NAIST-2003 NASA-1.3 Naumen NBPL-1.0 NCBI-PD NCGL-UK-2.0 NCL NCSA NetCDF
Newsletr NGPL ngrep NICTA-1.0 NIST-PD NIST-PD-fallback NIST-Software NLOD-1.0 NLOD-2.0 NLPL
Nokia NOSL Noweb NPL-1.0 NPL-1.1 NPOSL-3.0 NRL NTIA-PD NTP NTP-0 O-UDA-1.0 OAR OCCT-PL OCLC-2.0
ODbL-1.0 ODC-By-1.0 OFFIS OFL-1.0 OFL-1.0-no-RFN OFL-1.0-RFN OFL-1.1 OFL-1.1-no-RFN OFL-1.1-RFN
OGC-1.0 OGDL-Taiwan-1.0 OGL-Canada-2.0 OGL-UK-1.0 OGL-UK-2.0 OGL-UK-3.0 OGTSL OLDAP-1.1
OLDAP-1.2 OLDAP-1.3 OLDAP-1.4 OLDAP-2.0 OLDAP-2.0.1 OLDAP-2.1 OLDAP-2.2 OLDAP-2.2.1 OLDAP-2.2.2
OLDAP-2.3 OLDAP-2.4 OLDAP-2.5 OLDAP-2.6 OLDAP-2.7 OLDAP-2.8 OLFL-1.3 OML OpenPBS-2.3 OpenSSL
OpenSSL-standalone OpenVision OPL-1.0 OPL-UK-3.0 OPUBL-1.0 OSET-PL-2.1 OSL-1.0 OSL-1.1 OSL-2.0
OSL-2.1 OSL-3.0 PADL Parity-6.0.0 Parity-7.0.0 PDDL-1.0 PHP-3.0 PHP-3.01 Pixar pkgconf Plexus
pnmstitch PolyForm-Noncommercial-1.0.0 PolyForm-Small-Business-1.0.0 PostgreSQL PPL PSF-2.0
psfrag psutils Python-2.0 Python-2.0.1 python-ldap Qhull QPL-1.0 QPL-1.0-INRIA-2004 radvd Rdisc
RHeCos-1.1 RPL-1.1 RPL-1.5 RPSL-1.0 RSA-MD RSCPL Ruby Ruby-pty SAX-PD SAX-PD-2.0 Saxpath SCEA
SchemeReport Sendmail Sendmail-8.23 Sendmail-Open-Source-1.1 SGI-B-1.0 SGI-B-1.1 SGI-B-2.0
SGI-OpenGL SGP4 SHL-0.5 SHL-0.51 SimPL-2.0 SISSL SISSL-1.2 SL Sleepycat SMAIL-GPL SMLNJ SMPPL
SNIA snprintf SOFA softSurfer Soundex Spencer-86 Spencer-94 Spencer-99 SPL-1.0 ssh-keyscan
SSH-OpenSSH SSH-short SSLeay-standalone SSPL-1.0 SugarCRM-1.1.3 SUL-1.0 Sun-PPP Sun-PPP-2000
SunPro SWL swrule Symlinks TAPR-OHL-1.0 TCL TCP-wrappers TermReadKey TGPPL-1.0 ThirdEye
threeparttable TMate TORQUE-1.1 TOSL TPDL TPL-1.0 TrustedQSL TTWL TTYP0 TU-Berlin-1.0
TU-Berlin-2.0 Ubuntu-font-1.0 UCAR UCL-1.0 ulem UMich-Merit Unicode-3.0 Unicode-DFS-2015
Unicode-DFS-2016 Unicode-TOU UnixCrypt Unlicense Unlicense-libtelnet Unlicense-libwhirlpool
UPL-1.0 URT-RLE Vim VOSTROM VSL-1.0 W3C W3C-19980720 W3C-20150513 w3m Watcom-1.0 Widget-Workshop
Wsuipa WTFPL wwl X11 X11-distribute-modifications-variant X11-swapped Xdebug-1.03 Xerox Xfig
XFree86-1.1 xinetd xkeyboard-config-Zinoviev xlock Xnet xpp XSkat xzoom YPL-1.0 YPL-1.1 Zed
Zeeff Zend-2.0 Zimbra-1.3 Zimbra-1.4 Zlib zlib-acknowledgement ZPL-1.1 ZPL-2.0 ZPL-2.1
""".split())
#: Deprecated SPDX license identifiers (SPDX License List 3.27.0).
SPDX_DEPRECATED = frozenset("""
AGPL-1.0 AGPL-3.0 BSD-2-Clause-FreeBSD BSD-2-Clause-NetBSD bzip2-1.0.5 eCos-2.0 GFDL-1.1
GFDL-1.2 GFDL-1.3 GPL-1.0 GPL-1.0+ GPL-2.0 GPL-2.0+ GPL-2.0-with-autoconf-exception
GPL-2.0-with-bison-exception GPL-2.0-with-classpath-exception GPL-2.0-with-font-exception
GPL-2.0-with-GCC-exception GPL-3.0 GPL-3.0+ GPL-3.0-with-autoconf-exception
GPL-3.0-with-GCC-exception LGPL-2.0 LGPL-2.0+ LGPL-2.1 LGPL-2.1+ LGPL-3.0 LGPL-3.0+ Net-SNMP
Nunit StandardML-NJ wxWindows
""".split())
#: SPDX license exception identifiers (for ``WITH``), SPDX License List 3.27.0.
SPDX_EXCEPTIONS = frozenset("""
389-exception Asterisk-exception Asterisk-linking-protocols-exception Autoconf-exception-2.0
Autoconf-exception-3.0 Autoconf-exception-generic Autoconf-exception-generic-3.0
Autoconf-exception-macro Bison-exception-1.24 Bison-exception-2.2 Bootloader-exception
CGAL-linking-exception Classpath-exception-2.0 CLISP-exception-2.0 cryptsetup-OpenSSL-exception
Digia-Qt-LGPL-exception-1.1 DigiRule-FOSS-exception eCos-exception-2.0
erlang-otp-linking-exception Fawkes-Runtime-exception FLTK-exception fmt-exception
Font-exception-2.0 freertos-exception-2.0 GCC-exception-2.0 GCC-exception-2.0-note
GCC-exception-3.1 Gmsh-exception GNAT-exception GNOME-examples-exception GNU-compiler-exception
gnu-javamail-exception GPL-3.0-389-ds-base-exception GPL-3.0-interface-exception
GPL-3.0-linking-exception GPL-3.0-linking-source-exception GPL-CC-1.0 GStreamer-exception-2005
GStreamer-exception-2008 harbour-exception i2p-gpl-java-exception Independent-modules-exception
KiCad-libraries-exception LGPL-3.0-linking-exception libpri-OpenH323-exception Libtool-exception
Linux-syscall-note LLGPL LLVM-exception LZMA-exception mif-exception mxml-exception
OCaml-LGPL-linking-exception OCCT-exception-1.0 OpenJDK-assembly-exception-1.0
openvpn-openssl-exception PCRE2-exception polyparse-exception PS-or-PDF-font-exception-20170817
QPL-1.0-INRIA-2004-exception Qt-GPL-exception-1.0 Qt-LGPL-exception-1.1 Qwt-exception-1.0
romic-exception RRDtool-FLOSS-exception-2.0 SANE-exception SHL-2.0 SHL-2.1 stunnel-exception
SWI-exception Swift-exception Texinfo-exception u-boot-exception-2.0 UBDL-exception
Universal-FOSS-exception-1.0 vsftpd-openssl-exception WxWindows-exception-3.1
x11vnc-openssl-exception
""".split())

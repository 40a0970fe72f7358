"""Output formats of `dflint check`.

Every format is a module of this package with one function::

    write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None

registered by name in `FORMATS`. The modules are imported only when used, so ``--format json``
never imports rich (only ``full``/``concise`` with ``color=True`` do). `report` is the one entry
point a command needs: it sorts nothing itself but picks the format, or the ``--statistics``
output when ``options.statistics`` is set.

Shared here, so every format agrees: `SEVERITY_STYLES` (label and color of each severity, and
the level each machine format maps it to: one table), `is_fixable`, `header` (the
``path:line:col: CODE [severity] message`` line; `Headers` makes it for many findings), text
cleaning for terminals (`clean`), and `painter` (plain or ANSI styling). `dflint.report.common`
holds what the CI formats share (positions, paths, fingerprints, rule metadata).
"""

from __future__ import annotations

import codecs
import importlib
import os
import re

from dflint.fix import Applicability
from dflint.rule import Severity
from dflint.source import LazyPattern, TupleRecord, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterable, TextIO

    from dflint.diagnostic import Diagnostic

__all__ = [
    "FORMATS",
    "ReportOptions",
    "SEVERITY_STYLES",
    "SeverityStyle",
    "clean",
    "Headers",
    "header",
    "is_fixable",
    "painter",
    "report",
    "sorted_diagnostics",
    "stream_encoding",
    "want_color",
    "writer",
]


class ReportOptions(TupleRecord):
    """How to report (a named tuple, hand-written: see `TupleRecord`)."""

    __slots__ = ()
    _fields = ("color", "show_fix_hints", "unsafe_fixes", "statistics", "quiet")

    def __new__(
        cls,
        color: bool = False,
        show_fix_hints: bool = True,
        unsafe_fixes: bool = False,
        statistics: bool = False,
        quiet: bool = False,
    ) -> ReportOptions:
        return tuple.__new__(cls, (color, show_fix_hints, unsafe_fixes, statistics, quiet))

    #: ANSI styling (decided by the caller, see `want_color`)
    color: bool = field(0)  # type: ignore[assignment]
    #: "(fixable with `dflint fix`)" and the "[*] N fixable" summary
    show_fix_hints: bool = field(1)  # type: ignore[assignment]
    #: unsafe fixes are enabled: `dflint fix` would apply them too
    unsafe_fixes: bool = field(2)  # type: ignore[assignment]
    #: print per-code counts instead of the diagnostics
    statistics: bool = field(3)  # type: ignore[assignment]
    #: diagnostics only: no summary, no "All checks passed!"
    quiet: bool = field(4)  # type: ignore[assignment]


class SeverityStyle(TupleRecord):
    """How every format shows one severity (a named tuple, hand-written: see `TupleRecord`)."""

    __slots__ = ()
    _fields = ("label", "plural", "style", "sarif", "github", "gitlab", "checkstyle", "rdjson")

    def __new__(
        cls,
        label: str,
        plural: str,
        style: str,
        sarif: str = "warning",
        github: str = "warning",
        gitlab: str = "major",
        checkstyle: str = "warning",
        rdjson: str = "WARNING",
    ) -> SeverityStyle:
        return tuple.__new__(cls, (label, plural, style, sarif, github, gitlab, checkstyle, rdjson))

    label: str = field(0)  # type: ignore[assignment]  # "[warning]"
    plural: str = field(1)  # type: ignore[assignment]  # "2 warnings"
    #: rich style used for the code, the label and the underline
    style: str = field(2)  # type: ignore[assignment]
    # The level each machine-readable format gives the severity:
    #: SARIF result.level / defaultConfiguration.level
    sarif: str = field(3)  # type: ignore[assignment]
    #: GitHub workflow command: error, warning, notice
    github: str = field(4)  # type: ignore[assignment]
    #: GitLab Code Quality: info, minor, major, critical, blocker
    gitlab: str = field(5)  # type: ignore[assignment]
    #: checkstyle <error severity=…>: error, warning, info
    checkstyle: str = field(6)  # type: ignore[assignment]
    #: reviewdog: ERROR, WARNING, INFO
    rdjson: str = field(7)  # type: ignore[assignment]


#: How every format shows a severity: label, plural, color, and each machine format's level.
#: The one table: info and style have no own level in SARIF, GitHub, checkstyle or reviewdog, so
#: both map to the lowest there; GitLab's `blocker` is not used (no dflint severity means
#: "the build cannot run" more than `error`).
SEVERITY_STYLES: dict[Severity, SeverityStyle] = {
    Severity.ERROR: SeverityStyle("error", "errors", "bold red", "error", "error", "critical", "error", "ERROR"),
    Severity.WARNING: SeverityStyle("warning", "warnings", "bold yellow", "warning", "warning", "major", "warning", "WARNING"),
    Severity.INFO: SeverityStyle("info", "info", "bold cyan", "note", "notice", "minor", "info", "INFO"),
    Severity.STYLE: SeverityStyle("style", "style", "bold magenta", "note", "notice", "info", "info", "INFO"),
}

#: Styles of the other parts of the text formats.
STYLES = {
    "path": "bold",
    "gutter": "bold blue",
    "help": "bold",
    "fixable": "cyan",
    "count": "bold",
    "ok": "bold green",
}


# --------------------------------------------------------------------------------------------
# Formats


class _LazyFormat:
    """A format's `write`, importing ``dflint.report.<module>`` on first call."""

    __slots__ = ("module",)

    def __init__(self, module: str) -> None:
        self.module = module

    def load(self) -> Callable[[list[Diagnostic], TextIO, ReportOptions], None]:
        return importlib.import_module(f"{__name__}.{self.module}").write

    def __call__(self, diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
        self.load()(diagnostics, out, options)

    def __repr__(self) -> str:
        return f"<format {__name__}.{self.module}.write>"


#: Format name → its `write` function (imported lazily). "full" is the default.
FORMATS: dict[str, _LazyFormat] = {
    "full": _LazyFormat("full"),
    "concise": _LazyFormat("concise"),
    "grouped": _LazyFormat("grouped"),
    "json": _LazyFormat("json"),
    "json-lines": _LazyFormat("json_lines"),
    "sarif": _LazyFormat("sarif"),
    "github": _LazyFormat("github"),
    "gitlab": _LazyFormat("gitlab"),
    "checkstyle": _LazyFormat("checkstyle"),
    "junit": _LazyFormat("junit"),
    "rdjson": _LazyFormat("rdjson"),
}

DEFAULT_FORMAT = "full"


def writer(name: str) -> Callable[[list[Diagnostic], TextIO, ReportOptions], None]:
    """The `write` function of format `name` (imports its module); ValueError if unknown."""
    try:
        return FORMATS[name].load()
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise ValueError(f"unknown output format {name!r} (expected one of: {known})") from None


def report(
    diagnostics: Iterable[Diagnostic],
    out: TextIO,
    options: ReportOptions | None = None,
    format: str = DEFAULT_FORMAT,
) -> None:
    """Write `diagnostics` to `out` in `format`, or their statistics if ``options.statistics``
    (JSON statistics for the json format, text otherwise)."""
    options = options or ReportOptions()
    diagnostics = list(diagnostics)
    if options.statistics:
        from dflint.report import statistics

        if format == "json":
            statistics.write_json(diagnostics, out, options)
        else:
            statistics.write(diagnostics, out, options)
        return
    writer(format)(diagnostics, out, options)


# --------------------------------------------------------------------------------------------
# Shared pieces


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """By path, then position (start, end), then code."""
    from operator import methodcaller

    return sorted(diagnostics, key=methodcaller("sort_key"))


def is_fixable(diagnostic: Diagnostic, unsafe_fixes: bool = False) -> bool:
    """Whether `dflint fix` (with the given unsafe-fixes setting) would apply its fix."""
    fix = diagnostic.fix
    if fix is None:
        return False
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe_fixes and fix.applicability is Applicability.UNSAFE


def want_color(stream: TextIO) -> bool:
    """Whether to color output to `stream`: ``NO_COLOR`` (non-empty) says no, else
    ``FORCE_COLOR`` (non-empty) says yes, else ``TERM=dumb`` says no, else only on a tty."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, closed stream
        return False


def stream_encoding(out: TextIO) -> str:
    """The encoding text written to `out` ends up in (UTF-8 when it does not say)."""
    encoding = getattr(out, "encoding", None)
    if not isinstance(encoding, str) or not encoding:
        return "utf-8"
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return "utf-8"


# Characters never written as they are: C0 controls but tab (a bare CR or an ESC would move the
# cursor or start an escape sequence), DEL, C1 controls, bidi overrides/isolates (they reorder
# what is shown), and lone surrogates (undecodable bytes kept by surrogateescape).
_UNSAFE = LazyPattern("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UTF = frozenset({"utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})


def _visible(match: re.Match[str]) -> str:
    c = match.group()
    o = ord(c)
    if o < 0x20:
        return chr(0x2400 + o)  # control pictures: ␀ … ␟ (␍ for a bare CR)
    if o == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def clean(text: str, encoding: str = "utf-8") -> str:
    """`text` made safe to print to a stream in `encoding`, one character for one character:
    control characters become visible, undecodable bytes become U+FFFD, and what `encoding`
    cannot encode becomes ``?`` (``errors="replace"`` semantics, never UnicodeEncodeError)."""
    if not text.isprintable() and not ("\t" in text and text.replace("\t", " ").isprintable()):
        # (every character `_UNSAFE` replaces is unprintable: printable text has none of them)
        text = _UNSAFE.sub(_visible, text)
    if encoding in _UTF or text.isascii():
        return text
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for c in text:
        try:
            c.encode(encoding)
            out.append(c)
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


if TYPE_CHECKING:
    Paint = Callable[[str, "str | None"], str]


def _plain(text: str, style: str | None = None) -> str:
    return text


def painter(color: bool) -> Paint:
    """A function ``paint(text, style) -> str``: identity when `color` is False (rich is not
    imported), else `text` wrapped in the ANSI codes of the rich `style` (16-color palette)."""
    if not color:
        return _plain
    from rich.color import ColorSystem
    from rich.style import Style

    cache: dict[str, str] = {}

    def paint(text: str, style: str | None = None) -> str:
        if not style or not text:
            return text
        codes = cache.get(style)
        if codes is None:
            # render an empty marker to learn the style's opening sequence once
            rendered = Style.parse(style).render("\x00", color_system=ColorSystem.STANDARD)
            codes = cache[style] = rendered.split("\x00", 1)[0]
        return f"{codes}{text}\x1b[0m" if codes else text

    return paint


def header(diagnostic: Diagnostic, paint: Paint = _plain, encoding: str = "utf-8") -> str:
    """``path:line:col: CODE [severity] message`` (no newline), the first line of every text
    format."""
    return Headers(paint, encoding)(diagnostic, *diagnostic.start)


class Headers:
    """`header` for many diagnostics: ``headers(diagnostic, line, column)``. The painted path
    and the painted code and severity are made once per path and per code, not per finding."""

    __slots__ = ("paint", "encoding", "_paths", "_codes")

    def __init__(self, paint: Paint = _plain, encoding: str = "utf-8") -> None:
        self.paint = paint
        self.encoding = encoding
        self._paths: dict[str, str] = {}
        #: code -> (severity, "CODE [severity]" painted)
        self._codes: dict[str, tuple[Severity, str]] = {}

    def __call__(self, diagnostic: Diagnostic, line: int, column: int) -> str:
        path = self._paths.get(diagnostic.path)
        if path is None:
            path = self._paths[diagnostic.path] = self.paint(clean(diagnostic.path, self.encoding), STYLES["path"])
        code = self._codes.get(diagnostic.code)
        if code is None or code[0] is not diagnostic.severity:
            sev = SEVERITY_STYLES[diagnostic.severity]
            painted = f"{self.paint(diagnostic.code, sev.style)} {self.paint('[' + sev.label + ']', sev.style)}"
            code = self._codes[diagnostic.code] = (diagnostic.severity, painted)
        return f"{path}:{line}:{column}: {code[1]} {clean(diagnostic.message, self.encoding)}"

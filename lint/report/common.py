"""What the CI formats (sarif, github, gitlab, checkstyle, junit, rdjson) share: where a finding
is (`region`, `report_path`, `artifact_uri`), a stable `fingerprints` map, and what a rule is
(`rule_info`: summary, help text and link, from the rule's docstring).

Positions are 1-based and columns count Unicode code points; ends are exclusive (the column just
past the last character, as SARIF and reviewdog define them). A span that ends with a line break
(a whole-line finding) ends at the end of its last line instead of column 1 of the next one, so no
format shows it spilling onto a line it does not touch; an empty-line finding is zero-width.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote

from dflint.rule import Fixable, Severity

if TYPE_CHECKING:
    from typing import Any

    from dflint.diagnostic import Diagnostic
    from dflint.rule import Rule

#: Where dflint lives; the package metadata's Homepage/Repository/Source URL wins when set.
DEFAULT_PROJECT_URL = "https://github.com/dflint/dflint"
SHELLCHECK_WIKI = "https://github.com/koalaman/shellcheck/wiki/{code}"
_SHELLCHECK_CODE = re.compile(r"^SC\d+$")


@lru_cache(maxsize=1)
def project_url() -> str:
    """The project's home page: a ``Project-URL`` (Homepage, Repository or Source) of the
    installed distribution, else `DEFAULT_PROJECT_URL`."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        meta = metadata("dflint")
    except (ImportError, PackageNotFoundError):  # pragma: no cover - running from a bare checkout
        return DEFAULT_PROJECT_URL
    urls = {}
    for entry in meta.get_all("Project-URL") or ():
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    for label in ("homepage", "repository", "source", "source code"):
        if urls.get(label, "").startswith(("https://", "http://")):
            return urls[label].rstrip("/")
    return DEFAULT_PROJECT_URL


def rules_doc_url() -> str:
    """The rule reference (docs/rules.md on the default branch)."""
    return f"{project_url()}/blob/main/docs/rules.md"


# --------------------------------------------------------------------------------------------
# Positions and paths


class Region(NamedTuple):
    start_line: int
    start_column: int
    end_line: int
    end_column: int  # exclusive

    @property
    def single_line(self) -> bool:
        return self.start_line == self.end_line


def _trimmed_end(d: Diagnostic) -> int:
    """The span's end, moved before the line breaks it ends with (a span of only line breaks, an
    empty line, ends where it starts)."""
    text, start, end = d.source.text, d.span.start, min(d.span.end, len(d.source.text))
    while end > start and text[end - 1] in "\r\n":
        end -= 1
    return end


def region(d: Diagnostic) -> Region:
    """`d`'s 1-based start and exclusive end, with a trailing line break trimmed."""
    return Region(*d.source.positions(d.span.start, _trimmed_end(d)))


def utf8_column(d: Diagnostic, line: int, column: int) -> int:
    """The 1-based column counted in UTF-8 bytes (reviewdog's unit) of code-point `column`."""
    start = d.source.line_start(line)
    prefix = d.source.text[start : start + column - 1]
    return len(prefix.encode("utf-8", "surrogateescape")) + 1


def report_path(path: str) -> str:
    """A finding's path as CI tools want it: relative paths without ``./``, ``/`` separators."""
    p = path.replace(os.sep, "/") if os.sep != "/" else path
    while p.startswith("./"):
        p = p[2:]
    return p or path


def repo_relative(path: str) -> str:
    """`report_path`, with an absolute path inside the working directory made relative to it
    (GitHub annotations and GitLab reports want paths relative to the repository root, where CI
    runs dflint)."""
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
        except ValueError:  # another drive (Windows)
            return report_path(path)
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            return report_path(rel)
    return report_path(path)


@lru_cache(maxsize=1024)  # (a report asks for the same few paths once per finding)
def artifact_uri(path: str) -> tuple[str, bool]:
    """(URI, relative?) of a path for SARIF: a relative path becomes a percent-encoded relative
    reference (resolved against ``%SRCROOT%``), an absolute one a ``file://`` URI. A ``:`` is
    encoded (in a first segment it would read as a scheme); undecodable bytes of a file name are
    percent-encoded as the bytes they were."""
    if os.path.isabs(path):
        from pathlib import Path

        return Path(path).as_uri(), False
    raw = report_path(path).encode("utf-8", "surrogateescape")
    return quote(raw, safe="/-._~!$&'()*+,;=@"), True


def fingerprints(diagnostics: list[Diagnostic]) -> dict[int, str]:
    """A stable hash per diagnostic (keyed by ``id(d)``) that survives lines moving: the code,
    the path, the text of the span's first line (whitespace-normalized) and the span's text,
    plus the index among findings with the same four, in order. Unique within one report."""
    seen: dict[str, int] = {}
    out: dict[int, str] = {}
    for d in sorted(diagnostics, key=lambda d: d.sort_key()):
        line = d.source.position(d.span.start)[0]
        line_text = " ".join(d.source.line_text(line).split())
        key = "\x00".join((d.code, report_path(d.path), line_text, d.source.slice(d.span)))
        n = seen[key] = seen.get(key, -1) + 1
        digest = hashlib.sha256(f"{key}\x00{n}".encode("utf-8", "surrogatepass")).hexdigest()
        out[id(d)] = digest[:32]
    return out


# --------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class RuleInfo:
    """What a report says about a rule (or a ShellCheck code)."""

    code: str
    name: str
    summary: str  # one sentence
    description: str  # the summary plus the longer description, plain
    help_text: str  # the whole documentation, as text
    help_markdown: str  # the whole documentation, as Markdown
    help_uri: str
    severity: Severity  # the rule's default severity
    tags: tuple[str, ...]
    fixable: bool = False
    enabled_by_default: bool = True


#: Tags by code prefix, most specific first (the DESIGN.md code ranges).
_CATEGORIES = (
    ("DF0", "syntax"),
    ("DF1", "stage-graph"),
    ("DF2", "image-size"),
    ("DF3", "build-cache"),
    ("DF4", "buildkit"),
    ("DF5", "security"),
    ("DF9", "meta"),
    ("DL", "hadolint"),
    ("SC", "shellcheck"),
)


def _tags(code: str, fixable: bool) -> tuple[str, ...]:
    tags = ["dockerfile"]
    tags += [tag for prefix, tag in _CATEGORIES if code.upper().startswith(prefix)][:1]
    if fixable:
        tags.append("fixable")
    return tuple(tags)


def _anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _from_rule(cls: type[Rule]) -> RuleInfo:
    from dflint.docs import parse_doc, render_rule

    doc = parse_doc(cls)
    description = doc.summary + (f"\n\n{doc.description}" if doc.description else "")
    fixable = cls.fixable is not Fixable.NEVER
    return RuleInfo(
        code=cls.code,
        name=cls.name,
        summary=doc.summary or cls.name,
        description=description or cls.name,
        help_text=render_rule(cls, "text"),
        help_markdown=render_rule(cls, "markdown"),
        help_uri=f"{rules_doc_url()}#{_anchor(f'{cls.code} {cls.name}')}",
        severity=cls.severity,
        tags=_tags(cls.code, fixable),
        fixable=fixable,
        enabled_by_default=cls.enabled_by_default,
    )


def _shellcheck(code: str, severity: Severity) -> RuleInfo:
    url = SHELLCHECK_WIKI.format(code=code)
    summary = f"ShellCheck {code} on a RUN body."
    return RuleInfo(
        code=code,
        name=f"shellcheck-{code.lower()}",
        summary=summary,
        description=f"{summary} dflint runs ShellCheck on every RUN that a POSIX shell runs.",
        help_text=f"{summary}\n\nSee the ShellCheck wiki: {url}\n",
        help_markdown=f"{summary}\n\nSee the ShellCheck wiki: [{code}]({url}).\n",
        help_uri=url,
        severity=severity,
        tags=_tags(code, False),
    )


def _internal(code: str, name: str) -> RuleInfo:
    summary = "dflint or a plugin failed on this file: a bug, please report it."
    return RuleInfo(
        code=code,
        name=name,
        summary=summary,
        description=f"{summary} The other rules and files still ran.",
        help_text=summary + "\n",
        help_markdown=summary + "\n",
        help_uri=f"{project_url()}/issues",
        severity=Severity.ERROR,
        tags=("dockerfile", "internal"),
    )


def rule_info(code: str, name: str = "", severity: Severity = Severity.WARNING) -> RuleInfo:
    """The `RuleInfo` of a finding's code: a registered rule's docs, a ShellCheck code's wiki
    page, DF000's note, or (a code no rule owns) what the finding itself says."""
    from dflint.registry import Registry

    cls = Registry.load().get(code)
    if cls is not None and cls.code.upper() == code.upper():
        return _cached_rule(cls)
    if _SHELLCHECK_CODE.match(code):
        return _shellcheck(code, severity)
    from dflint.engine import INTERNAL_ERROR

    if code == INTERNAL_ERROR[0]:
        return _internal(*INTERNAL_ERROR)
    summary = f"{code} {name}".strip()
    return RuleInfo(code, name or code, summary, summary, summary + "\n", summary + "\n",
                    rules_doc_url(), severity, _tags(code, False))


@lru_cache(maxsize=None)
def _cached_rule(cls: type[Rule]) -> RuleInfo:
    return _from_rule(cls)


def rules_used(diagnostics: list[Diagnostic]) -> list[RuleInfo]:
    """One `RuleInfo` per distinct code of `diagnostics`, sorted by code."""
    first: dict[str, Diagnostic] = {}
    for d in diagnostics:
        first.setdefault(d.code, d)
    return [rule_info(code, d.name, d.severity) for code, d in sorted(first.items())]


# --------------------------------------------------------------------------------------------
# XML (checkstyle, junit)

# Characters XML 1.0 does not allow (even escaped), and lone surrogates (undecodable bytes).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 cannot hold replaced by U+FFFD."""
    return _XML_INVALID.sub("\ufffd", text)


def write_xml(root: Any, out: Any) -> None:
    """Write the ElementTree element `root` as an indented XML document with a declaration that
    matches what is written: UTF-8 on a UTF-8 stream, else ASCII with character references."""
    import xml.etree.ElementTree as ET

    from dflint.report import stream_encoding

    ET.indent(root)
    if stream_encoding(out) == "utf-8":
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")
    else:
        body = ET.tostring(root, encoding="us-ascii", xml_declaration=False).decode("ascii")
        out.write('<?xml version="1.0" encoding="US-ASCII"?>\n' + body + "\n")

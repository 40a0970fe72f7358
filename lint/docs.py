"""Rule documentation, from the rule classes' docstrings (after ruff's ``ruff rule`` and BuildKit's
per-check doc pages).

A rule's docstring is Markdown in fixed sections::

    Summary line (one sentence).

    Optional longer description.

    ## Why is this bad?
    ## Example                      (a ```dockerfile block on which the rule fires)
    ## Use instead                  (a ```dockerfile block on which it does not)
    ## Fix safety                   (optional)
    ## Options                      (optional)
    ## References                   (optional)
    ## Differences from hadolint    (optional)

`parse_doc` splits it (a ``## `` line inside a fenced block is code — a Dockerfile comment — not
a heading), `example_blocks` pulls the ```dockerfile blocks out of a section (the meta tests run
them), `render_rule` and `render_rules` render one rule or all of them as text, Markdown or JSON
(``dflint rule CODE``, ``dflint rule --all``, the docs site).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from dflint.rule import Fixable, Rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

__all__ = [
    "OPTIONAL_SECTIONS",
    "REQUIRED_SECTIONS",
    "SECTIONS",
    "RuleDoc",
    "example_blocks",
    "parse_doc",
    "render_rule",
    "render_rules",
    "rule_header",
]

WHY = "Why is this bad?"
EXAMPLE = "Example"
USE_INSTEAD = "Use instead"
FIX_SAFETY = "Fix safety"
OPTIONS = "Options"
REFERENCES = "References"
DIFFERENCES = "Differences from hadolint"

REQUIRED_SECTIONS = (WHY, EXAMPLE, USE_INSTEAD)
OPTIONAL_SECTIONS = (FIX_SAFETY, OPTIONS, REFERENCES, DIFFERENCES)
#: Every known section, in the order the docs show them.
SECTIONS = REQUIRED_SECTIONS + OPTIONAL_SECTIONS

FORMATS = ("text", "markdown", "json")

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<title>.*?)(?:[ \t]+#+)?[ \t]*$")


def _key(title: str) -> str:
    """Section lookup key: case and a trailing ``?``/``:`` do not matter."""
    return title.strip().rstrip("?:").strip().lower()


_KNOWN = {_key(s): s for s in SECTIONS}


def _is_close(line: str, fence: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and set(stripped) == {fence[0]} and len(stripped) >= len(fence)


def _kinds(lines: list[str]) -> list[str]:
    """Each line's role: "text", or "open", "code", "close" for fenced code blocks."""
    kinds: list[str] = []
    fence: str | None = None
    for line in lines:
        if fence is None:
            m = _FENCE_OPEN.match(line)
            if m and not (m["fence"][0] == "`" and "`" in m["info"]):
                fence = m["fence"]
                kinds.append("open")
            else:
                kinds.append("text")
        elif _is_close(line, fence):
            fence = None
            kinds.append("close")
        else:
            kinds.append("code")
    return kinds


def _scan(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced code block (fence lines included)."""
    return [k != "text" for k in _kinds(lines)]


def example_blocks(section: str | None, lang: str = "dockerfile") -> list[str]:
    """The contents of the fenced code blocks in `section` whose info string starts with `lang`
    (case-insensitive: ```dockerfile, ```Dockerfile title="x"), each dedented by its fence's
    indentation and ending with a newline. An unclosed fence runs to the end of the section."""
    return [block for block, _ in example_blocks_with_info(section, lang)]


def example_blocks_with_info(section: str | None, lang: str = "dockerfile") -> list[tuple[str, str]]:
    """Like `example_blocks`, with the rest of each block's info string (``files="a .git/"``:
    build-context paths a block needs, a trailing ``/`` for a folder)."""
    if not section:
        return []
    lines = section.splitlines()
    blocks: list[tuple[str, str]] = []
    body: list[str] | None = None  # lines of the current block, when it is a `lang` block
    indent = 0
    rest = ""
    for line, kind in zip(lines, _kinds(lines)):
        if kind == "open":
            m = _FENCE_OPEN.match(line)
            assert m is not None
            info = m["info"].strip().split(maxsplit=1)
            body = [] if info and info[0].lower() == lang.lower() else None
            rest = info[1] if len(info) > 1 else ""
            indent = len(m["indent"])
        elif kind == "code" and body is not None:
            cut = len(line) - len(line.lstrip(" \t"))
            body.append(line[min(indent, cut) :])
        elif kind == "close" and body is not None:
            blocks.append(("".join(b + "\n" for b in body), rest))
            body = None
    if body is not None:  # an unclosed fence runs to the end
        blocks.append(("".join(b + "\n" for b in body), rest))
    return blocks


@dataclass(frozen=True)
class RuleDoc:
    """A rule's docstring, split into its parts."""

    code: str
    name: str
    summary: str  # the first paragraph, joined into one line
    description: str = ""  # text between the summary and the first section
    sections: dict[str, str] = field(default_factory=dict)  # title as written → body, in order

    def section(self, title: str) -> str | None:
        """The body of section `title` (case-insensitive, trailing ``?``/``:`` ignored)."""
        key = _key(title)
        for t, body in self.sections.items():
            if _key(t) == key:
                return body
        return None

    @property
    def why(self) -> str | None:
        return self.section(WHY)

    @property
    def example(self) -> str | None:
        return self.section(EXAMPLE)

    @property
    def use_instead(self) -> str | None:
        return self.section(USE_INSTEAD)

    @property
    def fix_safety(self) -> str | None:
        return self.section(FIX_SAFETY)

    @property
    def options(self) -> str | None:
        return self.section(OPTIONS)

    @property
    def references(self) -> str | None:
        return self.section(REFERENCES)

    @property
    def differences(self) -> str | None:
        return self.section(DIFFERENCES)

    @property
    def bad_examples(self) -> list[str]:
        """Dockerfiles of ``## Example``: the rule must fire on each."""
        return example_blocks(self.example)

    @property
    def good_examples(self) -> list[str]:
        """Dockerfiles of ``## Use instead``: the rule must not fire on any."""
        return example_blocks(self.use_instead)

    def problems(self) -> list[str]:
        """What is wrong with the docstring's shape (for the meta tests); empty when fine."""
        found = []
        if not self.summary:
            found.append("no summary line")
        for title in REQUIRED_SECTIONS:
            if self.section(title) is None:
                found.append(f"missing section '## {title}'")
        for title in self.sections:
            if _key(title) not in _KNOWN:
                found.append(f"unknown section '## {title}' (known: {', '.join(SECTIONS)})")
        if self.example is not None and not self.bad_examples:
            found.append("'## Example' has no ```dockerfile block")
        if self.use_instead is not None and not self.good_examples:
            found.append("'## Use instead' has no ```dockerfile block")
        return found


def parse_doc(rule_cls: type[Rule]) -> RuleDoc:
    """Split `rule_cls`'s docstring into summary, description and ``## `` sections."""
    lines = rule_cls.doc().splitlines()
    inside = _scan(lines)
    preamble: list[str] = []
    sections: dict[str, list[str]] = {}
    current = preamble
    for line, in_code in zip(lines, inside):
        m = None if in_code else _HEADING.match(line)
        if m and len(m["hashes"]) == 2:
            title = m["title"].strip()
            if title in sections:  # a repeated heading continues the section
                current = sections[title]
            else:
                current = sections[title] = []
            continue
        current.append(line)
    text = "\n".join(preamble).strip("\n")
    summary, _, description = text.partition("\n\n")
    return RuleDoc(
        code=rule_cls.code,
        name=rule_cls.name,
        summary=" ".join(summary.split()),
        description=description.strip("\n"),
        sections={t: "\n".join(body).strip("\n") for t, body in sections.items()},
    )


# --------------------------------------------------------------------------------------------
# Rendering


_FIX_TEXT = {
    Fixable.ALWAYS: "fix always available",
    Fixable.SOMETIMES: "fix sometimes available",
    Fixable.NEVER: "no fix",
}
_FIX_COLUMN = {Fixable.ALWAYS: "always", Fixable.SOMETIMES: "sometimes", Fixable.NEVER: "-"}


def _facts(rule_cls: type[Rule]) -> str:
    """``severity; aliases: A, B; fix …; on by default``."""
    parts = [rule_cls.severity.value]
    if rule_cls.aliases:
        parts.append("aliases: " + ", ".join(rule_cls.aliases))
    parts.append(_FIX_TEXT[rule_cls.fixable])
    parts.append("on by default" if rule_cls.enabled_by_default else "off by default")
    return "; ".join(parts)


def rule_header(rule_cls: type[Rule]) -> str:
    """``CODE name (severity; aliases: A, B; fix …; on by default)``."""
    return f"{rule_cls.code} {rule_cls.name} ({_facts(rule_cls)})"


def _to_json(rule_cls: type[Rule], doc: RuleDoc) -> dict[str, Any]:
    return {
        "code": rule_cls.code,
        "name": rule_cls.name,
        "severity": rule_cls.severity.value,
        "aliases": list(rule_cls.aliases),
        "fixable": rule_cls.fixable.value,
        "enabled_by_default": rule_cls.enabled_by_default,
        "summary": doc.summary,
        "doc": rule_cls.doc(),
    }


def _text_body(body: str) -> str:
    """A section body for the terminal: fenced blocks become 4-space indented code."""
    lines = body.splitlines()
    out: list[str] = []
    for line, kind in zip(lines, _kinds(lines)):
        if kind == "code":
            out.append(("    " + line).rstrip())
        elif kind == "close":
            out.append("")
        elif kind == "text":
            out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")


def _shift_headings(body: str, by: int) -> str:
    """`body` with every Markdown heading outside code `by` levels deeper."""
    if by <= 0:
        return body
    lines = body.splitlines()
    return "\n".join(
        "#" * by + line if not in_code and _HEADING.match(line) else line
        for line, in_code in zip(lines, _scan(lines))
    )


def _markdown(rule_cls: type[Rule], doc: RuleDoc, level: int = 1) -> str:
    h = "#" * level
    parts = [f"{h} {rule_cls.code} {rule_cls.name}", f"*{_facts(rule_cls)}*"]
    if doc.summary:
        parts.append(doc.summary)
    if doc.description:
        parts.append(_shift_headings(doc.description, level - 1))
    for title, body in doc.sections.items():
        parts.append(f"{h}# {title}" + (f"\n\n{_shift_headings(body, level - 1)}" if body else ""))
    return "\n\n".join(parts) + "\n"


def _text(rule_cls: type[Rule], doc: RuleDoc) -> str:
    parts = [rule_header(rule_cls)]
    if doc.summary:
        parts.append(doc.summary)
    if doc.description:
        parts.append(_text_body(doc.description))
    for title, body in doc.sections.items():
        parts.append(title + (f"\n\n{_text_body(body)}" if body else ""))
    return "\n\n".join(parts) + "\n"


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown documentation format {fmt!r} (expected one of: {', '.join(FORMATS)})")


def render_rule(rule_cls: type[Rule], fmt: str = "text") -> str:
    """One rule's documentation: `rule_header`, the summary, then the docstring's sections.
    ``fmt``: "text" (for a terminal; code blocks indented), "markdown" (a doc page) or "json"
    (the object `render_rules` lists)."""
    _check_format(fmt)
    doc = parse_doc(rule_cls)
    if fmt == "json":
        return json.dumps(_to_json(rule_cls, doc), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return _markdown(rule_cls, doc)
    return _text(rule_cls, doc)


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_rules(rule_classes: Iterable[type[Rule]], fmt: str = "text") -> str:
    """All rules, sorted by code. "text": a table ``code  name  severity  fix  summary``;
    "json": a list of {code, name, severity, aliases, fixable, enabled_by_default, summary, doc};
    "markdown": a table, then each rule's documentation."""
    _check_format(fmt)
    rules = sorted(rule_classes, key=lambda r: r.code)
    docs = [parse_doc(r) for r in rules]
    if fmt == "json":
        return json.dumps([_to_json(r, d) for r, d in zip(rules, docs)], indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        table = ["| Code | Name | Severity | Fix | Summary |", "| --- | --- | --- | --- | --- |"]
        for r, d in zip(rules, docs):
            cells = [r.code, f"`{r.name}`", r.severity.value, _FIX_COLUMN[r.fixable], d.summary]
            table.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
        pages = [_markdown(r, d, level=2).rstrip("\n") for r, d in zip(rules, docs)]
        return "\n\n".join(["\n".join(table), *pages]) + "\n"
    rows = [("code", "name", "severity", "fix", "summary")]
    rows += [(r.code, r.name, r.severity.value, _FIX_COLUMN[r.fixable], d.summary) for r, d in zip(rules, docs)]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(row[:4], widths)), row[4]]).rstrip() for row in rows]
    return "\n".join(lines) + "\n"

"""The `.case` file format for rule tests (public: plugin authors can reuse it).

One file per rule, byte-exact (no escaping)::

    === fail: update without cleanup
    RUN apt-get update && apt-get install -y curl
    --- expect
    DL3009 1:1
    --- fixed
    RUN apt-get update && apt-get install -y curl \\
        && rm -rf /var/lib/apt/lists/*
    === pass: cleaned in the same layer
    RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*

``fail:`` cases list ``CODE line:col`` (or ``CODE line:col-endline:endcol``) under ``--- expect``;
``pass:`` cases must give no finding of the rule under test. Optional sections: ``--- fixed`` (the
exact text after applying the rule's fixes, which must re-lint clean for that rule), ``--- unsafe``
(like fixed, with unsafe fixes applied too), ``--- config`` (TOML with the keys of `.dflint.toml`;
`[rules.<CODE>]` options, `target`, `build-args`, `context`), and the build context: ``--- files``
(one ``path: content`` per line; a path ending in ``/`` is an empty folder) and ``--- file: PATH``
(one file with the section's lines as its content, e.g. a ``.dockerignore``). With either, the
case is linted with a temporary folder holding those files as its build context.

Every line of a case body is taken as is, trailing whitespace, tabs and CR characters included,
up to the ``===`` or ``---`` line that ends it (so a body always ends with a newline; the parser's
own tests cover files without one). Lines before the first header that start with ``#`` are
comments about the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_HEADER = re.compile(r"=== (pass|fail): ?(.*)")
_SECTION = re.compile(r"--- (expect|fixed|unsafe|config|files|file: ?(\S+))\s*")
_EXPECT = re.compile(r"([A-Za-z]+[0-9]+) (\d+):(\d+)(?:-(\d+):(\d+))?\s*\Z")


@dataclass(frozen=True)
class Expected:
    code: str
    line: int
    column: int
    end: tuple[int, int] | None = None

    def __str__(self) -> str:
        end = f"-{self.end[0]}:{self.end[1]}" if self.end else ""
        return f"{self.code} {self.line}:{self.column}{end}"


@dataclass
class Case:
    path: Path
    index: int
    kind: str  # "pass" | "fail"
    title: str
    line: int  # line of the === header in the .case file
    source: str = ""
    expect: list[Expected] = field(default_factory=list)
    fixed: str | None = None
    unsafe: str | None = None
    config: str | None = None
    files: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.path.stem}[{self.index}:{self.kind}:{self.title}]"


class CaseFormatError(ValueError):
    pass


def load_cases(path: Path | str) -> list[Case]:
    path = Path(path)
    text = path.read_bytes().decode("utf-8")
    cases: list[Case] = []
    current: Case | None = None
    section = "source"
    buf: list[str] = []

    def flush() -> None:
        if current is None:
            return
        body = "".join(buf)
        if section == "source":
            current.source = body
        elif section == "expect":
            for raw in body.splitlines():
                if not raw.strip():
                    continue
                m = _EXPECT.match(raw.strip())
                if not m:
                    raise CaseFormatError(f"{path}: case {current.title!r}: bad expect line {raw!r}")
                end = (int(m.group(4)), int(m.group(5))) if m.group(4) else None
                current.expect.append(Expected(m.group(1), int(m.group(2)), int(m.group(3)), end))
        elif section == "files":
            for raw in body.splitlines():
                if raw.strip():
                    name, _, content = raw.partition(":")
                    current.files[name.strip()] = content.strip() + "\n" if content.strip() else ""
        elif section.startswith("file:"):
            current.files[section[5:].strip()] = body
        else:
            setattr(current, section, body)

    for lineno, line in enumerate(text.splitlines(keepends=True), 1):
        bare = line.rstrip("\r\n")
        m = _HEADER.fullmatch(bare)
        if m:
            flush()
            current = Case(path, len(cases), m.group(1), m.group(2).strip(), lineno)
            cases.append(current)
            section, buf = "source", []
            continue
        s = _SECTION.fullmatch(bare)
        if s and current is not None:
            flush()
            section, buf = s.group(1), []
            if s.group(2):
                section = "file:" + s.group(2)
            continue
        if current is None:
            if bare.strip() and not bare.startswith("#"):
                raise CaseFormatError(f"{path}:{lineno}: text before the first === header")
            continue
        buf.append(line)
    flush()
    for case in cases:
        if case.kind == "fail" and not case.expect:
            raise CaseFormatError(f"{path}: fail case {case.title!r} has no --- expect section")
        if case.kind == "pass" and case.expect:
            raise CaseFormatError(f"{path}: pass case {case.title!r} has an --- expect section")
    return cases

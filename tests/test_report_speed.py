"""Guards for the fast paths of the reports and the parser: each gives exactly what the plain way
gives, and does its work once per finding (or not at all). No timings: call counts."""

from __future__ import annotations

import io
import json
import random

import pytest

from dflint.diagnostic import Diagnostic
from dflint.parser import parse
from dflint.report import Headers, ReportOptions, header, report
from dflint.report.json import dumps
from dflint.rule import Severity
from dflint.source import SourceFile, Span
from dflint.syntax import Logical


def _value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(9 if depth < 4 else 5)
    if kind == 0:
        return rng.choice(["", "a", 'é\n"\\', "\ud800x", "日本", "\x00\x1f", "\u2028"])
    if kind == 1:
        return rng.randrange(-(10**20), 10**20)
    if kind == 2:
        return rng.choice([None, True, False])
    if kind == 3:
        return rng.random()
    if kind == 4:
        return rng.choice([float("nan"), float("inf"), -0.0, 1e300])
    if kind in (5, 6):
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 7:
        return tuple(_value(rng, depth + 1) for _ in range(rng.randrange(3)))
    keys = ["a", "b", "ü", "c\n", 1, None, 2.5, True]
    return {rng.choice(keys): _value(rng, depth + 1) for _ in range(rng.randrange(4))}


@pytest.mark.parametrize("ascii_only", [False, True])
def test_dumps_is_json_dumps_indented(ascii_only: bool) -> None:
    rng = random.Random(8)
    for _ in range(3000):
        value = _value(rng)
        assert dumps(value, ascii_only) == json.dumps(value, indent=2, ensure_ascii=ascii_only)


def test_dumps_leaves_what_json_cannot_write_to_json() -> None:
    with pytest.raises(TypeError):
        dumps({"a": object()})


def test_positions_is_two_positions() -> None:
    rng = random.Random(3)
    for _ in range(2000):
        text = "".join(rng.choice(["a", "\n", "\r\n", "é", " "]) for _ in range(rng.randrange(30)))
        src = SourceFile(text)
        for _ in range(10):
            start, end = rng.randrange(-3, len(text) + 4), rng.randrange(-3, len(text) + 4)
            assert src.positions(start, end) == (*src.position(start), *src.position(end))


def _diagnostics(count: int) -> tuple[SourceFile, list[Diagnostic]]:
    text = "FROM a\n" + "".join(f"RUN echo {i}\n" for i in range(count))
    src = SourceFile(text, "Dockerfile")
    out = []
    for line in range(2, count + 2):
        start = src.line_start(line) + 4
        severity = Severity.WARNING if line % 3 else Severity.INFO
        out.append(Diagnostic("Dockerfile", "DL3000", "x", severity, f"m{line}", Span(start, start + 4), src))
    return src, out


@pytest.mark.parametrize("format", ["full", "json", "concise"])
def test_a_report_finds_each_finding_s_lines_once(format: str, monkeypatch) -> None:
    calls = {"position": 0, "positions": 0}
    for name in calls:
        plain = getattr(SourceFile, name)

        def counted(self, *args, _plain=plain, _name=name):
            calls[_name] += 1
            return _plain(self, *args)

        monkeypatch.setattr(SourceFile, name, counted)
    _, diagnostics = _diagnostics(50)
    report(diagnostics, io.StringIO(), ReportOptions(), format=format)
    assert sum(calls.values()) == 50


def test_headers_follow_a_code_whose_severity_changes() -> None:
    _, diagnostics = _diagnostics(6)  # one code, warning and info by turns
    headers = Headers()
    for d in diagnostics:
        assert headers(d, *d.start) == header(d)
    assert "[info]" in header(diagnostics[1]) and "[warning]" in header(diagnostics[0])


def test_plain_instructions_are_parsed_without_spans_through_the_logical_line(monkeypatch) -> None:
    calls = []
    plain = Logical.span

    def counted(self, start, end):
        calls.append((start, end))
        return plain(self, start, end)

    monkeypatch.setattr(Logical, "span", counted)
    df = parse("RUN echo hi\n" * 20 + "RUN echo \\\n  there\n" * 20)  # (FROM's check reads its words)
    assert calls == []
    # the spans are made when read, and are the same as ever
    run = df.instructions[-1]
    last = df.text.rindex("RUN")
    assert run.keyword_span == Span(last, last + 3)
    assert df.text[run.args_span.start : run.args_span.end] == "echo \\\n  there"

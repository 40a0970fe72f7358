"""Output formats of `dflint check` (dflint.report): concise, full, json, statistics."""

from __future__ import annotations

import io
import random
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dflint.diagnostic import Diagnostic
from dflint.fix import Applicability, Edit, Fix
from dflint.report import (
    FORMATS,
    SEVERITY_STYLES,
    ReportOptions,
    clean,
    header,
    report,
    want_color,
    writer,
)
from dflint.report import concise, full, statistics
from dflint.report import json as json_format
from dflint.rule import Severity
from dflint.source import SourceFile, Span

PLAIN = ReportOptions()
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def diag(
    src: SourceFile,
    needle: str | int,
    length: int | None = None,
    *,
    code: str = "DL3008",
    name: str = "apt-pin",
    severity: Severity = Severity.WARNING,
    message: str = "Pin versions",
    fix: Fix | None = None,
    occurrence: int = 0,
) -> Diagnostic:
    """A diagnostic on `needle` (the text, or an offset) in `src`."""
    if isinstance(needle, int):
        start = needle
        end = start + (length or 0)
    else:
        start = -1
        for _ in range(occurrence + 1):
            start = src.text.index(needle, start + 1)
        end = start + (len(needle) if length is None else length)
    return Diagnostic(src.path, code, name, severity, message, Span(start, end), src, fix)


def render(fmt: str, diagnostics: list[Diagnostic], options: ReportOptions = PLAIN) -> str:
    out = io.StringIO()
    report(diagnostics, out, options, fmt)
    return out.getvalue()


def render_bytes(fmt: str, diagnostics: list[Diagnostic], encoding: str, options: ReportOptions = PLAIN) -> bytes:
    buf = io.BytesIO()
    out = io.TextIOWrapper(buf, encoding=encoding, errors="strict", newline="\n")
    report(diagnostics, out, options, fmt)
    out.flush()
    return buf.getvalue()


APT = SourceFile("FROM debian:12\nRUN apt-get install -y curl\n", "Dockerfile")
PIN = Fix.safe("Pin `curl` to a version", Edit.insert(APT.text.index("curl") + 4, "=8.5.0"))
UNSAFE = Fix.unsafe("Use a digest", Edit(5, 14, "debian@sha256:0"))


# ------------------------------------------------------------------------------------------
# concise


def test_concise_one_line_each_sorted_by_path_then_position():
    other = SourceFile("FROM alpine\n", "a/Dockerfile")
    ds = [
        diag(APT, "curl"),
        diag(APT, "debian:12", code="DL3007", name="latest", severity=Severity.ERROR, message="Tag it"),
        diag(other, "alpine", code="DL3006", name="untagged", severity=Severity.STYLE, message="Tag alpine"),
        diag(APT, "apt-get", code="DL3027", name="apt", severity=Severity.INFO, message="Use apt-get"),
    ]
    assert render("concise", ds) == (
        "Dockerfile:1:6: DL3007 [error] Tag it\n"
        "Dockerfile:2:5: DL3027 [info] Use apt-get\n"
        "Dockerfile:2:24: DL3008 [warning] Pin versions\n"
        "a/Dockerfile:1:6: DL3006 [style] Tag alpine\n"
    )


def test_concise_empty_run_prints_nothing():
    assert render("concise", []) == ""


def test_concise_line_matches_the_interface_shape():
    line = render("concise", [diag(APT, "curl", fix=PIN)]).rstrip("\n")
    assert re.fullmatch(r"(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) \[(?P<sev>\w+)\] (?P<msg>.*)", line)
    assert line == "Dockerfile:2:24: DL3008 [warning] Pin versions"


def test_header_is_the_concise_line():
    d = diag(APT, "curl")
    assert header(d) == "Dockerfile:2:24: DL3008 [warning] Pin versions"


# ------------------------------------------------------------------------------------------
# full, plain


def test_full_single_line_span_with_safe_fix():
    assert render("full", [diag(APT, "curl", fix=PIN)]) == (
        "Dockerfile:2:24: DL3008 [warning] Pin versions\n"
        "  |\n"
        "2 | RUN apt-get install -y curl\n"
        "  |                        ^^^^\n"
        "  |\n"
        "  = help: Pin `curl` to a version (fixable with `dflint fix`)\n"
        "\n"
        "Found 1 problem (1 warning).\n"
        "[*] 1 fixable with `dflint fix`.\n"
    )


def test_full_several_diagnostics_and_summary_counts():
    ds = [
        diag(APT, "curl", fix=PIN),
        diag(APT, "debian:12", code="DL3007", name="latest", severity=Severity.ERROR, message="Use a digest", fix=UNSAFE),
        diag(APT, "apt-get", code="DL3027", name="apt", severity=Severity.WARNING, message="No fix here"),
    ]
    assert render("full", ds) == (
        "Dockerfile:1:6: DL3007 [error] Use a digest\n"
        "  |\n"
        "1 | FROM debian:12\n"
        "  |      ^^^^^^^^^\n"
        "  |\n"
        "  = help: Use a digest (fixable with `dflint fix --unsafe-fixes`)\n"
        "\n"
        "Dockerfile:2:5: DL3027 [warning] No fix here\n"
        "  |\n"
        "2 | RUN apt-get install -y curl\n"
        "  |     ^^^^^^^\n"
        "  |\n"
        "\n"
        "Dockerfile:2:24: DL3008 [warning] Pin versions\n"
        "  |\n"
        "2 | RUN apt-get install -y curl\n"
        "  |                        ^^^^\n"
        "  |\n"
        "  = help: Pin `curl` to a version (fixable with `dflint fix`)\n"
        "\n"
        "Found 3 problems (1 error, 2 warnings).\n"
        "[*] 1 fixable with `dflint fix`.\n"
        "1 more fixable with `dflint fix --unsafe-fixes`.\n"
    )


def test_full_multi_line_span_underlines_each_line_part():
    src = SourceFile("FROM a\nRUN apt-get update && \\\n    apt-get install x\nCMD y\n", "Dockerfile")
    start = src.text.index("update")
    end = src.text.index(" x\n")
    d = Diagnostic("Dockerfile", "DL3009", "apt-lists", Severity.INFO, "Clean lists", Span(start, end), src)
    assert render("full", [d], ReportOptions(quiet=True)) == (
        "Dockerfile:2:13: DL3009 [info] Clean lists\n"
        "  |\n"
        "2 | RUN apt-get update && \\\n"
        "  |             ^^^^^^^^^^^\n"
        "3 |     apt-get install x\n"
        "  | ^^^^^^^^^^^^^^^^^^^\n"
        "  |\n"
        "\n"
    )


def test_full_span_ending_with_the_line_break_does_not_show_the_next_line():
    src = SourceFile("FROM a\nRUN b\n\nCMD c\n", "Dockerfile")
    d = diag(src, "RUN b\n\n")  # the instruction plus an empty line, up to the start of line 4
    assert render("full", [d], ReportOptions(quiet=True)) == (
        "Dockerfile:2:1: DL3008 [warning] Pin versions\n"
        "  |\n"
        "2 | RUN b\n"
        "  | ^^^^^\n"
        "3 |\n"  # the empty line inside the span: shown, nothing to underline
        "  |\n"
        "\n"
    )


def test_full_long_multi_line_span_is_elided_in_the_middle():
    text = "".join(f"RUN step{i} \\\n" for i in range(1, 15)) + "    done\n"
    src = SourceFile(text, "Dockerfile")
    d = Diagnostic("Dockerfile", "DF001", "syntax-error", Severity.ERROR, "Too long", Span(0, len(text) - 1), src)
    out = render("full", [d], ReportOptions(quiet=True))
    assert out == (
        "Dockerfile:1:1: DF001 [error] Too long\n"
        "   |\n"
        " 1 | RUN step1 \\\n"
        "   | ^^^^^^^^^^^\n"
        " 2 | RUN step2 \\\n"
        "   | ^^^^^^^^^^^\n"
        " 3 | RUN step3 \\\n"
        "   | ^^^^^^^^^^^\n"
        " 4 | RUN step4 \\\n"
        "   | ^^^^^^^^^^^\n"
        "...\n"
        "12 | RUN step12 \\\n"
        "   | ^^^^^^^^^^^^\n"
        "13 | RUN step13 \\\n"
        "   | ^^^^^^^^^^^^\n"
        "14 | RUN step14 \\\n"
        "   | ^^^^^^^^^^^^\n"
        "15 |     done\n"
        "   | ^^^^^^^^\n"
        "   |\n"
        "\n"
    )


def test_full_zero_width_span_gets_one_caret():
    src = SourceFile("FROM a\nRUN apt-get install curl\n", "Dockerfile")
    d = diag(src, src.text.index("curl") + 4, 0, fix=Fix.safe("Pin it", Edit.insert(src.text.index("curl") + 4, "=1")))
    assert render("full", [d], ReportOptions(quiet=True)) == (
        "Dockerfile:2:25: DL3008 [warning] Pin versions\n"
        "  |\n"
        "2 | RUN apt-get install curl\n"
        "  |                         ^\n"
        "  |\n"
        "  = help: Pin it (fixable with `dflint fix`)\n"
        "\n"
    )


def test_full_span_at_end_of_file_without_final_newline():
    src = SourceFile("FROM a\nCMD [\"x\"]", "Dockerfile")
    end = len(src.text)
    ds = [diag(src, end, 0, message="at EOF"), diag(src, '["x"]', message="last token")]
    assert render("full", ds, ReportOptions(quiet=True)) == (
        "Dockerfile:2:5: DL3008 [warning] last token\n"
        "  |\n"
        '2 | CMD ["x"]\n'
        "  |     ^^^^^\n"
        "  |\n"
        "\n"
        "Dockerfile:2:10: DL3008 [warning] at EOF\n"
        "  |\n"
        '2 | CMD ["x"]\n'
        "  |          ^\n"
        "  |\n"
        "\n"
    )


def test_full_span_at_end_of_file_after_final_newline():
    src = SourceFile("FROM a\n", "Dockerfile")
    d = diag(src, len(src.text), 0, message="missing CMD")
    assert render("full", [d], ReportOptions(quiet=True)) == (
        "Dockerfile:2:1: DL3008 [warning] missing CMD\n"
        "  |\n"
        "2 |\n"
        "  | ^\n"
        "  |\n"
        "\n"
    )


def test_full_span_past_end_of_text_is_clamped():
    src = SourceFile("FROM a", "Dockerfile")
    d = Diagnostic("Dockerfile", "DF001", "syntax-error", Severity.ERROR, "x", Span(4, 99), src)
    assert "1 | FROM a\n  |     ^^\n" in render("full", [d])


def test_full_tabs_expand_the_same_in_line_and_underline():
    src = SourceFile("RUN a \\\n\tb\tc  \\\n\t&& d\n", "Dockerfile")
    ds = [
        diag(src, "c", message="after tabs"),
        diag(src, "\tb\tc", message="tabs inside"),
    ]
    # tab stops every 4 columns: "\tb\tc" shows as "    b   c"
    assert render("full", ds, ReportOptions(quiet=True)) == (
        "Dockerfile:2:1: DL3008 [warning] tabs inside\n"
        "  |\n"
        "2 |     b   c  \\\n"
        "  | ^^^^^^^^^\n"
        "  |\n"
        "\n"
        "Dockerfile:2:4: DL3008 [warning] after tabs\n"
        "  |\n"
        "2 |     b   c  \\\n"
        "  |         ^\n"
        "  |\n"
        "\n"
    )


def test_full_crlf_file_prints_no_carriage_return():
    src = SourceFile("FROM a\r\nRUN apt-get install curl\r\n", "Dockerfile")
    ds = [
        diag(src, "curl"),
        diag(src, "RUN apt-get install curl\r\n", message="whole line"),
        diag(src, "\r\n", message="line break", occurrence=1),
    ]
    out = render("full", ds, ReportOptions(quiet=True))
    assert "\r" not in out
    assert out == (
        "Dockerfile:2:1: DL3008 [warning] whole line\n"
        "  |\n"
        "2 | RUN apt-get install curl\n"
        "  | ^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  |\n"
        "\n"
        "Dockerfile:2:21: DL3008 [warning] Pin versions\n"
        "  |\n"
        "2 | RUN apt-get install curl\n"
        "  |                     ^^^^\n"
        "  |\n"
        "\n"
        "Dockerfile:2:25: DL3008 [warning] line break\n"
        "  |\n"
        "2 | RUN apt-get install curl\n"
        "  |                         ^\n"
        "  |\n"
        "\n"
    )


def test_full_bare_carriage_return_and_escape_are_shown_not_sent():
    src = SourceFile("RUN echo \x1b[31mred\rover\n", "Dockerfile")
    out = render("full", [diag(src, "red")], ReportOptions(quiet=True))
    assert "\r" not in out and "\x1b" not in out
    assert "1 | RUN echo \u241b[31mred\u240dover\n  | " + " " * 14 + "^^^\n" in out


def test_full_unicode_wide_and_combining_characters():
    src = SourceFile('LABEL desc="日本語 cafe\u0301" x=1\n', "Dockerfile")
    ds = [diag(src, "x=1", message="after wide"), diag(src, "日本語", message="wide")]
    assert render("full", ds, ReportOptions(quiet=True)) == (
        "Dockerfile:1:13: DL3008 [warning] wide\n"
        "  |\n"
        '1 | LABEL desc="日本語 cafe\u0301" x=1\n'
        "  |             ^^^^^^\n"
        "  |\n"
        "\n"
        "Dockerfile:1:24: DL3008 [warning] after wide\n"
        "  |\n"
        '1 | LABEL desc="日本語 cafe\u0301" x=1\n'
        "  | " + " " * 25 + "^^^\n"  # 3 wide characters are 6 columns, e + U+0301 is 1
        "  |\n"
        "\n"
    )


def test_full_bom_file_columns_are_not_shifted():
    src = SourceFile.from_bytes(b"\xef\xbb\xbfFROM debian\n", "Dockerfile")
    out = render("full", [diag(src, "debian")], ReportOptions(quiet=True))
    assert "\ufeff" not in out
    assert out == (
        "Dockerfile:1:6: DL3008 [warning] Pin versions\n"
        "  |\n"
        "1 | FROM debian\n"
        "  |      ^^^^^^\n"
        "  |\n"
        "\n"
    )


def test_full_invalid_utf8_on_an_ascii_stream_never_raises():
    src = SourceFile.from_bytes(b"FROM a\nRUN echo caf\xc3\xa9 \xff\xfe end\n", "bad\udcffname")
    d = diag(src, "end", message="message with \udcfe and \u00e9", fix=Fix.safe("Replace \u2192 x", Edit(0, 1, "F")))
    data = render_bytes("full", [d], "ascii")
    assert data.decode("ascii") == (
        "bad?name:2:18: DL3008 [warning] message with ? and ?\n"
        "  |\n"
        "2 | RUN echo caf? ?? end\n"
        "  |                  ^^^\n"
        "  |\n"
        "  = help: Replace ? x (fixable with `dflint fix`)\n"
        "\n"
        "Found 1 problem (1 warning).\n"
        "[*] 1 fixable with `dflint fix`.\n"
    )
    # on a UTF-8 stream the undecodable bytes show as U+FFFD and the rest as it is
    utf8 = render_bytes("full", [d], "utf-8").decode("utf-8")
    assert "2 | RUN echo caf\u00e9 \ufffd\ufffd end\n  |                  ^^^\n" in utf8
    assert "bad\ufffdname:2:18:" in utf8
    for fmt in ("concise", "json"):
        render_bytes(fmt, [d], "ascii")  # no UnicodeEncodeError
    assert render_bytes("concise", [d], "latin-1").decode("latin-1").startswith("bad?name:2:18:")


def test_full_long_line_is_clipped_around_the_span():
    line = "RUN apt-get install -y " + " ".join(f"package{i:03}" for i in range(60))
    src = SourceFile(line + "\n", "Dockerfile")
    out = render("full", [diag(src, "package045")], ReportOptions(quiet=True))
    code_line, caret_line = out.splitlines()[2:4]
    assert code_line.startswith("1 | ...") and code_line.endswith("...")
    assert len(code_line) - len("1 | ") == full.MAX_LINE_WIDTH
    col = caret_line.index("^")
    assert caret_line[col:] == "^" * len("package045")
    assert code_line[col : col + len("package045")] == "package045"
    # the start of the line fits: no leading ellipsis
    out = render("full", [diag(src, "apt-get")], ReportOptions(quiet=True))
    code_line, caret_line = out.splitlines()[2:4]
    assert code_line.startswith("1 | RUN apt-get install -y package000") and code_line.endswith("...")
    assert caret_line == "  |     ^^^^^^^"


def test_render_line_clipping_keeps_a_span_wider_than_the_window_in_view():
    line = "x" * 300
    code, column, count = full.render_line(line, (100, 290))
    assert code == "..." + "x" * (full.MAX_LINE_WIDTH - 6) + "..."
    assert column == 3 + full.LEFT_CONTEXT
    assert column + count == full.MAX_LINE_WIDTH - 3  # underline stops at the trailing "..."


def test_full_display_only_fix_has_help_without_fix_command():
    fix = Fix((Edit(0, 4, "from"),), Applicability.DISPLAY_ONLY, "Lowercase it")
    out = render("full", [diag(APT, "FROM", fix=fix)])
    assert "  = help: Lowercase it\n" in out
    assert "fixable" not in out
    assert out.endswith("Found 1 problem (1 warning).\n")


def test_full_summary_with_unsafe_fixes_enabled_counts_them_as_fixable():
    ds = [diag(APT, "curl", fix=PIN), diag(APT, "debian:12", fix=UNSAFE)]
    out = render("full", ds, ReportOptions(unsafe_fixes=True))
    assert "  = help: Use a digest (fixable with `dflint fix`)\n" in out
    assert out.endswith("Found 2 problems (2 warnings).\n[*] 2 fixable with `dflint fix`.\n")


def test_full_summary_only_unsafe_fixes():
    out = render("full", [diag(APT, "debian:12", fix=UNSAFE)])
    assert out.endswith("Found 1 problem (1 warning).\n1 fixable with `dflint fix --unsafe-fixes`.\n")


def test_full_summary_all_severities_in_order():
    ds = [
        diag(APT, "curl", severity=Severity.STYLE),
        diag(APT, "apt-get", severity=Severity.STYLE),
        diag(APT, "RUN", severity=Severity.INFO),
        diag(APT, "FROM", severity=Severity.ERROR),
        diag(APT, "debian", severity=Severity.ERROR),
        diag(APT, "install", severity=Severity.WARNING),
    ]
    assert render("full", ds).endswith("Found 6 problems (2 errors, 1 warning, 1 info, 2 style).\n")


def test_full_without_fix_hints():
    ds = [diag(APT, "curl", fix=PIN), diag(APT, "debian:12", fix=UNSAFE)]
    out = render("full", ds, ReportOptions(show_fix_hints=False))
    assert "  = help: Pin `curl` to a version\n" in out
    assert "  = help: Use a digest\n" in out
    assert "fixable" not in out
    assert out.endswith("\n\nFound 2 problems (2 warnings).\n")


def test_full_quiet_and_empty_runs():
    assert render("full", []) == "All checks passed!\n"
    assert render("full", [], ReportOptions(quiet=True)) == ""
    assert "Found" not in render("full", [diag(APT, "curl", fix=PIN)], ReportOptions(quiet=True))


# ------------------------------------------------------------------------------------------
# full, color


def test_full_color_uses_ansi_codes_and_is_otherwise_the_plain_text():
    ds = [diag(APT, "curl", fix=PIN), diag(APT, "debian:12", code="DL3007", severity=Severity.ERROR, fix=UNSAFE)]
    colored = render("full", ds, ReportOptions(color=True))
    plain = render("full", ds)
    assert "\x1b[" not in plain
    assert "\x1b[1;33mDL3008\x1b[0m \x1b[1;33m[warning]\x1b[0m" in colored
    assert "\x1b[1;31mDL3008" not in colored  # a warning is yellow, not red
    assert "\x1b[1;31mDL3007\x1b[0m \x1b[1;31m[error]\x1b[0m" in colored
    assert "\x1b[1;33m^^^^\x1b[0m" in colored  # the underline in the severity's color
    assert ANSI.sub("", colored) == plain


def test_concise_color_keeps_the_shape_once_codes_are_stripped():
    ds = [diag(APT, "curl")]
    colored = render("concise", ds, ReportOptions(color=True))
    assert "\x1b[" in colored
    assert ANSI.sub("", colored) == render("concise", ds)


def test_severity_table_covers_every_severity_once():
    assert set(SEVERITY_STYLES) == set(Severity)
    assert [SEVERITY_STYLES[s].label for s in Severity] == ["error", "warning", "info", "style"]
    assert len({s.style for s in SEVERITY_STYLES.values()}) == 4


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def test_plain_output_does_not_import_rich():
    code = """
import io, sys
import dflint.report.full
from dflint.report import ReportOptions, report
from dflint.source import SourceFile, Span
from dflint.diagnostic import Diagnostic
from dflint.rule import Severity
src = SourceFile("FROM a\\n", "Dockerfile")
d = Diagnostic("Dockerfile", "DL3006", "untagged", Severity.WARNING, "Tag it", Span(5, 6), src)
for fmt in ("full", "concise", "json"):
    report([d], io.StringIO(), ReportOptions(color=False), fmt)
report([d], io.StringIO(), ReportOptions(statistics=True))
print(any(m == "rich" or m.startswith("rich.") for m in sys.modules))
report([d], io.StringIO(), ReportOptions(color=True), "full")
print("rich" in sys.modules)
"""
    assert _run(code).split() == ["False", "True"]


def test_formats_are_imported_lazily():
    code = """
import sys
from pathlib import Path
import dflint.report as r
print(sorted(m for m in sys.modules if m.startswith("dflint.report.")))
r.writer("json")
print(sorted(m for m in sys.modules if m.startswith("dflint.report.")))
"""
    assert _run(code).splitlines() == ["[]", "['dflint.report.json']"]


def test_formats_registry():
    assert {"concise", "full", "json"} <= set(FORMATS)
    assert writer("full") is full.write
    assert writer("concise") is concise.write
    assert writer("json") is json_format.write
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        writer("xml")
    out = io.StringIO()
    FORMATS["concise"]([diag(APT, "curl")], out, PLAIN)
    assert out.getvalue() == "Dockerfile:2:24: DL3008 [warning] Pin versions\n"


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    "env, tty, expected",
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # empty means unset (no-color.org)
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": ""}, False, False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
        ({"TERM": "dumb"}, True, False),
        ({"TERM": "dumb", "FORCE_COLOR": "1"}, False, True),
    ],
)
def test_want_color(monkeypatch, env, tty, expected):
    for var in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert want_color(_Stream(tty)) is expected


def test_want_color_without_isatty_or_closed(monkeypatch):
    for var in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(var, raising=False)
    assert want_color(object()) is False  # type: ignore[arg-type]
    closed = io.StringIO()
    closed.close()
    assert want_color(closed) is False


def test_clean_is_one_character_for_one_character():
    text = "a\tb\x1b\r\x7f\x85\u202e\udcff\u00e9\u65e5"
    assert clean(text) == "a\tb\u241b\u240d\u2421\ufffd\ufffd\ufffd\u00e9\u65e5"
    assert clean(text, "ascii") == "a\tb" + "?" * 8
    assert clean(text, "latin-1") == "a\tb??????\u00e9?"
    assert len(clean(text, "ascii")) == len(text)


# ------------------------------------------------------------------------------------------
# json


def test_json_round_trips_sorted_to_json_objects():
    ds = [diag(APT, "curl", fix=PIN), diag(APT, "debian:12", severity=Severity.ERROR, fix=UNSAFE), diag(APT, "RUN")]
    out = render("json", ds)
    assert out.startswith('[\n  {\n    "path": "Dockerfile",\n')
    assert out.endswith("\n]\n")
    data = json.loads(out)
    assert data == [ds[1].to_json(), ds[2].to_json(), ds[0].to_json()]
    assert data[2] == {
        "path": "Dockerfile",
        "line": 2,
        "column": 24,
        "end_line": 2,
        "end_column": 28,
        "code": "DL3008",
        "name": "apt-pin",
        "severity": "warning",
        "message": "Pin versions",
        "fix": {
            "title": "Pin `curl` to a version",
            "applicability": "safe",
            "edits": [{"start_line": 2, "start_column": 28, "end_line": 2, "end_column": 28, "content": "=8.5.0"}],
        },
    }
    assert list(data[0]) == [
        "path", "line", "column", "end_line", "end_column", "code", "name", "severity", "message", "fix",
    ]


def test_json_empty_run():
    assert render("json", []) == "[]\n"


def test_json_unicode_and_undecodable_bytes():
    src = SourceFile.from_bytes(b"LABEL a=\xc3\xa9 b=\xff\n", "Dockerfile")
    d = diag(src, "b=", message="caf\u00e9 \udcff")
    utf8 = render_bytes("json", [d], "utf-8").decode("utf-8")
    assert '"message": "caf\u00e9 \ufffd"' in utf8  # readable on a UTF-8 stream
    ascii_ = render_bytes("json", [d], "ascii").decode("ascii")
    assert '"message": "caf\\u00e9 \\ufffd"' in ascii_  # escaped on any other
    assert json.loads(ascii_) == json.loads(utf8)
    assert json_format.scrub({"k\udcff": ["\udcfe", 1, None]}) == {"k\ufffd": ["\ufffd", 1, None]}


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_json_dump_scrubs_only_what_holds_a_surrogate(encoding):
    """`dump` writes a value as it is unless its text shows a surrogate; then it scrubs (an
    emoji stays an emoji; a literal backslash-u stays text)."""
    values = [{"k\udcff": ["\udcfe", "\U0001f600"]}, ["\\ud800", "caf\u00e9", 1, None], {"a": ("x",)}]
    for value in values:
        out = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
        json_format.dump(value, out)
        out.flush()
        text = out.buffer.getvalue().decode(encoding)
        expected = json.dumps(json_format.scrub(value), indent=2, ensure_ascii=encoding == "ascii") + "\n"
        assert text == expected


def test_json_never_imports_rich_even_with_color():
    out = render("json", [diag(APT, "curl")], ReportOptions(color=True))
    assert "\x1b" not in out


# ------------------------------------------------------------------------------------------
# statistics


STATS = [
    diag(APT, "curl", fix=PIN),
    diag(APT, "apt-get", fix=None),
    diag(APT, "install", fix=PIN),
    diag(APT, "debian:12", code="DL3007", name="latest", severity=Severity.ERROR, fix=UNSAFE),
    diag(APT, "RUN", code="DF001", name="syntax-error", severity=Severity.ERROR),
    diag(APT, "FROM", code="DF001", name="syntax-error", severity=Severity.ERROR),
    diag(APT, "-y", code="DL3015", name="no-install-recommends", severity=Severity.INFO),
]


def test_statistics_text_sorted_by_count_descending():
    assert render("full", STATS, ReportOptions(statistics=True)) == (
        "3\tDL3008\t[*] apt-pin\n"
        "2\tDF001 \t[ ] syntax-error\n"
        "1\tDL3007\t[ ] latest\n"
        "1\tDL3015\t[ ] no-install-recommends\n"
    )


def test_statistics_unsafe_fixes_make_a_code_fixable():
    assert render("concise", STATS, ReportOptions(statistics=True, unsafe_fixes=True)).splitlines()[2] == (
        "1\tDL3007\t[*] latest"
    )


def test_statistics_without_any_fixable_code_has_no_marker_column():
    ds = [diag(APT, "curl")] * 12 + [diag(APT, "RUN", code="DF001", name="syntax-error")]
    assert render("full", ds, ReportOptions(statistics=True)) == "12\tDL3008\tapt-pin\n 1\tDF001 \tsyntax-error\n"


def test_statistics_json():
    out = render("json", STATS, ReportOptions(statistics=True))
    assert json.loads(out) == [
        {"code": "DL3008", "name": "apt-pin", "count": 3, "fixable": True},
        {"code": "DF001", "name": "syntax-error", "count": 2, "fixable": False},
        {"code": "DL3007", "name": "latest", "count": 1, "fixable": False},
        {"code": "DL3015", "name": "no-install-recommends", "count": 1, "fixable": False},
    ]
    assert render("json", [], ReportOptions(statistics=True)) == "[]\n"


def test_statistics_empty_and_color():
    assert render("full", [], ReportOptions(statistics=True)) == ""
    colored = render("full", STATS, ReportOptions(statistics=True, color=True))
    assert "\x1b[" in colored
    assert ANSI.sub("", colored) == render("full", STATS, ReportOptions(statistics=True))


def test_statistics_objects():
    stats = statistics.statistics(STATS)
    assert [(s.code, s.count, s.fixable, s.severity) for s in stats] == [
        ("DL3008", 3, True, Severity.WARNING),
        ("DF001", 2, False, Severity.ERROR),
        ("DL3007", 1, False, Severity.ERROR),
        ("DL3015", 1, False, Severity.INFO),
    ]


# ------------------------------------------------------------------------------------------
# robustness over real files


CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.Dockerfile"))


@pytest.mark.skipif(not CORPUS, reason="no corpus")
def test_full_on_random_spans_of_the_corpus_aligns_and_never_raises():
    rng = random.Random(20240501)
    checked = 0
    for path in CORPUS:
        src = SourceFile.from_bytes(path.read_bytes(), path.name)
        n = len(src.text)
        ds = []
        for _ in range(20):
            a = rng.randrange(n + 1)
            b = min(n, a + rng.choice([0, 1, 3, 10, 80, 400]))
            ds.append(Diagnostic(src.path, "DF999", "x", Severity.INFO, "m", Span(a, b), src))
        for enc in ("utf-8", "ascii"):
            out = render_bytes("full", ds, enc).decode(enc)
            assert "\r" not in out and "\x1b" not in out
        for d in ds:
            (line, col), (end_line, _) = d.start, d.end
            text = src.line_text(line)
            piece = src.text[d.span.start : min(d.span.end, src.line_end(line))]  # not the \r of CRLF
            if end_line != line or not piece or not (text.isascii() and text.isprintable()):
                continue
            lines = "\n".join(full.render(d, PLAIN, lambda t, s=None: t, "utf-8")).splitlines()
            code, carets = lines[2], lines[3]
            start = carets.index("^")
            k = len(carets) - start  # the underline: all of the span, or up to a trailing "..."
            assert carets[start:] == "^" * k
            assert code[start : start + k] == piece[:k]
            assert k == len(piece) or (len(text) > full.MAX_LINE_WIDTH and code[start + k :] == "...")
            checked += 1
    assert checked > 100


def test_render_line_of_one_column_characters_matches_the_general_path():
    """ASCII lines without tabs skip the table of columns (`full._render_columns`); clipping and
    underlines come out as the general path (`full._render_cells`) gives them."""
    rng = random.Random(8)
    for _ in range(3000):
        n = rng.choice([0, 1, 7, 80, full.MAX_LINE_WIDTH - 1, full.MAX_LINE_WIDTH, full.MAX_LINE_WIDTH + 1,
                        full.MAX_LINE_WIDTH + 3, 200, 700])
        line = "".join(rng.choice("ab -=") for _ in range(n))
        a, b = rng.randint(-3, n + 3), rng.randint(-3, n + 5)
        part = None if rng.random() < 0.1 else (a, b)
        assert full._render_columns(line, part) == full._render_cells(list(line), [1] * n, part), (n, part)

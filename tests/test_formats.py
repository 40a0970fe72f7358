"""The CI output formats (dflint.report: json-lines, sarif, github, gitlab, checkstyle, junit,
rdjson, grouped): shapes, the one severity table, schema validation, and the CLI's --format /
--output-file for every format.

SARIF is validated against the official SARIF 2.1.0 schema (tests/schemas, see its README) over
every file of tests/corpus. GitLab publishes no JSON schema for Code Quality reports, so the
fields its documentation requires are checked with a schema written from that page. Checkstyle has
no official schema or XSD: its structure is checked with xml.etree.
"""

from __future__ import annotations

import io
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dflint import cli
from dflint.diagnostic import Diagnostic
from dflint.fix import Applicability, Edit, Fix
from dflint.report import FORMATS, SEVERITY_STYLES, ReportOptions, report
from dflint.report import github as github_format
from dflint.report.common import fingerprints, region
from dflint.rule import Severity
from dflint.source import SourceFile, Span


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Runs here never read or fill the user's result cache."""
    monkeypatch.setenv("DFLINT_CACHE_DIR", str(tmp_path_factory.mktemp("dflint-cache")))

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text("utf-8"))
PLAIN = ReportOptions()
NEW_FORMATS = ("grouped", "json-lines", "sarif", "github", "gitlab", "checkstyle", "junit", "rdjson")

#: GitLab's documented Code Quality fields ("Code Quality report format",
#: https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format), as a schema.
#: Written from the documentation: GitLab publishes no official JSON schema.
GITLAB_CODE_QUALITY = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "not": {"pattern": "^(/|\\./)"}},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}, "end": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


def diag(
    src: SourceFile,
    needle: str,
    *,
    code: str = "DL3008",
    name: str = "unpinned-apt-package",
    severity: Severity = Severity.WARNING,
    message: str = "Pin versions",
    fix: Fix | None = None,
    length: int | None = None,
) -> Diagnostic:
    start = src.text.index(needle)
    end = start + (len(needle) if length is None else length)
    return Diagnostic(src.path, code, name, severity, message, Span(start, end), src, fix)


def render(fmt: str, diagnostics: list[Diagnostic], options: ReportOptions = PLAIN) -> str:
    out = io.StringIO()
    report(diagnostics, out, options, fmt)
    return out.getvalue()


APT = SourceFile("FROM debian:12\nRUN apt-get install -y curl\n", "Dockerfile")
PIN = Fix.safe("Pin `curl` to a version", Edit.insert(APT.text.index("curl") + 4, "=8.5.0"))
WIDE = SourceFile("FROM alpine\nRUN echo \"héllo 😀\" $X\n", "docker/app.Dockerfile")
MULTI = SourceFile("FROM alpine\nRUN apk add \\\n\n    curl\n", "Dockerfile")


def one_of_each() -> list[Diagnostic]:
    return [
        diag(APT, "curl", fix=PIN),
        diag(APT, "FROM", code="DF003", name="invalid-instruction", severity=Severity.ERROR, message="Bad"),
        diag(APT, "RUN", code="DL3059", name="consecutive-run-instructions", severity=Severity.INFO, message="Join"),
        diag(WIDE, "$X", code="SC2086", name="shellcheck", severity=Severity.STYLE, message="Double quote"),
    ]


@pytest.fixture
def no_step_summary(monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


# ------------------------------------------------------------------------------------------
# Registry and CLI


def test_every_format_is_registered_in_the_cli_and_the_report_package():
    assert set(cli.FORMATS) == set(FORMATS)
    assert set(NEW_FORMATS) <= set(FORMATS)
    for name in FORMATS:
        assert callable(FORMATS[name].load())


def test_cli_still_validates_the_format(capsys):
    assert cli.main(["check", "--format", "sarif2", "."]) == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", NEW_FORMATS)
def test_output_file_works_for_every_format(fmt: str, tmp_path: Path, monkeypatch, capsys, no_step_summary):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".dflint.toml").write_text('select = ["DF002"]\n')
    (tmp_path / "Dockerfile").write_text(MULTI.text)
    assert cli.main(["check", "--format", fmt, "--output-file", "report.out", "Dockerfile"]) == 1
    assert capsys.readouterr().out == ""
    text = (tmp_path / "report.out").read_text("utf-8")
    assert "DF002" in text
    if fmt in ("sarif", "gitlab", "rdjson"):
        json.loads(text)
    elif fmt == "json-lines":
        assert [json.loads(line)["code"] for line in text.splitlines()] == ["DF002"]
    elif fmt in ("checkstyle", "junit"):
        ET.fromstring(text.encode("utf-8"))


def test_environment_selects_a_new_format(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".dflint.toml").write_text('select = ["DF002"]\n')
    (tmp_path / "Dockerfile").write_text(MULTI.text)
    monkeypatch.setenv("DFLINT_FORMAT", "json-lines")
    assert cli.main(["check", "Dockerfile"]) == 1
    assert json.loads(capsys.readouterr().out)["code"] == "DF002"


# ------------------------------------------------------------------------------------------
# The one severity table


def test_severity_table_has_every_machine_level():
    table = {s: SEVERITY_STYLES[s] for s in Severity}
    assert [table[s].sarif for s in Severity] == ["error", "warning", "note", "note"]
    assert [table[s].github for s in Severity] == ["error", "warning", "notice", "notice"]
    assert [table[s].gitlab for s in Severity] == ["critical", "major", "minor", "info"]
    assert [table[s].checkstyle for s in Severity] == ["error", "warning", "info", "info"]
    assert [table[s].rdjson for s in Severity] == ["ERROR", "WARNING", "INFO", "INFO"]


@pytest.mark.parametrize("severity", list(Severity))
def test_every_format_maps_a_severity_through_the_table(severity: Severity, no_step_summary):
    d = diag(APT, "curl", severity=severity)
    levels = SEVERITY_STYLES[severity]
    sarif = json.loads(render("sarif", [d]))["runs"][0]["results"][0]
    assert sarif["level"] == levels.sarif and sarif["properties"]["severity"] == severity.value
    assert render("github", [d]).startswith(f"::{levels.github} ")
    assert json.loads(render("gitlab", [d]))[0]["severity"] == levels.gitlab
    error = ET.fromstring(render("checkstyle", [d]).encode()).find("file/error")
    assert error is not None and error.get("severity") == levels.checkstyle
    assert json.loads(render("rdjson", [d]))["diagnostics"][0]["severity"] == levels.rdjson
    assert f"[{levels.label}]" in render("grouped", [d])
    assert f"[{levels.label}]" in ET.fromstring(render("junit", [d]).encode()).find(".//failure").text


# ------------------------------------------------------------------------------------------
# Positions shared by the CI formats


def test_region_is_end_exclusive_and_trims_a_trailing_line_break():
    d = diag(APT, "curl")
    assert tuple(region(d)) == (2, 24, 2, 28)
    whole_line = diag(APT, "RUN apt-get install -y curl\n")
    assert tuple(region(whole_line)) == (2, 1, 2, 28)
    blank = MULTI.line_start(3)
    empty_line = Diagnostic("Dockerfile", "DF002", "x", Severity.WARNING, "m", Span(blank, blank + 1), MULTI)
    assert MULTI.text[blank] == "\n" and tuple(region(empty_line)) == (3, 1, 3, 1)
    crlf = SourceFile("FROM a\r\nRUN b\r\n", "Dockerfile")
    assert tuple(region(diag(crlf, "RUN b\r\n"))) == (2, 1, 2, 6)


def test_fingerprints_are_unique_and_survive_lines_moving():
    twice = SourceFile("FROM a\nRUN apt-get install curl\nRUN apt-get install curl\n", "Dockerfile")
    first = twice.text.index("curl")
    second = twice.text.index("curl", first + 1)
    ds = [
        Diagnostic("Dockerfile", "DL3008", "x", Severity.WARNING, "m", Span(first, first + 4), twice),
        Diagnostic("Dockerfile", "DL3008", "x", Severity.WARNING, "m", Span(second, second + 4), twice),
    ]
    prints = fingerprints(ds)
    assert len(set(prints.values())) == 2
    moved = SourceFile("# a comment\n\n" + twice.text, "Dockerfile")
    shift = len("# a comment\n\n")
    ms = [Diagnostic(d.path, d.code, d.name, d.severity, d.message, Span(d.span.start + shift, d.span.end + shift), moved) for d in ds]
    assert sorted(fingerprints(ms).values()) == sorted(prints.values())
    other_path = [Diagnostic("other/Dockerfile", d.code, d.name, d.severity, d.message, d.span, twice) for d in ds]
    assert not set(fingerprints(other_path).values()) & set(prints.values())


# ------------------------------------------------------------------------------------------
# SARIF


def _sarif(diagnostics: list[Diagnostic]) -> dict:
    log = json.loads(render("sarif", diagnostics))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    return log


def _corpus_diagnostics(monkeypatch) -> list[Diagnostic]:
    """Every finding dflint reports on tests/corpus (relative paths), captured at the report."""
    import dflint.report

    captured: list[Diagnostic] = []

    def capture(diagnostics, out, options=None, format="full"):
        captured.extend(diagnostics)

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(dflint.report, "report", capture)
    assert cli.main(["check", "--isolated", "--exit-zero", "tests/corpus"]) == 0
    return captured


@pytest.fixture(scope="module")
def corpus_diagnostics() -> list[Diagnostic]:
    mp = pytest.MonkeyPatch()
    try:
        found = _corpus_diagnostics(mp)
    finally:
        mp.undo()
    assert len({d.path for d in found}) > 50, "tests/corpus should give findings in most files"
    return found


def test_sarif_over_the_corpus_validates_against_the_official_schema(corpus_diagnostics):
    log = _sarif(corpus_diagnostics)
    run = log["runs"][0]
    assert len(run["results"]) == len(corpus_diagnostics)
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({d.code for d in corpus_diagnostics})
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    fps = [r["partialFingerprints"]["dflint/v1"] for r in run["results"]]
    assert len(set(fps)) == len(fps)
    assert any("fixes" in r for r in run["results"])
    assert not any(r["ruleId"] == "DF000" for r in run["results"])


def test_sarif_log_shape_and_driver():
    from dflint import __version__

    log = _sarif(one_of_each())
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "dflint" and driver["version"] == __version__
    assert urlsplit(driver["informationUri"]).scheme == "https"
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file://")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    assert [r["id"] for r in driver["rules"]] == ["DF003", "DL3008", "DL3059", "SC2086"]
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_sarif_rule_entries_come_from_the_rule_classes():
    from dflint.docs import parse_doc, render_rule
    from dflint.registry import Registry

    rules = {r["id"]: r for r in _sarif(one_of_each())["runs"][0]["tool"]["driver"]["rules"]}
    cls = Registry.load().get("DL3008")
    doc = parse_doc(cls)
    rule = rules["DL3008"]
    assert rule["name"] == cls.name
    assert rule["shortDescription"]["text"] == doc.summary
    assert rule["fullDescription"]["text"].startswith(doc.summary)
    assert rule["help"] == {"text": render_rule(cls, "text"), "markdown": render_rule(cls, "markdown")}
    assert rule["helpUri"].endswith(f"docs/rules.md#{cls.code.lower()}-{cls.name}")
    assert rule["defaultConfiguration"] == {"level": SEVERITY_STYLES[cls.severity].sarif}
    assert "dockerfile" in rule["properties"]["tags"] and "hadolint" in rule["properties"]["tags"]
    sc = rules["SC2086"]
    assert sc["helpUri"] == "https://github.com/koalaman/shellcheck/wiki/SC2086"
    assert "shellcheck" in sc["properties"]["tags"] and "SC2086" in sc["help"]["markdown"]


def test_sarif_opt_in_rule_is_disabled_by_default_in_its_configuration():
    src = SourceFile("FROM alpine:3.20\nCMD [\"sh\"]\n", "Dockerfile")
    d = diag(src, "FROM", code="DL3057", name="missing-healthcheck", severity=Severity.INFO)
    rule = _sarif([d])["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["defaultConfiguration"]["enabled"] is False


def test_sarif_internal_error_has_a_rule_and_marks_the_run_unsuccessful():
    d = Diagnostic("Dockerfile", "DF000", "internal-error", Severity.ERROR, "rule X failed", Span(0, 0), APT)
    run = _sarif([d])["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["id"] == "DF000"
    assert run["invocations"] == [{"executionSuccessful": False}]


def test_sarif_region_counts_code_points_and_fixes_carry_replacements():
    ds = one_of_each()
    results = {r["ruleId"]: r for r in _sarif(ds)["runs"][0]["results"]}
    sc_region = results["SC2086"]["locations"][0]["physicalLocation"]["region"]
    # `RUN echo "héllo 😀" $X`: é and 😀 are one code point each
    assert sc_region == {"startLine": 2, "startColumn": 20, "endLine": 2, "endColumn": 22}
    assert results["SC2086"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "docker/app.Dockerfile"
    fix = results["DL3008"]["fixes"][0]
    assert fix["description"]["text"] == "Pin `curl` to a version"
    assert fix["properties"] == {"applicability": "safe"}
    change = fix["artifactChanges"][0]
    assert change["artifactLocation"] == {"uri": "Dockerfile", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"] == [
        {"deletedRegion": {"startLine": 2, "startColumn": 28, "endLine": 2, "endColumn": 28}, "insertedContent": {"text": "=8.5.0"}}
    ]
    assert "fixes" not in results["DF003"]


def test_sarif_paths_are_percent_encoded_and_absolute_paths_are_file_uris(tmp_path: Path):
    spaced = SourceFile("FROM a\n", "my dir/Dockerfile")
    absolute = SourceFile("FROM a\n", str(tmp_path / "Dockerfile"))
    run = _sarif([diag(spaced, "a"), diag(absolute, "a")])["runs"][0]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert {"uri": "my%20dir/Dockerfile", "uriBaseId": "%SRCROOT%"} in uris
    assert {"uri": (tmp_path / "Dockerfile").as_uri()} in uris
    odd = SourceFile("FROM a\n", "c:d/na\udcffme%.Dockerfile")
    uri = _sarif([diag(odd, "a")])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "c%3Ad/na%FFme%25.Dockerfile"
    only_absolute = _sarif([diag(absolute, "a")])["runs"][0]
    assert "originalUriBaseIds" not in only_absolute


def test_sarif_empty_run_is_valid():
    run = _sarif([])["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []


# ------------------------------------------------------------------------------------------
# github


def test_github_escaping_of_properties_and_data():
    assert github_format.escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert github_format.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    src = SourceFile("FROM a\nRUN x\n", "dir,with:odd%name/Dockerfile")
    d = diag(src, "RUN", message="line one\nline two: 100%", name="a,b")
    line = render("github", [d]).splitlines()[0]
    assert line == (
        "::warning file=dir%2Cwith%3Aodd%25name/Dockerfile,line=2,endLine=2,col=1,endColumn=4,"
        "title=DL3008 a%2Cb::line one%0Aline two: 100%25"
    )


def test_github_columns_only_on_single_line_ranges(no_step_summary):
    single = diag(APT, "curl", fix=PIN)
    multi = diag(MULTI, "apk add \\\n\n    curl")
    zero = diag(APT, "curl", length=0)
    lines = render("github", [single, multi, zero]).splitlines()
    assert "::warning file=Dockerfile,line=2,endLine=2,col=24,endColumn=28,title=DL3008 unpinned-apt-package::Pin versions (fixable with `dflint fix`)" in lines
    assert "::warning file=Dockerfile,line=2,endLine=4,title=DL3008 unpinned-apt-package::Pin versions" in lines
    assert "::warning file=Dockerfile,line=2,endLine=2,col=24,title=DL3008 unpinned-apt-package::Pin versions" in lines


def test_github_levels_most_severe_first(no_step_summary):
    lines = render("github", one_of_each()).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::warning", "::notice", "::notice"]
    assert "file=docker/app.Dockerfile" in lines[3]


def _errors(n: int) -> tuple[SourceFile, list[Diagnostic]]:
    src = SourceFile("".join(f"RUN step{i}\n" for i in range(n)), "Dockerfile")
    ds = [
        Diagnostic("Dockerfile", "DF001", "syntax-error", Severity.ERROR, f"error number {i + 1}",
                   Span(src.line_start(i + 1), src.line_start(i + 1) + 3), src)
        for i in range(n)
    ]
    return src, ds


def test_github_25_errors_give_10_annotations_a_notice_and_a_full_step_summary(tmp_path: Path, monkeypatch):
    summary_file = tmp_path / "step_summary.md"
    summary_file.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    _, ds = _errors(25)
    lines = render("github", list(reversed(ds))).splitlines()
    assert all(line.startswith("::error file=Dockerfile,") for line in lines[:10])
    assert [int(re.search(r",line=(\d+),", line).group(1)) for line in lines[:10]] == list(range(1, 11))
    assert lines[10].startswith("::notice title=dflint::15 findings were left out of the annotations (15 errors)")
    assert "at most 10 annotations of each level per step" in lines[10]
    assert "the job summary lists all 25" in lines[10]
    assert not any(line.startswith(("::error", "::warning", "::notice")) for line in lines[11:])
    assert lines[11] == "::group::15 findings without an annotation" and lines[-1] == "::endgroup::"
    assert lines[12] == "Dockerfile:11:1: DF001 [error] error number 11" and len(lines) == 11 + 1 + 15 + 1
    summary = summary_file.read_text("utf-8")
    assert summary.startswith("earlier step\n## dflint\n")  # appended, as GitHub expects
    rows = [row for row in summary.splitlines() if row.startswith("| error |")]
    assert len(rows) == 25
    assert rows[0].startswith("| error | Dockerfile:1:1 | [DF001](") and rows[0].endswith("| error number 1 |")
    assert "Found 25 problems (25 errors)." in summary


def test_github_notice_place_is_kept_for_the_left_out_notice(no_step_summary):
    src = SourceFile("".join(f"RUN step{i}\n" for i in range(24)), "Dockerfile")
    ds = [
        Diagnostic("Dockerfile", "DL3059", "x", Severity.ERROR if i < 12 else Severity.STYLE, "m",
                   Span(src.line_start(i + 1), src.line_start(i + 1) + 3), src)
        for i in range(24)
    ]
    lines = [line for line in render("github", ds).splitlines() if line.startswith("::")]
    levels = [line.split(" ", 1)[0] for line in lines if not line.startswith("::group") and line != "::endgroup::"]
    assert levels == ["::error"] * 10 + ["::notice"] * 9 + ["::notice"]
    assert "5 findings were left out of the annotations (2 errors, 3 notices)" in lines[19]
    assert "run dflint locally" in lines[19]  # no job summary to point at


def test_github_at_the_limit_needs_no_notice(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    _, ds = _errors(10)
    lines = render("github", ds).splitlines()
    assert len(lines) == 10 and all(line.startswith("::error ") for line in lines)
    assert (tmp_path / "summary.md").read_text().count("| error |") == 10


def test_github_step_summary_escapes_cells_and_says_when_clean(tmp_path: Path, monkeypatch):
    summary_file = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    d = diag(APT, "curl", message="a | b <script>\nc")
    render("github", [d])
    row = [r for r in summary_file.read_text().splitlines() if r.startswith("| warning")][0]
    assert row.endswith("| a \\| b &lt;script&gt; c |")
    summary_file.unlink()
    assert render("github", []) == ""
    assert summary_file.read_text() == "## dflint\n\nAll checks passed!\n\n"


def test_github_without_step_summary_writes_no_file(tmp_path: Path, monkeypatch, no_step_summary):
    monkeypatch.chdir(tmp_path)
    render("github", [diag(APT, "curl")])
    assert list(tmp_path.iterdir()) == []


def test_github_and_gitlab_make_absolute_paths_in_the_workspace_relative(tmp_path: Path, monkeypatch, no_step_summary):
    monkeypatch.chdir(tmp_path)
    inside = SourceFile("FROM a\n", str(tmp_path / "sub" / "Dockerfile"))
    outside = SourceFile("FROM a\n", "/elsewhere/Dockerfile")
    lines = render("github", [diag(inside, "a"), diag(outside, "a")]).splitlines()
    assert {line.split(",", 1)[0] for line in lines} == {"::warning file=sub/Dockerfile", "::warning file=/elsewhere/Dockerfile"}
    paths = {i["location"]["path"] for i in json.loads(render("gitlab", [diag(inside, "a")]))}
    assert paths == {"sub/Dockerfile"}


# ------------------------------------------------------------------------------------------
# GitLab


def test_gitlab_over_the_corpus_has_the_documented_fields(corpus_diagnostics):
    issues = json.loads(render("gitlab", corpus_diagnostics))
    jsonschema.Draft7Validator(GITLAB_CODE_QUALITY).validate(issues)
    assert len(issues) == len(corpus_diagnostics)
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_gitlab_issue():
    issues = json.loads(render("gitlab", one_of_each()))
    jsonschema.Draft7Validator(GITLAB_CODE_QUALITY).validate(issues)
    by_code = {i["check_name"]: i for i in issues}
    assert by_code["DL3008"]["location"] == {"path": "Dockerfile", "lines": {"begin": 2, "end": 2}}
    assert by_code["DL3008"]["description"] == "DL3008 Pin versions"
    assert by_code["DF003"]["severity"] == "critical" and by_code["SC2086"]["severity"] == "info"
    assert by_code["SC2086"]["location"]["path"] == "docker/app.Dockerfile"
    assert all(i["type"] == "issue" for i in issues)
    dotted = SourceFile("FROM a\n", "./sub/Dockerfile")
    assert json.loads(render("gitlab", [diag(dotted, "a")]))[0]["location"]["path"] == "sub/Dockerfile"


# ------------------------------------------------------------------------------------------
# checkstyle and junit (XML)


def _checkstyle_structure(text: str) -> ET.Element:
    """The structure checkstyle readers rely on (the format has no official schema or XSD)."""
    root = ET.fromstring(text.encode("utf-8") if isinstance(text, str) else text)
    assert root.tag == "checkstyle" and root.get("version")
    for file in root:
        assert file.tag == "file" and file.get("name")
        for error in file:
            assert error.tag == "error"
            assert set(error.attrib) == {"line", "column", "severity", "message", "source"}
            assert int(error.get("line")) >= 1 and int(error.get("column")) >= 1
            assert error.get("severity") in ("error", "warning", "info", "ignore")
    return root


def test_checkstyle_over_the_corpus(corpus_diagnostics):
    text = render("checkstyle", corpus_diagnostics)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = _checkstyle_structure(text)
    assert sum(len(f) for f in root) == len(corpus_diagnostics)
    names = [f.get("name") for f in root]
    assert names == sorted(set(names))


def test_checkstyle_file_and_errors():
    root = _checkstyle_structure(render("checkstyle", one_of_each()))
    assert [f.get("name") for f in root] == ["Dockerfile", "docker/app.Dockerfile"]
    errors = root.find("file")
    assert [(e.get("line"), e.get("column"), e.get("source")) for e in errors] == [
        ("1", "1", "DF003"), ("2", "1", "DL3059"), ("2", "24", "DL3008")
    ]


def test_xml_formats_replace_characters_xml_cannot_hold():
    src = SourceFile.from_bytes(b"FROM a\nRUN echo \x1b[31m \xff\n", "bad\x01name")
    d = diag(src, "echo", message="escape \x1b and \udcff and \x0c")
    for fmt in ("checkstyle", "junit"):
        text = render(fmt, [d])
        ET.fromstring(text.encode("utf-8"))
        assert "\x1b" not in text and "\udcff" not in text


def test_xml_on_a_non_utf8_stream_uses_character_references():
    buf = io.BytesIO()
    out = io.TextIOWrapper(buf, encoding="latin-1", errors="strict", newline="\n")
    report([diag(WIDE, "$X", message="héllo 😀")], out, PLAIN, "checkstyle")
    out.flush()
    data = buf.getvalue()
    assert data.startswith(b'<?xml version="1.0" encoding="US-ASCII"?>')
    assert ET.fromstring(data).find("file/error").get("message") == "héllo 😀"


def test_junit_suites_cases_and_failures():
    ds = one_of_each() + [Diagnostic("Dockerfile", "DF000", "internal-error", Severity.ERROR, "boom", Span(0, 0), APT)]
    root = ET.fromstring(render("junit", ds).encode())
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "4", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["Dockerfile", "docker/app.Dockerfile"]
    assert (suites[0].get("tests"), suites[0].get("failures"), suites[0].get("errors")) == ("4", "3", "1")
    case = suites[1].find("testcase")
    assert case.get("name") == "SC2086 at 2:20" and case.get("classname") == "docker/app.Dockerfile"
    failure = case.find("failure")
    assert failure.get("type") == "SC2086" and failure.get("message") == "Double quote"
    assert failure.text == "docker/app.Dockerfile:2:20: SC2086 [style] Double quote"
    assert suites[0].find("testcase/error").get("message") == "boom"


def test_junit_empty_run_is_one_passing_case():
    root = ET.fromstring(render("junit", []).encode())
    assert (root.get("tests"), root.get("failures")) == ("1", "0")
    assert root.find("testsuite/testcase").get("name") == "no findings"
    assert root.find(".//failure") is None


# ------------------------------------------------------------------------------------------
# rdjson


def test_rdjson_columns_are_utf8_bytes_and_fixes_are_suggestions():
    display = Fix((Edit(0, 4, "X"),), Applicability.DISPLAY_ONLY, "shown only")
    ds = [
        diag(APT, "curl", fix=PIN),
        diag(WIDE, "$X", code="SC2086", name="shellcheck", severity=Severity.STYLE),
        diag(APT, "FROM", code="DF003", severity=Severity.ERROR, fix=display),
    ]
    result = json.loads(render("rdjson", ds))
    assert result["source"]["name"] == "dflint" and result["severity"] == "ERROR"
    by_code = {d["code"]["value"]: d for d in result["diagnostics"]}
    # `RUN echo "héllo 😀" $X`: é is 2 bytes, 😀 4, so code-point column 20 is byte column 24
    assert by_code["SC2086"]["location"]["range"] == {"start": {"line": 2, "column": 24}, "end": {"line": 2, "column": 26}}
    assert by_code["DL3008"]["suggestions"] == [
        {"range": {"start": {"line": 2, "column": 28}, "end": {"line": 2, "column": 28}}, "text": "=8.5.0"}
    ]
    assert "suggestions" not in by_code["DF003"]
    assert by_code["SC2086"]["code"]["url"].endswith("/SC2086")
    assert by_code["DL3008"]["original_output"] == "Dockerfile:2:24: DL3008 [warning] Pin versions"


def test_rdjson_empty_run():
    result = json.loads(render("rdjson", []))
    assert result["diagnostics"] == [] and "severity" not in result
    assert urlsplit(result["source"]["url"]).scheme == "https"


# ------------------------------------------------------------------------------------------
# json-lines and grouped


def test_json_lines_one_object_per_line():
    ds = one_of_each()
    lines = render("json-lines", ds).splitlines()
    assert [json.loads(line) for line in lines] == [d.to_json() for d in sorted(ds, key=Diagnostic.sort_key)]
    assert all("\n" not in line and line.startswith("{") for line in lines)
    assert render("json-lines", []) == ""


def test_json_lines_on_an_ascii_stream_escapes():
    buf = io.BytesIO()
    out = io.TextIOWrapper(buf, encoding="ascii", errors="strict", newline="\n")
    report([diag(WIDE, "$X", message="héllo")], out, PLAIN, "json-lines")
    out.flush()
    assert json.loads(buf.getvalue())["message"] == "héllo"


def test_grouped_groups_by_file_and_aligns_positions():
    ds = one_of_each()
    text = render("grouped", ds)
    assert text == (
        "Dockerfile:\n"
        "  1:1  DF003 [error] Bad\n"
        "  2:1  DL3059 [info] Join\n"
        "  2:24 DL3008 [warning] Pin versions (fixable with `dflint fix`)\n"
        "\n"
        "docker/app.Dockerfile:\n"
        "  2:20 SC2086 [style] Double quote\n"
        "\n"
        "Found 4 problems (1 error, 1 warning, 1 info, 1 style).\n"
        "[*] 1 fixable with `dflint fix`.\n"
    )


def test_grouped_quiet_empty_and_color():
    assert render("grouped", []) == "All checks passed!\n"
    assert render("grouped", [], ReportOptions(quiet=True)) == ""
    colored = render("grouped", one_of_each(), ReportOptions(color=True))
    assert "\x1b[" in colored
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == render("grouped", one_of_each())


def test_formats_are_imported_lazily():
    import subprocess
    import sys

    code = (
        "import sys, dflint.report as r\n"
        "r.writer('sarif')\n"
        "print(sorted(m for m in sys.modules if m.startswith('dflint.report.')))\n"
        "print(any(m == 'rich' or m.startswith('rich.') for m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ})
    modules, rich = proc.stdout.splitlines()
    assert modules == "['dflint.report.common', 'dflint.report.sarif']" and rich == "False"

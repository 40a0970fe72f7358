"""``--format sarif``: a SARIF 2.1.0 log (OASIS), as GitHub code scanning and other viewers read it.

One run: ``tool.driver`` names dflint (name, version, informationUri) and lists a rule for every
code that has a finding (``rules[]``: id, name, short and full description, help as text and
Markdown, helpUri, defaultConfiguration.level, properties.tags), built from the rules'
docstrings; ShellCheck's ``SCnnnn`` codes get an entry pointing at the ShellCheck wiki. Each result
has ruleId, ruleIndex, level, message, one location (a region with start/end line and column,
columns in Unicode code points as ``columnKind`` declares), ``partialFingerprints`` and, when the
finding has a fix, ``fixes`` (artifactChanges with replacements; the fix's applicability is in the
fix's property bag). The dflint severity of each result is in its property bag too
(``properties.severity``), since SARIF's levels merge info and style into ``note``.

Relative paths are relative to ``%SRCROOT%``, the working directory (``originalUriBaseIds``), as
GitHub's ``upload-sarif`` expects; absolute paths are ``file://`` URIs. Validated against the
official schema in the test suite (tests/schemas/sarif-schema-2.1.0.json).
"""

from __future__ import annotations

from pathlib import Path

from dflint import __version__
from dflint.report import SEVERITY_STYLES, ReportOptions, sorted_diagnostics
from dflint.report.common import RuleInfo, artifact_uri, fingerprints, project_url, region, rules_used

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

    from dflint.diagnostic import Diagnostic

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "dflint/v1"


def _location(path: str) -> dict[str, Any]:
    uri, relative = artifact_uri(path)
    return {"uri": uri, "uriBaseId": SRCROOT} if relative else {"uri": uri}


def _rule(info: RuleInfo) -> dict[str, Any]:
    configuration: dict[str, Any] = {"level": SEVERITY_STYLES[info.severity].sarif}
    if not info.enabled_by_default:
        configuration["enabled"] = False
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": info.description},
        "help": {"text": info.help_text, "markdown": info.help_markdown},
        "helpUri": info.help_uri,
        "defaultConfiguration": configuration,
        "properties": {"tags": list(info.tags)},
    }


def _fix(d: Diagnostic) -> dict[str, Any]:
    assert d.fix is not None
    replacements = []
    for edit in d.fix.edits:
        sl, sc, el, ec = d.source.positions(edit.start, edit.end)
        replacement: dict[str, Any] = {
            "deletedRegion": {"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec}
        }
        replacement["insertedContent"] = {"text": edit.content}
        replacements.append(replacement)
    return {
        "description": {"text": d.fix.title or "Apply the fix"},
        "artifactChanges": [{"artifactLocation": _location(d.path), "replacements": replacements}],
        "properties": {"applicability": d.fix.applicability.label},
    }


def _result(d: Diagnostic, rule_index: int, fingerprint: str) -> dict[str, Any]:
    r = region(d)
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": SEVERITY_STYLES[d.severity].sarif,
        "message": {"text": d.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _location(d.path),
                    "region": {
                        "startLine": r.start_line,
                        "startColumn": r.start_column,
                        "endLine": r.end_line,
                        "endColumn": r.end_column,
                    },
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": {"severity": d.severity.value},
    }
    if d.fix is not None and d.fix.edits:
        result["fixes"] = [_fix(d)]
    return result


def sarif_log(diagnostics: list[Diagnostic]) -> dict[str, Any]:
    """The SARIF log of `diagnostics`, as a JSON-ready dict."""
    diagnostics = sorted_diagnostics(diagnostics)
    rules = rules_used(diagnostics)
    index = {info.code: i for i, info in enumerate(rules)}
    prints = fingerprints(diagnostics)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "dflint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": project_url(),
                "rules": [_rule(info) for info in rules],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, index[d.code], prints[id(d)]) for d in diagnostics],
        "invocations": [{"executionSuccessful": not any(d.code == "DF000" for d in diagnostics)}],
    }
    if any(artifact_uri(d.path)[1] for d in diagnostics):
        run["originalUriBaseIds"] = {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}}
    return {"$schema": SCHEMA_URI, "version": VERSION, "runs": [run]}


def write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    from dflint.report.json import dump

    dump(sarif_log(diagnostics), out)

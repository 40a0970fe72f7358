"""``--format gitlab``: a GitLab Code Quality report (``artifacts:reports:codequality``), the
subset of the Code Climate issue format GitLab reads: a JSON list of issues with
``description``, ``check_name``, ``fingerprint``, ``severity`` and ``location`` (``path`` and
``lines.begin``/``lines.end``), plus ``type``, ``categories`` and ``content.body`` (a link to the
rule) from the Code Climate spec, which GitLab ignores but other readers use.

Severities come from the one table: error → critical, warning → major, info → minor, style → info.
Paths are as given, with absolute ones inside the working directory made relative to it (GitLab
wants them relative to the repository root: run dflint from there). The fingerprint is stable when lines move (see
`dflint.report.common.fingerprints`), so GitLab can tell new findings from fixed ones.
"""

from __future__ import annotations

from dflint.report import SEVERITY_STYLES, ReportOptions, sorted_diagnostics
from dflint.report.common import fingerprints, region, repo_relative, rule_info

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

    from dflint.diagnostic import Diagnostic

#: Code Climate categories by dflint tag (the first tag found wins; "Style" otherwise).
CATEGORIES = {
    "security": "Security",
    "syntax": "Bug Risk",
    "stage-graph": "Bug Risk",
    "shellcheck": "Bug Risk",
    "image-size": "Performance",
    "build-cache": "Performance",
    "buildkit": "Compatibility",
    "meta": "Clarity",
}


def issue(d: Diagnostic, fingerprint: str) -> dict[str, Any]:
    r = region(d)
    info = rule_info(d.code, d.name, d.severity)
    category = next((CATEGORIES[t] for t in info.tags if t in CATEGORIES), "Style")
    return {
        "type": "issue",
        "description": f"{d.code} {d.message}",
        "check_name": d.code,
        "fingerprint": fingerprint,
        "severity": SEVERITY_STYLES[d.severity].gitlab,
        "categories": [category],
        "content": {"body": f"{info.summary} See {info.help_uri}"},
        "location": {"path": repo_relative(d.path), "lines": {"begin": r.start_line, "end": r.end_line}},
    }


def write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    from dflint.report.json import dump

    diagnostics = sorted_diagnostics(diagnostics)
    prints = fingerprints(diagnostics)
    dump([issue(d, prints[id(d)]) for d in diagnostics], out)

"""``--format github``: GitHub Actions workflow commands, which GitHub shows as annotations on the
run and on the pull request's diff::

    ::error file=Dockerfile,line=2,endLine=2,col=24,endColumn=28,title=DL3008 unpinned-apt-package::Pin …

Levels come from the one severity table: error → ``error``, warning → ``warning``, info and style
→ ``notice``. ``col``/``endColumn`` are given only when the finding is on one line (GitHub ignores
them otherwise); ``endColumn`` is exclusive, as everywhere in dflint. An absolute path inside the
working directory (the workspace) is made relative to it, as annotations need. Property values and the
message are escaped as GitHub's toolkit does (``%``, CR, LF; in properties also ``:`` and ``,``).

GitHub shows at most `ANNOTATION_LIMIT` (10) annotations of each level per step and drops the
rest silently. So the most severe findings come first, at most 10 of each level are written as
annotations, and when any were left out, one more notice says how many (it takes one of the ten
notice places) and the left-out findings follow as plain log lines inside a collapsed group.

When ``$GITHUB_STEP_SUMMARY`` names a file (GitHub sets it in every step), a Markdown table of
every finding is appended to it: the job summary.
"""

from __future__ import annotations

import html
import os

from dflint.report import SEVERITY_STYLES, Headers, ReportOptions, clean, is_fixable, sorted_diagnostics, stream_encoding
from dflint.report.common import region, repo_relative, rule_info
from dflint.report.json import scrub

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from dflint.diagnostic import Diagnostic

#: Annotations of one level GitHub shows per step.
ANNOTATION_LIMIT = 10
#: GitHub refuses a step summary larger than 1 MiB; stay below it.
SUMMARY_LIMIT = 1_000_000
LEVELS = ("error", "warning", "notice")


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as actions/toolkit's ``escapeData``."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command property value, escaped as actions/toolkit's ``escapeProperty``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(d: Diagnostic, options: ReportOptions) -> str:
    """The workflow command of one finding (no newline)."""
    from dflint.report.full import fix_hint

    r = region(d)
    props = [("file", repo_relative(d.path)), ("line", str(r.start_line)), ("endLine", str(r.end_line))]
    if r.single_line:
        props.append(("col", str(r.start_column)))
        if r.end_column > r.start_column:
            props.append(("endColumn", str(r.end_column)))
    props.append(("title", f"{d.code} {d.name}" if d.name and d.name != d.code else d.code))
    message = d.message
    hint = fix_hint(d, options)
    if hint:
        message = f"{message} {hint}"
    level = SEVERITY_STYLES[d.severity].github
    rendered = ",".join(f"{k}={escape_property(scrub(v))}" for k, v in props)
    return f"::{level} {rendered}::{escape_data(scrub(message))}"


def _plan(diagnostics: list[Diagnostic]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(annotated, left out): the most severe first, at most `ANNOTATION_LIMIT` per level, one
    notice place kept for the "left out" notice when anything is left out."""
    ordered = sorted(diagnostics, key=lambda d: (-d.severity.rank, d.sort_key()))
    counts = {level: 0 for level in LEVELS}
    for d in ordered:
        counts[SEVERITY_STYLES[d.severity].github] += 1
    limits = {level: ANNOTATION_LIMIT for level in LEVELS}
    if any(n > ANNOTATION_LIMIT for n in counts.values()):
        limits["notice"] = ANNOTATION_LIMIT - 1
    shown, left = [], []
    used = {level: 0 for level in LEVELS}
    for d in ordered:
        level = SEVERITY_STYLES[d.severity].github
        if used[level] < limits[level]:
            used[level] += 1
            shown.append(d)
        else:
            left.append(d)
    return shown, left


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _left_out_notice(left: list[Diagnostic], total: int, summary: bool) -> str:
    by_level = {level: 0 for level in LEVELS}
    for d in left:
        by_level[SEVERITY_STYLES[d.severity].github] += 1
    parts = [_plural(n, level, level + "s") for level, n in by_level.items() if n]
    where = (
        f"the job summary lists all {total}"
        if summary
        else "the log below lists them; run dflint locally or use --format sarif for all"
    )
    text = (
        f"{_plural(len(left), 'finding was', 'findings were')} left out of the annotations "
        f"({', '.join(parts)}): GitHub shows at most {ANNOTATION_LIMIT} annotations of each level "
        f"per step; {where}."
    )
    return f"::notice title=dflint::{escape_data(text)}"


# --------------------------------------------------------------------------------------------
# The step summary


def _md(text: str) -> str:
    """`text` safe in a Markdown table cell."""
    text = html.escape(scrub(text), quote=False)
    return " ".join(text.replace("|", "\\|").splitlines())


def summary_markdown(diagnostics: list[Diagnostic], options: ReportOptions) -> str:
    """The job summary: counts, then a table of every finding (sorted by path then position)."""
    from dflint.report.full import summary

    diagnostics = sorted_diagnostics(diagnostics)
    lines = ["## dflint", ""]
    if not diagnostics:
        return "\n".join([*lines, "All checks passed!", ""]) + "\n"
    lines += [" ".join(summary(diagnostics, options)), ""]
    lines += ["| Severity | Location | Rule | Message |", "| --- | --- | --- | --- |"]
    size = sum(len(line) + 1 for line in lines)
    for i, d in enumerate(diagnostics):
        line, col = d.start
        info = rule_info(d.code, d.name, d.severity)
        rule = f"[{_md(d.code)}]({info.help_uri})" + (f" {_md(d.name)}" if d.name and d.name != d.code else "")
        message = d.message + (" [*]" if is_fixable(d, options.unsafe_fixes) else "")
        row = (
            f"| {SEVERITY_STYLES[d.severity].label} | {_md(repo_relative(d.path))}:{line}:{col} "
            f"| {rule} | {_md(message)} |"
        )
        size += len(row.encode("utf-8", "replace")) + 1
        if size > SUMMARY_LIMIT - 500:
            rest = len(diagnostics) - i
            lines += ["", f"… and {_plural(rest, 'more finding', 'more findings')} (a job summary is limited to 1 MiB)."]
            break
        lines.append(row)
    return "\n".join(lines) + "\n\n"


def write_summary(diagnostics: list[Diagnostic], options: ReportOptions, path: str) -> None:
    """Append the job summary to `path` (the file ``$GITHUB_STEP_SUMMARY`` names)."""
    with open(path, "a", encoding="utf-8", newline="\n") as fh:
        fh.write(summary_markdown(diagnostics, options))


def write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    encoding = stream_encoding(out)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    shown, left = _plan(diagnostics)
    for d in shown:
        out.write(clean(command(d, options), encoding) + "\n")
    if left:
        out.write(clean(_left_out_notice(left, len(diagnostics), bool(summary_file)), encoding) + "\n")
        out.write(f"::group::{_plural(len(left), 'finding', 'findings')} without an annotation\n")
        header = Headers(encoding=encoding)
        for d in sorted_diagnostics(left):
            out.write(header(d, *d.start) + "\n")
        out.write("::endgroup::\n")
    if summary_file:
        write_summary(diagnostics, options, summary_file)


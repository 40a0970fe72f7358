"""``--statistics``: how many diagnostics of each code, after ruff (and flake8).

Text: one line per code, ``count<TAB>code<TAB>[*] name``, counts right-aligned and codes padded
to the widest, sorted by count descending (then code). The ``[*]``/``[ ]`` column appears only
when some code is fixable; a code is fixable when `dflint fix` (with the current unsafe-fixes
setting) would fix at least one of its diagnostics. JSON: a list of
``{"code", "name", "count", "fixable"}`` in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

from dflint.report import SEVERITY_STYLES, STYLES, ReportOptions, clean, is_fixable, painter, stream_encoding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from dflint.diagnostic import Diagnostic
    from dflint.rule import Severity


@dataclass(frozen=True)
class Statistic:
    code: str
    name: str
    count: int
    fixable: bool
    severity: Severity

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "count": self.count, "fixable": self.fixable}


def statistics(diagnostics: list[Diagnostic], unsafe_fixes: bool = False) -> list[Statistic]:
    """One `Statistic` per code, most frequent first (ties by code)."""
    groups: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        groups.setdefault(d.code, []).append(d)
    stats = [
        Statistic(
            code=code,
            name=ds[0].name,
            count=len(ds),
            fixable=any(is_fixable(d, unsafe_fixes) for d in ds),
            severity=max((d.severity for d in ds), key=lambda s: s.rank),
        )
        for code, ds in groups.items()
    ]
    stats.sort(key=lambda s: (-s.count, s.code))
    return stats


def write(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    stats = statistics(diagnostics, options.unsafe_fixes)
    if not stats:
        return
    paint = painter(options.color)
    encoding = stream_encoding(out)
    count_width = max(len(str(s.count)) for s in stats)
    code_width = max(len(s.code) for s in stats)
    any_fixable = any(s.fixable for s in stats)
    for s in stats:
        count = paint(str(s.count).rjust(count_width), STYLES["count"])
        code = paint(s.code, SEVERITY_STYLES[s.severity].style) + " " * (code_width - len(s.code))
        mark = ""
        if any_fixable:
            mark = f"[{paint('*', STYLES['fixable'])}] " if s.fixable else "[ ] "
        out.write(f"{count}\t{code}\t{mark}{clean(s.name, encoding)}\n")


def write_json(diagnostics: list[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    from dflint.report.json import dump

    dump([s.to_json() for s in statistics(diagnostics, options.unsafe_fixes)], out)

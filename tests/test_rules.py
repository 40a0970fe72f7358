"""Every `.case` file in tests/rules/: fail cases give exactly the expected findings of the rule
under test, pass cases give none, `--- fixed`/`--- unsafe` are the exact fix output."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from dflint.config import config_from_table
from dflint.engine import Settings, fix, lint
from dflint.registry import Registry
from dflint.source import SourceFile
from dflint.testing import Case, load_cases

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

CASES_DIR = Path(__file__).parent / "rules"
CASE_FILES = sorted(CASES_DIR.glob("*.case"))
ALL_CASES = [case for path in CASE_FILES for case in load_cases(path)]


def rule_for(case: Case):
    cls = Registry.load().get(case.path.stem)
    assert cls is not None, f"{case.path.name}: no rule with code {case.path.stem}"
    return cls


def settings_for(case: Case, context_dir: Path | None) -> Settings:
    cls = rule_for(case)
    config = config_from_table(tomllib.loads(case.config)) if case.config else config_from_table({})
    raw = config.rule_options(cls.code)
    rule = cls(cls.Options(**{k.replace("-", "_"): v for k, v in raw.items()})) if raw else cls()
    rules = [rule]
    if cls.late:  # a rule about the other findings needs the others to run
        others = Registry.load().select(config.select, config.extend_select, config.ignore)
        rules = [other() for other in others if other is not cls] + [rule]
    return Settings(
        rules=rules,
        context_dir=config.context or context_dir,
        target=config.target,
        build_args=dict(config.build_args),
        extra_targets=tuple(config.extra_targets),
    )


def run_case(case: Case, tmp: Path):
    for name, content in case.files.items():
        target = tmp / name
        if name.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    settings = settings_for(case, tmp if case.files else None)
    source = SourceFile(case.source, "Dockerfile")
    return source, settings, lint(source, settings, Registry.load())


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.id for c in ALL_CASES])
def test_case(case: Case, tmp_path: Path):
    code = case.path.stem
    source, settings, result = run_case(case, tmp_path)
    found = sorted(
        f"{d.code} {d.line}:{d.column}" for d in result.diagnostics if d.code == code or d.code == "DF000"
    )
    if case.kind == "pass":
        assert found == [], f"{case.path.name}:{case.line}: {case.title}"
        return
    expected = sorted(f"{e.code} {e.line}:{e.column}" for e in case.expect)
    assert found == expected, f"{case.path.name}:{case.line}: {case.title}"
    by_start = {(d.line, d.column): d for d in result.diagnostics if d.code == code}
    for e in case.expect:
        if e.end is not None:
            assert by_start[(e.line, e.column)].end == e.end, f"{case.path.name}:{case.line}: end of {e}"
    for section, unsafe in (("fixed", False), ("unsafe", True)):
        wanted = getattr(case, section)
        if wanted is None:
            continue
        outcome = fix(source, settings, Registry.load(), unsafe=unsafe, fixable={code})
        assert outcome.problems == []
        assert outcome.text == wanted, f"{case.path.name}:{case.line}: --- {section}"
        left = [d for d in outcome.result.diagnostics if d.code == code]
        assert all(d.fix is None or (d.fix.applicability.value < (1 if unsafe else 2)) for d in left), (
            f"{case.path.name}:{case.line}: fix output still has fixable {code} findings"
        )


def test_every_case_file_names_a_rule():
    registry = Registry.load()
    for path in CASE_FILES:
        assert registry.get(path.stem) is not None, path.name


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case_file_has_enough_cases(path: Path):
    cases = load_cases(path)
    assert sum(c.kind == "fail" for c in cases) >= 4, path.name
    assert sum(c.kind == "pass" for c in cases) >= 4, path.name


def test_loader_keeps_bytes_exactly(tmp_path: Path):
    p = tmp_path / "X.case"
    p.write_bytes(b"# about\n=== fail: crlf\nFROM a\r\nRUN b  \r\n--- expect\nDF001 1:1\n=== pass: tabs\n\tFROM a\n")
    cases = load_cases(p)
    assert cases[0].source == "FROM a\r\nRUN b  \r\n"
    ctx = tmp_path / "Z.case"
    ctx.write_text("=== pass: ctx\nFROM a\n--- files\nsrc/: \napp.py: print(1)\n--- file: .dockerignore\n.git\n*.md\n")
    (case,) = load_cases(ctx)
    assert case.files == {"src/": "", "app.py": "print(1)\n", ".dockerignore": ".git\n*.md\n"}
    assert [str(e) for e in cases[0].expect] == ["DF001 1:1"]
    assert cases[1].source == "\tFROM a\n"
    with tempfile.TemporaryDirectory() as d:
        bad = Path(d) / "Y.case"
        bad.write_text("=== fail: no expect\nFROM a\n")
        with pytest.raises(ValueError):
            load_cases(bad)

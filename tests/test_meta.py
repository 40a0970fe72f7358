"""Meta tests over the whole rule set and the package layout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dflint.docs import example_blocks, example_blocks_with_info, parse_doc
from dflint.engine import Settings, lint
from dflint.registry import Registry, builtin_rules
from dflint.source import SourceFile

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
RULES = builtin_rules()
IDS = [r.code for r in RULES]

# DF code ranges (../shared/DESIGN.md): syntax 001-099, stage graph 1xx, size 2xx, cache 3xx,
# BuildKit-only 4xx, security 5xx, meta 9xx.
DF_RANGES = [(1, 99), (100, 199), (200, 299), (300, 399), (400, 499), (500, 599), (900, 999)]


def test_rules_exist():
    assert len(RULES) >= 5


def test_codes_names_and_aliases_are_unique():
    keys = [k.lower() for r in RULES for k in (r.code, r.name, *r.aliases)]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_code_and_name_conventions(rule):
    assert re.fullmatch(r"(DF\d{3}|DL\d{4})", rule.code), rule.code
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", rule.name), rule.name
    if rule.code.startswith("DF"):
        number = int(rule.code[2:])
        assert any(lo <= number <= hi for lo, hi in DF_RANGES), rule.code
    for alias in rule.aliases:
        assert re.fullmatch(r"[A-Z][A-Za-z]+", alias), alias  # BuildKit check names


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_documented(rule):
    doc = parse_doc(rule)
    assert doc.problems() == [], rule.code
    assert rule.summary().endswith("."), f"{rule.code}: the summary is a sentence"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_has_case_file(rule):
    assert (ROOT / "tests" / "rules" / f"{rule.code}.case").is_file()


def _configured(rule):
    """The rule built with the options of the ```toml example in its `## Options` section (rules
    such as DL3026 do nothing until configured), else with its defaults."""
    doc = parse_doc(rule)
    for block in example_blocks(doc.options, "toml") if doc.options else ():
        table = tomllib.loads(block).get("rules", {}).get(rule.code)
        if table and rule.Options is not None:
            return rule(rule.Options(**{k.replace("-", "_"): v for k, v in table.items()}))
    return rule()


def _codes_on(rule, text: str, context: Path | None = None) -> list[str]:
    rules = [_configured(rule)]
    if rule.late:  # a rule about the other findings needs the others to run
        rules = [r() for r in Registry.load().select() if r is not rule] + rules
    settings = Settings(rules=rules, context_dir=context)
    result = lint(SourceFile(text, "Dockerfile"), settings, Registry.load())
    return [d.code for d in result.diagnostics]


def _context_for(info: str, tmp_path: Path) -> Path | None:
    """A build context holding the paths of a block's ``files="a .git/"`` attribute."""
    m = re.search(r'files="([^"]*)"', info)
    if not m:
        return None
    folder = tmp_path / f"ctx{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    for name in m.group(1).split():
        target = folder / name
        if name.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("x\n")
    return folder


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_docstring_examples(rule, tmp_path: Path):
    doc = parse_doc(rule)
    for block, info in example_blocks_with_info(doc.example):
        assert rule.code in _codes_on(rule, block, _context_for(info, tmp_path)), (
            f"{rule.code}: '## Example' does not fire"
        )
    for block, info in example_blocks_with_info(doc.use_instead):
        found = _codes_on(rule, block, _context_for(info, tmp_path))
        assert rule.code not in found and "DF000" not in found, f"{rule.code}: '## Use instead' fires"


def test_pyproject_packages_match_folders():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = data["tool"]["setuptools"]
    declared = set(setuptools["packages"])
    package_dir = setuptools["package-dir"]
    on_disk = set()
    for package, folder in package_dir.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            on_disk.add(".".join([package, *rel.parts]) if rel.parts else package)
    # a subpackage of dflint living under lint/ that another mapping also provides is the same
    assert declared == on_disk


def test_registry_loads_every_builtin():
    registry = Registry.load()
    assert {r.code for r in RULES} <= {r.code for r in registry.rules}

"""Meta tests over the whole rule set and the package layout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dflint.docs import example_blocks, parse_doc
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


def _codes_on(rule, text: str) -> list[str]:
    rules = [_configured(rule)]
    if rule.late:  # a rule about the other findings needs the others to run
        rules = [r() for r in Registry.load().select() if r is not rule] + rules
    result = lint(SourceFile(text, "Dockerfile"), Settings(rules=rules), Registry.load())
    return [d.code for d in result.diagnostics]


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_docstring_examples(rule):
    doc = parse_doc(rule)
    for block in doc.bad_examples:
        assert rule.code in _codes_on(rule, block), f"{rule.code}: '## Example' does not fire"
    for block in doc.good_examples:
        found = _codes_on(rule, block)
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

"""The vendored sample of real Dockerfiles (tests/corpus, sources in SOURCES.tsv): lossless
parsing, no internal error from any rule, and fixes that re-parse and settle."""

from __future__ import annotations

from pathlib import Path

import pytest

from dflint.engine import Settings, fix, lint
from dflint.parser import parse_bytes
from dflint.registry import Registry
from dflint.source import SourceFile

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.Dockerfile"))
IDS = [p.stem for p in CORPUS]
# BuildKit's parser rejects these on purpose (its negative parser fixtures).
INVALID = {"1194", "1195", "1196"}


def all_rules() -> Settings:
    registry = Registry.load()
    return Settings(rules=[cls() for cls in registry.rules])


def test_sample_is_big_enough():
    assert len(CORPUS) >= 60
    sources = (Path(__file__).parent / "corpus" / "SOURCES.tsv").read_text().splitlines()
    listed = {line.split("\t")[0] for line in sources[1:]}
    assert {p.name for p in CORPUS} <= listed


@pytest.mark.parametrize("path", CORPUS, ids=IDS)
def test_round_trip(path: Path):
    data = path.read_bytes()
    df = parse_bytes(data, str(path))
    assert df.source.to_bytes(df.reconstruct()) == data


@pytest.mark.parametrize("path", CORPUS, ids=IDS)
def test_lints_without_internal_error(path: Path):
    source = SourceFile.from_bytes(path.read_bytes(), str(path))
    result = lint(source, all_rules(), Registry.load())
    assert [d.message for d in result.diagnostics if d.code == "DF000"] == []
    syntax = [d for d in result.diagnostics if d.code == "DF001"]
    assert bool(syntax) == (path.stem in INVALID), [d.message for d in syntax]


@pytest.mark.parametrize("path", CORPUS, ids=IDS)
def test_fix_reparses_and_settles(path: Path):
    source = SourceFile.from_bytes(path.read_bytes(), str(path))
    settings = all_rules()
    first = fix(source, settings, Registry.load(), unsafe=True)
    assert first.problems == []
    assert first.result.parses or path.stem in INVALID
    again = fix(SourceFile(first.text, str(path), source.bom), settings, Registry.load(), unsafe=True)
    assert again.text == first.text

"""A big file's rules split between this process and a forked one (dflint.split): the findings
are those of a run in one process, whatever the child does."""

from __future__ import annotations

import os
import time

import pytest

from dflint import engine, split
from dflint.engine import Settings, lint
from dflint.registry import Registry
from dflint.rule import Rule, Severity, Violation
from dflint.source import SourceFile, Span

pytestmark = pytest.mark.skipif(not split.available(), reason="the rules are split only where os.fork is (Linux)")

# A file with findings of many rules, a pragma that suppresses one and one that is unused (DF900,
# a late rule, sees which pragmas the split rules used).
TEXT = (
    "FROM ubuntu\n"
    "# dflint: ignore=DL3008\n"
    "RUN apt-get update && apt-get install -y curl wget\n"
    "RUN cd /tmp && curl -k https://x.example/i.sh | sh\n"
    "# dflint: ignore=DL3020\n"
    "COPY a.txt /a.txt\n"
    "ADD https://x.example/f.tgz /f.tgz\n"
    "RUN pip install flask && npm install -g left-pad\n"
    "USER root\n"
    "RUN chmod 777 /srv\n"
)


class Pid(Rule):
    """Names the process that ran it (after a moment, so that both processes take some)."""

    code = "DF990"
    name = "pid-for-split"
    severity = Severity.INFO

    def check(self, ctx):
        time.sleep(0.02)
        yield Violation(Span(0, 4), f"pid {os.getpid()}")


class Boom(Rule):
    """Raises after one finding."""

    code = "DF991"
    name = "boom-for-split"
    severity = Severity.ERROR

    def check(self, ctx):
        yield Violation(Span(0, 4), "before the bug")
        raise KeyError("nope")


def _settings(extra=()) -> Settings:
    registry = Registry.load()
    return Settings(rules=[cls() for cls in registry.rules] + [cls() for cls in extra])


def _findings(result) -> list[tuple]:
    return [(d.code, d.span.start, d.span.end, d.severity, d.message, d.fix) for d in result.diagnostics]


def _lint(text: str, split_rules: bool, extra=()):
    registry = Registry([*Registry.load().rules, *extra])
    return lint(SourceFile(text, "Dockerfile"), _settings(extra), registry, split=split_rules)


@pytest.fixture
def small_split(monkeypatch):
    monkeypatch.setattr(engine, "SPLIT_SIZE", 1)


def test_split_findings_are_those_of_one_process(small_split):
    text = TEXT * 20
    alone, shared = _lint(text, False, [Boom]), _lint(text, True, [Boom])
    assert _findings(shared) == _findings(alone)
    codes = {d.code for d in alone.diagnostics}
    assert {"DF900", "DF000", "DF991", "DF503"} <= codes  # an unused pragma, the rule's bug, the remote ADD
    assert "DL3008" not in codes  # suppressed


def test_both_processes_take_rules(small_split):
    pids = {d.message for d in _lint(TEXT, True, [Pid] * 1).diagnostics if d.code == "DF990"}
    assert len(pids) == 1
    many = [type(f"Pid{i}", (Pid,), {"code": f"DF9{i:02d}", "name": f"pid-{i}"}) for i in range(20, 40)]
    messages = {d.message for d in _lint(TEXT, True, many).diagnostics if d.code.startswith("DF9")}
    pids = {m for m in messages if m.startswith("pid ")}
    assert f"pid {os.getpid()}" in pids and len(pids) == 2


def test_a_child_that_dies_leaves_its_rules_to_the_parent(small_split, monkeypatch):
    def die(*args):
        os._exit(9)

    monkeypatch.setattr(split, "_child", die)
    text = TEXT * 5
    assert _findings(_lint(text, True, [Boom])) == _findings(_lint(text, False, [Boom]))


def test_small_files_are_not_split(monkeypatch):
    def fail(*args):
        raise AssertionError("split")

    monkeypatch.setattr(split, "run_rules", fail)
    assert _lint(TEXT, True).diagnostics


def test_build_context_reads_are_recorded_from_both_processes(small_split, tmp_path):
    from dflint.cache import Recorder, install_tracking

    if not install_tracking():
        pytest.skip("build-context reads are not tracked here")
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / ".env").write_text("SECRET=1\n")
    registry = Registry.load()
    parent = os.getpid()

    class SlowHere(Rule):
        """Slow in this process only: the child takes the other rules meanwhile."""

        code = "DF989"
        name = "slow-in-the-parent"
        severity = Severity.INFO

        def check(self, ctx):
            if os.getpid() == parent:
                time.sleep(1)
            return iter(())

    settings = Settings(rules=[SlowHere(), *(cls() for cls in registry.rules)], context_dir=tmp_path)
    deps = []
    for split_rules in (False, True):
        recorder = Recorder()
        result = lint(SourceFile(TEXT + "COPY . /app\n", "Dockerfile"), settings, registry, recorder, split=split_rules)
        assert result.context.context_consulted
        deps.append(set(recorder.deps))
    assert deps[0] and deps[1] == deps[0]

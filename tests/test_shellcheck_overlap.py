"""ShellCheck started before the rules (a run of one file): the same findings, notices and cache
entries as the batched run after them, and no process or temporary folder left behind."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dflint import cache as cache_mod
from dflint import engine, shellcheck
from dflint.engine import Settings, add_shellcheck, lint
from dflint.registry import Registry
from dflint.source import SourceFile

needs_shellcheck = pytest.mark.skipif(shellcheck.find_shellcheck() is None, reason="shellcheck not installed")

TEXTS = [
    "FROM debian:12\nRUN echo $A\nRUN echo $A\n# hadolint ignore=SC2086\nRUN echo $B\nRUN cd /x && make\n",
    "FROM alpine\nSHELL [\"/bin/ash\", \"-c\"]\nRUN [ $X == 1 ] && echo `date`\nONBUILD RUN echo $Y\n",
    "FROM debian AS a\nARG V\nRUN <<EOF\necho $V $W\nEOF\nFROM a\nRUN echo $V\n",
    "FROM debian\nRUN echo ok\n",  # nothing to report
    "FROM scratch\n",  # no RUN: nothing to start
]


def found(result) -> list[tuple]:
    return [(d.code, d.line, d.column, d.message, d.severity) for d in result.diagnostics]


def both(text: str, cache=None, keep=lambda code: True):
    """The result linted the batched way and the early way."""
    reg = Registry.load()  # for the pragmas
    later = lint(SourceFile(text, "Dockerfile"), Settings(rules=[], shellcheck=keep), reg)
    assert later.shell_started is None
    notice_later = add_shellcheck([later], cache=cache)
    early = lint(SourceFile(text, "Dockerfile"), Settings(rules=[], shellcheck=keep), reg, start_shellcheck=True, cache=cache)
    notice_early = add_shellcheck([early], cache=cache)
    assert early.shell_started is None  # collected
    return (later, notice_later), (early, notice_early)


@needs_shellcheck
@pytest.mark.parametrize("text", TEXTS)
def test_early_start_gives_the_same_findings(text):
    (later, n1), (early, n2) = both(text)
    assert n1 is None and n2 is None
    assert found(early) == found(later)
    assert early.notices == later.notices and early.complete == later.complete


@needs_shellcheck
def test_early_start_happens_before_the_rules(tmp_path: Path, monkeypatch, capsys):
    from dflint.cli import main

    order: list[str] = []
    real_start, real_rules = shellcheck.start, engine._run_rules

    def start(*args, **kwargs):
        order.append("start")
        return real_start(*args, **kwargs)

    def rules(*args, **kwargs):
        order.append("rules")
        return real_rules(*args, **kwargs)

    monkeypatch.setattr(shellcheck, "start", start)
    monkeypatch.setattr(engine, "_run_rules", rules)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".dflint.toml").write_text("")
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN echo $A\n")
    (tmp_path / "b.Dockerfile").write_text("FROM debian:12\nRUN echo $B\n")
    assert main(["check", "--no-cache", "--format", "json", "--select", "SC", "Dockerfile"]) == 1
    assert [d["code"] for d in json.loads(capsys.readouterr().out)] == ["SC2086"]
    assert order == ["start", "rules"]
    order.clear()
    # two files: their bodies are batched after the rules, in one ShellCheck run
    assert main(["check", "--no-cache", "--format", "json", "--select", "SC", "Dockerfile", "b.Dockerfile"]) == 1
    assert [d["code"] for d in json.loads(capsys.readouterr().out)] == ["SC2086", "SC2086"]
    assert order == ["rules", "rules", "start"]


@needs_shellcheck
def test_early_start_with_the_cache(tmp_path: Path, monkeypatch):
    # The same cache entries either way, and a script the cache answers is not sent again.
    text = "FROM debian:12\nRUN echo $A\nRUN echo $B\n"
    a, b = cache_mod.Cache(str(tmp_path / "a")), cache_mod.Cache(str(tmp_path / "b"))
    later = lint(SourceFile(text, "Dockerfile"), Settings(rules=[], shellcheck=lambda c: True))
    add_shellcheck([later], cache=a)
    early = lint(SourceFile(text, "Dockerfile"), Settings(rules=[], shellcheck=lambda c: True), start_shellcheck=True, cache=b)
    add_shellcheck([early], cache=b)
    assert found(early) == found(later)
    assert entries(a) == entries(b) and len(entries(b)) == 2

    sent: list[list[str]] = []
    real = shellcheck.start

    def spy(jobs, *args, **kwargs):
        sent.append(sorted({j.body for j in jobs}))
        return real(jobs, *args, **kwargs)

    monkeypatch.setattr(shellcheck, "start", spy)
    again = lint(
        SourceFile(text.replace("$B", "$C"), "Dockerfile"), Settings(rules=[], shellcheck=lambda c: True),
        start_shellcheck=True, cache=b,
    )
    add_shellcheck([again], cache=b)
    assert sent == [["echo $C"]]
    assert [(d.code, d.line) for d in again.diagnostics] == [("SC2086", 2), ("SC2086", 3)]
    sent.clear()
    cached = lint(SourceFile(text, "Dockerfile"), Settings(rules=[], shellcheck=lambda c: True), start_shellcheck=True, cache=b)
    assert cached.shell_started is not None and cached.shell_started.started is None  # all from the cache
    add_shellcheck([cached], cache=b)
    assert sent == [] and found(cached) == found(later)


def entries(cache) -> list[str]:
    return sorted(p.name for p in Path(cache.folder).glob("s-*"))


def test_early_start_without_shellcheck_is_the_same_notice(monkeypatch):
    monkeypatch.setattr(shellcheck, "find_shellcheck", lambda: None)
    result = lint(
        SourceFile("FROM debian\nRUN echo $A\n", "Dockerfile"), Settings(rules=[], shellcheck=lambda c: True),
        start_shellcheck=True,
    )
    notice = add_shellcheck([result])
    assert notice is not None and "shellcheck not found" in notice
    assert result.diagnostics == [] and result.shell_jobs == []


def test_early_start_preparation_failure_is_the_same_df000(monkeypatch):
    def boom(ctx, skipped=None):
        raise ValueError("boom")

    monkeypatch.setattr(shellcheck, "jobs_for", boom)
    out = []
    for early in (False, True):
        result = lint(
            SourceFile("FROM debian\nRUN echo $A\n", "Dockerfile"), Settings(rules=[], shellcheck=lambda c: True),
            start_shellcheck=early,
        )
        assert add_shellcheck([result]) is None
        out.append([(d.code, d.message.split(" at ")[0]) for d in result.diagnostics])
    assert out[0] == out[1] == [("DF000", "ShellCheck preparation failed: ValueError: boom")]


def _fake_shellcheck(tmp_path: Path, marker: str) -> Path:
    """A shellcheck that hangs on a script containing `marker` and runs the real one otherwise;
    it writes its pid to `tmp_path/pids` first."""
    real = shellcheck.find_shellcheck()
    fake = tmp_path / "shellcheck"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo $$ >> "{tmp_path}/pids"\n'
        f'for a; do case $a in *.sh) grep -q {marker} "$a" && exec sleep 60;; esac; done\n'
        f'exec "{real}" "$@"\n'
    )
    fake.chmod(0o755)
    return fake


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@needs_shellcheck
def test_early_start_timeout_is_the_same_notice(tmp_path: Path, monkeypatch):
    fake = str(_fake_shellcheck(tmp_path, "SLOWBODY"))
    monkeypatch.setattr(shellcheck, "find_shellcheck", lambda: fake)
    monkeypatch.setattr(shellcheck, "TIMEOUT", 2.0)
    monkeypatch.setattr(shellcheck, "TIMEOUT_RATE", 10**12)
    text = "FROM debian\nRUN echo SLOWBODY $A\nRUN echo $B\n"
    results = []
    for early in (False, True):
        result = lint(SourceFile(text, "slow/Dockerfile"), Settings(rules=[], shellcheck=lambda c: True), start_shellcheck=early)
        assert add_shellcheck([result]) is None
        results.append(result)
    later, early_result = results
    assert found(early_result) == found(later) == []  # one process for both bodies: none checked
    assert early_result.notices == later.notices == [
        "ShellCheck timed out after 2 s on RUN bodies of slow/Dockerfile; their SC checks are skipped"
    ]
    assert not early_result.complete and not later.complete


@needs_shellcheck
def test_interrupted_lint_leaves_no_process_or_folder(tmp_path: Path, monkeypatch):
    # ^C while the rules run: the ShellCheck started for the file is killed, its folder removed.
    fake = str(_fake_shellcheck(tmp_path, "SLOWBODY"))
    monkeypatch.setattr(shellcheck, "find_shellcheck", lambda: fake)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    def rules(*args, **kwargs):
        # wait until the fake shellcheck wrote its pid, then interrupt
        import time

        for _ in range(200):
            if (tmp_path / "pids").exists():
                break
            time.sleep(0.01)
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "_run_rules", rules)
    with pytest.raises(KeyboardInterrupt):
        lint(SourceFile("FROM debian\nRUN echo SLOWBODY\n", "Dockerfile"), Settings(rules=[], shellcheck=lambda c: True), start_shellcheck=True)
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    assert pids and not any(_alive(p) for p in pids)
    assert list((tmp_path / "tmp").iterdir()) == []


@needs_shellcheck
def test_run_is_start_then_wait():
    from dflint.parser import parse

    jobs = shellcheck.jobs_for(engine.Context(parse("FROM debian\nRUN echo $A\n")))
    started = shellcheck.start(jobs)
    comments = started.wait()
    codes = lambda found: {s: [(c["code"], c["line"], c["column"]) for c in cs] for s, cs in found.items()}  # noqa: E731
    assert codes(comments) == codes(shellcheck.run(jobs)) == {jobs[0].script: [(2086, 2, 6)]}
    with pytest.raises(RuntimeError):
        started.wait()
    started.abort()  # after wait: nothing to do
    assert shellcheck.start([]).wait() == {}

"""ShellCheck on RUN bodies: scripts as hadolint builds them, batching, exact positions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dflint import shellcheck
from dflint.engine import Settings, add_shellcheck, lint
from dflint.parser import parse
from dflint.rule import Context
from dflint.source import SourceFile

needs_shellcheck = pytest.mark.skipif(shellcheck.find_shellcheck() is None, reason="shellcheck not installed")


def run_sc(text: str, keep=lambda code: True):
    source = SourceFile(text, "Dockerfile")
    result = lint(source, Settings(rules=[], shellcheck=keep))
    notice = add_shellcheck([result])
    assert notice is None
    return [(d.code, d.line, d.column, source.slice(d.span)) for d in result.diagnostics]


def test_script_has_shebang_and_exports():
    ctx = Context(parse("FROM debian\nARG VERSION\nENV A=1 B=2\nSHELL [\"/bin/bash\", \"-c\"]\nRUN echo $VERSION\n"))
    (job,) = shellcheck.jobs_for(ctx)
    # only the names the body mentions are exported (each export line costs ShellCheck time)
    assert job.script == "#!/bin/bash\nexport VERSION=1\necho $VERSION"
    assert job.prefix == 2


def test_exports_are_the_mentioned_names_only():
    ctx = Context(parse("FROM debian\nARG A B\nENV C=1\nRUN curl -x $https_proxy $C ${A:-x}\n"))
    (job,) = shellcheck.jobs_for(ctx)
    assert job.script == "#!/bin/sh\nexport https_proxy=1\nexport A=1\nexport C=1\ncurl -x $https_proxy $C ${A:-x}"
    assert job.prefix == 4


def test_names_reset_at_from_and_skip_non_posix():
    text = (
        "FROM debian AS a\nARG X\nFROM debian\nRUN echo $X\n"
        'FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN echo %PATH%\n'
        'FROM debian\nSHELL ["pwsh", "-c"]\nRUN Write-Host hi\n'
    )
    jobs = shellcheck.jobs_for(Context(parse(text)))
    assert [j.script for j in jobs] == ["#!/bin/sh\necho $X"]


def test_a_stage_built_on_a_stage_keeps_its_names():
    # ENV is in the parent image and BuildKit keeps the parent's ARGs in scope; hadolint 2.15
    # exports both too. A stage on an image (`FROM debian`) starts afresh.
    text = (
        "FROM debian AS Base\nARG FLAGS\nENV HOME_DIR=/x\n"
        "FROM debian AS other\nARG X\n"
        "FROM base AS child\nARG Y\nRUN shfmt $FLAGS $HOME_DIR $Y $X\n"
        "FROM debian\nRUN shfmt $FLAGS\n"
    )
    child, fresh = shellcheck.jobs_for(Context(parse(text)))
    assert child.script == "#!/bin/sh\nexport FLAGS=1\nexport HOME_DIR=1\nexport Y=1\nshfmt $FLAGS $HOME_DIR $Y $X"
    assert fresh.script == "#!/bin/sh\nshfmt $FLAGS"


@needs_shellcheck
def test_proxy_arguments_and_inherited_names_are_assigned():
    text = (
        "FROM debian AS base\nARG FLAGS\n"
        "FROM base\nRUN curl -x $http_proxy -o /x https://x && shfmt $FLAGS .\n"
    )
    assert run_sc(text) == []
    assert [c for c, *_ in run_sc("FROM debian AS base\nARG FLAGS\nFROM debian\nRUN shfmt $FLAGS .\n")] == ["SC2086"]


@needs_shellcheck
def test_every_finding_of_a_run_is_reported():
    # hadolint keeps one ShellCheck finding per RUN (the last in ShellCheck's order: its failures
    # are a Set ordered by line only); dflint reports each at its own position.
    found = run_sc("FROM debian\nRUN export A=$(date) && find -name x\n")
    assert [(c, line, col) for c, line, col, _ in found] == [("SC2155", 2, 12), ("SC2046", 2, 14), ("SC2185", 2, 25)]


@needs_shellcheck
def test_positions_map_to_the_dockerfile():
    text = "FROM debian\nRUN echo $Z \\\n    # a comment\n    && cd /tmp\nRUN <<EOF\nset -e\necho $Q\nEOF\n"
    found = run_sc(text)
    assert ("SC2086", 2, 10, "$Z") in found
    assert ("SC2164", 4, 8, "cd /tmp") in found
    assert ("SC2086", 7, 6, "$Q") in found


@needs_shellcheck
def test_exported_names_are_not_unassigned_and_excluded_codes_never_show():
    text = "FROM debian\nARG NAME\nRUN . ./env.sh && echo \"$NAME\" \"$OTHER\"\n"
    codes = [c for c, *_ in run_sc(text)]
    assert "SC1091" not in codes and "SC1090" not in codes
    assert codes == []  # $OTHER may come from the sourced file: ShellCheck stays quiet


@needs_shellcheck
def test_selection_and_pragmas():
    text = "FROM debian\n# hadolint ignore=SC2086\nRUN echo $A\nRUN echo $B\n"
    from dflint.registry import Registry

    source = SourceFile(text, "Dockerfile")
    result = lint(source, Settings(rules=[], shellcheck=lambda c: True), Registry.load())
    add_shellcheck([result])
    assert [(d.code, d.line) for d in result.diagnostics] == [("SC2086", 4)]
    assert run_sc(text, keep=lambda c: c != "SC2086") == []


@needs_shellcheck
def test_each_distinct_body_is_checked_once(monkeypatch):
    calls = []
    real = shellcheck.run

    def spy(jobs, processes=None, binary=None, failed=None):
        calls.append(sorted({j.script for j in jobs}))
        return real(jobs, processes, binary, failed)

    monkeypatch.setattr(shellcheck, "run", spy)
    sources = [SourceFile("FROM debian\nRUN echo $A\nRUN echo $A\n", f"f{i}") for i in range(5)]
    results = [lint(s, Settings(rules=[], shellcheck=lambda c: True)) for s in sources]
    add_shellcheck(results)
    assert len(calls) == 1 and len(calls[0]) == 1
    assert all(len(r.diagnostics) == 2 for r in results)


def test_missing_shellcheck_is_a_notice(monkeypatch):
    monkeypatch.setattr(shellcheck, "find_shellcheck", lambda: None)
    result = lint(SourceFile("FROM debian\nRUN echo $A\n", "Dockerfile"), Settings(rules=[], shellcheck=lambda c: True))
    notice = add_shellcheck([result])
    assert notice is not None and "shellcheck not found" in notice
    assert result.diagnostics == []


@needs_shellcheck
def test_cli_ignore_sc_does_not_run_shellcheck(tmp_path: Path, monkeypatch, capsys):
    from dflint.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".dflint.toml").write_text("")
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN echo $A\n")
    assert main(["check", "--format", "json", "--ignore", "DL,DF", "Dockerfile"]) == 1
    assert [d["code"] for d in json.loads(capsys.readouterr().out)] == ["SC2086"]

    def boom(*args, **kwargs):
        raise AssertionError("ShellCheck ran although no SC code is selected")

    monkeypatch.setattr(shellcheck, "start", boom)  # `shellcheck.run` calls it too
    assert main(["check", "--format", "json", "--ignore", "SC", "--select", "DF001", "Dockerfile"]) == 0
    assert main(["check", "--format", "json", "--ignore", "SC", "Dockerfile"]) in (0, 1)


@needs_shellcheck
def test_unused_shellcheck_pragma_is_judged_after_shellcheck(tmp_path: Path, monkeypatch, capsys):
    from dflint.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".dflint.toml").write_text("")
    (tmp_path / "Dockerfile").write_text(
        "FROM debian:12\n# hadolint ignore=SC2086\nRUN echo $HOME\n# hadolint ignore=SC2086\nRUN echo \"$HOME\"\n"
    )
    main(["check", "--format", "json", "--select", "DF900,SC", "Dockerfile"])
    found = [(d["code"], d["line"]) for d in json.loads(capsys.readouterr().out)]
    assert found == [("DF900", 4)]


HUGE = "FROM debian:12\nRUN echo $A\nRUN echo start" + " && echo $B" * 20_000 + "\nRUN echo $C\n"


@needs_shellcheck
def test_a_huge_body_is_skipped_with_a_notice(tmp_path: Path, monkeypatch, capsys):
    # Over MAX_BODY characters a body is not sent to ShellCheck (it is slow on huge inputs): one
    # notice names the file and line; the other RUNs are still checked.
    from dflint.cli import main

    source = SourceFile(HUGE, "Dockerfile")
    result = lint(source, Settings(rules=[], shellcheck=lambda c: True))
    assert add_shellcheck([result]) is None
    assert [(d.code, d.line) for d in result.diagnostics] == [("SC2086", 2), ("SC2086", 4)]
    assert result.notices == ["Dockerfile:3: ShellCheck skipped: RUN body of 215 KB over the 200 KB limit"]
    assert not result.complete  # the result cache must not keep it as clean

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DFLINT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / ".dflint.toml").write_text("")
    (tmp_path / "Dockerfile").write_text(HUGE)
    for _ in range(2):  # the second run (the cache on) says it again
        assert main(["check", "--format", "json", "--select", "SC", "Dockerfile"]) == 1
        out, err = capsys.readouterr()
        assert [(d["code"], d["line"]) for d in json.loads(out)] == [("SC2086", 2), ("SC2086", 4)]
        assert err == "dflint: notice: Dockerfile:3: ShellCheck skipped: RUN body of 215 KB over the 200 KB limit\n"


@needs_shellcheck
def test_a_shellcheck_process_over_its_time_is_killed(tmp_path: Path, monkeypatch, capsys):
    # A fake shellcheck that hangs on the script with SLOWBODY and runs the real one otherwise.
    real = shellcheck.find_shellcheck()
    fake = tmp_path / "shellcheck"
    fake.write_text(
        "#!/bin/sh\n"
        'for a; do case $a in *.sh) grep -q SLOWBODY "$a" && exec sleep 60;; esac; done\n'
        f'exec "{real}" "$@"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setattr(shellcheck, "find_shellcheck", lambda: str(fake))
    monkeypatch.setattr(shellcheck, "TIMEOUT", 4.0)
    monkeypatch.setattr(shellcheck, "TIMEOUT_RATE", 10**12)
    slow = lint(SourceFile("FROM debian\nRUN echo SLOWBODY $A\n", "slow/Dockerfile"), Settings(rules=[], shellcheck=lambda c: True))
    # 60 distinct bodies: two shellcheck processes (50 scripts or more each), one of them hangs
    many = "FROM debian\n" + "".join(f"RUN echo $V{i}\n" for i in range(60))
    other = lint(SourceFile(many, "other/Dockerfile"), Settings(rules=[], shellcheck=lambda c: True))
    assert add_shellcheck([slow, other], processes=2) is None
    assert slow.diagnostics == [] and not slow.complete
    assert slow.notices == [
        "ShellCheck timed out after 4 s on RUN bodies of slow/Dockerfile, other/Dockerfile; their SC checks are skipped"
    ]
    assert other.notices == [] and not other.complete
    # the bodies in the process that finished are reported
    assert 20 < len(other.diagnostics) < 40 and {d.code for d in other.diagnostics} == {"SC2086"}


@pytest.mark.parametrize("backend", ["_Spawned", "_Popened"])
def test_process_backends_report_exit_codes_and_kill_at_the_limit(tmp_path, backend):
    """Both ways of running ShellCheck (posix_spawn + pidfd on Linux, subprocess elsewhere)
    give each process's exit code, write its stdout to its file, and kill one past its limit."""
    import shutil
    import sys as _sys

    from dflint import shellcheck as sc

    if backend == "_Spawned" and not hasattr(os, "pidfd_open"):
        pytest.skip("no posix_spawn/pidfd on this platform")
    py = shutil.which("python3") or _sys.executable
    outs = [str(tmp_path / f"out{i}") for i in range(3)]
    commands = [[py, "-c", "print('hi')"], [py, "-c", "raise SystemExit(3)"], [py, "-c", "import time; time.sleep(30)"]]
    procs = getattr(sc, backend)(commands, str(tmp_path), outs)
    codes = procs.wait([20.0, 20.0, 0.5])
    procs.kill()
    assert codes == [0, 3, None]
    assert open(outs[0]).read() == "hi\n"


@needs_shellcheck
def test_many_scripts_are_checked_in_waves_of_small_chunks(monkeypatch):
    """A process's time per script grows with their number: at most MAX_PER_PROCESS per process,
    `processes` at a time; every script still gets its own comments."""
    monkeypatch.setattr(shellcheck, "MAX_PER_PROCESS", 25)
    spawned: list[int] = []
    real = shellcheck._start_all

    def start_all(commands, cwd, outs):
        spawned.append(len(commands))
        assert all(len([a for a in c if a.endswith(".sh")]) <= 25 for c in commands)
        return real(commands, cwd, outs)

    monkeypatch.setattr(shellcheck, "_start_all", start_all)
    scripts = [f"#!/bin/sh\necho $V{i}\n" if i % 2 else f"#!/bin/sh\necho ok{i}\n" for i in range(120)]
    started = shellcheck.start_scripts(scripts, processes=2)
    assert spawned == [2]  # the first wave only, until `wait`
    comments = started.wait()
    assert spawned == [2, 2, 2]  # 6 chunks of at most 25 (full waves), two at a time
    for i, script in enumerate(scripts):
        assert [c["code"] for c in comments[script]] == ([2086] if i % 2 else []), script  # the unquoted $V

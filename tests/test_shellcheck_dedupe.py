"""A parallel run checks each distinct ShellCheck script once across all its workers: the workers
send their scripts to the parent, which runs ShellCheck and answers each with its comments. The
findings, notices and cache entries are those of a run in one process."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dflint import cache as cache_mod
from dflint import commands, shellcheck
from dflint.cli import main

needs_shellcheck = pytest.mark.skipif(
    shellcheck.find_shellcheck() is None or os.name == "nt", reason="shellcheck (and sh) needed"
)

SHARED = "RUN cd /src && make $TARGETS\n"  # SC2086, in two files of different workers
FILES = {
    # the files are split round-robin in sorted order: a and b go to different workers
    "a.Dockerfile": "FROM debian:12\n" + SHARED + "RUN echo `date`\n",
    "b.Dockerfile": "FROM debian:12\nLABEL x=1\n\n" + SHARED,
    "c.Dockerfile": "FROM debian:12\nRUN echo ok\n" + SHARED.replace("RUN", "RUN   "),
    "d.Dockerfile": "FROM alpine:3.20\nRUN [ $X == 1 ] && echo hi\n",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("DFLINT_CACHE_DIR", str(tmp_path / "cache"))
    (root / ".dflint.toml").write_text("")
    for name, text in FILES.items():
        (root / name).write_text(text)
    monkeypatch.setattr(commands, "PARALLEL_MIN_FILES", 2)  # four files are enough for workers
    return root


@pytest.fixture
def checked(tmp_path: Path, monkeypatch):
    """`checked()`: the scripts the shellcheck processes were given since the last call (from
    any process: the real shellcheck behind a wrapper that copies each script into a log)."""
    real = shellcheck.find_shellcheck()
    logs = tmp_path / "checked"  # one log per process (appends of two would interleave)
    logs.mkdir()
    wrapper = tmp_path / "shellcheck-wrapper"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'for f; do case "$f" in *.sh) cat "$f" >> "{logs}/$$"; printf "\\000" >> "{logs}/$$";; esac; done\n'
        f'exec "{real}" "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setattr(shellcheck, "find_shellcheck", lambda: str(wrapper))

    def read() -> list[str]:
        scripts = []
        for log in logs.iterdir():
            scripts += [s for s in log.read_text().split("\0") if s]
            log.unlink()
        return scripts

    return read


def check(capsys, *args: str) -> tuple[int, list[tuple], str]:
    code = main(["check", "--format", "json", "--exit-zero", "--select", "SC", *args])
    out, err = capsys.readouterr()
    return code, [(os.path.normpath(d["path"]), d["line"], d["column"], d["code"]) for d in json.loads(out)], err


@needs_shellcheck
def test_a_body_shared_by_two_workers_is_checked_once(project, capsys, checked):
    code, two, err = check(capsys, "--no-cache", "--jobs", "2", ".")
    assert code == 0 and "notice" not in err
    scripts = checked()
    assert sorted(scripts) == sorted(set(scripts))  # each distinct script once
    assert scripts.count("#!/bin/sh\ncd /src && make $TARGETS") == 1
    assert len(scripts) == 4  # the shared body, `echo \`date\``, `echo ok`, the [ == ] test
    # each file has its own findings at its own positions, as a run in one process gives them
    code, one, _ = check(capsys, "--no-cache", "--jobs", "1", ".")
    assert sorted(two) == sorted(one)
    assert ("a.Dockerfile", 2, 21, "SC2086") in two
    assert ("b.Dockerfile", 4, 21, "SC2086") in two
    assert ("c.Dockerfile", 3, 24, "SC2086") in two
    assert {p for p, *_ in two} == set(FILES)


@needs_shellcheck
def test_parallel_run_uses_and_fills_the_shellcheck_cache(project, capsys, checked):
    _, first, _ = check(capsys, "--jobs", "2", ".")
    assert len(checked()) == 4
    folder = project.parent / "cache" / f"v{cache_mod.CACHE_VERSION}"
    assert len(list(folder.glob("s-*.json"))) == 4  # each script's comments, stored by the workers
    (project / "d.Dockerfile").write_text("FROM alpine:3.20\nRUN [ $Y == 1 ] && echo hi\n")
    (project / "a.Dockerfile").write_text(FILES["a.Dockerfile"] + "LABEL changed=1\n")
    _, second, _ = check(capsys, "--jobs", "2", ".")
    assert checked() == ["#!/bin/sh\n[ $Y == 1 ] && echo hi"]  # only the new body
    assert sorted(p for p in second if p[0] != "d.Dockerfile") == sorted(p for p in first if p[0] != "d.Dockerfile")


@needs_shellcheck
def test_missing_shellcheck_in_a_parallel_run(project, capsys, monkeypatch):
    monkeypatch.setattr(shellcheck, "find_shellcheck", lambda: None)
    code = main(["check", "--format", "json", "--exit-zero", "--no-cache", "--jobs", "2", "."])
    out, err = capsys.readouterr()
    assert code == 0
    assert err.count("shellcheck not found") == 1
    assert not [d for d in json.loads(out) if d["code"].startswith("SC")]
    assert {d["path"] for d in json.loads(out)} >= {"./a.Dockerfile"}  # the rules' findings are there


@needs_shellcheck
def test_a_failed_script_is_reported_in_a_parallel_run(project, capsys, monkeypatch, tmp_path):
    """A script ShellCheck did not answer for (here: it crashes) gives the notice naming the
    files, and is not cached; the other files are still checked."""
    real = shellcheck.find_shellcheck()
    wrapper = tmp_path / "crashes-on-date"
    wrapper.write_text(
        "#!/bin/sh\n"
        'for f; do case "$f" in *.sh) grep -q date "$f" && exit 3;; esac; done\n'
        f'exec "{real}" "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setattr(shellcheck, "find_shellcheck", lambda: str(wrapper))
    monkeypatch.setattr(shellcheck, "start_scripts", _one_process_per_script(shellcheck.start_scripts))
    code, found, err = check(capsys, "--jobs", "2", ".")
    assert code == 0
    assert "ShellCheck failed (exit code 3) on RUN bodies of ./a.Dockerfile;" in err
    assert ("b.Dockerfile", 4, 21, "SC2086") in found and ("d.Dockerfile", 2, 7, "SC2086") in found
    folder = project.parent / "cache" / f"v{cache_mod.CACHE_VERSION}"
    assert len(list(folder.glob("s-*.json"))) == 3  # not the failed one
    assert len(list(folder.glob("r-*.json"))) == 3  # not a.Dockerfile's result


def _one_process_per_script(real):
    def start_scripts(scripts, processes=None, binary=None, failed=None):
        scripts = sorted(scripts)
        return _Together([real([s], 1, binary, failed) for s in scripts])

    return start_scripts


class _Together:
    def __init__(self, runs) -> None:
        self.runs = runs

    def wait(self):
        out = {}
        for run in self.runs:
            out.update(run.wait())
        return out

    def abort(self):
        for run in self.runs:
            run.abort()


@pytest.mark.skipif(
    __import__("multiprocessing").get_start_method() != "fork", reason="the patch must reach the workers"
)
def test_an_error_in_a_worker_is_reported(project, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(commands, "_lint_files", broken)  # only the workers call it
    code = main(["check", "--no-cache", "--jobs", "2", "."])
    assert code == 3
    assert "internal error: ValueError: boom" in capsys.readouterr().err


@needs_shellcheck
def test_interrupted_parent_ends_every_shellcheck(monkeypatch):
    """^C while the parent waits for the first of its ShellCheck runs: `abort` ends the others."""
    started: list = []
    real_start_all = shellcheck._start_all

    def start_all(*args):
        started.append(real_start_all(*args))
        return started[-1]

    def interrupted(self):
        self.abort()  # what the real `wait` does on its way out
        raise KeyboardInterrupt

    monkeypatch.setattr(shellcheck, "_start_all", start_all)
    checker = commands._ParentShellCheck(1)
    checker.start(["#!/bin/sh\necho $a"])
    checker.start(["#!/bin/sh\necho $a", "#!/bin/sh\necho $b"])  # only the new one starts
    assert len(started) == 2 and all(p.handles for p in started)
    monkeypatch.setattr(shellcheck.Started, "wait", interrupted)
    with pytest.raises(KeyboardInterrupt):
        checker.answer(["#!/bin/sh\necho $a"])
    assert started[1].handles  # not waited for yet
    checker.abort()
    assert all(p.handles == [] for p in started)

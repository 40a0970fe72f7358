"""A run of one file starts ShellCheck before the rules load (`commands._prepare`,
`engine.Prepared`): the findings are those of a run that starts it after them, and a run that
turns out not to need it (a config without SC, a cached result) leaves no process or folder."""

from __future__ import annotations

import json
import os

import pytest

from dflint import commands, engine, shellcheck
from dflint.cli import main
from dflint.registry import Registry

needs_shellcheck = pytest.mark.skipif(shellcheck.find_shellcheck() is None, reason="shellcheck not installed")

DOCKERFILE = "FROM debian:12\nRUN echo $HOME && cd /tmp\nRUN apt-get install -y curl\nCMD echo $PATH\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))  # (where the scripts go: checked below)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _events(monkeypatch) -> list[str]:
    events: list[str] = []
    start, load, abort = shellcheck.start_scripts, Registry.load.__func__, engine.Prepared.abort

    def started(*args, **kwargs):
        events.append("shellcheck")
        return start(*args, **kwargs)

    def loaded(cls):
        events.append("rules")
        return load(cls)

    def aborted(self):
        events.append("taken" if self.taken else "aborted")
        return abort(self)

    monkeypatch.setattr(shellcheck, "start_scripts", started)
    monkeypatch.setattr(Registry, "load", classmethod(loaded))
    monkeypatch.setattr(engine.Prepared, "abort", aborted)
    return events


def _check(capsys, *args: str) -> list[dict]:
    assert main(["check", "--format", "json", *args, "Dockerfile"]) == 1
    return json.loads(capsys.readouterr().out)


@needs_shellcheck
def test_shellcheck_starts_before_the_rules_load_with_the_same_findings(project, capsys, monkeypatch):
    events = _events(monkeypatch)
    early = _check(capsys, "--no-cache")
    assert events == ["shellcheck", "rules", "taken"]
    assert any(d["code"].startswith("SC") for d in early)
    monkeypatch.setattr(commands, "_prepare", lambda session, args: None)
    events.clear()
    assert _check(capsys, "--no-cache") == early
    assert events == ["rules", "shellcheck"]
    assert os.listdir(project / "tmp") == []


@needs_shellcheck
def test_a_config_without_shellcheck_aborts_the_early_run(project, capsys, monkeypatch):
    (project / ".dflint.toml").write_text('ignore = ["SC"]\n')
    events = _events(monkeypatch)
    findings = _check(capsys, "--no-cache")
    assert events == ["shellcheck", "rules", "aborted"]
    assert not any(d["code"].startswith("SC") for d in findings)
    assert os.listdir(project / "tmp") == []


@needs_shellcheck
def test_a_cached_result_aborts_the_early_run(project, capsys, monkeypatch):
    cache = ["--cache-dir", str(project / "cache")]
    first = _check(capsys, *cache)
    events = _events(monkeypatch)
    assert _check(capsys, *cache) == first
    assert "taken" not in events  # the result came from the cache; ShellCheck's answers too
    assert os.listdir(project / "tmp") == []


def test_no_early_start_when_the_command_line_turns_shellcheck_off(project, capsys, monkeypatch):
    events = _events(monkeypatch)
    _check(capsys, "--no-cache", "--ignore", "SC")
    _check(capsys, "--no-cache", "--select", "DL")
    assert "shellcheck" not in events


def test_memory_folder_for_scripts_unless_tmpdir_says_otherwise(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    folder = shellcheck._make_tempdir(10)
    assert os.path.dirname(folder) == str(tmp_path)
    os.rmdir(folder)
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.delenv(name, raising=False)
    memory = shellcheck._memory_folders(10)
    folder = shellcheck._make_tempdir(10)
    try:
        assert os.path.dirname(folder) == (os.path.abspath(memory[0]) if memory else "/tmp")
    finally:
        os.rmdir(folder)
    assert shellcheck._memory_folders(1 << 50) == []  # no room: the disk's /tmp

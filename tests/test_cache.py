"""The result cache (dflint.cache): hits, every kind of miss, corrupt entries, concurrent writers,
eviction, the build context as a dependency, ShellCheck per body, and --no-cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import dflint
from dflint import cache as cache_mod
from dflint import engine
from dflint.cli import main

DOCKERFILE = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nCOPY app.py /app/\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("DFLINT_CACHE_DIR", str(tmp_path / "cache"))
    (root / ".dflint.toml").write_text('ignore = ["SC"]\n')
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / "app.py").write_text("print('hi')\n")
    return root


@pytest.fixture
def lint_calls(monkeypatch) -> list[str]:
    """The files `engine.lint` really linted (not served from the cache)."""
    calls: list[str] = []
    real = engine.lint

    def spy(source, *args, **kwargs):
        calls.append(source.path)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(engine, "lint", spy)
    return calls


def check_json(capsys, *args: str) -> tuple[int, list[dict]]:
    code = main(["check", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def entries(project: Path, kind: str = "r") -> list[Path]:
    folder = project.parent / "cache" / f"v{cache_mod.CACHE_VERSION}"
    return sorted(folder.glob(f"{kind}-*.json")) if folder.is_dir() else []


def test_second_run_is_a_hit_with_the_same_findings(project, capsys, lint_calls):
    first = check_json(capsys, "Dockerfile")
    assert lint_calls == ["Dockerfile"]
    assert first[1], "the file has findings"
    second = check_json(capsys, "Dockerfile")
    assert lint_calls == ["Dockerfile"]  # not linted again
    assert second == first
    assert len(entries(project)) == 1
    assert (project.parent / "cache" / "CACHEDIR.TAG").is_file()


def test_fixes_survive_the_cache(project, capsys):
    (project / "Dockerfile").write_text("FROM alpine:3.20\nRUN apk add \\\n\n    curl\n")
    first = check_json(capsys, "Dockerfile")
    second = check_json(capsys, "Dockerfile")
    assert second == first
    assert any(d["fix"] for d in second[1])


def test_config_change_is_a_miss(project, capsys, lint_calls):
    _, before = check_json(capsys, "Dockerfile")
    (project / ".dflint.toml").write_text('ignore = ["SC", "DL3008"]\n')
    _, after = check_json(capsys, "Dockerfile")
    assert lint_calls == ["Dockerfile", "Dockerfile"]
    assert "DL3008" in {d["code"] for d in before} and "DL3008" not in {d["code"] for d in after}
    _, again = check_json(capsys, "--ignore", "DL3009", "Dockerfile")  # a CLI flag too
    assert len(lint_calls) == 3


def test_rule_options_target_and_build_args_are_part_of_the_key(project, capsys, lint_calls):
    check_json(capsys, "Dockerfile")
    check_json(capsys, "--build-arg", "A=1", "Dockerfile")
    check_json(capsys, "--target", "0", "Dockerfile")
    (project / ".dflint.toml").write_text('ignore = ["SC"]\n[rules.DL3026]\ntrusted-registries = ["docker.io"]\n')
    check_json(capsys, "Dockerfile")
    assert len(lint_calls) == 4
    check_json(capsys, "Dockerfile")
    assert len(lint_calls) == 4


def test_content_change_is_a_miss(project, capsys, lint_calls):
    check_json(capsys, "Dockerfile")
    (project / "Dockerfile").write_text(DOCKERFILE + "USER nobody\n")
    check_json(capsys, "Dockerfile")
    assert lint_calls == ["Dockerfile", "Dockerfile"]


def test_version_or_code_change_is_a_miss(project, capsys, lint_calls, monkeypatch):
    check_json(capsys, "Dockerfile")
    monkeypatch.setattr(dflint, "__version__", "99.0.0")
    monkeypatch.setattr(cache_mod, "_CODE_FINGERPRINT", None)
    check_json(capsys, "Dockerfile")
    assert len(lint_calls) == 2
    check_json(capsys, "Dockerfile")
    assert len(lint_calls) == 2


def test_corrupt_or_partial_entries_are_misses(project, capsys, lint_calls):
    _, first = check_json(capsys, "Dockerfile")
    (entry,) = entries(project)
    for garbage in (b"", b'{"key": "', b"\xff\xfe not json", b'{"key":"other","value":{}}', b'{"key":"x"}'):
        entry.write_bytes(garbage.replace(b"x", entry.stem[2:].encode()) if garbage == b'{"key":"x"}' else garbage)
        _, again = check_json(capsys, "Dockerfile")
        assert again == first
    # a well-formed entry with nonsense inside is a miss too, not a crash
    entry.write_text(json.dumps({"key": entry.stem[2:], "value": {"deps": [], "diagnostics": [["DL3008", 1]]}}))
    assert check_json(capsys, "Dockerfile")[1] == first
    entry.write_text(json.dumps({"key": entry.stem[2:], "value": {"deps": [], "diagnostics": [
        ["DL3008", "x", "warning", "m", 0, 10**9, None]]}}))
    assert check_json(capsys, "Dockerfile")[1] == first
    assert len(lint_calls) == 8
    assert json.loads(entry.read_text())["key"] == entry.stem[2:]  # rewritten whole


def test_no_cache_reads_and_writes_nothing(project, capsys, lint_calls):
    check_json(capsys, "--no-cache", "Dockerfile")
    check_json(capsys, "--no-cache", "Dockerfile")
    assert len(lint_calls) == 2
    assert not (project.parent / "cache").exists()
    assert main(["fix", "--no-cache", "Dockerfile"]) in (0, 1)
    capsys.readouterr()
    assert not (project.parent / "cache").exists()


def test_cache_dir_from_config_and_environment(project, capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("DFLINT_CACHE_DIR")
    (project / ".dflint.toml").write_text('ignore = ["SC"]\ncache-dir = ".lintcache"\n')
    check_json(capsys, "Dockerfile")
    assert list((project / ".lintcache" / "v1").glob("r-*.json"))
    monkeypatch.setenv("DFLINT_CACHE_DIR", str(tmp_path / "env-cache"))
    check_json(capsys, "Dockerfile")
    assert list((tmp_path / "env-cache" / "v1").glob("r-*.json"))  # the environment wins
    check_json(capsys, "--cache-dir", str(tmp_path / "flag-cache"), "Dockerfile")
    assert list((tmp_path / "flag-cache" / "v1").glob("r-*.json"))  # the flag wins over both
    monkeypatch.delenv("DFLINT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_mod.default_dir() == str(tmp_path / "xdg" / "dflint")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_mod.default_dir() == os.path.join(os.path.expanduser("~"), ".cache", "dflint")


def test_internal_errors_are_never_cached(project, capsys, monkeypatch):
    from dflint.registry import Registry
    from dflint.rule import Rule, Severity

    class Boom(Rule):
        """Explodes."""

        code = "DF998"
        name = "boom-for-cache"
        severity = Severity.ERROR

        def check(self, ctx):
            raise KeyError("nope")

    monkeypatch.setattr(Registry, "_loaded", Registry([*Registry.load().rules, Boom]))
    assert main(["check", "--format", "json", "--extend-select", "DF998", "Dockerfile"]) == 3
    capsys.readouterr()
    assert entries(project) == []


def test_build_context_is_a_dependency(project, capsys, lint_calls):
    (project / "Dockerfile").write_text("FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n")
    (project / ".env").write_text("SECRET=1\n")
    _, first = check_json(capsys, "Dockerfile")
    assert "DF204" in {d["code"] for d in first}  # no .dockerignore
    check_json(capsys, "Dockerfile")
    assert len(lint_calls) == 1  # nothing changed: a hit
    (project / ".dockerignore").write_text(".env\n.git\n")
    _, second = check_json(capsys, "Dockerfile")
    assert len(lint_calls) == 2
    assert "DF204" not in {d["code"] for d in second}
    time.sleep(0.01)
    (project / ".dockerignore").write_text("")  # same size class, new content and mtime
    check_json(capsys, "Dockerfile")
    assert len(lint_calls) == 3


def test_a_copied_file_that_appears_is_a_miss(project, capsys, lint_calls):
    (project / "Dockerfile").write_text("FROM debian:12\nCOPY app.py missing.txt /app/\n")
    check_json(capsys, "Dockerfile")
    check_json(capsys, "Dockerfile")
    assert len(lint_calls) == 1
    (project / "missing.txt").write_text("now here\n")
    check_json(capsys, "Dockerfile")
    assert len(lint_calls) == 2


def test_without_tracking_a_consulting_result_is_not_cached(project, capsys, monkeypatch):
    monkeypatch.setattr(cache_mod, "_TRACKING", False)
    (project / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY . .\n")
    check_json(capsys, "Dockerfile")
    assert entries(project) == []
    (project / "Dockerfile").write_text("FROM python:3.12-slim\nUSER nobody\n")  # no context
    check_json(capsys, "Dockerfile")
    assert len(entries(project)) == 1


def test_eviction_removes_the_oldest(tmp_path):
    c = cache_mod.Cache(tmp_path / "c")
    for i in range(10):
        assert c.put("r", f"{i:064x}", {"data": "x" * 1000})
        path = Path(c._path("r", f"{i:064x}"))
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    assert c.size() > 10_000
    removed = c.prune(limit=5_000)
    assert removed >= 5
    left = sorted(p.name for p in Path(c.folder).iterdir())
    assert left and all(name >= f"r-{5:064x}" for name in left)  # the youngest are kept
    assert c.size() <= 5_000 * 3 // 4 + 1100
    assert c.get("r", f"{9:064x}") == {"data": "x" * 1000}


def test_maybe_prune_after_many_writes(tmp_path, monkeypatch):
    monkeypatch.setenv("DFLINT_CACHE_MAX_BYTES", "2000")
    c = cache_mod.Cache(tmp_path / "c")
    for i in range(cache_mod.PRUNE_AFTER_WRITES):
        c.put("r", f"{i:064x}", {"data": "y" * 100})
    c.maybe_prune()
    assert c.size() <= 2000


def test_unwritable_cache_is_only_slower(project, capsys, tmp_path, monkeypatch, lint_calls):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("DFLINT_CACHE_DIR", str(blocker))
    code, found = check_json(capsys, "Dockerfile")
    assert code == 1 and found
    check_json(capsys, "Dockerfile")
    assert len(lint_calls) == 2


WRITER = """
import sys
from dflint.cli import main
sys.exit(main(["check", "--format", "json", "--exit-zero", "--jobs", "1", *sys.argv[1:]]))
"""


def test_concurrent_writers_with_real_processes(project, tmp_path):
    for i in range(12):
        (project / f"{i}.Dockerfile").write_text(DOCKERFILE + f"LABEL n={i}\n")
    env = {**os.environ, "DFLINT_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, "."], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(6)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outputs]
    parsed = [json.loads(out) for out, _ in outputs]
    assert all(p == parsed[0] for p in parsed) and parsed[0]
    folder = tmp_path / "cache" / "v1"
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]
    for entry in folder.glob("r-*.json"):
        assert json.loads(entry.read_text())["key"] == entry.stem[2:]
    again = subprocess.run([sys.executable, "-c", WRITER, "."], cwd=project, env=env, capture_output=True, text=True)
    assert json.loads(again.stdout) == parsed[0]


def test_fix_uses_the_cache_when_nothing_is_to_fix(project, capsys, lint_calls):
    assert main(["fix", "Dockerfile"]) in (0, 1)  # fixes what it can, stores the result
    capsys.readouterr()
    linted = len(lint_calls)
    assert main(["fix", "Dockerfile"]) in (0, 1)
    first = capsys.readouterr()
    assert len(lint_calls) == linted  # nothing left to fix: the cached findings are reported
    assert main(["fix", "--no-cache", "Dockerfile"]) in (0, 1)
    assert capsys.readouterr().out == first.out


def test_fix_result_is_stored_for_the_written_file(project, capsys, lint_calls):
    (project / "Dockerfile").write_text("FROM alpine:3.20\nRUN apk add \\\n\n    curl\n")
    main(["fix", "Dockerfile"])
    capsys.readouterr()
    linted = len(lint_calls)
    _, found = check_json(capsys, "Dockerfile")
    assert len(lint_calls) == linted  # the fixed file's findings came from the cache
    assert "DF002" not in {d["code"] for d in found}


needs_shellcheck = pytest.mark.skipif(
    __import__("dflint.shellcheck", fromlist=["x"]).find_shellcheck() is None, reason="shellcheck not installed"
)


@needs_shellcheck
def test_shellcheck_results_are_cached_per_body(project, capsys, monkeypatch):
    from dflint import shellcheck

    (project / ".dflint.toml").write_text("")
    text = "FROM debian:12\nRUN echo $A\nRUN echo $B\nRUN echo $C\n"
    (project / "Dockerfile").write_text(text)
    checked: list[list[str]] = []
    real = shellcheck.start  # what `shellcheck.run` calls too (a one-file check starts it early)

    def spy(jobs, *args, **kwargs):
        checked.append(sorted({j.body for j in jobs}))
        return real(jobs, *args, **kwargs)

    monkeypatch.setattr(shellcheck, "start", spy)
    _, first = check_json(capsys, "--select", "SC", "Dockerfile")
    assert checked == [["echo $A", "echo $B", "echo $C"]]
    assert [d["code"] for d in first] == ["SC2086"] * 3
    (project / "Dockerfile").write_text(text.replace("echo $B", "echo $D"))
    _, second = check_json(capsys, "--select", "SC", "Dockerfile")
    assert checked[1] == ["echo $D"]  # only the edited RUN went to ShellCheck
    assert [(d["code"], d["line"]) for d in second] == [("SC2086", 2), ("SC2086", 3), ("SC2086", 4)]
    assert len(entries(project, "s")) == 4


@needs_shellcheck
def test_shellcheck_failure_is_not_cached(project, capsys, monkeypatch):
    from dflint import shellcheck

    (project / ".dflint.toml").write_text("")
    (project / "Dockerfile").write_text("FROM debian:12\nRUN echo $A\n")

    class Broken:  # `shellcheck.start` whose processes all fail (`shellcheck.run` calls it too)
        def __init__(self, jobs, processes=None, binary=None, failed=None):
            self.jobs, self.failed = jobs, failed

        def wait(self):
            if self.failed is not None:
                self.failed.update(j.script for j in self.jobs)
            return {j.script: [] for j in self.jobs}

        def abort(self):
            pass

    monkeypatch.setattr(shellcheck, "start", Broken)
    check_json(capsys, "--select", "SC", "Dockerfile")
    assert entries(project, "s") == [] and entries(project) == []

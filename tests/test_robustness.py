"""Bad input, `fix` under faults and pathological inputs, each through the real command line.

Every case checks the same contract: one clear line that names the file and the problem (no
traceback), the right exit code (0 clean, 1 findings, 2 input or configuration error, 3 internal
error), and every other file of the run still linted. Cases dflint does not handle yet are
``xfail(strict=True)`` with the reason, so they turn into failures (XPASS) the day they are fixed.

Most tests run ``python -m dflint`` in a subprocess (fresh registry, real stdin/stdout, real exit
code); the fault-injection ones call `dflint.cli.main` in-process so that they can monkeypatch
the write path.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dflint.cli import main

# A file with one DF002 finding (an empty line inside a continuation) and a safe fix for it.
EMPTY_CONT = "FROM alpine:3.20\nRUN apk add \\\n\n    curl\n"
FIXED = "FROM alpine:3.20\nRUN apk add \\\n    curl\n"
CLEAN = "FROM alpine:3.20\nRUN apk add curl\n"
# The root config keeps configs above tmp_path out and the rule set small and fixed.
ROOT_CONFIG = 'select = ["DF002"]\n'
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Runs here never read or fill the user's result cache."""
    monkeypatch.setenv("DFLINT_CACHE_DIR", str(tmp_path_factory.mktemp("dflint-cache")))


@pytest.fixture
def proj(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / ".dflint.toml").write_text(ROOT_CONFIG)
    good = tmp_path / "good"
    good.mkdir()
    (good / "Dockerfile").write_text(EMPTY_CONT)
    return tmp_path


def dflint(*args: str, cwd: Path, timeout: float = 120, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    environ = {**os.environ, "NO_COLOR": "1", **(env or {})}
    kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run(
        [sys.executable, "-m", "dflint", *args],
        cwd=cwd, env=environ, capture_output=True, text=True, timeout=timeout, **kw,
    )


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("dflint: error:")]


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("dflint: warning:")]


def assert_clean_failure(result: subprocess.CompletedProcess, code: int, *words: str) -> None:
    """Exit `code`; no traceback; exactly one error line, holding every one of `words`."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = errors(result.stderr)
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    assert result.returncode == code, (result.returncode, result.stderr)


def assert_good_linted(result: subprocess.CompletedProcess) -> None:
    """The other file of the run (good/Dockerfile) was linted: its DF002 is in the report."""
    assert "good/Dockerfile:3:1: DF002" in result.stdout, (result.stdout, result.stderr)


# -- bad input ------------------------------------------------------------------------------


def test_missing_path(proj: Path):
    r = dflint("check", "--format", "concise", "nope/Dockerfile", "good/Dockerfile", cwd=proj)
    assert_clean_failure(r, 2, "nope/Dockerfile", "no such file")
    assert_good_linted(r)


def test_directory_without_dockerfiles(proj: Path):
    (proj / "docs").mkdir()
    (proj / "docs" / "README.md").write_text("# not a Dockerfile\n")
    r = dflint("check", "--format", "concise", "docs", "good", cwd=proj)
    assert_clean_failure(r, 2, "docs", "no Dockerfiles")
    assert_good_linted(r)


def test_binary_file(proj: Path):
    (proj / "bin.Dockerfile").write_bytes(b"FROM alpine\x00\x01\x02\xff\nRUN x\n")
    r = dflint("check", "--format", "concise", "bin.Dockerfile", "good/Dockerfile", cwd=proj)
    assert_clean_failure(r, 2, "bin.Dockerfile", "binary")
    assert_good_linted(r)


LATIN1 = "FROM alpine:3.20\nLABEL maintainer=\"Jos\xe9 M\xfcller\"\nRUN echo caf\xe9 \\\n\n    na\xefve\n".encode("latin-1")


def test_latin1_file_is_linted(proj: Path):
    (proj / "latin1.Dockerfile").write_bytes(LATIN1)
    r = dflint("check", "--format", "concise", "latin1.Dockerfile", "good/Dockerfile", cwd=proj)
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == 1, r.stderr
    assert "latin1.Dockerfile:4:1: DF002" in r.stdout  # positions are right after the bad bytes
    assert_good_linted(r)


def test_latin1_file_warns_once(proj: Path):
    (proj / "latin1.Dockerfile").write_bytes(LATIN1)
    r = dflint("check", "--format", "concise", "latin1.Dockerfile", "good/Dockerfile", cwd=proj)
    lines = [line for line in r.stderr.splitlines() if "latin1.Dockerfile" in line]
    assert len(lines) == 1 and "utf-8" in lines[0].lower(), r.stderr
    assert r.returncode == 1


@pytest.mark.parametrize("content", ["", "\n\n   \n", "# only a comment\n"], ids=["empty", "blank", "comment"])
def test_empty_file(proj: Path, content: str):
    (proj / "empty.Dockerfile").write_text(content)
    r = dflint("check", "--format", "concise", "--extend-select", "DF001", "empty.Dockerfile", "good/Dockerfile",
               cwd=proj)
    assert "Traceback" not in r.stderr, r.stderr
    # BuildKit refuses a Dockerfile without instructions: one DF001 finding that names the file
    found = [line for line in r.stdout.splitlines() if line.startswith("empty.Dockerfile")]
    assert len(found) == 1 and "DF001" in found[0], r.stdout
    assert r.returncode == 1
    assert_good_linted(r)


def test_syntax_error_is_reported_whatever_the_selection(proj: Path):
    (proj / "empty.Dockerfile").write_text("")
    (proj / "broken.Dockerfile").write_text("FROM alpine:3.20\nRUN --mount=type=cache echo\nFOO bar\n")
    r = dflint("check", "--format", "concise", "--select", "DL3008", "empty.Dockerfile", "broken.Dockerfile", cwd=proj)
    assert "empty.Dockerfile:1:1: DF001" in r.stdout and "broken.Dockerfile:3:1: DF001" in r.stdout, r.stdout
    assert r.returncode == 1


def test_50mb_file_does_not_hang(proj: Path):
    line = "# " + "x" * 76 + "\n"
    with open(proj / "big.Dockerfile", "w") as fh:
        fh.write("FROM alpine:3.20\nRUN apk add \\\n\n    curl\n")
        fh.write(line * (50_000_000 // len(line)))
        fh.write("RUN echo done\n")
    r = dflint("check", "--format", "concise", "--ignore", "SC", "big.Dockerfile", "good/Dockerfile",
               cwd=proj, timeout=900)
    assert "Traceback" not in r.stderr, r.stderr
    if r.returncode == 2:  # refused by a size limit: the error must say so and name the file
        assert_clean_failure(r, 2, "big.Dockerfile")
        assert any(w in errors(r.stderr)[0].lower() for w in ("size", "limit", "large")), r.stderr
    else:
        assert r.returncode == 1, r.stderr
        assert "big.Dockerfile:3:1: DF002" in r.stdout
    assert_good_linted(r)


@pytest.mark.skipif(IS_ROOT, reason="root can read any file, so permissions cannot make one unreadable")
def test_unreadable_file(proj: Path):
    p = proj / "secret.Dockerfile"
    p.write_text(EMPTY_CONT)
    p.chmod(0)
    try:
        r = dflint("check", "--format", "concise", "secret.Dockerfile", "good/Dockerfile", cwd=proj)
    finally:
        p.chmod(0o644)
    assert_clean_failure(r, 2, "secret.Dockerfile", "permission denied")
    assert_good_linted(r)


def test_unreadable_file_simulated(proj: Path, monkeypatch, capsys):
    """The same as test_unreadable_file, runnable as root: open() raises EACCES for one file."""
    import builtins

    import dflint.files

    real_open = builtins.open

    def fake_open(path, *args, **kwargs):
        if str(path).endswith("secret.Dockerfile"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    (proj / "secret.Dockerfile").write_text(EMPTY_CONT)
    monkeypatch.setattr(dflint.files, "open", fake_open, raising=False)
    code = main(["check", "--format", "concise", "secret.Dockerfile", "good/Dockerfile"])
    out, err = capsys.readouterr()
    lines = errors(err)
    assert len(lines) == 1 and "secret.Dockerfile" in lines[0] and "permission denied" in lines[0].lower(), err
    assert "good/Dockerfile:3:1: DF002" in out
    assert code == 2


def test_file_deleted_during_the_run(proj: Path, monkeypatch, capsys):
    """Discovered, then gone before it is read (a branch switch, a build cleaning up)."""
    import dflint.files

    (proj / "gone").mkdir()
    (proj / "gone" / "Dockerfile").write_text(EMPTY_CONT)
    real_read = dflint.files.read

    def read(path):
        if "gone" in str(path):
            os.unlink(path)
        return real_read(path)

    monkeypatch.setattr(dflint.files, "read", read)
    code = main(["check", "--format", "concise", "gone", "good"])
    out, err = capsys.readouterr()
    lines = errors(err)
    assert len(lines) == 1 and "gone/Dockerfile" in lines[0] and "no such file" in lines[0], err
    assert "good/Dockerfile:3:1: DF002" in out
    assert code == 2


def test_symlink_loop(proj: Path):
    os.symlink("loop-b", proj / "loop-a")
    os.symlink("loop-a", proj / "loop-b")
    os.symlink("loop-a", proj / "loop.Dockerfile")
    r = dflint("check", "--format", "concise", "loop.Dockerfile", "good/Dockerfile", cwd=proj)
    assert_clean_failure(r, 2, "loop.Dockerfile")
    assert_good_linted(r)


def test_symlink_loop_is_named(proj: Path):
    os.symlink("loop-b", proj / "loop-a")
    os.symlink("loop-a", proj / "loop-b")
    os.symlink("loop-a", proj / "loop.Dockerfile")
    r = dflint("check", "--format", "concise", "loop.Dockerfile", "good/Dockerfile", cwd=proj)
    line = errors(r.stderr)[0].lower()
    assert "loop" in line.replace("loop.dockerfile", "") or "too many levels of symbolic links" in line, line


def test_symlinked_folder_loop_in_a_walk(proj: Path):
    (proj / "tree").mkdir()
    (proj / "tree" / "Dockerfile").write_text(EMPTY_CONT)
    os.symlink("..", proj / "tree" / "up")  # tree/up/tree/up/... never ends if followed
    r = dflint("check", "--format", "concise", "tree", "good", cwd=proj, timeout=60)
    assert "Traceback" not in r.stderr
    assert r.returncode == 1, r.stderr
    assert r.stdout.count("tree/Dockerfile:3:1: DF002") == 1, r.stdout
    assert_good_linted(r)


def test_fifo_does_not_block(proj: Path):
    os.mkfifo(proj / "pipe.Dockerfile")
    try:
        r = dflint("check", "--format", "concise", "pipe.Dockerfile", "good/Dockerfile", cwd=proj, timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("dflint blocked on a FIFO")
    assert_clean_failure(r, 2, "pipe.Dockerfile", "not a regular file")
    assert_good_linted(r)


def _close_stdin() -> None:
    os.close(0)


def test_stdin_closed(proj: Path):
    r = dflint("check", "--format", "concise", "-", "good/Dockerfile", cwd=proj, stdin=None, preexec_fn=_close_stdin)
    assert_clean_failure(r, 2, "stdin")
    assert_good_linted(r)


def test_stdin_closed_when_not_read(proj: Path):
    r = dflint("check", "--format", "concise", "good/Dockerfile", cwd=proj, stdin=None, preexec_fn=_close_stdin)
    assert "Traceback" not in r.stderr
    assert r.returncode == 1
    assert_good_linted(r)


# -- configuration --------------------------------------------------------------------------

BAD_CONFIGS = {
    "invalid-toml": ('select = ["DF002"\n', ("invalid toml",)),
    "misspelled-key": ('selct = ["DF002"]\n', ("selct", "select")),
    "wrong-type": ('select = "DF002"\n', ("select", "list")),
    "wrong-type-target": ("target = 3\n", ("target", "string")),
    "unknown-rule": ('select = ["DF9999"]\n', ("DF9999",)),
}


@pytest.mark.parametrize("name", BAD_CONFIGS)
def test_bad_config_is_one_clear_error(proj: Path, name: str):
    text, words = BAD_CONFIGS[name]
    (proj / "sub").mkdir()
    (proj / "sub" / ".dflint.toml").write_text(text)
    (proj / "sub" / "Dockerfile").write_text(EMPTY_CONT)
    r = dflint("check", "--format", "concise", "sub/Dockerfile", cwd=proj)
    assert_clean_failure(r, 2, "sub/.dflint.toml", *words)


@pytest.mark.parametrize("name", ["invalid-toml", "misspelled-key", "wrong-type"])
def test_bad_config_does_not_stop_other_files(proj: Path, name: str):
    text, _ = BAD_CONFIGS[name]
    (proj / "sub").mkdir()
    (proj / "sub" / ".dflint.toml").write_text(text)
    (proj / "sub" / "Dockerfile").write_text(EMPTY_CONT)
    r = dflint("check", "--format", "concise", "sub/Dockerfile", "good/Dockerfile", cwd=proj)
    assert_clean_failure(r, 2, "sub/.dflint.toml")
    assert_good_linted(r)


def test_explicit_config_that_is_missing(proj: Path):
    r = dflint("check", "--format", "concise", "--config", "nope.toml", "good/Dockerfile", cwd=proj)
    assert_clean_failure(r, 2, "nope.toml")


def test_rule_option_of_wrong_type(proj: Path):
    (proj / "sub").mkdir()
    (proj / "sub" / ".dflint.toml").write_text('select = ["DL3026"]\n[rules.DL3026]\ntrusted-registries = 5\n')
    (proj / "sub" / "Dockerfile").write_text("FROM alpine:3.20\n")
    r = dflint("check", "--format", "concise", "sub/Dockerfile", cwd=proj)
    assert_clean_failure(r, 2, "sub/.dflint.toml", "trusted-registries")


# -- plugins --------------------------------------------------------------------------------


def _plugin(site: Path, dist: str, module: str, source: str) -> dict:
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[dflint.rules]\n{dist} = {module}\n")
    (site / f"{module}.py").write_text(source)
    return {"PYTHONPATH": str(site)}


def test_plugin_that_fails_to_import(proj: Path):
    env = _plugin(proj / "site", "brokenplugin", "broken_plugin_mod", "raise ImportError('missing dependency xyz')\n")
    (proj / "other.Dockerfile").write_text(EMPTY_CONT)
    r = dflint("check", "--format", "concise", "good/Dockerfile", "other.Dockerfile", cwd=proj, env=env)
    assert "Traceback" not in r.stderr
    lines = warnings(r.stderr)
    assert len(lines) == 1 and "brokenplugin" in lines[0] and "missing dependency xyz" in lines[0], r.stderr
    assert r.returncode == 1
    assert_good_linted(r)
    assert "other.Dockerfile:3:1: DF002" in r.stdout


RAISING_PLUGIN = '''
from dflint.rule import Rule, Severity


class Explodes(Rule):
    """Raises on every file."""

    code = "XP100"
    name = "explodes"
    severity = Severity.WARNING

    def check(self, ctx):
        raise ZeroDivisionError("plugin bug")
        yield
'''


def test_plugin_that_raises_in_check(proj: Path):
    env = _plugin(proj / "site", "explodingplugin", "exploding_plugin_mod", RAISING_PLUGIN)
    (proj / "other.Dockerfile").write_text(EMPTY_CONT)
    r = dflint("check", "--format", "concise", "--extend-select", "XP100", "good/Dockerfile", "other.Dockerfile",
               cwd=proj, env=env)
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == 3, r.stderr  # an internal error: a bug in a plugin
    for name in ("good/Dockerfile", "other.Dockerfile"):
        internal = [line for line in r.stdout.splitlines() if line.startswith(name) and "DF000" in line]
        assert len(internal) == 1 and "XP100" in internal[0] and "ZeroDivisionError" in internal[0], r.stdout
        assert f"{name}:3:1: DF002" in r.stdout  # the other rules still ran


# -- fix under faults -----------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".dflint-")]


def test_fix_keeps_crlf_and_bom(proj: Path):
    p = proj / "good" / "Dockerfile"
    p.write_bytes(b"\xef\xbb\xbf" + EMPTY_CONT.replace("\n", "\r\n").encode())
    r = dflint("fix", "good/Dockerfile", cwd=proj)
    assert r.returncode == 0, r.stderr
    assert p.read_bytes() == b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode()


def test_fix_keeps_mode_0600(proj: Path):
    p = proj / "good" / "Dockerfile"
    p.chmod(0o600)
    r = dflint("fix", "good/Dockerfile", cwd=proj)
    assert r.returncode == 0, r.stderr
    assert p.read_text() == FIXED
    assert stat.S_IMODE(p.stat().st_mode) == 0o600


def test_fix_writes_through_a_symlink(proj: Path):
    link = proj / "link.Dockerfile"
    os.symlink("good/Dockerfile", link)
    r = dflint("fix", "link.Dockerfile", cwd=proj)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and (proj / "good" / "Dockerfile").read_text() == FIXED


def test_fix_read_only_file(proj: Path):
    """Never lost or truncated, mode kept. (As root, the file is fixed: root may write it.)"""
    p = proj / "good" / "Dockerfile"
    p.chmod(0o444)
    try:
        r = dflint("fix", "good/Dockerfile", cwd=proj)
        content, mode = p.read_text(), stat.S_IMODE(p.stat().st_mode)
    finally:
        p.chmod(0o644)
    assert "Traceback" not in r.stderr
    assert content in (EMPTY_CONT, FIXED)
    assert mode == 0o444
    assert r.returncode in (0, 2), r.stderr
    assert _leftovers(proj / "good") == []


@pytest.mark.skipif(IS_ROOT, reason="root may write a read-only file")
def test_fix_refuses_a_read_only_file(proj: Path):
    p = proj / "good" / "Dockerfile"
    p.chmod(0o444)
    try:
        r = dflint("fix", "good/Dockerfile", cwd=proj)
        content = p.read_text()
    finally:
        p.chmod(0o644)
    assert content == EMPTY_CONT
    assert_clean_failure(r, 2, "good/Dockerfile", "read-only")


class _FullDisk:
    """A file object whose writes fail as on a full disk."""

    def __init__(self, fh) -> None:
        self.fh = fh

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.fh.close()

    def write(self, data) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        return self.fh.fileno()


def _full_disk(monkeypatch) -> None:
    real = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: _FullDisk(real(fd, *a, **k)))


def _no_temp_file(monkeypatch) -> None:
    def mkstemp(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


FAULTS = {"full-disk": _full_disk, "read-only-folder": _no_temp_file}


@pytest.mark.parametrize("fault", FAULTS)
def test_fix_failed_write_keeps_the_original(proj: Path, monkeypatch, capsys, fault: str):
    FAULTS[fault](monkeypatch)
    p = proj / "good" / "Dockerfile"
    p.chmod(0o640)
    code = main(["fix", "good/Dockerfile"])
    _, err = capsys.readouterr()
    assert p.read_text() == EMPTY_CONT  # untouched, not truncated
    assert stat.S_IMODE(p.stat().st_mode) == 0o640
    assert _leftovers(proj / "good") == []  # the temporary file is gone
    assert code != 0 and "Traceback" not in err


@pytest.mark.parametrize("fault", FAULTS)
def test_fix_failed_write_is_one_clear_error(proj: Path, monkeypatch, capsys, fault: str):
    FAULTS[fault](monkeypatch)
    (proj / "other.Dockerfile").write_text(EMPTY_CONT.replace("curl", "git"))
    code = main(["fix", "good/Dockerfile", "other.Dockerfile"])
    _, err = capsys.readouterr()
    lines = errors(err)
    assert len(lines) == 2, err  # one per file, and the second file was tried too
    assert "good/Dockerfile" in lines[0] and "internal error" not in lines[0], err
    assert code == 2


def test_fix_file_changed_between_read_and_write(proj: Path, monkeypatch, capsys):
    import dflint.engine

    p = proj / "good" / "Dockerfile"
    real_fix = dflint.engine.fix
    edited = "FROM alpine:3.20\n# edited by someone else meanwhile\n"

    def fix(source, *args, **kwargs):
        outcome = real_fix(source, *args, **kwargs)
        p.write_text(edited)
        return outcome

    monkeypatch.setattr(dflint.engine, "fix", fix)
    code = main(["fix", "good/Dockerfile"])
    _, err = capsys.readouterr()
    assert p.read_text() == edited  # their change is kept, ours is not forced over it
    lines = errors(err)
    assert len(lines) == 1 and "good/Dockerfile" in lines[0] and "changed" in lines[0], err
    assert code == 2
    assert _leftovers(proj / "good") == []


# -- pathological inputs: no hang, no recursion error ---------------------------------------

PATHOLOGICAL = {
    "long-line": lambda: "FROM alpine:3.20\nRUN " + " && ".join(f"echo step{i} >> /tmp/log" for i in range(4200)) + "\n",
    "nested-substitutions": lambda: "FROM alpine:3.20\nRUN echo " + "$(echo " * 10_000 + "x" + ")" * 10_000 + "\n",
    "heredoc-100k-lines": lambda: "FROM alpine:3.20\nRUN <<EOF\nset -e\n"
    + "".join(f"echo line {i} >> /tmp/out\n" for i in range(100_000)) + "EOF\n",
    "1000-stages": lambda: "FROM alpine:3.20 AS s0\nRUN echo 0 > /f0\n"
    + "".join(f"FROM alpine:3.20 AS s{i}\nCOPY --from=s{i - 1} /f{i - 1} /f{i - 1}\nRUN cat /f{i - 1} > /f{i}\n"
              for i in range(1, 1000)),
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_input_finishes(proj: Path, name: str):
    """A guard against hangs and recursion limits only (generous timeout); the benchmark
    (benchmarks/compare_speed.py, section e) measures the time against its 10 s target."""
    (proj / "p.Dockerfile").write_text(PATHOLOGICAL[name]())
    r = dflint("check", "--isolated", "--format", "concise", "--ignore", "SC", "p.Dockerfile", cwd=proj, timeout=600)
    assert "Traceback" not in r.stderr and "RecursionError" not in r.stdout + r.stderr, r.stderr[-2000:]
    assert "DF000" not in r.stdout, [line for line in r.stdout.splitlines() if "DF000" in line]
    assert r.returncode in (0, 1), r.stderr

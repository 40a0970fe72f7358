"""The pre-commit hooks (.pre-commit-hooks.yaml), run by the real pre-commit.

`pre-commit try-repo PATH` installs the hooks repository at PATH into a fresh virtualenv (pip
install of the repository, dependencies from PyPI) and runs its hooks on the current git
repository. With a local path it uses PATH's HEAD commit; uncommitted changes to tracked files
are added through a temporary "shadow" commit, but untracked files are not (pre-commit's
`try_repo._repo_ref` runs ``git add -u``). So that the test always runs the working tree as it
is (new, not yet committed modules included), it commits a snapshot of the working tree (every
tracked or untracked, not ignored file, as ``git ls-files --cached --others --exclude-standard``
lists them) to a temporary repository and gives pre-commit that one.

The slow part is pre-commit building the hook environment (a virtualenv plus dflint's
dependencies from PyPI: 15-25 s with a warm pip cache). try-repo builds it in a temporary store
on every call (PRE_COMMIT_HOME does not help), so the test makes two calls, each running both
hooks, and reads each hook's exit code from ``--verbose`` output. Skipped, with the reason, when
git or pre-commit is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dflint.files import is_dockerfile

ROOT = Path(__file__).resolve().parent.parent
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"

BAD = "FROM alpine:3.20\nRUN apk add \\\n\n    curl\n"
FIXED = "FROM alpine:3.20\nRUN apk add \\\n    curl\n"


def _hooks() -> dict[str, dict]:
    return {hook["id"]: hook for hook in yaml.safe_load(HOOKS_FILE.read_text("utf-8"))}


def _pre_commit() -> str | None:
    beside = Path(sys.executable).parent / "pre-commit"
    return str(beside) if beside.exists() else shutil.which("pre-commit")


# ------------------------------------------------------------------------------------------
# The hooks file (no pre-commit needed)


def test_hooks_file_declares_both_hooks():
    hooks = _hooks()
    assert set(hooks) == {"dflint", "dflint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert "--force-exclude" in hook["entry"].split() + hook.get("args", [])
    assert hooks["dflint"]["entry"].split()[:2] == ["dflint", "check"]
    assert hooks["dflint-fix"]["entry"].split()[:2] == ["dflint", "fix"]
    assert "--exit-non-zero-on-fix" in hooks["dflint-fix"]["entry"].split()


@pytest.mark.parametrize(
    "path",
    [
        "Dockerfile", "dockerfile", "DOCKERFILE", "sub/dir/Dockerfile", "Containerfile",
        "x/Containerfile.dev", "app.Dockerfile", "deep/app.dockerfile", "Dockerfile.prod",
        "a/Dockerfile.build.arm64", "Containerfile.prod",
        # never
        ".dockerignore", "Dockerfile.dockerignore", "app.Dockerfile.dockerignore",
        "README.md", "Dockerfiles/x", "notDockerfile", "DockerfileX", "docker/compose.yaml",
        "Dockerfile/inner.txt",
    ],
)
def test_files_pattern_agrees_with_dflints_own_discovery(path: str):
    for hook in _hooks().values():
        included = re.search(hook["files"], path) is not None and re.search(hook["exclude"], path) is None
        assert included == is_dockerfile(path.rsplit("/", 1)[-1]), (hook["id"], path)


# ------------------------------------------------------------------------------------------
# The real pre-commit


def _git(*args: str, cwd: Path) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "dflint tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
        "GIT_COMMITTER_NAME": "dflint tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    }
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return proc.stdout


def _snapshot(dest: Path) -> None:
    """Commit the working tree of this repository (tracked and untracked, not ignored) to a new
    repository at `dest`."""
    listing = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    dest.mkdir()
    for name in sorted(set(filter(None, listing.split("\0")))):
        src = ROOT / name
        if not src.is_file():  # deleted in the working tree, or a submodule
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    _git("init", "-q", cwd=dest)
    _git("add", "-A", cwd=dest)
    _git("commit", "-q", "--no-verify", "-m", "snapshot of the working tree", cwd=dest)


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if _pre_commit() is None:
        pytest.skip("pre-commit is not installed (it is in the `test` extra)")
    base = tmp_path_factory.mktemp("precommit")
    _snapshot(base / "dflint")
    # PRE_COMMIT_HOME: nothing lands in the user's ~/.cache/pre-commit
    env = {**os.environ, "PRE_COMMIT_HOME": str(base / "cache"), "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never"}
    env.pop("DFLINT_FORMAT", None)
    return base / "dflint", env


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repository with bad Dockerfiles, one of them excluded by the config."""
    files = {
        ".dflint.toml": 'select = ["DF002"]\nexclude = ["vendor"]\n',
        "Dockerfile": BAD,
        "services/api/app.dockerfile": BAD,
        "vendor/Dockerfile": BAD,  # excluded by the config: --force-exclude must skip it
        "build.dockerignore": BAD,  # not a Dockerfile: the files pattern must skip it
        "README.md": "not a Dockerfile\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    _git("init", "-q", cwd=tmp_path)
    _git("add", "-A", cwd=tmp_path)
    _git("commit", "-q", "-m", "bad Dockerfiles", cwd=tmp_path)
    return tmp_path


def _try_repo(repo: Path, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run every hook of `repo` on every file of `cwd` (``--verbose``: each hook's exit code)."""
    proc = subprocess.run(
        [_pre_commit(), "try-repo", str(repo), "--all-files", "--verbose"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
    )
    return proc.returncode, proc.stdout + proc.stderr


def _hook_reports(output: str) -> dict[str, str]:
    """Each failing hook's part of pre-commit's output, by hook id."""
    parts = re.split(r"^(?=\S.*\.{3,}(?:Passed|Failed|Skipped)\s*$)", output, flags=re.M)
    reports = {}
    for part in parts:
        m = re.search(r"^- hook id: (\S+)$", part, flags=re.M)
        if m:
            reports[m.group(1)] = part
    return reports


def test_try_repo_runs_both_hooks(hooks_repo, project: Path):
    """One try-repo run of both hooks (one environment install: try-repo builds a fresh one every
    time, in its own temporary store), then a second run on the fixed files."""
    repo, env = hooks_repo

    code, out = _try_repo(repo, project, env)
    assert code == 1, out
    hooks = _hook_reports(out)
    check, fix = hooks["dflint"], hooks["dflint-fix"]
    # the check hook runs first (hooks file order): it reports, exits 1, and changes nothing
    assert "Failed" in check and "- exit code: 1" in check, out
    assert "files were modified" not in check, out
    assert "Dockerfile:3:1: DF002" in check and "services/api/app.dockerfile:3:1: DF002" in check, out
    assert "vendor/Dockerfile" not in out and "build.dockerignore" not in out, out
    # the fix hook rewrites the files and fails, as pre-commit expects of a fixer
    assert "Failed" in fix and "- exit code: 1" in fix and "- files were modified by this hook" in fix, out
    assert (project / "Dockerfile").read_text() == FIXED
    assert (project / "services/api/app.dockerfile").read_text() == FIXED
    assert (project / "vendor/Dockerfile").read_text() == BAD
    assert (project / "build.dockerignore").read_text() == BAD

    code, out = _try_repo(repo, project, env)  # nothing left to fix or report
    assert code == 0, out
    assert re.search(r"^dflint\.{3,}Passed", out, flags=re.M), out
    assert re.search(r"^dflint \(fix\)\.{3,}Passed", out, flags=re.M), out

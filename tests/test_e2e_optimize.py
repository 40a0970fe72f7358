"""End to end: the multi-stage rewrites of examples/, built and run with a real Docker engine.

For every example that builds offline here (Debian packages, PyPI and npm only, on a local
``debian:bookworm-slim``), the original Dockerfile and its golden rewrite
(`Dockerfile.optimized`, which tests/test_optimize.py keeps equal to `dflint fix
--unsafe-fixes`) are built; both containers run the same way and must give the same output (for
a server, the same HTTP response to the same requests); the rewritten image must be smaller and
hold no compiler (gcc, cc, go, cargo, rustc, javac, tsc) and no sources or intermediates (*.go,
*.rs, *.c, *.ts, a Rust target/ folder beyond the binary, node devDependencies) anywhere in its
file system (`docker export` listing). A table (example, size before, size after, reduction) is
written to `e2e-results.md` (or $DFLINT_E2E_RESULTS) and printed.

The engine: Debian's docker client (/usr/bin/docker, with the engine's built-in BuildKit). When
no engine answers and this is root, scripts/docker-e2e-setup.sh installs docker.io and
debootstrap, starts dockerd (stopped again at the end) and imports the base image, cached in
~/.cache/dflint-e2e. With no engine and no root, every test here is skipped with the reason.
They run in CI ($CI set), with `pytest -m e2e` or with DFLINT_E2E=1; a plain local `pytest`
skips them with that reason (a cold run takes ~25 min on 2 cores). An example whose rewrite is
known to be wrong (KNOWN_BROKEN, an optimizer problem) is a strict xfail.
Builds share the base image and Docker's build cache: the rewrite's build stage is the original's
instructions, so only its runtime stage is new work.
"""

from __future__ import annotations

import json
import os
import re
import signal
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
DOCKER = "/usr/bin/docker"
SETUP = ROOT / "scripts" / "docker-e2e-setup.sh"
RESULTS = Path(os.environ.get("DFLINT_E2E_RESULTS", ROOT / "e2e-results.md"))
COMPILERS = frozenset("gcc cc g++ c++ go cargo rustc javac tsc".split())
SOURCES = (".go", ".rs", ".c", ".ts", ".cpp", ".cxx", ".cc", ".java")
BUILD_TIMEOUT = 900


@dataclass(frozen=True)
class Http:
    """Run detached; GET each path on the container's address; compare status and body."""

    port: int
    paths: tuple[str, ...] = ("/",)


@dataclass(frozen=True)
class Stdin:
    """Run with `input` on stdin and `args`; compare stdout and the exit code."""

    input: bytes
    args: tuple[str, ...] = ()


# example -> how its container is run; every example here builds offline
EXAMPLES: dict[str, object] = {
    "go-hello": Http(8080, ("/", "/?name=e2e")),
    "node-web": Http(3000, ("/", "/?name=e2e")),
    "rust-http": Http(7878, ("/", "/missing")),
    "c-zpipe": Stdin(b"the quick brown fox jumps over the lazy dog\n" * 200),
    "cpp-sqlite": Stdin(b"create table t(a, b); insert into t values (1, 'x'), (2, NULL);\n"
                        b"select a, b, a * 10 as c from t; select sqlite_version() as v;\n"),
    "java-http": Http(8080, ("/", "/?name=e2e")),
    "python-pg": Http(8000, ("/",)),
    "go-wiki": Http(8080, ("/", "/edit/FrontPage", "/view/NoSuchPage")),
    "c-curl": Stdin(b""),
    "rust-minigrep": Stdin(b""),
    "cpp-cmake-tutorial": Stdin(b"", ("2", "81", "1e6")),
    "python-flaskr": Http(5000, ("/", "/1", "/2")),
    "node-express": Http(3000, ("/", "/api/greeting?name=e2e", "/static/hello.txt", "/static/missing")),
}

# example -> why its rewrite is known not to work yet (an optimizer problem, reported). The test
# is a strict xfail: once the optimizer and the regenerated golden are right it passes, and
# strictness turns that into a failure until the entry is removed here.
KNOWN_BROKEN: dict[str, str] = {}

# text that differs between two runs of the same program (a start time)
_VOLATILE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def _docker(*args: str, timeout: float = 120, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    proc = subprocess.run([DOCKER, *args], capture_output=True, timeout=timeout, input=input, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stderr.decode(errors='replace')[-4000:]}")
    return proc


def _engine_up() -> bool:
    if not os.path.exists(DOCKER):
        return False
    try:
        return subprocess.run([DOCKER, "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _skip_unless_asked(config) -> None:
    """The builds take ~25 min cold on 2 cores: they run in CI ($CI set, as `.ci/run` is run),
    with `-m e2e`, or with DFLINT_E2E=1; a plain local `pytest` skips them, saying how to run
    them (so a developer's full-suite run does not start an engine and build two dozen images)."""
    if os.environ.get("CI") or os.environ.get("DFLINT_E2E") == "1" or "e2e" in (config.getoption("markexpr") or ""):
        return
    pytest.skip("end-to-end Docker builds run in CI ($CI set), with `pytest -m e2e` or with DFLINT_E2E=1")


def _base_is_current() -> bool:
    """The base image exists and was made the way the setup script makes it now (its
    `dflint.e2e.base` label equals the script's BASE_VERSION)."""
    m = re.search(r'^BASE_VERSION="([^"]+)"', SETUP.read_text(), re.M)
    label = _docker("image", "inspect", "-f", '{{index .Config.Labels "dflint.e2e.base"}}',
                    "debian:bookworm-slim", check=False)
    return label.returncode == 0 and m is not None and label.stdout.decode().strip() == m.group(1)


def _ensure_engine() -> int | None:
    """Make sure an engine with the base image answers; return the pid of a dockerd started
    here (None when one was already running). Skips, saying why, when there is no engine and
    none can be set up (not root), or when the setup script fails."""
    up = _engine_up()
    if up and _base_is_current():
        return None
    if not up and os.geteuid() != 0:
        pytest.skip("no Docker engine answers and this is not root, so none can be set up "
                    "(run scripts/docker-e2e-setup.sh as root)")
    proc = subprocess.run(["bash", str(SETUP)], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        pytest.skip(f"no Docker engine: {proc.stderr.strip() or proc.stdout.strip()}")
    m = re.search(r"DOCKERD_PID=(\d+)", proc.stdout)
    return int(m.group(1)) if m else None


def test_every_buildable_example_is_covered():
    """Every examples/<name>/ with a golden rewrite is built here (the golden-file-only
    toolchain-images/ are not: their base images cannot be pulled)."""
    goldens = {p.parent.name for p in (ROOT / "examples").glob("*/Dockerfile.optimized")}
    assert goldens == set(EXAMPLES)
    assert set(KNOWN_BROKEN) <= set(EXAMPLES)


def test_skips_with_the_reason_without_engine_or_root(monkeypatch):
    """No engine and no root: the e2e tests skip, saying why (they never pass silently)."""
    monkeypatch.setattr(f"{__name__}._engine_up", lambda: False)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(pytest.skip.Exception, match="no Docker engine answers and this is not root"):
        _ensure_engine()


class _Results:
    def __init__(self) -> None:
        self.rows: list[tuple[str, int, int, float, float]] = []  # name, before, after, build s, total s
        self.started = time.monotonic()


@pytest.fixture(scope="module")
def engine(request):
    """A Docker engine with the base image, or a skip saying why there is none."""
    _skip_unless_asked(request.config)
    started_pid = _ensure_engine()
    results = _Results()
    yield results
    _report(request, results)
    if started_pid is not None:
        try:
            os.kill(started_pid, signal.SIGTERM)
        except OSError:
            pass


def _report(request, results: _Results) -> None:
    if not results.rows:
        return
    lines = ["| example | size before | size after | reduction | build time (both) |",
             "|---|---:|---:|---:|---:|"]
    reductions = []
    for name, before, after, build_time, _total in results.rows:
        red = 100.0 * (before - after) / before if before else 0.0
        reductions.append(red)
        lines.append(f"| {name} | {before / 1e6:.0f} MB | {after / 1e6:.0f} MB | {red:.0f}% | {build_time:.0f} s |")
    lines.append("")
    lines.append(f"Median reduction: {statistics.median(reductions):.0f}% over {len(reductions)} examples; "
                 f"total time {time.monotonic() - results.started:.0f} s.")
    listed = {row[0] for row in results.rows}
    broken = [f"{name} ({why})" for name, why in KNOWN_BROKEN.items() if name not in listed]
    if broken:
        lines.append("")
        lines.append("Not in the table, known optimizer problems (strict xfail): " + "; ".join(broken) + ".")
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None:
        import contextlib

        quiet = capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext()
        with quiet:
            reporter.write_line("")
            reporter.write_line(f"dflint multi-stage rewrites, built and run ({RESULTS}):")
            for line in lines:
                reporter.write_line(line)


def _build(example: Path, dockerfile: str, tag: str, no_cache: bool = False) -> None:
    flags = ["--no-cache"] if no_cache else []
    _docker("build", "--network", "host", "-q", *flags, "-t", tag, "-f", str(example / dockerfile), str(example),
            timeout=BUILD_TIMEOUT)


def _build_pair(name: str) -> tuple[float, str | None]:
    """Build the original (without Docker's cache when $DFLINT_E2E_NO_CACHE=1, to measure a cold
    run) and then the rewrite, which reuses the original's layers for its build stage."""
    example = ROOT / "examples" / name
    started = time.monotonic()
    try:
        _build(example, "Dockerfile", f"dflint-e2e/{name}:original",
               no_cache=os.environ.get("DFLINT_E2E_NO_CACHE") == "1")
        _build(example, "Dockerfile.optimized", f"dflint-e2e/{name}:optimized")
    except (AssertionError, subprocess.TimeoutExpired) as exc:
        return time.monotonic() - started, str(exc)
    return time.monotonic() - started, None


@pytest.fixture(scope="module")
def built(engine: _Results) -> dict[str, tuple[float, str | None]]:
    """Every example's two images, built two examples at a time (downloads and compiles
    overlap on a 2-core machine)."""
    from concurrent.futures import ThreadPoolExecutor

    workers = int(os.environ.get("DFLINT_E2E_JOBS", "2"))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(EXAMPLES, pool.map(_build_pair, EXAMPLES)))


def _size(tag: str) -> int:
    return int(_docker("image", "inspect", "-f", "{{.Size}}", tag).stdout.strip())


def _listing(tag: str) -> list[str]:
    cid = _docker("create", "--entrypoint", "/nonexistent", tag).stdout.decode().strip()  # never started
    try:
        export = subprocess.Popen([DOCKER, "export", cid], stdout=subprocess.PIPE)
        tar = subprocess.run(["tar", "-t"], stdin=export.stdout, capture_output=True, timeout=300)
        export.wait(timeout=60)
        return tar.stdout.decode(errors="replace").splitlines()
    finally:
        _docker("rm", "-f", cid, check=False)


def _run(tag: str, how: object) -> list[object]:
    if isinstance(how, Stdin):
        proc = _docker("run", "--rm", "-i", tag, *how.args, input=how.input, timeout=120, check=False)
        return [proc.returncode, proc.stdout]
    assert isinstance(how, Http)
    cid = _docker("run", "-d", tag).stdout.decode().strip()
    try:
        info = json.loads(_docker("inspect", cid).stdout)[0]
        ip = info["NetworkSettings"]["IPAddress"]
        out: list[object] = []
        for path in how.paths:
            out.append(_get(f"http://{ip}:{how.port}{path}", cid))
        return out
    finally:
        _docker("rm", "-f", cid, check=False)


def _get(url: str, cid: str, deadline: float = 60) -> tuple[int, str]:
    end = time.monotonic() + deadline
    last = None
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.status, _VOLATILE.sub("<time>", resp.read().decode(errors="replace"))
        except urllib.error.HTTPError as err:
            return err.code, _VOLATILE.sub("<time>", err.read().decode(errors="replace"))
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as err:
            last = err
            state = _docker("inspect", "-f", "{{.State.Running}}", cid, check=False).stdout.decode().strip()
            if state == "false":
                logs = _docker("logs", cid, check=False)
                raise AssertionError(f"the container exited: {logs.stdout.decode()} {logs.stderr.decode()}")
            time.sleep(0.5)
    raise AssertionError(f"no answer from {url}: {last}")


_BASE_LISTINGS: dict[str, set[str]] = {}


def _base_listing(tag: str) -> set[str]:
    """The paths of the image the runtime stage starts FROM (its first layer's image, found by
    the history), so that what the base distribution ships (a C example in
    /usr/share/doc/libpam-modules/examples) is not taken for something the build left."""
    ref = _docker("image", "inspect", "-f", "{{index .RootFS.Layers 0}}", tag).stdout.decode().strip()
    for base in ("debian:bookworm-slim",):
        layer = _docker("image", "inspect", "-f", "{{index .RootFS.Layers 0}}", base, check=False)
        if layer.returncode == 0 and layer.stdout.decode().strip() == ref:
            if base not in _BASE_LISTINGS:
                _BASE_LISTINGS[base] = {p.rstrip("/") for p in _listing(base)}
            return _BASE_LISTINGS[base]
    return set()


def _problems_in(listing: list[str], example: str) -> list[str]:
    problems = []
    for raw in listing:
        path = raw.rstrip("/")
        name = path.rsplit("/", 1)[-1]
        if name in COMPILERS and not raw.endswith("/"):
            problems.append(f"compiler {path}")
        elif name.endswith(SOURCES) and not name.endswith(".d.ts") and not raw.endswith("/") \
                and not re.search(r"/(site-packages|dist-packages|node_modules)/|^/usr/share/nodejs/", f"/{path}"):
            # (a dependency's own payload, e.g. markupsafe's wheel ships _speedups.c, or the .ts
            # files of the node-* packages Debian's npm depends on, is not a source of the project)
            problems.append(f"source {path}")
        elif re.search(r"/node_modules/(typescript|@types/[^/]+)/", f"/{path}/") and not raw.endswith("/"):
            problems.append(f"devDependency {path}")
        elif re.search(r"(^|/)target/[^/]+/(deps|build|incremental|\.fingerprint)(/|$)", path):
            problems.append(f"build intermediate {path}")
    return problems


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BROKEN[n])) if n in KNOWN_BROKEN else n
    for n in EXAMPLES])
def test_rewrite_builds_runs_the_same_and_is_smaller(engine: _Results, built, name: str):
    example = ROOT / "examples" / name
    assert (example / "Dockerfile.optimized").is_file(), f"examples/{name} has no golden rewrite"
    how = EXAMPLES[name]
    build_time, error = built[name]
    assert error is None, f"{name}: {error}"
    started = time.monotonic() - build_time
    before_tag, after_tag = f"dflint-e2e/{name}:original", f"dflint-e2e/{name}:optimized"
    out_before = _run(before_tag, how)
    out_after = _run(after_tag, how)
    assert out_after == out_before, f"{name}: the rewritten image behaves differently"
    if isinstance(how, Stdin):
        assert out_before[0] == 0, f"{name}: the program failed"
    else:
        assert all(status == 200 for status, _ in out_before[:1]), f"{name}: {out_before}"
    before, after = _size(before_tag), _size(after_tag)
    engine.rows.append((name, before, after, build_time, time.monotonic() - started))
    assert after < before, f"{name}: the rewrite is not smaller ({after} >= {before} bytes)"
    base = _base_listing(after_tag)
    problems = _problems_in([p for p in _listing(after_tag) if p.rstrip("/") not in base], name)
    assert problems == [], f"{name}: the rewritten image holds " + ", ".join(problems[:10])
    original_problems = _problems_in(_listing(before_tag), name)
    assert original_problems, f"{name}: the original image has no compiler or source to remove"

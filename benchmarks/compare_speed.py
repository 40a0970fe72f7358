"""dflint versus hadolint, on the same inputs in the same run: one table of medians and ratios.

    python benchmarks/compare_speed.py [--quick] [--corpus DIR] [--sections abcde] [--json OUT]

Sections (each a fresh process per run, timed with `time.perf_counter`, peak memory from
`os.wait4`'s rusage: the largest resident set of the process or any child it waited for, e.g.
a `shellcheck` process):

(a) one small file, cold process (`examples/go-hello/Dockerfile`, as benchmarks/cold_start.py);
(b) a whole directory (default /work/shared/corpus/files): dflint with ShellCheck and with
    ``--ignore SC``; hadolint gets every file of the directory in one process (it has no way to
    turn ShellCheck off, so its one time is compared with both dflint rows);
(c) generated files (benchmarks/generate.py) of 1k, 5k and 20k RUN instructions and of 5 MB,
    dflint with ``--ignore SC`` (also ``--jobs 1``: one process, where a big file's rules are
    otherwise shared by two) and with ShellCheck, and the growth 20k vs 5k;
(d) a pre-commit hook: a 40-line Dockerfile, one RUN line edited before each run, linted by a
    cold process each time (dflint's cache warm from the run before, when dflint has one);
(e) pathological inputs, dflint only, ``--ignore SC``: a 100 KB single-line RUN, 10,000 nested
    ``$( )``, a heredoc of 100,000 lines, 1,000 stages each ``COPY --from`` the previous one.

(a)–(c) run dflint with ``--no-cache`` when it has that flag. Runs are interleaved (dflint,
hadolint, dflint, …) after one untimed warm-up each, so both see the same page cache and load.
Exit codes 0 and 1 are successful runs; anything else (or a traceback) is shown in the table.
``--quick`` does fewer runs, and (c) on files 5× smaller (200, 1k, 4k RUNs and 1 MB; growth
4k/1k) with hadolint on the smallest only: a few minutes instead of most of an hour.

The machine load (`os.getloadavg`) is printed at the start and end of each section: on a shared
machine, compare the ratio (both tools run under the same load), not absolute times.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cold_start import DEFAULT_FILE, find_tool  # noqa: E402
from generate import PATHOLOGICAL, dockerfile, dockerfile_of_size, edit_run, precommit_file  # noqa: E402

DEFAULT_CORPUS = "/work/shared/corpus/files"
OK_CODES = (0, 1)


# -- running one process ----------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    rss_mb: float
    code: int | str  # exit code, "timeout" or "crash"
    err: str = ""


def run_once(cmd: list[str], cwd: str, timeout: float, env: dict | None = None) -> Sample:
    """Run `cmd` with stdout discarded; wall time, peak RSS (MB) and how it ended."""
    with tempfile.TemporaryFile() as errf:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errf,
            start_new_session=True,
        )
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait again
        errf.seek(0)
        lines = errf.read(200_000).decode("utf-8", "replace").strip().splitlines()
    rss = usage.ru_maxrss / 1024  # KB on Linux
    if timed_out.is_set():
        return Sample(elapsed, rss, "timeout", f"killed after {timeout:.0f} s")
    if any(line.startswith("Traceback (most recent call last)") for line in lines):
        return Sample(elapsed, rss, "crash", lines[-1])
    err = next((line for line in lines if "error" in line.lower()), lines[0] if lines else "")
    return Sample(elapsed, rss, proc.returncode, err)


@dataclass
class Series:
    """The timed runs of one command."""

    label: str
    cmd: list[str]
    cwd: str
    timeout: float
    env: dict | None = None
    samples: list[Sample] = field(default_factory=list)

    def run(self, record: bool = True) -> Sample:
        s = run_once(self.cmd, self.cwd, self.timeout, self.env)
        if record:
            self.samples.append(s)
        return s

    @property
    def ok(self) -> list[Sample]:
        return [s for s in self.samples if s.code in OK_CODES]

    @property
    def failed(self) -> list[Sample]:
        return [s for s in self.samples if s.code not in OK_CODES]

    @property
    def median(self) -> float | None:
        ok = self.ok
        return statistics.median(s.seconds for s in ok) if ok else None

    @property
    def rss(self) -> float | None:
        return max((s.rss_mb for s in self.samples), default=None)

    def cell(self) -> str:
        if not self.samples:
            return "—"
        if self.median is not None:
            text = fmt_time(self.median)
            if self.failed:
                text += f" ({len(self.failed)} failed)"
            return text
        first = self.failed[0]
        if first.code == "timeout":
            return f">{fmt_time(first.seconds)} timeout"
        return f"{fmt_time(first.seconds)} exit {first.code}"

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "cmd": self.cmd,
            "median_s": self.median,
            "runs": [s.seconds for s in self.samples],
            "codes": [s.code for s in self.samples],
            "peak_rss_mb": self.rss,
            "errors": sorted({s.err for s in self.failed if s.err}),
        }


def fmt_time(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 100:
        return f"{seconds:.2f} s"
    return f"{seconds:.0f} s"


def interleave(series: list[Series], runs: int, warmup: bool = True, before=None) -> None:
    if warmup:
        for s in series:
            s.run(record=False)
    for k in range(runs):
        for s in series:
            if before is not None:
                before(s, k)
            s.run()


# -- the table --------------------------------------------------------------------------------


@dataclass
class Row:
    case: str
    dflint: Series | None
    hadolint: Series | None
    target: float | None = None  # the ratio dflint/hadolint must stay at or under
    note: str = ""
    value: float | None = None  # for rows that are a ratio of their own (growth)
    hadolint_value: float | None = None
    absolute: float | None = None  # an absolute target in seconds (dflint's median)
    growth: bool = False  # a row of growth factors (value, hadolint_value) instead of times

    def ratio(self) -> float | None:
        if self.value is not None:
            return self.value
        if self.dflint and self.hadolint and self.dflint.median and self.hadolint.median:
            return self.dflint.median / self.hadolint.median
        return None

    def ratio_text(self) -> str:
        r = self.ratio()
        if r is not None:
            return f"{r:.2f}×"
        d, h = self.dflint, self.hadolint
        if d and h and h.median and d.samples and d.median is None and d.samples[0].code == "timeout":
            return f">{d.samples[0].seconds / h.median:.2f}×"  # a lower bound
        return ""

    def verdict(self) -> str:
        if self.growth and self.value is None:
            return "✗"
        if self.absolute is not None:
            m = self.dflint.median if self.dflint else None
            if m is None:
                return "✗"
            return "✓" if m <= self.absolute else "✗"
        r = self.ratio()
        if r is None and self.ratio_text().startswith(">"):
            r = float(self.ratio_text()[1:-1])
        if self.target is None or r is None:
            return ""
        return "✓" if r <= self.target else "✗"


def render(rows: list[Row]) -> str:
    head = ("case", "dflint", "hadolint", "ratio", "target", "", "dflint RSS", "hadolint RSS")
    lines = []
    table = [head]
    for row in rows:
        if row.growth:  # the two tools' growth factors
            d = f"{row.value:.2f}×" if row.value is not None else "n/a"
            h = f"{row.hadolint_value:.2f}×" if row.hadolint_value is not None else "—"
            table.append((row.case, d, h, "", f"≤ {row.target:g}×" if row.target else "", row.verdict(), "", ""))
            continue
        if row.absolute is not None:
            target = f"< {row.absolute:g} s"
        else:
            target = f"≤ {row.target:g}×" if row.target is not None else ""
        table.append(
            (
                row.case,
                row.dflint.cell() if row.dflint else "—",
                row.hadolint.cell() if row.hadolint else "—",
                row.ratio_text(),
                target,
                row.verdict(),
                f"{row.dflint.rss:.0f} MB" if row.dflint and row.dflint.rss else "",
                f"{row.hadolint.rss:.0f} MB" if row.hadolint and row.hadolint.rss else "",
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for k, r in enumerate(table):
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) if i not in (5,) else c.ljust(w) for i, (c, w) in enumerate(zip(r[1:], widths[1:]), 1)]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        if row.note:
            lines.append(f"{row.case}: {row.note}")
    return "\n".join(lines)


# -- the sections -----------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.quick = args.quick
        self.tmp = Path(tempfile.mkdtemp(prefix="dflint-bench-"))
        self.workdir = str(self.tmp / "cwd")  # an empty folder: no config files of either tool
        os.makedirs(self.workdir)
        self.dflint = args.dflint or find_tool("dflint")
        self.hadolint = None if args.no_hadolint else (args.hadolint or find_tool("hadolint"))
        if self.dflint is None:
            sys.exit("dflint not found next to this Python or on PATH (pip install -e .)")
        help_text = subprocess.run([self.dflint, "check", "--help"], capture_output=True, text=True).stdout
        self.no_cache = ["--no-cache"] if "--no-cache" in help_text else []
        self.has_cache_dir = "--cache-dir" in help_text
        self.rows: list[Row] = []
        self.loads: list[str] = []
        # Bytecode as an installed package has it: compiled once (by the warm-up), then read. With
        # PYTHONDONTWRITEBYTECODE set and a source tree being edited, every cold start would
        # compile the changed modules again. The cache goes to the temporary folder, not the repo.
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        self.env["PYTHONPYCACHEPREFIX"] = str(self.tmp / "pycache")

    def load(self, when: str) -> None:
        one, five, _ = os.getloadavg()
        self.loads.append(f"{when}: load {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} cores")
        print(f"  [{self.loads[-1]}]", flush=True)

    def d(self, label: str, *argv: str, cache: bool = False, timeout: float | None = None) -> Series:
        extra = [] if cache else self.no_cache
        return Series(label, [self.dflint, "check", *extra, *argv], self.workdir, timeout or self.args.timeout,
                      self.env)

    def h(self, label: str, *argv: str, timeout: float | None = None) -> Series | None:
        if self.hadolint is None:
            return None
        return Series(label, [self.hadolint, *argv], self.workdir, timeout or self.args.hadolint_timeout)

    # (a)
    def cold(self) -> None:
        runs = 7 if self.quick else self.args.runs
        path = str(self.args.small or DEFAULT_FILE)
        print(f"(a) cold start on {path}, {runs} runs each", flush=True)
        self.load("(a) start")
        d, h = self.d("dflint", path), self.h("hadolint", path)
        interleave([s for s in (d, h) if s], runs)
        self.load("(a) end")
        self.rows.append(Row(f"(a) small file, cold ({runs} runs)", d, h, target=2))

    # (b)
    def corpus(self) -> None:
        folder = self.args.corpus
        files = sorted(str(p) for p in Path(folder).iterdir() if p.is_file())
        runs = 1 if self.quick else 3
        print(f"(b) {len(files)} files in {folder}, {runs} run(s) each", flush=True)
        self.load("(b) start")
        dsc = self.d("dflint", folder)
        dno = self.d("dflint --ignore SC", "--ignore", "SC", folder)
        h = self.h("hadolint", *files)
        interleave([s for s in (dsc, dno, h) if s], runs, warmup=not self.quick)
        self.load("(b) end")
        self.rows.append(Row(f"(b) {len(files)} files, ShellCheck", dsc, h, target=0.25))
        self.rows.append(Row(f"(b) {len(files)} files, --ignore SC", dno, h, target=0.1))

    # (c)
    def generated(self) -> None:
        scale = 5 if self.quick else 1
        sizes = [(f"{n // scale / 1000:g}k RUNs", dockerfile(n // scale)) for n in (1000, 5000, 20000)]
        sizes.append((f"{5 / scale:g} MB", dockerfile_of_size(5_000_000 // scale)))
        runs = 1 if self.quick else self.args.gen_runs
        print(f"(c) generated files: {', '.join(n for n, _ in sizes)}; dflint {runs} run(s), hadolint 1", flush=True)
        self.load("(c) start")
        paths = []
        for name, text in sizes:
            p = self.tmp / f"gen-{name.replace(' ', '-')}.Dockerfile"
            p.write_text(text)
            paths.append((name, str(p), text.count("\nRUN "), len(text)))
        by_name: dict[str, tuple[Series, Series, Series | None, Series]] = {}
        for i, (name, path, nruns, nbytes) in enumerate(paths):
            dno = self.d("dflint --ignore SC", "--ignore", "SC", path)
            dsc = self.d("dflint", path)
            # one process: a big file's rules are otherwise shared by two (dflint.split), so
            # this is the series that shows how the work itself grows
            one = self.d("dflint --ignore SC --jobs 1", "--ignore", "SC", "--jobs", "1", path)
            h = self.h("hadolint", path) if (not self.quick or i == 0) and not (
                self.args.skip_slow_hadolint and i >= 2) else None
            for s in (dno, one, dsc):
                for _ in range(runs):
                    s.run()
                    if s.samples[-1].code == "timeout":
                        break  # one timeout is enough to know
            if h is not None:
                h.run()
            by_name[name] = (dno, dsc, h, one)
            print(f"    {name} ({nruns} RUNs, {nbytes / 1e6:.1f} MB): dflint --ignore SC {dno.cell()}, "
                  f"--jobs 1 {one.cell()}, dflint {dsc.cell()}, hadolint {h.cell() if h else '—'}", flush=True)
        self.load("(c) end")
        for name, (dno, dsc, h, one) in by_name.items():
            absolute = 5 / scale if name.endswith("MB") else None
            self.rows.append(Row(f"(c) {name}, --ignore SC", dno, h, absolute=absolute))
        for name, (dno, dsc, h, one) in by_name.items():
            self.rows.append(Row(f"(c) {name}, --ignore SC --jobs 1", one, h))
        for name, (dno, dsc, h, one) in by_name.items():
            self.rows.append(Row(f"(c) {name}, ShellCheck", dsc, h))
        small, big = list(by_name)[1], list(by_name)[2]
        for mode, idx in (("--ignore SC", 0), ("--ignore SC --jobs 1", 3), ("ShellCheck", 1)):
            a, b = by_name[small][idx].median, by_name[big][idx].median
            ha, hb = by_name[small][2], by_name[big][2]
            hg = hb.median / ha.median if ha and hb and ha.median and hb.median else None
            note = "" if a and b else "dflint has no time for both sizes (a timeout or a failure)"
            self.rows.append(Row(f"(c) growth {big.split()[0]} / {small.split()[0]}, {mode}", None, None,
                                 target=4.5, value=b / a if a and b else None, hadolint_value=hg,
                                 growth=True, note=note))

    # (d)
    def precommit(self) -> None:
        runs = 5 if self.quick else self.args.runs
        folder = self.tmp / "repo"
        folder.mkdir()
        path = folder / "Dockerfile"
        text = precommit_file()
        path.write_text(text)
        cache = ["--cache-dir", str(self.tmp / "cache")] if self.has_cache_dir else []
        print(f"(d) pre-commit: {text.count(chr(10))}-line Dockerfile, one RUN line edited before each of {runs} runs", flush=True)
        self.load("(d) start")
        d = self.d("dflint", *cache, str(path), cache=True)
        h = self.h("hadolint", str(path))

        def edit(series: Series, k: int) -> None:
            if series is d:  # one edit per round; hadolint then lints the same bytes
                path.write_text(edit_run(text, k + 1))

        interleave([s for s in (d, h) if s], runs, before=edit)
        self.load("(d) end")
        note = "" if self.no_cache else "dflint has no result cache yet (no --no-cache flag): every run is a cold lint"
        self.rows.append(Row(f"(d) pre-commit, 1 RUN edited ({runs} runs)", d, h, target=1.5, note=note))

    # (e)
    def pathological(self) -> None:
        print("(e) pathological inputs, dflint --ignore SC, 1 run each", flush=True)
        self.load("(e) start")
        for name, make in PATHOLOGICAL.items():
            p = self.tmp / f"patho-{len(self.rows)}.Dockerfile"
            p.write_text(make())
            s = self.d("dflint --ignore SC", "--ignore", "SC", str(p), timeout=self.args.timeout)
            s.run()
            note = ""
            bad = s.failed
            if bad:
                note = f"exit {bad[0].code}: {bad[0].err}"
            self.rows.append(Row(f"(e) {name}", s, None, absolute=10, note=note))
            print(f"    {name}: {s.cell()}", flush=True)
        self.load("(e) end")


def _series_from_json(data: dict | None) -> Series | None:
    if not data:
        return None
    s = Series(data["label"], data["cmd"], ".", 0)
    errors = data.get("errors") or [""]
    for seconds, code in zip(data["runs"], data["codes"]):
        s.samples.append(Sample(seconds, data.get("peak_rss_mb") or 0, code, "" if code in OK_CODES else errors[0]))
    return s


def render_json(path: str) -> str:
    """The table of a run saved with --json."""
    data = json.loads(Path(path).read_text())
    rows = [
        Row(r["case"], _series_from_json(r["dflint"]), _series_from_json(r["hadolint"]), target=r["target"],
            value=r["ratio"] if r.get("growth") else None, hadolint_value=r.get("hadolint_value"),
            absolute=r.get("absolute"), growth=bool(r.get("growth")), note=r.get("note", ""))
        for r in data["rows"]
    ]
    return "\n".join(data.get("loads", [])[:1] + data.get("loads", [])[-1:]) + "\n\n" + render(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="dflint vs hadolint: (a) cold start, (b) a folder, (c) big files, (d) pre-commit, (e) pathological inputs.")
    ap.add_argument("--quick", action="store_true", help="fewer runs and smaller generated files (a few minutes)")
    ap.add_argument("--sections", default="abcde", help="which sections to run (default abcde)")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS, help=f"the folder for (b) (default {DEFAULT_CORPUS})")
    ap.add_argument("--small", help="the file for (a) (default examples/go-hello/Dockerfile)")
    ap.add_argument("--runs", type=int, default=21, help="runs per tool for (a) and (d) (default 21)")
    ap.add_argument("--gen-runs", type=int, default=3, help="dflint runs per generated file in (c) (default 3)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds before a dflint run is killed (default 900)")
    ap.add_argument("--hadolint-timeout", type=float, default=1800, help="the same for hadolint (default 1800)")
    ap.add_argument("--skip-slow-hadolint", action="store_true", help="no hadolint on the 20k-RUN and 5 MB files (about 25 min)")
    ap.add_argument("--no-hadolint", action="store_true", help="time dflint alone")
    ap.add_argument("--dflint", help="the dflint executable (default: next to this Python)")
    ap.add_argument("--hadolint", help="the hadolint executable (default: next to this Python, else PATH)")
    ap.add_argument("--json", metavar="FILE", help="also write every sample as JSON")
    ap.add_argument("--render", metavar="FILE", help="print the table of a run saved with --json, and stop")
    args = ap.parse_args(argv)
    if args.render:
        print(render_json(args.render))
        return 0
    bench = Bench(args)
    print(f"dflint: {bench.dflint}" + (f" ({' '.join(bench.no_cache)} for a-c)" if bench.no_cache else " (no --no-cache flag)"))
    print(f"hadolint: {bench.hadolint or '(not found: dflint alone)'}")
    started = time.time()
    try:
        for key, fn in (("a", bench.cold), ("b", bench.corpus), ("c", bench.generated),
                        ("d", bench.precommit), ("e", bench.pathological)):
            if key in args.sections:
                fn()
    finally:
        import shutil

        shutil.rmtree(bench.tmp, ignore_errors=True)
    print()
    print(f"command: python benchmarks/compare_speed.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    print(f"total {time.time() - started:.0f} s; " + "; ".join(bench.loads[:1] + bench.loads[-1:]))
    print()
    print(render(bench.rows))
    if args.json:
        data = {
            "loads": bench.loads,
            "rows": [
                {
                    "case": r.case,
                    "dflint": r.dflint.as_json() if r.dflint else None,
                    "hadolint": r.hadolint.as_json() if r.hadolint else None,
                    "ratio": r.ratio(),
                    "target": r.target,
                    "absolute": r.absolute,
                    "hadolint_value": r.hadolint_value,
                    "growth": r.growth,
                    "verdict": r.verdict(),
                    "note": r.note,
                }
                for r in bench.rows
            ],
        }
        Path(args.json).write_text(json.dumps(data, indent=2))
    crashed = [r for r in bench.rows for s in (r.dflint,) if s and any(x.code == "crash" for x in s.samples)]
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())

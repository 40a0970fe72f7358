"""Where does `dflint check` spend its time? A per-phase and per-rule breakdown, in one process.

    python benchmarks/profile_lint.py PATH... [--ignore SC] [--top 20] [--cprofile 25]

It lints PATHs the way ``dflint check`` does (same discovery, configuration and settings, through
`dflint.commands.Session`) and times each phase separately (CPU time of the process):

- ``import``: importing dflint's modules and loading the rule registry;
- ``read+config``: reading each file and resolving its configuration;
- ``parse``: the Dockerfile parser;
- ``stage graph``: `ctx.graph` (built up front here, so no rule pays for it);
- ``shell parse``: `ctx.script` of every RUN (tree-sitter and the command layer), also up front;
- ``rule XXXX``: each rule's own `check` (the top N are listed, the rest summed);
- ``shellcheck prep`` / ``shellcheck run``: building the scripts, and the shellcheck processes;
- ``report``: rendering the findings (json, to /dev/null).

The garbage collector is tuned as in a ``dflint`` process (`dflint.cli.tune_gc`, rules frozen).
Shares are of the sum of these phases. The time the cyclic garbage collector took (``gc.callbacks``)
is inside the phases (whichever phase allocated when a collection started); it is also printed on
its own, below the table, with the number of full collections. ``--cprofile N`` instead runs the same thing under
cProfile and prints the N functions with the most own time (tottime) and the N with the most
cumulative time: slower, but it names the function inside a phase.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections import defaultdict

#: Phases are timed in CPU time of this process (not wall time): other processes on the machine
#: do not change the numbers much.
_clock = time.process_time
T0 = _clock()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--ignore", action="append", default=[], help="passed to dflint check")
    ap.add_argument("--select", action="append", default=[], help="passed to dflint check")
    ap.add_argument("--top", type=int, default=20, help="rules listed one by one (default 20)")
    ap.add_argument("--cprofile", type=int, default=0, metavar="N", help="run under cProfile, print N functions")
    args = ap.parse_args(argv)
    if args.cprofile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        acc = profile(args)
        prof.disable()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("tottime").print_stats(args.cprofile)
        stats.sort_stats("cumulative").print_stats(args.cprofile)
        print(out.getvalue())
        return 0
    acc = profile(args)
    print_table(acc, args.top)
    return 0


def profile(args) -> dict[str, float]:
    acc: dict[str, float] = defaultdict(float)
    import gc

    gc_started = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            gc_started[0] = _clock()
        else:
            acc["#gc"] += _clock() - gc_started[0]
            if info.get("generation") == 2:
                acc["#gc full"] += 1

    gc.callbacks.append(on_gc)
    try:
        return _profile(args, acc)
    finally:
        gc.callbacks.remove(on_gc)


def _profile(args, acc: dict[str, float]) -> dict[str, float]:
    t = _clock()
    from dflint import commands, engine
    from dflint.cli import build_parser, tune_gc

    tune_gc()  # the collector as in a dflint process
    cli = ["check", "--exit-zero"]
    for sel in args.select:
        cli += ["--select", sel]
    for ign in args.ignore:
        cli += ["--ignore", ign]
    ns = build_parser().parse_args([*cli, *args.paths])
    ns._gc_freeze = True  # as in a dflint process: the loaded rules are frozen
    session = commands.Session(ns)
    acc["import"] += _clock() - t + (t - T0)

    t = _clock()
    files, problems = commands._inputs(ns, session)
    acc["discovery"] += _clock() - t

    real_parse = engine.parse
    real_context = engine.Context

    def parse(source):
        t = _clock()
        try:
            return real_parse(source)
        finally:
            acc["parse"] += _clock() - t

    def context(*a, **k):
        ctx = real_context(*a, **k)
        t = _clock()
        ctx.graph
        acc["stage graph"] += _clock() - (t)
        t = _clock()
        for instr in ctx.dockerfile.instructions:
            run = instr.inner if instr.name == "ONBUILD" else instr
            if run is not None and run.name == "RUN":
                ctx.script(run)
        acc["shell parse"] += _clock() - t
        return ctx

    timed_rules: set[int] = set()

    def timed(rule) -> None:
        if id(rule) in timed_rules:
            return
        timed_rules.add(id(rule))
        real = rule.check
        key = f"rule {rule.code} {rule.name}"

        def check(ctx):
            t = _clock()
            try:
                gen = real(ctx)
                acc[key] += _clock() - t
                while True:
                    t = _clock()
                    try:
                        v = next(gen)
                    except StopIteration:
                        return
                    finally:
                        acc[key] += _clock() - t
                    yield v
            finally:
                pass

        rule.check = check

    engine.parse = parse
    engine.Context = context
    from dflint import shellcheck

    real_jobs, real_start, real_wait = shellcheck.jobs_for, shellcheck.start, shellcheck.Started.wait

    def jobs_for(*a, **k):
        t = _clock()
        try:
            return real_jobs(*a, **k)
        finally:
            acc["shellcheck prep"] += _clock() - t

    def start(*a, **k):  # `run` is start().wait(); a one-file run starts before the rules
        t = _clock()
        try:
            return real_start(*a, **k)
        finally:
            acc["shellcheck run"] += _clock() - t

    def wait(self):
        t = _clock()
        try:
            return real_wait(self)
        finally:
            acc["shellcheck run"] += _clock() - t

    shellcheck.jobs_for, shellcheck.start, shellcheck.Started.wait = jobs_for, start, wait
    results = []
    try:
        for path in files:
            t = _clock()
            try:
                source, _ = commands._read_source(path, ns)
                _config, settings = session.settings_for(path)
            except Exception as exc:  # an input error: counted, not fatal
                print(f"skipped {path}: {exc}", file=sys.stderr)
                continue
            acc["read+config"] += _clock() - t
            for rule in settings.rules:
                timed(rule)
            results.append(engine.lint(source, settings, session.registry))
        t = _clock()
        engine.add_shellcheck(results)
        acc["shellcheck post"] += _clock() - t - acc["shellcheck run"]
    finally:
        engine.parse, engine.Context = real_parse, real_context
        shellcheck.jobs_for, shellcheck.start, shellcheck.Started.wait = real_jobs, real_start, real_wait
    t = _clock()
    from dflint.report import ReportOptions, report

    diagnostics = [d for r in results for d in r.diagnostics]
    report(diagnostics, io.StringIO(), ReportOptions(color=False), format="json")
    acc["report"] += _clock() - t
    acc["#files"] = len(results)
    acc["#findings"] = len(diagnostics)
    return acc


def print_table(acc: dict[str, float], top: int) -> None:
    files, findings = int(acc.pop("#files")), int(acc.pop("#findings"))
    gc_time, gc_full = acc.pop("#gc", 0.0), int(acc.pop("#gc full", 0))
    # the rules' own time excludes what was built up front (graph, scripts); "lint (rules)" sums them
    rules = {k: v for k, v in acc.items() if k.startswith("rule ")}
    phases = {k: v for k, v in acc.items() if not k.startswith("rule ")}
    total = sum(acc.values())
    print(f"{files} files, {findings} findings, {total:.2f} s in the phases below\n")
    print(f"{'phase':<48} {'seconds':>9} {'share':>7}")
    for k, v in sorted(phases.items(), key=lambda kv: -kv[1]):
        print(f"{k:<48} {v:9.3f} {100 * v / total:6.1f}%")
    rsum = sum(rules.values())
    print(f"{'all rules (' + str(len(rules)) + ')':<48} {rsum:9.3f} {100 * rsum / total:6.1f}%")
    print(f"\nslowest rules (own time, graph and shell parse excluded):")
    ranked = sorted(rules.items(), key=lambda kv: -kv[1])
    for k, v in ranked[:top]:
        print(f"  {k:<46} {v:9.3f} {100 * v / total:6.1f}%")
    rest = sum(v for _, v in ranked[top:])
    if rest:
        print(f"  {'the other ' + str(len(ranked) - top) + ' rules':<46} {rest:9.3f} {100 * rest / total:6.1f}%")
    print(f"\ngarbage collection (inside the phases above): {gc_time:.3f} s, {gc_full} full collections")


if __name__ == "__main__":
    sys.exit(main())

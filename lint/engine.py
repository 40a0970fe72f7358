"""The lint engine: parse one file, run the selected rules over it, drop what is suppressed.

A rule that raises does not take the run down: it becomes a `DF000 internal-error` finding that
names the rule, and the other rules still run.
"""

from __future__ import annotations

import gc

from dflint.diagnostic import Diagnostic
from dflint.parser import parse
from dflint.rule import Context, Rule, Severity
from dflint.source import SourceFile, Span
from dflint.syntax import Dockerfile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from pathlib import Path

    from dflint.registry import Registry

INTERNAL_ERROR = ("DF000", "internal-error")


class Prepared:
    """One file parsed, and ShellCheck started on its scripts, before the rules are loaded: in a
    run of one file, ShellCheck then works while they load (about 20 ms) instead of after them.
    Its scripts are those `lint` finds, whatever the settings; whether ShellCheck is wanted at all
    is known only with the settings: `lint` takes the run over (`taken`), or the maker aborts it.
    `cache` is the run's result cache (scripts it answers are not started)."""

    def __init__(self, source: SourceFile, cache: Any = None) -> None:
        from dflint import shellcheck

        self.source = source
        self.dockerfile = parse(source)
        self.ctx = Context(self.dockerfile)
        self.jobs = shellcheck.jobs_for(self.ctx, [])
        self.run = _ShellCheckRun(self.jobs, None, cache, now=True) if self.jobs else None
        self.taken = False

    def abort(self) -> None:
        """End the ShellCheck run unless `lint` took it over."""
        if self.run is not None and not self.taken:
            self.run.abort()


class Settings:
    """What the engine needs to lint one file: resolved from config and CLI by the caller.

    (Plain classes here, not dataclasses: those cost import time in every run.)"""

    rules: list[Rule]
    severity: dict[str, Severity]  # code -> override
    ignore: frozenset[str]  # codes dropped for this file (per-file-ignores)
    context_dir: Path | None
    target: str | None
    build_args: dict[str, str]
    extra_targets: tuple[str, ...]
    disable_pragmas: bool
    #: Which ShellCheck codes are kept (``SC2086`` → bool); None: ShellCheck does not run.
    shellcheck: Callable[[str], bool] | None
    #: Severity overrides for codes not in `severity` (ShellCheck codes, found at run time).
    severity_of: Callable[[str], Severity | None] | None

    def __init__(
        self,
        rules: list[Rule],
        severity: dict[str, Severity] | None = None,
        ignore: frozenset[str] = frozenset(),
        context_dir: Path | None = None,
        target: str | None = None,
        build_args: dict[str, str] | None = None,
        extra_targets: tuple[str, ...] = (),
        disable_pragmas: bool = False,
        shellcheck: Callable[[str], bool] | None = None,
        severity_of: Callable[[str], Severity | None] | None = None,
    ) -> None:
        self.rules = rules
        self.severity = {} if severity is None else severity
        self.ignore = ignore
        self.context_dir = context_dir
        self.target = target
        self.build_args = {} if build_args is None else build_args
        self.extra_targets = extra_targets
        self.disable_pragmas = disable_pragmas
        self.shellcheck = shellcheck
        self.severity_of = severity_of
        #: The configuration as one string, for the result cache's key (None: do not cache).
        self.fingerprint: str | None = None

    def __repr__(self) -> str:
        return f"Settings(rules={len(self.rules)} rules, context_dir={self.context_dir!r}, target={self.target!r})"


class Result:
    dockerfile: Dockerfile
    diagnostics: list[Diagnostic]
    settings: Settings | None
    suppressions: Any
    shell_jobs: list[Any]  # ShellCheck work, done by add_shellcheck
    context: Context | None
    shell_started: Any  # a _ShellCheckRun started before the rules (see `lint`), or None

    def __init__(
        self,
        dockerfile: Dockerfile,
        diagnostics: list[Diagnostic],
        settings: Settings | None = None,
        suppressions: Any = None,
        shell_jobs: list[Any] | None = None,
        context: Context | None = None,
    ) -> None:
        self.dockerfile = dockerfile
        self.diagnostics = diagnostics
        self.settings = settings
        self.suppressions = suppressions
        self.shell_jobs = [] if shell_jobs is None else shell_jobs
        self.context = context
        self.shell_started = None
        self.complete = True  # False: ShellCheck failed on or skipped one of its bodies (do not cache it)
        self.notices: list[str] = []  # one line each: a body ShellCheck skipped, timed out on…

    @property
    def parses(self) -> bool:
        """True when the file has no DF001 finding (what `fix` requires before writing)."""
        return not any(e.code == "DF001" for e in self.dockerfile.errors)


def lint(
    source: SourceFile,
    settings: Settings,
    registry: Registry | None = None,
    recorder: Any = None,
    start_shellcheck: bool = False,
    processes: int | None = None,
    cache: Any = None,
    split: bool = False,
    prepared: Prepared | None = None,
) -> Result:
    """Lint one file. With a `recorder` (dflint.cache.Recorder), what the rules ask the build
    context is recorded in it (for the result cache).

    With `start_shellcheck`, ShellCheck starts on the file's bodies (those the result `cache`
    does not answer; `processes` as for `add_shellcheck`) before the rules run, so that its time
    overlaps theirs; `add_shellcheck` collects it. For a run of one file (or a few): a directory
    run batches the bodies of all its files instead (each distinct body once, in a few processes).
    The findings, notices and what is cached are the same either way.

    With `split`, a big file's rules run in this process and a forked one (`dflint.split`; a
    dflint process linting one file or a few, on Linux): the same findings, sooner.

    `prepared` (made from this `source` before the rules were loaded, see `Prepared`) gives the
    parse, the scripts and the ShellCheck run it started; when ShellCheck runs on the same
    scripts here, its run is taken over (`prepared.taken`), else the caller aborts it."""
    early = (processes, cache) if start_shellcheck else None
    if prepared is not None and prepared.source is not source:
        prepared = None
    if recorder is not None:
        from dflint import cache as cache_mod

        previous, cache_mod.CURRENT = cache_mod.CURRENT, recorder
        try:
            return _lint(source, settings, registry, early, split, prepared)
        finally:
            cache_mod.CURRENT = previous
    return _lint(source, settings, registry, early, split, prepared)


#: Files at least this big are linted with the cyclic garbage collector paused (see `_lint`).
GC_PAUSE_SIZE = 65_536


def _lint(
    source: SourceFile, settings: Settings, registry: Registry | None, early: tuple | None = None, split: bool = False,
    prepared: Prepared | None = None,
) -> Result:
    # Linting makes many objects that live as long as the file's Context (parsed instructions,
    # scripts, per-file facts) and almost no reference cycles (43 objects on a 5 MB file). The
    # collector would only scan them again and again while they are made: on a 5 MB file 9 full
    # collections took a quarter of the time. Paused, it sees them at its next collection (one
    # scan of everything the lint made: 0.9 s on a 5 MB file), except in a process that froze
    # what it had loaded (a dflint process: `commands.Session`): there they are frozen too, so
    # the collector never scans them; they are still freed when the result is dropped.
    if len(source.text) < GC_PAUSE_SIZE or not gc.isenabled():
        return _lint_file(source, settings, registry, early, split, prepared)
    gc.disable()
    try:
        result = _lint_file(source, settings, registry, early, split, prepared)
        if gc.get_freeze_count():
            gc.freeze()
        return result
    finally:
        gc.enable()


def _lint_file(
    source: SourceFile, settings: Settings, registry: Registry | None, early: tuple | None = None, split: bool = False,
    prepared: Prepared | None = None,
) -> Result:
    dockerfile = parse(source) if prepared is None else prepared.dockerfile
    ctx = Context(
        dockerfile,
        context_dir=settings.context_dir,
        target=settings.target,
        build_args=dict(settings.build_args),
        extra_targets=tuple(settings.extra_targets),
    )
    if prepared is not None:  # (a script depends on the Dockerfile alone, not on the settings)
        ctx._scripts.update(prepared.ctx._scripts)
    # ShellCheck's jobs are made before the rules run (the scripts they need are memoized in the
    # Context, which the rules use as well), so that with `early` ShellCheck works meanwhile.
    jobs: list[Any] = []
    skipped: list[tuple[int, int]] = []  # (line, size) of bodies too big for ShellCheck
    jobs_error: Exception | None = None
    started = None
    if settings.shellcheck is not None:
        from dflint import shellcheck

        try:
            jobs = shellcheck.jobs_for(ctx, skipped)
        except Exception as exc:
            jobs_error = exc
        if prepared is not None and prepared.run is not None and jobs == prepared.jobs:
            started, prepared.taken = prepared.run, True
        elif early is not None and jobs:
            started = _ShellCheckRun(jobs, early[0], early[1], now=True)
    try:
        result = _run_rules(source, settings, registry, dockerfile, ctx, jobs, skipped, jobs_error, split)
    except BaseException:
        if started is not None:
            started.abort()
        raise
    result.shell_started = started
    return result


def _run_rules(source, settings, registry, dockerfile, ctx, jobs, skipped, jobs_error, split=False) -> Result:
    suppressions = None
    if registry is not None:
        from dflint.suppress import Suppressions

        suppressions = Suppressions.from_dockerfile(dockerfile, registry, disable_pragmas=settings.disable_pragmas)
    diagnostics: list[Diagnostic] = []
    rules = list(settings.rules)
    if dockerfile.directives and registry is not None:  # `# check=experimental=…` turns checks on
        from dflint.buildkit_checks import experimental_rules

        have = {type(r) for r in rules}
        rules += [cls() for cls in experimental_rules(dockerfile, registry) if cls not in have and cls.code not in settings.ignore]
    early = [r for r in rules if not r.late]
    late = [r for r in rules if r.late]
    if split and len(source.text) >= SPLIT_SIZE and len(early) > 1:
        from dflint import split as split_mod

        if split_mod.available():
            outcomes = split_mod.run_rules(early, ctx, lambda: _prepare_split(ctx))
            for rule, outcome in zip(early, outcomes):
                _emit(rule, outcome, ctx, settings, suppressions, diagnostics)
            early = []
    for rule in early:
        _run_rule(rule, ctx, settings, suppressions, diagnostics)
    if late and suppressions is not None:
        ctx.suppressions = suppressions
        ctx.selected = frozenset(r.code for r in rules)
        ctx.shellcheck = settings.shellcheck
        for rule in late:
            _run_rule(rule, ctx, settings, None, diagnostics)
    if jobs_error is not None:
        diagnostics.append(internal_error(source, "ShellCheck preparation failed", jobs_error))
    if dockerfile.directives:  # `# check=error=true`: BuildKit's checks fail the build
        from dflint.buildkit_checks import escalate

        diagnostics = escalate(dockerfile, diagnostics, registry)
    diagnostics.sort(key=Diagnostic.sort_key)
    result = Result(dockerfile, diagnostics, settings, suppressions, jobs, ctx)
    if skipped:
        from dflint.shellcheck import skipped_notice

        result.complete = False  # the notice must show again on the next run
        result.notices.extend(skipped_notice(source.path, line, size) for line, size in skipped)
    return result


#: Files at least this big (characters) may have their rules split between two processes (a
#: smaller file's rules take less time than the fork and the pickled findings; see dflint.split).
SPLIT_SIZE = 128_000


def _prepare_split(ctx: Context) -> None:
    """What every rule uses, computed before the fork so that no process computes it again:
    the stage graph and the shell code of every instruction that has some."""
    ctx.graph
    for instruction in ctx.dockerfile.instructions:
        if instruction.name in ("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK"):
            ctx.script(instruction)


def _emit(rule: Rule, outcome: tuple, ctx: Context, settings: Settings, suppressions, diagnostics: list[Diagnostic]) -> None:
    """A rule's violations and the exception that ended its check (see `check_rule`) through the
    ignores and pragmas into `diagnostics` (the exception as a DF000 finding)."""
    source = ctx.source
    names = {rule.name, *rule.aliases}
    violations, exc = outcome
    for v in violations:
        code = v.code or rule.code
        if code in settings.ignore:
            continue
        if suppressions is not None and suppressions.suppressed(code, names, v.span.start):
            continue
        severity = settings.severity.get(code) or v.severity or rule.severity
        name = rule.name if code == rule.code else code
        diagnostics.append(Diagnostic(source.path, code, name, severity, v.message, v.span, source, v.fix))
    if exc is not None:
        diagnostics.append(internal_error(source, f"rule {rule.code} ({rule.name}) failed", exc))


def _run_rule(rule: Rule, ctx: Context, settings: Settings, suppressions, diagnostics: list[Diagnostic]) -> None:
    """Run one rule; its findings go through the ignores and pragmas into `diagnostics`."""
    _emit(rule, check_rule(rule, ctx), ctx, settings, suppressions, diagnostics)


def check_rule(rule: Rule, ctx: Context) -> tuple[list[Any], BaseException | None]:
    """The rule's violations, and the exception that ended its check (or None)."""
    violations: list[Any] = []
    try:
        for v in rule.check(ctx):
            violations.append(v)
    except Exception as exc:  # a bug in a rule must not take the run down
        return violations, exc
    return violations, None


def add_shellcheck(
    results: list[Result], processes: int | None = None, cache: Any = None, runner: Callable | None = None
) -> str | None:
    """Run ShellCheck once for the bodies of all `results` (batched, each distinct body once)
    and add its findings, filtered, suppressed and re-ranked like rule findings. Returns a
    one-line notice when ShellCheck is not installed, else None. With a `cache`
    (dflint.cache.Cache), each script's comments are looked up there first and stored after.
    A script ShellCheck did not finish (timed out, crashed) gives a one-line notice naming the
    files in `Result.notices` of the first of them, and its results are not cached.
    `runner` checks the scripts the cache does not answer in place of `shellcheck.run` (same
    signature; a parallel run's worker asks its parent, see `dflint.commands`)."""
    from dflint import shellcheck

    comments: dict[str, list[dict]] = {}
    failed = shellcheck.Failures()  # scripts ShellCheck did not answer for (crashed, killed)
    runs = [r.shell_started for r in results if r.shell_started is not None]  # started by `lint`
    try:
        if any(r.shell_jobs for r in results):
            jobs = [j for r in results if r.shell_started is None for j in r.shell_jobs]
            if jobs:
                runs.append(_ShellCheckRun(jobs, processes, cache, runner=runner))
            for run in runs:
                comments.update(run.finish())
                failed.update(run.failed)
                for script, reason in run.failed.reasons.items():
                    failed.reasons.setdefault(script, reason)
    except shellcheck.ShellCheckMissing as exc:
        for result in results:
            result.shell_jobs = []
        return str(exc)
    finally:
        for run in runs:
            run.abort()
        for result in results:
            result.shell_started = None
    by_reason: dict[str, dict[str, Result]] = {}  # why ShellCheck did not finish → its files
    for result in results:
        settings, source = result.settings, result.dockerfile.source
        if settings is None or settings.shellcheck is None:
            continue
        for job in result.shell_jobs:
            if job.script in failed:
                by_reason.setdefault(failed.reasons.get(job.script, "failed"), {}).setdefault(source.path, result)
                result.complete = False  # not a result to cache
            for f in shellcheck.findings(job, comments.get(job.script, [])):
                if not settings.shellcheck(f.code) or f.code in settings.ignore:
                    continue
                if result.suppressions is not None and result.suppressions.suppressed(
                    f.code, {"shellcheck"}, f.span.start
                ):
                    continue
                severity = (
                    settings.severity.get(f.code)
                    or (settings.severity_of(f.code) if settings.severity_of else None)
                    or f.severity
                )
                result.diagnostics.append(
                    Diagnostic(source.path, f.code, "shellcheck", severity, f.message, f.span, source)
                )
        result.shell_jobs = []
        _late_shellcheck_phase(result)
        result.diagnostics.sort(key=Diagnostic.sort_key)
    for reason, files in by_reason.items():
        paths = list(files)
        named = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        files[paths[0]].notices.append(f"ShellCheck {reason} on RUN bodies of {named}; their SC checks are skipped")
    return None


class _ShellCheckRun:
    """ShellCheck on the scripts of some jobs: made, it looks each script up in the result
    `cache`; `finish` runs ShellCheck on the others (`shellcheck.run`), stores their comments in
    the cache (not those of scripts ShellCheck failed on: `failed`) and returns the comments of
    every script. With `now`, ShellCheck starts on them at once (`shellcheck.start`) and `finish`
    waits for it; else `finish` calls `runner` (default `shellcheck.run`). A missing ShellCheck
    raises ShellCheckMissing from `finish`."""

    def __init__(
        self, jobs: list[Any], processes: int | None, cache: Any, now: bool = False, runner: Callable | None = None
    ) -> None:
        from dflint import shellcheck

        self.failed = shellcheck.Failures()  # scripts ShellCheck did not answer for (crashed, killed)
        self.comments: dict[str, list[dict]] = {}
        self.keys: dict[str, str] = {}  # script -> cache key, for the scripts ShellCheck checks
        self.cache = cache
        self.processes = processes
        self.runner = runner
        self.todo: list[Any] = []
        self.started: Any = None
        self.missing: Exception | None = None
        todo = jobs
        if cache is not None:
            from dflint.cache import shellcheck_signature

            binary = shellcheck_signature()
            if binary != "missing":  # else `start` raises ShellCheckMissing
                todo = []
                comments, keys = self.comments, self.keys
                for job in jobs:
                    if job.script in comments or job.script in keys:
                        continue
                    key = cache.shellcheck_key(job.script, binary)
                    found = cache.get("s", key)
                    if isinstance(found, list):
                        comments[job.script] = found
                    else:
                        keys[job.script] = key
                        todo.append(job)
                if not todo:
                    return
        if not now:
            self.todo = todo
            return
        try:
            self.started = shellcheck.start(todo, processes, failed=self.failed)
        except shellcheck.ShellCheckMissing as exc:
            self.missing = exc

    def finish(self) -> dict[str, list[dict]]:
        from dflint import shellcheck

        if self.missing is not None:
            raise self.missing
        if self.started is not None:
            fresh = self.started.wait()
        elif self.todo:
            fresh = (self.runner or shellcheck.run)(self.todo, self.processes, failed=self.failed)
        else:
            return self.comments
        if self.cache is None:
            return fresh
        comments, failed = self.comments, self.failed
        for script, key in self.keys.items():
            got = fresh.get(script, [])
            comments[script] = got
            if script not in failed:
                self.cache.put("s", key, got)
        return comments

    def abort(self) -> None:
        """Stop the processes not waited for (after `finish`, nothing is left to stop)."""
        if self.started is not None:
            self.started.abort()


def _late_shellcheck_phase(result: Result) -> None:
    """Late rules again, now that ShellCheck's findings went through the pragmas too."""
    ctx, settings = result.context, result.settings
    if ctx is None or settings is None or ctx.suppressions is None:
        return
    ctx.phase = "shellcheck"
    for rule in settings.rules:
        if rule.late:
            _run_rule(rule, ctx, settings, None, result.diagnostics)


def internal_error(source: SourceFile, what: str, exc: BaseException) -> Diagnostic:
    """A DF000 finding for a bug in dflint or a plugin, with the innermost frame named."""
    import os
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    message = f"{what}: {type(exc).__name__}: {exc}{where}. This is a bug; please report it"
    return Diagnostic(source.path, *INTERNAL_ERROR, Severity.ERROR, message, Span(0, 0), source)


MAX_ROUNDS = 10


class FixOutcome:
    """What fixing one file gave: the new text, the fixes applied (code, title) and what is left."""

    def __init__(
        self, text: str, applied: list[tuple[str, str]], result: Result, problems: list[Diagnostic] | None = None
    ) -> None:
        self.text = text
        self.applied = applied
        self.result = result  # the lint of `text`
        self.problems = [] if problems is None else problems  # DF000 from the fix loop

    def changed(self, original: str) -> bool:
        return self.text != original


def fix(
    source: SourceFile,
    settings: Settings,
    registry: Registry | None = None,
    unsafe: bool = False,
    fixable: set[str] | None = None,
) -> FixOutcome:
    """Apply fixes round by round (re-parse and re-lint after each) until none applies.

    A file that does not parse (a DF001 finding) is never changed. A round whose output does not
    parse is thrown away and reported as an internal error naming the rules of that round; so is
    a loop that has not settled after `MAX_ROUNDS` rounds."""
    from dflint.fix import Applicability, apply_fixes

    floor = Applicability.UNSAFE if unsafe else Applicability.SAFE
    text = source.text
    result = lint(source, settings, registry)
    applied: list[tuple[str, str]] = []
    problems: list[Diagnostic] = []
    if not result.parses:
        return FixOutcome(text, applied, result, problems)
    for _ in range(MAX_ROUNDS):
        candidates = [
            (d.code, d.fix)
            for d in result.diagnostics
            if d.fix is not None
            and d.fix.applicability >= floor
            and (fixable is None or d.code in fixable)
        ]
        new_text, round_fixes = apply_fixes(text, candidates)
        if not round_fixes:
            break
        new_source = SourceFile(new_text, source.path, source.bom)
        new_result = lint(new_source, settings, registry)
        if not new_result.parses:
            rules = ", ".join(sorted({code for code, _ in round_fixes}))
            err = RuntimeError(f"the fixes of {rules} produced a file that does not parse; they were not applied")
            problems.append(internal_error(source, "fix", err))
            break
        text, result = new_text, new_result
        applied.extend((code, f.title) for code, f in round_fixes)
    else:
        err = RuntimeError(f"fixes did not converge after {MAX_ROUNDS} rounds")
        problems.append(internal_error(source, "fix", err))
    return FixOutcome(text, applied, result, problems)

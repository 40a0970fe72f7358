"""One function per command, each returning an exit code; `run` maps exceptions to exit codes."""

from __future__ import annotations

import os
import sys

from dflint.errors import ExitCode, UserError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    import argparse

    from dflint.diagnostic import Diagnostic
    from dflint.rule import Rule

# Imports are deferred to where they are used: a one-file `check` is mostly start-up time, and
# every module not loaded (difflib, pathlib, dataclasses, the report formats, …) is time saved.


def run(args: argparse.Namespace) -> int:
    from dflint.config import ConfigError
    from dflint.registry import SelectionError

    try:
        return COMMANDS[args.command](args)
    except (UserError, ConfigError, SelectionError) as exc:
        _error(str(exc))
        return ExitCode.USAGE
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return ExitCode.CLEAN
    except Exception as exc:  # a bug: say so in one line, with the innermost frame
        import traceback

        frame = traceback.extract_tb(exc.__traceback__)[-1]
        _error(
            f"internal error: {type(exc).__name__}: {exc} "
            f"(at {os.path.basename(frame.filename)}:{frame.lineno}); this is a bug, please report it"
        )
        return ExitCode.INTERNAL


def _error(message: str) -> None:
    print(f"dflint: error: {message}", file=sys.stderr)


def _warn(message: str) -> None:
    print(f"dflint: warning: {message}", file=sys.stderr)


def _silence_stdout() -> None:
    """After a closed pipe (``dflint … | head``): no traceback at interpreter exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# -- settings per file ----------------------------------------------------------------------


class Session:
    """What stays the same for every file of one run: registry, configs, CLI overrides.

    Settings are resolved once per directory and config, not once per file: the config that
    governs a folder is looked up once (`ConfigCache`), the CLI flags are applied to it once, its
    rules are instantiated once, and the `Settings` are shared by every file that resolves to the
    same config, build context and per-file ignores."""

    def __init__(self, args: argparse.Namespace, quiet: bool = False, load_rules: bool = True) -> None:
        self.args = args
        self.quiet = quiet  # a worker process: the parent already warned
        self.configs = None
        self._rules: dict[object, list[Rule]] = {}
        self._sc_filters: dict[object, object] = {}
        self._notices: set[object] = set()
        self._with_cli: dict[int, tuple[object, object]] = {}  # id(base config) -> (base, config)
        self._settings: dict[tuple, object] = {}
        self._cache: object = False  # not made yet
        self._registry = None
        if load_rules:  # (else on first use: see `check`)
            self.registry
        if args.isolated:
            from dflint.config import Config

            self._isolated = Config()
        else:
            from dflint.config import ConfigCache

            self._isolated = None
            self.configs = ConfigCache(args.config)

    @property
    def registry(self):
        """The rules (built-ins and plugins), loaded on first use; the command line's selectors
        are checked then (a SelectionError names the bad one)."""
        if self._registry is None:
            from dflint.registry import Registry

            registry = Registry.load()
            if getattr(self.args, "_gc_freeze", False):  # a dflint process: the rules live to its end
                import gc

                gc.freeze()  # the modules and rules loaded so far: never scanned by the collector again
            for problem in registry.errors if not self.quiet else ():
                _warn(f"{problem}; its rules are skipped")
            args = self.args
            registry.check_selectors([*(args.select or ()), *(args.extend_select or ()), *(args.ignore or ())], "command line")
            self._registry = registry
        return self._registry

    def cache(self):
        """The result cache of this run (dflint.cache.Cache), or None with ``--no-cache``."""
        if self._cache is False:
            if getattr(self.args, "no_cache", False):
                self._cache = None
            else:
                from dflint.cache import Cache, default_dir, install_tracking

                configured = None
                if getattr(self.args, "cache_dir", None):
                    self._cache = Cache(os.path.abspath(os.path.expanduser(self.args.cache_dir)))
                    install_tracking()
                    return self._cache
                if self._isolated is None:
                    try:
                        configured = self.configs.config_for(os.path.abspath(".")).cache_dir
                    except ValueError:  # a broken config here: its files report it
                        configured = None
                self._cache = Cache(default_dir(configured))
                install_tracking()  # before any rule asks the build context anything
        return self._cache

    def config_for(self, path: str):
        config = self._config_for(path)
        if config.hadolint and config.path not in self._notices and not self.quiet:
            self._notices.add(config.path)
            print(f"dflint: notice: no dflint config found; using hadolint's {config.path}", file=sys.stderr)
        return config

    def _config_for(self, path: str):
        args = self.args
        if self._isolated is not None:
            base = self._isolated
        else:
            where = args.stdin_filename if path == "-" and args.stdin_filename else (path if path != "-" else ".")
            base = self.configs.config_for(where if path != "-" or args.stdin_filename else os.path.join(os.getcwd(), "-"))
        cached = self._with_cli.get(id(base))
        if cached is not None and cached[0] is base:
            return cached[1]
        config = base.with_cli(
            select=args.select,
            extend_select=args.extend_select or (),
            ignore=args.ignore or (),
            target=args.target,
            build_args=args.build_arg or (),
            context=args.context,
            unsafe_fixes=getattr(args, "unsafe_fixes", None) or None,
        )
        self._with_cli[id(base)] = (base, config)  # keeps `base` alive, so its id stays its own
        return config

    def rules_for(self, config) -> list[Rule]:
        key = (config.path, config.select, config.extend_select, config.ignore)
        if key not in self._rules:
            config.validate_selectors(self.registry)
            classes = self.registry.select(config.select, config.extend_select, config.ignore)
            syntax = self.registry.get("DF001")
            if syntax is not None and syntax not in classes and not any(
                self.registry.specificity(sel, "DF001") == 1000 for sel in config.ignore
            ):
                classes = [syntax, *classes]  # a file BuildKit rejects is never "clean"
            rules = []
            for cls in classes:
                raw = dict(config.rule_options(cls.code))
                if cls.code == "DF200" and config.optimize.get("runtime-images") and "runtime-images" not in raw:
                    raw["runtime-images"] = config.optimize["runtime-images"]  # [optimize] table
                rules.append(_instantiate(cls, raw, config))
            self._rules[key] = rules
        return self._rules[key]

    def settings_for(self, path: str):
        config = self.config_for(path)
        shown = self.args.stdin_filename if path == "-" and self.args.stdin_filename else path
        file_ignores = config.ignores_for(shown)
        context_dir = self.context_dir(config, path)
        key = (id(config), context_dir, file_ignores)
        settings = self._settings.get(key)
        if settings is None:
            settings = self._settings[key] = self._settings_of(config, context_dir, file_ignores)
        return config, settings

    def context_dir(self, config, path: str) -> str | None:
        """The build context of `path` under `config`."""
        if config.context is not None:
            return config.context
        if path == "-":
            return os.path.dirname(os.path.abspath(self.args.stdin_filename)) if self.args.stdin_filename else None
        return os.path.dirname(os.path.abspath(path))

    def _settings_of(self, config, context_dir, file_ignores: tuple[str, ...]):
        from dflint.engine import Settings

        rules = self.rules_for(config)
        ignore: set[str] = set()
        for selector in file_ignores:
            ignore.update(self.registry.resolve_code(selector))
        severity = {}
        if config.severity:
            for rule in rules:
                level = config.severity_for(rule.code, self.registry)
                if level is not None:
                    severity[rule.code] = level
        settings = Settings(
            rules=rules,
            severity=severity,
            ignore=frozenset(ignore),
            context_dir=context_dir,  # a str: pathlib costs import time, and os.path takes either
            target=config.target,
            build_args=dict(config.build_args),
            extra_targets=tuple(config.extra_targets),
            disable_pragmas=bool(self.args.no_pragmas) or config.disable_pragmas,
            shellcheck=self._shellcheck_filter(config, file_ignores),
            severity_of=(lambda code: config.severity_for(code, self.registry)) if config.severity else None,
        )
        if not getattr(self.args, "no_cache", False):  # only the result cache reads it
            settings.fingerprint = _fingerprint(config, settings, file_ignores)
        return settings

    def _shellcheck_filter(self, config, file_ignores: tuple[str, ...]):
        """Which SC codes this file keeps, or None when none is selected (then ShellCheck does
        not run). Memoized: the same selection is shared by every file under one config."""
        ignore = (*config.ignore, *file_ignores)
        key = (config.select, config.extend_select, ignore)
        if key not in self._sc_filters:
            registry = self.registry
            if not registry.is_shellcheck_selected(config.select, config.extend_select, ignore):
                self._sc_filters[key] = None
            else:
                memo: dict[str, bool] = {}

                def keep(code: str) -> bool:
                    if code not in memo:
                        memo[code] = registry.is_shellcheck_selected(config.select, config.extend_select, ignore, code=code)
                    return memo[code]

                self._sc_filters[key] = keep
        return self._sc_filters[key]


def _fingerprint(config, settings, file_ignores: tuple[str, ...]) -> str:
    """Everything of the effective configuration a file's findings depend on, as one string
    (a part of the result cache's key, see dflint.cache)."""
    import json

    return json.dumps(
        {
            "rules": [[r.code, type(r).__module__, type(r).__qualname__, _stable(r.options)] for r in settings.rules],
            "severity": sorted((code, level.value) for code, level in settings.severity.items()),
            "severity-selectors": sorted((sel, level.value) for sel, level in config.severity.items()),
            "ignore": sorted(settings.ignore),
            "context": None if settings.context_dir is None else str(settings.context_dir),
            "target": settings.target,
            "build-args": sorted(settings.build_args.items()),
            "extra-targets": list(settings.extra_targets),
            "pragmas": not settings.disable_pragmas,
            "shellcheck": None
            if settings.shellcheck is None
            else [config.select, list(config.extend_select), [*config.ignore, *file_ignores]],
        },
        sort_keys=True,
        default=repr,
    )


def _stable(value):
    """`value` as JSON-able data with a stable order (rule options: RuleOptions, dataclasses,
    sets, dicts)."""
    from dflint.rule import RuleOptions, option_fields

    if isinstance(value, RuleOptions) or hasattr(type(value), "__dataclass_fields__"):
        return {name: _stable(getattr(value, name)) for name in option_fields(type(value))}
    if isinstance(value, dict):
        return {str(k): _stable(v) for k, v in sorted(value.items(), key=lambda kv: repr(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted((_stable(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def _instantiate(cls: type[Rule], raw: dict, config) -> Rule:
    from dflint.config import ConfigError

    if not raw:
        return cls()
    if cls.Options is None:
        raise ConfigError(f"{config.path}: [rules.{cls.code}]: {cls.code} ({cls.name}) takes no options")
    from dflint.rule import option_fields

    defaults = option_fields(cls.Options)
    fields = {name.replace("_", "-"): name for name in defaults}
    kwargs = {}
    for key, value in raw.items():
        if key not in fields:
            import difflib

            hint = difflib.get_close_matches(key, list(fields), n=1)
            extra = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(f"{config.path}: [rules.{cls.code}]: unknown option {key!r}{extra}")
        name = fields[key]
        default = defaults[name]
        expected = type(default) if isinstance(default, (bool, int, float, str, list, tuple, dict, set, frozenset)) else None
        if expected is not None:
            ok = isinstance(value, (list, tuple)) if expected in (list, tuple, set, frozenset) else (
                isinstance(value, bool) if expected is bool else isinstance(value, expected) and not isinstance(value, bool)
            )
            if not ok:
                raise ConfigError(
                    f"{config.path}: [rules.{cls.code}] {key}: expected {expected.__name__}, got {type(value).__name__}"
                )
        kwargs[name] = value
    return cls(cls.Options(**kwargs))


# -- check ----------------------------------------------------------------------------------


def _inputs(args: argparse.Namespace, session: Session) -> tuple[list[str], list[str]]:
    """Files to lint and the input errors found while looking for them."""
    from dflint.files import discover

    paths = args.paths or ["."]
    exclude = tuple(args.exclude or ())
    if session.configs is not None and session._isolated is None:
        cfg = session.configs.config_for(os.path.abspath("."))
        exclude += tuple(cfg.exclude or ()) + tuple(cfg.extend_exclude)
    found = discover(paths, exclude, args.force_exclude)
    problems = [f"{p}: no such file or directory" for p in found.missing]
    problems += [f"{p}: no Dockerfiles found (looked for Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*)" for p in found.empty]
    return found.files, problems


def _read_source(path: str, args: argparse.Namespace):
    from dflint.files import read
    from dflint.source import BinaryFileError, SourceFile

    shown = args.stdin_filename if path == "-" and args.stdin_filename else path
    if path == "-":
        if sys.stdin is None or sys.stdin.closed:
            raise UserError("-: stdin is closed (nothing to read)")
        data = sys.stdin.buffer.read()
    else:
        data = read(path)
    try:
        source = SourceFile.from_bytes(data, shown)
    except BinaryFileError as exc:
        raise UserError(f"{shown}: {exc}") from None
    if not data.isascii():
        try:  # undecodable bytes are exactly what makes a strict decode fail (C speed, not per char)
            data.decode("utf-8")
        except UnicodeDecodeError:
            _warn(f"{shown}: not valid UTF-8; undecodable bytes are kept as they are")
    return source, data


def _report(
    diagnostics: list[Diagnostic], args: argparse.Namespace, unsafe: bool = False, default: str | None = None
) -> None:
    from dflint.report import FORMATS, ReportOptions, report, want_color

    fmt = args.format or os.environ.get("DFLINT_FORMAT") or default or "full"
    if fmt not in FORMATS:
        names = ", ".join(sorted(FORMATS))
        raise UserError(f"unknown output format {fmt!r} (from DFLINT_FORMAT or output-format; one of: {names})")
    if args.output_file:
        out: TextIO = open(args.output_file, "w", encoding="utf-8", newline="\n")
    else:
        out = sys.stdout
    try:
        color = not args.no_color and not args.output_file and want_color(out)
        options = ReportOptions(color=color, unsafe_fixes=unsafe, statistics=args.statistics, quiet=args.quiet)
        report(diagnostics, out, options, format=fmt)
        out.flush()
    finally:
        if out is not sys.stdout:
            out.close()


def _threshold(config, args: argparse.Namespace):
    """The lowest severity that makes the exit code 1 for a file (None: nothing does)."""
    from dflint.rule import Severity

    level = getattr(args, "failure_threshold", None)
    if level == "none" or (level is None and config.exit_zero):
        return None
    return Severity.parse(level) if level else config.failure_threshold


def _exit_code(diagnostics: list[Diagnostic], thresholds: dict[str, object], input_errors: int, args) -> int:
    if any(d.code == "DF000" for d in diagnostics):
        return ExitCode.INTERNAL
    if input_errors:
        return ExitCode.USAGE
    if args.exit_zero:
        return ExitCode.CLEAN
    for d in diagnostics:
        if d.path not in thresholds:
            return ExitCode.FINDINGS
        threshold = thresholds[d.path]
        if threshold is not None and d.severity.rank >= threshold.rank:
            return ExitCode.FINDINGS
    return ExitCode.CLEAN


class Batch:
    """What linting some files gave (picklable, so worker processes can hand it back)."""

    __slots__ = ("diagnostics", "problems", "thresholds", "formats", "notices", "results")

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.problems: list[str] = []
        self.thresholds: dict[str, object] = {}
        self.formats: list[str] = []
        self.notices: list[str] = []
        self.results: list = []  # engine Results (only in-process)


#: Runs of at most this many files start ShellCheck per file, before the file's rules.
OVERLAP_MAX_FILES = 1


def _prepare(session: Session, args: argparse.Namespace):
    """For a run of one file: (path, data, `engine.Prepared`) — the file read and parsed and
    ShellCheck started on its scripts, before the rules load (it works meanwhile); None when the
    run is not of one regular file, when the command line turns ShellCheck off, or on any problem
    (the lint then reports it as usual)."""
    paths = args.paths
    if len(paths) != 1 or paths[0] == "-" or args.add_ignore or not os.path.isfile(paths[0]):
        return None
    upper = [s.upper() for s in args.ignore or ()]
    chosen = [s.upper() for s in [*(args.select or ()), *(args.extend_select or ())]]
    if "SC" in upper or "ALL" in upper or args.select is not None and not any(
        s == "ALL" or s.startswith("SC") for s in chosen
    ):
        return None
    from dflint.engine import Prepared

    try:
        source, data = _read_source(paths[0], args)
        return paths[0], data, Prepared(source, session.cache())
    except Exception:  # noqa: BLE001 - the lint meets the same problem and reports it
        return None


def _lint_files(
    session: Session, files: list[str], keep_results: bool = False, runner=None, prepared: tuple | None = None
) -> Batch:
    """Lint `files` in this process. ShellCheck runs over the distinct bodies of all of them,
    through `runner` when given (see `engine.add_shellcheck`). `prepared` is `_prepare`'s."""
    from dflint.engine import add_shellcheck, lint

    args = session.args
    batch = Batch()
    results = []
    cache = None if keep_results else session.cache()
    found: list[list[Diagnostic]] = []  # per file, in order: cached findings or a result's
    pending: list[tuple[object, str | None, object]] = []  # (result, cache key, recorder)
    processes = 1 if getattr(args, "_worker", False) else None
    # A run of a few files (pre-commit, an editor) starts ShellCheck on each file before its
    # rules (it works while they do); more files batch their bodies in one ShellCheck run (in a
    # worker: the parent's, through `runner`).
    overlap = len(files) <= OVERLAP_MAX_FILES and runner is None
    # A run with spare cores and few files (the parallel run's workers take one core each)
    # splits a big file's rules between two processes (dflint.split).
    split = runner is None and not getattr(args, "_worker", False) and (args.jobs or os.cpu_count() or 1) > 1
    for path in files:
        try:
            early = prepared[2] if prepared is not None and prepared[0] == path else None
            source, data = (early.source, prepared[1]) if early is not None else _read_source(path, args)
            config, settings = session.settings_for(path)
        except (UserError, ValueError) as exc:  # also ConfigError/SelectionError: other files go on
            batch.problems.append(str(exc))
            continue
        if args.verbose:
            print(f"dflint: {source.path}: config {config.path or '(defaults)'}", file=sys.stderr)
        batch.thresholds[source.path] = _threshold(config, args)
        if config.output_format:
            batch.formats.append(config.output_format)
        key = recorder = None
        if cache is not None and settings.fingerprint is not None:
            from dflint.cache import Recorder

            key = cache.result_key(data, source.path, settings.fingerprint, settings.shellcheck is not None, settings.rules)
            hit = cache.load_result(key, source)
            if hit is not None:
                found.append(hit)
                continue
            recorder = Recorder()
        result = lint(source, settings, session.registry, recorder, overlap, processes, cache, split, early)
        results.append(result)
        found.append(result.diagnostics)
        pending.append((result, key, recorder))
    notice = add_shellcheck(results, processes=processes, cache=cache, runner=runner)
    batch.notices.extend(n for result in results for n in result.notices)
    if notice:
        batch.notices.append(notice)
    elif cache is not None:
        for result, key, recorder in pending:
            _store(cache, result, key, recorder)
    if cache is not None:
        cache.maybe_prune()
    batch.diagnostics = [d for diagnostics in found for d in diagnostics]
    if keep_results:
        batch.results = results
    return batch


def _fixes_to_apply(diagnostics: list[Diagnostic], unsafe: bool, fixable: set[str]) -> bool:
    from dflint.fix import Applicability

    floor = Applicability.UNSAFE if unsafe else Applicability.SAFE
    return any(d.fix is not None and d.fix.applicability >= floor and d.code in fixable for d in diagnostics)


def _recording(cache):
    """Start recording build-context reads for the file about to be linted (a new Recorder,
    returned), or stop (None). Only with a cache."""
    from dflint import cache as cache_mod

    recorder = cache_mod.Recorder() if cache is not None else None
    cache_mod.CURRENT = recorder
    return recorder


def _store(cache, result, key: str | None, recorder) -> None:
    """Keep a file's result in the cache, with what it read of the build context."""
    from dflint.cache import context_deps, install_tracking

    if key is None or not result.complete:
        return
    deps = None
    ctx = result.context
    if ctx is not None and ctx.context_consulted:
        if recorder is None or not install_tracking():
            return  # it read files we cannot name: not cached
        context_deps(recorder, ctx._context_dir, result.dockerfile.source.path)
        deps = recorder.signatures()
    cache.store_result(key, result.diagnostics, deps)


def _lint_parallel(session: Session, files: list[str], jobs: int) -> Batch:
    """Lint `files` in `jobs` worker processes. ShellCheck runs here, in the parent: each worker
    lints its share and sends the scripts it needs checked (those the cache does not answer),
    the parent starts ShellCheck on each script no other worker sent before (so each distinct
    script of the run is checked once, by up to `jobs` processes at a time), and once every
    worker still at work is waiting, answers each with its scripts' comments; the workers then
    add the findings (where the files' parsed Dockerfiles are) and send back their Batch."""
    import multiprocessing
    from multiprocessing.connection import wait

    mp = multiprocessing.get_context()
    chunks = [chunk for chunk in (files[i::jobs] for i in range(jobs)) if chunk]
    checker = _ParentShellCheck(len(chunks))
    workers = []
    try:
        for chunk in chunks:
            mine, theirs = mp.Pipe()
            proc = mp.Process(target=_lint_in_worker, args=(session.args, chunk, theirs), daemon=True)
            proc.start()
            theirs.close()
            workers.append((proc, mine))
        parts: dict[object, Batch] = {}
        asking: dict[object, list[str]] = {}  # connection -> the scripts it waits for
        busy = [conn for _, conn in workers]  # still linting or waiting for an answer
        while busy:
            for conn in wait(busy):
                try:
                    kind, value = conn.recv()
                except EOFError:
                    raise RuntimeError("a worker process ended unexpectedly") from None
                if kind == "scripts":
                    checker.start(value)
                    asking[conn] = value
                elif kind == "batch":
                    parts[conn] = value
                    busy.remove(conn)
                else:  # "error": what the worker raised
                    raise value
            if asking and len(asking) == len(busy):  # nobody is linting: nothing more can come
                for conn, scripts in asking.items():
                    conn.send(checker.answer(scripts))
                asking = {}
    finally:
        checker.abort()
        for proc, conn in workers:
            conn.close()
            if proc.is_alive():
                proc.terminate()
            proc.join()
    total = Batch()
    for _, conn in workers:
        part = parts[conn]
        total.diagnostics.extend(part.diagnostics)
        total.problems.extend(part.problems)
        total.thresholds.update(part.thresholds)
        total.formats.extend(part.formats)
        total.notices.extend(n for n in part.notices if n not in total.notices)
    return total


class _ParentShellCheck:
    """The parent's side of a parallel run's ShellCheck: `start` it on scripts a worker sent
    (those not started before), `answer` a worker with its scripts' comments (waiting for
    every run started: by then no worker is linting any more), `abort` what is left."""

    def __init__(self, processes: int) -> None:
        from dflint.shellcheck import Failures

        self.processes = processes
        self.seen: set[str] = set()
        self.runs: list = []  # shellcheck.Started
        self.comments: dict[str, list[dict]] = {}
        self.failed = Failures()
        self.missing: str | None = None

    def start(self, scripts: list[str]) -> None:
        from dflint import shellcheck

        new = [s for s in scripts if s not in self.seen]
        self.seen.update(new)
        if not new or self.missing is not None:
            return
        try:
            self.runs.append(shellcheck.start_scripts(new, self.processes, failed=self.failed))
        except shellcheck.ShellCheckMissing as exc:
            self.missing = str(exc)

    def answer(self, scripts: list[str]) -> tuple:
        """("missing", notice) or ("comments", comments per script, why a script failed)."""
        if self.missing is not None:
            return ("missing", self.missing, None)
        while self.runs:  # one by one: on ^C, `abort` ends those not waited for
            self.comments.update(self.runs[0].wait())
            del self.runs[0]
        reasons = self.failed.reasons
        return (
            "comments",
            {s: self.comments.get(s, []) for s in scripts},
            {s: reasons.get(s, "failed") for s in scripts if s in self.failed},
        )

    def abort(self) -> None:
        runs, self.runs = self.runs, []
        for run in runs:
            run.abort()


class _AskParent:
    """`shellcheck.run` in a worker of `_lint_parallel`: the parent checks the scripts."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def __call__(self, jobs: list, processes: int | None = None, binary: str | None = None, failed=None) -> dict:
        from dflint import shellcheck

        self.conn.send(("scripts", sorted({job.script for job in jobs})))
        kind, comments, reasons = self.conn.recv()
        if kind == "missing":
            raise shellcheck.ShellCheckMissing(comments)
        for script, reason in reasons.items():
            shellcheck.mark_failed(failed, [script], reason)
        return comments


def _lint_in_worker(args: argparse.Namespace, files: list[str], conn) -> None:
    """A worker process of `_lint_parallel`: sends ("scripts", …) to ask for ShellCheck's
    comments, then ("batch", Batch), or ("error", exception)."""
    try:
        args._worker = True
        if getattr(args, "_gc_freeze", False):  # inherited with fork, not with spawn
            from dflint.cli import tune_gc

            tune_gc()
        conn.send(("batch", _lint_files(Session(args, quiet=True), files, runner=_AskParent(conn))))
    except KeyboardInterrupt:
        pass  # ^C reached the parent too: it ends the run
    except BaseException as exc:
        try:
            conn.send(("error", exc))
        except Exception:  # not picklable
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


#: Below this many files one process is faster than starting workers.
PARALLEL_MIN_FILES = 24


def check(args: argparse.Namespace) -> int:
    session = Session(args, load_rules=False)
    prepared = _prepare(session, args)
    try:
        session.registry  # (the rules load now; a bad selector on the command line is a usage error)
        files, problems = _inputs(args, session)
        jobs = args.jobs or os.cpu_count() or 1
        if jobs > 1 and len(files) >= PARALLEL_MIN_FILES and "-" not in files and not args.add_ignore:
            batch = _lint_parallel(session, files, min(jobs, len(files)))
        else:
            batch = _lint_files(session, files, keep_results=args.add_ignore, prepared=prepared)
    finally:
        if prepared is not None:
            prepared[2].abort()  # (unless the lint took its ShellCheck run over)
    problems += batch.problems
    for notice in batch.notices:
        print(f"dflint: notice: {notice}", file=sys.stderr)
    if args.add_ignore:
        return _add_ignores(batch.results, problems)
    for problem in problems:
        _error(problem)
    if not files and not problems:
        _error("no Dockerfiles to lint")
        return ExitCode.USAGE
    _report(batch.diagnostics, args, default=batch.formats[0] if batch.formats else None)
    return _exit_code(batch.diagnostics, batch.thresholds, len(problems), args)


def _add_ignores(results, problems: list[str]) -> int:
    from dflint.baseline import add_ignores
    from dflint.files import write_atomic

    added = files = 0
    for result in results:
        source = result.dockerfile.source
        if not result.parses or source.path == "-":
            continue
        text, count = add_ignores(result.dockerfile, result.diagnostics)
        if count:
            try:
                write_atomic(source.path, source.to_bytes(text), source.to_bytes())
            except UserError as exc:
                problems.append(str(exc))
                continue
            added, files = added + count, files + 1
    for problem in problems:
        _error(problem)
    print(f"dflint: added {added} ignore pragma{'s' if added != 1 else ''} in {files} file{'s' if files != 1 else ''}", file=sys.stderr)
    return ExitCode.USAGE if problems else ExitCode.CLEAN


# -- fix ------------------------------------------------------------------------------------


def fix(args: argparse.Namespace) -> int:
    from dflint.engine import add_shellcheck
    from dflint.engine import fix as fix_source
    from dflint.files import write_atomic

    session = Session(args)
    files, problems = _inputs(args, session)
    diagnostics: list[Diagnostic] = []
    thresholds: dict[str, object] = {}
    notices: list[str] = []
    changed = 0
    cache = session.cache()
    for path in files:
        try:
            source, data = _read_source(path, args)
            config, settings = session.settings_for(path)
        except (UserError, ValueError) as exc:  # also ConfigError/SelectionError: other files go on
            problems.append(str(exc))
            continue
        fixable = {
            r.code for r in settings.rules if session.registry.is_fixable(r.code, config.fixable, config.unfixable)
        }
        thresholds[source.path] = _threshold(config, args)
        key = None
        if cache is not None and settings.fingerprint is not None:
            key = cache.result_key(data, source.path, settings.fingerprint, settings.shellcheck is not None, settings.rules)
            hit = cache.load_result(key, source)
            if hit is not None and not _fixes_to_apply(hit, config.unsafe_fixes, fixable):
                diagnostics.extend(hit)  # nothing to fix: the cached findings are the answer
                if path == "-":
                    sys.stdout.write(source.text)
                continue
        recorder = _recording(cache)
        try:
            outcome = fix_source(source, settings, session.registry, unsafe=config.unsafe_fixes, fixable=fixable)
        finally:
            _recording(None)
        notice = add_shellcheck([outcome.result], cache=cache)
        if notice and notice not in notices:
            notices.append(notice)
        notices.extend(n for n in outcome.result.notices if n not in notices)
        diagnostics.extend(outcome.problems)
        diagnostics.extend(outcome.result.diagnostics)
        cacheable = cache is not None and not notice and not outcome.problems
        if not outcome.changed(source.text):
            if cacheable:
                _store(cache, outcome.result, key, recorder)
            if path == "-":
                sys.stdout.write(source.text)
            continue
        changed += 1
        new_bytes = source.to_bytes(outcome.text)
        if args.diff:
            import difflib

            sys.stdout.writelines(
                difflib.unified_diff(
                    source.text.splitlines(keepends=True),
                    outcome.text.splitlines(keepends=True),
                    fromfile=f"a/{source.path}",
                    tofile=f"b/{source.path}",
                )
            )
        elif path == "-":
            sys.stdout.write(outcome.text)
        else:
            try:
                write_atomic(path, new_bytes, data)
            except UserError as exc:
                problems.append(str(exc))
                continue
            if cacheable:  # the file as written: its findings for next time
                key = cache.result_key(
                    new_bytes, source.path, settings.fingerprint, settings.shellcheck is not None, settings.rules
                )
                _store(cache, outcome.result, key, recorder)
        if args.show_fixes or args.verbose:
            for code, title in outcome.applied:
                print(f"{source.path}: fixed {code}: {title}", file=sys.stderr)
    if cache is not None:
        cache.maybe_prune()
    for notice in notices:
        print(f"dflint: notice: {notice}", file=sys.stderr)
    for problem in problems:
        _error(problem)
    if not files and not problems:
        _error("no Dockerfiles to fix")
        return ExitCode.USAGE
    if args.diff:
        code = _exit_code([d for d in diagnostics if d.code == "DF000"], thresholds, len(problems), args)
        return code if code else (ExitCode.FINDINGS if changed else ExitCode.CLEAN)
    if "-" in files:
        _report_to(sys.stderr, diagnostics, args)
    else:
        _report(diagnostics, args, unsafe=True)
    code = _exit_code(diagnostics, thresholds, len(problems), args)
    if code == ExitCode.CLEAN and changed and args.exit_non_zero_on_fix:
        return ExitCode.FINDINGS
    return code


def _report_to(stream: TextIO, diagnostics: list[Diagnostic], args: argparse.Namespace) -> None:
    from dflint.report import ReportOptions, report

    report(diagnostics, stream, ReportOptions(color=False, quiet=args.quiet), format=args.format or "concise")


# -- rule documentation ---------------------------------------------------------------------


def rule(args: argparse.Namespace) -> int:
    from dflint.docs import render_rule
    from dflint.registry import Registry

    registry = Registry.load()
    cls = registry.get(args.rule)
    if cls is None:
        hint = registry.suggest(args.rule)
        raise UserError(f"unknown rule {args.rule!r}" + (f" (did you mean {hint!r}?)" if hint else ""))
    if args.format == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(render_rule(cls, "markdown")))
    else:
        _write(render_rule(cls, args.format))
    return ExitCode.CLEAN


def rules(args: argparse.Namespace) -> int:
    from dflint.docs import render_rules
    from dflint.registry import Registry

    _write(render_rules(Registry.load().rules, args.format))
    return ExitCode.CLEAN


def _write(text: str) -> None:
    from dflint.report import clean, stream_encoding

    sys.stdout.write(clean(text, stream_encoding(sys.stdout)) if sys.stdout.isatty() else text)
    if not text.endswith("\n"):
        sys.stdout.write("\n")
    sys.stdout.flush()


def graph(args: argparse.Namespace) -> int:
    from dflint.graph_command import graph as show_graph

    return show_graph(args)


COMMANDS = {"check": check, "fix": fix, "rule": rule, "rules": rules, "graph": graph}

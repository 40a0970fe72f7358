"""The command line: argparse only. `main(argv) -> int` parses and hands over to `commands`.

argparse is imported only when needed: a plain ``dflint check [options] FILE…`` (a pre-commit hook,
an editor) is read by `fast_check_args`, which gives the same namespace argparse would, or None
for anything it does not read exactly like argparse (then argparse parses, and reports errors)."""

from __future__ import annotations

import os
import sys

from dflint import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

FORMATS = (
    "full",
    "concise",
    "grouped",
    "json",
    "json-lines",
    "sarif",
    "github",
    "gitlab",
    "checkstyle",
    "junit",
    "rdjson",
)


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _extend(items: list[str] | None, value: str) -> list[str]:
    """What ``--ignore VALUE`` makes of the list so far (comma-separated and repeatable)."""
    out = list(items or [])
    out.extend(_csv(value))
    return out


_CLASSES: list[type] = []


def _argparse_classes() -> tuple[type, type]:
    """The argparse Action and HelpFormatter of dflint (made on first use: argparse is imported
    only when the command line needs it)."""
    if not _CLASSES:
        import argparse

        class _Extend(argparse.Action):
            """Comma-separated and repeatable: ``--ignore DL3008,DL3009 --ignore DF100``."""

            def __call__(self, parser, namespace, values, option_string=None):
                setattr(namespace, self.dest, _extend(getattr(namespace, self.dest, None), values))

        class _HelpFormatter(argparse.HelpFormatter):
            """argparse's formatter, without importing shutil for the terminal width (argparse
            makes a formatter for every `add_argument`, and shutil, with the compression modules
            it imports, costs a few ms of every run)."""

            def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
                if width is None:
                    width = _terminal_columns() - 2
                super().__init__(prog, indent_increment, max_help_position, width)

        _CLASSES.extend((_Extend, _HelpFormatter))
    return _CLASSES[0], _CLASSES[1]


def _lint_options(p: argparse.ArgumentParser) -> None:
    _Extend, _ = _argparse_classes()
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories to lint; - for stdin")
    sel = p.add_argument_group("rule selection")
    sel.add_argument("--select", action=_Extend, metavar="RULES", help="rules to enable (codes, prefixes, names), replacing the defaults")
    sel.add_argument("--extend-select", action=_Extend, metavar="RULES", help="rules to enable on top of the selection")
    sel.add_argument("--ignore", action=_Extend, metavar="RULES", help="rules to disable")
    files = p.add_argument_group("file selection")
    files.add_argument("--exclude", action=_Extend, metavar="GLOBS", help="paths to skip when walking directories")
    files.add_argument("--force-exclude", action="store_true", help="apply excludes to paths given on the command line too")
    files.add_argument("--stdin-filename", metavar="PATH", help="the name of the file read from stdin")
    build = p.add_argument_group("build")
    build.add_argument("--target", metavar="STAGE", help="the stage being built (default: the last)")
    build.add_argument("--build-arg", action="append", default=[], metavar="K=V", help="a build argument, as for docker build")
    build.add_argument("--context", metavar="DIR", help="the build context (default: the Dockerfile's directory)")
    p.add_argument(
        "-j", "--jobs", type=int, default=None, metavar="N",
        help="lint in N processes (default: the number of cores; 1 for none)",
    )
    cfg = p.add_argument_group("configuration")
    cfg.add_argument("--config", metavar="FILE", help="use this .dflint.toml or pyproject.toml instead of discovering one")
    cfg.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    cfg.add_argument("--no-pragmas", action="store_true", help="ignore # dflint/# hadolint ignore comments")
    cfg.add_argument(
        "--no-cache", action="store_true",
        help="do not read or write the result cache",
    )
    cfg.add_argument(
        "--cache-dir", metavar="DIR",
        help="the result cache's folder (default: DFLINT_CACHE_DIR, the cache-dir key, ~/.cache/dflint)",
    )
    out = p.add_argument_group("output")
    out.add_argument("--format", choices=FORMATS, default=None, help="output format (default: full)")
    out.add_argument("--output-file", metavar="FILE", help="write the report here instead of stdout")
    out.add_argument("--statistics", action="store_true", help="count findings per rule")
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    out.add_argument(
        "--failure-threshold",
        choices=("error", "warning", "info", "style", "none"),
        help="exit 1 only for findings at this severity or above (none: never)",
    )
    out.add_argument("--no-color", action="store_true", help="plain output (also NO_COLOR)")
    out.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary")
    out.add_argument("-v", "--verbose", action="store_true", help="say which files and configs are used")


COMMANDS = ("check", "fix", "rule", "rules", "graph")


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``: $COLUMNS, else the terminal's width, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
        columns = columns or 80
    return columns


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only` (a command name), just that command's subparser:
    argparse is slow to build, and a run needs one."""
    import argparse

    _, _HelpFormatter = _argparse_classes()
    parser = argparse.ArgumentParser(
        prog="dflint",
        description="A Dockerfile linter and multi-stage optimizer.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dflint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    if only in (None, "check"):
        check = sub.add_parser("check", help="lint Dockerfiles", formatter_class=_HelpFormatter)
        _lint_options(check)
        check.add_argument(
            "--add-ignore",
            action="store_true",
            help="write a '# dflint: ignore=…' pragma above every instruction with findings (a baseline)",
        )

    if only in (None, "fix"):
        fix = sub.add_parser("fix", help="apply fixes, then report what is left", formatter_class=_HelpFormatter)
        _lint_options(fix)
        fix.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that may change the build")
        fix.add_argument("--diff", action="store_true", help="print a diff of the fixes and write nothing")
        fix.add_argument("--show-fixes", action="store_true", help="list the fixes applied")
        fix.add_argument("--exit-non-zero-on-fix", action="store_true", help="exit 1 when a file was changed")

    if only in (None, "rule"):
        rule = sub.add_parser("rule", help="show the documentation of a rule", formatter_class=_HelpFormatter)
        rule.add_argument("rule", metavar="CODE|NAME")
        rule.add_argument("--format", choices=("text", "markdown", "json"), default="text")

    if only in (None, "rules"):
        rules = sub.add_parser("rules", help="list every rule", formatter_class=_HelpFormatter)
        rules.add_argument("--format", choices=("text", "markdown", "json"), default="text")

    if only in (None, "graph"):
        graph = sub.add_parser(
            "graph", help="show the stage graph (tree, Graphviz DOT or Mermaid)", formatter_class=_HelpFormatter
        )
        graph.add_argument("path", metavar="PATH", help="the Dockerfile; - for stdin")
        graph.add_argument("--target", metavar="STAGE", help="the stage being built (default: the last)")
        graph.add_argument("--build-arg", action="append", default=[], metavar="K=V", help="a build argument, as for docker build")
        graph.add_argument("--format", choices=("tree", "dot", "mermaid"), default="tree", help="output format (default: tree)")
        graph.add_argument("--no-color", action="store_true", help="plain output (also NO_COLOR)")
        graph.add_argument("--config", metavar="FILE", help="use this .dflint.toml or pyproject.toml instead of discovering one")
        graph.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    return parser


# -- the fast path for `check` ----------------------------------------------------------------

#: `check`'s store_true options, as the fast path reads them: option → attribute.
_CHECK_FLAGS = {
    "--force-exclude": "force_exclude",
    "--isolated": "isolated",
    "--no-pragmas": "no_pragmas",
    "--no-cache": "no_cache",
    "--statistics": "statistics",
    "--exit-zero": "exit_zero",
    "--no-color": "no_color",
    "-q": "quiet",
    "--quiet": "quiet",
    "-v": "verbose",
    "--verbose": "verbose",
    "--add-ignore": "add_ignore",
}
#: `check`'s options with a value: option → (attribute, how the value is read: "csv" (the
#: comma-separated, repeatable selectors), "append", "str", "int", or the tuple of choices).
_CHECK_VALUES: dict[str, tuple[str, object]] = {
    "--select": ("select", "csv"),
    "--extend-select": ("extend_select", "csv"),
    "--ignore": ("ignore", "csv"),
    "--exclude": ("exclude", "csv"),
    "--stdin-filename": ("stdin_filename", "str"),
    "--target": ("target", "str"),
    "--build-arg": ("build_arg", "append"),
    "--context": ("context", "str"),
    "-j": ("jobs", "int"),
    "--jobs": ("jobs", "int"),
    "--config": ("config", "str"),
    "--cache-dir": ("cache_dir", "str"),
    "--format": ("format", FORMATS),
    "--output-file": ("output_file", "str"),
    "--failure-threshold": ("failure_threshold", ("error", "warning", "info", "style", "none")),
}
#: What argparse sets when an option is not given (tests/test_cold_start.py compares all three
#: tables with `build_parser`).
_CHECK_DEFAULTS: dict[str, object] = {
    "command": "check",
    "paths": [],
    "select": None,
    "extend_select": None,
    "ignore": None,
    "exclude": None,
    "force_exclude": False,
    "stdin_filename": None,
    "target": None,
    "build_arg": [],
    "context": None,
    "jobs": None,
    "config": None,
    "isolated": False,
    "no_pragmas": False,
    "no_cache": False,
    "cache_dir": None,
    "format": None,
    "output_file": None,
    "statistics": False,
    "exit_zero": False,
    "failure_threshold": None,
    "no_color": False,
    "quiet": False,
    "verbose": False,
    "add_ignore": False,
}


def fast_check_args(argv: list[str]):
    """The namespace argparse makes of ``check …`` `argv`, read without argparse, or None when
    `argv` is anything else or uses what this reader leaves to argparse: abbreviated or unknown
    options, ``--``, grouped short options, a value that starts with ``-``, ``-h``, a value
    argparse would refuse, paths on both sides of an option (an argparse error)."""
    if not argv or argv[0] != "check":
        return None
    import types

    values = dict(_CHECK_DEFAULTS)
    values["paths"] = paths = []
    values["build_arg"] = []
    seen_paths = after_paths = False
    i, n = 1, len(argv)
    while i < n:
        arg = argv[i]
        i += 1
        if not arg.startswith("-") or arg == "-":
            if after_paths:
                return None  # argparse takes one run of paths: "unrecognized arguments"
            seen_paths = True
            paths.append(arg)
            continue
        if seen_paths:
            after_paths = True
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if not eq and name in _CHECK_FLAGS:
            values[_CHECK_FLAGS[name]] = True
            continue
        if name not in _CHECK_VALUES:
            return None
        if not eq:
            if i >= n or argv[i].startswith("-"):
                return None
            value = argv[i]
            i += 1
        dest, kind = _CHECK_VALUES[name]
        if kind == "csv":
            values[dest] = _extend(values[dest], value)  # type: ignore[arg-type]
        elif kind == "append":
            values[dest] = [*values[dest], value]  # type: ignore[misc]
        elif kind == "int":
            try:
                values[dest] = int(value)
            except ValueError:
                return None
        elif kind == "str":
            values[dest] = value
        elif value in kind:  # type: ignore[operator]
            values[dest] = value
        else:
            return None
    return types.SimpleNamespace(**values)


def _command_in(argv: list[str]) -> str | None:
    """The command named in `argv` (its first word that is not an option), if it is one."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


#: Collector thresholds for a dflint process. Linting allocates many long-lived objects (parsed
#: files, results) and few cycles: with Python's default (700, 10, 10) the collector ran often and
#: took ~20% of the CPU time on a corpus; a larger first generation makes it rare.
GC_THRESHOLD = (20_000, 20, 100)


def tune_gc() -> None:
    """Raise the collector's thresholds (in a dflint process only, never in a host's)."""
    import gc

    gc.set_threshold(*GC_THRESHOLD)


def main(argv: list[str] | None = None) -> int:
    from dflint.errors import ExitCode

    tuned = argv is None  # a dflint process (not a call from Python): tune its garbage collector
    if argv is None:
        argv = sys.argv[1:]
        tune_gc()
    args = fast_check_args(argv)
    if args is None:
        parser = build_parser(_command_in(argv))
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse: usage errors are 2, --help/--version 0
            return int(exc.code or 0)
        if args.command is None:
            parser.print_help(sys.stderr)
            return ExitCode.USAGE
    args._gc_freeze = tuned  # commands.Session freezes the loaded rules
    from dflint import commands

    return commands.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

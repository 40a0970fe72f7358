"""The command line: argparse only. `main(argv) -> int` parses and hands over to `commands`."""

from __future__ import annotations

import argparse
import sys

from dflint import __version__

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


class _Extend(argparse.Action):
    """Comma-separated and repeatable: ``--ignore DL3008,DL3009 --ignore DF100``."""

    def __call__(self, parser, namespace, values, option_string=None):
        items = list(getattr(namespace, self.dest, None) or [])
        items.extend(_csv(values))
        setattr(namespace, self.dest, items)


def _lint_options(p: argparse.ArgumentParser) -> None:
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


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only` (a command name), just that command's subparser:
    argparse is slow to build, and a run needs one."""
    parser = argparse.ArgumentParser(
        prog="dflint",
        description="A Dockerfile linter and multi-stage optimizer.",
    )
    parser.add_argument("--version", action="version", version=f"dflint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    if only in (None, "check"):
        check = sub.add_parser("check", help="lint Dockerfiles")
        _lint_options(check)
        check.add_argument(
            "--add-ignore",
            action="store_true",
            help="write a '# dflint: ignore=…' pragma above every instruction with findings (a baseline)",
        )

    if only in (None, "fix"):
        fix = sub.add_parser("fix", help="apply fixes, then report what is left")
        _lint_options(fix)
        fix.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that may change the build")
        fix.add_argument("--diff", action="store_true", help="print a diff of the fixes and write nothing")
        fix.add_argument("--show-fixes", action="store_true", help="list the fixes applied")
        fix.add_argument("--exit-non-zero-on-fix", action="store_true", help="exit 1 when a file was changed")

    if only in (None, "rule"):
        rule = sub.add_parser("rule", help="show the documentation of a rule")
        rule.add_argument("rule", metavar="CODE|NAME")
        rule.add_argument("--format", choices=("text", "markdown", "json"), default="text")

    if only in (None, "rules"):
        rules = sub.add_parser("rules", help="list every rule")
        rules.add_argument("--format", choices=("text", "markdown", "json"), default="text")

    if only in (None, "graph"):
        graph = sub.add_parser("graph", help="show the stage graph (tree, Graphviz DOT or Mermaid)")
        graph.add_argument("path", metavar="PATH", help="the Dockerfile; - for stdin")
        graph.add_argument("--target", metavar="STAGE", help="the stage being built (default: the last)")
        graph.add_argument("--build-arg", action="append", default=[], metavar="K=V", help="a build argument, as for docker build")
        graph.add_argument("--format", choices=("tree", "dot", "mermaid"), default="tree", help="output format (default: tree)")
        graph.add_argument("--no-color", action="store_true", help="plain output (also NO_COLOR)")
        graph.add_argument("--config", metavar="FILE", help="use this .dflint.toml or pyproject.toml instead of discovering one")
        graph.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    return parser


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

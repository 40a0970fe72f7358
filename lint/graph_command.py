"""``dflint graph PATH``: print a Dockerfile's stage graph as a tree, Graphviz DOT or Mermaid.

The target, build args and extra targets come from the configuration that applies to the file
(``target``, ``build-args``, ``extra-targets``), then from ``--target`` and ``--build-arg``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from dflint.errors import ExitCode, UserError

__all__ = ["graph"]


def graph(args: argparse.Namespace) -> int:
    from dflint.config import Config, ConfigCache
    from dflint.files import read
    from dflint.graph import StageGraph
    from dflint.graph_render import render
    from dflint.parser import parse
    from dflint.report import clean, stream_encoding, want_color
    from dflint.source import BinaryFileError, SourceFile

    path = args.path
    data = sys.stdin.buffer.read() if path == "-" else read(path)
    shown = "<stdin>" if path == "-" else path
    try:
        source = SourceFile.from_bytes(data, shown)
    except BinaryFileError as exc:
        raise UserError(f"{shown}: {exc}") from None

    if getattr(args, "isolated", False):
        config = Config()
    else:
        where = os.path.join(os.getcwd(), "-") if path == "-" else path
        config = ConfigCache(getattr(args, "config", None)).config_for(where)
    config = config.with_cli(target=args.target, build_args=args.build_arg or ())

    dockerfile = parse(source)
    stage_graph = StageGraph.build(dockerfile, target=config.target, build_args=config.build_args,
                                   extra_targets=config.extra_targets)
    for problem in stage_graph.problems:
        if problem.kind in ("unknown-target", "unknown-extra-target"):
            raise UserError(f"{shown}: {problem.message.split(';')[0]}")

    fmt = args.format or "tree"
    out = sys.stdout
    encoding = stream_encoding(out)
    color = fmt == "tree" and not args.no_color and want_color(out)
    width = shutil.get_terminal_size((100, 24)).columns if color else None
    text = render(stage_graph, fmt, shown, color=color, width=width,
                  ascii_only=not encoding.startswith("utf"))
    if not color:
        text = "\n".join(clean(line, encoding) for line in text.split("\n"))
    out.write(text)
    out.flush()
    return ExitCode.CLEAN

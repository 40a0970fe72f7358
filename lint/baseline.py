"""``dflint check --add-ignore``: adopt dflint on an existing repository by writing a
``# dflint: ignore=…`` pragma above every instruction that has findings today (a baseline).

Later, DF900 (unused-pragma) reports the entries that no longer suppress anything, with a fix
that removes them, so the baseline shrinks as the Dockerfiles get fixed.
"""

from __future__ import annotations

import re

from dflint.diagnostic import Diagnostic
from dflint.fix import Edit, apply_edits
from dflint.syntax import Comment, Dockerfile, Instruction

_EXISTING = re.compile(r"(?P<head>#\s*dflint\s*:\s*ignore\s*=\s*)(?P<list>[^#\r\n]*)", re.IGNORECASE)
#: Findings a pragma cannot or should not hide.
NEVER = {"DF000", "DF001", "DF900"}


def add_ignores(dockerfile: Dockerfile, diagnostics: list[Diagnostic]) -> tuple[str, int]:
    """The text with a pragma above every instruction holding findings, and how many
    instructions got one (or had one extended)."""
    text = dockerfile.text
    newline = dockerfile.source.newline
    nodes = dockerfile.nodes
    by_instruction: dict[int, set[str]] = {}
    index_of = {id(n): i for i, n in enumerate(nodes)}
    instructions = [n for n in nodes if isinstance(n, Instruction)]
    for d in diagnostics:
        if d.code in NEVER:
            continue
        owner = next((i for i in instructions if i.span.start <= d.span.start < max(i.span.end, i.span.start + 1)), None)
        if owner is not None:
            by_instruction.setdefault(index_of[id(owner)], set()).add(d.code)
    edits: list[Edit] = []
    for index, codes in sorted(by_instruction.items()):
        instr = nodes[index]
        previous = nodes[index - 1] if index > 0 else None
        if isinstance(previous, Comment):
            line = text[previous.span.start : previous.span.end]
            m = _EXISTING.search(line)
            if m:
                have = [c.strip() for c in m.group("list").split(",") if c.strip()]
                missing = [c for c in sorted(codes) if c not in have]
                if missing:
                    at = previous.span.start + m.end("list")
                    sep = ", " if have else ""
                    body = m.group("list")
                    trailing = len(body) - len(body.rstrip())
                    edits.append(Edit.insert(at - trailing, sep + ", ".join(missing)))
                continue
        line_start = text.rfind("\n", 0, instr.span.start) + 1
        indent = text[line_start : line_start + len(text[line_start:]) - len(text[line_start:].lstrip(" \t"))]
        edits.append(Edit.insert(instr.span.start, f"{indent}# dflint: ignore={', '.join(sorted(codes))}{newline}"))
    return (apply_edits(text, edits), len(edits)) if edits else (text, 0)

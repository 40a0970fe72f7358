"""The shell form → exec form rewrite of ``CMD``, ``ENTRYPOINT`` and ``HEALTHCHECK CMD``, shared
by DL3025 (`shell-form-command`) and DF403 (`shell-form-without-shell`).

- `exec_form_argv`: the exec-form arguments of a shell-form command, when it splits into words
  unambiguously (one simple command, no variables, globs, operators, redirections, comments or
  shell builtins; a leading ``exec`` dropped), grouped by the line each is written on.
- `exec_form_fix`: the JSON array and the unsafe fix that writes it in place of a span, keeping
  the arguments on the lines they were written on.
"""

from __future__ import annotations

import json

from dflint.fix import Edit, Fix
from dflint.shell import Script, basename

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dflint.rule import Context
    from dflint.source import Span
    from dflint.syntax import Instruction

__all__ = ["BUILTINS", "exec_form_argv", "exec_form_fix"]

#: Shell builtins and keywords: exec form cannot run them.
BUILTINS = frozenset(
    ". : [ [[ alias bg break builtin cd command continue declare eval exec exit export false fg "
    "getopts hash jobs let local read readonly return set shift source test times trap true "
    "type typeset ulimit umask unalias unset wait".split()
)
_GLOB = set("*?[]{}~")


def exec_form_fix(ctx: Context, ins: Instruction, span: Span) -> tuple[str, Fix] | None:
    """The exec form of `ins` (a JSON array on one line, for the message) and an unsafe fix that
    writes it over `span`; None when the shell form does not split unambiguously (see
    `exec_form_argv`)."""
    argv = exec_form_argv(ctx, ins)
    if argv is None:
        return None
    exec_form = json.dumps([v for line in argv for v in line[1:]], ensure_ascii=False)
    fix = Fix.unsafe(f"Use the exec form {exec_form}", Edit(span.start, span.end, _layout(ctx, argv)))
    return exec_form, fix


def exec_form_argv(ctx: Context, ins: Instruction) -> list[list[str]] | None:
    """The exec-form arguments, when the shell form splits unambiguously, grouped by the
    line each one is written on: ``[indent, arg, arg…]`` per line."""
    if ins.comments or ins.heredocs:
        return None
    if ins.name == "ENTRYPOINT":
        stage = ctx.graph.stage_of(ins)
        if stage is not None and any(i.name == "CMD" for i in stage.instructions):
            return None
    script = ctx.script(ins)
    if script is None or script.errors or len(script.pieces) != 1 or script.assignments:
        return None
    if len(script.commands) != 1 or any(len(p) > 1 for p in script.pipelines):
        return None
    cmd = script.commands[0]
    if cmd.assignments or cmd.redirects or cmd.background or cmd.substitution:
        return None
    words = list(cmd.words)
    if not _only_words(script, words):
        return None
    if any(not w.static or _GLOB & set(w.raw) for w in words):
        return None
    if words[0].value == "exec":
        words = words[1:]
        if not words or words[0].value.startswith("-"):
            return None
    if basename(words[0].value) in BUILTINS or not words[0].value:
        return None
    lines: dict[int, list[str]] = {}
    indents: dict[int, str] = {}
    text = ctx.source.text
    for w in words:
        line = ctx.source.position(w.span.start)[0]
        if line not in lines:
            head = text[ctx.source.line_start(line) : w.span.start]
            indents[line] = head[: len(head) - len(head.lstrip(" \t"))] or "    "
        lines.setdefault(line, []).append(w.value)
    return [[indents[n], *values] for n, values in lines.items()]


def _layout(ctx: Context, lines: list[list[str]]) -> str:
    """The JSON array, keeping the arguments on the lines they were written on (a long command
    split with continuations stays split)."""
    dumped = [", ".join(json.dumps(v, ensure_ascii=False) for v in line[1:]) for line in lines]
    out = "[" + dumped[0]
    for line, part in zip(lines[1:], dumped[1:]):
        out += f", {ctx.dockerfile.escape}{ctx.source.newline}{line[0]}{part}"
    return out + "]"


def _only_words(script: Script, words) -> bool:
    """The script text is exactly the words, separated by blanks (no `;`, `&&`, comments…)."""
    text = script.pieces[0].text
    pos = 0
    for w in words:
        at = text.find(w.raw, pos)
        if at < 0 or text[pos:at].strip():
            return False
        pos = at + len(w.raw)
    return not text[pos:].strip()

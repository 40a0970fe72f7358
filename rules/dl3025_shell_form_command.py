from __future__ import annotations

import json
from typing import Iterator

from dflint.fix import Edit, Fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.shell import Script, basename
from dflint.syntax import Instruction

#: Shell builtins and keywords: exec form cannot run them.
BUILTINS = frozenset(
    ". : [ [[ alias bg break builtin cd command continue declare eval exec exit export false fg "
    "getopts hash jobs let local read readonly return set shift source test times trap true "
    "type typeset ulimit umask unalias unset wait".split()
)
_GLOB = set("*?[]{}~")


class ShellFormCommand(Rule):
    """`CMD`, `ENTRYPOINT` or `HEALTHCHECK CMD` in shell form.

    In shell form (`CMD node server.js`) Docker runs the command through `/bin/sh -c`: the shell
    is PID 1, and unless it happens to `exec` the command, signals such as the `SIGTERM` of
    `docker stop` go to the shell, not to the program, which is killed after the timeout instead
    of shutting down cleanly. A shell-form `ENTRYPOINT` also ignores `CMD` and the arguments of
    `docker run`. Use the JSON (exec) form, or `exec` the program from a script.

    ## Why is this bad?
    Containers do not stop gracefully (10 s wait, then `SIGKILL`), and arguments given at
    `docker run` are silently dropped.

    ## Example
    ```dockerfile
    FROM node:20-slim
    CMD node server.js
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    CMD ["node", "server.js"]
    ```

    ## Fix safety
    Unsafe: the command then runs without a shell, as PID 1, with the arguments of
    `docker run` (and a `CMD`) appended to an `ENTRYPOINT`. Offered only when the command splits
    into arguments unambiguously: one simple command, no variables, globs, `~`, operators,
    redirections or comments, not a shell builtin; a leading `exec` is dropped
    (`CMD exec nginx -g 'daemon off;'` → `CMD ["nginx", "-g", "daemon off;"]`). Not offered for
    an `ENTRYPOINT` when its stage also has a `CMD` (that `CMD` would become its arguments), nor
    under a non-POSIX `SHELL`.

    ## Differences from hadolint
    The exec form is recognised as BuildKit parses it (Go's JSON): `CMD ["C:\\ServiceMonitor.exe"]`
    is invalid JSON (`\\S`), so BuildKit runs it in a shell and dflint reports it, while
    hadolint takes it for exec form; `CMD ["\\/usr/bin/app"]` is valid JSON, which hadolint
    rejects and reports. The finding points at the command, not column 1. As in hadolint 2.15,
    `HEALTHCHECK CMD` in shell form is reported too.

    ## References
    - [hadolint DL3025](https://github.com/hadolint/hadolint/wiki/DL3025)
    - [BuildKit check JSONArgsRecommended](https://docs.docker.com/reference/build-checks/json-args-recommended/)
    - [Dockerfile reference: shell and exec form](https://docs.docker.com/reference/dockerfile/#shell-and-exec-form)
    """

    code = "DL3025"
    name = "shell-form-command"
    severity = Severity.WARNING
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        for ins in ctx.dockerfile.instructions:
            if ins.name not in ("CMD", "ENTRYPOINT", "HEALTHCHECK") or ins.json is not None:
                continue
            start = _command_start(ins)
            if start is None or start >= len(ins.args):
                continue
            span = ins.args_subspan(start, len(ins.args))
            what = "HEALTHCHECK CMD" if ins.name == "HEALTHCHECK" else ins.name
            argv = self._argv(ctx, ins)
            fix = None
            hint = f'{what} ["executable", "arg", …]'
            if argv is not None:
                exec_form = json.dumps([v for line in argv for v in line[1:]], ensure_ascii=False)
                hint = f"{what} {exec_form}"
                fix = Fix.unsafe(f"Use the exec form {exec_form}",
                                 Edit(span.start, span.end, _layout(ctx, argv)))
            yield Violation(
                span,
                f"Use arguments JSON notation for {what}: write {hint} so the program is not "
                "wrapped in /bin/sh -c and receives signals",
                fix,
            )

    def _argv(self, ctx: Context, ins: Instruction) -> list[list[str]] | None:
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


def _command_start(ins: Instruction) -> int | None:
    """Index in `args` where the command starts (after `CMD` for HEALTHCHECK)."""
    if ins.name != "HEALTHCHECK":
        return 0
    args = ins.args
    head = args.lstrip()
    if head[:3].upper() != "CMD" or head[3:4] not in (" ", "\t", "\n"):
        return None
    i = len(args) - len(head) + 3
    while i < len(args) and args[i] in " \t\n":
        i += 1
    return i


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

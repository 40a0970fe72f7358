from __future__ import annotations

from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


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
            fix = None
            hint = f'{what} ["executable", "arg", …]'
            from dflint.exec_form import exec_form_fix  # imported here: only a shell-form command needs it

            found = exec_form_fix(ctx, ins, span)
            if found is not None:
                exec_form, fix = found
                hint = f"{what} {exec_form}"
            yield Violation(
                span,
                f"Use arguments JSON notation for {what}: write {hint} so the program is not "
                "wrapped in /bin/sh -c and receives signals",
                fix,
            )


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

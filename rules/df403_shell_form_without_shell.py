from __future__ import annotations

from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


def explicit_shell_before(ctx: Context, instruction: Instruction) -> bool:
    """Whether a SHELL instruction is in force at `instruction`: earlier in its stage, or in the
    stage it builds on (``FROM <stage>``, followed back)."""
    graph = ctx.graph
    stage = graph.stage_of(instruction)
    seen: set[int] = set()
    limit: Instruction | None = instruction
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        for ins in stage.instructions[1:]:
            if ins is limit:
                break
            if ins.name == "SHELL":
                return True
        if stage.base_stage is None:
            return False
        limit = None
        stage = graph.stages[stage.base_stage]
    return False


class ShellFormWithoutShell(Rule):
    """`CMD` or `ENTRYPOINT` in shell form in a stage that never chose its shell with `SHELL`.

    As BuildKit's `JSONArgsRecommended` check does: a shell-form `CMD` or `ENTRYPOINT` is
    reported unless a `SHELL` instruction comes before it in its stage (or in the stage it builds
    on with `FROM <stage>`): a `SHELL` says the shell is wanted. `HEALTHCHECK` is not checked, and
    neither is an `ONBUILD` trigger.

    ## Why is this bad?
    The shell form runs `/bin/sh -c "…"`: the shell is PID 1, and a plain `sh` does not pass
    `SIGTERM` on to the program, so `docker stop` waits for its timeout and kills the program
    without letting it shut down cleanly.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ENTRYPOINT my-program start
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ENTRYPOINT ["my-program", "start"]
    ```
    or, when a shell is really wanted, say so:
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache bash
    SHELL ["/bin/bash", "-c"]
    ENTRYPOINT echo "hello world"
    ```

    ## Fix safety
    Unsafe: the program no longer runs under a shell, so nothing the shell did (variable
    expansion at run time, for one) happens any more. The fix is offered only when the command
    splits into words unambiguously (no variables, globs, quotes that matter, operators or
    redirections), as for `shell-form-command` (DL3025), whose fix it shares; an `ENTRYPOINT` in a
    stage that also has a `CMD` gets none (the `CMD` would become its arguments).

    ## Differences from hadolint
    hadolint's DL3025 (`shell-form-command`) reports every shell-form `CMD`, `ENTRYPOINT` and
    `HEALTHCHECK CMD`, with or without a `SHELL`. This rule is BuildKit's variant.

    ## References
    - [BuildKit check JSONArgsRecommended](https://docs.docker.com/reference/build-checks/json-args-recommended/)
    """

    code = "DF403"
    name = "shell-form-without-shell"
    severity = Severity.WARNING
    aliases = ("JSONArgsRecommended",)
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        for ins in ctx.dockerfile.instructions:
            if ins.name not in ("CMD", "ENTRYPOINT") or ins.json is not None or not ins.args:
                continue
            if ctx.graph.stage_of(ins) is None or explicit_shell_before(ctx, ins):
                continue
            fix = None
            hint = f'{ins.name} ["executable", "arg", …]'
            from dflint.exec_form import exec_form_fix  # imported here: only a shell-form command needs it

            found = exec_form_fix(ctx, ins, ins.args_span)
            if found is not None:
                exec_form, fix = found
                hint = f"{ins.name} {exec_form}"
            yield Violation(
                ins.args_span,
                f"JSON arguments recommended for {ins.name} to prevent unintended behavior related "
                f"to OS signals: write {hint}, or set the shell with SHELL if one is wanted",
                fix,
            )

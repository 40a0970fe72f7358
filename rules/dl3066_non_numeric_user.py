from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation
from dflint.shell import is_windows_image
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class NonNumericUser(Rule):
    """`USER` names the user instead of giving a numeric user ID.

    The user part of `USER user[:group]` is checked (the group may be a name). The value is read
    as BuildKit reads it: quotes removed and variables substituted, so `ARG UID=10001` then
    `USER ${UID}` is numeric.

    ## Why is this bad?
    The name is resolved inside the container, through its `/etc/passwd`; outside it, the host
    and the orchestrator only see the number. Kubernetes' `runAsNonRoot` cannot verify a named
    user ("image has non-numeric user, cannot verify user is non-root") and refuses to start the
    pod, and file ownership on volumes is decided by the number. A numeric ID says exactly which
    user runs the process.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN useradd --uid 10001 --create-home app
    USER app
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN useradd --uid 10001 --create-home app
    USER 10001:10001
    ```

    ## Differences from hadolint
    Variables with a known value are substituted (hadolint reports `USER ${UID}` whatever `UID`
    is), and a user ID that comes from a variable only the build knows is not reported: an
    `ARG UID` without a default, or a variable the base image sets (`USER $APP_UID` on the .NET
    images, whose `APP_UID` is a numeric ID). Quotes are removed as BuildKit does (`USER "1000"`
    is numeric).
    Stages on a Windows base image are skipped: Windows users have no numeric IDs.

    ## References
    - [Dockerfile reference: USER](https://docs.docker.com/reference/dockerfile/#user)
    - [Kubernetes: security context](https://kubernetes.io/docs/tasks/configure-pod-container/security-context/)
    - [hadolint DL3066](https://github.com/hadolint/hadolint/wiki/DL3066)
    """

    code = "DL3066"
    name = "non-numeric-user"
    severity = Severity.INFO

    def check(self, ctx: Context) -> Iterator[Violation]:
        escape = ctx.dockerfile.escape or "\\"
        graph = None
        for instruction in ctx.dockerfile.instructions:
            if instruction.name != "USER" or not instruction.args:
                continue
            if graph is None:
                graph = ctx.graph
            stage = graph.stage_of(instruction)
            if stage is not None and _windows_stage(graph, stage.index):
                continue
            words = instruction.words
            if not words:
                continue
            raw = words[0].value
            scope = graph.scope_at(instruction) if "$" in raw else {}
            exp = expand(raw, scope, escape)
            if exp.unresolved or exp.error:
                continue
            user = exp.value.partition(":")[0]
            if user.isdigit() and user.isascii():
                continue
            shown = f"`USER {raw}`" + ("" if raw == exp.value else f" (`{exp.value}`)")
            yield Violation(
                words[0].span,
                f"{shown} names the user instead of giving its numeric ID: the host and "
                f"Kubernetes' runAsNonRoot cannot resolve `{user}`; use the UID (e.g. `USER 10001`)",
            )


def _windows_stage(graph, index: int) -> bool:
    """Whether the stage is built on a Windows image (through its FROM chain)."""
    seen: set[int] = set()
    while index not in seen:
        seen.add(index)
        stage = graph.stages[index]
        if stage.base_stage is None:
            return is_windows_image(stage.base_resolved or stage.base)
        index = stage.base_stage
    return False

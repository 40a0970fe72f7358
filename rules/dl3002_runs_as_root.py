from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation
from dflint.syntax import Instruction
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


def is_root(user: str) -> bool:
    """``root`` or UID 0, with or without a group (``root:root``, ``0:0``)."""
    name = user.split(":", 1)[0]
    return name == "root" or (name.isdigit() and int(name) == 0)


class RunsAsRoot(Rule):
    """The image that is shipped ends with `USER root`.

    The last `USER` of the shipped image decides who its processes run as. dflint follows the
    stage graph: the target stage (the last one, or `target`) and the stages it is built `FROM`,
    base first, so a `USER root` in a builder stage that only provides files through
    `COPY --from` is not reported, and a `USER root` in a base stage is reported when nothing
    after it switches to another user. Variables are resolved (`USER ${RUN_AS}`), quotes removed.

    ## Why is this bad?
    A process running as root in a container is root on the host's kernel: a vulnerability in it,
    or a mounted volume, gives an attacker far more than an unprivileged user would.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN useradd --system app
    USER root
    CMD ["/usr/local/bin/app"]
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN useradd --system app
    USER root
    RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates
    USER app
    CMD ["/usr/local/bin/app"]
    ```

    ## Differences from hadolint
    hadolint reports the last `USER root` of every stage, builder stages included, and ignores a
    base stage's `USER root` inherited through `FROM <stage>`. dflint reports what the shipped
    image runs as (the stage graph's shipped stages, as for every "final image" rule), resolves
    variables and quotes (`USER "root"`, `USER $U` with `ARG U=root`), and points at the
    `USER` argument instead of column 1.

    ## References
    - [hadolint DL3002](https://github.com/hadolint/hadolint/wiki/DL3002)
    - [Dockerfile best practices: USER](https://docs.docker.com/build/building/best-practices/#user)
    """

    code = "DL3002"
    name = "runs-as-root"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        if graph.target is None:
            return
        escape = ctx.dockerfile.escape
        last: tuple[Instruction, str | None] | None = None
        for index in reversed(graph.shipped):  # base first
            for ins in graph.stages[index].instructions:
                if ins.name != "USER" or not ins.args:
                    continue
                exp = expand(ins.args.strip(), graph.scope_at(ins), escape)
                last = (ins, exp.value if exp.resolved else None)
        if last is None:
            return
        ins, user = last
        if user is None or not is_root(user):
            return
        target = graph.stages[graph.target]
        where = "" if graph.stage_of(ins) is target else \
            f", inherited by the shipped stage '{target.label}' (line {target.line})"
        yield Violation(
            ins.args_span,
            f"Last USER should not be root: the image runs as `{user}`{where}; switch to an "
            "unprivileged user (USER <name or uid>) after the steps that need root",
        )

from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


def is_absolute(path: str) -> bool:
    """A POSIX absolute path or a Windows drive path (``C:\\app``, ``c:/app``)."""
    if path.startswith(("/", "\\")):
        return True
    return len(path) >= 2 and path[0].isalpha() and path[1] == ":"


class RelativeWorkdir(Rule):
    """`WORKDIR` with a relative path.

    A relative `WORKDIR` is resolved against the previous `WORKDIR`, which may come from the base
    image: `WORKDIR app` is `/app` on one base image and `/usr/src/app/app` on another. A path
    that starts with a variable is resolved first (`WORKDIR $HOME/app` with an `ENV HOME=/root`
    in the file is absolute); one that starts with a variable that cannot be resolved is not
    reported. Windows drive paths
    (`C:\\app`) are absolute.

    ## Why is this bad?
    Where the files end up depends on state the reader cannot see, and changes silently when the
    base image changes its `WORKDIR`.

    ## Example
    ```dockerfile
    FROM node:20-slim
    WORKDIR app
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    ```

    ## Fix safety
    No fix: the absolute path the writer meant cannot be known (it depends on the `WORKDIR` in
    force, possibly set by the base image).

    ## Differences from hadolint
    hadolint accepts every path that starts with `$`; dflint resolves the variable from the
    stage's `ARG`/`ENV` and reports it when it is relative. `~/app` is reported by both (Docker
    does not expand `~`). The finding points at the path, not column 1.

    ## References
    - [hadolint DL3000](https://github.com/hadolint/hadolint/wiki/DL3000)
    - [Dockerfile reference: WORKDIR](https://docs.docker.com/reference/dockerfile/#workdir)
    """

    code = "DL3000"
    name = "relative-workdir"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Violation]:
        escape = ctx.dockerfile.escape
        for ins in ctx.dockerfile.instructions:
            if ins.name != "WORKDIR" or not ins.args:
                continue
            raw = ins.args.strip()
            exp = expand(raw, ctx.graph.scope_at(ins), escape, keep_unset=True)
            path = exp.value
            if exp.error is not None or not path or path.startswith("$") or is_absolute(path):
                continue  # absolute, or starts with a variable that cannot be resolved
            shown = f"`{raw}`" if path == raw else f"`{raw}` (`{path}`)"
            yield Violation(
                ins.args_span,
                f"Use an absolute WORKDIR: {shown} is relative to the WORKDIR in force (possibly "
                "set by the base image); write the full path",
            )

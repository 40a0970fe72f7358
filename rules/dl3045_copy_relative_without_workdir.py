from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


def _is_absolute(path: str) -> bool:
    if path.startswith(("/", "\\")):
        return True
    return len(path) >= 3 and path[0].isalpha() and path[1] == ":" and path[2] in "/\\"


class CopyRelativeWithoutWorkdir(Rule):
    """`COPY` to a relative destination before any `WORKDIR` in the stage.

    A relative destination (`COPY app.py .`, `COPY src/ src/`) is resolved against the working
    directory, which, with no `WORKDIR` in the stage, is whatever the base image set (`/` for
    most, `/usr/src/app`, `/home/node`… for others). A `WORKDIR` in a stage this one is built
    `FROM` counts, as in hadolint. Destinations that start with a variable are resolved first;
    one that cannot be resolved is not reported.

    ## Why is this bad?
    Where the files land depends on the base image: switching base images moves them, and the
    `CMD` that expects them no longer finds them.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY requirements.txt .
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    COPY requirements.txt .
    ```

    ## Differences from hadolint
    hadolint remembers `WORKDIR` per image name, so a second stage `FROM python:3.12` inherits
    the `WORKDIR` of an earlier, unrelated `FROM python:3.12` stage; dflint follows the stage
    graph (only `FROM <stage>` inherits). Destinations in variables are resolved (hadolint
    accepts every destination that starts with `$`). The finding points at the destination.

    ## References
    - [hadolint DL3045](https://github.com/hadolint/hadolint/wiki/DL3045)
    - [Dockerfile reference: COPY destination](https://docs.docker.com/reference/dockerfile/#destination)
    """

    code = "DL3045"
    name = "copy-relative-without-workdir"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        escape = ctx.dockerfile.escape
        has_workdir: dict[int, bool] = {}
        for stage in graph.stages:
            seen = stage.base_stage is not None and has_workdir.get(stage.base_stage, False)
            for ins in stage.instructions[1:]:
                if ins.name == "WORKDIR":
                    seen = True
                elif ins.name == "COPY" and not seen:
                    if ins.json is not None:
                        if len(ins.json) < 2:
                            continue
                        dest, span = ins.json[-1], ins.args_span
                        exp = expand(dest, graph.scope_at(ins), escape, keep_unset=True) \
                            if "$" in dest else None
                    else:
                        words = ins.words
                        if len(words) < 2:
                            continue
                        dest, span = words[-1].value, words[-1].span
                        exp = expand(dest, graph.scope_at(ins), escape, keep_unset=True)
                    path = exp.value if exp is not None else dest
                    if (exp is not None and exp.error) or not path or path.startswith("$") \
                            or _is_absolute(path):
                        continue
                    yield Violation(
                        span,
                        f"`COPY` to a relative destination (`{dest}`) without `WORKDIR` set: the "
                        "files land in the base image's working directory; set WORKDIR first or "
                        "use an absolute path",
                    )
            has_workdir[stage.index] = seen

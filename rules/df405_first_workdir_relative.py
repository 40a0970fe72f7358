from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


def _absolute(path: str) -> bool:
    """POSIX absolute, or a Windows path (``C:\\app``, ``\\app``)."""
    if path.startswith(("/", "\\")):
        return True
    return len(path) >= 2 and path[0].isalpha() and path[1] == ":"


class FirstWorkdirRelative(Rule):
    """The first `WORKDIR` of a stage is a relative path.

    As BuildKit's `WorkdirRelativePath` check does: only the first `WORKDIR` of a stage is
    checked (a stage built `FROM <stage>` continues that stage, so a `WORKDIR` there counts as
    first); once an absolute one is set, later relative ones are relative to a path the file
    itself chose. Variables are expanded with the stage's ARG and ENV values; a path that starts
    with a variable whose value only the build knows is not reported. Windows paths (`C:\\app`)
    are absolute.

    ## Why is this bad?
    The path is relative to the base image's `WORKDIR`, which the file does not control:
    `WORKDIR usr/share/nginx/html` is right on today's `nginx` image (whose `WORKDIR` is `/`) and
    silently wrong the day the base image sets another one.

    ## Example
    ```dockerfile
    FROM nginx:1.27 AS web
    WORKDIR usr/share/nginx/html
    COPY public .
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27 AS web
    WORKDIR /usr/share/nginx/html
    COPY public .
    ```

    ## Differences from hadolint
    hadolint's DL3000 (`relative-workdir`) reports every relative `WORKDIR`, also those after an
    absolute one in the same stage. This rule is BuildKit's variant.

    ## References
    - [BuildKit check WorkdirRelativePath](https://docs.docker.com/reference/build-checks/workdir-relative-path/)
    """

    code = "DF405"
    name = "first-workdir-relative"
    severity = Severity.WARNING
    aliases = ("WorkdirRelativePath",)

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        escape = ctx.dockerfile.escape or "\\"
        workdir_set: dict[int, bool] = {}
        for stage in graph.stages:
            is_set = False
            if stage.base_stage is not None and stage.base_stage < stage.index:
                is_set = workdir_set.get(stage.base_stage, False)
            for ins in stage.instructions[1:]:
                if ins.name != "WORKDIR" or not ins.args:
                    continue
                if is_set:
                    break
                is_set = True
                raw = ins.args.strip()
                exp = expand(raw, graph.scope_at(ins), escape, keep_unset=True)
                path = exp.value
                if exp.error is not None or not path or path.startswith("$") or _absolute(path):
                    continue
                shown = f'"{raw}"' if path == raw else f'"{raw}" ("{path}")'
                hint = "the absolute path you mean" if path.startswith(".") else f"`/{path}` if that is what you mean"
                yield Violation(
                    ins.args_span,
                    f"Relative workdir {shown} can have unexpected results if the base image "
                    f"changes: it is relative to the base image's WORKDIR; write {hint}",
                )
            workdir_set[stage.index] = is_set

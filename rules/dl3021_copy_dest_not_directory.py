from __future__ import annotations

from dflint.context import trailing_slash_fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class CopyDestNotDirectory(Rule):
    """`COPY` with several sources to a destination that does not end with `/`.

    With more than one source, the destination must be a directory written with a trailing
    `/`: the legacy builder fails with "When using COPY with more than one source file, the
    destination must be a directory and end with a /", and BuildKit copies each source to that
    path in turn, so unless it already is a directory they overwrite one another. `.` counts as
    a directory (BuildKit reads it as the working directory). A destination given through a
    variable is resolved first; one that cannot be resolved is not reported.

    ## Why is this bad?
    The build fails, or the sources overwrite each other at one path.

    ## Example
    ```dockerfile
    FROM node:20-slim
    COPY package.json package-lock.json /app
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    COPY package.json package-lock.json /app/
    ```

    ## Fix safety
    Unsafe: the fix adds the `/`, so the sources land inside a folder of that name instead of on
    one path; what the image expects there may change. No fix for the exec (JSON) form or a
    destination written over a line continuation.

    ## Differences from hadolint
    - A destination in a variable is resolved: `COPY a b $DEST` with `ENV DEST=/app/` is fine,
      and a destination that cannot be resolved is not reported (hadolint reports every
      destination not written with a final `/`).
    - `.` (the working directory) is not reported: BuildKit reads it as a directory (only the
      legacy builder refused it).
    - The finding points at the destination, not column 1.

    ## References
    - [hadolint DL3021](https://github.com/hadolint/hadolint/wiki/DL3021)
    - [Dockerfile reference: COPY](https://docs.docker.com/reference/dockerfile/#copy)
    """

    code = "DL3021"
    name = "copy-dest-not-directory"
    severity = Severity.ERROR
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        escape = ctx.dockerfile.escape
        for ins in ctx.dockerfile.instructions:
            if ins.name != "COPY":
                continue
            if ins.json is not None:
                parts = list(ins.json)
                span = ins.args_span
            else:
                words = ins.words
                parts = [w.value for w in words]
                span = words[-1].span if words else ins.args_span
            if len(parts) < 3:
                continue
            dest = parts[-1]
            value = dest
            if "$" in dest or (ins.json is None and ('"' in dest or "'" in dest)):
                exp = expand(dest, ctx.graph.scope_at(ins), escape)
                if not exp.resolved:
                    continue
                value = exp.value
            if value.endswith(("/", "\\")) or value == ".":
                continue  # BuildKit reads `.` as the working directory
            fix = trailing_slash_fix(dest, words[-1]) if ins.json is None and words else None
            yield Violation(
                span,
                f"COPY with more than one source requires the destination to end with `/`: "
                f"write `{dest}/`",
                fix,
            )

from __future__ import annotations

from dflint.fix import Edit, Fix
from dflint.graph import Stage, StageGraph
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class StageNameCasing(Rule):
    """A stage name has uppercase letters.

    BuildKit lowercases stage names when it reads them (`AS BuilderBase` defines the stage
    `builderbase`) and asks for them to be written in lowercase, to tell them apart from
    instruction keywords.

    ## Why is this bad?
    The name as written is not the name BuildKit uses. `COPY --from` and `--target` find it
    in any case, but `FROM BuilderBase` does not: FROM compares the name as written with the
    lowercased stage names, misses, and tries to pull an image called `BuilderBase`, which
    fails because image names must be lowercase.

    ## Example
    ```dockerfile
    FROM alpine:3.20 AS BuilderBase
    RUN apk add --no-cache build-base

    FROM BuilderBase AS app
    RUN make
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS builder-base
    RUN apk add --no-cache build-base

    FROM builder-base AS app
    RUN make
    ```

    ## Fix safety
    Safe: the fix lowercases the name and every reference written with it (`COPY --from=`,
    `FROM <stage>`, `RUN --mount=from=`, `ONBUILD`). BuildKit already used the lowercased name
    everywhere except in `FROM`, where the uppercase reference could not work at all. `docker
    build --target BuilderBase` keeps working (BuildKit lowercases the target). References
    through a variable are left as they are.

    ## References
    - [BuildKit check StageNameCasing](https://docs.docker.com/reference/build-checks/stage-name-casing/)
    """

    code = "DF400"
    name = "stage-name-casing"
    severity = Severity.WARNING
    aliases = ("StageNameCasing",)
    fixable = Fixable.ALWAYS

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        text = ctx.dockerfile.text
        for stage in graph.stages:
            span = stage.name_span
            if stage.name is None or span is None:
                continue
            written = text[span.start:span.end]
            if written == written.lower():
                continue
            lower = written.lower()
            edits = [Edit(span.start, span.end, lower), *_reference_edits(graph, stage, text)]
            count = len(edits) - 1
            title = f"Rename stage '{written}' to '{lower}'"
            if count:
                title += f" and {count} reference{'s' if count != 1 else ''}"
            yield Violation(
                span,
                f"Stage name '{written}' should be lowercase: BuildKit calls it '{lower}', and "
                f"`FROM {written}` would not find it",
                Fix.safe(title, *edits),
            )


def _reference_edits(graph: StageGraph, stage: Stage, text: str) -> list[Edit]:
    edits: dict[int, Edit] = {}
    for ref in graph.references:
        if ref.target != stage.index or ref.text.lower() != stage.name:
            continue
        if ref.text == stage.name or text[ref.span.start:ref.span.end] != ref.text:
            continue  # already lowercase, or written differently (quoted, through a variable)
        edits[ref.span.start] = Edit(ref.span.start, ref.span.end, stage.name)
    return list(edits.values())

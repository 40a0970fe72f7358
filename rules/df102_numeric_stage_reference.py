from __future__ import annotations

import re

from dflint.fix import Edit, Fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.source import LazyPattern

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_INDEX = LazyPattern(r"[+-]?[0-9]+")


class NumericStageReference(Rule):
    """`COPY --from` names a stage by its index instead of its name.

    ## Why is this bad?
    `COPY --from=0` counts stages: adding, removing or reordering a stage above it silently
    makes it copy from a different stage. A name says which stage is meant and survives
    edits; `docker build --target` needs a name too.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS build
    RUN go build -o /out/app .

    FROM gcr.io/distroless/static
    COPY --from=0 /out/app /app
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS build
    RUN go build -o /out/app .

    FROM gcr.io/distroless/static
    COPY --from=build /out/app /app
    ```

    ## Fix safety
    Safe when the stage has a name that finds the same stage (BuildKit looks `--from` names up
    case-insensitively, the last stage of a name winning): the index is replaced by the
    name. A stage without a name gets no fix: name it (`FROM … AS build`) and use the name.

    ## References
    - [Multi-stage builds: name your build stages](https://docs.docker.com/build/building/multi-stage/#name-your-build-stages)
    """

    code = "DF102"
    name = "numeric-stage-reference"
    severity = Severity.INFO
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        text = ctx.dockerfile.text
        for ref in graph.references:
            # only COPY takes an index (a mount's numeric from= is DL3022's finding)
            if ref.kind not in ("copy", "onbuild") or ref.target is None:
                continue
            if not _INDEX.fullmatch(ref.text):
                continue
            if ref.kind == "onbuild" and (ref.instruction.inner is None
                                          or ref.instruction.inner.name != "COPY"):
                continue
            stage = graph.stages[ref.target]
            if ref.kind == "copy" and ref.target == ref.stage:
                continue  # copying from itself: DL3023
            if stage.name is None:
                yield Violation(
                    ref.span,
                    f"COPY --from={ref.text} copies from stage {stage.index} (line {stage.line}) by "
                    f"its index; name that stage (FROM {stage.base or '…'} AS <name>) and copy "
                    "from the name",
                )
                continue
            fix = None
            found = graph.stage(stage.name)
            if found is not None and found.index == stage.index and \
                    text[ref.span.start:ref.span.end] == ref.text:
                fix = Fix.safe(f"Use the stage name '{stage.name}'",
                               Edit(ref.span.start, ref.span.end, stage.name))
            yield Violation(
                ref.span,
                f"COPY --from={ref.text} copies from stage {stage.index} by its index; use its "
                f"name: --from={stage.name}",
                fix,
            )

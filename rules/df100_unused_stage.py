from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class UnusedStage(Rule):
    """A build stage that the target stage does not need.

    dflint walks the stage graph from the target (`--target`, the `target` setting, or the last
    stage) through `FROM <stage>`, `COPY --from`, `RUN --mount=from=` and `ONBUILD` triggers.
    BuildKit skips a stage nothing reaches, so its instructions never run for this target. A
    reference dflint cannot resolve (`COPY --from=build-$TARGETOS`) keeps every stage it could
    name out of this rule, so a finding is certain.

    ## Why is this bad?
    Dead stages cost reading time and maintenance, and usually mean a mistake: a `COPY --from`
    that names the wrong stage, or a test stage that CI was meant to build and does not. A stage
    that is built on purpose with `--target` should be listed in `extra-targets` instead.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS build
    RUN go build -o /out/app .

    FROM golang:1.22 AS lint
    RUN go vet ./...

    FROM gcr.io/distroless/static
    COPY --from=build /out/app /app
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS build
    RUN go build -o /out/app .

    FROM gcr.io/distroless/static
    COPY --from=build /out/app /app
    ```

    ## Options
    Configured globally rather than per rule: `target` (the stage that is built) and
    `extra-targets` (stages built on purpose, e.g. `["test"]`), in `.dflint.toml`.

    ## References
    - [Multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
    """

    code = "DF100"
    name = "unused-stage"
    severity = Severity.INFO

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        if not graph.unused or graph.target is None:
            return
        target = graph.stages[graph.target]
        for index in graph.unused:
            stage = graph.stages[index]
            span = stage.name_span or stage.base_span or stage.from_instruction.keyword_span
            yield Violation(
                span,
                f"Stage '{stage.label}' is not used to build the target stage '{target.label}' "
                f"(line {target.line}); remove it, or list it in `extra-targets` if it is built "
                "with --target",
            )

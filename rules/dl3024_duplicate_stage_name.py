from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class DuplicateStageName(Rule):
    """Two stages have the same name.

    Stage names are compared as BuildKit compares them: lowercased, so `AS build` and
    `AS Build` are the same name. The finding is on every repeat of a name.

    ## Why is this bad?
    A name must say which stage it means, and a repeated one does not: `COPY --from=build`
    takes the *last* stage of that name, `FROM build` the nearest one above, and
    `docker build --target build` the last. Newer BuildKit releases report it as an error.

    ## Example
    ```dockerfile
    FROM debian:bookworm AS builder
    RUN apt-get update && apt-get install -y --no-install-recommends curl

    FROM golang:1.22 AS builder
    RUN go build -o /out/app .
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm AS deb-builder
    RUN apt-get update && apt-get install -y --no-install-recommends curl

    FROM golang:1.22 AS go-builder
    RUN go build -o /out/app .
    ```

    ## Differences from hadolint
    hadolint compares the aliases as written, so `AS build` and `AS Build` pass there; BuildKit
    lowercases stage names, and so does dflint.

    ## References
    - [BuildKit check DuplicateStageName](https://docs.docker.com/reference/build-checks/duplicate-stage-name/)
    - [hadolint DL3024](https://github.com/hadolint/hadolint/wiki/DL3024)
    """

    code = "DL3024"
    name = "duplicate-stage-name"
    severity = Severity.ERROR
    aliases = ("DuplicateStageName",)

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        first: dict[str, int] = {}
        for stage in graph.stages:
            if stage.name is None:
                continue
            earlier = first.setdefault(stage.name, stage.index)
            if earlier == stage.index:
                continue
            other = graph.stages[earlier]
            span = stage.name_span or stage.from_instruction.keyword_span
            yield Violation(
                span,
                f"Duplicate stage name '{stage.name}': stage {other.index} (line {other.line}) "
                f"already has it; COPY --from={stage.name} would use the last stage of that name "
                f"and FROM {stage.name} the nearest one above. Give each stage its own name",
            )

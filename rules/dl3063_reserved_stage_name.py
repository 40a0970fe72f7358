from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_WHY = {
    "scratch": "a later `FROM scratch` builds on this stage instead of the empty image",
    "context": "BuildKit names the main build context `context`",
}


class ReservedStageName(Rule):
    """A stage is named `scratch` or `context`, words BuildKit reserves.

    BuildKit lowercases stage names before it compares them, so `AS Scratch` is reserved too.

    ## Why is this bad?
    `scratch` is the empty base image: once a stage is called `scratch`, every later
    `FROM scratch` builds on that stage instead, and the "minimal" final image silently
    contains a whole distribution. `context` is the name BuildKit gives the build context.
    The file reads as one thing and builds as another.

    ## Example
    ```dockerfile
    FROM alpine:3.20 AS scratch
    RUN apk add --no-cache ca-certificates
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS certs
    RUN apk add --no-cache ca-certificates
    ```

    ## Differences from hadolint
    hadolint 2.15's DL3063 ("stage name should not be a reserved word") checks the same two
    words, but case-sensitively: `AS Scratch` passes there. dflint follows BuildKit's
    ReservedStageName, which lowercases the name first. (Older hadolint releases used DL3063
    for a missing `USER`; that is not this rule.)

    ## References
    - [BuildKit check ReservedStageName](https://docs.docker.com/reference/build-checks/reserved-stage-name/)
    - [hadolint DL3063](https://github.com/hadolint/hadolint/wiki/DL3063)
    """

    code = "DL3063"
    name = "reserved-stage-name"
    severity = Severity.WARNING
    aliases = ("ReservedStageName",)

    def check(self, ctx: Context) -> Iterator[Violation]:
        text = ctx.dockerfile.text
        for stage in ctx.graph.stages:
            if stage.name not in _WHY or stage.name_span is None:
                continue
            written = text[stage.name_span.start:stage.name_span.end]
            yield Violation(
                stage.name_span,
                f"'{written}' is reserved and should not be used as a stage name: "
                f"{_WHY[stage.name]}; rename the stage (and the references to it)",
            )

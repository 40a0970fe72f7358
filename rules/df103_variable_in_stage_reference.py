from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class VariableInStageReference(Rule):
    """`COPY --from` or `RUN --mount from=` uses a variable, which BuildKit does not expand.

    BuildKit expands ARG and ENV values in a COPY's sources and destination, but not in its
    flags. Since Dockerfile frontend 1.18 (moby/buildkit#6153) a `$` in `COPY --from` fails the
    build with "variable expansion is not supported for --from"; a mount's `from=` has always
    failed ("'from' doesn't support variable expansion, define alias stage instead"). Older
    frontends took `$SRC` literally as an image name and failed to pull it.

    ## Why is this bad?
    The build fails. The working pattern is an alias stage: declare the ARG in the global
    scope (before the first FROM), add `FROM ${SRC} AS src`, and copy `--from=src`; `FROM`
    does expand global ARGs, so `--build-arg SRC=…` still chooses the stage or image.

    ## Example
    ```dockerfile
    ARG BUILDER=build
    FROM golang:1.22 AS build
    RUN go build -o /out/app .

    FROM alpine:3.20
    ARG BUILDER
    COPY --from=$BUILDER /out/app /app
    ```

    ## Use instead
    ```dockerfile
    ARG BUILDER=build
    FROM golang:1.22 AS build
    RUN go build -o /out/app .

    FROM ${BUILDER} AS builder

    FROM alpine:3.20
    COPY --from=builder /out/app /app
    ```

    ## References
    - [Dockerfile reference: COPY --from](https://docs.docker.com/reference/dockerfile/#copy---from)
    - [moby/buildkit#6153: show error when args used in COPY --from](https://github.com/moby/buildkit/pull/6153)
    """

    code = "DF103"
    name = "variable-in-stage-reference"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Violation]:
        text = ctx.dockerfile.text
        for problem in ctx.graph.problems:
            if problem.kind != "variable-in-from":
                continue
            span = problem.span
            value = text[span.start:span.end]
            mount = text[max(0, span.start - 7):span.start].lower() != "--from="
            what = f"RUN --mount from={value}" if mount else f"COPY --from={value}"
            yield Violation(
                span,
                f"{what}: BuildKit does not expand variables in "
                f"{'a mount' if mount else '--from'} and fails the build; declare the ARG before "
                f"the first FROM, add an alias stage `FROM {value} AS <name>` and use "
                f"{'from=' if mount else '--from='}<name>",
            )

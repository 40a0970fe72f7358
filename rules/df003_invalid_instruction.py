from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class InvalidInstruction(Rule):
    """BuildKit's instruction checks reject this instruction.

    The file parses, but BuildKit refuses the instruction before the build starts: a flag the
    instruction does not take (`COPY --form=build`), a flag without its value, a repeated flag,
    `FROM` with the wrong number of words or an invalid stage name, `COPY`/`ADD` without a
    destination, `WORKDIR`/`USER` without an argument, `SHELL` not in JSON form, a `HEALTHCHECK`
    of an unknown type or with a bad duration, `ONBUILD ONBUILD`.

    These are kept apart from `DF001` because BuildKit's parser accepts them (its parser test
    files include unknown flags); only turning the parsed file into build steps fails.

    ## Why is this bad?
    `docker build` fails with this message before running any step.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS build
    FROM debian:bookworm-slim
    COPY --form=build /out/app /usr/local/bin/app
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS build
    FROM debian:bookworm-slim
    COPY --from=build /out/app /usr/local/bin/app
    ```

    ## References
    - BuildKit: `frontend/dockerfile/instructions/parse.go`, `bflag.go`
    """

    code = "DF003"
    name = "invalid-instruction"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Violation]:
        for error in ctx.dockerfile.errors:
            if error.code == self.code:
                yield Violation(error.span, error.message)

from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class InstructionBeforeFrom(Rule):
    """An instruction other than `ARG` comes before the first `FROM`.

    Only `ARG` (global build arguments, usable in `FROM`), comments and parser directives may
    precede the first `FROM`. BuildKit refuses anything else ("no build stage in current
    context").

    ## Why is this bad?
    The build fails: there is no stage for the instruction to run in.

    ## Example
    ```dockerfile
    ENV APP_HOME=/app
    FROM python:3.12-slim
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    ENV APP_HOME=/app
    ```

    ## Differences from hadolint
    Reported at the instruction's keyword, once per misplaced instruction; a file with no `FROM`
    at all gets it for every non-`ARG` instruction, as in hadolint.

    ## References
    - [hadolint DL3061](https://github.com/hadolint/hadolint/wiki/DL3061)
    """

    code = "DL3061"
    name = "instruction-before-from"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction in ctx.dockerfile.instructions:
            if instruction.name == "FROM":
                return
            if instruction.name != "ARG":
                yield Violation(
                    instruction.keyword_span,
                    f"Invalid instruction order: {instruction.name} before the first FROM. "
                    "A Dockerfile must begin with FROM, ARG or a comment",
                )

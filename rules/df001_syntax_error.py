from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class SyntaxError_(Rule):
    """BuildKit's parser rejects this file.

    dflint parses the way BuildKit does and reports what BuildKit would refuse: an unknown
    instruction, an unterminated heredoc, a JSON array holding something other than strings, an
    ENV or LABEL without a value, a repeated or invalid parser directive, a file with no
    instructions. Unlike hadolint, it does not give up on the file: the error is reported at its
    exact position and the rest of the file is still linted.

    ## Why is this bad?
    `docker build` fails before running a single step.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUNN apt-get update
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update
    ```

    ## References
    - [Dockerfile reference](https://docs.docker.com/reference/dockerfile/)
    - BuildKit's parser: `frontend/dockerfile/parser/parser.go`
    """

    code = "DF001"
    name = "syntax-error"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Violation]:
        for error in ctx.dockerfile.errors:
            if error.code == self.code:
                yield Violation(error.span, error.message)

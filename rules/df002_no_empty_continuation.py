from __future__ import annotations

from dflint.fix import Edit, Fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class NoEmptyContinuation(Rule):
    """An empty line inside a line continuation.

    BuildKit skips empty lines that sit inside a `\\` continuation, with the warning "Empty
    continuation line found"; the Dockerfile reference says they will become an error. The blank
    line usually means the continuation was not meant to go on: a `\\` was left on the line above.

    ## Why is this bad?
    It reads as if the instruction ended at the blank line, but it did not: the next lines are
    still part of it. A future BuildKit release will refuse the file.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && \\

        apt-get install -y --no-install-recommends curl
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && \\
        apt-get install -y --no-install-recommends curl
    ```

    ## Fix safety
    Safe: deleting the empty lines changes nothing for BuildKit, which skips them already.

    ## References
    - [BuildKit check NoEmptyContinuation](https://docs.docker.com/reference/build-checks/no-empty-continuation/)
    """

    code = "DF002"
    name = "no-empty-continuation"
    severity = Severity.WARNING
    aliases = ("NoEmptyContinuation",)
    fixable = Fixable.ALWAYS

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction in ctx.dockerfile.instructions:
            if not instruction.empty_lines:
                continue
            fix = Fix.safe(
                "Remove the empty continuation line" + ("s" if len(instruction.empty_lines) > 1 else ""),
                *(Edit.delete(span.start, span.end) for span in instruction.empty_lines),
            )
            for span in instruction.empty_lines:
                yield Violation(span, f"Empty continuation line inside this {instruction.name}", fix)

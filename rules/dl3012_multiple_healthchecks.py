from __future__ import annotations

from dflint.repeated import repeated
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class MultipleHealthchecks(Rule):
    """More than one `HEALTHCHECK` in a stage.

    Only the last `HEALTHCHECK` of a stage takes effect (`HEALTHCHECK NONE` included). Each one
    after the first of its stage is reported; a `HEALTHCHECK` in a stage built `FROM` another
    stage replaces the inherited one on purpose and is not reported, nor is an
    `ONBUILD HEALTHCHECK`.

    ## Why is this bad?
    The earlier health check is dead code that looks like how the container is monitored.

    ## Example
    ```dockerfile
    FROM nginx:1.27
    HEALTHCHECK CMD curl -f http://localhost/ || exit 1
    HEALTHCHECK CMD curl -f http://localhost/healthz || exit 1
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    HEALTHCHECK CMD curl -f http://localhost/healthz || exit 1
    ```

    ## Differences from hadolint
    The finding points at the `HEALTHCHECK` keyword and the message names the line of the one it
    overrides.

    ## References
    - [hadolint DL3012](https://github.com/hadolint/hadolint/wiki/DL3012)
    - [Dockerfile reference: HEALTHCHECK](https://docs.docker.com/reference/dockerfile/#healthcheck)
    """

    code = "DL3012"
    name = "multiple-healthchecks"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Violation]:
        for label, previous, ins in repeated(ctx, "HEALTHCHECK"):
            yield Violation(
                ins.keyword_span,
                f"Multiple `HEALTHCHECK` instructions {label}: only the "
                f"last one takes effect, so the one on line {previous.line} does nothing; "
                "remove it",
            )

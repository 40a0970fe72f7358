from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

FORBIDDEN = ("ONBUILD", "FROM", "MAINTAINER")


class OnbuildForbiddenTrigger(Rule):
    """`ONBUILD` with `ONBUILD`, `FROM` or `MAINTAINER` as its trigger.

    Docker does not allow these three as `ONBUILD` triggers: `docker build` stops with "ONBUILD
    ONBUILD isn't allowed" (or "FROM"/"MAINTAINER isn't allowed as an ONBUILD trigger").

    ## Why is this bad?
    The build fails.

    ## Example
    ```dockerfile
    FROM node:20-slim
    ONBUILD FROM node:20-slim
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    ONBUILD COPY package.json /app/
    ```

    ## Differences from hadolint
    The same BuildKit error is also reported by `DF003` (invalid-instruction), which covers every
    instruction BuildKit rejects. DL3043 keeps hadolint's code so `# hadolint ignore=DL3043` and
    `.hadolint.yaml` lists keep working; with both rules selected the line gets both findings
    (ignore one of them to get one). The finding points at the trigger's keyword.

    ## References
    - [hadolint DL3043](https://github.com/hadolint/hadolint/wiki/DL3043)
    - [Dockerfile reference: ONBUILD](https://docs.docker.com/reference/dockerfile/#onbuild)
    """

    code = "DL3043"
    name = "onbuild-forbidden-trigger"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Violation]:
        for ins in ctx.dockerfile.instructions:
            if ins.name != "ONBUILD" or ins.inner is None or ins.inner.name not in FORBIDDEN:
                continue
            trigger = ins.inner.name
            yield Violation(
                ins.inner.keyword_span,
                f"`{trigger}` is not allowed as an `ONBUILD` trigger (`ONBUILD`, `FROM` and "
                "`MAINTAINER` are refused by docker build); remove it"
                + (" or use a LABEL" if trigger == "MAINTAINER" else ""),
            )

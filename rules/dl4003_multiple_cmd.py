"""DL4003 and DL4004: a stage with more than one CMD or ENTRYPOINT."""
from __future__ import annotations

from dflint.repeated import repeated
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


def _repeats(ctx: Context, keyword: str) -> Iterator[Violation]:
    for label, previous, ins in repeated(ctx, keyword):
        yield Violation(
            ins.keyword_span,
            f"Multiple `{keyword}` instructions {label}: only the last one "
            f"takes effect, so the {keyword} on line {previous.line} does nothing; remove it",
        )


class MultipleCmd(Rule):
    """More than one `CMD` in a stage.

    Only the last `CMD` of a stage takes effect; the earlier ones do nothing. Each `CMD` after the
    first one of its stage is reported (a `CMD` in `ONBUILD` is a trigger for images built on this
    one, so it does not count).

    ## Why is this bad?
    The earlier `CMD` looks like the command the container runs but is dead code, usually a
    leftover from an edit or a copy-paste: a reader (or a later edit that removes the last one)
    is misled.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    CMD ["python", "manage.py", "migrate"]
    CMD ["gunicorn", "app.wsgi"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    CMD ["gunicorn", "app.wsgi"]
    ```

    ## Differences from hadolint
    The finding points at the `CMD` keyword and the message names the line of the one it overrides.

    ## References
    - [hadolint DL4003](https://github.com/hadolint/hadolint/wiki/DL4003)
    - [Dockerfile reference: CMD](https://docs.docker.com/reference/dockerfile/#cmd)
    """

    code = "DL4003"
    name = "multiple-cmd"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        yield from _repeats(ctx, "CMD")


class MultipleEntrypoint(Rule):
    """More than one `ENTRYPOINT` in a stage.

    Only the last `ENTRYPOINT` of a stage takes effect. Each `ENTRYPOINT` after the first one of
    its stage is reported (an `ONBUILD ENTRYPOINT` does not count).

    ## Why is this bad?
    The earlier `ENTRYPOINT` is dead code that looks like the program the container starts;
    removing the last one later silently brings it back.

    ## Example
    ```dockerfile
    FROM node:20-slim
    ENTRYPOINT ["docker-entrypoint.sh"]
    ENTRYPOINT ["node", "server.js"]
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    ENTRYPOINT ["node", "server.js"]
    ```

    ## Differences from hadolint
    The finding points at the `ENTRYPOINT` keyword and the message names the line of the one it
    overrides.

    ## References
    - [hadolint DL4004](https://github.com/hadolint/hadolint/wiki/DL4004)
    - [Dockerfile reference: ENTRYPOINT](https://docs.docker.com/reference/dockerfile/#entrypoint)
    """

    code = "DL4004"
    name = "multiple-entrypoint"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Violation]:
        yield from _repeats(ctx, "ENTRYPOINT")

from __future__ import annotations

from dflint.fix import Edit, Fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_SENTINEL = "\x00target-platform\x00"


class RedundantTargetPlatform(Rule):
    """`FROM --platform=$TARGETPLATFORM`, which is what `FROM` does without the flag.

    A stage's base image is pulled for the target platform unless `--platform` says otherwise,
    so setting it to `$TARGETPLATFORM` (or `${TARGETPLATFORM}`, quoted or not) changes nothing.
    As in BuildKit's `RedundantTargetPlatform` check, the flag is redundant when `TARGETPLATFORM`
    is the only variable in it and the value is exactly that variable's.

    ## Why is this bad?
    The flag is noise, and it suggests the stage is special when it is not. The flag that does
    matter in cross-platform builds is `--platform=$BUILDPLATFORM`, for stages that run build
    tools natively; a redundant `$TARGETPLATFORM` next to it makes that harder to see.

    ## Example
    ```dockerfile
    FROM --platform=$TARGETPLATFORM alpine:3.20 AS runtime
    RUN apk add --no-cache ca-certificates
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS runtime
    RUN apk add --no-cache ca-certificates
    ```

    ## Fix safety
    Safe: the flag is deleted with the blanks after it; the base image is pulled for the same
    platform.

    ## Differences from hadolint
    hadolint matches the two spellings `$TARGETPLATFORM` and `${TARGETPLATFORM}` only; dflint
    follows BuildKit (quotes, `${TARGETPLATFORM:-…}`). Reported at the flag, with a fix.

    ## References
    - [BuildKit check RedundantTargetPlatform](https://docs.docker.com/reference/build-checks/redundant-target-platform/)
    - [Multi-platform builds](https://docs.docker.com/build/building/multi-platform/)
    - [hadolint DL3065](https://github.com/hadolint/hadolint/wiki/DL3065)
    """

    code = "DL3065"
    name = "redundant-target-platform"
    severity = Severity.WARNING
    aliases = ("RedundantTargetPlatform",)
    fixable = Fixable.ALWAYS

    def check(self, ctx: Context) -> Iterator[Violation]:
        text = ctx.dockerfile.text
        escape = ctx.dockerfile.escape or "\\"
        for instruction in ctx.dockerfile.instructions:
            if instruction.name != "FROM":
                continue
            flag = instruction.flag("platform")
            if flag is None or not flag.value:
                continue
            exp = expand(flag.value, {"TARGETPLATFORM": _SENTINEL}, escape)
            if exp.referenced != {"TARGETPLATFORM"} or exp.value != _SENTINEL or exp.error:
                continue
            end = flag.span.end
            while end < len(text) and text[end] in " \t":
                end += 1
            yield Violation(
                flag.span,
                f"`--platform={flag.value}` is redundant: FROM uses the target platform by default; "
                "remove the flag",
                Fix.safe("Remove the redundant `--platform` flag", Edit.delete(flag.span.start, end)),
            )

from __future__ import annotations

from dflint.buildkit_checks import parse_platform, variable_refs
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class ConstantFromPlatform(Rule):
    """`FROM --platform` with a constant value in a stage not named for that platform.

    As BuildKit's `FromPlatformFlagConstDisallowed` check does: a `--platform` value without
    variables that is a valid platform (`linux/amd64`, `linux/arm64/v8`, `arm64`…) is reported,
    unless the stage name contains the platform's OS or (normalized) architecture
    (`AS build-amd64`, `AS linux-tools`), the naming BuildKit's docs recommend for stages picked
    by `FROM build-${TARGETARCH}`.

    ## Why is this bad?
    The stage always builds for that one platform: `docker build --platform linux/arm64` (or a
    multi-platform build) still gets an amd64 stage, and on a machine of another architecture the
    build runs under emulation or produces an image that cannot run there.

    ## Example
    ```dockerfile
    FROM --platform=linux/amd64 alpine:3.20 AS base
    RUN apk add --no-cache git
    ```

    ## Use instead
    ```dockerfile
    FROM --platform=$BUILDPLATFORM alpine:3.20 AS base
    RUN apk add --no-cache git
    ```

    ## References
    - [BuildKit check FromPlatformFlagConstDisallowed](https://docs.docker.com/reference/build-checks/from-platform-flag-const-disallowed/)
    - [Multi-platform builds](https://docs.docker.com/build/building/multi-platform/)
    """

    code = "DF410"
    name = "constant-from-platform"
    severity = Severity.INFO
    aliases = ("FromPlatformFlagConstDisallowed",)

    def check(self, ctx: Context) -> Iterator[Violation]:
        escape = ctx.dockerfile.escape or "\\"
        for stage in ctx.graph.stages:
            flag = stage.from_instruction.flag("platform")
            if flag is None or not flag.value or variable_refs(flag.value, escape) or "$" in flag.value:
                continue
            value = flag.value.strip("'\"") if flag.value[:1] in "'\"" else flag.value
            platform = parse_platform(value)
            if platform is None:
                continue
            os_, arch, _ = platform
            name = stage.name or ""
            if os_ in name or arch in name:
                continue
            yield Violation(
                flag.value_span or flag.span,
                f'FROM --platform flag should not use constant value "{value}": the stage then '
                f"builds for {os_}/{arch} whatever platform is asked for; leave --platform out, use "
                f"$BUILDPLATFORM for a build stage, or name the stage after the platform "
                f"(AS {(name or 'stage')}-{arch})",
            )

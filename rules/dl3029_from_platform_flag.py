from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: BuildKit's automatic platform ARGs: a --platform built from them follows the build's platform.
PLATFORM_ARGS = frozenset(
    "BUILDPLATFORM BUILDOS BUILDARCH BUILDVARIANT TARGETPLATFORM TARGETOS TARGETARCH "
    "TARGETVARIANT".split()
)


class FromPlatformFlag(Rule):
    """`FROM --platform` pins the stage to one platform.

    A constant platform (`FROM --platform=linux/amd64 node:20`) makes the stage ignore the
    platform the image is built for: a multi-platform build (`docker buildx build
    --platform linux/amd64,linux/arm64`) gets an amd64 stage in the arm64 image, run under
    emulation or failing outright. A platform built from BuildKit's automatic platform arguments
    is what `--platform` is for and is not reported: `--platform=$BUILDPLATFORM` (cross-compile
    on the build machine), `$TARGETPLATFORM`, `linux/${TARGETARCH}`, `$BUILDOS/$BUILDARCH`, or a
    global `ARG` whose default is one of those.

    ## Why is this bad?
    The image stops following the platform it is built for: multi-platform builds produce wrong
    images, and builds on Apple silicon or ARM CI runners pull foreign-architecture images.

    ## Example
    ```dockerfile
    FROM --platform=linux/amd64 python:3.12-slim
    ```

    ## Use instead
    ```dockerfile
    FROM --platform=$BUILDPLATFORM golang:1.22 AS build
    ARG TARGETOS TARGETARCH
    RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

    FROM python:3.12-slim
    ```

    ## Differences from hadolint
    hadolint 2.15 accepts a platform only when its text contains `BUILDPLATFORM` or
    `TARGETPLATFORM`. dflint accepts every platform built from the automatic platform
    arguments (`linux/${TARGETARCH}`, `$TARGETOS/$TARGETARCH`, which hadolint reports) and
    global ARGs whose default is one of them, and reports the literal word
    `--platform=BUILDPLATFORM` (no `$`: a constant, which hadolint accepts). The finding points
    at the flag, not column 1.

    ## References
    - [hadolint DL3029](https://github.com/hadolint/hadolint/wiki/DL3029)
    - [BuildKit check FromPlatformFlagConstDisallowed](https://docs.docker.com/reference/build-checks/from-platform-flag-const-disallowed/)
    - [Automatic platform ARGs](https://docs.docker.com/reference/dockerfile/#automatic-platform-args-in-the-global-scope)
    """

    code = "DL3029"
    name = "from-platform-flag"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        escape = ctx.dockerfile.escape
        for stage in graph.stages:
            flag = stage.from_instruction.flag("platform")
            if flag is None or not flag.value:
                continue
            if _follows_platform(flag.value, graph.global_args, escape, set()):
                continue
            yield Violation(
                flag.span,
                f"Do not use --platform with FROM: `{flag.value}` pins the stage to one platform; "
                "remove it, or use $BUILDPLATFORM/$TARGETPLATFORM",
            )


def _follows_platform(text: str, global_args: dict[str, str | None], escape: str, seen: set[str]) -> bool:
    names = expand(text, {}, escape).referenced
    for name in names:
        if name in PLATFORM_ARGS:
            return True
        default = global_args.get(name)
        if name not in seen and default:
            seen.add(name)
            if _follows_platform(default, global_args, escape, seen):
                return True
    return False

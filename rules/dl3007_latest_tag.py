from __future__ import annotations

from dflint.images import parse_image
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class LatestTag(Rule):
    """A base image tagged `latest`.

    `latest` is just the tag upstream moved last: it names a different image from one month to
    the next. An image also pinned by digest (`alpine:latest@sha256:…`) is not reported: Docker
    ignores the tag then. Images named through build arguments are resolved first
    (`ARG TAG=latest` then `FROM node:${TAG}`).

    ## Why is this bad?
    Builds stop being reproducible and break without a change on your side when upstream
    publishes a new major version under `latest`.

    ## Example
    ```dockerfile
    FROM node:latest
    ```

    ## Use instead
    ```dockerfile
    FROM node:20.15-bookworm-slim
    ```

    ## Differences from hadolint
    - Build arguments are resolved through the stage graph: `FROM node:${TAG}` with
      `ARG TAG=latest` is reported here, not by hadolint.
    - The finding points at the tag, not column 1.

    ## References
    - [hadolint DL3007](https://github.com/hadolint/hadolint/wiki/DL3007)
    """

    code = "DL3007"
    name = "latest-tag"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        escape = ctx.dockerfile.escape
        for stage in ctx.graph.stages:
            if stage.base_stage is not None or not stage.base or stage.base_span is None:
                continue
            raw = parse_image(stage.base, escape)
            ref = parse_image(stage.base_resolved, escape) if stage.base_resolved is not None else raw
            if not ref.is_latest or ref.pinned:
                continue
            span = stage.base_span
            if raw.tag is not None and not raw.variable_in("tag"):
                span = raw.span_of("tag", stage.base_span) or span
            via = f" (`{stage.base}` is `{ref.text}`)" if ref is not raw and stage.base != ref.text else ""
            yield Violation(
                span,
                f"Using `{ref.name}:latest`{via} is prone to errors if the image will ever update; "
                f"pin the version explicitly to a release tag (`{ref.name}:<version>`)",
            )

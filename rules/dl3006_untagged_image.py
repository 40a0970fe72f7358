from __future__ import annotations

from dflint.images import parse_image
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class UntaggedImage(Rule):
    """A base image without a tag or digest.

    `FROM debian` pulls `debian:latest`, whatever that is on the day of the build. The rule looks
    at every `FROM` that names an image: not a stage (`FROM build`), not `scratch`, not an image
    pinned by digest. Images named through build arguments are resolved first: with
    `ARG BASE=debian` before the first `FROM`, `FROM ${BASE}` is the untagged `debian`.

    ## Why is this bad?
    The build is not reproducible: the same Dockerfile gives a different image when upstream
    moves `latest`, and a new major version can break the build or the application without any
    change on your side.

    ## Example
    ```dockerfile
    FROM debian
    RUN apt-get update
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12.6-slim
    RUN apt-get update
    ```

    ## Differences from hadolint
    - Build arguments are resolved through the stage graph: hadolint skips every image whose
      name (after the registry) starts with `$` (`FROM ${BASE}` with `ARG BASE=debian`, or
      `FROM gcr.io/${PROJECT}/base`, whose last component has no tag, are reported here, not by
      hadolint) and reports every other one without a written tag (`FROM img${V}` with
      `ARG V=:1.2` is tagged, so not reported here; nor is `FROM build-${VARIANT}` naming a
      stage). When a variable cannot be resolved and could hold the
      tag (`FROM img${V}` with `ARG V` and no default), dflint says nothing instead of guessing.
    - A stage is recognised the way BuildKit does: `FROM Build` after `AS build` is reported by
      hadolint (its alias check is case-sensitive) and not here (`DF1xx` stage rules cover
      the wrong case).
    - The finding points at the image word, not column 1.

    ## References
    - [hadolint DL3006](https://github.com/hadolint/hadolint/wiki/DL3006)
    - [Docker: image tags](https://docs.docker.com/reference/cli/docker/image/tag/)
    """

    code = "DL3006"
    name = "untagged-image"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        escape = ctx.dockerfile.escape
        for stage in ctx.graph.stages:
            if stage.base_stage is not None or not stage.base or stage.base_span is None:
                continue
            if stage.base_resolved is not None:
                if stage.is_scratch:
                    continue
                ref = parse_image(stage.base_resolved, escape)
                if not ref.untagged or ref.is_scratch:
                    continue
                via = f" (`{stage.base}` is `{stage.base_resolved}`)" if stage.base != stage.base_resolved else ""
            else:
                ref = parse_image(stage.base, escape)
                if not ref.untagged or ref.could_have_tag():
                    continue
                via = ""
            yield Violation(
                stage.base_span,
                f"Always tag the version of an image explicitly: `{ref.text}`{via} pulls "
                f"`{ref.text}:latest`; pin a version tag (`{ref.text}:<version>`) or a digest",
            )

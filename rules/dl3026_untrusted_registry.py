from __future__ import annotations

from dflint.images import parse_image, registry_allowed
from dflint.rule import Context, Rule, RuleOptions, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class UntrustedRegistry(Rule):
    """An image pulled from a registry that is not in the trusted list.

    Only active when `trusted-registries` is set: then every image the build pulls must come
    from one of them. That is each `FROM` image (not a stage, not `scratch`) and, unlike
    hadolint, each image named by `COPY --from=<image>` or `RUN --mount=from=<image>`: those are
    pulled too. An image without a registry comes from Docker Hub, allowed by `docker.io` (or
    `hub.docker.com`). Images named through build arguments are resolved first; a registry that
    is still a variable (`FROM ${REGISTRY}/app:1` with no default) is not reported.

    ## Why is this bad?
    Organisations restrict where base images come from (a mirror, a vetted internal registry):
    an image from anywhere else escapes scanning, signing and availability guarantees.

    ## Example
    ```dockerfile
    FROM quay.io/prometheus/busybox:latest
    ```
    (with `trusted-registries = ["docker.io", "registry.example.com"]`)

    ## Use instead
    ```dockerfile
    FROM registry.example.com/mirror/busybox:1.36
    ```

    ## Options
    `trusted-registries` (list of strings, default empty: the rule is inactive): registry host
    names, with the port if there is one (`my-registry.local:5000`). A `*` matches any part of
    a name: `*.gcr.io` trusts `eu.gcr.io` (not `gcr.io` itself).

    ```toml
    [rules.DL3026]
    trusted-registries = ["docker.io", "registry.example.com"]
    ```

    A `.hadolint.yaml` `trustedRegistries` list is read into this option.

    ## Differences from hadolint
    - Images named by `COPY --from` and `RUN --mount=from=` are checked too.
    - Registries follow Docker's reference rules: `localhost/app` is the registry `localhost`
      (hadolint reads it as a Docker Hub image). Every name of Docker Hub (`docker.io`,
      `hub.docker.com`, `index.docker.io`, `registry-1.docker.io`) in the list trusts every
      Docker Hub image, written with or without a registry (hadolint: only `docker.io/…` for
      `docker.io`). Host names match case-insensitively.
    - Build arguments are resolved; a registry hidden in an unresolved variable is not guessed
      at (hadolint reports it).
    - The finding points at the registry (or the image word), not column 1.

    ## References
    - [hadolint DL3026](https://github.com/hadolint/hadolint/wiki/DL3026)
    """

    code = "DL3026"
    name = "untrusted-registry"
    severity = Severity.ERROR

    class Options(RuleOptions):
        trusted_registries: list[str] = []

    def check(self, ctx: Context) -> Iterator[Violation]:
        allowed = [str(r) for r in (self.options.trusted_registries or ()) if str(r).strip()]
        if not allowed:
            return
        escape = ctx.dockerfile.escape
        graph = ctx.graph
        for ref in graph.references:
            if ref.kind == "from":
                stage = graph.stages[ref.stage]
                if stage.base_stage is not None or stage.is_scratch or not stage.base:
                    continue
            elif not ref.external and ref.resolved is not None:
                continue  # a stage
            elif ref.resolved is None and ref.candidates:
                continue  # probably a stage whose name holds a variable
            raw = parse_image(ref.text, escape)
            image = parse_image(ref.resolved, escape) if ref.resolved is not None else raw
            if image.is_scratch:
                continue
            if ref.resolved is None and raw.variable_in("registry"):
                continue
            if ref.resolved is None and raw.registry is None and raw.variable_in("path"):
                continue  # `${IMAGE}`: may hold a registry
            if registry_allowed(image.registry, allowed):
                continue
            span = ref.span
            if raw.registry is not None and not raw.variable_in("registry"):
                span = raw.span_of("registry", ref.span) or span
            where = image.registry or "Docker Hub (docker.io)"
            yield Violation(
                span,
                f"Use only an allowed registry: `{image.text}` comes from {where}, which is not "
                f"in trusted-registries ({', '.join(allowed)})",
            )

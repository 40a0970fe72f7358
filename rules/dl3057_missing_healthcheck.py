from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class MissingHealthcheck(Rule):
    """The shipped image has no `HEALTHCHECK`.

    Off by default (as in hadolint): many images are run by an orchestrator with its own probes
    (Kubernetes ignores `HEALTHCHECK`). When selected (`extend-select = ["DL3057"]`), dflint
    looks at the image that ships: the target stage and the stages it is built `FROM`; a
    `HEALTHCHECK` in any of them (`HEALTHCHECK NONE` too: it says so on purpose) satisfies the
    rule. Builder stages that only provide files are not reported.

    ## Why is this bad?
    Without a health check, Docker and Swarm only know whether the main process is alive, not
    whether it works: a hung server stays "up" and keeps receiving traffic.

    ## Example
    ```dockerfile
    FROM nginx:1.27
    COPY site/ /usr/share/nginx/html/
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    COPY site/ /usr/share/nginx/html/
    HEALTHCHECK --interval=30s CMD curl -fsS http://localhost/ || exit 1
    ```

    ## Differences from hadolint
    hadolint reports every stage without a `HEALTHCHECK` of its own or of a stage it is built
    on, builder stages included. dflint reports only the shipped image (the stage graph's
    shipped stages, as for every "final image" rule), once, at the target stage's image word.
    A health check the base image defines cannot be seen by either tool.

    ## References
    - [hadolint DL3057](https://github.com/hadolint/hadolint/wiki/DL3057)
    - [Dockerfile reference: HEALTHCHECK](https://docs.docker.com/reference/dockerfile/#healthcheck)
    """

    code = "DL3057"
    name = "missing-healthcheck"
    severity = Severity.INFO
    enabled_by_default = False

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        if graph.target is None:
            return
        for index in graph.shipped:
            if any(ins.name == "HEALTHCHECK" for ins in graph.stages[index].instructions):
                return
        target = graph.stages[graph.target]
        span = target.base_span or target.from_instruction.keyword_span
        yield Violation(
            span,
            f"`HEALTHCHECK` instruction missing in the shipped image (stage '{target.label}'); add "
            "one, e.g. HEALTHCHECK CMD <command that fails when the service is unhealthy>",
        )

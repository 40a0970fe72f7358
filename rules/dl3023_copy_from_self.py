from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class CopyFromSelf(Rule):
    """`COPY --from` or `RUN --mount=from=` names the stage it is in.

    dflint resolves the reference as BuildKit does: by name (case-insensitively, the last
    stage of a name winning), by index (`COPY --from=1` inside stage 1), through ARGs whose
    values are known, and for `ONBUILD` triggers in the stage that runs them.

    ## Why is this bad?
    A stage cannot read its own result while it is being built: BuildKit stops with
    "circular dependency detected on stage". The reference usually names the wrong stage (a
    copy-pasted `--from`), or the files are already in the stage and a plain `COPY`/`RUN cp`
    was meant.

    ## Example
    ```dockerfile
    FROM node:20 AS build
    RUN npm ci && npm run build
    COPY --from=build /app/dist /srv/www
    ```

    ## Use instead
    ```dockerfile
    FROM node:20 AS build
    RUN npm ci && npm run build

    FROM nginx:1.27
    COPY --from=build /app/dist /usr/share/nginx/html
    ```

    ## Differences from hadolint
    hadolint's DL3023 compares the `--from` text with the current stage's alias,
    case-sensitively. dflint also catches a stage index (`--from=0` inside stage 0), a
    different case (`--from=Build` in stage `build`), an ARG that resolves to the stage, and
    `RUN --mount=from=`.

    ## References
    - [Multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
    - [hadolint DL3023](https://github.com/hadolint/hadolint/wiki/DL3023)
    """

    code = "DL3023"
    name = "copy-from-self"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        seen = set()
        for edge in graph.edges:
            if edge.kind == "from" or edge.dependency != edge.dependent:
                continue
            key = (edge.span, edge.dependent)
            if key in seen:
                continue
            seen.add(key)
            stage = graph.stages[edge.dependent]
            inner = edge.instruction.inner if edge.kind == "onbuild" else edge.instruction
            if inner is not None and inner.name == "RUN":
                what = f"RUN --mount from={edge.text}"
            else:
                what = f"COPY --from={edge.text}"
            if edge.kind == "onbuild":
                where = (f"the ONBUILD trigger runs in stage '{stage.label}' (line {stage.line}), "
                         "which it names")
            else:
                where = f"it is in stage '{stage.label}' (line {stage.line})"
            yield Violation(
                edge.span,
                f"{what} refers to its own stage: {where}, and a stage cannot read itself "
                "(BuildKit: circular dependency); name the stage that built the files, or copy "
                "them within the stage",
            )

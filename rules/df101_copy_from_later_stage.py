from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class CopyFromLaterStage(Rule):
    """A stage refers to a stage that is defined further down the file.

    `COPY --from`, `RUN --mount=from=` and `ONBUILD` triggers may only use stages defined
    above the one that needs them: BuildKit fails with "cannot copy from stage …, it needs to
    be defined before current stage". `FROM <name>` only builds on an *earlier* stage; a
    later stage's name is pulled as an image of that name, which is reported here too.

    ## Why is this bad?
    The build fails (or, for `FROM`, pulls an unrelated image from a registry). The stage
    order usually got mixed up while moving stages around.

    ## Example
    ```dockerfile
    FROM nginx:1.27
    COPY --from=build /app/dist /usr/share/nginx/html

    FROM node:20 AS build
    RUN npm ci && npm run build
    ```

    ## Use instead
    ```dockerfile
    FROM node:20 AS build
    RUN npm ci && npm run build

    FROM nginx:1.27
    COPY --from=build /app/dist /usr/share/nginx/html
    ```

    ## References
    - [Multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
    """

    code = "DF101"
    name = "copy-from-later-stage"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        seen = set()
        for edge in graph.edges:
            if edge.kind == "from" or edge.dependency <= edge.dependent:
                continue
            key = (edge.span, edge.dependent)
            if key in seen:
                continue
            seen.add(key)
            here = graph.stages[edge.dependent]
            there = graph.stages[edge.dependency]
            inner = edge.instruction.inner if edge.kind == "onbuild" else edge.instruction
            mount = inner is not None and inner.name == "RUN"
            what = f"RUN --mount from={edge.text}" if mount else f"COPY --from={edge.text}"
            trigger = (f" (an ONBUILD trigger, run in stage '{here.label}')"
                       if edge.kind == "onbuild" else "")
            yield Violation(
                edge.span,
                f"{what}{trigger} uses stage '{there.label}', which is defined later (line "
                f"{there.line}) than stage '{here.label}' (line {here.line}); BuildKit fails: "
                f"move stage '{there.label}' above",
            )
        for problem in graph.problems:
            if problem.kind != "from-later-stage":
                continue
            stage = graph.stage_of(problem.span.start)
            if stage is None or stage.base_resolved is None:
                continue
            later = graph.stage(stage.base_resolved)
            if later is None or later.index <= stage.index:
                continue
            yield Violation(
                problem.span,
                f"FROM {stage.base}: stage '{later.label}' is defined later (line {later.line}); "
                f"FROM only builds on earlier stages, so this pulls an image called "
                f"'{stage.base_resolved}'; move stage '{later.label}' above",
            )

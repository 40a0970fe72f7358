from __future__ import annotations

from dflint.labels import SchemaOptions, labels
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class MissingLabel(Rule):
    """An image the file builds lacks a label that the label schema requires.

    Only with a label schema configured (`label-schema`, as in hadolint): every label it names
    must be set on each image the Dockerfile produces. Those are the stages nothing else builds
    on or copies from (the last stage, and stages built on purpose with `--target`) plus the
    configured `target` and `extra-targets`. A stage has the labels set in it and in the stages
    it is built `FROM` (and their `ONBUILD LABEL` triggers), so a label set once in a shared base
    stage counts for every stage built on it. Intermediate build stages are not checked: their
    labels never reach an image.

    ## Why is this bad?
    Teams use a label schema so every image can be traced: who owns it, where its source lives,
    which commit and version it was built from, under which license it ships. An image without a
    required label breaks that for whoever pulls it.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS build
    RUN go build -o /out/app .

    FROM gcr.io/distroless/static
    COPY --from=build /out/app /app
    LABEL org.opencontainers.image.title="app"
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS build
    RUN go build -o /out/app .

    FROM gcr.io/distroless/static
    COPY --from=build /out/app /app
    LABEL org.opencontainers.image.title="app" \\
          org.opencontainers.image.source="https://github.com/acme/app"
    ```

    ## Options
    `label-schema`: a table of label name → type (`text`, `url`, `rfc3339`, `semver`, `hash`,
    `spdx`, `email`), hadolint's `label-schema`; every name in it is required. The label rules
    DL3049–DL3058 each read it from their own `[rules.<CODE>]` table:

    ```toml
    [rules.DL3049]
    label-schema = { "org.opencontainers.image.title" = "text", "org.opencontainers.image.source" = "url" }
    ```

    ## Differences from hadolint
    hadolint reports every stage without the label unless another stage copies from it or is
    built on it under the same name, so it also reports a base stage whose child sets the label
    (`FROM base AS final` + `LABEL …`), and stages used only through `RUN --mount=from=`. dflint
    checks the images the file produces, through the stage graph, including the labels inherited
    from base stages: a base stage is judged as part of the images built on it (reported once, at
    each of those), and an intermediate stage that is only copied from is not reported. Reported
    at the stage's name (or base image) in its `FROM`.

    ## References
    - [hadolint: linting labels](https://github.com/hadolint/hadolint#linting-labels)
    - [OCI image annotations](https://github.com/opencontainers/image-spec/blob/main/annotations.md)
    - [hadolint DL3049](https://github.com/hadolint/hadolint/wiki/DL3049)
    """

    code = "DL3049"
    name = "missing-label"
    severity = Severity.INFO
    Options = SchemaOptions

    def check(self, ctx: Context) -> Iterator[Violation]:
        schema = self.options.label_schema
        if not schema:
            return
        graph = ctx.graph
        if not graph.stages:
            return
        own: dict[int, set[str]] = {s.index: set() for s in graph.stages}
        triggers: dict[int, set[str]] = {s.index: set() for s in graph.stages}
        for label in labels(ctx):
            instruction = label.instruction
            while instruction.parent is not None:
                instruction = instruction.parent
            stage = graph.stage_of(instruction)
            if stage is not None:
                (triggers if label.onbuild else own)[stage.index].add(label.key)
        needed = {e.dependency for e in graph.edges if e.dependent != e.dependency}
        for ref in graph.references:
            needed.update(ref.candidates)
        finals = [s.index for s in graph.stages if s.index not in needed]
        for index in (graph.target, *graph.extra_targets):
            if index is not None and index not in finals:
                finals.append(index)
        for index in sorted(finals):
            stage = graph.stages[index]
            present = set(own[index])
            chain = [index]
            parent = stage.base_stage
            while parent is not None and parent not in chain:
                chain.append(parent)
                present |= own[parent] | triggers[parent]
                parent = graph.stages[parent].base_stage
            span = stage.name_span or stage.base_span or stage.from_instruction.keyword_span
            where = f"stage '{stage.label}'" if len(graph.stages) > 1 else "the image"
            inherited = " or in the stages it is built on" if len(chain) > 1 else ""
            for name in schema:
                if name not in present:
                    yield Violation(
                        span,
                        f"Label `{name}` is missing from {where}: the label schema requires it; "
                        f"set it with `LABEL {name}=…` in this stage{inherited}",
                    )

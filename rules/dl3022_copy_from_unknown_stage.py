from __future__ import annotations

import re

from dflint.fix import Edit, Fix
from dflint.graph import Reference, StageGraph
from dflint.rule import Context, Fixable, Rule, RuleOptions, Severity, Violation
from dflint.source import LazyPattern

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_INDEX = LazyPattern(r"[+-]?[0-9]+")
# What a stage name may look like (BuildKit's validStageName, case-insensitive: the name is
# lowercased first). A reference with a registry, a path, a tag or a digest (`/`, `:`, `@`)
# cannot name a stage: it is an image.
_STAGE_SHAPED = LazyPattern(r"[a-z][a-z0-9._-]*", re.IGNORECASE)


class CopyFromUnknownStage(Rule):
    """`COPY --from` or `RUN --mount=from=` names a stage that does not exist.

    A `--from` value that is no stage of the file is pulled as an image. dflint resolves
    the value the way BuildKit does (stage names case-insensitively, an integer as a stage
    index, ARGs substituted where their values are known) and only reports what can name
    nothing: a bare word that is no stage (`--from=buidler`, `--from=pruned`), a stage index
    out of range, or a numeric `from=` in a `RUN --mount`, which BuildKit looks up by name
    only. Image references (`--from=nginx:1.27`, `--from=ghcr.io/org/tool`) and references
    dflint cannot resolve (`--from=build-$TARGETOS`) are left alone; a stage defined
    further down is DF101's finding.

    ## Why is this bad?
    A typo in a stage name does not fail where it is written: BuildKit tries to pull an image
    of that name from Docker Hub, which fails with a confusing "pull access denied", or worse,
    succeeds with somebody else's image. A bare image name without a tag (`--from=composer`)
    silently follows `latest`.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS builder
    RUN go build -o /out/app .

    FROM gcr.io/distroless/static
    COPY --from=buidler /out/app /app
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS builder
    RUN go build -o /out/app .

    FROM gcr.io/distroless/static
    COPY --from=builder /out/app /app
    COPY --from=composer:2.7 /usr/bin/composer /usr/bin/composer
    ```

    ## Options
    `build-contexts` (list of strings, default empty): names passed as named build contexts
    (`docker buildx build --build-context tools=docker-image://…`, or `contexts` in a bake
    file). BuildKit resolves `--from=tools` through them, so they are never reported.

    ```toml
    [rules.DL3022]
    build-contexts = ["tools", "assets"]
    ```

    ## Fix safety
    A numeric `RUN --mount=…,from=N` gets an unsafe fix that names stage N instead (when it
    has a unique name): the mount then reads that stage rather than an image called `N`.

    ## Differences from hadolint
    hadolint's DL3022 only knows the aliases defined above the `COPY`, compares them
    case-sensitively and does not expand variables, so it reports `--from=$BUILDER` even when
    `ARG BUILDER=build` names a stage, `--from=Build` for stage `build` (BuildKit finds it),
    and every image reference without a tag (`--from=ghcr.io/org/tool`). dflint reports those
    only when they can name nothing. A stage defined further down is reported by DF101
    (`copy-from-later-stage`), not here. dflint also checks `RUN --mount=from=`, which hadolint
    does not. Like hadolint, it reports a bare name that is no stage (`--from=composer`): write
    the image with a tag to say an image is meant, or list a named build context in
    `build-contexts`.

    ## References
    - [Dockerfile reference: COPY --from](https://docs.docker.com/reference/dockerfile/#copy---from)
    - [hadolint DL3022](https://github.com/hadolint/hadolint/wiki/DL3022)
    """

    code = "DL3022"
    name = "copy-from-unknown-stage"
    severity = Severity.WARNING
    fixable = Fixable.SOMETIMES

    class Options(RuleOptions):
        build_contexts: list[str] = []

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        if not graph.stages:
            return
        options = self.options or self.Options()
        contexts = {str(name).lower() for name in options.build_contexts or ()}
        for ref in graph.references:
            # ONBUILD triggers run in the builds of downstream images, whose stages this file
            # does not show; FROM lines are other rules' business.
            if ref.kind not in ("copy", "mount") or ref.resolved is None or ref.target is not None:
                continue
            value = ref.resolved
            if value.lower() in contexts:
                continue
            where = _where(ref)
            if ref.kind == "copy" and _INDEX.fullmatch(value):
                count = len(graph.stages)
                yield Violation(
                    ref.span,
                    f"{where}: there is no stage {int(value)}, the file has {count} "
                    f"stage{'s' if count != 1 else ''} (0 to {count - 1}); name the stage "
                    "to copy from instead of counting",
                )
            elif ref.kind == "mount" and value.isdigit():
                yield _mount_index(ctx, graph, ref, where, int(value))
            elif _STAGE_SHAPED.fullmatch(value):
                yield Violation(ref.span, _unknown_name_message(graph, ref, where, value))


def _where(ref: Reference) -> str:
    what = f"COPY --from={ref.text}" if ref.kind == "copy" else f"RUN --mount from={ref.text}"
    if ref.text != ref.resolved:
        what += f" ('{ref.resolved}')"
    return what


def _unknown_name_message(graph: StageGraph, ref: Reference, where: str, value: str) -> str:
    names = [s.name for s in graph.stages if s.name is not None]
    if value.lower() == "scratch":
        return f"{where} reads the empty image `scratch`: there is nothing to copy"
    message = f"{where} names no stage"
    import difflib  # here: most runs never need it (import time)

    close = difflib.get_close_matches(value.lower(), names, n=1, cutoff=0.6)
    if value != value.lower():
        message += f", and '{value}' is not a valid image name either (image names are lowercase)"
    else:
        message += f", so BuildKit pulls the image '{value}:latest' from Docker Hub"
    if close:
        return message + f"; did you mean stage '{close[0]}'?"
    known = ", ".join(names) if names else "none"
    if value != value.lower():
        return message + f" (stage names: {known}); define the stage"
    return (message + f" (stage names: {known}); define the stage, or write the image with a tag "
            f"({value}:<version>) if the image is meant")


def _mount_index(ctx: Context, graph: StageGraph, ref: Reference, where: str, index: int) -> Violation:
    message = (f"{where}: BuildKit looks mount sources up by stage name, not by index, so this "
               f"names an image '{index}'")
    fix = None
    if index < len(graph.stages):
        stage = graph.stages[index]
        if stage.name is not None:
            message += f"; use from={stage.name} (stage {index})"
            found = graph.stage(stage.name)
            if found is not None and found.index == index and \
                    ctx.dockerfile.text[ref.span.start:ref.span.end] == ref.text:
                fix = Fix.unsafe(f"Mount from stage '{stage.name}'",
                                 Edit(ref.span.start, ref.span.end, stage.name))
        else:
            message += f"; name stage {index} (FROM … AS name) and mount from that name"
    return Violation(ref.span, message, fix)

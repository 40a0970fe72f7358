from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation
from dflint.toolchain import (
    ECOSYSTEM_LABELS,
    base_toolchain,
    chain_facts,
    evidence,
    runtime_image_for,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class FinalStageToolchainBase(Rule):
    """The shipped stage of a multi-stage build starts from a toolchain image or from a builder stage.

    The build was split into stages, but the stage that ships (the target, or the last stage) is
    `FROM` an image whose purpose is building — golang, rust, gcc, maven, gradle, a JDK rather
    than a JRE, the .NET SDK, buildpack-deps… — or `FROM` an earlier stage that installed a
    compiler or build toolchain or ran a build with one (`FROM build AS final`). The compiler ships
    anyway, with everything the build left behind.

    `node` and `erlang` images are their ecosystem's runtime as well: a final stage `FROM node`
    is fine, a final stage `FROM` a stage that ran `npm run build` is not (it keeps the dev
    dependencies and the build tree).

    ## Why is this bad?
    The point of the multi-stage split is a small runtime image with only the artifacts. A
    toolchain base brings the compiler, headers and build caches back: hundreds of megabytes more
    to pull, scan and patch, and tools an attacker can use.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS build
    WORKDIR /src
    COPY . .
    RUN go build -o /out/app .

    FROM golang:1.22
    COPY --from=build /out/app /usr/local/bin/app
    CMD ["app"]
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS build
    WORKDIR /src
    COPY . .
    RUN CGO_ENABLED=0 go build -o /out/app .

    FROM gcr.io/distroless/static-debian12
    COPY --from=build /out/app /app
    CMD ["/app"]
    ```

    When the final stage is `FROM` the builder stage, DF200 (`ships-toolchain`) also reports the
    build it ran; changing this `FROM` to a runtime image fixes both.

    ## References
    - [Multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
    - [Eclipse Temurin JRE images](https://hub.docker.com/_/eclipse-temurin)
    """

    code = "DF201"
    name = "final-stage-toolchain-base"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        if graph.target is None or len(graph.stages) < 2:
            return
        final = graph.stages[graph.target]
        span = final.base_span or final.from_instruction.keyword_span
        own = evidence(ctx, final.index)
        if own is not None and any(b.stage == final.index for b in own.builds):
            return  # the shipped stage builds itself: ships-toolchain (DF200) reports it
        if final.base_stage is None:
            pieces = [t for t in base_toolchain(ctx, final) if not t.incidental and t.role != "runtime"]
            if not pieces:
                return
            ref = final.base_resolved or final.base
            label = ECOSYSTEM_LABELS.get(pieces[0].ecosystem, pieces[0].ecosystem)
            runtime = runtime_image_for(ref)
            if pieces[0].ecosystem == "jvm" and pieces[0].role == "compiler":
                instead = runtime or "a JRE image"
                yield Violation(
                    span,
                    f"The shipped stage '{final.label}' starts FROM {ref}, a JDK: the compiler and "
                    f"development tools ship where a JRE runs the artifacts; start it FROM "
                    f"{instead}",
                )
                return
            instead = f"a runtime image (e.g. {runtime})" if runtime else "a runtime image without it"
            yield Violation(
                span,
                f"The shipped stage '{final.label}' starts FROM {ref}, which carries the {label}, "
                f"so the compiler ships although the build runs in another stage: start it FROM "
                f"{instead} and COPY only the artifacts",
            )
            return
        base = graph.stages[final.base_stage]
        facts = chain_facts(ctx, base.index)
        kept = [t for t in facts.shipped_toolchains
                if not t.incidental and (t.role == "compiler" or t.origin == "image" and t.role == "build-tool")]
        built = evidence(ctx, base.index)
        if not kept and built is None:
            return
        if built is not None:
            main = built.primary
            what = f"the {main.label} ({main.describe()}) that `{built.primary_build.tool}` on line " \
                   f"{built.primary_build.line} used"
        else:
            main = kept[0]
            what = f"the {main.label} ({main.describe()})"
        yield Violation(
            span,
            f"The shipped stage '{final.label}' starts FROM stage '{base.label}' (line {base.line}), "
            f"which has {what}, so the toolchain ships anyway: start the shipped stage FROM a "
            f"runtime image and COPY --from={base.label} only the artifacts",
        )

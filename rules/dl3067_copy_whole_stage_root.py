from __future__ import annotations

from dflint.graph import Reference, Stage, StageGraph
from dflint.rule import Context, Rule, Severity, Violation
from dflint.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

# Images whose root filesystem is a whole distribution (distributions, and the official
# language and server images built on one). Matched on the repository's last path component.
_OS_IMAGES = frozenset(
    """
    alpine debian ubuntu busybox centos fedora rockylinux almalinux amazonlinux archlinux
    oraclelinux photon mageia clearlinux leap tumbleweed kali-rolling gentoo stage3
    buildpack-deps python node golang ruby php openjdk eclipse-temurin amazoncorretto
    ibm-semeru-runtimes sapmachine rust gcc perl maven gradle dotnet sdk aspnet runtime
    nginx httpd postgres mysql mariadb redis mongo
    """.split()
)


def _repository_tail(image: str) -> str:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def _is_os_image(image: str) -> bool:
    tail = _repository_tail(image)
    return tail in _OS_IMAGES or tail.startswith("ubi")


def _is_root(path: str) -> bool:
    path = path.strip().strip("\"'")
    return path.startswith("/") and not path.strip("/.")


class CopyWholeStageRoot(Rule):
    """`COPY --from=<stage> / /` copies a whole distribution over the current stage's root.

    The rule fires when the source is a full root filesystem (a stage that runs commands, or
    that is based on a distribution or language image, or such an image itself) and the
    destination is the root of a stage that already has one. Copying the root of a stage
    built `FROM scratch` (only the files the Dockerfile put there: BuildKit's own
    `binaries` pattern), of a tool image whose content is unknown (`tonistiigi/xx`), or into
    a stage built `FROM scratch` (squashing a stage on purpose) is not reported.

    ## Why is this bad?
    The source's `/etc/passwd`, package database, shell and libraries overwrite the
    destination's: the result is a mix of two distributions that neither package manager
    understands, and every file of the source ships again in one more layer. What was meant is
    almost always a few paths.

    ## Example
    ```dockerfile
    FROM debian:bookworm AS build
    RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev
    RUN gcc -o /usr/local/bin/app app.c

    FROM alpine:3.20
    COPY --from=build / /
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm AS build
    RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev
    RUN gcc -o /usr/local/bin/app app.c

    FROM debian:bookworm-slim
    COPY --from=build /usr/local/bin/app /usr/local/bin/app
    ```

    ## Differences from hadolint
    hadolint 2.15's DL3067 ("Do not copy an entire filesystem from another stage") fires on
    every `COPY --from=… / /`, including the root of a `FROM scratch` export stage, a tool
    image made to be copied whole, and a copy into `FROM scratch`. dflint looks at what the
    source stage is, through the stage graph, and only reports a real distribution.

    ## References
    - [Multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
    - [hadolint DL3067](https://github.com/hadolint/hadolint/wiki/DL3067)
    """

    code = "DL3067"
    name = "copy-whole-stage-root"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        refs = {id(r.instruction): r for r in graph.references if r.kind == "copy"}
        for stage in graph.stages:
            if _root_base(graph, stage) == "scratch":
                continue  # nothing there to overwrite
            for ins in stage.instructions[1:]:
                ref = refs.get(id(ins))
                if ref is None or ref.target == stage.index or ins.heredocs \
                        or not _copies_root(ins):
                    continue
                source = _source_os(graph, ref)
                if source is None:
                    continue
                yield Violation(
                    ref.span,
                    f"COPY --from={ref.text} / / copies the whole filesystem of {source} over "
                    f"the root of stage '{stage.label}': its /etc, package database and "
                    "libraries replace this stage's, and every file ships again; copy only the "
                    f"paths you need (COPY --from={ref.text} /path/to/app /path/to/app)",
                )


def _copies_root(ins: Instruction) -> bool:
    paths = list(ins.json) if ins.json is not None else [w.value for w in ins.words]
    if len(paths) < 2:
        return False
    return _is_root(paths[-1]) and any(_is_root(p) for p in paths[:-1])


def _chain(graph: StageGraph, stage: Stage) -> list[Stage]:
    chain: list[Stage] = []
    seen: set[int] = set()
    current: Stage | None = stage
    while current is not None and current.index not in seen:
        seen.add(current.index)
        chain.append(current)
        current = None if current.base_stage is None else graph.stages[current.base_stage]
    return chain


def _root_base(graph: StageGraph, stage: Stage) -> str | None:
    """The image at the bottom of the stage's FROM chain ("scratch", a reference, or None)."""
    bottom = _chain(graph, stage)[-1]
    if bottom.is_scratch:
        return "scratch"
    return bottom.base_resolved


def _source_os(graph: StageGraph, ref: Reference) -> str | None:
    """A description of the source when it is a full distribution, else None."""
    if ref.target is not None:
        stage = graph.stages[ref.target]
        chain = _chain(graph, stage)
        base = _root_base(graph, stage)
        if base == "scratch":
            return None
        if base is not None and _is_os_image(base):
            return f"stage '{stage.label}' (based on {base})"
        runs = any(ins.name == "RUN" for st in chain for ins in st.instructions)
        if runs:
            return f"stage '{stage.label}' (which runs commands, so it has a shell and a distribution)"
        return None
    if ref.resolved is not None and ref.external and _is_os_image(ref.resolved):
        return f"the image '{ref.resolved}'"
    return None

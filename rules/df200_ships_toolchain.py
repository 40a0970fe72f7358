from __future__ import annotations

from dflint.rule import Context, Fixable, Rule, RuleOptions, Severity, Violation
from dflint.toolchain import Evidence, Toolchain, evidence, runtime_image_for

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


def describe_pieces(pieces: list[Toolchain], limit: int = 4) -> str:
    """``build-essential, cmake (apt-get install, line 3) and golang:1.22 (base image, line 1)``:
    names grouped by the instruction that brought them."""
    groups: list[tuple[Toolchain, list[str]]] = []
    for t in pieces:
        for first, names in groups:
            if first.instruction is t.instruction and first.origin == t.origin:
                if t.name not in names:
                    names.append(t.name)
                break
        else:
            groups.append((t, [t.name]))
    parts = []
    shown = 0
    for first, names in groups:
        if shown >= limit:
            break
        take = names[: max(1, limit - shown)]
        shown += len(take)
        more = len(names) - len(take)
        label = ", ".join(take) + (f" and {more} more" if more else "")
        parts.append(first.describe().replace(first.name, label, 1))
    rest = len(groups) - len(parts)
    text = "; ".join(parts)
    if rest:
        text += f"; and {rest} more"
    return text


def _message(ctx: Context, ev: Evidence) -> str:
    main, step = ev.primary, ev.primary_build
    graph = ctx.graph
    where = "the final image"
    if graph.target is not None and graph.target != len(graph.stages) - 1:
        where = f"the shipped image (target '{graph.stages[graph.target].label}')"
    builds_with = [t for t in ev.toolchains if t.ecosystem == main.ecosystem or t is main]
    seen = {(t.instruction.span.start, t.origin, t.name) for t in builds_with}
    others = [t for t in ev.toolchains if t.can_build and (t.instruction.span.start, t.origin, t.name) not in seen]
    if main.origin == "inferred":
        root = graph.stages[ev.chain[0]]
        source = (f"the {main.label} (`{main.name}`, installed by no instruction here: it comes "
                  f"with the base image {root.base or 'scratch'} of line {root.line} or a "
                  f"download),")
    else:
        source = f"the {main.label} from {describe_pieces(builds_with)},"
    if step.at_start:
        how = (f"`{step.tool}` in {step.instruction.name} (line {step.line}) compiles at container "
               f"start with {source}")
    else:
        how = f"`{step.tool}` on line {step.line} builds with {source}"
    notes = []
    if others:
        notes.append(f"also {describe_pieces(others, limit=3)}")
    late = next((t for t in ev.toolchains if t.removed_later is not None), None)
    if late is not None:
        notes.append(f"removing {late.name} on line {late.removed_later.line} is too late: the "
                     f"layer of line {late.line} keeps it")
    extra = f" ({'; '.join(notes)})" if notes else ""
    runtime = runtime_image_for(main.name) if main.origin == "image" else None
    advice = "build in an earlier stage and COPY only the artifacts into a runtime image"
    if runtime:
        advice += f" (e.g. {runtime})"
    if main.origin == "package" and main.manager in ("apt", "apk", "yum", "dnf", "zypper"):
        advice += ", or remove the build packages in the RUN that installs them"
    return f"{how} which ships in {where}{extra}; {advice}"


class ShipsToolchain(Rule):
    """The shipped image keeps the compiler or build toolchain that a build step in it used.

    The shipped image is the target stage (the last stage, or `--target`) together with the stages
    it is `FROM`-based on. dflint looks there for a toolchain — a toolchain base image (golang,
    rust, gcc, maven, gradle, sbt, a JDK rather than a JRE, the .NET SDK, buildpack-deps, node with a
    build step…), toolchain packages installed with apt, apk, yum/dnf, zypper or conda
    (build-essential, gcc, g++, clang, make, cmake, golang, cargo, default-jdk, maven, `*-dev`
    headers, apk's build-base…) and not removed in the same RUN — and for a build step that uses
    it: `go build`, `cargo build`, `make`, `cmake`, `gcc -o`, `mvn package`, `gradle build`,
    `javac`, `npm run build`, `tsc`, `dotnet publish`, `docker-php-ext-install`, `cabal build`…
    `pip install`, `gem install`, `bundle install` and `npm install` compile only packages without a
    binary, so they count only when the file itself installs a C compiler or headers for them.
    Commands in CMD/ENTRYPOINT that compile at start (`go run`, `dotnet run`) count too.

    The toolchain is found through the shell layer's parsed commands: `echo "go build"` builds
    nothing. RUN bodies under a Windows cmd/PowerShell `SHELL` are split into commands as well.

    ## Why is this bad?
    A compiler is hundreds of megabytes the application never needs at run time: a `golang`
    image is over 800 MB where the binary it builds fits in a 2 MB distroless image. Every extra
    package is more to download, to scan and to patch, and a compiler in production helps an
    attacker build tools on the spot. A multi-stage build compiles in one stage and copies only
    the artifacts into a small runtime image.

    Removing the packages in a later RUN does not help: the bytes stay in the layer that installed
    them. Remove them in the same RUN, or build in a separate stage.

    ## Example
    ```dockerfile
    FROM golang:1.22
    WORKDIR /src
    COPY . .
    RUN go build -o /usr/local/bin/app ./cmd/app
    CMD ["app"]
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS build
    WORKDIR /src
    COPY . .
    RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

    FROM gcr.io/distroless/static-debian12
    COPY --from=build /out/app /app
    CMD ["/app"]
    ```

    A single-stage file passes too when it removes its build packages in the RUN that installed
    them (`apt-get purge -y --auto-remove gcc`, `apk del .build-deps`).

    ## Fix safety
    The fix is unsafe: it rewrites the stage as a multi-stage build. The build stage (`AS build`)
    keeps every instruction that builds, in order; a runtime stage on a base without the
    toolchain gets, in their original order, ENV, ARG still used, WORKDIR, USER (the user
    re-created when the file created it; a numeric UID on scratch/distroless), EXPOSE, VOLUME,
    LABEL, HEALTHCHECK, STOPSIGNAL, SHELL, ENTRYPOINT and CMD, the runtime packages (a `-dev`
    package becomes its runtime library: `libpq-dev` → `libpq5`), and `COPY --from=build` of
    exactly what the program needs: the binary from `-o` or the build tool's conventions, what
    ENTRYPOINT/CMD names (a relative path resolves against the WORKDIR), the jar, the venv, the
    compiled JavaScript with production `node_modules`, and folders the program reads from its
    working directory (templates/, static/…) when they came from the build context. The fix's
    title names what is copied. Recipes: Go, Rust, C/C++ (gcc, make, cmake), Node (a build
    script such as `tsc`), Python (dependencies that compile, moved into a venv), Java
    (javac + jar, Maven, Gradle, sbt), Ruby (`bundle install`/`gem install` with native
    extensions: the gems folder to the same ruby image's `-slim`) and .NET (`dotnet publish -o`:
    the output folder to the `aspnet` image of the same version).

    The runtime base: a static Go binary → `gcr.io/distroless/static-debian12`; a toolchain image
    → its ecosystem's runtime image (golang and rust → `debian:<release>-slim`, maven/JDK →
    `eclipse-temurin:<version>-jre`, node → `node:<version>-slim`, python →
    `python:<version>-slim`, the .NET SDK → `aspnet`); a Debian/Ubuntu/Alpine base with the
    toolchain from its package manager → the same base without it. When the runtime base differs
    from a Debian-based toolchain image (whose own headers the runtime lacks), the build stage
    lists the packages of the shared libraries the artifacts link against (`ldd` + `dpkg -S`) and
    the runtime stage installs them.

    When the rewrite cannot be made with confidence (the artifact cannot be located, a RUN after
    the build does something unknown, a `-dev` package's runtime library is not known), the
    fix's title says why and the skeleton is offered as a display-only fix, never applied.

    ## Options
    `runtime-images` (table, default empty): runtime images by toolchain image name, overriding
    the built-in table; `static` is the image for a static binary. Values may use `{tag}`,
    `{version}` (the leading version of the tag), `{java}` (the Java major version) and
    `{debian}` (the Debian release).

    ```toml
    [rules.DF200]
    runtime-images = { static = "registry.example.com/static:nonroot", golang = "registry.example.com/debian:{debian}-slim" }
    ```

    ## References
    - [Multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
    - [Best practices: use multi-stage builds](https://docs.docker.com/build/building/best-practices/#use-multi-stage-builds)

    ## Differences from hadolint
    hadolint has no such rule.
    """

    code = "DF200"
    name = "ships-toolchain"
    severity = Severity.WARNING
    fixable = Fixable.SOMETIMES

    class Options(RuleOptions):
        runtime_images: dict[str, str] = {}

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        if graph.target is None:
            return
        ev = evidence(ctx, graph.target)
        if ev is None:
            return
        from dflint.optimize import Options as PlanOptions, rewrite_fix

        images = {str(k): str(v) for k, v in (self.options.runtime_images or {}).items()}
        yield Violation(ev.primary.span, _message(ctx, ev), rewrite_fix(ctx, ev, PlanOptions(images)))

"""The toolchain knowledge module (`dflint.toolchain`): tables, per-instruction facts, evidence."""

from __future__ import annotations

import functools

import pytest

from dflint.parser import parse
from dflint.rule import Context
from dflint.toolchain import (
    ANY,
    base_toolchain,
    chain_facts,
    classify_build,
    classify_image,
    classify_package,
    evidence,
    image_name,
    instruction_builds,
    run_toolchains,
    runtime_image_for,
    split_windows_commands,
)


def ctx_of(text: str, **kw) -> Context:
    return Context(parse(text), **kw)


def run(ctx: Context, n: int):
    return [i for i in ctx.dockerfile.instructions if i.name == "RUN"][n]


# ------------------------------------------------------------------------------------ images


@pytest.mark.parametrize(
    "ref, name, tag",
    [
        ("golang:1.22", "golang", "1.22"),
        ("docker.io/library/golang:1.22-alpine", "golang", "1.22-alpine"),
        ("library/rust", "rust", ""),
        ("mcr.microsoft.com/dotnet/sdk:8.0@sha256:abc", "mcr.microsoft.com/dotnet/sdk", "8.0"),
        ("localhost:5000/golang:1.22", "localhost:5000/golang", "1.22"),
        ("golang:${GO_VERSION}", "golang", "${go_version}"),
    ],
)
def test_image_name(ref, name, tag):
    assert image_name(ref) == (name, tag)


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("golang:1.22", [("go", False), ("c", False)]),
        ("golang:1.22-alpine", [("go", False)]),
        ("rust:1-slim", [("rust", False)]),
        ("gcc:13", [("c", False)]),
        ("buildpack-deps:bookworm", [("c", False)]),
        ("buildpack-deps:bookworm-scm", []),
        ("buildpack-deps:bookworm-curl", []),
        ("maven:3.9-eclipse-temurin-21", [("jvm", False)]),
        ("gradle:8-jdk17", [("jvm", False)]),
        ("openjdk:17", [("jvm", False)]),
        ("openjdk:8-jre-alpine", []),
        ("eclipse-temurin:21-jdk", [("jvm", False)]),
        ("eclipse-temurin:21-jre", []),
        ("amazoncorretto:21", [("jvm", False)]),
        ("mcr.microsoft.com/dotnet/sdk:8.0", [("dotnet", False)]),
        ("mcr.microsoft.com/dotnet/aspnet:8.0", []),
        ("microsoft/dotnet:2.1-sdk", [("dotnet", False)]),
        ("microsoft/dotnet:2.1-aspnetcore-runtime", []),
        ("mcr.microsoft.com/dotnet/framework/sdk:4.8", [("dotnet", False)]),
        ("python:3.12", [("c", True)]),
        ("python:3.12-slim", []),
        ("python:3.12-alpine", []),
        ("ruby:3.3-slim-bookworm", []),
        ("node:20", [("node", False), ("c", True)]),
        ("node:20-alpine", [("node", False)]),
        ("swift:5.10", [("swift", False)]),
        ("swift:5.10-slim", []),
        ("debian:bookworm-slim", []),
        ("alpine:3.20", []),
        ("$BASE_IMAGE", []),
    ],
)
def test_classify_image(ref, expected):
    assert [(t.ecosystem, t.incidental) for t in classify_image(ref)] == expected


def test_node_and_erlang_are_runtimes_too():
    assert classify_image("node:20")[0].role == "runtime"
    assert classify_image("erlang:26")[0].role == "runtime"
    assert classify_image("maven:3")[0].role == "build-tool"
    assert classify_image("golang:1.22")[0].role == "compiler"


@pytest.mark.parametrize(
    "ref, runtime",
    [
        ("golang:1.22", "gcr.io/distroless/static-debian12"),
        ("eclipse-temurin:17-jdk-alpine", "eclipse-temurin:17-jre-alpine"),
        ("openjdk:11.0.3-jdk-slim", "eclipse-temurin:11-jre"),
        ("openjdk:8", "eclipse-temurin:8-jre"),
        ("amazoncorretto:25.0.1-alpine", "eclipse-temurin:25-jre"),
        ("maven:3.9.9-eclipse-temurin-21", "eclipse-temurin:21-jre"),
        ("gradle:8-jdk17", "eclipse-temurin:17-jre"),
        ("mcr.microsoft.com/dotnet/sdk:9.0", "mcr.microsoft.com/dotnet/aspnet:9.0"),
        ("node:20", "node:20-slim"),
        ("python:3.12", "python:3.12-slim"),
        ("crystallang/crystal:1.12", None),
    ],
)
def test_runtime_image_for(ref, runtime):
    assert runtime_image_for(ref) == runtime


# ---------------------------------------------------------------------------------- packages


@pytest.mark.parametrize(
    "manager, name, expected",
    [
        ("apt", "build-essential", ("c", "compiler")),
        ("apt", "gcc-12", ("c", "compiler")),
        ("apt", "g++", ("c", "compiler")),
        ("apt", "make", ("c", "build-tool")),
        ("apt", "cmake", ("c", "build-tool")),
        ("apt", "libpq-dev", ("c", "headers")),
        ("apt", "libc6-dev:i386", ("c", "headers")),
        ("apt", "golang-go", ("go", "compiler")),
        ("apt", "golang-1.21-go", ("go", "compiler")),
        ("apt", "cargo", ("rust", "compiler")),
        ("apt", "default-jdk", ("jvm", "compiler")),
        ("apt", "openjdk-17-jdk-headless", ("jvm", "compiler")),
        ("apt", "openjdk-17-jre-headless", None),
        ("apt", "maven", ("jvm", "build-tool")),
        ("apt", "nodejs", ("node", "runtime")),
        ("apt", "curl", None),
        ("apt", "go-md2man", None),
        ("apt", "libgcc-s1", None),
        ("apk", "build-base", ("c", "compiler")),
        ("apk", "musl-dev", ("c", "headers")),
        ("apk", "go", ("go", "compiler")),
        ("apk", "openjdk17", ("jvm", "compiler")),
        ("apk", "openjdk17-jre", None),
        ("yum", "gcc-c++", ("c", "compiler")),
        ("yum", "java-17-openjdk-devel", ("jvm", "compiler")),
        ("yum", "java-17-openjdk", None),
        ("yum", "Development Tools", ("c", "compiler")),
        ("dnf", "openssl-devel", ("c", "headers")),
        ("conda", "gxx", ("c", "compiler")),
        ("choco", "golang", ("go", "compiler")),
        ("pip", "gcc", None),
    ],
)
def test_classify_package(manager, name, expected):
    got = classify_package(manager, name)
    assert (None if got is None else (got.ecosystem, got.role)) == expected


# ------------------------------------------------------------------------------ build steps


@pytest.mark.parametrize(
    "argv, tool, certain",
    [
        ("go build -o /app .", "go build", True),
        ("go install ./cmd/...", "go install", True),
        ("go get github.com/x/y", "go get", True),
        ("go get -d ./...", None, None),
        ("go mod download", None, None),
        ("go version", None, None),
        ("cargo +nightly build --release", "cargo build", True),
        ("cargo fetch", None, None),
        ("cargo chef cook --release --recipe-path recipe.json", "cargo chef cook", True),
        ("make", "make", True),
        ("make -j4 install", "make", True),
        ("make clean", None, None),
        ("cmake --build build", "cmake", True),
        ("cmake -E tar xf x.tgz", None, None),
        ("gcc -O2 -o hello hello.c", "gcc", True),
        ("gcc --version", None, None),
        ("x86_64-linux-gnu-gcc -c a.c", "x86_64-linux-gnu-gcc", True),
        ("./configure --prefix=/usr", "./configure", True),
        ("javac Main.java", "javac", True),
        ("mvn -B -DskipTests package", "mvn package", True),
        ("mvn -f pom.xml clean install", "mvn install", True),
        ("mvn dependency:go-offline", None, None),
        ("mvn spring-boot:repackage", "mvn spring-boot:repackage", True),
        ("gradle build --no-daemon", "gradle build", True),
        ("./gradlew :app:bootJar", "gradle :app:bootJar", True),
        ("gradle dependencies", None, None),
        ("sbt clean stage", "sbt stage", True),
        ("lein uberjar", "lein uberjar", True),
        ("npm run build", "npm run build", True),
        ("npm run build:prod", "npm run build:prod", True),
        ("npm run test", None, None),
        ("yarn build", "yarn build", True),
        ("pnpm --filter web build", "pnpm build", True),
        ("yarn workspace @acme/web build", "yarn build", True),
        ("npx tsc -p .", "tsc", True),
        ("tsc", "tsc", True),
        ("ng build --configuration production", "ng build", True),
        ("dotnet publish -c Release -o /app", "dotnet publish", True),
        ("dotnet restore", None, None),
        ("pip install -r requirements.txt", "pip install", False),
        ("pip3 install --no-cache-dir lxml", "pip install", False),
        ("pip install --no-binary :all: psycopg2", "pip install --no-binary", True),
        ("pip install --only-binary :all: numpy", None, None),
        ("pip install --no-index --find-links /wheels app", None, None),
        ("pip install --upgrade pip", "pip install", False),
        ("python -m pip install -r requirements.txt", "pip install", False),
        ("python setup.py build_ext --inplace", "python setup.py build_ext", True),
        ("gem install bundler", None, None),
        ("gem install nokogiri", "gem install", False),
        ("bundle install --jobs 4", "bundle install", False),
        ("npm ci", "npm install", False),
        ("npm ci --ignore-scripts", None, None),
        ("docker-php-ext-install pdo_mysql", "docker-php-ext-install", True),
        ("pecl install redis", "pecl install", True),
        ("cabal v2-build all", "cabal v2-build", True),
        ("stack build --copy-bins", "stack build", True),
        ("crystal build --release src/app.cr", "crystal build", True),
        ("dune build --profile release", "dune build", True),
        ("opam exec -- dune build", "dune build", True),
        ("mix do compile, release", "mix compile", True),
        ("mix deps.get", None, None),
        ("swift build -c release", "swift build", True),
        ("zig build -Doptimize=ReleaseFast", "zig build", True),
        ("nimble c -d:release app.nim", "nimble c", True),
        ("echo go build", None, None),
        ("C:\\tools\\msbuild.exe App.sln", "msbuild", True),
    ],
)
def test_classify_build(argv, tool, certain):
    kind = classify_build(argv.split())
    assert (None if kind is None else kind.tool) == tool
    if kind is not None:
        assert kind.certain is certain
        assert not kind.at_start


def test_classify_build_uses():
    assert classify_build(["make"]).uses >= {ANY}
    assert classify_build(["go", "build"]).uses == {"go", "c"}
    assert classify_build(["npm", "run", "build"]).uses == {"node"}
    assert classify_build(["pip", "install", "x"]).uses == {"c"}


@pytest.mark.parametrize(
    "argv, tool",
    [
        ("go run main.go", "go run"),
        ("cargo run --release", "cargo run"),
        ("dotnet run", "dotnet run"),
        ("mvn spring-boot:run", "mvn spring-boot:run"),
        ("./gradlew bootRun", "gradle bootRun"),
        ("node server.js", None),
        ("go build", None),  # a build in CMD is odd but not compile-at-start by itself
    ],
)
def test_classify_build_at_start(argv, tool):
    kind = classify_build(argv.split(), at_start=True)
    assert (None if kind is None else kind.tool) == tool
    if kind is not None:
        assert kind.at_start


def test_split_windows_commands():
    text = 'cmd /S /C "dotnet restore" && dotnet publish -c Release -o C:\\app & echo "a b"'
    got = [[w for w, _, _ in c] for c in split_windows_commands(text)]
    assert got == [["dotnet restore"], ["dotnet", "publish", "-c", "Release", "-o", "C:\\app"],
                   ["echo", "a b"]]
    words = split_windows_commands("go build -o app.exe .")[0]
    assert [(w, s, e) for w, s, e in words][0] == ("go", 0, 2)


# ------------------------------------------------------------------------- per instruction


def test_builds_are_parsed_commands_not_text():
    ctx = ctx_of('FROM golang:1.22\nRUN echo "go build" && printf "make\\n"  # go build\n')
    assert instruction_builds(ctx, run(ctx, 0)) == []


def test_builds_in_a_heredoc():
    ctx = ctx_of("FROM golang:1.22\nRUN <<EOF\nset -e\ngo build -o /app .\nEOF\n")
    steps = instruction_builds(ctx, run(ctx, 0))
    assert [s.tool for s in steps] == ["go build"]
    assert ctx.source.slice(steps[0].span).startswith("go build")
    assert steps[0].line == 2


def test_builds_under_a_windows_shell():
    ctx = ctx_of("FROM mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-ltsc2022\n"
                 "RUN dotnet restore && dotnet publish -c Release -o C:\\app\n")
    steps = instruction_builds(ctx, run(ctx, 0))
    assert [s.tool for s in steps] == ["dotnet publish"]
    assert ctx.source.slice(steps[0].span) == "dotnet publish -c Release -o C:\\app"


def test_builds_in_exec_form():
    ctx = ctx_of('FROM rust:1.79\nRUN ["cargo", "build", "--release"]\n')
    assert [s.tool for s in instruction_builds(ctx, run(ctx, 0))] == ["cargo build"]


def test_run_toolchains_and_same_run_removal():
    ctx = ctx_of(
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y gcc libpq-dev curl && make && "
        "apt-get purge -y --auto-remove gcc\n"
    )
    pieces = run_toolchains(ctx, run(ctx, 0))
    assert [(t.name, t.role, t.removed) for t in pieces] == [
        ("gcc", "compiler", True),
        ("libpq-dev", "headers", False),
    ]
    assert ctx.source.slice(pieces[0].span) == "gcc"
    assert pieces[0].manager == "apt" and pieces[0].origin == "package"
    assert pieces[0].removed_by is not None and pieces[0].removed_by.subcommand == "purge"


def test_apk_virtual_group_removal():
    ctx = ctx_of("FROM alpine:3.20\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev "
                 "&& make && apk del .build-deps\n")
    pieces = run_toolchains(ctx, run(ctx, 0))
    assert [(t.name, t.group, t.removed) for t in pieces] == [
        ("gcc", ".build-deps", True), ("musl-dev", ".build-deps", True)]


def test_apt_mark_auto_then_autoremove():
    ctx = ctx_of(
        "FROM debian:bookworm-slim\n"
        "RUN savedAptMark=\"$(apt-mark showmanual)\"; apt-get install -y gcc make; make; "
        "apt-mark auto '.*' > /dev/null; apt-mark manual $savedAptMark; "
        "apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false\n"
    )
    assert all(t.removed for t in run_toolchains(ctx, run(ctx, 0)))


def test_autoremove_alone_keeps_manually_installed_packages():
    ctx = ctx_of("FROM debian:bookworm-slim\n"
                 "RUN apt-get install -y gcc && make && apt-get autoremove -y\n")
    assert [t.removed for t in run_toolchains(ctx, run(ctx, 0))] == [False]


def test_packages_from_variables():
    ctx = ctx_of(
        "FROM debian:bookworm-slim\n"
        'ENV BUILD_DEPS="gcc make"\n'
        "RUN deps='g++ libssl-dev'; apt-get install -y $BUILD_DEPS $deps\n"
    )
    pieces = run_toolchains(ctx, run(ctx, 0))
    assert [t.name for t in pieces] == ["gcc", "make", "g++", "libssl-dev"]
    assert ctx.source.slice(pieces[0].span) == "$BUILD_DEPS"


def test_base_toolchain_through_args():
    ctx = ctx_of("ARG GO_VERSION=1.22\nFROM golang:${GO_VERSION}-alpine AS build\n"
                 "FROM build\n")
    stages = ctx.graph.stages
    assert [t.ecosystem for t in base_toolchain(ctx, stages[0])] == ["go"]
    assert base_toolchain(ctx, stages[1]) == ()  # FROM <stage>: see chain_facts


# --------------------------------------------------------------------------------- evidence


def test_evidence_single_stage():
    ctx = ctx_of("FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n")
    ev = evidence(ctx)
    assert ev is not None
    assert ev.stage == 0 and ev.chain == (0,)
    assert ev.primary.origin == "image" and ev.primary.name == "golang:1.22"
    assert ctx.source.slice(ev.primary.span) == "golang:1.22"
    assert ev.primary_build.tool == "go build" and ev.primary_build.line == 4
    assert ev.ecosystems == ("go", "c")


def test_evidence_multi_stage_ships_nothing():
    ctx = ctx_of(
        "FROM golang:1.22 AS build\nRUN go build -o /out/app .\n"
        "FROM gcr.io/distroless/static-debian12\nCOPY --from=build /out/app /app\n"
    )
    assert evidence(ctx) is None
    builder = evidence(ctx, 0)  # what the optimizer asks for a build stage
    assert builder is not None and builder.primary_build.stage == 0


def test_evidence_through_from_stage_chain():
    ctx = ctx_of(
        "FROM debian:bookworm-slim AS base\nRUN apt-get update && apt-get install -y build-essential\n"
        "FROM base AS final\nCOPY . /src\nRUN make -C /src\n"
    )
    ev = evidence(ctx)
    assert ev.chain == (0, 1)
    assert ev.primary.name == "build-essential" and ev.primary.stage == 0
    assert ev.primary_build.stage == 1


def test_evidence_purge_in_later_run_still_ships():
    ctx = ctx_of(
        "FROM debian:bookworm-slim\nRUN apt-get install -y gcc\nRUN gcc -o /hello /hello.c\n"
        "RUN apt-get purge -y gcc\n"
    )
    ev = evidence(ctx)
    assert ev is not None
    assert ev.primary.removed_later is not None and ev.primary.removed_later.line == 4


def test_pip_install_needs_an_explicit_compiler():
    plain = ctx_of("FROM python:3.12\nRUN pip install -r requirements.txt\n")
    assert evidence(plain) is None
    explicit = ctx_of("FROM python:3.12-slim\nRUN apt-get install -y gcc\n"
                      "RUN pip install -r requirements.txt\n")
    assert evidence(explicit).primary.name == "gcc"
    headers_only = ctx_of("FROM python:3.12-alpine\nRUN apk add libffi-dev\nRUN pip install cffi\n")
    assert evidence(headers_only) is None  # nothing to compile with


def test_inferred_toolchain_from_a_custom_base():
    ctx = ctx_of("FROM example.com/ocaml-image:5\nCOPY . /app\nRUN dune build --release\n")
    ev = evidence(ctx)
    assert ev.primary.origin == "inferred"
    assert ev.primary.ecosystem == "ocaml" and ev.primary.line == 1


def test_inferred_toolchain_from_a_download():
    ctx = ctx_of(
        "FROM debian:bookworm-slim\n"
        "RUN curl -fsSL https://go.dev/dl/go1.22.5.linux-amd64.tar.gz | tar -C /usr/local -xz\n"
        "RUN /usr/local/go/bin/go build -o /app .\n"
    )
    ev = evidence(ctx)
    assert ev.primary.origin == "download" and ev.primary.line == 2


def test_no_inference_when_the_run_cleans_up():
    ctx = ctx_of("FROM debian:bookworm-slim\n"
                 "RUN mk-build-deps --install debian/control && make && "
                 "apt-get purge -y --auto-remove\n")
    assert evidence(ctx) is None


def test_compile_at_start():
    ctx = ctx_of('FROM golang:1.22-alpine\nCOPY . .\nCMD ["go", "run", "main.go"]\n')
    ev = evidence(ctx)
    assert ev.primary_build.at_start and ev.primary_build.instruction.name == "CMD"


def test_chain_facts_lists_removed_pieces_too():
    ctx = ctx_of("FROM alpine:3.20\nRUN apk add --virtual .b gcc && make && apk del .b\n")
    facts = chain_facts(ctx, 0)
    assert [t.name for t in facts.toolchains] == ["gcc"]
    assert facts.shipped_toolchains == ()
    assert [b.tool for b in facts.builds] == ["make"]


def test_make_alone_is_not_a_compiler():
    ctx = ctx_of("FROM debian:bookworm-slim\nRUN apt-get install -y make\nRUN make build\n")
    assert evidence(ctx) is None
    with_gcc = ctx_of("FROM debian:bookworm-slim\nRUN apt-get install -y make gcc\nRUN make build\n")
    assert evidence(with_gcc).primary.name == "gcc"


def test_make_does_not_infer_a_compiler():
    ctx = ctx_of("FROM example.com/custom:1\nRUN make build\n")
    assert evidence(ctx) is None


def test_onbuild_image_builds_in_the_child():
    ctx = ctx_of("FROM golang:1.8-onbuild\n")
    ev = evidence(ctx)
    assert ev.primary_build.tool == "go install (ONBUILD trigger)"
    assert ev.primary_build.instruction.name == "FROM"


# --------------------------------------------------------------------- big and nested inputs


def test_download_hint_outside_a_substitution():
    from dflint.toolchain import _outside_substitutions

    assert _outside_substitutions("https://go.dev/dl/go$(cat V).tar.gz") == "https://go.dev/dl/go .tar.gz"
    assert _outside_substitutions("$(echo $(echo go.dev/dl/))") == " "
    assert _outside_substitutions("plain") == "plain"


def test_nested_substitutions_are_linear():
    """Each level's words are looked at once (a 3,000-deep nesting used to take seconds and
    hundreds of MB: every word held the text of all the levels inside it)."""
    import time

    from dflint.toolchain import chain_facts

    depth = 3000
    text = "FROM alpine:3.20\nRUN echo " + "$(echo " * depth + "x" + ")" * depth + "\n"
    ctx = ctx_of(text)
    t0 = time.process_time()
    facts = chain_facts(ctx, 0)
    assert time.process_time() - t0 < 5
    assert facts.downloads == ()


def test_download_in_a_substitution_is_found_once():
    ctx = ctx_of("FROM debian\nRUN tar -xz -C /usr/local -f \"$(curl -fsSLO https://go.dev/dl/go1.22.0.linux-amd64.tar.gz)\"\n")
    from dflint.toolchain import chain_facts

    downloads = chain_facts(ctx, 0).downloads
    assert [(t.ecosystem, t.name) for t in downloads] == [("go", "go")]


def test_evidence_of_many_build_steps_names_each_piece_once():
    from dflint.toolchain import evidence

    lines = ["FROM debian:bookworm", "RUN apt-get install -y gcc make"]
    lines += [f"RUN make -C /src/p{i} && gcc -o /bin/p{i} /src/p{i}/main.c" for i in range(300)]
    ev = evidence(ctx_of("\n".join(lines) + "\n"))
    assert ev is not None
    assert len(ev.toolchains) == len(set(ev.toolchains))
    assert len(ev.builds) >= 300


def test_may_build_knows_every_name_build_kind_looks_for() -> None:
    """`classify_build` skips a command whose name `_may_build` does not know: every name that
    `_build_kind` compares `name` with must be in it (else a build step would be missed)."""
    import ast
    import inspect
    import textwrap

    from dflint import toolchain

    tree = ast.parse(textwrap.dedent(inspect.getsource(toolchain._build_kind)))
    looked_for: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == "name"):
            continue
        for comp in node.comparators:
            if isinstance(comp, ast.Constant) and isinstance(comp.value, str):
                looked_for.add(comp.value)
            elif isinstance(comp, (ast.Tuple, ast.List, ast.Set)):
                looked_for.update(e.value for e in comp.elts if isinstance(e, ast.Constant))
            elif isinstance(comp, ast.Name):
                looked_for.update(getattr(toolchain, comp.id))
    assert len(looked_for) > 80
    missing = sorted(n for n in looked_for if not toolchain._may_build(n))
    assert missing == []
    # the names matched by pattern: python3.12, x86_64-linux-gnu-gcc-12
    assert toolchain._may_build("python3.12") and toolchain._may_build("x86_64-linux-gnu-gcc-12")
    assert not toolchain._may_build("echo") and not toolchain._may_build("apt-get")


def test_later_removal_is_the_first_later_remover_of_that_manager_and_name() -> None:
    ctx = ctx_of(
        "FROM alpine:3.20\n"
        "RUN apk del gcc\n"  # before the install: not a later removal
        "RUN apk add --virtual .build gcc musl-dev && apk del gcc\n"  # same RUN: removed, not later
        "RUN apk add g++ make\n"
        "RUN apt-get purge -y g++\n"  # another manager
        "RUN apk del .build\n"  # the group of the first install's pieces
        "RUN apk del g++ make\n"
        "RUN apk del g++\n"
        "RUN make\n"
    )
    facts = chain_facts(ctx, 0)
    later = {(t.name, t.line): t.removed_later.line if t.removed_later else None
             for t in facts.toolchains if t.origin == "package"}
    assert later == {("gcc", 3): None, ("musl-dev", 3): 6, ("g++", 4): 7, ("make", 4): 7}
    assert [t.name for t in facts.toolchains if t.removed] == ["gcc"]


@functools.lru_cache(maxsize=None)
def _words_of_corpus() -> frozenset[str]:
    """Every whitespace-separated word of the vendored corpus, lower-cased: a superset of the
    package names there."""
    from pathlib import Path

    words: set[str] = set()
    for path in (Path(__file__).parent / "corpus").iterdir():
        for w in path.read_text(encoding="utf-8", errors="replace").split():
            w = w.strip("\\'\";,&|()").lower()
            words.add(w)
            if "=" in w:
                words.add(w.partition("=")[0])
    return frozenset(words)


_TRICKY = (
    "gcc gcc- gcc-1 gcc-x gcc12 gcc-12-dev gcc--linux-gnu gcc-linux-gnu gcc-x86-64-linux-gnux32 "
    "gcc-toolset gcc-toolset- gcc-toolset-12 g++ g++- g++-9 g++-aarch64-linux-gnu g++-linux-gnu "
    "clang clang- clang-1 clang1 clang-x clang-tools-dev llvm llvm- llvm-9 llvm9 llvm-dev "
    "llvm-x devtoolset devtoolset- devtoolset-9 golang golang- golang-1.21 golang-x go go1 go1.21 "
    "gox go- gosu go-md2man golang-doc openjdk openjdk- openjdk-jdk openjdk--jdk openjdk-17-jdk "
    "openjdk-17-jdk-headless openjdk17 openjdk17-jdk openjdk17jdk openjdk-17-jre openjdkx-jdk "
    "java- java-openjdk-devel java--openjdk-devel java-17-openjdk-devel java-17-openjdk "
    "java-17-amazon-corretto-devel java-amazon-corretto-devel temurin temurin- temurin-jdk "
    "temurin--jdk temurin-17-jdk temurin-17-jdk-x zulu zulu-jdk zulu17-jdk zulu17-jdk-headless "
    "zulujdk msopenjdk msopenjdk- msopenjdk-17 dotnet dotnet-sdk dotnet-sdk- dotnet-sdk-8.0 "
    "dotnet-sdkx dotnet8-sdk dotnet8-sdk-x dotnet-8-sdk dotnet8x-sdk dotnet8 dotnet-runtime "
    "nodejs nodejs- nodejs18 nodejs-18 nodejs-dev ghc ghc- ghc-9 ghc-x ghc-dev ocaml ocaml- "
    "ocaml-dev ocaml-findlib -dev dev x-dev x-devel x-headers x-header linux-headers "
    "linux-headers-generic libc6-dev:i386 ² gcc-² go² clang²"
).split()


@pytest.mark.parametrize("manager", ["apt", "apk", "yum", "dnf", "zypper", "conda", "choco"])
def test_pattern_tests_answer_as_fnmatch_did(manager: str) -> None:
    """`classify_package`'s prefix/suffix pre-filter gives fnmatch's answers for `_PATTERNS` on
    every word of the corpus and on the edge cases of each pattern."""
    import fnmatch

    from dflint.toolchain import _PATTERNS, _pattern_match

    def reference(name: str) -> tuple[str, str] | None:
        for pattern, eco, role in _PATTERNS:
            if fnmatch.fnmatchcase(name, pattern):
                if pattern == "go[0-9]*" and manager not in ("apk", "yum", "dnf"):
                    continue
                return (eco, role)
        return None

    names = _words_of_corpus() | set(_TRICKY)
    wrong = [n for n in sorted(names) if _pattern_match(n, manager) != reference(n)]
    assert wrong == []
    assert _pattern_match("gcc-12", manager) == ("c", "compiler")  # the comparison is not vacuous


# ------------------------------------------------------------ RUNs that can matter, and no more


@pytest.mark.parametrize(
    "line",
    [
        'curl -fsSL https://go."dev"/dl/go1.22.tar.gz | tar -xz',  # quotes inside the hint
        "curl https://go.dev/\\\n# a comment\ndl/go.tgz",  # a continuation with a comment line
        "curl $'https://\\x67o.dev/dl/x.tgz'",  # an ANSI-C string: \x67 is g
        "curl go.d\\ev/dl/x",  # a backslash escape
        'curl "https://STATIC.RUST-LANG.org/rustup/x"',  # upper case
        "sudo ghcup install ghc",  # an installer, through a wrapper
        "SDK install java 17",
        'echo "$(echo https://go.dev/dl/)"',  # in a substitution
    ],
)
def test_downloads_behind_quotes_escapes_and_case_are_found(line: str) -> None:
    """A RUN's words are looked at only when its written code may hold a download hint: every
    way a word's value can differ from what is written still counts."""
    from dflint.toolchain import _downloads

    ctx = ctx_of(f"FROM debian\nRUN {line}\nRUN apt-get install -y gcc && rm -rf /tmp/x\n")
    expected = [(t.ecosystem, t.name) for t in _downloads(ctx, run(ctx, 0), 0)]
    assert expected  # the case is a download
    assert [(t.ecosystem, t.name) for t in chain_facts(ctx, 0).downloads] == expected


def test_chain_facts_looks_at_the_words_of_runs_that_can_matter_only(monkeypatch) -> None:
    """A RUN that fetches nothing is never searched word by word, and a command whose name
    cannot build is never classified: on a big file that was most of DF200's time (a guard on
    the number of calls, which grew with every RUN)."""
    from dflint import toolchain

    calls = {"downloads": 0, "classify": 0}
    real_downloads, real_classify = toolchain._downloads, toolchain.classify_build

    def downloads(*a, **k):
        calls["downloads"] += 1
        return real_downloads(*a, **k)

    def classify(*a, **k):
        calls["classify"] += 1
        return real_classify(*a, **k)

    monkeypatch.setattr(toolchain, "_downloads", downloads)
    monkeypatch.setattr(toolchain, "classify_build", classify)
    toolchain._classify_run_words.cache_clear()
    lines = ["FROM debian:bookworm-slim"]
    lines += [f"RUN apt-get install -y curl{i} && rm -rf /var/lib/apt/lists/* && echo done{i}" for i in range(300)]
    lines += ["RUN curl -fsSL https://go.dev/dl/go1.22.tar.gz | tar -C /usr/local -xz && go build -o /app ."]
    facts = chain_facts(ctx_of("\n".join(lines) + "\n"), 0)
    assert [(t.ecosystem, t.line) for t in facts.downloads] == [("go", 302)]
    assert [b.tool for b in facts.builds] == ["go build"]
    assert calls == {"downloads": 1, "classify": 1}


def test_build_step_span_is_its_command_span() -> None:
    ctx = ctx_of("FROM golang:1.22\nRUN cd /src && \\\n    go build -o /app .\n")
    (step,) = chain_facts(ctx, 0).builds
    assert step.command is not None and step.span == step.command.span
    assert ctx.dockerfile.text[step.span.start : step.span.end] == "go build -o /app ."
    assert step == step._replace() and hash(step) == hash(step._replace())


def test_equal_pieces_hash_alike() -> None:
    ctx = ctx_of("FROM debian\nRUN apt-get install -y gcc\n")
    (piece,) = run_toolchains(ctx, run(ctx, 0))
    twin = piece._replace()
    assert twin == piece and hash(twin) == hash(piece) and len({piece, twin}) == 1


@pytest.mark.parametrize("tag", ["", "1.22", "1.22-bookworm", "3.12-slim_bullseye", "ltsc2022:x", "a..b--c", "-", "22.04"])
def test_tag_parts_split_as_the_pattern_did(tag: str) -> None:
    import re

    from dflint.toolchain import tag_parts

    assert tag_parts(tag) == re.split(r"[-_.:]", tag)


@pytest.mark.parametrize(
    "name", ["gcc", "g++-12", "x86_64-linux-gnu-gcc-12", "clang++-17", "aarch64-linux-gnu-g++", "musl-gcc"]
)
def test_c_compiler_names_pass_the_quick_test(name: str) -> None:
    """`_may_be_c_compiler` only spares compiling `_C_COMPILER_RE`: every name it matches passes."""
    from dflint.toolchain import _C_COMPILER_RE, _may_be_c_compiler

    assert _C_COMPILER_RE.fullmatch(name) and _may_be_c_compiler(name)
    assert not _may_be_c_compiler("go") and not _may_be_c_compiler("make")


def test_fetch_groups_hold_every_fetch_word_under_a_part_it_holds() -> None:
    from dflint.toolchain import _FETCH_WORDS, _fetch_groups

    grouped = [w for _, words in _fetch_groups() for w in words]
    assert sorted(grouped) == sorted(_FETCH_WORDS)
    assert all(part in w for part, words in _fetch_groups() for w in words)
    assert len(_fetch_groups()) < len(_FETCH_WORDS)  # (else the parts spare no search)


def test_system_tools_are_the_system_managers_commands() -> None:
    from dflint.packages import MANAGERS
    from dflint.toolchain import _SYSTEM_MANAGERS, _system_tools

    assert _system_tools() == {t for t, family in MANAGERS.items() if family in _SYSTEM_MANAGERS}
    assert {"apt-get", "apk", "microdnf", "zypper", "micromamba"} <= _system_tools()


def test_chain_facts_skips_scripts_by_their_command_names(monkeypatch) -> None:
    """A RUN that runs no system package manager is not asked for its package commands, and one
    that runs no command that may build is not looked at command by command; wrapped commands
    (`sudo`, `env`) still count, through `Script.names`."""
    from dflint import toolchain

    asked: list[str] = []
    real = toolchain._package_toolchains

    def package_toolchains(ctx, ins, *a, **k):
        asked.append(ins.args)
        return real(ctx, ins, *a, **k)

    monkeypatch.setattr(toolchain, "_package_toolchains", package_toolchains)
    text = (
        "FROM debian:bookworm-slim\n"
        + "".join(f"RUN echo step{i} && mkdir -p /srv/{i}\n" for i in range(50))
        + "RUN sudo -E apt-get install -y gcc make\n"
        + "RUN env CC=gcc make -C /src\n"
        + "RUN nice -n 5 sudo make install\n"
    )
    facts = chain_facts(ctx_of(text), 0)
    assert asked == ["sudo -E apt-get install -y gcc make"]
    assert [(t.name, t.line) for t in facts.toolchains] == [("gcc", 52), ("make", 52)]
    assert [(b.tool, b.line) for b in facts.builds] == [("make", 53), ("make", 54)]


@pytest.mark.parametrize("tag", ["", "1", "1.22", "1.22.3-alpine", "alpine", ".1", "22-bookworm", "1..2x", "x1", "٣"])
def test_leading_version_is_what_the_pattern_matched(tag: str) -> None:
    import re

    from dflint.toolchain import _leading_version

    m = re.match(r"[0-9][0-9.]*", tag)
    assert _leading_version(tag) == (m.group(0) if m else "")

"""Tests for dflint.graph.StageGraph, through the real parser."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dflint.graph import Problem, StageGraph
from dflint.parser import parse

HERE = Path(__file__).parent


def graph(text: str, **kwargs: object) -> StageGraph:
    return StageGraph.build(parse(textwrap.dedent(text).lstrip()), **kwargs)  # type: ignore[arg-type]


def kinds(g: StageGraph) -> list[str]:
    return [p.kind for p in g.problems]


def edges(g: StageGraph) -> set[tuple[str, int, int]]:
    return {(e.kind, e.dependent, e.dependency) for e in g.edges}


_TEXT: list[str] = [""]


def build_text(text: str, **kwargs: object) -> StageGraph:
    _TEXT[0] = textwrap.dedent(text).lstrip()
    return StageGraph.build(parse(_TEXT[0]), **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- basics

MULTI = """
FROM golang:1.22 AS build
RUN go build -o /out/app
FROM alpine:3.19 AS debug
RUN apk add gdb
FROM build AS test
RUN go test ./...
FROM gcr.io/distroless/static AS runtime
COPY --from=build /out/app /app
"""


def test_multi_stage_with_unused_stage() -> None:
    g = graph(MULTI)
    assert [s.name for s in g.stages] == ["build", "debug", "test", "runtime"]
    assert g.target == 3
    assert g.reachable == {0, 3}
    assert g.unused == (1, 2)
    assert g.shipped == (3,)
    assert edges(g) == {("from", 2, 0), ("copy", 3, 0)}
    assert g.problems == []
    assert g.dependencies(3) == (0,)
    assert g.dependents(0) == (2, 3)
    assert g.topological_order() == [0, 1, 2, 3]


def test_target_middle_stage_makes_later_stages_unused() -> None:
    g = graph(MULTI, target="test")
    assert g.target == 2
    assert g.reachable == {0, 2}
    assert g.unused == (1, 3)
    assert g.shipped == (2, 0)  # test builds FROM build: both end up in the image
    assert g.target_stage is not None and g.target_stage.name == "test"


def test_target_is_case_insensitive_and_extra_targets_are_used() -> None:
    g = graph(MULTI, target="TEST", extra_targets=["debug"])
    assert g.target == 2
    assert g.unused == (3,)
    assert g.extra_targets == (1,)
    assert 1 not in g.reachable  # built on purpose, but not needed by the target


def test_unknown_target_falls_back_to_last_stage() -> None:
    g = graph(MULTI, target="nope", extra_targets=["missing"])
    assert g.target == 3
    assert kinds(g) == ["unknown-target", "unknown-extra-target"]
    assert "nope" in g.problems[0].message


def test_from_stage_chain_is_shipped() -> None:
    g = graph(
        """
        FROM debian:12 AS base
        RUN apt-get update
        FROM base AS deps
        RUN apt-get install -y libpq5
        FROM deps AS app
        COPY . /app
        FROM alpine AS tool
        """
    )
    assert g.stages[2].base_stage == 1 and g.stages[1].base_stage == 0
    assert g.stage("app") is g.stages[2]
    g_app = graph(
        """
        FROM debian:12 AS base
        FROM base AS deps
        FROM deps AS app
        FROM alpine AS tool
        """,
        target="app",
    )
    assert g_app.shipped == (2, 1, 0)
    assert g_app.reachable == {0, 1, 2}
    assert g_app.unused == (3,)
    assert g.shipped == (3,)  # default target: the last stage, alpine


def test_stage_fields() -> None:
    g = build_text(
        """
        # comment
        FROM --platform=$BUILDPLATFORM golang AS Build
        RUN true
        FROM scratch
        COPY --from=build /x /x
        """
    )
    build, last = g.stages
    assert (build.index, build.name, build.base, build.base_resolved) == (0, "build", "golang", "golang")
    assert build.platform == "$BUILDPLATFORM" and build.platform_resolved is None
    assert build.line == 2 and not build.is_scratch
    assert [i.name for i in build.instructions] == ["FROM", "RUN"]
    assert build.from_instruction is build.instructions[0]
    assert _TEXT[0][build.name_span.start : build.name_span.end] == "Build"
    assert last.name is None and last.is_scratch and last.label == "stage-1"
    assert g.stage(0) is build and g.stage("BUILD") is build and g.stage("1") is last
    assert g.stage(5) is None and g.stage("nope") is None


# --------------------------------------------------------------------------- COPY / mount / ONBUILD


def test_copy_from_index_name_and_external_image() -> None:
    g = build_text(
        """
        FROM golang AS build
        FROM nginx AS web
        FROM alpine
        COPY --from=0 /out /a
        COPY --from=WEB /etc/nginx /b
        COPY --from=nginx:latest /etc/nginx /etc/nginx
        """
    )
    assert edges(g) == {("copy", 2, 0), ("copy", 2, 1)}
    copies = [r for r in g.references if r.kind == "copy"]
    assert [(r.text, r.target, r.external) for r in copies] == [
        ("0", 0, False),
        ("WEB", 1, False),
        ("nginx:latest", None, True),
    ]
    assert _TEXT[0][copies[2].span.start : copies[2].span.end] == "nginx:latest"
    assert {r.resolved for r in g.external_references} == {"golang", "nginx", "alpine", "nginx:latest"}
    assert g.unused == ()
    assert g.problems == []


def test_copy_from_invalid_index() -> None:
    g = graph("FROM alpine\nCOPY --from=3 /a /b\n")
    assert g.edges == ()
    assert kinds(g) == ["invalid-index"]


def test_run_mount_from() -> None:
    g = build_text(
        """
        FROM golang AS build
        RUN go build -o /out/x
        FROM alpine AS other
        FROM alpine
        RUN --mount=type=cache,target=/root/.cache --mount=type=bind,from=build,source=/out,target=/x \\
            --mount=type=tmpfs,target=/t true
        RUN --mount=from=other,target=/o --mount=type=bind,from=busybox,target=/bb ls
        """
    )
    assert edges(g) == {("mount", 2, 0), ("mount", 2, 1)}
    mounts = [r for r in g.references if r.kind == "mount"]
    assert [(r.text, r.target, r.external) for r in mounts] == [
        ("build", 0, False),
        ("other", 1, False),
        ("busybox", None, True),
    ]
    assert _TEXT[0][mounts[0].span.start : mounts[0].span.end] == "build"
    assert g.unused == ()


def test_cache_mount_without_from_needs_nothing() -> None:
    g = graph("FROM alpine AS a\nFROM alpine\nRUN --mount=type=cache,target=/root/.cache true\n")
    assert g.edges == () and g.references[-1].kind == "from"
    assert g.unused == (0,)


def test_mount_from_index_is_an_image() -> None:
    g = graph("FROM alpine AS a\nFROM alpine\nRUN --mount=from=0,target=/x true\n")
    assert g.edges == ()
    assert kinds(g) == ["mount-index"]


def test_onbuild_copy_runs_in_child_stages() -> None:
    g = build_text(
        """
        FROM golang AS build
        FROM alpine AS base
        ONBUILD COPY --from=build /out /app
        FROM base AS app
        FROM alpine AS unrelated
        """,
        target="app",
    )
    assert edges(g) == {("from", 2, 1), ("onbuild", 2, 0)}
    onbuild = next(e for e in g.edges if e.kind == "onbuild")
    assert onbuild.instruction.name == "ONBUILD"
    assert _TEXT[0][onbuild.span.start : onbuild.span.end] == "build"
    assert g.reachable == {0, 1, 2}
    assert g.unused == (3,)
    # the trigger itself belongs to stage `base`
    assert g.stage_of(onbuild.instruction.inner) is g.stages[1]


def test_onbuild_without_children_adds_no_edge() -> None:
    g = graph("FROM golang AS build\nFROM alpine AS base\nONBUILD COPY --from=build /a /b\n")
    assert edges(g) == set()
    assert [r.kind for r in g.references] == ["from", "from", "onbuild"]
    assert g.unused == (0,)


# --------------------------------------------------------------------------- ARGs


def test_arg_resolved_base_and_build_arg_override() -> None:
    text = """
    ARG IMG=python
    ARG TAG=3.12
    ARG FULL=${IMG}:${TAG}-slim
    FROM ${IMG}:${TAG} AS app
    FROM $FULL
    """
    g = graph(text)
    assert g.global_args == {"IMG": "python", "TAG": "3.12", "FULL": "python:3.12-slim"}
    assert g.stages[0].base == "${IMG}:${TAG}"
    assert g.stages[0].base_resolved == "python:3.12"
    assert g.stages[1].base_resolved == "python:3.12-slim"
    g2 = graph(text, build_args={"TAG": "3.13", "UNDECLARED": "x"})
    assert g2.stages[0].base_resolved == "python:3.13"
    assert g2.stages[1].base_resolved == "python:3.13-slim"
    assert g2.global_args["TAG"] == "3.12"  # the declared default
    assert g2.global_scope["TAG"] == "3.13"  # what FROM sees
    assert "UNDECLARED" not in g2.global_scope


def test_unresolvable_base() -> None:
    g = graph(
        """
        ARG IMG
        ARG BASE=${IMG}:1
        FROM ${IMG} AS a
        FROM $BASE AS b
        FROM golang:${TARGETARCH:-amd64} AS c
        FROM ${IMG:-alpine} AS d
        """
    )
    a, b, c, d = g.stages
    assert a.base_resolved is None and a.base_stage is None and not a.is_scratch
    assert b.base_resolved is None
    assert c.base_resolved is None  # TARGETARCH is set by BuildKit: unknown, not unset
    assert d.base_resolved == "alpine"  # declared without a value: unset, default applies
    ref = g.references[0]
    assert ref.resolved is None and ref.unresolved == {"IMG"} and not ref.external
    assert g.problems == []
    g2 = graph("ARG IMG\nFROM ${IMG}\n", build_args={"IMG": "debian"})
    assert g2.stages[0].base_resolved == "debian"
    g3 = graph("FROM golang:${TARGETARCH}\n", build_args={"TARGETARCH": "arm64"})
    assert g3.stages[0].base_resolved == "golang:arm64"


def test_from_stage_through_args_and_candidates_keep_stages_used() -> None:
    text = """
    ARG VARIANT=slim
    FROM debian AS base-slim
    FROM debian AS base-full
    FROM base-${VARIANT} AS app
    FROM alpine AS os-linux
    FROM alpine AS os-windows
    FROM os-${TARGETOS} AS final
    """
    g = graph(text, target="app")
    assert g.stages[2].base_stage == 0
    assert g.unused == (1, 3, 4, 5)
    g = graph(text)  # target final: FROM os-$TARGETOS cannot be resolved
    final = g.references[5]
    assert final.resolved is None and final.candidates == (3, 4)
    assert g.reachable == {5}  # no guessed edges
    assert g.possibly_reachable == {3, 4, 5}
    assert g.unused == (0, 1, 2)  # os-* might be needed: not reported as unused
    g = graph(text, build_args={"TARGETOS": "linux"})
    assert g.stages[5].base_stage == 3
    assert g.unused == (0, 1, 2, 4)


def test_copy_from_variable_is_resolved_and_reported() -> None:
    g = graph(
        """
        ARG BUILDER=build
        FROM golang AS build
        FROM alpine AS other
        FROM alpine
        ARG BUILDER
        ENV SRC=other
        COPY --from=$BUILDER /a /a
        COPY --from=${SRC} /b /b
        COPY --from=$NOPE /c /c
        """
    )
    assert edges(g) == {("copy", 2, 0), ("copy", 2, 1)}
    assert kinds(g) == ["variable-in-from"] * 3
    nope = g.references[-1]
    assert nope.resolved is None and nope.unresolved == {"NOPE"} and nope.target is None
    assert nope.candidates == (0, 1, 2)  # might be any stage
    assert g.unused == ()


def test_scope_at() -> None:
    g = graph(
        """
        ARG V=1
        FROM alpine AS a
        ARG V
        ENV E=$V X=y
        ARG E=ignored
        RUN true
        FROM a
        ARG W=${E}2
        RUN true
        """
    )
    a_run = g.stages[0].instructions[-1]
    assert g.scope_at(a_run) == {"V": "1", "E": "1", "X": "y"}
    b_run = g.stages[1].instructions[-1]
    assert g.scope_at(b_run) == {"V": "1", "E": "1", "X": "y", "W": "12"}
    assert g.scope_at(g.stages[0].from_instruction) == {}
    # scope_view: the same, without the copy (shared by the instructions up to the next change)
    for ins in [*g.stages[0].instructions, *g.stages[1].instructions]:
        assert g.scope_view(ins) == g.scope_at(ins)
        assert g.scope_view(ins) is g.scope_view(ins) and g.scope_at(ins) is not g.scope_at(ins)
    assert g.scope_view(g.stages[1].from_instruction) is g.scope_view(g.stages[1].instructions[1])


# --------------------------------------------------------------------------- problems


def test_forward_reference_and_self_reference() -> None:
    g = build_text(
        """
        FROM alpine AS first
        COPY --from=later /x /x
        COPY --from=first /y /y
        RUN --mount=from=later,target=/m true
        FROM alpine AS later
        """,
        target="first",
    )
    assert ("copy", 0, 1) in edges(g)  # the later stage is still needed
    assert kinds(g) == ["forward-reference", "self-reference", "forward-reference"]
    message, span = g.problems[0]
    assert "cannot copy from stage 'later'" in message
    assert _TEXT[0][span.start : span.end] == "later"
    assert "cannot mount from stage" in g.problems[2].message
    assert g.unused == ()


def test_from_later_stage_is_an_image() -> None:
    g = graph("FROM builder AS app\nFROM golang AS builder\n", target="app")
    assert g.stages[0].base_stage is None
    assert g.references[0].external
    assert kinds(g) == ["from-later-stage"]
    # FROM x AS x names an image, not itself
    g = graph("FROM node AS node\n")
    assert g.stages[0].base_stage is None and g.problems == []


def test_from_stage_case_mismatch() -> None:
    g = graph("FROM golang AS build\nFROM Build\n")
    assert g.stages[1].base_stage == 0
    assert kinds(g) == ["from-case-mismatch"]


def test_cycle() -> None:
    g = graph(
        """
        FROM alpine AS a
        COPY --from=b /x /x
        FROM alpine AS b
        COPY --from=a /y /y
        """
    )
    assert "cycle" in kinds(g)
    assert "forward-reference" in kinds(g)
    assert g.topological_order() == [0, 1]  # falls back to file order


def test_duplicate_stage_names() -> None:
    g = build_text(
        """
        FROM alpine AS dup
        FROM debian AS dup
        FROM dup AS child
        FROM alpine
        COPY --from=dup /a /a
        """
    )
    assert kinds(g) == ["duplicate-name"]
    assert g.problems[0] == Problem(g.problems[0].message, g.problems[0].span)
    message, span = g.problems[0]
    assert "line 1" in message and _TEXT[0][span.start : span.end] == "dup"
    assert g.stages[2].base_stage == 1  # FROM: the latest earlier stage of that name
    assert ("copy", 3, 1) in edges(g)  # COPY --from: the last stage of that name
    assert g.stage("dup") is g.stages[1]


# --------------------------------------------------------------------------- odd input


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# just a comment\n",
        "ARG A=1\nARG B\n",
        "RUN echo no from\n",
        "FROM\n",
        "FROM a b\n",
        "FROM a AS\n",
        "ARG X\nFROM $X AS $X\nARG Y\nCOPY --from=$Y / /\n",
        "FROM ${\n",
        "FROM alpine\nCOPY --from= /a /b\nRUN --mount=from /x\nRUN --mount=type=bind,from=,target=/x true\n",
        "FROM alpine\nONBUILD\nONBUILD COPY --from=${ /a /b\n",
        "FROM a AS a\nFROM a AS b\nCOPY --from=b / /\nCOPY --from=-1 / /\n",
    ],
)
def test_never_raises_on_odd_input(text: str) -> None:
    g = StageGraph.build(parse(text), target="x", build_args={"X": "y"}, extra_targets=("z", 0))
    g.topological_order()
    for st in g.stages:
        g.dependencies(st.index, transitive=True)
        g.dependents(st.index, transitive=True)
    for ins in parse(text).instructions:
        g.stage_of(ins)


def test_no_from() -> None:
    g = graph("ARG A=1\n# nothing else\n")
    assert g.stages == () and g.edges == () and g.target is None
    assert g.reachable == frozenset() and g.unused == () and g.shipped == ()
    assert g.global_args == {"A": "1"}
    assert g.topological_order() == []
    assert g.stage_of(0) is None
    assert g.problems == []
    assert kinds(graph("ARG A=1\n", target="x")) == ["unknown-target"]


def test_stage_of_instruction_and_offset() -> None:
    text = "ARG A\nFROM alpine AS a\nRUN one\nFROM a\nRUN two\n"
    df = parse(text)
    g = StageGraph.build(df)
    arg, from_a, run1, from_b, run2 = df.instructions
    assert g.stage_of(arg) is None
    assert g.stage_of(run1) is g.stages[0] and g.stage_of(from_a) is g.stages[0]
    assert g.stage_of(run2) is g.stages[1]
    assert g.stage_of(text.index("RUN two")) is g.stages[1]


def _synthetic(n: int) -> str:
    lines = ["ARG GO=1.22", "FROM golang:${GO} AS s0"]
    for i in range(1, n - 1):
        lines.append(f"FROM s{i - 1} AS s{i}" if i % 7 == 0 else f"FROM alpine:3.{i} AS s{i}")
        lines.append(f"COPY --from=s{i - 1} /out /in{i}")
        if i % 5 == 0:
            lines.append(f"RUN --mount=type=bind,from=s{i // 2},target=/m true")
    lines.append("FROM scratch AS final")
    lines.append(f"COPY --from=s{n - 2} / /")
    return "\n".join(lines) + "\n"


def test_synthetic_49_stages() -> None:
    g = StageGraph.build(parse(_synthetic(49)))
    assert len(g.stages) == 49 and g.target == 48
    assert g.unused == () and g.reachable == set(range(49))
    assert g.problems == []
    order = g.topological_order()
    assert sorted(order) == list(range(49))
    pos = {s: i for i, s in enumerate(order)}
    assert all(pos[e.dependency] < pos[e.dependent] for e in g.edges)
    assert g.dependencies(48, transitive=True) == tuple(range(48))
    g = StageGraph.build(parse(_synthetic(49)), target="s10")
    assert g.reachable == set(range(11)) and g.unused == tuple(range(11, 49))


CORPUS_1190 = HERE / "corpus" / "1190.Dockerfile"  # moby/buildkit's Dockerfile (Apache-2.0)


@pytest.mark.skipif(not CORPUS_1190.exists(), reason="tests/corpus/1190.Dockerfile not vendored")
def test_real_49_stage_file() -> None:
    df = parse(CORPUS_1190.read_text(encoding="utf-8"))
    g = StageGraph.build(df)
    assert len(g.stages) == 49
    assert g.target == 48 and g.stages[48].name == "buildkit"
    assert g.problems == []
    # FROM buildkit-$TARGETOS${BUILDKIT_DEBUG:+-debug}: unresolved without --build-arg
    assert g.stages[48].base_resolved is None
    assert "rootless" in {g.stages[i].name for i in g.unused}
    assert "buildkit-linux" not in {g.stages[i].name for i in g.unused}
    g = StageGraph.build(df, build_args={"TARGETOS": "linux"})
    linux = g.stage("buildkit-linux")
    assert linux is not None and g.stages[48].base_stage == linux.index
    assert g.shipped[:2] == (48, linux.index)
    assert {"binaries-darwin", "integration-tests", "releaser"} <= {g.stages[i].name for i in g.unused}
    assert g.stage("buildkit-version").index in g.reachable  # via RUN --mount from=
    g.topological_order()


# --------------------------------------------------------------------------- lazy networkx

_LAZY = r"""
import sys
import dflint.graph
assert "networkx" not in sys.modules, "import dflint.graph imported networkx"
from dflint.parser import parse
from dflint.graph import StageGraph
g = StageGraph.build(parse("ARG V=3\nFROM alpine:$V\nRUN echo hi\nCOPY . /app\n"))
g.topological_order(); g.dependencies(0); g.unused; g.shipped
assert "networkx" not in sys.modules, "a single-stage graph imported networkx"
g = StageGraph.build(parse("FROM a AS x\nFROM b\nCOPY --from=x / /\n"))
assert "networkx" not in sys.modules, "a graph without forward edges imported networkx"
assert g.topological_order() == [0, 1]
assert "networkx" in sys.modules
print("ok")
"""


def test_networkx_is_imported_lazily() -> None:
    out = subprocess.run([sys.executable, "-c", _LAZY], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_nx_view() -> None:
    g = graph(MULTI)
    dg = g.nx
    assert set(dg.nodes) == {0, 1, 2, 3}
    assert set(dg.edges) == {(0, 2), (0, 3)}
    assert dg.nodes[0]["stage"] is g.stages[0]
    assert [e.kind for e in dg[0][3]["edges"]] == ["copy"]


def test_a_thousand_stage_copy_chain_is_linear() -> None:
    lines = ["FROM alpine:3.20 AS s0", "RUN echo 0 > /f0"]
    for i in range(1, 1000):
        lines += [f"FROM alpine:3.20 AS s{i}", f"COPY --from=s{i - 1} /f{i - 1} /f{i - 1}", f"RUN cat /f{i - 1} > /f{i}"]
    g = StageGraph.build(parse("\n".join(lines) + "\n"))
    assert len(g.stages) == 1000 and len(g.edges) == 999
    assert g.reachable == frozenset(range(1000)) and g.unused == ()


def test_a_long_from_chain_ships_every_stage() -> None:
    lines = ["FROM alpine AS s0"] + [f"FROM s{i - 1} AS s{i}" for i in range(1, 2000)]
    g = StageGraph.build(parse("\n".join(lines) + "\n"))
    assert g.shipped == tuple(range(1999, -1, -1))
    assert g.scope_at(g.stages[-1].from_instruction) == {}

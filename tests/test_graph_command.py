"""`dflint graph`: the stage graph as a tree, Graphviz DOT and Mermaid, on a file with ten stages
and every edge kind (FROM <stage>, COPY --from, RUN --mount=from=, ONBUILD), external images, an
unresolved reference, unused stages and a target."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dflint.cli import main
from dflint.graph import StageGraph
from dflint.graph_render import render
from dflint.parser import parse

DOCKERFILE = """\
# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS base
WORKDIR /src
ONBUILD COPY --from=assets /dist /src/web/dist

FROM node:20-alpine AS assets
RUN npm ci && npm run build

FROM base AS build
RUN --mount=type=cache,target=/root/.cache/go-build \\
    --mount=type=bind,from=assets,source=/dist,target=/dist \\
    go build -o /out/app ./cmd/app

FROM build AS test
RUN go test ./...

FROM alpine:3.20 AS docs
RUN echo building docs

FROM scratch AS export
COPY --from=build /out/app /app

FROM alpine:3.20 AS plugins-amd64
RUN echo amd64 > /plugin

FROM alpine:3.20 AS plugins-arm64
RUN echo arm64 > /plugin

FROM plugins-${TARGETARCH} AS plugin

FROM gcr.io/distroless/static:nonroot AS release
COPY --from=export /app /app
COPY --from=plugin /plugin /plugin
COPY --from=busybox:1.36 /bin/busybox /busybox
USER nonroot
"""

TREE = """\
Dockerfile: 10 stages, 7 edges, target #9 release
├── #0 base  line 3  --platform=$BUILDPLATFORM
│   └── from    image golang:1.22-alpine (golang:${GO_VERSION}-alpine)
├── #1 assets  line 7
│   └── from    image node:20-alpine
├── #2 build  line 10
│   ├── from    #0 base
│   ├── onbuild #1 assets  line 5  (ONBUILD of the base stage)
│   └── mount   #1 assets  line 11
├── #3 test  line 15  [unused]
│   └── from    #2 build
├── #4 docs  line 18  [unused]
│   └── from    image alpine:3.20
├── #5 export  line 21
│   ├── from    scratch (empty)
│   └── copy    #2 build  line 22
├── #6 plugins-amd64  line 24  [maybe used: through an unresolved reference]
│   └── from    image alpine:3.20
├── #7 plugins-arm64  line 27  [maybe used: through an unresolved reference]
│   └── from    image alpine:3.20
├── #8 plugin  line 30
│   └── from?   plugins-${TARGETARCH}  unresolved: TARGETARCH; could be #6 plugins-amd64, #7 plugins-arm64
├── #9 release  line 32  [target]
│   ├── from    image gcr.io/distroless/static:nonroot
│   ├── copy    #5 export  line 33
│   ├── copy    #8 plugin  line 34
│   └── copy    image busybox:1.36  line 35
└── external images (5)
    ├── alpine:3.20  FROM in #4 docs (line 18), FROM in #6 plugins-amd64 (line 24), FROM in #7 plugins-arm64 (line 27)
    ├── busybox:1.36  COPY --from in #9 release (line 35)
    ├── gcr.io/distroless/static:nonroot  FROM in #9 release (line 32)
    ├── golang:1.22-alpine  FROM in #0 base (line 3)
    └── node:20-alpine  FROM in #1 assets (line 7)
"""

ANSI = re.compile(r"\x1b\[")


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    (tmp_path / ".dflint.toml").write_text("")  # keep configs above tmp_path out
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    return tmp_path


def graph_of(text: str = DOCKERFILE, **kwargs) -> StageGraph:
    return StageGraph.build(parse(text, "Dockerfile"), **kwargs)


def run_graph(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["graph", *args])
    out, err = capsys.readouterr()
    return code, out, err


# ---- tree ----------------------------------------------------------------------------------


def test_tree_plain(project, capsys):
    code, out, err = run_graph(capsys, "Dockerfile")
    assert (code, err) == (0, "")
    assert out == TREE
    assert not ANSI.search(out)


def test_tree_with_target_and_build_arg(project, capsys):
    code, out, _ = run_graph(capsys, "Dockerfile", "--target", "test", "--build-arg", "TARGETARCH=arm64")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Dockerfile: 10 stages, 8 edges, target #3 test"
    assert "├── #0 base  line 3  --platform=$BUILDPLATFORM  [shipped: the target builds on it]" in lines
    assert "├── #2 build  line 10  [shipped: the target builds on it]" in lines
    assert "├── #3 test  line 15  [target]" in lines
    assert "├── #1 assets  line 7" in lines  # needed through the mount and the ONBUILD trigger
    assert "├── #9 release  line 32  [unused]" in lines
    assert "├── #6 plugins-amd64  line 24  [unused]" in lines
    # the build arg resolves the FROM: a real edge now
    assert "│   └── from    #7 plugins-arm64 (plugins-${TARGETARCH})" in lines


def test_tree_config_target(project, capsys):
    (project / ".dflint.toml").write_text('target = "docs"\nextra-targets = ["test"]\n')
    code, out, _ = run_graph(capsys, "Dockerfile")
    assert code == 0
    assert out.splitlines()[0] == ("Dockerfile: 10 stages, 7 edges, target #4 docs, "
                                   "extra targets #3 test")
    assert "├── #3 test  line 15  [built for an extra target]" in out
    assert "├── #9 release  line 32  [unused]" in out
    code, out, _ = run_graph(capsys, "Dockerfile", "--isolated")
    assert out.splitlines()[0].endswith("target #9 release")


def test_tree_color_only_on_request(project, capsys, monkeypatch):
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, out, _ = run_graph(capsys, "Dockerfile")
    assert ANSI.search(out)
    assert "\x1b[2m" in out  # unused stages are dimmed
    _, out, _ = run_graph(capsys, "Dockerfile", "--no-color")
    assert not ANSI.search(out) and out == TREE
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run_graph(capsys, "Dockerfile")
    assert not ANSI.search(out)


def test_tree_not_a_tty_is_plain(tmp_path):
    (tmp_path / ".dflint.toml").write_text("")
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    result = subprocess.run([sys.executable, "-m", "dflint", "graph", "Dockerfile"], cwd=tmp_path,
                            capture_output=True, text=True, env=env, encoding="utf-8")
    assert result.returncode == 0, result.stderr
    assert result.stdout == TREE


def test_tree_ascii_when_the_terminal_cannot_draw_boxes():
    out = render(graph_of(), "tree", "Dockerfile", ascii_only=True)
    assert out.isascii()
    assert "#9 release  line 32  [target]" in out


def test_stdin_and_errors(project, capsys, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"FROM alpine:3.20 AS one\n")))
    code, out, _ = run_graph(capsys, "-")
    assert code == 0
    assert out.splitlines()[0] == "<stdin>: 1 stage, 0 edges, target #0 one"
    code, _, err = run_graph(capsys, "Dockerfile", "--target", "nope")
    assert code == 2 and "target stage 'nope' could not be found" in err
    code, _, err = run_graph(capsys, "missing.Dockerfile")
    assert code == 2 and "no such file" in err
    code, _, _ = run_graph(capsys, "Dockerfile", "--format", "svg")
    assert code == 2


def test_no_stages():
    out = render(graph_of("ARG X=1\n"), "tree", "Dockerfile")
    assert out == "Dockerfile: 0 stages, 0 edges\n└── no stages (no FROM instruction)\n"


# ---- DOT -----------------------------------------------------------------------------------

_DOT_ID = r"[A-Za-z_][A-Za-z0-9_]*"
_DOT_VALUE = r'(?:"(?:[^"\\]|\\.)*"|[A-Za-z0-9_.#-]+)'
_DOT_ATTRS = rf"\[(?:\s*{_DOT_ID}\s*=\s*{_DOT_VALUE}\s*,?)*\s*\]"
_DOT_NODE = re.compile(rf"\s*({_DOT_ID})\s*{_DOT_ATTRS};")
_DOT_EDGE = re.compile(rf"\s*({_DOT_ID})\s*->\s*({_DOT_ID})\s*{_DOT_ATTRS};")
_DOT_DEFAULT = re.compile(rf"\s*(graph|node|edge)\s*{_DOT_ATTRS};")


def check_dot(text: str) -> tuple[set[str], list[tuple[str, str, str]]]:
    """A small structural check of our DOT: one digraph, every statement a node, edge or default
    statement with well-formed attribute lists, every edge between declared nodes. Returns the
    nodes and (source, target, label) edges."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "digraph stages {" and lines[-1] == "}"
    nodes: set[str] = set()
    edges = []
    for line in lines[1:-1]:
        if _DOT_DEFAULT.fullmatch(line):
            continue
        m = _DOT_EDGE.fullmatch(line)
        if m:
            label = re.search(r'label="([^"]*)"', line)
            edges.append((m.group(1), m.group(2), label.group(1) if label else ""))
            continue
        m = _DOT_NODE.fullmatch(line)
        assert m, f"not a DOT statement: {line!r}"
        assert m.group(1) not in nodes, f"node declared twice: {line!r}"
        nodes.add(m.group(1))
    for source, target, _ in edges:
        assert source in nodes and target in nodes
    return nodes, edges


def test_dot(project, capsys):
    code, out, _ = run_graph(capsys, "Dockerfile", "--format", "dot")
    assert code == 0
    nodes, edges = check_dot(out)
    assert {f"s{i}" for i in range(10)} <= nodes
    assert {n for n in nodes if n.startswith("i")} == {"i0", "i1", "i2", "i3", "i4"}
    assert set(edges) >= {
        ("s0", "s2", "from"),
        ("s1", "s2", "onbuild"),
        ("s1", "s2", "mount"),
        ("s2", "s5", "copy"),
        ("s5", "s9", "copy"),
        ("s6", "s8", "from?"),
        ("s7", "s8", "from?"),
        ("i1", "s9", "copy"),  # busybox:1.36
    }
    assert 's9 [label="#9 release\\nline 32\\ntarget", style="rounded,bold,filled"' in out
    assert 's3 [label="#3 test\\nline 15\\nunused", style="rounded,dashed", color=gray60' in out
    assert 'i2 [label="gcr.io/distroless/static:nonroot", shape=folder' in out
    assert 's6 -> s8 [label="from?", style=dotted' in out
    assert 's1 -> s2 [label="mount", style=dashed' in out


def test_dot_merges_repeated_edges_and_escapes():
    text = ('FROM alpine:3.20 AS a\nRUN touch /x /y\nFROM scratch\n'
            'COPY --from=a /x /x\nCOPY --from=a /y /y\nCOPY --from="we\\"ird" /z /z\n')
    out = render(graph_of(text), "dot", 'my "odd" Dockerfile')
    nodes, edges = check_dot(out)
    assert ("s0", "s1", "copy (2)") in edges
    assert 'label="my \\"odd\\" Dockerfile: 2 stages' in out


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz's `dot` is not installed (apt-get install graphviz)")
@pytest.mark.parametrize("build_args", [{}, {"TARGETARCH": "amd64"}])
def test_dot_is_accepted_by_graphviz(tmp_path, build_args):
    out = render(graph_of(build_args=build_args), "dot", "Dockerfile")
    result = subprocess.run(["dot", "-Tsvg"], input=out, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "<svg" in result.stdout and "#9 release" in result.stdout


# ---- Mermaid -------------------------------------------------------------------------------

_MM_NODE = re.compile(r'  ([sui]\d+)(\("[^"]*"\)|\[/"[^"]*"/\]|\{\{"[^"]*"\}\})')
_MM_EDGE = re.compile(r"  ([sui]\d+) (==>|-->|-\.->)\|([^|]+)\| ([sui]\d+)")


def check_mermaid(text: str) -> tuple[set[str], list[tuple[str, str, str, str]]]:
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "flowchart LR"
    nodes: set[str] = set()
    edges = []
    for line in lines[1:]:
        if m := _MM_NODE.fullmatch(line):
            nodes.add(m.group(1))
        elif m := _MM_EDGE.fullmatch(line):
            edges.append((m.group(1), m.group(4), m.group(2), m.group(3)))
        elif line.startswith(("  classDef ", "  class ")):
            continue
        else:
            raise AssertionError(f"not a Mermaid statement: {line!r}")
    for source, target, _, _ in edges:
        assert source in nodes and target in nodes
    return nodes, edges


def test_mermaid(project, capsys):
    code, out, _ = run_graph(capsys, "Dockerfile", "--format", "mermaid")
    assert code == 0
    nodes, edges = check_mermaid(out)
    assert len([n for n in nodes if n.startswith("s")]) == 10
    assert set(edges) >= {
        ("s0", "s2", "==>", "from"),
        ("s1", "s2", "-.->", "onbuild"),
        ("s1", "s2", "-.->", "mount"),
        ("s2", "s5", "-->", "copy"),
        ("s6", "s8", "-.->", "from?"),
        ("i1", "s9", "-->", "copy"),
    }
    assert '  s9("#35;9 release<br/>line 32<br/>target")' in out
    assert '  s5("#35;5 export<br/>FROM scratch, line 21")' in out
    assert '  i2[/"gcr.io/distroless/static:nonroot"/]' in out
    assert "  class s9 target\n" in out
    assert "  class s6,s7 maybe\n" in out
    assert "  class s3,s4 unused\n" in out


def test_mermaid_unresolved_without_candidates_and_escaping():
    text = 'FROM ${BASE} AS app\nFROM alpine:3.20 AS other\nCOPY --from="quoted<image>" /a /a\n'
    nodes, edges = check_mermaid(render(graph_of(text), "mermaid", "Dockerfile"))
    assert "u0" in nodes and ("u0", "s0", "-.->", "from?") in edges
    out = render(graph_of(text), "mermaid", "Dockerfile")
    assert '[/"quoted#60;image#62;"/]' in out  # angle brackets as entity codes
    assert '{{"$#123;BASE#125;<br/>unresolved"}}' in out


# ---- the corpus files kept in docs/graphs ---------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs" / "graphs"


@pytest.mark.parametrize("name", ["1190", "0489"])
def test_saved_graphs_are_well_formed(name):
    if not (DOCS / f"{name}.dot").is_file():
        pytest.skip("docs/graphs not generated")
    check_dot((DOCS / f"{name}.dot").read_text())
    check_mermaid((DOCS / f"{name}.mmd").read_text())
    tree = (DOCS / f"{name}-tree.txt").read_text()
    assert not ANSI.search(tree)
    assert tree.startswith(f"{name}.Dockerfile: ")


def test_onbuild_for_downstream_images():
    text = ("FROM alpine:3.20 AS assets\nFROM node:20 AS base\n"
            "ONBUILD COPY --from=builder /b /b\n")
    out = render(graph_of(text), "tree", "Dockerfile")
    assert ("│   └── onbuild builder  line 3  (ONBUILD: runs in images built FROM this stage "
            "elsewhere)") in out
    _, edges = check_mermaid(render(graph_of(text), "mermaid", "Dockerfile"))
    assert all(kind != "onbuild" for _, _, _, kind in edges)

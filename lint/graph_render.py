"""Render a `StageGraph` for people: a tree for the terminal, Graphviz DOT, or a Mermaid flowchart.

All three show the same facts, gathered once by `GraphView`:

* every stage, in file order, with its index, name, line and ``--platform``, and its status: the
  target, a stage the target ships (its FROM chain), one it needs, one it may need through a
  reference dflint cannot resolve (``FROM binaries-$TARGETOS``), one built only for an
  ``extra-targets`` stage, or one nothing uses (dimmed);
* every dependency of a stage, by kind: ``from`` (``FROM <stage>`` or an image), ``copy``
  (``COPY --from``), ``mount`` (``RUN --mount=from=``) and ``onbuild`` (a trigger of the base
  stage), with the line of the instruction; an unresolved reference lists the stages it could
  name (``from?`` edges, never guessed into reachability);
* the external images, with who uses them and how.

The tree is plain text when `color` is off (no ANSI codes), so it can be saved or diffed. DOT edges
point from the dependency to the stage that needs it, as the networkx graph does; Mermaid the same.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from dflint.graph import Reference, Stage, StageGraph

__all__ = ["FORMATS", "GraphView", "render", "render_dot", "render_mermaid", "render_tree"]

FORMATS = ("tree", "dot", "mermaid")

_USE = {"from": "FROM", "copy": "COPY --from", "mount": "RUN --mount", "onbuild": "ONBUILD"}

KIND_STYLE = {"from": "bold blue", "copy": "magenta", "mount": "yellow", "onbuild": "red"}


@dataclass(frozen=True)
class Dependency:
    """One thing a stage needs: a stage, an image, or an unresolved reference."""

    kind: str  # from | copy | mount | onbuild
    line: int  # the instruction's line (for onbuild: the ONBUILD's line in the base stage)
    text: str  # as written
    stage: int | None = None  # the stage it names
    image: str | None = None  # the image it names (resolved)
    unresolved: tuple[str, ...] = ()  # variables in the way
    candidates: tuple[int, ...] = ()  # stages an unresolved reference could name
    scratch: bool = False
    downstream: bool = False  # an ONBUILD trigger no stage of this file runs


@dataclass
class GraphView:
    """What the renderers show, computed from a graph."""

    graph: StageGraph
    path: str = "Dockerfile"
    dependencies: dict[int, list[Dependency]] = field(default_factory=dict)
    images: dict[str, list[tuple[int, str, int]]] = field(default_factory=dict)  # image -> uses

    @classmethod
    def of(cls, graph: StageGraph, path: str = "Dockerfile") -> GraphView:
        view = cls(graph, path)
        deps: dict[int, list[Dependency]] = {s.index: [] for s in graph.stages}
        for ref in graph.references:
            holders = _holders(graph, ref)
            if not holders:  # an ONBUILD trigger for images built elsewhere
                dep = _dependency(ref, ref.stage, downstream=True)
                deps[ref.stage].append(dep)
                continue
            for holder in holders:
                dep = _dependency(ref, holder)
                deps[holder].append(dep)
                if dep.image is not None:
                    view.images.setdefault(dep.image, []).append((holder, dep.kind, dep.line))
        view.dependencies = deps
        return view

    # ---- status ----------------------------------------------------------------------------

    def status(self, index: int) -> str:
        """target | shipped | needed | maybe | extra | unused."""
        g = self.graph
        if index == g.target:
            return "target"
        if index in g.shipped:
            return "shipped"
        if index in g.reachable:
            return "needed"
        if index in g.possibly_reachable:
            return "maybe"
        if index in g.unused:
            return "unused"
        return "extra"

    def stage_title(self, stage: Stage) -> str:
        return f"#{stage.index} {stage.label}"

    @property
    def edge_count(self) -> int:
        return len(self.graph.edges)


def _holders(graph: StageGraph, ref: Reference) -> list[int]:
    """The stages a reference is a dependency of: for an ONBUILD trigger, the stages built on the
    stage holding it (where the trigger runs)."""
    if ref.kind != "onbuild":
        return [ref.stage]
    return [s.index for s in graph.stages if s.base_stage == ref.stage]


def _dependency(ref: Reference, holder: int, downstream: bool = False) -> Dependency:
    line = ref.instruction.line
    if ref.resolved is None:
        return Dependency(ref.kind, line, ref.text, unresolved=tuple(sorted(ref.unresolved)),
                          candidates=ref.candidates, downstream=downstream)
    if ref.target is not None:
        return Dependency(ref.kind, line, ref.text, stage=ref.target, downstream=downstream)
    if ref.kind == "from" and ref.resolved == "scratch":
        return Dependency(ref.kind, line, ref.text, scratch=True)
    return Dependency(ref.kind, line, ref.text, image=ref.resolved, downstream=downstream)


# ------------------------------------------------------------------------------------------------
# tree


_STATUS_NOTE = {
    "target": "target",
    "shipped": "shipped: the target builds on it",
    "needed": "",
    "maybe": "maybe used: through an unresolved reference",
    "extra": "built for an extra target",
    "unused": "unused",
}


def render_tree(view: GraphView, color: bool = False, width: int | None = None,
                ascii_only: bool = False) -> str:
    """The graph as a tree, one node per stage in file order, then the external images. With
    `color` off the text has no ANSI codes and no line is wrapped."""
    from rich.console import Console
    from rich.text import Text
    from rich.tree import Tree

    g = view.graph
    head = Text()
    head.append(view.path, style="bold")
    n = len(g.stages)
    head.append(f": {n} stage{'s' if n != 1 else ''}, {view.edge_count} "
                f"edge{'s' if view.edge_count != 1 else ''}")
    if g.target is not None:
        head.append(", target ")
        head.append(view.stage_title(g.stages[g.target]), style="bold green")
    if g.extra_targets:
        head.append(", extra targets " + ", ".join(view.stage_title(g.stages[i])
                                                   for i in g.extra_targets))
    tree = Tree(head, guide_style="dim" if color else "")
    if not g.stages:
        tree.add(Text("no stages (no FROM instruction)", style="italic"))
    for stage in g.stages:
        status = view.status(stage.index)
        dim = status == "unused"
        label = Text()
        label.append(f"#{stage.index} ", style="dim")
        label.append(stage.label, style="bold green" if status == "target" else "bold cyan")
        label.append(f"  line {stage.line}", style="dim")
        if stage.platform:
            label.append(f"  --platform={stage.platform}", style="dim")
        note = _STATUS_NOTE[status]
        if note:
            label.append("  ")
            label.append(f"[{note}]", style={"target": "bold green", "shipped": "green",
                                             "maybe": "yellow", "extra": "cyan",
                                             "unused": "dim italic"}.get(status, ""))
        if dim:
            label.stylize("dim")
        node = tree.add(label, guide_style="dim" if color else "")
        for dep in view.dependencies.get(stage.index, ()):
            line = _dependency_text(view, stage, dep)
            if dim:
                line.stylize("dim")
            node.add(line)
    if view.images:
        count = len(view.images)
        images = tree.add(Text(f"external images ({count})", style="bold"))
        for image in sorted(view.images):
            uses = view.images[image]
            text = Text()
            text.append(image, style="italic")
            text.append("  ")
            text.append(", ".join(f"{_USE[kind]} in #{i} {g.stages[i].label} (line {line})"
                                  for i, kind, line in uses), style="dim")
            images.add(text)
    buffer = _Buffer(ascii_only)
    console = Console(
        file=buffer,
        width=width or (10**6 if not color else 100),
        color_system="standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
        soft_wrap=not color,
    )
    console.print(tree)
    return buffer.getvalue()


class _Buffer(io.StringIO):
    """A string buffer that tells rich which characters it may use."""

    def __init__(self, ascii_only: bool) -> None:
        super().__init__()
        self._encoding = "ascii" if ascii_only else "utf-8"

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding

    def isatty(self) -> bool:
        return False


def _dependency_text(view: GraphView, stage: Stage, dep: Dependency):
    from rich.text import Text

    g = view.graph
    text = Text()
    kind = dep.kind + ("?" if dep.candidates or dep.unresolved else "")
    text.append(f"{kind:<8}", style=KIND_STYLE.get(dep.kind, ""))
    if dep.stage is not None:
        target = g.stages[dep.stage]
        text.append(f"#{target.index} ", style="dim")
        text.append(target.label, style="cyan")
        if dep.text.lower() != target.label and dep.text != str(target.index):
            text.append(f" ({dep.text})", style="dim")
        if dep.stage >= stage.index and dep.kind != "from":
            text.append("  [defined later: BuildKit fails]" if dep.stage > stage.index
                        else "  [itself: BuildKit fails]", style="bold red")
    elif dep.downstream:
        text.append(dep.text, style="italic")
    elif dep.scratch:
        text.append("scratch", style="italic")
        text.append(" (empty)", style="dim")
    elif dep.image is not None:
        text.append("image ", style="dim")
        text.append(dep.image, style="italic")
        if dep.text != dep.image:
            text.append(f" ({dep.text})", style="dim")
    else:
        text.append(dep.text, style="yellow")
        what = ", ".join(dep.unresolved) if dep.unresolved else "?"
        text.append(f"  unresolved: {what}", style="dim")
        if dep.candidates:
            names = ", ".join(f"#{i} {g.stages[i].label}" for i in dep.candidates)
            text.append(f"; could be {names}", style="dim")
    if dep.kind != "from" or dep.line != stage.line:
        text.append(f"  line {dep.line}", style="dim")
    if dep.downstream:
        text.append("  (ONBUILD: runs in images built FROM this stage elsewhere)", style="dim")
    elif dep.kind == "onbuild":
        text.append("  (ONBUILD of the base stage)", style="dim")
    return text


# ------------------------------------------------------------------------------------------------
# edges shared by DOT and Mermaid


@dataclass(frozen=True)
class _Edge:
    source: str  # node id
    target: str
    kind: str  # from | copy | mount | onbuild | from? | copy? | …
    count: int

    @property
    def label(self) -> str:
        return self.kind if self.count == 1 else f"{self.kind} ({self.count})"

    @property
    def possible(self) -> bool:
        return self.kind.endswith("?")


def _nodes_and_edges(view: GraphView) -> tuple[dict[str, str], dict[str, str], list[_Edge]]:
    """Image nodes (id -> image), unresolved nodes (id -> text) and the merged edges."""
    g = view.graph
    images = {image: f"i{n}" for n, image in enumerate(sorted(view.images))}
    unresolved: dict[str, str] = {}
    counts: dict[tuple[str, str, str], int] = {}
    order: list[tuple[str, str, str]] = []

    def add(source: str, target: str, kind: str) -> None:
        key = (source, target, kind)
        if key not in counts:
            counts[key] = 0
            order.append(key)
        counts[key] += 1

    for stage in g.stages:
        me = f"s{stage.index}"
        for dep in view.dependencies.get(stage.index, ()):
            if dep.downstream:
                continue
            if dep.stage is not None:
                add(f"s{dep.stage}", me, dep.kind)
            elif dep.image is not None:
                add(images[dep.image], me, dep.kind)
            elif dep.scratch:
                continue
            elif dep.candidates:
                for c in dep.candidates:
                    add(f"s{c}", me, dep.kind + "?")
            else:
                key = dep.text
                node = unresolved.setdefault(key, f"u{len(unresolved)}")
                add(node, me, dep.kind + "?")
    edges = [_Edge(s, t, k, counts[(s, t, k)]) for s, t, k in order]
    return ({v: k for k, v in images.items()}, {v: k for k, v in unresolved.items()}, edges)


def _stage_lines(view: GraphView, stage: Stage) -> list[str]:
    lines = [f"#{stage.index} {stage.label}"]
    detail = f"line {stage.line}"
    if stage.is_scratch:
        detail = "FROM scratch, " + detail
    if stage.platform:
        detail += f", --platform={stage.platform}"
    lines.append(detail)
    status = view.status(stage.index)
    if status not in ("needed",):
        lines.append(_STATUS_NOTE[status].split(":")[0])
    return lines


# ------------------------------------------------------------------------------------------------
# DOT


_DOT_EDGE = {
    "from": 'style=bold, color="#1f4e99"',
    "copy": 'color="#8e3a8e"',
    "mount": 'style=dashed, color="#a67c00"',
    "onbuild": 'style=dotted, color="#b22222"',
}


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_dot(view: GraphView) -> str:
    """The graph in Graphviz DOT: stages are boxes (the target bold and green, unused stages
    grey and dashed), images are folders, unresolved references notes; edges run from the
    dependency to the stage that needs it, styled by kind."""
    g = view.graph
    images, unresolved, edges = _nodes_and_edges(view)
    title = f"{view.path}: {len(g.stages)} stages"
    if g.target is not None:
        title += f", target #{g.target} {g.stages[g.target].label}"
    out = [
        "digraph stages {",
        f"  graph [rankdir=LR, fontname=Helvetica, fontsize=12, labelloc=t, label={_dot_string(title)}];",
        '  node [shape=box, style=rounded, fontname=Helvetica, fontsize=11];',
        '  edge [fontname=Helvetica, fontsize=9];',
    ]
    for stage in g.stages:
        status = view.status(stage.index)
        attrs = [f"label={_dot_string(chr(10).join(_stage_lines(view, stage)))}"]
        if status == "target":
            attrs.append('style="rounded,bold,filled", fillcolor="#e3f5e1", color="#2e7d32", penwidth=2')
        elif status == "shipped":
            attrs.append('style="rounded,filled", fillcolor="#f1f8e9", color="#2e7d32"')
        elif status == "maybe":
            attrs.append('style="rounded,dashed", color="#a67c00"')
        elif status == "extra":
            attrs.append('color="#00838f"')
        elif status == "unused":
            attrs.append('style="rounded,dashed", color=gray60, fontcolor=gray55')
        out.append(f"  s{stage.index} [{', '.join(attrs)}];")
    for node, image in images.items():
        out.append(f"  {node} [label={_dot_string(image)}, shape=folder, color=gray40, "
                   f"fontcolor=gray25];")
    for node, text in unresolved.items():
        out.append(f"  {node} [label={_dot_string(text + chr(10) + '(unresolved)')}, shape=note, "
                   f"style=dashed, color=gray50];")
    for e in edges:
        kind = e.kind.rstrip("?")
        attrs = [f"label={_dot_string(e.label)}"]
        if e.possible:
            attrs.append('style=dotted, color=gray50, fontcolor=gray45')
        else:
            attrs.append(_DOT_EDGE.get(kind, ""))
        out.append(f"  {e.source} -> {e.target} [{', '.join(a for a in attrs if a)}];")
    out.append("}")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------
# Mermaid


_MERMAID_ARROW = {"from": "==>", "copy": "-->", "mount": "-.->", "onbuild": "-.->"}


def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: entity codes for what Mermaid would interpret."""
    out = []
    for ch in text:
        if ch in '"#<>&|[]{}()`':
            out.append(f"#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)


def render_mermaid(view: GraphView) -> str:
    """The graph as a Mermaid ``flowchart LR``: stages are rounded boxes, images parallelograms,
    unresolved references hexagons. ``==>`` FROM, ``-->`` COPY --from, ``-.->`` mounts, ONBUILD
    triggers and possible (unresolved) references; class ``target``, ``shipped``, ``maybe``,
    ``extra``, ``unused`` style the stages."""
    g = view.graph
    images, unresolved, edges = _nodes_and_edges(view)
    out = ["flowchart LR"]
    for stage in g.stages:
        label = "<br/>".join(_mermaid_text(line) for line in _stage_lines(view, stage))
        out.append(f'  s{stage.index}("{label}")')
    for node, image in images.items():
        out.append(f'  {node}[/"{_mermaid_text(image)}"/]')
    for node, text in unresolved.items():
        out.append(f'  {node}{{{{"{_mermaid_text(text)}<br/>unresolved"}}}}')
    for e in edges:
        arrow = "-.->" if e.possible else _MERMAID_ARROW.get(e.kind, "-->")
        out.append(f"  {e.source} {arrow}|{_mermaid_text(e.label)}| {e.target}")
    out += [
        "  classDef target fill:#e3f5e1,stroke:#2e7d32,stroke-width:3px",
        "  classDef shipped fill:#f1f8e9,stroke:#2e7d32",
        "  classDef maybe stroke:#a67c00,stroke-dasharray:5 3",
        "  classDef extra stroke:#00838f",
        "  classDef unused fill:#f5f5f5,stroke:#9e9e9e,color:#8a8a8a,stroke-dasharray:4 3",
        "  classDef image fill:#eceff1,stroke:#607d8b",
        "  classDef unresolved fill:#fff8e1,stroke:#a67c00,stroke-dasharray:3 3",
    ]
    for cls in ("target", "shipped", "maybe", "extra", "unused"):
        members = [f"s{s.index}" for s in g.stages if view.status(s.index) == cls]
        if members:
            out.append(f"  class {','.join(members)} {cls}")
    if images:
        out.append(f"  class {','.join(images)} image")
    if unresolved:
        out.append(f"  class {','.join(unresolved)} unresolved")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------


def render(graph: StageGraph, fmt: str = "tree", path: str = "Dockerfile", color: bool = False,
           width: int | None = None, ascii_only: bool = False) -> str:
    """The graph in `fmt` (one of `FORMATS`)."""
    view = GraphView.of(graph, path)
    if fmt == "tree":
        return render_tree(view, color=color, width=width, ascii_only=ascii_only)
    if fmt == "dot":
        return render_dot(view)
    if fmt == "mermaid":
        return render_mermaid(view)
    raise ValueError(f"unknown graph format {fmt!r} (expected one of: {', '.join(FORMATS)})")

"""The stage graph: a Dockerfile's stages, what each one needs, and what the target ships.

Built from the parsed file by `StageGraph.build`. The semantics follow BuildKit's dockerfile2llb
(moby/buildkit ``frontend/dockerfile/dockerfile2llb/convert.go``, ``convert_runmount.go``,
``validations.go``; ``frontend/dockerfile/instructions/parse.go``, ``commands_runmount.go``):

* Global ARGs are the ARGs before the first FROM. Each one takes its ``--build-arg`` value if
  given, else its default expanded against the global ARGs before it (``buildMetaArgs``); an ARG
  without a default and without a build arg stays unset. FROM's image reference and
  ``--platform`` are expanded against them. The automatic platform ARGs (``BUILDPLATFORM``,
  ``TARGETARCH``, …) have values only BuildKit knows: they count as unresolved unless given in
  `build_args`.
* ``FROM <name>`` builds on a stage only when an *earlier* stage has that name: BuildKit registers
  stages in order and looks the expanded base name up among those registered so far
  (``dispatchStates.addState``). A later stage's name, or the stage's own name (``FROM node AS
  node``), is an image. BuildKit's lookup is case-sensitive against the lowercased stage names,
  so ``FROM Build`` does not find stage ``build`` (and fails: image names are lowercase); here it
  is matched case-insensitively, as the writer meant, and reported as a problem.
* ``COPY --from=<x>``: an integer is a stage index (``findStateByIndex``; out of range is an
  error); otherwise the name is looked up case-insensitively among *all* stages, the last one
  with that name winning (``statesByName`` is filled before the lookup); a name that is no stage
  is an image. A stage defined later than the COPY fails at dispatch ("cannot copy from stage
  …, it needs to be defined before current stage"): recorded as an edge (the stage is needed)
  and a forward-reference problem. Copying from the stage itself is a circular dependency.
  BuildKit rejects variables in ``--from`` ("variable expansion is not supported for --from"):
  the reference is still resolved through the global ARGs and the stage's ARG/ENV scope so the
  graph shows what was meant, and a problem is recorded.
* ``RUN --mount=…,from=<x>``: looked up by stage *name* only (``detectRunMount``; no index). A
  mount without ``from`` (a cache mount defaults to scratch) and a tmpfs mount reference no
  stage. A later stage fails ("cannot mount from stage …, stage needs to be defined before
  current command"); a variable in ``from`` is rejected ("'from' doesn't support variable
  expansion").
* ``ONBUILD COPY --from=<x>`` / ``ONBUILD RUN --mount=…,from=<x>`` in stage A run when a stage
  builds ``FROM A`` (BuildKit only runs the direct base's triggers: "onbuild triggers do not
  carry over from base stage"). So each such child stage gets an ``onbuild`` edge to x, checked
  for forward references against the child.
* Duplicate stage names are BuildKit's ``DuplicateStageName`` check. With duplicates, COPY and
  mount ``from`` find the last stage of that name, FROM the latest one before it.

The graph itself is a networkx DiGraph (dependency → dependent), built only when an algorithm
needs it: a file without cross-stage references never imports networkx.
"""

from __future__ import annotations

import re
from functools import cached_property

from dflint.source import LazyPattern, Record, Span
from dflint.syntax import Dockerfile, Flag, Instruction
from dflint.words import Expansion, expand, key_value_words

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Iterable, Mapping

    import networkx

__all__ = ["AUTOMATIC_ARGS", "Edge", "Problem", "Reference", "Stage", "StageGraph"]

#: ARGs BuildKit sets itself (values depend on the build, so unknown here).
AUTOMATIC_ARGS = frozenset(
    "BUILDPLATFORM BUILDOS BUILDARCH BUILDVARIANT TARGETPLATFORM TARGETOS TARGETARCH "
    "TARGETVARIANT TARGETSTAGE BUILDKIT_SYNTAX".split()
)

_INDEX = LazyPattern(r"[+-]?[0-9]+")

EDGE_KINDS = ("from", "copy", "mount", "onbuild")


class Stage(Record):
    """One build stage: a FROM and the instructions up to the next FROM. (Equality, hashing and
    `repr` leave `base_expansion` out.)"""

    _fields = (
        "index", "name", "from_instruction", "instructions", "base", "base_resolved",
        "base_stage", "platform", "platform_resolved", "is_scratch", "line", "base_span",
        "name_span",
    )

    index: int
    name: str | None  # lowercased alias, None without ``AS name``
    from_instruction: Instruction
    instructions: tuple[Instruction, ...]  # the FROM first
    base: str  # the image reference as written ("" when missing)
    base_resolved: str | None  # after global ARG substitution; None if anything is unresolved
    base_stage: int | None  # the earlier stage this one builds on (FROM <stage>)
    platform: str | None  # --platform as written
    platform_resolved: str | None
    is_scratch: bool
    line: int
    base_span: Span | None
    name_span: Span | None
    base_expansion: Expansion | None

    def __init__(
        self,
        index: int,
        name: str | None,
        from_instruction: Instruction,
        instructions: tuple[Instruction, ...],
        base: str,
        base_resolved: str | None,
        base_stage: int | None,
        platform: str | None,
        platform_resolved: str | None,
        is_scratch: bool,
        line: int,
        base_span: Span | None = None,
        name_span: Span | None = None,
        base_expansion: Expansion | None = None,
    ) -> None:
        self.index = index
        self.name = name
        self.from_instruction = from_instruction
        self.instructions = instructions
        self.base = base
        self.base_resolved = base_resolved
        self.base_stage = base_stage
        self.platform = platform
        self.platform_resolved = platform_resolved
        self.is_scratch = is_scratch
        self.line = line
        self.base_span = base_span
        self.name_span = name_span
        self.base_expansion = base_expansion

    def __reduce__(self) -> tuple:
        return (Stage, (*self._values(), self.base_expansion))

    @property
    def label(self) -> str:
        """The name, or ``stage-N`` as BuildKit calls an unnamed stage."""
        return self.name if self.name is not None else f"stage-{self.index}"


class Reference(Record):
    """Something a stage refers to by name: a base image, a COPY/mount source, an ONBUILD one.

    `stage` is the stage holding `instruction` (for ``onbuild``, the stage holding the ONBUILD);
    `target` the stage it resolves to, or None for an image (`external`) or an unresolvable
    reference (`resolved` None, `unresolved` the variables in the way). For an unresolved
    reference, `candidates` are the stages whose name matches it with each unknown variable read
    as a wildcard (``buildkit-$TARGETOS`` → ``buildkit-*``): not edges, never guessed into
    `reachable`, but they keep those stages out of `unused`."""

    _fields = (
        "kind", "stage", "instruction", "span", "text", "resolved", "target", "external",
        "unresolved", "candidates",
    )

    kind: str  # "from" | "copy" | "mount" | "onbuild"
    stage: int
    instruction: Instruction
    span: Span
    text: str  # as written
    resolved: str | None
    target: int | None
    external: bool
    unresolved: frozenset[str]
    candidates: tuple[int, ...]  # stages an unresolved reference could name (see above)

    def __init__(
        self,
        kind: str,
        stage: int,
        instruction: Instruction,
        span: Span,
        text: str,
        resolved: str | None,
        target: int | None,
        external: bool,
        unresolved: frozenset[str] = frozenset(),
        candidates: tuple[int, ...] = (),
    ) -> None:
        self.kind = kind
        self.stage = stage
        self.instruction = instruction
        self.span = span
        self.text = text
        self.resolved = resolved
        self.target = target
        self.external = external
        self.unresolved = unresolved
        self.candidates = candidates

    @property
    def is_unresolved(self) -> bool:
        return self.resolved is None


class Edge(Record):
    """`dependent` needs `dependency` because of `instruction` (span: the reference token)."""

    _fields = ("kind", "dependent", "dependency", "instruction", "span", "text")

    kind: str  # "from" | "copy" | "mount" | "onbuild"
    dependent: int
    dependency: int
    instruction: Instruction
    span: Span
    text: str

    def __init__(
        self, kind: str, dependent: int, dependency: int, instruction: Instruction, span: Span, text: str
    ) -> None:
        self.kind = kind
        self.dependent = dependent
        self.dependency = dependency
        self.instruction = instruction
        self.span = span
        self.text = text

    @property
    def is_forward(self) -> bool:
        """The dependency is defined later than (or is) the stage that needs it."""
        return self.dependency >= self.dependent


class Problem(tuple):
    """A ``(message, span)`` pair with a `kind` for rules that want to filter.

    Kinds: ``unknown-target``, ``unknown-extra-target``, ``duplicate-name``, ``self-reference``,
    ``forward-reference``, ``cycle``, ``invalid-index``, ``variable-in-from``, ``from-later-stage``,
    ``from-case-mismatch``, ``mount-index``, ``empty-base``."""

    kind: str

    def __new__(cls, message: str, span: Span, kind: str = "") -> Problem:
        self = super().__new__(cls, (message, span))
        self.kind = kind
        return self

    @property
    def message(self) -> str:
        return self[0]

    @property
    def span(self) -> Span:
        return self[1]

    def __repr__(self) -> str:
        return f"Problem({self[0]!r}, {self[1]!r}, kind={self.kind!r})"


def _lower(name: str) -> str:
    return name.lower()


class StageGraph:
    """Stages, references and edges of one Dockerfile, and reachability from the target."""

    def __init__(self) -> None:
        self.stages: tuple[Stage, ...] = ()
        self.global_args: dict[str, str | None] = {}
        self.global_scope: dict[str, str] = {}
        self.references: tuple[Reference, ...] = ()
        self.edges: tuple[Edge, ...] = ()
        self.problems: list[Problem] = []
        self._problem_set: set[Problem] = set()
        self.target: int | None = None
        self.extra_targets: tuple[int, ...] = ()
        self.reachable: frozenset[int] = frozenset()
        self.possibly_reachable: frozenset[int] = frozenset()
        self.unused: tuple[int, ...] = ()
        self.shipped: tuple[int, ...] = ()
        self.build_args: dict[str, str] = {}
        self.escape = "\\"
        self._starts: list[int] = []
        self._by_name: dict[str, int] = {}
        self._unknown: frozenset[str] = AUTOMATIC_ARGS
        self._scopes: dict[int, tuple[dict[str, str], set[str]]] = {}
        self._stage_befores: dict[int, dict[int, dict[str, str]]] = {}

    # ------------------------------------------------------------------ construction

    @classmethod
    def build(
        cls,
        dockerfile: Dockerfile,
        target: str | int | None = None,
        build_args: Mapping[str, str] | None = None,
        extra_targets: Iterable[str | int] = (),
    ) -> StageGraph:
        """Build the graph. Never raises on odd input: what BuildKit would reject becomes a
        `problems` entry."""
        g = cls()
        g.build_args = {str(k): str(v) for k, v in (build_args or {}).items()}
        g._unknown = AUTOMATIC_ARGS - g.build_args.keys()
        g.escape = getattr(dockerfile, "escape", "\\") or "\\"
        instructions = tuple(dockerfile.instructions)
        g._globals(instructions)
        g._stages(instructions)
        g._references()
        g._check_duplicates()
        g._resolve_targets(target, extra_targets)
        g._reach()
        g._check_cycles()
        return g

    def _globals(self, instructions: tuple[Instruction, ...]) -> None:
        scope: dict[str, str] = {}
        for ins in instructions:
            if ins.name == "FROM":
                break
            if ins.name != "ARG":
                continue
            for kv in key_value_words(ins.args, "ARG", self.escape):
                key = expand(kv.key, scope, self.escape).value
                if not key:
                    continue
                default = None if kv.value is None else \
                    expand(kv.value, scope, self.escape, unknown=self._unknown)
                if default is None:
                    self.global_args[key] = None
                elif default.resolved:
                    self.global_args[key] = default.value
                else:  # keep what cannot be substituted as written
                    self.global_args[key] = expand(kv.value or "", scope, self.escape, keep_unset=True,
                                                   unknown=self._unknown).value
                if key in self.build_args:
                    scope[key] = self.build_args[key]
                    self._unknown = self._unknown - {key}
                elif default is not None and default.resolved:
                    self._unknown = self._unknown - {key}
                    scope[key] = default.value
                elif default is not None:
                    scope.pop(key, None)  # its default depends on something unknown
                    self._unknown = self._unknown | {key}
        for name in AUTOMATIC_ARGS:
            if name in self.build_args:
                scope.setdefault(name, self.build_args[name])
        self.global_scope = scope

    def _stages(self, instructions: tuple[Instruction, ...]) -> None:
        groups: list[list[Instruction]] = []
        for ins in instructions:
            if ins.name == "FROM":
                groups.append([ins])
            elif groups:
                groups[-1].append(ins)
        stages: list[Stage] = []
        by_name: dict[str, int] = {}  # names registered so far (FROM lookups)
        for index, group in enumerate(groups):
            ins = group[0]
            words = ins.words
            base = words[0].value if words else ""
            base_span = words[0].span if words else None
            name = name_span = None
            if len(words) >= 3 and words[1].value.lower() == "as":
                name, name_span = words[2].value.lower(), words[2].span
            exp = expand(base, self.global_scope, self.escape, unknown=self._unknown) if base else None
            base_resolved = exp.value if exp is not None and exp.resolved and exp.value else None
            if exp is not None and exp.resolved and not exp.value:
                self._problem(f"base name ({base}) should not be blank", base_span or ins.keyword_span,
                              "empty-base")
            base_stage = None
            if base_resolved is not None:
                exact = by_name.get(base_resolved)
                folded = by_name.get(base_resolved.lower())
                if exact is not None:
                    base_stage = exact
                elif folded is not None:
                    base_stage = folded
                    self._problem(
                        f"FROM {base_resolved}: BuildKit matches stage names case-sensitively "
                        f"(stage names are lowercase), so this does not build on stage "
                        f"'{base_resolved.lower()}' but pulls an invalid image name",
                        base_span or ins.keyword_span, "from-case-mismatch")
            plat_flag = ins.flag("platform")
            platform = plat_flag.value if plat_flag is not None else None
            platform_resolved = None
            if platform:
                pexp = expand(platform, self.global_scope, self.escape, unknown=self._unknown)
                platform_resolved = pexp.value if pexp.resolved and pexp.value else None
            stages.append(
                Stage(
                    index=index,
                    name=name,
                    from_instruction=ins,
                    instructions=tuple(group),
                    base=base,
                    base_resolved=base_resolved,
                    base_stage=base_stage,
                    platform=platform,
                    platform_resolved=platform_resolved,
                    is_scratch=base_stage is None and base_resolved == "scratch",
                    line=ins.line,
                    base_span=base_span,
                    name_span=name_span,
                    base_expansion=exp,
                )
            )
            if name is not None:
                by_name[name] = index
        self.stages = tuple(stages)
        self._starts = [s.from_instruction.span.start for s in stages]
        self._by_name = by_name  # after the loop: every name, the last stage of a name wins

    # ------------------------------------------------------------------ references

    def _references(self) -> None:
        refs: list[Reference] = []
        edges: list[Edge] = []
        # FROM <stage> / FROM <image>
        for st in self.stages:
            ins = st.from_instruction
            span = st.base_span or ins.keyword_span
            exp = st.base_expansion
            unresolved = exp.unresolved if exp is not None else frozenset()
            candidates: tuple[int, ...] = ()
            if st.base_resolved is None and exp is not None and exp.unresolved:
                candidates = self._candidates(st.base, self.global_scope, exp.unresolved,
                                              range(st.index))
            refs.append(Reference("from", st.index, ins, span, st.base, st.base_resolved,
                                  st.base_stage, st.base_stage is None and st.base_resolved is not None
                                  and not st.is_scratch, unresolved, candidates))
            if st.base_stage is not None:
                edges.append(Edge("from", st.index, st.base_stage, ins, span, st.base))
            elif st.base_resolved is not None:
                later = self._by_name.get(st.base_resolved.lower())
                if later is not None and later > st.index:
                    self._problem(
                        f"FROM {st.base_resolved}: stage '{self.stages[later].label}' is defined "
                        f"later (line {self.stages[later].line}); BuildKit only builds on earlier "
                        f"stages, so this pulls an image called '{st.base_resolved}'",
                        span, "from-later-stage")
        # COPY --from, RUN --mount from=, ONBUILD …
        for st in self.stages:
            for ins in st.instructions[1:]:
                for kind, text, span, allow_index in self._sources(ins):
                    ref = self._resolve_source(st.index, ins, kind, text, span, allow_index)
                    if kind != "onbuild":
                        refs.append(ref)
                        if ref.target is not None:
                            edges.append(Edge(kind, st.index, ref.target, ins, span, text))
                            self._check_order(ref.target, st.index, kind, text, span)
                        continue
                    # an ONBUILD trigger: runs in every stage built FROM this one
                    refs.append(ref)
                    children = [c.index for c in self.stages if c.base_stage == st.index]
                    for child in children:
                        if ref.target is not None:
                            edges.append(Edge("onbuild", child, ref.target, ins, span, text))
                            self._check_order(ref.target, child, "onbuild", text, span)
        self.references = tuple(refs)
        self.edges = tuple(edges)

    def _sources(self, ins: Instruction) -> list[tuple[str, str, Span, bool]]:
        """(kind, text, span, index allowed) for each stage source named by `ins`."""
        out: list[tuple[str, str, Span, bool]] = []
        target, kind = ins, None
        if ins.name == "ONBUILD":
            if ins.inner is None:
                return out
            target, kind = ins.inner, "onbuild"
        if target.name == "COPY":
            flag = target.flag("from")
            if flag is not None and flag.value is not None:
                out.append((kind or "copy", flag.value, _value_span(flag), True))
        elif target.name == "RUN":
            for flag in target.flag_all("mount"):
                try:
                    items = flag.option_items()
                except Exception:  # pragma: no cover - defensive
                    continue
                opts = {k: v for k, v, _ in items}
                mtype = opts.get("type", "bind").lower()
                if mtype == "tmpfs":
                    continue
                for key, value, span in items:
                    if key == "from" and value:
                        if len(span) == len(key) + 1 + len(value):  # narrow to the value
                            span = Span(span.end - len(value), span.end)
                        out.append((kind or "mount", value, span, False))
        return out

    def _resolve_source(self, stage: int, ins: Instruction, kind: str, text: str, span: Span,
                        allow_index: bool) -> Reference:
        is_mount = kind == "mount" or (kind == "onbuild" and ins.inner is not None
                                       and ins.inner.name == "RUN")
        resolved: str | None = text
        unresolved: frozenset[str] = frozenset()
        if "$" in text:
            what = "'from' doesn't support variable expansion, define alias stage instead" if is_mount \
                else "variable expansion is not supported for --from, define a new stage with FROM " \
                     "using ARG from global scope as a workaround"
            self._problem(f"{what} ({text})", span, "variable-in-from")
            scope = self.scope_at(ins)
            exp = expand(text, scope, self.escape, unknown=self._unknown)
            if exp.resolved and exp.value:
                resolved = exp.value
            else:
                resolved, unresolved = None, exp.unresolved or frozenset({text})
                candidates = self._candidates(text, scope, exp.unresolved, range(len(self.stages)),
                                              by_index=allow_index)
                return Reference(kind, stage, ins, span, text, None, None, False, unresolved,
                                 candidates)
        if allow_index and _INDEX.fullmatch(resolved):
            index = int(resolved)
            if 0 <= index < len(self.stages):
                return Reference(kind, stage, ins, span, text, resolved, index, False, unresolved)
            self._problem(f"invalid stage index {index}", span, "invalid-index")
            return Reference(kind, stage, ins, span, text, resolved, None, False, unresolved)
        target = self._by_name.get(resolved.lower())
        if target is None and not allow_index and _INDEX.fullmatch(resolved) \
                and 0 <= int(resolved) < len(self.stages):
            self._problem(
                f"mount from={resolved}: BuildKit looks mount sources up by stage name, not index, "
                f"so this names an image '{resolved}'", span, "mount-index")
        return Reference(kind, stage, ins, span, text, resolved, target, target is None, unresolved)

    def _candidates(self, text: str, scope: Mapping[str, str], names: frozenset[str],
                    among: Iterable[int], by_index: bool = False) -> tuple[int, ...]:
        """Stages in `among` whose name (or index, if `by_index`) matches `text` with the unknown
        `names` as wildcards."""
        if not names:
            return ()
        marker = "\x00"
        env = dict(scope)
        env.update({n: marker for n in names})
        exp = expand(text, env, self.escape)
        if exp.error is not None or exp.unresolved:
            return ()
        pattern = ".*".join(re.escape(part) for part in exp.value.lower().split(marker))
        try:
            regex = re.compile(pattern, re.DOTALL)
        except re.error:  # pragma: no cover - escaped pieces always compile
            return ()
        return tuple(
            i for i in among
            if (self.stages[i].name is not None and regex.fullmatch(self.stages[i].name))
            or (by_index and regex.fullmatch(str(i)))
        )

    def _check_order(self, dependency: int, dependent: int, kind: str, text: str, span: Span) -> None:
        if dependency == dependent:
            self._problem(
                f"circular dependency detected on stage: {self.stages[dependent].label} "
                f"({kind} from itself: {text})", span, "self-reference")
        elif dependency > dependent:
            dep = self.stages[dependency]
            if kind == "mount":
                what = (f"cannot mount from stage {text!r}, stage needs to be defined before "
                        f"current command")
            else:
                what = (f"cannot copy from stage {text!r}, it needs to be defined before current "
                        f"stage {self.stages[dependent].label!r}")
            if kind == "onbuild":
                what += f" (ONBUILD trigger run in stage {self.stages[dependent].label!r})"
            self._problem(f"{what}: stage {dep.label!r} is on line {dep.line}", span,
                          "forward-reference")

    def _check_duplicates(self) -> None:
        seen: dict[str, Stage] = {}
        for st in self.stages:
            if st.name is None:
                continue
            first = seen.get(st.name)
            if first is not None:
                self._problem(
                    f"duplicate stage name {st.name!r} (first defined on line {first.line})",
                    st.name_span or st.from_instruction.keyword_span, "duplicate-name")
            else:
                seen[st.name] = st

    # ------------------------------------------------------------------ targets, reachability

    def _lookup_target(self, target: str | int) -> int | None:
        if isinstance(target, int):
            return target if 0 <= target < len(self.stages) else None
        return self._by_name.get(str(target).lower())

    def _resolve_targets(self, target: str | int | None, extra: Iterable[str | int]) -> None:
        if not self.stages:
            if target not in (None, ""):
                self._problem(f"target stage {target!r} could not be found: the file has no stages",
                              Span(0, 0), "unknown-target")
            return
        last = len(self.stages) - 1
        if target is None or target == "":
            self.target = last
        else:
            found = self._lookup_target(target)
            if found is None:
                names = ", ".join(s.name for s in self.stages if s.name) or "none"
                self._problem(
                    f"target stage {target!r} could not be found (stage names: {names}); "
                    f"using the last stage", Span(0, 0), "unknown-target")
                self.target = last
            else:
                self.target = found
        extras: list[int] = []
        for name in extra:
            found = self._lookup_target(name)
            if found is None:
                self._problem(f"extra target stage {name!r} could not be found", Span(0, 0),
                              "unknown-extra-target")
            elif found not in extras:
                extras.append(found)
        self.extra_targets = tuple(extras)

    def _deps_map(self) -> dict[int, set[int]]:
        deps: dict[int, set[int]] = {s.index: set() for s in self.stages}
        for e in self.edges:
            deps[e.dependent].add(e.dependency)
        return deps

    def _closure(self, roots: Iterable[int], possible: bool = False) -> set[int]:
        deps = self._deps_map()
        if possible:
            for r in self.references:
                if r.candidates:
                    holders = [r.stage] if r.kind != "onbuild" else \
                        [c.index for c in self.stages if c.base_stage == r.stage]
                    for h in holders:
                        deps[h].update(r.candidates)
        seen: set[int] = set()
        todo = list(roots)
        while todo:
            i = todo.pop()
            if i in seen:
                continue
            seen.add(i)
            todo.extend(deps.get(i, ()))
        return seen

    def _reach(self) -> None:
        if self.target is None:
            return
        self.reachable = frozenset(self._closure([self.target]))
        self.possibly_reachable = frozenset(self._closure([self.target], possible=True))
        used = self._closure([self.target, *self.extra_targets], possible=True)
        self.unused = tuple(i for i in range(len(self.stages)) if i not in used)
        chain: list[int] = []
        seen: set[int] = set()
        i: int | None = self.target
        while i is not None and i not in seen:
            chain.append(i)
            seen.add(i)
            i = self.stages[i].base_stage
        self.shipped = tuple(chain)

    def _check_cycles(self) -> None:
        # FROM edges always point back; only a forward copy/mount/onbuild edge can close a cycle.
        forward = [e for e in self.edges if e.dependency > e.dependent]
        if not forward:
            return
        import networkx as nx

        g = self._digraph(self_loops=False)
        for comp in nx.strongly_connected_components(g):
            if len(comp) < 2:
                continue
            members = sorted(comp)
            edge = next(e for e in forward if e.dependent in comp and e.dependency in comp)
            names = " -> ".join(self.stages[i].label for i in members)
            self._problem(f"circular dependency detected between stages: {names}", edge.span,
                          "cycle")

    # ------------------------------------------------------------------ scope

    def scope_at(self, instruction: Instruction) -> dict[str, str]:
        """The variables with a known value just before `instruction` in its stage: the stage's
        ARGs (a bare ``ARG X`` takes the global value, a build arg overrides a default) and
        ENVs, including those inherited from a base stage (FROM <stage>). An ARG does not
        override a name an ENV set (Docker's documented precedence). Values only BuildKit knows
        (base image ENV, automatic platform ARGs) are absent. Outside any stage: the global
        scope."""
        return dict(self.scope_view(instruction))

    def scope_view(self, instruction: Instruction) -> Mapping[str, str]:
        """`scope_at` without the copy: the dict shared with the instructions around, which
        must not be modified (for callers that only read it, thousands of times in a file)."""
        stage = self.stage_of(instruction)
        if stage is None:
            return self.global_scope
        outer = instruction
        while outer.parent is not None:
            outer = outer.parent
        befores = self._stage_befores.get(stage.index)
        if befores is None:
            befores = self._stage_befores[stage.index] = self._befores(stage)
        return befores.get(id(outer), befores[id(stage.from_instruction)])

    def _befores(self, stage: Stage) -> dict[int, dict[str, str]]:
        """The scope just before each instruction of `stage`, by id (computed once per stage;
        instructions that change nothing share the dict of the one before)."""
        scope, env_names = self._base_scope(stage.index, frozenset())
        out: dict[int, dict[str, str]] = {id(stage.from_instruction): scope}
        current = scope
        for ins in stage.instructions[1:]:
            out[id(ins)] = current
            if ins.name in ("ARG", "ENV"):
                current = dict(current)
                self._apply(ins, current, env_names)
        return out

    def _base_scope(self, index: int, seen: frozenset[int]) -> tuple[dict[str, str], set[str]]:
        st = self.stages[index]
        if st.base_stage is None or st.base_stage in seen or st.base_stage >= index:
            return {}, set()
        scope, env_names = self._final_scope(st.base_stage, seen | {index})
        return dict(scope), set(env_names)

    def _final_scope(self, index: int, seen: frozenset[int] = frozenset()) -> tuple[dict[str, str], set[str]]:
        """The scope at the end of stage `index` (cached). Iterative: a ``FROM <stage>`` always
        names an earlier stage, so the chain is walked down to a known scope, then back up (no
        recursion limit on a chain of thousands of stages)."""
        cache = self._scopes
        cached = cache.get(index)
        if cached is not None:
            return cached
        chain = [index]
        base: tuple[dict[str, str], set[str]] | None = None
        i = index
        while True:
            b = self.stages[i].base_stage
            if b is None or b >= i:
                break
            if b in cache:
                base = cache[b]
                break
            chain.append(b)
            i = b
        for j in reversed(chain):
            scope, env_names = ({}, set()) if base is None else (dict(base[0]), set(base[1]))
            for ins in self.stages[j].instructions[1:]:
                self._apply(ins, scope, env_names)
            cache[j] = base = (scope, env_names)
        return cache[index]

    def _apply(self, ins: Instruction, scope: dict[str, str], env_names: set[str]) -> None:
        if ins.name == "ARG":
            for kv in key_value_words(ins.args, "ARG", self.escape):
                key = _expanded(kv.key, scope, self.escape)[0]
                if not key or key in env_names:
                    continue
                if key in self.build_args:
                    scope[key] = self.build_args[key]
                elif kv.value is not None:
                    value, resolved = _expanded(kv.value, scope, self.escape)
                    if resolved:
                        scope[key] = value
                    else:
                        scope.pop(key, None)
                elif key in self.global_scope:
                    scope[key] = self.global_scope[key]
        elif ins.name == "ENV":
            items = key_value_words(ins.args, "ENV", self.escape)
            # every word sees the scope before the instruction (a copy: unless there is one)
            before = dict(scope) if len(items) > 1 else scope
            for kv in items:
                if kv.value is None:
                    continue
                key = _expanded(kv.key, before, self.escape)[0]
                if not key:
                    continue
                env_names.add(key)
                value, resolved = _expanded(kv.value, before, self.escape)
                if resolved:
                    scope[key] = value
                else:
                    scope.pop(key, None)

    # ------------------------------------------------------------------ queries

    def stage(self, name_or_index: str | int) -> Stage | None:
        """The stage with that index, or that name (case-insensitive; the last of duplicates)."""
        if isinstance(name_or_index, int):
            if 0 <= name_or_index < len(self.stages):
                return self.stages[name_or_index]
            return None
        text = str(name_or_index)
        if text.isdigit():
            return self.stage(int(text))
        i = self._by_name.get(text.lower())
        return None if i is None else self.stages[i]

    @property
    def target_stage(self) -> Stage | None:
        return None if self.target is None else self.stages[self.target]

    def stage_of(self, item: Instruction | int) -> Stage | None:
        """The stage holding an instruction (an ONBUILD trigger counts as its ONBUILD), or a file
        offset; None before the first FROM."""
        if isinstance(item, int):
            offset = item
        else:
            while item.parent is not None:
                item = item.parent
            offset = item.span.start
        if not self._starts or offset < self._starts[0]:
            return None
        import bisect

        return self.stages[bisect.bisect_right(self._starts, offset) - 1]

    @property
    def external_references(self) -> tuple[Reference, ...]:
        """References naming an image (FROM image, COPY --from=image, mount from=image)."""
        return tuple(r for r in self.references if r.external)

    @property
    def unresolved_references(self) -> tuple[Reference, ...]:
        return tuple(r for r in self.references if r.resolved is None)

    def dependencies(self, index: int, transitive: bool = False) -> tuple[int, ...]:
        """Stages `index` needs: directly, or all of them (through networkx)."""
        if transitive:
            if not self.edges or index not in range(len(self.stages)):
                return ()
            import networkx as nx

            return tuple(sorted(nx.ancestors(self.nx, index)))
        return tuple(sorted({e.dependency for e in self.edges
                             if e.dependent == index and e.dependency != index}))

    def dependents(self, index: int, transitive: bool = False) -> tuple[int, ...]:
        """Stages that need `index`: directly, or all of them (through networkx)."""
        if transitive:
            if not self.edges or index not in range(len(self.stages)):
                return ()
            import networkx as nx

            return tuple(sorted(nx.descendants(self.nx, index)))
        return tuple(sorted({e.dependent for e in self.edges
                             if e.dependency == index and e.dependent != index}))

    def edges_of(self, index: int) -> tuple[Edge, ...]:
        """The edges whose dependent is `index`."""
        return tuple(e for e in self.edges if e.dependent == index)

    def topological_order(self) -> list[int]:
        """Stage indices, each after the stages it needs; ties in file order. With a cycle
        (BuildKit rejects it) the file order."""
        n = len(self.stages)
        if not any(e.dependency != e.dependent for e in self.edges):
            return list(range(n))
        import networkx as nx

        try:
            return list(nx.lexicographical_topological_sort(self._digraph(self_loops=False)))
        except nx.NetworkXUnfeasible:
            return list(range(n))

    @cached_property
    def nx(self) -> networkx.DiGraph:
        """The graph as a networkx DiGraph: nodes are stage indices (attribute ``stage``), an edge
        dependency → dependent has attribute ``edges`` (the `Edge` list). Imports networkx."""
        return self._digraph(self_loops=True)

    def _digraph(self, self_loops: bool) -> Any:
        import networkx as nx

        g = nx.DiGraph()
        for st in self.stages:
            g.add_node(st.index, stage=st)
        for e in self.edges:
            if e.dependency == e.dependent and not self_loops:
                continue
            if g.has_edge(e.dependency, e.dependent):
                g[e.dependency][e.dependent]["edges"].append(e)
            else:
                g.add_edge(e.dependency, e.dependent, edges=[e])
        return g

    # ------------------------------------------------------------------ helpers

    def _problem(self, message: str, span: Span, kind: str) -> None:
        p = Problem(message, span, kind)
        if p not in self._problem_set:  # a set beside the list: thousands of problems stay linear
            self._problem_set.add(p)
            self.problems.append(p)

    def __repr__(self) -> str:
        return (f"<StageGraph {len(self.stages)} stages, {len(self.edges)} edges, "
                f"target={self.target}>")


def _value_span(flag: Flag) -> Span:
    return flag.value_span if flag.value_span is not None else flag.span


def _expanded(word: str, scope: Mapping[str, str], escape: str) -> tuple[str, bool]:
    """``expand(word, scope, escape)``'s value and whether it resolved; a word without a
    variable, a quote or an escape is its own value (most ARG/ENV words: no lexer for them)."""
    if "$" not in word and "'" not in word and '"' not in word and (escape or "\\") not in word:
        return word, True
    exp = expand(word, scope, escape)
    return exp.value, exp.resolved

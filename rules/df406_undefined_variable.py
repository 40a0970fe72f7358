from __future__ import annotations

from dflint.buildkit_checks import (PLATFORM_ARGS, PROXY_ARGS, flag_value_span, global_args,
                                    image_env_names, key_values, suggest, variable_refs, word_offsets)
from dflint.rule import Context, Rule, Severity, Violation
from dflint.source import Span, TupleRecord, field
from dflint.syntax import Instruction
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterator

#: ARGs BuildKit never puts in the environment (``nonEnvArgs``): never reported.
_NON_ENV = frozenset({"BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"})
#: Instructions whose words BuildKit expands with the stage's variables.
_EXPANDED = frozenset({"ENV", "ARG", "LABEL", "COPY", "ADD", "WORKDIR", "USER", "VOLUME",
                       "STOPSIGNAL", "RUN"})


def _has_dollar(ins: Instruction) -> bool:
    """Whether a ``$`` is anywhere `_uses` looks (the arguments, flag values, heredoc bodies).
    Reads `ins.json` of a COPY/ADD/VOLUME first, as `_uses` does (it raises on a malformed
    array)."""
    if ins.name in ("COPY", "ADD", "VOLUME"):
        ins.json
    return (
        "$" in ins.args
        or any(f.value and "$" in f.value for f in ins.flags)
        or any("$" in d.body for d in ins.heredocs)
    )


class _Scope:
    """What a stage knows at one point: the names with a value (`env`: ENV, ARG with a value,
    the base image's known ENV) and the declared ARGs (`args`, with or without a value).
    `image_known` is False when the base image is one whose ENV dflint does not know."""

    __slots__ = ("env", "args", "image_known", "image")

    def __init__(self, env: set[str] | None = None, args: set[str] | None = None, image_known: bool = True,
                 image: str = "") -> None:
        self.env = set() if env is None else env
        self.args = set() if args is None else args
        self.image_known = image_known
        self.image = image

    def copy(self) -> _Scope:
        return _Scope(set(self.env), set(self.args), self.image_known, self.image)

    def defines(self, name: str) -> bool:
        return name in self.env or name in self.args or name in _NON_ENV


class _Use(TupleRecord):
    __slots__ = ()
    _fields = ("name", "span")

    def __new__(cls, name: str, span: Span) -> _Use:
        return tuple.__new__(cls, (name, span))

    name: str = field(0)  # type: ignore[assignment]
    span: Span = field(1)  # type: ignore[assignment]


class UndefinedVariable(Rule):
    """A variable used in an instruction before any `ARG` or `ENV` of its stage defines it.

    As BuildKit's `UndefinedVar` check does, for the instructions BuildKit expands itself
    (`ENV`, `ARG` defaults, `LABEL`, `COPY`/`ADD` sources, destination, `--chown`, `--checksum`
    and unquoted here-documents, `WORKDIR`, `USER`, `VOLUME`, `STOPSIGNAL`, `RUN --mount`):
    a variable is defined by an earlier `ENV` or `ARG` of the stage (an `ARG` without a value
    counts), by the stage it builds on (`FROM <stage>`), or by the base image's ENV. Variables in
    shell-form `RUN`, `CMD` and `ENTRYPOINT` are the shell's business and are not checked; `FROM`
    is `undefined-arg-in-from`'s. Variable flow follows BuildKit: a global ARG (before the first
    `FROM`) and the predefined ARGs (`TARGETPLATFORM`, `BUILDPLATFORM`, `TARGETOS`, `TARGETARCH`…,
    and the proxy variables `HTTP_PROXY`, `NO_PROXY`…) are only visible in a stage after a bare
    `ARG NAME` there; `${NAME:-default}` still needs `NAME` declared; all the pairs of one `ENV`
    see the variables from before it. Each finding suggests a close defined name when there is
    one (`$PAHT` → `$PATH`).

    BuildKit knows the base image's ENV; dflint knows it for `scratch` (only `PATH`), for stages
    built on stages of the file, and for well-known official images (`python`, `node`, `golang`,
    `eclipse-temurin`, `nginx`, the OS images…). On another base image a name the image may set
    is only reported when it looks like a typo of a defined one.

    ## Why is this bad?
    An undefined variable expands to nothing: `COPY $APP_DIR/dist /srv` copies `/dist`, and
    `ENV PATH=$PAHT:/app/bin` throws the old `PATH` away. The build goes on with the wrong value.

    ## Example
    ```dockerfile
    FROM alpine:3.20 AS base
    COPY $foo .
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS base
    ARG foo
    COPY $foo .
    ```

    ## References
    - [BuildKit check UndefinedVar](https://docs.docker.com/reference/build-checks/undefined-var/)
    - [Scope of ARG](https://docs.docker.com/reference/dockerfile/#scope)
    """

    code = "DF406"
    name = "undefined-variable"
    severity = Severity.WARNING
    aliases = ("UndefinedVar",)

    def check(self, ctx: Context) -> Iterator[Violation]:
        graph = ctx.graph
        escape = ctx.dockerfile.escape or "\\"
        globals_ = {a.key for a in global_args(ctx.dockerfile)}
        finals: dict[int, _Scope] = {}
        declared: list[dict[str, list[tuple[int, Instruction]]]] = []

        def declared_in() -> dict[str, list[tuple[int, Instruction]]]:
            """Where each name is declared (for the messages; worked out on the first finding)."""
            if not declared:
                out: dict[str, list[tuple[int, Instruction]]] = {}
                for stage in graph.stages:
                    for ins in stage.instructions:
                        for name in self._defined_names(ins, escape):
                            out.setdefault(name, []).append((stage.index, ins))
                declared.append(out)
            return declared[0]

        for stage in graph.stages:
            if stage.base_stage is not None and stage.base_stage in finals:
                scope = finals[stage.base_stage].copy()
            else:
                scope = self._image_scope(stage.base_resolved, stage.is_scratch)
            for ins in stage.instructions[1:]:
                if ins.name not in _EXPANDED:
                    continue
                if not _has_dollar(ins):  # no variable is used: only the scope changes
                    self._apply(ctx, ins, scope, escape)
                    continue
                reported: set[str] = set()
                for use in self._uses(ctx, ins, scope, escape):
                    if scope.defines(use.name) or use.name in reported:
                        continue
                    reported.add(use.name)
                    options = sorted(scope.env | scope.args)
                    match = suggest(use.name, options)
                    if not scope.image_known and match is None:
                        continue  # the base image may well set it
                    yield Violation(use.span, self._message(use.name, match, scope, stage.index, ins,
                                                            globals_, declared_in()))
                self._apply(ctx, ins, scope, escape)
            finals[stage.index] = scope

    # -- the scope ---------------------------------------------------------------------------

    @staticmethod
    def _image_scope(image: str | None, scratch: bool) -> _Scope:
        if scratch:
            return _Scope({"PATH"}, set(), True, "scratch")
        names = image_env_names(image) if image else None
        if names is None:
            return _Scope({"PATH"}, set(), False, image or "")
        return _Scope(set(names), set(), True, image or "")

    @staticmethod
    def _defined_names(ins: Instruction, escape: str) -> list[str]:
        if ins.name not in ("ARG", "ENV"):
            return []
        return [kv.key for kv in key_values(ins.args, ins.name, escape)
                if kv.key and kv.error is None and "$" not in kv.key]

    def _apply(self, ctx: Context, ins: Instruction, scope: _Scope, escape: str) -> None:
        if ins.name == "ENV":
            for kv in key_values(ins.args, "ENV", escape):
                if kv.error is not None or not kv.key:
                    continue
                key = kv.key
                if "$" in key or escape in key or "'" in key or '"' in key:
                    exp = expand(key, ctx.graph.scope_at(ins), escape)
                    if not exp.resolved:
                        continue
                    key = exp.value
                scope.env.add(key)
        elif ins.name == "ARG":
            for kv in key_values(ins.args, "ARG", escape):
                if kv.key:
                    scope.args.add(kv.key)
                    scope.env.add(kv.key)

    # -- where variables are used --------------------------------------------------------------

    def _uses(self, ctx: Context, ins: Instruction, scope: _Scope, escape: str) -> Iterator[_Use]:
        def scan(text: str, span_of: Callable[[int, int], Span], quotes: bool = True,
                 esc: str = escape) -> Iterator[_Use]:
            if "$" not in text:
                return
            for ref in variable_refs(text, esc, quotes):
                yield _Use(ref.name, span_of(ref.start, ref.end))

        def in_args(base: int) -> Callable[[int, int], Span]:
            return lambda s, e: ins.args_subspan(base + s, base + e)

        name = ins.name
        if name in ("ENV", "LABEL"):
            for kv in key_values(ins.args, name, escape):
                yield from scan(kv.key, in_args(kv.start))
                if kv.value is not None:
                    yield from scan(kv.value, in_args(kv.end - len(kv.value)))
        elif name == "ARG":
            # each ARG of the line sees the ones before it; a build argument's value is not expanded
            seen = scope.copy()
            for kv in key_values(ins.args, "ARG", escape):
                if kv.value is not None and kv.key not in ctx.build_args:
                    for use in scan(kv.value, in_args(kv.end - len(kv.value))):
                        if not seen.defines(use.name):
                            yield use
                if kv.key:
                    seen.args.add(kv.key)
        elif name in ("COPY", "ADD"):
            for flag in ins.flags:
                if flag.name in ("chown", "checksum") and flag.value:
                    yield from scan(flag.value, lambda s, e, f=flag: flag_value_span(f, s, e))
            if ins.json is not None:
                yield from scan(ins.args, in_args(0))
            else:
                for word, start, _ in word_offsets(ins):
                    if word.startswith("<<") or word[:1].isdigit() and "<<" in word:
                        continue  # a here-document marker
                    yield from scan(word, in_args(start))
                for doc in ins.heredocs:
                    if doc.expand:
                        body = doc.body_span.start
                        yield from scan(doc.body, lambda s, e, b=body: Span(b + s, b + e), quotes=False,
                                        esc="\\")
        elif name == "RUN":
            for flag in ins.flags:
                if flag.name == "mount" and flag.value:
                    yield from scan(flag.value, lambda s, e, f=flag: flag_value_span(f, s, e))
        elif name == "VOLUME" and ins.json is None:
            for word, start, _ in word_offsets(ins):
                yield from scan(word, in_args(start))
        else:  # WORKDIR, USER, STOPSIGNAL, VOLUME […]: one word
            yield from scan(ins.args, in_args(0))

    # -- the message ---------------------------------------------------------------------------

    @staticmethod
    def _message(name: str, match: str | None, scope: _Scope, stage: int, ins: Instruction,
                 globals_: set[str], declared_in: dict[str, list[tuple[int, Instruction]]]) -> str:
        message = f"Usage of undefined variable '${name}'"
        if match:
            return message + f" (did you mean ${match}?)"
        if name in PLATFORM_ARGS:
            return (message + f": BuildKit's predefined ARGs are only visible in a stage that "
                    f"declares them; add `ARG {name}` to this stage")
        if name in PROXY_ARGS:
            return (message + f": the proxy build argument is only visible in a stage that declares "
                    f"it; add `ARG {name}` to this stage")
        if name in globals_:
            return (message + f": the global ARG {name} is not visible inside a stage until it is "
                    f"declared there; add `ARG {name}` to this stage")
        if any(i is ins for _, i in declared_in.get(name, [])):
            return message + f": {name} has no value before this {ins.name}, so it expands to nothing"
        later = [i for s, i in declared_in.get(name, []) if s == stage and i.line > ins.line]
        if later:
            return message + f": it is only set later in this stage (line {later[0].line})"
        if declared_in.get(name):
            return (message + ": it is set in another stage; ARG and ENV only carry over to a stage "
                    "built FROM that stage")
        return message + ": declare it with ARG or ENV before this line"

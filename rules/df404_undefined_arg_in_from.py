from __future__ import annotations

from dflint.buildkit_checks import (PLATFORM_ARGS, flag_value_span, global_args, key_values, suggest,
                                    variable_refs, word_offsets)
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class UndefinedArgInFrom(Rule):
    """A `FROM` uses a variable that no global `ARG` declares.

    As BuildKit's `UndefinedArgInFrom` check does: `FROM` (its image and its `--platform`) can
    only use the ARGs declared before the first `FROM` and BuildKit's predefined platform ARGs
    (`BUILDPLATFORM`, `TARGETPLATFORM`, `TARGETOS`, `TARGETARCH`, …). Any other variable is
    reported, with a did-you-mean suggestion when a declared name is close; a variable used only
    as `${NAME:-default}` too, since `--build-arg NAME=…` cannot reach it either.

    ## Why is this bad?
    An undeclared variable is always empty in `FROM`: `FROM node:${NODE_VERSON}` pulls `node:`,
    which fails, and `FROM ${REGISTRY}/app` pulls `/app`. An `ARG` declared inside a stage does not
    help: `FROM` only sees the global ones.

    ## Example
    ```dockerfile
    ARG NODE_VERSION=20
    FROM node:${NODE_VERSON}-slim
    ```

    ## Use instead
    ```dockerfile
    ARG NODE_VERSION=20
    FROM node:${NODE_VERSION}-slim
    ```

    ## References
    - [BuildKit check UndefinedArgInFrom](https://docs.docker.com/reference/build-checks/undefined-arg-in-from/)
    - [How ARG and FROM interact](https://docs.docker.com/reference/dockerfile/#understand-how-arg-and-from-interact)
    """

    code = "DF404"
    name = "undefined-arg-in-from"
    severity = Severity.WARNING
    aliases = ("UndefinedArgInFrom",)

    def check(self, ctx: Context) -> Iterator[Violation]:
        dockerfile = ctx.dockerfile
        escape = dockerfile.escape or "\\"
        declared = [a.key for a in global_args(dockerfile)]
        known = set(declared) | PLATFORM_ARGS
        options = [*declared, *sorted(PLATFORM_ARGS)]
        stage_args = self._stage_args(ctx)
        for ins in dockerfile.instructions:
            if ins.name != "FROM":
                continue
            words = word_offsets(ins)
            places = []
            if words:
                value, start, _ = words[0]
                places.append((value, lambda s, e, b=start: ins.args_subspan(b + s, b + e)))
            flag = ins.flag("platform")
            if flag is not None and flag.value:
                places.append((flag.value, lambda s, e, f=flag: flag_value_span(f, s, e)))
            for text, span_of in places:
                reported: set[str] = set()
                for ref in variable_refs(text, escape):
                    if ref.name in known or ref.name in reported:
                        continue
                    reported.add(ref.name)
                    yield Violation(span_of(ref.start, ref.end),
                                    self._message(ref.name, options, stage_args))

    @staticmethod
    def _stage_args(ctx: Context) -> set[str]:
        escape = ctx.dockerfile.escape or "\\"
        names: set[str] = set()
        seen_from = False
        for ins in ctx.dockerfile.instructions:
            seen_from = seen_from or ins.name == "FROM"
            if seen_from and ins.name == "ARG":
                names.update(kv.key for kv in key_values(ins.args, "ARG", escape))
        return names

    @staticmethod
    def _message(name: str, options: list[str], stage_args: set[str]) -> str:
        message = f"FROM argument '{name}' is not declared"
        match = suggest(name, options)
        if match:
            return message + f" (did you mean {match}?)"
        if name in stage_args:
            return (message + f": `ARG {name}` inside a stage does not reach FROM; declare it "
                    "before the first FROM")
        return message + f": declare it with `ARG {name}=…` before the first FROM, or it is empty"

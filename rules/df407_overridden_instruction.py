from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_ONCE = ("CMD", "ENTRYPOINT", "HEALTHCHECK")


class OverriddenInstruction(Rule):
    """A `CMD`, `ENTRYPOINT` or `HEALTHCHECK` overridden by a later one in its stage.

    As BuildKit's `MultipleInstructionsDisallowed` check does: within one stage, each `CMD`,
    `ENTRYPOINT` and `HEALTHCHECK` followed by another of the same kind is reported, since only
    the last one takes effect. The finding is at the earlier instruction, the one that is
    ignored. The `CMD` of a `HEALTHCHECK` and `ONBUILD` triggers do not count, and a stage built
    `FROM <stage>` starts afresh.

    ## Why is this bad?
    The earlier instruction is dead code that reads as if it were what the container runs (or how
    its health is checked); deleting the later one one day silently brings it back.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    CMD echo "Hello, Norway!"
    CMD echo "Hello, Sweden!"
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    CMD echo "Hello, Norway!"; echo "Hello, Sweden!"
    ```

    ## Differences from hadolint
    hadolint's DL4003 (`CMD`), DL4004 (`ENTRYPOINT`) and DL3012 (`HEALTHCHECK`) report the later
    instructions; BuildKit, and this rule, report the earlier one, which is the one ignored.

    ## References
    - [BuildKit check MultipleInstructionsDisallowed](https://docs.docker.com/reference/build-checks/multiple-instructions-disallowed/)
    """

    code = "DF407"
    name = "overridden-instruction"
    severity = Severity.WARNING
    aliases = ("MultipleInstructionsDisallowed",)

    def check(self, ctx: Context) -> Iterator[Violation]:
        for stage in ctx.graph.stages:
            last = {}
            for ins in stage.instructions[1:]:
                if ins.name not in _ONCE:
                    continue
                earlier = last.get(ins.name)
                if earlier is not None:
                    yield Violation(
                        earlier.keyword_span,
                        f"Multiple {ins.name} instructions should not be used in the same stage "
                        f"because only the last one will be used: this {ins.name} is overridden by "
                        f"the one on line {ins.line}; remove one of them",
                    )
                last[ins.name] = ins

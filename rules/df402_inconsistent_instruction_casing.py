from __future__ import annotations

from dflint.fix import Edit, Fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


def _casing(word: str) -> str | None:
    """"lower", "upper", or None for a mixed-case word."""
    if word == word.lower():
        return "lower"
    if word == word.upper():
        return "upper"
    return None


class InconsistentInstructionCasing(Rule):
    """An instruction keyword is not written in the casing most of the file uses.

    As BuildKit's `ConsistentInstructionCasing` check does: the keywords of the instructions from
    the first `FROM` on are counted as lowercase or uppercase (a mixed-case keyword such as `Run`
    counts for neither), the majority wins (a tie is uppercase), and every keyword that is not
    in the majority casing is reported: a mixed-case one always. ARGs before the first `FROM`
    and the instruction inside an `ONBUILD` are neither counted nor checked, as in BuildKit.

    ## Why is this bad?
    Keywords are case-insensitive, so the build does not care, but a file that mixes `RUN`,
    `run` and `Run` is harder to scan, and `EntryPoint` reads like a typo.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    Run echo hello > /greeting.txt
    entrypoint ["cat", "/greeting.txt"]
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN echo hello > /greeting.txt
    ENTRYPOINT ["cat", "/greeting.txt"]
    ```

    ## Fix safety
    Safe: the fix rewrites the keyword in the majority casing, which BuildKit reads the same way.

    ## References
    - [BuildKit check ConsistentInstructionCasing](https://docs.docker.com/reference/build-checks/consistent-instruction-casing/)
    """

    code = "DF402"
    name = "inconsistent-instruction-casing"
    severity = Severity.STYLE
    aliases = ("ConsistentInstructionCasing",)
    fixable = Fixable.ALWAYS

    def check(self, ctx: Context) -> Iterator[Violation]:
        instructions = list(ctx.dockerfile.instructions)
        first = next((i for i, ins in enumerate(instructions) if ins.name == "FROM"), None)
        if first is None:
            return
        checked = instructions[first:]
        lower = sum(1 for ins in checked if _casing(ins.keyword) == "lower")
        upper = sum(1 for ins in checked if _casing(ins.keyword) == "upper")
        majority = "lower" if lower > upper else "upper"
        for ins in checked:
            if _casing(ins.keyword) == majority:
                continue
            wanted = ins.keyword.lower() if majority == "lower" else ins.keyword.upper()
            what = "lowercase" if majority == "lower" else "uppercase"
            yield Violation(
                ins.keyword_span,
                f"Command '{ins.keyword}' should match the case of the command majority ({what}): "
                f"write '{wanted}'",
                Fix.safe(f"Write '{wanted}'", Edit(ins.keyword_span.start, ins.keyword_span.end, wanted)),
            )

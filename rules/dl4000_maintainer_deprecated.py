from __future__ import annotations

from dflint.buildkit_checks import key_values
from dflint.fix import Edit, Fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


def double_quoted(value: str, escape: str = "\\") -> str:
    """`value` as a double-quoted Dockerfile word: BuildKit's lexer unescapes ``"``, ``$`` and the
    escape character inside double quotes, and keeps every other character as is."""
    out = ['"']
    for ch in value:
        if ch in ('"', "$", escape):
            out.append(escape)
        out.append(ch)
    out.append('"')
    return "".join(out)


class MaintainerDeprecated(Rule):
    """`MAINTAINER` is deprecated.

    `MAINTAINER` only sets the image's legacy `Author` field. A label does the job in a way every
    tool reads (`docker inspect`, registries, OCI annotations).

    ## Why is this bad?
    The instruction is deprecated since Docker 1.13, BuildKit warns about it
    (`MaintainerDeprecated`), and tools that show image metadata read labels, not `Author`.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    MAINTAINER Jane Doe <jane@example.com>
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    LABEL maintainer="Jane Doe <jane@example.com>"
    ```

    ## Fix safety
    Safe: the instruction is replaced by `LABEL maintainer="…"` with the same text, quoted so the
    label holds exactly what `MAINTAINER` said (`"`, `$` and the escape character are escaped).
    The image's legacy `Author` field is no longer set; nothing reads it besides
    `docker inspect`. When the stage already set a `maintainer` label before this line, the
    new label would replace it, so the fix is unsafe. A `MAINTAINER` whose continuation lines
    hold comments is not fixed.

    ## References
    - [hadolint DL4000](https://github.com/hadolint/hadolint/wiki/DL4000)
    - [BuildKit check MaintainerDeprecated](https://docs.docker.com/reference/build-checks/maintainer-deprecated/)
    """

    code = "DL4000"
    name = "maintainer-deprecated"
    severity = Severity.ERROR
    aliases = ("MaintainerDeprecated",)
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        for ins in ctx.dockerfile.instructions:
            if ins.name != "MAINTAINER":
                continue
            yield Violation(
                ins.keyword_span,
                "MAINTAINER is deprecated; use "
                + (f"LABEL maintainer={double_quoted(ins.args, ctx.dockerfile.escape)}"
                   if ins.args else "LABEL maintainer=\"…\"")
                + " instead",
                self._fix(ctx, ins),
            )

    def _fix(self, ctx: Context, ins: Instruction) -> Fix | None:
        if not ins.args or ins.comments:
            return None
        escape = ctx.dockerfile.escape
        keyword = "label" if ins.keyword.islower() else "LABEL"
        text = f"{keyword} maintainer={double_quoted(ins.args, escape)}"
        edit = Edit(ins.keyword_span.start, ins.args_span.end, text)
        title = "Replace MAINTAINER with LABEL maintainer=…"
        if self._label_before(ctx, ins):
            return Fix.unsafe(title, edit)
        return Fix.safe(title, edit)

    @staticmethod
    def _label_before(ctx: Context, ins: Instruction) -> bool:
        stage = ctx.graph.stage_of(ins)
        instructions = stage.instructions if stage is not None else ctx.dockerfile.instructions
        escape = ctx.dockerfile.escape
        for other in instructions:
            if other is ins:
                return False
            if other.name == "LABEL" and any(
                kv.key.strip("\"'").lower() == "maintainer"
                for kv in key_values(other.args, "LABEL", escape)
            ):
                return True
        return False

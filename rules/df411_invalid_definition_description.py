from __future__ import annotations

import re

from dflint.buildkit_checks import key_values
from dflint.fix import Edit, Fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.source import LazyPattern
from dflint.syntax import Blank, Comment, Directive, Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_PRAGMA = LazyPattern(r"\s*(?:hadolint\b|dflint\s*:|check\s*=)", re.IGNORECASE)


class InvalidDefinitionDescription(Rule):
    """A comment right above a named `FROM` or an `ARG` that does not start with its name.

    As BuildKit's experimental `InvalidDefinitionDescription` check does: the comment lines
    directly above a `FROM … AS name` or an `ARG` (no empty line or empty `#` line between) are
    its description for `docker build --call=outline` and `--call=targets`, and the last of them
    must start with the stage name or one of the ARG's names (`# VERSION the version to build`).
    Off by default, as in BuildKit (where `# check=experimental=InvalidDefinitionDescription`
    turns it on); select it with `--select DF411` or `extend-select`.

    ## Why is this bad?
    `docker build --call=outline` shows the comment as the description of the stage or build
    argument, so an unrelated note ("# install deps first") becomes misleading documentation.

    ## Example
    ```dockerfile
    # a non-descriptive comment
    FROM scratch AS base
    # another non-descriptive comment
    ARG VERSION=1
    ```

    ## Use instead
    ```dockerfile
    # base is a stage for compiling source
    FROM scratch AS base
    # VERSION This is the version number.
    ARG VERSION=1
    ```

    ## Fix safety
    Safe: the fix inserts an empty line between the comment and the instruction, so the comment
    is no longer a description; the build is unchanged. A `hadolint`, `dflint` or `check` pragma
    gets no fix (hadolint only reads its pragma on the line right above the instruction).

    ## References
    - [BuildKit check InvalidDefinitionDescription](https://docs.docker.com/reference/build-checks/invalid-definition-description/)
    - [Build descriptions](https://docs.docker.com/reference/cli/docker/buildx/build/#descriptions)
    """

    code = "DF411"
    name = "invalid-definition-description"
    severity = Severity.STYLE
    aliases = ("InvalidDefinitionDescription",)
    enabled_by_default = False
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        escape = ctx.dockerfile.escape or "\\"
        comments: list[str] = []
        for node in ctx.dockerfile.nodes:
            if isinstance(node, (Comment, Directive)):
                text = node.text if isinstance(node, Comment) else ctx.dockerfile.text[
                    node.span.start:node.span.end].strip().lstrip("#").strip()
                comments = [*comments, text] if text else []
                continue
            if isinstance(node, Blank):
                comments = []
                continue
            if not isinstance(node, Instruction):
                continue
            last, comments = (comments[-1] if comments else None), []
            if last is None:
                continue
            keys = self._keys(node, escape)
            if not keys or last.split(" ")[0] in keys:
                continue
            what = "FROM" if node.name == "FROM" else "ARG"
            example = keys[0] if len(keys) == 1 else "<arg_key>"
            fix = None
            if not _PRAGMA.match(last):
                fix = Fix.safe("Separate the comment with an empty line",
                               Edit.insert(node.span.start, ctx.source.newline))
            yield Violation(
                node.keyword_span,
                f"Comment for {what} should follow the format: `# {example} <description>`; if it "
                "is not meant as a description, put an empty line between it and the instruction",
                fix,
            )

    @staticmethod
    def _keys(ins: Instruction, escape: str) -> list[str]:
        if ins.name == "FROM":
            words = ins.words
            if len(words) == 3 and words[1].value.lower() == "as":
                return [words[2].value.lower()]
            return []
        if ins.name == "ARG":
            return [kv.key for kv in key_values(ins.args, "ARG", escape) if kv.key]
        return []

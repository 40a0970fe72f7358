from __future__ import annotations

from dflint.fix import Edit, Fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class FromAsCasing(Rule):
    """The `AS` keyword of a `FROM` is not in the same case as `FROM`.

    As in BuildKit, a `FROM` keyword in mixed case (`From`) is left to the instruction-casing
    check, and only `FROM … AS name` lines are looked at.

    ## Why is this bad?
    Keywords in one case are easier to tell apart from image and stage names: in
    `FROM debian:bookworm as builder` the `as` reads like part of the arguments.

    ## Example
    ```dockerfile
    FROM debian:bookworm as builder
    RUN apt-get update
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm AS builder
    RUN apt-get update
    ```

    ## Fix safety
    Safe: the keyword's case means nothing to BuildKit.

    ## References
    - [BuildKit check FromAsCasing](https://docs.docker.com/reference/build-checks/from-as-casing/)
    """

    code = "DF401"
    name = "from-as-casing"
    severity = Severity.WARNING
    aliases = ("FromAsCasing",)
    fixable = Fixable.ALWAYS

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction in ctx.dockerfile.instructions:
            if instruction.name != "FROM":
                continue
            words = instruction.words
            if len(words) < 3 or words[1].value.lower() != "as":
                continue
            keyword, as_word = instruction.keyword, words[1]
            if keyword == keyword.lower():
                wanted = "as"
            elif keyword == keyword.upper():
                wanted = "AS"
            else:
                continue
            if as_word.value == wanted:
                continue
            yield Violation(
                as_word.span,
                f"'{as_word.value}' and '{keyword}' keywords' casing do not match: write "
                f"'{keyword} … {wanted} {words[2].value}'",
                Fix.safe(f"Write '{wanted}'", Edit(as_word.span.start, as_word.span.end, wanted)),
            )

from __future__ import annotations

from dflint.fix import Edit, Fix
from dflint.registry import is_shellcheck_selector
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class UnusedPragma(Rule):
    """An ignore pragma that suppresses nothing.

    `# dflint: ignore=…`, `# hadolint ignore=…` and `# check=skip=…` comments are checked after
    every finding went through them: a code that was ignored but not reported there (by a rule
    selected in this run) is dead weight. Codes of rules that are not selected in the run are
    not judged; ShellCheck codes are judged only when ShellCheck ran. The `# check=` parser
    directive at the top of the file is left alone, since `docker build` reads it too.

    ## Why is this bad?
    A stale pragma hides the next real problem of that kind at that place, and tells readers
    about a problem that is gone. Baselines made with `--add-ignore` rot this way.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    # dflint: ignore=DF002
    RUN apt-get update
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update
    ```

    ## Fix safety
    Safe: removing a name that suppresses nothing changes no finding; the comment line goes
    when none of its names is used.
    """

    code = "DF900"
    name = "unused-pragma"
    severity = Severity.INFO
    late = True
    fixable = Fixable.ALWAYS

    def check(self, ctx: Context) -> Iterator[Violation]:
        suppressions = ctx.suppressions
        if suppressions is None:
            return
        registry = suppressions.registry
        text = ctx.dockerfile.text
        for entry in suppressions.unused_entries():
            if is_shellcheck_selector(entry.text):
                if ctx.phase != "shellcheck" or ctx.shellcheck is None:
                    continue  # ShellCheck has not run (yet): cannot tell
                if len(entry.text) > 2 and not ctx.shellcheck(entry.text.upper()):
                    continue
            else:
                if ctx.phase != "rules":
                    continue
                if not any(registry.covers(entry.text, code) for code in ctx.selected if code != self.code):
                    if not (entry.tool.startswith("check") and entry.text.lower() == "all"):
                        continue  # its rule is not selected in this run
            start, end = suppressions.removal(entry, text)
            yield Violation(
                entry.span,
                f"`{entry.text}` is ignored here but nothing reported it; remove it from the pragma",
                Fix.safe(f"Remove `{entry.text}` from the pragma", Edit.delete(start, end)),
            )

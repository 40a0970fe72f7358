from __future__ import annotations

import re

from dflint.rule import Context, Rule, Severity, Violation
from dflint.source import LazyPattern, Span
from dflint.syntax import Comment

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_PRAGMA = LazyPattern(
    r"[ \t]*#[ \t]*(?P<pragma>(?:hadolint[ \t]+|dflint[ \t]*:[ \t]*)ignore[ \t]*=[^\r\n]*?)[ \t]*(?:\r?\n)?\Z",
    re.IGNORECASE,
)


class InlineIgnorePragma(Rule):
    """An inline ignore pragma (`# hadolint ignore=…`, `# dflint: ignore=…`).

    Off by default (as in hadolint): select it (`extend-select = ["DL1001"]`) in projects that
    want every exception in the config file, where it is reviewed once, rather than scattered
    over Dockerfiles. Only pragmas that switch rules off for the next instruction are reported;
    file-wide ones (`# hadolint global ignore=…`) and stage-wide ones are not.

    ## Why is this bad?
    Inline pragmas hide findings where reviewers rarely look, and outlive the reason they were
    added.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    # hadolint ignore=DL3008
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
    ```

    ## Differences from hadolint
    dflint's own `# dflint: ignore=…` is reported too, and the pragma is matched the way dflint
    reads it (case-insensitive, rule names and prefixes allowed), so every inline pragma that
    switches something off is reported. The finding points at the pragma.

    ## References
    - [hadolint DL1001](https://github.com/hadolint/hadolint/wiki/DL1001)
    - [hadolint: inline ignores](https://github.com/hadolint/hadolint#inline-ignores)
    """

    code = "DL1001"
    name = "inline-ignore-pragma"
    severity = Severity.INFO
    enabled_by_default = False

    def check(self, ctx: Context) -> Iterator[Violation]:
        text = ctx.source.text
        for node in ctx.dockerfile.nodes:
            if not isinstance(node, Comment):
                continue
            m = _PRAGMA.match(text, node.span.start, node.span.end)
            if m is None:
                continue
            yield Violation(
                Span(m.start("pragma"), m.end("pragma")),
                f"Please refrain from using inline ignore pragmas (`{m['pragma']}`); list the "
                "exception in the configuration file instead",
            )

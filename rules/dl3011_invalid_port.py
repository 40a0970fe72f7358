from __future__ import annotations

import re

from dflint.rule import Context, Rule, Severity, Violation
from dflint.source import LazyPattern, Span
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_PORT = LazyPattern(r"(?P<low>[0-9]+)(?:-(?P<high>[0-9]+))?(?:/(?P<proto>[A-Za-z]+))?\Z")
MAX_PORT = 65535


class InvalidPort(Rule):
    """`EXPOSE` with a port number outside 0–65535.

    Each port of `EXPOSE` is checked: single ports (`8080`), ranges (`8000-8010`) and both with a
    protocol (`53/udp`). Ports given through variables are resolved from the stage's `ARG`/`ENV`
    first; one that cannot be resolved is not reported.

    ## Why is this bad?
    A TCP or UDP port is a 16-bit number: `docker build` refuses the instruction ("invalid
    containerPort" / "invalid range"), or the port is a typo for another one.

    ## Example
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 80 443 80800
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 80 443 8080
    ```

    ## Differences from hadolint
    Each out-of-range port is reported at its own word (hadolint: once per instruction, column
    1), and ports in variables are resolved (hadolint fails to parse `EXPOSE ${PORT:-80}`).

    ## References
    - [hadolint DL3011](https://github.com/hadolint/hadolint/wiki/DL3011)
    - [Dockerfile reference: EXPOSE](https://docs.docker.com/reference/dockerfile/#expose)
    """

    code = "DL3011"
    name = "invalid-port"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Violation]:
        escape = ctx.dockerfile.escape
        for ins in ctx.dockerfile.instructions:
            if ins.name != "EXPOSE":
                continue
            scope = None
            for word in ins.words:
                text = word.value
                if "$" in text or '"' in text or "'" in text:
                    scope = ctx.graph.scope_at(ins) if scope is None else scope
                    exp = expand(text, scope, escape)
                    if not exp.resolved:
                        continue
                    values = exp.value.split()
                else:
                    values = [text]
                for value in values:
                    yield from self._check_port(value, word.value, word.span)

    def _check_port(self, value: str, written: str, span: Span) -> Iterator[Violation]:
        if value.isascii() and value.isdigit() and int(value) <= MAX_PORT:
            return  # the common case (`8080`), answered without compiling the pattern
        m = _PORT.match(value)
        if not m:
            return
        bad = [p for p in (m["low"], m["high"]) if p is not None and int(p) > MAX_PORT]
        if not bad:
            return
        shown = f"`{written}`" if written == value else f"`{written}` (`{value}`)"
        yield Violation(
            span,
            f"Valid ports range from 0 to {MAX_PORT}: {shown} is out of range; "
            f"use a port number up to {MAX_PORT}",
        )

from __future__ import annotations

from dflint.buildkit_checks import expose_words, split_port_spec
from dflint.fix import Edit, Fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class ExposeProtocolCasing(Rule):
    """An `EXPOSE` protocol written in uppercase, such as `80/TCP`.

    As BuildKit's `ExposeProtoCasing` check does: each port of an `EXPOSE` whose protocol
    (`tcp`, `udp` or `sctp`) is not all lowercase is reported. Ports written with variables are
    expanded with the stage's ARG and ENV values first.

    ## Why is this bad?
    The protocol is case-insensitive and BuildKit lowercases it, so `80/TCP` and `80/tcp` mean
    the same; mixing the two reads as if they were different ports.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    EXPOSE 80/TcP 53/UDP
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    EXPOSE 80/tcp 53/udp
    ```

    ## Fix safety
    Safe: the fix lowercases the protocol, which is what BuildKit stores in the image. A protocol
    that comes from a variable gets no fix.

    ## References
    - [BuildKit check ExposeProtoCasing](https://docs.docker.com/reference/build-checks/expose-proto-casing/)
    """

    code = "DF412"
    name = "expose-protocol-casing"
    severity = Severity.STYLE
    aliases = ("ExposeProtoCasing",)
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        for word in expose_words(ctx):
            ins = word.instruction
            for spec in word.specs:
                _, _, container = split_port_spec(spec)
                port, slash, proto = container.partition("/")
                if not slash or not port or proto == proto.lower():
                    continue
                if proto.lower() not in ("tcp", "udp", "sctp"):
                    continue  # BuildKit rejects it: "invalid proto"
                fix = None
                span = ins.args_subspan(word.start, word.end)
                if word.literal:
                    at = word.start + len(word.raw) - len(proto)
                    span = ins.args_subspan(at, word.end)
                    fix = Fix.safe(f"Write '{proto.lower()}'", Edit(span.start, span.end, proto.lower()))
                yield Violation(
                    span,
                    f"Defined protocol '{spec}' in EXPOSE instruction should be lowercase: write "
                    f"'{spec[: len(spec) - len(proto)]}{proto.lower()}'",
                    fix,
                )

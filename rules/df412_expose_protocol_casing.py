from __future__ import annotations

from typing import Iterator

from dflint.buildkit_checks import split_port_spec, word_offsets
from dflint.fix import Edit, Fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.words import expand


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
        escape = ctx.dockerfile.escape or "\\"
        for ins in ctx.dockerfile.instructions:
            if ins.name != "EXPOSE":
                continue
            for raw, start, end in word_offsets(ins):
                literal = "$" not in raw and escape not in raw and "'" not in raw and '"' not in raw
                if literal:
                    specs = [raw]
                else:
                    exp = expand(raw, ctx.graph.scope_at(ins), escape)
                    if not exp.resolved:
                        continue
                    specs = exp.value.split()
                for spec in specs:
                    _, _, container = split_port_spec(spec)
                    port, slash, proto = container.partition("/")
                    if not slash or not port or proto == proto.lower():
                        continue
                    if proto.lower() not in ("tcp", "udp", "sctp"):
                        continue  # BuildKit rejects it: "invalid proto"
                    fix = None
                    span = ins.args_subspan(start, end)
                    if literal:
                        at = start + len(raw) - len(proto)
                        span = ins.args_subspan(at, end)
                        fix = Fix.safe(f"Write '{proto.lower()}'", Edit(span.start, span.end, proto.lower()))
                    yield Violation(
                        span,
                        f"Defined protocol '{spec}' in EXPOSE instruction should be lowercase: write "
                        f"'{spec[: len(spec) - len(proto)]}{proto.lower()}'",
                        fix,
                    )

from __future__ import annotations

from dflint.buildkit_checks import expose_words, port_range, split_port_spec
from dflint.fix import Edit, Fix
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


def _valid(ip: str, host: str, container: str) -> bool:
    """Whether BuildKit accepts the spec (it would fail the build otherwise)."""
    port, _, proto = container.partition("/")
    if proto.lower() not in ("", "tcp", "udp", "sctp"):
        return False
    if ip:
        raw = ip[1:-1] if ip.startswith("[") and ip.endswith("]") else ip
        import ipaddress  # here: most runs never need it (import time)

        try:
            ipaddress.ip_address(raw)
        except ValueError:
            return False
    ports = port_range(port)
    if ports is None:
        return False
    if host:
        hosts = port_range(host)
        if hosts is None:
            return False
        if ports[1] - ports[0] != hosts[1] - hosts[0] and ports[0] != ports[1]:
            return False
    return True


class ExposeHostMapping(Rule):
    """An `EXPOSE` port with an IP address or a host port, such as `8080:80`.

    As BuildKit's `ExposeInvalidFormat` check does: each port of an `EXPOSE` written as
    `host_port:container_port` or `ip:host_port:container_port` is reported. Ports written with
    variables are expanded with the stage's ARG and ENV values first.

    ## Why is this bad?
    `EXPOSE` only documents which container ports the image listens on; the IP address and the
    host port are dropped (`EXPOSE 127.0.0.1:8080:80` exposes `80/tcp`), so the mapping the line
    seems to set up never happens. BuildKit says this will become an error. Publishing to the
    host is `docker run -p` (or `ports:` in Compose).

    ## Example
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 127.0.0.1:8080:80
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 80
    ```

    ## Fix safety
    Safe: the fix keeps only the container port (and its protocol), which is all BuildKit puts
    in the image. A spec BuildKit would reject (a bad address or port), or one written with
    variables, gets no fix.

    ## References
    - [BuildKit check ExposeInvalidFormat](https://docs.docker.com/reference/build-checks/expose-invalid-format/)
    """

    code = "DF413"
    name = "expose-host-mapping"
    severity = Severity.WARNING
    aliases = ("ExposeInvalidFormat",)
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        for word in expose_words(ctx):
            for spec in word.specs:
                ip, host, container = split_port_spec(spec)
                if not ip and not host:
                    continue
                span = word.instruction.args_subspan(word.start, word.end)
                fix = None
                if word.literal and _valid(ip, host, container):
                    fix = Fix.safe(f"Keep only the container port {container}",
                                   Edit(span.start, span.end, container))
                yield Violation(
                    span,
                    f"EXPOSE instruction should not define an IP address or host-port mapping, "
                    f"found '{spec}': only the container port {container} is exposed; publish "
                    "host ports with `docker run -p` instead",
                    fix,
                )

from __future__ import annotations

import posixpath

from dflint.rule import Context, Rule, Severity, Violation
from dflint.syntax import Instruction
from dflint.words import expand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: Sockets of container engines: whoever can talk to one controls the engine's host.
SOCKETS = frozenset({"docker.sock", "containerd.sock", "podman.sock", "crio.sock", "buildkitd.sock", "dockershim.sock"})


def _socket(path: str) -> bool:
    return posixpath.basename(path.strip("\"'").rstrip("/")) in SOCKETS


class DockerSocketMount(Rule):
    """The Docker socket (or another container engine's) is mounted or declared as a volume.

    dflint reports a `RUN --mount` whose `target` or `source` is a container engine's socket
    (`docker.sock`, `containerd.sock`, `podman.sock`, `crio.sock`, `buildkitd.sock`), and a
    `VOLUME` of such a path (`VOLUME /var/run/docker.sock`), which only makes sense when the
    container expects the host's socket to be mounted there at run time.

    ## Why is this bad?
    Access to the Docker socket is root on the host: anyone who can talk to it can start a
    privileged container that mounts the host's file system. An image built to run with the
    socket inside hands that power to every process in it, and to anyone who compromises one.
    In a build step, a socket mounted from a stage or the context also makes the build depend on
    something outside the Dockerfile.

    ## Example
    ```dockerfile
    FROM docker:27-cli
    VOLUME /var/run/docker.sock
    CMD ["docker", "ps"]
    ```

    ## Use instead
    ```dockerfile
    FROM docker:27-cli
    ENV DOCKER_HOST=tcp://docker-proxy:2375
    CMD ["docker", "ps"]
    ```
    When a container really must drive Docker, put a filtering proxy in front of the socket
    (one that allows only the API calls it needs), use rootless Docker, or a dedicated daemon
    (Docker-in-Docker with TLS); never bake the expectation of the host's socket into the image.

    ## References
    - [Docker docs: Protect the Docker daemon socket](https://docs.docker.com/engine/security/protect-access/)
    - [OWASP Docker Security Cheat Sheet: do not expose the Docker daemon socket](https://cheatsheetseries.owasp.org/cheatsheets/Docker_Security_Cheat_Sheet.html#rule-1-do-not-expose-the-docker-daemon-socket-even-to-the-containers)
    - [CIS Docker Benchmark, section 5: Ensure that the Docker socket is not mounted inside any
      containers](https://www.cisecurity.org/benchmark/docker)
    """

    code = "DF508"
    name = "docker-socket-mount"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        for ins in ctx.dockerfile.instructions:
            target = ins.inner if ins.name == "ONBUILD" else ins
            if target is None:
                continue
            if target.name == "RUN":
                yield from _mounts(target)
            elif target.name == "VOLUME":
                yield from _volumes(ctx, target)


def _mounts(ins: Instruction) -> Iterator[Violation]:
    for flag in ins.flag_all("mount"):
        for key, value, span in flag.option_items():
            if key in ("target", "dst", "destination", "source", "src") and value and _socket(value):
                yield Violation(
                    span,
                    f"RUN --mount puts a container engine socket ({value}) into the build step: access to it is "
                    "root on the host that runs the engine; remove the mount, and build the other images as "
                    "stages of this build or in separate `docker build` (bake) steps",
                )
                break


def _volumes(ctx: Context, ins: Instruction) -> Iterator[Violation]:
    escape = ctx.dockerfile.escape or "\\"
    if ins.json is not None:
        items = [(p, ins.args_span) for p in ins.json]
    else:
        items = [(w.value, w.span) for w in ins.words]
    for path, span in items:
        value = expand(path, ctx.graph.scope_at(ins), escape).value
        if _socket(value):
            yield Violation(
                span,
                f"VOLUME {value} declares a container engine socket: the image expects the host's socket to "
                "be mounted, which gives the container (and anyone who compromises it) root on the host; "
                "talk to the engine through a filtering proxy or a dedicated daemon instead",
            )

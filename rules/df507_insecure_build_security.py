from __future__ import annotations

from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class InsecureBuildSecurity(Rule):
    """A `RUN --security=insecure` step runs without the build sandbox.

    `RUN --security=insecure` runs the command like `docker run --privileged`: with every Linux
    capability, no seccomp or AppArmor profile, and access to the builder's devices. BuildKit
    only allows it when the builder was started with the `security.insecure` entitlement and the
    build asks for it (`docker buildx build --allow security.insecure`). Every `RUN` (also an
    `ONBUILD RUN`) with this flag is reported; `--security=sandbox`, the default, is not.

    ## Why is this bad?
    A privileged build step can reach the build host: mount its disks, load kernel modules,
    read other builds' data on a shared builder. Whatever that step runs — a package's install
    script, a downloaded tool — gets the same power, and a CI builder that grants the
    entitlement for one project grants it to every Dockerfile it builds. It also makes the image
    depend on a builder configured that way.

    ## Example
    ```dockerfile
    # syntax=docker/dockerfile:1
    FROM debian:12-slim
    RUN --security=insecure mount -t tmpfs none /mnt && ./build.sh
    ```

    ## Use instead
    ```dockerfile
    # syntax=docker/dockerfile:1
    FROM debian:12-slim
    RUN --mount=type=tmpfs,target=/mnt ./build.sh
    ```
    Most reasons for privilege have a sandboxed form: `--mount=type=tmpfs` or `type=cache`
    instead of `mount`, `--network` instead of raw sockets; what truly needs a privileged
    container (loop devices, nested containers) belongs in a CI job, not in the image build.

    ## References
    - [Dockerfile reference: RUN --security](https://docs.docker.com/reference/dockerfile/#run---security)
    - [Docker Buildx: --allow security.insecure](https://docs.docker.com/reference/cli/docker/buildx/build/#allow)
    """

    code = "DF507"
    name = "insecure-build-security"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        for ins in ctx.dockerfile.instructions:
            run = ins.inner if ins.name == "ONBUILD" else ins
            if run is None or run.name != "RUN":
                continue
            for flag in run.flag_all("security"):
                if (flag.value or "").strip().lower() != "insecure":
                    continue
                yield Violation(
                    flag.span,
                    "RUN --security=insecure runs this step like a privileged container (all capabilities, "
                    "no seccomp or AppArmor, the builder's devices): it and everything it runs can take over "
                    "the build host; drop the flag and use a sandboxed alternative (a tmpfs or cache mount), "
                    "or do the privileged work outside the image build",
                )

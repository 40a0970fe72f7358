from __future__ import annotations

from dflint.hadolint_support import runs_calling
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: Commands that need a running system, a terminal or a person: hadolint's list, plus `ifconfig`
#: (named in hadolint's message, missing from its list).
POINTLESS = {
    "free": "it shows the memory of the build machine at build time",
    "ifconfig": "it shows the network of a build container that is gone after the build",
    "kill": "it signals processes of a build container that is gone after the RUN",
    "mount": "mounts do not persist in the image (use RUN --mount or a volume)",
    "ps": "it lists the processes of one RUN at build time",
    "service": "services are not kept running after the RUN (start them in CMD or ENTRYPOINT)",
    "shutdown": "there is no system to shut down in a build",
    "ssh": "a remote login has no place in a build (use RUN --mount=type=ssh for private "
    "sources)",
    "top": "an interactive monitor never ends in a build",
    "vim": "an interactive editor never ends in a build (write files with COPY or a heredoc)",
}


class PointlessCommandInContainer(Rule):
    """A RUN calls a command that makes no sense in an image build.

    `ssh`, `vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount` and `ifconfig` need
    a running system, a terminal or a person at the keyboard. In a RUN they either hang, fail,
    or act on a throw-away build container whose processes and mounts are gone when the RUN
    ends.

    ## Why is this bad?
    A service "started" in a RUN is not running in the image; `vim` or `top` waits forever for a
    keyboard; `ps` and `free` report on the build machine. Such commands usually come from
    pasting an interactive session into a Dockerfile.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN service nginx start
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    CMD ["nginx", "-g", "daemon off;"]
    ```

    ## Differences from hadolint
    - `ifconfig`, named in hadolint's message, is checked too (hadolint's list leaves it out).
    - Commands run through `sudo`, `env`, `xargs`… or by path (`/usr/sbin/service`) count;
      hadolint only sees the bare name.
    - One finding per command, at the command's name; heredoc bodies at their own line. RUNs
      under a PowerShell or cmd SHELL are skipped.

    ## References
    - [hadolint DL3001](https://github.com/hadolint/hadolint/wiki/DL3001)
    """

    code = "DL3001"
    name = "command-pointless-in-container"
    severity = Severity.INFO

    def check(self, ctx: Context) -> Iterator[Violation]:
        for _, script in runs_calling(ctx, POINTLESS):
            for cmd in script.find(tuple(POINTLESS)):
                yield Violation(
                    cmd.name_arg.span,
                    f"`{cmd.basename}` makes no sense in a Docker build: {POINTLESS[cmd.basename]}",
                )

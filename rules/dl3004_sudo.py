from __future__ import annotations

from dflint.hadolint_support import runs_calling
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class SudoInRun(Rule):
    """A RUN uses `sudo`.

    RUN executes as the current `USER`. To run something as root, switch with `USER root` (and
    back afterwards); to drop privileges in the container's entrypoint, use a tool built for it
    such as `gosu` or `su-exec`.

    ## Why is this bad?
    `sudo` needs a sudoers setup and a TTY-friendly configuration, behaves differently per
    distribution (environment reset, `requiretty`, password prompts), and leaves an image with a
    sudo binary and rules that widen what a compromised process can do.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    USER app
    RUN sudo apt-get update
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    USER root
    RUN apt-get update
    USER app
    ```

    ## Differences from hadolint
    Reported at each `sudo`, also `/usr/bin/sudo` and `sudo` run through `env`, `xargs`… and in
    heredoc bodies at their own line. RUNs under a PowerShell or cmd SHELL are skipped.

    ## References
    - [hadolint DL3004](https://github.com/hadolint/hadolint/wiki/DL3004)
    """

    code = "DL3004"
    name = "sudo-in-run"
    severity = Severity.ERROR

    def check(self, ctx: Context) -> Iterator[Violation]:
        for _, script in runs_calling(ctx, "sudo"):
            for cmd in script.find("sudo"):
                yield Violation(
                    cmd.name_arg.span,
                    "Do not use sudo as it leads to unpredictable behavior: switch with `USER "
                    "root` for the RUN, or use a tool like gosu to change users at run time",
                )

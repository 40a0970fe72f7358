from __future__ import annotations

from dflint.hadolint_support import runs_calling
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_SH = ("/bin/sh", "/usr/bin/sh")
_LN_VALUE_FLAGS = ("-t", "--target-directory", "-S", "--suffix")


class SymlinkedBinSh(Rule):
    """A RUN replaces `/bin/sh` with a symbolic link (`ln -s /bin/bash /bin/sh`).

    The shell of shell-form RUN, CMD and ENTRYPOINT is set with the `SHELL` instruction
    (`SHELL ["/bin/bash", "-c"]`). Relinking `/bin/sh` changes it behind the Dockerfile's back, for
    every program in the image that runs `/bin/sh` (including the package manager's scripts).

    ## Why is this bad?
    Readers cannot see which shell the RUNs use, system scripts written for a POSIX sh start
    running under another shell, and the change ships in the image.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN ln -sf /bin/bash /bin/sh
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    SHELL ["/bin/bash", "-c"]
    ```

    ## Differences from hadolint
    - Only a link *named* `/bin/sh` (or `/usr/bin/sh`, the same file on merged-/usr systems) is
      reported: `ln -s /bin/sh /usr/local/bin/sh` makes a link *to* sh and leaves the shell
      alone (hadolint reports any `ln` with an argument `/bin/sh`).
    - Reported at the link name; `sudo ln` and `/bin/ln` count; heredoc bodies at their own
      line. PowerShell or cmd RUNs are skipped.

    ## References
    - [hadolint DL4005](https://github.com/hadolint/hadolint/wiki/DL4005)
    - [Dockerfile reference: SHELL](https://docs.docker.com/reference/dockerfile/#shell)
    """

    code = "DL4005"
    name = "symlinked-bin-sh"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        for _, script in runs_calling(ctx, "ln"):
            for cmd in script.find("ln"):
                positional = cmd.positional(_LN_VALUE_FLAGS)
                if cmd.option("-t", "--target-directory", takes_value=_LN_VALUE_FLAGS):
                    continue  # ln -t DIR TARGET…: links inside DIR
                if len(positional) < 2:
                    continue
                name = positional[-1]
                if name.value.rstrip("/") not in _SH:
                    continue
                yield Violation(
                    name.span,
                    f"Use SHELL to change the default shell instead of relinking `{name.value}`: "
                    "`SHELL [\"/bin/bash\", \"-c\"]`",
                )

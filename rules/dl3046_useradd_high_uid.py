from __future__ import annotations

from dflint.hadolint_support import runs_calling
from dflint.rpm_support import is_number
from dflint.rule import Context, Rule, Severity, Violation
from dflint.shell import Arg, Command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_UID_FLAGS = ("-u", "--uid")


def _uid_arg(cmd: Command) -> tuple[Arg, str] | None:
    """The argument holding the UID and the UID as written (``-u 100000``, ``-u100000``,
    ``--uid=100000``, ``--uid 100000``)."""
    args = cmd.args
    for flag, value, arg in cmd.flag_items():
        if flag in _UID_FLAGS and value is not None:
            if arg.value in _UID_FLAGS:  # the value is the next word
                i = args.index(arg)
                if i + 1 < len(args):
                    return args[i + 1], value
            return arg, value
    return None


class UseraddHighUidWithoutL(Rule):
    """`useradd` with a high UID and without `-l`.

    `useradd` records every user in `/var/log/lastlog` and `/var/log/faillog`, files indexed by
    UID. For a UID of 100000 and more they grow to tens or hundreds of megabytes; on disk they
    are sparse, but a Docker layer stores them in full. `-l` (`--no-log-init`) leaves the user
    out of those files.

    ## Why is this bad?
    The image grows by the size of the log files, for a user that never logs in. Builds have
    been seen running out of disk space because of it.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN useradd -u 123456 app
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN useradd -l -u 123456 app
    ```

    ## Differences from hadolint
    - A UID given through a variable (`-u "$UID"`, `--uid ${USER_ID}`) is reported whatever
      its spelling, since a build argument can bring any UID (hadolint looks at the length of
      the text, so `${UID}` counts and `$UID` does not). A literal UID counts from 100000 on (six
      digits), as in hadolint.
    - `--uid`, `--uid=…` and `-u123456` are read too (hadolint only reads `-u N`), and
      `sudo useradd` or `/usr/sbin/useradd`.
    - Reported at the UID; heredoc bodies at their own line; PowerShell or cmd RUNs are skipped.

    ## References
    - [hadolint DL3046](https://github.com/hadolint/hadolint/wiki/DL3046)
    - [Docker best practices: USER](https://docs.docker.com/build/building/best-practices/#user)
    """

    code = "DL3046"
    name = "useradd-high-uid-without-l"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        for _, script in runs_calling(ctx, "useradd"):
            for cmd in script.find("useradd"):
                if cmd.has_flag("-l", "--no-log-init"):
                    continue
                found = _uid_arg(cmd)
                if found is None:
                    continue
                arg, uid = found
                if arg.static and is_number(uid):
                    if len(uid.lstrip("0")) <= 5:
                        continue
                    why = f"UID {uid} is high"
                elif arg.static:
                    continue
                else:
                    why = f"the UID `{uid}` comes from a variable and may be high"
                yield Violation(
                    arg.span,
                    f"`useradd` without flag `-l` and high UID will result in an excessively "
                    f"large image: {why}; add `-l` (`--no-log-init`)",
                )

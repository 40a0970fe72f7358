from __future__ import annotations

from dflint.hadolint_support import runs_calling
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class CdInsteadOfWorkdir(Rule):
    """A RUN uses `cd` to switch to a directory.

    `WORKDIR` sets the directory for every following `RUN`, `CMD`, `ENTRYPOINT`, `COPY` and `ADD`
    and creates it if needed. A `cd` only lasts until the end of its RUN, so the next
    instruction starts back in the old directory.

    ## Why is this bad?
    Scripts full of `cd dir && … && cd ..` are hard to read and easy to get wrong: the next RUN
    silently runs somewhere else. A failed `cd` without `set -e` or `&&` runs the rest of the
    command in the wrong place.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN cd /app && pip install --no-cache-dir -r requirements.txt
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    ## Differences from hadolint
    - Reported at the first `cd` of each RUN; in a heredoc body at the body's own line.
    - `ONBUILD RUN cd …` is checked too (hadolint skips ONBUILD triggers for this rule).
    - RUNs under a PowerShell or cmd SHELL are skipped (`cd` is the way to change folders in
      cmd scripts too, but WORKDIR works the same there: it is left to the Windows rules).

    ## References
    - [hadolint DL3003](https://github.com/hadolint/hadolint/wiki/DL3003)
    - [Dockerfile reference: WORKDIR](https://docs.docker.com/reference/dockerfile/#workdir)
    """

    code = "DL3003"
    name = "cd-instead-of-workdir"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        for _, script in runs_calling(ctx, "cd"):
            found = script.find("cd")
            if found:
                cmd = found[0]
                target = cmd.positional[0].value if cmd.positional else "<dir>"
                yield Violation(
                    cmd.name_arg.span,
                    f"Use WORKDIR to switch to a directory: `WORKDIR {target}` instead of "
                    f"`cd {target}`",
                )

from __future__ import annotations

from dflint.hadolint_support import runs_calling
from dflint.rule import Context, Rule, Severity, Violation
from dflint.shell import Command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_TOOLS = ("curl", "wget")


class WgetAndCurl(Rule):
    """A stage uses both `wget` and `curl`.

    Both download files. Using both in one stage means both must be installed (and kept up to
    date) for no gain: pick one.

    ## Why is this bad?
    Two tools that do the same job make the image larger and give two sets of options,
    defaults (redirects, retries, TLS checks) and vulnerabilities to think about.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN wget -q https://example.com/a.tar.gz
    RUN curl -fsSLO https://example.com/b.tar.gz
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN curl -fsSLO https://example.com/a.tar.gz
    RUN curl -fsSLO https://example.com/b.tar.gz
    ```

    ## Differences from hadolint
    - Reported at the `curl` or `wget` of each RUN that uses one of them once the stage has used
      both (as hadolint, which reports the RUN), with the line of the other tool in the message.
    - `sudo curl`, `/usr/bin/wget` and heredoc bodies count too; PowerShell or cmd RUNs are
      skipped (there `curl` and `wget` are aliases of Invoke-WebRequest).
    - `ONBUILD RUN` triggers are tracked on their own, as in hadolint.

    ## References
    - [hadolint DL4001](https://github.com/hadolint/hadolint/wiki/DL4001)
    """

    code = "DL4001"
    name = "wget-and-curl"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        runs = runs_calling(ctx, _TOOLS)
        for onbuild in (False, True):
            seen: dict[str, Command] = {}
            stage = None
            for run, script in runs:
                if (run.parent is not None) != onbuild:
                    continue  # RUNs first, then ONBUILD triggers
                here = ctx.graph.stage_of(run)
                if here is not stage:  # a FROM since the last RUN: a new stage
                    seen, stage = {}, here
                used = script.find(_TOOLS)
                for cmd in used:
                    seen.setdefault(cmd.basename, cmd)
                if len(seen) < 2:
                    continue
                cmd = used[0]
                other = seen["wget" if cmd.basename == "curl" else "curl"]
                line = ctx.source.position(other.name_arg.span.start)[0]
                yield Violation(
                    cmd.name_arg.span,
                    f"Either use wget or curl but not both: this stage also uses "
                    f"`{other.basename}` (line {line})",
                )

from __future__ import annotations

from dflint.hadolint_support import run_scripts
from dflint.rpm_support import set_option_events, shell_name
from dflint.rule import Context, Rule, Severity, Violation
from dflint.shell import Pipeline, Script, shell_options
from dflint.source import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator, Sequence

#: Shells whose `-o pipefail` works everywhere. `sh` is left out on purpose: on Debian and
#: Ubuntu /bin/sh is dash, which may reject `-o pipefail`.
PIPEFAIL_SHELLS = frozenset({"bash", "zsh", "ash", "ksh", "ksh93", "mksh"})


def _shell_pipefail(shell: Sequence[str]) -> bool:
    return shell_name(shell) in PIPEFAIL_SHELLS and "pipefail" in shell_options(shell)


def _set_pipefail(script: Script, pipeline: Pipeline) -> bool:
    """Whether a `set -o pipefail` before the pipeline, in its piece, turned pipefail on."""
    state = False
    first = pipeline.commands[0] if pipeline.commands else None
    if first is None:
        return False
    for cmd in script.commands:
        if cmd.piece != pipeline.piece or not Script.before(cmd, first):
            continue
        if cmd.name != "set" or cmd.substitution:
            continue
        for option, on in set_option_events(a.value for a in cmd.args):
            if option == "pipefail":
                state = on
    return state


def _pipe_span(ctx: Context, pipeline: Pipeline) -> Span:
    """The span of the first `|` of the pipeline (the whole pipeline if it cannot be found)."""
    stages = pipeline.stages
    if len(stages) >= 2 and stages[0] and stages[1]:
        start = max(c.outermost.span.end for c in stages[0])
        end = min(c.outermost.span.start for c in stages[1])
        text = ctx.source.text
        at = text.find("|", start, end)
        if at != -1:
            size = 2 if text[at + 1 : at + 2] == "&" else 1
            return Span(at, at + size)
    return pipeline.span


class PipeWithoutPipefail(Rule):
    """A RUN with a pipe runs without `-o pipefail`.

    A pipeline's exit status is the status of its last command: in `RUN curl -fsSL $URL | tar xz`
    a failed download is hidden by a successful `tar`, and the build goes on with a broken
    layer. `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` (or `/bin/ash`, `/bin/zsh`) makes every
    later RUN of the stage fail when any part of a pipe fails.

    ## Why is this bad?
    Errors in the first commands of a pipe pass silently, and the image is built from their
    missing or partial output.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN wget -qO- https://example.com/install.sh | sh
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    RUN wget -qO- https://example.com/install.sh | sh
    ```

    ## Differences from hadolint
    hadolint's conditions are kept: a SHELL counts when it is bash, zsh or ash (dflint also
    takes ksh and mksh) given `-o pipefail`; `/bin/sh -o pipefail` does not count, because
    Debian's dash may refuse it. Beyond that:
    - `set -o pipefail` (also `set -euo pipefail`) earlier in the same RUN, before the pipe,
      counts: the pipe runs with pipefail (hadolint ignores it).
    - The SHELL of a stage built `FROM` another stage is inherited from it, as BuildKit does
      (hadolint starts each stage without one). `SHELL ["/usr/bin/env", "bash", "-o", "pipefail",
      "-c"]` counts too.
    - A heredoc body is judged with the shell that runs it (`RUN bash -o pipefail <<EOF`), and
      reported at the body's own line.
    - Exec-form RUNs and RUNs under a PowerShell or cmd SHELL (Windows images, also
      `C:\\Windows\\System32\\cmd.exe`) are skipped: SHELL does not apply to exec form.
    - Reported once per RUN, at the first pipe operator that runs without pipefail.

    ## References
    - [hadolint DL4006](https://github.com/hadolint/hadolint/wiki/DL4006)
    - [Dockerfile reference: SHELL](https://docs.docker.com/reference/dockerfile/#shell)
    """

    code = "DL4006"
    name = "pipe-without-pipefail"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction, script in run_scripts(ctx):
            if instruction.parent is not None or not script.pipelines:
                continue  # (ONBUILD triggers are left alone)
            for pipeline in script.pipelines:
                shell = script.pieces[pipeline.piece].shell
                if _shell_pipefail(shell) or _set_pipefail(script, pipeline):
                    continue
                yield Violation(
                    _pipe_span(ctx, pipeline),
                    "Set the SHELL option -o pipefail before RUN with a pipe in it: "
                    "`SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` (on Alpine without "
                    "bash: `SHELL [\"/bin/ash\", \"-eo\", \"pipefail\", \"-c\"]`)",
                )
                break

from __future__ import annotations

from dflint.fix import Fix
from dflint.hadolint_support import insert_after, subcommand_arg
from dflint.packages import PackageCommand, package_runs
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_FALSE = ("0", "false", "no", "off")


class AptInstallRecommends(Rule):
    """`apt-get install` without `--no-install-recommends`.

    By default apt also installs every package the requested ones merely *recommend*: often
    documentation, extra tools and whole language runtimes the image never uses. Pass
    `--no-install-recommends` (or `-o APT::Install-Recommends=false`) and name what is really
    needed. Also `apt install`; for `aptitude` the option is `--without-recommends` (`-R`).

    ## Why is this bad?
    Recommended packages can double an image's size and add attack surface, without anything
    in the Dockerfile saying they are there.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl \\
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    Unsafe: inserts `--no-install-recommends` after `install`. Fewer packages get installed, and
    the application may have relied on one of them (a recommended `ca-certificates` is the
    classic case): build and test the image after the fix.

    ## Differences from hadolint
    - Also `apt` and `aptitude`, a full path, commands behind `sudo`/`env`/`xargs`; reported at
      the `install` word (in a heredoc body at its own line), not at column 1.
    - `-o APT::Install-Recommends=0` (and `no`, `off`) counts like `=false`.
    - Exec-form RUNs and RUNs under a PowerShell or cmd `SHELL` are not read as POSIX shell.

    ## References
    - [hadolint DL3015](https://github.com/hadolint/hadolint/wiki/DL3015)
    - [Dockerfile best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
    """

    code = "DL3015"
    name = "apt-install-recommends"
    severity = Severity.INFO
    fixable = Fixable.ALWAYS

    def check(self, ctx: Context) -> Iterator[Violation]:
        for _, _, pcs in package_runs(ctx, {"apt"}):
            for pc in pcs:
                if pc.action != "install" or _no_recommends(pc):
                    continue
                flag = "--without-recommends" if pc.tool == "aptitude" else "--no-install-recommends"
                word = subcommand_arg(pc.command, pc.subcommand)
                yield Violation(
                    word.span,
                    f"Add `{flag}` to `{pc.tool} {pc.subcommand}` so that only the packages named "
                    "get installed",
                    Fix.unsafe(f"Add {flag}", insert_after(word, flag)),
                )


def _no_recommends(pc: PackageCommand) -> bool:
    if pc.has_flag("--no-install-recommends", "--without-recommends", "-R" if pc.tool == "aptitude" else "--no-install-recommends"):
        return True
    for arg in pc.command.args:  # -o APT::Install-Recommends=false, or the option glued/alone
        key, eq, val = arg.value.rpartition("=")
        if eq and key.split("-o", 1)[-1].strip().lower().endswith("apt::install-recommends") and val.strip().strip("\"'").lower() in _FALSE:
            return True
    return False

from __future__ import annotations

from dflint.fix import Fix
from dflint.hadolint_support import insert_after, subcommand_arg
from dflint.packages import PackageCommand, package_runs
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.shell import Script

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: apt actions that ask "Do you want to continue? [Y/n]".
_PROMPTING = ("install", "upgrade", "remove", "autoremove")


class AptMissingAssumeYes(Rule):
    """`apt-get install` without `-y`, so apt asks for a confirmation nobody can give.

    During a build apt-get's standard input is not a terminal: at the "Do you want to continue?
    [Y/n]" prompt it reads end-of-file and aborts, and the build fails as soon as a package pulls
    in anything. `-y` (`--yes`, `--assume-yes`), a double `-qq` (which implies `-y`),
    `-o APT::Get::Assume-Yes=true`, or a `yes |` pipe answer it. Besides `install`, the other
    commands that prompt are checked too: `upgrade`, `dist-upgrade`, `remove`, `purge`,
    `autoremove` (also for `apt` and `aptitude`).

    ## Why is this bad?
    The build stops with "Abort." whenever the command has something to confirm, which depends
    on the base image and the day: a Dockerfile that built yesterday fails today.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install --no-install-recommends curl
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    ```

    ## Fix safety
    Safe: inserts `-y` after the subcommand (`apt-get install -y …`). Answering yes is the only
    way such a build goes on.

    ## Differences from hadolint
    - A simulation (`apt-get install -s`, `--dry-run`…) asks nothing and is not reported.
    - A single `-q` does not count (only `-qq` implies `-y`), as in hadolint 2.15.
    - Also `upgrade`, `dist-upgrade`, `remove`, `purge` and `autoremove`, `apt` and `aptitude`,
      a full path, commands behind `sudo`/`env`/`xargs`, and `yes | apt-get …`; reported at the
      subcommand (in a heredoc body at its own line), not at column 1.
    - Exec-form RUNs and RUNs under a PowerShell or cmd `SHELL` are not read as POSIX shell.

    ## References
    - [hadolint DL3014](https://github.com/hadolint/hadolint/wiki/DL3014)
    - [apt-get(8)](https://manpages.debian.org/bookworm/apt/apt-get.8.en.html)
    """

    code = "DL3014"
    name = "apt-missing-assume-yes"
    severity = Severity.WARNING
    fixable = Fixable.ALWAYS

    def check(self, ctx: Context) -> Iterator[Violation]:
        for _, script, pcs in package_runs(ctx, {"apt"}):
            for pc in pcs:
                if pc.action not in _PROMPTING or _assumes_yes(pc) or _fed_yes(script, pc):
                    continue
                if pc.has_flag("-s", "--simulate", "--just-print", "--dry-run", "--recon", "--no-act"):
                    continue
                word = subcommand_arg(pc.command, pc.subcommand)
                yield Violation(
                    word.span,
                    f"Use `-y` with `{pc.tool} {pc.subcommand}`: the build cannot answer its "
                    "confirmation prompt",
                    Fix.safe("Add -y", insert_after(word, "-y")),
                )


def _assumes_yes(pc: PackageCommand) -> bool:
    if pc.has_flag("-y", "--yes", "--assume-yes"):
        return True
    quiet = 0
    for arg in pc.command.args:
        v = arg.value
        if v in ("-q=2", "--quiet=2", "-q2"):
            return True
        if v.startswith("-") and not v.startswith("--") and "=" not in v:
            quiet += v.count("q")
        elif v == "--quiet":
            quiet += 1
    if quiet >= 2:
        return True
    for value in pc.option_values("-o", "--option"):
        key, _, val = value.partition("=")
        if key.strip().lower() in ("apt::get::assume-yes", "aptitude::cmdline::assume-yes") and val.strip().strip("\"'").lower() in ("1", "true", "yes", "on"):
            return True
    return False


def _fed_yes(script: Script, pc: PackageCommand) -> bool:
    """`yes | apt-get install x`: the prompt is answered by the pipe."""
    target = pc.command.outermost
    for pipeline in script.pipelines:
        commands = list(pipeline.commands)
        for i, cmd in enumerate(commands):
            if cmd is target or cmd.span == target.span:
                return any(c.basename in ("yes", "echo", "printf") for c in commands[:i])
    return False

from __future__ import annotations

from dflint.fix import Edit, Fix
from dflint.hadolint_support import subcommand_arg
from dflint.packages import package_runs
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: apt subcommands that apt-get runs the same way.
_SAME = frozenset(
    "install reinstall remove purge autoremove autopurge update clean autoclean distclean "
    "dist-upgrade source build-dep satisfy download changelog check".split()
)
#: apt subcommands that apt-cache answers (the output is formatted differently).
_CACHE = frozenset("search show showsrc policy depends rdepends madison showpkg pkgnames".split())


class AptInsteadOfAptGet(Rule):
    """`apt` in a RUN, where `apt-get` (or `apt-cache`) is meant for scripts.

    `apt` is the interactive front end: its command line and output are not stable between
    releases, it prints "WARNING: apt does not have a stable CLI interface" when not run in a
    terminal, and some of its defaults differ (`apt upgrade` also installs new dependencies).
    `apt-get` and `apt-cache` offer the same operations with a stable interface.

    ## Why is this bad?
    A future apt release may change what the same `apt` command line does or prints, and the
    build with it.

    ## Example
    ```dockerfile
    FROM ubuntu:24.04
    RUN apt update && apt install -y --no-install-recommends curl
    ```

    ## Use instead
    ```dockerfile
    FROM ubuntu:24.04
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    ```

    ## Fix safety
    Safe for the subcommands apt-get runs the same way (`install`, `remove`, `purge`, `update`,
    `autoremove`, `clean`, `full-upgrade` → `dist-upgrade`, …): `apt` becomes `apt-get`.
    Unsafe for `upgrade` (`apt-get upgrade` holds back upgrades that need new packages) and for
    the queries `apt-cache` answers (`search`, `show`, `policy`, …; the output differs). No fix
    for `apt list` and other commands apt-get has no equivalent for.

    ## Differences from hadolint
    - Also `apt` behind `sudo`/`env`/`xargs` or called by a full path (`/usr/bin/apt`); one
      finding per `apt` command, at the command name (in a heredoc body at its own line).
    - Exec-form RUNs and RUNs under a PowerShell or cmd `SHELL` are not read as POSIX shell.

    ## References
    - [hadolint DL3027](https://github.com/hadolint/hadolint/wiki/DL3027)
    - [apt(8): script usage](https://manpages.debian.org/bookworm/apt/apt.8.en.html#SCRIPT_USAGE_AND_DIFFERENCES_FROM_OTHER_APT_TOOLS)
    """

    code = "DL3027"
    name = "apt-instead-of-apt-get"
    severity = Severity.WARNING
    fixable = Fixable.SOMETIMES

    def check(self, ctx: Context) -> Iterator[Violation]:
        for _, _, pcs in package_runs(ctx, {"apt"}):
            for pc in pcs:
                if pc.tool != "apt":
                    continue
                name = pc.command.name_arg
                sub = pc.subcommand
                replacement = "apt-cache" if sub in _CACHE else "apt-get"
                fix = None
                if name.static and name.raw == name.value and name.raw.endswith("apt"):
                    edit = Edit(name.span.end - 3, name.span.end, replacement)
                    if sub in _SAME:
                        fix = Fix.safe("Use apt-get", edit)
                    elif sub == "full-upgrade":
                        word = subcommand_arg(pc.command, sub)
                        fix = Fix.safe("Use apt-get dist-upgrade", edit, Edit(word.span.start, word.span.end, "dist-upgrade"))
                    elif sub == "upgrade":
                        fix = Fix.unsafe("Use apt-get upgrade (new dependencies are held back)", edit)
                    elif sub in _CACHE:
                        fix = Fix.unsafe("Use apt-cache (its output is formatted differently)", edit)
                what = f"`{replacement}{' ' + sub if sub else ''}`"
                yield Violation(
                    name.span,
                    f"Use {what} instead of `apt`: apt is meant for terminals and has no stable "
                    "command-line interface",
                    fix,
                )

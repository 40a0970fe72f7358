"""The zypper rules: DL3034 (non-interactive), DL3035 (no dist-upgrade), DL3036 (clean the cache),
DL3037 (pin versions)."""

from __future__ import annotations

from dflint.packages import PackageCommand, package_runs
from dflint.rpm_support import AssumeYesRule, CacheCleanRule, PinRule, zypper_pinned
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_ZYPPER = frozenset({"zypper"})


class ZypperMissingNonInteractive(AssumeYesRule, Rule):
    """`zypper install` (or `remove`, `patch`, `source-install`) without a non-interactive switch.

    These zypper commands ask for confirmation. A build has no one to answer and the RUN fails.
    Either the global `-n` (`--non-interactive`, before the command) or the command's `-y`
    (`--no-confirm`) avoids the prompt.

    ## Why is this bad?
    The build stops at the prompt and fails.

    ## Example
    ```dockerfile
    FROM opensuse/leap:15.6
    RUN zypper install nginx=1.21.5 && zypper clean --all
    ```

    ## Use instead
    ```dockerfile
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive install nginx=1.21.5 && zypper clean --all
    ```

    ## Fix safety
    Safe: the global `--non-interactive` is inserted after `zypper` (it is valid for every
    zypper command). Without it the command cannot succeed in a build.

    ## Differences from hadolint
    The finding points at the subcommand, also in a heredoc body at the body's own line;
    `sudo zypper` and `/usr/bin/zypper` are checked too. RUNs under a PowerShell or cmd SHELL
    are skipped.

    ## References
    - [hadolint DL3034](https://github.com/hadolint/hadolint/wiki/DL3034)
    """

    code = "DL3034"
    name = "zypper-missing-non-interactive"
    severity = Severity.WARNING
    fixable = Fixable.ALWAYS

    families = _ZYPPER
    tools = _ZYPPER
    subcommands = frozenset({"install", "in", "remove", "rm", "source-install", "si", "patch"})
    yes_flags = ("-n", "--non-interactive", "-y", "--no-confirm")
    insert = "--non-interactive"
    after_name = True

    def check(self, ctx: Context) -> Iterator[Violation]:
        for word, _cmd, fix in self.violations(ctx):
            yield Violation(
                word.span,
                f"Non-interactive switch missing from `zypper {word.value}`: use `zypper "
                f"--non-interactive {word.value}` or `zypper {word.value} -y`",
                fix,
            )


class ZypperDistUpgrade(Rule):
    """`zypper dist-upgrade` in a RUN.

    `zypper dist-upgrade` (`dup`) moves every package to the newest version the repositories
    offer, across vendors and product versions: in a Dockerfile that is a different distribution
    release each time the image builds.

    ## Why is this bad?
    The result depends on the day of the build and can pull in incompatible packages. Use a base
    image of the release you want, and install the packages you need with pinned versions.

    ## Example
    ```dockerfile
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive dist-upgrade
    ```

    ## Use instead
    ```dockerfile
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive install nginx=1.21.5 && zypper clean --all
    ```

    ## Differences from hadolint
    Reported at the `dist-upgrade` word, also in a heredoc body at the body's own line;
    `sudo zypper` is checked too. RUNs under a PowerShell or cmd SHELL are skipped.

    ## References
    - [hadolint DL3035](https://github.com/hadolint/hadolint/wiki/DL3035)
    """

    code = "DL3035"
    name = "zypper-dist-upgrade"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        for _, _, pcs in package_runs(ctx, _ZYPPER):
            for pc in pcs:
                if pc.subcommand not in ("dist-upgrade", "dup"):
                    continue
                word = next(a for a in pc.command.positional if a.value == pc.subcommand)
                yield Violation(
                    word.span,
                    f"Do not use `zypper {pc.subcommand}`: build from a base image of the release "
                    "you want and install pinned packages",
                )


class ZypperCacheNotCleaned(CacheCleanRule, Rule):
    """`zypper install` without `zypper clean` in the same RUN.

    zypper keeps downloaded packages and repository metadata in `/var/cache/zypp`. Unless the RUN
    that installs also removes them, they stay in that layer: a later RUN that cleans only hides
    them.

    ## Why is this bad?
    The cache makes the image larger and serves no purpose at run time.

    ## Example
    ```dockerfile
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive install nginx=1.21.5
    ```

    ## Use instead
    ```dockerfile
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive install nginx=1.21.5 && zypper clean --all
    ```

    ## Fix safety
    Safe: ` && zypper clean --all` is appended to the RUN (a line of its own at the end of a
    heredoc body). Only the cache goes. No fix when appending would not parse as intended.

    ## Differences from hadolint
    - Only stages that ship are checked: the target stage and the stages it is built `FROM`
      (hadolint checks every stage).
    - A `--mount=type=cache` (or `tmpfs`) on `/var/cache/zypp`, or an `rm -rf` of it, also
      removes the cache from the layer: no finding.
    - The clean must come after the last install (hadolint: after the first one).
    - Reported at the install command; `sudo zypper` is checked too.

    ## References
    - [hadolint DL3036](https://github.com/hadolint/hadolint/wiki/DL3036)
    """

    code = "DL3036"
    name = "zypper-cache-not-cleaned"
    severity = Severity.WARNING
    fixable = Fixable.SOMETIMES

    families = _ZYPPER
    tools = _ZYPPER
    clean_tools = _ZYPPER
    cache_dirs = ("/var/cache/zypp",)
    clean_command = "zypper clean --all"

    def check(self, ctx: Context) -> Iterator[Violation]:
        for _instruction, cmd, fix in self.violations(ctx):
            yield Violation(
                cmd.name_arg.span,
                "`zypper clean` missing after zypper use: add `&& zypper clean --all` at the end "
                "of this RUN",
                fix,
            )


class ZypperUnpinnedPackage(PinRule, Rule):
    """`zypper install` of a package without a version.

    A package named without a version installs whatever the repositories hold on the day of the
    build. Pin it with a version relation: `<package>=<version>` (or `>=`, `<`… in quotes, since
    the shell reads a bare `>` as a redirection).

    ## Why is this bad?
    The same Dockerfile builds different images over time, and an update can break the build or
    the program without any change in the repository.

    ## Example
    ```dockerfile
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive install nginx && zypper clean --all
    ```

    ## Use instead
    ```dockerfile
    FROM opensuse/leap:15.6
    RUN zypper --non-interactive install nginx=1.21.5 && zypper clean --all
    ```

    ## Differences from hadolint
    - One finding per unpinned package, at the package itself (hadolint: one per RUN).
    - A package given through a variable (`zypper in $PACKAGES`) is not judged: its value is
      unknown. The values of options (`--from repo`) are not packages, patterns, patches and
      products (`-t pattern`) have no versions, and `.rpm` files and URLs count as pinned.
    - `sudo zypper` is checked too; PowerShell or cmd RUNs are skipped.

    ## References
    - [hadolint DL3037](https://github.com/hadolint/hadolint/wiki/DL3037)
    """

    code = "DL3037"
    name = "zypper-unpinned-package"
    severity = Severity.WARNING

    families = _ZYPPER
    tools = _ZYPPER
    subcommands = frozenset({"install", "in"})

    def pinned(self, value: str) -> bool:
        return zypper_pinned(value)  # `.rpm` files (by name, path or URL) included

    def skip(self, pc: PackageCommand) -> bool:
        # patterns, patches and products have no versions to pin
        return any(t in ("pattern", "patch", "product") for t in pc.option_values("-t", "--type"))

    def check(self, ctx: Context) -> Iterator[Violation]:
        for arg, _module in self.violations(ctx):
            yield Violation(
                arg.span, f"Specify version with `zypper install -y {arg.value}=<version>`"
            )

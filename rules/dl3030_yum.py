"""The yum rules: DL3030 (assume yes), DL3032 (clean the cache), DL3033 (pin versions)."""

from __future__ import annotations

from dflint.rpm_support import AssumeYesRule, CacheCleanRule, PinRule, rpm_pinned
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class YumMissingAssumeYes(AssumeYesRule, Rule):
    """`yum install` without `-y`.

    `yum install`, `groupinstall`, `localinstall` and `yum module install` ask for confirmation
    before they change anything. A build has no one to answer: yum reads end of input, answers
    "no" and the RUN fails.

    ## Why is this bad?
    The build stops at the prompt ("Is this ok [y/d/N]: Exiting on user command"). `-y`
    (`--assumeyes`) answers yes to every question.

    ## Example
    ```dockerfile
    FROM centos:7
    RUN yum install httpd-2.4.6 && yum clean all
    ```

    ## Use instead
    ```dockerfile
    FROM centos:7
    RUN yum install -y httpd-2.4.6 && yum clean all
    ```

    ## Fix safety
    Safe: `-y` is inserted after the subcommand (`yum install -y …`). Without it the install
    cannot succeed in a build, so nothing that worked before changes.

    ## Differences from hadolint
    The finding points at the `install` word, also in a heredoc body at the body's own line.
    `sudo yum`, `env … yum` and `/usr/bin/yum` are checked too (hadolint only sees a command
    named exactly `yum`). RUNs under a PowerShell or cmd SHELL (Windows images) are skipped.

    ## References
    - [hadolint DL3030](https://github.com/hadolint/hadolint/wiki/DL3030)
    """

    code = "DL3030"
    name = "yum-missing-assume-yes"
    severity = Severity.WARNING
    fixable = Fixable.ALWAYS

    families = frozenset({"yum"})
    tools = frozenset({"yum"})
    subcommands = frozenset({"install", "groupinstall", "localinstall"})
    yes_flags = ("-y", "--assumeyes")
    insert = "-y"

    def check(self, ctx: Context) -> Iterator[Violation]:
        for word, _cmd, fix in self.violations(ctx):
            yield Violation(
                word.span,
                f"Use the -y switch to avoid manual input: `yum {word.value} -y <package>`",
                fix,
            )


class YumCacheNotCleaned(CacheCleanRule, Rule):
    """`yum install` without `yum clean all` in the same RUN.

    yum keeps the downloaded packages and the repository metadata in `/var/cache/yum`. Unless the
    RUN that installs also removes them, they stay in that layer for good: a later RUN that
    cleans only hides them.

    ## Why is this bad?
    The cache adds tens to hundreds of megabytes to the image and serves no purpose at run time.

    ## Example
    ```dockerfile
    FROM centos:7
    RUN yum install -y httpd-2.4.6
    ```

    ## Use instead
    ```dockerfile
    FROM centos:7
    RUN yum install -y httpd-2.4.6 && yum clean all
    ```

    ## Fix safety
    Safe: ` && yum clean all` is appended to the RUN (a line of its own at the end of a heredoc
    body; `sudo yum clean all` when the install ran through sudo). Only the cache goes; yum
    fetches fresh metadata the next time it needs it. No fix when appending would not parse as
    intended (a trailing comment, a command left in the background).

    ## Differences from hadolint
    - Every install counts: `install`, `groupinstall`, `localinstall`, `reinstall`,
      `yum module install`, `yum group install` (hadolint: commands with an `install` word).
    - Only stages that ship are checked: the target stage and the stages it is built `FROM`. A
      builder stage's cache never reaches the final image (hadolint checks every stage).
    - A `--mount=type=cache` (or `tmpfs`) on `/var/cache/yum` keeps the cache out of the layer:
      no finding.
    - The clean must come after the last install (hadolint: after the first one). `rm -rf` must
      remove `/var/cache/yum` (or `/var/cache/dnf`, or a folder holding them): hadolint takes any
      `rm -rf`, even of an unrelated folder.
    - `dnf clean` counts too (on systems with dnf, `yum` is dnf).
    - Reported at the install command, also inside a heredoc body; `sudo yum` is checked too.

    ## References
    - [hadolint DL3032](https://github.com/hadolint/hadolint/wiki/DL3032)
    """

    code = "DL3032"
    name = "yum-cache-not-cleaned"
    severity = Severity.WARNING
    fixable = Fixable.SOMETIMES

    families = frozenset({"yum"})
    tools = frozenset({"yum"})
    clean_tools = frozenset({"yum", "dnf", "microdnf"})
    cache_dirs = ("/var/cache/yum", "/var/cache/dnf")
    clean_command = "{tool} clean all"

    def check(self, ctx: Context) -> Iterator[Violation]:
        for _instruction, cmd, fix in self.violations(ctx):
            yield Violation(
                cmd.name_arg.span,
                "`yum clean all` missing after yum command: add `&& yum clean all` at the end of "
                "this RUN",
                fix,
            )


class YumUnpinnedPackage(PinRule, Rule):
    """`yum install` of a package without a version.

    A package named without its version installs whatever the repositories hold on the day of the
    build. Pin it as `<package>-<version>` (`httpd-2.4.6`); a module stream as
    `<module>:<stream>` (`yum module install nodejs:18`).

    ## Why is this bad?
    The same Dockerfile builds different images over time, and an update can break the build or
    the program without any change in the repository.

    ## Example
    ```dockerfile
    FROM centos:7
    RUN yum install -y httpd && yum clean all
    ```

    ## Use instead
    ```dockerfile
    FROM centos:7
    RUN yum install -y httpd-2.4.6 && yum clean all
    ```

    ## Differences from hadolint
    - One finding per unpinned package, at the package itself (hadolint: one per RUN).
    - A package given through a variable (`yum install -y $PACKAGES`) is not judged: its value
      is unknown. hadolint reads `$PACKAGES` as a package name without a version.
    - The values of options (`--enablerepo epel`, `--setopt …`) are not taken for packages, and
      local `.rpm` files and `.rpm` URLs count as pinned (a file is one exact version).
      `@group` and `@module:stream` arguments are skipped (groups and modules, not packages).
    - RUNs under a PowerShell or cmd SHELL are skipped; `sudo yum` is checked too.

    ## References
    - [hadolint DL3033](https://github.com/hadolint/hadolint/wiki/DL3033)
    """

    code = "DL3033"
    name = "yum-unpinned-package"
    severity = Severity.WARNING

    families = frozenset({"yum"})
    tools = frozenset({"yum"})
    subcommands = frozenset({"install"})

    def pinned(self, value: str) -> bool:
        return rpm_pinned(value)

    def check(self, ctx: Context) -> Iterator[Violation]:
        for arg, module in self.violations(ctx):
            if module:
                message = (
                    f"Specify the module stream: `yum module install -y {arg.value}:<stream>`"
                )
            else:
                message = f"Specify version with `yum install -y {arg.value}-<version>`"
            yield Violation(arg.span, message)

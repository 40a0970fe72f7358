"""The dnf rules (dnf, microdnf, tdnf): DL3038 (assume yes), DL3040 (clean the cache), DL3041 (pin
versions)."""

from __future__ import annotations

from dflint.rpm_support import AssumeYesRule, CacheCleanRule, PinRule, rpm_pinned
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

_DNF = frozenset({"dnf", "microdnf", "tdnf"})


class DnfMissingAssumeYes(AssumeYesRule, Rule):
    """`dnf install` without `-y`.

    `dnf install`, `groupinstall`, `localinstall`, `dnf group install` and `dnf module install`
    (also with `microdnf` and `tdnf`) ask for confirmation. A build has no one to answer: dnf
    reads end of input and the RUN fails.

    ## Why is this bad?
    The build stops at the prompt ("Operation aborted"). `-y` (`--assumeyes`) answers yes.

    ## Example
    ```dockerfile
    FROM fedora:40
    RUN dnf install httpd-2.4.62 && dnf clean all
    ```

    ## Use instead
    ```dockerfile
    FROM fedora:40
    RUN dnf install -y httpd-2.4.62 && dnf clean all
    ```

    ## Fix safety
    Safe: `-y` is inserted after the subcommand (`dnf install -y …`). Without it the install
    cannot succeed in a build, so nothing that worked before changes.

    ## Differences from hadolint
    The finding points at the `install` word, also in a heredoc body at the body's own line.
    `tdnf` (Photon OS), `sudo dnf` and `/usr/bin/dnf` are checked too. RUNs under a PowerShell
    or cmd SHELL are skipped.

    ## References
    - [hadolint DL3038](https://github.com/hadolint/hadolint/wiki/DL3038)
    """

    code = "DL3038"
    name = "dnf-missing-assume-yes"
    severity = Severity.WARNING
    fixable = Fixable.ALWAYS

    families = frozenset({"dnf"})
    tools = _DNF
    subcommands = frozenset({"install", "groupinstall", "localinstall"})
    yes_flags = ("-y", "--assumeyes")
    insert = "-y"

    def check(self, ctx: Context) -> Iterator[Violation]:
        for word, cmd, fix in self.violations(ctx):
            yield Violation(
                word.span,
                f"Use the -y switch to avoid manual input: `{cmd.basename} {word.value} -y "
                "<package>`",
                fix,
            )


class DnfCacheNotCleaned(CacheCleanRule, Rule):
    """`dnf install` without `dnf clean all` in the same RUN.

    dnf (and microdnf, tdnf) keep downloaded packages and repository metadata in `/var/cache/dnf`
    (`/var/cache/yum` for microdnf). Unless the RUN that installs also removes them, they stay in
    that layer: a later RUN that cleans only hides them.

    ## Why is this bad?
    The metadata alone is often over a hundred megabytes, shipped for nothing.

    ## Example
    ```dockerfile
    FROM fedora:40
    RUN dnf install -y httpd-2.4.62
    ```

    ## Use instead
    ```dockerfile
    FROM fedora:40
    RUN dnf install -y httpd-2.4.62 && dnf clean all
    ```

    ## Fix safety
    Safe: ` && dnf clean all` (with the tool that installed: `microdnf clean all`…) is appended
    to the RUN, or added as the last line of a heredoc body. Only the cache goes. No fix when
    appending would not parse as intended (a trailing comment, a background command).

    ## Differences from hadolint
    - Every install counts: `install`, `groupinstall`, `localinstall`, `reinstall`,
      `dnf module install`, `dnf group install` (hadolint: commands with an `install` word).
    - Only stages that ship are checked: the target stage and the stages it is built `FROM`
      (hadolint checks every stage).
    - A `--mount=type=cache` (or `tmpfs`) on the cache folder: no finding.
    - The clean must come after the last install (hadolint: after the first one). An `rm -rf`
      must remove `/var/cache/dnf` or `/var/cache/yum` (hadolint takes any `rm -rf`); `dnf
      list all` is not a clean (hadolint takes any dnf command with an `all` argument).
    - A clean by any of dnf, microdnf, tdnf or yum counts, since they share the cache
      (hadolint wants the same command name that installed).
    - `tdnf` and `sudo dnf` are checked too; reported at the install command.

    ## References
    - [hadolint DL3040](https://github.com/hadolint/hadolint/wiki/DL3040)
    """

    code = "DL3040"
    name = "dnf-cache-not-cleaned"
    severity = Severity.WARNING
    fixable = Fixable.SOMETIMES

    families = frozenset({"dnf"})
    tools = _DNF
    clean_tools = _DNF | {"yum"}
    cache_dirs = ("/var/cache/dnf", "/var/cache/yum")
    clean_command = "{tool} clean all"

    def check(self, ctx: Context) -> Iterator[Violation]:
        for _instruction, cmd, fix in self.violations(ctx):
            tool = cmd.basename
            yield Violation(
                cmd.name_arg.span,
                f"`{tool} clean all` missing after {tool} command: add `&& {tool} clean all` at "
                "the end of this RUN",
                fix,
            )


class DnfUnpinnedPackage(PinRule, Rule):
    """`dnf install` of a package without a version.

    A package named without its version installs whatever the repositories hold on the day of the
    build. Pin it as `<package>-<version>` (`httpd-2.4.62`); a module stream as
    `<module>:<stream>` (`dnf module install nodejs:20`). `dnf group install` names groups,
    which have no versions, and is not checked.

    ## Why is this bad?
    The same Dockerfile builds different images over time, and an update can break the build or
    the program without any change in the repository.

    ## Example
    ```dockerfile
    FROM fedora:40
    RUN dnf install -y httpd && dnf clean all
    ```

    ## Use instead
    ```dockerfile
    FROM fedora:40
    RUN dnf install -y httpd-2.4.62 && dnf clean all
    ```

    ## Differences from hadolint
    - One finding per unpinned package, at the package itself (hadolint: one per RUN).
    - A package given through a variable (`dnf install -y $PACKAGES`) is not judged: its value
      is unknown. hadolint reads `$PACKAGES` as a package name without a version.
    - Option values (`--setopt …`, `--enablerepo epel`) are not packages; `.rpm` files and URLs
      count as pinned. `@group` and `@module:stream` arguments name groups and modules, not
      packages: they are skipped. `tdnf` and `sudo dnf` are checked too.

    ## References
    - [hadolint DL3041](https://github.com/hadolint/hadolint/wiki/DL3041)
    """

    code = "DL3041"
    name = "dnf-unpinned-package"
    severity = Severity.WARNING

    families = frozenset({"dnf"})
    tools = _DNF
    subcommands = frozenset({"install"})

    def pinned(self, value: str) -> bool:
        return rpm_pinned(value)

    def check(self, ctx: Context) -> Iterator[Violation]:
        for arg, module in self.violations(ctx):
            if module:
                message = f"Specify the module stream: `dnf module install -y {arg.value}:<stream>`"
            else:
                message = f"Specify version with `dnf install -y {arg.value}-<version>`"
            yield Violation(arg.span, message)

from __future__ import annotations

from dflint.hadolint_support import unpinned_variable
from dflint.packages import package_runs
from dflint.rule import Context, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class UnpinnedApkPackage(Rule):
    """An `apk add` package without a version.

    Each package named by `apk add` should carry a version constraint: `curl=8.9.1-r0`, or a
    fuzzy `curl~8.9` that allows patch releases. Local `.apk` files and the `--virtual` group
    name are not packages. A package given through a variable is checked against its ARG/ENV
    value when known.

    ## Why is this bad?
    Without a version, each rebuild installs whatever the Alpine mirror has that day, so two
    builds of the same Dockerfile differ, and an upgrade can break the image silently.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache curl
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache curl=8.9.1-r0
    ```

    ## Differences from hadolint
    - One finding per unpinned package, at the package itself (in a heredoc body at its own
      line), instead of one per RUN at column 1.
    - Also `apk` behind `sudo`/`env`/`xargs` or called by a full path.
    - A package given through a variable is checked against its value (ARG, ENV, or a shell
      variable the RUN sets); when the value is unknown (a build argument without a default)
      nothing is reported, where hadolint reports every `$VAR`.
    - Under a PowerShell or cmd `SHELL` (Windows images) the RUN is read as plain command lines,
      enough to find the package-manager commands; exec-form RUNs are not read.

    ## References
    - [hadolint DL3018](https://github.com/hadolint/hadolint/wiki/DL3018)
    - [Alpine: apk world constraints](https://wiki.alpinelinux.org/wiki/Alpine_Package_Keeper#Advanced_APK_Usage)
    """

    code = "DL3018"
    name = "unpinned-apk-package"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction, script, pcs in package_runs(ctx, {"apk"}, windows=True):
            for pc in pcs:
                if pc.action != "install":
                    continue
                for pkg in pc.packages:
                    arg = pkg.arg
                    if pkg.version is not None or arg.value.endswith(".apk"):
                        continue
                    if not arg.static:
                        found = unpinned_variable(ctx, instruction, script, arg, _pinned,
                                                  "apk add", "<package>=<version>")
                        if found is not None:
                            yield found
                        continue
                    yield Violation(
                        arg.span,
                        f"Pin the version of '{pkg.name}' in apk add: use {pkg.name}=<version>",
                    )


def _pinned(word: str) -> bool:
    return any(c in word for c in "=~<>") or word.endswith(".apk") or word.startswith(("/", "./"))

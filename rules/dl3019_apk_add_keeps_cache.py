from __future__ import annotations

from dflint.fix import Fix
from dflint.hadolint_support import insert_after, mounted, subcommand_arg
from dflint.packages import package_runs
from dflint.rule import Context, Fixable, Rule, Severity, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


class ApkAddKeepsCache(Rule):
    """`apk add` without `--no-cache`.

    `apk add --no-cache` fetches the package index on the fly and keeps nothing in
    `/var/cache/apk`, so there is no need for `apk update` before nor `rm -rf /var/cache/apk/*`
    after. A RUN whose `/var/cache/apk` (or `/etc/apk/cache`) is a `--mount=type=cache` or
    `tmpfs` mount wants apk's cache and is fine without it.

    ## Why is this bad?
    The index and package cache stay in the layer and make the image bigger, unless every RUN
    remembers to clean them up.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    RUN apk update && apk add curl=8.9.1-r0
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache curl=8.9.1-r0
    ```

    ## Fix safety
    Safe: inserts `--no-cache` after `add`. The same packages are installed; apk reads a fresh
    index instead of the cached one.

    ## Differences from hadolint
    - `apk add --no-network` fetches nothing and so caches nothing: not reported.
    - A cache or tmpfs mount of apk's cache folder (`--mount=type=cache,target=/var/cache/apk`)
      is the faster alternative and is not reported; hadolint asks for `--no-cache` there too,
      which would defeat the mount.
    - Also `apk` behind `sudo`/`env`/`xargs` or called by a full path; reported at the `add`
      word (in a heredoc body at its own line), not at column 1.
    - Exec-form RUNs and RUNs under a PowerShell or cmd `SHELL` are not read as POSIX shell.

    ## References
    - [hadolint DL3019](https://github.com/hadolint/hadolint/wiki/DL3019)
    - [Alpine: apk local cache](https://wiki.alpinelinux.org/wiki/Local_APK_cache)
    """

    code = "DL3019"
    name = "apk-add-keeps-cache"
    severity = Severity.INFO
    fixable = Fixable.ALWAYS

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction, _, pcs in package_runs(ctx, {"apk"}):
            adds = [pc for pc in pcs if pc.action == "install"]
            if not adds:
                continue
            if mounted(ctx, instruction, "/var/cache/apk") or mounted(ctx, instruction, "/etc/apk/cache"):
                continue
            for pc in adds:
                if pc.has_flag("--no-cache", "--no-network"):
                    continue
                cache_dirs = pc.option_values("--cache-dir")
                if cache_dirs and any(mounted(ctx, instruction, d) for d in cache_dirs if d.startswith("/")):
                    continue
                word = subcommand_arg(pc.command, pc.subcommand)
                yield Violation(
                    word.span,
                    "Use `apk add --no-cache` so that no package index or cache stays in the "
                    "layer (no need for `apk update` or `rm -rf /var/cache/apk/*` then)",
                    Fix.safe("Add --no-cache", insert_after(word, "--no-cache")),
                )

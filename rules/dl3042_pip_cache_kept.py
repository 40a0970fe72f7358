from __future__ import annotations

from dflint.fix import Fix
from dflint.hadolint_support import (
    assigned_values,
    insert_after,
    mount_targets,
    removed_after,
    subcommand_arg,
)
from dflint.packages import PackageCommand, package_runs
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.shell import Script

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: Values pip accepts for PIP_NO_CACHE_DIR; every one of them disables the cache (pip keeps
#: "false" meaning "no cache" for backward compatibility).
_BOOLEAN = frozenset("y yes t true on 1 n no f false off 0".split())


class PipCacheKept(Rule):
    """`pip install` without `--no-cache-dir`, so pip's download cache stays in the layer.

    pip keeps every wheel it downloads or builds in `~/.cache/pip`. In an image that cache is
    dead weight. Pass `--no-cache-dir`, or set `PIP_NO_CACHE_DIR=1` (ENV, ARG, or in the RUN),
    or mount the cache folder as a build cache (`RUN --mount=type=cache,target=/root/.cache/pip`),
    which also speeds up rebuilds. Deleting the cache at the end of the same RUN
    (`rm -rf /root/.cache/pip`, `pip cache purge`) is fine too.

    ## Why is this bad?
    The cache often weighs as much as the installed packages themselves, and no later
    instruction can take it out of the layer again.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install flask==3.0.3
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN pip install --no-cache-dir flask==3.0.3
    ```

    ## Fix safety
    Safe: inserts `--no-cache-dir` after `install`. The same packages are installed.

    ## Differences from hadolint
    - A `--mount=type=cache` or `tmpfs` mount of the pip cache folder (`~/.cache/pip`, `~/.cache`,
      `--cache-dir`, `PIP_CACHE_DIR`) and a cleanup of that folder later in the same RUN are
      not reported: no cache reaches the layer.
    - `PIP_NO_CACHE_DIR` with any boolean value (also `0`/`false`, which pip treats the same way)
      counts, set through ENV, ARG (also in a base stage), `export`, or a prefix of the command;
      hadolint searches the RUN text for a truthy `PIP_NO_CACHE_DIR=`.
    - One finding per `pip install`, at the `install` word (in a heredoc body at its own line),
      with a fix; also pip by a full path (`/venv/bin/pip`) and behind `sudo`/`env`. `uv pip install` has its own cache and is left
      alone.
    - Under a PowerShell or cmd `SHELL` (Windows images) the RUN is read as plain command lines,
      enough to find the package-manager commands; exec-form RUNs are not read.

    ## References
    - [hadolint DL3042](https://github.com/hadolint/hadolint/wiki/DL3042)
    - [pip caching](https://pip.pypa.io/en/stable/topics/caching/)
    """

    code = "DL3042"
    name = "pip-cache-kept"
    severity = Severity.WARNING
    fixable = Fixable.ALWAYS

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction, script, pip in package_runs(ctx, {"pip"}, windows=True):
            installs = [pc for pc in pip if pc.action == "install" and pc.tool != "uv"]
            if not installs:
                continue
            scope = ctx.graph.scope_at(instruction)
            if _boolean(scope.get("PIP_NO_CACHE_DIR")) or any(_boolean(v) for v in assigned_values(script, "PIP_NO_CACHE_DIR")):
                continue
            env_dirs = [v for v in [scope.get("PIP_CACHE_DIR"), *assigned_values(script, "PIP_CACHE_DIR")] if v]
            xdg = [v for v in [scope.get("XDG_CACHE_HOME"), *assigned_values(script, "XDG_CACHE_HOME")] if v]
            mounts = [t.rstrip("/") or "/" for t in mount_targets(ctx, instruction) if t.startswith("/")]
            for pc in installs:
                if pc.has_flag("--no-cache-dir"):
                    continue
                dirs = pc.option_values("--cache-dir") or env_dirs or [d + "/pip" for d in xdg]
                if _cache_mounted(dirs, mounts) or _purged_after(script, pc, pip, dirs):
                    continue
                word = subcommand_arg(pc.command, pc.subcommand)
                yield Violation(
                    word.span,
                    "Use `pip install --no-cache-dir` (or a cache mount) so that pip's download "
                    "cache does not stay in the layer",
                    Fix.safe("Add --no-cache-dir", insert_after(word, "--no-cache-dir")),
                )


def _boolean(value: str | None) -> bool:
    return value is not None and value.strip().lower() in _BOOLEAN


def _is_cache_path(path: str, dirs: list[str]) -> bool:
    """A pip cache folder: a configured one, or the default ``~/.cache/pip`` under any home."""
    path = path.rstrip("/") or "/"
    if dirs:
        return any(d.rstrip("/") == path or d.startswith(path + "/") for d in dirs if d.startswith("/"))
    return path.endswith(("/.cache/pip", "/.cache")) or path in ("/root", "/home")


def _cache_mounted(dirs: list[str], mounts: list[str]) -> bool:
    return any(_is_cache_path(m, dirs) for m in mounts)


def _purged_after(script: Script, pc: PackageCommand, pip: list[PackageCommand], dirs: list[str]) -> bool:
    index = pc.command.index
    for other in pip:
        if other.command.index > index and other.subcommand == "cache":
            rest = [a.value for a in other.command.positional]
            if "purge" in rest or "remove" in rest:
                return True
    for arg in removed_after(script, index):
        value = arg.value
        for prefix in ("~", "$HOME", "${HOME}"):
            if value.startswith(prefix + "/"):
                value = "/root" + value[len(prefix) :]
        value = value.rstrip("*").rstrip("/")
        if value.startswith("/") and _is_cache_path(value, dirs):
            return True
    return False

from __future__ import annotations

from dflint.hadolint_support import (
    assigned_values,
    mount_targets,
    removed_after,
    shipped,
    subcommand_arg,
)
from dflint.packages import PackageCommand, package_runs
from dflint.rule import Context, Rule, Severity, Violation
from dflint.shell import Script

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

#: Where yarn keeps its cache by default (v1 as root and as a user, berry's global cache).
_DEFAULT_DIRS = ("/usr/local/share/.cache/yarn", "/root/.cache/yarn", "/root/.yarn/berry/cache")


class YarnCacheNotCleaned(Rule):
    """`yarn install` without `yarn cache clean` in the same RUN.

    yarn keeps a copy of every package it installs in its global cache
    (`/usr/local/share/.cache/yarn` for yarn 1 as root). Run `yarn cache clean` at the end of the
    same RUN, or mount the cache folder as a build cache
    (`RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install`). Plain `yarn`
    and `yarn add` install too. Only stages that end up in the built image are checked: the
    target and the stages it is built `FROM`.

    ## Why is this bad?
    The cache duplicates `node_modules` inside the image, often hundreds of MB, and no later
    instruction can take it out of the layer again.

    ## Example
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY package.json yarn.lock ./
    RUN yarn install --frozen-lockfile
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY package.json yarn.lock ./
    RUN yarn install --frozen-lockfile && yarn cache clean
    ```

    ## Differences from hadolint
    - A `--mount=type=cache` or `tmpfs` mount of yarn's cache folder (the default ones,
      `--cache-folder`, `YARN_CACHE_FOLDER`), a cache folder under `/dev/shm`, and an `rm -rf` of
      the cache folder later in the same RUN are not reported: no cache reaches the layer.
    - Also plain `yarn` and `yarn add`/`yarn global add`, and yarn behind `sudo`/`env`; reported
      at the install command (in a heredoc body at its own line), not at column 1.
    - "Final image" is the stage graph's shipped stages (the target and its `FROM` chain, with
      `--target` honoured); hadolint checks the last stage and every stage some `FROM` names.
    - Under a PowerShell or cmd `SHELL` (Windows images) the RUN is read as plain command lines,
      enough to find the package-manager commands; exec-form RUNs are not read.

    ## References
    - [hadolint DL3060](https://github.com/hadolint/hadolint/wiki/DL3060)
    - [yarn cache](https://classic.yarnpkg.com/en/docs/cli/cache)
    """

    code = "DL3060"
    name = "yarn-cache-not-cleaned"
    severity = Severity.INFO

    def check(self, ctx: Context) -> Iterator[Violation]:
        for instruction, script, yarn in package_runs(ctx, {"yarn"}, windows=True):
            installs = [pc for pc in yarn if pc.action == "install" and not _query(pc)]
            if not installs or not shipped(ctx, instruction):
                continue
            last = installs[-1]
            scope = ctx.graph.scope_at(instruction)
            dirs = [d for pc in installs for d in pc.option_values("--cache-folder")]
            dirs += [v for v in [scope.get("YARN_CACHE_FOLDER"), *assigned_values(script, "YARN_CACHE_FOLDER")] if v]
            if dirs and all(d.startswith("/dev/shm") for d in dirs):
                continue
            if _mounted(ctx, instruction, dirs) or _cleaned_after(script, last, yarn, dirs):
                continue
            word = subcommand_arg(last.command, last.subcommand) if last.subcommand else last.command.name_arg
            what = f"yarn {last.subcommand}" if last.subcommand else "yarn"
            yield Violation(
                word.span,
                f"Run `yarn cache clean` after `{what}` in the same RUN, so that yarn's cache "
                "does not stay in the image",
            )


def _query(pc: PackageCommand) -> bool:
    """``yarn --version``, ``yarn -h``: plain yarn that only prints something."""
    return pc.subcommand is None and pc.has_flag("--version", "-v", "--help", "-h")


def _mounted(ctx: Context, instruction, dirs: list[str]) -> bool:
    candidates = dirs or list(_DEFAULT_DIRS)
    for target in mount_targets(ctx, instruction):
        t = target.rstrip("/") or "/"
        if "yarn" in t.lower():
            return True
        if any(c == t or c.startswith(t + "/") for c in candidates) and t not in ("/", "/root", "/usr", "/usr/local"):
            return True
    return False


def _cleaned_after(script: Script, last: PackageCommand, yarn: list[PackageCommand], dirs: list[str]) -> bool:
    index = last.command.index
    for pc in yarn:
        if pc.command.index > index and pc.subcommand == "cache":
            if "clean" in [a.value for a in pc.command.positional]:
                return True
    for arg in removed_after(script, index):
        raw = arg.raw
        value = arg.value.rstrip("*").rstrip("/")
        if "yarn cache dir" in raw or ".cache/yarn" in value or value.endswith("/.yarn/berry/cache") or value.endswith("/.yarn/cache"):
            return True
        if any(value == d.rstrip("/") for d in dirs):
            return True
    return False

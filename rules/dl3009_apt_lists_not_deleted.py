from __future__ import annotations

from dflint.fix import Fix
from dflint.hadolint_support import append_command, mounted, removed_after, runs_calling, shipped, subcommand_arg
from dflint.packages import PackageCommand, package_runs
from dflint.rule import Context, Fixable, Rule, Severity, Violation
from dflint.shell import Command, Script
from dflint.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

LISTS = "/var/lib/apt/lists"
CLEANUP = "rm -rf /var/lib/apt/lists/*"


class AptListsNotDeleted(Rule):
    """`apt-get update` without deleting the package lists in the same RUN.

    `apt-get update` downloads the package indexes into `/var/lib/apt/lists` (tens of MB). Unless
    the same RUN deletes them afterwards (`rm -rf /var/lib/apt/lists/*`, or `apt-get distclean`
    on apt 2.7+), they are committed into the layer, and no later RUN can take them out of the
    image again. Only stages that end up in the built image are checked: the target and the
    stages it is built `FROM`. A RUN whose `/var/lib/apt/lists` (or a folder above it) is a
    `--mount` of type `cache`, `tmpfs` or `bind` keeps nothing in the layer and is fine.

    ## Why is this bad?
    The lists make the image bigger for nothing: the container never needs them, and they go
    stale the day after the build.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl \\
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    Appends `&& rm -rf /var/lib/apt/lists/*` to the RUN (on a continuation line of its own in a
    multi-line RUN, a line of its own in a heredoc body). Safe: the lists are only read by apt
    itself. When a later RUN of the same image installs with apt without its own
    `apt-get update` (it relies on the lists this RUN downloaded), the fix would break it and is
    Unsafe.

    ## Differences from hadolint
    - The cleanup must remove `/var/lib/apt/lists` (or its contents, with any pattern such as
      `rm /var/lib/apt/lists/*_*`, or a folder above it) after the last update; hadolint accepts
      any `rm -rf` anywhere in the RUN (`rm -rf /tmp/*` too) and nothing else.
      `apt-get dist-clean` (apt 2.7.8+, used by the Docker official images) counts as a
      cleanup: it exists to delete the lists; hadolint does not know it.
    - Also `apt update` and `aptitude update`, a full path, and commands behind `sudo`/`env`;
      reported at the `update` word (in a heredoc body at its own line), not at column 1.
    - "Final image" is the stage graph's shipped stages (the target and its `FROM` chain, with
      `--target` honoured); hadolint checks the last stage and every stage some `FROM` names,
      even a stage that is itself not shipped, and a stage whose name is also an image name
      (`FROM maven:3 AS maven`).
    - A cache/tmpfs mount of `/var/lib/apt` alone is enough (the lists live under it); hadolint
      also wants `/var/cache/apt` mounted.
    - Exec-form RUNs and RUNs under a PowerShell or cmd `SHELL` are not read as POSIX shell.

    ## References
    - [hadolint DL3009](https://github.com/hadolint/hadolint/wiki/DL3009)
    - [Dockerfile best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
    """

    code = "DL3009"
    name = "apt-lists-not-deleted"
    severity = Severity.INFO
    fixable = Fixable.ALWAYS

    def check(self, ctx: Context) -> Iterator[Violation]:
        readers = None  # the RUNs that need the lists (found when a fix needs them)
        for instruction, script, apt in package_runs(ctx, {"apt"}):
            updates = [pc.command for pc in apt if pc.action == "update"]
            if not updates:
                continue
            last = updates[-1]
            if _cleans_after(script, last, apt):
                continue
            if mounted(ctx, instruction, LISTS, ("cache", "tmpfs", "bind")):
                continue
            if not shipped(ctx, instruction):
                continue
            fix = None
            edit = append_command(ctx, instruction, script, last, CLEANUP)
            if edit is not None:
                title = "Delete the apt lists at the end of the RUN"
                if readers is None:
                    readers = _reading_lists(ctx)
                if _later_needs_lists(ctx, instruction, readers):
                    fix = Fix.unsafe(title + " (a later RUN installs without apt-get update)", edit)
                else:
                    fix = Fix.safe(title, edit)
            yield Violation(
                subcommand_arg(last, "update").span,
                f"Delete the apt lists after `{last.basename} update` in the same RUN: add "
                f"`&& {CLEANUP}`",
                fix,
            )


def _cleans_after(script: Script, update: Command, apt: tuple[PackageCommand, ...]) -> bool:
    for pc in apt:
        if pc.command.index > update.index and pc.subcommand in ("distclean", "dist-clean"):
            return True
    for arg in removed_after(script, update.index):
        path = arg.value.rstrip("*").rstrip("/") or "/"
        if not path.startswith("/"):
            continue
        if path == LISTS or LISTS.startswith(path.rstrip("/") + "/") or arg.value.startswith(LISTS + "/"):
            return True
    return False


def _needs_lists(script: Script, apt: tuple[PackageCommand, ...]) -> bool:
    """Whether the script installs with apt (its `apt` commands) or asks apt-cache before any
    update of its own."""
    first_update = min((pc.command.index for pc in apt if pc.action == "update"), default=None)
    users = [pc.command.index for pc in apt if pc.action in ("install", "upgrade") or pc.subcommand in ("source", "build-dep", "download")]
    users += [c.index for c in script.find("apt-cache")]
    return any(first_update is None or u < first_update for u in users)


def _reading_lists(ctx: Context) -> list[Instruction]:
    """The RUNs that read the apt lists before any `apt-get update` of their own, in file order
    (only RUNs with an apt or apt-cache command can)."""
    candidates = {instruction: (script, apt) for instruction, script, apt in package_runs(ctx, {"apt"})}
    for instruction, script in runs_calling(ctx, "apt-cache"):
        candidates.setdefault(instruction, (script, ()))
    readers = [instruction for instruction, (script, apt) in candidates.items() if _needs_lists(script, apt)]
    return sorted(readers, key=lambda instruction: instruction.span.start)


def _later_needs_lists(ctx: Context, instruction: Instruction, readers: list[Instruction]) -> bool:
    later = [ins for ins in readers if ins.span.start > instruction.span.start]
    graph = ctx.graph
    stage = graph.stage_of(instruction)
    if stage is None:
        return bool(later)
    # the stages that see this layer: this one and those built FROM it (transitively)
    seeing = {stage.index}
    for st in graph.stages:
        if st.base_stage in seeing:
            seeing.add(st.index)
    for ins in later:
        st = graph.stage_of(ins)
        if st is None or st.index in seeing:
            return True
    return False

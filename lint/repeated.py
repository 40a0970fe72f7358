"""Instructions of which only the last one in a stage takes effect (``CMD``, ``ENTRYPOINT``,
``HEALTHCHECK``), found as hadolint finds them: DL3012, DL4003 and DL4004.

- `stage_groups`: the instructions of each stage, and those before the first ``FROM`` (a file
  without ``FROM`` is still checked, as hadolint does).
- `repeated`: each instruction of a kind that follows another of that kind in its group.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator

    from dflint.rule import Context
    from dflint.syntax import Instruction

__all__ = ["repeated", "stage_groups"]


def stage_groups(ctx: Context) -> list[tuple[str, tuple[Instruction, ...]]]:
    """(label, instructions) of each stage, and of the instructions before the first FROM (a
    file without FROM is still checked, as hadolint does)."""
    groups = [(f"in stage '{s.label}'", s.instructions) for s in ctx.graph.stages]
    before = []
    for ins in ctx.dockerfile.instructions:
        if ins.name == "FROM":
            break
        before.append(ins)
    if before:
        groups.insert(0, ("before the first FROM", tuple(before)))
    return groups


def repeated(ctx: Context, keyword: str) -> Iterator[tuple[str, Instruction, Instruction]]:
    """``(label, previous, ins)`` for each `keyword` instruction that comes after another one in
    its group (see `stage_groups`): `previous` is the one just before it, which it overrides."""
    for label, instructions in stage_groups(ctx):
        previous = None
        for ins in instructions:
            if ins.name != keyword:
                continue
            if previous is not None:
                yield label, previous, ins
            previous = ins
